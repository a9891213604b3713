//! CSV imports: what kind, how far, and what was refused on which line.

use crate::domain::turnover::Segment;
use crate::domain::{Currency, Email, Role, Scope};
use crate::model::auth::SessionUser;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Customers,
    Sales,
    /// People (admins only): e-mail, name, role, unit path, manager's e-mail.
    People,
}

impl ImportKind {
    pub fn parse(text: &str) -> Option<ImportKind> {
        match text {
            "customers" => Some(ImportKind::Customers),
            "sales" => Some(ImportKind::Sales),
            "people" => Some(ImportKind::People),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::Sales => "sales",
            ImportKind::People => "people",
        }
    }

    /// The columns a file of this kind has; the required ones first.
    pub fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ImportKind::Customers => (
                &["customer_ref", "name", "segment"],
                &["owner_email", "lat", "lon"],
            ),
            ImportKind::People => (&["email", "name", "role", "unit"], &["manager_email"]),
            ImportKind::Sales => (
                &["customer_ref", "date", "amount"],
                &["currency", "reference"],
            ),
        }
    }
}

/// One problem with one line of the file. `line` is the line number in the file as an editor
/// shows it (the header is line 1); `column` is the header's name for the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, {c}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// Most line errors a report lists; the rest are counted.
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// The outcome of one import: either stored (all lines) or refused (nothing stored, every bad
/// line listed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Data lines read (not counting the header and blank lines).
    pub lines: u64,
    pub stored: bool,
    pub errors: Vec<LineError>,
    /// Bad lines beyond the ones listed.
    pub more_errors: u64,
    /// Rows written new, changed, and already present as they are.
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Customers a sales file named that did not exist, created named by their reference.
    pub new_customers: Vec<String>,
    /// How the file was read (delimiter, ignored columns, other currencies).
    pub notes: Vec<String>,
    /// People imported: the one-time link each chooses their password with, to pass on.
    #[serde(default)]
    pub invitations: Vec<Invitation>,
}

/// A person an import added, with the link to pass on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub email: String,
    pub name: String,
    pub path: String,
    /// Whether the link was mailed to them (only when Pacer has a mail server).
    #[serde(default)]
    pub delivery: crate::model::people::Delivery,
}

/// One line of a people file, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonLine {
    pub line: u64,
    pub email: Email,
    pub name: String,
    pub role: Role,
    /// Unit names from the top: `North/Field team` (the company's name may lead or not).
    pub unit: Vec<String>,
    pub manager_email: Option<Email>,
}

/// How many new customers' references a report names before "and N more".
pub const LISTED_NEW_CUSTOMERS: usize = 20;

impl ImportReport {
    /// The references of the customers a sales file created, for the report: the first
    /// [`LISTED_NEW_CUSTOMERS`] then "and N more", or every one (`all`). None when there are
    /// none.
    pub fn new_customers_text(&self, all: bool) -> Option<String> {
        let total = self.new_customers.len();
        if total == 0 {
            return None;
        }
        let shown = if all {
            total
        } else {
            total.min(LISTED_NEW_CUSTOMERS)
        };
        let mut text = self.new_customers[..shown].join(", ");
        if shown < total {
            text.push_str(&format!(" and {} more", total - shown));
        }
        Some(text)
    }

    pub fn refused(lines: u64, mut errors: Vec<LineError>, notes: Vec<String>) -> ImportReport {
        errors.sort_by_key(|e| e.line);
        let more_errors = errors.len().saturating_sub(MAX_LISTED_ERRORS) as u64;
        errors.truncate(MAX_LISTED_ERRORS);
        ImportReport {
            lines,
            errors,
            more_errors,
            notes,
            ..ImportReport::default()
        }
    }

    /// One sentence for the top of the report.
    pub fn summary(&self, kind: ImportKind) -> String {
        let what = kind.as_str();
        if self.stored {
            let mut s = format!(
                "Imported {} lines of {what}: {} new, {} changed, {} already there.",
                self.lines, self.created, self.updated, self.unchanged
            );
            if !self.invitations.is_empty() {
                let mailed = self
                    .invitations
                    .iter()
                    .filter(|i| i.delivery.is_mailed())
                    .count();
                let n = self.invitations.len();
                s = if mailed == 0 {
                    format!(
                        "Imported {n} people. Pass each their link below: with it they choose their password."
                    )
                } else if mailed == n {
                    format!(
                        "Imported {n} people. Each was mailed the link they choose their password with (the links are below too)."
                    )
                } else {
                    format!(
                        "Imported {n} people. {mailed} were mailed their link; pass the others theirs below: with it they choose their password."
                    )
                };
            }
            if !self.new_customers.is_empty() {
                s.push_str(&format!(
                    " {} unknown customer references became new customers named by their reference.",
                    self.new_customers.len()
                ));
            }
            s
        } else {
            let bad = self.errors.len() as u64 + self.more_errors;
            format!(
                "Nothing was imported: {bad} problem{} in {} lines. Correct the file and import it again.",
                if bad == 1 { "" } else { "s" },
                self.lines
            )
        }
    }
}

/// One line of the stream `POST /api/import/{kind}` answers with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum ImportProgress {
    /// Lines read and checked so far.
    Checking {
        done: u64,
    },
    /// Lines written so far, of `total`.
    Storing {
        done: u64,
        total: u64,
    },
    Done {
        report: ImportReport,
    },
    /// The request itself was refused (not signed in, not allowed, unknown kind).
    Refused {
        message: String,
    },
}

/// Who imports: what they may touch, and who owns customers the file leaves without an owner.
#[derive(Clone, Debug)]
pub struct Importer {
    pub scope: Scope,
    /// Who imports (none on the command line): named as the creator of invitations.
    pub actor: Option<i64>,
    /// Only an admin imports people.
    pub admin: bool,
    /// A manager's import keeps customers in their sight by making them theirs; an admin's
    /// leaves them unowned until an owner is given.
    pub default_owner: Option<i64>,
}

impl Importer {
    /// Admins and managers import; reps do not.
    pub fn for_user(user: &SessionUser) -> Option<Importer> {
        match user.role {
            Role::Rep => None,
            Role::Manager => Some(Importer {
                scope: user.scope(),
                actor: Some(user.id),
                admin: false,
                default_owner: Some(user.id),
            }),
            Role::Admin => Some(Importer {
                scope: Scope::All,
                actor: Some(user.id),
                admin: true,
                default_owner: None,
            }),
        }
    }

    /// `server import …` on the command line runs with the database's full rights.
    pub fn command_line() -> Importer {
        Importer {
            scope: Scope::All,
            actor: None,
            admin: true,
            default_owner: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct CustomerLine {
    pub line: u64,
    pub customer_ref: String,
    pub name: String,
    pub owner_email: Option<Email>,
    pub segment: Segment,
    pub location: Option<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleLine {
    pub line: u64,
    pub customer_ref: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub currency: Currency,
    pub reference: Option<String>,
    /// What identifies the sale across imports: its reference when given, otherwise customer,
    /// date, amount and currency with its position among identical lines of the file.
    pub key: String,
}

//! Reading customer and sales CSV files as real systems write them: UTF-8 with or without a
//! byte-order mark, comma, semicolon or tab separated, decimal point or comma, ISO or German
//! dates. Every line is checked and every problem kept with its line and column, so one report
//! lists them all; the repository stores the lines only if there are none
//! ([`crate::repo::import`]). Every door (the upload, `server import`, the bulk API) calls
//! [`run`].

use crate::model::imports::{
    CustomerLine, ImportKind, ImportProgress, ImportReport, Importer, LineError, PersonLine,
    SaleLine,
};

use crate::db::Db;

use crate::domain::turnover::{parse_amount, parse_coordinate, parse_date, Segment};

use crate::domain::{Currency, Email};

use crate::repo::{self, import::Progress, RepoError};

use chrono::NaiveDate;

use std::collections::HashMap;

/// Reads a whole file and stores it, all or nothing, reporting progress as it goes. The
/// reading runs on a blocking thread: a large file is a few hundred milliseconds of CPU.
pub async fn run(
    db: &Db,
    importer: &Importer,
    kind: ImportKind,
    bytes: Vec<u8>,
    progress: Progress,
) -> Result<ImportReport, super::Error> {
    enum Lines {
        Customers(Parsed<CustomerLine>),
        Sales(Parsed<SaleLine>),
        People(Parsed<PersonLine>),
    }
    if kind == ImportKind::People && !importer.admin {
        return Err(crate::error::AppError::Forbidden("import of people".into()).into());
    }
    let reading = progress.clone();
    let lines = tokio::task::spawn_blocking(move || {
        let mut tick = |done| {
            let _ = reading.send(ImportProgress::Checking { done });
        };
        match kind {
            ImportKind::Customers => Lines::Customers(customers(&bytes, &mut tick)),
            ImportKind::Sales => Lines::Sales(sales(&bytes, &mut tick)),
            ImportKind::People => Lines::People(people(&bytes, &mut tick)),
        }
    })
    .await
    .map_err(|e| RepoError::Corrupt(format!("reading the file stopped: {e}")))?;
    let (notes, report) = match lines {
        Lines::Customers(p) if p.errors.is_empty() => (
            p.notes,
            repo::import::customers(db, importer, &p.rows, &progress).await?,
        ),
        Lines::Sales(p) if p.errors.is_empty() => (
            p.notes,
            repo::import::sales(db, importer, &p.rows, &progress).await?,
        ),
        Lines::People(p) if p.errors.is_empty() => (
            p.notes,
            repo::import::people(db, importer, &p.rows, chrono::Utc::now()).await?,
        ),
        Lines::People(p) => return Ok(ImportReport::refused(p.lines, p.errors, p.notes)),
        Lines::Customers(p) => return Ok(ImportReport::refused(p.lines, p.errors, p.notes)),
        Lines::Sales(p) => return Ok(ImportReport::refused(p.lines, p.errors, p.notes)),
    };
    Ok(ImportReport {
        notes: notes.into_iter().chain(report.notes).collect(),
        ..report
    })
}

/// Longest customer reference and sale reference accepted.
pub const MAX_REF_LEN: usize = 64;
/// Longest customer name accepted.
pub const MAX_NAME_LEN: usize = 200;

/// A file read: the lines that passed, and every problem of the ones that did not.
#[derive(Debug)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub errors: Vec<LineError>,
    /// Data lines read (header and blank lines not counted).
    pub lines: u64,
    pub notes: Vec<String>,
}

/// Reports progress every this many lines.
pub const PROGRESS_EVERY: u64 = 5_000;

pub fn customers(bytes: &[u8], progress: &mut dyn FnMut(u64)) -> Parsed<CustomerLine> {
    let mut seen: HashMap<String, u64> = HashMap::new();
    read(bytes, ImportKind::Customers, progress, |line, f| {
        let mut errors = Vec::new();
        let customer_ref = reference(line, f, "customer_ref", &mut errors);
        if let Some(r) = &customer_ref {
            if let Some(first) = seen.insert(r.clone(), line) {
                errors.push(err(
                    line,
                    "customer_ref",
                    format!("\"{r}\" is already on line {first}"),
                ));
            }
        }
        let name = f.get("name").trim();
        if name.is_empty() {
            errors.push(err(line, "name", "is empty"));
        } else if name.chars().count() > MAX_NAME_LEN {
            errors.push(err(
                line,
                "name",
                format!("is longer than {MAX_NAME_LEN} characters"),
            ));
        }
        let owner_email = match f.get("owner_email").trim() {
            "" => None,
            text => Email::parse(text)
                .map_err(|e| errors.push(err(line, "owner_email", e.to_string())))
                .ok(),
        };
        let segment = Segment::parse(f.get("segment"))
            .map_err(|e| errors.push(err(line, "segment", e)))
            .ok();
        let location = match (f.get("lat").trim(), f.get("lon").trim()) {
            ("", "") => None,
            ("", _) => {
                errors.push(err(
                    line,
                    "lat",
                    "is empty while lon is given: give both or neither",
                ));
                None
            }
            (_, "") => {
                errors.push(err(
                    line,
                    "lon",
                    "is empty while lat is given: give both or neither",
                ));
                None
            }
            (lat, lon) => {
                let lat = parse_coordinate(lat, 90.0).map_err(|e| errors.push(err(line, "lat", e)));
                let lon =
                    parse_coordinate(lon, 180.0).map_err(|e| errors.push(err(line, "lon", e)));
                lat.ok().zip(lon.ok())
            }
        };
        match (customer_ref, segment, errors.is_empty()) {
            (Some(customer_ref), Some(segment), true) => Ok(CustomerLine {
                line,
                customer_ref,
                name: name.to_string(),
                owner_email,
                segment,
                location,
            }),
            _ => Err(errors),
        }
    })
}

/// A people file: each line's address, name, role and unit path checked; addresses twice in
/// the file refused. Whether the unit and the manager exist is the repository's check, inside
/// the write.
pub fn people(bytes: &[u8], progress: &mut dyn FnMut(u64)) -> Parsed<PersonLine> {
    let mut seen: HashMap<String, u64> = HashMap::new();
    read(bytes, ImportKind::People, progress, |line, f| {
        let mut errors = Vec::new();
        let email = Email::parse(f.get("email"))
            .map_err(|e| errors.push(err(line, "email", e.to_string())))
            .ok();
        if let Some(email) = &email {
            if let Some(first) = seen.insert(email.as_str().to_string(), line) {
                errors.push(err(
                    line,
                    "email",
                    format!("{} is already on line {first}", email.as_str()),
                ));
            }
        }
        let name = super::setup::parse_name("name", f.get("name"))
            .map_err(|e| errors.push(err(line, "name", e.message)))
            .ok();
        let role = crate::domain::Role::parse(f.get("role"))
            .map_err(|e| errors.push(err(line, "role", e.to_string())))
            .ok();
        let unit: Vec<String> = f
            .get("unit")
            .split(['/', '>'])
            .map(|part| part.trim().to_string())
            .filter(|part| !part.is_empty())
            .collect();
        if unit.is_empty() {
            errors.push(err(
                line,
                "unit",
                "is empty: write the unit from the top, like North/Field team",
            ));
        }
        let manager_email = match f.get("manager_email").trim() {
            "" => None,
            text => Email::parse(text)
                .map_err(|e| errors.push(err(line, "manager_email", e.to_string())))
                .ok(),
        };
        match (email, name, role, errors.is_empty()) {
            (Some(email), Some(name), Some(role), true) => Ok(PersonLine {
                line,
                email,
                name,
                role,
                unit,
                manager_email,
            }),
            _ => Err(errors),
        }
    })
}

pub fn sales(bytes: &[u8], progress: &mut dyn FnMut(u64)) -> Parsed<SaleLine> {
    let mut references: HashMap<String, u64> = HashMap::new();
    let mut identical: HashMap<(String, NaiveDate, i64, Currency), u32> = HashMap::new();
    let mut parsed = read(bytes, ImportKind::Sales, progress, |line, f| {
        let mut errors = Vec::new();
        let customer_ref = reference(line, f, "customer_ref", &mut errors);
        let date = parse_date(f.get("date"))
            .map_err(|e| errors.push(err(line, "date", e)))
            .ok();
        let amount = parse_amount(f.get("amount"))
            .map_err(|e| errors.push(err(line, "amount", e)))
            .ok();
        let currency = match f.get("currency").trim() {
            "" => Some(Currency::EUR),
            text => Currency::parse(text)
                .map_err(|_| {
                    errors.push(err(
                        line,
                        "currency",
                        format!("\"{text}\" is not a currency code like EUR"),
                    ))
                })
                .ok(),
        };
        let reference = match f.get("reference").trim() {
            "" => None,
            r if r.chars().count() > MAX_REF_LEN => {
                errors.push(err(
                    line,
                    "reference",
                    format!("is longer than {MAX_REF_LEN} characters"),
                ));
                None
            }
            r => {
                if let Some(first) = references.insert(r.to_string(), line) {
                    errors.push(err(
                        line,
                        "reference",
                        format!("\"{r}\" is already on line {first}"),
                    ));
                }
                Some(r.to_string())
            }
        };
        match (customer_ref, date, amount, currency, errors.is_empty()) {
            (Some(customer_ref), Some(date), Some(amount_minor), Some(currency), true) => {
                let key = match &reference {
                    Some(r) => format!("ref:{r}"),
                    None => {
                        let n = identical
                            .entry((customer_ref.clone(), date, amount_minor, currency))
                            .or_insert(0);
                        *n += 1;
                        format!("line:{customer_ref}|{date}|{amount_minor}|{currency}|{n}")
                    }
                };
                Ok(SaleLine {
                    line,
                    customer_ref,
                    date,
                    amount_minor,
                    currency,
                    reference,
                    key,
                })
            }
            _ => Err(errors),
        }
    });
    let mut others: Vec<&str> = parsed
        .rows
        .iter()
        .map(|s| s.currency.as_str())
        .filter(|c| *c != Currency::EUR.as_str())
        .collect();
    others.sort_unstable();
    others.dedup();
    if !others.is_empty() {
        let n = parsed
            .rows
            .iter()
            .filter(|s| s.currency != Currency::EUR)
            .count();
        parsed.notes.push(format!(
            "{n} sales are in {}: they are stored, but turnover, plus/minus lists and trends count EUR only.",
            others.join(", ")
        ));
    }
    parsed
}

fn err(line: u64, column: &str, reason: impl Into<String>) -> LineError {
    LineError {
        line,
        column: Some(column.to_string()),
        reason: reason.into(),
    }
}

fn reference(line: u64, f: &Fields, column: &str, errors: &mut Vec<LineError>) -> Option<String> {
    let r = f.get(column).trim();
    if r.is_empty() {
        errors.push(err(line, column, "is empty"));
        None
    } else if r.chars().count() > MAX_REF_LEN {
        errors.push(err(
            line,
            column,
            format!("is longer than {MAX_REF_LEN} characters"),
        ));
        None
    } else {
        Some(r.to_string())
    }
}

/// One record's fields, looked up by the header's column names.
struct Fields<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<&'static str, usize>,
}

impl Fields<'_> {
    /// The field of a known column; empty when the file has no such column.
    fn get(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|i| self.record.get(*i))
            .unwrap_or("")
    }
}

/// A header cell as a column name: `Customer Ref` and `customer-ref` mean `customer_ref`.
fn column_name(cell: &str) -> String {
    cell.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// The separator the header line uses most: `;`, `,` or a tab.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn read<T>(
    bytes: &[u8],
    kind: ImportKind,
    progress: &mut dyn FnMut(u64),
    mut each: impl FnMut(u64, &Fields) -> Result<T, Vec<LineError>>,
) -> Parsed<T> {
    let mut parsed = Parsed {
        rows: Vec::new(),
        errors: Vec::new(),
        lines: 0,
        notes: Vec::new(),
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            parsed.errors.push(LineError {
                line,
                column: None,
                reason: "is not UTF-8 text: save the file as UTF-8 (CSV UTF-8) and import it again"
                    .into(),
            });
            return parsed;
        }
    };
    if text.trim().is_empty() {
        parsed.errors.push(LineError {
            line: 1,
            column: None,
            reason: "the file is empty: it needs a header line and at least one line of data"
                .into(),
        });
        return parsed;
    }
    let delimiter = delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();

    // The header: required columns present, none twice, unknown ones ignored (and said so).
    let (required, optional) = kind.columns();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            parsed.errors.push(csv_error(&e, 1));
            return parsed;
        }
        None => unreachable!("non-empty text has a first record"),
    };
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let name = column_name(cell);
        match required.iter().chain(optional).find(|c| **c == name) {
            Some(known) => {
                if columns.insert(known, i).is_some() {
                    parsed.errors.push(LineError {
                        line: 1,
                        column: Some(name.clone()),
                        reason: "the column appears twice in the header".into(),
                    });
                }
            }
            None if name.is_empty() => {}
            None => ignored.push(cell.trim().to_string()),
        }
    }
    for column in required {
        if !columns.contains_key(column) {
            parsed.errors.push(LineError {
                line: 1,
                column: Some(column.to_string()),
                reason: format!(
                    "the header has no column {column}; a {} file has the columns {}{}",
                    kind.as_str(),
                    required.join(", "),
                    if optional.is_empty() {
                        String::new()
                    } else {
                        format!(" and optionally {}", optional.join(", "))
                    }
                ),
            });
        }
    }
    if !parsed.errors.is_empty() {
        return parsed;
    }
    let delimiter_name = match delimiter {
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "commas",
    };
    parsed.notes.push(format!(
        "Read as UTF-8, fields separated by {delimiter_name}."
    ));
    if !ignored.is_empty() {
        parsed
            .notes
            .push(format!("Ignored columns: {}.", ignored.join(", ")));
    }

    let width = header.len();
    let mut lines = LineCounter::new(text);
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(parsed.lines + 2, |p| lines.at(p.byte()));
                parsed.errors.push(csv_error(&e, line));
                parsed.lines += 1;
                continue;
            }
        };
        let line = record
            .position()
            .map_or(parsed.lines + 2, |p| lines.at(p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        parsed.lines += 1;
        if parsed.lines.is_multiple_of(PROGRESS_EVERY) {
            progress(parsed.lines);
        }
        if record.len() > width && record.iter().skip(width).any(|f| !f.trim().is_empty()) {
            parsed.errors.push(LineError {
                line,
                column: None,
                reason: format!(
                    "has {} fields but the header has {width}: is a field with a {} missing its quotes?",
                    record.len(),
                    if delimiter == b';' { "semicolon" } else { "comma" }
                ),
            });
            continue;
        }
        let fields = Fields {
            record: &record,
            columns: &columns,
        };
        match each(line, &fields) {
            Ok(row) => parsed.rows.push(row),
            Err(errors) => parsed.errors.extend(errors),
        }
    }
    progress(parsed.lines);
    if parsed.lines == 0 && parsed.errors.is_empty() {
        parsed.errors.push(LineError {
            line: 2,
            column: None,
            reason: "the file has a header but no lines of data".into(),
        });
    }
    parsed
}

/// The line (from 1) a record starting at a byte offset is on, as an editor numbers it whatever
/// the line endings: with CRLF the csv crate puts a record's start (and its own line count) at
/// the LF that ends the line before (a CRLF file's bad lines 2, 5, 7 came out as 1, 4, 6).
/// Offsets are asked for in increasing order, so the file is read once.
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    fn at(&mut self, byte: u64) -> u64 {
        let mut byte = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // After a CRLF the csv crate starts the next record at the LF: the record itself
        // starts past the line break.
        while matches!(self.text.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte < self.byte {
            // Not expected; counted afresh.
            self.byte = 0;
            self.line = 1;
        }
        self.line += self.text[self.byte..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.byte = byte;
        self.line
    }
}

fn csv_error(e: &csv::Error, line: u64) -> LineError {
    LineError {
        line,
        column: None,
        reason: format!("cannot be read as CSV: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_progress() -> impl FnMut(u64) {
        |_| {}
    }

    #[test]
    fn semicolons_decimal_commas_german_dates_and_a_bom() {
        let file = "\u{feff}Customer_Ref;Date;Amount;Reference\nC-1;31.03.2026;1.234,50;R-1\nC-1;2026-04-01;-12,5;\n";
        let p = sales(file.as_bytes(), &mut no_progress());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.lines, 2);
        assert_eq!(p.rows[0].amount_minor, 123_450);
        assert_eq!(p.rows[0].key, "ref:R-1");
        assert_eq!(p.rows[1].amount_minor, -1_250);
        assert_eq!(p.rows[1].key, "line:C-1|2026-04-01|-1250|EUR|1");
        assert!(p.notes[0].contains("semicolons"));
    }

    #[test]
    fn every_bad_line_is_reported_with_line_and_column() {
        let file = "customer_ref,date,amount\nC-1,2026-01-05,100\nC-2,2026-13-01,100\n,2026-01-05,abc\nC-3,2026-01-06,\"1,5\"\n";
        let p = sales(file.as_bytes(), &mut no_progress());
        let got: Vec<(u64, Option<&str>)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, Some("date")),
                (4, Some("customer_ref")),
                (4, Some("amount"))
            ]
        );
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[1].amount_minor, 150);
    }

    #[test]
    fn bad_lines_have_the_editors_numbers_with_crlf_and_lf_endings() {
        let lines = [
            "customer_ref,date,amount",
            "C-1,2026-13-01,100",
            "C-2,2026-01-05,100",
            "C-3,2026-01-06,100",
            "C-4,2026-01-07,abc",
            "C-5,2026-01-08,100",
            ",2026-01-09,100",
            "C-7,2026-01-10,\"1,5\"",
        ];
        for ending in ["\r\n", "\n"] {
            let file = lines.join(ending) + ending;
            let p = sales(file.as_bytes(), &mut no_progress());
            let got: Vec<u64> = p.errors.iter().map(|e| e.line).collect();
            assert_eq!(got, vec![2, 5, 7], "{ending:?}: {:?}", p.errors);
        }
    }

    #[test]
    fn identical_lines_without_reference_are_numbered() {
        let file = "customer_ref,date,amount\nC-1,2026-01-05,100\nC-1,2026-01-05,100\nC-1,2026-01-05,101\n";
        let p = sales(file.as_bytes(), &mut no_progress());
        let keys: Vec<&str> = p.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "line:C-1|2026-01-05|10000|EUR|1",
                "line:C-1|2026-01-05|10000|EUR|2",
                "line:C-1|2026-01-05|10100|EUR|1"
            ]
        );
    }

    #[test]
    fn header_problems_stop_before_the_lines() {
        let p = sales(
            b"customer,date,amount\nC-1,2026-01-05,1\n",
            &mut no_progress(),
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].column.as_deref(), Some("customer_ref"));
        assert!(p.errors[0].reason.contains("has no column customer_ref"));
        let p = sales(b"", &mut no_progress());
        assert!(p.errors[0].reason.contains("empty"));
        let p = sales(b"customer_ref,date,amount\n", &mut no_progress());
        assert!(p.errors[0].reason.contains("no lines of data"));
        let p = sales(
            b"customer_ref,date,amount\nC-\xff,2026-01-05,1\n",
            &mut no_progress(),
        );
        assert_eq!(
            (p.errors[0].line, p.errors[0].reason.contains("UTF-8")),
            (2, true)
        );
    }

    #[test]
    fn customers_with_owner_location_and_duplicates() {
        let file = "customer_ref,name,owner_email,segment,lat,lon,region\n\
                    C-1,Alpha GmbH,lena.schulz@pacer.demo,price,53.55,9.99,North\n\
                    C-2,Beta KG,,Relationship,,,South\n\
                    C-1,Alpha again,,price,,,\n\
                    C-3,,nobody,vip,91,,\n";
        let p = customers(file.as_bytes(), &mut no_progress());
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].location, Some((53.55, 9.99)));
        assert_eq!(p.rows[1].segment, Segment::Relationship);
        assert!(p
            .notes
            .iter()
            .any(|n| n.contains("Ignored columns: region")));
        let got: Vec<(u64, &str)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            got,
            vec![
                (4, "customer_ref"),
                (5, "name"),
                (5, "owner_email"),
                (5, "segment"),
                (5, "lon")
            ]
        );
        assert!(p.errors[0].reason.contains("already on line 2"));
    }

    #[test]
    fn a_line_with_too_many_fields_names_the_cause() {
        let p = sales(
            b"customer_ref,date,amount\nC-1,2026-01-05,1,50\n",
            &mut no_progress(),
        );
        assert!(p.errors[0]
            .reason
            .contains("has 4 fields but the header has 3"));
    }
}

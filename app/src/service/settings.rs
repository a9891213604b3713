//! The company's settings: status thresholds and the trend-change rule. Everyone signed in
//! reads them (they explain a status); admins change them.

use super::{admin_only, Error};
use crate::db::Db;
use crate::domain::calendar::Calendar;
use crate::domain::forecast::{Thresholds, ThresholdsInput};
use crate::domain::turnover::parse_date;
use crate::domain::turnover::{TrendRule, TrendRuleInput};
use crate::domain::FieldError;
use crate::model::auth::SessionUser;
use crate::model::company::{CompanySettings, Holiday};
use crate::repo;
use chrono::{DateTime, Utc};

#[tracing::instrument(skip(db))]
pub async fn thresholds(db: &Db) -> Result<Thresholds, Error> {
    Ok(repo::settings::thresholds(db).await?)
}

/// Changes the status thresholds (admins), every field checked as the form does.
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn save_thresholds(
    db: &Db,
    admin: &SessionUser,
    input: &ThresholdsInput,
    now: DateTime<Utc>,
) -> Result<Thresholds, Error> {
    admin_only(admin, "status thresholds")?;
    let thresholds = input.parse()?;
    repo::settings::set_thresholds(db, thresholds, admin.id, now).await?;
    Ok(thresholds)
}

#[tracing::instrument(skip(db))]
pub async fn trend_rule(db: &Db) -> Result<TrendRule, Error> {
    Ok(repo::settings::trend_rule(db).await?)
}

/// Changes the trend-change rule (admins), every field checked as the form does.
#[tracing::instrument(skip(db, admin), fields(admin = admin.id))]
pub async fn save_trend_rule(
    db: &Db,
    admin: &SessionUser,
    input: &TrendRuleInput,
    now: DateTime<Utc>,
) -> Result<TrendRule, Error> {
    admin_only(admin, "trend rule")?;
    let rule = input.parse()?;
    repo::settings::set_trend_rule(db, rule, admin.id, now).await?;
    Ok(rule)
}

/// The company's calendar and defaults; everyone signed in reads them.
#[tracing::instrument(skip(db))]
pub async fn company(db: &Db) -> Result<CompanySettings, Error> {
    Ok(repo::settings::company(db).await?)
}

/// What the company settings form sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanyForm {
    pub fiscal_year_start_month: String,
    /// Monday first: whether each weekday is ticked.
    pub working: [bool; 7],
    /// One holiday per line: `2026-12-25 Christmas Day` (or `25.12.2026 …`).
    pub holidays: String,
    pub currency: String,
    pub locale: String,
}

/// Checks the form, every field: which one is wrong, and for holidays which line.
pub fn parse_company(form: &CompanyForm) -> Result<CompanySettings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let month = match form.fiscal_year_start_month.trim().parse::<u32>() {
        Ok(m) if (1..=12).contains(&m) => Some(m),
        _ => {
            errors.push(FieldError::new(
                "fiscal_year_start_month",
                "choose the month the fiscal year starts in",
            ));
            None
        }
    };
    let mut holidays: Vec<Holiday> = Vec::new();
    for (n, line) in form.holidays.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (date, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match parse_date(date) {
            Ok(day) if holidays.iter().any(|h| h.day == day) => errors.push(FieldError::new(
                "holidays",
                format!("line {}: {date} is listed twice", n + 1),
            )),
            Ok(day) => holidays.push(Holiday {
                day,
                name: if name.trim().is_empty() { "Public holiday".into() } else { name.trim().chars().take(80).collect() },
            }),
            Err(_) => errors.push(FieldError::new(
                "holidays",
                format!("line {}: \"{date}\" is not a date; write one holiday per line, like 2026-12-25 Christmas Day", n + 1),
            )),
        }
    }
    holidays.sort_by_key(|h| h.day);
    let currency = crate::domain::Currency::parse(form.currency.trim())
        .map_err(|_| {
            errors.push(FieldError::new(
                "currency",
                "write a currency code like EUR, GBP or USD",
            ))
        })
        .ok();
    let locale = form.locale.trim();
    let locale_ok = (2..=12).contains(&locale.len())
        && locale
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if !locale_ok {
        errors.push(FieldError::new(
            "locale",
            "write a language tag like en-GB or de-DE",
        ));
    }
    if !form.working.iter().any(|w| *w) {
        errors.push(FieldError::new(
            "working_days",
            "tick at least one working day",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let calendar = Calendar::new(
        month.unwrap_or(1),
        form.working,
        holidays.iter().map(|h| h.day).collect(),
    )
    .map_err(|e| vec![FieldError::new("working_days", e.to_string())])?;
    Ok(CompanySettings {
        calendar,
        holidays,
        currency: currency.map(|c| c.as_str().to_string()).unwrap_or_default(),
        locale: locale.to_string(),
    })
}

/// Changes the company's calendar and defaults (admins).
#[tracing::instrument(skip(db, admin, form), fields(admin = admin.id))]
pub async fn save_company(
    db: &Db,
    admin: &SessionUser,
    form: &CompanyForm,
    now: DateTime<Utc>,
) -> Result<CompanySettings, Error> {
    admin_only(admin, "company settings")?;
    let settings = parse_company(form)?;
    repo::settings::set_company(db, &settings, admin.id, now).await?;
    Ok(settings)
}

//! Organisation-wide settings an admin may change: the status thresholds of the forecast and
//! the trend-change rule.

use super::RepoError;
use crate::db::{sql, Db};
use crate::domain::calendar::Calendar;
use crate::domain::forecast::Thresholds;
use crate::domain::turnover::TrendRule;
use crate::model::company::{CompanySettings, Holiday};
use chrono::{DateTime, NaiveDate, Utc};

/// The thresholds in force: the stored ones, else DESIGN.md's defaults.
#[tracing::instrument(skip(db), err)]
pub async fn thresholds(db: &Db) -> Result<Thresholds, RepoError> {
    let row: Option<(i32, i32, i32, i32)> = sql(
        "SELECT hit_on_track, hit_off_track, pace_on_track, pace_off_track \
         FROM forecast_settings WHERE id = 1",
    )
    .fetch_optional(db)
    .await?;
    let Some((hit_on, hit_off, pace_on, pace_off)) = row else {
        return Ok(Thresholds::default());
    };
    let corrupt = || RepoError::Corrupt("forecast_settings: threshold out of range".into());
    let stored = Thresholds {
        hit_on_track: u8::try_from(hit_on).map_err(|_| corrupt())?,
        hit_off_track: u8::try_from(hit_off).map_err(|_| corrupt())?,
        pace_on_track: u16::try_from(pace_on).map_err(|_| corrupt())?,
        pace_off_track: u16::try_from(pace_off).map_err(|_| corrupt())?,
    };
    stored.check().map_err(|_| corrupt())?;
    Ok(stored)
}

/// Stores checked thresholds (the caller has run [`Thresholds::check`]).
#[tracing::instrument(skip(db), err)]
pub async fn set_thresholds(
    db: &Db,
    t: Thresholds,
    by: i64,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut tx = db.begin_write().await?;
    sql("INSERT INTO forecast_settings \
         (id, hit_on_track, hit_off_track, pace_on_track, pace_off_track, updated_by, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET \
         hit_on_track = excluded.hit_on_track, hit_off_track = excluded.hit_off_track, \
         pace_on_track = excluded.pace_on_track, pace_off_track = excluded.pace_off_track, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at")
    .bind(i32::from(t.hit_on_track))
    .bind(i32::from(t.hit_off_track))
    .bind(i32::from(t.pace_on_track))
    .bind(i32::from(t.pace_off_track))
    .bind(by)
    .bind(at)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The trend-change rule in force: the stored one, else DESIGN.md's 30 % and €500 a month. A
/// rule stored before client types had their own percentages holds one for both.
#[tracing::instrument(skip(db), err)]
pub async fn trend_rule(db: &Db) -> Result<TrendRule, RepoError> {
    let row: Option<(i32, Option<i32>, Option<i32>, i64)> = sql(
        "SELECT min_change_pct, relationship_pct, price_pct, min_change_minor \
         FROM trend_settings WHERE id = 1",
    )
    .fetch_optional(db)
    .await?;
    let Some((pct, relationship, price, minor)) = row else {
        return Ok(TrendRule::default());
    };
    let percentage = |p: i32| {
        u32::try_from(p)
            .map_err(|_| RepoError::Corrupt("trend_settings: negative percentage".into()))
    };
    Ok(TrendRule {
        relationship_pct: percentage(relationship.unwrap_or(pct))?,
        price_pct: percentage(price.unwrap_or(pct))?,
        min_change_minor: minor,
    })
}

/// Stores a checked trend rule (the caller has parsed it from [`TrendRuleInput`]).
///
/// [`TrendRuleInput`]: crate::domain::turnover::TrendRuleInput
#[tracing::instrument(skip(db), err)]
pub async fn set_trend_rule(
    db: &Db,
    rule: TrendRule,
    by: i64,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let pct = |p: u32| i32::try_from(p).unwrap_or(i32::MAX);
    let mut tx = db.begin_write().await?;
    // The single percentage (NOT NULL, from before client types) keeps the lower of the two:
    // the least change that flags any client.
    sql(
        "INSERT INTO trend_settings (id, min_change_pct, relationship_pct, price_pct, \
         min_change_minor, updated_by, updated_at) VALUES (1, $1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET min_change_pct = excluded.min_change_pct, \
         relationship_pct = excluded.relationship_pct, price_pct = excluded.price_pct, \
         min_change_minor = excluded.min_change_minor, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(pct(rule.relationship_pct.min(rule.price_pct)))
    .bind(pct(rule.relationship_pct))
    .bind(pct(rule.price_pct))
    .bind(rule.min_change_minor)
    .bind(by)
    .bind(at)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The company's settings: the stored ones, else the default calendar (calendar year, Monday
/// to Friday), no holidays, EUR and en-GB.
#[tracing::instrument(skip(db), err)]
pub async fn company(db: &Db) -> Result<CompanySettings, RepoError> {
    let row: Option<(i32, String, String, String)> = sql(
        "SELECT fiscal_year_start_month, working_days, currency, locale \
         FROM company_settings WHERE id = 1",
    )
    .fetch_optional(db)
    .await?;
    let holidays: Vec<(NaiveDate, String)> = sql("SELECT day, name FROM holidays ORDER BY day")
        .fetch_all(db)
        .await?;
    let holidays: Vec<Holiday> = holidays
        .into_iter()
        .map(|(day, name)| Holiday { day, name })
        .collect();
    let Some((month, days, currency, locale)) = row else {
        let calendar = Calendar::new(
            1,
            Calendar::default().working_weekdays(),
            holidays.iter().map(|h| h.day).collect(),
        )
        .map_err(|e| RepoError::Corrupt(e.to_string()))?;
        return Ok(CompanySettings {
            calendar,
            holidays,
            ..CompanySettings::default()
        });
    };
    let mut working = [false; 7];
    for (i, c) in days.chars().take(7).enumerate() {
        working[i] = c == '1';
    }
    let calendar = Calendar::new(
        u32::try_from(month).unwrap_or(1),
        working,
        holidays.iter().map(|h| h.day).collect(),
    )
    .map_err(|e| RepoError::Corrupt(format!("company_settings: {e}")))?;
    Ok(CompanySettings {
        calendar,
        holidays,
        currency,
        locale,
    })
}

/// The company calendar the pace and the periods follow.
pub async fn calendar(db: &Db) -> Result<Calendar, RepoError> {
    Ok(company(db).await?.calendar)
}

/// Stores checked company settings, the holidays replaced as a whole.
#[tracing::instrument(skip(db, settings), err)]
pub async fn set_company(
    db: &Db,
    settings: &CompanySettings,
    by: i64,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let days: String = settings
        .calendar
        .working_weekdays()
        .iter()
        .map(|w| if *w { '1' } else { '0' })
        .collect();
    let mut tx = db.begin_write().await?;
    sql("INSERT INTO company_settings \
         (id, fiscal_year_start_month, working_days, currency, locale, updated_by, updated_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET \
         fiscal_year_start_month = excluded.fiscal_year_start_month, \
         working_days = excluded.working_days, currency = excluded.currency, \
         locale = excluded.locale, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at")
    .bind(i32::try_from(settings.calendar.fiscal_start_month()).unwrap_or(1))
    .bind(days)
    .bind(&settings.currency)
    .bind(&settings.locale)
    .bind(by)
    .bind(at)
    .execute(&mut tx)
    .await?;
    sql("DELETE FROM holidays").execute(&mut tx).await?;
    for holiday in &settings.holidays {
        sql("INSERT INTO holidays (day, name) VALUES ($1, $2)")
            .bind(holiday.day)
            .bind(&holiday.name)
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

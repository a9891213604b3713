//! What closes a target's gap (DESIGN.md, "Status"): for each metric the customers and deals a
//! rep acts on, ranked, each with its reason in words. Customers someone acted on lately drop
//! off, so the list moves as the work is done.

use super::Error;
use crate::db::Db;
use crate::domain::check_in::haversine_m;
use crate::domain::metric::Metric;
use crate::domain::prospect::{potential_since, untapped};
use crate::domain::target::Assignee;
use crate::domain::turnover::{Direction, Mark};
use crate::domain::Locale;
use crate::domain::{Currency, Money, Period};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::model::candidates::{Candidate, Candidates, Reason};
use crate::model::customers::{CustomerFilter, Listing, SortKey};
use crate::model::targets::TargetRow;
use crate::repo;
use crate::repo::candidates::{CustomerRow, DealRow};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::prelude::ToPrimitive;

/// Customers acted on within this many days drop off.
pub const ACTED_DAYS: i64 = 7;
/// At most this many of each reason.
const PER_REASON: usize = 6;
/// With a position, "not visited for long" means at least this many days (or never).
const NEAR_UNVISITED_DAYS: i64 = 28;

/// A phone's position, to put the nearest customers first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
}

impl Near {
    pub fn parse(lat: Option<f64>, lon: Option<f64>) -> Option<Near> {
        match (lat, lon) {
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Some(Near { lat, lon })
            }
            _ => None,
        }
    }
}

fn eur(locale: Locale, minor: i64) -> String {
    Money::from_minor(minor, Currency::EUR).display_in(locale)
}

/// The customers and deals that close target `id`'s gap, as `user` may see them.
#[tracing::instrument(skip(db, user), fields(user = user.id))]
pub async fn for_target(
    db: &Db,
    user: &SessionUser,
    id: i64,
    near: Option<Near>,
    now: DateTime<Utc>,
) -> Result<Candidates, Error> {
    let today = now.date_naive();
    let (target, who) = repo::targets::measured_with_assignee(db, user, id, today)
        .await?
        .ok_or_else(|| AppError::NotFound("target".into()))?;
    let scope = user.scope();
    let mut items: Vec<Candidate> = Vec::new();
    match target.metric {
        Metric::Turnover | Metric::TurnoverPerExistingCustomer | Metric::CustomerGrowthPct => {
            items.extend(behind(db, user, &target, today).await?);
        }
        Metric::Bookings | Metric::WonOpportunities => {
            let deals =
                repo::candidates::open_deals(db, &scope, &who, target.period.end(), false).await?;
            items.extend(deal_candidates(
                &target,
                deals,
                Reason::OpenDeal,
                user.locale,
            ));
            items.extend(behind(db, user, &target, today).await?);
        }
        Metric::Visits => {
            let rows = repo::candidates::least_visited(db, &scope, &who).await?;
            items.extend(customer_candidates(
                rows,
                Reason::NotVisited,
                near,
                today,
                user.locale,
            ));
        }
        Metric::InitialContacts => {
            let rows = repo::candidates::never_contacted(db, &scope, &who).await?;
            items.extend(customer_candidates(
                rows,
                Reason::NeverContacted,
                near,
                today,
                user.locale,
            ));
        }
        Metric::NewCustomers => {
            let deals =
                repo::candidates::open_deals(db, &scope, &who, target.period.end(), true).await?;
            items.extend(deal_candidates(
                &target,
                deals,
                Reason::ProspectWithDeal,
                user.locale,
            ));
        }
    }
    // Drop who was acted on lately, then keep the best few of each reason.
    let ids: Vec<i64> = items.iter().map(|c| c.customer_id).collect();
    let acted = repo::candidates::acted_on(db, &ids, now - Duration::days(ACTED_DAYS), now).await?;
    items.retain(|c| !acted.contains(&c.customer_id));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in items {
        let same = kept.iter().filter(|k| k.reason == c.reason).count();
        let twice = kept.iter().any(|k| {
            k.reason == c.reason && k.customer_id == c.customer_id && c.opportunity_id.is_none()
        });
        if same < PER_REASON && !twice {
            kept.push(c);
        }
    }
    // Untapped potential: the estimate less what the customer bought in the last 12 months.
    let with_potential: Vec<i64> = kept
        .iter()
        .filter(|c| c.untapped_minor.is_some())
        .map(|c| c.customer_id)
        .collect();
    if !with_potential.is_empty() {
        let bought =
            repo::candidates::bought_since(db, &with_potential, potential_since(today)).await?;
        for c in kept.iter_mut() {
            if let Some(potential) = c.untapped_minor {
                let spent = bought.get(&c.customer_id).copied().unwrap_or(0);
                c.untapped_minor = Some(untapped(potential, spent));
            }
        }
    }
    Ok(Candidates {
        items: kept,
        acted_days: ACTED_DAYS,
    })
}

/// The minus list and the customers whose buying rhythm fell, largest gap first, over the
/// target's period so far.
async fn behind(
    db: &Db,
    user: &SessionUser,
    target: &TargetRow,
    today: chrono::NaiveDate,
) -> Result<Vec<Candidate>, Error> {
    let locale = user.locale;
    let period = if today >= target.period.start() {
        Period::new(target.period.start(), today.min(target.period.end())).unwrap_or(target.period)
    } else {
        Period::year_to_date(today)
    };
    let (owner_id, unit_id) = match target.assignee {
        Assignee::User(id) => (Some(id), None),
        Assignee::Unit(id) => (None, Some(id)),
    };
    // A target on one client type is closed by that type's customers only.
    let filter = |listing| CustomerFilter {
        search: None,
        unit_id,
        owner_id,
        segment: target.segment,
        period,
        listing,
        sort: SortKey::Natural,
        descending: false,
        page: 0,
        ids: None,
    };
    let rule = repo::settings::trend_rule(db).await?;
    let scope = user.scope();
    let minus =
        repo::customers::list(db, &scope, &filter(Listing::Minus), today, rule, Some(30)).await?;
    let mut out: Vec<Candidate> = minus
        .customers
        .into_iter()
        .map(|c| {
            let d = c.deviation;
            let detail = if d.mark == Some(Mark::Lost) {
                format!(
                    "nothing bought since {} — {} in the same span last year",
                    locale.date(period.start()),
                    eur(locale, d.expected_minor)
                )
            } else {
                format!(
                    "{} below the same span last year ({} against {})",
                    eur(locale, -d.delta_minor),
                    eur(locale, d.actual_minor),
                    eur(locale, d.expected_minor)
                )
            };
            Candidate {
                reason: Reason::BehindLastYear,
                customer_id: c.id,
                customer: c.name,
                city: c.city,
                detail,
                opportunity_id: None,
                covers_gap: false,
                untapped_minor: None,
                distance_m: None,
            }
        })
        .collect();
    let trends =
        repo::customers::list(db, &scope, &filter(Listing::Trend), today, rule, Some(30)).await?;
    out.extend(trends.customers.into_iter().filter_map(|c| {
        let t = c.trend.filter(|t| t.direction == Direction::Down)?;
        Some(Candidate {
            reason: Reason::TrendDown,
            customer_id: c.id,
            customer: c.name,
            city: c.city,
            detail: format!(
                "buys {} % less a month: {} a month over the last 3 months against {} before",
                -t.change_pct,
                eur(locale, t.recent_per_month_minor),
                eur(locale, t.base_per_month_minor)
            ),
            opportunity_id: None,
            covers_gap: false,
            untapped_minor: None,
            distance_m: None,
        })
    }));
    Ok(out)
}

/// Open deals ranked for the gap: those that close it alone first (the smallest such deal
/// first, it is the likelier), then the largest.
fn deal_candidates(
    target: &TargetRow,
    deals: Vec<DealRow>,
    reason: Reason,
    locale: Locale,
) -> Vec<Candidate> {
    let gap = (target.value - target.actual).max(rust_decimal::Decimal::ZERO);
    let (gap_minor, count) = match target.metric {
        Metric::Bookings => ((gap * rust_decimal::Decimal::from(100)).to_i64(), false),
        _ => (None, true),
    };
    let target_currency = target.currency.map(|c| c.to_string());
    let mut ranked: Vec<(bool, DealRow)> = deals
        .into_iter()
        .map(|d| {
            let covers = if count {
                gap <= rust_decimal::Decimal::ONE && gap > rust_decimal::Decimal::ZERO
            } else {
                gap_minor.is_some_and(|g| g > 0 && d.value_minor >= g)
                    && target_currency.as_deref().is_none_or(|c| c == d.currency)
            };
            (covers, d)
        })
        .collect();
    ranked.sort_by(|(a_covers, a), (b_covers, b)| {
        b_covers.cmp(a_covers).then_with(|| {
            if *a_covers {
                a.value_minor.cmp(&b.value_minor)
            } else {
                b.value_minor.cmp(&a.value_minor)
            }
            .then(a.id.cmp(&b.id))
        })
    });
    ranked
        .into_iter()
        .map(|(covers, d)| {
            let value = Currency::parse(&d.currency)
                .map(|c| Money::from_minor(d.value_minor, c).display_in(locale))
                .unwrap_or_else(|_| format!("{} {}", d.value_minor, d.currency));
            Candidate {
                reason,
                customer_id: d.customer_id,
                customer: d.customer,
                city: d.city,
                detail: format!(
                    "{} · {} · {} % · expected {}",
                    d.title,
                    d.stage,
                    d.probability,
                    locale.date(d.expected_close_on)
                ) + &format!(" · {value}"),
                opportunity_id: Some(d.id),
                covers_gap: covers,
                untapped_minor: d.potential_minor,
                distance_m: None,
            }
        })
        .collect()
}

/// Customers for visits and contacts: in the order read (longest unvisited, or largest
/// potential), or — with a position — the nearest of those not visited for four weeks.
fn customer_candidates(
    rows: Vec<CustomerRow>,
    reason: Reason,
    near: Option<Near>,
    today: chrono::NaiveDate,
    locale: Locale,
) -> Vec<Candidate> {
    let mut items: Vec<(Option<f64>, CustomerRow)> = rows
        .into_iter()
        .map(|r| {
            let distance = near.and_then(|n| match (r.lat, r.lon) {
                (Some(lat), Some(lon)) => Some(haversine_m((n.lat, n.lon), (lat, lon))),
                _ => None,
            });
            (distance, r)
        })
        .collect();
    if near.is_some() {
        let long_ago = today - Duration::days(NEAR_UNVISITED_DAYS);
        let mut placed: Vec<(Option<f64>, CustomerRow)> = Vec::new();
        let mut rest = Vec::new();
        for (d, r) in items {
            if d.is_some() && r.last_visit.is_none_or(|v| v.date_naive() <= long_ago) {
                placed.push((d, r));
            } else {
                rest.push((d, r));
            }
        }
        placed.sort_by(|(a, _), (b, _)| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        // Customers without a location on record stay in the list, after the placed ones.
        placed.extend(rest.into_iter().filter(|(d, _)| d.is_none()));
        items = placed;
    }
    items
        .into_iter()
        .map(|(distance, r)| {
            let detail = match (reason, r.last_visit) {
                (Reason::NotVisited, Some(v)) => format!(
                    "last visit {} ({} days ago)",
                    locale.date(v.date_naive()),
                    (today - v.date_naive()).num_days()
                ),
                (Reason::NotVisited, None) => "never visited".to_string(),
                _ => "no contact on record".to_string(),
            };
            Candidate {
                reason,
                customer_id: r.id,
                customer: r.name,
                city: r.city,
                detail,
                opportunity_id: None,
                covers_gap: false,
                untapped_minor: r.potential_minor,
                distance_m: distance,
            }
        })
        .collect()
}

//! CSV downloads of what a list shows: `GET /api/export/customers.csv` takes the customers
//! page's query (list, period, filters, order) and returns every matching row, not one page;
//! `GET /api/export/check-ins.csv` takes the team check-ins page's (range, unit).
//!
//! Numbers, amounts and dates are written as the person reads them (issue 22): for German
//! readers `1.234,56`, `31.03.2026` and semicolons between cells (what a German spreadsheet
//! opens as columns and numbers). English readers get the plain form, which every English
//! spreadsheet and every program reads as it is: ISO dates and times, a decimal point, no
//! grouping, commas. `format=plain` asks for the plain form whoever reads.

use crate::api_error::from_app as error;
use app::domain::turnover::{Direction, Mark};
use app::error::AppError;
use app::model::auth::SessionUser;
use app::model::check_ins::{CheckInRange, CheckInReport};
use app::model::customers::CustomerQuery;
use app::model::pipeline::BoardParams;
use app::model::targets::ListQuery;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use app::domain::Locale;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// `?format=plain`: the machine-readable CSV.
#[derive(serde::Deserialize)]
pub struct CsvFormat {
    format: Option<String>,
}

/// How one download writes its cells: for a German reader, or plain (`None`).
#[derive(Clone, Copy)]
struct Style(Option<Locale>);

impl Style {
    fn of(user: &SessionUser, format: &CsvFormat) -> Style {
        match (format.format.as_deref(), user.locale) {
            (Some("plain"), _) | (_, Locale::En) => Style(None),
            (_, locale) => Style(Some(locale)),
        }
    }

    /// German spreadsheets split columns at semicolons (the comma is their decimal mark).
    fn delimiter(self) -> u8 {
        match self.0 {
            Some(Locale::De) => b';',
            _ => b',',
        }
    }

    fn date(self, day: NaiveDate) -> String {
        self.0.map_or_else(|| day.to_string(), |l| l.date(day))
    }

    fn time(self, at: DateTime<Utc>) -> String {
        self.0.map_or_else(
            || at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            |l| format!("{} UTC", l.date_time(at)),
        )
    }

    /// A number with exactly `places` decimals ("1234.50" plain; "1.234,50" in German).
    fn fixed(self, value: Decimal, places: u32) -> String {
        match self.0 {
            None => format!("{:.*}", places as usize, value.round_dp(places)),
            Some(l) => l.fixed(value, places),
        }
    }

    /// Cents as an amount with two decimals.
    fn cents(self, minor: i64) -> String {
        match self.0 {
            None => crate::api_v1::money(minor),
            Some(l) => l.fixed(Decimal::new(minor, 2), 2),
        }
    }

    /// A number with at most two decimals, as stored.
    fn decimal(self, value: Decimal) -> String {
        match self.0 {
            None => value.round_dp(2).to_string(),
            Some(l) => l.number(value, 2),
        }
    }

    fn float(self, value: Option<f64>, places: u32) -> String {
        value
            .and_then(Decimal::from_f64_retain)
            .map(|d| self.fixed(d, places))
            .unwrap_or_default()
    }
}

pub async fn customers(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Query(query): Query<CustomerQuery>,
    Query(format): Query<CsvFormat>,
) -> Response {
    let style = Style::of(&user, &format);
    let today = chrono::Utc::now().date_naive();
    let filter = match app::service::customers::filter(&state.db, &query, today).await {
        Ok(f) => f,
        Err(e) => return error(e.into()),
    };
    let list = match app::service::customers::list(&state.db, &user, &filter, today, None).await {
        Ok(list) => list,
        Err(e) => return error(e.into()),
    };
    let header = [
        "customer_ref",
        "name",
        "segment",
        "owner",
        "period_start",
        "period_end",
        "turnover",
        "last_year",
        "deviation",
        "deviation_pct",
        "mark",
        "trend",
        "trend_change_pct",
        "recent_per_month",
        "base_per_month",
    ];
    let period = (
        style.date(list.filter.period.start()),
        style.date(list.filter.period.end()),
    );
    let mut sheet = Sheet::new(header, style);
    for c in &list.customers {
        let d = c.deviation;
        let trend = c.trend.as_ref();
        sheet.row([
            c.external_ref.clone().unwrap_or_default(),
            c.name.clone(),
            c.segment.clone(),
            c.owner_name.clone().unwrap_or_default(),
            period.0.clone(),
            period.1.clone(),
            style.cents(d.actual_minor),
            style.cents(d.expected_minor),
            style.cents(d.delta_minor),
            d.pct.map(|p| style.decimal(p)).unwrap_or_default(),
            d.mark.map(Mark::label).unwrap_or_default().to_string(),
            trend
                .map(|t| match t.direction {
                    Direction::Up => "up",
                    Direction::Down => "down",
                })
                .unwrap_or_default()
                .to_string(),
            trend
                .map(|t| style.decimal(t.change_pct))
                .unwrap_or_default(),
            trend
                .map(|t| style.cents(t.recent_per_month_minor))
                .unwrap_or_default(),
            trend
                .map(|t| style.cents(t.base_per_month_minor))
                .unwrap_or_default(),
        ]);
    }
    let name = format!(
        "customers-{}-{}-{}.csv",
        list.filter.listing.as_str(),
        list.filter.period.start(),
        list.filter.period.end()
    );
    sheet.download(&name)
}

/// A CSV on its way to a spreadsheet. Every cell goes through [`neutralise`] here, so no
/// export can forget it.
struct Sheet {
    out: csv::Writer<Vec<u8>>,
    failed: bool,
}

impl Sheet {
    fn new<const N: usize>(header: [&str; N], style: Style) -> Sheet {
        let mut sheet = Sheet {
            out: csv::WriterBuilder::new()
                .delimiter(style.delimiter())
                .from_writer(Vec::new()),
            failed: false,
        };
        sheet.row(header);
        sheet
    }

    fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let cells = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned());
        self.failed |= self.out.write_record(cells).is_err();
    }

    /// The finished CSV as a download named `name`.
    fn download(self, name: &str) -> Response {
        let body = match self.out.into_inner() {
            Ok(body) if !self.failed => body,
            _ => return error(AppError::Internal),
        };
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            body,
        )
            .into_response()
    }
}

/// A cell a spreadsheet shows as text, never runs: text beginning with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading apostrophe (OWASP's advice for CSV injection).
/// Numbers we wrote ("-12.50") stay numbers.
fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// `-12`, `-12.50`, `-1.234,50`, `-1,234.50`: a sign, then digits with the grouping and
/// decimal marks of either locale between them — nothing a spreadsheet could run.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let bytes = digits.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_digit()
        && bytes[bytes.len() - 1].is_ascii_digit()
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || *b == b'.' || *b == b',')
        && !digits.contains("..")
        && !digits.contains(",,")
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for risky in [
            "=HYPERLINK(\"http://x\")",
            "+1+2",
            "-1+2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "-.5",
            "=1",
        ] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in [
            "-12.50",
            "-3",
            "+4",
            "12",
            "Acme",
            "",
            "a=b",
            " =1",
            "-1.234,50",
            "-1,234.50",
        ] {
            assert_eq!(neutralise(plain), plain, "{plain:?}");
        }
    }
}
/// The team check-ins page's query: `range=today|week`, `unit` (empty: all the viewer sees).
#[derive(serde::Deserialize)]
pub struct CheckInExport {
    range: Option<String>,
    unit: Option<String>,
}

pub async fn check_ins(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Query(query): Query<CheckInExport>,
    Query(format): Query<CsvFormat>,
) -> Response {
    let style = Style::of(&user, &format);
    let range = CheckInRange::parse(query.range.as_deref().unwrap_or_default());
    let unit = match query
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return error(AppError::invalid(
                    "unit",
                    "choose an org unit from the list",
                ))
            }
        },
    };
    let today = chrono::Utc::now().date_naive();
    let CheckInReport { from, to, rows, .. } =
        match app::service::check_ins::team(&state.db, &user, range, unit, today).await {
            Ok(report) => report,
            Err(e) => return error(e.into()),
        };
    let header = [
        "checked_in_utc",
        "received_utc",
        "checked_out_utc",
        "minutes_on_site",
        "rep",
        "customer_id",
        "customer",
        "verification",
        "distance_m",
        "reason",
        "lat",
        "lon",
        "accuracy_m",
        "outcome",
        "notes",
        "next_step",
    ];
    let mut sheet = Sheet::new(header, style);
    let time = |t: DateTime<Utc>| style.time(t);
    let number = |x: Option<f64>, places: u32| style.float(x, places);
    for r in &rows {
        let (distance, reason) = r.verification.columns();
        sheet.row([
            time(r.device_time),
            time(r.received_at),
            r.checked_out_at.map(time).unwrap_or_default(),
            r.minutes_on_site()
                .map(|m| m.to_string())
                .unwrap_or_default(),
            r.user_name.clone(),
            r.customer_id.to_string(),
            r.customer_name.clone(),
            r.verification.as_str().to_string(),
            number(distance, 0),
            reason.unwrap_or_default().to_string(),
            number(r.position.map(|p| p.lat), 5),
            number(r.position.map(|p| p.lon), 5),
            number(r.position.map(|p| p.accuracy_m), 0),
            r.outcome
                .map(|o| o.as_str())
                .unwrap_or_default()
                .to_string(),
            r.notes.clone(),
            r.next_step.clone(),
        ]);
    }
    sheet.download(&format!("check-ins-{from}-{to}.csv"))
}

/// Every opportunity the board shows for the same query, one row each, column by column.
pub async fn opportunities(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Query(params): Query<BoardParams>,
    Query(format): Query<CsvFormat>,
) -> Response {
    let style = Style::of(&user, &format);
    let today = chrono::Utc::now().date_naive();
    let (stages, cards) = match params.parse(&user) {
        Ok(q) => {
            match app::service::opportunities::board_cards(&state.db, &user, &q, today).await {
                Ok(board) => board,
                Err(e) => return error(e.into()),
            }
        }
        Err(e) => return error(e),
    };
    let header = [
        "id",
        "title",
        "customer_id",
        "customer",
        "owner",
        "stage",
        "stage_kind",
        "value",
        "currency",
        "probability_pct",
        "weighted_value",
        "expected_close_on",
        "closed_on",
        "lost_reason",
        "days_in_stage",
    ];
    let mut sheet = Sheet::new(header, style);
    for stage in &stages {
        for card in cards.iter().filter(|c| c.stage_id == stage.id) {
            let probability = card.probability_in(stage);
            let weighted = card.weighted_in(stage).amount();
            sheet.row([
                card.id.to_string(),
                card.title.clone(),
                card.customer_id.to_string(),
                card.customer_name.clone(),
                card.owner_name.clone(),
                stage.name.clone(),
                stage.kind.as_str().to_string(),
                style.fixed(card.value.amount(), 2),
                card.value.currency().as_str().to_string(),
                probability.percent().to_string(),
                style.fixed(weighted, 2),
                style.date(card.expected_close_on),
                card.closed_on.map(|d| style.date(d)).unwrap_or_default(),
                card.lost_reason.clone().unwrap_or_default(),
                (today - card.stage_entered_at.date_naive())
                    .num_days()
                    .to_string(),
            ]);
        }
    }
    sheet.download(&format!("opportunities-{today}.csv"))
}

/// The targets list's query (`view`, `status`).
#[derive(serde::Deserialize)]
pub struct TargetsExport {
    view: Option<String>,
    status: Option<String>,
}

/// The targets the list shows for the same query, with progress, pace and forecast.
pub async fn targets(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Query(query): Query<TargetsExport>,
    Query(format): Query<CsvFormat>,
) -> Response {
    let style = Style::of(&user, &format);
    let today = chrono::Utc::now().date_naive();
    let rows = match ListQuery::parse(&user, query.view.as_deref(), query.status.as_deref()) {
        Ok(q) => match app::service::targets::list(&state.db, &user, &q, today).await {
            Ok(rows) => rows,
            Err(e) => return error(e.into()),
        },
        Err(e) => return error(e),
    };
    let header = [
        "id",
        "statement",
        "metric",
        "client_type",
        "assignee",
        "period_start",
        "period_end",
        "status",
        "target",
        "currency",
        "actual",
        "expected_by_today",
        "projection",
        "p10",
        "p50",
        "p90",
        "p_hit_pct",
        "health",
        "warning",
    ];
    let mut sheet = Sheet::new(header, style);
    for row in &rows {
        let outlook = row.outlook.as_ref();
        let band = outlook.and_then(|o| o.band.as_ref());
        let decimal = |d: Option<Decimal>| d.map(|d| style.decimal(d)).unwrap_or_default();
        sheet.row([
            row.id.to_string(),
            row.statement.clone(),
            row.metric.as_str().to_string(),
            row.segment
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            row.assignee_name.clone(),
            style.date(row.period.start()),
            style.date(row.period.end()),
            row.status_label(today).to_string(),
            decimal(Some(row.value)),
            row.currency
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            decimal(Some(row.actual)),
            decimal(outlook.map(|o| o.pace.expected)),
            decimal(outlook.map(|o| o.pace.projection)),
            decimal(band.map(|b| b.p10)),
            decimal(band.map(|b| b.p50)),
            decimal(band.map(|b| b.p90)),
            band.map(|b| format!("{:.0}", b.p_hit * 100.0))
                .unwrap_or_default(),
            outlook
                .map(|o| o.health.as_str())
                .unwrap_or_default()
                .to_string(),
            outlook.and_then(|o| o.warning.clone()).unwrap_or_default(),
        ]);
    }
    sheet.download(&format!("targets-{today}.csv"))
}

//! Customers with their turnover against last year, the plus/minus and trend lists, and the
//! bulk writes an ERP makes: customers and sales, each all or nothing, through the CSV
//! import's own checks and store.

use super::sync::{DeletedOut, SyncParams, SyncQuery, SyncRead};
use super::{
    many, money, ApiJson, ApiQuery, ApiResult, FieldProblem, Paging, PagingQuery, MAX_PAGE_SIZE,
};
use app::domain::turnover::{Direction, Mark};
use app::error::AppError;
use app::model::auth::SessionUser;
use app::model::customers::{CustomerList, CustomerQuery, CustomerSummary};
use app::model::imports::Importer;
use app::model::imports::{ImportKind, ImportReport};
use app::model::sync::{Stamp, SyncEntity};
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A client type (DESIGN.md): price clients buy on price, relationship clients on service.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Price,
    Relationship,
}

impl Segment {
    fn as_str(self) -> &'static str {
        match self {
            Segment::Price => "price",
            Segment::Relationship => "relationship",
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Name or customer reference contains this.
    search: Option<String>,
    /// Customers owned by people in this org unit or below it.
    unit: Option<i64>,
    /// Customers owned by this user.
    owner: Option<i64>,
    segment: Option<Segment>,
    /// Start of the period turnover is summed over (default: 1 January).
    from: Option<NaiveDate>,
    /// End of the period (default: today).
    to: Option<NaiveDate>,
}

/// Which list: above expectation, below it, or a changed buying rhythm.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlusMinusList {
    #[default]
    Plus,
    Minus,
    Trend,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlusMinusQuery {
    /// `plus` (default), `minus` or `trend`.
    list: Option<PlusMinusList>,
    unit: Option<i64>,
    owner: Option<i64>,
    segment: Option<Segment>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct TrendOut {
    /// `up` or `down`.
    pub direction: String,
    /// Change of the monthly run rate, in % of the base rate.
    pub change_pct: String,
    /// Turnover per month over the last 3 complete months.
    pub recent_per_month: String,
    /// Turnover per month over the 12 months before them.
    pub base_per_month: String,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: i64,
    pub customer_ref: Option<String>,
    pub name: String,
    /// `price` or `relationship`.
    pub segment: String,
    pub city: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// Turnover in the period (EUR, decimal string).
    pub turnover: String,
    /// Turnover in the same span a year earlier: what was expected.
    pub last_year: String,
    /// `turnover − last_year`.
    pub deviation: String,
    /// The deviation in % of last year; null when nothing was expected.
    pub deviation_pct: Option<String>,
    /// `new` (first bought in the period) or `lost` (bought last year, not in the period).
    pub mark: Option<String>,
    pub trend: Option<TrendOut>,
    /// When the customer's record last changed (the database's clock; sales do not change it).
    pub updated_at: DateTime<Utc>,
}

impl From<(&CustomerSummary, Stamp)> for CustomerOut {
    fn from((c, stamp): (&CustomerSummary, Stamp)) -> Self {
        let d = c.deviation;
        CustomerOut {
            updated_at: stamp.at,
            id: c.id,
            customer_ref: c.external_ref.clone(),
            name: c.name.clone(),
            segment: c.segment.clone(),
            city: c.city.clone(),
            owner_id: c.owner_id,
            owner_name: c.owner_name.clone(),
            turnover: money(d.actual_minor),
            last_year: money(d.expected_minor),
            deviation: money(d.delta_minor),
            deviation_pct: d.pct.map(|p| p.to_string()),
            mark: d.mark.map(|m| Mark::label(m).to_string()),
            trend: c.trend.as_ref().map(|t| TrendOut {
                direction: match t.direction {
                    Direction::Up => "up",
                    Direction::Down => "down",
                }
                .into(),
                change_pct: t.change_pct.to_string(),
                recent_per_month: money(t.recent_per_month_minor),
                base_per_month: money(t.base_per_month_minor),
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerOut>,
    pub page: u32,
    pub page_size: u32,
    /// Customers matching the filter, on all pages.
    pub total: i64,
    pub has_more: bool,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// In a sync (`updated_since` or `cursor`): send it as `cursor` next time. Null otherwise.
    pub next_cursor: Option<String>,
    /// In a sync: customers gone from your view since. Empty otherwise.
    pub deleted: Vec<DeletedOut>,
}

#[allow(clippy::too_many_arguments)]
async fn customer_page(
    state: &AppState,
    user: &SessionUser,
    list: &str,
    unit: Option<i64>,
    owner: Option<i64>,
    search: Option<String>,
    segment: Option<Segment>,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    Paging { page, size }: Paging,
    sync: Option<SyncRead>,
) -> ApiResult<CustomerPage> {
    let today = chrono::Utc::now().date_naive();
    let query = CustomerQuery {
        search,
        unit: unit.map(|u| u.to_string()),
        owner: owner.map(|o| o.to_string()),
        segment: segment.map(|s| s.as_str().to_string()),
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
        list: Some(list.to_string()),
        page: Some(page.to_string()),
        ..CustomerQuery::default()
    };
    let mut filter = app::service::customers::filter(&state.db, &query, today).await?;
    let Some(read) = sync else {
        let CustomerList {
            total,
            customers,
            stamps,
            ..
        } = app::service::customers::list(&state.db, user, &filter, today, Some(i64::from(size)))
            .await?;
        return Ok(Json(CustomerPage {
            items: customers
                .iter()
                .zip(stamps)
                .map(CustomerOut::from)
                .collect(),
            page,
            page_size: size,
            total,
            has_more: i64::from(page) * i64::from(size) < total,
            period_start: filter.period.start(),
            period_end: filter.period.end(),
            next_cursor: None,
            deleted: Vec::new(),
        }));
    };
    let period = filter.period;
    let fetch = async |ids| {
        filter.ids = Some(ids);
        let max = Some(i64::from(MAX_PAGE_SIZE));
        let list = app::service::customers::list(&state.db, user, &filter, today, max).await?;
        Ok(list.customers.into_iter().zip(list.stamps).collect())
    };
    let synced = read
        .read(&state.db, user, fetch, |c: &CustomerSummary| c.id)
        .await?;
    let items: Vec<CustomerOut> = synced
        .items
        .iter()
        .map(|(c, stamp)| CustomerOut::from((c, *stamp)))
        .collect();
    Ok(Json(CustomerPage {
        total: items.len() as i64,
        items,
        page: 1,
        page_size: size,
        has_more: synced.has_more,
        period_start: period.start(),
        period_end: period.end(),
        next_cursor: synced.next_cursor,
        deleted: synced.deleted,
    }))
}

/// Customers the caller may see, with turnover in the period against the same span last year;
/// or, with `updated_since` or `cursor`, the customers whose record changed since and the ones
/// gone (a sync: see the API's description; `from`/`to` still choose the turnover period).
#[utoipa::path(get, path = "/api/v1/customers", operation_id = "list_customers", tag = "customers", params(CustomerListQuery, PagingQuery, SyncQuery),
    responses((status = 200, description = "One page of customers", body = CustomerPage)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiQuery(q): ApiQuery<CustomerListQuery>,
    paging: Paging,
    SyncParams(sync): SyncParams,
) -> ApiResult<CustomerPage> {
    let sync = match sync {
        Some(ask) => Some(ask.check(
            &user,
            SyncEntity::Customer,
            paging.size,
            &[
                ("search", q.search.is_some()),
                ("unit", q.unit.is_some()),
                ("owner", q.owner.is_some()),
                ("segment", q.segment.is_some()),
            ],
        )?),
        None => None,
    };
    customer_page(
        &state,
        &user,
        "all",
        q.unit,
        q.owner,
        q.search,
        q.segment,
        (q.from, q.to),
        paging,
        sync,
    )
    .await
}

/// The plus list (turnover above last year's, largest first), the minus list (below, most
/// negative first) or the trend list (buying rhythm changed), as DESIGN.md defines them.
#[utoipa::path(get, path = "/api/v1/customers/plus-minus", operation_id = "plus_minus_list", tag = "customers", params(PlusMinusQuery, PagingQuery),
    responses((status = 200, description = "One page of the list", body = CustomerPage)))]
pub async fn plus_minus(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiQuery(q): ApiQuery<PlusMinusQuery>,
    paging: Paging,
) -> ApiResult<CustomerPage> {
    let list = match q.list.unwrap_or_default() {
        PlusMinusList::Plus => "plus",
        PlusMinusList::Minus => "minus",
        PlusMinusList::Trend => "trend",
    };
    customer_page(
        &state,
        &user,
        list,
        q.unit,
        q.owner,
        None,
        q.segment,
        (q.from, q.to),
        paging,
        None,
    )
    .await
}

/// Most lines one bulk request takes; more go in further requests.
pub const MAX_BULK: usize = 10_000;

#[derive(Deserialize, ToSchema)]
pub struct CustomerWrite {
    /// Your system's customer number: what identifies the customer across writes.
    pub customer_ref: String,
    pub name: String,
    /// The owner's e-mail address; absent: a manager's customers become theirs.
    pub owner_email: Option<String>,
    pub segment: Segment,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Deserialize, ToSchema)]
pub struct CustomersWrite {
    #[schema(min_items = 1, max_items = 10000)]
    pub customers: Vec<CustomerWrite>,
}

#[derive(Deserialize, ToSchema)]
pub struct SaleWrite {
    pub customer_ref: String,
    /// The invoice date.
    pub date: NaiveDate,
    /// A decimal string, `"1234.50"` (negative for a credit note).
    #[schema(example = "1234.50", pattern = "^-?[0-9]{1,12}([.][0-9]{1,2})?$")]
    pub amount: String,
    /// ISO 4217 code; default EUR.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// Your invoice number: a sale sent again with it updates the stored one.
    pub reference: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SalesWrite {
    #[schema(min_items = 1, max_items = 10000)]
    pub sales: Vec<SaleWrite>,
}

/// What a bulk write stored.
#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Customer references a sales write named that did not exist: created, named by reference.
    pub new_customers: Vec<String>,
    pub notes: Vec<String>,
}

/// Creates or updates customers by reference, all or nothing. Managers and admins only.
#[utoipa::path(post, path = "/api/v1/customers", operation_id = "upsert_customers", tag = "customers", request_body = CustomersWrite,
    responses((status = 200, description = "All customers stored", body = BulkResult)))]
pub async fn upsert(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiJson(body): ApiJson<CustomersWrite>,
) -> ApiResult<BulkResult> {
    let rows = body.customers.iter().map(|c| {
        let place = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        vec![
            c.customer_ref.clone(),
            c.name.clone(),
            c.owner_email.clone().unwrap_or_default(),
            c.segment.as_str().to_string(),
            place(c.lat),
            place(c.lon),
        ]
    });
    let header = [
        "customer_ref",
        "name",
        "owner_email",
        "segment",
        "lat",
        "lon",
    ];
    bulk(
        &state,
        &user,
        ImportKind::Customers,
        "customers",
        &header,
        rows,
    )
    .await
}

/// Records sales, all or nothing: sent again, a sale with a reference updates the stored
/// one and one without is recognised by customer, date, amount and currency. Managers and
/// admins only.
#[utoipa::path(post, path = "/api/v1/sales", operation_id = "create_sales", tag = "customers", request_body = SalesWrite,
    responses((status = 200, description = "All sales stored", body = BulkResult)))]
pub async fn sales(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    ApiJson(body): ApiJson<SalesWrite>,
) -> ApiResult<BulkResult> {
    let rows = body.sales.iter().map(|s| {
        vec![
            s.customer_ref.clone(),
            s.date.to_string(),
            s.amount.clone(),
            s.currency.clone().unwrap_or_default(),
            s.reference.clone().unwrap_or_default(),
        ]
    });
    let header = ["customer_ref", "date", "amount", "currency", "reference"];
    bulk(&state, &user, ImportKind::Sales, "sales", &header, rows).await
}

/// Runs JSON lines through the CSV import: the same checks, the same all-or-nothing store.
/// Line `n + 2` of the file is item `n` of the request.
async fn bulk(
    state: &AppState,
    user: &SessionUser,
    kind: ImportKind,
    what: &str,
    header: &[&str],
    rows: impl ExactSizeIterator<Item = Vec<String>>,
) -> ApiResult<BulkResult> {
    let importer = Importer::for_user(user)
        .ok_or_else(|| AppError::Forbidden(format!("{what} import (managers and admins)")))?;
    match rows.len() {
        0 => return Err(AppError::invalid(what, "send at least one").into()),
        n if n > MAX_BULK => {
            return Err(AppError::invalid(
                what,
                format!("at most {MAX_BULK} per request; send the rest in another"),
            )
            .into())
        }
        _ => {}
    }
    // One item is one line of the file, so a reported line names its item.
    let rows: Vec<Vec<String>> = rows.collect();
    let broken: Vec<FieldProblem> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.iter()
                .zip(header)
                .filter(|(cell, _)| cell.contains(['\n', '\r']))
                .map(move |(_, column)| FieldProblem {
                    field: format!("{what}[{i}].{column}"),
                    message: "must be a single line".into(),
                })
        })
        .collect();
    if !broken.is_empty() {
        return Err(many(StatusCode::UNPROCESSABLE_ENTITY, broken));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let written: Result<(), csv::Error> =
        std::iter::once(header.iter().map(|h| h.to_string()).collect())
            .chain(rows)
            .try_for_each(|r: Vec<String>| out.write_record(&r));
    let bytes = written
        .ok()
        .and_then(|_| out.into_inner().ok())
        .ok_or(AppError::Internal)?;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let report: ImportReport =
        app::service::imports::run(&state.db, &importer, kind, bytes, tx).await?;
    if !report.stored {
        let problems = report
            .errors
            .iter()
            .map(|e| FieldProblem {
                field: match &e.column {
                    Some(c) => format!("{what}[{}].{c}", e.line.saturating_sub(2)),
                    None => format!("{what}[{}]", e.line.saturating_sub(2)),
                },
                message: items_not_lines(&e.reason, what),
            })
            .collect();
        return Err(many(StatusCode::UNPROCESSABLE_ENTITY, problems));
    }
    Ok(Json(BulkResult {
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        new_customers: report.new_customers,
        // How the file was read means nothing to a JSON client; the other notes do.
        notes: report
            .notes
            .into_iter()
            .filter(|n| !n.starts_with("Read as UTF-8"))
            .collect(),
    }))
}

/// The import's reasons name file lines ("\"A-1\" is already on line 3"); a JSON client sent
/// items: line n is item n − 2.
fn items_not_lines(reason: &str, what: &str) -> String {
    match reason.split_once("on line ") {
        Some((before, after)) => {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<u64>() {
                Ok(line) if line >= 2 => {
                    format!("{before}in {what}[{}]{}", line - 2, &after[digits.len()..])
                }
                _ => reason.to_string(),
            }
        }
        None => reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_name_items_not_lines() {
        assert_eq!(
            super::items_not_lines("\"A-1\" is already on line 3", "sales"),
            "\"A-1\" is already in sales[1]"
        );
        assert_eq!(super::items_not_lines("is empty", "sales"), "is empty");
    }
}

//! CSV downloads of what a list shows: `GET /api/export/customers.csv` takes the customers
//! page's query (list, period, filters, order) and returns every matching row, not one page.

use app::api::auth::SessionUser;
use app::api::customers::CustomerQuery;
use app::domain::turnover::{Direction, Mark};
use app::error::AppError;
use app::repo;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

/// Minor units as a plain decimal a spreadsheet reads in any locale setting: `-1234.50`.
fn amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn error(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({ "error": {
        "code": format!("{}", status.as_u16()),
        "message": err.to_string(),
        "field": err.field(),
    }});
    (status, axum::Json(body)).into_response()
}

pub async fn customers(
    State(state): State<AppState>,
    Extension(user): Extension<SessionUser>,
    Query(query): Query<CustomerQuery>,
) -> Response {
    let today = chrono::Utc::now().date_naive();
    let filter = match query.parse(today) {
        Ok(f) => f,
        Err(e) => return error(e),
    };
    let result = async {
        let rule = repo::settings::trend_rule(&state.db).await?;
        repo::customers::list(&state.db, &user.scope(), &filter, today, rule, None).await
    }
    .await;
    let list = match result {
        Ok(list) => list,
        Err(e) => return error(e.into()),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
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
        list.filter.period.start().to_string(),
        list.filter.period.end().to_string(),
    );
    let mut rows = vec![out.write_record(header)];
    for c in &list.customers {
        let d = c.deviation;
        let trend = c.trend.as_ref();
        rows.push(
            out.write_record([
                c.external_ref.clone().unwrap_or_default(),
                c.name.clone(),
                c.segment.clone(),
                c.owner_name.clone().unwrap_or_default(),
                period.0.clone(),
                period.1.clone(),
                amount(d.actual_minor),
                amount(d.expected_minor),
                amount(d.delta_minor),
                d.pct.map(|p| p.to_string()).unwrap_or_default(),
                d.mark.map(Mark::label).unwrap_or_default().to_string(),
                trend
                    .map(|t| match t.direction {
                        Direction::Up => "up",
                        Direction::Down => "down",
                    })
                    .unwrap_or_default()
                    .to_string(),
                trend.map(|t| t.change_pct.to_string()).unwrap_or_default(),
                trend
                    .map(|t| amount(t.recent_per_month_minor))
                    .unwrap_or_default(),
                trend
                    .map(|t| amount(t.base_per_month_minor))
                    .unwrap_or_default(),
            ]),
        );
    }
    let body = match (
        rows.into_iter().collect::<Result<Vec<_>, _>>(),
        out.into_inner(),
    ) {
        (Ok(_), Ok(body)) => body,
        _ => return error(AppError::Internal),
    };
    let name = format!(
        "customers-{}-{}-{}.csv",
        list.filter.listing.as_str(),
        period.0,
        period.1
    );
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

//! The manager's view of the team's check-ins, today or this week: who visited whom, verified
//! or not and why, time on site, on a list and on a map drawn from the coordinates alone
//! (no map tiles: a phone in the field, and this server, may have no network to fetch them).

use crate::api::check_ins::team_check_ins;
use crate::api::customers::customer_units;
use crate::components::export::ExportLinks;
use crate::domain::check_in::distance_text_in;
use crate::model::check_ins::{CheckInReport, CheckInRow};
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

#[component]
pub fn TeamCheckInsPage() -> impl IntoView {
    let url = use_query_map();
    let params = Memo::new(move |_| {
        url.with(|q| {
            (
                q.get("range").unwrap_or_default(),
                q.get("unit").and_then(|u| u.parse::<i64>().ok()),
            )
        })
    });
    let report = resource(
        move || params.get(),
        |(range, unit)| team_check_ins(range, unit),
    );
    let units = resource(|| (), |()| customer_units());
    view! {
        <Title text="Team check-ins" />
        <section class="card">
            <div class="section-head">
                <h1>"Team check-ins"</h1>
                <ExportLinks
                    href=Signal::derive(move || params.with(|(range, unit)| format!(
                        "/api/export/check-ins.csv?range={}&unit={}",
                        if range.is_empty() { "today" } else { range },
                        unit.map(|u| u.to_string()).unwrap_or_default()
                    )))
                    file="check-ins.csv"
                />
                <a href="/check-in" class="button-quiet">"Check in"</a>
            </div>
            <Form method="GET" action="" attr:class="filters">
                <label>
                    "When"
                    <select name="range" data-testid="range" prop:value=move || params.with(|p| p.0.clone())>
                        <option value="today">"Today"</option>
                        <option value="week">"This week"</option>
                    </select>
                </label>
                <Suspense>
                    {move || Suspend::new(async move {
                        let units = units.await.unwrap_or_default();
                        let chosen = params.with_untracked(|p| p.1.map(|u| u.to_string()).unwrap_or_default());
                        (!units.is_empty()).then(|| view! {
                            <label>
                                "Unit"
                                <select name="unit" data-testid="unit">
                                    <option value="">"All I see"</option>
                                    {units.into_iter().map(|u| {
                                        let is = u.key == chosen;
                                        view! { <option value=u.key selected=is>{u.label}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                        })
                    })}
                </Suspense>
                <button type="submit" class="button-quiet">"Show"</button>
            </Form>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                report.await.map(|report| view! { <Report report /> })
            })}
        </Transition>
    }
}

#[component]
fn Report(report: CheckInReport) -> impl IntoView {
    let (verified, outside, unverified) = report.counts();
    let locale = use_locale();
    let day = |d: chrono::NaiveDate| format!("{} {}", d.format("%a"), locale.day_month(d));
    let span = if report.from == report.to {
        day(report.from)
    } else {
        format!("{} – {}", day(report.from), day(report.to))
    };
    let mut by_rep: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in &report.rows {
        let e = by_rep.entry(r.user_name.clone()).or_default();
        e.0 += 1;
        if r.verification.as_str() == "verified" {
            e.1 += 1;
        }
    }
    let total = report.rows.len();
    view! {
        <section class="card" data-testid="team-summary">
            <p>
                <strong data-testid="check-in-count">{total}</strong>
                {if total == 1 { " check-in, " } else { " check-ins, " }}
                {span}
                ": "
                <span class="badge verification-verified">{format!("{verified} verified")}</span>
                " "
                <span class="badge verification-outside">{format!("{outside} outside")}</span>
                " "
                <span class="badge verification-unverified">{format!("{unverified} unverified")}</span>
            </p>
            <ul class="rep-counts small">
                {by_rep.into_iter().map(|(rep, (n, v))| view! {
                    <li>{format!("{rep}: {n} visits, {v} verified")}</li>
                }).collect_view()}
            </ul>
        </section>
        {(total > 0).then(|| view! { <Map rows=report.rows.clone() /> })}
        <section class="card">
            <div class="table-scroll" tabindex="0">
                <table class="data check-ins" data-testid="team-check-ins">
                    <thead>
                        <tr>
                            <th>"When (UTC)"</th>
                            <th>"Rep"</th>
                            <th>"Customer"</th>
                            <th>"Verification"</th>
                            <th>"On site"</th>
                            <th>"Outcome"</th>
                            <th>"Notes, next step"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {report.rows.into_iter().map(|r| view! { <Row r /> }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(total == 0).then(|| view! { <p class="muted">"No check-ins in this span."</p> })}
        </section>
    }
}

#[component]
fn Row(r: CheckInRow) -> impl IntoView {
    let when = r.device_time.format("%a %H:%M").to_string();
    let late = (r.received_at - r.device_time).num_minutes();
    let synced_later = (late >= 5).then(|| {
        format!(
            "sent {} later",
            crate::domain::check_in::duration_text(late)
        )
    });
    let notes = [r.notes.clone(), r.next_step.clone()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" → ");
    view! {
        <tr data-testid="team-check-in" data-verification=r.verification.as_str()>
            <td>{when}{synced_later.map(|s| view! { <div class="small muted">{s}</div> })}</td>
            <td>{r.user_name.clone()}</td>
            <td><a href=format!("/customers/{}", r.customer_id)>{r.customer_name.clone()}</a></td>
            <td>
                <span class=format!("badge verification-{}", r.verification.as_str())>{r.verification.as_str()}</span>
                <div class="small">{r.verification.explain_in(use_locale())}</div>
                {r.position.map(|p| view! { <div class="small muted">{format!("±{}", distance_text_in(use_locale(), p.accuracy_m))}</div> })}
            </td>
            <td>{r.time_on_site()}</td>
            <td>{r.outcome.map(|o| o.label())}</td>
            <td class="small">{notes}</td>
        </tr>
    }
}

/// Where each check-in was (a dot coloured by its verification) and where its customer is (a
/// square), joined by a line, in an equirectangular projection fitted to the points.
#[component]
fn Map(rows: Vec<CheckInRow>) -> impl IntoView {
    const W: f64 = 640.0;
    const H: f64 = 400.0;
    const PAD: f64 = 24.0;
    let points: Vec<(f64, f64)> = rows
        .iter()
        .flat_map(|r| {
            r.position
                .map(|p| (p.lat, p.lon))
                .into_iter()
                .chain(r.customer_location)
        })
        .collect();
    if points.is_empty() {
        return view! {
            <section class="card"><p class="muted small">"No coordinates to draw: these check-ins have no location."</p></section>
        }
        .into_any();
    }
    let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) =
        (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for (lat, lon) in &points {
        min_lat = min_lat.min(*lat);
        max_lat = max_lat.max(*lat);
        min_lon = min_lon.min(*lon);
        max_lon = max_lon.max(*lon);
    }
    // At least about a kilometre across, so one visit is not drawn at infinite zoom.
    let grow = |lo: &mut f64, hi: &mut f64, min: f64| {
        if *hi - *lo < min {
            let mid = (*hi + *lo) / 2.0;
            *lo = mid - min / 2.0;
            *hi = mid + min / 2.0;
        }
    };
    grow(&mut min_lat, &mut max_lat, 0.01);
    grow(&mut min_lon, &mut max_lon, 0.015);
    let squash = libm::cos(((min_lat + max_lat) / 2.0).to_radians());
    let span_x = (max_lon - min_lon) * squash;
    let span_y = max_lat - min_lat;
    let scale = ((W - 2.0 * PAD) / span_x).min((H - 2.0 * PAD) / span_y);
    let project = move |(lat, lon): (f64, f64)| {
        (
            PAD + (lon - min_lon) * squash * scale,
            PAD + (max_lat - lat) * scale,
        )
    };
    let width_km = (W - 2.0 * PAD) / scale * 111.195;
    let marks = rows
        .into_iter()
        .map(|r| {
            let kind = r.verification.as_str();
            let title = format!(
                "{} at {}, {}: {}",
                r.user_name,
                r.customer_name,
                r.device_time.format("%a %H:%M UTC"),
                r.verification.explain_in(use_locale())
            );
            let customer = r.customer_location.map(project);
            let phone = r.position.map(|p| project((p.lat, p.lon)));
            view! {
                <g class=format!("map-visit verification-{kind}") data-testid="map-visit">
                    <title>{title}</title>
                    {customer.zip(phone).map(|((cx, cy), (px, py))| view! {
                        <line x1=cx y1=cy x2=px y2=py class="map-link" />
                    })}
                    {customer.map(|(x, y)| view! {
                        <rect x=x - 5.0 y=y - 5.0 width="10" height="10" class="map-customer" />
                    })}
                    {phone.map(|(x, y)| view! { <circle cx=x cy=y r="6" class="map-phone" /> })}
                </g>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <svg
                class="check-in-map"
                viewBox=format!("0 0 {W} {H}")
                role="img"
                aria-label="Map of the check-ins"
                data-testid="check-in-map"
            >
                <rect x="0" y="0" width=W height=H class="map-ground" />
                {marks}
            </svg>
            <p class="small muted">
                "■ customer · ● where the phone was (green verified, amber outside, grey unverified) · map about "
                {distance_text_in(use_locale(), width_km * 1000.0)}
                " across"
            </p>
        </section>
    }
    .into_any()
}

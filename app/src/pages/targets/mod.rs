//! Targets: the list (mine / my team's / the company's, grouped by horizon and kind), the
//! editor with the live SMART check, and one target with its agreement workflow.

mod calls;
mod candidates;
mod chart;
mod detail;
mod editor;

pub use detail::TargetPage;
pub use editor::{EditTargetPage, NewTargetPage};

use crate::api::targets::list_targets;
use crate::components::export::ExportLinks;
use crate::components::outlook::OutlookLine;
pub use crate::components::outlook::Progress;
use crate::domain::number::format_value;
use crate::domain::target::{Side, TargetKind, TargetStatus};
use crate::domain::Horizon;
use crate::model::targets::TargetRow;
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use chrono::NaiveDate;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

#[component]
pub fn TargetsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            (
                q.get("view").filter(|v| !v.is_empty()),
                q.get("status").filter(|v| !v.is_empty()),
            )
        })
    };
    let targets = resource(params, |(view, status)| list_targets(view, status));
    // The export takes the list's own query: it lists what the page shows.
    let location = leptos_router::hooks::use_location();
    view! {
        <Title text="Targets" />
        <section class="card">
            <div class="section-head">
                <h1>"Targets"</h1>
                <div class="board-actions">
                    <ExportLinks
                        href=Signal::derive(move || format!("/api/export/targets.csv?{}", location.search.get().trim_start_matches('?')))
                        file="targets.csv"
                    />
                    <A href="/targets/new" attr:class="button-primary" attr:data-testid="new-target">
                        "New target"
                    </A>
                </div>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading targets…"</p> }>
                {move || Suspend::new(async move {
                    match targets.await {
                        Ok(list) => Either::Left(view! {
                            <Form method="GET" action="" attr:class="filters">
                                <label>
                                    "Whose "
                                    <select name="view" aria-label="Whose targets">
                                        {[("mine", "My targets"), ("team", "My team's"), ("company", "The company's")]
                                            .into_iter()
                                            .map(|(key, label)| view! { <option value=key selected=list.view == key>{label}</option> })
                                            .collect_view()}
                                    </select>
                                </label>
                                <label>
                                    "Status "
                                    <select name="status" aria-label="Status">
                                        <option value="all" selected=list.status == "all">"Any status"</option>
                                        <option value="active" selected=list.status == "active">"Active"</option>
                                        {TargetStatus::ALL
                                            .into_iter()
                                            .map(|s| view! { <option value=s.as_str() selected=list.status == s.as_str()>{s.label()}</option> })
                                            .collect_view()}
                                    </select>
                                </label>
                                <button type="submit" class="button-quiet">"Show"</button>
                            </Form>
                            <TargetGroups rows=list.rows today=list.today />
                        }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert" data-testid="targets-error">{e.to_string()}</p> }),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The rows by horizon, then kind: short-term operational first, long-term strategic last.
#[component]
fn TargetGroups(rows: Vec<TargetRow>, today: NaiveDate) -> impl IntoView {
    if rows.is_empty() {
        return Either::Left(view! {
            <p class="muted" data-testid="targets-empty">"No targets here yet."</p>
        });
    }
    let mut groups = Vec::new();
    for horizon in [Horizon::Short, Horizon::Medium, Horizon::Long] {
        for kind in TargetKind::ALL {
            let in_group: Vec<TargetRow> = rows
                .iter()
                .filter(|r| r.period.horizon() == horizon && r.kind == kind)
                .cloned()
                .collect();
            if !in_group.is_empty() {
                groups.push((horizon, kind, in_group));
            }
        }
    }
    Either::Right(
        groups
            .into_iter()
            .map(|(horizon, kind, rows)| {
                let heading = format!("{} · {}", kind.label(), horizon.label());
                view! {
                    <h2 class="group-heading">{heading}</h2>
                    <div class="table-scroll" tabindex="0">
                        <table class="table targets" data-testid=format!("targets-{}-{}", horizon_key(horizon), kind.as_str())>
                            <thead>
                                <tr>
                                    <th scope="col">"Target"</th>
                                    <th scope="col">"For"</th>
                                    <th scope="col" class="hide-phone">"Period"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Progress"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! { <TargetListRow row today /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            })
            .collect_view(),
    )
}

fn horizon_key(h: Horizon) -> &'static str {
    match h {
        Horizon::Short => "short",
        Horizon::Medium => "medium",
        Horizon::Long => "long",
    }
}

#[component]
fn TargetListRow(row: TargetRow, today: NaiveDate) -> impl IntoView {
    let href = format!("/targets/{}", row.id);
    let testid = format!("target-row-{}", row.id);
    let statement = row.statement.clone();
    let measure = format!(
        "{} · {}",
        row.measure_label(),
        format_value(use_locale(), row.metric, row.value, row.currency)
    );
    let assignee = row.assignee_name.clone();
    let period = row.period.label_in(use_locale());
    let status_row = row.clone();
    view! {
        <tr data-testid=testid>
            <td>
                <A href=href>{statement}</A>
                <div class="muted small">{measure}</div>
            </td>
            <td>{assignee}</td>
            <td class="hide-phone">{period}</td>
            <td><StatusTag row=status_row today /></td>
            <td><Progress row=row.clone() /><OutlookLine row /></td>
        </tr>
    }
}

/// The status as a coloured tag, with whose answer a negotiation waits for.
#[component]
pub fn StatusTag(row: TargetRow, today: NaiveDate) -> impl IntoView {
    let label = row.status_label(today);
    let class = format!("tag tag-status-{}", label.to_lowercase().replace(' ', "-"));
    let waiting = match row.awaiting {
        Some(Side::Assignee) => Some(format!("waiting for {}", row.assignee_name)),
        Some(Side::Manager) => Some("waiting for the manager".to_string()),
        None => None,
    };
    view! {
        <span class=class data-testid="target-status">{label}</span>
        {waiting.map(|w| view! { <div class="muted small">{w}</div> })}
    }
}

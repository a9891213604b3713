//! One customer: turnover this year against last year, the trend with its reason, 24 months of
//! turnover, open opportunities, recent activities, and planning a visit.

use super::chart::TurnoverChart;
use crate::api::activities::{complete_next_step, move_next_step};
use crate::api::customers::{get_customer, plan_visit, set_potential, set_visit_radius};
use crate::components::date_input::DateInput;
use crate::components::form::save_action;
use crate::components::log_activity::LogActivity;
use crate::components::problem::LoadError;
use crate::components::turnover::{eur, percent_text, segment_label, trend_text};
use crate::domain::activity::{ActivityKind, ActivityOutcome};
use crate::domain::turnover::{Direction, Mark};
use crate::domain::{Currency, Money};
use crate::error::AppError;
use crate::model::customers::{ActivityLine, CustomerDetail};
use crate::providers::auth::use_auth;
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CustomerPage() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let detail = resource(id, |id| async move {
        match id {
            Some(id) => get_customer(id).await,
            None => Err(AppError::NotFound("customer".into())),
        }
    });
    view! {
        <Title text="Customer" />
        <p><A href="/customers">"← Customers"</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the customer…"</p> }>
            {move || Suspend::new(async move {
                let me = auth.user.await.map(|u| u.id).unwrap_or_default();
                match detail.await {
                    Ok(d) => Either::Left(view! { <CustomerView d me on_planned=move || detail.refetch() /> }),
                    Err(e) => Either::Right(view! { <LoadError error=e /> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn CustomerView(
    d: CustomerDetail,
    /// The signed-in user: their own next steps can be moved and ticked off here.
    me: i64,
    on_planned: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    // A warning's "Log a call" ("Log the first contact") lands here with the form open.
    let log = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("log"));
    let log_open = log.is_some();
    let log_kind = log
        .as_deref()
        .and_then(ActivityKind::parse)
        .filter(|k| ActivityKind::LOGGED.contains(k))
        .unwrap_or(ActivityKind::Call);
    let c = d.customer;
    let dev = c.deviation;
    let (potential_minor, reached_pct) = (c.potential_minor, c.potential_reached_pct());
    let segment = segment_label(&c.segment);
    let mark = dev.mark.map(|m| match m {
        Mark::New => view! { <span class="tag tag-new">"new this year"</span> },
        Mark::Lost => view! { <span class="tag tag-lost">"lost: no turnover this year"</span> },
    });
    let trend = match c.trend {
        Some(t) => {
            let class = match t.direction {
                Direction::Up => "notice notice-info trend-up",
                Direction::Down => "notice notice-warning trend-down",
            };
            Either::Left(view! {
                <p class=class data-testid="customer-trend">{format!("Trend change: {} {}.", c.name, trend_text(&t))}</p>
            })
        }
        None => Either::Right(
            view! { <p class="muted" data-testid="customer-trend">"No trend change: the last 3 complete months run at the pace of the 12 before them."</p> },
        ),
    };
    view! {
        <section class="card">
            <div class="section-head">
                <h1 data-testid="customer-name">{c.name.clone()}</h1>
                <span class=format!("tag tag-{}", c.segment)>{segment}</span>
            </div>
            <dl class="facts">
                <dt>"Reference"</dt><dd>{c.external_ref.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Owner"</dt><dd>{c.owner_name.clone().unwrap_or_else(|| "nobody yet".into())}</dd>
                <dt>"City"</dt><dd>{c.city.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"First contact"</dt><dd>{d.first_contact_on.map(|day| use_locale().date(day)).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Check-in radius"</dt><dd><VisitRadius customer_id=c.id radius=d.visit_radius_m located=d.lat.is_some() /></dd>
                <dt>"Annual potential"</dt><dd><Potential customer_id=c.id potential_minor reached_pct on_saved=on_planned /></dd>
            </dl>
            <p class="turnover-summary" data-testid="customer-turnover">
                {format!(
                    "Turnover {} – {}: {} against {} a year earlier — {} ({}). ",
                    use_locale().date(d.period.start()),
                    use_locale().date(d.period.end()),
                    eur(dev.actual_minor),
                    eur(dev.expected_minor),
                    eur(dev.delta_minor),
                    percent_text(dev.pct),
                )}
                {mark}
            </p>
            {trend}
        </section>
        <section class="card">
            <h2>"Turnover by month"</h2>
            <TurnoverChart months=d.months windows=d.windows />
        </section>
        <section class="card">
            <h2>"Open opportunities"</h2>
            {if d.opportunities.is_empty() {
                Either::Left(view! { <p class="muted">"None open."</p> })
            } else {
                Either::Right(view! {
                    <div class="table-scroll" tabindex="0">
                        <table class="table" data-testid="customer-opportunities">
                            <thead><tr><th>"Opportunity"</th><th>"Stage"</th><th class="num">"Value"</th><th>"Expected close"</th><th>"Owner"</th></tr></thead>
                            <tbody>
                                {d.opportunities.into_iter().map(|o| {
                                    let value = Currency::parse(&o.currency)
                                        .map(|cur| Money::from_minor(o.value_minor, cur).display_in(use_locale()))
                                        .unwrap_or_default();
                                    view! {
                                        <tr>
                                            <td>{o.title}</td>
                                            <td>{o.stage}</td>
                                            <td class="num">{value}</td>
                                            <td>{use_locale().date(o.expected_close_on)}</td>
                                            <td>{o.owner_name}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })
            }}
        </section>
        <section class="card">
            <div class="section-head">
                <h2>"Visits and contacts"</h2>
            </div>
            <PlanVisit customer_id=c.id on_planned />
            <details class="log-activity-toggle" id="log-activity" open=log_open>
                <summary class="button-quiet" data-testid="log-activity-open">"Log a call, meeting or e-mail"</summary>
                <LogActivity customer_id=c.id kind=log_kind on_logged=on_planned />
            </details>
            <ul class="activity-list" data-testid="customer-activities">
                {d.activities.into_iter().map(|a| {
                    let mine = a.user_id == me;
                    view! { <ActivityItem a mine on_changed=on_planned /> }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Ticking off one's own next step, or moving it to another day.
#[component]
fn NextStepControls(
    id: i64,
    due: chrono::NaiveDate,
    on_changed: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let day = RwSignal::new(due.format("%Y-%m-%d").to_string());
    let error = RwSignal::new(None::<String>);
    let changed = move |()| {
        error.set(None);
        on_changed();
    };
    let refused = move |e: AppError| error.set(Some(e.to_string()));
    let done = save_action(move |()| complete_next_step(id), changed, refused);
    let moved = save_action(move |due: String| move_next_step(id, due), changed, refused);
    let busy = move || done.pending().get() || moved.pending().get();
    view! {
        <div class="next-step-controls" data-testid="next-step-controls">
            <button
                type="button"
                class="button-quiet small"
                data-testid="activity-next-step-done"
                disabled=busy
                on:click=move |_| { done.dispatch(()); }
            >
                "Done"
            </button>
            <label class="small">
                "Move to "
                <DateInput
                    testid="activity-next-step-due"
                    value=day
                    on_input=move |v: String| day.set(v)
                />
            </label>
            <button
                type="button"
                class="button-quiet small"
                data-testid="activity-next-step-move"
                disabled=busy
                on:click=move |_| { moved.dispatch(day.get_untracked()); }
            >
                "Move"
            </button>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
    }
}

/// The customer's estimated annual potential and how much of it the last 12 months' turnover
/// reached. Whoever may see the customer may change it (as they may plan a visit there);
/// empty clears it.
#[component]
fn Potential(
    customer_id: i64,
    potential_minor: Option<i64>,
    reached_pct: Option<rust_decimal::Decimal>,
    on_saved: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let text = RwSignal::new(
        potential_minor
            .map(|p| use_locale().plain(rust_decimal::Decimal::new(p, 2)))
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<AppError>);
    let saving = save_action(
        move |value: String| set_potential(customer_id, value),
        move |_: Option<i64>| on_saved(),
        move |e| error.set(Some(e)),
    );
    let busy = saving.pending();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        saving.dispatch(text.get_untracked());
    };
    let shown = match (potential_minor, reached_pct) {
        (Some(p), Some(pct)) => format!(
            "{} a year · {} of it reached in the last 12 months",
            eur(p),
            use_locale().percent(pct, 1)
        ),
        (Some(p), None) => format!("{} a year", eur(p)),
        (None, _) => "not estimated yet".to_string(),
    };
    view! {
        <span data-testid="customer-potential">{shown}</span>
        <form method="post" class="inline-form" on:submit=save data-testid="potential-form">
            <label class="small">
                "Potential in € a year "
                <input
                    type="text"
                    inputmode="decimal"
                    id="field-potential"
                    placeholder="e.g. 120000"
                    aria-describedby="error-potential"
                    aria-invalid=move || error.with(|e| e.is_some()).to_string()
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
            </label>
            <button type="submit" class="button-quiet small" disabled=move || busy.get()>"Set"</button>
            {move || error.get().map(|e| view! {
                <span class="form-error small" role="alert" id="error-potential" data-testid="error-potential">{e.to_string()}</span>
            })}
        </form>
    }
}

/// The distance within which a check-in verifies a visit; managers and admins may change it
/// (a large site, a trade fair hall).
#[component]
fn VisitRadius(customer_id: i64, radius: Option<i32>, located: bool) -> impl IntoView {
    let auth = crate::providers::auth::use_auth();
    let radius = RwSignal::new(radius);
    let text = RwSignal::new(
        radius
            .get_untracked()
            .map(|r| r.to_string())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<AppError>);
    let setting = save_action(
        move |value: String| set_visit_radius(customer_id, value),
        move |r| radius.set(r),
        move |e| error.set(Some(e)),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        setting.dispatch(text.get_untracked());
    };
    let shown = move || match radius.get() {
        Some(m) => format!("{m} m"),
        None => format!(
            "{:.0} m (default)",
            crate::domain::check_in::DEFAULT_RADIUS_M
        ),
    };
    view! {
        <span data-testid="visit-radius">{shown}</span>
        {(!located).then(|| view! { <span class="muted small">" · no location on record: check-ins here stay unverified"</span> })}
        <Suspense>
            {move || Suspend::new(async move {
                let may = auth.user.await.is_ok_and(|u| u.role != crate::domain::Role::Rep);
                may.then(|| view! {
                    <form method="post" class="inline-form" on:submit=save data-testid="visit-radius-form">
                        <label class="small">
                            "Radius in m "
                            <input
                                type="number"
                                inputmode="numeric"
                                min="10"
                                max="10000"
                                id="field-radius"
                                placeholder="300"
                                prop:value=move || text.get()
                                on:input=move |ev| text.set(event_target_value(&ev))
                            />
                        </label>
                        <button type="submit" class="button-quiet small">"Set"</button>
                        {move || error.get().map(|e| view! { <span class="form-error small" role="alert">{e.to_string()}</span> })}
                    </form>
                })
            })}
        </Suspense>
    }
}

#[component]
fn PlanVisit(
    customer_id: i64,
    on_planned: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let day = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let planning = save_action(
        move |(d, n): (String, String)| plan_visit(customer_id, d, n),
        move |_: i64| {
            day.set(String::new());
            notes.set(String::new());
            on_planned();
        },
        move |e| error.set(Some(e)),
    );
    let busy = planning.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        planning.dispatch((day.get_untracked(), notes.get_untracked()));
    };
    view! {
        <form method="post" class="plan-visit" id="plan-visit" on:submit=submit data-testid="plan-visit">
            <label>
                "Plan a visit on"
                <DateInput
                    id="field-day"
                    required=true
                    value=day
                    on_input=move |v: String| day.set(v)
                />
            </label>
            <label>
                "Purpose"
                <input
                    type="text"
                    id="field-notes"
                    placeholder="e.g. present the spring range"
                    prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))
                />
            </label>
            <button type="submit" class="button-primary" disabled=move || busy.get()>"Plan visit"</button>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="plan-error">{e.to_string()}</p> })}
        </form>
    }
}

/// One line of the customer's history: what, when, who, how it went, notes, and the next step.
#[component]
fn ActivityItem(
    a: ActivityLine,
    /// The viewer's own activity: its open next step can be moved or ticked off.
    mine: bool,
    on_changed: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let kind =
        ActivityKind::parse(&a.kind).map_or_else(|| a.kind.clone(), |k| k.label().to_string());
    let when = if a.planned {
        format!(
            "planned for {}",
            use_locale().date(a.occurred_at.date_naive())
        )
    } else {
        format!(
            "{} {}",
            use_locale().date(a.occurred_at.date_naive()),
            a.occurred_at.format("%H:%M")
        )
    };
    let outcome = a
        .outcome
        .as_deref()
        .and_then(ActivityOutcome::parse)
        .map(|o| format!(" · {}", o.label()));
    let open_step = mine && !a.next_step_done;
    let id = a.id;
    let next = a.next_step_due.map(|due| {
        let text = format!("Next: {} — due {}", a.next_step, use_locale().date(due));
        view! {
            <p class="next-step" class:done=a.next_step_done data-testid="activity-next-step">{text}{a.next_step_done.then_some(" ✓ done")}</p>
            {open_step.then(|| view! { <NextStepControls id due on_changed /> })}
        }
    });
    view! {
        <li class:planned=a.planned data-testid=if a.planned { "planned-visit" } else { "activity" }>
            <strong>{kind}</strong>" · "{when}" · "{a.user_name.clone()}{outcome}
            {(!a.notes.is_empty()).then(|| view! { <p class="muted">{a.notes.clone()}</p> })}
            {next}
        </li>
    }
}

//! One target: what it says, its progress, the agreement steps the viewer may take, its
//! children with what is allocated and what remains, the cascade, and the timeline.

use super::chart::BurnUp;
use super::{Progress, StatusTag};
use crate::api::targets::{cascade_target, get_target, transition_target};
use crate::components::outlook::OutlookLine;
use crate::components::problem::LoadError;
use crate::domain::forecast::per_week;
use crate::domain::number::format_value;
use crate::domain::target::{Factor, Side, Transition};
use crate::error::AppError;
use crate::model::targets::{TargetDetail, TargetEvent, TargetRow};
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use rust_decimal::Decimal;

#[component]
pub fn TargetPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let detail = resource(id, |id| async move {
        match id {
            Some(id) => get_target(id).await,
            None => Err(AppError::NotFound("target".into())),
        }
    });
    let notice = RwSignal::new(None::<Result<String, AppError>>);
    view! {
        <Title text="Target" />
        {move || {
            notice
                .get()
                .map(|n| match n {
                    Ok(text) => Either::Left(view! { <p class="notice notice-info" role="status" data-testid="target-notice">{text}</p> }),
                    Err(e) => Either::Right(view! { <p class="form-error" role="alert" data-testid="target-notice">{e.to_string()}</p> }),
                })
        }}
        <Transition fallback=|| view! { <p class="muted">"Loading the target…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => Either::Left(view! { <TargetView detail=d on_change=move |result| {
                        if result.is_ok() {
                            detail.refetch();
                        }
                        notice.set(Some(result));
                    } /> }),
                    Err(e) => Either::Right(view! { <LoadError error=e /> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn TargetView(
    detail: TargetDetail,
    on_change: impl Fn(Result<String, AppError>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let t = detail.target.clone();
    let today = detail.today;
    let facts = vec![
        ("For", t.assignee_name.clone()),
        ("Metric", t.measure_label()),
        (
            "Target",
            format_value(use_locale(), t.metric, t.value, t.currency),
        ),
        (
            "Period",
            format!(
                "{} ({})",
                t.period.label_in(use_locale()),
                t.period.horizon().label()
            ),
        ),
        ("Kind", t.kind.label().to_string()),
    ];
    let baseline = t
        .baseline
        .map(|b| format!("{b} active customers"))
        .into_iter()
        .map(|b| ("Baseline", b));
    let counter = t
        .counter_value
        .map(|c| format_value(use_locale(), t.metric, c, t.currency))
        .into_iter()
        .map(|c| ("Counter-proposal", c));
    let facts: Vec<(&'static str, String)> =
        facts.into_iter().chain(baseline).chain(counter).collect();
    let factors: Vec<(String, String)> = Factor::ALL
        .iter()
        .map(|f| {
            let rating = t.factors.get(*f);
            (
                f.label().to_string(),
                format!("{} — {}", rating.label(), f.words(rating)),
            )
        })
        .collect();
    let side_text = match detail.side {
        Some(Side::Manager) => "You set this target (the manager's side).",
        Some(Side::Assignee) => "You are to reach this target (the assignee's side).",
        None => "You can follow this target; the agreement is between others.",
    };
    view! {
        <section class="card" data-testid="target-detail">
            <div class="section-head">
                <h1 data-testid="target-statement">{t.statement.clone()}</h1>
                <div class="head-actions">
                    {detail.can_edit.then(|| view! { <A href=format!("/targets/{}/edit", t.id) attr:class="button-quiet" attr:data-testid="edit-target">"Edit"</A> })}
                    <A href="/targets">"All targets"</A>
                </div>
            </div>
            <div class="target-status-line">
                <StatusTag row=t.clone() today />
                <span class="muted">{side_text}</span>
            </div>
            <dl class="facts">
                {facts.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
            </dl>
            <Progress row=t.clone() />
            <OutlookLine row=t.clone() />
            {t.outlook.as_ref().and_then(|o| o.warning.clone()).map(|w| view! {
                <p class="forecast-warning" data-testid="target-warning">{w}</p>
            })}
            {(!t.rationale.is_empty()).then(|| view! { <p><strong>"Why it matters: "</strong>{t.rationale.clone()}</p> })}
            {detail.parent.clone().map(|p| view! {
                <p>"Contributes to " <A href=format!("/targets/{}", p.id)>{p.statement.clone()}</A></p>
            })}
            <details class="factors-summary">
                <summary>"External factors"</summary>
                <ul>{factors.into_iter().map(|(f, r)| view! { <li>{f}": "{r}</li> }).collect_view()}</ul>
            </details>
            <Actions target=t.clone() actions=detail.actions.clone() on_change />
        </section>
        {(t.period.start() <= today).then(|| view! {
            <section class="card" data-testid="target-progress-chart">
                <h2>"Progress over the period"</h2>
                <WeeklyPace target=t.clone() />
                <BurnUp target=t.clone() burn_up=detail.burn_up.clone() history=detail.history.clone() today calendar=detail.calendar.clone() />
            </section>
        })}
        {(t.period.start() <= today && today <= t.period.end() && t.outlook.is_some()).then(|| view! {
            <super::candidates::GapCandidates target=t.clone() />
        })}
        <super::calls::Calls detail=detail.clone() on_change />
        <Children detail=detail.clone() on_change />
        <Timeline events=detail.events.clone() />
    }
}

/// For run-rate metrics still running: the weekly pace so far and the pace needed from now on.
#[component]
fn WeeklyPace(target: TargetRow) -> impl IntoView {
    let outlook = target.outlook.clone()?;
    if matches!(
        target.metric.forecast_method(),
        crate::domain::metric::ForecastMethod::Pipeline
    ) || outlook.pace.remaining_days() == 0
        || outlook.pace.elapsed_days == 0
    {
        return None;
    }
    let (metric, currency) = (target.metric, target.currency);
    let pace = outlook.pace;
    let so_far = pace.actual * Decimal::from(5) / Decimal::from(pace.elapsed_days);
    let needed = pace.needed_per_week().unwrap_or_default();
    let end = use_locale().date(target.period.end());
    let text = if needed.is_zero() {
        format!(
            "Reached. So far {} a week.",
            format_value(use_locale(), metric, so_far.round_dp(1), currency)
        )
    } else {
        format!(
            "Needed from now on: {} a week until {end}. So far: {} a week.",
            per_week(use_locale(), metric, needed, currency),
            format_value(use_locale(), metric, so_far.round_dp(1), currency)
        )
    };
    Some(view! { <p class="weekly-pace" data-testid="weekly-pace">{text}</p> })
}

#[component]
fn Actions(
    target: TargetRow,
    actions: Vec<Transition>,
    on_change: impl Fn(Result<String, AppError>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    if actions.is_empty() {
        return Either::Left(());
    }
    let (id, version) = (target.id, target.version);
    let asking = RwSignal::new(false);
    let comment = RwSignal::new(String::new());
    let counter = RwSignal::new(String::new());
    type Step = (Transition, Option<String>, Option<String>);
    let stepping = Action::new(move |step: &Step| {
        let (transition, comment, counter) = step.clone();
        async move {
            let done = match transition {
                Transition::Propose => {
                    "Proposed: the other side can now accept it or ask for changes."
                }
                Transition::Withdraw => "Proposal withdrawn: the target is a draft again.",
                Transition::Accept => "Agreed.",
                Transition::RequestChanges => "Changes requested.",
                Transition::AcceptCounter => "Counter-proposal accepted: the target is agreed.",
                Transition::Close => "Closed.",
            };
            let result = transition_target(
                id,
                version,
                transition.as_str().to_string(),
                comment,
                counter,
            )
            .await
            .map(|()| done.to_string());
            on_change(result);
        }
    });
    let busy = stepping.pending();
    let run = move |transition: Transition, comment: Option<String>, counter: Option<String>| {
        stepping.dispatch((transition, comment, counter));
    };
    let counter_label = target.counter_value.map(|c| {
        format!(
            "Accept {}",
            format_value(use_locale(), target.metric, c, target.currency)
        )
    });
    Either::Right(view! {
        <div class="workflow" data-testid="workflow">
            {actions
                .into_iter()
                .map(|t| {
                    let label = match (&t, &counter_label) {
                        (Transition::AcceptCounter, Some(l)) => l.clone(),
                        _ => t.label().to_string(),
                    };
                    let primary = matches!(t, Transition::Accept | Transition::AcceptCounter | Transition::Propose);
                    let action = t.clone();
                    view! {
                        <button
                            type="button"
                            class=if primary { "button-primary" } else { "button-quiet" }
                            disabled=move || busy.get()
                            data-testid=format!("action-{}", t.as_str())
                            on:click=move |_| {
                                if action == Transition::RequestChanges {
                                    asking.set(true);
                                } else {
                                    run(action.clone(), None, None);
                                }
                            }
                        >
                            {label}
                        </button>
                    }
                })
                .collect_view()}
            <Show when=move || asking.get()>
                <form method="post" class="form request-changes" data-testid="request-changes" on:submit=move |ev| {
                    ev.prevent_default();
                    run(Transition::RequestChanges, Some(comment.get_untracked()), Some(counter.get_untracked()));
                }>
                    <div class="field">
                        <label for="field-comment">"What should change?"</label>
                        <textarea id="field-comment" rows="2" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    </div>
                    <div class="field">
                        <label for="field-counter">"Counter-value (optional)"</label>
                        <input id="field-counter" inputmode="decimal" class="input-short" prop:value=move || counter.get() on:input=move |ev| counter.set(event_target_value(&ev)) />
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="button-primary" disabled=move || busy.get()>"Send"</button>
                        <button type="button" class="button-quiet" on:click=move |_| asking.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </div>
    })
}

#[component]
fn Children(
    detail: TargetDetail,
    on_change: impl Fn(Result<String, AppError>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let t = detail.target.clone();
    let today = detail.today;
    let show = |v: Decimal| format_value(use_locale(), t.metric, v, t.currency);
    let allocation = if !t.metric.is_additive() {
        None
    } else if detail.allocated > t.value {
        Some((
            "notice notice-problem",
            format!(
                "Over-allocated by {}: the children add up to {} of {}.",
                show(detail.allocated - t.value),
                show(detail.allocated),
                show(t.value)
            ),
        ))
    } else if detail.children.is_empty() {
        None
    } else if detail.allocated < t.value {
        Some((
            "notice notice-warning",
            format!(
                "Under-allocated: {} of {} is shared out, {} remains.",
                show(detail.allocated),
                show(t.value),
                show(t.value - detail.allocated)
            ),
        ))
    } else {
        Some((
            "notice notice-info",
            format!("Fully allocated: the children add up to {}.", show(t.value)),
        ))
    };
    let (id, version) = (t.id, t.version);
    let cascading = Action::new(move |method: &&'static str| {
        let method = method.to_string();
        async move {
            let result = cascade_target(id, version, method)
                .await
                .map(|n| format!("Created {n} draft targets."));
            on_change(result);
        }
    });
    let busy = cascading.pending();
    let cascade = move |method: &'static str| {
        cascading.dispatch(method);
    };
    let members = detail.cascade_members.clone();
    let can_add = detail.side.is_some() && !t.status.is_closed();
    view! {
        <section class="card" data-testid="target-children">
            <div class="section-head">
                <h2>"Contributing targets"</h2>
                {can_add.then(|| view! { <A href=format!("/targets/new?parent={}", t.id) attr:class="button-quiet">"Add a contributing target"</A> })}
            </div>
            {allocation.map(|(class, text)| view! { <p class=class data-testid="allocation">{text}</p> })}
            {(!members.is_empty()).then(|| {
                let names = members.join(", ");
                view! {
                    <div class="cascade" data-testid="cascade">
                        <p>{format!("Share what remains among {} without a target yet ({names}):", members.len())}</p>
                        <button type="button" class="button-quiet" disabled=move || busy.get() on:click=move |_| cascade("even")>"Split evenly"</button>
                        <button type="button" class="button-quiet" disabled=move || busy.get() on:click=move |_| cascade("share")>"Split by last year's share"</button>
                    </div>
                }
            })}
            {if detail.children.is_empty() {
                Either::Left(view! { <p class="muted">"No contributing targets yet."</p> })
            } else {
                Either::Right(view! {
                    <div class="table-scroll" tabindex="0">
                        <table class="table">
                            <thead><tr><th scope="col">"Target"</th><th scope="col">"For"</th><th scope="col">"Value"</th><th scope="col">"Status"</th><th scope="col">"Progress"</th></tr></thead>
                            <tbody>
                                {detail.children.into_iter().map(|c| {
                                    let href = format!("/targets/{}", c.id);
                                    let statement = c.statement.clone();
                                    let assignee = c.assignee_name.clone();
                                    let value = format_value(use_locale(), c.metric, c.value, c.currency);
                                    let status_row = c.clone();
                                    view! {
                                        <tr>
                                            <td><A href=href>{statement}</A></td>
                                            <td>{assignee}</td>
                                            <td>{value}</td>
                                            <td><StatusTag row=status_row today /></td>
                                            <td><Progress row=c /></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })
            }}
        </section>
    }
}

fn describe(e: &TargetEvent) -> String {
    let field = e.field.clone().unwrap_or_default();
    match e.kind.as_str() {
        "created" => "created the target".to_string(),
        "transition" => match field.as_str() {
            "propose" => "proposed it".to_string(),
            "withdraw" => "withdrew the proposal".to_string(),
            "accept" => "accepted it".to_string(),
            "request_changes" => "asked for changes".to_string(),
            "accept_counter" => "accepted the counter-proposal".to_string(),
            "close" => format!("closed it: {}", e.new_value.clone().unwrap_or_default()),
            other => other.replace('_', " "),
        },
        _ if field == "acknowledged warnings" => format!(
            "saved it with warnings: {}",
            e.new_value.clone().unwrap_or_default()
        ),
        _ => match (&e.old_value, &e.new_value) {
            (Some(old), Some(new)) if !old.is_empty() => {
                format!("changed the {field}: {old} → {new}")
            }
            (_, Some(new)) => format!("set the {field} to {new}"),
            _ => format!("cleared the {field}"),
        },
    }
}

#[component]
fn Timeline(events: Vec<TargetEvent>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Timeline"</h2>
            <ol class="timeline" data-testid="target-timeline">
                {events
                    .into_iter()
                    .map(|e| {
                        let text = describe(&e);
                        view! {
                            <li>
                                <time datetime=e.at.to_rfc3339()>{use_locale().date_time(e.at)}</time>
                                " "<strong>{e.by.clone()}</strong>" "{text}
                                {e.comment.clone().map(|c| view! { <blockquote>{c}</blockquote> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

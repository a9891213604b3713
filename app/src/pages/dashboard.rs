//! The landing page after sign-in: what changed since yesterday, my targets with status and
//! pace, and for managers their team's targets with who is off track.

use crate::api::activities::complete_next_step;
use crate::api::customers::list_customers;
use crate::api::dashboard::get_dashboard;
use crate::components::log_activity::LogActivity;
use crate::components::outlook::{HealthTag, OutlookLine, Progress};
use crate::components::problem::{ErrorNotice, LoadError};
use crate::components::turnover::trend_text;
use crate::domain::activity::ActivityKind;
use crate::domain::forecast::Health;
use crate::model::customers::{CustomerQuery, NextStep};
use crate::model::dashboard::{Dashboard, Digest, RottenOpportunity, StatusChange, TrendChange};
use crate::model::targets::TargetRow;
use crate::providers::auth::use_auth;
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = use_auth();
    let dashboard = resource(|| (), |()| get_dashboard());
    // Logging work stays outside the dashboard's two waits: what it logged counts at once, so
    // the next steps and targets are fetched again while the form (and its "logged") stays.
    view! {
        <Title text="" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let user = auth.user.await.ok();
                let first_name = user
                    .as_ref()
                    .and_then(|u| u.name.split_whitespace().next().map(str::to_string))
                    .unwrap_or_default();
                let who = user.map(|u| format!("{} · {}", u.role.label(), u.unit_name));
                let body = match dashboard.await {
                    Ok(d) => Either::Left(view! {
                        <DigestCard digest=d.digest today=d.today />
                        <NextStepsCard steps=d.next_steps today=d.today />
                    }),
                    Err(e) => Either::Right(view! { <LoadError error=e /> }),
                };
                view! {
                    <section class="card hero">
                        <h1>"Hello, " {first_name}</h1>
                        <p class="muted">{who}</p>
                    </section>
                    {body}
                }
            })}
        </Transition>
        <LogWorkCard on_logged=move || dashboard.refetch() />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                dashboard.await.ok().map(|d| view! { <DashboardTargets d /> })
            })}
        </Transition>
    }
}

#[component]
fn DashboardTargets(d: Dashboard) -> impl IntoView {
    view! {
        <section class="card" data-testid="my-targets">
            <div class="section-head">
                <h2>"My targets"</h2>
                <A href="/targets?view=mine">"All my targets"</A>
            </div>
            {if d.mine.is_empty() {
                Either::Left(view! {
                    <p class="muted" data-testid="my-targets-empty">
                        "No agreed target runs for you today. Targets count once both sides have agreed them."
                    </p>
                })
            } else {
                Either::Right(view! { <TargetList rows=d.mine show_assignee=false /> })
            }}
        </section>
        {d.team.map(|team| view! { <TeamCard team /> })}
    }
}

#[component]
fn DigestCard(digest: Digest, today: chrono::NaiveDate) -> impl IntoView {
    let heading = match digest.since {
        Some(day) if day + chrono::Duration::days(1) == today => "Since yesterday".to_string(),
        Some(day) => format!("Since {}", use_locale().date(day)),
        None => "Today".to_string(),
    };
    let quiet = digest.changes.is_empty() && digest.rotten.is_empty() && digest.trends.is_empty();
    let first_day = digest.since.is_none();
    view! {
        <section class="card digest" data-testid="digest">
            <h2>{heading}</h2>
            {quiet.then(|| view! {
                <p class="muted" data-testid="digest-quiet">
                    {if first_day {
                        "Nothing needs your attention. From tomorrow this shows what changed since the day before."
                    } else {
                        "No status changed, no opportunity went rotten and no customer changed its buying trend. Carry on."
                    }}
                </p>
            })}
            {(!digest.changes.is_empty()).then(|| view! {
                <ul class="digest-list">
                    {digest.changes.into_iter().map(|c| view! { <ChangeItem c /> }).collect_view()}
                </ul>
            })}
            {(!digest.rotten.is_empty()).then(|| {
                let n = digest.rotten.len();
                view! {
                    <h3 class="digest-sub">
                        {format!("{n} {} went rotten", if n == 1 { "opportunity" } else { "opportunities" })}
                    </h3>
                    <ul class="digest-list">
                        {digest.rotten.into_iter().map(|o| view! { <RottenItem o /> }).collect_view()}
                    </ul>
                }
            })}
            {(!digest.trends.is_empty()).then(|| {
                let n = digest.trends.len();
                view! {
                    <h3 class="digest-sub">
                        {if n == 1 {
                            "1 of your customers changed its buying trend".to_string()
                        } else {
                            format!("{n} of your customers changed their buying trend")
                        }}
                    </h3>
                    <ul class="digest-list">
                        {digest.trends.into_iter().map(|t| view! { <TrendItem t /> }).collect_view()}
                    </ul>
                }
            })}
        </section>
    }
}

#[component]
fn ChangeItem(c: StatusChange) -> impl IntoView {
    let what = match c.from {
        Some(from) if from.severity() < c.to.severity() => format!("{} → worse", from.label()),
        Some(from) => format!("{} → better", from.label()),
        None => "new warning".to_string(),
    };
    view! {
        <li class="digest-item" data-testid="digest-change" data-target-id=c.target_id>
            <div class="digest-head">
                <HealthTag health=c.to warning=None />
                <A href=format!("/targets/{}", c.target_id)>{c.statement}</A>
                <span class="muted small">{c.assignee} " · " {what}</span>
            </div>
            {c.warning.map(|w| view! { <p class="forecast-warning">{w}</p> })}
        </li>
    }
}

#[component]
fn TrendItem(t: TrendChange) -> impl IntoView {
    view! {
        <li class="digest-item" data-testid="digest-trend">
            <A href=format!("/customers/{}", t.customer_id)><strong>{t.name}</strong></A>
            <span class="muted small">{format!(" {}", trend_text(&t.trend))}</span>
        </li>
    }
}

#[component]
fn RottenItem(o: RottenOpportunity) -> impl IntoView {
    view! {
        <li class="digest-item" data-testid="digest-rotten">
            <span class="badge badge-rotting">"Rotting"</span>
            " "
            <strong>{o.title}</strong>
            <span class="muted small">
                {format!(" · {} · {} · {} for {} days", o.customer, o.owner, o.stage, o.days_in_stage)}
            </span>
        </li>
    }
}

#[component]
fn TeamCard(team: Vec<TargetRow>) -> impl IntoView {
    let count = |h: Health| {
        team.iter()
            .filter(|t| t.outlook.as_ref().is_some_and(|o| o.health == h))
            .count()
    };
    let (off, risk, on) = (
        count(Health::OffTrack),
        count(Health::AtRisk),
        count(Health::OnTrack),
    );
    let off_track: Vec<TargetRow> = team
        .iter()
        .filter(|t| {
            t.outlook
                .as_ref()
                .is_some_and(|o| o.health == Health::OffTrack)
        })
        .cloned()
        .collect();
    view! {
        <section class="card" data-testid="team-targets">
            <div class="section-head">
                <h2>"My team's targets"</h2>
                <A href="/targets?view=team&status=active">"All team targets"</A>
            </div>
            <p class="team-counts" data-testid="team-counts">
                <span class="tag tag-health-off_track">{off} " off track"</span>
                " "
                <span class="tag tag-health-at_risk">{risk} " at risk"</span>
                " "
                <span class="tag tag-health-on_track">{on} " on track"</span>
            </p>
            {if off_track.is_empty() {
                Either::Left(view! { <p class="muted" data-testid="off-track-none">"Nobody is off track."</p> })
            } else {
                Either::Right(view! {
                    <h3>"Who is off track"</h3>
                    <ul class="off-track" data-testid="off-track">
                        {off_track
                            .into_iter()
                            .map(|t| view! {
                                <li data-testid="off-track-item">
                                    <strong>{t.assignee_name.clone()}</strong>
                                    ": "
                                    <A href=format!("/targets/{}", t.id)>{t.statement.clone()}</A>
                                    {t.outlook.and_then(|o| o.warning).map(|w| view! { <p class="forecast-warning">{w}</p> })}
                                </li>
                            })
                            .collect_view()}
                    </ul>
                })
            }}
            <details>
                <summary>{format!("All {} active targets of the team", team.len())}</summary>
                <TargetList rows=team.clone() show_assignee=true />
            </details>
        </section>
    }
}

#[component]
fn TargetList(rows: Vec<TargetRow>, show_assignee: bool) -> impl IntoView {
    view! {
        <ul class="dash-targets">
            {rows
                .into_iter()
                .map(|t| {
                    let id = t.id;
                    let title = if show_assignee {
                        format!("{} · {}", t.assignee_name, t.statement)
                    } else {
                        t.statement.clone()
                    };
                    view! {
                        <li class="dash-target" data-testid="dash-target" data-target-id=id>
                            <A href=format!("/targets/{id}")>{title}</A>
                            <Progress row=t.clone() />
                            <OutlookLine row=t />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// My next steps due today or overdue, each ticked off with one click.
#[component]
fn NextStepsCard(steps: Vec<NextStep>, today: chrono::NaiveDate) -> impl IntoView {
    (!steps.is_empty()).then(|| {
        let n = steps.len();
        view! {
            <section class="card" data-testid="next-steps">
                <h2>{format!("{n} next {} due", if n == 1 { "step" } else { "steps" })}</h2>
                <ul class="digest-list">
                    {steps.into_iter().map(|s| view! { <NextStepItem s today /> }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn NextStepItem(s: NextStep, today: chrono::NaiveDate) -> impl IntoView {
    let done = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = s.id;
    let complete = Action::new(move |_: &()| async move {
        match complete_next_step(id).await {
            Ok(()) => done.set(true),
            Err(e) => error.set(Some(e.to_string())),
        }
    });
    let due = if s.next_step_due < today {
        format!("overdue since {}", use_locale().date(s.next_step_due))
    } else {
        "due today".to_string()
    };
    let after = ActivityKind::parse(&s.kind).map_or("an activity", ActivityKind::phrase);
    view! {
        <li class="digest-item next-step-item" class:done=move || done.get() data-testid="next-step" data-activity-id=id>
            <div class="digest-head">
                <A href=format!("/customers/{}", s.customer_id)><strong>{s.customer.clone()}</strong></A>
                <span>{s.next_step.clone()}</span>
                <span class="muted small">{format!("{due} · after {after}")}</span>
                <button
                    type="button"
                    class="button-quiet small"
                    data-testid="next-step-done"
                    disabled=move || done.get() || complete.pending().get()
                    on:click=move |_| { complete.dispatch(()); }
                >
                    {move || if done.get() { "Done ✓" } else { "Done" }}
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </li>
    }
}

/// A call, meeting or e-mail made away from a customer's page: find the customer, log it.
#[component]
fn LogWorkCard(on_logged: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<(i64, String)>);
    let found = resource(
        move || search.get().trim().to_string(),
        |text| async move {
            if text.chars().count() < 2 {
                return Ok(Vec::new());
            }
            let query = CustomerQuery {
                search: Some(text),
                ..CustomerQuery::default()
            };
            list_customers(query).await.map(|l| {
                l.customers
                    .into_iter()
                    .take(8)
                    .map(|c| (c.id, c.name, c.city))
                    .collect::<Vec<_>>()
            })
        },
    );
    view! {
        <section class="card" data-testid="log-work">
            <details>
                <summary><h2 class="inline-heading">"Log a call, meeting or e-mail"</h2></summary>
                {move || match chosen.get() {
                    Some((id, name)) => view! {
                        <p>
                            <strong data-testid="log-work-customer">{name}</strong>
                            " "
                            <button type="button" class="button-quiet small" on:click=move |_| chosen.set(None)>"Other customer"</button>
                        </p>
                        <LogActivity customer_id=id on_logged=on_logged />
                    }.into_any(),
                    None => view! {
                        <label class="field">
                            "Customer"
                            <input
                                type="search"
                                data-testid="log-work-search"
                                placeholder="Name, town or reference"
                                prop:value=move || search.get()
                                on:input=move |ev| search.set(event_target_value(&ev))
                            />
                        </label>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                match found.await {
                                    Ok(list) => view! {
                                        <ul class="pick-list" data-testid="log-work-results">
                                            {list.into_iter().map(|(id, name, city)| {
                                                let label = match city {
                                                    Some(city) => format!("{name} · {city}"),
                                                    None => name.clone(),
                                                };
                                                view! {
                                                    <li><button type="button" class="button-quiet" on:click=move |_| chosen.set(Some((id, name.clone())))>{label}</button></li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any(),
                                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                                }
                            })}
                        </Transition>
                    }.into_any(),
                }}
            </details>
        </section>
    }
}

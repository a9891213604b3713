//! Settings (admins): the thresholds that turn a forecast into on track / at risk / off track,
//! and the rule that flags a customer's trend change; (managers and admins) API tokens.

use crate::api::customers::{get_trend_rule, save_trend_rule};
use crate::api::dashboard::{get_thresholds, save_thresholds};
use crate::components::form::{Field, FormErrors};
use crate::domain::forecast::ThresholdsInput;
use crate::domain::turnover::TrendRuleInput;
use crate::domain::Role;
use crate::providers::auth::use_auth;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let thresholds = Resource::new(|| (), |()| get_thresholds());
    let trend_rule = Resource::new(|| (), |()| get_trend_rule());
    let auth = use_auth();
    view! {
        <Title text="Settings" />
        <section class="card">
            <h1>"Forecast status"</h1>
            <p class="muted">
                "A target's status comes from its chance to reach the target (bookings, won opportunities) or from its pace: where the run rate ends the period, as a share of the target (turnover, visits, contacts, customers)."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = auth.user.await.is_ok_and(|u| u.role == Role::Admin);
                    match thresholds.await {
                        Ok(t) => Either::Left(view! { <ThresholdsForm input=t.into() is_admin /> }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
                    }
                })}
            </Transition>
        </section>
        {move || Suspend::new(async move {
            auth.user.await.is_ok_and(|u| u.role != Role::Rep).then(|| view! { <super::tokens::ApiTokens /> })
        })}
        <section class="card">
            <h1>"Customer trend changes"</h1>
            <p class="muted">
                "A customer is flagged when its turnover per month over the last 3 complete months differs from the 12 months before by at least this share and this amount."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = auth.user.await.is_ok_and(|u| u.role == Role::Admin);
                    match trend_rule.await {
                        Ok(r) => Either::Left(view! { <TrendForm input=r.into() is_admin /> }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TrendForm(input: TrendRuleInput, is_admin: bool) -> impl IntoView {
    let form = RwSignal::new(input);
    let errors = FormErrors::new();
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let problems = Memo::new(move |_| form.with(|f| f.parse().err().unwrap_or_default()));
    let input = move |field: &'static str,
                      get: fn(&TrendRuleInput) -> &String,
                      set: fn(&mut TrendRuleInput, String)| {
        view! {
            <input
                id=format!("field-{field}")
                inputmode="decimal"
                disabled=!is_admin
                aria-describedby=format!("error-{field}")
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| {
                    form.update(|f| set(f, event_target_value(&ev)));
                    errors.edited(field);
                    saved.set(None);
                }
                on:blur=move |_| errors.touch(field)
            />
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.try_save();
        if !problems.with(Vec::is_empty) {
            return;
        }
        busy.set(true);
        let input = form.get_untracked();
        spawn_local(async move {
            match save_trend_rule(input).await {
                Ok(r) => {
                    form.set(r.into());
                    saved.set(Some(
                        "Saved: the customers' trend flags now follow this rule.".into(),
                    ));
                }
                Err(e) => errors.refused(e),
            }
            busy.set(false);
        });
    };
    let message = move |field| move || errors.message(field, &problems.get());
    view! {
        <form class="thresholds-form" on:submit=submit novalidate data-testid="trend-form">
            <Field label="Least change of the monthly run rate" field="min_change_pct" error=message("min_change_pct")>
                {input("min_change_pct", |f| &f.min_change_pct, |f, v| f.min_change_pct = v)}
                <span class="unit">" %"</span>
            </Field>
            <Field label="and at least, per month" field="min_change_amount" error=message("min_change_amount")>
                {input("min_change_amount", |f| &f.min_change_amount, |f, v| f.min_change_amount = v)}
                <span class="unit">" €"</span>
            </Field>
            {move || errors.general().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || saved.get().map(|s| view! { <p class="notice notice-info" role="status" data-testid="trend-saved">{s}</p> })}
            {if is_admin {
                Either::Left(view! {
                    <button type="submit" class="button-primary" disabled=move || busy.get() data-testid="save-trend">"Save"</button>
                })
            } else {
                Either::Right(view! { <p class="muted small">"Only an admin can change this."</p> })
            }}
        </form>
    }
}

#[component]
fn ThresholdsForm(input: ThresholdsInput, is_admin: bool) -> impl IntoView {
    let form = RwSignal::new(input);
    let errors = FormErrors::new();
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let problems = Memo::new(move |_| form.with(|f| f.parse().err().unwrap_or_default()));
    let input = move |field: &'static str,
                      get: fn(&ThresholdsInput) -> &String,
                      set: fn(&mut ThresholdsInput, String)| {
        view! {
            <input
                id=format!("field-{field}")
                inputmode="numeric"
                disabled=!is_admin
                aria-describedby=format!("error-{field}")
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| {
                    form.update(|f| set(f, event_target_value(&ev)));
                    errors.edited(field);
                    saved.set(None);
                }
                on:blur=move |_| errors.touch(field)
            />
            <span class="unit">" %"</span>
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.try_save();
        if !problems.with(Vec::is_empty) {
            return;
        }
        busy.set(true);
        let input = form.get_untracked();
        spawn_local(async move {
            match save_thresholds(input).await {
                Ok(t) => {
                    form.set(t.into());
                    saved.set(Some(
                        "Saved: every status is now worked out with these thresholds.".into(),
                    ));
                }
                Err(e) => errors.refused(e),
            }
            busy.set(false);
        });
    };
    let message = move |field| move || errors.message(field, &problems.get());
    view! {
        <form class="thresholds-form" on:submit=submit novalidate data-testid="thresholds-form">
            <fieldset>
                <legend>"Bookings and won opportunities: chance to reach the target"</legend>
                <Field label="On track from" field="hit_on_track" error=message("hit_on_track")>
                    {input("hit_on_track", |f| &f.hit_on_track, |f, v| f.hit_on_track = v)}
                </Field>
                <Field label="Off track below" field="hit_off_track" error=message("hit_off_track")>
                    {input("hit_off_track", |f| &f.hit_off_track, |f, v| f.hit_off_track = v)}
                </Field>
            </fieldset>
            <fieldset>
                <legend>"Run-rate metrics: projection as a share of the target"</legend>
                <Field label="On track from" field="pace_on_track" error=message("pace_on_track")>
                    {input("pace_on_track", |f| &f.pace_on_track, |f, v| f.pace_on_track = v)}
                </Field>
                <Field label="Off track below" field="pace_off_track" error=message("pace_off_track")>
                    {input("pace_off_track", |f| &f.pace_off_track, |f, v| f.pace_off_track = v)}
                </Field>
            </fieldset>
            <p class="muted small">"Between the two figures a target is at risk."</p>
            {move || errors.general().map(|e| view! { <p class="form-error" role="alert" data-testid="thresholds-error">{e}</p> })}
            {move || saved.get().map(|s| view! { <p class="notice notice-info" role="status" data-testid="thresholds-saved">{s}</p> })}
            {if is_admin {
                Either::Left(view! {
                    <button type="submit" class="button-primary" disabled=move || busy.get() data-testid="save-thresholds">"Save"</button>
                })
            } else {
                Either::Right(view! { <p class="muted small">"Only an admin can change these."</p> })
            }}
        </form>
    }
}

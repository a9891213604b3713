//! Settings (admins): the thresholds that turn a forecast into on track / at risk / off track,
//! and the rule that flags a customer's trend change; (managers and admins) API tokens.

use crate::api::customers::{get_trend_rule, save_trend_rule};
use crate::api::dashboard::{
    get_company_settings, get_thresholds, save_thresholds, SaveCompanySettings,
};
use crate::components::form::{save_action, Field, FormErrors};
use crate::components::problem::LoadError;
use crate::domain::calendar::WEEKDAYS;
use crate::domain::forecast::ThresholdsInput;
use crate::domain::turnover::TrendRuleInput;
use crate::domain::FieldError;
use crate::domain::Role;
use crate::error::AppError;
use crate::providers::auth::use_auth;
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use std::future::Future;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let thresholds = resource(|| (), |()| get_thresholds());
    let trend_rule = resource(|| (), |()| get_trend_rule());
    let auth = use_auth();
    let save_company = ServerAction::<SaveCompanySettings>::new();
    let company = resource(
        move || save_company.version().get(),
        |_| get_company_settings(),
    );
    view! {
        <Title text="Settings" />
        <section class="card" data-testid="company-settings">
            <h1>"Company calendar"</h1>
            <p class="muted">
                "Pace and expected-to-date count working days: the weekdays ticked here, without the public holidays. Quarters, this year and year to date follow the fiscal year."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = auth.user.await.is_ok_and(|u| u.role == Role::Admin);
                    match company.await {
                        Ok(c) => Either::Left(company_form(c, is_admin, save_company)),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h1>"Forecast status"</h1>
            <p class="muted">
                "A target's status comes from its chance to reach the target (bookings, won opportunities) or from its pace: where the run rate ends the period, as a share of the target (turnover, visits, contacts, customers)."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = auth.user.await.is_ok_and(|u| u.role == Role::Admin);
                    match thresholds.await {
                        Ok(t) => Either::Left(thresholds_form(t.into(), is_admin)),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
        // Managers' and admins' sections, behind one wait for who is signed in. The wait sits in
        // a Transition: a Suspend outside one is streamed with a script that carries no CSP nonce
        // (tachys 0.2), which the browser blocks, and the page never hydrates.
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let role = auth.user.await.map(|u| u.role).ok();
                role.filter(|r| *r != Role::Rep).map(|r| {
                    view! {
                        <LearnedForecast is_admin=r == Role::Admin />
                        <super::accuracy::ForecastAccuracy is_admin=r == Role::Admin />
                        <super::tokens::ApiTokens />
                        {(r == Role::Admin).then(|| view! { <super::webhooks::Webhooks /> })}
                    }
                })
            })}
        </Transition>
        <section class="card">
            <h1>"Customer trend changes"</h1>
            <p class="muted">
                "A customer is flagged when its turnover per month over the last 3 complete months differs from the 12 months before by at least its client type's share and this amount."
            </p>
            <p class="muted">
                "Relationship clients are expected to be steady: they buy on the relationship, so a small change already says something and is worth a call. Price clients fluctuate: they follow offers and seasons, so only a larger change flags them. One threshold for both flags every client alike."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = auth.user.await.is_ok_and(|u| u.role == Role::Admin);
                    match trend_rule.await {
                        Ok(r) => Either::Left(trend_form(r.into(), is_admin)),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What the forecast learned from the company's history, stage by stage against the
/// configured probabilities (managers and admins).
#[component]
fn LearnedForecast(is_admin: bool) -> impl IntoView {
    let relearn = ServerAction::<crate::api::dashboard::RelearnCalibration>::new();
    let report = resource(
        move || relearn.version().get(),
        |_| crate::api::dashboard::get_calibration(),
    );
    view! {
        <section class="card" data-testid="calibration">
            <h1>"What the forecast learned"</h1>
            <Show when=move || is_admin>
                <ActionForm action=relearn attr:class="inline-form">
                    <button type="submit" class="button secondary" data-testid="relearn">
                        "Learn again now"
                    </button>
                    <span class="muted">" Pacer learns every morning; after importing history, learn now."</span>
                </ActionForm>
            </Show>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => Either::Left(calibration_view(r)),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
    }
}

fn calibration_view(r: crate::model::calibration::CalibrationReport) -> impl IntoView {
    let per_quarter = format!(
        "{}.{}",
        r.new_per_person_quarter_tenths / 10,
        r.new_per_person_quarter_tenths % 10
    );
    view! {
        <p class="muted">
            {format!(
                "Learned on {} from {} opportunities and every move they made. A chance is how often deals in that stage and situation were won within a month or a quarter; the configured probability counts as {} deals of evidence, so a stage with little history stays close to it. The forecast uses these chances unless the owner set one for the deal.",
                use_locale().date(r.as_of),
                r.deals,
                r.prior_deals,
            )}
        </p>
        <div class="table-scroll" tabindex="0">
            <table class="table" data-testid="calibration-stages">
                <thead>
                    <tr>
                        <th scope="col">"Stage"</th>
                        <th scope="col">"Configured"</th>
                        <th scope="col">"Won within a month"</th>
                        <th scope="col">"…within a quarter"</th>
                        <th scope="col">"…when overdue"</th>
                        <th scope="col">"…when idle"</th>
                        <th scope="col">"Reached it: won / lost"</th>
                    </tr>
                </thead>
                <tbody>
                    {r.stages
                        .into_iter()
                        .map(|s| {
                            let idle = format!("idle: more than {} days in the stage", s.idle_after_days);
                            view! {
                                <tr data-testid="calibration-stage">
                                    <th scope="row">{s.name}</th>
                                    <td>{format!("{} %", s.configured)}</td>
                                    <td>{format!("{} %", s.month)}</td>
                                    <td data-testid="calibration-quarter">{format!("{} %", s.quarter)}</td>
                                    <td>{format!("{} %", s.overdue_quarter)}</td>
                                    <td title=idle>{format!("{} %", s.idle_quarter)}</td>
                                    <td>{format!("{} / {}", s.reached_won, s.reached_lost)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <p class="muted" data-testid="calibration-shared">
            {format!(
                "Whole months moved together by about ± {} % (open deals) and ± {} % (business not yet in the pipeline), so team and company ranges are wider than deal-by-deal chances alone would make them. Each person wins about {per_quarter} deals a quarter that were not in the pipeline, or not due, when it began.",
                r.shared_percent, r.new_shared_percent,
            )}
        </p>
    }
}

/// One input of a settings form: the field it edits and how to read and write it.
struct Input<I> {
    label: &'static str,
    field: &'static str,
    unit: &'static str,
    get: fn(&I) -> &String,
    set: fn(&mut I, String),
}

/// A group of inputs, under a legend when there are several groups.
struct Group<I> {
    legend: Option<&'static str>,
    inputs: Vec<Input<I>>,
}

/// What differs between the settings forms; the form itself is [`SettingsForm`].
struct Settings<I, Fut> {
    /// `data-testid` prefix: `{name}-form`, `save-{name}`, `{name}-saved`, `{name}-error`.
    name: &'static str,
    groups: Vec<Group<I>>,
    inputmode: &'static str,
    note: Option<&'static str>,
    saved: &'static str,
    admins_only: &'static str,
    parse: fn(&I) -> Vec<FieldError>,
    save: fn(I) -> Fut,
}

fn thresholds_form(input: ThresholdsInput, is_admin: bool) -> impl IntoView {
    type Get = fn(&ThresholdsInput) -> &String;
    type Set = fn(&mut ThresholdsInput, String);
    let pct = |label: &'static str, field: &'static str, get: Get, set: Set| Input {
        label,
        field,
        unit: " %",
        get,
        set,
    };
    let settings = Settings {
        name: "thresholds",
        groups: vec![
            Group {
                legend: Some("Bookings and won opportunities: chance to reach the target"),
                inputs: vec![
                    pct(
                        "On track from",
                        "hit_on_track",
                        |f| &f.hit_on_track,
                        |f, v| f.hit_on_track = v,
                    ),
                    pct(
                        "Off track below",
                        "hit_off_track",
                        |f| &f.hit_off_track,
                        |f, v| f.hit_off_track = v,
                    ),
                ],
            },
            Group {
                legend: Some("Run-rate metrics: projection as a share of the target"),
                inputs: vec![
                    pct(
                        "On track from",
                        "pace_on_track",
                        |f| &f.pace_on_track,
                        |f, v| f.pace_on_track = v,
                    ),
                    pct(
                        "Off track below",
                        "pace_off_track",
                        |f| &f.pace_off_track,
                        |f, v| f.pace_off_track = v,
                    ),
                ],
            },
        ],
        inputmode: "numeric",
        note: Some("Between the two figures a target is at risk."),
        saved: "Saved: every status is now worked out with these thresholds.",
        admins_only: "Only an admin can change these.",
        parse: |f| f.parse().err().unwrap_or_default(),
        save: |input| async move { save_thresholds(input).await.map(ThresholdsInput::from) },
    };
    view! { <SettingsForm input is_admin settings /> }
}

fn trend_form(input: TrendRuleInput, is_admin: bool) -> impl IntoView {
    let settings = Settings {
        name: "trend",
        groups: vec![
            Group {
                legend: Some("Least change of the monthly run rate, by client type"),
                inputs: vec![
                    Input {
                        label: "Relationship clients (expected to be steady)",
                        field: "relationship_pct",
                        unit: " %",
                        get: |f: &TrendRuleInput| &f.relationship_pct,
                        set: |f, v| f.relationship_pct = v,
                    },
                    Input {
                        label: "Price clients (fluctuate)",
                        field: "price_pct",
                        unit: " %",
                        get: |f: &TrendRuleInput| &f.price_pct,
                        set: |f, v| f.price_pct = v,
                    },
                ],
            },
            Group {
                legend: Some("Every client"),
                inputs: vec![Input {
                    label: "Least change, per month",
                    field: "min_change_amount",
                    unit: " €",
                    get: |f: &TrendRuleInput| &f.min_change_amount,
                    set: |f, v| f.min_change_amount = v,
                }],
            },
        ],
        inputmode: "decimal",
        note: Some("E.g. 10 % for relationship clients and 25 % for price clients: a relationship client buying 15 % less is flagged, a price client buying 15 % less is not."),
        saved: "Saved: the customers' trend flags now follow this rule.",
        admins_only: "Only an admin can change this.",
        parse: |f| f.parse().err().unwrap_or_default(),
        save: |input| async move { save_trend_rule(input).await.map(TrendRuleInput::from) },
    };
    view! { <SettingsForm input is_admin settings /> }
}

/// A settings form: every field checked as it is typed by the parser the server runs, saved
/// through [`save_action`] (its pending state disables the button), the stored values shown
/// back.
#[component]
fn SettingsForm<I, Fut>(input: I, is_admin: bool, settings: Settings<I, Fut>) -> impl IntoView
where
    I: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<I, AppError>> + Send + 'static,
{
    let Settings {
        name,
        groups,
        inputmode,
        note,
        saved,
        admins_only,
        parse,
        save,
    } = settings;
    let form = RwSignal::new(input);
    let errors = FormErrors::new();
    // Edited since the last save: the "saved" notice is about what the form no longer shows.
    let edited = RwSignal::new(false);
    let problems = Memo::new(move |_| form.with(parse));
    let action = save_action(
        save,
        move |stored: I| form.set(stored),
        move |e| errors.refused(e),
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.try_save();
        if !problems.with(Vec::is_empty) {
            return;
        }
        edited.set(false);
        action.dispatch(form.get_untracked());
    };
    let saving = action.pending();
    let shows_saved = move || action.value().get() == Some(true) && !edited.get();
    let several = groups.len() > 1;
    let groups = groups
        .into_iter()
        .map(|group| {
            let inputs = group
                .inputs
                .into_iter()
                .map(
                    |Input {
                         label,
                         field,
                         unit,
                         get,
                         set,
                     }| {
                        let message = move || errors.message(field, &problems.get());
                        view! {
                            <Field label field error=message>
                                <input
                                    id=format!("field-{field}")
                                    inputmode=inputmode
                                    disabled=!is_admin
                                    aria-describedby=format!("error-{field}")
                                    prop:value=move || form.with(|f| get(f).clone())
                                    on:input=move |ev| {
                                        form.update(|f| set(f, event_target_value(&ev)));
                                        errors.edited(field);
                                        edited.set(true);
                                    }
                                    on:blur=move |_| errors.touch(field)
                                />
                                <span class="unit">{unit}</span>
                            </Field>
                        }
                    },
                )
                .collect_view();
            match group.legend.filter(|_| several) {
                Some(legend) => {
                    Either::Left(view! { <fieldset><legend>{legend}</legend>{inputs}</fieldset> })
                }
                None => Either::Right(inputs),
            }
        })
        .collect_view();
    view! {
        <form method="post" class="thresholds-form" on:submit=submit novalidate data-testid=format!("{name}-form")>
            {groups}
            {note.map(|n| view! { <p class="muted small">{n}</p> })}
            {move || errors.general().map(|e| view! { <p class="form-error" role="alert" data-testid=format!("{name}-error")>{e}</p> })}
            {move || shows_saved().then(|| view! { <p class="notice notice-info" role="status" data-testid=format!("{name}-saved")>{saved}</p> })}
            {if is_admin {
                Either::Left(view! {
                    <button type="submit" class="button-primary" disabled=move || saving.get() data-testid=format!("save-{name}")>"Save"</button>
                })
            } else {
                Either::Right(view! { <p class="muted small">{admins_only}</p> })
            }}
        </form>
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn company_form(
    company: crate::model::company::CompanySettings,
    is_admin: bool,
    save: ServerAction<SaveCompanySettings>,
) -> impl IntoView {
    let refused = move || save.value().get().and_then(Result::err);
    let saved = move || save.value().get().is_some_and(|r| r.is_ok());
    let month = company.calendar.fiscal_start_month();
    let working = company.calendar.working_weekdays();
    view! {
        <ActionForm action=save attr:class="stacked-form" attr:data-testid="company-form">
            <fieldset disabled=!is_admin>
                <label for="fiscal-start">"The fiscal year starts in"</label>
                <select id="fiscal-start" name="fiscal_year_start_month">
                    {MONTHS.iter().enumerate().map(|(i, name)| {
                        let m = i as u32 + 1;
                        view! { <option value=m.to_string() selected=m == month>{*name}</option> }
                    }).collect_view()}
                </select>
                <p>"Working days"</p>
                <div class="weekdays">
                    {WEEKDAYS.iter().enumerate().map(|(i, (_, key, label))| view! {
                        <label><input type="checkbox" name=*key checked=working[i] />" " {*label}</label>
                    }).collect_view()}
                </div>
                <label for="holidays">"Public holidays (one per line: 2026-12-25 Christmas Day)"</label>
                <textarea id="holidays" name="holidays" rows="6">{company.holidays_text()}</textarea>
                <label for="currency">"Default currency"</label>
                <input id="currency" name="currency" value=company.currency.clone() maxlength="3" />
                <label for="locale">"Default locale"</label>
                <input id="locale" name="locale" value=company.locale.clone() />
                {move || refused().map(|e| view! { <p class="form-error" role="alert" data-testid="company-error">{e.to_string()}</p> })}
                {move || saved().then(|| view! { <p class="notice notice-info" role="status">"Saved."</p> })}
                {is_admin.then(|| view! { <button type="submit" class="button-primary">"Save the calendar"</button> })}
            </fieldset>
        </ActionForm>
    }
}

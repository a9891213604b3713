//! Logging the work done at a customer — a call, a meeting, an e-mail, an initial contact —
//! with how it went and the next step with its due day. One form for the customer page, the
//! dashboard and a warning's candidates; the phone keeps its own offline queue.
//!
//! The form makes its client id when it opens and keeps it until the activity is stored, so a
//! second click or a retry after a dropped connection stores it once.

use crate::api::activities::log_activity;
use crate::components::client_id::new_client_id;
use crate::components::date_input::DateInput;
use crate::components::form::{problem_elsewhere, problem_of};
use crate::domain::activity::{ActivityInput, ActivityKind, ActivityOutcome};
use crate::domain::FieldError;
use crate::error::AppError;
use chrono::{Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use leptos::prelude::*;

/// The element id of a form field (the customer page also plans visits: ids must not clash).
fn field_id(field: &str) -> String {
    format!("activity-{}", field.replace('_', "-"))
}

/// The activity as the form holds it, read into what the server stores. `now` is the
/// browser's clock; the day and time are the user's local ones.
#[allow(clippy::too_many_arguments)]
fn read_form(
    client_id: String,
    customer_id: i64,
    kind: &str,
    day: &str,
    time: &str,
    outcome: &str,
    notes: &str,
    next_step: &str,
    next_step_due: &str,
) -> Result<ActivityInput, FieldError> {
    let kind = ActivityKind::parse(kind)
        .ok_or_else(|| FieldError::new("kind", "choose what it was: a call, a meeting, …"))?;
    let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new("occurred_at", "choose the day it happened"))?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M")
        .map_err(|_| FieldError::new("occurred_at", "give the time it happened, e.g. 14:30"))?;
    let occurred_at = Local
        .from_local_datetime(&NaiveDateTime::new(day, time))
        .earliest()
        .ok_or_else(|| {
            FieldError::new(
                "occurred_at",
                "that time does not exist here (clock change)",
            )
        })?
        .with_timezone(&Utc);
    let next_step_due = match next_step_due.trim() {
        "" => None,
        text => Some(
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| FieldError::new("next_step_due", "choose the day it is due"))?,
        ),
    };
    Ok(ActivityInput {
        client_id,
        customer_id,
        kind,
        occurred_at,
        notes: notes.trim().to_string(),
        outcome: ActivityOutcome::parse(outcome),
        next_step: next_step.trim().to_string(),
        next_step_due,
    })
}

#[component]
pub fn LogActivity(
    customer_id: i64,
    /// What the form starts with (a warning's "Log a call": a call).
    #[prop(default = ActivityKind::Call)]
    kind: ActivityKind,
    /// After an activity is stored (the page reloads what it counts toward).
    on_logged: impl Fn() + Send + Sync + Copy + 'static,
    /// The phone's offline queue: the activity is handed to it instead of being sent, and the
    /// queue sends it (once) when Pacer can be reached.
    #[prop(optional)]
    keep: Option<Callback<ActivityInput>>,
) -> impl IntoView {
    let now = Local::now();
    let kind = RwSignal::new(kind.as_str().to_string());
    let day = RwSignal::new(now.format("%Y-%m-%d").to_string());
    let time = RwSignal::new(now.format("%H:%M").to_string());
    let outcome = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let next_step = RwSignal::new(String::new());
    let next_step_due = RwSignal::new(String::new());
    let client_id = StoredValue::new(new_client_id());
    let error = RwSignal::new(None::<AppError>);
    let logged = RwSignal::new(None::<String>);
    let clear = move || {
        client_id.set_value(new_client_id());
        notes.set(String::new());
        outcome.set(String::new());
        next_step.set(String::new());
        next_step_due.set(String::new());
    };
    let save = Action::new(move |input: &ActivityInput| {
        let input = input.clone();
        async move { log_activity(input).await }
    });
    Effect::new(move |_| {
        if let Some(answer) = save.value().get() {
            match answer {
                Ok(saved) => {
                    let what = ActivityKind::parse(&kind.get_untracked())
                        .map_or("Activity", ActivityKind::label);
                    logged.set(Some(if saved.duplicate {
                        format!("{what} was already saved (a connection dropped before the answer): what you changed since was not stored.")
                    } else {
                        format!("{what} logged.")
                    }));
                    clear();
                    on_logged();
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let busy = save.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        logged.set(None);
        let read = read_form(
            client_id.get_value(),
            customer_id,
            &kind.get_untracked(),
            &day.get_untracked(),
            &time.get_untracked(),
            &outcome.get_untracked(),
            &notes.get_untracked(),
            &next_step.get_untracked(),
            &next_step_due.get_untracked(),
        )
        .map_err(|e| vec![e])
        .and_then(|input| input.check(Utc::now()).map(|()| input));
        match (read, keep) {
            (Ok(input), Some(keep)) => {
                let what = input.kind.label();
                keep.run(input);
                logged.set(Some(format!(
                    "{what} saved on this phone: it is sent to Pacer as soon as it can be reached."
                )));
                clear();
                on_logged();
            }
            (Ok(input), None) => {
                save.dispatch(input);
            }
            (Err(errors), _) => error.set(Some(AppError::from(errors))),
        }
    };
    let problem = move |field: &'static str| problem_of(error, field);
    let other_problem = problem_elsewhere(
        error,
        &["kind", "occurred_at", "notes", "next_step", "next_step_due"],
    );
    let field = move |name: &'static str, label: &'static str, control: AnyView| {
        let problem = problem(name);
        view! {
            <div class="field" class:invalid=move || problem().is_some()>
                <label for=field_id(name)>{label}</label>
                {control}
                <p class="field-error" id=format!("{}-error", field_id(name)) data-testid=format!("activity-error-{name}")>{problem}</p>
            </div>
        }
    };
    let described = |name: &str| format!("{}-error", field_id(name));
    view! {
        <form method="post" class="log-activity" on:submit=submit data-testid="log-activity" novalidate>
            {field("kind", "What", view! {
                <select
                    id=field_id("kind")
                    prop:value=move || kind.get()
                    on:change=move |ev| kind.set(event_target_value(&ev))
                >
                    {ActivityKind::LOGGED.into_iter().map(|k| view! {
                        <option value=k.as_str()>{k.label()}</option>
                    }).collect_view()}
                </select>
            }.into_any())}
            {field("occurred_at", "When", view! {
                <span class="when">
                    <DateInput
                        id=field_id("occurred_at")
                        described_by=described("occurred_at")
                        invalid=Signal::derive(move || problem("occurred_at")().is_some())
                        value=day
                        on_input=move |v: String| day.set(v)
                    />
                    <input
                        type="time"
                        aria-label="Time"
                        prop:value=move || time.get()
                        on:input=move |ev| time.set(event_target_value(&ev))
                    />
                </span>
            }.into_any())}
            {field("outcome", "How it went", view! {
                <select
                    id=field_id("outcome")
                    prop:value=move || outcome.get()
                    on:change=move |ev| outcome.set(event_target_value(&ev))
                >
                    <option value="">"—"</option>
                    {ActivityOutcome::ALL.into_iter().map(|o| view! {
                        <option value=o.as_str()>{o.label()}</option>
                    }).collect_view()}
                </select>
            }.into_any())}
            {field("notes", "Notes", view! {
                <textarea
                    id=field_id("notes")
                    rows="2"
                    aria-describedby=described("notes")
                    aria-invalid=move || problem("notes")().is_some().to_string()
                    placeholder="What was said"
                    prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))
                ></textarea>
            }.into_any())}
            {field("next_step", "Next step", view! {
                <input
                    type="text"
                    id=field_id("next_step")
                    aria-describedby=described("next_step")
                    aria-invalid=move || problem("next_step")().is_some().to_string()
                    placeholder="e.g. send the quote"
                    prop:value=move || next_step.get()
                    on:input=move |ev| next_step.set(event_target_value(&ev))
                />
            }.into_any())}
            {field("next_step_due", "Due on", view! {
                <DateInput
                    id=field_id("next_step_due")
                    described_by=described("next_step_due")
                    invalid=Signal::derive(move || problem("next_step_due")().is_some())
                    value=next_step_due
                    on_input=move |v: String| next_step_due.set(v)
                />
            }.into_any())}
            <div class="log-activity-actions">
                <button type="submit" class="button-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Log it" }}
                </button>
                <span class="muted small" role="status" data-testid="activity-logged">{move || logged.get()}</span>
            </div>
            {move || other_problem().map(|e| view! { <p class="form-error" role="alert" data-testid="activity-error">{e}</p> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_into_what_the_server_checks() {
        let read = |due: &str, time: &str| {
            read_form(
                "form-0000-0001".into(),
                7,
                "email",
                "2026-11-30",
                time,
                "follow_up",
                "  sent the offer ",
                "call back",
                due,
            )
        };
        let input = read("2026-12-04", "09:15").unwrap();
        assert_eq!(input.kind, ActivityKind::Email);
        assert_eq!(input.outcome, Some(ActivityOutcome::FollowUp));
        assert_eq!(input.notes, "sent the offer");
        assert_eq!(input.next_step_due, Some("2026-12-04".parse().unwrap()));
        assert_eq!(read("4.12.", "09:15").unwrap_err().field, "next_step_due");
        assert_eq!(read("", "9 Uhr").unwrap_err().field, "occurred_at");
    }
}

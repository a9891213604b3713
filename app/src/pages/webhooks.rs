//! Webhooks (admins, on the settings page): subscribe another system's URL to events, see
//! the secret once, watch each subscription's last answer, pause, resume or delete it.

use crate::api::webhooks::{create_webhook, delete_webhook, list_webhooks, pause_webhook};
use crate::components::form::{save_action, Field, FormErrors};
use crate::components::problem::LoadError;
use crate::components::shown_once::ShownOnce;
use crate::model::webhooks::{CreatedWebhook, WebhookRow, EVENTS};
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn Webhooks() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let hooks = resource(move || refresh.get(), |_| list_webhooks());
    let created = RwSignal::new(None::<CreatedWebhook>);
    view! {
        <section class="card" data-testid="webhooks">
            <h1>"Webhooks"</h1>
            <p class="muted">
                "Pacer tells another system when something happens: it sends each event as JSON to the address you give, in order, signed with the subscription's secret ("
                <code>"Pacer-Signature"</code>
                ", see the "
                <a href="/api/v1/docs" rel="external">"API description"</a>
                "). An event that is not taken is tried again, later and later; after a day of failures the subscription is paused and the admins are told in their morning mail."
            </p>
            <WebhookForm created refresh />
            {move || created.get().map(|w| view! {
                <ShownOnce what="the signing secret" label="The new webhook's signing secret"
                    value=w.secret testid="new-webhook" />
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match hooks.await {
                        Ok(rows) => Either::Left(view! { <WebhookTable rows refresh /> }),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn WebhookForm(created: RwSignal<Option<CreatedWebhook>>, refresh: RwSignal<u32>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(Vec::<&'static str>::new());
    let errors = FormErrors::new();
    let create = save_action(
        |(u, e): (String, String)| create_webhook(u, e),
        move |hook: CreatedWebhook| {
            created.set(Some(hook));
            url.set(String::new());
            events.set(Vec::new());
            refresh.update(|n| *n += 1);
        },
        move |e| errors.refused(e),
    );
    let creating = create.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.try_save();
        create.dispatch((url.get_untracked(), events.get_untracked().join(",")));
    };
    let message = move |field| move || errors.message(field, &[]);
    view! {
        <form method="post" class="token-form" on:submit=submit novalidate data-testid="webhook-form">
            <Field label="Address" field="url" error=message("url")>
                <input id="field-url" type="url" placeholder="https://erp.example.com/pacer-events" maxlength="500"
                    prop:value=move || url.get()
                    on:input=move |ev| { url.set(event_target_value(&ev)); errors.edited("url"); } />
            </Field>
            <fieldset class="checks" aria-describedby="error-events">
                <legend>"Events"</legend>
                {EVENTS.into_iter().map(|(name, meaning)| view! {
                    <label class="check">
                        <input type="checkbox" value=name
                            prop:checked=move || events.get().contains(&name)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                events.update(|e| { e.retain(|x| *x != name); if on { e.push(name); } });
                                errors.edited("events");
                            } />
                        " " <code>{name}</code> ": " {meaning}
                    </label>
                }).collect_view()}
                {move || message("events")().map(|m| view! { <p class="field-error" id="error-events" data-testid="error-events">{m}</p> })}
            </fieldset>
            {move || errors.general().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <button type="submit" class="button-primary" disabled=move || creating.get() data-testid="create-webhook">"Subscribe"</button>
        </form>
    }
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "–".into(),
        |t| format!("{} UTC", use_locale().date_time(t)),
    )
}

#[component]
fn WebhookTable(rows: Vec<WebhookRow>, refresh: RwSignal<u32>) -> impl IntoView {
    if rows.is_empty() {
        return Either::Left(
            view! { <p class="muted" data-testid="no-webhooks">"No webhooks yet."</p> },
        );
    }
    let failed = RwSignal::new(None::<String>);
    let act = Action::new(move |(id, what): &(i64, &'static str)| {
        let (id, what) = (*id, *what);
        async move {
            let done = match what {
                "pause" => pause_webhook(id, true).await,
                "resume" => pause_webhook(id, false).await,
                _ => delete_webhook(id).await,
            };
            match done {
                Ok(()) => refresh.update(|n| *n += 1),
                Err(e) => failed.set(Some(e.to_string())),
            }
        }
    });
    Either::Right(view! {
        <div class="table-scroll" tabindex="0">
            <table class="data" data-testid="webhook-table">
                <thead><tr>
                    <th>"Address"</th><th>"Events"</th><th>"State"</th><th>"Last answer"</th>
                    <th>"Waiting"</th><th></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|w| {
                        let id = w.id;
                        let state = match (&w.paused_at, &w.failing_since) {
                            (Some(_), _) => format!("Paused: {}", w.paused_reason.clone().unwrap_or_default()),
                            (None, Some(since)) => format!("Failing since {}", when(Some(*since))),
                            (None, None) => "Running".to_string(),
                        };
                        let paused = w.paused_at.is_some();
                        view! {
                            <tr data-testid="webhook-row" data-webhook-id=id.to_string()>
                                <td><code>{w.url.clone()}</code></td>
                                <td>{w.events.join(", ")}</td>
                                <td data-testid="webhook-state">{state}</td>
                                <td data-testid="webhook-last-status">{w.last_status.clone().unwrap_or_else(|| "none yet".into())}
                                    <br/><span class="small muted">{when(w.last_attempt_at)}</span></td>
                                <td>{w.pending}</td>
                                <td>
                                    <button type="button" class="button-quiet" data-testid="webhook-pause"
                                        on:click=move |_| { act.dispatch((id, if paused { "resume" } else { "pause" })); }>
                                        {if paused { "Resume" } else { "Pause" }}
                                    </button>
                                    <button type="button" class="button-quiet" data-testid="webhook-delete"
                                        on:click=move |_| { act.dispatch((id, "delete")); }>"Delete"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || failed.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </div>
    })
}

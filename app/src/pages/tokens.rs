//! API tokens (managers and admins, on the settings page): create a named token with a role
//! over part of the organisation, see it once, and revoke it.

use crate::api::tokens::{api_token_choices, create_api_token, list_api_tokens, revoke_api_token};
use crate::components::form::{save_action, Field, FormErrors};
use crate::components::problem::LoadError;
use crate::components::shown_once::ShownOnce;
use crate::domain::Role;
use crate::model::tokens::{CreatedToken, TokenChoices, TokenRow, EXPIRY_CHOICES};
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn ApiTokens() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let tokens = resource(move || refresh.get(), |_| list_api_tokens());
    let choices = resource(|| (), |()| api_token_choices());
    let created = RwSignal::new(None::<CreatedToken>);
    view! {
        <section class="card" data-testid="api-tokens">
            <h1>"API tokens"</h1>
            <p class="muted">
                "A token lets another system (an ERP, a BI tool, a script) use Pacer's "
                <a href="/api/v1/docs" rel="external">"JSON API"</a>
                " and exports with the rights of a role over part of the organisation, exactly as a person with that role there. It is shown once; Pacer keeps only a fingerprint of it."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(c) => Either::Left(view! { <TokenForm choices=c created refresh /> }),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
            {move || created.get().map(|t| view! {
                <ShownOnce what="this token" label="The new API token" value=t.token testid="new-token">
                    <p class="small muted">"Send it as " <code>"Authorization: Bearer …"</code> "."</p>
                </ShownOnce>
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(rows) => Either::Left(view! { <TokenTable rows refresh /> }),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TokenForm(
    choices: TokenChoices,
    created: RwSignal<Option<CreatedToken>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(
        choices
            .roles
            .first()
            .map_or("rep", |r| r.as_str())
            .to_string(),
    );
    let unit = RwSignal::new(
        choices
            .units
            .first()
            .map(|u| u.key.clone())
            .unwrap_or_default(),
    );
    let person = RwSignal::new(String::new());
    let read_only = RwSignal::new(false);
    let expires = RwSignal::new(EXPIRY_CHOICES[0].0.to_string());
    let errors = FormErrors::new();
    type Form = (String, String, Option<i64>, Option<i64>, bool, String);
    let create = save_action(
        |(n, r, u, p, ro, ex): Form| create_api_token(n, r, u, p, ro, Some(ex)),
        move |token: CreatedToken| {
            created.set(Some(token));
            name.set(String::new());
            refresh.update(|n| *n += 1);
        },
        move |e| errors.refused(e),
    );
    let creating = create.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.try_save();
        let id = |text: String| text.parse::<i64>().ok();
        create.dispatch((
            name.get_untracked(),
            role.get_untracked(),
            id(unit.get_untracked()),
            id(person.get_untracked()),
            read_only.get_untracked(),
            expires.get_untracked(),
        ));
    };
    let message = move |field| move || errors.message(field, &[]);
    let units = choices.units.clone();
    let people = choices.people.clone();
    view! {
        <form method="post" class="token-form" on:submit=submit novalidate data-testid="token-form">
            <Field label="Name" field="name" error=message("name")>
                <input id="field-name" placeholder="e.g. ERP nightly sync" maxlength="80"
                    prop:value=move || name.get()
                    on:input=move |ev| { name.set(event_target_value(&ev)); errors.edited("name"); } />
            </Field>
            <Field label="Role" field="role" error=message("role")>
                <select id="field-role" on:change=move |ev| { role.set(event_target_value(&ev)); errors.edited("role"); }>
                    {choices.roles.iter().map(|r| {
                        let value = r.as_str();
                        view! { <option value=value selected=move || role.get() == value>{r.label()}</option> }
                    }).collect_view()}
                </select>
            </Field>
            {move || match role.get().as_str() {
                "manager" => Some(Either::Left({
                    let units = units.clone();
                    view! {
                    <Field label="Sees" field="unit" error=message("unit")>
                        <select id="field-unit" on:change=move |ev| { unit.set(event_target_value(&ev)); errors.edited("unit"); }>
                            {units.iter().map(|u| {
                                let key = u.key.clone();
                                let selected = unit.get_untracked() == key;
                                view! { <option value=key selected=selected>{u.label.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </Field>
                }})),
                "rep" => Some(Either::Right({
                    let people = people.clone();
                    view! {
                    <Field label="Acts as" field="person" error=message("person")>
                        <select id="field-person" on:change=move |ev| { person.set(event_target_value(&ev)); errors.edited("person"); }>
                            <option value="" selected=move || person.get().is_empty()>"Choose a person…"</option>
                            {people.iter().map(|p| {
                                let key = p.key.clone();
                                let selected = person.get_untracked() == key;
                                view! { <option value=key selected=selected>{p.label.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </Field>
                }})),
                _ => None,
            }}
            <Field label="Works for" field="expires" error=message("expires")>
                <select id="field-expires" data-testid="token-expires" on:change=move |ev| { expires.set(event_target_value(&ev)); errors.edited("expires"); }>
                    {EXPIRY_CHOICES.into_iter().map(|(value, label)| view! {
                        <option value=value selected=move || expires.get() == value>{label}</option>
                    }).collect_view()}
                </select>
            </Field>
            <label class="check">
                <input type="checkbox" data-testid="token-read-only"
                    prop:checked=move || read_only.get()
                    on:change=move |ev| read_only.set(event_target_checked(&ev)) />
                " Read only: it may read, never write (for a BI tool or a report)"
            </label>
            {move || errors.general().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <button type="submit" class="button-primary" disabled=move || creating.get() data-testid="create-token">"Create token"</button>
        </form>
    }
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "never".into(),
        |t| format!("{} UTC", use_locale().date_time(t)),
    )
}

/// The tokens a person may see, with their rights, expiry and use, and a revoke button each.
#[component]
pub fn TokenTable(rows: Vec<TokenRow>, refresh: RwSignal<u32>) -> impl IntoView {
    if rows.is_empty() {
        return Either::Left(
            view! { <p class="muted" data-testid="no-tokens">"No tokens yet."</p> },
        );
    }
    let confirming = RwSignal::new(None::<i64>);
    let failed = RwSignal::new(None::<String>);
    let revoking = Action::new(move |id: &i64| {
        let id = *id;
        async move {
            match revoke_api_token(id).await {
                Ok(()) => refresh.update(|n| *n += 1),
                Err(e) => failed.set(Some(e.to_string())),
            }
        }
    });
    Either::Right(view! {
        <div class="table-scroll" tabindex="0">
            <table class="data" data-testid="token-table">
                <thead><tr>
                    <th>"Name"</th><th>"Role"</th><th>"Sees"</th><th>"Token"</th>
                    <th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|t| {
                        let id = t.id;
                        let revoke = move |_| {
                            if confirming.get_untracked() != Some(id) {
                                confirming.set(Some(id));
                                return;
                            }
                            revoking.dispatch(id);
                        };
                        view! {
                            <tr data-testid="token-row" data-token-id=id.to_string()>
                                <td>{t.name.clone()}</td>
                                <td>{t.role.label()}
                                    {t.read_only.then(|| view! { <br/><span class="tag" data-testid="token-read-only-tag">"read only"</span> })}</td>
                                <td>{if t.role == Role::Admin { "Everything".to_string() } else { t.scope.clone() }}
                                    <br/><span class="small muted">{format!("acts as {}", t.acts_as)}</span></td>
                                <td><code>"pacer_…"{t.hint.clone()}</code></td>
                                <td>{when(Some(t.created_at))}<br/><span class="small muted">{format!("by {}", t.created_by)}</span></td>
                                <td data-testid="token-expires-at">{when(t.expires_at)}</td>
                                <td>{when(t.last_used_at)}</td>
                                <td>{match t.revoked_at {
                                    Some(at) => Either::Left(view! { <span class="muted" data-testid="token-revoked">{format!("Revoked {}", when(Some(at)))}</span> }),
                                    None => Either::Right(view! {
                                        <button type="button" class="button-quiet" on:click=revoke data-testid="revoke-token">
                                            {move || if confirming.get() == Some(id) { "Really revoke?" } else { "Revoke" }}
                                        </button>
                                    }),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || failed.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </div>
    })
}

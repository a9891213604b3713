//! The pages a person meets before they are signed in for the first time: the first start's
//! setup (company and first admin), choosing a password from a one-time link, and — signed
//! in — changing one's own password.

use crate::api::auth::{password_link_holder, ChangePassword, SetPassword, Setup};
use crate::components::problem::ErrorNotice;
use crate::error::AppError;
use crate::model::people::LinkPurpose;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A refusal above a form's button.
fn refusal(error: Option<AppError>) -> impl IntoView {
    error.map(|e| {
        view! {
            <p class="form-error" role="alert" data-testid="form-error">{e.to_string()}</p>
        }
    })
}

/// The password fields every password form has, with what a good one is.
#[component]
fn NewPassword() -> impl IntoView {
    view! {
        <label for="password">"New password"</label>
        <input id="password" type="password" name="password" autocomplete="new-password"
            minlength="10" required />
        <p class="small muted">
            "At least 10 characters. A few unrelated words are easy to remember and hard to guess; common passwords are refused."
        </p>
        <label for="confirm">"The same password again"</label>
        <input id="confirm" type="password" name="confirm" autocomplete="new-password" required />
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let setup = ServerAction::<Setup>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Set up Pacer" />
        <main class="login">
            <div class="login-brand">
                <span class="brand-mark" aria-hidden="true">"▲"</span>
                "Pacer"
            </div>
            <p class="login-tagline">"Create your company and its first administrator. This link works once."</p>
            <ActionForm action=setup attr:class="card login-card" attr:data-testid="setup-form">
                <h1>"Set up Pacer"</h1>
                <input type="hidden" name="token" value=token />
                <label for="company">"Company"</label>
                <input id="company" name="company" autocomplete="organization" required />
                <label for="name">"Your name"</label>
                <input id="name" name="name" autocomplete="name" required />
                <label for="email">"Your e-mail address"</label>
                <input id="email" type="email" name="email" autocomplete="username" required />
                <NewPassword />
                {move || refusal(setup.value().get().and_then(Result::err))}
                <button type="submit" class="button-primary" disabled=move || setup.pending().get()>
                    "Create the company"
                </button>
            </ActionForm>
        </main>
    }
}

/// Choosing a password from an invitation or reset link.
#[component]
pub fn PasswordPage() -> impl IntoView {
    let set = ServerAction::<SetPassword>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let holder = resource(token, password_link_holder);
    view! {
        <Title text="Choose your password" />
        <main class="login">
            <div class="login-brand">
                <span class="brand-mark" aria-hidden="true">"▲"</span>
                "Pacer"
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match holder.await {
                        Ok(Some(holder)) => Either::<_, AnyView>::Left(view! {
                            <ActionForm action=set attr:class="card login-card" attr:data-testid="password-form">
                                <h1>{match holder.purpose {
                                    LinkPurpose::Reset => "Choose a new password",
                                    _ => "Welcome to Pacer",
                                }}</h1>
                                <p>{holder.name.clone()} " · " <span data-testid="link-email">{holder.email.clone()}</span></p>
                                <input type="hidden" name="token" value=token />
                                <NewPassword />
                                {move || refusal(set.value().get().and_then(Result::err))}
                                <button type="submit" class="button-primary" disabled=move || set.pending().get()>
                                    "Save the password"
                                </button>
                            </ActionForm>
                        }.into_any()),
                        Ok(None) => Either::Right(view! {
                            <div class="card login-card" role="alert" data-testid="link-gone">
                                <h1>"This link does not work any more"</h1>
                                <p>"It was used already or has expired. Ask your administrator for a new one, or "
                                    <a href="/login">"sign in"</a> "."</p>
                            </div>
                        }.into_any()),
                        Err(e) => Either::Right(view! {
                            <div class="card login-card" role="alert"><p>{e.to_string()}</p></div>
                        }.into_any()),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// Every signed-in person's own account: their password and the daily e-mail.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let done = move || change.value().get().is_some_and(|r| r.is_ok());
    view! {
        <Title text="Your account" />
        <section class="card narrow" data-testid="account">
            <h1>"Your password"</h1>
            <p class="muted">"Changing it signs you out everywhere else."</p>
            <ActionForm action=change attr:class="stacked-form" attr:data-testid="change-password-form">
                <label for="current">"Current password"</label>
                <input id="current" type="password" name="current" autocomplete="current-password" required />
                <NewPassword />
                {move || refusal(change.value().get().and_then(Result::err))}
                {move || done().then(|| view! {
                    <p class="notice notice-info" role="status" data-testid="password-changed">
                        "Your password is changed. Other sessions are signed out."
                    </p>
                })}
                <button type="submit" class="button-primary" disabled=move || change.pending().get()>
                    "Change the password"
                </button>
            </ActionForm>
        </section>
        <DigestMail />
        <LocaleChoice />
        <TokensActingForMe />
    }
}

/// The API tokens that act in this person's name (issue 25): shown when there are any, each
/// revocable here, whoever created it.
#[component]
fn TokensActingForMe() -> impl IntoView {
    use crate::api::tokens::my_api_tokens;
    use crate::pages::tokens::TokenTable;
    let refresh = RwSignal::new(0u32);
    let tokens = resource(move || refresh.get(), |_| my_api_tokens());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(rows) if rows.is_empty() => None,
                    Ok(rows) => Some(leptos::either::Either::Left(view! {
                        <section class="card narrow" data-testid="my-tokens">
                            <h2>"API tokens acting as you"</h2>
                            <p class="muted small">"Other systems use these to read and write in your name. Revoke one you do not know or no longer need."</p>
                            <TokenTable rows refresh />
                        </section>
                    })),
                    Err(e) => Some(leptos::either::Either::Right(view! { <ErrorNotice error=e /> })),
                }
            })}
        </Transition>
    }
}

/// How the person reads numbers, amounts and dates (issue 22). The page reloads with the new
/// choice, so everything on it is written the same way.
#[component]
fn LocaleChoice() -> impl IntoView {
    use crate::api::auth::set_locale;
    use crate::domain::Locale;
    let current = crate::providers::locale::use_locale();
    let error = RwSignal::new(None::<String>);
    let set = Action::new(move |code: &String| {
        let code = code.clone();
        async move {
            match set_locale(code).await {
                Ok(_) => {
                    #[cfg(not(feature = "ssr"))]
                    let _ = window().location().reload();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        }
    });
    view! {
        <section class="card narrow" data-testid="locale">
            <h2>"Numbers and dates"</h2>
            <label for="locale">"Write numbers, amounts and dates as in"</label>
            <select
                id="locale"
                name="locale"
                data-testid="locale-choice"
                disabled=move || set.pending().get()
                on:change=move |ev| { set.dispatch(event_target_value(&ev)); }
            >
                {Locale::ALL.into_iter().map(|l| view! {
                    <option value=l.code() selected={l == current}>{l.label()}</option>
                }).collect_view()}
            </select>
            <p class="muted small">"For the pages, your daily e-mail and the CSV exports. The words stay English."</p>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}

/// The daily digest by e-mail: on unless the person switches it off.
#[component]
fn DigestMail() -> impl IntoView {
    use crate::api::dashboard::{digest_mail, set_digest_mail};
    let stored = resource(|| (), |()| digest_mail());
    let error = RwSignal::new(None::<String>);
    let set = Action::new(move |on: &bool| {
        let on = *on;
        async move {
            match set_digest_mail(on).await {
                Ok(_) => stored.refetch(),
                Err(e) => error.set(Some(e.to_string())),
            }
        }
    });
    view! {
        <section class="card narrow" data-testid="digest-mail">
            <h2>"Daily e-mail"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match stored.await {
                        Ok(on) => view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    data-testid="digest-mail-on"
                                    prop:checked=on
                                    disabled=move || set.pending().get()
                                    on:change=move |ev| { set.dispatch(event_target_checked(&ev)); }
                                />
                                " Each morning, e-mail me what changed since the day before (status changes, new warnings with the customers to act on, next steps due). Days with nothing to report send nothing."
                            </label>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}

/// `/setup` and `/password`, one lazily loaded chunk.
#[component]
pub fn WelcomePages() -> impl IntoView {
    if leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
        .starts_with("/setup")
    {
        view! { <SetupPage /> }.into_any()
    } else {
        view! { <PasswordPage /> }.into_any()
    }
}

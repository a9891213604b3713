use crate::api::auth::Login;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let email = move || query.read().get("email").unwrap_or_default();
    let password_set = move || query.read().get("password_set").is_some();
    let error = move || login.value().get().and_then(Result::err);
    // Signed out (or the session lapsed): the copies of the last user's customers go. Their
    // unsent check-ins stay, to be sent when they sign in again.
    Effect::new(|_| crate::pages::forget_kept_customers());
    view! {
        <Title text="Sign in" />
        <main class="login">
            <div class="login-brand">
                <span class="brand-mark" aria-hidden="true">"▲"</span>
                "Pacer"
            </div>
            <p class="login-tagline">"Agree your targets. See every day whether you are on pace."</p>
            <ActionForm action=login attr:class="card login-card">
                <h1>"Sign in"</h1>
                {move || password_set().then(|| view! {
                    <p class="notice notice-info" role="status" data-testid="password-set">
                        "Your password is saved. Sign in with it."
                    </p>
                })}
                <label for="email">"E-mail"</label>
                <input
                    id="email"
                    type="email"
                    name="email"
                    autocomplete="username"
                    inputmode="email"
                    prop:value=email
                    required
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <input type="hidden" name="next" prop:value=next />
                {move || {
                    error()
                        .map(|e| {
                            view! {
                                <p class="form-error" role="alert" data-testid="login-error">
                                    {e.to_string()}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="button-primary" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </main>
    }
}

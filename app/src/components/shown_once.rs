//! A secret Pacer shows only once (an API token, a webhook's signing secret): a notice that
//! says so, with the value in a read-only field that selects itself for copying.

use leptos::prelude::*;

/// The notice for a just-made secret. `testid` names the notice, `{testid}-value` the field.
#[component]
pub fn ShownOnce(
    /// What to copy, as the heading says it ("this token", "the signing secret").
    what: &'static str,
    /// The field's accessible name.
    label: &'static str,
    value: String,
    testid: &'static str,
    /// How to use it, under the field.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="notice notice-info" role="status" data-testid=testid>
            <p><strong>{format!("Copy {what} now: it will not be shown again.")}</strong></p>
            <input class="token-secret" readonly prop:value=value
                aria-label=label data-testid=format!("{testid}-value")
                on:focus=move |ev| {
                    use wasm_bindgen::JsCast;
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        input.select();
                    }
                } />
            {children.map(|c| c())}
        </div>
    }
}

//! Form building blocks shared by every editor.

use leptos::prelude::*;

/// A labelled form field with its problem underneath, tied together for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    field: &'static str,
    error: impl Fn() -> Option<String> + Send + Sync + Copy + 'static,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:invalid=move || error().is_some() data-field=field>
            <label for=format!("field-{field}")>{label}</label>
            {children()}
            <p class="field-error" id=format!("error-{field}") data-testid=format!("error-{field}")>
                {error}
            </p>
        </div>
    }
}

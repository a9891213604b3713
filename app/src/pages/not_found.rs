use crate::components::problem::NotFound;
use leptos::prelude::*;

/// An address no route knows (HTTP 404).
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main class="page">
            <NotFound />
        </main>
    }
}

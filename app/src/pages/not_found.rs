use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <main class="page">
            <section class="card">
                <h1>"This page does not exist"</h1>
                <p>
                    "The address may be mistyped, or the page has moved. "
                    <a href="/">"Go to your dashboard"</a>
                    "."
                </p>
            </section>
        </main>
    }
}

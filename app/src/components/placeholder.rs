use leptos::prelude::*;

/// Says plainly that a page is not built yet and what it will do, instead of pretending.
#[component]
pub fn Placeholder(
    title: &'static str,
    coming: &'static str,
    #[prop(optional)] detail: &'static str,
) -> impl IntoView {
    view! {
        <section class="placeholder card" data-testid="placeholder">
            <h1>{title}</h1>
            <p class="lead">"Not built yet: " {coming}</p>
            {(!detail.is_empty()).then(|| view! { <p class="muted">{detail}</p> })}
        </section>
    }
}

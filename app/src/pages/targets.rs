use crate::components::placeholder::Placeholder;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TargetsPage() -> impl IntoView {
    view! {
        <Title text="Targets" />
        <Placeholder
            title="Targets"
            coming="drafting SMART targets with inline checks, cascading them from company to rep, and agreeing them."
        />
    }
}

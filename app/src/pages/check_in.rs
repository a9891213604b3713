use crate::components::placeholder::Placeholder;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CheckInPage() -> impl IntoView {
    view! {
        <Title text="Check-in" />
        <Placeholder
            title="Check-in"
            coming="checking in at a customer visit from your phone, with location, notes and offline sync."
        />
    }
}

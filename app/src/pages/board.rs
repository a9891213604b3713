use crate::components::placeholder::Placeholder;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn BoardPage() -> impl IntoView {
    view! {
        <Title text="Board" />
        <Placeholder
            title="Pipeline board"
            coming="the drag-and-drop board of your opportunities by stage, with weighted totals and rotting markers."
            detail="Your pipeline is already loaded; the board that shows it is the next piece of work."
        />
    }
}

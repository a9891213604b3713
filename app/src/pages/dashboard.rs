use crate::providers::auth::use_auth;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                auth.user.await.ok().map(|user| {
                    let first_name = user.name.split_whitespace().next().unwrap_or_default().to_string();
                    view! {
                        <section class="card hero">
                            <h1>"Hello, " {first_name}</h1>
                            <p class="muted">{user.role.label()} " · " {user.unit_name.clone()}</p>
                            <p>
                                "Your dashboard will show your targets, your pace and early warnings. "
                                "Until the targets and forecasts land, start from your "
                                <a href="/customers">"customers"</a>
                                "."
                            </p>
                        </section>
                    }
                })
            })}
        </Transition>
    }
}

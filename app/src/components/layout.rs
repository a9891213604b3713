use crate::providers::auth::{provide_auth, AuthContext};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// The signed-in frame: header with the user and sign-out, navigation (a bottom tab bar on
/// phones, where thumbs reach), and the page.
#[component]
pub fn AppLayout() -> impl IntoView {
    let auth = provide_auth();
    view! {
        <div class="app">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"▲"</span>
                    "Pacer"
                </a>
                <nav class="mainnav" aria-label="Main">
                    <NavLinks />
                </nav>
                <Transition fallback=|| ()>
                    <UserBadge auth />
                </Transition>
            </header>
            <main class="page" id="main">
                <Outlet />
            </main>
            <nav class="tabbar" aria-label="Main (phone)">
                <NavLinks />
            </nav>
        </div>
    }
}

#[component]
fn NavLinks() -> impl IntoView {
    view! {
        <A href="/" exact=true>
            <span class="icon" aria-hidden="true">"⌂"</span>
            <span>"Home"</span>
        </A>
        <A href="/board">
            <span class="icon" aria-hidden="true">"▦"</span>
            <span>"Board"</span>
        </A>
        <A href="/targets">
            <span class="icon" aria-hidden="true">"◎"</span>
            <span>"Targets"</span>
        </A>
        <A href="/customers">
            <span class="icon" aria-hidden="true">"☰"</span>
            <span>"Customers"</span>
        </A>
        <A href="/check-in">
            <span class="icon" aria-hidden="true">"◉"</span>
            <span>"Check-in"</span>
        </A>
    }
}

#[component]
fn UserBadge(auth: AuthContext) -> impl IntoView {
    move || {
        Suspend::new(async move {
            auth.user.await.ok().map(|user| {
                view! {
                    <div class="user" data-testid="signed-in-user">
                        <span class="user-name">{user.name.clone()}</span>
                        <span class="user-role" data-testid="signed-in-role">
                            {user.role.label()}
                            " · "
                            {user.unit_name.clone()}
                        </span>
                        <a class="user-settings small" href="/account" data-testid="account-link">"Password"</a>
                        {(user.role != crate::domain::Role::Rep).then(|| view! {
                            <a class="user-settings small" href="/admin/people" data-testid="people-link">"People"</a>
                            <a class="user-settings small" href="/settings" data-testid="settings-link">"Settings"</a>
                        })}
                        {(user.role == crate::domain::Role::Admin).then(|| view! {
                            <a class="user-settings small" href="/admin/organisation" data-testid="organisation-link">"Organisation"</a>
                        })}
                    </div>
                    <ActionForm action=auth.logout attr:class="logout">
                        <button type="submit" class="button-quiet">"Sign out"</button>
                    </ActionForm>
                }
            })
        })
    }
}

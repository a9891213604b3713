use crate::components::layout::AppLayout;
use crate::pages::{
    BoardPage, CheckInPage, CustomersPage, DashboardPage, EditTargetPage, LoginPage, NewTargetPage,
    NotFoundPage, StagesPage, TargetPage, TargetsPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#14532d" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/pacer.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Pacer".to_string() } else { format!("{page} · Pacer") }
        } />
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("") view=AppLayout>
                    <Route path=path!("") view=DashboardPage />
                    <Route path=path!("board") view=BoardPage />
                    <Route path=path!("board/stages") view=StagesPage />
                    <Route path=path!("targets") view=TargetsPage />
                    <Route path=path!("targets/new") view=NewTargetPage />
                    <Route path=path!("targets/:id") view=TargetPage />
                    <Route path=path!("targets/:id/edit") view=EditTargetPage />
                    <Route path=path!("customers") view=CustomersPage />
                    <Route path=path!("check-in") view=CheckInPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

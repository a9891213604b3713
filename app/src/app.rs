use crate::components::layout::AppLayout;
use crate::pages::{
    BoardPage, CheckInPage, CustomerPage, CustomersPage, DashboardPage, EditTargetPage, ImportPage,
    LoginPage, NewTargetPage, NotFoundPage, SettingsPage, StagesPage, TargetPage, TargetsPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

/// A route whose code is a separate wasm chunk (`cargo leptos build --split`), fetched when the
/// route is first visited: the sign-in page and the dashboard never download the board.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(DashboardRoute, DashboardPage);
lazy_page!(BoardRoute, BoardPage);
lazy_page!(StagesRoute, StagesPage);
lazy_page!(TargetsRoute, TargetsPage);
lazy_page!(NewTargetRoute, NewTargetPage);
lazy_page!(TargetRoute, TargetPage);
lazy_page!(EditTargetRoute, EditTargetPage);
lazy_page!(CustomersRoute, CustomersPage);
lazy_page!(CustomerRoute, CustomerPage);
lazy_page!(ImportRoute, ImportPage);
lazy_page!(CheckInRoute, CheckInPage);
lazy_page!(SettingsRoute, SettingsPage);

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
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} />
                    <Route path=path!("board") view={Lazy::<BoardRoute>::new()} />
                    <Route path=path!("board/stages") view={Lazy::<StagesRoute>::new()} />
                    <Route path=path!("targets") view={Lazy::<TargetsRoute>::new()} />
                    <Route path=path!("targets/new") view={Lazy::<NewTargetRoute>::new()} />
                    <Route path=path!("targets/:id") view={Lazy::<TargetRoute>::new()} />
                    <Route path=path!("targets/:id/edit") view={Lazy::<EditTargetRoute>::new()} />
                    <Route path=path!("customers") view={Lazy::<CustomersRoute>::new()} />
                    <Route path=path!("customers/import") view={Lazy::<ImportRoute>::new()} />
                    <Route path=path!("customers/:id") view={Lazy::<CustomerRoute>::new()} />
                    <Route path=path!("check-in") view={Lazy::<CheckInRoute>::new()} />
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

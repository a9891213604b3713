use crate::components::layout::AppLayout;
use crate::pages::{
    AdminPages, BoardPage, CheckInPage, CustomerPage, CustomersPage, DashboardPage, EditTargetPage,
    ImportPage, LoginPage, NewProspectPage, NewTargetPage, NotFoundPage, SettingsPage, StagesPage,
    TargetPage, TargetsPage, TeamCheckInsPage, WelcomePages,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
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
lazy_page!(NewProspectRoute, NewProspectPage);
lazy_page!(CheckInRoute, CheckInPage);
lazy_page!(TeamCheckInsRoute, TeamCheckInsPage);
lazy_page!(SettingsRoute, SettingsPage);
// The organisation, people and account pages are one chunk, and so are the setup and password
// pages: every split point makes the code the routes share split finer (measured: five more
// split points added 22 KB gzipped to the board's download).
lazy_page!(AdminRoute, AdminPages);
lazy_page!(WelcomeRoute, WelcomePages);

/// Registers the service worker (public/sw.js) and gives the page a way to have what it has
/// loaded kept for offline use: `pacerKeepOffline()` resolves once the worker holds it all.
const SERVICE_WORKER_SCRIPT: &str = r#"
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js?build=' + document.documentElement.dataset.build).catch(function (e) { console.warn('service worker:', e); });
  window.pacerKeepOffline = function () {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve, reject) {
        var files = performance.getEntriesByType('resource').map(function (e) { return e.name; })
          .filter(function (u) { return u.indexOf(location.origin + '/pkg/') === 0; });
        var urls = [location.pathname + location.search, '/favicon.svg', '/manifest.webmanifest'].concat(files);
        var answer = function (event) {
          var data = event.data || {};
          if (data.type !== 'kept' && data.type !== 'keep-failed') return;
          navigator.serviceWorker.removeEventListener('message', answer);
          if (data.type === 'kept') resolve(data.count); else reject(data.message);
        };
        navigator.serviceWorker.addEventListener('message', answer);
        registration.active.postMessage({ type: 'keep', urls: urls });
      });
    });
  };
}
"#;

/// What identifies the deployed browser code (set by the server at start-up from the wasm it
/// serves): the service worker keeps pages and files per build.
pub static BUILD_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// What a Pacer page may load and run: its own files and wasm, inline scripts only with this
/// response's nonce (the service worker's start-up and Leptos's hydration), no frames around
/// it. Style attributes stay allowed: two bars set their width that way, and a style cannot
/// run code. Without a nonce (a JSON answer, a file) no inline script runs at all.
#[cfg(feature = "ssr")]
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; \
         style-src 'self'{inline}; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sends the page's policy with this response's nonce.
#[cfg(feature = "ssr")]
fn send_content_security_policy() {
    use leptos::nonce::use_nonce;
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    if let Ok(value) = axum::http::HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-build=BUILD_ID.get().map_or("dev", String::as_str)>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#14532d" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/favicon.svg" />
                <script nonce=leptos::nonce::use_nonce() inner_html=SERVICE_WORKER_SCRIPT></script>
                <HashedStylesheet options=options.clone() id="leptos" />
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
        <Title formatter=|page: String| {
            if page.is_empty() { "Pacer".to_string() } else { format!("{page} · Pacer") }
        } />
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/setup") view={Lazy::<WelcomeRoute>::new()} />
                <Route path=path!("/password") view={Lazy::<WelcomeRoute>::new()} />
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
                    <Route path=path!("customers/new") view={Lazy::<NewProspectRoute>::new()} />
                    <Route path=path!("customers/:id") view={Lazy::<CustomerRoute>::new()} />
                    <Route path=path!("check-in") view={Lazy::<CheckInRoute>::new()} />
                    <Route path=path!("check-ins") view={Lazy::<TeamCheckInsRoute>::new()} />
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} />
                    <Route path=path!("admin/organisation") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("admin/people") view={Lazy::<AdminRoute>::new()} />
                    <Route path=path!("account") view={Lazy::<AdminRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

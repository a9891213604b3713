use crate::components::layout::AppLayout;
use crate::pages::{
    AdminPages, BoardPage, CheckInPage, CustomerPage, CustomersPage, DashboardPage, EditTargetPage,
    ImportPage, LoginPage, NewProspectPage, NewTargetPage, NotFoundPage, SettingsPage, StagesPage,
    TargetPage, TargetsPage, TeamCheckInsPage, WelcomePages,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, LazyRoute, SsrMode};

/// The pages whose code is fetched together: each group is one split point (`#[lazy]`,
/// `cargo leptos build --split`), downloaded when a page of it is first shown. The build makes
/// one chunk for every set of split points that share code, so the number of groups bounds a
/// page's code requests (issue 21: 16 split points made 594 chunks and pages of 120–330
/// requests; five groups make at most 16 chunks a page). A group holds the pages one person
/// moves between in one sitting; the phone's check-in page and the board stand alone, being
/// the pages used in the field and the heaviest.
#[derive(Clone, Copy)]
enum Daily {
    Dashboard,
    Customers,
    Customer,
    NewProspect,
    Import,
    TeamCheckIns,
}

#[derive(Clone, Copy)]
enum Targets {
    List,
    New,
    One,
    Edit,
}

#[derive(Clone, Copy)]
enum Setup {
    Settings,
    Stages,
    Company,
    Welcome,
}

/// The dashboard, the customers and the team's check-ins: what a rep and a manager open daily.
#[cfg_attr(not(feature = "check-in-only"), lazy)]
fn daily_pages(page: Daily) -> AnyView {
    match page {
        Daily::Dashboard => view! { <DashboardPage /> }.into_any(),
        Daily::Customers => view! { <CustomersPage /> }.into_any(),
        Daily::Customer => view! { <CustomerPage /> }.into_any(),
        Daily::NewProspect => view! { <NewProspectPage /> }.into_any(),
        Daily::Import => view! { <ImportPage /> }.into_any(),
        Daily::TeamCheckIns => view! { <TeamCheckInsPage /> }.into_any(),
    }
}

/// The targets: list, page, drafting and editing.
#[cfg_attr(not(feature = "check-in-only"), lazy)]
fn target_pages(page: Targets) -> AnyView {
    match page {
        Targets::List => view! { <TargetsPage /> }.into_any(),
        Targets::New => view! { <NewTargetPage /> }.into_any(),
        Targets::One => view! { <TargetPage /> }.into_any(),
        Targets::Edit => view! { <EditTargetPage /> }.into_any(),
    }
}

/// Setting the company up: settings, stages, organisation, people, account, and the
/// set-up and password pages.
#[cfg_attr(not(feature = "check-in-only"), lazy)]
fn setup_pages(page: Setup) -> AnyView {
    match page {
        Setup::Settings => view! { <SettingsPage /> }.into_any(),
        Setup::Stages => view! { <StagesPage /> }.into_any(),
        Setup::Company => view! { <AdminPages /> }.into_any(),
        Setup::Welcome => view! { <WelcomePages /> }.into_any(),
    }
}

/// The pipeline board.
#[cfg_attr(not(feature = "check-in-only"), lazy)]
fn board_page() -> AnyView {
    view! { <BoardPage /> }.into_any()
}

/// The phone's check-in page.
#[cfg_attr(not(feature = "check-in-only"), lazy)]
fn check_in_page() -> AnyView {
    view! { <CheckInPage /> }.into_any()
}

/// A route shown by a group's split point: `$load` is the group's function, `$preload` the
/// preloader `#[lazy]` makes beside it (wasm only), which the router awaits before hydrating.
macro_rules! grouped_route {
    ($route:ident, $load:expr, $preload:ident) => {
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_this: Self) -> AnyView {
                #[cfg(not(feature = "check-in-only"))]
                return $load.await;
                // Not a split point in the check-in bundle (which never shows these routes).
                #[cfg(feature = "check-in-only")]
                $load
            }

            async fn preload() {
                #[cfg(all(target_arch = "wasm32", not(feature = "check-in-only")))]
                $preload().await;
            }
        }
    };
}

grouped_route!(
    DashboardRoute,
    daily_pages(Daily::Dashboard),
    __preload_daily_pages
);
grouped_route!(
    CustomersRoute,
    daily_pages(Daily::Customers),
    __preload_daily_pages
);
grouped_route!(
    CustomerRoute,
    daily_pages(Daily::Customer),
    __preload_daily_pages
);
grouped_route!(
    NewProspectRoute,
    daily_pages(Daily::NewProspect),
    __preload_daily_pages
);
grouped_route!(
    ImportRoute,
    daily_pages(Daily::Import),
    __preload_daily_pages
);
grouped_route!(
    TeamCheckInsRoute,
    daily_pages(Daily::TeamCheckIns),
    __preload_daily_pages
);
grouped_route!(
    TargetsRoute,
    target_pages(Targets::List),
    __preload_target_pages
);
grouped_route!(
    NewTargetRoute,
    target_pages(Targets::New),
    __preload_target_pages
);
grouped_route!(
    TargetRoute,
    target_pages(Targets::One),
    __preload_target_pages
);
grouped_route!(
    EditTargetRoute,
    target_pages(Targets::Edit),
    __preload_target_pages
);
grouped_route!(
    SettingsRoute,
    setup_pages(Setup::Settings),
    __preload_setup_pages
);
grouped_route!(
    StagesRoute,
    setup_pages(Setup::Stages),
    __preload_setup_pages
);
grouped_route!(
    AdminRoute,
    setup_pages(Setup::Company),
    __preload_setup_pages
);
grouped_route!(
    WelcomeRoute,
    setup_pages(Setup::Welcome),
    __preload_setup_pages
);
grouped_route!(BoardRoute, board_page(), __preload_board_page);
grouped_route!(CheckInRoute, check_in_page(), __preload_check_in_page);

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

/// The nonce the server's guard drew for this request (a request extension): the guard puts
/// it in the page's Content-Security-Policy itself, so the header never depends on the render
/// passing it back.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct PageNonce(pub std::sync::Arc<str>);

/// Renders the page with the request's [`PageNonce`] (the context the server gives every page
/// render): Leptos's own hydration scripts and ours carry the nonce the policy names.
#[cfg(feature = "ssr")]
pub fn adopt_page_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    match nonce {
        Some(PageNonce(value)) => provide_context(leptos::nonce::Nonce::from_value(value)),
        // Only a render outside the guard gets here: its scripts would carry a nonce no
        // policy names, and the page would stay dead. Said loudly rather than found later.
        None => tracing::error!("a page was rendered without the guard's nonce"),
    }
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Decided once per page, before anything renders: the loader script (head) and the
    // check-in screen's props (body) must agree.
    #[cfg(feature = "ssr")]
    provide_context(PageBundle(
        use_context::<axum::http::request::Parts>()
            .filter(|parts| parts.uri.path() == "/check-in")
            .and_then(|_| CHECK_IN_BUNDLE.get().cloned()),
    ));
    view! {
        <!DOCTYPE html>
        <html lang="en" data-locale=crate::providers::locale::page_locale().code() data-build=BUILD_ID.get().map_or("dev", String::as_str)>
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
                <PageScripts options />
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
    crate::providers::locale::provide_locale();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Pacer".to_string() } else { format!("{page} · Pacer") }
        } />
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/setup") view={Lazy::<WelcomeRoute>::new()} />
                <Route path=path!("/password") view={Lazy::<WelcomeRoute>::new()} />
                // A page about one customer or target waits for its data before answering, so a
                // hidden or unknown one is answered 404 (issue 22); streamed, the status would
                // already be sent.
                <ParentRoute path=path!("") view=AppLayout>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} />
                    <Route path=path!("board") view={Lazy::<BoardRoute>::new()} />
                    <Route path=path!("board/stages") view={Lazy::<StagesRoute>::new()} />
                    <Route path=path!("targets") view={Lazy::<TargetsRoute>::new()} />
                    <Route path=path!("targets/new") view={Lazy::<NewTargetRoute>::new()} />
                    <Route path=path!("targets/:id") view={Lazy::<TargetRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("targets/:id/edit") view={Lazy::<EditTargetRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("customers") view={Lazy::<CustomersRoute>::new()} />
                    <Route path=path!("customers/import") view={Lazy::<ImportRoute>::new()} />
                    <Route path=path!("customers/new") view={Lazy::<NewProspectRoute>::new()} />
                    <Route path=path!("customers/:id") view={Lazy::<CustomerRoute>::new()} ssr=SsrMode::Async />
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

/// The scripts that bring the page to life: Leptos's, loading the whole app's wasm, except on
/// the check-in page, which loads its own small bundle when the build made one
/// ([`CHECK_IN_BUNDLE`]): that page works as the server drew it, and the bundle then replaces
/// its check-in screen with a live one (`pages::check_in::start_on_its_own`).
#[component]
fn PageScripts(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(PageBundle(Some(bundle))) = use_context::<PageBundle>() {
        return leptos::either::Either::Left(bundle.scripts(&options.site_pkg_dir));
    }
    #[cfg(feature = "ssr")]
    return leptos::either::Either::Right(view! { <HydrationScripts options /> });
    #[cfg(not(feature = "ssr"))]
    view! { <HydrationScripts options /> }
}

/// The bundle this page loads instead of the whole app, if any (a context of the page's
/// render, set by [`shell`]).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct PageBundle(pub Option<CheckInBundle>);

/// Whether this page is brought to life by the check-in page's own bundle (which reads the
/// screen's props from the page); false in the browser and on every other page.
pub fn on_check_in_bundle() -> bool {
    #[cfg(feature = "ssr")]
    return matches!(use_context::<PageBundle>(), Some(PageBundle(Some(_))));
    #[cfg(not(feature = "ssr"))]
    false
}

/// The file names of the check-in page's own bundle (`check-in.HASH.js` and `.wasm`).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq)]
pub struct CheckInBundle {
    pub js: String,
    pub wasm: String,
}

/// The check-in page's own bundle, if the build made one: set by the server at start-up from
/// the hash file its build writes beside the binary (`server::files::check_in_bundle`), as
/// [`BUILD_ID`] is. Unset, /check-in loads the whole app like every other page.
#[cfg(feature = "ssr")]
pub static CHECK_IN_BUNDLE: std::sync::OnceLock<CheckInBundle> = std::sync::OnceLock::new();

#[cfg(feature = "ssr")]
impl CheckInBundle {
    /// Like Leptos's `HydrationScripts`, for this bundle: the files asked for early, then
    /// loaded and started by a module script with the page's nonce.
    fn scripts(&self, pkg: &str) -> impl IntoView {
        let nonce = leptos::nonce::use_nonce();
        let js = format!("/{pkg}/{}", self.js);
        let wasm = format!("/{pkg}/{}", self.wasm);
        let start = format!(
            "import({js:?}).then(mod => mod.default({{module_or_path: {wasm:?}}}).then(() => mod.start()));"
        );
        view! {
            <link rel="modulepreload" href=js crossorigin="anonymous" />
            <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous" />
            <script type="module" nonce=nonce>{start}</script>
        }
    }
}

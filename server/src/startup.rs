use crate::configuration::Settings;
use crate::demo;
use crate::session_store::DbSessionStore;
use crate::sign_in::require_sign_in;
use app::app::adopt_page_nonce;
use app::db::{ConnectError, Db};
use app::state::AppState;
use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] ConnectError),
    #[error("cannot prepare the session store: {0}")]
    Sessions(sqlx::Error),
    #[error("cannot prepare the first start's setup link: {0}")]
    Setup(String),
    #[error("the browser code cannot be served: {0}")]
    Files(String),
    #[error("cannot load the demo company: {0}")]
    Demo(#[from] demo::DemoError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    port: u16,
    db: Db,
    sign_in_db: Db,
    demo: Option<demo::DemoSummary>,
    setup_link: Option<app::model::people::IssuedLink>,
}

impl Application {
    /// Connects and migrates the database, loads the demo company into an empty one (when
    /// enabled), and binds the listener — port 0 picks a free port, as the tests do.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        crate::files::check_hash_file(&settings.leptos_options).map_err(StartupError::Files)?;
        let db = Db::connect(&settings.database_url).await?;
        let demo = if settings.load_demo {
            demo::load_if_empty(&db, chrono::Local::now().date_naive()).await?
        } else {
            None
        };
        // A real installation's first start: one link, printed below, creates the company
        // and its first admin. Nobody can sign in before that.
        let setup_link = app::service::setup::link(&db, chrono::Utc::now())
            .await
            .map_err(|e| StartupError::Setup(e.to_string()))?;
        let sign_in_db = db.connect_sign_in().await?;
        let sessions = DbSessionStore::new(&sign_in_db)
            .await
            .map_err(StartupError::Sessions)?;
        crate::snapshots::spawn_daily(db.clone());
        crate::webhooks::spawn(db.clone(), settings.webhooks);
        let _ = app::BUILD_ID.set(crate::files::build_id(&settings.leptos_options));
        if let Some(bundle) = crate::files::check_in_bundle(&settings.leptos_options) {
            let _ = app::app::CHECK_IN_BUNDLE.set(bundle);
        }
        let addr = settings.leptos_options.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr, source })?
            .port();
        // Mail — the daily digest, password links — when an SMTP server is named (else the
        // digest stays in the app and the admin passes links on). Links in mail start with
        // Pacer's public address, which falls back to the port just bound.
        let outbox = crate::mail::Outbox {
            link_base: if settings.mailer.is_some() {
                settings.link_base(port)
            } else {
                String::new()
            },
            mailer: settings.mailer.clone(),
        };
        if let Some(mailer) = &outbox.mailer {
            crate::digest::spawn_daily(
                db.clone(),
                mailer.clone(),
                settings.digest,
                outbox.link_base.clone(),
            );
        }
        let router = router(&settings, db.clone(), sign_in_db.clone(), sessions, outbox);
        Ok(Application {
            listener,
            router,
            port,
            db,
            sign_in_db,
            demo,
            setup_link,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Where signing in writes ([`Db::connect_sign_in`]).
    pub fn sign_in_db(&self) -> &Db {
        &self.sign_in_db
    }

    /// The first start's setup link (path and query), when nobody is set up yet.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_ref().map(|l| l.path.as_str())
    }

    /// The lines a person starting Pacer needs: where it is and how to sign in.
    pub fn print_welcome(&self) {
        println!(
            "Pacer is running at http://127.0.0.1:{} ({} database)",
            self.port,
            self.db.backend()
        );
        if let Some(link) = &self.setup_link {
            println!(
                "Nobody is set up yet. Open this link once to create the company and its first \
                 administrator (or run `server create-admin`):\n  http://127.0.0.1:{}{}",
                self.port, link.path
            );
            return;
        }
        match &self.demo {
            Some(summary) => println!("{summary}"),
            None => println!(
                "Demo sign-ins (when the demo company is loaded): {}",
                demo::logins_hint()
            ),
        }
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        self.sign_in_db.close().await;
        self.db.close().await;
        Ok(())
    }
}

fn router(
    settings: &Settings,
    db: Db,
    sign_in_db: Db,
    sessions: DbSessionStore,
    outbox: crate::mail::Outbox,
) -> Router {
    let leptos_options = settings.leptos_options.clone();
    let state = AppState {
        leptos_options: leptos_options.clone(),
        db,
        sign_in_db,
        outbox,
    };
    let routes = generate_route_list(App);

    // Old sign-in failures are pruned hourly, as expired sessions are.
    let prune_db = state.sign_in_db.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(tokio::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            match app::service::sessions::prune_failures(&prune_db, chrono::Utc::now()).await {
                Ok(n) if n > 0 => tracing::info!(pruned = n, "old sign-in failures pruned"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning sign-in failures failed"),
            }
        }
    });
    // Expired sessions are removed hourly; the task ends with the process.
    tokio::spawn(
        tower_sessions::session_store::ExpiredDeletion::continuously_delete_expired(
            sessions.clone(),
            tokio::time::Duration::from_secs(3600),
        ),
    );
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("pacer_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookie)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            app::auth::IDLE_SECS,
        )));

    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", crate::api_v1::router(settings.max_body_bytes))
        .route("/api/export/customers.csv", get(crate::export::customers))
        .route("/api/export/check-ins.csv", get(crate::export::check_ins))
        .route(
            "/api/export/opportunities.csv",
            get(crate::export::opportunities),
        )
        .route("/api/export/targets.csv", get(crate::export::targets))
        .route(
            "/api/import/{kind}",
            post(crate::import::upload)
                .layer(DefaultBodyLimit::max(crate::import::MAX_UPLOAD_BYTES)),
        )
        .nest("/pkg", crate::files::pkg(&leptos_options))
        .leptos_routes_with_context(&state, routes, adopt_page_nonce, move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(adopt_page_nonce, shell))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(early_form_reloads_the_page))
        .layer(middleware::from_fn_with_state(
            settings.max_body_bytes,
            refuse_large_bodies,
        ))
        .layer(middleware::from_fn_with_state(
            crate::sign_in::Gate::new(state.clone(), settings.api_rate),
            require_sign_in,
        ))
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(
            crate::guard::OwnOrigin {
                trust_forwarded: settings.trust_forwarded,
            },
            crate::guard::refuse_cross_site,
        ))
        .layer(middleware::from_fn_with_state(
            settings.trust_forwarded,
            client_address,
        ))
        .layer(middleware::from_fn_with_state(
            settings.secure_cookie,
            crate::guard::security_headers,
        ))
        // Pages and board data compress well (Brotli at quality 4 for browsers that take it,
        // else gzip; the wasm and JS come precompressed from the build and pass through); a
        // moved card's few hundred bytes of JSON are not worth the CPU (BENCHMARKS.md).
        // The import's progress stream is not compressed: a compressor holds lines back.
        .layer(
            CompressionLayer::new().compress_when(SizeAbove::new(1024).and(
                NotForContentType::const_new(crate::import::PROGRESS_CONTENT_TYPE),
            )),
        )
        .with_state(state)
}

/// Puts where the request comes from on it ([`app::model::auth::ClientAddress`]): the
/// connection's address, or the last `X-Forwarded-For` entry when the proxy is trusted.
async fn client_address(
    axum::extract::State(trust_forwarded): axum::extract::State<bool>,
    mut request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let forwarded = trust_forwarded
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok());
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let address = forwarded
        .or(peer)
        .map_or_else(|| "unknown".to_string(), client_key);
    request
        .extensions_mut()
        .insert(app::model::auth::ClientAddress(address));
    next.run(request).await
}

/// An address as the sign-in throttle counts it: IPv4 as it is, IPv6 by its /64 (one host
/// commonly holds a whole /64, and would otherwise be a new client for every guess).
fn client_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Refuses a request whose declared body is over the limit before anything reads it: 413 with
/// the error body the API uses. The CSV import has its own, larger limit.
async fn refuse_large_bodies(
    axum::extract::State(max): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let limit = if request.uri().path().starts_with("/api/import/") {
        crate::import::MAX_UPLOAD_BYTES
    } else {
        max
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(length) if length > limit => too_large(format!(
            "The request body is {length} bytes; the limit is {limit} bytes."
        )),
        // Most requests (every GET) have no body: nothing to watch.
        _ if http_body::Body::is_end_stream(request.body()) => next.run(request).await,
        _ => {
            // A body without a length (chunked) is cut off at the limit as it is read, and
            // whoever reads it fails: answered 413 here, whatever they made of it.
            let (parts, body) = request.into_parts();
            let limited = axum::body::Body::new(http_body_util::Limited::new(body, limit));
            let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let watched = axum::body::Body::new(CutWatch {
                inner: limited,
                cut: cut.clone(),
            });
            let response = next
                .run(axum::extract::Request::from_parts(parts, watched))
                .await;
            if cut.load(std::sync::atomic::Ordering::Relaxed) {
                too_large(format!(
                    "The request body is over the limit of {limit} bytes."
                ))
            } else {
                response
            }
        }
    }
}

fn too_large(message: String) -> axum::response::Response {
    crate::api_error::response(axum::http::StatusCode::PAYLOAD_TOO_LARGE, message, None)
}

/// A body that notes when the limit cut it off.
struct CutWatch {
    inner: axum::body::Body,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl http_body::Body for CutWatch {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Err(e))) = &polled {
            let over = std::error::Error::source(e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit exceeded");
            if over {
                self.cut.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A server function that fails before its body runs (its arguments cannot be read) is
/// answered 500 by the framework. The error it carries knows its status: a bad request is a
/// 400, never a 500.
async fn server_fn_error_status(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A page's forms are sent by its wasm. Sent before the wasm runs, the browser posts the form
/// to the page's own address, which takes only GET (405). That answer becomes a redirect back
/// to the page (303), so the person sees it again, now ready, instead of an error; the forms
/// say POST so that nothing typed lands in an address, a history or a log.
async fn early_form_reloads_the_page(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::http::{Method, StatusCode};
    use axum::response::{IntoResponse, Redirect};
    let page = (request.method() == Method::POST)
        .then(|| {
            request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
        })
        .flatten();
    let response = next.run(request).await;
    match page {
        // Only a path on this site (never `//host`, which a browser reads as another site; a
        // request's URI cannot hold the backslash of `/\host`).
        Some(page)
            if response.status() == StatusCode::METHOD_NOT_ALLOWED
                && page.starts_with('/')
                && !page.starts_with("//")
                && !page.starts_with("/api/") =>
        {
            Redirect::to(&page).into_response()
        }
        _ => response,
    }
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unreachable",
            )
        }
    }
}

/// `server seed-demo`: loads the demo company into an empty database, or says why not.
pub async fn seed_demo(database_url: &str) -> Result<demo::DemoSummary, StartupError> {
    let db = Db::connect(database_url).await?;
    let result = demo::load_into_empty(&db, chrono::Local::now().date_naive()).await;
    db.close().await;
    Ok(result?)
}

/// `server backup FILE`: a consistent copy of the live SQLite database, taken while Pacer
/// runs; says how large it is and how long it took.
pub async fn backup(database_url: &str, file: &std::path::Path) -> Result<String, String> {
    let started = std::time::Instant::now();
    Db::backup_url(database_url, file)
        .await
        .map_err(|e| e.to_string())?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "Backed up to {} ({:.1} MB in {:.1} s). Restore: stop Pacer, put this file where \
         DATABASE_URL points (removing its -wal and -shm files), start Pacer.",
        file.display(),
        bytes as f64 / 1_000_000.0,
        started.elapsed().as_secs_f64()
    ))
}

/// `server snapshot`: takes the daily snapshot of `day` (default today) now.
pub async fn snapshot(
    database_url: &str,
    day: Option<chrono::NaiveDate>,
) -> Result<String, String> {
    let db = Db::connect(database_url).await.map_err(|e| e.to_string())?;
    let day = day.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let now = chrono::Utc::now();
    let result = app::service::snapshots::take(&db, day, now.date_naive(), now).await;
    db.close().await;
    let n = result.map_err(|e| format!("the snapshot of {day} failed: {e}"))?;
    Ok(format!("Snapshot of {day}: {n} active targets stored."))
}

/// `server import KIND FILE [--verbose]`: imports a CSV file, printing progress to stderr; the
/// report (or every bad line) is the result. Refused files are an error, so the exit code tells
/// scripts. The new customers a sales file created are named up to 20 (`verbose`: all).
pub async fn import(
    database_url: &str,
    kind: &str,
    file: &std::path::Path,
    verbose: bool,
) -> Result<String, String> {
    use app::model::imports::{ImportKind, ImportProgress, LISTED_NEW_CUSTOMERS};
    let kind = ImportKind::parse(kind)
        .ok_or_else(|| format!("cannot import \"{kind}\": write customers, sales or people"))?;
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let db = Db::connect(database_url).await.map_err(|e| e.to_string())?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            match p {
                ImportProgress::Checking { done } => eprint!("\rchecked {done} lines   "),
                ImportProgress::Storing { done, total } => {
                    eprint!("\rstored {done} of {total} lines   ")
                }
                _ => {}
            }
        }
        eprintln!();
    });
    let result = app::service::imports::run(
        &db,
        &app::model::imports::Importer::command_line(),
        kind,
        bytes,
        tx,
    )
    .await;
    let _ = printer.await;
    db.close().await;
    let report = result.map_err(|e| format!("the import failed and stored nothing: {e}"))?;
    let mut out = vec![report.summary(kind)];
    out.extend(report.notes.iter().cloned());
    if let Some(text) = report.new_customers_text(verbose) {
        let listed = if verbose || report.new_customers.len() <= LISTED_NEW_CUSTOMERS {
            String::new()
        } else {
            " (all of them with --verbose)".to_string()
        };
        out.push(format!("New customers{listed}: {text}"));
    }
    for invitation in &report.invitations {
        out.push(format!(
            "  {} <{}>: {}",
            invitation.name, invitation.email, invitation.path
        ));
    }
    out.extend(report.errors.iter().map(|e| format!("  {e}")));
    if report.more_errors > 0 {
        out.push(format!("  … and {} more", report.more_errors));
    }
    if report.stored {
        Ok(out.join("\n"))
    } else {
        Err(out.join("\n"))
    }
}

/// `server api-token`: a token acting as the user `email`, with their role over their unit.
pub async fn api_token(database_url: &str, email: &str, name: &str) -> Result<String, String> {
    let db = Db::connect(database_url).await.map_err(|e| e.to_string())?;
    let result = app::service::tokens::create_for(&db, email, name, chrono::Utc::now())
        .await
        .map(|created| created.token);
    db.close().await;
    result
}

/// `server create-admin`: the company and its first admin, in an empty database only.
pub async fn create_admin(
    database_url: &str,
    form: &app::service::setup::FirstAdmin,
) -> Result<String, String> {
    let db = Db::connect(database_url).await.map_err(|e| e.to_string())?;
    let result = app::service::setup::complete(&db, None, form, chrono::Utc::now()).await;
    db.close().await;
    result.map_err(|e| app::error::AppError::from(e).to_string())?;
    Ok(format!(
        "{} is set up with {} as its administrator. Start Pacer and sign in.",
        form.company.trim(),
        form.email.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::client_key;

    /// Only a path on this site is sent back to: an address the browser would read as another
    /// host (`//host`), or the API's, keeps its 405.
    #[tokio::test]
    async fn an_early_form_is_sent_back_only_to_a_page_of_this_site() {
        use axum::http::{Request, StatusCode};
        use tower::ServiceExt;
        let app = axum::Router::new()
            .fallback(|| async { StatusCode::METHOD_NOT_ALLOWED })
            .layer(axum::middleware::from_fn(
                super::early_form_reloads_the_page,
            ));
        let post = |uri: &str| Request::post(uri).body(axum::body::Body::empty()).unwrap();
        let back = app
            .clone()
            .oneshot(post("/customers/new?from=x"))
            .await
            .unwrap();
        assert_eq!(back.status(), StatusCode::SEE_OTHER);
        assert_eq!(back.headers()["location"], "/customers/new?from=x");
        for elsewhere in ["//evil.example/x", "/api/export/customers.csv"] {
            let kept = app.clone().oneshot(post(elsewhere)).await.unwrap();
            assert_eq!(kept.status(), StatusCode::METHOD_NOT_ALLOWED, "{elsewhere}");
        }
        let get = Request::get("/customers/new")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(
            app.oneshot(get).await.unwrap().status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(
            client_key("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
    }
}

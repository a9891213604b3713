use app::db::{sql, Db};
use app::domain::{OrgUnitKind, Role};
use app::error::AppError;
use app::model::auth::SessionUser;
use app::repo::seed::{
    SeedCompany, SeedCustomer, SeedIds, SeedOpportunity, SeedStageChange, SeedUnit, SeedUser,
};
use app::service::sessions::hash_password;
use chrono::{Duration, Utc};
use leptos::config::LeptosOptions;
use reqwest::{redirect::Policy, Client, Response, StatusCode};
use server::configuration::Settings;
use server::startup::Application;
use std::sync::LazyLock;

/// Generates a `sqlite` and a `postgres` test for an `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PASSWORD: &str = "correct horse battery staple";

/// The URL of a fresh, empty database of `backend`. Postgres comes from the throwaway cluster
/// `make test` starts (`PACER_TEST_POSTGRES_URL`); without it the test fails rather than
/// silently testing less.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/pacer.db", dir.path().display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("PACER_TEST_POSTGRES_URL").expect(
                "PACER_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts a \
                 throwaway Postgres cluster, or point it at a server where databases may be created",
            );
            let name = format!("pacer_test_{}", uuid::Uuid::new_v4().simple());
            create_postgres_database(&admin_url, &name).await;
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            (format!("{base}/{name}"), None)
        }
    }
}

async fn create_postgres_database(admin_url: &str, name: &str) {
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
        .expect("connect to the test Postgres cluster");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("pacer")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr("127.0.0.1:0".parse::<std::net::SocketAddr>().expect("addr"))
        .build()
}

/// The settings the tests start Pacer with (no demo company).
pub fn test_settings(database_url: String, leptos_options: LeptosOptions) -> Settings {
    Settings {
        database_url,
        leptos_options,
        load_demo: false,
        secure_cookie: false,
        max_body_bytes: server::configuration::DEFAULT_MAX_BODY_BYTES,
        api_rate: server::configuration::DEFAULT_API_RATE,
        webhooks: Default::default(),
        // Tests pose as several clients by the header.
        trust_forwarded: true,
        digest: Default::default(),
        public_url: None,
        // Nothing is mailed unless a test names its SMTP sink.
        mailer: None,
    }
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    /// Where signing in writes: a file of its own on SQLite, `db` on Postgres.
    pub sign_in_db: Db,
    /// The database's URL, for what opens it apart from the server (the backup command).
    pub url: String,
    /// The first start's setup link (path and query), when the database was empty.
    pub setup_link: Option<String>,
    pub client: Client,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// The real application on a free port with a fresh, empty database (no demo company).
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, false).await
    }

    pub async fn spawn_with(backend: Backend, load_demo: bool) -> TestApp {
        Self::spawn_configured(backend, load_demo, |_| {}).await
    }

    /// The real application with settings changed by `configure` (limits, rates).
    pub async fn spawn_configured(
        backend: Backend,
        load_demo: bool,
        configure: impl FnOnce(&mut Settings),
    ) -> TestApp {
        server::telemetry::init();
        let (database_url, dir) = fresh_database(backend).await;
        let mut settings = test_settings(database_url.clone(), leptos_options());
        settings.load_demo = load_demo;
        configure(&mut settings);
        let app = Application::build(settings)
            .await
            .expect("application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        let sign_in_db = app.sign_in_db().clone();
        let setup_link = app.setup_link().map(str::to_string);
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            db,
            sign_in_db,
            url: database_url,
            setup_link,
            client: new_client(),
            _dir: dir,
        }
    }

    /// Another browser: its own cookie jar.
    pub fn new_session(&self) -> Client {
        new_client()
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// Calls a server function the way the hydrated app does (form-encoded POST).
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(format!("{}/api/{endpoint}", self.address))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Saves through `endpoint` the nested form `input` (see [`input_form`]) of an existing
    /// record (`id`, `version`) or a new one, with `extra` fields beside it.
    pub async fn save_form(
        &self,
        client: &Client,
        endpoint: &str,
        existing: Option<(i64, i64)>,
        input: &[(String, String)],
        extra: &[(&str, &str)],
    ) -> Response {
        let mut form: Vec<(String, String)> = input.to_vec();
        if let Some((id, version)) = existing {
            form.push(("id".into(), id.to_string()));
            form.push(("version".into(), version.to_string()));
        }
        form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.call(client, endpoint, &pairs).await
    }

    /// Signs in from the client address `from` (the test server trusts `X-Forwarded-For`).
    pub async fn login_from(&self, client: &Client, from: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(format!("{}/api/login", self.address))
            .header("x-forwarded-for", from)
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.call(client, "login", &[("email", email), ("password", password)])
            .await
    }

    /// Signs in and returns the signed-in user as the server sees them.
    pub async fn login_ok(&self, client: &Client, email: &str) -> SessionUser {
        let response = self.login(client, email, PASSWORD).await;
        assert!(
            response.status().is_success(),
            "sign-in of {email}: {}",
            response.status()
        );
        let me = self.call(client, "current_user", &[]).await;
        assert_eq!(me.status(), StatusCode::OK);
        me.json().await.expect("current user JSON")
    }
}

pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// A server function's nested `input` argument as the app posts it: `input[field]=value`.
/// A client signed in as `email` with the fixture password.
pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = app.new_session();
    app.login_ok(&client, email).await;
    client
}

/// The board as `client` sees it with `params`.
pub async fn board(
    app: &TestApp,
    client: &reqwest::Client,
    params: &[(&str, &str)],
) -> app::model::pipeline::Board {
    let response = app.call(client, "board", params).await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.json().await.expect("board JSON")
}

pub fn input_form<'a>(
    fields: impl IntoIterator<Item = (&'a str, String)>,
) -> Vec<(String, String)> {
    fields
        .into_iter()
        .map(|(k, v)| (format!("input[{k}]"), v))
        .collect()
}

/// `form` with `input[key]` set to `value`.
pub fn with(mut form: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    let key = format!("input[{key}]");
    form.iter_mut().find(|(k, _)| *k == key).expect("field").1 = value.to_string();
    form
}

/// The body of a failed server function call, as the app decodes it.
pub async fn app_error(response: Response) -> AppError {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an AppError ({e}): {text}"))
}

static PASSWORD_HASH: LazyLock<String> = LazyLock::new(|| hash_password(PASSWORD).expect("hash"));

/// A small company: company → BU North (team N1) and BU South (team S1); an admin, a manager
/// per BU, two reps in N1 and one in S1; three customers per rep and one with no owner.
pub struct Fixture {
    pub ids: SeedIds,
}

pub const ADMIN: &str = "admin@example.test";
pub const MANAGER_NORTH: &str = "manager.north@example.test";
pub const MANAGER_SOUTH: &str = "manager.south@example.test";
pub const REP_N1: &str = "rep.n1@example.test";
pub const REP_N2: &str = "rep.n2@example.test";
pub const REP_S1: &str = "rep.s1@example.test";

/// Indexes into the fixture's users.
pub const REP_N1_INDEX: usize = 3;
pub const REP_N2_INDEX: usize = 4;
pub const REP_S1_INDEX: usize = 5;

/// Indexes into the default stages.
pub const LEAD: usize = 0;
pub const QUALIFIED: usize = 1;
pub const PROPOSAL: usize = 2;
pub const NEGOTIATION: usize = 3;
pub const WON: usize = 4;
pub const LOST: usize = 5;

impl Fixture {
    pub async fn load(db: &Db) -> Fixture {
        let unit = |parent, name: &str, kind| SeedUnit {
            parent,
            name: name.into(),
            kind,
        };
        let user = |unit, email: &str, role| SeedUser {
            unit,
            email: email.into(),
            name: email
                .split('@')
                .next()
                .unwrap_or_default()
                .replace('.', " "),
            role,
            password_hash: PASSWORD_HASH.clone(),
        };
        let mut company = SeedCompany {
            units: vec![
                unit(None, "Example Ltd", OrgUnitKind::Company),
                unit(Some(0), "North", OrgUnitKind::BusinessUnit),
                unit(Some(0), "South", OrgUnitKind::BusinessUnit),
                unit(Some(1), "N1", OrgUnitKind::Team),
                unit(Some(2), "S1", OrgUnitKind::Team),
            ],
            users: vec![
                user(0, ADMIN, Role::Admin),
                user(1, MANAGER_NORTH, Role::Manager),
                user(2, MANAGER_SOUTH, Role::Manager),
                user(3, REP_N1, Role::Rep),
                user(3, REP_N2, Role::Rep),
                user(4, REP_S1, Role::Rep),
            ],
            ..SeedCompany::default()
        };
        for owner in [3, 4, 5] {
            for n in 0..3 {
                company
                    .customers
                    .push(customer(Some(owner), &format!("Customer {owner}-{n}")));
            }
        }
        company.customers.push(customer(None, "Unowned prospect"));
        company.stages = server::demo::default_stages();
        // Two open opportunities per rep, one in Proposal and one in Qualified, each with the
        // history that led there.
        let created = Utc::now() - Duration::days(10);
        for owner in [3, 4, 5] {
            for (n, stage) in [(0, PROPOSAL), (1, QUALIFIED)] {
                let changes = (0..=stage)
                    .map(|to| SeedStageChange {
                        from: to.checked_sub(1),
                        to,
                        at: created + Duration::days(i64::try_from(to).unwrap()),
                    })
                    .collect();
                company.opportunities.push(SeedOpportunity {
                    title: format!("Deal {owner}-{n}"),
                    customer: (owner - 3) * 3 + n,
                    owner,
                    value_minor: 1_000_000 * (i64::try_from(n).unwrap() + 1),
                    expected_close_on: Utc::now().date_naive() + Duration::days(30),
                    stage,
                    probability: None,
                    lost_reason: None,
                    closed_on: None,
                    created_at: created,
                    changes,
                });
            }
        }
        let ids = app::repo::seed::insert(db, &company)
            .await
            .expect("fixture inserts");
        Fixture { ids }
    }

    /// The database id of the `n`-th customer (0-based) of user `owner` (index into users).
    pub fn customer_id(&self, owner: usize, n: usize) -> i64 {
        self.ids.customers[(owner - 3) * 3 + n]
    }

    /// The database id of opportunity `n` (0: in Proposal, 1: in Qualified) of user `owner`.
    pub fn opportunity_id(&self, owner: usize, n: usize) -> i64 {
        self.ids.opportunities[(owner - 3) * 2 + n]
    }

    /// The database id of a default stage (`LEAD`…`LOST`).
    pub fn stage_id(&self, stage: usize) -> i64 {
        self.ids.stages[stage]
    }
}

fn customer(owner: Option<usize>, name: &str) -> SeedCustomer {
    SeedCustomer {
        external_ref: name.replace(' ', "-"),
        name: name.into(),
        owner,
        segment: "relationship",
        city: None,
        lat: None,
        lon: None,
        first_contact_on: None,
    }
}

/// Stores a bookings target (or another `metric`) running from 10 days ago to 60 days ahead:
/// the fixture's opportunities all close 30 days from now.
pub async fn target(
    app: &TestApp,
    fx: &Fixture,
    assignee: (&str, i64),
    metric: &str,
    euros: i64,
    status: &str,
) -> i64 {
    let today = Utc::now().date_naive();
    let now = Utc::now();
    let admin = fx.ids.users[0];
    let insert = format!(
        "INSERT INTO targets (statement, metric, value_hundredths, currency, starts_on, ends_on, {}, \
         kind, rationale, status, created_by, created_at, updated_by, updated_at) \
         VALUES ($1, $2, $3, 'EUR', $4, $5, $6, 'strategic', 'test', $7, $8, $9, $8, $9) RETURNING id",
        assignee.0
    );
    let (id,): (i64,) = sql(insert)
        .bind(format!("Book € {euros}"))
        .bind(metric)
        .bind(euros * 100)
        .bind(today - Duration::days(10))
        .bind(today + Duration::days(60))
        .bind(assignee.1)
        .bind(status)
        .bind(admin)
        .bind(now)
        .fetch_one(&app.db)
        .await
        .expect("target");
    id
}

/// The real server binary in a process of its own (its memory, caches and tasks its own): on
/// an empty database of `backend` with one admin created by `server create-admin`, or on a
/// database another one uses.
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    pub async fn start(backend: Backend) -> ServerProcess {
        let (url, dir) = fresh_database(backend).await;
        let created = server_command(
            &url,
            &[
                "create-admin",
                "--company",
                "Flood Ltd",
                "--name",
                "Owner",
                "--email",
                ADMIN,
            ],
        )
        .output()
        .expect("server create-admin runs");
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stderr)
        );
        let mut server = Self::on(&url).await;
        server._dir = dir;
        server
    }

    /// Another server process on the database at `url` (migrated by the first one started).
    pub async fn on(url: &str) -> ServerProcess {
        Self::on_with(url, &[]).await
    }

    /// A server process on `url` with more environment (mail settings, say).
    pub async fn on_with(url: &str, env: &[(&str, String)]) -> ServerProcess {
        use std::io::BufRead;
        let mut command = server_command(url, &[]);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().expect("stdout");
        let address = tokio::task::spawn_blocking(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let address = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|l| {
                    l.strip_prefix("Pacer is running at ")
                        .and_then(|rest| rest.split_whitespace().next())
                        .map(str::to_string)
                })
                .expect("the server prints its address");
            // Keep draining, so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            address
        })
        .await
        .unwrap();
        ServerProcess {
            child,
            address,
            _dir: None,
        }
    }

    pub fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .expect("the server's RSS")
    }

    pub async fn login(&self, from: &str, email: &str, password: &str) -> StatusCode {
        reqwest::Client::new()
            .post(format!("{}/api/login", self.address))
            .header("x-forwarded-for", from)
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("request")
            .status()
    }
}

/// A new browser (its own cookie jar) signed in as `email` at the server at `address`; the
/// jar's cookie works on any server on the same host, as behind a load balancer.
pub async fn signed_in_at(address: &str, email: &str) -> Client {
    let client = new_client();
    let response = client
        .post(format!("{address}/api/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK, "sign-in of {email}");
    client
}

/// The release server binary, set up as the tests run it, on the database at `url`.
fn server_command(url: &str, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    c.args(args)
        .env("DATABASE_URL", url)
        .env("PACER_DEMO", "off")
        .env("PACER_TRUST_FORWARDED", "on")
        .env("PACER_ADMIN_PASSWORD", PASSWORD)
        .env("LEPTOS_OUTPUT_NAME", "pacer")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "error");
    c
}

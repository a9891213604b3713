use clap::{Parser, Subcommand};
use server::configuration::Settings;
use server::startup::{self, Application};
use std::process::ExitCode;

/// Pacer: agree sales targets and see every day whether you are on pace.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Pacer (the default). Loads the demo company into an empty database unless
    /// PACER_DEMO=off.
    Serve,
    /// Load the demo company into the (empty) database named by DATABASE_URL, then exit.
    SeedDemo,
    /// Add OPPORTUNITIES made-up opportunities (mostly open) over the company's reps and
    /// customers in the database named by DATABASE_URL: the company-scale board the tests and
    /// `make bench` measure (issue 21). Refused unless everyone in the database is the demo's.
    SeedScale {
        #[arg(long, default_value_t = 50_000)]
        opportunities: usize,
    },
    /// Take the daily snapshot of every active target now (the server takes it by itself
    /// each day); running it again for the same day replaces that day's snapshot.
    Snapshot {
        /// The day to take it for, YYYY-MM-DD (default: today). A past day is computed from
        /// what the database records up to that day.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// Import a CSV file of customers (customer_ref, name, segment; optional owner_email,
    /// lat, lon), sales (customer_ref, date, amount; optional currency, reference) or people
    /// (email, name, role, unit; optional manager_email — each gets a link to choose their
    /// password, printed). All lines or none: a file with a bad line stores nothing and lists
    /// every problem.
    Import {
        /// What the file holds.
        #[arg(value_parser = ["customers", "sales", "people"])]
        kind: String,
        /// The CSV file (UTF-8, comma or semicolon separated).
        file: std::path::PathBuf,
        /// Name every new customer a sales file created, not only the first 20.
        #[arg(long)]
        verbose: bool,
    },
    /// Copy the live SQLite database named by DATABASE_URL to FILE, consistently, while
    /// Pacer runs (PostgreSQL: use pg_dump, see the README).
    Backup {
        /// The new file to write (refused if it exists).
        file: std::path::PathBuf,
    },
    /// Create the company and its first administrator in an empty database, asking for the
    /// password (or reading PACER_ADMIN_PASSWORD). Refused once anyone is set up: further
    /// people are added by an administrator in Pacer.
    CreateAdmin {
        /// The company's name, the root of the organisation.
        #[arg(long)]
        company: String,
        /// The administrator's name.
        #[arg(long)]
        name: String,
        /// The administrator's e-mail address: their sign-in.
        #[arg(long)]
        email: String,
    },
    /// Show one person's daily digest for a day (what changed since the day before, their
    /// next steps due), and mail it when PACER_SMTP_URL is set.
    Digest {
        /// The day, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// The person's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Create an API token that acts as the user with this e-mail address, with their role
    /// over their part of the organisation, and print it (it is shown only this once).
    /// Tokens with another role or scope are made on the settings page.
    ApiToken {
        /// The user the token acts as.
        #[arg(long)]
        email: String,
        /// What the token is for, as the settings page lists it.
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    server::telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::SeedDemo => seed_demo().await,
        Command::SeedScale { opportunities } => seed_scale(opportunities).await,
        Command::Snapshot { date } => snapshot(date).await,
        Command::Import {
            kind,
            file,
            verbose,
        } => import(&kind, &file, verbose).await,
        Command::Backup { file } => backup(&file).await,
        Command::Digest { date, email } => digest(date, &email).await,
        Command::ApiToken { email, name } => api_token(&email, &name).await,
        Command::CreateAdmin {
            company,
            name,
            email,
        } => create_admin(company, name, email).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pacer: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    app.print_welcome();
    app.run_until_stopped()
        .await
        .map_err(|e| format!("server stopped: {e}"))
}

async fn seed_demo() -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let summary = startup::seed_demo(&settings.database_url)
        .await
        .map_err(|e| e.to_string())?;
    println!("{summary}");
    Ok(())
}

async fn seed_scale(opportunities: usize) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let db = app::db::Db::connect(&settings.database_url)
        .await
        .map_err(|e| e.to_string())?;
    // Made-up deals belong in the demo company only, never in a real company's database.
    let (real,): (i64,) =
        app::db::sql("SELECT COUNT(*) FROM users WHERE email NOT LIKE '%@pacer.demo'")
            .fetch_one(&db)
            .await
            .map_err(|e| e.to_string())?;
    if real > 0 {
        return Err(
            "seed-scale adds made-up opportunities to the demo company only; this database has people outside it"
                .into(),
        );
    }
    let today = chrono::Utc::now().date_naive();
    app::repo::seed::scale(&db, opportunities, today)
        .await
        .map_err(|e| e.to_string())?;
    println!("Added {opportunities} opportunities.");
    Ok(())
}

async fn snapshot(date: Option<chrono::NaiveDate>) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let summary = startup::snapshot(&settings.database_url, date).await?;
    println!("{summary}");
    Ok(())
}

async fn digest(date: Option<chrono::NaiveDate>, email: &str) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let mailer = settings.mailer.clone();
    let db = app::db::Db::connect(&settings.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let address = app::domain::Email::parse(email).map_err(|e| format!("--email: {e}"))?;
    let (id, _, _) = app::repo::users::find_credentials(&db, &address)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("nobody active signs in as {email}"))?;
    let (user, _) = app::repo::users::find_session_user(&db, id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("nobody active signs in as {email}"))?;
    let now = chrono::Utc::now();
    let day = date.unwrap_or_else(|| now.date_naive());
    let base = settings.link_base(settings.leptos_options.site_addr.port());
    let digest = app::service::digest::build(&db, &user, day, now)
        .await
        .map_err(|e| app::error::AppError::from(e).to_string())?;
    let mail = digest.mail(&base);
    println!("Subject: {}\n\n{}", mail.subject, mail.text);
    match mailer {
        Some(mailer) => {
            mailer.send(&user.name, &user.email, mail).await?;
            println!("Mailed to {}.", user.email);
        }
        None => println!("(PACER_SMTP_URL is not set: nothing was mailed.)"),
    }
    Ok(())
}

async fn backup(file: &std::path::Path) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    println!("{}", startup::backup(&settings.database_url, file).await?);
    Ok(())
}

async fn import(kind: &str, file: &std::path::Path, verbose: bool) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let summary = startup::import(&settings.database_url, kind, file, verbose).await?;
    println!("{summary}");
    Ok(())
}

async fn api_token(email: &str, name: &str) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let token = startup::api_token(&settings.database_url, email, name).await?;
    println!("{token}");
    Ok(())
}

async fn create_admin(company: String, name: String, email: String) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let (password, confirm) = match std::env::var("PACER_ADMIN_PASSWORD") {
        Ok(password) => (password.clone(), password),
        Err(_) => {
            let password = rpassword::prompt_password("Password for the administrator: ")
                .map_err(|e| format!("cannot read the password: {e}"))?;
            let confirm = rpassword::prompt_password("The same password again: ")
                .map_err(|e| format!("cannot read the password: {e}"))?;
            (password, confirm)
        }
    };
    let form = app::service::setup::FirstAdmin {
        company,
        name,
        email,
        password,
        confirm,
    };
    let summary = startup::create_admin(&settings.database_url, &form).await?;
    println!("{summary}");
    Ok(())
}

//! Load generator for signing in under attack (issue 17's performance target): the real
//! server binary in its own process (so its memory is its own), on a fresh SQLite database
//! with the demo company. For `--seconds`, `--rightful` people sign in again and again, each
//! from their own address, while `--attack-rate` attempts a second for random addresses
//! arrive — from one address (`--attack-from one`) or each from a different one
//! (`--attack-from many`, a botnet). Reports the rightful sign-ins' latency (p50, p95, max)
//! and how many were refused, what the attempts were answered, and the server's RSS.
//!
//! ```text
//! cargo build --release -p server --bin server --example sign_in_load
//! target/release/examples/sign_in_load --server target/release/server --attack-from one
//! ```

use clap::Parser;
use reqwest::{Client, StatusCode};
use std::io::BufRead;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The server binary to start.
    #[arg(long, default_value = "target/release/server")]
    server: String,
    /// People signing in at the same time, again and again.
    #[arg(long, default_value_t = 10)]
    rightful: usize,
    /// Attempts a second for random addresses.
    #[arg(long, default_value_t = 200)]
    attack_rate: u64,
    /// Where the attempts come from: `one` address or `many`.
    #[arg(long, default_value = "one")]
    attack_from: String,
    #[arg(long, default_value_t = 20)]
    seconds: u64,
}

/// The demo people who sign in (all have the password `pacer-demo`).
const PEOPLE: [&str; 10] = [
    "sabine.krueger@pacer.demo",
    "thomas.becker@pacer.demo",
    "julia.hoffmann@pacer.demo",
    "markus.weber@pacer.demo",
    "lena.schulz@pacer.demo",
    "jonas.meyer@pacer.demo",
    "katrin.vogel@pacer.demo",
    "florian.huber@pacer.demo",
    "miriam.bauer@pacer.demo",
    "stefan.gruber@pacer.demo",
];

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn login(
    client: &Client,
    address: &str,
    from: &str,
    email: &str,
    password: &str,
) -> StatusCode {
    client
        .post(format!("{address}/api/login"))
        .header("x-forwarded-for", from)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .map(|r| r.status())
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = std::process::Command::new(&args.server)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/load.db", dir.path().display()),
        )
        .env("PACER_DEMO", "on")
        .env("PACER_TRUST_FORWARDED", "on")
        .env("LEPTOS_OUTPUT_NAME", "pacer")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the server starts");
    let pid = child.id();
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
        std::thread::spawn(move || lines.for_each(drop));
        address
    })
    .await
    .unwrap();
    let client = Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    // Each person on their own device (cookies kept), signed in once before: Pacer knows the
    // device, and the password worker's memory is in place before measuring.
    let devices: Vec<Client> = (0..args.rightful)
        .map(|_| {
            Client::builder()
                .cookie_store(true)
                .build()
                .expect("client")
        })
        .collect();
    for (i, email) in PEOPLE.iter().enumerate().take(args.rightful) {
        let from = format!("198.51.100.{i}");
        login(&devices[i], &address, &from, email, "pacer-demo").await;
    }
    let rss_start = rss_kib(pid);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let peak = Arc::new(AtomicU64::new(rss_start));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            while Instant::now() < deadline {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let attack = {
        let (client, address, many) = (client.clone(), address.clone(), args.attack_from == "many");
        let every = Duration::from_secs_f64(1.0 / args.attack_rate.max(1) as f64);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            let mut sent = Vec::new();
            let mut n: u64 = 0;
            while Instant::now() < deadline {
                ticker.tick().await;
                n += 1;
                let from = if many {
                    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
                } else {
                    "203.0.113.66".to_string()
                };
                let (client, address) = (client.clone(), address.clone());
                sent.push(tokio::spawn(async move {
                    let email = format!("random{n}@attack.example");
                    login(&client, &address, &from, &email, "letmein").await
                }));
            }
            let mut statuses: std::collections::BTreeMap<u16, u64> = Default::default();
            for s in sent {
                if let Ok(status) = s.await {
                    *statuses.entry(status.as_u16()).or_default() += 1;
                }
            }
            statuses
        })
    };
    let people: Vec<_> = PEOPLE
        .iter()
        .take(args.rightful)
        .enumerate()
        .map(|(i, email)| {
            let (client, address) = (devices[i].clone(), address.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut refused = 0u64;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let status = login(
                        &client,
                        &address,
                        &format!("198.51.100.{i}"),
                        email,
                        "pacer-demo",
                    )
                    .await;
                    if status.is_success() {
                        times.push(started.elapsed());
                    } else {
                        refused += 1;
                    }
                }
                (times, refused)
            })
        })
        .collect();
    let mut times = Vec::new();
    let mut refused = 0;
    for p in people {
        let (t, r) = p.await.unwrap();
        times.extend(t);
        refused += r;
    }
    let statuses = attack.await.unwrap();
    let _ = sampler.await;
    let rss_end = rss_kib(pid);
    times.sort();
    println!(
        "sign-in under attack: {} rightful people, {} attempts/s for random addresses from {} address(es), {} s",
        args.rightful,
        args.attack_rate,
        args.attack_from,
        args.seconds
    );
    println!(
        "  rightful sign-ins: {} ok, {} refused; p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        times.len(),
        refused,
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.95).as_secs_f64() * 1000.0,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    println!("  attack answered: {statuses:?} (401 = password checked, 429 = refused)");
    println!(
        "  server RSS: {} MiB before, {} MiB peak, {} MiB after",
        rss_start / 1024,
        peak.load(Ordering::Relaxed).max(rss_end) / 1024,
        rss_end / 1024
    );
    let _ = child.kill();
    let _ = child.wait();
}

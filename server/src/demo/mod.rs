//! The demo company: generated deterministically from a fixed seed and the day it is loaded,
//! so the same day always gives the same company. It should look like a real distributor's
//! sales organisation, not like test data.

use app::db::Db;
use app::domain::{OrgUnitKind, Role};
use app::repo::seed::{
    SeedActivity, SeedCheckIn, SeedCompany, SeedCustomer, SeedOpportunity, SeedSale, SeedStage,
    SeedStageChange, SeedUnit, SeedUser,
};
use app::repo::{self, RepoError};
use app::service::sessions::hash_password;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, Utc, Weekday};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::fmt;

mod targets;

pub const SEED: u64 = 20_261_123;
/// Days of snapshots the demo starts with, computed from its own records up to each day.
pub const HISTORY_DAYS: i64 = 14;
pub const DEMO_PASSWORD: &str = "pacer-demo";
pub const DEMO_ADMIN: &str = "sabine.krueger@pacer.demo";
pub const DEMO_MANAGER: &str = "julia.hoffmann@pacer.demo";
pub const DEMO_REP: &str = "lena.schulz@pacer.demo";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already has {0} users; the demo company is only loaded into an empty database")]
    NotEmpty(i64),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Snapshot(#[from] app::service::Error),
    #[error("cannot hash the demo password: {0}")]
    Hash(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: usize,
    pub users: usize,
    pub customers: usize,
    pub sales: usize,
    pub opportunities: usize,
    pub activities: usize,
    pub check_ins: usize,
    pub targets: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Loaded the demo company: {} org units, {} users, {} customers, {} sales, {} opportunities, {} activities, {} check-ins, {} targets.",
            self.units, self.users, self.customers, self.sales, self.opportunities, self.activities, self.check_ins, self.targets
        )?;
        write!(f, "Demo sign-ins: {}", logins_hint())
    }
}

pub fn logins_hint() -> String {
    format!(
        "admin {DEMO_ADMIN}, manager {DEMO_MANAGER}, rep {DEMO_REP} — password \"{DEMO_PASSWORD}\" for every demo user"
    )
}

/// Loads the demo company when nobody can sign in yet; `None` when there was data already.
pub async fn load_if_empty(db: &Db, today: NaiveDate) -> Result<Option<DemoSummary>, DemoError> {
    match load_into_empty(db, today).await {
        Ok(summary) => Ok(Some(summary)),
        Err(DemoError::NotEmpty(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn load_into_empty(db: &Db, today: NaiveDate) -> Result<DemoSummary, DemoError> {
    let users = repo::users::count(db).await?;
    if users > 0 {
        return Err(DemoError::NotEmpty(users));
    }
    let password_hash = hash_password(DEMO_PASSWORD).map_err(|e| DemoError::Hash(e.to_string()))?;
    let company = generate(today, &password_hash);
    repo::seed::insert(db, &company).await?;
    // Two weeks of daily snapshots, so status histories and the first digest have a past.
    let now = Utc::now();
    for back in (1..=HISTORY_DAYS).rev() {
        app::service::snapshots::take(db, today - Duration::days(back), today, now).await?;
    }
    Ok(summarise(&company))
}

pub fn summarise(company: &SeedCompany) -> DemoSummary {
    DemoSummary {
        units: company.units.len(),
        users: company.users.len(),
        customers: company.customers.len(),
        sales: company.sales.len(),
        opportunities: company.opportunities.len(),
        activities: company.activities.len(),
        check_ins: company.check_ins.len(),
        targets: company.targets.len(),
    }
}

struct TeamPlan {
    name: &'static str,
    unit: usize,
    reps: [&'static str; 3],
    cities: [(&'static str, f64, f64); 5],
}

const TEAMS: [TeamPlan; 4] = [
    TeamPlan {
        name: "Industry North",
        unit: 1,
        reps: ["Lena Schulz", "Jonas Meyer", "Katrin Vogel"],
        cities: [
            ("Hamburg", 53.5511, 9.9937),
            ("Bremen", 53.0793, 8.8017),
            ("Kiel", 54.3233, 10.1228),
            ("Lübeck", 53.8655, 10.6866),
            ("Hannover", 52.3759, 9.7320),
        ],
    },
    TeamPlan {
        name: "Industry South",
        unit: 1,
        reps: ["Florian Huber", "Miriam Bauer", "Stefan Gruber"],
        cities: [
            ("München", 48.1351, 11.5820),
            ("Augsburg", 48.3705, 10.8978),
            ("Regensburg", 49.0134, 12.1016),
            ("Ingolstadt", 48.7665, 11.4258),
            ("Rosenheim", 47.8571, 12.1181),
        ],
    },
    TeamPlan {
        name: "Trade West",
        unit: 2,
        reps: ["Tobias Klein", "Nadine Wolf", "Daniel Schröder"],
        cities: [
            ("Köln", 50.9375, 6.9603),
            ("Düsseldorf", 51.2277, 6.7735),
            ("Bonn", 50.7374, 7.0982),
            ("Aachen", 50.7753, 6.0839),
            ("Essen", 51.4556, 7.0116),
        ],
    },
    TeamPlan {
        name: "Trade East",
        unit: 2,
        reps: ["Anja Neumann", "Sebastian Lange", "Claudia Krause"],
        cities: [
            ("Berlin", 52.5200, 13.4050),
            ("Potsdam", 52.3906, 13.0645),
            ("Leipzig", 51.3397, 12.3731),
            ("Dresden", 51.0504, 13.7373),
            ("Cottbus", 51.7563, 14.3329),
        ],
    },
];

const SURNAMES: [&str; 32] = [
    "Hansen", "Brandt", "Kaiser", "Lorenz", "Albrecht", "Seidel", "Franke", "Busch", "Engel",
    "Sommer", "Winter", "Haas", "Graf", "Peters", "Dietrich", "Kuhn", "Roth", "Jung", "Vogt",
    "Otto", "Stein", "Berger", "Fuchs", "Arnold", "Pohl", "Ziegler", "Wendt", "Böhm", "Marx",
    "Lindner", "Herrmann", "Kern",
];
const PLACES: [&str; 16] = [
    "Elbe", "Nordsee", "Alpen", "Rhein", "Spree", "Main", "Weser", "Isar", "Havel", "Ruhr",
    "Mosel", "Donau", "Harz", "Eifel", "Taunus", "Ostsee",
];
const TRADES: [&str; 24] = [
    "Metallbau",
    "Feinmechanik",
    "Maschinenbau",
    "Logistik",
    "Werkzeugbau",
    "Elektrotechnik",
    "Haustechnik",
    "Kunststofftechnik",
    "Fahrzeugbau",
    "Anlagenbau",
    "Stahlhandel",
    "Baubedarf",
    "Präzisionsteile",
    "Industrieservice",
    "Automation",
    "Holzbearbeitung",
    "Verpackung",
    "Lebensmitteltechnik",
    "Klimatechnik",
    "Landtechnik",
    "Medizintechnik",
    "Druckerei",
    "Gießerei",
    "Oberflächentechnik",
];
const LEGAL_FORMS: [&str; 5] = ["GmbH", "GmbH & Co. KG", "AG", "KG", "e.K."];

const OPPORTUNITY_TITLES: [&str; 16] = [
    "Annual supply contract",
    "Consumables framework",
    "Machine tools upgrade",
    "Safety equipment rollout",
    "Service agreement renewal",
    "Spare parts stock",
    "Workshop fit-out",
    "Pilot order: fastening systems",
    "Compressed air system",
    "Cutting tools programme",
    "Warehouse racking",
    "Welding equipment",
    "Measuring instruments",
    "Lubricants contract",
    "Hydraulics retrofit",
    "PPE framework agreement",
];
const LOST_REASONS: [&str; 5] = [
    "Price: competitor 12 % cheaper",
    "Budget frozen until next year",
    "Chose incumbent supplier",
    "Delivery time too long",
    "Project cancelled by customer",
];
const VISIT_NOTES: [&str; 6] = [
    "Walked the shop floor with the production lead; interest in consumables bundle.",
    "Quarterly review with purchasing. Volumes steady, asked for updated price list.",
    "Demo of the new cutting tools; follow-up with samples next week.",
    "Met the new plant manager; relationship reset, invite to open day.",
    "Complaint about late delivery discussed and settled.",
    "Checked stock levels, agreed on consignment stock trial.",
];
const CALL_NOTES: [&str; 4] = [
    "Order follow-up call.",
    "Called about the open proposal; decision expected end of month.",
    "Reminded about framework renewal.",
    "Clarified delivery dates.",
];

/// Monthly demand multipliers, January to December: a strong spring and autumn, a quiet
/// summer and December.
const SEASON: [f64; 12] = [
    0.85, 0.92, 1.08, 1.06, 1.04, 0.97, 0.80, 0.74, 1.07, 1.16, 1.18, 0.93,
];

/// Generates the demo company as of `today`. Pure: the same day and hash give the same company.
pub fn generate(today: NaiveDate, password_hash: &str) -> SeedCompany {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut company = SeedCompany::default();

    company.units.push(SeedUnit {
        parent: None,
        name: "Nordhafen Industrial Supply".into(),
        kind: OrgUnitKind::Company,
    });
    for name in ["Industry Accounts", "Trade & Workshops"] {
        company.units.push(SeedUnit {
            parent: Some(0),
            name: name.into(),
            kind: OrgUnitKind::BusinessUnit,
        });
    }
    let team_units: Vec<usize> = TEAMS
        .iter()
        .map(|team| {
            company.units.push(SeedUnit {
                parent: Some(team.unit),
                name: team.name.into(),
                kind: OrgUnitKind::Team,
            });
            company.units.len() - 1
        })
        .collect();

    let user = |unit: usize, name: &str, role: Role| SeedUser {
        unit,
        email: email_for(name),
        name: name.to_string(),
        role,
        password_hash: password_hash.to_string(),
    };
    company.users.push(user(0, "Sabine Krüger", Role::Admin));
    company.users.push(user(0, "Thomas Becker", Role::Manager));
    company.users.push(user(1, "Julia Hoffmann", Role::Manager));
    company.users.push(user(2, "Markus Weber", Role::Manager));
    let mut reps_by_team: Vec<Vec<usize>> = Vec::new();
    for (team, unit) in TEAMS.iter().zip(&team_units) {
        reps_by_team.push(
            team.reps
                .iter()
                .map(|name| {
                    company.users.push(user(*unit, name, Role::Rep));
                    company.users.len() - 1
                })
                .collect(),
        );
    }

    generate_customers_and_sales(&mut rng, today, &reps_by_team, &mut company);
    company.stages = default_stages();
    generate_opportunities(&mut rng, today, &reps_by_team, &mut company);
    generate_activities(&mut rng, today, &reps_by_team, &mut company);
    // Its own generator: adding check-ins changed nothing else the demo draws.
    generate_check_ins(
        &mut ChaCha8Rng::seed_from_u64(SEED ^ 0xC4EC_1215),
        today,
        &mut company,
    );
    let teams: Vec<(usize, usize)> = team_units
        .iter()
        .zip(TEAMS.iter())
        .map(|(unit, team)| (*unit, team.unit))
        .collect();
    targets::generate_targets(today, &reps_by_team, &teams, &mut company);
    company
}

fn email_for(name: &str) -> String {
    let ascii: String = name
        .to_lowercase()
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(".");
    format!("{ascii}@pacer.demo")
}

/// The default stages of DESIGN.md.
pub fn default_stages() -> Vec<SeedStage> {
    let stage = |name: &str, probability, rotting_days, kind| SeedStage {
        name: name.into(),
        probability,
        rotting_days,
        kind,
    };
    vec![
        stage("Lead", 10, Some(30), "open"),
        stage("Qualified", 25, Some(21), "open"),
        stage("Proposal", 50, Some(14), "open"),
        stage("Negotiation", 75, Some(10), "open"),
        stage("Won", 100, None, "won"),
        stage("Lost", 0, None, "lost"),
    ]
}

/// How a customer's buying develops over the 24 months.
#[derive(Clone, Copy)]
enum Profile {
    Steady,
    Growing,
    Declining,
    /// Stopped buying this many months ago.
    Lost(u32),
    /// First bought this many months ago.
    New(u32),
    /// Changed course this many months ago by this factor: a trend change to detect.
    Shift(u32, f64),
}

const CUSTOMERS_PER_REP: usize = 33;

fn generate_customers_and_sales(
    rng: &mut ChaCha8Rng,
    today: NaiveDate,
    reps_by_team: &[Vec<usize>],
    company: &mut SeedCompany,
) {
    let mut names = HashSet::new();
    let first_month = today.with_day(1).expect("day 1") - Months::new(23);
    for (team, reps) in TEAMS.iter().zip(reps_by_team) {
        for &rep in reps {
            for _ in 0..CUSTOMERS_PER_REP {
                let name = loop {
                    let base = if rng.gen_bool(0.7) {
                        SURNAMES.choose(rng).copied().unwrap_or("Hansen")
                    } else {
                        PLACES.choose(rng).copied().unwrap_or("Elbe")
                    };
                    let trade = TRADES.choose(rng).copied().unwrap_or("Metallbau");
                    let form = LEGAL_FORMS.choose(rng).copied().unwrap_or("GmbH");
                    let candidate = format!("{base} {trade} {form}");
                    if names.insert(candidate.clone()) {
                        break candidate;
                    }
                };
                let (city, lat, lon) = *team.cities.choose(rng).expect("cities");
                let relationship = rng.gen_bool(0.55);
                let profile = match rng.gen_range(0..100) {
                    0..=54 => Profile::Steady,
                    55..=67 => Profile::Growing,
                    68..=79 => Profile::Declining,
                    80..=84 => Profile::Lost(rng.gen_range(3..9)),
                    85..=91 => Profile::New(rng.gen_range(2..11)),
                    _ => Profile::Shift(
                        rng.gen_range(3..6),
                        if rng.gen_bool(0.5) { 1.6 } else { 0.55 },
                    ),
                };
                let index = company.customers.len();
                let base_monthly = if relationship {
                    log_uniform(rng, 2_500.0, 40_000.0)
                } else {
                    log_uniform(rng, 600.0, 12_000.0)
                };
                let first_sale = push_sales(
                    rng,
                    today,
                    first_month,
                    index,
                    base_monthly,
                    relationship,
                    profile,
                    company,
                );
                company.customers.push(SeedCustomer {
                    external_ref: format!("C-{:05}", 10_001 + index),
                    name,
                    owner: Some(rep),
                    segment: if relationship {
                        "relationship"
                    } else {
                        "price"
                    },
                    city: Some(city.to_string()),
                    lat: Some(round_coord(lat + rng.gen_range(-0.08..0.08))),
                    lon: Some(round_coord(lon + rng.gen_range(-0.12..0.12))),
                    first_contact_on: first_sale.map(|d| d - Duration::days(rng.gen_range(14..90))),
                });
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push_sales(
    rng: &mut ChaCha8Rng,
    today: NaiveDate,
    first_month: NaiveDate,
    customer: usize,
    base_monthly: f64,
    relationship: bool,
    profile: Profile,
    company: &mut SeedCompany,
) -> Option<NaiveDate> {
    let yearly_growth: f64 = match profile {
        Profile::Growing => rng.gen_range(0.18..0.55),
        Profile::Declining => rng.gen_range(-0.50..-0.18),
        _ => rng.gen_range(-0.06..0.08),
    };
    let mut first_sale = None;
    for m in 0..24u32 {
        let month_start = first_month + Months::new(m);
        let months_ago = 23 - m;
        let active = match profile {
            Profile::Lost(ago) => months_ago >= ago,
            Profile::New(ago) => months_ago < ago,
            _ => true,
        };
        if !active || rng.gen_bool(if relationship { 0.05 } else { 0.12 }) {
            continue;
        }
        let shift = match profile {
            Profile::Shift(ago, factor) if months_ago < ago => factor,
            _ => 1.0,
        };
        let expected = base_monthly
            * (1.0 + yearly_growth).powf(f64::from(m) / 12.0)
            * SEASON[month_start.month0() as usize]
            * shift;
        let invoices = if relationship {
            rng.gen_range(1..=2)
        } else {
            rng.gen_range(1..=3)
        };
        let last_day = if months_ago == 0 {
            today.day().min(28)
        } else {
            28
        };
        for n in 0..invoices {
            let day = rng.gen_range(1..=last_day);
            let sold_on = month_start.with_day(day).expect("day ≤ 28");
            let amount = expected / f64::from(invoices) * rng.gen_range(0.8..1.2);
            // Money is Decimal-exact in the database; here it is only a generated figure,
            // rounded to cents once.
            let amount_minor = (amount * 100.0).round() as i64;
            company.sales.push(SeedSale {
                customer,
                sold_on,
                amount_minor,
                reference: format!("INV-{}-{:05}-{n}", sold_on.format("%Y%m"), customer),
            });
            first_sale = Some(first_sale.map_or(sold_on, |f: NaiveDate| f.min(sold_on)));
        }
    }
    first_sale
}

fn generate_opportunities(
    rng: &mut ChaCha8Rng,
    today: NaiveDate,
    reps_by_team: &[Vec<usize>],
    company: &mut SeedCompany,
) {
    const WON: usize = 4;
    const LOST: usize = 5;
    let now = at(today, 17);
    let reps: Vec<usize> = reps_by_team.iter().flatten().copied().collect();
    for (rep_index, &rep) in reps.iter().enumerate() {
        let own_customers: Vec<usize> = company
            .customers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.owner == Some(rep))
            .map(|(i, _)| i)
            .collect();
        // Some reps carry fuller pipelines than others.
        let count = 40 + (rep_index * 7) % 21;
        for _ in 0..count {
            let customer = *own_customers.choose(rng).expect("every rep has customers");
            let relationship = company.customers[customer].segment == "relationship";
            let value = if relationship {
                log_uniform(rng, 5_000.0, 150_000.0)
            } else {
                log_uniform(rng, 1_000.0, 30_000.0)
            };
            let value_minor = ((value / 100.0).round() as i64) * 100 * 100;
            let stage = match rng.gen_range(0..100) {
                0..=19 => 0,
                20..=37 => 1,
                38..=53 => 2,
                54..=63 => 3,
                64..=85 => WON,
                _ => LOST,
            };
            let title = format!(
                "{} {}",
                OPPORTUNITY_TITLES.choose(rng).expect("titles"),
                if rng.gen_bool(0.4) {
                    today.year() + 1
                } else {
                    today.year()
                }
            );
            let (created_at, closed_on, expected_close_on) = if stage >= WON {
                let closed = today - Duration::days(rng.gen_range(1..330));
                let created = at(closed - Duration::days(rng.gen_range(20..120)), 9);
                (created, Some(closed), closed)
            } else {
                let created = now - Duration::days(rng.gen_range(3..160));
                // A few are overdue: their expected close date has passed.
                let close = today + Duration::days(rng.gen_range(-20..170));
                (created, None, close)
            };
            // The path through the stages: open stages up to the current one; won went all
            // the way through Negotiation; lost dropped out somewhere on the way.
            let path: Vec<usize> = match stage {
                WON => vec![0, 1, 2, 3, WON],
                LOST => {
                    let reached = rng.gen_range(0..4);
                    (0..=reached).chain([LOST]).collect()
                }
                open => (0..=open).collect(),
            };
            let end = closed_on.map_or(now - Duration::hours(rng.gen_range(2..24 * 40)), |d| {
                at(d, 15)
            });
            let end = end.max(created_at + Duration::hours(1));
            let span = (end - created_at).num_minutes().max(1);
            let steps = i64::try_from(path.len()).unwrap_or(1);
            let changes = path
                .iter()
                .enumerate()
                .map(|(i, &to)| SeedStageChange {
                    from: i.checked_sub(1).map(|p| path[p]),
                    to,
                    at: if i + 1 == path.len() {
                        end
                    } else {
                        created_at + Duration::minutes(span * i64::try_from(i).unwrap_or(0) / steps)
                    },
                })
                .collect();
            company.opportunities.push(SeedOpportunity {
                title,
                customer,
                owner: rep,
                value_minor,
                expected_close_on,
                stage,
                probability: (stage < WON && rng.gen_bool(0.1)).then(|| rng.gen_range(2..19) * 5),
                lost_reason: (stage == LOST)
                    .then(|| LOST_REASONS.choose(rng).expect("reasons").to_string()),
                closed_on,
                created_at,
                changes,
            });
        }
    }
}

fn generate_activities(
    rng: &mut ChaCha8Rng,
    today: NaiveDate,
    reps_by_team: &[Vec<usize>],
    company: &mut SeedCompany,
) {
    let start = today - Months::new(12);
    for &rep in reps_by_team.iter().flatten() {
        let own_customers: Vec<usize> = company
            .customers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.owner == Some(rep))
            .map(|(i, _)| i)
            .collect();
        let visits_per_day = rng.gen_range(0.6..1.6);
        for day in start.iter_days().take_while(|d| *d < today) {
            if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                continue;
            }
            let mut push = |kind: &'static str, hour: u32, notes: String, rng: &mut ChaCha8Rng| {
                company.activities.push(SeedActivity {
                    kind,
                    customer: *own_customers.choose(rng).expect("customers"),
                    user: rep,
                    occurred_at: at(day, hour) + Duration::minutes(rng.gen_range(0..55)),
                    notes,
                });
            };
            let visits = poisson_small(rng, visits_per_day);
            for v in 0..visits {
                let notes = VISIT_NOTES.choose(rng).expect("notes").to_string();
                push("visit", 9 + 2 * v, notes, rng);
            }
            for c in 0..rng.gen_range(1..=4) {
                let notes = CALL_NOTES.choose(rng).expect("notes").to_string();
                push("call", 8 + c, notes, rng);
            }
            if rng.gen_bool(0.18) {
                push(
                    "initial_contact",
                    14,
                    "First contact: introduced our range.".into(),
                    rng,
                );
            }
            if rng.gen_bool(0.08) {
                push("meeting", 16, "Account planning meeting.".into(), rng);
            }
        }
    }
}

/// The last three weeks of visits were checked in on a phone: most on site (verified), some
/// from the car park down the road (outside), some without a location (unverified).
fn generate_check_ins(rng: &mut ChaCha8Rng, today: NaiveDate, company: &mut SeedCompany) {
    use app::domain::check_in::{Outcome, Position, Verification, DEFAULT_RADIUS_M};
    let since = (today - Duration::days(21))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    for (index, visit) in company.activities.iter().enumerate() {
        if visit.kind != "visit" || visit.occurred_at < since {
            continue;
        }
        let customer = &company.customers[visit.customer];
        let at = customer.lat.zip(customer.lon);
        let roll: f64 = rng.gen();
        let (position, why) = match at {
            Some((lat, lon)) if roll < 0.78 => {
                // Within about 150 m: in the building or its car park.
                let d = rng.gen_range(0.0..0.0014);
                (Some((lat + d * 0.6, lon + d)), None)
            }
            Some((lat, lon)) if roll < 0.88 => {
                let d = rng.gen_range(0.006..0.03);
                (Some((lat - d, lon + d * 0.5)), None)
            }
            _ if roll < 0.94 => (None, Some("location permission denied")),
            _ => (None, Some("the phone could not find its location")),
        };
        let position = position.map(|(lat, lon)| Position {
            lat: round_coord(lat),
            lon: round_coord(lon),
            accuracy_m: f64::from(rng.gen_range(5u8..45)),
        });
        let verification = Verification::of(position, why, at, DEFAULT_RADIUS_M);
        let outcome = *[
            Outcome::OrderTaken,
            Outcome::FollowUp,
            Outcome::FollowUp,
            Outcome::NoDecision,
            Outcome::NotMet,
        ]
        .choose(rng)
        .expect("outcomes");
        let next_step = match outcome {
            Outcome::OrderTaken => "Confirm the delivery date.",
            Outcome::FollowUp => "Send the quote this week.",
            Outcome::NoDecision => "Call again in two weeks.",
            Outcome::NotMet => "Book an appointment by phone.",
        };
        company.check_ins.push(SeedCheckIn {
            activity: index,
            client_id: format!("demo-{:08x}-{index}", rng.gen::<u32>()),
            position,
            verification,
            outcome: Some(outcome),
            notes: visit.notes.clone(),
            next_step: next_step.into(),
            checked_out_at: Some(visit.occurred_at + Duration::minutes(rng.gen_range(15..95))),
        });
    }
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(hour.min(23), 0, 0).expect("valid hour"))
        .and_utc()
}

fn log_uniform(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
    rng.gen_range(low.ln()..high.ln()).exp()
}

/// A small Poisson draw (Knuth), enough for a few visits a day.
fn poisson_small(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut product: f64 = rng.gen();
    let mut count = 0;
    while product > limit && count < 6 {
        product *= rng.gen::<f64>();
        count += 1;
    }
    count
}

fn round_coord(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn the_same_day_gives_the_same_company() {
        let a = summarise(&generate(day(), "h"));
        let b = summarise(&generate(day(), "h"));
        assert_eq!(a, b);
        let first = generate(day(), "h");
        let second = generate(day(), "h");
        assert_eq!(first.customers[17].name, second.customers[17].name);
        assert_eq!(
            first.sales[1234].amount_minor,
            second.sales[1234].amount_minor
        );
    }

    #[test]
    fn shape_matches_the_issue() {
        let c = generate(day(), "h");
        let count = |kind| c.units.iter().filter(|u| u.kind == kind).count();
        assert_eq!(
            (
                count(OrgUnitKind::Company),
                count(OrgUnitKind::BusinessUnit),
                count(OrgUnitKind::Team)
            ),
            (1, 2, 4)
        );
        let role = |r| c.users.iter().filter(|u| u.role == r).count();
        assert_eq!(
            (role(Role::Admin), role(Role::Manager), role(Role::Rep)),
            (1, 3, 12)
        );
        assert!(
            (380..=420).contains(&c.customers.len()),
            "{}",
            c.customers.len()
        );
        assert!(
            (550..=650).contains(&c.opportunities.len()),
            "{}",
            c.opportunities.len()
        );
        assert!(c.customers.iter().any(|x| x.segment == "price"));
        assert!(c.customers.iter().any(|x| x.segment == "relationship"));
        // 24 months of history, nothing in the future.
        let first = c.sales.iter().map(|s| s.sold_on).min().unwrap();
        let last = c.sales.iter().map(|s| s.sold_on).max().unwrap();
        assert_eq!(
            first.with_day(1).unwrap(),
            NaiveDate::from_ymd_opt(2024, 12, 1).unwrap()
        );
        assert!(last <= day());
        for kind in ["visit", "call", "initial_contact"] {
            assert!(c.activities.iter().any(|a| a.kind == kind), "{kind}");
        }
        // Three weeks of check-ins, each at a visit, of all three kinds.
        assert!(c.check_ins.len() > 100, "{}", c.check_ins.len());
        for kind in ["verified", "outside", "unverified"] {
            let n = c
                .check_ins
                .iter()
                .filter(|x| x.verification.as_str() == kind)
                .count();
            assert!(n > 5, "{kind}: {n}");
        }
        for x in &c.check_ins {
            assert_eq!(c.activities[x.activity].kind, "visit");
        }
    }

    #[test]
    fn stage_history_ends_in_the_current_stage() {
        let c = generate(day(), "h");
        for o in &c.opportunities {
            let last = o.changes.last().expect("every opportunity has a history");
            assert_eq!(last.to, o.stage);
            assert!(o
                .changes
                .windows(2)
                .all(|w| w[0].at <= w[1].at && w[1].from == Some(w[0].to)));
            assert_eq!(o.closed_on.is_some(), o.stage >= 4);
        }
    }

    #[test]
    fn customers_grow_decline_appear_and_disappear() {
        let c = generate(day(), "h");
        let recent = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let old = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let lost = (0..c.customers.len())
            .filter(|i| {
                c.sales.iter().any(|s| s.customer == *i)
                    && !c
                        .sales
                        .iter()
                        .any(|s| s.customer == *i && s.sold_on >= recent)
            })
            .count();
        let new = (0..c.customers.len())
            .filter(|i| {
                c.sales.iter().any(|s| s.customer == *i)
                    && !c.sales.iter().any(|s| s.customer == *i && s.sold_on < old)
            })
            .count();
        assert!(lost >= 5, "lost customers: {lost}");
        assert!(new >= 5, "new customers: {new}");
    }

    #[test]
    fn demo_emails_are_ascii() {
        assert_eq!(email_for("Sabine Krüger"), DEMO_ADMIN);
        assert_eq!(email_for("Daniel Schröder"), "daniel.schroeder@pacer.demo");
    }
}

//! The demo company's targets: a fiscal-year turnover target cascaded company → business
//! units → teams → reps by last year's share, a strategic customer-growth target, quarterly
//! visit and initial-contact targets per rep, last quarter's closed ones, and next quarter's
//! still being negotiated — a few in every agreement state — this quarter's turnover with
//! relationship clients for the demo rep (a target on one client type), and this quarter's
//! bookings, company → business units → teams → reps, for the board's forecast panel.

use super::at;
use app::domain::allocation::split;
use app::domain::number::{format_value, step};
use app::domain::{Hundredths, Metric, Period, TargetStatus};
use app::repo::seed::{SeedAssignee, SeedCompany, SeedTarget, SeedTargetEvent};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::prelude::*;
use std::collections::HashMap;

const ADMIN: usize = 0;
const CEO: usize = 1;
/// The managers of business units 1 and 2.
const BU_MANAGERS: [(usize, usize); 2] = [(1, 2), (2, 3)];

fn bu_manager(unit: usize) -> usize {
    BU_MANAGERS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, m)| *m)
        .expect("demo business unit")
}

/// An event of the agreement history.
fn event(
    at: DateTime<Utc>,
    by: usize,
    kind: &'static str,
    action: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    comment: Option<&str>,
) -> SeedTargetEvent {
    SeedTargetEvent {
        at,
        by,
        kind,
        field: action.map(str::to_string),
        old_value: from.map(str::to_string),
        new_value: to.map(str::to_string),
        comment: comment.map(str::to_string),
    }
}

/// Created by `setter`, proposed by `proposer`, and (if `accepter`) agreed by them.
fn agreed_history(
    day: NaiveDate,
    setter: usize,
    proposer: usize,
    accepter: Option<usize>,
) -> Vec<SeedTargetEvent> {
    let mut events = vec![
        event(at(day, 9), setter, "created", None, None, None, None),
        event(
            at(day + Duration::days(1), 10),
            proposer,
            "transition",
            Some("propose"),
            Some("draft"),
            Some("proposed"),
            None,
        ),
    ];
    if let Some(accepter) = accepter {
        events.push(event(
            at(day + Duration::days(3), 15),
            accepter,
            "transition",
            Some("accept"),
            Some("proposed"),
            Some("agreed"),
            None,
        ));
    }
    events
}

fn hundredths(value: Decimal) -> i64 {
    Hundredths::from_decimal(value).raw()
}

/// Rounds `value` to a multiple of `to`.
fn round_to(value: Decimal, to: i64) -> Decimal {
    (value / Decimal::from(to)).round() * Decimal::from(to)
}

struct Builder<'a> {
    company: &'a SeedCompany,
    targets: Vec<SeedTarget>,
}

impl Builder<'_> {
    fn push(&mut self, target: SeedTarget) -> usize {
        self.targets.push(target);
        self.targets.len() - 1
    }

    /// Turnover (cents) of the customers each user owns, in `period`.
    fn turnover_by_owner(&self, period: Period) -> HashMap<usize, i64> {
        let mut by_owner = HashMap::new();
        for sale in &self.company.sales {
            if period.contains(sale.sold_on) {
                if let Some(owner) = self.company.customers[sale.customer].owner {
                    *by_owner.entry(owner).or_insert(0) += sale.amount_minor;
                }
            }
        }
        by_owner
    }

    /// Turnover (cents) of the customers of one client type `owner` owns, in `period`.
    fn turnover_of(&self, owner: usize, segment: &str, period: Period) -> i64 {
        self.company
            .sales
            .iter()
            .filter(|sale| period.contains(sale.sold_on))
            .filter(|sale| {
                let customer = &self.company.customers[sale.customer];
                customer.owner == Some(owner) && customer.segment == segment
            })
            .map(|sale| sale.amount_minor)
            .sum()
    }

    fn activities(&self, user: usize, kind: &str, period: Period) -> i64 {
        let count = self
            .company
            .activities
            .iter()
            .filter(|a| {
                a.user == user && a.kind == kind && period.contains(a.occurred_at.date_naive())
            })
            .count();
        i64::try_from(count).expect("fits")
    }
}

/// A target with the fields every demo target shares filled in.
#[allow(clippy::too_many_arguments)]
fn target(
    statement: String,
    metric: Metric,
    value: Decimal,
    period: Period,
    assignee: SeedAssignee,
    parent: Option<usize>,
    created_by: usize,
    events: Vec<SeedTargetEvent>,
) -> SeedTarget {
    // The status the last workflow step left it in.
    let status = events
        .iter()
        .rev()
        .find(|e| e.kind == "transition")
        .and_then(|e| e.new_value.as_deref())
        .and_then(TargetStatus::parse)
        .unwrap_or(TargetStatus::Draft)
        .as_str();
    SeedTarget {
        statement,
        metric: metric.as_str(),
        value_hundredths: hundredths(value),
        currency: (metric.unit() == app::domain::MetricUnit::Currency).then_some("EUR"),
        baseline: None,
        starts_on: period.start(),
        ends_on: period.end(),
        assignee,
        parent,
        kind: "operational",
        rationale: String::new(),
        factors: "mmmmm",
        status,
        awaiting: None,
        counter_hundredths: None,
        segment: None,
        created_by,
        events,
    }
}

pub fn generate_targets(
    today: NaiveDate,
    reps_by_team: &[Vec<usize>],
    team_units: &[(usize, usize)],
    company: &mut SeedCompany,
) {
    let mut b = Builder {
        company,
        targets: Vec::new(),
    };
    let year = Period::year_of(today);
    let last_year = year.one_year_earlier();
    let by_owner = b.turnover_by_owner(last_year);
    let cents = |c: i64| Decimal::new(c, 2);
    let eur = |v: Decimal| format_value(app::domain::Locale::En, Metric::Turnover, v, None);
    let planned = year.start() - Duration::days(24);

    // The company's fiscal-year turnover: last year's plus 8 %.
    let company_last: i64 = by_owner.values().sum();
    let company_value = round_to(cents(company_last) * Decimal::new(108, 2), 10_000);
    let mut company_target = target(
        format!(
            "Grow company turnover to {} in {}",
            eur(company_value),
            year.start().format("%Y")
        ),
        Metric::Turnover,
        company_value,
        year,
        SeedAssignee::Unit(0),
        None,
        ADMIN,
        agreed_history(planned, ADMIN, ADMIN, Some(CEO)),
    );
    company_target.rationale =
        "The plan agreed with the shareholders: grow ahead of a market that grows about 3 %."
            .into();
    company_target.factors = "hmhmh";
    let root = b.push(company_target);

    // Business units, then teams, then reps: each level split by last year's share.
    let team_turnover = |team: usize| -> i64 {
        reps_by_team[team]
            .iter()
            .map(|r| by_owner.get(r).copied().unwrap_or(0))
            .sum()
    };
    let bus = [1usize, 2];
    let bu_weights: Vec<Decimal> = bus
        .iter()
        .map(|bu| {
            cents(
                team_units
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, parent))| parent == bu)
                    .map(|(t, _)| team_turnover(t))
                    .sum(),
            )
        })
        .collect();
    let bu_values = split(company_value, &bu_weights, step(Metric::Turnover));
    for (bu, bu_value) in bus.iter().zip(bu_values) {
        let manager = bu_manager(*bu);
        let name = &b.company.units[*bu].name;
        let bu_target = b.push(target(
            format!(
                "{name}: turnover of {} in {}",
                eur(bu_value),
                year.start().format("%Y")
            ),
            Metric::Turnover,
            bu_value,
            year,
            SeedAssignee::Unit(*bu),
            Some(root),
            CEO,
            agreed_history(planned + Duration::days(4), CEO, CEO, Some(manager)),
        ));
        let teams: Vec<(usize, usize)> = team_units
            .iter()
            .enumerate()
            .filter(|(_, (_, p))| p == bu)
            .map(|(t, (unit, _))| (t, *unit))
            .collect();
        let weights: Vec<Decimal> = teams
            .iter()
            .map(|(t, _)| cents(team_turnover(*t)))
            .collect();
        for ((team, unit), value) in
            teams
                .iter()
                .zip(split(bu_value, &weights, step(Metric::Turnover)))
        {
            let team_name = &b.company.units[*unit].name;
            let team_target = b.push(target(
                format!(
                    "{team_name}: turnover of {} in {}",
                    eur(value),
                    year.start().format("%Y")
                ),
                Metric::Turnover,
                value,
                year,
                SeedAssignee::Unit(*unit),
                Some(bu_target),
                manager,
                // A team has no manager of its own: its business unit's manager answers for it.
                agreed_history(planned + Duration::days(8), manager, manager, Some(CEO)),
            ));
            let reps = &reps_by_team[*team];
            let weights: Vec<Decimal> = reps
                .iter()
                .map(|r| cents(by_owner.get(r).copied().unwrap_or(0)))
                .collect();
            for (rep, value) in reps
                .iter()
                .zip(split(value, &weights, step(Metric::Turnover)))
            {
                let rep_name = b.company.users[*rep].name.clone();
                b.push(target(
                    format!(
                        "{rep_name}: turnover of {} with own customers in {}",
                        eur(value),
                        year.start().format("%Y")
                    ),
                    Metric::Turnover,
                    value,
                    year,
                    SeedAssignee::User(*rep),
                    Some(team_target),
                    manager,
                    agreed_history(planned + Duration::days(12), manager, manager, Some(*rep)),
                ));
            }
        }
    }

    // Strategic: more active customers than last year.
    let active_last_year = {
        let mut seen = std::collections::HashSet::new();
        for s in &b.company.sales {
            if last_year.contains(s.sold_on) {
                seen.insert(s.customer);
            }
        }
        i64::try_from(seen.len()).expect("fits")
    };
    let mut growth = target(
        format!("Buy from us: 5 % more active customers than the {active_last_year} of last year"),
        Metric::CustomerGrowthPct,
        Decimal::from(5),
        year,
        SeedAssignee::Unit(0),
        None,
        ADMIN,
        agreed_history(planned, ADMIN, ADMIN, Some(CEO)),
    );
    growth.kind = "strategic";
    growth.baseline = Some(active_last_year);
    growth.rationale = "Relationship clients buy across the range; a broader customer base makes us less dependent on a few large accounts.".into();
    b.push(growth);

    // Quarterly activity targets per rep: this quarter agreed, last quarter closed, next
    // quarter in negotiation.
    let quarter = Period::quarter_of(today);
    let last_quarter = Period::quarter_of(quarter.start() - Duration::days(1));
    let before_last = Period::quarter_of(last_quarter.start() - Duration::days(1));
    let next_quarter = Period::quarter_of(quarter.end() + Duration::days(1));
    let quarter_name = |p: Period| {
        format!(
            "Q{} {}",
            (p.start()
                .format("%m")
                .to_string()
                .parse::<u32>()
                .unwrap_or(1)
                - 1)
                / 3
                + 1,
            p.start().format("%Y")
        )
    };
    let all_reps: Vec<(usize, usize)> = reps_by_team
        .iter()
        .enumerate()
        .flat_map(|(t, reps)| reps.iter().map(move |r| (t, *r)))
        .collect();
    for (n, &(team, rep)) in all_reps.iter().enumerate() {
        let manager = bu_manager(team_units[team].1);
        let rep_name = b.company.users[rep].name.clone();
        let rationale = "Regular visits keep relationship clients buying; field presence is what our customers value most.";
        // Last quarter: agreed from the quarter before, now closed on what was reached.
        let planned_visits =
            Decimal::from((b.activities(rep, "visit", before_last) * 11 / 10).max(10));
        let reached = b.activities(rep, "visit", last_quarter);
        let outcome = if Decimal::from(reached) >= planned_visits {
            "achieved"
        } else {
            "missed"
        };
        let mut events = agreed_history(
            last_quarter.start() - Duration::days(10),
            manager,
            manager,
            Some(rep),
        );
        events.push(event(
            at(quarter.start() + Duration::days(2), 11),
            manager,
            "transition",
            Some("close"),
            Some("agreed"),
            Some(outcome),
            None,
        ));
        let mut closed = target(
            format!(
                "{rep_name}: {planned_visits} customer visits in {}",
                quarter_name(last_quarter)
            ),
            Metric::Visits,
            planned_visits,
            last_quarter,
            SeedAssignee::User(rep),
            None,
            manager,
            events,
        );
        closed.rationale = rationale.into();
        b.push(closed);

        // This quarter: visits and initial contacts, agreed.
        let visits =
            round_to(Decimal::from(reached) * Decimal::new(11, 1), 5).max(Decimal::from(10));
        let mut current = target(
            format!(
                "{rep_name}: {visits} customer visits in {}",
                quarter_name(quarter)
            ),
            Metric::Visits,
            visits,
            quarter,
            SeedAssignee::User(rep),
            None,
            manager,
            agreed_history(
                quarter.start() - Duration::days(9),
                manager,
                manager,
                Some(rep),
            ),
        );
        current.rationale = rationale.into();
        b.push(current);
        let contacts =
            Decimal::from((b.activities(rep, "initial_contact", last_quarter) * 11 / 10).max(4));
        let mut contacts_target = target(
            format!(
                "{rep_name}: {contacts} first contacts with new prospects in {}",
                quarter_name(quarter)
            ),
            Metric::InitialContacts,
            contacts,
            quarter,
            SeedAssignee::User(rep),
            None,
            manager,
            agreed_history(
                quarter.start() - Duration::days(9),
                manager,
                rep,
                Some(manager),
            ),
        );
        contacts_target.rationale = "New customers start with a first contact: the funnel for next year's new-customer growth.".into();
        b.push(contacts_target);

        // Next quarter: the first team's reps and one more show each negotiation state.
        let state = match n {
            0 => "proposed_by_manager",
            1 => "changes_requested",
            2 => "draft",
            3 => "proposed_by_rep",
            _ => continue,
        };
        let draft_day = today - Duration::days(4);
        let next_visits = visits + Decimal::from(5);
        let mut events = vec![event(
            at(draft_day, 9),
            manager,
            "created",
            None,
            None,
            None,
            None,
        )];
        let (awaiting, counter) = match state {
            "proposed_by_manager" => {
                events.push(event(
                    at(draft_day + Duration::days(1), 10),
                    manager,
                    "transition",
                    Some("propose"),
                    Some("draft"),
                    Some("proposed"),
                    None,
                ));
                (Some("assignee"), None)
            }
            "changes_requested" => {
                let counter = next_visits - Decimal::from(10);
                events.push(event(
                    at(draft_day + Duration::days(1), 10),
                    manager,
                    "transition",
                    Some("propose"),
                    Some("draft"),
                    Some("proposed"),
                    None,
                ));
                events.push(event(at(draft_day + Duration::days(2), 16), rep, "transition", Some("request_changes"), Some("proposed"), Some("changes_requested"),
                    Some("Two of my largest customers close for inventory in January; fewer visits are possible then.")));
                events.push(event(
                    at(draft_day + Duration::days(2), 16),
                    rep,
                    "changed",
                    Some("counter-value"),
                    None,
                    Some(&counter.to_string()),
                    None,
                ));
                (Some("manager"), Some(hundredths(counter)))
            }
            "proposed_by_rep" => {
                events.push(event(
                    at(draft_day + Duration::days(1), 10),
                    rep,
                    "transition",
                    Some("propose"),
                    Some("draft"),
                    Some("proposed"),
                    None,
                ));
                (Some("manager"), None)
            }
            _ => (None, None),
        };
        let mut next = target(
            format!(
                "{rep_name}: {next_visits} customer visits in {}",
                quarter_name(next_quarter)
            ),
            Metric::Visits,
            next_visits,
            next_quarter,
            SeedAssignee::User(rep),
            None,
            manager,
            events,
        );
        next.rationale = rationale.into();
        next.awaiting = awaiting;
        next.counter_hundredths = counter;
        b.push(next);
    }
    // Turnover split by client type: the demo rep's relationship clients this quarter, the
    // same quarter last year plus 6 % (no parent: the fiscal-year cascade counts every client).
    let rep = reps_by_team[0][0];
    let manager = bu_manager(team_units[0].1);
    let last = b.turnover_of(rep, "relationship", quarter.one_year_earlier());
    let value = round_to(cents(last) * Decimal::new(106, 2), 1_000).max(Decimal::from(10_000));
    let rep_name = b.company.users[rep].name.clone();
    let mut relationship = target(
        format!(
            "{rep_name}: turnover of {} with relationship clients in {}",
            eur(value),
            quarter_name(quarter)
        ),
        Metric::Turnover,
        value,
        quarter,
        SeedAssignee::User(rep),
        None,
        manager,
        agreed_history(
            quarter.start() - Duration::days(9),
            manager,
            manager,
            Some(rep),
        ),
    );
    relationship.rationale = "Relationship clients are the steady base: their turnover should grow with the relationship, whatever price clients do.".into();
    relationship.segment = Some("relationship");
    b.push(relationship);
    quarterly_bookings(
        &mut b,
        quarter,
        &quarter_name(quarter),
        reps_by_team,
        team_units,
    );
    let targets = b.targets;
    company.targets = targets;
}

/// The sum of the teams' values in `business_unit`.
fn teams_value_in(
    team_values: &[(usize, Decimal)],
    team_units: &[(usize, usize)],
    business_unit: usize,
) -> Decimal {
    team_values
        .iter()
        .filter(|(team, _)| team_units[*team].1 == business_unit)
        .map(|(_, v)| *v)
        .sum()
}

/// This quarter's bookings, agreed company → business units → teams → reps: each rep's target is what their
/// pipeline promises (won so far plus the weighted open value closing in the quarter) times a
/// stretch that differs from rep to rep, so the board's forecast panel shows every status.
fn quarterly_bookings(
    b: &mut Builder<'_>,
    quarter: Period,
    quarter_name: &str,
    reps_by_team: &[Vec<usize>],
    team_units: &[(usize, usize)],
) {
    let eur = |v: Decimal| format_value(app::domain::Locale::En, Metric::Bookings, v, None);
    let promised = |rep: usize| -> i64 {
        let company = &*b.company;
        company
            .opportunities
            .iter()
            .filter(|o| o.owner == rep)
            .map(|o| {
                let stage = &company.stages[o.stage];
                match stage.kind {
                    "won" if o.closed_on.is_some_and(|d| quarter.contains(d)) => o.value_minor,
                    "open" if quarter.contains(o.expected_close_on) => {
                        o.value_minor * i64::from(o.probability.unwrap_or(stage.probability)) / 100
                    }
                    _ => 0,
                }
            })
            .sum()
    };
    const STRETCH: [i64; 4] = [85, 100, 115, 140];
    let planned = quarter.start() - Duration::days(10);
    let mut teams = Vec::new();
    let mut n = 0;
    for (team, reps) in reps_by_team.iter().enumerate() {
        let mut reps_values = Vec::new();
        for &rep in reps {
            let value = round_to(
                Decimal::new(promised(rep) * STRETCH[n % STRETCH.len()], 4),
                1_000,
            )
            .max(Decimal::from(5_000));
            n += 1;
            reps_values.push((rep, value));
        }
        teams.push((team, reps_values));
    }
    let team_values: Vec<(usize, Decimal)> = teams
        .iter()
        .map(|(team, reps)| (*team, reps.iter().map(|(_, v)| *v).sum()))
        .collect();
    let company_value: Decimal = team_values.iter().map(|(_, v)| *v).sum();
    let mut company_target = target(
        format!(
            "Book {} of new business in {quarter_name}",
            eur(company_value)
        ),
        Metric::Bookings,
        company_value,
        quarter,
        SeedAssignee::Unit(0),
        None,
        CEO,
        agreed_history(planned, CEO, CEO, Some(ADMIN)),
    );
    company_target.rationale = "New business this quarter is next year's turnover: the board shows daily whether the pipeline carries it.".into();
    let company_target = b.push(company_target);
    let mut business_units: Vec<(usize, usize)> = Vec::new();
    for (team, reps) in teams {
        let (unit, business_unit) = team_units[team];
        let manager = bu_manager(business_unit);
        let parent = match business_units.iter().find(|(bu, _)| *bu == business_unit) {
            Some((_, index)) => *index,
            None => {
                // The business unit's target: the sum of its teams'.
                let bu_value: Decimal = teams_value_in(&team_values, team_units, business_unit);
                let bu_name = b.company.units[business_unit].name.clone();
                let index = b.push(target(
                    format!("{bu_name}: book {} in {quarter_name}", eur(bu_value)),
                    Metric::Bookings,
                    bu_value,
                    quarter,
                    SeedAssignee::Unit(business_unit),
                    Some(company_target),
                    CEO,
                    agreed_history(planned + Duration::days(1), CEO, CEO, Some(manager)),
                ));
                business_units.push((business_unit, index));
                index
            }
        };
        let team_value: Decimal = reps.iter().map(|(_, v)| *v).sum();
        let team_name = b.company.units[unit].name.clone();
        let team_target = b.push(target(
            format!("{team_name}: book {} in {quarter_name}", eur(team_value)),
            Metric::Bookings,
            team_value,
            quarter,
            SeedAssignee::Unit(unit),
            Some(parent),
            manager,
            agreed_history(planned + Duration::days(2), manager, manager, Some(CEO)),
        ));
        for (rep, value) in reps {
            let rep_name = b.company.users[rep].name.clone();
            b.push(target(
                format!(
                    "{rep_name}: book {} of new business in {quarter_name}",
                    eur(value)
                ),
                Metric::Bookings,
                value,
                quarter,
                SeedAssignee::User(rep),
                Some(team_target),
                manager,
                agreed_history(planned + Duration::days(4), manager, manager, Some(rep)),
            ));
        }
    }
}

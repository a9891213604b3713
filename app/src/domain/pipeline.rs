//! Stages, opportunities as the board shows them, and the arithmetic of a board column.
//!
//! Validation of what a person typed lives here too, so the drawer in the browser and the
//! server function refuse the same input with the same words.

use super::{Currency, FieldError, Money, MoneyError, Probability};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a stage is still in play, or is where won or lost opportunities end up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub const ALL: [StageKind; 3] = [StageKind::Open, StageKind::Won, StageKind::Lost];

    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            StageKind::Open => "Open",
            StageKind::Won => "Won",
            StageKind::Lost => "Lost",
        }
    }

    pub fn is_closed(self) -> bool {
        self != StageKind::Open
    }
}

/// A stage of the pipeline, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub id: i64,
    pub name: String,
    pub position: i32,
    pub probability: Probability,
    /// Days in this stage after which an opportunity is marked as rotting; `None` never rots.
    pub rotting_days: Option<i32>,
    pub kind: StageKind,
}

/// The longest title and lost reason accepted: a sentence, not an essay.
pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_STAGE_NAME_CHARS: usize = 40;

/// A stage's settings as typed into the admin form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageInput {
    pub name: String,
    pub probability: String,
    /// Blank: the stage never rots.
    pub rotting_days: String,
    pub kind: String,
}

/// Valid stage settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageSpec {
    pub name: String,
    pub probability: Probability,
    pub rotting_days: Option<i32>,
    pub kind: StageKind,
}

impl StageInput {
    pub fn parse(&self) -> Result<StageSpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.push(FieldError::new("name", "a stage needs a name"));
        } else if name.chars().count() > MAX_STAGE_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                format!("keep the name to {MAX_STAGE_NAME_CHARS} characters"),
            ));
        }
        let kind = StageKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "choose open, won or lost"));
        }
        let probability = Probability::parse_str(&self.probability)
            .map_err(|e| errors.push(FieldError::new("probability", e.to_string())))
            .ok();
        // Won and lost are certain by definition; a different figure would skew every forecast.
        match (kind, probability) {
            (Some(StageKind::Won), Some(p)) if p != Probability::CERTAIN => errors.push(
                FieldError::new("probability", "a won stage has probability 100 %"),
            ),
            (Some(StageKind::Lost), Some(p)) if p != Probability::ZERO => errors.push(
                FieldError::new("probability", "a lost stage has probability 0 %"),
            ),
            _ => {}
        }
        let rotting_days = match self.rotting_days.trim() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(days) if (1..=3650).contains(&days) => Some(days),
                _ => {
                    errors.push(FieldError::new(
                        "rotting_days",
                        format!("\"{text}\" is not a number of days from 1 to 3650 (leave it blank if the stage never rots)"),
                    ));
                    None
                }
            },
        };
        if kind.is_some_and(StageKind::is_closed) && rotting_days.is_some() {
            errors.push(FieldError::new(
                "rotting_days",
                "won and lost stages do not rot; leave it blank",
            ));
        }
        match (kind, probability) {
            (Some(kind), Some(probability)) if errors.is_empty() => Ok(StageSpec {
                name,
                probability,
                rotting_days,
                kind,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether a pipeline with these stage kinds still works: something to work on, somewhere to
/// win and somewhere to lose. Answers the kind it would lack.
pub fn check_stage_kinds(kinds: impl IntoIterator<Item = StageKind>) -> Result<(), StageKind> {
    let kinds: Vec<StageKind> = kinds.into_iter().collect();
    match [StageKind::Open, StageKind::Won, StageKind::Lost]
        .into_iter()
        .find(|k| !kinds.contains(k))
    {
        Some(missing) => Err(missing),
        None => Ok(()),
    }
}

/// "the pipeline needs at least a won stage"
fn needs(kind: &StageKind) -> String {
    let what = match kind {
        StageKind::Open => "an open stage",
        StageKind::Won => "a won stage",
        StageKind::Lost => "a lost stage",
    };
    format!("the pipeline needs at least {what}")
}

/// Why a change to the pipeline's stages is refused, by the rules that keep a pipeline
/// working. Checked inside the write that would break them; the message is the one a person
/// reads, and [`StageRule::field`] the form field it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StageRule {
    #[error("there is already a stage called \"{0}\"")]
    DuplicateName(String),
    #[error("{held} opportunities are in this stage; move them before making it {}", .kind.label().to_lowercase())]
    HeldKindChange { held: i64, kind: StageKind },
    #[error("{}", needs(.0))]
    KindChangeLeaves(StageKind),
    #[error("this stage is already first")]
    AlreadyFirst,
    #[error("this stage is already last")]
    AlreadyLast,
    #[error("{name} cannot be deleted: {}", needs(.missing))]
    DeleteLeaves { name: String, missing: StageKind },
    #[error("{held} opportunities are in {name}; choose the stage they move to")]
    NeedsDestination { held: i64, name: String },
    #[error("choose another stage of this pipeline")]
    UnknownDestination,
    #[error("{name} is {what}; its opportunities can only move to another {what} stage", what = .kind.label().to_lowercase())]
    DestinationKind { name: String, kind: StageKind },
}

impl StageRule {
    pub fn field(&self) -> &'static str {
        match self {
            StageRule::DuplicateName(_) => "name",
            StageRule::HeldKindChange { .. } | StageRule::KindChangeLeaves(_) => "kind",
            StageRule::AlreadyFirst | StageRule::AlreadyLast => "direction",
            StageRule::DeleteLeaves { .. } => "id",
            StageRule::NeedsDestination { .. }
            | StageRule::UnknownDestination
            | StageRule::DestinationKind { .. } => "move_to",
        }
    }
}

impl From<StageRule> for FieldError {
    fn from(rule: StageRule) -> Self {
        FieldError::new(rule.field(), rule.to_string())
    }
}

/// An opportunity as the board and the drawer show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub value: Money,
    pub expected_close_on: NaiveDate,
    pub stage_id: i64,
    /// Set when the owner overrode the stage's default probability.
    pub probability: Option<Probability>,
    pub lost_reason: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub stage_entered_at: DateTime<Utc>,
    pub version: i64,
}

impl Opportunity {
    /// The probability that counts: the override, else the stage's default. Won and lost
    /// stages are certain either way.
    pub fn probability_in(&self, stage: &Stage) -> Probability {
        match stage.kind {
            StageKind::Won => Probability::CERTAIN,
            StageKind::Lost => Probability::ZERO,
            StageKind::Open if self.stage_id == stage.id => {
                self.probability.unwrap_or(stage.probability)
            }
            // Moving to another stage returns to that stage's default (see `move_to`).
            StageKind::Open => stage.probability,
        }
    }

    /// Value × probability, rounded to the cent.
    pub fn weighted_in(&self, stage: &Stage) -> Money {
        weighted(self.value, self.probability_in(stage))
    }

    /// Value × probability in `stage`, unrounded: what a column adds up (and the database
    /// sums), rounded once when shown.
    pub fn weighted_exact_in(&self, stage: &Stage) -> Decimal {
        self.value.amount() * Decimal::from(self.probability_in(stage).percent())
            / Decimal::ONE_HUNDRED
    }

    /// Whole days since the opportunity entered its stage, as of `today`.
    pub fn days_in_stage(&self, today: NaiveDate) -> i64 {
        (today - self.stage_entered_at.date_naive())
            .num_days()
            .max(0)
    }

    /// Whether it has sat in its stage longer than the stage allows.
    pub fn is_rotting(&self, stage: &Stage, today: NaiveDate) -> bool {
        stage.kind == StageKind::Open
            && stage
                .rotting_days
                .is_some_and(|days| self.days_in_stage(today) > i64::from(days))
    }

    /// Whether the expected close date has passed while the opportunity is still open.
    pub fn is_overdue(&self, stage: &Stage, today: NaiveDate) -> bool {
        stage.kind == StageKind::Open && self.expected_close_on < today
    }

    /// The card as it is right after a move to `stage` (what the board shows before the
    /// server confirms). A probability override belonged to the old stage and is dropped.
    pub fn move_to(
        &self,
        stage: &Stage,
        lost_reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Opportunity {
        Opportunity {
            stage_id: stage.id,
            probability: None,
            lost_reason: (stage.kind == StageKind::Lost)
                .then_some(lost_reason)
                .flatten(),
            closed_on: stage.kind.is_closed().then(|| now.date_naive()),
            stage_entered_at: now,
            ..self.clone()
        }
    }
}

pub fn weighted(value: Money, probability: Probability) -> Money {
    let amount =
        (value.amount() * Decimal::from(probability.percent()) / Decimal::from(100)).round_dp(2);
    // Never larger than `value`, so it always fits.
    Money::new(amount, value.currency()).unwrap_or(value)
}

/// Count, sum and weighted sum of a column. Sums are kept per currency: adding euros to
/// dollars without a rate would be a made-up number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnTotals {
    pub count: usize,
    pub sums: BTreeMap<Currency, CurrencySums>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CurrencySums {
    pub count: usize,
    pub value: Decimal,
    pub weighted: Decimal,
}

impl ColumnTotals {
    pub fn of<'a>(cards: impl IntoIterator<Item = &'a Opportunity>, stage: &Stage) -> Self {
        let mut totals = ColumnTotals::default();
        for card in cards {
            totals.add(card, stage);
        }
        totals
    }

    pub fn add(&mut self, card: &Opportunity, stage: &Stage) {
        self.count += 1;
        let entry = self.sums.entry(card.value.currency()).or_default();
        entry.count += 1;
        entry.value += card.value.amount();
        entry.weighted += card.weighted_exact_in(stage);
    }

    pub fn remove(&mut self, card: &Opportunity, stage: &Stage) {
        let currency = card.value.currency();
        if let Some(entry) = self.sums.get_mut(&currency) {
            self.count -= 1;
            entry.count -= 1;
            entry.value -= card.value.amount();
            entry.weighted -= card.weighted_exact_in(stage);
            if entry.count == 0 {
                self.sums.remove(&currency);
            }
        }
    }

    fn render(
        &self,
        locale: super::locale::Locale,
        pick: impl Fn(&CurrencySums) -> Decimal,
    ) -> String {
        if self.sums.is_empty() {
            return Money::zero(Currency::EUR).display_short_in(locale);
        }
        self.sums
            .iter()
            .map(|(currency, sums)| {
                Money::new(pick(sums).round_dp(2), *currency)
                    .map(|m| m.display_short_in(locale))
                    .unwrap_or_else(|_| format!("{currency} —"))
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    pub fn sum_label(&self, locale: super::locale::Locale) -> String {
        self.render(locale, |s| s.value)
    }

    pub fn weighted_label(&self, locale: super::locale::Locale) -> String {
        self.render(locale, |s| s.weighted)
    }
}

/// An opportunity as typed into the drawer: every field as text, parsed by [`OpportunityInput::parse`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityInput {
    pub title: String,
    pub customer_id: String,
    pub value: String,
    pub currency: String,
    pub expected_close_on: String,
    pub stage_id: String,
    /// Blank: the stage's default.
    pub probability: String,
    /// Blank: the person saving it.
    pub owner_id: String,
    pub lost_reason: String,
    /// How the person typing writes amounts and dates ("1.234,56", "31.03.2026" in German);
    /// the server sets it from the signed-in person, JSON API clients write English/ISO.
    #[serde(default)]
    pub locale: super::locale::Locale,
}

/// A valid opportunity, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpportunityFields {
    pub title: String,
    pub customer_id: i64,
    pub value: Money,
    pub expected_close_on: NaiveDate,
    /// One of the stages the input was parsed against.
    pub stage: Stage,
    pub probability: Option<Probability>,
    pub owner_id: Option<i64>,
    pub lost_reason: Option<String>,
}

fn parse_id(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

impl OpportunityInput {
    /// Parses every field against the pipeline's `stages`, reporting every problem at once.
    pub fn parse(&self, stages: &[Stage]) -> Result<OpportunityFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = self.title.trim().to_string();
        if title.is_empty() {
            errors.push(FieldError::new("title", "give the opportunity a title"));
        } else if title.chars().count() > MAX_TITLE_CHARS {
            errors.push(FieldError::new(
                "title",
                format!("keep the title to {MAX_TITLE_CHARS} characters"),
            ));
        }
        let customer_id = parse_id(&self.customer_id);
        if customer_id.is_none() {
            errors.push(FieldError::new("customer_id", "choose a customer"));
        }
        let currency = Currency::parse(&self.currency)
            .map_err(|e| errors.push(FieldError::new("currency", e.to_string())))
            .ok();
        let value = currency.and_then(|currency| {
            match Money::parse_in(&self.value, currency, self.locale) {
                Ok(value) if value.amount().is_sign_negative() => {
                    errors.push(FieldError::new("value", "the value cannot be negative"));
                    None
                }
                Ok(value) => Some(value),
                Err(MoneyError::Empty) => {
                    errors.push(FieldError::new(
                        "value",
                        "enter the value (0 if not yet known)",
                    ));
                    None
                }
                Err(e) => {
                    errors.push(FieldError::new("value", e.to_string()));
                    None
                }
            }
        });
        let expected_close_on = if self.expected_close_on.trim().is_empty() {
            errors.push(FieldError::new(
                "expected_close_on",
                "enter the expected close date",
            ));
            None
        } else {
            super::period::parse_day_in(self.locale, &self.expected_close_on)
                .map_err(|e| errors.push(FieldError::new("expected_close_on", e)))
                .ok()
        };
        let stage = parse_id(&self.stage_id).and_then(|id| stages.iter().find(|s| s.id == id));
        if stage.is_none() {
            errors.push(FieldError::new(
                "stage_id",
                "choose a stage of this pipeline",
            ));
        }
        let probability = match self.probability.trim() {
            "" => None,
            text => match Probability::parse_str(text) {
                Ok(p) if stage.is_some_and(|s| s.kind.is_closed()) => {
                    errors.push(FieldError::new(
                        "probability",
                        format!(
                            "won and lost opportunities are {} % by definition; leave it blank",
                            stage.map_or(0, |s| s.probability.percent())
                        ),
                    ));
                    Some(p)
                }
                Ok(p) => Some(p),
                Err(e) => {
                    errors.push(FieldError::new("probability", e.to_string()));
                    None
                }
            },
        };
        let owner_id = match self.owner_id.trim() {
            "" => None,
            text => {
                let id = parse_id(text);
                if id.is_none() {
                    errors.push(FieldError::new("owner_id", "choose an owner"));
                }
                id
            }
        };
        let lost_reason = parse_lost_reason(stage.map(|s| s.kind), &self.lost_reason)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        match (customer_id, value, expected_close_on, stage) {
            (Some(customer_id), Some(value), Some(expected_close_on), Some(stage))
                if errors.is_empty() =>
            {
                Ok(OpportunityFields {
                    title,
                    customer_id,
                    value,
                    expected_close_on,
                    stage: stage.clone(),
                    probability,
                    owner_id,
                    lost_reason,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A lost reason is required when, and only kept when, the opportunity goes to a lost stage.
pub fn parse_lost_reason(
    kind: Option<StageKind>,
    reason: &str,
) -> Result<Option<String>, FieldError> {
    let reason = reason.trim();
    match kind {
        Some(StageKind::Lost) if reason.is_empty() => Err(FieldError::new(
            "lost_reason",
            "say why it was lost, so the team can learn from it",
        )),
        Some(StageKind::Lost) if reason.chars().count() > MAX_REASON_CHARS => Err(FieldError::new(
            "lost_reason",
            format!("keep the reason to {MAX_REASON_CHARS} characters"),
        )),
        Some(StageKind::Lost) => Ok(Some(reason.to_string())),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn stage(id: i64, probability: u8, rotting_days: Option<i32>, kind: StageKind) -> Stage {
        Stage {
            id,
            name: format!("Stage {id}"),
            position: i32::try_from(id).unwrap(),
            probability: Probability::parse(i64::from(probability)).unwrap(),
            rotting_days,
            kind,
        }
    }

    fn stages() -> Vec<Stage> {
        vec![
            stage(1, 10, Some(30), StageKind::Open),
            stage(2, 50, Some(14), StageKind::Open),
            stage(3, 100, None, StageKind::Won),
            stage(4, 0, None, StageKind::Lost),
        ]
    }

    fn card(value: &str, stage_id: i64, probability: Option<u8>) -> Opportunity {
        Opportunity {
            id: 1,
            title: "Racking for hall 3".into(),
            customer_id: 1,
            customer_name: "Acme".into(),
            owner_id: 1,
            owner_name: "Lena".into(),
            value: Money::parse(value, Currency::EUR).unwrap(),
            expected_close_on: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            stage_id,
            probability: probability.map(|p| Probability::parse(i64::from(p)).unwrap()),
            lost_reason: None,
            closed_on: None,
            stage_entered_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
            version: 1,
        }
    }

    fn input() -> OpportunityInput {
        OpportunityInput {
            title: "Racking for hall 3".into(),
            customer_id: "7".into(),
            value: "12500".into(),
            currency: "EUR".into(),
            expected_close_on: "2026-12-15".into(),
            stage_id: "2".into(),
            probability: String::new(),
            owner_id: String::new(),
            lost_reason: String::new(),
            locale: Default::default(),
        }
    }

    fn fields_of(errors: Vec<FieldError>) -> Vec<&'static str> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn weighted_value_uses_override_then_stage_default() {
        let stages = stages();
        assert_eq!(
            card("1000", 2, None).weighted_in(&stages[1]).amount(),
            Decimal::from(500)
        );
        assert_eq!(
            card("1000", 2, Some(80)).weighted_in(&stages[1]).amount(),
            Decimal::from(800)
        );
        // Shown in another column (while dragged), the override no longer applies.
        assert_eq!(
            card("1000", 2, Some(80)).weighted_in(&stages[0]).amount(),
            Decimal::from(100)
        );
        assert_eq!(
            card("1000", 2, Some(80)).weighted_in(&stages[2]).amount(),
            Decimal::from(1000)
        );
        assert_eq!(
            card("1000", 2, Some(80)).weighted_in(&stages[3]).amount(),
            Decimal::ZERO
        );
        // Rounded to the cent: 33 % of 0.10 is 0.033.
        assert_eq!(
            weighted(
                Money::parse("0.10", Currency::EUR).unwrap(),
                Probability::parse(33).unwrap()
            )
            .amount(),
            Decimal::new(3, 2)
        );
    }

    #[test]
    fn rotting_starts_the_day_after_the_limit() {
        let stages = stages();
        let c = card("1", 2, None); // entered 1 Nov, stage rots after 14 days
        assert!(!c.is_rotting(&stages[1], NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()));
        assert!(c.is_rotting(&stages[1], NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()));
        assert!(!c.is_rotting(&stages[2], NaiveDate::from_ymd_opt(2027, 11, 16).unwrap()));
        assert_eq!(
            c.days_in_stage(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()),
            0
        );
    }

    #[test]
    fn a_move_resets_the_override_and_closes_won_and_lost() {
        let stages = stages();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let c = card("1", 1, Some(40));
        let moved = c.move_to(&stages[1], Some("ignored".into()), now);
        assert_eq!(
            (moved.stage_id, moved.probability, moved.closed_on),
            (2, None, None)
        );
        assert_eq!(moved.lost_reason, None);
        assert_eq!(moved.stage_entered_at, now);
        let lost = c.move_to(&stages[3], Some("price".into()), now);
        assert_eq!(lost.closed_on, Some(now.date_naive()));
        assert_eq!(lost.lost_reason.as_deref(), Some("price"));
    }

    #[test]
    fn totals_add_and_remove_per_currency() {
        let stages = stages();
        let mut totals = ColumnTotals::of(
            &[card("1000", 2, None), card("250.50", 2, Some(20))],
            &stages[1],
        );
        assert_eq!(totals.count, 2);
        assert_eq!(totals.sum_label(Default::default()), "€ 1.3 k");
        assert_eq!(totals.weighted_label(Default::default()), "€ 550");
        let mut dollars = card("100", 2, None);
        dollars.value = Money::parse("100", Currency::parse("USD").unwrap()).unwrap();
        totals.add(&dollars, &stages[1]);
        assert_eq!(totals.sum_label(Default::default()), "€ 1.3 k + $ 100");
        totals.remove(&dollars, &stages[1]);
        assert_eq!(totals.sum_label(Default::default()), "€ 1.3 k");
        assert_eq!(ColumnTotals::default().sum_label(Default::default()), "€ 0");
    }

    #[test]
    fn a_complete_opportunity_parses() {
        let fields = input().parse(&stages()).unwrap();
        assert_eq!(fields.customer_id, 7);
        assert_eq!(fields.value.amount(), Decimal::from(12500));
        assert_eq!(fields.probability, None);
        assert_eq!(fields.owner_id, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = OpportunityInput {
            title: "  ".into(),
            customer_id: "x".into(),
            value: "12.345".into(),
            currency: "EUR".into(),
            expected_close_on: "15.12.2026".into(),
            stage_id: "99".into(),
            probability: "120".into(),
            owner_id: "abc".into(),
            lost_reason: String::new(),
            locale: Default::default(),
        };
        assert_eq!(
            fields_of(bad.parse(&stages()).unwrap_err()),
            [
                "title",
                "customer_id",
                "value",
                "expected_close_on",
                "stage_id",
                "probability",
                "owner_id"
            ]
        );
        let negative = OpportunityInput {
            value: "-5".into(),
            ..input()
        };
        assert_eq!(fields_of(negative.parse(&stages()).unwrap_err()), ["value"]);
        let currency = OpportunityInput {
            currency: "euro".into(),
            ..input()
        };
        assert_eq!(
            fields_of(currency.parse(&stages()).unwrap_err()),
            ["currency"]
        );
    }

    #[test]
    fn lost_needs_a_reason_and_closed_stages_take_no_override() {
        let lost = OpportunityInput {
            stage_id: "4".into(),
            ..input()
        };
        assert_eq!(
            fields_of(lost.parse(&stages()).unwrap_err()),
            ["lost_reason"]
        );
        let with_reason = OpportunityInput {
            lost_reason: " went with a competitor ".into(),
            ..lost
        };
        assert_eq!(
            with_reason.parse(&stages()).unwrap().lost_reason.as_deref(),
            Some("went with a competitor")
        );
        let won = OpportunityInput {
            stage_id: "3".into(),
            probability: "80".into(),
            lost_reason: "x".into(),
            ..input()
        };
        assert_eq!(
            fields_of(won.parse(&stages()).unwrap_err()),
            ["probability"]
        );
        let won = OpportunityInput {
            probability: String::new(),
            ..won
        };
        assert_eq!(won.parse(&stages()).unwrap().lost_reason, None);
    }

    #[test]
    fn stage_settings_are_checked() {
        let ok = StageInput {
            name: "Demo".into(),
            probability: "60".into(),
            rotting_days: "7".into(),
            kind: "open".into(),
        };
        assert_eq!(ok.parse().unwrap().rotting_days, Some(7));
        let bad = StageInput {
            name: "".into(),
            probability: "160".into(),
            rotting_days: "0".into(),
            kind: "maybe".into(),
        };
        assert_eq!(
            fields_of(bad.parse().unwrap_err()),
            ["name", "kind", "probability", "rotting_days"]
        );
        let won = StageInput {
            name: "Won".into(),
            probability: "90".into(),
            rotting_days: "5".into(),
            kind: "won".into(),
        };
        assert_eq!(
            fields_of(won.parse().unwrap_err()),
            ["probability", "rotting_days"]
        );
        assert!(check_stage_kinds([StageKind::Open, StageKind::Won, StageKind::Lost]).is_ok());
        let missing = check_stage_kinds([StageKind::Open, StageKind::Lost]).unwrap_err();
        assert_eq!(
            StageRule::KindChangeLeaves(missing).to_string(),
            "the pipeline needs at least a won stage"
        );
    }

    proptest! {
        /// Moving cards between columns never loses or invents a cent.
        #[test]
        fn totals_are_exact_under_add_and_remove(values in proptest::collection::vec(0i64..10_000_000, 1..40), p in 0u8..=100) {
            let stage = Stage { probability: Probability::parse(i64::from(p)).unwrap(), ..stages()[1].clone() };
            let cards: Vec<Opportunity> = values.iter().map(|v| Opportunity { value: Money::from_minor(*v, Currency::EUR), ..card("0", 2, None) }).collect();
            let all = ColumnTotals::of(&cards, &stage);
            let expected: Decimal = cards.iter().map(|c| c.value.amount()).sum();
            prop_assert_eq!(all.sums[&Currency::EUR].value, expected);
            prop_assert!(all.sums[&Currency::EUR].weighted <= expected);
            let mut shrinking = all.clone();
            for c in &cards[1..] {
                shrinking.remove(c, &stage);
            }
            prop_assert_eq!(shrinking, ColumnTotals::of(&cards[..1], &stage));
        }
    }
}

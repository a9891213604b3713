//! The SMART check (DESIGN.md, "SMART, checked as the manager types"): one validator that the
//! editor runs in the browser on every keystroke and the server runs again on save.
//!
//! Each letter answers pass / warning / error with a sentence a manager understands. Errors
//! carry the form field they are about, so a refused save points at the right input.

use super::field_error::FieldError;
use super::locale::Locale;
use super::metric::{Metric, MetricUnit};
use super::money::{Currency, Money};
use super::number::{format_value, parse_number_in, signed_pct};
use super::period::Period;
use super::target::{Assignee, Factors, Rating, TargetKind};
use super::turnover::Segment;
use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::*;
use serde::{Deserialize, Serialize};

pub const MAX_STATEMENT_CHARS: usize = 300;
pub const MAX_RATIONALE_CHARS: usize = 1000;

/// Phrases that sound like a target but say nothing measurable.
const VAGUE: [&str; 14] = [
    "sell more",
    "more sales",
    "increase sales",
    "improve",
    "better",
    "boost",
    "grow the business",
    "do more",
    "as much as possible",
    "maximise",
    "maximize",
    "best effort",
    "relationships",
    "try to",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Pass,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Pass => "pass",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One letter's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub level: Level,
    pub message: String,
    /// The form field an error is about.
    pub field: Option<String>,
}

impl Check {
    fn pass(message: impl Into<String>) -> Self {
        Check {
            level: Level::Pass,
            message: message.into(),
            field: None,
        }
    }

    fn warning(message: impl Into<String>) -> Self {
        Check {
            level: Level::Warning,
            message: message.into(),
            field: None,
        }
    }

    fn error(field: &str, message: impl Into<String>) -> Self {
        Check {
            level: Level::Error,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }
}

/// The five verdicts, in S-M-A-R-T order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartReport {
    pub specific: Check,
    pub measurable: Check,
    pub achievable: Check,
    pub relevant: Check,
    pub time_bound: Check,
}

impl SmartReport {
    pub fn letters(&self) -> [(char, &'static str, &Check); 5] {
        [
            ('S', "Specific", &self.specific),
            ('M', "Measurable", &self.measurable),
            ('A', "Achievable", &self.achievable),
            ('R', "Relevant", &self.relevant),
            ('T', "Time-bound", &self.time_bound),
        ]
    }

    pub fn worst(&self) -> Level {
        self.letters()
            .iter()
            .map(|(_, _, c)| c.level)
            .max()
            .unwrap_or(Level::Pass)
    }

    pub fn warnings(&self) -> Vec<String> {
        self.letters()
            .iter()
            .filter(|(_, _, c)| c.level == Level::Warning)
            .map(|(_, name, c)| format!("{name}: {}", c.message))
            .collect()
    }
}

/// The assignee's own results for the metric, fetched once per assignee / metric / period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackRecord {
    /// What the assignee reached in the same span one year before the target's period.
    pub last_year: Option<(Period, Decimal)>,
    /// The best growth (%) over the year before, among recent periods of the same length.
    pub best_growth_pct: Option<Decimal>,
    /// "quarter", "month", "year" or "period": what those recent periods were.
    pub period_word: String,
    /// What Pacer expects the assignee to reach in the target's period as of today, from
    /// which the editor reads the chance to hit any value typed ([`super::achievable`]);
    /// `None` when there is nothing to say (too little history, a metric without a range, a
    /// period already over).
    #[serde(default)]
    pub outlook: Option<super::achievable::DraftOutlook>,
}

/// The parent target as far as the child's check needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentSummary {
    pub id: i64,
    pub statement: String,
    pub metric: Metric,
    pub value: Decimal,
    pub currency: Option<Currency>,
    pub period: Period,
    /// The other children's values (this target's own, if it is already one, excluded).
    pub allocated_to_others: Decimal,
    /// The one client type the parent counts, if it counts one only.
    #[serde(default)]
    pub segment: Option<Segment>,
}

/// What the validator knows beyond the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmartContext<'a> {
    pub today: Option<NaiveDate>,
    pub track_record: Option<&'a TrackRecord>,
    pub parent: Option<&'a ParentSummary>,
}

/// A target as typed into the editor: every field as text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInput {
    pub statement: String,
    pub metric: String,
    pub value: String,
    pub currency: String,
    pub baseline: String,
    pub start: String,
    pub end: String,
    /// "user-7" or "unit-3".
    pub assignee: String,
    /// Blank: no parent.
    pub parent_id: String,
    pub kind: String,
    pub rationale: String,
    pub market_relevance: String,
    pub maturity: String,
    pub competition: String,
    pub cost_structure: String,
    pub leadership_ambition: String,
    /// `price` or `relationship` for a target on one client type's sales (turnover metrics
    /// only); blank: all clients.
    #[serde(default)]
    pub segment: String,
    /// How the author writes numbers and dates ("1.234,56", "31.03.2026" in German): the
    /// values and dates are read, and the checks' messages written, that way. The server
    /// sets it from the signed-in person; JSON API clients write English/ISO.
    #[serde(default)]
    pub locale: Locale,
}

/// A target that passed the check without errors, ready to store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetFields {
    pub statement: String,
    pub metric: Metric,
    pub value: Decimal,
    /// Money metrics only.
    pub currency: Option<Currency>,
    pub baseline: Option<Decimal>,
    pub period: Period,
    pub assignee: Assignee,
    pub parent_id: Option<i64>,
    pub kind: TargetKind,
    pub rationale: String,
    pub factors: Factors,
    /// Only this client type's sales count (turnover metrics); `None`: all clients.
    pub segment: Option<Segment>,
}

pub use super::period::YEARS;

/// A target date as typed (in `locale`'s way or ISO, within [`YEARS`]), or `None`.
pub fn target_date(locale: Locale, text: &str) -> Option<NaiveDate> {
    locale
        .parse_date(text)
        .filter(|d| YEARS.contains(&d.year()))
}

fn parse_date(locale: Locale, text: &str, field: &str, what: &str) -> Result<NaiveDate, Check> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Check::error(field, format!("enter the {what} date")));
    }
    match locale.parse_date(trimmed).ok_or(()) {
        Ok(date) if YEARS.contains(&date.year()) => Ok(date),
        Ok(_) => Err(Check::error(
            field,
            format!(
                "a target's dates lie between {} and {}",
                YEARS.start(),
                YEARS.end()
            ),
        )),
        Err(_) => Err(Check::error(
            field,
            format!(
                "\"{trimmed}\" is not a date (write it as {})",
                locale.date_hint()
            ),
        )),
    }
}

/// The fields each letter needs, parsed once.
struct Parsed {
    statement: String,
    metric: Option<Metric>,
    currency: Result<Option<Currency>, Check>,
    value: Result<Decimal, Check>,
    baseline: Result<Option<Decimal>, Check>,
    period: Result<Period, Check>,
    assignee: Option<Assignee>,
    parent_id: Result<Option<i64>, Check>,
    kind: Option<TargetKind>,
    rationale: String,
    factors: Result<Factors, Check>,
    segment: Result<Option<Segment>, Check>,
    locale: Locale,
}

impl TargetInput {
    fn parsed(&self) -> Parsed {
        let metric = Metric::parse(&self.metric).ok();
        let currency = match metric.map(Metric::unit) {
            Some(MetricUnit::Currency) => Currency::parse(&self.currency)
                .map(Some)
                .map_err(|e| Check::error("currency", e.to_string())),
            _ => Ok(None),
        };
        let value = if self.value.trim().is_empty() {
            Err(Check::error("value", "enter the target value"))
        } else {
            parse_number_in(self.locale, &self.value)
                .map_err(|e| Check::error("value", e))
                .and_then(|v| check_value(metric, v))
        };
        let baseline = match metric {
            Some(m) if m.needs_baseline() => {
                if self.baseline.trim().is_empty() {
                    Err(Check::error(
                        "baseline",
                        "growth is measured from a baseline: enter the number of active customers it starts from",
                    ))
                } else {
                    match parse_number_in(self.locale, &self.baseline) {
                        Ok(b)
                            if b > Decimal::ZERO
                                && b.fract().is_zero()
                                && b <= Decimal::from(MAX_VALUE) =>
                        {
                            Ok(Some(b))
                        }
                        Ok(_) => Err(Check::error(
                            "baseline",
                            "the baseline is a number of customers: a whole number above zero",
                        )),
                        Err(e) => Err(Check::error("baseline", e)),
                    }
                }
            }
            _ => Ok(None),
        };
        let locale = self.locale;
        let period = parse_date(locale, &self.start, "start", "start").and_then(|start| {
            let end = parse_date(locale, &self.end, "end", "end")?;
            Period::new(start, end).map_err(|_| {
                Check::error(
                    "end",
                    format!(
                        "the end date {} is before the start date {}",
                        locale.date(end),
                        locale.date(start)
                    ),
                )
            })
        });
        let parent_id = match self.parent_id.trim() {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(Some)
                .ok_or_else(|| Check::error("parent_id", "choose a parent target from the list")),
        };
        let ratings = [
            ("market_relevance", &self.market_relevance),
            ("maturity", &self.maturity),
            ("competition", &self.competition),
            ("cost_structure", &self.cost_structure),
            ("leadership_ambition", &self.leadership_ambition),
        ];
        let mut factors = Ok(Factors::default());
        for (i, (field, text)) in ratings.into_iter().enumerate() {
            let rating = if text.trim().is_empty() {
                Some(Rating::Medium)
            } else {
                Rating::parse(text)
            };
            match (rating, &mut factors) {
                (Some(r), Ok(f)) => f.0[i] = r,
                (None, _) => {
                    factors = Err(Check::error(field, "rate it low, medium or high"));
                }
                _ => {}
            }
        }
        // Only turnover is split by client type: for other metrics the choice is ignored, as the
        // currency is for counts.
        let segment = match (metric, self.segment.trim()) {
            (Some(m), text) if m.splits_by_client_type() && !text.is_empty() && text != "all" => {
                Segment::parse(text).map(Some).map_err(|_| {
                    Check::error(
                        "segment",
                        format!(
                            "\"{text}\" is not a client type: choose price clients, relationship clients or all clients"
                        ),
                    )
                })
            }
            _ => Ok(None),
        };
        Parsed {
            statement: self.statement.trim().to_string(),
            metric,
            currency,
            value,
            baseline,
            period,
            assignee: Assignee::parse(&self.assignee),
            parent_id,
            kind: TargetKind::parse(&self.kind),
            rationale: self.rationale.trim().to_string(),
            factors,
            segment,
            locale: self.locale,
        }
    }

    /// Runs the five checks. Cheap enough for every keystroke.
    pub fn check(&self, ctx: &SmartContext<'_>) -> SmartReport {
        self.evaluate(ctx).0
    }

    /// The check, then the fields when no letter has an error; otherwise every error with its
    /// field. Warnings do not stop a save (the caller asks for an acknowledgement).
    pub fn parse(
        &self,
        ctx: &SmartContext<'_>,
    ) -> Result<(TargetFields, SmartReport), Vec<FieldError>> {
        let (report, fields) = self.evaluate(ctx);
        fields.map(|f| (f, report))
    }

    /// The five letters and the parsed fields (or every error with its field), from one pass
    /// over the input: what the editor runs on every keystroke.
    pub fn evaluate(
        &self,
        ctx: &SmartContext<'_>,
    ) -> (SmartReport, Result<TargetFields, Vec<FieldError>>) {
        let p = self.parsed();
        let report = SmartReport {
            specific: specific(&p, self),
            measurable: measurable(&p, self),
            achievable: achievable(&p, ctx),
            relevant: relevant(&p, ctx),
            time_bound: time_bound(&p, ctx),
        };
        let mut errors: Vec<FieldError> = report
            .letters()
            .iter()
            .filter(|(_, _, c)| c.level == Level::Error)
            .map(|(_, _, c)| field_error(c))
            .collect();
        // Problems no letter is about: the kind and the external factors.
        if p.kind.is_none() {
            errors.push(FieldError::new("kind", "choose operational or strategic"));
        }
        if let Err(c) = &p.factors {
            errors.push(field_error(c));
        }
        if !errors.is_empty() {
            errors.dedup();
            return (report, Err(errors));
        }
        let (
            Some(metric),
            Ok(currency),
            Ok(value),
            Ok(baseline),
            Ok(period),
            Some(assignee),
            Ok(parent_id),
            Some(kind),
            Ok(factors),
            Ok(segment),
        ) = (
            p.metric,
            p.currency,
            p.value,
            p.baseline,
            p.period,
            p.assignee,
            p.parent_id,
            p.kind,
            p.factors,
            p.segment,
        )
        else {
            unreachable!("every unparsed field is an error of some letter");
        };
        let fields = TargetFields {
            statement: p.statement,
            metric,
            value,
            currency,
            baseline,
            period,
            assignee,
            parent_id,
            kind,
            rationale: p.rationale,
            factors,
            segment,
        };
        (report, Ok(fields))
    }
}

fn field_error(check: &Check) -> FieldError {
    const FIELDS: [&str; 17] = [
        "statement",
        "metric",
        "segment",
        "value",
        "currency",
        "baseline",
        "start",
        "end",
        "assignee",
        "parent_id",
        "kind",
        "rationale",
        "market_relevance",
        "maturity",
        "competition",
        "cost_structure",
        "leadership_ambition",
    ];
    let field = check
        .field
        .as_deref()
        .and_then(|f| FIELDS.iter().find(|known| **known == f))
        .copied()
        .unwrap_or("statement");
    FieldError::new(field, check.message.clone())
}

/// Parses a value typed for `metric` (a counter-value, say) with the rules of the editor.
pub fn parse_value(locale: Locale, metric: Metric, text: &str) -> Result<Decimal, String> {
    parse_number_in(locale, text)
        .map_err(|e| e.to_string())
        .and_then(|v| check_value(Some(metric), v).map_err(|c| c.message))
}

/// The largest target value (and baseline) in any unit: a trillion euros, visits or customers
/// is beyond any plan, and values are stored as hundredths in 64 bits.
pub const MAX_VALUE: i64 = 1_000_000_000_000;

fn check_value(metric: Option<Metric>, value: Decimal) -> Result<Decimal, Check> {
    if value <= Decimal::ZERO {
        return Err(Check::error("value", "the target value must be above zero"));
    }
    if value > Decimal::from(MAX_VALUE) {
        return Err(Check::error(
            "value",
            "that value is too large for any plan (at most 1,000,000,000,000)",
        ));
    }
    match metric.map(Metric::unit) {
        Some(MetricUnit::Count) if !value.fract().is_zero() => Err(Check::error(
            "value",
            "this metric counts things: enter a whole number",
        )),
        Some(MetricUnit::Currency) if value.normalize().scale() > 2 => Err(Check::error(
            "value",
            "an amount has at most 2 decimal places",
        )),
        Some(MetricUnit::Currency) if Money::new(value, Currency::EUR).is_err() => {
            Err(Check::error("value", "that amount is too large"))
        }
        Some(MetricUnit::Percent) if value > Decimal::from(1000) => Err(Check::error(
            "value",
            "a growth above 1000 % is not a target anyone can plan for",
        )),
        Some(MetricUnit::Percent) if value.normalize().scale() > 1 => Err(Check::error(
            "value",
            "a percentage has at most 1 decimal place",
        )),
        _ => Ok(value.normalize()),
    }
}

fn specific(p: &Parsed, input: &TargetInput) -> Check {
    if p.statement.is_empty() {
        return Check::error(
            "statement",
            "write the target as one sentence: what changes, by how much, by when",
        );
    }
    if p.statement.chars().count() > MAX_STATEMENT_CHARS {
        return Check::error(
            "statement",
            format!("keep the statement to {MAX_STATEMENT_CHARS} characters"),
        );
    }
    if p.metric.is_none() {
        return Check::error("metric", "choose what the target measures");
    }
    if p.assignee.is_none() {
        return Check::error(
            "assignee",
            if input.assignee.trim().is_empty() {
                "choose who the target is for"
            } else {
                "choose who the target is for from the list"
            },
        );
    }
    let lower = p.statement.to_lowercase();
    let has_figure = lower.chars().any(|c| c.is_ascii_digit());
    if !has_figure {
        if let Some(vague) = VAGUE.iter().find(|v| lower.contains(*v)) {
            return Check::warning(format!(
                "“{vague}” is vague: say which figure changes and by how much, e.g. “Raise turnover with existing customers to € 1.2 M”"
            ));
        }
        return Check::warning(
            "the statement names no figure: say how much should change, so both sides read it the same way",
        );
    }
    if lower.split_whitespace().count() < 4 {
        return Check::warning("say a little more: what changes, for whom, by how much");
    }
    Check::pass("names the figure, the metric and who is responsible")
}

fn measurable(p: &Parsed, _input: &TargetInput) -> Check {
    let Some(metric) = p.metric else {
        return Check::error("metric", "choose a metric, so progress can be measured");
    };
    let value = match &p.value {
        Ok(v) => *v,
        Err(c) => return c.clone(),
    };
    let currency = match &p.currency {
        Ok(c) => *c,
        Err(c) => return c.clone(),
    };
    let segment = match &p.segment {
        Ok(s) => *s,
        Err(c) => return c.clone(),
    };
    let shown = format_value(p.locale, metric, value, currency);
    match &p.baseline {
        Err(c) => c.clone(),
        Ok(Some(baseline)) => Check::pass(format!(
            "measured as {} over a baseline of {} active customers",
            signed_pct(value),
            p.locale.number(*baseline, 0)
        )),
        Ok(None) => Check::pass(format!(
            "measured as {shown} of {}",
            measure_label(metric, segment).to_lowercase()
        )),
    }
}

/// What a target counts, as lists and its page name it: "Turnover", "Turnover with
/// relationship clients".
pub fn measure_label(metric: Metric, segment: Option<Segment>) -> String {
    match segment {
        Some(s) => format!("{} with {}", metric.label(), s.clients()),
        None => metric.label().to_string(),
    }
}

fn achievable(p: &Parsed, ctx: &SmartContext<'_>) -> Check {
    let (Some(metric), Ok(value)) = (p.metric, &p.value) else {
        return Check::warning("enter the metric and value to compare them with past results");
    };
    let Some(record) = ctx.track_record else {
        return Check::warning(
            "choose the assignee and the period to compare the target with their past results",
        );
    };
    super::achievable::assess(&super::achievable::Draft {
        metric,
        value: *value,
        currency: p.currency.clone().ok().flatten(),
        locale: p.locale,
        factors: p.factors.as_ref().copied().unwrap_or_default(),
        record,
    })
}

fn relevant(p: &Parsed, ctx: &SmartContext<'_>) -> Check {
    let parent_id = match &p.parent_id {
        Ok(id) => *id,
        Err(c) => return c.clone(),
    };
    if p.rationale.chars().count() > MAX_RATIONALE_CHARS {
        return Check::error(
            "rationale",
            format!("keep the rationale to {MAX_RATIONALE_CHARS} characters"),
        );
    }
    let Some(parent_id) = parent_id else {
        return match (p.kind, p.rationale.is_empty()) {
            (_, false) => Check::pass(format!("{}: {}", kind_word(p.kind), p.rationale)),
            (Some(TargetKind::Strategic), true) => Check::warning(
                "a strategic target needs a rationale: say why it matters to the business",
            ),
            _ => Check::warning(
                "not linked to a parent target: link it to the target it serves, or give a rationale",
            ),
        };
    };
    let Some(parent) = ctx.parent.filter(|parent| parent.id == parent_id) else {
        return Check::error(
            "parent_id",
            "the parent target is unknown or not visible to you",
        );
    };
    if let Some(metric) = p.metric {
        if metric != parent.metric {
            return Check::error(
                "metric",
                format!(
                    "the parent target measures {}: its children must measure {} too",
                    parent.metric.label().to_lowercase(),
                    parent.metric.label().to_lowercase()
                ),
            );
        }
    }
    if let Ok(Some(currency)) = &p.currency {
        if parent.currency.is_some_and(|c| c != *currency) {
            return Check::error(
                "currency",
                format!(
                    "the parent target is in {}: use the same currency",
                    parent.currency.map(|c| c.to_string()).unwrap_or_default()
                ),
            );
        }
    }
    // A parent on one client type shares out that type's sales only: a child counting other
    // clients' sales (or every client's) would not add to it. A parent on all clients may be
    // split by type.
    if let (Some(parent_segment), Ok(segment)) = (parent.segment, &p.segment) {
        if *segment != Some(parent_segment) {
            return Check::error(
                "segment",
                format!(
                    "the parent target counts {} only: choose {} as the client type",
                    measure_label(parent.metric, Some(parent_segment)).to_lowercase(),
                    parent_segment.clients()
                ),
            );
        }
    }
    if let Ok(period) = &p.period {
        if period.start() < parent.period.start() || period.end() > parent.period.end() {
            return Check::error(
                "end",
                format!(
                    "the period must lie within the parent's ({})",
                    parent.period
                ),
            );
        }
    }
    let serves = format!("serves “{}”", parent.statement);
    let (Ok(value), true) = (&p.value, parent.metric.is_additive()) else {
        return Check::pass(serves);
    };
    let allocated = parent.allocated_to_others + *value;
    let show = |v| format_value(p.locale, parent.metric, v, parent.currency);
    if allocated > parent.value {
        return Check::warning(format!(
            "over-allocated by {}: the children add up to {} of the parent's {}",
            show(allocated - parent.value),
            show(allocated),
            show(parent.value)
        ));
    }
    Check::pass(format!(
        "{serves}: {} of {} allocated, {} remains",
        show(allocated),
        show(parent.value),
        show(parent.value - allocated)
    ))
}

fn kind_word(kind: Option<TargetKind>) -> &'static str {
    kind.map(TargetKind::label).unwrap_or("Rationale")
}

fn time_bound(p: &Parsed, ctx: &SmartContext<'_>) -> Check {
    let period = match &p.period {
        Ok(period) => *period,
        Err(c) => return c.clone(),
    };
    let summary = format!(
        "{}: {}, {} working days",
        period.label_in(p.locale),
        period.horizon().label(),
        period.working_days()
    );
    match ctx.today {
        Some(today) if period.end() < today => Check::warning(format!(
            "{summary}; it has already ended, so it can no longer steer anything"
        )),
        _ => Check::pass(summary),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn good() -> TargetInput {
        TargetInput {
            statement: "Raise turnover in Bavaria to € 1.2 M in Q3".into(),
            metric: "turnover".into(),
            value: "1200000".into(),
            currency: "EUR".into(),
            start: "2026-07-01".into(),
            end: "2026-09-30".into(),
            assignee: "user-7".into(),
            kind: "operational".into(),
            rationale: "Bavaria is our largest region".into(),
            ..TargetInput::default()
        }
    }

    fn record(last_year: i64, best: Option<i64>) -> TrackRecord {
        TrackRecord {
            last_year: Some((
                Period::new(d(2025, 7, 1), d(2025, 9, 30)).unwrap(),
                Decimal::from(last_year),
            )),
            best_growth_pct: best.map(Decimal::from),
            period_word: "quarter".into(),
            outlook: None,
        }
    }

    fn ctx<'a>(
        record: Option<&'a TrackRecord>,
        parent: Option<&'a ParentSummary>,
    ) -> SmartContext<'a> {
        SmartContext {
            today: Some(d(2026, 6, 15)),
            track_record: record,
            parent,
        }
    }

    #[test]
    fn a_good_target_passes_every_letter() {
        let r = record(1_100_000, Some(12));
        let report = good().check(&ctx(Some(&r), None));
        for (letter, _, c) in report.letters() {
            assert_eq!(c.level, Level::Pass, "{letter}: {}", c.message);
        }
        assert_eq!(
            report.achievable.message,
            "needs +9 % over € 1.1 M (01 Jul 2025 – 30 Sep 2025), within the plausible +0 % to +20 %; best quarter so far was +12 %"
        );
        assert!(report.time_bound.message.contains("short term"));
        let (fields, _) = good().parse(&ctx(Some(&r), None)).unwrap();
        assert_eq!(fields.value, Decimal::from(1_200_000));
        assert_eq!(fields.assignee, Assignee::User(7));
    }

    #[test]
    fn specific_flags_vague_statements_and_missing_choices() {
        let vague = TargetInput {
            statement: "sell more".into(),
            ..good()
        };
        let c = vague.check(&SmartContext::default()).specific;
        assert_eq!(c.level, Level::Warning);
        assert!(c.message.contains("“sell more” is vague"), "{}", c.message);
        let no_figure = TargetInput {
            statement: "Win back the lost customers in the north".into(),
            ..good()
        };
        assert_eq!(
            no_figure.check(&SmartContext::default()).specific.level,
            Level::Warning
        );
        let empty = TargetInput {
            statement: "  ".into(),
            ..good()
        };
        assert_eq!(
            empty.check(&SmartContext::default()).specific.level,
            Level::Error
        );
        let no_assignee = TargetInput {
            assignee: String::new(),
            ..good()
        };
        let c = no_assignee.check(&SmartContext::default()).specific;
        assert_eq!(
            (c.level, c.field.as_deref()),
            (Level::Error, Some("assignee"))
        );
    }

    #[test]
    fn measurable_needs_a_positive_value_in_the_unit_and_a_baseline_for_growth() {
        for (value, expected) in [
            ("0", "above zero"),
            ("-5", "above zero"),
            ("abc", "is not a number"),
            ("", "enter the target value"),
        ] {
            let c = TargetInput {
                value: value.into(),
                ..good()
            }
            .check(&SmartContext::default())
            .measurable;
            assert_eq!(c.level, Level::Error);
            assert!(c.message.contains(expected), "{value}: {}", c.message);
        }
        let visits = TargetInput {
            metric: "visits".into(),
            value: "12.5".into(),
            ..good()
        };
        assert!(visits
            .check(&SmartContext::default())
            .measurable
            .message
            .contains("whole number"));
        let growth = TargetInput {
            metric: "customer_growth_pct".into(),
            value: "10".into(),
            ..good()
        };
        let c = growth.check(&SmartContext::default()).measurable;
        assert_eq!(
            (c.level, c.field.as_deref()),
            (Level::Error, Some("baseline"))
        );
        let with_baseline = TargetInput {
            baseline: "120".into(),
            ..growth
        };
        assert_eq!(
            with_baseline
                .check(&SmartContext::default())
                .measurable
                .message,
            "measured as +10 % over a baseline of 120 active customers"
        );
        let short = TargetInput {
            value: "1,2 M".into(),
            ..good()
        };
        assert_eq!(
            short.check(&SmartContext::default()).measurable.message,
            "measured as € 1.2 M of turnover"
        );
    }

    #[test]
    fn achievable_compares_with_the_assignees_history_and_the_factors() {
        // +34 % against a best of +18 %: a stretch, with both figures.
        let r = record(1_000_000, Some(18));
        let stretch = TargetInput {
            value: "1340000".into(),
            ..good()
        };
        let c = stretch.check(&ctx(Some(&r), None)).achievable;
        assert_eq!(c.level, Level::Warning);
        assert_eq!(
            c.message,
            "a stretch: needs +34 % over € 1 M (01 Jul 2025 – 30 Sep 2025), above the +20 % these factors make plausible; best quarter so far was +18 %"
        );
        // A market that makes growth easier moves the range up: +20 % to +40 %, and high
        // ambition raises its floor to +30 %.
        let easier = TargetInput {
            market_relevance: "high".into(),
            maturity: "low".into(),
            competition: "low".into(),
            cost_structure: "low".into(),
            leadership_ambition: "high".into(),
            ..stretch.clone()
        };
        let c = easier.check(&ctx(Some(&r), None)).achievable;
        assert_eq!(c.level, Level::Pass, "{}", c.message);
        assert!(
            c.message.contains("within the plausible +30 % to +40 %"),
            "{}",
            c.message
        );
        // High ambition alone never makes growth easier: +34 % is still a stretch…
        let ambitious = TargetInput {
            leadership_ambition: "high".into(),
            ..stretch.clone()
        };
        let c = ambitious.check(&ctx(Some(&r), None)).achievable;
        assert!(c.message.starts_with("a stretch"), "{}", c.message);
        // …but it raises the floor: +5 % asks too little.
        let modest = TargetInput {
            value: "1050000".into(),
            ..ambitious
        };
        let c = modest.check(&ctx(Some(&r), None)).achievable;
        assert_eq!(c.level, Level::Warning);
        assert_eq!(
            c.message,
            "too low for these factors: needs +5 % over € 1 M (01 Jul 2025 – 30 Sep 2025), and these factors put the floor at +10 % (high ambition raises the floor)"
        );
        // A market against growth moves the range down (modest ambition changes nothing):
        // -20 % to +0 %, so +15 % is a stretch.
        let harder = TargetInput {
            value: "1150000".into(),
            market_relevance: "low".into(),
            maturity: "high".into(),
            competition: "high".into(),
            cost_structure: "high".into(),
            leadership_ambition: "low".into(),
            ..good()
        };
        let r0 = record(1_000_000, Some(5));
        let c = harder.check(&ctx(Some(&r0), None)).achievable;
        assert_eq!(c.level, Level::Warning, "{}", c.message);
        assert!(
            c.message
                .contains("above the +0 % these factors make plausible"),
            "{}",
            c.message
        );
        // Below what was already reached.
        let lower = TargetInput {
            value: "900000".into(),
            ..good()
        };
        let c = lower.check(&ctx(Some(&r), None)).achievable;
        assert!(
            c.message
                .starts_with("target lower than what was already achieved: -10 %"),
            "{}",
            c.message
        );
        // No history: a warning that says so.
        let none = TrackRecord {
            last_year: None,
            best_growth_pct: None,
            period_word: "quarter".into(),
            outlook: None,
        };
        assert!(good()
            .check(&ctx(Some(&none), None))
            .achievable
            .message
            .starts_with("no history"));
    }

    #[test]
    fn achievable_flags_a_target_the_outlook_already_makes_likely() {
        use crate::domain::achievable::{Basis, DraftOutlook, Expected, LEVELS};
        // Pacer expects € 1.5 M to € 2 M this quarter: € 1.2 M is reached almost surely,
        // however reasonable +9 % over last year looks.
        let quantiles = LEVELS
            .iter()
            .map(|l| Decimal::from(1_500_000) + Decimal::from(5_000) * Decimal::from(*l))
            .collect();
        let expected = Expected::new(
            d(2026, 6, 15),
            Basis::RunRate,
            Decimal::ZERO,
            quantiles,
            None,
        )
        .unwrap();
        let r = TrackRecord {
            outlook: Some(DraftOutlook::Expected(expected)),
            ..record(1_100_000, Some(12))
        };
        let c = good().check(&ctx(Some(&r), None)).achievable;
        assert_eq!(c.level, Level::Warning);
        assert!(
            c.message.starts_with(
                "too low: Pacer already expects € 1.8 M from the run rate and the season, so € 1.2 M is very likely (P(hit) 99 %)"
            ),
            "{}",
            c.message
        );
        assert!(
            c.message.contains("; needs +9 % over € 1.1 M"),
            "{}",
            c.message
        );
        // € 1.75 M: an even chance, though +59 % over last year is a stretch.
        let fair = TargetInput {
            value: "1750000".into(),
            ..good()
        };
        let c = fair.check(&ctx(Some(&r), None)).achievable;
        assert!(c.message.starts_with("a stretch"), "{}", c.message);
        assert!(c.message.contains("P(hit) 50 %"), "{}", c.message);
    }

    #[test]
    fn relevant_checks_the_parent_and_the_allocation() {
        let parent = ParentSummary {
            id: 9,
            statement: "Company turnover € 5 M".into(),
            metric: Metric::Turnover,
            value: Decimal::from(5_000_000),
            currency: Some(Currency::EUR),
            period: Period::new(d(2026, 1, 1), d(2026, 12, 31)).unwrap(),
            allocated_to_others: Decimal::from(3_000_000),
            segment: None,
        };
        let child = TargetInput {
            parent_id: "9".into(),
            ..good()
        };
        let c = child.check(&ctx(None, Some(&parent))).relevant;
        assert_eq!(c.level, Level::Pass);
        assert_eq!(
            c.message,
            "serves “Company turnover € 5 M”: € 4.2 M of € 5 M allocated, € 800 k remains"
        );
        let over = TargetInput {
            value: "2300000".into(),
            ..child.clone()
        };
        let c = over.check(&ctx(None, Some(&parent))).relevant;
        assert_eq!(c.level, Level::Warning);
        assert_eq!(
            c.message,
            "over-allocated by € 300 k: the children add up to € 5.3 M of the parent's € 5 M"
        );
        let visits = TargetInput {
            metric: "visits".into(),
            value: "40".into(),
            ..child.clone()
        };
        let c = visits.check(&ctx(None, Some(&parent))).relevant;
        assert_eq!(
            (c.level, c.field.as_deref()),
            (Level::Error, Some("metric"))
        );
        let outside = TargetInput {
            end: "2027-01-31".into(),
            ..child
        };
        assert!(outside
            .check(&ctx(None, Some(&parent)))
            .relevant
            .message
            .contains("within the parent's"));
        let orphan = TargetInput {
            rationale: String::new(),
            ..good()
        };
        assert_eq!(
            orphan.check(&SmartContext::default()).relevant.level,
            Level::Warning
        );
        let strategic = TargetInput {
            kind: "strategic".into(),
            ..orphan
        };
        assert!(strategic
            .check(&SmartContext::default())
            .relevant
            .message
            .contains("needs a rationale"));
    }

    #[test]
    fn time_bound_needs_both_dates_in_order() {
        let backwards = TargetInput {
            start: "2026-09-30".into(),
            end: "2026-07-01".into(),
            ..good()
        };
        let c = backwards.check(&SmartContext::default()).time_bound;
        assert_eq!((c.level, c.field.as_deref()), (Level::Error, Some("end")));
        assert_eq!(
            c.message,
            "the end date 01 Jul 2026 is before the start date 30 Sep 2026"
        );
        let missing = TargetInput {
            start: String::new(),
            ..good()
        };
        assert_eq!(
            missing
                .check(&SmartContext::default())
                .time_bound
                .field
                .as_deref(),
            Some("start")
        );
        let past = SmartContext {
            today: Some(d(2026, 11, 1)),
            ..SmartContext::default()
        };
        assert_eq!(good().check(&past).time_bound.level, Level::Warning);
    }

    #[test]
    fn a_turnover_target_may_count_one_client_type() {
        let relationship = TargetInput {
            segment: "relationship".into(),
            ..good()
        };
        let report = relationship.check(&SmartContext::default());
        assert_eq!(
            report.measurable.message,
            "measured as € 1.2 M of turnover with relationship clients"
        );
        let (fields, _) = relationship.parse(&SmartContext::default()).unwrap();
        assert_eq!(fields.segment, Some(Segment::Relationship));
        // Blank is every client; a made-up type names the field.
        let (all, _) = good().parse(&SmartContext::default()).unwrap();
        assert_eq!(all.segment, None);
        let vip = TargetInput {
            segment: "vip".into(),
            ..good()
        };
        let c = vip.check(&SmartContext::default()).measurable;
        assert_eq!(
            (c.level, c.field.as_deref()),
            (Level::Error, Some("segment"))
        );
        assert!(c.message.contains("is not a client type"), "{}", c.message);
        assert_eq!(
            vip.parse(&SmartContext::default()).unwrap_err()[0].field,
            "segment"
        );
        // Visits are not split by client type: the choice is ignored.
        let visits = TargetInput {
            metric: "visits".into(),
            value: "40".into(),
            segment: "relationship".into(),
            ..good()
        };
        let (fields, _) = visits.parse(&SmartContext::default()).unwrap();
        assert_eq!(fields.segment, None);
    }

    #[test]
    fn a_child_counts_the_client_type_its_parent_counts() {
        let parent = ParentSummary {
            id: 9,
            statement: "Relationship clients: € 5 M".into(),
            metric: Metric::Turnover,
            value: Decimal::from(5_000_000),
            currency: Some(Currency::EUR),
            period: Period::new(d(2026, 1, 1), d(2026, 12, 31)).unwrap(),
            allocated_to_others: Decimal::ZERO,
            segment: Some(Segment::Relationship),
        };
        let every_client = TargetInput {
            parent_id: "9".into(),
            ..good()
        };
        let c = every_client.check(&ctx(None, Some(&parent))).relevant;
        assert_eq!(
            (c.level, c.field.as_deref()),
            (Level::Error, Some("segment"))
        );
        assert_eq!(
            c.message,
            "the parent target counts turnover with relationship clients only: choose relationship clients as the client type"
        );
        let price = TargetInput {
            segment: "price".into(),
            ..every_client.clone()
        };
        assert_eq!(
            price
                .parse(&ctx(None, Some(&parent)))
                .unwrap_err()
                .iter()
                .map(|e| e.field)
                .collect::<Vec<_>>(),
            ["segment"]
        );
        let same = TargetInput {
            segment: "relationship".into(),
            ..every_client.clone()
        };
        assert_eq!(
            same.check(&ctx(None, Some(&parent))).relevant.level,
            Level::Pass
        );
        // A parent on every client may be split by client type.
        let all_clients = ParentSummary {
            segment: None,
            ..parent
        };
        assert_eq!(
            same.check(&ctx(None, Some(&all_clients))).relevant.level,
            Level::Pass
        );
    }

    #[test]
    fn parse_reports_every_error_with_its_field() {
        let bad = TargetInput {
            value: "0".into(),
            end: "2026-06-01".into(),
            kind: "eternal".into(),
            ..good()
        };
        let errors = bad.parse(&SmartContext::default()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["value", "end", "kind"]);
    }

    proptest! {
        #[test]
        fn the_check_never_panics(statement in ".{0,80}", value in ".{0,12}", start in ".{0,12}", end in ".{0,12}", metric in prop::sample::select(vec!["turnover", "visits", "customer_growth_pct", "", "x"])) {
            let input = TargetInput { statement, value, start, end, metric: metric.into(), ..good() };
            let _ = input.check(&SmartContext::default());
            let _ = input.parse(&SmartContext::default());
        }
    }
}

//! Targets (DESIGN.md, "Target"): who they are for, how they are rated, and the agreement
//! workflow between the manager's side and the assignee's side.

use super::{FieldError, Role};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Operational targets run the day-to-day business; strategic ones say where it is going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Operational,
    Strategic,
}

impl TargetKind {
    pub const ALL: [TargetKind; 2] = [TargetKind::Operational, TargetKind::Strategic];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Operational => "operational",
            TargetKind::Strategic => "strategic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        TargetKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            TargetKind::Operational => "Operational",
            TargetKind::Strategic => "Strategic",
        }
    }
}

/// A manager's low / medium / high rating of one external factor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Low,
    #[default]
    Medium,
    High,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Low, Rating::Medium, Rating::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Rating::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Low => "Low",
            Rating::Medium => "Medium",
            Rating::High => "High",
        }
    }

    /// -1, 0 or +1: how far above "medium" the rating is.
    fn offset(self) -> i32 {
        match self {
            Rating::Low => -1,
            Rating::Medium => 0,
            Rating::High => 1,
        }
    }
}

/// The external factors DESIGN.md lists for the Achievable check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    MarketRelevance,
    Maturity,
    Competition,
    CostStructure,
    LeadershipAmbition,
}

impl Factor {
    pub const ALL: [Factor; 5] = [
        Factor::MarketRelevance,
        Factor::Maturity,
        Factor::Competition,
        Factor::CostStructure,
        Factor::LeadershipAmbition,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Factor::MarketRelevance => "market_relevance",
            Factor::Maturity => "maturity",
            Factor::Competition => "competition",
            Factor::CostStructure => "cost_structure",
            Factor::LeadershipAmbition => "leadership_ambition",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Factor::MarketRelevance => "Market relevance & product position",
            Factor::Maturity => "Market maturity & saturation",
            Factor::Competition => "Competition intensity",
            Factor::CostStructure => "Cost structure & supplier dependencies",
            Factor::LeadershipAmbition => "Leadership ambition",
        }
    }

    /// What `rating` of this factor does to the growth that is plausible. The market's
    /// factors move the whole range, up when they make growth easier and down when they make
    /// it harder; leadership ambition moves only the floor: it asks for more, it does not make
    /// more possible, so high ambition never makes a target easier to call achievable.
    pub fn effect(self, rating: Rating) -> Effect {
        let step = rating.offset();
        match self {
            Factor::MarketRelevance => Effect::Shifts(step),
            Factor::Maturity | Factor::Competition | Factor::CostStructure => Effect::Shifts(-step),
            // Modest ambition asks for no less than usual: only high ambition moves the floor.
            Factor::LeadershipAmbition => Effect::Floor(step.max(0)),
        }
    }

    /// `rating` in words that say which way it pushes: what the editor's options read.
    pub fn words(self, rating: Rating) -> &'static str {
        let [low, medium, high] = match self {
            Factor::MarketRelevance => [
                "weak market position: makes growth harder",
                "average market position: neither easier nor harder",
                "strong market position: makes growth easier",
            ],
            Factor::Maturity => [
                "young, growing market: makes growth easier",
                "established market: neither easier nor harder",
                "saturated market: makes growth harder",
            ],
            Factor::Competition => [
                "little competition: makes growth easier",
                "usual competition: neither easier nor harder",
                "strong competition: makes growth harder",
            ],
            Factor::CostStructure => [
                "lean costs, independent suppliers: makes growth easier",
                "usual costs and suppliers: neither easier nor harder",
                "high costs, dependent suppliers: makes growth harder",
            ],
            Factor::LeadershipAmbition => [
                "modest ambition: leaves the floor",
                "usual ambition: leaves the floor",
                "high ambition: raises the floor",
            ],
        };
        match rating {
            Rating::Low => low,
            Rating::Medium => medium,
            Rating::High => high,
        }
    }
}

/// How one factor's rating moves the plausible growth ([`GrowthRange`]), in steps away from
/// medium.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Floor and ceiling together: +1 a step easier, -1 a step harder, 0 neither.
    Shifts(i32),
    /// The floor alone: +1 raises it a step (never lowered).
    Floor(i32),
}

/// With every factor medium: from holding the same span last year up to a fifth more.
pub const FLOOR_PCT: i64 = 0;
pub const CEILING_PCT: i64 = 20;
/// Points a market factor moves both ends by, per step away from medium.
pub const SHIFT_PCT: i64 = 5;
/// Points leadership ambition moves the floor by, per step away from medium.
pub const AMBITION_PCT: i64 = 10;

/// The growth over the same span last year (whole percent) that the external factors make
/// plausible: a target below the floor asks too little, one above the ceiling is a stretch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GrowthRange {
    pub floor_pct: i64,
    pub ceiling_pct: i64,
}

/// "+0 % to +20 %".
impl fmt::Display for GrowthRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:+} % to {:+} %", self.floor_pct, self.ceiling_pct)
    }
}

/// The five ratings, in [`Factor::ALL`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Factors(pub [Rating; 5]);

impl Factors {
    pub fn get(&self, factor: Factor) -> Rating {
        self.0[Factor::ALL
            .iter()
            .position(|f| *f == factor)
            .expect("every factor is listed")]
    }

    /// The growth these ratings make plausible: [`FLOOR_PCT`] to [`CEILING_PCT`] when all are
    /// medium, both ends moved [`SHIFT_PCT`] points per step of a market factor, the floor
    /// alone [`AMBITION_PCT`] points per step of ambition (never above the ceiling).
    pub fn growth_range(&self) -> GrowthRange {
        let (mut shift, mut floor) = (0i64, 0i64);
        for (factor, rating) in Factor::ALL.iter().zip(self.0) {
            match factor.effect(rating) {
                Effect::Shifts(step) => shift += i64::from(step),
                Effect::Floor(step) => floor += i64::from(step),
            }
        }
        let ceiling_pct = CEILING_PCT + SHIFT_PCT * shift;
        GrowthRange {
            floor_pct: (FLOOR_PCT + SHIFT_PCT * shift + AMBITION_PCT * floor).min(ceiling_pct),
            ceiling_pct,
        }
    }

    /// A compact storage form: the five ratings' first letters, e.g. "mhmlm".
    pub fn code(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str().chars().next().expect("ratings are words"))
            .collect()
    }

    pub fn from_code(code: &str) -> Option<Factors> {
        let mut ratings = [Rating::Medium; 5];
        if code.chars().count() != 5 {
            return None;
        }
        for (slot, c) in ratings.iter_mut().zip(code.chars()) {
            *slot = Rating::ALL
                .into_iter()
                .find(|r| r.as_str().starts_with(c))?;
        }
        Some(Factors(ratings))
    }
}

/// Whom a target is for: one person, or an org unit as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignee {
    User(i64),
    Unit(i64),
}

impl Assignee {
    /// The form value: "user-7", "unit-3".
    pub fn key(self) -> String {
        match self {
            Assignee::User(id) => format!("user-{id}"),
            Assignee::Unit(id) => format!("unit-{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Assignee> {
        let (kind, id) = key.trim().split_once('-')?;
        let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
        match kind {
            "user" => Some(Assignee::User(id)),
            "unit" => Some(Assignee::Unit(id)),
            _ => None,
        }
    }
}

/// Where a target stands in the agreement workflow (DESIGN.md, "Agreement"). `Active` is not
/// stored: an agreed target is active while its period runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    Draft,
    Proposed,
    ChangesRequested,
    Agreed,
    Achieved,
    Missed,
}

impl TargetStatus {
    pub const ALL: [TargetStatus; 6] = [
        TargetStatus::Draft,
        TargetStatus::Proposed,
        TargetStatus::ChangesRequested,
        TargetStatus::Agreed,
        TargetStatus::Achieved,
        TargetStatus::Missed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Draft => "draft",
            TargetStatus::Proposed => "proposed",
            TargetStatus::ChangesRequested => "changes_requested",
            TargetStatus::Agreed => "agreed",
            TargetStatus::Achieved => "achieved",
            TargetStatus::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        TargetStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            TargetStatus::Draft => "Draft",
            TargetStatus::Proposed => "Proposed",
            TargetStatus::ChangesRequested => "Changes requested",
            TargetStatus::Agreed => "Agreed",
            TargetStatus::Achieved => "Achieved",
            TargetStatus::Missed => "Missed",
        }
    }

    /// Fields may change only while the target is still being negotiated.
    pub fn is_editable(self) -> bool {
        matches!(self, TargetStatus::Draft | TargetStatus::ChangesRequested)
    }

    pub fn is_closed(self) -> bool {
        matches!(self, TargetStatus::Achieved | TargetStatus::Missed)
    }
}

impl fmt::Display for TargetStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The two parties to an agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Whoever sets the target: a manager above the assignee, or an admin.
    Manager,
    /// Whoever must reach it: the assigned person, or the manager of the assigned unit.
    Assignee,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Manager => Side::Assignee,
            Side::Assignee => Side::Manager,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Manager => "manager",
            Side::Assignee => "assignee",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Side::Manager, Side::Assignee]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
}

/// The person acting, as far as the workflow cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor<'a> {
    pub user_id: i64,
    pub role: Role,
    pub unit_path: &'a str,
}

/// The target's assignee, resolved to the unit whose manager answers for it: the assigned
/// user's unit; for an assigned unit the unit itself or, when it has no manager of its own
/// (a team run by its business unit's manager), the nearest unit above that has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssigneeAt<'a> {
    pub assignee: Assignee,
    pub unit_path: &'a str,
    /// The assigned person is a manager: only a manager of a unit above theirs sets their
    /// targets, never a peer managing the same unit.
    pub assignee_is_manager: bool,
}

/// Which side of the agreement `actor` is on, if any. The assignee's side wins when someone is
/// both (a manager assigned a target of their own unit), so nobody can accept their own proposal.
pub fn side_of(actor: &Actor<'_>, target: &AssigneeAt<'_>) -> Option<Side> {
    let is_assignee = match target.assignee {
        Assignee::User(id) => id == actor.user_id,
        Assignee::Unit(_) => actor.role == Role::Manager && actor.unit_path == target.unit_path,
    };
    if is_assignee {
        return Some(Side::Assignee);
    }
    let within = target.unit_path.starts_with(actor.unit_path);
    let above = match target.assignee {
        // A rep: a manager of their own unit or any unit above it.
        Assignee::User(_) if !target.assignee_is_manager => within,
        // A unit, or a manager: a manager strictly above.
        _ => within && target.unit_path != actor.unit_path,
    };
    match actor.role {
        Role::Admin => Some(Side::Manager),
        Role::Manager if above => Some(Side::Manager),
        _ => None,
    }
}

/// A step in the agreement workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Transition {
    /// Send the target to the other side to accept.
    Propose,
    /// Take back one's own proposal to edit it.
    Withdraw,
    /// Agree to the other side's proposal.
    Accept,
    /// Answer a proposal with a comment and, optionally, a counter-value.
    RequestChanges,
    /// Agree to the other side's counter-value.
    AcceptCounter,
    /// After the period: record whether it was reached.
    Close,
}

impl Transition {
    pub fn as_str(&self) -> &'static str {
        match self {
            Transition::Propose => "propose",
            Transition::Withdraw => "withdraw",
            Transition::Accept => "accept",
            Transition::RequestChanges => "request_changes",
            Transition::AcceptCounter => "accept_counter",
            Transition::Close => "close",
        }
    }

    pub const ALL: [Transition; 6] = [
        Transition::Propose,
        Transition::Withdraw,
        Transition::Accept,
        Transition::RequestChanges,
        Transition::AcceptCounter,
        Transition::Close,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Transition::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }

    pub fn label(&self) -> &'static str {
        match self {
            Transition::Propose => "Propose",
            Transition::Withdraw => "Withdraw proposal",
            Transition::Accept => "Accept",
            Transition::RequestChanges => "Request changes",
            Transition::AcceptCounter => "Accept counter-proposal",
            Transition::Close => "Close",
        }
    }
}

/// The workflow state a transition reads: status, and which side must act next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub status: TargetStatus,
    /// The side whose answer is awaited (proposed, changes requested); `None` otherwise.
    pub awaiting: Option<Side>,
    /// Whether the last request for changes carried a counter-value.
    pub has_counter: bool,
}

/// Why the agreement's rules refuse a step. Its message names the rule in a manager's words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("only the side that proposed it can withdraw the proposal")]
    NotYourProposal,
    #[error("you proposed this target: the other side accepts it or asks for changes")]
    OwnProposal,
    #[error("the request for changes has no counter-value to accept")]
    NoCounter,
    #[error("you made the counter-proposal: the other side accepts it")]
    OwnCounter,
    #[error("the manager's side closes a target")]
    ManagerCloses,
    #[error("a target can be closed only after its period has ended")]
    PeriodRunning,
    #[error("\"{}\" is not possible while the target is {}", .step.label(), .status.label().to_lowercase())]
    NotNow {
        step: Transition,
        status: TargetStatus,
    },
}

impl From<StepRefused> for FieldError {
    fn from(refused: StepRefused) -> Self {
        FieldError::new("action", refused.to_string())
    }
}

/// Why a target may not be saved, linked, stepped or cascaded as asked: the rules of the
/// agreement and of the cascade, each with the form field it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetRule {
    #[error("an edit must say which version it changes")]
    VersionMissing,
    #[error("the target is {}: it can be edited only as a draft or when changes are requested", .0.label().to_lowercase())]
    NotEditable(TargetStatus),
    #[error("choose someone from the list")]
    UnknownAssignee,
    #[error("you can set targets only for yourself and for the people and units you manage")]
    NotYourAssignee,
    #[error("the parent target is unknown or not visible to you")]
    UnknownParent,
    #[error("only the two sides of “{0}” link targets to it")]
    NotAParentSide(String),
    #[error("the parent target is closed")]
    ParentClosed,
    #[error("a target cannot contribute to itself or to one of its own contributors")]
    Cycle,
    #[error("the parent target is for {parent_assignee}, and {assignee} is not part of it")]
    OutsideParent {
        parent_assignee: String,
        assignee: String,
    },
    #[error("keep the comment to {MAX_COMMENT_CHARS} characters")]
    CommentTooLong,
    #[error("say what should change, so the other side can answer")]
    CommentMissing,
    #[error("{0}")]
    Counter(String),
    #[error("the target is closed")]
    CascadeClosed,
    #[error(
        "growth is measured against each unit's own baseline: add contributing targets one by one"
    )]
    CascadeGrowth,
    #[error("a person's target has no members to share it among")]
    CascadePerson,
    #[error("every member of the unit already has a share of this target")]
    CascadeCovered,
    #[error("the children already add up to the whole target: nothing is left to share")]
    CascadeNothingLeft,
}

/// Longest comment a step of the agreement keeps.
pub const MAX_COMMENT_CHARS: usize = 500;

impl TargetRule {
    pub fn field(&self) -> &'static str {
        use TargetRule::*;
        match self {
            VersionMissing => "version",
            NotEditable(_) => "status",
            UnknownAssignee | NotYourAssignee => "assignee",
            UnknownParent | NotAParentSide(_) | ParentClosed | Cycle | OutsideParent { .. } => {
                "parent_id"
            }
            CommentTooLong | CommentMissing => "comment",
            Counter(_) => "counter",
            CascadeClosed | CascadeGrowth | CascadePerson | CascadeCovered | CascadeNothingLeft => {
                "target"
            }
        }
    }
}

impl From<TargetRule> for FieldError {
    fn from(rule: TargetRule) -> Self {
        FieldError::new(rule.field(), rule.to_string())
    }
}

impl TargetStatus {
    /// Only a draft, or a target whose other side asked for changes, may be edited.
    pub fn check_editable(self) -> Result<(), TargetRule> {
        if self.is_editable() {
            Ok(())
        } else {
            Err(TargetRule::NotEditable(self))
        }
    }
}

/// What is known of a parent a target is to contribute to.
pub struct ParentLink<'a> {
    /// The person linking is one of the parent's two sides.
    pub linker_is_side: bool,
    pub statement: &'a str,
    pub closed: bool,
    /// The target being edited is the parent or one of its ancestors.
    pub would_cycle: bool,
    /// The child's assignee is the parent's, or inside the parent's unit.
    pub inside: bool,
    pub parent_assignee: &'a str,
    pub assignee: &'a str,
}

/// Whether a target may contribute to the parent described, in the order the editor names
/// the problems.
pub fn check_parent(link: &ParentLink<'_>) -> Result<(), TargetRule> {
    if !link.linker_is_side {
        return Err(TargetRule::NotAParentSide(link.statement.to_string()));
    }
    if link.closed {
        return Err(TargetRule::ParentClosed);
    }
    if link.would_cycle {
        return Err(TargetRule::Cycle);
    }
    if !link.inside {
        return Err(TargetRule::OutsideParent {
            parent_assignee: link.parent_assignee.to_string(),
            assignee: link.assignee.to_string(),
        });
    }
    Ok(())
}

/// A step's comment, trimmed: at most [`MAX_COMMENT_CHARS`], and required when asking for
/// changes.
pub fn check_comment<'a>(step: &Transition, comment: &'a str) -> Result<&'a str, TargetRule> {
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(TargetRule::CommentTooLong);
    }
    if *step == Transition::RequestChanges && comment.is_empty() {
        return Err(TargetRule::CommentMissing);
    }
    Ok(comment)
}

/// What a transition turns the agreement into. `Close` needs the outcome, which only the
/// server can measure, so it is passed in.
pub fn apply(
    state: Agreement,
    actor: Side,
    transition: &Transition,
    period_over: bool,
    achieved: bool,
) -> Result<Agreement, StepRefused> {
    use TargetStatus::*;
    let next = |status, awaiting| Agreement {
        status,
        awaiting,
        has_counter: false,
    };
    let their_turn = state.awaiting == Some(actor);
    match (transition, state.status) {
        (Transition::Propose, Draft | ChangesRequested) => Ok(next(Proposed, Some(actor.other()))),
        (Transition::Withdraw, Proposed) if state.awaiting == Some(actor.other()) => {
            Ok(next(Draft, None))
        }
        (Transition::Withdraw, Proposed) => Err(StepRefused::NotYourProposal),
        (Transition::Accept | Transition::RequestChanges, Proposed) if !their_turn => {
            Err(StepRefused::OwnProposal)
        }
        (Transition::Accept, Proposed) => Ok(next(Agreed, None)),
        (Transition::RequestChanges, Proposed) => Ok(Agreement {
            status: ChangesRequested,
            awaiting: Some(actor.other()),
            has_counter: false,
        }),
        (Transition::AcceptCounter, ChangesRequested) if !state.has_counter => {
            Err(StepRefused::NoCounter)
        }
        (Transition::AcceptCounter, ChangesRequested) if !their_turn => {
            Err(StepRefused::OwnCounter)
        }
        (Transition::AcceptCounter, ChangesRequested) => Ok(next(Agreed, None)),
        (Transition::Close, Agreed) if actor != Side::Manager => Err(StepRefused::ManagerCloses),
        (Transition::Close, Agreed) if !period_over => Err(StepRefused::PeriodRunning),
        (Transition::Close, Agreed) => Ok(next(if achieved { Achieved } else { Missed }, None)),
        (step, status) => Err(StepRefused::NotNow {
            step: step.clone(),
            status,
        }),
    }
}

/// The transitions `side` may take now, for the buttons on a target.
pub fn available(state: Agreement, side: Side, period_over: bool) -> Vec<Transition> {
    Transition::ALL
        .into_iter()
        .filter(|t| apply(state, side, t, period_over, true).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link<'a>() -> ParentLink<'a> {
        ParentLink {
            linker_is_side: true,
            statement: "Grow Nord by 10 %",
            closed: false,
            would_cycle: false,
            inside: true,
            parent_assignee: "Team Nord",
            assignee: "Lena Schulz",
        }
    }

    #[test]
    fn a_parent_is_checked_in_the_order_the_editor_names_problems() {
        assert_eq!(check_parent(&link()), Ok(()));
        let every_problem = ParentLink {
            linker_is_side: false,
            closed: true,
            would_cycle: true,
            inside: false,
            ..link()
        };
        let first = check_parent(&every_problem).unwrap_err();
        assert_eq!(first.field(), "parent_id");
        assert_eq!(
            first.to_string(),
            "only the two sides of “Grow Nord by 10 %” link targets to it"
        );
        let closed = ParentLink {
            linker_is_side: true,
            ..every_problem
        };
        assert_eq!(check_parent(&closed), Err(TargetRule::ParentClosed));
        let cycle = ParentLink {
            closed: false,
            ..closed
        };
        assert_eq!(check_parent(&cycle), Err(TargetRule::Cycle));
        let outside = ParentLink {
            would_cycle: false,
            ..cycle
        };
        assert_eq!(
            check_parent(&outside).unwrap_err().to_string(),
            "the parent target is for Team Nord, and Lena Schulz is not part of it"
        );
    }

    #[test]
    fn comments_are_kept_short_and_required_when_asking_for_changes() {
        assert_eq!(check_comment(&Transition::Accept, "  fine  "), Ok("fine"));
        assert_eq!(check_comment(&Transition::Accept, ""), Ok(""));
        assert_eq!(
            check_comment(&Transition::RequestChanges, "   "),
            Err(TargetRule::CommentMissing)
        );
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        let refused = check_comment(&Transition::Accept, &long).unwrap_err();
        assert_eq!(refused.field(), "comment");
        assert_eq!(refused.to_string(), "keep the comment to 500 characters");
    }

    #[test]
    fn only_drafts_and_requested_changes_are_editable() {
        assert_eq!(TargetStatus::Draft.check_editable(), Ok(()));
        assert_eq!(TargetStatus::ChangesRequested.check_editable(), Ok(()));
        let refused = TargetStatus::Agreed.check_editable().unwrap_err();
        assert_eq!(FieldError::from(refused).field, "status");
        assert_eq!(
            TargetStatus::Agreed
                .check_editable()
                .unwrap_err()
                .to_string(),
            "the target is agreed: it can be edited only as a draft or when changes are requested"
        );
    }
    use TargetStatus::*;

    fn state(status: TargetStatus, awaiting: Option<Side>, has_counter: bool) -> Agreement {
        Agreement {
            status,
            awaiting,
            has_counter,
        }
    }

    #[test]
    fn propose_counter_accept() {
        let draft = state(Draft, None, false);
        let proposed = apply(draft, Side::Manager, &Transition::Propose, false, false).unwrap();
        assert_eq!(proposed, state(Proposed, Some(Side::Assignee), false));
        // The manager cannot accept their own proposal on the rep's behalf.
        let err = apply(proposed, Side::Manager, &Transition::Accept, false, false).unwrap_err();
        assert!(err.to_string().contains("other side"), "{err}");
        let countered = apply(
            proposed,
            Side::Assignee,
            &Transition::RequestChanges,
            false,
            false,
        )
        .unwrap();
        assert_eq!(
            countered,
            state(ChangesRequested, Some(Side::Manager), false)
        );
        let with_counter = Agreement {
            has_counter: true,
            ..countered
        };
        assert!(apply(
            with_counter,
            Side::Assignee,
            &Transition::AcceptCounter,
            false,
            false
        )
        .is_err());
        assert!(apply(
            countered,
            Side::Manager,
            &Transition::AcceptCounter,
            false,
            false
        )
        .is_err());
        let agreed = apply(
            with_counter,
            Side::Manager,
            &Transition::AcceptCounter,
            false,
            false,
        )
        .unwrap();
        assert_eq!(agreed.status, Agreed);
    }

    #[test]
    fn either_side_proposes_and_only_the_proposer_withdraws() {
        let draft = state(Draft, None, false);
        let by_rep = apply(draft, Side::Assignee, &Transition::Propose, false, false).unwrap();
        assert_eq!(by_rep.awaiting, Some(Side::Manager));
        assert!(apply(by_rep, Side::Manager, &Transition::Withdraw, false, false).is_err());
        assert_eq!(
            apply(by_rep, Side::Assignee, &Transition::Withdraw, false, false)
                .unwrap()
                .status,
            Draft
        );
        assert_eq!(
            apply(by_rep, Side::Manager, &Transition::Accept, false, false)
                .unwrap()
                .status,
            Agreed
        );
    }

    #[test]
    fn closing_needs_the_period_over_and_the_manager() {
        let agreed = state(Agreed, None, false);
        assert!(
            apply(agreed, Side::Manager, &Transition::Close, false, true)
                .unwrap_err()
                .to_string()
                .contains("after its period")
        );
        assert!(apply(agreed, Side::Assignee, &Transition::Close, true, true).is_err());
        assert_eq!(
            apply(agreed, Side::Manager, &Transition::Close, true, false)
                .unwrap()
                .status,
            Missed
        );
        assert_eq!(
            apply(agreed, Side::Manager, &Transition::Close, true, true)
                .unwrap()
                .status,
            Achieved
        );
    }

    #[test]
    fn impossible_transitions_name_the_state() {
        let err = apply(
            state(Agreed, None, false),
            Side::Assignee,
            &Transition::Propose,
            false,
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"Propose\" is not possible while the target is agreed"
        );
        assert_eq!(
            available(
                state(Proposed, Some(Side::Assignee), false),
                Side::Assignee,
                false
            ),
            vec![Transition::Accept, Transition::RequestChanges]
        );
        assert_eq!(
            available(
                state(Proposed, Some(Side::Assignee), false),
                Side::Manager,
                false
            ),
            vec![Transition::Withdraw]
        );
    }

    #[test]
    fn sides_follow_the_org_tree() {
        let rep = Actor {
            user_id: 10,
            role: Role::Rep,
            unit_path: "/1/2/5/",
        };
        let team_manager = Actor {
            user_id: 3,
            role: Role::Manager,
            unit_path: "/1/2/5/",
        };
        let other_manager = Actor {
            user_id: 4,
            role: Role::Manager,
            unit_path: "/1/3/",
        };
        let admin = Actor {
            user_id: 1,
            role: Role::Admin,
            unit_path: "/1/",
        };
        let reps_target = AssigneeAt {
            assignee: Assignee::User(10),
            unit_path: "/1/2/5/",
            assignee_is_manager: false,
        };
        assert_eq!(side_of(&rep, &reps_target), Some(Side::Assignee));
        assert_eq!(side_of(&team_manager, &reps_target), Some(Side::Manager));
        assert_eq!(side_of(&other_manager, &reps_target), None);
        assert_eq!(side_of(&admin, &reps_target), Some(Side::Manager));
        let teams_target = AssigneeAt {
            assignee: Assignee::Unit(5),
            unit_path: "/1/2/5/",
            assignee_is_manager: false,
        };
        assert_eq!(side_of(&team_manager, &teams_target), Some(Side::Assignee));
        assert_eq!(side_of(&rep, &teams_target), None);
        let unit_manager = Actor {
            user_id: 2,
            role: Role::Manager,
            unit_path: "/1/2/",
        };
        assert_eq!(side_of(&unit_manager, &teams_target), Some(Side::Manager));
        // A peer managing the same unit does not set a manager's personal target; the manager
        // above does.
        let peer = Actor {
            user_id: 9,
            role: Role::Manager,
            unit_path: "/1/2/5/",
        };
        let managers_target = AssigneeAt {
            assignee: Assignee::User(3),
            unit_path: "/1/2/5/",
            assignee_is_manager: true,
        };
        assert_eq!(side_of(&peer, &managers_target), None);
        assert_eq!(
            side_of(&team_manager, &managers_target),
            Some(Side::Assignee)
        );
        assert_eq!(
            side_of(&unit_manager, &managers_target),
            Some(Side::Manager)
        );
    }

    #[test]
    fn codes_round_trip() {
        let f = Factors([
            Rating::High,
            Rating::Low,
            Rating::Medium,
            Rating::High,
            Rating::Low,
        ]);
        assert_eq!(f.code(), "hlmhl");
        assert_eq!(Factors::from_code("hlmhl"), Some(f));
        assert_eq!(Factors::from_code("hlm"), None);
        // High relevance (+5), low maturity (+5), high costs (-5): both ends 5 points up; low
        // ambition leaves the floor where it is.
        assert_eq!(
            f.growth_range(),
            GrowthRange {
                floor_pct: 5,
                ceiling_pct: 25
            }
        );
        assert_eq!(Assignee::parse("user-7"), Some(Assignee::User(7)));
        assert_eq!(
            Assignee::parse(&Assignee::Unit(3).key()),
            Some(Assignee::Unit(3))
        );
        assert_eq!(Assignee::parse("team-3"), None);
        assert_eq!(Assignee::parse("user-0"), None);
    }

    /// Every factor medium but `factor`, rated `rating`.
    fn only(factor: Factor, rating: Rating) -> Factors {
        let mut f = Factors::default();
        let at = Factor::ALL.iter().position(|x| *x == factor).unwrap();
        f.0[at] = rating;
        f
    }

    #[test]
    fn every_factor_moves_the_range_the_way_its_words_say() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let medium = Factors::default().growth_range();
        assert_eq!(
            medium,
            GrowthRange {
                floor_pct: 0,
                ceiling_pct: 20
            }
        );
        assert_eq!(medium.to_string(), "+0 % to +20 %");
        for factor in Factor::ALL {
            for rating in [Rating::Low, Rating::High] {
                let range = only(factor, rating).growth_range();
                let words = factor.words(rating);
                let moved = (
                    range.floor_pct.cmp(&medium.floor_pct),
                    range.ceiling_pct.cmp(&medium.ceiling_pct),
                );
                let said = if words.ends_with("makes growth easier") {
                    (Greater, Greater)
                } else if words.ends_with("makes growth harder") {
                    (Less, Less)
                } else if words.ends_with("raises the floor") {
                    (Greater, Equal)
                } else if words.ends_with("leaves the floor") {
                    (Equal, Equal)
                } else {
                    panic!("{factor:?} {rating:?}: “{words}” names no direction")
                };
                assert_eq!(moved, said, "{factor:?} {rating:?}: {words}");
            }
            assert_eq!(only(factor, Rating::Medium).growth_range(), medium);
        }
        assert_eq!(
            Factor::Competition.words(Rating::High),
            "strong competition: makes growth harder"
        );
        assert_eq!(
            only(Factor::Competition, Rating::High)
                .growth_range()
                .to_string(),
            "-5 % to +15 %"
        );
        assert_eq!(
            only(Factor::MarketRelevance, Rating::High)
                .growth_range()
                .to_string(),
            "+5 % to +25 %"
        );
    }

    #[test]
    fn ambition_raises_the_floor_and_never_makes_growth_easier() {
        // Whatever the four market factors say, high ambition keeps the ceiling and raises
        // the floor, modest ambition changes nothing (it never makes a low target
        // acceptable), and the floor never passes the ceiling.
        for combination in 0..81usize {
            let mut f = Factors::default();
            let mut rest = combination;
            for slot in f.0.iter_mut().take(4) {
                *slot = Rating::ALL[rest % 3];
                rest /= 3;
            }
            let usual = f.growth_range();
            f.0[4] = Rating::High;
            let high = f.growth_range();
            f.0[4] = Rating::Low;
            let low = f.growth_range();
            assert_eq!(high.ceiling_pct, usual.ceiling_pct, "{}", f.code());
            assert!(high.floor_pct > usual.floor_pct, "{}", f.code());
            assert_eq!(low, usual, "{}", f.code());
            for range in [usual, high, low] {
                assert!(range.floor_pct <= range.ceiling_pct, "{}", f.code());
            }
        }
        assert_eq!(
            only(Factor::LeadershipAmbition, Rating::High)
                .growth_range()
                .to_string(),
            "+10 % to +20 %"
        );
    }
}

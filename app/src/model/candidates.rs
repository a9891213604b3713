//! What closes a target's gap: the customers and deals to act on, ranked, each with the reason
//! in plain words and the actions a rep takes from there.

use serde::{Deserialize, Serialize};

/// Why a customer or deal is on the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Buys less than in the same span last year (the minus list).
    BehindLastYear,
    /// Its monthly run rate fell (a trend change down).
    TrendDown,
    /// An open deal expected in the period.
    OpenDeal,
    /// Not visited for long (or never).
    NotVisited,
    /// A prospect nobody has contacted yet.
    NeverContacted,
    /// A prospect with an open deal: its first order makes a new customer.
    ProspectWithDeal,
}

impl Reason {
    /// The group heading on the target page.
    pub fn heading(self) -> &'static str {
        match self {
            Reason::BehindLastYear => "Buying less than last year",
            Reason::TrendDown => "Buying rhythm fell",
            Reason::OpenDeal => "Open deals that close the gap",
            Reason::NotVisited => "Not visited for longest",
            Reason::NeverContacted => "Prospects never contacted",
            Reason::ProspectWithDeal => "Prospects with an open deal",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub reason: Reason,
    pub customer_id: i64,
    pub customer: String,
    pub city: Option<String>,
    /// The figure behind the reason, in words ("€12,400 below last year", "last visit
    /// 14 Mar 2026", "Proposal · €40,000 · closes 20 Dec").
    pub detail: String,
    /// The deal, for [`Reason::OpenDeal`] and [`Reason::ProspectWithDeal`].
    pub opportunity_id: Option<i64>,
    /// True when this deal alone would close the gap.
    pub covers_gap: bool,
    /// Estimated annual potential not yet bought (cents), when a potential is on record.
    pub untapped_minor: Option<i64>,
    /// From the phone's position, when it sent one.
    pub distance_m: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Candidates {
    /// Ranked within each reason; reasons in the order they help most for the metric.
    pub items: Vec<Candidate>,
    /// Customers someone acted on in this many days drop off the list (a call, a visit, a
    /// planned visit); deals stay until they are won or lost.
    pub acted_days: i64,
}

//! The phone's visits: every check-in (and its check-out) waits here, in `localStorage`, until
//! the server has it. A reload, a closed tab or a dead battery loses nothing; a resend is
//! harmless because the server stores a client id once. The day's synced visits are sent once
//! more each time the page opens ([`confirm_recent`]): should the server have lost an
//! acknowledged write (a restore from backup, a disk that lied), the phone puts it back.
//!
//! Calls, meetings, e-mails and initial contacts logged on the phone wait the same way
//! ([`Logged`]), in a list of their own, and are sent after the visits.

use crate::domain::activity::ActivityInput;
use crate::domain::check_in::{CheckInInput, CheckOutInput, Verification};
use crate::error::AppError;
use crate::model::check_ins::{ActivitySaved, CheckInSaved};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where one message to the server stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Sync {
    /// Not on the server yet; `last_error` says why the last try failed.
    Waiting {
        attempts: u32,
        /// In plain words ([`waiting_words`]).
        last_error: Option<String>,
        /// What the browser reported, shown behind "Details".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    Synced,
    /// The server refused it (it would refuse it again): kept, with the reason, until the rep
    /// discards it.
    Refused {
        message: String,
    },
}

impl Sync {
    pub const NEW: Sync = Sync::Waiting {
        attempts: 0,
        last_error: None,
        detail: None,
    };

    pub fn is_waiting(&self) -> bool {
        matches!(self, Sync::Waiting { .. })
    }
}

/// One visit as this phone knows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub check_in: CheckInInput,
    pub customer_name: String,
    /// What the phone worked out when checking in; the server's answer replaces it.
    pub verification: Verification,
    pub check_in_sync: Sync,
    pub initial_contact: bool,
    pub check_out: Option<CheckOutInput>,
    pub check_out_sync: Sync,
    /// Synced, but to be sent once more to confirm the server still has it; the badge keeps
    /// saying "synced" meanwhile.
    #[serde(default)]
    pub confirm: bool,
}

impl Visit {
    pub fn new(check_in: CheckInInput, customer_name: String, verification: Verification) -> Self {
        Visit {
            check_in,
            customer_name,
            verification,
            check_in_sync: Sync::NEW,
            initial_contact: false,
            check_out: None,
            check_out_sync: Sync::NEW,
            confirm: false,
        }
    }

    pub fn id(&self) -> &str {
        &self.check_in.client_id
    }

    /// What the badge says: waiting, synced or refused, for the visit as a whole.
    pub fn state(&self) -> &Sync {
        match (&self.check_in_sync, &self.check_out) {
            (Sync::Synced, Some(_)) => &self.check_out_sync,
            (state, _) => state,
        }
    }

    /// The next message to send, if any: the check-in first, then its check-out.
    pub fn next_message(&self) -> Option<Message> {
        match (&self.check_in_sync, &self.check_out, &self.check_out_sync) {
            (Sync::Waiting { .. }, _, _) => Some(Message::CheckIn(self.check_in.clone())),
            (Sync::Synced, Some(out), Sync::Waiting { .. }) => Some(Message::CheckOut(out.clone())),
            (Sync::Synced, _, _) if self.confirm => Some(Message::CheckIn(self.check_in.clone())),
            _ => None,
        }
    }

    /// A visit still open for a check-out: checked in within the last 12 hours, not out yet.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.check_out.is_none()
            && !matches!(self.check_in_sync, Sync::Refused { .. })
            && now - self.check_in.device_time < Duration::hours(12)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    CheckIn(CheckInInput),
    CheckOut(CheckOutInput),
}

/// A call, meeting, e-mail or initial contact logged on this phone, kept until the server has
/// it (stored once by its client id, like a check-in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logged {
    pub input: ActivityInput,
    pub customer_name: String,
    pub sync: Sync,
}

impl Logged {
    pub fn new(input: ActivityInput, customer_name: String) -> Self {
        Logged {
            input,
            customer_name,
            sync: Sync::NEW,
        }
    }

    /// The activity to send, while it waits.
    pub fn next_message(&self) -> Option<ActivityInput> {
        self.sync.is_waiting().then(|| self.input.clone())
    }
}

/// What the phone keeps in a list of its own: known by the client id it was made with.
pub trait Kept {
    fn id(&self) -> &str;
    /// When it happened: the list's order.
    fn at(&self) -> DateTime<Utc>;
    /// Synced and nothing more to send: may be dropped once it is old.
    fn settled(&self) -> bool;
}

impl Kept for Visit {
    fn id(&self) -> &str {
        Visit::id(self)
    }
    fn at(&self) -> DateTime<Utc> {
        self.check_in.device_time
    }
    fn settled(&self) -> bool {
        self.check_in_sync == Sync::Synced
            && self.next_message().is_none()
            && !matches!(self.check_out_sync, Sync::Refused { .. })
    }
}

impl Kept for Logged {
    fn id(&self) -> &str {
        &self.input.client_id
    }
    fn at(&self) -> DateTime<Utc> {
        self.input.occurred_at
    }
    fn settled(&self) -> bool {
        self.sync == Sync::Synced
    }
}

/// What a failed send means for the queue.
pub fn classify(error: &AppError) -> Retry {
    match error {
        // No network, a server in trouble, a session to renew: the same message may well
        // succeed later.
        AppError::Transport(_)
        | AppError::Internal
        | AppError::Unauthorized
        | AppError::TooManyAttempts { .. }
        // Our own page refused as another site's: a proxy set up wrong, fixed by an admin;
        // the check-in must not be dropped meanwhile.
        | AppError::CrossSite => Retry::Later,
        // The server read it and said no: it would say no again.
        AppError::Invalid { .. }
        | AppError::NotFound(_)
        | AppError::Forbidden(_)
        | AppError::Conflict(_)
        | AppError::BadRequest(_)
        | AppError::BadCredentials => Retry::Never,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    Later,
    Never,
}

/// How long to wait before the next try after `attempts` failed ones: 2 s doubling to 5 min.
pub fn backoff_ms(attempts: u32) -> u64 {
    2_000u64
        .saturating_mul(1u64 << attempts.min(10))
        .min(300_000)
}

/// Applies the outcome of sending `message` for visit `client_id`.
pub fn record_outcome(
    visits: &mut [Visit],
    client_id: &str,
    message: &Message,
    outcome: Result<Option<CheckInSaved>, AppError>,
) {
    let Some(visit) = visits.iter_mut().find(|v| v.id() == client_id) else {
        return;
    };
    if visit.confirm && visit.check_in_sync == Sync::Synced {
        // A confirming resend: the server's answer (stored, or stored again) ends it, and so
        // does a refusal (the customer went to someone else since): the visit was accepted
        // once and stays synced. Only a failure to reach the server tries again later.
        let reached = outcome.as_ref().err().map(classify) != Some(Retry::Later);
        if reached {
            visit.confirm = false;
            if let Ok(Some(saved)) = outcome {
                visit.verification = saved.verification;
                visit.initial_contact = saved.initial_contact;
            }
        }
        return;
    }
    let sync = match message {
        Message::CheckIn(_) => &mut visit.check_in_sync,
        Message::CheckOut(_) => &mut visit.check_out_sync,
    };
    match outcome {
        Ok(saved) => {
            *sync = Sync::Synced;
            if let Some(saved) = saved {
                visit.verification = saved.verification;
                visit.initial_contact = saved.initial_contact;
            }
        }
        Err(error) => *sync = failed(sync, &error),
    }
}

/// Where a message stands after a failed send: waiting for another try, or refused for good.
fn failed(sync: &Sync, error: &AppError) -> Sync {
    match (classify(error), sync) {
        (Retry::Later, Sync::Waiting { attempts, .. }) => Sync::Waiting {
            attempts: attempts + 1,
            last_error: Some(waiting_words(error)),
            detail: error.detail().map(str::to_string),
        },
        (Retry::Later, other) => other.clone(),
        (Retry::Never, _) => Sync::Refused {
            message: error.to_string(),
        },
    }
}

/// Why a message still waits, in the rep's words: what happened and that nothing needs doing.
pub fn waiting_words(error: &AppError) -> String {
    match error {
        AppError::Transport(_) => "No connection — will send when you are back online.".into(),
        AppError::Unauthorized => "Signed out — will send once you sign in again.".into(),
        other => format!("Not sent yet: {other} Pacer tries again by itself."),
    }
}

/// Applies the outcome of sending the activity `client_id` logged on this phone. A resend the
/// server answers as a duplicate is synced: the activity is there.
pub fn record_logged(
    logged: &mut [Logged],
    client_id: &str,
    outcome: Result<ActivitySaved, AppError>,
) {
    if let Some(item) = logged.iter_mut().find(|l| l.id() == client_id) {
        item.sync = match outcome {
            Ok(_) => Sync::Synced,
            Err(error) => failed(&item.sync, &error),
        };
    }
}

/// How many times the message of item `client_id` was tried, while it waits (1 if unknown).
pub fn attempts<T: Kept>(items: &[T], client_id: &str, sync: impl Fn(&T) -> &Sync) -> u32 {
    items
        .iter()
        .find(|i| i.id() == client_id)
        .and_then(|i| match sync(i) {
            Sync::Waiting { attempts, .. } => Some(*attempts),
            _ => None,
        })
        .unwrap_or(1)
}

/// What is worth keeping on the phone: anything not yet synced (or refused), and synced items
/// of the last two days (the rep's "today" list).
pub fn prune<T: Kept>(items: Vec<T>, now: DateTime<Utc>) -> Vec<T> {
    items
        .into_iter()
        .filter(|i| !i.settled() || now - i.at() < Duration::days(2))
        .collect()
}

/// Marks the synced check-ins of the last day to be sent once more (see the module's note).
pub fn confirm_recent(mut visits: Vec<Visit>, now: DateTime<Utc>) -> Vec<Visit> {
    for visit in &mut visits {
        if visit.check_in_sync == Sync::Synced
            && now - visit.check_in.device_time < Duration::days(1)
        {
            visit.confirm = true;
        }
    }
    visits
}

/// The `localStorage` key of a user's visits: a shared phone keeps each rep's apart.
pub fn storage_key(user_id: i64) -> String {
    format!("pacer.visits.{user_id}")
}

/// The `localStorage` key of the calls, meetings and e-mails a user logged on this phone.
pub fn logged_key(user_id: i64) -> String {
    format!("pacer.activities.{user_id}")
}

/// Puts together this tab's items and those another tab (or the installed app) stored
/// meanwhile: this tab's version of an item wins, the others' new ones join, oldest first.
pub fn merge<T: Kept>(mut mine: Vec<T>, stored: Vec<T>) -> Vec<T> {
    for item in stored {
        if !mine.iter().any(|m| m.id() == item.id()) {
            mine.push(item);
        }
    }
    mine.sort_by_key(Kept::at);
    mine
}

/// Reads the items kept in the browser (none on the server, or if unreadable).
pub fn load<T: serde::de::DeserializeOwned>(key: &str) -> Vec<T> {
    load_json(key).unwrap_or_default()
}

/// Writes the items to the browser's storage; `false` if it cannot (private mode, full).
pub fn save<T: Serialize>(key: &str, items: &[T]) -> bool {
    save_json(key, &items)
}

/// Removes one item from the browser's storage (the rep discarded it).
pub fn forget<T: Kept + Serialize + serde::de::DeserializeOwned>(
    key: &str,
    client_id: &str,
) -> bool {
    let mut items: Vec<T> = load(key);
    items.retain(|i| i.id() != client_id);
    save(key, &items)
}

/// A value kept in `localStorage` as JSON; `None` on the server, if absent or unreadable.
pub fn load_json<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    #[cfg(feature = "browser")]
    {
        let text = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(key).ok().flatten())?;
        // The slice reader, as for server answers: one copy of each type's reader (issue 21).
        serde_json::from_slice(text.as_bytes())
            .map_err(|e| leptos::logging::warn!("{key} in this browser cannot be read: {e}"))
            .ok()
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = key;
        None
    }
}

/// Keeps `value` in `localStorage` as JSON; `false` if it cannot (server, private mode, full).
pub fn save_json<T: Serialize + ?Sized>(key: &str, value: &T) -> bool {
    #[cfg(feature = "browser")]
    {
        let Ok(text) = serde_json::to_string(value) else {
            return false;
        };
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .is_some_and(|s| s.set_item(key, &text).is_ok())
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = (key, value);
        false
    }
}

/// Removes every key starting with `prefix` (on sign-out: copies of a user's customers).
pub fn remove_prefixed(prefix: &str) {
    #[cfg(feature = "browser")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let keys: Vec<String> = (0..storage.length().unwrap_or(0))
            .filter_map(|i| storage.key(i).ok().flatten())
            .filter(|k| k.starts_with(prefix))
            .collect();
        for key in keys {
            let _ = storage.remove_item(&key);
        }
    }
    #[cfg(not(feature = "browser"))]
    let _ = prefix;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::client_id::new_client_id;
    use crate::domain::check_in::{check_client_id, Outcome};

    fn visit(minutes_ago: i64) -> Visit {
        let now = Utc::now();
        Visit::new(
            CheckInInput {
                client_id: new_client_id(),
                customer_id: 3,
                device_time: now - Duration::minutes(minutes_ago),
                position: None,
                location_error: Some("location permission denied".into()),
            },
            "Bäckerei Jansen".into(),
            Verification::Unverified {
                reason: "location permission denied".into(),
            },
        )
    }

    #[test]
    fn client_ids_are_version_4_uuids_and_never_repeat() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_client_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(50) {
            assert!(check_client_id(id).is_ok(), "{id}");
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4", "{id}");
            assert!("89ab".contains(&id[19..20]), "{id}");
        }
    }

    #[test]
    fn a_visit_sends_its_check_in_then_its_check_out() {
        let mut visits = vec![visit(30)];
        let id = visits[0].id().to_string();
        assert!(check_client_id(&id).is_ok(), "{id}");
        let first = visits[0].next_message().unwrap();
        assert!(matches!(first, Message::CheckIn(_)));

        // Offline: kept, waiting, attempts counted.
        let offline = Err(AppError::Transport("Failed to fetch".into()));
        record_outcome(&mut visits, &id, &first, offline);
        assert_eq!(
            visits[0].check_in_sync,
            Sync::Waiting {
                attempts: 1,
                last_error: Some("No connection — will send when you are back online.".into()),
                detail: Some("Failed to fetch".into()),
            }
        );
        let saved = CheckInSaved {
            id: 9,
            client_id: id.clone(),
            verification: Verification::Verified { distance_m: 40.0 },
            initial_contact: true,
            duplicate: false,
        };
        record_outcome(&mut visits, &id, &first, Ok(Some(saved)));
        assert_eq!(visits[0].state(), &Sync::Synced);
        assert_eq!(visits[0].verification.as_str(), "verified");
        assert!(visits[0].initial_contact);
        assert_eq!(visits[0].next_message(), None);
        assert!(visits[0].is_open(Utc::now()));

        visits[0].check_out = Some(CheckOutInput {
            client_id: id.clone(),
            device_time: Utc::now(),
            outcome: Some(Outcome::OrderTaken),
            notes: String::new(),
            next_step: String::new(),
        });
        assert!(!visits[0].is_open(Utc::now()));
        let out = visits[0].next_message().unwrap();
        assert!(matches!(out, Message::CheckOut(_)));
        assert!(visits[0].state().is_waiting());
        record_outcome(&mut visits, &id, &out, Ok(None));
        assert_eq!(visits[0].state(), &Sync::Synced);
    }

    #[test]
    fn the_days_synced_check_ins_are_sent_once_more_and_stay_synced() {
        let mut visits = vec![visit(60), visit(60 * 30)];
        let ids: Vec<String> = visits.iter().map(|v| v.id().to_string()).collect();
        for (v, id) in visits.iter_mut().zip(&ids) {
            let message = v.next_message().unwrap();
            record_outcome(std::slice::from_mut(v), id, &message, Ok(None));
        }
        assert!(visits.iter().all(|v| v.next_message().is_none()));

        // The page opens again: today's is resent, yesterday's (30 h ago) is not.
        let mut visits = confirm_recent(visits, Utc::now());
        let resend = visits[0].next_message().unwrap();
        assert!(matches!(resend, Message::CheckIn(_)));
        assert_eq!(
            visits[0].state(),
            &Sync::Synced,
            "the badge still says synced"
        );
        assert_eq!(visits[1].next_message(), None);

        // No network: it stays to be confirmed, still synced.
        let offline = Err(AppError::Transport("Failed to fetch".into()));
        record_outcome(&mut visits, &ids[0], &resend, offline);
        assert_eq!(visits[0].state(), &Sync::Synced);
        assert!(visits[0].next_message().is_some());
        // The server answers (a duplicate, or stored anew): confirmed.
        record_outcome(&mut visits, &ids[0], &resend, Ok(None));
        assert_eq!(visits[0].next_message(), None);

        // A refusal of a confirmation (the customer moved to another rep) is not a refusal of
        // the visit, which the server accepted once.
        let mut visits = confirm_recent(visits, Utc::now());
        let resend = visits[0].next_message().unwrap();
        record_outcome(
            &mut visits,
            &ids[0],
            &resend,
            Err(AppError::NotFound("customer".into())),
        );
        assert_eq!(visits[0].state(), &Sync::Synced);
        assert_eq!(visits[0].next_message(), None);
    }

    #[test]
    fn a_refusal_is_kept_with_its_reason_and_not_retried() {
        let mut visits = vec![visit(5)];
        let id = visits[0].id().to_string();
        let message = visits[0].next_message().unwrap();
        let refusal = Err(AppError::invalid("lat", "91 is not a latitude (−90 to 90)"));
        record_outcome(&mut visits, &id, &message, refusal);
        assert_eq!(
            visits[0].state(),
            &Sync::Refused {
                message: "lat: 91 is not a latitude (−90 to 90)".into()
            }
        );
        assert_eq!(visits[0].next_message(), None);
        assert!(!visits[0].is_open(Utc::now()));
        assert_eq!(
            classify(&AppError::NotFound("customer".into())),
            Retry::Never
        );
        assert_eq!(classify(&AppError::Internal), Retry::Later);
    }

    #[test]
    fn two_tabs_keep_each_others_visits() {
        let (a, b, c) = (visit(30), visit(20), visit(10));
        let mut mine_b = b.clone();
        mine_b.check_in_sync = Sync::Synced;
        // This tab synced b; the other tab added c; both know a.
        let merged = merge(
            vec![a.clone(), mine_b.clone()],
            vec![c.clone(), b, a.clone()],
        );
        assert_eq!(merged, vec![a, mine_b, c]);
    }

    #[test]
    fn back_off_doubles_to_five_minutes_and_old_synced_visits_are_dropped() {
        assert_eq!(backoff_ms(0), 2_000);
        assert_eq!(backoff_ms(1), 4_000);
        assert_eq!(backoff_ms(5), 64_000);
        assert_eq!(backoff_ms(8), 300_000);
        assert_eq!(backoff_ms(u32::MAX), 300_000);

        let mut old_synced = visit(3 * 24 * 60);
        old_synced.check_in_sync = Sync::Synced;
        let old_waiting = visit(3 * 24 * 60);
        let mut recent_synced = visit(60);
        recent_synced.check_in_sync = Sync::Synced;
        let kept = prune(
            vec![old_synced, old_waiting.clone(), recent_synced.clone()],
            Utc::now(),
        );
        assert_eq!(kept, vec![old_waiting, recent_synced]);
    }

    fn call(minutes_ago: i64) -> Logged {
        Logged::new(
            ActivityInput {
                client_id: new_client_id(),
                customer_id: 3,
                kind: crate::domain::activity::ActivityKind::Call,
                occurred_at: Utc::now() - Duration::minutes(minutes_ago),
                notes: "Wants the price list".into(),
                outcome: None,
                next_step: String::new(),
                next_step_due: None,
            },
            "Bäckerei Jansen".into(),
        )
    }

    #[test]
    fn a_call_logged_offline_waits_then_is_synced_once_answered() {
        let mut logged = vec![call(10), call(5)];
        let id = logged[0].id().to_string();
        assert!(logged[0].next_message().is_some());
        let offline = Err(AppError::Transport("Failed to fetch".into()));
        record_logged(&mut logged, &id, offline);
        assert_eq!(attempts(&logged, &id, |l| &l.sync), 1);
        assert!(logged[0].next_message().is_some(), "still waiting");
        // The answer to an earlier send got lost: the resend is a duplicate, and that is fine.
        record_logged(
            &mut logged,
            &id,
            Ok(ActivitySaved {
                id: 4,
                duplicate: true,
            }),
        );
        assert_eq!(logged[0].sync, Sync::Synced);
        assert_eq!(logged[0].next_message(), None);
        assert!(
            logged[1].next_message().is_some(),
            "the other one is untouched"
        );

        // A refusal is kept with its reason and not sent again.
        let other = logged[1].id().to_string();
        record_logged(
            &mut logged,
            &other,
            Err(AppError::NotFound("customer".into())),
        );
        assert!(matches!(logged[1].sync, Sync::Refused { .. }));
        assert_eq!(logged[1].next_message(), None);

        // Old synced ones go, old refused ones stay until discarded; two tabs keep both lists.
        let mut old = call(3 * 24 * 60);
        old.sync = Sync::Synced;
        let kept = prune(vec![old, logged[1].clone(), logged[0].clone()], Utc::now());
        assert_eq!(kept, vec![logged[1].clone(), logged[0].clone()]);
        let merged = merge(
            vec![logged[1].clone()],
            vec![logged[0].clone(), logged[1].clone()],
        );
        assert_eq!(merged, vec![logged[0].clone(), logged[1].clone()]);
    }
}

//! The check-in page, made for a phone in a car park: pick the customer (nearest first when
//! the phone knows where it is), check in, record how it went, check out. Every step waits on
//! the phone until the server has it, so no signal loses nothing and a resend counts nothing
//! twice.

mod queue;
mod team;

pub use team::TeamCheckInsPage;

use crate::api::activities::log_activity;
use crate::api::check_ins::{check_in, check_in_customers, check_out};
use crate::components::log_activity::LogActivity;
use crate::domain::activity::ActivityInput;
use crate::domain::check_in::{
    check_position, distance_text_in, duration_text, haversine_m, place_text_in, CheckInInput,
    CheckOutInput, Outcome, Position, RawPosition, Verification, MAX_NEXT_STEP_CHARS,
    MAX_NOTES_CHARS,
};
use crate::domain::Role;
use crate::error::AppError;
use crate::model::check_ins::CheckInCustomer;
use crate::providers::auth::use_auth;
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_use_geolocation::{use_geolocation_with_options, UseGeolocationOptions};
use queue::{Kept, Logged, Message, Sync, Visit};

/// How many customers the picker shows before asking for a search.
const PICKER_ROWS: usize = 25;
/// A position older than this is not where the rep is now.
const FRESH_FIX_MS: f64 = 120_000.0;

#[component]
pub fn CheckInPage() -> impl IntoView {
    let auth = use_auth();
    let customers = resource(|| (), |_| check_in_customers());
    view! {
        <Title text="Check in" />
        <div class="checkin-page">
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let user = auth.user.await?;
                    let customers = customers.await;
                    let props = ScreenProps {
                        user_id: user.id,
                        sees_team: user.role != Role::Rep,
                        customers,
                        search: String::new(),
                    };
                    let data = props.for_the_page();
                    Ok::<_, AppError>(view! {
                        <div id=SCREEN_ID data-props=data>
                            {props.screen()}
                        </div>
                    })
                })}
            </Transition>
        </div>
    }
}

/// The element holding the check-in screen, and its inputs as JSON (`data-props`) for the
/// page's own bundle ([`start_on_its_own`]).
const SCREEN_ID: &str = "check-in-screen";

/// What the check-in screen is drawn from.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct ScreenProps {
    user_id: i64,
    sees_team: bool,
    customers: Result<Vec<CheckInCustomer>, AppError>,
    /// What the search field already holds.
    #[serde(default)]
    search: String,
}

impl ScreenProps {
    fn screen(self) -> impl IntoView {
        view! {
            <CheckInScreen
                user_id=self.user_id
                sees_team=self.sees_team
                customers=self.customers
                search=self.search
            />
        }
    }

    /// The props as the server writes them into the page (an attribute value, which the
    /// renderer escapes), only for the check-in page's own bundle: the whole app, hydrating
    /// or navigating, has them already.
    fn for_the_page(&self) -> Option<String> {
        #[cfg(feature = "ssr")]
        if crate::app::on_check_in_bundle() {
            return serde_json::to_string(self).ok();
        }
        None
    }
}

/// The check-in page's own bundle (`frontend/check-in`) brings the page the server drew to
/// life without the rest of the app: it draws the check-in screen anew from the props the
/// server wrote beside it, in place of the server's copy (same look, now working), keeping
/// what the rep already typed into the search. The page around it (menu, sign-out) works as
/// plain links and forms. Returns false when the page holds no screen (then nothing is done).
#[cfg(feature = "browser")]
pub fn start_on_its_own() -> bool {
    use wasm_bindgen::JsCast;
    const SEARCH: &str = "[data-testid=customer-search]";
    let document = document();
    let Some(drawn) = document.get_element_by_id(SCREEN_ID) else {
        return false;
    };
    let Some(mut props) = drawn
        .get_attribute("data-props")
        .and_then(|json| serde_json::from_slice::<ScreenProps>(json.as_bytes()).ok())
    else {
        leptos::logging::warn!("check-in: the page carries no screen props this code can read");
        return false;
    };
    let typed = drawn
        .query_selector(SEARCH)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
    if let Some(input) = &typed {
        props.search = input.value();
    }
    // The live screen is drawn beside the server's copy, takes the focus from it if the rep is
    // typing (moving the focus between fields keeps a phone's keyboard open; removing the
    // focused field would close it), and only then replaces it.
    let Ok(live) = document.create_element("div") else {
        return false;
    };
    let Ok(live) = live.dyn_into::<web_sys::HtmlElement>() else {
        return false;
    };
    // Where the page stands: the browser may scroll while two screens are on it for a moment.
    let window = window();
    let scrolled = (
        window.scroll_x().unwrap_or(0.0),
        window.scroll_y().unwrap_or(0.0),
    );
    if drawn.before_with_node_1(&live).is_err() {
        return false;
    }
    leptos::mount::mount_to(live.clone(), move || {
        crate::providers::locale::provide_locale();
        props.screen()
    })
    .forget();
    let typing = typed
        .as_ref()
        .is_some_and(|input| document.active_element().as_ref() == Some(input.as_ref()));
    if let (true, Some(old)) = (typing, &typed) {
        let new = live
            .query_selector(SEARCH)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(new) = new {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = new.focus_with_options(&options);
            let (start, end) = (old.selection_start(), old.selection_end());
            if let (Ok(Some(start)), Ok(Some(end))) = (start, end) {
                let _ = new.set_selection_range(start, end);
            }
        }
    }
    drawn.remove();
    live.set_id(SCREEN_ID);
    window.scroll_to_with_x_and_y(scrolled.0, scrolled.1);
    true
}

/// Where a user's customers are kept for opening the page offline; removed at sign-in
/// (`forget_kept_customers`), so a shared phone does not keep them past a sign-out.
const KEPT_CUSTOMERS: &str = "pacer.check-in-customers.";

/// The customers list as the server sent it, or the copy this phone kept from last time
/// (the page was opened offline by navigating to it).
fn customers_or_kept(
    user_id: i64,
    fetched: Result<Vec<CheckInCustomer>, AppError>,
) -> Result<Vec<CheckInCustomer>, AppError> {
    let key = format!("{KEPT_CUSTOMERS}{user_id}");
    match fetched {
        Ok(list) => {
            queue::save_json(&key, &list);
            Ok(list)
        }
        Err(error) => queue::load_json(&key).ok_or(error),
    }
}

/// Drops the customers copies of whoever used this browser (the queue of unsent check-ins
/// stays: it is sent when its rep signs in again).
pub fn forget_kept_customers() {
    queue::remove_prefixed(KEPT_CUSTOMERS);
}

#[component]
fn CheckInScreen(
    user_id: i64,
    sees_team: bool,
    customers: Result<Vec<CheckInCustomer>, AppError>,
    /// The search the screen starts with.
    search: String,
) -> impl IntoView {
    let customers = RwSignal::new(customers);
    // Kept (or read back) only in the browser, after hydration.
    Effect::new(move |_| {
        let fetched = customers.get_untracked();
        customers.set(customers_or_kept(user_id, fetched));
    });

    let key = queue::storage_key(user_id);
    let logged_key = queue::logged_key(user_id);
    let visits = RwSignal::new(Vec::<Visit>::new());
    let logged = RwSignal::new(Vec::<Logged>::new());
    let storage_ok = RwSignal::new(true);
    // What the browser says of its network, and whether Pacer answered the last send: a phone
    // can be "online" (a Wi-Fi without internet, a browser that does not notice) while nothing
    // reaches Pacer, and the rep should then read "Offline" too.
    let online = RwSignal::new(true);
    let reachable = RwSignal::new(true);
    let offline_ready = RwSignal::new(None::<Result<usize, String>>);
    let sync = Syncer::new(
        (visits, key.clone()),
        (logged, logged_key.clone()),
        storage_ok,
        reachable,
    );

    // After hydration: read the phone's queue, follow the network, send what waits.
    Effect::new(move |_| {
        let now = Utc::now();
        visits.set(queue::confirm_recent(
            queue::prune(queue::load(&key), now),
            now,
        ));
        logged.set(queue::prune(queue::load(&logged_key), now));
        online.set(navigator_online());
        sync.kick();
        keep_for_offline(offline_ready);
    });
    let on_online = window_event_listener(leptos::ev::online, move |_| {
        online.set(true);
        reachable.set(true);
        sync.kick();
    });
    let on_offline = window_event_listener(leptos::ev::offline, move |_| online.set(false));
    // Another tab (or the installed app) changed the queue: take its visits in.
    let on_storage = window_event_listener(leptos::ev::storage, move |_| sync.store());
    on_cleanup(move || {
        on_online.remove();
        on_offline.remove();
        on_storage.remove();
        sync.stop();
    });

    let geo = use_geolocation_with_options(
        UseGeolocationOptions::default()
            .enable_high_accuracy(true)
            .maximum_age(30_000)
            .timeout(20_000),
    );
    let fix = Memo::new(move |_| {
        geo.coords.with(|c| {
            c.as_ref().map(|c| RawPosition {
                lat: c.latitude(),
                lon: c.longitude(),
                accuracy_m: c.accuracy(),
            })
        })
    });
    let location_error = Memo::new(move |_| {
        geo.error.with(|e| {
            e.as_ref().map(|e| {
                match e.code() {
                    1 => "location permission denied",
                    2 => "the phone could not find its location",
                    3 => "no location fix in time",
                    _ => "location error",
                }
                .to_string()
            })
        })
    });
    let located_at = geo.located_at;

    let search = RwSignal::new(search);
    let selected = RwSignal::new(None::<i64>);
    let busy = RwSignal::new(false);
    // The chosen customer gets a call (or meeting, e-mail) logged instead of a check-in.
    let logging = RwSignal::new(false);

    let open_visit = Memo::new(move |_| {
        let now = Utc::now();
        visits.with(|v| {
            v.iter()
                .rev()
                .find(|v| v.is_open(now))
                .map(|v| v.id().to_string())
        })
    });

    let do_check_in = move |customer: CheckInCustomer| {
        busy.set(true);
        spawn_local(async move {
            // A tap right after the page opened may beat the first fix: wait a little for it.
            for _ in 0..20 {
                let known = fix.try_get_untracked().flatten().is_some()
                    || location_error.try_get_untracked().flatten().is_some();
                if known {
                    break;
                }
                gloo_timers::future::TimeoutFuture::new(250).await;
            }
            let now = Utc::now();
            let fresh = located_at
                .try_get_untracked()
                .flatten()
                .is_some_and(|at| js_now() - at < FRESH_FIX_MS);
            let (position, why) = match fix.try_get_untracked().flatten() {
                // A fix the server would refuse is no location: the visit is kept, unverified.
                Some(p) if check_position(p.lat, p.lon, p.accuracy_m).is_err() => (
                    None,
                    Some(format!(
                        "the phone's location was unusable (±{})",
                        distance_text_in(use_locale(), p.accuracy_m)
                    )),
                ),
                Some(p) if fresh => (Some(p), None),
                Some(_) => (None, Some("the last location fix was too old".to_string())),
                None => (
                    None,
                    Some(
                        location_error
                            .try_get_untracked()
                            .flatten()
                            .unwrap_or_else(|| "no location fix yet".into()),
                    ),
                ),
            };
            let estimate = Verification::of(
                position.map(|p| Position {
                    lat: p.lat,
                    lon: p.lon,
                    accuracy_m: p.accuracy_m,
                }),
                why.as_deref(),
                customer.location,
                customer.radius_m,
            );
            let input = CheckInInput {
                client_id: crate::components::client_id::new_client_id(),
                customer_id: customer.id,
                device_time: now,
                position,
                location_error: why,
            };
            let visit = Visit::new(input, customer.name.clone(), estimate);
            if visits.try_update(|v| v.push(visit.clone())).is_none() {
                // The page was left while the location was awaited: the visit still goes to
                // the phone's storage, and is sent the next time the page opens.
                let key = queue::storage_key(user_id);
                let mut kept = queue::load(&key);
                kept.push(visit);
                queue::save(&key, &kept);
                return;
            }
            sync.store();
            selected.set(None);
            search.set(String::new());
            busy.set(false);
            sync.kick();
        });
    };

    let status = move || {
        let waiting = visits.with(|v| v.iter().filter(|v| v.state().is_waiting()).count());
        let waiting_logged = logged.with(|l| l.iter().filter(|l| l.sync.is_waiting()).count());
        let net = match (online.get(), reachable.get()) {
            (true, true) => "Online",
            (false, _) => {
                "Offline: check-ins wait on this phone and are sent when you are back online."
            }
            (true, false) => {
                "Offline: Pacer cannot be reached. Check-ins wait on this phone and are sent when it answers again."
            }
        };
        let check_ins = match waiting {
            0 => None,
            1 => Some("1 check-in".to_string()),
            n => Some(format!("{n} check-ins")),
        };
        let activities = match waiting_logged {
            0 => None,
            1 => Some("1 logged call or meeting".to_string()),
            n => Some(format!("{n} logged calls or meetings")),
        };
        let queue = match (check_ins, activities) {
            (None, None) => String::new(),
            (Some(one), None) | (None, Some(one)) => format!(" {one} waiting to sync."),
            (Some(a), Some(b)) => format!(" {a} and {b} waiting to sync."),
        };
        format!("{net}{queue}")
    };

    view! {
        <header class="checkin-head">
            <h1>"Check in"</h1>
            {sees_team.then(|| view! {
                <a href="/check-ins" class="small" data-testid="team-check-ins-link">"Team check-ins →"</a>
            })}
        </header>
        <p class="checkin-status" class:offline=move || !(online.get() && reachable.get()) data-testid="network-status" role="status">
            {status}
        </p>
        <p class="checkin-location small" data-testid="location-status">
            {move || match (fix.get(), location_error.get()) {
                (Some(p), _) => format!("Location found, accurate to {}.", distance_text_in(use_locale(), p.accuracy_m)),
                (None, Some(e)) => format!("No location ({e}): check-ins are saved unverified."),
                (None, None) => "Finding your location…".to_string(),
            }}
        </p>
        <p class="small muted" data-testid="offline-ready">
            {move || match offline_ready.get() {
                Some(Ok(_)) => "Ready to work offline on this phone.".to_string(),
                Some(Err(e)) => format!("This page is not kept for offline use: {e}"),
                None => String::new(),
            }}
        </p>
        <Show when=move || !storage_ok.get()>
            <p class="alert" role="alert">
                "This browser does not let Pacer keep check-ins (private mode?): keep this tab open until they are synced."
            </p>
        </Show>

        {move || open_visit.get().map(|id| view! { <OpenVisit id visits sync /> })}

        <section class="card checkin-picker" aria-label="Choose the customer">
            <label for="checkin-search" class="small">"Choose the customer you are visiting"</label>
            <input
                id="checkin-search"
                type="search"
                inputmode="search"
                autocomplete="off"
                placeholder="Search by name or town"
                data-testid="customer-search"
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
            />
            <p class="small muted">
                "Not in the list? "
                <a href="/customers/new" data-testid="checkin-new-prospect">"Add a prospect"</a>
                " (needs a connection)."
            </p>
            {move || match customers.get() {
                Err(e) => view! { <p class="alert">{e.to_string()}</p> }.into_any(),
                Ok(list) => {
                    let here = fix.get();
                    let query = search.get().trim().to_lowercase();
                    let mut rows: Vec<(CheckInCustomer, Option<f64>)> = list
                        .into_iter()
                        .filter(|c| {
                            query.is_empty()
                                || c.name.to_lowercase().contains(&query)
                                || c.city.as_deref().is_some_and(|t| t.to_lowercase().contains(&query))
                        })
                        .map(|c| {
                            let d = here.zip(c.location).map(|(p, at)| haversine_m((p.lat, p.lon), at));
                            (c, d)
                        })
                        .collect();
                    if here.is_some() {
                        rows.sort_by(|a, b| {
                            a.1.unwrap_or(f64::MAX).total_cmp(&b.1.unwrap_or(f64::MAX))
                        });
                    }
                    let more = rows.len().saturating_sub(PICKER_ROWS);
                    rows.truncate(PICKER_ROWS);
                    view! {
                        <ul class="checkin-customers" data-testid="check-in-customers">
                            {rows.into_iter().map(|(c, d)| {
                                let id = c.id;
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="checkin-customer"
                                            class:selected=move || selected.get() == Some(id)
                                            aria-pressed=move || (selected.get() == Some(id)).to_string()
                                            data-testid="check-in-customer"
                                            on:click=move |_| {
                                                selected.set(Some(id));
                                                logging.set(false);
                                            }
                                        >
                                            <span class="name">{c.name.clone()}</span>
                                            <span class="small muted">
                                                {place_text_in(use_locale(), c.city.as_deref(), d)}
                                            </span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(more > 0).then(|| view! {
                            <p class="small muted">{format!("{more} more: search to narrow the list.")}</p>
                        })}
                    }.into_any()
                }
            }}
        </section>

        <div class="checkin-action">
            {move || {
                let chosen = selected.get().and_then(|id| {
                    customers.with(|c| c.as_ref().ok().and_then(|l| l.iter().find(|c| c.id == id).cloned()))
                });
                match chosen {
                    // The form is below, not in this bar that stays on screen.
                    Some(_) if logging.get() => ().into_any(),
                    Some(c) => {
                        let label = format!("Check in at {}", c.name);
                        view! {
                            <button
                                type="button"
                                class="button-primary big"
                                data-testid="check-in-button"
                                disabled=move || busy.get()
                                on:click=move |_| do_check_in(c.clone())
                            >
                                {label}
                            </button>
                            <button
                                type="button"
                                class="button-quiet"
                                data-testid="phone-log-call"
                                on:click=move |_| logging.set(true)
                            >
                                "Log a call instead (works offline)"
                            </button>
                        }.into_any()
                    }
                    None => ().into_any(),
                }
            }}
        </div>

        {move || {
            let chosen = selected.get().filter(|_| logging.get()).and_then(|id| {
                customers.with(|c| c.as_ref().ok().and_then(|l| l.iter().find(|c| c.id == id).cloned()))
            });
            chosen.map(|c| {
                let name = c.name.clone();
                let keep = Callback::new(move |input: ActivityInput| {
                    logged.update(|l| l.push(Logged::new(input, name.clone())));
                    sync.store();
                    sync.kick();
                });
                view! {
                    <section class="card" data-testid="phone-log-activity" aria-label="Log a call">
                        <h2>{format!("Log a call, meeting or e-mail with {}", c.name)}</h2>
                        <LogActivity customer_id=c.id on_logged=|| () keep />
                        <button type="button" class="button-quiet" on:click=move |_| logging.set(false)>
                            "Back to check-in"
                        </button>
                    </section>
                }
            })
        }}

        <section class="checkin-visits" aria-label="Visits on this phone">
            <h2>"Visits on this phone"</h2>
            {move || {
                let list = visits.get();
                if list.is_empty() {
                    return view! { <p class="muted small">"No check-ins yet today."</p> }.into_any();
                }
                view! {
                    <ul class="visit-list">
                        {list.into_iter().rev().map(|v| view! { <VisitRow visit=v sync /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {move || {
                let list = logged.get();
                (!list.is_empty()).then(|| view! {
                    <h2>"Calls and meetings logged on this phone"</h2>
                    <ul class="visit-list">
                        {list.into_iter().rev().map(|l| view! { <LoggedRow item=l sync /> }).collect_view()}
                    </ul>
                })
            }}
        </section>
    }
}

/// The visit in progress: how it went, notes, next step, check out.
#[component]
fn OpenVisit(id: String, visits: RwSignal<Vec<Visit>>, sync: Syncer) -> impl IntoView {
    let visit = visits.with_untracked(|v| v.iter().find(|v| v.id() == id).cloned());
    let Some(visit) = visit else {
        return ().into_any();
    };
    let outcome = RwSignal::new(None::<Outcome>);
    let notes = RwSignal::new(String::new());
    let next_step = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let since = visit
        .check_in
        .device_time
        .with_timezone(&chrono::Local)
        .format("%H:%M")
        .to_string();
    let checked_in = visit.check_in.device_time;
    let do_check_out = move |_| {
        let input = CheckOutInput {
            client_id: id.clone(),
            device_time: Utc::now().max(checked_in),
            outcome: outcome.get_untracked(),
            notes: notes.get_untracked().trim().to_string(),
            next_step: next_step.get_untracked().trim().to_string(),
        };
        if input.notes.chars().count() > MAX_NOTES_CHARS {
            problem.set(Some("Keep the notes under 2 000 characters.".into()));
            return;
        }
        if input.next_step.chars().count() > MAX_NEXT_STEP_CHARS {
            problem.set(Some("Keep the next step under 500 characters.".into()));
            return;
        }
        visits.update(|v| {
            if let Some(v) = v.iter_mut().find(|v| v.id() == input.client_id) {
                v.check_out = Some(input.clone());
                v.check_out_sync = Sync::NEW;
            }
        });
        sync.store();
        sync.kick();
    };
    view! {
        <section class="card open-visit" data-testid="open-visit" aria-label="Visit in progress">
            <h2>{format!("At {} since {since}", visit.customer_name)}</h2>
            <p class="small" data-testid="open-visit-verification">{visit.verification.explain_in(use_locale())}</p>
            <fieldset class="outcomes">
                <legend>"How did it go?"</legend>
                {Outcome::ALL.into_iter().map(|o| view! {
                    <label class="outcome" class:chosen=move || outcome.get() == Some(o)>
                        <input
                            type="radio"
                            name="outcome"
                            value=o.as_str()
                            data-testid=format!("outcome-{}", o.as_str())
                            on:change=move |_| outcome.set(Some(o))
                        />
                        {o.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <label for="visit-notes">"Notes"</label>
            <textarea
                id="visit-notes"
                rows="3"
                data-testid="visit-notes"
                prop:value=move || notes.get()
                on:input=move |ev| notes.set(event_target_value(&ev))
            ></textarea>
            <label for="visit-next-step">"Next step"</label>
            <input
                id="visit-next-step"
                type="text"
                data-testid="visit-next-step"
                prop:value=move || next_step.get()
                on:input=move |ev| next_step.set(event_target_value(&ev))
            />
            {move || problem.get().map(|p| view! { <p class="field-error">{p}</p> })}
            <button type="button" class="button-primary big" data-testid="check-out-button" on:click=do_check_out>
                "Check out"
            </button>
        </section>
    }
    .into_any()
}

#[component]
fn VisitRow(visit: Visit, sync: Syncer) -> impl IntoView {
    let time = visit
        .check_in
        .device_time
        .with_timezone(&chrono::Local)
        .format("%H:%M")
        .to_string();
    let state = visit.state().clone();
    let (sync_attr, badge, detail) = badge(&state);
    let refused = matches!(state, Sync::Refused { .. });
    let id = visit.id().to_string();
    let on_site = visit.check_out.as_ref().map(|out| {
        (out.device_time - visit.check_in.device_time)
            .num_minutes()
            .max(0)
    });
    let outcome = visit
        .check_out
        .as_ref()
        .and_then(|o| o.outcome)
        .map(|o| o.label());
    view! {
        <li class="visit" data-testid="visit" data-sync=sync_attr data-verification=visit.verification.as_str()>
            <div class="visit-head">
                <span class="name">{visit.customer_name.clone()}</span>
                <span class="small muted">{time}</span>
                <span class=format!("badge sync-{sync_attr}") data-testid="visit-sync">{badge}</span>
            </div>
            <p class="small" data-testid="visit-verification">{visit.verification.explain_in(use_locale())}</p>
            {visit.initial_contact.then(|| view! { <p class="small">"Counted as the first contact with this customer."</p> })}
            {on_site.map(|m| view! {
                <p class="small">{format!("{} on site", duration_text(m))}{outcome.map(|o| format!(" · {o}"))}</p>
            })}
            {detail.map(|p| problem_view(p, "visit-error"))}
            {refused.then(|| {
                let id = id.clone();
                view! {
                    <button type="button" class="button-quiet small" data-testid="visit-discard" on:click=move |_| {
                        sync.forget(&id);
                    }>"Discard"</button>
                }
            })}
        </li>
    }
}

/// The badge of an item on the phone: `data-sync`, its text, and what went wrong in plain
/// words with the technical detail for "Details".
fn badge(state: &Sync) -> (&'static str, &'static str, Option<Problem>) {
    match state {
        Sync::Synced => ("synced", "Synced", None),
        Sync::Waiting {
            last_error: Some(words),
            attempts,
            detail,
        } => (
            "waiting",
            "Waiting to sync",
            Some(Problem {
                words: words.clone(),
                detail: Some(match detail {
                    Some(d) => format!("Tried {attempts}×; last: {d}"),
                    None => format!("Tried {attempts}×."),
                }),
            }),
        ),
        Sync::Waiting { .. } => ("waiting", "Waiting to sync", None),
        Sync::Refused { message } => (
            "refused",
            "Not accepted",
            Some(Problem {
                words: message.clone(),
                detail: None,
            }),
        ),
    }
}

/// What went wrong with an item, as the rep reads it.
struct Problem {
    words: String,
    /// Shown only when the rep opens "Details".
    detail: Option<String>,
}

/// A problem's words, and its detail behind a "Details" toggle.
fn problem_view(problem: Problem, testid: &'static str) -> impl IntoView {
    view! {
        <div class="small sync-problem">
            <p class="field-error" data-testid=testid>{problem.words}</p>
            {problem.detail.map(|d| view! {
                <details class="muted" data-testid=format!("{testid}-details")>
                    <summary>"Details"</summary>
                    <span>{d}</span>
                </details>
            })}
        </div>
    }
}

#[component]
fn LoggedRow(item: Logged, sync: Syncer) -> impl IntoView {
    let time = item
        .input
        .occurred_at
        .with_timezone(&chrono::Local)
        .format("%H:%M")
        .to_string();
    let (sync_attr, text, detail) = badge(&item.sync);
    let refused = matches!(item.sync, Sync::Refused { .. });
    let id = item.id().to_string();
    let outcome = item.input.outcome.map(|o| o.label());
    view! {
        <li class="visit" data-testid="logged-activity" data-sync=sync_attr>
            <div class="visit-head">
                <span class="name">{item.customer_name.clone()}</span>
                <span class="small muted">{format!("{} · {time}", item.input.kind.label())}</span>
                <span class=format!("badge sync-{sync_attr}") data-testid="logged-sync">{text}</span>
            </div>
            {outcome.map(|o| view! { <p class="small">{o}</p> })}
            {detail.map(|p| problem_view(p, "logged-error"))}
            {refused.then(|| view! {
                <button type="button" class="button-quiet small" on:click=move |_| sync.forget_logged(&id)>
                    "Discard"
                </button>
            })}
        </li>
    }
}

/// Sends what waits, one message at a time, oldest first; on a network failure it stops and
/// tries again after a back-off (or at once when the browser says it is online again).
///
/// Its signals belong to the page: once the rep has left it they are gone, so every access
/// after an `await` or from a timer is a `try_` that ends the work quietly. What was not
/// recorded then is still in storage and is sent (or answered as a duplicate) next time.
#[derive(Clone, Copy)]
struct Syncer {
    visits: RwSignal<Vec<Visit>>,
    key: StoredValue<String>,
    logged: RwSignal<Vec<Logged>>,
    logged_key: StoredValue<String>,
    storage_ok: RwSignal<bool>,
    /// False while sends fail without an answer from Pacer.
    reachable: RwSignal<bool>,
    running: StoredValue<bool>,
    again: StoredValue<bool>,
    timer: StoredValue<Option<TimeoutHandle>>,
}

/// How a pass over the queue ended.
enum Pass {
    /// Nothing (more) to send, or the page is gone.
    Done,
    /// A send failed in a way worth retrying, after this many tries of that message.
    Stalled(u32),
}

impl Syncer {
    fn new(
        (visits, key): (RwSignal<Vec<Visit>>, String),
        (logged, logged_key): (RwSignal<Vec<Logged>>, String),
        storage_ok: RwSignal<bool>,
        reachable: RwSignal<bool>,
    ) -> Self {
        Syncer {
            visits,
            key: StoredValue::new(key),
            logged,
            logged_key: StoredValue::new(logged_key),
            storage_ok,
            reachable,
            running: StoredValue::new(false),
            again: StoredValue::new(false),
            timer: StoredValue::new(None),
        }
    }

    /// Writes the visits and logged activities to the phone's storage, merged with what
    /// another tab stored.
    fn store(self) {
        if !cfg!(feature = "browser") {
            return;
        }
        let visits = store_list(self.visits, self.key);
        let logged = store_list(self.logged, self.logged_key);
        if let (Some(a), Some(b)) = (visits, logged) {
            self.storage_ok.set(a && b);
        }
    }

    /// Drops a refused visit the rep discarded, from storage and from the list.
    fn forget(self, client_id: &str) {
        if let Some(key) = self.key.try_get_value() {
            queue::forget::<Visit>(&key, client_id);
        }
        self.visits.update(|v| v.retain(|v| v.id() != client_id));
        self.store();
    }

    /// Drops a refused activity the rep discarded.
    fn forget_logged(self, client_id: &str) {
        if let Some(key) = self.logged_key.try_get_value() {
            queue::forget::<Logged>(&key, client_id);
        }
        self.logged.update(|l| l.retain(|l| l.id() != client_id));
        self.store();
    }

    /// Cancels a pending retry (the page is being left).
    fn stop(self) {
        if let Some(Some(timer)) = self.timer.try_update_value(Option::take) {
            timer.clear();
        }
    }

    /// Starts a sync pass now (or right after the one running).
    fn kick(self) {
        if !cfg!(feature = "browser") {
            return;
        }
        self.stop();
        match self.running.try_get_value() {
            None => return,
            Some(true) => {
                self.again.try_set_value(true);
                return;
            }
            Some(false) => {}
        }
        self.running.set_value(true);
        spawn_local(async move {
            loop {
                if self.again.try_set_value(false).is_some() {
                    return;
                }
                match self.pass().await {
                    Pass::Stalled(attempts) => {
                        // Retried by the timer (or the online event), not at once: a kick that
                        // came in meanwhile would only fail the same way.
                        let delay = std::time::Duration::from_millis(queue::backoff_ms(attempts));
                        if let Ok(handle) = set_timeout_with_handle(move || self.kick(), delay) {
                            match self.timer.try_update_value(|t| t.replace(handle)) {
                                Some(Some(old)) => old.clear(),
                                Some(None) => {}
                                None => handle.clear(),
                            }
                        }
                        break;
                    }
                    Pass::Done => {
                        if self.again.try_get_value() != Some(true) {
                            break;
                        }
                    }
                }
            }
            self.running.try_set_value(false);
        });
    }

    /// Sends every waiting message in order: the visits', then the logged activities'.
    async fn pass(self) -> Pass {
        loop {
            let next = self.visits.try_with_untracked(|v| {
                v.iter()
                    .find_map(|v| v.next_message().map(|m| (v.id().to_string(), m)))
            });
            let Some(next) = next else {
                return Pass::Done;
            };
            let stalled = match next {
                Some((id, message)) => {
                    let outcome = match &message {
                        Message::CheckIn(input) => check_in(input.clone()).await.map(Some),
                        Message::CheckOut(input) => check_out(input.clone()).await.map(|()| None),
                    };
                    let Some(retry) = self.heard(outcome.as_ref().err()) else {
                        return Pass::Done;
                    };
                    let recorded = self
                        .visits
                        .try_update(|v| queue::record_outcome(v, &id, &message, outcome));
                    if recorded.is_none() {
                        return Pass::Done;
                    }
                    retry.then(|| {
                        self.visits
                            .with_untracked(|v| queue::attempts(v, &id, |v| v.state()))
                    })
                }
                None => {
                    let next = self.logged.try_with_untracked(|l| {
                        l.iter()
                            .find_map(|l| l.next_message().map(|m| (l.id().to_string(), m)))
                    });
                    let Some(Some((id, input))) = next else {
                        return Pass::Done;
                    };
                    let outcome = log_activity(input).await;
                    let Some(retry) = self.heard(outcome.as_ref().err()) else {
                        return Pass::Done;
                    };
                    let recorded = self
                        .logged
                        .try_update(|l| queue::record_logged(l, &id, outcome));
                    if recorded.is_none() {
                        return Pass::Done;
                    }
                    retry.then(|| {
                        self.logged
                            .with_untracked(|l| queue::attempts(l, &id, |l| &l.sync))
                    })
                }
            };
            self.store();
            if let Some(attempts) = stalled {
                return Pass::Stalled(attempts);
            }
        }
    }

    /// Notes whether Pacer answered a send that failed with `error` (or succeeded): `Some(true)`
    /// when the message is worth another try later, `None` once the page is gone.
    fn heard(self, error: Option<&AppError>) -> Option<bool> {
        let retry = error.is_some_and(|e| queue::classify(e) == queue::Retry::Later);
        let answered = !matches!(error, Some(AppError::Transport(_)));
        self.reachable.try_set(answered).is_none().then_some(retry)
    }
}

/// Writes one of the phone's lists to storage, merged with what another tab stored; `None`
/// once the page is gone, else whether the browser kept it.
fn store_list<T>(items: RwSignal<Vec<T>>, key: StoredValue<String>) -> Option<bool>
where
    T: Kept
        + Clone
        + PartialEq
        + serde::Serialize
        + serde::de::DeserializeOwned
        + Send
        + std::marker::Sync
        + 'static,
{
    let (key, mine) = (key.try_get_value()?, items.try_get_untracked()?);
    let merged = queue::merge(mine, queue::load(&key));
    let ok = queue::save(&key, &merged);
    if items.with_untracked(|v| *v != merged) {
        items.set(merged);
    }
    Some(ok)
}

fn navigator_online() -> bool {
    #[cfg(feature = "browser")]
    {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }
    #[cfg(not(feature = "browser"))]
    true
}

/// Milliseconds since the epoch by the browser's clock (the geolocation timestamps' clock).
fn js_now() -> f64 {
    #[cfg(feature = "browser")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "browser"))]
    {
        Utc::now().timestamp_millis() as f64
    }
}

/// Asks the service worker to keep this page and everything it loaded for offline use.
fn keep_for_offline(ready: RwSignal<Option<Result<usize, String>>>) {
    #[cfg(feature = "browser")]
    spawn_local(async move {
        use wasm_bindgen::JsCast;
        let Some(window) = web_sys::window() else {
            return;
        };
        let keep = js_sys::Reflect::get(&window, &"pacerKeepOffline".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let Some(keep) = keep else {
            ready.set(Some(Err("this browser has no service workers".into())));
            return;
        };
        let outcome = match keep.call0(&window) {
            Ok(promise) => match promise.dyn_into::<js_sys::Promise>() {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
                Err(v) => Err(v),
            },
            Err(e) => Err(e),
        };
        ready.set(Some(
            outcome
                .map(|n| n.as_f64().unwrap_or(0.0) as usize)
                .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}"))),
        ));
    });
    #[cfg(not(feature = "browser"))]
    let _ = ready;
}

//! "What closes the gap": under a running target, the customers and deals to act on, ranked,
//! each one click from planning a visit, logging a call, creating an opportunity or opening
//! the customer. Acting on one drops it off the list.

use crate::api::targets::target_candidates;
use crate::components::problem::ErrorNotice;
use crate::components::turnover::eur;
use crate::domain::check_in::place_text_in;
use crate::domain::forecast::Health;
use crate::domain::metric::Metric;
use crate::model::candidates::{Candidate, Reason};
use crate::model::targets::TargetRow;
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_use_geolocation::{use_geolocation_with_options, UseGeolocationOptions};

#[component]
pub fn GapCandidates(target: TargetRow) -> impl IntoView {
    let id = target.id;
    let behind = target
        .outlook
        .as_ref()
        .is_some_and(|o| o.health != Health::OnTrack);
    let by_place = matches!(target.metric, Metric::Visits | Metric::InitialContacts);
    let geo = use_geolocation_with_options(
        UseGeolocationOptions::default()
            .immediate(false)
            .enable_high_accuracy(false)
            .maximum_age(120_000)
            .timeout(15_000),
    );
    let near = Memo::new(move |_| {
        geo.coords
            .with(|c| c.as_ref().map(|c| (c.latitude(), c.longitude())))
    });
    let candidates = resource(
        move || near.get(),
        move |near| async move { target_candidates(id, near.map(|n| n.0), near.map(|n| n.1)).await },
    );
    let resume = geo.resume;
    let heading = if behind {
        "What closes the gap"
    } else {
        "Customers and deals to keep the pace"
    };
    view! {
        <section class="card" data-testid="gap-candidates" id="candidates">
            <div class="section-head">
                <h2>{heading}</h2>
                {by_place.then(|| view! {
                    <button type="button" class="button-quiet small" data-testid="candidates-nearest" on:click=move |_| resume()>
                        {move || if near.get().is_some() { "Nearest first ✓" } else { "Nearest first" }}
                    </button>
                })}
            </div>
            {move || geo.error.with(|e| e.as_ref().map(|_| view! {
                <p class="muted small">"No location from this device: the list stays in its usual order."</p>
            }))}
            <Transition fallback=|| view! { <p class="muted">"Finding customers and deals…"</p> }>
                {move || Suspend::new(async move {
                    match candidates.await {
                        Ok(c) if c.items.is_empty() => view! {
                            <p class="muted" data-testid="candidates-none">
                                {format!("Nothing to suggest: every customer here was acted on in the last {} days, or none fits.", c.acted_days)}
                            </p>
                        }.into_any(),
                        Ok(c) => {
                            let acted_days = c.acted_days;
                            let mut groups: Vec<(Reason, Vec<Candidate>)> = Vec::new();
                            for item in c.items {
                                match groups.iter_mut().find(|(r, _)| *r == item.reason) {
                                    Some((_, list)) => list.push(item),
                                    None => groups.push((item.reason, vec![item])),
                                }
                            }
                            view! {
                                {groups.into_iter().map(|(reason, list)| view! {
                                    <h3 class="digest-sub">{reason.heading()}</h3>
                                    <ul class="candidate-list">
                                        {list.into_iter().map(|c| view! { <CandidateItem c /> }).collect_view()}
                                    </ul>
                                }).collect_view()}
                                <p class="muted small">{format!("A customer drops off for {acted_days} days once someone calls, writes, visits or plans a visit; a deal stays until it is won or lost.")}</p>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CandidateItem(c: Candidate) -> impl IntoView {
    let customer = format!("/customers/{}", c.customer_id);
    let place = match place_text_in(use_locale(), c.city.as_deref(), c.distance_m) {
        place if place.is_empty() => place,
        place => format!(" · {place}"),
    };
    let untapped = c
        .untapped_minor
        .filter(|u| *u > 0)
        .map(|u| view! { <span class="tag">{format!("{} potential untapped", eur(u))}</span> });
    let deal = c.opportunity_id.is_some();
    view! {
        <li class="candidate" data-testid="candidate" data-customer-id=c.customer_id>
            <div class="candidate-head">
                <A href=customer.clone()><strong>{c.customer.clone()}</strong></A>
                <span class="muted small">{place}</span>
                {c.covers_gap.then(|| view! { <span class="tag tag-health-on_track">"closes the gap alone"</span> })}
                {untapped}
            </div>
            <p class="small candidate-detail">{c.detail.clone()}</p>
            <div class="candidate-actions">
                <A href=format!("{customer}?plan#plan-visit") attr:class="button-quiet small" attr:data-testid="candidate-plan">"Plan a visit"</A>
                {if c.reason == Reason::NeverContacted {
                    view! { <A href=format!("{customer}?log=initial_contact#log-activity") attr:class="button-quiet small" attr:data-testid="candidate-log">"Log the first contact"</A> }.into_any()
                } else {
                    view! { <A href=format!("{customer}?log=call#log-activity") attr:class="button-quiet small" attr:data-testid="candidate-log">"Log a call"</A> }.into_any()
                }}
                {if deal {
                    view! { <A href=format!("/board?customer={}", c.customer_id) attr:class="button-quiet small" attr:data-testid="candidate-deal">"Open the deal on the board"</A> }.into_any()
                } else {
                    view! { <A href=format!("/board?customer={}&new=1", c.customer_id) attr:class="button-quiet small" attr:data-testid="candidate-opportunity">"Create an opportunity"</A> }.into_any()
                }}
                <A href=customer attr:class="button-quiet small">"Open the customer"</A>
            </div>
        </li>
    }
}

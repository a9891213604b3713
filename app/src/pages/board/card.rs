//! One opportunity on the board.

use super::drag;
use crate::domain::{Opportunity, Stage};
use crate::providers::board::{refocus, use_board, DrawerTarget};
use crate::providers::locale::use_locale;
use leptos::prelude::*;

#[component]
pub fn CardView(card: Opportunity, pending: bool, stage: Stage) -> impl IntoView {
    let ctx = use_board();
    let id = card.id;
    let rotting = card.is_rotting(&stage, ctx.today);
    let overdue = card.is_overdue(&stage, ctx.today);
    let days = card.days_in_stage(ctx.today);
    let probability = card.probability_in(&stage).percent();
    let overridden = card.probability.is_some() && !stage.kind.is_closed();
    // What the history says of deals like this one: won within a quarter, in its situation.
    let learned = (!stage.kind.is_closed())
        .then(|| {
            ctx.chances.with_value(|c| {
                let deal = crate::domain::calibration::DealNow {
                    overridden: None,
                    entered_on: card.stage_entered_at.date_naive(),
                    due_on: card.expected_close_on,
                };
                c.deal_percent(
                    &stage,
                    deal,
                    ctx.today,
                    ctx.today + chrono::Duration::days(91),
                )
            })
        })
        .filter(|learned| *learned != probability);
    let label = format!(
        "{}, {}, {}, closing {}, {} %{}, in {}",
        card.title,
        card.customer_name,
        card.value.display_in(use_locale()),
        use_locale().date(card.expected_close_on),
        probability,
        learned.map_or(String::new(), |l| format!(" (history says {l} %)")),
        stage.name
    );
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        let on_card = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| el.get_attribute("data-card-id").is_some());
        match ev.key().as_str() {
            "ArrowRight" | "ArrowLeft" => {
                ev.prevent_default();
                let step = if ev.key() == "ArrowRight" { 1 } else { -1 };
                match ctx.neighbour_stage(id, step) {
                    Some(next) => {
                        ctx.request_move(id, next.id);
                        refocus(id);
                    }
                    None => ctx.announcement.set(
                        if step > 0 {
                            "This is the last stage."
                        } else {
                            "This is the first stage."
                        }
                        .into(),
                    ),
                }
            }
            "m" | "M" => {
                ev.prevent_default();
                ctx.move_menu.set(Some(id));
            }
            "Enter" if on_card => {
                ev.prevent_default();
                ctx.drawer.set(Some(DrawerTarget::Edit(id)));
            }
            "Escape" => drag::cancel(),
            _ => {}
        }
    };
    view! {
        <article
            class="opp"
            class:rotting=rotting
            class:overdue=overdue
            class:pending=pending
            role="listitem"
            tabindex="0"
            data-card-id=id
            data-testid="card"
            aria-label=label
            aria-describedby="board-keys"
            on:pointerdown=move |ev| drag::pointer_down(ev, id)
            on:pointermove=drag::pointer_move
            on:pointerup=drag::pointer_up
            on:pointercancel=move |_| drag::cancel()
            on:keydown=on_keydown
        >
            <div class="opp-top">
                <span class="drag-handle" title="Drag to another stage" aria-hidden="true">
                    "⠿"
                </span>
                <span class="opp-customer">{card.customer_name.clone()}</span>
                <button
                    type="button"
                    class="opp-menu"
                    aria-label=format!("Move {} to…", card.title)
                    data-testid="move-menu-button"
                    on:click=move |_| ctx.move_menu.set(Some(id))
                >
                    "⋯"
                </button>
            </div>
            <button
                type="button"
                class="opp-title"
                on:click=move |_| {
                    if !drag::take_just_dropped() {
                        ctx.drawer.set(Some(DrawerTarget::Edit(id)));
                    }
                }
            >
                {card.title.clone()}
            </button>
            <div class="opp-meta">
                <span class="opp-value" title=card.value.display_in(use_locale())>{card.value.display_short_in(use_locale())}</span>
                <span
                    class="opp-probability"
                    class:overridden=overridden
                    title=if overridden { "Probability set for this opportunity" } else { "Stage probability" }
                >
                    {format!("{probability} %")}
                </span>
                {learned
                    .map(|l| {
                        view! {
                            <span
                                class="opp-learned"
                                data-testid="card-learned"
                                title="History says: deals in this stage and situation were won within a quarter this often"
                            >
                                {format!("history {l} %")}
                            </span>
                        }
                    })}
                <time datetime=card.expected_close_on.to_string() class:late=overdue>
                    {use_locale().date(card.expected_close_on)}
                </time>
            </div>
            <div class="opp-foot">
                <span class="opp-owner">{card.owner_name.clone()}</span>
                {rotting
                    .then(|| {
                        view! {
                            <span class="badge badge-rotting" data-testid="rotting" title="Longer in this stage than the stage allows">
                                {format!("{days} d in stage")}
                            </span>
                        }
                    })}
                {overdue
                    .then(|| view! { <span class="badge badge-overdue">"close date passed"</span> })}
            </div>
        </article>
    }
}

//! The "Move to…" menu (the keyboard's and screen reader's way to move a card anywhere) and
//! the lost-reason question a drop on Lost asks.

use crate::domain::pipeline::parse_lost_reason;
use crate::domain::StageKind;
use crate::providers::board::{refocus, use_board};
use leptos::prelude::*;

#[component]
pub fn MoveMenu() -> impl IntoView {
    let ctx = use_board();
    move || {
        let card = ctx.move_menu.get().and_then(|id| ctx.card(id))?;
        let close = move || {
            ctx.move_menu.set(None);
            refocus(card.id);
        };
        let stages = ctx.stages.get_value();
        Some(view! {
            <div class="overlay" on:click=move |_| close()>
                <div
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="move-menu-title"
                    data-testid="move-menu"
                    on:click=|ev| ev.stop_propagation()
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            close();
                        }
                    }
                >
                    <h2 id="move-menu-title">{format!("Move \"{}\" to…", card.title)}</h2>
                    <div class="dialog-choices">
                        {stages
                            .into_iter()
                            .map(|stage| {
                                let current = stage.id == card.stage_id;
                                let stage_id = stage.id;
                                view! {
                                    <button
                                        type="button"
                                        class="button-quiet"
                                        disabled=current
                                        autofocus=!current && stage.kind == StageKind::Open
                                        on:click=move |_| {
                                            ctx.move_menu.set(None);
                                            ctx.request_move(card.id, stage_id);
                                            refocus(card.id);
                                        }
                                    >
                                        {stage.name.clone()}
                                        {current.then_some(" (now)")}
                                    </button>
                                }
                            })
                            .collect_view()}
                    </div>
                    <button type="button" class="button-quiet" on:click=move |_| close()>
                        "Cancel"
                    </button>
                </div>
            </div>
        })
    }
}

#[component]
pub fn LostReasonDialog() -> impl IntoView {
    let ctx = use_board();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    move || {
        let (card_id, stage_id) = ctx.lost_prompt.get()?;
        let card = ctx.card(card_id)?;
        let stage = ctx.stage(stage_id)?;
        let cancel = move || {
            ctx.lost_prompt.set(None);
            reason.set(String::new());
            error.set(None);
            ctx.announcement.set("Move cancelled.".into());
            refocus(card_id);
        };
        let confirm =
            move || match parse_lost_reason(Some(StageKind::Lost), &reason.get_untracked()) {
                Ok(text) => {
                    ctx.lost_prompt.set(None);
                    reason.set(String::new());
                    error.set(None);
                    ctx.commit_move(card_id, stage_id, text);
                    refocus(card_id);
                }
                Err(e) => error.set(Some(e.message)),
            };
        Some(view! {
            <div class="overlay">
                <form method="post"
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="lost-title"
                    data-testid="lost-dialog"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        confirm();
                    }
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            cancel();
                        }
                    }
                >
                    <h2 id="lost-title">{format!("Why was \"{}\" lost?", card.title)}</h2>
                    <p class="muted">
                        {format!("It moves to {} once you say why; the team learns from the reasons.", stage.name)}
                    </p>
                    <label for="lost-reason">"Lost reason"</label>
                    <textarea
                        id="lost-reason"
                        name="lost_reason"
                        rows="3"
                        autofocus=true
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        aria-describedby="lost-reason-error"
                    ></textarea>
                    <p id="lost-reason-error" class="field-error" role="alert">
                        {move || error.get()}
                    </p>
                    <div class="dialog-actions">
                        <button type="button" class="button-quiet" on:click=move |_| cancel()>
                            "Cancel"
                        </button>
                        <button type="submit" class="button-primary">
                            "Mark as lost"
                        </button>
                    </div>
                </form>
            </div>
        })
    }
}

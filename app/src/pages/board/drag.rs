//! Dragging cards with pointer events: one code path for mouse, pen and touch.
//!
//! A mouse drags the whole card once it has moved a few pixels (so a click still opens it).
//! A finger drags by the handle, which has `touch-action: none`; anywhere else on the card a
//! finger scrolls the board as usual. While dragging, a copy of the card follows the pointer
//! and the column under it is found with `elementFromPoint`; only the drag signal changes,
//! so only the two columns whose totals change re-render.

use crate::providers::board::{use_board, Drag};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, PointerEvent};

/// Pixels a mouse must move before a press becomes a drag.
const MOUSE_THRESHOLD: f64 = 6.0;
/// Distance from the board's edge at which a drag scrolls it sideways.
const EDGE: f64 = 48.0;

struct Tracking {
    card_id: i64,
    pointer_id: i32,
    start: (f64, f64),
    offset: (f64, f64),
    threshold: f64,
    ghost: Option<HtmlElement>,
}

thread_local! {
    /// The drag in progress. Browser-only state (elements are not `Send`), one drag at a
    /// time per page, so a thread-local rather than a reactive store: nothing re-renders
    /// from it.
    static TRACKING: RefCell<Option<Tracking>> = const { RefCell::new(None) };
    /// Whether the last pointer-up ended a drag, so the click that follows does not open
    /// the card.
    static JUST_DROPPED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a click should be ignored because it ends a drag.
pub fn take_just_dropped() -> bool {
    JUST_DROPPED.with(|d| d.replace(false))
}

fn on_handle(ev: &PointerEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest(".drag-handle").ok().flatten())
        .is_some()
}

pub fn pointer_down(ev: PointerEvent, card_id: i64) {
    JUST_DROPPED.with(|d| d.set(false));
    if ev.button() != 0 {
        return;
    }
    let handle = on_handle(&ev);
    // A finger anywhere but the handle scrolls; only the handle drags.
    if ev.pointer_type() != "mouse" && !handle {
        return;
    }
    let Some(card) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return;
    };
    if handle {
        ev.prevent_default();
    }
    // No pointer capture yet: it would retarget the click of a button on the card to the
    // card itself. It is taken when the press becomes a drag.
    let rect = card.get_bounding_client_rect();
    let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
    TRACKING.with(|t| {
        *t.borrow_mut() = Some(Tracking {
            card_id,
            pointer_id: ev.pointer_id(),
            start: (x, y),
            offset: (x - rect.left(), y - rect.top()),
            threshold: if handle { 0.0 } else { MOUSE_THRESHOLD },
            ghost: None,
        })
    });
}

pub fn pointer_move(ev: PointerEvent) {
    let ctx = use_board();
    let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
    let mut started_now = None;
    TRACKING.with(|tracking| {
        let mut tracking = tracking.borrow_mut();
        let Some(t) = tracking
            .as_mut()
            .filter(|t| t.pointer_id == ev.pointer_id())
        else {
            return;
        };
        if t.ghost.is_none() {
            if (x - t.start.0).hypot(y - t.start.1) < t.threshold {
                return;
            }
            let Some(card) = ev
                .current_target()
                .and_then(|c| c.dyn_into::<HtmlElement>().ok())
            else {
                return;
            };
            let _ = card.set_pointer_capture(t.pointer_id);
            t.ghost = make_ghost(&card);
            started_now = Some(t.card_id);
        }
        if let Some(ghost) = &t.ghost {
            let style = ghost.style();
            let _ = style.set_property("left", &px(x - t.offset.0));
            let _ = style.set_property("top", &px(y - t.offset.1));
        }
    });
    let Some(card_id) = started_now.or_else(|| ctx.dragged.get_untracked()) else {
        return;
    };
    ev.prevent_default();
    let over = column_at(x, y);
    let next = Drag { card_id, over };
    if ctx.drag.get_untracked() != Some(next) {
        ctx.drag.set(Some(next));
    }
    scroll_near_edge(x);
}

pub fn pointer_up(ev: PointerEvent) {
    let ctx = use_board();
    let Some(tracking) = TRACKING.with(|t| t.borrow_mut().take()) else {
        return;
    };
    if tracking.pointer_id != ev.pointer_id() {
        return;
    }
    let Some(ghost) = tracking.ghost else {
        return;
    };
    ghost.remove();
    let drag = ctx.drag.get_untracked();
    ctx.drag.set(None);
    JUST_DROPPED.with(|d| d.set(true));
    if let Some(Drag {
        card_id,
        over: Some(stage_id),
    }) = drag
    {
        ctx.request_move(card_id, stage_id);
    }
}

/// The browser took the pointer (a scroll began, the window lost focus): nothing moves.
pub fn cancel() {
    let ctx = use_board();
    if let Some(tracking) = TRACKING.with(|t| t.borrow_mut().take()) {
        if let Some(ghost) = tracking.ghost {
            ghost.remove();
        }
    }
    if ctx.drag.get_untracked().is_some() {
        ctx.drag.set(None);
        ctx.announcement.set("Move cancelled.".into());
    }
}

fn make_ghost(card: &HtmlElement) -> Option<HtmlElement> {
    let ghost = card
        .clone_node_with_deep(true)
        .ok()?
        .dyn_into::<HtmlElement>()
        .ok()?;
    let rect = card.get_bounding_client_rect();
    let _ = ghost.class_list().add_1("drag-ghost");
    let _ = ghost.remove_attribute("data-testid");
    let _ = ghost.remove_attribute("tabindex");
    let _ = ghost.set_attribute("aria-hidden", "true");
    let style = ghost.style();
    let _ = style.set_property("width", &px(rect.width()));
    let _ = style.set_property("left", &px(rect.left()));
    let _ = style.set_property("top", &px(rect.top()));
    document().body()?.append_child(&ghost).ok()?;
    Some(ghost)
}

fn column_at(x: f64, y: f64) -> Option<i64> {
    // The coordinates are CSS pixels, which `elementFromPoint` takes as f32.
    #[allow(clippy::cast_possible_truncation)]
    let hit = document().element_from_point(x as f32, y as f32)?;
    hit.closest("[data-stage-id]")
        .ok()
        .flatten()?
        .get_attribute("data-stage-id")?
        .parse()
        .ok()
}

fn scroll_near_edge(x: f64) {
    let Some(board) = document().query_selector(".board").ok().flatten() else {
        return;
    };
    let rect = board.get_bounding_client_rect();
    if x < rect.left() + EDGE {
        board.scroll_by_with_x_and_y(-24.0, 0.0);
    } else if x > rect.right() - EDGE {
        board.scroll_by_with_x_and_y(24.0, 0.0);
    }
}

/// Whole CSS pixels: formatting an integer keeps float formatting out of the wasm.
#[allow(clippy::cast_possible_truncation)]
fn px(value: f64) -> String {
    format!("{}px", value.round() as i32)
}

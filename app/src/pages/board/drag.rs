//! Dragging cards with pointer events: one code path for mouse, pen and touch.
//!
//! A mouse drags the whole card once it has moved a few pixels (so a click still opens it).
//! A finger drags by the handle, which has `touch-action: none`; anywhere else on the card a
//! finger scrolls the board as usual. While dragging, a copy of the card follows the pointer
//! and the column under it is found with `elementFromPoint`; only the drag signal changes,
//! so only the two columns whose totals change re-render.

use crate::providers::board::{use_board, BoardContext, Drag};
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
    threshold: f64,
    ghost: Option<HtmlElement>,
    card: Option<HtmlElement>,
}

thread_local! {
    /// The drag in progress. Browser-only state (elements are not `Send`), one drag at a
    /// time per page, so a thread-local rather than a reactive store: nothing re-renders
    /// from it.
    static TRACKING: RefCell<Option<Tracking>> = const { RefCell::new(None) };
    /// Whether the last pointer-up ended a drag, so the click that follows does not open
    /// the card.
    static JUST_DROPPED: Cell<bool> = const { Cell::new(false) };
    /// The latest pointer position, and whether a frame to show it is already requested.
    static LATEST: Cell<(f64, f64)> = const { Cell::new((0.0, 0.0)) };
    static FRAME_PENDING: Cell<bool> = const { Cell::new(false) };
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
    if handle {
        ev.prevent_default();
    }
    // No pointer capture yet: it would retarget the click of a button on the card to the
    // card itself. It is taken when the press becomes a drag.
    let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
    TRACKING.with(|t| {
        *t.borrow_mut() = Some(Tracking {
            card_id,
            pointer_id: ev.pointer_id(),
            start: (x, y),
            threshold: if handle { 0.0 } else { MOUSE_THRESHOLD },
            ghost: None,
            card: None,
        })
    });
}

pub fn pointer_move(ev: PointerEvent) {
    let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
    let dragging = TRACKING.with(|tracking| {
        let mut tracking = tracking.borrow_mut();
        let Some(t) = tracking
            .as_mut()
            .filter(|t| t.pointer_id == ev.pointer_id())
        else {
            return false;
        };
        if t.ghost.is_none() {
            if (x - t.start.0).hypot(y - t.start.1) < t.threshold {
                return false;
            }
            let Some(card) = ev
                .current_target()
                .and_then(|c| c.dyn_into::<HtmlElement>().ok())
            else {
                return false;
            };
            let _ = card.set_pointer_capture(t.pointer_id);
            t.ghost = make_ghost(&card);
            t.card = Some(card);
        }
        t.ghost.is_some()
    });
    if !dragging {
        return;
    }
    ev.prevent_default();
    // Browsers deliver several pointer moves per frame; the ghost, the hit test and the drag
    // signal are updated once per frame, for the latest position.
    LATEST.with(|latest| latest.set((x, y)));
    if !FRAME_PENDING.with(|pending| pending.replace(true)) {
        let ctx = use_board();
        request_animation_frame(move || {
            FRAME_PENDING.with(|pending| pending.set(false));
            follow_pointer(ctx, LATEST.with(Cell::get));
        });
    }
}

/// Moves the ghost to the pointer and marks the column under it.
fn follow_pointer(ctx: BoardContext, (x, y): (f64, f64)) {
    let card_id = TRACKING.with(|tracking| {
        let tracking = tracking.borrow();
        let t = tracking.as_ref()?;
        let ghost = t.ghost.as_ref()?;
        // A transform moves the copy on the compositor: no layout or paint of the 2 000
        // cards beneath it, which left/top cost on every frame.
        let _ = ghost.style().set_property(
            "transform",
            &format!(
                "translate3d({}, {}, 0) rotate(2deg)",
                px(x - t.start.0),
                px(y - t.start.1)
            ),
        );
        Some(t.card_id)
    });
    let Some(card_id) = card_id else {
        return;
    };
    let next = Drag {
        card_id,
        over: column_at(x, y),
    };
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
    if let Some(card) = &tracking.card {
        let _ = card.class_list().remove_1("dragging");
    }
    JUST_DROPPED.with(|d| d.set(true));
    // The column shown as the target; if the last position has not been drawn yet, the
    // column under it.
    let over = if FRAME_PENDING.with(Cell::get) {
        let (x, y) = LATEST.with(Cell::get);
        column_at(x, y)
    } else {
        ctx.drag.get_untracked().and_then(|d| d.over)
    };
    ctx.drag.set(None);
    if let Some(stage_id) = over {
        ctx.request_move(tracking.card_id, stage_id);
    }
}

/// The browser took the pointer (a scroll began, the window lost focus): nothing moves.
pub fn cancel() {
    let ctx = use_board();
    if let Some(tracking) = TRACKING.with(|t| t.borrow_mut().take()) {
        if let Some(ghost) = tracking.ghost {
            ghost.remove();
        }
        if let Some(card) = tracking.card {
            let _ = card.class_list().remove_1("dragging");
        }
    }
    if ctx.drag.get_untracked().is_some() {
        ctx.drag.set(None);
        ctx.announcement.set("Move cancelled.".into());
    }
}

/// The floating copy that follows the pointer. The card itself is dimmed by a class set here,
/// not by a reactive class on every card (2 000 effects re-running at each drag start).
fn make_ghost(card: &HtmlElement) -> Option<HtmlElement> {
    let _ = card.class_list().add_1("dragging");
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

//! The board's state in the browser: the cards, the drag in progress, the dialogs, and the
//! optimistic move that the server's answer confirms or reverts.

use crate::api::pipeline::{get_board_column, get_opportunity, move_opportunity};
use crate::domain::forecast::PipelineTarget;
use crate::domain::{ColumnTotals, Opportunity, Stage, StageKind};
use crate::error::AppError;
use crate::model::pipeline::{Board, BoardParams, COLUMN_WINDOW};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::{HashMap, HashSet};

/// A card being dragged and the column under the pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drag {
    pub card_id: i64,
    pub over: Option<i64>,
}

/// What the board tells the user: a quiet confirmation or a problem to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Problem(String),
}

/// Which opportunity the drawer shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrawerTarget {
    New,
    Edit(i64),
}

#[derive(Clone, Copy)]
pub struct BoardContext {
    pub stages: StoredValue<Vec<Stage>>,
    /// What the forecast learned: the chances cards show beside their stage's.
    pub chances: StoredValue<crate::domain::calibration::Chances>,
    pub today: NaiveDate,
    /// The cards loaded so far: each column's windows, and cards moved or created here.
    pub cards: RwSignal<Vec<Opportunity>>,
    /// Each column's count and sums over all its cards (not only those loaded), as the server
    /// counted them and every change made here since.
    pub heads: RwSignal<HashMap<i64, ColumnTotals>>,
    /// The forecast panel's targets, each with its whole pipeline, kept up to date the same way.
    pub forecasts: RwSignal<Vec<PipelineTarget>>,
    /// Where each column's next window starts: after its last card the server sent (close
    /// date, id); `None` once a window came back empty.
    cursors: RwSignal<HashMap<i64, Option<(NaiveDate, i64)>>>,
    /// Columns whose next window is on its way.
    pub loading: RwSignal<HashSet<i64>>,
    /// The board's URL parameters: further windows are read with the same filters.
    params: StoredValue<BoardParams>,
    /// When the server counted the columns and the forecast.
    loaded_at: DateTime<Utc>,
    /// Cards a later window brought that changed since `loaded_at`: the counts hold them as
    /// they were, not as they are, so they no longer move the counts.
    uncounted: StoredValue<HashSet<i64>>,
    /// Cards whose move the server has not answered yet.
    pub pending: RwSignal<HashSet<i64>>,
    pub drag: RwSignal<Option<Drag>>,
    pub notice: RwSignal<Option<Notice>>,
    /// Read out by screen readers (an `aria-live` region).
    pub announcement: RwSignal<String>,
    /// A drop on a lost stage waits here for its reason.
    pub lost_prompt: RwSignal<Option<(i64, i64)>>,
    /// The card whose "Move to…" menu is open.
    pub move_menu: RwSignal<Option<i64>>,
    pub drawer: RwSignal<Option<DrawerTarget>>,
}

impl BoardContext {
    pub fn provide(board: &Board, params: BoardParams) -> BoardContext {
        let drag = RwSignal::new(None::<Drag>);
        let heads = board
            .columns
            .iter()
            .map(|c| (c.stage_id, c.totals()))
            .collect();
        // A column whose first window is full may have more; its last card is where the next
        // window starts.
        let mut cursors: HashMap<i64, Option<(NaiveDate, i64)>> = HashMap::new();
        for stage in &board.stages {
            let window: Vec<&Opportunity> = board
                .cards
                .iter()
                .filter(|c| c.stage_id == stage.id)
                .collect();
            let next = window.last().map(|c| (c.expected_close_on, c.id));
            cursors.insert(stage.id, next.filter(|_| window.len() == COLUMN_WINDOW));
        }
        let context = BoardContext {
            stages: StoredValue::new(board.stages.clone()),
            chances: StoredValue::new(board.chances.clone()),
            today: board.today,
            cards: RwSignal::new(board.cards.clone()),
            heads: RwSignal::new(heads),
            forecasts: RwSignal::new(board.forecasts.clone()),
            cursors: RwSignal::new(cursors),
            loading: RwSignal::new(HashSet::new()),
            params: StoredValue::new(params),
            loaded_at: board.loaded_at,
            uncounted: StoredValue::new(HashSet::new()),
            pending: RwSignal::new(HashSet::new()),
            drag,
            notice: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
            lost_prompt: RwSignal::new(None),
            move_menu: RwSignal::new(None),
            drawer: RwSignal::new(None),
        };
        provide_context(context);
        context
    }

    pub fn stage(&self, id: i64) -> Option<Stage> {
        self.stages
            .with_value(|s| s.iter().find(|s| s.id == id).cloned())
    }

    pub fn card(&self, id: i64) -> Option<Opportunity> {
        self.cards
            .with_untracked(|cards| cards.iter().find(|c| c.id == id).cloned())
    }

    /// The stage `step` places before (-1) or after (1) the card's, in board order.
    pub fn neighbour_stage(&self, card_id: i64, step: isize) -> Option<Stage> {
        let card = self.card(card_id)?;
        self.stages.with_value(|stages| {
            let index = stages.iter().position(|s| s.id == card.stage_id)?;
            index
                .checked_add_signed(step)
                .and_then(|i| stages.get(i))
                .cloned()
        })
    }

    /// The cards of one column in board order, each with whether its move is still being
    /// saved. A memo per column: a move re-renders the cards it changes in the two columns it
    /// touches, nothing else. (Cards do not each subscribe to `pending`: with 2 000 cards,
    /// 2 000 effects re-running on every move cost a visible frame.)
    pub fn column_cards(&self, stage_id: i64) -> Memo<Vec<(Opportunity, bool)>> {
        let cards = self.cards;
        let pending = self.pending;
        Memo::new(move |_| {
            pending.with(|pending| {
                cards.with(|cards| {
                    let mut column: Vec<(Opportunity, bool)> = cards
                        .iter()
                        .filter(|c| c.stage_id == stage_id)
                        .map(|c| (c.clone(), pending.contains(&c.id)))
                        .collect();
                    // Board order, wherever a card came from (a window, a move, the drawer).
                    column.sort_by_key(|(c, _)| (c.expected_close_on, c.id));
                    column
                })
            })
        })
    }

    /// Fetches the column's next window from the server and adds the cards not here yet.
    pub fn load_more(&self, stage_id: i64) {
        let cursor = self
            .cursors
            .with_untracked(|c| c.get(&stage_id).copied().unwrap_or(None));
        let Some((after_close, after_id)) = cursor else {
            return;
        };
        if self.loading.with_untracked(|l| l.contains(&stage_id)) {
            return;
        }
        self.loading.update(|l| {
            l.insert(stage_id);
        });
        let this = *self;
        let params = self.params.get_value();
        let day = self.today;
        spawn_local(async move {
            let result = get_board_column(params, day, stage_id, after_close, after_id).await;
            match result {
                Ok(window) => {
                    let full = window.len() == COLUMN_WINDOW;
                    let next = window.last().map(|c| (c.expected_close_on, c.id));
                    this.cursors.update(|c| {
                        c.insert(stage_id, next.filter(|_| full));
                    });
                    let here: HashSet<i64> = this
                        .cards
                        .with_untracked(|cards| cards.iter().map(|c| c.id).collect());
                    let new: Vec<Opportunity> = window
                        .into_iter()
                        .filter(|c| !here.contains(&c.id))
                        .collect();
                    // Moved or created by someone since the board was counted: shown as it is,
                    // and the counts say so.
                    let changed: Vec<i64> = new
                        .iter()
                        .filter(|c| c.stage_entered_at > this.loaded_at)
                        .map(|c| c.id)
                        .collect();
                    if !changed.is_empty() {
                        this.uncounted.update_value(|u| u.extend(changed));
                        this.notice.set(Some(Notice::Info(
                            "Someone has changed this board since it was loaded: reload it for exact totals and forecast."
                                .into(),
                        )));
                    }
                    this.cards.update(|cards| cards.extend(new));
                }
                Err(error) => {
                    this.notice.set(Some(Notice::Problem(format!(
                        "More cards could not be loaded: {error}"
                    ))));
                }
            }
            this.loading.update(|l| {
                l.remove(&stage_id);
            });
        });
    }

    /// Whether the server may have more of the column: its last window was full.
    pub fn has_more(&self, stage_id: i64) -> bool {
        self.cursors
            .with(|c| c.get(&stage_id).is_some_and(Option::is_some))
    }

    /// How many of the column's cards are not loaded yet, by its count (none once the server
    /// has no more).
    pub fn not_loaded(&self, stage_id: i64, loaded: usize) -> usize {
        if !self.has_more(stage_id) {
            return 0;
        }
        self.heads
            .with(|h| h.get(&stage_id).map_or(0, |t| t.count))
            .saturating_sub(loaded)
    }

    /// A column's count, sum and weighted sum over all its cards, including the card being
    /// dragged over it and excluding the card being dragged out of it.
    pub fn column_totals(&self, stage: Stage) -> Memo<ColumnTotals> {
        let heads = self.heads;
        let stage_id = stage.id;
        let base =
            Memo::new(move |_| heads.with(|h| h.get(&stage_id).cloned().unwrap_or_default()));
        let drag = self.drag;
        let all = self.cards;
        let stages = self.stages;
        Memo::new(move |_| {
            let mut totals = base.get();
            let Some(Drag {
                card_id,
                over: Some(over),
            }) = drag.get()
            else {
                return totals;
            };
            let Some(card) = all.with_untracked(|c| c.iter().find(|c| c.id == card_id).cloned())
            else {
                return totals;
            };
            if card.stage_id == over {
                return totals;
            }
            if card.stage_id == stage.id {
                let home = stages.with_value(|s| s.iter().find(|s| s.id == stage.id).cloned());
                if let Some(home) = home {
                    totals.remove(&card, &home);
                }
            } else if over == stage.id {
                totals.add(&card, &stage);
            }
            totals
        })
    }

    /// A card was dropped on (or sent by keyboard to) `stage_id`. Lost asks for a reason
    /// first; everything else moves at once.
    pub fn request_move(&self, card_id: i64, stage_id: i64) {
        let (Some(card), Some(stage)) = (self.card(card_id), self.stage(stage_id)) else {
            return;
        };
        if card.stage_id == stage_id {
            return;
        }
        if self.pending.with_untracked(|p| p.contains(&card_id)) {
            self.notice.set(Some(Notice::Problem(format!(
                "\"{}\" is still being saved; try again in a moment.",
                card.title
            ))));
            return;
        }
        if stage.kind == StageKind::Lost {
            self.lost_prompt.set(Some((card_id, stage_id)));
        } else {
            self.commit_move(card_id, stage_id, None);
        }
    }

    /// Moves the card on screen now, then asks the server. Its answer replaces the card (a
    /// new version); a conflict shows the card where it really is and says who moved it;
    /// any other refusal puts the card back.
    pub fn commit_move(&self, card_id: i64, stage_id: i64, lost_reason: Option<String>) {
        let (Some(before), Some(stage)) = (self.card(card_id), self.stage(stage_id)) else {
            return;
        };
        let moved = before.move_to(&stage, lost_reason.clone(), chrono::Utc::now());
        self.replace(moved);
        self.pending.update(|p| {
            p.insert(card_id);
        });
        self.announcement
            .set(format!("Moving \"{}\" to {}.", before.title, stage.name));
        let this = *self;
        spawn_local(async move {
            let result = move_opportunity(card_id, before.version, stage_id, lost_reason).await;
            match result {
                Ok(card) => {
                    // The confirmed card (a new version) is a new element; keep the keyboard on it.
                    let focused = has_focus(card_id);
                    this.replace(card);
                    if focused {
                        refocus(card_id);
                    }
                    this.notice.set(None);
                    this.announcement
                        .set(format!("Moved \"{}\" to {}.", before.title, stage.name));
                }
                Err(AppError::Conflict(message)) => {
                    this.refresh(card_id).await;
                    this.announcement.set(message.clone());
                    this.notice.set(Some(Notice::Problem(message)));
                }
                Err(error) => {
                    this.replace(before.clone());
                    let message = format!("\"{}\" was not moved: {error}", before.title);
                    this.announcement.set(message.clone());
                    this.notice.set(Some(Notice::Problem(message)));
                }
            }
            this.pending.update(|p| {
                p.remove(&card_id);
            });
        });
    }

    /// Shows the card as the server has it now, or drops it if it is gone. If the server
    /// cannot be asked, the card stays as it is: a dropped connection is no reason to hide it.
    pub async fn refresh(&self, card_id: i64) {
        match get_opportunity(card_id).await {
            Ok(detail) => self.replace(detail.card),
            Err(AppError::NotFound(_)) => self.remove(card_id),
            Err(_) => {}
        }
    }

    /// Adds a card the drawer just created, counted as new (a window may have brought it
    /// before the drawer heard back).
    pub fn created(&self, card: Opportunity) {
        self.uncounted.update_value(|u| {
            u.remove(&card.id);
        });
        self.count(None, Some(&card));
        self.cards.update(|cards| {
            cards.retain(|c| c.id != card.id);
            cards.push(card);
        });
    }

    /// Puts `card` in place of the card with its id, or adds it; the columns' totals and the
    /// forecast follow.
    pub fn replace(&self, card: Opportunity) {
        let before = self.card(card.id);
        self.count(before.as_ref(), Some(&card));
        self.cards
            .update(|cards| match cards.iter_mut().find(|c| c.id == card.id) {
                Some(slot) => *slot = card,
                None => cards.push(card),
            });
    }

    pub fn remove(&self, card_id: i64) {
        let before = self.card(card_id);
        self.count(before.as_ref(), None);
        self.cards.update(|cards| cards.retain(|c| c.id != card_id));
    }

    /// Moves a card's share of the column totals and of the forecast from what it was
    /// (`before`; none: new) to what it is (`after`; none: gone).
    fn count(&self, before: Option<&Opportunity>, after: Option<&Opportunity>) {
        let id = before.or(after).map(|c| c.id);
        if id.is_some_and(|id| self.uncounted.with_value(|u| u.contains(&id))) {
            return;
        }
        let stage_of = |card: &Opportunity| self.stage(card.stage_id);
        self.heads.update(|heads| {
            if let Some((card, stage)) = before.and_then(|c| stage_of(c).map(|s| (c, s))) {
                heads.entry(stage.id).or_default().remove(card, &stage);
            }
            if let Some((card, stage)) = after.and_then(|c| stage_of(c).map(|s| (c, s))) {
                heads.entry(stage.id).or_default().add(card, &stage);
            }
        });
        let today = self.today;
        self.stages.with_value(|stages| {
            self.chances.with_value(|chances| {
                self.forecasts.update(|targets| {
                    for target in targets {
                        target.apply(before, after, stages, today, chances);
                    }
                });
            })
        });
    }
}

fn card_element(card_id: i64) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    document()
        .query_selector(&format!(
            "[data-testid=\"card\"][data-card-id=\"{card_id}\"]"
        ))
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
}

fn has_focus(card_id: i64) -> bool {
    let active = document().active_element();
    card_element(card_id).is_some_and(|el| active.is_some_and(|a| a == *el))
}

/// Keeps the keyboard on a card after it was drawn anew (moved to another column, or
/// confirmed by the server with a new version).
pub fn refocus(card_id: i64) {
    request_animation_frame(move || {
        if let Some(el) = card_element(card_id) {
            let _ = el.focus();
        }
    });
}

pub fn use_board() -> BoardContext {
    expect_context::<BoardContext>()
}

//! The pipeline board: one column per stage, cards moved by mouse, touch or keyboard, the
//! view and filters kept in the URL.

mod card;
mod dialogs;
mod drag;
mod drawer;
mod forecast;
mod stages;

pub use stages::StagesPage;

use crate::api::pipeline::get_board;
use crate::components::date_input::DateInput;
use crate::components::export::ExportLinks;
use crate::domain::{Stage, StageKind};
use crate::model::pipeline::COLUMN_WINDOW;
use crate::model::pipeline::{Board, BoardParams, Choice};
use crate::providers::board::{BoardContext, DrawerTarget, Notice};
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use card::CardView;
use dialogs::{LostReasonDialog, MoveMenu};
use drawer::OpportunityDrawer;
use forecast::ForecastPanel;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// The URL parameters of the board, in the order `get_board` takes them.
const PARAMS: [&str; 6] = ["view", "owner", "customer", "from", "to", "q"];

#[component]
pub fn BoardPage() -> impl IntoView {
    let query = use_query_map();
    let params =
        move || query.with(|q| PARAMS.map(|key| q.get(key).filter(|v| !v.trim().is_empty())));
    let board = resource(params, |[view, owner, customer, from, to, q]| {
        get_board(view, owner, customer, from, to, q)
    });
    let params = StoredValue::new(params);
    view! {
        <Title text="Board" />
        <Transition fallback=|| view! { <p class="muted">"Loading the board…"</p> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(board) => {
                        let [view, owner, customer, from, to, q] = params.with_value(|p| p());
                        let params = BoardParams { view, owner, customer, from, to, q };
                        Either::Left(view! { <BoardView board params /> })
                    }
                    Err(e) => {
                        Either::Right(view! {
                            <section class="card">
                                <h1>"Pipeline board"</h1>
                                <p class="form-error" role="alert" data-testid="board-error">
                                    {e.to_string()}
                                </p>
                                <A href="/board">"Show my default board"</A>
                            </section>
                        })
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn BoardView(board: Board, params: BoardParams) -> impl IntoView {
    let ctx = BoardContext::provide(&board, params);
    let stages = board.stages.clone();
    let can_edit_stages = board.can_edit_stages;
    // The export takes the board's own query: it lists what the board shows.
    let location = leptos_router::hooks::use_location();
    // A warning's "Create an opportunity" (`?customer=…&new=1`) opens the drawer once the
    // page is live.
    let open_new = use_query_map().with_untracked(|q| q.get("new").is_some());
    Effect::new(move |_| {
        if open_new {
            ctx.drawer.set(Some(DrawerTarget::New));
        }
    });
    view! {
        <section class="board-page">
            <div class="section-head">
                <h1>"Pipeline board"</h1>
                <div class="board-actions">
                    {can_edit_stages
                        .then(|| view! { <A href="/board/stages" attr:class="button-quiet">"Edit stages"</A> })}
                    <ExportLinks
                        href=Signal::derive(move || format!("/api/export/opportunities.csv?{}", location.search.get().trim_start_matches('?')))
                        file="opportunities.csv"
                    />
                    <button
                        type="button"
                        class="button-primary"
                        data-testid="new-opportunity"
                        on:click=move |_| ctx.drawer.set(Some(DrawerTarget::New))
                    >
                        "New opportunity"
                    </button>
                </div>
            </div>
            <Filters board=board.clone() />
            <ForecastPanel targets=board.forecasts.clone() thresholds=board.thresholds calendar=board.calendar.clone() />
            <NoticeBar />
            <p id="board-keys" class="sr-only">
                "Left and right arrow keys move the card to the previous or next stage; M opens the Move to menu; Enter opens the opportunity."
            </p>
            <p class="sr-only" aria-live="polite" data-testid="announcement">
                {move || ctx.announcement.get()}
            </p>
            <div class="board" data-testid="board">
                {stages.into_iter().map(|stage| view! { <Column stage /> }).collect_view()}
            </div>
            <MoveMenu />
            <LostReasonDialog />
            {move || {
                ctx.drawer
                    .get()
                    .map(|target| {
                        view! {
                            <OpportunityDrawer
                                target
                                owners=board.owners.clone()
                                can_assign=board.can_assign
                                me=board.me
                            />
                        }
                    })
            }}
        </section>
    }
}

/// View, owner, close-date range and text search: a GET form, so the URL holds the filter
/// and a board can be shared or reloaded as it is.
#[component]
fn Filters(board: Board) -> impl IntoView {
    let query = use_query_map();
    let value = move |key: &'static str| move || query.read().get(key).unwrap_or_default();
    let customer = query.read_untracked().get("customer");
    let submit_on_change = |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        if let Some(form) = event_target::<web_sys::Element>(&ev)
            .closest("form")
            .ok()
            .flatten()
            .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
        {
            let _ = form.request_submit();
        }
    };
    let select = move |name: &'static str,
                       label: &'static str,
                       all: Option<&'static str>,
                       choices: Vec<Choice>,
                       current: String| {
        view! {
            <label class="filter">
                <span>{label}</span>
                <select name=name on:change=submit_on_change data-testid=format!("filter-{name}")>
                    {all.map(|all| view! { <option value="">{all}</option> })}
                    {choices
                        .into_iter()
                        .map(|c| {
                            let selected = c.key == current;
                            view! { <option value=c.key selected=selected>{c.label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    };
    let owner = query.read_untracked().get("owner").unwrap_or_default();
    // The close-date range as typed, in the person's way of writing dates; the form sends ISO.
    let from = RwSignal::new(query.read_untracked().get("from").unwrap_or_default());
    let to = RwSignal::new(query.read_untracked().get("to").unwrap_or_default());
    Effect::new(move |_| {
        query.with(|q| {
            from.set(q.get("from").unwrap_or_default());
            to.set(q.get("to").unwrap_or_default());
        })
    });
    let submit_form = move |()| {
        if let Some(form) = leptos::prelude::document()
            .get_element_by_id("board-filters")
            .and_then(|f| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlFormElement>(f).ok())
        {
            let _ = form.request_submit();
        }
    };
    // On a phone the filters fold away behind a button saying how many are set, so the first
    // screen shows cards (issue 22); on a wider screen they are always shown.
    let open = RwSignal::new(false);
    let active = move || {
        query.with(|q| {
            ["owner", "from", "to", "q", "customer"]
                .iter()
                .filter(|key| q.get(key).is_some_and(|v| !v.trim().is_empty()))
                .count()
        })
    };
    view! {
        <button
            type="button"
            class="button-quiet filters-toggle"
            aria-controls="board-filters"
            aria-expanded=move || open.get().to_string()
            data-testid="filters-toggle"
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {move || match active() {
                0 => "Filters".to_string(),
                n => format!("Filters ({n} set)"),
            }}
        </button>
        <Form
            method="GET"
            action=""
            attr:id="board-filters"
            attr:class=move || if open.get() { "filters open" } else { "filters" }
            attr:data-testid="board-filters"
        >
            {select("view", "Show", None, board.views.clone(), board.view.clone())}
            {(board.owners.len() > 1).then(|| select("owner", "Owner", Some("Everyone"), board.owners.clone(), owner))}
            <label class="filter">
                <span>"Closing from"</span>
                <DateInput value=from on_input=move |v: String| from.set(v) name="from" on_change=submit_form testid="filter-from" />
            </label>
            <label class="filter">
                <span>"to"</span>
                <DateInput value=to on_input=move |v: String| to.set(v) name="to" on_change=submit_form testid="filter-to" />
            </label>
            <label class="filter filter-search">
                <span>"Search"</span>
                <input
                    type="search"
                    name="q"
                    placeholder="Title or customer"
                    prop:value=value("q")
                    data-testid="filter-q"
                />
            </label>
            {customer.map(|id| view! { <input type="hidden" name="customer" value=id /> })}
            <button type="submit" class="button-quiet">"Apply"</button>
            <A href="/board" attr:class="button-quiet">"Clear"</A>
        </Form>
        {board.customer_name.map(|name| {
            view! {
                <p class="filter-chip">
                    "Customer: " <strong>{name}</strong> " · "
                    <A href="/board">"show all customers"</A>
                </p>
            }
        })}
        <p class="muted board-hint">
            {format!(
                "Won and lost show opportunities closed since {}.",
                use_locale().date(board.closed_since),
            )}
        </p>
    }
}

#[component]
fn NoticeBar() -> impl IntoView {
    let ctx = crate::providers::board::use_board();
    move || {
        ctx.notice.get().map(|notice| {
            let (class, role, text) = match notice {
                Notice::Info(text) => ("notice notice-info", "status", text),
                Notice::Problem(text) => ("notice notice-problem", "alert", text),
            };
            view! {
                <div class=class role=role data-testid="board-notice">
                    <span>{text}</span>
                    <button
                        type="button"
                        class="button-quiet"
                        aria-label="Dismiss"
                        on:click=move |_| ctx.notice.set(None)
                    >
                        "×"
                    </button>
                </div>
            }
        })
    }
}

#[component]
fn Column(stage: Stage) -> impl IntoView {
    let ctx = crate::providers::board::use_board();
    let stage_id = stage.id;
    let cards = ctx.column_cards(stage_id);
    let totals = ctx.column_totals(stage.clone());
    // Cards of the column not loaded yet: the server counted them all.
    let hidden = move || ctx.not_loaded(stage_id, cards.with(|c| c.len()));
    let loading = move || ctx.loading.with(|l| l.contains(&stage_id));
    let show_more = move || ctx.load_more(stage_id);
    // Near the end of the column's scroll, load the next window before the user gets there.
    let on_scroll = move |ev: leptos::ev::Event| {
        let el = event_target::<web_sys::Element>(&ev);
        if el.scroll_top() + el.client_height() * 2 >= el.scroll_height() && ctx.has_more(stage_id)
        {
            show_more();
        }
    };
    let drag = ctx.drag;
    let all = ctx.cards;
    let is_target = Memo::new(move |_| {
        drag.with(|d| {
            d.is_some_and(|d| {
                d.over == Some(stage_id)
                    && all.with_untracked(|c| {
                        c.iter()
                            .any(|c| c.id == d.card_id && c.stage_id != stage_id)
                    })
            })
        })
    });
    let closed = stage.kind.is_closed();
    let collapsed = RwSignal::new(closed);
    let name = stage.name.clone();
    let kind_class = match stage.kind {
        StageKind::Open => "column",
        StageKind::Won => "column column-closed column-won",
        StageKind::Lost => "column column-closed column-lost",
    };
    let card_stage = stage.clone();
    view! {
        <section
            class=kind_class
            class:drop-target=move || is_target.get()
            class:collapsed=move || collapsed.get()
            data-stage-id=stage_id
            data-testid=format!("column-{}", stage.name)
            aria-label=format!("{} stage", stage.name)
        >
            <header class="column-head">
                <h2>
                    {name} <span class="column-probability">{format!("{} %", stage.probability.percent())}</span>
                </h2>
                <p class="column-totals" data-testid="column-totals">
                    <span data-testid="column-count">{move || totals.with(|t| t.count)}</span>
                    <span class="muted">" · "</span>
                    <span data-testid="column-sum" title="Sum of values">{move || totals.with(|t| t.sum_label(use_locale()))}</span>
                    <span class="muted">" · weighted "</span>
                    <span data-testid="column-weighted" title="Sum of value × probability">
                        {move || totals.with(|t| t.weighted_label(use_locale()))}
                    </span>
                </p>
                {closed
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="button-quiet column-toggle"
                                aria-expanded=move || (!collapsed.get()).to_string()
                                on:click=move |_| collapsed.update(|c| *c = !*c)
                            >
                                {move || if collapsed.get() { "Show cards" } else { "Hide cards" }}
                            </button>
                        }
                    })}
            </header>
            <div class="column-cards" role="list" on:scroll=on_scroll>
                <Show when=move || !collapsed.get()>
                    <For
                        each=move || cards.get()
                        key=|(card, pending)| (card.id, card.version, card.stage_id, *pending)
                        children={
                            let stage = card_stage.clone();
                            move |(card, pending)| view! { <CardView card pending stage=stage.clone() /> }
                        }
                    />
                    // In the list as its last item: a list holds only items (issue 22's audit).
                    <Show when=move || { hidden() > 0 }>
                        <div role="listitem" class="column-more-item">
                        <button
                            type="button"
                            class="button-quiet column-more"
                            data-testid="column-more"
                            disabled=loading
                            on:click=move |_| show_more()
                        >
                            {move || {
                                let hidden = hidden();
                                if loading() {
                                    "Loading more…".to_string()
                                } else {
                                    format!("Show {} more of {hidden}", hidden.min(COLUMN_WINDOW))
                                }
                            }}
                        </button>
                        </div>
                    </Show>
                </Show>
            </div>
        </section>
    }
}

//! The forecast panel: the view's bookings targets against what is won and what the pipeline
//! promises, recomputed in the browser from the cards as they are — and, while a card is held
//! over a column, as they would be if it were dropped there (before the server has a say).

use crate::components::timing;
use crate::domain::forecast::{Outlook, PipelineTarget, Thresholds, WhatIf};
use crate::domain::number::format_value;
use crate::providers::board::use_board;
use leptos::either::Either;
use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

#[component]
pub fn ForecastPanel(
    targets: Vec<PipelineTarget>,
    thresholds: Thresholds,
    calendar: crate::domain::calendar::Calendar,
) -> impl IntoView {
    let calendar = StoredValue::new(calendar);
    let ctx = use_board();
    if targets.is_empty() {
        return Either::Left(view! {
            <p class="muted forecast-none" data-testid="forecast-none">
                "No bookings or won-opportunities target runs for this view today, so there is no forecast to show."
            </p>
        });
    }
    let drag = ctx.drag;
    // Changes only when the card enters another column, not on every pointer move.
    let what_if = Memo::new(move |_| {
        drag.get().and_then(|d| {
            d.over.map(|stage_id| WhatIf {
                card_id: d.card_id,
                stage_id,
            })
        })
    });
    // On a phone the panel folds to its first target's line (status and P(hit)) so the first
    // screen shows cards (issue 22); "More" opens every target's figures.
    let open = RwSignal::new(false);
    let count = targets.len();
    Either::Right(view! {
        <section
            id="forecast-panel"
            class=move || if open.get() { "forecast-panel open" } else { "forecast-panel" }
            data-testid="forecast-panel"
            aria-label="Forecast against targets"
        >
            {targets
                .into_iter()
                .map(|target| view! { <ForecastRow target thresholds calendar what_if /> })
                .collect_view()}
            <button
                type="button"
                class="button-quiet forecast-toggle"
                aria-controls="forecast-panel"
                aria-expanded=move || open.get().to_string()
                data-testid="forecast-toggle"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || match (open.get(), count) {
                    (true, _) => "Less".to_string(),
                    (false, 1) => "More".to_string(),
                    (false, n) => format!("All {n} targets"),
                }}
            </button>
        </section>
    })
}

#[component]
fn ForecastRow(
    target: PipelineTarget,
    thresholds: Thresholds,
    calendar: StoredValue<crate::domain::calendar::Calendar>,
    what_if: Memo<Option<WhatIf>>,
) -> impl IntoView {
    let ctx = use_board();
    let (cards, stages, today, chances) = (ctx.cards, ctx.stages, ctx.today, ctx.chances);
    let targets = ctx.forecasts;
    let id = target.id;
    let (metric, currency, value) = (target.metric, target.currency, target.value);
    let locale = crate::providers::locale::use_locale();
    let show = move |v: Decimal| format_value(locale, metric, v, currency);
    let href = format!("/targets/{}", target.id);
    // Demo and most real statements name the assignee already.
    let heading = if target.statement.contains(&target.assignee) {
        target.statement.clone()
    } else {
        format!("{} · {}", target.assignee, target.statement)
    };
    // The target as it is now (every move and edit on this board counted), with the card
    // being dragged where it is held; the held card is looked up, not followed.
    let outlook = Memo::new(move |_| {
        let what_if = what_if.get();
        cards.with_untracked(|cards| {
            stages.with_value(|stages| {
                targets.with(|targets| {
                    let t = targets
                        .iter()
                        .find(|t| t.id == id)
                        .unwrap_or_else(|| unreachable!("the board's targets stay"));
                    timing::timed(&TIMINGS, || {
                        calendar.with_value(|calendar| {
                            chances.with_value(|chances| {
                                t.outlook(
                                    cards,
                                    stages,
                                    today,
                                    what_if,
                                    &thresholds,
                                    calendar,
                                    chances,
                                    locale,
                                )
                            })
                        })
                    })
                })
            })
        })
    });
    let band = move || {
        outlook.with(|o| {
            o.band
                .unwrap_or_else(|| unreachable!("pipeline targets have a band"))
        })
    };
    let health = move || outlook.with(|o| o.health);
    view! {
        <article class="forecast-row" data-testid="forecast" data-target-id=id>
            <header class="forecast-head">
                <a href=href class="forecast-title">{heading}</a>
                <span
                    class=move || format!("tag tag-health-{}", health().as_str())
                    data-testid="forecast-status"
                >
                    {move || health().label()}
                </span>
                <span class="forecast-p-hit-short" aria-hidden="true">
                    {move || format!("P(hit) {} %", band().p_hit_percent())}
                </span>
                <Show when=move || what_if.with(Option::is_some)>
                    <span class="tag tag-whatif" data-testid="forecast-whatif">"if dropped here"</span>
                </Show>
            </header>
            <dl class="forecast-figures">
                <div><dt>"Target"</dt><dd>{show(value)}</dd></div>
                <div><dt>"Won"</dt><dd data-testid="forecast-won">{move || show(band().won)}</dd></div>
                <div><dt>"Weighted"</dt><dd data-testid="forecast-weighted">{move || show(band().weighted)}</dd></div>
                <div>
                    <dt title="80 % of simulated outcomes fall in this range">"P10–P90"</dt>
                    <dd data-testid="forecast-band">{move || format!("{} – {}", show(band().p10), show(band().p90))}</dd>
                </div>
                <div>
                    <dt title="Share of simulated outcomes that reach the target">"P(hit)"</dt>
                    <dd data-testid="forecast-p-hit">{move || format!("{} %", band().p_hit_percent())}</dd>
                </div>
            </dl>
            <BandBar outlook value />
            {move || {
                outlook
                    .with(|o| o.warning.clone())
                    .map(|w| view! { <p class="forecast-warning" data-testid="forecast-warning">{w}</p> })
            }}
        </article>
    }
}

/// Won so far, the P10–P90 band and the weighted forecast on one scale, with the target marked.
#[component]
fn BandBar(outlook: Memo<Outlook>, value: Decimal) -> impl IntoView {
    let geometry = move || {
        outlook.with(|o| {
            let band = o
                .band
                .unwrap_or_else(|| unreachable!("pipeline targets have a band"));
            let scale = band.p90.max(value).max(Decimal::ONE) * Decimal::new(11, 1);
            let x = |v: Decimal| {
                (v / scale * Decimal::ONE_HUNDRED)
                    .to_f64()
                    .unwrap_or(0.0)
                    .clamp(0.0, 100.0)
            };
            (
                x(band.won),
                x(band.p10),
                x(band.p90),
                x(band.weighted),
                x(value),
                o.health,
            )
        })
    };
    view! {
        <svg class="forecast-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
            {move || {
                let (won, p10, p90, weighted, target, health) = geometry();
                view! {
                    <rect class="bar-track" x="0" y="3" width="100" height="4" rx="1" />
                    <rect class=format!("bar-band bar-{}", health.as_str()) x=p10 y="2" width=(p90 - p10).max(0.4) height="6" rx="1" />
                    <rect class="bar-won" x="0" y="3" width=won height="4" rx="1" />
                    <line class="bar-weighted" x1=weighted x2=weighted y1="1" y2="9" />
                    <line class="bar-target" x1=target x2=target y1="0" y2="10" />
                }
            }}
        </svg>
    }
}

thread_local! {
    static TIMINGS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// For the browser benchmark (`end2end/bench/forecast.bench.ts`): the milliseconds each
/// forecast panel update took since the last call, which empties the record.
#[cfg(feature = "bench-timings")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn forecast_timings() -> Vec<f64> {
    timing::take(&TIMINGS)
}

/// For the browser benchmark: the engine alone on the same made-up pipeline as the native
/// criterion benchmark (`cargo bench -p app --bench forecast`), in milliseconds per run.
#[cfg(feature = "bench-timings")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn forecast_engine_timings(deals: usize, trials: u32, runs: u32) -> Vec<f64> {
    use crate::domain::forecast::{sample_pipeline, simulate, SEED};
    let open = sample_pipeline(deals);
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return Vec::new();
    };
    let target = Decimal::from(deals as i64 * 120);
    (0..runs)
        .map(|_| {
            let started = performance.now();
            let band = simulate(Decimal::from(5_000), &open, target, trials, SEED);
            std::hint::black_box(band);
            performance.now() - started
        })
        .collect()
}

//! "How the forecasts did" on the settings page (managers and admins): for every closed period
//! at 25, 50 and 75 % of it, Pacer's forecast against the plain method and the people's calls,
//! and a reliability chart (our SVG) of the chances Pacer gave against how often targets were
//! reached. Admins can have the missing snapshots of past periods computed.

use crate::api::dashboard::{backfill_accuracy, get_accuracy};
use crate::components::problem::LoadError;
use crate::domain::accuracy::{AccuracyReport, Bin, Row, Score};
use crate::error::AppError;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;

fn tenths(v: Option<u32>) -> String {
    v.map_or_else(|| "—".into(), |t| format!("{}.{} %", t / 10, t % 10))
}

fn pct(v: Option<u8>) -> String {
    v.map_or_else(|| "—".into(), |p| format!("{p} %"))
}

fn brier(v: Option<u32>) -> String {
    v.map_or_else(|| "—".into(), |b| format!("0.{b:03}"))
}

#[component]
pub fn ForecastAccuracy(is_admin: bool) -> impl IntoView {
    let backfill = Action::new(|_: &()| backfill_accuracy());
    let report = resource(move || backfill.version().get(), |_| get_accuracy());
    view! {
        <section class="card" data-testid="accuracy">
            <h1>"How the forecasts did"</h1>
            <p class="muted">
                "Every closed period, seen at a quarter, half and three quarters of the way: how far each forecast's point was from the outcome (error), how often the outcome fell inside Pacer's P10–P90 (or between a call's commit and best case), and the Brier score of the chance to reach the target (0 is perfect, 0.250 is a coin; the plain method — the weighted pipeline, or the straight line for run-rate targets — counts as 100 % or 0 %)."
            </p>
            <Show when=move || is_admin>
                <div class="inline-form">
                    <button
                        type="button"
                        class="button secondary"
                        data-testid="backfill"
                        disabled=move || backfill.pending().get()
                        on:click=move |_| {
                            backfill.dispatch(());
                        }
                    >
                        {move || if backfill.pending().get() { "Computing past days…" } else { "Compute past periods" }}
                    </button>
                    <span class="muted small" data-testid="backfill-result">
                        {move || backfill.value().get().map(|r: Result<_, AppError>| match r {
                            Ok(done) if done.remaining > 0 => format!(
                                " Computed {} past days ({} target snapshots) from the history as it stood then; {} more to go: press again.",
                                done.days, done.snapshots, done.remaining
                            ),
                            Ok(done) => format!(
                                " Computed {} past days ({} target snapshots) from the history as it stood then; nothing is missing now.",
                                done.days, done.snapshots
                            ),
                            Err(e) => format!(" {e}"),
                        })}
                    </span>
                </div>
            </Show>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => Either::Left(report_view(r)),
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
    }
}

fn report_view(r: AccuracyReport) -> impl IntoView {
    if r.rows.is_empty() {
        return Either::Left(view! {
            <p class="muted" data-testid="accuracy-empty">
                "No closed period with snapshots yet: the report fills as periods end (an admin can compute past periods from the history)."
            </p>
        });
    }
    let overall = r.overall.clone();
    Either::Right(view! {
        <div class="table-scroll" tabindex="0">
            <table class="table" data-testid="accuracy-table">
                <thead>
                    <tr>
                        <th scope="col">"Period"</th>
                        <th scope="col">"Seen at"</th>
                        <th scope="col" class="num">"Targets (reached)"</th>
                        <th scope="col" class="num">"Pacer: error"</th>
                        <th scope="col" class="num">"in P10–P90"</th>
                        <th scope="col" class="num">"Brier"</th>
                        <th scope="col" class="num">"Plain: error"</th>
                        <th scope="col" class="num">"Brier"</th>
                        <th scope="col" class="num">"Calls: error"</th>
                        <th scope="col" class="num">"in commit–best"</th>
                    </tr>
                </thead>
                <tbody>
                    {r.rows.into_iter().map(|row| row_view(row, false)).collect_view()}
                </tbody>
                <tfoot>{overall.map(|row| row_view(row, true))}</tfoot>
            </table>
        </div>
        <Reliability bins=r.reliability />
    })
}

fn row_view(row: Row, overall: bool) -> impl IntoView {
    let Row {
        period,
        percent,
        targets,
        reached,
        pacer,
        plain,
        calls,
    } = row;
    let calls_error = if calls.forecasts == 0 {
        "no calls".to_string()
    } else {
        format!("{} ({})", tenths(calls.mape_tenths), calls.forecasts)
    };
    let Score {
        mape_tenths,
        inside_pct,
        brier_milli,
        ..
    } = pacer;
    view! {
        <tr data-testid=if overall { "accuracy-overall" } else { "accuracy-row" }>
            <th scope="row">{if overall { "All closed periods".to_string() } else { period.to_string() }}</th>
            <td>{if overall { "25, 50, 75 %".to_string() } else { format!("{percent} %") }}</td>
            <td class="num">{if overall { format!("{targets} forecasts ({reached})") } else { format!("{targets} ({reached})") }}</td>
            <td class="num">{tenths(mape_tenths)}</td>
            <td class="num">{pct(inside_pct)}</td>
            <td class="num">{brier(brier_milli)}</td>
            <td class="num">{tenths(plain.mape_tenths)}</td>
            <td class="num">{brier(plain.brier_milli)}</td>
            <td class="num">{calls_error}</td>
            <td class="num">{pct(calls.inside_pct)}</td>
        </tr>
    }
}

/// Predicted chance (across) against how often targets were reached (up), one circle per
/// tenth of chances, its area by how many; on the diagonal a forecast is as sure as it should be.
#[component]
fn Reliability(bins: Vec<Bin>) -> impl IntoView {
    const S: f64 = 200.0;
    const PAD: f64 = 28.0;
    let x = |p: f64| PAD + p / 100.0 * (S - PAD - 8.0);
    let y = |p: f64| S - PAD - p / 100.0 * (S - PAD - 8.0);
    let most = bins.iter().map(|b| b.forecasts).max().unwrap_or(1).max(1);
    let summary = bins
        .iter()
        .map(|b| {
            format!(
                "given {}–{} %: {} of {} reached",
                b.from, b.to, b.reached, b.forecasts
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <figure class="reliability" data-testid="reliability">
            <svg viewBox=format!("0 0 {S} {S}") role="img" aria-label=format!("Reliability of Pacer's chances: {summary}")>
                <line class="chart-axis" x1=x(0.0) y1=y(0.0) x2=x(100.0) y2=y(0.0) />
                <line class="chart-axis" x1=x(0.0) y1=y(0.0) x2=x(0.0) y2=y(100.0) />
                <line class="chart-expected" x1=x(0.0) y1=y(0.0) x2=x(100.0) y2=y(100.0) />
                <text class="chart-label" x=x(50.0) y=S - 6.0 text-anchor="middle">"chance given"</text>
                <text class="chart-label" x=10.0 y=y(50.0) text-anchor="middle" transform=format!("rotate(-90 10 {})", y(50.0))>"reached"</text>
                {bins.into_iter().map(|b| {
                    let observed = f64::from(b.reached) / f64::from(b.forecasts.max(1)) * 100.0;
                    let r = 3.0 + 9.0 * (f64::from(b.forecasts) / f64::from(most)).sqrt();
                    view! {
                        <circle class="chart-point" data-testid="reliability-bin" cx=x(f64::from(b.mean_chance)) cy=y(observed) r=r>
                            <title>{format!("Given {}–{} % ({} targets, {} % on average): {:.0} % reached", b.from, b.to, b.forecasts, b.mean_chance, observed)}</title>
                        </circle>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="muted small">"Pacer's chances against how often those targets were reached; on the diagonal, as sure as it should be."</figcaption>
        </figure>
    }
}

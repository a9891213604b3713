//! The burn-up chart of a target (our own SVG, no chart library): the target line, the
//! expected-to-date line, the actual day by day, and where the forecast says the period ends —
//! the P10–P90 band where the forecast has a range, the straight-line projection otherwise. Under it the
//! status of each daily snapshot.

use crate::domain::forecast::{chart_days, Pace};
use crate::domain::number::format_value;
use crate::model::targets::{SnapshotPoint, TargetRow};
use crate::providers::locale::use_locale;
use chrono::NaiveDate;
use leptos::either::Either;
use leptos::prelude::*;
use rust_decimal::prelude::*;

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 24.0;

/// Chart coordinates for a day and a value.
struct Scale {
    start: NaiveDate,
    days: f64,
    max: f64,
}

impl Scale {
    fn x(&self, day: NaiveDate) -> f64 {
        let offset = (day - self.start).num_days() as f64;
        LEFT + offset / self.days.max(1.0) * (W - LEFT - RIGHT)
    }

    fn y(&self, value: Decimal) -> f64 {
        let v = value.to_f64().unwrap_or(0.0).max(0.0);
        H - BOTTOM - v / self.max * (H - TOP - BOTTOM)
    }

    fn point(&self, day: NaiveDate, value: Decimal) -> String {
        format!("{:.1},{:.1}", self.x(day), self.y(value))
    }
}

#[component]
pub fn BurnUp(
    target: TargetRow,
    burn_up: Vec<(NaiveDate, Decimal)>,
    history: Vec<SnapshotPoint>,
    today: NaiveDate,
    calendar: crate::domain::calendar::Calendar,
) -> impl IntoView {
    let period = target.period;
    let show = move |v: Decimal| format_value(use_locale(), target.metric, v, target.currency);
    let outlook = target.outlook.clone();
    let band = outlook.as_ref().and_then(|o| o.band);
    let projection = outlook
        .as_ref()
        .filter(|o| o.band.is_none())
        .map(|o| o.pace.projection);
    let top = burn_up
        .iter()
        .map(|(_, v)| *v)
        .chain([target.value])
        .chain(band.map(|b| b.p90))
        .chain(projection)
        .max()
        .unwrap_or(Decimal::ONE)
        .max(Decimal::ONE);
    let scale = Scale {
        start: period.start(),
        days: (period.end() - period.start()).num_days() as f64,
        max: top.to_f64().unwrap_or(1.0) * 1.08,
    };
    // The expected line over the whole period, at the same spacing as the actual's points.
    let expected: Vec<String> = chart_days(period, period.end())
        .into_iter()
        .map(|d| {
            scale.point(
                d,
                Pace::at(target.value, Decimal::ZERO, period, d, &calendar).expected,
            )
        })
        .collect();
    let actual: Vec<String> = burn_up.iter().map(|(d, v)| scale.point(*d, *v)).collect();
    let last = burn_up.last().copied();
    let forecast = last.filter(|(day, _)| *day < period.end()).map(|(day, now)| {
        let end = period.end();
        match band {
            Some(b) => Either::Left(view! {
                <polygon
                    class="chart-band"
                    data-testid="burnup-band"
                    points=format!("{} {} {}", scale.point(day, now), scale.point(end, b.p90), scale.point(end, b.p10))
                >
                    <title>{format!("80 % of outcomes between {} and {}", show(b.p10), show(b.p90))}</title>
                </polygon>
                <polyline class="chart-median" points=format!("{} {}", scale.point(day, now), scale.point(end, b.p50)) />
            }),
            None => Either::Right(view! {
                <polyline
                    class="chart-projection"
                    data-testid="burnup-projection"
                    points=format!("{} {}", scale.point(day, now), scale.point(end, projection.unwrap_or(now)))
                >
                    <title>{format!("On this pace: {}", show(projection.unwrap_or(now)))}</title>
                </polyline>
            }),
        }
    });
    let target_y = scale.y(target.value);
    let today_x = (period.contains(today)).then(|| scale.x(today));
    let summary = format!(
        "Burn-up of {}: {} so far against {} by {}",
        target.statement,
        show(last.map_or(Decimal::ZERO, |(_, v)| v)),
        show(target.value),
        use_locale().date(period.end())
    );
    let points = actual.len();
    view! {
        <figure class="burnup" data-testid="burnup">
            <svg
                viewBox=format!("0 0 {W} {H}")
                role="img"
                aria-label=summary
                data-period-start=period.start().to_string()
                data-period-end=period.end().to_string()
                data-points=points
            >
                <line class="chart-axis" x1=LEFT x2=W - RIGHT y1=H - BOTTOM y2=H - BOTTOM />
                <line class="chart-target" data-testid="burnup-target" x1=LEFT x2=W - RIGHT y1=target_y y2=target_y />
                <text class="chart-label" x=W - RIGHT y=target_y - 4.0 text-anchor="end">{format!("Target {}", show(target.value))}</text>
                <polyline class="chart-expected" data-testid="burnup-expected" points=expected.join(" ") />
                {forecast}
                <polyline class="chart-actual" data-testid="burnup-actual" points=actual.join(" ") />
                {today_x.map(|x| view! {
                    <line class="chart-today" x1=x x2=x y1=TOP y2=H - BOTTOM />
                    <text class="chart-label" x=x y=H - 8.0 text-anchor="middle">"today"</text>
                })}
                <text class="chart-label" x=LEFT y=H - 8.0>{use_locale().date(period.start())}</text>
                <text class="chart-label" x=W - RIGHT y=H - 8.0 text-anchor="end">{use_locale().date(period.end())}</text>
            </svg>
            <figcaption class="chart-legend small">
                <span class="legend-actual">"Actual"</span>
                <span class="legend-expected">"Expected to date"</span>
                {band.map(|_| view! { <span class="legend-band">"Forecast P10–P90"</span> })}
                {projection.map(|_| view! { <span class="legend-projection">"On this pace"</span> })}
            </figcaption>
        </figure>
        <StatusHistory history />
    }
}

/// One square per daily snapshot, coloured by status, and the days the status changed.
#[component]
fn StatusHistory(history: Vec<SnapshotPoint>) -> impl IntoView {
    if history.is_empty() {
        return Either::Left(view! {
            <p class="muted small" data-testid="status-history-empty">
                "No daily snapshot yet: the status history starts with the first one."
            </p>
        });
    }
    let changes: Vec<(NaiveDate, &'static str, &'static str)> = history
        .windows(2)
        .filter(|w| w[0].health != w[1].health)
        .map(|w| (w[1].day, w[0].health.label(), w[1].health.label()))
        .collect();
    let squares = history
        .iter()
        .map(|p| {
            let title = format!("{}: {}", use_locale().date(p.day), p.health.label());
            view! { <span class=format!("history-day bar-{}", p.health.as_str()) title=title></span> }
        })
        .collect_view();
    Either::Right(view! {
        <section class="status-history" data-testid="status-history">
            <h3>"Status, day by day"</h3>
            <div class="history-strip" data-days=history.len()>{squares}</div>
            {if changes.is_empty() {
                Either::Left(view! {
                    <p class="muted small">
                        {format!("{} since {}.", history.last().map_or("", |p| p.health.label()), use_locale().date(history[0].day))}
                    </p>
                })
            } else {
                Either::Right(view! {
                    <ul class="history-changes small">
                        {changes
                            .into_iter()
                            .map(|(day, from, to)| view! { <li>{use_locale().date(day)} ": " {from} " → " {to}</li> })
                            .collect_view()}
                    </ul>
                })
            }}
        </section>
    })
}

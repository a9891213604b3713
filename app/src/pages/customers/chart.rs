//! A customer's monthly turnover over 24 months (our own SVG): one bar a month, the two trend
//! windows shaded, and each window's monthly run rate drawn across it, so the reason for a
//! trend flag can be seen.

use crate::components::turnover::eur;
use crate::domain::turnover::{TrendWindows, BASE_MONTHS, RECENT_MONTHS};
use crate::model::customers::MonthTurnover;
use crate::providers::locale::use_locale;
use chrono::NaiveDate;
use leptos::prelude::*;

const W: f64 = 720.0;
const H: f64 = 220.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 26.0;

const MONTHS: [&str; 12] = ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"];

fn month_index(months: &[MonthTurnover], day: NaiveDate) -> Option<usize> {
    months.iter().position(|m| m.month == day)
}

#[component]
pub fn TurnoverChart(months: Vec<MonthTurnover>, windows: TrendWindows) -> impl IntoView {
    let n = months.len().max(1);
    let slot = (W - LEFT - RIGHT) / n as f64;
    let top = months
        .iter()
        .map(|m| m.amount_minor)
        .max()
        .unwrap_or(0)
        .max(100) as f64
        * 1.1;
    let y = |minor: i64| H - BOTTOM - (minor.max(0) as f64) / top * (H - TOP - BOTTOM);
    let x = |i: usize| LEFT + i as f64 * slot;
    let sum = |start: usize, count: u32| -> i64 {
        months
            .iter()
            .skip(start)
            .take(count as usize)
            .map(|m| m.amount_minor)
            .sum()
    };
    // Each window as a shaded span with its run rate across it.
    let window = |start: NaiveDate, count: u32, class: &'static str, label: &'static str| {
        month_index(&months, start).map(|i| {
            let rate = sum(i, count) / i64::from(count);
            let (x0, x1) = (x(i), x(i + count as usize));
            let line_y = y(rate);
            view! {
                <g class=class data-testid=format!("window-{label}")>
                    <rect x=format!("{x0:.1}") y=format!("{TOP:.1}") width=format!("{:.1}", x1 - x0) height=format!("{:.1}", H - TOP - BOTTOM) />
                    <line x1=format!("{x0:.1}") x2=format!("{x1:.1}") y1=format!("{line_y:.1}") y2=format!("{line_y:.1}") />
                    <title>{format!("{label}: {} a month", eur(rate))}</title>
                </g>
            }
        })
    };
    let base = window(
        windows.base.start(),
        BASE_MONTHS,
        "chart-window chart-window-base",
        "12 months before",
    );
    let recent = window(
        windows.recent.start(),
        RECENT_MONTHS,
        "chart-window chart-window-recent",
        "last 3 complete months",
    );
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let bar_y = y(m.amount_minor);
            let label = MONTHS[chrono::Datelike::month0(&m.month) as usize];
            view! {
                <g data-testid="month-bar" data-month=m.month.format("%Y-%m").to_string() data-amount=m.amount_minor.to_string()>
                    <rect class="chart-bar" x=format!("{:.1}", x(i) + slot * 0.15) y=format!("{bar_y:.1}") width=format!("{:.1}", slot * 0.7) height=format!("{:.1}", H - BOTTOM - bar_y) />
                    <text class="chart-axis" x=format!("{:.1}", x(i) + slot / 2.0) y=format!("{:.1}", H - 8.0) text-anchor="middle">{label}</text>
                    <title>{format!("{}: {}", use_locale().month(m.month), eur(m.amount_minor))}</title>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="turnover-chart"
            viewBox=format!("0 0 {W} {H}")
            role="img"
            aria-label="Monthly turnover over 24 months with the trend windows"
            data-testid="turnover-chart"
        >
            {base}
            {recent}
            {bars}
        </svg>
        <p class="chart-legend muted">
            <span class="legend-swatch legend-base"></span>" 12 months before · "
            <span class="legend-swatch legend-recent"></span>" last 3 complete months — the lines are each window's turnover per month"
        </p>
    }
}

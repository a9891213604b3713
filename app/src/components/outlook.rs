//! How a target is doing, the same everywhere it is shown: the status tag and the pace line.

use crate::domain::forecast::{Health, Outlook};
use crate::domain::number::format_value;
use crate::model::targets::TargetRow;
use crate::providers::locale::use_locale;
use leptos::prelude::*;
use rust_decimal::prelude::*;

/// On track / at risk / off track as a coloured tag; the warning, if any, on hover.
#[component]
pub fn HealthTag(health: Health, warning: Option<String>) -> impl IntoView {
    view! {
        <span
            class=format!("tag tag-health-{}", health.as_str())
            data-testid="health"
            data-health=health.as_str()
            title=warning
        >
            {health.label()}
        </span>
    }
}

/// One line on where the target will land: expected by today and the projection (run-rate
/// metrics) or the P10–P90 range and P(hit) (pipeline metrics).
pub fn pace_text(row: &TargetRow, outlook: &Outlook) -> String {
    let show = |v| format_value(use_locale(), row.metric, v, row.currency);
    let expected = format!("expected by today {}", show(outlook.pace.expected));
    match &outlook.band {
        Some(band) => format!(
            "{expected} · P10–P90 {} – {} · {} % chance to reach it",
            show(band.p10),
            show(band.p90),
            band.p_hit_percent()
        ),
        None => format!(
            "{expected} · on this pace {}",
            show(outlook.pace.projection)
        ),
    }
}

/// The status tag and the pace line of `row`, or why there is none yet.
#[component]
pub fn OutlookLine(row: TargetRow) -> impl IntoView {
    match row.outlook.clone() {
        Some(outlook) => {
            let text = pace_text(&row, &outlook);
            leptos::either::Either::Left(view! {
                <div class="outlook-line" data-testid="outlook">
                    <HealthTag health=outlook.health warning=outlook.warning.clone() />
                    <span class="muted small" data-testid="pace">{text}</span>
                </div>
            })
        }
        None => leptos::either::Either::Right(view! {
            <div class="outlook-line muted small" data-testid="outlook">
                "Starts " {use_locale().date(row.period.start())}
            </div>
        }),
    }
}

/// Actual to date against the target, as figures and a bar.
#[component]
pub fn Progress(row: TargetRow) -> impl IntoView {
    let share = if row.value > Decimal::ZERO {
        (row.actual / row.value * Decimal::from(100))
            .round()
            .to_u32()
            .unwrap_or(0)
    } else {
        0
    };
    let width = format!("width: {}%", share.min(100));
    let text = format!(
        "{} of {} ({share} %)",
        format_value(use_locale(), row.metric, row.actual, row.currency),
        format_value(use_locale(), row.metric, row.value, row.currency)
    );
    view! {
        <div class="progress" data-testid="target-progress">
            <div class="progress-bar" aria-hidden="true"><span style=width></span></div>
            <span class="small">{text}</span>
        </div>
    }
}

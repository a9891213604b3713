//! The target editor: every field of a SMART target, with the five letters checked in the
//! browser on every keystroke by the validator the server runs again on save.

use crate::api::targets::{get_target, save_target, target_choices, target_context};
use crate::components::form::{Field, FormErrors};
use crate::components::problem::LoadError;
use crate::components::timing;
use crate::domain::achievable::factors_as_typed;
use crate::domain::calendar::Calendar;
use crate::domain::metric::MetricUnit;
use crate::domain::smart::{SmartContext, SmartReport, TargetInput};
use crate::domain::target::{Factor, Rating, TargetKind};
use crate::domain::turnover::Segment;
use crate::domain::FieldError;
use crate::domain::{Level, Metric, Period};
use crate::error::AppError;
use crate::model::targets::{EditorChoices, EditorContext, SaveOutcome};
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use chrono::{Duration, NaiveDate};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[component]
pub fn NewTargetPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let parent = move || query.with(|q| q.get("parent").and_then(|p| p.parse::<i64>().ok()));
    let loaded = resource(parent, |parent| async move {
        let choices = target_choices().await?;
        let parent = match parent {
            Some(id) => Some(get_target(id).await?),
            None => None,
        };
        Ok::<_, AppError>((choices, parent))
    });
    view! {
        <Title text="New target" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((choices, parent)) => {
                        let today = choices.today;
                        let quarter = choices.calendar.quarter_of(today);
                        let initial = match parent {
                            // A child starts as its parent: same metric, unit, period and kind.
                            Some(detail) => {
                                let p = &detail.target;
                                // What is not yet shared out, for additive metrics.
                                let value = if p.metric.is_additive() {
                                    (p.value - detail.allocated).max(rust_decimal::Decimal::ZERO)
                                } else {
                                    p.value
                                };
                                TargetInput {
                                    parent_id: p.id.to_string(),
                                    statement: String::new(),
                                    rationale: String::new(),
                                    assignee: String::new(),
                                    value: locale.plain(value),
                                    ..p.to_input(locale)
                                }
                            }
                            None => TargetInput {
                                metric: Metric::Turnover.as_str().into(),
                                currency: "EUR".into(),
                                start: locale.date(quarter.start()),
                                end: locale.date(quarter.end()),
                                locale,
                                kind: TargetKind::Operational.as_str().into(),
                                assignee: if choices.assignees.len() == 1 {
                                    choices.assignees[0].key.clone()
                                } else {
                                    String::new()
                                },
                                ..TargetInput::default()
                            },
                        };
                        Either::Left(view! { <TargetEditor initial existing=None choices /> })
                    }
                    Err(e) => Either::Right(view! { <LoadError error=e /> }),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn EditTargetPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let loaded = resource(id, |id| async move {
        let id = id.ok_or_else(|| AppError::NotFound("target".into()))?;
        Ok::<_, AppError>((target_choices().await?, get_target(id).await?))
    });
    view! {
        <Title text="Edit target" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((choices, detail)) if detail.can_edit => {
                        let t = detail.target;
                        EitherOf3::A(view! {
                            <TargetEditor initial=t.to_input(locale) existing=Some((t.id, t.version)) choices />
                        })
                    }
                    Ok((_, detail)) => EitherOf3::B(view! {
                        <section class="card">
                            <p class="form-error" role="alert">
                                {format!(
                                    "This target is {}: it can be edited only as a draft or while changes are requested.",
                                    detail.target.status.label().to_lowercase()
                                )}
                            </p>
                            <A href=format!("/targets/{}", detail.target.id)>"Back to the target"</A>
                        </section>
                    }),
                    Err(e) => EitherOf3::C(view! { <LoadError error=e /> }),
                }
            })}
        </Transition>
    }
}

/// Runs the SMART check, timed for [`smart_check_timings`].
fn timed_check(input: &TargetInput, ctx: &SmartContext<'_>) -> (SmartReport, Vec<FieldError>) {
    timing::timed(&CHECK_TIMINGS, || {
        let (report, fields) = input.evaluate(ctx);
        (report, fields.err().unwrap_or_default())
    })
}

thread_local! {
    static CHECK_TIMINGS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// For the browser benchmark (`end2end/bench/smart.bench.ts`): the milliseconds each SMART
/// check in the editor took since the last call, which empties the record.
#[cfg(feature = "bench-timings")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn smart_check_timings() -> Vec<f64> {
    timing::take(&CHECK_TIMINGS)
}

/// The period quick picks: this and next month and quarter, this and next year, quarters
/// and years as the company's fiscal year has them.
fn quick_periods(today: NaiveDate, calendar: &Calendar) -> Vec<(&'static str, Period)> {
    let month = Period::month_of(today);
    let quarter = calendar.quarter_of(today);
    let year = calendar.year_of(today);
    vec![
        ("This month", month),
        (
            "Next month",
            Period::month_of(month.end() + Duration::days(1)),
        ),
        ("This quarter", quarter),
        (
            "Next quarter",
            calendar.quarter_of(quarter.end() + Duration::days(1)),
        ),
        ("This year", year),
        (
            "Next year",
            calendar.year_of(year.end() + Duration::days(1)),
        ),
    ]
}

#[component]
fn TargetEditor(
    initial: TargetInput,
    existing: Option<(i64, i64)>,
    choices: EditorChoices,
) -> impl IntoView {
    let today = choices.today;
    let input = RwSignal::new(initial);
    let target_id = existing.map(|(id, _)| id);
    // The Achievable and Relevant context is fetched only when its inputs change, never per
    // keystroke of the statement or the value.
    let context_key = Memo::new(move |_| {
        input.with(|i| {
            (
                i.assignee.clone(),
                i.metric.clone(),
                i.currency.clone(),
                i.start.clone(),
                i.end.clone(),
                i.parent_id.clone(),
                i.segment.clone(),
            )
        })
    });
    // Fetched by the browser only (an effect), the latest answer winning. The server renders
    // the editor at once, checked without it: a resource here was a read the server could
    // never finish, which held the whole editor out of the page until the wasm ran (and, when
    // the server dropped that render, read a disposed signal: a panic in its log).
    let context = RwSignal::new(None::<EditorContext>);
    let asked = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let (assignee, metric, currency, start, end, parent_id, segment) = context_key.get();
        let ask = asked.get_value() + 1;
        asked.set_value(ask);
        leptos::task::spawn_local(async move {
            let fetched = target_context(
                assignee,
                metric,
                currency,
                start,
                end,
                parent_id,
                target_id,
                Some(segment),
            )
            .await
            .ok();
            if asked.try_get_value() == Some(ask) {
                context.try_set(fetched);
            }
        });
    });
    let checked = Memo::new(move |_| {
        let fetched = context.get();
        let ctx = SmartContext {
            today: Some(today),
            track_record: fetched.as_ref().and_then(|c| c.track_record.as_ref()),
            parent: fetched.as_ref().and_then(|c| c.parent.as_ref()),
        };
        input.with(|i| timed_check(i, &ctx))
    });
    let feedback = FormErrors::new();
    // Saving needs the wasm: until it runs, the form is shown but not sent.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let acknowledged = RwSignal::new(false);
    let needs_ack = RwSignal::new(false);
    let error_for = move |field: &'static str| {
        move || checked.with(|(_, problems)| feedback.message(field, problems))
    };
    let has_warnings = move || checked.with(|(r, _)| r.worst() == Level::Warning);
    // An acknowledgement covers the warnings it was given for: new ones need a new tick.
    let warnings = Memo::new(move |_| checked.with(|(r, _)| r.warnings()));
    Effect::watch(
        move || warnings.get(),
        move |_, _, _| {
            acknowledged.set(false);
            needs_ack.set(false);
        },
        false,
    );
    let navigate = use_navigate();
    type Save = (Option<i64>, Option<i64>, TargetInput, bool);
    let saving_action = Action::new(move |(id, version, form, ack): &Save| {
        let (id, version, form, ack) = (*id, *version, form.clone(), *ack);
        let navigate = navigate.clone();
        async move {
            match save_target(id, version, form, ack).await {
                Ok(SaveOutcome::Saved(id)) => {
                    navigate(&format!("/targets/{id}"), Default::default());
                }
                Ok(SaveOutcome::NeedsAcknowledgement(_)) => needs_ack.set(true),
                Err(e) => feedback.refused(e),
            }
        }
    });
    let saving = saving_action.pending();
    let save = move || {
        feedback.try_save();
        if !checked.with(|(_, errs)| errs.is_empty()) {
            return;
        }
        let (id, version) = existing.unzip();
        saving_action.dispatch((
            id,
            version,
            input.get_untracked(),
            acknowledged.get_untracked(),
        ));
    };
    let text = move |field: &'static str,
                     get: fn(&TargetInput) -> &String,
                     set: fn(&mut TargetInput, String)| {
        (
            move || input.with(|i| get(i).clone()),
            move |ev: leptos::ev::Event| {
                // A refusal is about what was sent: editing the field answers it.
                feedback.edited(field);
                input.update(|i| set(i, event_target_value(&ev)))
            },
            move |_: leptos::ev::FocusEvent| feedback.touch(field),
        )
    };
    let (statement_value, statement_input, statement_blur) =
        text("statement", |i| &i.statement, |i, v| i.statement = v);
    let (value_value, value_input, value_blur) = text("value", |i| &i.value, |i, v| i.value = v);
    let (currency_value, currency_input, currency_blur) =
        text("currency", |i| &i.currency, |i, v| i.currency = v);
    let (baseline_value, baseline_input, baseline_blur) =
        text("baseline", |i| &i.baseline, |i, v| i.baseline = v);
    let (start_value, start_input, start_blur) = text("start", |i| &i.start, |i, v| i.start = v);
    let (end_value, end_input, end_blur) = text("end", |i| &i.end, |i, v| i.end = v);
    let (rationale_value, rationale_input, rationale_blur) =
        text("rationale", |i| &i.rationale, |i, v| i.rationale = v);
    let (metric_value, metric_input, _) = text("metric", |i| &i.metric, |i, v| i.metric = v);
    let (assignee_value, assignee_input, _) =
        text("assignee", |i| &i.assignee, |i, v| i.assignee = v);
    let (parent_value, parent_input, _) =
        text("parent_id", |i| &i.parent_id, |i, v| i.parent_id = v);
    let (kind_value, kind_input, _) = text("kind", |i| &i.kind, |i, v| i.kind = v);
    let (segment_value, segment_input, _) = text("segment", |i| &i.segment, |i, v| i.segment = v);
    // Turnover may be split by client type; other metrics count every client.
    let splits_by_client_type =
        move || input.with(|i| Metric::parse(&i.metric).is_ok_and(Metric::splits_by_client_type));
    let unit = move || input.with(|i| Metric::parse(&i.metric).ok().map(Metric::unit));
    let needs_baseline =
        move || input.with(|i| Metric::parse(&i.metric).is_ok_and(Metric::needs_baseline));
    let reads_as = move || {
        input.with(|i| {
            let metric = Metric::parse(&i.metric).ok()?;
            let value = crate::domain::number::parse_number_in(i.locale, &i.value).ok()?;
            Some(match metric.unit() {
                MetricUnit::Currency => {
                    let currency = crate::domain::Currency::parse(&i.currency).ok()?;
                    format!(
                        "= {}",
                        crate::domain::Money::new(value.round_dp(2), currency)
                            .ok()?
                            .display_in(i.locale)
                    )
                }
                MetricUnit::Count => format!("= {}", i.locale.number(value, 0)),
                MetricUnit::Percent => format!("= {}", i.locale.percent(value, 1)),
            })
        })
    };
    // What the factors allow, as the Achievable letter reads them: each says which way it
    // pushes, and ambition moves only the floor.
    let growth_range = move || {
        input.with(|i| {
            format!(
                "With these factors, growth of {} over the same span last year is plausible; high ambition raises the floor, never the ceiling.",
                factors_as_typed(i).growth_range()
            )
        })
    };
    let general_error = move || feedback.general();
    let heading = if existing.is_some() {
        "Edit target"
    } else {
        "New target"
    };
    let back = match existing {
        Some((id, _)) => format!("/targets/{id}"),
        None => "/targets".to_string(),
    };
    view! {
        <section class="card target-editor">
            <div class="section-head">
                <h1>{heading}</h1>
                <A href=back>"Cancel"</A>
            </div>
            <div class="editor-layout">
                // The server draws the form with its values; it saves once the wasm runs (the
                // button waits for it), and never as a GET carrying the statement in the URL.
                <form
                    class="form"
                    method="post"
                    novalidate=true
                    data-testid="target-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        save();
                    }
                >
                    <Field label="Statement" field="statement" error=error_for("statement")>
                        <textarea
                            id="field-statement"
                            name="statement"
                            rows="2"
                            placeholder="e.g. Raise turnover with existing customers in Bavaria to € 1.2 M in Q3"
                            prop:value=statement_value
                            on:input=statement_input
                            on:blur=statement_blur
                        >{input.with_untracked(|i| i.statement.clone())}</textarea>
                    </Field>
                    <div class="form-row">
                        <Field label="Metric" field="metric" error=error_for("metric")>
                            <select id="field-metric" name="metric" prop:value=metric_value on:change=metric_input>
                                {Metric::ALL
                                    .into_iter()
                                    .map(|m| view! { <option value=m.as_str() selected=input.with_untracked(|i| i.metric == m.as_str())>{m.label()}</option> })
                                    .collect_view()}
                            </select>
                        </Field>
                        <Field label="Target value" field="value" error=error_for("value")>
                            <input id="field-value" name="value" inputmode="decimal" placeholder=move || match unit() {
                                Some(MetricUnit::Currency) => "e.g. 250k or 1.2 M",
                                Some(MetricUnit::Percent) => "growth in %",
                                _ => "a whole number",
                            } value=input.with_untracked(|i| i.value.clone()) prop:value=value_value on:input=value_input on:blur=value_blur />
                            // How Pacer reads what was typed ("250k" = € 250,000.00), in the
                            // person's way of writing numbers.
                            <span class="field-hint muted small" data-testid="value-reads-as">{reads_as}</span>
                        </Field>
                        <Show when=move || unit() == Some(MetricUnit::Currency)>
                            <Field label="Currency" field="currency" error=error_for("currency")>
                                <input id="field-currency" name="currency" maxlength="3" class="input-short" value=input.with_untracked(|i| i.currency.clone()) prop:value=currency_value on:input=currency_input on:blur=currency_blur />
                            </Field>
                        </Show>
                        <Show when=needs_baseline>
                            <Field label="Baseline (active customers)" field="baseline" error=error_for("baseline")>
                                <input id="field-baseline" name="baseline" inputmode="numeric" value=input.with_untracked(|i| i.baseline.clone()) prop:value=baseline_value on:input=baseline_input on:blur=baseline_blur />
                            </Field>
                        </Show>
                        <Show when=splits_by_client_type>
                            <Field label="Client type" field="segment" error=error_for("segment")>
                                <select id="field-segment" name="segment" prop:value=segment_value on:change=segment_input>
                                    <option value="" selected=input.with_untracked(|i| i.segment.is_empty())>"All clients"</option>
                                    {Segment::ALL
                                        .into_iter()
                                        .map(|s| view! { <option value=s.as_str() selected=input.with_untracked(|i| i.segment == s.as_str())>{s.clients_label()}</option> })
                                        .collect_view()}
                                </select>
                            </Field>
                        </Show>
                    </div>
                    <fieldset class="period">
                        <legend>"Period"</legend>
                        <div class="quick-picks" role="group" aria-label="Quick picks">
                            {quick_periods(today, &choices.calendar)
                                .into_iter()
                                .map(|(label, period)| {
                                    view! {
                                        <button type="button" class="chip" on:click=move |_| input.update(|i| {
                                            i.start = i.locale.date(period.start());
                                            i.end = i.locale.date(period.end());
                                        })>{label}</button>
                                    }
                                })
                                .collect_view()}
                        </div>
                        <div class="form-row">
                            <Field label="Start" field="start" error=error_for("start")>
                                <input id="field-start" name="start" type="text" autocomplete="off" placeholder=input.with_untracked(|i| i.locale.date_hint()) value=input.with_untracked(|i| i.start.clone()) prop:value=start_value on:input=start_input on:blur=start_blur />
                            </Field>
                            <Field label="End" field="end" error=error_for("end")>
                                <input id="field-end" name="end" type="text" autocomplete="off" placeholder=input.with_untracked(|i| i.locale.date_hint()) value=input.with_untracked(|i| i.end.clone()) prop:value=end_value on:input=end_input on:blur=end_blur />
                            </Field>
                        </div>
                    </fieldset>
                    <div class="form-row">
                        <Field label="For" field="assignee" error=error_for("assignee")>
                            <select id="field-assignee" name="assignee" prop:value=assignee_value on:change=assignee_input>
                                <option value="">"Choose a person or unit"</option>
                                {choices
                                    .assignees
                                    .iter()
                                    .map(|c| view! { <option value=c.key.clone() selected=input.with_untracked(|i| i.assignee == c.key)>{c.label.clone()}</option> })
                                    .collect_view()}
                            </select>
                        </Field>
                        <Field label="Kind" field="kind" error=error_for("kind")>
                            <select id="field-kind" name="kind" prop:value=kind_value on:change=kind_input>
                                {TargetKind::ALL
                                    .into_iter()
                                    .map(|k| view! { <option value=k.as_str() selected=input.with_untracked(|i| i.kind == k.as_str())>{k.label()}</option> })
                                    .collect_view()}
                            </select>
                        </Field>
                    </div>
                    <Field label="Contributes to (parent target)" field="parent_id" error=error_for("parent_id")>
                        <select id="field-parent_id" name="parent_id" prop:value=parent_value on:change=parent_input>
                            <option value="">"No parent target"</option>
                            {choices
                                .parents
                                .iter()
                                .filter(|c| Some(c.key.as_str()) != target_id.map(|id| id.to_string()).as_deref())
                                .map(|c| view! { <option value=c.key.clone() selected=input.with_untracked(|i| i.parent_id == c.key)>{c.label.clone()}</option> })
                                .collect_view()}
                        </select>
                    </Field>
                    <Field label="Why it matters (relevance)" field="rationale" error=error_for("rationale")>
                        <textarea id="field-rationale" name="rationale" rows="2" prop:value=rationale_value on:input=rationale_input on:blur=rationale_blur>{input.with_untracked(|i| i.rationale.clone())}</textarea>
                    </Field>
                    <fieldset class="factors">
                        <legend>"External factors"</legend>
                        {Factor::ALL.into_iter().map(|factor| view! { <FactorSelect factor input /> }).collect_view()}
                        <p class="muted" data-testid="growth-range">{growth_range}</p>
                    </fieldset>
                    {move || general_error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    <Show when=has_warnings>
                        <label class="acknowledge" class:attention=move || needs_ack.get()>
                            <input
                                type="checkbox"
                                data-testid="acknowledge"
                                prop:checked=move || acknowledged.get()
                                on:change=move |ev| acknowledged.set(event_target_checked(&ev))
                            />
                            " Save with the warnings shown: both sides will see them."
                        </label>
                    </Show>
                    {move || needs_ack.get().then(|| view! {
                        <p class="form-error" role="alert" data-testid="needs-ack">
                            "The check has warnings. Tick the box above to save anyway, or change the target."
                        </p>
                    })}
                    <div class="form-actions">
                        <button type="submit" class="button-primary" disabled=move || saving.get() || !ready.get()>
                            {move || if saving.get() { "Saving…" } else { "Save draft" }}
                        </button>
                    </div>
                </form>
                <SmartBadges report=Signal::derive(move || checked.with(|(r, _)| r.clone())) />
            </div>
        </section>
    }
}

#[component]
fn FactorSelect(factor: Factor, input: RwSignal<TargetInput>) -> impl IntoView {
    let get = move |i: &TargetInput| -> String {
        match factor {
            Factor::MarketRelevance => i.market_relevance.clone(),
            Factor::Maturity => i.maturity.clone(),
            Factor::Competition => i.competition.clone(),
            Factor::CostStructure => i.cost_structure.clone(),
            Factor::LeadershipAmbition => i.leadership_ambition.clone(),
        }
    };
    let set = move |i: &mut TargetInput, v: String| match factor {
        Factor::MarketRelevance => i.market_relevance = v,
        Factor::Maturity => i.maturity = v,
        Factor::Competition => i.competition = v,
        Factor::CostStructure => i.cost_structure = v,
        Factor::LeadershipAmbition => i.leadership_ambition = v,
    };
    let id = format!("field-{}", factor.as_str());
    // Blank means medium, as the validator reads it.
    let shown = move |i: &TargetInput| {
        let current = get(i);
        if current.is_empty() {
            Rating::Medium.as_str().to_string()
        } else {
            current
        }
    };
    view! {
        <div class="factor">
            <label for=id.clone()>{factor.label()}</label>
            <select id=id prop:value=move || input.with(shown) on:change=move |ev| input.update(|i| set(i, event_target_value(&ev)))>
                {Rating::ALL
                    .into_iter()
                    .map(|r| {
                        let selected = input.with_untracked(|i| shown(i) == r.as_str());
                        view! { <option value=r.as_str() selected=selected>{format!("{} — {}", r.label(), factor.words(r))}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The five letters, each pass / warning / error with its sentence.
#[component]
pub fn SmartBadges(#[prop(into)] report: Signal<SmartReport>) -> impl IntoView {
    let summary = move || {
        report.with(|r| {
            let count = |level| {
                r.letters()
                    .iter()
                    .filter(|(_, _, c)| c.level == level)
                    .count()
            };
            format!(
                "SMART check: {} passed, {} warnings, {} errors",
                count(Level::Pass),
                count(Level::Warning),
                count(Level::Error)
            )
        })
    };
    view! {
        <aside class="smart-panel" aria-label="SMART check">
            <p class="sr-only" aria-live="polite">{summary}</p>
            <ol class="smart" data-testid="smart">
                {move || {
                    report.with(|r| {
                        r.letters()
                            .into_iter()
                            .map(|(letter, name, check)| {
                                let level = check.level.as_str();
                                let word = match check.level {
                                    Level::Pass => "passes",
                                    Level::Warning => "warning",
                                    Level::Error => "error",
                                };
                                view! {
                                    <li class=format!("smart-letter smart-{level}") data-testid=format!("smart-{letter}") data-level=level>
                                        <span class="smart-key" aria-hidden="true">{letter.to_string()}</span>
                                        <span class="smart-text">
                                            <strong>{name}</strong>
                                            <span class="smart-level">{format!(" — {word}")}</span>
                                            <span class="smart-message">{check.message.clone()}</span>
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()
                    })
                }}
            </ol>
        </aside>
    }
}

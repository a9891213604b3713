//! Forecast calls on a target's page: Pacer's forecast beside the people's calls. A rep calls
//! their own target; on a unit's target the manager sees the team's latest calls beside
//! Pacer's forecast for each, and calls the unit (the roll-up, adjusted). Every call is kept.

use crate::api::targets::submit_call;
use crate::components::form::{save_action, Field, FormErrors};
use crate::domain::call::CallInput;
use crate::domain::number::format_value;
use crate::error::AppError;
use crate::model::calls::ForecastCall;
use crate::model::targets::{TargetDetail, TargetRow};
use crate::providers::locale::use_locale;
use leptos::prelude::*;
use rust_decimal::Decimal;

/// What Pacer says a target comes to: its median, and the range and chance where it has one.
fn model_text(row: &TargetRow) -> String {
    let show = |v| format_value(use_locale(), row.metric, v, row.currency);
    match row.outlook.as_ref() {
        Some(o) => match o.band {
            Some(b) => format!(
                "{} (P10–P90 {} – {}, {} % chance)",
                show(b.p50),
                show(b.p10),
                show(b.p90),
                b.p_hit_percent()
            ),
            None => format!("{} on this pace", show(o.pace.projection)),
        },
        None => "not started".into(),
    }
}

#[component]
pub fn Calls(
    detail: TargetDetail,
    on_change: impl Fn(Result<String, AppError>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let t = detail.target.clone();
    let calls = detail.calls.clone();
    let show = move |v: Decimal| format_value(use_locale(), t.metric, v, t.currency);
    // The team: the children over the same period (months under a quarter do not add up to it).
    let team: Vec<(TargetRow, Option<ForecastCall>)> = detail
        .children
        .iter()
        .filter(|c| c.period == t.period)
        .map(|c| {
            let call = calls.children.iter().find(|k| k.target_id == c.id).cloned();
            (c.clone(), call)
        })
        .collect();
    let shown =
        calls.can_call || !calls.history.is_empty() || team.iter().any(|(_, c)| c.is_some());
    if !shown {
        return None;
    }
    let commits: Decimal = team
        .iter()
        .filter_map(|(_, c)| c.as_ref().map(|c| c.commit))
        .sum();
    let best: Decimal = team
        .iter()
        .filter_map(|(_, c)| c.as_ref().map(|c| c.best_case))
        .sum();
    let called = team.iter().filter(|(_, c)| c.is_some()).count();
    let additive = t.metric.is_additive();
    let latest = calls.history.first().cloned();
    let earlier: Vec<ForecastCall> = calls.history.iter().skip(1).cloned().collect();
    let prefill = match (&latest, called) {
        (Some(l), _) => CallInput {
            commit: use_locale().plain(l.commit),
            best_case: use_locale().plain(l.best_case),
            note: String::new(),
            locale: use_locale(),
        },
        (None, n) if n > 0 && additive => CallInput {
            commit: use_locale().plain(commits),
            best_case: use_locale().plain(best),
            note: String::new(),
            locale: use_locale(),
        },
        _ => CallInput {
            locale: use_locale(),
            ..CallInput::default()
        },
    };
    let form_title = if team.is_empty() {
        "Your call"
    } else {
        "Your call for the whole unit (the team's calls, adjusted)"
    };
    Some(view! {
        <section class="card" data-testid="calls">
            <h2>"Forecast calls"</h2>
            <p>
                "Pacer says " <strong data-testid="model-forecast">{model_text(&t)}</strong> "."
            </p>
            {latest.map(|l| view! {
                <p data-testid="call-latest">
                    {format!(
                        "Latest call, by {} on {}: commit {}, best case {}",
                        l.by,
                        use_locale().date(l.at.date_naive()),
                        show(l.commit),
                        show(l.best_case)
                    )}
                    {l.model_p50.map(|p| format!(" (Pacer then: {})", show(p)))}
                    {(!l.note.is_empty()).then(|| format!(" — “{}”", l.note))}
                </p>
            })}
            {(!team.is_empty()).then(|| view! {
                <div class="table-scroll" tabindex="0">
                    <table class="table" data-testid="team-calls">
                        <caption class="muted small">"The team's latest calls beside Pacer's forecast for each"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"For"</th>
                                <th scope="col">"Pacer"</th>
                                <th scope="col" class="num">"Commit"</th>
                                <th scope="col" class="num">"Best case"</th>
                                <th scope="col">"Called"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {team.iter().map(|(child, call)| view! {
                                <tr data-testid="team-call-row">
                                    <td>{child.assignee_name.clone()}</td>
                                    <td class="small">{model_text(child)}</td>
                                    <td class="num">{call.as_ref().map(|c| format_value(use_locale(), child.metric, c.commit, child.currency)).unwrap_or_else(|| "—".into())}</td>
                                    <td class="num">{call.as_ref().map(|c| format_value(use_locale(), child.metric, c.best_case, child.currency)).unwrap_or_else(|| "—".into())}</td>
                                    <td class="small muted">{call.as_ref().map(|c| use_locale().date(c.at.date_naive())).unwrap_or_else(|| "no call yet".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                        {additive.then(|| view! {
                            <tfoot>
                                <tr data-testid="team-calls-sum">
                                    <th scope="row">{format!("Together ({called} of {} called)", team.len())}</th>
                                    <td></td>
                                    <td class="num">{show(commits)}</td>
                                    <td class="num">{show(best)}</td>
                                    <td></td>
                                </tr>
                            </tfoot>
                        })}
                    </table>
                </div>
            })}
            {(!earlier.is_empty()).then(|| view! {
                <details>
                    <summary>{format!("Earlier calls ({})", earlier.len())}</summary>
                    <ul class="plain-list">
                        {earlier.into_iter().map(|c| view! {
                            <li data-testid="call-history-row">
                                {format!(
                                    "{}, {}: commit {}, best case {}{}",
                                    use_locale().date(c.at.date_naive()),
                                    c.by,
                                    show(c.commit),
                                    show(c.best_case),
                                    if c.note.is_empty() { String::new() } else { format!(" — “{}”", c.note) }
                                )}
                            </li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            {calls.can_call.then(|| view! { <CallForm target=t.clone() prefill title=form_title on_change /> })}
        </section>
    })
}

#[component]
fn CallForm(
    target: TargetRow,
    prefill: CallInput,
    title: &'static str,
    on_change: impl Fn(Result<String, AppError>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let (id, metric) = (target.id, target.metric);
    let form = RwSignal::new(prefill);
    let errors = FormErrors::new();
    let problems = Memo::new(move |_| form.with(|f| f.parse(metric).err().unwrap_or_default()));
    let action = save_action(
        move |input: CallInput| submit_call(id, input),
        move |_| on_change(Ok("Your call is saved, beside Pacer's forecast.".into())),
        move |e| errors.refused(e),
    );
    let message = move |field| errors.message(field, &problems.get());
    let input = move |field: &'static str,
                      get: fn(&CallInput) -> &String,
                      set: fn(&mut CallInput, String)| {
        view! {
            <input
                id=format!("field-{field}")
                name=field
                inputmode="decimal"
                autocomplete="off"
                aria-describedby=format!("error-{field}")
                prop:value=move || form.with(|f| get(f).clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    form.update(|f| set(f, v));
                    errors.edited(field);
                }
                on:blur=move |_| errors.touch(field)
            />
        }
    };
    view! {
        <form method="post"
            class="call-form"
            data-testid="call-form"
            on:submit=move |ev| {
                ev.prevent_default();
                errors.try_save();
                if problems.with(Vec::is_empty) {
                    action.dispatch(form.get());
                }
            }
        >
            <h3>{title}</h3>
            <div class="form-row">
                <Field label="Commit (sure to reach)" field="commit" error=move || message("commit")>
                    {input("commit", |f| &f.commit, |f, v| f.commit = v)}
                </Field>
                <Field label="Best case" field="best_case" error=move || message("best_case")>
                    {input("best_case", |f| &f.best_case, |f, v| f.best_case = v)}
                </Field>
            </div>
            <Field label="Why (optional)" field="note" error=move || message("note")>
                <textarea
                    id="field-note"
                    name="note"
                    rows="2"
                    maxlength=crate::domain::call::NOTE_LIMIT
                    aria-describedby="error-note"
                    prop:value=move || form.with(|f| f.note.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| f.note = v);
                        errors.edited("note");
                    }
                ></textarea>
            </Field>
            {move || errors.general().map(|g| view! { <p class="form-error" role="alert">{g}</p> })}
            <button type="submit" class="button" data-testid="submit-call" disabled=move || action.pending().get()>
                "Submit call"
            </button>
        </form>
    }
}

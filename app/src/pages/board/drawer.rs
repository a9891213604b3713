//! The opportunity drawer: create, edit and delete, with the same parser the server runs
//! checking every field as the user types, and the stage history as a timeline.

use crate::api::pipeline::{
    delete_opportunity, get_opportunity, list_opportunity_customers, save_opportunity,
};
use crate::components::form::{Field, FormErrors};
use crate::components::problem::ErrorNotice;
use crate::domain::pipeline::OpportunityInput;
use crate::domain::{Opportunity, StageKind};
use crate::error::AppError;
use crate::model::pipeline::{Choice, OpportunityDetail};
use crate::providers::board::{use_board, BoardContext, DrawerTarget, Notice};
use crate::providers::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn OpportunityDrawer(
    target: DrawerTarget,
    owners: Vec<Choice>,
    can_assign: bool,
    me: i64,
) -> impl IntoView {
    let ctx = use_board();
    let close = move || ctx.drawer.set(None);
    let customers = LocalResource::new(list_opportunity_customers);
    let detail = LocalResource::new(move || async move {
        match target {
            DrawerTarget::New => Ok(None),
            DrawerTarget::Edit(id) => get_opportunity(id).await.map(Some),
        }
    });
    view! {
        <div class="overlay" on:click=move |_| close()>
            <aside
                class="drawer"
                role="dialog"
                aria-modal="true"
                aria-labelledby="drawer-title"
                data-testid="drawer"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            >
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || {
                        let owners = owners.clone();
                        Suspend::new(async move {
                        let customers = customers.await.unwrap_or_default();
                        match detail.await {
                            Ok(detail) => {
                                Either::Left(view! {
                                    <OpportunityForm
                                        detail
                                        customers
                                        owners
                                        can_assign
                                        me
                                    />
                                })
                            }
                            Err(e) => {
                                Either::Right(view! {
                                    <h2 id="drawer-title">"Opportunity"</h2>
                                    <ErrorNotice error=e />
                                    <button type="button" class="button-quiet" on:click=move |_| close()>
                                        "Close"
                                    </button>
                                })
                            }
                        }
                    })
                    }}
                </Suspense>
            </aside>
        </div>
    }
}

/// Someone changed the opportunity meanwhile: show it as it is now, say who, close the drawer
/// (which disposes the form, so callers write their own signals first).
async fn show_conflict(ctx: BoardContext, id: i64, message: String) {
    ctx.refresh(id).await;
    ctx.notice.set(Some(Notice::Problem(message)));
    ctx.drawer.set(None);
}

fn input_of(card: &Opportunity, locale: crate::domain::Locale) -> OpportunityInput {
    OpportunityInput {
        title: card.title.clone(),
        customer_id: card.customer_id.to_string(),
        value: locale.plain(card.value.amount()),
        currency: card.value.currency().to_string(),
        expected_close_on: locale.date(card.expected_close_on),
        stage_id: card.stage_id.to_string(),
        probability: card
            .probability
            .map(|p| p.percent().to_string())
            .unwrap_or_default(),
        owner_id: card.owner_id.to_string(),
        lost_reason: card.lost_reason.clone().unwrap_or_default(),
        locale,
    }
}

#[component]
fn OpportunityForm(
    detail: Option<OpportunityDetail>,
    customers: Vec<Choice>,
    owners: Vec<Choice>,
    can_assign: bool,
    me: i64,
) -> impl IntoView {
    let ctx = use_board();
    let stages = ctx.stages.get_value();
    let existing = detail.as_ref().map(|d| (d.card.id, d.card.version));
    let locale = use_locale();
    let initial = match &detail {
        Some(d) => input_of(&d.card, locale),
        None => OpportunityInput {
            currency: "EUR".into(),
            expected_close_on: locale.date(ctx.today + chrono::Duration::days(30)),
            locale,
            stage_id: stages.first().map(|s| s.id.to_string()).unwrap_or_default(),
            owner_id: me.to_string(),
            // From a warning's "Create an opportunity": the customer of the board's filter.
            customer_id: leptos_router::hooks::use_query_map()
                .with_untracked(|q| q.get("customer"))
                .unwrap_or_default(),
            ..OpportunityInput::default()
        },
    };
    let input = RwSignal::new(initial);
    let parse_stages = stages.clone();
    let errors =
        Memo::new(move |_| input.with(|i| i.parse(&parse_stages).err().unwrap_or_default()));
    let feedback = FormErrors::new();
    let confirm_delete = RwSignal::new(false);
    let error_for = move |field: &'static str| {
        move || errors.with(|problems| feedback.message(field, problems))
    };
    let lost_selected = {
        let stages = stages.clone();
        move || {
            input.with(|i| {
                stages
                    .iter()
                    .any(|s| s.id.to_string() == i.stage_id && s.kind == StageKind::Lost)
            })
        }
    };
    // Closing the drawer disposes this form and its signals: every write to them comes
    // before it. (An action keeps its own state, so it may finish after the drawer is gone.)
    type Save = (Option<i64>, Option<i64>, OpportunityInput);
    let saving_action = Action::new(move |(id, version, form): &Save| {
        let (id, version, form) = (*id, *version, form.clone());
        async move {
            match save_opportunity(id, version, form).await {
                Ok(card) => {
                    let title = card.title.clone();
                    if id.is_some() {
                        ctx.replace(card);
                    } else {
                        ctx.created(card);
                    }
                    ctx.notice
                        .set(Some(Notice::Info(format!("Saved \"{title}\"."))));
                    ctx.drawer.set(None);
                }
                Err(AppError::Conflict(message)) => {
                    if let Some((id, _)) = existing {
                        show_conflict(ctx, id, message).await;
                    }
                }
                Err(e) => feedback.refused(e),
            }
        }
    });
    let deleting = Action::new(move |&(id, version): &(i64, i64)| async move {
        match delete_opportunity(id, version).await {
            Ok(()) => {
                let title = ctx.card(id).map(|c| c.title).unwrap_or_default();
                ctx.remove(id);
                ctx.notice
                    .set(Some(Notice::Info(format!("Deleted \"{title}\"."))));
                ctx.drawer.set(None);
            }
            Err(AppError::Conflict(message)) => show_conflict(ctx, id, message).await,
            Err(e) => feedback.refused(e),
        }
    });
    let (save_pending, delete_pending) = (saving_action.pending(), deleting.pending());
    let saving = Signal::derive(move || save_pending.get() || delete_pending.get());
    let save = move || {
        feedback.try_save();
        if !errors.with(Vec::is_empty) {
            return;
        }
        let (id, version) = existing.unzip();
        saving_action.dispatch((id, version, input.get_untracked()));
    };
    let delete = move || {
        if let Some(existing) = existing {
            deleting.dispatch(existing);
        }
    };
    let text = move |field: &'static str,
                     get: fn(&OpportunityInput) -> &String,
                     set: fn(&mut OpportunityInput, String)| {
        (
            move || input.with(|i| get(i).clone()),
            move |ev: leptos::ev::Event| {
                feedback.edited(field);
                input.update(|i| set(i, event_target_value(&ev)))
            },
            move |_: leptos::ev::FocusEvent| feedback.touch(field),
        )
    };
    let (title_value, title_input, title_blur) = text("title", |i| &i.title, |i, v| i.title = v);
    let (value_value, value_input, value_blur) = text("value", |i| &i.value, |i, v| i.value = v);
    let (currency_value, currency_input, currency_blur) =
        text("currency", |i| &i.currency, |i, v| i.currency = v);
    let (close_value, close_input, close_blur) = text(
        "expected_close_on",
        |i| &i.expected_close_on,
        |i, v| i.expected_close_on = v,
    );
    let (prob_value, prob_input, prob_blur) =
        text("probability", |i| &i.probability, |i, v| i.probability = v);
    let (reason_value, reason_input, reason_blur) =
        text("lost_reason", |i| &i.lost_reason, |i, v| i.lost_reason = v);
    let (customer_value, customer_input, _) =
        text("customer_id", |i| &i.customer_id, |i, v| i.customer_id = v);
    let (stage_value, stage_input, _) = text("stage_id", |i| &i.stage_id, |i, v| i.stage_id = v);
    let (owner_value, owner_input, _) = text("owner_id", |i| &i.owner_id, |i, v| i.owner_id = v);
    let general_error = move || feedback.general();
    let history = detail
        .as_ref()
        .map(|d| d.history.clone())
        .unwrap_or_default();
    let heading = if existing.is_some() {
        "Edit opportunity"
    } else {
        "New opportunity"
    };
    view! {
        <h2 id="drawer-title">{heading}</h2>
        <form method="post"
            class="form"
            novalidate=true
            on:submit=move |ev| {
                ev.prevent_default();
                save();
            }
        >
            <Field label="Title" field="title" error=error_for("title")>
                <input id="field-title" name="title" prop:value=title_value on:input=title_input on:blur=title_blur autofocus=true />
            </Field>
            <Field label="Customer" field="customer_id" error=error_for("customer_id")>
                <select id="field-customer_id" name="customer_id" prop:value=customer_value on:change=customer_input>
                    <option value="">"Choose a customer"</option>
                    {customers
                        .into_iter()
                        .map(|c| view! { <option value=c.key.clone() selected=input.with_untracked(|i| i.customer_id == c.key)>{c.label}</option> })
                        .collect_view()}
                </select>
            </Field>
            <div class="form-row">
                <Field label="Value" field="value" error=error_for("value")>
                    <input id="field-value" name="value" inputmode="decimal" prop:value=value_value on:input=value_input on:blur=value_blur />
                </Field>
                <Field label="Currency" field="currency" error=error_for("currency")>
                    <input id="field-currency" name="currency" maxlength="3" class="input-short" prop:value=currency_value on:input=currency_input on:blur=currency_blur />
                </Field>
            </div>
            <div class="form-row">
                <Field label="Expected close" field="expected_close_on" error=error_for("expected_close_on")>
                    <input id="field-expected_close_on" name="expected_close_on" type="text" autocomplete="off" placeholder=locale.date_hint() prop:value=close_value on:input=close_input on:blur=close_blur />
                </Field>
                <Field label="Stage" field="stage_id" error=error_for("stage_id")>
                    <select id="field-stage_id" name="stage_id" prop:value=stage_value on:change=stage_input>
                        {stages
                            .iter()
                            .map(|s| {
                                let id = s.id.to_string();
                                view! { <option value=id.clone() selected=input.with_untracked(|i| i.stage_id == id)>{s.name.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                </Field>
            </div>
            <Field label="Probability % (blank: the stage's)" field="probability" error=error_for("probability")>
                <input id="field-probability" name="probability" inputmode="numeric" class="input-short" prop:value=prob_value on:input=prob_input on:blur=prob_blur />
            </Field>
            {can_assign
                .then(|| {
                    view! {
                        <Field label="Owner" field="owner_id" error=error_for("owner_id")>
                            <select id="field-owner_id" name="owner_id" prop:value=owner_value on:change=owner_input>
                                {owners
                                    .iter()
                                    .map(|o| view! { <option value=o.key.clone() selected=input.with_untracked(|i| i.owner_id == o.key)>{o.label.clone()}</option> })
                                    .collect_view()}
                            </select>
                        </Field>
                    }
                })}
            <Show when=lost_selected.clone()>
                <Field label="Lost reason" field="lost_reason" error=error_for("lost_reason")>
                    <textarea id="field-lost_reason" name="lost_reason" rows="2" prop:value=reason_value on:input=reason_input on:blur=reason_blur></textarea>
                </Field>
            </Show>
            {move || general_error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="dialog-actions">
                {existing
                    .map(|_| {
                        view! {
                            <Show
                                when=move || confirm_delete.get()
                                fallback=move || view! {
                                    <button type="button" class="button-danger" on:click=move |_| confirm_delete.set(true)>
                                        "Delete"
                                    </button>
                                }
                            >
                                <span class="confirm">
                                    "Delete with its history? "
                                    <button type="button" class="button-danger" data-testid="confirm-delete" on:click=move |_| delete()>
                                        "Yes, delete"
                                    </button>
                                    <button type="button" class="button-quiet" on:click=move |_| confirm_delete.set(false)>
                                        "No"
                                    </button>
                                </span>
                            </Show>
                        }
                    })}
                <span class="spacer"></span>
                <button type="button" class="button-quiet" on:click=move |_| ctx.drawer.set(None)>
                    "Cancel"
                </button>
                <button type="submit" class="button-primary" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
        {(!history.is_empty())
            .then(|| {
                view! {
                    <h3>"History"</h3>
                    <ol class="timeline" data-testid="timeline">
                        {history
                            .into_iter()
                            .rev()
                            .map(|h| {
                                let what = match &h.from_stage {
                                    Some(from) => format!("{from} → {}", h.to_stage),
                                    None => format!("Created in {}", h.to_stage),
                                };
                                view! {
                                    <li>
                                        <strong>{what}</strong>
                                        <span class="muted">
                                            {format!(
                                                " · {} · {} UTC",
                                                h.changed_by,
                                                use_locale().date_time(h.changed_at),
                                            )}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
            })}
    }
}

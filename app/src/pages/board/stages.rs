//! The stage editor (admins): name, order, default probability, rotting days and kind; a
//! stage that holds opportunities is deleted only by moving them to another stage.

use crate::api::pipeline::{delete_stage, list_stages, reorder_stage, save_stage};
use crate::components::problem::LoadError;
use crate::domain::pipeline::StageInput;
use crate::domain::StageKind;
use crate::error::AppError;
use crate::model::pipeline::StageUsage;
use crate::providers::auth::use_auth;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn StagesPage() -> impl IntoView {
    let stages = resource(|| (), |()| list_stages());
    let message = RwSignal::new(None::<Result<String, AppError>>);
    let auth = use_auth();
    // Every change reloads the list, so positions and counts are the server's.
    let after = move |result: Result<String, AppError>| {
        if result.is_ok() {
            stages.refetch();
        }
        message.set(Some(result));
    };
    view! {
        <Title text="Stages" />
        <section class="card">
            <div class="section-head">
                <h1>"Pipeline stages"</h1>
                <A href="/board">"Back to the board"</A>
            </div>
            <p class="muted">
                "Stages run left to right on the board. Probability is the default chance of winning in that stage; rotting days mark opportunities that have sat too long."
            </p>
            {move || {
                message
                    .get()
                    .map(|m| match m {
                        Ok(text) => Either::Left(view! { <p class="notice notice-info" role="status" data-testid="stages-message">{text}</p> }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert" data-testid="stages-message">{e.to_string()}</p> }),
                    })
            }}
            <Transition fallback=|| view! { <p class="muted">"Loading stages…"</p> }>
                {move || Suspend::new(async move {
                    let is_admin = auth
                        .user
                        .await
                        .is_ok_and(|u| u.role == crate::domain::Role::Admin);
                    match stages.await {
                        Ok(list) => {
                            let all = list.clone();
                            Either::Left(view! {
                                <div class="table-scroll" tabindex="0">
                                    <table class="table stages" data-testid="stages-table">
                                        <thead>
                                            <tr>
                                                <th scope="col">"Stage"</th>
                                                <th scope="col">"Probability %"</th>
                                                <th scope="col">"Rotting days"</th>
                                                <th scope="col">"Kind"</th>
                                                <th scope="col">"Opportunities"</th>
                                                <th scope="col">"Actions"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|usage| view! { <StageRow usage all=all.clone() is_admin after /> })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {is_admin.then(|| view! { <NewStage after /> })}
                            })
                        }
                        Err(e) => Either::Right(view! { <LoadError error=e /> }),
                    }
                })}
            </Transition>
        </section>
    }
}

fn input_of(usage: &StageUsage) -> StageInput {
    StageInput {
        name: usage.stage.name.clone(),
        probability: usage.stage.probability.percent().to_string(),
        rotting_days: usage
            .stage
            .rotting_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        kind: usage.stage.kind.as_str().to_string(),
    }
}

/// One text cell of a stage's settings, bound to a field of `input`.
fn text_cell(
    input: RwSignal<StageInput>,
    disabled: bool,
    name: &'static str,
    label: &'static str,
    field: fn(&mut StageInput) -> &mut String,
) -> impl IntoView {
    let short = name != "name";
    view! {
        <td>
            <input
                name=name
                class:input-short=short
                inputmode=if short { "numeric" } else { "text" }
                aria-label=label
                disabled=disabled
                prop:value=move || input.with(|i| field(&mut i.clone()).clone())
                on:input=move |ev| input.update(|i| *field(i) = event_target_value(&ev))
            />
        </td>
    }
}

/// The inputs of a stage's settings, bound to `input`.
fn stage_inputs(input: RwSignal<StageInput>, disabled: bool) -> impl IntoView {
    view! {
        {text_cell(input, disabled, "name", "Stage name", |i| &mut i.name)}
        {text_cell(input, disabled, "probability", "Probability %", |i| &mut i.probability)}
        {text_cell(input, disabled, "rotting_days", "Rotting days", |i| &mut i.rotting_days)}
        <td>
            <select
                name="kind"
                aria-label="Kind"
                disabled=disabled
                prop:value=move || input.with(|i| i.kind.clone())
                on:change=move |ev| input.update(|i| i.kind = event_target_value(&ev))
            >
                {StageKind::ALL
                    .map(|k| view! { <option value=k.as_str() selected=input.with_untracked(|i| i.kind == k.as_str())>{k.label()}</option> })
                    .into_iter()
                    .collect_view()}
            </select>
        </td>
    }
}

/// Client-side check with the server's parser; the server repeats it.
fn checked(input: &StageInput) -> Result<StageInput, AppError> {
    input.parse().map(|_| input.clone()).map_err(AppError::from)
}

#[component]
fn StageRow(
    usage: StageUsage,
    all: Vec<StageUsage>,
    is_admin: bool,
    after: impl Fn(Result<String, AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = usage.stage.id;
    let name = usage.stage.name.clone();
    let input = RwSignal::new(input_of(&usage));
    let held = usage.opportunities;
    let same_kind: Vec<(i64, String)> = all
        .iter()
        .filter(|u| u.stage.id != id && u.stage.kind == usage.stage.kind)
        .map(|u| (u.stage.id, u.stage.name.clone()))
        .collect();
    let move_to = RwSignal::new(same_kind.first().map(|(id, _)| *id));
    let saving = Action::new(move |form: &StageInput| {
        let form = form.clone();
        async move {
            let saved = save_stage(Some(id), form).await;
            after(saved.map(|s| format!("Saved {}.", s.name)));
        }
    });
    let save = move |_| {
        if let Ok(form) = checked(&input.get_untracked()).map_err(|e| after(Err(e))) {
            saving.dispatch(form);
        }
    };
    let reordering = Action::new(move |direction: &i32| {
        let direction = *direction;
        async move {
            let saved = reorder_stage(id, direction).await;
            after(saved.map(|()| "Order saved.".to_string()));
        }
    });
    let reorder = move |direction: i32| {
        reordering.dispatch(direction);
    };
    let deleting = {
        let name = name.clone();
        Action::new(move |target: &Option<i64>| {
            let (target, name) = (*target, name.clone());
            async move {
                let deleted = delete_stage(id, target).await;
                after(deleted.map(|()| format!("Deleted {name}.")));
            }
        })
    };
    let delete = move |_| {
        deleting.dispatch((held > 0).then(|| move_to.get_untracked()).flatten());
    };
    view! {
        <tr data-testid=format!("stage-{name}")>
            {stage_inputs(input, !is_admin)}
            <td>{held}</td>
            <td class="actions">
                {is_admin
                    .then(|| {
                        view! {
                            <button type="button" class="button-quiet" on:click=save>"Save"</button>
                            <button type="button" class="button-quiet" aria-label=format!("Move {name} earlier") on:click=move |_| reorder(-1)>"↑"</button>
                            <button type="button" class="button-quiet" aria-label=format!("Move {name} later") on:click=move |_| reorder(1)>"↓"</button>
                            {(held > 0 && !same_kind.is_empty())
                                .then(|| {
                                    view! {
                                        <select
                                            aria-label="Move its opportunities to"
                                            on:change=move |ev| move_to.set(event_target_value(&ev).parse().ok())
                                        >
                                            {same_kind
                                                .iter()
                                                .map(|(sid, sname)| view! { <option value=sid.to_string()>{format!("move {held} to {sname}")}</option> })
                                                .collect_view()}
                                        </select>
                                    }
                                })}
                            <button type="button" class="button-danger" on:click=delete>"Delete"</button>
                        }
                    })}
            </td>
        </tr>
    }
}

#[component]
fn NewStage(
    after: impl Fn(Result<String, AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let input = RwSignal::new(StageInput {
        kind: "open".into(),
        ..StageInput::default()
    });
    let adding = Action::new(move |form: &StageInput| {
        let form = form.clone();
        async move {
            let result = save_stage(None, form)
                .await
                .map(|s| format!("Added {}.", s.name));
            if result.is_ok() {
                input.set(StageInput {
                    kind: "open".into(),
                    ..StageInput::default()
                });
            }
            after(result);
        }
    });
    let add = move |_| {
        if let Ok(form) = checked(&input.get_untracked()).map_err(|e| after(Err(e))) {
            adding.dispatch(form);
        }
    };
    view! {
        <h2>"Add a stage"</h2>
        <div class="table-scroll" tabindex="0">
            <table class="table stages" data-testid="new-stage">
                <tbody>
                    <tr>
                        {stage_inputs(input, false)}
                        <td>
                            <button type="button" class="button-primary" on:click=add>"Add stage"</button>
                        </td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
}

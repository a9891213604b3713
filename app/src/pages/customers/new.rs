//! A new prospect: a customer without turnover yet, from the browser or the phone. Customers of
//! the same name in the same town are shown before anything is saved.

use crate::api::customers::create_prospect;
use crate::components::form::{problem_elsewhere, problem_of, Field};
use crate::domain::prospect::ProspectInput;
use crate::domain::turnover::Segment;
use crate::error::AppError;
use crate::model::customers::{Lookalike, ProspectSaved};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn NewProspectPage() -> impl IntoView {
    let input = RwSignal::new(ProspectInput {
        segment: Segment::Relationship.as_str().into(),
        ..ProspectInput::default()
    });
    let error = RwSignal::new(None::<AppError>);
    let alike = RwSignal::new(None::<(Vec<Lookalike>, usize)>);
    let navigate = use_navigate();
    let save = Action::new(move |input: &ProspectInput| {
        let input = input.clone();
        async move { create_prospect(input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(ProspectSaved::Created { id })) => {
            navigate(&format!("/customers/{id}"), Default::default())
        }
        Some(Ok(ProspectSaved::LooksLike { visible, hidden })) => {
            alike.set(Some((visible, hidden)))
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    let busy = save.pending();
    let send = move |confirmed: bool| {
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        let mut form = input.get_untracked();
        form.confirmed = confirmed;
        match form.parse() {
            Ok(_) => {
                save.dispatch(form);
            }
            Err(errors) => error.set(Some(AppError::from(errors))),
        }
    };
    let problem = move |field: &'static str| problem_of(error, field);
    let other = problem_elsewhere(error, &["name", "city", "segment", "potential"]);
    let text = move |get: fn(&ProspectInput) -> &String, set: fn(&mut ProspectInput, String)| {
        (
            move || input.with(|i| get(i).clone()),
            move |ev: leptos::ev::Event| {
                let value = event_target_value(&ev);
                input.update(|i| set(i, value));
                // Another name or town: the earlier look-alikes no longer apply.
                alike.set(None);
            },
        )
    };
    let (name, on_name) = text(|i| &i.name, |i, v| i.name = v);
    let (city, on_city) = text(|i| &i.city, |i, v| i.city = v);
    let (potential, on_potential) = text(|i| &i.potential, |i, v| i.potential = v);
    view! {
        <Title text="New prospect" />
        <p><A href="/customers">"← Customers"</A></p>
        <section class="card narrow">
            <h1>"New prospect"</h1>
            <p class="muted">"A company you want to win: it becomes yours, and counts as a new customer with its first order."</p>
            <form method="post"
                data-testid="prospect-form"
                novalidate
                on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    send(false);
                }
            >
                <Field label="Company name" field="name" error=problem("name")>
                    <input id="field-name" type="text" required autocomplete="organization"
                        aria-describedby="error-name" aria-invalid=move || problem("name")().is_some().to_string()
                        prop:value=name on:input=on_name />
                </Field>
                <Field label="Town" field="city" error=problem("city")>
                    <input id="field-city" type="text" autocomplete="address-level2"
                        aria-describedby="error-city" prop:value=city on:input=on_city />
                </Field>
                <Field label="Client type" field="segment" error=problem("segment")>
                    <select id="field-segment" aria-describedby="error-segment"
                        prop:value=move || input.with(|i| i.segment.clone())
                        on:change=move |ev| input.update(|i| i.segment = event_target_value(&ev))>
                        <option value="relationship">{Segment::Relationship.label()}</option>
                        <option value="price">{Segment::Price.label()}</option>
                    </select>
                </Field>
                <Field label="Annual potential in € (estimate)" field="potential" error=problem("potential")>
                    <input id="field-potential" type="text" inputmode="decimal" placeholder="e.g. 120000"
                        aria-describedby="error-potential" aria-invalid=move || problem("potential")().is_some().to_string()
                        prop:value=potential on:input=on_potential />
                </Field>
                {move || alike.get().map(|(visible, hidden)| view! {
                    <div class="notice notice-warning" role="alert" data-testid="prospect-lookalikes">
                        <p><strong>"Already in Pacer? "</strong>"Customers of this name in this town:"</p>
                        <ul>
                            {visible.into_iter().map(|c| view! {
                                <li><A href=format!("/customers/{}", c.id)>{c.name}</A>{c.city.map(|t| format!(" · {t}"))}</li>
                            }).collect_view()}
                        </ul>
                        {(hidden > 0).then(|| view! {
                            <p>{format!("{hidden} more belong to colleagues outside your team: ask your manager before adding it again.")}</p>
                        })}
                        <button type="button" class="button-quiet" data-testid="prospect-save-anyway" on:click=move |_| send(true)>
                            "It is a different company: save it"
                        </button>
                    </div>
                })}
                {move || other().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="submit" class="button-primary" disabled=move || busy.get()>"Save prospect"</button>
                </div>
            </form>
        </section>
    }
}

//! The organisation and its people (admins change them; managers see their own part): units
//! opened, renamed, moved and closed; people added with a link to pass on, changed, given a
//! new password link, and deactivated with what they hold handed over.

use crate::api::people::{
    get_organisation, AddPerson, ChangePerson, CloseUnit, CreateUnit, DeactivatePerson, MoveUnit,
    PasswordLink, RenameUnit,
};
use crate::domain::number::plural;
use crate::domain::{OrgUnitKind, Role};
use crate::error::AppError;
use crate::model::people::{Delivery, IssuedLink, Organisation, PersonRow, UnitRow};
use crate::providers::locale::use_locale;
use crate::providers::resource::{resource, Loaded};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

fn refusal(error: Option<AppError>) -> impl IntoView {
    error.map(|e| view! { <p class="form-error" role="alert" data-testid="form-error">{e.to_string()}</p> })
}

/// The organisation, reloaded whenever one of `versions` (the page's actions) moves.
fn organisation_resource(versions: Vec<Signal<usize>>) -> Loaded<Result<Organisation, AppError>> {
    resource(
        move || versions.iter().map(|v| v.get()).sum::<usize>(),
        |_| get_organisation(),
    )
}

/// A link as the admin passes it on: the full address, selectable, and whether Pacer mailed
/// it (when it has a mail server). The link shows either way: a mail can be slow, or lost.
#[component]
fn LinkToPass(link: IssuedLink, #[prop(into)] label: String) -> impl IntoView {
    let origin = window_origin();
    let url = format!("{origin}{}", link.path);
    let class = match link.delivery {
        Delivery::NotSent { .. } => "notice notice-warning",
        _ => "notice notice-info",
    };
    let pass_on = if link.delivery.is_mailed() {
        ""
    } else {
        "Pass it on yourself. "
    };
    view! {
        <div class=class role="status" data-testid="issued-link">
            <p><strong>{label}</strong></p>
            {link.delivery.sentence().map(|s| view! { <p data-testid="link-delivery">{s}</p> })}
            <input class="token-secret" readonly prop:value=url.clone() aria-label="The link to pass on"
                data-testid="issued-link-value" />
            <p class="small muted">
                {pass_on}
                "It works once"
                {link.expires_at.map(|at| format!(", until {} UTC", use_locale().date_time(at)))}
                "."
            </p>
        </div>
    }
}

fn window_origin() -> String {
    #[cfg(feature = "browser")]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "browser"))]
    {
        String::new()
    }
}

#[component]
pub fn OrganisationPage() -> impl IntoView {
    let create = ServerAction::<CreateUnit>::new();
    let rename = ServerAction::<RenameUnit>::new();
    let moved = ServerAction::<MoveUnit>::new();
    let close = ServerAction::<CloseUnit>::new();
    let org = organisation_resource(vec![
        create.version().into(),
        rename.version().into(),
        moved.version().into(),
        close.version().into(),
    ]);
    view! {
        <Title text="Organisation" />
        <section class="card" data-testid="organisation">
            <h1>"Organisation"</h1>
            <p class="muted">"The company, its business units and their teams. Everyone works in one unit; managers see their unit and everything below it."</p>
            {move || refusal(rename.value().get().and_then(Result::err))}
            {move || refusal(moved.value().get().and_then(Result::err))}
            {move || refusal(close.value().get().and_then(Result::err))}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match org.await {
                        Ok(org) => Either::Left(view! { <UnitTree org create rename moved close /> }),
                        Err(e) => Either::Right(refusal(Some(e))),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UnitTree(
    org: Organisation,
    create: ServerAction<CreateUnit>,
    rename: ServerAction<RenameUnit>,
    moved: ServerAction<MoveUnit>,
    close: ServerAction<CloseUnit>,
) -> impl IntoView {
    let parents: Vec<UnitRow> = org
        .units
        .iter()
        .filter(|u| !u.closed && u.kind != OrgUnitKind::Team)
        .cloned()
        .collect();
    let business_units: Vec<UnitRow> = org
        .units
        .iter()
        .filter(|u| !u.closed && u.kind == OrgUnitKind::BusinessUnit)
        .cloned()
        .collect();
    let can_change = org.can_change;
    let rows = org
        .units
        .iter()
        .map(|unit| {
            let depth = unit.path.matches('/').count().saturating_sub(2);
            let unit = unit.clone();
            let bus = business_units.clone();
            let id = unit.id;
            let (shown, tested, current) = (unit.name.clone(), unit.name.clone(), unit.name.clone());
            let (kind, parent_id, closed, people) = (unit.kind, unit.parent_id, unit.closed, unit.people);
            view! {
                <li class="unit-row" class:closed=closed style=format!("margin-left: {}rem", depth * 2)
                    data-testid="unit" data-unit=tested>
                    <strong>{shown}</strong>
                    " · " <span class="muted">{kind.label()}</span>
                    " · " {format!("{} active {}", people, if people == 1 { "person" } else { "people" })}
                    {closed.then(|| view! { " · " <span class="badge">"closed"</span> })}
                    {(can_change && !closed).then(|| view! {
                        <details class="unit-actions">
                            <summary>"Change"</summary>
                            <ActionForm action=rename attr:class="inline-form">
                                <input type="hidden" name="unit" value=id.to_string() />
                                <label>"New name " <input name="name" value=current required /></label>
                                <button type="submit">"Rename"</button>
                            </ActionForm>
                            {(kind == OrgUnitKind::Team).then(|| view! {
                                <ActionForm action=moved attr:class="inline-form">
                                    <input type="hidden" name="unit" value=id.to_string() />
                                    <label>"Move to "
                                        <select name="parent">
                                            {bus.iter().map(|b| view! {
                                                <option value=b.id.to_string() selected=Some(b.id) == parent_id>{b.name.clone()}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <button type="submit">"Move"</button>
                                </ActionForm>
                            })}
                            {(kind != OrgUnitKind::Company).then(|| view! {
                                <ActionForm action=close attr:class="inline-form">
                                    <input type="hidden" name="unit" value=id.to_string() />
                                    <button type="submit" class="button-danger" data-testid="close-unit">"Close this unit"</button>
                                </ActionForm>
                            })}
                        </details>
                    })}
                </li>
            }
        })
        .collect_view();
    let changes = org.changes.clone();
    view! {
        <ul class="unit-tree">{rows}</ul>
        {can_change.then(|| view! {
            <h2>"Open a unit"</h2>
            <ActionForm action=create attr:class="stacked-form" attr:data-testid="create-unit-form">
                <label for="unit-parent">"Under"</label>
                <select id="unit-parent" name="parent">
                    {parents.iter().map(|p| view! {
                        <option value=p.id.to_string()>
                            {format!("{} ({} → new {})", p.name, p.kind.label(),
                                p.kind.child_kind().map_or("", |k| k.label()).to_lowercase())}
                        </option>
                    }).collect_view()}
                </select>
                <label for="unit-name">"Name"</label>
                <input id="unit-name" name="name" required />
                {move || refusal(create.value().get().and_then(Result::err))}
                <button type="submit" class="button-primary">"Open the unit"</button>
            </ActionForm>
            <h2>"Recent changes"</h2>
            <table class="table" data-testid="audit">
                <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Before"</th><th>"After"</th></tr></thead>
                <tbody>
                    {changes.into_iter().map(|c| view! {
                        <tr>
                            <td>{use_locale().date_time(c.at)}</td>
                            <td>{c.actor.unwrap_or_default()}</td>
                            <td>{format!("{} {} #{}", c.action, c.entity.replace('_', " "), c.entity_id)}</td>
                            <td class="small"><code>{c.before.unwrap_or_default()}</code></td>
                            <td class="small"><code>{c.after.unwrap_or_default()}</code></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let add = ServerAction::<AddPerson>::new();
    let change = ServerAction::<ChangePerson>::new();
    let link = ServerAction::<PasswordLink>::new();
    let deactivate = ServerAction::<DeactivatePerson>::new();
    let org = organisation_resource(vec![
        add.version().into(),
        change.version().into(),
        link.version().into(),
        deactivate.version().into(),
    ]);
    view! {
        <Title text="People" />
        <section class="card" data-testid="people">
            <h1>"People"</h1>
            {move || add.value().get().and_then(Result::ok).map(|added| view! {
                <LinkToPass link=added.link label="Added. With this link they choose their password." />
            })}
            {move || link.value().get().and_then(Result::ok).map(|issued| view! {
                <LinkToPass link=issued label="A new password link. Their current password works until they use it." />
            })}
            {move || deactivate.value().get().and_then(Result::ok).map(|moved| view! {
                <p class="notice notice-info" role="status" data-testid="deactivated">
                    {format!("Deactivated. Handed over: {}, {}, {}.",
                        plural(moved.open_opportunities, "open opportunity", "open opportunities"),
                        plural(moved.customers, "customer", "customers"),
                        plural(moved.running_targets, "running target", "running targets"))}
                </p>
            })}
            {move || refusal(change.value().get().and_then(Result::err))}
            {move || refusal(link.value().get().and_then(Result::err))}
            {move || refusal(deactivate.value().get().and_then(Result::err))}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match org.await {
                        Ok(org) => Either::Left(view! { <PeopleTable org add change link deactivate /> }),
                        Err(e) => Either::Right(refusal(Some(e))),
                    }
                })}
            </Transition>
        </section>
    }
}

fn unit_options(org: &Organisation, selected: Option<i64>) -> impl IntoView {
    org.units
        .iter()
        .filter(|u| !u.closed)
        .map(|u| {
            view! {
                <option value=u.id.to_string() selected=Some(u.id) == selected>{org.unit_label(u.id)}</option>
            }
        })
        .collect_view()
}

fn manager_options(
    org: &Organisation,
    selected: Option<i64>,
    except: Option<i64>,
) -> impl IntoView {
    let managers: Vec<&PersonRow> = org
        .people
        .iter()
        .filter(|p| p.active && p.role != Role::Rep && Some(p.id) != except)
        .collect();
    view! {
        <option value="">"— none —"</option>
        {managers.into_iter().map(|p| view! {
            <option value=p.id.to_string() selected=Some(p.id) == selected>{p.name.clone()}</option>
        }).collect_view()}
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.label()}</option> })
        .collect_view()
}

#[component]
fn PeopleTable(
    org: Organisation,
    add: ServerAction<AddPerson>,
    change: ServerAction<ChangePerson>,
    link: ServerAction<PasswordLink>,
    deactivate: ServerAction<DeactivatePerson>,
) -> impl IntoView {
    let can_change = org.can_change;
    let rows = org
        .people
        .iter()
        .map(|p| {
            let p = p.clone();
            let id = p.id;
            let successors: Vec<PersonRow> = org
                .people
                .iter()
                .filter(|s| s.active && s.id != p.id)
                .cloned()
                .collect();
            let units = unit_options(&org, Some(p.unit_id));
            let managers = manager_options(&org, p.manager_id, Some(p.id));
            view! {
                <tr data-testid="person" data-email=p.email.clone() class:inactive=!p.active>
                    <td>{p.name.clone()}</td>
                    <td>{p.email.clone()}</td>
                    <td>{p.role.label()}</td>
                    <td>{org.unit_label(p.unit_id)}</td>
                    <td>{p.manager_name.clone().unwrap_or_default()}</td>
                    <td data-testid="person-status">{if !p.active { "left" } else if p.has_password { "active" } else { "invited" }}</td>
                    <td>
                        {(can_change && p.active).then(|| view! {
                            <details>
                                <summary data-testid="person-actions">"Change"</summary>
                                <ActionForm action=change attr:class="stacked-form">
                                    <input type="hidden" name="person" value=id.to_string() />
                                    <label>"Name" <input name="name" value=p.name.clone() required /></label>
                                    <label>"Role" <select name="role">{role_options(p.role)}</select></label>
                                    <label>"Unit" <select name="unit">{units}</select></label>
                                    <label>"Manager" <select name="manager">{managers}</select></label>
                                    <button type="submit">"Save"</button>
                                </ActionForm>
                                <ActionForm action=link attr:class="inline-form">
                                    <input type="hidden" name="person" value=id.to_string() />
                                    <button type="submit" data-testid="password-link">"New password link"</button>
                                </ActionForm>
                                <ActionForm action=deactivate attr:class="stacked-form" attr:data-testid="deactivate-form">
                                    <input type="hidden" name="person" value=id.to_string() />
                                    <label>"Their opportunities, customers and targets go to "
                                        <select name="successor" data-testid="successor">
                                            <option value="">"— nobody (they hold nothing) —"</option>
                                            {successors.iter().map(|s| view! {
                                                <option value=s.id.to_string()>{s.name.clone()}</option>
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <button type="submit" class="button-danger" data-testid="deactivate">"Deactivate"</button>
                                </ActionForm>
                            </details>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let add_units = unit_options(&org, None);
    let add_managers = manager_options(&org, None, None);
    view! {
        <table class="table">
            <thead><tr><th>"Name"</th><th>"E-mail"</th><th>"Role"</th><th>"Unit"</th><th>"Manager"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {can_change.then(|| view! {
            <h2>"Add a person"</h2>
            <ActionForm action=add attr:class="stacked-form" attr:data-testid="add-person-form">
                <label for="person-name">"Name"</label>
                <input id="person-name" name="name" required />
                <label for="person-email">"E-mail address"</label>
                <input id="person-email" type="email" name="email" required />
                <label for="person-role">"Role"</label>
                <select id="person-role" name="role">{role_options(Role::Rep)}</select>
                <label for="person-unit">"Unit"</label>
                <select id="person-unit" name="unit">{add_units}</select>
                <label for="person-manager">"Manager"</label>
                <select id="person-manager" name="manager">{add_managers}</select>
                {move || refusal(add.value().get().and_then(Result::err))}
                <button type="submit" class="button-primary">"Add"</button>
            </ActionForm>
        })}
    }
}

/// `/admin/organisation`, `/admin/people` and `/account`, one lazily loaded chunk.
#[component]
pub fn AdminPages() -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    if path.ends_with("/organisation") {
        view! { <OrganisationPage /> }.into_any()
    } else if path.ends_with("/people") {
        view! { <PeoplePage /> }.into_any()
    } else {
        view! { <super::setup::AccountPage /> }.into_any()
    }
}

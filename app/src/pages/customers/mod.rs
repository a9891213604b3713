//! Customers: the list with turnover against the same span last year, the plus and minus
//! lists, trend changes, one customer's page, and the CSV import.

mod chart;
mod detail;
mod import;
mod new;

pub use detail::CustomerPage;
pub use import::ImportPage;
pub use new::NewProspectPage;

use crate::api::customers::{customer_owners, customer_units, list_customers};
use crate::components::date_input::DateInput;
use crate::components::export::ExportLinks;
use crate::components::turnover::{eur, percent_text, segment_label, trend_text};
use crate::domain::turnover::{Direction, Mark};
use crate::domain::Role;
use crate::model::customers::{CustomerList, CustomerQuery, CustomerSummary, Listing, SortKey};
use crate::providers::auth::use_auth;
use crate::providers::locale::use_locale;
use crate::providers::resource::resource;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use rust_decimal::Decimal;

/// The page's filter as the URL holds it.
fn query_from_url(get: impl Fn(&str) -> Option<String>) -> CustomerQuery {
    CustomerQuery {
        search: get("search"),
        unit: get("unit"),
        owner: get("owner"),
        segment: get("segment"),
        from: get("from"),
        to: get("to"),
        list: get("list"),
        sort: get("sort"),
        desc: get("desc"),
        page: get("page"),
    }
}

/// The URL's query string for `q`, leaving out what is empty.
pub(crate) fn query_string(q: &CustomerQuery) -> String {
    let pairs = [
        ("search", &q.search),
        ("unit", &q.unit),
        ("owner", &q.owner),
        ("segment", &q.segment),
        ("from", &q.from),
        ("to", &q.to),
        ("list", &q.list),
        ("sort", &q.sort),
        ("desc", &q.desc),
        ("page", &q.page),
    ];
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", encode(v)))
        })
        .collect();
    parts.join("&")
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| url.with(|q| query_from_url(|k| q.get(k))));
    let customers = resource(move || query.get(), list_customers);
    // The period as typed, in the person's way of writing dates; the form sends ISO.
    let from = RwSignal::new(query.with_untracked(|q| q.from.clone().unwrap_or_default()));
    let to = RwSignal::new(query.with_untracked(|q| q.to.clone().unwrap_or_default()));
    Effect::new(move |_| {
        query.with(|q| {
            from.set(q.from.clone().unwrap_or_default());
            to.set(q.to.clone().unwrap_or_default());
        })
    });
    let owners = resource(|| (), |()| customer_owners());
    let units = resource(|| (), |()| customer_units());
    let auth = use_auth();
    let role = resource(
        || (),
        move |()| async move { auth.user.await.map(|u| u.role).ok() },
    );
    let link = move |change: &dyn Fn(&mut CustomerQuery)| {
        let mut q = query.get_untracked();
        change(&mut q);
        format!("/customers?{}", query_string(&q))
    };
    let tab = move |listing: Listing, label: &'static str| {
        let href = link(&|q: &mut CustomerQuery| {
            q.list = Some(listing.as_str().to_string()).filter(|l| l != "all");
            q.sort = None;
            q.desc = None;
            q.page = None;
        });
        let current = move || {
            query.with(|q| Listing::parse(q.list.as_deref().unwrap_or("")).unwrap_or_default())
                == listing
        };
        view! {
            <a
                href=href
                class="tab"
                class:active=current
                aria-current=move || current().then_some("page")
                data-testid=format!("list-{}", listing.as_str())
            >
                {label}
            </a>
        }
    };
    view! {
        <Title text="Customers" />
        <section class="card">
            <div class="section-head">
                <h1>"Customers"</h1>
                <div class="head-actions">
                    <A href="/customers/new" attr:class="button-quiet" attr:data-testid="new-prospect">"New prospect"</A>
                    <Suspense>
                        {move || Suspend::new(async move {
                            let may_import = matches!(role.await, Some(Role::Admin | Role::Manager));
                            may_import.then(|| view! {
                                <A href="/customers/import" attr:class="button-quiet" attr:data-testid="import-link">
                                    "Import CSV"
                                </A>
                            })
                        })}
                    </Suspense>
                </div>
            </div>
            <nav class="tabs" aria-label="Customer lists">
                {move || {
                    view! {
                        {tab(Listing::All, "All")}
                        {tab(Listing::Plus, "Plus list")}
                        {tab(Listing::Minus, "Minus list")}
                        {tab(Listing::Trend, "Trend changes")}
                    }
                }}
            </nav>
            <Form method="GET" action="" attr:class="filters" attr:data-testid="customer-filters">
                {move || query.with(|q| q.list.clone()).map(|l| view! { <input type="hidden" name="list" value=l /> })}
                <label>
                    "Search"
                    <input
                        type="search"
                        name="search"
                        placeholder="Name or reference"
                        prop:value=move || query.with(|q| q.search.clone().unwrap_or_default())
                    />
                </label>
                <Suspense>
                    {move || Suspend::new(async move {
                        let owners = owners.await.unwrap_or_default();
                        let units = units.await.unwrap_or_default();
                        let is_rep = matches!(role.await, Some(Role::Rep));
                        (!is_rep).then(|| {
                            let selected = query.with_untracked(|q| q.owner.clone().unwrap_or_default());
                            let selected_unit = query.with_untracked(|q| q.unit.clone().unwrap_or_default());
                            view! {
                                <label>
                                    "Unit"
                                    <select name="unit">
                                        <option value="">"All I see"</option>
                                        {units.into_iter().map(|u| {
                                            let is = u.key == selected_unit;
                                            view! { <option value=u.key selected=is>{u.label}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                                <label>
                                    "Owner"
                                    <select name="owner">
                                        <option value="">"Everyone"</option>
                                        {owners.into_iter().map(|o| {
                                            let is = o.key == selected;
                                            view! { <option value=o.key selected=is>{o.label}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                            }
                        })
                    })}
                </Suspense>
                <label>
                    "Client type"
                    <select name="segment" prop:value=move || query.with(|q| q.segment.clone().unwrap_or_default())>
                        <option value="">"All"</option>
                        <option value="price">"Price clients"</option>
                        <option value="relationship">"Relationship clients"</option>
                    </select>
                </label>
                <label>
                    "From"
                    <DateInput value=from on_input=move |v: String| from.set(v) name="from" testid="customers-from" />
                </label>
                <label>
                    "To"
                    <DateInput value=to on_input=move |v: String| to.set(v) name="to" testid="customers-to" />
                </label>
                <button type="submit" class="button-quiet">"Apply"</button>
            </Form>
            <Transition fallback=|| view! { <p class="muted">"Loading customers…"</p> }>
                {move || Suspend::new(async move {
                    match customers.await {
                        Ok(list) => Either::Left(view! { <CustomerResults list query /> }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert" data-testid="customers-error">{e.to_string()}</p> }),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CustomerResults(list: CustomerList, query: Memo<CustomerQuery>) -> impl IntoView {
    let f = &list.filter;
    let shown = list.customers.len() as i64;
    let first = f.page * list.page_size;
    let count = if list.total == 0 {
        "No customers match.".to_string()
    } else if shown < list.total {
        format!(
            "Showing {}–{} of {} customers",
            first + 1,
            first + shown,
            list.total
        )
    } else {
        crate::domain::number::plural(list.total, "customer", "customers")
    };
    let deviation = list.actual_minor - list.expected_minor;
    let pct = crate::domain::turnover::percent(deviation, list.expected_minor);
    let explain = match f.listing {
        Listing::All => String::new(),
        Listing::Plus => "Customers buying more than in the same span last year, largest difference first; new customers are marked.".into(),
        Listing::Minus => "Customers buying less than in the same span last year, largest shortfall first; customers who stopped buying are marked lost.".into(),
        Listing::Trend => format!(
            "Customers whose monthly turnover over {} – {} differs from the 12 months before by at least the trend rule's threshold for their client type.",
            use_locale().date(list.windows.recent.start()),
            use_locale().date(list.windows.recent.end())
        ),
    };
    let page_link = move |page: i64| {
        let mut q = query.get_untracked();
        q.page = (page > 0).then(|| (page + 1).to_string());
        format!("/customers?{}", query_string(&q))
    };
    let export = {
        let mut q = query.get_untracked();
        q.page = None;
        format!("/api/export/customers.csv?{}", query_string(&q))
    };
    let has_prev = f.page > 0;
    let has_next = first + shown < list.total;
    let page = f.page;
    view! {
        <p class="turnover-summary" data-testid="turnover-summary">
            {format!(
                "Turnover {} – {}: {} against {} in {} – {} ({}).",
                use_locale().date(f.period.start()),
                use_locale().date(f.period.end()),
                eur(list.actual_minor),
                eur(list.expected_minor),
                use_locale().date(list.compared_with.start()),
                use_locale().date(list.compared_with.end()),
                percent_text(pct),
            )}
        </p>
        {(!explain.is_empty()).then(|| view! { <p class="muted">{explain}</p> })}
        <div class="list-head">
            <p class="count" data-testid="customer-count">{count}</p>
            <ExportLinks href=Signal::derive(move || export.clone()) file="customers.csv" />
        </div>
        <CustomerTable customers=list.customers query sort=f.sort descending=f.descending />
        <nav class="pager" aria-label="Pages">
            {has_prev.then(|| view! { <a href=page_link(page - 1) rel="prev">"← Previous"</a> })}
            {has_next.then(|| view! { <a href=page_link(page + 1) rel="next" data-testid="next-page">"Next →"</a> })}
        </nav>
    }
}

#[component]
fn CustomerTable(
    customers: Vec<CustomerSummary>,
    query: Memo<CustomerQuery>,
    sort: SortKey,
    descending: bool,
) -> impl IntoView {
    let header = move |key: SortKey, label: &'static str, class: &'static str| {
        let active = sort == key;
        let mut q = query.get_untracked();
        q.sort = Some(key.as_str().to_string());
        // A click on the sorted column turns it round; a money column starts with the largest.
        let next_desc = if active {
            !descending
        } else {
            key != SortKey::Name
        };
        q.desc = next_desc.then(|| "1".to_string());
        q.page = None;
        let href = format!("/customers?{}", query_string(&q));
        let arrow = match (active, descending) {
            (false, _) => "",
            (true, true) => " ↓",
            (true, false) => " ↑",
        };
        let aria = match (active, descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        };
        view! {
            <th scope="col" class=class aria-sort=aria>
                <a href=href data-testid=format!("sort-{}", key.as_str())>{label}{arrow}</a>
            </th>
        }
    };
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="table customers" data-testid="customer-table">
                <thead>
                    <tr>
                        {header(SortKey::Name, "Customer", "")}
                        <th scope="col" class="hide-phone">"Client type"</th>
                        <th scope="col" class="hide-phone">"Owner"</th>
                        {header(SortKey::Actual, "Turnover", "num")}
                        {header(SortKey::Expected, "Last year", "num hide-phone")}
                        {header(SortKey::Deviation, "Deviation", "num")}
                        {header(SortKey::Percent, "%", "num")}
                        {header(SortKey::Untapped, "Untapped potential", "num hide-phone")}
                        <th scope="col">"Trend"</th>
                    </tr>
                </thead>
                <tbody>
                    {customers.into_iter().map(|c| view! { <CustomerRow c /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CustomerRow(c: CustomerSummary) -> impl IntoView {
    let d = c.deviation;
    // "€ 74,400.00 · 38 % of € 120,000.00": what is left of the estimated annual potential
    // after the last 12 months' turnover (what the column sorts by), and the share reached.
    let (reached, untapped) = (c.potential_reached_pct(), c.untapped_minor().unwrap_or(0));
    let potential = c.potential_minor.map(|p| {
        let reached = reached.map_or_else(|| "—".to_string(), |pct| use_locale().percent(pct, 1));
        view! {
            <span>{eur(untapped)}</span>
            <span class="muted small">{format!(" · {reached} of {}", eur(p))}</span>
        }
    });
    let segment = segment_label(&c.segment);
    let mark = d.mark.map(|m| {
        let class = match m {
            Mark::New => "tag tag-new",
            Mark::Lost => "tag tag-lost",
        };
        view! { <span class=class data-testid="mark">{m.label()}</span> }
    });
    let trend = c.trend.map(|t| {
        let (arrow, class) = match t.direction {
            Direction::Up => ("↑", "trend trend-up"),
            Direction::Down => ("↓", "trend trend-down"),
        };
        let pct = t.change_pct;
        view! {
            <span class=class title=trend_text(&t) data-testid="trend">
                {format!("{arrow} {}{pct} %", if pct > Decimal::ZERO { "+" } else { "" })}
            </span>
        }
    });
    let delta_class = match d.delta_minor.signum() {
        1 => "num plus",
        -1 => "num minus",
        _ => "num",
    };
    view! {
        <tr data-testid="customer-row" data-customer-id=c.id.to_string()>
            <td>
                <a href=format!("/customers/{}", c.id)>{c.name}</a>
                " "
                {mark}
            </td>
            <td class="hide-phone">
                <span class=format!("tag tag-{}", c.segment)>{segment}</span>
            </td>
            <td class="hide-phone">{c.owner_name.unwrap_or_else(|| "—".to_string())}</td>
            <td class="num" data-testid="actual">{eur(d.actual_minor)}</td>
            <td class="num hide-phone" data-testid="expected">{eur(d.expected_minor)}</td>
            <td class=delta_class data-testid="delta">{eur(d.delta_minor)}</td>
            <td class=delta_class>{percent_text(d.pct)}</td>
            <td class="num hide-phone" data-testid="potential">{potential}</td>
            <td>{trend}</td>
        </tr>
    }
}

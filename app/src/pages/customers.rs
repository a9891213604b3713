use crate::api::customers::{list_customers, CustomerSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CustomersPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").filter(|q| !q.trim().is_empty());
    let customers = Resource::new(search, list_customers);
    view! {
        <Title text="Customers" />
        <section class="card">
            <div class="section-head">
                <h1>"Customers"</h1>
                <Form method="GET" action="" attr:class="search">
                    <input
                        type="search"
                        name="q"
                        placeholder="Search by name"
                        aria-label="Search customers by name"
                        prop:value=move || search().unwrap_or_default()
                    />
                    <button type="submit" class="button-quiet">"Search"</button>
                </Form>
            </div>
            <p class="muted">
                "Turnover against last year, plus/minus lists and trend changes arrive with the customers work."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading customers…"</p> }>
                {move || Suspend::new(async move {
                    match customers.await {
                        Ok(list) => {
                            let shown = list.customers.len();
                            view! {
                                <p class="count" data-testid="customer-count">
                                    {if i64::try_from(shown).unwrap_or(i64::MAX) < list.total {
                                        format!("Showing {shown} of {} customers", list.total)
                                    } else {
                                        format!("{} customers", list.total)
                                    }}
                                </p>
                                <CustomerTable customers=list.customers />
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CustomerTable(customers: Vec<CustomerSummary>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" data-testid="customer-table">
                <thead>
                    <tr>
                        <th scope="col">"Customer"</th>
                        <th scope="col">"Client type"</th>
                        <th scope="col" class="hide-phone">"City"</th>
                        <th scope="col">"Owner"</th>
                    </tr>
                </thead>
                <tbody>
                    {customers
                        .into_iter()
                        .map(|c| {
                            let segment = if c.segment == "price" { "Price client" } else { "Relationship client" };
                            view! {
                                <tr>
                                    <td>{c.name}</td>
                                    <td>
                                        <span class=format!("tag tag-{}", c.segment)>{segment}</span>
                                    </td>
                                    <td class="hide-phone">{c.city.unwrap_or_default()}</td>
                                    <td>{c.owner_name.unwrap_or_else(|| "—".to_string())}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

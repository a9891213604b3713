//! The CSV download of a list: written as its person reads numbers and dates (issue 22), and
//! for German readers also plain, for other programs (ISO dates, a decimal point, commas:
//! `format=plain`; English readers' CSV is that already).

use leptos::prelude::*;

/// `href`: the export's address with the list's query; `file`: the download's name.
#[component]
pub fn ExportLinks(#[prop(into)] href: Signal<String>, file: &'static str) -> impl IntoView {
    let german = crate::providers::locale::use_locale() == crate::domain::Locale::De;
    let plain = move || {
        let href = href.get();
        let join = if href.contains('?') { '&' } else { '?' };
        format!("{href}{join}format=plain")
    };
    view! {
        <a href=move || href.get() download=file class="button-quiet" data-testid="export-csv">
            "Export CSV"
        </a>
        {german.then(|| view! {
            <a
                href=plain
                download=file
                class="small export-plain"
                data-testid="export-csv-plain"
                title="ISO dates, a decimal point and commas, for other programs"
            >
                "plain CSV"
            </a>
        })}
    }
}

//! A date field written the way its person writes dates (issue 22): "31 Mar 2026" in English,
//! "31.03.2026" in German, ISO ("2026-03-31") read in both. The browser's own date input shows
//! its operating system's format (a US browser: 03/31/2026) whatever Pacer writes next to it,
//! so Pacer's fields are text fields that read and write the person's locale; what they hand
//! on, and what a form sends, is ISO.

use crate::providers::locale::use_locale;
use chrono::NaiveDate;
use leptos::prelude::*;

/// `value`: the day as ISO text, or what was typed while it is not a day (so a check that
/// reads it can quote it); empty when empty. `on_input` gets the same with every keystroke.
/// `name`: for a GET form, a hidden field of that name carries the ISO day. `id` and `testid`
/// go on the text field (a `<label for>` names it).
#[component]
pub fn DateInput(
    #[prop(into)] value: Signal<String>,
    #[prop(into)] on_input: Callback<String>,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional, into)] on_change: Option<Callback<()>>,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional, into)] label: Option<String>,
    #[prop(optional)] required: bool,
    /// The id of the element saying what is wrong with it, and whether something is.
    #[prop(optional, into)]
    described_by: Option<String>,
    #[prop(optional, into)] invalid: Option<Signal<bool>>,
) -> impl IntoView {
    let locale = use_locale();
    let shown = move |iso: &str| {
        NaiveDate::parse_from_str(iso, "%Y-%m-%d")
            .map(|d| locale.date(d))
            .unwrap_or_else(|_| iso.to_string())
    };
    let to_iso = move |typed: &str| {
        locale
            .parse_date(typed)
            .map(|d| d.to_string())
            .unwrap_or_else(|| typed.trim().to_string())
    };
    let text = RwSignal::new(shown(&value.get_untracked()));
    // A day set from elsewhere (a quick pick, a reset) replaces what is typed; the person's
    // own typing is left as typed ("31.3.2" stays, not "31.03.2002").
    Effect::new(move |_| {
        let iso = value.get();
        if to_iso(&text.get_untracked()) != iso {
            text.set(shown(&iso));
        }
    });
    view! {
        <input
            type="text"
            id=id
            data-testid=testid
            aria-label=label
            required=required
            aria-describedby=described_by
            aria-invalid=move || invalid.map(|i| i.get().to_string())
            autocomplete="off"
            spellcheck="false"
            placeholder=locale.date_hint()
            prop:value=move || text.get()
            on:input=move |ev| {
                let typed = event_target_value(&ev);
                let iso = to_iso(&typed);
                text.set(typed);
                on_input.run(iso);
            }
            on:change=move |_| {
                if let Some(changed) = on_change {
                    changed.run(());
                }
            }
        />
        {name.map(|name| view! { <input type="hidden" name=name prop:value=move || value.get() /> })}
    }
}

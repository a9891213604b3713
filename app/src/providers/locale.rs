//! The signed-in person's locale (issue 22) for every number, amount and date a component
//! shows. The server knows it from the signed-in user it put on the request; it writes it on
//! the page's `<html data-locale>`, where the browser reads it before hydrating, so both sides
//! format alike. Signed out, and for API tokens' users without one, it is English.

use crate::domain::Locale;
use leptos::prelude::*;

/// The locale of this request (server) or page (browser), put in context for `use_locale`.
pub fn provide_locale() -> Locale {
    let locale = page_locale();
    provide_context(locale);
    locale
}

/// The locale components format with.
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

#[cfg(feature = "ssr")]
pub fn page_locale() -> Locale {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<crate::model::auth::SessionUser>()
                .map(|user| user.locale)
        })
        .unwrap_or_default()
}

#[cfg(not(feature = "ssr"))]
pub fn page_locale() -> Locale {
    leptos::prelude::document()
        .document_element()
        .and_then(|html| html.get_attribute("data-locale"))
        .and_then(|code| Locale::parse(&code))
        .unwrap_or_default()
}

//! What a page says when something could not be done or loaded: in plain words, with the
//! technical detail (if any) behind "Details"; something not there, or not the viewer's, is the
//! not-found page with HTTP 404 — the same for an address that never existed, so nothing leaks.

use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

/// The body of the not-found page; on the server it also sets the response's status to 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="card" data-testid="not-found">
            <h1>"This page does not exist"</h1>
            <p>
                "The address may be mistyped, the page may have moved, or it is not visible to you. "
                <a href="/">"Go to your dashboard"</a>
                "."
            </p>
        </section>
    }
}

/// An error in plain words; what the browser reported, if anything, behind "Details".
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let detail = error.detail().map(str::to_string);
    view! {
        <div class="form-error" role="alert">
            <p>{error.to_string()}</p>
            {detail.map(|d| view! {
                <details class="muted small">
                    <summary>"Details"</summary>
                    <span>{d}</span>
                </details>
            })}
        </div>
    }
}

/// What a page shows when its data could not be loaded.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound(_) => Either::Left(view! { <NotFound /> }),
        error => Either::Right(view! { <ErrorNotice error /> }),
    }
}

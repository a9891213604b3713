//! The wasm entry point: hydrates the server-rendered page.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Routes are split into chunks (`cargo leptos build --split`): hydration first fetches the
    // chunk of the page being shown, so it is asynchronous.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for people and browser tests: from here on, the page is interactive.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

//! The wasm entry point of the check-in page's own bundle (issue 21): on `/check-in` the server
//! sends this instead of the whole app. It holds the check-in screen only: the page works as
//! the server drew it (menu links and sign-out are plain links and forms), and `start` draws
//! the screen anew, live, in place of the server's copy. The app's wasm, by contrast, holds
//! every page's hydration and the router; a rep on a phone in a car park needs neither.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start() {
    console_error_panic_hook::set_once();
    if app::pages::check_in::start_on_its_own() {
        // The same marker as the whole app's: from here on, the page is interactive.
        if let Some(body) = leptos::prelude::document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    }
}

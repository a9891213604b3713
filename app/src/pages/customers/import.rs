//! Importing customers or sales from a CSV file (managers and admins). The file is uploaded as
//! it is; the server streams its progress back line by line (upload, checking, storing) and
//! ends with the report: everything stored, or nothing and every bad line.

use crate::model::imports::{ImportKind, ImportReport};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

// Only the browser moves through the phases; the server renders the idle form.
#[cfg_attr(not(feature = "browser"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Idle,
    Uploading {
        loaded: f64,
        total: f64,
    },
    Checking {
        done: u64,
    },
    Storing {
        done: u64,
        total: u64,
    },
    Done {
        kind: ImportKind,
        report: ImportReport,
    },
    Failed(String),
}

impl Phase {
    fn busy(&self) -> bool {
        matches!(
            self,
            Phase::Uploading { .. } | Phase::Checking { .. } | Phase::Storing { .. }
        )
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let kind = RwSignal::new(ImportKind::Sales);
    let phase = RwSignal::new(Phase::Idle);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The form posts nothing by itself: the browser uploads the file (below).
        #[cfg(feature = "browser")]
        if !phase.with_untracked(Phase::busy) {
            let file = file_input
                .get_untracked()
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            match file {
                Some(file) => upload::start(kind.get_untracked(), file, phase),
                None => phase.set(Phase::Failed("Choose a CSV file first.".into())),
            }
        }
    };
    let columns = move || {
        let (required, optional) = kind.get().columns();
        format!(
            "Columns: {} (required), {} (optional). UTF-8 with or without BOM; commas or semicolons; amounts like 1234.56 or 1.234,56; dates as 2026-03-31 or 31.03.2026.",
            required.join(", "),
            optional.join(", ")
        )
    };
    view! {
        <Title text="Import customers and sales" />
        <p><A href="/customers">"← Customers"</A></p>
        <section class="card">
            <h1>"Import from a CSV file"</h1>
            <p class="muted">
                "All or nothing: if any line is wrong, nothing is stored and every bad line is listed with its line number and column. Importing the same file again stores nothing twice."
            </p>
            <form method="post" class="import-form" on:submit=submit data-testid="import-form">
                <fieldset>
                    <legend>"The file holds"</legend>
                    <label>
                        <input type="radio" name="kind" value="sales" prop:checked=move || kind.get() == ImportKind::Sales on:change=move |_| kind.set(ImportKind::Sales) />
                        " Sales (turnover)"
                    </label>
                    <label>
                        <input type="radio" name="kind" value="customers" prop:checked=move || kind.get() == ImportKind::Customers on:change=move |_| kind.set(ImportKind::Customers) />
                        " Customers"
                    </label>
                    <label>
                        <input type="radio" name="kind" value="people" prop:checked=move || kind.get() == ImportKind::People on:change=move |_| kind.set(ImportKind::People) />
                        " People (administrators; the unit as North/Field team)"
                    </label>
                </fieldset>
                <p class="muted" data-testid="import-columns">{columns}</p>
                <label>
                    "CSV file "
                    <input type="file" accept=".csv,text/csv,text/plain" node_ref=file_input data-testid="import-file" />
                </label>
                <button type="submit" class="button-primary" disabled=move || phase.with(Phase::busy) data-testid="import-start">"Import"</button>
            </form>
            <ImportStatus phase />
        </section>
    }
}

#[component]
fn ImportStatus(phase: RwSignal<Phase>) -> impl IntoView {
    move || match phase.get() {
        Phase::Idle => EitherOf3::A(()),
        Phase::Failed(message) => EitherOf3::B(
            view! { <p class="form-error" role="alert" data-testid="import-failed">{message}</p> },
        ),
        Phase::Done { kind, report } => EitherOf3::C(view! { <Report kind report /> }.into_any()),
        busy => {
            let (label, value) = match busy {
                Phase::Uploading { loaded, total } => (
                    format!(
                        "Uploading… {:.0} %",
                        if total > 0.0 {
                            loaded / total * 100.0
                        } else {
                            0.0
                        }
                    ),
                    Some(if total > 0.0 { loaded / total } else { 0.0 }),
                ),
                Phase::Checking { done } => (format!("Checking… {done} lines read"), None),
                Phase::Storing { done, total } => (
                    format!("Storing… {done} of {total} lines"),
                    Some(done as f64 / total.max(1) as f64),
                ),
                _ => (String::new(), None),
            };
            EitherOf3::C(view! {
                <div class="import-progress" role="status" aria-live="polite">
                    <progress max="1" value=value.map(|v| v.to_string()) data-testid="import-progress"></progress>
                    <p data-testid="import-phase">{label}</p>
                </div>
            }.into_any())
        }
    }
}

#[component]
fn Report(kind: ImportKind, report: ImportReport) -> impl IntoView {
    let summary = report.summary(kind);
    let class = if report.stored {
        "notice notice-info"
    } else {
        "notice notice-warning"
    };
    let more = report.more_errors;
    let new_customers = report.new_customers_text(false);
    view! {
        <div class="import-report" data-testid="import-report" data-stored=report.stored.to_string()>
            <p class=class role="status" data-testid="import-summary">{summary}</p>
            <ul class="muted">
                {report.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
            {new_customers.map(|text| view! {
                <p data-testid="import-new-customers">
                    {format!("New customers (named by their reference until a customer file names them): {text}")}
                </p>
            })}
            {(!report.invitations.is_empty()).then(|| view! {
                <div class="table-scroll" tabindex="0">
                    <table class="table" data-testid="import-invitations">
                        <thead><tr><th>"Name"</th><th>"E-mail"</th><th>"Link (works once, 14 days)"</th><th>"Mail"</th></tr></thead>
                        <tbody>
                            {report.invitations.iter().map(|i| view! {
                                <tr>
                                    <td>{i.name.clone()}</td>
                                    <td>{i.email.clone()}</td>
                                    <td><code>{i.path.clone()}</code></td>
                                    <td data-testid="invitation-delivery">
                                        {i.delivery.sentence().unwrap_or_else(|| "Not mailed: pass it on yourself.".to_string())}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {(!report.errors.is_empty()).then(|| view! {
                <div class="table-scroll" tabindex="0">
                    <table class="table" data-testid="import-errors">
                        <thead><tr><th class="num">"Line"</th><th>"Column"</th><th>"Problem"</th></tr></thead>
                        <tbody>
                            {report.errors.into_iter().map(|e| view! {
                                <tr data-testid="import-error">
                                    <td class="num">{e.line}</td>
                                    <td>{e.column.unwrap_or_else(|| "—".into())}</td>
                                    <td>{e.reason}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {(more > 0).then(|| view! { <p class="muted">{format!("… and {more} more problems.")}</p> })}
            })}
        </div>
    }
}

/// The browser side of the upload: an XMLHttpRequest, whose upload progress and streamed
/// response text both raise progress events.
#[cfg(feature = "browser")]
mod upload {
    use super::Phase;
    use crate::model::imports::{ImportKind, ImportProgress};
    use leptos::prelude::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    fn fail(phase: RwSignal<Phase>, message: &str) {
        phase.set(Phase::Failed(message.to_string()));
    }

    pub fn start(kind: ImportKind, file: web_sys::File, phase: RwSignal<Phase>) {
        let Ok(xhr) = XmlHttpRequest::new() else {
            return fail(phase, "This browser cannot upload files.");
        };
        if xhr
            .open("POST", &format!("/api/import/{}", kind.as_str()))
            .is_err()
        {
            return fail(phase, "This browser cannot upload files.");
        }
        let _ = xhr.set_request_header("Content-Type", "text/csv");
        phase.set(Phase::Uploading {
            loaded: 0.0,
            total: file.size(),
        });

        if let Ok(upload) = xhr.upload() {
            let on_upload = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
                if matches!(phase.get_untracked(), Phase::Uploading { .. }) {
                    phase.set(Phase::Uploading {
                        loaded: e.loaded(),
                        total: e.total(),
                    });
                }
            });
            upload.set_onprogress(Some(on_upload.as_ref().unchecked_ref()));
            on_upload.forget();
        }

        // The response is one JSON object per line; each complete line moves the phase on.
        let read = Rc::new(Cell::new(0usize));
        let consume = {
            let xhr = xhr.clone();
            move || {
                let text = xhr.response_text().ok().flatten().unwrap_or_default();
                let from = read.get();
                let Some(end) = text[from..].rfind('\n').map(|i| from + i + 1) else {
                    return;
                };
                read.set(end);
                for line in text[from..end].lines().filter(|l| !l.is_empty()) {
                    match serde_json::from_slice::<ImportProgress>(line.as_bytes()) {
                        Ok(ImportProgress::Checking { done }) => {
                            phase.set(Phase::Checking { done })
                        }
                        Ok(ImportProgress::Storing { done, total }) => {
                            phase.set(Phase::Storing { done, total })
                        }
                        Ok(ImportProgress::Done { report }) => {
                            phase.set(Phase::Done { kind, report })
                        }
                        Ok(ImportProgress::Refused { message }) => {
                            phase.set(Phase::Failed(message))
                        }
                        Err(_) => {}
                    }
                }
            }
        };
        let consume = Rc::new(consume);
        let on_progress = {
            let consume = consume.clone();
            Closure::<dyn FnMut(ProgressEvent)>::new(move |_e: ProgressEvent| consume())
        };
        xhr.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();

        let on_load = {
            let xhr = xhr.clone();
            Closure::<dyn FnMut(ProgressEvent)>::new(move |_e: ProgressEvent| {
                let status = xhr.status().unwrap_or(0);
                if status != 200 {
                    let text = xhr.response_text().ok().flatten().unwrap_or_default();
                    let message = serde_json::from_slice::<serde_json::Value>(text.as_bytes())
                        .ok()
                        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                        .unwrap_or_else(|| match status {
                            413 => "The file is too large to upload (64 MB at most): split it, or use `server import` on the server.".into(),
                            _ => format!("The server refused the upload ({status})."),
                        });
                    return fail(phase, &message);
                }
                consume();
                if phase.with_untracked(Phase::busy) {
                    fail(phase, "The import's answer ended early; check the customers list before importing again.");
                }
            })
        };
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();

        let on_error = Closure::<dyn FnMut(ProgressEvent)>::new(move |_e: ProgressEvent| {
            fail(phase, "The connection broke off during the import. If the upload had finished, the import may still have been stored: check before importing again.");
        });
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();

        if xhr.send_with_opt_blob(Some(&file)).is_err() {
            fail(phase, "The file could not be sent.");
        }
    }
}

//! `POST /api/import/{customers|sales}`: a CSV file as the request body, answered with a stream
//! of progress lines (JSON, one per line) ending in the report, so the browser can draw a
//! progress bar while a large file is checked and stored. `server import` runs the same import
//! from the command line.

use app::model::auth::SessionUser;
use app::model::imports::Importer;
use app::model::imports::{ImportKind, ImportProgress};
use app::service::imports as import;
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::convert::Infallible;

/// Largest file the browser may upload (about 1.5 million sales lines).
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The content type of the progress stream; it is never compressed, so each line arrives as
/// soon as it is written.
pub const PROGRESS_CONTENT_TYPE: &str = "application/x-ndjson";

pub async fn upload(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Extension(user): Extension<SessionUser>,
    body: Bytes,
) -> Response {
    let Some(kind) = ImportKind::parse(&kind) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "not_found",
            "Pacer imports customers, sales or people: POST to /api/import/customers, /api/import/sales or /api/import/people.",
        );
    };
    let Some(importer) = Importer::for_user(&user) else {
        return refuse(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only managers and admins import customers and sales.",
        );
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let db = state.db.clone();
    let outbox = state.outbox.clone();
    // The import finishes even if the browser goes away: it is one transaction either way.
    tokio::spawn(async move {
        let last = match import::run(&db, &importer, kind, body.to_vec(), tx.clone()).await {
            Err(app::service::Error::App(refused)) => ImportProgress::Refused {
                message: refused.to_string(),
            },
            Ok(mut report) => {
                // People imported get their links by mail when Pacer has a mail server; the
                // report says for each whether it went.
                app::service::passwords::mail_invitations(&outbox, &mut report.invitations).await;
                tracing::info!(
                    kind = kind.as_str(),
                    user = user.id,
                    lines = report.lines,
                    stored = report.stored,
                    "import"
                );
                ImportProgress::Done { report }
            }
            Err(e) => {
                tracing::error!(error = %e, "import failed");
                ImportProgress::Refused {
                    message: "The import failed on our side and stored nothing. It has been logged; please try again.".into(),
                }
            }
        };
        let _ = tx.send(last);
    });
    let lines = futures::stream::unfold(rx, |mut rx| async move {
        let progress = rx.recv().await?;
        let mut line = serde_json::to_vec(&progress).unwrap_or_default();
        line.push(b'\n');
        Some((Ok::<_, Infallible>(Bytes::from(line)), rx))
    });
    (
        [
            (header::CONTENT_TYPE, PROGRESS_CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(lines),
    )
        .into_response()
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message, "field": null } });
    (status, axum::Json(body)).into_response()
}

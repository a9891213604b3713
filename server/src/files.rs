//! The browser's code under `/pkg` (wasm, its JS, the stylesheet), served as the release build
//! left it: precompressed with Brotli and gzip (`cargo leptos build --release --precompress`),
//! and named after its content (`hash-files`), so a browser keeps a file for a year without
//! asking again — a new build has new names. What the build did not precompress is compressed
//! on the way out by the router's compression layer.

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

/// Cache-Control for a file whose name carries its content's hash.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// For any other file: kept, but checked with the server (ETag / Last-Modified) before use.
const ASK_FIRST: &str = "no-cache";

/// The `/pkg` files, with caching by name.
pub fn pkg<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn(cache_by_name))
}

async fn cache_by_name(request: Request, next: Next) -> Response {
    let hashed = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let policy = if hashed { FOREVER } else { ASK_FIRST };
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same name answers in Brotli, gzip or plain: a cache in between must keep them
        // apart.
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether a file name carries cargo-leptos's content hash: a dot-separated part of 22
/// base64url characters (an MD5), as in `pacer.4nfB0v2zQdJm1GZc1mzC5w.wasm`. The split
/// loader's unhashed name has 22 underscores in that place, and does not count.
fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() == 22
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && part.bytes().any(|b| b != b'_')
        })
}

/// Where Leptos reads the hashed names from: `hash.txt` (or `LEPTOS_HASH_FILE_NAME`) beside
/// the server binary, written there by `cargo leptos build`.
pub fn hash_file(options: &LeptosOptions) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default()
        .join(options.hash_file.as_ref())
}

/// With hashed names on, the hash file must be there: without it Leptos cannot name the
/// files in a page, and would fail on the first one. Says so before the server starts.
pub fn check_hash_file(options: &LeptosOptions) -> Result<(), String> {
    if !options.hash_files {
        return Ok(());
    }
    let path = hash_file(options);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.lines().any(|l| l.starts_with("wasm:")) => Ok(()),
        Ok(_) => Err(format!("{} names no wasm file", path.display())),
        Err(e) => Err(format!(
            "LEPTOS_HASH_FILES is on, but {} cannot be read ({e}): build with \
             `cargo leptos build --release` so that it lies beside the server binary, \
             or start with LEPTOS_HASH_FILES=false",
            path.display()
        )),
    }
}

/// Names the browser code this server serves: the wasm's content hash ("dev" without a
/// build). Pages carry it so the service worker keeps each deployment's pages and files apart.
pub fn build_id(options: &LeptosOptions) -> String {
    use std::hash::{Hash, Hasher};
    if options.hash_files {
        if let Ok(text) = std::fs::read_to_string(hash_file(options)) {
            if let Some(hash) = text.lines().find_map(|l| l.strip_prefix("wasm:")) {
                return hash.trim().to_string();
            }
        }
    }
    let wasm = Path::new(options.site_root.as_ref())
        .join(options.site_pkg_dir.as_ref())
        .join(format!("{}.wasm", options.output_name));
    match std::fs::read(&wasm) {
        Ok(bytes) => {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut hasher);
            format!("{:016x}", hasher.finish())
        }
        Err(_) => "dev".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::has_content_hash;

    #[test]
    fn only_names_with_a_content_hash_are_kept_forever() {
        for hashed in [
            "/pkg/pacer.4nfB0v2zQdJm1GZc1mzC5w.wasm",
            "/chunk_12.a-b_c4nfB0v2zQdJm1GZc1.wasm",
            "__wasm_split.Zm9vYmFyYmF6cXV4MTIzND.js",
        ] {
            assert!(has_content_hash(hashed), "{hashed}");
        }
        for plain in [
            "/pkg/pacer.wasm",
            "/pkg/pacer.css",
            "/pkg/__wasm_split.______________________.js",
            "/pkg/pacer.too-short.js",
            "/pkg/4nfB0v2zQdJm1GZc1mzC5w.wasm",
        ] {
            assert!(!has_content_hash(plain), "{plain}");
        }
    }
}

//! The browser's code under `/pkg` (wasm, its JS, the stylesheet), served as the release build
//! left it: precompressed with Brotli and gzip (`cargo leptos build --release --precompress`),
//! and named after its content (`hash-files`), so a browser keeps a file for a year without
//! asking again — a new build has new names. What the build did not precompress is compressed
//! on the way out by the router's compression layer.
//!
//! A name is trusted only when it is its content's MD5: cargo-leptos 0.3.11 hashes the main JS
//! and wasm *before* writing the split loader's hashed name into them, so a build that changes
//! only a lazy page keeps their names with new content. Kept for a year, the old JS would ask
//! for a loader that no longer exists and the page would never come alive. Such files (and any
//! file whose name carries no hash) are sent with `no-cache`: the browser keeps them but asks
//! first, and gets a bodiless 304 while they are unchanged.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use base64::Engine;
use leptos::config::LeptosOptions;
use md5::{Digest, Md5};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeDir;

/// Cache-Control for a file whose name is its content's hash.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// For any other file: kept, but checked with the server (Last-Modified) before use.
const ASK_FIRST: &str = "no-cache";

/// The `/pkg` files, with caching by name.
pub fn pkg<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let named_by_content = Arc::new(named_by_content(&dir));
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn_with_state(
            named_by_content,
            cache_by_name,
        ))
}

async fn cache_by_name(
    State(named_by_content): State<Arc<HashSet<String>>>,
    request: Request,
    next: Next,
) -> Response {
    let name = request.uri().path().rsplit('/').next().unwrap_or_default();
    let forever = named_by_content.contains(name);
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let policy = if forever { FOREVER } else { ASK_FIRST };
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
        // The same name answers in Brotli, gzip or plain: a cache in between must keep them
        // apart.
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// The files in `dir` whose name carries their own content's hash (read once, at start-up:
/// a few MB, some milliseconds).
fn named_by_content(dir: &Path) -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashSet::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let hash = content_hash_in(&name)?;
            let content = std::fs::read(entry.path()).ok()?;
            (md5_name(&content) == hash).then_some(name)
        })
        .collect()
}

/// MD5 in unpadded base64url, as cargo-leptos writes it into names.
fn md5_name(content: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Md5::digest(content))
}

/// The hash in a name like cargo-leptos writes them: a dot-separated part of 22 base64url
/// characters, as in `pacer.4nfB0v2zQdJm1GZc1mzC5w.wasm`. The split loader's unhashed name has
/// 22 underscores in that place, and has none.
fn content_hash_in(name: &str) -> Option<&str> {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() < 3 {
        return None;
    }
    parts[1..parts.len() - 1]
        .iter()
        .copied()
        .find(|part| is_content_hash(part))
}

/// A hash as cargo-leptos writes one into names and hash files: an MD5 in unpadded base64url
/// (22 characters; not the split loader's placeholder of 22 underscores).
fn is_content_hash(part: &str) -> bool {
    part.len() == 22
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && part.bytes().any(|b| b != b'_')
}

/// The check-in page's own bundle (`scripts/check-in-bundle.sh`), named by the hash file its
/// build writes beside the server binary (`check-in-hash.txt`, lines `js: …` and `wasm: …`);
/// `None`, said in the log, when there is none or its files are not in the site — the page then
/// loads the whole app.
pub fn check_in_bundle(options: &LeptosOptions) -> Option<app::app::CheckInBundle> {
    let path = hash_file(options).with_file_name("check-in-hash.txt");
    let Some(bundle) = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| check_in_bundle_named_in(&text))
    else {
        tracing::warn!(
            "no check-in bundle ({} missing or incomplete): /check-in loads the whole app",
            path.display()
        );
        return None;
    };
    let pkg = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    if !pkg.join(&bundle.js).is_file() || !pkg.join(&bundle.wasm).is_file() {
        tracing::warn!(
            "the check-in bundle's files are not in {}: /check-in loads the whole app",
            pkg.display()
        );
        return None;
    }
    Some(bundle)
}

/// The bundle's file names from its hash file; `None` unless it names both files by hashes
/// as cargo-leptos writes them (the names go into a script and a path).
fn check_in_bundle_named_in(text: &str) -> Option<app::app::CheckInBundle> {
    let hash = |key: &str| {
        text.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(file, _)| file.trim() == key)
            .map(|(_, hash)| hash.trim())
            .filter(|hash| is_content_hash(hash))
    };
    Some(app::app::CheckInBundle {
        js: format!("check-in.{}.js", hash("js")?),
        wasm: format!("check-in.{}.wasm", hash("wasm")?),
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

/// Names the browser code this server serves: a hash of the wasm it sends ("dev" without a
/// build). Pages carry it so the service worker keeps each deployment's pages and files apart.
/// (Not the hash in the wasm's name: that one can stay when a lazy page changes.)
pub fn build_id(options: &LeptosOptions) -> String {
    use std::hash::{Hash, Hasher};
    let hashed_name = options
        .hash_files
        .then(|| std::fs::read_to_string(hash_file(options)).ok())
        .flatten()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("wasm:"))
                .map(|hash| format!("{}.{}.wasm", options.output_name, hash.trim()))
        });
    let name = hashed_name.unwrap_or_else(|| format!("{}.wasm", options.output_name));
    let wasm = Path::new(options.site_root.as_ref())
        .join(options.site_pkg_dir.as_ref())
        .join(name);
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
    use super::{check_in_bundle_named_in, content_hash_in, md5_name, named_by_content};

    /// The names come from the hash file cargo-leptos writes for the check-in bundle's build;
    /// a file without both hashes names no bundle (the page then loads the whole app).
    #[test]
    fn the_check_in_bundle_is_named_by_its_hash_file() {
        let written = "js: mDNfj-E6bQ8Hd8iyg8WYBQ\nwasm: 0lF1orQgPqrRe_qWX0-B1g\ncss: 1B2M2Y8AsgTpgAmY7PhCfg\n\
                       manifest: mZFLkyvTelC5g8XnyQrpOw\nsplit: X58h6BIP4J_EBtu-ligRjg\n";
        assert_eq!(
            check_in_bundle_named_in(written),
            Some(app::app::CheckInBundle {
                js: "check-in.mDNfj-E6bQ8Hd8iyg8WYBQ.js".into(),
                wasm: "check-in.0lF1orQgPqrRe_qWX0-B1g.wasm".into(),
            })
        );
        assert_eq!(check_in_bundle_named_in("js: abc\n"), None);
        assert_eq!(check_in_bundle_named_in("js: abc\nwasm: \n"), None);
        // Not a hash as cargo-leptos writes one: refused rather than written into the page.
        assert_eq!(
            check_in_bundle_named_in(
                "js: mDNfj-E6bQ8Hd8iyg8WYBQ\nwasm: 0lF1orQgPqrRe_qWX0\"</script>\n"
            ),
            None
        );
        assert_eq!(check_in_bundle_named_in(""), None);
    }

    #[test]
    fn a_hash_is_found_only_where_cargo_leptos_puts_one() {
        for (name, hash) in [
            (
                "pacer.4nfB0v2zQdJm1GZc1mzC5w.wasm",
                "4nfB0v2zQdJm1GZc1mzC5w",
            ),
            (
                "chunk_12.a-b_c4nfB0v2zQdJm1GZc1.wasm",
                "a-b_c4nfB0v2zQdJm1GZc1",
            ),
            (
                "pacer.d.Zm9vYmFyYmF6cXV4MTIzND.ts",
                "Zm9vYmFyYmF6cXV4MTIzND",
            ),
        ] {
            assert_eq!(content_hash_in(name), Some(hash), "{name}");
        }
        for plain in [
            "pacer.wasm",
            "pacer.css",
            "__wasm_split.______________________.js",
            "pacer.too-short.js",
            "4nfB0v2zQdJm1GZc1mzC5w.wasm",
        ] {
            assert_eq!(content_hash_in(plain), None, "{plain}");
        }
    }

    /// Only a name that is its content's MD5 is kept forever: a file edited after it was
    /// named (as cargo-leptos does to the main JS and wasm) is not.
    #[test]
    fn only_names_that_are_their_contents_md5_are_trusted() {
        let dir = tempfile::tempdir().expect("dir");
        let good = format!("chunk_1.{}.wasm", md5_name(b"chunk one"));
        std::fs::write(dir.path().join(&good), b"chunk one").expect("write");
        let stale = format!(
            "pacer.{}.js",
            md5_name(b"before the loader's name was written")
        );
        std::fs::write(dir.path().join(&stale), b"after").expect("write");
        std::fs::write(dir.path().join("pacer.css"), b"main {}").expect("write");
        let trusted = named_by_content(dir.path());
        assert!(trusted.contains(&good));
        assert!(!trusted.contains(&stale));
        assert_eq!(trusted.len(), 1);
        // cargo-leptos's own encoding: MD5 of "" is 1B2M2Y8AsgTpgAmY7PhCfg.
        assert_eq!(md5_name(b""), "1B2M2Y8AsgTpgAmY7PhCfg");
    }
}

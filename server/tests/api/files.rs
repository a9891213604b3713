use crate::helpers::*;
use base64::Engine;
use md5::{Digest, Md5};
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use reqwest::StatusCode;

const CHUNK: &[u8] = b"\0asm the plain file";

/// A name as cargo-leptos writes it: the content's MD5, unpadded base64url.
fn hashed(stem: &str, content: &[u8], extension: &str) -> String {
    let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Md5::digest(content));
    format!("{stem}.{hash}.{extension}")
}

/// A site as `cargo leptos build --release --precompress` with hashed names leaves it: a
/// chunk named after its content, and a main JS whose content changed after it was named
/// (cargo-leptos writes the split loader's name into it afterwards).
fn release_site() -> (tempfile::TempDir, String, String) {
    let site = tempfile::tempdir().expect("site dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    let chunk = hashed("chunk_7", CHUNK, "wasm");
    std::fs::write(pkg.join(&chunk), CHUNK).expect("wasm");
    std::fs::write(pkg.join(format!("{chunk}.br")), b"brotli bytes").expect("br");
    std::fs::write(pkg.join(format!("{chunk}.gz")), b"gzip bytes").expect("gz");
    let main_js = hashed(
        "pacer",
        b"import './__wasm_split.______________________.js'",
        "js",
    );
    std::fs::write(
        pkg.join(&main_js),
        b"import './__wasm_split.SzTlsIY6CrEU_Ub82DC1nw.js'",
    )
    .expect("js");
    std::fs::write(pkg.join("pacer.css"), "main { color: #111 }\n".repeat(200)).expect("css");
    (site, chunk, main_js)
}

async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    request.send().await.expect("request")
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Issue 21: the browser's code goes out as the build compressed it — Brotli to a browser that
/// takes it, else gzip — and a file whose name is its content's hash is kept for a year, so a
/// second visit asks nothing; any other file is checked with the server before use.
#[tokio::test]
async fn browser_code_goes_out_precompressed_and_hashed_names_are_kept_for_a_year() {
    let (site, chunk, main_js) = release_site();
    let root = site.path().to_str().expect("utf-8 path").to_string();
    let app = TestApp::spawn_configured(Backend::Sqlite, false, move |s| {
        s.leptos_options.site_root = root.into();
    })
    .await;
    let path = format!("/pkg/{chunk}");

    let br = fetch(&app, &path, Some("gzip, deflate, br")).await;
    assert_eq!(br.status(), StatusCode::OK);
    assert_eq!(header(&br, CONTENT_ENCODING), "br");
    assert_eq!(header(&br, CONTENT_TYPE), "application/wasm");
    assert_eq!(
        header(&br, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&br, VARY), "accept-encoding");
    assert_eq!(br.bytes().await.expect("body").as_ref(), b"brotli bytes");

    let gz = fetch(&app, &path, Some("gzip")).await;
    assert_eq!(header(&gz, CONTENT_ENCODING), "gzip");
    assert_eq!(gz.bytes().await.expect("body").as_ref(), b"gzip bytes");

    let plain = fetch(&app, &path, None).await;
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    assert_eq!(plain.bytes().await.expect("body").as_ref(), CHUNK);

    // Named before its content changed: kept, but asked about before use.
    let js = fetch(&app, &format!("/pkg/{main_js}"), Some("br")).await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(header(&js, CACHE_CONTROL), "no-cache");

    // Not precompressed and not hashed (a build without --precompress or hash-files):
    // compressed on the way out, and revalidated.
    let css = fetch(&app, "/pkg/pacer.css", Some("gzip, br")).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(header(&css, CONTENT_ENCODING), "br");
    assert_eq!(header(&css, CACHE_CONTROL), "no-cache");

    // Signing in is not needed for the code, and a missing file is a plain 404.
    let missing = fetch(&app, "/pkg/pacer.Zm9vYmFyYmF6cXV4MTIzND.wasm", Some("br")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&missing, CACHE_CONTROL), "");
}

/// With hashed names switched on but no hash file beside the binary, the server says so and
/// does not start (Leptos would otherwise fail on the first page).
#[tokio::test]
async fn hashed_names_without_their_hash_file_stop_the_start_with_a_reason() {
    let (database_url, _dir) = fresh_database(Backend::Sqlite).await;
    let mut options = leptos_options();
    options.hash_files = true;
    options.hash_file = "no-such-hash-file.txt".into();
    let settings = test_settings(database_url, options);
    let err = match server::startup::Application::build(settings).await {
        Ok(_) => panic!("started without its hash file"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("no-such-hash-file.txt"), "{err}");
    assert!(err.contains("LEPTOS_HASH_FILES"), "{err}");
}

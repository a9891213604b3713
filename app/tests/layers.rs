//! The layers point one way (README, "What is in the box"): a file may name only the layers
//! below its own. Read from the source text, so an import that points up fails here, with the
//! file and line, before it can become a cycle.

use std::fs;
use std::path::{Path, PathBuf};

/// Each layer of `app/src`, and the layers of the crate it must not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "model",
            "repo",
            "service",
            "api",
            "pages",
            "components",
            "providers",
            "db",
            "auth",
            "state",
        ],
    ),
    (
        "model",
        &[
            "repo",
            "service",
            "api",
            "pages",
            "components",
            "providers",
            "db",
            "auth",
            "state",
        ],
    ),
    (
        "db",
        &[
            "model",
            "repo",
            "service",
            "api",
            "pages",
            "components",
            "providers",
            "auth",
            "state",
        ],
    ),
    (
        "repo",
        &[
            "service",
            "api",
            "pages",
            "components",
            "providers",
            "auth",
            "state",
        ],
    ),
    (
        "service",
        &["api", "pages", "components", "providers", "state"],
    ),
    ("api", &["repo", "pages", "components", "providers"]),
];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Lines of `file` that name `crate::{layer}` for one of the `forbidden` layers.
fn violations(file: &Path, forbidden: &[&str]) -> Vec<String> {
    let text = fs::read_to_string(file).expect("readable source");
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter_map(|(n, line)| {
            forbidden
                .iter()
                .find(|layer| {
                    line.contains(&format!("crate::{layer}::"))
                        || line.contains(&format!("crate::{layer};"))
                        || line.contains(&format!("crate::{{{layer}"))
                        || line.contains(&format!("crate::{layer}}}"))
                })
                .map(|layer| {
                    format!(
                        "{}:{}: names {layer}: {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    )
                })
        })
        .collect()
}

#[test]
fn layers_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for (layer, forbidden) in RULES {
        let dir = src.join(layer);
        assert!(
            dir.is_dir(),
            "the layer {layer} is missing at {}",
            dir.display()
        );
        for file in rust_files(&dir) {
            found.extend(violations(&file, forbidden));
        }
    }
    assert!(
        found.is_empty(),
        "imports that point up:\n{}",
        found.join("\n")
    );
}

/// The server crate's doors (the JSON API, the exports, the upload, the sign-in gate) go
/// through the service layer too: none of them names the repository.
#[test]
fn the_server_doors_call_services() {
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src");
    let mut doors = rust_files(&server.join("api_v1"));
    doors.extend(["export.rs", "import.rs", "sign_in.rs"].map(|f| server.join(f)));
    let found: Vec<String> = doors
        .iter()
        .flat_map(|file| {
            let text = fs::read_to_string(file).expect("readable source");
            text.lines()
                .enumerate()
                .filter(|(_, line)| {
                    line.contains("app::repo") && !line.trim_start().starts_with("//")
                })
                .map(|(n, line)| format!("{}:{}: {}", file.display(), n + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        found.is_empty(),
        "doors that skip the service layer:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_import_that_points_up() {
    let dir = std::env::temp_dir().join(format!("pacer-layers-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("up.rs");
    fs::write(
        &file,
        "use crate::api::pipeline::move_opportunity;\n// crate::api:: in a comment\n",
    )
    .unwrap();
    let found = violations(&file, &["api"]);
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
}

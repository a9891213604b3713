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
            "mail",
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
            "mail",
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
            "mail",
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
            "mail",
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

/// The first segments of every path `text` names under `root` (`crate`, `app`): `crate::repo::x`
/// names `repo`, and `crate::{auth, repo::users}` names `auth` and `repo`, over several lines
/// too. Comments are skipped. Answers (line, segment).
fn named(text: &str, root: &str) -> Vec<(usize, String)> {
    let code: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let prefix = format!("{root}::");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find(&prefix) {
        let at = from + i;
        from = at + prefix.len();
        // `crate::` inside a longer name (`mycrate::`) is not ours.
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        let name: String = group[j..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        found.push((line_of(from + 1 + j), name));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push((line_of(at), name));
        }
    }
    found
}

/// Where `file` names one of the `forbidden` layers under `root`.
fn violations(file: &Path, root: &str, forbidden: &[&str]) -> Vec<String> {
    let text = fs::read_to_string(file).expect("readable source");
    named(&text, root)
        .into_iter()
        .filter(|(_, name)| forbidden.contains(&name.as_str()))
        .map(|(line, name)| format!("{}:{line}: names {name}", file.display()))
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
            found.extend(violations(&file, "crate", forbidden));
        }
    }
    assert!(
        found.is_empty(),
        "imports that point up:\n{}",
        found.join("\n")
    );
}

/// The server crate's doors (the JSON API, the exports, the upload, the sign-in gate) go
/// through the service layer too: none of them names the repository or the database's
/// statements.
#[test]
fn the_server_doors_call_services() {
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src");
    let mut doors = rust_files(&server.join("api_v1"));
    doors.extend(["export.rs", "import.rs", "sign_in.rs"].map(|f| server.join(f)));
    let found: Vec<String> = doors
        .iter()
        .flat_map(|file| violations(file, "app", &["repo"]))
        .collect();
    assert!(
        found.is_empty(),
        "doors that skip the service layer:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_import_that_points_up() {
    let text = "use crate::api::pipeline::move_opportunity;\n\
                // crate::api:: in a comment\n\
                use crate::{\n    auth,\n    repo::users,\n};\n\
                let x = mycrate::api::f();\n";
    let names: Vec<(usize, String)> = named(text, "crate");
    assert_eq!(
        names,
        vec![(1, "api".into()), (4, "auth".into()), (5, "repo".into())]
    );
}

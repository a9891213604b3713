//! A request fuzzer over every server function: whatever a client sends, the answer is a
//! clear 2xx or 4xx, never a 5xx. The functions and their argument names are read from the
//! sources (`app/src/api/*.rs`), so a new server function is fuzzed from the day it lands.

use crate::both_backends;
use crate::helpers::*;
use reqwest::StatusCode;

both_backends!(no_input_makes_a_server_function_fail_with_a_5xx);

/// A server function as the fuzzer sees it.
struct Function {
    endpoint: String,
    arguments: Vec<String>,
    /// Takes a JSON body (`input = Json`) rather than a form.
    json: bool,
}

/// Every `#[server(endpoint = "…")]` function.
fn server_functions() -> Vec<Function> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../app/src/api");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the api sources") {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split("endpoint = \"").skip(1) {
            let endpoint = part.split('"').next().unwrap().to_string();
            let json = part.split(']').next().unwrap_or("").contains("Json");
            let Some(start) = part.find("pub async fn ") else {
                continue;
            };
            let signature = &part[start..];
            let open = signature.find('(').unwrap();
            let mut depth = 0;
            let mut close = open;
            for (i, c) in signature[open..].char_indices() {
                match c {
                    '(' | '<' => depth += 1,
                    ')' | '>' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    close = open + i;
                    break;
                }
            }
            let arguments = signature[open + 1..close]
                .split(',')
                .filter_map(|a| a.split(':').next())
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty() && !a.starts_with('#'))
                .collect();
            found.push(Function {
                endpoint,
                arguments,
                json,
            });
        }
    }
    assert!(found.len() > 40, "the parser found the server functions");
    assert!(found.iter().any(|f| f.json), "and the JSON ones among them");
    found
}

/// Values that have broken parsers somewhere: signs, overflow, odd dates, huge and hostile
/// text, markup, control characters.
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "2",
    "-1",
    "3.5",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999999",
    "1e308",
    "NaN",
    "true",
    "null",
    "2026-02-30",
    "2026-12-31",
    "-0001-01-01",
    "+10000-01-01",
    "2026-11-30T10:00:00Z",
    "1 000,50",
    "€ 12",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "=HYPERLINK(\"x\")",
    "\u{0}",
    "🦀",
    "agreed",
    "rep",
    "admin",
    "mine",
    "unit-1",
    "turnover",
    "plus",
    "week",
];

/// Field names nested arguments (`input[…]`) and flattened ones are made of.
const FIELDS: &[&str] = &[
    "name",
    "email",
    "role",
    "unit",
    "statement",
    "metric",
    "value",
    "currency",
    "starts_on",
    "ends_on",
    "client_id",
    "customer_id",
    "device_time",
    "lat",
    "lon",
    "accuracy_m",
    "outcome",
    "notes",
    "next_step",
    "title",
    "probability",
    "expected_close_on",
    "kind",
    "position",
    "rotting_days",
    "green_pct",
    "amber_pct",
    "fiscal_start_month",
    "holidays",
    "min_change_pct",
];

/// A small deterministic generator: the same seed, the same requests (a failure names its
/// round, so it can be replayed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % 1_000_003).unwrap()
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() % from.len()]
    }

    /// A JSON value: text, a number, null, or an object of known fields.
    fn json(&mut self, depth: u32) -> serde_json::Value {
        match self.next() % 6 {
            0 => serde_json::Value::Null,
            1 => serde_json::json!(self.pick(VALUES).parse::<f64>().unwrap_or(-1.5)),
            2 | 3 if depth == 0 => {
                let mut object = serde_json::Map::new();
                for _ in 0..self.next() % 8 {
                    object.insert(self.pick(FIELDS).to_string(), self.json(depth + 1));
                }
                serde_json::Value::Object(object)
            }
            _ => serde_json::Value::String(self.value()),
        }
    }

    fn value(&mut self) -> String {
        match self.next() % 20 {
            0 => "x".repeat(5_000 + self.next() % 60_000),
            1 => format!("{}{}", self.pick(VALUES), self.pick(VALUES)),
            _ => self.pick(VALUES).to_string(),
        }
    }
}

/// Functions that would end the fuzzing caller's own session or standing.
const LEFT_OUT: &[&str] = &["logout", "change_password", "deactivate_person"];

async fn no_input_makes_a_server_function_fail_with_a_5xx(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let functions = server_functions();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut requests = 0;
    for email in [ADMIN, MANAGER_NORTH, REP_N1] {
        let client = signed_in(&app, email).await;
        for round in 0..30 {
            for function in &functions {
                let Function {
                    endpoint,
                    arguments,
                    json,
                } = function;
                if LEFT_OUT.contains(&endpoint.as_str()) {
                    continue;
                }
                let mut form: Vec<(String, String)> = Vec::new();
                let mut body = serde_json::Map::new();
                for argument in arguments {
                    if *json {
                        if !rng.next().is_multiple_of(6) {
                            body.insert(argument.clone(), rng.json(0));
                        }
                        continue;
                    }
                    match rng.next() % 6 {
                        // Left out: a missing argument.
                        0 => {}
                        // As a nested struct's fields.
                        1 | 2 => {
                            for _ in 0..1 + rng.next() % 4 {
                                let field = rng.pick(FIELDS);
                                form.push((format!("{argument}[{field}]"), rng.value()));
                            }
                        }
                        _ => form.push((argument.clone(), rng.value())),
                    }
                }
                // Stray fields, as a flattened struct's or as junk.
                for _ in 0..rng.next() % 3 {
                    form.push((rng.pick(FIELDS).to_string(), rng.value()));
                }
                let request = client.post(format!("{}/api/{endpoint}", app.address));
                let request = if *json {
                    form = vec![(
                        "json".into(),
                        serde_json::Value::Object(body.clone()).to_string(),
                    )];
                    request.json(&body)
                } else {
                    request.form(&form)
                };
                let response = request.send().await.expect("an answer");
                requests += 1;
                let status = response.status();
                let shown: Vec<(String, String)> = form
                    .iter()
                    .map(|(k, v)| (k.clone(), v.chars().take(40).collect()))
                    .collect();
                assert!(
                    status < StatusCode::INTERNAL_SERVER_ERROR,
                    "{email} round {round}: /api/{endpoint} {shown:?} → {status}: {}",
                    response
                        .text()
                        .await
                        .unwrap_or_default()
                        .chars()
                        .take(300)
                        .collect::<String>()
                );
            }
        }
    }
    assert!(requests > 1_500, "{requests} requests");
}

//! The API's description: an OpenAPI 3.1 document generated from the handlers (utoipa) at
//! `/api/v1/openapi.json`, and the same document as a page people read at `/api/v1/docs`.

use super::{activities, customers, opportunities, targets, DivergedBody, ErrorBody};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::LazyLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pacer API",
        version = "1",
        description = "Targets, pipeline, customers and visits of a sales organisation.\n\n\
Authenticate with an API token (created by a manager or admin under Settings → API tokens) \
as `Authorization: Bearer pacer_…`. A token has the rights of a role over part of the \
organisation, exactly as a person with that role there: what it cannot see answers 404, \
what its role may not do 403; a bulk write or a draft naming something out of its reach is \
refused whole with 422 and the item named. Each token may make a limited number of requests per second; over \
it the answer is 429 with `Retry-After` in seconds.\n\n\
Money is a decimal string (`\"1234.50\"`), dates are `YYYY-MM-DD`, times are UTC. Lists \
take `page` (from 1) and `page_size` (1–200, default 50) and say `has_more`. Every error \
is `{\"error\": {\"code\", \"message\", \"field\"}}`, `field` naming the request field at \
fault (`sales[3].amount`); bulk writes list every problem in `details`.\n\n\
**Sync.** The lists of customers, opportunities, targets, activities and check-ins also \
serve a client that keeps a copy: send `updated_since` (RFC 3339; `1970-01-01T00:00:00Z` for \
everything) instead of `page`, then send each answer's `next_cursor` back as `cursor`, until \
`has_more` is false; keep the last cursor for the next run. A page holds the records changed \
since (`items`, oldest change first, each with `updated_at`) and the records gone from your \
view (`deleted`: deleted, or now owned outside it, with `reason`); each record at most once \
per page, in its latest state. Followed cursor by cursor, every change is seen exactly once, \
also while others write. Names a record carries (`customer_name`, `owner_name`, …) are as of \
its own last change: join by id. A sync reads everything in your view: its lists take no filters \
(filter on your side); a cursor serves the list and the view it was made for, and after your \
role or unit changed it answers 410: start again from `updated_since`. The plus/minus list \
is an analysis of a period, and the stages are settings: read them whole.\n\n\
**Webhooks.** An admin subscribes an address to events under Settings → Webhooks. Pacer POSTs \
each event there as JSON (see `webhooks` in this document), each subscription's events one \
after another in the order they happened (exactly for each record; two records changed at \
the same instant may come with their ids out of order), signed in `Pacer-Signature`, at least \
once: skip a `Pacer-Delivery` you already took (by the set of ids, not the highest). An answer \
other than \
2xx is retried later and later; after a day of failures the subscription is paused, its \
events keep waiting, and the admins read it in their morning mail. Redirects are not followed."
    ),
    paths(
        super::me,
        customers::list,
        customers::plus_minus,
        customers::upsert,
        customers::sales,
        opportunities::stages,
        opportunities::list,
        opportunities::read,
        opportunities::create,
        opportunities::update,
        opportunities::move_stage,
        targets::list,
        targets::read,
        targets::create,
        activities::list,
        activities::read,
        activities::create,
        activities::list_check_ins,
        activities::read_check_in,
        activities::check_in,
    ),
    components(schemas(
        ErrorBody,
        DivergedBody,
        customers::Segment,
        customers::PlusMinusList,
        opportunities::StageKindParam,
        targets::TargetView,
        targets::TargetStatusParam,
        activities::ActivityKindParam,
        activities::ActivityOutcomeParam,
    )),
    tags(
        (name = "account", description = "Who the caller is"),
        (name = "customers", description = "Customers, turnover, plus/minus and trend lists, bulk writes"),
        (name = "opportunities", description = "The pipeline"),
        (name = "targets", description = "SMART targets with progress and forecast"),
        (name = "activities", description = "Visits, calls, meetings, check-ins"),
    )
)]
struct ApiDoc;

/// The errors every operation may answer, beside its own.
const ERRORS: [(&str, &str); 8] = [
    (
        "400",
        "The request could not be read (a parameter of the wrong type, malformed JSON)",
    ),
    ("401", "No valid API token (or session)"),
    ("403", "The token's role may not do this"),
    ("404", "Not there, or not visible to this token"),
    (
        "409",
        "Changed by someone else since the version sent, or already in that state",
    ),
    ("413", "The body is larger than the server accepts"),
    ("422", "A field is invalid; `field` names it"),
    (
        "429",
        "Over the token's rate limit; retry after `Retry-After` seconds",
    ),
];

/// The document, built once: utoipa's output plus the security scheme and the shared errors.
static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let mut spec = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    spec["components"]["securitySchemes"] = json!({
        "bearer": { "type": "http", "scheme": "bearer", "description": "An API token, pacer_…" }
    });
    spec["security"] = json!([{ "bearer": [] }]);
    let error = |description: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
        })
    };
    if let Some(paths) = spec["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for operation in item.values_mut() {
                let has_body = operation.get("requestBody").is_some();
                let syncs = operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "cursor"));
                let Some(responses) = operation["responses"].as_object_mut() else {
                    continue;
                };
                for (status, description) in ERRORS {
                    responses
                        .entry(status)
                        .or_insert_with(|| error(description));
                }
                if syncs {
                    responses.entry("410").or_insert_with(|| {
                        error("The cursor was made for another view (your role or unit changed): start again from `updated_since`")
                    });
                }
                if has_body {
                    responses
                        .entry("415")
                        .or_insert_with(|| error("The body is not JSON"));
                }
                responses["429"]["headers"] = json!({
                    "Retry-After": { "description": "Seconds to wait", "schema": { "type": "integer" } }
                });
            }
        }
    }
    spec["webhooks"] = webhooks();
    spec
});

/// The events Pacer sends to webhook subscriptions (OpenAPI 3.1 `webhooks`).
fn webhooks() -> Value {
    let mut hooks = serde_json::Map::new();
    for (event, meaning) in app::model::webhooks::EVENTS {
        let data = match event {
            "target.status_changed" => json!({
                "type": "object",
                "properties": {
                    "target_id": { "type": "integer" },
                    "statement": { "type": "string" },
                    "from_status": { "type": "string" },
                    "to_status": { "type": "string", "description": "`proposed`, `changes_requested`, `agreed`, `achieved` or `missed`" },
                    "version": { "type": "integer" }
                }
            }),
            _ => json!({
                "type": "object",
                "properties": {
                    "opportunity_id": { "type": "integer" },
                    "title": { "type": "string" },
                    "customer_id": { "type": "integer" },
                    "owner_id": { "type": "integer" },
                    "from_stage_id": { "type": "integer" },
                    "to_stage_id": { "type": "integer" },
                    "to_stage": { "type": "string" },
                    "value": { "type": "string", "description": "Decimal string in `currency`" },
                    "currency": { "type": "string" },
                    "version": { "type": "integer" }
                }
            }),
        };
        hooks.insert(
            event.to_string(),
            json!({ "post": {
                "summary": meaning,
                "operationId": format!("webhook_{}", event.replace('.', "_")),
                "parameters": [
                    { "in": "header", "name": "Pacer-Event", "required": true, "schema": { "type": "string", "const": event } },
                    { "in": "header", "name": "Pacer-Delivery", "required": true,
                      "description": "The delivery's id, the same on every attempt: skip one you already took",
                      "schema": { "type": "string" } },
                    { "in": "header", "name": "Pacer-Signature", "required": true,
                      "description": "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" keyed with the subscription's secret>`: check it, and refuse old `t` against replay",
                      "schema": { "type": "string" } }
                ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object",
                    "required": ["id", "event", "created_at", "data"],
                    "properties": {
                        "id": { "type": "integer", "description": "As `Pacer-Delivery`; grows with every event of a subscription" },
                        "event": { "type": "string", "const": event },
                        "created_at": { "type": "string", "format": "date-time" },
                        "data": data
                    }
                } } } },
                "responses": {
                    "2XX": { "description": "Taken: the next event follows" },
                    "default": { "description": "Not taken: sent again later (30 s, then twice as long each time, at most an hour apart), and nothing after it goes first; failing for a day pauses the subscription" }
                }
            } }),
        );
    }
    Value::Object(hooks)
}

pub fn spec_value() -> &'static Value {
    &SPEC
}

/// `GET /api/v1/openapi.json`: public, so tools can read it before they have a token.
pub async fn spec() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        SPEC.to_string(),
    )
        .into_response()
}

use app::domain::html::escape as esc;

/// A schema in a few words: `OpportunityPage`, `array of StageOut`, `string (date)`.
fn type_name(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(options) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        return options
            .iter()
            .map(type_name)
            .collect::<Vec<_>>()
            .join(" or ");
    }
    if let Some(all) = schema["allOf"].as_array() {
        return all.iter().map(type_name).collect::<Vec<_>>().join(" + ");
    }
    if let Some(values) = schema["enum"].as_array() {
        return values
            .iter()
            .filter_map(|v| v.as_str())
            .map(|v| format!("<code>{}</code>", esc(v)))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let kind = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any".into(),
    };
    let kind = if kind.starts_with("array") {
        format!("array of {}", type_name(&schema["items"]))
    } else {
        kind
    };
    match schema["format"].as_str() {
        Some(f) => format!("{kind} ({})", esc(f)),
        None => kind,
    }
}

fn text(value: &Value) -> String {
    esc(value.as_str().unwrap_or_default()).replace("\n\n", "<br><br>")
}

/// `GET /api/v1/docs`: every operation with its parameters, body and answers, then every
/// schema with its fields, from the same document the JSON serves.
pub async fn page() -> impl axum::response::IntoResponse {
    // A page without scripts whose styles are inline: its own policy says exactly that.
    (
        [(
            axum::http::header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        )],
        document(),
    )
}

fn document() -> Html<String> {
    let spec = &*SPEC;
    let mut out = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Pacer API</title><style>\
         body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2933}\
         h2{margin-top:2.5rem;border-bottom:1px solid #d9e2ec}\
         .op{border:1px solid #d9e2ec;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}\
         .m{display:inline-block;min-width:3.5rem;font-weight:700;text-transform:uppercase}\
         .get{color:#0b6e4f}.post{color:#1d4ed8}.put{color:#b45309}\
         table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eef2f6;vertical-align:top}\
         code{background:#f0f4f8;padding:0 .25rem;border-radius:3px}</style></head><body>",
    );
    out.push_str(&format!(
        "<h1>{} <small>v{}</small></h1><p>{}</p>\
         <p>The machine-readable document: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>",
        text(&spec["info"]["title"]),
        text(&spec["info"]["version"]),
        text(&spec["info"]["description"]),
    ));
    out.push_str("<h2>Endpoints</h2>");
    if let Some(paths) = spec["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                out.push_str(&format!(
                    "<div class=\"op\" id=\"{}-{}\"><div><span class=\"m {method}\">{method}</span> <code>{}</code></div><p>{}</p>",
                    esc(method),
                    esc(&path.replace('/', "-")),
                    esc(path),
                    [text(&op["summary"]), text(&op["description"])]
                        .into_iter()
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join(" "),
                ));
                if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
                    out.push_str(
                        "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>About</th></tr>",
                    );
                    for p in params {
                        out.push_str(&format!(
                            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            text(&p["name"]),
                            if p["required"].as_bool() == Some(true) {
                                " (required)"
                            } else {
                                ""
                            },
                            text(&p["in"]),
                            type_name(&p["schema"]),
                            text(&p["description"]),
                        ));
                    }
                    out.push_str("</table>");
                }
                if let Some(body) =
                    op["requestBody"]["content"]["application/json"]["schema"].as_object()
                {
                    out.push_str(&format!(
                        "<p>Body: {}</p>",
                        type_name(&Value::Object(body.clone()))
                    ));
                }
                if let Some(responses) = op["responses"].as_object() {
                    let answers: Vec<String> = responses
                        .iter()
                        .map(|(status, r)| {
                            let schema = &r["content"]["application/json"]["schema"];
                            let body = if schema.is_null() {
                                String::new()
                            } else {
                                format!(": {}", type_name(schema))
                            };
                            format!(
                                "<code>{}</code> {}{body}",
                                esc(status),
                                text(&r["description"])
                            )
                        })
                        .collect();
                    out.push_str(&format!("<p>Answers: {}</p>", answers.join("; ")));
                }
                out.push_str("</div>");
            }
        }
    }
    out.push_str("<h2>Webhooks</h2><p>What Pacer sends to a subscribed address.</p>");
    if let Some(hooks) = spec["webhooks"].as_object() {
        for (event, item) in hooks {
            let op = &item["post"];
            out.push_str(&format!(
                "<div class=\"op\" id=\"webhook-{0}\"><div><span class=\"m post\">post</span> <code>{0}</code></div><p>{1}</p>\
                 <table><tr><th>Header</th><th>About</th></tr>",
                esc(event),
                text(&op["summary"])
            ));
            for p in op["parameters"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td></tr>",
                    text(&p["name"]),
                    text(&p["description"])
                ));
            }
            out.push_str("</table><table><tr><th>Body field</th><th>Type</th><th>About</th></tr>");
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            let fields = body["properties"].as_object().into_iter().flatten().chain(
                body["properties"]["data"]["properties"]
                    .as_object()
                    .into_iter()
                    .flatten(),
            );
            for (field, p) in fields.filter(|(f, _)| f.as_str() != "data") {
                out.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    esc(field),
                    type_name(p),
                    text(&p["description"])
                ));
            }
            out.push_str("</table></div>");
        }
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = spec["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            out.push_str(&format!(
                "<div class=\"op\" id=\"schema-{0}\"><strong>{0}</strong> {1}",
                esc(name),
                text(&schema["description"])
            ));
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            if let Some(props) = schema["properties"].as_object() {
                out.push_str("<table><tr><th>Field</th><th>Type</th><th>About</th></tr>");
                for (field, p) in props {
                    out.push_str(&format!(
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            ""
                        } else {
                            " (optional)"
                        },
                        type_name(p),
                        text(&p["description"]),
                    ));
                }
                out.push_str("</table>");
            } else {
                out.push_str(&format!(" — {}", type_name(schema)));
            }
            out.push_str("</div>");
        }
    }
    out.push_str("</body></html>");
    Html(out)
}

//! The OpenAPI document served at `/api/v1/openapi.json` is true: it lists exactly
//! the routes of `ROUTES`, the router answers every documented operation (401 without a
//! token) and refuses every undocumented method, every `$ref` resolves, the document has
//! the OpenAPI 3.1 structure, and real responses of a whole billing flow have the
//! documented statuses and validate against the documented schemas (strictly: a field
//! the schema does not name is an error).
//!
//! `OPENAPI_JSON_OUT=path cargo test -p facturier-server --test openapi` also writes the
//! document to `path` (for `scripts/check-openapi.sh`).

use crate::common;

use common::{TestApp, TestDb, customer_body, line, spawn_app};
use facturier_server::api::ROUTES;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A raw answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    text: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Answer {
    let body = body.map(|b| ("application/json", b.as_bytes().to_vec()));
    send_raw(app, method, path, token, body, headers).await
}

/// Sends a body of any media type (`(content_type, bytes)`).
async fn send_raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> Answer {
    let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut req = app.http.request(m, format!("{}{}", app.base, path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some((content_type, bytes)) = body {
        req = req.header("content-type", content_type).body(bytes);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer { status, content_type, headers, text, bytes }
}

async fn fetch_document(app: &TestApp) -> Value {
    let a = send(app, "get", "/openapi.json", None, None, &[]).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.content_type.starts_with("application/json"), "{}", a.content_type);
    let doc: Value = serde_json::from_str(&a.text).expect("the document is JSON");
    if let Ok(out) = std::env::var("OPENAPI_JSON_OUT") {
        std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).expect("write");
    }
    doc
}

/// (method, path) of every operation of the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                out.insert((method.clone(), path.clone()));
            }
        }
    }
    out
}

fn with_random_ids(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') && s.ends_with('}') { uuid::Uuid::now_v7().to_string() } else { s.to_string() })
        .collect::<Vec<_>>()
        .join("/")
}

// ---- (b) paths and methods are exactly ROUTES --------------------------------------

#[tokio::test]
async fn document_lists_exactly_the_routes() {
    let db = TestDb::sqlite();
    let app = spawn_app(&db).await;
    let doc = fetch_document(&app).await;
    let routes: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    assert_eq!(routes.len(), ROUTES.len(), "ROUTES has duplicates");
    let doc_ops = documented(&doc);
    let missing: Vec<_> = routes.difference(&doc_ops).collect();
    let extra: Vec<_> = doc_ops.difference(&routes).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "not documented: {missing:?}; documented but not routed: {extra:?}"
    );
    for (m, p, summary) in ROUTES.iter() {
        assert_eq!(doc["paths"][p][m]["summary"], json!(summary), "{m} {p}");
    }
}

// ---- (c) every documented operation is routed: 401 without a token -----------------

#[tokio::test]
async fn every_documented_operation_is_routed_and_needs_a_token() {
    let db = TestDb::sqlite();
    let app = spawn_app(&db).await;
    let doc = fetch_document(&app).await;
    let mut failures = Vec::new();
    for (method, path) in documented(&doc) {
        let url = with_random_ids(&path);
        let body = matches!(method.as_str(), "post" | "patch" | "put").then_some("{}");
        for headers in [&[][..], &[("idempotency-key", "k-1")][..]] {
            if !headers.is_empty() && method != "post" {
                continue;
            }
            let a = send(&app, &method, &url, None, body, headers).await;
            let public = doc["paths"][&path][&method]["security"] == json!([]);
            // A public webhook of an unknown company is not found (its signature proves who calls).
            let expected = match (public, path.starts_with("/webhooks/")) {
                (true, true) => 404,
                (true, false) => 200,
                (false, _) => 401,
            };
            if a.status != expected {
                failures.push(format!(
                    "{} {url} {headers:?} → {} (expected {expected}): {}",
                    method.to_uppercase(),
                    a.status,
                    a.text
                ));
            } else if !public {
                assert!(a.content_type.starts_with("application/problem+json"), "{method} {url}: {}", a.content_type);
                assert_eq!(a.json()["status"], json!(401));
            }
        }
        // A wrong token is no better than none.
        let a = send(&app, &method, &url, Some("not-a-token"), body, &[]).await;
        let public = doc["paths"][&path][&method]["security"] == json!([]);
        if !public && a.status != 401 {
            failures.push(format!("{} {url} with a wrong token → {}", method.to_uppercase(), a.status));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---- (d) undocumented methods are refused -------------------------------------------

#[tokio::test]
async fn undocumented_methods_are_refused() {
    let db = TestDb::sqlite();
    let app = spawn_app(&db).await;
    let doc = fetch_document(&app).await;
    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let url = with_random_ids(path);
        let has_get = item.get("get").is_some();
        for method in METHODS {
            if item.get(method).is_some() {
                continue;
            }
            // HTTP serves HEAD wherever GET is served (with an empty body).
            if method == "head" && has_get {
                continue;
            }
            for token in [None, Some(app.token.as_str())] {
                let body = matches!(method, "post" | "patch" | "put").then_some("{}");
                let a = send(&app, method, &url, token, body, &[]).await;
                if !(a.status == 405 || a.status == 404) {
                    failures.push(format!(
                        "{} {url} (token: {}) → {}: {}",
                        method.to_uppercase(),
                        token.is_some(),
                        a.status,
                        a.text
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---- (e) every $ref resolves; (f) OpenAPI 3.1 structure -----------------------------

fn collect_refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push((at.to_string(), x.as_str().unwrap_or("<not a string>").into()));
                } else {
                    collect_refs(x, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_refs(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_ref_resolves_to_a_component() {
    let db = TestDb::sqlite();
    let app = spawn_app(&db).await;
    let doc = fetch_document(&app).await;
    let mut refs = Vec::new();
    collect_refs(&doc, "#", &mut refs);
    assert!(refs.len() > 50, "the document uses components");
    for (at, r) in refs {
        let name =
            r.strip_prefix("#/components/").unwrap_or_else(|| panic!("{at}: {r} is not a reference to a component"));
        let (kind, key) = name.split_once('/').unwrap();
        assert!(["schemas", "parameters", "responses", "headers", "requestBodies"].contains(&kind), "{at}: {r}");
        assert!(!key.contains('/'), "{at}: {r}");
        assert!(doc["components"][kind].get(key).is_some(), "{at}: {r} is not defined");
    }
}

/// Follows a `$ref` (once is enough for parameters, responses and headers).
fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("{r} does not resolve")),
        None => v,
    }
}

const JSON_TYPES: [&str; 7] = ["null", "boolean", "object", "array", "number", "string", "integer"];

/// Checks the JSON Schema keywords this document uses are well formed.
fn check_schema(s: &Value, at: &str) {
    let Some(m) = s.as_object() else {
        assert!(s.is_boolean(), "{at}: a schema is an object or a boolean");
        return;
    };
    if let Some(t) = m.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(a) => a.iter().map(|x| x.as_str().expect("type name")).collect(),
            other => panic!("{at}: type {other}"),
        };
        for t in &types {
            assert!(JSON_TYPES.contains(t), "{at}: unknown type {t}");
        }
        if let Some(Value::Array(e)) = m.get("enum") {
            for v in e {
                assert!(types.iter().any(|t| type_matches(t, v)), "{at}: enum value {v} is not of type {types:?}");
            }
        }
    }
    for k in ["required"] {
        if let Some(r) = m.get(k) {
            let names: Vec<&str> = r
                .as_array()
                .unwrap_or_else(|| panic!("{at}: {k} is an array"))
                .iter()
                .map(|x| x.as_str().expect("a property name"))
                .collect();
            if let Some(Value::Object(props)) = m.get("properties") {
                for n in names {
                    assert!(props.contains_key(n), "{at}: required {n} is not a property");
                }
            }
        }
    }
    if let Some(p) = m.get("pattern") {
        assert!(p.is_string(), "{at}: pattern");
    }
    if let Some(Value::Object(props)) = m.get("properties") {
        for (k, x) in props {
            check_schema(x, &format!("{at}/properties/{k}"));
        }
    }
    for k in ["items", "additionalProperties", "not"] {
        if let Some(x) = m.get(k) {
            check_schema(x, &format!("{at}/{k}"));
        }
    }
    for k in ["anyOf", "oneOf", "allOf"] {
        if let Some(x) = m.get(k) {
            let a = x.as_array().unwrap_or_else(|| panic!("{at}: {k} is an array"));
            assert!(!a.is_empty(), "{at}: {k} is empty");
            for (i, x) in a.iter().enumerate() {
                check_schema(x, &format!("{at}/{k}/{i}"));
            }
        }
    }
    if let Some(r) = m.get("$ref") {
        let r = r.as_str().expect("$ref is a string");
        assert!(r.starts_with("#/components/schemas/"), "{at}: a schema refers to a schema, not {r}");
    }
}

#[tokio::test]
async fn document_has_the_openapi_3_1_structure() {
    let db = TestDb::sqlite();
    let app = spawn_app(&db).await;
    let doc = fetch_document(&app).await;

    assert_eq!(doc["openapi"], json!("3.1.0"));
    assert!(doc["info"]["title"].is_string());
    assert!(doc["info"]["version"].is_string());
    let allowed_top = [
        "openapi",
        "info",
        "jsonSchemaDialect",
        "servers",
        "paths",
        "webhooks",
        "components",
        "security",
        "tags",
        "externalDocs",
    ];
    for k in doc.as_object().unwrap().keys() {
        assert!(allowed_top.contains(&k.as_str()) || k.starts_with("x-"), "unknown top-level field {k}");
    }

    // Security: the bearer scheme, applied globally; only the document itself is public.
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["bearerAuth"]["type"], json!("http"));
    assert_eq!(schemes["bearerAuth"]["scheme"], json!("bearer"));
    assert_eq!(doc["security"], json!([{"bearerAuth": []}]));
    for req in doc["security"].as_array().unwrap() {
        for name in req.as_object().unwrap().keys() {
            assert!(schemes.contains_key(name), "security scheme {name}");
        }
    }

    let tag_list: Vec<&str> = doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let tags: BTreeSet<&str> = tag_list.iter().copied().collect();
    // The OpenAPI validator refuses a tag named twice.
    assert_eq!(tags.len(), tag_list.len(), "tag names are unique: {tag_list:?}");
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with('/'), "{path}");
        let template: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(String::from)
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{} {path}", method.to_uppercase());
            assert!(METHODS.contains(&method.as_str()), "{at}: not a method");
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{at}: operationId"));
            assert!(operation_ids.insert(id), "{at}: operationId {id} is repeated");
            assert!(op["summary"].is_string(), "{at}: summary");
            for t in op["tags"].as_array().unwrap() {
                assert!(tags.contains(t.as_str().unwrap()), "{at}: tag {t}");
            }

            // Parameters: well formed, unique, the path template's exactly.
            let mut seen = BTreeSet::new();
            let mut path_params = BTreeSet::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let p = deref(&doc, p);
                let name = p["name"].as_str().unwrap_or_else(|| panic!("{at}: name"));
                let location = p["in"].as_str().unwrap_or_else(|| panic!("{at}: in"));
                assert!(["path", "query", "header", "cookie"].contains(&location), "{at}: in {location}");
                assert!(seen.insert((name.to_string(), location.to_string())), "{at}: parameter {name} repeated");
                assert!(p.get("schema").is_some(), "{at}: {name} has a schema");
                check_schema(&p["schema"], &format!("{at} {name}"));
                if location == "path" {
                    assert_eq!(p["required"], json!(true), "{at}: {name} is required");
                    path_params.insert(name.to_string());
                }
            }
            assert_eq!(path_params, template, "{at}: path parameters");
            let idempotency = seen.contains(&("Idempotency-Key".into(), "header".into()));
            assert_eq!(idempotency, method == "post", "{at}: Idempotency-Key on every POST (and only there)");

            if let Some(b) = op.get("requestBody") {
                let content = b["content"].as_object().unwrap_or_else(|| panic!("{at}: content"));
                assert!(!content.is_empty());
                for (media, m) in content {
                    check_schema(&m["schema"], &format!("{at} body {media}"));
                }
                assert!(["post", "put", "patch"].contains(&method.as_str()), "{at}: a body");
            }

            // Responses: at least one, with status codes and descriptions.
            let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{at}: responses"));
            assert!(!responses.is_empty(), "{at}: no response");
            let public = op.get("security") == Some(&json!([]));
            for (code, r) in responses {
                let ok = code == "default"
                    || (code.len() == 3
                        && code.chars().all(|c| c.is_ascii_digit())
                        && ('1'..='5').contains(&code.chars().next().unwrap()));
                assert!(ok, "{at}: response code {code}");
                let r = deref(&doc, r);
                assert!(r["description"].is_string(), "{at} {code}: description");
                for (media, m) in r.get("content").and_then(Value::as_object).into_iter().flatten() {
                    check_schema(&m["schema"], &format!("{at} {code} {media}"));
                    if code.starts_with('4') {
                        assert_eq!(media, "application/problem+json", "{at} {code}");
                    }
                }
                if code == "204" {
                    assert!(r.get("content").is_none(), "{at}: 204 has no content");
                }
            }
            let codes: BTreeSet<&str> = responses.keys().map(String::as_str).collect();
            assert_eq!(codes.iter().filter(|c| c.starts_with('2')).count(), 1, "{at}: one success status");
            assert_eq!(codes.contains("401"), !public, "{at}: 401 iff secured");
            if !public && op.get("security").is_some() {
                panic!("{at}: only public operations override security");
            }
            if method == "post" {
                assert!(codes.contains("409") && codes.contains("422"), "{at}");
            }
            if op.get("requestBody").is_some() {
                assert!(codes.contains("400") && codes.contains("422"), "{at}");
            }
            if !template.is_empty() {
                assert!(codes.contains("404"), "{at}: unknown id");
            }
            if method == "delete" {
                assert!(codes.contains("204"), "{at}: 204 on delete");
            }
        }
    }
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        check_schema(s, &format!("#/components/schemas/{name}"));
    }
}

// ---- real responses follow the document ---------------------------------------------

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "string" => v.is_string(),
        _ => false,
    }
}

fn is_decimal(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut parts = t.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    !t.is_empty() && t != "." && int.chars().all(|c| c.is_ascii_digit()) && frac.chars().all(|c| c.is_ascii_digit())
}

/// A small JSON Schema validator for the keywords the document uses. `strict`: an
/// object schema without `additionalProperties` allows no field it does not name.
struct Validator<'a> {
    doc: &'a Value,
    strict: bool,
}

impl Validator<'_> {
    fn errors(&self, schema: &Value, v: &Value) -> Vec<String> {
        let mut e = Vec::new();
        self.check(schema, v, "$", &mut e);
        e
    }

    fn check(&self, s: &Value, v: &Value, at: &str, e: &mut Vec<String>) {
        let Some(m) = s.as_object() else {
            if s == &json!(false) {
                e.push(format!("{at}: not allowed"));
            }
            return;
        };
        if let Some(r) = m.get("$ref").and_then(Value::as_str) {
            match self.doc.pointer(r.trim_start_matches('#')) {
                Some(target) => self.check(target, v, at, e),
                None => e.push(format!("{at}: {r} does not resolve")),
            }
        }
        if let Some(t) = m.get("type") {
            let ok = match t {
                Value::String(t) => type_matches(t, v),
                Value::Array(a) => a.iter().any(|t| type_matches(t.as_str().unwrap_or(""), v)),
                _ => false,
            };
            if !ok {
                e.push(format!("{at}: {v} is not of type {t}"));
                return;
            }
        }
        if let Some(Value::Array(options)) = m.get("enum")
            && !options.contains(v)
        {
            e.push(format!("{at}: {v} is not one of {options:?}"));
        }
        if let Some(c) = m.get("const")
            && c != v
        {
            e.push(format!("{at}: {v} is not {c}"));
        }
        if let Some(Value::Array(a)) = m.get("allOf") {
            for x in a {
                self.check(x, v, at, e);
            }
        }
        if let Some(Value::Array(a)) = m.get("anyOf")
            && !a.iter().any(|x| self.errors(x, v).is_empty())
        {
            let why: Vec<_> = a.iter().map(|x| self.errors(x, v)).collect();
            e.push(format!("{at}: matches no anyOf branch: {why:?}"));
        }
        if let Some(Value::Array(a)) = m.get("oneOf") {
            let n = a.iter().filter(|x| self.errors(x, v).is_empty()).count();
            if n != 1 {
                e.push(format!("{at}: matches {n} oneOf branches"));
            }
        }
        match v {
            Value::String(s) => {
                let n = s.chars().count() as u64;
                if let Some(min) = m.get("minLength").and_then(Value::as_u64)
                    && n < min
                {
                    e.push(format!("{at}: {s:?} is shorter than {min}"));
                }
                if let Some(max) = m.get("maxLength").and_then(Value::as_u64)
                    && n > max
                {
                    e.push(format!("{at}: {s:?} is longer than {max}"));
                }
                let ok = match m.get("format").and_then(Value::as_str) {
                    Some("uuid") => uuid::Uuid::parse_str(s).is_ok(),
                    Some("date") => {
                        s.len() == 10
                            && time::Date::parse(s, &time::format_description::well_known::Iso8601::DATE).is_ok()
                    }
                    Some("date-time") => {
                        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
                    }
                    Some("email") => s.contains('@'),
                    Some("decimal") => is_decimal(s),
                    _ => true,
                };
                if !ok {
                    e.push(format!("{at}: {s:?} is not a {}", m["format"]));
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                if let Some(min) = m.get("minimum").and_then(Value::as_f64)
                    && x < min
                {
                    e.push(format!("{at}: {x} < {min}"));
                }
                if let Some(max) = m.get("maximum").and_then(Value::as_f64)
                    && x > max
                {
                    e.push(format!("{at}: {x} > {max}"));
                }
            }
            Value::Array(a) => {
                if let Some(max) = m.get("maxItems").and_then(Value::as_u64)
                    && a.len() as u64 > max
                {
                    e.push(format!("{at}: more than {max} items"));
                }
                if let Some(items) = m.get("items") {
                    for (i, x) in a.iter().enumerate() {
                        self.check(items, x, &format!("{at}[{i}]"), e);
                    }
                }
            }
            Value::Object(o) => {
                for r in m.get("required").and_then(Value::as_array).into_iter().flatten() {
                    let r = r.as_str().unwrap_or("");
                    if !o.contains_key(r) {
                        e.push(format!("{at}: {r} is required"));
                    }
                }
                let props = m.get("properties").and_then(Value::as_object);
                for (k, x) in o {
                    match props.and_then(|p| p.get(k)) {
                        Some(ps) => self.check(ps, x, &format!("{at}.{k}"), e),
                        None => match m.get("additionalProperties") {
                            Some(Value::Bool(false)) => e.push(format!("{at}: {k} is not allowed")),
                            Some(extra) => self.check(extra, x, &format!("{at}.{k}"), e),
                            // Only where the schema describes an object's fields.
                            None if self.strict && props.is_some() => e.push(format!("{at}: {k} is not documented")),
                            None => {}
                        },
                    }
                }
            }
            _ => {}
        }
    }
}

/// Calls the API like a client would, checking each exchange against the document.
struct Client<'a> {
    app: &'a TestApp,
    doc: &'a Value,
    /// (method, path template) → statuses seen.
    seen: BTreeMap<(String, String), BTreeSet<u16>>,
}

impl Client<'_> {
    fn operation(&self, method: &str, template: &str) -> &Value {
        self.doc["paths"]
            .get(template)
            .and_then(|p| p.get(method))
            .unwrap_or_else(|| panic!("{method} {template} is not documented"))
    }

    /// Sends `body` (checked against the request schema when `valid_body`) and checks
    /// the answer: a documented status, a documented media type, a body of the
    /// documented schema. `id` replaces `{id}` in the template.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        id: Option<&str>,
        query: &str,
        token: Option<&str>,
        body: Option<&str>,
        valid_body: bool,
        headers: &[(&str, &str)],
    ) -> Answer {
        let op = self.operation(method, template).clone();
        let at = format!("{} {template}", method.to_uppercase());
        if let (Some(b), true) = (body, valid_body) {
            let media = &op["requestBody"]["content"]["application/json"];
            assert!(media.is_object(), "{at}: a JSON body is documented");
            let v: Value = serde_json::from_str(b).unwrap();
            let errs = Validator { doc: self.doc, strict: false }.errors(&media["schema"], &v);
            assert!(errs.is_empty(), "{at}: the request body does not follow the document: {errs:#?}\n{b}");
        }
        // `id` replaces the path parameter (`{id}`, `{kind}`).
        let path = match id {
            Some(id) => {
                template.split('/').map(|s| if s.starts_with('{') { id } else { s }).collect::<Vec<_>>().join("/")
            }
            None => template.to_string(),
        };
        let a = send(self.app, method, &format!("{path}{query}"), token, body, headers).await;
        self.check(method, template, query, a)
    }

    /// Sends a file as the body (checked against the documented media types).
    async fn file(&mut self, method: &str, template: &str, content_type: &str, bytes: &[u8]) -> Answer {
        let op = self.operation(method, template).clone();
        let documented = op["requestBody"]["content"].as_object().map(|c| c.contains_key(content_type));
        assert_eq!(documented, Some(true), "{method} {template}: {content_type} is not a documented body");
        let token = self.app.token.clone();
        let a = send_raw(self.app, method, template, Some(&token), Some((content_type, bytes.to_vec())), &[]).await;
        self.check(method, template, "", a)
    }

    /// Checks an answer against the document: a documented status, a documented media
    /// type, a body of the documented schema.
    fn check(&mut self, method: &str, template: &str, query: &str, a: Answer) -> Answer {
        let op = self.operation(method, template).clone();
        let at = format!("{} {template}", method.to_uppercase());
        let code = a.status.to_string();
        let response = op["responses"]
            .get(&code)
            .unwrap_or_else(|| panic!("{at}{query} answered {} which is not documented: {}", a.status, a.text));
        let response = deref(self.doc, response);
        match response.get("content").and_then(Value::as_object) {
            None => assert!(a.text.is_empty(), "{at}: {code} documents no content, got {}", a.text),
            Some(content) => {
                let media = a.content_type.split(';').next().unwrap_or("").trim();
                let any = !content.contains_key(media) && content.contains_key("*/*");
                let m = content
                    .get(media)
                    .or_else(|| content.get("*/*"))
                    .unwrap_or_else(|| panic!("{at}: {code} answered {media}, documented: {content:?}"));
                match media {
                    // A file of whatever type it was uploaded with.
                    _ if any => {}
                    "application/pdf" => assert!(a.text.starts_with("%PDF-"), "{at}: {code} is not a PDF"),
                    "application/xml" => assert!(a.text.starts_with("<?xml"), "{at}: {code} is not XML"),
                    "image/png" => assert!(a.bytes.starts_with(b"\x89PNG"), "{at}: {code} is not a PNG"),
                    "image/jpeg" => assert!(a.bytes.starts_with(&[0xff, 0xd8]), "{at}: {code} is not a JPEG"),
                    "text/plain" | "text/csv" => assert!(!a.bytes.is_empty(), "{at}: {code} is empty"),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                        assert!(a.bytes.starts_with(b"PK"), "{at}: {code} is not an XLSX (zip)")
                    }
                    _ => {
                        let v: Value = serde_json::from_str(&a.text)
                            .unwrap_or_else(|e| panic!("{at}: {code} is not JSON ({e}): {}", a.text));
                        let errs = Validator { doc: self.doc, strict: true }.errors(&m["schema"], &v);
                        assert!(
                            errs.is_empty(),
                            "{at}: the {code} response does not follow the document: {errs:#?}\n{v:#}"
                        );
                    }
                }
            }
        }
        self.seen.entry((method.to_string(), template.to_string())).or_default().insert(a.status);
        a
    }

    async fn ok(&mut self, method: &str, template: &str, id: Option<&str>, body: Option<Value>) -> Value {
        let token = self.app.token.clone();
        let body = body.map(|b| b.to_string());
        let a = self.call(method, template, id, "", Some(&token), body.as_deref(), true, &[]).await;
        assert!((200..300).contains(&a.status), "{method} {template}: {} {}", a.status, a.text);
        a.json()
    }

    async fn expect(
        &mut self,
        status: u16,
        method: &str,
        template: &str,
        id: Option<&str>,
        query: &str,
        body: Option<&str>,
    ) -> Value {
        let token = self.app.token.clone();
        let a = self.call(method, template, id, query, Some(&token), body, false, &[]).await;
        assert_eq!(a.status, status, "{method} {template}{query}: {}", a.text);
        a.json()
    }
}

#[tokio::test]
async fn responses_follow_the_document() {
    let db = TestDb::sqlite();
    let app = spawn_app(&db).await;
    let doc = fetch_document(&app).await;
    let mut c = Client { app: &app, doc: &doc, seen: BTreeMap::new() };

    // Customers.
    let mut body = customer_body("Boulangerie Martin");
    body["kind"] = json!("company");
    body["delivery_address"] = json!({"line1": "3 quai Saint-Antoine", "line2": "Quai B", "postal_code": "69002", "city": "Lyon", "country": "fr"});
    body["language"] = json!("en");
    body["currency"] = json!("EUR");
    body["payment_terms"] = json!("45_days_end_of_month");
    body["tags"] = json!(["pain", "b2b"]);
    body["notes"] = json!("Livraison avant 7 h");
    body["iban"] = json!("FR76 3000 6000 0112 3456 7890 189");
    let customer = c.ok("post", "/customers", None, Some(body)).await;
    let cid = customer["id"].as_str().unwrap().to_string();
    c.ok("get", "/customers/{id}", Some(&cid), None).await;
    c.ok(
        "patch",
        "/customers/{id}",
        Some(&cid),
        Some(json!({"notes": null, "billing_address": {"line2": "2e étage"}, "contacts": []})),
    )
    .await;
    c.ok("post", "/customers", None, Some(customer_body("Café du Port"))).await;
    let token = app.token.clone();
    let page =
        c.call("get", "/customers", None, "?limit=1&q=Port&activity=boulangerie", Some(&token), None, false, &[]).await;
    assert_eq!(page.status, 200);
    let page = c.ok("get", "/customers", None, None).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let sorted =
        c.call("get", "/customers", None, "?sort=city&order=desc&limit=1", Some(&token), None, false, &[]).await;
    assert_eq!(sorted.status, 200);
    c.expect(422, "get", "/customers", None, "?sort=price", None).await;

    // A customer's files: multipart in, the bytes out.
    let files = "/customers/{id}/files";
    let one = "/customers/{id}/files/{file_id}";
    let boundary = "openapi-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kbis.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend(b"%PDF-1.7 test\r\n");
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let op = c.operation("post", files).clone();
    assert!(op["requestBody"]["content"]["multipart/form-data"].is_object(), "a multipart body is documented");
    let ct = format!("multipart/form-data; boundary={boundary}");
    let path = format!("/customers/{cid}/files");
    let a = send_raw(&app, "post", &path, Some(&token), Some((ct.as_str(), body.clone())), &[]).await;
    let made = c.check("post", files, "", a).json();
    assert_eq!(made["name"], "kbis.pdf");
    let fid = made["id"].as_str().unwrap().to_string();
    let empty = format!("--{boundary}--\r\n").into_bytes();
    let a = send_raw(&app, "post", &path, Some(&token), Some((ct.as_str(), empty)), &[]).await;
    assert_eq!(c.check("post", files, "", a).status, 422);
    let list = c.ok("get", files, Some(&cid), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let a = send(&app, "get", &format!("/customers/{cid}/files/{fid}"), Some(&token), None, &[]).await;
    let got = c.check("get", one, "", a);
    assert_eq!((got.status, got.bytes.as_slice()), (200, b"%PDF-1.7 test".as_slice()));
    let a = send(&app, "delete", &format!("/customers/{cid}/files/{fid}"), Some(&token), None, &[]).await;
    assert_eq!(c.check("delete", one, "", a).status, 204);
    let a = send(&app, "get", &format!("/customers/{cid}/files/{fid}"), Some(&token), None, &[]).await;
    assert_eq!(c.check("get", one, "", a).status, 404);

    // Products.
    let product = c
        .ok(
            "post",
            "/products",
            None,
            Some(json!({"reference": "PAIN-1", "name": "Pain", "unit": "kgm", "unit_price": "4.20", "vat_rate": "5.5", "vat_category": "S", "purchase_price": "1.1", "stock": "120"})),
        )
        .await;
    let pid = product["id"].as_str().unwrap().to_string();
    c.ok("get", "/products/{id}", Some(&pid), None).await;
    c.ok("patch", "/products/{id}", Some(&pid), Some(json!({"stock": null, "name": "Pain de campagne"}))).await;
    c.ok(
        "post",
        "/products",
        None,
        Some(json!({"reference": "SRV", "name": "Formation", "unit_price": "900", "vat_rate": "0", "vat_category": "E", "unit": "DAY"})),
    )
    .await;
    c.expect(200, "get", "/products", None, "?q=pain&limit=1", None).await;
    c.ok("get", "/products", None, None).await;

    // Invoices, with an Idempotency-Key replay.
    let invoice_body = json!({
        "customer_id": cid,
        "currency": "EUR",
        "payment_terms": "30_days",
        "discount_percent": "5",
        "customer_reference": "PO-17",
        "note": "Merci",
        "lines": [
            line("Croissants", "40", "0.95", "5.5"),
            {"product_id": pid, "quantity": "3"},
            {"description": "Livraison", "quantity": "1", "unit_price": "15", "vat_rate": "20", "unit": "LS", "discount_percent": "10"},
        ],
    })
    .to_string();
    let mut created = Vec::new();
    for _ in 0..2 {
        let a = c
            .call(
                "post",
                "/invoices",
                None,
                "",
                Some(&token),
                Some(&invoice_body),
                true,
                &[("Idempotency-Key", "invoice-1")],
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
        created.push(a);
    }
    assert_eq!(created[0].text, created[1].text);
    assert_eq!(created[1].headers.get("idempotent-replayed").unwrap(), "true");
    let iid = created[0].json()["id"].as_str().unwrap().to_string();
    // The same key with another body.
    let a = c
        .call(
            "post",
            "/invoices",
            None,
            "",
            Some(&token),
            Some(&json!({"customer_id": cid, "lines": []}).to_string()),
            true,
            &[("Idempotency-Key", "invoice-1")],
        )
        .await;
    assert_eq!(a.status, 422);
    c.ok("get", "/invoices/{id}", Some(&iid), None).await;
    let inv = c.ok("patch", "/invoices/{id}", Some(&iid), Some(json!({"note": null, "issue_date": null}))).await;
    assert_eq!(inv["lines"].as_array().unwrap().len(), 3);

    // A draft deleted.
    let draft = c.ok("post", "/invoices", None, Some(json!({"customer_id": cid, "lines": []}))).await;
    let did = draft["id"].as_str().unwrap().to_string();
    c.expect(409, "post", "/invoices/{id}/issue", Some(&did), "", None).await; // no lines
    c.expect(409, "post", "/invoices/{id}/credit-note", Some(&did), "", None).await; // a draft
    c.ok("delete", "/invoices/{id}", Some(&did), None).await;
    c.expect(404, "delete", "/invoices/{id}", Some(&did), "", None).await;

    // Numbering.
    let numbering = c.ok("get", "/numbering", None, None).await;
    assert!(numbering.as_array().unwrap().len() >= 2);
    let n = c.ok("put", "/numbering/{kind}", Some("invoice"), Some(json!({"pattern": "FA{YYYY}-{SEQ:6}"}))).await;
    assert_eq!(n["pattern"], "FA{YYYY}-{SEQ:6}");
    c.expect(422, "put", "/numbering/{kind}", Some("credit_note"), "", Some(r#"{"pattern": "AV"}"#)).await;
    c.expect(404, "put", "/numbering/{kind}", Some("receipt"), "", Some(r#"{"pattern": "R{SEQ}"}"#)).await;
    assert_eq!(c.ok("get", "/settings", None, None).await["allow_negative_stock"], false);
    assert_eq!(
        c.ok("patch", "/settings", None, Some(json!({"allow_negative_stock": true}))).await["allow_negative_stock"],
        true
    );
    c.ok("patch", "/settings", None, Some(json!({"allow_negative_stock": false}))).await;
    let t = c
        .ok(
            "patch",
            "/settings",
            None,
            Some(json!({"email_templates": {"quote": {"en": {"subject": "Quote {document_number}", "body": "Total {total}"}}}})),
        )
        .await;
    assert_eq!(t["email_templates"]["quote"]["en"]["subject"], "Quote {document_number}");
    c.expect(
        422,
        "patch",
        "/settings",
        None,
        "",
        Some(r#"{"email_templates": {"invoice": {"fr": {"subject": "{x}", "body": "y"}}}}"#),
    )
    .await;
    c.expect(422, "patch", "/settings", None, "", Some(r#"{"allow_negative_stock": "yes"}"#)).await;

    // The logo: a file in, a file out.
    c.expect(404, "get", "/settings/logo", None, "", None).await;
    let logo = common::png_logo(120, 40);
    let put = c.file("put", "/settings/logo", "image/png", &logo).await;
    assert_eq!((put.status, put.json()["width"].clone()), (200, json!(120)), "{}", put.text);
    assert_eq!(c.file("put", "/settings/logo", "image/jpeg", &logo).await.status, 422, "a PNG sent as JPEG");
    assert_eq!(c.file("put", "/settings/logo", "image/png", b"\x89PNG broken").await.status, 422);
    let got = c.call("get", "/settings/logo", None, "", Some(&app.token), None, false, &[]).await;
    assert_eq!((got.status, got.bytes == logo), (200, true), "the logo comes back as uploaded");
    c.ok("delete", "/settings/logo", None, None).await;
    c.expect(404, "delete", "/settings/logo", None, "", None).await;
    c.file("put", "/settings/logo", "image/png", &logo).await;

    // Imports: a file in, a summary out.
    let csv = b"name;line1;postal_code;city\nImport SARL;1 rue;75001;Paris\n";
    let imported = c.file("post", "/imports/customers", "text/csv", csv).await;
    assert_eq!((imported.status, imported.json()["created"].clone()), (200, json!(1)), "{}", imported.text);
    let csv = b"reference;name;unit_price;vat_rate\nIMP-1;Import;10;20\n";
    let imported = c.file("post", "/imports/products", "text/csv", csv).await;
    assert_eq!((imported.status, imported.json()["created"].clone()), (200, json!(1)), "{}", imported.text);
    assert_eq!(c.file("post", "/imports/products", "text/csv", b"foo\n1\n").await.status, 422);
    // Index values from a CSV file: all or nothing.
    let csv = b"period;value\n2025-10;249,8\n2025-11;250\n".to_vec();
    let a = send_raw(&app, "post", "/indices/ICHT/values/import", Some(&token), Some(("text/csv", csv)), &[]).await;
    let r = c.check("post", "/indices/{code}/values/import", "", a);
    assert_eq!((r.status, r.json()["created"].clone()), (200, json!(2)), "{}", r.text);
    let a = send_raw(
        &app,
        "post",
        "/indices/ICHT/values/import",
        Some(&token),
        Some(("application/json", b"{}".to_vec())),
        &[],
    )
    .await;
    assert_eq!(c.check("post", "/indices/{code}/values/import", "", a).status, 415);

    // Issue, pay, credit.
    let issued = c.ok("post", "/invoices/{id}/issue", Some(&iid), None).await;
    assert_eq!(issued["status"], "issued");
    c.expect(409, "patch", "/invoices/{id}", Some(&iid), "", Some(r#"{"note": "x"}"#)).await;
    c.expect(409, "delete", "/invoices/{id}", Some(&iid), "", None).await;
    let paid = c
        .ok(
            "post",
            "/invoices/{id}/payments",
            Some(&iid),
            Some(json!({"amount": "10.00", "method": "virement", "reference": "VIR-1"})),
        )
        .await;
    assert_eq!(paid["status"], "partially_paid");
    let cn = c
        .ok(
            "post",
            "/invoices/{id}/credit-note",
            Some(&iid),
            Some(json!({"lines": [line("Geste commercial", "1", "5.00", "20")], "note": "Retard"})),
        )
        .await;
    let cnid = cn["id"].as_str().unwrap().to_string();
    assert_eq!(cn["kind"], "credit_note");
    c.ok("get", "/credit-notes/{id}", Some(&cnid), None).await;
    c.ok("patch", "/credit-notes/{id}", Some(&cnid), Some(json!({"note": "Retard de livraison"}))).await;
    let cn = c.ok("post", "/credit-notes/{id}/issue", Some(&cnid), None).await;
    let a = c
        .call(
            "put",
            "/numbering/{kind}",
            Some("invoice"),
            "",
            Some(&token),
            Some(r#"{"pattern": "FA{SEQ:6}", "yearly_reset": false}"#),
            true,
            &[],
        )
        .await;
    assert_eq!(a.status, 409, "the reset cannot change once numbered: {}", a.text);
    assert_eq!(cn["status"], "issued");
    c.expect(409, "post", "/credit-notes/{id}/issue", Some(&cnid), "", None).await;
    c.expect(409, "delete", "/credit-notes/{id}", Some(&cnid), "", None).await;
    // A whole-invoice credit note from an empty body, then deleted.
    let whole = c.expect(201, "post", "/invoices/{id}/credit-note", Some(&iid), "", None).await;
    let wid = whole["id"].as_str().unwrap().to_string();
    c.ok("delete", "/credit-notes/{id}", Some(&wid), None).await;
    let inv = c.ok("get", "/invoices/{id}", Some(&iid), None).await;
    assert_eq!(inv["links"].as_array().unwrap().len(), 1);

    // The sales pipeline: every kind of document and every action, with the header fields.
    let doc_body = |title: &str| {
        json!({
            "customer_id": cid, "title": title, "valid_until": "2199-12-31", "delivery_date": "2026-12-01",
            "internal_note": "Client pressé", "terms": "Conditions générales de vente", "special_conditions": "Pose un samedi",
            "lines": [line("Suspension laiton", "4", "120", "20"), line("Pose", "2", "58", "10")],
        })
    };
    for seg in ["quotes", "orders", "delivery-notes", "proformas", "deposit-invoices"] {
        let d = c.ok("post", &format!("/{seg}"), None, Some(doc_body("Projet"))).await;
        assert_eq!(d["title"], "Projet");
        let id = d["id"].as_str().unwrap().to_string();
        c.ok("get", &format!("/{seg}/{{id}}"), Some(&id), None).await;
        let p = c.ok("patch", &format!("/{seg}/{{id}}"), Some(&id), Some(json!({"title": "Projet B"}))).await;
        assert_eq!(p["internal_note"], "Client pressé");
        let dup = c.ok("post", &format!("/{seg}/{{id}}/duplicate"), Some(&id), None).await;
        assert_eq!(dup["title"], "Projet B");
        c.ok("delete", &format!("/{seg}/{{id}}"), Some(&id), None).await;
        c.ok("get", &format!("/{seg}"), None, None).await;
    }
    c.ok("post", "/invoices/{id}/duplicate", Some(&iid), None).await;
    c.ok("post", "/credit-notes/{id}/duplicate", Some(&cnid), None).await;

    let quote = c.ok("post", "/quotes", None, Some(doc_body("Éclairage boutique"))).await;
    let qid = quote["id"].as_str().unwrap().to_string();
    c.expect(409, "post", "/quotes/{id}/accept", Some(&qid), "", None).await; // a draft
    assert_eq!(c.ok("post", "/quotes/{id}/issue", Some(&qid), None).await["status"], "sent");
    assert_eq!(c.ok("post", "/quotes/{id}/accept", Some(&qid), None).await["status"], "accepted");
    let order = c.ok("post", "/quotes/{id}/convert", Some(&qid), Some(json!({"to": "order"}))).await;
    assert_eq!(order["kind"], "order");
    c.expect(409, "post", "/quotes/{id}/refuse", Some(&qid), "", None).await; // converted
    c.expect(422, "post", "/quotes/{id}/convert", Some(&qid), "", Some(r#"{"to": "receipt"}"#)).await;
    for action in ["refuse", "cancel"] {
        let q = c.ok("post", "/quotes", None, Some(doc_body("Variante"))).await;
        let id = q["id"].as_str().unwrap().to_string();
        c.ok("post", "/quotes/{id}/issue", Some(&id), None).await;
        c.ok("post", &format!("/quotes/{{id}}/{action}"), Some(&id), None).await;
    }

    let oid = order["id"].as_str().unwrap().to_string();
    assert_eq!(c.ok("post", "/orders/{id}/issue", Some(&oid), None).await["status"], "confirmed");
    let first_line = order["lines"][0]["id"].as_str().unwrap().to_string();
    let bl = c
        .ok(
            "post",
            "/orders/{id}/convert",
            Some(&oid),
            Some(json!({"to": "delivery-note", "lines": [{"line_id": first_line, "quantity": "2"}]})),
        )
        .await;
    let blid = bl["id"].as_str().unwrap().to_string();
    assert_eq!(c.ok("post", "/delivery-notes/{id}/issue", Some(&blid), None).await["status"], "validated");
    assert_eq!(c.ok("get", "/orders/{id}", Some(&oid), None).await["status"], "partially_delivered");
    c.expect(409, "post", "/orders/{id}/cancel", Some(&oid), "", None).await; // partly delivered
    c.ok("post", "/delivery-notes/{id}/convert", Some(&blid), Some(json!({"to": "invoice"}))).await;
    c.ok("post", "/orders/{id}/convert", Some(&oid), Some(json!({"to": "invoice"}))).await;
    let o2 = c.ok("post", "/orders", None, Some(doc_body("Commande annulée"))).await;
    let o2id = o2["id"].as_str().unwrap().to_string();
    c.ok("post", "/orders/{id}/issue", Some(&o2id), None).await;
    assert_eq!(c.ok("post", "/orders/{id}/cancel", Some(&o2id), None).await["status"], "cancelled");

    let o3 = c.ok("post", "/orders", None, Some(doc_body("Chantier"))).await;
    let o3id = o3["id"].as_str().unwrap().to_string();
    c.ok("post", "/orders/{id}/issue", Some(&o3id), None).await;
    let dep = c.ok("post", "/orders/{id}/deposit-invoice", Some(&o3id), Some(json!({"percent": "30"}))).await;
    assert_eq!(dep["kind"], "deposit_invoice");
    c.expect(422, "post", "/orders/{id}/deposit-invoice", Some(&o3id), "", Some(r#"{"percent": "101"}"#)).await;
    let sit =
        c.ok("post", "/orders/{id}/progress-invoice", Some(&o3id), Some(json!({"cumulative_percent": "40"}))).await;
    assert_eq!(sit["progress_percent"], "40");

    let run =
        c.ok("post", "/billing/delivery-notes", None, Some(json!({"from": "2000-01-01", "to": "2199-12-31"}))).await;
    assert_eq!(run["created"], json!([]), "its only delivery note was already converted into an invoice");
    let aged = c.expect(200, "get", "/reports/aged-balance", None, "?as_of=2199-12-31", None).await;
    assert!(aged["totals"].is_array(), "{aged}");
    c.expect(422, "get", "/reports/aged-balance", None, "?as_of=someday", None).await;

    let pf = c.ok("post", "/proformas", None, Some(doc_body("Pro-forma"))).await;
    let pfid = pf["id"].as_str().unwrap().to_string();
    c.ok("post", "/proformas/{id}/issue", Some(&pfid), None).await;
    c.ok("post", "/proformas/{id}/convert", Some(&pfid), Some(json!({"to": "invoice"}))).await;
    let pf2 = c.ok("post", "/proformas", None, Some(doc_body("Pro-forma 2"))).await;
    let pf2id = pf2["id"].as_str().unwrap().to_string();
    c.ok("post", "/proformas/{id}/issue", Some(&pf2id), None).await;
    c.ok("post", "/proformas/{id}/cancel", Some(&pf2id), None).await;

    let dep = c.ok("post", "/deposit-invoices", None, Some(doc_body("Acompte"))).await;
    let depid = dep["id"].as_str().unwrap().to_string();
    assert_eq!(c.ok("post", "/deposit-invoices/{id}/issue", Some(&depid), None).await["status"], "issued");
    let paid = c
        .ok("post", "/deposit-invoices/{id}/payments", Some(&depid), Some(json!({"amount": "100", "method": "card"})))
        .await;
    assert_eq!(paid["status"], "partially_paid");
    c.ok("post", "/deposit-invoices/{id}/credit-note", Some(&depid), None).await;

    // Payments: one over two invoices with its excess kept as credit, the credit applied
    // and refunded, a cancellation, the statement.
    let mut open = Vec::new();
    for title in ["Paiement A", "Paiement B"] {
        let d = c.ok("post", "/invoices", None, Some(doc_body(title))).await;
        let id = d["id"].as_str().unwrap().to_string();
        let issued = c.ok("post", "/invoices/{id}/issue", Some(&id), None).await;
        let gross: facturier_core::Decimal = issued["totals"]["gross"].as_str().unwrap().parse().unwrap();
        open.push((id, gross));
    }
    let (pa, ga) = open[0].clone();
    let (pb, _) = open[1].clone();
    let over = json!({"customer_id": cid, "amount": (ga + facturier_core::Decimal::from(20)).to_string(), "method": "card",
                      "allocations": [{"invoice_id": pa, "amount": ga.to_string()}]});
    c.expect(422, "post", "/payments", None, "", Some(&over.to_string())).await;
    let mut with_credit = over.clone();
    with_credit["excess"] = json!("credit");
    let payment = c.ok("post", "/payments", None, Some(with_credit)).await;
    let payment_id = payment["id"].as_str().unwrap().to_string();
    c.ok("get", "/payments/{id}", Some(&payment_id), None).await;
    c.expect(200, "get", "/payments", None, &format!("?customer_id={cid}&from=2000-01-01&to=2199-12-31&limit=5"), None)
        .await;
    c.ok("get", "/customers/{id}/credit", Some(&cid), None).await;
    let applied = c
        .ok("post", "/customers/{id}/credit/apply", Some(&cid), Some(json!({"invoice_id": pb, "amount": "5.00"})))
        .await;
    c.ok(
        "post",
        "/customers/{id}/credit/refund",
        Some(&cid),
        Some(json!({"amount": "5.00", "method": "bank_transfer"})),
    )
    .await;
    c.expect(422, "post", "/customers/{id}/credit/refund", Some(&cid), "", Some(r#"{"amount": "1000000"}"#)).await;
    let applied_id = applied["id"].as_str().unwrap().to_string();
    c.ok("post", "/payments/{id}/cancel", Some(&applied_id), Some(json!({"reason": "erreur"}))).await;
    c.expect(409, "post", "/payments/{id}/cancel", Some(&applied_id), "", Some(r#"{"reason": "again"}"#)).await;
    c.expect(
        404,
        "post",
        "/payments/{id}/cancel",
        Some(&uuid::Uuid::now_v7().to_string()),
        "",
        Some(r#"{"reason": "x"}"#),
    )
    .await;
    c.expect(200, "get", "/customers/{id}/statement", Some(&cid), "?from=2000-01-01&to=2199-12-31", None).await;

    // Lists with every filter, and the next page.
    c.expect(
        200,
        "get",
        "/invoices",
        None,
        &format!("?status=partially_paid&customer_id={cid}&from=2000-01-01&to=2199-12-31&limit=5"),
        None,
    )
    .await;
    c.ok("get", "/invoices", None, None).await;
    let first = c.expect(200, "get", "/credit-notes", None, "?limit=1", None).await;
    if let Some(next) = first["next_cursor"].as_str() {
        c.expect(200, "get", "/credit-notes", None, &format!("?limit=1&after={next}"), None).await;
    }
    c.expect(200, "get", "/credit-notes", None, "?status=issued&from=2000-01-01", None).await;

    // Errors, each with its documented status and the Problem shape.
    let unknown = uuid::Uuid::now_v7().to_string();
    for (m, t) in [
        ("get", "/customers/{id}"),
        ("get", "/products/{id}"),
        ("get", "/invoices/{id}"),
        ("get", "/credit-notes/{id}"),
        ("post", "/invoices/{id}/issue"),
    ] {
        c.expect(404, m, t, Some(&unknown), "", None).await;
    }
    c.expect(404, "get", "/customers/{id}", Some("not-a-uuid"), "", None).await;
    c.expect(404, "patch", "/customers/{id}", Some(&unknown), "", Some("{}")).await;
    c.expect(400, "get", "/customers", None, "?limit=1&limit=2", None).await;
    for q in ["?limit=0", "?limit=abc", "?after=zzz"] {
        c.expect(422, "get", "/customers", None, q, None).await;
    }
    for q in ["?status=lost", "?customer_id=nope", "?from=2026-13-01", "?to=tomorrow"] {
        c.expect(422, "get", "/invoices", None, q, None).await;
    }
    let p = c.expect(422, "post", "/customers", None, "", Some("{}")).await;
    assert!(p["errors"].as_array().unwrap().len() >= 2, "{p}");
    c.expect(422, "post", "/customers", None, "", Some(r#"{"name": "X", "unknown": 1}"#)).await;
    c.expect(400, "post", "/customers", None, "", Some("{")).await;
    c.expect(400, "post", "/products", None, "", Some(r#"{"reference": "#)).await;
    c.expect(
        422,
        "post",
        "/products",
        None,
        "",
        Some(r#"{"reference": "PAIN-1", "name": "Doublon", "unit_price": "1", "vat_rate": "20"}"#),
    )
    .await;
    c.expect(422, "post", "/invoices", None, "", Some(&json!({"customer_id": unknown, "lines": []}).to_string())).await;
    c.expect(422, "post", "/invoices/{id}/payments", Some(&iid), "", Some(r#"{"amount": "-1", "method": "bitcoin"}"#))
        .await;

    // A read-only user may look but not change.
    let (_, viewer) = app
        .store
        .create_user_token(app.company_id, "viewer@test.fr", facturier_store::companies::Role::ReadOnly)
        .await
        .unwrap();
    let a = c.call("get", "/customers/{id}", Some(&cid), "", Some(&viewer), None, false, &[]).await;
    assert_eq!(a.status, 200);
    let a = c
        .call("post", "/customers", None, "", Some(&viewer), Some(&customer_body("Refusé").to_string()), true, &[])
        .await;
    assert_eq!(a.status, 403, "{}", a.text);
    let a = c.call("delete", "/invoices/{id}", Some(&iid), "", Some(&viewer), None, false, &[]).await;
    assert_eq!(a.status, 403, "{}", a.text);
    let a = c
        .call(
            "put",
            "/numbering/{kind}",
            Some("invoice"),
            "",
            Some(&viewer),
            Some(r#"{"pattern": "F{YYYY}-{SEQ:5}"}"#),
            true,
            &[],
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.text);
    // Without a token.
    let a = c.call("get", "/invoices", None, "", None, None, false, &[]).await;
    assert_eq!(a.status, 401);
    let a = c.call("get", "/openapi.json", None, "", None, None, false, &[]).await;
    assert_eq!(a.status, 200);

    // Every kind prints as PDF; issued invoices and credit notes export as UBL, drafts refuse to.
    for kind in facturier_core::document::DocumentKind::ALL {
        let list = c.ok("get", &format!("/{}", kind.segment()), None, None).await;
        let docs = list["data"].as_array().unwrap().clone();
        let first = docs.first().unwrap_or_else(|| panic!("the flow made no {}", kind.as_str()));
        let token = app.token.clone();
        let pdf = format!("/{}/{{id}}/pdf", kind.segment());
        let a = c.call("get", &pdf, first["id"].as_str(), "", Some(&token), None, false, &[]).await;
        assert_eq!(a.status, 200, "{pdf}: {}", a.text);
        // What issuing a draft would refuse; an issued document is not a draft (409).
        let check = format!("/{}/{{id}}/issue-check", kind.segment());
        if let Some(draft) = docs.iter().find(|d| d["status"] == "draft") {
            let r = c.expect(200, "get", &check, draft["id"].as_str(), "", None).await;
            assert!(r["issuable"].is_boolean() && r["problems"].is_array(), "{r}");
        }
        if let Some(issued) = docs.iter().find(|d| d["status"] != "draft") {
            c.expect(409, "get", &check, issued["id"].as_str(), "", None).await;
        }
        // E-mail: queued (no SMTP server here), listed; a draft is refused.
        let issued = docs.iter().find(|d| d["status"] != "draft").expect("an issued one");
        let send = format!("/{}/{{id}}/send", kind.segment());
        let queued = c
            .ok("post", &send, issued["id"].as_str(), Some(json!({"to": ["compta@exemple.fr"], "language": "en"})))
            .await;
        assert_eq!(queued["status"], "pending");
        c.expect(202, "post", &send, issued["id"].as_str(), "", None).await;
        let list = c.ok("get", &format!("/{}/{{id}}/emails", kind.segment()), issued["id"].as_str(), None).await;
        assert_eq!(list.as_array().unwrap().len(), 2);
        if let Some(draft) = docs.iter().find(|d| d["status"] == "draft") {
            c.expect(409, "post", &send, draft["id"].as_str(), "", None).await;
        }
        if ROUTES.iter().any(|(m, p, _)| *m == "get" && *p == format!("/{}/{{id}}/ubl", kind.segment())) {
            let issued = docs.iter().find(|d| d["status"] != "draft").expect("an issued one");
            let ubl = format!("/{}/{{id}}/ubl", kind.segment());
            let a = c.call("get", &ubl, issued["id"].as_str(), "", Some(&token), None, false, &[]).await;
            assert_eq!(a.status, 200, "{ubl}: {}", a.text);
            if let Some(draft) = docs.iter().find(|d| d["status"] == "draft") {
                c.expect(409, "get", &ubl, draft["id"].as_str(), "", None).await;
            }
        }
    }

    // Online payment: a Checkout session at a stand-in Stripe, then its signed webhook.
    {
        let (base, _seen) = crate::online_payment::stand_in_stripe().await;
        let secret = "whsec_openapi_test";
        let stripe = json!({"stripe": {"secret_key": crate::online_payment::SECRET_KEY, "webhook_secret": secret, "api_base": base}});
        c.ok("patch", "/settings", None, Some(stripe)).await;
        let settings = c.ok("get", "/settings", None, None).await;
        assert_eq!(settings["stripe"]["api_base"], json!(base));
        let lines = json!([{"description": "Pose", "quantity": "1", "unit_price": "80", "vat_rate": "20"}]);
        let inv = c.ok("post", "/invoices", None, Some(json!({"customer_id": cid, "lines": lines}))).await;
        let inv_id = inv["id"].as_str().unwrap().to_string();
        c.ok("post", "/invoices/{id}/issue", Some(&inv_id), None).await;
        let link = c.ok("post", "/invoices/{id}/payment-link", Some(&inv_id), None).await;
        let session = link["session_id"].as_str().unwrap();
        let company = app.company_id.to_string();
        let event = json!({"id": "evt_openapi", "type": "checkout.session.completed", "data": {"object": {
            "id": session, "payment_status": "paid", "amount_total": 9600, "currency": "eur"}}})
        .to_string();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = facturier_server::stripe::signature::sign(event.as_bytes(), secret, now);
        let hook = "/webhooks/stripe/{company_id}";
        let headers = [("stripe-signature", signature.as_str())];
        let a = c.call("post", hook, Some(&company), "", None, Some(&event), true, &headers).await;
        assert_eq!((a.status, a.json()["outcome"].clone()), (200, json!("paid")), "{}", a.text);
        let bad = [("stripe-signature", "t=1,v1=00")];
        let a = c.call("post", hook, Some(&company), "", None, Some(&event), true, &bad).await;
        assert_eq!(a.status, 400, "{}", a.text);
    }
    // Dunning: the overdue list, a run by e-mail and by letter, undo, never/auto, a note.
    let d = c.ok("post", "/invoices", None, Some(doc_body("Relance"))).await;
    let did = d["id"].as_str().unwrap().to_string();
    let issued = c.ok("post", "/invoices/{id}/issue", Some(&did), None).await;
    // Four years later: overdue, and a valid day even from a 29 February.
    let due = issued["due_date"].as_str().unwrap();
    let late = format!("{}{}", due[..4].parse::<i32>().unwrap() + 4, &due[4..]);
    let list = c.call("get", "/dunning", None, &format!("?as_of={late}"), Some(&token), None, false, &[]).await;
    assert_eq!(list.status, 200, "{}", list.text);
    c.expect(422, "get", "/dunning", None, "?as_of=demain", None).await;
    let run = c
        .ok("post", "/dunning/run", None, Some(json!({"as_of": late, "invoice_ids": [did], "channel": "letter"})))
        .await;
    let step = run["steps"][0]["id"].as_str().expect("a step").to_string();
    let letter = run["letters"][0]["id"].as_str().expect("a letter").to_string();
    let pdf = c.call("get", "/dunning/letters/{id}", Some(&letter), "", Some(&token), None, false, &[]).await;
    assert_eq!(pdf.status, 200);
    c.expect(422, "post", "/dunning/run", None, "", Some(r#"{"channel": "fax"}"#)).await;
    c.ok("delete", "/dunning/steps/{id}", Some(&step), None).await;
    c.expect(409, "delete", "/dunning/steps/{id}", Some(&step), "", None).await;
    c.ok("put", "/invoices/{id}/dunning", Some(&did), Some(json!({"dunning": "never"}))).await;
    c.ok("get", "/invoices/{id}/dunning", Some(&did), None).await;
    c.ok("post", "/invoices/{id}/dunning/notes", Some(&did), Some(json!({"kind": "call", "text": "Appelé"}))).await;
    c.expect(422, "post", "/invoices/{id}/dunning/notes", Some(&did), "", Some(r#"{"kind": "visit", "text": "x"}"#))
        .await;
    // The dunning engine: the policy's extras, the quote follow-ups.
    let policy = json!({"dunning": {"late_fees": {"formal_notice": {"fixed": "15", "indemnity": true}},
        "friendly_reminder": {"days_before": 3}, "quote_follow_ups": [{"code": "relance_devis", "days": 10}],
        "templates": {"reminder_1": {"fr": {"key_account": {"subject": "Relance {invoice_numbers}", "body": "{invoice_list}"}}}}}});
    c.ok("patch", "/settings", None, Some(policy)).await;
    c.expect(
        422,
        "patch",
        "/settings",
        None,
        "",
        Some(r#"{"dunning": {"templates": {"reminder_1": {"fr": {"individual": {"subject": "{x}", "body": "y"}}}}}}"#),
    )
    .await;
    let q = c.call("get", "/dunning/quotes", None, &format!("?as_of={late}"), Some(&token), None, false, &[]).await;
    assert_eq!(q.status, 200, "{}", q.text);
    c.ok("post", "/dunning/run", None, Some(json!({"as_of": late, "documents": "quotes"}))).await;
    c.expect(422, "post", "/dunning/run", None, "", Some(r#"{"documents": "orders"}"#)).await;
    // SEPA direct debit: settings, a mandate, a batch, its file, its collection and a reject.
    let token = app.token.clone();
    let sepa = json!({"sepa": {"creditor_id": "FR72ZZZ123456"}, "banks": [{"label": "Compte", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX"}]});
    c.ok("patch", "/settings", None, Some(sepa)).await;
    let mandate = json!({"iban": "FR7630006000011234567890189", "bic": "AGRIFRPP", "reference": "RUM-OPENAPI-1", "signed_on": "2026-01-15", "signed_at_place": "Lyon"});
    let m = c.ok("post", "/customers/{id}/mandates", Some(&cid), Some(mandate)).await;
    c.expect(
        422,
        "post",
        "/customers/{id}/mandates",
        Some(&cid),
        "",
        Some(r#"{"iban": "FR00", "reference": "", "signed_on": "x"}"#),
    )
    .await;
    c.ok("get", "/customers/{id}/mandates", Some(&cid), None).await;
    let line = json!({"description": "Abonnement", "quantity": "1", "unit_price": "10", "vat_rate": "20"});
    let inv = c.ok("post", "/invoices", None, Some(json!({"customer_id": cid, "lines": [line]}))).await;
    let inv_id = inv["id"].as_str().unwrap().to_string();
    c.ok("post", "/invoices/{id}/issue", Some(&inv_id), None).await;
    let date =
        facturier_core::sepa::target_day_on_or_after(time::OffsetDateTime::now_utc().date() + time::Duration::days(3))
            .to_string();
    let batch = c
        .ok("post", "/sepa/direct-debits", None, Some(json!({"collection_date": date, "invoice_ids": [inv_id]})))
        .await;
    let bid = batch["id"].as_str().unwrap().to_string();
    c.ok("get", "/sepa/direct-debits", None, None).await;
    c.ok("get", "/sepa/direct-debits/{id}", Some(&bid), None).await;
    let a =
        c.call("get", "/sepa/direct-debits/{id}/xml", Some(&bid), "?version=08", Some(&token), None, false, &[]).await;
    assert_eq!(a.status, 200, "{}", a.text);
    c.expect(422, "get", "/sepa/direct-debits/{id}/xml", Some(&bid), "?version=3", None).await;
    c.expect(
        409,
        "post",
        "/sepa/direct-debits/{id}/rejects",
        Some(&bid),
        "",
        Some(&json!({"invoice_id": inv_id, "reason": "MD01"}).to_string()),
    )
    .await;
    c.ok("post", "/sepa/direct-debits/{id}/collected", Some(&bid), Some(json!({}))).await;
    c.ok(
        "post",
        "/sepa/direct-debits/{id}/rejects",
        Some(&bid),
        Some(json!({"invoice_id": inv_id, "reason": "MD01", "fee": "2.50"})),
    )
    .await;
    // A bank's reject file (pain.002) naming the debit rejected above, and one unknown.
    let status = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>STS-OPENAPI</MsgId><CreDtTm>2026-12-01T10:00:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>{}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>X</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{}</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>MD01</Cd></Rsn></StsRsnInf></TxInfAndSts><TxInfAndSts><OrgnlEndToEndId>F-NOWHERE</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"#,
        batch["message_id"].as_str().unwrap(),
        batch["debits"][0]["number"].as_str().unwrap()
    );
    let r = c.file("post", "/sepa/rejects", "application/xml", status.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!((r.json()["already"].as_u64(), r.json()["unknown"].as_u64()), (Some(1), Some(1)), "{}", r.text);
    let r = c.file("post", "/sepa/rejects", "application/xml", b"<nope/>").await;
    assert_eq!(r.status, 422, "{}", r.text);
    let amend = format!("/customers/{cid}/mandates/{}/amend", m["id"].as_str().unwrap());
    let a = send(&app, "post", &amend, Some(&token), Some(r#"{"reference": "RUM-OPENAPI-2"}"#), &[]).await;
    assert_eq!(c.check("post", "/customers/{id}/mandates/{mandate_id}/amend", "", a).status, 200);
    let a = send(&app, "post", &amend, Some(&token), Some(r#"{"iban": "FR00"}"#), &[]).await;
    assert_eq!(c.check("post", "/customers/{id}/mandates/{mandate_id}/amend", "", a).status, 422);
    let revoke = format!("/customers/{cid}/mandates/{}/revoke", m["id"].as_str().unwrap());
    let a = send(&app, "post", &revoke, Some(&token), None, &[]).await;
    assert_eq!(c.check("post", "/customers/{id}/mandates/{mandate_id}/revoke", "", a).status, 200);

    // Contracts: an index value, a contract, the run, a termination.
    let value = json!({"period": "2025-12", "value": "250.3"}).to_string();
    let a = send(&app, "post", "/indices/SYNTEC/values", Some(&token), Some(&value), &[]).await;
    assert_eq!(c.check("post", "/indices/{code}/values", "", a).status, 201);
    let a = send(&app, "get", "/indices/SYNTEC/values", Some(&token), None, &[]).await;
    assert_eq!(c.check("get", "/indices/{code}/values", "", a).status, 200);
    let a = send(&app, "post", "/indices/SYN%20TEC/values", Some(&token), Some(&value), &[]).await;
    assert_eq!(c.check("post", "/indices/{code}/values", "", a).status, 404);
    let contract = json!({
        "customer_id": cid, "title": "Maintenance", "start_date": "2026-01-01", "end_date": "2026-12-31",
        "renewal": "tacit", "notice_days": 60, "billing": {"period_months": 3, "mode": "advance"},
        "lines": [{"description": "Maintenance", "quantity": "1", "unit_price": "300", "vat_rate": "20"}],
        "revision": {"index": "SYNTEC", "base_value": "250", "fixed_part": "0.15"},
    });
    let k = c.ok("post", "/contracts", None, Some(contract)).await;
    let kid = k["id"].as_str().unwrap().to_string();
    c.expect(422, "post", "/contracts", None, "", Some(r#"{"title": "x", "billing": {"period_months": 5}}"#)).await;
    c.ok("get", "/contracts", None, None).await;
    c.ok("post", "/billing/run", None, Some(json!({"date": "2026-02-01"}))).await;
    c.ok("get", "/contracts/{id}", Some(&kid), None).await;
    c.ok("get", "/contracts/notices", None, None).await;
    c.expect(422, "get", "/contracts/notices", None, "?as_of=demain", None).await;
    let suspend = json!({"from": "2026-03-01", "to": "2026-03-31", "reason": "Travaux"});
    c.ok("post", "/contracts/{id}/suspend", Some(&kid), Some(suspend)).await;
    c.ok("post", "/contracts/{id}/resume", Some(&kid), Some(json!({"date": "2026-03-15"}))).await;
    c.ok("post", "/contracts/{id}/terminate", Some(&kid), Some(json!({"date": "2026-06-30", "reason": "Fin"}))).await;
    // Interventions under the contract, billed; its plan and its summary.
    let time = json!({"contract_id": kid, "kind": "time", "hours": "2", "rate": "60", "vat_rate": "20"});
    let i = c.ok("post", "/interventions", None, Some(time)).await;
    let iid = i["id"].as_str().unwrap().to_string();
    c.expect(422, "post", "/interventions", None, "", Some(r#"{"kind": "repair"}"#)).await;
    c.ok("get", "/interventions", None, None).await;
    c.ok("get", "/interventions/{id}", Some(&iid), None).await;
    let spare = json!({"contract_id": kid, "kind": "purchase", "cost": "10", "price": "12", "vat_rate": "20"});
    let spare = c.ok("post", "/interventions", None, Some(spare)).await;
    c.ok("delete", "/interventions/{id}", Some(spare["id"].as_str().unwrap()), None).await;
    c.ok("post", "/interventions/bill", None, Some(json!({"contract_id": kid}))).await;
    c.ok("put", "/contracts/{id}/plan", Some(&kid), Some(json!({"hours_per_period": "4", "hourly_cost": "35"}))).await;
    c.ok("get", "/contracts/{id}/summary", Some(&kid), None).await;
    let recurring = json!({
        "customer_id": cid, "frequency_months": 1, "next_date": "2026-01-01", "count": 2,
        "lines": [{"description": "Abonnement", "quantity": "1", "unit_price": "30", "vat_rate": "20"}],
    });
    let r = c.ok("post", "/recurring-invoices", None, Some(recurring)).await;
    let rid = r["id"].as_str().unwrap().to_string();
    c.expect(422, "post", "/recurring-invoices", None, "", Some(r#"{"frequency_months": 0}"#)).await;
    c.ok("get", "/recurring-invoices", None, None).await;
    c.ok("get", "/recurring-invoices/{id}", Some(&rid), None).await;
    c.ok("post", "/recurring-invoices/{id}/stop", Some(&rid), None).await;
    // Accounting hand-off: the FEC and the invoice list of the period.
    let year = time::OffsetDateTime::now_utc().year();
    let period = format!("?from={year}-01-01&to={year}-12-31");
    let a = c
        .call(
            "get",
            "/exports/fec",
            None,
            &format!("{period}&separator=pipe&encoding=utf-8"),
            Some(&token),
            None,
            false,
            &[],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.text.starts_with("JournalCode|JournalLib|EcritureNum"), "{}", a.text);
    let a = c.call("get", "/exports/fec", None, "", Some(&token), None, false, &[]).await;
    assert_eq!(a.status, 200, "{}", a.text);
    c.expect(422, "get", "/exports/fec", None, "?separator=comma", None).await;
    c.expect(422, "get", "/exports/fec", None, &format!("?from={year}-12-31&to={year}-01-01"), None).await;
    let a = c.call("get", "/exports/invoices.csv", None, &period, Some(&token), None, false, &[]).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = c.call("get", "/exports/invoices.xlsx", None, &period, Some(&token), None, false, &[]).await;
    assert_eq!(a.status, 200, "{}", a.text);
    c.expect(422, "get", "/exports/invoices.csv", None, "?lang=de", None).await;
    for path in ["/exports/payments.csv", "/exports/payments.xlsx"] {
        let a = c.call("get", path, None, &period, Some(&token), None, false, &[]).await;
        assert_eq!(a.status, 200, "{}", a.text);
    }
    c.expect(422, "get", "/exports/payments.csv", None, "?lang=de", None).await;
    for software in ["/exports/ximport", "/exports/quadratus", "/exports/ebp"] {
        // The year has the invoices issued above: the files are not empty.
        let a = c.call("get", software, None, &period, Some(&token), None, false, &[]).await;
        assert_eq!(a.status, 200, "{software}: {}", a.text);
        c.expect(422, "get", software, None, "?to=someday", None).await;
    }
    // Export runs: one recorded, then nothing new; its meta, its file, the history.
    let run =
        json!({"format": "fec", "from": format!("{year}-01-01"), "to": format!("{year}-12-31"), "journals": ["VE"]});
    let r = c.ok("post", "/exports", None, Some(run.clone())).await;
    let rid = r["id"].as_str().unwrap().to_string();
    c.expect(422, "post", "/exports", None, "", Some(&run.to_string())).await;
    c.expect(422, "post", "/exports", None, "", Some(r#"{"format": "pdf"}"#)).await;
    c.ok("get", "/exports/{id}", Some(&rid), None).await;
    let a = c.call("get", "/exports/{id}/file", Some(&rid), "", Some(&token), None, false, &[]).await;
    assert_eq!(a.status, 200, "{}", a.text);
    c.ok("get", "/exports", None, None).await;
    c.expect(422, "get", "/exports", None, "?limit=0", None).await;
    c.ok("post", "/accounting/closings", None, Some(json!({"through": "2001-01-31"}))).await;
    c.expect(422, "post", "/accounting/closings", None, "", Some(r#"{"through": "2001-01-01"}"#)).await;
    c.ok("get", "/accounting/closings", None, None).await;

    // Every operation was seen succeeding with its documented success status.
    for (method, path, _) in ROUTES.iter() {
        let op = c.operation(method, path);
        let success: u16 =
            op["responses"].as_object().unwrap().keys().find(|k| k.starts_with('2')).unwrap().parse().unwrap();
        let seen = c.seen.get(&(method.to_string(), path.to_string())).cloned().unwrap_or_default();
        assert!(
            seen.contains(&success),
            "{} {path} was never seen answering {success} (seen: {seen:?}); add it to this test",
            method.to_uppercase()
        );
    }
}

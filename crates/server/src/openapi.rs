//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.

use crate::api::ROUTES;
use serde_json::{Value, json};

/// The OpenAPI document, built from [`ROUTES`].
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = json!({"summary": summary, "responses": {"200": {"description": "OK"}}});
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "facturier API", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
    })
}

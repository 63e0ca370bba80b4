//! What the OpenAPI document says of the fields of the settings' types (feature
//! `openapi`, which the server enables) where the derive cannot read it from the Rust
//! type: a value the API writes as text and names (`Decimal`, `Address`…), a closed list
//! narrower than its enum. A `schema_with` field takes no description from its doc
//! comment: it is written here. Nothing here does I/O.

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// A schema written as JSON (a literal, so it always parses).
fn schema(v: Value) -> RefOr<Schema> {
    serde_json::from_value(v).expect("a literal schema")
}

fn named(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `name` or `null`, described.
fn nullable(name: &str, description: &str) -> RefOr<Schema> {
    schema(json!({"anyOf": [named(name), {"type": "null"}], "description": description}))
}

pub fn address() -> RefOr<Schema> {
    schema(named("Address"))
}

pub fn share_capital() -> RefOr<Schema> {
    nullable("Decimal", "Share capital as printed, in the company's currency.")
}

pub fn late_penalty_rate() -> RefOr<Schema> {
    nullable(
        "Decimal",
        "Yearly late-payment penalty rate in percent; null prints the legal default (ECB rate + 10 points).",
    )
}

pub fn vat_regime() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "enum": ["registered", "franchise"],
        "description": "`registered` (the default: the company charges VAT) or `franchise` (franchise en base, art. 293 B of the CGI: no VAT charged). Sealed with each document.",
    }))
}

pub fn default_payment_terms() -> RefOr<Schema> {
    nullable("PaymentTermsInput", "Payment terms of documents whose customer has none of its own; null: 30 days.")
}

pub fn vat_rates() -> RefOr<Schema> {
    schema(json!({
        "type": "array",
        "maxItems": 10,
        "items": named("Decimal"),
        "description": "VAT rates in percent offered by the document editors.",
    }))
}

pub fn vat_exemptions() -> RefOr<Schema> {
    schema(json!({
        "type": "array",
        "maxItems": 7,
        "items": named("ExemptionInput"),
        "description": "The company's own VAT exemption mentions, copied into each new document.",
    }))
}

/// A line is goods or services, never mixed.
pub fn main_activity() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "enum": ["services", "goods"],
        "description": "What a line typed by hand supplies when nothing else tells it (default `services`).",
    }))
}

//! Field schemas the derive cannot infer from the Rust type (`#[schema(schema_with = ...)]`):
//! a field kept as text (so that a wrong value is a field error, not a refused body) whose
//! values are a closed list, read from `core` where it has the list (payment modes,
//! operations, VAT categories), and the payment methods with the aliases
//! `app::documents::payment_method` accepts (a test holds both lists to it). A
//! `schema_with` field takes no description from its doc comment: it is written here.

use facturier_core::document::Operation;
use facturier_core::schedule::PaymentMode;
use facturier_core::tax::VatCategory;
use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::written::schema;

pub fn document_kind() -> RefOr<Schema> {
    schema(json!({"$ref": "#/components/schemas/DocumentKind"}))
}

pub fn field_errors() -> RefOr<Schema> {
    schema(json!({
        "type": "array",
        "items": {"$ref": "#/components/schemas/FieldError"},
        "description": "What issuing would refuse (422), in the reader's language (`Accept-Language`).",
    }))
}

pub fn problem_status() -> RefOr<Schema> {
    schema(json!({"type": "integer", "minimum": 400, "maximum": 599}))
}

pub fn problem_errors() -> RefOr<Schema> {
    schema(json!({
        "type": "array",
        "description": "Present on 422: every field at fault.",
        "items": {"$ref": "#/components/schemas/FieldError"},
    }))
}

pub fn problem_place() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "enum": ["identity", "terms", "numbering", "customer", "document"],
        "description": "Where it is fixed: a settings page, the customer, the document.",
    }))
}

pub fn problem_line() -> RefOr<Schema> {
    schema(json!({"type": "integer", "minimum": 0, "description": "The index in `lines` of the line concerned."}))
}

pub fn emails() -> RefOr<Schema> {
    schema(json!({"type": "array", "items": {"type": "string", "format": "email"}}))
}

fn addresses(description: &str) -> RefOr<Schema> {
    schema(json!({
        "type": ["array", "null"],
        "maxItems": crate::app::email::MAX_RECIPIENTS,
        "items": {"type": "string", "format": "email"},
        "description": description,
    }))
}

pub fn recipients() -> RefOr<Schema> {
    addresses("Recipients; default: the customer's e-mail, else its first contact's.")
}

pub fn copies() -> RefOr<Schema> {
    addresses("Copies.")
}

pub fn send_language() -> RefOr<Schema> {
    schema(json!({
        "type": ["string", "null"],
        "enum": ["fr", "en", null],
        "description": "Language of the template and of the attachment's name; default: the customer's.",
    }))
}

pub fn email_status() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "enum": ["pending", "sending", "sent", "failed"],
        "description": "`pending`: queued, waiting for its first attempt or a retry; `sending`: a worker is handing it to the SMTP server; `sent`: accepted by it; `failed`: refused for good or too many attempts.",
    }))
}

pub fn customer_kind() -> RefOr<Schema> {
    schema(json!({"type": ["string", "null"], "enum": ["company", "individual", null], "default": "company"}))
}

pub fn customer_language() -> RefOr<Schema> {
    schema(json!({
        "type": ["string", "null"],
        "enum": ["fr", "en", null],
        "default": "fr",
        "description": "Language of the customer's documents.",
    }))
}

pub fn payment_terms_input() -> RefOr<Schema> {
    schema(json!({
        "anyOf": [{"$ref": "#/components/schemas/PaymentTermsInput"}, {"type": "null"}],
        "description": "Default terms of the customer's documents.",
    }))
}

pub fn tags() -> RefOr<Schema> {
    schema(json!({"type": ["array", "null"], "maxItems": 50, "items": {"type": "string", "maxLength": 50}}))
}

pub fn invoice_grouping() -> RefOr<Schema> {
    schema(json!({
        "type": ["string", "null"],
        "enum": ["customer", "site", "delivery_note", null],
        "description": "How the monthly run invoices this customer's delivery notes; default `customer`.",
    }))
}

pub fn network() -> RefOr<Schema> {
    schema(json!({
        "type": ["string", "null"],
        "enum": ["fr", "peppol", null],
        "description": "The e-invoicing network the customer receives on, hence the UBL `GET /invoices/{id}/ubl` serves it: `fr` (the French platforms, BR-FR) or `peppol`; absent: `fr` for a customer in France, `peppol` otherwise.",
    }))
}

/// A closed list of text values, `null` included (absent).
fn one_of_or_null(values: &[&str], description: &str) -> RefOr<Schema> {
    let mut e: Vec<Value> = values.iter().map(|v| json!(v)).collect();
    e.push(Value::Null);
    schema(json!({"type": ["string", "null"], "enum": e, "description": description}))
}

pub fn line_kind() -> RefOr<Schema> {
    one_of_or_null(
        &["item", "comment", "subtotal", "deduction"],
        "`item` (default); `comment`: text only, `description` required; `subtotal`: shows the sum of the item lines since the previous subtotal; `deduction`: a deposit taken back by the final invoice (written by facturier, figures like an item, never touched by the document discount).",
    )
}

/// The categories `core::tax::ExemptionReason::new` takes: those with an exemption.
pub fn exemption_category() -> RefOr<Schema> {
    let categories: Vec<&str> = VatCategory::ALL.iter().filter(|c| c.exemption().is_some()).map(|c| c.code()).collect();
    described(one_of(&categories), "The 0 % category the mention is for; at most one mention per category.")
}

pub fn instalment_kind() -> RefOr<Schema> {
    schema(json!({"type": ["string", "null"], "enum": ["deposit", "payment", null]}))
}

pub fn payment_mode() -> RefOr<Schema> {
    let modes: Vec<&str> = PaymentMode::ALL.iter().map(|m| m.as_str()).collect();
    one_of_or_null(&modes, "How the customer is expected to pay.")
}

pub fn operation_input() -> RefOr<Schema> {
    let ops = [Operation::Goods, Operation::Services, Operation::Mixed].map(Operation::as_str);
    one_of_or_null(
        &ops,
        "Nature of the operation (a mention of the 2026 reform); told by the lines' units when absent: hours, days, months, lump sums and services are services, the rest goods.",
    )
}

pub fn convert_target() -> RefOr<Schema> {
    schema(json!({
        "type": "string",
        "enum": ["order", "invoice", "delivery-note", "delivery_note", "proforma"],
        "description": "The kind of the new draft.",
    }))
}

/// The payment methods stored, as `app::documents::payment_method` names them.
pub const PAYMENT_METHODS: [&str; 7] = ["bank_transfer", "card", "cheque", "cash", "direct_debit", "online", "other"];
/// The other names `app::documents::payment_method` accepts for them.
pub const PAYMENT_METHOD_ALIASES: [&str; 28] = [
    "transfer",
    "wire",
    "wire_transfer",
    "credit_transfer",
    "sepa_transfer",
    "sepa_credit_transfer",
    "virement",
    "bank",
    "credit_card",
    "debit_card",
    "cb",
    "carte",
    "carte_bancaire",
    "check",
    "chèque",
    "especes",
    "espèces",
    "liquide",
    "sepa_direct_debit",
    "sepa_debit",
    "sepa",
    "debit",
    "prelevement",
    "prélèvement",
    "paypal",
    "stripe",
    "payment_link",
    "autre",
];

pub fn payment_method() -> RefOr<Schema> {
    let names: Vec<&str> = PAYMENT_METHODS.iter().chain(PAYMENT_METHOD_ALIASES.iter()).copied().collect();
    one_of_or_null(&names, "Default `bank_transfer`. Case-insensitive; the aliases are stored as the method they name.")
}

pub fn excess_on_invoice() -> RefOr<Schema> {
    one_of_or_null(
        &["credit"],
        "What to do with an amount above what is due: `credit` keeps the rest as the customer's credit; absent, such an amount is refused (422 on `amount`).",
    )
}

pub fn excess_of_payment() -> RefOr<Schema> {
    one_of_or_null(
        &["credit"],
        "`credit`: what the allocations leave over becomes the customer's credit; absent, it is refused (422 on `amount`).",
    )
}

/// A closed list of text values.
fn one_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

fn described(mut s: Value, description: &str) -> RefOr<Schema> {
    s["description"] = json!(description);
    schema(s)
}

pub fn line_view_kind() -> RefOr<Schema> {
    schema(one_of(&["item", "comment", "subtotal", "deduction"]))
}

pub fn instalment_view_kind() -> RefOr<Schema> {
    schema(one_of(&["deposit", "payment"]))
}

pub fn operation() -> RefOr<Schema> {
    schema(one_of(&[Operation::Goods, Operation::Services, Operation::Mixed].map(Operation::as_str)))
}

pub fn link_relation() -> RefOr<Schema> {
    schema(one_of(&["parent", "child"]))
}

/// The methods a payment is stored with: [`PAYMENT_METHODS`] and `credit` (customer credit
/// applied).
fn stored_methods() -> Value {
    let methods: Vec<&str> = PAYMENT_METHODS.iter().copied().chain(["credit"]).collect();
    one_of(&methods)
}

pub fn stored_method() -> RefOr<Schema> {
    schema(stored_methods())
}

pub fn stored_method_described() -> RefOr<Schema> {
    described(stored_methods(), "`credit`: customer credit applied.")
}

pub fn payment_status() -> RefOr<Schema> {
    schema(one_of(&["recorded", "cancelled"]))
}

pub fn payment_status_described() -> RefOr<Schema> {
    described(one_of(&["recorded", "cancelled"]), "A cancelled payment is kept and no longer counts.")
}

pub fn payment_kind() -> RefOr<Schema> {
    described(
        one_of(&["receipt", "credit", "refund"]),
        "`receipt`: money received; `credit`: customer credit applied to an invoice; `refund`: credit paid back (outgoing).",
    )
}

pub fn statement_entry_kind() -> RefOr<Schema> {
    schema(one_of(&[
        "invoice",
        "deposit_invoice",
        "credit_note",
        "payment",
        "payment_cancelled",
        "credit_applied",
        "credit_applied_cancelled",
        "refund",
        "refund_cancelled",
    ]))
}

pub fn logo_type() -> RefOr<Schema> {
    schema(one_of(&["image/png", "image/jpeg"]))
}

pub fn customer_kind_view() -> RefOr<Schema> {
    schema(one_of(&["company", "individual"]))
}

pub fn customer_language_view() -> RefOr<Schema> {
    schema(one_of(&["fr", "en"]))
}

pub fn invoice_grouping_view() -> RefOr<Schema> {
    schema(one_of(&["customer", "site", "delivery_note"]))
}

pub fn network_view() -> RefOr<Schema> {
    described(one_of(&["fr", "peppol"]), "Absent when the customer chose none (its country tells).")
}

pub fn email_templates_input() -> RefOr<Schema> {
    let templates = super::schemas::nullable(super::schemas::email_templates(false));
    described(templates, "Replaces every stored template; kinds and languages left out use the built-in template.")
}

pub fn vat_regime() -> RefOr<Schema> {
    described(
        one_of(&["registered", "franchise"]),
        "`registered` (the default: the company charges VAT) or `franchise` (franchise en base, art. 293 B of the CGI: no VAT charged). Sealed with each document.",
    )
}

pub fn facturx_profile() -> RefOr<Schema> {
    schema(one_of(&["minimum", "basic_wl", "en16931"]))
}

pub fn main_activity() -> RefOr<Schema> {
    described(
        one_of(&["services", "goods"]),
        "What a line typed by hand supplies when nothing else tells it (default `services`).",
    )
}

//! The component schemas: derived from the Rust types the handlers read and write
//! ([`Derived`]), written as the rest of the document is ([`as_written`]), then the
//! structural pieces: the read-only fields an input accepts, a line's requirements, the
//! merge patches of the derived inputs, the page wrapper and the lists. `Settings` is the
//! store's `CompanySettings` (derived with the `openapi` feature of `core` and `store`),
//! but for its e-mail templates, whose merge fields `formats` lists.

use super::schema_ref;
use facturier_core::document::DocumentKind;
use serde_json::{Map, Value, json};

// ---- schema helpers -------------------------------------------------------------

/// A schema that also accepts `null` (`null` means "absent" in a body).
pub(super) fn nullable(s: Value) -> Value {
    match s.get("type") {
        Some(Value::String(t)) if s.get("$ref").is_none() => {
            let mut s = s.clone();
            s["type"] = json!([t, "null"]);
            if let Some(Value::Array(e)) = s.get_mut("enum")
                && !e.contains(&Value::Null)
            {
                e.push(Value::Null);
            }
            s
        }
        Some(Value::Array(t)) if t.contains(&json!("null")) => s,
        _ if s.get("anyOf").and_then(Value::as_array).is_some_and(|a| a.contains(&json!({"type": "null"}))) => s,
        _ => json!({"anyOf": [s, {"type": "null"}]}),
    }
}

/// Writes what the derive gives as the rest of the document is written: the
/// `{"oneOf": [X, {"type": "null"}]}` of an `Option` field as [`nullable`] of X with the
/// description beside it, and a doc comment's lines (wrapped at the source's width, not
/// the reader's) as one paragraph.
fn as_written(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.values_mut().for_each(as_written);
            if let Some(Value::String(d)) = m.get_mut("description")
                && d.contains('\n')
            {
                *d = d.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
            }
            merge_all_of(m);
            let Some(Value::Array(one_of)) = m.get("oneOf") else { return };
            let [a, b] = one_of.as_slice() else { return };
            let null = json!({"type": "null"});
            let mut x = match (a == &null, b == &null) {
                (false, true) => a.clone(),
                (true, false) => b.clone(),
                _ => return,
            };
            m.remove("oneOf");
            let description = x.as_object_mut().and_then(|o| o.remove("description"));
            let Value::Object(n) = nullable(x) else { return };
            for (k, x) in n {
                m.entry(k).or_insert(x);
            }
            if let Some(d) = description {
                m.entry("description").or_insert(d);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(as_written),
        _ => {}
    }
}

/// The `allOf` the derive writes for an inlined type with a field's own description (the
/// type, then an object that only says the description) or a flattened one
/// (`#[serde(flatten)]`: objects), as the one schema it is: properties and requirements
/// together, the field's description (else the type's).
fn merge_all_of(m: &mut Map<String, Value>) {
    let Some(Value::Array(parts)) = m.get("allOf") else { return };
    let object = |p: &Value| p.get("type") == Some(&json!("object"));
    let says_only =
        |p: &Value| object(p) && p.as_object().is_some_and(|o| o.keys().all(|k| k == "type" || k == "description"));
    let objects = parts.iter().all(object);
    let one_value = parts.iter().filter(|p| !says_only(p)).count() == 1;
    if parts.iter().any(|p| p.get("$ref").is_some()) || !(objects || one_value) {
        return;
    }
    let Some(Value::Array(parts)) = m.remove("allOf") else { return };
    let (mut properties, mut required, mut described) = (Map::new(), Vec::new(), None);
    for part in parts {
        let only_says = !objects && says_only(&part);
        let Value::Object(mut part) = part else { continue };
        if let Some(Value::Object(p)) = part.remove("properties") {
            properties.extend(p);
        }
        if let Some(Value::Array(r)) = part.remove("required") {
            required.extend(r);
        }
        if let Some(d) = part.remove("description") {
            described = Some(d);
        }
        if !only_says {
            m.extend(part);
        }
    }
    if !required.is_empty() {
        m.insert("required".into(), Value::Array(required));
    }
    if objects {
        m.insert("properties".into(), Value::Object(properties));
    }
    if let Some(d) = described {
        m.entry("description").or_insert(d);
    }
}

/// A required text of at most `max` characters (trimmed; blank counts as absent).
fn text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max})
}

fn described(mut s: Value, description: &str) -> Value {
    s["description"] = json!(description);
    s
}

/// A field an input accepts (so a body read with GET can be sent back) and ignores.
fn ignored() -> Value {
    json!({"readOnly": true, "description": "Read-only: accepted and ignored."})
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

/// An input object: unknown fields are refused (422).
fn input(required: &[&str], properties: Value) -> Value {
    let mut o = object(required, properties);
    o["additionalProperties"] = json!(false);
    o
}

fn page(item: &str, description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": schema_ref(item)},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass it as `after` for the next page; null on the last page.",
            },
        },
    })
}

/// The merge-patch form of an input schema: nothing required, `null` removes a value,
/// and nested objects (merged, not replaced) take their own patch form.
fn patch_of(schema: &Value, renames: &[(&str, &str)], description: &str) -> Value {
    fn rename_refs(v: &mut Value, renames: &[(&str, &str)]) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match (k.as_str(), &*x) {
                        ("items", _) => {} // arrays are replaced whole
                        ("$ref", Value::String(r)) => {
                            if let Some((_, to)) =
                                renames.iter().find(|(from, _)| r.strip_prefix("#/components/schemas/") == Some(*from))
                            {
                                *x = json!(format!("#/components/schemas/{to}"));
                            }
                        }
                        _ => rename_refs(x, renames),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| rename_refs(x, renames)),
            _ => {}
        }
    }
    let mut p = schema.clone();
    let m = p.as_object_mut().expect("an input schema is an object");
    m.remove("required");
    m.remove("anyOf");
    m.insert("description".into(), json!(description));
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        for prop in props.values_mut() {
            if prop.get("readOnly").is_some() {
                continue;
            }
            rename_refs(prop, renames);
            let description = prop.as_object_mut().and_then(|o| o.remove("description"));
            *prop = nullable(prop.take());
            if let Some(d) = description {
                prop["description"] = d;
            }
        }
    }
    p
}

// ---- derived schemas ------------------------------------------------------------

/// The component schemas derived from the Rust types (`utoipa::ToSchema`): the struct's
/// fields, which are required, `additionalProperties: false` from `deny_unknown_fields`,
/// descriptions from the doc comments and constraints from `#[schema(...)]`.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    crate::api::issue_check::IssueCheck,
    crate::api::email::EmailView,
    crate::app::email::SendInput,
    crate::app::settings::NumberingView,
    crate::app::settings::NumberingInput,
    crate::app::customers::CustomerInput,
    crate::app::customers::AddressInput,
    crate::app::customers::ContactInput,
    crate::app::customers::LegalInput,
    crate::api::products::ProductInput,
    crate::api::products::ProductView,
    crate::api::imports::ImportResult,
    crate::api::imports::RejectedRow,
    crate::app::documents::input::DocumentInput,
    crate::app::documents::input::LineInput,
    crate::app::documents::input::OtherTaxInput,
    crate::app::documents::input::ExemptionInput,
    crate::app::documents::input::ShippingInput,
    crate::app::documents::input::InstalmentInput,
    crate::app::documents::DepositInput,
    crate::app::documents::ProgressInput,
    crate::app::documents::ConvertInput,
    crate::app::documents::PaymentInput,
    crate::app::documents::CreditNoteInput,
    crate::api::billing::DeliveryRunInput,
    crate::api::payments::NewPaymentInput,
    crate::api::payments::CancelInput,
    crate::api::payments::ApplyCreditInput,
    crate::api::payments::RefundInput,
    crate::api::documents::DocumentView,
    crate::api::documents::LineView,
    crate::api::documents::TotalsView,
    crate::api::documents::VatView,
    crate::api::documents::PaymentView,
    crate::api::documents::LinkView,
    crate::api::documents::EventView,
    crate::app::customers::AddressView,
    crate::api::payments::PaymentView,
    crate::api::payments::CreditView,
    crate::api::payments::CreditLine,
    crate::api::payments::StatementView,
    crate::api::customer_files::FileView,
    crate::api::settings::LogoView,
    crate::api::billing::DeliveryRunView,
    crate::app::reports::AgedBalanceView,
    crate::app::reports::AgedAmounts,
    crate::app::reports::AgedCustomer,
    crate::api::customers::CustomerView,
    crate::api::dunning::OverdueView,
    crate::api::dunning::RunInput,
    crate::api::dunning::StepView,
    crate::api::dunning::LetterView,
    crate::api::dunning::SkippedView,
    crate::api::dunning::RunView,
    crate::api::dunning::FlagInput,
    crate::api::dunning::InvoiceDunningView,
    crate::api::dunning::NoteInput,
    crate::app::settings::SettingsInput,
    crate::app::settings::DunningLevelInput,
    crate::app::settings::FriendlyReminderInput,
    crate::app::settings::QuoteFollowUpInput,
    crate::api::dunning::FeeView,
    crate::api::dunning::QuoteView,
    crate::error::ProblemBody,
    facturier_store::companies::CompanySettings,
    crate::error::FieldErrorView,
    crate::openapi::written::DecimalText,
    crate::openapi::written::DateText,
    crate::openapi::written::PaymentTerms,
    crate::openapi::written::PaymentTermsInput,
    crate::openapi::written::VatCategory,
    crate::openapi::written::UnitCode,
    crate::openapi::written::DocumentStatus,
    crate::openapi::written::DocumentKind,
    crate::openapi::written::LinkKind,
    crate::openapi::written::Nature,
    crate::stripe::PaymentLinkView,
    crate::stripe::WebhookAnswer,
    crate::api::sepa::MandateInput,
    crate::api::sepa::MandateView,
    crate::api::sepa::MandateList,
    crate::api::sepa::DirectDebitInput,
    crate::api::accounting::ExportInput,
    crate::api::accounting::ExportView,
    crate::api::accounting::ExportPage,
    crate::api::accounting::ClosingInput,
    crate::api::accounting::ClosingView,
    crate::api::accounting::ClosingList,
    crate::api::sepa::DirectDebitView,
    crate::api::sepa::DirectDebitList,
    crate::api::sepa::DebitView,
    crate::api::sepa::CollectedInput,
    crate::api::sepa::RejectInput,
    crate::app::contracts::ContractInput,
    crate::app::contracts::BillingInput,
    crate::app::contracts::RevisionInput,
    crate::app::contracts::RevisionIndexInput,
    crate::app::contracts::IndexValueInput,
    crate::app::contracts::TerminateInput,
    crate::app::contracts::SuspendInput,
    crate::app::contracts::ResumeInput,
    crate::api::contracts::ContractView,
    crate::api::contracts::ContractPage,
    crate::api::contracts::ScheduleView,
    crate::api::contracts::BilledView,
    crate::api::contracts::ContractEventView,
    crate::api::contracts::NoticeView,
    crate::api::contracts::NoticeList,
    crate::api::contracts::IndexValueView,
    crate::api::contracts::IndexValueList,
    crate::api::contracts::BillingRunInput,
    crate::api::contracts::BlockedView,
    crate::api::contracts::BillingRunView,
    crate::app::interventions::InterventionInput,
    crate::app::interventions::BillInterventionsInput,
    crate::app::interventions::PlanInput,
    crate::api::interventions::InterventionView,
    crate::api::interventions::InterventionList,
    crate::api::interventions::InterventionBillView,
    crate::api::interventions::ContractSummaryView,
    crate::app::recurring::RecurringInput,
    crate::api::recurring::RecurringView,
    crate::api::recurring::RecurringPage,
    crate::api::recurring::OccurrenceView,
    crate::api::sepa::MandateAmendInput,
    crate::api::sepa::RejectImportView,
    crate::api::index_import::IndexImportResult,
    crate::api::index_import::IndexImportRejected,
    crate::api::sepa::RejectLineView,
)))]
struct Derived;

fn derived_schemas() -> Map<String, Value> {
    use utoipa::OpenApi;
    let schemas = Derived::openapi().components.map(|c| c.schemas).unwrap_or_default();
    match serde_json::to_value(schemas) {
        Ok(Value::Object(mut m)) => {
            m.values_mut().for_each(as_written);
            m
        }
        _ => Map::new(),
    }
}

/// The read-only fields each input accepts (so a body read with GET can be sent back) and
/// ignores: serde never writes them (`skip_serializing`), so the derive leaves them out.
const READ_ONLY: &[(&str, &[&str])] = &[
    ("CustomerInput", &["id", "credit", "created_at", "updated_at"]),
    ("ProductInput", &["id", "margin", "created_at", "updated_at", "archived_at"]),
    ("LineInput", &["net", "charge", "margin", "margin_rate", "source_line_id", "available_stock"]),
    ("InstalmentInput", &["amount", "due_date"]),
    (
        "DocumentInput",
        &[
            "counter_value",
            "progress_percent",
            "margin",
            "id",
            "kind",
            "status",
            "number",
            "due_date",
            "totals",
            "payments",
            "links",
            "seal",
            "created_at",
            "updated_at",
            "issued_at",
        ],
    ),
];

fn accept_read_only(s: &mut Map<String, Value>) {
    for (name, fields) in READ_ONLY {
        if let Some(Value::Object(props)) = s.get_mut(*name).and_then(|c| c.get_mut("properties")) {
            for field in *fields {
                props.insert(field.to_string(), ignored());
            }
        }
    }
}

/// What a line needs besides its quantity: a text line its kind, an item a product or
/// its own description, price and VAT rate.
fn line_requirements() -> Value {
    json!([
        {"required": ["kind"], "properties": {"kind": {"enum": ["comment", "subtotal"]}}},
        {"required": ["product_id"], "properties": {"product_id": {"type": "string", "format": "uuid"}}},
        {"required": ["description", "unit_price", "vat_rate"], "properties": {
            "description": {"type": "string"},
            "unit_price": schema_ref("Decimal"),
            "vat_rate": schema_ref("Decimal"),
        }},
    ])
}

type Renames = &'static [(&'static str, &'static str)];

/// The merge-patch bodies: (patch, the input it patches, the nested inputs that take
/// their own patch form, description).
const PATCHES: &[(&str, &str, Renames, &str)] = &[
    ("CustomerPatch", "CustomerInput", CUSTOMER_RENAMES, "An RFC 7386 merge patch over a `CustomerInput`."),
    (
        "AddressPatch",
        "AddressInput",
        CUSTOMER_RENAMES,
        "A merge patch over an `AddressInput` (an absent address takes the patch as it is, which must then be a whole address).",
    ),
    ("LegalPatch", "LegalInput", CUSTOMER_RENAMES, "A merge patch over a `LegalInput`."),
    ("ProductPatch", "ProductInput", &[], "An RFC 7386 merge patch over a `ProductInput`."),
    (
        "DocumentPatch",
        "DocumentInput",
        &[],
        "An RFC 7386 merge patch over a `DocumentInput`; `lines` is replaced whole.",
    ),
];
const CUSTOMER_RENAMES: Renames = &[("AddressInput", "AddressPatch"), ("LegalInput", "LegalPatch")];

/// The e-mail templates by kind of document and language: `required` for the settings as
/// read (every template whole), else as written (unknown keys refused).
pub(super) fn email_templates(required: bool) -> Value {
    let fields = facturier_formats::email::Field::list();
    let t = |max: usize, what: &str| {
        described(text(max), &format!("{what}; merge fields: {fields}. `{{{{` and `}}}}` write a brace."))
    };
    let tpl = json!({"subject": t(300, "Subject"), "body": t(20_000, "Body, plain text")});
    let one = if required { object(&["subject", "body"], tpl) } else { input(&["subject", "body"], tpl) };
    let langs = json!({"fr": one.clone(), "en": one});
    let by_lang = if required { object(&[], langs) } else { input(&[], langs) };
    let kinds: Map<String, Value> =
        DocumentKind::ALL.iter().map(|k| (k.as_str().to_string(), by_lang.clone())).collect();
    if required { object(&[], Value::Object(kinds)) } else { input(&[], Value::Object(kinds)) }
}

pub(super) fn schemas() -> Value {
    let mut s = derived_schemas();
    accept_read_only(&mut s);
    if let Some(Value::Object(line)) = s.get_mut("LineInput") {
        line.insert("anyOf".into(), line_requirements());
    }
    for (name, of, renames, description) in PATCHES {
        if let Some(patch) = s.get(*of).map(|input| patch_of(input, renames, description)) {
            s.insert(name.to_string(), patch);
        }
    }
    // The e-mail templates' schema names the merge fields, which `formats` lists.
    if let Some(Value::Object(props)) = s.get_mut("Settings").and_then(|c| c.get_mut("properties")) {
        props.insert(
            "email_templates".into(),
            described(
                email_templates(true),
                "The company's e-mail templates by kind and language, replacing the built-in ones.",
            ),
        );
    }
    // ---- online payment (issue 23): what the settings show of the Stripe account ----
    if let Some(Value::Object(props)) = s.get_mut("Settings").and_then(|c| c.get_mut("properties")) {
        props.insert("stripe".into(), schema_ref("StripeStatus"));
    }
    let mut add = |name: &str, v: Value| {
        s.insert(name.to_string(), v);
    };

    // ---- customers: output ----
    add("CustomerPage", page("CustomerView", "A page of customers."));
    add("CustomerFileList", json!({"type": "array", "items": schema_ref("CustomerFile")}));

    // ---- products ----
    add("ProductPage", page("ProductView", "A page of products."));

    // ---- documents: output ----
    add("PaymentPage", page("Payment", "A page of payments, newest first."));
    add("DocumentPage", page("DocumentView", "A page of documents."));
    add("DunningPage", page("DunningItem", "The overdue invoices, oldest due date first (one page)."));
    add("DunningQuotePage", page("DunningQuote", "The sent quotes not accepted yet, with their next follow-up."));

    // ---- e-mail ----
    add("EmailList", json!({"type": "array", "items": schema_ref("EmailView")}));

    // ---- settings ----
    add("NumberingList", json!({"type": "array", "items": schema_ref("NumberingView")}));

    // ---- online payment (issue 23) ----
    let hint = |d: &str| json!({"type": "string", "description": d});
    add(
        "StripeStatus",
        json!({
            "type": "object",
            "description": "The company's Stripe account, when online payment is set up: never a secret, only its last four characters.",
            "required": ["secret_key", "webhook_secret", "api_base", "webhook_path"],
            "additionalProperties": false,
            "properties": {
                "secret_key": hint("The secret key's last four characters (`…abcd`)."),
                "webhook_secret": hint("The webhook signing secret's last four characters."),
                "api_base": hint("Where Stripe's API is called."),
                "webhook_path": hint("The path of the company's webhook endpoint under the public address: `/api/v1/webhooks/stripe/{company_id}`."),
            },
        }),
    );
    add(
        "StripeEvent",
        json!({
            "type": "object",
            "description": "A Stripe event as Stripe sends it (https://docs.stripe.com/api/events/object): `id`, `type`, `data.object` (a Checkout session: `id`, `payment_status`, `amount_total`, `currency`).",
            "required": ["id", "type", "data"],
            "properties": {
                "id": {"type": "string"},
                "type": {"type": "string"},
                "data": {"type": "object", "properties": {"object": {"type": "object"}}},
            },
        }),
    );

    Value::Object(s)
}

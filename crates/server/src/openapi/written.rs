//! The schemas of the values the API carries as text whose rules live in `core`: decimals,
//! days, payment terms, unit codes, and the closed lists (kinds, statuses, VAT categories,
//! natures) read from the `ALL` list of their `core` type. A derived field names one with
//! `#[schema(value_type = written::DecimalText)]`, which gives
//! `$ref: #/components/schemas/Decimal` with the field's doc comment as its description.

use facturier_core::document::{DocumentKind as Kind, Nature as CoreNature, Status};
use facturier_core::tax::VatCategory as Category;
use serde_json::{Value, json};
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// A schema written as JSON (a literal, so it always parses).
pub(crate) fn schema(v: Value) -> RefOr<Schema> {
    serde_json::from_value(v).expect("a literal schema")
}

macro_rules! text {
    ($(#[$doc:meta])* $marker:ident => $name:literal, $schema:expr) => {
        $(#[$doc])*
        pub struct $marker;
        impl utoipa::PartialSchema for $marker {
            fn schema() -> RefOr<Schema> {
                schema($schema)
            }
        }
        impl utoipa::ToSchema for $marker {
            fn name() -> Cow<'static, str> {
                $name.into()
            }
        }
    };
}

text!(
    /// `Decimal`: read by `input::DecText`, written by `money::to_text`. (Not named
    /// `Decimal`: utoipa's `decimal` feature would take it for rust_decimal's.)
    DecimalText => "Decimal",
    json!({
        "type": "string",
        "format": "decimal",
        "description": "A decimal number as a JSON string, without exponent or thousands separator.",
        "pattern": "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
        "maxLength": 40,
        "examples": ["1234.50", "20", "-3"],
    })
);

text!(
    /// `Date`: a `time::Date` as `api::date_text` writes it and `input::parse_date` reads it.
    /// (Not named `Date`: utoipa's `time` feature would take it for time's.)
    DateText => "Date",
    json!({"type": "string", "format": "date", "description": "A day, `YYYY-MM-DD`.", "examples": ["2026-11-23"]})
);

text!(
    /// `PaymentTerms`: `core::terms::PaymentTerms` as it writes itself.
    PaymentTerms => "PaymentTerms",
    json!({
        "type": "string",
        "description": "When an invoice falls due: `on_receipt`, `N_days` (N days after the issue date), `N_days_end_of_month` (N days, then the end of that month) or `end_of_month_plus_N` (the end of the issue month, then N days); N is at most 365. Case-insensitive.",
        "pattern": "^(on_receipt|[0-9]{1,3}_days|[0-9]{1,3}_days_end_of_month|end_of_month_plus_[0-9]{1,3})$",
        "examples": ["30_days", "45_days_end_of_month", "end_of_month_plus_10", "on_receipt"],
    })
);

text!(
    /// `PaymentTermsInput`: what `core::terms::PaymentTerms` parses (a term or a number of days).
    PaymentTermsInput => "PaymentTermsInput",
    json!({
        "type": ["string", "integer"],
        "description": "Payment terms as written in `PaymentTerms`, or a number of days (0 is on receipt). Also accepted: `net_30`, `30d`, `45_days_eom`, `immediate`.",
        "examples": ["30_days", 30, "45_days_end_of_month"],
    })
);

text!(
    /// `VatCategory`: the codes of `core::tax::VatCategory::ALL`.
    VatCategory => "VatCategory",
    json!({
        "type": "string",
        "description": "UNTDID 5305 VAT category: S standard, Z zero-rated, E exempt, AE reverse charge, K intra-community, G export, O outside the scope of VAT. Input is case-insensitive; by default S for a positive rate and Z for 0.",
        "enum": Category::ALL.iter().map(|c| c.code()).collect::<Vec<_>>(),
    })
);

text!(
    /// `UnitCode`: what `core::product::UnitCode` parses.
    UnitCode => "UnitCode",
    json!({
        "type": "string",
        "description": "A UN/ECE recommendation 20 unit code (case-insensitive): C62 one, H87 piece, HUR hour, DAY day, MON month, KGM kilogram, MTR metre, LTR litre, LS lump sum, E48 service unit…",
        "pattern": "^[A-Za-z0-9]{1,3}$",
        "examples": ["C62", "HUR", "DAY"],
    })
);

text!(
    /// `DocumentStatus`: the names of `core::document::Status::ALL`.
    DocumentStatus => "DocumentStatus",
    json!({
        "type": "string",
        "description": "`draft` → `issued` → `partially_paid` → `paid`; an issued invoice fully offset by credit notes becomes `credited`.",
        "enum": Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    })
);

text!(
    /// `DocumentKind`: the names of `core::document::DocumentKind::ALL`.
    DocumentKind => "DocumentKind",
    json!({"type": "string", "enum": Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()})
);

text!(
    /// `LinkKind`: what a document links to: a document of a kind, or the contract an
    /// invoice bills a period of.
    LinkKind => "LinkKind",
    json!({
        "type": "string",
        "enum": Kind::ALL.iter().map(|k| k.as_str()).chain(["contract"]).collect::<Vec<_>>(),
        "description": "A document kind, or `contract`: the contract whose period an invoice bills.",
    })
);

text!(
    /// `Nature`: the names of `core::document::Nature`.
    Nature => "Nature",
    json!({
        "type": "string",
        "enum": [CoreNature::Goods.as_str(), CoreNature::Services.as_str()],
        "description": "What a line or a product supplies: goods or services.",
    })
);

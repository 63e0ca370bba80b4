//! The body of a document (lines, header fields, shipping, schedule) as both interfaces
//! give it, and how it is checked and turned into `core` content: every field at fault
//! named at once, with what the customer and the company's settings supply by default.

use crate::App;
use crate::api::date_text;
use crate::app::customers::AddressInput;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{Check, DecRules, DecText};
use crate::openapi::{field, written};
use facturier_core::Decimal;
use facturier_core::document::{Content, Line, LineKind, MAX_DESCRIPTION, MAX_LINES, Nature, Operation};
use facturier_core::message::Message;
use facturier_core::money::{Currency, MAX_MAGNITUDE, to_text};
use facturier_core::product::{Product, UnitCode};
use facturier_core::schedule::{Condition, Instalment, InstalmentKind, PaymentMode, Schedule};
use facturier_core::tax::{ExemptionReason, MAX_EXEMPTION_TEXT, TaxError, Vat, VatCategory, VatexCode};
use facturier_core::terms::PaymentTerms;
use facturier_core::totals::{DocumentCharge, OtherTax, OtherTaxRate, TotalsError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// One line of a document body.
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// A line's id, sent back to keep it across a PATCH; a new id is made when absent or
    /// not a UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A product of the catalogue: the line takes the description, price, VAT and unit it
    /// leaves out from it.
    #[schema(format = Uuid)]
    pub product_id: Option<String>,
    /// Required without `product_id`.
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// Not zero (negative for a return), at most 6 decimals.
    #[schema(required = true, value_type = written::DecimalText)]
    pub quantity: Option<DecText>,
    #[schema(value_type = Option<written::UnitCode>)]
    pub unit: Option<String>,
    /// Net unit price: at least 0, at most 6 decimals. Required without `product_id`.
    #[schema(value_type = Option<written::DecimalText>)]
    pub unit_price: Option<DecText>,
    /// VAT rate in percent: 0 to 100, at most 4 decimals. Required without `product_id`.
    #[schema(value_type = Option<written::DecimalText>)]
    pub vat_rate: Option<DecText>,
    /// Read with `vat_rate` only.
    #[schema(value_type = Option<written::VatCategory>)]
    pub vat_category: Option<String>,
    /// Line discount in percent: 0 to 100, at most 4 decimals; default 0.
    #[schema(value_type = Option<written::DecimalText>)]
    pub discount_percent: Option<DecText>,
    /// `item` (default), `comment` (text only) or `subtotal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = field::line_kind)]
    pub kind: Option<String>,
    /// Taxes other than VAT, such as the eco-participation: part of the line net, bearing
    /// the line's VAT, never discounted by the document discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 10)]
    pub other_taxes: Option<Vec<OtherTaxInput>>,
    /// Cost of one unit, for margins; default the product's purchase price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::DecimalText>)]
    pub purchase_price: Option<DecText>,
    /// What the line supplies; default the product's, else `services` for a time unit
    /// (hour, day…), else the company's main activity (settings `documents.main_activity`).
    /// It makes the nature of the operation and the billing frame (BT-23).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::Nature>)]
    pub nature: Option<String>,
    // Read-only fields of a line as a GET shows it; ignored.
    #[serde(default, skip_serializing)]
    pub net: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub charge: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub margin: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub margin_rate: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub source_line_id: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub available_stock: Option<serde_json::Value>,
}

/// A tax other than VAT on a line: a fixed amount per unit or a percent of the unit price.
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherTaxInput {
    #[schema(required = true, value_type = String, min_length = 1, max_length = 100)]
    pub label: Option<String>,
    /// A fixed amount per unit (eco-participation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::DecimalText>)]
    pub amount_per_unit: Option<DecText>,
    /// Or a percentage of the unit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::DecimalText>)]
    pub percent: Option<DecText>,
}

/// A VAT exemption mention of one's own, such as a training body's "Exonération de TVA,
/// article 261-4-4° a du CGI": the mention of the document for a 0 % category (BT-120),
/// with its VATEX code (BT-121); it replaces the category's default mention.
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionInput {
    #[schema(required = true, schema_with = field::exemption_category)]
    pub category: Option<String>,
    /// A code of the VATEX list (BT-121) that fits the category: VATEX-EU-AE or VATEX-FR-AE
    /// for AE, VATEX-EU-IC for K, VATEX-EU-G for G, VATEX-EU-O for O, any other for E
    /// (VATEX-FR-CGI261-4…). Absent: the category's own, none for E.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The mention printed and sent as BT-120, in place of the category's default.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 300)]
    pub text: Option<String>,
}

/// The mentions of `list`, checked: at most one per category, codes that fit it.
pub(crate) fn parse_exemptions(v: &mut Check, field: &str, list: &[ExemptionInput]) -> Vec<ExemptionReason> {
    let mut out: Vec<ExemptionReason> = Vec::new();
    if list.len() > VatCategory::ALL.len() {
        v.error(field, Message::new("holds_most_mention_per"));
        return out;
    }
    for (i, e) in list.iter().enumerate() {
        let at = |x: &str| format!("{field}[{i}].{x}");
        let category = match &e.category {
            Some(_) => v.opt_parse::<VatCategory>(&at("category"), &e.category),
            None => {
                v.error(at("category"), Message::new("required_e_ae_k"));
                None
            }
        };
        let code = v.opt_parse::<VatexCode>(&at("code"), &e.code.clone().filter(|c| !c.trim().is_empty()));
        let text = v.text(&at("text"), &e.text, MAX_EXEMPTION_TEXT);
        let (Some(category), Some(text)) = (category, text) else { continue };
        if out.iter().any(|r| r.category() == category) {
            v.error(at("category"), Message::new("category_already_mention").with("c", category));
            continue;
        }
        match ExemptionReason::new(category, code, &text) {
            Ok(r) => out.push(r),
            Err(err @ TaxError::VatexNotFor(..)) => v.error(at("code"), err),
            Err(err) => v.error(at("category"), err),
        }
    }
    out
}

pub(crate) fn exemption_input(r: &ExemptionReason) -> ExemptionInput {
    ExemptionInput {
        category: Some(r.category().code().to_string()),
        code: r.code().map(|c| c.as_str().to_string()),
        text: Some(r.text().to_string()),
    }
}

/// Shipping costs with their own VAT rate.
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingInput {
    /// Shipping costs without VAT, with at most the currency's decimals.
    #[schema(required = true, value_type = written::DecimalText)]
    pub amount: Option<DecText>,
    /// The VAT rate of the shipping costs, in percent.
    #[schema(required = true, value_type = written::DecimalText)]
    pub vat_rate: Option<DecText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::VatCategory>)]
    pub vat_category: Option<String>,
    /// Default `Frais de port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub label: Option<String>,
}

/// One instalment of a payment schedule.
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstalmentInput {
    /// Share of the gross, in percent; the instalments add up to 100.
    #[schema(required = true, value_type = written::DecimalText)]
    pub percent: Option<DecText>,
    /// `deposit` or `payment` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = field::instalment_kind)]
    pub kind: Option<String>,
    /// `on_order`, `30_days`, `45_days_end_of_month`, `end_of_month_plus_10`…, counted from
    /// the previous instalment's date (the document's date for the first).
    #[schema(required = true, value_type = String)]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[serde(default, skip_serializing)]
    pub amount: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub due_date: Option<serde_json::Value>,
}

/// The body of `POST /invoices` (and of every kind of document); `null` means absent.
/// (Merged over the current draft, the body of `PATCH` too.)
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// A customer of the company (422 otherwise).
    #[schema(required = true, value_type = String, format = Uuid)]
    pub customer_id: Option<String>,
    /// ISO 4217 code; default the customer's, then the company's.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    pub currency: Option<String>,
    /// Fixed when issuing (today when absent); never in the future.
    #[schema(value_type = Option<written::DateText>)]
    pub issue_date: Option<String>,
    /// Default the customer's, then `30_days`.
    #[schema(value_type = Option<written::PaymentTermsInput>)]
    pub payment_terms: Option<DecText>,
    /// May be empty in a draft; an invoice is issued with at least one line.
    #[schema(required = true, value_type = Vec<LineInput>, max_items = 1000)]
    pub lines: Option<Vec<LineInput>>,
    /// Document discount in percent: 0 to 100, at most 4 decimals; default 0.
    #[schema(value_type = Option<written::DecimalText>)]
    pub discount_percent: Option<DecText>,
    /// The customer's order reference (BT-13).
    #[schema(max_length = 100)]
    pub customer_reference: Option<String>,
    /// Public note, printed.
    #[schema(max_length = 5000)]
    pub note: Option<String>,
    /// Printed and searched title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// Last day a quote can be accepted; past it, a sent quote shows as `expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::DateText>)]
    pub valid_until: Option<String>,
    /// Planned delivery date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::DateText>)]
    pub delivery_date: Option<String>,
    /// Never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 5000)]
    pub internal_note: Option<String>,
    /// Terms and conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 50000)]
    pub terms: Option<String>,
    /// Special conditions, printed before the terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20000)]
    pub special_conditions: Option<String>,
    /// A document discount as an amount on the net, instead of `discount_percent`; split
    /// across VAT rates in proportion to their bases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::DecimalText>)]
    pub discount_amount: Option<DecText>,
    /// Default: the customer's billing address when the document is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<AddressInput>,
    /// Default: the customer's delivery address, else the billing address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address: Option<AddressInput>,
    /// Company-currency units for one unit of the document's currency; required to issue a
    /// document in a foreign currency, fixed with it; refused for the company's own currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<written::DecimalText>)]
    pub exchange_rate: Option<DecText>,
    /// The person the document is addressed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub contact: Option<String>,
    /// The salesperson in charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub salesperson: Option<String>,
    /// `bank_transfer`, `card`, `cheque`, `cash`, `direct_debit`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = field::payment_mode)]
    pub payment_mode: Option<String>,
    /// `goods`, `services` or `mixed`; told by the lines' units when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = field::operation_input)]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<ShippingInput>,
    /// A payment schedule; the percentages add up to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 120)]
    pub schedule: Option<Vec<InstalmentInput>>,
    /// The document's own VAT exemption mentions. Absent when creating: the company's
    /// (settings `documents.vat_exemptions`); `[]`: every category's default mention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 7)]
    pub vat_exemptions: Option<Vec<ExemptionInput>>,
    // Read-only fields a client may send back from a GET; ignored.
    #[serde(default, skip_serializing)]
    pub progress_percent: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub margin: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub counter_value: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub id: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub kind: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub status: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub number: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub due_date: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub totals: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub payments: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub links: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub seal: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub created_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub updated_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub issued_at: Option<serde_json::Value>,
}

pub(crate) const QUANTITY: DecRules = DecRules::new(6).at_most(MAX_MAGNITUDE);
pub(crate) const PRICE: DecRules = DecRules::new(6).non_negative().at_most(MAX_MAGNITUDE);
pub(crate) const PERCENT: DecRules = DecRules::new(4).non_negative().at_most(Decimal::ONE_HUNDRED);

/// What parsing a body needs from the store.
pub(crate) struct Context {
    customer_billing: facturier_core::party::Address,
    customer_delivery: Option<facturier_core::party::Address>,
    customer_currency: Option<Currency>,
    customer_terms: Option<PaymentTerms>,
    /// The company's default terms (settings), for customers without their own.
    company_terms: Option<PaymentTerms>,
    company_currency: Currency,
    /// The company's own exemption mentions, for a document that gives none.
    company_exemptions: Vec<ExemptionReason>,
    /// What a line typed by hand supplies when neither it nor its unit tells.
    main_activity: Operation,
    products: HashMap<Uuid, Product>,
}

/// The taxes other than VAT of line `i` (at most 10), each checked.
pub(crate) fn parse_other_taxes(v: &mut Check, i: usize, l: &LineInput) -> Vec<OtherTax> {
    let mut other_taxes = Vec::new();
    for (j, t) in l.other_taxes.iter().flatten().enumerate().take(10) {
        let g = |x: &str| format!("lines[{i}].other_taxes[{j}].{x}");
        let label = v.text(&g("label"), &t.label, 100);
        let rate = match (&t.amount_per_unit, &t.percent) {
            (Some(a), None) => v.decimal(&g("amount_per_unit"), a, PRICE).map(OtherTaxRate::PerUnit),
            (None, Some(p)) => v.decimal(&g("percent"), p, PERCENT).map(OtherTaxRate::PercentOfPrice),
            _ => {
                v.error(g("amount_per_unit"), Message::new("give_either_amount_per"));
                None
            }
        };
        if let (Some(label), Some(rate)) = (label, rate) {
            other_taxes.push(OtherTax { label, rate });
        }
    }
    other_taxes
}

pub(crate) fn parse_lines(v: &mut Check, lines: &[LineInput], ctx: &Context) -> Vec<Line> {
    if lines.len() > MAX_LINES {
        v.error("lines", Message::new("document_holds_most_lines").with("max", MAX_LINES).with("n", lines.len()));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let f = |x: &str| format!("lines[{i}].{x}");
        let id = l.id.as_deref().and_then(|s| s.parse().ok()).unwrap_or_else(Uuid::now_v7);
        let kind = match l.kind.as_deref() {
            None | Some("item") => LineKind::Item,
            Some("comment") => LineKind::Comment,
            Some("subtotal") => LineKind::Subtotal,
            // A deposit's deduction on a final invoice: figures like an item.
            Some("deduction") => LineKind::Deduction,
            Some(other) => {
                v.error(f("kind"), Message::new("kind_line_item_comment").with("v", format!("{other:?}")));
                continue;
            }
        };
        if !matches!(kind, LineKind::Item | LineKind::Deduction) {
            // Text lines carry no figures: zero, and 0 % VAT that the totals never read.
            let description = match kind {
                LineKind::Subtotal => {
                    v.opt_lines(&f("description"), &l.description, MAX_DESCRIPTION).or(Some("Sous-total".into()))
                }
                _ => v.lines(&f("description"), &l.description, MAX_DESCRIPTION),
            };
            let zero_vat = Vat::new(Decimal::ZERO, None).unwrap_or_else(|_| unreachable!("0 % is a valid rate"));
            if let Some(description) = description {
                out.push(Line { kind, id, ..Line::item(description, Decimal::ZERO, Decimal::ZERO, zero_vat) });
            }
            continue;
        }
        let product_id = match l.product_id.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<Uuid>() {
                Ok(id) if ctx.products.contains_key(&id) => Some(id),
                _ => {
                    v.error(f("product_id"), Message::new("no_such_product"));
                    None
                }
            },
        };
        // A line that names a product takes what it leaves out from the catalogue.
        let product = product_id.and_then(|id| ctx.products.get(&id));
        let description = match (&l.description, product) {
            (Some(_), _) | (None, None) => v.lines(&f("description"), &l.description, MAX_DESCRIPTION),
            (None, Some(p)) => Some(p.name.clone()),
        };
        let quantity = match &l.quantity {
            Some(q) => v.decimal(&f("quantity"), q, QUANTITY),
            None => {
                v.error(f("quantity"), Message::new("required"));
                None
            }
        };
        if quantity.is_some_and(|q| q.is_zero()) {
            v.error(f("quantity"), Message::new("zero"));
        }
        let unit_price = match (&l.unit_price, product) {
            (Some(p), _) => v.decimal(&f("unit_price"), p, PRICE),
            (None, Some(p)) => Some(p.unit_price),
            (None, None) => {
                v.error(f("unit_price"), Message::new("required"));
                None
            }
        };
        let vat = match (&l.vat_rate, product) {
            (Some(r), _) => {
                let rate = v.decimal(&f("vat_rate"), r, PERCENT);
                let cat = v.opt_parse::<VatCategory>(&f("vat_category"), &l.vat_category);
                rate.and_then(|r| match Vat::new(r, cat) {
                    Ok(x) => Some(x),
                    Err(e) => {
                        v.error(f("vat_rate"), e);
                        None
                    }
                })
            }
            (None, Some(p)) => Some(p.vat),
            (None, None) => {
                v.error(f("vat_rate"), Message::new("required"));
                None
            }
        };
        let unit = match (&l.unit, product) {
            (Some(_), _) => v.opt_parse::<UnitCode>(&f("unit"), &l.unit).unwrap_or_default(),
            (None, Some(p)) => p.unit.clone(),
            (None, None) => UnitCode::default(),
        };
        let discount_percent = l
            .discount_percent
            .as_ref()
            .map(|d| v.decimal(&f("discount_percent"), d, PERCENT))
            .unwrap_or(Some(Decimal::ZERO));
        let purchase_price = match (&l.purchase_price, product) {
            (Some(p), _) => v.decimal(&f("purchase_price"), p, PRICE),
            (None, Some(p)) => p.purchase_price,
            (None, None) => None,
        };
        let nature = match (&l.nature, product) {
            (Some(_), _) => v.opt_parse::<Nature>(&f("nature"), &l.nature),
            (None, Some(p)) => Some(p.nature),
            (None, None) => Some(match Nature::of_unit(&unit) {
                Nature::Services => Nature::Services,
                Nature::Goods => Nature::of_activity(ctx.main_activity),
            }),
        };
        let other_taxes = parse_other_taxes(v, i, l);
        if let (Some(description), Some(quantity), Some(unit_price), Some(vat), Some(discount_percent)) =
            (description, quantity, unit_price, vat, discount_percent)
        {
            out.push(Line {
                kind,
                id,
                product_id,
                unit,
                discount_percent,
                other_taxes,
                purchase_price,
                nature,
                ..Line::item(description, quantity, unit_price, vat)
            });
        }
    }
    out
}

impl DocumentInput {
    pub(crate) fn parse(&self, ctx: &Context, customer_id: Uuid) -> Result<Content, ApiError> {
        let mut v = Check::default();
        let currency = v
            .opt_parse::<Currency>("currency", &self.currency)
            .or(ctx.customer_currency)
            .unwrap_or(ctx.company_currency);
        let issue_date = self.issue_date.as_deref().filter(|s| !s.is_empty()).and_then(|s| v.date("issue_date", s));
        let payment_terms = v
            .opt_parse::<PaymentTerms>("payment_terms", &self.payment_terms.clone().map(|t| t.0))
            .or(ctx.customer_terms)
            .or(ctx.company_terms)
            .unwrap_or_default();
        let lines = match &self.lines {
            Some(lines) => parse_lines(&mut v, lines, ctx),
            None => {
                v.error("lines", Message::new("required_empty_list_allowed"));
                Vec::new()
            }
        };
        let discount_percent = self
            .discount_percent
            .as_ref()
            .map(|d| v.decimal("discount_percent", d, PERCENT))
            .unwrap_or(Some(Decimal::ZERO));
        let customer_reference = v.opt_text("customer_reference", &self.customer_reference, 100);
        let note = v.opt_lines("note", &self.note, 5000);
        let title = v.opt_text("title", &self.title, 200);
        let valid_until = self.valid_until.as_deref().filter(|s| !s.is_empty()).and_then(|s| v.date("valid_until", s));
        let delivery_date =
            self.delivery_date.as_deref().filter(|s| !s.is_empty()).and_then(|s| v.date("delivery_date", s));
        let internal_note = v.opt_lines("internal_note", &self.internal_note, 5000);
        let terms = v.opt_lines("terms", &self.terms, 50_000);
        let special_conditions = v.opt_lines("special_conditions", &self.special_conditions, 20_000);
        let money = DecRules::new(currency.minor_units()).non_negative().at_most(MAX_MAGNITUDE);
        let discount_amount = self.discount_amount.as_ref().and_then(|a| v.decimal("discount_amount", a, money));
        if discount_amount.is_some() && discount_percent.is_some_and(|p| !p.is_zero()) {
            v.error("discount_amount", Message::new("give_document_discount_either"));
        }
        let shipping = self.shipping.as_ref().and_then(|sh| {
            let amount = match &sh.amount {
                Some(a) => v.decimal("shipping.amount", a, money),
                None => {
                    v.error("shipping.amount", Message::new("required"));
                    None
                }
            };
            let rate = match &sh.vat_rate {
                Some(r) => v.decimal("shipping.vat_rate", r, PERCENT),
                None => {
                    v.error("shipping.vat_rate", Message::new("required"));
                    None
                }
            };
            let cat = v.opt_parse::<VatCategory>("shipping.vat_category", &sh.vat_category);
            let vat = rate.and_then(|r| match Vat::new(r, cat) {
                Ok(x) => Some(x),
                Err(e) => {
                    v.error("shipping.vat_rate", e);
                    None
                }
            });
            let label = v.opt_text("shipping.label", &sh.label, 100).unwrap_or_else(|| "Frais de port".into());
            Some(DocumentCharge { label, amount: amount?, vat: vat? })
        });
        let schedule = self.schedule.as_ref().and_then(|items| parse_schedule(&mut v, items));
        let exchange_rate = self
            .exchange_rate
            .as_ref()
            .and_then(|r| v.decimal("exchange_rate", r, DecRules::new(10).positive().at_most(MAX_MAGNITUDE)));
        if exchange_rate.is_some() && currency == ctx.company_currency {
            v.error("exchange_rate", Message::new("document_company_currency_exchange").with("c", currency));
        }
        let contact = v.opt_text("contact", &self.contact, 200);
        let salesperson = v.opt_text("salesperson", &self.salesperson, 200);
        let payment_mode = v.opt_parse::<PaymentMode>("payment_mode", &self.payment_mode);
        let operation = v.opt_parse::<Operation>("operation", &self.operation);
        let billing_address = match &self.billing_address {
            Some(a) => crate::app::customers::address(&mut v, "billing_address", a),
            None => Some(ctx.customer_billing.clone()),
        };
        let delivery_address = match &self.delivery_address {
            Some(a) => crate::app::customers::address(&mut v, "delivery_address", a),
            None if self.billing_address.is_none() => ctx.customer_delivery.clone(),
            None => None,
        };
        let vat_exemptions = match &self.vat_exemptions {
            Some(list) => parse_exemptions(&mut v, "vat_exemptions", list),
            None => ctx.company_exemptions.clone(),
        };
        v.finish()?;
        let content = Content {
            customer_id,
            currency,
            issue_date,
            payment_terms,
            lines,
            discount_percent: discount_percent.unwrap_or_default(),
            customer_reference,
            note,
            title,
            valid_until,
            delivery_date,
            internal_note,
            terms,
            special_conditions,
            progress_percent: None,
            discount_amount,
            shipping,
            schedule,
            billing_address,
            delivery_address,
            exchange_rate,
            contact,
            salesperson,
            payment_mode,
            operation,
            parties: None,
            vat_exemptions,
            allowances: Vec::new(),
            vat_adjustments: Vec::new(),
            printed: None,
        };
        content.check().map_err(|e| {
            let field = match e {
                TotalsError::DiscountExceedsNet { .. } | TotalsError::NegativeDiscount(_) => "discount_amount",
                TotalsError::DiscountPercentOutOfRange(_) => "discount_percent",
                TotalsError::ChargeWithoutLabel { .. } | TotalsError::NegativeCharge { .. } => "shipping",
                TotalsError::TooPrecise { .. } => "shipping.amount",
                TotalsError::TaxWithoutLabel { .. } | TotalsError::NegativeTax { .. } => "lines",
                // Never from input: corrections are made by derivations only.
                TotalsError::VatAdjustmentTooLarge { .. } => "lines",
            };
            ApiError::field(field, e)
        })?;
        if content.totals().gross.abs() > facturier_core::document::MAX_TOTAL {
            return Err(ApiError::field("lines", Message::new("document_total_larger_invoice")));
        }
        Ok(content)
    }

    pub(crate) fn from_content(c: &Content) -> DocumentInput {
        DocumentInput {
            customer_id: Some(c.customer_id.to_string()),
            currency: Some(c.currency.code().to_string()),
            issue_date: c.issue_date.map(date_text),
            payment_terms: Some(DecText(c.payment_terms.to_string())),
            lines: Some(
                c.lines
                    .iter()
                    .map(|l| match l.kind {
                        LineKind::Item | LineKind::Deduction => LineInput {
                            kind: (l.kind == LineKind::Deduction).then(|| l.kind.as_str().into()),
                            id: Some(l.id.to_string()),
                            product_id: l.product_id.map(|p| p.to_string()),
                            description: Some(l.description.clone()),
                            quantity: Some(DecText(to_text(l.quantity, 0))),
                            unit: Some(l.unit.code().to_string()),
                            unit_price: Some(DecText(to_text(l.unit_price, 2))),
                            vat_rate: Some(DecText(to_text(l.vat.rate(), 0))),
                            vat_category: Some(l.vat.category().code().to_string()),
                            discount_percent: Some(DecText(to_text(l.discount_percent, 0))),
                            other_taxes: (!l.other_taxes.is_empty())
                                .then(|| l.other_taxes.iter().map(tax_input).collect()),
                            purchase_price: l.purchase_price.map(|p| DecText(to_text(p, 2))),
                            nature: l.nature.map(|n| n.as_str().to_string()),
                            ..Default::default()
                        },
                        kind => LineInput {
                            id: Some(l.id.to_string()),
                            description: Some(l.description.clone()),
                            kind: Some(kind.as_str().into()),
                            ..Default::default()
                        },
                    })
                    .collect(),
            ),
            discount_percent: Some(DecText(to_text(c.discount_percent, 0))),
            customer_reference: c.customer_reference.clone(),
            note: c.note.clone(),
            title: c.title.clone(),
            valid_until: c.valid_until.map(date_text),
            delivery_date: c.delivery_date.map(date_text),
            internal_note: c.internal_note.clone(),
            terms: c.terms.clone(),
            special_conditions: c.special_conditions.clone(),
            discount_amount: c.discount_amount.map(|a| DecText(a.to_string())),
            billing_address: c.billing_address.as_ref().map(address_input),
            // Kept absent when it is the billing address, so that it keeps following it.
            delivery_address: c.delivery_address.as_ref().map(address_input),
            exchange_rate: c.exchange_rate.map(|r| DecText(r.normalize().to_string())),
            contact: c.contact.clone(),
            salesperson: c.salesperson.clone(),
            payment_mode: c.payment_mode.map(|m| m.as_str().to_string()),
            operation: c.operation.map(|o| o.as_str().to_string()),
            shipping: c.shipping.as_ref().map(|sh| ShippingInput {
                amount: Some(DecText(sh.amount.to_string())),
                vat_rate: Some(DecText(to_text(sh.vat.rate(), 0))),
                vat_category: Some(sh.vat.category().code().to_string()),
                label: Some(sh.label.clone()),
            }),
            schedule: c.schedule.as_ref().map(|sc| {
                sc.instalments()
                    .iter()
                    .map(|i| InstalmentInput {
                        percent: Some(DecText(to_text(i.percent, 0))),
                        kind: Some(instalment_kind(i.kind).into()),
                        condition: Some(i.condition.to_string()),
                        mode: i.mode.map(|m| m.as_str().to_string()),
                        title: Some(i.title.clone()).filter(|t| !t.is_empty()),
                        ..Default::default()
                    })
                    .collect()
            }),
            // Always given, even empty, so that an edit never brings the company's back.
            vat_exemptions: Some(c.vat_exemptions.iter().map(exemption_input).collect()),
            ..Default::default()
        }
    }
}

pub(crate) fn address_input(a: &facturier_core::party::Address) -> AddressInput {
    AddressInput {
        line1: Some(a.line1.clone()),
        line2: a.line2.clone(),
        postal_code: Some(a.postal_code.clone()),
        city: Some(a.city.clone()),
        country: Some(a.country.as_str().to_string()),
    }
}

pub(crate) fn tax_input(t: &OtherTax) -> OtherTaxInput {
    let (amount_per_unit, percent) = match t.rate {
        OtherTaxRate::PerUnit(a) => (Some(DecText(to_text(a, 2))), None),
        OtherTaxRate::PercentOfPrice(p) => (None, Some(DecText(to_text(p, 0)))),
    };
    OtherTaxInput { label: Some(t.label.clone()), amount_per_unit, percent }
}

pub(crate) fn instalment_kind(k: InstalmentKind) -> &'static str {
    match k {
        InstalmentKind::Deposit => "deposit",
        InstalmentKind::Payment => "payment",
    }
}

fn parse_schedule(v: &mut Check, items: &[InstalmentInput]) -> Option<Schedule> {
    let mut instalments = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let f = |x: &str| format!("schedule[{i}].{x}");
        let percent = match &it.percent {
            Some(p) => v.decimal(&f("percent"), p, PERCENT.positive()),
            None => {
                v.error(f("percent"), Message::new("required"));
                None
            }
        };
        let kind = match it.kind.as_deref() {
            None | Some("payment") => Some(InstalmentKind::Payment),
            Some("deposit") => Some(InstalmentKind::Deposit),
            Some(other) => {
                v.error(f("kind"), Message::new("kind_instalment_deposit_payment").with("v", format!("{other:?}")));
                None
            }
        };
        let condition = match it.condition.as_deref() {
            Some(c) => v.parse::<Condition>(&f("condition"), c),
            None => {
                v.error(f("condition"), Message::new("required_example_order_30"));
                None
            }
        };
        let mode = v.opt_parse::<PaymentMode>(&f("mode"), &it.mode);
        let title = v.opt_text(&f("title"), &it.title, 200).unwrap_or_default();
        if let (Some(percent), Some(kind), Some(condition)) = (percent, kind, condition) {
            instalments.push(Instalment { percent, kind, condition, mode, title });
        }
    }
    if !v.is_clean() {
        return None;
    }
    match Schedule::new(instalments) {
        Ok(s) => Some(s),
        Err(e) => {
            v.error("schedule", e);
            None
        }
    }
}

/// Loads what parsing needs: the customer's defaults, the company currency, the named products.
pub(crate) async fn context(app: &App, auth: &Auth, input: &DocumentInput) -> Result<(Context, Uuid), ApiError> {
    context_in(&app.store, auth.company(), auth.0.currency.parse::<Currency>().ok(), input).await
}

/// [`context`] for a document the application makes itself (a dunning late fee): the
/// company's currency read with the token when there is one.
pub(crate) async fn context_in(
    store: &facturier_store::Store,
    company: Uuid,
    token_currency: Option<Currency>,
    input: &DocumentInput,
) -> Result<(Context, Uuid), ApiError> {
    let customer_id = match input.customer_id.as_deref() {
        None => return Err(ApiError::field("customer_id", Message::new("required"))),
        Some(s) => s.parse::<Uuid>().map_err(|_| ApiError::field("customer_id", Message::new("no_such_customer")))?,
    };
    // The customer and the company's settings in one read (one round trip fewer per draft).
    let (customer, settings) = match store.customer_and_settings(company, customer_id).await {
        Ok((c, settings)) => (c.customer, settings),
        Err(facturier_store::StoreError::NotFound(_)) => {
            return Err(ApiError::field("customer_id", Message::new("no_such_customer")));
        }
        Err(e) => return Err(e.into()),
    };
    // Read with the token: one query fewer on every create and edit.
    let company_currency = match token_currency {
        Some(c) => c,
        None => store.company(company).await?.currency,
    };
    let mut products = HashMap::new();
    for id in product_ids(input) {
        if products.contains_key(&id) {
            continue;
        }
        match store.product(company, id).await {
            Ok(p) => {
                products.insert(id, p.product);
            }
            Err(facturier_store::StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((context_of(&customer, &settings, company_currency, products), customer_id))
}

/// The products a body's lines name (the first [`MAX_LINES`] lines), in line order.
pub(crate) fn product_ids(input: &DocumentInput) -> impl Iterator<Item = Uuid> + '_ {
    input.lines.iter().flatten().take(MAX_LINES).filter_map(|l| l.product_id.as_deref().and_then(|s| s.parse().ok()))
}

/// [`context_in`] from what the caller read already (a billing run reads its page's
/// customers and the company's settings once): the customer, the company's settings and
/// currency, and the products the lines name that exist.
pub(crate) fn context_of(
    customer: &facturier_core::party::Customer,
    settings: &facturier_store::companies::CompanySettings,
    company_currency: Currency,
    products: HashMap<Uuid, Product>,
) -> Context {
    Context {
        customer_billing: customer.billing_address.clone(),
        customer_delivery: customer.delivery_address.clone(),
        customer_currency: customer.currency,
        customer_terms: customer.payment_terms,
        company_terms: settings.documents.default_payment_terms,
        company_currency,
        company_exemptions: settings.documents.vat_exemptions.clone(),
        main_activity: settings.documents.main_activity,
        products,
    }
}

//! `/invoices` and `/credit-notes`: drafts, issuing, payments and credit notes.
//! Both kinds share one implementation; the kind comes from the route.

use super::DocOp;
use super::customers::AddressInput;
use super::{ListQuery, Page, date_text, instant_text, limit, path_id, query_date};
use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check, DecRules, DecText, parse_json, patched, require_patch_object};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::MethodRouter;
use facturier_core::Decimal;
use facturier_core::document::{
    Content, DocumentKind, Line, LineKind, MAX_DESCRIPTION, MAX_LINES, Nature, Operation, Status,
};
use facturier_core::lifecycle;
use facturier_core::money::{Currency, MAX_MAGNITUDE, to_text};
use facturier_core::product::{Product, UnitCode};
use facturier_core::progress::DepositShare;
use facturier_core::schedule::{Condition, Instalment, InstalmentKind, PaymentMode, Schedule};
use facturier_core::tax::{ExemptionReason, MAX_EXEMPTION_TEXT, TaxError, Vat, VatCategory, VatexCode};
use facturier_core::terms::PaymentTerms;
use facturier_core::totals::{DocumentCharge, OtherTax, OtherTaxRate, TotalsError};
use facturier_store::documents::{DocCursor, DocumentFilter, DocumentRecord, NewPayment};
use facturier_store::pipeline::CreditOf;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// One line of a document body.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub product_id: Option<String>,
    pub description: Option<String>,
    pub quantity: Option<DecText>,
    pub unit: Option<String>,
    pub unit_price: Option<DecText>,
    pub vat_rate: Option<DecText>,
    pub vat_category: Option<String>,
    pub discount_percent: Option<DecText>,
    /// `item` (default), `comment` (text only) or `subtotal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Taxes other than VAT, such as the eco-participation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_taxes: Option<Vec<OtherTaxInput>>,
    /// Cost of one unit, for margins; default the product's purchase price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_price: Option<DecText>,
    /// `goods` or `services`; default the product's, else `services` for a time unit
    /// (hour, day…), else the company's main activity (settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct OtherTaxInput {
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_per_unit: Option<DecText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<DecText>,
}

/// A mention of the document's own for a 0 % category (BT-120), with its VATEX code
/// (BT-121); it replaces the category's default mention.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExemptionInput {
    /// E, AE, K, G or O.
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub text: Option<String>,
}

/// The mentions of `list`, checked: at most one per category, codes that fit it.
pub(crate) fn parse_exemptions(v: &mut Check, field: &str, list: &[ExemptionInput]) -> Vec<ExemptionReason> {
    let mut out: Vec<ExemptionReason> = Vec::new();
    if list.len() > VatCategory::ALL.len() {
        v.error(field, "holds at most one mention per category");
        return out;
    }
    for (i, e) in list.iter().enumerate() {
        let at = |x: &str| format!("{field}[{i}].{x}");
        let category = match &e.category {
            Some(_) => v.opt_parse::<VatCategory>(&at("category"), &e.category),
            None => {
                v.error(at("category"), "is required: E, AE, K, G or O");
                None
            }
        };
        let code = v.opt_parse::<VatexCode>(&at("code"), &e.code.clone().filter(|c| !c.trim().is_empty()));
        let text = v.text(&at("text"), &e.text, MAX_EXEMPTION_TEXT);
        let (Some(category), Some(text)) = (category, text) else { continue };
        if out.iter().any(|r| r.category() == category) {
            v.error(at("category"), format!("category {category} already has a mention"));
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
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ShippingInput {
    pub amount: Option<DecText>,
    pub vat_rate: Option<DecText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_category: Option<String>,
    /// Default "Frais de port".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// One instalment of a payment schedule.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct InstalmentInput {
    pub percent: Option<DecText>,
    /// `deposit` or `payment` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `on_order`, `30_days`, `45_days_end_of_month`, `end_of_month_plus_10`…, counted from
    /// the previous instalment's date (the document's date for the first).
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing)]
    pub amount: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub due_date: Option<serde_json::Value>,
}

/// The body of `POST /invoices` (and, merged over the current draft, of `PATCH`).
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    pub customer_id: Option<String>,
    pub currency: Option<String>,
    pub issue_date: Option<String>,
    pub payment_terms: Option<DecText>,
    pub lines: Option<Vec<LineInput>>,
    pub discount_percent: Option<DecText>,
    pub customer_reference: Option<String>,
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Last day a quote may be accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<String>,
    /// Never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    /// Terms and conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_conditions: Option<String>,
    /// A document discount as an amount on the net, instead of `discount_percent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<DecText>,
    /// Default: the customer's billing address, as it is when the document is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<AddressInput>,
    /// Default: the customer's delivery address, else the billing address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address: Option<AddressInput>,
    /// Company-currency units for one unit of the document's currency (foreign currencies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<DecText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesperson: Option<String>,
    /// `bank_transfer`, `card`, `cheque`, `cash`, `direct_debit`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_mode: Option<String>,
    /// `goods`, `services` or `mixed`; told by the lines' units when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<ShippingInput>,
    /// Instalments in percent of the gross; they must add up to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Vec<InstalmentInput>>,
    /// The document's own VAT exemption mentions; absent on creation: the company's
    /// (settings), `[]`: the categories' defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

const QUANTITY: DecRules = DecRules::new(6).at_most(MAX_MAGNITUDE);
const PRICE: DecRules = DecRules::new(6).non_negative().at_most(MAX_MAGNITUDE);
const PERCENT: DecRules = DecRules::new(4).non_negative().at_most(Decimal::ONE_HUNDRED);

/// What parsing a body needs from the store.
struct Context {
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

fn parse_lines(v: &mut Check, lines: &[LineInput], ctx: &Context) -> Vec<Line> {
    if lines.len() > MAX_LINES {
        v.error("lines", format!("a document holds at most {MAX_LINES} lines, not {}", lines.len()));
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
                v.error(f("kind"), format!("{other:?} is not a kind of line (item, comment, subtotal, deduction)"));
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
                    v.error(f("product_id"), "no such product");
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
                v.error(f("quantity"), "is required");
                None
            }
        };
        if quantity.is_some_and(|q| q.is_zero()) {
            v.error(f("quantity"), "must not be zero");
        }
        let unit_price = match (&l.unit_price, product) {
            (Some(p), _) => v.decimal(&f("unit_price"), p, PRICE),
            (None, Some(p)) => Some(p.unit_price),
            (None, None) => {
                v.error(f("unit_price"), "is required");
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
                v.error(f("vat_rate"), "is required");
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
        let mut other_taxes = Vec::new();
        for (j, t) in l.other_taxes.iter().flatten().enumerate().take(10) {
            let g = |x: &str| format!("lines[{i}].other_taxes[{j}].{x}");
            let label = v.text(&g("label"), &t.label, 100);
            let rate = match (&t.amount_per_unit, &t.percent) {
                (Some(a), None) => v.decimal(&g("amount_per_unit"), a, PRICE).map(OtherTaxRate::PerUnit),
                (None, Some(p)) => v.decimal(&g("percent"), p, PERCENT).map(OtherTaxRate::PercentOfPrice),
                _ => {
                    v.error(g("amount_per_unit"), "give either an amount per unit or a percent of the price");
                    None
                }
            };
            if let (Some(label), Some(rate)) = (label, rate) {
                other_taxes.push(OtherTax { label, rate });
            }
        }
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
    fn parse(&self, ctx: &Context, customer_id: Uuid) -> Result<Content, ApiError> {
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
                v.error("lines", "is required (an empty list is allowed for a draft)");
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
            v.error("discount_amount", "give the document discount either in percent or as an amount, not both");
        }
        let shipping = self.shipping.as_ref().and_then(|sh| {
            let amount = match &sh.amount {
                Some(a) => v.decimal("shipping.amount", a, money),
                None => {
                    v.error("shipping.amount", "is required");
                    None
                }
            };
            let rate = match &sh.vat_rate {
                Some(r) => v.decimal("shipping.vat_rate", r, PERCENT),
                None => {
                    v.error("shipping.vat_rate", "is required");
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
            v.error(
                "exchange_rate",
                format!("the document is in the company's currency ({currency}): no exchange rate"),
            );
        }
        let contact = v.opt_text("contact", &self.contact, 200);
        let salesperson = v.opt_text("salesperson", &self.salesperson, 200);
        let payment_mode = v.opt_parse::<PaymentMode>("payment_mode", &self.payment_mode);
        let operation = v.opt_parse::<Operation>("operation", &self.operation);
        let billing_address = match &self.billing_address {
            Some(a) => super::customers::address(&mut v, "billing_address", a),
            None => Some(ctx.customer_billing.clone()),
        };
        let delivery_address = match &self.delivery_address {
            Some(a) => super::customers::address(&mut v, "delivery_address", a),
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
            ApiError::field(field, e.to_string())
        })?;
        if content.totals().gross.abs() > facturier_core::document::MAX_TOTAL {
            return Err(ApiError::field("lines", "the document total is larger than any invoice facturier accepts"));
        }
        Ok(content)
    }

    fn from_content(c: &Content) -> DocumentInput {
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

fn address_input(a: &facturier_core::party::Address) -> AddressInput {
    AddressInput {
        line1: Some(a.line1.clone()),
        line2: a.line2.clone(),
        postal_code: Some(a.postal_code.clone()),
        city: Some(a.city.clone()),
        country: Some(a.country.as_str().to_string()),
    }
}

fn tax_input(t: &OtherTax) -> OtherTaxInput {
    let (amount_per_unit, percent) = match t.rate {
        OtherTaxRate::PerUnit(a) => (Some(DecText(to_text(a, 2))), None),
        OtherTaxRate::PercentOfPrice(p) => (None, Some(DecText(to_text(p, 0)))),
    };
    OtherTaxInput { label: Some(t.label.clone()), amount_per_unit, percent }
}

fn instalment_kind(k: InstalmentKind) -> &'static str {
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
                v.error(f("percent"), "is required");
                None
            }
        };
        let kind = match it.kind.as_deref() {
            None | Some("payment") => Some(InstalmentKind::Payment),
            Some("deposit") => Some(InstalmentKind::Deposit),
            Some(other) => {
                v.error(f("kind"), format!("{other:?} is not a kind of instalment (deposit, payment)"));
                None
            }
        };
        let condition = match it.condition.as_deref() {
            Some(c) => v.parse::<Condition>(&f("condition"), c),
            None => {
                v.error(f("condition"), "is required, for example on_order or 30_days");
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
async fn context(app: &App, auth: &Auth, input: &DocumentInput) -> Result<(Context, Uuid), ApiError> {
    let company = auth.company();
    let customer_id = match input.customer_id.as_deref() {
        None => return Err(ApiError::field("customer_id", "is required")),
        Some(s) => s.parse::<Uuid>().map_err(|_| ApiError::field("customer_id", "no such customer"))?,
    };
    // The customer and the company's settings in one read (one round trip fewer per draft).
    let (customer, settings) = match app.store.customer_and_settings(company, customer_id).await {
        Ok((c, settings)) => (c.customer, settings),
        Err(facturier_store::StoreError::NotFound(_)) => {
            return Err(ApiError::field("customer_id", "no such customer"));
        }
        Err(e) => return Err(e.into()),
    };
    // Read with the token: one query fewer on every create and edit.
    let company_currency = match company_currency(auth) {
        Some(c) => c,
        None => app.store.company(company).await?.currency,
    };
    let mut products = HashMap::new();
    for l in input.lines.iter().flatten().take(MAX_LINES) {
        if let Some(id) = l.product_id.as_deref().and_then(|s| s.parse::<Uuid>().ok())
            && !products.contains_key(&id)
        {
            match app.store.product(company, id).await {
                Ok(p) => {
                    products.insert(id, p.product);
                }
                Err(facturier_store::StoreError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let ctx = Context {
        customer_billing: customer.billing_address.clone(),
        customer_delivery: customer.delivery_address.clone(),
        customer_currency: customer.currency,
        customer_terms: customer.payment_terms,
        company_terms: settings.documents.default_payment_terms,
        company_currency,
        company_exemptions: settings.documents.vat_exemptions.clone(),
        main_activity: settings.documents.main_activity,
        products,
    };
    Ok((ctx, customer_id))
}

#[derive(Serialize)]
pub struct LineView {
    pub id: Uuid,
    /// `item`, `comment` or `subtotal`; comment and subtotal lines show zero figures, and a
    /// subtotal's `net` is the sum of the item lines since the previous subtotal.
    pub kind: &'static str,
    pub product_id: Option<Uuid>,
    pub description: String,
    pub quantity: String,
    pub unit: &'static str,
    pub unit_price: String,
    pub vat_rate: String,
    pub vat_category: &'static str,
    pub discount_percent: String,
    /// The line net amount (BT-131).
    pub net: String,
    /// Taxes other than VAT on the line (included in `net`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_taxes: Vec<OtherTaxInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    /// Cost of one unit, when known.
    pub purchase_price: Option<String>,
    /// What an item line supplies: `goods` or `services` (null on text lines).
    pub nature: Option<&'static str>,
    /// net − quantity × purchase price, when the purchase price is known.
    pub margin: Option<String>,
    /// The margin in percent of the net.
    pub margin_rate: Option<String>,
    /// The line of the parent document this one came from.
    pub source_line_id: Option<Uuid>,
    /// The product's stock now (single-document answers, tracked products only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_stock: Option<String>,
}

/// Totals converted at the document's exchange rate, rounded in the company's currency.
#[derive(Serialize)]
pub struct CounterValue {
    pub currency: String,
    pub net: String,
    pub vat_total: String,
    pub gross: String,
}

#[derive(Serialize)]
pub struct ShippingView {
    pub label: String,
    pub amount: String,
    pub vat_rate: String,
    pub vat_category: &'static str,
}

#[derive(Serialize)]
pub struct InstalmentView {
    pub percent: String,
    pub kind: &'static str,
    pub condition: String,
    pub mode: Option<&'static str>,
    pub title: String,
    pub amount: String,
    pub due_date: String,
}

#[derive(Serialize)]
pub struct MarginView {
    /// Σ quantity × purchase price of the lines with a purchase price.
    pub cost: String,
    pub amount: String,
    /// The margin in percent of those lines' net.
    pub rate: Option<String>,
}

#[derive(Serialize)]
pub struct VatView {
    pub category: &'static str,
    pub rate: String,
    pub base: String,
    pub amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption_reason_code: Option<&'static str>,
}

#[derive(Serialize)]
pub struct TotalsView {
    /// Sum of line nets, before the document discount.
    pub lines_net: String,
    /// Document discount.
    pub discount: String,
    /// Document charges such as shipping (BT-108).
    pub charges: String,
    pub net: String,
    pub vat: Vec<VatView>,
    pub vat_total: String,
    pub gross: String,
    /// Payments applied.
    pub paid: String,
    /// Issued credit notes applied.
    pub credited: String,
    pub due: String,
}

#[derive(Serialize)]
pub struct PaymentView {
    pub id: Uuid,
    pub amount: String,
    pub applied: String,
    pub date: String,
    pub method: String,
    pub reference: Option<String>,
    /// `recorded` or `cancelled` (a cancelled payment is kept and no longer counts).
    pub status: String,
}

#[derive(Serialize)]
pub struct EventView {
    pub at: String,
    pub event: String,
    pub detail: serde_json::Value,
}

#[derive(Serialize)]
pub struct FamilyView {
    pub kind: &'static str,
    pub id: Uuid,
    pub number: Option<String>,
    pub status: &'static str,
}

#[derive(Serialize)]
pub struct LinkView {
    pub kind: &'static str,
    pub id: Uuid,
    pub number: Option<String>,
    pub relation: &'static str,
}

/// A document as the API shows it.
#[derive(Serialize)]
pub struct DocumentView {
    pub id: Uuid,
    pub kind: &'static str,
    pub status: &'static str,
    pub number: Option<String>,
    pub customer_id: Uuid,
    pub currency: String,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub payment_terms: String,
    pub customer_reference: Option<String>,
    pub note: Option<String>,
    pub title: Option<String>,
    pub valid_until: Option<String>,
    pub delivery_date: Option<String>,
    pub internal_note: Option<String>,
    pub terms: Option<String>,
    pub special_conditions: Option<String>,
    /// A progress invoice's cumulative percentage of completion.
    pub progress_percent: Option<String>,
    pub discount_percent: String,
    pub discount_amount: Option<String>,
    pub shipping: Option<ShippingView>,
    /// The payment schedule with each instalment's amount and due date.
    pub schedule: Option<Vec<InstalmentView>>,
    /// The document's own VAT exemption mentions (the totals' breakdown shows the one used).
    pub vat_exemptions: Vec<ExemptionInput>,
    /// The document's margin over the lines with a purchase price.
    pub margin: Option<MarginView>,
    pub billing_address: Option<AddressInput>,
    /// Where the goods go (the billing address unless another was given).
    pub delivery_address: Option<AddressInput>,
    pub exchange_rate: Option<String>,
    /// The totals in the company's currency, for a document in a foreign currency with a rate.
    pub counter_value: Option<CounterValue>,
    pub contact: Option<String>,
    pub salesperson: Option<String>,
    pub payment_mode: Option<&'static str>,
    /// Goods, services or mixed: as chosen, or told by the lines' units.
    pub operation: &'static str,
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    pub payments: Vec<PaymentView>,
    pub links: Vec<LinkView>,
    /// Every document of its family, through its links both ways (single-document answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<Vec<FamilyView>>,
    /// What happened to the document, oldest first (single-document answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EventView>>,
    pub seal: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub issued_at: Option<String>,
}

fn company_currency(auth: &Auth) -> Option<Currency> {
    auth.0.currency.parse().ok()
}

/// Renders a stored document as of `today` (a sent quote past its validity shows as
/// expired); totals come from the one totals function in `core`. The company's currency
/// gives a foreign-currency document its counter-value.
pub fn view_in(r: &DocumentRecord, today: time::Date, company_currency: Option<Currency>) -> DocumentView {
    let c = &r.content;
    let t = c.totals();
    let cur = c.currency;
    let amount = |d: Decimal| cur.round(d).to_string();
    let due = if r.kind == DocumentKind::CreditNote && r.status != Status::Draft { Decimal::ZERO } else { r.due() };
    let figures = c.figures();
    let subtotals = facturier_core::totals::subtotals(cur, &figures.lines);
    // Line index → index among item lines, which is where Totals::lines has its amounts.
    let item_amounts: HashMap<usize, usize> =
        c.lines.iter().enumerate().filter(|(_, l)| l.is_item()).enumerate().map(|(k, (i, _))| (i, k)).collect();
    let margins = facturier_core::margin::compute(
        cur,
        &c.items()
            .zip(&t.lines)
            .map(|(l, a)| facturier_core::margin::MarginInput::new(a, l.quantity, l.purchase_price))
            .collect::<Vec<_>>(),
    );
    let has_costs = c.items().any(|l| l.purchase_price.is_some());
    let schedule_start = r.issue_date.or(c.issue_date).unwrap_or(today);
    DocumentView {
        id: r.id,
        kind: r.kind.as_str(),
        status: facturier_core::lifecycle::effective_status(r.kind, r.status, c.valid_until, today).as_str(),
        number: r.number.clone(),
        customer_id: c.customer_id,
        currency: cur.code().to_string(),
        issue_date: r.issue_date.or(c.issue_date).map(date_text),
        due_date: r.due_date.map(date_text),
        payment_terms: c.payment_terms.to_string(),
        customer_reference: c.customer_reference.clone(),
        note: c.note.clone(),
        title: c.title.clone(),
        valid_until: c.valid_until.map(date_text),
        delivery_date: c.delivery_date.map(date_text),
        internal_note: c.internal_note.clone(),
        terms: c.terms.clone(),
        special_conditions: c.special_conditions.clone(),
        progress_percent: c.progress_percent.map(|p| to_text(p, 0)),
        discount_percent: to_text(c.discount_percent, 0),
        discount_amount: c.discount_amount.map(|a| cur.round(a).to_string()),
        shipping: c.shipping.as_ref().map(|sh| ShippingView {
            label: sh.label.clone(),
            amount: cur.round(sh.amount).to_string(),
            vat_rate: to_text(sh.vat.rate(), 0),
            vat_category: sh.vat.category().code(),
        }),
        vat_exemptions: c.vat_exemptions.iter().map(exemption_input).collect(),
        schedule: c.schedule.as_ref().map(|sc| {
            sc.instalments()
                .iter()
                .zip(sc.compute(t.gross, cur, schedule_start))
                .map(|(i, d)| InstalmentView {
                    percent: to_text(i.percent, 0),
                    kind: instalment_kind(i.kind),
                    condition: i.condition.to_string(),
                    mode: i.mode.map(|m| m.as_str()),
                    title: i.title.clone(),
                    amount: d.amount.to_string(),
                    due_date: date_text(d.date),
                })
                .collect()
        }),
        billing_address: c.billing_address.as_ref().map(address_input),
        delivery_address: c.effective_delivery_address().map(address_input),
        exchange_rate: c.exchange_rate.map(|r| r.normalize().to_string()),
        counter_value: match (c.exchange_rate, company_currency.filter(|cc| *cc != cur)) {
            (Some(rate), Some(cc)) => Some(CounterValue {
                currency: cc.code().to_string(),
                net: cc.round(t.net * rate).to_string(),
                vat_total: cc.round(t.vat_total * rate).to_string(),
                gross: cc.round(t.gross * rate).to_string(),
            }),
            _ => None,
        },
        contact: c.contact.clone(),
        salesperson: c.salesperson.clone(),
        payment_mode: c.payment_mode.map(|m| m.as_str()),
        operation: c.operation().as_str(),
        margin: has_costs.then(|| MarginView {
            cost: margins.cost.to_string(),
            amount: margins.margin.to_string(),
            rate: margins.rate.map(|r| to_text(r, 0)),
        }),
        lines: c
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let amounts = item_amounts.get(&i).map(|k| (&t.lines[*k], margins.lines[*k].as_ref()));
                let net = match (l.kind, amounts) {
                    (LineKind::Subtotal, _) => subtotals[i].map(|v| v.to_string()).unwrap_or_default(),
                    (_, Some((a, _))) => a.net.to_string(),
                    _ => cur.round(Decimal::ZERO).to_string(),
                };
                let m = amounts.and_then(|(_, m)| m);
                LineView {
                    id: l.id,
                    kind: l.kind.as_str(),
                    product_id: l.product_id,
                    description: l.description.clone(),
                    quantity: to_text(l.quantity, 0),
                    unit: l.unit.code(),
                    unit_price: to_text(l.unit_price, 2),
                    vat_rate: to_text(l.vat.rate(), 0),
                    vat_category: l.vat.category().code(),
                    discount_percent: to_text(l.discount_percent, 0),
                    net,
                    other_taxes: l.other_taxes.iter().map(tax_input).collect(),
                    charge: amounts.map(|(a, _)| a.charge).filter(|c| !c.is_zero()).map(|c| c.to_string()),
                    purchase_price: l.purchase_price.map(|p| to_text(p, 2)),
                    nature: l.is_item().then(|| l.supplies().as_str()),
                    margin: m.map(|m| m.margin.to_string()),
                    margin_rate: m.and_then(|m| m.rate).map(|r| to_text(r, 0)),
                    source_line_id: l.source_line_id,
                    available_stock: None,
                }
            })
            .collect(),
        totals: TotalsView {
            lines_net: t.lines_net.to_string(),
            discount: t.discount.to_string(),
            charges: t.charges.to_string(),
            net: t.net.to_string(),
            vat: t
                .vat
                .iter()
                .map(|b| {
                    let ex = c.exemption(b.category, true);
                    VatView {
                        category: b.category.code(),
                        rate: to_text(b.rate, 0),
                        base: b.base.to_string(),
                        amount: b.amount.to_string(),
                        exemption_reason: ex.map(|e| e.text.to_string()),
                        exemption_reason_code: ex.and_then(|e| e.code),
                    }
                })
                .collect(),
            vat_total: t.vat_total.to_string(),
            gross: t.gross.to_string(),
            paid: amount(r.paid),
            credited: amount(r.credited),
            due: amount(due),
        },
        payments: r
            .payments
            .iter()
            .map(|p| PaymentView {
                id: p.id,
                amount: amount(p.amount),
                applied: amount(p.applied),
                date: date_text(p.date),
                method: p.method.clone(),
                reference: p.reference.clone(),
                status: p.status.clone(),
            })
            .collect(),
        links: r
            .links
            .iter()
            .map(|l| LinkView { kind: l.kind.as_str(), id: l.id, number: l.number.clone(), relation: l.relation })
            .collect(),
        family: None,
        history: (!r.history.is_empty()).then(|| {
            r.history
                .iter()
                .map(|e| EventView { at: instant_text(e.at), event: e.event.clone(), detail: e.detail.clone() })
                .collect()
        }),
        seal: r.seal.clone(),
        created_at: instant_text(r.created_at),
        updated_at: instant_text(r.updated_at),
        issued_at: r.issued_at.map(instant_text),
    }
}

pub(crate) type Created = (StatusCode, Json<DocumentView>);

/// Adds the handler of one operation on one kind to a method router.
pub fn route(mr: MethodRouter<App>, kind: DocumentKind, op: DocOp) -> MethodRouter<App> {
    use axum::routing::{delete as del, get, patch, post};
    type P = Path<String>;
    match op {
        DocOp::List => {
            mr.merge(get(move |State(app): State<App>, auth: Auth, Query(q): Query<ListQuery>| async move {
                list(&app, &auth, kind, q).await
            }))
        }
        DocOp::Create => mr.merge(post(
            move |State(app): State<App>, auth: Auth, ApiJson(input): ApiJson<DocumentInput>| async move {
                create(&app, &auth, kind, input).await
            },
        )),
        DocOp::Show => mr.merge(get(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            show(&app, &auth, kind, &id).await
        })),
        DocOp::Pdf => mr.merge(get(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            let rec = app.store.document(auth.company(), kind, path_id(&id, "document")?).await?;
            super::render::pdf(&app, &auth, &rec).await
        })),
        DocOp::Ubl => mr.merge(get(
            move |State(app): State<App>, auth: Auth, Path(id): P, Query(q): Query<super::render::UblQuery>| async move {
                let rec = app.store.document(auth.company(), kind, path_id(&id, "document")?).await?;
                super::render::ubl(&app, &auth, &rec, &q).await
            },
        )),
        DocOp::Send => {
            mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P, body: axum::body::Bytes| async move {
                super::email::send(&app, &auth, kind, &id, body).await
            }))
        }
        DocOp::Emails => mr.merge(get(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            super::email::list(&app, &auth, kind, &id).await
        })),
        DocOp::Update => mr.merge(patch(
            move |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(p): ApiJson<serde_json::Value>| async move {
                update(&app, &auth, kind, &id, p).await
            },
        )),
        DocOp::Delete => mr.merge(del(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            delete(&app, &auth, kind, &id).await
        })),
        DocOp::Issue => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            issue(&app, &auth, kind, &id).await
        })),
        DocOp::Duplicate => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            duplicate(&app, &auth, kind, &id).await
        })),
        DocOp::Accept => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            transition(&app, &auth, kind, &id, "accepted", lifecycle::accept).await
        })),
        DocOp::Refuse => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            transition(&app, &auth, kind, &id, "refused", lifecycle::refuse).await
        })),
        DocOp::Cancel => mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P| async move {
            transition(&app, &auth, kind, &id, "cancelled", lifecycle::cancel).await
        })),
        DocOp::Convert => mr.merge(post(
            move |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<ConvertInput>| async move {
                convert(&app, &auth, kind, &id, input).await
            },
        )),
        DocOp::Payments => mr.merge(post(
            move |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<PaymentInput>| async move {
                add_payment(&app, &auth, kind, &id, input).await
            },
        )),
        DocOp::CreditNote => {
            mr.merge(post(move |State(app): State<App>, auth: Auth, Path(id): P, body: axum::body::Bytes| async move {
                create_credit_note(&app, &auth, kind, &id, body).await
            }))
        }
        DocOp::DepositInvoice => mr.merge(post(
            |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<DepositInput>| async move {
                deposit_invoice(&app, &auth, &id, input).await
            },
        )),
        DocOp::ProgressInvoice => mr.merge(post(
            |State(app): State<App>, auth: Auth, Path(id): P, ApiJson(input): ApiJson<ProgressInput>| async move {
                progress_invoice(&app, &auth, &id, input).await
            },
        )),
    }
}

/// A draft as the API would store it, without storing it: the web editor's live totals.
pub(crate) async fn preview(app: &App, auth: &Auth, input: &DocumentInput) -> Result<Content, ApiError> {
    let (ctx, customer_id) = context(app, auth, input).await?;
    input.parse(&ctx, customer_id)
}

/// What a stored draft says, as the body that would create it again (the web editor's starting point).
pub(crate) fn input_of(c: &Content) -> DocumentInput {
    DocumentInput::from_content(c)
}

pub(crate) async fn create(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    input: DocumentInput,
) -> Result<Created, ApiError> {
    auth.require_write()?;
    let (ctx, customer_id) = context(app, auth, &input).await?;
    let content = input.parse(&ctx, customer_id)?;
    let rec = app.store.insert_draft(auth.company(), kind, &content, None).await?;
    Ok((StatusCode::CREATED, Json(full_view(app, auth, &rec, auth.today()).await?)))
}

async fn show(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<Json<DocumentView>, ApiError> {
    let rec = app.store.document(auth.company(), kind, path_id(id, "document")?).await?;
    Ok(Json(full_view(app, auth, &rec, auth.today()).await?))
}

/// The answer about one document: its view plus what only a single document carries
/// (its family and the available stock of its products), the same after every action.
async fn full_view(app: &App, auth: &Auth, rec: &DocumentRecord, today: time::Date) -> Result<DocumentView, ApiError> {
    let mut v = view_in(rec, today, company_currency(auth));
    let products: Vec<Uuid> = rec.content.lines.iter().filter_map(|l| l.product_id).collect();
    let stocks = app.store.stocks(auth.company(), &products).await?;
    // Without a direct link nothing else is reachable: no need to walk the links.
    let family = if rec.links.is_empty() { Vec::new() } else { app.store.family(auth.company(), rec.id).await? };
    v.family = Some(
        family
            .into_iter()
            .map(|m| FamilyView { kind: m.kind.as_str(), id: m.id, number: m.number, status: m.status.as_str() })
            .collect(),
    );
    for (line, l) in v.lines.iter_mut().zip(&rec.content.lines) {
        line.available_stock = l.product_id.and_then(|p| stocks.get(&p).copied().flatten()).map(|s| to_text(s, 0));
    }
    Ok(v)
}

pub(crate) async fn update(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    patch: serde_json::Value,
) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let id = path_id(id, "document")?;
    require_patch_object(&patch)?;
    let current = app.store.document(auth.company(), kind, id).await?;
    if current.status != Status::Draft {
        return Err(facturier_core::document::LifecycleError::NotDraft(current.status.as_str()).into());
    }
    let input = patched(&DocumentInput::from_content(&current.content), &patch)?;
    if kind == DocumentKind::CreditNote
        && input.customer_id.as_deref() != Some(current.content.customer_id.to_string().as_str())
    {
        return Err(ApiError::field("customer_id", "a credit note stays with its invoice's customer"));
    }
    let (ctx, customer_id) = context(app, auth, &input).await?;
    let mut content = input.parse(&ctx, customer_id)?;
    // A credit note offsets its invoice amount for amount: both in one currency.
    if kind == DocumentKind::CreditNote && content.currency != current.content.currency {
        return Err(ApiError::field("currency", "a credit note stays in its invoice's currency"));
    }
    // What a situation states and where a line came from are not the client's to change,
    // nor what a derived invoice bills of its order's discount and VAT (while its
    // figures stay those it was derived with; edited, it takes the discount as typed).
    content.progress_percent = current.content.progress_percent;
    if content.lines == current.content.lines
        && content.discount_percent.is_zero()
        && content.discount_amount.is_none()
        && content.shipping == current.content.shipping
    {
        content.allowances = current.content.allowances.clone();
        content.vat_adjustments = current.content.vat_adjustments.clone();
    }
    for l in &mut content.lines {
        l.source_line_id = current.content.lines.iter().find(|o| o.id == l.id).and_then(|o| o.source_line_id);
    }
    let rec = app.store.update_draft(auth.company(), kind, id, &content).await?;
    Ok(Json(full_view(app, auth, &rec, auth.today()).await?))
}

pub(crate) async fn delete(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<StatusCode, ApiError> {
    auth.require_write()?;
    app.store.delete_draft(auth.company(), kind, path_id(id, "document")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn issue(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let rec = app.store.issue(auth.company(), kind, path_id(id, "document")?, auth.today()).await?;
    // Its files are rendered once, now, and stored before the answer (issue 20).
    crate::files::render_issued(&app.store, &app.files, auth.company(), &rec).await;
    Ok(Json(full_view(app, auth, &rec, auth.today()).await?))
}

pub(crate) async fn duplicate(app: &App, auth: &Auth, kind: DocumentKind, id: &str) -> Result<Created, ApiError> {
    auth.require_write()?;
    let rec = app.store.duplicate(auth.company(), kind, path_id(id, "document")?).await?;
    Ok((StatusCode::CREATED, Json(full_view(app, auth, &rec, auth.today()).await?)))
}

pub(crate) async fn transition(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    name: &str,
    action: facturier_store::pipeline::Transition,
) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let today = auth.today();
    let rec = app.store.transition(auth.company(), kind, path_id(id, "document")?, name, action, today).await?;
    Ok(Json(full_view(app, auth, &rec, today).await?))
}

/// The body of `POST /orders/{id}/deposit-invoice`: a percentage or an amount; neither
/// takes the next deposit instalment of the order's payment schedule.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DepositInput {
    pub percent: Option<DecText>,
    /// An amount including VAT.
    pub amount: Option<DecText>,
}

pub(crate) async fn deposit_invoice(
    app: &App,
    auth: &Auth,
    id: &str,
    input: DepositInput,
) -> Result<Created, ApiError> {
    auth.require_write()?;
    let id = path_id(id, "order")?;
    let mut v = Check::default();
    let share = match (&input.percent, &input.amount) {
        (Some(p), None) => v.decimal("percent", p, PERCENT.positive()).map(DepositShare::Percent),
        (None, Some(a)) => v.decimal("amount", a, PRICE.positive()).map(DepositShare::Amount),
        // Neither: the deposit instalment of the order's payment schedule.
        (None, None) => None,
        _ => {
            v.error("percent", "give either a percent or an amount (including VAT)");
            None
        }
    };
    v.finish()?;
    let rec = app.store.deposit_invoice(auth.company(), id, share).await?;
    Ok((StatusCode::CREATED, Json(full_view(app, auth, &rec, auth.today()).await?)))
}

/// The body of `POST /orders/{id}/progress-invoice`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    /// How much of the order is done, in percent, counted from the start.
    pub cumulative_percent: Option<DecText>,
}

pub(crate) async fn progress_invoice(
    app: &App,
    auth: &Auth,
    id: &str,
    input: ProgressInput,
) -> Result<Created, ApiError> {
    auth.require_write()?;
    let id = path_id(id, "order")?;
    let mut v = Check::default();
    let pct = match &input.cumulative_percent {
        Some(p) => v.decimal("cumulative_percent", p, PERCENT.positive()),
        None => {
            v.error("cumulative_percent", "is required");
            None
        }
    };
    v.finish()?;
    let Some(pct) = pct else { return Err(ApiError::field("cumulative_percent", "is required")) };
    let rec = app.store.progress_invoice(auth.company(), id, pct).await?;
    Ok((StatusCode::CREATED, Json(full_view(app, auth, &rec, auth.today()).await?)))
}

/// One line of a partial delivery.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct PortionInput {
    pub line_id: Option<String>,
    pub quantity: Option<DecText>,
}

/// The body of `POST /{kind}/{id}/convert`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertInput {
    /// `order`, `invoice`, `delivery-note`, `proforma`.
    pub to: Option<String>,
    /// A partial delivery: which order lines, how much of each.
    pub lines: Option<Vec<PortionInput>>,
}

pub(crate) async fn convert(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    input: ConvertInput,
) -> Result<Created, ApiError> {
    auth.require_write()?;
    let id = path_id(id, "document")?;
    let mut v = Check::default();
    let to = match input.to.as_deref() {
        None => {
            v.error("to", "is required (order, invoice, delivery-note or proforma)");
            None
        }
        Some(t) => {
            let k = DocumentKind::from_target(t);
            if k.is_none() {
                v.error("to", format!("{t:?} is not a kind of document (order, invoice, delivery-note, proforma)"));
            }
            k
        }
    };
    let portions = input.lines.as_ref().map(|lines| {
        lines
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let line_id = match p.line_id.as_deref().map(str::parse::<Uuid>) {
                    Some(Ok(l)) => Some(l),
                    _ => {
                        v.error(format!("lines[{i}].line_id"), "is required: the id of a line of the order");
                        None
                    }
                };
                let quantity = match &p.quantity {
                    Some(q) => v.decimal(&format!("lines[{i}].quantity"), q, QUANTITY.positive()),
                    None => {
                        v.error(format!("lines[{i}].quantity"), "is required");
                        None
                    }
                };
                Some(facturier_store::pipeline::Portion { line_id: line_id?, quantity: quantity? })
            })
            .collect::<Vec<_>>()
    });
    v.finish()?;
    let Some(to) = to else { return Err(ApiError::field("to", "is required")) };
    let today = auth.today();
    let rec = app.store.convert(auth.company(), kind, id, to, portions.as_deref(), today).await?;
    Ok((StatusCode::CREATED, Json(full_view(app, auth, &rec, today).await?)))
}

async fn list(app: &App, auth: &Auth, kind: DocumentKind, q: ListQuery) -> Result<Json<Page<DocumentView>>, ApiError> {
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Status>().map_err(|e| ApiError::field("status", e)))
        .transpose()?;
    let customer_id = q
        .customer_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Uuid>().map_err(|_| ApiError::field("customer_id", "is not an id")))
        .transpose()?;
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| DocCursor::decode(s).ok_or_else(|| ApiError::field("after", "is not a cursor from a previous page")))
        .transpose()?;
    let filter = DocumentFilter {
        kind,
        status,
        customer_id,
        from: query_date("from", q.from.as_deref())?,
        to: query_date("to", q.to.as_deref())?,
        limit: limit(q.limit.as_deref())?,
        after,
    };
    let (rows, next) = app.store.list_documents(auth.company(), &filter).await?;
    Ok(Json(Page {
        data: rows.iter().map(|r| view_in(r, auth.today(), company_currency(auth))).collect(),
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// The body of `POST /invoices/{id}/payments`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub amount: Option<DecText>,
    pub date: Option<String>,
    pub method: Option<String>,
    pub reference: Option<String>,
    /// `"credit"`: what exceeds the amount due is kept as customer credit (else refused).
    pub excess: Option<String>,
}

/// Accepted payment methods, with the aliases people type.
pub(crate) fn payment_method(s: &str) -> Option<&'static str> {
    Some(match s.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
        "bank_transfer"
        | "transfer"
        | "wire"
        | "wire_transfer"
        | "credit_transfer"
        | "sepa_transfer"
        | "sepa_credit_transfer"
        | "virement"
        | "bank" => "bank_transfer",
        "card" | "credit_card" | "debit_card" | "cb" | "carte" | "carte_bancaire" => "card",
        "cheque" | "check" | "chèque" => "cheque",
        "cash" | "especes" | "espèces" | "liquide" => "cash",
        "direct_debit" | "sepa_direct_debit" | "sepa_debit" | "sepa" | "debit" | "prelevement" | "prélèvement" => {
            "direct_debit"
        }
        "online" | "paypal" | "stripe" | "payment_link" => "online",
        "other" | "autre" => "other",
        _ => return None,
    })
}

pub(crate) async fn add_payment(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    input: PaymentInput,
) -> Result<Json<DocumentView>, ApiError> {
    auth.require_write()?;
    let id = path_id(id, "invoice")?;
    let inv = app.store.document(auth.company(), kind, id).await?;
    let cur = inv.content.currency;
    let mut v = Check::default();
    let amount = match &input.amount {
        Some(a) => v.decimal("amount", a, DecRules::new(cur.minor_units()).positive().at_most(MAX_MAGNITUDE)),
        None => {
            v.error("amount", "is required");
            None
        }
    };
    let date = match input.date.as_deref() {
        Some(d) => v.date("date", d),
        None => Some(auth.today()),
    };
    let method = match input.method.as_deref() {
        None => Some("bank_transfer"),
        Some(m) => {
            let r = payment_method(m);
            if r.is_none() {
                v.error(
                    "method",
                    format!(
                        "{m:?} is not a payment method (bank_transfer, card, cheque, cash, direct_debit, online, other)"
                    ),
                );
            }
            r
        }
    };
    let reference = v.opt_text("reference", &input.reference, 140);
    let excess = super::payments::excess(&mut v, &input.excess);
    v.finish()?;
    let (Some(amount), Some(date), Some(method)) = (amount, date, method) else {
        return Err(ApiError::field("body", "incomplete payment"));
    };
    let payment = NewPayment { amount, date, method, reference: reference.as_deref() };
    let rec = app.store.pay_invoice(auth.company(), kind, id, payment, excess).await?;
    Ok(Json(full_view(app, auth, &rec, auth.today()).await?))
}

/// The body of `POST /invoices/{id}/credit-note`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteInput {
    pub lines: Option<Vec<LineInput>>,
    /// An amount including VAT instead of lines.
    pub amount: Option<DecText>,
    pub note: Option<String>,
}

pub(crate) async fn create_credit_note(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: &str,
    body: axum::body::Bytes,
) -> Result<Created, ApiError> {
    auth.require_write()?;
    let input: CreditNoteInput =
        if body.iter().all(u8::is_ascii_whitespace) { CreditNoteInput::default() } else { parse_json(&body)? };
    let id = path_id(id, "invoice")?;
    let inv = app.store.document(auth.company(), kind, id).await?;
    if inv.status == Status::Draft {
        return Err(facturier_core::document::LifecycleError::NotCreditable("draft").into());
    }
    let mut v = Check::default();
    let note = v.opt_lines("note", &input.note, 5000);
    v.finish()?;
    let what = match (&input.lines, &input.amount) {
        (Some(_), Some(_)) => return Err(ApiError::field("amount", "give either lines or an amount, not both")),
        (None, Some(a)) => {
            let mut v = Check::default();
            let amount = v.decimal("amount", a, PRICE.positive());
            v.finish()?;
            let Some(amount) = amount else { return Err(ApiError::field("amount", "is required")) };
            if !inv.content.currency.is_exact(amount) {
                return Err(ApiError::field(
                    "amount",
                    format!("has more decimals than {} allows", inv.content.currency),
                ));
            }
            CreditOf::Amount(amount)
        }
        (None, None) => CreditOf::Left,
        (Some(lines), None) => {
            let doc_input = DocumentInput {
                customer_id: Some(inv.content.customer_id.to_string()),
                lines: Some(lines.clone()),
                ..Default::default()
            };
            let (ctx, _) = context(app, auth, &doc_input).await?;
            let mut v = Check::default();
            let parsed = parse_lines(&mut v, lines, &ctx);
            v.finish()?;
            CreditOf::Lines(parsed)
        }
    };
    let rec = app.store.draft_credit_note(auth.company(), kind, id, what, note).await?;
    Ok((StatusCode::CREATED, Json(full_view(app, auth, &rec, auth.today()).await?)))
}

//! How the API shows a document: its figures from the one totals function in `core`,
//! its lines, payments, links and history.

use crate::api::{date_text, instant_text};
use crate::app::customers::AddressView;
use crate::app::documents::input::{ExemptionInput, OtherTaxInput, exemption_input, instalment_kind, tax_input};
use crate::auth::Auth;
use crate::openapi::{field, written};
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, LineKind, Status};
use facturier_core::money::{Currency, to_text};
use facturier_store::documents::DocumentRecord;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// One line as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LineView {
    pub id: Uuid,
    /// `item`, `comment` or `subtotal`; comment and subtotal lines show zero figures, and a
    /// subtotal's `net` is the sum of the item lines since the previous subtotal.
    #[schema(schema_with = field::line_view_kind)]
    pub kind: &'static str,
    #[schema(required = true)]
    pub product_id: Option<Uuid>,
    pub description: String,
    #[schema(value_type = written::DecimalText)]
    pub quantity: String,
    #[schema(value_type = written::UnitCode)]
    pub unit: &'static str,
    #[schema(value_type = written::DecimalText)]
    pub unit_price: String,
    #[schema(value_type = written::DecimalText)]
    pub vat_rate: String,
    #[schema(value_type = written::VatCategory)]
    pub vat_category: &'static str,
    #[schema(value_type = written::DecimalText)]
    pub discount_percent: String,
    /// The line net amount (BT-131).
    #[schema(value_type = written::DecimalText)]
    pub net: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_taxes: Vec<OtherTaxInput>,
    /// Taxes other than VAT on the line, included in `net`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = written::DecimalText)]
    pub charge: Option<String>,
    /// Cost of one unit, when known.
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub purchase_price: Option<String>,
    /// What an item line supplies; null on text lines.
    #[schema(required = true, value_type = Option<written::Nature>)]
    pub nature: Option<&'static str>,
    /// net − quantity × purchase price, when the purchase price is known.
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub margin: Option<String>,
    /// The margin in percent of the net.
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub margin_rate: Option<String>,
    /// The line of the parent document this line came from.
    #[schema(required = true)]
    pub source_line_id: Option<Uuid>,
    /// The product's stock now; only in the answer about one document, for tracked products.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = written::DecimalText)]
    pub available_stock: Option<String>,
}

/// Totals converted at the document's exchange rate, rounded in the company's currency.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CounterValue {
    pub currency: String,
    #[schema(value_type = written::DecimalText)]
    pub net: String,
    #[schema(value_type = written::DecimalText)]
    pub vat_total: String,
    #[schema(value_type = written::DecimalText)]
    pub gross: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ShippingView {
    pub label: String,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    #[schema(value_type = written::DecimalText)]
    pub vat_rate: String,
    #[schema(value_type = written::VatCategory)]
    pub vat_category: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InstalmentView {
    #[schema(value_type = written::DecimalText)]
    pub percent: String,
    #[schema(schema_with = field::instalment_view_kind)]
    pub kind: &'static str,
    pub condition: String,
    #[schema(required = true)]
    pub mode: Option<&'static str>,
    pub title: String,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    #[schema(value_type = written::DateText)]
    pub due_date: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MarginView {
    /// Σ quantity × purchase price of the lines with a purchase price.
    #[schema(value_type = written::DecimalText)]
    pub cost: String,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    /// The margin in percent of those lines' net.
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub rate: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VatView {
    #[schema(value_type = written::VatCategory)]
    pub category: &'static str,
    #[schema(value_type = written::DecimalText)]
    pub rate: String,
    #[schema(value_type = written::DecimalText)]
    pub base: String,
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    /// The legal mention (BT-120); absent for S and Z.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub exemption_reason: Option<String>,
    /// The VATEX code (BT-121); absent for S and Z.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub exemption_reason_code: Option<&'static str>,
}

/// Totals computed with the EN 16931 model.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TotalsView {
    /// Sum of line nets, before the document discount.
    #[schema(value_type = written::DecimalText)]
    pub lines_net: String,
    /// The document discount.
    #[schema(value_type = written::DecimalText)]
    pub discount: String,
    /// Document charges such as shipping (BT-108).
    #[schema(value_type = written::DecimalText)]
    pub charges: String,
    /// Total without VAT.
    #[schema(value_type = written::DecimalText)]
    pub net: String,
    /// One breakdown per VAT category and rate.
    pub vat: Vec<VatView>,
    /// Total VAT.
    #[schema(value_type = written::DecimalText)]
    pub vat_total: String,
    /// Total with VAT.
    #[schema(value_type = written::DecimalText)]
    pub gross: String,
    /// Payments applied.
    #[schema(value_type = written::DecimalText)]
    pub paid: String,
    /// Issued credit notes applied.
    #[schema(value_type = written::DecimalText)]
    pub credited: String,
    /// What remains to pay (0 for an issued credit note).
    #[schema(value_type = written::DecimalText)]
    pub due: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    /// The payment's id (`GET /payments/{id}`, `POST /payments/{id}/cancel`).
    pub id: Uuid,
    /// What the payment received in all (over every invoice it settled).
    #[schema(value_type = written::DecimalText)]
    pub amount: String,
    /// The part of the amount applied to this invoice; the rest went to other invoices or
    /// to the customer's credit.
    #[schema(value_type = written::DecimalText)]
    pub applied: String,
    #[schema(value_type = written::DateText)]
    pub date: String,
    /// `credit`: customer credit applied.
    #[schema(schema_with = field::stored_method_described)]
    pub method: String,
    #[schema(required = true)]
    pub reference: Option<String>,
    /// `recorded` or `cancelled` (a cancelled payment is kept and no longer counts).
    #[schema(schema_with = field::payment_status_described)]
    pub status: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventView {
    #[schema(format = DateTime)]
    pub at: String,
    /// `created`, `updated`, `issued`, `payment_recorded`, `email_queued`, `sent` (an e-mail
    /// was accepted by the SMTP server: `to`, `message_id`), `send_failed`…
    #[schema(examples("issued"))]
    pub event: String,
    /// Facts of the event (e.g. the number assigned).
    pub detail: serde_json::Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FamilyView {
    #[schema(value_type = written::DocumentKind)]
    pub kind: &'static str,
    pub id: Uuid,
    #[schema(required = true)]
    pub number: Option<String>,
    #[schema(value_type = written::DocumentStatus)]
    pub status: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkView {
    #[schema(value_type = written::LinkKind)]
    pub kind: &'static str,
    pub id: Uuid,
    #[schema(required = true)]
    pub number: Option<String>,
    #[schema(schema_with = field::link_relation)]
    pub relation: &'static str,
}

/// A document of any kind: quote, order, delivery note, pro-forma, invoice, deposit invoice
/// or credit note.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    #[schema(value_type = written::DocumentKind)]
    pub kind: &'static str,
    #[schema(value_type = written::DocumentStatus)]
    pub status: &'static str,
    /// The legal number; null while draft.
    #[schema(required = true)]
    pub number: Option<String>,
    pub customer_id: Uuid,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub issue_date: Option<String>,
    /// Set when issued.
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub due_date: Option<String>,
    #[schema(value_type = written::PaymentTerms)]
    pub payment_terms: String,
    #[schema(required = true)]
    pub customer_reference: Option<String>,
    #[schema(required = true)]
    pub note: Option<String>,
    #[schema(required = true)]
    pub title: Option<String>,
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub valid_until: Option<String>,
    #[schema(required = true, value_type = Option<written::DateText>)]
    pub delivery_date: Option<String>,
    /// Never printed.
    #[schema(required = true)]
    pub internal_note: Option<String>,
    #[schema(required = true)]
    pub terms: Option<String>,
    #[schema(required = true)]
    pub special_conditions: Option<String>,
    /// A progress invoice's cumulative percentage of completion.
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub progress_percent: Option<String>,
    #[schema(value_type = written::DecimalText)]
    pub discount_percent: String,
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub discount_amount: Option<String>,
    #[schema(required = true, inline)]
    pub shipping: Option<ShippingView>,
    /// The payment schedule with each instalment's amount and due date.
    #[schema(required = true, inline)]
    pub schedule: Option<Vec<InstalmentView>>,
    /// The document's own VAT exemption mentions; the totals' VAT breakdown shows the one in
    /// effect.
    pub vat_exemptions: Vec<ExemptionInput>,
    /// The document's margin over the lines with a purchase price.
    #[schema(required = true, inline)]
    pub margin: Option<MarginView>,
    #[schema(required = true)]
    pub billing_address: Option<AddressView>,
    /// Where the goods go: the billing address unless another was given.
    #[schema(required = true)]
    pub delivery_address: Option<AddressView>,
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub exchange_rate: Option<String>,
    /// The totals in the company's currency, for a document in a foreign currency.
    #[schema(required = true, inline)]
    pub counter_value: Option<CounterValue>,
    #[schema(required = true)]
    pub contact: Option<String>,
    #[schema(required = true)]
    pub salesperson: Option<String>,
    #[schema(required = true)]
    pub payment_mode: Option<&'static str>,
    /// Goods, services or mixed: as chosen, or told by the lines' units.
    #[schema(schema_with = field::operation)]
    pub operation: &'static str,
    pub lines: Vec<LineView>,
    pub totals: TotalsView,
    pub payments: Vec<PaymentView>,
    /// The document's parents and children: the quote an order came from, an order's
    /// delivery notes and invoices, an invoice's credit notes…
    pub links: Vec<LinkView>,
    /// Every document of its family through its links both ways (the quote, the order, its
    /// delivery notes, invoices, deposits, credit notes…). Only in the answer about one
    /// document.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<FamilyView>, inline)]
    pub family: Option<Vec<FamilyView>>,
    /// What happened to the document, oldest first. Only in the answer about one document,
    /// and only when something is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<EventView>)]
    pub history: Option<Vec<EventView>>,
    /// SHA-256 seal in the company's hash chain; null while draft.
    #[schema(required = true)]
    pub seal: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(required = true, format = DateTime)]
    pub issued_at: Option<String>,
}

pub(crate) fn company_currency(auth: &Auth) -> Option<Currency> {
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
        billing_address: c.billing_address.as_ref().map(AddressView::from),
        delivery_address: c.effective_delivery_address().map(AddressView::from),
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

//! How the API shows a document: its figures from the one totals function in `core`,
//! its lines, payments, links and history.

use crate::api::{date_text, instant_text};
use crate::app::customers::AddressInput;
use crate::app::documents::input::{
    ExemptionInput, OtherTaxInput, address_input, exemption_input, instalment_kind, tax_input,
};
use crate::auth::Auth;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, LineKind, Status};
use facturier_core::money::{Currency, to_text};
use facturier_store::documents::DocumentRecord;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// One line as the API shows it.
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

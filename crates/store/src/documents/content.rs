//! The `content` column: how a document's [`Content`] is stored (exact decimals as text,
//! optional fields left out so that older contents and their seals stay byte-identical),
//! and the sealed copy of an issued document's columns inside it, which the seal covers.

use crate::{Result, StoreError};
use facturier_core::Decimal;
use facturier_core::document::{Canonical, Content, Line, LineKind, Nature};
use facturier_core::product::UnitCode;
use facturier_core::schedule::Schedule;
use facturier_core::tax::{Vat, VatCategory};
use facturier_core::terms::PaymentTerms;
use facturier_core::totals::{OtherTax, OtherTaxRate};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::record::Row;

/// A line as stored: decimals as exact text.
#[derive(Serialize, Deserialize)]
struct StoredLine {
    id: Uuid,
    product_id: Option<Uuid>,
    description: String,
    #[serde(with = "rust_decimal::serde::str")]
    quantity: Decimal,
    unit: UnitCode,
    #[serde(with = "rust_decimal::serde::str")]
    unit_price: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    vat_rate: Decimal,
    vat_category: VatCategory,
    #[serde(with = "rust_decimal::serde::str")]
    discount_percent: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_line_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "is_item")]
    kind: LineKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    other_taxes: Vec<StoredTax>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    purchase_price: Option<Decimal>,
    /// Absent on lines written before it was recorded (their seals cover them so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nature: Option<Nature>,
}

fn is_item(k: &LineKind) -> bool {
    *k == LineKind::Item
}

/// A tax other than VAT as stored: a fixed amount per unit or a percent of the price.
#[derive(Serialize, Deserialize)]
struct StoredTax {
    label: String,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    per_unit: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    percent: Option<Decimal>,
}

impl From<&OtherTax> for StoredTax {
    fn from(t: &OtherTax) -> StoredTax {
        match t.rate {
            OtherTaxRate::PerUnit(a) => {
                StoredTax { label: t.label.clone(), per_unit: Some(a.normalize()), percent: None }
            }
            OtherTaxRate::PercentOfPrice(p) => {
                StoredTax { label: t.label.clone(), per_unit: None, percent: Some(p.normalize()) }
            }
        }
    }
}

impl StoredTax {
    fn to_tax(&self) -> OtherTax {
        let rate = match (self.per_unit, self.percent) {
            (_, Some(p)) => OtherTaxRate::PercentOfPrice(p),
            (a, None) => OtherTaxRate::PerUnit(a.unwrap_or_default()),
        };
        OtherTax { label: self.label.clone(), rate }
    }
}

/// Shipping costs as stored.
#[derive(Serialize, Deserialize)]
struct StoredCharge {
    label: String,
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    vat_rate: Decimal,
    vat_category: VatCategory,
}

/// An amount of one VAT category and rate (a discount split per rate, a VAT correction).
#[derive(Serialize, Deserialize)]
struct StoredVatAmount {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    vat_rate: Decimal,
    vat_category: VatCategory,
}

impl StoredVatAmount {
    fn from_core(a: &facturier_core::totals::VatAmount) -> StoredVatAmount {
        StoredVatAmount { amount: a.amount, vat_rate: a.vat.rate(), vat_category: a.vat.category() }
    }

    fn to_core(&self) -> std::result::Result<facturier_core::totals::VatAmount, facturier_core::tax::TaxError> {
        Ok(facturier_core::totals::VatAmount {
            amount: self.amount,
            vat: Vat::new(self.vat_rate, Some(self.vat_category))?,
        })
    }
}

// Dates inside stored JSON are `YYYY-MM-DD`, as everywhere else.
time::serde::format_description!(ymd, Date, "[year]-[month]-[day]");

/// Optional header fields: absent ones are not written, so older contents (and the
/// seals computed over them) stay byte-identical.
#[derive(Serialize, Deserialize, Default)]
struct StoredHeader {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "ymd::option")]
    valid_until: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "ymd::option")]
    delivery_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    internal_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    terms: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    special_conditions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    progress_percent: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    discount_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shipping: Option<StoredCharge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    schedule: Option<Schedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing_address: Option<facturier_core::party::Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delivery_address: Option<facturier_core::party::Address>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    exchange_rate: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salesperson: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payment_mode: Option<facturier_core::schedule::PaymentMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operation: Option<facturier_core::document::Operation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parties: Option<facturier_core::company::Parties>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    vat_exemptions: Vec<facturier_core::tax::ExemptionReason>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    allowances: Vec<StoredVatAmount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    vat_adjustments: Vec<StoredVatAmount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    printed: Option<facturier_core::company::Printed>,
}

/// The `content` column.
#[derive(Serialize, Deserialize)]
struct StoredContent {
    lines: Vec<StoredLine>,
    #[serde(with = "rust_decimal::serde::str")]
    discount_percent: Decimal,
    payment_terms: PaymentTerms,
    #[serde(with = "time::serde::iso8601::option", default)]
    chosen_issue_date: Option<OffsetDateTime>,
    customer_reference: Option<String>,
    note: Option<String>,
    #[serde(flatten)]
    header: StoredHeader,
}

pub(crate) fn content_json(c: &Content) -> String {
    let stored = StoredContent {
        lines: c
            .lines
            .iter()
            .map(|l| StoredLine {
                id: l.id,
                product_id: l.product_id,
                description: l.description.clone(),
                quantity: l.quantity.normalize(),
                unit: l.unit.clone(),
                unit_price: l.unit_price.normalize(),
                vat_rate: l.vat.rate(),
                vat_category: l.vat.category(),
                discount_percent: l.discount_percent.normalize(),
                source_line_id: l.source_line_id,
                kind: l.kind,
                other_taxes: l.other_taxes.iter().map(StoredTax::from).collect(),
                purchase_price: l.purchase_price.map(|p| p.normalize()),
                nature: l.nature,
            })
            .collect(),
        discount_percent: c.discount_percent.normalize(),
        payment_terms: c.payment_terms,
        chosen_issue_date: c.issue_date.map(|d| d.midnight().assume_utc()),
        customer_reference: c.customer_reference.clone(),
        note: c.note.clone(),
        header: StoredHeader {
            title: c.title.clone(),
            valid_until: c.valid_until,
            delivery_date: c.delivery_date,
            internal_note: c.internal_note.clone(),
            terms: c.terms.clone(),
            special_conditions: c.special_conditions.clone(),
            progress_percent: c.progress_percent,
            discount_amount: c.discount_amount,
            shipping: c.shipping.as_ref().map(|ch| StoredCharge {
                label: ch.label.clone(),
                amount: ch.amount,
                vat_rate: ch.vat.rate(),
                vat_category: ch.vat.category(),
            }),
            schedule: c.schedule.clone(),
            billing_address: c.billing_address.clone(),
            delivery_address: c.delivery_address.clone(),
            exchange_rate: c.exchange_rate,
            contact: c.contact.clone(),
            salesperson: c.salesperson.clone(),
            payment_mode: c.payment_mode,
            operation: c.operation,
            parties: c.parties.clone(),
            vat_exemptions: c.vat_exemptions.clone(),
            allowances: c.allowances.iter().map(StoredVatAmount::from_core).collect(),
            vat_adjustments: c.vat_adjustments.iter().map(StoredVatAmount::from_core).collect(),
            printed: c.printed.clone(),
        },
    };
    serde_json::to_string(&stored).unwrap_or_default()
}

pub(crate) fn parse_content(id: Uuid, customer_id: Uuid, currency: &str, json: &str) -> Result<Content> {
    let corrupt = |e: String| StoreError::Corrupt(format!("document {id}: {e}"));
    let s: StoredContent = serde_json::from_str(json).map_err(|e| corrupt(e.to_string()))?;
    let lines = s
        .lines
        .into_iter()
        .map(|l| {
            Ok(Line {
                id: l.id,
                product_id: l.product_id,
                description: l.description,
                quantity: l.quantity,
                unit: l.unit,
                unit_price: l.unit_price,
                vat: Vat::new(l.vat_rate, Some(l.vat_category)).map_err(|e| corrupt(e.to_string()))?,
                discount_percent: l.discount_percent,
                source_line_id: l.source_line_id,
                kind: l.kind,
                other_taxes: l.other_taxes.iter().map(StoredTax::to_tax).collect(),
                purchase_price: l.purchase_price,
                nature: l.nature,
            })
        })
        .collect::<Result<Vec<Line>>>()?;
    let shipping = match s.header.shipping {
        None => None,
        Some(ch) => Some(facturier_core::totals::DocumentCharge {
            label: ch.label,
            amount: ch.amount,
            vat: Vat::new(ch.vat_rate, Some(ch.vat_category)).map_err(|e| corrupt(e.to_string()))?,
        }),
    };
    Ok(Content {
        customer_id,
        currency: currency.parse().map_err(|e: facturier_core::money::UnknownCurrency| corrupt(e.to_string()))?,
        issue_date: s.chosen_issue_date.map(|d| d.date()),
        payment_terms: s.payment_terms,
        lines,
        discount_percent: s.discount_percent,
        customer_reference: s.customer_reference,
        note: s.note,
        title: s.header.title,
        valid_until: s.header.valid_until,
        delivery_date: s.header.delivery_date,
        internal_note: s.header.internal_note,
        terms: s.header.terms,
        special_conditions: s.header.special_conditions,
        progress_percent: s.header.progress_percent,
        discount_amount: s.header.discount_amount,
        shipping,
        schedule: s.header.schedule,
        billing_address: s.header.billing_address,
        delivery_address: s.header.delivery_address,
        exchange_rate: s.header.exchange_rate,
        contact: s.header.contact,
        salesperson: s.header.salesperson,
        payment_mode: s.header.payment_mode,
        operation: s.header.operation,
        parties: s.header.parties,
        vat_exemptions: s.header.vat_exemptions,
        allowances: s
            .header
            .allowances
            .iter()
            .map(StoredVatAmount::to_core)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| corrupt(e.to_string()))?,
        vat_adjustments: s
            .header
            .vat_adjustments
            .iter()
            .map(StoredVatAmount::to_core)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| corrupt(e.to_string()))?,
        printed: s.header.printed,
    })
}

/// The columns an issued document is listed, filtered and summed by, copied into its
/// content under [`SEALED_COLUMNS_KEY`] when it is issued, so that the seal covers them
/// inside the content and `verify` can name a column changed in the database (not only
/// see a broken seal). Documents sealed before this copy existed have none: their seal
/// covers the same columns read from the row.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct SealedColumns {
    pub(crate) number: String,
    #[serde(with = "ymd")]
    pub(crate) issue_date: Date,
    #[serde(with = "ymd")]
    pub(crate) due_date: Date,
    pub(crate) customer_id: Uuid,
    pub(crate) currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) parent_id: Option<Uuid>,
    /// The instant of issue, as [`Stamp::text`] writes it.
    pub(crate) issued_at: String,
}

/// The key of [`SealedColumns`] in a stored content ([`StoredContent`] has no such field,
/// so reading a content ignores it and a copy made from it never carries it).
pub(crate) const SEALED_COLUMNS_KEY: &str = "issued";

/// A stored content (an object, as [`content_json`] writes it) with the sealed copy of
/// the columns appended, without parsing it again.
pub(crate) fn with_sealed_columns(mut json: String, columns: &SealedColumns) -> Result<String> {
    let copy = serde_json::to_string(columns).map_err(|e| StoreError::Corrupt(format!("sealed columns: {e}")))?;
    if json.len() < 3 || !json.ends_with('}') {
        return Err(StoreError::Corrupt(format!("a document content is not an object: {json:?}")));
    }
    json.pop();
    json.push_str(&format!(",\"{SEALED_COLUMNS_KEY}\":{copy}}}"));
    Ok(json)
}

/// What an issued document's sealed content says, read back from its row.
pub(crate) struct SealedDocument {
    /// The stored content as the seal covers it.
    pub(crate) value: serde_json::Value,
    pub(crate) totals: facturier_core::totals::Totals,
    /// The sealed copy of the columns; `None` for a document sealed before it existed.
    pub(crate) columns: Option<SealedColumns>,
}

impl SealedDocument {
    /// Parses the content of a row (with the sealed customer and currency when it has a copy).
    pub(crate) fn read(r: &Row) -> Result<SealedDocument> {
        let corrupt = |e: String| StoreError::Corrupt(format!("document {}: {e}", r.id));
        let value: serde_json::Value = serde_json::from_str(&r.content).map_err(|e| corrupt(e.to_string()))?;
        let columns: Option<SealedColumns> = match value.get(SEALED_COLUMNS_KEY) {
            None => None,
            Some(v) => Some(serde_json::from_value(v.clone()).map_err(|e| corrupt(format!("sealed columns: {e}")))?),
        };
        let (customer_id, currency) = match &columns {
            Some(c) => (c.customer_id, c.currency.as_str()),
            None => (r.customer_id, r.currency.as_str()),
        };
        let totals = parse_content(r.id, customer_id, currency, &r.content)?.totals();
        Ok(SealedDocument { value, totals, columns })
    }

    /// The bytes its seal covers: the content as stored, the totals it gives and, for a
    /// document with a sealed copy of its columns, the columns from that copy (a changed
    /// column then leaves the seal intact and `verify` names it); for one without, the
    /// columns of the row.
    pub(crate) fn canonical(&self, company_id: Uuid, r: &Row) -> Vec<u8> {
        let t = &self.totals;
        match &self.columns {
            Some(c) => columns_canonical(company_id, r.id, &r.kind, c, &self.value, t),
            None => Canonical {
                company_id,
                id: r.id,
                kind: &r.kind,
                number: r.number.as_deref().unwrap_or(""),
                issue_date: r.issue_date.map(|d| d.to_string()).unwrap_or_default(),
                due_date: r.due_date.map(|d| d.to_string()).unwrap_or_default(),
                customer_id: r.customer_id,
                currency: &r.currency,
                content: &self.value,
                net: t.net.to_string(),
                vat_total: t.vat_total.to_string(),
                gross: r.gross.clone(),
                parent_id: r.parent_id,
            }
            .to_bytes(),
        }
    }
}

/// The bytes the seal of a document with a copy of its columns covers: issuing seals
/// these, and `verify` rebuilds them from the stored content alone.
pub(super) fn columns_canonical(
    company_id: Uuid,
    id: Uuid,
    kind: &str,
    c: &SealedColumns,
    content: &serde_json::Value,
    t: &facturier_core::totals::Totals,
) -> Vec<u8> {
    Canonical {
        company_id,
        id,
        kind,
        number: &c.number,
        issue_date: c.issue_date.to_string(),
        due_date: c.due_date.to_string(),
        customer_id: c.customer_id,
        currency: &c.currency,
        content,
        net: t.net.to_string(),
        vat_total: t.vat_total.to_string(),
        gross: t.gross.to_string(),
        parent_id: c.parent_id,
    }
    .to_bytes()
}

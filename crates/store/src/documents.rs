//! Invoices and credit notes: drafts, issuing (legal number and seal allocated in
//! the issuing transaction), payments, credit notes, lists and chain verification.
//! This module is the only place that allocates numbers and writes seals.

use crate::sql::Sql;
use crate::{Arg, Result, Stamp, Store, StoreError, Tx, bind_args, new_id, now, on_acquired, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::company::{Buyer, Parties, Seller};
use facturier_core::compliance::{self, Problem};
use facturier_core::document::{
    self, Canonical, Content, DocumentKind, LifecycleError, Line, LineKind, Nature, Status, settle,
};
use facturier_core::money::Currency;
use facturier_core::numbering::NumberPattern;
use facturier_core::product::UnitCode;
use facturier_core::schedule::Schedule;
use facturier_core::seal;
use facturier_core::tax::{Vat, VatCategory};
use facturier_core::terms::PaymentTerms;
use facturier_core::totals::{OtherTax, OtherTaxRate};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

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

/// A payment received on an invoice.
#[derive(Clone, Debug)]
pub struct PaymentRecord {
    pub id: Uuid,
    pub amount: Decimal,
    /// The part that settled the invoice; the rest went to the customer's credit.
    pub applied: Decimal,
    pub date: Date,
    pub method: String,
    pub reference: Option<String>,
    /// `recorded` or `cancelled` (kept, no longer counted).
    pub status: String,
}

/// A row of `payments` as a document reads it: the payment's id, amount, applied, date,
/// method, reference, status.
type PaymentRow = (Uuid, String, String, Date, String, Option<String>, String);

/// A payment to record.
#[derive(Clone, Copy, Debug)]
pub struct NewPayment<'a> {
    pub amount: Decimal,
    pub date: Date,
    /// `bank_transfer`, `card`, `cheque`…
    pub method: &'a str,
    pub reference: Option<&'a str>,
}

/// A link between two documents.
#[derive(Clone, Debug)]
pub struct Link {
    pub kind: DocumentKind,
    pub id: Uuid,
    pub number: Option<String>,
    /// `parent` or `child` (seen from the document holding the link).
    pub relation: &'static str,
}

/// A stored document.
#[derive(Clone, Debug)]
pub struct DocumentRecord {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub status: Status,
    pub number: Option<String>,
    pub content: Content,
    pub issue_date: Option<Date>,
    pub due_date: Option<Date>,
    pub paid: Decimal,
    pub credited: Decimal,
    pub parent_id: Option<Uuid>,
    pub seal: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub issued_at: Option<OffsetDateTime>,
    /// Filled by [`Store::document`]; empty in lists.
    pub payments: Vec<PaymentRecord>,
    /// Filled by [`Store::document`]; empty in lists.
    pub links: Vec<Link>,
    /// What happened to the document, oldest first. Filled by [`Store::document`].
    pub history: Vec<Event>,
}

/// One entry of a document's history.
#[derive(Clone, Debug)]
pub struct Event {
    pub at: OffsetDateTime,
    pub event: String,
    pub detail: serde_json::Value,
}

pub(crate) const COLS: &str = "id, kind, status, number, customer_id, parent_id, currency, doc_date, issue_date, due_date, content, \
                    paid, credited, gross, chain_seq, prev_seal, seal, created_at, updated_at, issued_at";

/// How many columns [`COLS`] names.
const COLUMNS: usize = 20;

/// One document with whether it has payments and links, as [`Store::document`] reads it.
static DOCUMENT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLS}, \
         EXISTS (SELECT 1 FROM payments p WHERE p.company_id = documents.company_id AND p.document_id = documents.id) \
         AS has_payments, \
         EXISTS (SELECT 1 FROM document_links l WHERE l.company_id = documents.company_id \
         AND (l.parent_id = documents.id OR l.child_id = documents.id)) AS has_links \
         FROM documents WHERE company_id = $1 AND id = $2 AND kind = $3"
    )
});

/// A document's history, oldest first.
const EVENTS_SQL: &str =
    "SELECT at, event, detail FROM document_events WHERE company_id = $1 AND document_id = $2 ORDER BY at, id";

fn history(events: Vec<(OffsetDateTime, String, String)>) -> Vec<Event> {
    events
        .into_iter()
        .map(|(at, event, detail)| Event {
            at,
            event,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
        })
        .collect()
}

/// A document the writer thread wrote, read back in its transaction as
/// [`Store::document`] reads it; parsed by [`Store::read_back`], off the writer thread.
pub(crate) struct ReadBack {
    row: Row,
    has_payments: bool,
    has_links: bool,
    events: Vec<(OffsetDateTime, String, String)>,
}

fn read_back(c: &rusqlite::Connection, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<Option<ReadBack>> {
    use crate::writer::{boolean, instant, query, query_opt, text};
    let args = [company_id.into(), id.into(), kind.as_str().into()];
    let Some((row, has_payments, has_links)) = query_opt(c, &DOCUMENT_SQL, &args, |r| {
        Ok((Row::from_sqlite(r)?, boolean(r, COLUMNS)?, boolean(r, COLUMNS + 1)?))
    })?
    else {
        return Ok(None);
    };
    let events = query(c, EVENTS_SQL, &args[..2], |r| Ok((instant(r, 0)?, text(r, 1)?, text(r, 2)?)))?;
    Ok(Some(ReadBack { row, has_payments, has_links, events }))
}

impl Store {
    /// The record of what the writer thread read back. A document with payments or
    /// links is read again in full (not the case of a new draft or a plain issue).
    async fn read_back(&self, company_id: Uuid, kind: DocumentKind, rb: ReadBack) -> Result<DocumentRecord> {
        if rb.has_payments || rb.has_links {
            return self.document(company_id, kind, rb.row.id).await;
        }
        let mut rec: DocumentRecord = rb.row.try_into()?;
        rec.history = history(rb.events);
        Ok(rec)
    }
}

/// A document row with whether it has payments and links.
#[derive(sqlx::FromRow)]
struct RowWithFlags {
    #[sqlx(flatten)]
    row: Row,
    has_payments: bool,
    has_links: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    pub(crate) id: Uuid,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) number: Option<String>,
    pub(crate) customer_id: Uuid,
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) currency: String,
    pub(crate) doc_date: Date,
    pub(crate) issue_date: Option<Date>,
    pub(crate) due_date: Option<Date>,
    pub(crate) content: String,
    pub(crate) paid: String,
    pub(crate) credited: String,
    pub(crate) gross: String,
    pub(crate) chain_seq: Option<i64>,
    pub(crate) prev_seal: Option<String>,
    pub(crate) seal: Option<String>,
    pub(crate) created_at: Stamp,
    pub(crate) updated_at: Stamp,
    pub(crate) issued_at: Option<Stamp>,
}

impl Row {
    /// A row of [`COLS`] (its first columns) read on the writer thread.
    fn from_sqlite(r: &rusqlite::Row<'_>) -> Result<Row> {
        use crate::writer::{instant, opt_date, opt_instant, opt_int, opt_text, opt_uuid, text, uuid};
        Ok(Row {
            id: uuid(r, 0)?,
            kind: text(r, 1)?,
            status: text(r, 2)?,
            number: opt_text(r, 3)?,
            customer_id: uuid(r, 4)?,
            parent_id: opt_uuid(r, 5)?,
            currency: text(r, 6)?,
            doc_date: opt_date(r, 7)?.ok_or_else(|| StoreError::Corrupt("a document has no date".into()))?,
            issue_date: opt_date(r, 8)?,
            due_date: opt_date(r, 9)?,
            content: text(r, 10)?,
            paid: text(r, 11)?,
            credited: text(r, 12)?,
            gross: text(r, 13)?,
            chain_seq: opt_int(r, 14)?,
            prev_seal: opt_text(r, 15)?,
            seal: opt_text(r, 16)?,
            created_at: instant(r, 17)?.into(),
            updated_at: instant(r, 18)?.into(),
            issued_at: opt_instant(r, 19)?.map(Stamp::from),
        })
    }
}

fn dec(id: Uuid, what: &str, s: &str) -> Result<Decimal> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("document {id}: {what} {s:?}")))
}

impl TryFrom<Row> for DocumentRecord {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<DocumentRecord> {
        let corrupt = |e: String| StoreError::Corrupt(format!("document {}: {e}", r.id));
        Ok(DocumentRecord {
            id: r.id,
            kind: r.kind.parse().map_err(corrupt)?,
            status: r.status.parse().map_err(corrupt)?,
            number: r.number,
            content: parse_content(r.id, r.customer_id, &r.currency, &r.content)?,
            issue_date: r.issue_date,
            due_date: r.due_date,
            paid: dec(r.id, "paid", &r.paid)?,
            credited: dec(r.id, "credited", &r.credited)?,
            parent_id: r.parent_id,
            seal: r.seal,
            created_at: r.created_at.instant(),
            updated_at: r.updated_at.instant(),
            issued_at: r.issued_at.map(Stamp::instant),
            payments: Vec::new(),
            links: Vec::new(),
            history: Vec::new(),
        })
    }
}

impl DocumentRecord {
    /// What the customer still owes.
    pub fn due(&self) -> Decimal {
        let gross = self.content.totals().gross;
        if self.status == Status::Draft || self.kind == DocumentKind::CreditNote {
            gross
        } else {
            settle(gross, self.paid, self.credited).due
        }
    }
}

/// Filters of a document list.
#[derive(Clone, Debug)]
pub struct DocumentFilter {
    pub kind: DocumentKind,
    pub status: Option<Status>,
    pub customer_id: Option<Uuid>,
    /// Inclusive bounds on the document date (issue date, or creation date of a draft).
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub limit: u32,
    pub after: Option<DocCursor>,
}

/// Position in a list ordered by date then id, newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocCursor {
    pub date: Date,
    pub id: Uuid,
}

impl DocCursor {
    /// The opaque text form: `YYYY-MM-DD_uuid`.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.date, self.id.simple())
    }

    /// Parses what [`encode`](Self::encode) produced.
    pub fn decode(s: &str) -> Option<DocCursor> {
        let (d, id) = s.split_once('_')?;
        let date = Date::parse(d, &time::format_description::well_known::Iso8601::DATE).ok()?;
        Some(DocCursor { date, id: id.parse().ok()? })
    }
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainReport {
    Intact { documents: u64 },
    Broken { kind: DocumentKind, id: Option<Uuid>, number: Option<String>, reason: String },
}

/// Reads a document inside a transaction (without payments, links or history).
pub(crate) async fn read_in(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<DocumentRecord> {
    let sql = format!("SELECT {COLS} FROM documents WHERE company_id = $1 AND id = $2");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await?);
    row.ok_or(StoreError::NotFound("document"))?.try_into()
}

pub(crate) async fn lock_document(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    kind: Option<DocumentKind>,
) -> Result<DocumentRecord> {
    // A no-op UPDATE takes the row lock on PostgreSQL (SQLite holds the write lock already).
    let sql =
        format!("UPDATE documents SET updated_at = updated_at WHERE company_id = $1 AND id = $2 RETURNING {COLS}");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await?);
    let rec: DocumentRecord = row.ok_or(StoreError::NotFound("document"))?.try_into()?;
    match kind {
        Some(k) if k != rec.kind => Err(StoreError::NotFound("document")),
        _ => Ok(rec),
    }
}

/// The seller and the buyer of a document as they are now: the company's identity
/// (its name and country until it is filled in) and the customer with the document's
/// billing address.
pub(crate) async fn current_parties(tx: &mut Tx, company_id: Uuid, content: &Content) -> Result<Parties> {
    let row: Option<(String, String, String, String)> = on_conn!(tx, |c| {
        sqlx::query_as(
            "SELECT co.name, co.country, co.settings, cu.data FROM companies co \
             JOIN customers cu ON cu.company_id = co.id AND cu.id = $2 WHERE co.id = $1",
        )
        .bind(company_id)
        .bind(content.customer_id)
        .fetch_optional(c)
        .await?
    });
    let (name, country, settings, data) = row.ok_or(StoreError::NotFound("customer"))?;
    parties_from(&name, &country, &settings, &data, content)
}

/// The parties from the company's row (`name`, `country`, `settings`) and the customer's `data`.
fn parties_from(name: &str, country: &str, settings: &str, data: &str, content: &Content) -> Result<Parties> {
    let settings: crate::companies::CompanySettings =
        serde_json::from_str(settings).map_err(|e| StoreError::Corrupt(format!("company settings: {e}")))?;
    let seller = match settings.identity {
        Some(s) => s,
        None => Seller::bare(
            name,
            country.parse().map_err(|e: facturier_core::party::UnknownCountry| StoreError::Corrupt(e.to_string()))?,
        ),
    };
    let customer: facturier_core::party::Customer = serde_json::from_str(data)
        .map_err(|e| StoreError::Corrupt(format!("customer {}: {e}", content.customer_id)))?;
    let address = content.billing_address.clone().unwrap_or_else(|| customer.billing_address.clone());
    Ok(Parties { seller, buyer: Buyer::of(&customer, address) })
}

impl Store {
    /// The parties a document shows: its sealed snapshot once issued, the current
    /// company identity and customer record while it is a draft.
    pub async fn parties(&self, company_id: Uuid, content: &Content) -> Result<Parties> {
        if let Some(p) = &content.parties {
            return Ok(p.clone());
        }
        let mut tx = self.begin_read().await?;
        current_parties(&mut tx, company_id, content).await
    }
}

/// Checks that the customer and the products a draft names belong to the company.
async fn check_references(tx: &mut Tx, company_id: Uuid, content: &Content) -> Result<()> {
    let found: Option<(Uuid,)> = on_conn!(tx, |c| {
        sqlx::query_as("SELECT id FROM customers WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(content.customer_id)
            .fetch_optional(c)
            .await?
    });
    if found.is_none() {
        return Err(StoreError::Invalid { field: "customer_id".into(), message: "no such customer".into() });
    }
    check_products(tx, company_id, content).await
}

/// Checks that the products named by the lines belong to the company (a new draft's
/// customer is checked by its insert: one statement fewer under the write turn).
async fn check_products(tx: &mut Tx, company_id: Uuid, content: &Content) -> Result<()> {
    for (i, line) in content.lines.iter().enumerate() {
        if let Some(pid) = line.product_id {
            let found: Option<(Uuid,)> =
                on_conn!(tx, |c| sqlx::query_as(PRODUCT_SQL).bind(company_id).bind(pid).fetch_optional(c).await?);
            if found.is_none() {
                return Err(no_product(i));
            }
        }
    }
    Ok(())
}

pub(crate) async fn event(
    tx: &mut Tx,
    company_id: Uuid,
    document_id: Uuid,
    name: &str,
    detail: serde_json::Value,
) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query("INSERT INTO document_events (id, company_id, document_id, at, event, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(new_id())
            .bind(company_id)
            .bind(document_id)
            .bind(now())
            .bind(name)
            .bind(detail.to_string())
            .execute(c)
            .await?;
    });
    Ok(())
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
fn columns_canonical(
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

/// The bytes the seal of an issued row covers (see [`SealedDocument::canonical`]).
pub(crate) fn canonical_bytes(company_id: Uuid, r: &Row) -> Result<Vec<u8>> {
    Ok(SealedDocument::read(r)?.canonical(company_id, r))
}

impl Store {
    /// Saves a new draft. Its customer and products must belong to the company. A
    /// credit note names its invoice as `parent_id`.
    pub async fn insert_draft(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        content: &Content,
        parent_id: Option<Uuid>,
    ) -> Result<DocumentRecord> {
        let link = parent_id.map(|p| (p, "credit_note"));
        if let Store::Sqlite(_, queue) = self
            && let Some(writer) = queue.writer()
        {
            let d = NewDraft::new(content);
            let products: Vec<(usize, Uuid)> =
                content.lines.iter().enumerate().filter_map(|(i, l)| l.product_id.map(|p| (i, p))).collect();
            let rb = writer.run(move |c| insert_draft_on(c, company_id, kind, &d, &products, link, parent_id)).await?;
            return self.read_back(company_id, kind, rb).await;
        }
        let mut tx = self.begin().await?;
        let id = insert_draft_in(&mut tx, company_id, kind, content, link, parent_id).await?;
        tx.commit().await?;
        self.document(company_id, kind, id).await
    }

    /// One document with its payments and links.
    pub async fn document(&self, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<DocumentRecord> {
        // The row says whether there are payments and links to read: a new draft or a
        // just-issued invoice needs two statements, on one pooled connection.
        let sql = &*DOCUMENT_SQL;
        let mut conn = self.acquire().await?;
        let row: Option<RowWithFlags> = on_acquired!(&mut conn, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(id)
                .bind(kind.as_str())
                .fetch_optional(c)
                .await?
        });
        let RowWithFlags { row, has_payments, has_links } = row.ok_or(StoreError::NotFound("document"))?;
        let mut rec: DocumentRecord = row.try_into()?;
        let payments: Vec<PaymentRow> = if has_payments {
            on_acquired!(&mut conn, |c| {
                sqlx::query_as(
                    "SELECT COALESCE(payment_id, id), amount, applied, paid_on, method, reference, status FROM payments \
                     WHERE company_id = $1 AND document_id = $2 ORDER BY id",
                )
                .bind(company_id)
                .bind(id)
                .fetch_all(c)
                .await?
            })
        } else {
            Vec::new()
        };
        rec.payments = payments
            .into_iter()
            .map(|(pid, amount, applied, date, method, reference, status)| {
                Ok(PaymentRecord {
                    id: pid,
                    amount: dec(id, "payment", &amount)?,
                    applied: dec(id, "payment", &applied)?,
                    date,
                    method,
                    reference,
                    status,
                })
            })
            .collect::<Result<_>>()?;
        let links: Vec<(Uuid, String, Option<String>, String)> = if !has_links {
            Vec::new()
        } else {
            on_acquired!(&mut conn, |c| {
                sqlx::query_as(
                    "SELECT d.id, d.kind, d.number, 'parent' AS rel FROM document_links l \
                 JOIN documents d ON d.company_id = l.company_id AND d.id = l.parent_id \
                 WHERE l.company_id = $1 AND l.child_id = $2 \
                 UNION ALL SELECT d.id, d.kind, d.number, 'child' AS rel FROM document_links l \
                 JOIN documents d ON d.company_id = l.company_id AND d.id = l.child_id \
                 WHERE l.company_id = $1 AND l.parent_id = $2 \
                 ORDER BY 4 DESC, 1",
                )
                .bind(company_id)
                .bind(id)
                .fetch_all(c)
                .await?
            })
        };
        rec.links = links
            .into_iter()
            .map(|(lid, kind, number, rel)| {
                Ok(Link {
                    kind: kind.parse().map_err(StoreError::Corrupt)?,
                    id: lid,
                    number,
                    relation: if rel == "parent" { "parent" } else { "child" },
                })
            })
            .collect::<Result<_>>()?;
        let events: Vec<(OffsetDateTime, String, String)> =
            on_acquired!(&mut conn, |c| sqlx::query_as(EVENTS_SQL).bind(company_id).bind(id).fetch_all(c).await?);
        rec.history = history(events);
        Ok(rec)
    }

    /// Replaces a draft's content; an issued document is refused.
    pub async fn update_draft(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        id: Uuid,
        content: &Content,
    ) -> Result<DocumentRecord> {
        let mut tx = self.begin().await?;
        let current = lock_document(&mut tx, company_id, id, Some(kind)).await?;
        if current.status != Status::Draft {
            return Err(LifecycleError::NotDraft(current.status.as_str()).into());
        }
        check_references(&mut tx, company_id, content).await?;
        let t = content.totals();
        let doc_date = content.issue_date.unwrap_or(current.created_at.date());
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE documents SET customer_id = $3, currency = $4, doc_date = $5, content = $6, net = $7, vat_total = $8, \
                 gross = $9, due = $9, updated_at = $10, search_text = $11 \
                 WHERE company_id = $1 AND id = $2 AND status = 'draft'",
            )
            .bind(company_id)
            .bind(id)
            .bind(content.customer_id)
            .bind(content.currency.code())
            .bind(doc_date)
            .bind(content_json(content))
            .bind(t.net.to_string())
            .bind(t.vat_total.to_string())
            .bind(t.gross.to_string())
            .bind(now())
            .bind(content.search_text())
            .execute(c)
            .await?;
        });
        event(&mut tx, company_id, id, "updated", serde_json::json!({})).await?;
        tx.commit().await?;
        self.document(company_id, kind, id).await
    }

    /// Deletes a draft; an issued document is refused.
    pub async fn delete_draft(&self, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        let current = lock_document(&mut tx, company_id, id, Some(kind)).await?;
        if current.status != Status::Draft {
            return Err(LifecycleError::NotDraft(current.status.as_str()).into());
        }
        crate::pipeline::release_parents(&mut tx, company_id, id).await?;
        on_conn!(&mut tx, |c| {
            sqlx::query("DELETE FROM document_links WHERE company_id = $1 AND child_id = $2")
                .bind(company_id)
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM document_events WHERE company_id = $1 AND document_id = $2")
                .bind(company_id)
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM documents WHERE company_id = $1 AND id = $2 AND status = 'draft'")
                .bind(company_id)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }

    /// Issues a draft: checks it, allocates the next legal number, seals it, and for a
    /// credit note applies it to its invoice — all in one transaction.
    pub async fn issue(&self, company_id: Uuid, kind: DocumentKind, id: Uuid, today: Date) -> Result<DocumentRecord> {
        if let Store::Sqlite(_, queue) = self
            && let Some(writer) = queue.writer()
            && issues_on_writer(kind)
            && let Some(rb) = writer.run(move |c| issue_on(c, company_id, kind, id, today)).await?
        {
            return self.read_back(company_id, kind, rb).await;
        }
        let mut tx = self.begin().await?;
        issue_in(&mut tx, company_id, kind, id, today).await?;
        tx.commit().await?;
        self.document(company_id, kind, id).await
    }

    /// What issuing this draft today would refuse: the problems of its e-invoice (empty
    /// when it can be issued), or the error issuing would return before them (not a
    /// draft, no lines, a date before the last issued…). Reads only, draws no number.
    pub async fn issue_problems(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        id: Uuid,
        today: Date,
    ) -> Result<Vec<Problem>> {
        // The statement of issuing without its row locks: nothing is written.
        let sql = issue_context_sql(crate::Backend::Sqlite);
        let mut tx = self.begin_read().await?;
        let ctx: Option<IssueContext> = on_conn!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(company_id)
            .bind(id)
            .fetch_optional(c)
            .await?);
        drop(tx);
        Ok(IssuePlan::new(ctx, kind, today)?.problems)
    }

    /// A page of documents of one kind, newest first.
    pub async fn list_documents(
        &self,
        company_id: Uuid,
        f: &DocumentFilter,
    ) -> Result<(Vec<DocumentRecord>, Option<DocCursor>)> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM documents WHERE company_id = "));
        q.bind(Arg::Uuid(company_id));
        if let Some(cid) = f.customer_id {
            q.push(" AND customer_id = ").bind(Arg::Uuid(cid));
        }
        q.push(" AND kind = ").bind(Arg::Text(f.kind.as_str().into()));
        if let Some(s) = f.status {
            q.push(" AND status = ").bind(Arg::Text(s.as_str().into()));
        }
        if let Some(from) = f.from {
            q.push(" AND doc_date >= ").bind(Arg::Date(from));
        }
        if let Some(to) = f.to {
            q.push(" AND doc_date <= ").bind(Arg::Date(to));
        }
        if let Some(c) = f.after {
            // A row value, not `date < d OR (date = d AND id < i)`: both planners turn it
            // into a seek on the index's (doc_date, id) suffix, so a page deep in a
            // million invoices costs what the first one does.
            q.push(" AND (doc_date, id) < (").bind(Arg::Date(c.date));
            q.push(", ").bind(Arg::Uuid(c.id)).push(")");
        }
        q.push(" ORDER BY doc_date DESC, id DESC LIMIT ").bind(Arg::I64(i64::from(f.limit) + 1));
        let rows: Vec<Row> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        crate::customers::page(rows, f.limit, |r| DocCursor { date: r.doc_date, id: r.id })
    }
}

/// A new draft's row, computed before any statement runs.
struct NewDraft {
    id: Uuid,
    event_id: Uuid,
    at: Stamp,
    doc_date: Date,
    json: String,
    currency: String,
    customer_id: Uuid,
    net: String,
    vat_total: String,
    gross: String,
    search_text: String,
}

impl NewDraft {
    fn new(content: &Content) -> NewDraft {
        let at = now();
        let t = content.totals();
        // A new draft shows the parties and settings as they are now, never another
        // document's snapshot.
        let json = if content.parties.is_some() || content.printed.is_some() {
            content_json(&Content { parties: None, printed: None, ..content.clone() })
        } else {
            content_json(content)
        };
        NewDraft {
            id: new_id(),
            event_id: new_id(),
            at,
            doc_date: content.issue_date.unwrap_or(at.instant().date()),
            json,
            currency: content.currency.code().to_string(),
            customer_id: content.customer_id,
            net: t.net.to_string(),
            vat_total: t.vat_total.to_string(),
            gross: t.gross.to_string(),
            search_text: content.search_text(),
        }
    }
}

// The draft, inserted only if the customer is the company's, and its "created" event. On
// SQLite two statements, sent as one text through sqlx (`$N` numbers the arguments
// across it) and one by one on the writer thread; on PostgreSQL one statement with a
// data-modifying CTE. Arguments: see `insert_draft_in`.
const DRAFT_SQLITE: [&str; 2] = [
    "INSERT INTO documents (id, company_id, kind, status, customer_id, parent_id, currency, doc_date, content, \
     net, vat_total, gross, due, created_at, updated_at, search_text) \
     SELECT $1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $12, $14 \
     WHERE EXISTS (SELECT 1 FROM customers WHERE company_id = $2 AND id = $4)",
    "INSERT INTO document_events (id, company_id, document_id, at, event, detail) \
     SELECT $13, $2, $1, $12, 'created', '{}' WHERE changes() > 0",
];
const DRAFT_POSTGRES: &str = "WITH d AS (INSERT INTO documents (id, company_id, kind, status, customer_id, parent_id, \
     currency, doc_date, content, net, vat_total, gross, due, created_at, updated_at, search_text) \
     SELECT $1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $12, $14 \
     WHERE EXISTS (SELECT 1 FROM customers WHERE company_id = $2 AND id = $4) RETURNING id) \
     INSERT INTO document_events (id, company_id, document_id, at, event, detail) \
     SELECT $13, $2, d.id, $12, 'created', '{}' FROM d";
const LINK_SQL: &str =
    "INSERT INTO document_links (company_id, parent_id, child_id, relation, created_at) VALUES ($1, $2, $3, $4, $5)";
const PRODUCT_SQL: &str = "SELECT id FROM products WHERE company_id = $1 AND id = $2";

/// The statements of a multi-statement text as one text for sqlx.
fn joined(statements: &[&str]) -> String {
    statements.join("; ")
}

fn no_customer() -> StoreError {
    StoreError::Invalid { field: "customer_id".into(), message: "no such customer".into() }
}

fn no_product(i: usize) -> StoreError {
    StoreError::Invalid { field: format!("lines[{i}].product_id"), message: "no such product".into() }
}

/// Inserts a draft inside a transaction, linked to `link` (parent id, relation) if given.
pub(crate) async fn insert_draft_in(
    tx: &mut Tx,
    company_id: Uuid,
    kind: DocumentKind,
    content: &Content,
    link: Option<(Uuid, &str)>,
    parent_id: Option<Uuid>,
) -> Result<Uuid> {
    check_products(tx, company_id, content).await?;
    let d = NewDraft::new(content);
    let sqlite_text;
    let sql = match tx.backend() {
        crate::Backend::Sqlite => {
            sqlite_text = joined(&DRAFT_SQLITE);
            sqlite_text.as_str()
        }
        crate::Backend::Postgres => DRAFT_POSTGRES,
    };
    let inserted = on_conn!(tx, |c| {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(d.id)
            .bind(company_id)
            .bind(kind.as_str())
            .bind(d.customer_id)
            .bind(parent_id)
            .bind(&d.currency)
            .bind(d.doc_date)
            .bind(&d.json)
            .bind(&d.net)
            .bind(&d.vat_total)
            .bind(&d.gross)
            .bind(d.at)
            .bind(d.event_id)
            .bind(&d.search_text)
            .execute(c)
            .await?
            .rows_affected()
    });
    if inserted == 0 {
        return Err(no_customer());
    }
    if let Some((parent, relation)) = link {
        on_conn!(tx, |c| {
            sqlx::query(LINK_SQL).bind(company_id).bind(parent).bind(d.id).bind(relation).bind(d.at).execute(c).await?;
        });
    }
    Ok(d.id)
}

/// [`insert_draft_in`] on the SQLite writer thread: the same statements, in the writer's
/// transaction, then the new row read back (see [`read_back`]).
fn insert_draft_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    kind: DocumentKind,
    d: &NewDraft,
    products: &[(usize, Uuid)],
    link: Option<(Uuid, &str)>,
    parent_id: Option<Uuid>,
) -> Result<ReadBack> {
    use crate::writer::{Val, execute, query_opt};
    for &(i, pid) in products {
        if query_opt(c, PRODUCT_SQL, &[company_id.into(), pid.into()], |_| Ok(()))?.is_none() {
            return Err(no_product(i));
        }
    }
    let args: [Val<'_>; 14] = [
        d.id.into(),
        company_id.into(),
        kind.as_str().into(),
        d.customer_id.into(),
        parent_id.into(),
        (&d.currency).into(),
        d.doc_date.into(),
        (&d.json).into(),
        (&d.net).into(),
        (&d.vat_total).into(),
        (&d.gross).into(),
        d.at.into(),
        d.event_id.into(),
        (&d.search_text).into(),
    ];
    let mut inserted = 0;
    for sql in DRAFT_SQLITE {
        inserted += execute(c, sql, &args)?;
    }
    if inserted == 0 {
        return Err(no_customer());
    }
    if let Some((parent, relation)) = link {
        execute(c, LINK_SQL, &[company_id.into(), parent.into(), d.id.into(), relation.into(), d.at.into()])?;
    }
    read_back(c, company_id, kind, d.id)?.ok_or(StoreError::NotFound("document"))
}

async fn add_credit(
    tx: &mut Tx,
    company_id: Uuid,
    customer_id: Uuid,
    amount: Decimal,
    currency: Currency,
    source_kind: &str,
    source_id: Uuid,
) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO customer_credits (id, company_id, customer_id, amount, currency, source_kind, source_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(company_id)
        .bind(customer_id)
        .bind(amount.to_string())
        .bind(currency.code())
        .bind(source_kind)
        .bind(source_id)
        .bind(now())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Everything issuing reads, in one statement under the write turn: the draft, the head
/// of its seal chain, its numbering, the company and the customer. Each statement is a
/// round trip to the database, and on SQLite every writer waits for the one in its turn.
#[derive(sqlx::FromRow)]
struct IssueContext {
    #[sqlx(flatten)]
    doc: Row,
    chain_head: String,
    chain_length: i64,
    chain_last_date: Option<Date>,
    pattern: String,
    yearly_reset: bool,
    company_currency: String,
    company_name: String,
    company_country: String,
    company_settings: String,
    customer_data: Option<String>,
    /// Whether the draft was made from other documents (their state may follow it).
    has_parents: bool,
}

impl IssueContext {
    /// The context from a row of [`issue_context_sql`] read on the writer thread.
    fn from_sqlite(r: &rusqlite::Row<'_>) -> Result<IssueContext> {
        use crate::writer::{boolean, opt_date, opt_text, text};
        let n = COLUMNS;
        Ok(IssueContext {
            doc: Row::from_sqlite(r)?,
            chain_head: text(r, n)?,
            chain_length: r.get(n + 1)?,
            chain_last_date: opt_date(r, n + 2)?,
            pattern: text(r, n + 3)?,
            yearly_reset: boolean(r, n + 4)?,
            company_currency: text(r, n + 5)?,
            company_name: text(r, n + 6)?,
            company_country: text(r, n + 7)?,
            company_settings: text(r, n + 8)?,
            customer_data: opt_text(r, n + 9)?,
            has_parents: boolean(r, n + 10)?,
        })
    }
}

fn issue_context_sql(backend: crate::Backend) -> String {
    let doc_cols: Vec<String> = COLS.split(',').map(|c| format!("d.{}", c.trim())).collect();
    // PostgreSQL locks the draft and the chain head (SQLite holds the write lock already):
    // the number, the chronology check and the seal all see the previous document.
    let lock = match backend {
        crate::Backend::Postgres => " FOR UPDATE OF d, sc",
        crate::Backend::Sqlite => "",
    };
    format!(
        "SELECT {}, sc.head AS chain_head, sc.length AS chain_length, sc.last_issue_date AS chain_last_date, \
         n.pattern, n.yearly_reset, co.currency AS company_currency, co.name AS company_name, \
         co.country AS company_country, co.settings AS company_settings, cu.data AS customer_data, \
         EXISTS (SELECT 1 FROM document_links l WHERE l.company_id = d.company_id AND l.child_id = d.id) AS has_parents \
         FROM documents d \
         JOIN seal_chains sc ON sc.company_id = d.company_id AND sc.kind = d.kind \
         JOIN numbering n ON n.company_id = d.company_id AND n.kind = d.kind \
         JOIN companies co ON co.id = d.company_id \
         LEFT JOIN customers cu ON cu.company_id = d.company_id AND cu.id = d.customer_id \
         WHERE d.company_id = $1 AND d.id = $2{lock}",
        doc_cols.join(", ")
    )
}

/// What issuing decided from its context, before the number is drawn: every check that
/// can refuse the draft has passed.
struct IssuePlan {
    doc: DocumentRecord,
    head: String,
    chain_seq: i64,
    facts: document::IssueFacts,
    pattern: NumberPattern,
    /// The numbering period (the year when numbers restart each year, else 0).
    period: i64,
    totals: facturier_core::totals::Totals,
    sealed_json: String,
    has_parents: bool,
    /// What would make the e-invoice fail its rules (`core::compliance`): issuing refuses
    /// before a number is drawn while there is any.
    problems: Vec<Problem>,
}

impl IssuePlan {
    fn new(ctx: Option<IssueContext>, kind: DocumentKind, today: Date) -> Result<IssuePlan> {
        let ctx = ctx.ok_or(StoreError::NotFound("document"))?;
        let doc: DocumentRecord = ctx.doc.try_into()?;
        if doc.kind != kind {
            return Err(StoreError::NotFound("document"));
        }
        if doc.status != Status::Draft {
            return Err(LifecycleError::NotDraft(doc.status.as_str()).into());
        }
        let facts = document::check_issue(kind, &doc.content, today, ctx.chain_last_date)?;
        let company_currency: Currency = ctx
            .company_currency
            .parse()
            .map_err(|e: facturier_core::money::UnknownCurrency| StoreError::Corrupt(e.to_string()))?;
        doc.content.check_currency(company_currency)?;
        let pattern: NumberPattern = ctx
            .pattern
            .parse()
            .map_err(|e: facturier_core::numbering::PatternError| StoreError::Corrupt(e.to_string()))?;
        let period = if ctx.yearly_reset { i64::from(facts.issue_date.year()) } else { 0 };
        let totals = doc.content.totals();
        // Both parties are sealed with the document, so that a later change of address or
        // name never rewrites what was issued.
        let customer_data = ctx.customer_data.ok_or(StoreError::NotFound("customer"))?;
        let mut sealed = doc.content.clone();
        sealed.parties = Some(parties_from(
            &ctx.company_name,
            &ctx.company_country,
            &ctx.company_settings,
            &customer_data,
            &doc.content,
        )?);
        // So are the bank account, the legal mentions, the look and the general terms it
        // prints: changing the settings later never changes a byte of its files.
        let settings: crate::companies::CompanySettings = serde_json::from_str(&ctx.company_settings)
            .map_err(|e| StoreError::Corrupt(format!("company settings: {e}")))?;
        sealed.printed =
            Some(facturier_core::company::Printed::of(settings.default_bank(), &settings.legal, &settings.documents));
        if sealed.terms.is_none() {
            sealed.terms = settings.documents.default_terms.clone();
        }
        let problems = match (&sealed.parties, &sealed.printed) {
            (Some(parties), Some(printed)) => {
                // The number this document would get, near enough for its shape (BR-FR-02).
                let number = pattern.format(facts.issue_date, u64::try_from(ctx.chain_length + 1).unwrap_or(1));
                compliance::check(&compliance::Issuing {
                    kind,
                    content: &sealed,
                    seller: &parties.seller,
                    buyer: &parties.buyer,
                    printed,
                    issue_date: facts.issue_date,
                    corrects_invoice: doc.parent_id.is_some(),
                    number: Some(&number),
                })
            }
            _ => Vec::new(),
        };
        Ok(IssuePlan {
            doc,
            head: ctx.chain_head,
            chain_seq: ctx.chain_length + 1,
            facts,
            pattern,
            period,
            totals,
            sealed_json: content_json(&sealed),
            has_parents: ctx.has_parents,
            problems,
        })
    }

    /// The plan, if nothing stops the document from being issued.
    fn issuable(self) -> Result<IssuePlan> {
        if self.problems.is_empty() { Ok(self) } else { Err(StoreError::NotIssuable(self.problems)) }
    }

    /// The issued row for the number drawn (`seq`): its number, its seal over exactly
    /// what `canonical_bytes` reads back from the row (verify recomputes it that way), and
    /// the arguments of [`ISSUE_SQLITE`] / [`ISSUE_POSTGRES`].
    fn seal(&self, company_id: Uuid, kind: DocumentKind, seq: i64) -> Result<IssuedRow> {
        let id = self.doc.id;
        let number = self.pattern.format(self.facts.issue_date, u64::try_from(seq).unwrap_or(0));
        let at = now();
        let columns = SealedColumns {
            number: number.clone(),
            issue_date: self.facts.issue_date,
            due_date: self.facts.due_date,
            customer_id: self.doc.content.customer_id,
            currency: self.doc.content.currency.code().to_string(),
            parent_id: self.doc.parent_id,
            issued_at: at.text(),
        };
        let content = with_sealed_columns(self.sealed_json.clone(), &columns)?;
        let content_value: serde_json::Value =
            serde_json::from_str(&content).map_err(|e| StoreError::Corrupt(format!("document {id}: {e}")))?;
        let t = &self.totals;
        let (net, vat_total, gross) = (t.net.to_string(), t.vat_total.to_string(), t.gross.to_string());
        let canonical = columns_canonical(company_id, id, kind.as_str(), &columns, &content_value, t);
        let seal = seal::seal(&self.head, &canonical);
        let event = serde_json::json!({"number": number}).to_string();
        Ok(IssuedRow { number, at, net, vat_total, gross, content, seal, event, event_id: new_id() })
    }
}

/// The values an issue writes, beside those of its [`IssuePlan`].
struct IssuedRow {
    number: String,
    at: Stamp,
    net: String,
    vat_total: String,
    gross: String,
    /// The sealed content: the draft's, its parties and the copy of its columns.
    content: String,
    seal: String,
    event: String,
    event_id: Uuid,
}

impl IssuedRow {
    /// Why writing the issued row failed: a repeated number means the pattern was changed.
    fn write_error(&self, e: StoreError) -> StoreError {
        if e.is_unique_violation() {
            StoreError::Conflict(format!(
                "number {} already exists: the numbering pattern was changed to one that repeats earlier numbers",
                self.number
            ))
        } else {
            e
        }
    }
}

const NEXT_NUMBER_SQL: &str = "INSERT INTO number_sequences (company_id, kind, period, last_value) VALUES ($1, $2, $3, 1) \
     ON CONFLICT (company_id, kind, period) DO UPDATE SET last_value = number_sequences.last_value + 1 \
     RETURNING last_value";

// The issued row, the new chain head and the "issued" event: three statements on SQLite
// (see `DRAFT_SQLITE`), one with data-modifying CTEs on PostgreSQL. Arguments: see `issue_in`.
const ISSUE_SQLITE: [&str; 3] = [
    "UPDATE documents SET status = $12, number = $3, issue_date = $4, due_date = $5, doc_date = $4, \
     chain_seq = $6, prev_seal = $7, net = $8, vat_total = $9, gross = $10, due = $10, issued_at = $11, \
     updated_at = $11, content = $13, seal = $14 WHERE company_id = $1 AND id = $2",
    "UPDATE seal_chains SET head = $14, length = $6, last_issue_date = $4 WHERE company_id = $1 AND kind = $15",
    "INSERT INTO document_events (id, company_id, document_id, at, event, detail) \
     VALUES ($16, $1, $2, $11, 'issued', $17)",
];
const ISSUE_POSTGRES: &str = "WITH d AS (UPDATE documents SET status = $12, number = $3, issue_date = $4, \
     due_date = $5, doc_date = $4, chain_seq = $6, prev_seal = $7, net = $8, vat_total = $9, gross = $10, due = $10, \
     issued_at = $11, updated_at = $11, content = $13, seal = $14 WHERE company_id = $1 AND id = $2 RETURNING id), \
     c AS (UPDATE seal_chains SET head = $14, length = $6, last_issue_date = $4 \
     WHERE company_id = $1 AND kind = $15 RETURNING kind) \
     INSERT INTO document_events (id, company_id, document_id, at, event, detail) \
     VALUES ($16, $1, $2, $11, 'issued', $17)";

/// Issues inside a transaction the caller commits (also used by the data generator).
pub async fn issue_in(tx: &mut Tx, company_id: Uuid, kind: DocumentKind, id: Uuid, today: Date) -> Result<()> {
    let sql = issue_context_sql(tx.backend());
    let ctx: Option<IssueContext> = on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await?);
    let plan = IssuePlan::new(ctx, kind, today)?.issuable()?;
    let (seq,): (i64,) = on_conn!(tx, |c| {
        sqlx::query_as(NEXT_NUMBER_SQL).bind(company_id).bind(kind.as_str()).bind(plan.period).fetch_one(c).await?
    });
    let row = plan.seal(company_id, kind, seq)?;
    let (doc, totals, number, at) = (&plan.doc, &plan.totals, &row.number, row.at);

    // Credit notes settle their invoice in the same transaction.
    if kind == DocumentKind::CreditNote {
        let parent_id = doc.parent_id.ok_or_else(|| StoreError::Corrupt(format!("credit note {id} has no invoice")))?;
        let inv = lock_document(tx, company_id, parent_id, None).await?;
        if inv.status == Status::Draft || !inv.kind.is_payable() {
            return Err(LifecycleError::NotCreditable(inv.status.as_str()).into());
        }
        crate::pipeline::check_not_deducted(tx, company_id, &inv).await?;
        let inv_gross = inv.content.totals().gross;
        let credited = inv.credited + totals.gross;
        if credited > inv_gross {
            return Err(LifecycleError::OverCredited { credited, gross: inv_gross }.into());
        }
        let before = settle(inv_gross, inv.paid, inv.credited);
        let to_credit = totals.gross - totals.gross.min(before.due);
        let after = settle(inv_gross, inv.paid, credited);
        on_conn!(tx, |c| {
            sqlx::query("UPDATE documents SET credited = $3, due = $4, status = $5, updated_at = $6 WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(parent_id)
                .bind(credited.to_string())
                .bind(after.due.to_string())
                .bind(after.status.as_str())
                .bind(at)
                .execute(c)
                .await?;
        });
        if to_credit > Decimal::ZERO {
            add_credit(tx, company_id, inv.content.customer_id, to_credit, inv.content.currency, "credit_note", id)
                .await?;
        }
        event(
            tx,
            company_id,
            parent_id,
            "credited",
            serde_json::json!({"credit_note": number, "amount": totals.gross.to_string()}),
        )
        .await?;
    }

    let sqlite_text;
    let sql = match tx.backend() {
        crate::Backend::Sqlite => {
            sqlite_text = joined(&ISSUE_SQLITE);
            sqlite_text.as_str()
        }
        crate::Backend::Postgres => ISSUE_POSTGRES,
    };
    let written = on_conn!(tx, |c| {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(company_id)
            .bind(id)
            .bind(number)
            .bind(plan.facts.issue_date)
            .bind(plan.facts.due_date)
            .bind(plan.chain_seq)
            .bind(&plan.head)
            .bind(&row.net)
            .bind(&row.vat_total)
            .bind(&row.gross)
            .bind(at)
            .bind(kind.issued_status().as_str())
            .bind(&row.content)
            .bind(&row.seal)
            .bind(kind.as_str())
            .bind(row.event_id)
            .bind(&row.event)
            .execute(c)
            .await
            .map(drop)
    });
    written.map_err(|e| row.write_error(e.into()))?;
    if kind == DocumentKind::DeliveryNote {
        crate::pipeline::take_out_of_stock(tx, company_id, doc).await?;
    }
    if plan.has_parents {
        crate::pipeline::after_issue(tx, company_id, kind, id).await?;
    }
    Ok(())
}

/// Whether [`issue_on`] can issue a document of this kind by itself: a credit note
/// settles its invoice and a delivery note takes goods out of stock, which only
/// [`issue_in`] does.
fn issues_on_writer(kind: DocumentKind) -> bool {
    !matches!(kind, DocumentKind::CreditNote | DocumentKind::DeliveryNote)
}

/// [`issue_in`] on the SQLite writer thread, for the kinds of [`issues_on_writer`]: the
/// same statements, then the issued row read back. `None` when the draft was made from
/// other documents, whose state must follow it (`pipeline::after_issue`): nothing was
/// written, and the caller issues it through [`issue_in`].
fn issue_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    kind: DocumentKind,
    id: Uuid,
    today: Date,
) -> Result<Option<ReadBack>> {
    use crate::writer::{Val, execute, query_opt};
    let sql = &*ISSUE_CONTEXT_SQLITE;
    let ctx = query_opt(c, sql, &[company_id.into(), id.into()], IssueContext::from_sqlite)?;
    let plan = IssuePlan::new(ctx, kind, today)?.issuable()?;
    if plan.has_parents {
        return Ok(None);
    }
    let seq = query_opt(c, NEXT_NUMBER_SQL, &[company_id.into(), kind.as_str().into(), plan.period.into()], |r| {
        Ok(r.get::<_, i64>(0)?)
    })?
    .ok_or_else(|| StoreError::Write("no number was drawn".into()))?;
    let row = plan.seal(company_id, kind, seq)?;
    let args: [Val<'_>; 17] = [
        company_id.into(),
        id.into(),
        (&row.number).into(),
        plan.facts.issue_date.into(),
        plan.facts.due_date.into(),
        plan.chain_seq.into(),
        (&plan.head).into(),
        (&row.net).into(),
        (&row.vat_total).into(),
        (&row.gross).into(),
        row.at.into(),
        kind.issued_status().as_str().into(),
        (&row.content).into(),
        (&row.seal).into(),
        kind.as_str().into(),
        row.event_id.into(),
        (&row.event).into(),
    ];
    for sql in ISSUE_SQLITE {
        execute(c, sql, &args).map_err(|e| row.write_error(e))?;
    }
    read_back(c, company_id, kind, id)
}

static ISSUE_CONTEXT_SQLITE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| issue_context_sql(crate::Backend::Sqlite));

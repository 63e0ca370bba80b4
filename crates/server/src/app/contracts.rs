//! Contracts that bill themselves: creating one from its terms (checked as an invoice's
//! lines are), its schedule, index values, events, and the billing run.
//!
//! What a contract bills is `core::contract::billing_up_to`'s answer; the run stores the
//! periods not billed yet, one draft invoice per contract and period (issued when the
//! contract says so), in one transaction each with the period's keys
//! (`store::contracts`), so a run again, two at once or one killed halfway bill nothing
//! twice.

use crate::App;
use crate::app::documents::{DocumentInput, LineInput, context_in};
use crate::error::ApiError;
use crate::input::{Check, DecRules, DecText};
use facturier_core::Decimal;
use facturier_core::contract::period::{Alignment, Frequency, Timing};
use facturier_core::contract::renewal::{Renewal, Term};
use facturier_core::contract::revision::{Formula, FormulaError, IndexBook, IndexTerm, Month, Revision, RevisionAt};
use facturier_core::contract::{self, ContractTerms, DueItem, Event};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::contracts::{Billed, ContractEvent, ContractRecord, NewContract, PeriodToBill};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;
use uuid::Uuid;

/// Longest reference, title and nature.
const MAX_REFERENCE: usize = 50;
const MAX_TITLE: usize = 200;
/// Most lines a contract bills.
const MAX_LINES: usize = 100;
/// Index codes: `SYNTEC`, `ICHT-REV-TS`…
const MAX_INDEX_CODE: usize = 30;
/// Contracts read per page by the run.
const RUN_PAGE: u32 = 200;

/// The body of `POST /contracts`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    /// A customer of the company.
    #[schema(required = true, format = Uuid)]
    pub customer_id: Option<String>,
    /// Unique in the company; made from the start date when absent (`CT-2014-0001`).
    #[schema(max_length = 50)]
    pub reference: Option<String>,
    #[schema(required = true, max_length = 200)]
    pub title: Option<String>,
    /// A free code, as the seed's `DEPA`.
    #[schema(max_length = 50)]
    pub nature: Option<String>,
    /// `active` (default: billed by the runs) or `draft` (not billed yet).
    pub status: Option<String>,
    #[schema(required = true, value_type = String, format = Date)]
    pub start_date: Option<String>,
    /// The first term's last day; none: open-ended.
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<String>,
    /// `tacit` (another term at each end unless notice is given) or `none` (default).
    pub renewal: Option<String>,
    /// The length of a renewed term, in months (default 12).
    pub renewal_months: Option<u32>,
    /// Days before a term's end by which notice must be given (default 0).
    pub notice_days: Option<u32>,
    #[schema(required = true)]
    pub billing: Option<BillingInput>,
    /// Invoice lines, each priced for a whole billing period (`P0`).
    #[schema(required = true, max_items = 100)]
    pub lines: Option<Vec<LineInput>>,
    #[schema(value_type = Option<String>)]
    pub payment_terms: Option<DecText>,
    /// Printed on each invoice.
    #[schema(max_length = 5000)]
    pub note: Option<String>,
    pub revision: Option<RevisionInput>,
}

/// How a contract bills.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingInput {
    /// 1, 2, 3, 6 or 12.
    #[schema(required = true)]
    pub period_months: Option<u32>,
    /// `advance` ("à échoir", billed on the period's first day) or `arrears` ("échu", on its last).
    #[schema(required = true)]
    pub mode: Option<String>,
    /// `calendar` (default: months, quarters, halves, years of the calendar) or `anniversary`.
    pub alignment: Option<String>,
    /// No period is billed before this day.
    #[schema(value_type = Option<String>, format = Date)]
    pub first_date: Option<String>,
    /// Issue each invoice (default: drafts to check and issue by hand).
    pub issue: Option<bool>,
}

/// A revision clause: `P = P0 × (fixed_part + (1 − fixed_part) × I / I0)` with one
/// index, or `fixed_part + Σ weight × I / I0` (Σ = 1) with `indices`, or the seed's
/// `fixed_amount + Σ amount × I / I0` with amounts.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionInput {
    /// The index code (one index).
    pub index: Option<String>,
    /// `I0` (one index).
    #[schema(value_type = Option<String>)]
    pub base_value: Option<DecText>,
    /// The part of the price not indexed, 0 to 1.
    #[schema(value_type = Option<String>)]
    pub fixed_part: Option<DecText>,
    /// Several indices, with `weight` (and `fixed_part`) or `amount` (and `fixed_amount`).
    pub indices: Option<Vec<RevisionIndexInput>>,
    #[schema(value_type = Option<String>)]
    pub fixed_amount: Option<DecText>,
    /// `each_billing` (default) or `anniversary`.
    pub at: Option<String>,
    /// A revision never lowers the price.
    pub never_decrease: Option<bool>,
    /// The most one revision may raise the price, in percent.
    #[schema(value_type = Option<String>)]
    pub cap_percent: Option<DecText>,
}

/// One index of a formula.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisionIndexInput {
    #[schema(required = true)]
    pub index: Option<String>,
    #[schema(required = true, value_type = String)]
    pub base_value: Option<DecText>,
    #[schema(value_type = Option<String>)]
    pub weight: Option<DecText>,
    #[schema(value_type = Option<String>)]
    pub amount: Option<DecText>,
}

/// A contract's terms as stored (`contracts.terms`).
#[derive(Serialize, Deserialize, Clone)]
pub struct StoredTerms {
    pub nature: Option<String>,
    pub frequency: Frequency,
    pub timing: Timing,
    pub alignment: Alignment,
    pub first_billing: Option<Date>,
    pub renewal: Renewal,
    pub notice_days: u32,
    pub issue: bool,
    pub revision: Option<Revision>,
    /// Each line's `P0`.
    pub prices: Vec<Decimal>,
    /// The invoice each period bills, lines at `P0`.
    pub invoice: DocumentInput,
}

impl StoredTerms {
    pub(crate) fn read(rec: &ContractRecord) -> Result<StoredTerms, ApiError> {
        serde_json::from_str(&rec.terms)
            .map_err(|e| ApiError::from(facturier_store::StoreError::Corrupt(format!("contract {}: {e}", rec.id))))
    }

    pub(crate) fn billing(&self, rec: &ContractRecord) -> ContractTerms {
        ContractTerms {
            term: Term { start: rec.start, end: rec.end, renewal: self.renewal, notice_days: self.notice_days },
            frequency: self.frequency,
            timing: self.timing,
            alignment: self.alignment,
            first_billing: self.first_billing,
            prices: self.prices.clone(),
            revision: self.revision.clone(),
        }
    }
}

pub(crate) fn events_of(rec: &ContractRecord) -> Vec<Event> {
    rec.events
        .iter()
        .filter_map(|e| match e.kind.as_str() {
            "suspended" => Some(Event::Suspended { from: e.on, to: e.until.unwrap_or(e.on) }),
            "terminated" => Some(Event::Terminated { on: e.on }),
            "notice_given" => Some(Event::NoticeGiven { on: e.on }),
            _ => None,
        })
        .collect()
}

/// An index code as a path names it: `None` (404) when it cannot be one.
pub fn path_index_code(s: &str) -> Option<String> {
    let code = s.trim().to_ascii_uppercase();
    let ok = !code.is_empty()
        && code.len() <= MAX_INDEX_CODE
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then_some(code)
}

fn index_code(v: &mut Check, field: &str, s: &Option<String>) -> Option<String> {
    let code = v.text(field, s, MAX_INDEX_CODE)?;
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        v.error(field, Message::new("index_code").with("v", &code));
        return None;
    }
    Some(code)
}

const POSITIVE: DecRules = DecRules { min: None, max: None, max_scale: 6, positive: true };
const PART: DecRules = DecRules { min: Some(Decimal::ZERO), max: Some(Decimal::ONE), max_scale: 10, positive: false };

fn revision_of(v: &mut Check, r: &RevisionInput) -> Option<Revision> {
    let at = match r.at.as_deref() {
        None => RevisionAt::EachBilling,
        Some(s) => match RevisionAt::parse(s) {
            Some(a) => a,
            None => {
                v.error(
                    "revision.at",
                    Message::new("unknown_choice").with("v", s).with("allowed", "each_billing, anniversary"),
                );
                return None;
            }
        },
    };
    let cap = r
        .cap_percent
        .as_ref()
        .and_then(|c| v.decimal("revision.cap_percent", c, POSITIVE))
        .map(|p| p / Decimal::ONE_HUNDRED);
    let formula = match (&r.indices, &r.index) {
        (Some(_), Some(_)) => {
            v.error("revision.index", Message::new("contract_revision_one_way"));
            return None;
        }
        (None, _) => {
            let index = index_code(v, "revision.index", &r.index);
            let base = v.required("revision.base_value", &r.base_value).cloned();
            let base = base.and_then(|b| v.decimal("revision.base_value", &b, POSITIVE));
            let fixed = match &r.fixed_part {
                None => Decimal::ZERO,
                Some(f) => v.decimal("revision.fixed_part", f, PART)?,
            };
            let (index, base) = (index?, base?);
            Formula::weighted(fixed, vec![IndexTerm { index, weight: Decimal::ONE - fixed, base }])
        }
        (Some(list), None) => {
            let by_amount = r.fixed_amount.is_some() || list.iter().any(|t| t.amount.is_some());
            let mut terms = Vec::new();
            for (i, t) in list.iter().enumerate() {
                let at = |f: &str| format!("revision.indices[{i}].{f}");
                let index = index_code(v, &at("index"), &t.index);
                let base = v.required(&at("base_value"), &t.base_value).cloned();
                let base = base.and_then(|b| v.decimal(&at("base_value"), &b, POSITIVE));
                let weight = if by_amount { &t.amount } else { &t.weight };
                let field = at(if by_amount { "amount" } else { "weight" });
                let weight = v.required(&field, weight).cloned().and_then(|w| v.decimal(&field, &w, POSITIVE));
                if let (Some(index), Some(base), Some(weight)) = (index, base, weight) {
                    terms.push(IndexTerm { index, weight, base });
                }
            }
            if !v.is_clean() {
                return None;
            }
            if by_amount {
                let fixed = match &r.fixed_amount {
                    None => Decimal::ZERO,
                    Some(f) => v.decimal(
                        "revision.fixed_amount",
                        f,
                        DecRules { positive: false, min: Some(Decimal::ZERO), ..POSITIVE },
                    )?,
                };
                Formula::amounts(fixed, terms)
            } else {
                let fixed = match &r.fixed_part {
                    None => Decimal::ZERO,
                    Some(f) => v.decimal("revision.fixed_part", f, PART)?,
                };
                Formula::weighted(fixed, terms)
            }
        }
    };
    match formula {
        Ok(formula) => Some(Revision { formula, at, never_decrease: r.never_decrease.unwrap_or(false), cap }),
        Err(e) => {
            let m = match e {
                FormulaError::NotOne(sum) => Message::new("contract_revision_sum").with("v", sum.normalize()),
                FormulaError::TermCount => {
                    Message::new("contract_revision_terms").with("max", contract::revision::MAX_TERMS)
                }
                FormulaError::Weight => Message::new("contract_revision_weight"),
                FormulaError::Base(i) => Message::new("contract_revision_base").with("v", i),
                FormulaError::Repeated(i) => Message::new("contract_revision_repeated").with("v", i),
            };
            v.error("revision", m);
            None
        }
    }
}

/// Creates a contract: its lines checked as an invoice's, its first invoice's prices
/// resolved (a catalogue product's price when the line leaves it out).
pub async fn create(app: &App, company: Uuid, input: &ContractInput) -> Result<ContractRecord, ApiError> {
    let mut v = Check::default();
    let title = v.text("title", &input.title, MAX_TITLE);
    let reference = v.opt_text("reference", &input.reference, MAX_REFERENCE);
    let nature = v.opt_text("nature", &input.nature, MAX_REFERENCE);
    let status = match input.status.as_deref() {
        None | Some("active") => "active",
        Some("draft") => "draft",
        Some(s) => {
            v.error("status", Message::new("unknown_choice").with("v", s).with("allowed", "active, draft"));
            "active"
        }
    };
    let start = v.required("start_date", &input.start_date).cloned().and_then(|s| v.date("start_date", &s));
    let end = input.end_date.as_deref().filter(|s| !s.is_empty()).and_then(|s| v.date("end_date", s));
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        v.error("end_date", Message::new("contract_end_before_start"));
    }
    let renewal = match input.renewal.as_deref() {
        None | Some("none") => Renewal::None,
        Some("tacit") => {
            let months = input.renewal_months.unwrap_or(12);
            if !(1..=120).contains(&months) {
                v.error("renewal_months", Message::new("out_of_range").with("min", 1).with("max", 120));
            }
            if end.is_none() {
                v.error("end_date", Message::new("contract_tacit_needs_end"));
            }
            Renewal::Tacit { months }
        }
        Some(s) => {
            v.error("renewal", Message::new("unknown_choice").with("v", s).with("allowed", "tacit, none"));
            Renewal::None
        }
    };
    let notice_days = input.notice_days.unwrap_or(0);
    if notice_days > 3650 {
        v.error("notice_days", Message::new("out_of_range").with("min", 0).with("max", 3650));
    }
    let billing = v.required("billing", &input.billing).cloned().unwrap_or_default();
    let frequency = match billing.period_months {
        None => {
            v.error("billing.period_months", Message::new("required"));
            None
        }
        Some(m) => Frequency::from_months(m).or_else(|| {
            v.error("billing.period_months", Message::new("contract_period_months").with("v", m));
            None
        }),
    };
    let timing = match billing.mode.as_deref().map(|m| (m, Timing::parse(m))) {
        None => {
            v.error("billing.mode", Message::new("required"));
            None
        }
        Some((_, Some(t))) => Some(t),
        Some((m, None)) => {
            v.error("billing.mode", Message::new("unknown_choice").with("v", m).with("allowed", "advance, arrears"));
            None
        }
    };
    let alignment = match billing.alignment.as_deref() {
        None => Alignment::Calendar,
        Some(a) => Alignment::parse(a).unwrap_or_else(|| {
            v.error(
                "billing.alignment",
                Message::new("unknown_choice").with("v", a).with("allowed", "calendar, anniversary"),
            );
            Alignment::Calendar
        }),
    };
    let first_billing =
        billing.first_date.as_deref().filter(|s| !s.is_empty()).and_then(|s| v.date("billing.first_date", s));
    let revision = input.revision.as_ref().and_then(|r| revision_of(&mut v, r));
    let lines = v.required("lines", &input.lines).cloned().unwrap_or_default();
    if lines.is_empty() || lines.len() > MAX_LINES {
        v.error("lines", Message::new("contract_lines").with("max", MAX_LINES));
    }
    if let Some(i) = lines.iter().position(|l| l.kind.as_deref().is_some_and(|k| k != "item")) {
        v.error(format!("lines[{i}].kind"), Message::new("contract_line_item"));
    }
    let customer_id = v.required("customer_id", &input.customer_id).cloned();
    v.finish()?;
    let (title, start, frequency, timing) = match (title, start, frequency, timing) {
        (Some(t), Some(s), Some(f), Some(m)) => (t, s, f, m),
        _ => return Err(ApiError::field("billing", Message::new("required"))),
    };

    // The lines as a draft invoice of the customer would take them: the same checks,
    // a product's price when the line leaves it out.
    let invoice = DocumentInput {
        customer_id,
        payment_terms: input.payment_terms.clone(),
        note: input.note.clone(),
        lines: Some(lines),
        ..DocumentInput::default()
    };
    let (ctx, customer) = context_in(&app.store, company, None, &invoice).await?;
    let content = invoice.parse(&ctx, customer)?;
    let prices: Vec<Decimal> = content.lines.iter().map(|l| l.unit_price).collect();
    let mut invoice = invoice;
    for (l, p) in invoice.lines.iter_mut().flatten().zip(&prices) {
        l.unit_price = Some(DecText(p.to_string()));
    }
    let terms = StoredTerms {
        nature,
        frequency,
        timing,
        alignment,
        first_billing,
        renewal,
        notice_days,
        issue: billing.issue.unwrap_or(false),
        revision,
        prices,
        invoice,
    };
    let reference = match reference {
        Some(r) => r,
        None => format!(
            "CT-{}-{}",
            start.year(),
            &facturier_store::new_id().simple().to_string()[24..].to_ascii_uppercase()
        ),
    };
    let new = NewContract {
        customer_id: customer,
        reference,
        title,
        status: status.into(),
        start,
        end,
        terms: serde_json::to_string(&terms).map_err(|e| ApiError::Internal(e.to_string()))?,
    };
    Ok(app.store.create_contract(company, &new).await?)
}

/// One coming billing of a contract: a period and what it bills.
#[derive(Clone, Debug)]
pub struct Coming {
    pub billing_date: Date,
    pub period_start: Date,
    pub period_end: Date,
    /// Excluding VAT, all lines.
    pub amount: Decimal,
    /// A revision with values not published yet.
    pub estimated: bool,
}

/// The contract, its terms read, its coming billings and what it billed.
pub struct ContractView {
    pub record: ContractRecord,
    pub terms: StoredTerms,
    pub schedule: Vec<Coming>,
    pub currency: Currency,
}

/// Billings shown ahead.
const SCHEDULE_AHEAD: usize = 12;

/// A contract with its schedule: the next billings not billed yet, from `today`.
pub async fn view(app: &App, company: Uuid, id: Uuid, today: Date) -> Result<ContractView, ApiError> {
    let record = app.store.contract(company, id).await?;
    let terms = StoredTerms::read(&record)?;
    let book = index_book(app, company).await?;
    let currency = currency_of(app, company, &terms).await?;
    let billed: BTreeSet<(usize, Date)> = record.billed.iter().map(|b| (b.line, b.period_start)).collect();
    let from = record.start.min(today);
    // Far enough for a dozen yearly billings.
    let to = contract::period::add_months(today, 12 * 13).unwrap_or(today);
    let items = contract::billing::forecast(&terms.billing(&record), &events_of(&record), &book, from, to, |d| {
        currency.round(d)
    });
    let mut by_period: BTreeMap<(Date, Date), Coming> = BTreeMap::new();
    for i in items.iter().filter(|i| !billed.contains(&i.key())) {
        let c = by_period.entry((i.billing_date, i.period.start)).or_insert(Coming {
            billing_date: i.billing_date,
            period_start: i.period.start,
            period_end: i.period.end,
            amount: Decimal::ZERO,
            estimated: false,
        });
        c.amount += i.amount;
        c.estimated |= i.revision.as_ref().is_some_and(|r| r.estimated);
    }
    let schedule = by_period.into_values().take(SCHEDULE_AHEAD).collect();
    Ok(ContractView { record, terms, schedule, currency })
}

async fn currency_of(app: &App, company: Uuid, terms: &StoredTerms) -> Result<Currency, ApiError> {
    if let Some(c) = terms.invoice.currency.as_deref().and_then(|c| c.parse().ok()) {
        return Ok(c);
    }
    let customer = terms.invoice.customer_id.as_deref().and_then(|c| c.parse::<Uuid>().ok());
    if let Some(id) = customer
        && let Some(c) = app.store.customer(company, id).await?.customer.currency
    {
        return Ok(c);
    }
    Ok(app.store.company(company).await?.currency)
}

/// The company's published index values.
pub async fn index_book(app: &App, company: Uuid) -> Result<IndexBook, ApiError> {
    let mut book = IndexBook::default();
    for (code, month, value) in app.store.index_values(company, None).await? {
        if let Some(m) = Month::parse(&month) {
            book.publish(&code, m, value);
        }
    }
    Ok(book)
}

/// The body of `POST /indices/{code}/values`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexValueInput {
    /// `YYYY-MM`.
    #[schema(required = true)]
    pub period: Option<String>,
    #[schema(required = true, value_type = String)]
    pub value: Option<DecText>,
}

/// Publishes a value of an index (`true`: new; `false`: a correction). A correction
/// changes what is billed from then on, never what was billed.
pub async fn publish(
    app: &App,
    company: Uuid,
    code: &str,
    input: &IndexValueInput,
) -> Result<(String, Month, Decimal, bool), ApiError> {
    let code = path_index_code(code).ok_or(ApiError::NotFound("index"))?;
    let mut v = Check::default();
    let month = v.required("period", &input.period).cloned().and_then(|p| {
        Month::parse(&p).or_else(|| {
            v.error("period", Message::new("index_period").with("v", &p));
            None
        })
    });
    let value = v.required("value", &input.value).cloned().and_then(|x| v.decimal("value", &x, POSITIVE));
    v.finish()?;
    let (Some(month), Some(value)) = (month, value) else {
        return Err(ApiError::field("value", Message::new("required")));
    };
    let new = app.store.publish_index_value(company, &code, &month.to_string(), value).await?;
    Ok((code, month, value, new))
}

/// A contract the run could not bill: which index value it waits for.
#[derive(Clone, Debug)]
pub struct BlockedContract {
    pub contract_id: Uuid,
    pub reference: String,
    pub billing_date: Date,
    pub message: Message,
}

/// What a billing run did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    pub created: Vec<Uuid>,
    pub issued: Vec<Uuid>,
    pub blocked: Vec<BlockedContract>,
    /// Contracts looked at.
    pub contracts: usize,
    /// Contracts that reached their term without renewal and are now `expired`.
    pub expired: Vec<Uuid>,
}

/// Bills every period due on or before `date` of the company's active contracts, contract
/// by contract (pages of [`RUN_PAGE`]), each period in its own transaction.
/// `progress` is told after each contract.
pub async fn run(app: &App, company: Uuid, date: Date, mut progress: impl FnMut(usize)) -> Result<RunReport, ApiError> {
    let row = app.store.company(company).await?;
    let run = RunContext {
        book: index_book(app, company).await?,
        company_currency: row.currency,
        today: facturier_core::calendar::today(&row.country),
    };
    let mut report = RunReport::default();
    let mut after = None;
    loop {
        let page = app.store.billable_contracts(company, after, RUN_PAGE).await?;
        let Some(last) = page.last().copied() else { break };
        after = Some(last);
        for id in page {
            bill_contract(app, company, id, date, &run, &mut report).await?;
            report.contracts += 1;
            progress(report.contracts);
        }
    }
    Ok(report)
}

/// What a run reads once for all its contracts.
struct RunContext {
    book: IndexBook,
    company_currency: Currency,
    /// Today in the company's calendar: the day invoices are issued on.
    today: Date,
}

async fn bill_contract(
    app: &App,
    company: Uuid,
    id: Uuid,
    date: Date,
    run: &RunContext,
    report: &mut RunReport,
) -> Result<(), ApiError> {
    let rec = app.store.contract(company, id).await?;
    let terms = StoredTerms::read(&rec)?;
    // The customer read once: its language for the lines' words, its currency.
    let customer = match terms.invoice.customer_id.as_deref().and_then(|c| c.parse::<Uuid>().ok()) {
        Some(c) => Some(app.store.customer(company, c).await?.customer),
        None => None,
    };
    let language = customer.as_ref().map_or(Language::Fr, |c| c.language);
    let currency = terms
        .invoice
        .currency
        .as_deref()
        .and_then(|c| c.parse().ok())
        .or(customer.as_ref().and_then(|c| c.currency))
        .unwrap_or(run.company_currency);
    let book = &run.book;
    let events = events_of(&rec);
    let billing_terms = terms.billing(&rec);
    let billing = contract::billing_up_to(&billing_terms, &events, book, date, |d| currency.round(d));
    let billed: BTreeSet<(usize, Date)> = rec.billed.iter().map(|b| (b.line, b.period_start)).collect();
    let mut periods: BTreeMap<(Date, Date), Vec<&DueItem>> = BTreeMap::new();
    for i in billing.items.iter().filter(|i| !billed.contains(&i.key())) {
        periods.entry((i.billing_date, i.period.start)).or_default().push(i);
    }
    for items in periods.values() {
        let Some(first) = items.first() else { continue };
        let invoice = period_invoice(&rec, &terms, items, language, currency, date);
        let (ctx, customer) = context_in(&app.store, company, Some(run.company_currency), &invoice).await?;
        let content = invoice.parse(&ctx, customer)?;
        let to_bill = PeriodToBill {
            period_start: first.period.start,
            period_end: first.period.end,
            billing_date: first.billing_date,
            lines: items.iter().map(|i| (i.line, i.amount)).collect(),
            invoice: content,
        };
        if let Some(invoice) = app.store.bill_contract_period(company, id, &to_bill).await? {
            report.created.push(invoice);
            if terms.issue {
                let kind = facturier_core::document::DocumentKind::Invoice;
                let rec = app.store.issue(company, kind, invoice, run.today).await?;
                crate::files::render_issued(&app.store, &app.files, company, &rec).await;
                report.issued.push(invoice);
            }
        }
    }
    let blocked = billing.blocked.is_some();
    if let Some((on, missing)) = billing.blocked {
        report.blocked.push(BlockedContract {
            contract_id: id,
            reference: rec.reference.clone(),
            billing_date: on,
            message: Message::new("contract_index_missing").with("index", &missing.index).with("month", missing.before),
        });
    }
    let notice = events.iter().filter_map(|e| if let Event::NoticeGiven { on } = e { Some(*on) } else { None }).min();
    if rec.status == "active" && !blocked && billing_terms.term.expired_on(date, notice) {
        app.store.set_contract_status(company, id, "expired").await?;
        report.expired.push(id);
    }
    Ok(())
}

/// The invoice of one period: the contract's lines at the period's amounts, each naming
/// the period, its pro rata and its revision.
fn period_invoice(
    rec: &ContractRecord,
    terms: &StoredTerms,
    items: &[&DueItem],
    lang: Language,
    currency: Currency,
    run_date: Date,
) -> DocumentInput {
    let template = terms.invoice.lines.clone().unwrap_or_default();
    let mut lines = Vec::with_capacity(items.len());
    for item in items {
        let Some(l) = template.get(item.line) else { continue };
        let mut l = l.clone();
        l.id = None;
        let mut words = vec![period_words(item, lang)];
        if let Some(r) = &item.revision {
            words.push(revision_words(item, r, lang, currency));
        }
        let description = l.description.clone().unwrap_or_default();
        l.description = Some(if description.is_empty() {
            words.join("\n")
        } else {
            format!("{description}\n{}", words.join("\n"))
        });
        l.unit_price = Some(DecText(item.amount.to_string()));
        lines.push(l);
    }
    let first = items.first().map(|i| i.period);
    let title = match (first, lang) {
        (Some(p), Language::Fr) => format!(
            "{} ({}) : du {} au {}",
            rec.title,
            rec.reference,
            text::date(p.start, lang),
            text::date(p.end, lang)
        ),
        (Some(p), Language::En) => {
            format!("{} ({}): {} to {}", rec.title, rec.reference, text::date(p.start, lang), text::date(p.end, lang))
        }
        (None, _) => rec.title.clone(),
    };
    // Dated on its billing day, unless that is after the run's day.
    let issue_date = items.first().map(|i| i.billing_date).filter(|d| *d <= run_date).map(|d| d.to_string());
    DocumentInput { lines: Some(lines), title: Some(title), issue_date, ..terms.invoice.clone() }
}

fn period_words(item: &DueItem, lang: Language) -> String {
    let (from, to) = (text::date(item.period.start, lang), text::date(item.period.end, lang));
    let days = item.days;
    let full = item.period.full_days();
    match (lang, days < full) {
        (Language::Fr, false) => format!("Période du {from} au {to}"),
        (Language::Fr, true) => format!("Période du {from} au {to} (prorata {days}/{full} jours)"),
        (Language::En, false) => format!("Period from {from} to {to}"),
        (Language::En, true) => format!("Period from {from} to {to} (pro rata {days}/{full} days)"),
    }
}

fn revision_words(item: &DueItem, r: &contract::revision::Applied, lang: Language, currency: Currency) -> String {
    let p0 = text::money(item.base_price, currency, lang);
    let coefficient = text::number(r.coefficient.shown(), 0, lang);
    let values: Vec<String> = r
        .values
        .iter()
        .map(|u| {
            format!("{} {} = {} / {}", u.index, u.month, text::number(u.value, 0, lang), text::number(u.base, 0, lang))
        })
        .collect();
    match lang {
        Language::Fr => format!("Révision : P0 {p0} × {coefficient} ({})", values.join(" ; ")),
        Language::En => format!("Revision: P0 {p0} × {coefficient} ({})", values.join("; ")),
    }
}

/// The body of `POST /contracts/{id}/terminate`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminateInput {
    /// The last day billed.
    #[schema(required = true, value_type = String, format = Date)]
    pub date: Option<String>,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Terminates a contract on a day: nothing is billed after it.
pub async fn terminate(app: &App, company: Uuid, id: Uuid, input: &TerminateInput) -> Result<ContractRecord, ApiError> {
    let mut v = Check::default();
    let on = v.required("date", &input.date).cloned().and_then(|d| v.date("date", &d));
    let reason = v.opt_text("reason", &input.reason, 500);
    v.finish()?;
    let Some(on) = on else { return Err(ApiError::field("date", Message::new("required"))) };
    let rec = app.store.contract(company, id).await?;
    if rec.status == "terminated" {
        return Err(ApiError::Conflict(Message::new("contract_terminated")));
    }
    if on < rec.start {
        return Err(ApiError::field("date", Message::new("contract_end_before_start")));
    }
    let e = ContractEvent { kind: "terminated".into(), on, until: None, reason };
    Ok(app.store.contract_event(company, id, &e, "terminated").await?)
}

/// What was billed per period, for the grid.
pub fn billed_by_period(billed: &[Billed]) -> BTreeMap<Date, (Date, Decimal, Uuid, Option<String>)> {
    let mut out: BTreeMap<Date, (Date, Decimal, Uuid, Option<String>)> = BTreeMap::new();
    for b in billed {
        let e = out.entry(b.period_start).or_insert((
            b.billing_date,
            Decimal::ZERO,
            b.invoice_id,
            b.invoice_number.clone(),
        ));
        e.1 += b.amount;
    }
    out
}

/// What a contract plans up to `as_of`: how many periods are due by then (billed or not),
/// their amounts before VAT and its currency, as the run would bill them with today's index values.
pub async fn planned_up_to(
    app: &App,
    company: Uuid,
    id: Uuid,
    as_of: Date,
) -> Result<(u32, Decimal, Currency), ApiError> {
    let rec = app.store.contract(company, id).await?;
    let terms = StoredTerms::read(&rec)?;
    let book = index_book(app, company).await?;
    let currency = currency_of(app, company, &terms).await?;
    let items = contract::billing::forecast(&terms.billing(&rec), &events_of(&rec), &book, rec.start, as_of, |d| {
        currency.round(d)
    });
    let due: Vec<&DueItem> = items.iter().filter(|i| i.billing_date <= as_of).collect();
    let periods: BTreeSet<Date> = due.iter().map(|i| i.period.start).collect();
    Ok((u32::try_from(periods.len()).unwrap_or(u32::MAX), due.iter().map(|i| i.amount).sum(), currency))
}

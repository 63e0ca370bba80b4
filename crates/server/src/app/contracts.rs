//! Contracts that bill themselves: creating one from its terms (checked as an invoice's
//! lines are), its schedule, index values, events, and the billing run.
//!
//! What a contract bills is `core::contract::billing_up_to`'s answer; the run stores the
//! periods not billed yet, one draft invoice per contract and period (issued when the
//! contract says so), each written with the period's keys (`store::contracts`; a page's
//! periods in one transaction, a period taken by another run skipped), so a run again,
//! two at once or one killed halfway bill nothing twice.

use crate::App;
use crate::app::documents::{Context, DocumentInput, LineInput, context_in, context_of, product_ids};
use crate::app::interventions::Loaded;
use crate::error::ApiError;
use crate::input::{Check, DecRules, DecText};
use facturier_core::Decimal;
use facturier_core::contract::period::{Alignment, Frequency, Timing};
use facturier_core::contract::renewal::{Renewal, Term};
use facturier_core::contract::revision::{Formula, FormulaError, IndexBook, IndexTerm, Month, Revision, RevisionAt};
use facturier_core::contract::{self, ContractTerms, DueItem, Event, LineTerms};
use facturier_core::document::{DocumentKind, Line};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::{ContractBilling, CustomerKind, Language};
use facturier_core::product::Product;
use facturier_formats::text;
use facturier_store::companies::CompanySettings;
use facturier_store::contracts::{
    Billed, ContractEvent, ContractRecord, NewContract, PeriodInvoice, PeriodKeys, PeriodsBilled,
};
use facturier_store::outbox::NewEmail;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
/// Periods written by one store call at most (a page's, unless its contracts have many
/// periods due): bounds how long the run holds the write lock.
const WRITE_BATCH: usize = 200;

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
    /// `GET /contracts/notices` lists the contract this many days before its notice
    /// deadline (default 30).
    pub notice_alert_days: Option<u32>,
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
    /// The interventions recorded under the contract: `with_period` (default: on the
    /// invoice of its next period billed, those done by its billing day) or `on_demand`
    /// (`POST /interventions/bill` only).
    pub bill_interventions: Option<String>,
}

/// When a contract's interventions are billed.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BillInterventions {
    /// On the invoice of the contract's next period, those done by its billing day.
    WithPeriod,
    /// Only when asked (`POST /interventions/bill`).
    OnDemand,
}

impl BillInterventions {
    pub fn as_str(self) -> &'static str {
        match self {
            BillInterventions::WithPeriod => "with_period",
            BillInterventions::OnDemand => "on_demand",
        }
    }
}

/// Contracts recorded before the choice existed billed their interventions on demand only:
/// they keep doing so.
fn stored_bill_interventions() -> BillInterventions {
    BillInterventions::OnDemand
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
    /// Days before the notice deadline the contract is listed among the notices to watch.
    #[serde(default = "default_alert_days")]
    pub notice_alert_days: u32,
    pub issue: bool,
    #[serde(default = "stored_bill_interventions")]
    pub bill_interventions: BillInterventions,
    pub revision: Option<Revision>,
    /// Each line's `P0`.
    pub prices: Vec<Decimal>,
    /// The invoice each period bills, lines at `P0`.
    pub invoice: DocumentInput,
}

/// Days before a notice deadline a contract is listed, by default.
pub const DEFAULT_ALERT_DAYS: u32 = 30;

fn default_alert_days() -> u32 {
    DEFAULT_ALERT_DAYS
}

impl StoredTerms {
    pub(crate) fn read(rec: &ContractRecord) -> Result<StoredTerms, ApiError> {
        serde_json::from_str(&rec.terms)
            .map_err(|e| ApiError::from(facturier_store::StoreError::Corrupt(format!("contract {}: {e}", rec.id))))
    }

    /// Each line's quantity, discount and taxes other than VAT, as every period's invoice
    /// line takes them from the contract (checked when the contract was made). What a
    /// period bills, planned or billed, is [`contract::LineTerms::net`] of them: the one
    /// computation of the invoice's totals.
    pub(crate) fn lines(&self, rec: &ContractRecord) -> Result<Vec<LineTerms>, ApiError> {
        use crate::app::documents::input::{PERCENT, QUANTITY, parse_other_taxes};
        let mut v = Check::default();
        let mut out = Vec::new();
        for (i, l) in self.invoice.lines.iter().flatten().enumerate() {
            let quantity = l.quantity.as_ref().and_then(|q| v.decimal("quantity", q, QUANTITY));
            let discount = l.discount_percent.as_ref().map(|d| v.decimal("discount_percent", d, PERCENT));
            out.push(LineTerms {
                quantity: quantity.unwrap_or(Decimal::ONE),
                discount_percent: discount.flatten().unwrap_or(Decimal::ZERO),
                other_taxes: parse_other_taxes(&mut v, i, l),
            });
        }
        if !v.is_clean() {
            return Err(ApiError::from(facturier_store::StoreError::Corrupt(format!(
                "contract {}: its lines",
                rec.id
            ))));
        }
        Ok(out)
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
            // Left open: suspended until resumed.
            "suspended" => Some(Event::Suspended { from: e.on, to: e.until.unwrap_or(Date::MAX) }),
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
    let notice_alert_days = input.notice_alert_days.unwrap_or(DEFAULT_ALERT_DAYS);
    if notice_alert_days > 3650 {
        v.error("notice_alert_days", Message::new("out_of_range").with("min", 0).with("max", 3650));
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
    let bill_interventions = match input.bill_interventions.as_deref() {
        None | Some("with_period") => BillInterventions::WithPeriod,
        Some("on_demand") => BillInterventions::OnDemand,
        Some(s) => {
            v.error(
                "bill_interventions",
                Message::new("unknown_choice").with("v", s).with("allowed", "with_period, on_demand"),
            );
            BillInterventions::WithPeriod
        }
    };
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
        notice_alert_days,
        issue: billing.issue.unwrap_or(false),
        bill_interventions,
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
    /// Each line's terms: what a period bills of it ([`StoredTerms::lines`]).
    pub lines: Vec<LineTerms>,
    pub schedule: Vec<Coming>,
    pub currency: Currency,
    /// The next notice deadline from today (tacit renewal, no notice given).
    pub notice_deadline: Option<Date>,
}

/// Billings shown ahead.
const SCHEDULE_AHEAD: usize = 12;

/// A contract with its schedule: the next billings not billed yet, from `today`.
pub async fn view(app: &App, company: Uuid, id: Uuid, today: Date) -> Result<ContractView, ApiError> {
    let record = app.store.contract(company, id).await?;
    let terms = StoredTerms::read(&record)?;
    let lines = terms.lines(&record)?;
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
        c.amount += contract::period_net([i], &lines, currency);
        c.estimated |= i.revision.as_ref().is_some_and(|r| r.estimated);
    }
    let schedule = by_period.into_values().take(SCHEDULE_AHEAD).collect();
    let notice_deadline = notice_ahead(&record, &terms, today).map(|(_, d)| d);
    Ok(ContractView { record, terms, lines, schedule, currency, notice_deadline })
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
    /// The invoices of recurring templates (not contracts) made.
    pub recurring: Vec<Uuid>,
    /// Interventions billed with their contract's period.
    pub interventions: usize,
    /// Invoices issued (in `issued`) whose e-mail could not be written: their customer
    /// has no address. They stay issued; `POST /invoices/{id}/send` sends them.
    pub not_emailed: Vec<Uuid>,
}

/// Bills every period due on or before `date` of the company's active contracts, read by
/// customer then contract (pages of [`RUN_PAGE`]): one invoice per period, the page's
/// periods written together ([`Batch`]: one store call, each period under its own keys),
/// a period with interventions in its own transaction; the contracts of a customer whose
/// `contract_billing` is `grouped` together once its last contract is read, one invoice
/// per billing day (and currency) with all their periods due that day.
/// `progress` is told after each contract.
pub async fn run(app: &App, company: Uuid, date: Date, mut progress: impl FnMut(usize)) -> Result<RunReport, ApiError> {
    let row = app.store.company(company).await?;
    let run = RunContext {
        book: index_book(app, company).await?,
        company_currency: row.currency,
        today: facturier_core::calendar::today(&row.country),
        date,
        settings: app.store.settings(company).await?,
        products: std::sync::Mutex::new(HashMap::new()),
    };
    let mut report = RunReport::default();
    // The contracts come by customer: a grouped customer's are billed together once its
    // last one is read, so the run holds one customer's grouped contracts at a time.
    let mut group = Group::default();
    let mut batch = Batch::default();
    // The invoices of `report.issued` e-mailed so far (each page's once it is written).
    let mut emailed = 0;
    let mut after = None;
    loop {
        let page = app.store.billable_contracts_by_customer(company, after, RUN_PAGE).await?;
        let Some(last) = page.last().copied() else { break };
        after = Some(last);
        run.forget_products();
        let ids: Vec<Uuid> = page.iter().map(|(_, id)| *id).collect();
        let plans = plan_page(app, company, &ids, date, &run).await?;
        // The page's interventions to bill with a period, in one query.
        let mut pending = page_interventions(app, company, &plans, date, &run).await?;
        let mut billed = Vec::with_capacity(plans.len());
        for plan in plans {
            let mine = pending.remove(&plan.rec.id).unwrap_or_default();
            if group.plans.first().is_some_and(|g| g.rec.customer_id != plan.rec.customer_id) {
                // The group's customer has no more contracts: billed in a transaction of
                // its own, after the page's periods read before it are written (each
                // transaction locks in (customer, contract) order, as every run does).
                group.bill(app, company, &run, &mut report, &mut progress, &mut batch).await?;
            }
            if plan.customer.as_ref().is_some_and(|c| c.contract_billing == ContractBilling::Grouped) {
                if !mine.is_empty() {
                    group.pending.insert(plan.rec.id, mine);
                }
                group.plans.push(plan);
            } else {
                bill_contract(app, company, &plan, mine, &run, &mut report, &mut batch).await?;
                billed.push(plan);
            }
        }
        // A contract's status changes once its periods are written: a run that fails
        // before never marks `expired` a contract with periods left to bill.
        batch.flush(app, company, &run, &mut report).await?;
        for plan in &billed {
            finish_contract(app, company, plan, date, &run, &mut report).await?;
            report.contracts += 1;
            progress(report.contracts);
        }
        email_issued(app, company, &run, &mut report, &mut emailed).await?;
    }
    group.bill(app, company, &run, &mut report, &mut progress, &mut batch).await?;
    email_issued(app, company, &run, &mut report, &mut emailed).await?;
    // The recurring invoices without a contract, by the same run (which e-mails those it issues).
    let recurring = crate::app::recurring::run(app, company, date, run.today).await?;
    report.recurring = recurring.created;
    report.issued.extend(recurring.issued);
    report.not_emailed.extend(recurring.not_emailed);
    // One wake for the whole run: the mailer takes every message queued.
    if report.issued.len() > report.not_emailed.len() {
        app.outbox.wake();
    }
    Ok(report)
}

/// Queues the e-mail of each invoice issued since the last call (`report.issued` from
/// `emailed` on), after its page is written and issued; those without a recipient go to
/// `report.not_emailed`.
async fn email_issued(
    app: &App,
    company: Uuid,
    run: &RunContext,
    report: &mut RunReport,
    emailed: &mut usize,
) -> Result<(), ApiError> {
    let fresh = report.issued.get(*emailed..).unwrap_or_default();
    if fresh.is_empty() {
        return Ok(());
    }
    let missed = crate::app::email::queue_issued(app, company, run.today, fresh).await?;
    report.not_emailed.extend(missed);
    *emailed = report.issued.len();
    Ok(())
}

/// The contracts of the grouped customer the run is reading, and their interventions not
/// billed yet (by contract).
#[derive(Default)]
struct Group {
    plans: Vec<Plan>,
    pending: Pending,
}

impl Group {
    /// Bills the group (one invoice per billing day and currency), sets its contracts'
    /// statuses, and empties it for the next customer.
    async fn bill(
        &mut self,
        app: &App,
        company: Uuid,
        run: &RunContext,
        report: &mut RunReport,
        progress: &mut impl FnMut(usize),
        batch: &mut Batch,
    ) -> Result<(), ApiError> {
        if self.plans.is_empty() {
            return Ok(());
        }
        let plans = std::mem::take(&mut self.plans);
        let mut pending = std::mem::take(&mut self.pending);
        bill_grouped(app, company, &plans, &mut pending, run, report, batch).await?;
        // Written before the statuses change.
        batch.flush(app, company, run, report).await?;
        for plan in &plans {
            finish_contract(app, company, plan, run.date, run, report).await?;
            report.contracts += 1;
            progress(report.contracts);
        }
        Ok(())
    }
}

/// What a run reads once for all its contracts.
struct RunContext {
    book: IndexBook,
    company_currency: Currency,
    /// Today in the company's calendar: the day invoices are issued on.
    today: Date,
    /// The day the run bills up to.
    date: Date,
    /// What the drafts are parsed with (payment terms, exemptions, main activity).
    settings: CompanySettings,
    /// The products the contracts' lines name, read once a page (`None`: no such product,
    /// which the draft's parsing reports as `context_in` would).
    products: std::sync::Mutex<HashMap<Uuid, Option<Product>>>,
}

impl RunContext {
    /// Drops the products read for the last page: the run holds one page's at a time.
    fn forget_products(&self) {
        self.products.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// The context a period's draft is parsed with, as `context_in` reads it, from what
    /// the run read already: the customer with its page, the company's settings and
    /// currency once, the products named once a page. A draft without a customer read
    /// (none named, or not one of the company's) goes to `context_in`, which refuses it.
    async fn draft_context(
        &self,
        app: &App,
        company: Uuid,
        customer: Option<&facturier_core::party::Customer>,
        invoice: &DocumentInput,
    ) -> Result<(Context, Uuid), ApiError> {
        let id = invoice.customer_id.as_deref().and_then(|s| s.parse::<Uuid>().ok());
        let (Some(customer), Some(id)) = (customer, id) else {
            return context_in(&app.store, company, Some(self.company_currency), invoice).await;
        };
        let mut products = HashMap::new();
        for pid in product_ids(invoice) {
            let known = self.products.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&pid).cloned();
            let product = match known {
                Some(p) => p,
                None => {
                    let p = match app.store.product(company, pid).await {
                        Ok(p) => Some(p.product),
                        Err(facturier_store::StoreError::NotFound(_)) => None,
                        Err(e) => return Err(e.into()),
                    };
                    self.products.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(pid, p.clone());
                    p
                }
            };
            if let Some(p) = product {
                products.insert(pid, p);
            }
        }
        Ok((context_of(customer, &self.settings, self.company_currency, products), id))
    }
}

/// A contract as the run found it: what it has due and not billed yet.
struct Plan {
    rec: ContractRecord,
    terms: StoredTerms,
    customer: Option<facturier_core::party::Customer>,
    language: Language,
    currency: Currency,
    events: Vec<Event>,
    billing_terms: ContractTerms,
    /// The items due not billed yet, in billing order.
    due: Vec<DueItem>,
    blocked: Option<(Date, contract::revision::MissingIndex)>,
}

/// The customer a contract's invoices go to.
fn billed_customer(terms: &StoredTerms) -> Option<Uuid> {
    terms.invoice.customer_id.as_deref().and_then(|c| c.parse::<Uuid>().ok())
}

/// The plans of a page of contracts: the contracts (with their events and billings) and
/// their customers read for the whole page, a few statements whatever its size.
async fn plan_page(
    app: &App,
    company: Uuid,
    page: &[Uuid],
    date: Date,
    run: &RunContext,
) -> Result<Vec<Plan>, ApiError> {
    let mut read = Vec::with_capacity(page.len());
    for rec in app.store.contracts_of(company, page).await? {
        let terms = StoredTerms::read(&rec)?;
        read.push((rec, terms));
    }
    let ids: BTreeSet<Uuid> = read.iter().filter_map(|(_, t)| billed_customer(t)).collect();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let customers = app.store.customers_of(company, &ids).await?;
    let mut plans = Vec::with_capacity(read.len());
    for (rec, terms) in read {
        let customer = match billed_customer(&terms) {
            // Cloned: a customer's contracts may share the page.
            Some(c) => Some(
                customers
                    .get(&c)
                    .map(|r| r.customer.clone())
                    .ok_or(facturier_store::StoreError::NotFound("customer"))?,
            ),
            None => None,
        };
        plans.push(plan_contract(rec, terms, customer, date, run));
    }
    Ok(plans)
}

/// What a contract has due by `date` and not billed yet (pure: what it needs is read).
fn plan_contract(
    rec: ContractRecord,
    terms: StoredTerms,
    customer: Option<facturier_core::party::Customer>,
    date: Date,
    run: &RunContext,
) -> Plan {
    let language = customer.as_ref().map_or(Language::Fr, |c| c.language);
    let currency = terms
        .invoice
        .currency
        .as_deref()
        .and_then(|c| c.parse().ok())
        .or(customer.as_ref().and_then(|c| c.currency))
        .unwrap_or(run.company_currency);
    let events = events_of(&rec);
    let billing_terms = terms.billing(&rec);
    let billing = contract::billing_up_to(&billing_terms, &events, &run.book, date, |d| currency.round(d));
    let billed: BTreeSet<(usize, Date)> = rec.billed.iter().map(|b| (b.line, b.period_start)).collect();
    let due = billing.items.into_iter().filter(|i| !billed.contains(&i.key())).collect();
    Plan { rec, terms, customer, language, currency, events, billing_terms, due, blocked: billing.blocked }
}

/// Interventions not billed yet, by contract, oldest first.
type Pending = BTreeMap<Uuid, Vec<Loaded>>;

/// Whether the run bills a contract's interventions with its periods: it says so, and
/// its invoices are in the company's currency (the interventions' prices are).
fn takes_interventions(plan: &Plan, run: &RunContext) -> bool {
    plan.terms.bill_interventions == BillInterventions::WithPeriod && plan.currency == run.company_currency
}

/// The unbilled interventions done by `date` of a page's contracts that bill them with
/// their periods: one query for the page.
async fn page_interventions(
    app: &App,
    company: Uuid,
    plans: &[Plan],
    date: Date,
    run: &RunContext,
) -> Result<Pending, ApiError> {
    let ids: Vec<Uuid> =
        plans.iter().filter(|p| takes_interventions(p, run) && !p.due.is_empty()).map(|p| p.rec.id).collect();
    let mut out: Pending = BTreeMap::new();
    for r in app.store.unbilled_interventions_of(company, &ids, date).await? {
        if let Some(c) = r.contract_id {
            out.entry(c).or_default().push(Loaded::of(r)?);
        }
    }
    Ok(out)
}

/// Takes out of `pending` the interventions done on or before `day`.
fn take_until(pending: &mut Vec<Loaded>, day: Date) -> Vec<Loaded> {
    let (taken, left): (Vec<Loaded>, Vec<Loaded>) =
        std::mem::take(pending).into_iter().partition(|i| i.record.on <= day);
    *pending = left;
    taken
}

/// After another bill took some of `taken`: those still not billed (read again).
async fn still_unbilled(
    app: &App,
    company: Uuid,
    contracts: &[Uuid],
    day: Date,
    taken: Vec<Loaded>,
) -> Result<Vec<Loaded>, ApiError> {
    let left: BTreeSet<Uuid> =
        app.store.unbilled_interventions_of(company, contracts, day).await?.into_iter().map(|r| r.id).collect();
    Ok(taken.into_iter().filter(|i| left.contains(&i.record.id)).collect())
}

/// The invoice's last lines: the interventions it bills (each named by its contract's
/// reference on a grouped invoice). Last, so that the periods' lines keep the positions
/// their keys give them (a termination credits them by position).
fn add_interventions(
    invoice: &mut DocumentInput,
    taken: &[(Loaded, Option<&str>)],
    lang: Language,
    currency: Currency,
) {
    let lines = invoice.lines.get_or_insert_with(Vec::new);
    for (i, reference) in taken {
        let mut l = crate::app::interventions::line_of(i, lang, currency);
        if let Some(r) = reference {
            l.description = l.description.map(|d| format!("{r} — {d}"));
        }
        lines.push(l);
    }
}

/// The periods of a plan, each with its items: (billing date, period start) → items.
fn periods_of(plan: &Plan) -> BTreeMap<(Date, Date), Vec<&DueItem>> {
    let mut periods: BTreeMap<(Date, Date), Vec<&DueItem>> = BTreeMap::new();
    for i in &plan.due {
        periods.entry((i.billing_date, i.period.start)).or_default().push(i);
    }
    periods
}

fn keys_of(contract_id: Uuid, items: &[&DueItem]) -> Option<PeriodKeys> {
    let first = items.first()?;
    Some(PeriodKeys {
        contract_id,
        period_start: first.period.start,
        period_end: first.period.end,
        billing_date: first.billing_date,
        lines: items.iter().map(|i| (i.line, i.amount)).collect(),
    })
}

/// One invoice per period of one contract, each with the contract's interventions done
/// by its billing day not billed yet (`pending`).
async fn bill_contract(
    app: &App,
    company: Uuid,
    plan: &Plan,
    mut pending: Vec<Loaded>,
    run: &RunContext,
    report: &mut RunReport,
    batch: &mut Batch,
) -> Result<(), ApiError> {
    let date = run.date;
    for items in periods_of(plan).values() {
        let Some(keys) = keys_of(plan.rec.id, items) else { continue };
        let mut taken = take_until(&mut pending, keys.billing_date);
        if taken.is_empty() {
            let invoice = period_invoice(&plan.rec, &plan.terms, items, plan.language, plan.currency, date);
            let (ctx, customer) = run.draft_context(app, company, plan.customer.as_ref(), &invoice).await?;
            let invoice = invoice.parse(&ctx, customer)?;
            batch
                .push(app, company, run, report, PeriodInvoice { keys: vec![keys], invoice }, plan.terms.issue)
                .await?;
            continue;
        }
        // A period with interventions keeps its own transaction, which marks them in id
        // order as an on-demand bill does; the periods before it are written first.
        batch.flush(app, company, run, report).await?;
        // Each try drops an intervention another bill took: it ends.
        loop {
            let mut invoice = period_invoice(&plan.rec, &plan.terms, items, plan.language, plan.currency, date);
            let lines: Vec<(Loaded, Option<&str>)> = taken.iter().map(|i| (i.clone(), None)).collect();
            add_interventions(&mut invoice, &lines, plan.language, plan.currency);
            let (ctx, customer) = run.draft_context(app, company, plan.customer.as_ref(), &invoice).await?;
            let content = invoice.parse(&ctx, customer)?;
            let ids: Vec<Uuid> = taken.iter().map(|i| i.record.id).collect();
            match app.store.bill_contract_periods(company, std::slice::from_ref(&keys), &content, &ids).await? {
                PeriodsBilled::Billed(invoice) => {
                    report.interventions += ids.len();
                    made(app, company, invoice, plan.terms.issue, run, report).await?;
                    break;
                }
                // Another run billed the period: its interventions wait for the next one.
                PeriodsBilled::Taken => {
                    pending.extend(taken);
                    pending.sort_by_key(|i| i.record.on);
                    break;
                }
                PeriodsBilled::InterventionTaken => {
                    taken = still_unbilled(app, company, &[plan.rec.id], keys.billing_date, taken).await?;
                }
            }
        }
    }
    Ok(())
}

/// Periods of a page waiting to be written together (`Store::bill_contract_page`): one
/// writer call for up to [`WRITE_BATCH`] periods instead of one transaction each. Each
/// period is still written under its own keys (a period another run billed is skipped,
/// the others written), in the order the run read its contracts.
#[derive(Default)]
struct Batch {
    periods: Vec<PeriodInvoice>,
    /// Whether each period's contract says `billing.issue`.
    issue: Vec<bool>,
}

impl Batch {
    async fn push(
        &mut self,
        app: &App,
        company: Uuid,
        run: &RunContext,
        report: &mut RunReport,
        period: PeriodInvoice,
        issue: bool,
    ) -> Result<(), ApiError> {
        self.hold(period, issue);
        if self.periods.len() >= WRITE_BATCH {
            self.flush(app, company, run, report).await?;
        }
        Ok(())
    }

    /// Adds an invoice without writing yet, however many wait (a grouped customer's
    /// invoices are written in one transaction that starts with them: see `bill_grouped`).
    fn hold(&mut self, period: PeriodInvoice, issue: bool) {
        self.periods.push(period);
        self.issue.push(issue);
    }

    /// Writes the periods waiting, then lists (and issues, one by one: numbering and
    /// files) the invoices made.
    async fn flush(
        &mut self,
        app: &App,
        company: Uuid,
        run: &RunContext,
        report: &mut RunReport,
    ) -> Result<(), ApiError> {
        if self.periods.is_empty() {
            return Ok(());
        }
        let periods = std::mem::take(&mut self.periods);
        let issue = std::mem::take(&mut self.issue);
        let invoices = app.store.bill_contract_page(company, &periods).await?;
        // `None`: another run billed the period first.
        for (invoice, issue) in invoices.into_iter().zip(issue) {
            if let Some(invoice) = invoice {
                made(app, company, invoice, issue, run, report).await?;
            }
        }
        Ok(())
    }
}

/// An invoice made by the run: listed, and issued when its contracts say so.
async fn made(
    app: &App,
    company: Uuid,
    invoice: Uuid,
    issue: bool,
    run: &RunContext,
    report: &mut RunReport,
) -> Result<(), ApiError> {
    report.created.push(invoice);
    if issue {
        crate::app::documents::issue_for(app, company, DocumentKind::Invoice, invoice, run.today).await?;
        report.issued.push(invoice);
    }
    Ok(())
}

/// One period of a plan: its items, in line order.
type PlanPeriod<'a> = (&'a Plan, Vec<&'a DueItem>);

/// The contracts of a customer billed together: one invoice per billing day and
/// currency, its lines contract by contract (by reference), period by period, each
/// period still keyed per contract, line and start.
async fn bill_grouped(
    app: &App,
    company: Uuid,
    plans: &[Plan],
    pending: &mut Pending,
    run: &RunContext,
    report: &mut RunReport,
    batch: &mut Batch,
) -> Result<(), ApiError> {
    let date = run.date;
    // Without interventions, the customer's invoices are written by one store call, in a
    // transaction of their own from the first: a contract billed on several days is locked
    // again by the same transaction, so two runs at once still wait for each other in the
    // same order, never in a cycle. With interventions, each invoice is its own
    // transaction (its marks race the on-demand bills).
    let together = pending.values().all(Vec::is_empty);
    batch.flush(app, company, run, report).await?;
    let mut order: Vec<&Plan> = plans.iter().collect();
    order.sort_by(|a, b| a.rec.reference.cmp(&b.rec.reference));
    // (billing date, currency) → (plan, items of one period), in line order.
    let mut days: BTreeMap<(Date, &str), Vec<PlanPeriod>> = BTreeMap::new();
    for plan in &order {
        for ((billing_date, _), items) in periods_of(plan) {
            days.entry((billing_date, plan.currency.code())).or_default().push((plan, items));
        }
    }
    for ((billing_date, _), parts) in days {
        let Some((first, _)) = parts.first() else { continue };
        let mut lines = Vec::new();
        let mut keys = Vec::with_capacity(parts.len());
        let mut references: Vec<&str> = Vec::new();
        for (plan, items) in &parts {
            let one = period_invoice(&plan.rec, &plan.terms, items, plan.language, plan.currency, date);
            for mut l in one.lines.unwrap_or_default() {
                let description = l.description.unwrap_or_default();
                l.description = Some(format!("{} — {description}", plan.rec.reference));
                lines.push(l);
            }
            keys.extend(keys_of(plan.rec.id, items));
            if !references.contains(&plan.rec.reference.as_str()) {
                references.push(&plan.rec.reference);
            }
        }
        let lang = first.language;
        let when = text::date(billing_date, lang);
        let title = grouped_title(&references, &when, lang);
        // The interventions of its contracts done by that day, after every period's lines.
        let mut contracts: Vec<(Uuid, &str)> = Vec::new();
        for (plan, _) in &parts {
            if !contracts.iter().any(|(id, _)| *id == plan.rec.id) {
                contracts.push((plan.rec.id, &plan.rec.reference));
            }
        }
        let mut taken: Vec<(Loaded, Option<&str>)> = Vec::new();
        for (id, reference) in &contracts {
            if let Some(p) = pending.get_mut(id) {
                taken.extend(take_until(p, billing_date).into_iter().map(|i| (i, Some(*reference))));
            }
        }
        let ids_of_contracts: Vec<Uuid> = contracts.iter().map(|(id, _)| *id).collect();
        let issue = parts.iter().all(|(p, _)| p.terms.issue);
        if together {
            let invoice = DocumentInput {
                lines: Some(lines),
                title: Some(title),
                issue_date: Some(billing_date).filter(|d| *d <= date).map(|d| d.to_string()),
                ..first.terms.invoice.clone()
            };
            let (ctx, customer) = run.draft_context(app, company, first.customer.as_ref(), &invoice).await?;
            batch.hold(PeriodInvoice { keys, invoice: invoice.parse(&ctx, customer)? }, issue);
            continue;
        }
        loop {
            let mut invoice = DocumentInput {
                lines: Some(lines.clone()),
                title: Some(title.clone()),
                issue_date: Some(billing_date).filter(|d| *d <= date).map(|d| d.to_string()),
                ..first.terms.invoice.clone()
            };
            add_interventions(&mut invoice, &taken, lang, first.currency);
            let (ctx, customer) = run.draft_context(app, company, first.customer.as_ref(), &invoice).await?;
            let content = invoice.parse(&ctx, customer)?;
            let ids: Vec<Uuid> = taken.iter().map(|(i, _)| i.record.id).collect();
            match app.store.bill_contract_periods(company, &keys, &content, &ids).await? {
                PeriodsBilled::Billed(invoice) => {
                    report.interventions += ids.len();
                    made(app, company, invoice, issue, run, report).await?;
                    break;
                }
                PeriodsBilled::Taken => {
                    for (i, _) in taken {
                        if let Some(c) = i.record.contract_id {
                            let p = pending.entry(c).or_default();
                            p.push(i);
                            p.sort_by_key(|i| i.record.on);
                        }
                    }
                    break;
                }
                PeriodsBilled::InterventionTaken => {
                    let left: Vec<Loaded> = taken.iter().map(|(i, _)| i.clone()).collect();
                    let left = still_unbilled(app, company, &ids_of_contracts, billing_date, left).await?;
                    taken.retain(|(i, _)| left.iter().any(|l| l.record.id == i.record.id));
                }
            }
        }
    }
    Ok(())
}

/// A grouped invoice's title: its contracts' references, or, when they would not fit in a
/// document's title (200 characters), how many with the first and the last (references
/// are at most 50 characters, so that always fits).
fn grouped_title(references: &[&str], when: &str, lang: Language) -> String {
    let all = match lang {
        Language::Fr => format!("Contrats {} : facturation du {when}", references.join(", ")),
        Language::En => format!("Contracts {}: billing of {when}", references.join(", ")),
    };
    if all.chars().count() <= MAX_TITLE {
        return all;
    }
    let (first, last, n) = (references.first().unwrap_or(&""), references.last().unwrap_or(&""), references.len());
    match lang {
        Language::Fr => format!("{n} contrats ({first} à {last}) : facturation du {when}"),
        Language::En => format!("{n} contracts ({first} to {last}): billing of {when}"),
    }
}

/// After billing: a contract waiting for an index value is reported, one that reached its
/// term is `expired`, and a suspension beginning or ending shows in its status.
async fn finish_contract(
    app: &App,
    company: Uuid,
    plan: &Plan,
    date: Date,
    run: &RunContext,
    report: &mut RunReport,
) -> Result<(), ApiError> {
    let rec = &plan.rec;
    let id = rec.id;
    if let Some((on, missing)) = &plan.blocked {
        report.blocked.push(BlockedContract {
            contract_id: id,
            reference: rec.reference.clone(),
            billing_date: *on,
            message: Message::new("contract_index_missing").with("index", &missing.index).with("month", missing.before),
        });
    }
    let notice =
        plan.events.iter().filter_map(|e| if let Event::NoticeGiven { on } = e { Some(*on) } else { None }).min();
    if is_running(rec) && plan.blocked.is_none() && plan.billing_terms.term.expired_on(date, notice) {
        app.store.set_contract_status(company, id, "expired").await?;
        report.expired.push(id);
    } else if is_running(rec) && running_status(rec, run.today) != rec.status {
        // A suspension began or ended since: the status says so from today.
        app.store.set_contract_status(company, id, running_status(rec, run.today)).await?;
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

/// Terminates a contract on a day: nothing is billed after it, and what was billed for
/// the days after it (a period billed in advance) is given back by a credit note of each
/// invoice concerned, issued at once: `core::contract::termination_credit` per line, pro
/// rata of the whole period's days, rounded once. The termination and its credit notes
/// are written in one transaction (`Store::terminate_contract`): a failure in any of
/// them (books closed, an invoice that cannot be credited, a crash) leaves the contract
/// running and no credit note, so terminating again does it all. Answers the contract
/// and the credit notes issued.
pub async fn terminate(
    app: &App,
    company: Uuid,
    id: Uuid,
    input: &TerminateInput,
) -> Result<(ContractRecord, Vec<Uuid>), ApiError> {
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
    let credits = termination_credits(app, company, &rec, on).await?;
    // Each invoice to credit must take a credit note: checked before the termination is
    // recorded.
    let mut invoices = Vec::with_capacity(credits.len());
    for (invoice, lines) in credits {
        let doc = app.store.document(company, DocumentKind::Invoice, invoice).await?;
        if doc.status == facturier_core::lifecycle::Status::Draft {
            return Err(ApiError::Conflict(Message::new("contract_credit_draft_invoice")));
        }
        facturier_store::pipeline::may_credit(DocumentKind::Invoice, doc.status)?;
        invoices.push((doc, lines));
    }
    let row = app.store.company(company).await?;
    let today = facturier_core::calendar::today(&row.country);
    let language = app.store.customer(company, rec.customer_id).await?.customer.language;
    let mut notes = Vec::with_capacity(invoices.len());
    for (doc, lines) in invoices {
        let credit_lines = credit_lines(&doc.content, &lines, on, language);
        let note = match language {
            Language::Fr => format!(
                "Résiliation du contrat {} au {} : avoir des jours facturés d'avance après cette date",
                rec.reference,
                text::date(on, language)
            ),
            Language::En => format!(
                "Contract {} terminated on {}: credit for the days billed in advance after that day",
                rec.reference,
                text::date(on, language)
            ),
        };
        notes.push((doc.id, credit_lines, note));
    }
    // The termination and its credit notes in one transaction: a failure leaves neither.
    let e = ContractEvent { kind: "terminated".into(), on, until: None, reason };
    let (rec, made) = app.store.terminate_contract(company, id, &e, notes, today).await?;
    // Their files: rendered now, else by the job each issued document brings.
    for cn in &made {
        if let Ok(doc) = app.store.document(company, DocumentKind::CreditNote, *cn).await {
            crate::files::render_issued(&app.store, &app.files, company, &doc).await;
        }
    }
    Ok((rec, made))
}

/// The body of `POST /contracts/{id}/suspend`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendInput {
    /// The first day not billed.
    #[schema(required = true, value_type = String, format = Date)]
    pub from: Option<String>,
    /// The last day not billed; none: until `resume`.
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    #[schema(required = true, max_length = 500)]
    pub reason: Option<String>,
}

/// The body of `POST /contracts/{id}/resume`.
#[derive(Deserialize, Serialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeInput {
    /// The first day billed again (default today).
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
}

/// A contract is suspended on `on` when one of its suspensions covers that day.
pub fn suspended_on(rec: &ContractRecord, on: Date) -> bool {
    events_of(rec).iter().any(|e| matches!(e, Event::Suspended { from, to } if *from <= on && on <= *to))
}

/// The status a running contract has on `today`: `suspended` while a suspension covers
/// it, else `active`; other statuses stay.
fn running_status(rec: &ContractRecord, today: Date) -> &'static str {
    if suspended_on(rec, today) { "suspended" } else { "active" }
}

fn is_running(rec: &ContractRecord) -> bool {
    rec.status == "active" || rec.status == "suspended"
}

/// Suspends a running contract from a day, to a day or until it is resumed: the days
/// suspended are not billed (a period cut by them bills pro rata of its other days). A
/// period billed already stays as billed.
pub async fn suspend(
    app: &App,
    company: Uuid,
    id: Uuid,
    input: &SuspendInput,
    today: Date,
) -> Result<ContractRecord, ApiError> {
    let mut v = Check::default();
    let from = v.required("from", &input.from).cloned().and_then(|d| v.date("from", &d));
    let to = input.to.as_deref().filter(|s| !s.is_empty()).and_then(|d| v.date("to", d));
    let reason = v.text("reason", &input.reason, 500);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        v.error("to", Message::new("contract_suspension_order"));
    }
    v.finish()?;
    let Some(from) = from else { return Err(ApiError::field("from", Message::new("required"))) };
    let rec = app.store.contract(company, id).await?;
    if !is_running(&rec) {
        return Err(ApiError::Conflict(Message::new("contract_not_running").with("v", &rec.status)));
    }
    if from < rec.start {
        return Err(ApiError::field("from", Message::new("contract_end_before_start")));
    }
    if let Some(open) = rec.events.iter().find(|e| e.kind == "suspended" && e.until.is_none()) {
        return Err(ApiError::Conflict(Message::new("contract_suspension_open").with("v", open.on)));
    }
    let e = ContractEvent { kind: "suspended".into(), on: from, until: to, reason };
    let mut after = rec.clone();
    after.events.push(e.clone());
    let status = running_status(&after, today);
    Ok(app.store.contract_event(company, id, &e, status).await?)
}

/// Resumes a suspended contract on a day: the suspension running then (or the one left
/// open) ends the day before; billed again from `date`.
pub async fn resume(
    app: &App,
    company: Uuid,
    id: Uuid,
    input: &ResumeInput,
    today: Date,
) -> Result<ContractRecord, ApiError> {
    let mut v = Check::default();
    let date = input.date.as_deref().filter(|s| !s.is_empty()).and_then(|d| v.date("date", d)).unwrap_or(today);
    v.finish()?;
    let rec = app.store.contract(company, id).await?;
    if !is_running(&rec) {
        return Err(ApiError::Conflict(Message::new("contract_not_running").with("v", &rec.status)));
    }
    // The suspension that covers the day, else the one left open.
    let suspension = rec
        .events
        .iter()
        .filter(|e| e.kind == "suspended")
        .find(|e| e.on <= date && e.until.is_none_or(|u| u >= date))
        .or_else(|| rec.events.iter().find(|e| e.kind == "suspended" && e.until.is_none()));
    let Some(s) = suspension else {
        return Err(ApiError::Conflict(Message::new("contract_not_suspended")));
    };
    if date < s.on {
        return Err(ApiError::field("date", Message::new("contract_resume_before").with("v", s.on)));
    }
    // Resumed on the day it starts: the suspension ends before it starts, no day suspended.
    let until = date.previous_day().unwrap_or(date);
    let mut after = rec.clone();
    for e in after.events.iter_mut().filter(|e| e.kind == "suspended" && e.on == s.on && e.until == s.until) {
        e.until = Some(until);
    }
    let status = running_status(&after, today);
    Ok(app.store.resume_contract(company, id, s.on, s.until, until, status).await?)
}

/// A line's credit on termination: its position among the invoice's lines and the unit
/// price given back.
struct LineCredit {
    position: usize,
    unit_credit: Decimal,
    period: contract::Period,
}

/// What to give back per invoice when the contract ends on `on`: each billed line whose
/// period runs past `on`, credited `termination_credit` of what it billed.
async fn termination_credits(
    app: &App,
    company: Uuid,
    rec: &ContractRecord,
    on: Date,
) -> Result<BTreeMap<Uuid, Vec<LineCredit>>, ApiError> {
    let mut out: BTreeMap<Uuid, Vec<LineCredit>> = BTreeMap::new();
    let Some(last) = rec.billed.iter().filter(|b| b.period_end > on).map(|b| b.billing_date).max() else {
        return Ok(out);
    };
    let terms = StoredTerms::read(rec)?;
    let currency = currency_of(app, company, &terms).await?;
    let book = index_book(app, company).await?;
    // The items as they were billed (the events before this termination), to know each
    // one's whole period and price.
    let billing = contract::billing_up_to(&terms.billing(rec), &events_of(rec), &book, last, |d| currency.round(d));
    let mut keys: BTreeMap<Uuid, Vec<(Uuid, Date, usize)>> = BTreeMap::new();
    for b in rec.billed.iter().filter(|b| b.period_end > on) {
        let Some(item) = billing.items.iter().find(|i| i.key() == (b.line, b.period_start)) else { continue };
        // What was billed stays what it was, whatever index value was corrected since.
        let billed = DueItem { amount: b.amount, ..item.clone() };
        let Some(unit_credit) = contract::termination_credit(&billed, on, |d| currency.round(d)) else { continue };
        // The invoice's lines follow its keys (by contract reference, period and line):
        // one contract's, or a grouped customer's several.
        let on_invoice = match keys.entry(b.invoice_id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(app.store.invoice_billing_keys(company, b.invoice_id).await?)
            }
        };
        let Some(position) = on_invoice.iter().position(|k| *k == (rec.id, b.period_start, b.line)) else {
            continue;
        };
        out.entry(b.invoice_id).or_default().push(LineCredit { position, unit_credit, period: item.period });
    }
    Ok(out)
}

/// The credit note's lines: each invoice line credited, on its terms (quantity, unit,
/// VAT, discount), at the unit price given back.
fn credit_lines(
    invoice: &facturier_core::document::Content,
    credits: &[LineCredit],
    on: Date,
    lang: Language,
) -> Vec<Line> {
    let mut out = Vec::with_capacity(credits.len());
    for c in credits {
        let Some(l) = invoice.lines.get(c.position) else { continue };
        let mut line = l.clone();
        line.id = Uuid::now_v7();
        line.source_line_id = Some(l.id);
        line.other_taxes = Vec::new();
        line.unit_price = c.unit_credit;
        let from = on.next_day().unwrap_or(on).max(c.period.start);
        let (from, to) = (text::date(from, lang), text::date(c.period.end, lang));
        let first = l.description.lines().next().unwrap_or_default();
        let words = match lang {
            Language::Fr => format!("Résiliation : jours du {from} au {to} non dus"),
            Language::En => format!("Termination: days from {from} to {to} not due"),
        };
        line.description = if first.is_empty() { words } else { format!("{first}\n{words}") };
        out.push(line);
    }
    out
}

/// A contract whose notice deadline comes within its alert window.
#[derive(Clone, Debug)]
pub struct NoticeDue {
    pub contract_id: Uuid,
    pub reference: String,
    pub title: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    /// The customer is a consumer (art. L215-1 C. consom. applies).
    pub consumer: bool,
    /// The end of the term that notice would stop.
    pub term_end: Date,
    /// The last day to give notice.
    pub deadline: Date,
    /// The first day of the alert window.
    pub alert_from: Date,
    /// The consumer's reminder for this deadline was e-mailed.
    pub reminded: bool,
}

/// Every running contract renewed tacitly, with no notice given, whose next notice
/// deadline (on or after `as_of`) is within its alert window on `as_of`, by deadline.
pub async fn notices(app: &App, company: Uuid, as_of: Date) -> Result<Vec<NoticeDue>, ApiError> {
    let mut out = Vec::new();
    let mut kinds: BTreeMap<Uuid, bool> = BTreeMap::new();
    let mut after = None;
    loop {
        let page = app.store.billable_contracts(company, after, RUN_PAGE).await?;
        let Some(last) = page.last().copied() else { break };
        after = Some(last);
        for id in page {
            let rec = app.store.contract(company, id).await?;
            let terms = StoredTerms::read(&rec)?;
            let Some((term_end, deadline)) = notice_ahead(&rec, &terms, as_of) else { continue };
            let alert_from = deadline.checked_sub(time::Duration::days(i64::from(terms.notice_alert_days)));
            if alert_from.is_some_and(|f| as_of < f) {
                continue;
            }
            let consumer = match kinds.get(&rec.customer_id) {
                Some(c) => *c,
                None => {
                    let c =
                        app.store.customer(company, rec.customer_id).await?.customer.kind == CustomerKind::Individual;
                    kinds.insert(rec.customer_id, c);
                    c
                }
            };
            out.push(NoticeDue {
                contract_id: rec.id,
                reference: rec.reference.clone(),
                title: rec.title.clone(),
                customer_id: rec.customer_id,
                customer_name: rec.customer_name.clone(),
                consumer,
                term_end,
                deadline,
                alert_from: alert_from.unwrap_or(deadline),
                reminded: rec.events.iter().any(|e| e.kind == "notice_reminded" && e.on == deadline),
            });
        }
    }
    out.sort_by(|a, b| (a.deadline, &a.reference).cmp(&(b.deadline, &b.reference)));
    Ok(out)
}

/// The next notice deadline of a contract renewed tacitly with no notice given yet.
fn notice_ahead(rec: &ContractRecord, terms: &StoredTerms, on: Date) -> Option<(Date, Date)> {
    if rec.events.iter().any(|e| e.kind == "notice_given") {
        return None;
    }
    terms.billing(rec).term.next_deadline(on)
}

/// E-mails each consumer whose contract renews tacitly the reminder art. L215-1 C.
/// consom. asks for: from three months to one month before the notice deadline, once per
/// term (a `notice_reminded` event on the deadline, written with the e-mail in one
/// transaction). Answers the e-mails queued.
pub async fn remind_notices(app: &App, company: Uuid, today: Date) -> Result<Vec<Uuid>, ApiError> {
    let settings = app.store.settings(company).await?;
    let row = app.store.company(company).await?;
    let sender_name =
        settings.identity.as_ref().map_or(row.name.clone(), |s| s.trading_name.clone().unwrap_or(s.name.clone()));
    let sender = settings.identity.as_ref().and_then(|s| s.email.clone());
    let mut queued = Vec::new();
    let mut after = None;
    loop {
        let page = app.store.billable_contracts(company, after, RUN_PAGE).await?;
        let Some(last) = page.last().copied() else { break };
        after = Some(last);
        for id in page {
            let rec = app.store.contract(company, id).await?;
            let terms = StoredTerms::read(&rec)?;
            let Some((term_end, deadline)) = notice_ahead(&rec, &terms, today) else { continue };
            let Some((from, to)) = contract::renewal::consumer_notice_window(deadline) else { continue };
            if today < from || today > to || rec.events.iter().any(|e| e.kind == "notice_reminded" && e.on == deadline)
            {
                continue;
            }
            let customer = app.store.customer(company, rec.customer_id).await?.customer;
            if customer.kind != CustomerKind::Individual {
                continue;
            }
            let Some(to) = customer.email.as_ref().map(|e| e.as_str().to_string()) else {
                tracing::warn!(contract = %rec.id, "contracts: a consumer without an e-mail address is not reminded of the notice deadline");
                continue;
            };
            let months = match terms.renewal {
                Renewal::Tacit { months } => months,
                Renewal::None => continue,
            };
            let (subject, body) =
                notice_email(&rec, &customer.name, term_end, deadline, months, customer.language, &sender_name);
            let to = [to];
            let email = NewEmail {
                company_id: company,
                document_id: None,
                sender: sender.as_deref(),
                sender_name: &sender_name,
                to: &to,
                cc: &[],
                subject: &subject,
                body: &body,
                attachment: None,
            };
            if let Some(e) = app.store.remind_contract_notice(company, id, deadline, &email).await? {
                queued.push(e);
            }
        }
    }
    Ok(queued)
}

/// The consumer's reminder: the deadline, what happens without notice, the article.
fn notice_email(
    rec: &ContractRecord,
    name: &str,
    term_end: Date,
    deadline: Date,
    months: u32,
    lang: Language,
    sender_name: &str,
) -> (String, String) {
    let d = text::date(deadline, lang);
    let renewed = text::date(term_end.next_day().unwrap_or(term_end), lang);
    match lang {
        Language::Fr => (
            format!("Votre contrat {} : reconduction tacite, date limite de résiliation le {d}", rec.reference),
            format!(
                "Bonjour {name},\n\nVotre contrat « {} » (référence {}) sera reconduit tacitement le {renewed} pour \
                 {months} mois.\n\nConformément à l'article L215-1 du Code de la consommation, nous vous informons \
                 que vous pouvez refuser cette reconduction en nous le notifiant au plus tard le {d}.\n\n{sender_name}\n",
                rec.title, rec.reference
            ),
        ),
        Language::En => (
            format!("Your contract {}: tacit renewal, notice deadline {d}", rec.reference),
            format!(
                "Hello {name},\n\nYour contract \"{}\" (reference {}) will renew tacitly on {renewed} for {months} \
                 months.\n\nAs article L215-1 of the French Consumer Code provides, you may refuse this renewal by \
                 notifying us no later than {d}.\n\n{sender_name}\n",
                rec.title, rec.reference
            ),
        ),
    }
}

/// What a billed line's period billed before VAT: its invoice line's net.
///
/// `contract_billings.amount` keeps what the engine priced one unit of the line for the
/// period (the invoice line's unit price, what a termination credits against), never a
/// second figure: the line's net is derived from it and the line's terms by the invoice's
/// own totals ([`contract::LineTerms::net`]), so the card, the grid and the summary show
/// what the invoice bills — one truth, one computation.
pub fn billed_net(b: &Billed, lines: &[LineTerms], currency: Currency) -> Decimal {
    match lines.get(b.line) {
        Some(l) => l.net(b.amount, currency),
        None => LineTerms::default().net(b.amount, currency),
    }
}

/// What was billed per period (its lines' nets), for the card and the API.
pub fn billed_by_period(
    billed: &[Billed],
    lines: &[LineTerms],
    currency: Currency,
) -> BTreeMap<Date, (Date, Decimal, Uuid, Option<String>)> {
    let mut out: BTreeMap<Date, (Date, Decimal, Uuid, Option<String>)> = BTreeMap::new();
    for b in billed {
        let e = out.entry(b.period_start).or_insert((
            b.billing_date,
            Decimal::ZERO,
            b.invoice_id,
            b.invoice_number.clone(),
        ));
        e.1 += billed_net(b, lines, currency);
    }
    out
}

/// What a contract plans up to a day, as the run would bill it with today's index values.
pub struct Planned {
    /// Periods due by then, billed or not.
    pub periods: u32,
    /// What they bill before VAT (each line's net).
    pub amount: Decimal,
    pub currency: Currency,
    /// The contract's lines' terms, to read its billed periods by.
    pub lines: Vec<LineTerms>,
}

/// What the contract `rec` (already read) plans up to `as_of`.
pub async fn planned_up_to(app: &App, company: Uuid, rec: &ContractRecord, as_of: Date) -> Result<Planned, ApiError> {
    let terms = StoredTerms::read(rec)?;
    let lines = terms.lines(rec)?;
    let book = index_book(app, company).await?;
    let currency = currency_of(app, company, &terms).await?;
    let items = contract::billing::forecast(&terms.billing(rec), &events_of(rec), &book, rec.start, as_of, |d| {
        currency.round(d)
    });
    let due: Vec<&DueItem> = items.iter().filter(|i| i.billing_date <= as_of).collect();
    let periods: BTreeSet<Date> = due.iter().map(|i| i.period.start).collect();
    Ok(Planned {
        periods: u32::try_from(periods.len()).unwrap_or(u32::MAX),
        amount: contract::period_net(due, &lines, currency),
        currency,
        lines,
    })
}

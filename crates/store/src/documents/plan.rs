//! The issue plan: the only code that draws a legal number, seals the parties and the
//! printed settings into a document, runs the e-invoicing rules before a number is
//! drawn and computes a seal chain link. Issuing one draft ([`super::issue`], on sqlx
//! and on the SQLite writer thread) and the bulk loader ([`crate::bulk`]) both go
//! through it, in three steps inside the transaction that holds the chain head's lock:
//!
//! 1. [`Chain::plan`] checks each document (dates, currency, `core::compliance`) and
//!    seals its content, in order, before any number is drawn;
//! 2. [`draw_numbers_in`] / [`draw_number_on`] take the numbers from `number_sequences`
//!    by `core::numbering::next_seq` (read the period's counter, write the last value
//!    drawn), once per run of documents of one numbering period;
//! 3. [`Chain::seal`] formats each number and links each document onto the chain.
//!
//! What differs between the callers is only how the rows are written: one draft
//! updated, or many issued rows inserted at once.

use super::content::{SealedColumns, columns_canonical, content_json, with_sealed_columns};
use crate::writer::{Val, bind_vals};
use crate::{Result, Stamp, StoreError, Tx, on_conn};
use facturier_core::company::{Buyer, Parties, Printed, Seller};
use facturier_core::compliance::{self, Problem};
use facturier_core::document::{self, Content, DocumentKind, IssueFacts};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::numbering::{self, Counter, NumberPattern};
use facturier_core::party::Customer;
use facturier_core::seal;
use facturier_core::totals::Totals;
use time::Date;
use uuid::Uuid;

/// A company's seal chain and numbering for one kind of document, read under the chain
/// head's lock: every number and seal of the kind is made from it, in order.
pub(crate) struct Chain {
    /// The seal of the last document linked (the genesis value on an empty chain).
    head: String,
    /// Documents linked so far.
    length: i64,
    /// The issue date of the last document planned: the next may not be dated before it.
    last_date: Option<Date>,
    /// Documents planned and not sealed yet.
    planned: i64,
    pattern: NumberPattern,
    /// Whether numbers restart each year.
    yearly_reset: bool,
}

impl Chain {
    pub(crate) fn new(
        head: String,
        length: i64,
        last_date: Option<Date>,
        pattern: &str,
        yearly_reset: bool,
    ) -> Result<Chain> {
        let pattern: NumberPattern =
            pattern.parse().map_err(|e: facturier_core::numbering::PatternError| StoreError::Corrupt(e.to_string()))?;
        Ok(Chain { head, length, last_date, planned: 0, pattern, yearly_reset })
    }

    /// Locks the chain head of a kind (PostgreSQL takes the row lock; SQLite holds the
    /// write lock already) and reads it with the kind's numbering: this serialises
    /// issuing per company and kind, so numbers, chronology and seals see the previous
    /// document.
    pub(crate) async fn lock_in(tx: &mut Tx, company_id: Uuid, kind: DocumentKind) -> Result<Chain> {
        let (head, length, last_date): (String, i64, Option<Date>) = on_conn!(tx, |c| {
            sqlx::query_as(
                "UPDATE seal_chains SET length = length WHERE company_id = $1 AND kind = $2 \
                 RETURNING head, length, last_issue_date",
            )
            .bind(company_id)
            .bind(kind.as_str())
            .fetch_one(&mut *c)
            .await?
        });
        let (pattern, yearly_reset): (String, bool) = on_conn!(tx, |c| {
            sqlx::query_as("SELECT pattern, yearly_reset FROM numbering WHERE company_id = $1 AND kind = $2")
                .bind(company_id)
                .bind(kind.as_str())
                .fetch_one(&mut *c)
                .await?
        });
        Chain::new(head, length, last_date, &pattern, yearly_reset)
    }

    /// Stores the chain's head, length and last issue date once the planned documents are
    /// sealed (issuing one draft does it in its own statement, beside its row).
    pub(crate) async fn save_in(&self, tx: &mut Tx, company_id: Uuid, kind: DocumentKind) -> Result<()> {
        on_conn!(tx, |c| {
            sqlx::query(
                "UPDATE seal_chains SET head = $3, length = $4, last_issue_date = $5 WHERE company_id = $1 AND kind = $2",
            )
            .bind(company_id)
            .bind(kind.as_str())
            .bind(&self.head)
            .bind(self.length)
            .bind(self.last_date)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Plans the next document of the chain (after those planned before it): decides
    /// its dates, checks its currency, seals the parties and printed settings into its
    /// content and lists what the e-invoicing rules find — nothing is drawn nor written.
    /// Refuses what can never be issued; [`IssuePlan::issuable`] refuses the problems.
    pub(crate) fn plan(
        &mut self,
        issuer: &Issuer,
        customer: Option<&Customer>,
        doc: Planned<'_>,
        today: Date,
    ) -> Result<IssuePlan> {
        let Planned { id, kind, parent_id, content } = doc;
        let facts = document::check_issue(kind, content, today, self.last_date)?;
        content.check_currency(issuer.currency)?;
        let customer = customer.ok_or(StoreError::NotFound("customer"))?;
        let sealed = issuer.sealed(content, customer);
        let problems = match (&sealed.parties, &sealed.printed) {
            (Some(parties), Some(printed)) => {
                // The number this document would get, near enough for its shape (BR-FR-02).
                let next = u64::try_from(self.length + self.planned + 1).unwrap_or(1);
                let number = self.pattern.format(facts.issue_date, next);
                compliance::check(&compliance::Issuing {
                    kind,
                    content: &sealed,
                    seller: &parties.seller,
                    buyer: &parties.buyer,
                    printed,
                    issue_date: facts.issue_date,
                    corrects_invoice: parent_id.is_some(),
                    number: Some(&number),
                })
            }
            _ => Vec::new(),
        };
        self.last_date = Some(facts.issue_date);
        self.planned += 1;
        Ok(IssuePlan {
            id,
            kind,
            customer_id: content.customer_id,
            currency: content.currency.code().to_string(),
            parent_id,
            period: numbering::period(self.yearly_reset, facts.issue_date),
            yearly_reset: self.yearly_reset,
            facts,
            totals: content.totals(),
            sealed_json: content_json(&sealed),
            problems,
        })
    }

    /// Seals the next planned document with the sequence number `seq` drawn for it: its
    /// number, the copy of its columns in its content, and its seal over the previous
    /// one and exactly the bytes `verify` rebuilds from the stored content
    /// (`SealedDocument::canonical`). The chain's head moves onto it.
    pub(crate) fn seal(&mut self, company_id: Uuid, plan: &IssuePlan, seq: i64, at: Stamp) -> Result<Sealed> {
        let id = plan.id;
        let number = self.pattern.format(plan.facts.issue_date, u64::try_from(seq).unwrap_or(0));
        let columns = SealedColumns {
            number: number.clone(),
            issue_date: plan.facts.issue_date,
            due_date: plan.facts.due_date,
            customer_id: plan.customer_id,
            currency: plan.currency.clone(),
            parent_id: plan.parent_id,
            issued_at: at.text(),
        };
        let content = with_sealed_columns(plan.sealed_json.clone(), &columns)?;
        let value: serde_json::Value =
            serde_json::from_str(&content).map_err(|e| StoreError::Corrupt(format!("document {id}: {e}")))?;
        let t = &plan.totals;
        let canonical = columns_canonical(company_id, id, plan.kind.as_str(), &columns, &value, t);
        let seal = seal::seal(&self.head, &canonical);
        let prev_seal = std::mem::replace(&mut self.head, seal.clone());
        self.length += 1;
        self.planned -= 1;
        Ok(Sealed {
            number,
            chain_seq: self.length,
            prev_seal,
            seal,
            content,
            net: t.net.to_string(),
            vat_total: t.vat_total.to_string(),
            gross: t.gross.to_string(),
            at,
        })
    }
}

/// The issuing company as its documents are sealed with: its identity (its name and
/// country until it is filled in), currency, and what its documents print.
pub(crate) struct Issuer {
    currency: Currency,
    seller: Seller,
    printed: Printed,
    /// The general terms a document without its own prints.
    default_terms: Option<String>,
}

impl Issuer {
    /// From the company's row: `name`, `country`, `currency`, `settings`.
    pub(crate) fn new(name: &str, country: &str, currency: &str, settings: &str) -> Result<Issuer> {
        let settings: crate::companies::CompanySettings =
            serde_json::from_str(settings).map_err(|e| StoreError::Corrupt(format!("company settings: {e}")))?;
        let currency: Currency =
            currency.parse().map_err(|e: facturier_core::money::UnknownCurrency| StoreError::Corrupt(e.to_string()))?;
        let printed = Printed::of(settings.default_bank(), &settings.legal, &settings.documents);
        let default_terms = settings.documents.default_terms.clone();
        let seller = match settings.identity {
            Some(s) => s,
            None => Seller::bare(
                name,
                country
                    .parse()
                    .map_err(|e: facturier_core::party::UnknownCountry| StoreError::Corrupt(e.to_string()))?,
            ),
        };
        Ok(Issuer { currency, seller, printed, default_terms })
    }

    /// Reads the company's row.
    pub(crate) async fn read_in(tx: &mut Tx, company_id: Uuid) -> Result<Issuer> {
        let row: Option<(String, String, String, String)> =
            on_conn!(tx, |c| sqlx::query_as(COMPANY_SQL).bind(company_id).fetch_optional(c).await?);
        let (name, country, currency, settings) = row.ok_or(StoreError::NotFound("company"))?;
        Issuer::new(&name, &country, &currency, &settings)
    }

    /// The seller and the buyer of a document as they are now: the company and the
    /// customer with the document's billing address.
    pub(crate) fn parties(&self, customer: &Customer, content: &Content) -> Parties {
        let address = content.billing_address.clone().unwrap_or_else(|| customer.billing_address.clone());
        Parties { seller: self.seller.clone(), buyer: Buyer::of(customer, address) }
    }

    /// The content a document is sealed with: both parties, so that a later change of
    /// address or name never rewrites what was issued, and the bank account, legal
    /// mentions, look and general terms it prints, so that changing the settings later
    /// never changes a byte of its files. A content that carries its own (an invoice
    /// imported by the bulk loader) keeps them; a draft never does (see `draft.rs`).
    fn sealed(&self, content: &Content, customer: &Customer) -> Content {
        let mut sealed = content.clone();
        if sealed.parties.is_none() {
            sealed.parties = Some(self.parties(customer, content));
        }
        if sealed.printed.is_none() {
            sealed.printed = Some(self.printed.clone());
            if sealed.terms.is_none() {
                sealed.terms = self.default_terms.clone();
            }
        }
        sealed
    }
}

/// The company's row as [`Issuer::new`] reads it.
const COMPANY_SQL: &str = "SELECT name, country, currency, settings FROM companies WHERE id = $1";

/// A document to plan: a draft, or an invoice of a bulk load.
pub(crate) struct Planned<'a> {
    pub(crate) id: Uuid,
    pub(crate) kind: DocumentKind,
    /// The invoice a credit note corrects.
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) content: &'a Content,
}

/// One document's issue, decided before its number is drawn.
pub(crate) struct IssuePlan {
    pub(crate) id: Uuid,
    kind: DocumentKind,
    customer_id: Uuid,
    currency: String,
    parent_id: Option<Uuid>,
    /// The numbering period (`core::numbering::period`).
    period: i64,
    /// Whether the kind's numbers restart each year.
    yearly_reset: bool,
    pub(crate) facts: IssueFacts,
    pub(crate) totals: Totals,
    /// The content with its sealed parties and printed settings, as stored.
    sealed_json: String,
    /// What would make the e-invoice fail its rules (`core::compliance`): issuing refuses
    /// before a number is drawn while there is any.
    pub(crate) problems: Vec<Problem>,
}

impl IssuePlan {
    /// The plan, if nothing stops the document from being issued.
    pub(crate) fn issuable(self) -> Result<IssuePlan> {
        if self.problems.is_empty() { Ok(self) } else { Err(StoreError::NotIssuable(self.problems)) }
    }
}

/// What a sealed document's issued row holds beside its plan.
pub(crate) struct Sealed {
    pub(crate) number: String,
    /// Its place in the chain (1 for the first document).
    pub(crate) chain_seq: i64,
    pub(crate) prev_seal: String,
    pub(crate) seal: String,
    /// The sealed content: the plan's, with the copy of its columns.
    pub(crate) content: String,
    pub(crate) net: String,
    pub(crate) vat_total: String,
    pub(crate) gross: String,
    /// The instant of issue.
    pub(crate) at: Stamp,
}

impl Sealed {
    /// Why writing the issued row failed: a repeated number means the pattern was changed.
    pub(crate) fn write_error(&self, e: StoreError) -> StoreError {
        if e.is_unique_violation() {
            StoreError::Conflict(Message::new("number_already_exists_numbering").with("n", &self.number))
        } else {
            e
        }
    }
}

/// The last value drawn in a period (`$3`) of a kind's sequence.
const LAST_NUMBER_SQL: &str =
    "SELECT last_value FROM number_sequences WHERE company_id = $1 AND kind = $2 AND period = $3";

/// Records `$4` as the last value drawn in a period. It is written under the chain head's
/// lock, which serialises issuing per kind; a rollback takes it back, so no gap is left.
const SET_LAST_NUMBER_SQL: &str = "INSERT INTO number_sequences (company_id, kind, period, last_value) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (company_id, kind, period) DO UPDATE SET last_value = $4";

fn period_key(company_id: Uuid, kind: DocumentKind, period: i64) -> [Val<'static>; 3] {
    [company_id.into(), kind.as_str().into(), period.into()]
}

fn number_args(company_id: Uuid, kind: DocumentKind, period: i64, last: i64) -> [Val<'static>; 4] {
    [company_id.into(), kind.as_str().into(), period.into(), last.into()]
}

/// The sequence values of a run, after the period's last value (`None`: none drawn yet),
/// by the one rule of `core::numbering::next_seq`.
fn run_values(run: &Run, last: Option<i64>) -> Result<std::ops::RangeInclusive<i64>> {
    let corrupt = |v: &dyn std::fmt::Display| StoreError::Corrupt(format!("number sequence value {v}"));
    let counter = match last {
        Some(l) => Some(Counter { period: run.period, last: u64::try_from(l).map_err(|_| corrupt(&l))? }),
        None => None,
    };
    let next = numbering::next_seq(counter, run.yearly_reset, run.date);
    let first = i64::try_from(next).map_err(|_| corrupt(&next))?;
    Ok(first..=first + run.count - 1)
}

/// The sequence numbers of planned documents (all of one kind, in order): the period's
/// counter read and its new last value written once per run of one numbering period.
pub(crate) async fn draw_numbers_in(
    tx: &mut Tx,
    company_id: Uuid,
    kind: DocumentKind,
    plans: &[IssuePlan],
) -> Result<Vec<i64>> {
    let mut seqs = Vec::with_capacity(plans.len());
    for run in runs(plans) {
        let key = period_key(company_id, kind, run.period);
        let last: Option<(i64,)> =
            on_conn!(tx, |c| bind_vals!(sqlx::query_as(LAST_NUMBER_SQL), &key).fetch_optional(c).await?);
        let values = run_values(&run, last.map(|(l,)| l))?;
        let args = number_args(company_id, kind, run.period, *values.end());
        on_conn!(tx, |c| {
            bind_vals!(sqlx::query(SET_LAST_NUMBER_SQL), &args).execute(c).await?;
        });
        seqs.extend(values);
    }
    Ok(seqs)
}

/// The sequence number of one planned document, on the SQLite writer thread.
pub(crate) fn draw_number_on(c: &rusqlite::Connection, company_id: Uuid, plan: &IssuePlan) -> Result<i64> {
    let key = period_key(company_id, plan.kind, plan.period);
    let last = crate::writer::query_opt(c, LAST_NUMBER_SQL, &key, |r| Ok(r.get::<_, i64>(0)?))?;
    let run = Run { period: plan.period, yearly_reset: plan.yearly_reset, date: plan.facts.issue_date, count: 1 };
    let seq = *run_values(&run, last)?.start();
    crate::writer::execute(c, SET_LAST_NUMBER_SQL, &number_args(company_id, plan.kind, plan.period, seq))?;
    Ok(seq)
}

/// Consecutive plans of one numbering period: the period, the rule and date of the
/// first (the others' fall in the same period), how many.
struct Run {
    period: i64,
    yearly_reset: bool,
    date: Date,
    count: i64,
}

/// The runs of consecutive plans of one period.
fn runs(plans: &[IssuePlan]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for p in plans {
        match out.last_mut() {
            Some(run) if run.period == p.period => run.count += 1,
            _ => out.push(Run { period: p.period, yearly_reset: p.yearly_reset, date: p.facts.issue_date, count: 1 }),
        }
    }
    out
}

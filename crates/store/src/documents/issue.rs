//! Issuing one draft through the issue plan ([`super::plan`]): the context read in one
//! statement under the write turn, the issued row written by one argument list on
//! every path (sqlx on PostgreSQL and SQLite, the SQLite writer thread), a credit note
//! settling its invoice and a delivery note taking goods out of stock in the same
//! transaction, and the parties a document shows.

use super::draft::joined;
use super::plan::{Chain, IssuePlan, Issuer, Planned, Sealed, draw_number_on, draw_numbers_in};
use super::record::{COLS, COLUMNS, DocumentRecord, ReadBack, Row, event, lock_document, read_back};
use crate::writer::{Val, bind_vals};
use crate::{Result, Store, StoreError, Tx, new_id, now, on_conn};
use facturier_core::Decimal;
use facturier_core::company::Parties;
use facturier_core::compliance::Problem;
use facturier_core::document::{Content, DocumentKind, LifecycleError, Status, settle};
use facturier_core::lifecycle::{self, Action};
use facturier_core::money::Currency;
use facturier_core::party::Customer;
use std::sync::LazyLock;
use time::Date;
use uuid::Uuid;

impl Store {
    /// Issues a draft: checks it, allocates the next legal number, seals it, and for a
    /// credit note applies it to its invoice — all in one transaction.
    pub async fn issue(&self, company_id: Uuid, kind: DocumentKind, id: Uuid, today: Date) -> Result<DocumentRecord> {
        if kind.is_invoice()
            && let Some(through) = self.closed_through(company_id).await?
        {
            // Books closed through a day take no invoice or credit note dated on or before it.
            let draft = self.document(company_id, kind, id).await?;
            let date = draft.content.issue_date.unwrap_or(today);
            if draft.status == facturier_core::document::Status::Draft && date <= through {
                return Err(crate::closings::closed("issue_date", date, through));
            }
        }
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
        let sql = CONTEXT_SQLITE.as_str();
        let mut tx = self.begin_read().await?;
        let ctx: Option<IssueContext> = on_conn!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(company_id)
            .bind(id)
            .fetch_optional(c)
            .await?);
        drop(tx);
        Ok(IssueContext::plan(ctx, kind, today)?.plan.problems)
    }

    /// The parties a document shows: its sealed snapshot once issued, the current
    /// company identity and customer record while it is a draft.
    pub async fn parties(&self, company_id: Uuid, content: &Content) -> Result<Parties> {
        if let Some(p) = &content.parties {
            return Ok(p.clone());
        }
        let mut tx = self.begin_read().await?;
        let row: Option<(String, String, String, String, String)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT co.name, co.country, co.currency, co.settings, cu.data FROM companies co \
                 JOIN customers cu ON cu.company_id = co.id AND cu.id = $2 WHERE co.id = $1",
            )
            .bind(company_id)
            .bind(content.customer_id)
            .fetch_optional(c)
            .await?
        });
        let (name, country, currency, settings, data) = row.ok_or(StoreError::NotFound("customer"))?;
        let issuer = Issuer::new(&name, &country, &currency, &settings)?;
        Ok(issuer.parties(&customer(content.customer_id, &data)?, content))
    }
}

fn customer(id: Uuid, data: &str) -> Result<Customer> {
    serde_json::from_str(data).map_err(|e| StoreError::Corrupt(format!("customer {id}: {e}")))
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

/// A draft with its plan, ready for its number.
struct Ready {
    doc: DocumentRecord,
    chain: Chain,
    plan: IssuePlan,
    has_parents: bool,
}

impl IssueContext {
    /// The context from a row of [`context_sql`] read on the writer thread.
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

    /// The draft of `kind` planned on its chain: refused when there is no such draft.
    fn plan(ctx: Option<IssueContext>, kind: DocumentKind, today: Date) -> Result<Ready> {
        let ctx = ctx.ok_or(StoreError::NotFound("document"))?;
        let doc: DocumentRecord = ctx.doc.try_into()?;
        if doc.kind != kind {
            return Err(StoreError::NotFound("document"));
        }
        if !lifecycle::allows(kind, doc.status, Action::Issue) {
            return Err(LifecycleError::NotDraft(doc.status.as_str()).into());
        }
        let mut chain =
            Chain::new(ctx.chain_head, ctx.chain_length, ctx.chain_last_date, &ctx.pattern, ctx.yearly_reset)?;
        let issuer =
            Issuer::new(&ctx.company_name, &ctx.company_country, &ctx.company_currency, &ctx.company_settings)?;
        let customer = ctx.customer_data.map(|data| customer(doc.content.customer_id, &data)).transpose()?;
        let planned = Planned { id: doc.id, kind, parent_id: doc.parent_id, content: &doc.content };
        let plan = chain.plan(&issuer, customer.as_ref(), planned, today)?;
        Ok(Ready { doc, chain, plan, has_parents: ctx.has_parents })
    }
}

fn context_sql(backend: crate::Backend) -> String {
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

static CONTEXT_SQLITE: LazyLock<String> = LazyLock::new(|| context_sql(crate::Backend::Sqlite));
static CONTEXT_POSTGRES: LazyLock<String> = LazyLock::new(|| context_sql(crate::Backend::Postgres));

// The issued row, the new chain head and the "issued" event: three statements on SQLite
// (sent as one text through sqlx, one by one on the writer thread), one with
// data-modifying CTEs on PostgreSQL. Arguments: [`issue_args`].
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

static ISSUE_SQLITE_TEXT: LazyLock<String> = LazyLock::new(|| joined(&ISSUE_SQLITE));

/// The "issued" event of a document: its id and detail.
fn issued_event(s: &Sealed) -> (Uuid, String) {
    (new_id(), serde_json::json!({"number": s.number}).to_string())
}

/// The arguments of [`ISSUE_SQLITE`] and [`ISSUE_POSTGRES`], for every path.
fn issue_args<'a>(
    company_id: Uuid,
    id: Uuid,
    plan: &IssuePlan,
    s: &'a Sealed,
    kind: DocumentKind,
    event: &'a (Uuid, String),
) -> [Val<'a>; 17] {
    [
        company_id.into(),
        id.into(),
        (&s.number).into(),
        plan.facts.issue_date.into(),
        plan.facts.due_date.into(),
        s.chain_seq.into(),
        (&s.prev_seal).into(),
        (&s.net).into(),
        (&s.vat_total).into(),
        (&s.gross).into(),
        s.at.into(),
        kind.issued_status().as_str().into(),
        (&s.content).into(),
        (&s.seal).into(),
        kind.as_str().into(),
        event.0.into(),
        (&event.1).into(),
    ]
}

/// Issues inside a transaction the caller commits (also used by the data generator).
pub async fn issue_in(tx: &mut Tx, company_id: Uuid, kind: DocumentKind, id: Uuid, today: Date) -> Result<()> {
    let sql = match tx.backend() {
        crate::Backend::Sqlite => CONTEXT_SQLITE.as_str(),
        crate::Backend::Postgres => CONTEXT_POSTGRES.as_str(),
    };
    let ctx: Option<IssueContext> =
        on_conn!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(company_id).bind(id).fetch_optional(c).await?);
    let Ready { doc, mut chain, plan, has_parents } = IssueContext::plan(ctx, kind, today)?;
    let plan = plan.issuable()?;
    let seqs = draw_numbers_in(tx, company_id, kind, std::slice::from_ref(&plan)).await?;
    let seq = seqs.first().copied().ok_or_else(|| StoreError::Write("no number was drawn".into()))?;
    let sealed = chain.seal(company_id, &plan, seq, now())?;

    if kind == DocumentKind::CreditNote {
        settle_invoice(tx, company_id, &doc, &plan, &sealed).await?;
    }

    let sql = match tx.backend() {
        crate::Backend::Sqlite => ISSUE_SQLITE_TEXT.as_str(),
        crate::Backend::Postgres => ISSUE_POSTGRES,
    };
    let event = issued_event(&sealed);
    let args = issue_args(company_id, id, &plan, &sealed, kind, &event);
    let written = on_conn!(tx, |c| bind_vals!(sqlx::query(sqlx::AssertSqlSafe(sql)), &args).execute(c).await.map(drop));
    written.map_err(|e| sealed.write_error(e.into()))?;
    if kind == DocumentKind::DeliveryNote {
        crate::pipeline::take_out_of_stock(tx, company_id, &doc).await?;
    }
    if has_parents {
        crate::pipeline::after_issue(tx, company_id, kind, id).await?;
    }
    Ok(())
}

/// A credit note settles its invoice in the transaction that issues it: the invoice is
/// credited (never beyond its gross amount), and what it had been paid beyond what is
/// left due goes to the customer's credit.
async fn settle_invoice(
    tx: &mut Tx,
    company_id: Uuid,
    doc: &DocumentRecord,
    plan: &IssuePlan,
    sealed: &Sealed,
) -> Result<()> {
    let (id, totals) = (doc.id, &plan.totals);
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
        sqlx::query(
            "UPDATE documents SET credited = $3, due = $4, status = $5, updated_at = $6 WHERE company_id = $1 AND id = $2",
        )
        .bind(company_id)
        .bind(parent_id)
        .bind(credited.to_string())
        .bind(after.due.to_string())
        .bind(after.status.as_str())
        .bind(sealed.at)
        .execute(c)
        .await?;
    });
    if to_credit > Decimal::ZERO {
        add_credit(tx, company_id, inv.content.customer_id, to_credit, inv.content.currency, id).await?;
    }
    let detail = serde_json::json!({"credit_note": sealed.number, "amount": totals.gross.to_string()});
    event(tx, company_id, parent_id, "credited", detail).await
}

/// What a credit note gives back beyond what its invoice still owed, as the customer's credit.
async fn add_credit(
    tx: &mut Tx,
    company_id: Uuid,
    customer_id: Uuid,
    amount: Decimal,
    currency: Currency,
    credit_note_id: Uuid,
) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO customer_credits (id, company_id, customer_id, amount, currency, source_kind, source_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'credit_note', $6, $7)",
        )
        .bind(new_id())
        .bind(company_id)
        .bind(customer_id)
        .bind(amount.to_string())
        .bind(currency.code())
        .bind(credit_note_id)
        .bind(now())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Whether [`issue_on`] can issue a document of this kind by itself: a credit note
/// settles its invoice and a delivery note takes goods out of stock, which only
/// [`issue_in`] does.
fn issues_on_writer(kind: DocumentKind) -> bool {
    !matches!(kind, DocumentKind::CreditNote | DocumentKind::DeliveryNote)
}

/// [`issue_in`] on the SQLite writer thread, for the kinds of [`issues_on_writer`]: the
/// same plan, statements and arguments, then the issued row read back. `None` when the
/// draft was made from other documents, whose state must follow it
/// (`pipeline::after_issue`): nothing was written, and the caller issues it through
/// [`issue_in`].
fn issue_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    kind: DocumentKind,
    id: Uuid,
    today: Date,
) -> Result<Option<ReadBack>> {
    let ctx = crate::writer::query_opt(c, &CONTEXT_SQLITE, &[company_id.into(), id.into()], IssueContext::from_sqlite)?;
    let Ready { mut chain, plan, has_parents, .. } = IssueContext::plan(ctx, kind, today)?;
    let plan = plan.issuable()?;
    if has_parents {
        return Ok(None);
    }
    let seq = draw_number_on(c, company_id, &plan)?;
    let sealed = chain.seal(company_id, &plan, seq, now())?;
    let event = issued_event(&sealed);
    let args = issue_args(company_id, id, &plan, &sealed, kind, &event);
    for sql in ISSUE_SQLITE {
        crate::writer::execute(c, sql, &args).map_err(|e| sealed.write_error(e))?;
    }
    read_back(c, company_id, kind, id)
}

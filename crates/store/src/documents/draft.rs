//! Drafts: inserted, updated and deleted, never numbered nor sealed. A new draft is
//! written by one set of statements and one argument list on every path: sqlx on
//! PostgreSQL (one statement), sqlx on SQLite (the same statements as one text) and the
//! SQLite writer thread (the same statements one by one, see [`crate::writer`]).

use super::content::content_json;
use super::record::{DocumentRecord, ReadBack, event, lock_document, read_back, read_in, set_status};
use crate::writer::{Val, bind_vals};
use crate::{Result, Stamp, Store, StoreError, Tx, family, new_id, now, on_conn};
use facturier_core::document::{Content, DocumentKind, LifecycleError, Status};
use facturier_core::lifecycle::{self, Action};
use facturier_core::message::Message;
use time::Date;
use uuid::Uuid;

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
        if !lifecycle::allows(kind, current.status, Action::Update) {
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
            .bind(draft_json(content))
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
        if !lifecycle::allows(kind, current.status, Action::Delete) {
            return Err(LifecycleError::NotDraft(current.status.as_str()).into());
        }
        release_parents(&mut tx, company_id, id).await?;
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
}

/// Before a draft is deleted: a quote converted into it alone becomes accepted again.
async fn release_parents(tx: &mut Tx, company_id: Uuid, child_id: Uuid) -> Result<()> {
    for (parent, pk) in family::parents(tx, company_id, child_id).await? {
        if pk != DocumentKind::Quote {
            continue;
        }
        let quote = read_in(tx, company_id, parent).await?;
        let others =
            family::children(tx, company_id, parent).await?.into_iter().filter(|(c, _)| *c != child_id).count();
        if quote.status == Status::Converted && others == 0 {
            set_status(tx, company_id, parent, Status::Accepted).await?;
            event(tx, company_id, parent, "conversion_undone", serde_json::json!({})).await?;
        }
    }
    Ok(())
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
        return Err(no_customer());
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

/// The stored content of a draft: it shows the parties and settings as they are now,
/// never another document's snapshot (only issuing seals one).
fn draft_json(content: &Content) -> String {
    if content.parties.is_some() || content.printed.is_some() {
        content_json(&Content { parties: None, printed: None, ..content.clone() })
    } else {
        content_json(content)
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
        NewDraft {
            id: new_id(),
            event_id: new_id(),
            at,
            doc_date: content.issue_date.unwrap_or(at.instant().date()),
            json: draft_json(content),
            currency: content.currency.code().to_string(),
            customer_id: content.customer_id,
            net: t.net.to_string(),
            vat_total: t.vat_total.to_string(),
            gross: t.gross.to_string(),
            search_text: content.search_text(),
        }
    }

    /// The arguments of [`DRAFT_SQLITE`] and [`DRAFT_POSTGRES`], for every path.
    fn args(&self, company_id: Uuid, kind: DocumentKind, parent_id: Option<Uuid>) -> [Val<'_>; 14] {
        [
            self.id.into(),
            company_id.into(),
            kind.as_str().into(),
            self.customer_id.into(),
            parent_id.into(),
            (&self.currency).into(),
            self.doc_date.into(),
            (&self.json).into(),
            (&self.net).into(),
            (&self.vat_total).into(),
            (&self.gross).into(),
            self.at.into(),
            self.event_id.into(),
            (&self.search_text).into(),
        ]
    }

    /// The arguments of [`LINK_SQL`] linking the draft to its parent.
    fn link_args<'a>(&self, company_id: Uuid, parent: Uuid, relation: &'a str) -> [Val<'a>; 5] {
        [company_id.into(), parent.into(), self.id.into(), relation.into(), self.at.into()]
    }
}

// The draft, inserted only if the customer is the company's, and its "created" event. On
// SQLite two statements, sent as one text through sqlx (`$N` numbers the arguments
// across it) and one by one on the writer thread; on PostgreSQL one statement with a
// data-modifying CTE. Arguments: [`NewDraft::args`].
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

static DRAFT_SQLITE_TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| joined(&DRAFT_SQLITE));

/// The statements of a multi-statement text as one text for sqlx.
pub(super) fn joined(statements: &[&str]) -> String {
    statements.join("; ")
}

fn no_customer() -> StoreError {
    StoreError::Invalid { field: "customer_id".into(), message: Message::new("no_such_customer") }
}

fn no_product(i: usize) -> StoreError {
    StoreError::Invalid { field: format!("lines[{i}].product_id"), message: Message::new("no_such_product") }
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
    let sql = match tx.backend() {
        crate::Backend::Sqlite => DRAFT_SQLITE_TEXT.as_str(),
        crate::Backend::Postgres => DRAFT_POSTGRES,
    };
    let args = d.args(company_id, kind, parent_id);
    let inserted = on_conn!(tx, |c| {
        bind_vals!(sqlx::query(sqlx::AssertSqlSafe(sql)), &args).execute(c).await?.rows_affected()
    });
    if inserted == 0 {
        return Err(no_customer());
    }
    if let Some((parent, relation)) = link {
        let args = d.link_args(company_id, parent, relation);
        on_conn!(tx, |c| {
            bind_vals!(sqlx::query(LINK_SQL), &args).execute(c).await?;
        });
    }
    Ok(d.id)
}

/// [`insert_draft_in`] on the SQLite writer thread: the same statements and arguments, in
/// the writer's transaction, then the new row read back (see [`read_back`]).
fn insert_draft_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    kind: DocumentKind,
    d: &NewDraft,
    products: &[(usize, Uuid)],
    link: Option<(Uuid, &str)>,
    parent_id: Option<Uuid>,
) -> Result<ReadBack> {
    insert_new_on(c, company_id, kind, d, products, link, parent_id)?;
    read_back(c, company_id, kind, d.id)?.ok_or(StoreError::NotFound("document"))
}

/// The statements of [`insert_draft_on`], without the read back.
fn insert_new_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    kind: DocumentKind,
    d: &NewDraft,
    products: &[(usize, Uuid)],
    link: Option<(Uuid, &str)>,
    parent_id: Option<Uuid>,
) -> Result<()> {
    use crate::writer::{execute, query_opt};
    for &(i, pid) in products {
        if query_opt(c, PRODUCT_SQL, &[company_id.into(), pid.into()], |_| Ok(()))?.is_none() {
            return Err(no_product(i));
        }
    }
    let args = d.args(company_id, kind, parent_id);
    let mut inserted = 0;
    for sql in DRAFT_SQLITE {
        inserted += execute(c, sql, &args)?;
    }
    if inserted == 0 {
        return Err(no_customer());
    }
    if let Some((parent, relation)) = link {
        execute(c, LINK_SQL, &d.link_args(company_id, parent, relation))?;
    }
    Ok(())
}

/// A new draft made ready before the write turn (its totals, stored JSON and search text
/// computed on the caller's thread), for [`insert_prepared_on`].
pub(crate) struct PreparedDraft {
    d: NewDraft,
    products: Vec<(usize, Uuid)>,
}

impl PreparedDraft {
    pub(crate) fn new(content: &Content) -> PreparedDraft {
        let products = content.lines.iter().enumerate().filter_map(|(i, l)| l.product_id.map(|p| (i, p))).collect();
        PreparedDraft { d: NewDraft::new(content), products }
    }
}

/// Inserts a prepared draft on the SQLite writer thread, as [`insert_draft_in`] does
/// through sqlx (the same statements and checks): its id.
pub(crate) fn insert_prepared_on(
    c: &rusqlite::Connection,
    company_id: Uuid,
    kind: DocumentKind,
    p: &PreparedDraft,
) -> Result<Uuid> {
    insert_new_on(c, company_id, kind, &p.d, &p.products, None, None)?;
    Ok(p.d.id)
}

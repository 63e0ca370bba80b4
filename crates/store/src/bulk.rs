//! Bulk loading for large data sets (benchmarks, migrations from another tool): many
//! rows per statement and many statements per transaction.
//!
//! Issued invoices go through the issue plan of `documents::plan`, as a draft issued one
//! at a time does: the chain head of `seal_chains` is locked first, every invoice is
//! planned in order (issue and due dates from `core`'s `check_issue`, the currency, both
//! parties and the printed settings sealed into its content, `core::compliance`) before
//! any number is drawn, numbers come from `number_sequences` (one statement per run of
//! one numbering period instead of one per invoice) and each seal links onto the chain
//! as `verify` recomputes it. Only the writes differ: many rows per `INSERT`. A batch is
//! one transaction: it is issued whole or not at all.

use crate::documents::plan::{Chain, Issuer, Planned, Sealed, draw_numbers_in};
use crate::{Result, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, Status, apply_payment, settle};
use facturier_core::message::Message;
use facturier_core::party::{Customer, fold};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::collections::BTreeSet;
use std::str::FromStr;
use time::Date;
use uuid::Uuid;

/// Rows per multi-row `INSERT` for documents (17 bound values a row).
const DOCUMENT_ROWS: usize = 200;
/// Rows per multi-row `INSERT` for narrow tables (events, payments, customers).
const NARROW_ROWS: usize = 500;
/// Ids per `IN (…)` list when checking that referenced rows belong to the company.
const ID_LIST: usize = 500;

/// A payment received on a bulk-issued invoice, at most its gross amount.
#[derive(Clone, Debug)]
pub struct BulkPayment {
    pub amount: Decimal,
    pub date: Date,
    pub method: String,
    pub reference: Option<String>,
}

/// An invoice to issue in bulk: its content (with its issue date) and an optional payment.
#[derive(Clone, Debug)]
pub struct BulkInvoice {
    pub content: Content,
    pub payment: Option<BulkPayment>,
}

/// An invoice a bulk call issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkIssued {
    pub id: Uuid,
    pub number: String,
    pub status: Status,
}

/// `(p, p, …), (p, p, …)` for `rows` rows of `row`, where each `?` of `row` becomes the
/// next placeholder after the `shared` ones (`$1`…`$shared`, written as-is in `row`).
fn values(row: &str, shared: usize, rows: usize) -> String {
    let mut out = String::with_capacity(rows * (row.len() + 40));
    let mut n = shared;
    for i in 0..rows {
        if i > 0 {
            out.push_str(", ");
        }
        for ch in row.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
    }
    out
}

fn invalid(field: &str, message: Message) -> StoreError {
    StoreError::Invalid { field: field.into(), message }
}

/// Checks that every id of `ids` is a row of `table` owned by the company.
async fn check_owned(tx: &mut Tx, table: &'static str, company_id: Uuid, ids: &BTreeSet<Uuid>) -> Result<()> {
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    for chunk in ids.chunks(ID_LIST) {
        let sql =
            format!("SELECT count(*) FROM {table} WHERE company_id = $1 AND id IN ({})", values("?", 1, chunk.len()));
        let (found,): (i64,) = on_conn!(tx, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_one(&mut *c).await?
        });
        if usize::try_from(found).ok() != Some(chunk.len()) {
            let field = if table == "customers" { "customer_id" } else { "product_id" };
            return Err(invalid(field, Message::new("not_found").with("what", &table[..table.len() - 1])));
        }
    }
    Ok(())
}

/// The customers of a batch, read once: each must belong to the company.
async fn owned_customers(
    tx: &mut Tx,
    company_id: Uuid,
    ids: &BTreeSet<Uuid>,
) -> Result<std::collections::HashMap<Uuid, Customer>> {
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ID_LIST) {
        let sql =
            format!("SELECT id, data FROM customers WHERE company_id = $1 AND id IN ({})", values("?", 1, chunk.len()));
        let rows: Vec<(Uuid, String)> = on_conn!(tx, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(&mut *c).await?
        });
        if rows.len() != chunk.len() {
            return Err(invalid("customer_id", Message::new("no_such_customer")));
        }
        for (id, data) in rows {
            let customer: Customer =
                serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("customer {id}: {e}")))?;
            out.insert(id, customer);
        }
    }
    Ok(out)
}

/// One row of `document_events`.
struct Event {
    document_id: Uuid,
    name: &'static str,
    detail: String,
}

/// One row of `payments`.
struct PaymentRow {
    id: Uuid,
    document_id: Uuid,
    amount: String,
    applied: String,
    date: Date,
    method: String,
    reference: Option<String>,
}

/// An issued invoice ready to insert: its plan's values, its seal and its payment's effect.
struct DocRow<'a> {
    id: Uuid,
    status: Status,
    content: &'a Content,
    issue_date: Date,
    due_date: Date,
    paid: String,
    due: String,
    sealed: Sealed,
}

impl Store {
    /// Adds many customers in one transaction; returns their ids in input order.
    pub async fn bulk_insert_customers(&self, company_id: Uuid, customers: &[Customer]) -> Result<Vec<Uuid>> {
        let at = now();
        let rows: Vec<(Uuid, &Customer, String)> = customers
            .iter()
            .map(|c| {
                // The same `data` text as `insert_customer`: the customer as JSON.
                serde_json::to_string(c).map(|data| (new_id(), c, data)).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect::<Result<_>>()?;
        let mut tx = self.begin().await?;
        for chunk in rows.chunks(NARROW_ROWS) {
            let sql = format!(
                "INSERT INTO customers (id, company_id, name, activity_folded, data, search_text, created_at, updated_at, \
                 sort_name, sort_city) VALUES {}",
                values("(?, $1, ?, ?, ?, ?, $2, $2, ?, ?)", 2, chunk.len())
            );
            on_conn!(&mut tx, |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(at);
                for (id, cu, data) in chunk {
                    q = q
                        .bind(*id)
                        .bind(&cu.name)
                        .bind(cu.activity.as_deref().map(fold))
                        .bind(data)
                        .bind(cu.search_text())
                        .bind(fold(cu.name.trim()))
                        .bind(fold(cu.billing_address.city.trim()));
                }
                q.execute(&mut *c).await?;
            });
        }
        tx.commit().await?;
        Ok(rows.into_iter().map(|(id, _, _)| id).collect())
    }

    /// Issues many invoices in one transaction, in the order given: each gets the next
    /// legal number of its period and is sealed onto the company's invoice chain, then its
    /// payment (if any) is recorded. Issue dates must not go backwards (numbers follow
    /// dates) nor pass `today`; a payment may not exceed the invoice's gross amount.
    pub async fn bulk_issue_invoices(
        &self,
        company_id: Uuid,
        today: Date,
        batch: &[BulkInvoice],
    ) -> Result<Vec<BulkIssued>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let kind = DocumentKind::Invoice;
        let mut tx = self.begin().await?;

        let customers: BTreeSet<Uuid> = batch.iter().map(|b| b.content.customer_id).collect();
        let customers = owned_customers(&mut tx, company_id, &customers).await?;
        let products: BTreeSet<Uuid> =
            batch.iter().flat_map(|b| b.content.lines.iter().filter_map(|l| l.product_id)).collect();
        check_owned(&mut tx, "products", company_id, &products).await?;

        // The issue plan, as for one draft: the chain head locked first, then every
        // invoice planned in order (dates, currency, sealed parties and printed settings,
        // the e-invoicing rules) before any number is drawn.
        let mut chain = Chain::lock_in(&mut tx, company_id, kind).await?;
        let issuer = Issuer::read_in(&mut tx, company_id).await?;
        let mut plans = Vec::with_capacity(batch.len());
        for b in batch {
            let doc = Planned { id: new_id(), kind, parent_id: None, content: &b.content };
            plans.push(chain.plan(&issuer, customers.get(&b.content.customer_id), doc, today)?.issuable()?);
        }
        let seqs = draw_numbers_in(&mut tx, company_id, kind, &plans).await?;

        let at = now();
        let mut docs = Vec::with_capacity(batch.len());
        let mut events = Vec::with_capacity(batch.len() * 3);
        let mut payments = Vec::new();
        let mut issued = Vec::with_capacity(batch.len());
        for ((b, plan), seq) in batch.iter().zip(&plans).zip(&seqs) {
            let (id, f, totals) = (plan.id, &plan.facts, &plan.totals);
            let (applied, after) = match &b.payment {
                None => (Decimal::ZERO, settle(totals.gross, Decimal::ZERO, Decimal::ZERO)),
                Some(p) => {
                    if p.date < f.issue_date || p.date > today {
                        return Err(invalid(
                            "payment.date",
                            Message::new("between_issue_date_today").with("d", p.date),
                        ));
                    }
                    let (applied, excess) = apply_payment(Status::Issued, totals.gross, p.amount)?;
                    if excess > Decimal::ZERO || p.amount <= Decimal::ZERO {
                        return Err(invalid(
                            "payment.amount",
                            Message::new("within_invoice").with("amount", p.amount).with("gross", totals.gross),
                        ));
                    }
                    (applied, settle(totals.gross, applied, Decimal::ZERO))
                }
            };
            let sealed = chain.seal(company_id, plan, *seq, at)?;
            events.push(Event { document_id: id, name: "created", detail: "{}".into() });
            events.push(Event {
                document_id: id,
                name: "issued",
                detail: serde_json::json!({ "number": sealed.number }).to_string(),
            });
            if let Some(p) = &b.payment {
                payments.push(PaymentRow {
                    id: new_id(),
                    document_id: id,
                    amount: p.amount.to_string(),
                    applied: applied.to_string(),
                    date: p.date,
                    method: p.method.clone(),
                    reference: p.reference.clone(),
                });
                events.push(Event {
                    document_id: id,
                    name: "payment_recorded",
                    detail: serde_json::json!({"amount": p.amount.to_string(), "applied": applied.to_string(), "to_credit": "0", "method": p.method}).to_string(),
                });
            }
            issued.push(BulkIssued { id, number: sealed.number.clone(), status: after.status });
            docs.push(DocRow {
                id,
                status: after.status,
                content: &b.content,
                issue_date: f.issue_date,
                due_date: f.due_date,
                paid: applied.to_string(),
                due: after.due.to_string(),
                sealed,
            });
        }

        for chunk in docs.chunks(DOCUMENT_ROWS) {
            let sql = format!(
                "INSERT INTO documents (id, company_id, kind, status, number, customer_id, parent_id, currency, doc_date, \
                 issue_date, due_date, content, net, vat_total, gross, paid, credited, due, chain_seq, prev_seal, seal, \
                 created_at, updated_at, issued_at, search_text) VALUES {}",
                values(
                    "(?, $1, $2, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0', ?, ?, ?, ?, $3, $3, $3, ?)",
                    3,
                    chunk.len()
                )
            );
            on_conn!(&mut tx, |c| {
                let mut q =
                    sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(kind.as_str()).bind(at);
                for d in chunk {
                    let r = &d.sealed;
                    q = q
                        .bind(d.id)
                        .bind(d.status.as_str())
                        .bind(&r.number)
                        .bind(d.content.customer_id)
                        .bind(d.content.currency.code())
                        .bind(d.issue_date)
                        .bind(d.issue_date)
                        .bind(d.due_date)
                        .bind(&r.content)
                        .bind(&r.net)
                        .bind(&r.vat_total)
                        .bind(&r.gross)
                        .bind(&d.paid)
                        .bind(&d.due)
                        .bind(r.chain_seq)
                        .bind(&r.prev_seal)
                        .bind(&r.seal)
                        .bind(d.content.search_text());
                }
                q.execute(&mut *c).await.map(|_| ())
            })
            .map_err(|e| match StoreError::from(e) {
                e if e.is_unique_violation() => StoreError::Conflict(Message::new("number_batch_already_exists")),
                e => e,
            })?;
        }
        for chunk in payments.chunks(NARROW_ROWS) {
            let sql = format!(
                "INSERT INTO payments (id, company_id, document_id, amount, applied, paid_on, method, reference, created_at) VALUES {}",
                values("(?, $1, ?, ?, ?, ?, ?, ?, $2)", 2, chunk.len())
            );
            on_conn!(&mut tx, |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(at);
                for p in chunk {
                    q = q
                        .bind(p.id)
                        .bind(p.document_id)
                        .bind(&p.amount)
                        .bind(&p.applied)
                        .bind(p.date)
                        .bind(&p.method)
                        .bind(&p.reference);
                }
                q.execute(&mut *c).await?;
            });
        }
        if !payments.is_empty() {
            // Each payment is also a payment of its customer (0020), with the same id, so
            // that it is listed and can be cancelled like one recorded through the API.
            on_conn!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO customer_payments (id, company_id, customer_id, kind, currency, amount, to_credit, \
                     paid_on, method, reference, status, created_at) \
                     SELECT p.id, p.company_id, d.customer_id, 'receipt', d.currency, p.amount, '0', p.paid_on, \
                     p.method, p.reference, 'recorded', p.created_at FROM payments p \
                     JOIN documents d ON d.company_id = p.company_id AND d.id = p.document_id \
                     WHERE p.company_id = $1 AND p.payment_id IS NULL",
                )
                .bind(company_id)
                .execute(&mut *c)
                .await?;
                sqlx::query("UPDATE payments SET payment_id = id WHERE company_id = $1 AND payment_id IS NULL")
                    .bind(company_id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        for chunk in events.chunks(NARROW_ROWS) {
            let sql = format!(
                "INSERT INTO document_events (id, company_id, document_id, at, event, detail) VALUES {}",
                values("(?, $1, ?, $2, ?, ?)", 2, chunk.len())
            );
            on_conn!(&mut tx, |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(at);
                for e in chunk {
                    q = q.bind(new_id()).bind(e.document_id).bind(e.name).bind(&e.detail);
                }
                q.execute(&mut *c).await?;
            });
        }

        chain.save_in(&mut tx, company_id, kind).await?;
        // Indexed with the batch, as they were stored: a bulk load is one transaction per
        // thousand documents already, and must not leave them queued for the writer.
        crate::search_index::index_all_queued_in(&mut tx).await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// Refreshes the planner's statistics (`ANALYZE`), as PostgreSQL's autovacuum
    /// would after a large load and as `PRAGMA optimize` does on SQLite.
    pub async fn analyze(&self) -> Result<()> {
        match self {
            Store::Sqlite(p, _) => {
                sqlx::query("ANALYZE").execute(p).await?;
            }
            Store::Postgres(p) => {
                sqlx::query("ANALYZE").execute(p).await?;
            }
        }
        Ok(())
    }

    /// Every customer id of a company, in id order (the benchmark reopening a kept data set).
    pub async fn customer_ids(&self, company_id: Uuid) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> =
            on_pool!(self, |c| sqlx::query_as("SELECT id FROM customers WHERE company_id = $1 ORDER BY id")
                .bind(company_id)
                .fetch_all(c)
                .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Bytes the database takes on disk (SQLite: the main file, without its WAL).
    pub async fn database_size(&self) -> Result<i64> {
        let (n,): (i64,) = match self {
            Store::Sqlite(p, _) => {
                sqlx::query_as("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
                    .fetch_one(p)
                    .await?
            }
            Store::Postgres(p) => sqlx::query_as("SELECT pg_database_size(current_database())").fetch_one(p).await?,
        };
        Ok(n)
    }
}

/// A PostgreSQL database name we create and drop ourselves: lower-case letters, digits, `_`.
fn check_db_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid("database", Message::new("plain_database_name").with("v", format!("{name:?}"))))
    }
}

/// `admin_url` with its database replaced by `name` (query parameters kept).
pub fn database_url(admin_url: &str, name: &str) -> Result<String> {
    check_db_name(name)?;
    let bad = || invalid("database_url", Message::new("not_a_postgres_url").with("v", format!("{admin_url:?}")));
    let scheme_end = admin_url.find("://").ok_or_else(bad)? + 3;
    let (base, query) = match admin_url.find('?') {
        Some(q) => admin_url.split_at(q),
        None => (admin_url, ""),
    };
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |k| scheme_end + k);
    Ok(format!("{}/{name}{query}", &base[..host_end]))
}

/// Creates an empty PostgreSQL database `name` on the server of `admin_url` and returns
/// its URL. For benchmarks and tests that need a database of their own.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String> {
    check_db_name(name)?;
    let mut conn = PgConnectOptions::from_str(admin_url)?.connect().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
    conn.close().await?;
    database_url(admin_url, name)
}

/// Drops a database made by [`create_postgres_database`], closing its sessions.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<()> {
    check_db_name(name)?;
    let mut conn = PgConnectOptions::from_str(admin_url)?.connect().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::documents::{ChainReport, DocumentRecord};
    use facturier_core::company::Seller;
    use facturier_core::document::LifecycleError;
    use facturier_core::document::Line;
    use facturier_core::money::Currency;
    use facturier_core::party::{Address, CustomerKind, Language, LegalIds};
    use facturier_core::tax::Vat;
    use facturier_core::terms::PaymentTerms;
    use time::macros::date;

    pub(crate) fn customer(name: &str) -> Customer {
        Customer {
            kind: CustomerKind::Company,
            name: name.into(),
            email: None,
            activity: Some("Électricité".into()),
            // A French business is named by its SIREN on its invoices (core::compliance).
            legal: LegalIds { siren: "732829320".parse().ok(), ..LegalIds::default() },
            iban: None,
            billing_address: Address {
                line1: "1 rue de la Paix".into(),
                line2: None,
                postal_code: "75002".into(),
                city: "Paris".into(),
                country: "FR".parse().unwrap(),
            },
            delivery_address: None,
            contacts: vec![],
            language: Language::Fr,
            currency: None,
            payment_terms: None,
            tags: vec![],
            notes: None,
            invoice_grouping: Default::default(),
            contract_billing: Default::default(),
            network: None,
        }
    }

    /// Gives a company the identity an invoice needs before it can be issued.
    pub(crate) async fn give_identity(store: &Store, company_id: Uuid) {
        let mut s = store.settings(company_id).await.unwrap();
        s.identity = Some(Seller {
            legal_form: Some("SARL".into()),
            share_capital: Some(Decimal::from(10_000)),
            rcs_city: Some("Paris".into()),
            siren: "552100554".parse().ok(),
            vat_number: "FR96552100554".parse().ok(),
            address: Address {
                line1: "3 rue du Louvre".into(),
                line2: None,
                postal_code: "75001".into(),
                city: "Paris".into(),
                country: "FR".parse().unwrap(),
            },
            ..Seller::bare("Test SARL", "FR".parse().unwrap())
        });
        store.set_settings(company_id, &s).await.unwrap();
    }

    fn content(customer_id: Uuid, date: Date, rates: &[&str]) -> Content {
        Content {
            issue_date: Some(date),
            payment_terms: PaymentTerms::Days(30),
            lines: rates
                .iter()
                .map(|r| {
                    let vat = Vat::new(r.parse().unwrap(), None).unwrap();
                    Line::item(format!("Prestation à {r} %"), Decimal::from(3), Decimal::new(12_345, 2), vat)
                })
                .collect(),
            ..Content::new(customer_id, Currency::EUR)
        }
    }

    /// Bulk issuing and the ordinary path share one chain and one numbering.
    async fn chains_with_the_ordinary_path(store: &Store) {
        store.migrate().await.unwrap();
        let company =
            store.create_company("Bulk SARL", &"FR".parse().unwrap(), Currency::EUR, "b@bulk.fr").await.unwrap();
        let cid = company.company_id;
        give_identity(store, cid).await;
        let ids = store.bulk_insert_customers(cid, &[customer("Alpha"), customer("Beta")]).await.unwrap();
        assert_eq!(ids.len(), 2);
        let found = store
            .list_customers(
                cid,
                &crate::customers::CustomerFilter {
                    q: Some("electricite beta".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(found.0.len(), 1);

        let today = date!(2026 - 01 - 10);
        let c = content(ids[0], date!(2025 - 12 - 30), &["20", "5.5"]);
        let gross = c.totals().gross;
        let paid = BulkInvoice {
            content: c,
            payment: Some(BulkPayment {
                amount: gross,
                date: date!(2026 - 01 - 05),
                method: "cheque".into(),
                reference: None,
            }),
        };
        let part = BulkInvoice {
            payment: Some(BulkPayment {
                amount: Decimal::from(10),
                date: date!(2026 - 01 - 02),
                method: "bank_transfer".into(),
                reference: None,
            }),
            content: content(ids[1], date!(2025 - 12 - 31), &["10", "2.1"]),
        };
        let open = BulkInvoice { content: content(ids[1], date!(2026 - 01 - 02), &["20"]), payment: None };
        let done = store.bulk_issue_invoices(cid, today, &[paid, part, open]).await.unwrap();
        let numbers: Vec<&str> = done.iter().map(|d| d.number.as_str()).collect();
        assert_eq!(numbers, ["F2025-00001", "F2025-00002", "F2026-00001"]);
        let statuses: Vec<Status> = done.iter().map(|d| d.status).collect();
        assert_eq!(statuses, [Status::Paid, Status::PartiallyPaid, Status::Issued]);
        let rec = store.document(cid, DocumentKind::Invoice, done[1].id).await.unwrap();
        assert_eq!((rec.paid, rec.payments.len()), (Decimal::from(10), 1));
        assert_eq!(rec.due(), rec.content.totals().gross - Decimal::from(10));
        // Sealed as `issue` seals: both parties and the printed settings of the day, so a later
        // change of the customer or of the settings never rewrites what was issued.
        let parties = rec.content.parties.as_ref().expect("the parties are sealed");
        let buyer = store.customer(cid, ids[1]).await.unwrap().customer;
        assert_eq!((parties.buyer.name.as_str(), parties.seller.siren.is_some()), (buyer.name.as_str(), true));
        assert!(rec.content.printed.is_some(), "the printed settings are sealed");

        // The ordinary path continues the same chain and sequence.
        let draft = store
            .insert_draft(cid, DocumentKind::Invoice, &content(ids[0], date!(2026 - 01 - 03), &["20"]), None)
            .await
            .unwrap();
        let issued = store.issue(cid, DocumentKind::Invoice, draft.id, today).await.unwrap();
        assert_eq!(issued.number.as_deref(), Some("F2026-00002"));
        let more = BulkInvoice { content: content(ids[0], date!(2026 - 01 - 04), &["20"]), payment: None };
        let done = store.bulk_issue_invoices(cid, today, &[more]).await.unwrap();
        assert_eq!(done[0].number, "F2026-00003");
        assert_eq!(store.verify_chain(cid).await.unwrap(), ChainReport::Intact { documents: 5 });

        // Numbers follow dates, payments stay within the invoice, strangers' customers are refused:
        // each refusal leaves nothing behind.
        let late = BulkInvoice { content: content(ids[0], date!(2026 - 01 - 01), &["20"]), payment: None };
        assert!(matches!(
            store.bulk_issue_invoices(cid, today, &[late]).await,
            Err(StoreError::Lifecycle(LifecycleError::BeforeLastIssued { .. }))
        ));
        let c = content(ids[0], date!(2026 - 01 - 05), &["20"]);
        let over = c.totals().gross + Decimal::ONE;
        let overpaid = BulkInvoice {
            content: c,
            payment: Some(BulkPayment {
                amount: over,
                date: date!(2026 - 01 - 05),
                method: "cheque".into(),
                reference: None,
            }),
        };
        assert!(store.bulk_issue_invoices(cid, today, &[overpaid]).await.is_err());
        let other =
            store.create_company("Autre SAS", &"FR".parse().unwrap(), Currency::EUR, "o@autre.fr").await.unwrap();
        let theirs = store.bulk_insert_customers(other.company_id, &[customer("Gamma")]).await.unwrap();
        let stranger = BulkInvoice { content: content(theirs[0], date!(2026 - 01 - 05), &["20"]), payment: None };
        assert!(matches!(store.bulk_issue_invoices(cid, today, &[stranger]).await, Err(StoreError::Invalid { .. })));
        // An invoice the e-invoicing rules refuse (a rate no longer in force) stops its
        // batch before a number is drawn: the next invoice takes the next number.
        let ok = BulkInvoice { content: content(ids[0], date!(2026 - 01 - 05), &["20"]), payment: None };
        let odd = BulkInvoice { content: content(ids[1], date!(2026 - 01 - 05), &["19.6"]), payment: None };
        match store.bulk_issue_invoices(cid, today, &[ok.clone(), odd]).await {
            Err(StoreError::NotIssuable(p)) => {
                assert_eq!(p[0].code, facturier_core::compliance::Code::VatRateNotFrench);
                assert_eq!(p[0].line, Some(0));
            }
            other => panic!("expected NotIssuable, got {other:?}"),
        }
        assert_eq!(store.bulk_issue_invoices(cid, today, &[ok]).await.unwrap()[0].number, "F2026-00004");
        assert_eq!(store.verify_chain(cid).await.unwrap(), ChainReport::Intact { documents: 6 });
        // Each bulk payment is a payment of its customer too: listed, and it can be cancelled.
        let filter =
            crate::payments::PaymentFilter { customer_id: None, q: None, from: None, to: None, limit: 50, after: None };
        let (listed, _) = store.list_payments(cid, &filter).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|p| p.allocations.len() == 1 && p.status == "recorded"));
        store.cancel_payment(cid, listed[0].id, "test").await.unwrap();
        assert_eq!(store.verify_chain(cid).await.unwrap(), ChainReport::Intact { documents: 6 });
    }

    /// The three ways an invoice is issued — `Store::issue` (on SQLite the writer
    /// thread), `issue_in` inside a caller's transaction (sqlx) and the bulk loader —
    /// take turns on one chain and one numbering, and seal the same content: the same
    /// parties, printed settings and terms, so that a bulk-issued invoice and one issued
    /// through the API are the same invoice but for their number, dates and ids.
    async fn bulk_and_single_issue_agree(store: &Store) {
        store.migrate().await.unwrap();
        let company =
            store.create_company("Accord SARL", &"FR".parse().unwrap(), Currency::EUR, "a@accord.fr").await.unwrap();
        let cid = company.company_id;
        give_identity(store, cid).await;
        let mut settings = store.settings(cid).await.unwrap();
        settings.documents.default_terms = Some("Conditions générales de vente".into());
        store.set_settings(cid, &settings).await.unwrap();
        let ids = store.bulk_insert_customers(cid, &[customer("Alpha")]).await.unwrap();
        let today = date!(2026 - 02 - 10);
        // One content (the same lines, with their ids) issued on four days by turns.
        let base = content(ids[0], date!(2026 - 02 - 01), &["20", "5.5", "10"]);
        let on = |day: Date| Content { issue_date: Some(day), ..base.clone() };
        let by_issue = |day: Date| async move {
            let draft = store.insert_draft(cid, DocumentKind::Invoice, &on(day), None).await.unwrap();
            store.issue(cid, DocumentKind::Invoice, draft.id, today).await.unwrap()
        };
        let by_issue_in = |day: Date| async move {
            let draft = store.insert_draft(cid, DocumentKind::Invoice, &on(day), None).await.unwrap();
            let mut tx = store.begin().await.unwrap();
            crate::documents::issue_in(&mut tx, cid, DocumentKind::Invoice, draft.id, today).await.unwrap();
            tx.commit().await.unwrap();
            store.document(cid, DocumentKind::Invoice, draft.id).await.unwrap()
        };
        let by_bulk = |day: Date| async move {
            let done = store
                .bulk_issue_invoices(cid, today, &[BulkInvoice { content: on(day), payment: None }])
                .await
                .unwrap();
            store.document(cid, DocumentKind::Invoice, done[0].id).await.unwrap()
        };
        let issued: Vec<DocumentRecord> = vec![
            by_issue(date!(2026 - 02 - 01)).await,
            by_bulk(date!(2026 - 02 - 02)).await,
            by_issue_in(date!(2026 - 02 - 03)).await,
            by_bulk(date!(2026 - 02 - 04)).await,
            by_issue(date!(2026 - 02 - 05)).await,
        ];
        let numbers: Vec<&str> = issued.iter().filter_map(|r| r.number.as_deref()).collect();
        assert_eq!(numbers, ["F2026-00001", "F2026-00002", "F2026-00003", "F2026-00004", "F2026-00005"]);
        assert_eq!(store.verify_chain(cid).await.unwrap(), ChainReport::Intact { documents: 5 });

        let first = &issued[0];
        let parties = first.content.parties.as_ref().expect("the parties are sealed");
        assert_eq!(parties.buyer.name, "Alpha");
        assert_eq!(parties.seller.siren, "552100554".parse().ok());
        assert!(first.content.printed.is_some(), "the printed settings are sealed");
        assert_eq!(first.content.terms.as_deref(), Some("Conditions générales de vente"));
        for rec in &issued[1..] {
            // The whole sealed content, but for the issue date each was given.
            let day = rec.content.issue_date;
            assert_eq!(rec.content, Content { issue_date: day, ..first.content.clone() }, "{:?}", rec.number);
            assert_eq!((rec.status, rec.due(), rec.credited), (Status::Issued, first.due(), Decimal::ZERO));
            assert_eq!(
                rec.due_date.zip(rec.issue_date).map(|(d, i)| d - i),
                first.due_date.zip(first.issue_date).map(|(d, i)| d - i)
            );
        }

        // A numbering whose numbers an e-invoice refuses (BR-FR-02: no dot) is refused by
        // every path before a number is drawn (the bulk loader once skipped this check).
        store.set_numbering(cid, DocumentKind::Invoice, &"F.{YYYY}.{SEQ:5}".parse().unwrap(), true).await.unwrap();
        let codes = |r: Result<()>| match r {
            Err(StoreError::NotIssuable(p)) => p.into_iter().map(|p| p.code).collect::<Vec<_>>(),
            other => panic!("expected NotIssuable, got {other:?}"),
        };
        let day = date!(2026 - 02 - 06);
        let draft = store.insert_draft(cid, DocumentKind::Invoice, &on(day), None).await.unwrap();
        let one = store.issue(cid, DocumentKind::Invoice, draft.id, today).await.map(drop);
        let bulk = [BulkInvoice { content: on(day), payment: None }];
        let many = store.bulk_issue_invoices(cid, today, &bulk).await.map(drop);
        assert_eq!(codes(one), [facturier_core::compliance::Code::NumberFormat]);
        assert_eq!(codes(many), [facturier_core::compliance::Code::NumberFormat]);
        assert_eq!(store.verify_chain(cid).await.unwrap(), ChainReport::Intact { documents: 5 });
    }

    #[tokio::test]
    async fn bulk_and_single_issue_agree_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("facturier-agree-{}", new_id().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        bulk_and_single_issue_agree(&store).await;
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn bulk_and_single_issue_agree_on_postgres() {
        let admin =
            std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("facturier_agree_{}", new_id().simple());
        let url = create_postgres_database(&admin, &name).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        bulk_and_single_issue_agree(&store).await;
        store.close().await;
        drop_postgres_database(&admin, &name).await.unwrap();
    }

    #[tokio::test]
    async fn bulk_issuing_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("facturier-bulk-{}", new_id().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        chains_with_the_ordinary_path(&store).await;
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn bulk_issuing_on_postgres() {
        let admin =
            std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("facturier_bulk_{}", new_id().simple());
        let url = create_postgres_database(&admin, &name).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        chains_with_the_ordinary_path(&store).await;
        store.close().await;
        drop_postgres_database(&admin, &name).await.unwrap();
    }

    #[test]
    fn placeholders_follow_the_shared_ones() {
        assert_eq!(values("(?, $1, ?)", 1, 2), "($2, $1, $3), ($4, $1, $5)");
    }

    #[test]
    fn database_urls_keep_host_and_options() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "bench_1").unwrap(),
            "postgres://postgres@127.0.0.1:5432/bench_1"
        );
        assert_eq!(database_url("postgres://u@h/db?sslmode=disable", "x").unwrap(), "postgres://u@h/x?sslmode=disable");
        assert_eq!(database_url("postgres://u@h", "x").unwrap(), "postgres://u@h/x");
        assert!(database_url("postgres://u@h/db", "x; DROP").is_err());
    }
}

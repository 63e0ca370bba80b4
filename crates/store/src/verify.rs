//! `facturier verify`: every seal chain re-checked, and every column a page, a list, the
//! dashboard or an export shows for an issued document proven equal to what its sealed
//! content gives (or, for `paid`, to its payments).
//!
//! The columns stay beside the content so that lists and the dashboard never parse
//! contents row by row; this is what makes reading them safe. Documents sealed since
//! issue 18 carry a copy of their number, dates, customer, currency, parent and instant
//! of issue inside the sealed content (`documents::SealedColumns`), so a column changed
//! in the database is named; for older ones those columns are covered by the seal
//! itself, and a change shows as a broken seal. `docs/security.md` ("Sealed figures")
//! lists every column and how it is protected.

use crate::documents::{COLS, ChainReport, Row, SealedDocument};
use crate::files::{FileProblem, FilesReport};
use crate::sql::{Arg, Sql};
use crate::{Result, Store, bind_args, on_pool};
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status, settle};
use facturier_core::seal;
use std::collections::HashMap;
use uuid::Uuid;

/// How many documents of a chain are read at once.
const BATCH: i64 = 2000;

/// An issued row with the figure columns [`COLS`] leaves out.
#[derive(sqlx::FromRow)]
struct CheckedRow {
    #[sqlx(flatten)]
    row: Row,
    net: String,
    vat_total: String,
    due: String,
}

/// What the payments and issued credit notes of a batch of documents add up to; an
/// entry is an error when a stored amount is not a decimal.
type Sums = HashMap<Uuid, std::result::Result<Decimal, String>>;

fn add(sums: &mut Sums, id: Uuid, parsed: std::result::Result<Decimal, String>) {
    let entry = sums.entry(id).or_insert(Ok(Decimal::ZERO));
    *entry = match (entry.clone(), parsed) {
        (Ok(sum), Ok(a)) => Ok(sum + a),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
}

/// A stored column next to the value it must hold.
fn differs(column: &str, stored: &str, expected: &str, source: &str) -> String {
    format!("column {column} holds {stored:?}, but {source} gives {expected:?}")
}

/// Compares a stored amount to the one it must equal (as numbers: `100.0` is `100.00`).
fn amount(column: &str, stored: &str, expected: Decimal, source: &str) -> Option<String> {
    match stored.parse::<Decimal>() {
        Ok(v) if v == expected => None,
        _ => Some(differs(column, stored, &expected.to_string(), source)),
    }
}

/// The first column of an issued document that disagrees with its sealed content, its
/// payments (`paid`) or its issued credit notes (`credited`), as the reason `verify` gives.
fn disagreement(
    kind: DocumentKind,
    c: &CheckedRow,
    sealed: &SealedDocument,
    paid: &std::result::Result<Decimal, String>,
    credited: &std::result::Result<Decimal, String>,
) -> Option<String> {
    const SEALED: &str = "its sealed content";
    let r = &c.row;
    let status: Option<Status> = r.status.parse().ok();
    if status.is_none_or(|s| s == Status::Draft) {
        return Some(format!("column status holds {:?}, but the document was issued and sealed", r.status));
    }
    let text = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    if let Some(s) = &sealed.columns {
        let checks: [(&str, String, String); 7] = [
            ("number", r.number.clone().unwrap_or_default(), s.number.clone()),
            ("issue_date", text(r.issue_date), s.issue_date.to_string()),
            ("due_date", text(r.due_date), s.due_date.to_string()),
            ("customer_id", r.customer_id.to_string(), s.customer_id.to_string()),
            ("currency", r.currency.clone(), s.currency.clone()),
            (
                "parent_id",
                r.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                s.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            ),
            ("issued_at", r.issued_at.map(|a| a.text()).unwrap_or_default(), s.issued_at.clone()),
        ];
        if let Some((column, stored, expected)) = checks.into_iter().find(|(_, a, b)| a != b) {
            return Some(differs(column, &stored, &expected, SEALED));
        }
    }
    // The date lists sort and filter by is the issue date once issued.
    let issue_date = sealed.columns.as_ref().map(|s| s.issue_date).or(r.issue_date);
    if Some(r.doc_date) != issue_date {
        return Some(differs("doc_date", &r.doc_date.to_string(), &text(issue_date), SEALED));
    }
    let t = &sealed.totals;
    let figures = [("net", &c.net, t.net), ("vat_total", &c.vat_total, t.vat_total), ("gross", &r.gross, t.gross)];
    if let Some(reason) =
        figures.into_iter().find_map(|(column, stored, expected)| amount(column, stored, expected, SEALED))
    {
        return Some(reason);
    }
    let (paid, credited) = match (paid, credited) {
        (Ok(p), Ok(c)) => (*p, *c),
        (Err(e), _) | (_, Err(e)) => return Some(e.clone()),
    };
    if let Some(reason) = amount("paid", &r.paid, paid, "its payments add up to what")
        .or_else(|| amount("credited", &r.credited, credited, "its issued credit notes' sealed totals add up to what"))
    {
        return Some(reason);
    }
    let settled = settle(t.gross, paid, credited);
    if let Some(reason) = amount("due", &c.due, settled.due, "its sealed total less payments and credit notes") {
        return Some(reason);
    }
    if kind.is_payable() && status != Some(settled.status) {
        return Some(differs(
            "status",
            &r.status,
            settled.status.as_str(),
            "its sealed total, payments and credit notes",
        ));
    }
    None
}

impl Store {
    /// Re-checks every seal chain of a company: each issued document's seal must equal
    /// SHA-256(previous seal, canonical content), in chain order, up to the recorded head;
    /// each column shown for it must equal what its sealed content gives (`paid`: its
    /// payments); and no document outside a chain may claim to be issued.
    pub async fn verify_chain(&self, company_id: Uuid) -> Result<ChainReport> {
        let mut total = 0u64;
        for kind in DocumentKind::ALL {
            let (head, length): (String, i64) = on_pool!(self, |c| {
                sqlx::query_as("SELECT head, length FROM seal_chains WHERE company_id = $1 AND kind = $2")
                    .bind(company_id)
                    .bind(kind.as_str())
                    .fetch_one(c)
                    .await?
            });
            let mut prev = seal::GENESIS.to_string();
            let mut expected_seq = 1i64;
            loop {
                let sql = format!(
                    "SELECT {COLS}, net, vat_total, due FROM documents WHERE company_id = $1 AND kind = $2 \
                     AND chain_seq >= $3 AND chain_seq <= $4 ORDER BY chain_seq LIMIT {BATCH}"
                );
                // Up to the length read above: documents a running server issues meanwhile
                // belong to the next check (each commits with its chain's head).
                let rows: Vec<CheckedRow> = on_pool!(self, |c| {
                    sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                        .bind(company_id)
                        .bind(kind.as_str())
                        .bind(expected_seq)
                        .bind(length)
                        .fetch_all(c)
                        .await?
                });
                if rows.is_empty() {
                    break;
                }
                let ids: Vec<Uuid> = rows.iter().map(|c| c.row.id).collect();
                let (payments, credits) = if kind.is_payable() {
                    (self.payments_of(company_id, &ids).await?, self.credits_of(company_id, &ids).await?)
                } else {
                    (Sums::new(), Sums::new())
                };
                for c in rows {
                    let r = &c.row;
                    let broken =
                        |reason: String| ChainReport::Broken { kind, id: Some(r.id), number: r.number.clone(), reason };
                    if r.chain_seq != Some(expected_seq) {
                        return Ok(broken(format!("document {expected_seq} of the chain is missing")));
                    }
                    if r.prev_seal.as_deref() != Some(prev.as_str()) {
                        return Ok(broken(
                            "its predecessor's seal does not match (a document was removed or altered)".into(),
                        ));
                    }
                    let sealed = match SealedDocument::read(r) {
                        Ok(s) => s,
                        Err(e) => return Ok(broken(format!("its content cannot be read: {e}"))),
                    };
                    let s = seal::seal(&prev, &sealed.canonical(company_id, r));
                    if r.seal.as_deref() != Some(s.as_str()) {
                        return Ok(broken(match sealed.columns {
                            Some(_) => "its content no longer matches its seal (altered after issue)".into(),
                            None => "its content, or one of its sealed columns (number, issue_date, due_date, \
                                     customer_id, currency, gross, parent_id), no longer matches its seal \
                                     (altered after issue)"
                                .into(),
                        }));
                    }
                    let zero = Ok(Decimal::ZERO);
                    let paid = payments.get(&r.id).unwrap_or(&zero);
                    let credited = credits.get(&r.id).unwrap_or(&zero);
                    if let Some(reason) = disagreement(kind, &c, &sealed, paid, credited) {
                        return Ok(broken(reason));
                    }
                    prev = s;
                    expected_seq += 1;
                    total += 1;
                }
            }
            // Documents past the length read first: issued since by a running server (the
            // head, read after them, covers them) or written behind the chain's back.
            let (beyond,): (Option<i64>,) = on_pool!(self, |c| {
                sqlx::query_as("SELECT MAX(chain_seq) FROM documents WHERE company_id = $1 AND kind = $2")
                    .bind(company_id)
                    .bind(kind.as_str())
                    .fetch_one(c)
                    .await?
            });
            let (now_length,): (i64,) = on_pool!(self, |c| {
                sqlx::query_as("SELECT length FROM seal_chains WHERE company_id = $1 AND kind = $2")
                    .bind(company_id)
                    .bind(kind.as_str())
                    .fetch_one(c)
                    .await?
            });
            let reason = match beyond.filter(|&b| b > now_length.max(length)) {
                Some(b) => Some(format!("documents up to {b} are in the chain but it records {now_length}")),
                None => (expected_seq - 1 != length || prev != head)
                    .then(|| format!("the chain holds {} documents but {length} were issued", expected_seq - 1)),
            };
            if let Some(reason) = reason {
                return Ok(ChainReport::Broken { kind, id: None, number: None, reason });
            }
            // A row outside the chain must be a draft: lists and the dashboard count every
            // other status as issued.
            let unsealed: Option<(Uuid, Option<String>, String)> = on_pool!(self, |c| {
                sqlx::query_as(
                    "SELECT id, number, status FROM documents WHERE company_id = $1 AND kind = $2 \
                     AND chain_seq IS NULL AND status <> 'draft' LIMIT 1",
                )
                .bind(company_id)
                .bind(kind.as_str())
                .fetch_optional(c)
                .await?
            });
            if let Some((id, number, status)) = unsealed {
                return Ok(ChainReport::Broken {
                    kind,
                    id: Some(id),
                    number,
                    reason: format!("column status holds {status:?}, but the document was never issued nor sealed"),
                });
            }
        }
        Ok(ChainReport::Intact { documents: total })
    }

    /// What the payments recorded on each of these documents add up to (`applied`).
    async fn payments_of(&self, company_id: Uuid, ids: &[Uuid]) -> Result<Sums> {
        let mut q = Sql::new("SELECT document_id, applied FROM payments WHERE status = 'recorded' AND company_id = ");
        q.bind(Arg::Uuid(company_id)).push(" AND document_id IN ").bind_ids(ids.iter().copied());
        let rows: Vec<(Uuid, String)> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        let mut sums = Sums::new();
        for (id, applied) in rows {
            let parsed =
                applied.parse().map_err(|_| format!("a payment's applied amount {applied:?} is not an amount"));
            add(&mut sums, id, parsed);
        }
        Ok(sums)
    }

    /// What the issued credit notes of each of these invoices add up to: their totals as
    /// their sealed contents give them (a changed `gross` column of a credit note is
    /// named when its own chain is checked, not blamed on its invoice).
    async fn credits_of(&self, company_id: Uuid, ids: &[Uuid]) -> Result<Sums> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM documents WHERE company_id = "));
        q.bind(Arg::Uuid(company_id))
            .push(" AND kind = 'credit_note' AND chain_seq IS NOT NULL AND parent_id IN ")
            .bind_ids(ids.iter().copied());
        let rows: Vec<Row> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        let mut sums = Sums::new();
        for r in rows {
            // Counted for the invoice its seal names (a changed `parent_id` column is named
            // when the credit note's own chain is checked).
            let (parent, gross) = match SealedDocument::read(&r) {
                Ok(s) => (s.columns.as_ref().map_or(r.parent_id, |c| c.parent_id), Ok(s.totals.gross)),
                Err(e) => {
                    let number = r.number.as_deref().unwrap_or("?");
                    (r.parent_id, Err(format!("its credit note {number} cannot be read: {e}")))
                }
            };
            if let Some(parent) = parent {
                add(&mut sums, parent, gross);
            }
        }
        Ok(sums)
    }
}

/// How many stored files are read at once (their bytes come along).
const FILE_BATCH: i64 = 200;

/// A stored file with its document, as `verify` reads it.
#[derive(sqlx::FromRow)]
struct CheckedFile {
    document_id: Uuid,
    format: String,
    bytes: Vec<u8>,
    sha256: String,
    size: i64,
    chain_seq: i64,
    document_seal: String,
    prev_seal: String,
    seal: String,
    kind: String,
    number: Option<String>,
    current_seal: Option<String>,
}

/// What is wrong with one stored file, `prev` being the seal of the file before it
/// (`None` when that file is named already: its change explains the link).
fn file_problem(f: &CheckedFile, expected_seq: i64, prev: Option<&str>) -> Option<String> {
    if f.chain_seq != expected_seq {
        return Some(format!("file {expected_seq} of the file chain is missing (a stored file was removed)"));
    }
    let actual = crate::files::sha256_hex(&f.bytes);
    if actual != f.sha256 {
        return Some(format!("its bytes changed after they were stored (SHA-256 {actual}, {} when stored)", f.sha256));
    }
    if usize::try_from(f.size).ok() != Some(f.bytes.len()) {
        return Some(format!("column size holds {}, but the file has {} bytes", f.size, f.bytes.len()));
    }
    if prev.is_some_and(|p| f.prev_seal != p) {
        return Some("its predecessor's file seal does not match (a stored file was removed or altered)".into());
    }
    if crate::files::file_seal(&f.prev_seal, &f.document_seal, &f.format, &f.sha256) != f.seal {
        return Some(
            "its file seal no longer matches its hash, format and document (altered after it was stored)".into(),
        );
    }
    if f.current_seal.as_deref() != Some(f.document_seal.as_str()) {
        return Some("it was stored for another content than the document's sealed content".into());
    }
    None
}

impl Store {
    /// Re-checks every stored file of a company's issued documents: the hash of its
    /// bytes, the file chain (each seal over its predecessor, its document's content seal,
    /// its format and its hash, up to the recorded head) and that its document's seal is
    /// still the one it was stored for. Every changed file is named, not only the first;
    /// issued documents without files yet are counted apart (not a failure).
    pub async fn verify_files(&self, company_id: Uuid) -> Result<FilesReport> {
        let mut report = FilesReport::default();
        let chain: Option<(String, i64)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT head, length FROM file_chains WHERE company_id = $1")
                .bind(company_id)
                .fetch_optional(c)
                .await?
        });
        // The chain as recorded now: a server running beside `verify` may store more files
        // meanwhile (they commit with the head, so every file up to `length` is there), and
        // those belong to the next check, not to this one.
        let (head, length) = chain.unwrap_or_else(|| (seal::GENESIS.to_string(), 0));
        let mut prev = seal::GENESIS.to_string();
        let mut prev_named = false;
        let mut expected_seq = 1i64;
        loop {
            let rows: Vec<CheckedFile> = on_pool!(self, |c| {
                sqlx::query_as(
                    "SELECT f.document_id, f.format, f.bytes, f.sha256, f.size, f.chain_seq, f.document_seal, \
                     f.prev_seal, f.seal, d.kind, d.number, d.seal AS current_seal \
                     FROM document_files f JOIN documents d ON d.company_id = f.company_id AND d.id = f.document_id \
                     WHERE f.company_id = $1 AND f.chain_seq >= $2 AND f.chain_seq <= $4 ORDER BY f.chain_seq LIMIT $3",
                )
                .bind(company_id)
                .bind(expected_seq)
                .bind(FILE_BATCH)
                .bind(length)
                .fetch_all(c)
                .await?
            });
            let Some(last) = rows.last().map(|f| f.chain_seq) else { break };
            for f in &rows {
                let problem = file_problem(f, expected_seq, (!prev_named).then_some(prev.as_str()));
                prev_named = problem.is_some();
                if let Some(reason) = problem {
                    report.changed.push(FileProblem {
                        kind: f.kind.parse().ok(),
                        document_id: Some(f.document_id),
                        number: f.number.clone(),
                        format: f.format.clone(),
                        reason,
                    });
                }
                // Each file is checked against the seal stored before it, so that one
                // changed file is named alone rather than every file after it.
                prev = f.seal.clone();
                expected_seq = f.chain_seq + 1;
                report.files += 1;
            }
            expected_seq = expected_seq.max(last + 1);
        }
        // Files past the length read first are either stored since by a running server
        // (the head has grown with them: read after them, it covers them) or put there
        // behind the chain's back.
        let (beyond,): (Option<i64>,) = on_pool!(self, |c| {
            sqlx::query_as("SELECT MAX(chain_seq) FROM document_files WHERE company_id = $1")
                .bind(company_id)
                .fetch_one(c)
                .await?
        });
        let (now_length,): (i64,) = on_pool!(self, |c| {
            sqlx::query_as("SELECT COALESCE(MAX(length), 0) FROM file_chains WHERE company_id = $1")
                .bind(company_id)
                .fetch_one(c)
                .await?
        });
        let beyond = beyond.filter(|&b| b > now_length.max(length));
        // The recorded head names the last file stored: files removed from the end of the
        // chain show here (a last file whose seal changed is named above already).
        let last_named = prev_named;
        let reason = if let Some(b) = beyond {
            Some(format!("files up to {b} are stored but the file chain records {now_length} (files added outside it)"))
        } else if expected_seq - 1 != length {
            Some(format!(
                "the file chain ends at file {} but {length} files were stored (files removed from its end)",
                expected_seq - 1
            ))
        } else if prev != head && !last_named {
            Some("the file chain's recorded head is not its last file's seal (a stored file was altered)".to_string())
        } else {
            None
        };
        if let Some(reason) = reason {
            report.changed.push(FileProblem {
                kind: None,
                document_id: None,
                number: None,
                format: String::new(),
                reason,
            });
        }
        const WITHOUT_PDF: &str = "FROM documents d WHERE d.company_id = $1 AND d.chain_seq IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM document_files f WHERE f.company_id = d.company_id \
             AND f.document_id = d.id AND f.format = 'pdf')";
        let count = format!("SELECT COUNT(*) {WITHOUT_PDF}");
        let first = format!("SELECT d.kind, d.number {WITHOUT_PDF} ORDER BY d.issued_at, d.id LIMIT 20");
        let (missing,): (i64,) = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(count.as_str()))
            .bind(company_id)
            .fetch_one(c)
            .await?);
        report.not_rendered = u64::try_from(missing).unwrap_or_default();
        if missing > 0 {
            let sample: Vec<(String, Option<String>)> =
                on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(first.as_str()))
                    .bind(company_id)
                    .fetch_all(c)
                    .await?);
            report.not_rendered_sample = sample
                .into_iter()
                .filter_map(|(kind, number)| Some((kind.parse().ok()?, number.unwrap_or_default())))
                .collect();
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stamp;
    use crate::bulk::tests::customer;
    use crate::bulk::{create_postgres_database, drop_postgres_database};
    use crate::documents::{DocumentRecord, NewPayment};
    use facturier_core::document::{Content, Line};
    use facturier_core::money::Currency;
    use facturier_core::tax::Vat;
    use facturier_core::terms::PaymentTerms;
    use time::Date;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 31);

    fn content(customer_id: Uuid, day: Date, price: i64) -> Content {
        let vat = Vat::new(Decimal::from(20), None).unwrap();
        Content {
            issue_date: Some(day),
            payment_terms: PaymentTerms::Days(30),
            lines: vec![Line::item("Pose", Decimal::ONE, Decimal::from(price), vat)],
            ..Content::new(customer_id, Currency::EUR)
        }
    }

    async fn issued(store: &Store, company: Uuid, kind: DocumentKind, c: Content, parent: Option<Uuid>) -> Uuid {
        let draft = store.insert_draft(company, kind, &c, parent).await.unwrap();
        store.issue(company, kind, draft.id, TODAY).await.unwrap().id
    }

    /// A value written straight into a column, as someone with access to the database would.
    #[derive(Clone, Debug)]
    enum V {
        T(String),
        D(Date),
        U(Uuid),
        S(Stamp),
    }

    fn t(s: impl ToString) -> V {
        V::T(s.to_string())
    }

    async fn set(store: &Store, id: Uuid, column: &str, v: &V) -> Result<()> {
        let sql = format!("UPDATE documents SET {column} = $1 WHERE id = $2");
        on_pool!(store, |c| {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            let q = match v.clone() {
                V::T(x) => q.bind(x),
                V::D(x) => q.bind(x),
                V::U(x) => q.bind(x),
                V::S(x) => q.bind(x),
            };
            q.bind(id).execute(c).await?;
        });
        Ok(())
    }

    /// A company with an invoice partly paid, an invoice partly credited, its credit note
    /// and a draft; the records as issued.
    struct Books {
        company: Uuid,
        alpha: Uuid,
        beta: Uuid,
        paid: DocumentRecord,
        credited: DocumentRecord,
        credit_note: DocumentRecord,
        draft: Uuid,
    }

    async fn books(store: &Store) -> Books {
        store.migrate().await.unwrap();
        let company = store
            .create_company("Sceau SARL", &"FR".parse().unwrap(), Currency::EUR, "s@sceau.fr")
            .await
            .unwrap()
            .company_id;
        crate::bulk::tests::give_identity(store, company).await;
        let alpha = store.insert_customer(company, &customer("Alpha")).await.unwrap().id;
        let beta = store.insert_customer(company, &customer("Beta")).await.unwrap().id;
        let inv = DocumentKind::Invoice;
        let paid = issued(store, company, inv, content(alpha, date!(2026 - 03 - 02), 100), None).await;
        let payment =
            NewPayment { amount: Decimal::from(50), date: date!(2026 - 03 - 10), method: "cheque", reference: None };
        store.add_payment(company, inv, paid, payment).await.unwrap();
        let credited = issued(store, company, inv, content(beta, date!(2026 - 03 - 05), 200), None).await;
        let cn = DocumentKind::CreditNote;
        let credit_note = issued(store, company, cn, content(beta, date!(2026 - 03 - 06), 50), Some(credited)).await;
        let draft = store.insert_draft(company, inv, &content(alpha, TODAY, 10), None).await.unwrap().id;
        Books {
            company,
            alpha,
            beta,
            paid: store.document(company, inv, paid).await.unwrap(),
            credited: store.document(company, inv, credited).await.unwrap(),
            credit_note: store.document(company, cn, credit_note).await.unwrap(),
            draft,
        }
    }

    async fn every_shown_column_is_proven_by_verify(store: &Store) {
        let b = books(store).await;
        let intact = ChainReport::Intact { documents: 3 };
        assert_eq!(store.verify_chain(b.company).await.unwrap(), intact);

        // The dashboard reads the stored columns: untouched, they are the sealed figures.
        let sales = store.sales_since(b.company, date!(2026 - 01 - 01)).await.unwrap();
        let net_of =
            |customer: Uuid| -> Decimal { sales.iter().filter(|s| s.customer_id == customer).map(|s| s.net).sum() };
        assert_eq!(net_of(b.alpha), b.paid.content.totals().net);
        assert_eq!(net_of(b.beta), b.credited.content.totals().net - b.credit_note.content.totals().net);
        assert_eq!((net_of(b.alpha), net_of(b.beta)), (Decimal::from(100), Decimal::from(150)));
        let open = store.receivables(b.company, None).await.unwrap();
        let due_of = |id: Uuid| open.iter().find(|r| r.id == id).map(|r| r.due);
        assert_eq!(due_of(b.paid.id), Some(b.paid.due()));
        assert_eq!(due_of(b.credited.id), Some(b.credited.due()));
        assert_eq!((b.paid.due(), b.credited.due()), (Decimal::from(70), Decimal::from(180)));

        // Each column changed in the database: verify names the document and the column,
        // and the database verifies again once the value is put back.
        let (p, tp) = (&b.paid, b.paid.content.totals());
        let issue_date = p.issue_date.unwrap();
        let issued_at = Stamp::from(p.issued_at.unwrap());
        let cases: Vec<(&DocumentRecord, &str, V, V)> = vec![
            (p, "net", t("1.00"), t(tp.net)),
            (p, "vat_total", t("0.20"), t(tp.vat_total)),
            (p, "gross", t("1.20"), t(tp.gross)),
            (p, "doc_date", V::D(date!(2026 - 03 - 03)), V::D(issue_date)),
            (p, "issue_date", V::D(date!(2026 - 03 - 03)), V::D(issue_date)),
            (p, "due_date", V::D(date!(2026 - 06 - 30)), V::D(p.due_date.unwrap())),
            (p, "number", t("F2026-09999"), t(p.number.clone().unwrap())),
            (p, "customer_id", V::U(b.beta), V::U(b.alpha)),
            (p, "currency", t("USD"), t("EUR")),
            (p, "issued_at", V::S(issued_at - time::Duration::days(1)), V::S(issued_at)),
            (p, "paid", t("120.00"), t(p.paid)),
            (p, "due", t("0"), t(p.due())),
            (p, "status", t("paid"), t(p.status.as_str())),
            (p, "status", t("draft"), t(p.status.as_str())),
            (&b.credited, "credited", t("0"), t(b.credited.credited)),
            (&b.credit_note, "gross", t("1.20"), t(b.credit_note.content.totals().gross)),
            (&b.credit_note, "parent_id", V::U(b.paid.id), V::U(b.credited.id)),
        ];
        for (doc, column, tampered, original) in cases {
            set(store, doc.id, column, &tampered).await.unwrap();
            match store.verify_chain(b.company).await.unwrap() {
                ChainReport::Broken { id, number, reason, .. } => {
                    assert_eq!(id, Some(doc.id), "{column}: {reason}");
                    if column != "number" {
                        assert_eq!(number, doc.number, "{column}: {reason}");
                    }
                    assert!(reason.starts_with(&format!("column {column} holds")), "{column}: {reason}");
                }
                intact => panic!("{column} changed to {tampered:?} went unnoticed: {intact:?}"),
            }
            set(store, doc.id, column, &original).await.unwrap();
            assert_eq!(store.verify_chain(b.company).await.unwrap(), intact, "{column} put back");
        }

        // A draft that claims to be issued, without number or seal.
        set(store, b.draft, "status", &t("issued")).await.unwrap();
        match store.verify_chain(b.company).await.unwrap() {
            ChainReport::Broken { id, reason, .. } => {
                assert_eq!(id, Some(b.draft));
                assert!(reason.contains("column status") && reason.contains("never issued"), "{reason}");
            }
            intact => panic!("a draft marked issued went unnoticed: {intact:?}"),
        }
    }

    /// A document sealed before its columns were copied into its content (an older
    /// database): its seal still verifies, and the figures are still checked.
    async fn a_chain_sealed_before_the_copy_still_verifies(store: &Store) {
        store.migrate().await.unwrap();
        let company = store
            .create_company("Ancien SARL", &"FR".parse().unwrap(), Currency::EUR, "a@ancien.fr")
            .await
            .unwrap()
            .company_id;
        crate::bulk::tests::give_identity(store, company).await;
        let alpha = store.insert_customer(company, &customer("Alpha")).await.unwrap().id;
        let id = issued(store, company, DocumentKind::Invoice, content(alpha, date!(2026 - 03 - 02), 100), None).await;
        // Rewritten as the previous version sealed it: no copy in the content, the seal
        // over the row's columns.
        let sql = format!("SELECT {COLS} FROM documents WHERE id = $1");
        let mut row: Row =
            on_pool!(store, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_one(c).await.unwrap());
        let mut value: serde_json::Value = serde_json::from_str(&row.content).unwrap();
        assert!(value.as_object_mut().unwrap().remove("issued").is_some(), "new seals copy the columns");
        row.content = value.to_string();
        let old_seal = seal::seal(seal::GENESIS, &SealedDocument::read(&row).unwrap().canonical(company, &row));
        set(store, id, "content", &t(&row.content)).await.unwrap();
        set(store, id, "seal", &t(&old_seal)).await.unwrap();
        on_pool!(store, |c| {
            sqlx::query("UPDATE seal_chains SET head = $1 WHERE company_id = $2 AND kind = 'invoice'")
                .bind(&old_seal)
                .bind(company)
                .execute(c)
                .await
                .map(drop)
                .unwrap()
        });
        assert_eq!(store.verify_chain(company).await.unwrap(), ChainReport::Intact { documents: 1 });

        set(store, id, "net", &t("1.00")).await.unwrap();
        let ChainReport::Broken { reason, .. } = store.verify_chain(company).await.unwrap() else {
            panic!("a changed net went unnoticed")
        };
        assert!(reason.starts_with("column net holds"), "{reason}");
        set(store, id, "net", &t("100.00")).await.unwrap();
        assert_eq!(store.verify_chain(company).await.unwrap(), ChainReport::Intact { documents: 1 });
        // Without a copy, a changed number breaks the seal itself.
        set(store, id, "number", &t("F2026-09999")).await.unwrap();
        let ChainReport::Broken { number, reason, .. } = store.verify_chain(company).await.unwrap() else {
            panic!("a changed number went unnoticed")
        };
        assert_eq!(number.as_deref(), Some("F2026-09999"));
        assert!(reason.contains("no longer matches its seal"), "{reason}");
    }

    async fn on_both(check: impl AsyncFn(&Store)) {
        let dir = std::env::temp_dir().join(format!("facturier-verify-{}", crate::new_id().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        check(&store).await;
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();

        let admin =
            std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("facturier_verify_{}", crate::new_id().simple());
        let url = create_postgres_database(&admin, &name).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        check(&store).await;
        store.close().await;
        drop_postgres_database(&admin, &name).await.unwrap();
    }

    #[tokio::test]
    async fn verify_names_every_shown_column_changed_in_the_database() {
        on_both(every_shown_column_is_proven_by_verify).await;
    }

    #[tokio::test]
    async fn documents_sealed_before_the_column_copy_still_verify() {
        on_both(a_chain_sealed_before_the_copy_still_verifies).await;
    }
}

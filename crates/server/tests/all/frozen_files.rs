//! Issued documents frozen byte for byte (issue 20), on SQLite and PostgreSQL: the files
//! are rendered once when a document is issued, stored and sealed, and every download
//! after that serves those bytes whatever changes; other issuing paths and documents
//! issued before files were stored get theirs from the server's worker; `verify` names a
//! stored file changed in the database.

use crate::common;

use common::{TestApp, each_db, line, png_logo};
use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, Line};
use facturier_core::money::Currency;
use facturier_core::party::{Address, Customer, CustomerKind, Language, LegalIds};
use facturier_core::tax::Vat;
use facturier_core::terms::PaymentTerms;
use facturier_store::Store;
use facturier_store::bulk::BulkInvoice;
use facturier_store::files::{FileFormat, FileOrigin};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// How many files an issued e-invoice is stored in (its PDF and its UBL flavours).
fn e_invoice_files() -> u64 {
    facturier_server::files::formats(DocumentKind::Invoice).len() as u64
}

/// A GET answered as bytes: status and body.
async fn fetch(app: &TestApp, path: &str) -> (u16, Vec<u8>) {
    let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.bytes().await.expect("body").to_vec())
}

/// The PDF and the UBL of an invoice as downloaded.
async fn downloads(app: &TestApp, id: &str) -> (Vec<u8>, Vec<u8>) {
    let (s1, pdf) = fetch(app, &format!("/invoices/{id}/pdf")).await;
    let (s2, ubl) = fetch(app, &format!("/invoices/{id}/ubl")).await;
    assert_eq!((s1, s2), (200, 200));
    (pdf, ubl)
}

/// Image XObjects in a PDF (krilla writes each object's dictionary uncompressed).
fn images_in(pdf: &[u8]) -> usize {
    let count = |needle: &[u8]| pdf.windows(needle.len()).filter(|w| *w == needle).count();
    count(b"/Subtype/Image") + count(b"/Subtype /Image")
}

async fn put_logo(app: &TestApp, bytes: &[u8]) {
    let r = app
        .http
        .request(Method::PUT, format!("{}/settings/logo", app.base))
        .bearer_auth(&app.token)
        .header("content-type", "image/png")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
}

/// Settings that change everything a document prints: identity, bank, legal terms, look,
/// Factur-X profile and default terms.
fn settings(n: u32, iban: &str, rate: &str, profile: &str, accent: &str, debits: bool) -> Value {
    json!({
        "identity": {
            "name": format!("Atelier Durand {n} SARL"), "legal_form": "SARL", "share_capital": format!("{n}0000"),
            "rcs_city": "Lyon", "siren": "732829320", "vat_number": "FR44732829320",
            "address": {"line1": format!("{n} quai Saint-Antoine"), "postal_code": "69002", "city": "Lyon", "country": "FR"},
            "email": format!("contact{n}@durand.fr"), "phone": format!("04 78 00 00 0{n}"),
        },
        "banks": [{"label": "Compte principal", "iban": iban, "bic": "AGRIFRPP", "default": true}],
        "legal": {"late_penalty_rate": rate, "early_payment_discount": format!("Escompte {rate} %"), "vat_on_debits": debits},
        "documents": {"accent": accent, "show_reference": debits, "show_discount": debits, "totals_on_every_page": debits,
                      "default_terms": format!("Conditions générales {n}"), "facturx_profile": profile},
    })
}

/// A company with its full identity and bank: what issuing an e-invoice needs.
async fn identified(app: &TestApp) {
    app.patch("/settings", settings(1, "FR7630006000011234567890189", "12", "en16931", "#204080", true))
        .await
        .assert_status(200);
}

async fn wait_until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn an_issued_invoice_is_served_as_stored_whatever_changes_after_it() {
    each_db(|app| async move {
        app.patch("/settings", settings(1, "FR7630006000011234567890189", "12", "en16931", "#204080", true))
            .await
            .assert_status(200);
        let customer = app.customer().await;
        let product = app
            .post("/products", json!({"reference": "REF-A", "name": "Lampe", "unit_price": "50", "vat_rate": "20"}))
            .await;
        let pid = product.assert_status(201)["id"].as_str().unwrap().to_string();
        let draft = app
            .post(
                "/invoices",
                json!({"customer_id": customer, "lines": [{"product_id": pid, "quantity": "2"}, line("Pose", "3", "45.50", "20")]}),
            )
            .await;
        let id = draft.assert_status(201)["id"].as_str().unwrap().to_string();
        let doc_id: Uuid = id.parse().unwrap();
        app.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(200);

        // The API answered after both files were stored, each sealed with its origin.
        let stored = app.store.document_files(app.company_id, doc_id).await.unwrap();
        let formats: Vec<FileFormat> = stored.iter().map(|f| f.format).collect();
        assert_eq!(formats, facturier_server::files::formats(DocumentKind::Invoice));
        assert!(formats.starts_with(&[FileFormat::Pdf, FileFormat::Ubl]), "{formats:?}");
        assert!(stored.iter().all(|f| f.origin == FileOrigin::Issue));
        assert!(stored.iter().all(|f| f.sha256 == facturier_store::files::sha256_hex(&f.bytes)));
        let (pdf, ubl) = downloads(&app, &id).await;
        assert!(pdf == stored[0].bytes, "the PDF downloaded is the one stored");
        assert!(stored.iter().any(|f| f.bytes == ubl), "the UBL downloaded is one stored");
        let (status, peppol) = fetch(&app, &format!("/invoices/{id}/ubl?flavor=peppol")).await;
        assert!(status == 200 && peppol == stored[1].bytes, "the Peppol UBL is the one stored");
        assert!(pdf.starts_with(b"%PDF-") && images_in(&pdf) == 0);
        assert!(String::from_utf8_lossy(&ubl).contains("FR7630006000011234567890189"));

        // Every setting changes, a logo comes, the product is renamed, a payment is
        // recorded and a credit note issued against the invoice.
        app.patch("/settings", settings(2, "FR1420041010050500013M02606", "3", "basic_wl", "#aa0000", false))
            .await
            .assert_status(200);
        put_logo(&app, &png_logo(120, 40)).await;
        app.patch(&format!("/products/{pid}"), json!({"reference": "REF-B", "name": "Lampe LED"}))
            .await
            .assert_status(200);
        app.post(&format!("/invoices/{id}/payments"), json!({"amount": "50.00", "date": "2026-12-01", "method": "cheque"}))
            .await
            .assert_status(200);
        let cn = app.post(&format!("/invoices/{id}/credit-note"), json!({"amount": "10.00"})).await;
        let cn_id = cn.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{cn_id}/issue"), json!({})).await.assert_status(200);

        let (pdf2, ubl2) = downloads(&app, &id).await;
        assert!(pdf2 == pdf, "the PDF (and its Factur-X XML) did not change by a byte");
        assert!(ubl2 == ubl, "the UBL did not change by a byte");
        assert_eq!(app.get(&format!("/invoices/{id}")).await.assert_status(200)["status"], "partially_paid");
        let again = app.store.document_files(app.company_id, doc_id).await.unwrap();
        assert_eq!(again.iter().map(|f| &f.seal).collect::<Vec<_>>(), stored.iter().map(|f| &f.seal).collect::<Vec<_>>());

        // The e-mail carries the stored PDF.
        app.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(202);
        let queued = app.store.claim_emails(10, Duration::from_secs(60)).await.unwrap();
        let attachment = queued.iter().find_map(|m| m.attachment.as_ref()).map(|(_, bytes)| bytes.clone());
        assert!(attachment.as_deref() == Some(&pdf[..]), "the attachment is the stored PDF");

        // A draft still follows today's settings: the logo, the new bank account.
        let draft = app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let draft_id = draft["id"].as_str().unwrap();
        let (status, draft_pdf) = fetch(&app, &format!("/invoices/{draft_id}/pdf")).await;
        assert_eq!((status, images_in(&draft_pdf)), (200, 1));
        assert!(app.store.document_files(app.company_id, draft_id.parse().unwrap()).await.unwrap().is_empty());
        // And so does the next document issued, from its own issue on.
        let next = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let (next_pdf, next_ubl) = downloads(&app, next["id"].as_str().unwrap()).await;
        assert_eq!(images_in(&next_pdf), 1);
        assert!(String::from_utf8_lossy(&next_ubl).contains("FR1420041010050500013M02606"));

        let report = app.store.verify_files(app.company_id).await.unwrap();
        let n = e_invoice_files();
        assert_eq!((report.files, report.changed.len(), report.not_rendered), (3 * n, 0, 0), "{report:?}");
    })
    .await;
}

#[tokio::test]
async fn concurrent_renders_of_one_file_leave_the_first_one_stored() {
    each_db(|app| async move {
        identified(&app).await;
        let customer = app.customer().await;
        let mut ids = Vec::new();
        for i in 0..4 {
            let draft = app.draft_invoice(&customer, &[line("Pose", "1", &format!("{}", 100 + i), "20")]).await;
            let id: Uuid = draft["id"].as_str().unwrap().parse().unwrap();
            // Issued by the store, as the demo or the bulk path do: no file yet.
            app.store
                .issue(app.company_id, DocumentKind::Invoice, id, time::OffsetDateTime::now_utc().date())
                .await
                .unwrap();
            ids.push(id);
        }
        // Eight writers per document at once, each with its own bytes.
        let mut tasks = tokio::task::JoinSet::new();
        for &id in &ids {
            for w in 0..8u8 {
                let (store, company) = (app.store.clone(), app.company_id);
                tasks.spawn(async move {
                    let bytes = format!("%PDF-writer {w} of {id}").into_bytes();
                    let got = store.store_document_files(company, id, vec![(FileFormat::Pdf, bytes)]).await.unwrap();
                    (id, got[0].bytes.clone())
                });
            }
        }
        let mut seen: std::collections::HashMap<Uuid, Vec<Vec<u8>>> = Default::default();
        while let Some(r) = tasks.join_next().await {
            let (id, bytes) = r.unwrap();
            seen.entry(id).or_default().push(bytes);
        }
        for &id in &ids {
            let got = &seen[&id];
            assert!(got.iter().all(|b| *b == got[0]), "every writer reads the first file stored");
            let stored = app.store.document_file(app.company_id, id, FileFormat::Pdf).await.unwrap().unwrap();
            assert_eq!(stored.bytes, got[0]);
            // Downloads, concurrent too, serve that one file and store nothing more.
            let path = format!("/invoices/{id}/pdf");
            let (a, b) = tokio::join!(fetch(&app, &path), fetch(&app, &path));
            assert_eq!((a.0, b.0), (200, 200));
            assert!(a.1 == stored.bytes && b.1 == stored.bytes);
        }
        // One row per document and format; the file chain in order.
        let report = app.store.verify_files(app.company_id).await.unwrap();
        assert!(report.changed.is_empty(), "{report:?}");
        assert_eq!(report.not_rendered, 0);
        let per_doc: Vec<usize> = {
            let mut v = Vec::new();
            for &id in &ids {
                v.push(app.store.document_files(app.company_id, id).await.unwrap().len());
            }
            v
        };
        // The PDF of each, and its UBL (rendered by a download or by the worker).
        let n = e_invoice_files();
        assert_eq!(per_doc, [n as usize; 4]);
        assert_eq!(report.files, 4 * n);
    })
    .await;
}

#[tokio::test]
async fn verify_names_every_document_whose_stored_file_changed() {
    each_db(|app| async move {
        identified(&app).await;
        let customer = app.customer().await;
        let a = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let b = app.issued_invoice(&customer, &[line("Pose", "2", "100", "20")]).await;
        let c = app.issued_invoice(&customer, &[line("Pose", "3", "100", "20")]).await;
        let clean = app.store.verify_files(app.company_id).await.unwrap();
        let n = e_invoice_files();
        assert_eq!((clean.files, clean.changed.len(), clean.not_rendered), (3 * n, 0, 0), "{clean:?}");

        // A stored file cannot be changed by mistake...
        let id_of = |v: &Value| v["id"].as_str().unwrap().parse::<Uuid>().unwrap();
        let tamper = |table_sql: &'static str, id: Uuid| {
            let store = app.store.clone();
            async move { raw(&store, table_sql, id).await }
        };
        assert!(
            tamper("UPDATE document_files SET bytes = substr(bytes, 1, 100) WHERE document_id = $1", id_of(&a))
                .await
                .is_err()
        );
        assert!(tamper("DELETE FROM document_files WHERE document_id = $1", id_of(&a)).await.is_err());
        // ...but someone with the database in hand can drop the guard: verify names what changed.
        let drop_guard = match app.backend {
            "sqlite" => "DROP TRIGGER document_files_never_change",
            _ => "DROP TRIGGER document_files_never_change ON document_files",
        };
        raw(&app.store, drop_guard, Uuid::nil()).await.unwrap();
        tamper(
            "UPDATE document_files SET bytes = substr(bytes, 1, 100) WHERE document_id = $1 AND format = 'pdf'",
            id_of(&a),
        )
        .await
        .unwrap();
        tamper(
            "UPDATE document_files SET sha256 = 'ab', seal = 'cd' WHERE document_id = $1 AND format = 'ubl'",
            id_of(&c),
        )
        .await
        .unwrap();
        let report = app.store.verify_files(app.company_id).await.unwrap();
        let named: Vec<(Option<&str>, &str)> =
            report.changed.iter().map(|p| (p.number.as_deref(), p.format.as_str())).collect();
        assert_eq!(named, [(a["number"].as_str(), "pdf"), (c["number"].as_str(), "ubl")], "{report:?}");
        assert!(report.changed[0].reason.contains("bytes changed"), "{}", report.changed[0].reason);
        assert!(!named.iter().any(|(n, _)| *n == b["number"].as_str()), "an untouched document is not named");
        // The content chain itself is intact: only the files changed.
        assert!(matches!(
            app.store.verify_chain(app.company_id).await.unwrap(),
            facturier_store::documents::ChainReport::Intact { documents: 3 }
        ));
    })
    .await;
}

/// Runs one statement binding `$1` to `id` (`Uuid::nil()` for none), as someone with
/// access to the database would.
async fn raw(store: &Store, sql: &'static str, id: Uuid) -> Result<(), sqlx::Error> {
    match store {
        Store::Sqlite(p, _) => {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql));
            let q = if sql.contains("$1") { q.bind(id) } else { q };
            q.execute(p).await.map(drop)
        }
        Store::Postgres(p) => {
            let q = sqlx::query(sqlx::AssertSqlSafe(sql));
            let q = if sql.contains("$1") { q.bind(id) } else { q };
            q.execute(p).await.map(drop)
        }
    }
}

fn customer(name: &str) -> Customer {
    Customer {
        kind: CustomerKind::Company,
        name: name.into(),
        email: None,
        activity: Some("Électricité".into()),
        legal: LegalIds { siren: Some("552100554".parse().unwrap()), ..Default::default() },
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

fn content(customer_id: Uuid, day: time::Date, price: i64) -> Content {
    let vat = Vat::new(Decimal::from(20), None).unwrap();
    Content {
        issue_date: Some(day),
        payment_terms: PaymentTerms::Days(30),
        lines: vec![Line::item("Pose", Decimal::ONE, Decimal::from(price), vat)],
        ..Content::new(customer_id, Currency::EUR)
    }
}

/// A server on `store` for its company whose admin token is `token`.
async fn serve(store: &Store, company_id: Uuid, token: String, backend: &'static str) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let s = store.clone();
    drop(tokio::spawn(async move { facturier_server::serve(s, listener).await }));
    TestApp {
        base: format!("http://{addr}/api/v1"),
        http: reqwest::Client::new(),
        token,
        company_id,
        store: store.clone(),
        backend,
    }
}

#[tokio::test]
async fn documents_issued_by_other_paths_get_their_files_from_the_worker() {
    each_db(|app| async move {
        identified(&app).await;
        let today = time::OffsetDateTime::now_utc().date();
        let cid: Uuid = app.customer().await.parse().unwrap();
        // The store's own issue (the demo, the CLI) and the bulk path: no API call renders them.
        let draft = app.store.insert_draft(app.company_id, DocumentKind::Invoice, &content(cid, today, 80), None).await;
        let one = app.store.issue(app.company_id, DocumentKind::Invoice, draft.unwrap().id, today).await.unwrap().id;
        let bulk = vec![BulkInvoice { content: content(cid, today, 90), payment: None }];
        let two = app.store.bulk_issue_invoices(app.company_id, today, &bulk).await.unwrap()[0].id;
        // A quote issued through the store gets its PDF only (no e-invoice formats).
        let q = app.store.insert_draft(app.company_id, DocumentKind::Quote, &content(cid, today, 70), None).await;
        let quote = app.store.issue(app.company_id, DocumentKind::Quote, q.unwrap().id, today).await.unwrap().id;

        let store = app.store.clone();
        let company = app.company_id;
        wait_until("the worker rendered them", || {
            let store = store.clone();
            async move { store.pending_files(company).await.unwrap().is_empty() }
        })
        .await;
        let n = e_invoice_files() as usize;
        for (id, n) in [(one, n), (two, n), (quote, 1)] {
            let files = app.store.document_files(app.company_id, id).await.unwrap();
            assert_eq!(files.len(), n);
            assert!(files.iter().all(|f| f.origin == FileOrigin::Issue), "{:?}", files[0].origin);
        }
        let (status, pdf) = fetch(&app, &format!("/invoices/{two}/pdf")).await;
        assert_eq!(status, 200);
        assert_eq!(pdf, app.store.document_file(app.company_id, two, FileFormat::Pdf).await.unwrap().unwrap().bytes);
        let report = app.store.verify_files(app.company_id).await.unwrap();
        let n = e_invoice_files();
        assert_eq!((report.files, report.changed.len(), report.not_rendered), (2 * n + 1, 0, 0), "{report:?}");
    })
    .await;
}

#[tokio::test]
async fn documents_issued_before_files_were_stored_are_rendered_once_as_a_backfill() {
    for db in common::unmigrated_dbs().await {
        eprintln!("--- on {}", db.name);
        // A database as the previous release left it, with an invoice and a quote issued.
        let store = Store::connect(&db.url).await.unwrap();
        store.migrate_to(20).await.unwrap();
        let c =
            store.create_company("Ancien SARL", &"FR".parse().unwrap(), Currency::EUR, "a@ancien.fr").await.unwrap();
        let mut settings = store.settings(c.company_id).await.unwrap();
        settings.identity = Some(
            serde_json::from_value(json!({
                "name": "Ancien SARL", "legal_form": "SARL", "share_capital": "10000", "rcs_city": "Lyon",
                "siren": "732829320", "vat_number": "FR44732829320", "email": "a@ancien.fr",
                "address": {"line1": "3 quai Saint-Antoine", "postal_code": "69002", "city": "Lyon", "country": "FR"},
            }))
            .unwrap(),
        );
        store.set_settings(c.company_id, &settings).await.unwrap();
        let cid = store.insert_customer(c.company_id, &customer("Alpha")).await.unwrap().id;
        let today = time::OffsetDateTime::now_utc().date();
        // Today's issue reads the closings of the books (0040), which that release did not
        // have: an empty stand-in while it issues, gone before the upgrade makes the real one.
        raw(&store, "CREATE TABLE accounting_closings (company_id UUID, through DATE)", Uuid::nil()).await.unwrap();
        let d = store.insert_draft(c.company_id, DocumentKind::Invoice, &content(cid, today, 100), None).await.unwrap();
        let old = store.issue(c.company_id, DocumentKind::Invoice, d.id, today).await.unwrap();
        let q = store.insert_draft(c.company_id, DocumentKind::Quote, &content(cid, today, 50), None).await.unwrap();
        let old_quote = store.issue(c.company_id, DocumentKind::Quote, q.id, today).await.unwrap();
        raw(&store, "DROP TABLE accounting_closings", Uuid::nil()).await.unwrap();

        // The upgrade queues them; the new server's worker renders them at start-up.
        store.migrate().await.unwrap();
        let pending = store.pending_files(c.company_id).await.unwrap();
        assert_eq!(pending.len(), 2);
        assert!(pending.iter().all(|p| p.origin == FileOrigin::Backfill));
        assert_eq!(store.verify_files(c.company_id).await.unwrap().not_rendered, 2, "listed as not yet rendered");
        let app = serve(&store, c.company_id, c.token.clone(), db.name).await;
        let s = store.clone();
        wait_until("the backfill is done", || {
            let s = s.clone();
            async move { s.pending_files(c.company_id).await.unwrap().is_empty() }
        })
        .await;
        let files = store.document_files(c.company_id, old.id).await.unwrap();
        let backfilled: Vec<(FileFormat, FileOrigin)> = facturier_server::files::formats(DocumentKind::Invoice)
            .into_iter()
            .map(|f| (f, FileOrigin::Backfill))
            .collect();
        assert_eq!(files.iter().map(|f| (f.format, f.origin)).collect::<Vec<_>>(), backfilled);
        assert_eq!(store.document_files(c.company_id, old_quote.id).await.unwrap().len(), 1);
        // The history says so.
        let rec = app.get(&format!("/invoices/{}", old.id)).await;
        let history = rec.assert_status(200)["history"].as_array().cloned().unwrap_or_default();
        let noted = history.iter().find(|e| e["event"] == "files_rendered").expect("a history entry");
        assert_eq!(noted["detail"]["origin"], "backfill", "{noted}");
        // Served as stored, rendered once: downloads and another server start change nothing.
        let (_, pdf) = fetch(&app, &format!("/invoices/{}/pdf", old.id)).await;
        assert_eq!(pdf, files[0].bytes);
        let _second = serve(&store, c.company_id, c.token.clone(), db.name).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = store.document_files(c.company_id, old.id).await.unwrap();
        assert_eq!(
            after.iter().map(|f| &f.seal).collect::<Vec<_>>(),
            files.iter().map(|f| &f.seal).collect::<Vec<_>>()
        );
        let report = store.verify_files(c.company_id).await.unwrap();
        let n = e_invoice_files();
        assert_eq!((report.files, report.changed.len(), report.not_rendered), (n + 1, 0, 0), "{report:?}");
        db.cleanup().await;
    }
}

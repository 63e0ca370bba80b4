//! E-mail through the outbox, against a real SMTP server process: aiosmtpd run by
//! `scripts/smtp-sink.py` from the validators' virtualenv (scripts/setup-validators).
//! Every test runs on SQLite, then on PostgreSQL.

use crate::common;

use base64::Engine;
use common::smtp::*;
use common::*;
use facturier_server::mailer::MailConfig;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A sink that requires TLS: `mode` is `starttls` or `implicit`.
fn start_tls(port: u16, mode: &str, cert: &TestCertificate) -> SmtpSink {
    let (c, k) = (cert.cert.to_string_lossy().into_owned(), cert.key.to_string_lossy().into_owned());
    SmtpSink::start_with(port, &["--tls", mode, "--cert", &c, "--key", &k])
}

/// A private certificate authority and the certificate it signed for a relay on
/// 127.0.0.1, made by openssl.
struct TestCertificate {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl TestCertificate {
    fn new() -> TestCertificate {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let at = |name: &str| dir.path().join(name);
        let ext = at("server.ext");
        std::fs::write(&ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
            .expect("write the extensions");
        let openssl = |args: &[&std::ffi::OsStr]| {
            let out = Command::new("openssl").args(args).output().expect("openssl makes the test certificates");
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        let os = |s: &'static str| std::ffi::OsStr::new(s);
        let (ca, ca_key, key, csr, cert) =
            (at("ca.pem"), at("ca.key"), at("key.pem"), at("server.csr"), at("cert.pem"));
        openssl(&[
            os("req"),
            os("-x509"),
            os("-newkey"),
            os("rsa:2048"),
            os("-nodes"),
            os("-days"),
            os("2"),
            os("-subj"),
            os("/CN=Relay test CA"),
            os("-keyout"),
            ca_key.as_os_str(),
            os("-out"),
            ca.as_os_str(),
        ]);
        openssl(&[
            os("req"),
            os("-newkey"),
            os("rsa:2048"),
            os("-nodes"),
            os("-subj"),
            os("/CN=127.0.0.1"),
            os("-keyout"),
            key.as_os_str(),
            os("-out"),
            csr.as_os_str(),
        ]);
        openssl(&[
            os("x509"),
            os("-req"),
            os("-in"),
            csr.as_os_str(),
            os("-CA"),
            ca.as_os_str(),
            os("-CAkey"),
            ca_key.as_os_str(),
            os("-CAcreateserial"),
            os("-days"),
            os("2"),
            os("-extfile"),
            ext.as_os_str(),
            os("-out"),
            cert.as_os_str(),
        ]);
        TestCertificate { _dir: dir, ca, cert, key }
    }

    /// The authority's certificate, as `--smtp-ca-file` takes it.
    fn pem(&self) -> Vec<u8> {
        std::fs::read(&self.ca).expect("the CA certificate")
    }
}

async fn emails(app: &TestApp, inv: &str) -> Vec<Value> {
    app.get(&format!("/invoices/{inv}/emails")).await.assert_status(200).as_array().expect("a list").clone()
}

/// The one e-mail of an invoice once it reached `status`.
async fn email_with_status(app: &TestApp, inv: &str, status: &str) -> Value {
    wait_until(&format!("the e-mail to be {status}"), || async {
        emails(app, inv).await.into_iter().find(|e| e["status"] == status)
    })
    .await
}

fn events(doc: &Value, name: &str) -> Vec<Value> {
    doc["history"].as_array().into_iter().flatten().filter(|e| e["event"] == name).cloned().collect()
}

/// `2026-12-31` as a French reader writes it.
fn french_date(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    format!("{}/{}/{}", p[2], p[1], p[0])
}

fn attachment_bytes(a: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(a["data"].as_str().expect("data")).expect("base64")
}

#[tokio::test]
async fn an_issued_invoice_is_emailed_with_its_pdf_and_its_history_shows_sent() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let app = spawn_app_with_mail(&db, Some(mail_via(port))).await;
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "2", "180.50", "10")]).await;
        let id = inv["id"].as_str().unwrap();
        let number = inv["number"].as_str().unwrap();

        let started = Instant::now();
        let queued = app.post(&format!("/invoices/{id}/send"), json!({})).await;
        let queued = queued.assert_status(202);
        assert_eq!(queued["to"], json!(["compta@exemple.fr"]), "the customer's e-mail by default");
        assert!(queued.get("notice").is_none(), "an SMTP server is configured: {queued}");
        let sent = email_with_status(&app, id, "sent").await;
        eprintln!("queued to sent: {:?}", started.elapsed());
        assert_eq!(sent["id"], queued["id"]);
        assert_eq!(sent["attempts"], 1);
        assert_eq!(sent["next_attempt_at"], Value::Null);

        let got = sink.messages();
        assert_eq!(got.len(), 1, "one message: {got:#?}");
        let m = &got[0];
        assert_eq!(m["to"], json!(["compta@exemple.fr"]));
        assert_eq!(m["rcpt_tos"], json!(["compta@exemple.fr"]));
        assert_eq!(m["subject"], format!("Facture {number} – Test SARL"));
        assert_eq!(m["message_id"], sent["message_id"]);
        assert!(m["from"].as_str().unwrap().contains("Test SARL"), "{}", m["from"]);
        let text = m["text"].as_str().unwrap();
        assert!(text.contains("397,10\u{a0}€"), "the French total in the body: {text}");
        assert!(text.contains(&french_date(inv["due_date"].as_str().unwrap())), "the due date: {text}");
        let atts = m["attachments"].as_array().unwrap();
        assert_eq!(atts.len(), 1);
        assert_eq!(atts[0]["filename"], format!("Facture-{number}.pdf"));
        assert_eq!(atts[0]["content_type"], "application/pdf");
        let pdf = attachment_bytes(&atts[0]);
        assert!(pdf.starts_with(b"%PDF-"), "the attachment is a PDF");
        assert_eq!(pdf, app.invoice_pdf(id).await, "the document's own PDF");

        let doc = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        let sent_events = events(&doc, "sent");
        assert_eq!(sent_events.len(), 1, "{:#?}", doc["history"]);
        assert_eq!(sent_events[0]["detail"]["to"], json!(["compta@exemple.fr"]));
        assert_eq!(sent_events[0]["detail"]["message_id"], sent["message_id"]);
        assert_eq!(events(&doc, "email_queued").len(), 1);

        // Explicit recipients and copies, and another company cannot see or send it.
        let r = app
            .post(
                &format!("/invoices/{id}/send"),
                json!({"to": ["sophie@exemple.fr"], "cc": ["compta@exemple.fr"], "subject": "Rappel : {document_number}"}),
            )
            .await;
        r.assert_status(202);
        wait_until("the second message", || async { (sink.messages().len() == 2).then_some(()) }).await;
        let second = &sink.messages()[1];
        assert_eq!(second["to"], json!(["sophie@exemple.fr"]));
        assert_eq!(second["cc"], json!(["compta@exemple.fr"]));
        assert_eq!(second["subject"], format!("Rappel : {number}"));
        let other = app.other_company().await;
        other.get(&format!("/invoices/{id}/emails")).await.assert_status(404);
        other.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(404);
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_email_survives_an_smtp_outage_and_is_delivered_once_the_server_is_back() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port(); // nothing listens there: the SMTP server is down
        let app = spawn_app_with_mail(&db, Some(mail_via(port))).await;
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "2", "180.50", "10")]).await;
        let id = inv["id"].as_str().unwrap();

        let queued = app.post(&format!("/invoices/{id}/send"), json!({})).await;
        assert_eq!(queued.assert_status(202)["status"], "pending");
        let started = Instant::now();
        let failing = wait_until("three failed attempts", || async {
            emails(&app, id).await.into_iter().find(|e| e["attempts"].as_u64() >= Some(3) && e["status"] == "pending")
        })
        .await;
        eprintln!("three failed attempts after {:?}", started.elapsed());
        let error = failing["last_error"].as_str().expect("the last error is kept");
        assert!(error.to_lowercase().contains("connect"), "{error}");
        assert!(failing["next_attempt_at"].is_string());
        let doc = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        assert!(events(&doc, "sent").is_empty(), "not sent while the server is down");

        // The server comes back on the same port.
        let sink = SmtpSink::start(port);
        let back = Instant::now();
        let sent = email_with_status(&app, id, "sent").await;
        eprintln!("delivered {:?} after the server came back, at attempt {}", back.elapsed(), sent["attempts"]);
        assert_eq!(sent["id"], queued.body["id"], "the same message, not a new one");
        assert!(sent["attempts"].as_u64() > Some(3));
        // Give a duplicate every chance to arrive.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let got = sink.messages();
        assert_eq!(got.len(), 1, "delivered exactly once: {got:#?}");
        assert_eq!(got[0]["to"], json!(["compta@exemple.fr"]));
        assert!(attachment_bytes(&got[0]["attachments"][0]).starts_with(b"%PDF-"));
        let doc = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        assert_eq!(events(&doc, "sent").len(), 1, "{:#?}", doc["history"]);
        assert_eq!(emails(&app, id).await.len(), 1);
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_email_fails_for_good_after_its_last_attempt_and_the_history_says_so() {
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let mut mail = mail_via(free_port());
        mail.retry.max_attempts = 2;
        let app = spawn_app_with_mail(&db, Some(mail)).await;
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        app.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(202);
        let failed = email_with_status(&app, id, "failed").await;
        assert_eq!(failed["attempts"], 2);
        assert_eq!(failed["next_attempt_at"], Value::Null);
        let doc = app.get(&format!("/invoices/{id}")).await.assert_status(200).clone();
        let given_up = events(&doc, "send_failed");
        assert_eq!(given_up.len(), 1, "{:#?}", doc["history"]);
        assert_eq!(given_up[0]["detail"]["attempts"], 2);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn sending_refuses_drafts_missing_or_bad_recipients_and_queues_nothing() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let draft = app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let did = draft["id"].as_str().unwrap();
        app.post(&format!("/invoices/{did}/send"), json!({})).await.assert_status(409);

        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        let send = |body: Value| {
            let app = app.clone();
            let path = format!("/invoices/{id}/send");
            async move { app.post(&path, body).await }
        };
        let r = send(json!({"to": ["not-an-address"], "cc": ["ok@exemple.fr", "nope"]})).await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), ["to[0]", "cc[1]"]);
        let r = send(json!({"language": "de", "subject": "Facture {numero}"})).await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), ["language", "subject"]);
        let r = send(json!({"message": "Total : {total"})).await;
        assert_eq!(r.error_fields(), ["message"]);
        let r = send(json!({"bcc": ["x@exemple.fr"]})).await;
        r.assert_status(422);

        // A customer with no e-mail anywhere: the recipients must be given.
        let mut body = customer_body("Sans Courriel");
        body["email"] = Value::Null;
        body["contacts"] = json!([{"name": "Paul", "phone": "01 02 03 04 05"}]);
        let silent = app.post("/customers", body).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let inv2 = app.issued_invoice(&silent, &[line("Pose", "1", "100", "20")]).await;
        let id2 = inv2["id"].as_str().unwrap();
        let r = app.post(&format!("/invoices/{id2}/send"), json!({})).await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), ["to"]);

        for doc in [did, id, id2] {
            assert!(emails(&app, doc).await.is_empty(), "nothing queued for {doc}");
        }
        // Without an SMTP server the message waits in the outbox, and the answer says so.
        let r = app.post(&format!("/invoices/{id2}/send"), json!({"to": ["paul@exemple.fr"]})).await;
        let q = r.assert_status(202);
        assert_eq!(q["status"], "pending");
        assert!(q["notice"].as_str().unwrap().contains("--smtp-url"), "{q}");
        assert_eq!(emails(&app, id2).await.len(), 1);
        // A replayed Idempotency-Key queues nothing more.
        let key = [("Idempotency-Key", "send-1")];
        let path = format!("/invoices/{id}/send");
        let a = app.request(reqwest::Method::POST, &path, Some(json!({})), &key).await;
        let b = app.request(reqwest::Method::POST, &path, Some(json!({})), &key).await;
        assert_eq!((a.status, b.status), (202, 202));
        assert_eq!(a.body["id"], b.body["id"]);
        assert_eq!(emails(&app, id).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn templates_follow_the_customer_language_and_company_overrides() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let app = spawn_app_with_mail(&db, Some(mail_via(port))).await;

        let mut body = customer_body("Bakery Ltd");
        body["language"] = json!("en");
        body["email"] = json!("accounts@bakery.example.com");
        let english = app.post("/customers", body).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let inv = app.issued_invoice(&english, &[line("Fitting", "2", "180.50", "10")]).await;
        let id = inv["id"].as_str().unwrap();
        let number = inv["number"].as_str().unwrap();
        app.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(202);
        email_with_status(&app, id, "sent").await;
        let m = sink.messages().pop().expect("the English message");
        assert_eq!(m["subject"], format!("Invoice {number} from Test SARL"));
        assert_eq!(m["attachments"][0]["filename"], format!("Invoice-{number}.pdf"));
        let text = m["text"].as_str().unwrap();
        assert!(text.starts_with("Hello,") && text.contains("€397.10"), "{text}");

        // The company's own French template for invoices; an unknown field is refused.
        let bad = app
            .patch(
                "/settings",
                json!({"email_templates": {"invoice": {"fr": {"subject": "Facture {numero}", "body": "x"}}, "receipt": {}}}),
            )
            .await;
        bad.assert_status(422);
        assert_eq!(bad.error_fields(), ["email_templates.invoice.fr.subject", "email_templates.receipt"]);
        assert!(bad.body["errors"][0]["message"].as_str().unwrap().contains("{document_number}"), "{}", bad.body);
        assert_eq!(app.get("/settings").await.body["email_templates"], json!({}), "nothing saved");
        let ok = app
            .patch(
                "/settings",
                json!({"email_templates": {"invoice": {"fr": {
                    "subject": "Votre facture {document_number}",
                    "body": "Bonjour {customer_name},\nmontant : {total} ({{TTC}}).",
                }}}}),
            )
            .await;
        assert_eq!(
            ok.assert_status(200)["email_templates"]["invoice"]["fr"]["subject"],
            "Votre facture {document_number}"
        );

        let french = app.customer().await;
        let inv = app.issued_invoice(&french, &[line("Pose", "2", "180.50", "10")]).await;
        let fid = inv["id"].as_str().unwrap();
        let fnumber = inv["number"].as_str().unwrap();
        app.post(&format!("/invoices/{fid}/send"), json!({})).await.assert_status(202);
        email_with_status(&app, fid, "sent").await;
        let m = sink.messages().pop().expect("the French message");
        assert_eq!(m["subject"], format!("Votre facture {fnumber}"));
        assert_eq!(
            m["text"].as_str().unwrap().replace("\r\n", "\n").trim_end(),
            "Bonjour Boulangerie Martin,\nmontant : 397,10\u{a0}€ ({TTC})."
        );
        // English customers keep the built-in English template; a body may ask for French.
        app.post(&format!("/invoices/{id}/send"), json!({"language": "fr"})).await.assert_status(202);
        wait_until("the third message", || async { (sink.messages().len() == 3).then_some(()) }).await;
        let m = sink.messages().pop().unwrap();
        assert_eq!(m["subject"], format!("Votre facture {number}"));
        assert_eq!(m["attachments"][0]["filename"], format!("Facture-{number}.pdf"));
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_kind_of_document_can_be_sent_with_its_own_template() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let lines = [line("Suspension laiton", "4", "120", "20")];
        for (seg, subject_start) in [
            ("quotes", "Devis "),
            ("orders", "Confirmation de commande "),
            ("delivery-notes", "Bon de livraison "),
            ("proformas", "Facture pro forma "),
            ("deposit-invoices", "Facture d'acompte "),
        ] {
            let d = app.post(&format!("/{seg}"), json!({"customer_id": customer, "lines": lines})).await;
            let id = d.assert_status(201)["id"].as_str().unwrap().to_string();
            let issued = app.post(&format!("/{seg}/{id}/issue"), json!({})).await.assert_status(200).clone();
            let q = app.post(&format!("/{seg}/{id}/send"), json!({})).await;
            let q = q.assert_status(202);
            let subject = q["subject"].as_str().unwrap();
            assert!(subject.starts_with(subject_start), "{seg}: {subject}");
            assert!(subject.contains(issued["number"].as_str().unwrap()), "{seg}: {subject}");
            let list = app.get(&format!("/{seg}/{id}/emails")).await;
            assert_eq!(list.assert_status(200).as_array().unwrap().len(), 1, "{seg}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_claim_the_same_message_and_a_dead_workers_lease_runs_out() {
    use facturier_store::outbox::NewEmail;
    each_db(|app| async move {
        let to = vec!["compta@exemple.fr".to_string()];
        let mut queued = std::collections::BTreeSet::new();
        for i in 0..40 {
            let subject = format!("Message {i}");
            let e = NewEmail {
                company_id: app.company_id,
                document_id: None,
                sender: None,
                sender_name: "Test SARL",
                to: &to,
                cc: &[],
                subject: &subject,
                body: "x",
                attachment: None,
            };
            queued.insert(app.store.enqueue_email(&e).await.expect("enqueue").id);
        }
        // Four workers claim in small batches at the same time.
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let store = app.store.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let batch = store.claim_emails(3, Duration::from_secs(300)).await.expect("claim");
                        if batch.is_empty() {
                            return mine;
                        }
                        mine.extend(batch.into_iter().map(|m| m.record.id));
                    }
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for w in workers {
            claimed.extend(w.await.expect("a worker"));
        }
        assert_eq!(claimed.len(), 40, "each message claimed exactly once");
        assert_eq!(claimed.iter().copied().collect::<std::collections::BTreeSet<_>>(), queued);
        assert!(app.store.claim_emails(10, Duration::from_secs(300)).await.unwrap().is_empty(), "all are leased");

        // A worker that claims and dies: once its lease runs out the message is due again.
        let mut e = app.store.claim_emails(1, Duration::ZERO).await.unwrap();
        assert!(e.is_empty(), "nothing pending is left");
        let subject = "Orphan".to_string();
        let orphan = app
            .store
            .enqueue_email(&NewEmail {
                company_id: app.company_id,
                document_id: None,
                sender: None,
                sender_name: "Test SARL",
                to: &to,
                cc: &[],
                subject: &subject,
                body: "x",
                attachment: None,
            })
            .await
            .unwrap();
        e = app.store.claim_emails(1, Duration::from_millis(200)).await.unwrap();
        assert_eq!(e[0].record.id, orphan.id);
        assert!(app.store.claim_emails(1, Duration::from_secs(300)).await.unwrap().is_empty(), "still leased");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let again = app.store.claim_emails(1, Duration::from_secs(300)).await.unwrap();
        assert_eq!(again.len(), 1, "the lease ran out");
        assert_eq!(again[0].record.id, orphan.id);
        assert_eq!(again[0].record.attempts, 2, "the lost attempt counts");
    })
    .await;
}

/// A fresh database of the same backend as `db`.
async fn fresh_like(db: &TestDb) -> TestDb {
    if db.name == "sqlite" { TestDb::sqlite() } else { TestDb::postgres().await }
}

#[tokio::test]
async fn e_mail_goes_through_starttls_and_smtps_to_a_relay_with_a_private_certificate() {
    if !common::smtp::python_available() {
        return;
    }
    let cert = TestCertificate::new();
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        for (mode, url) in
            [("starttls", "smtp://127.0.0.1:{port}?tls=required"), ("implicit", "smtps://127.0.0.1:{port}")]
        {
            let port = free_port();
            let sink = start_tls(port, mode, &cert);
            let url = url.replace("{port}", &port.to_string());

            // Without the relay's certificate authority the connection is refused, and
            // the message waits: an untrusted server never gets the invoice. (A database
            // of its own: its worker would otherwise keep failing the next message too.)
            let untrusted_db = fresh_like(&db).await;
            let untrusted = MailConfig { smtp_url: Some(url.clone()), ..mail_via(port) };
            let app = spawn_app_with_mail(&untrusted_db, Some(untrusted)).await;
            let customer = app.customer().await;
            let inv = app.issued_invoice(&customer, &[line("Audit", "1", "900", "20")]).await;
            let id = inv["id"].as_str().unwrap().to_string();
            app.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(202);
            // Still pending (kept for a later attempt) after two refused handshakes.
            let failing = wait_until("a refused TLS handshake", || async {
                emails(&app, &id)
                    .await
                    .into_iter()
                    .find(|e| e["attempts"].as_u64() >= Some(2) && e["status"] == "pending")
            })
            .await;
            let error = failing["last_error"].as_str().unwrap_or_default().to_lowercase();
            assert!(error.contains("certificate") || error.contains("tls"), "{mode}: {error}");
            assert!(sink.messages().is_empty(), "{mode}: nothing reached an untrusted server");

            // Trusting it, a message goes through, encrypted.
            let trusted = MailConfig { smtp_url: Some(url), ca_pem: Some(cert.pem()), ..mail_via(port) };
            let app = spawn_app_with_mail(&db, Some(trusted)).await;
            let customer = app.customer().await;
            let inv = app.issued_invoice(&customer, &[line("Audit", "1", "900", "20")]).await;
            let id = inv["id"].as_str().unwrap().to_string();
            app.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(202);
            let sent = wait_until("the e-mail to be sent", || async {
                let all = emails(&app, &id).await;
                if let Some(e) = all.iter().find(|e| e["attempts"].as_u64() >= Some(3)) {
                    panic!("{mode}: still failing with the certificate authority: {e}");
                }
                all.into_iter().find(|e| e["status"] == "sent")
            })
            .await;
            assert_eq!(sent["status"], "sent");
            let got = sink.messages();
            assert_eq!(got.len(), 1, "{mode}: {got:#?}");
            assert!(attachment_bytes(&got[0]["attachments"][0]).starts_with(b"%PDF-"), "{mode}");
            untrusted_db.cleanup().await;
        }
        db.cleanup().await;
    }
}

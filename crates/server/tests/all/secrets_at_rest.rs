//! Secrets at rest and mail (issue 18), on SQLite and PostgreSQL, against a real SMTP
//! server process (aiosmtpd, `scripts/smtp-sink.py`): a password link's secret is minted
//! when its e-mail is sent and is in clear only in the delivered message; every message
//! is From the server's address with the company's in Reply-To; API tokens expire.

use crate::common;

use common::smtp::*;
use common::web_client::*;
use common::*;
use facturier_store::Store;
use facturier_store::companies::token_hash;
use serde_json::{Value, json};

/// Rows of a query of text columns, on either backend.
async fn texts(store: &Store, sql: &'static str) -> Vec<(String,)> {
    match store {
        Store::Sqlite(p, _) => sqlx::query_as(sql).fetch_all(p).await,
        Store::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
    }
    .unwrap()
}

async fn reset_hashes(store: &Store) -> Vec<String> {
    texts(store, "SELECT token_hash FROM password_resets").await.into_iter().map(|r| r.0).collect()
}

async fn outbox_bodies(store: &Store) -> Vec<String> {
    texts(store, "SELECT body FROM outbox").await.into_iter().map(|r| r.0).collect()
}

async fn attempts(store: &Store) -> i64 {
    let sql = "SELECT COALESCE(MAX(attempts), 0) FROM outbox";
    match store {
        Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await,
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .unwrap()
}

/// The secret of the reset link in a delivered message's text.
fn secret_in(m: &Value) -> String {
    let text = m["text"].as_str().expect("a text body");
    let at = text.find("/password/reset?token=").expect("a reset link") + "/password/reset?token=".len();
    text[at..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_password_link_secret_exists_only_in_the_delivered_email() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        // No SMTP server: the link waits in the outbox, and nothing secret is at rest.
        let app = spawn_app(&db).await;
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        assert_eq!(b.forgot_password("admin@test.fr").await.status, 200);
        let bodies =
            wait_until("the queued link", || async { Some(outbox_bodies(&app.store).await).filter(|b| !b.is_empty()) })
                .await;
        let placeholder = facturier_store::password_links::SECRET_PLACEHOLDER;
        assert!(bodies[0].contains(&format!("/password/reset?token={placeholder}")), "{}", bodies[0]);
        let hashes = reset_hashes(&app.store).await;
        assert_eq!(hashes.len(), 1);
        assert!(hashes[0].starts_with("pending:"), "no secret minted yet: {}", hashes[0]);
        for guess in [placeholder, hashes[0].as_str(), hashes[0].trim_start_matches("pending:")] {
            let page = b.get(&format!("/password/reset?token={guess}")).await;
            assert_eq!(page.status, 410, "what the database holds opens nothing: {guess}");
        }

        // A server with an SMTP server that is down: each attempt mints a secret of its own.
        let port = free_port();
        let sender = spawn_app_with_mail(&db, Some(mail_via(port))).await;
        wait_until("two failed attempts", || async { (attempts(&sender.store).await >= 2).then_some(()) }).await;
        let unsent = reset_hashes(&app.store).await.remove(0);
        assert!(!unsent.starts_with("pending:"), "an attempt minted a secret");
        // The attempt that minted it may still be under way: two attempts more and it has
        // failed for sure (the SMTP server is still down), each with a secret of its own.
        let seen = attempts(&sender.store).await;
        wait_until("two more failed attempts", || async { (attempts(&sender.store).await >= seen + 2).then_some(()) })
            .await;
        assert_ne!(reset_hashes(&app.store).await.remove(0), unsent, "each attempt mints a new secret");

        // The SMTP server is back: the delivered link is the only place its secret is.
        let sink = SmtpSink::start(port);
        let got = sink.wait_for(1).await;
        let secret = secret_in(&got[0]);
        assert_eq!(secret.len(), 64, "{secret}");
        let hashes = reset_hashes(&app.store).await;
        assert_eq!(hashes, [token_hash(&secret)], "only the hash of the delivered secret is kept");
        assert_ne!(hashes[0], unsent, "the retry minted a new secret; the undelivered one opens nothing");
        for body in outbox_bodies(&app.store).await {
            assert!(!body.contains(&secret), "the sent message kept in the outbox holds no secret: {body}");
        }
        let mut c = Browser::new(&app);
        assert_eq!(c.get(&format!("/password/reset?token={secret}")).await.status, 200, "the mailed link works");
        let form = c.get(&format!("/password/reset?token={secret}")).await;
        let csrf = csrf_of(&form.body);
        let new = "une phrase de passe neuve";
        let done = c
            .post(
                "/password/reset",
                &[("csrf", &csrf), ("token", &secret), ("password", new), ("confirm", new), ("lang", "fr")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(Browser::new(&app).sign_in("admin@test.fr", new).await.status, 303);
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_email_is_from_the_server_and_replies_go_to_the_company() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let mut mail = mail_via(port);
        mail.from = Some("factures@facturier.example".parse().unwrap());
        let app = spawn_app_with_mail(&db, Some(mail)).await;
        // The company types somebody else's address as its own.
        let identity = json!({"identity": {
            "name": "Atelier Durand", "legal_form": "EI", "siren": "552100554", "vat_number": "FR96552100554",
            "address": {"line1": "3 quai Saint-Antoine", "postal_code": "69002", "city": "Lyon", "country": "FR"},
            "email": "direction@banque.example",
        }});
        app.patch("/settings", identity.clone()).await.assert_status(200);
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        app.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(202);
        let m = sink.wait_for(1).await.remove(0);
        assert_eq!(m["mail_from"], "factures@facturier.example", "the envelope sender is the server's: {m}");
        let from = m["from"].as_str().unwrap();
        assert!(from.contains("<factures@facturier.example>") && from.contains("Atelier Durand"), "{from}");
        assert!(!from.contains("banque.example"), "never the address the company typed: {from}");
        assert!(m["reply_to"].as_str().unwrap().contains("direction@banque.example"), "{m}");
        assert!(m["message_id"].as_str().unwrap().ends_with("@facturier.example>"), "{m}");

        // Without --mail-from the server still sends as itself.
        let port = free_port();
        let sink = SmtpSink::start(port);
        let other = spawn_app_with_mail(&db, Some(mail_via(port))).await;
        let other = other.other_company().await;
        other.patch("/settings", identity).await.assert_status(200);
        let customer = other.customer().await;
        let inv = other.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        other.post(&format!("/invoices/{id}/send"), json!({})).await.assert_status(202);
        let m = sink.wait_for(1).await.remove(0);
        assert_eq!(m["mail_from"], "noreply@localhost", "{m}");
        assert!(m["from"].as_str().unwrap().contains("<noreply@localhost>"), "{m}");
        assert!(m["reply_to"].as_str().unwrap().contains("direction@banque.example"), "{m}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_api_token_past_its_expiry_is_refused_and_its_last_use_is_recorded() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        let form = b.get("/tokens").await;
        assert!(form.body.contains(r#"<option value="90" selected>90 jours</option>"#), "{}", form.body);
        let bad = b.submit("/tokens", &[("name", "Script"), ("validity", "7")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"id="token-validity-error""#));

        let made = |page: &Page| {
            let at = page.body.find(r#"id="new-token">"#).expect("the token is shown") + r#"id="new-token">"#.len();
            page.body[at..].split('<').next().unwrap().to_string()
        };
        let monthly = b.submit("/tokens", &[("name", "Export mensuel"), ("validity", "30")]).await;
        assert_eq!(monthly.status, 201, "{}", monthly.body);
        let monthly = made(&monthly);
        let forever = b.submit("/tokens", &[("name", "Sans limite"), ("validity", "never")]).await;
        assert_eq!(forever.status, 201, "{}", forever.body);
        let forever = made(&forever);
        for t in [&monthly, &forever] {
            assert_eq!(app.with_token(t).get("/customers").await.status, 200, "a valid token works");
        }

        let admin = app.store.members(app.company_id).await.unwrap()[0].user_id;
        let tokens = app.store.api_tokens(app.company_id, admin).await.unwrap();
        let info = |name: &str| tokens.iter().find(|t| t.name == name).unwrap().clone();
        let (m, f) = (info("Export mensuel"), info("Sans limite"));
        assert!(m.last_used_at.is_some() && f.last_used_at.is_some(), "the last use is recorded");
        let in_30 = time::OffsetDateTime::now_utc() + time::Duration::days(30);
        assert!((m.expires_at.unwrap() - in_30).abs() < time::Duration::minutes(1), "{:?}", m.expires_at);
        assert_eq!(f.expires_at, None);
        let d = in_30.date();
        let list = b.get("/tokens").await;
        let row = |id: uuid::Uuid| {
            let at = list.body.find(&format!(r#"id="token-{id}""#)).expect("the token is listed");
            list.body[at..].split("</tr>").next().unwrap().to_string()
        };
        assert!(
            row(m.id).contains(&format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())),
            "{}",
            row(m.id)
        );
        assert!(
            row(f.id).contains(r#"<td class="token-expires""#) && row(f.id).contains(">jamais</td>"),
            "{}",
            row(f.id)
        );

        // Thirty days later.
        let past = facturier_store::now() - time::Duration::seconds(1);
        let sql = "UPDATE api_tokens SET expires_at = $1 WHERE id = $2";
        match &app.store {
            Store::Sqlite(p, _) => sqlx::query(sql).bind(past).bind(m.id).execute(p).await.map(drop),
            Store::Postgres(p) => sqlx::query(sql).bind(past).bind(m.id).execute(p).await.map(drop),
        }
        .unwrap();
        let refused = app.with_token(&monthly).get("/customers").await;
        assert_eq!(refused.status, 401, "an expired token is refused: {}", refused.body);
        assert_eq!(app.with_token(&forever).get("/customers").await.status, 200);
        let list = b.get("/tokens").await;
        assert!(list.body.contains("expiré le"), "the list says it expired");
    })
    .await;
}

//! The web app over HTTP, without a browser, on SQLite and PostgreSQL: sign-in, session
//! expiry, CSRF refusal, roles, escaping of hostile input, language, company switcher.

use crate::common;

use common::web_client::{ADMIN, Browser, PASSWORD, csrf_of, shows_as_text, signed_in, with_password};
use common::{TestApp, each_db, line};
use facturier_store::Store;
use facturier_store::companies::Role;

async fn read_only_user(app: &TestApp) -> &'static str {
    app.store.create_user_token(app.company_id, "lecture@test.fr", Role::ReadOnly).await.unwrap();
    with_password(app, "lecture@test.fr").await;
    "lecture@test.fr"
}

/// Moves a session's instants into the past, as if time had passed.
async fn age_sessions(store: &Store, column: &str, by: time::Duration) {
    let at = facturier_store::now() - by;
    let sql = format!("UPDATE sessions SET {column} = $1");
    match store {
        Store::Sqlite(p, _) => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at).execute(p).await.map(drop),
        Store::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at).execute(p).await.map(drop),
    }
    .unwrap();
}

async fn session_count(store: &Store) -> i64 {
    let sql = "SELECT COUNT(*) FROM sessions";
    match store {
        Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await,
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .unwrap()
}

#[tokio::test]
async fn sign_in_refuses_a_wrong_password_without_saying_which_field_was_wrong() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        let wrong_password = b.sign_in("admin@test.fr", "pas le bon").await;
        let wrong_email = b.sign_in("personne@test.fr", PASSWORD).await;
        for p in [&wrong_password, &wrong_email] {
            assert_eq!(p.status, 401);
            assert!(p.body.contains("Adresse e-mail ou mot de passe incorrect."), "{}", p.body);
        }
        assert!(!b.cookies.contains_key("facturier_session"));
        // Nothing tells the two apart but the e-mail echoed back in the form.
        assert_eq!(
            wrong_password.body.replace("admin@test.fr", "X").replace(&csrf_of(&wrong_password.body), "T"),
            wrong_email.body.replace("personne@test.fr", "X").replace(&csrf_of(&wrong_email.body), "T")
        );

        // A company ready to invoice (else an admin's sign-in shows the set-up first, `web_setup`).
        let bank = serde_json::json!({"banks": [{"label": "Compte", "iban": "FR7630006000011234567890189"}]});
        app.patch("/settings", bank).await.assert_status(200);
        let ok = b.sign_in("ADMIN@test.fr", PASSWORD).await;
        assert_eq!((ok.status, ok.location.as_str()), (303, "/"));
        let dash = b.get("/").await;
        assert_eq!(dash.status, 200);
        assert!(dash.body.contains("Tableau de bord") && dash.body.contains("Test SARL"));

        // Signing out ends the session on the server, not only in the browser.
        let secret = b.cookies["facturier_session"].clone();
        let csrf = b.csrf().await;
        assert_eq!(b.post("/logout", &[("csrf", &csrf)]).await.location, "/login");
        b.cookies.insert("facturier_session".into(), secret);
        assert_eq!(b.get("/").await.location, "/login");
    })
    .await;
}

#[tokio::test]
async fn pages_need_a_session_and_an_expired_one_sends_back_to_sign_in() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        let p = b.get("/invoices?status=paid").await;
        assert_eq!((p.status, p.location.as_str()), (303, "/login?next=%2Finvoices%3Fstatus%3Dpaid"));

        // Idle: unused for longer than the idle limit (2 h).
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        assert_eq!(b.get("/customers").await.status, 200);
        age_sessions(&app.store, "last_seen_at", time::Duration::hours(3)).await;
        let p = b.get("/customers").await;
        assert_eq!((p.status, p.location.as_str()), (303, "/login?next=%2Fcustomers"));

        // Absolute: past its end, however active. Another browser's idle session is
        // swept when someone signs in.
        let mut other = Browser::new(&app);
        assert_eq!(other.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        age_sessions(&app.store, "last_seen_at", time::Duration::hours(3)).await;
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        assert_eq!(session_count(&app.store).await, 1, "the idle session is gone");
        assert_eq!(b.get("/customers").await.status, 200);
        age_sessions(&app.store, "expires_at", time::Duration::seconds(1)).await;
        assert_eq!(b.get("/customers").await.status, 303);
        // The expired session is gone for good, and signing in again works.
        assert_eq!(b.get("/").await.location, "/login");
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        assert_eq!(b.get("/").await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_is_refused() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        // The sign-in form itself: no double-submit cookie, no sign-in.
        let p = b.post("/login", &[("csrf", "x"), ("email", "admin@test.fr"), ("password", PASSWORD)]).await;
        assert_eq!(p.status, 403);

        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        let customer = [
            ("name", "Forgé SARL"),
            ("billing_address.line1", "1 rue Haute"),
            ("billing_address.postal_code", "69001"),
            ("billing_address.city", "Lyon"),
            ("billing_address.country", "FR"),
        ];
        let missing = b.post("/customers/new", &customer).await;
        assert_eq!(missing.status, 403);
        assert!(missing.body.contains("Formulaire refusé"), "{}", missing.body);
        let mut wrong = customer.to_vec();
        wrong.push(("csrf", "0000"));
        assert_eq!(b.post("/customers/new", &wrong).await.status, 403);
        assert_eq!(b.post("/logout", &[]).await.status, 403, "even sign-out");
        assert_eq!(app.get("/customers").await.body["data"].as_array().unwrap().len(), 0, "nothing was created");

        let csrf = b.csrf().await;
        let mut right = customer.to_vec();
        right.push(("csrf", &csrf));
        let p = b.post("/customers/new", &right).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(app.get("/customers").await.body["data"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn hostile_input_is_shown_as_text_never_run() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let hostile = "<script>alert(1)</script>";
        let p = b
            .post(
                "/customers/new",
                &[
                    ("csrf", &csrf),
                    ("name", hostile),
                    ("activity", "\"><img src=x onerror=alert(2)>"),
                    ("billing_address.line1", "1 rue Haute"),
                    ("billing_address.postal_code", "69001"),
                    ("billing_address.city", "Lyon"),
                    ("billing_address.country", "FR"),
                    ("notes", "</textarea><script>alert(3)</script>"),
                ],
            )
            .await;
        assert_eq!(p.status, 303);
        let id = p.location.trim_start_matches("/customers/").trim_end_matches("?done=customer_created").to_string();
        app.draft_invoice(&id, &[line("<b>gras</b>", "1", "10", "20")]).await;
        let invoice_id = app.get("/invoices").await.body["data"][0]["id"].as_str().unwrap().to_string();
        for path in [
            format!("/customers/{id}"),
            "/customers".into(),
            format!("/customers?q={}", "%3Cscript"),
            "/invoices".into(),
            format!("/invoices/{invoice_id}"),
        ] {
            let page = b.get(&path).await;
            assert_eq!(page.status, 200, "{path}");
            // And were anything to slip through, no inline script would run.
            assert!(
                page.header("content-security-policy").contains("script-src 'self'")
                    && !page.header("content-security-policy").contains("unsafe-inline"),
                "{path}"
            );
            assert!(!page.body.contains("<script>alert"), "{path} runs the script: {}", page.body);
            assert!(!page.body.contains("<img src=x"), "{path}");
            assert!(!page.body.contains("<b>gras"), "{path}");
            assert!(shows_as_text(&page.body, hostile), "{path} shows the name as text: {}", page.body);
        }
        // A form shown again with errors escapes what was typed, too.
        let p = b.post("/customers/new", &[("csrf", &csrf), ("name", hostile), ("email", "pas-un-email")]).await;
        assert_eq!(p.status, 422);
        assert!(!p.body.contains("<script>alert") && shows_as_text(&p.body, hostile));
        assert!(p.body.contains(r#"id="email-error""#), "the e-mail's error is next to it");
        assert!(p.body.contains(r#"id="billing_address.city-error""#), "so is the missing city's");
    })
    .await;
}

#[tokio::test]
async fn a_read_only_user_sees_no_issue_button_and_a_forged_issue_is_refused() {
    each_db(|app| async move {
        let reader = read_only_user(&app).await;
        let customer = app.customer().await;
        let draft = app.draft_invoice(&customer, &[line("Pose", "2", "180.50", "10")]).await;
        let id = draft["id"].as_str().unwrap().to_string();

        let mut admin = signed_in(&app, ADMIN).await;
        let page = admin.get(&format!("/invoices/{id}")).await;
        assert!(page.body.contains(r#"id="issue""#), "the admin may issue");

        let mut ro = Browser::new(&app);
        assert_eq!(ro.sign_in(reader, PASSWORD).await.status, 303);
        let page = ro.get(&format!("/invoices/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains(r#"id="issue""#), "no issue button for read-only");
        assert!(page.body.contains("lecture seule"));
        assert!(!page.body.contains(r#"id="new-document""#));
        let csrf = ro.csrf().await;
        let forged = ro.post(&format!("/invoices/{id}/issue"), &[("csrf", &csrf)]).await;
        assert_eq!(forged.status, 403);
        assert!(forged.body.contains("Votre rôle ne permet pas cette action."));
        assert_eq!(app.get(&format!("/invoices/{id}")).await.body["status"], "draft");
        let pay = ro.post(&format!("/invoices/{id}/payments"), &[("csrf", &csrf), ("amount", "1")]).await;
        assert_eq!(pay.status, 403);
        assert_eq!(ro.get("/customers/new").await.status, 403);
        assert_eq!(ro.get("/invoices/new").await.status, 403);
        let create = ro.post("/invoices/new", &[("csrf", &csrf), ("customer_id", &customer), ("action", "save")]).await;
        assert_eq!(create.status, 403);
        assert_eq!(app.get("/invoices").await.body["data"].as_array().unwrap().len(), 1);

        // The admin issues through the web: the same rules as the API (number, status).
        let csrf = admin.csrf().await;
        let issued = admin.post(&format!("/invoices/{id}/issue"), &[("csrf", &csrf), ("confirm", "1")]).await;
        assert_eq!((issued.status, issued.location), (303, format!("/invoices/{id}?done=issued")));
        let v = app.get(&format!("/invoices/{id}")).await.body;
        assert_eq!(v["status"], "issued");
        assert!(v["number"].as_str().unwrap().starts_with('F'));
        // Issuing twice is refused by the store, not silently repeated.
        let again = [("csrf", csrf.as_str()), ("confirm", "1")];
        assert_eq!(admin.post(&format!("/invoices/{id}/issue"), &again).await.status, 409);
    })
    .await;
}

#[tokio::test]
async fn english_users_read_english_labels_amounts_and_dates() {
    each_db(|app| async move {
        let customer = app.customer().await;
        app.issued_invoice(&customer, &[line("Pose", "1", "1028.80", "20")]).await; // 1 234,56 gross
        let mut b = signed_in(&app, ADMIN).await;
        let fr = b.get("/invoices").await.body;
        assert!(fr.contains("Factures") && fr.contains("1\u{202f}234,56\u{a0}€"), "{fr}");
        let csrf = b.csrf().await;
        let p = b.post("/language", &[("csrf", &csrf), ("lang", "en"), ("back", "/invoices?status=issued")]).await;
        assert_eq!((p.status, p.location.as_str()), (303, "/invoices?status=issued"));
        let en = b.get("/invoices").await.body;
        assert!(en.contains(r#"<html lang="en">"#));
        assert!(en.contains(">Invoices<") && en.contains("€1,234.56") && en.contains("Issued"), "{en}");
        assert!(!en.contains("Factures"));
        // A foreign site's `back` is not followed.
        let p = b.post("/language", &[("csrf", &csrf), ("lang", "fr"), ("back", "//evil.example/")]).await;
        assert_eq!(p.location, "/");
    })
    .await;
}

#[tokio::test]
async fn a_user_of_several_companies_switches_between_them_and_only_them() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let other = app
            .store
            .create_company("Deuxième SAS", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "admin@test.fr")
            .await
            .unwrap();
        let stranger = app.other_company().await;
        app.customer_named("Client de Test SARL").await;
        let mut b = Browser::new(&app);
        b.sign_in("admin@test.fr", PASSWORD).await;
        let dash = b.get("/").await.body;
        assert!(dash.contains(r#"id="company-switch""#) && dash.contains("Deuxième SAS"));
        let csrf = b.csrf().await;
        let sw = b.post("/company", &[("csrf", &csrf), ("company_id", &other.company_id.to_string())]).await;
        assert_eq!(sw.status, 303);
        let list = b.get("/customers").await.body;
        assert!(!list.contains("Client de Test SARL"), "the other company's directory");
        let sw = b.post("/company", &[("csrf", &csrf), ("company_id", &stranger.company_id.to_string())]).await;
        assert_eq!(sw.status, 403, "not a member");
        let sw = b.post("/company", &[("csrf", &csrf), ("company_id", &app.company_id.to_string())]).await;
        assert_eq!(sw.status, 303);
        assert!(b.get("/customers").await.body.contains("Client de Test SARL"));
    })
    .await;
}

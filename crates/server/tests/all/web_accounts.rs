//! The account pages over HTTP, without a browser, on SQLite and PostgreSQL: company
//! settings (identity, banks, terms, numbering, e-mail templates, logo), members and
//! roles with the last-admin rule, API tokens made and revoked from the UI, password
//! reset by an e-mail link read from a real SMTP server (aiosmtpd), and sign-in rate
//! limiting.

use crate::common;

use common::smtp::*;
use common::web_client::*;
use common::*;
use facturier_server::mailer::MailConfig;
use facturier_store::Store;
use facturier_store::companies::Role;
use std::time::Duration;

const IDENTITY: &[(&str, &str)] = &[
    ("identity.name", "Atelier <script>alert(1)</script> SARL"),
    ("identity.legal_form", "SARL"),
    ("identity.share_capital", "10000"),
    ("identity.siren", "732829320"),
    ("identity.vat_number", "FR44732829320"),
    ("identity.rcs_city", "Lyon"),
    ("identity.address.line1", "3 quai Saint-Antoine"),
    ("identity.address.postal_code", "69002"),
    ("identity.address.city", "Lyon"),
    ("identity.address.country", "FR"),
    ("identity.email", "contact@atelier.fr"),
];

fn with(base: &[(&'static str, &'static str)], k: &'static str, v: &'static str) -> Vec<(&'static str, &'static str)> {
    base.iter().map(|&(a, b)| if a == k { (a, v) } else { (a, b) }).collect()
}

// ---------------------------------------------------------------- settings

#[tokio::test]
async fn an_admin_saves_identity_and_bank_and_they_are_on_the_invoices() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let saved = b.submit("/settings", IDENTITY).await;
        assert_eq!((saved.status, saved.location.as_str()), (303, "/settings?done=saved"), "{}", saved.body);
        let page = b.get("/settings?done=saved").await;
        assert!(page.body.contains("Modifications enregistrées."));
        assert!(shows_as_text(&page.body, "Atelier <script>alert(1)</script> SARL"), "escaped");
        assert!(!page.body.contains("<script>alert(1)"));
        assert!(page.body.contains(r#"value="732829320""#));

        let banks = b
            .submit(
                "/settings/banks",
                &[
                    ("count", "0"),
                    ("banks[0].label", "Compte courant"),
                    ("banks[0].iban", "FR76 3000 6000 0112 3456 7890 189"),
                    ("banks[0].bic", "agrifrpp"),
                ],
            )
            .await;
        assert_eq!(banks.status, 303, "{}", banks.body);
        let settings = app.get("/settings").await;
        let s = settings.assert_status(200);
        assert_eq!(s["identity"]["siren"], "732829320");
        assert_eq!(s["identity"]["share_capital"], "10000");
        assert_eq!(s["banks"][0]["default"], true, "the only account is the default");
        assert_eq!(s["banks"][0]["bic"], "AGRIFRPP");

        // The invoice's UBL carries the seller and the account to pay to.
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let r = app.http.get(format!("{}/invoices/{}/ubl", app.base, inv["id"].as_str().unwrap()));
        let xml = r.bearer_auth(&app.token).send().await.unwrap().text().await.unwrap();
        assert!(xml.contains("Atelier &lt;script&gt;alert(1)&lt;/script&gt; SARL"), "{xml}");
        assert!(xml.contains("FR7630006000011234567890189"), "{xml}");
        assert!(xml.contains("732829320"));

        // The bank page lists it, with room for another; removing it empties the list.
        let page = b.get("/settings/banks").await;
        assert!(page.body.contains("FR76"), "{}", page.body);
        let removed = b
            .submit(
                "/settings/banks",
                &[("count", "1"), ("banks[0].iban", "FR7630006000011234567890189"), ("banks[0].remove", "on")],
            )
            .await;
        assert_eq!(removed.status, 303);
        assert_eq!(app.get("/settings").await.body["banks"], serde_json::json!([]));
    })
    .await;
}

#[tokio::test]
async fn a_bad_siren_or_iban_is_refused_next_to_its_field_and_nothing_is_stored() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let before = app.get("/settings").await.body;
        let bad = b.submit("/settings", &with(IDENTITY, "identity.siren", "732829321")).await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains(r#"id="identity.siren-error""#), "{}", bad.body);
        assert!(bad.body.contains(r#"aria-describedby="identity.siren-error""#));
        assert!(bad.body.contains(r#"value="732829321""#), "what was typed is kept");
        let bad_iban = b
            .submit(
                "/settings/banks",
                &[
                    ("count", "1"),
                    ("banks[0].iban", "FR76 3000 6000 0112 3456 7890 100"),
                    ("banks[1].label", "Épargne"),
                ],
            )
            .await;
        assert_eq!(bad_iban.status, 422, "{}", bad_iban.body);
        assert!(bad_iban.body.contains(r#"id="banks[0].iban-error""#), "{}", bad_iban.body);
        // The second row was sent without an IBAN: its own error, on its own row.
        assert!(bad_iban.body.contains(r#"id="banks[1].iban-error""#), "{}", bad_iban.body);
        let bad_rate = b
            .submit(
                "/settings/terms",
                &[
                    ("legal.late_penalty_rate", "douze"),
                    ("documents.vat_rates", "20 ; 20"),
                    ("documents.default_payment_terms", "bientôt"),
                ],
            )
            .await;
        assert_eq!(bad_rate.status, 422);
        assert!(bad_rate.body.contains(r#"id="legal.late_penalty_rate-error""#));
        assert!(bad_rate.body.contains(r#"id="documents.vat_rates-error""#), "{}", bad_rate.body);
        assert!(bad_rate.body.contains(r#"id="documents.default_payment_terms-error""#));
        assert_eq!(app.get("/settings").await.body, before, "nothing stored");

        // Terms that are right are kept, and the other layout options with them.
        let ok = b
            .submit(
                "/settings/terms",
                &[
                    ("legal.late_penalty_rate", "12,5"),
                    ("legal.vat_on_debits", "on"),
                    ("documents.default_payment_terms", "45_days_end_of_month"),
                    ("documents.vat_rates", "20 ; 10 ; 5,5 ; 0"),
                    ("documents.default_terms", "Paiement à 30 jours."),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let s = app.get("/settings").await.body;
        assert_eq!(s["legal"]["late_penalty_rate"], "12.5");
        assert_eq!(s["legal"]["vat_on_debits"], true);
        assert_eq!(s["documents"]["default_terms"], "Paiement à 30 jours.");
        assert_eq!(s["documents"]["vat_rates"], serde_json::json!(["20", "10", "5.5", "0"]));
        // A customer without terms of its own gets the company's.
        let customer = app.customer().await;
        let inv = app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        assert_eq!(inv["payment_terms"], "45_days_end_of_month");
        let page = b.get("/settings/terms").await;
        // Shown in words, as the reader writes them back.
        assert!(page.body.contains(r#"value="45 jours fin de mois""#), "{}", page.body);
    })
    .await;
}

#[tokio::test]
async fn a_numbering_pattern_error_reads_in_the_users_language() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        b.act(&csrf, "/language", &[("lang", "fr"), ("back", "/")]).await;
        let form = [("kind", "credit_note"), ("pattern", "AV-{YYYY}"), ("yearly_reset", "on")];
        let bad = b.submit("/settings/numbering", &form).await;
        assert_eq!(bad.status, 422);
        let page = as_read(&bad.body);
        let french = "le modèle « AV-{YYYY} » doit contenir exactement un {SEQ} ou {SEQ:n}";
        assert!(page.contains(&format!(r#"id="pattern-credit_note-error">{french}"#)), "{page}");
        assert!(page.contains(&format!("Modèle de numérotation (avoir)</a> : {french}")), "{page}");
        let bad = b.submit("/settings/numbering", &[("kind", "invoice"), ("pattern", "F-{SEQ}-{XX}")]).await;
        assert!(as_read(&bad.body).contains("contient un champ inconnu « XX »"), "{}", bad.body);

        b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        let bad = b.submit("/settings/numbering", &form).await;
        let page = as_read(&bad.body);
        assert!(page.contains(r#"pattern "AV-{YYYY}" must contain exactly one {SEQ} or {SEQ:n}"#), "{page}");
        assert!(page.contains("Numbering pattern (credit note)</a>"), "{page}");
        let numbering = app.get("/numbering").await;
        assert!(!numbering.body.to_string().contains("AV-{YYYY}"), "nothing stored");
    })
    .await;
}

#[tokio::test]
async fn the_numbering_preview_shows_the_number_the_next_issue_gets() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let year = time::OffsetDateTime::now_utc().year();
        let ok = b
            .submit(
                "/settings/numbering",
                &[("kind", "invoice"), ("pattern", "FAC-{YYYY}-{SEQ:4}"), ("yearly_reset", "on")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let customer = app.customer().await;
        for _ in 0..2 {
            // A yearly sequence that has numbers this year goes on: the preview is not its first.
            let preview = b.get("/settings/numbering").await.body;
            let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
            let number = inv["number"].as_str().unwrap().to_string();
            assert!(preview.contains(&number), "preview before {number}: {preview}");
        }
        assert!(b.get("/settings/numbering").await.body.contains(&format!("FAC-{year}-0003")));
    })
    .await;
}

#[tokio::test]
async fn numbering_and_email_templates_are_checked_like_the_api() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let page = b.get("/settings/numbering").await;
        assert_eq!(page.status, 200);
        let year = time::OffsetDateTime::now_utc().year();
        assert!(page.body.contains(&format!("F{year}-00001")), "the next number is previewed");
        let bad = b
            .submit("/settings/numbering", &[("kind", "invoice"), ("pattern", "F{YYYY}"), ("yearly_reset", "on")])
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"id="pattern-invoice-error""#), "{}", bad.body);
        let ok = b
            .submit(
                "/settings/numbering",
                &[("kind", "invoice"), ("pattern", "FAC-{YYYY}-{SEQ:4}"), ("yearly_reset", "on")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = b.get("/settings/numbering").await;
        assert!(page.body.contains(&format!("FAC-{year}-0001")), "{}", page.body);
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        assert_eq!(inv["number"], format!("FAC-{year}-0001"));

        let page = b.get("/settings/emails?kind=invoice&lang=en").await;
        assert!(page.body.contains("{document_number}"), "the built-in template and the merge fields");
        let typo = b
            .submit(
                "/settings/emails",
                &[("kind", "invoice"), ("lang", "en"), ("subject", "Invoice {numero}"), ("body", "Hello")],
            )
            .await;
        assert_eq!(typo.status, 422, "{}", typo.body);
        assert!(typo.body.contains(r#"id="subject-error""#), "{}", typo.body);
        assert_eq!(app.get("/settings").await.body["email_templates"], serde_json::json!({}));
        let ok = b
            .submit(
                "/settings/emails",
                &[
                    ("kind", "invoice"),
                    ("lang", "en"),
                    ("subject", "Invoice {document_number}"),
                    ("body", "Hello {customer_name}"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let s = app.get("/settings").await.body;
        assert_eq!(s["email_templates"]["invoice"]["en"]["subject"], "Invoice {document_number}");
        let restored = b.submit("/settings/emails", &[("kind", "invoice"), ("lang", "en"), ("restore", "1")]).await;
        assert_eq!(restored.status, 303);
        assert_eq!(app.get("/settings").await.body["email_templates"]["invoice"], serde_json::json!({}));
    })
    .await;
}

#[tokio::test]
async fn a_logo_that_is_not_an_image_is_refused_and_a_png_is_shown_then_deleted() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let page = b.get("/settings/logo").await;
        assert!(page.body.contains(r#"id="no-logo""#));
        let text = b.upload("/settings/logo", "logo", "image/png", b"not a picture at all").await;
        assert_eq!(text.status, 422, "{}", text.body);
        assert!(
            text.body.contains(r#"id="logo-error""#) && text.body.contains("neither a PNG nor a JPEG"),
            "{}",
            text.body
        );
        let pdf = b.upload("/settings/logo", "logo", "application/pdf", b"%PDF-1.7").await;
        assert_eq!(pdf.status, 415, "{}", pdf.body);
        assert_eq!(app.get("/settings/logo").await.status, 404, "nothing stored");

        let png = png_logo(120, 40);
        let ok = b.upload("/settings/logo", "logo", "image/png", &png).await;
        assert_eq!((ok.status, ok.location.as_str()), (303, "/settings/logo?done=logo_saved"), "{}", ok.body);
        let page = b.get("/settings/logo").await;
        assert!(page.body.contains(r#"id="logo-preview""#));
        let img = b.get("/settings/logo/image").await;
        assert_eq!((img.status, img.content_type.as_str()), (200, "image/png"));
        let asked = b.submit("/settings/logo/delete", &[]).await;
        assert!(asked.status == 200 && asked.body.contains(r#"id="confirm""#), "{}", asked.body);
        assert_eq!(app.get("/settings/logo").await.status, 200, "kept until confirmed");
        let deleted = b.submit("/settings/logo/delete", &[("confirm", "1")]).await;
        assert_eq!((deleted.status, deleted.location.as_str()), (303, "/settings/logo?done=logo_deleted"));
        assert_eq!(app.get("/settings/logo").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn only_an_admin_sees_or_changes_settings_and_members() {
    each_db(|app| async move {
        let mut sales = signed_in_member(&app, "vente@test.fr", Role::Sales).await;
        let home = sales.get("/").await;
        assert!(!home.body.contains(r#"href="/settings""#), "no settings link for a non-admin");
        assert!(!home.body.contains(r#"id="nav-admin""#), "nor an administration menu");
        assert!(home.body.contains(r#"href="/tokens""#), "every user has tokens");
        for path in
            ["/settings", "/settings/banks", "/settings/numbering", "/settings/emails", "/settings/logo", "/users"]
        {
            assert_eq!(sales.get(path).await.status, 403, "{path}");
        }
        let identity_before = app.get("/settings").await.body["identity"].clone();
        let forged = sales.submit("/settings", IDENTITY).await;
        assert_eq!(forged.status, 403);
        let forged = sales.submit("/users", &[("email", "x@test.fr"), ("role", "admin")]).await;
        assert_eq!(forged.status, 403);
        let logo = sales.upload("/settings/logo", "logo", "image/png", &png_logo(10, 10)).await;
        assert_eq!(logo.status, 403);
        assert_eq!(app.get("/settings").await.body["identity"], identity_before, "nothing stored");
        assert_eq!(app.store.members(app.company_id).await.unwrap().len(), 2);
        // Without a session: to sign-in.
        let mut anonymous = Browser::new(&app);
        assert_eq!(anonymous.get("/settings").await.location, "/login?next=%2Fsettings");
    })
    .await;
}

// ---------------------------------------------------------------- members

#[tokio::test]
async fn members_are_added_their_role_changed_and_the_last_admin_stays() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let bad = b.submit("/users", &[("email", "pas une adresse"), ("role", "sales"), ("password", "")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"id="email-error""#));
        let short = b.submit("/users", &[("email", "court@test.fr"), ("role", "sales"), ("password", "court")]).await;
        assert_eq!(short.status, 422);
        assert!(short.body.contains(r#"id="password-error""#));
        assert_eq!(app.store.members(app.company_id).await.unwrap().len(), 1, "nothing stored");

        let added = b
            .submit("/users", &[("email", "<b>compta</b>@test.fr"), ("role", "accountant"), ("password", PASSWORD)])
            .await;
        assert_eq!(added.status, 422, "markup is no e-mail address");
        let added =
            b.submit("/users", &[("email", "compta@test.fr"), ("role", "accountant"), ("password", PASSWORD)]).await;
        assert_eq!((added.status, added.location.as_str()), (303, "/users?done=added"), "{}", added.body);
        let again = b.submit("/users", &[("email", "COMPTA@test.fr"), ("role", "sales"), ("password", "")]).await;
        assert_eq!(again.status, 409);
        assert!(again.body.contains("déjà membre"));
        let mut compta = Browser::new(&app);
        assert_eq!(compta.sign_in("compta@test.fr", PASSWORD).await.status, 303, "signs in with the initial password");
        assert!(compta.get("/").await.body.contains("comptable"));

        let members = app.store.members(app.company_id).await.unwrap();
        let admin_id = members.iter().find(|m| m.email == "admin@test.fr").unwrap().user_id;
        let compta_id = members.iter().find(|m| m.email == "compta@test.fr").unwrap().user_id;

        // The last admin can be neither demoted nor removed.
        let demote = b.submit(&format!("/users/{admin_id}/role"), &[("role", "sales"), ("confirm", "1")]).await;
        assert_eq!(demote.status, 409);
        assert!(demote.body.contains("dernier administrateur"), "{}", demote.body);
        let remove = b.submit(&format!("/users/{admin_id}/remove"), &[("confirm", "1")]).await;
        assert_eq!(remove.status, 409);
        assert_eq!(
            app.store.members(app.company_id).await.unwrap().iter().filter(|m| m.role == Role::Admin).count(),
            1
        );

        // A role change applies at the member's next request.
        let promote = b.submit(&format!("/users/{compta_id}/role"), &[("role", "admin")]).await;
        assert_eq!(promote.status, 303);
        assert_eq!(compta.get("/settings").await.status, 200);
        let demote = b.submit(&format!("/users/{admin_id}/role"), &[("role", "read_only"), ("confirm", "1")]).await;
        assert_eq!(demote.status, 303, "another admin exists now");
        assert_eq!(b.get("/users").await.status, 403);

        // Removed: the session and the API tokens of that company stop at once.
        let (_, token) = app.store.create_api_token(app.company_id, admin_id, "script").await.unwrap();
        assert_eq!(app.with_token(&token).get("/customers").await.status, 200);
        let removed = compta.submit(&format!("/users/{admin_id}/remove"), &[("confirm", "1")]).await;
        assert_eq!(removed.status, 303);
        assert_eq!(b.get("/").await.status, 303, "signed out");
        assert_eq!(app.with_token(&token).get("/customers").await.status, 401);
        let list = compta.get("/users").await;
        assert!(!list.body.contains("admin@test.fr"));
    })
    .await;
}

#[tokio::test]
async fn a_new_member_without_a_password_gets_a_link_by_email() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let added = b.submit("/users", &[("email", "nouveau@test.fr"), ("role", "sales"), ("password", "")]).await;
        assert_eq!((added.status, added.location.as_str()), (303, "/users?done=invited"));
        let (to, body) = last_outbox_message(&app.store).await;
        assert_eq!(to, r#"["nouveau@test.fr"]"#);
        assert!(body.contains("/password/reset?token="), "{body}");
        assert!(body.contains("sept jours"), "{body}");

        // The invitation is written in the language chosen for the new user, which is
        // also the language they will read the app in.
        let form = b.get("/users").await;
        assert!(form.body.contains(r#"<option value="fr" selected"#), "the admin's language by default");
        let english = b
            .submit("/users", &[("email", "new@test.fr"), ("role", "sales"), ("language", "en"), ("password", "")])
            .await;
        assert_eq!((english.status, english.location.as_str()), (303, "/users?done=invited"));
        let (to, body) = last_outbox_message(&app.store).await;
        assert_eq!(to, r#"["new@test.fr"]"#);
        assert!(body.contains("seven days"), "{body}");
        let user = app.store.login_user("new@test.fr").await.unwrap().expect("the user exists");
        assert_eq!(user.language, facturier_core::party::Language::En);
        // A refused form keeps the chosen language.
        let bad = b.submit("/users", &[("email", "pas une adresse"), ("role", "sales"), ("language", "en")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"<option value="en" selected"#));
    })
    .await;
}

// ---------------------------------------------------------------- API tokens

#[tokio::test]
async fn an_api_token_made_in_the_ui_works_until_it_is_revoked() {
    each_db(|app| async move {
        let mut b = signed_in_member(&app, "vente@test.fr", Role::Sales).await;
        let empty = b.submit("/tokens", &[("name", "  ")]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.body.contains(r#"id="token-name-error""#));
        let made = b.submit("/tokens", &[("name", "Export <compta>")]).await;
        assert_eq!(made.status, 201, "{}", made.body);
        let at = made.body.find(r#"id="new-token">"#).expect("the token is shown") + r#"id="new-token">"#.len();
        let token = made.body[at..].split('<').next().unwrap().to_string();
        assert!(token.starts_with("fct_"), "{token}");
        assert!(shows_as_text(&made.body, "Export <compta>"));

        let api = app.with_token(&token);
        assert_eq!(api.get("/customers").await.status, 200);
        assert_eq!(api.post("/customers", customer_body("Client API")).await.status, 201, "with the user's role");
        assert_eq!(api.patch("/settings", serde_json::json!({"allow_negative_stock": true})).await.status, 403);

        let tokens = app.store.api_tokens(app.company_id, api_user(&app, "vente@test.fr").await).await.unwrap();
        let made_id = tokens.iter().find(|t| t.name == "Export <compta>").unwrap().id;
        let list = b.get("/tokens").await;
        assert!(!list.body.contains(&token), "the secret is shown once only");
        let at = list.body.find(&format!(r#"id="token-{made_id}""#)).expect("the token is listed");
        let row = list.body[at..].split("</tr>").next().unwrap();
        let d = time::OffsetDateTime::now_utc().date();
        let today_fr = format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
        assert_eq!(row.matches(&today_fr).count(), 2, "created and last used today: {row}");
        assert!(row.contains("commercial"), "with the user's role: {row}");
        // Another user cannot revoke it.
        let mut other = signed_in(&app, ADMIN).await;
        assert_eq!(other.submit(&format!("/tokens/{made_id}/revoke"), &[]).await.status, 404);
        assert_eq!(other.submit(&format!("/tokens/{made_id}/revoke"), &[("confirm", "1")]).await.status, 404);
        assert_eq!(api.get("/customers").await.status, 200);
        let revoked = b.submit(&format!("/tokens/{made_id}/revoke"), &[("confirm", "1")]).await;
        assert_eq!((revoked.status, revoked.location.as_str()), (303, "/tokens?done=revoked"));
        assert_eq!(api.get("/customers").await.status, 401, "refused at once");
    })
    .await;
}

async fn api_user(app: &TestApp, email: &str) -> uuid::Uuid {
    app.store.members(app.company_id).await.unwrap().into_iter().find(|m| m.email == email).unwrap().user_id
}

// ---------------------------------------------------------------- password reset

/// The reset link's path and query in a message's text.
fn link_in(text: &str) -> String {
    let at = text.find("/password/reset?token=").expect("a reset link");
    text[at..].split_whitespace().next().unwrap().to_string()
}

async fn last_outbox_message(store: &Store) -> (String, String) {
    let sql = "SELECT recipients, body FROM outbox ORDER BY id DESC LIMIT 1";
    match store {
        Store::Sqlite(p, _) => sqlx::query_as(sql).fetch_one(p).await,
        Store::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await,
    }
    .unwrap()
}

async fn set_new_password(b: &mut Browser, link: &str, password: &str, confirm: &str) -> Page {
    let mut form = b.get(link).await;
    if !form.body.contains(r#"name="csrf""#) {
        // A dead link's page has no form: the CSRF pair comes from the forgot page.
        form = b.get("/password/forgot").await;
    }
    let csrf = csrf_of(&form.body);
    let token = link.split("token=").nth(1).unwrap().to_string();
    b.post(
        "/password/reset",
        &[("csrf", &csrf), ("token", &token), ("password", password), ("confirm", confirm), ("lang", "fr")],
    )
    .await
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_link_in_the_email() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        let port = free_port();
        let sink = SmtpSink::start(port);
        let mail = MailConfig {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            poll: Duration::from_millis(200),
            ..MailConfig::default()
        };
        let app = spawn_app_with_mail(&db, Some(mail)).await;
        let mut old_session = signed_in(&app, ADMIN).await;

        // The same answer for an unknown address, and no e-mail.
        let mut b = Browser::new(&app);
        let unknown = b.forgot_password("personne@test.fr").await;
        let known = b.forgot_password("Admin@test.fr").await;
        assert_eq!((unknown.status, known.status), (200, 200));
        assert!(known.body.contains("Si un compte existe pour cette adresse"));
        assert_eq!(unknown.body, known.body);
        let got = sink.wait_for(1).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 1, "one e-mail only: the known address's");
        let m = &got[0];
        assert_eq!(m["rcpt_tos"], serde_json::json!(["Admin@test.fr"]), "{m}");
        let text = m["text"].as_str().unwrap().replace("\r\n", "\n");
        let link = link_in(&text);
        assert!(text.contains(&format!("{}{link}", app.base.trim_end_matches("/api/v1"))), "an absolute link: {text}");

        // The link opens the form; too short or different passwords are refused.
        let form = b.get(&link).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains(r#"id="confirm""#));
        let short = set_new_password(&mut b, &link, "court", "court").await;
        assert_eq!(short.status, 422);
        assert!(short.body.contains("12 caractères"));
        let differ = set_new_password(&mut b, &link, "un nouveau mot de passe", "un autre mot de passe").await;
        assert_eq!(differ.status, 422);
        assert!(differ.body.contains("pas identiques"));

        let done = set_new_password(&mut b, &link, "un nouveau mot de passe", "un nouveau mot de passe").await;
        assert_eq!((done.status, done.location.as_str()), (303, "/login?reset=1&lang=fr"), "{}", done.body);
        assert!(b.get(&done.location).await.body.contains("Votre mot de passe a été changé"));
        assert_eq!(old_session.get("/").await.status, 303, "the other sessions ended");
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 401, "the old password is gone");
        assert_eq!(b.sign_in("admin@test.fr", "un nouveau mot de passe").await.status, 303);

        // Used once: the same link is refused.
        let mut c = Browser::new(&app);
        assert_eq!(c.get(&link).await.status, 410);
        let again = set_new_password(&mut c, &link, "encore un autre mot", "encore un autre mot").await;
        assert_eq!(again.status, 410);
        assert!(again.body.contains("plus valable"));

        // The mail is written in the account holder's language, not in the asker's.
        assert_eq!(m["subject"], "Choisir votre mot de passe facturier", "{m}");
        let csrf = b.csrf().await;
        assert_eq!(b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await.status, 303);
        let mut asker = Browser::new(&app);
        assert!(asker.forgot_password("admin@test.fr").await.body.contains("Si un compte existe"), "a French page");
        let english = &sink.wait_for(2).await[1];
        assert_eq!(english["subject"], "Choose your facturier password", "{english}");
        assert!(english["text"].as_str().unwrap().contains("To choose a new facturier password"), "{english}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_expired_reset_link_is_refused_and_changes_nothing() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        // The link is read from the delivered message: the outbox never holds its secret.
        let port = free_port();
        let sink = SmtpSink::start(port);
        let mail = MailConfig {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            poll: Duration::from_millis(200),
            ..MailConfig::default()
        };
        let app = spawn_app_with_mail(&db, Some(mail)).await;
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        assert_eq!(b.forgot_password("admin@test.fr").await.status, 200);
        let got = sink.wait_for(1).await;
        let link = link_in(&got[0]["text"].as_str().unwrap().replace("\r\n", "\n"));
        // An hour and a bit later.
        let past = facturier_store::now() - time::Duration::minutes(61);
        let sql = "UPDATE password_resets SET expires_at = $1";
        match &app.store {
            Store::Sqlite(p, _) => sqlx::query(sql).bind(past).execute(p).await.map(drop),
            Store::Postgres(p) => sqlx::query(sql).bind(past).execute(p).await.map(drop),
        }
        .unwrap();
        let page = b.get(&link).await;
        assert_eq!(page.status, 410);
        assert!(page.body.contains(r#"id="invalid-link""#));
        let token = link.split("token=").nth(1).unwrap();
        // The refusal page has no form: the CSRF pair comes from the forgot page.
        let form = b.get("/password/forgot").await;
        let csrf = csrf_of(&form.body);
        let sent = b
            .post(
                "/password/reset",
                &[
                    ("csrf", &csrf),
                    ("token", token),
                    ("password", "un nouveau mot de passe"),
                    ("confirm", "un nouveau mot de passe"),
                ],
            )
            .await;
        assert_eq!(sent.status, 410);
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303, "the password did not change");
        // A forged form without the cookie's token is refused.
        let mut stranger = Browser::new(&app);
        let forged = stranger.post("/password/forgot", &[("csrf", "x"), ("email", "admin@test.fr")]).await;
        assert_eq!(forged.status, 403);
        drop(sink);
        db.cleanup().await;
    }
}

// ---------------------------------------------------------------- rate limiting

#[tokio::test]
async fn sign_in_is_refused_after_five_failures_for_one_email_whether_it_exists_or_not() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        // A success resets the count.
        for _ in 0..4 {
            assert_eq!(b.sign_in("admin@test.fr", "mauvais").await.status, 401);
        }
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        let mut b = Browser::new(&app);
        for n in 0..5 {
            assert_eq!(b.sign_in("admin@test.fr", "mauvais").await.status, 401, "attempt {n}");
            assert_eq!(b.sign_in("personne@test.fr", "mauvais").await.status, 401, "attempt {n}");
        }
        let known = b.sign_in("admin@test.fr", PASSWORD).await;
        let unknown = b.sign_in("personne@test.fr", PASSWORD).await;
        for p in [&known, &unknown] {
            assert_eq!(p.status, 429);
            assert!(p.body.contains("Trop de tentatives de connexion"), "{}", p.body);
        }
        assert_eq!(
            known.body.replace("admin@test.fr", "X").replace(&csrf_of(&known.body), "T"),
            unknown.body.replace("personne@test.fr", "X").replace(&csrf_of(&unknown.body), "T"),
            "nothing tells whether the account exists"
        );
        assert!(!b.cookies.contains_key("facturier_session"));
        // Once the window has passed the account signs in again. (The attempts are rows,
        // so a restarted server counts them too.)
        let old = facturier_store::now() - time::Duration::minutes(16);
        let ms = old.millis();
        let sql = "UPDATE login_failures SET at_ms = $1";
        match &app.store {
            Store::Sqlite(p, _) => sqlx::query(sql).bind(ms).execute(p).await.map(drop),
            Store::Postgres(p) => sqlx::query(sql).bind(ms).execute(p).await.map(drop),
        }
        .unwrap();
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn twenty_failures_from_one_client_block_it_for_every_email() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        for n in 0..20 {
            let email = format!("essai{}@test.fr", n % 5);
            assert_eq!(b.sign_in(&email, "mauvais").await.status, 401, "attempt {n}");
        }
        let blocked = b.sign_in("admin@test.fr", PASSWORD).await;
        assert_eq!(blocked.status, 429, "the right password of another account, from the same client");
    })
    .await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_limit_counts_the_forwarded_client_and_nobody_else_can_forge_it() {
    for db in common::dbs().await {
        eprintln!("--- on {}", db.name);
        // The test connects from 127.0.0.1: it plays the proxy.
        let web = facturier_server::web::WebConfig {
            trusted_proxies: vec![facturier_server::web::parse_proxy("127.0.0.1").unwrap()],
            ..Default::default()
        };
        let app = spawn_app_with(&db, None, Some(web)).await;
        with_password(&app, "admin@test.fr").await;
        // A client forging an address to the left of what the proxy appended stays counted.
        for n in 0..20 {
            let mut forged = Browser::new(&app).with_header("x-forwarded-for", &format!("10.9.9.{n}, 203.0.113.5"));
            assert_eq!(forged.sign_in(&format!("essai{}@test.fr", n % 5), "mauvais").await.status, 401, "attempt {n}");
        }
        let mut same = Browser::new(&app).with_header("x-forwarded-for", "203.0.113.5");
        assert_eq!(same.sign_in("admin@test.fr", PASSWORD).await.status, 429, "the forwarded client is blocked");
        // Another office behind the same proxy signs in.
        let mut colleague = Browser::new(&app).with_header("x-forwarded-for", "198.51.100.20");
        assert_eq!(colleague.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        db.cleanup().await;
    }

    // Without a trusted proxy the header is ignored: rotating it does not escape the limit.
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        for n in 0..20 {
            let mut b = Browser::new(&app).with_header("x-forwarded-for", &format!("198.51.100.{n}"));
            assert_eq!(b.sign_in(&format!("essai{}@test.fr", n % 5), "mauvais").await.status, 401, "attempt {n}");
        }
        let mut b = Browser::new(&app).with_header("x-forwarded-for", "198.51.100.99");
        assert_eq!(b.sign_in("admin@test.fr", PASSWORD).await.status, 429);
    })
    .await;
}

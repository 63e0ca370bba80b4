//! Confirmations, success notices and the e-mail form of the web app, over HTTP on
//! SQLite then PostgreSQL: every destructive action posted without `confirm=1` changes
//! nothing and answers with a page that says what would happen; its "confirm" form does
//! it, and the page it leads to says it was done. The e-mail form keeps what was typed,
//! sends to it, previews the message, and the outbox says in words why a message waits.

use crate::common;

use common::smtp::{SmtpSink, free_port, mail_via, wait_until};
use common::web_client::{ADMIN, Browser, Page, as_read, multipart, shows_as_text, signed_in};
use common::{TestApp, each_db, line, png_logo, spawn_app_with_mail};
use facturier_store::companies::Role;
use serde_json::{Value, json};

/// The text of an HTML attribute value as a browser reads it.
fn unescape(s: &str) -> String {
    s.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The action and the fields of the confirmation page's form, as a browser would post them.
fn confirm_form(html: &str) -> (String, Vec<(String, String)>) {
    let at = html.find(r#"id="confirm-form""#).expect("a confirmation form");
    let start = html[..at].rfind("<form").expect("<form");
    let form = &html[start..start + html[start..].find("</form>").expect("</form>")];
    let attr = |tag: &str, name: &str| {
        let key = format!(r#"{name}=""#);
        tag.find(&key).map(|i| {
            let rest = &tag[i + key.len()..];
            unescape(&rest[..rest.find('"').unwrap()])
        })
    };
    let action = attr(form, "action").expect("an action");
    let fields = form
        .split("<input")
        .skip(1)
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect();
    (action, fields)
}

/// Posts `form` to `path` without `confirm`: the confirmation page (200), saying `says`,
/// whose form posts back to `path` with `confirm=1`.
async fn asked(b: &mut Browser, csrf: &str, path: &str, form: &[(&str, &str)], says: &str) -> Page {
    let p = b.act(csrf, path, form).await;
    assert_eq!(p.status, 200, "{path}: {}", p.body);
    let (action, fields) = confirm_form(&p.body);
    assert_eq!(action, path);
    assert!(fields.contains(&("confirm".into(), "1".into())), "{fields:?}");
    assert!(p.body.contains(r#"id="confirm""#) && p.body.contains(r#"id="confirm-cancel""#), "{}", p.body);
    let text = as_read(&p.body);
    assert!(text.contains(says), "{path}: {says:?} not in {text}");
    p
}

/// Submits the confirmation page's form: a redirect to a page whose notice says `notice`.
async fn confirmed(b: &mut Browser, page: &Page, notice: &str) -> Page {
    let (action, fields) = confirm_form(&page.body);
    let r = b.post_pairs(&action, &fields).await;
    assert_eq!(r.status, 303, "{action}: {}", r.body);
    let next = b.get(&r.location).await;
    assert_eq!(next.status, 200, "{}", r.location);
    let at = next.body.find(r#"role="status" id="notice""#).unwrap_or_else(|| panic!("no notice: {}", next.body));
    let shown = as_read(&next.body[at..next.body[at..].find("</p>").unwrap() + at]);
    assert!(shown.contains(notice), "{notice:?} not in {shown}");
    next
}

async fn status(app: &TestApp, path: &str) -> String {
    app.get(path).await.body["status"].as_str().unwrap_or_default().to_string()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn document_actions_ask_first_and_act_once_confirmed() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;

        // Issuing: the page names the number the invoice will take, and it does.
        let draft = id(&app.draft_invoice(&customer, &[line("Pose", "2", "100", "20")]).await);
        let path = format!("/invoices/{draft}/issue");
        let page = asked(&mut b, &csrf, &path, &[], "ne pourra plus être modifiée").await;
        assert!(as_read(&page.body).contains("Émettre la facture ?"), "the question is the title");
        let text = as_read(&page.body);
        let number = text.split("Le numéro ").nth(1).and_then(|t| t.split(' ').next()).expect("a number").to_string();
        assert!(number.starts_with('F'), "{number}");
        assert_eq!(status(&app, &format!("/invoices/{draft}")).await, "draft", "nothing done without confirm");
        assert!(page.body.contains(&format!(r#"href="/invoices/{draft}""#)), "going back leads to the document");
        let next = confirmed(&mut b, &page, "Document émis").await;
        assert!(next.body.contains(&number));
        assert_eq!(app.get(&format!("/invoices/{draft}")).await.body["number"], number.as_str());
        // Issued already: refused as it would be once confirmed, without a confirmation page.
        assert_eq!(b.act(&csrf, &path, &[]).await.status, 409);

        // Deleting a draft.
        let other = id(&app.draft_invoice(&customer, &[line("Pose", "1", "10", "20")]).await);
        let page =
            asked(&mut b, &csrf, &format!("/invoices/{other}/delete"), &[], "Cette action est définitive.").await;
        assert_eq!(status(&app, &format!("/invoices/{other}")).await, "draft");
        confirmed(&mut b, &page, "Brouillon supprimé.").await;
        assert_eq!(app.get(&format!("/invoices/{other}")).await.status, 404);

        // A credit note: nothing is made before the confirmation.
        let path = format!("/invoices/{draft}/credit-note");
        let page = asked(&mut b, &csrf, &path, &[("credit_amount", "10,00")], "Créer un avoir pour la facture").await;
        assert_eq!(app.get("/credit-notes").await.body["data"].as_array().unwrap().len(), 0);
        let next = confirmed(&mut b, &page, "Brouillon d'avoir créé").await;
        assert!(next.body.contains("10,00"), "the amount typed went through the confirmation");
        assert_eq!(app.get("/credit-notes").await.body["data"].as_array().unwrap().len(), 1);

        // Refusing and cancelling quotes.
        for (action, says, notice, after) in [
            ("refuse", "comme refusé ?", "Devis marqué comme refusé.", "refused"),
            ("cancel", "Annuler le devis", "Document annulé.", "cancelled"),
        ] {
            let r =
                app.post("/quotes", json!({"customer_id": customer, "lines": [line("Pose", "1", "10", "20")]})).await;
            let quote = id(r.assert_status(201));
            app.post(&format!("/quotes/{quote}/issue"), json!({})).await.assert_status(200);
            let page = asked(&mut b, &csrf, &format!("/quotes/{quote}/{action}"), &[], says).await;
            assert_eq!(status(&app, &format!("/quotes/{quote}")).await, "sent", "{action}: nothing done");
            confirmed(&mut b, &page, notice).await;
            assert_eq!(status(&app, &format!("/quotes/{quote}")).await, after);
        }

        // In English for an English reader.
        b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        let third = id(&app.draft_invoice(&customer, &[line("Pose", "1", "10", "20")]).await);
        let page = asked(&mut b, &csrf, &format!("/invoices/{third}/delete"), &[], "This cannot be undone.").await;
        assert!(as_read(&page.body).contains("Delete the draft?") && page.body.contains(r#"<html lang="en">"#));
        confirmed(&mut b, &page, "Draft deleted.").await;
    })
    .await;
}

#[tokio::test]
async fn payment_and_credit_actions_ask_first_and_act_once_confirmed() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = id(&app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await);
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        // Paid in part: the success notice on the invoice's page.
        let paid = b.act(&csrf, &format!("/invoices/{inv}/payments"), &[("amount", "50"), ("method", "cheque")]).await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        assert!(b.get(&paid.location).await.body.contains("Règlement enregistré."));
        assert_eq!(status(&app, &format!("/invoices/{inv}")).await, "partially_paid");

        // Cancelling the payment: its reason is repeated, then it is cancelled.
        let payment =
            app.get(&format!("/invoices/{inv}")).await.body["payments"][0]["id"].as_str().unwrap().to_string();
        let back = format!("/invoices/{inv}");
        let path = format!("/payments/{payment}/cancel");
        let page = asked(&mut b, &csrf, &path, &[("reason", "chèque <rejeté>"), ("back", &back)], "« chèque").await;
        assert!(shows_as_text(&page.body, "« chèque <rejeté> »") && !page.body.contains("<rejeté>"), "escaped");
        assert_eq!(status(&app, &back).await, "partially_paid", "nothing cancelled yet");
        let next = confirmed(&mut b, &page, "Règlement annulé").await;
        assert!(next.body.contains(r#"id="document-status""#), "back on the invoice");
        assert_eq!(status(&app, &back).await, "issued");

        // Overpaid, the excess kept as credit, then part of it refunded: the amount in words.
        let paid = b
            .act(
                &csrf,
                &format!("/invoices/{inv}/payments"),
                &[("amount", "150"), ("method", "cheque"), ("excess", "credit")],
            )
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let credit =
            || async { app.get(&format!("/customers/{customer}/credit")).await.body["credit"][0]["amount"].clone() };
        assert_eq!(credit().await, "30.00");
        let path = format!("/customers/{customer}/credit/refund");
        let page = asked(&mut b, &csrf, &path, &[("amount", "10"), ("method", "cheque")], "10,00 €").await;
        assert_eq!(credit().await, "30.00", "nothing refunded yet");
        confirmed(&mut b, &page, "Remboursement enregistré.").await;
        assert_eq!(credit().await, "20.00");
    })
    .await;
}

#[tokio::test]
async fn account_actions_ask_first_and_act_once_confirmed() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        app.store.create_user_token(app.company_id, "compta@test.fr", Role::Admin).await.unwrap();
        let compta = app.store.members(app.company_id).await.unwrap();
        let compta = compta.iter().find(|m| m.email == "compta@test.fr").unwrap().user_id;
        let role = |app: TestApp| async move {
            let members = app.store.members(app.company_id).await.unwrap();
            members.into_iter().find(|m| m.user_id == compta).map(|m| m.role)
        };

        // Lowering a role asks; raising it does not.
        let path = format!("/users/{compta}/role");
        let page =
            asked(&mut b, &csrf, &path, &[("role", "sales")], "perdra les droits du rôle « administrateur »").await;
        assert_eq!(role(app.clone()).await, Some(Role::Admin));
        confirmed(&mut b, &page, "Rôle modifié.").await;
        assert_eq!(role(app.clone()).await, Some(Role::Sales));
        let up = b.act(&csrf, &path, &[("role", "accountant")]).await;
        assert_eq!((up.status, up.location.as_str()), (303, "/users?done=role"));

        // Removing a member.
        let path = format!("/users/{compta}/remove");
        let page = asked(&mut b, &csrf, &path, &[], "Retirer compta@test.fr de la société ?").await;
        assert_eq!(role(app.clone()).await, Some(Role::Accountant));
        confirmed(&mut b, &page, "Utilisateur retiré de la société.").await;
        assert_eq!(role(app.clone()).await, None);

        // Withdrawing an invitation.
        app.store
            .create_company("Zeta SAS", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "boss@zeta.fr")
            .await
            .unwrap();
        let invited = b.act(&csrf, "/users", &[("email", "boss@zeta.fr"), ("role", "sales"), ("password", "")]).await;
        assert_eq!(invited.location, "/users?done=invitation_sent");
        let pending = app.store.pending_invitations(app.company_id, facturier_store::now()).await.unwrap();
        let path = format!("/users/invitations/{}/cancel", pending[0].id);
        let page = asked(&mut b, &csrf, &path, &[], "Retirer l'invitation de boss@zeta.fr ?").await;
        assert_eq!(app.store.pending_invitations(app.company_id, facturier_store::now()).await.unwrap().len(), 1);
        confirmed(&mut b, &page, "Invitation retirée.").await;
        assert!(app.store.pending_invitations(app.company_id, facturier_store::now()).await.unwrap().is_empty());

        // Declining one, as the invited user.
        b.act(&csrf, "/users", &[("email", "boss@zeta.fr"), ("role", "sales"), ("password", "")]).await;
        let mut boss = signed_in(&app, "boss@zeta.fr").await;
        let boss_csrf = boss.csrf().await;
        let pending = app.store.pending_invitations(app.company_id, facturier_store::now()).await.unwrap();
        let path = format!("/invitations/{}/decline", pending[0].id);
        let page = asked(&mut boss, &boss_csrf, &path, &[], "Refuser l'invitation de Test SARL ?").await;
        assert_eq!(app.store.pending_invitations(app.company_id, facturier_store::now()).await.unwrap().len(), 1);
        confirmed(&mut boss, &page, "Invitation refusée.").await;
        assert!(app.store.pending_invitations(app.company_id, facturier_store::now()).await.unwrap().is_empty());

        // Revoking a token.
        let made = b.act(&csrf, "/tokens", &[("name", "Script compta"), ("validity", "30")]).await;
        assert_eq!(made.status, 201);
        let tokens = app.store.api_tokens(app.company_id, app.store.login_user(ADMIN).await.unwrap().unwrap().user_id);
        let token = tokens.await.unwrap().into_iter().find(|t| t.name == "Script compta").unwrap().id;
        let page =
            asked(&mut b, &csrf, &format!("/tokens/{token}/revoke"), &[], "Révoquer le jeton « Script compta » ?")
                .await;
        assert!(b.get("/tokens").await.body.contains("Script compta"), "not revoked yet");
        let next = confirmed(&mut b, &page, "Jeton révoqué").await;
        assert!(!next.body.contains("Script compta"));
    })
    .await;
}

#[tokio::test]
async fn file_and_logo_deletions_ask_first_and_uploads_say_they_are_done() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let up = b
            .post_multipart(
                &format!("/customers/{customer}/files"),
                multipart(&[("csrf", &csrf)], Some(("devis signé.pdf", "application/pdf", &b"%PDF-1.7 x"[..]))),
            )
            .await;
        assert_eq!(up.location, format!("/customers/{customer}?done=file_uploaded#files"));
        assert!(b.get(&up.location).await.body.contains("Fichier ajouté."));
        let files = app.get(&format!("/customers/{customer}/files")).await.body;
        let file = files[0]["id"].as_str().unwrap().to_string();
        let path = format!("/customers/{customer}/files/{file}/delete");
        let page = asked(&mut b, &csrf, &path, &[], "Supprimer le fichier « devis signé.pdf » ?").await;
        assert_eq!(app.get(&format!("/customers/{customer}/files")).await.body.as_array().unwrap().len(), 1);
        confirmed(&mut b, &page, "Fichier supprimé.").await;
        assert_eq!(app.get(&format!("/customers/{customer}/files")).await.body.as_array().unwrap().len(), 0);

        let logo = b.upload("/settings/logo", "logo", "image/png", &png_logo(120, 40)).await;
        assert!(b.get(&logo.location).await.body.contains("Logo enregistré"));
        let page = asked(&mut b, &csrf, "/settings/logo/delete", &[], "Supprimer le logo ?").await;
        assert_eq!(app.get("/settings/logo").await.status, 200, "kept until confirmed");
        confirmed(&mut b, &page, "Logo supprimé.").await;
        assert_eq!(app.get("/settings/logo").await.status, 404);
    })
    .await;
}

#[tokio::test]
async fn notices_come_from_a_fixed_list_and_are_shown_once() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let saved = b.get("/settings?done=saved").await.body;
        assert!(saved.contains(r#"<p class="notice" role="status" id="notice">Modifications enregistrées.</p>"#));
        // The language switch comes back to the page without its notice.
        assert!(saved.contains(r#"name="back" value="/settings""#), "{saved}");
        for forged in ["/settings?done=%3Cscript%3Ealert(1)%3C/script%3E", "/settings?done=Vous%20avez%20gagn%C3%A9"] {
            let page = b.get(forged).await.body;
            assert!(!page.contains(r#"id="notice""#) && !page.contains("<script>alert") && !page.contains("gagné"));
        }
        // A customer created says so on its page.
        let csrf = b.csrf().await;
        let form = [
            ("name", "Atelier Dupont"),
            ("billing_address.line1", "1 rue Haute"),
            ("billing_address.postal_code", "69001"),
            ("billing_address.city", "Lyon"),
            ("billing_address.country", "FR"),
        ];
        let made = b.act(&csrf, "/customers/new", &form).await;
        assert!(made.location.ends_with("?done=customer_created"), "{}", made.location);
        assert!(b.get(&made.location).await.body.contains("Client créé."));
    })
    .await;
}

/// The e-mail form of the invoice `inv`, as typed.
fn email_form<'a>(to: &'a str, cc: &'a str, subject: &'a str, message: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("to", to), ("cc", cc), ("subject", subject), ("message", message)]
}

#[tokio::test]
async fn the_email_form_keeps_what_was_typed_previews_and_sends_to_it() {
    if !common::smtp::python_available() {
        return;
    }
    for db in common::dbs().await {
        let port = free_port();
        let sink = SmtpSink::start(port);
        let app = spawn_app_with_mail(&db, Some(mail_via(port))).await;
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "2", "180.50", "10")]).await;
        let (id, number) = (id(&inv), inv["number"].as_str().unwrap().to_string());
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let send = format!("/invoices/{id}/send");

        // A wrong address: refused beside its field, and everything typed is still there.
        let typed = email_form(
            "pas une adresse",
            "direction@client.fr",
            "Votre facture {document_number}",
            "Bonjour,\nCi-joint.",
        );
        let bad = b.act(&csrf, &send, &typed).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains(r#"id="to-error""#) && bad.body.contains(r#"aria-describedby="to-error""#));
        assert!(bad.body.contains(r#"value="pas une adresse""#), "the recipient typed");
        assert!(bad.body.contains(r#"value="direction@client.fr""#), "the copy typed");
        assert!(bad.body.contains(r#"value="Votre facture {document_number}""#), "the subject typed");
        assert!(bad.body.contains(">Bonjour,\nCi-joint.</textarea>"), "the message typed");
        assert!(app.get(&format!("/invoices/{id}/emails")).await.body.as_array().unwrap().is_empty());

        // A preview: the merge fields filled and the attachment named; nothing is sent.
        let mut typed = email_form("sophie@client.fr", "direction@client.fr", "Votre facture {document_number}", "");
        typed.push(("preview", "1"));
        let preview = b.act(&csrf, &send, &typed).await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        let text = as_read(&preview.body);
        assert!(text.contains(&format!("Votre facture {number}")), "the subject filled: {text}");
        assert!(text.contains(&format!("Facture-{number}.pdf")), "the attachment: {text}");
        assert!(
            preview.body.contains(r#"id="preview-body""#) && text.contains("397,10 €"),
            "the template's body, filled"
        );
        assert!(preview.body.contains(r#"value="sophie@client.fr""#), "the form keeps what was typed");
        assert!(app.get(&format!("/invoices/{id}/emails")).await.body.as_array().unwrap().is_empty(), "not sent");

        // Sent: to what was typed, not the customer's default address.
        typed.pop();
        let sent = b.act(&csrf, &send, &typed).await;
        assert_eq!(sent.status, 200);
        assert!(as_read(&sent.body).contains("E-mail placé dans la file d'envoi."));
        let got = sink.wait_for(1).await;
        assert_eq!(got[0]["to"], json!(["sophie@client.fr"]));
        assert_eq!(got[0]["cc"], json!(["direction@client.fr"]));
        assert_eq!(got[0]["subject"], format!("Votre facture {number}"));
        // The outbox on the page says when it was sent.
        wait_until("the message sent", || async {
            let emails = app.get(&format!("/invoices/{id}/emails")).await.body;
            (emails[0]["status"] == "sent").then_some(())
        })
        .await;
        let page = as_read(&b.get(&format!("/invoices/{id}")).await.body);
        assert!(page.contains("sophie@client.fr") && page.contains("Envoyé le"), "{page}");
        drop(sink);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn without_a_mail_server_the_outbox_says_messages_wait_and_where_to_configure_one() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = id(&app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await);
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let sent = b.act(&csrf, &format!("/invoices/{inv}/send"), &[]).await;
        assert_eq!(sent.status, 200);
        let text = as_read(&sent.body);
        assert!(text.contains("aucun serveur d'envoi (SMTP) n'est configuré"), "the notice: {text}");
        let page = as_read(&b.get(&format!("/invoices/{inv}")).await.body);
        assert!(page.contains("en attente"), "{page}");
        assert!(page.contains("aucun serveur d'envoi (SMTP) n'est configuré, donc rien ne part"), "{page}");
        assert!(page.contains("--smtp-url"), "where to configure it: {page}");
    })
    .await;
}

//! The first-run set-up page over HTTP, on SQLite and PostgreSQL: an administrator of a
//! company that cannot issue yet lands on `/setup` after signing in, can leave it for the
//! dashboard ("later"), sees each step done as the settings are filled in, and lands on
//! the dashboard once it is complete; other roles are never sent there nor let in.

use crate::common;

use common::web_client::*;
use common::*;
use facturier_store::companies::Role;
use serde_json::json;

/// What the company's bank account page saves.
fn bank() -> serde_json::Value {
    json!({"banks": [{"label": "Compte courant", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP", "default": true}]})
}

/// The class (`done`, `todo`, `optional`) of the set-up step `id` on `html`.
fn step(html: &str, id: &str) -> String {
    let at = html.find(&format!(r#"<li id="{id}" class=""#)).unwrap_or_else(|| panic!("no {id} in {html}"));
    html[at..].split("class=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn an_admin_of_a_company_without_identity_lands_on_the_set_up_and_may_leave_it() {
    each_db(|app| async move {
        forget_identity(&app.store, app.company_id).await;
        with_password(&app, ADMIN).await;
        let mut b = Browser::new(&app);
        let r = b.sign_in(ADMIN, PASSWORD).await;
        assert_eq!((r.status, r.location.as_str()), (303, "/setup"));
        let page = b.get("/setup").await;
        assert_eq!(page.status, 200);
        let text = as_read(&page.body);
        assert!(text.contains("<h1>Mise en route</h1>"), "{text}");
        assert!(text.contains("Plus tard") && text.contains(r#"href="/" class="button" id="setup-later""#), "{text}");
        for (id, class) in [
            ("setup-identity", "todo"),
            ("setup-vat", "todo"),
            ("setup-bank", "todo"),
            ("setup-logo", "optional"),
            ("setup-numbering", "optional"),
        ] {
            assert_eq!(step(&page.body, id), class, "{id}");
        }
        // What is missing, in the words issuing uses, with the page that takes it.
        assert!(text.contains("SIREN"), "{text}");
        assert!(page.body.contains(r#"<a href="/settings">"#) && page.body.contains(r#"<a href="/settings/banks">"#));
        assert!(!page.body.contains("setup-complete"));
        // French typography: a no-break space before the colon.
        assert!(page.body.contains("plus tard\u{a0}: elles"), "{}", page.body);
        // "Later": the dashboard opens; a page asked for opens too.
        assert_eq!(b.get("/").await.status, 200);
        let mut again = Browser::new(&app);
        let login = again.get("/login?next=/customers").await;
        let csrf = csrf_of(&login.body);
        let r = again
            .post("/login", &[("csrf", &csrf), ("email", ADMIN), ("password", PASSWORD), ("next", "/customers")])
            .await;
        assert_eq!((r.status, r.location.as_str()), (303, "/customers"), "the page asked for wins");
    })
    .await;
}

#[tokio::test]
async fn the_set_up_says_when_it_is_complete_and_sign_in_then_goes_to_the_dashboard() {
    each_db(|app| async move {
        // The harness's company has its identity: only the bank account is missing.
        let mut b = signed_in(&app, ADMIN).await;
        let page = b.get("/setup").await;
        assert_eq!(step(&page.body, "setup-identity"), "done");
        assert_eq!(step(&page.body, "setup-bank"), "todo");
        assert!(page.body.contains(r#"id="setup-later""#));

        app.patch("/settings", bank()).await.assert_status(200);
        let page = b.get("/setup").await;
        assert_eq!(step(&page.body, "setup-bank"), "done");
        let text = as_read(&page.body);
        assert!(text.contains("Tout est prêt : votre entreprise peut émettre ses factures."), "{text}");
        assert!(page.body.contains(r#"id="setup-dashboard""#) && !page.body.contains(r#"id="setup-later""#));
        let mut next_time = Browser::new(&app);
        let r = next_time.sign_in(ADMIN, PASSWORD).await;
        assert_eq!((r.status, r.location.as_str()), (303, "/"));

        // In English too.
        let csrf = b.csrf().await;
        b.post("/language", &[("csrf", &csrf), ("lang", "en"), ("back", "/setup")]).await;
        let en = as_read(&b.get("/setup").await.body);
        assert!(en.contains("<h1>Getting started</h1>") && en.contains("All set: your company can issue"), "{en}");
    })
    .await;
}

#[tokio::test]
async fn other_roles_are_never_sent_to_the_set_up() {
    each_db(|app| async move {
        forget_identity(&app.store, app.company_id).await;
        for (email, role) in [("vente@test.fr", Role::Sales), ("lecture@test.fr", Role::ReadOnly)] {
            app.store.create_user_token(app.company_id, email, role).await.unwrap();
            with_password(&app, email).await;
            let mut b = Browser::new(&app);
            let r = b.sign_in(email, PASSWORD).await;
            assert_eq!((r.status, r.location.as_str()), (303, "/"), "{email}");
            assert_eq!(b.get("/setup").await.status, 403, "{email}");
            assert!(!b.get("/").await.body.contains(r#"href="/setup""#), "{email}");
        }
    })
    .await;
}

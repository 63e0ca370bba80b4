//! The web app in a real headless Chromium (Debian's `chromium` + `chromium-driver`,
//! installed by `scripts/setup-browser`), driven over WebDriver by a few lines of
//! reqwest below: the `facturier` binary serves a fresh database (SQLite, then
//! PostgreSQL); a user signs in, creates a customer, writes and issues an invoice,
//! records a payment, sees the dashboard change and switches to English; a read-only
//! user has no issue button and a forged issue POST is refused. Then every page on a
//! 390 px phone. Screenshots of the key pages are kept in `target/test-artefacts/web/`.
//! Without Chromium the test fails.

use crate::browser;

use browser::*;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One user's day in the browser on `db`.
async fn journey(db: &Db) {
    let port = free_port();
    let app = format!("http://127.0.0.1:{port}");
    let init = run(
        db,
        &["init", "--company-name", "Atelier Test", "--admin-email", "admin@test.fr", "--public-url", &app, "--json"],
        &[],
    );
    let company = init["company_id"].as_str().unwrap().to_string();
    let token = init["token"].as_str().unwrap().to_string();
    let password_link = init["password_link"].as_str().unwrap().to_string();
    run(
        db,
        &["user", "add", "--company", &company, "--email", "lecture@test.fr", "--role", "read_only", "--json"],
        &[],
    );
    run(db, &["user", "set-password", "--email", "lecture@test.fr"], &[("FACTURIER_PASSWORD", PASSWORD)]);

    let server = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("FACTURIER_DATABASE_URL", &db.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Proc(server);
    wait_http(&format!("{app}/healthz")).await;

    let b = Browser::start(db.name).await;
    let t0 = Instant::now();

    // The first run: the admin chooses a password with the link `init` printed.
    b.goto(&password_link).await;
    b.fill("#password", PASSWORD).await;
    b.fill("#confirm", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.find("#login-notice").await;

    // Sign in: a page asked for without a session comes back after sign-in.
    b.goto(&format!("{app}/customers")).await;
    assert!(b.url().await.contains("/login?next=%2Fcustomers"), "{}", b.url().await);
    b.fill("#email", "admin@test.fr").await;
    b.fill("#password", "pas le bon").await;
    b.click("button[type=submit]").await;
    b.wait_text("#login-error", "Adresse e-mail ou mot de passe incorrect").await;
    b.screenshot("01-login-refused").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("h1", "Clients").await;
    assert_eq!(b.url().await, format!("{app}/customers"));

    // The skip link is the first stop of the keyboard.
    let first = b.script("return document.querySelector('a, button, input, select').className").await;
    assert_eq!(first, "skip");

    b.goto(&format!("{app}/")).await;
    b.wait_text("#outstanding", "0,00 €").await;
    b.screenshot("02-dashboard-empty").await;

    // A customer, through the form.
    b.goto(&format!("{app}/customers")).await;
    b.click("#new-customer").await;
    b.fill("#name", "Boulangerie Martin").await;
    b.fill("[id='legal.siren']", "732829320").await;
    b.fill("[id='billing_address.line1']", "12 rue de la République").await;
    b.fill("[id='billing_address.postal_code']", "6900").await; // a typo first
    b.fill("[id='billing_address.city']", "Lyon").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_text("[id='billing_address.postal_code-error']", "5 chiffres").await; // in French, like the page
    b.screenshot("03-customer-form-errors").await;
    b.fill("[id='billing_address.postal_code']", "69002").await;
    b.click("form.stack button[type=submit]").await;
    b.wait_text("h1", "Boulangerie Martin").await;
    let customer_url = b.url().await.split('?').next().unwrap_or_default().to_string();
    let customer_id = customer_url.split('?').next().unwrap().rsplit('/').next().unwrap().to_string();
    b.screenshot("04-customer").await;

    // An invoice: one line, another added with htmx (no page load), then saved and issued.
    b.click("#new-invoice").await;
    // The company's first invoice, and no identity yet: the editor asks for it first.
    b.wait_text("#first-run", "Avant votre première facture").await;
    b.fill("#line-0-description", "Pose de luminaires").await;
    b.fill("#line-0-quantity", "2").await;
    b.fill("#line-0-unit_price", "180.50").await;
    b.click("#line-0-vat_rate option[value='10']").await; // the company's rates, offered in a list
    b.script("window.samePage = 'yes'; return null").await;
    b.click("#add-line").await;
    b.find("#line-1-description").await;
    assert_eq!(b.script("return window.samePage || 'reloaded'").await, "yes", "htmx swapped the lines in place");
    assert_eq!(b.script("return document.getElementById('line-0-unit_price').value").await, "180.50");
    b.fill("#line-1-description", "Suspension laiton").await;
    b.fill("#line-1-quantity", "3").await;
    b.fill("#line-1-unit_price", "33.33").await;
    b.click("#line-1-vat_rate option[value='20']").await;
    b.screenshot("05-invoice-form").await;
    b.click("#save-draft").await;
    b.wait_text("#document-status", "Brouillon").await;
    // 2 × 180,50 + 10 % = 397,10; 3 × 33,33 + 20 % = 119,99.
    b.wait_text("#gross", "517,09 €").await;
    // Not issuable yet: what to complete, each with its link, and on a phone too.
    b.wait_text("#issue-problems", "Le SIREN de l'entreprise manque").await;
    assert_eq!(b.script("return document.getElementById('issue').disabled").await, true);
    b.window(390, 844).await;
    let overflow = b.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
    assert!(overflow.as_i64().unwrap() <= 0, "the problems scroll sideways on a phone: {overflow}");
    b.screenshot("05b-invoice-not-issuable-phone").await;
    b.window(1280, 900).await;
    let draft_url = b.url().await.split('?').next().unwrap_or_default().to_string();
    b.click("#issue-problems a[href='/settings']").await;
    for (field, value) in [
        ("identity.legal_form", "SARL"),
        ("identity.share_capital", "10000"),
        ("identity.siren", "552100554"),
        ("identity.vat_number", "FR96552100554"),
        ("identity.rcs_city", "Lyon"),
        ("identity.address.line1", "3 place Bellecour"),
        ("identity.address.postal_code", "69002"),
        ("identity.address.city", "Lyon"),
    ] {
        b.fill(&format!("[id='{field}']"), value).await;
    }
    b.click("#save").await;
    b.find("#notice").await;
    b.goto(&draft_url).await;
    assert!(!b.exists("#issue-problems").await, "complete now");
    b.click("#issue").await;
    b.wait_text("h1", "Émettre la facture").await;
    b.screenshot("06-issue-confirmation").await;
    b.click("#confirm").await;
    b.wait_text("#document-status", "Émise").await;
    assert!(b.text("h1").await.contains("F20"), "numbered when issued: {}", b.text("h1").await);
    b.screenshot("06-invoice-issued").await;
    let invoice_url = b.url().await.split('?').next().unwrap_or_default().to_string();

    b.goto(&format!("{app}/")).await;
    b.wait_text("#outstanding", "517,09 €").await;

    // A payment of part of it.
    b.goto(&invoice_url).await;
    b.fill("#amount", "200").await;
    b.click("#record-payment").await;
    b.wait_text("#document-status", "Payée en partie").await;
    b.wait_text("#due", "317,09 €").await;
    b.screenshot("07-invoice-partly-paid").await;

    b.goto(&format!("{app}/")).await;
    b.wait_text("#outstanding", "317,09 €").await;
    b.screenshot("08-dashboard").await;

    // English: labels, amounts and dates in the reader's notation.
    b.click("#lang-switch").await;
    b.wait_text("h1", "Dashboard").await;
    b.wait_text("#outstanding", "€317.09").await;
    b.screenshot("09-dashboard-en").await;
    b.goto(&format!("{app}/invoices")).await;
    b.wait_text("h1", "Invoices").await;
    b.wait_text("#document-list", "€517.09").await;
    b.wait_text("#document-list", "Partially paid").await;

    // On a phone: nothing wider than the screen but the tables, which scroll inside.
    b.window(390, 844).await;
    let overflow = b.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
    assert!(overflow.as_i64().unwrap() <= 0, "the page scrolls sideways on a phone: {overflow}");
    b.screenshot("10-invoices-phone").await;
    b.window(1280, 900).await;
    b.click("#logout button").await;
    b.find("#email").await;
    assert!(b.url().await.ends_with("/login"), "{}", b.url().await);

    // A draft for the read-only user to look at.
    let draft: Value = reqwest::Client::new()
        .post(format!("{app}/api/v1/invoices"))
        .bearer_auth(&token)
        .json(&json!({"customer_id": customer_id, "lines": [{"description": "Dépannage", "quantity": "1", "unit_price": "90", "vat_rate": "20"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let draft_id = draft["id"].as_str().unwrap().to_string();

    b.fill("#email", "lecture@test.fr").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("h1", "Tableau de bord").await;
    b.goto(&format!("{app}/invoices/{draft_id}")).await;
    b.wait_text("#document-status", "Brouillon").await;
    assert!(!b.exists("#issue").await, "no issue button for a read-only user");
    assert!(!b.exists("#record-payment").await);
    b.screenshot("11-read-only-draft").await;
    // The button is absent, and the action is refused when forged with the page's own token.
    let status = b
        .script_async(&format!(
            "const done = arguments[arguments.length - 1];
             const csrf = document.querySelector('input[name=csrf]').value;
             fetch('/invoices/{draft_id}/issue', {{method: 'POST', body: new URLSearchParams({{csrf}})}})
               .then(r => done(r.status), e => done(String(e)));"
        ))
        .await;
    assert_eq!(status, 403);
    let still: Value = reqwest::Client::new()
        .get(format!("{app}/api/v1/invoices/{draft_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "draft");
    let phone = Instant::now();
    on_a_phone(&b, &app, &token, &customer_id, &invoice_url).await;
    eprintln!(
        "{}: the browser journey took {:.1} s, its tour on a phone {:.1} s",
        db.name,
        t0.elapsed().as_secs_f64(),
        phone.elapsed().as_secs_f64()
    );
    b.quit().await;
}

/// What stops `page` from fitting a 390 px phone: wider than the screen, or a header
/// taller than 100 px. Names the elements that stick out. A screenshot of each page.
async fn phone_check(b: &Browser, page: &str, problems: &mut Vec<String>) {
    let v = b
        .script(
            "const d = document.documentElement, w = d.clientWidth;
             const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
             const out = [];
             for (const e of document.body.querySelectorAll('*')) {
               const r = e.getBoundingClientRect();
               if (r.width > 0 && r.right > w + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > w + 1)) {
                 out.push(name(e) + ' ends at ' + Math.round(r.right));
               }
             }
             const h = document.querySelector('header');
             return {scroll: d.scrollWidth, client: w, header: h ? Math.round(h.getBoundingClientRect().height) : 0,
                     wide: out.slice(0, 5)};",
        )
        .await;
    let (scroll, client) = (v["scroll"].as_i64().unwrap(), v["client"].as_i64().unwrap());
    if scroll > client {
        problems.push(format!("{page} is {scroll} px wide on a {client} px screen: {}", v["wide"]));
    }
    let header = v["header"].as_i64().unwrap();
    if header > 100 {
        problems.push(format!("{page}: the header is {header} px tall"));
    }
    b.screenshot(&format!("phone-{page}")).await;
}

/// Every page of the web app on a 390 × 844 phone, each named when it does not fit; the
/// menu opens from the compact header and closes on Escape or a tap elsewhere; an
/// administrator of a company that cannot issue yet lands on the set-up page.
async fn on_a_phone(b: &Browser, app: &str, token: &str, customer_id: &str, invoice_url: &str) {
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| {
        let req = http.post(format!("{app}/api/v1{path}")).bearer_auth(token).json(&body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap();
            assert!(status.is_success(), "POST {path}: {status} {v}");
            v["id"].as_str().unwrap_or_default().to_string()
        }
    };
    let lines = json!([
        {"description": "Pose de luminaires suspendus dans la salle de restaurant, avec raccordement", "quantity": "2", "unit_price": "180.50", "vat_rate": "10"},
        {"description": "Suspension laiton", "quantity": "3", "unit_price": "33.33", "vat_rate": "20"},
        {"description": "Déplacement", "quantity": "1", "unit_price": "45", "vat_rate": "20"},
    ]);
    let one = |kind: &str| format!("/{kind}");
    let body = json!({"customer_id": customer_id, "lines": lines});
    let quote = post(one("quotes"), body.clone()).await;
    let order = post(one("orders"), body.clone()).await;
    post(format!("/orders/{order}/issue"), json!({})).await;
    let deposit = post(format!("/orders/{order}/deposit-invoice"), json!({"percent": "30"})).await;
    let delivery = post(one("delivery-notes"), body.clone()).await;
    let proforma = post(one("proformas"), body.clone()).await;
    let draft = post(one("invoices"), body.clone()).await;
    let invoice_id = invoice_url.rsplit('/').next().unwrap().to_string();
    let credit = post(
        format!("/invoices/{invoice_id}/credit-note"),
        json!({"lines": [{"description": "Geste commercial", "quantity": "1", "unit_price": "10", "vat_rate": "20"}]}),
    )
    .await;

    b.window(390, 844).await;
    let mut problems = Vec::new();
    // The read-only user's pages first, then signed out.
    b.goto(&format!("{app}/")).await;
    phone_check(b, "dashboard-read-only", &mut problems).await;
    let open = "return [document.getElementById('nav-panel').matches(':popover-open'),
                        document.getElementById('nav-documents').open]";
    assert_eq!(b.script(open).await, json!([false, false]), "the menu starts closed");
    b.click("#nav-toggle").await;
    phone_check(b, "menu-open", &mut problems).await;
    b.click("#nav-documents > summary").await;
    b.find("#nav-documents a[href='/orders']").await;
    // Escape closes the menus (the documents menu at least at the first press)…
    let escape = json!({"actions": [{"type": "key", "id": "k", "actions": [
        {"type": "keyDown", "value": "\u{E00C}"}, {"type": "keyUp", "value": "\u{E00C}"}]}]});
    b.post("/actions", escape.clone()).await;
    assert_eq!(b.script(open).await[1], json!(false), "Escape closes the documents menu");
    b.post("/actions", escape).await;
    assert_eq!(b.script(open).await, json!([false, false]), "then the menu");
    // …and so does a tap elsewhere.
    b.click("#nav-toggle").await;
    b.click("#nav-documents > summary").await;
    assert_eq!(b.script(open).await, json!([true, true]));
    b.click(".bar-company").await;
    assert_eq!(b.script(open).await, json!([false, false]), "a tap elsewhere closes them");
    b.click("#nav-toggle").await;
    b.click("#logout button").await;
    b.find("#email").await;
    phone_check(b, "login", &mut problems).await;
    b.goto(&format!("{app}/password/forgot")).await;
    phone_check(b, "password-forgot", &mut problems).await;
    b.goto(&format!("{app}/password/reset?token=0123")).await;
    phone_check(b, "password-link-invalid", &mut problems).await;

    // The admin: the company has its identity, not yet a bank account.
    b.goto(&format!("{app}/login")).await;
    b.fill("#email", "admin@test.fr").await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_text("h1", "Getting started").await; // in English, which the admin chose earlier
    assert!(b.url().await.ends_with("/setup"), "{}", b.url().await);
    assert_eq!(b.script("return document.getElementById('setup-bank').className").await, "todo");
    assert_eq!(b.script("return document.getElementById('setup-identity').className").await, "done");
    phone_check(b, "setup", &mut problems).await;
    b.click("#setup-later").await;
    b.wait_text("h1", "Dashboard").await;

    let kinds = [
        ("quotes", quote.as_str()),
        ("orders", order.as_str()),
        ("delivery-notes", delivery.as_str()),
        ("proformas", proforma.as_str()),
        ("invoices", draft.as_str()),
        ("deposit-invoices", deposit.as_str()),
        ("credit-notes", credit.as_str()),
    ];
    let mut pages: Vec<(String, String)> = vec![("dashboard".into(), "/".into())];
    for (kind, id) in kinds {
        pages.push((format!("{kind}-list"), format!("/{kind}")));
        pages.push((format!("{kind}-document"), format!("/{kind}/{id}")));
    }
    pages.push(("invoices-issued".into(), format!("/invoices/{invoice_id}")));
    pages.push(("invoices-editor-3-lines".into(), format!("/invoices/{draft}/edit")));
    pages.push(("quotes-new".into(), "/quotes/new".into()));
    for (name, path) in [
        ("customers", "/customers".to_string()),
        ("customer-new", "/customers/new".into()),
        ("customer", format!("/customers/{customer_id}")),
        ("customer-edit", format!("/customers/{customer_id}/edit")),
        ("customer-statement", format!("/customers/{customer_id}/statement")),
        ("settings-identity", "/settings".into()),
        ("settings-banks", "/settings/banks".into()),
        ("settings-terms", "/settings/terms".into()),
        ("settings-numbering", "/settings/numbering".into()),
        ("settings-emails", "/settings/emails".into()),
        ("settings-logo", "/settings/logo".into()),
        ("users", "/users".into()),
        ("tokens", "/tokens".into()),
        ("jobs", "/jobs".into()),
        ("imports", "/imports".into()),
        ("aged-balance", "/reports/aged-balance".into()),
        ("invitations", "/invitations".into()),
    ] {
        pages.push((name.into(), path));
    }
    for (name, path) in &pages {
        b.goto(&format!("{app}{path}")).await;
        b.find("main h1").await;
        phone_check(b, name, &mut problems).await;
    }
    assert!(problems.is_empty(), "pages that do not fit a 390 px phone:\n{}", problems.join("\n"));
    b.window(1280, 900).await;
}

#[tokio::test]
async fn a_day_in_the_web_app_in_a_real_browser() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        journey(&db).await;
    }
}

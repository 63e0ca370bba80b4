//! Words, not codes: a company with one of every kind of document in several statuses
//! (drafts, issued, partly paid, credited, a deposit, a situation, a delivery note
//! partly delivered), a customer with payment terms, another writing in English and
//! products with units; every page of the web app is read in French and in English,
//! as a person reads it (tags stripped), and must show no code: no `snake_case` word,
//! no unit, status, kind or method code, no ISO timestamp or "UTC", no amount with a
//! dot decimal on a French page, no English word on a French page. The forms' error
//! summaries are read the same way.
//!
//! The data a user types carries no underscore and no word of the lists below, so that
//! whatever the test finds was written by facturier.

use crate::common;

use common::TestApp;
use common::web_client::{ADMIN, Browser, csrf_of, multipart, signed_in};
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// A line of `quantity` × `unit_price` in `unit`, at 20 % VAT.
fn unit_line(description: &str, quantity: &str, unit_price: &str, unit: &str) -> Value {
    json!({"description": description, "quantity": quantity, "unit_price": unit_price, "vat_rate": "20", "unit": unit})
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    app.post(path, body).await.assert_status(201).clone()
}

async fn issue(app: &TestApp, seg: &str, doc: &Value) -> Value {
    app.post(&format!("/{seg}/{}/issue", id(doc)), json!({})).await.assert_status(200).clone()
}

/// Every page the test reads, and whether its document is written in English.
struct Site {
    pages: Vec<String>,
    /// Document pages of the English customer: their lines are English on a French page.
    english_documents: Vec<String>,
    /// Document pages of the French customer: their lines are French on an English page.
    french_documents: Vec<String>,
    /// Forms whose error summary is read: (page, form marker, action).
    forms: Vec<(String, String, String)>,
}

/// One of everything, through the API as an integration would make it.
async fn company_with_one_of_everything(app: &TestApp) -> Site {
    let mut pages: Vec<String> = Vec::new();
    let mut english_documents = Vec::new();
    let mut french_documents = Vec::new();
    let mut forms = Vec::new();
    let mut edits = Vec::new();

    let mut fr = common::customer_body("Boulangerie Martin");
    fr["payment_terms"] = json!("45_days_end_of_month");
    let fr = id(&created(app, "/customers", fr).await);
    let mut en = common::customer_body("Harbour Supplies");
    en["language"] = json!("en");
    en["payment_terms"] = json!("on_receipt");
    en["activity"] = json!("Shipping");
    let en = id(&created(app, "/customers", en).await);
    let hours = json!({"reference": "POSE", "name": "Pose", "unit_price": "58", "vat_rate": "20", "unit": "HUR"});
    let hours = created(app, "/products", hours).await;
    let metres = json!({"reference": "CABLE", "name": "Câble", "unit_price": "2.35", "vat_rate": "20", "unit": "MTR"});
    created(app, "/products", metres).await;
    let lines = |c: &str| -> Vec<Value> {
        if c == "en" {
            vec![unit_line("Harbour survey", "3", "480", "HUR"), unit_line("Mooring rope", "120", "4.15", "MTR")]
        } else {
            vec![
                json!({"product_id": id(&hours), "description": "Pose", "quantity": "12", "unit_price": "58", "vat_rate": "20", "unit": "HUR"}),
                unit_line("Câble", "100", "2.35", "MTR"),
                unit_line("Déplacement", "2", "35", "DAY"),
                unit_line("Sacs", "25", "1.2", "KGM"),
                unit_line("Lampe", "10", "89", "C62"),
            ]
        }
    };
    let body = |customer: &str, lang: &str| json!({"customer_id": customer, "lines": lines(lang)});
    let mut doc = |seg: &str, v: &Value, english: bool| {
        let page = format!("/{seg}/{}", id(v));
        if english {
            english_documents.push(page.clone());
        } else {
            french_documents.push(page.clone());
        }
        pages.push(page);
    };

    for (customer, lang) in [(&fr, "fr"), (&en, "en")] {
        let english = lang == "en";
        // Quotes: a draft, a sent one, a refused one, one converted into an order.
        let q = created(app, "/quotes", body(customer, lang)).await;
        doc("quotes", &q, english);
        let q = created(app, "/quotes", body(customer, lang)).await;
        doc("quotes", &issue(app, "quotes", &q).await, english);
        let q = created(app, "/quotes", body(customer, lang)).await;
        issue(app, "quotes", &q).await;
        app.post(&format!("/quotes/{}/refuse", id(&q)), json!({})).await.assert_status(200);
        doc("quotes", &q, english);
        let q = created(app, "/quotes", body(customer, lang)).await;
        issue(app, "quotes", &q).await;
        app.post(&format!("/quotes/{}/accept", id(&q)), json!({})).await.assert_status(200);
        let order = created(app, &format!("/quotes/{}/convert", id(&q)), json!({"to": "order"})).await;
        doc("quotes", &q, english);
        let order = issue(app, "orders", &order).await;
        doc("orders", &order, english);
        // A deposit on the order, issued and partly paid.
        let dep = created(app, &format!("/orders/{}/deposit-invoice", id(&order)), json!({"percent": "30"})).await;
        let dep = issue(app, "deposit-invoices", &dep).await;
        doc("deposit-invoices", &dep, english);
        // One line delivered in part: the order is partly delivered.
        let first = id(&order["lines"][0]);
        let bl = created(
            app,
            &format!("/orders/{}/convert", id(&order)),
            json!({"to": "delivery-note", "lines": [{"line_id": first, "quantity": "1"}]}),
        )
        .await;
        doc("delivery-notes", &issue(app, "delivery-notes", &bl).await, english);
        // The rest invoiced: the final invoice deducts the deposit.
        let last = created(app, &format!("/orders/{}/convert", id(&order)), json!({"to": "invoice"})).await;
        doc("invoices", &last, english);
        // A second order billed by situations.
        let o2 = issue(app, "orders", &created(app, "/orders", body(customer, lang)).await).await;
        doc("orders", &o2, english);
        let s1 =
            created(app, &format!("/orders/{}/progress-invoice", id(&o2)), json!({"cumulative_percent": "40"})).await;
        doc("invoices", &issue(app, "invoices", &s1).await, english);
        // Invoices: a draft, one partly paid, one paid, one credited.
        let draft = created(app, "/invoices", body(customer, lang)).await;
        doc("invoices", &draft, english);
        edits.push((format!("/invoices/{}/edit", id(&draft)), english));
        let part = issue(app, "invoices", &created(app, "/invoices", body(customer, lang)).await).await;
        let pay = json!({"amount": "1000", "date": "2026-11-20", "method": "bank_transfer"});
        app.post(&format!("/invoices/{}/payments", id(&part)), pay).await.assert_status(200);
        doc("invoices", &part, english);
        if !english {
            forms.push((format!("/invoices/{}", id(&part)), "payment-form".into(), String::new()));
        }
        let paid = issue(app, "invoices", &created(app, "/invoices", body(customer, lang)).await).await;
        let all = json!({"amount": paid["totals"]["gross"], "date": "2026-11-21", "method": "cheque"});
        app.post(&format!("/invoices/{}/payments", id(&paid)), all).await.assert_status(200);
        doc("invoices", &paid, english);
        let credited = issue(app, "invoices", &created(app, "/invoices", body(customer, lang)).await).await;
        let cn = created(app, &format!("/invoices/{}/credit-note", id(&credited)), json!({})).await;
        doc("credit-notes", &issue(app, "credit-notes", &cn).await, english);
        doc("invoices", &credited, english);
        // A partial credit note, left a draft.
        let half = json!({"lines": [unit_line("Remise", "1", "100", "C62")]});
        let partial = app.post(&format!("/invoices/{}/credit-note", id(&part)), half).await;
        if partial.status == 201 {
            doc("credit-notes", &partial.body, english);
        }
        // A pro forma.
        let pf = created(app, "/proformas", body(customer, lang)).await;
        doc("proformas", &issue(app, "proformas", &pf).await, english);
        if !english {
            forms.push((format!("/orders/{}", id(&o2)), "progress-form".into(), String::new()));
        }
    }
    // The monthly run's delivery-note headings.
    let bl = created(app, "/delivery-notes", body(&en, "en")).await;
    issue(app, "delivery-notes", &bl).await;
    let today = time::OffsetDateTime::now_utc().date();
    let run = json!({"from": today.to_string(), "to": today.to_string()});
    let run = app.post("/billing/delivery-notes", run).await.assert_status(200).clone();
    for inv in run["created"].as_array().into_iter().flatten() {
        let page = format!("/invoices/{}", inv.as_str().unwrap_or_default());
        english_documents.push(page.clone());
        pages.push(page);
    }

    for (page, english) in edits {
        if english {
            english_documents.push(page.clone());
        } else {
            french_documents.push(page.clone());
        }
        pages.push(page);
    }
    for c in [&fr, &en] {
        pages.push(format!("/customers/{c}"));
        pages.push(format!("/customers/{c}/edit"));
        pages.push(format!("/customers/{c}/statement"));
    }
    forms.push((format!("/customers/{fr}/edit"), "customer-form".into(), format!("/customers/{fr}/edit")));
    forms.push(("/customers/new".into(), "customer-form".into(), "/customers/new".into()));
    for seg in ["quotes", "orders", "delivery-notes", "proformas", "invoices", "deposit-invoices", "credit-notes"] {
        pages.push(format!("/{seg}"));
        if seg != "credit-notes" {
            pages.push(format!("/{seg}/new"));
        }
    }
    pages.push(format!("/invoices/new?customer_id={fr}"));
    forms.push((format!("/invoices/new?customer_id={fr}"), "document-form".into(), "/invoices/new".into()));
    for p in [
        "/",
        "/customers",
        "/customers/new",
        "/settings",
        "/settings/banks",
        "/settings/terms",
        "/settings/numbering",
        "/settings/emails",
        "/settings/logo",
        "/users",
        "/invitations",
        "/tokens",
        "/jobs",
        "/imports",
        "/reports/aged-balance",
    ] {
        pages.push(p.to_string());
    }
    for (page, action) in
        [("/settings", "/settings"), ("/settings/banks", "/settings/banks"), ("/settings/terms", "/settings/terms")]
    {
        forms.push((page.into(), "settings-form".into(), action.into()));
    }
    forms.push(("/settings/emails".into(), "settings-form".into(), "/settings/emails".into()));
    forms.push(("/users".into(), "add-user".into(), "/users".into()));
    forms.push(("/tokens".into(), "new-token-form".into(), "/tokens".into()));
    Site { pages, english_documents, french_documents, forms }
}

/// The text of a page as a person reads it: no tags, scripts or styles, entities decoded.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        out.push(' ');
        rest = &rest[at..];
        let lower = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
        // What is to be typed as it is (merge fields, examples) sits in <code>.
        let skip_to = if lower.starts_with("<script") {
            "</script>"
        } else if lower.starts_with("<code") {
            "</code>"
        } else if lower.starts_with("<style") {
            "</style>"
        } else if lower.starts_with("<!--") {
            "-->"
        } else {
            ">"
        };
        match rest.find(skip_to) {
            Some(end) => rest = &rest[end + skip_to.len()..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&nbsp;", " ")
        .replace(['\u{a0}', '\u{202f}'], " ")
}

/// The words of a text: runs of letters, digits and underscores.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

/// Unit codes people never read (UN/ECE rec. 20).
const UNIT_CODES: &[&str] = &[
    "C62", "H87", "XPP", "HUR", "MTR", "KGM", "GRM", "TNE", "MMT", "CMT", "KMT", "MTK", "MTQ", "MLT", "CLT", "LTR",
    "KWH", "MWH", "KWT", "XBX", "XPK", "E48", "WEE",
];

/// Status, method and terms codes that are English words: never on a French page.
const FRENCH_PAGE_CODES: &[&str] = &[
    "draft",
    "issued",
    "sent",
    "paid",
    "accepted",
    "refused",
    "expired",
    "converted",
    "confirmed",
    "delivered",
    "invoiced",
    "validated",
    "credited",
    "cancelled",
    "proforma",
    "cheque",
    "cash",
    "card",
    "pending",
    "running",
    "done",
    "failed",
    "admin",
    "sales",
    "accountant",
];

/// English words a French page never shows (the user's data is chosen without them).
const ENGLISH_WORDS: &[&str] = &[
    "Draft",
    "Invoice",
    "Invoices",
    "Paid",
    "Issued",
    "Save",
    "Customer",
    "Customers",
    "Quote",
    "Quotes",
    "Order",
    "Orders",
    "Settings",
    "Payment",
    "Payments",
    "Amount",
    "Status",
    "Cancel",
    "Delete",
    "Sent",
    "Confirmed",
    "Delivered",
    "Credited",
    "hour",
    "hours",
    "metre",
    "day",
    "days",
    "unit",
    "receipt",
    "month",
    "Search",
    "Name",
];

/// French words an English page never shows, on pages whose documents are English.
const FRENCH_WORDS: &[&str] = &[
    "Brouillon",
    "Facture",
    "Factures",
    "Émise",
    "Émis",
    "Payée",
    "Enregistrer",
    "Acompte",
    "acompte",
    "Avoir",
    "Devis",
    "Commande",
    "commande",
    "réception",
    "jours",
    "heure",
    "mètre",
    "unité",
    "Déduction",
    "avancement",
    "Situation",
    "Bon",
    "livraison",
];

fn is_french(lang: &str) -> bool {
    lang == "fr"
}

/// What is wrong with the text of a page read in `lang`, with some context for each;
/// `document` is the language of the document whose lines the page shows, if any (a
/// document is written in its customer's language, whatever the reader's).
fn problems(text: &str, lang: &str, document: Option<&str>) -> Vec<String> {
    let english_document = document == Some("en");
    let french_document = document == Some("fr");
    let mut out = Vec::new();
    let context = |w: &str| {
        let at = text.find(w).unwrap_or(0);
        let from = text.floor_char_boundary(at.saturating_sub(50));
        let to = text.ceil_char_boundary((at + w.len() + 50).min(text.len()));
        text[from..to].split_whitespace().collect::<Vec<_>>().join(" ")
    };
    // E-mail addresses are the user's (admin@…), not words of the page; a {merge_field}
    // of an e-mail template is typed as it is.
    let words: String = text
        .split_whitespace()
        .filter(|w| !(w.contains('@') || (w.contains('{') && w.contains('}'))))
        .collect::<Vec<_>>()
        .join(" ");
    for w in tokens(&words) {
        // A new API token is shown once, as it must be typed: `fct_…`.
        let why = if w.starts_with("fct_") {
            None
        } else if w.contains('_') && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            Some("a snake_case code")
        } else if UNIT_CODES.contains(&w) {
            Some("a unit code")
        } else if w == "UTC" {
            Some("a UTC time")
        } else if is_french(lang) && FRENCH_PAGE_CODES.contains(&w) {
            Some("a status, method or role code")
        } else if is_french(lang) && ENGLISH_WORDS.contains(&w) && !english_document {
            Some("an English word on a French page")
        } else if !is_french(lang) && FRENCH_WORDS.contains(&w) && !french_document {
            Some("a French word on an English page")
        } else {
            None
        };
        if let Some(why) = why {
            out.push(format!("{why}: {w:?} in …{}…", context(w)));
        }
    }
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    for i in 0..bytes.len() {
        // 2026-11-20: a date as ISO writes it, not as a reader does.
        let iso = (0..4).all(|k| digit(i + k))
            && bytes.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && digit(i + 6)
            && bytes.get(i + 7) == Some(&b'-')
            && digit(i + 8)
            && digit(i + 9)
            && !digit(i + 10)
            && (i == 0 || !digit(i - 1));
        if iso {
            out.push(format!("an ISO date in …{}…", context(&text[i..i + 10])));
        }
        // 1729.20 on a French page: a dot decimal.
        if is_french(lang)
            && digit(i)
            && bytes.get(i + 1) == Some(&b'.')
            && digit(i + 2)
            && digit(i + 3)
            && !digit(i + 4)
            && !english_document
        {
            out.push(format!("a dot decimal on a French page in …{}…", context(&text[i..i + 4])));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The fields of the form around `marker` (an id, a class or an action), with every
/// text typed by a person replaced by `junk`: hidden fields, selects and check boxes
/// keep their values.
fn junk_form(html: &str, marker: &str, junk: &str) -> Option<(String, Vec<(String, String)>)> {
    let at = [format!(r#"id="{marker}""#), format!(r#"class="stack {marker}""#), marker.to_string()]
        .iter()
        .find_map(|m| html.find(m.as_str()))?;
    let start = html[..at].rfind("<form")?;
    let end = start + html[start..].find("</form>")?;
    let form = &html[start..end];
    let attr = |tag: &str, name: &str| {
        let key = format!(r#" {name}=""#);
        tag.find(&key).map(|i| tag[i + key.len()..].split('"').next().unwrap_or("").replace("&amp;", "&"))
    };
    let action = attr(&form[..form.find('>')?], "action")?;
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let tag = &rest[..rest.find('>')? + 1];
        if tag.starts_with("<input ") {
            let ty = attr(tag, "type").unwrap_or_else(|| "text".into());
            if let Some(name) = attr(tag, "name") {
                match ty.as_str() {
                    "hidden" => fields.push((name, attr(tag, "value").unwrap_or_default())),
                    "checkbox" | "radio" if tag.contains(" checked") => {
                        fields.push((name, attr(tag, "value").unwrap_or_else(|| "on".into())))
                    }
                    "checkbox" | "radio" | "file" | "submit" => {}
                    _ => fields.push((name, junk.to_string())),
                }
            }
        } else if tag.starts_with("<select ") {
            let end = rest.find("</select>")?;
            let options: Vec<&str> = rest[..end].split("<option").skip(1).collect();
            let chosen =
                options.iter().find(|o| o.split('>').next().unwrap_or("").contains(" selected")).or(options.first());
            let value = chosen.and_then(|o| attr(&format!(" {o}"), "value")).unwrap_or_default();
            if let Some(name) = attr(tag, "name") {
                fields.push((name, value));
            }
            rest = &rest[end..];
        } else if tag.starts_with("<textarea ")
            && let Some(name) = attr(tag, "name")
        {
            fields.push((name, junk.to_string()));
        }
        rest = &rest[1..];
    }
    Some((action, fields))
}

async fn set_language(b: &mut Browser, lang: &str) {
    let csrf = csrf_of(&b.get("/").await.body);
    let r = b.act(&csrf, "/language", &[("lang", lang), ("back", "/")]).await;
    assert_eq!(r.status, 303, "language {lang}");
}

#[tokio::test]
async fn no_page_shows_a_code_an_iso_time_or_the_other_language() {
    common::each_db(|app| async move {
        let site = company_with_one_of_everything(&app).await;
        let mut b = signed_in(&app, ADMIN).await;
        let mut found = Vec::new();
        let mut read = 0;
        for lang in ["fr", "en"] {
            set_language(&mut b, lang).await;
            for path in &site.pages {
                let page = b.get(path).await;
                assert_eq!(page.status, 200, "{lang} {path}");
                let document = if site.english_documents.contains(path) {
                    Some("en")
                } else if site.french_documents.contains(path) {
                    Some("fr")
                } else {
                    None
                };
                for p in problems(&visible_text(&page.body), lang, document) {
                    found.push(format!("[{lang}] {path}: {p}"));
                }
                read += 1;
            }
            // Every form's error summary: fields named in words, messages without codes.
            for (page, marker, _) in &site.forms {
                let html = b.get(page).await.body;
                let (action, fields) = junk_form(&html, marker, "zz").unwrap_or_else(|| panic!("{page}: {marker}"));
                let r = b.post_pairs(&action, &fields).await;
                if r.status == 303 {
                    continue;
                }
                assert!(matches!(r.status, 200 | 201 | 422), "{lang} {page} → {action}: {}", r.status);
                // The payment and progress forms sit on the French customer's documents.
                let document = site.french_documents.contains(page).then_some("fr");
                for p in problems(&visible_text(&r.body), lang, document) {
                    found.push(format!("[{lang}] errors of {action}: {p}"));
                }
            }
        }
        assert!(read > 80, "read {read} pages");
        // An import refused: its columns and its problems in words, in both languages.
        for lang in ["fr", "en"] {
            set_language(&mut b, lang).await;
            let csrf = csrf_of(&b.get("/imports").await.body);
            let csv = "Nom du tiers;Adresse;Code postal;Ville;E-mail;Conditions\nDurand;1 rue;75001;Paris;durand;zz\n";
            let fields = [("csrf", csrf.as_str()), ("what", "customers"), ("mapping", ""), ("action", "check")];
            let r =
                b.post_multipart("/imports", multipart(&fields, Some(("tiers.csv", "text/csv", csv.as_bytes())))).await;
            assert_eq!(r.status, 422, "{lang}: {}", r.body);
            for p in problems(&visible_text(&r.body), lang, None) {
                found.push(format!("[{lang}] the import's answer: {p}"));
            }
        }
        // Statuses agree with their document: un avoir émis, une facture émise.
        set_language(&mut b, "fr").await;
        let credit_notes = visible_text(&b.get("/credit-notes").await.body);
        assert!(credit_notes.contains("Émis") && !credit_notes.contains("Émise"), "{credit_notes}");
        let invoices = visible_text(&b.get("/invoices").await.body);
        assert!(invoices.contains("Émise") || invoices.contains("Payée"), "{invoices}");
        let quotes = visible_text(&b.get("/quotes").await.body);
        assert!(!quotes.contains("Envoyée") && !quotes.contains("Refusée"), "{quotes}");
        let orders = visible_text(&b.get("/orders").await.body);
        assert!(orders.contains("Confirmée") || orders.contains("Livrée en partie"), "{orders}");
        // Units and terms read as words where a user sees them.
        let customer = site.pages.iter().find(|p| p.starts_with("/customers/") && p.matches('/').count() == 2);
        let customer = visible_text(&b.get(customer.expect("a customer page")).await.body);
        assert!(customer.contains("45 jours fin de mois"), "{customer}");
        let invoice = site.pages.iter().find(|p| p.starts_with("/invoices/") && !site.english_documents.contains(p));
        let invoice = visible_text(&b.get(invoice.expect("an invoice page")).await.body);
        assert!(invoice.contains("heure") && invoice.contains("mètre"), "{invoice}");
        assert!(found.is_empty(), "{} problems:\n{}", found.len(), found.join("\n"));
    })
    .await;
}

#[test]
fn the_reader_finds_codes_iso_times_and_dot_decimals() {
    let page = "<p>Conditions : 45_days_end_of_month</p><script>var a_b = 1;</script><td>3 HUR</td>\
                <td>2026-11-20T10:00:00Z</td><td>1729.20</td><p>12:00 UTC</p><td>Draft</td><td>paid</td>";
    let text = visible_text(page);
    assert!(!text.contains("a_b"), "scripts are not read");
    let fr = problems(&text, "fr", None).join("\n");
    for want in ["snake_case", "unit code", "ISO date", "dot decimal", "UTC", "English word", "status"] {
        assert!(fr.contains(want), "{want}: {fr}");
    }
    let en = problems(&text, "en", None).join("\n");
    assert!(!en.contains("dot decimal") && !en.contains("English word") && !en.contains("status"), "{en}");
    assert!(
        problems("Conditions : 45 jours fin de mois, 1 729,20 €, 3 heures, 20/11/2026 11:00", "fr", None).is_empty()
    );
    assert!(problems("Terms: 45 days end of month, €1,729.20, 3 hours, 20 Nov 2026 11:00", "en", None).is_empty());
    // A French word on an English page, unless the page shows a French document's lines.
    assert!(problems("Status Brouillon", "en", None).join("").contains("French word"));
    assert!(problems("Acompte de 30 % sur la commande C2026-00001", "en", Some("fr")).is_empty());
    assert!(problems("Deposit of 30% on order C2026-00001 (VAT 5.5%)", "fr", Some("en")).is_empty());
}

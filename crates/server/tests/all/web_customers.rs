//! The customer directory of the web app over HTTP, on SQLite and PostgreSQL: editing a
//! customer (merge semantics, contacts, errors per field, nothing stored on error),
//! search by every criterion, sorted keyset pages, attached files (web and REST API),
//! tenant isolation, roles, escaping, and the customer page's documents and history.

use crate::common;

use common::web_client::{ADMIN, Browser, as_read, csrf_of, multipart, shows_as_text, signed_in};
use common::{TestApp, customer_body, each_db, line};
use facturier_server::api::customer_files::MAX_FILE;
use facturier_store::companies::Role;
use serde_json::{Value, json};
use std::collections::HashSet;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(unescape(tag[at..].split('"').next()?))
}

/// What a browser would submit for the form posting to `action` on `html`, as shown:
/// text inputs, hidden inputs, checked boxes, textareas and selected options, in order.
fn form_values(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("action=\"{action}\"")).expect("the form");
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let mut out = Vec::new();
    for piece in form.split('<').skip(1) {
        let tag = piece.split('>').next().unwrap_or("");
        if let Some(rest) = tag.strip_prefix("input ") {
            let rest = format!(" {rest}");
            let (Some(name), ty) = (attr(&rest, "name"), attr(&rest, "type").unwrap_or_default()) else { continue };
            if ty == "checkbox" && !rest.contains(" checked") {
                continue;
            }
            out.push((name, attr(&rest, "value").unwrap_or_default()));
        } else if let Some(rest) = tag.strip_prefix("textarea ") {
            let name = attr(&format!(" {rest}"), "name").unwrap();
            let content = piece.split_once('>').map(|(_, c)| c).unwrap_or("");
            out.push((name, unescape(content)));
        } else if let Some(rest) = tag.strip_prefix("select ") {
            let name = attr(&format!(" {rest}"), "name").unwrap();
            let end = form.find(&format!("name=\"{name}\"")).unwrap();
            let select = &form[end..end + form[end..].find("</select>").unwrap()];
            let chosen = select
                .split("<option ")
                .skip(1)
                .find(|o| o.contains(" selected"))
                .or_else(|| select.split("<option ").nth(1))
                .and_then(|o| attr(&format!(" {o}"), "value"))
                .unwrap_or_default();
            out.push((name, chosen));
        }
    }
    out
}

fn set(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    match form.iter_mut().find(|(k, _)| k == name) {
        Some(e) => e.1 = value.to_string(),
        None => form.push((name.to_string(), value.to_string())),
    }
}

/// Bytes a text filter would mangle: every byte value, CR LF pairs, NULs.
fn binary(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7919 + i / 256) % 256) as u8).collect()
}

async fn admin(app: &TestApp) -> Browser {
    let mut b = signed_in(app, ADMIN).await;
    b.csrf().await;
    b
}

/// The API's customer, as JSON.
async fn api_customer(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/customers/{id}")).await.assert_status(200).clone()
}

/// Every id of an API directory walk, page by page (`limit` per page).
async fn walk(app: &TestApp, query: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = String::new();
    for _ in 0..100 {
        let r = app.get(&format!("/customers?{query}&limit={limit}&after={after}")).await;
        let body = r.assert_status(200);
        let page = body["data"].as_array().unwrap();
        assert!(page.len() <= limit as usize);
        ids.extend(page.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match body["next_cursor"].as_str() {
            Some(c) => after = c.to_string(),
            None => return ids,
        }
    }
    panic!("the walk did not end");
}

#[tokio::test]
async fn an_edit_keeps_untouched_fields_and_adds_then_removes_contacts() {
    each_db(|app| async move {
        let id = app.customer().await;
        // Fields the form does not show stay as they are.
        app.patch(
            &format!("/customers/{id}"),
            json!({"invoice_grouping": "site", "iban": "FR7630006000011234567890189"}),
        )
        .await
        .assert_status(200);
        let mut b = admin(&app).await;
        let page = b.get(&format!("/customers/{id}/edit")).await;
        assert_eq!(page.status, 200);
        let html = page.body.clone();
        assert!(
            html.contains(r#"value="Boulangerie Martin""#) && html.contains(r#"value="Sophie Martin""#),
            "prefilled"
        );
        assert!(html.contains(r#"value="732829320""#));

        let mut form = form_values(&html, &format!("/customers/{id}/edit"));
        set(&mut form, "activity", "Boulangerie-pâtisserie");
        set(&mut form, "tags", "vip, export");
        set(&mut form, "delivery_address.line1", "Zone artisanale, lot 4");
        set(&mut form, "delivery_address.postal_code", "69300");
        set(&mut form, "delivery_address.city", "Caluire");
        set(&mut form, "delivery_address.country", "FR");
        set(&mut form, "contacts[1].name", "Paul Durand");
        set(&mut form, "contacts[1].role", "Comptable");
        set(&mut form, "contacts[1].email", "paul@exemple.fr");
        set(&mut form, "contacts[1].mobile", "06 12 34 56 78");
        set(&mut form, "payment_terms", "45_days_eom");
        set(&mut form, "action", "save");
        let saved = b.post_pairs(&format!("/customers/{id}/edit"), &form).await;
        assert_eq!(
            (saved.status, saved.location.as_str()),
            (303, format!("/customers/{id}?done=customer_updated").as_str()),
            "{}",
            saved.body
        );

        let c = api_customer(&app, &id).await;
        assert_eq!(c["name"], "Boulangerie Martin");
        assert_eq!(c["legal"]["siren"], "732829320");
        assert_eq!(c["email"], "compta@exemple.fr");
        assert_eq!(c["invoice_grouping"], "site", "a field the form does not show is kept");
        assert_eq!(c["iban"], "FR7630006000011234567890189");
        assert_eq!(c["activity"], "Boulangerie-pâtisserie");
        assert_eq!(c["tags"], json!(["vip", "export"]));
        assert_eq!(c["delivery_address"]["city"], "Caluire");
        let contacts = c["contacts"].as_array().unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(contacts[0]["phone"], "04 78 12 34 56", "the first contact is untouched");
        assert_eq!(contacts[1]["name"], "Paul Durand");
        assert_eq!(contacts[1]["mobile"], "06 12 34 56 78");

        // Removing the first contact keeps the second.
        let html = b.get(&format!("/customers/{id}/edit")).await.body;
        assert!(html.contains(r#"name="contacts[0].remove""#), "existing contacts can be removed");
        let mut form = form_values(&html, &format!("/customers/{id}/edit"));
        set(&mut form, "contacts[0].remove", "1");
        assert_eq!(b.post_pairs(&format!("/customers/{id}/edit"), &form).await.status, 303);
        let c = api_customer(&app, &id).await;
        assert_eq!(c["contacts"].as_array().unwrap().len(), 1);
        assert_eq!(c["contacts"][0]["name"], "Paul Durand");
        assert_eq!(c["invoice_grouping"], "site");

        // "Add another contact" shows one more empty row without saving anything.
        let html = b.get(&format!("/customers/{id}/edit")).await.body;
        let mut form = form_values(&html, &format!("/customers/{id}/edit"));
        set(&mut form, "activity", "pas enregistré");
        set(&mut form, "action", "add_contact");
        let more = b.post_pairs(&format!("/customers/{id}/edit"), &form).await;
        assert_eq!(more.status, 200);
        assert!(more.body.contains(r#"name="contacts[2].name""#));
        assert_eq!(api_customer(&app, &id).await["activity"], "Boulangerie-pâtisserie");

        // The history says what changed, newest first.
        let page = b.get(&format!("/customers/{id}")).await.body;
        let history = &page[page.find(r#"id="history""#).unwrap()..];
        assert!(history.contains("Fiche modifiée") && history.contains("Fiche créée"));
        assert!(history.find("Fiche modifiée").unwrap() < history.find("Fiche créée").unwrap(), "newest first");
        assert!(history.contains("Contacts"), "the contacts changed: {history}");
    })
    .await;
}

#[tokio::test]
async fn a_bad_siren_or_email_is_refused_next_to_its_field_and_nothing_is_stored() {
    each_db(|app| async move {
        let id = app.customer().await;
        let before = api_customer(&app, &id).await;
        let mut b = admin(&app).await;
        let html = b.get(&format!("/customers/{id}/edit")).await.body;
        let mut form = form_values(&html, &format!("/customers/{id}/edit"));
        set(&mut form, "name", "Nouveau nom");
        set(&mut form, "legal.siren", "123456789");
        set(&mut form, "contacts[0].email", "pas-un-email");
        set(&mut form, "contacts[1].name", "Paul Durand");
        set(&mut form, "contacts[1].email", "aussi@faux");
        let p = b.post_pairs(&format!("/customers/{id}/edit"), &form).await;
        assert_eq!(p.status, 422);
        let body = p.body.clone();
        for field in ["legal.siren", "contacts[0].email", "contacts[1].email"] {
            assert!(body.contains(&format!(r#"id="{field}-error""#)), "{field}'s error is next to it: {body}");
            assert!(body.contains(&format!(r#"aria-describedby="{field}-error""#)), "and tied to its input");
        }
        assert!(body.contains("SIREN"), "the message names what is wrong");
        // What was typed is shown again, nothing lost.
        assert!(body.contains(r#"value="Nouveau nom""#) && body.contains(r#"value="Paul Durand""#));
        assert!(body.contains(r#"value="123456789""#));
        let after = api_customer(&app, &id).await;
        assert_eq!(before["name"], after["name"]);
        assert_eq!(before["updated_at"], after["updated_at"], "nothing stored");

        // The create form refuses the same way and creates nothing.
        let csrf = b.csrf().await;
        let new = pairs(&[
            ("csrf", &csrf),
            ("name", "Sans adresse"),
            ("email", "pas-un-email"),
            ("legal.siren", "12"),
            ("billing_address.country", "FR"),
        ]);
        let p = b.post_pairs("/customers/new", &new).await;
        assert_eq!(p.status, 422);
        assert!(p.body.contains(r#"id="email-error""#) && p.body.contains(r#"id="legal.siren-error""#));
        assert_eq!(app.get("/customers").await.body["data"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_bad_siret_reads_in_french_for_a_french_user_and_in_english_for_an_english_one() {
    each_db(|app| async move {
        let id = app.customer().await;
        let before = api_customer(&app, &id).await;
        let mut b = admin(&app).await;
        let csrf = b.csrf().await;
        b.act(&csrf, "/language", &[("lang", "fr"), ("back", "/")]).await;
        let html = b.get(&format!("/customers/{id}/edit")).await.body;
        let mut form = form_values(&html, &format!("/customers/{id}/edit"));
        set(&mut form, "legal.siret", "73282932000075");
        set(&mut form, "billing_address.postal_code", "6900");
        let p = b.post_pairs(&format!("/customers/{id}/edit"), &form).await;
        assert_eq!(p.status, 422);
        let page = as_read(&p.body);
        let french = "SIRET 73282932000075 : la clé de contrôle est fausse (faute de frappe ?)";
        let next_to_field = format!(r#"<p class="field-error" id="legal.siret-error">{french}</p>"#);
        assert!(page.contains(&next_to_field), "the French message next to its field: {page}");
        assert!(p.body.contains("73282932000075\u{a0}: la clé"), "a no-break space before the colon");
        // The summary names the fields in French too.
        assert!(page.contains(&format!(r##"<a href="#legal.siret">SIRET</a> : {french}"##)), "{page}");
        assert!(
            page.contains("Adresse de facturation › Code postal</a> : un code postal français comporte 5 chiffres")
        );
        assert!(!page.contains("check digit") && !page.contains("has 5 digits"), "no English left");

        b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        let p = b.post_pairs(&format!("/customers/{id}/edit"), &form).await;
        assert_eq!(p.status, 422);
        let page = as_read(&p.body);
        let english = "SIRET 73282932000075: the check digit is wrong (typo?)";
        assert!(page.contains(&format!(r#"id="legal.siret-error">{english}</p>"#)), "{page}");
        assert!(page.contains("Billing address › Postal code</a> : a French postal code has 5 digits"), "{page}");
        assert!(!page.contains("clé de contrôle"));
        assert_eq!(before["updated_at"], api_customer(&app, &id).await["updated_at"], "nothing stored");
    })
    .await;
}

async fn customer_with(app: &TestApp, name: &str, activity: &str, city: &str, contact: &str, tags: &[&str]) -> String {
    let mut body = customer_body(name);
    body["activity"] = json!(activity);
    body["billing_address"]["city"] = json!(city);
    body["contacts"][0]["name"] = json!(contact);
    body["tags"] = json!(tags);
    app.post("/customers", body).await.assert_status(201)["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_directory_finds_customers_by_name_activity_city_contact_and_tag() {
    each_db(|app| async move {
        customer_with(&app, "Garage Lefèvre", "Mécanique", "Grenoble", "Jeanne Roux", &["export"]).await;
        customer_with(&app, "Fromagerie Alpine", "Crèmerie", "Annecy", "Marc Blanc", &["vip", "salon 2026"]).await;
        customer_with(&app, "Plomberie Dupuis", "Plomberie", "Grenoble", "Léa Moreau", &[]).await;
        let mut b = admin(&app).await;
        let cases: &[(&str, &[&str])] = &[
            ("lefevre", &["Garage Lefèvre"]),                      // name, accents ignored
            ("CREMERIE", &["Fromagerie Alpine"]),                  // activity, case ignored
            ("grenoble", &["Garage Lefèvre", "Plomberie Dupuis"]), // city
            ("moreau", &["Plomberie Dupuis"]),                     // contact
            ("vip", &["Fromagerie Alpine"]),                       // tag
            ("salon 2026", &["Fromagerie Alpine"]),                // a tag of two words
            ("export grenoble", &["Garage Lefèvre"]),              // every word must match
        ];
        let all = ["Garage Lefèvre", "Fromagerie Alpine", "Plomberie Dupuis"];
        for (q, expected) in cases {
            let path =
                format!("/customers?{}", form_urlencoded::Serializer::new(String::new()).append_pair("q", q).finish());
            let page = b.get(&path).await;
            assert_eq!(page.status, 200);
            let html = unescape(&page.body);
            for name in all {
                assert_eq!(html.contains(name), expected.contains(&name), "q={q}: {name}");
            }
            // The API's search agrees.
            let api = app.get(&path).await;
            let names: Vec<&str> =
                api.body["data"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
            assert_eq!(names.len(), expected.len(), "API q={q}: {names:?}");
        }
        // Tags show in the list.
        assert!(b.get("/customers?q=vip").await.body.contains("vip, salon 2026"));
    })
    .await;
}

#[tokio::test]
async fn every_sort_order_pages_through_the_directory_without_losing_or_repeating_a_row() {
    each_db(|app| async move {
        let names = [
            ("Zéphyr SARL", "Amiens"),
            ("atelier Brun", "Brest"),
            ("Dupont", "Colmar"),
            ("Dupont", "Colmar"),
            ("Élan Vital", "annecy"),
            ("Boucherie Centrale", "Dijon"),
            ("Dupont", "Bordeaux"),
        ];
        let mut created = Vec::new();
        for (n, city) in names {
            let mut body = customer_body(n);
            body["billing_address"]["city"] = json!(city);
            created.push(app.post("/customers", body).await.assert_status(201)["id"].as_str().unwrap().to_string());
        }
        let fold = |s: &str| s.to_lowercase().replace(['é', 'É'], "e");
        let by = |key: &dyn Fn(usize) -> String, desc: bool| {
            let mut idx: Vec<usize> = (0..names.len()).collect();
            idx.sort_by(|&a, &b| (key(a), created[a].clone()).cmp(&(key(b), created[b].clone())));
            if desc {
                idx.reverse();
            }
            idx.into_iter().map(|i| created[i].clone()).collect::<Vec<_>>()
        };
        let name_key = |i: usize| fold(names[i].0);
        let city_key = |i: usize| fold(names[i].1);
        let created_key = |_: usize| String::new();
        for (query, expected) in [
            ("sort=name&order=asc", by(&name_key, false)),
            ("sort=name&order=desc", by(&name_key, true)),
            ("sort=city&order=asc", by(&city_key, false)),
            ("sort=city&order=desc", by(&city_key, true)),
            ("sort=created&order=asc", by(&created_key, false)),
            ("sort=created", by(&created_key, true)),
            ("", by(&created_key, true)),
        ] {
            for limit in [1, 2, 3, 7] {
                let got = walk(&app, query, limit).await;
                assert_eq!(got.iter().collect::<HashSet<_>>().len(), got.len(), "{query} by {limit}: a row repeated");
                assert_eq!(got, expected, "{query} by {limit}");
            }
        }
        // A search keeps its order and its pages too.
        let dupont = walk(&app, "q=dupont&sort=city&order=asc", 1).await;
        assert_eq!(dupont.len(), 3);
        assert_eq!(api_customer(&app, &dupont[0]).await["billing_address"]["city"], "Bordeaux");
        assert_eq!(app.get("/customers?sort=price").await.status, 422);
        assert_eq!(app.get("/customers?order=up").await.status, 422);

        // The web list: sorted by name, the header says so and links the other way.
        let mut b = admin(&app).await;
        let html = b.get("/customers?sort=name&order=asc").await.body;
        let pos = |n: &str| html.find(n).unwrap_or_else(|| panic!("{n} listed"));
        assert!(pos("atelier Brun") < pos("Boucherie Centrale") && pos("Boucherie Centrale") < pos("Dupont"));
        assert!(pos("Dupont") < pos("Élan Vital") && pos("Élan Vital") < pos("Zéphyr SARL"));
        assert!(html.contains(r#"aria-sort="ascending""#));
        assert!(
            html.contains("/customers?sort=name&amp;order=desc")
                || html.contains("/customers?sort=name&#38;order=desc")
        );
        let html = b.get("/customers?sort=city&order=desc").await.body;
        assert!(html.find("Zéphyr SARL").unwrap() > html.find("Boucherie Centrale").unwrap(), "Amiens after Dijon");
    })
    .await;
}

#[tokio::test]
async fn a_file_goes_up_and_comes_back_byte_for_byte_and_an_oversized_one_is_refused() {
    each_db(|app| async move {
        let id = app.customer().await;
        let mut b = admin(&app).await;
        let csrf = b.csrf().await;
        let bytes = binary(300_000);
        let up = b
            .post_multipart(
                &format!("/customers/{id}/files"),
                multipart(&[("csrf", &csrf)], Some(("contrat signé.pdf", "application/pdf", &bytes))),
            )
            .await;
        assert_eq!(
            (up.status, up.location.as_str()),
            (303, format!("/customers/{id}?done=file_uploaded#files").as_str()),
            "{}",
            up.body
        );
        let page = b.get(&format!("/customers/{id}")).await.body;
        assert!(page.contains("contrat signé.pdf") && page.contains("293,0\u{a0}Ko"), "listed with its size");
        let files = app.get(&format!("/customers/{id}/files")).await.assert_status(200).clone();
        assert_eq!(files.as_array().unwrap().len(), 1);
        let file_id = files[0]["id"].as_str().unwrap().to_string();
        assert_eq!(files[0]["size"], 300_000);

        let down = b.get(&format!("/customers/{id}/files/{file_id}")).await;
        assert_eq!(down.status, 200);
        assert!(down.bytes == bytes, "the same bytes");
        assert_eq!(down.content_type, "application/pdf");
        assert!(
            down.header("content-disposition").starts_with("attachment;"),
            "{}",
            down.header("content-disposition")
        );
        assert!(
            down.header("content-disposition").contains("filename*=UTF-8''contrat%20sign%C3%A9.pdf"),
            "{}",
            down.header("content-disposition")
        );
        assert_eq!(down.header("x-content-type-options"), "nosniff");

        // The REST API: upload, list, download the same bytes, delete.
        let other = binary(5000);
        let (ct, body) = multipart(&[], Some(("C:\\scans\\kbis.png", "image/png", &other)));
        let r = app
            .http
            .post(format!("{}/customers/{id}/files", app.base))
            .bearer_auth(&app.token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let made: Value = r.json().await.unwrap();
        assert_eq!(made["name"], "kbis.png", "the path is dropped");
        let r = app
            .http
            .get(format!("{}/customers/{id}/files/{}", app.base, made["id"].as_str().unwrap()))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.bytes().await.unwrap().to_vec(), other);
        app.delete(&format!("/customers/{id}/files/{}", made["id"].as_str().unwrap())).await.assert_status(204);

        // Over 10 MiB: refused with a clear message, nothing stored.
        let big = vec![7u8; MAX_FILE + 1];
        let p = b
            .post_multipart(
                &format!("/customers/{id}/files"),
                multipart(&[("csrf", &csrf)], Some(("trop.bin", "application/octet-stream", &big))),
            )
            .await;
        assert_eq!(p.status, 413);
        assert!(p.body.contains("Ce fichier dépasse 10 Mo"), "{}", p.body);
        assert!(p.body.contains(r#"aria-describedby="file-error""#));
        let (ct, body) = multipart(&[], Some(("trop.bin", "application/octet-stream", &big)));
        let r = app
            .http
            .post(format!("{}/customers/{id}/files", app.base))
            .bearer_auth(&app.token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 413);
        let problem: Value = r.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("10 MiB"), "{problem}");
        // An empty upload is refused as well.
        let p = b.post_multipart(&format!("/customers/{id}/files"), multipart(&[("csrf", &csrf)], None)).await;
        assert_eq!(p.status, 422);
        assert_eq!(app.get(&format!("/customers/{id}/files")).await.body.as_array().unwrap().len(), 1);

        // Without the session's CSRF token, nothing is stored.
        let p = b
            .post_multipart(
                &format!("/customers/{id}/files"),
                multipart(&[("csrf", "0000")], Some(("x.txt", "text/plain", b"x"))),
            )
            .await;
        assert_eq!(p.status, 403);

        // Deleting from the web; the history keeps both events.
        let path = format!("/customers/{id}/files/{file_id}/delete");
        let del = b.post_pairs(&path, &pairs(&[("csrf", &csrf), ("confirm", "1")])).await;
        assert_eq!(del.status, 303);
        assert_eq!(app.get(&format!("/customers/{id}/files")).await.body.as_array().unwrap().len(), 0);
        assert_eq!(b.get(&format!("/customers/{id}/files/{file_id}")).await.status, 404);
        let page = b.get(&format!("/customers/{id}")).await.body;
        assert!(page.contains("Fichier joint") && page.contains("Fichier supprimé"));
    })
    .await;
}

#[tokio::test]
async fn another_company_gets_404_on_every_file_route_and_customer_page() {
    each_db(|app| async move {
        let id = app.customer().await;
        let mut b = admin(&app).await;
        let csrf = b.csrf().await;
        let up = b
            .post_multipart(
                &format!("/customers/{id}/files"),
                multipart(&[("csrf", &csrf)], Some(("secret.txt", "text/plain", b"confidentiel"))),
            )
            .await;
        assert_eq!(up.status, 303);
        let file_id = app.get(&format!("/customers/{id}/files")).await.body[0]["id"].as_str().unwrap().to_string();

        let other = app.other_company().await;
        other.get(&format!("/customers/{id}/files")).await.assert_status(404);
        other.get(&format!("/customers/{id}/files/{file_id}")).await.assert_status(404);
        other.delete(&format!("/customers/{id}/files/{file_id}")).await.assert_status(404);
        let (ct, body) = multipart(&[], Some(("x.txt", "text/plain", b"x")));
        let r = other
            .http
            .post(format!("{}/customers/{id}/files", other.base))
            .bearer_auth(&other.token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404);
        // A file id of this company under another customer's path is unknown too.
        let mine = app.customer_named("Autre client").await;
        app.get(&format!("/customers/{mine}/files/{file_id}")).await.assert_status(404);

        let mut stranger = signed_in(&app, "boss@other.fr").await;
        let csrf = stranger.csrf().await;
        for path in
            [format!("/customers/{id}"), format!("/customers/{id}/edit"), format!("/customers/{id}/files/{file_id}")]
        {
            assert_eq!(stranger.get(&path).await.status, 404, "{path}");
        }
        let p = stranger
            .post_multipart(
                &format!("/customers/{id}/files"),
                multipart(&[("csrf", &csrf)], Some(("x.txt", "text/plain", b"x"))),
            )
            .await;
        assert_eq!(p.status, 404);
        let del =
            stranger.post_pairs(&format!("/customers/{id}/files/{file_id}/delete"), &pairs(&[("csrf", &csrf)])).await;
        assert_eq!(del.status, 404);
        let edit =
            stranger.post_pairs(&format!("/customers/{id}/edit"), &pairs(&[("csrf", &csrf), ("name", "Volé")])).await;
        assert_eq!(edit.status, 404);
        assert_eq!(app.get(&format!("/customers/{id}/files")).await.body.as_array().unwrap().len(), 1);
        assert_eq!(api_customer(&app, &id).await["name"], "Boulangerie Martin");
    })
    .await;
}

#[tokio::test]
async fn a_read_only_user_can_neither_edit_nor_upload_nor_delete() {
    each_db(|app| async move {
        let id = app.customer().await;
        let mut b = admin(&app).await;
        let csrf = b.csrf().await;
        b.post_multipart(
            &format!("/customers/{id}/files"),
            multipart(&[("csrf", &csrf)], Some(("a.txt", "text/plain", b"abc"))),
        )
        .await;
        let file_id = app.get(&format!("/customers/{id}/files")).await.body[0]["id"].as_str().unwrap().to_string();

        let (_, token) = app.store.create_user_token(app.company_id, "lecture@test.fr", Role::ReadOnly).await.unwrap();
        let mut ro = signed_in(&app, "lecture@test.fr").await;
        let page = ro.get(&format!("/customers/{id}")).await;
        assert_eq!(page.status, 200);
        let html = page.body.clone();
        assert!(!html.contains(r#"id="edit-customer""#) && !html.contains(r#"id="upload-form""#));
        assert!(!html.contains("/delete\""), "no delete buttons");
        assert!(html.contains(&format!("/customers/{id}/files/{file_id}")), "files can be downloaded");
        assert_eq!(ro.get(&format!("/customers/{id}/files/{file_id}")).await.bytes, b"abc");
        assert_eq!(ro.get(&format!("/customers/{id}/edit")).await.status, 403);
        let csrf = ro.csrf().await;
        let edit =
            ro.post_pairs(&format!("/customers/{id}/edit"), &pairs(&[("csrf", &csrf), ("name", "Changé")])).await;
        assert_eq!(edit.status, 403);
        let up = ro
            .post_multipart(
                &format!("/customers/{id}/files"),
                multipart(&[("csrf", &csrf)], Some(("b.txt", "text/plain", b"b"))),
            )
            .await;
        assert_eq!(up.status, 403);
        let del = ro.post_pairs(&format!("/customers/{id}/files/{file_id}/delete"), &pairs(&[("csrf", &csrf)])).await;
        assert_eq!(del.status, 403);

        let reader = app.with_token(&token);
        reader.delete(&format!("/customers/{id}/files/{file_id}")).await.assert_status(403);
        let (ct, body) = multipart(&[], Some(("c.txt", "text/plain", b"c")));
        let r = reader
            .http
            .post(format!("{}/customers/{id}/files", reader.base))
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        reader.get(&format!("/customers/{id}/files")).await.assert_status(200);
        assert_eq!(app.get(&format!("/customers/{id}/files")).await.body.as_array().unwrap().len(), 1);
        assert_eq!(api_customer(&app, &id).await["name"], "Boulangerie Martin");
    })
    .await;
}

#[tokio::test]
async fn hostile_names_of_customers_contacts_tags_and_files_are_shown_as_text() {
    each_db(|app| async move {
        let hostile = "<script>alert(1)</script>";
        let mut body = customer_body(hostile);
        body["contacts"][0]["name"] = json!("<img src=x onerror=alert(2)>");
        body["tags"] = json!(["<b>gras</b>"]);
        body["notes"] = json!("</textarea><script>alert(3)</script>");
        let id = app.post("/customers", body).await.assert_status(201)["id"].as_str().unwrap().to_string();
        let mut b = admin(&app).await;
        let csrf = b.csrf().await;
        let up = b
            .post_multipart(
                &format!("/customers/{id}/files"),
                multipart(
                    &[("csrf", &csrf)],
                    Some(("<svg onload=alert(4)>.html", "text/html", b"<script>alert(5)</script>")),
                ),
            )
            .await;
        assert_eq!(up.status, 303);
        for path in [
            format!("/customers/{id}"),
            format!("/customers/{id}/edit"),
            "/customers".into(),
            "/customers?q=gras".into(),
        ] {
            let page = b.get(&path).await;
            assert_eq!(page.status, 200, "{path}");
            let html = page.body.clone();
            assert!(!html.contains("<script>alert"), "{path}");
            assert!(!html.contains("<img src=x") && !html.contains("<b>gras") && !html.contains("<svg"), "{path}");
            assert!(shows_as_text(&html, hostile), "{path}");
        }
        // An uploaded HTML page is downloaded, never shown as a page of this site.
        let file_id = app.get(&format!("/customers/{id}/files")).await.body[0]["id"].as_str().unwrap().to_string();
        let down = b.get(&format!("/customers/{id}/files/{file_id}")).await;
        assert_eq!(down.content_type, "application/octet-stream");
        assert!(
            down.header("content-disposition").starts_with("attachment;")
                && !down.header("content-disposition").contains('<'),
            "{}",
            down.header("content-disposition")
        );
        assert_eq!(down.header("x-content-type-options"), "nosniff");
    })
    .await;
}

#[tokio::test]
async fn the_customer_page_lists_every_document_and_a_history_newest_first() {
    each_db(|app| async move {
        let id = app.customer().await;
        let inv = app.issued_invoice(&id, &[line("Pose", "1", "1000.00", "20")]).await;
        let inv_id = inv["id"].as_str().unwrap().to_string();
        app.post(&format!("/invoices/{inv_id}/payments"), json!({"amount": "200.00", "method": "bank_transfer"}))
            .await
            .assert_status(200);
        let quote = app.post("/quotes", json!({"customer_id": id, "lines": [line("Étude", "1", "50", "20")]})).await;
        let quote_id = quote.assert_status(201)["id"].as_str().unwrap().to_string();

        let mut b = admin(&app).await;
        let html = b.get(&format!("/customers/{id}")).await.body;
        assert!(html.contains(&format!("/invoices/{inv_id}")) && html.contains(&format!("/quotes/{quote_id}")));
        assert!(html.contains(inv["number"].as_str().unwrap()));
        assert!(html.contains("1\u{202f}000,00\u{a0}€"), "outstanding: 1 200 − 200: {html}");
        let history = &html[html.find(r#"id="history""#).unwrap()..];
        for label in ["Fiche créée", "Émission", "Règlement enregistré", "Document créé"] {
            assert!(history.contains(label), "{label} in {history}");
        }
        assert!(history.find("Règlement enregistré").unwrap() < history.find("Émission").unwrap(), "newest first");
        assert!(history.find("Émission").unwrap() < history.find("Fiche créée").unwrap());

        // In English too.
        let csrf = b.csrf().await;
        b.post_pairs("/language", &pairs(&[("csrf", &csrf), ("lang", "en"), ("back", "/")])).await;
        let en = b.get(&format!("/customers/{id}")).await.body;
        assert!(en.contains("Attached files") && en.contains("History") && en.contains("Payment recorded"), "{en}");
        assert!(en.contains("€1,000.00"));
        let form = b.get(&format!("/customers/{id}/edit")).await.body;
        assert!(form.contains("Direct line") && form.contains("Add another contact"));
    })
    .await;
}

#[tokio::test]
async fn the_directory_shows_what_each_customer_owes_and_how_much_is_overdue() {
    each_db(|app| async move {
        let late = app.customer_named("Ancien Client").await;
        let current = app.customer_named("Client Récent").await;
        let settled = app.customer_named("Client Soldé").await;
        let long_ago = (time::OffsetDateTime::now_utc().date() - time::Duration::days(90)).to_string();
        let old = app
            .post(
                "/invoices",
                json!({"customer_id": late, "issue_date": long_ago, "lines": [line("Pose", "1", "1000", "20")]}),
            )
            .await
            .assert_status(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.post(&format!("/invoices/{old}/issue"), json!({})).await.assert_status(200);
        let recent = app.issued_invoice(&current, &[line("Étude", "1", "500", "20")]).await;
        let recent_id = recent["id"].as_str().unwrap();
        app.post(&format!("/invoices/{recent_id}/payments"), json!({"amount": "100.00", "method": "cheque"}))
            .await
            .assert_status(200);
        let paid = app.issued_invoice(&settled, &[line("Étude", "1", "50", "20")]).await;
        let paid_id = paid["id"].as_str().unwrap();
        app.post(&format!("/invoices/{paid_id}/payments"), json!({"amount": "60.00", "method": "cheque"}))
            .await
            .assert_status(200);
        // A draft owes nothing.
        app.draft_invoice(&settled, &[line("Brouillon", "1", "999", "20")]).await;

        let mut b = admin(&app).await;
        let html = b.get("/customers?sort=name&order=asc").await.body;
        let row = |name: &str| {
            let at = html.find(&format!(">{name}</a>")).unwrap_or_else(|| panic!("{name} listed"));
            html[at..at + html[at..].find("</tr>").unwrap()].to_string()
        };
        let (late_row, current_row, settled_row) = (row("Ancien Client"), row("Client Récent"), row("Client Soldé"));
        assert!(late_row.contains("1\u{a0}200,00\u{a0}€") || late_row.contains("1\u{202f}200,00\u{a0}€"), "{late_row}");
        assert!(late_row.contains("dont en retard"), "{late_row}");
        assert!(late_row.contains(r#"class="num overdue""#), "{late_row}");
        assert!(current_row.contains("500,00"), "600.00 owed, 100.00 paid: {current_row}");
        assert!(!current_row.contains("dont en retard"), "{current_row}");
        assert!(!settled_row.contains('€'), "a settled customer owes nothing: {settled_row}");
        b.submit("/language", &[("lang", "en"), ("back", "/")]).await;
        let en = b.get("/customers?sort=name&order=asc").await.body;
        assert!(en.contains("Outstanding") && en.contains("€1,200.00") && en.contains("of which overdue"), "{en}");

        // Sorted by what they owe: the most first unless asked otherwise, page after page.
        let ours = |ids: Vec<String>| -> Vec<String> {
            ids.into_iter().filter(|id| [&late, &current, &settled].contains(&id)).collect()
        };
        let expect = |order: &[&String]| order.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for limit in [1, 2, 50] {
            assert_eq!(ours(walk(&app, "sort=balance", limit).await), expect(&[&late, &current, &settled]), "{limit}");
            let asc = ours(walk(&app, "sort=balance&order=asc", limit).await);
            assert_eq!(asc, expect(&[&settled, &current, &late]), "{limit}");
        }
        // A credit note for the whole old invoice settles it; a dollar invoice counts at its
        // rate (120 USD at 0.5 is 60 €), so the customer who paid moves up.
        let credit = app.post(&format!("/invoices/{old}/credit-note"), json!({})).await.assert_status(201).clone();
        let credit_id = credit["id"].as_str().unwrap();
        app.post(&format!("/credit-notes/{credit_id}/issue"), json!({})).await.assert_status(200);
        let usd = app
            .post(
                "/invoices",
                json!({"customer_id": settled, "currency": "USD", "exchange_rate": "0.5",
                       "lines": [line("Support", "1", "100", "20")]}),
            )
            .await
            .assert_status(201)["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.post(&format!("/invoices/{usd}/issue"), json!({})).await.assert_status(200);
        assert_eq!(ours(walk(&app, "sort=balance", 1).await), expect(&[&current, &settled, &late]));
        let html = b.get("/customers?sort=balance").await.body;
        assert!(html.contains(r#"id="sort-balance""#) && html.contains(r#"aria-sort="descending""#), "{html}");
        let pos = |n: &str| html.find(&format!(">{n}</a>")).unwrap_or_else(|| panic!("{n} listed"));
        assert!(pos("Client Récent") < pos("Client Soldé") && pos("Client Soldé") < pos("Ancien Client"));
        assert!(html.contains("$120.00"), "the dollars are shown as dollars: {html}");
    })
    .await;
}

#[tokio::test]
async fn a_file_of_customers_is_sent_once_mapped_checked_then_imported_from_the_web_page() {
    each_db(|app| async move {
        let mut b = admin(&app).await;
        let list = b.get("/customers").await.body;
        assert!(list.contains(r#"href="/imports""#), "the directory links to the import page");
        let page = b.get("/imports").await;
        assert_eq!(page.status, 200);
        let csrf = csrf_of(&page.body);
        // "Localité" is no header the import knows: the city is missing on every row at first.
        let csv = "Nom du tiers;Adresse;Code postal;Localité;E-mail\nDurand;1 rue;75001;Paris;durand@x.fr\nMartin;2 rue;75002;;\n";
        let fields = [("csrf", csrf.as_str()), ("what", "customers")];
        let p = b.post_multipart("/imports", multipart(&fields, Some(("tiers.csv", "text/csv", csv.as_bytes())))).await;
        assert_eq!(p.status, 422, "{}", p.body);
        let text = as_read(&p.body);
        assert!(text.contains("Lignes lues : 2 ; refusées : 2."), "{text}");
        assert!(text.contains("Ville") && text.contains("obligatoire"), "{text}");
        let visible: String = text.split('<').map(|piece| piece.split_once('>').map_or(piece, |(_, t)| t)).collect();
        assert!(!visible.contains("postal_code") && !visible.contains("line1"), "fields in words, not codes: {visible}");
        assert!(p.body.contains(r#"<option value="postal_code" selected>Code postal</option>"#), "{}", p.body);
        assert!(p.body.contains("durand@x.fr"), "each column shows its values");
        assert!(!p.body.contains(r#"id="import-run""#), "nothing to import while rows are refused");
        let action = p.body.split(r#"action="/imports/"#).nth(1).and_then(|r| r.split('"').next()).unwrap().to_string();
        assert!(app.store.all_customers(app.company_id).await.unwrap().is_empty());

        // The columns as the page offers them, "Localité" now the city: no second upload.
        let mapped = |action_value: &'static str, city_field: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("header-0", "Nom du tiers".to_string()),
                ("field-0", "name".into()),
                ("header-1", "Adresse".into()),
                ("field-1", "line1".into()),
                ("header-2", "Code postal".into()),
                ("field-2", "postal_code".into()),
                ("header-3", "Localité".into()),
                ("field-3", city_field.into()),
                ("header-4", "E-mail".into()),
                ("field-4", "email".into()),
                ("action", action_value.into()),
            ]
        };
        let post = |v: Vec<(&'static str, String)>| {
            v.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<(String, String)>>()
        };
        let url = format!("/imports/{action}");
        let p = b.post_pairs(&url, &post(mapped("check", "city"))).await;
        assert_eq!(p.status, 422, "Martin still has no city: {}", p.body);
        assert!(as_read(&p.body).contains("Lignes lues : 2 ; refusées : 1."), "{}", p.body);
        assert!(p.body.contains(r#"<option value="city" selected>Ville</option>"#), "the choice is kept");
        // Martin's city is missing from the file itself: the file is fixed and sent again.
        let good = "Nom du tiers;Adresse;Code postal;Localité\nDurand;1 rue;75001;Paris\n";
        let p = b.post_multipart("/imports", multipart(&fields, Some(("tiers.csv", "text/csv", good.as_bytes())))).await;
        let action = p.body.split(r#"action="/imports/"#).nth(1).and_then(|r| r.split('"').next()).unwrap().to_string();
        let url = format!("/imports/{action}");
        let mut choices = mapped("check", "city");
        choices.truncate(9);
        choices.push(("action", "check".into()));
        let p = b.post_pairs(&url, &post(choices.clone())).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(as_read(&p.body).contains("Fiches à créer : 1 ;"), "{}", p.body);
        assert!(p.body.contains(r#"id="import-run""#));
        assert!(app.store.all_customers(app.company_id).await.unwrap().is_empty(), "a check saves nothing");
        choices.pop();
        choices.push(("action", "import".into()));
        let p = b.post_pairs(&url, &post(choices.clone())).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(as_read(&p.body).contains("Fiches créées : 1 ;"), "{}", p.body);
        assert!(p.body.contains(r#"href="/customers" id="import-see""#), "{}", p.body);
        let stored = app.store.all_customers(app.company_id).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].customer.billing_address.city, "Paris");
        // The file is forgotten once imported; another company never reaches one.
        let again = b.post_pairs(&url, &post(choices.clone())).await;
        assert_eq!(again.status, 404);
        assert!(as_read(&again.body).contains("n'est plus disponible"), "{}", again.body);
        let p = b.post_multipart("/imports", multipart(&fields, Some(("tiers.csv", "text/csv", good.as_bytes())))).await;
        let kept = p.body.split(r#"action="/imports/"#).nth(1).and_then(|r| r.split('"').next()).unwrap().to_string();
        let other = app.other_company().await;
        let mut o = signed_in(&other, "boss@other.fr").await;
        let ocsrf = o.csrf().await;
        let mut theirs = post(choices);
        theirs[0].1 = ocsrf;
        assert_eq!(o.post_pairs(&format!("/imports/{kept}"), &theirs).await.status, 404);
        assert_eq!(app.store.all_customers(app.company_id).await.unwrap().len(), 1);
        assert!(other.store.all_customers(other.company_id).await.unwrap().is_empty());
    })
    .await;
}

/// Follows a background import's page until it stops looking again; returns its last look.
async fn import_page_when_finished(b: &mut Browser, url: &str) -> common::web_client::Page {
    for _ in 0..600 {
        let p = b.get(url).await;
        assert_eq!(p.status, 200, "{}", p.body);
        if !p.body.contains(r#"http-equiv="refresh""#) {
            return p;
        }
        assert!(p.body.contains(r#"id="import-progress""#) && p.body.contains("id=\"import-bar\""), "{}", p.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import of {url} never finished");
}

#[tokio::test]
async fn a_large_file_is_imported_in_the_background_and_its_page_follows_it_to_the_end() {
    each_db(|app| async move {
        let mut b = admin(&app).await;
        let csrf = csrf_of(&b.get("/imports").await.body);
        // 2 400 customers: over the size the page imports while the user waits.
        let mut csv = String::from("Nom du tiers;Adresse;Code postal;Localité;E-mail;Note\n");
        for i in 0..2400 {
            csv.push_str(&format!(
                "Client {i:05};{i} rue de la Paix;75002;Paris;client{i}@exemple.fr;{}\n",
                "x".repeat(20)
            ));
        }
        assert!(csv.len() > facturier_server::app::imports::BACKGROUND_FROM_BYTES);
        let fields = [("csrf", csrf.as_str()), ("what", "customers")];
        let p = b.post_multipart("/imports", multipart(&fields, Some(("tiers.csv", "text/csv", csv.as_bytes())))).await;
        assert_eq!(p.status, 422, "no column is the city yet: {}", p.body);
        assert!(as_read(&p.body).contains("Lignes lues : 2 400 ; refusées : 2 400."), "{}", p.body);
        let upload = p.body.split(r#"action="/imports/"#).nth(1).and_then(|r| r.split('"').next()).unwrap().to_string();
        let url = format!("/imports/{upload}");
        let choice = |city: &str, action: &str| -> Vec<(String, String)> {
            let mut v = vec![("csrf".to_string(), csrf.clone())];
            for (i, (h, f)) in [
                ("Nom du tiers", "name"),
                ("Adresse", "line1"),
                ("Code postal", "postal_code"),
                ("Localité", city),
                ("E-mail", "email"),
                ("Note", ""),
            ]
            .iter()
            .enumerate()
            {
                v.push((format!("header-{i}"), h.to_string()));
                v.push((format!("field-{i}"), f.to_string()));
            }
            v.push(("action".into(), action.into()));
            v
        };

        // Imported without the city, as a crafted form may ask: the run refuses every row,
        // saves nothing, and its page checks the file again to say why.
        let started = b.post_pairs(&url, &choice("", "import")).await;
        assert_eq!((started.status, started.location.as_str()), (303, url.as_str()), "{}", started.body);
        let failed = import_page_when_finished(&mut b, &url).await;
        let text = as_read(&failed.body);
        assert!(text.contains("L'import n'a rien enregistré"), "{text}");
        assert!(text.contains("refusées : 2 400"), "{text}");
        assert!(failed.body.contains(r#"id="import-rejected""#) && text.contains("Ville"), "{text}");
        assert!(app.store.all_customers(app.company_id).await.unwrap().is_empty());

        // The city chosen: imported in the background, the page follows it to its counts.
        let started = b.post_pairs(&url, &choice("city", "import")).await;
        assert_eq!((started.status, started.location.as_str()), (303, url.as_str()), "{}", started.body);
        let done = import_page_when_finished(&mut b, &url).await;
        let text = as_read(&done.body);
        assert!(text.contains("Lignes importées : 2 400. Fiches créées : 2 400 ;"), "{text}");
        assert!(done.body.contains(r#"href="/customers" id="import-see""#), "{}", done.body);
        assert_eq!(app.store.all_customers(app.company_id).await.unwrap().len(), 2400);

        // A second click (the back button) imports nothing twice: it leads to the same page.
        let again = b.post_pairs(&url, &choice("city", "import")).await;
        assert_eq!((again.status, again.location.as_str()), (303, url.as_str()));
        assert!(as_read(&import_page_when_finished(&mut b, &url).await.body).contains("Fiches créées : 2 400"));
        assert_eq!(app.store.all_customers(app.company_id).await.unwrap().len(), 2400);
        // In English, and never for another company.
        b.act(&csrf, "/language", &[("lang", "en"), ("back", "/")]).await;
        assert!(as_read(&b.get(&url).await.body).contains("Records created: 2,400;"));
        let other = app.other_company().await;
        let mut o = signed_in(&other, "boss@other.fr").await;
        assert_eq!(o.get(&url).await.status, 404);
    })
    .await;
}

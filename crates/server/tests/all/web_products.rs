//! The catalogue of the web app over HTTP, on SQLite and PostgreSQL: creating and editing
//! products (errors beside each field, input kept, nothing stored on error), units and
//! natures in words, search, sorted keyset pages, archiving (confirmed first; hidden from
//! the list and the editor's search, kept on documents), a product created from the
//! document editor, roles and tenant isolation; and the API's archived filter.

use crate::common;

use common::web_client::{ADMIN, Browser, as_read, signed_in, signed_in_member};
use common::{TestApp, each_db};
use facturier_store::companies::Role;
use serde_json::{Value, json};

async fn admin(app: &TestApp) -> (Browser, String) {
    let mut b = signed_in(app, ADMIN).await;
    let csrf = b.csrf().await;
    (b, csrf)
}

/// Creates a product through the API and returns its id.
async fn product(app: &TestApp, body: Value) -> String {
    app.post("/products", body).await.assert_status(201)["id"].as_str().unwrap().to_string()
}

fn priced(reference: &str, name: &str, price: &str) -> Value {
    json!({"reference": reference, "name": name, "unit_price": price, "vat_rate": "20"})
}

/// The products of the API's list (archived ones left out, as by default).
async fn api_references(app: &TestApp, query: &str) -> Vec<String> {
    let body = app.get(&format!("/products?limit=200{query}")).await.assert_status(200).clone();
    body["data"].as_array().unwrap().iter().map(|p| p["reference"].as_str().unwrap().to_string()).collect()
}

/// The ids of the product rows of a list page, in order.
fn row_ids(html: &str) -> Vec<String> {
    html.split(r#"<tr id="product-"#).skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
}

fn next_link(html: &str) -> Option<String> {
    let at = html.find(r#"rel="next""#)?;
    let start = html[..at].rfind("href=\"")? + 6;
    Some(html[start..].split('"').next()?.replace("&amp;", "&").replace("&#38;", "&"))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// What a browser would submit for the form posting to `action`: inputs (checked boxes
/// only), the selected option of each select (else the first) and textareas.
fn form_values(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html.find(&format!(r#"action="{action}""#)).expect("the form");
    let form = &html[start..start + html[start..].find("</form>").expect("its end")];
    let attr = |tag: &str, name: &str| {
        let key = format!(r#" {name}=""#);
        tag.find(&key).map(|at| unescape(tag[at + key.len()..].split('"').next().unwrap()))
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let tag = &rest[..rest.find('>').unwrap() + 1];
        if tag.starts_with("<input ") {
            let unchecked = tag.contains(r#"type="checkbox""#) && !tag.contains(" checked");
            if let (Some(name), false) = (attr(tag, "name"), unchecked) {
                out.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<select ") {
            let end = rest.find("</select>").unwrap();
            let options: Vec<&str> = rest[..end].split("<option ").skip(1).collect();
            let chosen =
                options.iter().find(|o| o.split('>').next().unwrap().contains(" selected")).or(options.first());
            let value = chosen.and_then(|o| attr(&format!(" {o}"), "value")).unwrap_or_default();
            out.push((attr(tag, "name").unwrap(), value));
            rest = &rest[end..];
        } else if tag.starts_with("<textarea ") {
            let body = &rest[tag.len()..];
            out.push((attr(tag, "name").unwrap(), unescape(&body[..body.find("</textarea>").unwrap()])));
        }
        rest = &rest[1..];
    }
    out
}

fn set(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    match form.iter_mut().find(|(k, _)| k == name) {
        Some(e) => e.1 = value.to_string(),
        None => form.push((name.to_string(), value.to_string())),
    }
}

#[tokio::test]
async fn bad_input_is_shown_beside_each_field_kept_as_typed_and_nothing_is_saved() {
    each_db(|app| async move {
        let (mut b, csrf) = admin(&app).await;
        let form = b.get("/products/new").await;
        assert_eq!(form.status, 200);
        // The company's VAT rates and units in words are offered.
        assert!(form.body.contains(r#"<option value="HUR">heure</option>"#), "{}", form.body);
        assert!(as_read(&form.body).contains(r#"<option value="5.5">5,5 %</option>"#));
        let bad = [
            ("csrf", csrf.as_str()),
            ("reference", ""),
            ("name", "Câble <cuivre> 3G2,5"),
            ("unit", "MTR"),
            ("unit_price", "douze"),
            ("vat_rate", "20"),
            ("purchase_price", "-3"),
            ("track_stock", "1"),
            ("stock", "beaucoup"),
        ];
        let p = b.post("/products/new", &bad).await;
        assert_eq!(p.status, 422);
        for field in ["reference", "unit_price", "purchase_price", "stock"] {
            assert!(p.body.contains(&format!(r#"id="{field}-error""#)), "an error beside {field}");
        }
        let text = as_read(&p.body);
        assert!(text.contains("Référence</a> : obligatoire"), "in French, fields in words: {text}");
        assert!(text.contains("Prix d'achat HT</a> : "), "{text}");
        // What was typed is kept, escaped, with the unit and the box as chosen.
        assert!(p.body.contains(r#"value="douze""#) && p.body.contains(r#"value="beaucoup""#));
        assert!(p.body.contains("Câble &lt;cuivre&gt; 3G2,5") || p.body.contains("Câble &#60;cuivre&#62; 3G2,5"));
        assert!(p.body.contains(r#"<option value="MTR" selected>mètre</option>"#));
        assert!(p.body.contains(r#"name="track_stock" value="1" checked"#));
        assert!(api_references(&app, "&archived=true").await.is_empty(), "nothing saved");
        // In English, the same errors in English.
        assert_eq!(b.act(&csrf, "/language", &[("lang", "en"), ("back", "/products/new")]).await.status, 303);
        let en = as_read(&b.post("/products/new", &bad).await.body);
        assert!(en.contains("Reference</a>: is required") && en.contains("metre"), "{en}");
        b.act(&csrf, "/language", &[("lang", "fr"), ("back", "/products/new")]).await;
        // A reference already used is refused on its field.
        product(&app, priced("CAB-3G25", "Câble", "1.20")).await;
        let dup = [
            ("csrf", csrf.as_str()),
            ("reference", "CAB-3G25"),
            ("name", "Autre câble"),
            ("unit_price", "2"),
            ("vat_rate", "20"),
        ];
        let p = b.post("/products/new", &dup).await;
        assert_eq!(p.status, 422);
        assert!(p.body.contains(r#"id="reference-error""#) && as_read(&p.body).contains("existe déjà"));
        assert_eq!(api_references(&app, "").await, ["CAB-3G25"]);
    })
    .await;
}

#[tokio::test]
async fn a_product_is_created_then_edited_with_units_natures_and_amounts_in_words() {
    each_db(|app| async move {
        let (mut b, csrf) = admin(&app).await;
        let created = b
            .post(
                "/products/new",
                &[
                    ("csrf", csrf.as_str()),
                    ("reference", "POSE-H"),
                    ("name", "Pose de carrelage"),
                    ("nature", ""),
                    ("unit", "HUR"),
                    ("unit_price", "1 045,50"),
                    ("vat_rate", "10"),
                    ("vat_category", ""),
                    ("purchase_price", "30"),
                ],
            )
            .await;
        assert_eq!(created.status, 303);
        assert!(created.location.starts_with("/products?done=saved&id="), "{}", created.location);
        let id = created.location.rsplit('=').next().unwrap().to_string();
        let api = app.get(&format!("/products/{id}")).await.assert_status(200).clone();
        assert_eq!(
            (&api["unit_price"], &api["unit"], &api["nature"], &api["vat_rate"], &api["stock"], &api["margin"]),
            (&json!("1045.50"), &json!("HUR"), &json!("services"), &json!("10"), &Value::Null, &json!("1015.50"))
        );
        let list = as_read(&b.get(&created.location).await.body);
        assert!(list.contains("Article enregistré : POSE-H — Pose de carrelage"), "{list}");
        assert_eq!(list.matches(r#"id="notice""#).count(), 1, "one notice, naming the product: {list}");
        for shown in ["heure", "Service", "1 045,50 €", "10 %", "30,00 €", "marge 1 015,50 €"] {
            assert!(list.contains(shown), "{shown} in {list}");
        }
        assert!(!list.contains(">HUR<"), "never the unit's code");

        // Edited: renamed, stock tracked; the form shows the stored values first.
        let edit = b.get(&format!("/products/{id}/edit")).await;
        assert_eq!(edit.status, 200);
        let mut form = form_values(&edit.body, &format!("/products/{id}/edit"));
        assert_eq!(form.iter().find(|(k, _)| k == "unit").map(|(_, v)| v.as_str()), Some("HUR"));
        assert!(!form.iter().any(|(k, _)| k == "track_stock"), "not tracked yet");
        set(&mut form, "name", "Pose de faïence");
        set(&mut form, "track_stock", "1");
        set(&mut form, "stock", "12");
        set(&mut form, "unit", "MTK");
        set(&mut form, "nature", "goods");
        let saved = b.post_pairs(&format!("/products/{id}/edit"), &form).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let api = app.get(&format!("/products/{id}")).await.assert_status(200).clone();
        assert_eq!(
            (&api["name"], &api["stock"], &api["unit"], &api["nature"], &api["unit_price"]),
            (&json!("Pose de faïence"), &json!("12"), &json!("MTK"), &json!("goods"), &json!("1045.50"))
        );
        let list = as_read(&b.get(&saved.location).await.body);
        assert!(list.contains("mètre carré") && list.contains("Bien") && list.contains(">12<"), "{list}");

        // An edit with an error saves nothing and keeps what was typed.
        set(&mut form, "unit_price", "-1");
        set(&mut form, "name", "Nom perdu ?");
        let refused = b.post_pairs(&format!("/products/{id}/edit"), &form).await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains(r#"id="unit_price-error""#) && refused.body.contains(r#"value="-1""#));
        assert_eq!(app.get(&format!("/products/{id}")).await.body["name"], "Pose de faïence");
    })
    .await;
}

#[tokio::test]
async fn the_catalogue_is_searched_and_sorted_by_price_and_stock_in_keyset_pages() {
    each_db(|app| async move {
        product(
            &app,
            json!({"reference": "B-2", "name": "Écrou", "unit_price": "0.30", "vat_rate": "20", "stock": "500"}),
        )
        .await;
        product(
            &app,
            json!({"reference": "A-1", "name": "Vis inox", "unit_price": "0.25", "vat_rate": "20", "stock": "-4"}),
        )
        .await;
        product(&app, json!({"reference": "C-3", "name": "Forfait déplacement", "unit_price": "45", "vat_rate": "20"}))
            .await;
        let (mut b, _) = admin(&app).await;
        let names = |html: &str| {
            let text = as_read(html);
            ["Écrou", "Vis inox", "Forfait déplacement"]
                .into_iter()
                .filter_map(|n| text.find(&format!(">{n}<")).map(|at| (at, n)))
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_values()
                .collect::<Vec<_>>()
        };
        // By reference by default; searched on name, accents ignored.
        assert_eq!(names(&b.get("/products").await.body), ["Vis inox", "Écrou", "Forfait déplacement"]);
        assert_eq!(names(&b.get("/products?q=ecrou").await.body), ["Écrou"]);
        assert_eq!(names(&b.get("/products?q=c-3").await.body), ["Forfait déplacement"]);
        assert_eq!(
            names(&b.get("/products?sort=price&order=desc").await.body),
            ["Forfait déplacement", "Écrou", "Vis inox"]
        );
        // By stock from the lowest: untracked last, its cell blank.
        let by_stock = b.get("/products?sort=stock").await.body;
        assert_eq!(names(&by_stock), ["Vis inox", "Écrou", "Forfait déplacement"]);
        assert!(by_stock.contains(r#"aria-sort="ascending""#));
        assert_eq!(names(&b.get("/products?sort=name").await.body), ["Écrou", "Forfait déplacement", "Vis inox"]);

        // 52 more, sorted by price across two pages: each product once, in order.
        for i in 0..52 {
            product(&app, priced(&format!("P-{i:02}"), &format!("Pièce {i}"), &format!("{}.{:02}", 100 - i, i))).await;
        }
        let first = b.get("/products?sort=price").await.body;
        let next = next_link(&first).expect("a next page");
        let second = b.get(&next).await.body;
        assert!(next_link(&second).is_none());
        let mut ids = row_ids(&first);
        assert_eq!(ids.len(), 50);
        ids.extend(row_ids(&second));
        assert_eq!(ids.len(), 55);
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 55, "no product twice");
        let api: Vec<String> = {
            let all = app.get("/products?limit=200").await.body;
            let mut v: Vec<(f64, String)> = all["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["unit_price"].as_str().unwrap().parse().unwrap(), p["id"].as_str().unwrap().to_string()))
                .collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v.into_iter().map(|(_, id)| id).collect()
        };
        assert_eq!(ids, api, "in price order");
    })
    .await;
}

#[tokio::test]
async fn archiving_is_confirmed_first_then_hides_the_product_from_the_list_and_the_editor_search() {
    each_db(|app| async move {
        let id = product(&app, priced("LUM-01", "Luminaire LED", "45.50")).await;
        let customer = app.customer().await;
        let line = json!({"product_id": id, "quantity": "2"});
        let invoice = app.post("/invoices", json!({"customer_id": customer, "lines": [line]})).await;
        let invoice = invoice.assert_status(201)["id"].as_str().unwrap().to_string();
        let (mut b, csrf) = admin(&app).await;
        assert!(b.get("/documents/products?product_q=lumi").await.body.contains(&format!("add_product:{id}")));

        // The link asks first: nothing is archived by opening it.
        let ask = b.get(&format!("/products/{id}/archive")).await;
        assert_eq!(ask.status, 200);
        assert!(ask.body.contains(r#"id="confirm-archive""#) && ask.body.contains("Luminaire LED"));
        assert_eq!(app.get(&format!("/products/{id}")).await.body["archived"], false);
        let done = b.act(&csrf, &format!("/products/{id}/archive"), &[]).await;
        assert_eq!(done.status, 303);
        assert!(as_read(&b.get(&done.location).await.body).contains("Article archivé : LUM-01"));
        assert_eq!(app.get(&format!("/products/{id}")).await.body["archived"], true);

        let list = b.get("/products").await.body;
        assert!(!list.contains(&format!("product-{id}")) && list.contains(r#"id="no-products""#));
        let archived = b.get("/products?show=archived").await.body;
        assert!(archived.contains(&format!("product-{id}")) && archived.contains(&format!("restore-{id}")));
        assert!(b.get("/products?show=all").await.body.contains(&format!("product-{id}")));
        let search = b.get("/documents/products?product_q=lumi").await.body;
        assert!(!search.contains("add_product:") && as_read(&search).contains("Aucun article trouvé"));
        // It stays on the document that names it.
        let doc = app.get(&format!("/invoices/{invoice}")).await.assert_status(200).clone();
        assert_eq!(doc["lines"][0]["product_id"], json!(id));
        assert!(b.get(&format!("/invoices/{invoice}")).await.body.contains("Luminaire LED"));

        // Back on sale: in the list and the search again.
        let back = b.act(&csrf, &format!("/products/{id}/restore"), &[]).await;
        assert_eq!(back.status, 303);
        assert!(b.get("/products").await.body.contains(&format!("product-{id}")));
        assert!(b.get("/documents/products?product_q=lumi").await.body.contains(&format!("add_product:{id}")));
    })
    .await;
}

#[tokio::test]
async fn a_product_created_from_the_editor_leads_back_to_the_draft_where_it_is_found() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let draft = app
            .post("/invoices", json!({"customer_id": customer, "lines": [common::line("Pose", "1", "100", "20")]}))
            .await;
        let draft = draft.assert_status(201)["id"].as_str().unwrap().to_string();
        let (mut b, _) = admin(&app).await;
        let edit = format!("/invoices/{draft}/edit");
        let page = b.get(&edit).await;
        // Nothing found: the fragment offers to create it.
        let none = b.get("/documents/products?product_q=Gaine+ICTA").await.body;
        assert!(none.contains(r#"value="new_product""#), "{none}");
        let mut form = form_values(&page.body, &edit);
        set(&mut form, "product_q", "Gaine ICTA 20");
        set(&mut form, "action", "new_product");
        let go = b.post_pairs(&edit, &form).await;
        assert_eq!(go.status, 303, "{}", go.body);
        assert!(go.location.starts_with("/products/new?"), "{}", go.location);
        let new = b.get(&go.location).await;
        assert_eq!(new.status, 200);
        assert!(new.body.contains(r#"value="Gaine ICTA 20""#) && new.body.contains(&format!(r#"value="{edit}""#)));
        let mut pform = form_values(&new.body, "/products/new");
        set(&mut pform, "reference", "GAINE-20");
        set(&mut pform, "unit_price", "0.85");
        set(&mut pform, "unit", "MTR");
        let created = b.post_pairs("/products/new", &pform).await;
        assert_eq!(created.status, 303, "{}", created.body);
        assert_eq!(created.location, format!("{edit}?product_q=GAINE-20"));
        let pid = app.get("/products?q=GAINE").await.body["data"][0]["id"].as_str().unwrap().to_string();
        let back = b.get(&created.location).await;
        assert_eq!(back.status, 200);
        assert!(back.body.contains(&format!("add_product:{pid}")), "found in the editor");
        // The draft kept its line.
        assert_eq!(app.get(&format!("/invoices/{draft}")).await.body["lines"][0]["description"], "Pose");
    })
    .await;
}

#[tokio::test]
async fn a_read_only_user_sees_the_catalogue_but_cannot_create_edit_or_archive() {
    each_db(|app| async move {
        let id = product(&app, priced("LUM-01", "Luminaire LED", "45.50")).await;
        let mut ro = signed_in_member(&app, "lecture@test.fr", Role::ReadOnly).await;
        let csrf = ro.csrf().await;
        let list = ro.get("/products").await;
        assert_eq!(list.status, 200);
        assert!(list.body.contains(r#"id="nav-products""#) && list.body.contains("Luminaire LED"));
        assert!(!list.body.contains(r#"id="new-product""#) && !list.body.contains("/edit\""));
        assert_eq!(ro.get("/products/new").await.status, 403);
        assert_eq!(ro.get(&format!("/products/{id}/edit")).await.status, 403);
        assert_eq!(ro.get(&format!("/products/{id}/archive")).await.status, 403);
        let create =
            [("csrf", csrf.as_str()), ("reference", "X"), ("name", "X"), ("unit_price", "1"), ("vat_rate", "20")];
        assert_eq!(ro.post("/products/new", &create).await.status, 403);
        assert_eq!(ro.act(&csrf, &format!("/products/{id}/edit"), &create[1..]).await.status, 403);
        assert_eq!(ro.act(&csrf, &format!("/products/{id}/archive"), &[]).await.status, 403);
        assert_eq!(api_references(&app, "").await, ["LUM-01"]);
        assert_eq!(app.get(&format!("/products/{id}")).await.body["name"], "Luminaire LED");
    })
    .await;
}

#[tokio::test]
async fn another_company_s_product_is_not_found_on_any_catalogue_page() {
    each_db(|app| async move {
        let id = product(&app, priced("LUM-01", "Luminaire LED", "45.50")).await;
        let other = app.other_company().await;
        other.get(&format!("/products/{id}")).await.assert_status(404);
        other.patch(&format!("/products/{id}"), json!({"archived": true})).await.assert_status(404);
        let mut stranger = signed_in(&app, "boss@other.fr").await;
        let csrf = stranger.csrf().await;
        for path in [format!("/products/{id}/edit"), format!("/products/{id}/archive"), "/products/nope/edit".into()] {
            assert_eq!(stranger.get(&path).await.status, 404, "{path}");
        }
        let edit = [("reference", "VOL"), ("name", "Volé"), ("unit_price", "1"), ("vat_rate", "20")];
        assert_eq!(stranger.act(&csrf, &format!("/products/{id}/edit"), &edit).await.status, 404);
        assert_eq!(stranger.act(&csrf, &format!("/products/{id}/archive"), &[]).await.status, 404);
        assert_eq!(stranger.act(&csrf, &format!("/products/{id}/restore"), &[]).await.status, 404);
        assert!(!stranger.get("/products?show=all").await.body.contains("Luminaire"));
        let mine = app.get(&format!("/products/{id}")).await.assert_status(200).clone();
        assert_eq!((&mine["name"], &mine["archived"]), (&json!("Luminaire LED"), &json!(false)));
    })
    .await;
}

#[tokio::test]
async fn the_api_lists_archived_products_only_when_asked_and_patch_archives_and_restores() {
    each_db(|app| async move {
        let kept = product(&app, priced("A-1", "Gardé", "1")).await;
        let gone = product(&app, priced("B-2", "Archivé", "2")).await;
        let r = app.patch(&format!("/products/{gone}"), json!({"archived": true})).await;
        let body = r.assert_status(200);
        assert_eq!(body["archived"], true);
        assert!(body["archived_at"].as_str().is_some_and(|s| s.len() >= 20));
        assert_eq!(api_references(&app, "").await, ["A-1"]);
        assert_eq!(api_references(&app, "&archived=false").await, ["A-1"]);
        let mut all = api_references(&app, "&archived=true").await;
        all.sort();
        assert_eq!(all, ["A-1", "B-2"]);
        assert_eq!(app.get("/products?q=archiv").await.body["data"], json!([]));
        let bad = app.get("/products?archived=peut-etre").await;
        bad.assert_status(422);
        assert_eq!(bad.error_fields(), ["archived"]);
        // Still readable by id; an edit of other fields leaves it archived.
        let edited = app.patch(&format!("/products/{gone}"), json!({"unit_price": "3"})).await;
        assert_eq!((&edited.body["archived"], &edited.body["unit_price"]), (&json!(true), &json!("3.00")));
        // Its GET body sent back as a patch is accepted as is.
        let read = app.get(&format!("/products/{gone}")).await.body;
        app.patch(&format!("/products/{gone}"), read).await.assert_status(200);
        let back = app.patch(&format!("/products/{gone}"), json!({"archived": false})).await;
        assert_eq!((&back.body["archived"], &back.body["archived_at"]), (&json!(false), &Value::Null));
        assert_eq!(api_references(&app, "").await.len(), 2);
        assert_eq!(app.get(&format!("/products/{kept}")).await.body["archived"], false);
    })
    .await;
}

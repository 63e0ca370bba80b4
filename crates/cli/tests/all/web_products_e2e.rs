//! The catalogue in a real headless Chromium (see `web_e2e.rs` for the harness), on SQLite
//! then PostgreSQL: sort by clicking the price header, create a product with the form,
//! archive one after its confirmation page, and read the list and the form on a phone
//! without anything scrolling sideways. Screenshots in `target/test-artefacts/web/`.

use crate::browser;

use browser::*;
use serde_json::json;

/// The names in the catalogue's rows, top to bottom.
async fn names(b: &Browser) -> Vec<String> {
    let v = b
        .script("return Array.from(document.querySelectorAll('#products td.product-name')).map(td => td.innerText)")
        .await;
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

async fn wait_names(b: &Browser, want: &[&str]) {
    let start = std::time::Instant::now();
    loop {
        let got = names(b).await;
        if got == want {
            return;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "rows {got:?}, not {want:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Fails when the page, or any element of `main`, reaches past the window's right edge.
async fn fits_the_width(b: &Browser, what: &str) {
    let overflow = b.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
    let wide = b
        .script(
            "const w = document.documentElement.clientWidth;
             return Array.from(document.querySelectorAll('main *'))
               .filter(e => e.getBoundingClientRect().right > w + 0.5)
               .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className);",
        )
        .await;
    assert!(overflow.as_i64().unwrap() <= 0 && wide == json!([]), "{what} is too wide on a phone: {overflow} {wide}");
}

async fn catalogue(db: &Db) {
    let served = Served::start(db).await;
    let app = served.url.clone();
    let products = [
        json!({"reference": "VIS-INOX-6X40-BOITE-200", "name": "Vis inox A2 tête fraisée Pozidriv 6 × 40 mm, boîte de 200",
               "unit": "XBX", "unit_price": "18.90", "purchase_price": "9.45", "vat_rate": "20", "stock": "35"}),
        json!({"reference": "DEPL", "name": "Forfait déplacement", "unit": "LS", "unit_price": "45", "vat_rate": "20"}),
        json!({"reference": "MO-H", "name": "Main-d'œuvre", "unit": "HUR", "unit_price": "52.50", "vat_rate": "10"}),
    ];
    for p in products {
        served.post("/products", p).await;
    }

    let b = Browser::start(db.name).await;
    b.sign_in(&app, ADMIN).await;

    // From the main navigation; by reference, then by price both ways.
    b.click("#nav-products").await;
    b.wait_text("h1", "Catalogue").await;
    let vis = "Vis inox A2 tête fraisée Pozidriv 6 × 40 mm, boîte de 200";
    wait_names(&b, &["Forfait déplacement", "Main-d'œuvre", vis]).await;
    b.wait_text("#products", "heure").await;
    b.wait_text("#products", "boîte").await;
    b.click("#sort-price").await;
    wait_names(&b, &[vis, "Forfait déplacement", "Main-d'œuvre"]).await;
    b.click("#sort-price").await;
    wait_names(&b, &["Main-d'œuvre", "Forfait déplacement", vis]).await;
    b.screenshot("cat-01-by-price").await;

    // A new product through the form.
    b.click("#new-product").await;
    b.wait_text("h1", "Nouvel article").await;
    b.fill("#reference", "GAINE-20").await;
    b.fill("#name", "Gaine ICTA 20 mm").await;
    b.script("document.querySelector('#unit').value = 'MTR'").await;
    b.fill("#unit_price", "0,85").await;
    b.click("#track_stock").await;
    b.fill("#stock", "250").await;
    b.screenshot("cat-02-new-product").await;
    b.click("#save").await;
    b.wait_text("#notice", "Article enregistré : GAINE-20").await;
    b.wait_text("#products", "mètre").await;
    let found = served.api(reqwest::Method::GET, "/products?q=GAINE", None).await;
    let gaine = &found["data"][0];
    assert_eq!((&gaine["unit"], &gaine["unit_price"], &gaine["stock"]), (&json!("MTR"), &json!("0.85"), &json!("250")));

    // Archived after its confirmation page.
    let id = gaine["id"].as_str().unwrap().to_string();
    b.click(&format!("#archive-{id}")).await;
    b.wait_text("h1", "Archiver l'article").await;
    b.click("#confirm-archive").await;
    b.wait_text("#notice", "Article archivé : GAINE-20").await;
    assert!(!b.exists(&format!("#product-{id}")).await, "out of the list");

    // On a phone: each product is a card; nothing reaches past the edge.
    b.window(390, 844).await;
    b.goto(&format!("{app}/products")).await;
    wait_names(&b, &["Forfait déplacement", "Main-d'œuvre", vis]).await;
    fits_the_width(&b, "the catalogue").await;
    b.screenshot("cat-03-phone-list").await;
    b.goto(&format!("{app}/products/new")).await;
    fits_the_width(&b, "the product form").await;
    b.screenshot("cat-04-phone-form").await;
    b.quit().await;
}

#[tokio::test]
async fn the_catalogue_in_a_real_browser() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        catalogue(&db).await;
    }
}

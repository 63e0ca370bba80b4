//! The customer directory in a real headless Chromium (see `web_e2e.rs` for the harness),
//! on SQLite then PostgreSQL: sort the directory by clicking its column headers, search
//! by city and by tag, edit a customer and add a contact, attach a file and download it
//! (the same bytes, as an attachment), import a Dolibarr export from the web page on a
//! phone. Screenshots in `target/test-artefacts/web/`.

use crate::browser;

use browser::*;
use serde_json::{Value, json};

fn customer(name: &str, city: &str, postal_code: &str, tags: &[&str]) -> Value {
    json!({
        "name": name,
        "activity": "Artisanat",
        "billing_address": {"line1": "1 place du Marché", "postal_code": postal_code, "city": city, "country": "FR"},
        "contacts": [{"name": "Claire Petit", "role": "Gérante"}],
        "tags": tags,
    })
}

/// The names in the directory's rows, top to bottom.
async fn names(b: &Browser) -> Vec<String> {
    let v = b
        .script("return Array.from(document.querySelectorAll('#customers tbody tr td:first-child')).map(td => td.innerText)")
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

async fn directory(db: &Db) {
    let served = Served::start(db).await;
    let (app, token) = (served.url.clone(), served.token.clone());
    let martin = served.post("/customers", customer("Boulangerie Martin", "Lyon", "69002", &["pain"])).await;
    served.post("/customers", customer("Garage Lefèvre", "Grenoble", "38000", &["vip"])).await;
    served.post("/customers", customer("Atelier Zola", "Annecy", "74000", &["export"])).await;
    let martin_id = martin["id"].as_str().unwrap().to_string();

    let b = Browser::start(db.name).await;
    b.sign_in(&app, ADMIN).await;

    // Sorting by clicking the headers: newest first, then by name, both ways, then by city.
    b.goto(&format!("{app}/customers")).await;
    wait_names(&b, &["Atelier Zola", "Garage Lefèvre", "Boulangerie Martin"]).await;
    b.click("#sort-name").await;
    wait_names(&b, &["Atelier Zola", "Boulangerie Martin", "Garage Lefèvre"]).await;
    let sorted = b.script("return document.querySelector('th[aria-sort=ascending]').textContent").await;
    assert_eq!(sorted, "Nom ▲ (tri croissant)", "the sorted column says so to screen readers too");
    b.click("#sort-name").await;
    wait_names(&b, &["Garage Lefèvre", "Boulangerie Martin", "Atelier Zola"]).await;
    b.click("#sort-city").await;
    wait_names(&b, &["Atelier Zola", "Garage Lefèvre", "Boulangerie Martin"]).await;
    b.screenshot("cust-01-directory-by-city").await;

    // Search by city, then by tag; the sort order stays.
    b.fill("#q", "grenoble").await;
    b.click("form[role=search] button[type=submit]").await;
    wait_names(&b, &["Garage Lefèvre"]).await;
    assert!(b.url().await.contains("sort=city"), "{}", b.url().await);
    b.fill("#q", "vip").await;
    b.click("form[role=search] button[type=submit]").await;
    wait_names(&b, &["Garage Lefèvre"]).await;
    b.screenshot("cust-02-search-by-tag").await;

    // Edit a customer and add a contact.
    b.goto(&format!("{app}/customers/{martin_id}")).await;
    b.click("#edit-customer").await;
    b.wait_text("h1", "Modifier").await;
    b.fill("#activity", "Boulangerie-pâtisserie").await;
    b.fill("#tags", "pain, vip").await;
    b.fill("[id='contacts[1].name']", "Paul Durand").await;
    b.fill("[id='contacts[1].role']", "Comptable").await;
    b.fill("[id='contacts[1].email']", "paul@exemple.fr").await;
    b.fill("[id='contacts[1].phone']", "04 78 00 00 01").await;
    b.screenshot("cust-03-edit-form").await;
    b.click("#save").await;
    b.wait_text("h1", "Boulangerie Martin").await;
    b.wait_text("table#contacts", "Paul Durand").await;
    b.wait_text("table#contacts", "Claire Petit").await;
    b.wait_text("#history-list", "Fiche modifiée").await;
    let c: Value = reqwest::Client::new()
        .get(format!("{app}/api/v1/customers/{martin_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["activity"], "Boulangerie-pâtisserie");
    assert_eq!(c["contacts"].as_array().unwrap().len(), 2);
    assert_eq!(c["tags"], json!(["pain", "vip"]));

    // Attach a file from disk, then download it through the page's session.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contrat signé.pdf");
    let bytes: Vec<u8> = (0..150_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let input = b.find("#file").await;
    b.post(&format!("/element/{input}/value"), json!({"text": path.display().to_string()})).await;
    b.click("#upload").await;
    b.wait_text("#file-list", "contrat signé.pdf").await;
    b.screenshot("cust-04-files-and-history").await;
    let got = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             const a = document.querySelector('#file-list a');
             fetch(a.href).then(async r => {
               const buf = new Uint8Array(await r.arrayBuffer());
               let sum = 0; for (const x of buf) { sum = (sum * 31 + x) >>> 0; }
               done({status: r.status, length: buf.length, sum,
                     type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition')});
             }, e => done(String(e)));",
        )
        .await;
    let sum = bytes.iter().fold(0u32, |s, &x| s.wrapping_mul(31).wrapping_add(u32::from(x)));
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["length"], bytes.len(), "{got}");
    assert_eq!(got["sum"], sum, "the same bytes");
    assert_eq!(got["type"], "application/pdf");
    assert!(got["disposition"].as_str().unwrap().starts_with("attachment;"), "{got}");
    b.wait_text("#history-list", "Fichier joint").await;

    // On a phone: nothing but the tables scrolls sideways.
    b.window(390, 844).await;
    let overflow = b.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
    let wide = b
        .script(
            "const w = document.documentElement.clientWidth;
             return Array.from(document.querySelectorAll('main *'))
               .filter(e => e.getBoundingClientRect().right > w && !e.closest('.table-wrap'))
               .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className);",
        )
        .await;
    assert!(overflow.as_i64().unwrap() <= 0, "the customer page scrolls sideways on a phone: {overflow} {wide}");
    b.screenshot("cust-05-customer-phone").await;

    // A Dolibarr export of third parties, imported from the web page, on the phone: the
    // file is chosen once, a column the import does not know ("Localité") is mapped by
    // hand, checked again, then imported.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("societe.csv");
    std::fs::write(
        &file,
        "Nom du tiers;Adresse;Code postal;Localité;E-mail\n\
         Menuiserie Garnier;4 rue des Tanneurs;31000;Toulouse;contact@garnier.fr\n\
         Fromagerie Duval;9 place du Marché;74000;Annecy;\n",
    )
    .unwrap();
    b.goto(&format!("{app}/imports")).await;
    b.choose_file("#file", &file).await;
    b.click("#import-check").await;
    b.wait_text("#import-summary", "refusées : 2").await;
    b.wait_text("#import-rejected", "Ville").await;
    b.screenshot("cust-06-import-unmapped-phone").await;
    let overflow = b.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
    assert!(overflow.as_i64().unwrap() <= 0, "the import page scrolls sideways on a phone: {overflow}");
    b.click("#field-3 option[value='city']").await;
    b.click("#import-recheck").await;
    b.wait_text("#import-summary", "Fiches à créer : 2").await;
    b.click("#import-run").await;
    b.wait_text("#import-summary", "Fiches créées : 2").await;
    b.screenshot("cust-07-import-done-phone").await;
    b.click("#import-see").await;
    b.fill("#q", "Fromagerie").await;
    b.click("form[role=search] button[type=submit]").await;
    wait_names(&b, &["Fromagerie Duval"]).await;
    b.quit().await;
}

#[tokio::test]
async fn the_customer_directory_in_a_real_browser() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        directory(&db).await;
    }
}

//! Contracts in a real headless Chromium on a phone-sized window, on both backends: the
//! user publishes SYNTEC values (one by the form, the rest from a CSV file), creates the
//! seed's maintenance contract (quarterly in advance, `1500 + 2000 × S / S0`, invoices
//! issued), runs the billing up to 2016-12-31 and finds the invoice numbers in the
//! year's billing grid, the page still fitting the phone's width.

use crate::browser;

use browser::*;
use serde_json::json;

async fn journey(db: &Db) {
    let served = Served::start(db).await;
    let app = served.url.clone();
    let bank = json!({"label": "Compte courant", "iban": "FR7630004000031234567890143", "bic": "BNPAFRPPXXX", "default": true});
    served.identify(json!({"banks": [bank]})).await;
    let customer = served
        .api(
            reqwest::Method::POST,
            "/customers",
            Some(json!({"name": "CapiLog Industrie", "legal": {"siren": "732829320"},
               "billing_address": {"line1": "1 rue Haute", "postal_code": "69002", "city": "Lyon", "country": "FR"}})),
        )
        .await;
    let customer = customer["id"].as_str().unwrap().to_string();

    let b = Browser::start(db.name).await;
    b.window(390, 844).await;
    b.sign_in(&app, ADMIN).await;

    // Contracts from the menu, then the indices: December 2013 by the form.
    b.click("#nav-toggle").await;
    b.click("#nav-contracts").await;
    b.wait_text("h1", "Contrats").await;
    b.click("#contracts-indices").await;
    b.wait_text("h1", "Indices de révision").await;
    b.fill("#index-code", "SYNTEC").await;
    b.fill("#index-period", "2013-12").await;
    b.fill("#index-value", "239,5").await;
    b.click("#publish-value").await;
    b.wait_text("#notice", "Valeur d'indice publiée").await;
    // The rest of 2014–2016 from a CSV file.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("syntec.csv");
    let values = [
        "2014-03;241,0",
        "2014-06;242,4",
        "2014-09;243,9",
        "2014-12;244,6",
        "2015-03;245,2",
        "2015-06;246,1",
        "2015-09;247,0",
        "2015-12;247,6",
        "2016-03;248,3",
        "2016-06;249,2",
        "2016-09;250,1",
    ];
    std::fs::write(&csv, format!("période;valeur\n{}\n", values.join("\n"))).unwrap();
    b.choose_file("#index-file", &csv).await;
    b.click("#import").await;
    b.wait_text("#import-result", "11 valeur(s) ajoutée(s)").await;
    b.wait_text("#values", "250,1").await;
    b.screenshot("contracts-01-index").await;
    b.fits_the_phone("the index page").await;

    // The seed's contract, its invoices issued by the run.
    b.goto(&format!("{app}/contracts")).await;
    b.click("#new-contract").await;
    b.wait_text("h1", "Nouveau contrat").await;
    b.set("customer_id", &customer).await;
    b.fill("#reference", "RT-684").await;
    b.fill("#title", "Contrat de maintenance").await;
    b.fill("#nature", "DEPA").await;
    b.set("start_date", "2014-01-01").await;
    b.set("end_date", "2017-12-31").await;
    b.set("billing-period_months", "3").await;
    b.set("billing-mode", "advance").await;
    b.click("#billing-issue").await;
    b.fill("#lines-0-description", "Maintenance préventive et dépannage").await;
    b.fill("#lines-0-unit_price", "3500").await;
    b.set("revision-kind", "amounts").await;
    b.fill("#revision-index", "SYNTEC").await;
    b.fill("#revision-base_value", "239,5").await;
    b.fill("#revision-fixed_amount", "1500").await;
    b.fill("#revision-amount", "2000").await;
    b.fits_the_phone("the contract form").await;
    b.screenshot("contracts-02-form").await;
    b.click("#create-contract").await;
    b.wait_text("#notice", "Contrat créé").await;
    b.wait_text("#contract-formula", "P = 1 500 + 2 000 × SYNTEC / 239,5").await;
    b.screenshot("contracts-03-card").await;

    // The run up to 2016-12-31.
    b.click("#contract-run").await;
    b.wait_text("h1", "Facturation des contrats").await;
    b.set("run-date", "2016-12-31").await;
    b.click("#run").await;
    b.wait_text("#run-counts", "12 facture(s) créée(s)").await;
    b.screenshot("contracts-04-run").await;

    // The grid of 2015: its four invoices by number, linked.
    let contracts = served.api(reqwest::Method::GET, "/contracts", None).await;
    let id = contracts["data"][0]["id"].as_str().unwrap().to_string();
    let contract = served.api(reqwest::Method::GET, &format!("/contracts/{id}"), None).await;
    let numbers: Vec<String> = contract["billed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["billing_date"].as_str().unwrap().starts_with("2015"))
        .map(|b| b["invoice_number"].as_str().expect("an issued invoice has its number").to_string())
        .collect();
    assert_eq!(numbers.len(), 4, "{contract}");
    b.goto(&format!("{app}/contracts/grid?year=2015")).await;
    b.wait_text("h1", "Suivi de facturation 2015").await;
    for n in &numbers {
        b.wait_text("#grid", n).await;
    }
    b.wait_text("#grid-total", "14 207,93 €").await;
    let linked = b.script("return document.querySelectorAll('#grid a.billed').length").await;
    assert_eq!(linked, json!(4));
    b.fits_the_phone("the grid").await;
    b.screenshot("contracts-05-grid-phone").await;
    // 2017: still to bill, greyed.
    b.click("#next-year").await;
    b.click("#next-year").await;
    b.wait_text("h1", "Suivi de facturation 2017").await;
    let planned = b.script("return document.querySelectorAll('#grid .planned').length").await;
    assert_eq!(planned, json!(4));
    b.quit().await;
}

#[tokio::test]
async fn a_user_publishes_index_values_creates_a_contract_runs_the_billing_and_sees_the_numbers_in_the_grid() {
    if !crate::services::browser_available() {
        return;
    }
    for db in databases().await {
        journey(&db).await;
    }
}

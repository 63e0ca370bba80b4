//! The accounting hand-off over HTTP on SQLite and PostgreSQL (API.md, "Accounting
//! hand-off"): the FEC of a year of invoices, payments, a credit note and a cancelled
//! payment balances, letters what was paid within the year, passes our own check
//! (`formats::accounting::check_fec`) and shows nothing of another company; the chart
//! of accounts set in the settings is used, a wrong one refused; bad periods are
//! refused with the field named; the invoice list of the period in CSV.

use crate::common;

use common::{TestApp, each_db, line};
use facturier_formats::accounting::{check_fec, latin9};
use serde_json::json;

async fn fetch(app: &TestApp, path: &str) -> (u16, String, String, Vec<u8>) {
    let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
    let status = r.status().as_u16();
    let header = |h: &str| r.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (status, ct, cd, r.bytes().await.expect("body").to_vec())
}

fn year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

fn fiscal_year() -> (time::Date, time::Date) {
    let y = year();
    (
        time::Date::from_ordinal_date(y, 1).unwrap(),
        time::Date::from_calendar_date(y, time::Month::December, 31).unwrap(),
    )
}

async fn pay(app: &TestApp, invoice: &str, amount: &str, method: &str) -> String {
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let r = app
        .post(&format!("/invoices/{invoice}/payments"), json!({"amount": amount, "date": today, "method": method}))
        .await;
    let inv = r.assert_status(200).clone();
    inv["payments"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string()
}

/// The data lines of a FEC, as fields.
fn fec_rows(text: &str) -> Vec<Vec<String>> {
    text.split("\r\n").skip(1).filter(|l| !l.is_empty()).map(|l| l.split('\t').map(String::from).collect()).collect()
}

#[tokio::test]
async fn the_fec_of_a_year_balances_letters_paid_invoices_and_passes_the_check() {
    each_db(|app| async move {
        let martin = app.customer_named("Boulangerie Martin").await;
        let cafe = app.customer_named("Café de l'Œuvre").await;
        // Paid in full by transfer: lettered.
        let paid = app
            .issued_invoice(
                &martin,
                &[line("Farine T65", "2", "100", "20"), line("Livraison express", "1", "50", "10")],
            )
            .await;
        let paid_id = paid["id"].as_str().unwrap();
        let paid_number = paid["number"].as_str().unwrap().to_string();
        pay(&app, paid_id, paid["totals"]["gross"].as_str().unwrap(), "transfer").await;
        // Partly paid in cash, then a cheque cancelled (rejected): open, not lettered.
        let open = app.issued_invoice(&cafe, &[line("Croissants", "100", "1.15", "5.5")]).await;
        let open_id = open["id"].as_str().unwrap();
        pay(&app, open_id, "50", "cash").await;
        let cheque = pay(&app, open_id, "20", "check").await;
        app.post(&format!("/payments/{cheque}/cancel"), json!({"reason": "chèque rejeté"})).await.assert_status(200);
        // Credited in full: the credit note letters it.
        let credited = app.issued_invoice(&martin, &[line("Erreur", "1", "80", "20")]).await;
        let credited_id = credited["id"].as_str().unwrap();
        let cn = app.post(&format!("/invoices/{credited_id}/credit-note"), json!({})).await;
        let cn_id = cn.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{cn_id}/issue"), json!({})).await.assert_status(200);

        let y = year();
        let (status, ct, cd, bytes) = fetch(&app, &format!("/exports/fec?from={y}-01-01&to={y}-12-31")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(ct, "text/plain; charset=iso-8859-15");
        assert_eq!(cd, format!("attachment; filename=\"552100554FEC{y}1231.txt\""));
        let report = check_fec(bytes.as_slice(), Some(fiscal_year())).unwrap();
        assert!(report.passed(), "{report}");
        assert_eq!(report.encoding, "ISO-8859-15", "Œ of the café's name is one Latin-9 byte");
        // 4 sales entries (3 invoices, 1 credit note), 3 payments, 1 reversal.
        assert_eq!(report.entries, 8, "{report}");
        let text = latin9::decode(&bytes);
        let rows = fec_rows(&text);
        assert!(rows.iter().all(|r| r.len() == 18));
        let journals: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(journals.into_iter().collect::<Vec<_>>(), ["BQ", "CA", "VE"]);
        // The paid invoice's customer line and its payment carry its lettering; the
        // open invoice's lines none.
        let lettered: Vec<&Vec<String>> = rows.iter().filter(|r| r[13] == paid_number).collect();
        assert_eq!(lettered.len(), 2, "{text}");
        assert_eq!(lettered[0][11], "295,00", "2 × 100 × 1.2 + 50 × 1.1");
        assert_eq!(lettered[1][12], "295,00");
        assert!(lettered.iter().all(|r| r[4] == "411000" && r[6].starts_with("411BOULAN")));
        let open_number = open["number"].as_str().unwrap();
        assert!(rows.iter().filter(|r| r[8] == open_number).all(|r| r[13].is_empty()));
        let credited_number = credited["number"].as_str().unwrap();
        assert_eq!(rows.iter().filter(|r| r[13] == credited_number).count(), 2, "invoice and credit note lettered");
        assert!(text.contains("Annulation règlement"), "the cancelled cheque is reversed:\n{text}");
        // Revenue per nature and VAT per rate.
        assert!(rows.iter().any(|r| r[4] == "44571200" && r[12] == "40,00"), "{text}");
        assert!(rows.iter().any(|r| r[4] == "44571100" && r[12] == "5,00"), "{text}");

        // Another company's FEC has the header and nothing else.
        let other = app.other_company().await;
        let (status, _, _, bytes) = fetch(&other, &format!("/exports/fec?from={y}-01-01&to={y}-12-31")).await;
        assert_eq!(status, 200);
        assert_eq!(fec_rows(&latin9::decode(&bytes)).len(), 0);

        // UTF-8 and pipes on request; the same entries.
        let (_, ct, _, utf8) =
            fetch(&app, &format!("/exports/fec?from={y}-01-01&to={y}-12-31&encoding=utf-8&separator=pipe")).await;
        assert_eq!(ct, "text/plain; charset=utf-8");
        let report = check_fec(utf8.as_slice(), Some(fiscal_year())).unwrap();
        assert!(report.passed() && report.entries == 8, "{report}");
        assert!(String::from_utf8(utf8).unwrap().contains("Café de l'Œuvre"));
    })
    .await;
}

#[tokio::test]
async fn the_chart_of_the_settings_is_used_and_a_wrong_one_refused_keeping_the_stored_one() {
    each_db(|app| async move {
        let c = app.customer().await;
        app.issued_invoice(&c, &[line("Pose", "1", "100", "20")]).await;
        let chart = json!({"accounting": {"services": "706100", "sales_journal": {"code": "VT", "label": "Ventes France"}, "vat_rates": [{"rate": "20", "account": "445712"}]}});
        let r = app.patch("/settings", chart).await;
        assert_eq!(r.assert_status(200)["accounting"]["sales_journal"]["code"], "VT");
        let r = app.patch("/settings", json!({"accounting": {"goods": "C707"}})).await;
        let body = r.assert_status(422);
        assert_eq!(body["errors"][0]["field"], "accounting", "{body}");
        let stored = app.get("/settings").await;
        assert_eq!(stored.assert_status(200)["accounting"]["services"], "706100", "nothing lost");
        let (_, _, _, bytes) = fetch(&app, "/exports/fec").await;
        let text = latin9::decode(&bytes);
        let rows = fec_rows(&text);
        assert!(rows.iter().all(|r| r[0] == "VT" && r[2] == "VT000001"), "{text}");
        assert!(rows.iter().any(|r| r[4] == "445712"), "{text}");
        assert!(rows.iter().any(|r| r[4] == "706100"), "{text}");
    })
    .await;
}

#[tokio::test]
async fn bad_export_queries_are_refused_naming_the_field() {
    each_db(|app| async move {
        for (query, field) in [
            ("?from=2026-12-31&to=2026-01-01", "from"),
            ("?from=31/12/2026", "from"),
            ("?separator=comma", "separator"),
            ("?encoding=ebcdic", "encoding"),
        ] {
            let r = app.get(&format!("/exports/fec{query}")).await;
            assert_eq!(r.assert_status(422)["errors"][0]["field"], field, "{query}");
        }
        let r = app.get("/exports/invoices.csv?lang=de").await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "lang");
    })
    .await;
}

#[tokio::test]
async fn the_invoice_list_of_the_period_reads_back_as_csv() {
    each_db(|app| async move {
        let c = app.customer().await;
        let inv = app.issued_invoice(&c, &[line("Pose", "3", "33.33", "20")]).await;
        let y = year();
        let (status, ct, _, bytes) = fetch(&app, &format!("/exports/invoices.csv?from={y}-01-01&to={y}-12-31")).await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("text/csv"));
        let t = facturier_formats::table::read_csv(&bytes).unwrap();
        assert_eq!(t.headers[0], "number");
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].cells[0], inv["number"].as_str().unwrap());
        assert_eq!(t.rows[0].cells[8], "119,99", "3 × 33.33 × 1.2, in French notation");
        let (_, _, _, xlsx) = fetch(&app, &format!("/exports/invoices.xlsx?from={y}-01-01&to={y}-12-31")).await;
        let t = facturier_formats::table::read_xlsx(&xlsx).unwrap();
        assert_eq!(t.rows[0].cells[8], "119.99");
        let (_, _, _, none) = fetch(&app, "/exports/invoices.csv?from=2000-01-01&to=2000-12-31").await;
        assert_eq!(facturier_formats::table::read_csv(&none).unwrap().rows.len(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_customer_s_own_auxiliary_account_is_used_and_a_wrong_one_refused() {
    each_db(|app| async move {
        let c = app.customer_named("Durand & Fils").await;
        let shown = app.get(&format!("/customers/{c}")).await;
        let derived = shown.assert_status(200)["accounting_account"].as_str().unwrap().to_string();
        assert!(derived.starts_with("411DURAND"), "{derived}");
        app.issued_invoice(&c, &[line("Pose", "1", "100", "20")]).await;
        let r = app.patch(&format!("/customers/{c}"), json!({"accounting_account": "C411", "notes": "x"})).await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "accounting_account");
        let shown = app.get(&format!("/customers/{c}")).await;
        assert!(shown.assert_status(200)["notes"].is_null(), "nothing written");
        let r = app.patch(&format!("/customers/{c}"), json!({"accounting_account": "411DUR"})).await;
        assert_eq!(r.assert_status(200)["accounting_account"], "411DUR");
        let (_, _, _, bytes) = fetch(&app, "/exports/fec").await;
        let text = latin9::decode(&bytes);
        assert!(fec_rows(&text).iter().any(|r| r[6] == "411DUR" && r[7] == "Durand & Fils"), "{text}");
        let r = app.patch(&format!("/customers/{c}"), json!({"accounting_account": ""})).await;
        assert_eq!(r.assert_status(200)["accounting_account"], derived.as_str());
    })
    .await;
}

/// Balance (debit − credit, in cents) of the FEC lines on accounts starting with `prefix`.
fn cents_on(rows: &[Vec<String>], prefix: &str) -> i64 {
    let cents = |s: &str| s.replace(',', "").parse::<i64>().unwrap();
    rows.iter().filter(|r| r[4].starts_with(prefix)).map(|r| cents(&r[11]) - cents(&r[12])).sum()
}

#[tokio::test]
async fn on_collection_the_vat_of_services_waits_on_44574_until_paid_and_the_fec_still_passes_the_checks() {
    each_db(|app| async move {
        let r = app.patch("/settings", json!({"accounting": {"vat_on_collection_for_services": true}})).await;
        assert_eq!(r.assert_status(200)["accounting"]["vat_on_collection_for_services"], true);
        // The option for debits printed on invoices would contradict it: refused, naming it.
        let r = app.patch("/settings", json!({"legal": {"late_penalty_rate": "10", "vat_on_debits": true}})).await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), ["legal.vat_on_debits"], "{}", r.body);
        assert_eq!(app.get("/settings").await.assert_status(200)["legal"]["vat_on_debits"], false, "nothing saved");
        let c = app.customer_named("Atelier Roux").await;
        let mut goods = line("Carrelage", "2", "100", "20");
        goods["nature"] = json!("goods");
        let mut service = line("Pose", "1", "100", "20");
        service["nature"] = json!("services");
        let inv = app.issued_invoice(&c, &[goods, service]).await;
        let id = inv["id"].as_str().unwrap();
        assert_eq!(inv["totals"]["gross"], "360.00");
        // A third paid, a cheque rejected, then the rest.
        pay(&app, id, "120", "transfer").await;
        let cheque = pay(&app, id, "100", "check").await;
        app.post(&format!("/payments/{cheque}/cancel"), json!({"reason": "chèque rejeté"})).await.assert_status(200);
        pay(&app, id, "240", "transfer").await;

        let y = year();
        let (status, _, _, bytes) = fetch(&app, &format!("/exports/fec?from={y}-01-01&to={y}-12-31")).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        let report = check_fec(bytes.as_slice(), Some(fiscal_year())).unwrap();
        assert!(report.passed(), "{report}");
        let text = latin9::decode(&bytes);
        let rows = fec_rows(&text);
        let number = inv["number"].as_str().unwrap();
        // The invoice: 40 of VAT on the goods due now, 20 on the service waiting.
        let sale: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "VE" && r[8] == number).collect();
        assert!(sale.iter().any(|r| r[4] == "44571200" && r[12] == "40,00"), "{text}");
        assert!(
            sale.iter().any(|r| r[4] == "44574200" && r[5] == "TVA collectée sur encaissements" && r[12] == "20,00"),
            "{text}"
        );
        // The first payment moves a third of it: 20 × 120 / 360 = 6.67.
        assert!(rows.iter().any(|r| r[0] == "BQ" && r[4] == "44574200" && r[11] == "6,67"), "{text}");
        assert!(rows.iter().any(|r| r[0] == "BQ" && r[4] == "44571200" && r[12] == "6,67"), "{text}");
        // Paid in full: nothing left waiting, all 60 of VAT collected.
        assert_eq!(cents_on(&rows, "44574"), 0, "{text}");
        assert_eq!(cents_on(&rows, "44571"), -6000, "{text}");
        // The independent readers take it too.
        if common::smtp::python_available() {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join(format!("552100554FEC{y}1231.txt"));
            std::fs::write(&file, &bytes).unwrap();
            let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let v = std::process::Command::new(common::smtp::python())
                .arg(repo.join("scripts/validate.py"))
                .arg("fec")
                .arg(&file)
                .output()
                .unwrap();
            let out = format!("{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));
            assert!(v.status.success(), "the independent readers refused the FEC:\n{out}");
        }
    })
    .await;
}

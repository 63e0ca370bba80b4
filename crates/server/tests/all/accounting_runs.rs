//! Export runs over HTTP on SQLite and PostgreSQL (issue 24, the line selector): an
//! entry is exported once unless a re-export asks for it again (which says so in its
//! file name and the history), entry numbers continue per journal from one run to the
//! next and never change, a run's file downloads again identical, the journals asked
//! for are the only ones written, and two runs at once never export an entry twice.

use crate::common;

use common::{TestApp, each_db, line};
use facturier_formats::accounting::{check_fec, latin9};
use facturier_store::Store;
use facturier_store::accounting_exports::NewExport;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

async fn download(app: &TestApp, path: &str) -> (u16, String, String, Vec<u8>) {
    let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
    let status = r.status().as_u16();
    let header = |h: &str| r.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (status, ct, cd, r.bytes().await.expect("body").to_vec())
}

fn year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

fn this_year(format: &str) -> Value {
    let y = year();
    json!({"format": format, "from": format!("{y}-01-01"), "to": format!("{y}-12-31")})
}

async fn pay(app: &TestApp, invoice: &Value, amount: &str) {
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let id = invoice["id"].as_str().unwrap();
    let body = json!({"amount": amount, "date": today, "method": "transfer"});
    app.post(&format!("/invoices/{id}/payments"), body).await.assert_status(200);
}

/// The entries of a FEC: piece → `EcritureNum`.
fn numbers(bytes: &[u8]) -> BTreeMap<String, String> {
    let text = latin9::decode(bytes);
    text.split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (format!("{}:{}", f[0], f[8]), f[2].to_string())
        })
        .collect()
}

async fn run_file(app: &TestApp, run: &Value) -> Vec<u8> {
    let (status, _, _, bytes) = download(app, &format!("/exports/{}/file", run["id"].as_str().unwrap())).await;
    assert_eq!(status, 200);
    bytes
}

#[tokio::test]
async fn an_entry_is_exported_once_numbered_for_good_and_a_run_downloads_identical() {
    each_db(|app| async move {
        let y = year();
        let martin = app.customer_named("Boulangerie Martin").await;
        let first = app.issued_invoice(&martin, &[line("Farine T65", "2", "100", "20")]).await;
        let second = app.issued_invoice(&martin, &[line("Levure", "10", "3.50", "5.5")]).await;
        pay(&app, &first, "240.00").await;

        // The first run takes everything: two sales, one receipt.
        let run1 = app.post("/exports", this_year("fec")).await.assert_status(201).clone();
        assert_eq!((run1["entries"].as_i64(), run1["new_entries"].as_i64()), (Some(3), Some(3)), "{run1}");
        assert_eq!(run1["reexport"], false);
        assert_eq!(run1["seq"], 1);
        assert_eq!(run1["file_name"], format!("552100554FEC{y}1231.txt"));
        let bytes1 = run_file(&app, &run1).await;
        let (_, ct, cd, again) = download(&app, &format!("/exports/{}/file", run1["id"].as_str().unwrap())).await;
        assert_eq!(again, bytes1, "a run downloads again identical");
        assert_eq!(ct, "text/plain; charset=iso-8859-15");
        assert_eq!(cd, format!("attachment; filename=\"552100554FEC{y}1231.txt\""));
        assert_eq!(run1["sha256"].as_str().unwrap(), facturier_store::files::sha256_hex(&bytes1));
        let report = check_fec(bytes1.as_slice(), None).unwrap();
        assert!(report.passed(), "{report}");
        let n1 = numbers(&bytes1);
        let first_no = first["number"].as_str().unwrap();
        assert_eq!(n1[&format!("VE:{first_no}")], "VE000001");
        assert_eq!(n1[&format!("VE:{}", second["number"].as_str().unwrap())], "VE000002");

        // Nothing new: refused, and no empty run is recorded.
        let r = app.post("/exports", this_year("fec")).await;
        r.assert_status(422);
        assert_eq!(r.body["errors"][0]["code"], "export_nothing_new", "{}", r.body);
        assert_eq!(r.error_fields(), ["from"]);

        // New movements: only they are exported, numbered on from the last run.
        let third = app.issued_invoice(&martin, &[line("Sel", "1", "10", "20")]).await;
        pay(&app, &second, "36.93").await;
        let run2 = app.post("/exports", this_year("fec")).await.assert_status(201).clone();
        assert_eq!((run2["entries"].as_i64(), run2["new_entries"].as_i64()), (Some(2), Some(2)), "{run2}");
        let n2 = numbers(&run_file(&app, &run2).await);
        assert_eq!(n2.len(), 2, "{n2:?}");
        assert_eq!(n2[&format!("VE:{}", third["number"].as_str().unwrap())], "VE000003");
        assert_eq!(n2.values().filter(|v| v.starts_with("BQ")).collect::<Vec<_>>(), ["BQ000002"]);
        // The first run's file is unchanged.
        assert_eq!(run_file(&app, &run1).await, bytes1);

        // A re-export writes everything again under the same numbers, and says so.
        let mut body = this_year("fec");
        body["reexport"] = json!(true);
        let run3 = app.post("/exports", body).await.assert_status(201).clone();
        assert_eq!(run3["reexport"], true);
        assert_eq!((run3["entries"].as_i64(), run3["new_entries"].as_i64()), (Some(5), Some(0)), "{run3}");
        assert_eq!(run3["file_name"], format!("552100554FEC{y}1231-reexport-3.txt"));
        let n3 = numbers(&run_file(&app, &run3).await);
        let mut before = n1.clone();
        before.extend(n2.clone());
        assert_eq!(n3, before, "a movement keeps its number in a re-export");

        // The history, newest first, in pages.
        let all = app.get("/exports").await.assert_status(200).clone();
        let flags: Vec<(i64, bool)> = all["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["seq"].as_i64().unwrap(), r["reexport"].as_bool().unwrap()))
            .collect();
        assert_eq!(flags, [(3, true), (2, false), (1, false)]);
        assert_eq!(all["next_cursor"], Value::Null);
        let page = app.get("/exports?limit=2").await.assert_status(200).clone();
        assert_eq!(page["data"].as_array().unwrap().len(), 2);
        let cursor = page["next_cursor"].as_str().expect("a second page");
        let rest = app.get(&format!("/exports?limit=2&after={cursor}")).await.assert_status(200).clone();
        assert_eq!(rest["data"][0]["id"], run1["id"]);
        let one = app.get(&format!("/exports/{}", run2["id"].as_str().unwrap())).await.assert_status(200).clone();
        assert_eq!(one["new_entries"], 2);

        // The GET files are previews: they mark nothing.
        let (status, _, _, _) = download(&app, &format!("/exports/fec?from={y}-01-01&to={y}-12-31")).await;
        assert_eq!(status, 200);
        let r = app.post("/exports", this_year("ximport")).await;
        assert_eq!(r.body["errors"][0]["code"], "export_nothing_new", "{}", r.body);
    })
    .await;
}

#[tokio::test]
async fn the_line_selector_takes_the_journals_asked_for_and_every_format() {
    each_db(|app| async move {
        let martin = app.customer_named("Boulangerie Martin").await;
        let inv = app.issued_invoice(&martin, &[line("Farine T65", "2", "100", "20")]).await;
        pay(&app, &inv, "100.00").await;

        let mut sales = this_year("csv");
        sales["journals"] = json!(["ve"]);
        let run = app.post("/exports", sales).await.assert_status(201).clone();
        assert_eq!((run["entries"].as_i64(), run["journals"].clone()), (Some(1), json!(["VE"])), "{run}");
        let (_, ct, _, csv) = download(&app, &format!("/exports/{}/file", run["id"].as_str().unwrap())).await;
        assert!(ct.starts_with("text/csv"), "{ct}");
        let text = String::from_utf8(csv).unwrap();
        assert!(text.contains("VE000001") && !text.contains("BQ0"), "{text}");

        // The bank journal is still to export; in EBP's layout this time.
        let mut bank = this_year("ebp");
        bank["journals"] = json!(["BQ"]);
        let run = app.post("/exports", bank.clone()).await.assert_status(201).clone();
        assert_eq!(run["entries"], 1);
        let ebp = String::from_utf8(run_file(&app, &run).await).unwrap();
        assert!(ebp.contains(",BQ,"), "{ebp}");
        let r = app.post("/exports", bank).await;
        assert_eq!(r.body["errors"][0]["code"], "export_nothing_new", "{}", r.body);

        // XLSX and Quadratus of a re-export; an empty period; bad input named.
        let mut xlsx = this_year("xlsx");
        xlsx["reexport"] = json!(true);
        let run = app.post("/exports", xlsx).await.assert_status(201).clone();
        assert!(run["file_name"].as_str().unwrap().ends_with("-reexport-3.xlsx"), "{run}");
        assert!(run_file(&app, &run).await.starts_with(b"PK"));
        let r = app.post("/exports", json!({"format": "quadratus", "from": "2001-01-01", "to": "2001-12-31"})).await;
        assert_eq!(r.body["errors"][0]["code"], "export_empty", "{}", r.body);
        let r = app.post("/exports", json!({"format": "pdf", "from": "2026-12-31", "journals": ["ventes"]})).await;
        r.assert_status(422);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, ["format", "journals[0]", "to"]);
        app.get("/exports/0195f0a0-0000-7000-8000-000000000000").await.assert_status(404);
    })
    .await;
}

#[tokio::test]
async fn two_export_runs_at_once_never_export_an_entry_twice() {
    each_db(|app| async move {
        let martin = app.customer_named("Boulangerie Martin").await;
        let mut sales = BTreeSet::new();
        for i in 0..6 {
            let inv = app.issued_invoice(&martin, &[line(&format!("Fournée {i}"), "1", "100", "20")]).await;
            sales.insert(format!("VE:{}", inv["number"].as_str().unwrap()));
        }
        let (a, b, c, d) = tokio::join!(
            app.post("/exports", this_year("fec")),
            app.post("/exports", this_year("fec")),
            app.post("/exports", this_year("fec")),
            app.post("/exports", this_year("fec")),
        );
        let runs = [a, b, c, d];
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut created = 0;
        for r in &runs {
            match r.status {
                201 => {
                    created += 1;
                    for (piece, num) in numbers(&run_file(&app, &r.body).await) {
                        assert!(seen.insert(piece.clone(), num).is_none(), "{piece} exported twice");
                    }
                }
                422 => assert_eq!(r.body["errors"][0]["code"], "export_nothing_new", "{}", r.body),
                other => panic!("unexpected {other}: {}", r.body),
            }
        }
        assert!(created >= 1);
        assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), sales);
        let nums: BTreeSet<&str> = seen.values().map(String::as_str).collect();
        let expected: BTreeSet<String> = (1..=6).map(|n| format!("VE{n:06}")).collect();
        assert_eq!(nums, expected.iter().map(String::as_str).collect());
        // The runs that lost or had nothing new took their written parts away.
        assert_eq!(unrecorded_parts(&app).await, 0);
    })
    .await;
}

/// Stored parts that belong to no recorded run.
async fn unrecorded_parts(app: &TestApp) -> i64 {
    let sql = "SELECT COUNT(*) FROM accounting_export_parts p WHERE NOT EXISTS \
               (SELECT 1 FROM accounting_exports e WHERE e.company_id = p.company_id AND e.id = p.export_id)";
    match &app.store {
        Store::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_one(p).await,
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .expect("count the parts")
}

#[tokio::test]
async fn a_large_run_file_is_stored_in_parts_and_downloads_whole_byte_for_byte() {
    each_db(|app| async move {
        // 2.5 MiB of varied bytes, given in uneven pieces: three parts of a mebibyte at most.
        let bytes: Vec<u8> = (0u32..2_621_440).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let mut parts = app.store.export_parts(app.company_id).await.expect("start the parts");
        for piece in bytes.chunks(300_007) {
            parts.write(piece).await.expect("write a piece");
        }
        let file = parts.finish().await.expect("finish the file");
        assert_eq!((file.parts, file.size), (3, bytes.len() as u64));
        assert_eq!(file.sha256, facturier_store::files::sha256_hex(&bytes));
        let day = time::Date::from_calendar_date(year(), time::Month::January, 1).unwrap();
        let new = NewExport {
            after_seq: 0,
            format: "fec".into(),
            from: day,
            to: day,
            journals: vec![],
            reexport: false,
            entries: 1,
            new_entries: 0,
            lines: 2,
            file_name: "large.txt".into(),
            media_type: "text/plain; charset=iso-8859-15".into(),
            file,
            created_by: None,
        };
        let run = app.store.record_export(app.company_id, &new, &[]).await.expect("record").expect("the first run");
        let path = format!("/exports/{}/file", run.id);
        let (status, _, _, got) = download(&app, &path).await;
        assert_eq!(status, 200);
        assert!(got == bytes, "the parts put back in order, {} bytes against {}", got.len(), bytes.len());
        let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
        assert_eq!(r.content_length(), Some(bytes.len() as u64), "the length is announced");
        let view = app.get(&format!("/exports/{}", run.id)).await.assert_status(200).clone();
        assert_eq!(view["size"], bytes.len() as u64, "{view}");
        assert_eq!(view["sha256"].as_str(), Some(facturier_store::files::sha256_hex(&bytes).as_str()));
        assert_eq!(unrecorded_parts(&app).await, 0);

        // Another company cannot read it.
        let other = app.other_company().await;
        let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&other.token).send().await.expect("request");
        assert_eq!(r.status().as_u16(), 404);
    })
    .await;
}

#[tokio::test]
async fn closed_books_take_no_invoice_nor_payment_dated_in_them_and_the_fiscal_year_is_the_companys() {
    each_db(|app| async move {
        let today = time::OffsetDateTime::now_utc().date();
        let yesterday = today.previous_day().unwrap();
        let martin = app.customer_named("Boulangerie Martin").await;
        let inv = app.issued_invoice(&martin, &[line("Farine T65", "2", "100", "20")]).await;

        // Only a day that is over; then only forward.
        let r = app.post("/accounting/closings", json!({"through": today.to_string()})).await;
        assert_eq!(r.body["errors"][0]["code"], "accounting_closing_future", "{}", r.body);
        let c = app.post("/accounting/closings", json!({"through": yesterday.to_string()})).await;
        assert_eq!(c.assert_status(201)["through"], yesterday.to_string());
        let r = app.post("/accounting/closings", json!({"through": "2001-01-31"})).await;
        assert_eq!(r.body["errors"][0]["code"], "accounting_closing_not_after", "{}", r.body);
        let list = app.get("/accounting/closings").await.assert_status(200).clone();
        assert_eq!(list["closed_through"], yesterday.to_string());
        assert_eq!(list["data"].as_array().unwrap().len(), 1);

        // A payment dated in the closed period is refused, naming its date; today's is taken.
        let id = inv["id"].as_str().unwrap();
        let late = json!({"amount": "10.00", "date": yesterday.to_string(), "method": "transfer"});
        let r = app.post(&format!("/invoices/{id}/payments"), late).await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), ["date"]);
        assert_eq!(r.body["errors"][0]["code"], "accounting_period_closed", "{}", r.body);
        let now = json!({"amount": "10.00", "date": today.to_string(), "method": "transfer"});
        app.post(&format!("/invoices/{id}/payments"), now).await.assert_status(200);

        // So is an invoice dated in it; the same invoice dated today is issued.
        let body = json!({"customer_id": martin, "issue_date": yesterday.to_string(), "lines": [line("Sel", "1", "10", "20")]});
        let draft = app.post("/invoices", body).await.assert_status(201).clone();
        let r = app.post(&format!("/invoices/{}/issue", draft["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(r.body["errors"][0]["code"], "accounting_period_closed", "{}", r.body);
        assert_eq!(r.error_fields(), ["issue_date"]);
        app.issued_invoice(&martin, &[line("Sel", "1", "10", "20")]).await;

        // A fiscal year from July: the default period of the exports and the FEC's name follow.
        app.patch("/settings", json!({"accounting": {"fiscal_year_start_month": 13}})).await.assert_status(422);
        app.patch("/settings", json!({"accounting": {"fiscal_year_start_month": 7}})).await.assert_status(200);
        let (first, last) = facturier_core::accounting::fiscal_year(today, 7);
        let list = app.get("/accounting/closings").await.assert_status(200).clone();
        assert_eq!((list["fiscal_year_from"].clone(), list["fiscal_year_to"].clone()), (json!(first.to_string()), json!(last.to_string())));
        let (status, _, cd, _) = download(&app, "/exports/fec").await;
        assert_eq!(status, 200);
        let closing = last.to_string().replace('-', "");
        assert_eq!(cd, format!("attachment; filename=\"552100554FEC{closing}.txt\""));
    })
    .await;
}

#[tokio::test]
async fn the_csv_of_entries_follows_the_company_profile_or_the_run_s_own_and_a_bad_one_is_refused_naming_the_field() {
    each_db(|app| async move {
        let c = app.customer_named("Crêperie Le Gall").await;
        app.issued_invoice(&c, &[line("Farine T65", "2", "100", "20")]).await;
        let today = time::OffsetDateTime::now_utc().date();
        let fr = format!("{:02}/{:02}/{}", today.day(), u8::from(today.month()), today.year());

        // The company's profile: four columns, pipes, decimal point, no header, Latin-9.
        let profile = json!({"columns": ["date", "account", "auxiliary_label", "debit", "credit"], "separator": "|",
            "decimal_mark": ".", "date_format": "JJ/MM/AAAA", "header": false, "encoding": "iso-8859-15"});
        let r = app.patch("/settings", json!({"accounting": {"csv": profile}})).await;
        assert_eq!(r.assert_status(200)["accounting"]["csv"]["separator"], "|");
        let run = app.post("/exports", this_year("csv")).await.assert_status(201).clone();
        let (_, ct, _, bytes) = download(&app, &format!("/exports/{}/file", run["id"].as_str().unwrap())).await;
        assert_eq!(ct, "text/csv; charset=iso-8859-15");
        assert_eq!(
            bytes,
            latin9_of(&format!(
                "{fr}|411000|Crêperie Le Gall|240.00|0.00\r\n{fr}|706000||0.00|200.00\r\n{fr}|44571200||0.00|40.00\r\n"
            )),
            "{}",
            latin9::decode(&bytes)
        );

        // A run's own profile: a header, semicolons, decimal comma, AAAAMMJJ, UTF-8.
        let mut body = this_year("csv");
        body["reexport"] = json!(true);
        body["csv"] = json!({"columns": ["entry_number", "credit", "account"], "separator": ";", "decimal_mark": ",",
            "date_format": "AAAAMMJJ", "header": true, "encoding": "utf-8"});
        let run = app.post("/exports", body).await.assert_status(201).clone();
        let (_, ct, _, bytes) = download(&app, &format!("/exports/{}/file", run["id"].as_str().unwrap())).await;
        assert_eq!(ct, "text/csv; charset=utf-8");
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}EcritureNum;Credit;CompteNum\r\nVE000001;0,00;411000\r\nVE000001;200,00;706000\r\nVE000001;40,00;44571200\r\n"
        );

        // Bad profiles: 422 naming each field, nothing exported, nothing saved.
        let mut body = this_year("csv");
        body["csv"] = json!({"columns": ["date", "montant"], "separator": ",", "decimal_mark": ","});
        let r = app.post("/exports", body).await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), ["csv.columns[1]", "csv.decimal_mark"], "{}", r.body);
        let mut body = this_year("fec");
        body["csv"] = json!({});
        assert_eq!(app.post("/exports", body).await.error_fields(), ["csv"]);
        let r = app.patch("/settings", json!({"accounting": {"csv": {"separator": "tab", "date_format": "MM/JJ"}}})).await;
        r.assert_status(422);
        assert_eq!(r.error_fields(), ["accounting.csv.date_format"], "{}", r.body);
        let s = app.get("/settings").await.assert_status(200)["accounting"]["csv"].clone();
        assert_eq!(s["separator"], "|", "the stored profile is kept");
    })
    .await;
}

fn latin9_of(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    latin9::encode(s, &mut out);
    out
}

/// What openpyxl reads of an XLSX (`scripts/xlsx_summary.py`).
fn openpyxl_summary(bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("read-back.xlsx");
    std::fs::write(&file, bytes).unwrap();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::process::Command::new(common::smtp::python())
        .arg(repo.join("scripts/xlsx_summary.py"))
        .arg(&file)
        .output()
        .expect("run scripts/xlsx_summary.py");
    assert!(out.status.success(), "openpyxl cannot read it: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn the_xlsx_of_entries_invoices_and_payments_read_back_by_openpyxl_hold_numbers_and_dates() {
    if !common::smtp::python_available() {
        return;
    }
    each_db(|app| async move {
        let c = app.customer_named("Crêperie Le Gall").await;
        let inv = app.issued_invoice(&c, &[line("Farine T65", "2", "100", "20")]).await;
        pay(&app, &inv, "100.00").await;

        // The entries: 3 lines of the invoice, 2 of the payment; debits equal credits.
        let run = app.post("/exports", this_year("xlsx")).await.assert_status(201).clone();
        let s = openpyxl_summary(&run_file(&app, &run).await);
        assert_eq!(s["header"][0], "JournalCode");
        assert_eq!(s["header"].as_array().unwrap().len(), 18);
        assert_eq!(s["rows"], 5, "{s}");
        assert_eq!(s["kinds"]["Debit"], json!(["number"]), "{s}");
        assert_eq!(s["kinds"]["Credit"], json!(["number"]), "{s}");
        assert_eq!(s["kinds"]["EcritureDate"], json!(["date"]), "{s}");
        assert_eq!(s["kinds"]["ValidDate"], json!(["date"]), "{s}");
        assert_eq!(s["sums"]["Debit"], 34000, "240 + 100, in cents: {s}");
        assert_eq!(s["sums"]["Debit"], s["sums"]["Credit"]);

        // The invoice list and the payments.
        let y = year();
        let (_, _, _, bytes) = download(&app, &format!("/exports/invoices.xlsx?from={y}-01-01&to={y}-12-31")).await;
        let s = openpyxl_summary(&bytes);
        assert_eq!((s["header"][0].as_str(), s["rows"].as_i64()), (Some("number"), Some(1)), "{s}");
        assert_eq!(s["kinds"]["issue_date"], json!(["date"]), "{s}");
        assert_eq!((s["kinds"]["gross"].clone(), s["sums"]["gross"].clone()), (json!(["number"]), json!(24000)), "{s}");
        assert_eq!((s["sums"]["paid"].as_i64(), s["sums"]["due"].as_i64()), (Some(10000), Some(14000)), "{s}");
        let (status, ct, _, bytes) =
            download(&app, &format!("/exports/payments.xlsx?from={y}-01-01&to={y}-12-31")).await;
        assert_eq!((status, ct.as_str()), (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        let s = openpyxl_summary(&bytes);
        assert_eq!(
            s["header"],
            json!([
                "paid_on",
                "kind",
                "method",
                "reference",
                "customer",
                "currency",
                "amount",
                "invoices",
                "cancelled_on"
            ])
        );
        assert_eq!(s["rows"], 1, "{s}");
        assert_eq!(
            (s["kinds"]["paid_on"].clone(), s["kinds"]["amount"].clone()),
            (json!(["date"]), json!(["number"])),
            "{s}"
        );
        assert_eq!(s["sums"]["amount"], 10000, "{s}");
        // The same payments as CSV, in French notation.
        let (_, _, _, bytes) = download(&app, &format!("/exports/payments.csv?from={y}-01-01&to={y}-12-31")).await;
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains(";receipt;bank_transfer;")
                && text.contains(";100,00;")
                && text.contains(inv["number"].as_str().unwrap()),
            "{text}"
        );
    })
    .await;
}

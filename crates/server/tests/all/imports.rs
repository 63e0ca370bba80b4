//! Imports of customers and products from CSV and XLSX files, over HTTP on SQLite and
//! PostgreSQL: Dolibarr-like French exports, dry runs, all-or-nothing runs, re-imports
//! that update, tenant isolation, concurrent imports and bad files.

use crate::common;

use common::{Resp, TestApp, each_db};
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Sends a file as the body of an import.
async fn upload(app: &TestApp, path: &str, content_type: &str, bytes: Vec<u8>, headers: &[(&str, &str)]) -> Resp {
    let mut req = app
        .http
        .post(format!("{}{}", app.base, path))
        .bearer_auth(&app.token)
        .header("content-type", content_type)
        .body(bytes);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = r.text().await.unwrap_or_default();
    Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), content_type }
}

/// A SIREN whose Luhn sum is right, from eight digits.
fn siren(first8: u32) -> String {
    let base = format!("{first8:08}");
    (0..10)
        .map(|d| format!("{base}{d}"))
        .find(|s| {
            let sum: u32 = s
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
                })
                .sum();
            sum.is_multiple_of(10)
        })
        .expect("a check digit")
}

/// A Dolibarr export of third parties: `;`, French headers, a byte order mark.
fn dolibarr_customers() -> Vec<u8> {
    let rows = [
        "Nom du tiers;Code client;Adresse;Code postal;Ville;Pays;Téléphone;E-mail;Id. prof. 1 (SIREN);N° TVA"
            .to_string(),
        format!(
            "Boulangerie Durand;CU001;3 rue des Lilas;1000;Bourg-en-Bresse;France;04 74 00 00 00;contact@durand.fr;{};",
            siren(73282932)
        ),
        "Garage Petit;CU002;12 avenue Foch;75016;Paris;FR;;garage@petit.fr;;".into(),
        "Café Martin;CU003;1 place du Marché;69001;Lyon;;;;;".into(),
    ];
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(rows.join("\r\n").into_bytes());
    bytes
}

async fn customers(app: &TestApp) -> Vec<Value> {
    let r = app.get("/customers?limit=200").await;
    r.assert_status(200)["data"].as_array().cloned().unwrap_or_default()
}

async fn products(app: &TestApp) -> Vec<Value> {
    let r = app.get("/products?limit=200").await;
    r.assert_status(200)["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_dolibarr_export_is_imported_once_and_updated_when_imported_again() {
    each_db(|app| async move {
        let dry = upload(&app, "/imports/customers?dry_run=true", "text/csv", dolibarr_customers(), &[]).await;
        assert_eq!(dry.assert_status(200), &json!({"rows": 3, "created": 3, "updated": 0, "rejected": []}));
        assert!(customers(&app).await.is_empty(), "a dry run writes nothing");

        let run = upload(&app, "/imports/customers", "text/csv", dolibarr_customers(), &[]).await;
        assert_eq!(run.assert_status(200), &json!({"rows": 3, "created": 3, "updated": 0, "rejected": []}));
        let list = customers(&app).await;
        assert_eq!(list.len(), 3);
        let durand = list.iter().find(|c| c["name"] == "Boulangerie Durand").expect("Durand");
        assert_eq!(durand["billing_address"]["postal_code"], "01000");
        assert_eq!(durand["billing_address"]["country"], "FR");
        assert_eq!(durand["legal"]["siren"], json!(siren(73282932)));
        assert_eq!(durand["contacts"][0]["phone"], "04 74 00 00 00");
        let martin = list.iter().find(|c| c["name"] == "Café Martin").expect("Martin");
        assert_eq!(martin["billing_address"]["country"], "FR");

        let again = upload(&app, "/imports/customers", "text/csv", dolibarr_customers(), &[]).await;
        assert_eq!(again.assert_status(200), &json!({"rows": 3, "created": 0, "updated": 3, "rejected": []}));
        assert_eq!(customers(&app).await.len(), 3, "a re-import never duplicates");

        // A file that changes the city of the customer found by its e-mail updates it.
        let csv = "name;email;line1;postal_code;city\nGarage Petit;GARAGE@petit.fr;12 avenue Foch;75016;Paris 16e\n";
        let r = upload(&app, "/imports/customers", "text/csv; charset=utf-8", csv.into(), &[]).await;
        assert_eq!(r.assert_status(200)["updated"], 1);
        let list = customers(&app).await;
        let petit = list.iter().find(|c| c["name"] == "Garage Petit").expect("Petit");
        assert_eq!(petit["billing_address"]["city"], "Paris 16e");
        assert_eq!(list.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_lists_every_rejected_row_and_a_run_with_one_imports_nothing() {
    each_db(|app| async move {
        let csv = "Nom;Adresse;CP;Ville;E-mail\n\
                   Bon client;1 rue;75001;Paris;bon@client.fr\n\
                   Mauvais e-mail;2 rue;75002;Paris;pas-un-email\n\
                   Sans ville;3 rue;75003;;\n\
                   Bon client bis;4 rue;7500;Paris;bon@client.fr\n";
        let dry = upload(&app, "/imports/customers?dry_run=true", "text/csv", csv.into(), &[]).await;
        let body = dry.assert_status(200);
        assert_eq!(body["rows"], 4);
        let rejected: Vec<(u64, &str, &str)> = body["rejected"]
            .as_array()
            .expect("rejected")
            .iter()
            .map(|r| (r["row"].as_u64().unwrap_or(0), r["field"].as_str().unwrap_or(""), r["code"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(
            rejected,
            vec![
                (3, "email", "e_mail_address_must"),
                (4, "billing_address.city", "required"),
                (5, "email", "import_duplicate_email")
            ],
            "{body}"
        );
        // The message is the one a POST gives for the same field.
        let post = app
            .post("/customers", json!({"name": "x", "email": "pas-un-email", "billing_address": {"line1": "1", "postal_code": "75001", "city": "Paris", "country": "FR"}}))
            .await;
        assert_eq!(post.assert_status(422)["errors"][0]["message"], body["rejected"][0]["message"]);

        let run = upload(&app, "/imports/customers", "text/csv", csv.into(), &[]).await;
        let body = run.assert_status(200);
        assert_eq!((body["created"].as_u64(), body["updated"].as_u64()), (Some(0), Some(0)));
        assert_eq!(body["rejected"].as_array().map(Vec::len), Some(3));
        assert!(customers(&app).await.is_empty(), "a run with a rejected row imports nothing");
    })
    .await;
}

/// An XLSX workbook of products, as a spreadsheet would save it.
fn products_xlsx(rows: &[(&str, &str, f64, f64)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Réf.", "Libellé", "Prix de vente HT", "Taux TVA", "Stock"].iter().enumerate() {
        sheet.write(0, c as u16, *h).expect("header");
    }
    for (i, (reference, name, price, rate)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write(r, 0, *reference).expect("cell");
        sheet.write(r, 1, *name).expect("cell");
        sheet.write(r, 2, *price).expect("cell");
        sheet.write(r, 3, *rate).expect("cell");
    }
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn products_are_imported_from_an_xlsx_workbook_and_updated_by_reference() {
    each_db(|app| async move {
        let file = products_xlsx(&[("P-1", "Pose", 180.5, 10.0), ("P-2", "Câble", 2.35, 20.0)]);
        let r = upload(&app, "/imports/products", XLSX, file, &[]).await;
        assert_eq!(r.assert_status(200), &json!({"rows": 2, "created": 2, "updated": 0, "rejected": []}));
        let file = products_xlsx(&[("P-1", "Pose", 190.0, 10.0), ("P-3", "Gaine", 1.0, 5.5)]);
        let r = upload(&app, "/imports/products", XLSX, file, &[]).await;
        assert_eq!(r.assert_status(200), &json!({"rows": 2, "created": 1, "updated": 1, "rejected": []}));
        let list = products(&app).await;
        assert_eq!(list.len(), 3);
        let p1 = list.iter().find(|p| p["reference"] == "P-1").expect("P-1");
        assert_eq!(p1["unit_price"], "190.00");
        let p3 = list.iter().find(|p| p["reference"] == "P-3").expect("P-3");
        assert_eq!(p3["vat_rate"], "5.5");

        // A reference twice in a file, a rate out of range: rejected, nothing written.
        let file =
            products_xlsx(&[("P-4", "Vis", 0.1, 20.0), ("P-4", "Vis bis", 0.2, 20.0), ("P-5", "Écrou", 0.1, 120.0)]);
        let r = upload(&app, "/imports/products", XLSX, file, &[]).await;
        let body = r.assert_status(200);
        let rows: Vec<(u64, &str)> = body["rejected"]
            .as_array()
            .expect("rejected")
            .iter()
            .map(|r| (r["row"].as_u64().unwrap_or(0), r["field"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(rows, vec![(3, "reference"), (4, "vat_rate")], "{body}");
        assert_eq!(products(&app).await.len(), 3);

        // The API's field names, a decimal comma, and a mapping over an unknown header.
        let csv = "Article,name,unit_price,vat_rate\nP-6,Colle,\"3,20\",20\n";
        let r = upload(&app, "/imports/products?mapping=Article:reference", "text/csv", csv.into(), &[]).await;
        assert_eq!(r.assert_status(200)["created"], 1);
        let list = products(&app).await;
        assert_eq!(list.iter().find(|p| p["reference"] == "P-6").expect("P-6")["unit_price"], "3.20");
    })
    .await;
}

#[tokio::test]
async fn a_company_imports_into_its_own_records_only() {
    each_db(|app| async move {
        let other = app.other_company().await;
        upload(&app, "/imports/customers", "text/csv", dolibarr_customers(), &[]).await.assert_status(200);
        let file = products_xlsx(&[("P-1", "Pose", 180.5, 10.0)]);
        upload(&app, "/imports/products", XLSX, file.clone(), &[]).await.assert_status(200);

        // The same files create the other company's own records, and leave the first's alone.
        let r = upload(&other, "/imports/customers", "text/csv", dolibarr_customers(), &[]).await;
        assert_eq!(r.assert_status(200)["created"], 3);
        let file2 = products_xlsx(&[("P-1", "Pose chez l'autre", 99.0, 20.0)]);
        let r = upload(&other, "/imports/products", XLSX, file2, &[]).await;
        assert_eq!(r.assert_status(200)["created"], 1);
        assert_eq!(customers(&app).await.len(), 3);
        let mine = products(&app).await;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["name"], "Pose");
        assert_eq!(mine[0]["unit_price"], "180.50");
        assert_eq!(products(&other).await[0]["unit_price"], "99.00");
    })
    .await;
}

#[tokio::test]
async fn two_imports_of_one_file_at_once_never_duplicate() {
    each_db(|app| async move {
        let mut csv = String::from("reference;name;unit_price;vat_rate\n");
        let mut customers_csv = String::from("name;siren;line1;postal_code;city\n");
        for i in 0..300 {
            csv.push_str(&format!("R-{i};Article {i};{i},50;20\n"));
            customers_csv.push_str(&format!("Client {i};{};1 rue;75001;Paris\n", siren(10_000_000 + i)));
        }
        let (a, b) = tokio::join!(
            upload(&app, "/imports/products", "text/csv", csv.clone().into(), &[]),
            upload(&app, "/imports/products", "text/csv", csv.clone().into(), &[]),
        );
        let (a, b) = (a.assert_status(200).clone(), b.assert_status(200).clone());
        assert_eq!(a["created"].as_u64().unwrap_or(0) + b["created"].as_u64().unwrap_or(0), 300, "{a} {b}");
        assert_eq!(a["updated"].as_u64().unwrap_or(0) + b["updated"].as_u64().unwrap_or(0), 300, "{a} {b}");
        let (a, b) = tokio::join!(
            upload(&app, "/imports/customers", "text/csv", customers_csv.clone().into(), &[]),
            upload(&app, "/imports/customers", "text/csv", customers_csv.clone().into(), &[]),
        );
        let (a, b) = (a.assert_status(200).clone(), b.assert_status(200).clone());
        assert_eq!(a["created"].as_u64().unwrap_or(0) + b["created"].as_u64().unwrap_or(0), 300, "{a} {b}");
        let stored = app.store.all_customers(app.company_id).await.expect("customers");
        assert_eq!(stored.len(), 300);
    })
    .await;
}

#[tokio::test]
async fn bad_files_are_refused_as_problems() {
    each_db(|app| async move {
        let r = upload(&app, "/imports/customers", "application/json", b"{}".to_vec(), &[]).await;
        assert_eq!(r.status, 415);
        assert!(r.content_type.starts_with("application/problem+json"));
        assert_eq!(r.body["code"], "unsupported_media_type");

        let r = upload(&app, "/imports/products", XLSX, b"name;city\n".to_vec(), &[]).await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "file");
        assert_eq!(r.body["errors"][0]["code"], "import_unreadable");

        let r = upload(&app, "/imports/products", "text/csv", b"foo;bar\n1;2\n".to_vec(), &[]).await;
        assert_eq!(r.assert_status(422)["errors"][0]["code"], "import_no_known_column");

        let r = upload(&app, "/imports/products?mapping=foo:colour", "text/csv", b"foo;bar\n1;2\n".to_vec(), &[]).await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "mapping");

        let r = upload(&app, "/imports/products?dry_run=maybe", "text/csv", b"name\nx\n".to_vec(), &[]).await;
        assert_eq!(r.assert_status(422)["errors"][0]["field"], "dry_run");

        let big = vec![b'a'; 10 * 1024 * 1024 + 1];
        let r = upload(&app, "/imports/customers", "text/csv", big, &[]).await;
        assert_eq!(r.status, 413);
        assert!(r.content_type.starts_with("application/problem+json"));
        assert_eq!(r.body["code"], "body_too_large", "{}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap_or_default().contains("10485760"),
            "the import's own limit: {}",
            r.body
        );
    })
    .await;
}

#[tokio::test]
async fn an_import_with_an_idempotency_key_runs_once() {
    each_db(|app| async move {
        let key = [("idempotency-key", "import-1")];
        let first = upload(&app, "/imports/customers", "text/csv", dolibarr_customers(), &key).await;
        assert_eq!(first.assert_status(200)["created"], 3);
        let again = upload(&app, "/imports/customers", "text/csv", dolibarr_customers(), &key).await;
        assert_eq!(again.assert_status(200)["created"], 3, "the first answer, replayed");
        assert_eq!(customers(&app).await.len(), 3);
        let other = upload(&app, "/imports/customers", "text/csv", b"name\nAutre\n".to_vec(), &key).await;
        assert_eq!(other.status, 422);
    })
    .await;
}

//! Documents out through the API, on SQLite and PostgreSQL: the company logo is checked
//! on upload, stored, and drawn on every PDF.

use crate::common;

use common::{TestApp, each_db, line, png_logo};
use facturier_store::companies::Role;
use reqwest::Method;
use serde_json::Value;

/// `PUT /settings/logo` with a raw body: status and JSON answer.
async fn put_logo(app: &TestApp, content_type: &str, bytes: &[u8]) -> (u16, Value) {
    let r = app
        .http
        .request(Method::PUT, format!("{}/settings/logo", app.base))
        .bearer_auth(&app.token)
        .header("content-type", content_type)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A GET answered as bytes: status, content type, body.
async fn fetch(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("request");
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, r.bytes().await.expect("body").to_vec())
}

/// Image XObjects in a PDF (krilla writes each object's dictionary uncompressed).
fn images_in(pdf: &[u8]) -> usize {
    let count = |needle: &[u8]| pdf.windows(needle.len()).filter(|w| *w == needle).count();
    count(b"/Subtype/Image") + count(b"/Subtype /Image")
}

#[tokio::test]
async fn the_logo_is_checked_stored_and_drawn_on_every_document() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let invoice = app.issued_invoice(&customer, &[line("Conseil", "2", "450", "20")]).await;
        let pdf_path = format!("/invoices/{}/pdf", invoice["id"].as_str().unwrap());
        let (status, _, without) = fetch(&app, &pdf_path).await;
        assert_eq!(status, 200);
        assert_eq!(images_in(&without), 0, "no logo yet: the header shows the company's name");

        // Refused, each with its reason, and nothing stored.
        let logo = png_logo(120, 40);
        let truncated = &logo[..logo.len() / 2];
        let mut too_big = png_logo(8, 8);
        too_big.resize(1024 * 1024 + 1, 0);
        let jpeg_magic = [0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F', b'I', b'F'];
        let refused: [(&str, &[u8], u16); 6] = [
            ("text/plain", &logo, 415),
            ("image/gif", b"GIF89a", 415),
            ("image/png", b"", 422),
            ("image/png", &jpeg_magic, 422),
            ("image/png", truncated, 422),
            ("image/png", &too_big, 422),
        ];
        for (content_type, body, expected) in refused {
            let (status, problem) = put_logo(&app, content_type, body).await;
            assert_eq!(status, expected, "{content_type}, {} bytes: {problem}", body.len());
            assert!(problem["detail"].is_string() || problem["errors"].is_array(), "a reason is given: {problem}");
        }
        assert_eq!(fetch(&app, "/settings/logo").await.0, 404, "no refused logo was stored");

        // Only an admin sets it.
        let (_, token) = app.store.create_user_token(app.company_id, "vente@test.fr", Role::Sales).await.unwrap();
        assert_eq!(put_logo(&app.with_token(&token), "image/png", &logo).await.0, 403);

        let (status, stored) = put_logo(&app, "image/png", &logo).await;
        assert_eq!(status, 200, "{stored}");
        assert_eq!((stored["width"].as_u64(), stored["height"].as_u64()), (Some(120), Some(40)));
        let (status, ct, back) = fetch(&app, "/settings/logo").await;
        assert_eq!((status, ct.as_str(), back == logo), (200, "image/png", true));

        // Documents issued from now on draw it; one issued before keeps its stored file
        // (issue 20: an issued document never changes by a byte).
        let later = app.issued_invoice(&customer, &[line("Conseil", "1", "450", "20")]).await;
        let later_pdf = format!("/invoices/{}/pdf", later["id"].as_str().unwrap());
        let (_, _, with) = fetch(&app, &later_pdf).await;
        assert_eq!(images_in(&with), 1, "the logo is drawn once");
        assert!(fetch(&app, &pdf_path).await.2 == without, "the invoice issued before is served as stored");
        let quote = app
            .post("/quotes", serde_json::json!({"customer_id": customer, "lines": [line("Audit", "1", "900", "20")]}))
            .await;
        let quote_pdf = format!("/quotes/{}/pdf", quote.assert_status(201)["id"].as_str().unwrap());
        assert_eq!(images_in(&fetch(&app, &quote_pdf).await.2), 1, "on a draft quote as well");

        let gone = app.delete("/settings/logo").await;
        assert_eq!(gone.status, 204);
        assert_eq!(images_in(&fetch(&app, &quote_pdf).await.2), 0, "a draft follows the settings");
        assert_eq!(images_in(&fetch(&app, &later_pdf).await.2), 1, "an issued document keeps its logo");
        assert_eq!(app.delete("/settings/logo").await.status, 404);
    })
    .await;
}

/// Settings that change everything an issued document printed.
fn settings(iban: &str, rate: &str, profile: &str, accent: &str, terms: &str, debits: bool) -> Value {
    serde_json::json!({
        "banks": [{"label": "Compte principal", "iban": iban, "bic": "AGRIFRPP", "default": true}],
        "legal": {"late_penalty_rate": rate, "early_payment_discount": format!("Escompte {rate} %"), "vat_on_debits": debits},
        "documents": {"accent": accent, "show_discount": debits, "totals_on_every_page": debits,
                      "default_terms": terms, "facturx_profile": profile},
    })
}

#[tokio::test]
async fn an_issued_invoice_is_the_same_bytes_whatever_changes_after_its_issue() {
    each_db(|app| async move {
        let before = settings("FR7630006000011234567890189", "12", "en16931", "#204080", "CGV 2026", true);
        app.patch("/settings", before).await.assert_status(200);
        let customer = app.customer().await;
        let inv =
            app.issued_invoice(&customer, &[line("Pose", "2", "100", "20"), line("Câble", "10", "1.5", "10")]).await;
        let id = inv["id"].as_str().unwrap().to_string();
        let files = |app: TestApp, id: String| async move {
            let (s1, _, pdf) = fetch(&app, &format!("/invoices/{id}/pdf")).await;
            let (s2, _, ubl) = fetch(&app, &format!("/invoices/{id}/ubl")).await;
            assert_eq!((s1, s2), (200, 200));
            (pdf, ubl)
        };
        let (pdf, ubl) = files(app.clone(), id.clone()).await;
        let ubl_text = String::from_utf8_lossy(&ubl).to_string();
        assert!(ubl_text.contains("FR7630006000011234567890189"), "the bank account of the day");

        // Every setting changes, a payment is recorded, a credit note is issued.
        let after = settings("FR1420041010050500013M02606", "3", "basic_wl", "#aa0000", "CGV 2027", false);
        app.patch("/settings", after).await.assert_status(200);
        let paid = app
            .post(
                &format!("/invoices/{id}/payments"),
                serde_json::json!({"amount": "50.00", "date": "2026-12-01", "method": "cheque"}),
            )
            .await;
        paid.assert_status(200);
        let cn = app.post(&format!("/invoices/{id}/credit-note"), serde_json::json!({"amount": "10.00"})).await;
        let cn_id = cn.assert_status(201)["id"].as_str().unwrap().to_string();
        app.post(&format!("/credit-notes/{cn_id}/issue"), serde_json::json!({})).await.assert_status(200);

        let (pdf2, ubl2) = files(app.clone(), id.clone()).await;
        assert!(pdf2 == pdf, "the PDF (and its Factur-X XML) did not change by a byte");
        assert!(ubl2 == ubl, "the UBL did not change by a byte");
        // The API, not the file, says what happened since.
        let now = app.get(&format!("/invoices/{id}")).await;
        assert_eq!(now.assert_status(200)["status"], "partially_paid");

        // A document issued now prints the new settings.
        let next = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let (_, next_ubl) = files(app.clone(), next["id"].as_str().unwrap().to_string()).await;
        let next_ubl = String::from_utf8_lossy(&next_ubl).to_string();
        assert!(next_ubl.contains("FR1420041010050500013M02606") && !next_ubl.contains("FR7630006000011234567890189"));
    })
    .await;
}

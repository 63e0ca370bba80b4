//! One input rule for every string, dates strictly `YYYY-MM-DD`, SIREN/SIRET of zeros
//! refused, and images decoded under limits (issue 18, items 6 and 8). Every test runs on
//! SQLite, then on PostgreSQL.

use crate::common;

use common::web_client::{Browser, as_read, with_password};
use common::*;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_server::web::messages::message;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The 422 names `field` among its errors, and its message for it contains `what`.
#[track_caller]
fn assert_refused(r: &Resp, field: &str, what: &str, case: &str) {
    assert_eq!(r.status, 422, "{case}: {}", r.body);
    let errors = r.body["errors"].as_array().cloned().unwrap_or_default();
    let named = errors.iter().find(|e| e["field"] == field);
    let Some(e) = named else { panic!("{case}: no error on {field}: {}", r.body) };
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(msg.contains(what), "{case}: {field}: {msg:?} does not say {what:?}");
}

/// `v` with the value at the JSON pointer `at` replaced by `new`.
fn with(mut v: Value, at: &str, new: Value) -> Value {
    let shown = v.to_string();
    *v.pointer_mut(at).unwrap_or_else(|| panic!("{at} is not in {shown}")) = new;
    v
}

async fn emails_of(app: &TestApp, invoice: &str) -> Vec<Value> {
    app.get(&format!("/invoices/{invoice}/emails")).await.assert_status(200).as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn control_characters_in_an_emails_subject_recipients_or_message_are_refused_and_nothing_is_queued() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "2", "180.50", "20")]).await;
        let id = inv["id"].as_str().unwrap().to_string();
        let send = format!("/invoices/{id}/send");
        let control = "contains control characters";
        let one_line = "must be on one line";
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"subject": "Facture\u{0}F2026"}), "subject", control),
            (json!({"subject": "Facture\r\nBcc: espion@exemple.fr"}), "subject", one_line),
            (json!({"subject": "Facture\nF2026"}), "subject", one_line),
            (json!({"subject": "Facture\rF2026"}), "subject", one_line),
            (json!({"subject": "Facture\u{1b}[31m"}), "subject", control),
            (json!({"subject": "Facture\tF2026"}), "subject", control),
            (json!({"to": ["compta\u{0}@exemple.fr"]}), "to[0]", control),
            (json!({"to": ["compta@exemple.fr\r\nBcc: espion@exemple.fr"]}), "to[0]", one_line),
            (json!({"to": ["compta@exemple.fr", "b\u{7f}@exemple.fr"]}), "to[1]", control),
            (json!({"cc": ["compta@exemple.fr\n"]}), "cc[0]", one_line),
            (json!({"cc": ["\u{1}compta@exemple.fr"]}), "cc[0]", control),
            (json!({"message": "Bonjour\u{0}"}), "message", control),
            (json!({"message": "Bonjour\u{1b}[2J"}), "message", control),
            (json!({"message": "Bonjour\rBcc: x"}), "message", control),
        ];
        for (body, field, what) in cases {
            let r = app.post(&send, body.clone()).await;
            assert_refused(&r, field, what, &body.to_string());
        }
        assert!(emails_of(&app, &id).await.is_empty(), "a refused message is never queued");

        // A message body spans lines; the subject stays one line.
        let ok = app.post(&send, json!({"subject": "Votre facture", "message": "Bonjour,\r\n\n\tci-joint la facture.\n"})).await;
        ok.assert_status(202);
        let queued = emails_of(&app, &id).await;
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0]["subject"], "Votre facture");

        // A company's own template: the subject becomes a header too.
        let r = app
            .patch(
                "/settings",
                json!({"email_templates": {"invoice": {"fr": {"subject": "Facture\n{document_number}", "body": "Bonjour,\nmerci."}}}}),
            )
            .await;
        assert_refused(&r, "email_templates.invoice.fr.subject", one_line, "template subject");
        let r = app
            .patch(
                "/settings",
                json!({"email_templates": {"invoice": {"fr": {"subject": "Facture {document_number}", "body": "Bonjour\u{0}"}}}}),
            )
            .await;
        assert_refused(&r, "email_templates.invoice.fr.body", control, "template body");
        // The sender's name comes from the company's name: one line as well.
        let r = app.patch("/settings", json!({"identity": {"name": "Test\r\nBcc: x@y.fr SARL"}})).await;
        assert_refused(&r, "identity.name", one_line, "company name");
        assert_eq!(emails_of(&app, &id).await.len(), 1);
    })
    .await;
}

/// (path, body, JSON pointer of a string field, the field its error names, spans lines).
fn string_fields(customer: &str) -> Vec<(&'static str, Value, &'static str, &'static str, bool)> {
    let c = json!({
        "name": "Boulangerie Martin",
        "activity": "Boulangerie",
        "email": "compta@exemple.fr",
        "billing_address": {"line1": "12 rue de la République", "line2": "Bâtiment B", "postal_code": "69002", "city": "Lyon", "country": "FR"},
        "contacts": [{"name": "Sophie Martin", "role": "Gérante", "email": "sophie@exemple.fr", "phone": "04 78 12 34 56", "mobile": "06 12 34 56 78"}],
        "tags": ["fidèle"],
        "notes": "Livrer le matin",
    });
    let p = json!({"reference": "CROIS-01", "name": "Croissant", "unit_price": "1.20", "vat_rate": "5.5"});
    let d = json!({
        "customer_id": customer,
        "title": "Travaux",
        "customer_reference": "BC-12",
        "note": "Merci",
        "internal_note": "Relancer",
        "terms": "Paiement à 30 jours",
        "special_conditions": "Aucune",
        "contact": "Sophie Martin",
        "salesperson": "Paul",
        "lines": [line("Pose", "1", "100", "20")],
    });
    let mut cases = vec![
        ("/customers", c.clone(), "/name", "name", false),
        ("/customers", c.clone(), "/activity", "activity", false),
        ("/customers", c.clone(), "/email", "email", false),
        ("/customers", c.clone(), "/billing_address/line1", "billing_address.line1", false),
        ("/customers", c.clone(), "/billing_address/line2", "billing_address.line2", false),
        ("/customers", c.clone(), "/billing_address/city", "billing_address.city", false),
        ("/customers", c.clone(), "/contacts/0/name", "contacts[0].name", false),
        ("/customers", c.clone(), "/contacts/0/role", "contacts[0].role", false),
        ("/customers", c.clone(), "/contacts/0/phone", "contacts[0].phone", false),
        ("/customers", c.clone(), "/contacts/0/mobile", "contacts[0].mobile", false),
        ("/customers", c.clone(), "/tags/0", "tags[0]", false),
        ("/customers", c.clone(), "/notes", "notes", true),
        ("/products", p.clone(), "/reference", "reference", false),
        ("/products", p.clone(), "/name", "name", false),
    ];
    for path in ["/invoices", "/quotes"] {
        cases.extend([
            (path, d.clone(), "/title", "title", false),
            (path, d.clone(), "/customer_reference", "customer_reference", false),
            (path, d.clone(), "/contact", "contact", false),
            (path, d.clone(), "/salesperson", "salesperson", false),
            (path, d.clone(), "/note", "note", true),
            (path, d.clone(), "/internal_note", "internal_note", true),
            (path, d.clone(), "/terms", "terms", true),
            (path, d.clone(), "/special_conditions", "special_conditions", true),
            (path, d.clone(), "/lines/0/description", "lines[0].description", true),
        ]);
    }
    cases
}

#[tokio::test]
async fn control_characters_are_refused_in_every_string_field_of_customers_products_and_documents() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let cases = string_fields(&customer);
        assert!(cases.len() >= 30);
        for (path, body, at, field, spans_lines) in cases {
            for bad in ["A\u{0}B", "A\u{1b}B", "A\u{7f}B", "A\u{85}B", "A\rB"] {
                let r = app.post(path, with(body.clone(), at, json!(bad))).await;
                assert_refused(&r, field, "", &format!("{path} {at} = {bad:?}"));
            }
            let broken = app.post(path, with(body.clone(), at, json!("A\nB"))).await;
            if spans_lines {
                broken.assert_status(201);
            } else {
                assert_refused(&broken, field, "", &format!("{path} {at} with a line break"));
            }
        }

        // A credit note's note and a payment's reference, which skipped the rule before.
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap();
        let r = app.post(&format!("/invoices/{id}/credit-note"), json!({"note": "Avoir\u{0}"})).await;
        assert_refused(&r, "note", "control characters", "credit note");
        let r = app
            .post(
                &format!("/invoices/{id}/payments"),
                json!({"amount": "10", "date": "2026-01-05", "method": "transfer", "reference": "VIR\u{0}"}),
            )
            .await;
        assert_refused(&r, "reference", "control characters", "payment reference");
        // A customer's patch goes through the same rule.
        let r = app.patch(&format!("/customers/{customer}"), json!({"name": "Martin\u{0}"})).await;
        assert_refused(&r, "name", "control characters", "patch");
        // In French for the web app.
        assert_eq!(message(Language::Fr, &Message::new("control_characters")), "contient des caractères de contrôle");
        assert!(message(Language::Fr, &Message::new("one_line")).starts_with("doit tenir sur une ligne"));
    })
    .await;
}

#[tokio::test]
async fn dates_other_than_year_month_day_are_refused_in_bodies_and_list_filters() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap().to_string();
        let shape = "is not a date of the form YYYY-MM-DD";
        for bad in ["2026-W05-2", "2026-034", "2026-1-5", "20260105", "2026-01-05T00:00:00Z", "2026-02-30"] {
            let r = app.post("/invoices", json!({"customer_id": customer, "issue_date": bad, "lines": []})).await;
            assert_refused(&r, "issue_date", shape, bad);
            let r = app.post("/quotes", json!({"customer_id": customer, "valid_until": bad, "lines": []})).await;
            assert_refused(&r, "valid_until", shape, bad);
            let r = app
                .post(&format!("/invoices/{id}/payments"), json!({"amount": "10", "date": bad, "method": "transfer"}))
                .await;
            assert_refused(&r, "date", shape, bad);
            assert_refused(&app.get(&format!("/invoices?from={bad}")).await, "from", shape, bad);
            assert_refused(&app.get(&format!("/invoices?to={bad}")).await, "to", shape, bad);
        }
        assert!(
            app.get(&format!("/invoices/{id}")).await.assert_status(200)["payments"]
                .as_array()
                .is_none_or(Vec::is_empty)
        );

        let ok = app.post("/invoices", json!({"customer_id": customer, "issue_date": "2026-01-05", "lines": []})).await;
        assert_eq!(ok.assert_status(201)["issue_date"], "2026-01-05");
        let list = app.get("/invoices?from=2026-01-05&to=2026-01-05").await;
        list.assert_status(200);
        app.post(
            &format!("/invoices/{id}/payments"),
            json!({"amount": "10", "date": "2026-01-05", "method": "transfer"}),
        )
        .await
        .assert_status(200);
        assert_eq!(
            message(Language::Fr, &Message::new("not_a_date").with("v", "\"2026-034\"")),
            "«\u{a0}2026-034\u{a0}» n'est pas une date de la forme AAAA-MM-JJ"
        );
    })
    .await;
}

#[tokio::test]
async fn a_siren_or_siret_of_zeros_is_refused() {
    each_db(|app| async move {
        let zeros = "no company has this number (all zeros)";
        let body = customer_body("Zéro SARL");
        let r = app.post("/customers", with(body.clone(), "/legal", json!({"siren": "000000000"}))).await;
        assert_refused(&r, "legal.siren", zeros, "siren");
        let r = app.post("/customers", with(body.clone(), "/legal", json!({"siret": "000 000 000 00000"}))).await;
        assert_refused(&r, "legal.siret", zeros, "siret");
        let r = app.post("/customers", with(body.clone(), "/legal", json!({"vat_number": "FR12000000000"}))).await;
        assert_refused(&r, "legal.vat_number", zeros, "vat");
        let r = app.patch("/settings", json!({"identity": {"siren": "000000000"}})).await;
        assert_refused(&r, "identity.siren", zeros, "company siren");
        // A real one still passes the Luhn check.
        app.post("/customers", with(body, "/legal", json!({"siren": "732829320", "siret": "73282932000074"})))
            .await
            .assert_status(201);
        assert_eq!(
            message(
                Language::Fr,
                &Message::new("company_number_all_zeros").with("kind", "SIREN").with("v", "000000000")
            ),
            "SIREN 000000000\u{a0}: aucune entreprise n'a ce numéro (que des zéros)"
        );
    })
    .await;
}

/// Bits written least significant first, as DEFLATE reads them.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    /// `count` bits of `value`, low bit first (header fields, extra bits).
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code of `len` bits, sent most significant bit first.
    fn code(&mut self, code: u64, len: u32) {
        let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A decompression bomb: a valid grayscale PNG of `width` × `height` black pixels,
/// compressed as tightly as DEFLATE allows (one block with its own codes: a literal
/// zero, then copies of 258 bytes at 2 bits each), so 20 000 × 20 000 pixels take
/// 388 KB and are written in milliseconds, where a general encoder takes minutes.
fn zero_png(width: u32, height: u32) -> Vec<u8> {
    let total = u64::from(width + 1) * u64::from(height); // a filter byte starts each row
    let mut b = Bits { out: vec![0x78, 0x01], acc: 0, n: 0 };
    b.put(1, 1); // the final block
    b.put(2, 2); // with its own Huffman codes
    b.put(29, 5); // 286 literal/length codes
    b.put(1, 5); // 2 distance codes
    b.put(14, 4); // 18 code length codes
    // Code length code lengths in DEFLATE's order 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11,
    // 4, 12, 3, 13, 2, 14, 1: symbol 18 (a run of zeros) 1 bit, symbols 2 and 1 2 bits.
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        b.put(len, 3);
    }
    // Their canonical codes: 18 → 0, 1 → 10, 2 → 11.
    let (one, two, zeros) = ((0b10, 2), (0b11, 2), (0b0, 1));
    // Literal/length code lengths: 0 → 2, 1..=255 → none, 256 (end) → 2, 257..=284 →
    // none, 285 (length 258) → 1; then distance codes 0 and 1 → 1 bit each.
    b.code(two.0, two.1);
    for run in [138, 117] {
        b.code(zeros.0, zeros.1);
        b.put(run - 11, 7);
    }
    b.code(two.0, two.1);
    b.code(zeros.0, zeros.1);
    b.put(28 - 11, 7);
    b.code(one.0, one.1);
    b.code(one.0, one.1);
    b.code(one.0, one.1);
    // The data, with codes 285 → 0, 0 → 10, 256 → 11, distance 1 → 0.
    b.code(0b10, 2);
    let rest = total - 1;
    for _ in 0..rest / 258 {
        b.put(0, 2);
    }
    for _ in 0..rest % 258 {
        b.code(0b10, 2);
    }
    b.code(0b11, 2);
    let mut zlib = b.finish();
    // Adler-32 of zeros: the first sum stays 1, the second adds 1 per byte.
    zlib.extend(((((total % 65_521) as u32) << 16) | 1).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let body = [kind, data].concat();
        png.extend(&body);
        png.extend(crc32(&body).to_be_bytes());
    };
    chunk(b"IHDR", &[&width.to_be_bytes()[..], &height.to_be_bytes(), &[8, 0, 0, 0, 0]].concat());
    chunk(b"IDAT", &zlib);
    chunk(b"IEND", &[]);
    png
}

async fn put_logo(app: &TestApp, bytes: &[u8]) -> Resp {
    let r = app
        .http
        .request(Method::PUT, format!("{}/settings/logo", app.base))
        .bearer_auth(&app.token)
        .header("content-type", "image/png")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    Resp { status, body: r.json().await.unwrap_or(Value::Null), content_type: String::new() }
}

async fn stored_logo(app: &TestApp) -> Vec<u8> {
    let r = app.http.get(format!("{}/settings/logo", app.base)).bearer_auth(&app.token).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200);
    r.bytes().await.expect("bytes").to_vec()
}

#[tokio::test]
async fn a_decompression_bomb_logo_is_refused_before_anything_is_stored() {
    // The generator itself is right: a small one is a logo like any other.
    let small = zero_png(120, 40);
    let bomb = zero_png(20_000, 20_000);
    assert!(bomb.len() < 400_000, "{} bytes: under the 1 MiB upload limit", bomb.len());
    each_db(|app| {
        let (small, bomb) = (small.clone(), bomb.clone());
        async move {
            let r = put_logo(&app, &small).await;
            assert_eq!(
                (r.status, r.body["width"].as_u64(), r.body["height"].as_u64()),
                (200, Some(120), Some(40)),
                "{}",
                r.body
            );
            let logo = png_logo(200, 60);
            put_logo(&app, &logo).await.assert_status(200);

            let started = Instant::now();
            let r = put_logo(&app, &bomb).await;
            assert_refused(&r, "body", "20000 × 20000 pixels: at most 4096 pixels a side", "bomb");
            assert!(started.elapsed() < Duration::from_secs(5), "refused from its header: {:?}", started.elapsed());
            assert_eq!(stored_logo(&app).await, logo, "the previous logo is kept");
            assert_eq!(r.body["errors"][0]["code"], "logo_pixels_most_pixels");
            let fr = message(
                Language::Fr,
                &Message::new("logo_pixels_most_pixels").with("w", 20000).with("h", 20000).with("max", 4096),
            );
            assert!(fr.starts_with("le logo mesure 20000 × 20000 pixels"), "{}", fr);

            // One side over the limit is enough; a normal logo is still accepted and drawn.
            assert_refused(&put_logo(&app, &zero_png(4097, 16)).await, "body", "4097 × 16 pixels", "wide");
            let customer = app.customer().await;
            let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
            let pdf = app
                .http
                .get(format!("{}/invoices/{}/pdf", app.base, inv["id"].as_str().unwrap()))
                .bearer_auth(&app.token)
                .send()
                .await
                .expect("request");
            assert_eq!(pdf.status().as_u16(), 200);
            assert!(pdf.bytes().await.expect("pdf").starts_with(b"%PDF"));
        }
    })
    .await;
}

#[tokio::test]
async fn the_web_app_refuses_the_same_text_and_logos_in_french() {
    let bomb = zero_png(20_000, 20_000);
    each_db(|app| {
        let bomb = bomb.clone();
        async move {
            with_password(&app, "admin@test.fr").await;
            let mut b = Browser::new(&app);
            let csrf = b.sign_in_as("admin@test.fr").await;
            let logo = png_logo(200, 60);
            put_logo(&app, &logo).await.assert_status(200);
            let p = b.upload("/settings/logo", "logo", "image/png", &bomb).await;
            assert_eq!(p.status, 422);
            assert!(
                as_read(&p.body).contains("le logo mesure 20000 × 20000 pixels : 4096 pixels de côté au plus"),
                "{}",
                p.body
            );
            assert_eq!(stored_logo(&app).await, logo);

            // The send form: a NUL in the subject is named in French and nothing is queued.
            let customer = app.customer().await;
            let inv = app.issued_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
            let id = inv["id"].as_str().unwrap();
            let p = b
                .act(&csrf, &format!("/invoices/{id}/send"), &[("to", "compta@client.fr"), ("subject", "Facture\u{0}")])
                .await;
            assert_eq!(p.status, 422);
            assert!(p.body.contains(r#"id="subject-error""#), "the error sits by the subject");
            assert!(as_read(&p.body).contains("contient des caractères de contrôle"), "{}", p.body);
            assert!(emails_of(&app, id).await.is_empty());

            // A document list searched for a NUL answers, it does not fail.
            for list in ["/invoices?q=%00&except=a%00&from=2026-W05-2", "/customers?q=martin%00"] {
                assert_eq!(b.get(list).await.status, 200, "{list}");
            }
        }
    })
    .await;
}

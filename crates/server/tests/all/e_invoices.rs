//! Every e-invoice the API lets a company issue passes the independent validators:
//! each company status (VAT-registered, micro-entrepreneur under the franchise en base,
//! VAT on debits) × each VAT situation (French business, consumer, BTP reverse charge,
//! intra-EU services and goods, disbursements outside the scope of VAT, export) × each
//! kind (invoice, deposit and final invoice of an order, progress invoices, credit note),
//! issued over HTTP on SQLite and PostgreSQL, downloaded as served, and checked by
//! `scripts/validate.py`: the Factur-X PDF (container, XMP, the XSD, the EN 16931
//! schematron and BR-FR on its XML) and the UBL of every flavour (the OASIS XSD,
//! EN 16931 and BR-FR).

use crate::common;

use common::{TestApp, each_db};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the validators on every file of `kind` at once; every one must pass.
fn assert_all_valid(kind: &str, files: &[PathBuf]) {
    assert!(!files.is_empty(), "nothing to validate");
    if !common::smtp::python_available() {
        return;
    }
    let run = Command::new(common::smtp::python())
        .arg(repo().join("scripts/validate.py"))
        .arg(kind)
        .args(files)
        .output()
        .expect("run scripts/validate.py");
    let out = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert_eq!(run.status.code(), Some(0), "{kind}: some files are not valid:\n{out}");
    assert_eq!(out.matches(" 0 error(s)").count(), files.len(), "{out}");
}

/// The company's identity and legal terms for one status.
struct Status {
    name: &'static str,
    identity: Value,
    legal: Value,
    /// The category and rate of an ordinary sale (franchise: exempt, 0 %).
    franchise: bool,
}

fn address() -> Value {
    json!({"line1": "14 rue de la Charité", "postal_code": "69002", "city": "Lyon", "country": "FR"})
}

fn statuses() -> Vec<Status> {
    let company = json!({
        "name": "Atelier Lumière SAS", "legal_form": "SAS", "share_capital": "20000", "rcs_city": "Lyon",
        "siren": "732829320", "siret": "73282932000074", "vat_number": "FR44732829320",
        "address": address(), "email": "contact@atelier-lumiere.fr", "phone": "04 78 00 00 00",
    });
    vec![
        Status {
            name: "registered",
            identity: company.clone(),
            legal: json!({"late_penalty_rate": "10", "vat_regime": "registered", "vat_on_debits": false}),
            franchise: false,
        },
        Status {
            name: "vat-on-debits",
            identity: company,
            legal: json!({"late_penalty_rate": "10", "vat_regime": "registered", "vat_on_debits": true}),
            franchise: false,
        },
        Status {
            name: "micro-entrepreneur",
            identity: json!({
                "name": "Camille Roux", "trading_name": "Roux Conseil", "legal_form": "EI",
                "siren": "732829320", "address": address(), "email": "camille@roux-conseil.fr",
            }),
            legal: json!({"late_penalty_rate": "10", "vat_regime": "franchise", "vat_on_debits": false}),
            franchise: true,
        },
    ]
}

/// A VAT situation: who buys, and the lines that situation calls for.
struct Situation {
    name: &'static str,
    customer: Value,
    lines: Vec<Value>,
}

fn item(description: &str, quantity: &str, price: &str, rate: &str, category: &str, nature: &str) -> Value {
    json!({"description": description, "quantity": quantity, "unit_price": price, "vat_rate": rate,
           "vat_category": category, "nature": nature})
}

fn french_business(name: &str, vat: Option<&str>) -> Value {
    let mut legal = json!({"siren": "552100554"});
    if let Some(v) = vat {
        legal["vat_number"] = json!(v);
    }
    json!({"name": name, "email": "compta@client.fr", "legal": legal,
           "billing_address": {"line1": "3 quai Saint-Antoine", "postal_code": "69002", "city": "Lyon", "country": "FR"}})
}

fn situations(status: &Status) -> Vec<Situation> {
    if status.franchise {
        // Under the franchise nothing bears VAT: every line is exempt (E, art. 293 B).
        let e = |d: &str, q: &str, p: &str, n: &str| item(d, q, p, "0", "E", n);
        return vec![
            Situation {
                name: "business",
                customer: french_business("Boulangerie Martin SARL", None),
                lines: vec![
                    e("Audit de l'éclairage", "2", "450", "services"),
                    e("Lampe de bureau", "3", "39.90", "goods"),
                ],
            },
            Situation {
                name: "consumer",
                customer: json!({"kind": "individual", "name": "Léa Dubois", "email": "lea@exemple.fr",
                    "billing_address": {"line1": "8 rue Mercière", "postal_code": "69002", "city": "Lyon", "country": "FR"}}),
                lines: vec![e("Conseil en décoration (1 h)", "3", "55", "services")],
            },
        ];
    }
    vec![
        Situation {
            name: "business",
            customer: french_business("Boulangerie Martin SARL", Some("FR96552100554")),
            lines: vec![
                item("Suspension laiton", "4", "189.90", "20", "S", "goods"),
                item("Pose et raccordement", "6", "58", "10", "S", "services"),
                item("Isolation des combles", "12.5", "21.40", "5.5", "S", "services"),
            ],
        },
        Situation {
            name: "consumer",
            customer: json!({"kind": "individual", "name": "Léa Dubois", "email": "lea@exemple.fr",
                "billing_address": {"line1": "8 rue Mercière", "postal_code": "69002", "city": "Lyon", "country": "FR"}}),
            lines: vec![item("Lampadaire arc", "1", "349", "20", "S", "goods")],
        },
        Situation {
            name: "btp-reverse-charge",
            customer: french_business("Bâtir Rhône SAS", Some("FR96552100554")),
            lines: vec![item("Sous-traitance : câblage du 2e étage", "1", "4800", "0", "AE", "services")],
        },
        Situation {
            name: "eu-services",
            customer: json!({"name": "Lichtplanung Berlin GmbH", "email": "buchhaltung@lichtplanung.de",
                "legal": {"vat_number": "DE123456789"}, "language": "en",
                "billing_address": {"line1": "Torstraße 12", "postal_code": "10119", "city": "Berlin", "country": "DE"}}),
            lines: vec![item("Lighting design study", "1", "2400", "0", "AE", "services")],
        },
        Situation {
            name: "eu-goods",
            customer: json!({"name": "Bäckerei Schmidt GmbH", "email": "einkauf@baeckerei-schmidt.de",
                "legal": {"vat_number": "DE123456789"}, "language": "en",
                "billing_address": {"line1": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin", "country": "DE"}}),
            lines: vec![item("Pendant lamp, brass", "10", "189.90", "0", "K", "goods")],
        },
        Situation {
            name: "disbursements",
            customer: french_business("Cabinet Durand SELARL", Some("FR96552100554")),
            lines: vec![item("Frais de greffe avancés pour votre compte", "1", "45.59", "0", "O", "services")],
        },
        Situation {
            name: "export",
            customer: json!({"name": "Brooklyn Bread Co.", "email": "ap@brooklynbread.example", "language": "en",
                "billing_address": {"line1": "200 Kent Avenue", "postal_code": "11249", "city": "Brooklyn", "country": "US"}}),
            lines: vec![item("Pendant lamp, brass", "10", "189.90", "0", "G", "goods")],
        },
    ]
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_string()
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let r = app.post(path, body).await;
    assert_eq!(r.status, 201, "POST {path}: {}", r.body);
    r.body
}

async fn issue(app: &TestApp, seg: &str, doc: &Value) -> Value {
    let r = app.post(&format!("/{seg}/{}/issue", id(doc)), json!({})).await;
    assert_eq!(r.status, 200, "issuing /{seg}/{}: {}", id(doc), r.body);
    r.body
}

/// Downloads the served files of an issued document into `dir`: its PDF and each UBL.
async fn download(app: &TestApp, dir: &Path, seg: &str, doc: &Value, name: &str, files: &mut Files) {
    let get = |path: String| {
        let app = app.clone();
        async move {
            let r = app.http.get(format!("{}{path}", app.base)).bearer_auth(&app.token).send().await.expect("GET");
            assert_eq!(r.status().as_u16(), 200, "GET {path}");
            r.bytes().await.expect("body").to_vec()
        }
    };
    let doc_id = id(doc);
    let pdf = dir.join(format!("{name}.pdf"));
    std::fs::write(&pdf, get(format!("/{seg}/{doc_id}/pdf")).await).expect("write");
    files.pdf.push(pdf);
    for flavor in ["peppol", "fr"] {
        let ubl = dir.join(format!("{name}.{flavor}.xml"));
        std::fs::write(&ubl, get(format!("/{seg}/{doc_id}/ubl?flavor={flavor}")).await).expect("write");
        files.ubl.push(ubl);
    }
}

#[derive(Default)]
struct Files {
    pdf: Vec<PathBuf>,
    ubl: Vec<PathBuf>,
}

#[tokio::test]
async fn every_company_status_and_vat_situation_issues_valid_e_invoices() {
    each_db(|app| async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut files = Files::default();
        for status in statuses() {
            let r = app.patch("/settings", json!({"identity": status.identity, "legal": status.legal})).await;
            assert_eq!(r.status, 200, "settings of {}: {}", status.name, r.body);
            for s in situations(&status) {
                let name = format!("{}-{}-{}", app.backend, status.name, s.name);
                let customer = id(&created(&app, "/customers", s.customer.clone()).await);
                // An invoice, then a credit note taking part of it back.
                let draft = created(&app, "/invoices", json!({"customer_id": customer, "lines": s.lines})).await;
                let invoice = issue(&app, "invoices", &draft).await;
                download(&app, dir.path(), "invoices", &invoice, &format!("{name}-invoice"), &mut files).await;
                let first = &s.lines[0];
                let back = json!({"lines": [{"description": first["description"], "quantity": "1",
                    "unit_price": first["unit_price"], "vat_rate": first["vat_rate"],
                    "vat_category": first["vat_category"], "nature": first["nature"]}]});
                let credit = created(&app, &format!("/invoices/{}/credit-note", id(&invoice)), back).await;
                let credit = issue(&app, "credit-notes", &credit).await;
                download(&app, dir.path(), "credit-notes", &credit, &format!("{name}-credit"), &mut files).await;
                if s.name != "business" {
                    continue;
                }
                // An order with a 30 % deposit, then its final invoice deducting it (BT-23 …4, BG-3).
                let order = created(&app, "/orders", json!({"customer_id": customer, "lines": s.lines})).await;
                let order = issue(&app, "orders", &order).await;
                let oid = id(&order);
                let dep = created(&app, &format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await;
                let dep = issue(&app, "deposit-invoices", &dep).await;
                download(&app, dir.path(), "deposit-invoices", &dep, &format!("{name}-deposit"), &mut files).await;
                let fin = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
                let fin = issue(&app, "invoices", &fin).await;
                download(&app, dir.path(), "invoices", &fin, &format!("{name}-final"), &mut files).await;
                // Progress invoices (situations) at 40 %, then at 100 %, which closes the order.
                let works = created(&app, "/orders", json!({"customer_id": customer, "lines": s.lines})).await;
                let works = id(&issue(&app, "orders", &works).await);
                for pct in ["40", "100"] {
                    let path = format!("/orders/{works}/progress-invoice");
                    let sit = created(&app, &path, json!({"cumulative_percent": pct})).await;
                    let sit = issue(&app, "invoices", &sit).await;
                    download(&app, dir.path(), "invoices", &sit, &format!("{name}-situation-{pct}"), &mut files).await;
                }
            }
        }
        // 3 statuses: 7 + 7 + 2 situations, each an invoice and a credit note, plus a
        // deposit, a final invoice and two progress invoices for each status's French business.
        assert_eq!(files.pdf.len(), 2 * (7 + 7 + 2) + 4 * 3, "every document was downloaded");
        assert_all_valid("pdf", &files.pdf);
        assert_all_valid("ubl", &files.ubl);
    })
    .await;
}

/// The text of the first `<tag>` of an XML file.
fn first(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).unwrap_or_else(|| panic!("no <{tag}> in\n{xml}"));
    xml[start..start + xml[start..].find('<').unwrap_or(0)].to_string()
}

async fn ubl_fr(app: &TestApp, seg: &str, doc: &Value) -> String {
    let url = format!("{}/{seg}/{}/ubl?flavor=fr", app.base, id(doc));
    let r = app.http.get(url).bearer_auth(&app.token).send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.expect("text")
}

#[tokio::test]
async fn the_nature_of_the_operation_comes_from_what_is_sold() {
    each_db(|app| async move {
        let r = app.patch("/settings", json!({"identity": statuses()[0].identity, "legal": statuses()[0].legal})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let customer = id(&created(&app, "/customers", french_business("Boulangerie Martin SARL", None)).await);
        // A consulting day sold from the catalogue, counted in pieces: the product says services.
        let product = created(
            &app,
            "/products",
            json!({"reference": "CONSEIL-J", "name": "Journée de conseil", "unit_price": "900", "vat_rate": "20",
                   "nature": "services"}),
        )
        .await;
        assert_eq!(product["nature"], "services");
        let lamp = created(
            &app,
            "/products",
            json!({"reference": "LAMPE", "name": "Lampe de bureau", "unit_price": "39.90", "vat_rate": "20"}),
        )
        .await;
        assert_eq!(lamp["nature"], "goods", "a product counted in pieces is goods unless told otherwise");
        let hours = created(
            &app,
            "/products",
            json!({"reference": "POSE-H", "name": "Pose", "unit": "HUR", "unit_price": "58", "vat_rate": "10"}),
        )
        .await;
        assert_eq!(hours["nature"], "services", "an hour is a service");

        let draft = created(
            &app,
            "/invoices",
            json!({"customer_id": customer, "lines": [{"product_id": id(&product), "quantity": "2"}]}),
        )
        .await;
        assert_eq!(draft["lines"][0]["nature"], "services");
        assert_eq!(draft["operation"], "services");
        let inv = issue(&app, "invoices", &draft).await;
        assert_eq!(first(&ubl_fr(&app, "invoices", &inv).await, "cbc:ProfileID"), "S1");

        // A line typed by hand takes the company's main activity (services by default) unless
        // it says otherwise; a wrong nature is refused with the line's field named.
        let typed = |nature: Option<&str>| {
            let mut l =
                json!({"description": "Étude d'éclairage", "quantity": "1", "unit_price": "450", "vat_rate": "20"});
            if let Some(n) = nature {
                l["nature"] = json!(n);
            }
            json!({"customer_id": customer, "lines": [l]})
        };
        assert_eq!(created(&app, "/invoices", typed(None)).await["operation"], "services");
        assert_eq!(created(&app, "/invoices", typed(Some("goods"))).await["operation"], "goods");
        let bad = app.post("/invoices", typed(Some("both"))).await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert_eq!(bad.error_fields(), ["lines[0].nature"]);
        let r = app.patch("/settings", json!({"documents": {"main_activity": "goods"}})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(created(&app, "/invoices", typed(None)).await["operation"], "goods");

        // Goods and services on one order: mixed; its deposit is mixed too (its one line cannot
        // tell), and the final invoice deducting it is M4.
        let order = created(
            &app,
            "/orders",
            json!({"customer_id": customer, "lines": [
                {"product_id": id(&lamp), "quantity": "10"}, {"product_id": id(&hours), "quantity": "6"}]}),
        )
        .await;
        assert_eq!(order["operation"], "mixed");
        let order = issue(&app, "orders", &order).await;
        let oid = id(&order);
        let dep = created(&app, &format!("/orders/{oid}/deposit-invoice"), json!({"percent": "30"})).await;
        assert_eq!(dep["operation"], "mixed");
        let dep = issue(&app, "deposit-invoices", &dep).await;
        assert_eq!(first(&ubl_fr(&app, "deposit-invoices", &dep).await, "cbc:ProfileID"), "M1");
        let fin = created(&app, &format!("/orders/{oid}/convert"), json!({"to": "invoice"})).await;
        let fin = issue(&app, "invoices", &fin).await;
        assert_eq!(fin["operation"], "mixed");
        assert_eq!(first(&ubl_fr(&app, "invoices", &fin).await, "cbc:ProfileID"), "M4");

        // A services-only order: its deposit prints services, not goods.
        let services = created(
            &app,
            "/orders",
            json!({"customer_id": customer, "lines": [{"product_id": id(&product), "quantity": "5"}]}),
        )
        .await;
        let services = issue(&app, "orders", &services).await;
        let dep = created(&app, &format!("/orders/{}/deposit-invoice", id(&services)), json!({"percent": "40"})).await;
        assert_eq!(dep["operation"], "services");
    })
    .await;
}

#[tokio::test]
async fn the_editor_lets_a_typed_line_say_what_it_supplies() {
    each_db(|app| async move {
        let customer = app.customer().await;
        common::web_client::with_password(&app, "admin@test.fr").await;
        let mut b = common::web_client::Browser::new(&app);
        let csrf = b.sign_in_as("admin@test.fr").await;
        let blank = b.get("/invoices/new").await.body;
        assert!(blank.contains(r#"<option value="services">Prestation de services</option>"#), "{blank}");
        let item = |i: &str, description: &'static str, nature: &'static str| {
            vec![
                (format!("lines[{i}].kind"), "item".to_string()),
                (format!("lines[{i}].description"), description.to_string()),
                (format!("lines[{i}].quantity"), "1".to_string()),
                (format!("lines[{i}].unit_price"), "100".to_string()),
                (format!("lines[{i}].vat_rate"), "20".to_string()),
                (format!("lines[{i}].nature"), nature.to_string()),
            ]
        };
        let mut form = vec![("csrf".to_string(), csrf.clone()), ("customer_id".to_string(), customer.clone())];
        form.extend(item("0", "Lampe de bureau", "goods"));
        form.extend(item("1", "Étude d'éclairage", ""));
        form.push(("action".into(), "save".into()));
        let p = b.post_pairs("/invoices/new", &form).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let id = p.location.split('?').next().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
        let v = app.get(&format!("/invoices/{id}")).await.body;
        assert_eq!(v["lines"][0]["nature"], "goods", "chosen");
        assert_eq!(v["lines"][1]["nature"], "services", "the company's main activity");
        assert_eq!(v["operation"], "mixed");
        // The editor shows each line's nature as saved.
        let page = b.get(&format!("/invoices/{id}/edit")).await.body;
        assert!(page.contains(r#"<option value="goods" selected>Livraison de biens</option>"#), "{page}");
        // A draft has no number, hence no UBL to download; once issued it has one.
        let ubl_link = format!("/invoices/{id}/ubl");
        assert!(!b.get(&format!("/invoices/{id}")).await.body.contains(&ubl_link));
        app.post(&format!("/invoices/{id}/issue"), json!({})).await.assert_status(200);
        assert!(b.get(&format!("/invoices/{id}")).await.body.contains(&ubl_link));
    })
    .await;
}

#[tokio::test]
async fn each_customer_gets_the_ubl_of_its_network() {
    each_db(|app| async move {
        let r = app.patch("/settings", json!({"identity": statuses()[0].identity, "legal": statuses()[0].legal})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let profile = |xml: String| first(&xml, "cbc:ProfileID");
        let ubl = |doc: Value, flavor: &'static str| {
            let app = app.clone();
            async move {
                let q = if flavor.is_empty() { String::new() } else { format!("?flavor={flavor}") };
                let url = format!("{}/invoices/{}/ubl{q}", app.base, id(&doc));
                let r = app.http.get(url).bearer_auth(&app.token).send().await.expect("GET");
                (r.status().as_u16(), r.text().await.expect("text"))
            }
        };
        let lines = json!([item("Suspension laiton", "2", "189.90", "20", "S", "goods")]);
        // A French customer: the French network's UBL (the billing frame as ProfileID).
        let fr = id(&created(&app, "/customers", french_business("Boulangerie Martin SARL", None)).await);
        let inv = created(&app, "/invoices", json!({"customer_id": fr, "lines": lines})).await;
        let inv = issue(&app, "invoices", &inv).await;
        assert_eq!(profile(ubl(inv.clone(), "").await.1), "B1");
        assert_eq!(profile(ubl(inv.clone(), "peppol").await.1), "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0");
        let (status, body) = ubl(inv.clone(), "xrechnung").await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("flavor"), "{body}");
        // The same customer choosing Peppol gets Peppol's, byte for byte the file stored at issue.
        let r = app.patch(&format!("/customers/{fr}"), json!({"network": "peppol"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["network"], "peppol");
        assert_eq!(ubl(inv.clone(), "").await.1, ubl(inv.clone(), "peppol").await.1);
        let bad = app.patch(&format!("/customers/{fr}"), json!({"network": "x400"})).await;
        assert_eq!((bad.status, bad.error_fields()), (422, vec!["network".to_string()]), "{}", bad.body);
        // A German customer gets Peppol's unless it chose the French network.
        let de = json!({"name": "Bäckerei Schmidt GmbH", "email": "einkauf@baeckerei-schmidt.de",
            "legal": {"vat_number": "DE123456789"}, "language": "en",
            "billing_address": {"line1": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin", "country": "DE"}});
        let de = id(&created(&app, "/customers", de).await);
        let k = json!([item("Pendant lamp, brass", "10", "189.90", "0", "K", "goods")]);
        let inv =
            issue(&app, "invoices", &created(&app, "/invoices", json!({"customer_id": de, "lines": k})).await).await;
        assert!(ubl(inv.clone(), "").await.1.contains("urn:fdc:peppol.eu:2017:poacc:billing:3.0"));
        let r = app.patch(&format!("/customers/{de}"), json!({"network": "fr"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(profile(ubl(inv, "").await.1), "B1");
    })
    .await;
}

#[tokio::test]
async fn the_customer_form_chooses_the_network() {
    each_db(|app| async move {
        let customer = app.customer().await;
        common::web_client::with_password(&app, "admin@test.fr").await;
        let mut b = common::web_client::Browser::new(&app);
        b.sign_in_as("admin@test.fr").await;
        let page = b.get(&format!("/customers/{customer}")).await.body;
        assert!(page.contains("Plateformes agréées françaises (UBL BR-FR)"), "a French customer: {page}");
        let form = b.get(&format!("/customers/{customer}/edit")).await.body;
        assert!(form.contains(r#"<option value="" selected>Selon le pays"#), "{form}");
        let mut fields = vec![
            ("name", "Boulangerie Martin"),
            ("kind", "company"),
            ("legal.siren", "732829320"),
            ("billing_address.line1", "12 rue de la République"),
            ("billing_address.postal_code", "69002"),
            ("billing_address.city", "Lyon"),
            ("billing_address.country", "FR"),
            ("language", "fr"),
            ("network", "peppol"),
        ];
        let saved = b.submit(&format!("/customers/{customer}/edit"), &fields).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert_eq!(app.get(&format!("/customers/{customer}")).await.body["network"], "peppol");
        fields.retain(|(k, _)| *k != "network");
        fields.push(("network", "minitel"));
        let bad = b.submit(&format!("/customers/{customer}/edit"), &fields).await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(
            bad.body.contains("n&#39;est pas une variante d&#39;UBL")
                || bad.body.contains("n'est pas une variante d'UBL"),
            "{}",
            bad.body
        );
        assert_eq!(app.get(&format!("/customers/{customer}")).await.body["network"], "peppol", "nothing lost");
    })
    .await;
}

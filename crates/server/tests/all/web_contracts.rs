//! Contracts in the web app over HTTP, on SQLite and PostgreSQL: the seed's maintenance
//! contract (RT-684, quarterly in advance, `1500 + 2000 × S / S0`) made through the form,
//! its SYNTEC values published by the form and by a CSV file, the billing run up to
//! 2016-12-31, then its card and the year's grid showing the invoices made and the
//! billings planned with their totals; bad input kept and explained in French and
//! English; a CSV file with a bad line refused with its number and nothing imported (the
//! API's import too); termination confirmed first; another company sees none of it.

use crate::common;

use common::web_client::{ADMIN, Browser, as_read, multipart, signed_in};
use common::{TestApp, each_db};
use serde_json::Value;

/// The seed's SYNTEC values, after December 2013's (published by the form), as a CSV
/// file the French way: a header, semicolons, decimal commas.
const SYNTEC_CSV: &str = "période;valeur\n2014-03;241,0\n2014-06;242,4\n2014-09;243,9\n2014-12;244,6\n2015-03;245,2\n\
2015-06;246,1\n2015-09;247,0\n2015-12;247,6\n2016-03;248,3\n2016-06;249,2\n2016-09;250,1\n";

fn id_in(location: &str, prefix: &str) -> String {
    location.strip_prefix(prefix).unwrap_or("").split(['?', '#', '/']).next().unwrap_or("").to_string()
}

/// The contract form as the seed's brochure fills it.
fn seed_form<'a>(customer: &'a str, reference: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("customer_id", customer),
        ("reference", reference),
        ("title", "Contrat de maintenance"),
        ("nature", "DEPA"),
        ("start_date", "2014-01-01"),
        ("end_date", "2017-12-31"),
        ("renewal", "none"),
        ("renewal_months", "12"),
        ("notice_days", "0"),
        ("billing.period_months", "3"),
        ("billing.mode", "advance"),
        ("billing.alignment", "calendar"),
        ("lines[0].description", "Maintenance préventive et dépannage"),
        ("lines[0].quantity", "1"),
        ("lines[0].unit_price", "3 500,00"),
        ("lines[0].vat_rate", "20"),
        ("lines[1].description", ""),
        ("lines[1].unit_price", ""),
        ("revision.kind", "amounts"),
        ("revision.index", "syntec"),
        ("revision.base_value", "239,5"),
        ("revision.fixed_amount", "1500"),
        ("revision.amount", "2000"),
        ("revision.at", "each_billing"),
        ("bill_interventions", "on_demand"),
    ]
}

async fn csv_import(app: &TestApp, code: &str, content_type: &str, body: &str) -> (u16, Value) {
    let r = app
        .http
        .post(format!("{}/indices/{code}/values/import", app.base))
        .bearer_auth(&app.token)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// SYNTEC published: December 2013 by the form, the rest by the CSV file.
async fn publish_syntec(b: &mut Browser, csrf: &str) {
    let p = b.act(csrf, "/indices", &[("code", "syntec"), ("period", "2013-12"), ("value", "239,5")]).await;
    assert_eq!((p.status, p.location.as_str()), (303, "/indices/SYNTEC?done=index_published"), "{}", p.body);
    let body = multipart(&[("csrf", csrf)], Some(("syntec.csv", "text/csv", SYNTEC_CSV.as_bytes())));
    let p = b.post_multipart("/indices/SYNTEC/import", body).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(as_read(&p.body).contains("11 valeur(s) ajoutée(s), 0 corrigée(s)"), "{}", p.body);
    assert!(p.body.contains("id=\"value-2016-09\""), "{}", p.body);
}

#[tokio::test]
async fn the_seed_s_contract_is_made_by_the_form_billed_by_the_run_and_followed_in_its_grid() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let customer = app.customer_named("CapiLog Industrie").await;
        let list = b.get("/contracts").await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert!(
            list.body.contains("id=\"nav-contracts\"") && list.body.contains("id=\"no-contract\""),
            "{}",
            list.body
        );

        publish_syntec(&mut b, &csrf).await;
        let series = b.get("/indices").await;
        assert!(as_read(&series.body).contains("09/2016 · 250,1"), "{}", series.body);

        let form = b.get("/contracts/new").await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.body.contains("name=\"billing.period_months\"") && form.body.contains("CapiLog Industrie"));
        assert!(form.body.contains("name=\"bill_interventions\""), "{}", form.body);
        let p = b.act(&csrf, "/contracts/new", &seed_form(&customer, "RT-684")).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let id = id_in(&p.location, "/contracts/");
        assert!(p.location.ends_with("?done=contract_created"), "{}", p.location);
        let api = app.get(&format!("/contracts/{id}")).await.assert_status(200).clone();
        assert_eq!((api["reference"].as_str(), api["prices"][0].as_str()), (Some("RT-684"), Some("3500.00")));
        assert_eq!(api["bill_interventions"], "on_demand", "the form's choice");

        // The card before billing: the terms in words, the formula, sixteen quarters planned.
        let card = b.get(&format!("/contracts/{id}?done=contract_created")).await;
        assert_eq!(card.status, 200, "{}", card.body);
        let text = as_read(&card.body);
        assert!(text.contains("Contrat créé."), "{text}");
        assert!(text.contains("du 01/01/2014 au 31/12/2017") && text.contains("Trimestrielle, à échoir"), "{text}");
        assert!(text.contains("P = 1 500 + 2 000 × SYNTEC / 239,5"), "{text}");
        assert!(text.contains("id=\"year-2014\"") && text.contains("id=\"year-2017\""), "{text}");
        assert_eq!(card.body.matches("class=\"planned\"").count(), 16, "sixteen quarters to bill");
        assert!(text.contains("3 500,00 €"), "{text}");

        // A date after today is refused; 2016-12-31 bills the twelve quarters.
        let p = b.act(&csrf, "/billing/run", &[("date", "2999-01-01")]).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("id=\"run-date-error\"") && p.body.contains("value=\"2999-01-01\""), "{}", p.body);
        let p = b.act(&csrf, "/billing/run", &[("date", "2016-12-31")]).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(as_read(&p.body).contains("1 contrat(s) examiné(s), 12 facture(s) créée(s)."), "{}", p.body);
        assert_eq!(p.body.matches("RT-684").count(), 12, "{}", p.body);
        let again = b.act(&csrf, "/billing/run", &[("date", "2016-12-31")]).await;
        assert!(as_read(&again.body).contains("0 facture(s) créée(s)"), "a run again bills nothing twice");

        // The first invoice issued gets its number: the card's grid shows it, linked.
        let api = app.get(&format!("/contracts/{id}")).await.assert_status(200).clone();
        let billed = api["billed"].as_array().unwrap().clone();
        assert_eq!(billed.len(), 12);
        let first = billed[0]["invoice_id"].as_str().unwrap().to_string();
        let issued = app.post(&format!("/invoices/{first}/issue"), serde_json::json!({})).await;
        let number = issued.assert_status(200)["number"].as_str().unwrap().to_string();
        let card = b.get(&format!("/contracts/{id}")).await;
        let text = as_read(&card.body);
        assert!(card.body.contains(&format!("<a href=\"/invoices/{first}\" class=\"billed\">{number}</a>")), "{text}");
        for b in &billed {
            assert!(card.body.contains(&format!("/invoices/{}", b["invoice_id"].as_str().unwrap())));
        }
        assert!(text.contains("Brouillon 3 512,53 €"), "the second quarter, a draft: {text}");
        assert_eq!(card.body.matches("class=\"planned\"").count(), 4, "2017 still to bill");
        let year_2015 = text.split("id=\"year-2015\"").nth(1).and_then(|s| s.split("</tr>").next()).unwrap_or("");
        assert!(year_2015.contains("14 207,93 €"), "2015's total: {year_2015}");

        // The year's grid: 2015's four invoices and their totals; 2017 planned, greyed.
        let grid = b.get("/contracts/grid?year=2015").await;
        assert_eq!(grid.status, 200, "{}", grid.body);
        let text = as_read(&grid.body);
        assert!(text.contains("Suivi de facturation 2015") && text.contains("RT-684"), "{text}");
        assert!(text.contains("id=\"grid-total\">14 207,93 €"), "{text}");
        assert!(text.contains("3 542,59 €") && text.contains("3 562,63 €"), "{text}");
        assert!(
            grid.body.contains("href=\"/contracts/grid?year=2014\"")
                && grid.body.contains("href=\"/contracts/grid?year=2016\"")
        );
        let grid = b.get("/contracts/grid?year=2017").await;
        assert_eq!(grid.body.matches("class=\"planned\"").count(), 4, "{}", grid.body);
        let grid = b.get("/contracts/grid?year=2019").await;
        assert!(grid.body.contains("id=\"grid-none\""), "the contract ended in 2017: {}", grid.body);

        // The list, searched and filtered.
        let list = b.get("/contracts?q=MAINTENANCE+capilog").await;
        assert!(list.body.contains(&format!("href=\"/contracts/{id}\"")), "{}", list.body);
        assert!(as_read(&list.body).contains("01/01/2017 · 3 588,52 €"), "the next billing, estimated: {}", list.body);
        assert!(b.get("/contracts?q=nulle-part").await.body.contains("id=\"no-contract\""));
        assert!(b.get("/contracts?status=terminated").await.body.contains("id=\"no-contract\""));

        // Terminated on 30 June 2017, once confirmed: July's quarter is no longer planned.
        let ask = b
            .act(
                &csrf,
                &format!("/contracts/{id}/terminate"),
                &[("date", "2017-06-30"), ("reason", "Départ du client")],
            )
            .await;
        assert_eq!(ask.status, 200, "{}", ask.body);
        assert!(ask.body.contains("id=\"confirm-form\"") && as_read(&ask.body).contains("30/06/2017"), "{}", ask.body);
        let p = b
            .act(
                &csrf,
                &format!("/contracts/{id}/terminate"),
                &[("date", "2017-06-30"), ("reason", "Départ du client"), ("confirm", "1")],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let card = b.get(&format!("/contracts/{id}")).await;
        assert!(as_read(&card.body).contains("id=\"contract-status\">Résilié"), "{}", card.body);
        assert_eq!(card.body.matches("class=\"planned\"").count(), 2, "{}", card.body);
        assert!(!card.body.contains("id=\"terminate-form\""));
        assert!(b.get("/contracts?status=terminated").await.body.contains("RT-684"));

        // Another company sees none of it.
        let other = app.other_company().await;
        let email = "autre@test.fr";
        other.store.create_user_token(other.company_id, email, facturier_store::companies::Role::Admin).await.unwrap();
        let mut o = signed_in(&other, email).await;
        assert_eq!(o.get(&format!("/contracts/{id}")).await.status, 404);
        let ocsrf = o.csrf().await;
        assert_eq!(
            o.act(&ocsrf, &format!("/contracts/{id}/terminate"), &[("date", "2017-06-30"), ("confirm", "1")])
                .await
                .status,
            404
        );
        assert!(!o.get("/contracts").await.body.contains("RT-684"));
        assert!(!o.get("/contracts/grid?year=2015").await.body.contains("RT-684"));
        assert!(o.get("/indices/SYNTEC").await.body.contains("id=\"no-value\""));
        assert!(o.get("/indices").await.body.contains("id=\"no-index\""));
    })
    .await;
}

#[tokio::test]
async fn a_refused_contract_form_keeps_what_was_typed_and_explains_in_french_and_english() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let customer = app.customer_named("Boulangerie Martin").await;
        let bad = [
            ("customer_id", customer.as_str()),
            ("title", ""),
            ("start_date", "2014-13-01"),
            ("billing.period_months", "5"),
            ("billing.mode", "advance"),
            ("lines[0].description", "Maintenance"),
            ("lines[0].quantity", "1"),
            ("lines[0].unit_price", "abc"),
            ("lines[0].vat_rate", "20"),
            ("revision.kind", "amounts"),
            ("revision.index", "SYN TEC"),
            ("revision.base_value", "239,5"),
            ("revision.amount", "2000"),
            ("revision.fixed_amount", "1500"),
            ("note", "À garder"),
        ];
        let p = b.act(&csrf, "/contracts/new", &bad).await;
        assert_eq!(p.status, 422, "{}", p.body);
        let text = as_read(&p.body);
        for id in ["title-error", "start_date-error", "billing-period_months-error", "revision-index-error"] {
            assert!(p.body.contains(&format!("id=\"{id}\"")), "{id}: {text}");
        }
        assert!(
            text.contains("value=\"Maintenance\"") && text.contains("value=\"SYN TEC\"") && text.contains("À garder"),
            "{text}"
        );
        assert!(text.contains("value=\"2014-13-01\"") && text.contains("value=\"239,5\""), "{text}");
        assert!(text.contains("<option value=\"5\"") || text.contains("5 mois"), "{text}");
        assert!(text.contains("obligatoire") && text.contains("Le formulaire contient des erreurs"), "{text}");
        assert!(
            app.get("/contracts").await.assert_status(200)["data"].as_array().unwrap().is_empty(),
            "nothing stored"
        );

        // A price that is not a number, next to its line's input.
        let mut fixed: Vec<(&str, &str)> = bad.to_vec();
        fixed.retain(|(k, _)| !matches!(*k, "title" | "start_date" | "billing.period_months" | "revision.index"));
        fixed.extend([
            ("title", "Entretien"),
            ("start_date", "2014-01-01"),
            ("billing.period_months", "3"),
            ("revision.index", "SYNTEC"),
        ]);
        let p = b.act(&csrf, "/contracts/new", &fixed).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("id=\"lines-0-unit_price-error\"") && p.body.contains("value=\"abc\""), "{}", p.body);

        // "Add a line" shows one more, keeping the rest; nothing is created.
        let mut more = fixed.clone();
        more.push(("action", "add_line"));
        let p = b.act(&csrf, "/contracts/new", &more).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("id=\"lines-1-description\"") && p.body.contains("value=\"Entretien\""), "{}", p.body);

        // In English.
        let p = b.act(&csrf, "/language", &[("lang", "en"), ("back", "/contracts/new")]).await;
        assert_eq!(p.status, 303);
        let p = b.act(&csrf, "/contracts/new", &bad).await;
        assert_eq!(p.status, 422, "{}", p.body);
        let text = as_read(&p.body);
        assert!(text.contains("is required") && text.contains("The form has errors"), "{text}");
        assert!(text.contains("Title") && text.contains("Frequency"), "{text}");
        assert!(app.get("/contracts").await.assert_status(200)["data"].as_array().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn index_values_import_from_csv_all_or_nothing_through_the_api_and_the_page() {
    each_db(|app| async move {
        // The API: a bad line or two, each named by its number; nothing written.
        let bad = "period;value\n2014-01;240\n2014-13;241\n2014-02;-1\n2014-01;242\n";
        let (status, r) = csv_import(&app, "syntec", "text/csv", bad).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!((r["created"].as_u64(), r["updated"].as_u64(), r["rows"].as_u64()), (Some(0), Some(0), Some(0)));
        let lines: Vec<(u64, &str, &str)> = r["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["line"].as_u64().unwrap(), l["field"].as_str().unwrap(), l["code"].as_str().unwrap()))
            .collect();
        assert_eq!(lines[0], (3, "period", "index_period"), "{r}");
        assert_eq!(lines[1].0, 4, "{r}");
        assert_eq!(lines[2], (5, "period", "index_csv_repeated"), "{r}");
        app.get("/indices/SYNTEC/values").await.assert_status(404);
        // A good file: created; again with a correction: updated.
        let (status, r) = csv_import(&app, "syntec", "text/csv; charset=utf-8", "2014-01,240\n2014-02,240.5\n").await;
        assert_eq!((status, r["created"].as_u64(), r["index"].as_str()), (200, Some(2), Some("SYNTEC")), "{r}");
        let (_, r) = csv_import(&app, "SYNTEC", "text/csv", "2014-02;240,7\n2014-03;241\n").await;
        assert_eq!((r["created"].as_u64(), r["updated"].as_u64()), (Some(1), Some(1)), "{r}");
        let values = app.get("/indices/SYNTEC/values").await.assert_status(200).clone();
        assert_eq!(values["data"][1]["value"], "240.7");
        assert_eq!(csv_import(&app, "SYNTEC", "application/json", "{}").await.0, 415);
        assert_eq!(csv_import(&app, "pas un code", "text/csv", "2014-01;1\n").await.0, 404);
        // Another company's import never touches this one's series.
        let other = app.other_company().await;
        let (_, r) = csv_import(&other, "SYNTEC", "text/csv", "2014-01;999\n").await;
        assert_eq!(r["created"].as_u64(), Some(1));
        assert_eq!(app.get("/indices/SYNTEC/values").await.assert_status(200)["data"][0]["value"], "240");

        // The page: a refused line named with its number, nothing imported.
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let body =
            multipart(&[("csrf", &csrf)], Some(("indices.csv", "text/csv", b"2014-04;242\n2014-05;pas un nombre\n")));
        let p = b.post_multipart("/indices/SYNTEC/import", body).await;
        assert_eq!(p.status, 422, "{}", p.body);
        let text = as_read(&p.body);
        assert!(text.contains("Fichier refusé, rien n'a été importé") && text.contains("Ligne 2 : Valeur"), "{text}");
        assert!(!p.body.contains("id=\"value-2014-04\""), "nothing imported: {}", p.body);
        let body = multipart(&[("csrf", &csrf)], None);
        assert_eq!(b.post_multipart("/indices/SYNTEC/import", body).await.status, 422, "no file");
        // The form: a bad period kept and explained; then published.
        let p = b.act(&csrf, "/indices/SYNTEC", &[("period", "2014/04"), ("value", "242")]).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("id=\"index-period-error\"") && p.body.contains("value=\"2014/04\""), "{}", p.body);
        let p = b.act(&csrf, "/indices/SYNTEC", &[("period", "2014-04"), ("value", "242,25")]).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let page = b.get("/indices/SYNTEC").await;
        assert!(as_read(&page.body).contains("242,25") && page.body.contains("id=\"value-2014-04\""), "{}", page.body);
    })
    .await;
}

/// Two lines billed by quantity, the second discounted: a whole quarter bills
/// 2 × 1 750.25 = 3 500.50 and 3 × 99.99 = 299.97 less 12.5 % (37.50) = 262.47, 3 762.97
/// in all; the first, from 1 February, 59 of 90 days: 2 × 1 147.39 = 2 294.78 and
/// 3 × 65.55 = 196.65 less 24.58 = 172.07, 2 466.85.
#[tokio::test]
async fn the_card_the_grid_and_the_list_show_what_the_invoices_bill_by_quantity() {
    use serde_json::json;
    each_db(|app| async move {
        crate::contracts::after_the_daily_run(&app).await;
        let customer = app.customer_named("Fours Martin").await;
        let mut discounted = common::line("Astreinte", "3", "99.99", "20");
        discounted["discount_percent"] = json!("12.5");
        let body = json!({
            "customer_id": customer, "reference": "QTY-2", "title": "Maintenance de deux fours",
            "start_date": "2015-02-01", "end_date": "2015-12-31",
            "billing": {"period_months": 3, "mode": "advance"},
            "lines": [common::line("Maintenance", "2", "1750.25", "20"), discounted],
        });
        let c = app.post("/contracts", body).await.assert_status(201).clone();
        let id = c["id"].as_str().unwrap();
        let run = app.post("/billing/run", json!({"date": "2015-04-01"})).await.assert_status(200).clone();
        assert_eq!(run["created"].as_array().map(Vec::len), Some(2), "{run}");
        let (first, second) = (run["created"][0].as_str().unwrap(), run["created"][1].as_str().unwrap());
        let issued = app.post(&format!("/invoices/{first}/issue"), json!({})).await.assert_status(200).clone();
        assert_eq!(issued["totals"]["net"], "2466.85");
        let number = issued["number"].as_str().unwrap();
        let draft = app.get(&format!("/invoices/{second}")).await.assert_status(200).clone();
        assert_eq!(draft["totals"]["net"], "3762.97");

        let mut b = signed_in(&app, ADMIN).await;
        // The year's grid: February's invoice with its amount, April's draft, July and
        // October planned; the totals add them up: 2 466.85 + 3 × 3 762.97 = 13 755.76.
        let grid = b.get("/contracts/grid?year=2015").await;
        assert_eq!(grid.status, 200, "{}", grid.body);
        let text = as_read(&grid.body);
        assert!(
            text.contains(&format!("class=\"billed\">{number}</a> <small class=\"billed-amount\">2 466,85 €</small>")),
            "{text}"
        );
        assert!(text.contains("Brouillon 3 762,97 €"), "{text}");
        assert_eq!(text.matches("<span class=\"planned\">3 762,97 €</span>").count(), 2, "{text}");
        let totals = text.split("<tfoot>").nth(1).unwrap_or("");
        let months: Vec<&str> =
            totals.split("<td class=\"num\">").skip(1).map(|m| m.split('<').next().unwrap_or("")).collect();
        assert_eq!(&months[..4], ["0,00 €", "2 466,85 €", "0,00 €", "3 762,97 €"], "{totals}");
        assert!(text.contains("id=\"grid-total\">13 755,76 €"), "{text}");

        // The card: the same cells, and the coming billings at the invoice's net.
        let card = b.get(&format!("/contracts/{id}")).await;
        let text = as_read(&card.body);
        let year = text.split("id=\"year-2015\"").nth(1).and_then(|s| s.split("</tr>").next()).unwrap_or("");
        assert!(year.contains("13 755,76 €") && year.contains("2 466,85 €"), "{year}");
        let coming = text.split("id=\"schedule\"").nth(1).and_then(|s| s.split("</tr>").nth(1)).unwrap_or("");
        assert!(coming.contains("01/07/2015") && coming.contains("3 762,97 €"), "{text}");
        assert!(!text.contains("1 850,24"), "never the sum of the unit prices: {text}");

        // The list: the next billing and the price of a whole period.
        let list = b.get("/contracts").await;
        let text = as_read(&list.body);
        assert!(text.contains("01/07/2015 · 3 762,97 €"), "{text}");
        assert!(text.contains("data-label=\"Montant HT par période\">3 762,97 €</td>"), "{text}");
    })
    .await;
}

//! Accounting exports in the web app over HTTP, on SQLite and PostgreSQL: the form
//! proposes the fiscal year, a refused journal code comes back next to its input with
//! what was typed kept, a run is recorded and listed with its file, which downloads as
//! the API's; nothing new is said so; a re-export is flagged; English labels.

use crate::common;

use common::web_client::{ADMIN, as_read, signed_in};
use common::{each_db, line};

#[tokio::test]
async fn a_user_exports_the_new_entries_downloads_the_file_and_re_exports() {
    each_db(|app| async move {
        let y = time::OffsetDateTime::now_utc().year();
        let martin = app.customer_named("Boulangerie Martin").await;
        app.issued_invoice(&martin, &[line("Farine T65", "2", "100", "20")]).await;
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;

        let p = b.get("/exports").await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains(&format!("value=\"{y}-01-01\"")) && p.body.contains("id=\"no-export\""), "{}", p.body);
        assert!(p.body.contains("id=\"nav-exports\""));

        let (from, to) = (format!("{y}-01-01"), format!("{y}-12-31"));
        let bad = [("from", from.as_str()), ("to", to.as_str()), ("format", "fec"), ("journals", "VE, ventes")];
        let p = b.act(&csrf, "/exports", &bad).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("id=\"journals-error\"") && p.body.contains("value=\"VE, ventes\""), "{}", p.body);

        let good = [("from", from.as_str()), ("to", to.as_str()), ("format", "fec"), ("journals", "VE")];
        let p = b.act(&csrf, "/exports", &good).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let list = b.get("/exports").await;
        assert!(as_read(&list.body).contains(&format!("552100554FEC{y}1231.txt")), "{}", list.body);
        let run = app.get("/exports").await.assert_status(200)["data"][0].clone();
        let href = format!("/exports/{}/file", run["id"].as_str().unwrap());
        assert!(list.body.contains(&href));
        let file = b.get(&href).await;
        assert_eq!(file.status, 200);
        let (api_status, api_bytes) = {
            let r = app.http.get(format!("{}{href}", app.base)).bearer_auth(&app.token).send().await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
        };
        assert_eq!((api_status, file.bytes.clone()), (200, api_bytes), "the same bytes as the API's");

        // Nothing new: said next to the period; a re-export is flagged in the history.
        let p = b.act(&csrf, "/exports", &good).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("id=\"from-error\""), "{}", p.body);
        let again =
            [("from", from.as_str()), ("to", to.as_str()), ("format", "csv"), ("journals", ""), ("reexport", "on")];
        assert_eq!(b.act(&csrf, "/exports", &again).await.status, 303);
        let list = b.get("/exports").await;
        assert!(as_read(&list.body).contains("Réexport") && list.body.contains("-reexport-2.csv"), "{}", list.body);

        // Another company sees none of it.
        let other = app.other_company().await;
        assert!(other.get("/exports").await.assert_status(200)["data"].as_array().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_admin_sets_the_chart_and_the_fiscal_year_in_the_accounting_settings() {
    each_db(|app| async move {
        let mut b = signed_in(&app, ADMIN).await;
        let csrf = b.csrf().await;
        let p = b.get("/settings/accounting").await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(p.body.contains("value=\"706000\"") && p.body.contains("id=\"tab-accounting\""), "{}", p.body);
        // A wrong account is refused as the API refuses it, what was typed kept.
        let bad = [("accounting.services", "ABC"), ("accounting.fiscal_year_start_month", "7")];
        let p = b.act(&csrf, "/settings/accounting", &bad).await;
        assert_eq!(p.status, 422, "{}", p.body);
        assert!(p.body.contains("value=\"ABC\"") && p.body.contains("id=\"errors\""), "{}", p.body);
        let good = [
            ("accounting.customers", "411000"),
            ("accounting.goods", "707000"),
            ("accounting.services", "706100"),
            ("accounting.charges", "708500"),
            ("accounting.discounts", "709000"),
            ("accounting.deposits", "419100"),
            ("accounting.vat_collected", "445710"),
            ("accounting.vat_pending", "445741"),
            ("accounting.vat_on_collection_for_services", "on"),
            ("accounting.sales_journal.code", "VT"),
            ("accounting.sales_journal.label", "Ventes France"),
            ("accounting.bank.journal.code", "BQ1"),
            ("accounting.bank.account", "512100"),
            ("accounting.fiscal_year_start_month", "7"),
            ("accounting.csv.columns", "date, account, debit, credit"),
            ("accounting.csv.separator", "tab"),
            ("accounting.csv.decimal_mark", "."),
            ("accounting.csv.date_format", "JJ/MM/AAAA"),
            ("accounting.csv.encoding", "iso-8859-15"),
        ];
        let p = b.act(&csrf, "/settings/accounting", &good).await;
        assert_eq!(p.status, 303, "{}", p.body);
        let s = app.get("/settings").await.assert_status(200)["accounting"].clone();
        assert_eq!((s["services"].as_str(), s["sales_journal"]["code"].as_str()), (Some("706100"), Some("VT")));
        assert_eq!((s["bank"]["account"].as_str(), s["fiscal_year_start_month"].as_i64()), (Some("512100"), Some(7)));
        assert_eq!(s["methods"][0]["method"], "cash", "what the page does not show is kept");
        assert_eq!((s["vat_pending"].as_str(), s["vat_on_collection_for_services"].as_bool()), (Some("445741"), Some(true)));
        assert_eq!(
            s["csv"],
            serde_json::json!({"columns": ["date", "account", "debit", "credit"], "separator": "tab", "decimal_mark": ".",
                "date_format": "JJ/MM/AAAA", "header": false, "encoding": "iso-8859-15"})
        );
        let p = b.get("/settings/accounting").await;
        assert!(p.body.contains("<option value=\"7\" selected>"), "{}", p.body);
        assert!(p.body.contains("name=\"accounting.vat_on_collection_for_services\" value=\"on\" aria-describedby=\"collection-help\" checked>"), "{}", p.body);
    })
    .await;
}

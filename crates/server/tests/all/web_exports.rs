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

//! Legal numbering under concurrency: many clients issuing at once get contiguous,
//! unique numbers, and the seal chain stays intact.

use crate::common;

use common::{each_db, line};
use facturier_store::documents::ChainReport;
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_issuing_at_once_get_contiguous_unique_numbers() {
    each_db(|app| async move {
        let customer = app.customer().await;
        const CLIENTS: usize = 8;
        const EACH: usize = 12;
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let app = app.clone();
            let customer = customer.clone();
            tasks.push(tokio::spawn(async move {
                let mut numbers = Vec::new();
                for _ in 0..EACH {
                    let inv = app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
                    let id = inv["id"].as_str().unwrap();
                    let r = app.post(&format!("/invoices/{id}/issue"), json!({})).await;
                    numbers.push(r.assert_status(200)["number"].as_str().unwrap().to_string());
                }
                numbers
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let unique: BTreeSet<_> = all.iter().cloned().collect();
        assert_eq!(unique.len(), CLIENTS * EACH, "no duplicate number");
        let year = time::OffsetDateTime::now_utc().year();
        let expected: BTreeSet<_> = (1..=CLIENTS * EACH).map(|n| format!("F{year}-{n:05}")).collect();
        assert_eq!(unique, expected, "numbers are 1..N without a gap");
        assert_eq!(
            app.store.verify_chain(app.company_id).await.unwrap(),
            ChainReport::Intact { documents: (CLIENTS * EACH) as u64 }
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issuing_the_same_draft_twice_at_once_issues_it_once() {
    each_db(|app| async move {
        let customer = app.customer().await;
        let inv = app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
        let id = inv["id"].as_str().unwrap().to_string();
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let app = app.clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move { app.post(&format!("/invoices/{id}/issue"), json!({})).await.status }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        statuses.sort();
        assert_eq!(statuses, vec![200, 409, 409, 409, 409, 409]);
        // The next invoice gets number 2: nothing was burnt by the refused attempts.
        let next = app.issued_invoice(&customer, &[line("x", "1", "1", "20")]).await;
        assert!(next["number"].as_str().unwrap().ends_with("-00002"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_issues_among_concurrent_ones_burn_no_number_and_change_nothing() {
    each_db(|app| async move {
        let customer = app.customer().await;
        const CLIENTS: usize = 8;
        const EACH: usize = 6;
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let app = app.clone();
            let customer = customer.clone();
            tasks.push(tokio::spawn(async move {
                let (mut numbers, mut refused) = (Vec::new(), Vec::new());
                for _ in 0..EACH {
                    // A draft without lines cannot be issued; it is refused among the others.
                    let empty = app.draft_invoice(&customer, &[]).await;
                    let full = app.draft_invoice(&customer, &[line("Pose", "1", "100", "20")]).await;
                    let (empty, full) = (empty["id"].as_str().unwrap(), full["id"].as_str().unwrap());
                    let (refuse, accept) = (format!("/invoices/{empty}/issue"), format!("/invoices/{full}/issue"));
                    let (no, yes) = tokio::join!(app.post(&refuse, json!({})), app.post(&accept, json!({})));
                    no.assert_status(409);
                    numbers.push(yes.assert_status(200)["number"].as_str().unwrap().to_string());
                    refused.push(empty.to_string());
                }
                (numbers, refused)
            }));
        }
        let (mut numbers, mut refused) = (BTreeSet::new(), Vec::new());
        for t in tasks {
            let (n, r) = t.await.unwrap();
            numbers.extend(n);
            refused.extend(r);
        }
        let year = time::OffsetDateTime::now_utc().year();
        let expected: BTreeSet<_> = (1..=CLIENTS * EACH).map(|n| format!("F{year}-{n:05}")).collect();
        assert_eq!(numbers, expected, "numbers are 1..N without a gap or a duplicate");
        for id in &refused {
            let d = app.get(&format!("/invoices/{id}")).await;
            let d = d.assert_status(200);
            assert_eq!((d["status"].as_str(), d["number"].as_str()), (Some("draft"), None));
            let events: Vec<&str> =
                d["history"].as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
            assert_eq!(events, ["created"], "a refused issue leaves no trace in the history");
        }
        assert_eq!(
            app.store.verify_chain(app.company_id).await.unwrap(),
            ChainReport::Intact { documents: (CLIENTS * EACH) as u64 }
        );
    })
    .await;
}

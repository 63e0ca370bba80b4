//! The job queue and its runner on SQLite and PostgreSQL: concurrent claimers never get
//! the same job, failures back off and end, a dead runner's lease runs out, keys
//! deduplicate, the daily housekeeping runs once and purges, e-mails become jobs, and the
//! jobs page (administrators only) lists failed jobs with their error and runs one again.

use crate::common;

use common::smtp::wait_until;
use common::web_client::{Browser, csrf_of, with_password};
use common::{TestApp, each_db};
use facturier_store::Store;
use facturier_store::companies::Role;
use facturier_store::import_uploads::UploadTarget;
use facturier_store::jobs::{EMAIL_SEND, Job, JobQuery, JobState, NewJob, Purge, Retry};
use facturier_store::outbox::NewEmail;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;
use uuid::Uuid;

/// A kind no runner handles: the tests drive its jobs through the store by hand.
const KIND: &str = "test.by_hand";

async fn by_hand(app: &TestApp, payload: serde_json::Value) -> Uuid {
    let job = NewJob::now(KIND, Some(app.company_id), payload);
    app.store.enqueue_job(&job).await.unwrap().expect("a new job")
}

async fn job(store: &Store, id: Uuid) -> Job {
    store.job(None, id).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_claimers_never_get_the_same_job() {
    each_db(|app| async move {
        let mut queued = BTreeSet::new();
        let mut tx = app.store.begin().await.unwrap();
        for i in 0..200 {
            let job = NewJob::now(KIND, Some(app.company_id), json!({ "n": i }));
            queued.insert(facturier_store::jobs::enqueue_in(&mut tx, &job).await.unwrap().unwrap());
        }
        tx.commit().await.unwrap();
        let claimers: Vec<_> = (0..8)
            .map(|c| {
                let store = app.store.clone();
                tokio::spawn(async move {
                    let owner = format!("claimer {c}");
                    let mut mine = Vec::new();
                    loop {
                        let batch = store.claim_jobs(&[KIND], &owner, 7, Duration::from_secs(300)).await.unwrap();
                        if batch.is_empty() {
                            return mine;
                        }
                        for j in batch {
                            assert_eq!(
                                (j.state, j.attempts, j.lease_owner.as_deref()),
                                (JobState::Running, 1, Some(owner.as_str()))
                            );
                            mine.push(j.id);
                        }
                    }
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for c in claimers {
            claimed.extend(c.await.unwrap());
        }
        assert_eq!(claimed.len(), 200, "each job claimed exactly once");
        assert_eq!(claimed.iter().copied().collect::<BTreeSet<_>>(), queued);
        assert!(app.store.claim_jobs(&[KIND], "late", 10, Duration::from_secs(300)).await.unwrap().is_empty());
        // Another kind's claimer sees none of them.
        let other = NewJob::now("test.other", Some(app.company_id), json!({}));
        let other = app.store.enqueue_job(&other).await.unwrap().unwrap();
        let got = app.store.claim_jobs(&["test.other"], "x", 10, Duration::from_secs(300)).await.unwrap();
        assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), [other]);
    })
    .await;
}

#[tokio::test]
async fn a_failing_job_backs_off_then_fails_for_good_and_a_dead_runners_lease_runs_out() {
    each_db(|app| async move {
        let retry = Retry { base: Duration::from_millis(300), max_delay: Duration::from_secs(60), max_attempts: 3 };
        let id = by_hand(&app, json!({})).await;
        let claim = |owner: &'static str, lease: Duration| {
            let store = app.store.clone();
            async move { store.claim_jobs(&[KIND], owner, 1, lease).await.unwrap() }
        };
        let long = Duration::from_secs(300);
        assert_eq!(claim("a", long).await.len(), 1);
        assert_eq!(app.store.job_failed(id, "a", "SMTP 451", false, &retry).await.unwrap(), Some(JobState::Pending));
        let j = job(&app.store, id).await;
        assert_eq!((j.state, j.last_error.as_deref()), (JobState::Pending, Some("SMTP 451")));
        assert!(j.due_at > time::OffsetDateTime::now_utc() + time::Duration::milliseconds(100), "backs off 300 ms");
        assert!(claim("a", long).await.is_empty(), "not due yet");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(claim("a", long).await.len(), 1);
        // Only the holder records an outcome.
        assert_eq!(app.store.job_failed(id, "b", "x", false, &retry).await.unwrap(), None);
        assert!(!app.store.complete_job(id, "b").await.unwrap());
        app.store.job_failed(id, "a", "SMTP 451 again", false, &retry).await.unwrap();
        assert!(
            job(&app.store, id).await.due_at > time::OffsetDateTime::now_utc() + time::Duration::milliseconds(400),
            "twice the base"
        );

        // A runner that claims and dies: once its lease runs out the job is claimed again,
        // the lost run counted.
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(claim("dead", Duration::from_millis(200)).await.len(), 1);
        assert!(claim("b", long).await.is_empty(), "still leased");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(app.store.release_expired_leases().await.unwrap(), 1);
        assert_eq!(job(&app.store, id).await.state, JobState::Pending, "shown waiting again");
        let again = claim("b", long).await;
        assert_eq!((again.len(), again[0].attempts), (1, 4), "the lost attempt counts");
        // Its attempts used up: failed for good, finished, kept with its error.
        assert_eq!(
            app.store.job_failed(id, "b", "SMTP 554 refused", false, &retry).await.unwrap(),
            Some(JobState::Failed)
        );
        let dead = job(&app.store, id).await;
        assert_eq!((dead.state, dead.last_error.as_deref()), (JobState::Failed, Some("SMTP 554 refused")));
        assert!(dead.finished_at.is_some());
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(claim("b", long).await.is_empty(), "a failed job is not claimed");
        let listed = app.store.jobs(&JobQuery { company_id: Some(app.company_id), failed_only: true, limit: 10 }).await;
        assert_eq!(listed.unwrap().iter().map(|j| j.id).collect::<Vec<_>>(), [id]);

        // Run again by hand: from its first attempt, at once; a permanent error ends it at once.
        let retried = app.store.retry_job(Some(app.company_id), id).await.unwrap();
        assert_eq!((retried.state, retried.attempts), (JobState::Pending, 0));
        assert_eq!(claim("c", long).await.len(), 1);
        assert_eq!(
            app.store.job_failed(id, "c", "no such address", true, &retry).await.unwrap(),
            Some(JobState::Failed)
        );
        assert!(app.store.complete_job(id, "c").await.is_ok_and(|done| !done), "not held any more");
        // Another company's administrator cannot touch it.
        let other = app.other_company().await;
        assert!(app.store.retry_job(Some(other.company_id), id).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn a_key_makes_a_job_unique_even_in_the_callers_transaction() {
    each_db(|app| async move {
        let daily = || NewJob::now(KIND, None, json!({})).deduplicated("test.by_hand:2026-12-06".into());
        let first = app.store.enqueue_job(&daily()).await.unwrap();
        assert!(first.is_some());
        assert_eq!(app.store.enqueue_job(&daily()).await.unwrap(), None, "the same key: nothing written");
        let mut tx = app.store.begin().await.unwrap();
        assert_eq!(facturier_store::jobs::enqueue_in(&mut tx, &daily()).await.unwrap(), None);
        // The transaction is still usable: the duplicate did not abort it.
        let other = NewJob::now(KIND, Some(app.company_id), json!({}));
        assert!(facturier_store::jobs::enqueue_in(&mut tx, &other).await.unwrap().is_some());
        tx.commit().await.unwrap();
        let all = app.store.jobs(&JobQuery { limit: 100, ..JobQuery::default() }).await.unwrap();
        assert_eq!(all.iter().filter(|j| j.kind == KIND).count(), 2);
        // A company's list leaves system jobs out.
        let mine = JobQuery { company_id: Some(app.company_id), limit: 100, ..JobQuery::default() };
        assert!(app.store.jobs(&mine).await.unwrap().iter().all(|j| j.company_id == Some(app.company_id)));
    })
    .await;
}

#[tokio::test]
async fn the_daily_housekeeping_runs_once_a_day_across_servers_and_purges_what_expired() {
    each_db(|app| async move {
        let today = time::OffsetDateTime::now_utc().date();
        let key = format!("housekeeping.purge:{today}");
        let housekeeping = |store: Store| async move {
            let all = store.jobs(&JobQuery { limit: 1000, ..JobQuery::default() }).await.unwrap();
            all.into_iter().filter(|j| j.kind == "housekeeping.purge").collect::<Vec<_>>()
        };
        let done = wait_until("the day's housekeeping", || {
            let store = app.store.clone();
            async move { housekeeping(store).await.into_iter().find(|j| j.state == JobState::Done) }
        })
        .await;
        assert_eq!((done.company_id, done.dedup_key.as_deref()), (None, Some(key.as_str())));
        // A second server on the same database schedules nothing more today.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        drop(tokio::spawn(facturier_server::serve(app.store.clone(), listener)));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(housekeeping(app.store.clone()).await.len(), 1);

        // What the housekeeping removes: past its lifetime only.
        let old = by_hand(&app, json!({})).await;
        app.store.claim_jobs(&[KIND], "t", 1, Duration::from_secs(60)).await.unwrap();
        assert!(app.store.complete_job(old, "t").await.unwrap());
        let at = facturier_store::now();
        let day = time::Duration::days(1);
        let upload = app
            .store
            .save_import_upload(app.company_id, UploadTarget::Customers, "clients.csv", "csv", b"name\nA\n")
            .await
            .unwrap();
        let purge = |before| Purge {
            now: at,
            sessions_idle_since: at - time::Duration::hours(2),
            password_links_before: at - day,
            attempts_before: at - day,
            idempotency_before: at - day,
            jobs_done_before: before,
            import_uploads_before: before,
        };
        let kept = app.store.purge_expired(&purge(at - time::Duration::days(30))).await.unwrap();
        assert_eq!((kept.jobs, kept.import_uploads), (0, 0), "a job done now is kept a month, a file sent now too");
        assert!(app.store.import_upload(app.company_id, upload).await.is_ok());
        let purged = app.store.purge_expired(&purge(at + time::Duration::seconds(1))).await.unwrap();
        // Ours and the day's job of each daily kind (the housekeeping, the dunning run), all done.
        let daily = facturier_server::jobs::KINDS.iter().filter(|k| k.daily).count() as u64;
        assert_eq!(purged.jobs, 1 + daily, "ours and the day's daily jobs, all done");
        assert_eq!(purged.import_uploads, 1);
        assert!(app.store.job(None, old).await.is_err());
        assert!(app.store.import_upload(app.company_id, upload).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn an_e_mail_is_queued_with_its_job_which_waits_while_no_smtp_server_is_configured() {
    each_db(|app| async move {
        let to = vec!["compta@exemple.fr".to_string()];
        let mail = NewEmail {
            company_id: app.company_id,
            document_id: None,
            sender: None,
            sender_name: "Test SARL",
            to: &to,
            cc: &[],
            subject: "Relevé",
            body: "x",
            attachment: None,
        };
        let e = app.store.enqueue_email(&mail).await.unwrap();
        let query = JobQuery { company_id: Some(app.company_id), limit: 10, ..JobQuery::default() };
        let jobs = app.store.jobs(&query).await.unwrap();
        let sending: Vec<_> = jobs.iter().filter(|j| j.kind == EMAIL_SEND).collect();
        assert_eq!(sending.len(), 1);
        assert_eq!(sending[0].payload_id("email_id").unwrap(), e.id);
        assert_eq!(sending[0].dedup_key.as_deref(), Some(format!("email.send:{}", e.id).as_str()));
        // No SMTP server: the runner leaves it, the message waits.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(job(&app.store, sending[0].id).await.state, JobState::Pending);
        assert_eq!(app.store.email(app.company_id, e.id).await.unwrap().attempts, 0);
    })
    .await;
}

#[tokio::test]
async fn the_jobs_page_shows_failed_jobs_with_their_error_and_runs_one_again_for_administrators_only() {
    each_db(|app| async move {
        let retry = Retry { base: Duration::from_secs(1), max_delay: Duration::from_secs(1), max_attempts: 1 };
        let failed = by_hand(&app, json!({})).await;
        app.store.claim_jobs(&[KIND], "t", 1, Duration::from_secs(60)).await.unwrap();
        let error = "the SMTP server refused <every> recipient";
        app.store.job_failed(failed, "t", error, false, &retry).await.unwrap();
        let waiting = by_hand(&app, json!({})).await;

        with_password(&app, "admin@test.fr").await;
        let mut admin = Browser::new(&app);
        admin.sign_in_as("admin@test.fr").await;
        let home = admin.get("/").await;
        assert!(home.body.contains(r#"href="/jobs" id="nav-jobs""#), "linked among the administration pages");
        let page = admin.get("/jobs").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!(r#"id="failed-job-{failed}""#)), "{}", page.body);
        assert!(
            page.body.contains("the SMTP server refused &lt;every&gt; recipient")
                || page.body.contains("&#60;every&#62;")
        );
        assert!(page.body.contains(&format!(r#"id="job-{waiting}" class="job-pending""#)));
        assert!(page.body.contains("Tâches de fond") && page.body.contains("Relancer"));
        assert!(page.body.contains("table-wrap"), "scrolls inside its box on a phone");

        // Run again: POST with the session's CSRF token.
        let csrf = csrf_of(&page.body);
        let forged = admin.post(&format!("/jobs/{failed}/retry"), &[("csrf", "wrong")]).await;
        assert_eq!(forged.status, 403);
        assert_eq!(job(&app.store, failed).await.state, JobState::Failed);
        let done = admin.act(&csrf, &format!("/jobs/{failed}/retry"), &[]).await;
        assert_eq!((done.status, done.location.as_str()), (303, "/jobs?done=retried"));
        let j = job(&app.store, failed).await;
        assert_eq!((j.state, j.attempts), (JobState::Pending, 0));
        let after = admin.get("/jobs?done=retried").await;
        assert!(after.body.contains(r#"id="notice""#) && after.body.contains(r#"id="no-failed-jobs""#));

        // English.
        admin.act(&csrf, "/language", &[("lang", "en"), ("back", "/jobs")]).await;
        let en = admin.get("/jobs").await;
        assert!(en.body.contains("Background jobs"), "{}", en.body);

        // Anyone else: refused, nothing changed.
        app.store.claim_jobs(&[KIND], "t", 10, Duration::from_secs(60)).await.unwrap();
        app.store.job_failed(failed, "t", error, true, &retry).await.unwrap();
        app.store.create_user_token(app.company_id, "ventes@test.fr", Role::Sales).await.unwrap();
        with_password(&app, "ventes@test.fr").await;
        let mut sales = Browser::new(&app);
        let sales_csrf = sales.sign_in_as("ventes@test.fr").await;
        assert!(!sales.get("/").await.body.contains("nav-jobs"));
        assert_eq!(sales.get("/jobs").await.status, 403);
        assert_eq!(sales.act(&sales_csrf, &format!("/jobs/{failed}/retry"), &[]).await.status, 403);
        assert_eq!(job(&app.store, failed).await.state, JobState::Failed);
        // Another company's administrator does not see it, nor retries it.
        let other = app.other_company().await;
        with_password(&other, "boss@other.fr").await;
        let mut boss = Browser::new(&other);
        let boss_csrf = boss.sign_in_as("boss@other.fr").await;
        assert!(!boss.get("/jobs").await.body.contains(&failed.to_string()));
        assert_eq!(boss.act(&boss_csrf, &format!("/jobs/{failed}/retry"), &[]).await.status, 404);
        assert_eq!(job(&app.store, failed).await.state, JobState::Failed);
    })
    .await;
}

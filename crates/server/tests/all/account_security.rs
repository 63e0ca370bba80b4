//! The account attacks of the security review (issue 18), replayed on SQLite and
//! PostgreSQL: another company's admin adding an existing user, reset links built from
//! a hostile `Host`, sign-in bursts racing the rate limit, a lock-out kept going by
//! someone who only knows the address, unbounded "forgot password" mails, and sign-in
//! redirects with a tab or a line break.

use crate::common;

use common::web_client::*;
use common::*;
use facturier_store::Store;
use facturier_store::companies::Role;
use std::time::{Duration, Instant};
use uuid::Uuid;

async fn scalar(store: &Store, sql: &str, id: Option<Uuid>) -> i64 {
    let q = sqlx::AssertSqlSafe(sql.to_string());
    match (store, id) {
        (Store::Sqlite(p, _), Some(id)) => sqlx::query_scalar(q).bind(id).fetch_one(p).await,
        (Store::Sqlite(p, _), None) => sqlx::query_scalar(q).fetch_one(p).await,
        (Store::Postgres(p), Some(id)) => sqlx::query_scalar(q).bind(id).fetch_one(p).await,
        (Store::Postgres(p), None) => sqlx::query_scalar(q).fetch_one(p).await,
    }
    .unwrap()
}

/// Every message of the outbox: recipients and body, oldest first.
async fn outbox(store: &Store) -> Vec<(String, String)> {
    let sql = "SELECT recipients, body FROM outbox ORDER BY id";
    match store {
        Store::Sqlite(p, _) => sqlx::query_as(sql).fetch_all(p).await,
        Store::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
    }
    .unwrap()
}

/// The company the browser's session shows.
async fn current_company(b: &mut Browser) -> String {
    let page = b.get("/").await;
    assert_eq!(page.status, 200);
    let marker = r#"<option value=""#;
    let selected = page
        .body
        .split(marker)
        .skip(1)
        .find(|o| o.split('>').next().unwrap_or_default().contains(" selected"))
        .map(|o| o.split('>').nth(1).unwrap_or_default().split('<').next().unwrap_or_default().to_string());
    selected.unwrap_or_else(|| {
        let at = page.body.find(r#"<span class="company">"#).expect("the company's name") + 22;
        page.body[at..].split('<').next().unwrap().to_string()
    })
}

#[tokio::test]
async fn an_existing_account_is_only_invited_and_joins_when_it_accepts() {
    each_db(|app| async move {
        // The victim: the admin of another company, with a password of their own.
        let victim_co = app
            .store
            .create_company("Zeta SAS", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "boss@zeta.fr")
            .await
            .unwrap();
        with_password(&app, "boss@zeta.fr").await;
        let victim_id = app.store.login_user("boss@zeta.fr").await.unwrap().unwrap().user_id;
        let resets = "SELECT COUNT(*) FROM password_resets WHERE user_id = $1";
        let mut attacker = signed_in(&app, "admin@test.fr").await;

        let added = attacker.submit("/users", &[("email", "BOSS@zeta.fr"), ("role", "admin"), ("password", "")]).await;
        assert_eq!((added.status, added.location.as_str()), (303, "/users?done=invitation_sent"));
        // No membership, no password link: only a mail that says where to answer.
        assert_eq!(app.store.memberships(victim_id).await.unwrap().len(), 1);
        assert!(app.store.members(app.company_id).await.unwrap().iter().all(|m| m.user_id != victim_id));
        assert_eq!(scalar(&app.store, resets, Some(victim_id)).await, 0);
        let (to, body) = outbox(&app.store).await.pop().expect("the invitation mail");
        assert_eq!(to, r#"["boss@zeta.fr"]"#);
        assert!(body.contains("/invitations") && !body.contains("token"), "{body}");
        assert!(body.contains("Test SARL") && body.contains("admin@test.fr"), "{body}");
        // An initial password typed by the other admin is not set on an existing account.
        let with_pw = attacker
            .submit("/users", &[("email", "boss@zeta.fr"), ("role", "sales"), ("password", "choisi par un autre")])
            .await;
        assert_eq!(with_pw.location, "/users?done=invitation_sent");
        let mut other = Browser::new(&app);
        assert_eq!(other.sign_in("boss@zeta.fr", "choisi par un autre").await.status, 401);
        let users = attacker.get("/users").await;
        assert!(users.body.contains(r#"id="pending-invitations""#) && users.body.contains("boss@zeta.fr"));

        // The victim still lands in their own company and sees the invitation.
        let mut victim = Browser::new(&app);
        assert_eq!(victim.sign_in("boss@zeta.fr", PASSWORD).await.status, 303);
        assert_eq!(current_company(&mut victim).await, "Zeta SAS");
        let home = victim.get("/").await;
        assert!(home.body.contains(r#"id="nav-invitations""#), "the invitation is shown");
        let list = victim.get("/invitations").await;
        assert!(list.body.contains("Test SARL"), "{}", list.body);
        let id = list.body.split(r#"id="invitation-"#).nth(1).unwrap().split('"').next().unwrap().to_string();

        // Nobody else can answer it: not the inviting admin, not another user.
        let csrf = attacker.csrf().await;
        let stolen = attacker.act(&csrf, &format!("/invitations/{id}/accept"), &[]).await;
        assert_eq!(stolen.location, "/invitations?done=gone");
        assert_eq!(app.store.memberships(victim_id).await.unwrap().len(), 1);

        // Accepted: a member with the role offered, working in that company now.
        let csrf = victim.csrf().await;
        let accepted = victim.act(&csrf, &format!("/invitations/{id}/accept"), &[]).await;
        assert_eq!((accepted.status, accepted.location.as_str()), (303, "/"));
        let member = app.store.members(app.company_id).await.unwrap().into_iter().find(|m| m.user_id == victim_id);
        assert_eq!(member.map(|m| m.role), Some(Role::Sales), "the last invitation's role");
        assert_eq!(current_company(&mut victim).await, "Test SARL");
        let again = victim.act(&csrf, &format!("/invitations/{id}/accept"), &[]).await;
        assert_eq!(again.location, "/invitations?done=gone", "an invitation is answered once");

        // Back in their own company, the next sign-in lands there, whatever the names' order.
        let zeta = victim_co.company_id.to_string();
        assert_eq!(victim.act(&csrf, "/company", &[("company_id", &zeta)]).await.status, 303);
        let mut next_day = Browser::new(&app);
        assert_eq!(next_day.sign_in("boss@zeta.fr", PASSWORD).await.status, 303);
        assert_eq!(current_company(&mut next_day).await, "Zeta SAS");
    })
    .await;
}

async fn invite(admin: &mut Browser) {
    let r = admin.submit("/users", &[("email", "boss@zeta.fr"), ("role", "sales"), ("password", "")]).await;
    assert_eq!(r.location, "/users?done=invitation_sent");
}

#[tokio::test]
async fn an_invitation_can_be_declined_withdrawn_and_expires() {
    each_db(|app| async move {
        app.store
            .create_company("Zeta SAS", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "boss@zeta.fr")
            .await
            .unwrap();
        let victim_id = app.store.login_user("boss@zeta.fr").await.unwrap().unwrap().user_id;
        let mut admin = signed_in(&app, "admin@test.fr").await;
        let mut victim = signed_in(&app, "boss@zeta.fr").await;
        let pending_id = |app: &TestApp| {
            let store = app.store.clone();
            async move {
                let list = store.invitations_for_user(victim_id, facturier_store::now()).await.unwrap();
                list.first().map(|i| i.id)
            }
        };

        invite(&mut admin).await;
        let id = pending_id(&app).await.expect("pending");
        let csrf = victim.csrf().await;
        let declined = victim.act(&csrf, &format!("/invitations/{id}/decline"), &[("confirm", "1")]).await;
        assert_eq!(declined.location, "/invitations?done=declined");
        assert_eq!(pending_id(&app).await, None);
        assert_eq!(app.store.memberships(victim_id).await.unwrap().len(), 1);

        invite(&mut admin).await;
        let id = pending_id(&app).await.expect("pending");
        let csrf = admin.csrf().await;
        let withdrawn = admin.act(&csrf, &format!("/users/invitations/{id}/cancel"), &[("confirm", "1")]).await;
        assert_eq!(withdrawn.location, "/users?done=invitation_cancelled");
        let csrf = victim.csrf().await;
        assert_eq!(
            victim.act(&csrf, &format!("/invitations/{id}/accept"), &[]).await.location,
            "/invitations?done=gone"
        );

        // Past its expiry an invitation is neither listed nor accepted.
        invite(&mut admin).await;
        let id = pending_id(&app).await.expect("pending");
        let later = facturier_store::now() + facturier_store::members::INVITATION_VALID;
        assert!(app.store.invitations_for_user(victim_id, later).await.unwrap().is_empty());
        assert!(app.store.accept_invitation(victim_id, id, later).await.is_err());
        assert_eq!(app.store.memberships(victim_id).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn links_in_mails_never_come_from_the_request_host() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let own = app.base.trim_end_matches("/api/v1").to_string();
        let mut hostile = Browser::new(&app)
            .with_header("host", "evil.example")
            .with_header("x-forwarded-host", "evil.example")
            .with_header("x-forwarded-proto", "https");
        let form = hostile.get("/password/forgot").await;
        assert_eq!(form.status, 200);
        let csrf = csrf_of(&form.body);
        let sent =
            hostile.post("/password/forgot", &[("csrf", &csrf), ("email", "admin@test.fr"), ("lang", "fr")]).await;
        assert_eq!(sent.status, 200);
        let deadline = Instant::now() + Duration::from_secs(10);
        while outbox(&app.store).await.is_empty() {
            assert!(Instant::now() < deadline, "no reset mail queued");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (_, body) = outbox(&app.store).await.pop().unwrap();
        assert!(!body.contains("evil.example"), "{body}");
        assert!(body.contains(&format!("{own}/password/reset")), "{body}");

        // The invitation mail's link too.
        app.store
            .create_company("Zeta SAS", &"FR".parse().unwrap(), "EUR".parse().unwrap(), "boss@zeta.fr")
            .await
            .unwrap();
        let mut admin = Browser::new(&app).with_header("host", "evil.example");
        assert_eq!(admin.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        admin.submit("/users", &[("email", "boss@zeta.fr"), ("role", "sales"), ("password", "")]).await;
        let (_, body) = outbox(&app.store).await.pop().unwrap();
        assert!(body.contains(&format!("{own}/invitations")) && !body.contains("evil"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn a_server_on_a_public_address_needs_its_public_url() {
    let db = TestDb::sqlite();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let web = facturier_server::web::WebConfig::default();
    let refused = facturier_server::serve_with(store.clone(), listener, Default::default(), web).await;
    let message = refused.expect_err("refused to start").to_string();
    assert!(message.contains("--public-url"), "{message}");
    let bad = facturier_server::web::WebConfig { public_url: Some("evil.example".into()), ..Default::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    assert!(facturier_server::serve_with(store, listener, Default::default(), bad).await.is_err());
}

/// Forty browsers at the sign-in form, then all their passwords at once.
async fn burst(app: &TestApp, email: &str, right_at: Option<usize>, known_device: Option<&Browser>) -> Vec<u16> {
    let mut posts = tokio::task::JoinSet::new();
    let mut ready = Vec::new();
    for n in 0..40 {
        let mut b = Browser::new(app);
        if let Some(k) = known_device {
            b.cookies = k.cookies.clone();
            b.cookies.remove("facturier_session");
        }
        let csrf = csrf_of(&b.get("/login").await.body);
        ready.push((n, b, csrf));
    }
    for (n, mut b, csrf) in ready {
        let email = email.to_string();
        let password = if Some(n) == right_at { PASSWORD } else { "pas le bon mot de passe" };
        posts.spawn(async move {
            b.post("/login", &[("csrf", &csrf), ("email", &email), ("password", password), ("next", "/")]).await.status
        });
    }
    posts.join_all().await
}

#[tokio::test]
async fn forty_simultaneous_sign_ins_check_five_passwords_at_most() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let statuses = burst(&app, "admin@test.fr", Some(37), None).await;
        let checked = statuses.iter().filter(|&&s| s != 429).count();
        assert!(checked <= 5, "passwords checked: {checked} ({statuses:?})");
        assert!(statuses.iter().all(|s| [303, 401, 429].contains(s)), "{statuses:?}");
        // The right password hidden in the burst signed in only if it was among those five.
        assert!(statuses.iter().filter(|&&s| s == 303).count() <= 1);
    })
    .await;
}

#[tokio::test]
async fn a_known_device_signs_in_while_someone_else_keeps_the_address_locked() {
    each_db(|app| async move {
        let mut own = signed_in(&app, "admin@test.fr").await;
        assert!(own.cookies.contains_key("facturier_device"), "this browser is a known device now");
        let csrf = own.csrf().await;
        own.act(&csrf, "/logout", &[]).await;

        // Someone who only knows the address locks it for every other browser…
        let mut attacker = Browser::new(&app);
        for n in 0..5 {
            assert_eq!(attacker.sign_in("admin@test.fr", "devine").await.status, 401, "attempt {n}");
        }
        assert_eq!(attacker.sign_in("admin@test.fr", "devine").await.status, 429);
        let mut new_browser = Browser::new(&app);
        assert_eq!(new_browser.sign_in("admin@test.fr", PASSWORD).await.status, 429);
        // …and a forged device cookie is an unknown device.
        let mut forged = Browser::new(&app);
        forged.cookies.insert("facturier_device".into(), "0".repeat(64));
        assert_eq!(forged.sign_in("admin@test.fr", PASSWORD).await.status, 429);
        // The user's own browser still signs in.
        assert_eq!(own.sign_in("admin@test.fr", PASSWORD).await.status, 303);
        // Its own attempts are limited too: a burst from a stolen device cookie checks five.
        let statuses = burst(&app, "admin@test.fr", None, Some(&own)).await;
        assert!(statuses.iter().filter(|&&s| s != 429).count() <= 5, "{statuses:?}");
        // A new password makes every browser a stranger again: this one shares the lock.
        with_password(&app, "admin@test.fr").await;
        own.cookies.remove("facturier_session");
        assert_eq!(own.sign_in("admin@test.fr", PASSWORD).await.status, 429);
    })
    .await;
}

#[tokio::test]
async fn forgot_password_sends_three_links_an_hour_to_an_address() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        let mut b = Browser::new(&app);
        for _ in 0..6 {
            let sent = b.forgot_password("admin@test.fr").await;
            assert_eq!(sent.status, 200, "the same answer whatever happens");
        }
        let requests = "SELECT COUNT(*) FROM reset_requests";
        let deadline = Instant::now() + Duration::from_secs(10);
        while outbox(&app.store).await.is_empty() || scalar(&app.store, requests, None).await < 6 {
            assert!(Instant::now() < deadline, "the requests were not handled");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Each request is counted before its link is sent, so the requests the answers
        // left running at once may refuse more than needed, never send more than three.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = outbox(&app.store).await.len();
        assert!((1..=3).contains(&sent), "{sent} links sent for six requests");
        let resets = "SELECT COUNT(*) FROM password_resets";
        assert_eq!(scalar(&app.store, resets, None).await, i64::try_from(sent).unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_sign_in_redirect_with_a_tab_or_line_break_stays_on_the_site() {
    each_db(|app| async move {
        with_password(&app, "admin@test.fr").await;
        // A company ready to invoice (else an admin's sign-in shows the set-up first, `web_setup`).
        let bank = serde_json::json!({"banks": [{"label": "Compte", "iban": "FR7630006000011234567890189"}]});
        app.patch("/settings", bank).await.assert_status(200);
        for next in ["/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: x=1", "//evil.example", "/\\evil"] {
            let mut b = Browser::new(&app);
            let login = b.get("/login").await;
            let csrf = csrf_of(&login.body);
            let r = b
                .post("/login", &[("csrf", &csrf), ("email", "admin@test.fr"), ("password", PASSWORD), ("next", next)])
                .await;
            assert_eq!((r.status, r.location.as_str()), (303, "/"), "{next:?}");
            let page = b.get(&format!("/login?next={}", next.replace('\t', "%09").replace('\n', "%0A"))).await;
            assert_eq!(page.status, 200, "{next:?}");
            assert!(!page.body.contains("evil.example\""), "{next:?}");
        }
    })
    .await;
}

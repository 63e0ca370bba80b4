//! Web accounts: passwords (stored as the PHC string the server's argon2 produced),
//! the user's language, and sign-in sessions (`0008_web_accounts`). The store never
//! sees a password or a session secret: only a hash of each.

use crate::companies::Role;
use crate::{Result, Stamp, Store, StoreError, Tx, on_conn, on_pool};
use facturier_core::party::Language;
use uuid::Uuid;

/// What sign-in needs to know about an e-mail address.
#[derive(Clone, Debug)]
pub struct LoginUser {
    pub user_id: Uuid,
    /// `None`: the user has no web password (API tokens only).
    pub password_hash: Option<String>,
    /// The language the user reads the app in (their mails are written in it too).
    pub language: Language,
    /// The company the user last worked in: their next sign-in opens it.
    pub last_company_id: Option<Uuid>,
}

/// Sign-in attempts counted after recording one, within the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptCounts {
    /// For the e-mail address from this device (or from unknown devices).
    pub address: u64,
    /// From the client's address.
    pub client: u64,
}

/// A company a user belongs to, with the user's role there.
#[derive(Clone, Debug)]
pub struct Membership {
    pub company_id: Uuid,
    pub company_name: String,
    pub role: Role,
}

/// A session to open.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie's secret.
    pub id_hash: &'a str,
    pub user_id: Uuid,
    pub company_id: Uuid,
    pub csrf_token: &'a str,
    pub at: Stamp,
    /// Absolute expiry: the session ends then whatever the activity.
    pub expires_at: Stamp,
}

/// A live session with the user and company it speaks for.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub user_id: Uuid,
    pub email: String,
    pub language: Language,
    pub company_id: Uuid,
    pub company_name: String,
    /// The user's role in the session's company, read on every request: a role changed
    /// or a membership removed takes effect at once.
    pub role: Role,
    pub country: String,
    pub currency: String,
    pub csrf_token: String,
    pub created_at: Stamp,
    pub last_seen_at: Stamp,
    pub expires_at: Stamp,
}

/// The language of its stored name (French unless `en`).
pub fn language_of(s: &str) -> Language {
    if s == "en" { Language::En } else { Language::Fr }
}

/// The stored name of a language.
pub fn language_code(l: Language) -> &'static str {
    match l {
        Language::Fr => "fr",
        Language::En => "en",
    }
}

type SessionRow = (Uuid, String, String, Uuid, String, String, String, String, String, Stamp, Stamp, Stamp);

impl Store {
    /// The user signing in with `email` (case ignored), if there is one.
    pub async fn login_user(&self, email: &str) -> Result<Option<LoginUser>> {
        let row: Option<(Uuid, Option<String>, String, Option<Uuid>)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT id, password_hash, language, last_company_id FROM users WHERE lower(email) = lower($1) \
                 ORDER BY id LIMIT 1",
            )
            .bind(email.trim())
            .fetch_optional(c)
            .await?
        });
        Ok(row.map(|(user_id, password_hash, lang, last_company_id)| LoginUser {
            user_id,
            password_hash,
            language: language_of(&lang),
            last_company_id,
        }))
    }

    /// Remembers the company a user works in, for their next sign-in.
    pub async fn set_last_company(&self, user_id: Uuid, company_id: Uuid) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("UPDATE users SET last_company_id = $2 WHERE id = $1")
                .bind(user_id)
                .bind(company_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Records a sign-in attempt (id `id`) for `email` from `ip` and `device` (the hash of
    /// a known device's cookie, or `""`) BEFORE its password is checked, then counts the
    /// attempts since `since`: for the address from that device, and from the client.
    /// Recording first makes the limit hold under concurrency: the n-th attempt to be
    /// written counts at least n, whatever runs beside it.
    pub async fn record_login_attempt(
        &self,
        id: Uuid,
        email: &str,
        ip: &str,
        device: &str,
        at: Stamp,
        since: Stamp,
    ) -> Result<AttemptCounts> {
        let email = email.trim().to_lowercase();
        on_pool!(self, |c| {
            sqlx::query("INSERT INTO login_failures (id, email, ip, device, at_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(&email)
                .bind(ip)
                .bind(device)
                .bind(at.millis())
                .execute(c)
                .await?;
        });
        let (address, client): (i64, i64) = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND device = $2 AND at_ms >= $4), \
                 (SELECT COUNT(*) FROM login_failures WHERE ip = $3 AND at_ms >= $4)",
            )
            .bind(&email)
            .bind(device)
            .bind(ip)
            .bind(since.millis())
            .fetch_one(c)
            .await?
        });
        Ok(AttemptCounts { address: u64::try_from(address).unwrap_or(0), client: u64::try_from(client).unwrap_or(0) })
    }

    /// Records a "forgot password" request for `email` from `ip` and counts those since
    /// `since` (per address, per client), itself included. Requests for one address or
    /// from one client are recorded one at a time (SQLite's single writer; PostgreSQL
    /// advisory locks on both keys), so that each sees exactly the ones before it: a
    /// burst of requests sends the first few links and refuses the rest, rather than
    /// counting each other and refusing them all. Requests older than `since` are swept.
    pub async fn record_reset_request(&self, email: &str, ip: &str, at: Stamp, since: Stamp) -> Result<AttemptCounts> {
        let email = email.trim().to_lowercase();
        let mut tx = self.begin().await?;
        if let Tx::Postgres(t) = &mut tx {
            // Both keys, always in the same order: two requests never wait for each other crosswise.
            let mut keys = [format!("reset email {email}"), format!("reset ip {ip}")];
            keys.sort();
            for key in &keys {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(key).execute(&mut **t).await?;
            }
        }
        on_conn!(&mut tx, |c| {
            sqlx::query("DELETE FROM reset_requests WHERE at_ms < $1").bind(since.millis()).execute(&mut *c).await?;
        });
        on_conn!(&mut tx, |c| {
            sqlx::query("INSERT INTO reset_requests (id, email, ip, at_ms) VALUES ($1, $2, $3, $4)")
                .bind(crate::new_id())
                .bind(&email)
                .bind(ip)
                .bind(at.millis())
                .execute(&mut *c)
                .await?;
        });
        let (address, client): (i64, i64) = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM reset_requests WHERE email = $1 AND at_ms >= $3), \
                 (SELECT COUNT(*) FROM reset_requests WHERE ip = $2 AND at_ms >= $3)",
            )
            .bind(&email)
            .bind(ip)
            .bind(since.millis())
            .fetch_one(&mut *c)
            .await?
        });
        tx.commit().await?;
        Ok(AttemptCounts { address: u64::try_from(address).unwrap_or(0), client: u64::try_from(client).unwrap_or(0) })
    }

    /// Forgets one recorded attempt: it succeeded, or it was refused without checking
    /// the password (a refused attempt does not prolong the lock).
    pub async fn forget_login_attempt(&self, id: Uuid) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("DELETE FROM login_failures WHERE id = $1").bind(id).execute(c).await?;
        });
        Ok(())
    }

    /// Whether `token_hash` is the hash of a device cookie set at a sign-in of `user_id`.
    pub async fn is_known_device(&self, user_id: Uuid, token_hash: &str) -> Result<bool> {
        let row: Option<(Uuid,)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT user_id FROM known_devices WHERE token_hash = $1 AND user_id = $2")
                .bind(token_hash)
                .bind(user_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.is_some())
    }

    /// Remembers a device a user signed in from (the hash of its cookie), and forgets the
    /// user's devices older than the cookie's life.
    pub async fn remember_device(&self, user_id: Uuid, token_hash: &str, forget_before: Stamp) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("DELETE FROM known_devices WHERE user_id = $1 AND created_at < $2")
                .bind(user_id)
                .bind(forget_before)
                .execute(c)
                .await?;
            sqlx::query(
                "INSERT INTO known_devices (token_hash, user_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (token_hash) DO NOTHING",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(crate::now())
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Sets the password hash of the user with `email`; ends the user's sessions.
    pub async fn set_password_hash(&self, email: &str, hash: &str) -> Result<Uuid> {
        let user = self.login_user(email).await?.ok_or(StoreError::NotFound("user"))?;
        let mut tx = self.begin().await?;
        crate::on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user.user_id)
                .bind(hash)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.user_id).execute(&mut *c).await?;
            // A new password: the browsers that knew the old one are strangers again.
            sqlx::query("DELETE FROM known_devices WHERE user_id = $1").bind(user.user_id).execute(&mut *c).await?;
        });
        tx.commit().await?;
        Ok(user.user_id)
    }

    /// The companies a user belongs to, by name.
    pub async fn memberships(&self, user_id: Uuid) -> Result<Vec<Membership>> {
        let rows: Vec<(Uuid, String, String)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT co.id, co.name, m.role FROM memberships m JOIN companies co ON co.id = m.company_id \
                 WHERE m.user_id = $1 ORDER BY co.name, co.id",
            )
            .bind(user_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter()
            .map(|(company_id, company_name, role)| Ok(Membership { company_id, company_name, role: role.parse()? }))
            .collect()
    }

    /// Opens a session.
    pub async fn create_session(&self, s: &NewSession<'_>) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO sessions (id_hash, company_id, user_id, csrf_token, created_at, last_seen_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(s.id_hash)
            .bind(s.company_id)
            .bind(s.user_id)
            .bind(s.csrf_token)
            .bind(s.at)
            .bind(s.expires_at)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The session with this hash, if it exists and its user still belongs to its company.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>> {
        let row: Option<SessionRow> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT s.user_id, u.email, u.language, s.company_id, co.name, m.role, co.country, co.currency, \
                 s.csrf_token, s.created_at, s.last_seen_at, s.expires_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 JOIN memberships m ON m.company_id = s.company_id AND m.user_id = s.user_id \
                 JOIN companies co ON co.id = s.company_id WHERE s.id_hash = $1",
            )
            .bind(id_hash)
            .fetch_optional(c)
            .await?
        });
        row.map(|r| {
            Ok(SessionRecord {
                user_id: r.0,
                email: r.1,
                language: language_of(&r.2),
                company_id: r.3,
                company_name: r.4,
                role: r.5.parse()?,
                country: r.6,
                currency: r.7,
                csrf_token: r.8,
                created_at: r.9,
                last_seen_at: r.10,
                expires_at: r.11,
            })
        })
        .transpose()
    }

    /// Records activity on a session (its idle expiry counts from here).
    pub async fn touch_session(&self, id_hash: &str, at: Stamp) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
                .bind(id_hash)
                .bind(at)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Ends a session (sign-out, expiry).
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(c).await?;
        });
        Ok(())
    }

    /// Removes sessions past their absolute expiry or unused since `idle_since`; the count.
    pub async fn delete_expired_sessions(&self, now: Stamp, idle_since: Stamp) -> Result<u64> {
        let n = on_pool!(self, |c| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
                .bind(now)
                .bind(idle_since)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Points a session at another company of its user; false if the user is not a member.
    pub async fn switch_session_company(&self, id_hash: &str, user_id: Uuid, company_id: Uuid) -> Result<bool> {
        let done = on_pool!(self, |c| {
            sqlx::query(
                "UPDATE sessions SET company_id = $3 WHERE id_hash = $1 AND user_id = $2 AND EXISTS \
                 (SELECT 1 FROM memberships m WHERE m.company_id = $3 AND m.user_id = $2)",
            )
            .bind(id_hash)
            .bind(user_id)
            .bind(company_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if done == 1 {
            self.set_last_company(user_id, company_id).await?;
        }
        Ok(done == 1)
    }

    /// The language the user reads the app in.
    pub async fn set_user_language(&self, user_id: Uuid, lang: Language) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("UPDATE users SET language = $2 WHERE id = $1")
                .bind(user_id)
                .bind(language_code(lang))
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::{create_postgres_database, drop_postgres_database};

    /// Twelve requests for one address at once, as a script or an impatient double-click
    /// would send them: each is counted after exactly the ones before it (ranks 1 to 12),
    /// so the limit lets the first few through and refuses the rest, never all of them.
    async fn a_burst_of_requests_is_ranked(store: &Store) {
        let at = crate::now();
        let since = Stamp::from(at.instant() - time::Duration::hours(1));
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store.record_reset_request("Someone@Example.fr", &format!("10.0.0.{i}"), at, since).await
                })
            })
            .collect();
        let mut ranks = Vec::new();
        for t in tasks {
            ranks.push(t.await.expect("joined").expect("recorded").address);
        }
        ranks.sort_unstable();
        assert_eq!(ranks, (1..=12).collect::<Vec<u64>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_of_reset_requests_is_ranked_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        store.migrate().await.unwrap();
        a_burst_of_requests_is_ranked(&store).await;
        store.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_of_reset_requests_is_ranked_on_postgres() {
        let admin =
            std::env::var("FACTURIER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("facturier_resets_{}", crate::new_id().simple());
        let url = create_postgres_database(&admin, &name).await.unwrap();
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        a_burst_of_requests_is_ranked(&store).await;
        store.close().await;
        drop_postgres_database(&admin, &name).await.unwrap();
    }
}

//! Account management (`0009_accounts`): a company's members and their roles, each
//! user's API tokens (listed, created, revoked), password reset links, and the failed
//! sign-ins that rate limiting counts.
//!
//! Every query on members and tokens filters by `company_id`. A company always keeps
//! one admin: demoting or removing the last one is refused inside the transaction that
//! would do it, after locking the company's row on PostgreSQL (SQLite writers are
//! serialised already), so two admins demoting each other at once cannot both succeed.

use crate::companies::Role;
use crate::{Backend, Result, Stamp, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::party::Language;
use rand::RngCore;
use time::OffsetDateTime;
use uuid::Uuid;

/// A member of a company.
#[derive(Clone, Debug)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
    /// The user can sign in to the web app.
    pub has_password: bool,
}

/// An API token as its owner sees it (never the secret, which is shown once).
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub id: Uuid,
    pub name: String,
    pub created_at: OffsetDateTime,
    /// Last authenticated call, to the minute.
    pub last_used_at: Option<OffsetDateTime>,
    /// From then on the API refuses it; `None`: never.
    pub expires_at: Option<OffsetDateTime>,
}

/// A reset link that can still be used.
#[derive(Clone, Debug)]
pub struct PasswordReset {
    pub user_id: Uuid,
    pub company_id: Uuid,
    pub expires_at: OffsetDateTime,
}

/// A new API token secret (`fct_` and 48 hex digits).
pub fn new_token_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("fct_{}", hex::encode(bytes))
}

/// Takes the company's row lock (PostgreSQL) so that admin counts stay true until commit.
async fn lock_company(tx: &mut Tx, backend: Backend, company_id: Uuid) -> Result<()> {
    if backend == Backend::Postgres {
        on_conn!(tx, |c| {
            sqlx::query("SELECT id FROM companies WHERE id = $1 FOR UPDATE").bind(company_id).execute(c).await?;
        });
    }
    Ok(())
}

async fn admin_count(tx: &mut Tx, company_id: Uuid) -> Result<i64> {
    let (n,): (i64,) = on_conn!(tx, |c| {
        sqlx::query_as("SELECT COUNT(*) FROM memberships WHERE company_id = $1 AND role = 'admin'")
            .bind(company_id)
            .fetch_one(c)
            .await?
    });
    Ok(n)
}

async fn role_of(tx: &mut Tx, company_id: Uuid, user_id: Uuid) -> Result<Role> {
    let row: Option<(String,)> = on_conn!(tx, |c| {
        sqlx::query_as("SELECT role FROM memberships WHERE company_id = $1 AND user_id = $2")
            .bind(company_id)
            .bind(user_id)
            .fetch_optional(c)
            .await?
    });
    row.ok_or(StoreError::NotFound("member"))?.0.parse()
}

const LAST_ADMIN: &str = "this is the company's last administrator: make another member administrator first";

impl Store {
    /// The members of a company, by e-mail.
    pub async fn members(&self, company_id: Uuid) -> Result<Vec<Member>> {
        let rows: Vec<(Uuid, String, String, bool)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT u.id, u.email, m.role, u.password_hash IS NOT NULL FROM memberships m \
                 JOIN users u ON u.id = m.user_id WHERE m.company_id = $1 ORDER BY lower(u.email), u.id",
            )
            .bind(company_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter()
            .map(|(user_id, email, role, has_password)| {
                Ok(Member { user_id, email, role: role.parse()?, has_password })
            })
            .collect()
    }

    /// Makes the user with `email` (created if new) a member with `role`; refused with
    /// a conflict if already a member. An optional password hash and `language` are set
    /// only on a user created here: an existing identity keeps its own. Returns the user
    /// and the language they read (their mails are written in it).
    pub async fn add_member(
        &self,
        company_id: Uuid,
        email: &str,
        role: Role,
        password_hash: Option<&str>,
        language: Language,
    ) -> Result<(Uuid, Language)> {
        let mut tx = self.begin().await?;
        let at = now();
        let existing: Option<(Uuid, String)> = on_conn!(&mut tx, |c| {
            sqlx::query_as("SELECT id, language FROM users WHERE lower(email) = lower($1) ORDER BY id LIMIT 1")
                .bind(email)
                .fetch_optional(c)
                .await?
        });
        let (user_id, language) = match existing {
            Some((id, code)) => (id, crate::accounts::language_of(&code)),
            None => {
                let id = new_id();
                let name = email.split('@').next().unwrap_or(email);
                on_conn!(&mut tx, |c| {
                    sqlx::query(
                        "INSERT INTO users (id, email, name, password_hash, created_at, language) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(email)
                    .bind(name)
                    .bind(password_hash)
                    .bind(at)
                    .bind(crate::accounts::language_code(language))
                    .execute(c)
                    .await?;
                });
                (id, language)
            }
        };
        let done = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (company_id, user_id) DO NOTHING",
            )
            .bind(company_id)
            .bind(user_id)
            .bind(role.as_str())
            .execute(c)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::Conflict(format!("{email} is already a member of this company")));
        }
        tx.commit().await?;
        Ok((user_id, language))
    }

    /// Changes a member's role; the last administrator cannot be demoted.
    pub async fn set_member_role(&self, company_id: Uuid, user_id: Uuid, role: Role) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend(), company_id).await?;
        let current = role_of(&mut tx, company_id, user_id).await?;
        if current == Role::Admin && role != Role::Admin && admin_count(&mut tx, company_id).await? <= 1 {
            return Err(StoreError::Conflict(LAST_ADMIN.into()));
        }
        on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE memberships SET role = $3 WHERE company_id = $1 AND user_id = $2")
                .bind(company_id)
                .bind(user_id)
                .bind(role.as_str())
                .execute(c)
                .await?;
        });
        tx.commit().await
    }

    /// Removes a member from a company with its API tokens and sessions there; the last
    /// administrator cannot be removed. The user's identity stays (other companies).
    pub async fn remove_member(&self, company_id: Uuid, user_id: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend(), company_id).await?;
        let current = role_of(&mut tx, company_id, user_id).await?;
        if current == Role::Admin && admin_count(&mut tx, company_id).await? <= 1 {
            return Err(StoreError::Conflict(LAST_ADMIN.into()));
        }
        on_conn!(&mut tx, |c| {
            for sql in [
                "DELETE FROM api_tokens WHERE company_id = $1 AND user_id = $2",
                "DELETE FROM sessions WHERE company_id = $1 AND user_id = $2",
                "DELETE FROM memberships WHERE company_id = $1 AND user_id = $2",
            ] {
                sqlx::query(sql).bind(company_id).bind(user_id).execute(&mut *c).await?;
            }
        });
        tx.commit().await
    }

    /// A user's API tokens in a company, newest first.
    pub async fn api_tokens(&self, company_id: Uuid, user_id: Uuid) -> Result<Vec<TokenInfo>> {
        type Row = (Uuid, String, OffsetDateTime, Option<OffsetDateTime>, Option<OffsetDateTime>);
        let rows: Vec<Row> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT id, name, created_at, last_used_at, expires_at FROM api_tokens \
                 WHERE company_id = $1 AND user_id = $2 ORDER BY id DESC",
            )
            .bind(company_id)
            .bind(user_id)
            .fetch_all(c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, last_used_at, expires_at)| TokenInfo {
                id,
                name,
                created_at,
                last_used_at,
                expires_at,
            })
            .collect())
    }

    /// A new API token of a member, named `name`; returns its id and its secret (shown
    /// once: only its SHA-256 is kept).
    pub async fn create_api_token(&self, company_id: Uuid, user_id: Uuid, name: &str) -> Result<(Uuid, String)> {
        let secret = new_token_secret();
        let id = new_id();
        let mut tx = self.begin().await?;
        role_of(&mut tx, company_id, user_id).await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO api_tokens (id, company_id, user_id, name, token_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(company_id)
            .bind(user_id)
            .bind(name)
            .bind(crate::companies::token_hash(&secret))
            .bind(now())
            .execute(c)
            .await?;
        });
        tx.commit().await?;
        Ok((id, secret))
    }

    /// Revokes (deletes) one of a user's tokens: the API refuses it from the next call.
    pub async fn revoke_api_token(&self, company_id: Uuid, user_id: Uuid, id: Uuid) -> Result<()> {
        let n = on_pool!(self, |c| {
            sqlx::query("DELETE FROM api_tokens WHERE company_id = $1 AND user_id = $2 AND id = $3")
                .bind(company_id)
                .bind(user_id)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 { Err(StoreError::NotFound("API token")) } else { Ok(()) }
    }

    /// Records a password reset link (its SHA-256) for a user.
    pub async fn create_password_reset(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        token_hash: &str,
        expires_at: Stamp,
    ) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO password_resets (token_hash, company_id, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(company_id)
            .bind(user_id)
            .bind(now())
            .bind(expires_at)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The reset link with this hash if it is unused and not expired at `at`.
    pub async fn password_reset(&self, token_hash: &str, at: Stamp) -> Result<Option<PasswordReset>> {
        let row: Option<(Uuid, Uuid, OffsetDateTime, Option<OffsetDateTime>)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT user_id, company_id, expires_at, used_at FROM password_resets WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(c)
                .await?
        });
        Ok(row.and_then(|(user_id, company_id, expires_at, used_at)| {
            (used_at.is_none() && at.instant() < expires_at).then_some(PasswordReset {
                user_id,
                company_id,
                expires_at,
            })
        }))
    }

    /// Uses a reset link: sets the new password hash and ends every session of the user,
    /// in one transaction. `false` (and nothing changed) if the link is unknown, used or
    /// expired; a link works once even when submitted twice at the same moment.
    pub async fn use_password_reset(&self, token_hash: &str, at: Stamp, password_hash: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let row: Option<(Uuid, OffsetDateTime)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
                 RETURNING user_id, expires_at",
            )
            .bind(token_hash)
            .bind(at)
            .fetch_optional(c)
            .await?
        });
        let Some((user_id, expires_at)) = row else { return Ok(false) };
        if at.instant() >= expires_at {
            return Ok(false);
        }
        on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_id)
                .bind(password_hash)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
            // Any other link sent to the user dies with this one.
            sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id)
                .bind(at)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(true)
    }

    /// Records a failed sign-in for `email` (compared in lower case) from `ip`.
    pub async fn record_login_failure(&self, email: &str, ip: &str, at: Stamp) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("INSERT INTO login_failures (id, email, ip, at_ms) VALUES ($1, $2, $3, $4)")
                .bind(new_id())
                .bind(email.trim().to_lowercase())
                .bind(ip)
                .bind(at.millis())
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Failed sign-ins since `since`: for `email`, and from `ip`.
    pub async fn login_failures(&self, email: &str, ip: &str, since: Stamp) -> Result<(u64, u64)> {
        let (by_email, by_ip): (i64, i64) = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at_ms >= $3), \
                 (SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND at_ms >= $3)",
        self.create_api_token_until(company_id, user_id, name, None).await
    }

    /// [`Store::create_api_token`] with an expiry: from `expires_at` on the API refuses it.
    pub async fn create_api_token_until(
        &self,
        company_id: Uuid,
        user_id: Uuid,
        name: &str,
        expires_at: Option<Stamp>,
    ) -> Result<(Uuid, String)> {
            )
            .bind(email.trim().to_lowercase())
            .bind(ip)
            .bind(since.millis())
            .fetch_one(c)
            .await?
        });
        Ok((u64::try_from(by_email).unwrap_or(0), u64::try_from(by_ip).unwrap_or(0)))
    }

    /// Forgets the failures of `email` (after a successful sign-in) and every failure
    /// older than `before` (outside any window).
    pub async fn clear_login_failures(&self, email: &str, before: Stamp) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("DELETE FROM login_failures WHERE email = $1 OR at_ms < $2")
            .bind(expires_at)
                .bind(email.trim().to_lowercase())
                .bind(before.millis())
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

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
use facturier_core::message::Message;
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

/// What adding an e-mail to a company did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    /// A new account, member at once; `language` is the one its mails are written in.
    Created { user_id: Uuid, language: Language },
    /// The address had an account: it was invited, and is a member only once it accepts.
    /// `email` is the account's own address (the invitation is mailed to it).
    Invited { user_id: Uuid, email: String, language: Language },
}

/// An invitation waiting for its user's answer.
#[derive(Clone, Debug)]
pub struct Invitation {
    pub id: Uuid,
    pub company_id: Uuid,
    pub company_name: String,
    /// The invited user's address.
    pub email: String,
    pub role: Role,
    /// The address of the admin who invited.
    pub invited_by: String,
    pub expires_at: OffsetDateTime,
}

/// How long an invitation waits for its answer.
pub const INVITATION_VALID: time::Duration = time::Duration::days(14);

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

    /// Adds the e-mail to a company with `role`. A new address gets an account here and
    /// becomes a member at once (an optional password hash and `language` are set on it);
    /// an address that already has an account is only invited ([`Added::Invited`]):
    /// nothing changes for that user until they accept, signed in as themselves, so no
    /// company can take another's user in. Refused with a conflict if already a member.
    pub async fn add_member(
        &self,
        company_id: Uuid,
        invited_by: Uuid,
        email: &str,
        role: Role,
        password_hash: Option<&str>,
        language: Language,
    ) -> Result<Added> {
        let mut tx = self.begin().await?;
        let at = now();
        let existing: Option<(Uuid, String, String)> = on_conn!(&mut tx, |c| {
            sqlx::query_as("SELECT id, language, email FROM users WHERE lower(email) = lower($1) ORDER BY id LIMIT 1")
                .bind(email)
                .fetch_optional(c)
                .await?
        });
        if let Some((user_id, code, own_email)) = existing {
            let member: Option<(String,)> = on_conn!(&mut tx, |c| {
                sqlx::query_as("SELECT role FROM memberships WHERE company_id = $1 AND user_id = $2")
                    .bind(company_id)
                    .bind(user_id)
                    .fetch_optional(c)
                    .await?
            });
            if member.is_some() {
                return Err(StoreError::Conflict(Message::new("already_member_company").with("email", email)));
            }
            // Inviting again renews the invitation (new role, new expiry).
            on_conn!(&mut tx, |c| {
                sqlx::query("DELETE FROM invitations WHERE company_id = $1 AND user_id = $2")
                    .bind(company_id)
                    .bind(user_id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "INSERT INTO invitations (id, company_id, user_id, role, invited_by, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(new_id())
                .bind(company_id)
                .bind(user_id)
                .bind(role.as_str())
                .bind(invited_by)
                .bind(at)
                .bind(at + INVITATION_VALID)
                .execute(&mut *c)
                .await?;
            });
            tx.commit().await?;
            return Ok(Added::Invited { user_id, email: own_email, language: crate::accounts::language_of(&code) });
        }
        let user_id = new_id();
        let name = email.split('@').next().unwrap_or(email);
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO users (id, email, name, password_hash, created_at, language, last_company_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(user_id)
            .bind(email)
            .bind(name)
            .bind(password_hash)
            .bind(at)
            .bind(crate::accounts::language_code(language))
            .bind(company_id)
            .execute(&mut *c)
            .await?;
            sqlx::query("INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, $3)")
                .bind(company_id)
                .bind(user_id)
                .bind(role.as_str())
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(Added::Created { user_id, language })
    }

    /// The invitations a user has not answered yet and that are still valid at `at`.
    pub async fn invitations_for_user(&self, user_id: Uuid, at: Stamp) -> Result<Vec<Invitation>> {
        self.invitations_where("i.user_id = $1", user_id, at).await
    }

    /// A company's invitations still waiting for an answer at `at`.
    pub async fn pending_invitations(&self, company_id: Uuid, at: Stamp) -> Result<Vec<Invitation>> {
        self.invitations_where("i.company_id = $1", company_id, at).await
    }

    async fn invitations_where(&self, filter: &'static str, id: Uuid, at: Stamp) -> Result<Vec<Invitation>> {
        let sql = format!(
            "SELECT i.id, i.company_id, co.name, u.email, i.role, b.email, i.expires_at FROM invitations i \
             JOIN companies co ON co.id = i.company_id JOIN users u ON u.id = i.user_id \
             JOIN users b ON b.id = i.invited_by WHERE {filter} AND i.expires_at > $2 ORDER BY i.id"
        );
        let rows: Vec<(Uuid, Uuid, String, String, String, String, OffsetDateTime)> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).bind(at).fetch_all(c).await?
        });
        rows.into_iter()
            .map(|(id, company_id, company_name, email, role, invited_by, expires_at)| {
                Ok(Invitation { id, company_id, company_name, email, role: role.parse()?, invited_by, expires_at })
            })
            .collect()
    }

    /// Accepts an invitation of `user_id`: the user becomes a member with the invited
    /// role, in one transaction; returns the company. Not found if the invitation is not
    /// the user's, was answered or cancelled, or has expired.
    pub async fn accept_invitation(&self, user_id: Uuid, id: Uuid, at: Stamp) -> Result<Uuid> {
        let mut tx = self.begin().await?;
        let row: Option<(Uuid, String, OffsetDateTime)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "DELETE FROM invitations WHERE id = $1 AND user_id = $2 RETURNING company_id, role, expires_at",
            )
            .bind(id)
            .bind(user_id)
            .fetch_optional(c)
            .await?
        });
        let Some((company_id, role, expires_at)) = row else { return Err(StoreError::NotFound("invitation")) };
        if at.instant() >= expires_at {
            return Err(StoreError::NotFound("invitation"));
        }
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (company_id, user_id) DO NOTHING",
            )
            .bind(company_id)
            .bind(user_id)
            .bind(role)
            .execute(c)
            .await?;
        });
        tx.commit().await?;
        Ok(company_id)
    }

    /// Declines an invitation of `user_id` (nothing else changes).
    pub async fn decline_invitation(&self, user_id: Uuid, id: Uuid) -> Result<()> {
        let n = on_pool!(self, |c| {
            sqlx::query("DELETE FROM invitations WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 { Err(StoreError::NotFound("invitation")) } else { Ok(()) }
    }

    /// Withdraws one of a company's invitations.
    pub async fn cancel_invitation(&self, company_id: Uuid, id: Uuid) -> Result<()> {
        let n = on_pool!(self, |c| {
            sqlx::query("DELETE FROM invitations WHERE id = $1 AND company_id = $2")
                .bind(id)
                .bind(company_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 { Err(StoreError::NotFound("invitation")) } else { Ok(()) }
    }

    /// Changes a member's role; the last administrator cannot be demoted.
    pub async fn set_member_role(&self, company_id: Uuid, user_id: Uuid, role: Role) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend(), company_id).await?;
        let current = role_of(&mut tx, company_id, user_id).await?;
        if current == Role::Admin && role != Role::Admin && admin_count(&mut tx, company_id).await? <= 1 {
            return Err(StoreError::Conflict(Message::new("company_last_administrator_make")));
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
            return Err(StoreError::Conflict(Message::new("company_last_administrator_make")));
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
            .bind(expires_at)
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
            // A new password: the browsers that knew the old one are strangers again.
            sqlx::query("DELETE FROM known_devices WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
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

    /// Forgets the failures of `email` from `device` (after a successful sign-in there:
    /// a success on the user's own browser does not lift a lock others made elsewhere)
    /// and every failure older than `before` (outside any window).
    pub async fn clear_login_failures(&self, email: &str, device: &str, before: Stamp) -> Result<()> {
        on_pool!(self, |c| {
            sqlx::query("DELETE FROM login_failures WHERE (email = $1 AND device = $3) OR at_ms < $2")
                .bind(email.trim().to_lowercase())
                .bind(before.millis())
                .bind(device)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

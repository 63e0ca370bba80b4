//! Password links by e-mail without a secret at rest (`0019_secrets_at_rest`).
//!
//! A link's reset row and the outbox message that carries it are written together, the
//! row with a placeholder `token_hash` (`pending:<id>`, which no SHA-256 in hex equals)
//! and the body with [`SECRET_PLACEHOLDER`] where the secret goes. The outbox worker
//! calls [`Store::mint_password_link`] right before it sends: a fresh random secret whose
//! SHA-256 only replaces the row's hash, substituted into the body in memory. A retry
//! mints again (the unsent secret dies), so the database, the outbox and the logs never
//! hold a usable link: only the recipient's mailbox does.

use crate::outbox::{EmailRecord, NewEmail, enqueue_in};
use crate::{Result, Stamp, Store, new_id, now, on_conn, on_pool};
use uuid::Uuid;

/// What a queued password mail's body holds where the link's secret goes.
pub const SECRET_PLACEHOLDER: &str = "{password_link_secret}";

/// The hash a reset row holds until its secret is minted: never the SHA-256 of an input.
fn pending_hash(id: Uuid) -> String {
    format!("pending:{id}")
}

/// A new link secret: 32 random bytes in hex.
fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Store {
    /// Queues the e-mail that carries a link to set `user_id`'s password, valid until
    /// `expires_at`: a reset row without a usable secret and the message naming it, in
    /// one transaction. `mail.body` holds [`SECRET_PLACEHOLDER`] where the secret goes.
    pub async fn queue_password_link(
        &self,
        user_id: Uuid,
        expires_at: Stamp,
        mail: &NewEmail<'_>,
    ) -> Result<EmailRecord> {
        let reset_id = new_id();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO password_resets (id, token_hash, company_id, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(reset_id)
            .bind(pending_hash(reset_id))
            .bind(mail.company_id)
            .bind(user_id)
            .bind(now())
            .bind(expires_at)
            .execute(c)
            .await?;
        });
        let email_id = enqueue_in(&mut tx, mail).await?;
        on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE outbox SET password_reset_id = $3 WHERE company_id = $1 AND id = $2")
                .bind(mail.company_id)
                .bind(email_id)
                .bind(reset_id)
                .execute(c)
                .await?;
        });
        tx.commit().await?;
        self.email(mail.company_id, email_id).await
    }

    /// A link to set `user_id`'s password handed straight to whoever runs `facturier init`
    /// (no e-mail: the first admin has no password yet and the server may send no mail):
    /// returns its secret, of which only the SHA-256 is stored. Used once, until `expires_at`.
    pub async fn create_password_link(&self, company_id: Uuid, user_id: Uuid, expires_at: Stamp) -> Result<String> {
        let secret = new_secret();
        on_pool!(self, |c| {
            sqlx::query(
                "INSERT INTO password_resets (id, token_hash, company_id, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id())
            .bind(crate::companies::token_hash(&secret))
            .bind(company_id)
            .bind(user_id)
            .bind(now())
            .bind(expires_at)
            .execute(c)
            .await?;
        });
        Ok(secret)
    }

    /// Mints the secret of the queued link `reset_id`: stores its SHA-256 (replacing any
    /// earlier attempt's) and returns it, or `None` if the link was used or expired at `at`
    /// (a later link, or the password set another way, made it pointless to send).
    pub async fn mint_password_link(&self, company_id: Uuid, reset_id: Uuid, at: Stamp) -> Result<Option<String>> {
        let secret = new_secret();
        let n = on_pool!(self, |c| {
            sqlx::query(
                "UPDATE password_resets SET token_hash = $3 \
                 WHERE company_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > $4",
            )
            .bind(company_id)
            .bind(reset_id)
            .bind(crate::companies::token_hash(&secret))
            .bind(at)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok((n == 1).then_some(secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_hash_is_never_the_hash_of_an_input() {
        let id = Uuid::now_v7();
        let pending = pending_hash(id);
        assert!(pending.contains(':'), "SHA-256 in hex has no colon");
        assert_ne!(crate::companies::token_hash(&pending), pending);
        assert_eq!(new_secret().len(), 64);
        assert_ne!(new_secret(), new_secret());
    }
}

//! Secrets kept at rest that we must read back (a Stripe secret key, a webhook signing
//! secret): sealed with AES-256-GCM under the installation's secrets key, the company id
//! and the secret's name as associated data (a sealed value copied to another company or
//! another field does not open). The installation's key is `FACTURIER_SECRETS_KEY` (64
//! hex digits) when the server is given one, which keeps it out of the database and its
//! backups; otherwise a random key made on first use and kept in `secrets_keys`.
//!
//! The same key derives the public payment-link tokens (HMAC-SHA256 of the company and
//! the invoice), so that a link is stable without its token being stored.

use crate::App;
use crate::error::ApiError;
use facturier_core::message::Message;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use uuid::Uuid;

/// The environment variable that gives the installation's secrets key (64 hex digits).
pub const SECRETS_KEY_ENV: &str = "FACTURIER_SECRETS_KEY";

/// Prefix of a sealed value: the format's version.
const SEALED_PREFIX: &str = "v1:";

/// The installation's secrets key.
pub struct SecretsKey([u8; 32]);

impl SecretsKey {
    /// The key from `FACTURIER_SECRETS_KEY`, else the one kept in the database.
    pub async fn of(app: &App) -> Result<SecretsKey, ApiError> {
        if let Ok(hex_key) = std::env::var(SECRETS_KEY_ENV) {
            return SecretsKey::from_hex(&hex_key).ok_or_else(|| {
                ApiError::Internal(format!("{SECRETS_KEY_ENV} must be 64 hexadecimal digits (32 bytes)"))
            });
        }
        let mut fresh = [0u8; 32];
        SystemRandom::new().fill(&mut fresh).map_err(|_| ApiError::Internal("no random source".into()))?;
        let stored = app.store.secrets_key("default", &fresh).await?;
        let key: [u8; 32] =
            stored.try_into().map_err(|_| ApiError::Internal("the stored secrets key is not 32 bytes".into()))?;
        Ok(SecretsKey(key))
    }

    /// A key written as 64 hex digits.
    pub fn from_hex(s: &str) -> Option<SecretsKey> {
        let bytes = hex::decode(s.trim()).ok()?;
        Some(SecretsKey(bytes.try_into().ok()?))
    }

    fn aead(&self) -> Option<LessSafeKey> {
        UnboundKey::new(&AES_256_GCM, &self.0).ok().map(LessSafeKey::new)
    }

    /// `plain` sealed for the company's secret `name`: `v1:` and the hex of nonce,
    /// ciphertext and tag.
    pub fn seal(&self, company_id: Uuid, name: &str, plain: &str) -> Result<String, ApiError> {
        let key = self.aead().ok_or_else(|| ApiError::Internal("secrets key refused".into()))?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| ApiError::Internal("no random source".into()))?;
        let mut buf = plain.as_bytes().to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad(company_id, name)), &mut buf)
            .map_err(|_| ApiError::Internal("sealing a secret failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{SEALED_PREFIX}{}", hex::encode(out)))
    }

    /// The secret sealed by [`SecretsKey::seal`] for the same company and name; a value
    /// that does not open (another key, another company) is a 409 asking to enter it again.
    pub fn open(&self, company_id: Uuid, name: &str, sealed: &str) -> Result<String, ApiError> {
        let unreadable = || ApiError::Conflict(Message::new("stripe_secrets_unreadable"));
        let bytes = sealed.strip_prefix(SEALED_PREFIX).and_then(|h| hex::decode(h).ok()).ok_or_else(unreadable)?;
        if bytes.len() < NONCE_LEN {
            return Err(unreadable());
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| unreadable())?;
        let key = self.aead().ok_or_else(unreadable)?;
        let mut buf = ct.to_vec();
        let plain = key.open_in_place(nonce, Aad::from(aad(company_id, name)), &mut buf).map_err(|_| unreadable())?;
        String::from_utf8(plain.to_vec()).map_err(|_| unreadable())
    }

    /// The public token of an invoice's payment link: stable, unguessable without the key.
    pub fn payment_token(&self, company_id: Uuid, invoice_id: Uuid) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let mut msg = b"payment-link\0".to_vec();
        msg.extend_from_slice(company_id.as_bytes());
        msg.extend_from_slice(invoice_id.as_bytes());
        // 24 bytes (192 bits) are plenty for a link and keep it short.
        hex::encode(&hmac::sign(&key, &msg).as_ref()[..24])
    }
}

fn aad(company_id: Uuid, name: &str) -> Vec<u8> {
    let mut a = company_id.as_bytes().to_vec();
    a.extend_from_slice(name.as_bytes());
    a
}

/// What a settings page shows of a secret: its last four characters.
pub fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

/// The SHA-256 (hex) of a payment-link token, as stored.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretsKey {
        SecretsKey([b; 32])
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_company_name_and_key() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = key(1).seal(a, "secret_key", "sk_test_123").unwrap();
        assert!(!sealed.contains("sk_test"));
        assert_eq!(key(1).open(a, "secret_key", &sealed).unwrap(), "sk_test_123");
        assert!(key(1).open(b, "secret_key", &sealed).is_err());
        assert!(key(1).open(a, "webhook_secret", &sealed).is_err());
        assert!(key(2).open(a, "secret_key", &sealed).is_err());
        assert!(key(1).open(a, "secret_key", "v1:00").is_err());
        // Two seals of the same secret differ (a fresh nonce each time).
        assert_ne!(sealed, key(1).seal(a, "secret_key", "sk_test_123").unwrap());
    }

    #[test]
    fn payment_tokens_are_stable_and_differ_per_invoice_and_key() {
        let (c, i, j) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(key(1).payment_token(c, i), key(1).payment_token(c, i));
        assert_ne!(key(1).payment_token(c, i), key(1).payment_token(c, j));
        assert_ne!(key(1).payment_token(c, i), key(2).payment_token(c, i));
        assert_eq!(key(1).payment_token(c, i).len(), 48);
    }

    #[test]
    fn hints_show_the_last_four_characters_only() {
        assert_eq!(hint("sk_test_abcdef1234"), "…1234");
        assert_eq!(hint("ab"), "…ab");
        assert!(SecretsKey::from_hex(&"ab".repeat(32)).is_some());
        assert!(SecretsKey::from_hex("abcd").is_none());
    }
}

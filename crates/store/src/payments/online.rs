//! Online payment through Stripe Checkout (migration 0031): the company's Stripe account
//! (its secrets as the server sealed them), the Checkout sessions started for invoices,
//! the public payment links, and the events of Stripe's webhook, each handled once: the
//! event id is written in the transaction that records the payment, so a replay finds it
//! and does nothing. Every query filters by the company.

use super::rows::{Header, write_receipt};
use super::{PaymentKind, lock_customer, open};
use crate::documents::{event, lock_document};
use crate::{Result, Stamp, Store, Tx, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::money::Currency;
use facturier_core::payments::{Allocated, Excess, pay_one};
use time::Date;
use uuid::Uuid;

/// The payment method an online payment is recorded with.
pub const ONLINE_METHOD: &str = "online";

/// A company's Stripe account as stored: the secrets are sealed by the server.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StripeAccount {
    pub secret_key: String,
    pub secret_key_hint: String,
    pub webhook_secret: String,
    pub webhook_secret_hint: String,
    pub api_base: String,
}

/// What `GET /settings` shows of the Stripe account: never a secret.
/// (Its OpenAPI schema, `StripeStatus`, is written by the server's document.)
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StripeStatus {
    /// The secret key's last four characters (`…abcd`).
    pub secret_key: String,
    /// The webhook signing secret's last four characters.
    pub webhook_secret: String,
    /// Where Stripe's API is called (`https://api.stripe.com`).
    pub api_base: String,
    /// The path of the company's webhook endpoint under the public address.
    pub webhook_path: String,
}

/// A Checkout session started for an invoice.
#[derive(Clone, Debug)]
pub struct NewCheckoutSession<'a> {
    pub invoice_id: Uuid,
    pub amount: Decimal,
    pub currency: Currency,
    pub stripe_session_id: &'a str,
    pub url: &'a str,
}

/// A paid Checkout session as a webhook event reports it.
#[derive(Clone, Copy, Debug)]
pub struct PaidSession<'a> {
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub stripe_session_id: &'a str,
    /// The session's `amount_total`, in the currency's units.
    pub amount: Decimal,
    pub currency: Currency,
    /// The day the payment is recorded on (the company's today).
    pub date: Date,
}

/// What the store did with a webhook event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventOutcome {
    /// The event was handled before: nothing done.
    Replayed,
    /// The payment was recorded (its id).
    Paid(Uuid),
    /// The failure was written in the invoice's history.
    Failed,
    /// The session is not one of this company's: nothing done (the event is remembered).
    UnknownSession,
    /// An event of no interest: remembered, nothing done.
    Ignored,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    invoice_id: Uuid,
    status: String,
}

impl Store {
    /// The company's Stripe account, if it has one.
    pub async fn stripe_account(&self, company_id: Uuid) -> Result<Option<StripeAccount>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT secret_key, secret_key_hint, webhook_secret, webhook_secret_hint, api_base \
             FROM stripe_accounts WHERE company_id = $1"
        )
        .bind(company_id)
        .fetch_optional(p)
        .await?))
    }

    /// Saves (or replaces) the company's Stripe account.
    pub async fn set_stripe_account(&self, company_id: Uuid, a: &StripeAccount) -> Result<()> {
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO stripe_accounts (company_id, secret_key, secret_key_hint, webhook_secret, \
                 webhook_secret_hint, api_base, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (company_id) DO UPDATE SET secret_key = excluded.secret_key, \
                 secret_key_hint = excluded.secret_key_hint, webhook_secret = excluded.webhook_secret, \
                 webhook_secret_hint = excluded.webhook_secret_hint, api_base = excluded.api_base, \
                 updated_at = excluded.updated_at",
            )
            .bind(company_id)
            .bind(&a.secret_key)
            .bind(&a.secret_key_hint)
            .bind(&a.webhook_secret)
            .bind(&a.webhook_secret_hint)
            .bind(&a.api_base)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// Removes the company's Stripe account: payment links stop working.
    pub async fn delete_stripe_account(&self, company_id: Uuid) -> Result<()> {
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query("DELETE FROM stripe_accounts WHERE company_id = $1").bind(company_id).execute(&mut *c).await?;
        });
        tx.commit().await
    }

    /// The installation's secrets key named `name`, made from `fresh` on first use (two
    /// servers starting together keep the first one written).
    pub async fn secrets_key(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>> {
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        let key: (Vec<u8>,) = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO secrets_keys (name, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh)
            .bind(at)
            .execute(&mut *c)
            .await?;
            sqlx::query_as("SELECT key FROM secrets_keys WHERE name = $1").bind(name).fetch_one(&mut *c).await?
        });
        tx.commit().await?;
        Ok(key.0)
    }

    /// Remembers a Checkout session started for an invoice.
    pub async fn save_checkout_session(&self, company_id: Uuid, s: &NewCheckoutSession<'_>) -> Result<Uuid> {
        let id = new_id();
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO checkout_sessions (id, company_id, invoice_id, amount, currency, stripe_session_id, url, \
                 status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $8) \
                 ON CONFLICT (company_id, stripe_session_id) DO NOTHING",
            )
            .bind(id)
            .bind(company_id)
            .bind(s.invoice_id)
            .bind(s.amount.to_string())
            .bind(s.currency.code())
            .bind(s.stripe_session_id)
            .bind(s.url)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok(id)
    }

    /// The `(status, amount)` of the company's sessions of an invoice, newest first.
    pub async fn checkout_sessions(&self, company_id: Uuid, invoice_id: Uuid) -> Result<Vec<(String, String, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT stripe_session_id, status, amount FROM checkout_sessions \
             WHERE company_id = $1 AND invoice_id = $2 ORDER BY created_at DESC, id DESC"
        )
        .bind(company_id)
        .bind(invoice_id)
        .fetch_all(p)
        .await?))
    }

    /// Keeps the hash of an invoice's public payment link (the same hash again: nothing).
    pub async fn save_payment_link(&self, company_id: Uuid, invoice_id: Uuid, token_hash: &str) -> Result<()> {
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO payment_links (company_id, invoice_id, token_hash, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (company_id, invoice_id) DO UPDATE SET token_hash = excluded.token_hash",
            )
            .bind(company_id)
            .bind(invoice_id)
            .bind(token_hash)
            .bind(at)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// Keeps an invoice's payment link as printed on it: the hash of its token and its
    /// address, decided once when the invoice is issued (an address already printed is
    /// never replaced: the issued PDF carries it for ever).
    pub async fn save_printed_payment_link(
        &self,
        company_id: Uuid,
        invoice_id: Uuid,
        token_hash: &str,
        url: &str,
    ) -> Result<()> {
        let at: Stamp = now();
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO payment_links (company_id, invoice_id, token_hash, created_at, printed_url) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id, invoice_id) DO UPDATE \
                 SET token_hash = excluded.token_hash, \
                 printed_url = COALESCE(payment_links.printed_url, excluded.printed_url)",
            )
            .bind(company_id)
            .bind(invoice_id)
            .bind(token_hash)
            .bind(at)
            .bind(url)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// The payment link printed on an invoice, if it carries one.
    pub async fn printed_payment_link(&self, company_id: Uuid, invoice_id: Uuid) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT printed_url FROM payment_links WHERE company_id = $1 AND invoice_id = $2"
        )
        .bind(company_id)
        .bind(invoice_id)
        .fetch_optional(p)
        .await?);
        Ok(row.and_then(|r| r.0))
    }

    /// The `(company, invoice)` of a payment link, by the hash of its token.
    pub async fn payment_link(&self, token_hash: &str) -> Result<Option<(Uuid, Uuid)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT company_id, invoice_id FROM payment_links WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(p)
            .await?))
    }

    /// Handles a paid Checkout session once: remembers the event id and, when the event is
    /// new and the session is the company's, records `amount` in `currency` on its invoice (what exceeds
    /// the due, or all of it when the invoice takes no more payments, becomes customer
    /// credit: the money was received), all in one transaction.
    pub async fn stripe_session_paid(&self, company_id: Uuid, paid: &PaidSession<'_>) -> Result<EventOutcome> {
        let PaidSession { event_id, event_type, stripe_session_id, amount, currency, date } = *paid;
        let mut tx = self.begin().await?;
        if !remember_event(&mut tx, company_id, event_id, event_type).await? {
            return Ok(EventOutcome::Replayed);
        }
        let Some(session) = session_row(&mut tx, company_id, stripe_session_id).await? else {
            tx.commit().await?;
            return Ok(EventOutcome::UnknownSession);
        };
        if session.status == "paid" {
            // Both `completed` and `async_payment_succeeded` may come for one session.
            tx.commit().await?;
            return Ok(EventOutcome::Replayed);
        }
        let doc = lock_document(&mut tx, company_id, session.invoice_id, None).await?;
        let customer_id = doc.content.customer_id;
        lock_customer(&mut tx, company_id, customer_id).await?;
        let plan = if doc.kind.is_payable() && doc.content.currency == currency {
            pay_one(&open(&doc), amount, Excess::Credit).ok()
        } else {
            None
        };
        let (allocations, to_credit) = match &plan {
            Some(p) => (p.allocations.iter().map(|a| (doc.id, a)).collect::<Vec<(Uuid, &Allocated)>>(), p.to_credit),
            None => (Vec::new(), amount),
        };
        let h = Header {
            id: new_id(),
            customer_id,
            kind: PaymentKind::Receipt,
            currency,
            amount,
            to_credit,
            date,
            method: ONLINE_METHOD,
            reference: Some(stripe_session_id),
            at: now(),
        };
        write_receipt(&mut tx, company_id, &h, &allocations).await?;
        if allocations.is_empty() {
            let detail = serde_json::json!({"payment_id": h.id, "amount": amount.to_string(), "to_credit": amount.to_string(), "method": ONLINE_METHOD});
            event(&mut tx, company_id, doc.id, "online_payment_to_credit", detail).await?;
        }
        set_session_status(&mut tx, company_id, stripe_session_id, "paid", Some(h.id)).await?;
        tx.commit().await?;
        Ok(EventOutcome::Paid(h.id))
    }

    /// Handles a failed asynchronous payment once: the invoice's history says so.
    pub async fn stripe_session_failed(
        &self,
        company_id: Uuid,
        event_id: &str,
        event_type: &str,
        stripe_session_id: &str,
    ) -> Result<EventOutcome> {
        let mut tx = self.begin().await?;
        if !remember_event(&mut tx, company_id, event_id, event_type).await? {
            return Ok(EventOutcome::Replayed);
        }
        let Some(session) = session_row(&mut tx, company_id, stripe_session_id).await? else {
            tx.commit().await?;
            return Ok(EventOutcome::UnknownSession);
        };
        let detail = serde_json::json!({"session": stripe_session_id, "method": ONLINE_METHOD});
        event(&mut tx, company_id, session.invoice_id, "online_payment_failed", detail).await?;
        if session.status == "open" {
            set_session_status(&mut tx, company_id, stripe_session_id, "failed", None).await?;
        }
        tx.commit().await?;
        Ok(EventOutcome::Failed)
    }

    /// Remembers an event of no interest (so that its replays are recognised too).
    pub async fn stripe_event_ignored(
        &self,
        company_id: Uuid,
        event_id: &str,
        event_type: &str,
    ) -> Result<EventOutcome> {
        let mut tx = self.begin().await?;
        let new = remember_event(&mut tx, company_id, event_id, event_type).await?;
        tx.commit().await?;
        Ok(if new { EventOutcome::Ignored } else { EventOutcome::Replayed })
    }
}

/// Writes the event id; false when it was there already (the transaction is then left
/// untouched, to be dropped).
async fn remember_event(tx: &mut Tx, company_id: Uuid, event_id: &str, event_type: &str) -> Result<bool> {
    let at: Stamp = now();
    let done = on_conn!(tx, |c| sqlx::query(
        "INSERT INTO stripe_events (company_id, event_id, event_type, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (company_id, event_id) DO NOTHING"
    )
    .bind(company_id)
    .bind(event_id)
    .bind(event_type)
    .bind(at)
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(done == 1)
}

async fn session_row(tx: &mut Tx, company_id: Uuid, stripe_session_id: &str) -> Result<Option<SessionRow>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT invoice_id, status FROM checkout_sessions WHERE company_id = $1 AND stripe_session_id = $2"
    )
    .bind(company_id)
    .bind(stripe_session_id)
    .fetch_optional(&mut *c)
    .await?))
}

async fn set_session_status(
    tx: &mut Tx,
    company_id: Uuid,
    stripe_session_id: &str,
    status: &str,
    payment_id: Option<Uuid>,
) -> Result<()> {
    let at: Stamp = now();
    on_conn!(tx, |c| {
        sqlx::query(
            "UPDATE checkout_sessions SET status = $3, payment_id = COALESCE($4, payment_id), updated_at = $5 \
             WHERE company_id = $1 AND stripe_session_id = $2",
        )
        .bind(company_id)
        .bind(stripe_session_id)
        .bind(status)
        .bind(payment_id)
        .bind(at)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

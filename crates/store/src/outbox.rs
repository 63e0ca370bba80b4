//! The e-mail outbox. Nothing is lost: a message is a row written in the transaction
//! that asks for it (with an `email_queued` entry in the document's history and its
//! `email.send` job, `store::jobs`), then claimed by the job's handler
//! ([`Store::claim_email`]), sent, and marked `sent` (with a `sent` entry) in one more
//! transaction. A failed attempt is retried with exponential backoff; a claim holds a
//! lease, so the message of a worker that died while sending becomes due again.
//!
//! [`Store::claim_emails`] claims due messages across companies (a worker's batch, kept
//! for tools and tests); everything after a claim filters by the message's `company_id`.

use crate::documents::event;
use crate::files::FileFormat;
use crate::jobs::{EMAIL_SEND, NewJob, enqueue_in as enqueue_job_in};
use crate::{Result, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use serde_json::json;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailStatus {
    /// Waiting for its first attempt or its next retry.
    Pending,
    /// Claimed by a worker that is talking to the SMTP server.
    Sending,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up on: refused for good, or too many failed attempts.
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Pending => "pending",
            EmailStatus::Sending => "sending",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<EmailStatus> {
        Ok(match s {
            "pending" => EmailStatus::Pending,
            "sending" => EmailStatus::Sending,
            "sent" => EmailStatus::Sent,
            "failed" => EmailStatus::Failed,
            other => return Err(StoreError::Corrupt(format!("outbox status {other:?}"))),
        })
    }
}

/// A message to put in the outbox.
#[derive(Clone, Debug)]
pub struct NewEmail<'a> {
    pub company_id: Uuid,
    /// The document the message carries; its history records the message.
    pub document_id: Option<Uuid>,
    /// The company's own address: the Reply-To of the message (its From is the server's).
    pub sender: Option<&'a str>,
    /// The display name of the sender (the company).
    pub sender_name: &'a str,
    pub to: &'a [String],
    pub cc: &'a [String],
    pub subject: &'a str,
    pub body: &'a str,
    /// File name and bytes of the attachment (the document's PDF).
    pub attachment: Option<(&'a str, &'a [u8])>,
}

/// A message as the API shows it (without its body and attachment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailRecord {
    pub id: Uuid,
    pub company_id: Uuid,
    pub document_id: Option<Uuid>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub status: EmailStatus,
    /// Attempts started so far.
    pub attempts: u32,
    /// When the next attempt is due (meaningful while pending).
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    /// The Message-ID of the sent message.
    pub message_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

/// A message claimed by a worker, with everything needed to send it.
#[derive(Clone, Debug)]
pub struct OutgoingEmail {
    pub record: EmailRecord,
    pub sender: Option<String>,
    pub sender_name: String,
    pub body: String,
    pub attachment: Option<(String, Vec<u8>)>,
    /// The password link whose secret the worker mints at send time and puts in place of
    /// [`crate::password_links::SECRET_PLACEHOLDER`] (see `password_links`).
    pub password_reset_id: Option<Uuid>,
}

pub use crate::jobs::Retry;

/// The outbox compares instants as Unix milliseconds ([`Stamp::millis`]) so both backends
/// order them the same way.
fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

const VIEW_COLS: &str = "id, company_id, document_id, recipients, cc, subject, status, attempts, next_attempt_at, \
                         last_error, message_id, created_at, sent_at";

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: Uuid,
    company_id: Uuid,
    document_id: Option<Uuid>,
    recipients: String,
    cc: String,
    subject: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    message_id: Option<String>,
    created_at: OffsetDateTime,
    sent_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct FullRow {
    #[sqlx(flatten)]
    view: ViewRow,
    sender: Option<String>,
    sender_name: String,
    body: String,
    attachment_name: Option<String>,
    attachment: Option<Vec<u8>>,
    password_reset_id: Option<Uuid>,
}

fn addresses(id: Uuid, s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("outbox message {id}: recipients: {e}")))
}

impl TryFrom<ViewRow> for EmailRecord {
    type Error = StoreError;
    fn try_from(r: ViewRow) -> Result<EmailRecord> {
        Ok(EmailRecord {
            to: addresses(r.id, &r.recipients)?,
            cc: addresses(r.id, &r.cc)?,
            id: r.id,
            company_id: r.company_id,
            document_id: r.document_id,
            subject: r.subject,
            status: EmailStatus::parse(&r.status)?,
            attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
            next_attempt_at: from_millis(r.next_attempt_at),
            last_error: r.last_error,
            message_id: r.message_id,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

fn outgoing(r: FullRow) -> Result<OutgoingEmail> {
    let attachment = r.attachment_name.zip(r.attachment);
    Ok(OutgoingEmail {
        record: r.view.try_into()?,
        sender: r.sender,
        sender_name: r.sender_name,
        body: r.body,
        attachment,
        password_reset_id: r.password_reset_id,
    })
}

/// What claiming one message found.
#[derive(Clone, Debug)]
pub enum EmailClaim {
    /// It is this worker's until the lease ends.
    Claimed(Box<OutgoingEmail>),
    /// Another worker is sending it; its lease ends at `until`.
    Busy { until: OffsetDateTime },
    /// It waits for its next attempt, due `at`.
    NotDue { at: OffsetDateTime },
    /// Sent, or given up on.
    Settled(EmailStatus),
}

/// Puts a message given up on back in the outbox, due `at` (its job is retried by hand:
/// `Store::retry_job`). A message in any other state is left as it is.
pub(crate) async fn resend_in(tx: &mut Tx, company_id: Uuid, id: Uuid, at: crate::Stamp) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "UPDATE outbox SET status = 'pending', next_attempt_at = $3, locked_until = NULL \
             WHERE company_id = $1 AND id = $2 AND status = 'failed'",
        )
        .bind(company_id)
        .bind(id)
        .bind(at.millis())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Puts a message in the outbox inside the caller's transaction, with an
/// `email_queued` entry in its document's history. Returns its id.
pub async fn enqueue_in(tx: &mut Tx, e: &NewEmail<'_>) -> Result<Uuid> {
    let id = new_id();
    let at = now();
    let to = json!(e.to).to_string();
    let cc = json!(e.cc).to_string();
    let (name, bytes) = e.attachment.map_or((None, None), |(n, b)| (Some(n), Some(b)));
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO outbox (id, company_id, document_id, sender, sender_name, recipients, cc, subject, body, \
             attachment_name, attachment, status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', 0, $12, $13)",
        )
        .bind(id)
        .bind(e.company_id)
        .bind(e.document_id)
        .bind(e.sender)
        .bind(e.sender_name)
        .bind(&to)
        .bind(&cc)
        .bind(e.subject)
        .bind(e.body)
        .bind(name)
        .bind(bytes)
        .bind(at.millis())
        .bind(at)
        .execute(c)
        .await?;
    });
    let job = NewJob { due: at, ..NewJob::now(EMAIL_SEND, Some(e.company_id), json!({"email_id": id})) };
    enqueue_job_in(tx, &job.deduplicated(format!("{EMAIL_SEND}:{id}"))).await?;
    if let Some(doc) = e.document_id {
        event(
            tx,
            e.company_id,
            doc,
            "email_queued",
            json!({"email_id": id, "to": e.to, "cc": e.cc, "subject": e.subject}),
        )
        .await?;
    }
    Ok(id)
}

/// A file an e-mail carries beyond its own attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attachment {
    /// Bytes made for this message.
    Bytes { name: String, bytes: Vec<u8> },
    /// An issued document's stored file, read when the message is sent: issued files
    /// never change, so a reminder over thousands of invoices copies none of them.
    Stored { name: String, document_id: Uuid, format: FileFormat },
}

/// Adds the further attachments of message `email_id` (`outbox_attachments`, read by the
/// mailer in order after the message's own), inside the caller's transaction.
pub(crate) async fn attach_in(tx: &mut Tx, company_id: Uuid, email_id: Uuid, files: &[Attachment]) -> Result<()> {
    for (n, a) in files.iter().enumerate() {
        let position = i64::try_from(n).unwrap_or(i64::MAX);
        let (name, bytes, file) = match a {
            Attachment::Bytes { name, bytes } => (name, Some(bytes.as_slice()), None),
            Attachment::Stored { name, document_id, format } => (name, None, Some((*document_id, format.as_str()))),
        };
        on_conn!(&mut *tx, |c| {
            sqlx::query(
                "INSERT INTO outbox_attachments \
                 (company_id, email_id, position, name, bytes, document_id, format) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(company_id)
            .bind(email_id)
            .bind(position)
            .bind(name.as_str())
            .bind(bytes)
            .bind(file.map(|f| f.0))
            .bind(file.map(|f| f.1))
            .execute(&mut *c)
            .await?;
        });
    }
    Ok(())
}

impl Store {
    /// Puts messages in the outbox in one transaction (see [`enqueue_in`]), each with its
    /// further attachments ([`attach_in`]); returns their ids in order.
    pub async fn enqueue_emails(&self, emails: &[(NewEmail<'_>, Vec<Attachment>)]) -> Result<Vec<Uuid>> {
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(emails.len());
        for (e, files) in emails {
            let id = enqueue_in(&mut tx, e).await?;
            attach_in(&mut tx, e.company_id, id, files).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Puts a message in the outbox (see [`enqueue_in`]) and returns it.
    pub async fn enqueue_email(&self, e: &NewEmail<'_>) -> Result<EmailRecord> {
        let mut tx = self.begin().await?;
        let id = enqueue_in(&mut tx, e).await?;
        tx.commit().await?;
        self.email(e.company_id, id).await
    }

    /// One message of a company.
    pub async fn email(&self, company_id: Uuid, id: Uuid) -> Result<EmailRecord> {
        let sql = format!("SELECT {VIEW_COLS} FROM outbox WHERE company_id = $1 AND id = $2");
        let row: Option<ViewRow> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(id).fetch_optional(c).await?
        });
        row.ok_or(StoreError::NotFound("e-mail"))?.try_into()
    }

    /// The messages of a document, oldest first.
    pub async fn document_emails(&self, company_id: Uuid, document_id: Uuid) -> Result<Vec<EmailRecord>> {
        let sql = format!("SELECT {VIEW_COLS} FROM outbox WHERE company_id = $1 AND document_id = $2 ORDER BY id");
        let rows: Vec<ViewRow> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id).bind(document_id).fetch_all(c).await?
        });
        rows.into_iter().map(EmailRecord::try_from).collect()
    }

    /// Claims one message for `lease` (what an `email.send` job does): when it is pending
    /// and due, or claimed by a worker whose lease ran out. Counts an attempt. Otherwise
    /// says why not: another worker holds it, it is not due yet, or it is settled.
    pub async fn claim_email(&self, company_id: Uuid, id: Uuid, lease: Duration) -> Result<EmailClaim> {
        let at = now();
        let until = at.millis().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let sql = format!(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, locked_until = $4 \
             WHERE company_id = $1 AND id = $2 AND ((status = 'pending' AND next_attempt_at <= $3) \
             OR (status = 'sending' AND locked_until <= $3)) \
             RETURNING {VIEW_COLS}, sender, sender_name, body, attachment_name, attachment, password_reset_id"
        );
        let mut tx = self.begin().await?;
        let row: Option<FullRow> = on_conn!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(id)
                .bind(at.millis())
                .bind(until)
                .fetch_optional(c)
                .await?
        });
        let locked: Option<(Option<i64>,)> = match row {
            Some(_) => None,
            None => on_conn!(&mut tx, |c| {
                sqlx::query_as("SELECT locked_until FROM outbox WHERE company_id = $1 AND id = $2")
                    .bind(company_id)
                    .bind(id)
                    .fetch_optional(c)
                    .await?
            }),
        };
        tx.commit().await?;
        if let Some(r) = row {
            return Ok(EmailClaim::Claimed(Box::new(outgoing(r)?)));
        }
        let record = self.email(company_id, id).await?;
        Ok(match record.status {
            EmailStatus::Sending => {
                EmailClaim::Busy { until: from_millis(locked.and_then(|(l,)| l).unwrap_or_else(|| at.millis())) }
            }
            EmailStatus::Pending => EmailClaim::NotDue { at: record.next_attempt_at },
            settled => EmailClaim::Settled(settled),
        })
    }

    /// Claims up to `limit` due messages for `lease`: pending ones whose next attempt is
    /// due, and those whose worker's lease ran out. Each claim counts as an attempt.
    /// Two workers never claim the same message (SKIP LOCKED on PostgreSQL; on SQLite
    /// the claim is one statement under the write lock).
    pub async fn claim_emails(&self, limit: u32, lease: Duration) -> Result<Vec<OutgoingEmail>> {
        let at = now();
        let until = at.millis().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let lock = match self.backend() {
            crate::Backend::Sqlite => "",
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, locked_until = $2 \
             WHERE id IN (SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= $1) \
             OR (status = 'sending' AND locked_until <= $1) ORDER BY next_attempt_at, id LIMIT $3{lock}) \
             RETURNING {VIEW_COLS}, sender, sender_name, body, attachment_name, attachment, password_reset_id"
        );
        let mut tx = self.begin().await?;
        let rows: Vec<FullRow> = on_conn!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(at.millis())
                .bind(until)
                .bind(i64::from(limit))
                .fetch_all(c)
                .await?
        });
        tx.commit().await?;
        rows.into_iter().map(outgoing).collect()
    }

    /// Records that the SMTP server accepted a claimed message, and writes `sent` in its
    /// document's history, in one transaction.
    pub async fn email_sent(&self, company_id: Uuid, id: Uuid, message_id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let at = now();
        let row: Option<(Option<Uuid>, String, String, i64)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "UPDATE outbox SET status = 'sent', sent_at = $3, message_id = $4, locked_until = NULL, last_error = NULL \
                 WHERE company_id = $1 AND id = $2 AND status IN ('sending', 'pending') \
                 RETURNING document_id, recipients, cc, attempts",
            )
            .bind(company_id)
            .bind(id)
            .bind(at)
            .bind(message_id)
            .fetch_optional(c)
            .await?
        });
        if let Some((Some(doc), to, cc, attempts)) = row {
            let detail = json!({
                "email_id": id,
                "to": addresses(id, &to)?,
                "cc": addresses(id, &cc)?,
                "message_id": message_id,
                "attempts": attempts,
            });
            event(&mut tx, company_id, doc, "sent", detail).await?;
        }
        tx.commit().await
    }

    /// Records a failed attempt: the message waits `retry.delay(attempts)` for the next
    /// one, or fails for good (`send_failed` in its document's history) when the error
    /// is permanent or the attempts are used up. Returns the new status.
    pub async fn email_failed(
        &self,
        company_id: Uuid,
        id: Uuid,
        error: &str,
        permanent: bool,
        retry: &Retry,
    ) -> Result<EmailStatus> {
        let mut tx = self.begin().await?;
        let row: Option<(Option<Uuid>, String, i64)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT document_id, recipients, attempts FROM outbox \
                 WHERE company_id = $1 AND id = $2 AND status = 'sending'",
            )
            .bind(company_id)
            .bind(id)
            .fetch_optional(c)
            .await?
        });
        // Already settled by another worker whose lease this one outlived.
        let Some((doc, to, attempts)) = row else {
            tx.commit().await?;
            return Ok(self.email(company_id, id).await?.status);
        };
        let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
        let give_up = permanent || attempts >= retry.max_attempts;
        let status = if give_up { EmailStatus::Failed } else { EmailStatus::Pending };
        let delay = i64::try_from(retry.delay(attempts).as_millis()).unwrap_or(i64::MAX);
        let next = now().millis().saturating_add(delay);
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "UPDATE outbox SET status = $3, last_error = $4, next_attempt_at = $5, locked_until = NULL \
                 WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(status.as_str())
            .bind(error)
            .bind(next)
            .execute(c)
            .await?;
        });
        if give_up && let Some(doc) = doc {
            let detail = json!({"email_id": id, "to": addresses(id, &to)?, "error": error, "attempts": attempts});
            event(&mut tx, company_id, doc, "send_failed", detail).await?;
        }
        tx.commit().await?;
        Ok(status)
    }

    /// Messages waiting for an attempt (pending or claimed), every company together: what
    /// `serve` reports when no SMTP server is configured.
    pub async fn emails_waiting(&self) -> Result<u64> {
        let (n,): (i64,) = on_pool!(self, |c| {
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetch_one(c).await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_through_milliseconds() {
        let t = OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap();
        assert_eq!(from_millis(crate::Stamp::from(t).millis()), t);
    }
}

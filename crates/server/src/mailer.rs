//! The handler of `email.send` jobs (`server::jobs`): claims the job's message from the
//! outbox, sends it over SMTP with lettre, and records the outcome (`sent`, or a failed
//! attempt retried with the outbox's backoff). The runner polls every `poll` and is woken
//! at once when a message is queued. Without an SMTP server configured the runner does not
//! take e-mail jobs and messages wait in the outbox: nothing is lost.
//!
//! Every message is From the server's own address (`--mail-from`, else
//! [`default_sender`]) with the company's name; the company's address goes in Reply-To,
//! so a company cannot make the server sign mail as anybody it types. A password link's
//! secret is minted here, at send time, and lives only in memory and in the message.

use crate::jobs::{Outcome, Waker};
use facturier_store::outbox::{EmailClaim, EmailStatus, OutgoingEmail, Retry};
use facturier_store::password_links::SECRET_PLACEHOLDER;
use facturier_store::{Stamp, Store};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub use lettre::Address;

/// How the server sends e-mail.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `smtp://[user:password@]host[:port]` (plain, or `?tls=required` for STARTTLS) or
    /// `smtps://…` (TLS from the first byte). `None`: messages wait in the outbox.
    pub smtp_url: Option<String>,
    /// The From address of every message; `None`: [`default_sender`] without a public URL.
    pub from: Option<Address>,
    /// PEM certificates the SMTP server's certificate may also chain to (a company's own
    /// certificate authority), besides the bundled public roots.
    pub ca_pem: Option<Vec<u8>>,
    pub retry: Retry,
    /// How often the job runner looks for due jobs when nothing wakes it.
    pub poll: Duration,
    /// How long a claimed message is the worker's before another may take it.
    pub lease: Duration,
    /// Longest wait for the SMTP server at each step.
    pub timeout: Duration,
    /// Jobs the runner runs at once, e-mails among them.
    pub batch: u32,
}

impl Default for MailConfig {
    fn default() -> MailConfig {
        MailConfig {
            smtp_url: None,
            from: None,
            ca_pem: None,
            retry: Retry::default(),
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
            batch: 20,
        }
    }
}

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error(
        "the SMTP URL is not usable ({0}); write smtp://host:port, smtp://user:password@host:587?tls=required or smtps://host:465"
    )]
    Url(String),
    #[error("the SMTP certificate authority cannot be used: {0}")]
    Ca(String),
}

/// What handlers need of the outbox: a way to wake the job runner, and whether it sends.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    wake: Waker,
    delivering: bool,
}

impl Outbox {
    /// Tells the runner a message was queued.
    pub fn wake(&self) {
        self.wake.wake();
    }

    /// Whether a worker sends the outbox (an SMTP server is configured).
    pub fn delivering(&self) -> bool {
        self.delivering
    }
}

/// Sends the outbox's messages: the handler of `email.send` jobs.
pub struct Sender {
    store: Store,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    config: MailConfig,
}

/// Builds the outbox handle of the server, which wakes `runner`, and, when an SMTP URL is
/// configured, the handler that sends.
pub fn outbox(store: &Store, config: &MailConfig, runner: &Waker) -> Result<(Outbox, Option<Sender>), MailerError> {
    let wake = runner.clone();
    let Some(url) = &config.smtp_url else {
        return Ok((Outbox { wake, delivering: false }, None));
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| MailerError::Url(e.to_string()))?
        .timeout(Some(config.timeout));
    if let Some(pem) = &config.ca_pem {
        builder = builder.tls(tls_with_ca(url, pem)?);
    }
    let transport = builder.build();
    let sender = Sender { store: store.clone(), transport, config: config.clone() };
    Ok((Outbox { wake, delivering: true }, Some(sender)))
}

/// The TLS mode the URL asks for, trusting `pem` as well as the public roots.
fn tls_with_ca(url: &str, pem: &[u8]) -> Result<Tls, MailerError> {
    let parsed = url::Url::parse(url).map_err(|e| MailerError::Url(e.to_string()))?;
    let tls = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let mode: fn(TlsParameters) -> Tls = match (parsed.scheme(), tls.as_deref()) {
        ("smtps", _) => Tls::Wrapper,
        ("smtp", Some("required")) => Tls::Required,
        ("smtp", Some("opportunistic")) => Tls::Opportunistic,
        _ => {
            return Err(MailerError::Ca(
                "a certificate authority needs a TLS connection: smtps://… or smtp://…?tls=required".into(),
            ));
        }
    };
    let host = parsed.host_str().ok_or_else(|| MailerError::Url("no host".into()))?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    // lettre reads a file without any certificate as an empty list: say so instead.
    if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(MailerError::Ca("the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()));
    }
    let cert = Certificate::from_pem(pem).map_err(|e| MailerError::Ca(e.to_string()))?;
    let params = TlsParameters::builder(host)
        .add_root_certificate(cert)
        .build_rustls()
        .map_err(|e| MailerError::Ca(e.to_string()))?;
    Ok(mode(params))
}

/// The From address when `--mail-from` is not given: `noreply@` the host of the
/// configured public URL (never of a request), else `noreply@localhost`.
pub fn default_sender(public_url: Option<&str>) -> Address {
    let host = public_url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| match u.host() {
            Some(url::Host::Domain(d)) => Some(d.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "localhost".into());
    Address::new("noreply", &host)
        .or_else(|_| Address::new("noreply", "localhost"))
        .unwrap_or_else(|_| unreachable!("noreply@localhost is an address"))
}

/// Why one message could not be sent.
struct Failure {
    message: String,
    /// Retrying cannot help (a malformed address, a 5xx refusal).
    permanent: bool,
}

impl Sender {
    /// Runs an `email.send` job: claims its message, sends it, and records the outcome in
    /// the outbox; the job follows the message (done once sent, failed once given up,
    /// otherwise due again when the message's next attempt is).
    pub async fn send_job(&self, company: uuid::Uuid, id: uuid::Uuid) -> Outcome {
        let mail = match self.store.claim_email(company, id, self.config.lease).await {
            Ok(EmailClaim::Claimed(mail)) => mail,
            Ok(EmailClaim::Busy { until }) => return Outcome::Later { at: Stamp::from(until), note: None },
            Ok(EmailClaim::NotDue { at }) => return Outcome::Later { at: Stamp::from(at), note: None },
            Ok(EmailClaim::Settled(EmailStatus::Failed)) => {
                let error = match self.store.email(company, id).await {
                    Ok(r) => r.last_error.unwrap_or_else(|| "the message was given up on".into()),
                    Err(e) => e.to_string(),
                };
                return Outcome::Failed { error, permanent: true };
            }
            Ok(EmailClaim::Settled(_)) => return Outcome::Done,
            Err(e) => return Outcome::Failed { error: format!("the outbox cannot be read: {e}"), permanent: false },
        };
        let r = &mail.record;
        match self.send(&mail).await {
            Ok(message_id) => match self.store.email_sent(r.company_id, r.id, &message_id).await {
                Ok(()) => {
                    tracing::info!(email = %r.id, to = ?r.to, "outbox: sent");
                    Outcome::Done
                }
                // Sent but not recorded: the lease runs out and it goes again, with the
                // same Message-ID (at least once).
                Err(e) => Outcome::Failed { error: format!("sent, but not recorded: {e}"), permanent: false },
            },
            Err(f) => {
                let status =
                    self.store.email_failed(r.company_id, r.id, &f.message, f.permanent, &self.config.retry).await;
                tracing::warn!(email = %r.id, attempts = r.attempts, error = %f.message, status = ?status.as_ref().map(|s| s.as_str()), "outbox: attempt failed");
                match status {
                    Ok(EmailStatus::Failed) => Outcome::Failed { error: f.message, permanent: true },
                    Ok(_) => match self.store.email(r.company_id, r.id).await {
                        Ok(rec) if rec.status == EmailStatus::Pending => {
                            Outcome::Later { at: Stamp::from(rec.next_attempt_at), note: Some(f.message) }
                        }
                        Ok(_) => Outcome::Later { at: facturier_store::now(), note: Some(f.message) },
                        Err(e) => Outcome::Failed { error: e.to_string(), permanent: false },
                    },
                    Err(e) => Outcome::Failed { error: format!("{}; not recorded: {e}", f.message), permanent: false },
                }
            }
        }
    }

    async fn send(&self, mail: &OutgoingEmail) -> Result<String, Failure> {
        let from = self.config.from.clone().unwrap_or_else(|| default_sender(None));
        let message_id = message_id(mail, &from);
        let body = self.body(mail).await?;
        // A reminder carries every invoice it lists: the attachments beyond the row's own.
        let more = self
            .store
            .outbox_attachments(mail.record.company_id, mail.record.id)
            .await
            .map_err(|e| Failure { message: e.to_string(), permanent: false })?;
        let msg =
            build(mail, &more, &body, from, &message_id).map_err(|message| Failure { message, permanent: true })?;
        self.transport.send(msg).await.map_err(|e| Failure { message: smtp_error(&e), permanent: e.is_permanent() })?;
        Ok(message_id)
    }
}

impl Sender {
    /// The text to send: a password link's secret is minted now (each attempt anew) and
    /// exists only in this string and in the message the SMTP server receives.
    async fn body(&self, mail: &OutgoingEmail) -> Result<String, Failure> {
        let Some(reset_id) = mail.password_reset_id else { return Ok(mail.body.clone()) };
        let r = &mail.record;
        let minted = self.store.mint_password_link(r.company_id, reset_id, facturier_store::now()).await;
        match minted {
            Ok(Some(secret)) => Ok(mail.body.replace(SECRET_PLACEHOLDER, &secret)),
            Ok(None) => Err(Failure {
                message: "the password link was used or expired before it could be sent: ask for a new one".into(),
                permanent: true,
            }),
            Err(e) => {
                Err(Failure { message: format!("the password link could not be prepared: {e}"), permanent: false })
            }
        }
    }
}

/// The error with its causes ("Connection error: Connection refused (os error 111)").
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// One Message-ID per outbox message, the same on every retry, so that a receiving
/// server can tell a retried message from a new one.
fn message_id(mail: &OutgoingEmail, from: &Address) -> String {
    format!("<{}@{}>", mail.record.id, from.domain())
}

/// The message: From the server's `address` with the company's name, Reply-To the
/// company's own address.
fn build(
    mail: &OutgoingEmail,
    more: &[(String, Vec<u8>)],
    body: &str,
    address: Address,
    message_id: &str,
) -> Result<Message, String> {
    // The builder's own defence against header injection: the edge refuses such text,
    // but a row of the outbox may predate the rule.
    let headers = [("subject", mail.record.subject.as_str()), ("sender name", mail.sender_name.as_str())];
    let recipients = mail.record.to.iter().chain(&mail.record.cc).map(|a| ("recipient", a.as_str()));
    for (header, value) in headers.into_iter().chain(recipients) {
        facturier_formats::email::header_value(header, value).map_err(|e| e.to_string())?;
    }
    let from = Mailbox::new(Some(mail.sender_name.clone()), address);
    let mut b = Message::builder().from(from.clone()).subject(&mail.record.subject).message_id(Some(message_id.into()));
    // Answers go to the company even when the server sends from its own address.
    if let Some(reply) = mail.sender.as_deref().and_then(|s| s.parse::<Address>().ok())
        && reply != from.email
    {
        b = b.reply_to(Mailbox::new(Some(mail.sender_name.clone()), reply));
    }
    for to in &mail.record.to {
        b = b.to(to.parse::<Mailbox>().map_err(|e| format!("recipient {to:?}: {e}"))?);
    }
    for cc in &mail.record.cc {
        b = b.cc(cc.parse::<Mailbox>().map_err(|e| format!("recipient {cc:?}: {e}"))?);
    }
    let text = SinglePart::plain(body.to_string());
    let files: Vec<(&String, &Vec<u8>)> =
        mail.attachment.iter().map(|(n, b)| (n, b)).chain(more.iter().map(|(n, b)| (n, b))).collect();
    let msg = if files.is_empty() {
        b.singlepart(text)
    } else {
        let pdf = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
        let mut parts = MultiPart::mixed().singlepart(text);
        for (name, bytes) in files {
            parts = parts.singlepart(Attachment::new(name.clone()).body(bytes.clone(), pdf.clone()));
        }
        b.multipart(parts)
    };
    msg.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A syntactically valid certificate is not needed to test the refusals below.
    const NOT_PEM: &[u8] = b"not a certificate";

    fn outgoing(subject: &str, sender_name: &str, to: &str) -> OutgoingEmail {
        let now = time::OffsetDateTime::now_utc();
        OutgoingEmail {
            record: facturier_store::outbox::EmailRecord {
                id: uuid::Uuid::now_v7(),
                company_id: uuid::Uuid::now_v7(),
                document_id: None,
                to: vec![to.into()],
                cc: Vec::new(),
                subject: subject.into(),
                status: facturier_store::outbox::EmailStatus::Sending,
                attempts: 1,
                next_attempt_at: now,
                last_error: None,
                message_id: None,
                created_at: now,
                sent_at: None,
            },
            sender: None,
            sender_name: sender_name.into(),
            body: "Bonjour".into(),
            attachment: None,
            password_reset_id: None,
        }
    }

    #[test]
    fn the_builder_refuses_header_values_with_line_breaks_or_control_characters() {
        let from = || default_sender(None);
        assert!(build(&outgoing("Facture F1", "Test SARL", "a@b.fr"), &[], "x", from(), "<1@x>").is_ok());
        for mail in [
            outgoing("Facture\r\nBcc: espion@exemple.fr", "Test SARL", "a@b.fr"),
            outgoing("Facture\0", "Test SARL", "a@b.fr"),
            outgoing("Facture", "Test\nSARL", "a@b.fr"),
            outgoing("Facture", "Test SARL", "a@b.fr\r\nBcc: espion@exemple.fr"),
        ] {
            let e = build(&mail, &[], "x", from(), "<1@x>").unwrap_err();
            assert!(e.contains("line break or a control character"), "{e}");
        }
    }

    #[test]
    fn the_default_sender_comes_from_the_configured_public_url_only() {
        assert_eq!(default_sender(None).to_string(), "noreply@localhost");
        assert_eq!(default_sender(Some("https://factures.example.fr/")).to_string(), "noreply@factures.example.fr");
        assert_eq!(default_sender(Some("http://192.0.2.7:8080")).to_string(), "noreply@localhost");
        assert_eq!(default_sender(Some("not a url")).to_string(), "noreply@localhost");
    }

    #[test]
    fn a_certificate_authority_needs_a_tls_url_and_a_pem_certificate() {
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        for plain in ["smtp://127.0.0.1:25", "smtp://127.0.0.1:25?tls=none"] {
            let err = tls_with_ca(plain, pem).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("needs a TLS connection"), "{plain}: {err}");
        }
        let err = tls_with_ca("smtps://127.0.0.1:465", NOT_PEM).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("no PEM certificate"), "{err}");
    }
}

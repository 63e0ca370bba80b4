//! E-mailing an issued document with its PDF attached: the message written from the
//! template of its kind in the reader's language (or the one given), its recipients
//! checked, queued in the outbox.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::Check;
use facturier_core::document::DocumentKind;
use facturier_core::ids::Email;
use facturier_core::input::TextKind;
use facturier_core::lifecycle::{self, Action};
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::email::{MergeValues, Template, Texts, attachment_name, default_template};
use facturier_store::companies::CompanySettings;
use facturier_store::files::FileFormat;
use facturier_store::outbox::{Attachment, EmailRecord, NewEmail};
use serde::Deserialize;
use uuid::Uuid;

/// Most recipients of one message (`to` and `cc` each).
pub const MAX_RECIPIENTS: usize = 20;
/// Longest subject and message.
pub const MAX_SUBJECT: usize = 300;
pub const MAX_MESSAGE: usize = 20_000;

/// The body of `POST /{kind}/{id}/send`; may be empty.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    /// Recipients; default: the customer's e-mail, else its first contact's.
    #[schema(schema_with = crate::openapi::field::recipients)]
    pub to: Option<Vec<String>>,
    /// Copies.
    #[schema(schema_with = crate::openapi::field::copies)]
    pub cc: Option<Vec<String>>,
    /// Replaces the template's subject; merge fields allowed.
    #[schema(max_length = 300)]
    pub subject: Option<String>,
    /// Replaces the template's body; merge fields allowed.
    #[schema(max_length = 20_000)]
    pub message: Option<String>,
    /// Language of the template and of the attachment's name; default: the customer's.
    #[schema(schema_with = crate::openapi::field::send_language)]
    pub language: Option<String>,
}

fn language(s: &str) -> Option<Language> {
    match s {
        "fr" => Some(Language::Fr),
        "en" => Some(Language::En),
        _ => None,
    }
}

/// The name of a language in settings and bodies.
pub fn language_code(l: Language) -> &'static str {
    match l {
        Language::Fr => "fr",
        Language::En => "en",
    }
}

/// Parses a list of addresses, each one an address an SMTP server accepts.
fn addresses(v: &mut Check, field: &str, list: &Option<Vec<String>>) -> Vec<String> {
    let list = list.as_deref().unwrap_or_default();
    if list.len() > MAX_RECIPIENTS {
        v.error(field, Message::new("most_addresses").with("max", MAX_RECIPIENTS));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let f = format!("{field}[{i}]");
        // An address becomes a header: the one-line rule first, so a NUL or a line
        // break is named as such rather than as a bad shape.
        if !v.rule(&f, s, TextKind::Line) {
            continue;
        }
        let Some(e) = v.parse::<Email>(&f, s) else { continue };
        if e.as_str().parse::<lettre::Address>().is_err() {
            v.error(f, Message::new("address_mail_server_accepts").with("v", format!("{:?}", e.as_str())));
            continue;
        }
        if !out.contains(&e.as_str().to_string()) {
            out.push(e.as_str().to_string());
        }
    }
    out
}

/// A template text given in a body or in the settings, with its merge fields checked: a
/// subject is one line (it becomes a header), a body may span lines.
pub fn template(v: &mut Check, field: &str, text: &str, max: usize, kind: TextKind) -> Option<Template> {
    if text.chars().count() > max {
        v.error(field, Message::new("at_most_characters").with("max", max));
        return None;
    }
    if !v.rule(field, text, kind) {
        return None;
    }
    v.parse::<Template>(field, text)
}

/// The subject and body templates: the body's override, the company's, or the built-in one.
fn texts(
    v: &mut Check,
    input: &SendInput,
    settings: &CompanySettings,
    kind: DocumentKind,
    lang: Language,
) -> Option<Texts<Template>> {
    let custom = settings.email_templates.get(kind.as_str()).and_then(|m| m.get(language_code(lang)));
    let builtin = default_template(kind, lang);
    let subject_text = custom.map_or(builtin.subject, |c| c.subject.as_str());
    let body_text = custom.map_or(builtin.body, |c| c.body.as_str());
    let subject = match input.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => template(v, "subject", s, MAX_SUBJECT, TextKind::Line),
        None => template(v, "subject", subject_text, MAX_SUBJECT, TextKind::Line),
    };
    let body = match input.message.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => template(v, "message", s, MAX_MESSAGE, TextKind::Lines),
        None => template(v, "message", body_text, MAX_MESSAGE, TextKind::Lines),
    };
    Some(Texts { subject: subject?, body: body? })
}

/// A message written from its input and checked, before it is queued: what a preview
/// shows and what [`send`] queues.
pub struct Composed {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The subject and body with their merge fields filled.
    pub subject: String,
    pub body: String,
    /// The file name of the attachment (the document's PDF).
    pub attachment: String,
    sender: Option<String>,
    sender_name: String,
    rec: facturier_store::documents::DocumentRecord,
}

impl Composed {
    /// The message to queue, with `attachment` (name and bytes) copied into it or none.
    fn message<'a>(&'a self, company: Uuid, attachment: Option<(&'a str, &'a [u8])>) -> NewEmail<'a> {
        NewEmail {
            company_id: company,
            document_id: Some(self.rec.id),
            sender: self.sender.as_deref(),
            sender_name: &self.sender_name,
            to: &self.to,
            cc: &self.cc,
            subject: &self.subject,
            body: &self.body,
            attachment,
        }
    }
}

/// Writes the message of an issued document from `input` (recipients checked, template
/// chosen and filled) without queuing it.
pub async fn compose(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: Uuid,
    input: &SendInput,
) -> Result<Composed, ApiError> {
    auth.require_write()?;
    compose_for(app, auth.company(), auth.today(), kind, id, input).await
}

/// [`compose`] for a company without a user: what a run (the billing run's issued
/// invoices) sends, exactly as a user's `send` with the same input would. `today` dates
/// a draft's render model only (an issued document renders from what was sealed).
pub async fn compose_for(
    app: &App,
    company: Uuid,
    today: time::Date,
    kind: DocumentKind,
    id: Uuid,
    input: &SendInput,
) -> Result<Composed, ApiError> {
    let rec = app.store.document(company, kind, id).await?;
    // The table sends from every status but the draft's: a draft has no number yet.
    if !lifecycle::allows(kind, rec.status, Action::Send) {
        return Err(ApiError::Conflict(Message::new("draft_number_yet_issue").with("kind", crate::api::noun(kind))));
    }
    let doc = super::render::model_of(&app.store, company, today, &rec).await?;
    let settings = app.store.settings(company).await?;

    let mut v = Check::default();
    let lang = match input.language.as_deref() {
        None => doc.language,
        Some(s) => language(s).unwrap_or_else(|| {
            v.error("language", Message::new("not_a_language_2").with("v", format!("{s:?}")));
            doc.language
        }),
    };
    let mut to = addresses(&mut v, "to", &input.to);
    let cc = addresses(&mut v, "cc", &input.cc);
    if input.to.as_ref().is_none_or(Vec::is_empty) {
        let customer = app.store.customer(company, rec.content.customer_id).await?.customer;
        let default = customer
            .email
            .map(|e| e.as_str().to_string())
            .or_else(|| customer.contacts.iter().find_map(|c| c.email.as_ref().map(|e| e.as_str().to_string())))
            .or_else(|| doc.buyer.email.clone());
        match default {
            Some(e) => to.push(e),
            None => v.error("to", Message::new("customer_e_mail_address")),
        }
    }
    let texts = texts(&mut v, input, &settings, kind, lang);
    v.finish()?;
    let Some(texts) = texts else { return Err(ApiError::field("message", Message::new("required"))) };

    let mut mail = texts.render(&MergeValues::of(&doc, lang));
    // Online payment (issue 23): the invoice's public payment link, outside its sealed files.
    if let Some(line) = crate::stripe::email_line(app, company, &rec, lang).await? {
        mail.body = format!("{}\n\n{line}\n", mail.body.trim_end());
    }
    let sender_name = doc.seller.trading_name.as_deref().unwrap_or(&doc.seller.name);
    // One line without control characters, as the builder requires, even for a name saved
    // before the string rule: the message goes out rather than failing at every attempt.
    let sender_name = sender_name.split_whitespace().collect::<Vec<_>>().join(" ").replace(char::is_control, "");
    Ok(Composed {
        to,
        cc,
        subject: mail.subject,
        body: mail.body,
        attachment: attachment_name(&doc, lang),
        sender: doc.seller.email.clone(),
        sender_name,
        rec,
    })
}

/// Queues the message of an issued document; `delivering` says whether a mail server will send it.
pub async fn send(app: &App, auth: &Auth, kind: DocumentKind, id: Uuid, input: &SendInput) -> Result<Queued, ApiError> {
    let c = compose(app, auth, kind, id, input).await?;
    // The file stored when the document was issued, as every download serves it.
    let pdf = super::render::stored_bytes(app, auth, &c.rec, facturier_store::files::FileFormat::Pdf).await?;
    let queued = app.store.enqueue_email(&c.message(auth.company(), Some((&c.attachment, &pdf)))).await?;
    app.outbox.wake();
    Ok(Queued { email: queued, delivering: app.outbox.delivering() })
}

/// A message just queued.
pub struct Queued {
    pub email: EmailRecord,
    /// False when no mail server is configured: the message waits in the outbox.
    pub delivering: bool,
}

/// The messages of a document, newest last.
pub async fn list(app: &App, auth: &Auth, kind: DocumentKind, id: Uuid) -> Result<Vec<EmailRecord>, ApiError> {
    let rec = app.store.document(auth.company(), kind, id).await?;
    Ok(app.store.document_emails(auth.company(), rec.id).await?)
}

/// Queues the message of each invoice a run issued (the billing run's), as a user's
/// `send` with an empty body would write it ([`compose_for`]), its PDF attached by
/// reference to the stored file (read by the mailer at send, as the dunning run's), all in
/// one transaction. Returns the invoices that could not be e-mailed (a customer without an
/// address): they stay issued, the run goes on. The caller wakes the outbox once.
pub async fn queue_issued(
    app: &App,
    company: Uuid,
    today: time::Date,
    invoices: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let mut composed = Vec::with_capacity(invoices.len());
    let mut not_emailed = Vec::new();
    for &id in invoices {
        match compose_for(app, company, today, DocumentKind::Invoice, id, &SendInput::default()).await {
            Ok(c) => composed.push(c),
            // What the message itself lacks (no recipient): the invoice is issued all the same.
            Err(e @ (ApiError::Invalid(_) | ApiError::Conflict(_))) => {
                tracing::warn!(invoice = %id, error = %e, "an invoice issued by the run cannot be e-mailed");
                not_emailed.push(id);
            }
            Err(e) => return Err(e),
        }
    }
    for c in &composed {
        if !app.store.has_document_file(company, c.rec.id, FileFormat::Pdf).await? {
            // Its files could not be rendered at issue: rendered now, as a download would.
            crate::files::ensure(&app.store, company, &c.rec).await?;
        }
    }
    let emails: Vec<(NewEmail<'_>, Vec<Attachment>)> = composed
        .iter()
        .map(|c| {
            // The invoice goes as its stored file, not copied into the outbox.
            let email = c.message(company, None);
            let pdf = Attachment::Stored { name: c.attachment.clone(), document_id: c.rec.id, format: FileFormat::Pdf };
            (email, vec![pdf])
        })
        .collect();
    app.store.enqueue_emails(&emails).await?;
    Ok(not_emailed)
}

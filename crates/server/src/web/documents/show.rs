//! The document page: lines, totals, payments, family, history, e-mails, and what
//! issuing a draft would refuse.

use super::actions::{ActionButton, actions};
use super::editor::subtotal_amounts;
use super::{doc_id, title_of};
use crate::App;
use crate::web::i18n::{self, t};
use crate::web::invoices::urgency;
use crate::web::lists::{filter_word, status_word};
use crate::web::session::{Chrome, FormData, WebSession};
use crate::web::words::event_label;
use crate::web::{WebError, html};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use facturier_core::compliance::{self, Place};
use facturier_core::document::{DocumentKind, LineKind, Status};
use facturier_core::lifecycle::{self, Action};
use facturier_core::listing::ListStatus;
use facturier_core::money::to_text;
use facturier_formats::text;
use facturier_store::documents::DocumentRecord;
use facturier_store::outbox::{EmailRecord, EmailStatus};
use std::collections::BTreeMap;

const METHODS: [&str; 6] = ["bank_transfer", "card", "cheque", "cash", "direct_debit", "other"];

pub struct LineRow {
    pub id: String,
    pub description: String,
    /// A text line: comment or subtotal.
    pub comment: bool,
    /// A subtotal shows its `net`.
    pub subtotal: bool,
    pub quantity: String,
    /// The unit in words ("heure", "mètre"), never its UN/ECE code.
    pub unit: String,
    pub unit_price: String,
    pub discount: String,
    pub vat: String,
    pub net: String,
}

pub struct EmailRow {
    pub date: String,
    pub to: String,
    pub subject: String,
    pub status: &'static str,
    /// Where the message is, in words: when it was sent, when it is tried again and why
    /// the last attempt failed, or that no mail server is configured.
    pub detail: String,
    /// The last error as the mail server gave it (technical, in English), if any.
    pub error: Option<String>,
}

/// The message the e-mail form would send, shown before sending.
pub struct EmailPreview {
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub body: String,
    pub attachment: String,
}

/// A payment on a document page: (date, method, amount, applied here, status label, id
/// when it can be cancelled).
pub(super) type PaymentRow = (String, String, String, String, &'static str, Option<String>);

#[derive(Template)]
#[template(path = "document.html")]
pub(super) struct ShowPage {
    pub(super) p: Chrome,
    pub(super) seg: &'static str,
    pub(super) id: String,
    pub(super) kind_title: &'static str,
    pub(super) status: &'static str,
    pub(super) urgency: &'static str,
    pub(super) customer_id: String,
    pub(super) customer: String,
    pub(super) date: String,
    pub(super) due_date: String,
    pub(super) valid_until: String,
    pub(super) lines: Vec<LineRow>,
    pub(super) lines_net: String,
    pub(super) discount: Option<String>,
    /// The document charge (shipping): its label and amount.
    pub(super) charge: Option<(String, String)>,
    pub(super) net: String,
    pub(super) vat: Vec<(String, String)>,
    pub(super) gross: String,
    pub(super) paid: Option<String>,
    pub(super) due: Option<String>,
    pub(super) due_plain: String,
    pub(super) today: String,
    pub(super) note: String,
    pub(super) payments: Vec<PaymentRow>,
    pub(super) family: Vec<(String, String, &'static str)>,
    pub(super) history: Vec<(String, String)>,
    pub(super) emails: Vec<EmailRow>,
    pub(super) can_edit: bool,
    pub(super) actions: Vec<ActionButton>,
    pub(super) can_pay: bool,
    pub(super) can_send: bool,
    pub(super) can_bill_order: bool,
    pub(super) can_credit: bool,
    pub(super) can_deliver: bool,
    pub(super) ubl: bool,
    pub(super) errors: BTreeMap<String, String>,
    /// The e-mail form's message, filled, when "preview" was asked.
    pub(super) preview: Option<EmailPreview>,
    /// What was typed in the page's forms when an action was refused, kept in its inputs.
    pub(super) typed: BTreeMap<String, String>,
    /// What stops the draft from being issued: (message, link to where it is fixed, label
    /// of the link).
    pub(super) problems: Vec<(String, String, &'static str)>,
    /// An issued invoice's reminders, entries by hand and "do not dun" (`web::dunning`).
    pub(super) dunning: Option<crate::web::dunning::history::InvoiceBox>,
}

impl ShowPage {
    pub(super) fn typed(&self, field: &str) -> &str {
        self.typed.get(field).map(String::as_str).unwrap_or_default()
    }
    pub(super) fn methods(&self) -> Vec<(&'static str, &'static str)> {
        METHODS.iter().map(|m| (*m, t(self.p.lang, &format!("method.{m}")))).collect()
    }
    pub(super) fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

pub(super) async fn show_page(
    app: &App,
    s: &WebSession,
    rec: &DocumentRecord,
    errors: BTreeMap<String, String>,
    status: StatusCode,
    typed: Option<&FormData>,
) -> Result<Response, WebError> {
    html(status, &page(app, s, rec, errors, typed).await?)
}

/// The document page's data, for [`show_page`] or a caller that adds to it.
pub(super) async fn page(
    app: &App,
    s: &WebSession,
    rec: &DocumentRecord,
    errors: BTreeMap<String, String>,
    typed: Option<&FormData>,
) -> Result<ShowPage, WebError> {
    let lang = s.lang();
    let kind = rec.kind;
    let err = |e| WebError::store(lang, e);
    let cur = rec.content.currency;
    let totals = rec.content.totals();
    let customer = app.store.customer(s.rec.company_id, rec.content.customer_id).await.map_err(err)?;
    let mut amounts = totals.lines.iter();
    let mut subtotals = subtotal_amounts(&rec.content).into_iter();
    let lines = rec
        .content
        .lines
        .iter()
        .map(|l| {
            if !l.is_item() {
                let subtotal = l.kind == LineKind::Subtotal;
                let net = if subtotal {
                    subtotals.next().map(|(_, a)| text::money(a, cur, lang)).unwrap_or_default()
                } else {
                    String::new()
                };
                return LineRow {
                    id: l.id.to_string(),
                    description: l.description.clone(),
                    comment: true,
                    subtotal,
                    quantity: String::new(),
                    unit: String::new(),
                    unit_price: String::new(),
                    discount: String::new(),
                    vat: String::new(),
                    net,
                };
            }
            let amount = amounts.next();
            let net = amount.map(|a| text::money(a.net, cur, lang)).unwrap_or_default();
            LineRow {
                id: l.id.to_string(),
                description: l.description.clone(),
                comment: false,
                subtotal: false,
                quantity: text::number(l.quantity, 0, lang),
                unit: l.unit.label(lang).to_string(),
                unit_price: text::money(l.unit_price, cur, lang),
                discount: if l.discount_percent.is_zero() {
                    String::new()
                } else {
                    text::percent(l.discount_percent, lang)
                },
                vat: text::percent(l.vat.rate(), lang),
                net,
            }
        })
        .collect();
    let family = if rec.links.is_empty() {
        Vec::new()
    } else {
        app.store.family(s.rec.company_id, rec.id).await.map_err(err)?
    };
    let family = family
        .into_iter()
        .filter(|m| m.id != rec.id)
        .map(|m| {
            let label = title_of(m.kind, m.number.as_deref(), lang);
            // Whether a member quote was e-mailed is not read here: its word says both.
            (label, format!("/{}/{}", m.kind.segment(), m.id), filter_word(m.kind, ListStatus::Is(m.status)))
        })
        .collect();
    let history = rec
        .history
        .iter()
        .map(|e| (text::instant(e.at, &s.rec.country, lang), event_label(lang, "event", &e.event)))
        .collect();
    let delivering = app.outbox.delivering();
    let emails = crate::app::email::list(app, &s.auth(), kind, rec.id)
        .await
        .map_err(|e| WebError::api(lang, e))?
        .into_iter()
        .map(|e| email_row(e, delivering, &s.rec.country, lang))
        .collect();
    let due = rec.due();
    let payable = kind.is_payable() && rec.status != Status::Draft;
    let write = s.can_write();
    let problems = issue_problems(app, s, rec).await?;
    let may = |action| write && lifecycle::allows(kind, rec.status, action);
    let mut actions = actions(kind, rec, write);
    if !problems.is_empty() {
        for a in actions.iter_mut().filter(|a| a.path == "issue") {
            a.disabled = true;
        }
    }
    let page = ShowPage {
        p: s.chrome(app, kind.segment(), title_of(kind, rec.number.as_deref(), lang)).await?,
        seg: kind.segment(),
        id: rec.id.to_string(),
        kind_title: text::kind_title(kind, false, lang),
        status: status_word(
            kind,
            lifecycle::effective_status(kind, rec.status, rec.content.valid_until, s.today()),
            rec.history.iter().any(|e| e.event == "sent"),
        ),
        urgency: if kind.is_payable() { urgency(rec.status, rec.due_date, s.today()) } else { "" },
        customer_id: rec.content.customer_id.to_string(),
        customer: customer.customer.name,
        date: rec.issue_date.map(|d| text::date(d, lang)).unwrap_or_default(),
        due_date: rec.due_date.map(|d| text::date(d, lang)).unwrap_or_default(),
        valid_until: rec.content.valid_until.map(|d| text::date(d, lang)).unwrap_or_default(),
        lines,
        lines_net: text::money(totals.lines_net, cur, lang),
        discount: (!totals.discount.is_zero()).then(|| text::money(totals.discount, cur, lang)),
        charge: rec
            .content
            .shipping
            .as_ref()
            .filter(|_| !totals.charges.is_zero())
            .map(|c| (c.label.clone(), text::money(totals.charges, cur, lang))),
        net: text::money(totals.net, cur, lang),
        vat: totals.vat.iter().map(|v| (text::percent(v.rate, lang), text::money(v.amount, cur, lang))).collect(),
        gross: text::money(totals.gross, cur, lang),
        paid: payable.then(|| text::money(rec.paid, cur, lang)),
        due: payable.then(|| text::money(due, cur, lang)),
        due_plain: to_text(due, cur.minor_units()),
        today: s.today().to_string(),
        note: rec.content.note.clone().unwrap_or_default(),
        payments: rec
            .payments
            .iter()
            .map(|p| {
                let method =
                    i18n::lookup(lang, &format!("method.{}", p.method)).map_or_else(|| p.method.clone(), String::from);
                let recorded = p.status == "recorded";
                (
                    text::date(p.date, lang),
                    method,
                    text::money(p.amount, cur, lang),
                    text::money(p.applied, cur, lang),
                    t(lang, if recorded { "payment.status.recorded" } else { "payment.status.cancelled" }),
                    (write && recorded).then(|| p.id.to_string()),
                )
            })
            .collect(),
        family,
        history,
        emails,
        can_edit: may(Action::Update),
        actions,
        can_pay: may(Action::RecordPayment),
        can_send: may(Action::Send),
        can_deliver: may(Action::Convert(DocumentKind::DeliveryNote)),
        can_credit: may(Action::CreditNote),
        can_bill_order: may(Action::DepositInvoice),
        // A draft has no number, hence no UBL (the API answers 409).
        ubl: kind.is_invoice() && rec.status != Status::Draft,
        errors,
        preview: None,
        typed: typed.map(|f| f.0.iter().filter(|(k, _)| k != "csrf").cloned().collect()).unwrap_or_default(),
        problems,
        dunning: crate::web::dunning::history::invoice_box(app, s, rec).await?,
    };
    Ok(page)
}

/// A message of the outbox as the document page lists it: its state, and in words what
/// happened to it and what happens next.
fn email_row(e: EmailRecord, delivering: bool, country: &str, lang: facturier_core::party::Language) -> EmailRow {
    let instant = |at, lang| text::instant(at, country, lang);
    let why = e.last_error.as_deref().map(|err| t(lang, failure_key(err)));
    let detail = match e.status {
        EmailStatus::Sent => {
            t(lang, "email.detail_sent").replace("{when}", &instant(e.sent_at.unwrap_or(e.created_at), lang))
        }
        // Nothing sends the outbox: say so, and where it is configured.
        EmailStatus::Pending | EmailStatus::Sending if !delivering => t(lang, "email.detail_no_server").to_string(),
        EmailStatus::Sending => t(lang, "email.detail_sending").to_string(),
        EmailStatus::Pending => match why {
            Some(why) => t(lang, "email.detail_retry")
                .replace("{why}", why)
                .replace("{when}", &instant(e.next_attempt_at, lang))
                .replace("{n}", &e.attempts.to_string()),
            None => t(lang, "email.detail_waiting").to_string(),
        },
        EmailStatus::Failed => t(lang, "email.detail_failed")
            .replace("{why}", why.unwrap_or_else(|| t(lang, "email.why_other")))
            .replace("{n}", &e.attempts.to_string()),
    };
    EmailRow {
        date: text::instant(e.created_at, country, lang),
        to: e.to.join(", "),
        subject: e.subject,
        status: match e.status {
            EmailStatus::Sent => "email.sent",
            EmailStatus::Failed => "email.failed",
            EmailStatus::Sending => "email.sending",
            EmailStatus::Pending => "email.pending",
        },
        detail,
        error: if e.status == EmailStatus::Sent { None } else { e.last_error },
    }
}

/// The kind of failure a mail server's error reports, as a label.
fn failure_key(error: &str) -> &'static str {
    let e = error.to_ascii_lowercase();
    if e.starts_with("recipient") || e.contains("mailbox") || e.contains("address") {
        "email.why_address"
    } else if e.contains("permanent") {
        "email.why_refused"
    } else if e.contains("connection") || e.contains("network") || e.contains("timed out") || e.contains("timeout") {
        "email.why_unreachable"
    } else if e.contains("transient") {
        "email.why_busy"
    } else {
        "email.why_other"
    }
}

/// What issuing this draft would refuse (`core::compliance`, as `GET …/issue-check`
/// says it), each with a link to the page where it is fixed. Nothing for an issued
/// document, nor when issuing would be refused for another reason (shown when tried).
pub(super) async fn issue_problems(
    app: &App,
    s: &WebSession,
    rec: &DocumentRecord,
) -> Result<Vec<(String, String, &'static str)>, WebError> {
    if rec.status != Status::Draft || !compliance::applies_to(rec.kind) {
        return Ok(Vec::new());
    }
    let lang = s.lang();
    let problems = match app.store.issue_problems(s.rec.company_id, rec.kind, rec.id, s.today()).await {
        Ok(p) => p,
        Err(facturier_store::StoreError::Lifecycle(_)) => return Ok(Vec::new()),
        Err(e) => return Err(WebError::store(lang, e)),
    };
    Ok(problems
        .iter()
        .map(|p| {
            let (href, label) = match p.place {
                Place::Identity => ("/settings".to_string(), "issuecheck.fix_identity"),
                Place::Terms => ("/settings/terms".to_string(), "issuecheck.fix_terms"),
                Place::Numbering => ("/settings/numbering".to_string(), "issuecheck.fix_numbering"),
                Place::Customer => (format!("/customers/{}/edit", rec.content.customer_id), "issuecheck.fix_customer"),
                Place::Document => (format!("/{}/{}/edit", rec.kind.segment(), rec.id), "issuecheck.fix_document"),
            };
            (p.message(lang), href, label)
        })
        .collect())
}

pub(super) async fn show(app: App, s: WebSession, id: String, kind: DocumentKind) -> Result<Response, WebError> {
    let lang = s.lang();
    let rec =
        app.store.document(s.rec.company_id, kind, doc_id(lang, &id)?).await.map_err(|e| WebError::store(lang, e))?;
    show_page(&app, &s, &rec, BTreeMap::new(), StatusCode::OK, None).await
}

/// `GET /{kind}/{id}/pdf` and `/ubl`: the files the API serves too.
pub(super) async fn file(
    app: App,
    s: WebSession,
    id: String,
    kind: DocumentKind,
    ubl: bool,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let rec =
        app.store.document(s.rec.company_id, kind, doc_id(lang, &id)?).await.map_err(|e| WebError::store(lang, e))?;
    // A draft has no UBL (no legal number yet): back to the draft, where issuing is offered,
    // rather than an error page with nowhere to go.
    if ubl && rec.status == Status::Draft {
        return Ok(axum::response::Redirect::to(&format!("/{}/{}", kind.segment(), rec.id)).into_response());
    }
    let r = if ubl {
        crate::app::render::ubl(&app, &s.auth(), &rec, None).await
    } else {
        crate::app::render::pdf(&app, &s.auth(), &rec).await
    };
    r.map(IntoResponse::into_response).map_err(|e| WebError::api(lang, e))
}

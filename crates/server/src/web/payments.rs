//! Payments in the web app: cancelling a payment (with a reason and a confirmation),
//! applying or refunding a customer's credit, and the customer's statement. Each form
//! parses its fields, calls the store (whose rules come from `core::payments`) and goes
//! back to the page it came from.

use super::confirm::{self, Ask};
use super::i18n::{Labels, t};
use super::notice::with_done;
use super::session::{Chrome, CsrfForm, FormData, WebSession};
use super::{WebError, html, local_path, see_other};
use crate::App;
use crate::app::payments;
use crate::error::ApiError;
use crate::input::{Check, DecText};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::text;
use uuid::Uuid;

/// This module's labels: (key, French, English).
pub const LABELS: Labels = &[
    ("payment.status", "État", "Status"),
    ("payment.status.recorded", "Enregistré", "Recorded"),
    ("payment.status.cancelled", "Annulé", "Cancelled"),
    ("payment.cancel", "Annuler ce règlement", "Cancel this payment"),
    ("payment.cancel_reason", "Motif de l'annulation", "Why it is cancelled"),
    (
        "payment.keep_excess",
        "Garder ce qui dépasse le montant dû au crédit du client",
        "Keep what exceeds the amount due as customer credit",
    ),
    ("payment.credit_title", "Crédit du client", "Customer credit"),
    ("payment.credit_none", "Aucun crédit disponible.", "No credit available."),
    ("payment.credit_apply", "Imputer sur une facture", "Apply to an invoice"),
    ("payment.credit_invoice", "Facture", "Invoice"),
    ("payment.credit_apply_button", "Imputer le crédit", "Apply the credit"),
    ("payment.credit_refund", "Rembourser", "Refund"),
    ("payment.credit_refund_button", "Enregistrer le remboursement", "Record the refund"),
    ("payment.currency", "Devise", "Currency"),
    ("payment.statement", "Relevé de compte", "Statement"),
    ("payment.statement_of", "Relevé de compte de", "Statement of"),
    ("payment.from", "Du", "From"),
    ("payment.to", "Au", "To"),
    ("payment.show", "Afficher", "Show"),
    ("payment.opening", "Solde d'ouverture", "Opening balance"),
    ("payment.closing", "Solde de clôture", "Closing balance"),
    ("payment.entry", "Opération", "Entry"),
    ("payment.debit", "Débit", "Debit"),
    ("payment.credit", "Crédit", "Credit"),
    ("payment.balance", "Solde", "Balance"),
    ("payment.no_entries", "Aucune opération sur la période.", "Nothing in this period."),
    ("payment.kind.invoice", "Facture", "Invoice"),
    ("payment.kind.deposit_invoice", "Facture d'acompte", "Deposit invoice"),
    ("payment.kind.credit_note", "Avoir", "Credit note"),
    ("payment.kind.payment", "Règlement", "Payment"),
    ("payment.kind.payment_cancelled", "Règlement annulé", "Payment cancelled"),
    ("payment.kind.credit_applied", "Crédit imputé", "Credit applied"),
    ("payment.kind.credit_applied_cancelled", "Imputation de crédit annulée", "Credit application cancelled"),
    ("payment.kind.refund", "Remboursement", "Refund"),
    ("payment.kind.refund_cancelled", "Remboursement annulé", "Refund cancelled"),
    ("method.credit", "Crédit client", "Customer credit"),
    ("event.payment_cancelled", "Règlement annulé", "Payment cancelled"),
    ("event.credit_applied", "Crédit client imputé", "Customer credit applied"),
    ("cust.ev.payment_recorded", "Règlement enregistré", "Payment recorded"),
    ("cust.ev.payment_cancelled", "Règlement annulé", "Payment cancelled"),
    ("cust.ev.credit_applied", "Crédit imputé sur une facture", "Credit applied to an invoice"),
    ("cust.ev.credit_refunded", "Crédit remboursé", "Credit refunded"),
];

/// An API error as a page: a refused input names each field and its message in the
/// reader's language (the generic "invalid input" would not say what to fix).
fn refused(lang: Language, e: ApiError) -> WebError {
    match e {
        ApiError::Invalid(errors) => WebError::Invalid(lang, errors),
        other => WebError::api(lang, other),
    }
}

fn fail(lang: Language, e: facturier_store::StoreError) -> WebError {
    refused(lang, ApiError::from(e))
}

fn id_of(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

/// A decimal as people type it (`1 234,50`).
fn typed_amount(form: &FormData, name: &str) -> Option<DecText> {
    form.text(name).map(|a| DecText(a.replace(',', ".").replace([' ', '\u{a0}', '\u{202f}'], "")))
}

/// `POST /payments/{id}/cancel`: needs a reason, then a confirmation.
pub async fn cancel(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = id_of(lang, &id)?;
    let back = local_path(form.text("back").as_deref());
    let mut v = Check::default();
    let reason = v.text("reason", &form.text("reason"), crate::api::payments::MAX_REASON);
    if reason.is_none() && form.text("reason").is_none() {
        v.error("reason", Message::new("required_say_why_payment"));
    }
    v.finish().map_err(|e| refused(lang, e))?;
    let Some(reason) = reason else {
        return Err(WebError::api(lang, ApiError::field("reason", Message::new("required"))));
    };
    if !confirm::confirmed(&form) {
        let ask = Ask::of(lang, "payment_cancel", &[("reason", &reason)], back.clone());
        return confirm::ask(&app, &s, "invoices", &format!("/payments/{id}/cancel"), &form, ask).await;
    }
    app.store.cancel_payment(s.rec.company_id, id, &reason).await.map_err(|e| fail(lang, e))?;
    Ok(see_other(&with_done(&back, "payment_cancelled")))
}

/// `POST /customers/{id}/credit/apply`.
pub async fn apply_credit(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = id_of(lang, &id)?;
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let mut v = Check::default();
    let invoice = match form.text("invoice_id") {
        Some(x) => {
            let p = x.parse::<Uuid>().ok();
            if p.is_none() {
                v.error("invoice_id", Message::new("value_not_an_id").with("v", format!("{x:?}")));
            }
            p
        }
        None => {
            v.error("invoice_id", Message::new("required"));
            None
        }
    };
    let amount = payments::amount(&mut v, "amount", typed_amount(&form, "amount").as_ref(), cur);
    let date = payments::date(&mut v, form.text("date").as_deref(), s.auth().today());
    v.finish().map_err(|e| refused(lang, e))?;
    let (Some(invoice), Some(amount), Some(date)) = (invoice, amount, date) else {
        return Err(WebError::api(lang, ApiError::field("body", Message::new("incomplete_credit_application"))));
    };
    app.store.apply_credit(s.rec.company_id, id, invoice, amount, date).await.map_err(|e| fail(lang, e))?;
    Ok(see_other(&with_done(&format!("/customers/{id}#credit"), "credit_applied")))
}

/// `POST /customers/{id}/credit/refund`.
pub async fn refund(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let id = id_of(lang, &id)?;
    let mut v = Check::default();
    let cur: Option<Currency> = match form.text("currency") {
        Some(c) => v.parse("currency", &c),
        None => s.rec.currency.parse().ok(),
    };
    let amount =
        payments::amount(&mut v, "amount", typed_amount(&form, "amount").as_ref(), cur.unwrap_or(Currency::EUR));
    let date = payments::date(&mut v, form.text("date").as_deref(), s.auth().today());
    let method = payments::method(&mut v, form.text("method").as_deref());
    let reference = v.opt_text("reference", &form.text("reference"), 140);
    v.finish().map_err(|e| refused(lang, e))?;
    let (Some(cur), Some(amount), Some(date), Some(method)) = (cur, amount, date, method) else {
        return Err(WebError::api(lang, ApiError::field("body", Message::new("incomplete_refund"))));
    };
    if !confirm::confirmed(&form) {
        app.store.customer(s.rec.company_id, id).await.map_err(|e| fail(lang, e))?;
        let money = text::money(amount, cur, lang);
        let mut ask = Ask::of(lang, "refund", &[("amount", &money)], format!("/customers/{id}#credit"));
        (ask.danger, ask.is_final) = (false, false);
        return confirm::ask(&app, &s, "customers", &format!("/customers/{id}/credit/refund"), &form, ask).await;
    }
    app.store
        .refund_credit(s.rec.company_id, id, amount, cur, date, method, reference.as_deref())
        .await
        .map_err(|e| fail(lang, e))?;
    Ok(see_other(&with_done(&format!("/customers/{id}#credit"), "refunded")))
}

/// One line of the statement page.
pub struct Row {
    pub date: String,
    pub entry: &'static str,
    pub number: String,
    pub href: Option<String>,
    pub debit: String,
    pub credit: String,
    pub balance: String,
}

/// The statement in one currency.
pub struct Section {
    pub currency: String,
    pub opening: String,
    pub closing: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    p: Chrome,
    id: String,
    from: String,
    to: String,
    sections: Vec<Section>,
}

/// `GET /customers/{id}/statement?from=&to=`.
pub async fn statement(
    State(app): State<App>,
    s: WebSession,
    Path(id): Path<String>,
    Query(q): Query<crate::api::payments::StatementQuery>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = id_of(lang, &id)?;
    let err = |e| WebError::store(lang, e);
    let company = s.rec.company_id;
    let customer = app.store.customer(company, id).await.map_err(err)?;
    let from = crate::api::query_date("from", q.from.as_deref()).map_err(|e| WebError::api(lang, e))?;
    let to = crate::api::query_date("to", q.to.as_deref()).map_err(|e| WebError::api(lang, e))?;
    let sections = statement_sections(&app, lang, company, id, from, to).await?;
    let title = format!("{} {}", t(lang, "payment.statement_of"), customer.customer.name);
    let page = StatementPage {
        p: s.chrome(&app, "customers", title).await?,
        id: id.to_string(),
        from: from.map(|d| d.to_string()).unwrap_or_default(),
        to: to.map(|d| d.to_string()).unwrap_or_default(),
        sections,
    };
    html(StatusCode::OK, &page)
}

/// A customer's statement over a period, per currency, as the statement page shows it
/// (the debtor account page shows it too).
pub(crate) async fn statement_sections(
    app: &App,
    lang: Language,
    company: Uuid,
    id: Uuid,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> Result<Vec<Section>, WebError> {
    let err = |e| WebError::store(lang, e);
    let statements = app.store.customer_statement(company, id, from, to).await.map_err(err)?;
    let blank = |d: Decimal, cur: Currency| if d.is_zero() { String::new() } else { text::money(d, cur, lang) };
    let sections: Vec<Section> = statements
        .iter()
        .map(|(cur, st)| Section {
            currency: cur.code().to_string(),
            opening: text::money(st.opening, *cur, lang),
            closing: text::money(st.closing, *cur, lang),
            rows: st
                .lines
                .iter()
                .map(|l| {
                    let kind = l.item.kind;
                    let href = match kind {
                        "invoice" => Some(format!("/invoices/{}", l.item.id)),
                        "deposit_invoice" => Some(format!("/deposit-invoices/{}", l.item.id)),
                        "credit_note" => Some(format!("/credit-notes/{}", l.item.id)),
                        _ => None,
                    };
                    let mut number = l.item.number.clone().unwrap_or_default();
                    if let Some(r) = &l.item.reference {
                        number = if number.is_empty() { r.clone() } else { format!("{number} ({r})") };
                    }
                    if kind == "credit_applied" || kind == "credit_applied_cancelled" {
                        number = format!("{number} · {}", text::money(l.item.amount, *cur, lang));
                    }
                    Row {
                        date: text::date(l.date, lang),
                        entry: t(lang, &format!("payment.kind.{kind}")),
                        number,
                        href,
                        debit: blank(l.debit, *cur),
                        credit: blank(l.credit, *cur),
                        balance: text::money(l.balance, *cur, lang),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(sections)
}

//! The public payment pages a customer reaches from an invoice's e-mail, without an
//! account: `/pay/{token}` starts a Stripe Checkout session for what the invoice has due
//! and sends the browser there; `/pay/done` and `/pay/cancelled` are where Stripe sends it
//! back. The payment itself is recorded by the webhook, never by these pages.

use super::i18n::{Labels, t};
use super::session::visitor_language;
use super::with_security_headers;
use crate::App;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use facturier_core::party::Language;

pub const LABELS: Labels = &[
    // An invoice's history (the events the webhook writes).
    ("event.online_payment_failed", "Échec du paiement en ligne", "Online payment failed"),
    (
        "event.online_payment_to_credit",
        "Paiement en ligne versé en avoir client",
        "Online payment kept as customer credit",
    ),
    ("pay.title", "Paiement de facture", "Invoice payment"),
    ("pay.link", "Lien de paiement", "Payment link"),
    ("pay.link_title", "Lien de paiement de la facture", "Payment link of invoice"),
    (
        "pay.link_help",
        "Envoyez ce lien au client : il y paie en ligne ce qui reste dû (carte bancaire, via Stripe). Le même lien sert à chaque fois.",
        "Send this link to the customer: they pay what is still due online (card, through Stripe). The same link works every time.",
    ),
    ("pay.link_back", "Retour à la facture", "Back to the invoice"),
    ("pay.unknown", "Ce lien de paiement n'est pas valide.", "This payment link is not valid."),
    (
        "pay.nothing_due",
        "Cette facture ne peut plus être payée en ligne : elle est réglée, ou rien n'y est dû.",
        "This invoice can no longer be paid online: it is settled, or nothing is due on it.",
    ),
    (
        "pay.unavailable",
        "Le paiement en ligne est momentanément indisponible. Réessayez plus tard ou contactez-nous.",
        "Online payment is unavailable for now. Try again later or contact us.",
    ),
    ("pay.done_title", "Merci pour votre paiement", "Thank you for your payment"),
    (
        "pay.done",
        "Votre paiement a été transmis. Il apparaîtra sur la facture dès sa confirmation par la banque.",
        "Your payment has been sent. It will show on the invoice as soon as the bank confirms it.",
    ),
    ("pay.cancelled_title", "Paiement annulé", "Payment cancelled"),
    (
        "pay.cancelled",
        "Vous avez annulé le paiement : rien n'a été débité. Vous pouvez reprendre le lien de paiement à tout moment.",
        "You cancelled the payment: nothing was charged. You can use the payment link again at any time.",
    ),
];

#[derive(Template)]
#[template(path = "pay.html")]
struct PayPage {
    lang: &'static str,
    title: &'static str,
    message: &'static str,
    failed: bool,
}

fn page(status: StatusCode, lang: Language, title: &str, message: &str, failed: bool) -> Response {
    let p = PayPage { lang: super::i18n::code(lang), title: t(lang, title), message: t(lang, message), failed };
    match p.render() {
        Ok(html) => with_security_headers((status, Html(html)).into_response()),
        Err(_) => status.into_response(),
    }
}

/// `GET /pay/{token}`: to Stripe's payment page for what is due now.
pub async fn start(State(app): State<App>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let lang = visitor_language(&headers, None);
    let title = "pay.title";
    let (company_id, invoice_id) = match crate::stripe::invoice_of_token(&app, &token).await {
        Ok(found) => found,
        Err(_) => return page(StatusCode::NOT_FOUND, lang, title, "pay.unknown", true),
    };
    match crate::stripe::start_session(&app, company_id, invoice_id).await {
        Ok(session) => Redirect::to(&session.url).into_response(),
        Err(ApiError::Conflict(m)) if m.code().starts_with("online_") => {
            page(StatusCode::CONFLICT, lang, title, "pay.nothing_due", true)
        }
        Err(ApiError::NotFound(_)) => page(StatusCode::NOT_FOUND, lang, title, "pay.unknown", true),
        Err(e) => {
            tracing::warn!(error = %e, "payment link: no Checkout session");
            page(StatusCode::SERVICE_UNAVAILABLE, lang, title, "pay.unavailable", true)
        }
    }
}

/// `GET /pay/done`: back from Stripe after paying.
pub async fn done(headers: HeaderMap) -> Response {
    page(StatusCode::OK, visitor_language(&headers, None), "pay.done_title", "pay.done", false)
}

/// `GET /pay/cancelled`: back from Stripe without paying.
pub async fn cancelled(headers: HeaderMap) -> Response {
    page(StatusCode::OK, visitor_language(&headers, None), "pay.cancelled_title", "pay.cancelled", false)
}

/// The page that shows an invoice's payment link, to copy.
#[derive(Template)]
#[template(path = "payment_link.html")]
struct LinkPage {
    p: super::session::Chrome,
    url: String,
    back: String,
}

/// `POST /invoices/{id}/payment-link` and `/deposit-invoices/{id}/payment-link` (the
/// "Lien de paiement" button of an unpaid issued invoice): makes or reuses the invoice's
/// stable `/pay/{token}` link (its address from the configured public URL, never from the
/// request) and shows it to copy. 422 until the company has a Stripe account.
pub async fn invoice_link(
    app: State<App>,
    Path(id): Path<String>,
    form: super::session::CsrfForm,
) -> Result<Response, super::WebError> {
    link_button(app, "invoices", id, form).await
}

/// [`invoice_link`] for a deposit invoice.
pub async fn deposit_link(
    app: State<App>,
    Path(id): Path<String>,
    form: super::session::CsrfForm,
) -> Result<Response, super::WebError> {
    link_button(app, "deposit-invoices", id, form).await
}

async fn link_button(
    State(app): State<App>,
    seg: &'static str,
    id: String,
    super::session::CsrfForm(s, _form): super::session::CsrfForm,
) -> Result<Response, super::WebError> {
    use facturier_core::document::DocumentKind;
    let lang = s.lang();
    s.auth().require_write().map_err(|e| super::WebError::api(lang, e))?;
    let kind = if seg == "invoices" { DocumentKind::Invoice } else { DocumentKind::DepositInvoice };
    let id: uuid::Uuid = id.parse().map_err(|_| super::WebError::NotFound(lang))?;
    let company = s.rec.company_id;
    let doc = app.store.document(company, kind, id).await.map_err(|e| super::WebError::store(lang, e))?;
    let payable = facturier_core::lifecycle::is_open(doc.kind, doc.status) && doc.due() > facturier_core::Decimal::ZERO;
    if !payable {
        return Err(super::WebError::Conflict(
            lang,
            facturier_core::message::Message::new("online_invoice_not_issued").with("status", doc.status.as_str()),
        ));
    }
    if app.store.stripe_account(company).await.map_err(|e| super::WebError::store(lang, e))?.is_none() {
        return Err(super::WebError::Conflict(lang, facturier_core::message::Message::new("stripe_not_configured")));
    }
    let key = crate::stripe::secrets::SecretsKey::of(&app).await.map_err(|e| super::WebError::api(lang, e))?;
    let url = crate::stripe::public_link(&app, &key, company, id).await.map_err(|e| super::WebError::api(lang, e))?;
    let number = doc.number.clone().unwrap_or_default();
    let page = LinkPage {
        p: s.chrome(&app, "invoices", format!("{} {number}", t(lang, "pay.link_title"))).await?,
        url,
        back: format!("/{seg}/{id}"),
    };
    super::html(StatusCode::OK, &page)
}

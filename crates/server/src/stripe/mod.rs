//! Online payment through Stripe Checkout: the company's Stripe account in the settings
//! (secrets sealed, never shown back), a Checkout session for what an invoice has due
//! (`POST /invoices/{id}/payment-link`, the public `/pay/{token}`), and Stripe's webhook
//! (`POST /webhooks/stripe/{company_id}`), whose signed events record the payment once
//! through the payments model (`store::payments::online`).
//!
//! Amounts cross to Stripe in minor units (`core::online`); what is due is
//! `core::payments`' reading of the invoice; nothing here computes money.

pub mod client;
pub mod secrets;
pub mod signature;

use crate::App;
use crate::error::ApiError;
use crate::input::Check;
use facturier_core::Decimal;
use facturier_core::document::DocumentKind;
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::online::{from_minor_units, to_minor_units};
use facturier_core::payments::OpenInvoice;
use facturier_store::payments::online::{EventOutcome, NewCheckoutSession, PaidSession, StripeAccount, StripeStatus};
use secrets::{SecretsKey, hint, token_hash};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where Stripe's API is, unless the settings point elsewhere (a stand-in for tests).
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// The names the secrets are sealed under.
const SECRET_KEY: &str = "stripe.secret_key";
const WEBHOOK_SECRET: &str = "stripe.webhook_secret";

/// `PATCH /settings {"stripe": …}`: the keys of the company's Stripe account. Absent
/// fields keep their value; the first time, both secrets are required.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StripeInput {
    /// The secret API key (`sk_live_…`, `sk_test_…` or a restricted `rk_…`).
    pub secret_key: Option<String>,
    /// The signing secret of the webhook endpoint (`whsec_…`).
    pub webhook_secret: Option<String>,
    /// Where Stripe's API is; default `https://api.stripe.com`.
    pub api_base: Option<String>,
}

/// A Stripe account checked and sealed, ready to be stored.
pub struct StripePlan(StripeAccount);

fn secret_shape(s: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| s.starts_with(p))
        && s.len() <= 255
        && s.len() > 8
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn api_base_ok(s: &str) -> Option<String> {
    let u = url::Url::parse(s.trim()).ok()?;
    let plain = matches!(u.scheme(), "http" | "https")
        && u.host_str().is_some()
        && matches!(u.path(), "" | "/")
        && u.query().is_none()
        && u.username().is_empty()
        && u.password().is_none();
    plain.then(|| u.as_str().trim_end_matches('/').to_string())
}

/// Checks `input` over the stored account (if any) and seals its secrets.
pub async fn plan_settings(
    app: &App,
    company_id: Uuid,
    v: &mut Check,
    input: &StripeInput,
) -> Result<Option<StripePlan>, ApiError> {
    let stored = app.store.stripe_account(company_id).await?;
    let key = SecretsKey::of(app).await?;
    let mut ok = true;
    if let Some(s) = &input.secret_key
        && !secret_shape(s, &["sk_", "rk_"])
    {
        v.error("stripe.secret_key", Message::new("stripe_secret_key_shape"));
        ok = false;
    }
    if let Some(s) = &input.webhook_secret
        && !secret_shape(s, &["whsec_"])
    {
        v.error("stripe.webhook_secret", Message::new("stripe_webhook_secret_shape"));
        ok = false;
    }
    let api_base = match &input.api_base {
        Some(b) => match api_base_ok(b) {
            Some(b) => b,
            None => {
                v.error("stripe.api_base", Message::new("stripe_api_base_url"));
                ok = false;
                String::new()
            }
        },
        None => stored.as_ref().map_or_else(|| DEFAULT_API_BASE.to_string(), |s| s.api_base.clone()),
    };
    let secret =
        |given: &Option<String>, kept: Option<(&String, &String)>, name: &str, field: &str, v: &mut Check| match (
            given, kept,
        ) {
            (Some(s), _) => Ok(Some((key.seal(company_id, name, s)?, hint(s)))),
            (None, Some((sealed, h))) => Ok(Some((sealed.clone(), h.clone()))),
            (None, None) => {
                v.error(field, Message::new("required"));
                Ok::<_, ApiError>(None)
            }
        };
    let sk = secret(
        &input.secret_key,
        stored.as_ref().map(|s| (&s.secret_key, &s.secret_key_hint)),
        SECRET_KEY,
        "stripe.secret_key",
        v,
    )?;
    let wh = secret(
        &input.webhook_secret,
        stored.as_ref().map(|s| (&s.webhook_secret, &s.webhook_secret_hint)),
        WEBHOOK_SECRET,
        "stripe.webhook_secret",
        v,
    )?;
    Ok(match (ok, sk, wh) {
        (true, Some((secret_key, secret_key_hint)), Some((webhook_secret, webhook_secret_hint))) => {
            Some(StripePlan(StripeAccount {
                secret_key,
                secret_key_hint,
                webhook_secret,
                webhook_secret_hint,
                api_base,
            }))
        }
        _ => None,
    })
}

/// Stores a planned account.
pub async fn save_settings(app: &App, company_id: Uuid, plan: StripePlan) -> Result<(), ApiError> {
    Ok(app.store.set_stripe_account(company_id, &plan.0).await?)
}

/// What the settings show of the company's Stripe account.
pub async fn status(app: &App, company_id: Uuid) -> Result<Option<StripeStatus>, ApiError> {
    Ok(app.store.stripe_account(company_id).await?.map(|a| StripeStatus {
        secret_key: a.secret_key_hint,
        webhook_secret: a.webhook_secret_hint,
        api_base: a.api_base,
        webhook_path: format!("/api/v1/webhooks/stripe/{company_id}"),
    }))
}

/// `POST /invoices/{id}/payment-link` answers this.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PaymentLink)]
pub struct PaymentLinkView {
    /// The Stripe Checkout page where the customer pays what is due.
    pub url: String,
    /// The invoice's stable public link (`/pay/{token}`): each visit starts a Checkout
    /// session for what is due then; it can be printed in e-mails.
    pub public_url: String,
    /// The Checkout session's id at Stripe (`cs_…`).
    pub session_id: String,
    /// What the session asks for (the invoice's due).
    #[schema(value_type = String)]
    pub amount: String,
    pub currency: String,
}

#[derive(Deserialize)]
struct SessionAnswer {
    id: String,
    url: String,
}

#[derive(Deserialize)]
struct StripeErrorAnswer {
    error: StripeErrorBody,
}

#[derive(Deserialize)]
struct StripeErrorBody {
    message: Option<String>,
    code: Option<String>,
}

/// The company's account with its secrets opened, or the 422 that says to set it up.
async fn account(app: &App, company_id: Uuid) -> Result<(StripeAccount, SecretsKey), ApiError> {
    let Some(a) = app.store.stripe_account(company_id).await? else {
        return Err(ApiError::field("stripe", Message::new("stripe_not_configured")));
    };
    Ok((a, SecretsKey::of(app).await?))
}

/// The public link of an invoice (its token's hash kept so a visit finds the invoice).
pub async fn public_link(app: &App, key: &SecretsKey, company_id: Uuid, invoice_id: Uuid) -> Result<String, ApiError> {
    let token = key.payment_token(company_id, invoice_id);
    app.store.save_payment_link(company_id, invoice_id, &token_hash(&token)).await?;
    Ok(format!("{}/pay/{token}", public_base(app)))
}

fn public_base(app: &App) -> String {
    app.web.public_url.clone().unwrap_or_default().trim_end_matches('/').to_string()
}

/// The payment link an invoice about to be issued will print: its `/pay/{token}` address
/// (from the configured public URL, never from a request) and the token's hash, when the
/// company takes online payment; `None` for a document that is not an invoice, or a
/// company without a Stripe account or a server without a public URL.
pub async fn link_to_print(
    app: &App,
    company_id: Uuid,
    kind: DocumentKind,
    invoice_id: Uuid,
) -> Result<Option<(String, String)>, ApiError> {
    if !matches!(kind, DocumentKind::Invoice | DocumentKind::DepositInvoice) {
        return Ok(None);
    }
    let Some(base) = app.web.public_url.as_deref() else { return Ok(None) };
    if app.store.stripe_account(company_id).await?.is_none() {
        return Ok(None);
    }
    let token = SecretsKey::of(app).await?.payment_token(company_id, invoice_id);
    Ok(Some((token_hash(&token), format!("{}/pay/{token}", base.trim_end_matches('/')))))
}

/// Starts a Checkout session for what the invoice has due.
pub async fn start_session(app: &App, company_id: Uuid, invoice_id: Uuid) -> Result<PaymentLinkView, ApiError> {
    // An invoice, or a deposit invoice: the link pays the document it was made for.
    let doc = match app.store.document(company_id, DocumentKind::Invoice, invoice_id).await {
        Err(facturier_store::StoreError::NotFound(_)) => {
            app.store.document(company_id, DocumentKind::DepositInvoice, invoice_id).await?
        }
        other => other?,
    };
    let open = OpenInvoice {
        status: doc.status,
        currency: doc.content.currency,
        number: doc.number.clone().unwrap_or_default(),
        gross: doc.content.totals().gross,
        paid: doc.paid,
        credited: doc.credited,
    };
    let number = match &doc.number {
        Some(n) if facturier_core::lifecycle::is_open(doc.kind, doc.status) => n.clone(),
        _ => {
            return Err(ApiError::Conflict(
                Message::new("online_invoice_not_issued").with("status", doc.status.as_str()),
            ));
        }
    };
    let due = open.due();
    let currency = doc.content.currency;
    let units = to_minor_units(due, currency).map_err(|e| ApiError::Conflict(e.message()))?;
    let (acct, key) = account(app, company_id).await?;
    let secret_key = key.open(company_id, SECRET_KEY, &acct.secret_key)?;
    let public_url = public_link(app, &key, company_id, invoice_id).await?;
    let base = public_base(app);
    let earlier = app.store.checkout_sessions(company_id, invoice_id).await?;
    let failed = earlier.iter().filter(|(_, status, _)| status == "failed").count();
    // The same due asked again answers the same session (Stripe keeps a key 24 hours,
    // as long as a session stays open); a payment or a failure since makes a new one.
    let idempotency_key = format!("facturier-{company_id}-{invoice_id}-{units}-{failed}");
    let form = session_form(company_id, invoice_id, &number, units, currency, &base);
    let answer = client::post_form(&acct.api_base, "/v1/checkout/sessions", &secret_key, &idempotency_key, &form)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e.0, "Stripe unreachable");
            ApiError::Upstream(Message::new("stripe_unreachable").with("reason", e.0))
        })?;
    if !(200..300).contains(&answer.status) {
        let reason = serde_json::from_slice::<StripeErrorAnswer>(&answer.body)
            .ok()
            .and_then(|e| e.error.message.or(e.error.code))
            .unwrap_or_else(|| format!("status {}", answer.status));
        return Err(if answer.status >= 500 {
            ApiError::Upstream(Message::new("stripe_unreachable").with("reason", reason))
        } else {
            ApiError::Conflict(Message::new("stripe_refused").with("reason", reason))
        });
    }
    let session: SessionAnswer = serde_json::from_slice(&answer.body)
        .map_err(|_| ApiError::Upstream(Message::new("stripe_bad_answer").with("status", answer.status)))?;
    app.store
        .save_checkout_session(
            company_id,
            &NewCheckoutSession {
                invoice_id,
                amount: due,
                currency,
                stripe_session_id: &session.id,
                url: &session.url,
            },
        )
        .await?;
    Ok(PaymentLinkView {
        url: session.url,
        public_url,
        session_id: session.id,
        amount: due.to_string(),
        currency: currency.code().to_string(),
    })
}

/// The form of `POST /v1/checkout/sessions`: one line for the invoice's due, the company
/// and invoice in `client_reference_id` and `metadata`, back to our public pages.
fn session_form(
    company_id: Uuid,
    invoice_id: Uuid,
    number: &str,
    units: i64,
    currency: Currency,
    base: &str,
) -> Vec<(String, String)> {
    let f = |k: &str, v: String| (k.to_string(), v);
    vec![
        f("mode", "payment".into()),
        f("line_items[0][quantity]", "1".into()),
        f("line_items[0][price_data][currency]", currency.code().to_ascii_lowercase()),
        f("line_items[0][price_data][unit_amount]", units.to_string()),
        f("line_items[0][price_data][product_data][name]", format!("Facture {number}")),
        f("client_reference_id", invoice_id.to_string()),
        f("metadata[company_id]", company_id.to_string()),
        f("metadata[invoice_id]", invoice_id.to_string()),
        f("metadata[invoice_number]", number.to_string()),
        f("payment_intent_data[metadata][company_id]", company_id.to_string()),
        f("payment_intent_data[metadata][invoice_id]", invoice_id.to_string()),
        f("success_url", format!("{base}/pay/done")),
        f("cancel_url", format!("{base}/pay/cancelled")),
    ]
}

/// The invoice a public payment link names, or 404.
pub async fn invoice_of_token(app: &App, token: &str) -> Result<(Uuid, Uuid), ApiError> {
    let shaped = token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !shaped {
        return Err(ApiError::NotFound("payment link"));
    }
    app.store.payment_link(&token_hash(token)).await?.ok_or(ApiError::NotFound("payment link"))
}

/// The line an invoice's e-mail ends with when the company takes online payments and the
/// invoice has something due: its public payment link, in the message's language.
pub async fn email_line(
    app: &App,
    company_id: Uuid,
    rec: &facturier_store::documents::DocumentRecord,
    lang: facturier_core::party::Language,
) -> Result<Option<String>, ApiError> {
    let open = OpenInvoice {
        status: rec.status,
        currency: rec.content.currency,
        number: rec.number.clone().unwrap_or_default(),
        gross: rec.content.totals().gross,
        paid: rec.paid,
        credited: rec.credited,
    };
    let payable = matches!(rec.kind, DocumentKind::Invoice | DocumentKind::DepositInvoice)
        && facturier_core::lifecycle::is_open(rec.kind, rec.status)
        && open.due() > Decimal::ZERO;
    if !payable || app.store.stripe_account(company_id).await?.is_none() {
        return Ok(None);
    }
    let key = SecretsKey::of(app).await?;
    let url = public_link(app, &key, company_id, rec.id).await?;
    Ok(Some(crate::catalogue::localize(lang, &Message::new("online_pay_in_email").with("url", url))))
}

/// What the webhook answers Stripe.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = StripeWebhookAnswer)]
pub struct WebhookAnswer {
    pub received: bool,
    /// `paid`, `failed`, `replayed` (an event handled before), `ignored` (a type not
    /// handled, or a session not paid yet) or `unknown_session`.
    pub outcome: &'static str,
}

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: serde_json::Value,
}

#[derive(Deserialize)]
struct SessionObject {
    id: String,
    payment_status: Option<String>,
    amount_total: Option<i64>,
    currency: Option<String>,
}

/// Handles one webhook delivery for `company_id`: signature, then the event once.
pub async fn webhook(
    app: &App,
    company_id: &str,
    signature_header: Option<&str>,
    body: &[u8],
) -> Result<WebhookAnswer, ApiError> {
    // An unknown company and one without Stripe answer the same: nothing to learn here.
    let company_id: Uuid = company_id.parse().map_err(|_| ApiError::NotFound("webhook"))?;
    let Some(acct) = app.store.stripe_account(company_id).await? else {
        return Err(ApiError::NotFound("webhook"));
    };
    let key = SecretsKey::of(app).await?;
    let secret = key.open(company_id, WEBHOOK_SECRET, &acct.webhook_secret)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    signature::verify(signature_header, body, &secret, now)
        .map_err(|e| ApiError::BadRequest(Message::new(e.code())))?;
    let malformed =
        |reason: String| ApiError::BadRequest(Message::new("stripe_event_malformed").with("reason", reason));
    let event: Event = serde_json::from_slice(body).map_err(|e| malformed(e.to_string()))?;
    let handled = matches!(
        event.kind.as_str(),
        "checkout.session.completed"
            | "checkout.session.async_payment_succeeded"
            | "checkout.session.async_payment_failed"
    );
    if !handled || event.id.is_empty() || event.id.len() > 255 {
        return Ok(WebhookAnswer { received: true, outcome: "ignored" });
    }
    let session: SessionObject = serde_json::from_value(event.data.object).map_err(|e| malformed(e.to_string()))?;
    let store = &app.store;
    let outcome = match event.kind.as_str() {
        "checkout.session.async_payment_failed" => {
            store.stripe_session_failed(company_id, &event.id, &event.kind, &session.id).await?
        }
        kind => {
            let paid = session.payment_status.as_deref() == Some("paid");
            if !paid {
                // Completed but not paid yet (a delayed method): the async events follow.
                store.stripe_event_ignored(company_id, &event.id, kind).await?
            } else {
                let currency: Currency =
                    session.currency.as_deref().unwrap_or("").parse().map_err(|_| malformed("currency".into()))?;
                let amount: Decimal = session
                    .amount_total
                    .and_then(|u| from_minor_units(u, currency))
                    .filter(|a| *a > Decimal::ZERO)
                    .ok_or_else(|| malformed("amount_total".into()))?;
                let company = store.company(company_id).await?;
                let date = facturier_core::calendar::today(&company.country);
                let paid = PaidSession {
                    event_id: &event.id,
                    event_type: kind,
                    stripe_session_id: &session.id,
                    amount,
                    currency,
                    date,
                };
                store.stripe_session_paid(company_id, &paid).await?
            }
        }
    };
    let outcome = match outcome {
        EventOutcome::Replayed => "replayed",
        EventOutcome::Paid(_) => "paid",
        EventOutcome::Failed => "failed",
        EventOutcome::UnknownSession => "unknown_session",
        EventOutcome::Ignored => "ignored",
    };
    Ok(WebhookAnswer { received: true, outcome })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_e_mail_line_keeps_the_address_whole_in_both_languages() {
        use facturier_core::party::Language;
        let url = "https://factures.example.fr/pay/ab12";
        for lang in [Language::Fr, Language::En] {
            let line = crate::catalogue::localize(lang, &Message::new("online_pay_in_email").with("url", url));
            assert!(line.ends_with(url), "{line}");
        }
    }

    #[test]
    fn secrets_and_addresses_are_checked_for_their_shape() {
        assert!(secret_shape("sk_test_51abcDEF", &["sk_", "rk_"]));
        assert!(!secret_shape("pk_test_51abcDEF", &["sk_", "rk_"]));
        assert!(!secret_shape("sk_test 51abc", &["sk_", "rk_"]));
        assert!(secret_shape("whsec_abcdef123", &["whsec_"]));
        assert_eq!(api_base_ok("https://api.stripe.com/").as_deref(), Some("https://api.stripe.com"));
        assert_eq!(api_base_ok("http://127.0.0.1:4242").as_deref(), Some("http://127.0.0.1:4242"));
        assert_eq!(api_base_ok("ftp://x"), None);
        assert_eq!(api_base_ok("https://api.stripe.com/v1"), None);
    }

    #[test]
    fn the_session_form_asks_for_the_due_in_minor_units_of_the_lowercase_currency() {
        let (c, i) = (Uuid::now_v7(), Uuid::now_v7());
        let form = session_form(c, i, "F2026-00001", 12050, Currency::EUR, "https://f.example");
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("mode"), Some("payment"));
        assert_eq!(get("line_items[0][price_data][unit_amount]"), Some("12050"));
        assert_eq!(get("line_items[0][price_data][currency]"), Some("eur"));
        assert_eq!(get("client_reference_id"), Some(i.to_string().as_str()));
        assert_eq!(get("metadata[company_id]"), Some(c.to_string().as_str()));
        assert_eq!(get("success_url"), Some("https://f.example/pay/done"));
    }
}

//! The payments page of the settings: the SEPA creditor identifier (ICS) the direct
//! debits are made under, and the company's Stripe account for online payment (its
//! secrets never shown back, only their last characters, and the webhook URL to paste
//! into Stripe's dashboard, built from the configured public URL).

use crate::App;
use crate::app::settings::SepaInput;
use crate::stripe::StripeInput;
use crate::web::i18n::{Labels, t};
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::identity::{empty_settings, patch};
use super::{SECTIONS, admin};

pub const LABELS: Labels = &[
    ("settings.payments", "Paiements", "Payments"),
    ("settings.sepa_title", "Prélèvement SEPA", "SEPA direct debit"),
    ("settings.creditor_id", "Identifiant créancier SEPA (ICS)", "SEPA creditor identifier (ICS)"),
    (
        "settings.creditor_id_help",
        "Attribué par votre banque, par exemple FR72ZZZ123456. Les prélèvements sont crédités sur le compte bancaire par défaut.",
        "Given by your bank, e.g. FR72ZZZ123456. Debits are credited to the default bank account.",
    ),
    ("settings.stripe_title", "Paiement en ligne (Stripe)", "Online payment (Stripe)"),
    ("settings.stripe_secret_key", "Clé secrète de l'API", "Secret API key"),
    ("settings.stripe_webhook_secret", "Secret de signature du webhook", "Webhook signing secret"),
    ("settings.stripe_api_base", "Adresse de l'API Stripe", "Stripe API address"),
    ("settings.stripe_saved", "Enregistrée, se termine par", "Saved, ends with"),
    ("settings.stripe_keep", "Laissez vide pour garder la valeur enregistrée.", "Leave empty to keep the saved value."),
    ("settings.stripe_webhook_url", "URL du webhook à indiquer dans Stripe", "Webhook URL to enter in Stripe"),
    (
        "settings.stripe_webhook_help",
        "Dans le tableau de bord Stripe (Développeurs › Webhooks), ajoutez cette adresse avec les événements checkout.session.completed, checkout.session.async_payment_succeeded et checkout.session.async_payment_failed.",
        "In Stripe's dashboard (Developers › Webhooks), add this address with the events checkout.session.completed, checkout.session.async_payment_succeeded and checkout.session.async_payment_failed.",
    ),
    (
        "settings.no_public_url",
        "Le serveur n'a pas d'adresse publique configurée (--public-url) : l'URL du webhook ne peut pas être donnée.",
        "The server has no public address configured (--public-url): the webhook URL cannot be given.",
    ),
    ("settings.payments_save", "Enregistrer", "Save"),
];

#[derive(Template)]
#[template(path = "settings_payments.html")]
struct PaymentsPage {
    p: Chrome,
    section: &'static str,
    sections: Vec<(&'static str, &'static str, &'static str)>,
    errors: Vec<(String, String)>,
    creditor_id: String,
    secret_key_hint: Option<String>,
    webhook_secret_hint: Option<String>,
    api_base: String,
    webhook_url: Option<String>,
}

impl PaymentsPage {
    fn err(&self, name: &str) -> Option<String> {
        self.errors.iter().find(|(k, _)| k == name).map(|(_, m)| m.clone())
    }
}

async fn render(
    app: &App,
    s: &WebSession,
    form: Option<&FormData>,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let st = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    let stripe = crate::stripe::status(app, s.rec.company_id).await.map_err(|e| WebError::api(lang, e))?;
    let title = format!("{} · {}", t(lang, "settings.title"), t(lang, "settings.payments"));
    let base = app.web.public_url.clone().map(|u| u.trim_end_matches('/').to_string());
    let page = PaymentsPage {
        p: s.chrome(app, "settings", title).await?,
        section: "payments",
        sections: SECTIONS.to_vec(),
        errors,
        creditor_id: match form {
            Some(f) => f.get("sepa.creditor_id").unwrap_or_default().to_string(),
            None => st.sepa.as_ref().map(|x| x.creditor_id.to_string()).unwrap_or_default(),
        },
        secret_key_hint: stripe.as_ref().map(|x| x.secret_key.clone()),
        webhook_secret_hint: stripe.as_ref().map(|x| x.webhook_secret.clone()),
        api_base: match form {
            Some(f) => f.get("stripe.api_base").unwrap_or_default().to_string(),
            None => stripe.as_ref().map(|x| x.api_base.clone()).unwrap_or_default(),
        },
        webhook_url: base.map(|b| format!("{b}/api/v1/webhooks/stripe/{}", s.rec.company_id)),
    };
    html(status, &page)
}

/// `GET /settings/payments`
pub async fn payments(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    render(&app, &s, None, Vec::new(), StatusCode::OK).await
}

/// `POST /settings/payments`: the ICS (empty removes it) and, when any is typed, the
/// Stripe keys (an empty secret keeps the saved one).
pub async fn save_payments(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let sk = form.text("stripe.secret_key");
    let wh = form.text("stripe.webhook_secret");
    let base = form.text("stripe.api_base");
    let stored = crate::stripe::status(&app, s.rec.company_id).await.map_err(|e| WebError::api(s.lang(), e))?;
    let base_changed = base.is_some() && stored.as_ref().map(|x| Some(&x.api_base)) != Some(base.as_ref());
    let stripe = (sk.is_some() || wh.is_some() || base_changed).then_some(StripeInput {
        secret_key: sk,
        webhook_secret: wh,
        api_base: base,
    });
    let input = crate::app::settings::SettingsInput {
        sepa: Some(SepaInput { creditor_id: form.text("sepa.creditor_id") }),
        stripe,
        ..empty_settings()
    };
    match patch(&app, &s, input).await? {
        Ok(()) => Ok(see_other("/settings/payments?done=saved")),
        Err(errs) => render(&app, &s, Some(&form), errs, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

//! `/customers/{id}/account`: the debtor account (« compte débiteur ») — its auxiliary
//! account (`app::accounting::auxiliary_account`), what the customer
//! owes per currency by lateness (`app::reports`' aged balance, the figures of `GET
//! /reports/aged-balance`), its statement (`web::payments`' own), its open invoices with
//! their next reminder, the history of exchanges (reminders, calls, promises, notes,
//! e-mails) and "do not dun" for the customer.

use super::history::{StepLine, customer_lines, hold_flag};
use super::list::{Line, line};
use super::path_id;
use crate::App;
use crate::app::dunning_list as ops;
use crate::web::i18n::{Labels, t};
use crate::web::notice::with_done;
use crate::web::payments::{Section, statement_sections};
use crate::web::session::{Chrome, CsrfForm, WebSession};
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::aging::Bucket;
use facturier_core::money::Currency;
use facturier_formats::text;
use facturier_store::dunning::HoldSubject;
use facturier_store::dunning_list::UnpaidQuery;

pub const LABELS: Labels = &[
    ("dunning.account", "Compte débiteur", "Debtor account"),
    ("dunning.account_of", "Compte débiteur de", "Debtor account of"),
    ("dunning.balance", "Solde dû par ancienneté", "Balance by age"),
    ("dunning.balance_none", "Ce client ne doit rien.", "This customer owes nothing."),
    ("dunning.open_invoices", "Factures non soldées", "Unpaid invoices"),
    (
        "dunning.open_more",
        "Voir toutes ses factures dans la liste des relances",
        "See all its invoices in the collections list",
    ),
    ("dunning.exchanges", "Échanges", "Exchanges"),
    ("dunning.emails", "E-mails", "E-mails"),
    ("dunning.email_status.pending", "en attente d'envoi", "waiting to be sent"),
    ("dunning.email_status.sending", "en cours d'envoi", "being sent"),
    ("dunning.email_status.sent", "envoyé", "sent"),
    ("dunning.email_status.failed", "échec d'envoi", "could not be sent"),
    ("dunning.statement", "Relevé de compte", "Statement"),
    ("dunning.customer_held", "Ce client ne doit pas être relancé.", "This customer is not to be dunned."),
    ("dunning.customer_hold_on", "Ne pas relancer ce client", "Do not dun this customer"),
    ("dunning.customer_hold_off", "Relancer à nouveau ce client", "Dun this customer again"),
    ("dunning.to_customer", "Fiche client", "Customer record"),
    ("dunning.accounting_account", "Compte client (auxiliaire)", "Customer (auxiliary) account"),
];

/// Open invoices shown on the page (the list has the rest).
const OPEN_SHOWN: u32 = 50;
/// Exchanges shown on the page (the history page has the rest).
const EXCHANGES_SHOWN: u32 = 20;

/// An e-mail of the exchanges: (date, recipients, subject, status label key).
type EmailLine = (String, String, String, String);

#[derive(Template)]
#[template(path = "customer_account.html")]
struct AccountPage {
    p: Chrome,
    id: String,
    /// The customer's auxiliary account, as the accounting exports write it.
    accounting_account: String,
    held: bool,
    buckets: Vec<&'static str>,
    /// (currency, amounts per bucket, total).
    balance: Vec<(String, Vec<String>, String)>,
    statement: Vec<Section>,
    open: Vec<Line>,
    open_more: bool,
    steps: Vec<StepLine>,
    emails: Vec<EmailLine>,
}

/// `GET /customers/{id}/account`
pub async fn page(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    let company = s.rec.company_id;
    let err = |e| WebError::store(lang, e);
    let id = path_id(lang, &id)?;
    let customer = app.store.customer(company, id).await.map_err(err)?;
    let held = app.store.dunning_held(company, id).await.map_err(err)?;
    let accounting_account =
        crate::app::accounting::auxiliary_account(&app.store, company, id, &customer.customer.name)
            .await
            .map_err(|e| WebError::api(lang, e))?;
    let today = s.today();
    // The company's aged balance, this customer's rows: the same figures as the report's.
    let report = crate::app::reports::aged_balance(&app, &s.auth(), today).await.map_err(|e| WebError::api(lang, e))?;
    let balance = report
        .customers
        .iter()
        .filter(|c| c.customer_id == id)
        .map(|c| {
            let cur: Currency = c.currency.parse().unwrap_or(Currency::EUR);
            (
                c.currency.clone(),
                Bucket::ALL.iter().map(|b| text::money(c.buckets.get(*b), cur, lang)).collect(),
                text::money(c.buckets.total(), cur, lang),
            )
        })
        .collect();
    let statement = statement_sections(&app, lang, company, id, None, None).await?;
    let query = UnpaidQuery { customer_id: Some(id), held: true, dunned: true, ..Default::default() };
    let (open, more) =
        ops::unpaid(&app, company, today, &query, OPEN_SHOWN, None).await.map_err(|e| WebError::api(lang, e))?;
    let (steps, _) = customer_lines(&app, &s, id, EXCHANGES_SHOWN, 0).await?;
    let emails = app
        .store
        .customer_emails(company, id, EXCHANGES_SHOWN)
        .await
        .map_err(err)?
        .into_iter()
        .map(|e| {
            (
                text::instant(e.sent_at.unwrap_or(e.created_at), &s.rec.country, lang),
                e.to.join(", "),
                e.subject,
                format!("dunning.email_status.{}", e.status),
            )
        })
        .collect();
    let title = format!("{} {}", t(lang, "dunning.account_of"), customer.customer.name);
    let page = AccountPage {
        p: s.chrome(&app, "customers", title).await?,
        id: id.to_string(),
        accounting_account,
        held,
        buckets: Bucket::ALL.iter().map(|b| t(lang, &format!("aged.b.{}", b.as_str()))).collect(),
        balance,
        statement,
        open: open.iter().map(|u| line(lang, u)).collect(),
        open_more: more.is_some(),
        steps,
        emails,
    };
    html(StatusCode::OK, &page)
}

/// `POST /customers/{id}/dunning-hold`: `never=1` holds every invoice of the customer from
/// dunning, `never=0` lets them be dunned again (as `PATCH /customers/{id}` `dunning`).
pub async fn hold_customer(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let company = s.rec.company_id;
    let id = path_id(lang, &id)?;
    app.store.customer(company, id).await.map_err(|e| WebError::store(lang, e))?;
    let never = hold_flag(lang, form.get("never"))?;
    app.store
        .set_dunning_hold(company, HoldSubject::Customer, id, never)
        .await
        .map_err(|e| WebError::store(lang, e))?;
    Ok(see_other(&with_done(&format!("/customers/{id}/account"), "dunning_hold")))
}

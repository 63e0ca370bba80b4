//! The monthly run in the web app: the delivered goods of a month invoiced in one go,
//! one draft invoice per customer or per delivery note as each customer's record says
//! (`POST /api/v1/billing/delivery-notes` does the same for the API).

use super::i18n::{Labels, t};
use super::session::{Chrome, CsrfForm, WebSession};
use super::{WebError, html};
use crate::App;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::message::Message;
use time::{Date, Month};

pub const LABELS: Labels = &[
    ("billing.title", "Facturer les livraisons du mois", "Invoice the month's deliveries"),
    ("billing.open", "Facturer les livraisons du mois", "Invoice the month's deliveries"),
    (
        "billing.help",
        "Chaque bon de livraison émis dans le mois et pas encore facturé devient une facture brouillon : une par client, ou une par bon de livraison, selon la fiche du client. Vous relisez les brouillons avant de les émettre.",
        "Every delivery note issued in the month and not invoiced yet becomes a draft invoice: one per customer, or one per delivery note, as the customer's record says. You review the drafts before issuing them.",
    ),
    ("billing.month", "Mois", "Month"),
    ("billing.run", "Créer les factures brouillons", "Create the draft invoices"),
    ("billing.none", "Aucun bon de livraison à facturer pour ce mois.", "No delivery note to invoice for this month."),
    (
        "billing.done",
        "{invoices} facture(s) brouillon créée(s) pour {notes} bon(s) de livraison.",
        "{invoices} draft invoice(s) created for {notes} delivery note(s).",
    ),
    ("billing.draft_for", "Facture brouillon pour", "Draft invoice for"),
    ("billing.see_drafts", "Voir les factures brouillons", "See the draft invoices"),
];

#[derive(Template)]
#[template(path = "billing.html")]
struct BillingPage {
    p: Chrome,
    month: String,
    error: Option<String>,
    summary: Option<String>,
    created: Vec<(String, String)>,
}

/// The month before `today`'s, as `YYYY-MM`: the run is made once a month has ended.
fn last_month(today: Date) -> String {
    let (y, m) =
        if today.month() == Month::January { (today.year() - 1, 12) } else { (today.year(), today.month() as u8 - 1) };
    format!("{y:04}-{m:02}")
}

/// The first and last day of `YYYY-MM`.
fn month_bounds(text: &str) -> Option<(Date, Date)> {
    let (y, m) = text.trim().split_once('-')?;
    let (y, m): (i32, u8) = (y.parse().ok()?, m.parse().ok()?);
    if !(1900..=9999).contains(&y) {
        return None;
    }
    let month = Month::try_from(m).ok()?;
    let first = Date::from_calendar_date(y, month, 1).ok()?;
    let last = Date::from_calendar_date(y, month, time::util::days_in_month(month, y)).ok()?;
    Some((first, last))
}

async fn page(app: &App, s: &WebSession) -> Result<BillingPage, WebError> {
    s.auth().require_write().map_err(|e| WebError::api(s.lang(), e))?;
    let p = s.chrome(app, "delivery-notes", t(s.lang(), "billing.title").into()).await?;
    Ok(BillingPage { p, month: last_month(s.today()), error: None, summary: None, created: Vec::new() })
}

/// `GET /delivery-notes/invoicing`
pub async fn form(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    html(StatusCode::OK, &page(&app, &s).await?)
}

/// `POST /delivery-notes/invoicing`: runs the month and lists the drafts made.
pub async fn run(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let mut page = page(&app, &s).await?;
    let asked = form.get("month").unwrap_or_default().to_string();
    let Some((from, to)) = month_bounds(&asked) else {
        page.month = asked;
        page.error = Some(super::messages::message(lang, &Message::new("month_yyyy_mm")));
        return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    page.month = asked;
    let company = s.rec.company_id;
    let done = app.store.invoice_deliveries(company, from, to).await.map_err(|e| WebError::store(lang, e))?;
    if done.created.is_empty() {
        page.summary = Some(t(lang, "billing.none").into());
    } else {
        page.summary = Some(
            t(lang, "billing.done")
                .replace("{invoices}", &done.created.len().to_string())
                .replace("{notes}", &done.delivery_notes.len().to_string()),
        );
        for id in done.created {
            let doc = app
                .store
                .document(company, facturier_core::document::DocumentKind::Invoice, id)
                .await
                .map_err(|e| WebError::store(lang, e))?;
            let customer =
                app.store.customer(company, doc.content.customer_id).await.map_err(|e| WebError::store(lang, e))?;
            page.created.push((format!("/invoices/{id}"), customer.customer.name));
        }
    }
    html(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_default_month_is_the_one_that_ended() {
        assert_eq!(last_month(date!(2026 - 12 - 07)), "2026-11");
        assert_eq!(last_month(date!(2027 - 01 - 02)), "2026-12");
    }

    #[test]
    fn a_month_spans_its_first_to_its_last_day() {
        assert_eq!(month_bounds("2024-02"), Some((date!(2024 - 02 - 01), date!(2024 - 02 - 29))));
        assert_eq!(month_bounds(" 2026-12 "), Some((date!(2026 - 12 - 01), date!(2026 - 12 - 31))));
        for bad in ["", "2026", "2026-13", "2026-00", "abcd-01", "2026-1x", "0000-01"] {
            assert_eq!(month_bounds(bad), None, "{bad}");
        }
    }
}

//! The dunning history: the invoice page's dunning box (its steps with undo, an entry by
//! hand — a call, a promise to pay with its date, a note — and "do not dun"), a
//! customer's steps and entries over all its invoices (`/customers/{id}/dunning`, and
//! `/customers/{id}/dunning.csv` for a spreadsheet), and
//! the download of a run's letter. Writes go through the store's dunning operations,
//! which the API calls too.

use super::{level_label, path_id};
use crate::App;
use crate::error::ApiError;
use crate::input::Check;
use crate::web::confirm::{self, Ask};
use crate::web::i18n::{Labels, t};
use crate::web::notice::with_done;
use crate::web::session::{Chrome, CsrfForm, WebSession};
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::dunning::{Taken, next_step};
use facturier_core::lifecycle;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::documents::DocumentRecord;
use facturier_store::dunning::{DUNNED_KINDS, HoldSubject, NewNote, StepKind, StepRecord};
use facturier_store::dunning_list::Selected;
use serde::Deserialize;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("dunning.box", "Relances", "Reminders"),
    ("dunning.box_held", "Cette facture ne doit pas être relancée.", "This invoice is not to be dunned."),
    (
        "dunning.box_customer_held",
        "Le client ne doit pas être relancé : aucune de ses factures ne l'est.",
        "The customer is not to be dunned: none of its invoices is.",
    ),
    ("dunning.hold_on", "Ne pas relancer cette facture", "Do not dun this invoice"),
    ("dunning.hold_off", "Relancer à nouveau cette facture", "Dun this invoice again"),
    ("dunning.next", "Prochaine relance", "Next reminder"),
    ("dunning.no_steps", "Aucune relance ni note.", "No reminders nor notes."),
    ("dunning.date", "Date", "Date"),
    ("dunning.what", "Quoi", "What"),
    ("dunning.text", "Note", "Note"),
    ("dunning.undone", "supprimée", "undone"),
    ("dunning.undo_step", "Supprimer cette relance", "Undo this reminder"),
    ("dunning.by_email", "par e-mail", "by e-mail"),
    ("dunning.by_letter", "par courrier", "by letter"),
    ("dunning.add", "Ajouter au suivi", "Add to the follow-up"),
    ("dunning.add_kind", "Type", "Type"),
    ("dunning.add_date", "Date", "Date"),
    (
        "dunning.add_date_hint",
        "Le jour de l'appel ou de la note ; pour une promesse, le jour où le client a promis de payer.",
        "The day of the call or note; for a promise, the day the customer promised to pay.",
    ),
    ("dunning.add_text", "Ce qui a été dit", "What was said"),
    ("dunning.add_button", "Enregistrer", "Save"),
    ("dunning.customer_title", "Historique des relances de", "Reminder history of"),
    ("dunning.customer_link", "Historique des relances", "Reminder history"),
    ("dunning.history_csv", "Exporter l'historique en CSV", "Export the history as CSV"),
    ("dunning.history_sheet", "Relances", "Reminders"),
    ("dunning.state", "État", "State"),
    ("dunning.live", "en cours", "live"),
    ("dunning.invoice", "Facture", "Invoice"),
    ("dunning.when", "Enregistré le", "Recorded on"),
    ("dunning.more", "Plus anciennes", "Older"),
    ("dunning.newer", "Plus récentes", "Newer"),
    ("dunning.step_undo_q", "Supprimer cette relance ?", "Undo this reminder?"),
    (
        "dunning.step_undo",
        "Elle restera dans l'historique, marquée supprimée, et son niveau pourra être relancé. Un e-mail déjà parti n'est pas rappelé.",
        "It stays in the history, marked undone, and its level can be taken again. An e-mail already sent is not recalled.",
    ),
    ("dunning.step_undo_button", "Supprimer la relance", "Undo the reminder"),
];

/// A step or an entry as the pages list it.
pub struct StepLine {
    pub id: String,
    pub date: String,
    pub when: String,
    pub what: String,
    pub text: String,
    pub undone: bool,
    /// A live step of a run, which can be undone.
    pub undoable: bool,
    pub letter: Option<String>,
    /// The invoice, on a customer's history: (number, link).
    pub invoice: Option<(String, String)>,
}

pub fn step_line(lang: Language, country: &str, s: &StepRecord) -> StepLine {
    let what = match (s.kind, s.level.as_deref()) {
        (StepKind::Auto, Some(level)) => {
            let by = match s.channel.as_deref() {
                Some("letter") => t(lang, "dunning.by_letter"),
                _ => t(lang, "dunning.by_email"),
            };
            format!("{} {by}", level_label(lang, level))
        }
        (k, _) => t(lang, &format!("dunning.kind.{}", k.as_str())).to_string(),
    };
    StepLine {
        id: s.id.to_string(),
        date: text::date(s.taken_on, lang),
        when: text::instant(s.taken_at, country, lang),
        what,
        text: s.text.clone().unwrap_or_default(),
        undone: s.undone_at.is_some(),
        undoable: s.kind == StepKind::Auto && s.undone_at.is_none(),
        letter: s.letter_id.map(|l| format!("/dunning/letters/{l}")),
        invoice: None,
    }
}

/// The dunning box of an invoice's page.
pub struct InvoiceBox {
    pub id: String,
    pub held: bool,
    pub customer_held: bool,
    /// The next reminder in words (empty for a held or settled invoice).
    pub next: String,
    /// Newest first.
    pub steps: Vec<StepLine>,
    pub today: String,
}

/// The dunning box of an issued invoice or deposit invoice; `None` for any other document.
pub async fn invoice_box(app: &App, s: &WebSession, rec: &DocumentRecord) -> Result<Option<InvoiceBox>, WebError> {
    if !DUNNED_KINDS.contains(&rec.kind) || rec.number.is_none() {
        return Ok(None);
    }
    let lang = s.lang();
    let company = s.rec.company_id;
    let err = |e| WebError::store(lang, e);
    let held = app.store.dunning_held(company, rec.id).await.map_err(err)?;
    let customer_held = app.store.dunning_held(company, rec.content.customer_id).await.map_err(err)?;
    let mut steps = app.store.dunning_steps_of(company, rec.id).await.map_err(err)?;
    steps.reverse();
    // What comes next, by `core::dunning::next_step` from its live steps (as the list and
    // the run read it); nothing for a held or settled invoice, which no run takes.
    let next = match rec.due_date {
        Some(due) if !held && !customer_held && lifecycle::is_open(rec.kind, rec.status) => {
            let policy = app.store.settings(company).await.map_err(err)?.dunning;
            let live = app.store.live_steps_of(company, &[rec.id]).await.map_err(err)?;
            let taken: Vec<Taken> = live
                .get(&rec.id)
                .into_iter()
                .flatten()
                .map(|(level, on)| Taken { level: level.clone(), on: *on })
                .collect();
            next_step(&policy, due, &taken, s.today())
                .map(|n| {
                    let on = text::date(n.due_on, lang);
                    format!("{} · {} {on}", level_label(lang, &n.level.code), t(lang, "dunning.on"))
                })
                .unwrap_or_else(|| t(lang, "dunning.all_taken").to_string())
        }
        _ => String::new(),
    };
    Ok(Some(InvoiceBox {
        id: rec.id.to_string(),
        held,
        customer_held,
        next,
        steps: steps.iter().map(|x| step_line(lang, &s.rec.country, x)).collect(),
        today: s.today().to_string(),
    }))
}

/// An issued invoice of the company, by id (404 otherwise).
async fn invoice_of(app: &App, lang: Language, company: Uuid, id: Uuid) -> Result<Selected, WebError> {
    let found = app.store.selected_invoices(company, &[id]).await.map_err(|e| WebError::store(lang, e))?;
    found.into_iter().next().ok_or(WebError::NotFound(lang))
}

fn invoice_page(inv: &Selected) -> String {
    format!("/{}/{}#dunning", inv.kind.segment(), inv.id)
}

fn invalid(lang: Language, e: ApiError) -> WebError {
    match e {
        ApiError::Invalid(fields) => WebError::Invalid(lang, fields),
        e => WebError::api(lang, e),
    }
}

/// `POST /dunning/invoices/{id}/notes`: a call, a promise to pay or a note, written in
/// the invoice's history.
pub async fn add_note(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let inv = invoice_of(&app, lang, s.rec.company_id, path_id(lang, &id)?).await?;
    let mut v = Check::default();
    let kind = match form.get("kind").and_then(StepKind::parse).filter(|k| *k != StepKind::Auto) {
        Some(k) => Some(k),
        None => {
            let typed = form.get("kind").unwrap_or_default();
            v.error("kind", Message::new("dunning_note_kind").with("v", format!("{typed:?}")));
            None
        }
    };
    let on = match form.text("date") {
        None => Some(s.today()),
        Some(d) => v.date("date", &d),
    };
    let text = v.lines("text", &form.text("text"), 2000);
    v.finish().map_err(|e| invalid(lang, e))?;
    let (Some(kind), Some(on), Some(text)) = (kind, on, text) else {
        return Err(WebError::Invalid(lang, vec![crate::error::FieldError::new("text", Message::new("required"))]));
    };
    let note = NewNote {
        invoice_id: inv.id,
        customer_id: inv.customer_id,
        kind,
        on,
        text: &text,
        by_user: Some(s.rec.user_id),
    };
    app.store.add_dunning_note(s.rec.company_id, &note).await.map_err(|e| WebError::store(lang, e))?;
    Ok(see_other(&with_done(&invoice_page(&inv), "dunning_note")))
}

/// `POST /dunning/invoices/{id}/hold`: `never=1` holds the invoice from dunning, `never=0`
/// lets it be dunned again (kept outside its sealed content).
pub async fn hold_invoice(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let inv = invoice_of(&app, lang, s.rec.company_id, path_id(lang, &id)?).await?;
    let never = hold_flag(lang, form.get("never"))?;
    app.store
        .set_dunning_hold(s.rec.company_id, HoldSubject::Invoice, inv.id, never)
        .await
        .map_err(|e| WebError::store(lang, e))?;
    Ok(see_other(&with_done(&invoice_page(&inv), "dunning_hold")))
}

/// `never`: `1` holds, `0` releases; anything else is refused.
pub fn hold_flag(lang: Language, v: Option<&str>) -> Result<bool, WebError> {
    match v {
        Some("1") => Ok(true),
        Some("0") => Ok(false),
        other => Err(WebError::BadRequest(
            lang,
            Message::new("dunning_flag").with("v", format!("{:?}", other.unwrap_or_default())),
        )),
    }
}

/// `POST /dunning/steps/{id}/undo`: undoes one step, after a confirmation page.
pub async fn undo_step(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let company = s.rec.company_id;
    let id = path_id(lang, &id)?;
    let step = app.store.dunning_step(company, id).await.map_err(|e| WebError::store(lang, e))?;
    let inv = invoice_of(&app, lang, company, step.invoice_id).await?;
    if !confirm::confirmed(&form) {
        let ask = Ask {
            question: t(lang, "dunning.step_undo_q").into(),
            consequence: t(lang, "dunning.step_undo").into(),
            button: t(lang, "dunning.step_undo_button").into(),
            back: invoice_page(&inv),
            danger: true,
            is_final: false,
        };
        return confirm::ask(&app, &s, inv.kind.segment(), &format!("/dunning/steps/{id}/undo"), &form, ask).await;
    }
    app.store.undo_dunning_step(company, id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(see_other(&with_done(&invoice_page(&inv), "dunning_undone")))
}

/// `GET /dunning/letters/{id}`: a run's letter, as a PDF.
pub async fn letter(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = path_id(lang, &id)?;
    let (_, level, pdf) = app.store.dunning_letter(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let name = format!("attachment; filename=\"{level}-{id}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, name)], pdf)
        .into_response())
}

/// Rows of a customer's history page.
const HISTORY_PAGE: u32 = 100;

#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    pub page: Option<u32>,
}

#[derive(Template)]
#[template(path = "customer_dunning.html")]
struct CustomerPage {
    p: Chrome,
    id: String,
    steps: Vec<StepLine>,
    newer: Option<u32>,
    older: Option<u32>,
}

/// The lines of a customer's history, newest first: a page of `limit` from `offset`, and
/// whether more follow.
pub async fn customer_lines(
    app: &App,
    s: &WebSession,
    customer: Uuid,
    limit: u32,
    offset: u32,
) -> Result<(Vec<StepLine>, bool), WebError> {
    let lang = s.lang();
    let mut rows = app
        .store
        .customer_dunning_steps(s.rec.company_id, customer, limit, offset)
        .await
        .map_err(|e| WebError::store(lang, e))?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((
        rows.iter()
            .map(|r| {
                let mut l = step_line(lang, &s.rec.country, &r.step);
                l.invoice = Some((
                    r.invoice_number.clone(),
                    format!("/{}/{}#dunning", r.invoice_kind.segment(), r.step.invoice_id),
                ));
                l
            })
            .collect(),
        more,
    ))
}

/// The most rows a customer's history export writes.
const HISTORY_EXPORT_MAX: u32 = 100_000;
/// Rows read per query while exporting a customer's history.
const HISTORY_EXPORT_PAGE: u32 = 1000;

/// `GET /customers/{id}/dunning.csv`: the customer's whole reminder history (every step
/// and entry of its invoices, undone ones marked, newest first) as CSV in the reader's
/// notation: the date, the invoice, what, the note, whether it was undone, when recorded.
pub async fn customer_csv(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    use facturier_formats::export::{self, Cell, Sheet};
    let lang = s.lang();
    let id = path_id(lang, &id)?;
    let company = s.rec.company_id;
    app.store.customer(company, id).await.map_err(|e| WebError::store(lang, e))?;
    let headers = ["dunning.date", "dunning.invoice", "dunning.what", "dunning.text", "dunning.state", "dunning.when"]
        .iter()
        .map(|k| t(lang, k).to_string())
        .collect();
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let (page, more) = customer_lines(&app, &s, id, HISTORY_EXPORT_PAGE, offset).await?;
        for l in page {
            let state = if l.undone { "dunning.undone" } else { "dunning.live" };
            rows.push(vec![
                Cell::text(l.date),
                Cell::text(l.invoice.map(|i| i.0).unwrap_or_default()),
                Cell::text(l.what),
                Cell::text(l.text),
                Cell::text(t(lang, state)),
                Cell::text(l.when),
            ]);
        }
        offset += HISTORY_EXPORT_PAGE;
        if !more || offset >= HISTORY_EXPORT_MAX {
            break;
        }
    }
    let sheet = Sheet { name: t(lang, "dunning.history_sheet").to_string(), headers, rows };
    let bytes = export::csv(&sheet, lang).map_err(|e| WebError::api(lang, e.into()))?;
    let name = format!("{}-{id}.csv", if lang == Language::Fr { "historique-relances" } else { "reminder-history" });
    Ok((
        [
            (header::CONTENT_TYPE, export::CSV_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /customers/{id}/dunning?page=`: every step and entry of the customer's invoices,
/// newest first.
pub async fn customer(
    State(app): State<App>,
    s: WebSession,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = path_id(lang, &id)?;
    let c = app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
    let page = q.page.unwrap_or(0).min(100_000);
    let (steps, more) = customer_lines(&app, &s, id, HISTORY_PAGE, page.saturating_mul(HISTORY_PAGE)).await?;
    let title = format!("{} {}", t(lang, "dunning.customer_title"), c.customer.name);
    let page = CustomerPage {
        p: s.chrome(&app, "customers", title).await?,
        id: id.to_string(),
        steps,
        newer: page.checked_sub(1),
        older: more.then_some(page + 1),
    };
    html(StatusCode::OK, &page)
}

//! `/dunning`: the unpaid list (« factures non soldées ») — issued invoices still owing,
//! filtered by due and issue dates, customer, words with an "except" term, and whether
//! held, already dunned or withdrawn invoices show — with each invoice's last step and
//! next action (`app::dunning_list`, from `core::dunning::next_step`), totals, keyset
//! pages, the CSV and XLSX export of the filtered list, and the selection's two actions:
//! run the reminders (« lancer les relances sur les factures sélectionnées », after a page
//! saying what will be taken) and undo the last step of each (« supprimer les relances
//! sélectionnées pour permettre de la relancer »).

use super::level_label;
use crate::App;
use crate::app::dunning::{Levels, RunRequest};
use crate::app::dunning_list::{self as ops, Left, Unpaid};
use crate::web::confirm::{self, Ask};
use crate::web::i18n::{Labels, t};
use crate::web::lists::TOTALS_MAX;
use crate::web::messages::message;
use crate::web::notice::with_done;
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, local_path, query_string, see_other};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use facturier_core::Decimal;
use facturier_core::dunning::Channel;
use facturier_core::input::parse_date;
use facturier_core::lifecycle;
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::export::{self, Cell, Sheet};
use facturier_formats::text;
use facturier_store::dunning_list::{UnpaidCursor, UnpaidQuery};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use time::Date;
use uuid::Uuid;

pub const LABELS: Labels = &[
    ("nav.dunning", "Relances", "Collections"),
    ("dunning.title", "Relances : factures non soldées", "Collections: unpaid invoices"),
    (
        "dunning.help",
        "Les factures émises qui restent dues, la plus ancienne échéance d'abord, avec la dernière relance faite et la prochaine à faire. Cochez des factures pour les relancer ou pour supprimer leur dernière relance.",
        "Issued invoices still owing, oldest due date first, with the last reminder taken and the next one to take. Tick invoices to remind them or to undo their last reminder.",
    ),
    ("dunning.filters", "Filtres", "Filters"),
    ("dunning.as_of", "Situation au", "As of"),
    ("dunning.due_from", "Échéance du", "Due from"),
    ("dunning.due_to", "Échéance au", "Due until"),
    ("dunning.issued_from", "Émise du", "Issued from"),
    ("dunning.issued_to", "Émise au", "Issued until"),
    ("dunning.q", "Texte à rechercher", "Text to find"),
    ("dunning.q_hint", "Numéro, client ou mots de la facture", "Number, customer or the invoice's words"),
    ("dunning.except", "Sauf", "Except"),
    ("dunning.show_held", "Afficher les factures à ne pas relancer", "Show invoices not to be dunned"),
    ("dunning.hide_dunned", "Masquer les factures déjà relancées", "Hide invoices already dunned"),
    (
        "dunning.show_withdrawn",
        "Afficher les factures annulées ou soldées par avoir",
        "Show cancelled or credited invoices",
    ),
    ("dunning.apply", "Actualiser", "Refresh"),
    ("dunning.reset", "Effacer les filtres", "Clear the filters"),
    ("dunning.customer_only", "Client", "Customer"),
    ("dunning.all_customers", "Tous les clients", "All customers"),
    (
        "dunning.none",
        "Aucune facture non soldée ne correspond à ces filtres.",
        "No unpaid invoice matches these filters.",
    ),
    ("dunning.select", "Sélectionner", "Select"),
    ("dunning.select_invoice", "Sélectionner la facture", "Select the invoice"),
    ("dunning.number", "Facture", "Invoice"),
    ("dunning.customer", "Client", "Customer"),
    ("dunning.issue_date", "Émise le", "Issued on"),
    ("dunning.due_date", "Échéance", "Due date"),
    ("dunning.days_late", "Retard", "Days late"),
    ("dunning.days", "j", "d"),
    ("dunning.not_due", "non échue", "not due"),
    ("dunning.amount_due", "Reste dû", "Amount due"),
    ("dunning.last_step", "Dernière relance", "Last reminder"),
    ("dunning.next_step", "Prochaine action", "Next action"),
    ("dunning.now", "à faire", "due now"),
    ("dunning.on", "le", "on"),
    ("dunning.held", "Ne pas relancer", "Do not dun"),
    ("dunning.all_taken", "Tous les niveaux sont faits", "Every level taken"),
    ("dunning.never", "—", "—"),
    ("dunning.total", "Total dû", "Total due"),
    ("dunning.invoices", "facture(s)", "invoice(s)"),
    (
        "dunning.total_note",
        "Toutes les pages de la liste filtrée, par devise.",
        "Every page of the filtered list, per currency.",
    ),
    (
        "dunning.too_many",
        "Trop de factures pour en afficher les totaux : affinez les filtres.",
        "Too many invoices to show their totals: narrow the filters.",
    ),
    ("dunning.csv", "Exporter la liste en CSV", "Export the list as CSV"),
    ("dunning.xlsx", "Exporter la liste en XLSX (Excel)", "Export the list as XLSX (Excel)"),
    ("dunning.channel", "Envoi", "Send by"),
    ("dunning.channel.email", "E-mail", "E-mail"),
    ("dunning.channel.letter", "Courrier (PDF à imprimer)", "Letter (PDF to print)"),
    ("dunning.run", "Lancer les relances sur les factures sélectionnées", "Remind the selected invoices"),
    (
        "dunning.undo",
        "Supprimer les relances sélectionnées pour permettre de les relancer",
        "Undo the selected reminders so they can be sent again",
    ),
    (
        "dunning.bad_date",
        "Ce n'est pas une date : choisissez un jour dans le calendrier. Aucune facture n'est affichée.",
        "This is not a date: choose a day in the calendar. No invoices are shown.",
    ),
    (
        "dunning.bad_customer",
        "Ce client n'existe pas. Aucune facture n'est affichée.",
        "No such customer. No invoices are shown.",
    ),
    // The confirmation of a run.
    ("dunning.confirm_q", "Lancer les relances ?", "Send the reminders?"),
    (
        "dunning.confirm_summary",
        "{invoices} facture(s) de {customers} client(s) seront relancées le {date}, par {channel} : un envoi par client, qui liste toutes ses factures.",
        "{invoices} invoice(s) of {customers} customer(s) will be reminded on {date}, by {channel}: one message per customer, listing all its invoices.",
    ),
    ("dunning.confirm_levels", "Niveaux pris", "Levels taken"),
    (
        "dunning.confirm_nothing",
        "Aucune des factures sélectionnées n'est à relancer ce jour-là.",
        "None of the selected invoices is due for a reminder on that day.",
    ),
    ("dunning.confirm_button", "Lancer les relances", "Send the reminders"),
    ("dunning.left", "Non relancées", "Not reminded"),
    ("dunning.why", "Pourquoi", "Why"),
    ("dunning.level", "Niveau", "Level"),
    // The result of a run.
    ("dunning.done_title", "Relances lancées", "Reminders sent"),
    ("dunning.done_steps", "Relances enregistrées", "Reminders recorded"),
    ("dunning.done_emails", "e-mail(s) placé(s) dans la file d'envoi", "e-mail(s) queued for sending"),
    ("dunning.done_letters", "Courriers à imprimer", "Letters to print"),
    ("dunning.letter", "Courrier (PDF)", "Letter (PDF)"),
    ("dunning.done_none", "Aucune relance n'a été faite.", "No reminder was taken."),
    ("dunning.back", "Retour à la liste", "Back to the list"),
    // Undo from the list.
    (
        "dunning.undo_q",
        "Supprimer la dernière relance de {n} facture(s) ?",
        "Undo the last reminder of {n} invoice(s)?",
    ),
    (
        "dunning.undo_consequence",
        "La dernière relance de chaque facture sélectionnée restera dans l'historique, marquée supprimée, et son niveau pourra être relancé. Les e-mails déjà partis ne sont pas rappelés.",
        "The last reminder of each selected invoice stays in the history, marked undone, and its level can be taken again. E-mails already sent are not recalled.",
    ),
    ("dunning.undo_button", "Supprimer les dernières relances", "Undo the last reminders"),
];

/// Rows of a page.
const PAGE: u32 = 50;
/// The most rows an export writes.
const EXPORT_MAX: usize = 100_000;
/// Rows read per query while exporting.
const EXPORT_PAGE: u32 = 1000;

/// The list's query string, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct Params {
    pub as_of: Option<String>,
    pub due_from: Option<String>,
    pub due_to: Option<String>,
    pub issued_from: Option<String>,
    pub issued_to: Option<String>,
    pub customer: Option<String>,
    pub q: Option<String>,
    pub except: Option<String>,
    pub held: Option<String>,
    pub hide_dunned: Option<String>,
    pub withdrawn: Option<String>,
    pub after: Option<String>,
}

/// The filters read from [`Params`], with what was typed and which fields were refused.
struct Read {
    as_of: Date,
    query: UnpaidQuery,
    typed: BTreeMap<&'static str, String>,
    /// (field, label key of its error).
    errors: Vec<(&'static str, &'static str)>,
}

fn clean(s: &Option<String>) -> String {
    // Control characters (a NUL fails PostgreSQL) are dropped from a filter rather than refused.
    s.as_deref().unwrap_or_default().chars().filter(|c| !c.is_control()).take(200).collect::<String>().trim().into()
}

fn read(p: &Params, today: Date) -> Read {
    let mut typed = BTreeMap::new();
    let mut errors = Vec::new();
    let mut date = |field: &'static str, v: &Option<String>| -> Option<Date> {
        let s = clean(v);
        typed.insert(field, s.clone());
        if s.is_empty() {
            return None;
        }
        match parse_date(&s) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push((field, "dunning.bad_date"));
                None
            }
        }
    };
    let as_of = date("as_of", &p.as_of).unwrap_or(today);
    let due_from = date("due_from", &p.due_from);
    let due_to = date("due_to", &p.due_to);
    let issued_from = date("issued_from", &p.issued_from);
    let issued_to = date("issued_to", &p.issued_to);
    let customer_s = clean(&p.customer);
    let customer_id = if customer_s.is_empty() {
        None
    } else {
        match customer_s.parse::<Uuid>() {
            Ok(c) => Some(c),
            Err(_) => {
                errors.push(("customer", "dunning.bad_customer"));
                None
            }
        }
    };
    typed.insert("customer", customer_s);
    let q = clean(&p.q);
    let except = clean(&p.except);
    // `-word` in the search box is an "except" term too, as in the document lists.
    let (find, not) = search_terms(&q, &except);
    typed.insert("q", q);
    typed.insert("except", except);
    let on = |v: &Option<String>| v.as_deref().is_some_and(|v| v == "1" || v == "on");
    let query = UnpaidQuery {
        due_from,
        due_to,
        issued_from,
        issued_to,
        customer_id,
        words: find.map(|f| f.split_whitespace().map(String::from).collect()).unwrap_or_default(),
        except: not,
        held: on(&p.held),
        dunned: !on(&p.hide_dunned),
        withdrawn: on(&p.withdrawn),
    };
    Read { as_of, query, typed, errors }
}

/// Splits `maintenance -contrat` into the words to find and the terms to leave out; the
/// "except" field adds one more (as the document lists read their search box).
fn search_terms(q: &str, except: &str) -> (Option<String>, Vec<String>) {
    let mut find = Vec::new();
    let mut not = Vec::new();
    for w in q.split_whitespace() {
        match w.strip_prefix('-') {
            Some(x) if !x.is_empty() => not.push(x.to_string()),
            _ => find.push(w),
        }
    }
    if !except.trim().is_empty() {
        not.push(except.trim().to_string());
    }
    (Some(find.join(" ")).filter(|s| !s.is_empty()), not)
}

impl Read {
    fn typed(&self, f: &str) -> String {
        self.typed.get(f).cloned().unwrap_or_default()
    }

    /// The filters as query pairs (for links that keep them).
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v: Vec<(&'static str, String)> =
            ["as_of", "due_from", "due_to", "issued_from", "issued_to", "customer", "q", "except"]
                .into_iter()
                .map(|f| (f, self.typed(f)))
                .collect();
        if self.query.held {
            v.push(("held", "1".into()));
        }
        if !self.query.dunned {
            v.push(("hide_dunned", "1".into()));
        }
        if self.query.withdrawn {
            v.push(("withdrawn", "1".into()));
        }
        v
    }

    fn query_string(&self, extra: &[(&'static str, String)]) -> String {
        let mut pairs = self.pairs();
        pairs.extend(extra.iter().cloned());
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        query_string(&refs)
    }
}

/// One row of the list.
pub struct Line {
    pub id: String,
    pub href: String,
    pub number: String,
    pub customer: String,
    pub customer_href: String,
    pub issue_date: String,
    pub due_date: String,
    pub days_late: String,
    pub late: bool,
    pub due: String,
    /// The status in words for a withdrawn invoice (cancelled, credited), else empty.
    pub status: &'static str,
    pub held: bool,
    pub last: String,
    pub next: String,
    pub next_now: bool,
    /// Runs may take steps on it (open and not held); undo applies to any with a step.
    pub selectable: bool,
}

pub fn line(lang: Language, u: &Unpaid) -> Line {
    let i = &u.invoice;
    let cur: Currency = i.currency.parse().unwrap_or(Currency::EUR);
    let open = lifecycle::is_open(i.kind, i.status);
    let next = match (&u.next, open, i.held) {
        (_, false, _) => String::new(),
        (_, true, true) => t(lang, "dunning.held").to_string(),
        (Some(n), true, false) => {
            format!("{} · {} {}", level_label(lang, &n.level.code), t(lang, "dunning.on"), text::date(n.due_on, lang))
        }
        (None, true, false) => t(lang, "dunning.all_taken").to_string(),
    };
    Line {
        id: i.id.to_string(),
        href: format!("/{}/{}", i.kind.segment(), i.id),
        number: i.number.clone(),
        customer: i.customer_name.clone(),
        customer_href: format!("/customers/{}/account", i.customer_id),
        issue_date: text::date(i.issue_date, lang),
        due_date: text::date(i.due_date, lang),
        days_late: if u.days_late > 0 {
            format!("{} {}", u.days_late, t(lang, "dunning.days"))
        } else {
            t(lang, "dunning.not_due").to_string()
        },
        late: u.days_late > 0,
        due: text::money(i.due, cur, lang),
        status: if open { "" } else { crate::web::lists::status_word(i.kind, i.status, true) },
        held: i.held,
        last: u
            .last
            .as_ref()
            .map(|(l, on)| format!("{} · {}", level_label(lang, l), text::date(*on, lang)))
            .unwrap_or_default(),
        next,
        next_now: u.next.as_ref().is_some_and(|n| n.due_now),
        selectable: open,
    }
}

#[derive(Template)]
#[template(path = "dunning.html")]
struct ListPage {
    p: Chrome,
    as_of: String,
    due_from: String,
    due_to: String,
    issued_from: String,
    issued_to: String,
    customer: String,
    customer_name: Option<String>,
    q: String,
    except: String,
    held: bool,
    hide_dunned: bool,
    withdrawn: bool,
    /// field → its error, in words.
    errors: BTreeMap<&'static str, &'static str>,
    rows: Vec<Line>,
    /// (currency, invoices, amount due).
    totals: Vec<(String, usize, String)>,
    too_many: bool,
    next_query: Option<String>,
    first_query: Option<String>,
    /// The filters, for the exports and for coming back after an action.
    filters: String,
    /// The filters but the customer.
    all_customers: String,
    can_write: bool,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).copied()
    }
}

/// The totals per currency of every row the filters select; `None` when too many.
fn totals(lang: Language, amounts: Option<Vec<(String, Decimal)>>) -> Option<Vec<(String, usize, String)>> {
    let amounts = amounts?;
    let mut by: BTreeMap<String, (usize, Decimal)> = BTreeMap::new();
    for (cur, due) in amounts {
        let e = by.entry(cur).or_default();
        e.0 += 1;
        e.1 += due;
    }
    Some(
        by.into_iter()
            .map(|(cur, (n, sum))| {
                let c: Currency = cur.parse().unwrap_or(Currency::EUR);
                (cur, n, text::money(sum, c, lang))
            })
            .collect(),
    )
}

/// `GET /dunning`
pub async fn page(State(app): State<App>, s: WebSession, Query(p): Query<Params>) -> Result<Response, WebError> {
    let lang = s.lang();
    let company = s.rec.company_id;
    let r = read(&p, s.today());
    let after = p.after.as_deref().and_then(UnpaidCursor::decode);
    let customer_name = match r.query.customer_id {
        Some(c) => match app.store.customer(company, c).await {
            Ok(c) => Some(c.customer.name),
            Err(facturier_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(WebError::store(lang, e)),
        },
        None => None,
    };
    let mut errors: BTreeMap<&'static str, &'static str> = r.errors.iter().map(|(f, k)| (*f, t(lang, k))).collect();
    if r.query.customer_id.is_some() && customer_name.is_none() {
        errors.insert("customer", t(lang, "dunning.bad_customer"));
    }
    let (rows, next, sums) = if errors.is_empty() {
        let (rows, next) =
            ops::unpaid(&app, company, r.as_of, &r.query, PAGE, after).await.map_err(|e| WebError::api(lang, e))?;
        let amounts =
            app.store.unpaid_amounts(company, &r.query, TOTALS_MAX).await.map_err(|e| WebError::store(lang, e))?;
        (rows, next, totals(lang, amounts))
    } else {
        (Vec::new(), None, Some(Vec::new()))
    };
    let page = ListPage {
        p: s.chrome(&app, "dunning", t(lang, "dunning.title").into()).await?,
        as_of: r.typed("as_of"),
        due_from: r.typed("due_from"),
        due_to: r.typed("due_to"),
        issued_from: r.typed("issued_from"),
        issued_to: r.typed("issued_to"),
        customer: r.typed("customer"),
        customer_name,
        q: r.typed("q"),
        except: r.typed("except"),
        held: r.query.held,
        hide_dunned: !r.query.dunned,
        withdrawn: r.query.withdrawn,
        rows: rows.iter().map(|u| line(lang, u)).collect(),
        too_many: sums.is_none(),
        totals: sums.unwrap_or_default(),
        next_query: next.map(|c| r.query_string(&[("after", c.encode())])),
        first_query: after.is_some().then(|| r.query_string(&[])),
        filters: r.query_string(&[]),
        all_customers: {
            let all = r.pairs();
            let pairs: Vec<(&str, &str)> =
                all.iter().filter(|(k, _)| *k != "customer").map(|(k, v)| (*k, v.as_str())).collect();
            query_string(&pairs)
        },
        can_write: s.can_write(),
        errors,
    };
    let code = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    html(code, &page)
}

/// The filtered list as a sheet, every page (at most [`EXPORT_MAX`] rows).
async fn sheet(app: &App, s: &WebSession, r: &Read) -> Result<Sheet, WebError> {
    let lang = s.lang();
    let headers = [
        "dunning.number",
        "dunning.customer",
        "dunning.issue_date",
        "dunning.due_date",
        "dunning.days_late",
        "aged.currency",
        "dunning.amount_due",
        "doc.status",
        "dunning.last_step",
        "dunning.next_step",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = ops::unpaid(app, s.rec.company_id, r.as_of, &r.query, EXPORT_PAGE, after)
            .await
            .map_err(|e| WebError::api(lang, e))?;
        for u in &page {
            let l = line(lang, u);
            let i = &u.invoice;
            let status =
                if l.status.is_empty() { crate::web::lists::status_word(i.kind, i.status, true) } else { l.status };
            rows.push(vec![
                Cell::text(l.number),
                Cell::text(l.customer),
                Cell::text(l.issue_date),
                Cell::text(l.due_date),
                Cell::Number { value: Decimal::from(u.days_late), decimals: 0 },
                Cell::text(i.currency.clone()),
                Cell::amount(i.due),
                Cell::text(t(lang, status)),
                Cell::text(l.last),
                Cell::text(l.next),
            ]);
        }
        match next {
            Some(c) if rows.len() < EXPORT_MAX => after = Some(c),
            _ => break,
        }
    }
    rows.truncate(EXPORT_MAX);
    Ok(Sheet { name: format!("{} {}", t(lang, "nav.dunning"), r.as_of), headers, rows })
}

async fn export(app: App, s: WebSession, p: Params, xlsx: bool) -> Result<Response, WebError> {
    let lang = s.lang();
    let r = read(&p, s.today());
    if let Some((field, _)) = r.errors.first() {
        return Err(WebError::BadRequest(lang, Message::new("not_a_date").with("v", *field)));
    }
    let sheet = sheet(&app, &s, &r).await?;
    let (bytes, media, ext) = if xlsx {
        (export::xlsx(&sheet), export::XLSX_TYPE, "xlsx")
    } else {
        (export::csv(&sheet, lang), export::CSV_TYPE, "csv")
    };
    let bytes = bytes.map_err(|e| WebError::api(lang, e.into()))?;
    let name = format!("{}-{}.{ext}", if lang == Language::Fr { "relances" } else { "collections" }, r.as_of);
    Ok((
        [
            (header::CONTENT_TYPE, media.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /dunning.csv`
pub async fn export_csv(State(app): State<App>, s: WebSession, Query(p): Query<Params>) -> Result<Response, WebError> {
    export(app, s, p, false).await
}

/// `GET /dunning.xlsx`
pub async fn export_xlsx(State(app): State<App>, s: WebSession, Query(p): Query<Params>) -> Result<Response, WebError> {
    export(app, s, p, true).await
}

/// The ids of a posted selection (`id`, repeated); one that is no id refuses it all.
fn selection_ids(form: &FormData) -> Result<Vec<Uuid>, Message> {
    let raw: Vec<&str> = form.0.iter().filter(|(k, _)| k == "id").map(|(_, v)| v.as_str()).collect();
    let bad = raw.iter().filter(|v| v.parse::<Uuid>().is_err()).count();
    if bad > 0 {
        return Err(Message::new("dunning_selection_unknown").with("n", bad));
    }
    Ok(raw.iter().filter_map(|v| v.parse().ok()).collect())
}

/// The list's address the form came from (its filters), for going back.
fn back_of(form: &FormData) -> String {
    let q = form.get("back").unwrap_or_default();
    local_path(Some(&if q.is_empty() { "/dunning".to_string() } else { format!("/dunning?{q}") }))
}

fn as_of_of(form: &FormData, today: Date) -> Result<Date, Message> {
    match form.text("as_of") {
        None => Ok(today),
        Some(s) => parse_date(&s).map_err(|_| Message::new("not_a_date").with("v", "as_of")),
    }
}

/// An invoice of a run's page: number, link, customer, level in words.
pub struct StepLine {
    pub number: String,
    pub href: String,
    pub customer: String,
    pub level: String,
}

#[derive(Template)]
#[template(path = "dunning_confirm.html")]
struct ConfirmPage {
    p: Chrome,
    summary: String,
    /// (level in words, how many invoices).
    levels: Vec<(String, usize)>,
    steps: Vec<StepLine>,
    /// (invoice number, link, why it is left out).
    left: Vec<(String, String, String)>,
    fields: Vec<(String, String)>,
    back: String,
}

#[derive(Template)]
#[template(path = "dunning_run.html")]
struct RunPage {
    p: Chrome,
    steps: Vec<StepLine>,
    emails: usize,
    /// (link to the PDF, customer).
    letters: Vec<(String, String)>,
    left: Vec<(String, String, String)>,
    back: String,
}

/// Why a run leaves an invoice out, the level in the reader's words.
fn left_message(lang: Language, l: &Left) -> Message {
    match l {
        Left::NotYet(n) => Message::new("dunning_not_yet")
            .with("level", level_label(lang, &n.level.code))
            .with("date", n.due_on.to_string()),
        Left::AllTaken => Message::new("dunning_all_taken"),
        Left::NotOverdue => Message::new("dunning_not_overdue"),
    }
}

/// `POST /dunning/run`: without `confirm=1`, what the run would take over the selection;
/// with it, the run (`app::dunning::run`, every step due, by the channel chosen) and what it did.
pub async fn run(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    let api = |e| WebError::api(lang, e);
    auth.require_write().map_err(api)?;
    let as_of = as_of_of(&form, s.today()).map_err(|m| WebError::BadRequest(lang, m))?;
    let channel = match form.get("channel") {
        None | Some("email") => Channel::Email,
        Some("letter") => Channel::Letter,
        Some(other) => {
            return Err(WebError::BadRequest(
                lang,
                Message::new("dunning_run_channel").with("v", format!("{other:?}")),
            ));
        }
    };
    let ids = selection_ids(&form).map_err(|m| WebError::BadRequest(lang, m))?;
    let selection = ops::check_selection(&app, &auth, &ids).await.map_err(api)?;
    let back = back_of(&form);
    let preview = ops::preview(&app, &auth, as_of, &selection).await.map_err(api)?;
    let numbers: HashMap<Uuid, (String, String)> =
        selection.iter().map(|x| (x.id, (x.number.clone(), format!("/{}/{}", x.kind.segment(), x.id)))).collect();
    let customer_ids: Vec<Uuid> = selection.iter().map(|x| x.customer_id).collect();
    let names =
        app.store.customer_names(s.rec.company_id, &customer_ids).await.map_err(|e| WebError::store(lang, e))?;
    let customer_of: HashMap<Uuid, Uuid> = selection.iter().map(|x| (x.id, x.customer_id)).collect();
    let step_line = |invoice: Uuid, level: &str| {
        let (number, href) = numbers.get(&invoice).cloned().unwrap_or_default();
        let customer = customer_of.get(&invoice).and_then(|c| names.get(c)).cloned().unwrap_or_default();
        StepLine { number, href, customer, level: level_label(lang, level) }
    };
    let left_line = |invoice: Uuid, m: &Message| {
        let (number, href) = numbers.get(&invoice).cloned().unwrap_or_default();
        (number, href, message(lang, m))
    };
    let channel_word =
        t(lang, if channel == Channel::Letter { "dunning.channel.letter" } else { "dunning.channel.email" });
    if !confirm::confirmed(&form) {
        let mut levels: BTreeMap<usize, (String, usize)> = BTreeMap::new();
        for (_, n) in &preview.steps {
            levels.entry(n.index).or_insert_with(|| (level_label(lang, &n.level.code), 0)).1 += 1;
        }
        let summary = t(lang, "dunning.confirm_summary")
            .replace("{invoices}", &preview.steps.len().to_string())
            .replace("{customers}", &preview.customers.to_string())
            .replace("{date}", &text::date(as_of, lang))
            .replace("{channel}", &channel_word.to_lowercase());
        let page = ConfirmPage {
            p: s.chrome(&app, "dunning", t(lang, "dunning.confirm_q").into()).await?,
            summary,
            levels: levels.into_values().collect(),
            steps: preview.steps.iter().map(|(i, n)| step_line(i.id, &n.level.code)).collect(),
            left: preview.left.iter().map(|(id, l)| left_line(*id, &left_message(lang, l))).collect(),
            fields: form.0.iter().filter(|(k, _)| k != "csrf" && k != "confirm").cloned().collect(),
            back,
        };
        return html(StatusCode::OK, &page);
    }
    let only: Vec<Uuid> = selection.iter().map(|x| x.id).collect();
    let req = RunRequest {
        company: s.rec.company_id,
        by_user: Some(s.rec.user_id),
        as_of,
        only: Some(&only),
        channel,
        levels: Levels::All,
        keep: crate::app::dunning::Keep::Everything,
    };
    let report = crate::app::dunning::run(&app, &req, &|_, _| {}).await.map_err(api)?;
    if !report.emails.is_empty() {
        app.outbox.wake();
    }
    let taken: std::collections::HashSet<Uuid> = report.steps.iter().map(|x| x.invoice_id).collect();
    let mut left: Vec<(String, String, String)> =
        report.skipped.iter().map(|x| left_line(x.invoice_id, &x.message)).collect();
    // Left out before the run read them (not yet due, not overdue…): why, from the preview.
    for (id, l) in &preview.left {
        if !taken.contains(id) && !report.skipped.iter().any(|x| x.invoice_id == *id) {
            left.push(left_line(*id, &left_message(lang, l)));
        }
    }
    let page = RunPage {
        p: s.chrome(&app, "dunning", t(lang, "dunning.done_title").into()).await?,
        steps: report.steps.iter().map(|x| step_line(x.invoice_id, x.level.as_deref().unwrap_or_default())).collect(),
        emails: report.emails.len(),
        letters: report
            .letters
            .iter()
            .map(|(l, c)| (format!("/dunning/letters/{l}"), names.get(c).cloned().unwrap_or_default()))
            .collect(),
        left,
        back,
    };
    html(StatusCode::OK, &page)
}

/// `POST /dunning/undo`: undoes the last live step of each selected invoice, after a
/// confirmation page.
pub async fn undo(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    let api = |e| WebError::api(lang, e);
    auth.require_write().map_err(api)?;
    let ids = selection_ids(&form).map_err(|m| WebError::BadRequest(lang, m))?;
    let selection = ops::check_selection(&app, &auth, &ids).await.map_err(api)?;
    let back = back_of(&form);
    if !confirm::confirmed(&form) {
        let ask = Ask {
            question: t(lang, "dunning.undo_q").replace("{n}", &selection.len().to_string()),
            consequence: t(lang, "dunning.undo_consequence").to_string(),
            button: t(lang, "dunning.undo_button").to_string(),
            back,
            danger: true,
            is_final: false,
        };
        return confirm::ask(&app, &s, "dunning", "/dunning/undo", &form, ask).await;
    }
    ops::undo_last(&app, &auth, &selection).await.map_err(api)?;
    Ok(see_other(&with_done(&back, "dunning_undone")))
}

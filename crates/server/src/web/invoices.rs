//! Invoices: the list with filters and the totals of its rows, the draft form, the
//! invoice page and its actions (issue, record a payment, PDF). Actions go through the
//! API's own functions (`api::documents`), so roles and rules are the API's.

use super::i18n::{self, t};
use super::session::{Chrome, CsrfForm, FormData, WebSession};
use super::{WebError, html, query_string, see_other};
use crate::App;
use crate::api::documents::{self as api_docs, DocumentInput, LineInput, PaymentInput};
use crate::error::ApiError;
use crate::input::{DecText, parse_date};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, Status};
use facturier_core::money::{Currency, to_text};
use facturier_core::party::Language;
use facturier_formats::text;
use facturier_store::customers::CustomerFilter;
use facturier_store::documents::{DocCursor, DocumentFilter, DocumentRecord};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use time::Date;
use uuid::Uuid;

const KIND: DocumentKind = DocumentKind::Invoice;
const PAGE: u32 = 50;
/// An open invoice due within this many days is shown as due soon.
const DUE_SOON_DAYS: i64 = 7;

/// The label key of a status.
pub fn status_key(s: Status) -> &'static str {
    match s {
        Status::Draft => "status.draft",
        Status::Sent => "status.sent",
        Status::Accepted => "status.accepted",
        Status::Refused => "status.refused",
        Status::Expired => "status.expired",
        Status::Converted => "status.converted",
        Status::Confirmed => "status.confirmed",
        Status::PartiallyDelivered => "status.partially_delivered",
        Status::Delivered => "status.delivered",
        Status::Invoiced => "status.invoiced",
        Status::Validated => "status.validated",
        Status::Issued => "status.issued",
        Status::PartiallyPaid => "status.partially_paid",
        Status::Paid => "status.paid",
        Status::Credited => "status.credited",
        Status::Cancelled => "status.cancelled",
    }
}

/// `overdue`, `due-soon` or nothing: how urgent an invoice's balance is.
pub fn urgency(status: Status, due_date: Option<Date>, today: Date) -> &'static str {
    if !matches!(status, Status::Issued | Status::PartiallyPaid) {
        return "";
    }
    match due_date.map(|d| (d - today).whole_days()) {
        Some(days) if days < 0 => "overdue",
        Some(days) if days <= DUE_SOON_DAYS => "due-soon",
        _ => "",
    }
}

/// One row of an invoice list.
pub struct InvoiceRow {
    pub id: String,
    pub number: String,
    pub customer: String,
    pub date: String,
    pub due_date: String,
    pub status: &'static str,
    pub gross: String,
    pub due: String,
    pub urgency: &'static str,
}

/// The rows of a list and the totals (gross, due) of those in `cur`.
pub fn invoice_rows(
    docs: &[DocumentRecord],
    names: &HashMap<Uuid, String>,
    today: Date,
    cur: Currency,
    lang: Language,
) -> (Vec<InvoiceRow>, (String, String)) {
    let (mut gross, mut due) = (Decimal::ZERO, Decimal::ZERO);
    let rows = docs
        .iter()
        .map(|d| {
            let totals = d.content.totals();
            // A draft is owed by nobody yet.
            let owed = if d.status == Status::Draft { None } else { Some(d.due()) };
            if d.content.currency == cur {
                gross += totals.gross;
                due += owed.unwrap_or_default();
            }
            InvoiceRow {
                id: d.id.to_string(),
                number: d.number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into()),
                customer: names.get(&d.content.customer_id).cloned().unwrap_or_default(),
                date: text::date(d.issue_date.unwrap_or(d.created_at.date()), lang),
                due_date: d.due_date.map(|x| text::date(x, lang)).unwrap_or_default(),
                status: status_key(d.status),
                gross: text::money(totals.gross, d.content.currency, lang),
                due: owed.map(|o| text::money(o, d.content.currency, lang)).unwrap_or_default(),
                urgency: urgency(d.status, d.due_date, today),
            }
        })
        .collect();
    (rows, (text::money(gross, cur, lang), text::money(due, cur, lang)))
}

/// The names of the customers of `docs`.
async fn customer_names(app: &App, company: Uuid, docs: &[DocumentRecord]) -> Result<HashMap<Uuid, String>, WebError> {
    let mut names = HashMap::new();
    for d in docs {
        let id = d.content.customer_id;
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            let c = app.store.customer(company, id).await.map_err(|e| WebError::store(Language::Fr, e))?;
            e.insert(c.customer.name);
        }
    }
    Ok(names)
}

#[derive(Template)]
#[template(path = "invoices.html")]
struct ListPage {
    p: Chrome,
    statuses: Vec<(&'static str, &'static str)>,
    status: String,
    customer: String,
    customer_name: Option<String>,
    from: String,
    to: String,
    invoices: Vec<InvoiceRow>,
    totals: Option<(String, String)>,
    next_query: Option<String>,
    first_query: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    customer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
}

const LIST_STATUSES: [Status; 5] =
    [Status::Draft, Status::Issued, Status::PartiallyPaid, Status::Paid, Status::Credited];

/// `GET /invoices?status=&customer=&from=&to=&after=`
pub async fn list(State(app): State<App>, s: WebSession, Query(q): Query<ListQuery>) -> Result<Response, WebError> {
    let lang = s.lang();
    let err = |e| WebError::store(lang, e);
    let cur: Currency = s.rec.currency.parse().unwrap_or(Currency::EUR);
    let status = q.status.as_deref().and_then(|v| LIST_STATUSES.into_iter().find(|st| st.as_str() == v));
    let customer = q.customer.as_deref().and_then(|v| v.parse::<Uuid>().ok());
    let from = q.from.as_deref().and_then(parse_date);
    let to = q.to.as_deref().and_then(parse_date);
    let after = q.after.as_deref().and_then(DocCursor::decode);
    let filter = DocumentFilter { kind: KIND, status, customer_id: customer, from, to, limit: PAGE, after };
    let (docs, next) = app.store.list_documents(s.rec.company_id, &filter).await.map_err(err)?;
    let names = customer_names(&app, s.rec.company_id, &docs).await?;
    let customer_name = match customer {
        Some(c) => Some(app.store.customer(s.rec.company_id, c).await.map_err(err)?.customer.name),
        None => None,
    };
    let (invoices, totals) = invoice_rows(&docs, &names, s.today(), cur, lang);
    let status_s = status.map(|x| x.as_str().to_string()).unwrap_or_default();
    let customer_s = customer.map(|c| c.to_string()).unwrap_or_default();
    let from_s = from.map(|d| d.to_string()).unwrap_or_default();
    let to_s = to.map(|d| d.to_string()).unwrap_or_default();
    let base = [("status", status_s.as_str()), ("customer", &customer_s), ("from", &from_s), ("to", &to_s)];
    let next_query = next.map(|n| {
        let c = n.encode();
        let mut pairs = base.to_vec();
        pairs.push(("after", &c));
        query_string(&pairs)
    });
    let page = ListPage {
        p: s.chrome(&app, "invoices", t(lang, "invoices.title").into()).await?,
        statuses: LIST_STATUSES.iter().map(|st| (st.as_str(), status_key(*st))).collect(),
        first_query: after.is_some().then(|| query_string(&base)),
        status: status_s,
        customer: customer_s,
        customer_name,
        from: from_s,
        to: to_s,
        totals: (!invoices.is_empty()).then_some(totals),
        invoices,
        next_query,
    };
    html(StatusCode::OK, &page)
}

/// One line of the draft form, as typed.
pub struct LineForm {
    pub i: usize,
    pub n: usize,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub vat_rate: String,
}

#[derive(Template)]
#[template(path = "invoice_form.html")]
struct FormPage {
    p: Chrome,
    customers: Vec<(String, String)>,
    customer_id: String,
    lines: Vec<LineForm>,
    errors: Vec<(String, String)>,
    error_map: BTreeMap<String, String>,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.error_map.get(field).map(String::as_str)
    }
}

const LINE_FIELDS: [&str; 4] = ["description", "quantity", "unit_price", "vat_rate"];

/// The lines of the submitted form, in index order.
fn form_lines(form: &FormData) -> Vec<LineForm> {
    let mut by_index: BTreeMap<usize, [String; 4]> = BTreeMap::new();
    for (k, v) in &form.0 {
        let Some(rest) = k.strip_prefix("lines[") else { continue };
        let Some((i, field)) = rest.split_once("].") else { continue };
        let (Ok(i), Some(f)) = (i.parse::<usize>(), LINE_FIELDS.iter().position(|x| *x == field)) else { continue };
        // Bounded: an index is a position in the form, not a size to allocate.
        if i < 1000 {
            by_index.entry(i).or_default()[f] = v.clone();
        }
    }
    by_index
        .into_values()
        .enumerate()
        .map(|(i, [description, quantity, unit_price, vat_rate])| LineForm {
            i,
            n: i + 1,
            description,
            quantity,
            unit_price,
            vat_rate,
        })
        .collect()
}

fn blank_line(i: usize) -> LineForm {
    LineForm {
        i,
        n: i + 1,
        description: String::new(),
        quantity: "1".into(),
        unit_price: String::new(),
        vat_rate: "20".into(),
    }
}

/// The customers offered in the form: the one asked for, then the newest ones.
async fn customer_choices(app: &App, s: &WebSession, chosen: Option<Uuid>) -> Result<Vec<(String, String)>, WebError> {
    let lang = s.lang();
    let mut out = Vec::new();
    if let Some(id) = chosen {
        let c = app.store.customer(s.rec.company_id, id).await.map_err(|e| WebError::store(lang, e))?;
        out.push((id.to_string(), c.customer.name));
    }
    let (rows, _) = app
        .store
        .list_customers(s.rec.company_id, &CustomerFilter { q: None, activity: None, limit: 100, after: None })
        .await
        .map_err(|e| WebError::store(lang, e))?;
    out.extend(rows.into_iter().filter(|r| Some(r.id) != chosen).map(|r| (r.id.to_string(), r.customer.name)));
    Ok(out)
}

#[derive(Deserialize)]
pub struct NewQuery {
    customer: Option<String>,
}

/// `GET /invoices/new?customer=…`
pub async fn new_form(State(app): State<App>, s: WebSession, Query(q): Query<NewQuery>) -> Result<Response, WebError> {
    if !s.can_write() {
        return Err(WebError::Forbidden(s.lang()));
    }
    let chosen = q.customer.as_deref().and_then(|c| c.parse().ok());
    let page = FormPage {
        p: s.chrome(&app, "invoices", t(s.lang(), "invoices.new").into()).await?,
        customers: customer_choices(&app, &s, chosen).await?,
        customer_id: chosen.map(|c: Uuid| c.to_string()).unwrap_or_default(),
        lines: vec![blank_line(0)],
        errors: Vec::new(),
        error_map: BTreeMap::new(),
    };
    html(StatusCode::OK, &page)
}

async fn render_form(
    app: &App,
    s: &WebSession,
    customer_id: &str,
    lines: Vec<LineForm>,
    errs: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = FormPage {
        p: s.chrome(app, "invoices", t(s.lang(), "invoices.new").into()).await?,
        customers: customer_choices(app, s, customer_id.parse().ok()).await?,
        customer_id: customer_id.to_string(),
        lines,
        error_map: errs.iter().cloned().collect(),
        errors: errs,
    };
    html(status, &page)
}

/// `POST /invoices/new`: `action=add_line` shows the form again with one more line (the
/// htmx button swaps in only the lines); `action=save` creates the draft.
pub async fn create(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    let auth = s.auth();
    auth.require_write().map_err(|e| WebError::api(lang, e))?;
    let mut lines = form_lines(&form);
    let customer_id = form.text("customer_id").unwrap_or_default();
    if form.get("action") == Some("add_line") {
        lines.push(blank_line(lines.len()));
        return render_form(&app, &s, &customer_id, lines, Vec::new(), StatusCode::OK).await;
    }
    // Lines left entirely empty are not lines.
    lines.retain(|l| ![&l.description, &l.unit_price].iter().all(|v| v.trim().is_empty()));
    // The API names errors by position in what it was given: number as sent.
    for (k, l) in lines.iter_mut().enumerate() {
        (l.i, l.n) = (k, k + 1);
    }
    let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let input = DocumentInput {
        customer_id: opt(&customer_id),
        lines: Some(
            lines
                .iter()
                .map(|l| LineInput {
                    description: opt(&l.description),
                    quantity: opt(&l.quantity).map(DecText),
                    unit_price: opt(&l.unit_price).map(DecText),
                    vat_rate: opt(&l.vat_rate).map(DecText),
                    ..LineInput::default()
                })
                .collect(),
        ),
        ..DocumentInput::default()
    };
    match api_docs::create(&app, &auth, KIND, input).await {
        Ok((_, view)) => Ok(see_other(&format!("/invoices/{}", view.0.id))),
        Err(ApiError::Invalid(errs)) => {
            let errs = errs.into_iter().map(|e| (e.field, e.message)).collect();
            if lines.is_empty() {
                lines.push(blank_line(0));
            }
            render_form(&app, &s, &customer_id, lines, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

pub struct LineRow {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub vat: String,
    pub net: String,
}

#[derive(Template)]
#[template(path = "invoice.html")]
struct ShowPage {
    p: Chrome,
    id: String,
    status: &'static str,
    urgency: &'static str,
    customer_id: String,
    customer: String,
    date: String,
    due_date: String,
    lines: Vec<LineRow>,
    net: String,
    vat: Vec<(String, String)>,
    gross: String,
    paid: String,
    due: String,
    due_plain: String,
    today: String,
    payments: Vec<(String, String, String)>,
    family: Vec<(String, String, &'static str)>,
    history: Vec<(String, String)>,
    can_issue: bool,
    can_pay: bool,
    pay_errors: BTreeMap<String, String>,
}

const METHODS: [&str; 6] = ["bank_transfer", "card", "cheque", "cash", "direct_debit", "other"];

async fn show_page(
    app: &App,
    s: &WebSession,
    rec: &DocumentRecord,
    pay_errors: BTreeMap<String, String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let err = |e| WebError::store(lang, e);
    let cur = rec.content.currency;
    let totals = rec.content.totals();
    let customer = app.store.customer(s.rec.company_id, rec.content.customer_id).await.map_err(err)?;
    let lines = rec
        .content
        .lines
        .iter()
        .filter(|l| l.is_item())
        .zip(&totals.lines)
        .map(|(l, a)| LineRow {
            description: l.description.clone(),
            quantity: text::number(l.quantity, 0, lang),
            unit_price: text::money(l.unit_price, cur, lang),
            vat: text::percent(l.vat.rate(), lang),
            net: text::money(a.net, cur, lang),
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
            let title = text::kind_title(m.kind, false, lang);
            let label = format!("{title} {}", m.number.unwrap_or_else(|| t(lang, "doc.draft_number").into()));
            // Only invoices have a page in the web app so far.
            let href = if m.kind == KIND { format!("/invoices/{}", m.id) } else { String::new() };
            (label, href, status_key(m.status))
        })
        .collect();
    let history = rec
        .history
        .iter()
        .map(|e| {
            let key = format!("event.{}", e.event);
            let label = i18n::lookup(lang, &key).map_or_else(|| e.event.clone(), String::from);
            (text::date(e.at.date(), lang), label)
        })
        .collect();
    let due = rec.due();
    let page = ShowPage {
        p: s.chrome(
            app,
            "invoices",
            format!(
                "{} {}",
                t(lang, "doc.invoice"),
                rec.number.clone().unwrap_or_else(|| t(lang, "doc.draft_number").into())
            ),
        )
        .await?,
        id: rec.id.to_string(),
        status: status_key(rec.status),
        urgency: urgency(rec.status, rec.due_date, s.today()),
        customer_id: rec.content.customer_id.to_string(),
        customer: customer.customer.name,
        date: rec.issue_date.map(|d| text::date(d, lang)).unwrap_or_default(),
        due_date: rec.due_date.map(|d| text::date(d, lang)).unwrap_or_default(),
        lines,
        net: text::money(totals.net, cur, lang),
        vat: totals.vat.iter().map(|v| (text::percent(v.rate, lang), text::money(v.amount, cur, lang))).collect(),
        gross: text::money(totals.gross, cur, lang),
        paid: text::money(rec.paid, cur, lang),
        due: text::money(due, cur, lang),
        due_plain: to_text(due, cur.minor_units()),
        today: s.today().to_string(),
        payments: rec
            .payments
            .iter()
            .map(|p| {
                let method =
                    i18n::lookup(lang, &format!("method.{}", p.method)).map_or_else(|| p.method.clone(), String::from);
                (text::date(p.date, lang), method, text::money(p.amount, cur, lang))
            })
            .collect(),
        family,
        history,
        can_issue: s.can_write() && rec.status == Status::Draft,
        can_pay: s.can_write() && matches!(rec.status, Status::Issued | Status::PartiallyPaid),
        pay_errors,
    };
    html(status, &page)
}

impl ShowPage {
    fn methods(&self) -> Vec<(&'static str, &'static str)> {
        METHODS.iter().map(|m| (*m, t(self.p.lang, &format!("method.{m}")))).collect()
    }
    fn pay_error(&self, field: &str) -> Option<&str> {
        self.pay_errors.get(field).map(String::as_str)
    }
}

fn invoice_id(lang: Language, id: &str) -> Result<Uuid, WebError> {
    id.parse().map_err(|_| WebError::NotFound(lang))
}

/// `GET /invoices/{id}`
pub async fn show(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    let rec = app
        .store
        .document(s.rec.company_id, KIND, invoice_id(lang, &id)?)
        .await
        .map_err(|e| WebError::store(lang, e))?;
    show_page(&app, &s, &rec, BTreeMap::new(), StatusCode::OK).await
}

/// `POST /invoices/{id}/issue`
pub async fn issue(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, _): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = invoice_id(lang, &id)?;
    let _issued = api_docs::issue(&app, &s.auth(), KIND, &id.to_string()).await.map_err(|e| WebError::api(lang, e))?;
    Ok(see_other(&format!("/invoices/{id}")))
}

/// `POST /invoices/{id}/payments`
pub async fn add_payment(
    State(app): State<App>,
    Path(id): Path<String>,
    CsrfForm(s, form): CsrfForm,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = invoice_id(lang, &id)?;
    let input = PaymentInput {
        amount: form.text("amount").map(|a| DecText(a.replace(',', "."))),
        date: form.text("date"),
        method: form.text("method"),
        reference: form.text("reference"),
    };
    match api_docs::add_payment(&app, &s.auth(), KIND, &id.to_string(), input).await {
        Ok(_) => Ok(see_other(&format!("/invoices/{id}"))),
        Err(ApiError::Invalid(errs)) => {
            let rec = app.store.document(s.rec.company_id, KIND, id).await.map_err(|e| WebError::store(lang, e))?;
            let map = errs.into_iter().map(|e| (e.field, e.message)).collect();
            show_page(&app, &s, &rec, map, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

/// `GET /invoices/{id}/pdf`: the API's PDF.
pub async fn pdf(State(app): State<App>, s: WebSession, Path(id): Path<String>) -> Result<Response, WebError> {
    let lang = s.lang();
    let rec = app
        .store
        .document(s.rec.company_id, KIND, invoice_id(lang, &id)?)
        .await
        .map_err(|e| WebError::store(lang, e))?;
    crate::api::render::pdf(&app, &s.auth(), &rec).await.map_err(|e| WebError::api(lang, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn open_invoices_past_due_are_overdue_and_within_a_week_due_soon() {
        let today = date!(2026 - 11 - 24);
        assert_eq!(urgency(Status::Issued, Some(date!(2026 - 11 - 23)), today), "overdue");
        assert_eq!(urgency(Status::PartiallyPaid, Some(date!(2026 - 12 - 01)), today), "due-soon");
        assert_eq!(urgency(Status::Issued, Some(date!(2026 - 12 - 02)), today), "");
        assert_eq!(urgency(Status::Paid, Some(date!(2026 - 01 - 01)), today), "");
        assert_eq!(urgency(Status::Draft, None, today), "");
    }

    #[test]
    fn form_lines_are_read_in_index_order_and_renumbered() {
        let f = FormData::parse(
            b"lines%5B3%5D.description=B&lines%5B0%5D.description=A&lines%5B0%5D.quantity=2&lines%5B3%5D.vat_rate=5.5&x=1",
        );
        let l = form_lines(&f);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].description.as_str(), l[0].quantity.as_str()), ("A", "2"));
        assert_eq!((l[1].i, l[1].description.as_str(), l[1].vat_rate.as_str()), (1, "B", "5.5"));
    }
}

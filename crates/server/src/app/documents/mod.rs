//! Operations on documents of every kind: what the API and the web app do to a draft or
//! an issued document, given the caller's identity and typed input, returning the stored
//! record or a typed error. Neither interface builds a document itself: both map their
//! input (JSON, a form) to these.

pub mod input;

pub use input::*;

use crate::App;
use crate::app::payments;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{Check, DecText};
use crate::openapi::{field, written};
use facturier_core::document::{Content, DocumentKind};
use facturier_core::lifecycle::{self, Action};
use facturier_core::message::Message;
use facturier_core::progress::DepositShare;
use facturier_store::documents::{DocumentRecord, NewPayment};
use facturier_store::pipeline::CreditOf;
use serde::Deserialize;
use uuid::Uuid;

/// A draft as the API would store it, without storing it: the web editor's live totals.
pub async fn preview(app: &App, auth: &Auth, input: &DocumentInput) -> Result<Content, ApiError> {
    let (ctx, customer_id) = context(app, auth, input).await?;
    input.parse(&ctx, customer_id)
}

/// What a stored draft says, as the body that would create it again (the web editor's starting point).
pub fn input_of(c: &Content) -> DocumentInput {
    DocumentInput::from_content(c)
}

/// Creates a draft.
pub async fn create(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    input: &DocumentInput,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    let (ctx, customer_id) = context(app, auth, input).await?;
    let content = input.parse(&ctx, customer_id)?;
    Ok(app.store.insert_draft(auth.company(), kind, &content, None).await?)
}

/// Edits a draft: `edit` turns what the draft says (as the body that would create it)
/// into what it should say (the API applies a JSON merge patch, the web its form).
pub async fn update(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: Uuid,
    edit: impl FnOnce(DocumentInput) -> Result<DocumentInput, ApiError>,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    let current = app.store.document(auth.company(), kind, id).await?;
    if !lifecycle::allows(kind, current.status, Action::Update) {
        return Err(facturier_core::document::LifecycleError::NotDraft(current.status.as_str()).into());
    }
    let input = edit(DocumentInput::from_content(&current.content))?;
    if kind == DocumentKind::CreditNote
        && input.customer_id.as_deref() != Some(current.content.customer_id.to_string().as_str())
    {
        return Err(ApiError::field("customer_id", Message::new("credit_note_stays_invoice_customer")));
    }
    let (ctx, customer_id) = context(app, auth, &input).await?;
    let mut content = input.parse(&ctx, customer_id)?;
    // A credit note offsets its invoice amount for amount: both in one currency.
    if kind == DocumentKind::CreditNote && content.currency != current.content.currency {
        return Err(ApiError::field("currency", Message::new("credit_note_stays_invoice")));
    }
    // What a situation states and where a line came from are not the client's to change,
    // nor what a derived invoice bills of its order's discount and VAT (while its
    // figures stay those it was derived with; edited, it takes the discount as typed).
    content.progress_percent = current.content.progress_percent;
    if content.lines == current.content.lines
        && content.discount_percent.is_zero()
        && content.discount_amount.is_none()
        && content.shipping == current.content.shipping
    {
        content.allowances = current.content.allowances.clone();
        content.vat_adjustments = current.content.vat_adjustments.clone();
    }
    for l in &mut content.lines {
        l.source_line_id = current.content.lines.iter().find(|o| o.id == l.id).and_then(|o| o.source_line_id);
    }
    Ok(app.store.update_draft(auth.company(), kind, id, &content).await?)
}

/// Deletes a draft.
pub async fn delete(app: &App, auth: &Auth, kind: DocumentKind, id: Uuid) -> Result<(), ApiError> {
    auth.require_write()?;
    Ok(app.store.delete_draft(auth.company(), kind, id).await?)
}

/// Issues a draft: its number, its seal and its files, rendered once, now, and stored
/// before the answer. An invoice of a company that takes online payment prints its
/// payment link (`/pay/{token}`), decided here before its files are rendered.
pub async fn issue(app: &App, auth: &Auth, kind: DocumentKind, id: Uuid) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    issue_for(app, auth.company(), kind, id, auth.today()).await
}

/// [`issue`] without a user: what the runs that issue on their own (contracts, recurring
/// invoices) call, so their invoices print the payment link as the user's do.
pub async fn issue_for(
    app: &App,
    company: Uuid,
    kind: DocumentKind,
    id: Uuid,
    today: time::Date,
) -> Result<DocumentRecord, ApiError> {
    // Decided before a number is drawn: a secrets key that cannot be read refuses the issue.
    let link = crate::stripe::link_to_print(app, company, kind, id).await?;
    let rec = app.store.issue(company, kind, id, today).await?;
    if let Some(link) = link {
        save_printed_link(app, company, &rec, link).await;
    }
    crate::files::render_issued(&app.store, &app.files, company, &rec).await;
    Ok(rec)
}

/// Keeps the payment link `rec` (issued by a run, its files not made yet) prints, when
/// online payment is set up. A link that cannot be made leaves the document issued, its
/// files rendered without it: a run does not stop for it.
pub async fn keep_printed_link(app: &App, company: Uuid, rec: &DocumentRecord) {
    match crate::stripe::link_to_print(app, company, rec.kind, rec.id).await {
        Ok(Some(link)) => save_printed_link(app, company, rec, link).await,
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, invoice = %rec.id, "the payment link to print could not be made"),
    }
}

async fn save_printed_link(app: &App, company: Uuid, rec: &DocumentRecord, (hash, url): (String, String)) {
    if rec.due() > facturier_core::Decimal::ZERO
        && let Err(e) = app.store.save_printed_payment_link(company, rec.id, &hash, &url).await
    {
        // Issued all the same: its files are rendered without the link, once and for all.
        tracing::warn!(error = %e, invoice = %rec.id, "the payment link to print could not be kept");
    }
}

/// A new draft with what a document says.
pub async fn duplicate(app: &App, auth: &Auth, kind: DocumentKind, id: Uuid) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    Ok(app.store.duplicate(auth.company(), kind, id).await?)
}

/// Accepts, refuses or cancels a document, as `action` of `core::lifecycle` allows.
pub async fn transition(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: Uuid,
    name: &str,
    action: facturier_store::pipeline::Transition,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    Ok(app.store.transition(auth.company(), kind, id, name, action, auth.today()).await?)
}

/// The body of `POST /orders/{id}/deposit-invoice`: at most one of `percent` and `amount`;
/// neither takes the next deposit instalment of the order's payment schedule (422 when it
/// has none).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositInput {
    /// Percentage of the order: above 0, at most 100.
    #[schema(value_type = Option<written::DecimalText>)]
    pub percent: Option<DecText>,
    /// An amount including VAT.
    #[schema(value_type = Option<written::DecimalText>)]
    pub amount: Option<DecText>,
}

/// A draft deposit invoice of an order.
pub async fn deposit_invoice(
    app: &App,
    auth: &Auth,
    id: Uuid,
    input: &DepositInput,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let share = match (&input.percent, &input.amount) {
        (Some(p), None) => v.decimal("percent", p, PERCENT.positive()).map(DepositShare::Percent),
        (None, Some(a)) => v.decimal("amount", a, PRICE.positive()).map(DepositShare::Amount),
        // Neither: the deposit instalment of the order's payment schedule.
        (None, None) => None,
        _ => {
            v.error("percent", Message::new("give_either_percent_amount"));
            None
        }
    };
    v.finish()?;
    Ok(app.store.deposit_invoice(auth.company(), id, share).await?)
}

/// The body of `POST /orders/{id}/progress-invoice`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    /// Completion counted from the start, above the last situation's, at most 100.
    #[schema(required = true, value_type = written::DecimalText)]
    pub cumulative_percent: Option<DecText>,
}

/// A draft situation (progress invoice) of an order.
pub async fn progress_invoice(
    app: &App,
    auth: &Auth,
    id: Uuid,
    input: &ProgressInput,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let pct = match &input.cumulative_percent {
        Some(p) => v.decimal("cumulative_percent", p, PERCENT.positive()),
        None => {
            v.error("cumulative_percent", Message::new("required"));
            None
        }
    };
    v.finish()?;
    let Some(pct) = pct else { return Err(ApiError::field("cumulative_percent", Message::new("required"))) };
    Ok(app.store.progress_invoice(auth.company(), id, pct).await?)
}

/// One line of a partial delivery.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortionInput {
    /// A line of the order.
    #[schema(required = true, value_type = String, format = Uuid)]
    pub line_id: Option<String>,
    /// Positive; at most what remains to deliver of the line.
    #[schema(required = true, value_type = written::DecimalText)]
    pub quantity: Option<DecText>,
}

/// The body of `POST /{kind}/{id}/convert`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertInput {
    /// `order`, `invoice`, `delivery-note`, `proforma`.
    #[schema(required = true, schema_with = field::convert_target)]
    pub to: Option<String>,
    /// Delivery notes from an order only: the lines and quantities to deliver; default
    /// everything left to deliver.
    #[schema(inline, max_items = 1000)]
    pub lines: Option<Vec<PortionInput>>,
}

/// Converts a document into another kind (an order into delivery notes, a quote into an order…).
pub async fn convert(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: Uuid,
    input: &ConvertInput,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let to = match input.to.as_deref() {
        None => {
            v.error("to", Message::new("required_order_invoice_delivery"));
            None
        }
        Some(t) => {
            let k = DocumentKind::from_target(t);
            if k.is_none() {
                v.error("to", Message::new("not_a_conversion_target").with("v", format!("{t:?}")));
            }
            k
        }
    };
    let portions = input.lines.as_ref().map(|lines| {
        lines
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let line_id = match p.line_id.as_deref().map(str::parse::<Uuid>) {
                    Some(Ok(l)) => Some(l),
                    _ => {
                        v.error(format!("lines[{i}].line_id"), Message::new("required_id_line_order"));
                        None
                    }
                };
                let quantity = match &p.quantity {
                    Some(q) => v.decimal(&format!("lines[{i}].quantity"), q, QUANTITY.positive()),
                    None => {
                        v.error(format!("lines[{i}].quantity"), Message::new("required"));
                        None
                    }
                };
                Some(facturier_store::pipeline::Portion { line_id: line_id?, quantity: quantity? })
            })
            .collect::<Vec<_>>()
    });
    v.finish()?;
    let Some(to) = to else { return Err(ApiError::field("to", Message::new("required"))) };
    Ok(app.store.convert(auth.company(), kind, id, to, portions.as_deref(), auth.today()).await?)
}

/// The body of `POST /invoices/{id}/payments`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// Positive, with at most the currency's decimals (2 for EUR).
    #[schema(required = true, value_type = written::DecimalText)]
    pub amount: Option<DecText>,
    /// Default today.
    #[schema(value_type = Option<written::DateText>)]
    pub date: Option<String>,
    #[schema(schema_with = field::payment_method)]
    pub method: Option<String>,
    #[schema(max_length = 140)]
    pub reference: Option<String>,
    /// `"credit"`: what exceeds the amount due is kept as customer credit (else refused).
    #[schema(schema_with = field::excess_on_invoice)]
    pub excess: Option<String>,
}

/// Records a payment of an invoice.
pub async fn add_payment(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: Uuid,
    input: &PaymentInput,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    let inv = app.store.document(auth.company(), kind, id).await?;
    let cur = inv.content.currency;
    let mut v = Check::default();
    let amount = payments::amount(&mut v, "amount", input.amount.as_ref(), cur);
    let date = payments::date(&mut v, input.date.as_deref(), auth.today());
    let method = payments::method(&mut v, input.method.as_deref());
    let reference = v.opt_text("reference", &input.reference, 140);
    let excess = payments::excess(&mut v, &input.excess);
    v.finish()?;
    let (Some(amount), Some(date), Some(method)) = (amount, date, method) else {
        return Err(ApiError::field("body", Message::new("incomplete_payment")));
    };
    let payment = NewPayment { amount, date, method, reference: reference.as_deref() };
    Ok(app.store.pay_invoice(auth.company(), kind, id, payment, excess).await?)
}

/// The body of `POST /invoices/{id}/credit-note`; an empty body credits what is left of the
/// invoice (all of it when nothing was credited yet).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteInput {
    /// The lines to credit, on the invoice's terms; absent or null (and no `amount`): what is
    /// left of the invoice.
    #[schema(max_items = 1000)]
    pub lines: Option<Vec<LineInput>>,
    /// Instead of `lines`: an amount including VAT, split over the invoice's VAT rates in
    /// proportion to what is left of each (422 above what is left).
    #[schema(value_type = Option<written::DecimalText>)]
    pub amount: Option<DecText>,
    /// Default `Avoir sur la facture <number>`.
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// A draft credit note of an invoice: some of its lines, an amount, or what is left.
pub async fn credit_note(
    app: &App,
    auth: &Auth,
    kind: DocumentKind,
    id: Uuid,
    input: &CreditNoteInput,
) -> Result<DocumentRecord, ApiError> {
    auth.require_write()?;
    let inv = app.store.document(auth.company(), kind, id).await?;
    facturier_store::pipeline::may_credit(kind, inv.status)?;
    let mut v = Check::default();
    let note = v.opt_lines("note", &input.note, 5000);
    v.finish()?;
    let what = match (&input.lines, &input.amount) {
        (Some(_), Some(_)) => return Err(ApiError::field("amount", Message::new("give_either_lines_amount"))),
        (None, Some(a)) => {
            let mut v = Check::default();
            let amount = v.decimal("amount", a, PRICE.positive());
            v.finish()?;
            let Some(amount) = amount else { return Err(ApiError::field("amount", Message::new("required"))) };
            if !inv.content.currency.is_exact(amount) {
                return Err(ApiError::field(
                    "amount",
                    Message::new("too_many_decimals_for_currency").with("cur", inv.content.currency),
                ));
            }
            CreditOf::Amount(amount)
        }
        (None, None) => CreditOf::Left,
        (Some(lines), None) => {
            let doc_input = DocumentInput {
                customer_id: Some(inv.content.customer_id.to_string()),
                lines: Some(lines.clone()),
                ..Default::default()
            };
            let (ctx, _) = context(app, auth, &doc_input).await?;
            let mut v = Check::default();
            let parsed = parse_lines(&mut v, lines, &ctx);
            v.finish()?;
            CreditOf::Lines(parsed)
        }
    };
    Ok(app.store.draft_credit_note(auth.company(), kind, id, what, note).await?)
}

//! The document page's actions: its buttons, read from the kind's lifecycle table, and
//! `POST /{kind}/{id}/{action}`, each mapped to its operation.

use super::doc_id;
use super::form::decimal_text;
use super::show::show_page;
use crate::App;
use crate::app::documents::{self as ops, ConvertInput, CreditNoteInput, PaymentInput};
use crate::error::ApiError;
use crate::input::DecText;
use crate::web::messages::message;
use crate::web::session::{FormData, WebSession};
use crate::web::{WebError, see_other};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::document::DocumentKind;
use facturier_core::lifecycle::{self, Action};
use facturier_core::message::Message;
use facturier_store::documents::DocumentRecord;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A POST button of the page: path suffix, label key, element id, extra form field.
pub struct ActionButton {
    pub path: String,
    pub label: &'static str,
    pub id: String,
    pub field: Option<(&'static str, &'static str)>,
    pub primary: bool,
    /// Shown but not usable: issuing while the e-invoice has problems.
    pub disabled: bool,
}

/// A button of the page: path suffix, label key, extra form field, primary.
type Button = (&'static str, &'static str, Option<(&'static str, &'static str)>, bool);

/// The button of a lifecycle action the page offers as a plain POST. Actions with a form
/// of their own (payment, e-mail, deposit, situation, partial delivery) and editing (a
/// link) have none.
pub(super) fn button(action: Action) -> Option<Button> {
    Some(match action {
        Action::Issue => ("issue", "docact.issue", None, true),
        Action::Delete => ("delete", "docact.delete", None, false),
        Action::Accept => ("accept", "docact.accept", None, true),
        Action::Refuse => ("refuse", "docact.refuse", None, false),
        Action::Convert(to) => {
            let label = match to {
                DocumentKind::Order => "docact.convert_order",
                DocumentKind::DeliveryNote => "docact.convert_delivery_note",
                DocumentKind::Proforma => "docact.convert_proforma",
                DocumentKind::Invoice => "docact.convert_invoice",
                _ => return None,
            };
            ("convert", label, Some(("to", to.segment().trim_end_matches('s'))), to != DocumentKind::Proforma)
        }
        Action::CreditNote => ("credit-note", "docact.credit_note", None, false),
        Action::Duplicate => ("duplicate", "docact.duplicate", None, false),
        Action::Cancel => ("cancel", "docact.cancel", None, false),
        Action::Update | Action::RecordPayment | Action::DepositInvoice | Action::ProgressInvoice | Action::Send => {
            return None;
        }
    })
}

/// What the user may do with `rec` (none for a read-only user): the buttons of the
/// actions its kind's lifecycle allows from its status, in the table's order.
pub(super) fn actions(kind: DocumentKind, rec: &DocumentRecord, write: bool) -> Vec<ActionButton> {
    if !write {
        return Vec::new();
    }
    let table = lifecycle::of(kind);
    table
        .allowed(rec.status)
        // The web makes a credit note from its invoice only, never as a copy.
        .filter(|r| r.action != Action::Duplicate || table.by_hand)
        .filter_map(|r| button(r.action))
        .map(|(path, label, field, primary)| ActionButton {
            id: match field {
                Some((_, v)) => format!("{path}-{v}"),
                None => path.to_string(),
            },
            path: path.to_string(),
            label,
            field,
            primary,
            disabled: false,
        })
        .collect()
}

/// `POST /{kind}/{id}/{action}`: each action is the API's function of the same name.
pub(super) async fn act(
    app: App,
    s: WebSession,
    form: FormData,
    kind: DocumentKind,
    id: String,
    action: String,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let id = doc_id(lang, &id)?;
    let auth = s.auth();
    let here = format!("/{}/{id}", kind.segment());
    let to_doc = |rec: DocumentRecord| see_other(&format!("/{}/{}", rec.kind.segment(), rec.id));
    let result = match action.as_str() {
        "issue" => ops::issue(&app, &auth, kind, id).await.map(|_| see_other(&here)),
        "accept" => {
            ops::transition(&app, &auth, kind, id, "accepted", lifecycle::accept).await.map(|_| see_other(&here))
        }
        "refuse" => {
            ops::transition(&app, &auth, kind, id, "refused", lifecycle::refuse).await.map(|_| see_other(&here))
        }
        "cancel" => {
            ops::transition(&app, &auth, kind, id, "cancelled", lifecycle::cancel).await.map(|_| see_other(&here))
        }
        "delete" => ops::delete(&app, &auth, kind, id).await.map(|_| see_other(&format!("/{}", kind.segment()))),
        "duplicate" => ops::duplicate(&app, &auth, kind, id).await.map(to_doc),
        "convert" => {
            // A partial delivery: the quantities typed per order line (`deliver_qty[<line id>]`).
            let portions: Vec<ops::PortionInput> = form
                .0
                .iter()
                .filter_map(|(k, v)| {
                    let line = k.strip_prefix("deliver_qty[")?.strip_suffix(']')?;
                    let q = v.trim().replace(',', ".");
                    (!q.is_empty())
                        .then(|| ops::PortionInput { line_id: Some(line.to_string()), quantity: Some(DecText(q)) })
                })
                .collect();
            let input = ConvertInput { to: form.text("to"), lines: (!portions.is_empty()).then_some(portions) };
            ops::convert(&app, &auth, kind, id, &input).await.map(to_doc)
        }
        "deposit-invoice" if kind == DocumentKind::Order => {
            // By percent of the order's total or by an amount including VAT: the API refuses both.
            let input = ops::DepositInput {
                percent: form.text("percent").map(|p| DecText(decimal_text(&p))),
                amount: form.text("amount").map(|a| DecText(decimal_text(&a))),
            };
            ops::deposit_invoice(&app, &auth, id, &input).await.map(to_doc)
        }
        "progress-invoice" if kind == DocumentKind::Order => {
            let input = ops::ProgressInput {
                cumulative_percent: form.text("cumulative_percent").map(|p| DecText(p.replace(',', "."))),
            };
            ops::progress_invoice(&app, &auth, id, &input).await.map(to_doc)
        }
        "credit-note" => match credit_body(&app, &s, kind, id, &form).await? {
            Ok(input) => ops::credit_note(&app, &auth, kind, id, &input).await.map(to_doc),
            Err(e) => Err(e),
        },
        "payments" if kind.is_payable() => {
            let input = PaymentInput {
                amount: form
                    .text("amount")
                    .map(|a| DecText(a.replace(',', ".").replace([' ', '\u{a0}', '\u{202f}'], ""))),
                date: form.text("date"),
                method: form.text("method"),
                reference: form.text("reference"),
                excess: form.text("excess"),
            };
            ops::add_payment(&app, &auth, kind, id, &input).await.map(|_| see_other(&here))
        }
        "send" => {
            let recipients = |field: &str| {
                form.text(field).map(|v| {
                    v.split([',', ';']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect::<Vec<_>>()
                })
            };
            let input = crate::app::email::SendInput {
                to: recipients("to"),
                cc: recipients("cc"),
                subject: form.text("subject"),
                message: form.text("message"),
                language: None,
            };
            match crate::app::email::send(&app, &auth, kind, id, &input).await {
                Ok(_) => {
                    let rec =
                        app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
                    return show_page(&app, &s, &rec, BTreeMap::new(), Some("docact.queued"), StatusCode::OK, None)
                        .await;
                }
                Err(e) => Err(e),
            }
        }
        _ => return Err(WebError::NotFound(lang)),
    };
    match result {
        Ok(r) => Ok(r),
        Err(ApiError::NotIssuable(_)) => {
            // The page lists the problems itself, each with its link.
            let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
            show_page(&app, &s, &rec, BTreeMap::new(), None, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
        Err(ApiError::Invalid(errs)) => {
            let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
            // `to[2]` is shown next to the one recipients field.
            let map = errs
                .into_iter()
                .map(|e| (e.field.split('[').next().unwrap_or_default().to_string(), message(lang, &e.message)))
                .collect();
            show_page(&app, &s, &rec, map, None, StatusCode::UNPROCESSABLE_ENTITY, Some(&form)).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

/// The body of a credit note: empty (the whole invoice), or the lines whose quantity to
/// credit was typed (`credit_qty[<line id>]`), each as invoiced but for its quantity.
pub(super) async fn credit_body(
    app: &App,
    s: &WebSession,
    kind: DocumentKind,
    id: Uuid,
    form: &FormData,
) -> Result<Result<CreditNoteInput, ApiError>, WebError> {
    let amount = form.text("credit_amount").map(|a| decimal_text(&a)).filter(|a| !a.is_empty());
    let typed_qty = form.0.iter().any(|(k, v)| k.starts_with("credit_qty[") && !v.trim().is_empty());
    if let Some(amount) = amount {
        if typed_qty {
            return Ok(Err(ApiError::field("amount", Message::new("give_either_lines_amount"))));
        }
        return Ok(Ok(CreditNoteInput { amount: Some(DecText(amount)), ..Default::default() }));
    }
    if !form.0.iter().any(|(k, _)| k.starts_with("credit_qty[")) {
        return Ok(Ok(CreditNoteInput::default()));
    }
    let lang = s.lang();
    let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
    let inputs = ops::input_of(&rec.content).lines.unwrap_or_default();
    let lines: Vec<_> = rec
        .content
        .lines
        .iter()
        .zip(inputs)
        .filter(|(l, _)| l.is_item())
        .filter_map(|(l, li)| {
            let q = form.text(&format!("credit_qty[{}]", l.id))?.replace(',', ".");
            let nothing = q.trim_start_matches(['0', '.']).is_empty();
            (!nothing).then_some(ops::LineInput { id: None, quantity: Some(DecText(q)), ..li })
        })
        .collect();
    if lines.is_empty() {
        return Ok(Err(ApiError::field("lines", Message::new("type_quantity_credit_least"))));
    }
    Ok(Ok(CreditNoteInput { lines: Some(lines), ..Default::default() }))
}

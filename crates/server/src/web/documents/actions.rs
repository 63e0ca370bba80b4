//! The document page's actions: its buttons, read from the kind's lifecycle table, and
//! `POST /{kind}/{id}/{action}`, each mapped to its operation.

use super::doc_id;
use super::form::decimal_text;
use super::show::{self, EmailPreview, show_page};
use crate::App;
use crate::app::documents::{self as ops, ConvertInput, CreditNoteInput, PaymentInput};
use crate::error::ApiError;
use crate::input::DecText;
use crate::web::confirm;
use crate::web::i18n::t;
use crate::web::messages::message;
use crate::web::notice::with_done;
use crate::web::session::{FormData, WebSession};
use crate::web::{WebError, html, see_other};
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::document::DocumentKind;
use facturier_core::lifecycle::{self, Action};
use facturier_core::message::Message;
use facturier_core::numbering;
use facturier_core::party::Language;
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
    let mut notice = None;
    let here = format!("/{}/{id}", kind.segment());
    if let Some(confirmable) = confirmable(&action)
        && !confirm::confirmed(&form)
    {
        return ask(&app, &s, &form, kind, id, confirmable).await;
    }
    let back = |done: &str| see_other(&with_done(&here, done));
    let to_doc = |done: &'static str| {
        move |rec: DocumentRecord| see_other(&with_done(&format!("/{}/{}", rec.kind.segment(), rec.id), done))
    };
    let result = match action.as_str() {
        "issue" => ops::issue(&app, &auth, kind, id).await.map(|_| back("issued")),
        "accept" => {
            ops::transition(&app, &auth, kind, id, "accepted", lifecycle::accept).await.map(|_| back("accepted"))
        }
        "refuse" => ops::transition(&app, &auth, kind, id, "refused", lifecycle::refuse).await.map(|_| back("refused")),
        "cancel" => {
            ops::transition(&app, &auth, kind, id, "cancelled", lifecycle::cancel).await.map(|_| back("cancelled"))
        }
        "delete" => ops::delete(&app, &auth, kind, id)
            .await
            .map(|_| see_other(&with_done(&format!("/{}", kind.segment()), "draft_deleted"))),
        "duplicate" => ops::duplicate(&app, &auth, kind, id).await.map(to_doc("duplicated")),
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
            ops::convert(&app, &auth, kind, id, &input).await.map(to_doc("created"))
        }
        "deposit-invoice" if kind == DocumentKind::Order => {
            // By percent of the order's total or by an amount including VAT: the API refuses both.
            let input = ops::DepositInput {
                percent: form.text("percent").map(|p| DecText(decimal_text(&p))),
                amount: form.text("amount").map(|a| DecText(decimal_text(&a))),
            };
            ops::deposit_invoice(&app, &auth, id, &input).await.map(to_doc("created"))
        }
        "progress-invoice" if kind == DocumentKind::Order => {
            let input = ops::ProgressInput {
                cumulative_percent: form.text("cumulative_percent").map(|p| DecText(p.replace(',', "."))),
            };
            ops::progress_invoice(&app, &auth, id, &input).await.map(to_doc("created"))
        }
        "credit-note" => match credit_body(&app, &s, kind, id, &form).await? {
            Ok(input) => ops::credit_note(&app, &auth, kind, id, &input).await.map(to_doc("credit_note")),
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
            ops::add_payment(&app, &auth, kind, id, &input).await.map(|_| back("payment_recorded"))
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
            let preview = form.get("preview").is_some();
            let outcome = if preview {
                crate::app::email::compose(&app, &auth, kind, id, &input).await.map(Some)
            } else {
                crate::app::email::send(&app, &auth, kind, id, &input).await.map(|q| {
                    notice = Some(if q.delivering { "done.queued" } else { "done.queued_no_server" });
                    None
                })
            };
            match outcome {
                Ok(composed) => {
                    let rec =
                        app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
                    // A preview keeps what was typed in the form; a message queued empties it.
                    let typed = composed.is_some().then_some(&form);
                    let mut page = show::page(&app, &s, &rec, BTreeMap::new(), typed).await?;
                    page.p.notice = notice;
                    page.preview = composed.map(|c| EmailPreview {
                        to: c.to.join(", "),
                        cc: c.cc.join(", "),
                        subject: c.subject,
                        body: c.body,
                        attachment: c.attachment,
                    });
                    return html(StatusCode::OK, &page);
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
            show_page(&app, &s, &rec, BTreeMap::new(), StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
        Err(ApiError::Invalid(errs)) => {
            let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
            // `to[2]` is shown next to the one recipients field.
            let map = errs
                .into_iter()
                .map(|e| (e.field.split('[').next().unwrap_or_default().to_string(), message(lang, &e.message)))
                .collect();
            show_page(&app, &s, &rec, map, StatusCode::UNPROCESSABLE_ENTITY, Some(&form)).await
        }
        Err(e) => Err(WebError::api(lang, e)),
    }
}

/// An action of the page that needs a confirmation, and its lifecycle action.
fn confirmable(action: &str) -> Option<Action> {
    Some(match action {
        "issue" => Action::Issue,
        "delete" => Action::Delete,
        "cancel" => Action::Cancel,
        "refuse" => Action::Refuse,
        "credit-note" => Action::CreditNote,
        _ => return None,
    })
}

/// The document `kind` with its article, and the past participle that agrees with it:
/// ("la facture", "modifiée").
fn the_kind(kind: DocumentKind, lang: Language) -> (&'static str, &'static str) {
    let en = |noun| (noun, "");
    match (lang, kind) {
        (Language::Fr, DocumentKind::Quote) => ("le devis", "modifié"),
        (Language::Fr, DocumentKind::Order) => ("la commande", "modifiée"),
        (Language::Fr, DocumentKind::DeliveryNote) => ("le bon de livraison", "modifié"),
        (Language::Fr, DocumentKind::Proforma) => ("la facture pro forma", "modifiée"),
        (Language::Fr, DocumentKind::Invoice) => ("la facture", "modifiée"),
        (Language::Fr, DocumentKind::DepositInvoice) => ("la facture d'acompte", "modifiée"),
        (Language::Fr, DocumentKind::CreditNote) => ("l'avoir", "modifié"),
        (_, DocumentKind::Quote) => en("the quote"),
        (_, DocumentKind::Order) => en("the order"),
        (_, DocumentKind::DeliveryNote) => en("the delivery note"),
        (_, DocumentKind::Proforma) => en("the pro forma invoice"),
        (_, DocumentKind::Invoice) => en("the invoice"),
        (_, DocumentKind::DepositInvoice) => en("the deposit invoice"),
        (_, DocumentKind::CreditNote) => en("the credit note"),
    }
}

/// The answer to a destructive action posted without `confirm=1`: nothing is done. An
/// action the document's status does not allow is refused (409) as it would be once
/// confirmed; a draft that cannot be issued, or a credit note whose form is wrong, shows
/// the page with the reasons; otherwise the confirmation page says what will happen.
async fn ask(
    app: &App,
    s: &WebSession,
    form: &FormData,
    kind: DocumentKind,
    id: Uuid,
    action: Action,
) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    let rec = app.store.document(s.rec.company_id, kind, id).await.map_err(|e| WebError::store(lang, e))?;
    if let Err(refused) = lifecycle::check(kind, rec.status, action) {
        return Err(WebError::Conflict(lang, refused.message()));
    }
    let here = format!("/{}/{id}", kind.segment());
    let (the, modified) = the_kind(kind, lang);
    let number = rec.number.clone().unwrap_or_default();
    let vars = [("the", the), ("number", number.as_str()), ("modified", modified)];
    let ask = match action {
        Action::Issue => {
            if !show::issue_problems(app, s, &rec).await?.is_empty() {
                return show_page(app, s, &rec, BTreeMap::new(), StatusCode::UNPROCESSABLE_ENTITY, None).await;
            }
            let mut ask = confirm::Ask::of(lang, "issue", &vars, here.clone());
            let consequence = match next_number(app, s, &rec).await? {
                Some(n) => t(lang, "confirm.issue_number").replace("{number}", &n),
                None => t(lang, "confirm.issue_no_number").to_string(),
            };
            ask.consequence = consequence.replace("{the}", the).replace("{modified}", modified);
            ask.danger = false;
            ask.is_final = false;
            ask
        }
        Action::CreditNote => {
            if let Err(e) = credit_body(app, s, kind, id, form).await? {
                let errors = match e {
                    ApiError::Invalid(errs) => errs
                        .into_iter()
                        .map(|e| (e.field.split('[').next().unwrap_or_default().to_string(), message(lang, &e.message)))
                        .collect(),
                    other => return Err(WebError::api(lang, other)),
                };
                return show_page(app, s, &rec, errors, StatusCode::UNPROCESSABLE_ENTITY, Some(form)).await;
            }
            let mut ask = confirm::Ask::of(lang, "credit", &vars, here.clone());
            (ask.danger, ask.is_final) = (false, false);
            ask
        }
        Action::Delete => confirm::Ask::of(lang, "delete", &vars, here.clone()),
        Action::Refuse => confirm::Ask::of(lang, "refuse", &vars, here.clone()),
        _ => confirm::Ask::of(lang, "cancel", &vars, here.clone()),
    };
    let path = form_path(kind, id, action);
    confirm::ask(app, s, kind.segment(), &path, form, ask).await
}

/// The path an action's form posts to.
fn form_path(kind: DocumentKind, id: Uuid, action: Action) -> String {
    let name = match action {
        Action::Issue => "issue",
        Action::Delete => "delete",
        Action::Refuse => "refuse",
        Action::CreditNote => "credit-note",
        _ => "cancel",
    };
    format!("/{}/{id}/{name}", kind.segment())
}

/// The number issuing the draft now would give it, by the rule the store draws numbers
/// by (another document issued first would take it).
async fn next_number(app: &App, s: &WebSession, rec: &DocumentRecord) -> Result<Option<String>, WebError> {
    let rows = app.store.numbering(s.rec.company_id).await.map_err(|e| WebError::store(s.lang(), e))?;
    let date = rec.content.issue_date.unwrap_or_else(|| s.today());
    Ok(rows
        .into_iter()
        .find(|n| n.kind == rec.kind)
        .map(|n| n.pattern.format(date, numbering::next_seq(n.counter, n.yearly_reset, date))))
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

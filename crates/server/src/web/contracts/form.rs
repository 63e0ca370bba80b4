//! `/contracts/new`: a contract made through `app::contracts::create`, as
//! `POST /api/v1/contracts` makes it. The form's inputs are named after the API's fields
//! (`billing.period_months`, `lines[0].unit_price`…), so each refusal comes back next to
//! its input, in the reader's language, with everything typed kept. Lines left empty are
//! dropped; "Add a line" and the customer search post the form back without creating.

use super::{field_errors, first_error};
use crate::App;
use crate::app::contracts::{self as ops, BillingInput, ContractInput, RevisionIndexInput, RevisionInput};
use crate::app::documents::LineInput;
use crate::input::DecText;
use crate::web::documents::editor::{customer_choices, offered_rates};
use crate::web::i18n::t;
use crate::web::notice::with_done;
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::message::Message;
use facturier_core::party::Language;

/// Most line rows the form shows.
const MAX_ROWS: usize = 100;

/// One input of the form.
pub struct Field {
    /// The API's field path, the input's name.
    pub name: String,
    /// The element id (`billing-mode`, `lines-0-unit_price`).
    pub id: String,
    pub label: String,
    /// `text`, `date`, `number`, `select`, `checkbox` or `textarea`.
    pub kind: &'static str,
    pub required: bool,
    /// A decimal typed with a comma or a point (a phone's decimal keyboard).
    pub decimal: bool,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub hint: String,
    pub error: Option<String>,
}

impl Field {
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        ids.join(" ")
    }
}

/// An input's id from its name.
pub fn id_for(name: &str) -> String {
    name.replace(['.', '['], "-").replace(']', "")
}

/// A group of inputs under its legend.
pub struct Group {
    pub id: &'static str,
    pub legend: &'static str,
    pub fields: Vec<Field>,
}

/// A line row: its inputs.
pub struct LineRow {
    pub n: usize,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "contract_form.html")]
struct FormPage {
    p: Chrome,
    customer_q: String,
    customers: Vec<(String, String)>,
    chosen_customer: String,
    customer_invalid: bool,
    customer_error: Option<String>,
    head: Vec<Field>,
    groups: Vec<Group>,
    lines: Vec<LineRow>,
    lines_error: Option<String>,
    revision: Vec<Field>,
    revision_error: Option<String>,
    /// Every error, for the summary: (field's words, message, the input's id).
    summary: Vec<(String, String, String)>,
}

struct Build<'a> {
    lang: Language,
    form: &'a FormData,
    errors: &'a [(String, String)],
    /// A new form: the defaults are shown.
    fresh: bool,
}

impl Build<'_> {
    fn field(&self, name: &str, label: &str, kind: &'static str, default: &str) -> Field {
        let value =
            if self.fresh { default.to_string() } else { self.form.get(name).unwrap_or_default().trim().to_string() };
        Field {
            name: name.to_string(),
            id: id_for(name),
            label: t(self.lang, label).to_string(),
            kind,
            required: false,
            decimal: false,
            value,
            options: Vec::new(),
            hint: String::new(),
            error: first_error(self.errors, name),
        }
    }
    fn required(&self, name: &str, label: &str, kind: &'static str, default: &str) -> Field {
        Field { required: true, ..self.field(name, label, kind, default) }
    }
    fn decimal(&self, name: &str, label: &str, default: &str) -> Field {
        Field { decimal: true, ..self.field(name, label, "text", default) }
    }
    fn select(&self, name: &str, label: &str, default: &str, options: &[(&str, &str)]) -> Field {
        let mut f = self.field(name, label, "select", default);
        f.options = options.iter().map(|(v, k)| (v.to_string(), t(self.lang, k).to_string())).collect();
        // A value sent that is none of the choices stays shown (and refused) as typed.
        if !f.value.is_empty() && !f.options.iter().any(|(v, _)| *v == f.value) {
            f.options.push((f.value.clone(), f.value.clone()));
        }
        f
    }
    fn checkbox(&self, name: &str, label: &str) -> Field {
        let mut f = self.field(name, label, "checkbox", "");
        f.value = if self.form.get(name).is_some() { "1".into() } else { String::new() };
        f
    }
}

/// The rows of lines the form holds: those sent (at least one), and one more when asked.
fn line_count(form: &FormData, add: bool) -> usize {
    let sent = (0..MAX_ROWS)
        .filter(|i| form.0.iter().any(|(k, _)| k.starts_with(&format!("lines[{i}]."))))
        .max()
        .map_or(0, |i| i + 1);
    (sent.max(1) + usize::from(add)).min(MAX_ROWS)
}

async fn render(
    app: &App,
    s: &WebSession,
    form: &FormData,
    errors: Vec<(String, String)>,
    fresh: bool,
    add_line: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let b = Build { lang, form, errors: &errors, fresh };
    let today = s.today().to_string();
    let head = vec![
        b.field("reference", "contract.reference", "text", ""),
        b.required("title", "contract.name", "text", ""),
        b.field("nature", "contract.nature", "text", ""),
    ];
    let mut head = head;
    head[0].hint = t(lang, "contract.reference_help").to_string();
    let groups = vec![
        Group {
            id: "contract-term",
            legend: t(lang, "contract.terms"),
            fields: vec![
                b.required("start_date", "contract.start", "date", &today),
                b.field("end_date", "contract.end", "date", ""),
                b.select(
                    "renewal",
                    "contract.renewal",
                    "none",
                    &[("none", "contract.renewal.none"), ("tacit", "contract.renewal.tacit")],
                ),
                b.field("renewal_months", "contract.renewal_months", "number", "12"),
                b.field("notice_days", "contract.notice_days", "number", "0"),
                b.field("notice_alert_days", "contract.notice_alert_days", "number", "30"),
            ],
        },
        Group {
            id: "contract-billing",
            legend: t(lang, "contract.billing"),
            fields: vec![
                b.select(
                    "billing.period_months",
                    "billing.period_months",
                    "1",
                    &[
                        ("1", "contract.every.1"),
                        ("2", "contract.every.2"),
                        ("3", "contract.every.3"),
                        ("6", "contract.every.6"),
                        ("12", "contract.every.12"),
                    ],
                ),
                b.select(
                    "billing.mode",
                    "billing.mode",
                    "advance",
                    &[("advance", "contract.mode.advance"), ("arrears", "contract.mode.arrears")],
                ),
                b.select(
                    "billing.alignment",
                    "billing.alignment",
                    "calendar",
                    &[("calendar", "contract.alignment.calendar"), ("anniversary", "contract.alignment.anniversary")],
                ),
                b.field("billing.first_date", "billing.first_date", "date", ""),
                b.checkbox("billing.issue", "billing.issue"),
                b.select(
                    "bill_interventions",
                    "bill_interventions",
                    "with_period",
                    &[
                        ("with_period", "contract.bill_interventions.with_period"),
                        ("on_demand", "contract.bill_interventions.on_demand"),
                    ],
                ),
            ],
        },
    ];
    let rate = offered_rates(app, s).await?.first().map(|r| r.normalize().to_string()).unwrap_or_else(|| "20".into());
    let lines = (0..line_count(form, add_line))
        .map(|i| {
            let at = |f: &str| format!("lines[{i}].{f}");
            let first = i == 0;
            LineRow {
                n: i + 1,
                fields: vec![
                    b.field(&at("description"), "contract.description", "text", ""),
                    b.decimal(&at("quantity"), "contract.quantity", if first { "1" } else { "" }),
                    b.decimal(&at("unit_price"), "contract.unit_price", ""),
                    b.decimal(&at("vat_rate"), "contract.vat_rate", if first { &rate } else { "" }),
                ],
            }
        })
        .collect();
    let revision = vec![
        b.select(
            "revision.kind",
            "contract.revision_kind",
            "none",
            &[
                ("none", "contract.revision.none"),
                ("part", "contract.revision.part"),
                ("amounts", "contract.revision.amounts"),
            ],
        ),
        b.field("revision.index", "contract.index", "text", ""),
        b.decimal("revision.base_value", "contract.base_value", ""),
        b.decimal("revision.fixed_part", "contract.fixed_part", ""),
        b.decimal("revision.fixed_amount", "contract.fixed_amount", ""),
        b.decimal("revision.amount", "contract.indexed_amount", ""),
        b.select(
            "revision.at",
            "contract.at",
            "each_billing",
            &[("each_billing", "contract.at.each_billing"), ("anniversary", "contract.at.anniversary")],
        ),
        b.checkbox("revision.never_decrease", "contract.never_decrease"),
        b.decimal("revision.cap_percent", "contract.cap", ""),
        b.field("note", "contract.note", "textarea", ""),
    ];
    let chosen_customer = form.text("customer_id").unwrap_or_default();
    let customer_q = form.text("customer_q").unwrap_or_default();
    let customers = customer_choices(app, s, chosen_customer.parse().ok(), &customer_q).await?;
    let summary = errors
        .iter()
        .map(|(field, m)| {
            let label = summary_label(lang, field);
            (label, m.clone(), id_for(field))
        })
        .collect();
    let page = FormPage {
        p: s.chrome(app, "contracts", t(lang, "contract.new").into()).await?,
        customer_q,
        customers,
        chosen_customer,
        customer_invalid: first_error(&errors, "customer_id").is_some(),
        customer_error: first_error(&errors, "customer_id"),
        head,
        groups,
        lines,
        lines_error: first_error(&errors, "lines"),
        revision,
        revision_error: first_error(&errors, "revision"),
        summary,
    };
    html(status, &page)
}

/// A field path in the words of the form's labels.
fn summary_label(lang: Language, field: &str) -> String {
    let key = match field {
        "customer_id" => "contract.customer",
        "reference" => "contract.reference",
        "title" => "contract.name",
        "nature" => "contract.nature",
        "start_date" => "contract.start",
        "end_date" => "contract.end",
        "renewal" => "contract.renewal",
        "renewal_months" => "contract.renewal_months",
        "notice_days" => "contract.notice_days",
        "notice_alert_days" => "contract.notice_alert_days",
        "billing.period_months" => "billing.period_months",
        "billing.mode" => "billing.mode",
        "billing.alignment" => "billing.alignment",
        "billing.first_date" => "billing.first_date",
        "lines" => "contract.lines",
        "revision" | "revision.kind" => "contract.revision",
        "revision.index" => "contract.index",
        "revision.base_value" => "contract.base_value",
        "revision.fixed_part" => "contract.fixed_part",
        "revision.fixed_amount" => "contract.fixed_amount",
        "revision.amount" => "contract.indexed_amount",
        "revision.at" => "contract.at",
        "revision.cap_percent" => "contract.cap",
        _ => {
            if let Some(rest) = field.strip_prefix("lines[")
                && let Some((n, f)) = rest.split_once("].")
                && let Ok(n) = n.parse::<usize>()
            {
                let what = match f {
                    "description" => "contract.description",
                    "quantity" => "contract.quantity",
                    "unit_price" => "contract.unit_price",
                    "vat_rate" => "contract.vat_rate",
                    _ => return crate::web::messages::field_name(lang, field),
                };
                return format!("{} {} › {}", t(lang, "contract.line"), n + 1, t(lang, what));
            }
            return crate::web::messages::field_name(lang, field);
        }
    };
    t(lang, key).to_string()
}

/// `GET /contracts/new`
pub async fn new_form(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    s.auth().require_write().map_err(|e| WebError::api(s.lang(), e))?;
    render(&app, &s, &FormData::default(), Vec::new(), true, false, StatusCode::OK).await
}

/// A number typed the French way too: `3 500,00`.
fn dec(form: &FormData, name: &str) -> Option<DecText> {
    form.text(name).map(|v| {
        DecText(v.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect::<String>().replace(',', "."))
    })
}

/// A whole number, or an error on `name`.
fn count(form: &FormData, name: &str, max: u32, errors: &mut Vec<(String, Message)>) -> Option<u32> {
    let v = form.text(name)?;
    match v.parse::<u32>() {
        Ok(n) if n <= max => Some(n),
        _ => {
            errors.push((name.to_string(), Message::new("out_of_range").with("min", 0).with("max", max)));
            None
        }
    }
}

/// The contract the form describes; the form rows of the lines kept (the empty ones dropped).
fn input_of(form: &FormData, errors: &mut Vec<(String, Message)>) -> (ContractInput, Vec<usize>) {
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for i in 0..line_count(form, false) {
        let at = |f: &str| format!("lines[{i}].{f}");
        let description = form.text(&at("description"));
        let (quantity, unit_price, vat_rate) =
            (dec(form, &at("quantity")), dec(form, &at("unit_price")), dec(form, &at("vat_rate")));
        // A row with neither a description nor a price was left empty.
        if description.is_none() && unit_price.is_none() {
            continue;
        }
        rows.push(i);
        lines.push(LineInput { description, quantity, unit_price, vat_rate, ..LineInput::default() });
    }
    let revision = match form.get("revision.kind") {
        Some("part") => Some(RevisionInput {
            index: form.text("revision.index"),
            base_value: dec(form, "revision.base_value"),
            fixed_part: dec(form, "revision.fixed_part"),
            ..RevisionInput::default()
        }),
        Some("amounts") => Some(RevisionInput {
            indices: Some(vec![RevisionIndexInput {
                index: form.text("revision.index"),
                base_value: dec(form, "revision.base_value"),
                amount: dec(form, "revision.amount"),
                weight: None,
            }]),
            fixed_amount: dec(form, "revision.fixed_amount"),
            ..RevisionInput::default()
        }),
        _ => None,
    }
    .map(|r| RevisionInput {
        at: form.text("revision.at"),
        never_decrease: Some(form.get("revision.never_decrease").is_some()),
        cap_percent: dec(form, "revision.cap_percent"),
        ..r
    });
    let period_months = match form.text("billing.period_months") {
        None => None,
        Some(m) => match m.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                errors.push(("billing.period_months".into(), Message::new("contract_period_months").with("v", m)));
                None
            }
        },
    };
    let input = ContractInput {
        customer_id: form.text("customer_id"),
        reference: form.text("reference"),
        title: form.text("title"),
        nature: form.text("nature"),
        status: None,
        start_date: form.text("start_date"),
        end_date: form.text("end_date"),
        renewal: form.text("renewal"),
        renewal_months: count(form, "renewal_months", 120, errors),
        notice_days: count(form, "notice_days", 3650, errors),
        notice_alert_days: count(form, "notice_alert_days", 3650, errors),
        billing: Some(BillingInput {
            period_months,
            mode: form.text("billing.mode"),
            alignment: form.text("billing.alignment"),
            first_date: form.text("billing.first_date"),
            issue: Some(form.get("billing.issue").is_some()),
        }),
        lines: Some(lines),
        payment_terms: None,
        note: form.text("note"),
        revision,
        bill_interventions: form.text("bill_interventions"),
    };
    (input, rows)
}

/// An API field path as the form's input name: a line by its row, the one index of the
/// amounts formula by the revision's inputs.
fn form_field(field: &str, rows: &[usize]) -> String {
    if let Some(rest) = field.strip_prefix("revision.indices[0].") {
        return match rest {
            "weight" => "revision.amount".into(),
            other => format!("revision.{other}"),
        };
    }
    if let Some(rest) = field.strip_prefix("lines[")
        && let Some((n, f)) = rest.split_once(']')
        && let Ok(n) = n.parse::<usize>()
    {
        let row = rows.get(n).copied().unwrap_or(n);
        return format!("lines[{row}]{f}");
    }
    if field == "billing" { "billing.period_months".into() } else { field.to_string() }
}

/// `POST /contracts/new`: the contract, or the form again (422) with every error beside
/// its input. `action=find_customer` and `action=add_line` only show the form again.
pub async fn create(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    let lang = s.lang();
    s.auth().require_write().map_err(|e| WebError::api(lang, e))?;
    match form.get("action") {
        Some("find_customer") => return render(&app, &s, &form, Vec::new(), false, false, StatusCode::OK).await,
        Some("add_line") => return render(&app, &s, &form, Vec::new(), false, true, StatusCode::OK).await,
        _ => {}
    }
    let mut own = Vec::new();
    let (input, rows) = input_of(&form, &mut own);
    let made = if own.is_empty() {
        ops::create(&app, s.rec.company_id, &input).await
    } else {
        Err(crate::error::ApiError::Invalid(
            own.into_iter().map(|(f, m)| crate::error::FieldError::new(f, m)).collect(),
        ))
    };
    match made {
        Ok(rec) => Ok(see_other(&with_done(&format!("/contracts/{}", rec.id), "contract_created"))),
        Err(e) => {
            let errors: Vec<(String, String)> =
                field_errors(lang, e)?.into_iter().map(|(f, m)| (form_field(&f, &rows), m)).collect();
            render(&app, &s, &form, errors, false, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_fields_are_named_as_the_form_s_inputs() {
        assert_eq!(form_field("lines[1].unit_price", &[0, 3]), "lines[3].unit_price");
        assert_eq!(form_field("lines[0]", &[2]), "lines[2]");
        assert_eq!(form_field("revision.indices[0].amount", &[]), "revision.amount");
        assert_eq!(form_field("revision.indices[0].base_value", &[]), "revision.base_value");
        assert_eq!(form_field("billing.mode", &[]), "billing.mode");
        assert_eq!(id_for("lines[3].unit_price"), "lines-3-unit_price");
    }

    #[test]
    fn empty_rows_are_dropped_and_french_numbers_read() {
        let form = FormData(vec![
            ("lines[0].description".into(), "Maintenance".into()),
            ("lines[0].unit_price".into(), "3 500,00".into()),
            ("lines[1].description".into(), "".into()),
            ("lines[2].unit_price".into(), "10".into()),
            ("billing.period_months".into(), "3".into()),
            ("renewal_months".into(), "douze".into()),
        ]);
        let mut errors = Vec::new();
        let (input, rows) = input_of(&form, &mut errors);
        assert_eq!(rows, vec![0, 2]);
        let lines = input.lines.unwrap_or_default();
        assert_eq!(lines[0].unit_price.as_ref().map(|d| d.0.as_str()), Some("3500.00"));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "renewal_months");
    }
}

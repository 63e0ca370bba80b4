//! The accounting page of the settings ("Comptabilité"): the main accounts and journals
//! of the chart and the month the fiscal year starts in. Saved through the settings'
//! own update (`accounting`), so a wrong account number is refused as the API refuses it.

use crate::App;
use crate::web::i18n::{Labels, t};
use crate::web::session::{Chrome, CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::accounting::Chart;
use facturier_core::party::Language;

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

use super::identity::{empty_settings, patch};
use super::{SECTIONS, admin};

pub const LABELS: Labels = &[
    ("settings.accounting", "Comptabilité", "Accounting"),
    ("settings.accounting_accounts", "Comptes", "Accounts"),
    ("settings.accounting_journals", "Journaux et exercice", "Journals and fiscal year"),
    ("settings.acc.customers", "Clients (collectif)", "Customers (control account)"),
    ("settings.acc.goods", "Ventes de marchandises", "Sales of goods"),
    ("settings.acc.services", "Prestations de services", "Services"),
    ("settings.acc.charges", "Ports et frais facturés", "Shipping and charges billed"),
    ("settings.acc.discounts", "Remises accordées", "Discounts granted"),
    ("settings.acc.deposits", "Acomptes reçus", "Deposits received"),
    ("settings.acc.vat_collected", "TVA collectée (par défaut)", "VAT collected (default)"),
    ("settings.acc.vat_pending", "TVA collectée sur encaissements (par défaut)", "VAT collected on receipts (default)"),
    (
        "settings.acc.vat_on_collection",
        "TVA sur les encaissements pour les prestations de services",
        "VAT on receipts for services",
    ),
    (
        "settings.acc.vat_on_collection_help",
        "La TVA des prestations attend en 44574 et passe en 44571 à chaque règlement, au prorata. Laissez décoché si vous avez opté pour les débits (mention sur les factures, onglet Conditions).",
        "The VAT of services waits on 44574 and moves to 44571 with each payment, pro rata. Leave unchecked if you opted for debits (mention on invoices, Terms tab).",
    ),
    ("settings.acc.sales_code", "Code du journal des ventes", "Sales journal code"),
    ("settings.acc.sales_label", "Libellé du journal des ventes", "Sales journal label"),
    ("settings.acc.bank_code", "Code du journal de banque", "Bank journal code"),
    ("settings.acc.bank_account", "Compte de banque", "Bank account"),
    ("settings.acc.fiscal_month", "Début de l'exercice", "Fiscal year starts in"),
    (
        "settings.acc.fiscal_help",
        "L'exercice court douze mois à partir du premier jour de ce mois ; les exports proposent l'exercice en cours.",
        "The fiscal year runs twelve months from the first day of this month; the exports propose the current one.",
    ),
    ("settings.acc.save", "Enregistrer", "Save"),
    ("settings.acc.csv", "Export CSV des écritures", "CSV export of entries"),
    ("settings.acc.csv_columns", "Colonnes, dans l'ordre", "Columns, in order"),
    (
        "settings.acc.csv_columns_help",
        "Séparées par des virgules, parmi : journal_code, journal_label, entry_number, date, account, account_label, auxiliary_account, auxiliary_label, piece_ref, piece_date, label, debit, credit, lettering, lettering_date, valid_date, currency_amount, currency.",
        "Comma separated, from: journal_code, journal_label, entry_number, date, account, account_label, auxiliary_account, auxiliary_label, piece_ref, piece_date, label, debit, credit, lettering, lettering_date, valid_date, currency_amount, currency.",
    ),
    ("settings.acc.csv_separator", "Séparateur", "Separator"),
    ("settings.acc.csv_decimal_mark", "Marque décimale", "Decimal mark"),
    ("settings.acc.csv_date_format", "Format des dates", "Date format"),
    ("settings.acc.csv_encoding", "Encodage", "Encoding"),
    ("settings.acc.csv_header", "Ligne d'en-tête", "Header row"),
];

/// A select of the CSV profile: its name, label, and (value, shown, selected) options.
pub struct AccChoice {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<(&'static str, &'static str, bool)>,
}

/// One text input of the page, named by its path under `accounting`.
pub struct AccField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "settings_accounting.html")]
struct AccountingPage {
    p: Chrome,
    section: &'static str,
    sections: Vec<(&'static str, &'static str, &'static str)>,
    errors: Vec<(String, String)>,
    accounts: Vec<AccField>,
    journals: Vec<AccField>,
    months: Vec<(u8, String, bool)>,
    on_collection: bool,
    csv_columns: String,
    csv_choices: Vec<AccChoice>,
    csv_header: bool,
}

/// The page's inputs, in order, with how each reads from and writes to the chart.
const ACCOUNTS: [(&str, &str); 8] = [
    ("accounting.customers", "settings.acc.customers"),
    ("accounting.goods", "settings.acc.goods"),
    ("accounting.services", "settings.acc.services"),
    ("accounting.charges", "settings.acc.charges"),
    ("accounting.discounts", "settings.acc.discounts"),
    ("accounting.deposits", "settings.acc.deposits"),
    ("accounting.vat_collected", "settings.acc.vat_collected"),
    ("accounting.vat_pending", "settings.acc.vat_pending"),
];
const JOURNALS: [(&str, &str); 4] = [
    ("accounting.sales_journal.code", "settings.acc.sales_code"),
    ("accounting.sales_journal.label", "settings.acc.sales_label"),
    ("accounting.bank.journal.code", "settings.acc.bank_code"),
    ("accounting.bank.account", "settings.acc.bank_account"),
];

fn slot<'a>(c: &'a mut Chart, name: &str) -> Option<&'a mut String> {
    Some(match name {
        "accounting.customers" => &mut c.customers,
        "accounting.goods" => &mut c.goods,
        "accounting.services" => &mut c.services,
        "accounting.charges" => &mut c.charges,
        "accounting.discounts" => &mut c.discounts,
        "accounting.deposits" => &mut c.deposits,
        "accounting.vat_collected" => &mut c.vat_collected,
        "accounting.vat_pending" => &mut c.vat_pending,
        "accounting.sales_journal.code" => &mut c.sales_journal.code,
        "accounting.sales_journal.label" => &mut c.sales_journal.label,
        "accounting.bank.journal.code" => &mut c.bank.journal.code,
        "accounting.bank.account" => &mut c.bank.account,
        _ => return None,
    })
}

async fn render(
    app: &App,
    s: &WebSession,
    form: Option<&FormData>,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = s.lang();
    let mut chart = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?.accounting;
    let value = |chart: &mut Chart, name: &str| match form {
        Some(f) => f.get(name).unwrap_or_default().to_string(),
        None => slot(chart, name).map(|v| v.clone()).unwrap_or_default(),
    };
    let accounts = ACCOUNTS.iter().map(|(n, l)| AccField { name: n, label: l, value: value(&mut chart, n) }).collect();
    let journals = JOURNALS.iter().map(|(n, l)| AccField { name: n, label: l, value: value(&mut chart, n) }).collect();
    let month = form
        .and_then(|f| f.get("accounting.fiscal_year_start_month"))
        .and_then(|m| m.parse::<u8>().ok())
        .unwrap_or(chart.fiscal_year_start_month);
    let names = match lang {
        Language::Fr => MONTHS_FR,
        Language::En => MONTHS_EN,
    };
    let months = (1..=12u8).zip(names).map(|(m, name)| (m, name.to_string(), m == month)).collect();
    let on_collection = match form {
        Some(f) => f.get("accounting.vat_on_collection_for_services").is_some(),
        None => chart.vat_on_collection_for_services,
    };
    let csv = &chart.csv;
    let pick =
        |name: &str, stored: &str| form.map_or(stored.to_string(), |f| f.get(name).unwrap_or_default().to_string());
    let csv_columns = pick("accounting.csv.columns", &csv.columns.join(", "));
    let choice = |name: &'static str, label: &'static str, stored: &str, list: &[(&'static str, &'static str)]| {
        let now = pick(name, stored);
        AccChoice { name, label, options: list.iter().map(|(v, shown)| (*v, *shown, *v == now)).collect() }
    };
    let csv_choices = vec![
        choice(
            "accounting.csv.separator",
            "settings.acc.csv_separator",
            &csv.separator,
            &[(";", ";"), (",", ","), ("tab", "tab"), ("|", "|")],
        ),
        choice(
            "accounting.csv.decimal_mark",
            "settings.acc.csv_decimal_mark",
            &csv.decimal_mark,
            &[(",", ","), (".", ".")],
        ),
        choice(
            "accounting.csv.date_format",
            "settings.acc.csv_date_format",
            &csv.date_format,
            &[("JJ/MM/AAAA", "JJ/MM/AAAA"), ("AAAA-MM-JJ", "AAAA-MM-JJ"), ("AAAAMMJJ", "AAAAMMJJ")],
        ),
        choice(
            "accounting.csv.encoding",
            "settings.acc.csv_encoding",
            &csv.encoding,
            &[("utf-8", "UTF-8"), ("iso-8859-15", "ISO-8859-15")],
        ),
    ];
    let csv_header = match form {
        Some(f) => f.get("accounting.csv.header").is_some(),
        None => csv.header,
    };
    let title = format!("{} · {}", t(lang, "settings.title"), t(lang, "settings.accounting"));
    let page = AccountingPage {
        p: s.chrome(app, "settings", title).await?,
        section: "accounting",
        sections: SECTIONS.to_vec(),
        errors,
        accounts,
        journals,
        months,
        on_collection,
        csv_columns,
        csv_choices,
        csv_header,
    };
    html(status, &page)
}

/// `GET /settings/accounting`
pub async fn accounting(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    render(&app, &s, None, Vec::new(), StatusCode::OK).await
}

/// `POST /settings/accounting`: the chart as stored with the inputs of the page changed.
pub async fn save_accounting(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let lang = s.lang();
    let mut chart = app.store.settings(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?.accounting;
    for (name, _) in ACCOUNTS.iter().chain(JOURNALS.iter()) {
        if let Some(v) = slot(&mut chart, name) {
            *v = form.get(name).unwrap_or_default().trim().to_string();
        }
    }
    chart.vat_on_collection_for_services = form.get("accounting.vat_on_collection_for_services").is_some();
    // The CSV profile, when the form has it (an older form keeps the stored one).
    if let Some(columns) = form.get("accounting.csv.columns") {
        chart.csv.columns =
            columns.split([',', ' ', ';']).map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect();
        let text = |name: &str| form.get(name).unwrap_or_default().trim().to_string();
        chart.csv.separator = text("accounting.csv.separator");
        chart.csv.decimal_mark = text("accounting.csv.decimal_mark");
        chart.csv.date_format = text("accounting.csv.date_format");
        chart.csv.encoding = text("accounting.csv.encoding");
        chart.csv.header = form.get("accounting.csv.header").is_some();
    }
    if let Some(m) = form.get("accounting.fiscal_year_start_month") {
        // An unreadable month is refused by the chart's own check.
        chart.fiscal_year_start_month = m.trim().parse().unwrap_or(0);
    }
    let input = crate::app::settings::SettingsInput { accounting: Some(chart), ..empty_settings() };
    match patch(&app, &s, input).await? {
        Ok(()) => Ok(see_other("/settings/accounting?done=saved")),
        Err(errs) => render(&app, &s, Some(&form), errs, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

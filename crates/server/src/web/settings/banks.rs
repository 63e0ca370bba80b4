//! The bank accounts page.

use crate::App;
use crate::app::settings::{BankInput, SettingsInput};
use crate::web::session::{CsrfForm, FormData, WebSession};
use crate::web::{WebError, html, see_other};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::identity::{empty_settings, patch, stored};
use super::{BankRow, Page, admin, field};

fn bank_rows(values: &FormData, count: usize) -> Vec<BankRow> {
    let default = values.get("default").unwrap_or_default().to_string();
    (0..=count)
        .map(|n| BankRow {
            n,
            fields: [
                ("label", "settings.bank_label", false),
                ("iban", "settings.iban", true),
                ("bic", "settings.bic", false),
                ("holder", "settings.holder", false),
            ]
            .iter()
            .map(|&(f, l, r)| field(&format!("banks[{n}].{f}"), l, "text", r && n < count, values))
            .collect(),
            default: default == n.to_string(),
            new: n == count,
        })
        .collect()
}

/// `GET /settings/banks`
pub async fn banks(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    let (st, values) = stored(&app, &s).await?;
    let mut page = Page::new(&app, &s, "banks").await?;
    page.banks = bank_rows(&values, st.banks.len());
    html(StatusCode::OK, &page)
}

/// `POST /settings/banks`: the whole list (rows ticked "remove" and an empty new row
/// are left out); errors are shown on the row they came from.
pub async fn save_banks(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let count: usize = form.get("count").and_then(|c| c.parse().ok()).unwrap_or(0).min(100);
    let default = form.get("default").and_then(|d| d.parse::<usize>().ok());
    let mut input = Vec::new();
    // The API's index of each row sent → the form's row.
    let mut rows = Vec::new();
    for n in 0..=count {
        let get = |f: &str| form.text(&format!("banks[{n}].{f}"));
        let (label, iban, bic, holder) = (get("label"), get("iban"), get("bic"), get("holder"));
        let blank = label.is_none() && iban.is_none() && bic.is_none() && holder.is_none();
        if blank || form.get(&format!("banks[{n}].remove")).is_some() {
            continue;
        }
        rows.push(n);
        input.push(BankInput { label, iban, bic, holder, default: Some(default == Some(n)) });
    }
    // With one account left, it is the default whatever the radio said.
    if input.len() == 1
        && let Some(b) = input.first_mut()
    {
        b.default = Some(true);
    }
    match patch(&app, &s, SettingsInput { banks: Some(input), ..empty_settings() }).await? {
        Ok(()) => Ok(see_other("/settings/banks?done=saved")),
        Err(errs) => {
            let errs =
                errs.into_iter()
                    .map(|(f, m)| {
                        let mapped = f.strip_prefix("banks[").and_then(|r| r.split_once(']')).and_then(|(i, rest)| {
                            Some(format!("banks[{}]{rest}", rows.get(i.parse::<usize>().ok()?)?))
                        });
                        (mapped.unwrap_or(f), m)
                    })
                    .collect();
            let mut page = Page::new(&app, &s, "banks").await?;
            page.banks = bank_rows(&form, count);
            html(StatusCode::UNPROCESSABLE_ENTITY, &page.with_errors(errs))
        }
    }
}

//! The numbering page: one pattern per document kind.

use crate::App;
use crate::app::settings::{NumberingInput, set_numbering};
use crate::error::ApiError;
use crate::web::messages::message;
use crate::web::session::{CsrfForm, WebSession};
use crate::web::{WebError, html, see_other};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facturier_core::document::DocumentKind;
use facturier_core::numbering;
use facturier_formats::text;

use super::{NumRow, Page, admin};

async fn numbering_rows(app: &App, s: &WebSession) -> Result<Vec<NumRow>, WebError> {
    let lang = s.lang();
    let today = s.today();
    let rows = app.store.numbering(s.rec.company_id).await.map_err(|e| WebError::store(lang, e))?;
    Ok(DocumentKind::ALL
        .iter()
        .filter_map(|k| rows.iter().find(|r| r.kind == *k))
        .map(|n| NumRow {
            kind: n.kind.as_str(),
            label: text::kind_title(n.kind, false, lang),
            pattern: n.pattern.to_string(),
            yearly_reset: n.yearly_reset,
            issued: n.issued,
            // The number a document issued today takes, by the rule the store draws it by.
            example: n.pattern.format(today, numbering::next_seq(n.counter, n.yearly_reset, today)),
            error: None,
        })
        .collect())
}

/// `GET /settings/numbering`
pub async fn numbering(State(app): State<App>, s: WebSession) -> Result<Response, WebError> {
    admin(&s)?;
    let mut page = Page::new(&app, &s, "numbering").await?;
    page.numbering = numbering_rows(&app, &s).await?;
    html(StatusCode::OK, &page)
}

/// `POST /settings/numbering`: one kind's pattern, through `PUT /numbering/{kind}`.
pub async fn save_numbering(State(app): State<App>, CsrfForm(s, form): CsrfForm) -> Result<Response, WebError> {
    admin(&s)?;
    let kind = form.text("kind").unwrap_or_default();
    let input =
        NumberingInput { pattern: form.text("pattern"), yearly_reset: Some(form.get("yearly_reset").is_some()) };
    let lang = s.lang();
    let message = match set_numbering(&app, &s.auth(), &kind, &input).await {
        Ok(_) => return Ok(see_other("/settings/numbering?done=saved")),
        Err(ApiError::Invalid(errs)) => errs.iter().map(|e| message(lang, &e.message)).collect::<Vec<_>>().join(" ; "),
        Err(ApiError::Conflict(m)) => message(lang, &m),
        Err(e) => return Err(WebError::api(s.lang(), e)),
    };
    let mut page = Page::new(&app, &s, "numbering").await?;
    page.numbering = numbering_rows(&app, &s).await?;
    for row in &mut page.numbering {
        if row.kind == kind {
            row.pattern = form.get("pattern").unwrap_or_default().to_string();
            row.yearly_reset = form.get("yearly_reset").is_some();
            row.error = Some(message.clone());
        }
    }
    page.errors = vec![(format!("pattern-{kind}"), message)];
    html(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

//! `/reports`: the aged balance on a day.

use crate::App;
use crate::api::query_date;
use crate::app::reports::{self, AgedBalanceView};
use crate::auth::Auth;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AgedBalanceQuery {
    pub as_of: Option<String>,
}

/// `GET /reports/aged-balance?as_of=`: what customers owed at the end of the day (today by
/// default), by lateness, per customer and currency and in all.
pub async fn aged_balance(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<AgedBalanceQuery>,
) -> Result<Json<AgedBalanceView>, ApiError> {
    let as_of = query_date("as_of", q.as_of.as_deref())?.unwrap_or_else(|| auth.today());
    let report = reports::aged_balance(&app, &auth, as_of).await?;
    Ok(Json(AgedBalanceView::from(&report)))
}

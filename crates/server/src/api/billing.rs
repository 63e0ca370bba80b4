//! `/billing/delivery-notes`: the monthly run that invoices delivered goods.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check};
use crate::openapi::written;
use axum::Json;
use axum::extract::State;
use facturier_core::message::Message;
use facturier_store::pipeline::DeliveryRun;
use serde::{Deserialize, Serialize};

/// The body of `POST /billing/delivery-notes`: the period, both days included.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRunInput {
    #[schema(required = true, value_type = written::DateText)]
    pub from: Option<String>,
    #[schema(required = true, value_type = written::DateText)]
    pub to: Option<String>,
}

pub async fn invoice_deliveries(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<DeliveryRunInput>,
) -> Result<Json<DeliveryRunView>, ApiError> {
    auth.require_write()?;
    let mut v = Check::default();
    let mut date = |field: &str, d: &Option<String>| match d {
        Some(d) => v.date(field, d),
        None => {
            v.error(field, Message::new("required_yyyy_mm_dd"));
            None
        }
    };
    let (from, to) = (date("from", &input.from), date("to", &input.to));
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        v.error("to", Message::new("must_before"));
    }
    v.finish()?;
    let (Some(from), Some(to)) = (from, to) else { return Err(ApiError::field("from", Message::new("required"))) };
    Ok(Json(DeliveryRunView::from(app.store.invoice_deliveries(auth.company(), from, to).await?)))
}

/// What a monthly run did.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DeliveryRun)]
pub struct DeliveryRunView {
    /// The draft invoices made.
    pub created: Vec<uuid::Uuid>,
    /// The delivery notes they invoice.
    pub delivery_notes: Vec<uuid::Uuid>,
}

impl From<DeliveryRun> for DeliveryRunView {
    fn from(r: DeliveryRun) -> DeliveryRunView {
        DeliveryRunView { created: r.created, delivery_notes: r.delivery_notes }
    }
}

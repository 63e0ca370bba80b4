//! `/customers`: the directory; JSON in and out of `app::customers`.

use super::{ListQuery, MAX_SEARCH, Page, instant_text, limit, path_id};
use crate::App;
use crate::app::customers::{self as ops, AddressView, CustomerInput};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check, patched, require_patch_object};
use crate::openapi::{field, written};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use facturier_core::message::Message;
use facturier_core::party::{CustomerKind, Language};
use facturier_store::customers::{CustomerFilter, CustomerOrder, CustomerRecord, CustomerSort};
use serde::Serialize;

#[derive(Serialize)]
pub struct CreditView {
    pub currency: String,
    pub amount: String,
}

/// A customer as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CustomerView {
    pub id: uuid::Uuid,
    #[schema(schema_with = field::customer_kind_view)]
    pub kind: &'static str,
    pub name: String,
    #[schema(required = true, format = Email)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub activity: Option<String>,
    pub legal: LegalView,
    #[schema(required = true)]
    pub iban: Option<String>,
    pub billing_address: AddressView,
    #[schema(required = true)]
    pub delivery_address: Option<AddressView>,
    pub contacts: Vec<ContactView>,
    #[schema(schema_with = field::customer_language_view)]
    pub language: &'static str,
    #[schema(required = true)]
    pub currency: Option<String>,
    #[schema(required = true, value_type = Option<written::PaymentTerms>)]
    pub payment_terms: Option<String>,
    pub tags: Vec<String>,
    #[schema(required = true)]
    pub notes: Option<String>,
    #[schema(schema_with = field::invoice_grouping_view)]
    pub invoice_grouping: &'static str,
    /// `per_contract` or `grouped`: how the contracts billing run invoices its contracts.
    pub contract_billing: &'static str,
    /// Absent when the customer chose none (its country tells).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = field::network_view)]
    pub network: Option<&'static str>,
    /// Money to the customer's credit (overpayments, credit notes beyond what was due), per
    /// currency. Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<crate::api::payments::CreditLine>)]
    pub credit: Option<Vec<CreditView>>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// `auto` or `never` (never dunned). Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("auto", "never"))]
    pub dunning: Option<&'static str>,
    /// The auxiliary account the customer's entries use: its own, else `411` and a code
    /// from its name and id. Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, examples("411DURAND"))]
    pub accounting_account: Option<String>,
    /// Whether the customer is a key account ("grand compte"): its reminders use the
    /// company's key-account texts. Absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_account: Option<bool>,
}

/// A customer's legal identifiers.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = LegalIds)]
pub struct LegalView {
    #[schema(required = true)]
    pub siren: Option<String>,
    #[schema(required = true)]
    pub siret: Option<String>,
    #[schema(required = true)]
    pub vat_number: Option<String>,
}

/// A contact at a customer.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Contact)]
pub struct ContactView {
    pub name: String,
    #[schema(required = true)]
    pub role: Option<String>,
    #[schema(required = true, format = Email)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(required = true)]
    pub mobile: Option<String>,
}

fn view(r: &CustomerRecord, credit: Option<Vec<CreditView>>) -> CustomerView {
    let c = &r.customer;
    CustomerView {
        id: r.id,
        kind: if c.kind == CustomerKind::Company { "company" } else { "individual" },
        name: c.name.clone(),
        email: c.email.as_ref().map(|e| e.to_string()),
        activity: c.activity.clone(),
        legal: LegalView {
            siren: c.legal.siren.as_ref().map(|s| s.to_string()),
            siret: c.legal.siret.as_ref().map(|s| s.to_string()),
            vat_number: c.legal.vat_number.as_ref().map(|s| s.to_string()),
        },
        iban: c.iban.as_ref().map(|s| s.to_string()),
        billing_address: AddressView::from(&c.billing_address),
        delivery_address: c.delivery_address.as_ref().map(AddressView::from),
        contacts: c
            .contacts
            .iter()
            .map(|k| ContactView {
                name: k.name.clone(),
                role: k.role.clone(),
                email: k.email.as_ref().map(|e| e.to_string()),
                phone: k.phone.clone(),
                mobile: k.mobile.clone(),
            })
            .collect(),
        language: if c.language == Language::En { "en" } else { "fr" },
        currency: c.currency.map(|c| c.code().to_string()),
        payment_terms: c.payment_terms.map(|t| t.to_string()),
        tags: c.tags.clone(),
        notes: c.notes.clone(),
        invoice_grouping: c.invoice_grouping.as_str(),
        contract_billing: c.contract_billing.as_str(),
        network: c.network.map(|n| n.as_str()),
        credit,
        created_at: instant_text(r.created_at),
        updated_at: instant_text(r.updated_at),
        dunning: None,
        accounting_account: None,
        key_account: None,
    }
}

async fn full_view(app: &App, company: uuid::Uuid, r: &CustomerRecord) -> Result<CustomerView, ApiError> {
    let credit = app
        .store
        .customer_credit(company, r.id)
        .await?
        .into_iter()
        .map(|(currency, amount)| CreditView { currency, amount: amount.to_string() })
        .collect();
    let mut v = view(r, Some(credit));
    v.dunning = Some(if app.store.dunning_held(company, r.id).await? { "never" } else { "auto" });
    v.accounting_account =
        Some(crate::app::accounting::auxiliary_account(&app.store, company, r.id, &r.customer.name).await?);
    v.key_account = Some(app.store.is_key_account(company, r.id).await?);
    Ok(v)
}

pub async fn create(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<(StatusCode, Json<CustomerView>), ApiError> {
    let rec = ops::create(&app, &auth, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&rec, Some(Vec::new())))))
}

pub async fn show(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<CustomerView>, ApiError> {
    let rec = app.store.customer(auth.company(), path_id(&id, "customer")?).await?;
    Ok(Json(full_view(&app, auth.company(), &rec).await?))
}

pub async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> Result<Json<CustomerView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "customer")?;
    require_patch_object(&patch)?;
    let rec = ops::update(&app, &auth, id, |current| patched(&current, &patch)).await?;
    Ok(Json(full_view(&app, auth.company(), &rec).await?))
}

pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<CustomerView>>, ApiError> {
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse())
        .transpose()
        .map_err(|_| ApiError::field("after", Message::new("cursor_previous_page")))?;
    let mut v = Check::default();
    let text = v.opt_text("q", &q.q, MAX_SEARCH);
    let activity = v.opt_text("activity", &q.activity, MAX_SEARCH);
    let sort = match q.sort.as_deref().filter(|s| !s.is_empty()) {
        None => CustomerSort::Created,
        Some(s) => CustomerSort::parse(s).unwrap_or_else(|| {
            v.error("sort", Message::new("sort_order_created_name").with("v", format!("{s:?}")));
            CustomerSort::Created
        }),
    };
    let desc = match q.order.as_deref().filter(|s| !s.is_empty()) {
        None => matches!(sort, CustomerSort::Created | CustomerSort::Balance),
        Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            v.error("order", Message::new("order_asc_desc").with("v", format!("{o:?}")));
            false
        }
    };
    v.finish()?;
    let filter = CustomerFilter { q: text, activity, limit: limit(q.limit.as_deref())?, after };
    let (rows, next) = app.store.list_customers_in(auth.company(), &filter, CustomerOrder { sort, desc }).await?;
    Ok(Json(Page { data: rows.iter().map(|r| view(r, None)).collect(), next_cursor: next.map(|c| c.to_string()) }))
}

//! `/products`: the catalogue.

use super::{ListQuery, MAX_SEARCH, Page, instant_text, limit, path_id};
use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::input::{ApiJson, Check, DecRules, DecText, patched, require_patch_object};
use crate::openapi::written;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use facturier_core::document::Nature;
use facturier_core::message::Message;
use facturier_core::money::{MAX_MAGNITUDE, to_text};
use facturier_core::product::{Product, UnitCode};
use facturier_core::tax::{Vat, VatCategory};
use facturier_store::products::{Archived, ProductFilter, ProductRecord};
use serde::{Deserialize, Serialize};

/// The body of `POST /products`; `null` means absent. (Merged over the current record, the
/// body of `PATCH` too.)
#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Unique in the company.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 64)]
    pub reference: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1, max_length = 500)]
    pub name: Option<String>,
    /// Default C62 (one).
    #[schema(value_type = Option<written::UnitCode>)]
    pub unit: Option<String>,
    /// Net unit price: at least 0, at most 6 decimals.
    #[schema(required = true, value_type = written::DecimalText)]
    pub unit_price: Option<DecText>,
    /// VAT rate in percent (`"20"`, `"5.5"`): 0 to 100, at most 4 decimals.
    #[schema(required = true, value_type = written::DecimalText)]
    pub vat_rate: Option<DecText>,
    #[schema(value_type = Option<written::VatCategory>)]
    pub vat_category: Option<String>,
    /// Cost price: at least 0, at most 6 decimals; gives the margin.
    #[schema(value_type = Option<written::DecimalText>)]
    pub purchase_price: Option<DecText>,
    /// Tracked quantity in stock, at most 4 decimals; absent or null when not tracked.
    #[schema(value_type = Option<written::DecimalText>)]
    pub stock: Option<DecText>,
    /// What a line of it supplies; default told by the unit (hours, days… are services).
    #[schema(value_type = Option<written::Nature>)]
    pub nature: Option<String>,
    /// `true` archives the product: it stays on the documents that name it, but leaves the
    /// list (unless `archived=true` is asked) and the document editor's search; `false`
    /// brings it back. Default false.
    pub archived: Option<bool>,
    #[serde(default, skip_serializing)]
    pub id: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub margin: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub created_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub updated_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    pub archived_at: Option<serde_json::Value>,
}

const PRICE: DecRules = DecRules::new(6).non_negative().at_most(MAX_MAGNITUDE);

impl ProductInput {
    /// Turns the input into a product, or every field error at once.
    pub fn parse(&self) -> Result<Product, ApiError> {
        let mut v = Check::default();
        let reference = v.text("reference", &self.reference, 64);
        let name = v.text("name", &self.name, 500);
        let unit = v.opt_parse::<UnitCode>("unit", &self.unit).unwrap_or_default();
        let unit_price =
            v.required("unit_price", &self.unit_price).cloned().and_then(|p| v.decimal("unit_price", &p, PRICE));
        let rate =
            v.required("vat_rate", &self.vat_rate).cloned().and_then(|r| v.decimal("vat_rate", &r, DecRules::new(4)));
        let category = v.opt_parse::<VatCategory>("vat_category", &self.vat_category);
        let vat = rate.and_then(|r| match Vat::new(r, category) {
            Ok(x) => Some(x),
            Err(e) => {
                v.error("vat_rate", e);
                None
            }
        });
        let purchase_price = self.purchase_price.as_ref().and_then(|p| v.decimal("purchase_price", p, PRICE));
        let stock = self.stock.as_ref().and_then(|s| v.decimal("stock", s, DecRules::new(4).at_most(MAX_MAGNITUDE)));
        let nature = v.opt_parse::<Nature>("nature", &self.nature).unwrap_or_else(|| Nature::of_unit(&unit));
        v.finish()?;
        match (reference, name, unit_price, vat) {
            (Some(reference), Some(name), Some(unit_price), Some(vat)) => {
                Ok(Product { reference, name, unit, unit_price, vat, purchase_price, stock, nature })
            }
            _ => Err(ApiError::field("body", Message::new("incomplete_product"))),
        }
    }

    /// The input that would recreate a product (the base of a merge patch).
    pub fn from_product(p: &Product) -> ProductInput {
        ProductInput {
            reference: Some(p.reference.clone()),
            name: Some(p.name.clone()),
            unit: Some(p.unit.code().to_string()),
            unit_price: Some(DecText(to_text(p.unit_price, 2))),
            vat_rate: Some(DecText(to_text(p.vat.rate(), 0))),
            vat_category: Some(p.vat.category().code().to_string()),
            purchase_price: p.purchase_price.map(|d| DecText(to_text(d, 2))),
            stock: p.stock.map(|d| DecText(to_text(d, 0))),
            nature: Some(p.nature.as_str().to_string()),
            ..Default::default()
        }
    }
}

/// A product as the API shows it; `stock` is null when not tracked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProductView {
    pub id: uuid::Uuid,
    pub reference: String,
    pub name: String,
    #[schema(value_type = written::UnitCode)]
    pub unit: &'static str,
    #[schema(value_type = written::DecimalText)]
    pub unit_price: String,
    #[schema(value_type = written::DecimalText)]
    pub vat_rate: String,
    #[schema(value_type = written::VatCategory)]
    pub vat_category: &'static str,
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub purchase_price: Option<String>,
    /// unit_price − purchase_price, when the purchase price is known.
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub margin: Option<String>,
    /// null when the stock is not tracked.
    #[schema(required = true, value_type = Option<written::DecimalText>)]
    pub stock: Option<String>,
    /// `goods` or `services`.
    #[schema(value_type = written::Nature)]
    pub nature: &'static str,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Archived: kept on past documents, out of the list and the editor's search.
    pub archived: bool,
    /// When it was archived; null when it is not.
    #[schema(required = true, format = DateTime, value_type = Option<String>)]
    pub archived_at: Option<String>,
}

fn out(r: &ProductRecord) -> ProductView {
    let p = &r.product;
    ProductView {
        id: r.id,
        reference: p.reference.clone(),
        name: p.name.clone(),
        unit: p.unit.code(),
        unit_price: to_text(p.unit_price, 2),
        vat_rate: to_text(p.vat.rate(), 0),
        vat_category: p.vat.category().code(),
        purchase_price: p.purchase_price.map(|d| to_text(d, 2)),
        margin: p.margin().map(|m| to_text(m, 2)),
        stock: p.stock.map(|d| to_text(d, 0)),
        nature: p.nature.as_str(),
        created_at: instant_text(r.created_at),
        updated_at: instant_text(r.updated_at),
        archived: r.archived_at.is_some(),
        archived_at: r.archived_at.map(instant_text),
    }
}

pub async fn create(
    State(app): State<App>,
    auth: Auth,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<(StatusCode, Json<ProductView>), ApiError> {
    auth.require_write()?;
    let p = input.parse()?;
    let mut rec = app.store.insert_product(auth.company(), &p).await?;
    if input.archived == Some(true) {
        rec = app.store.set_product_archived(auth.company(), rec.id, true).await?;
    }
    Ok((StatusCode::CREATED, Json(out(&rec))))
}

pub async fn show(State(app): State<App>, auth: Auth, Path(id): Path<String>) -> Result<Json<ProductView>, ApiError> {
    let rec = app.store.product(auth.company(), path_id(&id, "product")?).await?;
    Ok(Json(out(&rec)))
}

pub async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> Result<Json<ProductView>, ApiError> {
    auth.require_write()?;
    let id = path_id(&id, "product")?;
    require_patch_object(&patch)?;
    let current = app.store.product(auth.company(), id).await?;
    let input = patched(&ProductInput::from_product(&current.product), &patch)?;
    let p = input.parse()?;
    let mut rec = app.store.update_product(auth.company(), id, &p).await?;
    if let Some(archived) = input.archived
        && archived != rec.archived_at.is_some()
    {
        rec = app.store.set_product_archived(auth.company(), id, archived).await?;
    }
    Ok(Json(out(&rec)))
}

pub async fn list(
    State(app): State<App>,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<ProductView>>, ApiError> {
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse())
        .transpose()
        .map_err(|_| ApiError::field("after", Message::new("cursor_previous_page")))?;
    let mut v = Check::default();
    let text = v.opt_text("q", &q.q, MAX_SEARCH);
    v.finish()?;
    let archived = match q.archived.as_deref() {
        None | Some("" | "false") => Archived::Hidden,
        Some("true") => Archived::Included,
        Some(other) => {
            return Err(ApiError::field(
                "archived",
                Message::new("archived_true_false").with("v", format!("{other:?}")),
            ));
        }
    };
    let filter = ProductFilter { q: text, archived, limit: limit(q.limit.as_deref())?, after };
    let (rows, next) = app.store.list_products(auth.company(), &filter).await?;
    Ok(Json(Page { data: rows.iter().map(out).collect(), next_cursor: next.map(|c| c.to_string()) }))
}

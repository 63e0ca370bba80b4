//! The product and service catalogue.

use crate::customers::page;
use crate::sql::{Sql, like_escape};
use crate::{Arg, Result, Store, StoreError, bind_args, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::document::Nature;
use facturier_core::message::Message;
use facturier_core::party::fold;
use facturier_core::product::{Product, UnitCode};
use facturier_core::tax::{Vat, VatCategory};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored product.
#[derive(Clone, Debug)]
pub struct ProductRecord {
    pub id: Uuid,
    pub product: Product,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// When the product left the catalogue (it stays on the documents that name it).
    pub archived_at: Option<OffsetDateTime>,
}

/// Which products a list shows, by archiving.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Archived {
    /// The catalogue as offered: archived products left out.
    #[default]
    Hidden,
    /// Archived products only.
    Only,
    /// Every product.
    Included,
}

/// Filters of the catalogue list.
#[derive(Clone, Debug, Default)]
pub struct ProductFilter {
    /// Every word must appear in the reference or the name.
    pub q: Option<String>,
    pub archived: Archived,
    pub limit: u32,
    /// The last product of the previous page (in the list's order).
    pub after: Option<Uuid>,
}

/// A column the catalogue sorts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProductSort {
    /// By creation (the id is a UUIDv7).
    #[default]
    Created,
    Reference,
    Name,
    Price,
    /// Tracked stock; untracked products come after every tracked one (from the lowest).
    Stock,
}

impl ProductSort {
    /// The name used in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductSort::Created => "created",
            ProductSort::Reference => "reference",
            ProductSort::Name => "name",
            ProductSort::Price => "price",
            ProductSort::Stock => "stock",
        }
    }

    /// The sort named `s` in a query string.
    pub fn parse(s: &str) -> Option<ProductSort> {
        [ProductSort::Created, ProductSort::Reference, ProductSort::Name, ProductSort::Price, ProductSort::Stock]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// The sort column (`0023_catalogue`), `None` for the id itself.
    fn column(self) -> Option<&'static str> {
        match self {
            ProductSort::Created => None,
            ProductSort::Reference => Some("sort_reference"),
            ProductSort::Name => Some("sort_name"),
            ProductSort::Price => Some("sort_price"),
            ProductSort::Stock => Some("sort_stock"),
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, ProductSort::Price | ProductSort::Stock)
    }
}

/// The order of a catalogue list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProductOrder {
    pub sort: ProductSort,
    pub desc: bool,
}

impl Default for ProductOrder {
    /// Newest first.
    fn default() -> ProductOrder {
        ProductOrder { sort: ProductSort::Created, desc: true }
    }
}

/// The keys the catalogue sorts on (`0023_catalogue`).
pub(crate) struct SortKeys {
    pub reference: String,
    pub name: String,
    /// The unit price in millionths (its scale).
    pub price: i64,
    /// The tracked stock in ten-thousandths (its scale); untracked: `i64::MAX`, after all.
    pub stock: i64,
}

/// `d` × 10^`scale` as an integer sort key, saturating (amounts are bounded far below).
fn scaled(d: Decimal, scale: u32) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (d * Decimal::from(10_i64.pow(scale))).round().to_i64().unwrap_or(if d.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

pub(crate) fn sort_keys(p: &Product) -> SortKeys {
    SortKeys {
        reference: fold(p.reference.trim()),
        name: fold(p.name.trim()),
        price: scaled(p.unit_price, 6),
        stock: p.stock.map(|s| scaled(s, 4).min(i64::MAX - 1)).unwrap_or(i64::MAX),
    }
}

/// The stored JSON of a product: decimals as exact text.
#[derive(Serialize, Deserialize)]
struct Data {
    reference: String,
    name: String,
    unit: UnitCode,
    #[serde(with = "rust_decimal::serde::str")]
    unit_price: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    vat_rate: Decimal,
    vat_category: VatCategory,
    #[serde(with = "rust_decimal::serde::str_option")]
    purchase_price: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    stock: Option<Decimal>,
    /// Absent on products recorded before it was: their unit tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nature: Option<Nature>,
}

pub(crate) fn to_data(p: &Product) -> String {
    serde_json::to_string(&Data {
        reference: p.reference.clone(),
        name: p.name.clone(),
        unit: p.unit.clone(),
        unit_price: p.unit_price,
        vat_rate: p.vat.rate(),
        vat_category: p.vat.category(),
        purchase_price: p.purchase_price,
        stock: p.stock,
        nature: Some(p.nature),
    })
    .unwrap_or_default()
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: Uuid,
    data: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    archived_at: Option<OffsetDateTime>,
}

/// The columns a [`Row`] reads.
pub(crate) const COLUMNS: &str = "id, data, created_at, updated_at, archived_at";

impl TryFrom<Row> for ProductRecord {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<ProductRecord> {
        let corrupt = |e: String| StoreError::Corrupt(format!("product {}: {e}", r.id));
        let d: Data = serde_json::from_str(&r.data).map_err(|e| corrupt(e.to_string()))?;
        let vat = Vat::new(d.vat_rate, Some(d.vat_category)).map_err(|e| corrupt(e.to_string()))?;
        Ok(ProductRecord {
            id: r.id,
            product: Product {
                reference: d.reference,
                name: d.name,
                nature: d.nature.unwrap_or_else(|| Nature::of_unit(&d.unit)),
                unit: d.unit,
                unit_price: d.unit_price,
                vat,
                purchase_price: d.purchase_price,
                stock: d.stock,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
            archived_at: r.archived_at,
        })
    }
}

pub(crate) fn search_text(p: &Product) -> String {
    fold(&format!("{} {}", p.reference, p.name))
}

/// Adds `delta` to a tracked product's stock inside a transaction, refusing to go below
/// zero unless `allow_negative`, and records the movement. Untracked products are left alone.
pub(crate) async fn move_stock(
    tx: &mut crate::Tx,
    company_id: Uuid,
    product_id: Uuid,
    delta: Decimal,
    document_id: Option<Uuid>,
    reason: &str,
    allow_negative: bool,
) -> Result<()> {
    // A no-op update takes the row lock on PostgreSQL.
    let row: Option<(String,)> = on_conn!(tx, |c| {
        sqlx::query_as("UPDATE products SET updated_at = updated_at WHERE company_id = $1 AND id = $2 RETURNING data")
            .bind(company_id)
            .bind(product_id)
            .fetch_optional(c)
            .await?
    });
    let Some((json,)) = row else { return Err(StoreError::NotFound("product")) };
    let mut d: Data =
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("product {product_id}: {e}")))?;
    let Some(stock) = d.stock else { return Ok(()) };
    let after = stock + delta;
    if after < Decimal::ZERO && !allow_negative {
        return Err(StoreError::Conflict(
            Message::new("enough_stock_stock_deliver")
                .with("reference", &d.reference)
                .with("name", &d.name)
                .with("stock", stock.normalize())
                .with("wanted", (-delta).normalize()),
        ));
    }
    d.stock = Some(after);
    let at = now();
    let data = serde_json::to_string(&d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let stock_key = scaled(after, 4).min(i64::MAX - 1);
    on_conn!(tx, |c| {
        sqlx::query(
            "UPDATE products SET data = $3, updated_at = $4, sort_stock = $5 WHERE company_id = $1 AND id = $2",
        )
        .bind(company_id)
        .bind(product_id)
        .bind(data)
        .bind(at)
        .bind(stock_key)
        .execute(&mut *c)
        .await?;
        sqlx::query(
            "INSERT INTO stock_movements (id, company_id, product_id, document_id, quantity, stock_after, reason, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(company_id)
        .bind(product_id)
        .bind(document_id)
        .bind(delta.normalize().to_string())
        .bind(after.normalize().to_string())
        .bind(reason)
        .bind(at)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

impl Store {
    /// The current stock of products (`None`: not tracked), for the lines of a document.
    pub async fn stocks(
        &self,
        company_id: Uuid,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Option<Decimal>>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        // One query for all the lines (a document can have hundreds), by primary key.
        let mut q = Sql::new("SELECT id, data FROM products WHERE company_id = ");
        q.bind(Arg::Uuid(company_id)).push(" AND id IN ").bind_ids(ids.iter().copied());
        let rows: Vec<(Uuid, String)> = on_pool!(self, |c| {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone()).fetch_all(c).await?
        });
        rows.into_iter()
            .map(|(id, data)| {
                let d: Data =
                    serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("product {id}: {e}")))?;
                Ok((id, d.stock))
            })
            .collect()
    }

    /// Adds a product; its reference must be new in the company.
    pub async fn insert_product(&self, company_id: Uuid, p: &Product) -> Result<ProductRecord> {
        let id = new_id();
        let at = now();
        let k = sort_keys(p);
        let mut tx = self.begin().await?;
        let r = on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO products (id, company_id, reference, data, search_text, created_at, updated_at, \
                 sort_reference, sort_name, sort_price, sort_stock) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(company_id)
            .bind(&p.reference)
            .bind(to_data(p))
            .bind(search_text(p))
            .bind(at)
            .bind(&k.reference)
            .bind(&k.name)
            .bind(k.price)
            .bind(k.stock)
            .execute(c)
            .await
            .map(|_| ())
        });
        match r.map_err(StoreError::from) {
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::Invalid {
                    field: "reference".into(),
                    message: Message::new("product_reference_already_exists").with("r", format!("{:?}", p.reference)),
                });
            }
            other => other?,
        };
        tx.commit().await?;
        Ok(ProductRecord {
            id,
            product: p.clone(),
            created_at: at.instant(),
            updated_at: at.instant(),
            archived_at: None,
        })
    }

    /// One product of the company.
    pub async fn product(&self, company_id: Uuid, id: Uuid) -> Result<ProductRecord> {
        let row: Option<Row> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM products WHERE company_id = $1 AND id = $2"
            )))
            .bind(company_id)
            .bind(id)
            .fetch_optional(c)
            .await?
        });
        row.ok_or(StoreError::NotFound("product"))?.try_into()
    }

    /// Replaces a product's record (archived or not, it stays so).
    pub async fn update_product(&self, company_id: Uuid, id: Uuid, p: &Product) -> Result<ProductRecord> {
        let at = now();
        let k = sort_keys(p);
        let mut tx = self.begin().await?;
        let row: std::result::Result<Option<Row>, sqlx::Error> = on_conn!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE products SET reference = $3, data = $4, search_text = $5, updated_at = $6, \
                 sort_reference = $7, sort_name = $8, sort_price = $9, sort_stock = $10 \
                 WHERE company_id = $1 AND id = $2 RETURNING {COLUMNS}"
            )))
            .bind(company_id)
            .bind(id)
            .bind(&p.reference)
            .bind(to_data(p))
            .bind(search_text(p))
            .bind(at)
            .bind(&k.reference)
            .bind(&k.name)
            .bind(k.price)
            .bind(k.stock)
            .fetch_optional(c)
            .await
        });
        let row = match row.map_err(StoreError::from) {
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::Invalid {
                    field: "reference".into(),
                    message: Message::new("product_reference_already_exists").with("r", format!("{:?}", p.reference)),
                });
            }
            other => other?,
        };
        let rec = row.ok_or(StoreError::NotFound("product"))?.try_into()?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Archives a product (`true`: it leaves the catalogue's lists and searches, and stays
    /// on the documents that name it) or brings it back (`false`). Archiving an archived
    /// product keeps its first date.
    pub async fn set_product_archived(&self, company_id: Uuid, id: Uuid, archived: bool) -> Result<ProductRecord> {
        let at = now();
        let set = if archived { "COALESCE(archived_at, $3)" } else { "NULL" };
        let sql = format!(
            "UPDATE products SET archived_at = {set}, updated_at = $3 WHERE company_id = $1 AND id = $2 \
             RETURNING {COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let row: Option<Row> = on_conn!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(company_id)
                .bind(id)
                .bind(at)
                .fetch_optional(c)
                .await?
        });
        let rec = row.ok_or(StoreError::NotFound("product"))?.try_into()?;
        tx.commit().await?;
        Ok(rec)
    }

    /// A page of the catalogue, newest first.
    pub async fn list_products(
        &self,
        company_id: Uuid,
        f: &ProductFilter,
    ) -> Result<(Vec<ProductRecord>, Option<Uuid>)> {
        self.list_products_in(company_id, f, ProductOrder::default()).await
    }

    /// A page of the catalogue in `order`, and the cursor of the next page.
    pub async fn list_products_in(
        &self,
        company_id: Uuid,
        f: &ProductFilter,
        order: ProductOrder,
    ) -> Result<(Vec<ProductRecord>, Option<Uuid>)> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM products WHERE company_id = "));
        q.bind(Arg::Uuid(company_id));
        if let Some(text) = &f.q {
            for word in fold(text).split_whitespace().take(8) {
                q.push(" AND search_text LIKE ")
                    .bind(Arg::Text(format!("%{}%", like_escape(word))))
                    .push(" ESCAPE '\\'");
            }
        }
        match f.archived {
            Archived::Hidden => q.push(" AND archived_at IS NULL"),
            Archived::Only => q.push(" AND archived_at IS NOT NULL"),
            Archived::Included => &mut q,
        };
        let sort = (order.sort.column(), order.sort.is_numeric()); // price and stock: integers
        if !self.push_keyset(&mut q, "products", company_id, sort, f.after, order.desc, f.limit).await? {
            return Ok((Vec::new(), None));
        }
        let rows: Vec<Row> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        page(rows, f.limit, |r| r.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_scale_prices_and_stocks_and_put_untracked_stock_last() {
        let p = |price: &str, stock: Option<&str>| Product {
            reference: "Réf-1".into(),
            name: " Câble ".into(),
            unit: UnitCode::ONE,
            unit_price: price.parse().unwrap(),
            vat: Vat::new(Decimal::from(20), None).unwrap(),
            purchase_price: None,
            stock: stock.map(|s| s.parse().unwrap()),
            nature: Nature::Goods,
        };
        let k = sort_keys(&p("12.345678", Some("-2.5")));
        assert_eq!((k.reference.as_str(), k.name.as_str()), ("ref-1", "cable"));
        assert_eq!((k.price, k.stock), (12_345_678, -25_000));
        assert_eq!(sort_keys(&p("0", None)).stock, i64::MAX);
        assert!(sort_keys(&p("0", Some("1000000000"))).stock < i64::MAX);
    }
}

//! Imports of customers and products: a whole file in one transaction, new records
//! inserted many rows per statement, existing ones (found by `core::import`'s key, or the
//! product's reference) updated in place. Two imports of one company take turns (an
//! advisory lock on PostgreSQL, the writer's turn on SQLite), and each reads what is stored
//! inside its transaction, so neither duplicates what the other wrote.

use crate::customers::{CustomerRecord, changed_fields, data_of, sort_keys};
use crate::products::{self, ProductRecord, search_text, to_data};
use crate::{Result, Stamp, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::import::{CustomerIndex, customer_keys};
use facturier_core::message::Message;
use facturier_core::party::{Customer, fold};
use facturier_core::product::Product;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use uuid::Uuid;

/// What an import run wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
}

/// Rows per multi-row `INSERT`: 500 × 10 placeholders stays under both backends' limits.
const BATCH: usize = 500;

/// A value bound to a placeholder of an import statement.
enum V {
    Uuid(Uuid),
    Text(String),
    OptText(Option<String>),
    Stamp(Stamp),
    I64(i64),
}

/// Runs one statement with its values on either backend.
async fn run(tx: &mut Tx, sql: &str, vals: Vec<V>) -> Result<()> {
    on_conn!(tx, |c| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in vals {
            q = match v {
                V::Uuid(x) => q.bind(x),
                V::Text(x) => q.bind(x),
                V::OptText(x) => q.bind(x),
                V::Stamp(x) => q.bind(x),
                V::I64(x) => q.bind(x),
            };
        }
        q.execute(&mut *c).await?;
    });
    Ok(())
}

/// `INSERT INTO {head} VALUES (…), (…)` for `rows` rows of `width` values.
fn insert_sql(head: &str, rows: usize, width: usize) -> String {
    let mut sql = format!("INSERT INTO {head} VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for k in 0..width {
            if k > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * width + k + 1));
        }
        sql.push(')');
    }
    sql
}

/// `UPDATE {table} SET col = v.columnN … FROM (VALUES ($2, …), …) AS v WHERE company_id = $1
/// AND id = v.column1`: `rows` rows of the id then `columns`, in one statement on both
/// backends (a `VALUES` list names its columns `column1`, `column2`… on both).
fn update_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let sets: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = v.column{}", i + 2)).collect();
    let width = columns.len() + 1;
    let values = insert_sql("x", rows, width);
    let values = values.trim_start_matches("INSERT INTO x ");
    // The placeholders after $1 (the company): shift every one by one.
    let mut shifted = String::with_capacity(values.len() + rows * width);
    let mut rest = values;
    while let Some(at) = rest.find('$') {
        shifted.push_str(&rest[..=at]);
        let digits: String = rest[at + 1..].chars().take_while(char::is_ascii_digit).collect();
        let n: usize = digits.parse().unwrap_or_default();
        shifted.push_str(&(n + 1).to_string());
        rest = &rest[at + 1 + digits.len()..];
    }
    shifted.push_str(rest);
    format!(
        "UPDATE {table} SET {} FROM ({shifted}) AS v WHERE {table}.company_id = $1 AND {table}.id = v.column1",
        sets.join(", ")
    )
}

/// Makes two imports of the same company and kind take turns. On SQLite every write
/// transaction already does (`BEGIN IMMEDIATE` after the writer's turn).
async fn take_turn(tx: &mut Tx, company_id: Uuid, what: &str) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("import:{what}:{company_id}"))
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Every customer of the company, oldest first (what an import matches its rows with).
    pub async fn all_customers(&self, company_id: Uuid) -> Result<Vec<CustomerRecord>> {
        let rows: Vec<crate::customers::Row> = on_pool!(self, |c| {
            sqlx::query_as("SELECT id, data, created_at, updated_at FROM customers WHERE company_id = $1 ORDER BY id")
                .bind(company_id)
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every product of the company, oldest first.
    pub async fn all_products(&self, company_id: Uuid) -> Result<Vec<ProductRecord>> {
        let rows: Vec<crate::products::Row> = on_pool!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM products WHERE company_id = $1 ORDER BY id",
                crate::products::COLUMNS
            )))
            .bind(company_id)
            .fetch_all(c)
            .await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Imports customers in one transaction: each one whose key (`core::import::customer_key`)
    /// a stored customer of the company has replaces that customer (the oldest of them),
    /// the others are added. The caller has checked the rows and merged each update over
    /// the record it found; a customer stored since is found here all the same.
    pub async fn import_customers(&self, company_id: Uuid, customers: &[Customer]) -> Result<ImportCounts> {
        self.import_customers_counted(company_id, customers, &AtomicUsize::new(0)).await
    }

    /// As [`Store::import_customers`], adding to `done` the rows dealt with as it goes (the
    /// import page's progress; the rows become visible together at the commit).
    pub async fn import_customers_counted(
        &self,
        company_id: Uuid,
        customers: &[Customer],
        done: &AtomicUsize,
    ) -> Result<ImportCounts> {
        let at = now();
        let mut tx = self.begin().await?;
        take_turn(&mut tx, company_id, "customers").await?;
        let stored: Vec<(Uuid, String)> = on_conn!(&mut tx, |c| {
            sqlx::query_as("SELECT id, data FROM customers WHERE company_id = $1 ORDER BY id")
                .bind(company_id)
                .fetch_all(&mut *c)
                .await?
        });
        let mut index = CustomerIndex::default();
        for (id, data) in stored {
            let c: Customer =
                serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("customer {id}: {e}")))?;
            index.insert(&c, (id, std::sync::Arc::new(data)));
        }
        let mut counts = ImportCounts::default();
        let mut new: Vec<(Uuid, &Customer)> = Vec::new();
        let mut changed: Vec<(Uuid, &Customer, String, Vec<String>)> = Vec::new();
        for c in customers {
            match index.find(&customer_keys(c)) {
                Some((_, (id, before))) => {
                    counts.updated += 1;
                    let data = data_of(c);
                    if data == **before {
                        continue;
                    }
                    let fields = changed_fields(before, c);
                    changed.push((*id, c, data, fields));
                }
                None => new.push((new_id(), c)),
            }
        }
        done.fetch_add(customers.len() - new.len() - changed.len(), Ordering::Relaxed);
        for chunk in changed.chunks(BATCH) {
            let mut vals = vec![V::Uuid(company_id)];
            let mut events = Vec::new();
            for (id, c, data, fields) in chunk {
                let (name_key, city_key) = sort_keys(c);
                vals.extend([
                    V::Uuid(*id),
                    V::Text(c.name.clone()),
                    V::OptText(c.activity.as_deref().map(fold)),
                    V::Text(data.clone()),
                    V::Text(c.search_text()),
                    V::Stamp(at),
                    V::Text(name_key),
                    V::Text(city_key),
                ]);
                if !fields.is_empty() {
                    events.extend([
                        V::Uuid(new_id()),
                        V::Uuid(company_id),
                        V::Uuid(*id),
                        V::Stamp(at),
                        V::Text("updated".into()),
                        V::Text(serde_json::json!({ "fields": fields }).to_string()),
                    ]);
                }
            }
            let sql = update_sql(
                "customers",
                &["name", "activity_folded", "data", "search_text", "updated_at", "sort_name", "sort_city"],
                chunk.len(),
            );
            run(&mut tx, &sql, vals).await?;
            if !events.is_empty() {
                let head = "customer_events (id, company_id, customer_id, at, event, detail)";
                run(&mut tx, &insert_sql(head, events.len() / 6, 6), events).await?;
            }
            done.fetch_add(chunk.len(), Ordering::Relaxed);
        }
        counts.created = new.len();
        for chunk in new.chunks(BATCH) {
            let mut vals = Vec::with_capacity(chunk.len() * 10);
            let mut events = Vec::with_capacity(chunk.len() * 6);
            for (id, c) in chunk {
                let (name_key, city_key) = sort_keys(c);
                vals.extend([
                    V::Uuid(*id),
                    V::Uuid(company_id),
                    V::Text(c.name.clone()),
                    V::OptText(c.activity.as_deref().map(fold)),
                    V::Text(data_of(c)),
                    V::Text(c.search_text()),
                    V::Stamp(at),
                    V::Stamp(at),
                    V::Text(name_key),
                    V::Text(city_key),
                ]);
                events.extend([
                    V::Uuid(new_id()),
                    V::Uuid(company_id),
                    V::Uuid(*id),
                    V::Stamp(at),
                    V::Text("created".into()),
                    V::Text("{}".into()),
                ]);
            }
            let head = "customers (id, company_id, name, activity_folded, data, search_text, created_at, updated_at, \
                        sort_name, sort_city)";
            run(&mut tx, &insert_sql(head, chunk.len(), 10), vals).await?;
            let head = "customer_events (id, company_id, customer_id, at, event, detail)";
            run(&mut tx, &insert_sql(head, chunk.len(), 6), events).await?;
            done.fetch_add(chunk.len(), Ordering::Relaxed);
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// Imports products in one transaction: each one whose reference the company has
    /// replaces that product, the others are added.
    pub async fn import_products(&self, company_id: Uuid, products: &[Product]) -> Result<ImportCounts> {
        self.import_products_counted(company_id, products, &AtomicUsize::new(0)).await
    }

    /// As [`Store::import_products`], adding to `done` the rows dealt with as it goes (the
    /// import page's progress; the rows become visible together at the commit).
    pub async fn import_products_counted(
        &self,
        company_id: Uuid,
        products: &[Product],
        done: &AtomicUsize,
    ) -> Result<ImportCounts> {
        let at = now();
        let mut tx = self.begin().await?;
        take_turn(&mut tx, company_id, "products").await?;
        let stored: Vec<(Uuid, String, String)> = on_conn!(&mut tx, |c| {
            sqlx::query_as("SELECT id, reference, data FROM products WHERE company_id = $1")
                .bind(company_id)
                .fetch_all(&mut *c)
                .await?
        });
        let by_reference: HashMap<String, (Uuid, String)> =
            stored.into_iter().map(|(id, reference, data)| (reference, (id, data))).collect();
        let mut counts = ImportCounts::default();
        let mut new: Vec<&Product> = Vec::new();
        let mut changed: Vec<(Uuid, String, &Product)> = Vec::new();
        for p in products {
            match by_reference.get(&p.reference) {
                Some((id, before)) => {
                    counts.updated += 1;
                    let data = to_data(p);
                    if data == *before {
                        continue;
                    }
                    changed.push((*id, data, p));
                }
                None => new.push(p),
            }
        }
        done.fetch_add(products.len() - new.len() - changed.len(), Ordering::Relaxed);
        for chunk in changed.chunks(BATCH) {
            let mut vals = vec![V::Uuid(company_id)];
            for (id, data, p) in chunk {
                let k = products::sort_keys(p);
                vals.extend([
                    V::Uuid(*id),
                    V::Text(data.clone()),
                    V::Text(search_text(p)),
                    V::Stamp(at),
                    V::Text(k.name),
                    V::I64(k.price),
                    V::I64(k.stock),
                ]);
            }
            let columns = ["data", "search_text", "updated_at", "sort_name", "sort_price", "sort_stock"];
            run(&mut tx, &update_sql("products", &columns, chunk.len()), vals).await?;
            done.fetch_add(chunk.len(), Ordering::Relaxed);
        }
        counts.created = new.len();
        for chunk in new.chunks(BATCH) {
            let mut vals = Vec::with_capacity(chunk.len() * 11);
            for p in chunk {
                let k = products::sort_keys(p);
                vals.extend([
                    V::Uuid(new_id()),
                    V::Uuid(company_id),
                    V::Text(p.reference.clone()),
                    V::Text(to_data(p)),
                    V::Text(search_text(p)),
                    V::Stamp(at),
                    V::Stamp(at),
                    V::Text(k.reference),
                    V::Text(k.name),
                    V::I64(k.price),
                    V::I64(k.stock),
                ]);
            }
            let head = "products (id, company_id, reference, data, search_text, created_at, updated_at, \
                        sort_reference, sort_name, sort_price, sort_stock)";
            match run(&mut tx, &insert_sql(head, chunk.len(), 11), vals).await {
                // The caller rejects a reference twice in its file: this is a bug, said plainly.
                Err(e) if e.is_unique_violation() => {
                    return Err(StoreError::Invalid {
                        field: "reference".into(),
                        message: Message::new("product_reference_already_exists").with("r", "?"),
                    });
                }
                other => other?,
            }
            done.fetch_add(chunk.len(), Ordering::Relaxed);
        }
        tx.commit().await?;
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_row_insert_numbers_its_placeholders_row_after_row() {
        assert_eq!(insert_sql("t (a, b)", 2, 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }

    #[test]
    fn a_batched_update_joins_a_values_list_on_the_id() {
        assert_eq!(
            update_sql("t", &["a"], 2),
            "UPDATE t SET a = v.column2 FROM (VALUES ($2, $3), ($4, $5)) AS v WHERE t.company_id = $1 AND t.id = v.column1"
        );
    }
}

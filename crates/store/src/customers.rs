//! The customer directory.

use crate::sql::{Sql, like_escape};
use crate::{Arg, Result, Stamp, Store, StoreError, bind_args, new_id, now, on_conn, on_pool};
use facturier_core::Decimal;
use facturier_core::party::{Customer, fold};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored customer.
#[derive(Clone, Debug)]
pub struct CustomerRecord {
    pub id: Uuid,
    pub customer: Customer,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Filters of the directory list.
#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    /// Every word must appear in the name, activity, city, postal code, e-mail, contacts, tags or identifiers.
    pub q: Option<String>,
    /// Activity, case and accents ignored.
    pub activity: Option<String>,
    pub limit: u32,
    /// The last customer of the previous page (in the list's order).
    pub after: Option<Uuid>,
}

/// The order of a directory list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomerOrder {
    pub sort: CustomerSort,
    pub desc: bool,
}

impl Default for CustomerOrder {
    /// Newest first.
    fn default() -> CustomerOrder {
        CustomerOrder { sort: CustomerSort::Created, desc: true }
    }
}

/// The orders the directory can be read in; each is a keyset walk of one index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CustomerSort {
    /// By creation (the id is a UUIDv7).
    #[default]
    Created,
    /// By name, case and accents ignored.
    Name,
    /// By billing city, case and accents ignored.
    City,
    /// By what the customer owes on issued invoices, in the company's currency
    /// (`open_balance`, migration 0014).
    Balance,
}

impl CustomerSort {
    /// The name used in query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerSort::Created => "created",
            CustomerSort::Name => "name",
            CustomerSort::City => "city",
            CustomerSort::Balance => "balance",
        }
    }

    /// Parses a query string's `sort` value.
    pub fn parse(s: &str) -> Option<CustomerSort> {
        match s {
            "created" => Some(CustomerSort::Created),
            "name" => Some(CustomerSort::Name),
            "city" => Some(CustomerSort::City),
            "balance" => Some(CustomerSort::Balance),
            _ => None,
        }
    }

    /// The sort column, `None` for the id itself.
    fn column(self) -> Option<&'static str> {
        match self {
            CustomerSort::Created => None,
            CustomerSort::Name => Some("sort_name"),
            CustomerSort::City => Some("sort_city"),
            CustomerSort::Balance => Some("open_balance"),
        }
    }
}

/// The keys the directory sorts on: folded name and billing city.
pub(crate) fn sort_keys(c: &Customer) -> (String, String) {
    (fold(c.name.trim()), fold(c.billing_address.city.trim()))
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: Uuid,
    data: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<Row> for CustomerRecord {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<CustomerRecord> {
        let customer =
            serde_json::from_str(&r.data).map_err(|e| StoreError::Corrupt(format!("customer {}: {e}", r.id)))?;
        Ok(CustomerRecord { id: r.id, customer, created_at: r.created_at, updated_at: r.updated_at })
    }
}

pub(crate) fn data_of(c: &Customer) -> String {
    serde_json::to_string(c).unwrap_or_default()
}

impl Store {
    /// Adds a customer.
    pub async fn insert_customer(&self, company_id: Uuid, customer: &Customer) -> Result<CustomerRecord> {
        let id = new_id();
        let at = now();
        let (name_key, city_key) = sort_keys(customer);
        let mut tx = self.begin().await?;
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO customers (id, company_id, name, activity_folded, data, search_text, created_at, updated_at, \
                 sort_name, sort_city) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)",
            )
            .bind(id)
            .bind(company_id)
            .bind(&customer.name)
            .bind(customer.activity.as_deref().map(fold))
            .bind(data_of(customer))
            .bind(customer.search_text())
            .bind(at)
            .bind(&name_key)
            .bind(&city_key)
            .execute(&mut *c)
            .await?;
        });
        customer_event(&mut tx, company_id, id, at, "created", &serde_json::json!({})).await?;
        tx.commit().await?;
        Ok(CustomerRecord { id, customer: customer.clone(), created_at: at.instant(), updated_at: at.instant() })
    }

    /// One customer of the company.
    pub async fn customer(&self, company_id: Uuid, id: Uuid) -> Result<CustomerRecord> {
        let row: Option<Row> = on_pool!(self, |c| {
            sqlx::query_as("SELECT id, data, created_at, updated_at FROM customers WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.ok_or(StoreError::NotFound("customer"))?.try_into()
    }

    /// The customers `ids` that exist, by id, in one statement (a billing run's page).
    pub async fn customers_of(&self, company_id: Uuid, ids: &[Uuid]) -> Result<HashMap<Uuid, CustomerRecord>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let marks = (0..ids.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
        let sql =
            format!("SELECT id, data, created_at, updated_at FROM customers WHERE company_id = $1 AND id IN ({marks})");
        let rows: Vec<Row> = on_pool!(self, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(company_id);
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        rows.into_iter()
            .map(|r| {
                let rec: CustomerRecord = r.try_into()?;
                Ok((rec.id, rec))
            })
            .collect()
    }

    /// A customer and its company's settings, in one statement: what a new or edited
    /// document starts from (terms, currency, addresses).
    pub async fn customer_and_settings(
        &self,
        company_id: Uuid,
        id: Uuid,
    ) -> Result<(CustomerRecord, crate::companies::CompanySettings)> {
        #[derive(sqlx::FromRow)]
        struct WithSettings {
            #[sqlx(flatten)]
            row: Row,
            settings: String,
        }
        const SQL: &str = "SELECT cu.id, cu.data, cu.created_at, cu.updated_at, co.settings FROM customers cu \
             JOIN companies co ON co.id = cu.company_id WHERE cu.company_id = $1 AND cu.id = $2";
        // Every new document comes here: on SQLite, read on this thread (`reader.rs`).
        let found: Option<WithSettings> = match self {
            Store::Sqlite(_, queue) if let Some(readers) = queue.readers() => readers.read(|c| {
                use crate::writer::{instant, query_opt, text, uuid};
                query_opt(c, SQL, &[company_id.into(), id.into()], |r| {
                    let row = Row {
                        id: uuid(r, 0)?,
                        data: text(r, 1)?,
                        created_at: instant(r, 2)?,
                        updated_at: instant(r, 3)?,
                    };
                    Ok(WithSettings { row, settings: text(r, 4)? })
                })
            })?,
            _ => on_pool!(self, |c| sqlx::query_as(SQL).bind(company_id).bind(id).fetch_optional(c).await?),
        };
        let found = found.ok_or(StoreError::NotFound("customer"))?;
        let settings =
            serde_json::from_str(&found.settings).map_err(|e| StoreError::Corrupt(format!("company settings: {e}")))?;
        Ok((found.row.try_into()?, settings))
    }

    /// Replaces a customer's record, and notes in its history which fields changed
    /// (nothing is noted when nothing changed).
    pub async fn update_customer(&self, company_id: Uuid, id: Uuid, customer: &Customer) -> Result<CustomerRecord> {
        let at = now();
        let (name_key, city_key) = sort_keys(customer);
        let mut tx = self.begin().await?;
        let before: Option<(String,)> = on_conn!(&mut tx, |c| {
            sqlx::query_as("SELECT data FROM customers WHERE company_id = $1 AND id = $2")
                .bind(company_id)
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
        });
        let (before,) = before.ok_or(StoreError::NotFound("customer"))?;
        let row: Option<Row> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "UPDATE customers SET name = $3, activity_folded = $4, data = $5, search_text = $6, updated_at = $7, \
                 sort_name = $8, sort_city = $9 \
                 WHERE company_id = $1 AND id = $2 RETURNING id, data, created_at, updated_at",
            )
            .bind(company_id)
            .bind(id)
            .bind(&customer.name)
            .bind(customer.activity.as_deref().map(fold))
            .bind(data_of(customer))
            .bind(customer.search_text())
            .bind(at)
            .bind(&name_key)
            .bind(&city_key)
            .fetch_optional(&mut *c)
            .await?
        });
        let rec = row.ok_or(StoreError::NotFound("customer"))?.try_into()?;
        let fields = changed_fields(&before, customer);
        if !fields.is_empty() {
            customer_event(&mut tx, company_id, id, at, "updated", &serde_json::json!({ "fields": fields })).await?;
        }
        tx.commit().await?;
        Ok(rec)
    }

    /// A page of the directory, newest first, and the cursor of the next page.
    pub async fn list_customers(
        &self,
        company_id: Uuid,
        f: &CustomerFilter,
    ) -> Result<(Vec<CustomerRecord>, Option<Uuid>)> {
        self.list_customers_in(company_id, f, CustomerOrder::default()).await
    }

    /// A page of the directory in `order`, and the cursor of the next page.
    pub async fn list_customers_in(
        &self,
        company_id: Uuid,
        f: &CustomerFilter,
        order: CustomerOrder,
    ) -> Result<(Vec<CustomerRecord>, Option<Uuid>)> {
        let mut q = Sql::new("SELECT id, data, created_at, updated_at FROM customers WHERE company_id = ");
        q.bind(Arg::Uuid(company_id));
        if let Some(text) = &f.q {
            let folded = fold(text);
            let words: Vec<&str> = folded.split_whitespace().take(8).collect();
            let fts = match self {
                Store::Sqlite(p, _) => sparse_fts_query(p, &words).await?,
                Store::Postgres(_) => None,
            };
            push_search(&mut q, fts, &words);
        }
        if let Some(a) = &f.activity {
            q.push(" AND activity_folded = ").bind(Arg::Text(fold(a.trim())));
        }
        let sort = order.sort.column();
        let numeric = order.sort == CustomerSort::Balance; // an integer: compared as one, not as its digits
        if !self.push_keyset(&mut q, "customers", company_id, (sort, numeric), f.after, order.desc, f.limit).await? {
            return Ok((Vec::new(), None));
        }
        let rows: Vec<Row> =
            on_pool!(self, |c| bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.as_str())), q.args.clone())
                .fetch_all(c)
                .await?);
        page(rows, f.limit, |r| r.id)
    }

    /// The customer's credit (overpayments, credit notes beyond what was due), per currency.
    pub async fn customer_credit(&self, company_id: Uuid, customer_id: Uuid) -> Result<Vec<(String, Decimal)>> {
        let rows: Vec<(String, String)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT currency, amount FROM customer_credits WHERE company_id = $1 AND customer_id = $2")
                .bind(company_id)
                .bind(customer_id)
                .fetch_all(c)
                .await?
        });
        let mut out: Vec<(String, Decimal)> = Vec::new();
        for (cur, amount) in rows {
            let a: Decimal = amount.parse().map_err(|_| StoreError::Corrupt(format!("credit amount {amount:?}")))?;
            match out.iter_mut().find(|(c, _)| *c == cur) {
                Some(e) => e.1 += a,
                None => out.push((cur, a)),
            }
        }
        Ok(out)
    }
}

/// The top-level fields of the customer's JSON that differ between `before` (stored
/// JSON) and `after`, in the record's order.
pub(crate) fn changed_fields(before: &str, after: &Customer) -> Vec<String> {
    let before: serde_json::Value = serde_json::from_str(before).unwrap_or_default();
    let after = serde_json::to_value(after).unwrap_or_default();
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else { return Vec::new() };
    let null = serde_json::Value::Null;
    a.iter().filter(|(k, v)| b.get(k.as_str()).unwrap_or(&null) != *v).map(|(k, _)| k.clone()).collect()
}

/// Writes one entry of a customer's history in `tx`.
pub(crate) async fn customer_event(
    tx: &mut crate::Tx,
    company_id: Uuid,
    customer_id: Uuid,
    at: Stamp,
    event: &str,
    detail: &serde_json::Value,
) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO customer_events (id, company_id, customer_id, at, event, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(company_id)
        .bind(customer_id)
        .bind(at)
        .bind(event)
        .bind(detail.to_string())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Above this many matches of its words, a SQLite search walks the directory newest
/// first and tests each customer, which fills a page sooner than looking each match up.
const SPARSE_MATCHES: i64 = 2000;

/// The FTS5 query of a SQLite search when its indexed words match few customers: one
/// phrase per word of three letters or more (shorter ones have no trigram), ANDed.
/// `None` when there is no such word or when they match many customers.
async fn sparse_fts_query(pool: &sqlx::SqlitePool, words: &[&str]) -> Result<Option<String>> {
    let phrases: Vec<String> =
        words.iter().filter(|w| w.chars().count() >= 3).map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect();
    if phrases.is_empty() {
        return Ok(None);
    }
    let query = phrases.join(" AND ");
    let (n,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM (SELECT 1 FROM customers_fts WHERE customers_fts MATCH $1 LIMIT $2)")
            .bind(&query)
            .bind(SPARSE_MATCHES + 1)
            .fetch_one(pool)
            .await?;
    Ok((n <= SPARSE_MATCHES).then_some(query))
}

/// Adds the conditions of a directory search: every word must be a substring of the
/// customer's folded search text. With an FTS query (SQLite, few matches) the matching
/// customers are looked up through the trigram index (migration 0005); otherwise every
/// word filters with `LIKE`, which PostgreSQL serves from its `pg_trgm` index and SQLite
/// by walking the directory until a page is full.
fn push_search(q: &mut Sql, fts: Option<String>, words: &[&str]) {
    if let Some(query) = fts {
        q.push(
            " AND id IN (SELECT k.customer_id FROM customers_fts f \
             JOIN customer_search_keys k ON k.key = f.rowid WHERE customers_fts MATCH ",
        )
        .bind(Arg::Text(query))
        .push(")");
    }
    // Under the FTS lookup these only re-check short words; they cost nothing on its few rows.
    for word in words {
        q.push(" AND search_text LIKE ").bind(Arg::Text(format!("%{}%", like_escape(word)))).push(" ESCAPE '\\'");
    }
}

impl Store {
    /// Ends a keyset page's query on `table`: after the previous page's last row `after`
    /// (a row value on the index's `(key, id)` suffix, so both planners seek to it and a
    /// page deep in the list costs what the first one does), ordered, `limit` + 1 rows.
    /// `sort` is the key column and whether it holds integers, compared as such rather
    /// than as their digits. `false`: the row `after` is gone, the page is empty.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn push_keyset(
        &self,
        q: &mut Sql,
        table: &'static str,
        company_id: Uuid,
        sort: (Option<&'static str>, bool),
        after: Option<Uuid>,
        desc: bool,
        limit: u32,
    ) -> Result<bool> {
        let (cmp, dir) = if desc { ("<", "DESC") } else { (">", "ASC") };
        match (sort.0, after) {
            (None, Some(after)) => {
                q.push(&format!(" AND id {cmp} ")).bind(Arg::Uuid(after));
            }
            (Some(col), Some(after)) => {
                let sql = format!("SELECT CAST({col} AS TEXT) FROM {table} WHERE company_id = $1 AND id = $2");
                let key: Option<(String,)> = on_pool!(self, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(company_id)
                    .bind(after)
                    .fetch_optional(c)
                    .await?);
                let key = match key {
                    Some((k,)) if sort.1 => Some(Arg::I64(
                        k.parse().map_err(|_| StoreError::Corrupt(format!("{table} {after}: sort key {k:?}")))?,
                    )),
                    other => other.map(|(k,)| Arg::Text(k)),
                };
                let Some(key) = key else { return Ok(false) };
                q.push(&format!(" AND ({col}, id) {cmp} (")).bind(key);
                q.push(", ").bind(Arg::Uuid(after)).push(")");
            }
            (_, None) => {}
        }
        match sort.0 {
            None => q.push(&format!(" ORDER BY id {dir} LIMIT ")),
            Some(col) => q.push(&format!(" ORDER BY {col} {dir}, id {dir} LIMIT ")),
        };
        q.bind(Arg::I64(i64::from(limit) + 1));
        Ok(true)
    }
}

/// Cuts a `limit + 1` fetch into a page and the cursor of the next one.
pub(crate) fn page<R, T, C>(mut rows: Vec<R>, limit: u32, cursor: impl Fn(&R) -> C) -> Result<(Vec<T>, Option<C>)>
where
    R: TryInto<T, Error = StoreError>,
{
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(&cursor) } else { None };
    let items = rows.into_iter().map(TryInto::try_into).collect::<Result<Vec<T>>>()?;
    Ok((items, next))
}

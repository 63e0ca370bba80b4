//! The two schemas agree. A fresh SQLite file and a fresh PostgreSQL database are
//! migrated, each schema is read back from its own catalogue, normalised, and compared
//! table by table: columns (type family, NOT NULL, default), primary keys, unique keys
//! (constraint or index alike), foreign keys, CHECK constraints, the other indexes by
//! name, and how many triggers fire on each event. Each migration file must also have
//! its twin of the same name on the other backend.
//!
//! Where the backends differ on purpose the difference is listed in [`ONLY_ON`] or
//! [`STORED_AS`] with its reason. An entry of [`ONLY_ON`] that no longer matches what the
//! migrations build fails the test as well, so the list stays true.

mod services;

use facturier_store::Store;
use sqlx::{PgPool, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Something that exists on one backend only, on purpose.
struct OnlyOn {
    backend: Backend,
    table: &'static str,
    item: Item,
    reason: &'static str,
}

#[derive(Clone, Copy, Debug)]
enum Item {
    /// The whole table (for an FTS5 virtual table, its shadow tables with it).
    Table,
    /// A non-unique index, by name.
    Index(&'static str),
    /// A trigger, by name.
    Trigger(&'static str),
}

const fn sqlite_only(table: &'static str, item: Item, reason: &'static str) -> OnlyOn {
    OnlyOn { backend: Backend::Sqlite, table, item, reason }
}

const fn postgres_only(table: &'static str, item: Item, reason: &'static str) -> OnlyOn {
    OnlyOn { backend: Backend::Postgres, table, item, reason }
}

/// The deliberate differences: text search is built differently on each backend
/// (FTS5 trigram tables kept by triggers on SQLite, pg_trgm GIN indexes on PostgreSQL).
#[rustfmt::skip]
const ONLY_ON: &[OnlyOn] = &[
    sqlite_only("customers_fts", Item::Table, "FTS5 trigram index of the directory (0005)"),
    sqlite_only("customer_search_keys", Item::Table, "customers_fts row keys that VACUUM keeps (0005)"),
    sqlite_only("documents_fts", Item::Table, "FTS5 trigram index of documents (0013)"),
    sqlite_only("document_search_keys", Item::Table, "documents_fts row keys that VACUUM keeps (0013)"),
    sqlite_only("documents_fts_queue", Item::Table, "documents the writer thread is to index (0015)"),
    sqlite_only("customers", Item::Index("customers_search_scan"), "covering index the directory search walks (0002)"),
    sqlite_only("customers", Item::Trigger("customers_fts_insert"), "keeps customers_fts in step (0005)"),
    sqlite_only("customers", Item::Trigger("customers_fts_update"), "keeps customers_fts in step (0005)"),
    sqlite_only("customers", Item::Trigger("customers_fts_delete"), "keeps customers_fts in step (0005)"),
    sqlite_only("documents", Item::Trigger("documents_fts_enqueue_insert"), "queues the document for indexing (0015)"),
    sqlite_only("documents", Item::Trigger("documents_fts_enqueue_update"), "queues the document for indexing (0015)"),
    sqlite_only("documents", Item::Trigger("documents_fts_delete"), "takes the document out of documents_fts (0015)"),
    sqlite_only(
        "documents",
        Item::Index("documents_of_company"),
        "a page's documents by id: SQLite's planner walked the company without it (0047)",
    ),
    sqlite_only(
        "contracts",
        Item::Index("contracts_of_company"),
        "a page's contracts by id: SQLite's planner walked the company without it (0047)",
    ),
    postgres_only("customers", Item::Index("customers_company_id"), "SQLite has customers_search_scan instead (0002)"),
    postgres_only("customers", Item::Index("customers_search"), "pg_trgm GIN index of the directory (0001)"),
    postgres_only("documents", Item::Index("documents_search"), "pg_trgm GIN index of documents (0013)"),
    postgres_only("products", Item::Index("products_search"), "pg_trgm GIN index; SQLite scans a company's products"),
];

/// Types SQLite has no name for, the family it keeps them in instead, and how.
const STORED_AS: &[(Family, Family, &str)] = &[
    (Family::Date, Family::Text, "ISO 8601 text, YYYY-MM-DD"),
    (Family::Instant, Family::Text, "fixed-width UTC text (crates/store/src/stamp.rs)"),
    (Family::Boolean, Family::Integer, "0 or 1"),
];

// A primary key column is NOT NULL on PostgreSQL by definition. SQLite lets one that is
// not an INTEGER PRIMARY KEY hold NULL unless declared NOT NULL, a quirk it keeps for
// compatibility: 22 of the 42 primary key columns of the shared tables would accept a
// NULL there. The SQLite reader counts primary key columns as NOT NULL: every id the
// store writes is a bound value, and making SQLite refuse NULL would mean rebuilding
// 22 tables.

/// A column type, as far as both backends can say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Text,
    Integer,
    Real,
    Numeric,
    Boolean,
    /// Byte strings, uuids included (16-byte blobs on SQLite).
    Bytes,
    Date,
    Instant,
    Json,
    Other,
}

impl Family {
    /// SQLite's declared type, by its affinity rules (section 3.1 of "Datatypes In
    /// SQLite"), plus the names sqlx's own table declares.
    fn of_sqlite(declared: &str) -> Family {
        let t = declared.to_ascii_uppercase();
        match t.as_str() {
            "DATE" => return Family::Date,
            "TIMESTAMP" | "DATETIME" | "TIMESTAMPTZ" => return Family::Instant,
            "BOOLEAN" | "BOOL" => return Family::Boolean,
            _ => {}
        }
        if t.contains("INT") {
            Family::Integer
        } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
            Family::Text
        } else if t.is_empty() || t.contains("BLOB") {
            Family::Bytes
        } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
            Family::Real
        } else {
            Family::Numeric
        }
    }

    /// PostgreSQL's `information_schema.columns.data_type`.
    fn of_postgres(data_type: &str) -> Family {
        match data_type {
            "text" | "character varying" | "character" => Family::Text,
            "smallint" | "integer" | "bigint" => Family::Integer,
            "real" | "double precision" => Family::Real,
            "numeric" => Family::Numeric,
            "boolean" => Family::Boolean,
            "uuid" | "bytea" => Family::Bytes,
            "date" => Family::Date,
            "timestamp with time zone" | "timestamp without time zone" => Family::Instant,
            "json" | "jsonb" => Family::Json,
            _ => Family::Other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Column {
    /// As declared, for the report.
    declared: String,
    family: Family,
    not_null: bool,
    /// The default's text without PostgreSQL's casts (`'x'::text` reads `'x'`).
    default: Option<String>,
}

impl Column {
    fn new(declared: &str, family: Family, not_null: bool, default: Option<&str>) -> Column {
        Column { declared: declared.to_string(), family, not_null, default: default.map(normalise_default) }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.declared, if self.not_null { " NOT NULL" } else { " NULL" })?;
        if let Some(d) = &self.default {
            write!(f, " DEFAULT {d}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
    /// Unique keys, whether declared as a constraint or as a unique index, described as
    /// their column list (and predicate, if partial).
    unique: BTreeSet<String>,
    /// `(columns) → table (columns) ON DELETE … ON UPDATE …`.
    foreign_keys: BTreeSet<String>,
    /// CHECK constraints, described as the columns they read and the values they name.
    checks: BTreeSet<String>,
    /// Non-unique indexes by name, described as their key list (and predicate).
    indexes: BTreeMap<String, String>,
    /// Triggers by the event that fires them (`AFTER UPDATE OF a, b`), each event with
    /// the names of its triggers. PostgreSQL lists a trigger once per event it fires on.
    triggers: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Schema {
    tables: BTreeMap<String, Table>,
}

/// One way in which the two schemas disagree.
#[derive(Debug, PartialEq, Eq)]
struct Difference {
    table: String,
    what: String,
    sqlite: String,
    postgres: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}\n    sqlite:   {}\n    postgres: {}", self.table, self.what, self.sqlite, self.postgres)
    }
}

const ABSENT: &str = "(none)";

fn or_absent<T: fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| ABSENT.to_string(), |v| v.to_string())
}

/// Whether SQLite's family `s` holds PostgreSQL's family `p`.
fn families_agree(s: Family, p: Family) -> bool {
    s == p || STORED_AS.iter().any(|&(pg, lite, _)| pg == p && lite == s)
}

/// Every way `sqlite` and `postgres` disagree, table by table.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.tables.keys().chain(postgres.tables.keys()).collect();
    for name in names {
        let (s, p) = match (sqlite.tables.get(name), postgres.tables.get(name)) {
            (Some(s), Some(p)) => (s, p),
            (s, p) => {
                let cols = |t: &Table| t.columns.keys().cloned().collect::<Vec<_>>().join(", ");
                out.push(Difference {
                    table: name.clone(),
                    what: "table".into(),
                    sqlite: or_absent(s.map(|t| format!("({})", cols(t)))),
                    postgres: or_absent(p.map(|t| format!("({})", cols(t)))),
                });
                continue;
            }
        };
        let mut diff = |what: String, sqlite: String, postgres: String| {
            out.push(Difference { table: name.clone(), what, sqlite, postgres });
        };

        let columns: BTreeSet<&String> = s.columns.keys().chain(p.columns.keys()).collect();
        for c in columns {
            let (sc, pc) = (s.columns.get(c), p.columns.get(c));
            let agree = match (sc, pc) {
                (Some(sc), Some(pc)) => {
                    families_agree(sc.family, pc.family) && sc.not_null == pc.not_null && sc.default == pc.default
                }
                _ => false,
            };
            if !agree {
                diff(format!("column {c}"), or_absent(sc), or_absent(pc));
            }
        }

        if s.primary_key != p.primary_key {
            let show = |k: &Vec<String>| if k.is_empty() { ABSENT.to_string() } else { format!("({})", k.join(", ")) };
            diff("primary key".into(), show(&s.primary_key), show(&p.primary_key));
        }

        for key in s.unique.symmetric_difference(&p.unique) {
            let here = |set: &BTreeSet<String>| or_absent(set.contains(key).then_some(key));
            diff(format!("unique key {key}"), here(&s.unique), here(&p.unique));
        }

        for fk in s.foreign_keys.symmetric_difference(&p.foreign_keys) {
            let here = |set: &BTreeSet<String>| or_absent(set.contains(fk).then_some(fk));
            diff(format!("foreign key {fk}"), here(&s.foreign_keys), here(&p.foreign_keys));
        }

        for check in s.checks.symmetric_difference(&p.checks) {
            let here = |set: &BTreeSet<String>| or_absent(set.contains(check).then_some(check));
            diff(format!("check {check}"), here(&s.checks), here(&p.checks));
        }

        let indexes: BTreeSet<&String> = s.indexes.keys().chain(p.indexes.keys()).collect();
        for i in indexes {
            let (si, pi) = (s.indexes.get(i), p.indexes.get(i));
            if si != pi {
                diff(format!("index {i}"), or_absent(si), or_absent(pi));
            }
        }

        // Names differ legitimately (SQLite needs a trigger per event where PostgreSQL
        // has one for several); what must agree is how many fire on each event.
        let events: BTreeSet<&String> = s.triggers.keys().chain(p.triggers.keys()).collect();
        for e in events {
            let (st, pt) = (s.triggers.get(e), p.triggers.get(e));
            if st.map_or(0, BTreeSet::len) != pt.map_or(0, BTreeSet::len) {
                let show = |t: Option<&BTreeSet<String>>| {
                    or_absent(t.map(|t| t.iter().cloned().collect::<Vec<_>>().join(", ")))
                };
                diff(format!("triggers {e}"), show(st), show(pt));
            }
        }
    }
    out
}

/// Takes each deliberate difference of `list` out of both schemas. Returns the entries
/// that no longer hold: the item is missing from its backend, or present on both.
fn set_aside(sqlite: &mut Schema, postgres: &mut Schema, list: &[OnlyOn]) -> Vec<String> {
    let mut stale = Vec::new();
    for e in list {
        let (own, other) = match e.backend {
            Backend::Sqlite => (&mut *sqlite, &*postgres),
            Backend::Postgres => (&mut *postgres, &*sqlite),
        };
        let (found, elsewhere) = match e.item {
            Item::Table => (own.tables.remove(e.table).is_some(), other.tables.contains_key(e.table)),
            Item::Index(i) => (
                own.tables.get_mut(e.table).and_then(|t| t.indexes.remove(i)).is_some(),
                other.tables.get(e.table).is_some_and(|t| t.indexes.contains_key(i)),
            ),
            Item::Trigger(name) => {
                let found = own.tables.get_mut(e.table).is_some_and(|t| {
                    let mut found = false;
                    for names in t.triggers.values_mut() {
                        found |= names.remove(name);
                    }
                    t.triggers.retain(|_, names| !names.is_empty());
                    found
                });
                let elsewhere =
                    other.tables.get(e.table).is_some_and(|t| t.triggers.values().any(|names| names.contains(name)));
                (found, elsewhere)
            }
        };
        if !found || elsewhere {
            stale.push(format!(
                "{}: {:?} is listed as {}-only ({}) but is {}",
                e.table,
                e.item,
                e.backend,
                e.reason,
                if found { "on both backends" } else { "not there" }
            ));
        }
    }
    stale
}

// ---------------------------------------------------------------------------------------
// Normalising index keys and SQL fragments.

/// A column default as both backends can say it: PostgreSQL shows it with its type
/// (`'recorded'::text`) and says `now()` for SQLite's `CURRENT_TIMESTAMP`.
fn normalise_default(sql: &str) -> String {
    let d = strip_casts(sql);
    if d.eq_ignore_ascii_case("now()") { "CURRENT_TIMESTAMP".to_string() } else { d }
}

/// `'recorded'::text` → `'recorded'`.
fn strip_casts(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if !quoted && c == ':' && chars.peek() == Some(&':') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ' ') {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

/// The table's columns an SQL expression mentions, sorted: the two backends spell the
/// same expression differently (`CAST(gross AS NUMERIC)` reads back `(gross)::numeric`
/// on PostgreSQL), so an expression is compared by what it reads.
fn mentioned(sql: &str, columns: &BTreeMap<String, Column>) -> String {
    let mut unquoted = String::new();
    let mut quoted = false;
    for c in sql.chars() {
        if c == '\'' {
            quoted = !quoted;
            unquoted.push(' ');
        } else if !quoted {
            unquoted.push(c);
        }
    }
    let words: BTreeSet<&str> = unquoted
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| columns.contains_key(*w))
        .collect();
    words.into_iter().collect::<Vec<_>>().join(", ")
}

/// A CHECK constraint by the columns it reads and the string values it names, sorted:
/// SQLite keeps `status IN ('a', 'b')` as written, PostgreSQL reads it back as
/// `status = ANY (ARRAY['a'::text, 'b'::text])`. A value added on one side only shows.
fn describe_check(sql: &str, columns: &BTreeMap<String, Column>) -> String {
    let mut values = BTreeSet::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    break;
                }
            }
            value.push(c);
        }
        values.insert(format!("'{value}'"));
    }
    format!("on ({}) values [{}]", mentioned(sql, columns), values.into_iter().collect::<Vec<_>>().join(", "))
}

/// SQL text without its `--` and `/* */` comments (SQLite keeps them in
/// `sqlite_master.sql`, apostrophes and keywords included).
fn without_comments(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && c == '-' && chars.peek() == Some(&'-') {
            while chars.next_if(|&c| c != '\n').is_some() {}
            continue;
        } else if !quoted && c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut last = ' ';
            for c in chars.by_ref() {
                if last == '*' && c == '/' {
                    break;
                }
                last = c;
            }
            out.push(' ');
            continue;
        }
        out.push(c);
    }
    out
}

/// The bodies of the CHECK clauses of SQLite's `CREATE TABLE` text.
fn sqlite_checks(sql: &str) -> Vec<String> {
    let sql: Vec<char> = without_comments(sql).chars().collect();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < sql.len() {
        if sql[i] == '\'' {
            quoted = !quoted;
        }
        let keyword = sql.len() >= i + 5
            && sql[i..i + 5].iter().collect::<String>().eq_ignore_ascii_case("CHECK")
            && (i == 0 || !is_word(sql[i - 1]))
            && sql.get(i + 5).is_none_or(|&c| !is_word(c));
        if !quoted && keyword {
            let mut open = i + 5;
            while sql.get(open).is_some_and(|c| c.is_whitespace()) {
                open += 1;
            }
            let (mut depth, mut inner_quoted) = (0, false);
            for k in open..sql.len() {
                match sql[k] {
                    '\'' => inner_quoted = !inner_quoted,
                    '(' if !inner_quoted => depth += 1,
                    ')' if !inner_quoted => {
                        depth -= 1;
                        if depth == 0 {
                            out.push(sql[open + 1..k].iter().collect());
                            i = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        i += 1;
    }
    out
}

/// One key of an index: the column's name, or `expr(columns it reads)`.
fn key_part(sql: &str, desc: bool, columns: &BTreeMap<String, Column>) -> String {
    let bare = sql.trim().trim_matches('"');
    let part = if columns.contains_key(bare) { bare.to_string() } else { format!("expr({})", mentioned(sql, columns)) };
    if desc { format!("{part} DESC") } else { part }
}

/// `(a, b, expr(c))`, then ` WHERE expr(d)` for a partial index, prefixed with the
/// access method when it is not a b-tree.
fn describe_index(
    method: &str,
    parts: &[String],
    predicate: Option<&str>,
    columns: &BTreeMap<String, Column>,
) -> String {
    let mut d = if method == "btree" { String::new() } else { format!("{method} ") };
    d.push_str(&format!("({})", parts.join(", ")));
    if let Some(p) = predicate {
        d.push_str(&format!(" WHERE expr({})", mentioned(p, columns)));
    }
    d
}

/// Splits `a, f(b, c), d` at its top-level commas.
fn split_top_level(list: &str) -> Vec<String> {
    let (mut parts, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0, false);
    for c in list.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts
}

/// The key list and WHERE clause of SQLite's `CREATE [UNIQUE] INDEX name ON t (…) WHERE …`.
fn parse_sqlite_index(sql: &str) -> (Vec<String>, Option<String>) {
    let sql = without_comments(sql);
    let open = sql.find('(').unwrap_or_else(|| panic!("no key list in {sql}"));
    let mut depth = 0;
    let mut close = None;
    for (i, c) in sql[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close.unwrap_or_else(|| panic!("unbalanced key list in {sql}"));
    let rest = sql[close + 1..].trim();
    let predicate = rest.get(..5).filter(|w| w.eq_ignore_ascii_case("where")).map(|_| rest[5..].trim().to_string());
    (split_top_level(&sql[open + 1..close]), predicate)
}

/// The event of SQLite's `CREATE TRIGGER name [BEFORE|AFTER|INSTEAD OF] event ON table`,
/// as `AFTER UPDATE OF a, b` (columns sorted).
fn parse_sqlite_trigger(sql: &str) -> String {
    let sql = without_comments(sql);
    let words: Vec<String> =
        sql.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).map(str::to_string).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let mut i = upper.iter().position(|w| w == "TRIGGER").unwrap_or_else(|| panic!("not a trigger: {sql}")) + 1;
    if upper.get(i).map(String::as_str) == Some("IF") {
        i += 3;
    }
    i += 1; // the name
    let timing = match upper.get(i).map(String::as_str) {
        Some("BEFORE") | Some("AFTER") => {
            i += 1;
            upper[i - 1].clone()
        }
        Some("INSTEAD") => {
            i += 2;
            "INSTEAD OF".to_string()
        }
        _ => "BEFORE".to_string(),
    };
    let event = upper.get(i).cloned().unwrap_or_else(|| panic!("no event in {sql}"));
    if event == "UPDATE" && upper.get(i + 1).map(String::as_str) == Some("OF") {
        let end = upper[i + 2..].iter().position(|w| w == "ON").map_or(upper.len(), |k| i + 2 + k);
        let mut cols: Vec<&str> = words[i + 2..end].iter().map(|w| w.trim_matches('"')).collect();
        cols.sort_unstable();
        format!("{timing} UPDATE OF {}", cols.join(", "))
    } else {
        format!("{timing} {event}")
    }
}

/// `(a) → t (b) ON DELETE … ON UPDATE …`.
fn describe_fk(from: &[String], target: &str, to: &[String], on_delete: &str, on_update: &str) -> String {
    format!("({}) → {target} ({}) ON DELETE {on_delete} ON UPDATE {on_update}", from.join(", "), to.join(", "))
}

// ---------------------------------------------------------------------------------------
// Reading each catalogue.

/// A row of `pragma_foreign_key_list`: one column of the key numbered `id`.
#[derive(sqlx::FromRow)]
struct SqliteForeignKey {
    id: i64,
    target: String,
    from_column: String,
    to_column: Option<String>,
    on_delete: String,
    on_update: String,
}

async fn read_sqlite(pool: &SqlitePool) -> Schema {
    let objects: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
            .fetch_all(pool)
            .await
            .expect("read sqlite_master");
    let virtual_tables: Vec<&str> = objects
        .iter()
        .filter(|(kind, _, _, sql)| {
            kind == "table"
                && sql.as_deref().is_some_and(|s| s.to_ascii_uppercase().starts_with("CREATE VIRTUAL TABLE"))
        })
        .map(|(_, name, _, _)| name.as_str())
        .collect();
    // FTS5 keeps its index in shadow tables `<table>_data`, `_idx`, `_content`, `_docsize`
    // and `_config`: they are part of the virtual table, which is compared (or listed)
    // as one. Tables named `sqlite_…` belong to SQLite itself.
    let shadow = |name: &str| {
        virtual_tables.iter().any(|v| {
            name.strip_prefix(v)
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|s| ["data", "idx", "content", "docsize", "config"].contains(&s))
        })
    };
    let mut schema = Schema::default();
    for (_, name, _, _) in objects.iter().filter(|(kind, ..)| kind == "table") {
        if name.starts_with("sqlite_") || shadow(name) {
            continue;
        }
        let mut table = Table::default();
        let cols: Vec<(String, String, i64, Option<String>, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid")
                .bind(name)
                .fetch_all(pool)
                .await
                .expect("read pragma_table_info");
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (col, declared, not_null, default, pk_pos) in cols {
            if pk_pos > 0 {
                pk.push((pk_pos, col.clone()));
            }
            let column =
                Column::new(&declared, Family::of_sqlite(&declared), not_null != 0 || pk_pos > 0, default.as_deref());
            table.columns.insert(col, column);
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        let create = objects.iter().find(|(k, n, ..)| k == "table" && n == name).and_then(|(.., sql)| sql.as_deref());
        for check in sqlite_checks(create.unwrap_or_default()) {
            table.checks.insert(describe_check(&check, &table.columns));
        }

        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)")
                .bind(name)
                .fetch_all(pool)
                .await
                .expect("read pragma_index_list");
        for (index, unique, origin, _) in indexes {
            if origin == "pk" {
                continue; // read from pragma_table_info above
            }
            let keys: Vec<(i64, Option<String>, i64)> =
                sqlx::query_as("SELECT cid, name, \"desc\" FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await
                    .expect("read pragma_index_xinfo");
            let sql =
                objects.iter().find(|(k, n, _, _)| k == "index" && *n == index).and_then(|(_, _, _, sql)| sql.clone());
            let (texts, predicate) = sql.as_deref().map(parse_sqlite_index).unwrap_or_default();
            let parts: Vec<String> = keys
                .iter()
                .enumerate()
                .map(|(k, (cid, col, desc))| match (cid, col) {
                    (-2, _) => key_part(texts.get(k).map_or("", String::as_str), *desc != 0, &table.columns),
                    (_, Some(col)) => key_part(col, *desc != 0, &table.columns),
                    _ => panic!("index {index}: key {k} has neither a column nor an expression"),
                })
                .collect();
            let described = describe_index("btree", &parts, predicate.as_deref(), &table.columns);
            if unique != 0 {
                table.unique.insert(described);
            } else {
                table.indexes.insert(index, described);
            }
        }
        schema.tables.insert(name.clone(), table);
    }

    // Foreign keys once every table is read: a reference without columns means the
    // target's primary key.
    let names: Vec<String> = schema.tables.keys().cloned().collect();
    for name in names {
        let rows: Vec<SqliteForeignKey> = sqlx::query_as(
            "SELECT id, \"table\" AS target, \"from\" AS from_column, \"to\" AS to_column, on_delete, on_update
             FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("read pragma_foreign_key_list");
        let mut keys: BTreeMap<i64, Vec<SqliteForeignKey>> = BTreeMap::new();
        for row in rows {
            keys.entry(row.id).or_default().push(row);
        }
        for rows in keys.into_values() {
            let SqliteForeignKey { target, on_delete, on_update, .. } = &rows[0];
            let from: Vec<String> = rows.iter().map(|r| r.from_column.clone()).collect();
            let to: Vec<String> = if rows.iter().all(|r| r.to_column.is_none()) {
                schema.tables.get(target).map(|t| t.primary_key.clone()).unwrap_or_default()
            } else {
                rows.iter().map(|r| r.to_column.clone().unwrap_or_default()).collect()
            };
            let fk = describe_fk(&from, target, &to, on_delete, on_update);
            if let Some(t) = schema.tables.get_mut(&name) {
                t.foreign_keys.insert(fk);
            }
        }
    }

    for (_, trigger, table, sql) in objects.iter().filter(|(kind, ..)| kind == "trigger") {
        let event = parse_sqlite_trigger(sql.as_deref().unwrap_or_default());
        if let Some(t) = schema.tables.get_mut(table) {
            t.triggers.entry(event).or_default().insert(trigger.clone());
        }
    }
    schema
}

/// A row of `pg_index`, its keys as PostgreSQL writes them back.
#[derive(sqlx::FromRow)]
struct PgIndex {
    table_name: String,
    index_name: String,
    is_unique: bool,
    is_primary: bool,
    method: String,
    keys: Vec<String>,
    descending: Vec<bool>,
    predicate: Option<String>,
}

/// A foreign key of `pg_constraint`, its actions as one-letter codes.
#[derive(sqlx::FromRow)]
struct PgForeignKey {
    table_name: String,
    target: String,
    from_columns: Vec<String>,
    to_columns: Vec<String>,
    on_delete: String,
    on_update: String,
}

async fn read_postgres(pool: &PgPool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(pool)
    .await
    .expect("read information_schema.tables");
    for (t,) in tables {
        schema.tables.insert(t, Table::default());
    }

    let columns: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, column_default::text
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .expect("read information_schema.columns");
    for (table, column, data_type, nullable, default) in columns {
        if let Some(t) = schema.tables.get_mut(&table) {
            let c = Column::new(&data_type, Family::of_postgres(&data_type), nullable == "NO", default.as_deref());
            t.columns.insert(column, c);
        }
    }

    let indexes: Vec<PgIndex> = sqlx::query_as(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique,
                ix.indisprimary AS is_primary, am.amname::text AS method,
                ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                      FROM generate_series(1, ix.indnkeyatts::int) AS k ORDER BY k) AS keys,
                ARRAY(SELECT COALESCE(pg_index_column_has_property(ix.indexrelid, k, 'desc'), false)
                      FROM generate_series(1, ix.indnkeyatts::int) AS k ORDER BY k) AS descending,
                pg_get_expr(ix.indpred, ix.indrelid) AS predicate
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_am am ON am.oid = i.relam
         WHERE n.nspname = 'public'",
    )
    .fetch_all(pool)
    .await
    .expect("read pg_index");
    for PgIndex { table_name, index_name, is_unique, is_primary, method, keys, descending, predicate } in indexes {
        let Some(t) = schema.tables.get_mut(&table_name) else { continue };
        if is_primary {
            t.primary_key = keys.iter().map(|k| k.trim_matches('"').to_string()).collect();
            continue;
        }
        let parts: Vec<String> = keys
            .iter()
            .zip(descending.iter().chain(std::iter::repeat(&false)))
            .map(|(k, d)| key_part(k, *d, &t.columns))
            .collect();
        let described = describe_index(&method, &parts, predicate.as_deref(), &t.columns);
        if is_unique {
            t.unique.insert(described);
        } else {
            t.indexes.insert(index_name, described);
        }
    }

    let fks: Vec<PgForeignKey> = sqlx::query_as(
        "SELECT t.relname::text AS table_name, f.relname::text AS target,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(n, o)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS from_columns,
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(n, o)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS to_columns,
                c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_class f ON f.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(pool)
    .await
    .expect("read pg_constraint");
    let action = |code: &str| match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => panic!("unknown foreign key action {other:?}"),
    };
    for PgForeignKey { table_name, target, from_columns, to_columns, on_delete, on_update } in fks {
        if let Some(t) = schema.tables.get_mut(&table_name) {
            let fk = describe_fk(&from_columns, &target, &to_columns, action(&on_delete), action(&on_update));
            t.foreign_keys.insert(fk);
        }
    }

    let checks: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.relname::text, pg_get_constraintdef(c.oid, true)
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE c.contype = 'c' AND n.nspname = 'public'",
    )
    .fetch_all(pool)
    .await
    .expect("read pg_constraint");
    for (table, definition) in checks {
        if let Some(t) = schema.tables.get_mut(&table) {
            let body = definition.trim_start_matches("CHECK").trim();
            t.checks.insert(describe_check(body, &t.columns));
        }
    }

    // information_schema.triggers leaves out the internal triggers of foreign keys.
    let triggers: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT t.trigger_name::text, t.event_object_table::text, t.action_timing::text,
                t.event_manipulation::text, t.action_orientation::text,
                COALESCE((SELECT string_agg(u.event_object_column::text, ', ' ORDER BY u.event_object_column::text)
                          FROM information_schema.triggered_update_columns u
                          WHERE u.trigger_schema = t.trigger_schema AND u.trigger_name = t.trigger_name
                            AND u.event_object_table = t.event_object_table), '')
         FROM information_schema.triggers t WHERE t.trigger_schema = 'public'",
    )
    .fetch_all(pool)
    .await
    .expect("read information_schema.triggers");
    for (name, table, timing, event, orientation, columns) in triggers {
        let mut e = format!("{timing} {event}");
        if event == "UPDATE" && !columns.is_empty() {
            e.push_str(&format!(" OF {columns}"));
        }
        // SQLite has only row triggers.
        if orientation != "ROW" {
            e.push_str(&format!(" FOR EACH {orientation}"));
        }
        if let Some(t) = schema.tables.get_mut(&table) {
            t.triggers.entry(e).or_default().insert(name);
        }
    }
    schema
}

fn report(stale: &[String], diffs: &[Difference]) -> String {
    let mut r = String::new();
    if !diffs.is_empty() {
        r.push_str(&format!(
            "the SQLite and PostgreSQL migrations build different schemas ({} differences); fix them in a new \
             migration for both backends, or list a deliberate one in ONLY_ON with its reason:\n",
            diffs.len()
        ));
        for d in diffs {
            r.push_str(&format!("  {d}\n"));
        }
    }
    if !stale.is_empty() {
        r.push_str("entries of ONLY_ON that no longer hold (remove or correct them):\n");
        for s in stale {
            r.push_str(&format!("  {s}\n"));
        }
    }
    r
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_build_the_same_schema() {
    let Some((postgres, name)) = services::postgres_store("facturier_schema").await else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = services::sqlite_store(dir.path(), "schema.db").await;

    let (Store::Sqlite(lite, _), Store::Postgres(pg)) = (&sqlite, &postgres) else {
        panic!("Store::connect chose the wrong backend")
    };
    let mut s = read_sqlite(lite).await;
    let mut p = read_postgres(pg).await;
    services::drop_postgres(postgres, &name).await;

    // The readers found something: an empty catalogue would agree with anything.
    for (backend, schema) in [("sqlite", &s), ("postgres", &p)] {
        assert!(schema.tables.contains_key("documents"), "{backend}: no documents table read back");
        let t = &schema.tables["documents"];
        assert!(!t.columns.is_empty() && !t.indexes.is_empty() && !t.foreign_keys.is_empty(), "{backend}: {t:?}");
    }
    let count = |s: &Schema| {
        let n = |f: fn(&Table) -> usize| s.tables.values().map(f).sum::<usize>();
        let (tables, columns) = (s.tables.len(), n(|t| t.columns.len()));
        let (indexes, foreign_keys) = (n(|t| t.indexes.len() + t.unique.len()), n(|t| t.foreign_keys.len()));
        let (checks, triggers) = (n(|t| t.checks.len()), n(|t| t.triggers.values().map(BTreeSet::len).sum()));
        format!(
            "{tables} tables, {columns} columns, {indexes} indexes, {foreign_keys} foreign keys, {checks} checks, \
             {triggers} trigger events"
        )
    };
    eprintln!("read: sqlite {}; postgres {}", count(&s), count(&p));

    let stale = set_aside(&mut s, &mut p, ONLY_ON);
    let diffs = differences(&s, &p);
    assert!(stale.is_empty() && diffs.is_empty(), "{}", report(&stale, &diffs));
}

/// Migrations one backend has and the other has not, and why.
const MIGRATION_ONLY_ON: &[(Backend, &str, &str)] = &[
    (Backend::Sqlite, "0005_customer_search_fts.sql", "FTS5 directory search; PostgreSQL's GIN index came in 0001"),
    (Backend::Sqlite, "0015_document_search_queue.sql", "FTS5 indexing moved to the writer thread"),
];

/// The files of a migrations directory, sorted.
fn migration_files(backend: Backend) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend.to_string());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    files.sort();
    files
}

/// Migrations without a twin of the same number and name on the other backend, and
/// entries of `only_on` that no longer hold.
fn unpaired(sqlite: &[String], postgres: &[String], only_on: &[(Backend, &str, &str)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (mine, theirs, backend) in [(sqlite, postgres, Backend::Sqlite), (postgres, sqlite, Backend::Postgres)] {
        for file in mine.iter().filter(|f| !theirs.contains(f)) {
            if !only_on.iter().any(|(b, name, _)| *b == backend && name == file) {
                problems.push(format!("{file} is only in migrations/{backend}"));
            }
        }
    }
    for (backend, file, reason) in only_on {
        let (mine, theirs) = match backend {
            Backend::Sqlite => (sqlite, postgres),
            Backend::Postgres => (postgres, sqlite),
        };
        let file = file.to_string();
        if !mine.contains(&file) || theirs.contains(&file) {
            problems.push(format!("{file} is listed as {backend}-only ({reason}) but is not"));
        }
    }
    problems
}

/// A schema change is written for both backends under the same number and name, so
/// that a database of either kind at version N has the same tables.
#[test]
fn each_migration_has_its_twin_on_the_other_backend() {
    let problems = unpaired(&migration_files(Backend::Sqlite), &migration_files(Backend::Postgres), MIGRATION_ONLY_ON);
    assert!(problems.is_empty(), "migrations out of step:\n  {}", problems.join("\n  "));
}

#[test]
fn a_migration_without_its_twin_is_reported() {
    let files = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let sqlite = files(&["0001_a.sql", "0002_fts.sql", "0003_c.sql"]);
    let postgres = files(&["0001_a.sql", "0003_c.sql", "0004_d.sql"]);
    let only = [(Backend::Sqlite, "0002_fts.sql", "search"), (Backend::Postgres, "0003_c.sql", "stale")];
    assert_eq!(
        unpaired(&sqlite, &postgres, &only),
        ["0004_d.sql is only in migrations/postgres", "0003_c.sql is listed as postgres-only (stale) but is not"]
    );
}

// ---------------------------------------------------------------------------------------
// The comparison itself, on hand-made schemas: it must be able to fail.

fn col(declared: &str, family: Family, not_null: bool) -> Column {
    Column::new(declared, family, not_null, None)
}

/// A small schema as SQLite would read it: `invoices` referencing `customers`.
fn small_sqlite() -> Schema {
    let mut customers = Table::default();
    customers.columns.insert("id".into(), col("BLOB", Family::Bytes, true));
    customers.primary_key = vec!["id".into()];
    let mut invoices = Table::default();
    invoices.columns.insert("id".into(), col("BLOB", Family::Bytes, true));
    invoices.columns.insert("customer_id".into(), col("BLOB", Family::Bytes, true));
    invoices.columns.insert("issued_on".into(), col("TEXT", Family::Text, false));
    invoices.columns.insert("paid".into(), col("INTEGER", Family::Integer, true));
    invoices.primary_key = vec!["id".into()];
    invoices.unique.insert("(customer_id, issued_on)".into());
    invoices.indexes.insert("invoices_by_customer".into(), "(customer_id, id)".into());
    invoices.checks.insert("on (paid) values ['no', 'yes']".into());
    invoices.foreign_keys.insert(describe_fk(
        &["customer_id".into()],
        "customers",
        &["id".into()],
        "NO ACTION",
        "NO ACTION",
    ));
    invoices.triggers.insert("AFTER INSERT".into(), BTreeSet::from(["invoices_insert".into()]));
    Schema { tables: BTreeMap::from([("customers".into(), customers), ("invoices".into(), invoices)]) }
}

/// The same schema as PostgreSQL would read it: native types SQLite stores otherwise.
fn small_postgres() -> Schema {
    let mut s = small_sqlite();
    for t in s.tables.values_mut() {
        for c in t.columns.values_mut() {
            if c.family == Family::Bytes {
                *c = col("uuid", Family::Bytes, true);
            }
        }
    }
    let invoices = s.tables.get_mut("invoices").unwrap();
    invoices.columns.insert("issued_on".into(), col("date", Family::Date, false));
    invoices.columns.insert("paid".into(), col("boolean", Family::Boolean, true));
    s
}

#[test]
fn types_sqlite_cannot_name_agree_with_what_it_stores() {
    assert_eq!(differences(&small_sqlite(), &small_postgres()), vec![]);
}

#[test]
fn every_kind_of_disagreement_is_reported_with_both_sides() {
    let sqlite = small_sqlite();
    let mut pg = small_postgres();
    let invoices = pg.tables.get_mut("invoices").unwrap();
    invoices.columns.insert("issued_on".into(), col("date", Family::Date, true)); // NOT NULL here only
    invoices.columns.insert("paid".into(), col("text", Family::Text, true)); // another family
    invoices.columns.insert("note".into(), col("text", Family::Text, false)); // extra column
    invoices.unique.clear(); // unique key missing
    invoices.indexes.insert("invoices_by_customer".into(), "(customer_id)".into()); // other keys
    invoices.foreign_keys.clear(); // foreign key missing
    invoices.triggers.clear(); // trigger missing
    invoices.checks = BTreeSet::from(["on (paid) values ['maybe', 'no', 'yes']".into()]); // one more value
    pg.tables.insert("extra".into(), Table::default());

    let diffs = differences(&sqlite, &pg);
    let found: Vec<(&str, &str, &str, &str)> =
        diffs.iter().map(|d| (d.table.as_str(), d.what.as_str(), d.sqlite.as_str(), d.postgres.as_str())).collect();
    assert_eq!(
        found,
        vec![
            ("extra", "table", ABSENT, "()"),
            ("invoices", "column issued_on", "TEXT NULL", "date NOT NULL"),
            ("invoices", "column note", ABSENT, "text NULL"),
            ("invoices", "column paid", "INTEGER NOT NULL", "text NOT NULL"),
            ("invoices", "unique key (customer_id, issued_on)", "(customer_id, issued_on)", ABSENT),
            (
                "invoices",
                "foreign key (customer_id) → customers (id) ON DELETE NO ACTION ON UPDATE NO ACTION",
                "(customer_id) → customers (id) ON DELETE NO ACTION ON UPDATE NO ACTION",
                ABSENT
            ),
            (
                "invoices",
                "check on (paid) values ['maybe', 'no', 'yes']",
                ABSENT,
                "on (paid) values ['maybe', 'no', 'yes']"
            ),
            ("invoices", "check on (paid) values ['no', 'yes']", "on (paid) values ['no', 'yes']", ABSENT),
            ("invoices", "index invoices_by_customer", "(customer_id, id)", "(customer_id)"),
            ("invoices", "triggers AFTER INSERT", "invoices_insert", ABSENT),
        ]
    );
    let text = report(&[], &diffs);
    assert!(
        text.contains("invoices: column paid\n    sqlite:   INTEGER NOT NULL\n    postgres: text NOT NULL"),
        "{text}"
    );
}

#[test]
fn a_deliberate_difference_is_set_aside_and_a_stale_one_is_reported() {
    let mut sqlite = small_sqlite();
    let mut pg = small_postgres();
    sqlite.tables.insert("invoices_fts".into(), Table::default());
    let list = [
        sqlite_only("invoices_fts", Item::Table, "full-text index"),
        postgres_only("invoices", Item::Index("invoices_search"), "gone"),
        sqlite_only("invoices", Item::Index("invoices_by_customer"), "on both"),
    ];
    let stale = set_aside(&mut sqlite, &mut pg, &list);
    assert_eq!(stale.len(), 2, "{stale:?}");
    assert!(stale[0].contains("invoices_search") && stale[0].contains("not there"), "{stale:?}");
    assert!(stale[1].contains("invoices_by_customer") && stale[1].contains("on both backends"), "{stale:?}");
    assert!(!sqlite.tables.contains_key("invoices_fts"));
}

#[test]
fn sql_fragments_normalise_alike_on_both_backends() {
    let mut columns = BTreeMap::new();
    for c in ["company_id", "kind", "number", "gross", "due_date", "search_text", "id", "status"] {
        columns.insert(c.to_string(), col("TEXT", Family::Text, true));
    }
    // SQLite keeps the text as written, PostgreSQL reads it back its own way.
    assert_eq!(key_part("CAST(gross AS NUMERIC)", false, &columns), key_part("(gross)::numeric", false, &columns));
    assert_eq!(
        key_part("COALESCE(due_date, '9999-12-31')", false, &columns),
        key_part("COALESCE(due_date, '9999-12-31'::date)", false, &columns)
    );
    assert_eq!(key_part("\"kind\"", false, &columns), "kind");
    let (keys, predicate) = parse_sqlite_index(
        "CREATE INDEX d ON documents (company_id, kind, COALESCE(number, ''), id) WHERE search_text IS NULL",
    );
    assert_eq!(keys, ["company_id", "kind", "COALESCE(number, '')", "id"]);
    assert_eq!(predicate.as_deref(), Some("search_text IS NULL"));
    assert_eq!(
        parse_sqlite_trigger("CREATE TRIGGER b AFTER UPDATE OF status, due, kind ON documents\nWHEN new.x BEGIN END"),
        "AFTER UPDATE OF due, kind, status"
    );
    assert_eq!(parse_sqlite_trigger("CREATE TRIGGER f BEFORE DELETE ON files BEGIN END"), "BEFORE DELETE");
    let sqlite = sqlite_checks(
        "CREATE TABLE outbox (\n    id BLOB PRIMARY KEY, -- the message's id, no CHECK (x)\n    \
         status TEXT NOT NULL CHECK (status IN ('pending', 'it''s', 'sent')),\n    \
         kind TEXT check(kind <> 'x'))",
    );
    assert_eq!(sqlite, ["status IN ('pending', 'it''s', 'sent')", "kind <> 'x'"]);
    let postgres = "(status = ANY (ARRAY['pending'::text, 'it''s'::text, 'sent'::text]))";
    assert_eq!(describe_check(&sqlite[0], &columns), describe_check(postgres, &columns));
    assert_eq!(describe_check(postgres, &columns), "on (status) values ['it's', 'pending', 'sent']");
    assert_eq!(normalise_default("now()"), "CURRENT_TIMESTAMP");
    assert_eq!(strip_casts("'recorded'::text"), "'recorded'");
    assert_eq!(strip_casts("'a::b'::character varying"), "'a::b'");
}

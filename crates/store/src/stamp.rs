//! An instant as the store keeps it.
//!
//! SQLite has no time type: sqlx writes an `OffsetDateTime` as RFC 3339 text with as few
//! fraction digits as the value needs (`…19.0041Z`, `…19.004198Z`), and SQLite compares
//! that text byte by byte, so `ORDER BY at` put `…19.0041Z` after `…19.004198Z` (`Z` sorts
//! after `9`). A [`Stamp`] is always written as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, 27 bytes,
//! whose byte order is its time order. PostgreSQL keeps `timestamptz` as before. Both
//! backends keep microseconds, so a value reads back equal on either.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use time::{Duration, OffsetDateTime, UtcOffset};

/// A UTC instant truncated to the microsecond, stored fixed-width on SQLite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(OffsetDateTime);

/// How many bytes a stamp's SQLite text takes.
pub const STAMP_TEXT_LEN: usize = 27;

impl Stamp {
    /// The current instant.
    pub fn now() -> Stamp {
        Stamp::from(OffsetDateTime::now_utc())
    }

    /// The instant, in UTC.
    pub fn instant(self) -> OffsetDateTime {
        self.0
    }

    /// Unix milliseconds, for the columns the outbox and rate limits compare as integers.
    pub fn millis(self) -> i64 {
        i64::try_from(self.0.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }

    /// The fixed-width text SQLite stores: `2026-11-24T04:40:26.004100Z`.
    pub fn text(self) -> String {
        let t = self.0;
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

impl From<OffsetDateTime> for Stamp {
    fn from(t: OffsetDateTime) -> Stamp {
        let t = t.to_offset(UtcOffset::UTC);
        // Truncating below a microsecond cannot fail: the value stays in range.
        Stamp(t.replace_nanosecond(t.microsecond() * 1000).unwrap_or(t))
    }
}

impl From<Stamp> for OffsetDateTime {
    fn from(s: Stamp) -> OffsetDateTime {
        s.0
    }
}

impl std::ops::Add<Duration> for Stamp {
    type Output = Stamp;
    fn add(self, d: Duration) -> Stamp {
        Stamp::from(self.0 + d)
    }
}

impl std::ops::Sub<Duration> for Stamp {
    type Output = Stamp;
    fn sub(self, d: Duration) -> Stamp {
        Stamp::from(self.0 - d)
    }
}

impl std::ops::Sub for Stamp {
    type Output = Duration;
    fn sub(self, other: Stamp) -> Duration {
        self.0 - other.0
    }
}

impl Type<Sqlite> for Stamp {
    fn type_info() -> SqliteTypeInfo {
        <OffsetDateTime as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <OffsetDateTime as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Stamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.text(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Stamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        <OffsetDateTime as Decode<Sqlite>>::decode(value).map(Stamp::from)
    }
}

impl Type<Postgres> for Stamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Stamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Stamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <OffsetDateTime as Decode<Postgres>>::decode(value).map(Stamp::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn text_is_fixed_width_and_sorts_as_time() {
        let earlier = Stamp::from(datetime!(2026-11-24 04:40:19.0041 UTC));
        let later = Stamp::from(datetime!(2026-11-24 04:40:19.004198 UTC));
        let whole = Stamp::from(datetime!(2026-11-24 04:40:19 UTC));
        assert_eq!(earlier.text(), "2026-11-24T04:40:19.004100Z");
        assert_eq!(whole.text(), "2026-11-24T04:40:19.000000Z");
        for s in [earlier, later, whole] {
            assert_eq!(s.text().len(), STAMP_TEXT_LEN);
        }
        let mut texts = vec![later.text(), earlier.text(), whole.text()];
        texts.sort();
        assert_eq!(texts, vec![whole.text(), earlier.text(), later.text()]);
    }

    #[test]
    fn other_offsets_and_nanoseconds_are_normalised() {
        let paris = Stamp::from(datetime!(2026-07-01 10:00:00.123456789 +2));
        assert_eq!(paris.text(), "2026-07-01T08:00:00.123456Z");
        assert_eq!(paris.instant().offset(), UtcOffset::UTC);
        assert_eq!(paris.millis(), datetime!(2026-07-01 08:00:00.123 UTC).unix_timestamp() * 1000 + 123);
    }

    async fn memory_db() -> sqlx::SqlitePool {
        sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn sqlite_orders_stored_stamps_by_time() {
        let pool = memory_db().await;
        sqlx::query("CREATE TABLE e (n INTEGER, at TEXT NOT NULL)").execute(&pool).await.unwrap();
        // Inserted out of order; the two fractions were the ones that sorted wrongly as sqlx text.
        let times = [
            (2, datetime!(2026-11-24 04:40:19.004198 UTC)),
            (0, datetime!(2026-11-24 04:40:19 UTC)),
            (1, datetime!(2026-11-24 04:40:19.0041 UTC)),
            (3, datetime!(2026-11-24 04:40:19.1 UTC)),
        ];
        for (n, t) in times {
            sqlx::query("INSERT INTO e VALUES ($1, $2)").bind(n).bind(Stamp::from(t)).execute(&pool).await.unwrap();
        }
        let order: Vec<(i64,)> = sqlx::query_as("SELECT n FROM e ORDER BY at").fetch_all(&pool).await.unwrap();
        assert_eq!(order, [(0,), (1,), (2,), (3,)]);
        // A bound stamp compares as time too.
        let (later,): (i64,) = sqlx::query_as("SELECT count(*) FROM e WHERE at > $1")
            .bind(Stamp::from(datetime!(2026-11-24 04:40:19.0041 UTC)))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(later, 2);
        // Read back equal, as `OffsetDateTime` or as `Stamp`.
        let back: Vec<(Stamp, OffsetDateTime)> =
            sqlx::query_as("SELECT at, at FROM e ORDER BY at").fetch_all(&pool).await.unwrap();
        assert_eq!(back[1], (Stamp::from(times[2].1), times[2].1));
    }

    #[tokio::test]
    async fn the_migration_rewrites_texts_sqlx_wrote_before_to_the_fixed_width() {
        let pool = memory_db().await;
        sqlx::query("CREATE TABLE document_events (at TEXT NOT NULL, n INTEGER)").execute(&pool).await.unwrap();
        // What sqlx wrote before this change (RFC 3339, shortest fraction), and one already new.
        let old = [
            "2026-11-24T04:40:19.0041Z",
            "2026-11-24T04:40:19.004198Z",
            "2026-11-24T04:40:19Z",
            "2026-11-24T04:40:19.5Z",
            "2026-11-24T04:40:19.123456Z",
        ];
        for (n, t) in old.iter().enumerate() {
            sqlx::query("INSERT INTO document_events VALUES ($1, $2)")
                .bind(t)
                .bind(n as i64)
                .execute(&pool)
                .await
                .unwrap();
        }
        let migration = include_str!("../migrations/sqlite/0012_fixed_width_instants.sql");
        let statement = migration
            .split(';')
            .find(|s| s.contains("UPDATE document_events"))
            .expect("the migration rewrites document_events");
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(&pool).await.unwrap();
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT at FROM document_events ORDER BY n").fetch_all(&pool).await.unwrap();
        let texts: Vec<&str> = rows.iter().map(|(t,)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "2026-11-24T04:40:19.004100Z",
                "2026-11-24T04:40:19.004198Z",
                "2026-11-24T04:40:19.000000Z",
                "2026-11-24T04:40:19.500000Z",
                "2026-11-24T04:40:19.123456Z",
            ]
        );
        // Each rewritten text is what a stamp of the same instant writes.
        for (t,) in &rows {
            let parsed = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap();
            assert_eq!(&Stamp::from(parsed).text(), t);
        }
    }
}

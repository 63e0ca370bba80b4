-- Nothing to change on PostgreSQL: `timestamptz` compares as time. On SQLite this migration
-- rewrites stored instants to a fixed width (crates/store/src/stamp.rs). This file keeps both
-- migration histories at the same version.
SELECT 1;

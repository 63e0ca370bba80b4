-- Nothing to change on PostgreSQL: the trigram GIN index of 0001 (customers_search) serves
-- rare search words and the walk by id stops early on common ones (plans checked at
-- 100 000 customers, docs/benchmarks.md). This file keeps both migration histories at the
-- same version; SQLite gets a covering index for its directory search here.
SELECT 1;

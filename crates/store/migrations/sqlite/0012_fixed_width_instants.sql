-- Instants are now written fixed-width, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (crates/store/src/stamp.rs),
-- so that comparing the text compares the time. Before, sqlx wrote as few fraction digits as
-- a value needed and `ORDER BY at` put `…19.0041Z` after `…19.004198Z`. This rewrites the rows
-- written so far (all in UTC, `Z`) to the same width: the fraction padded to six digits.

UPDATE companies SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE users SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE api_tokens SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE api_tokens SET last_used_at = substr(last_used_at, 1, 19) || '.' || substr(CASE WHEN instr(last_used_at, '.') > 0 THEN substr(last_used_at, instr(last_used_at, '.') + 1, length(last_used_at) - instr(last_used_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE last_used_at LIKE '____-__-__T__:__:__%Z' AND length(last_used_at) <> 27;
UPDATE customers SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE customers SET updated_at = substr(updated_at, 1, 19) || '.' || substr(CASE WHEN instr(updated_at, '.') > 0 THEN substr(updated_at, instr(updated_at, '.') + 1, length(updated_at) - instr(updated_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE updated_at LIKE '____-__-__T__:__:__%Z' AND length(updated_at) <> 27;
UPDATE products SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE products SET updated_at = substr(updated_at, 1, 19) || '.' || substr(CASE WHEN instr(updated_at, '.') > 0 THEN substr(updated_at, instr(updated_at, '.') + 1, length(updated_at) - instr(updated_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE updated_at LIKE '____-__-__T__:__:__%Z' AND length(updated_at) <> 27;
UPDATE documents SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE documents SET updated_at = substr(updated_at, 1, 19) || '.' || substr(CASE WHEN instr(updated_at, '.') > 0 THEN substr(updated_at, instr(updated_at, '.') + 1, length(updated_at) - instr(updated_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE updated_at LIKE '____-__-__T__:__:__%Z' AND length(updated_at) <> 27;
UPDATE documents SET issued_at = substr(issued_at, 1, 19) || '.' || substr(CASE WHEN instr(issued_at, '.') > 0 THEN substr(issued_at, instr(issued_at, '.') + 1, length(issued_at) - instr(issued_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE issued_at LIKE '____-__-__T__:__:__%Z' AND length(issued_at) <> 27;
UPDATE payments SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE customer_credits SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE document_events SET at = substr(at, 1, 19) || '.' || substr(CASE WHEN instr(at, '.') > 0 THEN substr(at, instr(at, '.') + 1, length(at) - instr(at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE at LIKE '____-__-__T__:__:__%Z' AND length(at) <> 27;
UPDATE idempotency_keys SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE document_links SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE stock_movements SET at = substr(at, 1, 19) || '.' || substr(CASE WHEN instr(at, '.') > 0 THEN substr(at, instr(at, '.') + 1, length(at) - instr(at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE at LIKE '____-__-__T__:__:__%Z' AND length(at) <> 27;
UPDATE outbox SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE outbox SET sent_at = substr(sent_at, 1, 19) || '.' || substr(CASE WHEN instr(sent_at, '.') > 0 THEN substr(sent_at, instr(sent_at, '.') + 1, length(sent_at) - instr(sent_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE sent_at LIKE '____-__-__T__:__:__%Z' AND length(sent_at) <> 27;
UPDATE company_logos SET updated_at = substr(updated_at, 1, 19) || '.' || substr(CASE WHEN instr(updated_at, '.') > 0 THEN substr(updated_at, instr(updated_at, '.') + 1, length(updated_at) - instr(updated_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE updated_at LIKE '____-__-__T__:__:__%Z' AND length(updated_at) <> 27;
UPDATE sessions SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE sessions SET last_seen_at = substr(last_seen_at, 1, 19) || '.' || substr(CASE WHEN instr(last_seen_at, '.') > 0 THEN substr(last_seen_at, instr(last_seen_at, '.') + 1, length(last_seen_at) - instr(last_seen_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE last_seen_at LIKE '____-__-__T__:__:__%Z' AND length(last_seen_at) <> 27;
UPDATE sessions SET expires_at = substr(expires_at, 1, 19) || '.' || substr(CASE WHEN instr(expires_at, '.') > 0 THEN substr(expires_at, instr(expires_at, '.') + 1, length(expires_at) - instr(expires_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE expires_at LIKE '____-__-__T__:__:__%Z' AND length(expires_at) <> 27;
UPDATE password_resets SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE password_resets SET expires_at = substr(expires_at, 1, 19) || '.' || substr(CASE WHEN instr(expires_at, '.') > 0 THEN substr(expires_at, instr(expires_at, '.') + 1, length(expires_at) - instr(expires_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE expires_at LIKE '____-__-__T__:__:__%Z' AND length(expires_at) <> 27;
UPDATE password_resets SET used_at = substr(used_at, 1, 19) || '.' || substr(CASE WHEN instr(used_at, '.') > 0 THEN substr(used_at, instr(used_at, '.') + 1, length(used_at) - instr(used_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE used_at LIKE '____-__-__T__:__:__%Z' AND length(used_at) <> 27;
UPDATE customer_files SET created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN instr(created_at, '.') > 0 THEN substr(created_at, instr(created_at, '.') + 1, length(created_at) - instr(created_at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) <> 27;
UPDATE customer_events SET at = substr(at, 1, 19) || '.' || substr(CASE WHEN instr(at, '.') > 0 THEN substr(at, instr(at, '.') + 1, length(at) - instr(at, '.') - 1) ELSE '' END || '000000', 1, 6) || 'Z'
    WHERE at LIKE '____-__-__T__:__:__%Z' AND length(at) <> 27;

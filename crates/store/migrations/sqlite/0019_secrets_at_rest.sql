-- Secrets at rest (issue 18).
--
-- A password link's e-mail is queued with a placeholder where the secret goes and the id
-- of its reset row; the outbox worker mints the secret when it sends, stores only its
-- SHA-256 on that row and substitutes the link in memory. Until then the row's
-- token_hash is `pending:<id>`, which no SHA-256 (hex) can equal.
ALTER TABLE password_resets ADD COLUMN id BLOB;
CREATE UNIQUE INDEX password_resets_by_id ON password_resets (id);
ALTER TABLE outbox ADD COLUMN password_reset_id BLOB;

-- Links queued before this migration have their secret in clear in the outbox: they
-- stop working, and their text is removed (a message not yet sent is not sent).
UPDATE password_resets SET expires_at = created_at WHERE used_at IS NULL;
UPDATE outbox SET body = '(password link removed: ask for a new one)',
    status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END,
    last_error = CASE WHEN status IN ('pending', 'sending') THEN 'password link withdrawn by an upgrade' ELSE last_error END,
    locked_until = NULL
WHERE document_id IS NULL AND body LIKE '%/password/reset?token=%';

-- An API token may expire; NULL: never.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;

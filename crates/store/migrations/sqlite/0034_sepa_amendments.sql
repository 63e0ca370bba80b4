-- SEPA amendments, bank reject files and the payment link printed on an invoice.
--
-- A mandate moved to an account at another bank is reported once as "SMNDA" (same
-- mandate, new debtor agent) by its next collection, presented as FRST again; the flag
-- waits on the mandate like `original_reference` / `original_iban` and is copied to the
-- debit that reports it. A reject read from a bank's file (pain.002, camt.054) names the
-- file it came from; debits are found by their end-to-end id (the invoice number).
-- `payment_links.printed_url` is the `/pay/{token}` URL decided when the invoice was
-- issued and printed on its PDF (NULL: the PDF carries no link).
ALTER TABLE sepa_mandates ADD COLUMN original_new_bank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sepa_batch_items ADD COLUMN new_debtor_agent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sepa_batch_items ADD COLUMN reject_source TEXT;
CREATE INDEX sepa_batch_items_by_number ON sepa_batch_items (company_id, number);
ALTER TABLE payment_links ADD COLUMN printed_url TEXT;

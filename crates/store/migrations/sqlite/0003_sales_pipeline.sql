-- The sales pipeline: quotes, orders, delivery notes, pro-formas and deposit invoices
-- get their own numbering and seal chain; documents are linked many-to-many (an invoice
-- may come from several delivery notes) in document_links.

CREATE TABLE document_links (
    company_id BLOB NOT NULL REFERENCES companies(id),
    parent_id BLOB NOT NULL REFERENCES documents(id),
    child_id BLOB NOT NULL REFERENCES documents(id),
    -- converted, credit_note, duplicate…: how the child came from the parent.
    relation TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (company_id, parent_id, child_id)
);
CREATE INDEX document_links_by_child ON document_links (company_id, child_id);

INSERT INTO document_links (company_id, parent_id, child_id, relation, created_at)
SELECT company_id, parent_id, id, 'credit_note', created_at FROM documents WHERE parent_id IS NOT NULL;

INSERT INTO numbering (company_id, kind, pattern, yearly_reset)
SELECT c.id, k.kind, k.pattern, 1 FROM companies c,
    (SELECT 'quote' AS kind, 'D{YYYY}-{SEQ:5}' AS pattern
     UNION ALL SELECT 'order', 'C{YYYY}-{SEQ:5}'
     UNION ALL SELECT 'delivery_note', 'BL{YYYY}-{SEQ:5}'
     UNION ALL SELECT 'proforma', 'PF{YYYY}-{SEQ:5}'
     UNION ALL SELECT 'deposit_invoice', 'FA{YYYY}-{SEQ:5}') k;

INSERT INTO seal_chains (company_id, kind, head, length)
SELECT c.id, k.kind, '0000000000000000000000000000000000000000000000000000000000000000', 0 FROM companies c,
    (SELECT 'quote' AS kind UNION ALL SELECT 'order' UNION ALL SELECT 'delivery_note'
     UNION ALL SELECT 'proforma' UNION ALL SELECT 'deposit_invoice') k;

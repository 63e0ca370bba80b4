-- Stock movements: every change of a tracked product's stock, with the document behind
-- it. The product's current stock stays in its record; this is the history.
CREATE TABLE stock_movements (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies(id),
    product_id BLOB NOT NULL REFERENCES products(id),
    document_id BLOB REFERENCES documents(id),
    quantity TEXT NOT NULL,
    stock_after TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX stock_movements_by_product ON stock_movements (company_id, product_id, at);

-- The company's logo, drawn on its documents. Kept apart from the settings JSON, which
-- every request reads, so that the image is loaded only when a document is rendered.
CREATE TABLE company_logos (
    company_id BLOB PRIMARY KEY REFERENCES companies(id),
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    updated_at TEXT NOT NULL
);

-- The company's logo, drawn on its documents. Kept apart from the settings JSON, which
-- every request reads, so that the image is loaded only when a document is rendered.
CREATE TABLE company_logos (
    company_id UUID PRIMARY KEY REFERENCES companies(id),
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

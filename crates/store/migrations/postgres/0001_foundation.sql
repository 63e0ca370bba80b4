-- Foundation schema (PostgreSQL). Every business table carries company_id and every
-- unique key includes it. Amounts are exact decimal text; uuids are native.

CREATE TABLE companies (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    currency TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL
);

-- Users are identities that may belong to several companies (memberships).
CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    company_id UUID NOT NULL REFERENCES companies(id),
    user_id UUID NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (company_id, user_id)
);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    user_id UUID NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    activity_folded TEXT,
    data TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX customers_company_id ON customers (company_id, id);
CREATE INDEX customers_activity ON customers (company_id, activity_folded, id);

CREATE TABLE products (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    reference TEXT NOT NULL,
    data TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, reference)
);
CREATE INDEX products_company_id ON products (company_id, id);

CREATE TABLE documents (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    number TEXT,
    customer_id UUID NOT NULL REFERENCES customers(id),
    parent_id UUID REFERENCES documents(id),
    currency TEXT NOT NULL,
    doc_date DATE NOT NULL,
    issue_date DATE,
    due_date DATE,
    content TEXT NOT NULL,
    net TEXT NOT NULL,
    vat_total TEXT NOT NULL,
    gross TEXT NOT NULL,
    paid TEXT NOT NULL DEFAULT '0',
    credited TEXT NOT NULL DEFAULT '0',
    due TEXT NOT NULL,
    chain_seq BIGINT,
    prev_seal TEXT,
    seal TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    issued_at TIMESTAMPTZ,
    UNIQUE (company_id, kind, number),
    UNIQUE (company_id, kind, chain_seq)
);
CREATE INDEX documents_by_date ON documents (company_id, kind, doc_date, id);
CREATE INDEX documents_by_status ON documents (company_id, kind, status, doc_date, id);
CREATE INDEX documents_by_customer ON documents (company_id, customer_id, kind, doc_date, id);
CREATE INDEX documents_by_parent ON documents (company_id, parent_id);

CREATE TABLE payments (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    document_id UUID NOT NULL REFERENCES documents(id),
    amount TEXT NOT NULL,
    applied TEXT NOT NULL,
    paid_on DATE NOT NULL,
    method TEXT NOT NULL,
    reference TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_by_document ON payments (company_id, document_id);

-- Money a customer has to its credit: overpayments and credit notes beyond what was due.
CREATE TABLE customer_credits (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX customer_credits_by_customer ON customer_credits (company_id, customer_id);

CREATE TABLE numbering (
    company_id UUID NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    pattern TEXT NOT NULL,
    yearly_reset BOOLEAN NOT NULL,
    PRIMARY KEY (company_id, kind)
);

-- period is the year when the sequence restarts yearly, 0 otherwise.
CREATE TABLE number_sequences (
    company_id UUID NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    period BIGINT NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (company_id, kind, period)
);

-- The head of each seal chain; locking this row serialises issuing per company and kind.
CREATE TABLE seal_chains (
    company_id UUID NOT NULL REFERENCES companies(id),
    kind TEXT NOT NULL,
    head TEXT NOT NULL,
    length BIGINT NOT NULL,
    last_issue_date DATE,
    PRIMARY KEY (company_id, kind)
);

CREATE TABLE document_events (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    document_id UUID NOT NULL REFERENCES documents(id),
    at TIMESTAMPTZ NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX document_events_by_document ON document_events (company_id, document_id, at);

CREATE TABLE idempotency_keys (
    company_id UUID NOT NULL REFERENCES companies(id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, key)
);

-- Substring search on the directory and catalogue stays index-backed at 100 000+ rows.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_search ON customers USING gin (search_text gin_trgm_ops);
CREATE INDEX products_search ON products USING gin (search_text gin_trgm_ops);

-- What a contract or a customer consumed beyond its schedule (issue 25): time spent,
-- parts from the catalogue (taken out of stock when recorded), purchases re-billed. Each
-- is billed once: `invoice_id` is set in the transaction that creates its invoice, only
-- where it is still empty. Amounts are decimal text, as everywhere.
CREATE TABLE interventions (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies(id),
    customer_id UUID NOT NULL REFERENCES customers(id),
    contract_id UUID REFERENCES contracts(id),
    kind TEXT NOT NULL CHECK (kind IN ('time', 'part', 'purchase')),
    on_date DATE NOT NULL,
    description TEXT NOT NULL,
    product_id UUID REFERENCES products(id),
    quantity TEXT NOT NULL,
    unit_cost TEXT NOT NULL,
    pricing TEXT NOT NULL,
    vat_rate TEXT NOT NULL,
    invoice_id UUID REFERENCES documents(id),
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX interventions_by_contract ON interventions (company_id, contract_id, on_date);
CREATE INDEX interventions_by_customer ON interventions (company_id, customer_id, on_date);
CREATE INDEX interventions_by_invoice ON interventions (company_id, invoice_id);

-- The workload a contract plans per billing period and what an hour costs, for its
-- technical-financial summary.
CREATE TABLE contract_plans (
    company_id UUID NOT NULL REFERENCES companies(id),
    contract_id UUID NOT NULL REFERENCES contracts(id),
    hours_per_period TEXT NOT NULL,
    hourly_cost TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, contract_id)
);

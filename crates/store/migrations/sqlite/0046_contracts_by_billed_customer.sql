-- A billing run reads the contracts it bills by customer, then id (issue 25): a grouped
-- customer's contracts come together, so the run bills them when it reads the last one
-- instead of keeping every grouped contract until its end. The index walks that order
-- for one company and carries the status the run filters on.
CREATE INDEX contracts_by_billed_customer ON contracts (company_id, customer_id, id, status);

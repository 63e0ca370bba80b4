//! The server's integration tests, one binary: each module was its own test binary
//! linking the whole server; together they link it once. `common` is the harness (a
//! real server on a random port over a fresh SQLite file, then a PostgreSQL database).
//! Only `edge_descriptors` stays apart: it lowers the whole process's open-files limit.

mod common;

mod account_security;
mod accounting;
mod accounting_runs;
mod api;
mod bad_input;
mod concurrency;
mod contract_emails;
mod contracts;
mod documents_out;
mod dunning;
mod dunning_engine;
mod e_invoices;
mod edge;
mod email;
mod family_amounts;
mod frozen_files;
mod idempotency;
mod imports;
mod input_rules;
mod interventions;
mod issue_checks;
mod jobs;
mod lists;
mod online_payment;
mod openapi;
mod payments;
mod pipeline;
mod secrets_at_rest;
mod sepa;
mod tenant_isolation;
mod web;
mod web_accounts;
mod web_confirm;
mod web_contracts;
mod web_customers;
mod web_documents;
mod web_dunning;
mod web_exports;
mod web_products;
mod web_sepa;
mod web_setup;
mod words;

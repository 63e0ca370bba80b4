//! The CLI's integration tests, one binary: the `facturier` binary driven as a user
//! does (cli, edge) and the web app driven through headless Chromium (the `*_e2e`
//! journeys, sharing `browser`, which runs one Chromium at a time). `services` says
//! which of PostgreSQL, the validators and Chromium the machine offers.

mod browser;
mod services;

mod accounting;
mod cli;
mod edge;
mod web_contracts_e2e;
mod web_customers_e2e;
mod web_documents_e2e;
mod web_dunning_e2e;
mod web_e2e;
mod web_exports_e2e;
mod web_products_e2e;
mod web_sepa_e2e;
mod web_settings_e2e;

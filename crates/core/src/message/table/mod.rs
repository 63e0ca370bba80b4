//! The catalogue of messages: every message a person may read, as a stable code with its
//! English and French templates. A new message is one row in the file of its area here
//! and its code where it is said (`Message::new` with the code, `.with` for each value).
//! Core and store write the English from it ([`super::Message::english`]); the server
//! writes both languages, with the French transforms and vocabulary (`server::catalogue`).
//! The areas' rows are chained into [`MESSAGES`], the one table every lookup reads.

mod accounting;
mod contracts;
mod documents;
mod dunning;
mod dunning_web;
mod imports;
mod input;
mod interventions;
mod online;
mod payments;
mod requests;
mod sepa;
mod settings;
mod taxes;

/// One row: (code, English template, French template).
type Row = (&'static str, &'static str, &'static str);

/// (code, English template, French template).
///
/// In both templates `{name}` is where the value given as `.with("name", …)` goes (`{{`
/// and `}}` are literal braces). The French template may write a value transformed:
/// `{name:num}` a decimal in French notation, `{name:amount}` the same with two decimals,
/// `{name:date}` a `YYYY-MM-DD` date as `31/12/2026`, `{name:q}` a `"quoted"` value in
/// « guillemets », `{name:VOCAB}` a word of the server's vocabulary (`doc`, `status`…);
/// `{name:t}` is a message given as `.with_message("name", …)`, written in the same
/// language. French typography (no-break spaces before `: ; ? !` and inside « ») is
/// applied when rendering, so the table is written with plain spaces.
pub static MESSAGES: &[Row] = &ALL;

const AREAS: [&[Row]; 14] = [
    input::INPUT,
    taxes::TAXES,
    documents::DOCUMENTS,
    settings::SETTINGS,
    requests::REQUESTS,
    payments::PAYMENTS,
    imports::IMPORTS,
    online::ONLINE,
    dunning::DUNNING,
    sepa::SEPA,
    contracts::CONTRACTS,
    interventions::INTERVENTIONS,
    dunning_web::DUNNING_WEB,
    accounting::ACCOUNTING,
];

static ALL: [Row; count(&AREAS)] = chain(&AREAS);

const fn count(areas: &[&[Row]]) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < areas.len() {
        n += areas[i].len();
        i += 1;
    }
    n
}

/// The rows of every area, one after the other, at compile time.
const fn chain<const N: usize>(areas: &[&[Row]]) -> [Row; N] {
    let mut out: [Row; N] = [("", "", ""); N];
    let (mut k, mut i) = (0, 0);
    while i < areas.len() {
        let mut j = 0;
        while j < areas[i].len() {
            out[k] = areas[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

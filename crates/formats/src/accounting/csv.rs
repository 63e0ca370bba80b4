//! The entry lines as a CSV of the company's profile (`core::accounting::CsvProfile`):
//! its columns in its order, its separator, decimal mark, date format, header row and
//! encoding. Written one entry at a time, like the other layouts.

use super::fec::entry_number;
use super::latin9;
use facturier_core::Decimal;
use facturier_core::accounting::{CsvProfile, Entry};
use time::Date;

/// The header row (when the profile has one), with its line end.
pub fn header(profile: &CsvProfile, out: &mut Vec<u8>) {
    if profile.encoding == "utf-8" {
        // A byte order mark, so spreadsheets read the accents.
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    if profile.header {
        let cells: Vec<String> = profile.columns.iter().map(|c| CsvProfile::header_of(c).to_string()).collect();
        record(profile, &cells, out);
    }
}

/// The lines of entry `e`, numbered `n` in its journal, validated on `valid`.
pub fn write_entry(profile: &CsvProfile, e: &Entry, n: u64, valid: Date, out: &mut Vec<u8>) {
    let num = entry_number(&e.journal.code, n);
    let amount = |d: Decimal| {
        let mut d = d.round_dp(2);
        d.rescale(2);
        d.to_string().replacen('.', &profile.decimal_mark, 1)
    };
    for l in &e.lines {
        let cells: Vec<String> = profile
            .columns
            .iter()
            .map(|c| match c.as_str() {
                "journal_code" => e.journal.code.clone(),
                "journal_label" => e.journal.label.clone(),
                "entry_number" => num.clone(),
                "date" => profile.date(e.date),
                "account" => l.account.clone(),
                "account_label" => l.account_label.clone(),
                "auxiliary_account" => l.auxiliary.as_ref().map(|a| a.account.clone()).unwrap_or_default(),
                "auxiliary_label" => l.auxiliary.as_ref().map(|a| a.label.clone()).unwrap_or_default(),
                "piece_ref" => e.piece.clone(),
                "piece_date" => profile.date(e.piece_date),
                "label" => l.label.clone(),
                "debit" => amount(l.debit),
                "credit" => amount(l.credit),
                "lettering" => l.lettering.as_ref().map(|x| x.code.clone()).unwrap_or_default(),
                "lettering_date" => l.lettering.as_ref().map(|x| profile.date(x.date)).unwrap_or_default(),
                "valid_date" => profile.date(valid),
                "currency_amount" => l.currency_amount.map(amount).unwrap_or_default(),
                "currency" => e.currency.clone().unwrap_or_default(),
                _ => String::new(),
            })
            .collect();
        record(profile, &cells, out);
    }
}

/// One record: fields quoted when they hold the separator, a quote or a line end; CR/LF.
fn record(profile: &CsvProfile, cells: &[String], out: &mut Vec<u8>) {
    let sep = profile.separator_byte() as char;
    let mut line = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(sep);
        }
        if c.contains(sep) || c.contains('"') || c.contains('\n') || c.contains('\r') {
            line.push('"');
            line.push_str(&c.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(c);
        }
    }
    line.push_str("\r\n");
    if profile.encoding == "iso-8859-15" {
        latin9::encode(&line, out);
    } else {
        out.extend_from_slice(line.as_bytes());
    }
}

//! Index values imported from a CSV file, `period;value` a line (a comma or a tab
//! separates them as well; a first line of words is a header), for the API's
//! `POST /indices/{code}/values/import` and the index's web page. Every line is checked
//! first; one refused line and nothing is written, else all are written in one
//! transaction (`store::contracts::import_index_values`).

use crate::App;
use crate::app::contracts::path_index_code;
use crate::error::ApiError;
use crate::input::{Check, DecRules, DecText};
use facturier_core::Decimal;
use facturier_core::contract::revision::Month;
use facturier_core::message::Message;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Most lines a file may hold (a century of monthly values is 1 200).
pub const MAX_LINES: usize = 5000;
/// An index value: above zero, six decimals at most (as `POST /indices/{code}/values`).
const VALUE: DecRules = DecRules::new(6).positive();

/// A line the import refused.
#[derive(Clone, Debug)]
pub struct RejectedLine {
    /// The line in the file, the first being 1.
    pub line: usize,
    /// `period`, `value`, or `file` for the file as a whole.
    pub field: String,
    pub message: Message,
}

/// What an import did: lines read, values created and corrected, or every refused line
/// (and then nothing written).
#[derive(Clone, Debug, Default)]
pub struct IndexImport {
    pub index: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub rejected: Vec<RejectedLine>,
}

/// The values of a file, or its refused lines: (line, month, value).
pub fn parse(text: &str) -> Result<Vec<(usize, Month, Decimal)>, Vec<RejectedLine>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut values = Vec::new();
    let mut rejected = Vec::new();
    let mut seen: BTreeMap<Month, usize> = BTreeMap::new();
    let mut first = true;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let sep = if raw.contains(';') {
            ';'
        } else if raw.contains('\t') {
            '\t'
        } else {
            ','
        };
        let cells: Vec<&str> = raw.split(sep).map(|c| c.trim().trim_matches('"').trim()).collect();
        let cells: Vec<&str> = match cells.iter().rposition(|c| !c.is_empty()) {
            Some(last) => cells[..=last].to_vec(),
            None => continue,
        };
        // A header: a first line without a digit in its first cell.
        if std::mem::take(&mut first) && !cells[0].chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if values.len() + rejected.len() >= MAX_LINES {
            rejected.push(RejectedLine {
                line,
                field: "file".into(),
                message: Message::new("index_csv_too_long").with("max", MAX_LINES),
            });
            break;
        }
        if cells.len() != 2 {
            rejected.push(RejectedLine {
                line,
                field: "file".into(),
                message: Message::new("index_csv_cells").with("n", cells.len()),
            });
            continue;
        }
        let month = Month::parse(cells[0]);
        if month.is_none() {
            rejected.push(RejectedLine {
                line,
                field: "period".into(),
                message: Message::new("index_period").with("v", cells[0]),
            });
        }
        // Written the French way too: `241,5`, `1 024,3`.
        let written: String = cells[1].chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
        let written = if sep == ',' { written } else { written.replace(',', ".") };
        let mut v = Check::default();
        let value = v.decimal("value", &DecText(written), VALUE);
        if let Err(ApiError::Invalid(errors)) = v.finish() {
            rejected.extend(errors.into_iter().map(|e| RejectedLine { line, field: e.field, message: e.message }));
        }
        if let (Some(month), Some(value)) = (month, value) {
            match seen.insert(month, line) {
                Some(before) => rejected.push(RejectedLine {
                    line,
                    field: "period".into(),
                    message: Message::new("index_csv_repeated").with("line", before),
                }),
                None => values.push((line, month, value)),
            }
        }
    }
    if values.is_empty() && rejected.is_empty() {
        rejected.push(RejectedLine { line: 1, field: "file".into(), message: Message::new("index_csv_empty") });
    }
    if rejected.is_empty() { Ok(values) } else { Err(rejected) }
}

/// Imports a file's values into the index `code` (404 for a code that cannot be one):
/// all of them, or none when a line is refused.
pub async fn import(app: &App, company: Uuid, code: &str, bytes: &[u8]) -> Result<IndexImport, ApiError> {
    let index = path_index_code(code).ok_or(ApiError::NotFound("index"))?;
    let text = String::from_utf8_lossy(bytes);
    match parse(&text) {
        Err(rejected) => Ok(IndexImport { index, rows: 0, created: 0, updated: 0, rejected }),
        Ok(values) => {
            let rows = values.len();
            let values: Vec<(String, Decimal)> = values.into_iter().map(|(_, m, v)| (m.to_string(), v)).collect();
            let (created, updated) = app.store.import_index_values(company, &index, &values).await?;
            Ok(IndexImport { index, rows, created, updated, rejected: Vec::new() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(r: &Result<Vec<(usize, Month, Decimal)>, Vec<RejectedLine>>) -> Vec<(usize, String, &'static str)> {
        match r {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|l| (l.line, l.field.clone(), l.message.code())).collect(),
        }
    }

    #[test]
    fn semicolons_commas_a_header_and_french_decimals_are_read() {
        let r = parse("\u{feff}période;valeur\n2013-12;239,5\n\n2014-03 ; 241\r\n").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].0, r[0].1.to_string(), r[0].2.to_string()), (2, "2013-12".into(), "239.5".into()));
        assert_eq!((r[1].0, r[1].2.to_string()), (4, "241".into()));
        let r = parse("2014-06,242.4\n2014-09,\"243.1\"").unwrap();
        assert_eq!(r[1].2.to_string(), "243.1");
    }

    #[test]
    fn every_bad_line_is_named_with_its_number() {
        let r = parse("period;value\n2014-01;240\n2014-13;241\n2014-02;-1\n2014-01;242\n2014-04\n");
        assert_eq!(
            lines(&r),
            vec![
                (3, "period".to_string(), "index_period"),
                (4, "value".to_string(), lines_code(&parse("2014-02;-1"))),
                (5, "period".to_string(), "index_csv_repeated"),
                (6, "file".to_string(), "index_csv_cells"),
            ]
        );
        assert_eq!(lines(&parse("")), vec![(1, "file".to_string(), "index_csv_empty")]);
    }

    fn lines_code(r: &Result<Vec<(usize, Month, Decimal)>, Vec<RejectedLine>>) -> &'static str {
        match r {
            Err(e) => e[0].message.code(),
            Ok(_) => "",
        }
    }
}

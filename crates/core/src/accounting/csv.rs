//! The CSV profile of the entry lines: which columns in which order, the separator, the
//! decimal mark, the date format, a header row or not, and the encoding. Saved per
//! company (`accounting.csv` of the settings) and overridable per export run
//! (`POST /exports {"format": "csv", "csv": {...}}`). The default writes what the `csv`
//! export always wrote: the FEC's 18 columns under their FEC names, `;`, decimal comma,
//! dates `AAAA-MM-JJ`, a header row, UTF-8.

use crate::message::Message;
use serde::{Deserialize, Serialize};

/// The columns a profile chooses from, in their default order, with the header each
/// gets (the FEC's name where the FEC has the column).
pub const CSV_COLUMNS: [(&str, &str); 18] = [
    ("journal_code", "JournalCode"),
    ("journal_label", "JournalLib"),
    ("entry_number", "EcritureNum"),
    ("date", "EcritureDate"),
    ("account", "CompteNum"),
    ("account_label", "CompteLib"),
    ("auxiliary_account", "CompAuxNum"),
    ("auxiliary_label", "CompAuxLib"),
    ("piece_ref", "PieceRef"),
    ("piece_date", "PieceDate"),
    ("label", "EcritureLib"),
    ("debit", "Debit"),
    ("credit", "Credit"),
    ("lettering", "EcritureLet"),
    ("lettering_date", "DateLet"),
    ("valid_date", "ValidDate"),
    ("currency_amount", "Montantdevise"),
    ("currency", "Idevise"),
];

/// Separators a profile may use (`tab` for a tabulation).
pub const CSV_SEPARATORS: [&str; 4] = [";", ",", "tab", "|"];
/// Decimal marks.
pub const CSV_DECIMAL_MARKS: [&str; 2] = [",", "."];
/// Date formats.
pub const CSV_DATE_FORMATS: [&str; 3] = ["JJ/MM/AAAA", "AAAA-MM-JJ", "AAAAMMJJ"];
/// Encodings.
pub const CSV_ENCODINGS: [&str; 2] = ["utf-8", "iso-8859-15"];

/// How the entry lines are written as CSV.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CsvProfile {
    /// Column names from the documented list (`journal_code`, `journal_label`,
    /// `entry_number`, `date`, `account`, `account_label`, `auxiliary_account`,
    /// `auxiliary_label`, `piece_ref`, `piece_date`, `label`, `debit`, `credit`,
    /// `lettering`, `lettering_date`, `valid_date`, `currency_amount`, `currency`), in
    /// the order wanted, each at most once.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 18))]
    pub columns: Vec<String>,
    /// `;`, `,`, `tab` or `|`.
    pub separator: String,
    /// `,` or `.`; never the separator.
    pub decimal_mark: String,
    /// `JJ/MM/AAAA`, `AAAA-MM-JJ` or `AAAAMMJJ`.
    pub date_format: String,
    /// A first row with the columns' headers.
    pub header: bool,
    /// `utf-8` (with a byte order mark, for spreadsheets) or `iso-8859-15`.
    pub encoding: String,
}

impl Default for CsvProfile {
    fn default() -> CsvProfile {
        CsvProfile {
            columns: CSV_COLUMNS.iter().map(|(n, _)| n.to_string()).collect(),
            separator: ";".into(),
            decimal_mark: ",".into(),
            date_format: "AAAA-MM-JJ".into(),
            header: true,
            encoding: "utf-8".into(),
        }
    }
}

/// A profile refused: the field (under the profile) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProfileError {
    /// `columns[2]`, `columns`, `separator`, `decimal_mark`, `date_format`, `encoding`.
    pub field: String,
    pub message: Message,
}

impl CsvProfile {
    /// Every problem of the profile, each naming its field.
    pub fn check(&self) -> Vec<CsvProfileError> {
        let mut out = Vec::new();
        let mut err = |field: String, message: Message| out.push(CsvProfileError { field, message });
        if self.columns.is_empty() {
            err("columns".into(), Message::new("csv_no_column"));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if !CSV_COLUMNS.iter().any(|(n, _)| n == c) {
                err(
                    format!("columns[{i}]"),
                    Message::new("csv_column")
                        .with("v", format!("{c:?}"))
                        .with("allowed", allowed(&CSV_COLUMNS.map(|c| c.0))),
                );
            } else if self.columns[..i].contains(c) {
                err(format!("columns[{i}]"), Message::new("csv_column_twice").with("v", format!("{c:?}")));
            }
        }
        let one_of = |v: &str, list: &[&str]| list.contains(&v);
        if !one_of(&self.separator, &CSV_SEPARATORS) {
            err(
                "separator".into(),
                Message::new("csv_choice")
                    .with("v", format!("{:?}", self.separator))
                    .with("allowed", allowed(&CSV_SEPARATORS)),
            );
        }
        if !one_of(&self.decimal_mark, &CSV_DECIMAL_MARKS) {
            err(
                "decimal_mark".into(),
                Message::new("csv_choice")
                    .with("v", format!("{:?}", self.decimal_mark))
                    .with("allowed", allowed(&CSV_DECIMAL_MARKS)),
            );
        } else if self.decimal_mark == self.separator {
            err(
                "decimal_mark".into(),
                Message::new("csv_mark_is_separator").with("v", format!("{:?}", self.decimal_mark)),
            );
        }
        if !one_of(&self.date_format, &CSV_DATE_FORMATS) {
            err(
                "date_format".into(),
                Message::new("csv_choice")
                    .with("v", format!("{:?}", self.date_format))
                    .with("allowed", allowed(&CSV_DATE_FORMATS)),
            );
        }
        if !one_of(&self.encoding, &CSV_ENCODINGS) {
            err(
                "encoding".into(),
                Message::new("csv_choice")
                    .with("v", format!("{:?}", self.encoding))
                    .with("allowed", allowed(&CSV_ENCODINGS)),
            );
        }
        out
    }

    /// The separator byte.
    pub fn separator_byte(&self) -> u8 {
        match self.separator.as_str() {
            "," => b',',
            "tab" => b'\t',
            "|" => b'|',
            _ => b';',
        }
    }

    /// The header of a column.
    pub fn header_of(column: &str) -> &'static str {
        CSV_COLUMNS.iter().find(|(n, _)| *n == column).map_or("", |(_, h)| h)
    }

    /// A day in the profile's format.
    pub fn date(&self, d: time::Date) -> String {
        let (y, m, day) = (d.year(), u8::from(d.month()), d.day());
        match self.date_format.as_str() {
            "JJ/MM/AAAA" => format!("{day:02}/{m:02}/{y:04}"),
            "AAAAMMJJ" => format!("{y:04}{m:02}{day:02}"),
            _ => format!("{y:04}-{m:02}-{day:02}"),
        }
    }
}

fn allowed(list: &[&str]) -> String {
    list.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_default_profile_is_valid_and_writes_iso_dates() {
        let p = CsvProfile::default();
        assert!(p.check().is_empty());
        assert_eq!(p.columns.len(), 18);
        assert_eq!(p.date(date!(2026 - 03 - 05)), "2026-03-05");
        let p = CsvProfile { date_format: "JJ/MM/AAAA".into(), ..p };
        assert_eq!(p.date(date!(2026 - 03 - 05)), "05/03/2026");
        let p = CsvProfile { date_format: "AAAAMMJJ".into(), ..p };
        assert_eq!(p.date(date!(2026 - 03 - 05)), "20260305");
    }

    #[test]
    fn a_bad_profile_names_each_wrong_field() {
        let p = CsvProfile {
            columns: vec!["debit".into(), "montant".into(), "debit".into()],
            separator: ",".into(),
            decimal_mark: ",".into(),
            date_format: "MM/JJ/AAAA".into(),
            header: true,
            encoding: "latin1".into(),
        };
        let fields: Vec<String> = p.check().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["columns[1]", "columns[2]", "decimal_mark", "date_format", "encoding"]);
        let codes: Vec<&str> = p.check().iter().map(|e| e.message.code()).collect();
        assert_eq!(codes, ["csv_column", "csv_column_twice", "csv_mark_is_separator", "csv_choice", "csv_choice"]);
        assert_eq!(CsvProfile { columns: vec![], ..CsvProfile::default() }.check()[0].field, "columns");
    }
}

//! Tables read from a file a person exported: CSV (the separator found from the header
//! line, `;` as French exports write it or `,`; UTF-8 with or without a byte order mark,
//! else Windows-1252) and XLSX (the first sheet). The result is text cells under a header
//! row; what the columns mean is the importer's business (`core::import`).

use facturier_core::message::Message;
use std::io::Cursor;

/// Most data rows a table may have.
pub const MAX_ROWS: usize = 100_000;
/// Most columns a table may have.
pub const MAX_COLUMNS: usize = 200;

/// A table: the header row and the data rows under it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// The cells of the first non-empty row, trimmed.
    pub headers: Vec<String>,
    /// The rows under it that have a non-empty cell.
    pub rows: Vec<Row>,
}

/// A data row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Its line in the file as a spreadsheet numbers it (the header row is usually 1).
    pub number: usize,
    /// Its cells, trimmed, as many as the row has (fewer or more than the headers).
    pub cells: Vec<String>,
}

impl Row {
    /// The cell under column `i`, empty when the row is shorter.
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Why a file could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("the file cannot be read as {format}: {detail}")]
    Unreadable { format: &'static str, detail: String },
    #[error("the file has no header row")]
    Empty,
    #[error("the file has more than {max} rows")]
    TooManyRows { max: usize },
    #[error("the file has more than {max} columns")]
    TooManyColumns { max: usize },
}

impl TableError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> Message {
        match self {
            TableError::Unreadable { format, detail } => {
                Message::new("import_unreadable").with("format", format).with("detail", detail)
            }
            TableError::Empty => Message::new("import_no_header"),
            TableError::TooManyRows { max } => Message::new("import_too_many_rows").with("max", max),
            TableError::TooManyColumns { max } => Message::new("import_too_many_columns").with("max", max),
        }
    }
}

/// The text of a CSV file: UTF-8 (its byte order mark dropped), else Windows-1252, which
/// is what spreadsheets on Windows save as "CSV".
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// The separator of a CSV file: the one of `;`, `,` and tab found most often outside
/// quotes on its first line (`;` on a tie: French exports write it, and their decimals
/// have commas).
fn separator(text: &str) -> u8 {
    let (mut counts, mut quoted) = ([0usize; 3], false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ';' if !quoted => counts[0] += 1,
            ',' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    [b';', b',', b'\t'][best]
}

/// Collects rows (number, cells) into a table: the first non-empty row is the header,
/// empty rows are skipped, the limits are enforced as rows arrive.
fn collect(rows: impl Iterator<Item = Result<(usize, Vec<String>), TableError>>) -> Result<Table, TableError> {
    let mut table: Option<Table> = None;
    for row in rows {
        let (number, cells) = row?;
        if cells.len() > MAX_COLUMNS {
            return Err(TableError::TooManyColumns { max: MAX_COLUMNS });
        }
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        match &mut table {
            None => table = Some(Table { headers: cells, rows: Vec::new() }),
            Some(t) if t.rows.len() >= MAX_ROWS => return Err(TableError::TooManyRows { max: MAX_ROWS }),
            Some(t) => t.rows.push(Row { number, cells }),
        }
    }
    table.ok_or(TableError::Empty)
}

/// Reads a CSV file.
pub fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows = reader.records().map(|r| {
        let r = r.map_err(|e| TableError::Unreadable { format: "CSV", detail: e.to_string() })?;
        let number = r.position().map(|p| p.line() as usize).unwrap_or_default();
        Ok((number, r.iter().map(|c| c.trim().to_string()).collect()))
    });
    collect(rows)
}

/// The text of a spreadsheet cell: whole numbers without a decimal point (a postal code
/// or a SIREN typed as a number), others as written by Rust's shortest round trip.
fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Error(_) | Data::Empty => String::new(),
        other => other.to_string().trim().to_string(),
    }
}

/// Reads the first sheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, TableError> {
    use calamine::Reader;
    let unreadable = |e: &dyn std::fmt::Display| TableError::Unreadable { format: "XLSX", detail: e.to_string() };
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(&e))?,
        None => return Err(TableError::Empty),
    };
    if range.width() > MAX_COLUMNS {
        return Err(TableError::TooManyColumns { max: MAX_COLUMNS });
    }
    let first = range.start().map(|(row, _)| row as usize).unwrap_or_default();
    let rows = range.rows().enumerate().map(|(i, cells)| Ok((first + i + 1, cells.iter().map(cell_text).collect())));
    collect(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_french_export_is_read_with_its_semicolons_and_decimal_commas() {
        let t = read_csv("Nom;Code postal;Prix\n\"Durand; fils\";01000;12,50\n;;\nMartin;75001;3\n".as_bytes())
            .expect("table");
        assert_eq!(t.headers, vec!["Nom", "Code postal", "Prix"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells, vec!["Durand; fils", "01000", "12,50"]);
        assert_eq!(t.rows[0].number, 2);
        assert_eq!(t.rows[1].number, 4);
        assert_eq!(t.rows[1].cell(7), "");
    }

    #[test]
    fn a_comma_separated_file_with_a_byte_order_mark_is_read() {
        let t = read_csv(b"\xEF\xBB\xBFname,city\nDurand,Lyon\n").expect("table");
        assert_eq!(t.headers, vec!["name", "city"]);
        assert_eq!(t.rows[0].cells, vec!["Durand", "Lyon"]);
    }

    #[test]
    fn windows_1252_is_decoded() {
        let t = read_csv(b"Nom;Ville\nB\xe9atrice;Orl\xe9ans\n").expect("table");
        assert_eq!(t.rows[0].cells, vec!["Béatrice", "Orléans"]);
    }

    #[test]
    fn an_empty_file_has_no_header() {
        assert_eq!(read_csv(b"\n\n"), Err(TableError::Empty));
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut s = String::from("name\n");
        for i in 0..=MAX_ROWS {
            s.push_str(&format!("c{i}\n"));
        }
        assert_eq!(read_csv(s.as_bytes()), Err(TableError::TooManyRows { max: MAX_ROWS }));
    }

    #[test]
    fn an_xlsx_sheet_is_read_with_numbers_as_text() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write(0, 0, "Réf.").expect("write");
        sheet.write(0, 1, "Prix de vente HT").expect("write");
        sheet.write(1, 0, "P-1").expect("write");
        sheet.write(1, 1, 12.5).expect("write");
        sheet.write(2, 0, 75001).expect("write");
        sheet.write(2, 1, 20).expect("write");
        let bytes = book.save_to_buffer().expect("xlsx");
        let t = read_xlsx(&bytes).expect("table");
        assert_eq!(t.headers, vec!["Réf.", "Prix de vente HT"]);
        assert_eq!(t.rows[0].cells, vec!["P-1", "12.5"]);
        assert_eq!(t.rows[1].cells, vec!["75001", "20"]);
        assert_eq!(t.rows[1].number, 3);
    }

    #[test]
    fn bytes_that_are_no_workbook_are_unreadable() {
        assert!(matches!(read_xlsx(b"name;city\n"), Err(TableError::Unreadable { format: "XLSX", .. })));
    }
}

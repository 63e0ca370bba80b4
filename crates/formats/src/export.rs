//! Tables exported for a spreadsheet: CSV as the reader's spreadsheet opens it (French:
//! `;` between cells and a decimal comma; English: `,` and a decimal point; UTF-8 with a
//! byte-order mark, which Excel needs to read accents) and XLSX, numbers as numbers.

use crate::error::FormatError;
use facturier_core::Decimal;
use facturier_core::money::to_text;
use facturier_core::party::Language;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// A cell of an exported table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// An amount or a count, written with `decimals` decimals.
    Number {
        value: Decimal,
        decimals: u32,
    },
    /// A day: `AAAA-MM-JJ` in CSV, a real date (`dd/mm/yyyy`) in XLSX.
    Date(time::Date),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn amount(value: Decimal) -> Cell {
        Cell::Number { value, decimals: 2 }
    }

    pub fn date(day: time::Date) -> Cell {
        Cell::Date(day)
    }
}

/// A table: its header row, then its rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The media type of CSV, and of XLSX.
pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The sheet as CSV for a reader of `lang`.
pub fn csv(sheet: &Sheet, lang: Language) -> Result<Vec<u8>, FormatError> {
    let (delimiter, mark) = match lang {
        Language::Fr => (b';', ","),
        Language::En => (b',', "."),
    };
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(&mut out);
        let err = |e: csv::Error| FormatError::Xml(format!("CSV: {e}"));
        w.write_record(&sheet.headers).map_err(err)?;
        for row in &sheet.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => s.clone(),
                    Cell::Number { value, decimals } => {
                        to_text(value.round_dp(*decimals), *decimals).replacen('.', mark, 1)
                    }
                    Cell::Date(d) => d.to_string(),
                })
                .collect();
            w.write_record(&cells).map_err(err)?;
        }
        w.flush().map_err(|e| FormatError::Xml(format!("CSV: {e}")))?;
    }
    Ok(out)
}

/// The sheet as an XLSX workbook of one sheet, its header row bold and frozen.
pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, FormatError> {
    let err = |e: rust_xlsxwriter::XlsxError| FormatError::Xml(format!("XLSX: {e}"));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let name: String = sheet.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if !name.is_empty() {
        ws.set_name(&name).map_err(err)?;
    }
    let bold = Format::new().set_bold();
    for (col, h) in sheet.headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| FormatError::Xml("XLSX: too many columns".into()))?;
        ws.write_string_with_format(0, col, h, &bold).map_err(err)?;
        ws.set_column_width(col, if col == 0 { 32 } else { 14 }).map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    let money = Format::new().set_num_format("#,##0.00");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| FormatError::Xml("XLSX: too many rows".into()))?;
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| FormatError::Xml("XLSX: too many columns".into()))?;
            match cell {
                Cell::Text(s) => ws.write_string(r, col, s).map(|_| ()).map_err(err)?,
                Cell::Date(d) => {
                    let y = u16::try_from(d.year()).map_err(|_| FormatError::Xml(format!("XLSX: the day {d}")))?;
                    let x = ExcelDateTime::from_ymd(y, u8::from(d.month()), d.day()).map_err(err)?;
                    ws.write_datetime_with_format(r, col, &x, &day).map(|_| ()).map_err(err)?
                }
                Cell::Number { value, decimals } => {
                    // A spreadsheet number is a double: exact for amounts far beyond invoices'.
                    let n: f64 = value.round_dp(*decimals).to_string().parse().unwrap_or(0.0);
                    if *decimals == 2 {
                        ws.write_number_with_format(r, col, n, &money).map(|_| ()).map_err(err)?
                    } else {
                        ws.write_number(r, col, n).map(|_| ()).map_err(err)?
                    }
                }
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_csv, read_xlsx};
    use rust_decimal_macros::dec;

    fn sheet() -> Sheet {
        Sheet {
            name: "Balance âgée".into(),
            headers: vec!["Client".into(), "Total".into()],
            rows: vec![
                vec![Cell::text("Société Générale; « Crédit »"), Cell::amount(dec!(1234.5))],
                vec![Cell::text("Durand"), Cell::amount(dec!(-0.05))],
            ],
        }
    }

    #[test]
    fn a_french_csv_reads_back_with_its_accents_separators_and_decimal_commas() {
        let bytes = csv(&sheet(), Language::Fr).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark for Excel");
        let t = read_csv(&bytes).unwrap();
        assert_eq!(t.headers, ["Client", "Total"]);
        assert_eq!(t.rows[0].cells, ["Société Générale; « Crédit »", "1234,50"]);
        assert_eq!(t.rows[1].cells, ["Durand", "-0,05"]);
        let en = String::from_utf8(csv(&sheet(), Language::En).unwrap()).unwrap();
        assert!(en.contains("Durand,-0.05"), "{en}");
    }

    #[test]
    fn an_xlsx_reads_back_with_numbers_as_numbers() {
        let bytes = xlsx(&sheet()).unwrap();
        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.headers, ["Client", "Total"]);
        assert_eq!(t.rows[0].cells[0], "Société Générale; « Crédit »");
        assert_eq!(t.rows[0].cells[1], "1234.5");
        assert_eq!(t.rows[1].cells[1], "-0.05");
    }
}

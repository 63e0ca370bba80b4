//! The FEC writer: the 18 columns of article A47 A-1 of the LPF, one line per entry
//! line, CR/LF, tab (or `|`) separated, ISO 8859-15 by default (UTF-8 on request),
//! amounts with a decimal comma and no thousands separator, dates `AAAAMMJJ`.
//!
//! It is streamed: each entry is written as it comes, and the writer keeps only the
//! last number of each journal, so a year of a million invoices takes the memory of
//! one entry. `EcritureNum` is the journal's code and its number on six digits
//! (`VE000001`), continuous per journal in the order entries are written.

use facturier_core::Decimal;
use facturier_core::accounting::Entry;
use std::collections::BTreeMap;
use std::io::{self, Write};
use time::Date;

/// The 18 columns, in their legal order.
pub const COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

/// The field separator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Separator {
    #[default]
    Tab,
    Pipe,
}

impl Separator {
    pub fn byte(self) -> u8 {
        match self {
            Separator::Tab => b'\t',
            Separator::Pipe => b'|',
        }
    }

    /// `tab` or `pipe`.
    pub fn parse(s: &str) -> Option<Separator> {
        match s {
            "tab" => Some(Separator::Tab),
            "pipe" => Some(Separator::Pipe),
            _ => None,
        }
    }
}

/// The character set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// ISO 8859-15, one of the legal sets (transliterated where a character is outside it).
    #[default]
    Latin9,
    /// UTF-8, which the law does not list: on request only, for tools that want it.
    Utf8,
}

impl Encoding {
    /// `iso-8859-15` (or `latin9`) or `utf-8`.
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "iso-8859-15" | "iso8859-15" | "latin9" | "latin-9" => Some(Encoding::Latin9),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            _ => None,
        }
    }

    /// The charset parameter of the media type.
    pub fn charset(self) -> &'static str {
        match self {
            Encoding::Latin9 => "iso-8859-15",
            Encoding::Utf8 => "utf-8",
        }
    }
}

/// How the file is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FecOptions {
    pub separator: Separator,
    pub encoding: Encoding,
}

/// `SIRENFECAAAAMMJJ.txt`, the date being the closing day of the period (fiscal year).
pub fn file_name(siren: &str, closing: Date) -> String {
    format!("{siren}FEC{}.txt", yyyymmdd(closing))
}

/// `AAAAMMJJ`.
pub fn yyyymmdd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `EcritureNum`: the journal's code and the entry's number on six digits (`VE000001`).
pub fn entry_number(journal: &str, n: u64) -> String {
    format!("{journal}{n:06}")
}

/// An amount with a decimal comma, two decimals at least, no thousands separator.
pub fn amount(d: Decimal) -> String {
    facturier_core::money::to_text(d, 2).replacen('.', ",", 1)
}

/// Writes a FEC to `out`, entry by entry.
pub struct FecWriter<W: Write> {
    out: W,
    options: FecOptions,
    valid_date: String,
    numbers: BTreeMap<String, u64>,
    line: Vec<u8>,
    /// Entry lines written.
    pub lines: u64,
    /// Entries written.
    pub entries: u64,
}

impl<W: Write> FecWriter<W> {
    /// Starts the file with its header line; `valid_date` is the day the entries are
    /// validated (the export).
    pub fn new(out: W, options: FecOptions, valid_date: Date) -> io::Result<FecWriter<W>> {
        let mut w = FecWriter {
            out,
            options,
            valid_date: yyyymmdd(valid_date),
            numbers: BTreeMap::new(),
            line: Vec::with_capacity(512),
            lines: 0,
            entries: 0,
        };
        let header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        w.write_fields(&header)?;
        Ok(w)
    }

    /// Writes one entry, numbering it next in its journal; returns its `EcritureNum`.
    pub fn write(&mut self, e: &Entry) -> io::Result<String> {
        let n = self.numbers.entry(e.journal.code.clone()).or_insert(0);
        *n += 1;
        let n = *n;
        self.write_numbered(e, n)
    }

    /// Writes one entry under a number fixed elsewhere (an export run's: the number the
    /// entry got when it was first exported); returns its `EcritureNum`.
    pub fn write_numbered(&mut self, e: &Entry, n: u64) -> io::Result<String> {
        let num = entry_number(&e.journal.code, n);
        for l in &e.lines {
            let (aux, aux_label) = match &l.auxiliary {
                Some(a) => (a.account.clone(), a.label.clone()),
                None => (String::new(), String::new()),
            };
            let (let_code, let_date) = match &l.lettering {
                Some(x) => (x.code.clone(), yyyymmdd(x.date)),
                None => (String::new(), String::new()),
            };
            let fields = [
                e.journal.code.clone(),
                e.journal.label.clone(),
                num.clone(),
                yyyymmdd(e.date),
                l.account.clone(),
                l.account_label.clone(),
                aux,
                aux_label,
                e.piece.clone(),
                yyyymmdd(e.piece_date),
                l.label.clone(),
                amount(l.debit),
                amount(l.credit),
                let_code,
                let_date,
                self.valid_date.clone(),
                l.currency_amount.map(amount).unwrap_or_default(),
                e.currency.clone().unwrap_or_default(),
            ];
            self.write_fields(&fields)?;
            self.lines += 1;
        }
        self.entries += 1;
        Ok(num)
    }

    fn write_fields(&mut self, fields: &[String]) -> io::Result<()> {
        let sep = self.options.separator.byte();
        self.line.clear();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.line.push(sep);
            }
            // A separator or a line break inside a field would shift the columns.
            let clean: String =
                f.chars().map(|c| if c == '\t' || c == '|' || c.is_control() { ' ' } else { c }).collect();
            let clean = clean.trim();
            match self.options.encoding {
                Encoding::Utf8 => self.line.extend_from_slice(clean.as_bytes()),
                Encoding::Latin9 => super::latin9::encode(clean, &mut self.line),
            }
        }
        self.line.extend_from_slice(b"\r\n");
        self.out.write_all(&self.line)
    }

    /// The character set the file is written in.
    pub fn encoding(&self) -> Encoding {
        self.options.encoding
    }

    /// The output written so far (a `Vec<u8>` can be taken page by page).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Flushes and gives the output back.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

//! Import files of French accounting software, written from the same entries as the FEC,
//! byte for byte to the layouts of `shared/reference/accounting-formats.md` (documented in
//! `docs/accounting.md`): Ciel / Sage 50 XIMPORT (fixed width), Quadratus ASCII (`M`
//! lines, amounts in cents) and EBP (comma separated). Every line ends with CR/LF; text is
//! unaccented ASCII (letters of other alphabets transliterated, the rest `?`), cut to its
//! width. Each writer takes one entry at a time (streamed like the FEC).

use facturier_core::Decimal;
use facturier_core::accounting::{Entry, EntryLine};
use time::Date;

/// Which layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Software {
    /// Ciel / Sage 50 XIMPORT.TXT.
    Ximport,
    /// QuadraCOMPTA ASCII import.
    Quadratus,
    /// EBP Comptabilité, comma separated.
    Ebp,
}

impl Software {
    /// `ximport`, `quadratus` or `ebp`.
    pub fn parse(s: &str) -> Option<Software> {
        match s {
            "ximport" => Some(Software::Ximport),
            "quadratus" => Some(Software::Quadratus),
            "ebp" => Some(Software::Ebp),
            _ => None,
        }
    }

    /// The file name the software expects or a clear one.
    pub fn file_name(self, closing: Date) -> String {
        let d = super::fec::yyyymmdd(closing);
        match self {
            Software::Ximport => "XIMPORT.TXT".into(),
            Software::Quadratus => format!("QUADRA{d}.txt"),
            Software::Ebp => format!("EBP{d}.txt"),
        }
    }
}

/// Unaccented printable ASCII: accents removed, other characters transliterated or `?`.
pub fn ascii(s: &str) -> String {
    let mut latin = Vec::new();
    super::latin9::encode(s, &mut latin);
    latin
        .iter()
        .map(|b| match *b {
            b if b.is_ascii_graphic() || b == b' ' => (b as char).to_string(),
            0xC0..=0xC5 => "A".into(),
            0xC7 => "C".into(),
            0xC8..=0xCB => "E".into(),
            0xCC..=0xCF => "I".into(),
            0xD1 => "N".into(),
            0xD2..=0xD6 | 0xD8 => "O".into(),
            0xD9..=0xDC => "U".into(),
            0xDD | 0xBE => "Y".into(),
            0xE0..=0xE5 => "a".into(),
            0xE7 => "c".into(),
            0xE8..=0xEB => "e".into(),
            0xEC..=0xEF => "i".into(),
            0xF1 => "n".into(),
            0xF2..=0xF6 | 0xF8 => "o".into(),
            0xF9..=0xFC => "u".into(),
            0xFD | 0xFF => "y".into(),
            0xC6 => "AE".into(),
            0xE6 => "ae".into(),
            0xBC => "OE".into(),
            0xBD => "oe".into(),
            0xA6 => "S".into(),
            0xA8 => "s".into(),
            0xB4 => "Z".into(),
            0xB8 => "z".into(),
            0xDF => "ss".into(),
            0xA4 => "EUR".into(),
            _ => " ".into(),
        })
        .collect()
}

/// `s` unaccented, cut or padded with spaces to `width` (left-aligned).
fn left(s: &str, width: usize) -> String {
    let a: String = ascii(s).chars().take(width).collect();
    format!("{a:<width$}")
}

/// `s` right-aligned in `width`, cut on the left when longer.
fn right(s: &str, width: usize) -> String {
    let a = ascii(s);
    let skip = a.chars().count().saturating_sub(width);
    let a: String = a.chars().skip(skip).collect();
    format!("{a:>width$}")
}

fn ymd(d: Date) -> String {
    super::fec::yyyymmdd(d)
}

fn dmy(d: Date, year_digits: usize) -> String {
    let y = format!("{:04}", d.year());
    format!("{:02}{:02}{}", d.day(), u8::from(d.month()), &y[4 - year_digits..])
}

/// The account a line is imported on: its auxiliary account when it has one.
fn account(l: &EntryLine) -> &str {
    l.auxiliary.as_ref().map_or(l.account.as_str(), |a| a.account.as_str())
}

/// The side and the unsigned amount of a line.
fn side(l: &EntryLine) -> (char, Decimal) {
    if l.debit.is_zero() && !l.credit.is_zero() { ('C', l.credit) } else { ('D', l.debit) }
}

fn two(d: Decimal) -> String {
    facturier_core::money::to_text(d.round_dp(2), 2)
}

/// The lines of one entry in `software`'s layout, `number` being the entry's number in
/// its journal (the FEC's).
pub fn write_entry(software: Software, e: &Entry, number: u64, out: &mut Vec<u8>) {
    for (i, l) in e.lines.iter().enumerate() {
        let (dir, amount) = side(l);
        let line = match software {
            Software::Ximport => format!(
                "{}{}{}{}{}{}{}{}{}{}{}{}",
                left(&number.to_string(), 5),
                left(&e.journal.code, 2),
                right(&ymd(e.date), 8),
                right(&ymd(e.piece_date), 8),
                left(&e.piece, 12),
                left(account(l), 11),
                left(&l.label, 25),
                right(&two(amount), 13),
                dir,
                " ".repeat(18),
                left(&l.label, 34),
                "O2003",
            ),
            Software::Quadratus => {
                let cents = (amount * Decimal::ONE_HUNDRED).round().to_string();
                let currency_amount = l.currency_amount.map(|c| (c * Decimal::ONE_HUNDRED).round().to_string());
                let piece_tail: String = {
                    let p = ascii(&e.piece);
                    let skip = p.chars().count().saturating_sub(10);
                    p.chars().skip(skip).collect()
                };
                let letter = l.lettering.as_ref().map(|x| x.code.clone()).unwrap_or_default();
                format!(
                    "M{}{}000{} {}{}+{:0>12}{}000000{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}{}",
                    left(account(l), 8),
                    left(&e.journal.code, 2),
                    dmy(e.date, 2),
                    left(&l.label, 20),
                    dir,
                    cents,
                    " ".repeat(8),
                    // Two characters: the last two of the lettering code.
                    right(&letter, 2),
                    " ".repeat(3),
                    right(&number.to_string(), 5),
                    " ".repeat(10),
                    " ".repeat(10),
                    right(&number.to_string(), 8),
                    left(e.currency.as_deref().unwrap_or("EUR"), 3),
                    left(&e.journal.code, 3),
                    " ".repeat(3),
                    left(&l.label, 30),
                    " ".repeat(2),
                    left(&piece_tail, 10),
                    " ".repeat(10),
                    match currency_amount {
                        Some(c) => format!("{c:0>13}"),
                        None => " ".repeat(13),
                    },
                    " ".repeat(12),
                    " ".repeat(38),
                )
            }
            Software::Ebp => format!(
                "{},{},{},{},\"{}\",\"{}\",{},{},{}",
                i + 1,
                dmy(e.date, 4),
                ascii(&e.journal.code),
                ascii(account(l)),
                ascii(&l.label).replace('"', "'").chars().take(40).collect::<String>(),
                ascii(&e.piece).replace('"', "'").chars().take(15).collect::<String>(),
                two(amount),
                dir,
                dmy(e.piece_date, 4),
            ),
        };
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

//! ISO 8859-15 (Latin-9), the FEC's default character set: Latin-1 with eight code
//! points replaced (€, Š, š, Ž, ž, Œ, œ, Ÿ). A character outside it is transliterated
//! to its closest ASCII (’ → ', « → " …, accented letters of other languages to their
//! base letter); one with no reading becomes `?`. Nothing is ever refused, so a name in
//! another script still leaves a file the administration can read (docs/accounting.md).

/// The Latin-9 byte of `c`, if it has one.
pub fn byte_of(c: char) -> Option<u8> {
    let u = c as u32;
    match c {
        '€' => Some(0xA4),
        'Š' => Some(0xA6),
        'š' => Some(0xA8),
        'Ž' => Some(0xB4),
        'ž' => Some(0xB8),
        'Œ' => Some(0xBC),
        'œ' => Some(0xBD),
        'Ÿ' => Some(0xBE),
        _ if u < 0x80 => Some(u as u8),
        // The eight Latin-1 points Latin-9 gave away.
        _ if [0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE].contains(&u) => None,
        _ if (0xA0..=0xFF).contains(&u) => Some(u as u8),
        _ => None,
    }
}

/// The character of a Latin-9 byte.
pub fn char_of(b: u8) -> char {
    match b {
        0xA4 => '€',
        0xA6 => 'Š',
        0xA8 => 'š',
        0xB4 => 'Ž',
        0xB8 => 'ž',
        0xBC => 'Œ',
        0xBD => 'œ',
        0xBE => 'Ÿ',
        _ => b as char,
    }
}

/// What a character outside Latin-9 is written as.
fn transliterate(c: char) -> &'static str {
    match c {
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' | '¨' => "\"",
        '–' | '—' | '‐' | '−' => "-",
        '…' => "...",
        '\u{202F}' | '\u{2009}' | '\u{2007}' => " ",
        '¤' => "EUR",
        '¦' => "|",
        '´' => "'",
        '¸' => ",",
        '¼' => "1/4",
        '½' => "1/2",
        '¾' => "3/4",
        '•' => "-",
        'ł' => "l",
        'Ł' => "L",
        'ą' | 'ă' | 'ā' => "a",
        'Ą' | 'Ă' | 'Ā' => "A",
        'ć' | 'č' => "c",
        'Ć' | 'Č' => "C",
        'ę' | 'ě' | 'ē' | 'ė' => "e",
        'Ę' | 'Ě' | 'Ē' | 'Ė' => "E",
        'ń' | 'ň' => "n",
        'Ń' | 'Ň' => "N",
        'ś' | 'ş' | 'ș' => "s",
        'Ś' | 'Ş' | 'Ș' => "S",
        'ź' | 'ż' => "z",
        'Ź' | 'Ż' => "Z",
        'ř' => "r",
        'Ř' => "R",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'ğ' => "g",
        'Ğ' => "G",
        'ı' | 'ī' => "i",
        'İ' | 'Ī' => "I",
        'ő' | 'ō' => "o",
        'Ő' | 'Ō' => "O",
        'ű' | 'ů' | 'ū' => "u",
        'Ű' | 'Ů' | 'Ū' => "U",
        'đ' => "d",
        'Đ' => "D",
        _ => "?",
    }
}

/// `s` in Latin-9 bytes, transliterating what it cannot hold.
pub fn encode(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match byte_of(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(transliterate(c).as_bytes()),
        }
    }
}

/// Latin-9 bytes as text.
pub fn decode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char_of(*b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_and_the_euro_round_trip_and_the_rest_is_transliterated() {
        let mut out = Vec::new();
        encode("Œuvre à 10 € — l’été, Łódź", &mut out);
        assert_eq!(out[0], 0xBC);
        assert_eq!(decode(&out), "Œuvre à 10 € - l'été, Lódz");
        let mut out = Vec::new();
        encode("北京", &mut out);
        assert_eq!(out, b"??");
    }
}

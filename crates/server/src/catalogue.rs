//! The catalogue of messages in the reader's language: every message a person may read is
//! a stable code with its English and French templates, one row of core's table
//! ([`MESSAGES`], `core/src/message/table.rs`). A message is written from its code and
//! values (`core::message::Message`): the API's `detail` and `message` in English beside
//! the `code`, web pages in the user's language (amounts and dates in its notation,
//! document kinds and statuses in its words, [`VOCAB`]).
//!
//! Some producers still write English sentences: those are read back against the English
//! templates to find their code and their French ([`localize`], [`code`]) until they give
//! their code themselves. A text no template matches stays in English: never an empty
//! string. Tests scan the sources: every code written is a row naming the values given,
//! every row is written somewhere, every remaining sentence has a template.

use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::text;
use std::collections::HashMap;

pub use facturier_core::message::MESSAGES;

/// Words that messages carry as values: (vocabulary, English, French).
pub const VOCAB: &[(&str, &str, &str)] = &[
    // A kind of document with its article (kind codes and the API's nouns).
    ("doc", "a quote", "un devis"),
    ("doc", "an order", "une commande"),
    ("doc", "a delivery note", "un bon de livraison"),
    ("doc", "a pro-forma invoice", "une facture pro forma"),
    ("doc", "an invoice", "une facture"),
    ("doc", "a deposit invoice", "une facture d'acompte"),
    ("doc", "a credit note", "un avoir"),
    ("doc", "quote", "un devis"),
    ("doc", "order", "une commande"),
    ("doc", "delivery_note", "un bon de livraison"),
    ("doc", "delivery note", "un bon de livraison"),
    ("doc", "proforma", "une facture pro forma"),
    ("doc", "pro-forma invoice", "une facture pro forma"),
    ("doc", "invoice", "une facture"),
    ("doc", "deposit_invoice", "une facture d'acompte"),
    ("doc", "deposit invoice", "une facture d'acompte"),
    ("doc", "credit_note", "un avoir"),
    ("doc", "credit note", "un avoir"),
    ("kind", "quote", "devis"),
    ("kind", "order", "commande"),
    ("kind", "delivery_note", "bon de livraison"),
    ("kind", "delivery note", "bon de livraison"),
    ("kind", "proforma", "facture pro forma"),
    ("kind", "pro-forma invoice", "facture pro forma"),
    ("kind", "invoice", "facture"),
    ("kind", "deposit_invoice", "facture d'acompte"),
    ("kind", "deposit invoice", "facture d'acompte"),
    ("kind", "credit_note", "avoir"),
    ("kind", "credit note", "avoir"),
    ("de_kind", "quote", "de devis"),
    ("de_kind", "order", "de commande"),
    ("de_kind", "delivery note", "de bon de livraison"),
    ("de_kind", "pro-forma invoice", "de facture pro forma"),
    ("de_kind", "invoice", "de facture"),
    ("de_kind", "deposit invoice", "de facture d'acompte"),
    ("de_kind", "credit note", "d'avoir"),
    // A status, as the name of a state (masculine: « le statut émis »).
    ("status", "draft", "« brouillon »"),
    ("status", "sent", "« envoyé »"),
    ("status", "accepted", "« accepté »"),
    ("status", "refused", "« refusé »"),
    ("status", "expired", "« expiré »"),
    ("status", "converted", "« transformé »"),
    ("status", "confirmed", "« confirmé »"),
    ("status", "partially_delivered", "« livré en partie »"),
    ("status", "partially delivered", "« livré en partie »"),
    ("status", "delivered", "« livré »"),
    ("status", "invoiced", "« facturé »"),
    ("status", "validated", "« validé »"),
    ("status", "issued", "« émis »"),
    ("status", "partially_paid", "« payé en partie »"),
    ("status", "partially paid", "« payé en partie »"),
    ("status", "paid", "« payé »"),
    ("status", "credited", "« soldé par avoir »"),
    ("status", "cancelled", "« annulé »"),
    ("done", "delivered", "livrée"),
    ("done", "invoiced", "facturée"),
    // Identifiers named in messages.
    ("id", "SIREN", "SIREN"),
    ("id", "SIRET", "SIRET"),
    ("id", "VAT number", "Numéro de TVA intracommunautaire"),
    ("id", "French VAT number", "Numéro de TVA intracommunautaire"),
    ("id", "e-mail address", "Adresse e-mail"),
    // Records named by "no such …".
    ("thing", "API token", "jeton d'API"),
    ("thing", "company", "société"),
    ("thing", "customer", "client"),
    ("thing", "document kind", "type de document"),
    ("thing", "document", "document"),
    ("thing", "e-mail", "e-mail"),
    ("thing", "file", "fichier"),
    ("thing", "logo", "logo"),
    ("thing", "member", "membre"),
    ("thing", "product", "produit"),
    ("thing", "route", "adresse"),
    ("thing", "user", "utilisateur"),
    ("thing", "line", "ligne"),
    ("role", "admin", "administrateur"),
    ("role", "sales", "commercial"),
    ("role", "accountant", "comptable"),
    ("role", "read_only", "lecture seule"),
];

/// A piece of a template: literal text or a named capture with its transform.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Lit(String),
    Hole { name: String, how: String },
}

/// Parses a template: `{name}` / `{name:how}` are holes, `{{` and `}}` literal braces.
fn parse(template: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut lit = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    inner.push(c);
                }
                if !lit.is_empty() {
                    segs.push(Seg::Lit(std::mem::take(&mut lit)));
                }
                let (name, how) = inner.split_once(':').unwrap_or((&inner, ""));
                segs.push(Seg::Hole { name: name.to_string(), how: how.to_string() });
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        segs.push(Seg::Lit(lit));
    }
    segs
}

/// What a template captured: (name, text).
type Captures<'a> = Vec<(String, &'a str)>;

/// Matches `text` against `segs`, filling `caps`; backtracks over where each capture ends.
fn matches<'a>(segs: &[Seg], text: &'a str, caps: &mut Vec<(String, &'a str)>) -> bool {
    match segs.split_first() {
        None => text.is_empty(),
        Some((Seg::Lit(l), rest)) => text.strip_prefix(l.as_str()).is_some_and(|t| matches(rest, t, caps)),
        Some((Seg::Hole { name, .. }, rest)) => {
            let ends: Vec<usize> = match rest.first() {
                None => vec![text.len()],
                Some(Seg::Lit(l)) => text.match_indices(l.as_str()).map(|(i, _)| i).collect(),
                // Two holes in a row: the first takes as much as it can.
                Some(Seg::Hole { .. }) => (0..=text.len()).rev().filter(|i| text.is_char_boundary(*i)).collect(),
            };
            for end in ends {
                caps.push((name.clone(), &text[..end]));
                if matches(rest, &text[end..], caps) {
                    return true;
                }
                caps.pop();
            }
            false
        }
    }
}

fn literal_len(segs: &[Seg]) -> usize {
    segs.iter().map(|s| if let Seg::Lit(l) = s { l.len() } else { 0 }).sum()
}

/// One row of the catalogue, parsed.
struct Row {
    code: &'static str,
    en: Vec<Seg>,
    fr: Vec<Seg>,
}

/// The parsed catalogue, built once.
fn table() -> &'static [Row] {
    static TABLE: std::sync::OnceLock<Vec<Row>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| MESSAGES.iter().map(|(code, en, fr)| Row { code, en: parse(en), fr: parse(fr) }).collect())
}

fn row(code: &str) -> Option<&'static Row> {
    table().iter().find(|r| r.code == code)
}

/// What can be written in the reader's language: a [`Message`], or an English text.
pub trait Localize {
    fn localize(&self, lang: Language) -> String;
}

impl Localize for Message {
    fn localize(&self, lang: Language) -> String {
        localize(lang, self)
    }
}

impl Localize for str {
    fn localize(&self, lang: Language) -> String {
        localize(lang, &Message::sentence(self))
    }
}

impl Localize for String {
    fn localize(&self, lang: Language) -> String {
        self.as_str().localize(lang)
    }
}

/// `m` in `lang`: English when no template matches an uncoded sentence.
pub fn message(lang: Language, m: &(impl Localize + ?Sized)) -> String {
    m.localize(lang)
}

/// A message in `lang`, written from its code's templates with its values (amounts and
/// dates in the reader's notation, kinds and statuses in the reader's words).
pub fn localize(lang: Language, m: &Message) -> String {
    if let Some(en) = m.text() {
        return match lang {
            Language::En => en.to_string(),
            Language::Fr => french(en, 0).map(|(fr, _)| typography(&fr)).unwrap_or_else(|| en.to_string()),
        };
    }
    match lang {
        Language::En => m.english(),
        Language::Fr => typography(&french_of(m)),
    }
}

/// The French of a coded message before typography: its template with its values, and
/// its parts (`{hint:t}`) written in French in turn.
fn french_of(m: &Message) -> String {
    let Some(code) = m.code() else {
        let en = m.text().unwrap_or_default();
        return french(en, 0).map(|(fr, _)| fr).unwrap_or_else(|| en.to_string());
    };
    let Some(row) = row(code) else { return code.to_string() };
    let caps: HashMap<String, &str> = m.args().iter().map(|(n, v)| (n.to_string(), v.as_str())).collect();
    let mut out = String::new();
    for seg in &row.fr {
        match seg {
            Seg::Lit(l) => out.push_str(l),
            Seg::Hole { name, how } => match m.part(name) {
                Some(part) => out.push_str(&french_of(part)),
                None => out.push_str(&value(caps.get(name).copied().unwrap_or_default(), how, 0).0),
            },
        }
    }
    out
}

/// The English sentence of a message, as the API gives it in `detail` and `message`.
pub fn english(m: &Message) -> String {
    localize(Language::En, m)
}

/// The stable code of a message. An English sentence not yet given its code by the
/// code that wrote it takes the code of the template it reads as, else `invalid`.
pub fn code(m: &Message) -> &'static str {
    if let Some(c) = m.code() {
        return c;
    }
    best_match(m.text().unwrap_or_default()).map_or("invalid", |(row, _)| row.code)
}

/// The row whose English template reads as `en`, and what its holes captured. When
/// several match, the one with the most literal text wins ("no such customer" over "no
/// such {what}").
fn best_match(en: &str) -> Option<(&'static Row, Captures<'_>)> {
    let mut best: Option<(usize, &Row, Captures)> = None;
    for row in table() {
        let len = literal_len(&row.en);
        // A row of values only (`{number}: {why}`) is written from its code, never read back.
        if len <= 2 {
            continue;
        }
        if best.as_ref().is_some_and(|(l, _, _)| *l >= len) {
            continue;
        }
        let mut caps = Vec::new();
        if matches(&row.en, en, &mut caps) {
            best = Some((len, row, caps));
        }
    }
    best.map(|(_, row, caps)| (row, caps))
}

/// The French of `en` before typography, if a template matches, and whether every value
/// in it found its French word too.
fn french(en: &str, depth: u8) -> Option<(String, bool)> {
    if depth > 4 {
        return None;
    }
    let (row, caps) = best_match(en)?;
    let caps: HashMap<String, &str> = caps.into_iter().collect();
    Some(fill(&row.fr, &caps, depth))
}

/// A template with its holes filled, and whether every value found its words.
fn fill(segs: &[Seg], caps: &HashMap<String, &str>, depth: u8) -> (String, bool) {
    let mut out = String::new();
    let mut complete = true;
    for seg in segs {
        match seg {
            Seg::Lit(l) => out.push_str(l),
            Seg::Hole { name, how } => {
                let v = caps.get(name).copied().unwrap_or_default();
                let (text, found) = value(v, how, depth);
                complete &= found;
                out.push_str(&text);
            }
        }
    }
    (out, complete)
}

/// A captured value written the French way, and whether it could be (an unknown word
/// stays as it came).
fn value(v: &str, how: &str, depth: u8) -> (String, bool) {
    let kept = || (v.to_string(), v.is_empty());
    match how {
        "" => (v.to_string(), true),
        "num" | "amount" => match v.trim().parse::<Decimal>() {
            Ok(d) => (text::number(d, if how == "amount" { 2 } else { 0 }, Language::Fr), true),
            Err(_) => kept(),
        },
        "date" => match crate::input::parse_date(v) {
            Some(d) => (text::date(d, Language::Fr), true),
            None => kept(),
        },
        "q" => match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            Some(inner) => (format!("« {inner} »"), true),
            None => kept(),
        },
        "t" => french(v, depth + 1).unwrap_or_else(kept),
        vocab => VOCAB
            .iter()
            .find(|(w, en, _)| *w == vocab && *en == v)
            .map(|(_, _, fr)| ((*fr).to_string(), true))
            .unwrap_or_else(kept),
    }
}

/// French spacing: a no-break space before `: ; ? !` and inside « », where the table
/// (or a value) put a plain space or none.
fn typography(s: &str) -> String {
    const NBSP: char = '\u{a0}';
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        match c {
            ' ' if matches!(next, Some(':' | ';' | '?' | '!' | '»')) => out.push(NBSP),
            ' ' if i > 0 && chars[i - 1] == '«' => out.push(NBSP),
            _ => out.push(c),
        }
    }
    out
}

/// Names of the API's field paths for error summaries: (path segment, French, English).
/// A list element (`contacts[2]`) is named by its list and position.
const FIELDS: &[(&str, &str, &str)] = &[
    ("body", "Contenu", "Content"),
    ("name", "Nom", "Name"),
    ("kind", "Type", "Kind"),
    ("email", "E-mail", "E-mail"),
    ("phone", "Téléphone", "Phone"),
    ("mobile", "Mobile", "Mobile"),
    ("role", "Fonction", "Role"),
    ("siren", "SIREN", "SIREN"),
    ("siret", "SIRET", "SIRET"),
    ("vat_number", "N° de TVA intracommunautaire", "VAT number"),
    // Groups the form does not show as such: their fields are named alone.
    ("legal", "", ""),
    ("identity", "", ""),
    ("billing_address", "Adresse de facturation", "Billing address"),
    ("delivery_address", "Adresse de livraison", "Delivery address"),
    ("address", "Adresse", "Address"),
    ("line1", "Adresse", "Address"),
    ("line2", "Complément d'adresse", "Address line 2"),
    ("postal_code", "Code postal", "Postal code"),
    ("city", "Ville", "City"),
    ("country", "Pays", "Country"),
    ("contacts", "Contact", "Contact"),
    ("language", "Langue", "Language"),
    ("currency", "Devise", "Currency"),
    ("payment_terms", "Conditions de paiement", "Payment terms"),
    ("tags", "Étiquettes", "Tags"),
    ("notes", "Notes", "Notes"),
    ("iban", "IBAN", "IBAN"),
    ("bic", "BIC", "BIC"),
    ("banks", "Compte bancaire", "Bank account"),
    ("customer_id", "Client", "Customer"),
    ("lines", "Ligne", "Line"),
    ("description", "Désignation", "Description"),
    ("quantity", "Quantité", "Quantity"),
    ("unit_price", "Prix unitaire HT", "Unit price"),
    ("vat_rate", "Taux de TVA", "VAT rate"),
    ("discount_percent", "Remise %", "Discount %"),
    ("discount_amount", "Remise", "Discount"),
    ("charges", "Frais", "Charge"),
    ("instalments", "Échéance", "Instalment"),
    ("schedule", "Échéancier", "Payment schedule"),
    ("valid_until", "Valable jusqu'au", "Valid until"),
    ("issue_date", "Date d'émission", "Issue date"),
    ("note", "Note", "Note"),
    ("terms", "Conditions", "Terms"),
    ("date", "Date", "Date"),
    ("amount", "Montant", "Amount"),
    ("method", "Mode de règlement", "Method"),
    ("reference", "Référence", "Reference"),
    ("percent", "Pourcentage", "Percentage"),
    ("other_taxes", "Autre taxe", "Other tax"),
    ("label", "Libellé", "Label"),
    ("amount_per_unit", "Montant par unité", "Amount per unit"),
    ("cumulative_percent", "Avancement cumulé", "Cumulative progress"),
    ("to", "Destinataire", "Recipient"),
    ("cc", "Copie à", "Cc"),
    ("subject", "Objet", "Subject"),
    ("message", "Message", "Message"),
    ("pattern", "Modèle de numérotation", "Numbering pattern"),
    ("documents", "Documents", "Documents"),
    ("accent", "Couleur", "Colour"),
    ("vat_rates", "Taux de TVA proposés", "VAT rates offered"),
    ("vat_exemptions", "Mention d'exonération de TVA", "VAT exemption mention"),
    ("text", "Texte", "Text"),
    ("code", "Code VATEX", "VATEX code"),
    ("category", "Catégorie", "Category"),
    ("email_templates", "Modèles d'e-mail", "E-mail templates"),
    ("file", "Fichier", "File"),
];

/// A field path of the API (`contacts[1].email`) as the reader's words ("Contact 2 › E-mail").
pub fn field_name(lang: Language, path: &str) -> String {
    let word = |seg: &str| {
        FIELDS.iter().find(|(k, _, _)| *k == seg).map(|(_, fr, en)| if lang == Language::Fr { *fr } else { *en })
    };
    path.split('.')
        .map(|seg| match seg.split_once('[') {
            Some((list, rest)) => {
                let n = rest.trim_end_matches(']').parse::<usize>().map(|n| (n + 1).to_string());
                format!("{} {}", word(list).unwrap_or(list), n.unwrap_or_else(|_| rest.trim_end_matches(']').into()))
            }
            // The settings name one input per kind of document: `pattern-invoice`.
            None => match (word(seg), seg.split_once('-')) {
                (Some(w), _) => w.to_string(),
                (None, Some((field, kind))) if word(field).is_some() => {
                    let kind = match lang {
                        Language::Fr => {
                            VOCAB.iter().find(|(v, en, _)| *v == "kind" && *en == kind).map(|(_, _, fr)| *fr)
                        }
                        Language::En => None,
                    };
                    format!(
                        "{} ({})",
                        word(field).unwrap_or(field),
                        kind.unwrap_or(&seg[field.len() + 1..]).replace('_', " ")
                    )
                }
                _ => seg.to_string(),
            },
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" › ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Where a message can come from: every `.rs` file of these crates, tests left out.
    const SOURCES: &[&str] = &["../core/src", "../store/src", "../formats/src", "src"];

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("source dir") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }

    /// Reads the Rust string literal at the start of `s`: its text and the rest of `s`.
    fn literal(s: &str) -> Option<(String, &str)> {
        let body = s.strip_prefix('"')?;
        let mut out = String::new();
        let mut it = body.char_indices();
        while let Some((i, c)) = it.next() {
            match c {
                '"' => return Some((out, &body[i + 1..])),
                '\\' => match it.next()?.1 {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '\'' => out.push('\''),
                    // A `\` at the end of a line continues the literal past the indentation.
                    '\n' => {
                        let rest = &body[i + 2..];
                        let skip = rest.len() - rest.trim_start().len();
                        for _ in 0..rest[..skip].chars().count() {
                            it.next();
                        }
                    }
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        None
    }

    /// The arguments of a call whose `(` was just passed, split at top-level commas.
    fn args(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let (mut depth, mut start, mut in_str) = (0i32, 0usize, false);
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if in_str {
                match b {
                    b'\\' => i += 1,
                    b'"' => in_str = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_str = true,
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' if depth == 0 => {
                        out.push(s[start..i].trim());
                        return out;
                    }
                    b')' | b']' | b'}' => depth -= 1,
                    b',' if depth == 0 => {
                        out.push(s[start..i].trim());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        out
    }

    /// A message argument as template pieces: a plain literal is all text; the literal of
    /// a `format!` has holes; a `CONST` is looked up in its file. Anything else (a value
    /// computed elsewhere, whose own source is scanned) is `None`.
    fn message_arg(arg: &str, file: &str) -> Option<Vec<Seg>> {
        let arg = arg.trim();
        if arg.starts_with('"') {
            let (lit, _) = literal(arg)?;
            return Some(vec![Seg::Lit(lit)]);
        }
        if let Some(rest) = arg.strip_prefix("format!(") {
            let first = args(rest).into_iter().next()?;
            return Some(parse(&literal(first)?.0));
        }
        let name: String = arg.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
        if name.len() > 2 {
            let decl = format!("const {name}: &str = ");
            let at = file.find(&decl)?;
            return Some(vec![Seg::Lit(literal(&file[at + decl.len()..])?.0)]);
        }
        None
    }

    /// Every message template the sources can produce, with where it was found.
    fn source_messages() -> Vec<(String, Vec<Seg>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in SOURCES {
            rust_files(&root.join(dir), &mut files);
        }
        // (marker, which argument is the message; None: the `message:` field of a struct).
        let calls: &[(&str, Option<usize>)] = &[
            ("#[error(", Some(0)),
            ("ApiError::field(", Some(1)),
            (".error(", Some(1)),
            ("ApiError::Conflict(", Some(0)),
            ("StoreError::Conflict(", Some(0)),
            (" invalid(", Some(1)),
            ("(invalid(", Some(1)),
            ("StoreError::Invalid {", None),
            ("FieldError {", None),
            ("Err(format!(", Some(0)),
            ("ok_or_else(|| format!(", Some(0)),
            ("Error::custom(format!(", Some(0)),
        ];
        let mut out = Vec::new();
        for path in files {
            let full = std::fs::read_to_string(&path).expect("read source");
            let src = full.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            for (marker, which) in calls {
                for (at, _) in src.match_indices(marker) {
                    let after = &src[at + marker.len()..];
                    let found = match which {
                        // The format macros: their first argument is the literal itself.
                        Some(0) if marker.ends_with("format!(") => {
                            args(after).first().and_then(|a| literal(a)).map(|(l, _)| parse(&l))
                        }
                        Some(0) if *marker == "#[error(" => {
                            args(after).first().and_then(|a| literal(a)).map(|(l, _)| parse(&l))
                        }
                        Some(n) => args(after).get(*n).and_then(|a| message_arg(a, src)),
                        None => args(after)
                            .iter()
                            .find_map(|a| a.strip_prefix("message:"))
                            .and_then(|a| message_arg(a, src)),
                    };
                    if let Some(segs) = found {
                        // A bare `{0}` or `{}: {e}` only passes another message through.
                        let letters =
                            segs.iter().any(|s| matches!(s, Seg::Lit(l) if l.chars().any(char::is_alphabetic)));
                        if letters {
                            out.push((name.clone(), segs));
                        }
                    }
                }
            }
        }
        out
    }

    /// The text of a template with every hole as one mark: two templates with the same
    /// shape match the same messages.
    fn shape(segs: &[Seg]) -> String {
        segs.iter().map(|s| if let Seg::Lit(l) = s { l.as_str() } else { "\u{1}" }).collect()
    }

    fn fr(en: &str) -> String {
        message(Language::Fr, en)
    }

    /// French as a reader sees it, with plain spaces, to compare with literals.
    fn plain(s: &str) -> String {
        s.replace(['\u{a0}', '\u{202f}'], " ")
    }

    #[test]
    fn messages_read_in_french_with_values_in_french_notation() {
        assert_eq!(plain(&fr("is required")), "obligatoire");
        assert_eq!(
            plain(&fr("SIRET 73282932000075: the check digit is wrong (typo?)")),
            "SIRET 73282932000075 : la clé de contrôle est fausse (faute de frappe ?)"
        );
        assert_eq!(
            plain(&fr("credit notes would total 1234.5, more than the invoice's 1200.00")),
            "Les avoirs atteindraient 1 234,50, plus que le montant TTC de la facture (1 200,00)"
        );
        assert_eq!(
            plain(&fr(
                "issue date 2026-03-01 is before 2026-03-04, the date of the last issued invoice: numbers must follow dates"
            )),
            "La date d'émission 01/03/2026 est antérieure au 04/03/2026, date du dernier document émis du même type \
             (facture) : les numéros doivent suivre l'ordre des dates"
        );
        assert_eq!(
            plain(&fr("pattern \"F-{SEQ}-{XX}\" has an unknown placeholder \"XX\"; use {YYYY}, {YY}, {MM}, {SEQ:n}")),
            "le modèle « F-{SEQ}-{XX} » contient un champ inconnu « XX » ; utilisez {YYYY}, {YY}, {MM}, {SEQ:n}"
        );
        assert_eq!(plain(&fr("no such customer")), "client introuvable");
        assert_eq!(plain(&fr("no such API token")), "jeton d'API introuvable");
        assert_eq!(
            plain(&fr("the instalments add up to 90 %, not 100 %: add 10 % to an instalment")),
            "les échéances totalisent 90 %, et non 100 % : ajoutez 10 % à une échéance"
        );
    }

    #[test]
    fn french_spacing_is_non_breaking_and_english_is_untouched() {
        let s = fr("the document is draft: it accepts no payment");
        assert!(s.contains("\u{a0}: il"), "{s}");
        assert!(s.contains("«\u{a0}brouillon\u{a0}»"), "{s}");
        let en = "the document is draft: it accepts no payment";
        assert_eq!(message(Language::En, en), en);
    }

    #[test]
    fn an_unknown_message_stays_in_english_never_empty() {
        assert_eq!(fr("something nobody wrote yet"), "something nobody wrote yet");
        assert_eq!(fr(""), "");
    }

    #[test]
    fn every_refused_transition_reads_in_french() {
        use facturier_core::document::{DocumentKind, LifecycleError, Status};
        use facturier_core::lifecycle;
        let mut seen = 0;
        for kind in DocumentKind::ALL {
            for status in Status::ALL {
                let mut errs = vec![
                    lifecycle::accept(kind, status).err(),
                    lifecycle::refuse(kind, status).err(),
                    lifecycle::cancel(kind, status).err(),
                ];
                errs.extend(DocumentKind::ALL.iter().map(|to| lifecycle::convert(kind, status, *to).err()));
                let mut texts: Vec<String> = errs.into_iter().flatten().map(|e| e.to_string()).collect();
                texts.push(LifecycleError::NotDraft(status.as_str()).to_string());
                texts.push(LifecycleError::NotPayable(status.as_str()).to_string());
                texts.push(LifecycleError::NotCreditable(status.as_str()).to_string());
                let date = time::macros::date!(2026 - 01 - 02);
                texts.push(LifecycleError::BeforeLastIssued { date, last: date, kind: kind.as_str() }.to_string());
                texts.push(format!("a draft {} has no number yet: issue it before sending it", crate::api::noun(kind)));
                for en in texts {
                    let (fr, complete) = french(&en, 0).unwrap_or_else(|| panic!("no French for {en:?}"));
                    assert!(complete, "a word of {en:?} has no French: {fr}");
                    seen += 1;
                }
            }
        }
        assert!(seen > 500);
    }

    #[test]
    fn identifiers_refused_by_core_read_in_french() {
        use facturier_core::ids::{Email, Iban, Siren, Siret, VatNumber};
        let errors = [
            "12345".parse::<Siren>().err().map(|e| e.to_string()),
            "732829321".parse::<Siren>().err().map(|e| e.to_string()),
            "7328293200007".parse::<Siret>().err().map(|e| e.to_string()),
            "73282932000075".parse::<Siret>().err().map(|e| e.to_string()),
            "000000000".parse::<Siren>().err().map(|e| e.to_string()),
            "00000000000000".parse::<Siret>().err().map(|e| e.to_string()),
            "XX1".parse::<VatNumber>().err().map(|e| e.to_string()),
            "FR1".parse::<VatNumber>().err().map(|e| e.to_string()),
            "FR123".parse::<VatNumber>().err().map(|e| e.to_string()),
            "FR45732829320".parse::<VatNumber>().err().map(|e| e.to_string()),
            "compta@".parse::<Email>().err().map(|e| e.to_string()),
            "FR76 3000 6000 0112 3456 7890 188".parse::<Iban>().err().map(|e| e.to_string()),
            "ZZ76 3000".parse::<Iban>().err().map(|e| e.to_string()),
        ];
        for en in errors {
            let en = en.expect("refused");
            let (fr, complete) = french(&en, 0).unwrap_or_else(|| panic!("no French for {en:?}"));
            assert!(complete && fr != en, "{en:?} → {fr:?}");
            assert!(!fr.contains("must") && !fr.contains("wrong"), "{fr}");
        }
    }

    #[test]
    fn the_table_is_well_formed() {
        let transforms = ["", "num", "amount", "date", "q", "t"];
        let mut seen = BTreeSet::new();
        let mut codes = BTreeSet::new();
        for (code, en, fr) in MESSAGES {
            assert!(seen.insert(shape(&parse(en))), "{en:?} twice");
            assert!(codes.insert(*code), "code {code} twice");
            assert!(
                !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{code:?}: codes are snake_case"
            );
            assert!(!fr.trim().is_empty() && !fr.contains('"'), "{en:?}: French quotes are « »");
            let holes: BTreeSet<String> = parse(en)
                .into_iter()
                .filter_map(|s| if let Seg::Hole { name, .. } = s { Some(name) } else { None })
                .collect();
            for seg in parse(fr) {
                if let Seg::Hole { name, how } = seg {
                    assert!(holes.contains(&name), "{en:?}: {{{name}}} is not captured");
                    assert!(
                        transforms.contains(&how.as_str()) || VOCAB.iter().any(|(w, _, _)| *w == how),
                        "{en:?}: no transform {how:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_coded_message_reads_in_both_languages_with_its_values() {
        let m = Message::new("too_long").with("max", 255);
        assert_eq!(english(&m), "is too long (at most 255 characters)");
        assert_eq!(localize(Language::Fr, &m), "trop long (255 caractères au plus)");
        let m = Message::new("out_of_range").with("min", "0").with("max", "1234.5");
        assert_eq!(localize(Language::Fr, &m), "doit être compris entre 0 et 1\u{202f}234,5");
        assert_eq!(code(&m), "out_of_range");
    }

    /// The source files that write messages, tests left out: (name, text).
    fn sources() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in SOURCES {
            rust_files(&root.join(dir), &mut files);
        }
        files
            .into_iter()
            // The table itself, and the test module of core that checks errors against it.
            .filter(|p| !p.ends_with("message/table.rs") && !p.ends_with("message/agree.rs"))
            .map(|p| {
                let full = std::fs::read_to_string(&p).expect("source");
                let src = full.split("#[cfg(test)]\nmod tests").next().unwrap_or_default().to_string();
                (p.display().to_string(), src)
            })
            .collect()
    }

    /// The names of the holes of a template.
    fn holes(segs: &[Seg]) -> BTreeSet<&str> {
        segs.iter().filter_map(|s| if let Seg::Hole { name, .. } = s { Some(name.as_str()) } else { None }).collect()
    }

    /// The value names of the `.with("name", …)` and `.with_message("name", …)` calls
    /// chained right after a call whose `(` starts `rest`.
    fn chained_values(rest: &str) -> Vec<&str> {
        let mut names = Vec::new();
        let mut at = match close_of(rest) {
            Some(i) => i + 1,
            None => return names,
        };
        loop {
            let tail = rest[at..].trim_start();
            let Some(call) = tail.strip_prefix(".with(\"").or_else(|| tail.strip_prefix(".with_message(\"")) else {
                return names;
            };
            let Some(end) = call.find('"') else { return names };
            names.push(&call[..end]);
            let open = rest.len() - tail.len() + tail.find('(').unwrap_or_default() + 1;
            match close_of(&rest[open..]) {
                Some(i) => at = open + i + 1,
                None => return names,
            }
        }
    }

    /// Where the call whose arguments start `s` closes (the index of its `)`).
    fn close_of(s: &str) -> Option<usize> {
        let (mut depth, mut in_str) = (0i32, false);
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_str => i += 1,
                b'"' => in_str = !in_str,
                b'(' | b'[' | b'{' if !in_str => depth += 1,
                b')' | b']' | b'}' if !in_str && depth == 0 => return Some(i),
                b')' | b']' | b'}' if !in_str => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        None
    }

    #[test]
    fn every_code_the_sources_write_is_in_the_catalogue_with_its_values() {
        let mut seen = 0;
        for (file, text) in sources() {
            for (at, _) in text.match_indices("Message::new(\"") {
                let rest = &text[at + "Message::new(\"".len()..];
                let code = &rest[..rest.find('"').expect("closing quote")];
                let Some(row) = row(code) else {
                    panic!("{file}: code {code:?} is not in the catalogue");
                };
                let call = &text[at + "Message::new(".len()..];
                for name in chained_values(call) {
                    assert!(holes(&row.en).contains(name), "{file}: {code} has no {{{name}}}");
                }
                seen += 1;
            }
        }
        assert!(seen > 50, "the scan found only {seen} codes: is it still reading the sources?");
    }

    #[test]
    fn the_value_scan_follows_a_chain_of_calls() {
        let src = r#""x").with("a", f(1, (2))).with_message("b", Message::new("c").with("d", 1)); .with("e", 2)"#;
        assert_eq!(chained_values(src), vec!["a", "b"]);
    }

    #[test]
    fn every_row_of_the_catalogue_is_written_somewhere() {
        let sources = sources();
        let sentences: BTreeSet<String> = source_messages().iter().map(|(_, segs)| shape(segs)).collect();
        let dead: Vec<&str> = MESSAGES
            .iter()
            .filter(|(code, en, _)| {
                let quoted = format!("\"{code}\"");
                // Until every producer gives its code, a row may still be reached by the
                // English sentence a producer writes.
                !sources.iter().any(|(_, text)| text.contains(&quoted)) && !sentences.contains(&shape(&parse(en)))
            })
            .map(|(code, _, _)| *code)
            .collect();
        assert!(dead.is_empty(), "rows no code writes: {dead:?}");
    }

    #[test]
    fn both_templates_of_a_row_name_the_same_values() {
        for (code, en, fr) in MESSAGES {
            assert_eq!(holes(&parse(en)), holes(&parse(fr)), "{code}");
        }
    }

    #[test]
    fn a_sentence_without_a_code_takes_the_code_of_its_template() {
        assert_eq!(code(&Message::sentence("is too long (at most 80 characters)")), "too_long");
        assert_eq!(code(&Message::sentence("no such customer")), "no_such_customer");
        assert_eq!(code(&Message::sentence("no such delivery note")), "not_found");
        assert_eq!(code(&Message::sentence("something nobody wrote")), "invalid");
    }

    #[test]
    fn field_paths_are_named_in_the_readers_language() {
        assert_eq!(field_name(Language::Fr, "contacts[1].email"), "Contact 2 › E-mail");
        assert_eq!(field_name(Language::En, "lines[0].quantity"), "Line 1 › Quantity");
        assert_eq!(field_name(Language::Fr, "billing_address.postal_code"), "Adresse de facturation › Code postal");
        assert_eq!(field_name(Language::Fr, "legal.siret"), "SIRET");
        assert_eq!(field_name(Language::En, "identity.vat_number"), "VAT number");
        assert_eq!(field_name(Language::Fr, "unheard_of"), "unheard_of");
        assert_eq!(field_name(Language::Fr, "pattern-credit_note"), "Modèle de numérotation (avoir)");
        assert_eq!(field_name(Language::En, "pattern-credit_note"), "Numbering pattern (credit note)");
    }

    #[test]
    fn every_message_of_the_sources_has_a_french_template() {
        let known: BTreeSet<String> = MESSAGES.iter().map(|(_, en, _)| shape(&parse(en))).collect();
        let found = source_messages();
        assert!(found.len() > 100, "the scan found only {} messages: is it still reading the sources?", found.len());
        let mut missing: Vec<String> = found
            .iter()
            .filter(|(_, segs)| !known.contains(&shape(segs)))
            .map(|(file, segs)| format!("{file}: {}", shape(segs).replace('\u{1}', "{}")))
            .collect();
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "{} messages have no French template:\n{}", missing.len(), missing.join("\n"));
    }
}

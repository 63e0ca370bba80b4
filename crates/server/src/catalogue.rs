//! The catalogue of messages in the reader's language: every message a person may read is
//! a stable code with its English and French templates, one row of core's table
//! ([`MESSAGES`], `core/src/message/table/`). A message is written from its code and
//! values (`core::message::Message`): the API's `detail` and `message` in English beside
//! the `code`, web pages in the user's language (amounts and dates in its notation,
//! document kinds and statuses in its words, [`VOCAB`]). Nothing is read back from
//! English: a message always carries its code. Tests scan the sources: every code
//! written is a row naming the values given, every row is written somewhere.

use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::party::Language;
use facturier_formats::text;

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
    ("thing", "contract", "contrat"),
    ("thing", "intervention", "intervention"),
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

/// One row of the catalogue, parsed.
struct Row {
    code: &'static str,
    fr: Vec<Seg>,
}

/// The parsed catalogue, built once.
fn table() -> &'static [Row] {
    static TABLE: std::sync::OnceLock<Vec<Row>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| MESSAGES.iter().map(|(code, _, fr)| Row { code, fr: parse(fr) }).collect())
}

fn row(code: &str) -> Option<&'static Row> {
    table().iter().find(|r| r.code == code)
}

/// What can be written in the reader's language: a [`Message`].
pub trait Localize {
    fn localize(&self, lang: Language) -> String;
}

impl Localize for Message {
    fn localize(&self, lang: Language) -> String {
        localize(lang, self)
    }
}

/// `m` in `lang`.
pub fn message(lang: Language, m: &(impl Localize + ?Sized)) -> String {
    m.localize(lang)
}

/// A message in `lang`, written from its code's templates with its values (amounts and
/// dates in the reader's notation, kinds and statuses in the reader's words).
pub fn localize(lang: Language, m: &Message) -> String {
    match lang {
        Language::En => m.english(),
        Language::Fr => typography(&french_of(m)),
    }
}

/// The French of a message before typography: its template with its values, and its
/// parts (`{hint:t}`) written in French in turn. A code the table lacks is written as is.
fn french_of(m: &Message) -> String {
    let Some(row) = row(m.code()) else { return m.code().to_string() };
    let mut out = String::new();
    for seg in &row.fr {
        match seg {
            Seg::Lit(l) => out.push_str(l),
            Seg::Hole { name, how } => match m.part(name) {
                Some(part) => out.push_str(&french_of(part)),
                None => out.push_str(&value(m.arg(name).unwrap_or_default(), how)),
            },
        }
    }
    out
}

/// A value written the French way by the transform its hole names (a value that is not
/// what the transform expects stays as it came).
fn value(v: &str, how: &str) -> String {
    match how {
        "num" | "amount" => match v.trim().parse::<Decimal>() {
            Ok(d) => text::number(d, if how == "amount" { 2 } else { 0 }, Language::Fr),
            Err(_) => v.to_string(),
        },
        "date" => match crate::input::parse_date(v) {
            Some(d) => text::date(d, Language::Fr),
            None => v.to_string(),
        },
        "q" => match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            Some(inner) => format!("« {inner} »"),
            None => v.to_string(),
        },
        // `t` is a message given as a part; a plain value is kept, as is `` (no transform).
        "" | "t" => v.to_string(),
        vocab => VOCAB
            .iter()
            .find(|(w, en, _)| *w == vocab && *en == v)
            .map(|(_, _, fr)| (*fr).to_string())
            .unwrap_or_else(|| v.to_string()),
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
    // The settings pages' fields.
    ("trading_name", "Nom commercial", "Trading name"),
    ("legal_form", "Forme juridique", "Legal form"),
    ("share_capital", "Capital social", "Share capital"),
    ("rcs_city", "Ville du RCS", "Trade register city"),
    ("website", "Site web", "Website"),
    ("holder", "Titulaire du compte", "Account holder"),
    ("default", "Compte par défaut", "Default account"),
    ("late_penalty_rate", "Taux des pénalités de retard", "Late payment penalty rate"),
    ("early_payment_discount", "Escompte pour paiement anticipé", "Early payment discount"),
    ("vat_on_debits", "TVA sur les débits", "VAT on debits"),
    ("vat_regime", "Régime de TVA", "VAT regime"),
    ("default_terms", "Conditions générales par défaut", "Default terms and conditions"),
    ("default_payment_terms", "Délai de paiement par défaut", "Default payment terms"),
    ("main_activity", "Activité principale", "Main activity"),
    // The editor's and the payment forms' other fields.
    ("unit", "Unité", "Unit"),
    ("product_id", "Produit", "Product"),
    ("vat_category", "Catégorie de TVA", "VAT category"),
    ("payment_mode", "Mode de règlement", "Payment method"),
    ("shipping", "Frais de port", "Shipping"),
    ("condition", "Condition", "Condition"),
    ("mode", "Mode de règlement", "Payment method"),
    ("title", "Intitulé", "Title"),
    ("excess", "Excédent", "Excess"),
    ("invoice_id", "Facture", "Invoice"),
    ("allocations", "Répartition", "Allocations"),
    ("reason", "Motif", "Reason"),
    ("validity", "Validité", "Validity"),
    ("mapping", "Correspondance des colonnes", "Column mapping"),
    // The columns of an import.
    ("activity", "Activité", "Activity"),
    ("contact_name", "Contact : nom", "Contact: name"),
    ("contact_role", "Contact : fonction", "Contact: role"),
    ("contact_email", "Contact : e-mail", "Contact: e-mail"),
    ("purchase_price", "Prix d'achat", "Purchase price"),
    ("stock", "Stock", "Stock"),
    ("nature", "Nature (bien ou service)", "Nature (goods or service)"),
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

    /// The text of a template with every hole as one mark: two templates with the same
    /// shape would say the same thing.
    fn shape(segs: &[Seg]) -> String {
        segs.iter().map(|s| if let Seg::Lit(l) = s { l.as_str() } else { "\u{1}" }).collect()
    }

    fn fr(m: &Message) -> String {
        localize(Language::Fr, m)
    }

    /// French as a reader sees it, with plain spaces, to compare with literals.
    fn plain(s: &str) -> String {
        s.replace(['\u{a0}', '\u{202f}'], " ")
    }

    /// The values of `m` (and of its parts) that its French template could not write the
    /// French way: a word missing from the vocabulary, a number or date that is not one.
    fn untranslated(m: &Message) -> Vec<String> {
        let mut out = Vec::new();
        let Some(row) = row(m.code()) else { return vec![format!("no row {}", m.code())] };
        for seg in &row.fr {
            let Seg::Hole { name, how } = seg else { continue };
            if let Some(part) = m.part(name) {
                out.extend(untranslated(part));
                continue;
            }
            let v = m.arg(name).unwrap_or_default();
            let ok = match how.as_str() {
                "" | "t" => true,
                "num" | "amount" => v.trim().parse::<Decimal>().is_ok(),
                "date" => crate::input::parse_date(v).is_some(),
                "q" => v.starts_with('"') && v.ends_with('"'),
                vocab => v.is_empty() || VOCAB.iter().any(|(w, en, _)| *w == vocab && *en == v),
            };
            if !ok {
                out.push(format!("{}: {{{name}:{how}}} = {v:?}", m.code()));
            }
        }
        out
    }

    #[test]
    fn messages_read_in_french_with_values_in_french_notation() {
        use facturier_core::document::LifecycleError;
        use facturier_core::ids::Siret;
        use facturier_core::numbering::PatternError;
        use facturier_core::schedule::ScheduleError;
        assert_eq!(plain(&fr(&Message::new("required"))), "obligatoire");
        let e = "73282932000075".parse::<Siret>().expect_err("a wrong check digit");
        assert_eq!(
            plain(&fr(&e.message())),
            "SIRET 73282932000075 : la clé de contrôle est fausse (faute de frappe ?)"
        );
        let e = LifecycleError::OverCredited {
            credited: "1234.5".parse().expect("d"),
            gross: "1200.00".parse().expect("d"),
        };
        assert_eq!(
            plain(&fr(&e.message())),
            "Les avoirs atteindraient 1 234,50, plus que le montant TTC de la facture (1 200,00)"
        );
        let e = LifecycleError::BeforeLastIssued {
            date: time::macros::date!(2026 - 03 - 01),
            last: time::macros::date!(2026 - 03 - 04),
            kind: "invoice",
        };
        assert_eq!(
            plain(&fr(&e.message())),
            "La date d'émission 01/03/2026 est antérieure au 04/03/2026, date du dernier document émis du même type \
             (facture) : les numéros doivent suivre l'ordre des dates"
        );
        let e = PatternError::Placeholder("F-{SEQ}-{XX}".into(), "XX".into());
        assert_eq!(
            plain(&fr(&e.message())),
            "le modèle « F-{SEQ}-{XX} » contient un champ inconnu « XX » ; utilisez {YYYY}, {YY}, {MM}, {SEQ:n}"
        );
        assert_eq!(plain(&fr(&Message::new("no_such_customer"))), "client introuvable");
        assert_eq!(plain(&fr(&Message::new("not_found").with("what", "API token"))), "jeton d'API introuvable");
        let e = ScheduleError::NotHundred { total: "90".parse().expect("d") };
        assert_eq!(
            plain(&fr(&e.message())),
            "les échéances totalisent 90 %, et non 100 % : ajoutez 10 % à une échéance"
        );
    }

    #[test]
    fn french_spacing_is_non_breaking_and_english_is_untouched() {
        use facturier_core::document::LifecycleError;
        let m = LifecycleError::NotPayable("draft").message();
        let s = fr(&m);
        assert!(s.contains("\u{a0}: il"), "{s}");
        assert!(s.contains("«\u{a0}brouillon\u{a0}»"), "{s}");
        assert_eq!(message(Language::En, &m), "the document is draft: it accepts no payment");
    }

    #[test]
    fn a_code_the_table_lacks_is_written_as_itself_never_empty() {
        let m = Message::new("no_row_of_that_name");
        assert_eq!((fr(&m), m.english()), ("no_row_of_that_name".to_string(), "no_row_of_that_name".to_string()));
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
                let mut messages: Vec<Message> = errs.into_iter().flatten().map(|e| e.message()).collect();
                messages.push(LifecycleError::NotDraft(status.as_str()).message());
                messages.push(LifecycleError::NotPayable(status.as_str()).message());
                messages.push(LifecycleError::NotCreditable(status.as_str()).message());
                let date = time::macros::date!(2026 - 01 - 02);
                messages.push(LifecycleError::BeforeLastIssued { date, last: date, kind: kind.as_str() }.message());
                messages.push(Message::new("draft_number_yet_issue").with("kind", crate::api::noun(kind)));
                for m in messages {
                    let missing = untranslated(&m);
                    assert!(missing.is_empty(), "a word of {:?} has no French: {missing:?}", m.english());
                    assert_ne!(fr(&m), m.english());
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
            "12345".parse::<Siren>().err().map(|e| e.message()),
            "732829321".parse::<Siren>().err().map(|e| e.message()),
            "7328293200007".parse::<Siret>().err().map(|e| e.message()),
            "73282932000075".parse::<Siret>().err().map(|e| e.message()),
            "000000000".parse::<Siren>().err().map(|e| e.message()),
            "00000000000000".parse::<Siret>().err().map(|e| e.message()),
            "XX1".parse::<VatNumber>().err().map(|e| e.message()),
            "FR1".parse::<VatNumber>().err().map(|e| e.message()),
            "FR123".parse::<VatNumber>().err().map(|e| e.message()),
            "FR45732829320".parse::<VatNumber>().err().map(|e| e.message()),
            "compta@".parse::<Email>().err().map(|e| e.message()),
            "FR76 3000 6000 0112 3456 7890 188".parse::<Iban>().err().map(|e| e.message()),
            "ZZ76 3000".parse::<Iban>().err().map(|e| e.message()),
        ];
        for m in errors {
            let m = m.expect("refused");
            let (en, fr) = (m.english(), fr(&m));
            let missing = untranslated(&m);
            assert!(missing.is_empty() && fr != en, "{en:?} → {fr:?} ({missing:?})");
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
                    assert!(holes.contains(&name), "{en:?}: {{{name}}} is not in the English");
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
        assert_eq!(m.english(), "is too long (at most 255 characters)");
        assert_eq!(localize(Language::Fr, &m), "trop long (255 caractères au plus)");
        let m = Message::new("out_of_range").with("min", "0").with("max", "1234.5");
        assert_eq!(localize(Language::Fr, &m), "doit être compris entre 0 et 1\u{202f}234,5");
        assert_eq!(m.code(), "out_of_range");
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
            .filter(|p| !p.to_string_lossy().contains("message/table") && !p.ends_with("message/agree.rs"))
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
                let Some((_, en, _)) = MESSAGES.iter().find(|(c, _, _)| *c == code) else {
                    panic!("{file}: code {code:?} is not in the catalogue");
                };
                let call = &text[at + "Message::new(".len()..];
                for name in chained_values(call) {
                    assert!(holes(&parse(en)).contains(name), "{file}: {code} has no {{{name}}}");
                }
                seen += 1;
            }
        }
        assert!(seen > 150, "the scan found only {seen} codes: is it still reading the sources?");
    }

    #[test]
    fn the_value_scan_follows_a_chain_of_calls() {
        let src = r#""x").with("a", f(1, (2))).with_message("b", Message::new("c").with("d", 1)); .with("e", 2)"#;
        assert_eq!(chained_values(src), vec!["a", "b"]);
    }

    #[test]
    fn every_row_of_the_catalogue_is_written_somewhere() {
        let sources = sources();
        let dead: Vec<&str> = MESSAGES
            .iter()
            .filter(|(code, _, _)| {
                let quoted = format!("\"{code}\"");
                !sources.iter().any(|(_, text)| text.contains(&quoted))
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
}

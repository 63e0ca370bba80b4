//! The e-mail that carries a document: subject and body written from a template per
//! kind of document and language, with merge fields such as `{document_number}`.
//!
//! A template is plain text; `{name}` is replaced by the field's value, `{{` and `}}`
//! write a literal brace. Parsing checks every field name, so a company's template
//! with a typo is refused when it is saved, never when a mail goes out.

use crate::RenderDocument;
use crate::text;
use facturier_core::document::DocumentKind;
use facturier_core::input::{TextKind, check_text};
use facturier_core::party::Language;
use std::fmt;
use std::str::FromStr;

/// A merge field a template may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    CustomerName,
    DocumentNumber,
    DocumentKind,
    Total,
    AmountDue,
    DueDate,
    ValidUntil,
    CompanyName,
}

impl Field {
    /// Every field, in the order the documentation lists them.
    pub const ALL: [Field; 8] = [
        Field::CustomerName,
        Field::DocumentNumber,
        Field::DocumentKind,
        Field::Total,
        Field::AmountDue,
        Field::DueDate,
        Field::ValidUntil,
        Field::CompanyName,
    ];

    /// The name written between braces.
    pub fn name(self) -> &'static str {
        match self {
            Field::CustomerName => "customer_name",
            Field::DocumentNumber => "document_number",
            Field::DocumentKind => "document_kind",
            Field::Total => "total",
            Field::AmountDue => "amount_due",
            Field::DueDate => "due_date",
            Field::ValidUntil => "valid_until",
            Field::CompanyName => "company_name",
        }
    }

    /// The field names as a list for messages: `{customer_name}, {document_number}, …`.
    pub fn list() -> String {
        Field::ALL.iter().map(|f| format!("{{{}}}", f.name())).collect::<Vec<_>>().join(", ")
    }
}

/// Why a template text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("{{{0}}} is not a merge field; the fields are {list}", list = Field::list())]
    UnknownField(String),
    #[error("the brace at character {0} is not closed; write {{{{ for a literal brace")]
    Unclosed(usize),
    #[error("the closing brace at character {0} closes nothing; write }}}} for a literal brace")]
    StrayClose(usize),
}

impl TemplateError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> facturier_core::message::Message {
        use facturier_core::message::Message;
        match self {
            TemplateError::UnknownField(f) => {
                Message::new("merge_field_fields").with("f", f).with("list", Field::list())
            }
            TemplateError::Unclosed(n) => Message::new("brace_character_closed_write").with("n", n),
            TemplateError::StrayClose(n) => Message::new("closing_brace_character_closes").with("n", n),
        }
    }
}

impl facturier_core::message::IntoMessage for TemplateError {
    fn into_message(self) -> facturier_core::message::Message {
        self.message()
    }
}

/// A parsed template: every field name in it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template(Vec<crate::merge::Piece<Field>>);

impl FromStr for Template {
    type Err = TemplateError;
    fn from_str(s: &str) -> Result<Template, TemplateError> {
        let pieces =
            crate::merge::parse(s, |name| Field::ALL.into_iter().find(|f| f.name() == name)).map_err(|e| match e {
                crate::merge::Broken::UnknownField(f) => TemplateError::UnknownField(f),
                crate::merge::Broken::Unclosed(n) => TemplateError::Unclosed(n),
                crate::merge::Broken::StrayClose(n) => TemplateError::StrayClose(n),
            })?;
        Ok(Template(pieces))
    }
}

impl Template {
    /// The text with every field replaced by its value.
    pub fn render(&self, values: &MergeValues) -> String {
        crate::merge::render(&self.0, |f| values.get(f))
    }
}

/// The values of the merge fields for one document, written for its reader.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeValues {
    pub customer_name: String,
    pub document_number: String,
    pub document_kind: String,
    pub total: String,
    pub amount_due: String,
    pub due_date: String,
    pub valid_until: String,
    pub company_name: String,
}

impl MergeValues {
    /// The values for `doc` in `lang`: `1 234,56 €` and `23/11/2026` in French,
    /// `€1,234.56` and `23 Nov 2026` in English; a date the document lacks is empty.
    pub fn of(doc: &RenderDocument, lang: Language) -> MergeValues {
        let cur = doc.content.currency;
        MergeValues {
            customer_name: doc.buyer.name.clone(),
            document_number: doc.number.clone().unwrap_or_default(),
            document_kind: text::kind_title(doc.kind, doc.content.progress_percent.is_some(), lang).to_string(),
            total: text::money(doc.totals.gross, cur, lang),
            amount_due: text::money(doc.due, cur, lang),
            due_date: doc.due_date.map(|d| text::date(d, lang)).unwrap_or_default(),
            valid_until: doc.content.valid_until.map(|d| text::date(d, lang)).unwrap_or_default(),
            company_name: doc.seller.trading_name.clone().unwrap_or_else(|| doc.seller.name.clone()),
        }
    }

    fn get(&self, f: Field) -> &str {
        match f {
            Field::CustomerName => &self.customer_name,
            Field::DocumentNumber => &self.document_number,
            Field::DocumentKind => &self.document_kind,
            Field::Total => &self.total,
            Field::AmountDue => &self.amount_due,
            Field::DueDate => &self.due_date,
            Field::ValidUntil => &self.valid_until,
            Field::CompanyName => &self.company_name,
        }
    }
}

/// A subject and a body, as templates or as written out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts<T> {
    pub subject: T,
    pub body: T,
}

impl fmt::Display for Texts<String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n\n{}", self.subject, self.body)
    }
}

impl Texts<Template> {
    /// The e-mail written out. The subject is one line whatever the values hold, so a
    /// value can never add a header; neither holds a control character a value brought
    /// (one stored before the string rule, say), the body keeping its line breaks and tabs.
    pub fn render(&self, values: &MergeValues) -> Texts<String> {
        let subject = self.subject.render(values);
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ").replace(char::is_control, "");
        let body = self.body.render(values).replace(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t'), "");
        Texts { subject, body }
    }
}

/// A header value refused by [`header_value`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the e-mail's {header} holds a line break or a control character: {value:?}")]
pub struct HeaderError {
    pub header: &'static str,
    pub value: String,
}

/// A header value (subject, a display name, an address) as the message builder takes it:
/// on one line, without any control character. The input rule refuses such text at the
/// edge; this is the builder's own defence against header injection, whatever the
/// layers above let through (a value stored before the rule).
pub fn header_value<'a>(header: &'static str, value: &'a str) -> Result<&'a str, HeaderError> {
    match check_text(value, TextKind::Line) {
        Ok(()) => Ok(value),
        Err(_) => Err(HeaderError { header, value: value.to_string() }),
    }
}

/// The built-in template of a kind in a language (companies may override it).
pub fn default_template(kind: DocumentKind, lang: Language) -> Texts<&'static str> {
    use DocumentKind as K;
    let (subject, body) = match (lang, kind) {
        (Language::Fr, K::Quote) => (
            "Devis {document_number} – {company_name}",
            "Bonjour,\n\nVeuillez trouver ci-joint notre devis {document_number} d'un montant de {total}, valable jusqu'au {valid_until}.\n\nNous restons à votre disposition pour toute question.\n\nCordialement,\n{company_name}\n",
        ),
        (Language::Fr, K::Order) => (
            "Confirmation de commande {document_number} – {company_name}",
            "Bonjour,\n\nNous vous confirmons votre commande {document_number} d'un montant de {total}. Vous trouverez le détail en pièce jointe.\n\nCordialement,\n{company_name}\n",
        ),
        (Language::Fr, K::DeliveryNote) => (
            "Bon de livraison {document_number} – {company_name}",
            "Bonjour,\n\nVeuillez trouver ci-joint le bon de livraison {document_number}.\n\nCordialement,\n{company_name}\n",
        ),
        (Language::Fr, K::Proforma) => (
            "Facture pro forma {document_number} – {company_name}",
            "Bonjour,\n\nVeuillez trouver ci-joint la facture pro forma {document_number} d'un montant de {total}.\n\nCordialement,\n{company_name}\n",
        ),
        (Language::Fr, K::Invoice | K::DepositInvoice) => (
            "{document_kind} {document_number} – {company_name}",
            "Bonjour,\n\nVeuillez trouver ci-joint notre {document_kind} {document_number} d'un montant de {total}, à régler avant le {due_date}.\n\nNous vous remercions de votre confiance.\n\nCordialement,\n{company_name}\n",
        ),
        (Language::Fr, K::CreditNote) => (
            "Avoir {document_number} – {company_name}",
            "Bonjour,\n\nVeuillez trouver ci-joint notre avoir {document_number} d'un montant de {total}.\n\nCordialement,\n{company_name}\n",
        ),
        (Language::En, K::Quote) => (
            "Quote {document_number} from {company_name}",
            "Hello,\n\nPlease find attached our quote {document_number} for {total}, valid until {valid_until}.\n\nDo not hesitate to contact us with any question.\n\nKind regards,\n{company_name}\n",
        ),
        (Language::En, K::Order) => (
            "Order confirmation {document_number} from {company_name}",
            "Hello,\n\nWe confirm your order {document_number} for {total}. The details are attached.\n\nKind regards,\n{company_name}\n",
        ),
        (Language::En, K::DeliveryNote) => (
            "Delivery note {document_number} from {company_name}",
            "Hello,\n\nPlease find attached the delivery note {document_number}.\n\nKind regards,\n{company_name}\n",
        ),
        (Language::En, K::Proforma) => (
            "Pro forma invoice {document_number} from {company_name}",
            "Hello,\n\nPlease find attached the pro forma invoice {document_number} for {total}.\n\nKind regards,\n{company_name}\n",
        ),
        (Language::En, K::Invoice | K::DepositInvoice) => (
            "{document_kind} {document_number} from {company_name}",
            "Hello,\n\nPlease find attached our {document_kind} {document_number} for {total}, due on {due_date}.\n\nThank you for your business.\n\nKind regards,\n{company_name}\n",
        ),
        (Language::En, K::CreditNote) => (
            "Credit note {document_number} from {company_name}",
            "Hello,\n\nPlease find attached our credit note {document_number} for {total}.\n\nKind regards,\n{company_name}\n",
        ),
    };
    Texts { subject, body }
}

/// The file name of the attached PDF: `Facture-F2026-00012.pdf`, `Invoice-F2026-00012.pdf`.
pub fn attachment_name(doc: &RenderDocument, lang: Language) -> String {
    let title = text::kind_title(doc.kind, doc.content.progress_percent.is_some(), lang);
    let number = doc.number.as_deref().unwrap_or("brouillon");
    let mut name = String::new();
    for c in format!("{title}-{number}").chars() {
        if c.is_alphanumeric() || c == '_' {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    format!("{}.pdf", name.trim_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn values() -> MergeValues {
        MergeValues {
            customer_name: "Boulangerie Martin".into(),
            document_number: "F2026-00012".into(),
            document_kind: "Facture".into(),
            total: "1\u{202f}234,56\u{a0}€".into(),
            due_date: "31/12/2026".into(),
            company_name: "Atelier Durand".into(),
            ..MergeValues::default()
        }
    }

    #[test]
    fn fields_are_replaced_and_braces_escaped() {
        let t: Template = "{document_kind} {document_number} pour {customer_name} : {total} {{sic}}".parse().unwrap();
        assert_eq!(t.render(&values()), "Facture F2026-00012 pour Boulangerie Martin : 1\u{202f}234,56\u{a0}€ {sic}");
        let spaced: Template = "{ due_date }".parse().unwrap();
        assert_eq!(spaced.render(&values()), "31/12/2026");
    }

    #[test]
    fn unknown_and_malformed_fields_are_refused_with_what_to_do() {
        let e = "Facture {numero}".parse::<Template>().unwrap_err();
        assert_eq!(e, TemplateError::UnknownField("numero".into()));
        assert!(e.to_string().contains("{document_number}"), "{e}");
        assert_eq!("Total {total".parse::<Template>().unwrap_err(), TemplateError::Unclosed(7));
        assert_eq!("a } b".parse::<Template>().unwrap_err(), TemplateError::StrayClose(3));
        assert_eq!("{a{b}}".parse::<Template>().unwrap_err(), TemplateError::Unclosed(1));
    }

    #[test]
    fn a_subject_stays_on_one_line() {
        let t = Texts { subject: "{customer_name}".parse().unwrap(), body: "x".parse().unwrap() };
        let v = MergeValues { customer_name: "Evil\r\nBcc: x@y.z".into(), ..values() };
        assert_eq!(t.render(&v).subject, "Evil Bcc: x@y.z");
        let v = MergeValues { customer_name: "Nul\0le\u{1b}".into(), ..values() };
        assert_eq!(t.render(&v).subject, "Nulle");
    }

    #[test]
    fn a_body_keeps_its_lines_but_no_other_control_character() {
        let t = Texts { subject: "s".parse().unwrap(), body: "Bonjour {customer_name},\r\n\tmerci.".parse().unwrap() };
        let v = MergeValues { customer_name: "A\0B\u{7f}".into(), ..values() };
        assert_eq!(t.render(&v).body, "Bonjour AB,\r\n\tmerci.");
    }

    #[test]
    fn header_values_with_line_breaks_or_control_characters_are_refused() {
        assert_eq!(header_value("subject", "Facture F2026-00012"), Ok("Facture F2026-00012"));
        for bad in ["a\r\nBcc: x@y.z", "a\nb", "a\rb", "a\0b", "a\tb", "a\u{1b}b"] {
            let e = header_value("subject", bad).unwrap_err();
            assert_eq!(e.header, "subject");
            assert!(e.to_string().contains("line break or a control character"), "{e}");
        }
    }

    #[test]
    fn every_default_template_parses_in_both_languages() {
        for kind in DocumentKind::ALL {
            for lang in [Language::Fr, Language::En] {
                let d = default_template(kind, lang);
                let t: Texts<Template> = Texts { subject: d.subject.parse().unwrap(), body: d.body.parse().unwrap() };
                let out = t.render(&values());
                assert!(out.subject.contains("F2026-00012"), "{kind:?} {lang:?}: {}", out.subject);
                assert!(out.body.contains("Atelier Durand"), "{kind:?} {lang:?}");
            }
        }
    }

    #[test]
    fn values_follow_the_readers_notation() {
        let mut doc = sample::invoice(2);
        doc.number = Some("F2026-00012".into());
        let fr = MergeValues::of(&doc, Language::Fr);
        let en = MergeValues::of(&doc, Language::En);
        assert_eq!(fr.document_kind, "Facture");
        assert_eq!(en.document_kind, "Invoice");
        assert!(fr.total.ends_with("\u{a0}€") && fr.total.contains(','), "{}", fr.total);
        assert!(en.total.starts_with('€') && en.total.contains('.'), "{}", en.total);
        assert_eq!(attachment_name(&doc, Language::Fr), "Facture-F2026-00012.pdf");
        assert_eq!(attachment_name(&doc, Language::En), "Invoice-F2026-00012.pdf");
    }
}

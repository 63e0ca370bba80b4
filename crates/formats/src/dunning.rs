//! The words of a reminder (relance): the e-mail and the printable letter that list a
//! customer's overdue invoices, in French or English, by tone (first reminder, second
//! reminder, formal notice), with the late-payment charges a business owes (penalties at
//! the company's rate, the 40 € recovery indemnity of article L441-10 of the commercial
//! code). The amounts come from `core::dunning`; this module only writes them.

use crate::text;
use facturier_core::Decimal;
use facturier_core::company::Seller;
use facturier_core::money::Currency;
use facturier_core::party::{Address, Language};
use std::collections::BTreeMap;
use time::Date;

/// How firmly a reminder speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// The first level: a courteous reminder.
    First,
    /// A level between the first and the last.
    Second,
    /// The last level: a formal notice (mise en demeure).
    FormalNotice,
    /// Before the due date: a friendly reminder (rappel amical).
    Friendly,
}

impl Tone {
    /// The tone of the level at `index` among `count` levels.
    pub fn of(index: usize, count: usize) -> Tone {
        if count > 1 && index + 1 >= count {
            Tone::FormalNotice
        } else if index == 0 {
            Tone::First
        } else {
            Tone::Second
        }
    }
}

/// One overdue invoice in a reminder.
#[derive(Clone, Debug)]
pub struct ReminderLine {
    pub number: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub days_late: i64,
    pub currency: Currency,
    pub due: Decimal,
    /// Late-payment penalties so far; `None` when the company set no rate.
    pub penalties: Option<Decimal>,
    /// The 40 € recovery indemnity (business customers).
    pub indemnity: Option<Decimal>,
}

/// A reminder to one customer.
#[derive(Clone, Debug)]
pub struct Reminder {
    pub language: Language,
    pub tone: Tone,
    pub seller: Seller,
    pub customer_name: String,
    pub customer_address: Option<Address>,
    pub is_business: bool,
    /// The yearly penalty rate the company set, if any (in percent).
    pub penalty_rate: Option<Decimal>,
    pub date: Date,
    pub lines: Vec<ReminderLine>,
    /// Where the customer pays online, when the company takes online payment.
    pub payment_link: Option<String>,
    /// The company's own text for this step (subject, body), replacing the built-in one.
    pub custom: Option<(MergeTemplate, MergeTemplate)>,
}

struct Words {
    subject: [&'static str; 4],
    title: [&'static str; 4],
    greeting: &'static str,
    opening: [&'static str; 4],
    closing: [&'static str; 4],
    signature: &'static str,
    invoice: &'static str,
    issued: &'static str,
    due_on: &'static str,
    days_late: &'static str,
    amount_due: &'static str,
    total_due: &'static str,
    penalties: &'static str,
    penalties_legal: &'static str,
    indemnity: &'static str,
    already_paid: &'static str,
    payable_on: &'static str,
    pay_online: &'static str,
}

const FR: Words = Words {
    subject: [
        "Rappel : facture(s) arrivée(s) à échéance",
        "Deuxième relance : facture(s) impayée(s)",
        "Mise en demeure de payer",
        "Rappel amical : facture(s) bientôt à échéance",
    ],
    title: ["Rappel de paiement", "Deuxième relance", "Mise en demeure", "Rappel amical"],
    greeting: "Madame, Monsieur,",
    opening: [
        "Sauf erreur de notre part, les factures suivantes restent impayées à ce jour :",
        "Malgré notre précédent rappel, les factures suivantes restent impayées :",
        "Malgré nos relances, les factures suivantes restent impayées. Par la présente, nous vous mettons en demeure de régler les sommes dues :",
        "Nous nous permettons de vous rappeler que les factures suivantes arrivent bientôt à échéance :",
    ],
    closing: [
        "Nous vous remercions de bien vouloir procéder à leur règlement dans les meilleurs délais.",
        "Nous vous prions de procéder à leur règlement sous huit jours.",
        "À défaut de paiement sous huit jours à compter de la présente, nous engagerons une procédure de recouvrement, sans autre avis.",
        "Nous vous remercions par avance de votre règlement à l'échéance.",
    ],
    signature: "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    invoice: "Facture",
    issued: "émise le",
    due_on: "échue le",
    days_late: "jours de retard",
    amount_due: "reste dû",
    total_due: "Total restant dû",
    penalties: "Pénalités de retard au taux annuel de",
    penalties_legal: "Des pénalités de retard sont dues au taux de la BCE majoré de 10 points (article L441-10 du Code de commerce).",
    indemnity: "Indemnité forfaitaire pour frais de recouvrement (article L441-10 du Code de commerce), par facture :",
    already_paid: "Si votre règlement a été envoyé entre-temps, merci de ne pas tenir compte de ce message.",
    payable_on: "à régler le",
    pay_online: "Payer en ligne :",
};

const EN: Words = Words {
    subject: [
        "Reminder: invoice(s) now due",
        "Second reminder: unpaid invoice(s)",
        "Formal notice to pay",
        "Friendly reminder: invoice(s) due soon",
    ],
    title: ["Payment reminder", "Second reminder", "Formal notice", "Friendly reminder"],
    greeting: "Dear Sir or Madam,",
    opening: [
        "According to our records, the following invoices are still unpaid:",
        "Despite our previous reminder, the following invoices are still unpaid:",
        "Despite our reminders, the following invoices are still unpaid. We hereby give you formal notice to pay the amounts due:",
        "We would like to remind you that the following invoices fall due soon:",
    ],
    closing: [
        "We would be grateful if you could settle them at your earliest convenience.",
        "Please settle them within eight days.",
        "Failing payment within eight days of this notice, we will start recovery proceedings without further notice.",
        "Thank you in advance for your payment by the due date.",
    ],
    signature: "Yours faithfully,",
    invoice: "Invoice",
    issued: "issued on",
    due_on: "due on",
    days_late: "days late",
    amount_due: "due",
    total_due: "Total due",
    penalties: "Late-payment penalties at the yearly rate of",
    penalties_legal: "Late-payment penalties are due at the ECB rate plus 10 points (article L441-10 of the French commercial code).",
    indemnity: "Fixed recovery indemnity (article L441-10 of the French commercial code), per invoice:",
    already_paid: "If your payment has crossed this message, please disregard it.",
    payable_on: "payable on",
    pay_online: "Pay online:",
};

fn words(lang: Language) -> &'static Words {
    match lang {
        Language::Fr => &FR,
        Language::En => &EN,
    }
}

fn tone_index(t: Tone) -> usize {
    match t {
        Tone::First => 0,
        Tone::Second => 1,
        Tone::FormalNotice => 2,
        Tone::Friendly => 3,
    }
}

/// The written parts of a reminder, shared by the e-mail and the letter.
pub struct ReminderText {
    pub subject: String,
    pub title: String,
    pub greeting: String,
    pub opening: String,
    /// One line per invoice.
    pub lines: Vec<String>,
    /// Totals per currency, then the charges.
    pub totals: Vec<String>,
    pub charges: Vec<String>,
    pub closing: Vec<String>,
    pub signature: String,
    /// The company's own body, line by line, when it wrote one (it replaces everything
    /// from the greeting to the signature).
    pub custom_body: Option<Vec<String>>,
}

impl Reminder {
    /// The reminder's text in its language and tone, or the company's own text.
    pub fn text(&self) -> ReminderText {
        let mut t = self.builtin_text();
        if let Some((subject, body)) = &self.custom {
            let values = self.values(&t);
            t.subject = one_line(&subject.render(&values));
            t.custom_body = Some(body.render(&values).lines().map(str::to_string).collect());
        }
        t
    }

    /// The values of the merge fields, written for the reader.
    pub fn values(&self, t: &ReminderText) -> MergeValues {
        let lang = self.language;
        let days = self.lines.iter().map(|l| l.days_late).max().unwrap_or(0);
        let due_dates: Vec<String> = {
            let mut d: Vec<Date> = self.lines.iter().map(|l| l.due_date).collect();
            d.sort();
            d.dedup();
            d.into_iter().map(|d| text::date(d, lang)).collect()
        };
        let w = words(lang);
        let penalties: Vec<String> = t.charges.iter().filter(|c| !c.starts_with(w.indemnity)).cloned().collect();
        let indemnity: Vec<String> = t.charges.iter().filter(|c| c.starts_with(w.indemnity)).cloned().collect();
        MergeValues {
            customer_name: self.customer_name.clone(),
            company_name: self.seller.trading_name.clone().unwrap_or_else(|| self.seller.name.clone()),
            invoice_list: t.lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"),
            invoice_numbers: self.lines.iter().map(|l| l.number.as_str()).collect::<Vec<_>>().join(", "),
            total_due: t.totals.join("\n"),
            days_late: days.to_string(),
            due_date: due_dates.join(", "),
            penalties: penalties.join("\n"),
            indemnity: indemnity.join("\n"),
            late_charges: t.charges.join("\n"),
            payment_link: self.payment_link.clone().unwrap_or_default(),
            ..MergeValues::default()
        }
    }

    fn builtin_text(&self) -> ReminderText {
        let lang = self.language;
        let w = words(lang);
        let t = tone_index(self.tone);
        let money = |d: Decimal, c: Currency| text::money(d, c, lang);
        let friendly = self.tone == Tone::Friendly;
        let lines = self
            .lines
            .iter()
            .map(|l| {
                if friendly {
                    return format!(
                        "{} {} — {} {} — {} {} — {} {}",
                        w.invoice,
                        l.number,
                        w.issued,
                        text::date(l.issue_date, lang),
                        w.payable_on,
                        text::date(l.due_date, lang),
                        w.amount_due,
                        money(l.due, l.currency),
                    );
                }
                format!(
                    "{} {} — {} {} — {} {} ({} {}) — {} {}",
                    w.invoice,
                    l.number,
                    w.issued,
                    text::date(l.issue_date, lang),
                    w.due_on,
                    text::date(l.due_date, lang),
                    l.days_late,
                    w.days_late,
                    w.amount_due,
                    money(l.due, l.currency),
                )
            })
            .collect();
        let mut sums: BTreeMap<String, (Currency, Decimal)> = BTreeMap::new();
        for l in &self.lines {
            let e = sums.entry(l.currency.code().to_string()).or_insert((l.currency, Decimal::ZERO));
            e.1 += l.due;
        }
        let totals = sums.values().map(|(c, d)| format!("{} : {}", w.total_due, money(*d, *c))).collect();
        let mut charges = Vec::new();
        if self.is_business && !friendly {
            match self.penalty_rate {
                Some(rate) => {
                    for l in &self.lines {
                        if let Some(p) = l.penalties {
                            charges.push(format!(
                                "{} {} % — {} {} : {}",
                                w.penalties,
                                text::number(rate, 0, lang),
                                w.invoice,
                                l.number,
                                money(p, l.currency)
                            ));
                        }
                    }
                }
                None => charges.push(w.penalties_legal.to_string()),
            }
            if let Some(l) = self.lines.iter().find(|l| l.indemnity.is_some()) {
                let amount = l.indemnity.unwrap_or_default();
                charges.push(format!("{} {}", w.indemnity, money(amount, l.currency)));
            }
        }
        let mut closing = vec![w.closing[t].to_string()];
        if self.tone != Tone::FormalNotice {
            closing.push(w.already_paid.to_string());
        }
        if let Some(link) = &self.payment_link {
            closing.push(format!("{} {link}", w.pay_online));
        }
        ReminderText {
            subject: format!("{} — {}", w.subject[t], self.seller.trading_name.as_deref().unwrap_or(&self.seller.name)),
            title: w.title[t].to_string(),
            greeting: w.greeting.to_string(),
            opening: w.opening[t].to_string(),
            lines,
            totals,
            charges,
            closing,
            signature: w.signature.to_string(),
            custom_body: None,
        }
    }

    /// The subject and plain-text body of the reminder's e-mail.
    pub fn email(&self) -> (String, String) {
        let t = self.text();
        if let Some(body) = &t.custom_body {
            let mut b = body.join("\n");
            b.push('\n');
            return (t.subject, b);
        }
        let mut body = format!("{}\n\n{}\n\n", t.greeting, t.opening);
        for l in &t.lines {
            body.push_str("- ");
            body.push_str(l);
            body.push('\n');
        }
        body.push('\n');
        for l in t.totals.iter().chain(&t.charges) {
            body.push_str(l);
            body.push('\n');
        }
        body.push('\n');
        for l in &t.closing {
            body.push_str(l);
            body.push_str("\n\n");
        }
        body.push_str(&t.signature);
        body.push_str("\n\n");
        body.push_str(&self.seller.name);
        body.push('\n');
        (t.subject, body)
    }
}

/// A merge field of a reminder or a quote follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    CustomerName,
    CompanyName,
    InvoiceList,
    InvoiceNumbers,
    TotalDue,
    DaysLate,
    DueDate,
    Penalties,
    Indemnity,
    LateCharges,
    PaymentLink,
    QuoteList,
}

impl Field {
    /// Every field, in the order the settings page lists them.
    pub const ALL: [Field; 12] = [
        Field::CustomerName,
        Field::CompanyName,
        Field::InvoiceList,
        Field::InvoiceNumbers,
        Field::TotalDue,
        Field::DaysLate,
        Field::DueDate,
        Field::Penalties,
        Field::Indemnity,
        Field::LateCharges,
        Field::PaymentLink,
        Field::QuoteList,
    ];

    /// The name written between braces.
    pub fn name(self) -> &'static str {
        match self {
            Field::CustomerName => "customer_name",
            Field::CompanyName => "company_name",
            Field::InvoiceList => "invoice_list",
            Field::InvoiceNumbers => "invoice_numbers",
            Field::TotalDue => "total_due",
            Field::DaysLate => "days_late",
            Field::DueDate => "due_date",
            Field::Penalties => "penalties",
            Field::Indemnity => "indemnity",
            Field::LateCharges => "late_charges",
            Field::PaymentLink => "payment_link",
            Field::QuoteList => "quote_list",
        }
    }

    /// The field names as a list for messages: `{customer_name}, {company_name}, …`.
    pub fn list() -> String {
        Field::ALL.iter().map(|f| format!("{{{}}}", f.name())).collect::<Vec<_>>().join(", ")
    }
}

/// The values of the merge fields of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeValues {
    pub customer_name: String,
    pub company_name: String,
    pub invoice_list: String,
    pub invoice_numbers: String,
    pub total_due: String,
    pub days_late: String,
    pub due_date: String,
    pub penalties: String,
    pub indemnity: String,
    pub late_charges: String,
    pub payment_link: String,
    pub quote_list: String,
}

impl MergeValues {
    fn get(&self, f: Field) -> &str {
        match f {
            Field::CustomerName => &self.customer_name,
            Field::CompanyName => &self.company_name,
            Field::InvoiceList => &self.invoice_list,
            Field::InvoiceNumbers => &self.invoice_numbers,
            Field::TotalDue => &self.total_due,
            Field::DaysLate => &self.days_late,
            Field::DueDate => &self.due_date,
            Field::Penalties => &self.penalties,
            Field::Indemnity => &self.indemnity,
            Field::LateCharges => &self.late_charges,
            Field::PaymentLink => &self.payment_link,
            Field::QuoteList => &self.quote_list,
        }
    }
}

/// A reminder's subject or body as the company wrote it, every merge field known:
/// `{name}` is replaced by the field's value, `{{` and `}}` write a literal brace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeTemplate(Vec<crate::merge::Piece<Field>>);

/// Why a reminder's text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("{{{0}}} is not a merge field of a reminder; the fields are {list}", list = Field::list())]
    UnknownField(String),
    #[error("the brace at character {0} is not closed; write {{{{ for a literal brace")]
    Unclosed(usize),
    #[error("the closing brace at character {0} closes nothing; write }}}} for a literal brace")]
    StrayClose(usize),
}

impl facturier_core::message::IntoMessage for TemplateError {
    fn into_message(self) -> facturier_core::message::Message {
        use facturier_core::message::Message;
        match self {
            TemplateError::UnknownField(f) => {
                Message::new("dunning_merge_field").with("f", f).with("list", Field::list())
            }
            TemplateError::Unclosed(n) => Message::new("brace_character_closed_write").with("n", n),
            TemplateError::StrayClose(n) => Message::new("closing_brace_character_closes").with("n", n),
        }
    }
}

impl std::str::FromStr for MergeTemplate {
    type Err = TemplateError;
    fn from_str(s: &str) -> Result<MergeTemplate, TemplateError> {
        let pieces =
            crate::merge::parse(s, |name| Field::ALL.into_iter().find(|f| f.name() == name)).map_err(|e| match e {
                crate::merge::Broken::UnknownField(f) => TemplateError::UnknownField(f),
                crate::merge::Broken::Unclosed(n) => TemplateError::Unclosed(n),
                crate::merge::Broken::StrayClose(n) => TemplateError::StrayClose(n),
            })?;
        Ok(MergeTemplate(pieces))
    }
}

impl MergeTemplate {
    /// The text with every field replaced by its value.
    pub fn render(&self, values: &MergeValues) -> String {
        crate::merge::render(&self.0, |f| values.get(f))
    }
}

/// A subject stays on one line whatever a field holds.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One sent quote in a follow-up.
#[derive(Clone, Debug)]
pub struct QuoteLine {
    pub number: String,
    pub sent_on: Date,
    pub currency: Currency,
    pub total: Decimal,
}

/// The follow-up of a customer's sent quotes not accepted yet (relance devis).
#[derive(Clone, Debug)]
pub struct QuoteFollowUpMail {
    pub language: Language,
    pub seller: Seller,
    pub customer_name: String,
    pub quotes: Vec<QuoteLine>,
    /// The company's own text for this follow-up (subject, body).
    pub custom: Option<(MergeTemplate, MergeTemplate)>,
}

impl QuoteFollowUpMail {
    /// The merge values of the follow-up (`{quote_list}`, `{customer_name}`, `{company_name}`).
    pub fn values(&self) -> MergeValues {
        let lang = self.language;
        let (quote, sent) = match lang {
            Language::Fr => ("Devis", "envoyé le"),
            Language::En => ("Quote", "sent on"),
        };
        MergeValues {
            customer_name: self.customer_name.clone(),
            company_name: self.seller.trading_name.clone().unwrap_or_else(|| self.seller.name.clone()),
            quote_list: self
                .quotes
                .iter()
                .map(|q| {
                    format!(
                        "- {quote} {} — {sent} {} — {}",
                        q.number,
                        text::date(q.sent_on, lang),
                        text::money(q.total, q.currency, lang)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            invoice_numbers: self.quotes.iter().map(|q| q.number.as_str()).collect::<Vec<_>>().join(", "),
            ..MergeValues::default()
        }
    }

    /// The subject and plain-text body of the follow-up.
    pub fn email(&self) -> (String, String) {
        let v = self.values();
        if let Some((subject, body)) = &self.custom {
            let mut b = body.render(&v);
            b.push('\n');
            return (one_line(&subject.render(&v)), b);
        }
        let (subject, body) = match self.language {
            Language::Fr => (
                "Suivi de notre proposition — {company_name}",
                "Madame, Monsieur,\n\nNous revenons vers vous au sujet de notre proposition :\n{quote_list}\n\nAvez-vous pu en prendre connaissance ? Nous restons à votre disposition pour toute question ou adaptation.\n\nBien cordialement,\n\n{company_name}",
            ),
            Language::En => (
                "Following up on our quote — {company_name}",
                "Dear Sir or Madam,\n\nWe are following up on our quote:\n{quote_list}\n\nHave you had a chance to look at it? We are happy to answer any question or adjust it.\n\nKind regards,\n\n{company_name}",
            ),
        };
        let render = |t: &str| t.parse::<MergeTemplate>().map(|t| t.render(&v)).unwrap_or_else(|_| t.to_string());
        let mut b = render(body);
        b.push('\n');
        (one_line(&render(subject)), b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use facturier_core::party::Country;
    use time::macros::date;

    fn reminder(lang: Language, tone: Tone, business: bool) -> Reminder {
        let eur: Currency = "EUR".parse().expect("EUR");
        let address = Address {
            line1: "1 rue de la Paix".into(),
            line2: None,
            postal_code: "75002".into(),
            city: "Paris".into(),
            country: "FR".parse::<Country>().expect("FR"),
        };
        Reminder {
            language: lang,
            tone,
            seller: Seller {
                name: "Atelier Dupont".into(),
                trading_name: None,
                legal_form: None,
                share_capital: None,
                rcs_city: None,
                siren: None,
                siret: None,
                vat_number: None,
                address: address.clone(),
                email: None,
                phone: None,
                website: None,
            },
            customer_name: "Client SA".into(),
            customer_address: Some(address),
            is_business: business,
            penalty_rate: Some(Decimal::from(12)),
            date: date!(2026 - 04 - 01),
            lines: vec![ReminderLine {
                number: "F2026-00001".into(),
                issue_date: date!(2026 - 01 - 01),
                due_date: date!(2026 - 01 - 31),
                days_late: 60,
                currency: eur,
                due: Decimal::new(120_000, 2),
                penalties: Some(Decimal::new(2367, 2)),
                indemnity: business.then(|| Decimal::from(40)),
            }],
            payment_link: None,
            custom: None,
        }
    }

    #[test]
    fn a_company_template_is_rendered_with_its_merge_fields() {
        let mut r = reminder(Language::Fr, Tone::FormalNotice, true);
        let subject: MergeTemplate = "Relance {invoice_numbers} — {company_name}".parse().expect("subject");
        let body: MergeTemplate =
            "Bonjour {customer_name},\n{invoice_list}\n{total_due}\nRetard : {days_late} jours\n{indemnity}\n{{fin}}"
                .parse()
                .expect("body");
        r.custom = Some((subject, body));
        let (subject, body) = r.email();
        assert_eq!(subject, "Relance F2026-00001 — Atelier Dupont");
        assert!(body.starts_with("Bonjour Client SA,\n- Facture F2026-00001"), "{body}");
        assert!(body.contains("Total restant dû : 1"), "{body}");
        assert!(body.contains("Retard : 60 jours"), "{body}");
        assert!(body.contains("L441-10") && body.contains("40,00"), "{body}");
        assert!(body.contains("{fin}"), "{body}");
    }

    #[test]
    fn an_unknown_merge_field_is_refused_by_name() {
        let e = "Bonjour {client}".parse::<MergeTemplate>().unwrap_err();
        assert_eq!(e, TemplateError::UnknownField("client".into()));
        assert!(e.to_string().contains("{customer_name}"), "{e}");
        assert!("{oops".parse::<MergeTemplate>().is_err());
    }

    #[test]
    fn a_friendly_reminder_lists_what_falls_due_without_charges() {
        let (subject, body) = reminder(Language::Fr, Tone::Friendly, true).email();
        assert!(subject.starts_with("Rappel amical"), "{subject}");
        assert!(body.contains("à régler le"), "{body}");
        assert!(!body.contains("L441-10") && !body.contains("retard"), "{body}");
    }

    #[test]
    fn a_formal_notice_to_a_business_names_the_indemnity_and_penalties() {
        let (subject, body) = reminder(Language::Fr, Tone::FormalNotice, true).email();
        assert!(subject.starts_with("Mise en demeure"), "{subject}");
        assert!(body.contains("F2026-00001"), "{body}");
        assert!(body.contains("60 jours de retard"), "{body}");
        assert!(body.contains("L441-10"), "{body}");
        assert!(body.contains("40,00"), "{body}");
        assert!(body.contains("23,67"), "{body}");
    }

    #[test]
    fn a_first_reminder_to_a_consumer_has_no_business_charges() {
        let (subject, body) = reminder(Language::En, Tone::First, false).email();
        assert!(subject.starts_with("Reminder"), "{subject}");
        assert!(!body.contains("L441-10"), "{body}");
        assert!(body.contains("1,200.00"), "{body}");
    }

    #[test]
    fn the_last_level_is_the_formal_notice() {
        assert_eq!(Tone::of(0, 3), Tone::First);
        assert_eq!(Tone::of(1, 3), Tone::Second);
        assert_eq!(Tone::of(2, 3), Tone::FormalNotice);
        assert_eq!(Tone::of(0, 1), Tone::First);
    }
}

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
}

struct Words {
    subject: [&'static str; 3],
    title: [&'static str; 3],
    greeting: &'static str,
    opening: [&'static str; 3],
    closing: [&'static str; 3],
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
}

const FR: Words = Words {
    subject: [
        "Rappel : facture(s) arrivée(s) à échéance",
        "Deuxième relance : facture(s) impayée(s)",
        "Mise en demeure de payer",
    ],
    title: ["Rappel de paiement", "Deuxième relance", "Mise en demeure"],
    greeting: "Madame, Monsieur,",
    opening: [
        "Sauf erreur de notre part, les factures suivantes restent impayées à ce jour :",
        "Malgré notre précédent rappel, les factures suivantes restent impayées :",
        "Malgré nos relances, les factures suivantes restent impayées. Par la présente, nous vous mettons en demeure de régler les sommes dues :",
    ],
    closing: [
        "Nous vous remercions de bien vouloir procéder à leur règlement dans les meilleurs délais.",
        "Nous vous prions de procéder à leur règlement sous huit jours.",
        "À défaut de paiement sous huit jours à compter de la présente, nous engagerons une procédure de recouvrement, sans autre avis.",
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
};

const EN: Words = Words {
    subject: ["Reminder: invoice(s) now due", "Second reminder: unpaid invoice(s)", "Formal notice to pay"],
    title: ["Payment reminder", "Second reminder", "Formal notice"],
    greeting: "Dear Sir or Madam,",
    opening: [
        "According to our records, the following invoices are still unpaid:",
        "Despite our previous reminder, the following invoices are still unpaid:",
        "Despite our reminders, the following invoices are still unpaid. We hereby give you formal notice to pay the amounts due:",
    ],
    closing: [
        "We would be grateful if you could settle them at your earliest convenience.",
        "Please settle them within eight days.",
        "Failing payment within eight days of this notice, we will start recovery proceedings without further notice.",
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
}

impl Reminder {
    /// The reminder's text in its language and tone.
    pub fn text(&self) -> ReminderText {
        let lang = self.language;
        let w = words(lang);
        let t = tone_index(self.tone);
        let money = |d: Decimal, c: Currency| text::money(d, c, lang);
        let lines = self
            .lines
            .iter()
            .map(|l| {
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
        if self.is_business {
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
        }
    }

    /// The subject and plain-text body of the reminder's e-mail.
    pub fn email(&self) -> (String, String) {
        let t = self.text();
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
        }
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

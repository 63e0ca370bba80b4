//! Words and numbers as a reader in France or elsewhere expects them: `1 234,56 €` and
//! `23/11/2026` in French, `€1,234.56` and `23 Nov 2026` in English.

use facturier_core::Decimal;
use facturier_core::document::DocumentKind;
use facturier_core::money::{Currency, to_text};
use facturier_core::party::Language;
use time::Date;

/// Groups the integer digits of a plain decimal text ("-1234.5") by thousands.
pub fn group_digits(plain: &str, sep: char, decimal_mark: char) -> String {
    let (sign, rest) = plain.strip_prefix('-').map_or(("", plain), |r| ("-", r));
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}{decimal_mark}{frac}") }
}

/// A number with at least `min_scale` decimals, in the reader's notation.
pub fn number(d: Decimal, min_scale: u32, lang: Language) -> String {
    let plain = to_text(d.normalize(), min_scale);
    match lang {
        // U+202F narrow no-break space, the French thousands separator.
        Language::Fr => group_digits(&plain, '\u{202f}', ','),
        Language::En => group_digits(&plain, ',', '.'),
    }
}

/// A count (rows, documents) in the reader's notation: 50 000, 50,000.
pub fn count(n: u64, lang: Language) -> String {
    number(Decimal::from(n), 0, lang)
}

/// An amount rounded to its currency, with its symbol where the reader puts it.
pub fn money(d: Decimal, currency: Currency, lang: Language) -> String {
    let scale = currency.minor_units();
    let n = number(currency.round(d), scale, lang);
    let sym = symbol(currency.code());
    match lang {
        Language::Fr => format!("{n}\u{a0}{sym}"),
        Language::En => match n.strip_prefix('-') {
            Some(abs) if sym.chars().count() == 1 => format!("-{sym}{abs}"),
            _ if sym.chars().count() == 1 => format!("{sym}{n}"),
            _ => format!("{sym}\u{a0}{n}"),
        },
    }
}

/// The printed symbol of a currency, or its code when it has none we print.
pub(crate) fn symbol(code: &str) -> &str {
    match code {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        "JPY" => "¥",
        "CHF" => "CHF",
        other => other,
    }
}

/// A percentage: "20 %", "5,5 %" / "20%", "5.5%".
pub fn percent(d: Decimal, lang: Language) -> String {
    match lang {
        Language::Fr => format!("{}\u{a0}%", number(d, 0, lang)),
        Language::En => format!("{}%", number(d, 0, lang)),
    }
}

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date: "23/11/2026" / "23 Nov 2026".
pub fn date(d: Date, lang: Language) -> String {
    match lang {
        Language::Fr => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        Language::En => format!("{} {} {}", d.day(), MONTHS_EN[usize::from(u8::from(d.month())) - 1], d.year()),
    }
}

/// An instant as the company's clock shows it (its country's time, summer time
/// included): "07/12/2026 03:00" / "7 Dec 2026, 03:00". Never UTC.
pub fn instant(utc: time::OffsetDateTime, country: &str, lang: Language) -> String {
    let local = facturier_core::calendar::local_datetime(country, utc);
    let (d, h, m) = (date(local.date(), lang), local.hour(), local.minute());
    match lang {
        Language::Fr => format!("{d} {h:02}:{m:02}"),
        Language::En => format!("{d}, {h:02}:{m:02}"),
    }
}

/// The date of an instant in the company's calendar.
pub fn local_date(utc: time::OffsetDateTime, country: &str, lang: Language) -> String {
    date(facturier_core::calendar::local_date(country, utc), lang)
}

/// The printed title of a kind of document.
pub fn kind_title(kind: DocumentKind, progress: bool, lang: Language) -> &'static str {
    let fr = lang == Language::Fr;
    match kind {
        DocumentKind::Quote => {
            if fr {
                "Devis"
            } else {
                "Quote"
            }
        }
        DocumentKind::Order => {
            if fr {
                "Commande"
            } else {
                "Order confirmation"
            }
        }
        DocumentKind::DeliveryNote => {
            if fr {
                "Bon de livraison"
            } else {
                "Delivery note"
            }
        }
        DocumentKind::Proforma => {
            if fr {
                "Facture pro forma"
            } else {
                "Pro forma invoice"
            }
        }
        DocumentKind::Invoice if progress => {
            if fr {
                "Facture de situation"
            } else {
                "Progress invoice"
            }
        }
        DocumentKind::Invoice => {
            if fr {
                "Facture"
            } else {
                "Invoice"
            }
        }
        DocumentKind::DepositInvoice => {
            if fr {
                "Facture d'acompte"
            } else {
                "Deposit invoice"
            }
        }
        DocumentKind::CreditNote => {
            if fr {
                "Avoir"
            } else {
                "Credit note"
            }
        }
    }
}

/// The fixed words of a printed document.
#[derive(Clone, Copy, Debug)]
pub struct Words {
    pub number: &'static str,
    pub draft_number: &'static str,
    pub issue_date: &'static str,
    pub due_date: &'static str,
    pub valid_until: &'static str,
    pub delivery_date: &'static str,
    pub customer_reference: &'static str,
    pub salesperson: &'static str,
    pub contact: &'static str,
    pub customer_number: &'static str,
    pub billing_address: &'static str,
    pub delivery_address: &'static str,
    pub reference: &'static str,
    pub description: &'static str,
    pub quantity: &'static str,
    pub unit: &'static str,
    pub unit_price: &'static str,
    pub discount: &'static str,
    pub vat: &'static str,
    pub net: &'static str,
    pub subtotal: &'static str,
    pub lines_net: &'static str,
    pub document_discount: &'static str,
    pub total_net: &'static str,
    pub vat_breakdown: &'static str,
    pub vat_base: &'static str,
    pub vat_rate: &'static str,
    pub vat_amount: &'static str,
    pub total_vat: &'static str,
    /// Before the seller's phone number.
    pub phone: &'static str,
    pub total_gross: &'static str,
    pub already_settled: &'static str,
    pub net_to_pay: &'static str,
    pub schedule: &'static str,
    pub payment: &'static str,
    pub bank_details: &'static str,
    /// Before the invoice's payment link (`/pay/{token}`).
    pub pay_online: &'static str,
    pub terms: &'static str,
    pub special_conditions: &'static str,
    pub page: &'static str,
    pub of: &'static str,
    pub carried_forward: &'static str,
    pub draft_mark: &'static str,
    pub counter_value: &'static str,
    /// "of which VAT", after the counter-value of the total.
    pub of_which_vat: &'static str,
    pub exchange_rate: &'static str,
    pub customer_vat: &'static str,
    pub customer_siren: &'static str,
    pub progress: &'static str,
    pub payment_terms: &'static str,
    pub payment_mode: &'static str,
    /// The heading of a quote's signature block.
    pub acceptance: &'static str,
    /// What the customer writes and signs to accept a quote.
    pub acceptance_help: &'static str,
    pub acceptance_date: &'static str,
    pub acceptance_signature: &'static str,
}

pub const FR: Words = Words {
    number: "N°",
    draft_number: "Brouillon",
    issue_date: "Date",
    due_date: "Échéance",
    valid_until: "Valable jusqu'au",
    delivery_date: "Livraison",
    customer_reference: "Votre référence",
    salesperson: "Commercial",
    contact: "À l'attention de",
    customer_number: "Client",
    billing_address: "Adresse de facturation",
    delivery_address: "Adresse de livraison",
    reference: "Réf.",
    description: "Désignation",
    quantity: "Qté",
    unit: "Unité",
    unit_price: "P.U. HT",
    discount: "Remise",
    vat: "TVA",
    net: "Montant HT",
    subtotal: "Sous-total",
    lines_net: "Total lignes HT",
    document_discount: "Remise",
    total_net: "Total HT",
    vat_breakdown: "Détail de la TVA",
    vat_base: "Base HT",
    vat_rate: "Taux",
    vat_amount: "Montant TVA",
    total_vat: "Total TVA",
    phone: "Tél.",
    total_gross: "Total TTC",
    already_settled: "Déjà réglé",
    net_to_pay: "Net à payer",
    schedule: "Échéancier",
    payment: "Règlement",
    bank_details: "Coordonnées bancaires",
    pay_online: "Payer en ligne",
    terms: "Conditions générales",
    special_conditions: "Conditions particulières",
    acceptance: "Bon pour accord",
    acceptance_help: "Devis à retourner daté et signé, précédé de la mention manuscrite « Bon pour accord », avec le cachet de l'entreprise.",
    acceptance_date: "Date :",
    acceptance_signature: "Signature et cachet :",
    page: "Page",
    of: "sur",
    carried_forward: "À reporter",
    draft_mark: "SPÉCIMEN",
    counter_value: "Contre-valeur",
    of_which_vat: "dont TVA",
    exchange_rate: "taux",
    customer_vat: "N° TVA client",
    customer_siren: "SIREN client",
    progress: "Avancement cumulé",
    payment_terms: "Conditions de paiement",
    payment_mode: "Mode de règlement",
};

pub const EN: Words = Words {
    number: "No.",
    draft_number: "Draft",
    issue_date: "Date",
    due_date: "Due date",
    valid_until: "Valid until",
    delivery_date: "Delivery",
    customer_reference: "Your reference",
    salesperson: "Salesperson",
    contact: "Attention",
    customer_number: "Customer",
    billing_address: "Billing address",
    delivery_address: "Delivery address",
    reference: "Ref.",
    description: "Description",
    quantity: "Qty",
    unit: "Unit",
    unit_price: "Unit price",
    discount: "Disc.",
    vat: "VAT",
    net: "Net amount",
    subtotal: "Subtotal",
    lines_net: "Lines total",
    document_discount: "Discount",
    total_net: "Total excl. VAT",
    vat_breakdown: "VAT breakdown",
    vat_base: "Taxable amount",
    vat_rate: "Rate",
    vat_amount: "VAT amount",
    total_vat: "Total VAT",
    phone: "Tel.",
    total_gross: "Total incl. VAT",
    already_settled: "Already paid",
    net_to_pay: "Amount due",
    schedule: "Payment schedule",
    payment: "Payment",
    bank_details: "Bank details",
    pay_online: "Pay online",
    terms: "Terms and conditions",
    special_conditions: "Special conditions",
    acceptance: "Accepted",
    acceptance_help: "Please return this quote dated and signed, with the words \"Accepted\" written by hand and your company stamp.",
    acceptance_date: "Date:",
    acceptance_signature: "Signature and stamp:",
    page: "Page",
    of: "of",
    carried_forward: "Carried forward",
    draft_mark: "DRAFT",
    counter_value: "Counter-value",
    of_which_vat: "of which VAT",
    exchange_rate: "rate",
    customer_vat: "Customer VAT no.",
    customer_siren: "Customer SIREN",
    progress: "Cumulative progress",
    payment_terms: "Payment terms",
    payment_mode: "Payment method",
};

pub fn words(lang: Language) -> &'static Words {
    match lang {
        Language::Fr => &FR,
        Language::En => &EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use facturier_core::money::Currency;
    use rust_decimal_macros::dec;
    use time::macros::date;

    fn eur() -> Currency {
        "EUR".parse().unwrap()
    }

    #[test]
    fn amounts_are_written_the_way_each_reader_expects() {
        assert_eq!(money(dec!(1234.5), eur(), Language::Fr), "1\u{202f}234,50\u{a0}€");
        assert_eq!(money(dec!(1234.5), eur(), Language::En), "€1,234.50");
        assert_eq!(money(dec!(-1234567.891), eur(), Language::En), "-€1,234,567.89");
        assert_eq!(money(dec!(0), eur(), Language::Fr), "0,00\u{a0}€");
        assert_eq!(money(dec!(999), "CHF".parse().unwrap(), Language::En), "CHF\u{a0}999.00");
        assert_eq!(percent(dec!(5.5), Language::Fr), "5,5\u{a0}%");
        assert_eq!(percent(dec!(20.00), Language::En), "20%");
        assert_eq!(number(dec!(1.234560), 0, Language::Fr), "1,23456");
    }

    #[test]
    fn dates_are_written_the_way_each_reader_expects() {
        assert_eq!(date(date!(2026 - 03 - 05), Language::Fr), "05/03/2026");
        assert_eq!(date(date!(2026 - 03 - 05), Language::En), "5 Mar 2026");
    }
}

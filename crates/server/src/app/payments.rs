//! What every way of recording money (a payment of an invoice, a receipt, a credit
//! application, a refund) reads the same: the amount, the date, the method and what to
//! do with an excess, each refused with the same message wherever it is typed.

use crate::input::{Check, DecRules, DecText};
use facturier_core::Decimal;
use facturier_core::message::Message;
use facturier_core::money::{Currency, MAX_MAGNITUDE};
use facturier_core::payments::Excess;

/// Accepted payment methods, with the aliases people type.
pub fn payment_method(s: &str) -> Option<&'static str> {
    Some(match s.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
        "bank_transfer"
        | "transfer"
        | "wire"
        | "wire_transfer"
        | "credit_transfer"
        | "sepa_transfer"
        | "sepa_credit_transfer"
        | "virement"
        | "bank" => "bank_transfer",
        "card" | "credit_card" | "debit_card" | "cb" | "carte" | "carte_bancaire" => "card",
        "cheque" | "check" | "chèque" => "cheque",
        "cash" | "especes" | "espèces" | "liquide" => "cash",
        "direct_debit" | "sepa_direct_debit" | "sepa_debit" | "sepa" | "debit" | "prelevement" | "prélèvement" => {
            "direct_debit"
        }
        "online" | "paypal" | "stripe" | "payment_link" => "online",
        "other" | "autre" => "other",
        _ => return None,
    })
}

/// Parses an amount received or paid: required, above zero, in the currency's decimals.
pub fn amount(v: &mut Check, field: &str, a: Option<&DecText>, cur: Currency) -> Option<Decimal> {
    match a {
        Some(a) => v.decimal(field, a, DecRules::new(cur.minor_units()).positive().at_most(MAX_MAGNITUDE)),
        None => {
            v.error(field, Message::new("required"));
            None
        }
    }
}

/// Parses a payment method (default `bank_transfer`).
pub fn method(v: &mut Check, m: Option<&str>) -> Option<&'static str> {
    match m {
        None => Some("bank_transfer"),
        Some(m) => {
            let r = payment_method(m);
            if r.is_none() {
                v.error("method", Message::new("payment_method_bank_transfer").with("v", format!("{m:?}")));
            }
            r
        }
    }
}

/// Parses the date of the payment (default today).
pub fn date(v: &mut Check, d: Option<&str>, today: time::Date) -> Option<time::Date> {
    match d {
        Some(d) => v.date("date", d),
        None => Some(today),
    }
}

/// Parses `excess`: absent or `"credit"`.
pub fn excess(v: &mut Check, s: &Option<String>) -> Excess {
    match s.as_deref() {
        None => Excess::Refuse,
        Some("credit") => Excess::Credit,
        Some(other) => {
            v.error("excess", Message::new("way_keep_excess_only").with("v", format!("{other:?}")));
            Excess::Refuse
        }
    }
}

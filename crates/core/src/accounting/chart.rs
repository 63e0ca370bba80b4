//! The chart of accounts a company's entries are written on: the French PCG defaults
//! (411 customers, 706/707 revenue, 708500 shipping, 709 discounts, 4191 deposits,
//! 44571 VAT collected per rate, 44574 VAT collected on collection per rate, 512 bank,
//! 530 cash), each one overridable in the company's settings
//! (`PATCH /settings {"accounting": {...}}`), and the VAT regime of services (on debits,
//! the default, or on collection).

use crate::document::Nature;
use crate::message::Message;
use crate::tax::Vat;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// Longest account number accepted (FEC readers and import formats take up to 17).
pub const MAX_ACCOUNT: usize = 17;

/// Why an account number or a journal code is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    #[error(
        "account {0:?}: an account number starts with the three digits of its PCG class and has only letters and digits, at most 17"
    )]
    Account(String),
    #[error("journal code {0:?}: one to four capital letters or digits")]
    Journal(String),
    #[error("fiscal year start month {0}: a month from 1 to 12")]
    FiscalMonth(u8),
}

impl ChartError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> Message {
        match self {
            ChartError::Account(a) => Message::new("accounting_account_shape").with("account", format!("{a:?}")),
            ChartError::Journal(j) => Message::new("accounting_journal_shape").with("journal", format!("{j:?}")),
            ChartError::FiscalMonth(m) => Message::new("accounting_fiscal_month").with("v", *m),
        }
    }
}

/// Checks an account number: three PCG digits first (the DGFiP's rule for `CompteNum`),
/// then letters or digits.
pub fn check_account(s: &str) -> Result<(), ChartError> {
    let b = s.as_bytes();
    let ok = b.len() >= 3
        && b.len() <= MAX_ACCOUNT
        && b[..3].iter().all(u8::is_ascii_digit)
        && b.iter().all(u8::is_ascii_alphanumeric);
    if ok { Ok(()) } else { Err(ChartError::Account(s.into())) }
}

/// Checks a journal code.
pub fn check_journal(s: &str) -> Result<(), ChartError> {
    let ok = !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok { Ok(()) } else { Err(ChartError::Journal(s.into())) }
}

/// A journal: its code and its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Journal {
    pub code: String,
    pub label: String,
}

/// Where the payments of one method go: a bank or cash journal and its account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MethodAccount {
    /// The payment method as payments record it (`transfer`, `card`, `cash`, `check`, `sepa_debit`…).
    pub method: String,
    pub journal: Journal,
    pub account: String,
}

/// The VAT collected account of one rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VatAccount {
    /// The rate in percent, as a decimal string ("20", "5.5").
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    pub account: String,
}

/// The accounts of one company. Every field has the PCG default, so a company that
/// never set anything writes correct entries; `PATCH /settings {"accounting": …}` sets
/// any of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Chart {
    /// The collective customers account ("411000").
    pub customers: String,
    /// Revenue from goods sold ("707000").
    pub goods: String,
    /// Revenue from services ("706000").
    pub services: String,
    /// Shipping and other charges billed ("708500").
    pub charges: String,
    /// Document discounts granted ("709000").
    pub discounts: String,
    /// Deposits received on orders ("419100"): a deposit invoice credits it, the final
    /// invoice's deduction debits it.
    pub deposits: String,
    /// The default VAT collected account, for a rate without its own ("445710").
    pub vat_collected: String,
    /// VAT collected per rate; by default `44571` followed by the rate × 10 on three
    /// digits (20 % → "44571200", 5.5 % → "44571055").
    pub vat_rates: Vec<VatAccount>,
    /// VAT on collection ("TVA sur les encaissements", CGI art. 269-2-c): when set, the
    /// VAT of service lines is credited at invoicing to the pending account of its rate
    /// (44574…) and moved to the VAT collected account (44571…) as payments settle the
    /// invoice. Off (the default): all VAT is booked at invoicing ("on debits"), which is
    /// the rule for goods and for a company that opted for debits on its services.
    pub vat_on_collection_for_services: bool,
    /// The default VAT-on-collection account, for a rate without its own ("445740").
    pub vat_pending: String,
    /// VAT on collection per rate; by default `44574` followed by the rate × 10 on three
    /// digits (20 % → "44574200").
    pub vat_pending_rates: Vec<VatAccount>,
    /// The sales journal ("VE", "Ventes").
    pub sales_journal: Journal,
    /// Bank and cash journals per payment method; a method not listed goes to `bank`.
    pub methods: Vec<MethodAccount>,
    /// The bank journal and account of any other method ("BQ", "512000").
    pub bank: MethodAccount,
    /// The month the fiscal year starts in (1: January, the default; 7: a year from
    /// July to June). It fixes the default period of the exports and the FEC's name.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 12))]
    pub fiscal_year_start_month: u8,
    /// How the `csv` export writes the entry lines (checked by `CsvProfile::check`).
    pub csv: super::csv::CsvProfile,
}

impl Default for Chart {
    fn default() -> Chart {
        let j = |code: &str, label: &str| Journal { code: code.into(), label: label.into() };
        Chart {
            customers: "411000".into(),
            goods: "707000".into(),
            services: "706000".into(),
            charges: "708500".into(),
            discounts: "709000".into(),
            deposits: "419100".into(),
            vat_collected: "445710".into(),
            vat_rates: Vec::new(),
            vat_on_collection_for_services: false,
            vat_pending: "445740".into(),
            vat_pending_rates: Vec::new(),
            sales_journal: j("VE", "Ventes"),
            methods: vec![MethodAccount {
                method: "cash".into(),
                journal: j("CA", "Caisse"),
                account: "530000".into(),
            }],
            bank: MethodAccount { method: "*".into(), journal: j("BQ", "Banque"), account: "512000".into() },
            fiscal_year_start_month: 1,
            csv: super::csv::CsvProfile::default(),
        }
    }
}

impl Chart {
    /// Checks every account number and journal code.
    pub fn check(&self) -> Result<(), ChartError> {
        for a in [
            &self.customers,
            &self.goods,
            &self.services,
            &self.charges,
            &self.discounts,
            &self.deposits,
            &self.vat_collected,
            &self.vat_pending,
        ] {
            check_account(a)?;
        }
        for v in self.vat_rates.iter().chain(&self.vat_pending_rates) {
            check_account(&v.account)?;
        }
        check_journal(&self.sales_journal.code)?;
        for m in self.methods.iter().chain([&self.bank]) {
            check_account(&m.account)?;
            check_journal(&m.journal.code)?;
        }
        if !(1..=12).contains(&self.fiscal_year_start_month) {
            return Err(ChartError::FiscalMonth(self.fiscal_year_start_month));
        }
        Ok(())
    }

    /// The fiscal year `day` falls in.
    pub fn fiscal_year(&self, day: Date) -> (Date, Date) {
        fiscal_year(day, self.fiscal_year_start_month)
    }

    /// The revenue account of what a line supplies.
    pub fn revenue(&self, nature: Nature) -> &str {
        match nature {
            Nature::Goods => &self.goods,
            Nature::Services => &self.services,
        }
    }

    /// The VAT collected account of a rate: the company's own, else `44571` and the rate.
    pub fn vat(&self, vat: Vat) -> String {
        per_rate(&self.vat_rates, &self.vat_collected, "44571", vat)
    }

    /// The VAT-on-collection account of a rate (VAT invoiced on services, not yet
    /// collected): the company's own, else `44574` and the rate.
    pub fn vat_pending(&self, vat: Vat) -> String {
        per_rate(&self.vat_pending_rates, &self.vat_pending, "44574", vat)
    }

    /// The journal and account of a payment method.
    pub fn method(&self, method: &str) -> &MethodAccount {
        self.methods.iter().find(|m| m.method == method).unwrap_or(&self.bank)
    }
}

/// The account of a rate: the one listed, else `prefix` and the rate × 10 on three
/// digits, else (a zero or odd rate) `default`.
fn per_rate(listed: &[VatAccount], default: &str, prefix: &str, vat: Vat) -> String {
    if let Some(a) = listed.iter().find(|a| a.rate == vat.rate()) {
        return a.account.clone();
    }
    let tenths = (vat.rate() * Decimal::TEN).round();
    if tenths.is_zero() || tenths > Decimal::from(999) || tenths.is_sign_negative() {
        return default.to_string();
    }
    format!("{prefix}{:03}", tenths)
}

/// The fiscal year that `day` falls in, for a year starting on the first day of
/// `start_month` (1–12; out of range reads as January): its first and last days.
pub fn fiscal_year(day: Date, start_month: u8) -> (Date, Date) {
    let start = Month::try_from(start_month.clamp(1, 12)).unwrap_or(Month::January);
    let year = if u8::from(day.month()) >= u8::from(start) { day.year() } else { day.year() - 1 };
    let first = Date::from_calendar_date(year, start, 1).unwrap_or(day);
    // The day before the same month a year later.
    let next = Date::from_calendar_date(year + 1, start, 1).unwrap_or(day);
    (first, next.previous_day().unwrap_or(next))
}

/// The customer's auxiliary account: the one set on the customer, else `411` and a code
/// from its name (six letters or digits, upper case, unaccented) and the last four hex
/// digits of its id, which keeps two "Durand" apart and never changes.
pub fn customer_account(own: Option<&str>, name: &str, id: uuid::Uuid) -> String {
    if let Some(a) = own.filter(|a| !a.is_empty()) {
        return a.to_string();
    }
    let letters: String = crate::party::fold(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(6)
        .collect::<String>()
        .to_ascii_uppercase();
    let hex = id.simple().to_string();
    format!("411{letters}{}", hex[hex.len() - 4..].to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::VatCategory;
    use rust_decimal_macros::dec;

    #[test]
    fn the_defaults_are_the_pcg_accounts_and_pass_their_own_check() {
        let c = Chart::default();
        c.check().unwrap();
        assert_eq!(c.vat(Vat::new(dec!(20), None).unwrap()), "44571200");
        assert_eq!(c.vat(Vat::new(dec!(5.5), None).unwrap()), "44571055");
        assert_eq!(c.vat(Vat::new(dec!(0), Some(VatCategory::E)).unwrap()), "445710");
        assert_eq!(c.vat_pending(Vat::new(dec!(20), None).unwrap()), "44574200");
        assert_eq!(c.vat_pending(Vat::new(dec!(5.5), None).unwrap()), "44574055");
        assert!(!c.vat_on_collection_for_services);
        assert_eq!(c.method("cash").account, "530000");
        assert_eq!(c.method("transfer").journal.code, "BQ");
    }

    #[test]
    fn a_fiscal_year_runs_from_its_start_month_for_twelve_months() {
        use time::macros::date;
        assert_eq!(fiscal_year(date!(2026 - 03 - 15), 1), (date!(2026 - 01 - 01), date!(2026 - 12 - 31)));
        assert_eq!(fiscal_year(date!(2026 - 03 - 15), 7), (date!(2025 - 07 - 01), date!(2026 - 06 - 30)));
        assert_eq!(fiscal_year(date!(2026 - 07 - 01), 7), (date!(2026 - 07 - 01), date!(2027 - 06 - 30)));
        assert_eq!(fiscal_year(date!(2028 - 02 - 29), 3), (date!(2027 - 03 - 01), date!(2028 - 02 - 29)));
        assert_eq!(fiscal_year(date!(2026 - 12 - 31), 12), (date!(2026 - 12 - 01), date!(2027 - 11 - 30)));
        let mut c = Chart { fiscal_year_start_month: 13, ..Chart::default() };
        assert_eq!(c.check(), Err(ChartError::FiscalMonth(13)));
        c.fiscal_year_start_month = 10;
        assert!(c.check().is_ok());
        assert_eq!(c.fiscal_year(date!(2026 - 09 - 30)).1, date!(2026 - 09 - 30));
    }

    #[test]
    fn account_numbers_start_with_three_digits() {
        assert!(check_account("411DUR").is_ok());
        assert!(check_account("41").is_err());
        assert!(check_account("C411").is_err());
        assert!(check_account("411 000").is_err());
        assert!(check_journal("ve").is_err());
        assert!(check_journal("VE").is_ok());
    }

    #[test]
    fn a_customer_account_is_its_own_or_derived_from_its_name() {
        let id: uuid::Uuid = "01900000-0000-7000-8000-00000000beef".parse().unwrap();
        assert_eq!(customer_account(None, "Boulangerie Émile & fils", id), "411BOULANBEEF");
        assert_eq!(customer_account(Some("411EMILE"), "x", id), "411EMILE");
    }
}

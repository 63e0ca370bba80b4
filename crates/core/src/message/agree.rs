//! Every error of the domain reads the same from its code as from its `Display`: the
//! English of its [`Message`] is its sentence, word for word.

use super::Message;
use crate::derive::{BillingError, DeriveError};
use crate::document::LifecycleError;
use crate::ids::{Email, Iban, IdError, Siren, Siret, VatNumber};
use crate::input::{DateError, TextError};
use crate::kind::DocumentKind;
use crate::lifecycle::{self, Status};
use crate::money::{Currency, DecimalError, UnknownCurrency};
use crate::numbering::PatternError;
use crate::party::{LegalIdsError, UnknownCountry};
use crate::payments::PaymentError;
use crate::product::UnknownUnit;
use crate::progress::ProgressError;
use crate::schedule::{ScheduleError, UnknownPaymentMode};
use crate::tax::{TaxError, VatCategory};
use crate::terms::BadTerms;
use crate::totals::TotalsError;
use rust_decimal::Decimal;
use std::fmt::Display;

fn same(e: &impl Display, m: Message) {
    assert!(super::MESSAGES.iter().any(|(c, _, _)| *c == m.code()), "{:?} is not in the catalogue", m.code());
    assert_eq!(m.english(), e.to_string(), "{:?}", m.code());
}

fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

#[test]
fn every_error_of_the_domain_reads_as_its_code() {
    let eur: Currency = "EUR".parse().expect("EUR");
    let date = time::macros::date!(2026 - 03 - 01);
    for e in [TextError::Control, TextError::LineBreak] {
        same(&e, e.message());
    }
    let e = DateError::Shape("1/2/3".into());
    same(&e, e.message());
    let lifecycle = [
        LifecycleError::NotDraft("issued"),
        LifecycleError::NoLines,
        LifecycleError::NegativeTotal(d("-1.50")),
        LifecycleError::TooLarge(d("1e12")),
        LifecycleError::BeforeLastIssued { date, last: date, kind: "invoice" },
        LifecycleError::FutureDate { date },
        LifecycleError::NotPayable("draft"),
        LifecycleError::OverCredited { credited: d("12.5"), gross: d("10") },
        LifecycleError::NotCreditable("draft"),
        LifecycleError::NoExchangeRate { currency: "USD".into(), company: "EUR".into() },
    ];
    for e in &lifecycle {
        same(e, e.message());
    }
    let mut refusals = 0;
    for kind in DocumentKind::ALL {
        for status in Status::ALL {
            let mut errs = vec![
                lifecycle::accept(kind, status).err(),
                lifecycle::refuse(kind, status).err(),
                lifecycle::cancel(kind, status).err(),
            ];
            errs.extend(DocumentKind::ALL.iter().map(|to| lifecycle::convert(kind, status, *to).err()));
            for r in errs.into_iter().flatten() {
                same(&r, r.message());
                let e = LifecycleError::Refused(r);
                same(&e, e.message());
                refusals += 1;
            }
        }
    }
    assert!(refusals > 100);
    let e = UnknownCountry("XX".into());
    same(&e, e.message());
    for e in [
        LegalIdsError::SiretNotOfSiren { siret: "1".into(), siren: "2".into() },
        LegalIdsError::VatNotOfSiren { vat: "FR1".into(), siren: "2".into() },
    ] {
        same(&e, e.message());
    }
    let payments = [
        PaymentError::AboveDue { amount: "12".into(), due: "10".into(), excess: "2".into(), currency: eur },
        PaymentError::AllocationAboveDue { index: None, due: "1".into(), currency: eur, number: "F-1".into() },
        PaymentError::BelowAllocations { allocated: "3".into(), currency: eur },
        PaymentError::Unallocated { allocated: "1".into(), amount: "3".into(), excess: "2".into(), currency: eur },
        PaymentError::OtherCurrency { index: 0, number: "F-1".into(), theirs: eur, ours: eur },
        PaymentError::SameInvoiceTwice { index: 1 },
        PaymentError::NotPositive { index: 1 },
        PaymentError::AboveCredit { available: "4".into(), currency: eur },
        PaymentError::NotPayable { index: None, number: "F-1".into(), source: LifecycleError::NotPayable("draft") },
        PaymentError::CreditUsed { to_credit: "5".into(), available: "1".into(), currency: eur },
        PaymentError::AlreadyCancelled,
    ];
    for e in &payments {
        same(e, e.message());
    }
    for e in [
        crate::sepa::SepaError::CreditorIdShape("FR1".into()),
        crate::sepa::SepaError::CreditorIdChecksum("FR73ZZZ123456".into()),
        crate::sepa::SepaError::MandateReference("a_b".into()),
        crate::sepa::SepaError::Bic("X".into()),
        crate::sepa::SepaError::ReasonCode("A".into()),
        crate::sepa::SepaError::NotEuro("F-1".into()),
        crate::sepa::SepaError::Amount("F-1".into()),
        crate::sepa::SepaError::Duplicate("F-1".into()),
        crate::sepa::SepaError::Empty,
    ] {
        same(&e, e.message());
    }
    for e in [crate::accounting::ChartError::Account("41".into()), crate::accounting::ChartError::Journal("ve".into())]
    {
        same(&e, e.message());
    }
    let progress = [
        ProgressError::BadPercent(d("120")),
        ProgressError::TooMuch { asked: d("3"), left: d("2") },
        ProgressError::NothingToShare,
        ProgressError::NotForward { previous: d("30"), asked: d("20") },
    ];
    for e in progress {
        same(&e, e.message());
        let e = DeriveError::Progress(e);
        same(&e, e.message());
    }
    let line = uuid::Uuid::nil();
    for e in [
        DeriveError::NothingLeft,
        DeriveError::BySituations,
        DeriveError::ByQuantities,
        DeriveError::TooMuch { line, left: d("2") },
        DeriveError::TooMuchToDeliver { line, left: d("2") },
        DeriveError::AllDelivered,
        DeriveError::CreditTooLarge { asked: d("3"), left: d("2") },
        DeriveError::Inconsistent { amount: d("0.01"), rate: d("20") },
    ] {
        same(&e, e.message());
    }
    for e in [
        BillingError::LineBeyond { position: 2, billed: d("3"), ordered: d("2") },
        BillingError::GroupBeyond { rate: d("20"), billed: d("3"), ordered: d("2") },
    ] {
        same(&e, e.message());
    }
    let e = UnknownUnit("XYZ".into());
    same(&e, e.message());
    let e = UnknownCurrency("XYZ".into());
    same(&e, e.message());
    for e in [
        DecimalError::NotANumber("abc".into()),
        DecimalError::Negative,
        DecimalError::NotPositive,
        DecimalError::TooLarge { max: d("100") },
        DecimalError::TooPrecise { max: 2 },
        DecimalError::OutOfRange { min: d("0"), max: d("100") },
    ] {
        same(&e, e.message());
    }
    for what in ["the document discount", "document charge \"Port\"", "line 2 net"] {
        let e = TotalsError::TooPrecise { what: what.into(), amount: d("1.234"), currency: eur, decimals: 2 };
        same(&e, e.message());
    }
    for e in [
        TotalsError::DiscountPercentOutOfRange(d("120")),
        TotalsError::NegativeDiscount(d("-1")),
        TotalsError::DiscountExceedsNet { discount: d("12"), net: d("10") },
        TotalsError::ChargeWithoutLabel { position: 1 },
        TotalsError::NegativeCharge { label: "Port".into(), amount: d("-1") },
        TotalsError::TaxWithoutLabel { position: 1 },
        TotalsError::NegativeTax { position: 1, label: "Éco".into(), value: d("-1") },
        TotalsError::VatAdjustmentTooLarge { amount: d("1"), rate: d("20"), max: d("0.05") },
    ] {
        same(&e, e.message());
    }
    for e in [
        TaxError::UnknownCategory("X".into()),
        TaxError::BadRate(d("120")),
        TaxError::StandardNeedsRate,
        TaxError::CategoryIsZeroRated(VatCategory::Z),
        TaxError::UnknownVatex("V".into()),
        TaxError::NoExemptionFor(VatCategory::S),
        TaxError::EmptyExemption,
        TaxError::LongExemption,
        TaxError::VatexNotFor("VATEX-EU-G", VatCategory::E),
    ] {
        same(&e, e.message());
    }
    let e = UnknownPaymentMode("gold".into());
    same(&e, e.message());
    for e in [
        ScheduleError::Empty,
        ScheduleError::TooMany { count: 30, max: 24 },
        ScheduleError::NotPositive { position: 1, percent: d("0") },
        ScheduleError::TooPrecise { position: 1, percent: d("1.23456") },
        ScheduleError::TitleTooLong { position: 1, max: 80 },
        ScheduleError::NotHundred { total: d("90") },
        ScheduleError::NotHundred { total: d("110") },
    ] {
        same(&e, e.message());
    }
    for e in [
        PatternError::Seq("F".into()),
        PatternError::Placeholder("F-{SEQ}-{XX}".into(), "XX".into()),
        PatternError::Text("F {SEQ}".into()),
        PatternError::YearlyResetNeedsYear("F{SEQ}".into()),
    ] {
        same(&e, e.message());
    }
    let e = BadTerms("soon".into());
    same(&e, e.message());
    let ids: Vec<IdError> = [
        "12345".parse::<Siren>().err(),
        "732829321".parse::<Siren>().err(),
        "7328293200007".parse::<Siret>().err(),
        "73282932000075".parse::<Siret>().err(),
        "000000000".parse::<Siren>().err(),
        "00000000000000".parse::<Siret>().err(),
        "XX1".parse::<VatNumber>().err(),
        "FR1".parse::<VatNumber>().err(),
        "FR123".parse::<VatNumber>().err(),
        "FR45732829320".parse::<VatNumber>().err(),
        "compta@".parse::<Email>().err(),
        "FR76 3000 6000 0112 3456 7890 188".parse::<Iban>().err(),
        "ZZ76 3000".parse::<Iban>().err(),
        "AD12 0001 2030 2003 5910 0100".parse::<Iban>().err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(ids.len() >= 13);
    for e in ids {
        same(&e, e.message());
    }
}

//! The billing engine: from a contract's terms, its events and a day, every item due up
//! to that day — one per line and period, billed on the period's billing date (or the
//! first billing date when that is later), revised by the contract's formula, cut pro
//! rata where the contract starts, ends, is terminated or suspended inside a period.
//!
//! The same inputs always give the same items: the run stores those it has not stored
//! yet, under a unique key (contract, line, period start), so a run again, two runs at
//! once or a run killed halfway never bill a period twice.

use super::period::{Alignment, Frequency, Period, Timing, add_months, periods};
use super::renewal::Term;
use super::revision::{Applied, Coefficient, IndexBook, MissingIndex, Revision, RevisionAt, Values};
use crate::money::Currency;
use crate::tax::Vat;
use crate::totals::{self, DocumentDiscount, DocumentFigures, DocumentLine, ItemFigures, LineFigures, OtherTax};
use rust_decimal::Decimal;
use time::{Date, Duration};

/// What billing needs of a contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractTerms {
    pub term: Term,
    pub frequency: Frequency,
    pub timing: Timing,
    pub alignment: Alignment,
    /// No period is billed before this day: those due earlier are billed on it.
    pub first_billing: Option<Date>,
    /// Each line's price for a whole period, before revision (`P0`).
    pub prices: Vec<Decimal>,
    pub revision: Option<Revision>,
}

/// What happened to a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Not billed from `from` to `to`, both included.
    Suspended { from: Date, to: Date },
    /// Ends on `on` (billed up to that day included).
    Terminated { on: Date },
    /// Notice of non-renewal given on that day.
    NoticeGiven { on: Date },
}

/// One line of one period, due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueItem {
    /// The line's position in [`ContractTerms::prices`].
    pub line: usize,
    pub period: Period,
    pub billing_date: Date,
    /// The days billed: the period's, less those suspended.
    pub days: i64,
    pub base_price: Decimal,
    /// The whole period's price after revision.
    pub period_price: Decimal,
    /// What is billed: `period_price` pro rata of `days`.
    pub amount: Decimal,
    pub revision: Option<Applied>,
}

impl DueItem {
    /// The key the run stores it under.
    pub fn key(&self) -> (usize, Date) {
        (self.line, self.period.start)
    }
}

/// A contract line's terms beyond its price: what the invoice line of each period takes
/// from it. The engine prices one unit of the line for a period ([`DueItem::amount`],
/// the invoice line's unit price); the line bills `quantity` of them, less its discount,
/// plus its taxes other than VAT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineTerms {
    pub quantity: Decimal,
    /// Percent of `quantity × unit price`, 0 to 100.
    pub discount_percent: Decimal,
    pub other_taxes: Vec<OtherTax>,
}

impl Default for LineTerms {
    fn default() -> Self {
        LineTerms { quantity: Decimal::ONE, discount_percent: Decimal::ZERO, other_taxes: Vec::new() }
    }
}

impl LineTerms {
    /// What the line bills before VAT when one unit costs `unit_amount`: its net amount
    /// (BT-131) as the invoice's totals compute it — `round(quantity × unit_amount) −
    /// round(discount) + taxes other than VAT` — read from [`totals`], never restated,
    /// so the schedule, the grid and the summary show what the invoice bills.
    pub fn net(&self, unit_amount: Decimal, currency: Currency) -> Decimal {
        let line = LineFigures {
            quantity: self.quantity,
            unit_price: unit_amount,
            // The VAT does not change the line's net.
            vat: Vat::ZERO_RATED,
            discount_percent: self.discount_percent,
        };
        let doc = DocumentFigures {
            currency,
            lines: vec![DocumentLine::Item(ItemFigures { line, other_taxes: self.other_taxes.clone() })],
            discount: DocumentDiscount::default(),
            charges: Vec::new(),
            vat_adjustments: Vec::new(),
        };
        totals::compute_checked(&doc).lines.first().map_or(Decimal::ZERO, |l| l.net)
    }
}

/// What the items of one period bill before VAT: each line's [`LineTerms::net`] (a line
/// missing from `lines` counts one unit, undiscounted).
pub fn period_net<'a>(
    items: impl IntoIterator<Item = &'a DueItem>,
    lines: &[LineTerms],
    currency: Currency,
) -> Decimal {
    let one = LineTerms::default();
    items.into_iter().map(|i| lines.get(i.line).unwrap_or(&one).net(i.amount, currency)).sum()
}

/// The items due, and why billing stopped early, if it did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Billing {
    pub items: Vec<DueItem>,
    /// An index value not published yet: this period and the later ones wait for it.
    pub blocked: Option<(Date, MissingIndex)>,
}

/// The last day the contract runs as its events stand.
fn last_day(terms: &ContractTerms, events: &[Event], on: Date) -> Option<Date> {
    let notice = events.iter().filter_map(|e| if let Event::NoticeGiven { on } = e { Some(*on) } else { None }).min();
    let end = terms.term.end_on(on, notice);
    let terminated =
        events.iter().filter_map(|e| if let Event::Terminated { on } = e { Some(*on) } else { None }).min();
    match (end, terminated) {
        (Some(e), Some(t)) => Some(e.min(t)),
        (e, t) => e.or(t),
    }
}

fn suspended_days(period: &Period, events: &[Event]) -> i64 {
    // Suspensions may overlap: each day counts once.
    let mut days = 0;
    let mut day = period.start;
    while day <= period.end {
        if events.iter().any(|e| matches!(e, Event::Suspended { from, to } if *from <= day && day <= *to)) {
            days += 1;
        }
        match day.checked_add(Duration::DAY) {
            Some(d) => day = d,
            None => break,
        }
    }
    days
}

/// The anniversary of `start` on or before `on` (`None` before the first one).
fn last_anniversary(start: Date, on: Date) -> Option<Date> {
    let mut years = i64::from(on.year() - start.year());
    while years >= 1 {
        let a = add_months(start, 12 * years)?;
        if a <= on {
            return Some(a);
        }
        years -= 1;
    }
    None
}

/// Every item due up to `date` (billing dates on or before it), in billing order.
/// `round` is the currency's rounding.
pub fn billing_up_to(
    terms: &ContractTerms,
    events: &[Event],
    book: &IndexBook,
    date: Date,
    round: impl Fn(Decimal) -> Decimal,
) -> Billing {
    items_between(terms, events, book, None, date, Values::Published, &round)
}

/// The coming items from `from` to `to` with the values known today: the contract's
/// schedule (revisions with values not yet published are estimated).
pub fn forecast(
    terms: &ContractTerms,
    events: &[Event],
    book: &IndexBook,
    from: Date,
    to: Date,
    round: impl Fn(Decimal) -> Decimal,
) -> Vec<DueItem> {
    items_between(terms, events, book, Some(from), to, Values::Forecast, &round).items
}

fn items_between(
    terms: &ContractTerms,
    events: &[Event],
    book: &IndexBook,
    from: Option<Date>,
    to: Date,
    read: Values,
    round: &dyn Fn(Decimal) -> Decimal,
) -> Billing {
    let mut out = Billing::default();
    let end = last_day(terms, events, to);
    // Arrears bill a period on its last day: the periods up to `to` suffice; advance
    // bills on the first day, and no period starts after `to` and is due by it.
    let mut previous = Coefficient::ONE;
    let mut revised: Option<(Date, Applied)> = None;
    for period in periods(terms.term.start, end, terms.frequency, terms.alignment, to) {
        let natural = period.billing_date(terms.timing);
        let billing_date = terms.first_billing.map_or(natural, |f| natural.max(f));
        if billing_date > to {
            break;
        }
        let days = period.days() - suspended_days(&period, events);
        // The revision of this billing: at each billing, or the last anniversary's.
        let applied = match &terms.revision {
            None => None,
            Some(r) => {
                let on = match r.at {
                    RevisionAt::EachBilling => Some(billing_date),
                    RevisionAt::Anniversary => last_anniversary(terms.term.start, billing_date),
                };
                match on {
                    None => None,
                    Some(on) if revised.as_ref().is_some_and(|(d, _)| *d == on) => {
                        revised.as_ref().map(|(_, a)| a.clone())
                    }
                    Some(on) => match r.apply(book, on, previous, read) {
                        Ok(a) => {
                            previous = a.coefficient;
                            revised = Some((on, a.clone()));
                            Some(a)
                        }
                        Err(missing) => {
                            out.blocked = Some((billing_date, missing));
                            return out;
                        }
                    },
                }
            }
        };
        if days <= 0 || from.is_some_and(|f| billing_date < f) {
            continue;
        }
        for (line, base) in terms.prices.iter().enumerate() {
            let period_price = match &applied {
                Some(a) => a.coefficient.price(*base, round),
                None => round(*base),
            };
            out.items.push(DueItem {
                line,
                period,
                billing_date,
                days,
                base_price: *base,
                period_price,
                amount: period.prorate_days(period_price, days, round),
                revision: applied.clone(),
            });
        }
    }
    out
}

/// A billed item's part given back when the contract ends on `terminated_on` inside (or
/// before) its period: what was billed less what the days kept are worth, so that the
/// two add up to the kept days' price to the cent.
pub fn termination_credit(
    billed: &DueItem,
    terminated_on: Date,
    round: impl Fn(Decimal) -> Decimal,
) -> Option<Decimal> {
    if terminated_on >= billed.period.end {
        return None;
    }
    let kept = if terminated_on < billed.period.start {
        0
    } else {
        ((terminated_on - billed.period.start).whole_days() + 1).min(billed.days)
    };
    let worth = if kept == 0 { Decimal::ZERO } else { billed.period.prorate_days(billed.period_price, kept, &round) };
    let credit = billed.amount - worth;
    (credit > Decimal::ZERO).then_some(credit)
}

#[cfg(test)]
mod tests {
    use super::super::renewal::Renewal;
    use super::super::revision::{Formula, IndexTerm, Month};
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    fn cents(d: Decimal) -> Decimal {
        d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    }

    /// The seed's maintenance contract: 2014-01-01 to 2017-12-31, quarterly in advance,
    /// `1500 + 2000 × S / S0`.
    fn seed_contract() -> ContractTerms {
        ContractTerms {
            term: Term {
                start: date!(2014 - 01 - 01),
                end: Some(date!(2017 - 12 - 31)),
                renewal: Renewal::None,
                notice_days: 0,
            },
            frequency: Frequency::Quarterly,
            timing: Timing::Advance,
            alignment: Alignment::Calendar,
            first_billing: None,
            prices: vec![dec!(3500)],
            revision: Some(Revision {
                formula: Formula::amounts(
                    dec!(1500),
                    vec![IndexTerm { index: "SYNTEC".into(), weight: dec!(2000), base: dec!(239.5) }],
                )
                .unwrap(),
                at: RevisionAt::EachBilling,
                never_decrease: false,
                cap: None,
            }),
        }
    }

    fn syntec_book(values: &[(&str, Decimal)]) -> IndexBook {
        let mut b = IndexBook::default();
        for (m, v) in values {
            b.publish("SYNTEC", Month::parse(m).unwrap(), *v);
        }
        b
    }

    #[test]
    fn the_seed_contract_bills_twelve_quarters_to_the_end_of_2016_each_revised() {
        let book = syntec_book(&[("2013-12", dec!(239.5)), ("2014-06", dec!(243.1)), ("2015-12", dec!(250.0))]);
        let b = billing_up_to(&seed_contract(), &[], &book, date!(2016 - 12 - 31), cents);
        assert_eq!(b.blocked, None);
        assert_eq!(b.items.len(), 12);
        assert_eq!(b.items[0].period.start, date!(2014 - 01 - 01));
        assert_eq!(b.items[11].period.start, date!(2016 - 10 - 01));
        // Q1 2014 with December 2013's value (the base): 3 500.
        assert_eq!(b.items[0].amount, dec!(3500.00));
        // From July 2014, June's 243.1: 1500 + 2000 × 243.1 / 239.5 = 3530.06
        assert_eq!(b.items[2].amount, dec!(3530.06));
        // 2016, with December 2015's 250: 1500 + 2000 × 250 / 239.5 = 3587.68
        assert_eq!(b.items[8].amount, dec!(3587.68));
        assert!(b.items.iter().all(|i| i.period.is_full()));
        // 2017 is still to bill, and billed in its turn.
        let all = billing_up_to(&seed_contract(), &[], &book, date!(2030 - 01 - 01), cents);
        assert_eq!(all.items.len(), 16);
    }

    #[test]
    fn a_missing_index_value_blocks_from_that_period_on() {
        let mut terms = seed_contract();
        terms.term.start = date!(2013 - 10 - 01);
        // December's value comes too late for October's billing: Q4 2013 waits, and
        // the later quarters with it, so that the revisions stay in order.
        let book = syntec_book(&[("2013-12", dec!(239.5))]);
        let b = billing_up_to(&terms, &[], &book, date!(2014 - 06 - 30), cents);
        assert!(b.items.is_empty());
        let (on, missing) = b.blocked.unwrap();
        assert_eq!(
            (on, missing.index.as_str(), missing.before.to_string().as_str()),
            (date!(2013 - 10 - 01), "SYNTEC", "2013-10")
        );
        let book = syntec_book(&[("2013-09", dec!(239.5)), ("2013-12", dec!(239.5))]);
        let b = billing_up_to(&terms, &[], &book, date!(2014 - 06 - 30), cents);
        assert_eq!((b.items.len(), b.blocked), (3, None));
    }

    #[test]
    fn arrears_bill_on_the_last_day_and_advance_on_the_first() {
        let mut terms = seed_contract();
        terms.revision = None;
        terms.timing = Timing::Arrears;
        let b = billing_up_to(&terms, &[], &IndexBook::default(), date!(2014 - 06 - 29), cents);
        assert_eq!(b.items.len(), 1);
        assert_eq!(b.items[0].billing_date, date!(2014 - 03 - 31));
        assert_eq!(billing_up_to(&terms, &[], &IndexBook::default(), date!(2014 - 06 - 30), cents).items.len(), 2);
    }

    #[test]
    fn a_termination_inside_a_billed_quarter_gives_back_the_days_after_it() {
        let mut terms = seed_contract();
        terms.revision = None;
        let billed = billing_up_to(&terms, &[], &IndexBook::default(), date!(2015 - 04 - 01), cents);
        let q2 = billed.items.last().unwrap().clone();
        assert_eq!(q2.period.start, date!(2015 - 04 - 01));
        // Ends on 15 May: 45 of 91 days kept: 3500 × 45 / 91 = 1730.77, 1769.23 back.
        let credit = termination_credit(&q2, date!(2015 - 05 - 15), cents);
        assert_eq!(credit, Some(dec!(1769.23)));
        let after = billing_up_to(
            &terms,
            &[Event::Terminated { on: date!(2015 - 05 - 15) }],
            &IndexBook::default(),
            date!(2020 - 01 - 01),
            cents,
        );
        assert_eq!(after.items.last().unwrap().amount, dec!(1730.77), "billed now, it would be the days kept");
        assert_eq!(termination_credit(&q2, date!(2015 - 06 - 30), cents), None, "ends with the period: nothing back");
    }

    #[test]
    fn a_suspension_is_not_billed_and_anniversary_revisions_hold_for_a_year() {
        let mut terms = seed_contract();
        terms.revision.as_mut().unwrap().at = RevisionAt::Anniversary;
        let book = syntec_book(&[("2014-06", dec!(243.1)), ("2014-12", dec!(250.0))]);
        let events = [Event::Suspended { from: date!(2014 - 04 - 01), to: date!(2014 - 06 - 30) }];
        let b = billing_up_to(&terms, &events, &book, date!(2015 - 12 - 31), cents);
        let starts: Vec<Date> = b.items.iter().map(|i| i.period.start).collect();
        assert!(!starts.contains(&date!(2014 - 04 - 01)), "the suspended quarter");
        assert_eq!(b.items.len(), 7);
        assert!(b.items[..3].iter().all(|i| i.revision.is_none() && i.amount == dec!(3500.00)), "first year at P0");
        // From the first anniversary, December 2014's 250 for the whole of 2015.
        assert!(
            b.items[3..].iter().all(|i| i.amount == dec!(3587.68)),
            "{:?}",
            b.items[3..].iter().map(|i| i.amount).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_line_bills_its_quantity_less_its_discount_plus_its_taxes() {
        let eur = Currency::EUR;
        let line = |q: Decimal, d: Decimal| LineTerms { quantity: q, discount_percent: d, other_taxes: Vec::new() };
        // Two units of a quarter at 3 500: 7 000.
        assert_eq!(line(dec!(2), dec!(0)).net(dec!(3500), eur), dec!(7000.00));
        // Less 10 %: 7000 − 700 = 6 300.
        assert_eq!(line(dec!(2), dec!(10)).net(dec!(3500), eur), dec!(6300.00));
        // 1.5 × 33.33 = 49.995, rounded once: 50.00; less 12.5 % of it (6.25): 43.75.
        assert_eq!(line(dec!(1.5), dec!(0)).net(dec!(33.33), eur), dec!(50.00));
        assert_eq!(line(dec!(1.5), dec!(12.5)).net(dec!(33.33), eur), dec!(43.75));
        // An eco-participation of 0.50 a unit on 3 units at 19.99: 59.97 + 1.50.
        let eco = LineTerms {
            other_taxes: vec![OtherTax {
                label: "Éco-participation".into(),
                rate: totals::OtherTaxRate::PerUnit(dec!(0.5)),
            }],
            ..line(dec!(3), dec!(0))
        };
        assert_eq!(eco.net(dec!(19.99), eur), dec!(61.47));
        // A period of two lines, the second missing from the terms (one unit).
        let mut terms = seed_contract();
        terms.revision = None;
        terms.prices = vec![dec!(3500), dec!(120)];
        let q1 = billing_up_to(&terms, &[], &IndexBook::default(), date!(2014 - 01 - 01), cents).items;
        assert_eq!(period_net(&q1, &[line(dec!(2), dec!(10))], eur), dec!(6420.00));
    }

    proptest! {
        /// Whatever the start, end, frequency, alignment and suspension, what the periods
        /// bill adds up to the price per day over the contract: every whole period its
        /// price, every cut one its share, each rounded once (so at most half a cent per
        /// period away from the exact pro rata).
        #[test]
        fn a_contract_bills_each_day_once_to_the_cent(
            start_days in 0i64..4000,
            length in 0i64..1500,
            months in prop::sample::select(vec![1u32, 2, 3, 6, 12]),
            anniversary in any::<bool>(),
            advance in any::<bool>(),
            cents_price in 1i64..10_000_000,
        ) {
            let start = date!(2012 - 01 - 01) + Duration::days(start_days);
            let end = start + Duration::days(length);
            let price = Decimal::new(cents_price, 2);
            let terms = ContractTerms {
                term: Term { start, end: Some(end), renewal: Renewal::None, notice_days: 0 },
                frequency: Frequency::from_months(months).unwrap(),
                timing: if advance { Timing::Advance } else { Timing::Arrears },
                alignment: if anniversary { Alignment::Anniversary } else { Alignment::Calendar },
                first_billing: None,
                prices: vec![price],
                revision: None,
            };
            let b = billing_up_to(&terms, &[], &IndexBook::default(), end + Duration::days(400), cents);
            let days: i64 = b.items.iter().map(|i| i.days).sum();
            prop_assert_eq!(days, length + 1);
            let mut keys: Vec<_> = b.items.iter().map(DueItem::key).collect();
            keys.dedup();
            prop_assert_eq!(keys.len(), b.items.len(), "one item per line and period");
            for i in &b.items {
                let exact = price * Decimal::from(i.days) / Decimal::from(i.period.full_days());
                prop_assert!((i.amount - exact).abs() <= dec!(0.005));
                if i.period.is_full() {
                    prop_assert_eq!(i.amount, price);
                }
            }
            // Billing in two runs gives the same items as in one.
            let mid = start + Duration::days(length / 2);
            let first = billing_up_to(&terms, &[], &IndexBook::default(), mid, cents);
            prop_assert_eq!(&b.items[..first.items.len()], &first.items[..]);
        }

        /// A suspension is never billed: the days billed are the contract's less those
        /// suspended (overlapping suspensions count each day once), each period cut by one
        /// billed `round(price × days / whole period's days)`, and a period wholly
        /// suspended not billed at all (so billed later if the suspension is shortened).
        #[test]
        fn a_suspended_day_is_never_billed_and_a_cut_period_bills_its_share(
            start_days in 0i64..2000,
            length in 0i64..800,
            months in prop::sample::select(vec![1u32, 2, 3, 6, 12]),
            advance in any::<bool>(),
            suspensions in prop::collection::vec((0i64..800, 0i64..200), 0..3),
            cents_price in 1i64..10_000_000,
        ) {
            let start = date!(2012 - 01 - 01) + Duration::days(start_days);
            let end = start + Duration::days(length);
            let price = Decimal::new(cents_price, 2);
            let terms = ContractTerms {
                term: Term { start, end: Some(end), renewal: Renewal::None, notice_days: 0 },
                frequency: Frequency::from_months(months).unwrap(),
                timing: if advance { Timing::Advance } else { Timing::Arrears },
                alignment: Alignment::Calendar,
                first_billing: None,
                prices: vec![price],
                revision: None,
            };
            let events: Vec<Event> = suspensions
                .iter()
                .map(|(from, len)| Event::Suspended {
                    from: start + Duration::days(*from),
                    to: start + Duration::days(from + len),
                })
                .collect();
            let suspended = |d: Date| events.iter().any(|e| matches!(e, Event::Suspended { from, to } if *from <= d && d <= *to));
            let running = (0..=length).filter(|k| !suspended(start + Duration::days(*k))).count() as i64;
            let b = billing_up_to(&terms, &events, &IndexBook::default(), end + Duration::days(400), cents);
            let days: i64 = b.items.iter().map(|i| i.days).sum();
            prop_assert_eq!(days, running);
            for i in &b.items {
                prop_assert!(i.days > 0);
                let not_suspended = (0..i.period.days()).filter(|k| !suspended(i.period.start + Duration::days(*k))).count() as i64;
                prop_assert_eq!(i.days, not_suspended);
                prop_assert_eq!(i.amount, i.period.prorate_days(price, i.days, cents));
            }
        }

        /// What a period bills, line by line, adds up to the net of the invoice made of
        /// its lines (no document discount on a contract's invoice): the schedule and the
        /// grid show what the invoice totals.
        #[test]
        fn a_period_s_line_nets_add_up_to_its_invoice_s_net(
            lines in prop::collection::vec((1i64..10_000_000, 1i64..100_000, 0i64..10_000), 1..5),
            start_days in 0i64..400,
        ) {
            let start = date!(2014 - 01 - 01) + Duration::days(start_days);
            let mut terms = seed_contract();
            terms.revision = None;
            terms.term.start = start;
            terms.prices = lines.iter().map(|(p, _, _)| Decimal::new(*p, 2)).collect();
            let shapes: Vec<LineTerms> = lines
                .iter()
                .map(|(_, q, d)| LineTerms { quantity: Decimal::new(*q, 3), discount_percent: Decimal::new(*d, 2), other_taxes: Vec::new() })
                .collect();
            let b = billing_up_to(&terms, &[], &IndexBook::default(), start + Duration::days(100), cents);
            let first = b.items.iter().filter(|i| i.period.start == b.items[0].period.start);
            let figures: Vec<LineFigures> = b.items.iter().filter(|i| i.period.start == b.items[0].period.start)
                .map(|i| LineFigures {
                    quantity: shapes[i.line].quantity,
                    unit_price: i.amount,
                    vat: Vat::new(dec!(20), None).unwrap(),
                    discount_percent: shapes[i.line].discount_percent,
                })
                .collect();
            let invoice = totals::compute(Currency::EUR, &figures, Decimal::ZERO);
            prop_assert_eq!(period_net(first, &shapes, Currency::EUR), invoice.net);
        }

        /// A termination's credit and what the days kept are worth add up to what was billed.
        #[test]
        fn billed_less_credit_is_the_kept_days_price(
            cut in 0i64..92,
            cents_price in 1i64..10_000_000,
        ) {
            let mut terms = seed_contract();
            terms.revision = None;
            terms.prices = vec![Decimal::new(cents_price, 2)];
            let q = billing_up_to(&terms, &[], &IndexBook::default(), date!(2014 - 10 - 01), cents).items.pop().unwrap();
            let on = q.period.start + Duration::days(cut);
            let credit = termination_credit(&q, on, cents).unwrap_or_default();
            let kept = billing_up_to(&terms, &[Event::Terminated { on }], &IndexBook::default(), date!(2014 - 10 - 01), cents);
            let kept_amount = kept.items.iter().find(|i| i.period.start == q.period.start).map_or(Decimal::ZERO, |i| i.amount);
            prop_assert_eq!(q.amount - credit, kept_amount);
        }
    }
}

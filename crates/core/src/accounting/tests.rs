//! Entries on tricky documents, read like the accountant's sheet, and the proptest
//! that every entry balances to the cent.

use super::*;
use crate::document::{Content, DocumentKind, Line, LineKind, Nature};
use crate::money::Currency;
use crate::tax::Vat;
use crate::totals::DocumentCharge;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use time::Date;
use time::macros::date;
use uuid::Uuid;

fn vat(rate: Decimal) -> Vat {
    Vat::new(rate, None).unwrap()
}

fn line(nature: Nature, q: Decimal, p: Decimal, rate: Decimal) -> Line {
    let mut l = Line::item("x", q, p, vat(rate));
    l.nature = Some(nature);
    l
}

fn customer() -> Auxiliary {
    Auxiliary { account: "411DURAND".into(), label: "Durand SARL".into() }
}

fn entry_of(kind: DocumentKind, c: &Content) -> Entry {
    let t = c.totals();
    let sale = Sale {
        kind,
        number: "F2026-00001",
        issue_date: date!(2026 - 03 - 10),
        content: c,
        totals: &t,
        customer: customer(),
        lettering: None,
        settles: None,
    };
    sale_entry(&Chart::default(), Currency::EUR, &sale).unwrap()
}

/// (account, debit, credit) of every line, for comparing with a sheet.
fn sheet(e: &Entry) -> Vec<(String, Decimal, Decimal)> {
    e.lines.iter().map(|l| (l.account.clone(), l.debit, l.credit)).collect()
}

fn row(a: &str, d: Decimal, c: Decimal) -> (String, Decimal, Decimal) {
    (a.to_string(), d, c)
}

#[test]
fn an_invoice_of_goods_and_services_at_two_rates_with_shipping_and_a_discount() {
    let mut c = Content::new(Uuid::now_v7(), Currency::EUR);
    c.lines =
        vec![line(Nature::Goods, dec!(2), dec!(100), dec!(20)), line(Nature::Services, dec!(1), dec!(50), dec!(10))];
    c.discount_percent = dec!(10);
    c.shipping = Some(DocumentCharge { label: "Frais de port".into(), amount: dec!(15), vat: vat(dec!(20)) });
    let e = entry_of(DocumentKind::Invoice, &c);
    // Net 250 − 25 discount + 15 shipping = 240; VAT 20 %: (200 − 20 + 15) × 20 % = 39;
    // 10 %: (50 − 5) × 10 % = 4.50; gross 283.50.
    assert_eq!(
        sheet(&e),
        vec![
            row("411000", dec!(283.50), dec!(0)),
            row("706000", dec!(0), dec!(50.00)),
            row("707000", dec!(0), dec!(200.00)),
            row("708500", dec!(0), dec!(15.00)),
            row("709000", dec!(25.00), dec!(0)),
            row("44571100", dec!(0), dec!(4.50)),
            row("44571200", dec!(0), dec!(39.00)),
        ]
    );
    assert!(e.balances());
    assert_eq!(e.lines[0].auxiliary.as_ref().unwrap().account, "411DURAND");
    assert_eq!(e.journal.code, "VE");
}

#[test]
fn a_credit_note_reverses_its_invoice() {
    let mut c = Content::new(Uuid::now_v7(), Currency::EUR);
    c.lines = vec![line(Nature::Services, dec!(3), dec!(33.33), dec!(20))];
    let inv = entry_of(DocumentKind::Invoice, &c);
    let cn = entry_of(DocumentKind::CreditNote, &c);
    for (i, n) in inv.lines.iter().zip(&cn.lines) {
        assert_eq!((i.account.as_str(), i.debit, i.credit), (n.account.as_str(), n.credit, n.debit));
    }
    assert!(cn.balances());
}

#[test]
fn a_deposit_goes_to_4191_and_the_final_invoice_takes_it_back() {
    let mut d = Content::new(Uuid::now_v7(), Currency::EUR);
    d.lines = vec![line(Nature::Goods, dec!(1), dec!(300), dec!(20))];
    let dep = entry_of(DocumentKind::DepositInvoice, &d);
    assert_eq!(
        sheet(&dep),
        vec![
            row("411000", dec!(360.00), dec!(0)),
            row("419100", dec!(0), dec!(300.00)),
            row("44571200", dec!(0), dec!(60.00))
        ]
    );
    let mut f = Content::new(Uuid::now_v7(), Currency::EUR);
    let mut deduction = line(Nature::Goods, dec!(-1), dec!(300), dec!(20));
    deduction.kind = LineKind::Deduction;
    f.lines = vec![line(Nature::Goods, dec!(1), dec!(1000), dec!(20)), deduction];
    let fin = entry_of(DocumentKind::Invoice, &f);
    assert_eq!(
        sheet(&fin),
        vec![
            row("411000", dec!(840.00), dec!(0)),
            row("419100", dec!(300.00), dec!(0)),
            row("707000", dec!(0), dec!(1000.00)),
            row("44571200", dec!(0), dec!(140.00)),
        ]
    );
}

#[test]
fn a_foreign_currency_invoice_is_booked_in_euros_with_its_currency_amounts() {
    let usd: Currency = "USD".parse().unwrap();
    let mut c = Content::new(Uuid::now_v7(), usd);
    c.exchange_rate = Some(dec!(0.923456));
    c.lines = vec![
        line(Nature::Goods, dec!(3), dec!(33.33), dec!(20)),
        line(Nature::Services, dec!(7), dec!(1.11), dec!(5.5)),
    ];
    let e = entry_of(DocumentKind::Invoice, &c);
    assert!(e.balances(), "{e:#?}");
    assert_eq!(e.currency.as_deref(), Some("USD"));
    let gross = c.totals().gross;
    assert_eq!(e.lines[0].debit, Currency::EUR.round(gross * dec!(0.923456)));
    assert_eq!(e.lines[0].currency_amount, Some(gross));
}

#[test]
fn a_receipt_credits_the_customer_per_invoice_and_keeps_the_excess_on_its_account() {
    let m = Movement {
        kind: MoneyKind::Receipt,
        date: date!(2026 - 04 - 01),
        paid_on: date!(2026 - 04 - 01),
        method: "transfer",
        piece: "VIR-1".into(),
        customer: customer(),
        currency: Currency::EUR,
        exchange_rate: None,
        amount: dec!(500),
        shares: vec![
            Share { invoice: "F1".into(), amount: dec!(120), lettering: None, collection: None },
            Share { invoice: "F2".into(), amount: dec!(300), lettering: None, collection: None },
        ],
        reversal: false,
    };
    let e = money_entry(&Chart::default(), Currency::EUR, &m);
    assert_eq!(
        sheet(&e),
        vec![
            row("512000", dec!(500), dec!(0)),
            row("411000", dec!(0), dec!(120)),
            row("411000", dec!(0), dec!(300)),
            row("411000", dec!(0), dec!(80)),
        ]
    );
    assert_eq!(e.journal.code, "BQ");
    let r = money_entry(&Chart::default(), Currency::EUR, &Movement { reversal: true, ..m });
    assert_eq!(r.lines[0].credit, dec!(500));
    assert!(r.balances());
    let cash = Movement {
        kind: MoneyKind::Refund,
        method: "cash",
        shares: Vec::new(),
        amount: dec!(80),
        ..Movement { reversal: false, ..r_template() }
    };
    let e = money_entry(&Chart::default(), Currency::EUR, &cash);
    assert_eq!(sheet(&e), vec![row("530000", dec!(0), dec!(80)), row("411000", dec!(80), dec!(0))]);
    assert_eq!(e.journal.code, "CA");
}

fn r_template() -> Movement<'static> {
    Movement {
        kind: MoneyKind::Receipt,
        date: date!(2026 - 04 - 01),
        paid_on: date!(2026 - 04 - 01),
        method: "transfer",
        piece: "P".into(),
        customer: customer(),
        currency: Currency::EUR,
        exchange_rate: None,
        amount: dec!(0),
        shares: Vec::new(),
        reversal: false,
    }
}

#[test]
fn an_invoice_is_lettered_only_when_settled_in_full_within_the_period() {
    let (from, to) = (date!(2026 - 01 - 01), date!(2026 - 12 - 31));
    let issued = date!(2026 - 02 - 01);
    let parts = [(date!(2026 - 03 - 01), dec!(60)), (date!(2026 - 04 - 01), dec!(40))];
    assert_eq!(lettering_date(issued, dec!(100), &parts, from, to), Some(date!(2026 - 04 - 01)));
    assert_eq!(lettering_date(issued, dec!(100), &parts[..1], from, to), None);
    assert_eq!(lettering_date(issued, dec!(100), &parts, from, date!(2026 - 03 - 31)), None);
}

fn arb_line() -> impl Strategy<Value = Line> {
    (
        1i64..=5000,
        1i64..=2_000_000,
        prop::sample::select(vec![dec!(20), dec!(10), dec!(5.5), dec!(2.1), dec!(0)]),
        0i64..=50,
        any::<bool>(),
        0u8..6,
    )
        .prop_map(|(q, p, rate, disc, goods, kind)| {
            let nature = if goods { Nature::Goods } else { Nature::Services };
            let v = if rate.is_zero() { Vat::new(rate, Some(crate::tax::VatCategory::E)).unwrap() } else { vat(rate) };
            let mut l = Line::item("x", Decimal::new(q, 2), Decimal::new(p, 4), v);
            l.nature = Some(nature);
            l.discount_percent = Decimal::from(disc);
            if kind == 0 {
                // A deposit taken back: a negative quantity outside the document discount.
                l.kind = LineKind::Deduction;
                l.quantity = -Decimal::new(q, 3);
                l.discount_percent = Decimal::ZERO;
            }
            l
        })
}

proptest! {
    #[test]
    fn every_entry_balances_to_the_cent(
        lines in prop::collection::vec(arb_line(), 1..12),
        disc in 0i64..=3000,
        shipping in prop::option::of(0i64..=100_000),
        kind in prop::sample::select(vec![DocumentKind::Invoice, DocumentKind::DepositInvoice, DocumentKind::CreditNote]),
        cur in prop::sample::select(vec!["EUR", "USD", "JPY", "KWD"]),
        rate in 1i64..=2_000_000,
        paid in prop::collection::vec(1i64..=1_000_000, 0..4),
    ) {
        let currency: Currency = cur.parse().unwrap();
        let mut c = Content::new(Uuid::now_v7(), currency);
        c.lines = lines;
        c.discount_percent = Decimal::new(disc, 2);
        c.shipping = shipping.map(|s| DocumentCharge {
            label: "Port".into(),
            amount: currency.round(Decimal::new(s, 2)),
            vat: vat(dec!(20)),
        });
        if currency != Currency::EUR {
            c.exchange_rate = Some(Decimal::new(rate, 6));
        }
        prop_assume!(c.check().is_ok());
        let t = c.totals();
        let sale = Sale { kind, number: "N", issue_date: date!(2026 - 01 - 01), content: &c, totals: &t, customer: customer(), lettering: None, settles: None };
        let e = sale_entry(&Chart::default(), Currency::EUR, &sale).unwrap();
        prop_assert!(e.balances(), "{:#?}", e);
        for l in &e.lines {
            prop_assert!(l.debit >= Decimal::ZERO && l.credit >= Decimal::ZERO);
            prop_assert!(l.debit.is_zero() || l.credit.is_zero());
            prop_assert_eq!(Currency::EUR.round(l.debit), l.debit);
            prop_assert_eq!(Currency::EUR.round(l.credit), l.credit);
        }
        // The customer line is the document's gross, converted once.
        let gross_eur = Currency::EUR.round(t.gross * c.exchange_rate.unwrap_or(Decimal::ONE));
        let customer_line = e.lines.iter().find(|l| l.auxiliary.is_some());
        if !gross_eur.is_zero() {
            let l = customer_line.unwrap();
            prop_assert_eq!(l.debit + l.credit, gross_eur.abs());
        }
        // Payments of any amounts, over the invoice and onto credit, balance too.
        let amounts: Vec<Decimal> = paid.iter().map(|p| currency.round(Decimal::new(*p, 2))).collect();
        let total: Decimal = amounts.iter().sum();
        let m = Movement {
            kind: MoneyKind::Receipt,
            date: date!(2026 - 02 - 01),
            paid_on: date!(2026 - 02 - 01),
            method: "card",
            piece: "P".into(),
            customer: customer(),
            currency,
            exchange_rate: c.exchange_rate,
            amount: total + currency.round(dec!(1.23)),
            shares: amounts.iter().map(|a| Share { invoice: "F".into(), amount: *a, lettering: None, collection: None }).collect(),
            reversal: false,
        };
        let pe = money_entry(&Chart::default(), Currency::EUR, &m);
        prop_assert!(pe.balances(), "{:#?}", pe);
        let back = money_entry(&Chart::default(), Currency::EUR, &Movement { reversal: true, ..m });
        prop_assert!(back.balances());
        prop_assert_eq!(back.sums(), pe.sums());
    }
}

// --- VAT on collection.

fn on_collection() -> Chart {
    Chart { vat_on_collection_for_services: true, ..Chart::default() }
}

/// The worked example of docs/accounting.md: goods 200 and a service 100 at 20 %,
/// gross 360, paid 120 then 240.
#[test]
fn on_collection_the_service_vat_waits_on_44574_until_each_payment_moves_its_share() {
    let chart = on_collection();
    let mut c = Content::new(Uuid::now_v7(), Currency::EUR);
    c.lines =
        vec![line(Nature::Goods, dec!(2), dec!(100), dec!(20)), line(Nature::Services, dec!(1), dec!(100), dec!(20))];
    let t = c.totals();
    let sale = Sale {
        kind: DocumentKind::Invoice,
        number: "F1",
        issue_date: date!(2026 - 03 - 10),
        content: &c,
        totals: &t,
        customer: customer(),
        lettering: None,
        settles: None,
    };
    let e = sale_entry(&chart, Currency::EUR, &sale).unwrap();
    // VAT 60: 20 on the service (100 × 20 %) waits, 40 on the goods is due.
    assert_eq!(
        sheet(&e),
        vec![
            row("411000", dec!(360.00), dec!(0)),
            row("706000", dec!(0), dec!(100.00)),
            row("707000", dec!(0), dec!(200.00)),
            row("44571200", dec!(0), dec!(40.00)),
            row("44574200", dec!(0), dec!(20.00)),
        ]
    );
    assert_eq!(e.lines[4].account_label, "TVA collectée sur encaissements");
    let pending = pending_vat(&chart, &c, &t);
    let pay = |before: Decimal, amount: Decimal| Movement {
        amount,
        shares: vec![Share {
            invoice: "F1".into(),
            amount,
            lettering: None,
            collection: Some(Collection {
                currency: Currency::EUR,
                pending: pending.clone(),
                gross: t.gross,
                before,
                after: before + amount,
            }),
        }],
        ..r_template()
    };
    // 120 of 360: a third of 20 = 6.666… → 6.67 moved.
    let p1 = money_entry(&chart, Currency::EUR, &pay(dec!(0), dec!(120)));
    assert_eq!(
        sheet(&p1),
        vec![
            row("512000", dec!(120), dec!(0)),
            row("411000", dec!(0), dec!(120)),
            row("44574200", dec!(6.67), dec!(0)),
            row("44571200", dec!(0), dec!(6.67)),
        ]
    );
    // The last payment takes the remainder: 20 − 6.67 = 13.33.
    let p2 = money_entry(&chart, Currency::EUR, &pay(dec!(120), dec!(240)));
    assert_eq!(sheet(&p2)[2], row("44574200", dec!(13.33), dec!(0)));
    assert_eq!(sheet(&p2)[3], row("44571200", dec!(0), dec!(13.33)));
    // Off (the default), the same invoice books its 60 of VAT on 44571200 at once.
    let off = sale_entry(&Chart::default(), Currency::EUR, &sale).unwrap();
    assert_eq!(sheet(&off).last().unwrap(), &row("44571200", dec!(0), dec!(60.00)));
}

#[test]
fn a_sepa_reject_moves_back_what_its_payment_had_moved() {
    let s = |id: u128, day: Date, cancellation: bool, amount: Decimal| Settlement {
        day,
        cancellation,
        id: Uuid::from_u128(id),
        amount,
    };
    let paid = s(1, date!(2026 - 04 - 01), false, dec!(100));
    let rejected = s(1, date!(2026 - 04 - 08), true, dec!(-100));
    let again = s(2, date!(2026 - 04 - 20), false, dec!(120));
    let all = [again, rejected, paid];
    assert_eq!(settled_around(&all, &paid), (dec!(0), dec!(100)));
    assert_eq!(settled_around(&all, &rejected), (dec!(100), dec!(0)));
    assert_eq!(settled_around(&all, &again), (dec!(0), dec!(120)));
    let pending = vec![PendingVat { pending: "44574200".into(), collected: "44571200".into(), amount: dec!(20) }];
    let c = |(before, after): (Decimal, Decimal)| {
        Collection { currency: Currency::EUR, pending: pending.clone(), gross: dec!(120), before, after }.moves()
    };
    assert_eq!(c(settled_around(&all, &paid)), vec![("44574200".into(), "44571200".into(), dec!(16.67))]);
    assert_eq!(c(settled_around(&all, &rejected)), vec![("44574200".into(), "44571200".into(), dec!(-16.67))]);
    assert_eq!(c(settled_around(&all, &again)), vec![("44574200".into(), "44571200".into(), dec!(20))]);
}

/// Balance of one account over entries (debit − credit).
fn balance(entries: &[Entry], prefix: &str) -> Decimal {
    entries.iter().flat_map(|e| &e.lines).filter(|l| l.account.starts_with(prefix)).map(|l| l.debit - l.credit).sum()
}

proptest! {
    #[test]
    fn on_collection_a_fully_settled_invoice_leaves_nothing_on_44574(
        lines in prop::collection::vec(arb_line(), 1..10),
        disc in 0i64..=3000,
        shipping in prop::option::of(0i64..=100_000),
        cuts in prop::collection::vec(1u32..=1000, 0..5),
        credit in prop::option::of(1u32..=1000),
        reject in any::<bool>(),
    ) {
        let chart = on_collection();
        let mut c = Content::new(Uuid::now_v7(), Currency::EUR);
        c.lines = lines;
        c.discount_percent = Decimal::new(disc, 2);
        c.shipping = shipping.map(|s| DocumentCharge { label: "Port".into(), amount: Decimal::new(s, 2), vat: vat(dec!(20)) });
        prop_assume!(c.check().is_ok());
        let t = c.totals();
        prop_assume!(t.gross > Decimal::ZERO);
        let sale = Sale { kind: DocumentKind::Invoice, number: "F", issue_date: date!(2026 - 01 - 01), content: &c, totals: &t, customer: customer(), lettering: None, settles: None };
        let inv = sale_entry(&chart, Currency::EUR, &sale).unwrap();
        prop_assert!(inv.balances(), "{:#?}", inv);
        let pending = pending_vat(&chart, &c, &t);
        let collection = |before: Decimal, after: Decimal| Collection { currency: Currency::EUR, pending: pending.clone(), gross: t.gross, before, after };
        let mut entries = vec![inv];
        let mut settled = Decimal::ZERO;
        // A credit note of part of the invoice (its lines scaled down), applied to it.
        let mut credited_vat = Decimal::ZERO;
        if let Some(k) = credit {
            let mut cn = c.clone();
            for l in &mut cn.lines { l.quantity = Currency::EUR.round(l.quantity * Decimal::new(i64::from(k), 4)); }
            let tc = cn.totals();
            if tc.gross > Decimal::ZERO && tc.gross <= t.gross {
                let s = Sale { kind: DocumentKind::CreditNote, number: "A", content: &cn, totals: &tc, settles: Some(collection(settled, settled + tc.gross)), ..sale };
                let e = sale_entry(&chart, Currency::EUR, &s).unwrap();
                prop_assert!(e.balances(), "{:#?}", e);
                entries.push(e);
                settled += tc.gross;
                credited_vat = tc.vat_total;
            }
        }
        // The rest paid in parts cut at the given per-mille points; the first part
        // rejected and paid again when asked.
        let rest = t.gross - settled;
        let mut points: Vec<Decimal> = cuts.iter().map(|m| Currency::EUR.round(rest * Decimal::new(i64::from(*m), 3))).collect();
        points.push(rest);
        points.sort();
        let mut at = Decimal::ZERO;
        for (i, p) in points.iter().enumerate() {
            let amount = *p - at;
            at = *p;
            if amount.is_zero() { continue; }
            let share = |before: Decimal, after: Decimal| Share { invoice: "F".into(), amount, lettering: None, collection: Some(collection(before, after)) };
            if reject && i == 0 {
                let m = Movement { amount, shares: vec![share(settled, settled + amount)], ..r_template() };
                let e = money_entry(&chart, Currency::EUR, &m);
                let back = money_entry(&chart, Currency::EUR, &Movement { reversal: true, shares: vec![share(settled + amount, settled)], ..m });
                prop_assert!(e.balances() && back.balances());
                entries.push(e);
                entries.push(back);
            }
            let m = Movement { amount, shares: vec![share(settled, settled + amount)], ..r_template() };
            let e = money_entry(&chart, Currency::EUR, &m);
            prop_assert!(e.balances(), "{:#?}", e);
            entries.push(e);
            settled += amount;
        }
        prop_assert_eq!(settled, t.gross);
        prop_assert_eq!(balance(&entries, "44574"), Decimal::ZERO, "{:#?}", entries);
        // All the VAT, services and goods, is then on 44571 (less the credit note's).
        prop_assert_eq!(-balance(&entries, "44571"), t.vat_total - credited_vat);
        prop_assert_eq!(balance(&entries, "411"), Decimal::ZERO);
    }
}

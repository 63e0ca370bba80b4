//! The aged balance: what customers owe on a date, by how late it is (not yet due, 1–30,
//! 31–60, 61–90, over 90 days past the due date), per customer and currency, and the days
//! sales outstanding. What an invoice owed on a past date is read with the one settlement
//! rule ([`crate::document::settle`]) from the payments and credit notes dated up to it,
//! so a report run today for 31 December says what was owed then.

use crate::document::settle;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::{Date, Duration};
use uuid::Uuid;

/// How late an amount is, on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    NotDue,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl Bucket {
    /// Every bucket, from the least late.
    pub const ALL: [Bucket; 5] =
        [Bucket::NotDue, Bucket::Days1To30, Bucket::Days31To60, Bucket::Days61To90, Bucket::Over90];

    /// Its name in the API and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::NotDue => "not_due",
            Bucket::Days1To30 => "1_30",
            Bucket::Days31To60 => "31_60",
            Bucket::Days61To90 => "61_90",
            Bucket::Over90 => "over_90",
        }
    }

    /// The bucket of an amount `days_late` days past its due date (0 or less: not due; a
    /// document without a due date is due on receipt, so late from the day after it).
    pub fn of_days(days_late: i64) -> Bucket {
        match days_late {
            ..=0 => Bucket::NotDue,
            1..=30 => Bucket::Days1To30,
            31..=60 => Bucket::Days31To60,
            61..=90 => Bucket::Days61To90,
            _ => Bucket::Over90,
        }
    }

    /// The bucket on `as_of` of an amount due on `due_date`.
    pub fn on(due_date: Date, as_of: Date) -> Bucket {
        Bucket::of_days((as_of - due_date).whole_days())
    }

    /// The due dates (both ends included; `None`: unbounded) whose amounts fall in this
    /// bucket on `as_of`: the lists' `due_from` / `due_to` for a bucket.
    pub fn due_dates(self, as_of: Date) -> (Option<Date>, Option<Date>) {
        let back = |days: i64| as_of.checked_sub(Duration::days(days));
        match self {
            Bucket::NotDue => (Some(as_of), None),
            Bucket::Days1To30 => (back(30), back(1)),
            Bucket::Days31To60 => (back(60), back(31)),
            Bucket::Days61To90 => (back(90), back(61)),
            Bucket::Over90 => (None, back(91)),
        }
    }
}

/// Amounts per bucket, and their sum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Buckets {
    pub amounts: [Decimal; 5],
}

impl Buckets {
    pub fn add(&mut self, bucket: Bucket, amount: Decimal) {
        self.amounts[bucket as usize] += amount;
    }

    pub fn get(&self, bucket: Bucket) -> Decimal {
        self.amounts[bucket as usize]
    }

    pub fn total(&self) -> Decimal {
        self.amounts.iter().sum()
    }

    /// What is past due (every bucket but "not due").
    pub fn overdue(&self) -> Decimal {
        self.total() - self.get(Bucket::NotDue)
    }
}

/// An issued invoice (or deposit invoice) as the report reads it: its gross amount and
/// what settled it, each with its date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receivable {
    pub customer_id: Uuid,
    pub currency: String,
    pub issue_date: Date,
    /// `None`: due on receipt (its issue date).
    pub due_date: Option<Date>,
    pub gross: Decimal,
    /// Payments applied to it (recorded, not cancelled), with their dates.
    pub payments: Vec<(Date, Decimal)>,
    /// Issued credit notes against it, with their issue dates.
    pub credit_notes: Vec<(Date, Decimal)>,
}

impl Receivable {
    /// What it still owed at the end of `as_of` (zero before its issue).
    pub fn due_on(&self, as_of: Date) -> Decimal {
        if self.issue_date > as_of {
            return Decimal::ZERO;
        }
        let upto = |v: &[(Date, Decimal)]| v.iter().filter(|(d, _)| *d <= as_of).map(|(_, a)| *a).sum::<Decimal>();
        settle(self.gross, upto(&self.payments), upto(&self.credit_notes)).due
    }

    /// The bucket it falls in on `as_of`.
    pub fn bucket_on(&self, as_of: Date) -> Bucket {
        Bucket::on(self.due_date.unwrap_or(self.issue_date), as_of)
    }
}

/// The aged balance on one date: per customer and currency, and per currency in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgedBalance {
    pub customers: BTreeMap<(Uuid, String), Buckets>,
    pub totals: BTreeMap<String, Buckets>,
}

impl AgedBalance {
    /// The aged balance of `receivables` on `as_of`: only what was still owed then counts.
    pub fn on<'a>(as_of: Date, receivables: impl IntoIterator<Item = &'a Receivable>) -> AgedBalance {
        let mut aged = AgedBalance::default();
        for r in receivables {
            let due = r.due_on(as_of);
            if due.is_zero() {
                continue;
            }
            let bucket = r.bucket_on(as_of);
            aged.customers.entry((r.customer_id, r.currency.clone())).or_default().add(bucket, due);
            aged.totals.entry(r.currency.clone()).or_default().add(bucket, due);
        }
        aged
    }
}

/// Days sales outstanding over `days` days: what is owed on the last day as a number of
/// days of the sales (gross, credit notes deducted) of those days; `None` without sales.
/// Rounded to a whole day, as it is read.
pub fn days_sales_outstanding(owed: Decimal, sales: Decimal, days: u32) -> Option<Decimal> {
    if sales <= Decimal::ZERO {
        return None;
    }
    Some((owed / sales * Decimal::from(days)).round())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    fn invoice(due: Date, gross: Decimal) -> Receivable {
        Receivable {
            customer_id: Uuid::nil(),
            currency: "EUR".into(),
            issue_date: date!(2026 - 01 - 01),
            due_date: Some(due),
            gross,
            payments: Vec::new(),
            credit_notes: Vec::new(),
        }
    }

    #[test]
    fn the_buckets_turn_at_their_boundaries() {
        let as_of = date!(2026 - 06 - 30);
        let at = |days: i64| Bucket::on(as_of - Duration::days(days), as_of).as_str();
        assert_eq!(
            [-10, 0, 1, 30, 31, 60, 61, 90, 91, 400].map(at),
            ["not_due", "not_due", "1_30", "1_30", "31_60", "31_60", "61_90", "61_90", "over_90", "over_90"]
        );
    }

    #[test]
    fn a_past_date_counts_what_was_owed_then() {
        let mut r = invoice(date!(2026 - 02 - 01), dec!(1200));
        r.payments.push((date!(2026 - 03 - 10), dec!(200)));
        r.payments.push((date!(2026 - 05 - 10), dec!(1000)));
        r.credit_notes.push((date!(2026 - 04 - 01), dec!(100)));
        assert_eq!(r.due_on(date!(2025 - 12 - 31)), dec!(0), "not issued yet");
        assert_eq!(r.due_on(date!(2026 - 03 - 09)), dec!(1200));
        assert_eq!(r.due_on(date!(2026 - 03 - 10)), dec!(1000), "a payment counts from its day");
        assert_eq!(r.due_on(date!(2026 - 04 - 30)), dec!(900));
        assert_eq!(r.due_on(date!(2026 - 06 - 30)), dec!(0), "settled, beyond what was due");
        let aged = AgedBalance::on(date!(2026 - 04 - 30), [&r]);
        assert_eq!(aged.totals["EUR"].get(Bucket::Days61To90), dec!(900));
        assert!(AgedBalance::on(date!(2026 - 06 - 30), [&r]).totals.is_empty());
    }

    #[test]
    fn days_sales_outstanding_reads_the_owed_amount_in_days_of_sales() {
        assert_eq!(days_sales_outstanding(dec!(30000), dec!(90000), 90), Some(dec!(30)));
        assert_eq!(days_sales_outstanding(dec!(1), dec!(0), 90), None);
    }

    fn amount() -> impl Strategy<Value = Decimal> {
        (0i64..1_000_000).prop_map(|c| Decimal::new(c, 2))
    }

    proptest! {
        /// Whatever the dates and amounts, the buckets add up to what each invoice still owed
        /// (one settlement rule), per customer and in all, and each amount sits in the
        /// bucket whose due dates hold its own.
        #[test]
        fn the_buckets_add_up_to_what_was_owed(
            rows in proptest::collection::vec(
                (0u8..3, -200i64..200, amount(), proptest::collection::vec((-100i64..300, amount()), 0..4), proptest::option::of((-100i64..300, amount()))),
                0..30,
            ),
            as_of_offset in 0i64..300,
        ) {
            let start = date!(2026 - 01 - 01);
            let as_of = start + Duration::days(as_of_offset);
            let receivables: Vec<Receivable> = rows.iter().map(|(c, due, gross, pays, credit)| Receivable {
                customer_id: Uuid::from_u128(u128::from(*c)),
                currency: if *c == 2 { "USD".into() } else { "EUR".into() },
                issue_date: start,
                due_date: Some(start + Duration::days(*due)),
                gross: *gross,
                payments: pays.iter().map(|(d, a)| (start + Duration::days(*d), *a)).collect(),
                credit_notes: credit.iter().map(|(d, a)| (start + Duration::days(*d), (*a).min(*gross))).collect(),
            }).collect();
            let aged = AgedBalance::on(as_of, &receivables);
            for cur in ["EUR", "USD"] {
                let owed: Decimal = receivables.iter().filter(|r| r.currency == cur).map(|r| r.due_on(as_of)).sum();
                let total = aged.totals.get(cur).map(Buckets::total).unwrap_or_default();
                prop_assert_eq!(total, owed);
                let per_customer: Decimal = aged.customers.iter().filter(|((_, c), _)| c == cur).map(|(_, b)| b.total()).sum();
                prop_assert_eq!(per_customer, owed);
            }
            for r in &receivables {
                let due = r.due_date.unwrap_or(r.issue_date);
                let (from, to) = r.bucket_on(as_of).due_dates(as_of);
                prop_assert!(from.is_none_or(|f| due >= f) && to.is_none_or(|t| due <= t));
                prop_assert!(r.due_on(as_of) >= Decimal::ZERO && r.due_on(as_of) <= r.gross);
            }
        }
    }
}

//! Payments that can be corrected: how a payment is allocated over invoices (to the
//! cent), what its cancellation does to their settlement, the customer credit
//! arithmetic and a statement's running balance. Pure rules: `store` loads, locks and
//! writes what these functions decide, and `settle` (in `document`) stays the one place
//! that turns what was paid and credited into an invoice's status.

use crate::document::{LifecycleError, Settlement, Status, apply_payment, settle};
use crate::money::Currency;
use rust_decimal::Decimal;
use time::Date;

/// What to do with money received beyond what the payment settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Excess {
    /// Refuse the payment (the default: an overpayment is usually a typing mistake).
    #[default]
    Refuse,
    /// Keep the rest as the customer's credit.
    Credit,
}

/// An invoice a payment may settle, as it stands (read under its row lock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInvoice {
    pub status: Status,
    pub currency: Currency,
    /// Its legal number, to name it in messages.
    pub number: String,
    pub gross: Decimal,
    pub paid: Decimal,
    pub credited: Decimal,
}

impl OpenInvoice {
    /// Its settlement now.
    pub fn settlement(&self) -> Settlement {
        settle(self.gross, self.paid, self.credited)
    }

    /// What is still due on it.
    pub fn due(&self) -> Decimal {
        self.settlement().due
    }
}

/// Why a payment, a cancellation or a use of credit is refused. [`field`](Self::field)
/// names the input at fault; the variants without one are conflicts with the state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error(
        "{amount} is more than the {due} {currency} due: add \"excess\": \"credit\" to keep the {excess} {currency} left over as customer credit"
    )]
    AboveDue { amount: String, due: String, excess: String, currency: Currency },
    #[error("is more than the {due} {currency} due on {number}")]
    AllocationAboveDue { index: Option<usize>, due: String, currency: Currency, number: String },
    #[error("is less than the allocations, which add up to {allocated} {currency}")]
    BelowAllocations { allocated: String, currency: Currency },
    #[error(
        "the allocations add up to {allocated} {currency} of the {amount} received: add \"excess\": \"credit\" to keep the {excess} {currency} left over as customer credit"
    )]
    Unallocated { allocated: String, amount: String, excess: String, currency: Currency },
    #[error("{number} is in {theirs}, the payment in {ours}")]
    OtherCurrency { index: usize, number: String, theirs: Currency, ours: Currency },
    #[error("names an invoice already allocated above")]
    SameInvoiceTwice { index: usize },
    #[error("must be greater than zero")]
    NotPositive { index: usize },
    #[error("is more than the {available} {currency} of credit the customer has")]
    AboveCredit { available: String, currency: Currency },
    #[error("{number}: {source}")]
    NotPayable { index: Option<usize>, number: String, source: LifecycleError },
    #[error(
        "the {to_credit} {currency} this payment left as customer credit were already used ({available} {currency} remain): cancel what used them first"
    )]
    CreditUsed { to_credit: String, available: String, currency: Currency },
    #[error("the payment is already cancelled")]
    AlreadyCancelled,
}

impl PaymentError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            PaymentError::AboveDue { amount, due, excess, currency } => Message::new("more_due_add_excess")
                .with("amount", amount)
                .with("due", due)
                .with("currency", currency)
                .with("excess", excess),
            PaymentError::AllocationAboveDue { due, currency, number, .. } => {
                Message::new("more_than_due_on").with("due", due).with("currency", currency).with("number", number)
            }
            PaymentError::BelowAllocations { allocated, currency } => {
                Message::new("less_allocations_which_add").with("allocated", allocated).with("currency", currency)
            }
            PaymentError::Unallocated { allocated, amount, excess, currency } => {
                Message::new("allocations_add_up_received")
                    .with("allocated", allocated)
                    .with("currency", currency)
                    .with("amount", amount)
                    .with("excess", excess)
            }
            PaymentError::OtherCurrency { number, theirs, ours, .. } => Message::new("payment_currency_differs")
                .with("number", number)
                .with("theirs", theirs)
                .with("ours", ours),
            PaymentError::SameInvoiceTwice { .. } => Message::new("names_invoice_already_allocated"),
            PaymentError::NotPositive { .. } => Message::new("not_positive"),
            PaymentError::AboveCredit { available, currency } => {
                Message::new("more_credit_customer").with("available", available).with("currency", currency)
            }
            PaymentError::NotPayable { number, source, .. } => {
                Message::new("invoice_refused").with("number", number).with_message("why", source.message())
            }
            PaymentError::CreditUsed { to_credit, available, currency } => Message::new("payment_left_customer_credit")
                .with("to_credit", to_credit)
                .with("currency", currency)
                .with("available", available),
            PaymentError::AlreadyCancelled => Message::new("payment_already_cancelled"),
        }
    }
}

impl PaymentError {
    /// The input field at fault (a 422), or `None` for a refusal by the state (a 409).
    pub fn field(&self) -> Option<String> {
        match self {
            PaymentError::AboveDue { .. }
            | PaymentError::BelowAllocations { .. }
            | PaymentError::Unallocated { .. }
            | PaymentError::AboveCredit { .. }
            | PaymentError::AllocationAboveDue { index: None, .. } => Some("amount".into()),
            PaymentError::AllocationAboveDue { index: Some(i), .. } | PaymentError::NotPositive { index: i } => {
                Some(format!("allocations[{i}].amount"))
            }
            PaymentError::OtherCurrency { index, .. } | PaymentError::SameInvoiceTwice { index } => {
                Some(format!("allocations[{index}].invoice_id"))
            }
            PaymentError::NotPayable { .. } | PaymentError::CreditUsed { .. } | PaymentError::AlreadyCancelled => None,
        }
    }
}

/// An amount as messages show it: the currency's decimals.
fn show(currency: Currency, amount: Decimal) -> String {
    format!("{:.*}", currency.minor_units() as usize, amount)
}

/// What one allocation does to its invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocated {
    pub amount: Decimal,
    /// The invoice's settlement once the allocation is applied.
    pub after: Settlement,
}

/// What recording a payment does: each invoice's new settlement, and what goes to the
/// customer's credit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentPlan {
    pub allocations: Vec<Allocated>,
    pub to_credit: Decimal,
}

/// A payment of `amount` on one invoice: it settles what is due, and the rest is refused
/// unless `excess` keeps it as customer credit.
pub fn pay_one(invoice: &OpenInvoice, amount: Decimal, excess: Excess) -> Result<PaymentPlan, PaymentError> {
    let due = invoice.due();
    let (applied, rest) = apply_payment(invoice.status, due, amount).map_err(|source| PaymentError::NotPayable {
        index: None,
        number: invoice.number.clone(),
        source,
    })?;
    if rest > Decimal::ZERO && excess == Excess::Refuse {
        let c = invoice.currency;
        return Err(PaymentError::AboveDue {
            amount: show(c, amount),
            due: show(c, due),
            excess: show(c, rest),
            currency: c,
        });
    }
    let after = settle(invoice.gross, invoice.paid + applied, invoice.credited);
    Ok(PaymentPlan { allocations: vec![Allocated { amount: applied, after }], to_credit: rest })
}

/// One payment of `amount` in `currency` allocated over several invoices: each allocation
/// at most what its invoice has due, all together at most the amount; what is left needs
/// `excess` to become customer credit. `invoices[i]` is the invoice of `allocations[i]`
/// (`ids[i]` its identity, to refuse the same invoice twice).
pub fn allocate<K: PartialEq>(
    amount: Decimal,
    currency: Currency,
    excess: Excess,
    allocations: &[(K, &OpenInvoice, Decimal)],
) -> Result<PaymentPlan, PaymentError> {
    let mut out = Vec::with_capacity(allocations.len());
    let mut allocated = Decimal::ZERO;
    for (i, (id, inv, part)) in allocations.iter().enumerate() {
        if allocations[..i].iter().any(|(other, _, _)| other == id) {
            return Err(PaymentError::SameInvoiceTwice { index: i });
        }
        if *part <= Decimal::ZERO {
            return Err(PaymentError::NotPositive { index: i });
        }
        if inv.currency != currency {
            return Err(PaymentError::OtherCurrency {
                index: i,
                number: inv.number.clone(),
                theirs: inv.currency,
                ours: currency,
            });
        }
        let due = inv.due();
        apply_payment(inv.status, due, *part).map_err(|source| PaymentError::NotPayable {
            index: Some(i),
            number: inv.number.clone(),
            source,
        })?;
        if *part > due {
            return Err(PaymentError::AllocationAboveDue {
                index: Some(i),
                due: show(currency, due),
                currency,
                number: inv.number.clone(),
            });
        }
        allocated += *part;
        out.push(Allocated { amount: *part, after: settle(inv.gross, inv.paid + *part, inv.credited) });
    }
    if allocated > amount {
        return Err(PaymentError::BelowAllocations { allocated: show(currency, allocated), currency });
    }
    let rest = amount - allocated;
    if rest > Decimal::ZERO && excess == Excess::Refuse {
        return Err(PaymentError::Unallocated {
            allocated: show(currency, allocated),
            amount: show(currency, amount),
            excess: show(currency, rest),
            currency,
        });
    }
    Ok(PaymentPlan { allocations: out, to_credit: rest })
}

/// What taking an allocation back does to its invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancellation {
    /// The invoice settled again without it.
    pub after: Settlement,
    /// Customer credit that existed only because of it: a credit note issued on the paid
    /// invoice gave back what the payment had settled, and the payment is gone now.
    pub credit_back: Decimal,
}

/// An invoice once an allocation of `applied` is taken back: what was paid less it (never
/// below zero), settled again, so the status follows the one rule; and the credit a
/// credit note had made of it, which must be taken back with it.
pub fn cancel_allocation(invoice: &OpenInvoice, applied: Decimal) -> Cancellation {
    let before = invoice.settlement();
    let after = settle(invoice.gross, (invoice.paid - applied).max(Decimal::ZERO), invoice.credited);
    let credit_back = (before.excess - after.excess).max(Decimal::ZERO);
    Cancellation { after, credit_back }
}

/// Checks that `amount` can be taken from the customer's `available` credit in
/// `currency`, and returns what remains.
pub fn take_credit(available: Decimal, amount: Decimal, currency: Currency) -> Result<Decimal, PaymentError> {
    if amount > available {
        return Err(PaymentError::AboveCredit { available: show(currency, available.max(Decimal::ZERO)), currency });
    }
    Ok(available - amount)
}

/// Credit applied to one invoice: at most the credit available and at most what is due.
/// Returns the invoice's new settlement and the credit that remains.
pub fn apply_credit(
    available: Decimal,
    invoice: &OpenInvoice,
    amount: Decimal,
) -> Result<(Settlement, Decimal), PaymentError> {
    let c = invoice.currency;
    let due = invoice.due();
    apply_payment(invoice.status, due, amount).map_err(|source| PaymentError::NotPayable {
        index: None,
        number: invoice.number.clone(),
        source,
    })?;
    let remaining = take_credit(available, amount, c)?;
    if amount > due {
        return Err(PaymentError::AllocationAboveDue {
            index: None,
            due: show(c, due),
            currency: c,
            number: invoice.number.clone(),
        });
    }
    Ok((settle(invoice.gross, invoice.paid + amount, invoice.credited), remaining))
}

/// Checks that cancelling a receipt can take back the `to_credit` it left as customer
/// credit: refused when that credit was already used (applied or refunded).
pub fn reverse_credit(available: Decimal, to_credit: Decimal, currency: Currency) -> Result<Decimal, PaymentError> {
    if to_credit > available {
        return Err(PaymentError::CreditUsed {
            to_credit: show(currency, to_credit),
            available: show(currency, available.max(Decimal::ZERO)),
            currency,
        });
    }
    Ok(available - to_credit)
}

/// The customer's credit in one currency: the sum of its movements (credit created is
/// positive, credit used or reversed negative).
pub fn credit_balance(movements: impl IntoIterator<Item = Decimal>) -> Decimal {
    movements.into_iter().sum()
}

/// One line of a statement with the balance after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine<T> {
    pub date: Date,
    /// What the line adds to what the customer owes (an invoice, a refund).
    pub debit: Decimal,
    /// What it takes off (a payment, a credit note).
    pub credit: Decimal,
    pub balance: Decimal,
    pub item: T,
}

/// A customer's statement in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement<T> {
    /// What the customer owed before `from` (positive) or had to its credit (negative).
    pub opening: Decimal,
    pub lines: Vec<StatementLine<T>>,
    pub closing: Decimal,
}

/// A statement from movements `(date, debit, credit, item)`: the ones before `from` make
/// the opening balance, the ones after `to` are left out, the others are listed in date
/// order (the given order within a day) with the balance after each.
pub fn statement<T>(
    mut movements: Vec<(Date, Decimal, Decimal, T)>,
    from: Option<Date>,
    to: Option<Date>,
) -> Statement<T> {
    movements.sort_by_key(|m| m.0);
    let mut opening = Decimal::ZERO;
    let mut lines = Vec::new();
    let mut balance = Decimal::ZERO;
    for (date, debit, credit, item) in movements {
        if from.is_some_and(|f| date < f) {
            opening += debit - credit;
            balance = opening;
            continue;
        }
        if to.is_some_and(|t| date > t) {
            continue;
        }
        balance += debit - credit;
        lines.push(StatementLine { date, debit, credit, balance, item });
    }
    let closing = lines.last().map_or(opening, |l| l.balance);
    Statement { opening, lines, closing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn invoice(gross: Decimal, paid: Decimal, credited: Decimal) -> OpenInvoice {
        OpenInvoice {
            status: settle(gross, paid, credited).status,
            currency: Currency::EUR,
            number: "F2026-00001".into(),
            gross,
            paid,
            credited,
        }
    }

    fn after(inv: &OpenInvoice, s: &Settlement) -> OpenInvoice {
        OpenInvoice { status: s.status, paid: s.paid, credited: s.credited, ..inv.clone() }
    }

    #[test]
    fn an_overpayment_is_refused_unless_kept_as_credit() {
        let inv = invoice(dec!(120), dec!(0), dec!(0));
        let e = pay_one(&inv, dec!(1200), Excess::Refuse).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("amount"));
        assert_eq!(
            e.to_string(),
            "1200.00 is more than the 120.00 EUR due: add \"excess\": \"credit\" to keep the 1080.00 EUR left over as customer credit"
        );
        let p = pay_one(&inv, dec!(1200), Excess::Credit).unwrap();
        assert_eq!(
            (p.allocations[0].amount, p.to_credit, p.allocations[0].after.status),
            (dec!(120), dec!(1080), Status::Paid)
        );
        let p = pay_one(&inv, dec!(20), Excess::Refuse).unwrap();
        assert_eq!((p.allocations[0].after.status, p.allocations[0].after.due), (Status::PartiallyPaid, dec!(100)));
    }

    #[test]
    fn a_paid_invoice_takes_no_payment() {
        let inv = invoice(dec!(120), dec!(120), dec!(0));
        assert!(matches!(pay_one(&inv, dec!(1), Excess::Credit), Err(PaymentError::NotPayable { .. })));
    }

    #[test]
    fn one_payment_is_allocated_over_several_invoices_to_the_cent() {
        let a = invoice(dec!(120), dec!(0), dec!(0));
        let b = invoice(dec!(60.50), dec!(10), dec!(0));
        let plan =
            allocate(dec!(170.50), Currency::EUR, Excess::Refuse, &[(1, &a, dec!(120)), (2, &b, dec!(50.50))]).unwrap();
        assert_eq!(plan.to_credit, dec!(0));
        assert!(plan.allocations.iter().all(|x| x.after.status == Status::Paid));
        // Above an invoice's due: named by index.
        let e = allocate(dec!(200), Currency::EUR, Excess::Credit, &[(1, &a, dec!(120)), (2, &b, dec!(50.51))])
            .unwrap_err();
        assert_eq!(e.field().as_deref(), Some("allocations[1].amount"));
        assert_eq!(e.to_string(), "is more than the 50.50 EUR due on F2026-00001");
        // More allocated than received.
        let e = allocate(dec!(100), Currency::EUR, Excess::Credit, &[(1, &a, dec!(120))]).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("amount"));
        // Less allocated than received: the rest needs `excess`.
        let e = allocate(dec!(150), Currency::EUR, Excess::Refuse, &[(1, &a, dec!(120))]).unwrap_err();
        assert!(matches!(e, PaymentError::Unallocated { .. }));
        let plan = allocate(dec!(150), Currency::EUR, Excess::Credit, &[(1, &a, dec!(120))]).unwrap();
        assert_eq!(plan.to_credit, dec!(30));
        // The same invoice twice, a zero part, another currency.
        let e = allocate(dec!(20), Currency::EUR, Excess::Refuse, &[(1, &a, dec!(10)), (1, &a, dec!(10))]).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("allocations[1].invoice_id"));
        let e = allocate(dec!(0), Currency::EUR, Excess::Refuse, &[(1, &a, dec!(0))]).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("allocations[0].amount"));
        let usd = OpenInvoice { currency: "USD".parse().unwrap(), ..a.clone() };
        let e = allocate(dec!(10), Currency::EUR, Excess::Refuse, &[(1, &usd, dec!(10))]).unwrap_err();
        assert_eq!(e.to_string(), "F2026-00001 is in USD, the payment in EUR");
    }

    #[test]
    fn cancelling_takes_the_allocation_back() {
        let inv = invoice(dec!(120), dec!(120), dec!(0));
        let c = cancel_allocation(&inv, dec!(120));
        assert_eq!(
            (c.after.status, c.after.due, c.after.paid, c.credit_back),
            (Status::Issued, dec!(120), dec!(0), dec!(0))
        );
        let c = cancel_allocation(&invoice(dec!(120), dec!(100), dec!(20)), dec!(100));
        assert_eq!((c.after.status, c.after.due), (Status::PartiallyPaid, dec!(100)));
        // Paid 100, then credited in full: the credit note made 100 of credit out of the
        // payment. Without the payment that credit has no ground: it goes back too.
        let c = cancel_allocation(&invoice(dec!(120), dec!(100), dec!(120)), dec!(100));
        assert_eq!((c.after.status, c.after.due, c.credit_back), (Status::Credited, dec!(0), dec!(100)));
    }

    #[test]
    fn credit_is_applied_within_what_is_available_and_due() {
        let inv = invoice(dec!(100), dec!(0), dec!(0));
        let (s, left) = apply_credit(dec!(30), &inv, dec!(30)).unwrap();
        assert_eq!((s.due, s.status, left), (dec!(70), Status::PartiallyPaid, dec!(0)));
        let e = apply_credit(dec!(30), &inv, dec!(31)).unwrap_err();
        assert_eq!(e.to_string(), "is more than the 30.00 EUR of credit the customer has");
        let small = invoice(dec!(10), dec!(0), dec!(0));
        let e = apply_credit(dec!(30), &small, dec!(20)).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("amount"));
        assert!(take_credit(dec!(10), dec!(10.01), Currency::EUR).is_err());
        assert_eq!(reverse_credit(dec!(50), dec!(30), Currency::EUR), Ok(dec!(20)));
        let e = reverse_credit(dec!(10), dec!(30), Currency::EUR).unwrap_err();
        assert_eq!(e.field(), None);
        assert_eq!(credit_balance([dec!(30), dec!(-10), dec!(5)]), dec!(25));
    }

    #[test]
    fn a_statement_runs_its_balance_from_the_opening() {
        let d = |day: u8| Date::from_calendar_date(2026, time::Month::March, day).unwrap();
        let moves = vec![
            (d(10), dec!(0), dec!(50), "payment"),
            (d(1), dec!(100), dec!(0), "old invoice"),
            (d(5), dec!(200), dec!(0), "invoice"),
            (d(20), dec!(0), dec!(10), "later"),
        ];
        let s = statement(moves, Some(d(2)), Some(d(15)));
        assert_eq!(s.opening, dec!(100));
        assert_eq!(
            s.lines.iter().map(|l| (l.item, l.balance)).collect::<Vec<_>>(),
            [("invoice", dec!(300)), ("payment", dec!(250))]
        );
        assert_eq!(s.closing, dec!(250));
        let empty: Statement<()> = statement(vec![], None, None);
        assert_eq!((empty.opening, empty.closing), (dec!(0), dec!(0)));
    }

    fn cents(max: i64) -> impl Strategy<Value = Decimal> {
        (1..=max).prop_map(|c| Decimal::new(c, 2))
    }

    proptest! {
        /// Recording any sequence of payments (each refused, exact or with its excess kept
        /// as credit) and then cancelling them in any order gives the invoice back its
        /// settlement before, and takes back every cent of credit they made.
        #[test]
        fn recording_then_cancelling_payments_restores_the_settlement(
            gross in cents(1_000_000),
            credited in 0i64..50_000,
            amounts in prop::collection::vec((cents(500_000), any::<bool>()), 1..8),
            order in any::<prop::sample::Index>(),
        ) {
            let credited = Decimal::new(credited, 2).min(gross);
            let start = invoice(gross, Decimal::ZERO, credited);
            let mut inv = start.clone();
            let mut recorded = Vec::new();
            let mut credit = Decimal::ZERO;
            for (amount, keep) in amounts {
                let excess = if keep { Excess::Credit } else { Excess::Refuse };
                match pay_one(&inv, amount, excess) {
                    Ok(plan) => {
                        let a = &plan.allocations[0];
                        prop_assert_eq!(a.amount + plan.to_credit, amount);
                        prop_assert!(a.after.due >= Decimal::ZERO);
                        credit += plan.to_credit;
                        recorded.push((a.amount, plan.to_credit));
                        inv = after(&inv, &a.after);
                    }
                    Err(PaymentError::AboveDue { .. }) => prop_assert!(!keep && amount > inv.due()),
                    Err(PaymentError::NotPayable { .. }) => prop_assert!(inv.due().is_zero()),
                    Err(e) => prop_assert!(false, "unexpected refusal {e}"),
                }
            }
            // Cancel in a rotated order: any payment can go first.
            if !recorded.is_empty() {
                let k = order.index(recorded.len());
                recorded.rotate_left(k);
            }
            for (applied, to_credit) in recorded {
                credit = reverse_credit(credit, to_credit, Currency::EUR).expect("credit unused");
                let c = cancel_allocation(&inv, applied);
                prop_assert_eq!(c.credit_back, Decimal::ZERO);
                inv = after(&inv, &c.after);
            }
            prop_assert_eq!(inv.settlement(), start.settlement());
            prop_assert_eq!(credit, Decimal::ZERO);
        }

        /// An accepted allocation settles exactly the amount received, to the cent.
        #[test]
        fn an_allocation_accounts_for_every_cent(
            dues in prop::collection::vec(cents(100_000), 1..5),
            extra in 0i64..10_000,
            keep in any::<bool>(),
        ) {
            let invoices: Vec<OpenInvoice> = dues.iter().map(|g| invoice(*g, Decimal::ZERO, Decimal::ZERO)).collect();
            let parts: Vec<(usize, &OpenInvoice, Decimal)> = invoices.iter().enumerate().map(|(i, inv)| (i, inv, inv.gross)).collect();
            let amount = dues.iter().copied().sum::<Decimal>() + Decimal::new(extra, 2);
            let excess = if keep { Excess::Credit } else { Excess::Refuse };
            match allocate(amount, Currency::EUR, excess, &parts) {
                Ok(plan) => {
                    let settled: Decimal = plan.allocations.iter().map(|a| a.amount).sum();
                    prop_assert_eq!(settled + plan.to_credit, amount);
                    prop_assert!(plan.allocations.iter().all(|a| a.after.status == Status::Paid));
                }
                Err(e) => prop_assert!(!keep && extra > 0, "refused {e}"),
            }
        }
    }
}

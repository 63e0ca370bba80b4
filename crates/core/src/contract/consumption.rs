//! What a contract or a customer consumed beyond its schedule, billed once: time spent
//! (hours × a rate), parts taken from the catalogue (at their price), purchases re-billed
//! (at cost × a resale coefficient, or at a fixed price). And the technical-financial
//! summary of a contract: what was planned against what was billed, the theoretical
//! workload against the time spent, and the margins.

use crate::money::Currency;
use rust_decimal::Decimal;

/// How a consumption is priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pricing {
    /// `quantity × unit price`: hours at a rate, parts at their price.
    Unit(Decimal),
    /// A purchase re-billed at `round(cost × coefficient)` (e.g. 1.25).
    Coefficient(Decimal),
    /// A purchase re-billed at a price agreed with the customer.
    Fixed(Decimal),
}

/// One consumption, as the invoice line it becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Consumption {
    /// Hours, parts, or 1 for a purchase.
    pub quantity: Decimal,
    /// What one unit cost the company (hourly cost, purchase price); zero when unknown.
    pub unit_cost: Decimal,
    pub pricing: Pricing,
}

impl Consumption {
    /// The price of one unit on the invoice line, rounded once to the currency.
    pub fn unit_price(&self, currency: Currency) -> Decimal {
        match self.pricing {
            Pricing::Unit(p) => currency.round(p),
            Pricing::Coefficient(k) => currency.round(self.unit_cost * k),
            Pricing::Fixed(p) => currency.round(p),
        }
    }

    /// What the line bills, before VAT.
    pub fn net(&self, currency: Currency) -> Decimal {
        currency.round(self.quantity * self.unit_price(currency))
    }

    /// What it cost the company.
    pub fn cost(&self, currency: Currency) -> Decimal {
        currency.round(self.quantity * self.unit_cost)
    }
}

/// What a contract planned, up to a day: its billed and coming periods' amounts, and the
/// hours each period should take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Periods due up to the day (billed or not).
    pub periods: u32,
    /// Their amounts, before VAT.
    pub amount: Decimal,
    /// Hours planned per period.
    pub hours_per_period: Decimal,
    /// What an hour costs the company.
    pub hourly_cost: Decimal,
}

/// What a contract actually billed and consumed up to a day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Actual {
    /// Periods billed, before VAT.
    pub periods_billed: Decimal,
    /// Consumptions billed, before VAT.
    pub consumption_billed: Decimal,
    /// Consumptions recorded and not billed yet, before VAT.
    pub consumption_unbilled: Decimal,
    /// Hours spent (time consumptions).
    pub hours: Decimal,
    /// What the parts and purchases cost, and the hours at their own cost when known.
    pub costs: Decimal,
}

/// The technical-financial summary of a contract (the seed's "bilan technico-financier").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub planned_amount: Decimal,
    pub billed_amount: Decimal,
    pub theoretical_hours: Decimal,
    pub actual_hours: Decimal,
    /// Planned amount less the planned hours at their cost.
    pub theoretical_margin: Decimal,
    /// Billed amount (periods and consumptions) less what was spent.
    pub actual_margin: Decimal,
}

/// Both sides of the summary, each rounded once.
pub fn summary(plan: &Plan, actual: &Actual, currency: Currency) -> Summary {
    let theoretical_hours = plan.hours_per_period * Decimal::from(plan.periods);
    let billed_amount = actual.periods_billed + actual.consumption_billed;
    Summary {
        planned_amount: plan.amount,
        billed_amount,
        theoretical_hours,
        actual_hours: actual.hours,
        theoretical_margin: plan.amount - currency.round(theoretical_hours * plan.hourly_cost),
        actual_margin: billed_amount - actual.costs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    const EUR: Currency = Currency::EUR;

    #[test]
    fn a_purchase_is_rebilled_at_cost_times_the_coefficient_rounded_once() {
        let c = Consumption { quantity: dec!(1), unit_cost: dec!(83.37), pricing: Pricing::Coefficient(dec!(1.25)) };
        // 83.37 × 1.25 = 104.2125
        assert_eq!(c.unit_price(EUR), dec!(104.21));
        assert_eq!(c.net(EUR), dec!(104.21));
        assert_eq!(c.cost(EUR), dec!(83.37));
    }

    #[test]
    fn time_bills_hours_at_the_rate() {
        let c = Consumption { quantity: dec!(2.5), unit_cost: dec!(31), pricing: Pricing::Unit(dec!(65)) };
        assert_eq!(c.net(EUR), dec!(162.50));
        assert_eq!(c.cost(EUR), dec!(77.50));
    }

    #[test]
    fn the_summary_sets_planned_against_actual() {
        let plan = Plan { periods: 4, amount: dec!(14000), hours_per_period: dec!(6), hourly_cost: dec!(40) };
        let actual = Actual {
            periods_billed: dec!(10500),
            consumption_billed: dec!(350),
            consumption_unbilled: dec!(120),
            hours: dec!(27.5),
            costs: dec!(1350.25),
        };
        let s = summary(&plan, &actual, EUR);
        assert_eq!(s.theoretical_hours, dec!(24));
        assert_eq!(s.theoretical_margin, dec!(13040));
        assert_eq!(s.billed_amount, dec!(10850));
        assert_eq!(s.actual_margin, dec!(9499.75));
    }

    proptest! {
        /// A line never bills a fraction of a cent, and a coefficient of 1 re-bills the cost.
        #[test]
        fn lines_are_whole_cents_and_coefficient_one_is_the_cost(
            qty in 1i64..10_000, cost in 0i64..10_000_000, k in 100i64..400,
        ) {
            let quantity = Decimal::new(qty, 2);
            let unit_cost = Decimal::new(cost, 3);
            let c = Consumption { quantity, unit_cost, pricing: Pricing::Coefficient(Decimal::new(k, 2)) };
            prop_assert_eq!(c.net(EUR), c.net(EUR).round_dp(2));
            prop_assert!(c.unit_price(EUR) >= EUR.round(unit_cost));
            let at_cost = Consumption { pricing: Pricing::Coefficient(Decimal::ONE), ..c };
            prop_assert_eq!(at_cost.unit_price(EUR), EUR.round(unit_cost));
        }
    }
}

//! The derivations benchmark: orders taken through a whole family by `core::derive`.

use anyhow::Result;
use facturier_core::Decimal;
use facturier_core::document::Content;
use facturier_core::party::Language;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::time::Instant;
use uuid::Uuid;

use super::load::bar;

/// Figures of the derivations benchmark.
pub(super) struct DeriveFigures {
    pub(super) families: usize,
    pub(super) documents: usize,
    per_second: f64,
    micros_per_document: f64,
}

impl DeriveFigures {
    pub(super) fn table(&self) -> String {
        let mut out = String::from("| derivations: an order's family by `core::derive` | |\n|---|---:|\n");
        let _ = writeln!(
            out,
            "| families (deposit, two parts, the closing invoice): documents derived | {} ({}) |",
            self.families, self.documents
        );
        let _ = writeln!(out, "| families/s, one core | {:.0} |", self.per_second);
        let _ = writeln!(out, "| µs per derived document (ledger read included) | {:.1} |", self.micros_per_document);
        out
    }
}

/// Takes `n` orders through a family: a 30 % deposit, two partial invoices of a third of
/// each line, the closing invoice; checks every family bills its order exactly.
pub(super) fn derive_bench(n: usize, seed: u64) -> Result<DeriveFigures> {
    use facturier_core::derive::{self, Ledger, Member, Order, Role};
    use facturier_core::progress::DepositShare;
    use facturier_formats::sample;
    println!("\n== derivations: {n} orders, each through a deposit, two parts and the closing invoice");
    let mut rng = StdRng::seed_from_u64(seed);
    let orders: Vec<_> = (0..n).map(|_| sample::invoice(rng.random_range(5..=30)).content).collect();
    let third = Decimal::ONE / Decimal::from(3);
    let bar = bar(n as u64, "families")?;
    let started = Instant::now();
    let mut documents = 0;
    for order in &orders {
        let o = Order { number: "C2026-00001", content: order, language: Language::Fr };
        let mut family: Vec<(Role, Content)> = Vec::new();
        let ledger = |family: &[(Role, Content)]| {
            let members: Vec<Member<'_>> = family
                .iter()
                .map(|(role, c)| Member { id: Uuid::nil(), role: *role, number: None, issue_date: None, content: c })
                .collect();
            Ledger::of(order, &members)
        };
        family.push((Role::Deposit, derive::deposit(o, DepositShare::Percent(Decimal::from(30)), Decimal::ZERO)?));
        for _ in 0..2 {
            let portions = order.items().map(|l| (l.id, (l.quantity * third).round_dp(3))).collect();
            family.push((Role::Invoice, derive::invoice_by_quantities(o, &ledger(&family), Some(&portions))?));
        }
        family.push((Role::Invoice, derive::invoice_by_quantities(o, &ledger(&family), None)?));
        derive::check_billing(order, &ledger(&family))?;
        documents += family.len();
        bar.inc(1);
    }
    let elapsed = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let per_second = n as f64 / elapsed;
    let micros_per_document = elapsed * 1e6 / documents as f64;
    println!(
        "  {per_second:.0} families/s, {micros_per_document:.1} µs per derived document; every family bills its order exactly"
    );
    Ok(DeriveFigures { families: n, documents, per_second, micros_per_document })
}

//! What an order's family has billed (the [`Ledger`]) and the conservation rule over it.

use crate::document::{Content, Line};
use crate::tax::Vat;
use crate::totals::{MAX_VAT_ADJUSTMENT, Totals};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use time::Date;
use uuid::Uuid;

/// What a document of the family is to the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A delivery note: bills nothing, but its lines tell which order line an
    /// invoice line made from it bills.
    DeliveryNote,
    /// A deposit invoice on the order.
    Deposit,
    /// An invoice: by quantities, a situation, or a final invoice.
    Invoice,
    /// A credit note on one of the invoices or deposits: takes back what it credits.
    CreditNote,
}

/// One document of an order's family as the derivations read it.
#[derive(Clone, Debug)]
pub struct Member<'a> {
    pub id: Uuid,
    pub role: Role,
    pub number: Option<&'a str>,
    pub issue_date: Option<Date>,
    pub content: &'a Content,
}

/// What the documents of a family have billed of one VAT category and rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupBilled {
    pub discount: Decimal,
    pub charges: Decimal,
    pub base: Decimal,
    pub vat: Decimal,
}

/// A deposit's line still to deduct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDeposit {
    pub deposit_id: Uuid,
    pub number: String,
    pub issue_date: Option<Date>,
    pub line_id: Uuid,
    pub description: String,
    pub vat: Vat,
    /// What is left to deduct of the line's base.
    pub base: Decimal,
}

/// What an order's family has billed so far.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Per order line, the quantity billed by invoices by quantities, net of credits.
    pub quantities: HashMap<Uuid, Decimal>,
    /// Per order line, the net billed by situations, net of credits.
    pub situation_nets: HashMap<Uuid, Decimal>,
    /// Per VAT category and rate.
    pub groups: BTreeMap<Vat, GroupBilled>,
    /// Deposits (issued, not credited) whose base is not yet wholly deducted.
    pub open_deposits: Vec<OpenDeposit>,
    /// Situations billed, and the last one's cumulative percentage.
    pub situations: u32,
    pub last_percent: Decimal,
    /// An invoice by quantities exists (situations and quantities do not mix).
    pub by_quantities: bool,
}

/// What an item line of the family bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    OrderLine(Uuid),
    DepositLine(Uuid),
}

impl Ledger {
    /// Reads the family of `order`: members in any order; drafts and issued documents
    /// alike (a draft invoice is about to bill, a draft credit note is not — leave it out).
    pub fn of(order: &Content, members: &[Member<'_>]) -> Ledger {
        let mut ledger = Ledger::default();
        let mut target: HashMap<Uuid, Target> = order.items().map(|l| (l.id, Target::OrderLine(l.id))).collect();
        let rank = |r: Role| match r {
            Role::DeliveryNote => 0,
            Role::Deposit => 1,
            Role::Invoice => 2,
            Role::CreditNote => 3,
        };
        let mut sorted: Vec<&Member<'_>> = members.iter().collect();
        sorted.sort_by_key(|m| rank(m.role));
        let mut deposit_lines: Vec<(usize, Uuid)> = Vec::new();
        let mut open: HashMap<Uuid, Decimal> = HashMap::new();
        for m in sorted {
            let sign = if m.role == Role::CreditNote { -Decimal::ONE } else { Decimal::ONE };
            if m.role == Role::DeliveryNote {
                for l in m.content.items() {
                    if let Some(t) = l.source_line_id.and_then(|s| target.get(&s).copied()) {
                        target.insert(l.id, t);
                    }
                }
                continue;
            }
            let totals = m.content.totals();
            let situation = m.content.progress_percent.is_some();
            for (l, a) in m.content.items().zip(&totals.lines) {
                let t = match m.role {
                    Role::Deposit => {
                        deposit_lines.push((ledger.open_deposits.len(), l.id));
                        ledger.open_deposits.push(OpenDeposit {
                            deposit_id: m.id,
                            number: m.number.unwrap_or_default().to_string(),
                            issue_date: m.issue_date,
                            line_id: l.id,
                            description: l.description.clone(),
                            vat: l.vat,
                            base: Decimal::ZERO,
                        });
                        Some(Target::DepositLine(l.id))
                    }
                    _ => l.source_line_id.and_then(|s| target.get(&s).copied()),
                };
                let Some(t) = t else { continue };
                target.insert(l.id, t);
                match t {
                    Target::DepositLine(d) => *open.entry(d).or_default() += sign * a.net,
                    Target::OrderLine(o) if situation || is_situation_credit(m, &ledger, o) => {
                        *ledger.situation_nets.entry(o).or_default() += sign * a.net;
                    }
                    Target::OrderLine(o) => {
                        *ledger.quantities.entry(o).or_default() += sign * l.quantity;
                        ledger.by_quantities = true;
                    }
                }
            }
            if let Some(p) = m.content.progress_percent
                && m.role == Role::Invoice
            {
                ledger.situations += 1;
                ledger.last_percent = ledger.last_percent.max(p);
            }
            for b in &totals.vat {
                let Ok(vat) = Vat::new(b.rate, Some(b.category)) else { continue };
                let g = ledger.groups.entry(vat).or_default();
                g.discount += sign * b.discount;
                g.charges += sign * b.charges;
                g.base += sign * b.base;
                g.vat += sign * b.amount;
            }
        }
        for (i, line) in deposit_lines {
            ledger.open_deposits[i].base = open.get(&line).copied().unwrap_or_default();
        }
        ledger.open_deposits.retain(|d| !d.base.is_zero());
        ledger.by_quantities &= ledger.quantities.values().any(|q| !q.is_zero());
        ledger
    }

    /// What is left to bill of an order line, in quantity.
    pub fn quantity_left(&self, order_line: &Line) -> Decimal {
        order_line.quantity - self.quantities.get(&order_line.id).copied().unwrap_or_default()
    }

    /// Whether a deposit has been deducted, wholly or partly, by a final invoice.
    pub fn deducted(&self, deposit: &Content, deposit_id: Uuid) -> bool {
        let totals = deposit.totals();
        deposit.items().zip(&totals.lines).any(|(l, a)| {
            let left = self
                .open_deposits
                .iter()
                .find(|d| d.deposit_id == deposit_id && d.line_id == l.id)
                .map_or(Decimal::ZERO, |d| d.base);
            left != a.net
        })
    }
}

/// A credit note line on a situation invoice counts against the situations.
fn is_situation_credit(m: &Member<'_>, ledger: &Ledger, order_line: Uuid) -> bool {
    m.role == Role::CreditNote && ledger.situation_nets.contains_key(&order_line)
}

/// Whether the family bills the order exactly (the conservation rule), and if not,
/// the first VAT category and rate where it does not: (rate, billed base, order base).
pub fn check_conservation(order: &Totals, ledger: &Ledger) -> Result<(), (Decimal, Decimal, Decimal)> {
    let mut vats: Vec<(Decimal, crate::tax::VatCategory)> = order.vat.iter().map(|b| (b.rate, b.category)).collect();
    for v in ledger.groups.keys() {
        vats.push((v.rate(), v.category()));
    }
    for (rate, category) in vats {
        let o = order.vat.iter().find(|b| b.rate == rate && b.category == category);
        let (ob, ov) = o.map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.base, b.amount));
        let billed =
            Vat::new(rate, Some(category)).ok().and_then(|v| ledger.groups.get(&v).copied()).unwrap_or_default();
        if billed.base != ob || billed.vat != ov {
            return Err((rate, billed.base, ob));
        }
    }
    Ok(())
}

/// Why the issued documents of an order's family break the conservation rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    #[error("this would invoice {billed} of line {position} of the order, which has {ordered}")]
    LineBeyond { position: usize, billed: Decimal, ordered: Decimal },
    #[error(
        "this would bill a base of {billed} at {rate} % where the order has {ordered}: its documents would no longer add up to it"
    )]
    GroupBeyond { rate: Decimal, billed: Decimal, ordered: Decimal },
}

impl BillingError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            BillingError::LineBeyond { position, billed, ordered } => Message::new("would_invoice_line_order")
                .with("billed", billed)
                .with("position", position)
                .with("ordered", ordered),
            BillingError::GroupBeyond { rate, billed, ordered } => {
                Message::new("would_bill_base_where").with("billed", billed).with("rate", rate).with("ordered", ordered)
            }
        }
    }
}

/// The conservation rule over what an order's family has issued (`ledger` read from
/// issued documents only): no line billed beyond the order, no VAT rate's base beyond
/// the order's (but for the cents rounding moves before the last document), and once
/// everything is billed, exactly the order per rate, base and VAT.
pub fn check_billing(order: &Content, ledger: &Ledger) -> Result<(), BillingError> {
    for (i, l) in order.lines.iter().enumerate().filter(|(_, l)| l.is_item()) {
        let billed = ledger.quantities.get(&l.id).copied().unwrap_or_default();
        if l.quantity > Decimal::ZERO && billed > l.quantity {
            return Err(BillingError::LineBeyond { position: i + 1, billed, ordered: l.quantity });
        }
    }
    let totals = order.totals();
    let closed = if ledger.situations > 0 {
        ledger.last_percent == Decimal::ONE_HUNDRED
    } else {
        ledger.by_quantities && order.items().all(|l| ledger.quantity_left(l) <= Decimal::ZERO)
    };
    if closed {
        return check_conservation(&totals, ledger).map_err(|(rate, billed, ordered)| BillingError::GroupBeyond {
            rate,
            billed,
            ordered,
        });
    }
    for (vat, g) in &ledger.groups {
        let ordered = totals
            .vat
            .iter()
            .find(|b| b.rate == vat.rate() && b.category == vat.category())
            .map_or(Decimal::ZERO, |b| b.base);
        if ordered >= Decimal::ZERO && g.base > ordered + MAX_VAT_ADJUSTMENT {
            return Err(BillingError::GroupBeyond { rate: vat.rate(), billed: g.base, ordered });
        }
    }
    Ok(())
}

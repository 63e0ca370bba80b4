//! Every document derived from an order, as pure functions: deposits, situations,
//! invoices by quantities (from the order, from delivery notes, from the monthly run),
//! the final invoice's deductions, and credit notes.
//!
//! **The conservation rule**, stated once: the invoices of an order's family — deposit
//! invoices, situations, invoices by quantities, less their credit notes — add up to
//! the order's totals exactly: the taxable base and the VAT of every category and rate,
//! hence the net and the gross. Each derivation reads what the family has billed so
//! far (a [`Ledger`]) and bills its part; the document that completes the order (the
//! *closing* one: the last quantities, or the situation at 100 %) bills exactly what is
//! left: its document discount is split per VAT rate so that each rate's base is what
//! remains, it deducts the deposits not yet deducted, and a VAT correction of a cent or
//! a few takes up what rounding per document moved (EN 16931 BR-CO-17 tolerates it).
//!
//! Deposits are asked on the order's bases (discount and shipping included) and
//! deducted, by rate, on lines the document discount does not touch
//! ([`LineKind::Deduction`]). Shipping is billed with the first invoice by quantities,
//! or a share of it with each situation.

use crate::document::{Content, Line, LineKind};
use crate::money::Currency;
use crate::party::Language;
use crate::progress::{self, DepositShare, ProgressError};
use crate::tax::Vat;
use crate::totals::{DocumentCharge, MAX_VAT_ADJUSTMENT, Totals, VatAmount};
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

/// Why a derived document cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    #[error(transparent)]
    Progress(#[from] ProgressError),
    #[error("everything on this order is already invoiced")]
    NothingLeft,
    #[error("this order is invoiced by situations: issue a progress invoice at 100 % to settle it")]
    BySituations,
    #[error("this order is already invoiced by quantities: it cannot take progress invoices")]
    ByQuantities,
    #[error("line {line}: only {left} of this line remain to invoice")]
    TooMuch { line: Uuid, left: Decimal },
    #[error("only {left} of this line remain to deliver")]
    TooMuchToDeliver { line: Uuid, left: Decimal },
    #[error("everything on this order is already delivered")]
    AllDelivered,
    #[error("a credit note of {asked} is more than the {left} left to credit on this invoice")]
    CreditTooLarge { asked: Decimal, left: Decimal },
    #[error(
        "the documents of this order no longer add up (a VAT correction of {amount} at {rate} % would be needed): check its draft invoices"
    )]
    Inconsistent { amount: Decimal, rate: Decimal },
}

impl DeriveError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> crate::message::Message {
        use crate::message::Message;
        match self {
            DeriveError::Progress(p) => p.message(),
            DeriveError::NothingLeft => Message::new("everything_order_already_invoiced"),
            DeriveError::BySituations => Message::new("order_invoiced_situations_issue"),
            DeriveError::ByQuantities => Message::new("order_already_invoiced_quantities"),
            DeriveError::TooMuch { line, left } => {
                Message::new("line_only_line_remain").with("line", line).with("left", left)
            }
            DeriveError::TooMuchToDeliver { left, .. } => Message::new("only_line_remain_deliver").with("n", left),
            DeriveError::AllDelivered => Message::new("everything_order_already_delivered"),
            DeriveError::CreditTooLarge { asked, left } => {
                Message::new("credit_note_more_left").with("asked", asked).with("left", left)
            }
            DeriveError::Inconsistent { amount, rate } => {
                Message::new("documents_order_longer_add").with("amount", amount).with("rate", rate)
            }
        }
    }
}

/// The words of generated lines, in the customer's language.
struct Words(Language);

impl Words {
    /// A date as the reader writes it: 02/10/2026 in French, 2026-10-02 in English.
    fn date(&self, date: Option<Date>) -> String {
        let Some(d) = date else { return String::new() };
        match self.0 {
            Language::Fr => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
            Language::En => d.to_string(),
        }
    }
    fn deduction(&self, number: &str, date: Option<Date>, rate: Decimal) -> String {
        let date = self.date(date);
        let rate = rate.normalize();
        match self.0 {
            Language::Fr => format!("Déduction de l'acompte {number} du {date} (TVA {rate} %)"),
            Language::En => format!("Deduction of deposit {number} of {date} (VAT {rate}%)"),
        }
    }
    fn deposit_title(&self, share: DepositShare, order: &str) -> String {
        match (self.0, share) {
            (Language::Fr, DepositShare::Percent(p)) => {
                format!("Acompte de {} % sur la commande {order}", p.normalize())
            }
            (Language::Fr, DepositShare::Amount(_)) => format!("Acompte sur la commande {order}"),
            (Language::En, DepositShare::Percent(p)) => format!("Deposit of {}% on order {order}", p.normalize()),
            (Language::En, DepositShare::Amount(_)) => format!("Deposit on order {order}"),
        }
    }
    fn rate(&self, title: &str, rate: Decimal) -> String {
        match self.0 {
            Language::Fr => format!("{title} (TVA {} %)", rate.normalize()),
            Language::En => format!("{title} (VAT {}%)", rate.normalize()),
        }
    }
    fn progress_line(&self, what: &str, cumulative: Decimal, previous: Decimal) -> String {
        let (c, p) = (cumulative.normalize(), previous.normalize());
        match self.0 {
            Language::Fr => format!("{what} — avancement {c} % (précédemment {p} %)"),
            Language::En => format!("{what} — {c}% complete (previously {p}%)"),
        }
    }
    fn progress_title(&self, n: u32, order: &str, cumulative: Decimal) -> String {
        let c = cumulative.normalize();
        match self.0 {
            Language::Fr => format!("Situation n° {n} — commande {order}, avancement {c} %"),
            Language::En => format!("Progress invoice no. {n} — order {order}, {c}% complete"),
        }
    }
    fn shipping_share(&self, label: &str, cumulative: Decimal) -> String {
        let c = cumulative.normalize();
        match self.0 {
            Language::Fr => format!("{label} — avancement {c} %"),
            Language::En => format!("{label} — {c}% complete"),
        }
    }
    fn balance(&self, label: &str) -> String {
        match self.0 {
            Language::Fr => format!("{label} (solde)"),
            Language::En => format!("{label} (balance)"),
        }
    }
    fn delivery_note(&self, number: &str, date: Option<Date>) -> String {
        let date = self.date(date);
        match self.0 {
            Language::Fr => format!("Bon de livraison {number} du {date}"),
            Language::En => format!("Delivery note {number} of {date}"),
        }
    }
    fn credit_note(&self, invoice: &str) -> String {
        match self.0 {
            Language::Fr => format!("Avoir sur la facture {invoice}"),
            Language::En => format!("Credit note for invoice {invoice}"),
        }
    }
    fn credit_part(&self, invoice: &str) -> String {
        match self.0 {
            Language::Fr => format!("Avoir partiel sur la facture {invoice}"),
            Language::En => format!("Partial credit on invoice {invoice}"),
        }
    }
    fn credit_left(&self, invoice: &str) -> String {
        match self.0 {
            Language::Fr => format!("Solde de la facture {invoice}"),
            Language::En => format!("Balance of invoice {invoice}"),
        }
    }
}

/// The order a derivation starts from.
#[derive(Clone, Copy, Debug)]
pub struct Order<'a> {
    pub number: &'a str,
    pub content: &'a Content,
    /// The customer's language: generated lines and titles are written in it.
    pub language: Language,
}

/// The header a derived document takes from its source (terms, references, addresses,
/// notes), without its lines, amounts, dates or seal.
fn header_of(source: &Content) -> Content {
    Content {
        issue_date: None,
        valid_until: None,
        lines: Vec::new(),
        discount_percent: Decimal::ZERO,
        discount_amount: None,
        allowances: Vec::new(),
        shipping: None,
        vat_adjustments: Vec::new(),
        progress_percent: None,
        schedule: None,
        parties: None,
        printed: None,
        ..source.clone()
    }
}

/// A draft deposit invoice: a share of the order, split by VAT rate. `already` is the
/// gross of the deposits already asked (credited ones left out).
pub fn deposit(order: Order<'_>, share: DepositShare, already: Decimal) -> Result<Content, DeriveError> {
    let words = Words(order.language);
    let mut parts = progress::deposit_parts(&order.content.totals(), share, already)?;
    // Fix: a share that rounds to nothing at a rate made a line of 0.00, and at every rate a
    // deposit invoice of 0.00.
    parts.retain(|p| !p.base.is_zero());
    if parts.is_empty() {
        return Err(ProgressError::NothingToShare.into());
    }
    let title = words.deposit_title(share, order.number);
    let several = parts.len() > 1;
    Ok(Content {
        payment_terms: crate::terms::PaymentTerms::OnReceipt,
        // A share of the order supplies what the order supplies (its lines cannot tell).
        operation: Some(order.content.operation()),
        title: Some(title.clone()),
        note: None,
        lines: parts
            .iter()
            .map(|p| {
                let description = if several { words.rate(&title, p.vat.rate()) } else { title.clone() };
                Line::item(description, Decimal::ONE, p.base, p.vat)
            })
            .collect(),
        ..header_of(order.content)
    })
}

/// A draft deposit invoice on an order whose family is `ledger`: as [`deposit`], with
/// `already` what the family has billed so far (deposits and invoices, less credit notes).
/// Added: a deposit asked after a part was invoiced could take the family past the order
/// when `already` counted the deposits only (the final invoice then came out negative).
pub fn deposit_in(order: Order<'_>, share: DepositShare, ledger: &Ledger) -> Result<Content, DeriveError> {
    let already = ledger.groups.values().map(|g| g.base + g.vat).sum();
    deposit(order, share, already)
}

/// A copy of a line for a derived document: new id, pointing at the line it came from.
fn copy_line(l: &Line) -> Line {
    Line { id: Uuid::now_v7(), source_line_id: Some(l.id), ..l.clone() }
}

/// The lines of an invoice by quantities: each order line with `quantities` of it
/// (what is left by default), comment and subtotal lines in place.
fn quantity_lines(
    order: &Content,
    left_of: impl Fn(&Line) -> Decimal,
    portions: Option<&HashMap<Uuid, Decimal>>,
    too_much: fn(Uuid, Decimal) -> DeriveError,
) -> Result<Vec<Line>, DeriveError> {
    let mut lines = Vec::new();
    for l in &order.lines {
        if !l.is_item() {
            lines.push(copy_line(l));
            continue;
        }
        let left = left_of(l);
        // Fix: a line of a negative quantity (a trade-in) is taken like the others; it was
        // never billed, and the closing invoice turned it into a discount.
        let negative = l.quantity < Decimal::ZERO;
        let take = match portions {
            None => left,
            Some(p) => {
                let Some(q) = p.get(&l.id).copied() else { continue };
                if (!negative && q > left) || (negative && q < left) {
                    return Err(too_much(
                        l.id,
                        if negative { left.min(Decimal::ZERO) } else { left.max(Decimal::ZERO) },
                    ));
                }
                q
            }
        };
        if take.is_zero() || (take < Decimal::ZERO) != negative {
            continue;
        }
        lines.push(Line { quantity: take, ..copy_line(l) });
    }
    // Headings and subtotals with no item after them are left out.
    while lines.last().is_some_and(|l| !l.is_item()) {
        lines.pop();
    }
    if !lines.iter().any(Line::is_item) {
        return Err(DeriveError::NothingLeft);
    }
    Ok(lines)
}

/// A delivery note from an order: each order line with what is left to deliver
/// (`on_notes`: what delivery notes, drafts included, already carry of each line) or
/// the `portions` asked, comment and subtotal lines in place. It bills nothing: the
/// order's terms are copied for the printed note.
pub fn delivery_note(
    order: &Content,
    on_notes: &HashMap<Uuid, Decimal>,
    portions: Option<&HashMap<Uuid, Decimal>>,
) -> Result<Content, DeriveError> {
    let left = |l: &Line| l.quantity - on_notes.get(&l.id).copied().unwrap_or_default();
    let lines = quantity_lines(order, left, portions, |line, left| DeriveError::TooMuchToDeliver { line, left })
        .map_err(|e| match e {
            DeriveError::NothingLeft => DeriveError::AllDelivered,
            other => other,
        })?;
    Ok(Content { lines, issue_date: None, valid_until: None, parties: None, printed: None, ..order.clone() })
}

/// An invoice billing order lines by quantities: the final invoice from an order, the
/// invoice of a delivery note (`portions`: what the note delivered of each order line),
/// a part of the monthly run. When it bills all that is left it closes the order.
pub fn invoice_by_quantities(
    order: Order<'_>,
    ledger: &Ledger,
    portions: Option<&HashMap<Uuid, Decimal>>,
) -> Result<Content, DeriveError> {
    if ledger.situations > 0 {
        return Err(DeriveError::BySituations);
    }
    let o = order.content;
    let lines =
        quantity_lines(o, |l| ledger.quantity_left(l), portions, |line, left| DeriveError::TooMuch { line, left })?;
    let closes = o.items().all(|ol| {
        let took: Decimal = lines.iter().filter(|l| l.source_line_id == Some(ol.id)).map(|l| l.quantity).sum();
        let remaining = ledger.quantity_left(ol) - took;
        if ol.quantity < Decimal::ZERO { remaining >= Decimal::ZERO } else { remaining <= Decimal::ZERO }
    });
    let whole = ledger.groups.is_empty() && portions.is_none();
    let mut content = Content { lines, ..header_of(o) };
    if whole {
        // The whole order on one invoice: its payment schedule applies as it is.
        content.schedule = o.schedule.clone();
    }
    let order_totals = o.totals();
    if closes {
        close(order, &order_totals, ledger, content, None)
    } else {
        // A part: the order's discount on its own lines, shipping with the first part.
        if o.discount_amount.is_some() {
            let part = content.totals();
            content.allowances = order_totals
                .vat
                .iter()
                .filter(|b| !b.discount.is_zero() && !b.discount_base.is_zero())
                .filter_map(|b| {
                    let vat = Vat::new(b.rate, Some(b.category)).ok()?;
                    let mine = part.vat.iter().find(|p| p.rate == b.rate && p.category == b.category)?;
                    let amount = o.currency.round(b.discount * mine.discount_base / b.discount_base);
                    Some(VatAmount { vat, amount })
                })
                .collect();
        } else {
            content.discount_percent = o.discount_percent;
        }
        let shipping_billed = ledger.groups.values().any(|g| !g.charges.is_zero());
        if !shipping_billed {
            content.shipping = o.shipping.clone();
        }
        Ok(content)
    }
}

/// Completes `content` (the closing document's lines) so that the family bills the
/// order exactly: shipping and discount left, deposits deducted, VAT corrected.
/// `situation` is the 100 % situation's cumulative percentage, for labels.
fn close(
    order: Order<'_>,
    order_totals: &Totals,
    ledger: &Ledger,
    mut content: Content,
    situation: Option<Decimal>,
) -> Result<Content, DeriveError> {
    let words = Words(order.language);
    let o = order.content;
    let cur = o.currency;
    let zero = cur.round(Decimal::ZERO);
    // Shipping left to bill.
    if let Some(s) = &o.shipping {
        let billed = ledger.groups.get(&s.vat).map_or(zero, |g| g.charges);
        let left = cur.round(s.amount) - billed;
        if !left.is_zero() {
            let label = if billed.is_zero() {
                s.label.clone()
            } else if let Some(c) = situation {
                words.shipping_share(&s.label, c)
            } else {
                words.balance(&s.label)
            };
            content.shipping = Some(DocumentCharge { label, amount: left, vat: s.vat });
        }
    }
    // Deposits not yet deducted, on lines the discount does not touch.
    for d in &ledger.open_deposits {
        content.lines.push(Line {
            kind: LineKind::Deduction,
            source_line_id: Some(d.line_id),
            ..Line::item(words.deduction(&d.number, d.issue_date, d.vat.rate()), -Decimal::ONE, d.base, d.vat)
        });
    }
    // The discount of each rate is what makes the base what the order has left, which
    // is its discount left plus a cent of line rounding when quantities were split.
    content.discount_percent = Decimal::ZERO;
    content.discount_amount = None;
    content.allowances = Vec::new();
    let before = content.totals();
    let mut allowances = Vec::new();
    let mut vats: Vec<Vat> = order_totals.vat.iter().filter_map(|b| Vat::new(b.rate, Some(b.category)).ok()).collect();
    vats.extend(ledger.groups.keys().copied());
    vats.extend(before.vat.iter().filter_map(|b| Vat::new(b.rate, Some(b.category)).ok()));
    vats.sort();
    vats.dedup();
    let of = |t: &Totals, v: Vat| t.vat.iter().find(|b| b.rate == v.rate() && b.category == v.category()).cloned();
    let mut targets = Vec::new();
    for v in &vats {
        let order_b = of(order_totals, *v);
        let billed = ledger.groups.get(v).copied().unwrap_or_default();
        let target_base = order_b.as_ref().map_or(zero, |b| b.base) - billed.base;
        let target_vat = order_b.as_ref().map_or(zero, |b| b.amount) - billed.vat;
        let mine = of(&before, *v);
        let unrounded = mine.as_ref().map_or(zero, |b| b.base) - target_base;
        if !unrounded.is_zero() {
            allowances.push(VatAmount { vat: *v, amount: unrounded });
        }
        targets.push((*v, target_vat));
    }
    content.allowances = allowances;
    let after = content.totals();
    let mut adjustments = Vec::new();
    for (v, target_vat) in targets {
        let computed = of(&after, v).map_or(zero, |b| b.amount);
        let adjustment = target_vat - computed;
        if adjustment.abs() > MAX_VAT_ADJUSTMENT {
            return Err(DeriveError::Inconsistent { amount: adjustment, rate: v.rate() });
        }
        if !adjustment.is_zero() {
            adjustments.push(VatAmount { vat: v, amount: adjustment });
        }
    }
    content.vat_adjustments = adjustments;
    // A plain percent reads better than amounts per rate when it gives the same figures.
    if o.discount_amount.is_none() && !o.discount_percent.is_zero() {
        let mut plain = content.clone();
        plain.allowances = Vec::new();
        plain.discount_percent = o.discount_percent;
        if plain.totals() == content.totals() {
            return Ok(plain);
        }
    } else if let Some(a) = o.discount_amount {
        let mut plain = content.clone();
        plain.allowances = Vec::new();
        plain.discount_amount = Some(a);
        if plain.check().is_ok() && plain.totals() == content.totals() {
            return Ok(plain);
        }
    }
    Ok(content)
}

/// A progress invoice ("situation") at `cumulative` percent of the whole order: each
/// line's increment since the last situation, the same share of the discount and the
/// shipping; the one at 100 % closes the order.
pub fn situation(order: Order<'_>, ledger: &Ledger, cumulative: Decimal) -> Result<Content, DeriveError> {
    if ledger.by_quantities {
        return Err(DeriveError::ByQuantities);
    }
    let words = Words(order.language);
    let o = order.content;
    let cur = o.currency;
    let totals = o.totals();
    let nets: Vec<Decimal> = totals.lines.iter().map(|l| l.net).collect();
    let already: Vec<Decimal> =
        o.items().map(|l| ledger.situation_nets.get(&l.id).copied().unwrap_or_default()).collect();
    let previous = ledger.last_percent;
    // Fix: after the 100 % situation, another at 100 % says the order is settled, or, when a
    // credit note took some of it back, bills what is left again (it was refused as "not forward").
    let amounts = if previous >= Decimal::ONE_HUNDRED && cumulative == Decimal::ONE_HUNDRED {
        let left: Vec<Decimal> = nets.iter().zip(&already).map(|(n, a)| n - a).collect();
        if left.iter().all(Decimal::is_zero) && check_conservation(&totals, ledger).is_ok() {
            return Err(DeriveError::NothingLeft);
        }
        left
    } else {
        progress::situation_amounts(cur, &nets, &already, previous, cumulative)?
    };
    let cumulative = cumulative.normalize();
    let lines: Vec<Line> = o
        .items()
        .zip(amounts)
        .filter(|(_, a)| !a.is_zero())
        .map(|(l, amount)| {
            // A price is never negative (BR-27): what goes back is a negative quantity.
            let quantity = if amount < Decimal::ZERO { -Decimal::ONE } else { Decimal::ONE };
            Line {
                product_id: l.product_id,
                source_line_id: Some(l.id),
                unit: l.unit.clone(),
                nature: Some(l.supplies()),
                ..Line::item(words.progress_line(&l.description, cumulative, previous), quantity, amount.abs(), l.vat)
            }
        })
        .collect();
    let content = Content {
        title: Some(words.progress_title(ledger.situations + 1, order.number, cumulative)),
        progress_percent: Some(cumulative),
        lines,
        ..header_of(o)
    };
    if cumulative == Decimal::ONE_HUNDRED {
        return close(order, &totals, ledger, content, Some(cumulative));
    }
    let mut content = content;
    let share = |whole: Decimal, billed: Decimal| cur.round(whole * cumulative / Decimal::ONE_HUNDRED) - billed;
    let lines = content.totals();
    content.allowances = totals
        .vat
        .iter()
        .filter_map(|b| {
            let vat = Vat::new(b.rate, Some(b.category)).ok()?;
            let billed = ledger.groups.get(&vat).map_or(Decimal::ZERO, |g| g.discount);
            let mut amount = share(b.discount, billed);
            // Fix: the discount's share rounds apart from the lines' shares; past this situation's
            // lines of the rate it made a negative base (a 100 % discount); the next one takes the cent.
            let mine = lines.vat.iter().find(|l| l.rate == b.rate && l.category == b.category);
            if amount > Decimal::ZERO {
                amount = amount.min(mine.map_or(Decimal::ZERO, |l| l.lines_net).max(Decimal::ZERO));
            }
            (!amount.is_zero()).then_some(VatAmount { vat, amount })
        })
        .collect();
    if let Some(s) = &o.shipping {
        let billed = ledger.groups.get(&s.vat).map_or(Decimal::ZERO, |g| g.charges);
        let amount = share(cur.round(s.amount), billed);
        if amount > Decimal::ZERO {
            content.shipping =
                Some(DocumentCharge { label: words.shipping_share(&s.label, cumulative), amount, vat: s.vat });
        }
    }
    if content.lines.is_empty() && content.shipping.is_none() {
        return Err(DeriveError::NothingLeft);
    }
    Ok(content)
}

/// A credit note taking back the whole of an invoice: its lines, discount, shipping and
/// VAT corrections, so that it cancels the invoice exactly.
pub fn credit_whole(invoice: &Content, number: &str, language: Language) -> Content {
    Content {
        issue_date: None,
        valid_until: None,
        note: Some(Words(language).credit_note(number)),
        lines: invoice.lines.iter().map(copy_line).collect(),
        ..invoice.clone()
    }
}

/// A credit note taking back what is left of an invoice after the credit notes already
/// issued on it (`credited`): the whole invoice when there are none; else the invoice's
/// lines (and deposit deductions, and shipping) not yet credited, with what makes each
/// VAT category and rate's base and VAT exactly what is left to credit: the invoice's
/// discount not yet credited, and a line per rate for what was credited otherwise than by
/// line (an amount) or the cents of quantities split.
pub fn credit_left(
    invoice: &Content,
    number: &str,
    credited: &[&Content],
    language: Language,
) -> Result<Content, DeriveError> {
    if credited.is_empty() {
        return Ok(credit_whole(invoice, number, language));
    }
    let words = Words(language);
    let cur = invoice.currency;
    let zero = cur.round(Decimal::ZERO);
    let inv = invoice.totals();
    // Per VAT category and rate: the base, VAT and discount left to credit.
    let mut left: BTreeMap<Vat, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    for b in &inv.vat {
        if let Ok(v) = Vat::new(b.rate, Some(b.category)) {
            let e = left.entry(v).or_default();
            e.0 += b.base;
            e.1 += b.amount;
            e.2 += b.discount;
        }
    }
    for c in credited {
        for b in &c.totals().vat {
            if let Ok(v) = Vat::new(b.rate, Some(b.category)) {
                let e = left.entry(v).or_default();
                e.0 -= b.base;
                e.1 -= b.amount;
                e.2 -= b.discount;
            }
        }
    }
    // Fix: credit the invoice's own lines (pointing at them) for the quantities left, so the
    // ledger gets them and the deposits they deducted back and the order can be billed again;
    // per-rate lines without a source left them billed for ever.
    let mut taken: HashMap<Uuid, Decimal> = HashMap::new();
    for l in credited.iter().flat_map(|c| c.items()) {
        if let Some(s) = l.source_line_id {
            *taken.entry(s).or_default() += l.quantity;
        }
    }
    let mut lines = Vec::new();
    for l in &invoice.lines {
        if !l.is_item() {
            lines.push(copy_line(l));
            continue;
        }
        let quantity = l.quantity - taken.get(&l.id).copied().unwrap_or_default();
        if !quantity.is_zero() && quantity.is_sign_negative() == l.quantity.is_sign_negative() {
            lines.push(Line { quantity, ..copy_line(l) });
        }
    }
    while lines.last().is_some_and(|l| !l.is_item()) {
        lines.pop();
    }
    let shipping = invoice.shipping.as_ref().and_then(|s| {
        let back: Decimal =
            credited.iter().filter_map(|c| c.shipping.as_ref()).filter(|c| c.vat == s.vat).map(|c| c.amount).sum();
        let amount = s.amount - back;
        (amount > Decimal::ZERO).then(|| DocumentCharge { amount, ..s.clone() })
    });
    if !lines.iter().any(Line::is_item) && shipping.is_none() && !left.values().any(|(b, _, _)| *b > Decimal::ZERO) {
        return Err(DeriveError::NothingLeft);
    }
    let mut content = Content { note: Some(words.credit_note(number)), lines, shipping, ..header_of(invoice) };
    content.title = invoice.title.clone();
    let title = words.credit_left(number);
    let of = |t: &Totals, v: Vat| t.vat.iter().find(|b| b.rate == v.rate() && b.category == v.category()).cloned();
    let mut vats: Vec<Vat> = left.keys().copied().collect();
    vats.extend(content.totals().vat.iter().filter_map(|b| Vat::new(b.rate, Some(b.category)).ok()));
    vats.sort();
    vats.dedup();
    // The invoice's discount not yet credited, then a line per rate for what the credit notes
    // took otherwise than by line (an amount) and the cents of quantities split.
    content.allowances = left
        .iter()
        .filter(|(_, (_, _, d))| !d.is_zero())
        .map(|(v, (_, _, d))| VatAmount { vat: *v, amount: *d })
        .collect();
    let before = content.totals();
    for v in &vats {
        let target = left.get(v).map_or(zero, |(b, _, _)| *b);
        let diff = of(&before, *v).map_or(zero, |b| b.base) - target;
        if !diff.is_zero() {
            let d = if vats.len() > 1 { words.rate(&title, v.rate()) } else { title.clone() };
            let quantity = if diff > Decimal::ZERO { -Decimal::ONE } else { Decimal::ONE };
            content.lines.push(Line::item(d, quantity, diff.abs(), *v));
        }
    }
    let after = content.totals();
    let mut adjustments = Vec::new();
    for v in &vats {
        let target = left.get(v).map_or(zero, |(_, vat, _)| *vat);
        // Fix: a rate with no base left may still owe VAT (a correction): compare with 0, not skip it.
        let amount = target - of(&after, *v).map_or(zero, |b| b.amount);
        if amount.abs() > MAX_VAT_ADJUSTMENT {
            return Err(DeriveError::Inconsistent { amount, rate: v.rate() });
        }
        if !amount.is_zero() {
            adjustments.push(VatAmount { vat: *v, amount });
        }
    }
    content.vat_adjustments = adjustments;
    // The invoice's own discount percent reads better when it gives the same figures.
    if invoice.allowances.is_empty() && invoice.discount_amount.is_none() && !invoice.discount_percent.is_zero() {
        let mut plain = content.clone();
        plain.allowances = Vec::new();
        plain.discount_percent = invoice.discount_percent;
        if plain.totals() == content.totals() {
            return Ok(plain);
        }
    }
    Ok(content)
}

/// The comment line heading a delivery note's lines on the monthly invoice.
pub fn delivery_note_heading(number: &str, date: Option<Date>, language: Language) -> Line {
    let zero = Vat::new(Decimal::ZERO, None).unwrap_or_else(|_| unreachable!("0 % is a valid rate"));
    Line {
        kind: LineKind::Comment,
        ..Line::item(Words(language).delivery_note(number, date), Decimal::ZERO, Decimal::ZERO, zero)
    }
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

/// The currency's smallest unit.
pub fn cent(currency: Currency) -> Decimal {
    Decimal::new(1, currency.minor_units())
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

/// The deposit an order's payment schedule asks for next: the deposit instalment
/// following the `asked` deposits already invoiced (credited ones left out), as a
/// percentage of the order's gross.
pub fn scheduled_deposit(order: &Content, asked: usize) -> Option<DepositShare> {
    let schedule = order.schedule.as_ref()?;
    schedule
        .instalments()
        .iter()
        .filter(|i| i.kind == crate::schedule::InstalmentKind::Deposit)
        .nth(asked)
        .map(|i| DepositShare::Percent(i.percent))
}

/// A credit note for an amount including VAT on an invoice (a commercial gesture, a
/// price reduction): split over the invoice's VAT rates in proportion to what is left to
/// credit of each, its gross exactly `amount`; never more than what is left.
pub fn credit_amount(
    invoice: &Content,
    number: &str,
    credited: &[&Content],
    amount: Decimal,
    language: Language,
) -> Result<Content, DeriveError> {
    let left = credit_left(invoice, number, credited, language)?;
    let parts =
        progress::deposit_parts(&left.totals(), DepositShare::Amount(amount), Decimal::ZERO).map_err(|e| match e {
            ProgressError::TooMuch { asked, left } => DeriveError::CreditTooLarge { asked, left },
            ProgressError::NothingToShare => DeriveError::NothingLeft,
            other => DeriveError::Progress(other),
        })?;
    let words = Words(language);
    let title = words.credit_part(number);
    let several = parts.len() > 1;
    Ok(Content {
        note: Some(words.credit_note(number)),
        title: invoice.title.clone(),
        operation: Some(invoice.operation()),
        lines: parts
            .iter()
            .map(|p| {
                let description = if several { words.rate(&title, p.vat.rate()) } else { title.clone() };
                Line::item(description, Decimal::ONE, p.base, p.vat)
            })
            .collect(),
        ..header_of(invoice)
    })
}

//! Documents of every kind (quotes to credit notes): lines, the draft → issued
//! transition, and how payments and credit notes settle an issued invoice.

use crate::message::Message;
use crate::money::Currency;
use crate::product::UnitCode;
use crate::tax::Vat;
use crate::terms::PaymentTerms;
use crate::totals::{self, LineFigures, Totals};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use time::Date;
use uuid::Uuid;

/// Most lines a document may hold; beyond that it is an import, not an invoice.
pub const MAX_LINES: usize = 1000;
/// Longest line description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// Largest document total accepted, in currency units.
pub const MAX_TOTAL: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

pub use crate::kind::DocumentKind;
pub use crate::lifecycle::Status;

/// What a line is: a product or service with amounts, a line of text, or a subtotal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    #[default]
    Item,
    /// Text only; no amounts.
    Comment,
    /// Shows the sum of the item lines since the previous subtotal.
    Subtotal,
    /// A deposit taken back by the final invoice: amounts like an item (a negative
    /// quantity), but outside the document discount.
    Deduction,
}

impl LineKind {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Item => "item",
            LineKind::Comment => "comment",
            LineKind::Subtotal => "subtotal",
            LineKind::Deduction => "deduction",
        }
    }
}

/// One line of a document. Comment and subtotal lines keep zero figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub id: Uuid,
    pub product_id: Option<Uuid>,
    pub description: String,
    pub quantity: Decimal,
    pub unit: UnitCode,
    /// Net unit price, up to 6 decimals, never negative (EN 16931 BR-27).
    pub unit_price: Decimal,
    pub vat: Vat,
    pub discount_percent: Decimal,
    /// The line of the parent document this one was converted from (order line of a
    /// delivery-note line…): how deliveries and invoicing are followed per line.
    pub source_line_id: Option<Uuid>,
    /// Taxes other than VAT, such as the eco-participation.
    pub other_taxes: Vec<crate::totals::OtherTax>,
    /// Cost price of one unit, for margins.
    pub purchase_price: Option<Decimal>,
    /// What the line supplies, from its product or chosen when typed; `None` on lines
    /// written before it was recorded, which are then told by their unit.
    pub nature: Option<Nature>,
}

impl Line {
    /// An item line with no discount, taxes other than VAT, cost or origin.
    pub fn item(description: impl Into<String>, quantity: Decimal, unit_price: Decimal, vat: Vat) -> Line {
        Line {
            kind: LineKind::Item,
            id: Uuid::now_v7(),
            product_id: None,
            description: description.into(),
            quantity,
            unit: UnitCode::default(),
            unit_price,
            vat,
            discount_percent: Decimal::ZERO,
            source_line_id: None,
            other_taxes: Vec::new(),
            purchase_price: None,
            nature: None,
        }
    }

    /// What the line supplies: its recorded nature, otherwise what its unit tells.
    pub fn supplies(&self) -> Nature {
        self.nature.unwrap_or_else(|| Nature::of_unit(&self.unit))
    }

    /// True for a line with amounts: a product or service, or a deposit's deduction.
    pub fn is_item(&self) -> bool {
        matches!(self.kind, LineKind::Item | LineKind::Deduction)
    }

    /// The figures the totals function needs.
    pub fn figures(&self) -> LineFigures {
        LineFigures {
            quantity: self.quantity,
            unit_price: self.unit_price,
            vat: self.vat,
            discount_percent: self.discount_percent,
        }
    }
}

/// The editable content of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub customer_id: Uuid,
    pub currency: Currency,
    /// Chosen issue date; `None` means the day it is issued.
    pub issue_date: Option<Date>,
    pub payment_terms: PaymentTerms,
    pub lines: Vec<Line>,
    /// Document discount in percent of the net, 0 to 100.
    pub discount_percent: Decimal,
    /// The customer's order reference (BT-13), printed.
    pub customer_reference: Option<String>,
    /// Public note printed on the document.
    pub note: Option<String>,
    /// Printed and searched title ("Rénovation éclairage magasin").
    pub title: Option<String>,
    /// Last day a quote can be accepted.
    pub valid_until: Option<Date>,
    /// Planned delivery date of an order or delivery note.
    pub delivery_date: Option<Date>,
    /// Internal note, never printed.
    pub internal_note: Option<String>,
    /// Terms and conditions printed at the end.
    pub terms: Option<String>,
    /// Special conditions of this document, printed before the terms.
    pub special_conditions: Option<String>,
    /// For a progress invoice (situation): the cumulative percentage of completion it states.
    pub progress_percent: Option<Decimal>,
    /// A document discount as an amount on the net, instead of `discount_percent`.
    pub discount_amount: Option<Decimal>,
    /// Shipping costs, with their own VAT.
    pub shipping: Option<crate::totals::DocumentCharge>,
    /// How the gross is to be paid, instalment by instalment.
    pub schedule: Option<crate::schedule::Schedule>,
    /// The billing address printed on the document, taken from the customer when created.
    pub billing_address: Option<crate::party::Address>,
    /// Where the goods go; `None` means the billing address.
    pub delivery_address: Option<crate::party::Address>,
    /// Company-currency units for one unit of the document's currency; required to issue
    /// a document in a foreign currency, and fixed with it.
    pub exchange_rate: Option<Decimal>,
    /// The person the document is addressed to at the customer.
    pub contact: Option<String>,
    /// The salesperson in charge, printed in the references.
    pub salesperson: Option<String>,
    /// How the customer is expected to pay.
    pub payment_mode: Option<crate::schedule::PaymentMode>,
    /// Goods, services or both, when the lines' units cannot tell (see [`Content::operation`]).
    pub operation: Option<Operation>,
    /// The seller and the buyer as they were when the document was issued; `None` on a
    /// draft, which shows the current ones.
    pub parties: Option<crate::company::Parties>,
    /// The document's own VAT exemption mentions (at most one per category), ahead of
    /// the categories' defaults; a new document starts with the company's.
    pub vat_exemptions: Vec<crate::tax::ExemptionReason>,
    /// The document discount already split per VAT category and rate, on a document
    /// derived from an order (it then replaces `discount_percent` and `discount_amount`).
    pub allowances: Vec<totals::VatAmount>,
    /// The VAT corrections of the last document of a family (see `derive`).
    pub vat_adjustments: Vec<totals::VatAmount>,
    /// What the document printed besides its parties, sealed at issue like them (none
    /// on a draft, nor on documents issued before it was sealed).
    pub printed: Option<crate::company::Printed>,
}

/// What a document supplies: goods, services or both. The 2026 French e-invoicing
/// reform makes it a mandatory mention ("nature de l'opération").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Goods,
    Services,
    Mixed,
}

/// What one line or one product supplies: goods or a service. A document of both is
/// [`Operation::Mixed`]; a line never is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    Goods,
    Services,
}

impl Nature {
    pub fn as_str(self) -> &'static str {
        match self {
            Nature::Goods => "goods",
            Nature::Services => "services",
        }
    }

    /// What a unit suggests when nothing else tells: time and service units are
    /// services, everything counted, weighed or measured is goods.
    pub fn of_unit(unit: &UnitCode) -> Nature {
        match unit.code() {
            "SEC" | "MIN" | "HUR" | "DAY" | "WEE" | "MON" | "ANN" | "E48" | "LS" => Nature::Services,
            _ => Nature::Goods,
        }
    }

    /// The nature a line typed by hand gets when it chooses none: the company's main
    /// activity (a company that does both is taken for services, the usual case of a
    /// hand-typed line).
    pub fn of_activity(main_activity: Operation) -> Nature {
        match main_activity {
            Operation::Goods => Nature::Goods,
            Operation::Services | Operation::Mixed => Nature::Services,
        }
    }
}

impl FromStr for Nature {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "goods" => Ok(Nature::Goods),
            "services" => Ok(Nature::Services),
            other => Err(Message::new("nature_goods_services").with("v", format!("{other:?}"))),
        }
    }
}

impl From<Nature> for Operation {
    fn from(n: Nature) -> Operation {
        match n {
            Nature::Goods => Operation::Goods,
            Nature::Services => Operation::Services,
        }
    }
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Goods => "goods",
            Operation::Services => "services",
            Operation::Mixed => "mixed",
        }
    }

    /// What a document of these line natures supplies; goods when there is none.
    pub fn of_lines(natures: impl IntoIterator<Item = Nature>) -> Operation {
        let mut natures = natures.into_iter();
        match natures.next() {
            None => Operation::Goods,
            Some(first) if natures.all(|n| n == first) => first.into(),
            Some(_) => Operation::Mixed,
        }
    }
}

impl FromStr for Operation {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "goods" => Ok(Operation::Goods),
            "services" => Ok(Operation::Services),
            "mixed" => Ok(Operation::Mixed),
            other => Err(Message::new("operation_goods_services_mixed").with("v", format!("{other:?}"))),
        }
    }
}

impl Content {
    /// An empty draft content for a customer: default terms, no lines, no discount,
    /// no optional header field. Fill the rest with struct update syntax.
    pub fn new(customer_id: Uuid, currency: Currency) -> Content {
        Content {
            customer_id,
            currency,
            issue_date: None,
            payment_terms: PaymentTerms::default(),
            lines: Vec::new(),
            discount_percent: Decimal::ZERO,
            customer_reference: None,
            note: None,
            title: None,
            valid_until: None,
            delivery_date: None,
            internal_note: None,
            terms: None,
            special_conditions: None,
            progress_percent: None,
            discount_amount: None,
            shipping: None,
            schedule: None,
            billing_address: None,
            delivery_address: None,
            exchange_rate: None,
            contact: None,
            salesperson: None,
            payment_mode: None,
            operation: None,
            parties: None,
            vat_exemptions: Vec::new(),
            allowances: Vec::new(),
            vat_adjustments: Vec::new(),
            printed: None,
        }
    }

    /// The mention (BT-120, BT-121) printed and sent for a 0 % category: the
    /// document's own, else the category's default in French or English.
    pub fn exemption(&self, category: crate::tax::VatCategory, fr: bool) -> Option<crate::tax::ExemptionMention<'_>> {
        crate::tax::exemption_mention(category, &self.vat_exemptions, fr)
    }

    /// The nature of the operation: as chosen on the document (a deposit or a situation
    /// takes its order's), otherwise what its item lines supply (goods when there is
    /// none). Deduction lines take back a deposit and supply nothing themselves.
    pub fn operation(&self) -> Operation {
        if let Some(op) = self.operation {
            return op;
        }
        Operation::of_lines(self.items().filter(|l| l.kind == LineKind::Item).map(Line::supplies))
    }

    /// The words a document list searches, folded like the directory's (lower case, no
    /// accents): the title, references, contact, salesperson, notes, special conditions and
    /// the text of every line. Not the amounts, dates or codes, and not the general terms,
    /// which are the same boilerplate on every document and would make common words match
    /// them all. The number and the customer's name are searched beside this.
    pub fn search_text(&self) -> String {
        let header = [
            &self.title,
            &self.customer_reference,
            &self.contact,
            &self.salesperson,
            &self.note,
            &self.internal_note,
            &self.special_conditions,
        ];
        let parts = header
            .into_iter()
            .flatten()
            .map(String::as_str)
            .chain(self.lines.iter().map(|l| l.description.as_str()))
            .map(str::trim)
            .filter(|s| !s.is_empty());
        crate::party::fold(&parts.collect::<Vec<_>>().join(" "))
    }

    /// The delivery address, which defaults to the billing address.
    pub fn effective_delivery_address(&self) -> Option<&crate::party::Address> {
        self.delivery_address.as_ref().or(self.billing_address.as_ref())
    }

    /// Everything the totals depend on.
    pub fn figures(&self) -> totals::DocumentFigures {
        totals::DocumentFigures {
            currency: self.currency,
            lines: self
                .lines
                .iter()
                .map(|l| match l.kind {
                    LineKind::Item => totals::DocumentLine::Item(totals::ItemFigures {
                        line: l.figures(),
                        other_taxes: l.other_taxes.clone(),
                    }),
                    LineKind::Deduction => totals::DocumentLine::Deduction(l.figures()),
                    LineKind::Comment => totals::DocumentLine::Comment,
                    LineKind::Subtotal => totals::DocumentLine::Subtotal,
                })
                .collect(),
            discount: match self.discount_amount {
                _ if !self.allowances.is_empty() => totals::DocumentDiscount::PerVat(self.allowances.clone()),
                Some(a) => totals::DocumentDiscount::Amount(a),
                None => totals::DocumentDiscount::Percent(self.discount_percent),
            },
            charges: self.shipping.iter().cloned().collect(),
            vat_adjustments: self.vat_adjustments.clone(),
        }
    }

    /// Checks a document in `company` currency can be issued as to its currency: a
    /// foreign currency needs the exchange rate that will be fixed with it.
    pub fn check_currency(&self, company: Currency) -> Result<(), LifecycleError> {
        if self.currency != company && self.exchange_rate.is_none() {
            return Err(LifecycleError::NoExchangeRate {
                currency: self.currency.code().into(),
                company: company.code().into(),
            });
        }
        Ok(())
    }

    /// Checks the figures can be totalled (a discount within the net, exact charges…).
    pub fn check(&self) -> Result<(), totals::TotalsError> {
        totals::check(&self.figures())
    }

    /// The totals of this content, from the one totals function. `Totals::lines` has
    /// one entry per item line, in order (see [`Content::items`]).
    pub fn totals(&self) -> Totals {
        totals::compute_checked(&self.figures())
    }

    /// The item lines, in the order of `Totals::lines`.
    pub fn items(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.is_item())
    }
}

/// Why a document cannot change state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error(
        "the document is {0}; only a draft can be changed or deleted, correct an issued invoice with a credit note"
    )]
    NotDraft(&'static str),
    #[error("a document without lines cannot be issued")]
    NoLines,
    #[error("the total is negative ({0}); issue a credit note instead")]
    NegativeTotal(Decimal),
    #[error("the total {0} exceeds the largest accepted amount")]
    TooLarge(Decimal),
    #[error("issue date {date} is before {last}, the date of the last issued {kind}: numbers must follow dates")]
    BeforeLastIssued { date: Date, last: Date, kind: &'static str },
    #[error("issue date {date} is in the future")]
    FutureDate { date: Date },
    #[error("the document is {0}: it accepts no payment")]
    NotPayable(&'static str),
    #[error("credit notes would total {credited}, more than the invoice's {gross}")]
    OverCredited { credited: Decimal, gross: Decimal },
    #[error("only an issued invoice can be credited; this one is {0}")]
    NotCreditable(&'static str),
    #[error(transparent)]
    Refused(#[from] crate::lifecycle::Refused),
    #[error("the document is in {currency}, not the company's {company}: set its exchange_rate before issuing")]
    NoExchangeRate { currency: String, company: String },
}

impl LifecycleError {
    /// The message of the catalogue this error reads as.
    pub fn message(&self) -> Message {
        match self {
            LifecycleError::NotDraft(s) => Message::new("document_only_draft_can").with("status", s),
            LifecycleError::NoLines => Message::new("document_without_lines_cannot"),
            LifecycleError::NegativeTotal(t) => Message::new("total_negative_issue_credit").with("total", t),
            LifecycleError::TooLarge(t) => Message::new("total_exceeds_largest_accepted").with("total", t),
            LifecycleError::BeforeLastIssued { date, last, kind } => {
                Message::new("issue_date_before_date").with("date", date).with("last", last).with("kind", kind)
            }
            LifecycleError::FutureDate { date } => Message::new("issue_date_future").with("date", date),
            LifecycleError::NotPayable(s) => Message::new("document_accepts_payment").with("status", s),
            LifecycleError::OverCredited { credited, gross } => {
                Message::new("credit_notes_would_total").with("credited", credited).with("gross", gross)
            }
            LifecycleError::NotCreditable(s) => Message::new("only_issued_invoice_can").with("status", s),
            LifecycleError::Refused(r) => r.message(),
            LifecycleError::NoExchangeRate { currency, company } => {
                Message::new("document_company_set_exchange").with("currency", currency).with("company", company)
            }
        }
    }
}

/// What issuing fixes for ever.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueFacts {
    pub issue_date: Date,
    pub due_date: Date,
}

/// Decides the issue date and due date of a draft, or why it cannot be issued.
/// `last_issued` is the issue date of the last document of the same sequence.
pub fn check_issue(
    kind: DocumentKind,
    content: &Content,
    today: Date,
    last_issued: Option<Date>,
) -> Result<IssueFacts, LifecycleError> {
    if !content.lines.iter().any(Line::is_item) {
        return Err(LifecycleError::NoLines);
    }
    let t = content.totals();
    if t.gross.is_sign_negative() && !t.gross.is_zero() {
        return Err(LifecycleError::NegativeTotal(t.gross));
    }
    if t.gross > MAX_TOTAL {
        return Err(LifecycleError::TooLarge(t.gross));
    }
    let issue_date = content.issue_date.unwrap_or(today);
    if issue_date > today {
        return Err(LifecycleError::FutureDate { date: issue_date });
    }
    if let Some(last) = last_issued
        && issue_date < last
    {
        return Err(LifecycleError::BeforeLastIssued { date: issue_date, last, kind: kind.as_str() });
    }
    Ok(IssueFacts { issue_date, due_date: content.payment_terms.due_date(issue_date) })
}

/// How much of an issued invoice is settled, and by what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub status: Status,
    pub paid: Decimal,
    pub credited: Decimal,
    /// What the customer still owes, never negative.
    pub due: Decimal,
    /// What was received beyond the gross: kept as customer credit.
    pub excess: Decimal,
}

/// Settles an issued invoice of `gross` with payments `paid` and issued credit notes `credited`.
pub fn settle(gross: Decimal, paid: Decimal, credited: Decimal) -> Settlement {
    let settled = paid + credited;
    let due = (gross - settled).max(Decimal::ZERO);
    let excess = (settled - gross).max(Decimal::ZERO).min(paid);
    let status = if !gross.is_zero() && credited >= gross {
        Status::Credited
    } else if settled >= gross {
        Status::Paid
    } else if settled > Decimal::ZERO {
        Status::PartiallyPaid
    } else {
        Status::Issued
    };
    Settlement { status, paid, credited, due, excess }
}

/// Checks a payment can be recorded on a payable document (the caller checks the kind)
/// in `status`, an open invoice, and splits it into what settles the invoice and what
/// becomes customer credit.
pub fn apply_payment(status: Status, due: Decimal, amount: Decimal) -> Result<(Decimal, Decimal), LifecycleError> {
    // Every payable kind takes payments from the same statuses (a lifecycle test says so).
    if !crate::lifecycle::is_open(DocumentKind::Invoice, status) {
        return Err(LifecycleError::NotPayable(status.as_str()));
    }
    let applied = amount.min(due);
    Ok((applied, amount - applied))
}

/// The exact bytes a seal covers: every legally meaningful field of an issued document,
/// in a fixed order. Changing any of them after issue breaks the chain.
#[derive(Serialize)]
pub struct Canonical<'a> {
    pub company_id: Uuid,
    pub id: Uuid,
    pub kind: &'a str,
    pub number: &'a str,
    pub issue_date: String,
    pub due_date: String,
    pub customer_id: Uuid,
    pub currency: &'a str,
    /// The stored content: lines, discount, terms, references, notes.
    pub content: &'a serde_json::Value,
    pub net: String,
    pub vat_total: String,
    pub gross: String,
    pub parent_id: Option<Uuid>,
}

impl Canonical<'_> {
    /// The canonical JSON bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use time::macros::date;

    fn content(lines: Vec<(Decimal, Decimal)>) -> Content {
        Content {
            payment_terms: PaymentTerms::Days(30),
            lines: lines.into_iter().map(|(q, p)| Line::item("x", q, p, Vat::new(dec!(20), None).unwrap())).collect(),
            ..Content::new(Uuid::nil(), Currency::EUR)
        }
    }

    #[test]
    fn the_nature_of_the_operation_is_told_by_the_units_unless_chosen() {
        let vat = Vat::new(dec!(20), None).unwrap();
        let mut c = content(vec![(dec!(1), dec!(100))]);
        assert_eq!(c.operation(), Operation::Goods, "C62 units are goods");
        c.lines[0].unit = "HUR".parse().unwrap();
        assert_eq!(c.operation(), Operation::Services);
        c.lines.push(Line::item("Câble", dec!(2), dec!(5), vat));
        assert_eq!(c.operation(), Operation::Mixed);
        c.operation = Some(Operation::Services);
        assert_eq!(c.operation(), Operation::Services, "a chosen nature wins");
        assert_eq!(content(vec![]).operation(), Operation::Goods);
    }

    #[test]
    fn a_recorded_nature_wins_over_the_unit_and_deductions_supply_nothing() {
        let vat = Vat::new(dec!(20), None).unwrap();
        let mut c = content(vec![(dec!(1), dec!(900))]);
        // A consulting day typed by hand with the default unit (piece): its nature says services.
        c.lines[0].nature = Some(Nature::Services);
        assert_eq!(c.operation(), Operation::Services);
        let mut deduction = Line::item("Acompte F2026-00001", dec!(-1), dec!(300), vat);
        deduction.kind = LineKind::Deduction;
        c.lines.push(deduction);
        assert_eq!(c.operation(), Operation::Services, "taking back a deposit is not a sale of goods");
        c.lines.push(Line { nature: Some(Nature::Goods), ..Line::item("Licence", dec!(1), dec!(50), vat) });
        assert_eq!(c.operation(), Operation::Mixed);
        assert_eq!(Nature::of_activity(Operation::Goods), Nature::Goods);
        assert_eq!(Nature::of_activity(Operation::Mixed), Nature::Services);
        assert_eq!("services".parse::<Nature>(), Ok(Nature::Services));
        assert!("mixed".parse::<Nature>().is_err(), "a line is goods or services, never both");
    }

    #[test]
    fn the_search_text_holds_the_words_people_look_for_and_no_json_or_boilerplate() {
        let vat = Vat::new(dec!(20), None).unwrap();
        let mut c = content(vec![(dec!(1), dec!(100))]);
        c.lines[0].description = "  Câble électrique ".into();
        c.lines.push(Line { kind: LineKind::Comment, ..Line::item("Pose comprise", dec!(0), dec!(0), vat) });
        c.title = Some("Rénovation Éclairage".into());
        c.customer_reference = Some("PO-4471".into());
        c.internal_note = Some("relancer Noël".into());
        c.terms = Some("Pénalités de retard : trois fois le taux légal".into());
        let text = c.search_text();
        for word in ["renovation eclairage", "po-4471", "relancer noel", "cable electrique", "pose comprise"] {
            assert!(text.contains(word), "{word:?} in {text:?}");
        }
        for absent in ["penalites", "quantity", "eur", "100", "c62", "  "] {
            assert!(!text.contains(absent), "{absent:?} must not be in {text:?}");
        }
        assert_eq!(Content::new(Uuid::nil(), Currency::EUR).search_text(), "");
    }

    #[test]
    fn issuing_fixes_dates_and_refuses_bad_drafts() {
        let today = date!(2026 - 11 - 23);
        let c = content(vec![(dec!(1), dec!(100))]);
        let f = check_issue(DocumentKind::Invoice, &c, today, Some(date!(2026 - 11 - 20))).unwrap();
        assert_eq!((f.issue_date, f.due_date), (today, date!(2026 - 12 - 23)));
        assert_eq!(check_issue(DocumentKind::Invoice, &content(vec![]), today, None), Err(LifecycleError::NoLines));
        assert!(matches!(
            check_issue(DocumentKind::Invoice, &content(vec![(dec!(-2), dec!(100))]), today, None),
            Err(LifecycleError::NegativeTotal(_))
        ));
        let mut backdated = c.clone();
        backdated.issue_date = Some(date!(2026 - 11 - 01));
        assert!(matches!(
            check_issue(DocumentKind::Invoice, &backdated, today, Some(date!(2026 - 11 - 20))),
            Err(LifecycleError::BeforeLastIssued { .. })
        ));
        let mut future = c;
        future.issue_date = Some(date!(2026 - 11 - 24));
        assert!(matches!(
            check_issue(DocumentKind::Invoice, &future, today, None),
            Err(LifecycleError::FutureDate { .. })
        ));
    }

    #[test]
    fn settlement_follows_payments_and_credit_notes() {
        assert_eq!(settle(dec!(120), dec!(0), dec!(0)).status, Status::Issued);
        let s = settle(dec!(120), dec!(50), dec!(0));
        assert_eq!((s.status, s.due), (Status::PartiallyPaid, dec!(70)));
        let s = settle(dec!(120), dec!(150), dec!(0));
        assert_eq!((s.status, s.due, s.excess), (Status::Paid, dec!(0), dec!(30)));
        assert_eq!(settle(dec!(120), dec!(0), dec!(120)).status, Status::Credited);
        let s = settle(dec!(120), dec!(100), dec!(20));
        assert_eq!((s.status, s.due), (Status::Paid, dec!(0)));
    }

    #[test]
    fn overpayment_is_split_into_credit() {
        assert_eq!(apply_payment(Status::PartiallyPaid, dec!(70), dec!(100)).unwrap(), (dec!(70), dec!(30)));
        assert!(apply_payment(Status::Draft, dec!(70), dec!(10)).is_err());
        assert!(apply_payment(Status::Paid, dec!(0), dec!(10)).is_err());
    }
}

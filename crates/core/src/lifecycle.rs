//! What may happen to a document of each kind in each status: one table per kind
//! ([`of`]) listing the statuses the kind takes, each action with the statuses it is
//! allowed from, what it makes of the document's status and why it is refused from the
//! others. The API's routes, the web's buttons and list filters, the OpenAPI document
//! and the transitions below ([`accept`], [`refuse`], [`cancel`], [`convert`]) all read
//! these tables; a new action is one row here (and its handler).

use crate::kind::DocumentKind;
use crate::message::Message;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use time::Date;

/// Where a document stands. Which statuses a kind may take is its table's [`Lifecycle::statuses`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    /// A quote sent to the customer, awaiting an answer.
    Sent,
    Accepted,
    Refused,
    /// A sent quote past its validity date.
    Expired,
    /// A quote turned into an order or an invoice.
    Converted,
    /// An order confirmed to the customer.
    Confirmed,
    PartiallyDelivered,
    Delivered,
    /// An order whose invoice is issued.
    Invoiced,
    /// A delivery note validated: the goods left, the stock moved.
    Validated,
    Issued,
    PartiallyPaid,
    Paid,
    /// Fully offset by credit notes.
    Credited,
    Cancelled,
}

impl Status {
    /// All statuses.
    pub const ALL: [Status; 16] = [
        Status::Draft,
        Status::Sent,
        Status::Accepted,
        Status::Refused,
        Status::Expired,
        Status::Converted,
        Status::Confirmed,
        Status::PartiallyDelivered,
        Status::Delivered,
        Status::Invoiced,
        Status::Validated,
        Status::Issued,
        Status::PartiallyPaid,
        Status::Paid,
        Status::Credited,
        Status::Cancelled,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Sent => "sent",
            Status::Accepted => "accepted",
            Status::Refused => "refused",
            Status::Expired => "expired",
            Status::Converted => "converted",
            Status::Confirmed => "confirmed",
            Status::PartiallyDelivered => "partially_delivered",
            Status::Delivered => "delivered",
            Status::Invoiced => "invoiced",
            Status::Validated => "validated",
            Status::Issued => "issued",
            Status::PartiallyPaid => "partially_paid",
            Status::Paid => "paid",
            Status::Credited => "credited",
            Status::Cancelled => "cancelled",
        }
    }

    /// False for a status that is only shown, never stored: a sent quote past its
    /// validity date is stored as sent and shown as expired ([`effective_status`]).
    pub fn is_stored(self) -> bool {
        self != Status::Expired
    }
}

impl FromStr for Status {
    type Err = Message;
    fn from_str(s: &str) -> Result<Self, Message> {
        Status::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            Message::new("not_a_status").with("v", format!("{s:?}")).with("all", all.join(", "))
        })
    }
}

/// Something done to one document, by a user or through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Edit the draft.
    Update,
    /// Give the draft its legal number and seal.
    Issue,
    /// Delete the draft.
    Delete,
    /// The customer accepts the quote.
    Accept,
    /// The customer refuses the quote.
    Refuse,
    /// A new draft of another kind made from this document, linked to it.
    Convert(DocumentKind),
    /// A draft credit note against this invoice.
    CreditNote,
    /// A new, unlinked draft of the same kind with the same content.
    Duplicate,
    /// Cancel an issued document where the law allows it.
    Cancel,
    /// Record a payment received.
    RecordPayment,
    /// A draft deposit invoice on the order.
    DepositInvoice,
    /// A draft progress invoice (situation) on the order.
    ProgressInvoice,
    /// E-mail the document to the customer.
    Send,
}

impl Action {
    /// Every action, conversions into each kind included.
    pub fn all() -> Vec<Action> {
        use Action as A;
        let mut all = vec![A::Update, A::Issue, A::Delete, A::Accept, A::Refuse];
        all.extend(DocumentKind::ALL.map(A::Convert));
        all.extend([A::CreditNote, A::Duplicate, A::Cancel, A::RecordPayment, A::DepositInvoice, A::ProgressInvoice]);
        all.push(A::Send);
        all
    }

    /// The words a refusal ends with: "… cannot be {done}".
    pub fn done(self) -> &'static str {
        match self {
            Action::Update => "changed",
            Action::Issue => "issued",
            Action::Delete => "deleted",
            Action::Accept => "accepted",
            Action::Refuse => "refused",
            Action::Convert(_) => "converted",
            Action::CreditNote => "credited",
            Action::Duplicate => "duplicated",
            Action::Cancel => "cancelled",
            Action::RecordPayment => "paid",
            Action::DepositInvoice => "given a deposit invoice",
            Action::ProgressInvoice => "given a progress invoice",
            Action::Send => "sent",
        }
    }

    /// Why a kind without a row for this action refuses it.
    fn refusal(self) -> Refusal {
        match self {
            Action::Accept | Action::Refuse => Refusal::always("hint_only_sent_quote"),
            Action::Cancel => CANCEL_REFUSAL,
            _ => Refusal::always(""),
        }
    }
}

/// What an action makes of the status of the document it is done to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The document takes this status.
    To(Status),
    /// The status stays as it is (a new document is made from it, it is sent…).
    Unchanged,
    /// The status is worked out again from figures (what is paid) and becomes one of these.
    Derived(&'static [Status]),
    /// The document is gone.
    Deleted,
}

/// Why an action is refused from a status it is not allowed from: the hint that ends
/// the sentence, for some statuses in particular, else `otherwise`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub when: &'static [(Status, &'static str)],
    pub otherwise: &'static str,
}

impl Refusal {
    const fn always(hint: &'static str) -> Refusal {
        Refusal { when: &[], otherwise: hint }
    }

    /// The hint for a refusal from `status`.
    pub fn hint(&self, status: Status) -> &'static str {
        self.when.iter().find(|(s, _)| *s == status).map_or(self.otherwise, |(_, h)| h)
    }
}

/// One row of a kind's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub action: Action,
    /// The statuses the action is allowed from; none: the kind never allows it (the
    /// row then only says why).
    pub from: &'static [Status],
    pub outcome: Outcome,
    pub refusal: Refusal,
}

/// A status a kind takes without an action on the document itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Followed {
    pub status: Status,
    /// What brings it, in words.
    pub by: &'static str,
}

/// The lifecycle of one kind of document.
#[derive(Debug)]
pub struct Lifecycle {
    pub kind: DocumentKind,
    /// Every status a document of the kind may take, in the order lists show them.
    pub statuses: &'static [Status],
    /// Statuses it takes from what happens to other documents, or from time.
    pub followed: &'static [Followed],
    /// A draft can be started from nothing (a credit note is only made from its invoice).
    pub by_hand: bool,
    /// The actions, in the order the document's page offers them.
    pub rules: &'static [Rule],
    /// Why a conversion into a kind without a `Convert` row is refused.
    pub not_converted: &'static str,
}

impl Lifecycle {
    /// The row of `action`, if the kind has one.
    pub fn rule(&self, action: Action) -> Option<&'static Rule> {
        self.rules.iter().find(|r| r.action == action)
    }

    /// Whether the kind offers `action` at all (from some status).
    pub fn offers(&self, action: Action) -> bool {
        self.rule(action).is_some_and(|r| !r.from.is_empty())
    }

    /// Whether the kind converts into some other kind.
    pub fn converts(&self) -> bool {
        self.rules.iter().any(|r| matches!(r.action, Action::Convert(_)) && !r.from.is_empty())
    }

    /// The statuses a list of the kind can be filtered by: those that are stored.
    pub fn stored_statuses(&self) -> impl Iterator<Item = Status> + use<> {
        self.statuses.iter().copied().filter(|s| s.is_stored())
    }

    /// The actions allowed from `status`, in the table's order.
    pub fn allowed(&self, status: Status) -> impl Iterator<Item = &'static Rule> + use<> {
        self.rules.iter().filter(move |r| r.from.contains(&status))
    }
}

use Status as S;

/// Every status but the draft's, of a kind whose statuses are `all` (the draft first).
const fn issued(all: &'static [Status]) -> &'static [Status] {
    all.split_at(1).1
}

const DRAFT: &[Status] = &[S::Draft];
const ISSUE_IT_FIRST: Refusal = Refusal { when: &[(S::Draft, "hint_issue_first")], otherwise: "" };
const CANCEL_REFUSAL: Refusal = Refusal { when: &[(S::Draft, "hint_delete_draft")], otherwise: "" };
const ONLY_A_DRAFT: Refusal = Refusal::always("hint_only_draft");

const fn rule(action: Action, from: &'static [Status], outcome: Outcome, refusal: Refusal) -> Rule {
    Rule { action, from, outcome, refusal }
}
const UPDATE: Rule = rule(Action::Update, DRAFT, Outcome::Unchanged, ONLY_A_DRAFT);
const DELETE: Rule = rule(Action::Delete, DRAFT, Outcome::Deleted, ONLY_A_DRAFT);
const fn issue(to: Status) -> Rule {
    rule(Action::Issue, DRAFT, Outcome::To(to), Refusal::always("hint_already_issued"))
}
const fn duplicate(all: &'static [Status]) -> Rule {
    rule(Action::Duplicate, all, Outcome::Unchanged, Refusal::always(""))
}
const fn send(all: &'static [Status]) -> Rule {
    rule(Action::Send, issued(all), Outcome::Unchanged, ISSUE_IT_FIRST)
}
const fn cancel_from(from: &'static [Status]) -> Rule {
    rule(Action::Cancel, from, Outcome::To(S::Cancelled), CANCEL_REFUSAL)
}
const fn convert_into(to: DocumentKind, from: &'static [Status], outcome: Outcome) -> Rule {
    rule(Action::Convert(to), from, outcome, ISSUE_IT_FIRST)
}
/// Invoices in the legal sense are never cancelled.
const NEVER_CANCELLED: Rule = rule(Action::Cancel, &[], Outcome::Unchanged, Refusal::always("hint_credit_note"));

const QUOTE_ALL: &[Status] = &[S::Draft, S::Sent, S::Accepted, S::Refused, S::Expired, S::Converted, S::Cancelled];
const QUOTE_OPEN: &[Status] = &[S::Sent, S::Accepted];
const QUOTE: Lifecycle = Lifecycle {
    kind: DocumentKind::Quote,
    statuses: QUOTE_ALL,
    followed: &[
        Followed { status: S::Expired, by: "its validity date passing while it is sent (shown, not stored)" },
        Followed { status: S::Accepted, by: "the only document it was converted into being deleted" },
    ],
    by_hand: true,
    rules: &[
        UPDATE,
        issue(S::Sent),
        DELETE,
        rule(
            Action::Accept,
            &[S::Sent],
            Outcome::To(S::Accepted),
            Refusal { when: &[(S::Expired, "hint_extend_validity")], otherwise: "hint_only_sent_quote" },
        ),
        rule(
            Action::Refuse,
            &[S::Sent, S::Accepted, S::Expired],
            Outcome::To(S::Refused),
            Refusal::always("hint_only_sent_quote"),
        ),
        convert_into(DocumentKind::Order, QUOTE_OPEN, Outcome::To(S::Converted)),
        // A pro-forma leaves the quote open.
        convert_into(DocumentKind::Proforma, QUOTE_OPEN, Outcome::Unchanged),
        convert_into(DocumentKind::Invoice, QUOTE_OPEN, Outcome::To(S::Converted)),
        duplicate(QUOTE_ALL),
        cancel_from(&[S::Sent, S::Accepted, S::Expired]),
        send(QUOTE_ALL),
    ],
    not_converted: "hint_quote_targets",
};

const ORDER_ALL: &[Status] = &[S::Draft, S::Confirmed, S::PartiallyDelivered, S::Delivered, S::Invoiced, S::Cancelled];
/// An order that can still be delivered, invoiced and take deposits and situations.
const ORDER_OPEN: &[Status] = &[S::Confirmed, S::PartiallyDelivered, S::Delivered];
const ORDER: Lifecycle = Lifecycle {
    kind: DocumentKind::Order,
    statuses: ORDER_ALL,
    // Orders follow their deliveries and invoices (`order_progress`).
    followed: &[
        Followed { status: S::PartiallyDelivered, by: "a delivery note of part of it being validated" },
        Followed { status: S::Delivered, by: "delivery notes of all of it being validated" },
        Followed { status: S::Invoiced, by: "invoices of all of it being issued (back when they are credited)" },
    ],
    by_hand: true,
    rules: &[
        UPDATE,
        issue(S::Confirmed),
        DELETE,
        convert_into(DocumentKind::DeliveryNote, ORDER_OPEN, Outcome::Unchanged),
        convert_into(DocumentKind::Proforma, ORDER_OPEN, Outcome::Unchanged),
        convert_into(DocumentKind::Invoice, ORDER_OPEN, Outcome::Unchanged),
        duplicate(ORDER_ALL),
        // Only while nothing of it was delivered or invoiced.
        cancel_from(&[S::Confirmed]),
        rule(Action::DepositInvoice, ORDER_OPEN, Outcome::Unchanged, ISSUE_IT_FIRST),
        rule(Action::ProgressInvoice, ORDER_OPEN, Outcome::Unchanged, ISSUE_IT_FIRST),
        send(ORDER_ALL),
    ],
    not_converted: "hint_order_targets",
};

const DELIVERY_NOTE_ALL: &[Status] = &[S::Draft, S::Validated];
const DELIVERY_NOTE: Lifecycle = Lifecycle {
    kind: DocumentKind::DeliveryNote,
    statuses: DELIVERY_NOTE_ALL,
    followed: &[],
    by_hand: true,
    rules: &[
        UPDATE,
        issue(S::Validated),
        DELETE,
        convert_into(DocumentKind::Invoice, &[S::Validated], Outcome::Unchanged),
        duplicate(DELIVERY_NOTE_ALL),
        send(DELIVERY_NOTE_ALL),
    ],
    not_converted: "hint_invoice_target",
};

const PROFORMA_ALL: &[Status] = &[S::Draft, S::Issued, S::Converted, S::Cancelled];
const PROFORMA: Lifecycle = Lifecycle {
    kind: DocumentKind::Proforma,
    statuses: PROFORMA_ALL,
    followed: &[],
    by_hand: true,
    rules: &[
        UPDATE,
        issue(S::Issued),
        DELETE,
        convert_into(DocumentKind::Invoice, &[S::Issued], Outcome::To(S::Converted)),
        duplicate(PROFORMA_ALL),
        cancel_from(&[S::Issued]),
        send(PROFORMA_ALL),
    ],
    not_converted: "hint_invoice_target",
};

const INVOICE_ALL: &[Status] = &[S::Draft, S::Issued, S::PartiallyPaid, S::Paid, S::Credited];
/// An open invoice: issued and not wholly settled.
const INVOICE_OPEN: &[Status] = &[S::Issued, S::PartiallyPaid];
const INVOICE_FOLLOWED: &[Followed] = &[
    Followed { status: S::Credited, by: "issued credit notes covering all of it" },
    Followed { status: S::Issued, by: "its payments being cancelled" },
];
/// The rows an invoice and a deposit invoice share.
const INVOICE_RULES: &[Rule] = &[
    UPDATE,
    issue(S::Issued),
    DELETE,
    rule(Action::CreditNote, &[S::Issued, S::PartiallyPaid, S::Paid], Outcome::Unchanged, ISSUE_IT_FIRST),
    duplicate(INVOICE_ALL),
    NEVER_CANCELLED,
    rule(Action::RecordPayment, INVOICE_OPEN, Outcome::Derived(&[S::PartiallyPaid, S::Paid]), Refusal::always("")),
    send(INVOICE_ALL),
];
const INVOICE: Lifecycle = Lifecycle {
    kind: DocumentKind::Invoice,
    statuses: INVOICE_ALL,
    followed: INVOICE_FOLLOWED,
    by_hand: true,
    rules: INVOICE_RULES,
    not_converted: "hint_credit_invoice",
};
const DEPOSIT_INVOICE: Lifecycle = Lifecycle { kind: DocumentKind::DepositInvoice, ..INVOICE };

const CREDIT_NOTE_ALL: &[Status] = &[S::Draft, S::Issued];
const CREDIT_NOTE: Lifecycle = Lifecycle {
    kind: DocumentKind::CreditNote,
    statuses: CREDIT_NOTE_ALL,
    followed: &[],
    by_hand: false,
    rules: &[UPDATE, issue(S::Issued), DELETE, duplicate(CREDIT_NOTE_ALL), NEVER_CANCELLED, send(CREDIT_NOTE_ALL)],
    not_converted: "hint_credit_invoice",
};

/// The table of a kind.
pub fn of(kind: DocumentKind) -> &'static Lifecycle {
    match kind {
        DocumentKind::Quote => &QUOTE,
        DocumentKind::Order => &ORDER,
        DocumentKind::DeliveryNote => &DELIVERY_NOTE,
        DocumentKind::Proforma => &PROFORMA,
        DocumentKind::Invoice => &INVOICE,
        DocumentKind::DepositInvoice => &DEPOSIT_INVOICE,
        DocumentKind::CreditNote => &CREDIT_NOTE,
    }
}

/// Checks `action` is allowed on a document of `kind` in `status` and says what it
/// does to its status, or why it is refused.
pub fn check(kind: DocumentKind, status: Status, action: Action) -> Result<Outcome, Refused> {
    let table = of(kind);
    match table.rule(action) {
        Some(r) if r.from.contains(&status) => Ok(r.outcome),
        Some(r) => Err(refused(action, kind, status, r.refusal.hint(status))),
        None if matches!(action, Action::Convert(_)) => Err(refused(action, kind, status, table.not_converted)),
        None => Err(refused(action, kind, status, action.refusal().hint(status))),
    }
}

/// Whether `action` is allowed on a document of `kind` in `status`.
pub fn allows(kind: DocumentKind, status: Status, action: Action) -> bool {
    of(kind).rule(action).is_some_and(|r| r.from.contains(&status))
}

/// An open invoice: one that takes payments in this status (issued, partially paid).
pub fn is_open(kind: DocumentKind, status: Status) -> bool {
    allows(kind, status, Action::RecordPayment)
}

impl DocumentKind {
    /// The status a document of this kind takes when issued.
    pub fn issued_status(self) -> Status {
        match of(self).rule(Action::Issue).map(|r| r.outcome) {
            Some(Outcome::To(s)) => s,
            // Every table issues into a status (checked by a test).
            _ => Status::Issued,
        }
    }

    /// Kinds that receive payments.
    pub fn is_payable(self) -> bool {
        of(self).offers(Action::RecordPayment)
    }
}

/// An action the pipeline refuses; it reads "an invoice that is partially paid cannot be …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message().english())]
pub struct Refused {
    pub action: &'static str,
    /// The kind as the API names it (`delivery_note`).
    pub kind: &'static str,
    /// The status as the API names it (`partially_paid`).
    pub status: &'static str,
    /// The code of the hint that ends the sentence (`hint_issue_first`), or empty.
    pub hint: &'static str,
}

impl Refused {
    /// The message of the catalogue this refusal reads as.
    pub fn message(&self) -> Message {
        let code = match self.action {
            "accepted" => "refused_accept",
            "refused" => "refused_refuse",
            "cancelled" => "refused_cancel",
            "converted" => "refused_convert",
            _ => "refused_action",
        };
        let m = Message::new(code)
            .with("kind", with_article(self.kind))
            .with("status", self.status.replace('_', " "))
            .with("action", self.action);
        if self.hint.is_empty() { m } else { m.with_message("hint", Message::new(self.hint)) }
    }
}

/// An API kind name as an English noun with its article: `an invoice`, `a delivery note`.
fn with_article(kind: &str) -> String {
    let noun = match kind {
        "proforma" => "pro-forma invoice".to_string(),
        k => k.replace('_', " "),
    };
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {noun}")
}

fn refused(action: Action, kind: DocumentKind, status: Status, hint: &'static str) -> Refused {
    Refused { action: action.done(), kind: kind.as_str(), status: status.as_str(), hint }
}

/// The status to show: a sent quote past its validity date is expired.
pub fn effective_status(kind: DocumentKind, status: Status, valid_until: Option<Date>, today: Date) -> Status {
    match (kind, status, valid_until) {
        (DocumentKind::Quote, Status::Sent, Some(v)) if v < today => Status::Expired,
        _ => status,
    }
}

/// The status an action of the table takes a document to, or why it is refused.
fn to_status(kind: DocumentKind, status: Status, action: Action) -> Result<Status, Refused> {
    match check(kind, status, action)? {
        Outcome::To(next) => Ok(next),
        // The transitions below all name their status in every table.
        _ => Ok(status),
    }
}

/// The customer accepts a sent quote.
pub fn accept(kind: DocumentKind, status: Status) -> Result<Status, Refused> {
    to_status(kind, status, Action::Accept)
}

/// The customer refuses a sent (or accepted) quote.
pub fn refuse(kind: DocumentKind, status: Status) -> Result<Status, Refused> {
    to_status(kind, status, Action::Refuse)
}

/// Cancels an issued document where the law allows it: never an invoice, a deposit
/// invoice or a credit note (they are corrected by credit notes); an order only while
/// nothing of it was delivered or invoiced.
pub fn cancel(kind: DocumentKind, status: Status) -> Result<Status, Refused> {
    to_status(kind, status, Action::Cancel)
}

/// Checks a conversion `from` → `to` is allowed, and gives the status the source takes
/// once converted (`None`: unchanged; orders follow their deliveries and invoices).
pub fn convert(from: DocumentKind, status: Status, to: DocumentKind) -> Result<Option<Status>, Refused> {
    Ok(match check(from, status, Action::Convert(to))? {
        Outcome::To(next) => Some(next),
        _ => None,
    })
}

/// The status of an order from what was delivered and invoiced of it.
pub fn order_progress(status: Status, delivered_all: bool, delivered_any: bool, invoiced_all: bool) -> Status {
    if matches!(status, Status::Draft | Status::Cancelled) {
        return status;
    }
    if invoiced_all {
        Status::Invoiced
    } else if delivered_all {
        Status::Delivered
    } else if delivered_any {
        Status::PartiallyDelivered
    } else {
        Status::Confirmed
    }
}

/// How a document counts in its family (an order's delivery notes, deposits, invoices
/// and their credit notes): what it delivers, bills or takes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// A draft: it counts only where what is about to be billed is counted too.
    Draft,
    /// Issued (validated, paid…): it counts.
    Issued,
    /// Cancelled, or credited in full: it was issued and no longer counts.
    Withdrawn,
}

impl Standing {
    /// Whether the document was issued, withdrawn since or not: what it billed was billed.
    pub fn was_issued(self) -> bool {
        self != Standing::Draft
    }
}

/// How a document in `status` counts in its family: the one reading of "a draft", "an
/// issued document" and "a withdrawn one" every follow-up of an order (deliveries,
/// invoicing, deposits, credit notes, the conservation rule) goes by.
pub fn standing(status: Status) -> Standing {
    match status {
        Status::Draft => Standing::Draft,
        Status::Cancelled | Status::Credited => Standing::Withdrawn,
        _ => Standing::Issued,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use DocumentKind as K;
    use std::collections::BTreeSet;
    use time::macros::date;

    /// The rules as the law and the pipeline state them, written apart from the tables.
    fn intended(kind: K, s: Status, a: Action) -> bool {
        let invoice = matches!(kind, K::Invoice | K::DepositInvoice);
        let open_order = matches!(s, S::Confirmed | S::PartiallyDelivered | S::Delivered);
        match a {
            A::Update | A::Issue | A::Delete => s == S::Draft,
            A::Duplicate => true,
            A::Send => s != S::Draft,
            A::Accept => kind == K::Quote && s == S::Sent,
            A::Refuse => kind == K::Quote && matches!(s, S::Sent | S::Accepted | S::Expired),
            A::Cancel => match kind {
                K::Quote => matches!(s, S::Sent | S::Accepted | S::Expired),
                K::Order => s == S::Confirmed,
                K::Proforma => s == S::Issued,
                _ => false,
            },
            A::Convert(to) => match (kind, to) {
                (K::Quote, K::Order | K::Invoice | K::Proforma) => matches!(s, S::Sent | S::Accepted),
                (K::Order, K::DeliveryNote | K::Invoice | K::Proforma) => open_order,
                (K::DeliveryNote, K::Invoice) => s == S::Validated,
                (K::Proforma, K::Invoice) => s == S::Issued,
                _ => false,
            },
            A::CreditNote => invoice && matches!(s, S::Issued | S::PartiallyPaid | S::Paid),
            A::RecordPayment => invoice && matches!(s, S::Issued | S::PartiallyPaid),
            A::DepositInvoice | A::ProgressInvoice => kind == K::Order && open_order,
        }
    }

    #[test]
    fn every_kind_status_and_action_follows_the_rules() {
        for kind in K::ALL {
            let table = of(kind);
            assert_eq!(table.kind, kind);
            for status in Status::ALL {
                let taken = table.statuses.contains(&status);
                for action in Action::all() {
                    let expected = taken && intended(kind, status, action);
                    assert_eq!(allows(kind, status, action), expected, "{kind} {status:?} {action:?}");
                    assert_eq!(check(kind, status, action).is_ok(), expected, "{kind} {status:?} {action:?}");
                }
            }
        }
    }

    #[test]
    fn every_status_of_a_kind_is_reached_and_none_other() {
        for kind in K::ALL {
            let table = of(kind);
            let listed: BTreeSet<&str> = table.statuses.iter().map(|s| s.as_str()).collect();
            assert_eq!(listed.len(), table.statuses.len(), "{kind}: a status listed twice");
            assert_eq!(table.statuses.first(), Some(&S::Draft), "{kind}: lists start with the draft");
            let mut reached: BTreeSet<&str> = [S::Draft.as_str()].into();
            reached.extend(table.followed.iter().map(|f| f.status.as_str()));
            loop {
                let next: Vec<&str> = table
                    .rules
                    .iter()
                    .filter(|r| r.from.iter().any(|s| reached.contains(s.as_str())))
                    .flat_map(|r| match r.outcome {
                        Outcome::To(s) => vec![s],
                        Outcome::Derived(all) => all.to_vec(),
                        Outcome::Unchanged | Outcome::Deleted => Vec::new(),
                    })
                    .map(Status::as_str)
                    .filter(|s| !reached.contains(s))
                    .collect();
                if next.is_empty() {
                    break;
                }
                reached.extend(next);
            }
            assert_eq!(reached, listed, "{kind}: the statuses reached are the statuses listed");
            for r in table.rules {
                assert!(
                    r.from.iter().all(|s| table.statuses.contains(s)),
                    "{kind} {:?}: from a status it never takes",
                    r.action
                );
                assert!(
                    r.refusal.when.iter().all(|(s, _)| !r.from.contains(s)),
                    "{kind} {:?}: a hint for an allowed status",
                    r.action
                );
                assert_eq!(
                    table.rules.iter().filter(|o| o.action == r.action).count(),
                    1,
                    "{kind} {:?} twice",
                    r.action
                );
            }
        }
    }

    #[test]
    fn every_kind_is_drafted_issued_duplicated_and_sent() {
        for kind in K::ALL {
            let table = of(kind);
            for a in [A::Update, A::Issue, A::Delete, A::Duplicate, A::Send] {
                assert!(table.offers(a), "{kind} {a:?}");
            }
            assert!(matches!(table.rule(A::Issue).map(|r| r.outcome), Some(Outcome::To(_))), "{kind}");
            assert_eq!(check(kind, S::Draft, A::Issue), Ok(Outcome::To(kind.issued_status())));
            assert_eq!(table.by_hand, kind != K::CreditNote, "{kind}");
        }
        assert_eq!(K::Quote.issued_status(), S::Sent);
        assert_eq!(K::Order.issued_status(), S::Confirmed);
        assert_eq!(K::DeliveryNote.issued_status(), S::Validated);
        assert_eq!(K::CreditNote.issued_status(), S::Issued);
    }

    #[test]
    fn invoices_in_the_legal_sense_are_never_cancelled_nor_converted() {
        for kind in K::ALL.into_iter().filter(|k| k.is_invoice()) {
            assert!(!of(kind).offers(A::Cancel) && !of(kind).converts(), "{kind}");
        }
        // Payments are recorded the same way on every payable kind (`apply_payment` reads one).
        let payable: Vec<K> = K::ALL.into_iter().filter(|k| k.is_payable()).collect();
        assert_eq!(payable, [K::Invoice, K::DepositInvoice]);
        assert_eq!(of(K::Invoice).rules, of(K::DepositInvoice).rules);
        assert!(is_open(K::Invoice, S::PartiallyPaid) && !is_open(K::Invoice, S::Paid));
        assert!(!is_open(K::CreditNote, S::Issued) && !is_open(K::Order, S::Confirmed));
    }

    #[test]
    fn a_list_filters_by_stored_statuses_only() {
        let quote: Vec<Status> = of(K::Quote).stored_statuses().collect();
        assert_eq!(quote, [S::Draft, S::Sent, S::Accepted, S::Refused, S::Converted, S::Cancelled]);
        let note: Vec<Status> = of(K::DeliveryNote).stored_statuses().collect();
        assert_eq!(note, [S::Draft, S::Validated]);
    }

    #[test]
    fn refusals_read_as_english_sentences() {
        assert_eq!(
            cancel(K::Invoice, Status::PartiallyPaid).unwrap_err().to_string(),
            "an invoice that is partially paid cannot be cancelled; an invoice is corrected by a credit note"
        );
        assert!(accept(K::Order, Status::Confirmed).unwrap_err().to_string().starts_with("an order that is confirmed"));
        let delivery = convert(K::DeliveryNote, Status::Delivered, K::Order).unwrap_err().to_string();
        assert!(delivery.starts_with("a delivery note that is delivered cannot be converted"), "{delivery}");
        let proforma = accept(K::Proforma, Status::Sent).unwrap_err().to_string();
        assert!(proforma.starts_with("a pro-forma invoice that is sent"), "{proforma}");
    }

    #[test]
    fn the_refusals_keep_their_hints() {
        let text = |r: Result<Status, Refused>| r.unwrap_err().to_string();
        assert_eq!(
            text(cancel(K::CreditNote, S::Draft)),
            "a credit note that is draft cannot be cancelled; an invoice is corrected by a credit note"
        );
        assert_eq!(
            text(cancel(K::DeliveryNote, S::Draft)),
            "a delivery note that is draft cannot be cancelled; delete the draft instead"
        );
        assert_eq!(
            text(cancel(K::DeliveryNote, S::Validated)),
            "a delivery note that is validated cannot be cancelled"
        );
        assert_eq!(text(cancel(K::Order, S::Delivered)), "an order that is delivered cannot be cancelled");
        assert_eq!(
            text(refuse(K::Invoice, S::Issued)),
            "an invoice that is issued cannot be refused; only a sent quote can"
        );
        assert_eq!(
            text(accept(K::Quote, S::Expired)),
            "a quote that is expired cannot be accepted; extend its validity date with a new quote"
        );
        let conv = |from, s, to| convert(from, s, to).unwrap_err().to_string();
        assert_eq!(
            conv(K::Quote, S::Sent, K::DeliveryNote),
            "a quote that is sent cannot be converted into this kind; a quote becomes an order, an invoice or a pro-forma"
        );
        assert_eq!(
            conv(K::Order, S::Draft, K::Quote),
            "an order that is draft cannot be converted into this kind; an order becomes delivery notes, an invoice or a pro-forma"
        );
        assert_eq!(
            conv(K::Proforma, S::Draft, K::Invoice),
            "a pro-forma invoice that is draft cannot be converted; issue it first"
        );
        assert_eq!(
            conv(K::DeliveryNote, S::Draft, K::Order),
            "a delivery note that is draft cannot be converted into this kind; it becomes an invoice"
        );
        assert_eq!(
            conv(K::Invoice, S::Issued, K::Invoice),
            "an invoice that is issued cannot be converted; credit an invoice instead"
        );
        assert_eq!(conv(K::Order, S::Invoiced, K::Invoice), "an order that is invoiced cannot be converted");
        let deposit = check(K::Order, S::Draft, A::DepositInvoice).unwrap_err().to_string();
        assert_eq!(deposit, "an order that is draft cannot be given a deposit invoice; issue it first");
    }

    #[test]
    fn a_quote_is_accepted_or_refused_once_sent() {
        assert_eq!(accept(K::Quote, Status::Sent), Ok(Status::Accepted));
        assert!(accept(K::Quote, Status::Draft).is_err());
        assert!(accept(K::Quote, Status::Refused).is_err());
        assert!(accept(K::Quote, Status::Expired).unwrap_err().to_string().contains("validity"));
        assert!(accept(K::Order, Status::Confirmed).is_err());
        assert_eq!(refuse(K::Quote, Status::Accepted), Ok(Status::Refused));
        assert!(refuse(K::Quote, Status::Converted).is_err());
    }

    #[test]
    fn a_sent_quote_expires_after_its_validity_date() {
        let today = date!(2026 - 11 - 23);
        assert_eq!(effective_status(K::Quote, Status::Sent, Some(date!(2026 - 11 - 22)), today), Status::Expired);
        assert_eq!(effective_status(K::Quote, Status::Sent, Some(today), today), Status::Sent);
        assert_eq!(effective_status(K::Quote, Status::Accepted, Some(date!(2026 - 01 - 01)), today), Status::Accepted);
        assert_eq!(
            effective_status(K::Order, Status::Confirmed, Some(date!(2026 - 01 - 01)), today),
            Status::Confirmed
        );
    }

    #[test]
    fn invoices_are_never_cancelled() {
        for k in [K::Invoice, K::DepositInvoice, K::CreditNote] {
            let e = cancel(k, Status::Issued).unwrap_err();
            assert!(e.to_string().contains("credit note"), "{e}");
        }
        assert_eq!(cancel(K::Quote, Status::Sent), Ok(Status::Cancelled));
        assert_eq!(cancel(K::Order, Status::Confirmed), Ok(Status::Cancelled));
        assert!(cancel(K::Order, Status::PartiallyDelivered).is_err());
        assert!(cancel(K::Quote, Status::Draft).unwrap_err().to_string().contains("delete"));
    }

    #[test]
    fn conversions_follow_the_pipeline() {
        assert_eq!(convert(K::Quote, Status::Accepted, K::Order), Ok(Some(Status::Converted)));
        assert_eq!(convert(K::Quote, Status::Sent, K::Invoice), Ok(Some(Status::Converted)));
        assert_eq!(convert(K::Quote, Status::Sent, K::Proforma), Ok(None));
        assert_eq!(convert(K::Proforma, Status::Issued, K::Invoice), Ok(Some(Status::Converted)));
        assert_eq!(convert(K::Order, Status::Confirmed, K::DeliveryNote), Ok(None));
        assert_eq!(convert(K::Order, Status::PartiallyDelivered, K::Invoice), Ok(None));
        assert_eq!(convert(K::DeliveryNote, Status::Validated, K::Invoice), Ok(None));
        assert!(convert(K::Quote, Status::Draft, K::Order).unwrap_err().to_string().contains("issue it first"));
        assert!(convert(K::Quote, Status::Refused, K::Order).is_err());
        assert!(convert(K::Quote, Status::Converted, K::Order).is_err());
        assert!(convert(K::Quote, Status::Accepted, K::DeliveryNote).is_err());
        assert!(convert(K::Invoice, Status::Issued, K::Order).is_err());
        assert!(convert(K::Order, Status::Invoiced, K::Invoice).is_err());
    }

    #[test]
    fn a_document_counts_in_its_family_once_issued_until_withdrawn() {
        assert_eq!(standing(S::Draft), Standing::Draft);
        for s in [S::Cancelled, S::Credited] {
            assert_eq!(standing(s), Standing::Withdrawn);
        }
        for s in [S::Confirmed, S::Validated, S::Issued, S::PartiallyPaid, S::Paid, S::Invoiced] {
            assert_eq!(standing(s), Standing::Issued);
        }
        assert!(!Standing::Draft.was_issued());
        assert!(Standing::Withdrawn.was_issued() && Standing::Issued.was_issued());
        // An open invoice counts.
        for kind in K::ALL {
            for s in Status::ALL.into_iter().filter(|s| is_open(kind, *s)) {
                assert_eq!(standing(s), Standing::Issued, "{kind:?} {s:?}");
            }
        }
    }

    #[test]
    fn an_order_follows_its_deliveries_and_invoices() {
        assert_eq!(order_progress(Status::Confirmed, false, true, false), Status::PartiallyDelivered);
        assert_eq!(order_progress(Status::PartiallyDelivered, true, true, false), Status::Delivered);
        assert_eq!(order_progress(Status::Delivered, true, true, true), Status::Invoiced);
        assert_eq!(order_progress(Status::Confirmed, false, false, true), Status::Invoiced);
        assert_eq!(order_progress(Status::Cancelled, false, false, false), Status::Cancelled);
    }
}

//! The sales pipeline in the store: state changes (accept, refuse, cancel),
//! conversions with the links they record, duplicates, and orders kept in step with
//! their delivery notes and invoices. The rules themselves live in `core::lifecycle`.

use crate::documents::draft::insert_draft_in;
use crate::documents::record::{DocumentRecord, event, lock_document, read_in, set_status};
use crate::family::{self, children, parents};
use crate::{Result, Store, StoreError, Tx, now, on_conn};
use facturier_core::Decimal;
use facturier_core::derive;
use facturier_core::document::{Content, DocumentKind, LifecycleError, Line, LineKind, Status};
use facturier_core::lifecycle::{self, Action, Refused, Standing, standing};
use facturier_core::message::Message;
use facturier_core::party::{Customer, InvoiceGrouping};
use facturier_core::progress::DepositShare;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// A state change decided by `core::lifecycle` (accept, refuse, cancel).
pub type Transition = fn(DocumentKind, Status) -> std::result::Result<Status, Refused>;

/// A document of another's family.
#[derive(Clone, Debug)]
pub struct FamilyMember {
    pub kind: DocumentKind,
    pub id: Uuid,
    pub number: Option<String>,
    pub status: Status,
}

/// What a monthly run did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DeliveryRun {
    /// The draft invoices created.
    pub created: Vec<Uuid>,
    /// The delivery notes they invoice.
    pub delivery_notes: Vec<Uuid>,
}

/// What a credit note takes back of its invoice.
#[derive(Clone, Debug)]
pub enum CreditOf {
    /// What is left of the invoice: the whole of it when nothing was credited yet.
    Left,
    /// These lines, on the invoice's terms.
    Lines(Vec<Line>),
    /// An amount including VAT, split over the invoice's rates.
    Amount(Decimal),
}

/// One line of a partial delivery: which order line, how much.
#[derive(Clone, Copy, Debug)]
pub struct Portion {
    pub line_id: Uuid,
    pub quantity: Decimal,
}

async fn link(tx: &mut Tx, company_id: Uuid, parent: Uuid, child: Uuid, relation: &str) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query(
            "INSERT INTO document_links (company_id, parent_id, child_id, relation, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(company_id)
        .bind(parent)
        .bind(child)
        .bind(relation)
        .bind(now())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// What a delivery note delivered of each line of its order.
fn delivered(note: &DocumentRecord, order: &DocumentRecord) -> HashMap<Uuid, Decimal> {
    let mut out: HashMap<Uuid, Decimal> = HashMap::new();
    for l in note.content.items() {
        if let Some(src) = l.source_line_id.filter(|s| order.content.lines.iter().any(|o| o.id == *s)) {
            *out.entry(src).or_default() += l.quantity;
        }
    }
    out
}

/// A selection of an order's lines, checked: known lines, quantities above zero.
fn selection(order: &DocumentRecord, portions: &[Portion]) -> Result<HashMap<Uuid, Decimal>> {
    let mut out: HashMap<Uuid, Decimal> = HashMap::new();
    for (i, p) in portions.iter().enumerate() {
        let field = |f: &str| format!("lines[{i}].{f}");
        if !order.content.items().any(|l| l.id == p.line_id) {
            return Err(StoreError::Invalid { field: field("line_id"), message: Message::new("no_such_order_line") });
        }
        if p.quantity <= Decimal::ZERO {
            return Err(StoreError::Invalid { field: field("quantity"), message: Message::new("not_positive") });
        }
        *out.entry(p.line_id).or_default() += p.quantity;
    }
    Ok(out)
}

/// Refuses to credit a deposit invoice a final invoice has deducted.
pub(crate) async fn check_not_deducted(tx: &mut Tx, company_id: Uuid, doc: &DocumentRecord) -> Result<()> {
    if doc.kind != DocumentKind::DepositInvoice {
        return Ok(());
    }
    let Some(order_id) = family::parent_order(tx, company_id, doc.id).await? else { return Ok(()) };
    let order = read_in(tx, company_id, order_id).await?;
    let ledger = family::load(tx, company_id, order_id).await?.ledger(&order);
    if ledger.deducted(&doc.content, doc.id) {
        return Err(StoreError::Conflict(Message::new("deposit_deducted_order_final")));
    }
    Ok(())
}

/// The deposits whose lines a derived document deducts.
fn deducted_by(content: &Content, ledger: &derive::Ledger) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ledger
        .open_deposits
        .iter()
        .filter(|d| content.lines.iter().any(|l| l.kind == LineKind::Deduction && l.source_line_id == Some(d.line_id)))
        .map(|d| d.deposit_id)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The content of an invoice billing `portions` of an order (all that is left by
/// default), and the deposits it deducts.
async fn bill_by_quantities(
    tx: &mut Tx,
    company_id: Uuid,
    order: &DocumentRecord,
    portions: Option<&HashMap<Uuid, Decimal>>,
    clamp: bool,
) -> Result<(Content, Vec<Uuid>)> {
    let family = family::load(tx, company_id, order.id).await?;
    let ledger = family.ledger(order);
    // The monthly run bills what its notes delivered and the order has left: an order
    // invoiced by hand meanwhile is not billed twice.
    let clamped: Option<HashMap<Uuid, Decimal>> = portions.filter(|_| clamp).map(|p| {
        order
            .content
            .items()
            .filter_map(|l| Some((l.id, *p.get(&l.id)?.min(&ledger.quantity_left(l)))))
            .filter(|(_, q)| *q > Decimal::ZERO)
            .collect()
    });
    let portions = clamped.as_ref().or(portions);
    let language = family::language(tx, company_id, order.content.customer_id).await?;
    let number = order.number.clone().unwrap_or_default();
    let content = derive::invoice_by_quantities(
        derive::Order { number: &number, content: &order.content, language },
        &ledger,
        portions,
    )
    .map_err(|e| family::refused(e, "lines"))?;
    let deducted = deducted_by(&content, &ledger);
    Ok((content, deducted))
}

/// An order, locked, that its table allows `action` on (a deposit or a situation: an
/// order still open), else the table's refusal.
async fn open_order(tx: &mut Tx, company_id: Uuid, order_id: Uuid, action: Action) -> Result<DocumentRecord> {
    let order = lock_document(tx, company_id, order_id, Some(DocumentKind::Order)).await?;
    lifecycle::check(DocumentKind::Order, order.status, action).map_err(LifecycleError::from)?;
    Ok(order)
}

/// Quantities of an order's lines taken by its delivery notes and invoices.
#[derive(Default, Debug)]
struct OrderFollowUp {
    /// Delivered by validated delivery notes.
    delivered: HashMap<Uuid, Decimal>,
    /// On delivery notes, drafts included: what may still be put on a new one.
    on_delivery_notes: HashMap<Uuid, Decimal>,
    /// Invoiced by issued invoices.
    invoiced: HashMap<Uuid, Decimal>,
    /// On invoices, drafts included.
    on_invoices: HashMap<Uuid, Decimal>,
    /// An issued progress invoice at 100 % exists: the order is wholly invoiced.
    progress_complete: bool,
    /// Progress invoices exist (drafts included): the order is invoiced by situations.
    by_situations: bool,
}

async fn follow_up(tx: &mut Tx, company_id: Uuid, order_id: Uuid) -> Result<OrderFollowUp> {
    let mut f = OrderFollowUp::default();
    // Invoice lines point at order lines directly, or at delivery-note lines that point at them.
    let mut via_delivery: HashMap<Uuid, Uuid> = HashMap::new();
    let mut invoices = Vec::new();
    for (child, kind) in children(tx, company_id, order_id).await? {
        match kind {
            DocumentKind::DeliveryNote => {
                let bl = read_in(tx, company_id, child).await?;
                if standing(bl.status) == Standing::Withdrawn {
                    continue;
                }
                for l in &bl.content.lines {
                    if let Some(src) = l.source_line_id {
                        via_delivery.insert(l.id, src);
                        *f.on_delivery_notes.entry(src).or_default() += l.quantity;
                        if standing(bl.status).was_issued() {
                            *f.delivered.entry(src).or_default() += l.quantity;
                        }
                    }
                }
                for (grandchild, gk) in children(tx, company_id, child).await? {
                    if gk == DocumentKind::Invoice {
                        invoices.push(grandchild);
                    }
                }
            }
            DocumentKind::Invoice => invoices.push(child),
            _ => {}
        }
    }
    invoices.sort();
    invoices.dedup();
    for inv_id in invoices {
        let inv = read_in(tx, company_id, inv_id).await?;
        // Situations are followed in percent, not in quantities.
        if let Some(p) = inv.content.progress_percent {
            f.by_situations = true;
            f.progress_complete |= p == Decimal::ONE_HUNDRED && standing(inv.status) == Standing::Issued;
            continue;
        }
        for l in &inv.content.lines {
            let Some(src) = l.source_line_id else { continue };
            let order_line = via_delivery.get(&src).copied().unwrap_or(src);
            *f.on_invoices.entry(order_line).or_default() += l.quantity;
            if standing(inv.status).was_issued() {
                *f.invoiced.entry(order_line).or_default() += l.quantity;
            }
        }
    }
    Ok(f)
}

/// Recomputes an order's status from what was delivered and invoiced of it.
async fn refresh_order(tx: &mut Tx, company_id: Uuid, order_id: Uuid) -> Result<()> {
    let order = lock_document(tx, company_id, order_id, Some(DocumentKind::Order)).await?;
    let f = follow_up(tx, company_id, order_id).await?;
    let lines: Vec<&Line> = order.content.lines.iter().filter(|l| l.quantity > Decimal::ZERO).collect();
    let got = |m: &HashMap<Uuid, Decimal>, l: &Line| m.get(&l.id).copied().unwrap_or_default();
    let delivered_all = !lines.is_empty() && lines.iter().all(|l| got(&f.delivered, l) >= l.quantity);
    let delivered_any = lines.iter().any(|l| got(&f.delivered, l) > Decimal::ZERO);
    let invoiced_all =
        f.progress_complete || (!lines.is_empty() && lines.iter().all(|l| got(&f.invoiced, l) >= l.quantity));
    let next = lifecycle::order_progress(order.status, delivered_all, delivered_any, invoiced_all);
    if next != order.status {
        set_status(tx, company_id, order_id, next).await?;
        event(tx, company_id, order_id, next.as_str(), serde_json::json!({})).await?;
    }
    Ok(())
}

/// After a document is issued: orders follow their delivery notes and invoices.
pub(crate) async fn after_issue(tx: &mut Tx, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<()> {
    if !matches!(kind, DocumentKind::DeliveryNote | DocumentKind::Invoice | DocumentKind::DepositInvoice) {
        return Ok(());
    }
    let mut orders = Vec::new();
    for (parent, pk) in parents(tx, company_id, id).await? {
        match pk {
            DocumentKind::Order => orders.push(parent),
            DocumentKind::DeliveryNote => {
                for (grand, gk) in parents(tx, company_id, parent).await? {
                    if gk == DocumentKind::Order {
                        orders.push(grand);
                    }
                }
            }
            _ => {}
        }
    }
    orders.sort();
    orders.dedup();
    for order in orders {
        if kind != DocumentKind::DeliveryNote {
            enforce_conservation(tx, company_id, order).await?;
        }
        if kind != DocumentKind::DepositInvoice {
            refresh_order(tx, company_id, order).await?;
        }
    }
    Ok(())
}

/// The conservation rule, enforced when an invoice or a deposit of an order is issued:
/// the issued documents never bill a line beyond the order, nor more than the order in
/// any VAT rate, and once they bill all of it they bill it exactly (see `core::derive`).
/// A draft edited by hand or made before another document of the family was issued is
/// refused here, in the issuing transaction, instead of billing twice.
async fn enforce_conservation(tx: &mut Tx, company_id: Uuid, order_id: Uuid) -> Result<()> {
    let order = lock_document(tx, company_id, order_id, Some(DocumentKind::Order)).await?;
    let mut family = family::load(tx, company_id, order_id).await?;
    family.docs.retain(|(_, d)| standing(d.status).was_issued());
    let ledger = family.ledger(&order);
    derive::check_billing(&order.content, &ledger).map_err(|e| StoreError::Conflict(e.message()))
}

/// Whether the company lets its stock go below zero (its settings, read in `tx`).
pub(crate) async fn allow_negative_stock(tx: &mut Tx, company_id: Uuid) -> Result<bool> {
    let (settings,): (String,) = on_conn!(tx, |c| {
        sqlx::query_as("SELECT settings FROM companies WHERE id = $1").bind(company_id).fetch_one(c).await?
    });
    Ok(serde_json::from_str::<crate::companies::CompanySettings>(&settings).is_ok_and(|s| s.allow_negative_stock))
}

/// A validated delivery note takes its products out of stock (tracked products only),
/// never below zero unless the company allows it, and records each movement.
pub(crate) async fn take_out_of_stock(tx: &mut Tx, company_id: Uuid, note: &DocumentRecord) -> Result<()> {
    let mut per_product: std::collections::BTreeMap<Uuid, Decimal> = Default::default();
    for l in &note.content.lines {
        if let Some(p) = l.product_id {
            *per_product.entry(p).or_default() += l.quantity;
        }
    }
    if per_product.is_empty() {
        return Ok(());
    }
    let allow_negative = allow_negative_stock(tx, company_id).await?;
    // Products are locked in id order, so concurrent deliveries cannot deadlock.
    for (product_id, quantity) in per_product {
        crate::products::move_stock(tx, company_id, product_id, -quantity, Some(note.id), "delivery", allow_negative)
            .await?;
    }
    Ok(())
}

/// A copy of `content` whose lines are new, each pointing at the line it came from.
fn derived(content: &Content, link_lines: bool) -> Content {
    let mut c = content.clone();
    c.issue_date = None;
    for l in &mut c.lines {
        l.source_line_id = link_lines.then_some(l.id);
        l.id = Uuid::now_v7();
    }
    c
}

impl Store {
    /// Applies an accept / refuse / cancel transition to an issued document.
    pub async fn transition(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        id: Uuid,
        name: &str,
        action: Transition,
        today: Date,
    ) -> Result<DocumentRecord> {
        let mut tx = self.begin().await?;
        let doc = lock_document(&mut tx, company_id, id, Some(kind)).await?;
        let current = lifecycle::effective_status(kind, doc.status, doc.content.valid_until, today);
        let next = action(kind, current).map_err(LifecycleError::from)?;
        set_status(&mut tx, company_id, id, next).await?;
        event(&mut tx, company_id, id, name, serde_json::json!({"from": current.as_str(), "to": next.as_str()}))
            .await?;
        tx.commit().await?;
        self.document(company_id, kind, id).await
    }

    /// Converts an issued document into a new draft of another kind, linked both ways.
    /// A delivery note takes `portions` of the order's lines (by default all that is
    /// left to deliver); an invoice from an order takes what is left to invoice.
    pub async fn convert(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        id: Uuid,
        to: DocumentKind,
        portions: Option<&[Portion]>,
        today: Date,
    ) -> Result<DocumentRecord> {
        let mut tx = self.begin().await?;
        let source = lock_document(&mut tx, company_id, id, Some(kind)).await?;
        let current = lifecycle::effective_status(kind, source.status, source.content.valid_until, today);
        let source_next = lifecycle::convert(kind, current, to).map_err(LifecycleError::from)?;
        let mut content = derived(&source.content, true);
        if to != DocumentKind::Quote {
            content.valid_until = None;
        }
        let mut deducted = Vec::new();
        if portions.is_some() && kind != DocumentKind::Order {
            return Err(StoreError::Invalid {
                field: "lines".into(),
                message: Message::new("only_delivery_note_invoice"),
            });
        }
        if kind == DocumentKind::Order && to == DocumentKind::DeliveryNote {
            let f = follow_up(&mut tx, company_id, id).await?;
            let asked = portions.map(|p| selection(&source, p)).transpose()?;
            content =
                derive::delivery_note(&source.content, &f.on_delivery_notes, asked.as_ref()).map_err(|e| match e {
                    derive::DeriveError::TooMuchToDeliver { line, .. } => {
                        let i = portions.and_then(|p| p.iter().position(|p| p.line_id == line)).unwrap_or_default();
                        StoreError::Invalid { field: format!("lines[{i}].quantity"), message: e.message() }
                    }
                    other => family::refused(other, "lines"),
                })?;
        }
        // An invoice from an order or from one of its delivery notes bills its part of the
        // order: `core::derive` decides the lines, discount, shipping, deductions and VAT.
        let order_id = match (kind, to) {
            (DocumentKind::Order, DocumentKind::Invoice) => Some(id),
            (DocumentKind::DeliveryNote, DocumentKind::Invoice) => {
                family::parent_order(&mut tx, company_id, id).await?
            }
            _ => None,
        };
        if let Some(order_id) = order_id {
            let order = if order_id == id {
                source.clone()
            } else {
                lock_document(&mut tx, company_id, order_id, None).await?
            };
            let portions = match portions {
                _ if kind == DocumentKind::DeliveryNote => Some(delivered(&source, &order)),
                Some(p) => Some(selection(&order, p)?),
                None => None,
            };
            let (derived, deposits) = bill_by_quantities(&mut tx, company_id, &order, portions.as_ref(), false).await?;
            content = Content { delivery_date: content.delivery_date, ..derived };
            deducted = deposits;
        }
        let new_id = insert_draft_in(&mut tx, company_id, to, &content, Some((id, "converted")), None).await?;
        for dep_id in deducted {
            link(&mut tx, company_id, dep_id, new_id, "deduction").await?;
        }
        if let Some(next) = source_next {
            set_status(&mut tx, company_id, id, next).await?;
        }
        event(&mut tx, company_id, id, "converted", serde_json::json!({"to": to.as_str(), "id": new_id})).await?;
        tx.commit().await?;
        self.document(company_id, to, new_id).await
    }

    /// A draft deposit invoice on an order: a share of it, split by VAT rate. The
    /// order's final invoice deducts it.
    pub async fn deposit_invoice(
        &self,
        company_id: Uuid,
        order_id: Uuid,
        share: Option<DepositShare>,
    ) -> Result<DocumentRecord> {
        let mut tx = self.begin().await?;
        let order = open_order(&mut tx, company_id, order_id, Action::DepositInvoice).await?;
        // What the family bills already (issued deposits, invoices drafts included, less
        // credit notes), and the deposits still in draft, which will bill too.
        let ledger = family::load(&mut tx, company_id, order_id).await?.ledger(&order);
        let mut already: Decimal = ledger.groups.values().map(|g| g.base + g.vat).sum();
        let mut asked = 0;
        for (child, kind) in children(&mut tx, company_id, order_id).await? {
            if kind == DocumentKind::DepositInvoice {
                let dep = read_in(&mut tx, company_id, child).await?;
                if standing(dep.status) != Standing::Withdrawn {
                    asked += 1;
                }
                if standing(dep.status) == Standing::Draft {
                    already += dep.content.totals().gross;
                }
            }
        }
        let share =
            share.or_else(|| derive::scheduled_deposit(&order.content, asked)).ok_or_else(|| StoreError::Invalid {
                field: "percent".into(),
                message: Message::new("give_either_percent_amount_including"),
            })?;
        let field = if matches!(share, DepositShare::Percent(_)) { "percent" } else { "amount" };
        let language = family::language(&mut tx, company_id, order.content.customer_id).await?;
        let number = order.number.clone().unwrap_or_default();
        let content =
            derive::deposit(derive::Order { number: &number, content: &order.content, language }, share, already)
                .map_err(|e| family::refused(e, field))?;
        let id = insert_draft_in(
            &mut tx,
            company_id,
            DocumentKind::DepositInvoice,
            &content,
            Some((order_id, "deposit")),
            None,
        )
        .await?;
        event(&mut tx, company_id, order_id, "deposit_invoice", serde_json::json!({"id": id})).await?;
        tx.commit().await?;
        self.document(company_id, DocumentKind::DepositInvoice, id).await
    }

    /// A draft progress invoice (situation) on an order at a cumulative percentage of
    /// completion: each line invoices the increment since the previous situations, net
    /// of the credit notes issued on them; at 100 % it invoices exactly what is left.
    pub async fn progress_invoice(
        &self,
        company_id: Uuid,
        order_id: Uuid,
        cumulative: Decimal,
    ) -> Result<DocumentRecord> {
        let mut tx = self.begin().await?;
        let order = open_order(&mut tx, company_id, order_id, Action::ProgressInvoice).await?;
        let family = family::load(&mut tx, company_id, order_id).await?;
        let ledger = family.ledger(&order);
        let language = family::language(&mut tx, company_id, order.content.customer_id).await?;
        let number = order.number.clone().unwrap_or_default();
        let content = derive::situation(
            derive::Order { number: &number, content: &order.content, language },
            &ledger,
            cumulative,
        )
        .map_err(|e| family::refused(e, "cumulative_percent"))?;
        let cumulative = cumulative.normalize();
        let deducted = deducted_by(&content, &ledger);
        let id =
            insert_draft_in(&mut tx, company_id, DocumentKind::Invoice, &content, Some((order_id, "progress")), None)
                .await?;
        for dep_id in deducted {
            link(&mut tx, company_id, dep_id, id, "deduction").await?;
        }
        event(
            &mut tx,
            company_id,
            order_id,
            "progress_invoice",
            serde_json::json!({"id": id, "percent": cumulative.to_string()}),
        )
        .await?;
        tx.commit().await?;
        self.document(company_id, DocumentKind::Invoice, id).await
    }

    /// The monthly run: every validated delivery note of the period not yet invoiced goes
    /// on a draft invoice, grouped as each customer chose (one invoice per customer, per
    /// delivery address, or per delivery note). Running it again invoices nothing twice.
    pub async fn invoice_deliveries(&self, company_id: Uuid, from: Date, to: Date) -> Result<DeliveryRun> {
        let mut tx = self.begin().await?;
        // Serialises runs of a company on PostgreSQL (SQLite holds the write lock already).
        on_conn!(&mut tx, |c| {
            sqlx::query("UPDATE seal_chains SET length = length WHERE company_id = $1 AND kind = 'invoice'")
                .bind(company_id)
                .execute(c)
                .await?;
        });
        let ids: Vec<(Uuid,)> = on_conn!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT id FROM documents WHERE company_id = $1 AND kind = 'delivery_note' AND status = 'validated' \
                 AND doc_date >= $2 AND doc_date <= $3 ORDER BY doc_date, id",
            )
            .bind(company_id)
            .bind(from)
            .bind(to)
            .fetch_all(c)
            .await?
        });
        // One invoice per customer's grouping key and per order: each order's part bills its
        // own discount, shipping and deductions, so that the order's family adds up.
        type Key = (Uuid, String, String, Option<Uuid>);
        let mut groups: std::collections::BTreeMap<Key, Vec<DocumentRecord>> = Default::default();
        let mut groupings: HashMap<Uuid, InvoiceGrouping> = HashMap::new();
        for (id,) in ids {
            if children(&mut tx, company_id, id).await?.iter().any(|(_, k)| *k == DocumentKind::Invoice) {
                continue;
            }
            let note = read_in(&mut tx, company_id, id).await?;
            let customer = note.content.customer_id;
            let grouping = match groupings.get(&customer) {
                Some(g) => *g,
                None => {
                    let (data,): (String,) = on_conn!(&mut tx, |c| {
                        sqlx::query_as("SELECT data FROM customers WHERE company_id = $1 AND id = $2")
                            .bind(company_id)
                            .bind(customer)
                            .fetch_one(c)
                            .await?
                    });
                    let c: Customer = serde_json::from_str(&data)
                        .map_err(|e| StoreError::Corrupt(format!("customer {customer}: {e}")))?;
                    groupings.insert(customer, c.invoice_grouping);
                    c.invoice_grouping
                }
            };
            let key = match grouping {
                InvoiceGrouping::Customer => String::new(),
                InvoiceGrouping::Site => {
                    serde_json::to_string(&note.content.effective_delivery_address()).unwrap_or_default()
                }
                InvoiceGrouping::DeliveryNote => id.to_string(),
            };
            let order = family::parent_order(&mut tx, company_id, id).await?;
            groups.entry((customer, note.content.currency.code().to_string(), key, order)).or_default().push(note);
        }
        let mut run = DeliveryRun::default();
        for ((customer, _, _, order_id), notes) in groups {
            let first = &notes[0];
            let language = family::language(&mut tx, company_id, customer).await?;
            let headings: Vec<Line> = notes
                .iter()
                .map(|n| derive::delivery_note_heading(n.number.as_deref().unwrap_or_default(), n.issue_date, language))
                .collect();
            let (mut content, deducted) = match order_id {
                Some(order_id) => {
                    let order = lock_document(&mut tx, company_id, order_id, None).await?;
                    let mut portions: HashMap<Uuid, Decimal> = HashMap::new();
                    for n in &notes {
                        for (line, q) in delivered(n, &order) {
                            *portions.entry(line).or_default() += q;
                        }
                    }
                    let billed = bill_by_quantities(&mut tx, company_id, &order, Some(&portions), true).await;
                    let (content, deducted) = match billed {
                        // Everything these notes delivered is invoiced already.
                        Err(StoreError::Conflict(_)) => continue,
                        other => other?,
                    };
                    (Content { lines: headings.into_iter().chain(content.lines).collect(), ..content }, deducted)
                }
                None => {
                    let mut lines = Vec::new();
                    for (n, heading) in notes.iter().zip(headings) {
                        lines.push(heading);
                        lines.extend(derived(&n.content, true).lines.into_iter().filter(Line::is_item));
                    }
                    let content = Content {
                        payment_terms: first.content.payment_terms,
                        billing_address: first.content.billing_address.clone(),
                        delivery_address: first.content.delivery_address.clone(),
                        lines,
                        vat_exemptions: first.content.vat_exemptions.clone(),
                        ..Content::new(first.content.customer_id, first.content.currency)
                    };
                    (content, Vec::new())
                }
            };
            content.title = Some(match language {
                facturier_core::party::Language::Fr => format!("Livraisons du {from} au {to}"),
                facturier_core::party::Language::En => format!("Deliveries from {from} to {to}"),
            });
            let invoice = insert_draft_in(&mut tx, company_id, DocumentKind::Invoice, &content, None, None).await?;
            for n in &notes {
                link(&mut tx, company_id, n.id, invoice, "invoiced").await?;
                event(&mut tx, company_id, n.id, "invoiced", serde_json::json!({"invoice": invoice})).await?;
                run.delivery_notes.push(n.id);
            }
            for dep_id in deducted {
                link(&mut tx, company_id, dep_id, invoice, "deduction").await?;
            }
            run.created.push(invoice);
        }
        tx.commit().await?;
        Ok(run)
    }

    /// The whole family of a document: every document reachable through links, both
    /// ways (the quote, the order, its delivery notes and invoices, their credit notes…),
    /// in pipeline order. The document itself is left out.
    pub async fn family(&self, company_id: Uuid, id: Uuid) -> Result<Vec<FamilyMember>> {
        let mut tx = self.begin_read().await?;
        let mut seen = std::collections::HashSet::from([id]);
        let mut queue = std::collections::VecDeque::from([id]);
        // A family is a handful of documents; the cap keeps a pathological one cheap.
        while let Some(current) = queue.pop_front() {
            if seen.len() > 500 {
                break;
            }
            let mut next = parents(&mut tx, company_id, current).await?;
            next.extend(children(&mut tx, company_id, current).await?);
            for (other, _) in next {
                if seen.insert(other) {
                    queue.push_back(other);
                }
            }
        }
        seen.remove(&id);
        let mut out = Vec::new();
        for other in seen {
            let d = read_in(&mut tx, company_id, other).await?;
            out.push(FamilyMember { kind: d.kind, id: d.id, number: d.number, status: d.status });
        }
        out.sort_by_key(|m| (m.kind, m.id));
        Ok(out)
    }

    /// A draft credit note on an issued invoice or deposit invoice: `lines` credited on
    /// the invoice's terms, or by default what is left of it after the credit notes
    /// already issued (the whole invoice when there are none). A deposit a final invoice
    /// has deducted is not credited on its own: crediting the final invoice gives it back.
    pub async fn draft_credit_note(
        &self,
        company_id: Uuid,
        kind: DocumentKind,
        id: Uuid,
        what: CreditOf,
        note: Option<String>,
    ) -> Result<DocumentRecord> {
        let mut tx = self.begin().await?;
        let new_id = draft_credit_note_in(&mut tx, company_id, kind, id, what, note).await?;
        tx.commit().await?;
        self.document(company_id, DocumentKind::CreditNote, new_id).await
    }

    /// A new draft of the same kind with the same customer, lines and conditions.
    pub async fn duplicate(&self, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<DocumentRecord> {
        let source = self.document(company_id, kind, id).await?;
        let content = derived(&source.content, false);
        let mut tx = self.begin().await?;
        // A credit note only exists against its invoice: the copy credits the same one (what
        // it may credit is checked again when it is issued).
        let parent = if kind == DocumentKind::CreditNote { source.parent_id } else { None };
        let new_id = insert_draft_in(&mut tx, company_id, kind, &content, None, parent).await?;
        event(&mut tx, company_id, new_id, "duplicated", serde_json::json!({"from": id, "number": source.number}))
            .await?;
        tx.commit().await?;
        self.document(company_id, kind, new_id).await
    }
}

/// [`Store::draft_credit_note`] inside the caller's transaction: the draft's id.
pub(crate) async fn draft_credit_note_in(
    tx: &mut Tx,
    company_id: Uuid,
    kind: DocumentKind,
    id: Uuid,
    what: CreditOf,
    note: Option<String>,
) -> Result<Uuid> {
    let inv = lock_document(tx, company_id, id, Some(kind)).await?;
    may_credit(kind, inv.status)?;
    check_not_deducted(tx, company_id, &inv).await?;
    let number = inv.number.clone().unwrap_or_default();
    let language = family::language(tx, company_id, inv.content.customer_id).await?;
    let mut credited = Vec::new();
    for (c, ck) in children(tx, company_id, id).await? {
        if ck == DocumentKind::CreditNote {
            let cn = read_in(tx, company_id, c).await?;
            if standing(cn.status).was_issued() {
                credited.push(cn.content);
            }
        }
    }
    let credited: Vec<&Content> = credited.iter().collect();
    let fully = |_: derive::DeriveError| StoreError::Conflict(Message::new("invoice_already_fully_credited"));
    let mut content = match what {
        CreditOf::Left => derive::credit_left(&inv.content, &number, &credited, language).map_err(fully)?,
        CreditOf::Amount(amount) => {
            derive::credit_amount(&inv.content, &number, &credited, amount, language).map_err(|e| match e {
                derive::DeriveError::NothingLeft => fully(e),
                other => StoreError::Invalid { field: "amount".into(), message: other.message() },
            })?
        }
        CreditOf::Lines(lines) => {
            // The lines are credited on the invoice's terms: its document discount in
            // percent or amount applies to them as it did on the invoice. Shipping, the
            // schedule and what a derivation split per rate were the invoice's whole.
            let mut c = derive::credit_whole(&inv.content, &number, language);
            c.lines = lines;
            c.shipping = None;
            c.schedule = None;
            c.allowances = Vec::new();
            c.vat_adjustments = Vec::new();
            c
        }
    };
    if let Some(n) = note {
        content.note = Some(n);
    }
    let new_id =
        insert_draft_in(tx, company_id, DocumentKind::CreditNote, &content, Some((id, "credit_note")), Some(id))
            .await?;
    Ok(new_id)
}

/// Whether an invoice of `kind` in `status` may be credited: the table decides; a draft
/// and a withdrawn invoice are refused in their own words.
pub fn may_credit(kind: DocumentKind, status: Status) -> Result<()> {
    lifecycle::check(kind, status, Action::CreditNote).map(|_| ()).map_err(|refused| match standing(status) {
        Standing::Draft => LifecycleError::NotCreditable("draft").into(),
        Standing::Withdrawn => StoreError::Conflict(Message::new("invoice_already_fully_credited")),
        Standing::Issued => LifecycleError::from(refused).into(),
    })
}

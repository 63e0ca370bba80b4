//! The sales pipeline in the store: state changes (accept, refuse, cancel),
//! conversions with the links they record, duplicates, and orders kept in step with
//! their delivery notes and invoices. The rules themselves live in `core::lifecycle`.

use crate::documents::{DocumentRecord, event, insert_draft_in, lock_document, read_in};
use crate::{Result, Store, StoreError, Tx, now, on_conn};
use facturier_core::Decimal;
use facturier_core::document::{Content, DocumentKind, LifecycleError, Line, Status};
use facturier_core::lifecycle::{self, Refused};
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// A state change decided by `core::lifecycle` (accept, refuse, cancel).
pub type Transition = fn(DocumentKind, Status) -> std::result::Result<Status, Refused>;

/// One line of a partial delivery: which order line, how much.
#[derive(Clone, Copy, Debug)]
pub struct Portion {
    pub line_id: Uuid,
    pub quantity: Decimal,
}

async fn set_status(tx: &mut Tx, company_id: Uuid, id: Uuid, status: Status) -> Result<()> {
    on_conn!(tx, |c| {
        sqlx::query("UPDATE documents SET status = $3, updated_at = $4 WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(id)
            .bind(status.as_str())
            .bind(now())
            .execute(c)
            .await?;
    });
    Ok(())
}

/// (child id, child kind, relation) of a document.
async fn children(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Vec<(Uuid, DocumentKind)>> {
    let rows: Vec<(Uuid, String)> = on_conn!(tx, |c| {
        sqlx::query_as(
            "SELECT d.id, d.kind FROM document_links l JOIN documents d ON d.company_id = l.company_id AND d.id = l.child_id \
             WHERE l.company_id = $1 AND l.parent_id = $2 ORDER BY d.id",
        )
        .bind(company_id)
        .bind(id)
        .fetch_all(c)
        .await?
    });
    rows.into_iter().map(|(id, k)| Ok((id, k.parse().map_err(StoreError::Corrupt)?))).collect()
}

async fn parents(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Vec<(Uuid, DocumentKind)>> {
    let rows: Vec<(Uuid, String)> = on_conn!(tx, |c| {
        sqlx::query_as(
            "SELECT d.id, d.kind FROM document_links l JOIN documents d ON d.company_id = l.company_id AND d.id = l.parent_id \
             WHERE l.company_id = $1 AND l.child_id = $2 ORDER BY d.id",
        )
        .bind(company_id)
        .bind(id)
        .fetch_all(c)
        .await?
    });
    rows.into_iter().map(|(id, k)| Ok((id, k.parse().map_err(StoreError::Corrupt)?))).collect()
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
                if bl.status == Status::Cancelled {
                    continue;
                }
                for l in &bl.content.lines {
                    if let Some(src) = l.source_line_id {
                        via_delivery.insert(l.id, src);
                        *f.on_delivery_notes.entry(src).or_default() += l.quantity;
                        if bl.status != Status::Draft {
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
        for l in &inv.content.lines {
            let Some(src) = l.source_line_id else { continue };
            let order_line = via_delivery.get(&src).copied().unwrap_or(src);
            *f.on_invoices.entry(order_line).or_default() += l.quantity;
            if inv.status != Status::Draft {
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
    let invoiced_all = !lines.is_empty() && lines.iter().all(|l| got(&f.invoiced, l) >= l.quantity);
    let next = lifecycle::order_progress(order.status, delivered_all, delivered_any, invoiced_all);
    if next != order.status {
        set_status(tx, company_id, order_id, next).await?;
        event(tx, company_id, order_id, next.as_str(), serde_json::json!({})).await?;
    }
    Ok(())
}

/// After a document is issued: orders follow their delivery notes and invoices.
pub(crate) async fn after_issue(tx: &mut Tx, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<()> {
    if !matches!(kind, DocumentKind::DeliveryNote | DocumentKind::Invoice) {
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
        refresh_order(tx, company_id, order).await?;
    }
    Ok(())
}

/// Before a draft is deleted: a quote converted into it alone becomes accepted again.
pub(crate) async fn release_parents(tx: &mut Tx, company_id: Uuid, child_id: Uuid) -> Result<()> {
    for (parent, pk) in parents(tx, company_id, child_id).await? {
        if pk != DocumentKind::Quote {
            continue;
        }
        let quote = read_in(tx, company_id, parent).await?;
        let others = children(tx, company_id, parent).await?.into_iter().filter(|(c, _)| *c != child_id).count();
        if quote.status == Status::Converted && others == 0 {
            set_status(tx, company_id, parent, Status::Accepted).await?;
            event(tx, company_id, parent, "conversion_undone", serde_json::json!({})).await?;
        }
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
        if kind == DocumentKind::Order && matches!(to, DocumentKind::DeliveryNote | DocumentKind::Invoice) {
            let f = follow_up(&mut tx, company_id, id).await?;
            let taken = if to == DocumentKind::DeliveryNote { &f.on_delivery_notes } else { &f.on_invoices };
            content.lines = remaining_lines(&source, &content, taken, portions)?;
            if content.lines.is_empty() {
                let what = if to == DocumentKind::DeliveryNote { "delivered" } else { "invoiced" };
                return Err(StoreError::Conflict(format!("everything on this order is already {what}")));
            }
        } else if portions.is_some() {
            return Err(StoreError::Invalid {
                field: "lines".into(),
                message: "only a delivery note from an order takes a selection of lines".into(),
            });
        }
        let new_id = insert_draft_in(&mut tx, company_id, to, &content, Some((id, "converted")), None).await?;
        if let Some(next) = source_next {
            set_status(&mut tx, company_id, id, next).await?;
        }
        event(&mut tx, company_id, id, "converted", serde_json::json!({"to": to.as_str(), "id": new_id})).await?;
        tx.commit().await?;
        self.document(company_id, to, new_id).await
    }

    /// A new draft of the same kind with the same customer, lines and conditions.
    pub async fn duplicate(&self, company_id: Uuid, kind: DocumentKind, id: Uuid) -> Result<DocumentRecord> {
        let source = self.document(company_id, kind, id).await?;
        let content = derived(&source.content, false);
        let mut tx = self.begin().await?;
        let new_id = insert_draft_in(&mut tx, company_id, kind, &content, None, None).await?;
        event(&mut tx, company_id, new_id, "duplicated", serde_json::json!({"from": id, "number": source.number}))
            .await?;
        tx.commit().await?;
        self.document(company_id, kind, new_id).await
    }
}

/// The lines of a delivery note or invoice drawn from an order: each order line with
/// what remains of it (or the requested portion, which may not exceed what remains).
fn remaining_lines(
    order: &DocumentRecord,
    derived: &Content,
    taken: &HashMap<Uuid, Decimal>,
    portions: Option<&[Portion]>,
) -> Result<Vec<Line>> {
    let remaining = |order_line: &Line| order_line.quantity - taken.get(&order_line.id).copied().unwrap_or_default();
    let by_source: HashMap<Uuid, &Line> =
        derived.lines.iter().filter_map(|l| l.source_line_id.map(|s| (s, l))).collect();
    match portions {
        None => Ok(order
            .content
            .lines
            .iter()
            .filter_map(|ol| {
                let left = remaining(ol);
                let mut l = (*by_source.get(&ol.id)?).clone();
                (left > Decimal::ZERO).then(|| {
                    l.quantity = left;
                    l
                })
            })
            .collect()),
        Some(portions) => {
            let mut out = Vec::new();
            for (i, p) in portions.iter().enumerate() {
                let field = |f: &str| format!("lines[{i}].{f}");
                let Some(ol) = order.content.lines.iter().find(|l| l.id == p.line_id) else {
                    return Err(StoreError::Invalid {
                        field: field("line_id"),
                        message: "no such line on this order".into(),
                    });
                };
                let left = remaining(ol);
                if p.quantity <= Decimal::ZERO {
                    return Err(StoreError::Invalid {
                        field: field("quantity"),
                        message: "must be greater than zero".into(),
                    });
                }
                if p.quantity > left {
                    return Err(StoreError::Invalid {
                        field: field("quantity"),
                        message: format!("only {} of this line remain to deliver", left.normalize()),
                    });
                }
                if let Some(l) = by_source.get(&ol.id) {
                    let mut l = (*l).clone();
                    l.quantity = p.quantity;
                    out.push(l);
                }
            }
            Ok(out)
        }
    }
}

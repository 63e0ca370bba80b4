//! An order's family as `core::derive` reads it: the store loads the order, its
//! delivery notes, deposits, invoices and their credit notes inside the caller's
//! transaction; the derivations themselves are pure functions in core.

use crate::documents::record::{DocumentRecord, read_in};
use crate::{Result, StoreError, Tx, on_conn};
use facturier_core::derive::{DeriveError, Ledger, Member, Role};
use facturier_core::document::DocumentKind;
use facturier_core::lifecycle::{Standing, standing};
use facturier_core::party::{Customer, Language};
use std::collections::HashSet;
use uuid::Uuid;

/// The documents of an order's family, each with its role.
pub(crate) struct Family {
    pub docs: Vec<(Role, DocumentRecord)>,
}

impl Family {
    /// The ledger of what the family has billed of `order`.
    pub fn ledger(&self, order: &DocumentRecord) -> Ledger {
        let mut ledger = Ledger::of(&order.content, &self.members());
        // A situation credited in full is to be billed again: the next one may restate
        // its percentage (what it billed is already taken back in the amounts).
        let live =
            self.docs.iter().filter(|(role, d)| *role == Role::Invoice && standing(d.status) != Standing::Withdrawn);
        let percents: Vec<_> = live.filter_map(|(_, d)| d.content.progress_percent).collect();
        ledger.situations = u32::try_from(percents.len()).unwrap_or(u32::MAX);
        ledger.last_percent = percents.into_iter().max().unwrap_or_default();
        ledger
    }

    fn members(&self) -> Vec<Member<'_>> {
        self.docs
            .iter()
            .map(|(role, d)| Member {
                id: d.id,
                role: *role,
                number: d.number.as_deref(),
                issue_date: d.issue_date,
                content: &d.content,
            })
            .collect()
    }
}

/// (child id, kind) of the documents a document links to as their parent.
pub(crate) async fn children(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Vec<(Uuid, DocumentKind)>> {
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

/// (parent id, kind) of the documents a document was made from.
pub(crate) async fn parents(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Vec<(Uuid, DocumentKind)>> {
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

/// Loads the family of an order: its delivery notes (not cancelled), deposits (issued,
/// drafts cannot be deducted), invoices made from it or from its delivery notes (drafts
/// included: they are about to bill) and the issued credit notes of those.
pub(crate) async fn load(tx: &mut Tx, company_id: Uuid, order_id: Uuid) -> Result<Family> {
    let mut docs = Vec::new();
    let mut seen = HashSet::new();
    let mut billing = Vec::new();
    for (child, kind) in children(tx, company_id, order_id).await? {
        match kind {
            DocumentKind::DeliveryNote => {
                let note = read_in(tx, company_id, child).await?;
                if standing(note.status) == Standing::Withdrawn {
                    continue;
                }
                for (grand, gk) in children(tx, company_id, child).await? {
                    if gk == DocumentKind::Invoice {
                        billing.push((grand, Role::Invoice));
                    }
                }
                seen.insert(child);
                docs.push((Role::DeliveryNote, note));
            }
            DocumentKind::DepositInvoice => billing.push((child, Role::Deposit)),
            DocumentKind::Invoice => billing.push((child, Role::Invoice)),
            _ => {}
        }
    }
    for (id, role) in billing {
        if !seen.insert(id) {
            continue;
        }
        let doc = read_in(tx, company_id, id).await?;
        if role == Role::Deposit && standing(doc.status) == Standing::Draft {
            continue;
        }
        for (c, ck) in children(tx, company_id, id).await? {
            if ck != DocumentKind::CreditNote || !seen.insert(c) {
                continue;
            }
            let cn = read_in(tx, company_id, c).await?;
            if standing(cn.status).was_issued() {
                docs.push((Role::CreditNote, cn));
            }
        }
        docs.push((role, doc));
    }
    Ok(Family { docs })
}

/// The order a document was made from: itself for an order, the parent order of a
/// delivery note or deposit invoice.
pub(crate) async fn parent_order(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<Option<Uuid>> {
    let rows: Vec<(Uuid,)> = on_conn!(tx, |c| {
        sqlx::query_as(
            "SELECT d.id FROM document_links l JOIN documents d ON d.company_id = l.company_id AND d.id = l.parent_id \
             WHERE l.company_id = $1 AND l.child_id = $2 AND d.kind = 'order' ORDER BY d.id",
        )
        .bind(company_id)
        .bind(id)
        .fetch_all(c)
        .await?
    });
    Ok(rows.first().map(|(id,)| *id))
}

/// The language a customer's documents are written in.
pub(crate) async fn language(tx: &mut Tx, company_id: Uuid, customer_id: Uuid) -> Result<Language> {
    let row: Option<(String,)> = on_conn!(tx, |c| {
        sqlx::query_as("SELECT data FROM customers WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(customer_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.and_then(|(data,)| serde_json::from_str::<Customer>(&data).ok()).map(|c| c.language).unwrap_or_default())
}

/// A derivation refused: 409 for the state of the order, 422 naming the field for input.
pub(crate) fn refused(e: DeriveError, field: &str) -> StoreError {
    match e {
        DeriveError::Progress(p) => StoreError::Invalid { field: field.into(), message: p.message() },
        DeriveError::TooMuch { .. } | DeriveError::TooMuchToDeliver { .. } | DeriveError::CreditTooLarge { .. } => {
            StoreError::Invalid { field: field.into(), message: e.message() }
        }
        DeriveError::NothingLeft
        | DeriveError::AllDelivered
        | DeriveError::BySituations
        | DeriveError::ByQuantities
        | DeriveError::Inconsistent { .. } => StoreError::Conflict(e.message()),
    }
}

//! The dunning pages' operations beside the run (`app::dunning`): the unpaid list with
//! each invoice's last step and next action (`core::dunning::next_step`, from the steps
//! taken, never recomputed here), a selection checked before anything is done, what a
//! run over it would take (read from `app::dunning::overdue`, which the run reads too),
//! and undoing the last step of each selected invoice.

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use facturier_core::dunning::{NextStep, Policy, Taken, days_late, next_step};
use facturier_core::lifecycle;
use facturier_core::message::Message;
use facturier_store::dunning_list::{Selected, UnpaidCursor, UnpaidInvoice, UnpaidQuery};
use std::collections::BTreeSet;
use time::Date;
use uuid::Uuid;

/// The most invoices one selection may hold (the API's run takes as many).
pub const MAX_SELECTION: usize = 10_000;

/// An invoice of the unpaid list and where its dunning stands.
pub struct Unpaid {
    pub invoice: UnpaidInvoice,
    /// Days since the due date on the day asked (0 when not yet due).
    pub days_late: i64,
    /// The last live level taken: (level, day).
    pub last: Option<(String, Date)>,
    /// What comes next; `None` once every level was taken, and for an invoice that is
    /// held or withdrawn (no run takes a step on it).
    pub next: Option<NextStep>,
}

/// Whether runs take steps on the invoice: open (takes payments) and not held.
pub fn dunnable(i: &UnpaidInvoice) -> bool {
    !i.held && lifecycle::is_open(i.kind, i.status)
}

fn unpaid_one(policy: &Policy, invoice: UnpaidInvoice, as_of: Date) -> Unpaid {
    let taken: Vec<Taken> = invoice.steps.iter().map(|(level, on)| Taken { level: level.clone(), on: *on }).collect();
    let next = if dunnable(&invoice) { next_step(policy, invoice.due_date, &taken, as_of) } else { None };
    let last = invoice.steps.iter().max_by_key(|(_, on)| *on).cloned();
    Unpaid { days_late: days_late(invoice.due_date, as_of), last, next, invoice }
}

/// A page of the unpaid list on `as_of`, and where the next one starts.
pub async fn unpaid(
    app: &App,
    company: Uuid,
    as_of: Date,
    query: &UnpaidQuery,
    limit: u32,
    after: Option<UnpaidCursor>,
) -> Result<(Vec<Unpaid>, Option<UnpaidCursor>), ApiError> {
    let policy = app.store.settings(company).await?.dunning;
    let (rows, next) = app.store.unpaid_invoices(company, query, limit, after).await?;
    Ok((rows.into_iter().map(|i| unpaid_one(&policy, i, as_of)).collect(), next))
}

/// The invoices of a selection, checked: at least one, at most [`MAX_SELECTION`], and
/// every one an issued invoice of the caller's company (anything else refuses the whole
/// selection, which changes nothing).
pub async fn check_selection(app: &App, auth: &Auth, ids: &[Uuid]) -> Result<Vec<Selected>, ApiError> {
    let wanted: BTreeSet<Uuid> = ids.iter().copied().collect();
    if wanted.is_empty() {
        return Err(ApiError::BadRequest(Message::new("dunning_selection_empty")));
    }
    if wanted.len() > MAX_SELECTION {
        return Err(ApiError::BadRequest(Message::new("dunning_too_many_invoices").with("max", MAX_SELECTION)));
    }
    let wanted: Vec<Uuid> = wanted.into_iter().collect();
    let found = app.store.selected_invoices(auth.company(), &wanted).await?;
    if found.len() != wanted.len() {
        let missing = wanted.len() - found.len();
        return Err(ApiError::BadRequest(Message::new("dunning_selection_unknown").with("n", missing)));
    }
    Ok(found)
}

/// What a run over a selection on `as_of` would do: the steps it would take, and the
/// invoices it would leave, each with why.
pub struct Preview {
    /// (invoice, level taken).
    pub steps: Vec<(facturier_store::dunning::OverdueInvoice, NextStep)>,
    /// How many customers get a message or letter.
    pub customers: usize,
    /// (invoice id, why it is left out).
    pub left: Vec<(Uuid, Left)>,
}

/// Why a run over a selection leaves an invoice out.
pub enum Left {
    /// Its next level is not due yet on the day.
    NotYet(NextStep),
    /// Every level of the policy was taken.
    AllTaken,
    /// Not overdue on the day, or paid, withdrawn or held: the run does not read it.
    NotOverdue,
}

/// What `app::dunning::run` would take over `selection` on `as_of` (by hand: every step due).
pub async fn preview(app: &App, auth: &Auth, as_of: Date, selection: &[Selected]) -> Result<Preview, ApiError> {
    let ids: Vec<Uuid> = selection.iter().map(|s| s.id).collect();
    let overdue = crate::app::dunning::overdue(app, auth.company(), as_of, Some(&ids)).await?;
    let mut steps = Vec::new();
    let mut customers = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut left = Vec::new();
    for o in overdue {
        seen.insert(o.invoice.id);
        match o.next {
            Some(n) if n.due_now => {
                customers.insert(o.invoice.customer_id);
                steps.push((o.invoice, n));
            }
            Some(n) => left.push((o.invoice.id, Left::NotYet(n))),
            None => left.push((o.invoice.id, Left::AllTaken)),
        }
    }
    // Not overdue on the day, paid, withdrawn or held: the run does not read them at all.
    for s in selection.iter().filter(|s| !seen.contains(&s.id)) {
        left.push((s.id, Left::NotOverdue));
    }
    Ok(Preview { steps, customers: customers.len(), left })
}

/// What undoing a selection did.
pub struct Undone {
    /// The steps undone, one per invoice that had one.
    pub steps: usize,
    /// The invoices that had no live step to undo.
    pub without: usize,
}

/// Undoes the last live step taken by a run on each invoice of `selection`: it stays in the
/// history, marked undone, and its level may be taken again.
pub async fn undo_last(app: &App, auth: &Auth, selection: &[Selected]) -> Result<Undone, ApiError> {
    auth.require_write()?;
    let ids: Vec<Uuid> = selection.iter().map(|s| s.id).collect();
    let last = app.store.last_live_steps(auth.company(), &ids).await?;
    let mut steps = 0;
    for step in last.values() {
        match app.store.undo_dunning_step(auth.company(), *step).await {
            Ok(_) => steps += 1,
            // Undone meanwhile by someone else: nothing left to do for it.
            Err(facturier_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Undone { steps, without: ids.len() - last.len() })
}

//! Period closing (`accounting_closings` of `0040_accounting_exports`): a company closes
//! its books through a day, and from then on nothing accounting reads may be dated on or
//! before it. The two places every such movement goes through check it: [`Store::issue`]
//! for invoices, deposit invoices and credit notes (whatever issues them: the API, the
//! web, the contracts run, dunning fees), and the payment row's insert (`payments::rows`)
//! for receipts and refunds, inside the transaction that records them.

use crate::stamp::Stamp;
use crate::{Result, Store, StoreError, Tx, new_id, now, on_conn, on_pool};
use facturier_core::message::Message;
use time::Date;
use uuid::Uuid;

/// A closing of the books.
#[derive(Clone, Debug)]
pub struct Closing {
    pub id: Uuid,
    /// The last day closed.
    pub through: Date,
    pub created_by: Option<Uuid>,
    pub created_at: Stamp,
}

const LAST: &str = "SELECT MAX(through) FROM accounting_closings WHERE company_id = $1";

/// The refusal of a movement dated `date` in books closed through `through`.
pub(crate) fn closed(field: &str, date: Date, through: Date) -> StoreError {
    StoreError::Invalid {
        field: field.into(),
        message: Message::new("accounting_period_closed").with("date", date).with("through", through),
    }
}

/// Refuses `date` when the books are closed on it, inside the caller's transaction.
pub(crate) async fn check_open_in(tx: &mut Tx, company_id: Uuid, field: &str, date: Date) -> Result<()> {
    let (last,): (Option<Date>,) = on_conn!(tx, |c| sqlx::query_as(LAST).bind(company_id).fetch_one(&mut *c).await?);
    match last {
        Some(through) if date <= through => Err(closed(field, date, through)),
        _ => Ok(()),
    }
}

impl Store {
    /// The last day the company's books are closed through, if any.
    pub async fn closed_through(&self, company_id: Uuid) -> Result<Option<Date>> {
        let (last,): (Option<Date>,) = on_pool!(self, |c| sqlx::query_as(LAST).bind(company_id).fetch_one(c).await?);
        Ok(last)
    }

    /// Closes the books through `through`, which must be after the last closing
    /// (422 on `through` otherwise).
    pub async fn close_books(&self, company_id: Uuid, through: Date, user: Option<Uuid>) -> Result<Closing> {
        let mut tx = self.begin().await?;
        let (last,): (Option<Date>,) =
            on_conn!(&mut tx, |c| sqlx::query_as(LAST).bind(company_id).fetch_one(&mut *c).await?);
        if let Some(last) = last.filter(|l| through <= *l) {
            return Err(StoreError::Invalid {
                field: "through".into(),
                message: Message::new("accounting_closing_not_after").with("through", through).with("last", last),
            });
        }
        let closing = Closing { id: new_id(), through, created_by: user, created_at: now() };
        on_conn!(&mut tx, |c| {
            sqlx::query(
                "INSERT INTO accounting_closings (id, company_id, through, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(closing.id)
            .bind(company_id)
            .bind(through)
            .bind(user)
            .bind(closing.created_at)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await?;
        Ok(closing)
    }

    /// The company's closings, latest first.
    pub async fn closings(&self, company_id: Uuid) -> Result<Vec<Closing>> {
        let rows: Vec<(Uuid, Date, Option<Uuid>, Stamp)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT id, through, created_by, created_at FROM accounting_closings WHERE company_id = $1 \
             ORDER BY through DESC"
        )
        .bind(company_id)
        .fetch_all(c)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, through, created_by, created_at)| Closing { id, through, created_by, created_at })
            .collect())
    }
}

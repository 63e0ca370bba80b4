//! The billing grid ("Suivi de facturation"): contracts × the twelve months of a year,
//! each cell the invoices billed that month (by billing date) or what the contract will
//! bill then (`core::contract::billing::forecast`, with the values published today),
//! with totals per month and per contract. A contract's card shows the same grid year
//! by year.
//!
//! The year's page of contracts is read in three queries (the contracts, what they billed
//! that year, their events), and each contract is forecast over that year only, so a
//! page costs the same whatever the number of contracts or of years they ran.

use crate::App;
use crate::app::contracts::{ContractView, StoredTerms, billed_net, events_of, index_book};
use crate::error::ApiError;
use facturier_core::Decimal;
use facturier_core::contract::revision::IndexBook;
use facturier_core::contract::{self, Event, LineTerms, Renewal};
use facturier_core::money::Currency;
use facturier_store::contracts::{Billed, ContractEvent, ContractRecord};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Month};
use uuid::Uuid;

/// Contracts per page of the grid.
pub const GRID_PAGE: u32 = 100;
/// Years a contract's card shows at most (the latest ones).
const CARD_YEARS: i32 = 12;

/// What a month's cell holds: an invoice billed, or a billing to come.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridItem {
    /// The invoice and its number (none while a draft): billed; `None`: planned.
    pub invoice: Option<(Uuid, Option<String>)>,
    /// Excluding VAT, every line.
    pub amount: Decimal,
    /// Planned with index values not published yet.
    pub estimated: bool,
}

/// One year of a contract: a cell per month and the year's total.
#[derive(Clone, Debug)]
pub struct YearRow {
    pub year: i32,
    /// Twelve cells, January first.
    pub months: Vec<Vec<GridItem>>,
    pub total: Decimal,
}

/// One contract's row of the grid.
#[derive(Clone, Debug)]
pub struct GridRow {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub customer: String,
    pub status: String,
    pub currency: Currency,
    pub row: YearRow,
}

/// A page of the year's grid.
#[derive(Clone, Debug)]
pub struct Grid {
    pub year: i32,
    pub rows: Vec<GridRow>,
    /// The page's total per month, January first.
    pub month_totals: Vec<Decimal>,
    pub total: Decimal,
    /// The last reference of this page when there is a next one.
    pub next: Option<String>,
}

fn year_bounds(year: i32) -> Option<(Date, Date)> {
    Some((
        Date::from_calendar_date(year, Month::January, 1).ok()?,
        Date::from_calendar_date(year, Month::December, 31).ok()?,
    ))
}

/// The contract's billings from `from` to `to` by (year, month) of their billing date:
/// what it billed (`rec.billed`), one item per invoice, then what the forecast adds not
/// billed yet; each the net of its lines, as the invoice bills them (`lines`).
fn cells(
    terms: &StoredTerms,
    lines: &[LineTerms],
    rec: &ContractRecord,
    book: &IndexBook,
    currency: Currency,
    from: Date,
    to: Date,
) -> BTreeMap<(i32, u8), Vec<GridItem>> {
    let (billed, events): (&[Billed], Vec<Event>) = (&rec.billed, events_of(rec));
    let mut out: BTreeMap<(i32, u8), Vec<GridItem>> = BTreeMap::new();
    let mut invoices: BTreeMap<(Date, Uuid), (Option<String>, Decimal)> = BTreeMap::new();
    for b in billed.iter().filter(|b| from <= b.billing_date && b.billing_date <= to) {
        invoices.entry((b.billing_date, b.invoice_id)).or_insert((b.invoice_number.clone(), Decimal::ZERO)).1 +=
            billed_net(b, lines, currency);
    }
    for ((day, invoice), (number, amount)) in invoices {
        out.entry((day.year(), u8::from(day.month()))).or_default().push(GridItem {
            invoice: Some((invoice, number)),
            amount,
            estimated: false,
        });
    }
    let keys: BTreeSet<(usize, Date)> = billed.iter().map(|b| (b.line, b.period_start)).collect();
    let items = contract::billing::forecast(&terms.billing(rec), &events, book, from, to, |d| currency.round(d));
    let mut planned: BTreeMap<(Date, Date), GridItem> = BTreeMap::new();
    for i in items.iter().filter(|i| !keys.contains(&i.key())) {
        let p = planned.entry((i.billing_date, i.period.start)).or_insert(GridItem {
            invoice: None,
            amount: Decimal::ZERO,
            estimated: false,
        });
        p.amount += contract::period_net([i], lines, currency);
        p.estimated |= i.revision.as_ref().is_some_and(|r| r.estimated);
    }
    for ((day, _), item) in planned {
        out.entry((day.year(), u8::from(day.month()))).or_default().push(item);
    }
    out
}

fn year_row(year: i32, by_month: &BTreeMap<(i32, u8), Vec<GridItem>>) -> YearRow {
    let months: Vec<Vec<GridItem>> =
        (1..=12u8).map(|m| by_month.get(&(year, m)).cloned().unwrap_or_default()).collect();
    let total = months.iter().flatten().map(|i| i.amount).sum();
    YearRow { year, months, total }
}

/// The years a contract's card shows, oldest first: from its start to its end (or next
/// year while it runs on), the latest [`CARD_YEARS`] of them.
pub async fn contract_years(
    app: &App,
    company: Uuid,
    view: &ContractView,
    today: Date,
) -> Result<Vec<YearRow>, ApiError> {
    let rec = &view.record;
    let running = matches!(rec.status.as_str(), "active" | "suspended" | "draft");
    let last_billed = rec.billed.iter().map(|b| b.billing_date.year()).max().unwrap_or(rec.start.year());
    let terminated = rec.events.iter().filter(|e| e.kind == "terminated").map(|e| e.on.year()).min();
    let last = match (terminated, rec.end, view.terms.renewal) {
        (Some(on), _, _) => on,
        // Renewed tacitly: it runs on, next year shown.
        (None, Some(end), Renewal::Tacit { .. }) if running => end.year().max(today.year() + 1),
        (None, Some(end), _) => end.year(),
        (None, None, _) if running => today.year() + 1,
        (None, None, _) => last_billed,
    }
    .max(last_billed)
    .max(rec.start.year());
    let first = rec.start.year().max(last - CARD_YEARS + 1);
    let (Some((from, _)), Some((_, to))) = (year_bounds(first), year_bounds(last)) else {
        return Ok(Vec::new());
    };
    let book = index_book(app, company).await?;
    let by_month = cells(&view.terms, &view.lines, rec, &book, view.currency, from, to);
    Ok((first..=last).map(|y| year_row(y, &by_month)).collect())
}

/// A page of the year's grid: [`GRID_PAGE`] contracts by reference after `after`.
pub async fn year_grid(app: &App, company: Uuid, year: i32, after: Option<&str>) -> Result<Grid, ApiError> {
    let Some((from, to)) = year_bounds(year) else {
        return Err(ApiError::NotFound("year"));
    };
    let mut records = app.store.grid_contracts(company, from, to, after, GRID_PAGE + 1).await?;
    let next = if records.len() > GRID_PAGE as usize {
        records.truncate(GRID_PAGE as usize);
        records.last().map(|r| r.reference.clone())
    } else {
        None
    };
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    // A billing of this year may be of a period that started up to a year before.
    let mut billed: BTreeMap<Uuid, Vec<Billed>> = BTreeMap::new();
    for (id, b) in app.store.billed_between(company, &ids, from, to).await? {
        billed.entry(id).or_default().push(b);
    }
    let mut events: BTreeMap<Uuid, Vec<ContractEvent>> = BTreeMap::new();
    for (id, e) in app.store.events_of_contracts(company, &ids).await? {
        events.entry(id).or_default().push(e);
    }
    let book = index_book(app, company).await?;
    let company_currency = app.store.company(company).await?.currency;
    let mut rows = Vec::with_capacity(records.len());
    for mut rec in records {
        rec.events = events.remove(&rec.id).unwrap_or_default();
        rec.billed = billed.remove(&rec.id).unwrap_or_default();
        let terms = StoredTerms::read(&rec)?;
        // The contract's own currency, else the company's (a customer's currency is read
        // on its card, not for each row here).
        let currency = terms.invoice.currency.as_deref().and_then(|c| c.parse().ok()).unwrap_or(company_currency);
        let lines = terms.lines(&rec)?;
        let by_month = cells(&terms, &lines, &rec, &book, currency, from, to);
        // Running by its status but over by its terms (its last run is to come): nothing to show.
        if by_month.is_empty() {
            continue;
        }
        rows.push(GridRow {
            id: rec.id,
            reference: rec.reference.clone(),
            title: rec.title.clone(),
            customer: rec.customer_name.clone(),
            status: rec.status.clone(),
            currency,
            row: year_row(year, &by_month),
        });
    }
    let month_totals: Vec<Decimal> =
        (0..12).map(|m| rows.iter().flat_map(|r| r.row.months[m].iter()).map(|i| i.amount).sum()).collect();
    let total = month_totals.iter().copied().sum();
    Ok(Grid { year, rows, month_totals, total, next })
}

/// Contracts per page of the list.
pub const LIST_PAGE: u32 = 50;

/// A contract in the list: its next billing not made yet, and its price per period.
#[derive(Clone, Debug)]
pub struct ListRow {
    pub record: ContractRecord,
    pub currency: Currency,
    /// What a whole period bills at `P0` (before revision): every line's net.
    pub per_period: Decimal,
    /// (billing date, amount excluding VAT, estimated): the first period not billed.
    pub next: Option<(Date, Decimal, bool)>,
}

/// A page of the company's contracts by reference, narrowed by `words` and `status`,
/// each with its next billing (what it billed and its events read for the page at once).
pub async fn list_page(
    app: &App,
    company: Uuid,
    words: &str,
    status: Option<&str>,
    after: Option<&str>,
    today: Date,
) -> Result<(Vec<ListRow>, Option<String>), ApiError> {
    let mut records = app.store.contract_list(company, words, status, after, LIST_PAGE + 1).await?;
    let next_cursor = if records.len() > LIST_PAGE as usize {
        records.truncate(LIST_PAGE as usize);
        records.last().map(|r| r.reference.clone())
    } else {
        None
    };
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    let (Some((first, _)), Some((_, last))) = (year_bounds(1900), year_bounds(2200)) else {
        return Ok((Vec::new(), None));
    };
    let mut billed: BTreeMap<Uuid, Vec<Billed>> = BTreeMap::new();
    for (id, b) in app.store.billed_between(company, &ids, first, last).await? {
        billed.entry(id).or_default().push(b);
    }
    let mut events: BTreeMap<Uuid, Vec<ContractEvent>> = BTreeMap::new();
    for (id, e) in app.store.events_of_contracts(company, &ids).await? {
        events.entry(id).or_default().push(e);
    }
    let book = index_book(app, company).await?;
    let company_currency = app.store.company(company).await?.currency;
    let mut rows = Vec::with_capacity(records.len());
    for mut rec in records {
        rec.events = events.remove(&rec.id).unwrap_or_default();
        rec.billed = billed.remove(&rec.id).unwrap_or_default();
        let terms = StoredTerms::read(&rec)?;
        let currency = terms.invoice.currency.as_deref().and_then(|c| c.parse().ok()).unwrap_or(company_currency);
        let lines = terms.lines(&rec)?;
        let running = matches!(rec.status.as_str(), "active" | "suspended" | "draft");
        let next = if running {
            // Far enough for a yearly billing.
            let to = contract::period::add_months(today, 13).unwrap_or(today);
            let keys: BTreeSet<(usize, Date)> = rec.billed.iter().map(|b| (b.line, b.period_start)).collect();
            let items =
                contract::billing::forecast(&terms.billing(&rec), &events_of(&rec), &book, rec.start, to, |d| {
                    currency.round(d)
                });
            let first = items.iter().find(|i| !keys.contains(&i.key())).map(|i| (i.billing_date, i.period.start));
            first.map(|(day, start)| {
                let same: Vec<_> = items.iter().filter(|i| i.billing_date == day && i.period.start == start).collect();
                let estimated = same.iter().any(|i| i.revision.as_ref().is_some_and(|r| r.estimated));
                (day, contract::period_net(same, &lines, currency), estimated)
            })
        } else {
            None
        };
        let one = LineTerms::default();
        let per_period = terms
            .prices
            .iter()
            .enumerate()
            .map(|(i, p)| lines.get(i).unwrap_or(&one).net(currency.round(*p), currency))
            .sum();
        rows.push(ListRow { record: rec, currency, per_period, next });
    }
    Ok((rows, next_cursor))
}

//! The accounting hand-off: the FEC of a period, streamed page by page (documents and
//! payments read in keyset pages, each page's entries written and handed on before
//! the next is read), and the invoice list of a period for a spreadsheet. Shared by the
//! API (`api::accounting`) and the CLI (`facturier export`).

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use facturier_core::accounting::Entry;
use facturier_core::accounting::{
    Auxiliary, Chart, MoneyKind, Movement, Sale, Share, customer_account, money_entry, sale_entry,
};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_formats::accounting::software::{Software, write_entry};
use facturier_formats::accounting::{FecOptions, FecWriter, file_name};
use facturier_formats::export::{Cell, Sheet};
use facturier_store::Store;
use facturier_store::accounting::{MoneyRow, SaleCursor};
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

/// Documents or payments read per page.
pub const PAGE: u32 = 500;

/// The period of an export: both days included.
#[derive(Clone, Copy, Debug)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// `from`/`to` as given, the calendar year of `today` by default; `from` after `to`
    /// is refused, naming `from`.
    pub fn parse(from: Option<Date>, to: Option<Date>, today: Date) -> Result<Period, ApiError> {
        let year = today.year();
        let from = from.unwrap_or_else(|| Date::from_ordinal_date(year, 1).unwrap_or(today));
        let to =
            to.unwrap_or_else(|| Date::from_calendar_date(from.year(), time::Month::December, 31).unwrap_or(today));
        if from > to {
            return Err(ApiError::field("from", Message::new("export_period_order").with("from", from).with("to", to)));
        }
        Ok(Period { from, to })
    }
}

/// Where the FEC is in its reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Sales,
    Money,
    Reversals,
    Done,
}

/// An accounting software's file being written: its layout, its bytes not yet handed
/// on, each journal's last entry number, the lines written.
type SoftwareFile = (Software, Vec<u8>, BTreeMap<String, u64>, u64);

/// A FEC being written: each call to [`FecStream::next_chunk`] reads one page and
/// gives the bytes of its entries.
pub struct FecStream {
    store: Store,
    company: Uuid,
    currency: Currency,
    chart: Chart,
    period: Period,
    writer: FecWriter<Vec<u8>>,
    /// Set for an accounting software's file instead of the FEC: its layout, its bytes and
    /// each journal's last entry number.
    software: Option<SoftwareFile>,
    phase: Phase,
    after: Option<SaleCursor>,
    /// The file's name: `SIRENFECAAAAMMJJ.txt`.
    pub name: String,
}

impl FecStream {
    /// Starts the FEC of `period` for `company`; `today` is its validation date.
    pub async fn start(
        store: &Store,
        company: Uuid,
        period: Period,
        options: FecOptions,
        today: Date,
    ) -> Result<FecStream, ApiError> {
        let c = store.company(company).await?;
        let settings = store.settings(company).await?;
        let siren = settings.identity.as_ref().and_then(|s| s.siren.as_ref()).map(|s| s.to_string());
        let name = match siren {
            Some(s) => file_name(&s, period.to),
            None => file_name("", period.to),
        };
        let writer = FecWriter::new(Vec::with_capacity(64 * 1024), options, today)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(FecStream {
            store: store.clone(),
            company,
            currency: c.currency,
            chart: settings.accounting,
            period,
            writer,
            software: None,
            phase: Phase::Sales,
            after: None,
            name,
        })
    }

    /// The same entries in the layout of an accounting software instead of the FEC.
    pub fn as_software(mut self, software: Software) -> FecStream {
        self.name = software.file_name(self.period.to);
        self.software = Some((software, Vec::with_capacity(64 * 1024), BTreeMap::new(), 0));
        self
    }

    /// Entries and lines written so far.
    pub fn counts(&self) -> (u64, u64) {
        match &self.software {
            Some((_, _, numbers, lines)) => (numbers.values().sum(), *lines),
            None => (self.writer.entries, self.writer.lines),
        }
    }

    fn write(&mut self, e: &Entry) -> Result<(), ApiError> {
        match &mut self.software {
            Some((software, out, numbers, lines)) => {
                let n = numbers.entry(e.journal.code.clone()).or_insert(0);
                *n += 1;
                write_entry(*software, e, *n, out);
                *lines += e.lines.len() as u64;
                Ok(())
            }
            None => self.writer.write(e).map(|_| ()).map_err(|e| ApiError::Internal(e.to_string())),
        }
    }

    /// The next bytes of the file (the header comes with the first page), `None` at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ApiError> {
        let Period { from, to } = self.period;
        match self.phase {
            Phase::Done => return Ok(None),
            Phase::Sales => {
                let page = self.store.accounting_sales(self.company, from, to, self.after, PAGE).await?;
                if page.len() < PAGE as usize {
                    self.phase = Phase::Money;
                    self.after = None;
                } else {
                    self.after = page.last().map(|s| (s.issue_date, s.id));
                }
                for s in &page {
                    let totals = s.content.totals();
                    let customer = Auxiliary {
                        account: customer_account(s.customer_account.as_deref(), &s.customer_name, s.customer_id),
                        label: s.customer_name.clone(),
                    };
                    let sale = Sale {
                        kind: s.kind,
                        number: &s.number,
                        issue_date: s.issue_date,
                        content: &s.content,
                        totals: &totals,
                        customer,
                        lettering: s.lettering.clone(),
                    };
                    if let Some(e) = sale_entry(&self.chart, self.currency, &sale) {
                        self.write(&e)?;
                    }
                }
            }
            Phase::Money | Phase::Reversals => {
                let reversals = self.phase == Phase::Reversals;
                let (page, next) =
                    self.store.accounting_money(self.company, from, to, self.after, PAGE, reversals).await?;
                for m in &page {
                    let e = money_entry(&self.chart, self.currency, &movement(m, reversals, self.currency));
                    self.write(&e)?;
                }
                match next {
                    Some(n) => self.after = Some(n),
                    None if reversals => self.phase = Phase::Done,
                    None => {
                        self.phase = Phase::Reversals;
                        self.after = None;
                    }
                }
            }
        }
        let header = std::mem::take(self.writer.get_mut());
        Ok(Some(match &mut self.software {
            Some((_, out, _, _)) => std::mem::take(out),
            None => header,
        }))
    }
}

/// A stored receipt or refund as the movement its entry is written from.
fn movement(m: &MoneyRow, reversal: bool, company: Currency) -> Movement<'_> {
    let currency: Currency = m.currency.parse().unwrap_or(company);
    let piece = match &m.reference {
        Some(r) if !r.trim().is_empty() => r.clone(),
        _ => format!("{}-{}", if m.kind == "refund" { "REMB" } else { "REGL" }, &m.id.simple().to_string()[..12]),
    };
    Movement {
        kind: if m.kind == "refund" { MoneyKind::Refund } else { MoneyKind::Receipt },
        date: if reversal { m.cancelled_on.unwrap_or(m.paid_on) } else { m.paid_on },
        paid_on: m.paid_on,
        method: &m.method,
        piece,
        customer: Auxiliary {
            account: customer_account(m.customer_account.as_deref(), &m.customer_name, m.customer_id),
            label: m.customer_name.clone(),
        },
        currency,
        exchange_rate: m.exchange_rate,
        amount: m.amount,
        shares: m
            .shares
            .iter()
            .map(|s| Share { invoice: s.invoice.clone(), amount: s.amount, lettering: s.lettering.clone() })
            .collect(),
        reversal,
    }
}

/// Starts the FEC of the caller's company.
pub async fn fec(app: &App, auth: &Auth, period: Period, options: FecOptions) -> Result<FecStream, ApiError> {
    FecStream::start(&app.store, auth.company(), period, options, auth.today()).await
}

/// The invoice list of a period as a sheet: every issued invoice, deposit invoice and
/// credit note, with its amounts (a credit note's counting negative).
pub async fn invoice_sheet(app: &App, auth: &Auth, period: Period) -> Result<Sheet, ApiError> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = app.store.invoice_list(auth.company(), period.from, period.to, after, PAGE).await?;
        let full = page.len() >= PAGE as usize;
        after = page.last().map(|r| (r.issue_date, r.id));
        for r in page {
            let sign =
                if r.kind == "credit_note" { -facturier_core::Decimal::ONE } else { facturier_core::Decimal::ONE };
            rows.push(vec![
                Cell::text(r.number),
                Cell::text(r.kind),
                Cell::text(r.issue_date.to_string()),
                Cell::text(r.due_date.map(|d| d.to_string()).unwrap_or_default()),
                Cell::text(r.customer_name),
                Cell::text(r.currency),
                Cell::amount(r.net * sign),
                Cell::amount(r.vat_total * sign),
                Cell::amount(r.gross * sign),
                Cell::amount(r.paid),
                Cell::amount(r.due),
                Cell::text(r.status),
            ]);
        }
        if !full {
            break;
        }
    }
    let headers = [
        "number",
        "kind",
        "issue_date",
        "due_date",
        "customer",
        "currency",
        "net",
        "vat",
        "gross",
        "paid",
        "due",
        "status",
    ];
    Ok(Sheet {
        name: format!("Factures {} {}", period.from, period.to),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    })
}

/// A customer's auxiliary account as the exports write it
/// (`core::accounting::customer_account`): the one set on the customer, else the one made
/// from its name and id. The API's customer and the debtor account page show it.
pub async fn auxiliary_account(
    store: &Store,
    company: Uuid,
    customer_id: Uuid,
    name: &str,
) -> Result<String, ApiError> {
    let own = store.customer_account(company, customer_id).await?;
    Ok(customer_account(own.as_deref(), name, customer_id))
}

//! The accounting hand-off: the FEC of a period, streamed page by page (documents and
//! payments read in keyset pages, each page's entries written and handed on before
//! the next is read), and the invoice list of a period for a spreadsheet. Shared by the
//! API (`api::accounting`) and the CLI (`facturier export`).

use crate::App;
use crate::auth::Auth;
use crate::error::ApiError;
use facturier_core::accounting::{
    Auxiliary, Chart, Collection, MoneyKind, Movement, Sale, Settlement, Share, customer_account, fiscal_year,
    money_entry, pending_vat, sale_entry, settled_around,
};
use facturier_core::accounting::{CsvProfile, Entry};
use facturier_core::document::Content;
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::Language;
use facturier_formats::accounting::fec::{COLUMNS, entry_number};
use facturier_formats::accounting::software::{Software, write_entry};
use facturier_formats::accounting::{FecOptions, FecWriter, file_name};
use facturier_formats::export::{self, Cell, Sheet};
use facturier_store::Store;
use facturier_store::accounting::{MoneyRow, SaleCursor, SaleRow};
use facturier_store::accounting_exports::{ExportParts, ExportRecord, Mark, MovementKind, NewExport, NewMark};
use std::collections::{BTreeMap, HashMap};
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
    /// `from`/`to` as given; by default the fiscal year (starting in `start_month`) of
    /// `today`, and for `to` the end of the fiscal year of `from`. `from` after `to` is
    /// refused, naming `from`.
    pub fn parse(from: Option<Date>, to: Option<Date>, today: Date, start_month: u8) -> Result<Period, ApiError> {
        let from = from.unwrap_or_else(|| fiscal_year(today, start_month).0);
        let to = to.unwrap_or_else(|| fiscal_year(from, start_month).1);
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

/// What the entries are written as.
enum Output {
    /// The FEC (`FecStream::writer`).
    Fec,
    /// An accounting software's layout, with its bytes not yet handed on.
    Software(Software, Vec<u8>),
    /// The entry lines as rows of an XLSX sheet, written at the end.
    Sheet(Vec<Vec<Cell>>),
    /// The entry lines as a CSV of a profile, with its bytes not yet handed on.
    Csv(CsvProfile, Vec<u8>),
}

/// The line selector of an export run: the journals it takes, whether movements exported
/// before are written again, and the numbers it gives those it exports first.
pub struct Selection {
    journals: Vec<String>,
    reexport: bool,
    /// The last number of each journal, moved on as this run numbers entries.
    last: BTreeMap<String, u64>,
    /// The movements this run exports first, with their numbers.
    pub new_marks: Vec<NewMark>,
    /// Entries written again (exported before, with the number they got then).
    pub again: u64,
    /// Entries left out because they were exported before.
    pub skipped: u64,
}

impl Selection {
    /// `journals` (empty: every journal); `last`: each journal's last number given.
    pub fn new(journals: Vec<String>, reexport: bool, last: BTreeMap<String, u64>) -> Selection {
        Selection { journals, reexport, last, new_marks: Vec::new(), again: 0, skipped: 0 }
    }
}

/// A FEC being written: each call to [`FecStream::next_chunk`] reads one page and
/// gives the bytes of its entries.
pub struct FecStream {
    store: Store,
    company: Uuid,
    currency: Currency,
    chart: Chart,
    period: Period,
    writer: FecWriter<Vec<u8>>,
    output: Output,
    /// Outside the FEC: each journal's last entry number, the entries and lines written.
    numbers: BTreeMap<String, u64>,
    entries: u64,
    lines: u64,
    /// Set for an export run: what it writes and under which numbers.
    selection: Option<Selection>,
    /// The validation day (the export's).
    today: Date,
    phase: Phase,
    after: Option<SaleCursor>,
    /// The next page, being read while this one is written: reading (SQLite on a
    /// blocking thread) and writing (parsing, entries, encoding) take a core each.
    ahead: Option<tokio::task::JoinHandle<Result<Page, ApiError>>>,
    /// The file's name: `SIRENFECAAAAMMJJ.txt`.
    pub name: String,
}

impl Drop for FecStream {
    /// A download cut short stops the page being read for it.
    fn drop(&mut self) {
        if let Some(h) = self.ahead.take() {
            h.abort();
        }
    }
}

/// A page of movements and what writing their entries needs.
struct Page {
    rows: Rows,
    /// The marks of its movements (an export run only).
    marks: HashMap<Uuid, Mark>,
    /// What VAT on collection needs of the invoices it settles (when the company books it).
    facts: HashMap<Uuid, (Content, Vec<Settlement>)>,
}

enum Rows {
    Sales(Vec<SaleRow>),
    /// The payments, and where the next page starts (`None`: this was the last).
    Money(Vec<MoneyRow>, Option<SaleCursor>),
}

/// What reading a page needs, to be moved onto a task of its own.
#[derive(Clone)]
struct PageReader {
    store: Store,
    company: Uuid,
    period: Period,
    /// An export run: read each page's marks.
    marks: bool,
    /// VAT on collection: read the facts of the invoices a page settles.
    collection: bool,
}

impl PageReader {
    async fn read(self, phase: Phase, after: Option<SaleCursor>) -> Result<Page, ApiError> {
        let Period { from, to } = self.period;
        let (rows, kind, ids, settled) = match phase {
            Phase::Sales => {
                let page = self.store.accounting_sales(self.company, from, to, after, PAGE).await?;
                let ids: Vec<Uuid> = page.iter().map(|s| s.id).collect();
                let settled: Vec<Uuid> = page.iter().filter_map(|s| s.parent).collect();
                (Rows::Sales(page), MovementKind::Sale, ids, settled)
            }
            Phase::Money | Phase::Reversals => {
                let reversals = phase == Phase::Reversals;
                let (page, next) = self.store.accounting_money(self.company, from, to, after, PAGE, reversals).await?;
                let kind = if reversals { MovementKind::Reversal } else { MovementKind::Payment };
                let ids: Vec<Uuid> = page.iter().map(|m| m.id).collect();
                let receipts = page.iter().filter(|m| m.kind == "receipt");
                let settled: Vec<Uuid> = receipts.flat_map(|m| &m.shares).map(|s| s.document_id).collect();
                (Rows::Money(page, next), kind, ids, settled)
            }
            Phase::Done => (Rows::Sales(Vec::new()), MovementKind::Sale, Vec::new(), Vec::new()),
        };
        let marks = if self.marks && !ids.is_empty() {
            self.store.export_marks(self.company, kind, &ids).await?
        } else {
            HashMap::new()
        };
        let facts = if self.collection && !settled.is_empty() {
            self.store.collection_facts(self.company, &settled).await?
        } else {
            HashMap::new()
        };
        Ok(Page { rows, marks, facts })
    }
}

/// What [`FecStream::write_to`] wrote.
pub struct Written {
    pub name: String,
    pub media_type: String,
    pub entries: u64,
    pub lines: u64,
    pub selection: Option<Selection>,
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
            output: Output::Fec,
            numbers: BTreeMap::new(),
            entries: 0,
            lines: 0,
            selection: None,
            today,
            phase: Phase::Sales,
            after: None,
            ahead: None,
            name,
        })
    }

    /// The same entries in the layout of an accounting software instead of the FEC.
    pub fn as_software(mut self, software: Software) -> FecStream {
        self.name = software.file_name(self.period.to);
        self.output = Output::Software(software, Vec::with_capacity(64 * 1024));
        self
    }

    /// The same entries as the rows of a sheet (the FEC's columns), for [`FecStream::write_to`].
    pub fn as_sheet(mut self, ext: &str) -> FecStream {
        self.name = format!("ecritures-{}-{}.{ext}", self.period.from, self.period.to);
        self.output = Output::Sheet(Vec::new());
        self
    }

    /// The same entries as a CSV of `profile` (its columns, separator, marks, encoding).
    pub fn as_csv(mut self, profile: CsvProfile) -> FecStream {
        self.name = format!("ecritures-{}-{}.csv", self.period.from, self.period.to);
        let mut out = Vec::with_capacity(64 * 1024);
        facturier_formats::accounting::csv::header(&profile, &mut out);
        self.output = Output::Csv(profile, out);
        self
    }

    /// The company's own CSV profile (`accounting.csv` of its settings).
    pub fn csv_profile(&self) -> CsvProfile {
        self.chart.csv.clone()
    }

    /// Writes only what `selection` takes, under its numbers (an export run).
    pub fn selecting(mut self, selection: Selection) -> FecStream {
        self.selection = Some(selection);
        self
    }

    /// Entries and lines written so far.
    pub fn counts(&self) -> (u64, u64) {
        match &self.output {
            Output::Fec => (self.writer.entries, self.writer.lines),
            _ => (self.entries, self.lines),
        }
    }

    /// Writes `e`, the entry of a movement, if the selection takes it.
    fn emit(
        &mut self,
        e: &Entry,
        movement: MovementKind,
        id: Uuid,
        marks: &HashMap<Uuid, Mark>,
    ) -> Result<(), ApiError> {
        let number = match &mut self.selection {
            None => None,
            Some(sel) => {
                if !sel.journals.is_empty() && !sel.journals.contains(&e.journal.code) {
                    return Ok(());
                }
                match marks.get(&id) {
                    Some(_) if !sel.reexport => {
                        sel.skipped += 1;
                        return Ok(());
                    }
                    // Written again under the number it got when first exported.
                    Some(m) => {
                        sel.again += 1;
                        Some(m.number)
                    }
                    None => {
                        let n = sel.last.entry(e.journal.code.clone()).or_insert(0);
                        *n += 1;
                        sel.new_marks.push(NewMark {
                            movement,
                            movement_id: id,
                            journal: e.journal.code.clone(),
                            number: *n,
                        });
                        Some(*n)
                    }
                }
            }
        };
        self.write(e, number)
    }

    fn write(&mut self, e: &Entry, number: Option<u64>) -> Result<(), ApiError> {
        let next = |numbers: &mut BTreeMap<String, u64>| {
            let n = numbers.entry(e.journal.code.clone()).or_insert(0);
            *n += 1;
            *n
        };
        match &mut self.output {
            Output::Fec => {
                let written = match number {
                    Some(n) => self.writer.write_numbered(e, n),
                    None => self.writer.write(e),
                };
                return written.map(drop).map_err(|e| ApiError::Internal(e.to_string()));
            }
            Output::Software(software, out) => {
                let n = number.unwrap_or_else(|| next(&mut self.numbers));
                write_entry(*software, e, n, out);
            }
            Output::Sheet(rows) => {
                let n = number.unwrap_or_else(|| next(&mut self.numbers));
                rows.extend(sheet_rows(e, n, self.today));
            }
            Output::Csv(profile, out) => {
                let n = number.unwrap_or_else(|| next(&mut self.numbers));
                facturier_formats::accounting::csv::write_entry(profile, e, n, self.today, out);
            }
        }
        self.entries += 1;
        self.lines += e.lines.len() as u64;
        Ok(())
    }

    fn reader(&self) -> PageReader {
        PageReader {
            store: self.store.clone(),
            company: self.company,
            period: self.period,
            marks: self.selection.is_some(),
            collection: self.chart.vat_on_collection_for_services,
        }
    }

    /// The next bytes of the file (the header comes with the first page), `None` at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ApiError> {
        if self.phase == Phase::Done {
            return Ok(None);
        }
        let read_in = self.phase;
        let page = match self.ahead.take() {
            Some(h) => h.await.map_err(|e| ApiError::Internal(format!("a page of the export: {e}")))??,
            None => self.reader().read(self.phase, self.after).await?,
        };
        // Where the next page starts; it is read while this one is written.
        match &page.rows {
            Rows::Sales(rows) if rows.len() < PAGE as usize => {
                self.phase = Phase::Money;
                self.after = None;
            }
            Rows::Sales(rows) => self.after = rows.last().map(|s| (s.issue_date, s.id)),
            Rows::Money(_, Some(next)) => self.after = Some(*next),
            Rows::Money(..) if self.phase == Phase::Reversals => self.phase = Phase::Done,
            Rows::Money(..) => {
                self.phase = Phase::Reversals;
                self.after = None;
            }
        }
        if self.phase != Phase::Done {
            self.ahead = Some(tokio::spawn(self.reader().read(self.phase, self.after)));
        }
        let Page { rows, marks, facts } = page;
        match rows {
            Rows::Sales(page) => {
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
                        // A credit note on its invoice settles it.
                        settles: s.parent.and_then(|p| {
                            let at =
                                Settlement { day: s.issue_date, cancellation: false, id: s.id, amount: totals.gross };
                            collection(&self.chart, facts.get(&p)?, &at)
                        }),
                    };
                    if let Some(e) = sale_entry(&self.chart, self.currency, &sale) {
                        self.emit(&e, MovementKind::Sale, s.id, &marks)?;
                    }
                }
            }
            Rows::Money(page, _) => {
                let reversals = read_in == Phase::Reversals;
                let kind = if reversals { MovementKind::Reversal } else { MovementKind::Payment };
                for m in &page {
                    let mut movement = movement(m, reversals, self.currency);
                    if m.kind == "receipt" {
                        for (share, row) in movement.shares.iter_mut().zip(&m.shares) {
                            let amount = if reversals { -row.amount } else { row.amount };
                            let at = Settlement { day: row.paid_on, cancellation: reversals, id: m.id, amount };
                            share.collection =
                                facts.get(&row.document_id).and_then(|f| collection(&self.chart, f, &at));
                        }
                    }
                    let e = money_entry(&self.chart, self.currency, &movement);
                    self.emit(&e, kind, m.id, &marks)?;
                }
            }
        }
        let header = std::mem::take(self.writer.get_mut());
        Ok(Some(match &mut self.output {
            Output::Fec => header,
            Output::Software(_, out) | Output::Csv(_, out) => std::mem::take(out),
            Output::Sheet(_) => Vec::new(),
        }))
    }

    /// Reads every page and writes the file to `parts` as it goes (an export run, which
    /// is stored). A sheet is the exception: a workbook is made whole, then written.
    pub async fn write_to(mut self, parts: &mut ExportParts) -> Result<Written, ApiError> {
        while let Some(chunk) = self.next_chunk().await? {
            parts.write(&chunk).await?;
        }
        let (entries, lines) = self.counts();
        let media_type = match &mut self.output {
            Output::Fec => format!("text/plain; charset={}", self.writer.encoding().charset()),
            Output::Software(..) => "text/plain; charset=us-ascii".to_string(),
            Output::Csv(profile, _) => format!("text/csv; charset={}", profile.encoding),
            Output::Sheet(rows) => {
                let xlsx = self.name.ends_with(".xlsx");
                let sheet = Sheet {
                    name: format!("Ecritures {} {}", self.period.from, self.period.to),
                    headers: COLUMNS.iter().map(|c| c.to_string()).collect(),
                    rows: std::mem::take(rows),
                };
                let (file, media) = if xlsx {
                    (export::xlsx(&sheet), export::XLSX_TYPE)
                } else {
                    (export::csv(&sheet, Language::Fr), export::CSV_TYPE)
                };
                parts.write(&file.map_err(|e| ApiError::Internal(e.to_string()))?).await?;
                media.to_string()
            }
        };
        Ok(Written {
            name: std::mem::take(&mut self.name),
            media_type,
            entries,
            lines,
            selection: self.selection.take(),
        })
    }
}

/// The lines of an entry as sheet rows, in the FEC's columns.
fn sheet_rows(e: &Entry, n: u64, valid: Date) -> Vec<Vec<Cell>> {
    let num = entry_number(&e.journal.code, n);
    e.lines
        .iter()
        .map(|l| {
            let (aux, aux_label) = match &l.auxiliary {
                Some(a) => (a.account.clone(), a.label.clone()),
                None => (String::new(), String::new()),
            };
            let (let_code, let_date) = match &l.lettering {
                Some(x) => (x.code.clone(), Cell::date(x.date)),
                None => (String::new(), Cell::text(String::new())),
            };
            vec![
                Cell::text(e.journal.code.clone()),
                Cell::text(e.journal.label.clone()),
                Cell::text(num.clone()),
                Cell::date(e.date),
                Cell::text(l.account.clone()),
                Cell::text(l.account_label.clone()),
                Cell::text(aux),
                Cell::text(aux_label),
                Cell::text(e.piece.clone()),
                Cell::date(e.piece_date),
                Cell::text(l.label.clone()),
                Cell::amount(l.debit),
                Cell::amount(l.credit),
                Cell::text(let_code),
                let_date,
                Cell::date(valid),
                l.currency_amount.map(Cell::amount).unwrap_or_else(|| Cell::text(String::new())),
                Cell::text(e.currency.clone().unwrap_or_default()),
            ]
        })
        .collect()
}

/// What settlement `at` of an invoice (its content and all its settlements) moves of
/// its VAT on collection; `None` when nothing of it waits.
fn collection(chart: &Chart, (content, all): &(Content, Vec<Settlement>), at: &Settlement) -> Option<Collection> {
    let totals = content.totals();
    let pending = pending_vat(chart, content, &totals);
    if pending.is_empty() {
        return None;
    }
    let (before, after) = settled_around(all, at);
    Some(Collection { currency: content.currency, pending, gross: totals.gross, before, after })
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
            .map(|s| Share {
                invoice: s.invoice.clone(),
                amount: s.amount,
                lettering: s.lettering.clone(),
                collection: None,
            })
            .collect(),
        reversal,
    }
}

/// Starts the FEC of the caller's company.
pub async fn fec(app: &App, auth: &Auth, period: Period, options: FecOptions) -> Result<FecStream, ApiError> {
    FecStream::start(&app.store, auth.company(), period, options, auth.today()).await
}

/// The day a closing goes through: given, a day that is over (422 on `through`).
pub fn parse_closing(through: Option<&str>, today: Date) -> Result<Date, ApiError> {
    let Some(text) = through else { return Err(ApiError::field("through", Message::new("required"))) };
    let day = crate::input::parse_date(text)
        .ok_or_else(|| ApiError::field("through", Message::new("not_a_date").with("v", format!("{text:?}"))))?;
    if day >= today {
        return Err(ApiError::field("through", Message::new("accounting_closing_future").with("through", day)));
    }
    Ok(day)
}

/// The format of an export run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Fec,
    Ximport,
    Quadratus,
    Ebp,
    /// The entry lines in the FEC's columns, CSV in French notation.
    Csv,
    /// The same as an XLSX workbook.
    Xlsx,
}

impl ExportFormat {
    /// Every format, in the order the forms offer them.
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Fec,
        ExportFormat::Ximport,
        ExportFormat::Quadratus,
        ExportFormat::Ebp,
        ExportFormat::Csv,
        ExportFormat::Xlsx,
    ];

    /// Its name in requests and in the history.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Fec => "fec",
            ExportFormat::Ximport => "ximport",
            ExportFormat::Quadratus => "quadratus",
            ExportFormat::Ebp => "ebp",
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    /// `fec`, `ximport`, `quadratus`, `ebp`, `csv` or `xlsx`.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// What an export run is asked for: the line selector.
#[derive(Clone, Debug)]
pub struct ExportRequest {
    pub format: ExportFormat,
    pub period: Period,
    /// Journal codes; empty: every journal.
    pub journals: Vec<String>,
    /// Write again the movements of the period exported before (with their numbers).
    pub reexport: bool,
    /// The CSV profile of this run (`csv` only); `None`: the company's.
    pub csv: Option<CsvProfile>,
}

/// Times an export run is built again when another run was recorded meanwhile.
const RECORD_ATTEMPTS: usize = 5;

/// Records a run whose file `parts` holds: `None` when another run was recorded meanwhile.
async fn record_built(
    store: &Store,
    company: Uuid,
    user: Option<Uuid>,
    request: &ExportRequest,
    seq: i64,
    built: Written,
    parts: ExportParts,
) -> Result<Option<ExportRecord>, ApiError> {
    let Some(sel) = built.selection else {
        return Err(ApiError::Internal("an export run without its selection".into()));
    };
    let Period { from, to } = request.period;
    if built.entries == 0 {
        let code = if sel.skipped > 0 { "export_nothing_new" } else { "export_empty" };
        return Err(ApiError::field("from", Message::new(code).with("from", from).with("to", to)));
    }
    let file = parts.finish().await?;
    let reexport = sel.again > 0;
    let name = if reexport { reexport_name(&built.name, seq + 1) } else { built.name };
    let new = NewExport {
        after_seq: seq,
        format: request.format.as_str().into(),
        from,
        to,
        journals: request.journals.clone(),
        reexport,
        entries: built.entries,
        new_entries: sel.new_marks.len() as u64,
        lines: built.lines,
        file_name: name,
        media_type: built.media_type,
        file,
        created_by: user,
    };
    Ok(store.record_export(company, &new, &sel.new_marks).await?)
}

/// `name.ext` → `name-reexport-N.ext`: a re-export says so in its file name.
fn reexport_name(name: &str, seq: i64) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-reexport-{seq}.{ext}"),
        None => format!("{name}-reexport-{seq}"),
    }
}

/// Makes and records an export run: the entries of the period and journals asked for
/// that no run exported yet (and, on a re-export, those it did, under the numbers they
/// got then), numbered on from each journal's last number; the file is stored and each
/// movement exported first is marked with the run. Nothing to write is a 422: an empty
/// run would only clutter the history (`export_nothing_new` when everything of the
/// period was exported already, `export_empty` when the period has no entry).
pub async fn record_export(
    store: &Store,
    company: Uuid,
    user: Option<Uuid>,
    request: &ExportRequest,
    today: Date,
) -> Result<ExportRecord, ApiError> {
    for _ in 0..RECORD_ATTEMPTS {
        let seq = store.last_export_seq(company).await?;
        let last = store.export_last_numbers(company).await?;
        let stream = FecStream::start(store, company, request.period, FecOptions::default(), today).await?;
        let stream = match request.format {
            ExportFormat::Fec => stream,
            ExportFormat::Ximport => stream.as_software(Software::Ximport),
            ExportFormat::Quadratus => stream.as_software(Software::Quadratus),
            ExportFormat::Ebp => stream.as_software(Software::Ebp),
            ExportFormat::Csv => {
                let profile = request.csv.clone().unwrap_or_else(|| stream.csv_profile());
                stream.as_csv(profile)
            }
            ExportFormat::Xlsx => stream.as_sheet("xlsx"),
        };
        let stream = stream.selecting(Selection::new(request.journals.clone(), request.reexport, last));
        let mut parts = store.export_parts(company).await?;
        let id = parts.id;
        // The file goes to the store a part at a time; a run that is not recorded takes
        // its parts away with it.
        let recorded = match stream.write_to(&mut parts).await {
            Ok(built) => record_built(store, company, user, request, seq, built, parts).await,
            Err(e) => Err(e),
        };
        match recorded {
            Ok(Some(r)) => return Ok(r),
            Ok(None) => store.drop_export_parts(company, id).await?,
            Err(e) => {
                store.drop_export_parts(company, id).await?;
                return Err(e);
            }
        }
    }
    Err(ApiError::Conflict(Message::new("export_busy")))
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
                Cell::date(r.issue_date),
                r.due_date.map_or_else(|| Cell::text(String::new()), Cell::date),
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

/// The payments of a period as a sheet: every receipt and refund paid within it (a
/// cancelled one too, with its cancellation day), with the invoices it paid.
pub async fn payment_sheet(app: &App, auth: &Auth, period: Period) -> Result<Sheet, ApiError> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let (page, next) =
            app.store.accounting_money(auth.company(), period.from, period.to, after, PAGE, false).await?;
        for m in page {
            let invoices: Vec<&str> = m.shares.iter().map(|s| s.invoice.as_str()).collect();
            rows.push(vec![
                Cell::date(m.paid_on),
                Cell::text(m.kind.clone()),
                Cell::text(m.method.clone()),
                Cell::text(m.reference.clone().unwrap_or_default()),
                Cell::text(m.customer_name.clone()),
                Cell::text(m.currency.clone()),
                Cell::amount(m.amount),
                Cell::text(invoices.join(" ")),
                m.cancelled_on.map_or_else(|| Cell::text(String::new()), Cell::date),
            ]);
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let headers =
        ["paid_on", "kind", "method", "reference", "customer", "currency", "amount", "invoices", "cancelled_on"];
    Ok(Sheet {
        name: format!("Reglements {} {}", period.from, period.to),
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

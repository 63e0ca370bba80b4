//! Dunning (relances): the overdue invoices with their next step, and the run that takes
//! the steps due — one e-mail (every invoice's PDF attached) or one printable letter per
//! customer listing its invoices — plus undo, entries by hand and "never dun" holds.
//!
//! Which level is next is `core::dunning::next_step`'s rule, read from the steps taken;
//! the store keeps one live step per invoice and level, so two runs at once, or a run
//! again the same day, take each step once.

use crate::App;
use crate::error::ApiError;
use facturier_core::company::{Buyer, Seller};
use facturier_core::document::DocumentKind;
use facturier_core::dunning::{
    Channel, FRIENDLY, FeeLine, Level, NextQuoteStep, NextStep, Policy, Taken, fee_lines, friendly_due, late_charges,
    next_quote_follow_up, next_step,
};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::{CustomerKind, Language};
use facturier_formats::dunning::{MergeTemplate, QuoteFollowUpMail, QuoteLine, Reminder, ReminderLine, Tone};
use facturier_store::Store;
use facturier_store::dunning::{
    Attachment, Dispatch, OverdueInvoice, PlannedStep, SentQuote, StepRecord, Taken as StoreTaken,
};
use facturier_store::files::FileFormat;
use facturier_store::outbox::NewEmail;
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

/// An overdue invoice and what comes next for it.
pub struct Overdue {
    pub invoice: OverdueInvoice,
    pub days_overdue: i64,
    /// `None` once every level was taken.
    pub next: Option<NextStep>,
}

/// The company's overdue invoices on `as_of` (without held customers and invoices), each
/// with its next step; only `only` when given.
pub async fn overdue(app: &App, company: Uuid, as_of: Date, only: Option<&[Uuid]>) -> Result<Vec<Overdue>, ApiError> {
    let policy = app.store.settings(company).await?.dunning;
    let list = app.store.overdue_for_dunning(company, as_of, only).await?;
    Ok(list.into_iter().map(|i| overdue_one(&policy, i, as_of)).collect())
}

fn overdue_one(policy: &Policy, invoice: OverdueInvoice, as_of: Date) -> Overdue {
    let taken: Vec<Taken> = invoice.steps.iter().map(|(level, on)| Taken { level: level.clone(), on: *on }).collect();
    let next = next_step(policy, invoice.due_date, &taken, as_of);
    Overdue { days_overdue: facturier_core::dunning::days_late(invoice.due_date, as_of), invoice, next }
}

/// Why an invoice due for a step was left out of a run.
pub struct Skipped {
    pub invoice_id: Uuid,
    pub message: Message,
}

/// What a run did. The lists are filled only for a run that keeps them
/// ([`Keep::Everything`]); the counts always are.
#[derive(Default)]
pub struct RunReport {
    pub steps: Vec<StepRecord>,
    /// The letters made: (letter, customer).
    pub letters: Vec<(Uuid, Uuid)>,
    /// The e-mails queued.
    pub emails: Vec<Uuid>,
    pub skipped: Vec<Skipped>,
    /// The late-fee invoices issued: (dunned invoice, fee invoice).
    pub fees: Vec<(Uuid, Uuid)>,
    /// The customers walked.
    pub customers: usize,
    /// How many of each there were, kept or not.
    pub counts: RunCounts,
    keep: Keep,
}

/// How many steps, e-mails, letters, skipped invoices and late fees a run made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub steps: usize,
    pub emails: usize,
    pub letters: usize,
    pub skipped: usize,
    pub fees: usize,
}

/// What a run's report keeps besides its counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every step, e-mail, letter, skipped invoice and fee (an answer that lists them).
    #[default]
    Everything,
    /// Only the counts: a run over the whole company (the daily job, the benchmark) holds
    /// nothing that grows with the number of invoices.
    Counts,
}

impl RunReport {
    fn new(keep: Keep) -> RunReport {
        RunReport { keep, ..RunReport::default() }
    }

    fn steps(&mut self, steps: Vec<StepRecord>) {
        self.counts.steps += steps.len();
        if self.keep == Keep::Everything {
            self.steps.extend(steps);
        }
    }

    fn email(&mut self, id: Uuid) {
        self.counts.emails += 1;
        if self.keep == Keep::Everything {
            self.emails.push(id);
        }
    }

    fn letter(&mut self, id: Uuid, customer: Uuid) {
        self.counts.letters += 1;
        if self.keep == Keep::Everything {
            self.letters.push((id, customer));
        }
    }

    fn skipped(&mut self, skipped: impl IntoIterator<Item = Skipped>) {
        for s in skipped {
            self.counts.skipped += 1;
            if self.keep == Keep::Everything {
                self.skipped.push(s);
            }
        }
    }

    fn fee(&mut self, invoice: Uuid, fee: Uuid) {
        self.counts.fees += 1;
        if self.keep == Keep::Everything {
            self.fees.push((invoice, fee));
        }
    }
}

/// A run: whose, by whom, on which day, over which invoices (`None`: every overdue one),
/// sent how, taking which levels.
#[derive(Clone, Copy, Debug)]
pub struct RunRequest<'a> {
    pub company: Uuid,
    pub by_user: Option<Uuid>,
    pub as_of: Date,
    pub only: Option<&'a [Uuid]>,
    pub channel: Channel,
    pub levels: Levels,
    pub keep: Keep,
}

/// How a run picks the steps it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Levels {
    /// Every step due, sent through the run's channel (a run asked for by hand).
    All,
    /// Only the steps whose level goes out through the run's channel (the daily job).
    OfChannel,
}

/// How many customers a run reads at once: memory stays that of one page.
pub const PAGE_CUSTOMERS: usize = 200;

/// What one customer's message carries: the levels due on its overdue invoices, or the
/// friendly reminder of those about to fall due.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Levels,
    Friendly,
}

/// Takes every step due on `as_of` (with [`Levels::OfChannel`], only those whose level
/// goes out through `channel`), sent by `channel` (`email` or `letter`), grouped per
/// customer, and the friendly reminders due (by e-mail); bills the late fee of a level
/// that has one, once. Walks the customers page by page ([`PAGE_CUSTOMERS`] at a time,
/// in id order), so memory stays flat whatever the number of invoices; `progress` is told
/// each customer done (of how many). The API, the daily job and `facturier dunning run`
/// call it; e-mails wait in the outbox with their `email.send` jobs.
pub async fn run(
    app: &App,
    req: &RunRequest<'_>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<RunReport, ApiError> {
    let RunRequest { company, as_of, only, channel, levels, keep, .. } = *req;
    let store = &app.store;
    let settings = store.settings(company).await?;
    let policy = settings.dunning.clone();
    // Invoices due up to the friendly reminder's horizon are read with the overdue ones.
    let friendly_days = match (policy.friendly_reminder, channel) {
        (Some(f), Channel::Email | Channel::Both) => i64::from(f.days_before),
        _ => -1,
    };
    let horizon = as_of.checked_add(time::Duration::days(friendly_days + 1)).unwrap_or(as_of);
    let total = store.dunning_customers(company, horizon).await?;
    let ctx = RunContext {
        app,
        store,
        req,
        settings: &settings,
        policy: &policy,
        company_row: store.company(company).await?,
    };
    let mut report = RunReport::new(keep);
    let mut after = None;
    let mut done = 0;
    while let Some((page, last)) = store.dunning_page(company, horizon, after, PAGE_CUSTOMERS, only).await? {
        after = Some(last);
        let mut rest = page.as_slice();
        while let Some(first) = rest.first() {
            let n = rest.iter().take_while(|i| i.customer_id == first.customer_id).count();
            let (mine, tail) = rest.split_at(n);
            rest = tail;
            let mut due_levels = Vec::new();
            let mut friendly = Vec::new();
            for inv in mine {
                if inv.due_date < as_of {
                    let o = overdue_one(&policy, inv.clone(), as_of);
                    let wanted =
                        |n: &NextStep| n.due_now && (levels == Levels::All || n.level.channel.includes(channel));
                    if let Some(next) = o.next.filter(wanted) {
                        due_levels.push((o.invoice, next));
                    }
                } else {
                    let sent = inv.steps.iter().any(|(l, _)| l == FRIENDLY);
                    if friendly_due(&policy, inv.due_date, sent, as_of) {
                        let next = NextStep {
                            index: 0,
                            level: Level {
                                code: FRIENDLY.to_string(),
                                days: 0,
                                from: facturier_core::dunning::CountFrom::DueDate,
                                channel: Channel::Email,
                            },
                            due_on: as_of,
                            due_now: true,
                        };
                        friendly.push((inv.clone(), next));
                    }
                }
            }
            ctx.take(first.customer_id, due_levels, Kind::Levels, &mut report).await?;
            ctx.take(first.customer_id, friendly, Kind::Friendly, &mut report).await?;
            done += 1;
            progress(done, total.max(done));
        }
    }
    report.customers = done;
    Ok(report)
}

/// What every customer's steps of a run share.
struct RunContext<'a> {
    app: &'a App,
    store: &'a Store,
    req: &'a RunRequest<'a>,
    settings: &'a facturier_store::companies::CompanySettings,
    policy: &'a Policy,
    company_row: facturier_store::companies::Company,
}

impl RunContext<'_> {
    /// Takes one customer's steps of one kind with their e-mail or letter, then bills the
    /// late fees of the levels taken.
    async fn take(
        &self,
        customer_id: Uuid,
        mut group: Vec<(OverdueInvoice, NextStep)>,
        kind: Kind,
        report: &mut RunReport,
    ) -> Result<(), ApiError> {
        let store = self.store;
        let RunRequest { company, by_user, as_of, channel, .. } = *self.req;
        let channel = if kind == Kind::Friendly { Channel::Email } else { channel };
        // One transaction per customer; another run taking some of its steps first makes
        // it write nothing, and the customer's message is written again for the rest.
        for _attempt in 0..3 {
            if group.is_empty() {
                break;
            }
            let planned: Vec<PlannedStep> = group
                .iter()
                .map(|(inv, next)| PlannedStep {
                    invoice_id: inv.id,
                    customer_id,
                    level: next.level.code.clone(),
                    channel: if channel == Channel::Letter { "letter" } else { "email" },
                })
                .collect();
            let Some(letter) = compose(
                store,
                company,
                &self.company_row,
                self.settings,
                self.policy,
                customer_id,
                &group,
                as_of,
                kind,
            )
            .await?
            else {
                break;
            };
            let taken = match channel {
                Channel::Letter => {
                    let pdf = facturier_formats::pdf::render_letter(&letter.reminder)
                        .map_err(|e| ApiError::Internal(e.to_string()))?;
                    let level = group.iter().map(|(_, n)| n.level.code.as_str()).max().unwrap_or_default().to_string();
                    let d = Dispatch::Letter { level: &level, pdf: &pdf };
                    store.take_dunning_steps(company, by_user, as_of, &planned, &d).await?
                }
                _ => {
                    let Some(to) = letter.email.clone() else {
                        report.skipped(group.iter().map(|(inv, _)| Skipped {
                            invoice_id: inv.id,
                            message: Message::new("customer_e_mail_address"),
                        }));
                        break;
                    };
                    let (subject, body) = letter.reminder.email();
                    let mut files = Vec::new();
                    for (inv, _) in &group {
                        ensure_pdf(store, company, inv).await?;
                        let title = facturier_formats::text::kind_title(inv.kind, false, letter.reminder.language);
                        let name = file_name(title, &inv.number);
                        files.push(Attachment::Stored { name, document_id: inv.id, format: FileFormat::Pdf });
                    }
                    if files.is_empty() {
                        break;
                    }
                    let to = [to];
                    let email = NewEmail {
                        company_id: company,
                        document_id: None,
                        sender: letter.reminder.seller.email.as_deref(),
                        sender_name: &letter.sender_name,
                        to: &to,
                        cc: &[],
                        subject: &subject,
                        body: &body,
                        // Every invoice goes as its stored file, none copied into the outbox.
                        attachment: None,
                    };
                    let d = Dispatch::Email { email, more_attachments: &files };
                    store.take_dunning_steps(company, by_user, as_of, &planned, &d).await?
                }
            };
            match taken {
                StoreTaken::All(steps) => {
                    if let Some(s) = steps.first() {
                        if let Some(l) = s.letter_id {
                            report.letter(l, customer_id);
                        }
                        if let Some(e) = s.email_id {
                            report.email(e);
                        }
                    }
                    for step in &steps {
                        let Some((inv, _)) = group.iter().find(|(i, _)| i.id == step.invoice_id) else { continue };
                        self.late_fee(inv, step, letter.is_business, report).await?;
                    }
                    report.steps(steps);
                    break;
                }
                StoreTaken::Partly(left) => group.retain(|(inv, _)| left.contains(&inv.id)),
            }
        }
        Ok(())
    }

    /// Bills the late fee of the level `step` took on `inv`, when the policy sets one and
    /// something is owed: one invoice of its own, issued (numbered and sealed) like any
    /// other, once per invoice and level whatever the runs.
    async fn late_fee(
        &self,
        inv: &OverdueInvoice,
        step: &StepRecord,
        is_business: bool,
        report: &mut RunReport,
    ) -> Result<(), ApiError> {
        let Some(level) = step.level.as_deref() else { return Ok(()) };
        let Some(fee) = self.policy.late_fees.get(level) else { return Ok(()) };
        let RunRequest { company, as_of, .. } = *self.req;
        let currency: Currency = inv.currency.parse().unwrap_or(self.company_row.currency);
        let charges =
            late_charges(inv.due, &currency, self.settings.legal.late_penalty_rate, is_business, inv.due_date, as_of);
        let lines = fee_lines(fee, &charges);
        if lines.is_empty() || self.store.is_late_fee_invoice(company, inv.id).await? {
            return Ok(());
        }
        let lang = self.store.customer(company, inv.customer_id).await?.customer.language;
        let input = fee_input(inv, &currency, &lines, lang);
        let (ctx, customer_id) =
            crate::app::documents::input::context_in(self.store, company, Some(self.company_row.currency), &input)
                .await?;
        let content = input.parse(&ctx, customer_id)?;
        // Issued today, whatever the run's day: numbers follow the calendar.
        let today = facturier_core::calendar::today(&self.company_row.country);
        match self.store.issue_late_fee(company, inv.id, level, step.id, &content, today).await {
            Ok(Some(rec)) => {
                // Printed on the fee invoice as on any other, before its files are made.
                crate::app::documents::keep_printed_link(self.app, company, &rec).await;
                if let Err(e) = crate::files::ensure(self.store, company, &rec).await {
                    tracing::warn!(error = ?e, fee = %rec.id, "the late fee's files will be rendered by its job");
                }
                report.fee(inv.id, rec.id);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, invoice = %inv.id, "a late fee could not be issued");
                report.skipped([Skipped {
                    invoice_id: inv.id,
                    message: Message::new("dunning_fee_not_issued").with("e", e.to_string()),
                }]);
            }
        }
        Ok(())
    }
}

/// The draft of a late-fee invoice: one line per charge, outside the scope of VAT (an
/// indemnity or penalty is no supply: category O, its legal mention printed), due at once.
fn fee_input(
    inv: &OverdueInvoice,
    currency: &Currency,
    lines: &[FeeLine],
    lang: Language,
) -> crate::app::documents::input::DocumentInput {
    use crate::app::documents::input::{DocumentInput, LineInput};
    use crate::input::DecText;
    let fr = lang == Language::Fr;
    let line = |l: &FeeLine| {
        let description = match (l, fr) {
            (FeeLine::Fixed(_), true) => format!("Frais de relance — facture {}", inv.number),
            (FeeLine::Fixed(_), false) => format!("Dunning fee — invoice {}", inv.number),
            (FeeLine::Indemnity(_), true) => format!(
                "Indemnité forfaitaire pour frais de recouvrement (art. L441-10 et D441-5 C. com.) — facture {}",
                inv.number
            ),
            (FeeLine::Indemnity(_), false) => format!(
                "Fixed recovery indemnity (art. L441-10 and D441-5 of the French commercial code) — invoice {}",
                inv.number
            ),
            (FeeLine::Penalties(_), true) => format!("Pénalités de retard — facture {}", inv.number),
            (FeeLine::Penalties(_), false) => format!("Late-payment penalties — invoice {}", inv.number),
        };
        LineInput {
            description: Some(description),
            quantity: Some(DecText("1".into())),
            unit_price: Some(DecText(l.amount().to_string())),
            vat_rate: Some(DecText("0".into())),
            vat_category: Some("O".into()),
            ..LineInput::default()
        }
    };
    DocumentInput {
        customer_id: Some(inv.customer_id.to_string()),
        currency: Some(currency.code().to_string()),
        payment_terms: Some(DecText("0".into())),
        lines: Some(lines.iter().map(line).collect()),
        customer_reference: Some(inv.number.clone()),
        ..DocumentInput::default()
    }
}

/// The request of a quote follow-up run.
#[derive(Clone, Copy, Debug)]
pub struct QuoteRunRequest {
    pub company: Uuid,
    pub by_user: Option<Uuid>,
    pub as_of: Date,
}

/// A sent quote and its next follow-up.
pub struct QuoteDue {
    pub quote: SentQuote,
    /// `None` once every follow-up was sent.
    pub next: Option<NextQuoteStep>,
}

/// The sent quotes not accepted yet on `as_of` (not held), each with its next follow-up;
/// one page of customers after `after` ([`PAGE_CUSTOMERS`] at a time).
pub async fn quotes_page(
    store: &Store,
    policy: &Policy,
    company: Uuid,
    as_of: Date,
    after: Option<Uuid>,
) -> Result<Option<(Vec<QuoteDue>, Uuid)>, ApiError> {
    let Some((page, last)) = store.quote_page(company, as_of, after, PAGE_CUSTOMERS).await? else {
        return Ok(None);
    };
    let list = page
        .into_iter()
        .map(|q| {
            let taken: Vec<Taken> = q.steps.iter().map(|(level, on)| Taken { level: level.clone(), on: *on }).collect();
            let next = next_quote_follow_up(policy, q.sent_on, &taken, as_of);
            QuoteDue { quote: q, next }
        })
        .collect();
    Ok(Some((list, last)))
}

/// Sends the quote follow-ups due on `as_of`: one e-mail per customer listing its sent
/// quotes whose follow-up is due, each follow-up taken once (the same steps and unique
/// key as the invoices' levels), customer by customer.
pub async fn run_quotes(
    store: &Store,
    req: &QuoteRunRequest,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<RunReport, ApiError> {
    let QuoteRunRequest { company, by_user, as_of } = *req;
    let settings = store.settings(company).await?;
    let policy = settings.dunning.clone();
    let mut report = RunReport::default();
    let mut after = None;
    while let Some((page, last)) = quotes_page(store, &policy, company, as_of, after).await? {
        after = Some(last);
        let mut by_customer: BTreeMap<Uuid, Vec<(SentQuote, NextQuoteStep)>> = BTreeMap::new();
        for q in page {
            if let Some(n) = q.next.filter(|n| n.due_now) {
                by_customer.entry(q.quote.customer_id).or_default().push((q.quote, n));
            }
        }
        for (customer_id, mut group) in by_customer {
            report.customers += 1;
            for _attempt in 0..3 {
                if group.is_empty() {
                    break;
                }
                let customer = store.customer(company, customer_id).await?.customer;
                let Some(to) = customer_email(&customer, None) else {
                    report.skipped(
                        group.iter().map(|(q, _)| Skipped {
                            invoice_id: q.id,
                            message: Message::new("customer_e_mail_address"),
                        }),
                    );
                    break;
                };
                let seller = match &settings.identity {
                    Some(s) => s.clone(),
                    None => {
                        let first = store.document(company, DocumentKind::Quote, group[0].0.id).await?;
                        store.parties(company, &first.content).await?.seller.clone()
                    }
                };
                let key_account = store.is_key_account(company, customer_id).await?;
                let lang = customer.language;
                let step =
                    group.iter().max_by_key(|(_, n)| n.index).map(|(_, n)| n.step.code.clone()).unwrap_or_default();
                let mail = QuoteFollowUpMail {
                    language: lang,
                    seller: seller.clone(),
                    customer_name: customer.name.clone(),
                    quotes: group
                        .iter()
                        .map(|(q, _)| QuoteLine {
                            number: q.number.clone(),
                            sent_on: q.sent_on,
                            currency: q.currency.parse().unwrap_or(Currency::EUR),
                            total: q.gross,
                        })
                        .collect(),
                    custom: custom_texts(&policy, &step, lang, key_account),
                };
                let (subject, body) = mail.email();
                let mut files = Vec::new();
                for (q, _) in &group {
                    let rec = store.document(company, DocumentKind::Quote, q.id).await?;
                    if let Some(pdf) = crate::files::ensure(store, company, &rec)
                        .await?
                        .into_iter()
                        .find(|f| f.format == facturier_store::files::FileFormat::Pdf)
                    {
                        let title = facturier_formats::text::kind_title(DocumentKind::Quote, false, lang);
                        files.push(Attachment::Bytes { name: file_name(title, &q.number), bytes: pdf.bytes });
                    }
                }
                let planned: Vec<PlannedStep> = group
                    .iter()
                    .map(|(q, n)| PlannedStep {
                        invoice_id: q.id,
                        customer_id,
                        level: n.step.code.clone(),
                        channel: "email",
                    })
                    .collect();
                let sender_name = sender_name_of(&seller);
                let to = [to];
                let email = NewEmail {
                    company_id: company,
                    document_id: None,
                    sender: seller.email.as_deref(),
                    sender_name: &sender_name,
                    to: &to,
                    cc: &[],
                    subject: &subject,
                    body: &body,
                    attachment: None,
                };
                let d = Dispatch::Email { email, more_attachments: &files };
                match store.take_dunning_steps(company, by_user, as_of, &planned, &d).await? {
                    StoreTaken::All(steps) => {
                        if let Some(e) = steps.first().and_then(|s| s.email_id) {
                            report.email(e);
                        }
                        report.steps(steps);
                        break;
                    }
                    StoreTaken::Partly(left) => group.retain(|(q, _)| left.contains(&q.id)),
                }
            }
            progress(report.customers, report.customers);
        }
    }
    Ok(report)
}

/// Undoes a step; a late fee it billed is cancelled by a credit note issued at once (the
/// fee invoice, issued, never changes). The fee stays billed once: taking the level
/// again bills nothing more.
pub async fn undo(store: &Store, company: Uuid, step_id: Uuid) -> Result<StepRecord, ApiError> {
    let step = store.undo_dunning_step(company, step_id).await?;
    if let Some((fee_id, Some(fee_invoice), None)) = store.late_fee_of_step(company, step_id).await? {
        let fee = store.document(company, DocumentKind::Invoice, fee_invoice).await?;
        let note = Some(format!(
            "Annulation de la pénalité / indemnité de relance (relance annulée) — {}",
            fee.number.clone().unwrap_or_default()
        ));
        let draft = store
            .draft_credit_note(
                company,
                DocumentKind::Invoice,
                fee_invoice,
                facturier_store::pipeline::CreditOf::Left,
                note,
            )
            .await?;
        let row = store.company(company).await?;
        let today = facturier_core::calendar::today(&row.country);
        let cn = store.issue(company, DocumentKind::CreditNote, draft.id, today).await?;
        if let Err(e) = crate::files::ensure(store, company, &cn).await {
            tracing::warn!(error = ?e, credit_note = %cn.id, "the credit note's files will be rendered by its job");
        }
        store.set_late_fee_credit_note(company, fee_id, cn.id).await?;
    }
    Ok(step)
}

fn sender_name_of(seller: &Seller) -> String {
    let name = seller.trading_name.as_deref().unwrap_or(&seller.name);
    name.split_whitespace().collect::<Vec<_>>().join(" ").replace(char::is_control, "")
}

fn customer_email(customer: &facturier_core::party::Customer, buyer: Option<&Buyer>) -> Option<String> {
    customer
        .email
        .as_ref()
        .map(|e| e.as_str().to_string())
        .or_else(|| customer.contacts.iter().find_map(|c| c.email.as_ref().map(|e| e.as_str().to_string())))
        .or_else(|| buyer.and_then(|b| b.email.clone()))
}

/// The company's text for a step, language and customer type, parsed (it was checked
/// when saved; one that no longer parses falls back to the built-in text).
fn custom_texts(
    policy: &Policy,
    step: &str,
    lang: Language,
    key_account: bool,
) -> Option<(MergeTemplate, MergeTemplate)> {
    let code = match lang {
        Language::Fr => "fr",
        Language::En => "en",
    };
    let t = policy.template(step, code, key_account)?;
    Some((t.subject.parse().ok()?, t.body.parse().ok()?))
}

fn file_name(title: &str, number: &str) -> String {
    let mut name = String::new();
    for c in format!("{title}-{number}").chars() {
        if c.is_alphanumeric() || c == '_' {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    format!("{}.pdf", name.trim_end_matches('-'))
}

/// What a reminder says for `{payment_link}` and its "pay online" line: the link printed
/// on its one invoice, or, for several, one line per invoice that has one ("F2026-00012 :
/// https://…/pay/…"); `None` when none of them carries a link.
fn payment_links(group: &[(OverdueInvoice, NextStep)]) -> Option<String> {
    let linked: Vec<(&str, &str)> =
        group.iter().filter_map(|(i, _)| i.payment_link.as_deref().map(|u| (i.number.as_str(), u))).collect();
    match (group.len(), linked.as_slice()) {
        (_, []) => None,
        (1, [(_, url)]) => Some((*url).to_string()),
        _ => Some(linked.iter().map(|(n, u)| format!("{n} : {u}")).collect::<Vec<_>>().join("\n")),
    }
}

/// Makes sure an invoice's PDF is stored (rendered and stored first when it has none
/// yet), without reading it: the e-mail names it and reads it when it is sent.
async fn ensure_pdf(store: &Store, company: Uuid, inv: &OverdueInvoice) -> Result<(), ApiError> {
    if store.has_document_file(company, inv.id, FileFormat::Pdf).await? {
        return Ok(());
    }
    let rec = store.document(company, inv.kind, inv.id).await?;
    let files = crate::files::ensure(store, company, &rec).await?;
    if files.iter().any(|f| f.format == FileFormat::Pdf) {
        Ok(())
    } else {
        Err(ApiError::Internal(format!("no PDF stored for {}", inv.number)))
    }
}

/// A customer's reminder with where it goes.
struct Composed {
    reminder: Reminder,
    email: Option<String>,
    sender_name: String,
    is_business: bool,
}

#[allow(clippy::too_many_arguments)]
async fn compose(
    store: &Store,
    company: Uuid,
    company_row: &facturier_store::companies::Company,
    settings: &facturier_store::companies::CompanySettings,
    policy: &Policy,
    customer_id: Uuid,
    group: &[(OverdueInvoice, NextStep)],
    as_of: Date,
    kind: Kind,
) -> Result<Option<Composed>, ApiError> {
    let Some((first, _)) = group.first() else { return Ok(None) };
    let customer = store.customer(company, customer_id).await?.customer;
    // The first invoice's sealed parties only when needed: the seller of a company
    // without an identity in its settings, the buyer's address of a customer without one.
    let parties = if settings.identity.is_none() || customer_email(&customer, None).is_none() {
        let rec = store.document(company, first.kind, first.id).await?;
        Some(store.parties(company, &rec.content).await?)
    } else {
        None
    };
    let buyer: Option<&Buyer> = parties.as_ref().map(|p| &p.buyer);
    let seller: Seller = match (&settings.identity, &parties) {
        (Some(s), _) => s.clone(),
        (None, Some(p)) => p.seller.clone(),
        (None, None) => return Err(ApiError::Internal("a seller without identity nor parties".into())),
    };
    let is_business = customer.kind == CustomerKind::Company;
    let key_account = store.is_key_account(company, customer_id).await?;
    let (index, step) = group
        .iter()
        .map(|(_, n)| (n.index, n.level.code.clone()))
        .max_by_key(|(i, _)| *i)
        .unwrap_or((0, String::new()));
    let rate = settings.legal.late_penalty_rate;
    let mut lines = Vec::new();
    for (inv, _) in group {
        let currency: Currency = inv.currency.parse().unwrap_or(company_row.currency);
        let c = late_charges(inv.due, &currency, rate, is_business, inv.due_date, as_of);
        lines.push(ReminderLine {
            number: inv.number.clone(),
            issue_date: inv.issue_date,
            due_date: inv.due_date,
            days_late: c.days_late,
            currency,
            due: inv.due,
            penalties: c.penalties,
            indemnity: c.indemnity,
        });
    }
    let email = customer_email(&customer, buyer);
    let sender_name = sender_name_of(&seller);
    let language: Language = customer.language;
    let tone = match kind {
        Kind::Friendly => Tone::Friendly,
        Kind::Levels => Tone::of(index, policy.levels.len()),
    };
    Ok(Some(Composed {
        reminder: Reminder {
            language,
            tone,
            seller,
            customer_name: customer.name.clone(),
            customer_address: Some(customer.billing_address.clone()),
            is_business,
            penalty_rate: rate,
            date: as_of,
            lines,
            payment_link: payment_links(group),
            custom: custom_texts(policy, &step, language, key_account),
        },
        email,
        sender_name,
        is_business,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(number: &str, link: Option<&str>) -> (OverdueInvoice, NextStep) {
        let day = Date::from_calendar_date(2026, time::Month::March, 2).expect("a date");
        let inv = OverdueInvoice {
            id: Uuid::now_v7(),
            kind: DocumentKind::Invoice,
            number: number.into(),
            customer_id: Uuid::nil(),
            customer_name: "Garage".into(),
            currency: "EUR".into(),
            issue_date: day,
            due_date: day,
            gross: facturier_core::Decimal::ONE_HUNDRED,
            due: facturier_core::Decimal::ONE_HUNDRED,
            steps: Vec::new(),
            payment_link: link.map(str::to_string),
        };
        let level = Policy::default().levels[0].clone();
        (inv, NextStep { index: 0, level, due_on: day, due_now: true })
    }

    #[test]
    fn a_reminder_gives_the_link_of_its_invoice_or_one_line_per_linked_invoice() {
        assert_eq!(payment_links(&[invoice("F1", None)]), None);
        assert_eq!(
            payment_links(&[invoice("F1", Some("https://f.example/pay/a"))]).as_deref(),
            Some("https://f.example/pay/a")
        );
        let two = [
            invoice("F1", Some("https://f.example/pay/a")),
            invoice("F2", None),
            invoice("F3", Some("https://f.example/pay/c")),
        ];
        assert_eq!(
            payment_links(&two).as_deref(),
            Some("F1 : https://f.example/pay/a\nF3 : https://f.example/pay/c"),
            "an invoice without a link is not named"
        );
        assert_eq!(payment_links(&[invoice("F1", None), invoice("F2", None)]), None);
    }
}

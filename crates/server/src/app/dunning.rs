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
use facturier_core::dunning::{Channel, NextStep, Policy, Taken, late_charges, next_step};
use facturier_core::message::Message;
use facturier_core::money::Currency;
use facturier_core::party::{CustomerKind, Language};
use facturier_formats::dunning::{Reminder, ReminderLine, Tone};
use facturier_store::Store;
use facturier_store::dunning::{Dispatch, OverdueInvoice, PlannedStep, StepRecord, Taken as StoreTaken};
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

/// What a run did.
#[derive(Default)]
pub struct RunReport {
    pub steps: Vec<StepRecord>,
    /// The letters made: (letter, customer).
    pub letters: Vec<(Uuid, Uuid)>,
    /// The e-mails queued.
    pub emails: Vec<Uuid>,
    pub skipped: Vec<Skipped>,
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
}

/// How a run picks the steps it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Levels {
    /// Every step due, sent through the run's channel (a run asked for by hand).
    All,
    /// Only the steps whose level goes out through the run's channel (the daily job).
    OfChannel,
}

/// Takes every step due on `as_of` (with [`Levels::OfChannel`], only those whose level
/// goes out through `channel`), sent by `channel` (`email` or `letter`), grouped per
/// customer; `progress` is told each customer done (of how many).
/// The API, the daily job and `facturier dunning run` call it; e-mails wait in the outbox
/// with their `email.send` jobs.
pub async fn run(
    store: &Store,
    req: &RunRequest<'_>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<RunReport, ApiError> {
    let RunRequest { company, by_user, as_of, only, channel, levels } = *req;
    let settings = store.settings(company).await?;
    let policy = settings.dunning.clone();
    let list = store.overdue_for_dunning(company, as_of, only).await?;
    let mut groups: BTreeMap<Uuid, Vec<(OverdueInvoice, NextStep)>> = BTreeMap::new();
    for inv in list {
        let o = overdue_one(&policy, inv, as_of);
        let wanted = |n: &NextStep| n.due_now && (levels == Levels::All || n.level.channel.includes(channel));
        if let Some(next) = o.next.filter(wanted) {
            groups.entry(o.invoice.customer_id).or_default().push((o.invoice, next));
        }
    }
    let company_row = store.company(company).await?;
    let mut report = RunReport::default();
    let total = groups.len();
    for (done, (customer_id, mut group)) in groups.into_iter().enumerate() {
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
            let Some(letter) =
                compose(store, company, &company_row, &settings, &policy, customer_id, &group, as_of).await?
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
                        report.skipped.extend(group.iter().map(|(inv, _)| Skipped {
                            invoice_id: inv.id,
                            message: Message::new("customer_e_mail_address"),
                        }));
                        break;
                    };
                    let (subject, body) = letter.reminder.email();
                    let mut files = Vec::new();
                    for (inv, _) in &group {
                        let rec = store.document(company, inv.kind, inv.id).await?;
                        let files_of = crate::files::ensure(store, company, &rec).await?;
                        let pdf = files_of
                            .into_iter()
                            .find(|f| f.format == facturier_store::files::FileFormat::Pdf)
                            .map(|f| f.bytes)
                            .ok_or_else(|| ApiError::Internal(format!("no PDF stored for {}", inv.number)))?;
                        let title = facturier_formats::text::kind_title(inv.kind, false, letter.reminder.language);
                        files.push((file_name(title, &inv.number), pdf));
                    }
                    let Some((first_name, first_pdf)) = files.first().cloned() else { break };
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
                        attachment: Some((&first_name, &first_pdf)),
                    };
                    let d = Dispatch::Email { email, more_attachments: &files[1..] };
                    store.take_dunning_steps(company, by_user, as_of, &planned, &d).await?
                }
            };
            match taken {
                StoreTaken::All(steps) => {
                    if let Some(s) = steps.first() {
                        if let Some(l) = s.letter_id {
                            report.letters.push((l, customer_id));
                        }
                        if let Some(e) = s.email_id {
                            report.emails.push(e);
                        }
                    }
                    report.steps.extend(steps);
                    break;
                }
                StoreTaken::Partly(left) => group.retain(|(inv, _)| left.contains(&inv.id)),
            }
        }
        progress(done + 1, total);
    }
    Ok(report)
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

/// A customer's reminder with where it goes.
struct Composed {
    reminder: Reminder,
    email: Option<String>,
    sender_name: String,
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
) -> Result<Option<Composed>, ApiError> {
    let Some((first, _)) = group.first() else { return Ok(None) };
    let customer = store.customer(company, customer_id).await?.customer;
    let rec = store.document(company, first.kind, first.id).await?;
    let parties = store.parties(company, &rec.content).await?;
    let buyer: &Buyer = &parties.buyer;
    let seller: Seller = settings.identity.clone().unwrap_or_else(|| parties.seller.clone());
    let is_business = customer.kind == CustomerKind::Company;
    let index = group.iter().map(|(_, n)| n.index).max().unwrap_or(0);
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
    let email = customer
        .email
        .as_ref()
        .map(|e| e.as_str().to_string())
        .or_else(|| customer.contacts.iter().find_map(|c| c.email.as_ref().map(|e| e.as_str().to_string())))
        .or_else(|| buyer.email.clone());
    let sender_name = seller.trading_name.as_deref().unwrap_or(&seller.name);
    let sender_name = sender_name.split_whitespace().collect::<Vec<_>>().join(" ").replace(char::is_control, "");
    let language: Language = customer.language;
    Ok(Some(Composed {
        reminder: Reminder {
            language,
            tone: Tone::of(index, policy.levels.len()),
            seller,
            customer_name: customer.name.clone(),
            customer_address: Some(customer.billing_address.clone()),
            is_business,
            penalty_rate: rate,
            date: as_of,
            lines,
        },
        email,
        sender_name,
    }))
}

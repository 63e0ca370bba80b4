//! The printed document: an A4 PDF/A-3b laid out by hand on krilla, in the customer's
//! language, with the Factur-X XML attached to invoices and credit notes.
//!
//! Layout happens first, into pages of drawing operations, so that the footer can say
//! "page 2 of 3" and the running total can be carried to the next page; then each page
//! is drawn. krilla refuses to write a PDF/A that breaks the standard (fonts not
//! embedded, device colours, missing file metadata), so a bug fails loudly here instead
//! of producing a file an archive would reject.

use crate::mentions;
use crate::model::RenderDocument;
use crate::text::{self, Words};
use facturier_core::Decimal;
use facturier_core::document::{DocumentKind, LineKind};
use facturier_core::money::Currency;
use facturier_core::party::Language;

use draw::draw;
use fonts::fonts;
use labels::{address_lines, condition_label, mode_label, spaced_iban, terms_label};
use layout::{Col, Layout, col_title, col_width};
use logo::load_logo;

mod draw;
mod fonts;
mod labels;
mod layout;
mod letter;
mod logo;

pub use letter::render_letter;
pub use logo::{MAX_LOGO_DECODED, MAX_LOGO_SIDE, check_logo, logo_media_type};

/// Why a PDF could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the logo is neither a PNG nor a JPEG image that can be read: {0}")]
    Logo(String),
    #[error(
        "the logo is {width} × {height} pixels: at most {max} pixels a side, at 8 bits per colour, are accepted (a document header draws it at 150 × 56 points)",
        max = MAX_LOGO_SIDE
    )]
    LogoTooLarge { width: u32, height: u32 },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

impl PdfError {
    /// The message of the catalogue that says this error, with its values.
    pub fn message(&self) -> facturier_core::message::Message {
        use facturier_core::message::Message;
        match self {
            PdfError::Logo(e) => Message::new("logo_neither_png_nor").with("e", e),
            PdfError::LogoTooLarge { width, height } => {
                Message::new("logo_pixels_most_pixels").with("w", width).with("h", height).with("max", MAX_LOGO_SIDE)
            }
            PdfError::Write(e) => Message::new("pdf_could_written").with("e", e),
        }
    }
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 40.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Where the body stops: the footer (identity line, page number) lives below.
const BODY_BOTTOM: f32 = PAGE_H - 62.0;

const BLACK: [u8; 3] = [0x1f, 0x23, 0x28];
const GREY: [u8; 3] = [0x6b, 0x72, 0x80];
const RULE: [u8; 3] = [0xd1, 0xd5, 0xdb];
const SHADE: [u8; 3] = [0xf3, 0xf4, 0xf6];
const DEFAULT_ACCENT: [u8; 3] = [0x1d, 0x4e, 0x89];

#[derive(Clone, Copy, PartialEq)]
enum Weight {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// One drawing operation of a laid-out page.
enum Op {
    Text { x: f32, y: f32, size: f32, weight: Weight, colour: [u8; 3], text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, colour: [u8; 3] },
    Rule { x1: f32, y: f32, x2: f32, colour: [u8; 3], width: f32 },
    Logo { x: f32, y: f32, w: f32, h: f32 },
}

/// Renders the document to PDF/A-3b bytes, with `factur_x` attached as `factur-x.xml`
/// (invoices and credit notes) and its XMP metadata declared.
pub fn render(doc: &RenderDocument, factur_x: Option<&[u8]>) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let lang = doc.language;
    let w = text::words(lang);
    let accent = doc.appearance.accent.unwrap_or(DEFAULT_ACCENT);
    let mut l = Layout { fonts, pages: vec![Vec::new()], y: MARGIN, accent };
    let cur = doc.content.currency;
    let money = |d: Decimal| text::money(d, cur, lang);
    let shows_prices = doc.kind != DocumentKind::DeliveryNote;

    // Header: the seller on the left (logo or name), the document on the right.
    // Decoded once: measured here, drawn by `draw`.
    let logo = match doc.appearance.logo.as_deref().map(load_logo).transpose() {
        // A logo stored before the limits existed: the header shows the company's name
        // rather than every PDF taking seconds and hundreds of megabytes.
        Err(PdfError::LogoTooLarge { .. }) => None,
        other => other?,
    };
    let logo_size = logo.as_ref().map(|i| (i.size().0 as f32, i.size().1 as f32));
    let mut left_y = MARGIN;
    if let Some((iw, ih)) = logo_size {
        let scale = (150.0 / iw).min(56.0 / ih).min(1.0);
        let (lw, lh) = (iw * scale, ih * scale);
        l.ops().push(Op::Logo { x: MARGIN, y: left_y, w: lw, h: lh });
        left_y += lh + 8.0;
    } else {
        l.text(MARGIN, left_y + 16.0, &doc.seller.name, 16.0, Weight::Bold, accent, Align::Left);
        left_y += 24.0;
    }
    let seller = &doc.seller;
    let mut seller_lines: Vec<String> = Vec::new();
    if logo_size.is_some() {
        seller_lines.push(seller.name.clone());
    }
    seller_lines.extend(address_lines(&seller.address));
    seller_lines.extend(seller.phone.iter().map(|p| format!("{} {p}", w.phone)));
    seller_lines.extend(seller.email.iter().cloned());
    seller_lines.extend(seller.website.iter().cloned());
    for (i, s) in seller_lines.iter().enumerate() {
        let weight = if i == 0 && logo_size.is_some() { Weight::Bold } else { Weight::Regular };
        l.text(MARGIN, left_y + 9.0, s, 8.5, weight, BLACK, Align::Left);
        left_y += 11.5;
    }

    let right = PAGE_W - MARGIN;
    let title = text::kind_title(doc.kind, doc.content.progress_percent.is_some(), lang);
    l.text(right, MARGIN + 20.0, title, 20.0, Weight::Bold, accent, Align::Right);
    let number = match &doc.number {
        Some(n) => format!("{} {n}", w.number),
        None => w.draft_number.to_string(),
    };
    l.text(right, MARGIN + 36.0, &number, 11.0, Weight::Bold, BLACK, Align::Right);
    let mut refs: Vec<(&str, String)> = vec![(w.issue_date, text::date(doc.issue_date, lang))];
    if let (Some(d), true) = (doc.due_date, doc.kind.is_payable() || doc.kind == DocumentKind::Proforma) {
        refs.push((w.due_date, text::date(d, lang)));
    }
    if let Some(d) = doc.content.valid_until {
        refs.push((w.valid_until, text::date(d, lang)));
    }
    if let Some(d) = doc.content.delivery_date {
        refs.push((w.delivery_date, text::date(d, lang)));
    }
    if let Some(r) = &doc.content.customer_reference {
        refs.push((w.customer_reference, r.clone()));
    }
    if let Some(s) = &doc.content.salesperson {
        refs.push((w.salesperson, s.clone()));
    }
    let mut ry = MARGIN + 52.0;
    for (k, v) in &refs {
        l.text(right - 110.0, ry, k, 8.5, Weight::Regular, GREY, Align::Right);
        l.text(right, ry, v, 8.5, Weight::Regular, BLACK, Align::Right);
        ry += 11.5;
    }

    // Addresses: billing (boxed) and delivery when it differs.
    let top = left_y.max(ry) + 10.0;
    let buyer = &doc.buyer;
    let box_x = PAGE_W / 2.0 + 10.0;
    let box_w = right - box_x;
    let mut bill: Vec<(String, Weight)> = vec![(buyer.name.clone(), Weight::Bold)];
    if let Some(c) = &doc.content.contact {
        bill.push((format!("{} {c}", w.contact), Weight::Regular));
    }
    bill.extend(address_lines(&buyer.address).into_iter().map(|s| (s, Weight::Regular)));
    if let Some(v) = &buyer.vat_number {
        bill.push((format!("{} : {}", w.customer_vat, v.as_str()), Weight::Regular));
    }
    if let Some(s) = &buyer.siren {
        bill.push((format!("{} : {}", w.customer_siren, s.as_str()), Weight::Regular));
    }
    let box_h = 20.0 + 11.5 * bill.len() as f32;
    l.rect(box_x, top, box_w, box_h, SHADE);
    l.text(box_x + 10.0, top + 12.0, w.billing_address, 7.5, Weight::Bold, GREY, Align::Left);
    let mut by = top + 25.0;
    for (s, weight) in &bill {
        l.text(box_x + 10.0, by, s, 9.0, *weight, BLACK, Align::Left);
        by += 11.5;
    }
    let mut after_addresses = top + box_h;
    let delivery = doc.content.delivery_address.as_ref().filter(|d| **d != buyer.address);
    if let Some(d) = delivery {
        l.text(MARGIN, top + 12.0, w.delivery_address, 7.5, Weight::Bold, GREY, Align::Left);
        let mut dy = top + 25.0;
        for s in address_lines(d) {
            l.text(MARGIN, dy, &s, 9.0, Weight::Regular, BLACK, Align::Left);
            dy += 11.5;
        }
        after_addresses = after_addresses.max(dy);
    }
    l.y = after_addresses + 18.0;

    if let Some(t) = &doc.content.title {
        l.text(MARGIN, l.y + 11.0, t, 11.0, Weight::Bold, BLACK, Align::Left);
        l.y += 18.0;
    }
    if let Some(p) = doc.content.progress_percent {
        let s = format!("{} : {}", w.progress, text::percent(p, lang));
        l.text(MARGIN, l.y + 9.0, &s, 9.0, Weight::Regular, BLACK, Align::Left);
        l.y += 14.0;
    }
    if let Some(n) = &doc.content.note {
        l.paragraph(None, n, 9.0, BLACK);
    }

    // The lines table.
    let has_discount = doc.content.items().any(|li| !li.discount_percent.is_zero());
    let has_reference = doc.appearance.show_reference && doc.content.items().any(|li| li.product_id.is_some());
    let mut cols = Vec::new();
    if has_reference {
        cols.push(Col::Reference);
    }
    cols.push(Col::Description);
    cols.push(Col::Quantity);
    cols.push(Col::Unit);
    if shows_prices {
        cols.push(Col::UnitPrice);
        if has_discount || doc.appearance.show_discount {
            cols.push(Col::Discount);
        }
        cols.push(Col::Vat);
        cols.push(Col::Net);
    }
    let fixed: f32 = cols.iter().map(|c| col_width(*c)).sum();
    let desc_w = CONTENT_W - fixed;
    let mut xs = Vec::new();
    let mut x = MARGIN;
    for c in &cols {
        xs.push(x);
        x += if *c == Col::Description { desc_w } else { col_width(*c) };
    }
    let col_x = |c: Col| cols.iter().position(|k| *k == c).map(|i| xs[i]).unwrap_or(MARGIN);
    let col_right = |c: Col| col_x(c) + if c == Col::Description { desc_w } else { col_width(c) } - 4.0;

    let header = |l: &mut Layout, carried: Option<Decimal>| {
        if let Some(c) = carried {
            let s = format!("{} : {}", w.carried_forward, money(c));
            l.text(right, l.y + 9.0, &s, 8.5, Weight::Bold, GREY, Align::Right);
            l.y += 15.0;
        }
        l.rect(MARGIN, l.y, CONTENT_W, 18.0, accent);
        for c in &cols {
            let t = col_title(*c, w);
            match c {
                Col::Reference | Col::Description | Col::Unit => {
                    l.text(col_x(*c) + 4.0, l.y + 12.5, t, 8.0, Weight::Bold, [255, 255, 255], Align::Left)
                }
                _ => l.text(col_right(*c), l.y + 12.5, t, 8.0, Weight::Bold, [255, 255, 255], Align::Right),
            }
        }
        l.y += 22.0;
    };
    header(&mut l, None);

    let totals = &doc.totals;
    let subtotals = facturier_core::totals::subtotals(cur, &doc.content.figures().lines);
    let mut item_index = 0usize;
    let mut running = Decimal::ZERO;
    for (pos, line) in doc.content.lines.iter().enumerate() {
        match line.kind {
            LineKind::Comment => {
                let wrapped = l.wrap(&line.description, 8.5, Weight::Regular, CONTENT_W - 8.0);
                for s in wrapped {
                    if l.ensure(12.0) {
                        header(&mut l, doc.appearance.totals_on_every_page.then_some(running));
                    }
                    l.text(MARGIN + 4.0, l.y + 8.5, &s, 8.5, Weight::Regular, GREY, Align::Left);
                    l.y += 11.5;
                }
                l.y += 3.0;
            }
            LineKind::Subtotal => {
                if l.ensure(18.0) {
                    header(&mut l, doc.appearance.totals_on_every_page.then_some(running));
                }
                let value = subtotals.get(pos).copied().flatten().unwrap_or_default();
                l.rect(MARGIN, l.y - 2.0, CONTENT_W, 15.0, SHADE);
                let label = if line.description.is_empty() { w.subtotal } else { line.description.as_str() };
                l.text(MARGIN + 4.0, l.y + 8.5, label, 8.5, Weight::Bold, BLACK, Align::Left);
                if shows_prices {
                    l.text(col_right(Col::Net), l.y + 8.5, &money(value), 8.5, Weight::Bold, BLACK, Align::Right);
                }
                l.y += 18.0;
            }
            LineKind::Item | LineKind::Deduction => {
                let amounts = totals.lines.get(item_index);
                item_index += 1;
                let mut desc = l.wrap(&line.description, 8.5, Weight::Regular, desc_w - 8.0);
                for t in &line.other_taxes {
                    let per_unit = t.per_unit(line.unit_price);
                    desc.push(format!(
                        "{} {} : {}",
                        if lang == Language::Fr { "dont" } else { "incl." },
                        t.label,
                        text::money(per_unit, cur, lang)
                    ));
                }
                let h = 11.5 * desc.len() as f32 + 4.0;
                if l.ensure(h) {
                    header(&mut l, doc.appearance.totals_on_every_page.then_some(running));
                }
                let base = l.y + 8.5;
                for (i, s) in desc.iter().enumerate() {
                    let colour = if i >= desc.len() - line.other_taxes.len() { GREY } else { BLACK };
                    l.text(
                        col_x(Col::Description) + 4.0,
                        base + 11.5 * i as f32,
                        s,
                        8.5,
                        Weight::Regular,
                        colour,
                        Align::Left,
                    );
                }
                if let Some(r) = line.product_id.and_then(|p| doc.references.get(&p)).filter(|_| has_reference) {
                    l.text(col_x(Col::Reference) + 4.0, base, r, 8.0, Weight::Regular, BLACK, Align::Left);
                }
                let qty = text::number(line.quantity, 0, lang);
                l.text(col_right(Col::Quantity), base, &qty, 8.5, Weight::Regular, BLACK, Align::Right);
                l.text(
                    col_x(Col::Unit) + 4.0,
                    base,
                    line.unit.short_label(lang),
                    8.5,
                    Weight::Regular,
                    BLACK,
                    Align::Left,
                );
                if shows_prices {
                    let up = text::number(line.unit_price, cur.minor_units(), lang);
                    l.text(col_right(Col::UnitPrice), base, &up, 8.5, Weight::Regular, BLACK, Align::Right);
                    if cols.contains(&Col::Discount) && !line.discount_percent.is_zero() {
                        let d = text::percent(line.discount_percent, lang);
                        l.text(col_right(Col::Discount), base, &d, 8.5, Weight::Regular, BLACK, Align::Right);
                    }
                    let vat = text::percent(line.vat.rate(), lang);
                    l.text(col_right(Col::Vat), base, &vat, 8.5, Weight::Regular, BLACK, Align::Right);
                    if let Some(a) = amounts {
                        running += a.net;
                        l.text(col_right(Col::Net), base, &money(a.net), 8.5, Weight::Regular, BLACK, Align::Right);
                    }
                }
                l.y += h;
                l.rule(MARGIN, l.y - 2.0, right, RULE, 0.4);
            }
        }
    }
    l.y += 8.0;

    if shows_prices {
        totals_block(&mut l, doc, w, &money);
    }

    // Payment schedule.
    if let (Some(schedule), true) = (&doc.content.schedule, shows_prices) {
        let dues = schedule.compute(totals.gross, cur, doc.issue_date);
        l.ensure(30.0 + 12.0 * dues.len() as f32);
        l.text(MARGIN, l.y + 9.0, w.schedule, 9.0, Weight::Bold, accent, Align::Left);
        l.y += 15.0;
        for (inst, due) in schedule.instalments().iter().zip(&dues) {
            let title = if inst.title.is_empty() { condition_label(inst.condition, lang) } else { inst.title.clone() };
            let mode = inst.mode.map(|m| format!(" · {}", mode_label(m, lang))).unwrap_or_default();
            let s = format!("{} % — {title}{mode}", text::number(inst.percent, 0, lang));
            l.text(MARGIN, l.y + 8.5, &s, 8.5, Weight::Regular, BLACK, Align::Left);
            l.text(MARGIN + 330.0, l.y + 8.5, &text::date(due.date, lang), 8.5, Weight::Regular, BLACK, Align::Right);
            l.text(right, l.y + 8.5, &money(due.amount), 8.5, Weight::Regular, BLACK, Align::Right);
            l.y += 12.0;
        }
        l.y += 8.0;
    }

    // Payment: terms, mode, bank details.
    if doc.kind.is_payable() || matches!(doc.kind, DocumentKind::Proforma | DocumentKind::Quote | DocumentKind::Order) {
        let mut pay = Vec::new();
        pay.push(format!("{} : {}", w.payment_terms, terms_label(doc.content.payment_terms, lang)));
        if let Some(m) = doc.content.payment_mode {
            pay.push(format!("{} : {}", w.payment_mode, mode_label(m, lang)));
        }
        if let Some(b) = &doc.bank {
            let mut s = format!("{} — IBAN {}", b.label, spaced_iban(b.iban.as_str()));
            if let Some(bic) = &b.bic {
                s.push_str(&format!(" — BIC {bic}"));
            }
            pay.push(format!("{} : {s}", w.bank_details));
        }
        if let Some(url) = &doc.payment_url {
            pay.push(format!("{} : {url}", w.pay_online));
        }
        l.ensure(16.0 + 12.0 * pay.len() as f32);
        l.text(MARGIN, l.y + 9.0, w.payment, 9.0, Weight::Bold, accent, Align::Left);
        l.y += 15.0;
        for s in pay {
            for line in l.wrap(&s, 8.5, Weight::Regular, CONTENT_W) {
                l.ensure(12.0);
                l.text(MARGIN, l.y + 8.5, &line, 8.5, Weight::Regular, BLACK, Align::Left);
                l.y += 12.0;
            }
        }
        l.y += 8.0;
    }

    if let Some(s) = &doc.content.special_conditions {
        l.paragraph(Some(w.special_conditions), s, 8.5, BLACK);
    }
    if let Some(t) = &doc.content.terms {
        l.paragraph(Some(w.terms), t, 7.5, GREY);
    }
    if doc.kind == DocumentKind::Quote {
        acceptance_block(&mut l, w);
    }
    let notes = mentions::notes(doc);
    let legal: Vec<String> = notes.iter().filter(|n| n.subject != Some("REG")).map(|n| n.text.clone()).collect();
    if !legal.is_empty() {
        l.paragraph(None, &legal.join("\n"), 7.0, GREY);
    }

    draw(doc, l.pages, logo, factur_x, accent, &mentions::seller_identity(doc))
}

/// A quote's "Bon pour accord": what to write, and a framed space for the date, the
/// signature and the stamp, kept whole on one page.
fn acceptance_block(l: &mut Layout, w: &Words) {
    let help = l.wrap(w.acceptance_help, 8.5, Weight::Regular, CONTENT_W);
    let frame_h = 70.0;
    l.ensure(16.0 + 12.0 * help.len() as f32 + frame_h + 10.0);
    let accent = l.accent;
    l.text(MARGIN, l.y + 9.0, w.acceptance, 9.0, Weight::Bold, accent, Align::Left);
    l.y += 15.0;
    for line in help {
        l.text(MARGIN, l.y + 8.5, &line, 8.5, Weight::Regular, BLACK, Align::Left);
        l.y += 12.0;
    }
    l.y += 4.0;
    let (top, half) = (l.y, CONTENT_W / 2.0);
    for x in [MARGIN, MARGIN + half] {
        l.rule(x, top, x + half - 6.0, GREY, 0.6);
        l.rule(x, top + frame_h, x + half - 6.0, GREY, 0.6);
    }
    l.text(MARGIN + 4.0, top + 12.0, w.acceptance_date, 8.5, Weight::Regular, GREY, Align::Left);
    l.text(MARGIN + half + 4.0, top + 12.0, w.acceptance_signature, 8.5, Weight::Regular, GREY, Align::Left);
    l.y = top + frame_h + 10.0;
}

/// The totals at the right and the VAT breakdown at the left.
fn totals_block(l: &mut Layout, doc: &RenderDocument, w: &Words, money: &dyn Fn(Decimal) -> String) {
    let t = &doc.totals;
    let lang = doc.language;
    let right = PAGE_W - MARGIN;
    let label_x = right - 120.0;
    let mut rows: Vec<(String, String, bool)> = Vec::new();
    if !t.discount.is_zero() || !t.charges.is_zero() {
        rows.push((w.lines_net.into(), money(t.lines_net), false));
    }
    if !t.discount.is_zero() {
        // A percent only when the document states one: an amount, or a discount a derived
        // invoice splits per rate (`allowances`), prints as an amount.
        let percent = doc.content.discount_percent;
        let label = if doc.content.discount_amount.is_none() && doc.content.allowances.is_empty() && !percent.is_zero()
        {
            format!("{} {}", w.document_discount, text::percent(percent, lang))
        } else {
            w.document_discount.to_string()
        };
        rows.push((label, money(-t.discount), false));
    }
    if let Some(sh) = &doc.content.shipping {
        rows.push((sh.label.clone(), money(sh.amount), false));
    }
    rows.push((w.total_net.into(), money(t.net), true));
    for b in &t.vat {
        rows.push((format!("{} {}", w.vat, text::percent(b.rate, lang)), money(b.amount), false));
    }
    if t.vat.len() > 1 {
        rows.push((w.total_vat.into(), money(t.vat_total), false));
    }
    rows.push((w.total_gross.into(), money(t.gross), true));
    for s in &doc.settled {
        rows.push((s.label.clone(), money(-s.amount), false));
    }
    let show_due = doc.kind.is_payable();
    let vat_rows = t.vat.len();
    let needed =
        (14.0 * rows.len() as f32 + if show_due { 22.0 } else { 0.0 }).max(40.0 + 12.0 * vat_rows as f32) + 14.0;
    l.ensure(needed);
    let start = l.y;

    // VAT breakdown (left).
    let accent = l.accent;
    l.text(MARGIN, l.y + 9.0, w.vat_breakdown, 9.0, Weight::Bold, accent, Align::Left);
    let mut vy = l.y + 24.0;
    let cx = [MARGIN, MARGIN + 70.0, MARGIN + 150.0, MARGIN + 230.0];
    l.text(cx[0], vy, w.vat_rate, 7.5, Weight::Bold, GREY, Align::Left);
    l.text(cx[2], vy, w.vat_base, 7.5, Weight::Bold, GREY, Align::Right);
    l.text(cx[3], vy, w.vat_amount, 7.5, Weight::Bold, GREY, Align::Right);
    vy += 4.0;
    l.rule(MARGIN, vy, cx[3], RULE, 0.5);
    vy += 11.0;
    for b in &t.vat {
        let label = match b.category.exemption() {
            None => text::percent(b.rate, lang),
            Some(_) => format!("{} ({})", text::percent(b.rate, lang), b.category.code()),
        };
        l.text(cx[0], vy, &label, 8.5, Weight::Regular, BLACK, Align::Left);
        l.text(cx[2], vy, &money(b.base), 8.5, Weight::Regular, BLACK, Align::Right);
        l.text(cx[3], vy, &money(b.amount), 8.5, Weight::Regular, BLACK, Align::Right);
        vy += 12.0;
    }
    if let Some(rate) = doc.content.exchange_rate {
        vy += 6.0;
        // The VAT in euros is what the seller declares (CGI art. 289; BR-FR-CO-12 asks
        // the XML for the same figure, BT-111), rounded as every amount is.
        let eur = |d: Decimal| text::money(Currency::EUR.round(d * rate), Currency::EUR, lang);
        let colon = if lang == Language::Fr { " :" } else { ":" };
        let s = format!(
            "{} ({} {}){colon} {}, {} {}",
            w.counter_value,
            w.exchange_rate,
            text::number(rate, 0, lang),
            eur(t.gross),
            w.of_which_vat,
            eur(t.vat_total),
        );
        l.text(MARGIN, vy, &s, 8.0, Weight::Regular, GREY, Align::Left);
        vy += 12.0;
    }

    // Totals (right).
    let mut ty = start + 9.0;
    for (label, value, strong) in &rows {
        let weight = if *strong { Weight::Bold } else { Weight::Regular };
        l.text(label_x, ty, label, 9.0, weight, BLACK, Align::Right);
        l.text(right, ty, value, 9.0, weight, BLACK, Align::Right);
        ty += 14.0;
    }
    if show_due {
        ty += 2.0;
        l.rect(label_x - 100.0, ty - 11.0, right - label_x + 100.0, 20.0, accent);
        l.text(label_x, ty + 3.0, w.net_to_pay, 10.5, Weight::Bold, [255, 255, 255], Align::Right);
        l.text(right - 4.0, ty + 3.0, &money(doc.due), 10.5, Weight::Bold, [255, 255, 255], Align::Right);
        ty += 18.0;
    }
    l.y = vy.max(ty) + 14.0;
}

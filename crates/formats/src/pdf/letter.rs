//! A reminder letter (relance, mise en demeure) as an A4 PDF/A-3b: the seller at the top
//! left, the customer's address where a window envelope shows it, the place and date, the
//! title, the invoices listed, the charges and the closing. Laid out with the document's
//! `Layout` and fonts; no XML attached.

use super::fonts::fonts;
use super::labels::address_lines;
use super::layout::Layout;
use super::{Align, BLACK, CONTENT_W, DEFAULT_ACCENT, GREY, MARGIN, Op, PAGE_H, PAGE_W, PdfError, Weight};
use crate::dunning::Reminder;
use crate::text;
use facturier_core::party::Language;
use krilla::Document;
use krilla::configure::{Archival, ConfigurationBuilder, Validator};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;

/// Renders the reminder as a printable letter.
pub fn render_letter(r: &Reminder) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let accent = DEFAULT_ACCENT;
    let lang = r.language;
    let t = r.text();
    let mut l = Layout { fonts, pages: vec![Vec::new()], y: MARGIN, accent };

    l.text(MARGIN, l.y + 14.0, &r.seller.name, 14.0, Weight::Bold, accent, Align::Left);
    let mut y = l.y + 30.0;
    for s in address_lines(&r.seller.address).iter().chain(r.seller.email.iter()).chain(r.seller.phone.iter()) {
        l.text(MARGIN, y, s, 9.0, Weight::Regular, BLACK, Align::Left);
        y += 12.0;
    }
    // The window of a DL envelope: from 100 mm from the left, 45 mm from the top.
    let (wx, mut wy) = (PAGE_W * 0.5, 150.0);
    l.text(wx, wy, &r.customer_name, 10.0, Weight::Bold, BLACK, Align::Left);
    for s in r.customer_address.as_ref().map(address_lines).unwrap_or_default() {
        wy += 13.0;
        l.text(wx, wy, &s, 10.0, Weight::Regular, BLACK, Align::Left);
    }
    let place = &r.seller.address.city;
    let dated = match lang {
        Language::Fr => format!("{place}, le {}", text::date(r.date, lang)),
        Language::En => format!("{place}, {}", text::date(r.date, lang)),
    };
    l.y = wy.max(y) + 40.0;
    l.text(PAGE_W - MARGIN, l.y, &dated, 10.0, Weight::Regular, BLACK, Align::Right);
    l.y += 30.0;
    l.text(MARGIN, l.y, &t.title, 15.0, Weight::Bold, accent, Align::Left);
    l.y += 24.0;
    if let Some(body) = &t.custom_body {
        // The company's own text: its lines as paragraphs, a blank line as a gap.
        for p in body {
            if p.trim().is_empty() {
                l.y += 6.0;
            } else {
                l.paragraph(None, p, 10.0, BLACK);
            }
        }
    } else {
        builtin_body(&mut l, &t, accent);
    }
    l.y += 10.0;
    l.text(PAGE_W - MARGIN, l.y + 10.0, &r.seller.name, 10.0, Weight::Bold, BLACK, Align::Right);

    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::A(Archival::A3_B))
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?;
    let settings = krilla::SerializeSettings { configuration, ..Default::default() };
    let mut document = Document::new_with(settings);
    let date =
        DateTime::new(u16::try_from(r.date.year()).unwrap_or(2026)).month(u8::from(r.date.month())).day(r.date.day());
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", t.title, r.customer_name))
            .authors(vec![r.seller.name.clone()])
            .creator("facturier".into())
            .producer("facturier".into())
            .language(match lang {
                Language::Fr => "fr-FR".into(),
                Language::En => "en".into(),
            })
            .creation_date(date),
    );
    for ops in l.pages {
        let size = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = document.start_page_with(size);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, weight, colour: c, text } => {
                    surface.set_fill(Some(Fill {
                        paint: super::draw::colour(c),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    let font = if weight == Weight::Bold { fonts.bold.clone() } else { fonts.regular.clone() };
                    surface.draw_text(Point::from_xy(x, y), font, size, &text, false, TextDirection::Auto);
                }
                Op::Rule { x1, y, x2, colour: c, width } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y);
                    pb.line_to(x2, y);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { paint: super::draw::colour(c), width, ..Default::default() }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                // A letter draws no shaded boxes nor logo.
                Op::Rect { .. } | Op::Logo { .. } => {}
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The built-in body: greeting, opening, the invoices, totals, charges, closing, signature.
fn builtin_body(l: &mut Layout, t: &crate::dunning::ReminderText, accent: [u8; 3]) {
    l.paragraph(None, &t.greeting, 10.0, BLACK);
    l.paragraph(None, &t.opening, 10.0, BLACK);
    for line in &t.lines {
        for (i, part) in l.wrap(line, 9.5, Weight::Regular, CONTENT_W - 12.0).into_iter().enumerate() {
            l.ensure(13.0);
            if i == 0 {
                l.text(MARGIN, l.y + 9.5, "•", 9.5, Weight::Regular, accent, Align::Left);
            }
            l.text(MARGIN + 12.0, l.y + 9.5, &part, 9.5, Weight::Regular, BLACK, Align::Left);
            l.y += 13.0;
        }
    }
    l.y += 6.0;
    for s in &t.totals {
        l.ensure(14.0);
        l.text(MARGIN, l.y + 10.0, s, 10.0, Weight::Bold, BLACK, Align::Left);
        l.y += 14.0;
    }
    l.y += 6.0;
    for s in &t.charges {
        l.paragraph(None, s, 9.0, GREY);
    }
    for s in &t.closing {
        l.paragraph(None, s, 10.0, BLACK);
    }
    l.paragraph(None, &t.signature, 10.0, BLACK);
}

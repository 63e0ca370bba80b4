//! Drawing: the laid-out pages, footer and watermark written as a PDF/A-3b with krilla, the
//! Factur-X XML attached.

use crate::model::RenderDocument;
use crate::text::{self};
use crate::xmp;
use facturier_core::party::Language;
use krilla::Document;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder, Validator};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;

use super::fonts::fonts;
use super::layout::Layout;
use super::{CONTENT_W, GREY, MARGIN, Op, PAGE_H, PAGE_W, PdfError, Weight};

pub(super) fn colour(c: [u8; 3]) -> krilla::paint::Paint {
    rgb::Color::new(c[0], c[1], c[2]).into()
}

fn fill(c: [u8; 3]) -> Fill {
    Fill { paint: colour(c), opacity: NormalizedF32::ONE, rule: Default::default() }
}

/// Draws the laid-out pages, the footer and the watermark, attaches the XML and writes
/// the PDF/A-3b file.
pub(super) fn draw(
    doc: &RenderDocument,
    pages: Vec<Vec<Op>>,
    logo: Option<Image>,
    factur_x: Option<&[u8]>,
    accent: [u8; 3],
    identity: &str,
) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let lang = doc.language;
    let w = text::words(lang);
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::A(Archival::A3_B))
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?;
    let settings = krilla::SerializeSettings { configuration, ..Default::default() };
    let mut document = Document::new_with(settings);
    let date = pdf_date(doc.issue_date);
    let title = match &doc.number {
        Some(n) => format!("{} {n}", text::kind_title(doc.kind, doc.content.progress_percent.is_some(), lang)),
        None => format!("{} ({})", text::kind_title(doc.kind, false, lang), w.draft_number),
    };
    document.set_metadata(
        Metadata::new()
            .title(title)
            .authors(vec![doc.seller.name.clone()])
            .creator("facturier".into())
            .producer("facturier".into())
            .language(match lang {
                Language::Fr => "fr-FR".into(),
                Language::En => "en".into(),
            })
            .creation_date(date),
    );
    let count = pages.len();
    // Every page names its document, so a continuation page read alone says which.
    let named = doc.number.as_deref().map(|n| format!("{n} — ")).unwrap_or_default();
    let page_label = |i: usize| format!("{named}{} {} {} {}", w.page, i, w.of, count);
    let identity_lines = {
        let measure = Layout { fonts, pages: Vec::new(), y: 0.0, accent };
        let mut line = doc.seller.name.clone();
        if !identity.is_empty() {
            line.push_str(" · ");
            line.push_str(identity);
        }
        // The identity keeps clear of the page number at its right, however long the
        // document's number: the widest label is the last page's.
        let label_w = fonts.regular_metrics.width(&page_label(count), 7.5);
        measure.wrap(&line, 7.0, Weight::Regular, CONTENT_W - label_w - 12.0)
    };
    for (i, ops) in pages.into_iter().enumerate() {
        let size = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = document.start_page_with(size);
        let mut surface = page.surface();
        if doc.is_draft() {
            // The watermark goes under the content, light enough to read through.
            surface.push_transform(&Transform::from_rotate_at(-40.0, PAGE_W / 2.0, PAGE_H / 2.0));
            surface.set_fill(Some(Fill {
                paint: colour([0xc0, 0x1c, 0x28]),
                opacity: NormalizedF32::new(0.12).unwrap_or(NormalizedF32::ONE),
                rule: Default::default(),
            }));
            let mark = w.draft_mark;
            let width = fonts.bold_metrics.width(mark, 96.0);
            surface.draw_text(
                Point::from_xy(PAGE_W / 2.0 - width / 2.0, PAGE_H / 2.0 + 30.0),
                fonts.bold.clone(),
                96.0,
                mark,
                false,
                TextDirection::Auto,
            );
            surface.pop();
        }
        for op in ops {
            match op {
                Op::Text { x, y, size, weight, colour: c, text } => {
                    surface.set_fill(Some(fill(c)));
                    let font = if weight == Weight::Bold { fonts.bold.clone() } else { fonts.regular.clone() };
                    surface.draw_text(Point::from_xy(x, y), font, size, &text, false, TextDirection::Auto);
                }
                Op::Rect { x, y, w, h, colour: c } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = krilla::geom::Rect::from_xywh(x, y, w, h) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(Some(fill(c)));
                        surface.set_stroke(None);
                        surface.draw_path(&path);
                    }
                }
                Op::Rule { x1, y, x2, colour: c, width } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y);
                    pb.line_to(x2, y);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { paint: colour(c), width, ..Default::default() }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Logo { x, y, w, h } => {
                    if let (Some(img), Some(size)) = (&logo, Size::from_wh(w, h)) {
                        surface.push_transform(&Transform::from_translate(x, y));
                        surface.draw_image(img.clone(), size);
                        surface.pop();
                    }
                }
            }
        }
        // Footer: the seller's legal identity and the page number, on every page.
        let mut fy = PAGE_H - 40.0;
        let mut pb = PathBuilder::new();
        pb.move_to(MARGIN, fy - 10.0);
        pb.line_to(PAGE_W - MARGIN, fy - 10.0);
        if let Some(path) = pb.finish() {
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke { paint: colour(accent), width: 0.6, ..Default::default() }));
            surface.draw_path(&path);
            surface.set_stroke(None);
        }
        surface.set_fill(Some(fill(GREY)));
        for s in &identity_lines {
            surface.draw_text(Point::from_xy(MARGIN, fy), fonts.regular.clone(), 7.0, s, false, TextDirection::Auto);
            fy += 9.0;
        }
        let page_no = page_label(i + 1);
        let pw = fonts.regular_metrics.width(&page_no, 7.5);
        surface.draw_text(
            Point::from_xy(PAGE_W - MARGIN - pw, PAGE_H - 40.0),
            fonts.regular.clone(),
            7.5,
            &page_no,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }

    if let Some(xml) = factur_x {
        document
            .embed_file(EmbeddedFile {
                path: "factur-x.xml".into(),
                mime_type: MimeType::new("text/xml"),
                description: Some("Factur-X invoice".into()),
                association_kind: match doc.profile {
                    facturier_core::company::Profile::En16931 => AssociationKind::Alternative,
                    _ => AssociationKind::Data,
                },
                data: xml.to_vec().into(),
                modification_date: Some(date),
                compress: Some(true),
                location: None,
            })
            .ok_or_else(|| PdfError::Write("factur-x.xml is attached twice".into()))?;
    }
    let pdf = document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))?;
    match factur_x {
        Some(_) => xmp::add_factur_x(&pdf, doc.profile).map_err(|e| PdfError::Write(e.to_string())),
        None => Ok(pdf),
    }
}

fn pdf_date(d: time::Date) -> DateTime {
    DateTime::new(u16::try_from(d.year()).unwrap_or(2026)).month(u8::from(d.month())).day(d.day())
}

//! Layout: a page being filled with drawing operations (text, wrapped paragraphs, rules,
//! page breaks) and the columns of the lines table.

use crate::text::Words;

use super::fonts::Fonts;
use super::{Align, BODY_BOTTOM, CONTENT_W, MARGIN, Op, Weight};

/// A page being laid out, and the pages before it.
pub(super) struct Layout<'a> {
    pub(super) fonts: &'a Fonts,
    pub(super) pages: Vec<Vec<Op>>,
    pub(super) y: f32,
    pub(super) accent: [u8; 3],
}

impl<'a> Layout<'a> {
    pub(super) fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(super) fn width(&self, s: &str, size: f32, weight: Weight) -> f32 {
        match weight {
            Weight::Regular => self.fonts.regular_metrics.width(s, size),
            Weight::Bold => self.fonts.bold_metrics.width(s, size),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn text(&mut self, x: f32, y: f32, s: &str, size: f32, weight: Weight, colour: [u8; 3], align: Align) {
        if s.is_empty() {
            return;
        }
        let w = self.width(s, size, weight);
        let x = match align {
            Align::Left => x,
            Align::Right => x - w,
        };
        self.ops().push(Op::Text { x, y, size, weight, colour, text: s.to_string() });
    }

    pub(super) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: [u8; 3]) {
        self.ops().push(Op::Rect { x, y, w, h, colour });
    }

    pub(super) fn rule(&mut self, x1: f32, y: f32, x2: f32, colour: [u8; 3], width: f32) {
        self.ops().push(Op::Rule { x1, y, x2, colour, width });
    }

    /// Splits text into lines no wider than `width`, keeping the author's line breaks.
    pub(super) fn wrap(&self, s: &str, size: f32, weight: Weight, width: f32) -> Vec<String> {
        let mut out = Vec::new();
        for para in s.lines() {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if self.width(&candidate, size, weight) <= width || line.is_empty() {
                    // A single word wider than the column is cut by characters.
                    if self.width(&candidate, size, weight) > width && line.is_empty() {
                        let mut part = String::new();
                        for c in word.chars() {
                            part.push(c);
                            if self.width(&part, size, weight) > width {
                                part.pop();
                                out.push(std::mem::take(&mut part));
                                part.push(c);
                            }
                        }
                        line = part;
                    } else {
                        line = candidate;
                    }
                } else {
                    out.push(std::mem::replace(&mut line, word.to_string()));
                }
            }
            out.push(line);
        }
        out
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN + 10.0;
    }

    /// Starts a new page when `needed` points do not fit; returns whether it did.
    pub(super) fn ensure(&mut self, needed: f32) -> bool {
        if self.y + needed > BODY_BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// A paragraph of wrapped text with an optional heading, flowing across pages.
    pub(super) fn paragraph(&mut self, heading: Option<&str>, body: &str, size: f32, colour: [u8; 3]) {
        let lines = self.wrap(body, size, Weight::Regular, CONTENT_W);
        let lh = size * 1.35;
        self.ensure(lh * 2.0 + if heading.is_some() { 14.0 } else { 0.0 });
        if let Some(h) = heading {
            let accent = self.accent;
            self.text(MARGIN, self.y + 9.0, h, 9.0, Weight::Bold, accent, Align::Left);
            self.y += 14.0;
        }
        for l in lines {
            self.ensure(lh);
            self.text(MARGIN, self.y + size, &l, size, Weight::Regular, colour, Align::Left);
            self.y += lh;
        }
        self.y += 6.0;
    }
}

/// A column of the lines table.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Col {
    Reference,
    Description,
    Quantity,
    Unit,
    UnitPrice,
    Discount,
    Vat,
    Net,
}

pub(super) fn col_title(c: Col, w: &Words) -> &'static str {
    match c {
        Col::Reference => w.reference,
        Col::Description => w.description,
        Col::Quantity => w.quantity,
        Col::Unit => w.unit,
        Col::UnitPrice => w.unit_price,
        Col::Discount => w.discount,
        Col::Vat => w.vat,
        Col::Net => w.net,
    }
}

pub(super) fn col_width(c: Col) -> f32 {
    match c {
        Col::Reference => 58.0,
        Col::Description => 0.0,
        Col::Quantity => 42.0,
        Col::Unit => 40.0,
        Col::UnitPrice => 64.0,
        Col::Discount => 40.0,
        Col::Vat => 36.0,
        Col::Net => 72.0,
    }
}

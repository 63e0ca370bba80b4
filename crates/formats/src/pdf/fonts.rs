//! The embedded font (DejaVu Sans Condensed, regular and bold) and its advance widths, to
//! measure and wrap text before drawing it.

use krilla::text::Font;
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size as FontSize};
use std::sync::LazyLock;

use super::PdfError;

pub(super) struct Fonts {
    pub(super) regular: Font,
    pub(super) bold: Font,
    pub(super) regular_metrics: Metrics,
    pub(super) bold_metrics: Metrics,
}

/// Advance widths per character, to measure and wrap text before drawing it.
pub(super) struct Metrics {
    pub(super) data: &'static [u8],
}

impl Metrics {
    pub(super) fn width(&self, s: &str, size: f32) -> f32 {
        let Ok(font) = skrifa::FontRef::new(self.data) else { return 0.0 };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(FontSize::new(size), LocationRef::default());
        s.chars().map(|c| charmap.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size * 0.5)).sum()
    }
}

static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    let regular_data = dejavu::sans_condensed::regular();
    let bold_data = dejavu::sans_condensed::bold();
    Some(Fonts {
        regular: Font::new(regular_data.to_vec().into(), 0)?,
        bold: Font::new(bold_data.to_vec().into(), 0)?,
        regular_metrics: Metrics { data: regular_data },
        bold_metrics: Metrics { data: bold_data },
    })
});

pub(super) fn fonts() -> Result<&'static Fonts, PdfError> {
    FONTS.as_ref().ok_or_else(|| PdfError::Write("the embedded font cannot be read".into()))
}

//! The company logo: which images are accepted (PNG or JPEG, within pixel and memory limits
//! read from the header before decoding) and loading one to draw.

use krilla::image::Image;

use super::{PdfError, render};

/// Whether bytes are a PNG or JPEG logo the renderer can draw, and its pixel size.
pub fn check_logo(bytes: &[u8]) -> Result<(u32, u32), PdfError> {
    let size = load_logo(bytes)?.size();
    // A header can be right and the pixels broken: drawing it once proves the whole image,
    // so that a bad logo is refused on upload instead of failing every later PDF.
    let mut probe = crate::sample::invoice(1);
    probe.appearance.logo = Some(bytes.to_vec());
    render(&probe, None).map_err(|e| match e {
        PdfError::Write(m) => PdfError::Logo(m),
        e => e,
    })?;
    Ok(size)
}

/// The media type of a logo the renderer can draw, told by its first bytes.
pub fn logo_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Widest and tallest logo accepted, in pixels: far more than a header needs.
pub const MAX_LOGO_SIDE: u32 = 4096;
/// Most memory a logo may take once decoded: 4 096 × 4 096 pixels of four 8-bit samples.
pub const MAX_LOGO_DECODED: u64 = 64 * 1024 * 1024;

/// Refuses a logo whose pixels would take too much memory or time to decode: a few
/// hundred kilobytes of PNG can hold 20 000 × 20 000 pixels (a decompression bomb).
fn within_limits(bytes: &[u8], (width, height): (u32, u32)) -> Result<(), PdfError> {
    // PNG's IHDR comes first (byte 24: bits per sample); JPEG samples are 8 bits. Four
    // samples a pixel: the decoder may add an alpha channel.
    let bytes_per_sample: u64 =
        if logo_media_type(bytes) == Some("image/png") && bytes.get(24) == Some(&16) { 2 } else { 1 };
    let decoded = u64::from(width) * u64::from(height) * 4 * bytes_per_sample;
    if width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE || decoded > MAX_LOGO_DECODED {
        return Err(PdfError::LogoTooLarge { width, height });
    }
    Ok(())
}

/// A PNG's size as its IHDR chunk, which the format puts first, declares.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let ihdr = bytes.get(12..24).filter(|h| h.starts_with(b"IHDR"))?;
    let be = |b: &[u8]| b.try_into().ok().map(u32::from_be_bytes);
    Some((be(&ihdr[4..8])?, be(&ihdr[8..12])?))
}

/// The logo as an image to draw, its size checked against the limits first: krilla
/// decodes a PNG's pixels as soon as the image is made, so a PNG is measured from its
/// header before; a JPEG is kept compressed (only its header is read).
pub(super) fn load_logo(bytes: &[u8]) -> Result<Image, PdfError> {
    let data: krilla::Data = bytes.to_vec().into();
    // PDF/A forbids interpolated images (the second argument).
    let image = match logo_media_type(bytes) {
        Some("image/png") => {
            let size =
                png_size(bytes).ok_or_else(|| PdfError::Logo("the PNG does not start with its header".into()))?;
            within_limits(bytes, size)?;
            Image::from_png(data, false).map_err(PdfError::Logo)?
        }
        Some(_) => Image::from_jpeg(data, false).map_err(PdfError::Logo)?,
        None => return Err(PdfError::Logo("unknown image format".into())),
    };
    within_limits(bytes, image.size())?;
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_logo_reads_the_same_from_its_code_as_from_its_display() {
        for e in [
            PdfError::Logo("bad header".into()),
            PdfError::LogoTooLarge { width: 20000, height: 16 },
            PdfError::Write("disk full".into()),
        ] {
            assert_eq!(e.message().english(), e.to_string());
        }
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A PNG that declares `width` × `height` pixels and holds none: the header is all a
    /// decoder reads before it allocates, so it is all a bomb needs.
    fn png_header_only(width: u32, height: u32, depth: u8) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            out.extend((data.len() as u32).to_be_bytes());
            let body = [kind, data].concat();
            out.extend(&body);
            out.extend(crc32(&body).to_be_bytes());
        };
        let ihdr = [&width.to_be_bytes()[..], &height.to_be_bytes(), &[depth, 2, 0, 0, 0]].concat();
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", &[]);
        chunk(b"IEND", &[]);
        out
    }

    #[test]
    fn a_logo_over_the_pixel_limit_is_refused_from_its_header() {
        let bomb = png_header_only(20_000, 20_000, 8);
        let started = std::time::Instant::now();
        let e = check_logo(&bomb).unwrap_err();
        assert!(matches!(e, PdfError::LogoTooLarge { width: 20_000, height: 20_000 }), "{e}");
        assert!(e.to_string().contains("20000 × 20000 pixels: at most 4096 pixels a side"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
        assert!(matches!(check_logo(&png_header_only(4097, 10, 8)), Err(PdfError::LogoTooLarge { .. })));
        // 16-bit samples take twice the memory: 4 096 × 4 096 of them is over the budget.
        assert!(matches!(
            within_limits(&png_header_only(4096, 4096, 16), (4096, 4096)),
            Err(PdfError::LogoTooLarge { .. })
        ));
        assert!(within_limits(&png_header_only(4096, 4096, 8), (4096, 4096)).is_ok());
        assert!(within_limits(&png_header_only(4096, 2048, 16), (4096, 2048)).is_ok());
    }

    #[test]
    fn a_stored_logo_over_the_limits_is_left_out_of_the_pdf_not_decoded() {
        let mut doc = crate::sample::invoice(1);
        doc.appearance.logo = Some(png_header_only(20_000, 20_000, 8));
        let started = std::time::Instant::now();
        let pdf = render(&doc, None).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }
}

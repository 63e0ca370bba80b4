//! The PDF renderer on sample documents: it produces a PDF/A-3 file, paginates long
//! documents and says "draft" on drafts. The container itself is checked by the
//! independent validators in `xml_validation.rs` (pikepdf, qpdf).

use facturier_formats::pdf::render;
use facturier_formats::sample;

fn pdf_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_invoice_renders_as_a_pdf_a_3_file() {
    let doc = sample::invoice(12);
    let pdf = render(&doc, None).expect("renders");
    assert!(pdf.starts_with(b"%PDF-1.7"), "PDF/A-3 is PDF 1.7");
    let s = pdf_text(&pdf);
    assert!(s.contains("pdfaid:part>3<") || s.contains("pdfaid:part=\"3\""), "declares PDF/A-3 in its XMP");
    assert!(s.contains("/OutputIntents"), "has an output intent");
    if let Ok(dir) = std::env::var("FACTURIER_PDF_OUT") {
        std::fs::write(format!("{dir}/sample-invoice.pdf"), &pdf).expect("write");
    }
}

#[test]
fn a_long_invoice_runs_over_several_numbered_pages() {
    let short = render(&sample::invoice(5), None).expect("renders");
    let long = render(&sample::invoice(120), None).expect("renders");
    let count = |b: &[u8]| {
        let s = pdf_text(b);
        s.match_indices("/Count ")
            .filter_map(|(i, _)| s[i + 7..].split(|c: char| !c.is_ascii_digit()).next()?.parse::<usize>().ok())
            .max()
            .unwrap_or(0)
    };
    assert_eq!(count(&short), 1);
    assert!(count(&long) >= 3, "120 lines take at least three pages, got {}", count(&long));
    if let Ok(dir) = std::env::var("FACTURIER_PDF_OUT") {
        std::fs::write(format!("{dir}/sample-long.pdf"), &long).expect("write");
    }
}

#[test]
fn the_factur_x_attachment_is_declared_in_the_xmp_metadata() {
    let doc = sample::invoice(3);
    let xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\"/>";
    let pdf = render(&doc, Some(xml)).expect("renders");
    let s = pdf_text(&pdf);
    assert!(s.contains("<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>"));
    assert!(s.contains("<pdfaSchema:prefix>fx</pdfaSchema:prefix>"));
    assert!(s.contains("/AFRelationship/Alternative"), "EN 16931 attaches the XML as an alternative");
    // PDF/A validators read the extension schemas from an rdf:Description of their own,
    // which declares the namespaces it uses and says nothing else; the fx: properties
    // come after it, in another.
    let own = "<rdf:Description rdf:about=\"\" xmlns:pdfaExtension=";
    let at = s.find(own).expect("an rdf:Description of the extension schemas");
    let body = &s[at..at + s[at..].find("</rdf:Description>").expect("closed")];
    let inner = &body[body.find('>').expect("tag end") + 1..];
    assert!(inner.starts_with("<pdfaExtension:schemas>") && inner.ends_with("</pdfaExtension:schemas>"), "{inner}");
    assert_eq!(s.matches("<pdfaExtension:schemas>").count(), 1, "one list of extension schemas");
    assert!(inner.contains("<pdfaSchema:prefix>fx</pdfaSchema:prefix>"));
    assert!(s.find("<fx:ConformanceLevel>").is_some_and(|fx| fx > at), "described before used");
    if let Ok(dir) = std::env::var("FACTURIER_PDF_OUT") {
        std::fs::write(format!("{dir}/sample-fx.pdf"), &pdf).expect("write");
    }
}

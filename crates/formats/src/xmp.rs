//! Declares the Factur-X attachment in the PDF's XMP metadata, which krilla cannot do:
//! the `fx:` properties (document type, file name, version, conformance level) and the
//! PDF/A extension schema that describes them.
//!
//! krilla writes the metadata stream uncompressed and a classic cross-reference table,
//! so the packet is edited in place: the new packet replaces the old one, the stream's
//! `/Length` is corrected, and every cross-reference offset after it moves by the same
//! number of bytes. Anything unexpected is an error, never a silently broken file.

use crate::model::Profile;

#[derive(Debug, thiserror::Error)]
pub enum XmpError {
    #[error("the PDF has no uncompressed XMP packet to extend")]
    NoPacket,
    #[error("the XMP packet has no {0}")]
    Missing(&'static str),
    #[error("the PDF's cross-reference table cannot be read")]
    Xref,
}

const FX_NS: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";
const PDFA_EXTENSION_NS: &str = "http://www.aiim.org/pdfa/ns/extension/";
const PDFA_SCHEMA_NS: &str = "http://www.aiim.org/pdfa/ns/schema#";
const PDFA_PROPERTY_NS: &str = "http://www.aiim.org/pdfa/ns/property#";

fn fx_description(profile: Profile) -> String {
    format!(
        "<rdf:Description rdf:about=\"\" xmlns:fx=\"{FX_NS}\">\
         <fx:DocumentType>INVOICE</fx:DocumentType>\
         <fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>\
         <fx:Version>1.0</fx:Version>\
         <fx:ConformanceLevel>{}</fx:ConformanceLevel>\
         </rdf:Description>",
        profile.xmp_level()
    )
}

fn fx_schema() -> String {
    let property = |name: &str, description: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name>\
             <pdfaProperty:valueType>Text</pdfaProperty:valueType>\
             <pdfaProperty:category>external</pdfaProperty:category>\
             <pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        )
    };
    format!(
        "<rdf:li rdf:parseType=\"Resource\"><pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\
         <pdfaSchema:namespaceURI>{FX_NS}</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix>\
         <pdfaSchema:property><rdf:Seq>{}{}{}{}</rdf:Seq></pdfaSchema:property></rdf:li>",
        property("DocumentFileName", "The name of the embedded XML document"),
        property("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
        property("Version", "The actual version of the standard applying to the embedded XML document"),
        property("ConformanceLevel", "The conformance level of the embedded XML document"),
    )
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8], before: usize) -> Option<usize> {
    hay.get(..before)?.windows(needle.len()).rposition(|w| w == needle)
}

/// Returns the PDF with the Factur-X properties added to its XMP packet.
pub fn add_factur_x(pdf: &[u8], profile: Profile) -> Result<Vec<u8>, XmpError> {
    let start = find(pdf, b"<x:xmpmeta", 0).ok_or(XmpError::NoPacket)?;
    let end = find(pdf, b"</x:xmpmeta>", start).ok_or(XmpError::NoPacket)? + b"</x:xmpmeta>".len();
    let packet = std::str::from_utf8(&pdf[start..end]).map_err(|_| XmpError::NoPacket)?;

    // The extension schemas krilla wrote move, with the Factur-X one, into an
    // rdf:Description of their own that declares the namespaces it uses, the layout
    // PDF/A validators (PDFBox Preflight, veraPDF) read extension schemas from; then
    // the fx: properties in another, after the schemas that describe them.
    let (open, close) = ("<pdfaExtension:schemas><rdf:Bag>", "</rdf:Bag></pdfaExtension:schemas>");
    let at_open = packet.find(open).ok_or(XmpError::Missing("PDF/A extension schema list"))?;
    let at_close =
        packet[at_open..].find(close).ok_or(XmpError::Missing("end of the extension schema list"))? + at_open;
    let krilla_schemas = &packet[at_open + open.len()..at_close];
    let at_rdf_end = packet.rfind("</rdf:RDF>").ok_or(XmpError::Missing("rdf:RDF element"))?;
    if at_rdf_end < at_close {
        return Err(XmpError::Missing("rdf:RDF element after the extension schemas"));
    }
    let mut new_packet = String::with_capacity(packet.len() + 2560);
    new_packet.push_str(&packet[..at_open]);
    new_packet.push_str(&packet[at_close + close.len()..at_rdf_end]);
    new_packet.push_str(&format!(
        "<rdf:Description rdf:about=\"\" xmlns:pdfaExtension=\"{PDFA_EXTENSION_NS}\" \
         xmlns:pdfaSchema=\"{PDFA_SCHEMA_NS}\" xmlns:pdfaProperty=\"{PDFA_PROPERTY_NS}\">\
         {open}{}{krilla_schemas}{close}</rdf:Description>",
        fx_schema()
    ));
    new_packet.push_str(&fx_description(profile));
    new_packet.push_str(&packet[at_rdf_end..]);

    // The stream dictionary just before the packet: `<</Length N/Type/Metadata…>>`.
    let dict = rfind(pdf, b"/Length ", start).ok_or(XmpError::Missing("stream length"))?;
    let digits_start = dict + b"/Length ".len();
    let digits_len = pdf[digits_start..].iter().take_while(|b| b.is_ascii_digit()).count();
    let old_len: usize = std::str::from_utf8(&pdf[digits_start..digits_start + digits_len])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(XmpError::Missing("stream length"))?;
    let new_len = old_len + new_packet.len() - packet.len();
    let new_len_text = new_len.to_string();

    let mut out = Vec::with_capacity(pdf.len() + new_packet.len() - packet.len() + 8);
    out.extend_from_slice(&pdf[..digits_start]);
    out.extend_from_slice(new_len_text.as_bytes());
    out.extend_from_slice(&pdf[digits_start + digits_len..start]);
    out.extend_from_slice(new_packet.as_bytes());
    out.extend_from_slice(&pdf[end..]);
    let shift = out.len() - pdf.len();

    // Move every object after the packet, then the cross-reference table itself.
    let startxref = rfind(&out, b"startxref", out.len()).ok_or(XmpError::Xref)?;
    let xref_digits = startxref + b"startxref".len();
    let xref_at: usize = std::str::from_utf8(&out[xref_digits..])
        .ok()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .ok_or(XmpError::Xref)?;
    let xref_new = xref_at + shift;
    if out.get(xref_new..xref_new + 4) != Some(b"xref") {
        return Err(XmpError::Xref);
    }
    let table_end = find(&out, b"trailer", xref_new).ok_or(XmpError::Xref)?;
    let mut pos = xref_new;
    while pos < table_end {
        let line_end = find(&out, b"\n", pos).ok_or(XmpError::Xref)?;
        let line = &out[pos..line_end];
        // An entry is "oooooooooo ggggg n" (or f); subsection headers have two fields.
        if line.len() >= 18 && line[10] == b' ' && line[16] == b' ' && line[17] == b'n' {
            let offset: usize =
                std::str::from_utf8(&line[..10]).ok().and_then(|s| s.parse().ok()).ok_or(XmpError::Xref)?;
            if offset > digits_start {
                let moved = format!("{:010}", offset + shift);
                out[pos..pos + 10].copy_from_slice(moved.as_bytes());
            }
        }
        pos = line_end + 1;
    }
    let tail = format!("startxref\n{xref_new}\n%%EOF\n");
    out.truncate(startxref);
    out.extend_from_slice(tail.as_bytes());
    Ok(out)
}

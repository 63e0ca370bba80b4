//! A small indenting XML writer over quick-xml for the e-invoice writers: elements are
//! opened and closed by name, text and attribute values are escaped by quick-xml.
//!
//! Writing into a `Vec<u8>` cannot fail, but quick-xml still returns `io::Result`; the
//! first error is kept and reported by [`Xml::finish`], so the writers read as a tree.

use crate::error::FormatError;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

pub(crate) struct Xml {
    w: Writer<Vec<u8>>,
    error: Option<std::io::Error>,
    /// The last opened element, written once something goes in it, or as `<name/>` if
    /// nothing does: an indented empty pair would hold whitespace, which an XSD element
    /// of empty content refuses.
    pending: Option<BytesStart<'static>>,
    /// Open elements, to check that every `close` matches (a bug in a writer, not in input).
    open: Vec<&'static str>,
}

impl Xml {
    pub(crate) fn new() -> Xml {
        let mut x =
            Xml { w: Writer::new_with_indent(Vec::new(), b' ', 2), error: None, pending: None, open: Vec::new() };
        x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        x
    }

    fn event(&mut self, e: Event<'_>) {
        if let Some(start) = self.pending.take() {
            self.write(Event::Start(start));
        }
        self.write(e);
    }

    fn write(&mut self, e: Event<'_>) {
        if self.error.is_none()
            && let Err(err) = self.w.write_event(e)
        {
            self.error = Some(err);
        }
    }

    /// `<name a="v"…>`
    pub(crate) fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        let mut start = BytesStart::new(name);
        for a in attrs {
            start.push_attribute(*a);
        }
        if let Some(parent) = self.pending.take() {
            self.write(Event::Start(parent));
        }
        self.pending = Some(start);
        self.open.push(name);
        self
    }

    /// `</name>`
    pub(crate) fn close(&mut self, name: &'static str) -> &mut Self {
        let top = self.open.pop();
        debug_assert_eq!(top, Some(name), "unbalanced XML element");
        match self.pending.take() {
            Some(start) => self.write(Event::Empty(start)),
            None => self.write(Event::End(BytesEnd::new(name))),
        }
        self
    }

    /// `<name a="v"…>text</name>`
    pub(crate) fn leaf_attrs(&mut self, name: &'static str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        let mut start = BytesStart::new(name);
        for a in attrs {
            start.push_attribute(*a);
        }
        self.event(Event::Start(start));
        self.event(Event::Text(BytesText::new(text)));
        self.event(Event::End(BytesEnd::new(name)));
        self
    }

    /// `<name>text</name>`
    pub(crate) fn leaf(&mut self, name: &'static str, text: &str) -> &mut Self {
        self.leaf_attrs(name, &[], text)
    }

    /// `<name>text</name>` when there is a text.
    pub(crate) fn leaf_opt(&mut self, name: &'static str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.leaf(name, t);
        }
        self
    }

    pub(crate) fn finish(self) -> Result<Vec<u8>, FormatError> {
        if let Some(e) = self.error {
            return Err(FormatError::Xml(e.to_string()));
        }
        if !self.open.is_empty() {
            return Err(FormatError::Xml(format!("elements left open: {}", self.open.join(", "))));
        }
        let mut out = self.w.into_inner();
        out.push(b'\n');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(build: impl FnOnce(&mut Xml)) -> String {
        let mut x = Xml::new();
        build(&mut x);
        String::from_utf8(x.finish().expect("balanced")).expect("UTF-8")
    }

    #[test]
    fn an_element_with_nothing_in_it_is_self_closed() {
        let s = written(|x| {
            x.open("a", &[]).open("b", &[("k", "v")]).close("b").close("a");
        });
        assert!(s.contains("<a>\n  <b k=\"v\"/>\n</a>"), "{s}");
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let s = written(|x| {
            x.leaf_attrs("n", &[("q", "a\"<b")], "Dupont & Fils <SARL>");
        });
        assert!(s.contains("<n q=\"a&quot;&lt;b\">Dupont &amp; Fils &lt;SARL&gt;</n>"), "{s}");
    }

    #[test]
    fn an_element_left_open_is_an_error() {
        let mut x = Xml::new();
        x.open("a", &[]).leaf("b", "1");
        assert!(matches!(x.finish(), Err(FormatError::Xml(_))));
    }
}

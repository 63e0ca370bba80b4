//! A message for a person as a stable code and the values it names (`too_long` with
//! `max = 255`), not as a sentence: each interface writes it in its reader's language
//! from the one catalogue of messages ([`MESSAGES`], in `table.rs`), and the API gives the
//! code to programs beside the English sentence. Core and store write the English
//! ([`Message::english`]) for logs and the CLI; the server writes French too. A text
//! written before codes existed travels as an English sentence ([`Message::sentence`])
//! until it is given its code.

mod table;

pub use table::MESSAGES;

use std::fmt::Display;

/// A message: a code of the catalogue and its values, or an English sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    what: What,
    args: Vec<(&'static str, String)>,
    /// Values that are messages themselves (a hint, a fix), written in the same language.
    parts: Vec<(&'static str, Message)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum What {
    Code(&'static str),
    Sentence(String),
}

impl Message {
    /// The message of `code` (a key of the catalogue, `snake_case`).
    pub const fn new(code: &'static str) -> Message {
        Message { what: What::Code(code), args: Vec::new(), parts: Vec::new() }
    }

    /// An English sentence without a code of its own yet.
    pub fn sentence(text: impl Into<String>) -> Message {
        Message { what: What::Sentence(text.into()), args: Vec::new(), parts: Vec::new() }
    }

    /// Adds the value a `{name}` of the code's templates stands for.
    pub fn with(mut self, name: &'static str, value: impl Display) -> Message {
        self.args.push((name, value.to_string()));
        self
    }

    /// Adds a message that a `{name:t}` of the code's templates stands for, written in
    /// the reader's language too.
    pub fn with_message(mut self, name: &'static str, part: Message) -> Message {
        self.parts.push((name, part));
        self
    }

    /// The message given for `name` with [`Message::with_message`].
    pub fn part(&self, name: &str) -> Option<&Message> {
        self.parts.iter().find(|(n, _)| *n == name).map(|(_, m)| m)
    }

    /// The code, unless this is a sentence without one.
    pub fn code(&self) -> Option<&'static str> {
        match self.what {
            What::Code(c) => Some(c),
            What::Sentence(_) => None,
        }
    }

    /// The English sentence of a message without a code.
    pub fn text(&self) -> Option<&str> {
        match &self.what {
            What::Code(_) => None,
            What::Sentence(s) => Some(s),
        }
    }

    /// The value given for `name`.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Every value, in the order given.
    pub fn args(&self) -> &[(&'static str, String)] {
        &self.args
    }

    /// The English sentence: the code's English template with its values (the code
    /// itself when the catalogue has no such row).
    pub fn english(&self) -> String {
        let code = match &self.what {
            What::Sentence(s) => return s.clone(),
            What::Code(c) => *c,
        };
        let Some((_, template, _)) = MESSAGES.iter().find(|(c, _, _)| *c == code) else {
            return code.to_string();
        };
        let mut out = String::with_capacity(template.len() + 16);
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' | '}' if chars.peek() == Some(&c) => {
                    chars.next();
                    out.push(c);
                }
                '{' => {
                    let hole: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    let name = hole.split(':').next().unwrap_or_default();
                    match self.part(name) {
                        Some(part) => out.push_str(&part.english()),
                        None => out.push_str(self.arg(name).unwrap_or_default()),
                    }
                }
                c => out.push(c),
            }
        }
        out
    }
}

/// What can be told to a person: a [`Message`], an error of the domain (its code and
/// values), or a text still written as an English sentence.
pub trait IntoMessage {
    fn into_message(self) -> Message;
}

impl IntoMessage for Message {
    fn into_message(self) -> Message {
        self
    }
}

impl IntoMessage for &Message {
    fn into_message(self) -> Message {
        self.clone()
    }
}

impl IntoMessage for String {
    fn into_message(self) -> Message {
        Message::sentence(self)
    }
}

impl IntoMessage for &str {
    fn into_message(self) -> Message {
        Message::sentence(self)
    }
}

impl IntoMessage for &String {
    fn into_message(self) -> Message {
        Message::sentence(self.as_str())
    }
}

/// The errors of the domain: each is told by its code (`fn message`).
macro_rules! coded {
    ($($t:ty),* $(,)?) => {$(
        impl IntoMessage for $t {
            fn into_message(self) -> Message {
                self.message()
            }
        }
        impl IntoMessage for &$t {
            fn into_message(self) -> Message {
                self.message()
            }
        }
    )*};
}

coded!(
    crate::derive::BillingError,
    crate::derive::DeriveError,
    crate::document::LifecycleError,
    crate::ids::IdError,
    crate::input::DateError,
    crate::input::TextError,
    crate::lifecycle::Refused,
    crate::money::DecimalError,
    crate::money::UnknownCurrency,
    crate::numbering::PatternError,
    crate::party::LegalIdsError,
    crate::party::UnknownCountry,
    crate::payments::PaymentError,
    crate::product::UnknownUnit,
    crate::progress::ProgressError,
    crate::schedule::ScheduleError,
    crate::schedule::UnknownPaymentMode,
    crate::tax::TaxError,
    crate::terms::BadTerms,
    crate::totals::TotalsError,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_keeps_its_values_and_a_sentence_its_text() {
        let m = Message::new("too_long").with("max", 255);
        assert_eq!((m.code(), m.arg("max"), m.text()), (Some("too_long"), Some("255"), None));
        let s = "no such customer".into_message();
        assert_eq!((s.code(), s.text()), (None, Some("no such customer")));
        assert_eq!(Message::new("required").into_message(), Message::new("required"));
    }

    #[test]
    fn english_fills_the_template_and_keeps_literal_braces() {
        assert_eq!(Message::new("too_long").with("max", 255).english(), "is too long (at most 255 characters)");
        assert_eq!(
            Message::new("pattern_must_contain_exactly").with("p", "\"F\"").english(),
            "pattern \"F\" must contain exactly one {SEQ} or {SEQ:n}"
        );
        assert_eq!(Message::sentence("as it was").english(), "as it was");
        let unknown = "no_row_of_that_name";
        assert_eq!(Message::new(unknown).english(), unknown);
    }
}

#[cfg(test)]
mod agree;

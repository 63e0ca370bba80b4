//! A message for a person as a stable code and the values it names (`too_long` with
//! `max = 255`), not as a sentence: each interface writes it in its reader's language
//! from the one catalogue of the server (`server::catalogue`), and the API gives the code
//! to programs beside the English sentence. A text written before codes existed travels
//! as an English sentence ([`Message::sentence`]) until it is given its code.

use std::fmt::Display;

/// A message: a code of the catalogue and its values, or an English sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    what: What,
    args: Vec<(&'static str, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum What {
    Code(&'static str),
    Sentence(String),
}

impl Message {
    /// The message of `code` (a key of the catalogue, `snake_case`).
    pub const fn new(code: &'static str) -> Message {
        Message { what: What::Code(code), args: Vec::new() }
    }

    /// An English sentence without a code of its own yet.
    pub fn sentence(text: impl Into<String>) -> Message {
        Message { what: What::Sentence(text.into()), args: Vec::new() }
    }

    /// Adds the value a `{name}` of the code's templates stands for.
    pub fn with(mut self, name: &'static str, value: impl Display) -> Message {
        self.args.push((name, value.to_string()));
        self
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
}

/// What can be told to a person: a [`Message`], or anything displayable, taken as an
/// English sentence (the errors of the domain types, until each has its code).
pub trait IntoMessage {
    fn into_message(self) -> Message;
}

impl IntoMessage for Message {
    fn into_message(self) -> Message {
        self
    }
}

impl<T: Display> IntoMessage for T {
    fn into_message(self) -> Message {
        Message::sentence(self.to_string())
    }
}

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
}

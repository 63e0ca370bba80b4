//! A message for a person as a stable code and the values it names (`too_long` with
//! `max = 255`), not as a sentence: each interface writes it in its reader's language
//! from the one catalogue of messages ([`MESSAGES`], in `table.rs`), and the API gives the
//! code to programs beside the English sentence. Core and store write the English
//! ([`Message::english`]) for logs and the CLI; the server writes French too. No
//! message travels as a sentence: a new message is one row of the table and its code
//! where it is said.

mod table;

pub use table::MESSAGES;

use std::fmt::Display;

/// A message: a code of the catalogue and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    code: &'static str,
    args: Vec<(&'static str, String)>,
    /// Values that are messages themselves (a hint, a fix), written in the same language.
    parts: Vec<(&'static str, Message)>,
}

impl Message {
    /// The message of `code` (a key of the catalogue, `snake_case`).
    pub const fn new(code: &'static str) -> Message {
        Message { code, args: Vec::new(), parts: Vec::new() }
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

    /// The code: a key of the catalogue.
    pub fn code(&self) -> &'static str {
        self.code
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
        let Some((_, template, _)) = MESSAGES.iter().find(|(c, _, _)| *c == self.code) else {
            return self.code.to_string();
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

std::thread_local! {
    /// The message of the last refusal a `Deserialize` impl made on this thread.
    static REFUSED: std::cell::RefCell<Option<Message>> = const { std::cell::RefCell::new(None) };
}

/// The serde error for a value a `Deserialize` impl refuses: serde carries only text, so
/// the message itself waits on this thread for [`take_refusal`] (the reader of the error).
pub fn refuse<E: serde::de::Error>(m: Message) -> E {
    let e = E::custom(m.english());
    REFUSED.with(|r| *r.borrow_mut() = Some(m));
    e
}

/// The message of the last [`refuse`] on this thread, if `text` is the serde error it
/// made; it is taken either way, so a later error never meets a stale one.
pub fn take_refusal(text: &str) -> Option<Message> {
    REFUSED.with(|r| r.borrow_mut().take()).filter(|m| m.english() == text)
}

/// What can be told to a person: a [`Message`] or an error of the domain (its code and
/// values). Never a sentence: English is written from the code.
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
    crate::sepa::SepaError,
    crate::schedule::UnknownPaymentMode,
    crate::tax::TaxError,
    crate::terms::BadTerms,
    crate::totals::TotalsError,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_crosses_serde_with_its_code() {
        let m = Message::new("too_long").with("max", 3);
        let e: serde_json::Error = refuse(m.clone());
        assert_eq!(take_refusal(&e.to_string()), Some(m.clone()));
        assert_eq!(take_refusal(&e.to_string()), None, "taken once");
        let _: serde_json::Error = refuse(m);
        assert_eq!(take_refusal("another error"), None);
        assert_eq!(take_refusal("is too long (at most 3 characters)"), None, "the stale one is gone");
    }

    #[test]
    fn a_code_keeps_its_values() {
        let m = Message::new("too_long").with("max", 255);
        assert_eq!((m.code(), m.arg("max")), ("too_long", Some("255")));
        assert_eq!(Message::new("required").into_message(), Message::new("required"));
    }

    #[test]
    fn english_fills_the_template_and_keeps_literal_braces() {
        assert_eq!(Message::new("too_long").with("max", 255).english(), "is too long (at most 255 characters)");
        assert_eq!(
            Message::new("pattern_must_contain_exactly").with("p", "\"F\"").english(),
            "pattern \"F\" must contain exactly one {SEQ} or {SEQ:n}"
        );
        let unknown = "no_row_of_that_name";
        assert_eq!(Message::new(unknown).english(), unknown);
    }
}

#[cfg(test)]
mod agree;

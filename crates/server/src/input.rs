//! Parsing request input at the edge: strict JSON bodies with field paths in their
//! errors, and a collector that turns text into `core` types field by field.

use crate::error::{ApiError, FieldError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use facturier_core::Decimal;
use facturier_core::input::{TextKind, check_text};
use facturier_core::message::{self, IntoMessage, Message};
use facturier_core::money::{self, DecimalError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::str::FromStr;
use time::Date;

/// A JSON body whose type errors name the offending field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ct = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ct.is_empty() && !ct.starts_with("application/json") && !ct.starts_with("application/merge-patch+json") {
            return Err(ApiError::UnsupportedMediaType {
                expected: "json_content_type_application",
                got: ct.to_string(),
            });
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::MalformedJson(format!("could not read the body: {e}"))
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON object into `T`, telling syntax errors (400) from shape errors
/// (422 with the field). Every body of the API is an object.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    if !value.is_object() {
        return Err(ApiError::field("body", Message::new("must_json_object")));
    }
    message::take_refusal("");
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        // "missing field `x`" is reported at the parent: name the field itself.
        let field = match (msg.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')), path.as_str()) {
            (Some(f), ".") => f.to_string(),
            (Some(f), p) => format!("{p}.{f}"),
            (None, ".") => "body".to_string(),
            (None, p) => p.to_string(),
        };
        // A refusal of ours keeps its code; serde's own words (a wrong type, an unknown
        // field) are told as they are.
        let message = match message::take_refusal(&msg) {
            Some(m) => m,
            None if msg.starts_with("missing field") => Message::new("required"),
            None => Message::new("invalid").with("why", msg),
        };
        ApiError::Invalid(vec![FieldError::new(field, message)])
    })
}

/// A decimal given as a JSON string (or, leniently, a JSON number), kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecText(pub String);

impl<'de> Deserialize<'de> for DecText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(DecText(s)),
            serde_json::Value::Number(n) => Ok(DecText(n.to_string())),
            other => Err(message::refuse(Message::new("expected_decimal_string_such").with("got", other))),
        }
    }
}

impl serde::Serialize for DecText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Rules a decimal must follow.
#[derive(Clone, Copy)]
pub struct DecRules {
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub max_scale: u32,
    pub positive: bool,
}

impl DecRules {
    pub const fn new(max_scale: u32) -> DecRules {
        DecRules { min: None, max: None, max_scale, positive: false }
    }
    pub const fn non_negative(mut self) -> DecRules {
        self.min = Some(Decimal::ZERO);
        self
    }
    pub const fn positive(mut self) -> DecRules {
        self.positive = true;
        self
    }
    pub const fn at_most(mut self, max: Decimal) -> DecRules {
        self.max = Some(max);
        self
    }
}

/// Collects field errors while input is turned into domain values.
#[derive(Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    /// Records an error.
    pub fn error(&mut self, field: impl Into<String>, message: impl IntoMessage) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A required value: records "is required" when absent.
    pub fn required<'a, T>(&mut self, field: &str, v: &'a Option<T>) -> Option<&'a T> {
        if v.is_none() {
            self.error(field, Message::new("required"));
        }
        v.as_ref()
    }

    /// A required, non-blank text on one line of at most `max` characters, trimmed.
    pub fn text(&mut self, field: &str, v: &Option<String>, max: usize) -> Option<String> {
        self.required_text(field, v, max, TextKind::Line)
    }

    /// An optional text on one line of at most `max` characters, trimmed; blank means absent.
    pub fn opt_text(&mut self, field: &str, v: &Option<String>, max: usize) -> Option<String> {
        self.checked_text(field, v, max, TextKind::Line)
    }

    /// A required, non-blank text that may span lines (a message body), trimmed.
    pub fn lines(&mut self, field: &str, v: &Option<String>, max: usize) -> Option<String> {
        self.required_text(field, v, max, TextKind::Lines)
    }

    /// An optional text that may span lines (a note, terms), trimmed; blank means absent.
    pub fn opt_lines(&mut self, field: &str, v: &Option<String>, max: usize) -> Option<String> {
        self.checked_text(field, v, max, TextKind::Lines)
    }

    /// Records an error when `s` breaks the string rule of its kind (`core::input`); the
    /// check every text of every request goes through.
    pub fn rule(&mut self, field: &str, s: &str, kind: TextKind) -> bool {
        match check_text(s, kind) {
            Ok(()) => true,
            Err(e) => {
                self.error(field, e);
                false
            }
        }
    }

    fn required_text(&mut self, field: &str, v: &Option<String>, max: usize, kind: TextKind) -> Option<String> {
        match v.as_deref().map(str::trim) {
            None | Some("") => {
                self.error(field, Message::new("required"));
                None
            }
            Some(s) => self.checked_text(field, &Some(s.to_string()), max, kind),
        }
    }

    fn checked_text(&mut self, field: &str, v: &Option<String>, max: usize, kind: TextKind) -> Option<String> {
        let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        if s.chars().count() > max {
            self.error(field, Message::new("too_long").with("max", max));
            return None;
        }
        if !self.rule(field, s, kind) {
            return None;
        }
        Some(s.to_string())
    }

    /// Parses a value with `FromStr`, recording its error under `field`.
    pub fn parse<T: FromStr>(&mut self, field: &str, v: &str) -> Option<T>
    where
        T::Err: IntoMessage,
    {
        match v.parse() {
            Ok(x) => Some(x),
            Err(e) => {
                self.error(field, e);
                None
            }
        }
    }

    /// An optional value parsed with `FromStr`; blank means absent.
    pub fn opt_parse<T: FromStr>(&mut self, field: &str, v: &Option<String>) -> Option<T>
    where
        T::Err: IntoMessage,
    {
        let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        self.parse(field, s)
    }

    /// A decimal following `rules`.
    pub fn decimal(&mut self, field: &str, v: &DecText, rules: DecRules) -> Option<Decimal> {
        let r = money::parse_decimal(&v.0).and_then(|d| money::check_scale(d, rules.max_scale)).and_then(|d| {
            if rules.positive && d <= Decimal::ZERO {
                Err(DecimalError::NotPositive)
            } else if rules.min.is_some_and(|m| d < m) && rules.min == Some(Decimal::ZERO) {
                Err(DecimalError::Negative)
            } else if rules.min.is_some_and(|m| d < m) || rules.max.is_some_and(|m| d > m) {
                Err(DecimalError::OutOfRange {
                    min: rules.min.unwrap_or(-money::MAX_MAGNITUDE),
                    max: rules.max.unwrap_or(money::MAX_MAGNITUDE),
                })
            } else {
                Ok(d)
            }
        });
        match r {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(field, e);
                None
            }
        }
    }

    /// A `YYYY-MM-DD` date.
    pub fn date(&mut self, field: &str, v: &str) -> Option<Date> {
        match parse_date(v) {
            Some(d) => Some(d),
            None => {
                self.error(field, Message::new("not_a_date").with("v", format_args!("{v:?}")));
                None
            }
        }
    }

    /// Ends the checks: every recorded error at once, or nothing.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::Invalid(self.errors)) }
    }

    /// True when nothing was recorded yet.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Parses `YYYY-MM-DD` between the years 1900 and 2200, and no other ISO 8601 form
/// (`core::input::parse_date`, the one date parser of every input).
pub fn parse_date(s: &str) -> Option<Date> {
    facturier_core::input::parse_date(s).ok()
}

/// Refuses a merge patch that is not a JSON object (422), before anything is read.
pub fn require_patch_object(patch: &serde_json::Value) -> Result<(), ApiError> {
    if patch.is_object() { Ok(()) } else { Err(ApiError::field("body", Message::new("merge_patch_json_object"))) }
}

/// `current` (a resource as its input body) with `patch` merged over it, then parsed as a
/// fresh body, so that the result is checked like a new one and errors name their field.
pub fn patched<I: serde::Serialize + DeserializeOwned>(current: &I, patch: &serde_json::Value) -> Result<I, ApiError> {
    let mut merged = serde_json::to_value(current).map_err(|e| ApiError::Internal(e.to_string()))?;
    merge_patch(&mut merged, patch);
    parse_json(merged.to_string().as_bytes())
}

/// RFC 7386 JSON merge patch: `patch` applied onto `target`.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    if let serde_json::Value::Object(p) = patch {
        if !target.is_object() {
            *target = serde_json::Value::Object(Default::default());
        }
        if let serde_json::Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_replaces_removes_and_nests() {
        let mut t = serde_json::json!({"a": 1, "b": {"c": 2, "d": 3}, "l": [1, 2]});
        merge_patch(&mut t, &serde_json::json!({"a": null, "b": {"c": 5}, "l": [9]}));
        assert_eq!(t, serde_json::json!({"b": {"c": 5, "d": 3}, "l": [9]}));
    }

    #[test]
    fn json_errors_name_the_field() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            q: DecText,
        }
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            lines: Vec<Inner>,
        }
        let e = parse_json::<Body>(br#"{"lines":[{"q":"1"},{}]}"#).unwrap_err();
        match e {
            ApiError::Invalid(errs) => assert_eq!(errs[0].field, "lines[1].q"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_json::<Body>(b"{\"lines\": ["), Err(ApiError::MalformedJson(_))));
    }
}

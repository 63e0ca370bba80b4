//! Stripe's webhook signature (`Stripe-Signature: t=<unix time>,v1=<hex>[,v1=…]`): an
//! HMAC-SHA256, keyed by the endpoint's signing secret, of `"{t}.{raw body}"`. The event
//! is accepted when any `v1` matches (Stripe sends several while a secret is rolled),
//! compared in constant time, and `t` is within [`TOLERANCE_SECS`] of now, so that a
//! captured request cannot be replayed later.

use ring::hmac;

/// How far a signature's timestamp may be from now, in seconds (Stripe's default).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// No header, or no `t` or no `v1` in it.
    Malformed,
    /// No `v1` matches.
    Mismatch,
    /// `t` is more than the tolerance away from now.
    Stale,
}

impl SignatureError {
    /// The message code of the catalogue.
    pub fn code(self) -> &'static str {
        match self {
            SignatureError::Malformed => "stripe_signature_missing",
            SignatureError::Mismatch => "stripe_signature_invalid",
            SignatureError::Stale => "stripe_signature_stale",
        }
    }
}

/// Checks `header` for `body` with the endpoint's `secret` at `now` (unix seconds).
pub fn verify(header: Option<&str>, body: &[u8], secret: &str, now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Malformed)?;
    let mut t: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else { continue };
        match k {
            "t" => t = v.parse().ok(),
            // A `v1` that is not hex can match nothing: it is skipped, not an error.
            "v1" => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = t.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    // Every candidate is checked (constant time each) before the answer is known.
    let matched = signatures.iter().fold(false, |acc, s| hmac::verify(&key, &signed, s).is_ok() | acc);
    if !matched {
        return Err(SignatureError::Mismatch);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// The header Stripe would send for `body` signed with `secret` at `t` (for tests and the
/// stand-in server).
pub fn sign(body: &[u8], secret: &str, t: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = t.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    format!("t={t},v1={}", hex::encode(hmac::sign(&key, &signed).as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn a_signature_of_the_body_with_the_secret_is_accepted_within_300_seconds() {
        let h = sign(BODY, SECRET, 1_000_000);
        assert_eq!(verify(Some(&h), BODY, SECRET, 1_000_000), Ok(()));
        assert_eq!(verify(Some(&h), BODY, SECRET, 1_000_300), Ok(()));
        assert_eq!(verify(Some(&h), BODY, SECRET, 999_700), Ok(()));
        assert_eq!(verify(Some(&h), BODY, SECRET, 1_000_301), Err(SignatureError::Stale));
        assert_eq!(verify(Some(&h), BODY, SECRET, 999_699), Err(SignatureError::Stale));
    }

    #[test]
    fn any_v1_may_match_and_other_schemes_are_ignored() {
        let good = sign(BODY, SECRET, 42);
        let v1 = good.split_once(",v1=").unwrap().1;
        let h = format!("t=42,v0=abc,v1={},v1={v1},v1=zz", "00".repeat(32));
        assert_eq!(verify(Some(&h), BODY, SECRET, 42), Ok(()));
    }

    #[test]
    fn another_body_secret_or_timestamp_does_not_match() {
        let h = sign(BODY, SECRET, 42);
        assert_eq!(verify(Some(&h), br#"{"id":"evt_2"}"#, SECRET, 42), Err(SignatureError::Mismatch));
        assert_eq!(verify(Some(&h), BODY, "whsec_other", 42), Err(SignatureError::Mismatch));
        let moved = h.replacen("t=42", "t=43", 1);
        assert_eq!(verify(Some(&moved), BODY, SECRET, 42), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_missing_or_malformed_header_is_refused() {
        assert_eq!(verify(None, BODY, SECRET, 42), Err(SignatureError::Malformed));
        assert_eq!(verify(Some(""), BODY, SECRET, 42), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("t=42"), BODY, SECRET, 42), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("v1=00"), BODY, SECRET, 42), Err(SignatureError::Malformed));
        assert_eq!(verify(Some("t=x,v1=00"), BODY, SECRET, 42), Err(SignatureError::Malformed));
    }
}

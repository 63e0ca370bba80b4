//! The seal chain: each issued document is sealed with SHA-256 over its canonical
//! content and the previous seal, so that any later edit breaks the chain.

use sha2::{Digest, Sha256};

/// The seal of the first document of a chain is computed over this predecessor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hex SHA-256 of `previous` (hex), a newline, then the canonical content.
pub fn seal(previous: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(previous.as_bytes());
    h.update(b"\n");
    h.update(canonical);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_depends_on_content_and_predecessor() {
        let a = seal(GENESIS, b"{\"number\":\"F1\"}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, seal(GENESIS, b"{\"number\":\"F2\"}"));
        assert_ne!(a, seal(&a, b"{\"number\":\"F1\"}"));
        assert_eq!(a, seal(GENESIS, b"{\"number\":\"F1\"}"));
    }
}

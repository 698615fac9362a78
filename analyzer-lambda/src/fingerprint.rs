//! Grouping: the same problem with different ids gets the same fingerprint.
//!
//! A fingerprint is the SHA-256 of `service`, the error type (when the line has one) and the
//! message with its variable parts replaced by placeholders ([`parameterize`]), cut to 128
//! bits of hex.

use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

/// Parameterized messages are cut to this many characters: the start of a message names the
/// problem, and a long tail of data would only split groups.
pub const MAX_PATTERN_CHARS: usize = 300;

/// Placeholders, in the order they are applied: the more specific shapes first, so that a
/// UUID is not eaten as numbers and hex, nor a URL as an IP.
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\x22'<>]+", "<url>"),
        (r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", "<email>"),
        (
            r"\b\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?",
            "<ts>",
        ),
        (r"\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b", "<ts>"),
        (r"\b1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}\b", "<trace>"),
        (
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
            "<uuid>",
        ),
        (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b", "<ip>"),
        (
            r"(?i)\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}\b|::1\b",
            "<ip>",
        ),
        (r"\b0x[0-9a-fA-F]+\b", "<hex>"),
        (
            r"\b[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b",
            "<hex>",
        ),
        (
            r"\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*[0-9][0-9a-fA-F]*\b",
            "<hex>",
        ),
        // No trailing boundary: `30s` and `60s` are the same problem, `<num>s`.
        (r"\b\d+(?:\.\d+)?", "<num>"),
    ]
    .into_iter()
    .map(|(pattern, placeholder)| (Regex::new(pattern).expect("valid regex"), placeholder))
    .collect()
});

static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+").expect("valid regex"));

/// The message with numbers, UUIDs, hex ids, IPs, e-mails, URLs, timestamps and trace ids
/// replaced by `<num>`, `<uuid>`, `<hex>`, `<ip>`, `<email>`, `<url>`, `<ts>`, `<trace>`;
/// whitespace collapsed; cut to [`MAX_PATTERN_CHARS`].
pub fn parameterize(message: &str) -> String {
    let mut text = std::borrow::Cow::Borrowed(message);
    for (regex, placeholder) in RULES.iter() {
        if let std::borrow::Cow::Owned(replaced) = regex.replace_all(&text, *placeholder) {
            text = std::borrow::Cow::Owned(replaced);
        }
    }
    let collapsed = SPACES.replace_all(text.trim(), " ");
    match collapsed.char_indices().nth(MAX_PATTERN_CHARS) {
        Some((cut, _)) => collapsed[..cut].to_string(),
        None => collapsed.into_owned(),
    }
}

/// The fingerprint of a parameterized message: 32 hex characters.
pub fn fingerprint(service: &str, error_type: Option<&str>, pattern: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [service, error_type.unwrap_or(""), pattern] {
        hasher.update(part.as_bytes());
        // A separator that cannot appear in the parts keeps ("ab","c") apart from ("a","bc").
        hasher.update([0u8]);
    }
    hex::encode(&hasher.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for (message, expected) in [
            ("order 42 failed", "order <num> failed"),
            (
                "user 3fa85f64-5717-4562-b3fc-2c963f66afa6 not found",
                "user <uuid> not found",
            ),
            ("object 5f2b9c0e7d1a not found", "object <hex> not found"),
            ("pointer 0xdeadbeef", "pointer <hex>"),
            (
                "connect to 10.0.3.17:5432 refused",
                "connect to <ip> refused",
            ),
            ("peer fe80::1ff:fe23:4567:890a down", "peer <ip> down"),
            ("mail to bob@example.com bounced", "mail to <email> bounced"),
            (
                "GET https://api.example.com/v1/orders/42?x=1 -> 503",
                "GET <url> -> <num>",
            ),
            (
                "at 2026-11-24T13:49:06.123Z deadline passed",
                "at <ts> deadline passed",
            ),
            ("at 13:49:06 retry", "at <ts> retry"),
            (
                "trace 1-5759e988-bd862e3fe1be46a994272793 slow",
                "trace <trace> slow",
            ),
            (
                "trace_id 4bf92f3577b34da6a3ce929d0e0e4736 slow",
                "trace_id <hex> slow",
            ),
            ("took 1.5s", "took <num>s"),
            (
                "std::io::Error in cache::add",
                "std::io::Error in cache::add",
            ),
            ("took 1.5 s", "took <num> s"),
            ("  many   spaces\n here ", "many spaces here"),
        ] {
            assert_eq!(parameterize(message), expected, "{message}");
        }
    }

    #[test]
    fn words_are_not_hex() {
        assert_eq!(parameterize("bad deadbeef cafe"), "bad deadbeef cafe");
        assert_eq!(parameterize("a decade ago"), "a decade ago");
    }

    #[test]
    fn same_problem_same_fingerprint() {
        let a = parameterize("payment 17 for user 3fa85f64-5717-4562-b3fc-2c963f66afa6 failed");
        let b = parameterize("payment 9031 for user 0b6f1c1e-0000-4000-8000-00000000beef failed");
        assert_eq!(
            fingerprint("orders", None, &a),
            fingerprint("orders", None, &b)
        );
    }

    #[test]
    fn service_and_error_type_split_groups() {
        let p = parameterize("failed");
        let base = fingerprint("orders", None, &p);
        assert_ne!(base, fingerprint("billing", None, &p));
        assert_ne!(base, fingerprint("orders", Some("TimeoutError"), &p));
        assert_eq!(base.len(), 32);
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(1000);
        assert_eq!(parameterize(&long).chars().count(), MAX_PATTERN_CHARS);
    }
}

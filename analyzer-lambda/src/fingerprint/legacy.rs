//! Grouping rules version 1 (the regex passes the analyzer shipped with), kept so that an
//! upgrade can find the aggregates that version 1 opened (see `aggregate`'s migration) and so
//! that `GROUPING_RULES=1` can roll back. Not used on the hot path.

use std::sync::LazyLock;

use regex::Regex;

use super::tokenize::MAX_PATTERN_CHARS;

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

//! The default subscription filter pattern (pure).
//!
//! JSON filter patterns compare a selector with a quoted string exactly and case-sensitively
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>).
//! A `*` wildcard would match more than wanted (`"ERR*"` also matches `ERRATA`), and a
//! `%regex%` term counts against a quota of five regex patterns per log group and two per
//! pattern, so the pattern lists each level name in its three usual spellings, joined by `||`.

/// The JSON keys loggers put the level under: `level` (our layer, most JSON loggers) and
/// `severity` (Google/OpenTelemetry style).
const LEVEL_KEYS: [&str; 2] = ["level", "severity"];

/// The level names that make an incident, upper-case.
const ERROR_LEVELS: [&str; 3] = ["ERROR", "FATAL", "CRITICAL"];

/// Maximum length of a filter pattern.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html>
pub const MAX_FILTER_PATTERN_CHARS: usize = 1024;

/// `ERROR`, `error`, `Error`.
fn spellings(level: &str) -> [String; 3] {
    let lower = level.to_ascii_lowercase();
    let title = format!("{}{}", &level[..1], &lower[1..]);
    [level.to_string(), lower, title]
}

/// `{ ($.level = "ERROR") || ($.level = "error") || ... || ($.severity = "Critical") }`.
pub fn error_filter_pattern() -> String {
    let terms: Vec<String> = LEVEL_KEYS
        .iter()
        .flat_map(|key| {
            ERROR_LEVELS
                .iter()
                .flat_map(|level| spellings(level))
                .map(move |value| format!("($.{key} = \"{value}\")"))
        })
        .collect();
    format!("{{ {} }}", terms.join(" || "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_lists_every_spelling_of_every_level() {
        let pattern = error_filter_pattern();
        assert!(pattern.starts_with("{ ($.level = \"ERROR\") || ($.level = \"error\") || "));
        for term in [
            r#"($.level = "Fatal")"#,
            r#"($.level = "critical")"#,
            r#"($.severity = "CRITICAL")"#,
            r#"($.severity = "Error")"#,
        ] {
            assert!(pattern.contains(term), "{term} missing from {pattern}");
        }
        assert_eq!(pattern.matches("||").count(), 17);
        assert!(pattern.ends_with(") }"));
        assert!(pattern.len() <= MAX_FILTER_PATTERN_CHARS);
        assert!(!pattern.contains('*') && !pattern.contains('%'));
    }
}

//! The CloudWatch Logs filter pattern syntax, evaluated as CloudWatch documents it, with no
//! AWS call: to validate a pattern before sending it, and to emulate a subscription filter
//! locally (moto stores patterns but never applies them).
//!
//! Source of truth: "Filter pattern syntax for metric filters, subscription filters, filter
//! log events, and Live Tail"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>) and
//! its sub-pages on unstructured, JSON and regex patterns. Supported:
//!
//! | form | example | module |
//! |---|---|---|
//! | match everything | `""`, `" "` | |
//! | terms, all required, case-sensitive substrings | `ERROR Exception` | [`terms`] |
//! | quoted phrases (`\"` and `\\` escape) | `"Task timed out"` | [`terms`] |
//! | alternatives | `?ERROR ?WARN` | [`terms`] |
//! | exclusions | `ERROR -ARGUMENTS` | [`terms`] |
//! | a standalone regex | `%ERROR\|WARN%` | [`regex`] |
//! | JSON `=` / `!=` with `*` at either end | `{ $.eventType = "Update*" }` | [`json`] |
//! | JSON numeric `<` `<=` `>` `>=` `=` `!=` | `{ $.latency >= 500 }` | [`json`] |
//! | JSON `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS` | `{ $.error NOT EXISTS }` | [`json`] |
//! | JSON `&&`, `\|\|`, parentheses, array indexes | `{ ($.a[0] = 1) \|\| $.b = x }` | [`json`] |
//! | JSON regex values | `{ $.message = %timed out% }` | [`json`] |
//!
//! Refused with a [`PatternError`] that says what to write instead, rather than guessed:
//! space-delimited patterns (`[ip, user, ...]`), `EXISTS` (undocumented; `= *` is the
//! documented way), `$.*` selectors, mixing `?` alternatives with other terms, unquoted terms
//! with characters other than letters, digits and `_`, and regexes outside CloudWatch's subset.
//! A pattern longer than [`MAX_FILTER_PATTERN_CHARS`] or with more than
//! [`MAX_REGEX_PER_PATTERN`] regexes is refused as the API would refuse it.
//!
//! ```
//! use logpipe_filter_pattern::FilterPattern;
//!
//! let pattern = FilterPattern::parse(r#"?ERROR ?"Task timed out""#).unwrap();
//! assert!(pattern.matches("[ERROR] 401 UNAUTHORIZED"));
//! assert!(pattern.matches("2026-11-24T13:00:03Z abc Task timed out after 3.00 seconds"));
//! assert!(!pattern.matches("INFO all good"));
//!
//! let json = FilterPattern::parse(r#"{ $.level = "ERROR" || $.latency > 1000 }"#).unwrap();
//! assert!(json.matches(r#"{"level":"INFO","latency":1500}"#));
//! assert!(!json.matches("level ERROR, but not JSON"));
//!
//! let err = FilterPattern::parse("[ip, user, status_code = 4*]").unwrap_err();
//! assert!(err.to_string().contains("space-delimited"));
//! ```

#![warn(missing_docs)]

mod error;
pub mod json;
pub mod regex;
pub mod terms;

#[cfg(test)]
mod doc_examples;

pub use error::PatternError;

/// Longest pattern CloudWatch accepts, in characters (`filterPattern` of
/// `PutSubscriptionFilter`: "Length Constraints: Minimum length of 0. Maximum length of 1024").
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutSubscriptionFilter.html>
pub const MAX_FILTER_PATTERN_CHARS: usize = 1024;

/// Regexes one filter pattern may hold ("There is a limit of 2 regex for each filter
/// pattern"). <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>
pub const MAX_REGEX_PER_PATTERN: usize = 2;

/// Subscription and metric filter patterns containing a regex, per log group ("There is a
/// maximum of 5 filter patterns containing regex for each log group when creating metric
/// filters or subscription filters"). Same page.
pub const MAX_REGEX_PATTERNS_PER_LOG_GROUP: usize = 5;

/// A parsed, validated filter pattern.
#[derive(Debug, Clone)]
pub struct FilterPattern {
    source: String,
    form: Form,
}

#[derive(Debug, Clone)]
enum Form {
    Everything,
    Terms(terms::Terms),
    Regex(regex::CloudWatchRegex),
    Json(json::Expr),
}

/// Which of CloudWatch's pattern forms a pattern is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// Empty or blank: every event matches.
    Everything,
    /// Terms and quoted phrases on the raw text.
    Terms,
    /// One regex on the raw text (`%...%`).
    Regex,
    /// Conditions on the fields of JSON events (`{ ... }`).
    Json,
}

impl FilterPattern {
    /// Parses and validates `pattern` (length, syntax, regex subset and quota).
    pub fn parse(pattern: &str) -> Result<FilterPattern, PatternError> {
        let chars = pattern.chars().count();
        if chars > MAX_FILTER_PATTERN_CHARS {
            return Err(PatternError::TooLong {
                chars,
                max: MAX_FILTER_PATTERN_CHARS,
            });
        }
        let trimmed = pattern.trim();
        let form = if trimmed.is_empty() {
            Form::Everything
        } else if trimmed.starts_with('{') {
            Form::Json(json::parse(trimmed)?)
        } else if trimmed.starts_with('[') {
            return Err(PatternError::Unsupported {
                what: "space-delimited patterns ([field, field, ...])".into(),
                instead: "match terms (`ERROR \"status 500\"`) or use JSON records and a JSON \
                          pattern"
                    .into(),
            });
        } else if trimmed.starts_with('%') {
            let inner = trimmed
                .strip_prefix('%')
                .and_then(|rest| rest.strip_suffix('%'))
                .filter(|inner| !inner.is_empty())
                .ok_or_else(|| PatternError::Syntax {
                    position: 0,
                    message: "a regex pattern is one regex between two `%`, with nothing around \
                              it"
                    .into(),
                })?;
            Form::Regex(regex::CloudWatchRegex::new(inner)?)
        } else {
            Form::Terms(terms::parse(trimmed)?)
        };
        let pattern = FilterPattern {
            source: pattern.to_string(),
            form,
        };
        let count = pattern.regex_count();
        if count > MAX_REGEX_PER_PATTERN {
            return Err(PatternError::TooManyRegex {
                count,
                max: MAX_REGEX_PER_PATTERN,
            });
        }
        Ok(pattern)
    }

    /// Whether CloudWatch would let `message` (one log event's text) through.
    pub fn matches(&self, message: &str) -> bool {
        match &self.form {
            Form::Everything => true,
            Form::Terms(terms) => terms.matches(message),
            Form::Regex(regex) => regex.is_match(message),
            Form::Json(expr) => json::matches(expr, message),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Which form the pattern is.
    pub fn kind(&self) -> PatternKind {
        match self.form {
            Form::Everything => PatternKind::Everything,
            Form::Terms(_) => PatternKind::Terms,
            Form::Regex(_) => PatternKind::Regex,
            Form::Json(_) => PatternKind::Json,
        }
    }

    /// Regexes in the pattern (counted against [`MAX_REGEX_PER_PATTERN`], and a pattern with
    /// any counts against [`MAX_REGEX_PATTERNS_PER_LOG_GROUP`]).
    pub fn regex_count(&self) -> usize {
        match &self.form {
            Form::Everything | Form::Terms(_) => 0,
            Form::Regex(_) => 1,
            Form::Json(expr) => expr.regex_count(),
        }
    }
}

impl std::fmt::Display for FilterPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for FilterPattern {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FilterPattern::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_patterns_match_everything() {
        for blank in ["", " ", "  \t"] {
            let p = FilterPattern::parse(blank).unwrap();
            assert_eq!(p.kind(), PatternKind::Everything);
            assert!(p.matches("anything at all"));
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        // 1,024 characters, more than 1,024 bytes.
        let ok = format!("\"{}\"", "é".repeat(MAX_FILTER_PATTERN_CHARS - 2));
        assert!(ok.len() > MAX_FILTER_PATTERN_CHARS);
        assert!(FilterPattern::parse(&ok).is_ok());
        let long = "a".repeat(MAX_FILTER_PATTERN_CHARS + 1);
        match FilterPattern::parse(&long) {
            Err(PatternError::TooLong { chars, max }) => {
                assert_eq!((chars, max), (1025, 1024));
            }
            other => panic!("expected TooLong, got {other:?}"),
        }
    }

    #[test]
    fn space_delimited_patterns_are_refused_not_guessed() {
        let err = FilterPattern::parse("[w1=ERROR, w2]").unwrap_err();
        assert!(matches!(err, PatternError::Unsupported { .. }), "{err}");
    }

    #[test]
    fn more_than_two_regexes_are_refused() {
        let three = "{ $.a = %x% || $.b = %y% || $.c = %z% }";
        match FilterPattern::parse(three) {
            Err(PatternError::TooManyRegex { count, max }) => assert_eq!((count, max), (3, 2)),
            other => panic!("expected TooManyRegex, got {other:?}"),
        }
        let two = FilterPattern::parse("{ $.a = %x% || $.b = %y% }").unwrap();
        assert_eq!(two.regex_count(), 2);
    }

    #[test]
    fn display_and_from_str_round_trip() {
        let p: FilterPattern = "?ERROR ?WARN".parse().unwrap();
        assert_eq!(p.to_string(), "?ERROR ?WARN");
        assert_eq!(p.as_str(), "?ERROR ?WARN");
    }
}

//! The default subscription filter pattern (pure), and the check of any pattern before it is
//! sent.
//!
//! The analyzer makes an incident of every line at WARN or above and of every crash, whoever
//! wrote it: our layer's JSON records, other JSON loggers (Powertools, pino, OpenTelemetry),
//! Lambda's own text lines (`Task timed out after 3.00 seconds`, `REPORT ... Status: timeout`,
//! `Runtime exited with error`, `Runtime.OutOfMemory`), runtimes' `ERROR\t` lines and plain
//! text (`thread 'main' panicked at ...`). A JSON pattern (`{ $.level = "ERROR" }`) never
//! matches a line that is not JSON, so it would keep every Lambda and plain-text failure away
//! from the analyzer. A pattern is either terms, or one regex, or JSON
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>), so
//! the default is `?` alternatives: case-sensitive substrings of the raw line, which match JSON
//! and text alike. No regex: a log group allows five patterns with regexes, and they are the
//! user's.
//!
//! What it lets through beyond incidents (the Lambda's cost) is measured over the analyzer's
//! fixture corpus by this module's tests, which also assert that nothing the analyzer would make
//! an incident of is filtered out.

use logpipe_filter_pattern::{FilterPattern, MAX_FILTER_PATTERN_CHARS, PatternError};

/// Level names at WARN and above, as `analyzer_lambda::severity::Level::from_name` reads them.
/// A name covers the longer ones it begins (`WARN` covers `WARNING`, `ERR` covers `ERROR`),
/// and each is matched in upper, lower and title case.
const LEVEL_NAMES: [&str; 9] = [
    "WARN", "WRN", "ERR", "FATAL", "CRIT", "SEVERE", "PANIC", "EMERG", "ALERT",
];

/// Lower-case names too common inside words to match bare (`err` is in "interrupted",
/// "overridden", "stderr"): matched only as a JSON string (`"err"`) or after `=` (`level=err`).
const DELIMITED_ONLY: [&str; 2] = ["err", "wrn"];

/// One-letter level names (`"E"`, `"w"`), matched only as whole JSON strings.
const LETTERS: [&str; 3] = ["W", "E", "F"];

/// Numeric levels: pino and bunyan write `"level":50` (40 warn, 50 error, 60 fatal; the
/// prefix covers 40-69), Python's JSON loggers `"level": 50`, OpenTelemetry
/// `"severityNumber":17` (13-24 are WARN to FATAL; the prefixes cover 1 and 10-29).
const NUMERIC_LEVELS: [&str; 8] = [
    r#""level":4"#,
    r#""level":5"#,
    r#""level":6"#,
    r#""level": 4"#,
    r#""level": 5"#,
    r#""level": 6"#,
    r#""severityNumber":1"#,
    r#""severityNumber":2"#,
];

/// Errors that carry a status or a priority rather than a level name. Server errors in access
/// logs: the combined log
/// format of nginx/Apache/ALB-style lines (`"GET /x HTTP/1.1" 502 ...`) and JSON access logs
/// such as API Gateway's (`"status":"504"`, `"status":503`). Client errors (4xx) are not
/// problems of the service and stay out.
const SERVER_ERRORS: [&str; 11] = [
    r#"HTTP/1.1" 5"#,
    r#"HTTP/1.0" 5"#,
    r#"HTTP/2.0" 5"#,
    r#"HTTP/2" 5"#,
    r#""status":"5"#,
    r#""status":5"#,
    // journald's JSON export carries syslog priorities, not names: 0 emerg .. 3 err,
    // 4 warning (https://www.freedesktop.org/software/systemd/man/latest/systemd.journal-fields.html).
    r#""PRIORITY":"0""#,
    r#""PRIORITY":"1""#,
    r#""PRIORITY":"2""#,
    r#""PRIORITY":"3""#,
    r#""PRIORITY":"4""#,
];

/// Crashes, whatever the level: Lambda's timeout line and report status, runtime exits, out of
/// memory (`Runtime.OutOfMemory`, Rust's "memory allocation of N bytes failed"), and Lambda's
/// JSON platform events (`"status":"timeout"`). Panics are covered by `panic` (in "panicked")
/// and `MemoryError` / `Runtime.ExitError` by `Error`.
const CRASHES: [&str; 10] = [
    "Task timed out after",
    "Status: timeout",
    "Runtime exited",
    "OutOfMemory",
    "out of memory",
    "Out of memory",
    "Out Of Memory",
    "memory allocation of",
    r#""status":"timeout""#,
    r#""status":"failure""#,
];

/// `WARN`, `warn`, `Warn`.
fn cases(name: &str) -> [String; 3] {
    let lower = name.to_ascii_lowercase();
    let title = format!("{}{}", &name[..1], &lower[1..]);
    [name.to_string(), lower, title]
}

/// A term as CloudWatch reads it: bare when it is letters, digits and `_`, else quoted with
/// `\"` and `\\` escaped.
fn term(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        text.to_string()
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// The texts the default pattern looks for, in order, without duplicates.
fn default_terms() -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    for name in LEVEL_NAMES {
        for spelling in cases(name) {
            if DELIMITED_ONLY.contains(&spelling.to_ascii_lowercase().as_str()) && spelling != name
            {
                texts.push(format!("\"{spelling}\""));
                texts.push(format!("={spelling}"));
            } else {
                texts.push(spelling);
            }
        }
    }
    // "err" is covered in JSON and logfmt above; "error" and "Error" on their own.
    texts.extend(["error".to_string(), "Error".to_string()]);
    for letter in LETTERS {
        texts.push(format!("\"{letter}\""));
        texts.push(format!("\"{}\"", letter.to_ascii_lowercase()));
    }
    texts.extend(NUMERIC_LEVELS.iter().map(|s| s.to_string()));
    texts.extend(CRASHES.iter().map(|s| s.to_string()));
    texts.extend(SERVER_ERRORS.iter().map(|s| s.to_string()));
    let mut seen = std::collections::HashSet::new();
    texts.retain(|t| seen.insert(t.clone()));
    texts
}

/// The pattern `provision` installs unless `--filter-pattern` says otherwise: `?WARN ?warn ...`.
pub fn error_filter_pattern() -> String {
    default_terms()
        .iter()
        .map(|t| format!("?{}", term(t)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why the plan installs `pattern`, in one line.
pub fn explain(pattern: &str) -> String {
    if pattern == error_filter_pattern() {
        format!(
            "subscription filter pattern: the default ({} terms, {} of {MAX_FILTER_PATTERN_CHARS} \
             characters): every line the analyzer makes an incident of reaches it (WARN and above \
             in JSON or text, numeric JSON levels, Lambda timeouts, out-of-memory and runtime \
             exits, panics); INFO and DEBUG lines without those words stay in CloudWatch. The \
             pattern: {pattern}",
            default_terms().len(),
            pattern.chars().count()
        )
    } else if pattern.trim().is_empty() {
        "subscription filter pattern: empty (from --filter-pattern): every log event invokes the \
         analyzer"
            .to_string()
    } else {
        format!(
            "subscription filter pattern (from --filter-pattern): {pattern}; lines it does not \
             match never reach the analyzer, whatever their level"
        )
    }
}

/// Checks a pattern as CloudWatch would before `PutSubscriptionFilter` (syntax, length, regex
/// quota per pattern).
pub fn validate(pattern: &str) -> Result<(), PatternError> {
    FilterPattern::parse(pattern).map(|_| ())
}

#[cfg(test)]
mod corpus;

#[cfg(test)]
mod tests {
    use super::*;
    use logpipe_filter_pattern::PatternKind;

    #[test]
    fn the_default_is_valid_and_within_limits() {
        let pattern = error_filter_pattern();
        let parsed = FilterPattern::parse(&pattern).unwrap();
        assert_eq!(parsed.kind(), PatternKind::Terms);
        assert_eq!(parsed.regex_count(), 0);
        assert!(pattern.chars().count() <= MAX_FILTER_PATTERN_CHARS);
    }

    #[test]
    fn the_default_matches_lambda_text_lines_and_json_alike() {
        let p = FilterPattern::parse(&error_filter_pattern()).unwrap();
        for line in [
            "2026-11-24T13:00:03.130Z 6f9a1c1e Task timed out after 3.00 seconds",
            "REPORT RequestId: 6f9a\tDuration: 3000.00 ms\tStatus: timeout",
            "RequestId: 6f9a Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory",
            "2026-11-24T13:00:00.124Z\t6f9a\tERROR\tInvoke Error \t{}",
            "[ERROR]\t2026-11-24T13:00:00.125Z\t6f9a\tKeyError: 'customer_id'",
            "thread 'main' panicked at src/main.rs:17:5",
            "memory allocation of 1048576 bytes failed",
            r#"{"level":"ERROR","message":"payment failed"}"#,
            r#"{"level": "warning", "msg": "slow"}"#,
            r#"{"level":50,"msg":"pino error"}"#,
            r#"{"severityNumber":17,"body":"otel error"}"#,
            r#"{"level":"e","msg":"one letter"}"#,
            "ts=1 level=err msg=x",
        ] {
            assert!(p.matches(line), "{line}");
        }
        for line in [
            "2026-11-24T13:00:00.123Z\t6f9a\tINFO\tprocessing order 42",
            "START RequestId: 6f9a Version: $LATEST",
            "REPORT RequestId: 6f9a\tDuration: 12.00 ms\tBilled Duration: 13 ms",
            r#"{"level":"INFO","message":"order created","service":"orders-api"}"#,
            r#"{"level":30,"msg":"pino info"}"#,
            "the process was interrupted and overridden",
        ] {
            assert!(!p.matches(line), "{line}");
        }
    }

    #[test]
    fn explain_names_the_source() {
        assert!(explain(&error_filter_pattern()).contains("the default"));
        assert!(explain("ERROR").contains("from --filter-pattern"));
        assert!(explain("").contains("every log event"));
    }

    #[test]
    fn invalid_patterns_are_refused_before_any_call() {
        assert!(validate(&error_filter_pattern()).is_ok());
        assert!(validate("{ $.level = ").is_err());
        assert!(validate("Status: timeout").is_err());
        assert!(validate(&"a".repeat(MAX_FILTER_PATTERN_CHARS + 1)).is_err());
    }
}

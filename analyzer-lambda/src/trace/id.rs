//! Trace ids as services log them, and the filter pattern for them: W3C and X-Ray trace ids
//! (one trace, two spellings), and request ids that services log as the trace id when the
//! caller sent no trace header (demo-api takes `x-request-id` as the trace id then).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Keys a JSON log record may carry its trace id under: our layer's `trace_id` (W3C form),
/// and Powertools for AWS Lambda's `xray_trace_id` (X-Ray form). Either form is matched
/// under either key.
pub const TRACE_ID_KEYS: [&str; 2] = ["trace_id", "xray_trace_id"];

/// Length of a W3C trace-id: 16 bytes in lowercase hex.
/// <https://www.w3.org/TR/trace-context/#trace-id>
pub const W3C_TRACE_ID_LEN: usize = 32;

/// Longest request id taken as a trace id: demo-api's `MAX_REQUEST_ID_CHARS`
/// (`demo-api/src/trace_context.rs`), which replaces a longer `x-request-id` with a fresh id,
/// so no longer one is ever logged as a trace id.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Characters of a request id besides ASCII letters and digits, as demo-api's
/// `parse_request_id` allows them (safe in headers, shell words and quoted query strings).
pub const REQUEST_ID_PUNCTUATION: [char; 4] = ['.', '_', ':', '-'];

/// The longest part of a refused id repeated in the error.
const SHOWN_CHARS: usize = 40;

/// A text that cannot be a trace id, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{shown:?} is not a trace id ({reason}): give 32 hex digits (W3C / OpenTelemetry, e.g. \
     4bf92f3577b34da6a3ce929d0e0e4736), an X-Ray trace id (e.g. \
     1-5759e988-bd862e3fe1be46a994272793) or a request id as x-request-id carries it (1 to 128 \
     letters, digits, '.', '_', ':' or '-', e.g. my-trace-1)"
)]
pub struct BadTraceId {
    /// The text, cut to its first 40 characters.
    pub shown: String,
    /// What is wrong with it.
    pub reason: String,
}

impl BadTraceId {
    fn new(text: &str, reason: impl Into<String>) -> BadTraceId {
        let mut shown: String = text.chars().take(SHOWN_CHARS).collect();
        if shown.len() < text.len() {
            shown.push('…');
        }
        BadTraceId {
            shown,
            reason: reason.into(),
        }
    }
}

/// A trace id: a W3C or X-Ray trace id, held in W3C form (32 lowercase hex digits, not all
/// zero), or a request id, held as given.
///
/// The same W3C trace is `1-<first 8 digits>-<last 24 digits>` in X-Ray form: that is how
/// AWS maps W3C trace ids to X-Ray ones
/// (<https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-traces>).
/// A request id has no other form and matches only itself, exactly (demo-api logs it as
/// sent). Two ids are equal when they are the same trace, whatever their spelling.
#[derive(Debug, Clone)]
pub struct TraceId {
    /// The W3C form, or the request id.
    id: String,
    /// Whether `id` is a W3C trace id (which has an X-Ray form too).
    w3c: bool,
    /// The W3C or X-Ray id as given, when spelled neither way (upper case): a service that
    /// took it from `x-request-id` logged it so.
    spelled: Option<String>,
}

impl PartialEq for TraceId {
    fn eq(&self, other: &TraceId) -> bool {
        (self.w3c, &self.id) == (other.w3c, &other.id)
    }
}

impl Eq for TraceId {}

impl Hash for TraceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.w3c, &self.id).hash(state);
    }
}

impl TraceId {
    /// Reads a W3C trace id, an X-Ray trace id (hex digits in either case) or a request id
    /// (the ids demo-api logs as the trace id; see [`MAX_REQUEST_ID_LEN`] and
    /// [`REQUEST_ID_PUNCTUATION`]). Surrounding whitespace is ignored, as demo-api ignores it
    /// in the header.
    pub fn parse(text: &str) -> Result<TraceId, BadTraceId> {
        let text = text.trim();
        let w3c = if text.starts_with("1-") {
            tracing_cloudwatch_logs::record::w3c_trace_id_from_xray(text)
        } else {
            let hex = text.len() == W3C_TRACE_ID_LEN && text.bytes().all(|b| b.is_ascii_hexdigit());
            (hex && text.bytes().any(|b| b != b'0')).then(|| text.to_ascii_lowercase())
        };
        if let Some(id) = w3c {
            let spelled = text
                .bytes()
                .any(|b| b.is_ascii_uppercase())
                .then(|| text.to_owned());
            return Ok(TraceId {
                id,
                w3c: true,
                spelled,
            });
        }
        check_request_id(text)?;
        Ok(TraceId {
            id: text.to_owned(),
            w3c: false,
            spelled: None,
        })
    }

    /// The id: its W3C form (`4bf92f3577b34da6a3ce929d0e0e4736`), or the request id.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The W3C form, unless the id is a request id.
    pub fn w3c(&self) -> Option<&str> {
        self.w3c.then_some(self.id.as_str())
    }

    /// The X-Ray form (`1-4bf92f35-77b34da6a3ce929d0e0e4736`), unless the id is a request id.
    pub fn xray(&self) -> Option<String> {
        self.w3c()
            .and_then(tracing_cloudwatch_logs::record::xray_trace_id)
    }

    /// Every spelling a log record or an incident row may carry the id in, each once: the
    /// W3C and X-Ray forms and the id as given when upper case; a request id alone.
    pub fn forms(&self) -> Vec<String> {
        let mut forms = vec![self.id.clone()];
        forms.extend(self.xray());
        forms.extend(self.spelled.clone());
        forms
    }

    /// Whether a logged value is this trace id: in any form (any case) for a W3C or X-Ray
    /// id, exactly for a request id.
    pub fn matches(&self, value: &str) -> bool {
        if self.w3c {
            TraceId::parse(value).is_ok_and(|id| id == *self)
        } else {
            value == self.id
        }
    }

    /// The CloudWatch Logs filter pattern that selects JSON events carrying this trace id
    /// under any of [`TRACE_ID_KEYS`], in any of its [`TraceId::forms`]:
    /// `{ ($.trace_id = "…") || ($.trace_id = "1-…") || … }`
    /// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-json-log-events>).
    /// Each value is a quoted string ([`pattern_string`]), so the `-`, `.` and `:` of a
    /// request id are text, not syntax; a parsed id holds no `*`, the one character a
    /// quoted value cannot escape (it is a wildcard at either end).
    pub fn filter_pattern(&self) -> String {
        let forms = self.forms();
        let terms: Vec<String> = TRACE_ID_KEYS
            .iter()
            .flat_map(|key| {
                forms
                    .iter()
                    .map(move |form| format!("($.{key} = {})", pattern_string(form)))
            })
            .collect();
        format!("{{ {} }}", terms.join(" || "))
    }
}

/// `text` as a double-quoted string of a filter pattern: `\` and `"` escaped with `\`, the
/// escapes CloudWatch reads inside quotes
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-events>).
pub fn pattern_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Whether `text` (trimmed) is a request id demo-api takes as a trace id.
fn check_request_id(text: &str) -> Result<(), BadTraceId> {
    let bad = |reason: String| Err(BadTraceId::new(text, reason));
    if text.is_empty() {
        return bad("it is empty".into());
    }
    let chars = text.chars().count();
    if chars > MAX_REQUEST_ID_LEN {
        return bad(format!(
            "it is {chars} characters long, more than {MAX_REQUEST_ID_LEN}"
        ));
    }
    if text.chars().any(char::is_whitespace) {
        return bad("it holds whitespace".into());
    }
    if let Some(c) = text
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !REQUEST_ID_PUNCTUATION.contains(c))
    {
        return bad(format!("it holds {c:?}"));
    }
    Ok(())
}

impl FromStr for TraceId {
    type Err = BadTraceId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TraceId::parse(s)
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W3C: &str = "5759e988bd862e3fe1be46a994272793";
    const XRAY: &str = "1-5759e988-bd862e3fe1be46a994272793";

    #[test]
    fn both_forms_give_the_same_trace() {
        let from_w3c = TraceId::parse(W3C).unwrap();
        let from_xray = TraceId::parse(XRAY).unwrap();
        assert_eq!(from_w3c, from_xray);
        assert_eq!(from_xray.w3c(), Some(W3C));
        assert_eq!(from_w3c.xray().as_deref(), Some(XRAY));
        assert_eq!(from_w3c.to_string(), W3C);
        assert_eq!(from_w3c.forms(), [W3C, XRAY]);
    }

    #[test]
    fn case_and_spaces_do_not_matter() {
        let upper = TraceId::parse(" 1-5759E988-BD862E3FE1BE46A994272793\n").unwrap();
        assert_eq!(upper.w3c(), Some(W3C));
        assert!(upper.matches(XRAY) && upper.matches(W3C));
        assert!(!upper.matches("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(!upper.matches("req-1"));
        // Logged as sent by a service that took it from x-request-id: searched for too.
        assert_eq!(
            upper.forms(),
            [W3C, XRAY, "1-5759E988-BD862E3FE1BE46A994272793"]
        );
    }

    #[test]
    fn request_ids_are_trace_ids_matched_exactly() {
        for given in [
            "my-trace-1",
            "req-42.a_b:c",
            "r",
            "00000000000000000000000000000000", // W3C forbids it; x-request-id does not
            "5759e988bd862e3fe1be46a99427279",  // 31 hex digits
            "5759e988bd862e3fe1be46a99427279g", // not hex
            "2-5759e988-bd862e3fe1be46a994272793", // X-Ray version 2
            "1-5759e988-bd862e3f-e1be46a994272793", // X-Ray with an extra dash
        ] {
            let id = TraceId::parse(&format!(" {given} ")).unwrap();
            assert_eq!((id.as_str(), id.w3c(), id.xray()), (given, None, None));
            assert_eq!(id.forms(), [given]);
            assert!(id.matches(given));
            assert!(!id.matches(&format!("{given}0")) && !id.matches(&format!(" {given}")));
            let upper = given.to_uppercase();
            assert!(upper == given || !id.matches(&upper), "{given}");
        }
        let longest = "a".repeat(MAX_REQUEST_ID_LEN);
        assert_eq!(TraceId::parse(&longest).unwrap().as_str(), longest);
        // A request id that happens to be W3C-shaped is that trace.
        assert_eq!(
            TraceId::parse(W3C).unwrap(),
            TraceId::parse(&W3C.to_uppercase()).unwrap()
        );
    }

    #[test]
    fn what_cannot_be_a_trace_id_is_refused_with_the_reason_and_the_shapes() {
        for (bad, reason) in [
            ("", "it is empty"),
            ("   ", "it is empty"),
            ("my trace", "it holds whitespace"),
            ("my\ttrace", "it holds whitespace"),
            ("my\"trace", "it holds '\"'"),
            ("a*", "it holds '*'"),
            ("a/b", "it holds '/'"),
            ("{ $.x = 1 }", "it holds whitespace"),
            ("trace-é", "it holds 'é'"),
        ] {
            let err = TraceId::parse(bad).unwrap_err();
            assert_eq!(err.reason, reason, "{bad:?}");
            let text = err.to_string();
            assert!(
                text.contains("32 hex digits")
                    && text.contains("X-Ray")
                    && text.contains("x-request-id"),
                "{text}"
            );
        }
        let absurd = "a".repeat(MAX_REQUEST_ID_LEN + 1);
        let err = TraceId::parse(&absurd).unwrap_err();
        assert_eq!(err.reason, "it is 129 characters long, more than 128");
        // The error stays one short line, however long the text.
        let long = TraceId::parse(&"x".repeat(100_000))
            .unwrap_err()
            .to_string();
        assert!(long.len() < 500 && !long.contains('\n'), "{long}");
    }

    #[test]
    fn the_filter_pattern_names_both_forms_under_each_key() {
        let pattern = TraceId::parse(W3C).unwrap().filter_pattern();
        assert_eq!(
            pattern,
            format!(
                "{{ ($.trace_id = \"{W3C}\") || ($.trace_id = \"{XRAY}\") || \
                 ($.xray_trace_id = \"{W3C}\") || ($.xray_trace_id = \"{XRAY}\") }}"
            )
        );
    }

    #[test]
    fn a_request_id_is_one_quoted_value_under_each_key() {
        let pattern = TraceId::parse("my-trace:1.a_b").unwrap().filter_pattern();
        assert_eq!(
            pattern,
            r#"{ ($.trace_id = "my-trace:1.a_b") || ($.xray_trace_id = "my-trace:1.a_b") }"#
        );
    }

    #[test]
    fn pattern_strings_escape_quotes_and_backslashes() {
        assert_eq!(pattern_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(pattern_string(r#"") || ($.x = ""#), r#""\") || ($.x = \"""#);
        assert_eq!(pattern_string("my-trace-1"), r#""my-trace-1""#);
    }
}

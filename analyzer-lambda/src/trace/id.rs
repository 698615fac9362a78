//! Trace ids in the two forms services log them in, and the filter pattern for them.

use std::fmt;
use std::str::FromStr;

/// Keys a JSON log record may carry its trace id under: our layer's `trace_id` (W3C form),
/// and Powertools for AWS Lambda's `xray_trace_id` (X-Ray form). Either form is matched
/// under either key.
pub const TRACE_ID_KEYS: [&str; 2] = ["trace_id", "xray_trace_id"];

/// Length of a W3C trace-id: 16 bytes in lowercase hex.
/// <https://www.w3.org/TR/trace-context/#trace-id>
pub const W3C_TRACE_ID_LEN: usize = 32;

/// A trace id that is neither W3C nor X-Ray shaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a trace id: give 32 hex digits (W3C / OpenTelemetry, e.g. \
     4bf92f3577b34da6a3ce929d0e0e4736) or an X-Ray trace id (e.g. \
     1-5759e988-bd862e3fe1be46a994272793)"
)]
pub struct BadTraceId(pub String);

/// A trace id, held in W3C form (32 lowercase hex digits, not all zero).
///
/// The same trace is `1-<first 8 digits>-<last 24 digits>` in X-Ray form: that is how
/// AWS maps W3C trace ids to X-Ray ones
/// (<https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-traces>).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(String);

impl TraceId {
    /// Reads either form; hex digits may be upper or lower case.
    pub fn parse(text: &str) -> Result<TraceId, BadTraceId> {
        let text = text.trim();
        let bad = || BadTraceId(text.to_owned());
        let digits = if text.starts_with("1-") {
            tracing_cloudwatch_logs::record::w3c_trace_id_from_xray(text).ok_or_else(bad)?
        } else {
            text.to_owned()
        };
        let hex = digits.len() == W3C_TRACE_ID_LEN && digits.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex || digits.bytes().all(|b| b == b'0') {
            return Err(bad());
        }
        Ok(TraceId(digits.to_ascii_lowercase()))
    }

    /// The W3C form: `4bf92f3577b34da6a3ce929d0e0e4736`.
    pub fn w3c(&self) -> &str {
        &self.0
    }

    /// The X-Ray form: `1-4bf92f35-77b34da6a3ce929d0e0e4736`.
    pub fn xray(&self) -> String {
        // Always `Some`: the id was validated when parsed.
        tracing_cloudwatch_logs::record::xray_trace_id(&self.0).unwrap_or_default()
    }

    /// Whether a logged value is this trace id, in either form.
    pub fn matches(&self, value: &str) -> bool {
        TraceId::parse(value).is_ok_and(|id| id == *self)
    }

    /// The CloudWatch Logs filter pattern that selects JSON events carrying this trace id
    /// under any of [`TRACE_ID_KEYS`], in either form:
    /// `{ ($.trace_id = "…") || ($.trace_id = "1-…") || … }`
    /// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html#matching-terms-json-log-events>).
    pub fn filter_pattern(&self) -> String {
        let xray = self.xray();
        let terms: Vec<String> = TRACE_ID_KEYS
            .iter()
            .flat_map(|key| {
                [self.w3c(), xray.as_str()].map(|form| format!("($.{key} = \"{form}\")"))
            })
            .collect();
        format!("{{ {} }}", terms.join(" || "))
    }
}

impl FromStr for TraceId {
    type Err = BadTraceId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TraceId::parse(s)
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
        assert_eq!(from_xray.w3c(), W3C);
        assert_eq!(from_w3c.xray(), XRAY);
        assert_eq!(from_w3c.to_string(), W3C);
    }

    #[test]
    fn case_and_spaces_do_not_matter() {
        let upper = TraceId::parse(" 1-5759E988-BD862E3FE1BE46A994272793\n").unwrap();
        assert_eq!(upper.w3c(), W3C);
        assert!(upper.matches(XRAY) && upper.matches(W3C));
        assert!(!upper.matches("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(!upper.matches("req-1"));
    }

    #[test]
    fn malformed_ids_are_refused_with_both_shapes_named() {
        for bad in [
            "",
            "req-1",
            "5759e988bd862e3fe1be46a99427279",      // 31 digits
            "5759e988bd862e3fe1be46a9942727933",    // 33 digits
            "5759e988bd862e3fe1be46a99427279g",     // not hex
            "00000000000000000000000000000000",     // all zero
            "2-5759e988-bd862e3fe1be46a994272793",  // X-Ray version 2
            "1-5759e98-8bd862e3fe1be46a994272793",  // wrong split
            "1-5759e988bd862e3fe1be46a994272793",   // no second dash
            "1-5759e988-bd862e3f-e1be46a994272793", // extra dash
        ] {
            let err = TraceId::parse(bad).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("32 hex digits") && text.contains("X-Ray"),
                "{text}"
            );
        }
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
}

//! The JSON record format: one object per tracing event, one CloudWatch log event per record.
//!
//! ```json
//! {
//!   "timestamp": "2026-11-24T13:49:06.123Z",
//!   "level": "ERROR",
//!   "message": "payment failed",
//!   "service": "orders-api",
//!   "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
//!   "span_id": "00f067aa0ba902b7",
//!   "xray_trace_id": "1-4bf92f35-77b34da6a3ce929d0e0e4736",
//!   "target": "demo_api::payments",
//!   "env": "prod",
//!   "order_id": 42,
//!   "error": { "message": "card declined", "sources": ["issuer said no"] },
//!   "spans": [ { "name": "request", "trace_id": "4bf9…", "method": "POST" } ]
//! }
//! ```
//!
//! Key order is fixed: the reserved keys ([`TIMESTAMP`], [`LEVEL`], [`MESSAGE`], [`SERVICE`],
//! [`TRACE_ID`], [`SPAN_ID`], [`XRAY_TRACE_ID`], [`TARGET`]), then the builder's static fields, then the event's own fields,
//! then [`SPANS`] (root to leaf), then [`TRUNCATED`] when the record had to be shortened.
//!
//! **Collisions.** An event field whose name is a reserved key or a static field's name is
//! kept under `field.<name>` (for example a field `level = "high"` becomes `"field.level":
//! "high"`). `message`, `trace_id` and `span_id` are not collisions: they fill the reserved
//! keys.
//!
//! **Trace context**, first found wins: the event's own `trace_id` field; the nearest span's
//! `trace_id` field; with the `opentelemetry` feature, the OpenTelemetry span context of the
//! event's span (as `tracing-opentelemetry` keeps it), in W3C hex; otherwise none.
//! [`SPAN_ID`] is written when known: the event's own `span_id` field, else the
//! OpenTelemetry span id when the trace id written is OpenTelemetry's (a span id of another
//! trace would point nowhere). The OpenTelemetry ids of a span are read at its first event, so
//! give a span its remote parent (`OpenTelemetrySpanExt::set_parent`) before logging in it.
//! A span found without OpenTelemetry data means the subscriber has no OpenTelemetry layer,
//! and the layer stops looking (a per-layer filter that hides spans from the
//! OpenTelemetry layer therefore turns the lookup off).
//! When the trace id is a valid W3C id (32 hex digits, not all zero), [`XRAY_TRACE_ID`]
//! carries the same id in X-Ray's form.
//!
//! **Errors.** A field recorded as `&dyn Error` becomes `{"message": .., "sources": [..]}`,
//! the `source()` chain outermost first.
//!
//! [`LogRecord`] reads records back (the analyzer uses it with the crate's `client` feature
//! off, so it needs no AWS client).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// RFC 3339 UTC with millisecond precision, taken when the event happened.
pub const TIMESTAMP: &str = "timestamp";
/// `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`.
pub const LEVEL: &str = "level";
/// The event's message (its `message` field).
pub const MESSAGE: &str = "message";
/// The service name given to the builder.
pub const SERVICE: &str = "service";
/// The trace id: see "Trace context" above.
pub const TRACE_ID: &str = "trace_id";
/// The span id (16 hex digits in W3C Trace Context), when known.
pub const SPAN_ID: &str = "span_id";
/// The trace id in X-Ray's form `1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy` (the first 8 hex digits
/// of a W3C trace id, then the other 24), present when the trace id is a valid W3C id.
///
/// The key is the one AWS's own structured logger for Lambda (Powertools) writes and
/// documents for finding a record's X-Ray trace,
/// <https://docs.aws.amazon.com/powertools/python/latest/core/logger/#standard-structured-keys>
/// (`xray_trace_id`); the value is in the "X-Ray trace ID format" of
/// <https://docs.aws.amazon.com/xray/latest/devguide/xray-services-elb.html> (version `1`,
/// 8 hex digits, 24 hex digits): a W3C trace id split after its 8th digit, as X-Ray's
/// OpenTelemetry support converts it.
/// `trace_id` keeps the W3C form, which Application Signals' trace-to-log correlation uses
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Application-Signals-TraceLogCorrelation.html>).
pub const XRAY_TRACE_ID: &str = "xray_trace_id";
/// The event's target (by default its module path).
pub const TARGET: &str = "target";
/// The spans the event happened in, root to leaf.
pub const SPANS: &str = "spans";
/// `true` when the record was shortened to fit the per-event size limit.
pub const TRUNCATED: &str = "truncated";
/// Prefix under which an event field that collides with a reserved or static key is kept.
pub const COLLISION_PREFIX: &str = "field.";
/// In an error field: the error's own message.
pub const ERROR_MESSAGE: &str = "message";
/// In an error field: the `source()` chain, outermost first.
pub const ERROR_SOURCES: &str = "sources";

/// The keys the layer writes itself; event fields never overwrite them.
pub const RESERVED_KEYS: [&str; 10] = [
    TIMESTAMP,
    LEVEL,
    MESSAGE,
    SERVICE,
    TRACE_ID,
    SPAN_ID,
    XRAY_TRACE_ID,
    TARGET,
    SPANS,
    TRUNCATED,
];

/// The X-Ray form of a W3C trace id (`1-` + first 8 hex digits + `-` + the other 24, lower
/// case), or `None` when `trace_id` is not 32 hex digits or is all zero (invalid in W3C
/// Trace Context).
///
/// ```
/// use tracing_cloudwatch_logs::record::xray_trace_id;
///
/// assert_eq!(
///     xray_trace_id("4bf92f3577b34da6a3ce929d0e0e4736").as_deref(),
///     Some("1-4bf92f35-77b34da6a3ce929d0e0e4736")
/// );
/// assert_eq!(xray_trace_id("req-42"), None);
/// ```
pub fn xray_trace_id(trace_id: &str) -> Option<String> {
    // ASCII only: made of the hex digits of a checked id.
    xray_trace_id_bytes(trace_id).map(|xray| String::from_utf8_lossy(&xray).into_owned())
}

/// Length of an X-Ray trace id: `1-` + 8 + `-` + 24.
pub(crate) const XRAY_TRACE_ID_LEN: usize = 35;

/// The X-Ray form of `trace_id` as fixed-size ASCII, if it is a valid W3C trace id.
pub(crate) fn xray_trace_id_bytes(trace_id: &str) -> Option<[u8; XRAY_TRACE_ID_LEN]> {
    let bytes: &[u8; 32] = trace_id.as_bytes().try_into().ok()?;
    // Folds over the whole id rather than `all`, which stops at the first miss: without a
    // branch per byte the compiler tests the 32 bytes a vector at a time.
    let hex = bytes
        .iter()
        .fold(true, |hex, &b| hex & b.is_ascii_hexdigit());
    let zero = bytes.iter().fold(true, |zero, &b| zero & (b == b'0'));
    if !hex || zero {
        return None;
    }
    let mut xray = [0u8; XRAY_TRACE_ID_LEN];
    xray[..2].copy_from_slice(b"1-");
    xray[2..10].copy_from_slice(&bytes[..8]);
    xray[10] = b'-';
    xray[11..].copy_from_slice(&bytes[8..]);
    xray.make_ascii_lowercase();
    Some(xray)
}

/// The W3C form of an X-Ray trace id (`1-` + 8 hex digits + `-` + 24 hex digits, version 1,
/// the only one AWS documents), lower case; `None` for anything else or an all-zero id. The
/// inverse of [`xray_trace_id`], for code that meets trace ids in X-Ray's form (an
/// `X-Amzn-Trace-Id` header's `Root`, `_X_AMZN_TRACE_ID` in Lambda, a Powertools record).
///
/// ```
/// use tracing_cloudwatch_logs::record::w3c_trace_id_from_xray;
///
/// assert_eq!(
///     w3c_trace_id_from_xray("1-5759E988-bd862e3fe1be46a994272793").as_deref(),
///     Some("5759e988bd862e3fe1be46a994272793")
/// );
/// assert_eq!(w3c_trace_id_from_xray("2-5759e988-bd862e3fe1be46a994272793"), None);
/// ```
pub fn w3c_trace_id_from_xray(xray: &str) -> Option<String> {
    let (time, random) = xray.strip_prefix("1-")?.split_once('-')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex(time, 8) || !hex(random, 24) {
        return None;
    }
    let mut id = String::with_capacity(32);
    id.push_str(time);
    id.push_str(random);
    id.make_ascii_lowercase();
    (!id.bytes().all(|b| b == b'0')).then_some(id)
}

/// One record as the layer writes it, for code that reads the logs back.
///
/// ```
/// use tracing_cloudwatch_logs::record::LogRecord;
///
/// let line = r#"{"timestamp":"2026-11-24T13:49:06.123Z","level":"ERROR","message":"boom",
///               "service":"orders-api","trace_id":"abc","target":"app","order_id":7,
///               "spans":[{"name":"request","trace_id":"abc"}]}"#;
/// let record: LogRecord = serde_json::from_str(line).unwrap();
/// assert_eq!(record.level, "ERROR");
/// assert_eq!(record.trace_id.as_deref(), Some("abc"));
/// assert_eq!(record.fields["order_id"], 7);
/// assert_eq!(record.spans[0].name, "request");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// See [`TIMESTAMP`].
    pub timestamp: String,
    /// See [`LEVEL`].
    pub level: String,
    /// See [`MESSAGE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// See [`SERVICE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// See [`TRACE_ID`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// See [`SPAN_ID`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_id: Option<String>,
    /// See [`XRAY_TRACE_ID`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xray_trace_id: Option<String>,
    /// See [`TARGET`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// See [`SPANS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<SpanRecord>,
    /// See [`TRUNCATED`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Static fields and the event's own fields.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// One span of [`LogRecord::spans`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanRecord {
    /// The span's name.
    pub name: String,
    /// The span's fields.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_valid_w3c_trace_ids_get_an_xray_form() {
        assert_eq!(
            xray_trace_id("4BF92F3577B34DA6A3CE929D0E0E4736").as_deref(),
            Some("1-4bf92f35-77b34da6a3ce929d0e0e4736")
        );
        for invalid in [
            "00000000000000000000000000000000",
            "4bf92f3577b34da6a3ce929d0e0e473",
            "4bf92f3577b34da6a3ce929d0e0e4736a",
            "4bf92f3577b34da6a3ce929d0e0e473g",
            "1-4bf92f35-77b34da6a3ce929d0e0e4736",
            "",
        ] {
            assert_eq!(xray_trace_id(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn xray_ids_convert_back_to_w3c_and_malformed_ones_are_refused() {
        let w3c = "4bf92f3577b34da6a3ce929d0e0e4736";
        let xray = xray_trace_id(w3c).unwrap();
        assert_eq!(w3c_trace_id_from_xray(&xray).as_deref(), Some(w3c));
        for invalid in [
            "1-00000000-000000000000000000000000",
            "1-4bf92f35-77b34da6a3ce929d0e0e473",
            "1-4bf92f3-577b34da6a3ce929d0e0e4736",
            "1-4bf92f35-77b34da6a3ce929d0e0e4736-00",
            "1-4bf92f35-77b34da6a3ce929d0e0e473g",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "",
        ] {
            assert_eq!(w3c_trace_id_from_xray(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn the_reader_reads_the_trace_context_keys() {
        let line = r#"{"timestamp":"2026-11-24T13:49:06.123Z","level":"INFO",
            "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",
            "xray_trace_id":"1-4bf92f35-77b34da6a3ce929d0e0e4736"}"#;
        let record: LogRecord = serde_json::from_str(line).unwrap();
        assert_eq!(record.span_id.as_deref(), Some("00f067aa0ba902b7"));
        assert_eq!(
            record.xray_trace_id.as_deref(),
            Some("1-4bf92f35-77b34da6a3ce929d0e0e4736")
        );
        assert!(record.fields.is_empty(), "{:?}", record.fields);
    }
}

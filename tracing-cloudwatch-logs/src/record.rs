//! The JSON record format: one object per tracing event, one CloudWatch log event per record.
//!
//! ```json
//! {
//!   "timestamp": "2026-11-24T13:49:06.123Z",
//!   "level": "ERROR",
//!   "message": "payment failed",
//!   "service": "orders-api",
//!   "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
//!   "target": "demo_api::payments",
//!   "env": "prod",
//!   "order_id": 42,
//!   "error": { "message": "card declined", "sources": ["issuer said no"] },
//!   "spans": [ { "name": "request", "trace_id": "4bf9…", "method": "POST" } ]
//! }
//! ```
//!
//! Key order is fixed: the reserved keys ([`TIMESTAMP`], [`LEVEL`], [`MESSAGE`], [`SERVICE`],
//! [`TRACE_ID`], [`TARGET`]), then the builder's static fields, then the event's own fields,
//! then [`SPANS`] (root to leaf), then [`TRUNCATED`] when the record had to be shortened.
//!
//! **Collisions.** An event field whose name is a reserved key or a static field's name is
//! kept under `field.<name>` (for example a field `level = "high"` becomes `"field.level":
//! "high"`). `message` and `trace_id` are not collisions: they fill the reserved keys.
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
/// The event's own `trace_id` field, else the nearest span's.
pub const TRACE_ID: &str = "trace_id";
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
pub const RESERVED_KEYS: [&str; 8] = [
    TIMESTAMP, LEVEL, MESSAGE, SERVICE, TRACE_ID, TARGET, SPANS, TRUNCATED,
];

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

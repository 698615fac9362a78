//! The structured alert: one JSON object for programs (SQS queues, Lambda functions, HTTP
//! endpoints, Firehose), versioned by its `schema` field.
//!
//! ```json
//! {
//!   "schema": "logpipe.alert.v1",
//!   "id": "6c0b7a0f2b8e4f0e9d1c2b3a4f5e6d7c-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
//!   "title": "[CRITICAL] orders-api: payment <num> failed (opened)",
//!   "event_type": "opened",
//!   "severity": "CRITICAL",
//!   "service": "orders-api",
//!   "pattern": "payment <num> failed",
//!   "sample_message": "payment 42 failed",
//!   "error_type": "CardDeclined",
//!   "count": 120,
//!   "total_count": 120,
//!   "first_seen": "2026-11-24T13:49:06.123Z",
//!   "last_seen": "2026-11-24T13:49:58.004Z",
//!   "first_seen_ms": 1795528146123,
//!   "last_seen_ms": 1795528198004,
//!   "fingerprint": "6c0b7a0f2b8e4f0e9d1c2b3a4f5e6d7c",
//!   "log_group": "/ecs/orders-api",
//!   "log_stream": "orders-api/web/0f1e",
//!   "region": "us-east-1",
//!   "logs_url": "https://us-east-1.console.aws.amazon.com/cloudwatch/home?...",
//!   "traces": [
//!     { "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
//!       "command": "analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736 --log-group /ecs/orders-api --start ... --end ...",
//!       "insights_url": "https://us-east-1.console.aws.amazon.com/cloudwatch/home?...#logsV2:logs-insights$3FqueryDetail$3D~(...)" }
//!   ]
//! }
//! ```
//!
//! New fields may be added within a schema version; a field is never removed or retyped
//! without a new `schema`.

use serde::Serialize;
use serde_json::Value;

use super::Alert;
use super::message::{MAX_SAMPLE_BYTES, console_url, subject};
use crate::incident::{format_millis, truncate};
use crate::trace_link::TraceLink;

/// The `schema` value of this version of the document.
pub const SCHEMA: &str = "logpipe.alert.v1";

/// The structured alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertDocument {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// [`Alert::id`]: the same for every resend of one alert, so consumers can deduplicate.
    pub id: String,
    /// The subject line.
    pub title: String,
    /// `opened` or `escalated`.
    pub event_type: &'static str,
    /// `LOW`, `MEDIUM` or `CRITICAL`.
    pub severity: &'static str,
    /// Service of the events.
    pub service: String,
    /// Parameterized message.
    pub pattern: String,
    /// A recent message (cut at 2 KiB).
    pub sample_message: String,
    /// Error type, when known.
    pub error_type: Option<String>,
    /// Events since the fingerprint (re)opened.
    pub count: u64,
    /// Events ever.
    pub total_count: u64,
    /// Start of the current opening, RFC 3339.
    pub first_seen: String,
    /// Latest event, RFC 3339.
    pub last_seen: String,
    /// [`AlertDocument::first_seen`] in epoch ms.
    pub first_seen_ms: i64,
    /// [`AlertDocument::last_seen`] in epoch ms.
    pub last_seen_ms: i64,
    /// The fingerprint.
    pub fingerprint: String,
    /// Log group of the latest event.
    pub log_group: String,
    /// Log stream of the latest event.
    pub log_stream: String,
    /// Region of the links.
    pub region: String,
    /// The console page of the log stream around the latest event.
    pub logs_url: String,
    /// Sample trace ids with their `trace` command and Logs Insights link.
    pub traces: Vec<TraceLink>,
}

impl AlertDocument {
    /// The document of an alert.
    pub fn new(alert: &Alert) -> AlertDocument {
        AlertDocument {
            schema: SCHEMA,
            id: alert.id(),
            title: subject(alert),
            event_type: alert.event_type.as_str(),
            severity: alert.severity.as_str(),
            service: alert.service.clone(),
            pattern: alert.pattern.clone(),
            sample_message: truncate(&alert.sample_message, MAX_SAMPLE_BYTES).to_string(),
            error_type: alert.error_type.clone(),
            count: alert.count,
            total_count: alert.total_count,
            first_seen: format_millis(alert.first_seen_ms),
            last_seen: format_millis(alert.last_seen_ms),
            first_seen_ms: alert.first_seen_ms,
            last_seen_ms: alert.last_seen_ms,
            fingerprint: alert.fingerprint.clone(),
            log_group: alert.log_group.clone(),
            log_stream: alert.log_stream.clone(),
            region: alert.region.clone(),
            logs_url: console_url(alert),
            traces: alert.trace_links(),
        }
    }

    /// As a JSON string.
    pub fn to_json(&self) -> String {
        // A struct of strings and numbers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The documented fields and their JSON types (the schema this module's docs show).
pub fn check(doc: &Value) -> Result<(), String> {
    let object = doc.as_object().ok_or("not an object")?;
    let strings = [
        "schema",
        "id",
        "title",
        "event_type",
        "severity",
        "service",
        "pattern",
        "sample_message",
        "first_seen",
        "last_seen",
        "fingerprint",
        "log_group",
        "log_stream",
        "region",
        "logs_url",
    ];
    for key in strings {
        if !object.get(key).is_some_and(Value::is_string) {
            return Err(format!("{key} is not a string"));
        }
    }
    for key in ["count", "total_count", "first_seen_ms", "last_seen_ms"] {
        if !object.get(key).is_some_and(Value::is_i64) {
            return Err(format!("{key} is not an integer"));
        }
    }
    if !object
        .get("error_type")
        .is_some_and(|v| v.is_null() || v.is_string())
    {
        return Err("error_type is neither null nor a string".into());
    }
    for trace in object
        .get("traces")
        .and_then(Value::as_array)
        .ok_or("traces is not an array")?
    {
        let ok = trace["trace_id"].is_string()
            && (trace["command"].is_string() || trace["command"].is_null())
            && trace["insights_url"].is_string();
        if !ok {
            return Err(format!("bad trace {trace}"));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::aggregate::EventType;
    use crate::classify::Severity;
    use serde_json::Value;

    pub(crate) fn alert() -> Alert {
        Alert {
            fingerprint: "6c0b7a0f2b8e4f0e9d1c2b3a4f5e6d7c".into(),
            token: "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
            event_type: EventType::Escalated,
            severity: Severity::Critical,
            service: "orders-api".into(),
            count: 120,
            total_count: 130,
            first_seen_ms: 1_795_000_000_000,
            last_seen_ms: 1_795_000_060_000,
            sample_message: "payment 42 failed".into(),
            pattern: "payment <num> failed".into(),
            error_type: Some("CardDeclined".into()),
            trace_ids: vec!["4bf92f3577b34da6a3ce929d0e0e4736".into()],
            log_group: "/demo/orders-api".into(),
            log_stream: "orders-api/web/1".into(),
            region: "eu-west-1".into(),
            trace_log_groups: vec!["/demo/orders-api".into(), "/demo/payments".into()],
        }
    }

    #[test]
    fn document_matches_its_schema_and_values() {
        let doc: Value = serde_json::from_str(&AlertDocument::new(&alert()).to_json()).unwrap();
        check(&doc).unwrap();
        assert_eq!(doc["schema"], SCHEMA);
        assert_eq!(
            doc["id"],
            "6c0b7a0f2b8e4f0e9d1c2b3a4f5e6d7c-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
        );
        assert_eq!(doc["event_type"], "escalated");
        assert_eq!(doc["severity"], "CRITICAL");
        assert_eq!(doc["count"], 120);
        assert_eq!(doc["total_count"], 130);
        assert_eq!(doc["error_type"], "CardDeclined");
        assert_eq!(doc["first_seen_ms"], 1_795_000_000_000_i64);
        let trace = &doc["traces"][0];
        assert_eq!(trace["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(
            trace["command"]
                .as_str()
                .unwrap()
                .contains("--log-group /demo/orders-api --log-group /demo/payments")
        );
    }
}

//! Incident rows of a trace, as the `by_trace_id` index returns them (see `store` for the
//! table schema).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::store::item::ITEM_TYPE_INCIDENT;

/// The name of the incidents table's index on `trace_id` (agreed with `provision`).
pub const BY_TRACE_ID_INDEX: &str = "by_trace_id";

/// What the timeline shows of one incident row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceIncident {
    /// The row's key.
    pub incident_id: String,
    /// When the event happened (RFC 3339).
    pub timestamp: String,
    /// `LOW`, `MEDIUM` or `CRITICAL`.
    pub severity: String,
    /// The emitting service.
    pub service: String,
    /// The event's level.
    pub level: String,
    /// The event's message.
    pub message: String,
    /// The problem it was grouped into.
    pub fingerprint: String,
    /// The error type, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The trace id as stored.
    pub trace_id: String,
    /// Where the event was logged.
    pub log_group: String,
    /// Its stream.
    pub log_stream: String,
}

/// Reads an incident row; `None` for any other item (aggregates carry no `trace_id`, so
/// they are not in the index, but a row is checked anyway).
pub fn from_item(item: &HashMap<String, AttributeValue>) -> Option<TraceIncident> {
    let s = |key: &str| item.get(key).and_then(|v| v.as_s().ok()).cloned();
    if s("item_type").as_deref() != Some(ITEM_TYPE_INCIDENT) {
        return None;
    }
    Some(TraceIncident {
        incident_id: s("incident_id")?,
        timestamp: s("timestamp").unwrap_or_default(),
        severity: s("severity").unwrap_or_default(),
        service: s("service").unwrap_or_default(),
        level: s("level").unwrap_or_default(),
        message: s("message").unwrap_or_default(),
        fingerprint: s("fingerprint").unwrap_or_default(),
        error_type: s("error_type"),
        trace_id: s("trace_id")?,
        log_group: s("log_group").unwrap_or_default(),
        log_stream: s("log_stream").unwrap_or_default(),
    })
}

/// Rows read for each form of the id, each once, in time order (the fixed-width
/// timestamps sort as the times do).
pub fn collect(items: &[HashMap<String, AttributeValue>]) -> Vec<TraceIncident> {
    let mut incidents: Vec<TraceIncident> = items.iter().filter_map(from_item).collect();
    incidents.sort_by(|a, b| (&a.timestamp, &a.incident_id).cmp(&(&b.timestamp, &b.incident_id)));
    incidents.dedup_by(|a, b| a.incident_id == b.incident_id);
    incidents
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, timestamp: &str, item_type: &str) -> HashMap<String, AttributeValue> {
        let s = |v: &str| AttributeValue::S(v.to_owned());
        HashMap::from([
            ("incident_id".to_owned(), s(id)),
            ("item_type".to_owned(), s(item_type)),
            ("timestamp".to_owned(), s(timestamp)),
            ("severity".to_owned(), s("MEDIUM")),
            ("service".to_owned(), s("payments")),
            ("level".to_owned(), s("ERROR")),
            ("message".to_owned(), s("charge failed")),
            ("fingerprint".to_owned(), s("fp")),
            ("trace_id".to_owned(), s("4bf92f3577b34da6a3ce929d0e0e4736")),
            ("log_group".to_owned(), s("/demo/payments")),
            ("log_stream".to_owned(), s("st")),
            ("ttl".to_owned(), AttributeValue::N("1".to_owned())),
        ])
    }

    #[test]
    fn rows_are_read_ordered_and_deduplicated() {
        let items = [
            item("b", "2026-11-24T14:02:11.600Z", ITEM_TYPE_INCIDENT),
            item("a", "2026-11-24T14:02:11.532Z", ITEM_TYPE_INCIDENT),
            item("b", "2026-11-24T14:02:11.600Z", ITEM_TYPE_INCIDENT),
            item("fingerprint#fp", "", "aggregate"),
        ];
        let incidents = collect(&items);
        let ids: Vec<&str> = incidents.iter().map(|i| i.incident_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(incidents[0].severity, "MEDIUM");
        assert_eq!(incidents[0].error_type, None);
    }
}

//! Which events read back belong to a trace, what a reader needs of each, and their order.

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing_cloudwatch_logs::record::{LEVEL, MESSAGE, RESERVED_KEYS, SERVICE, SPANS, TIMESTAMP};

use super::id::{TRACE_ID_KEYS, TraceId};
use crate::incident::{format_millis, service_from_log_group};

/// Record keys left out of an entry's key fields: the span id says nothing to a reader of
/// the timeline (the span path does).
const HIDDEN_KEYS: [&str; 1] = ["span_id"];

/// One event as `FilterLogEvents` returns it, with its log group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundEvent {
    /// The log group it was read from.
    pub log_group: String,
    /// Its stream.
    pub log_stream: String,
    /// CloudWatch's event id.
    pub event_id: String,
    /// CloudWatch's event time, epoch ms.
    pub timestamp: i64,
    /// The line.
    pub message: String,
}

/// One record of the trace, as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The record's `timestamp` when it is an RFC 3339 time, else CloudWatch's event time.
    pub time: String,
    /// CloudWatch's event time, epoch ms (the sort key).
    pub timestamp_ms: i64,
    /// The record's `service`, else the one its log group stands for.
    pub service: String,
    /// `level`, or `-` when the record has none.
    pub level: String,
    /// Span names, root to leaf.
    pub span_path: Vec<String>,
    /// `message`, or empty.
    pub message: String,
    /// The record's own fields (not the reserved ones, not the trace id in any form).
    pub fields: Map<String, Value>,
    /// Where it was read.
    pub log_group: String,
    /// Its stream.
    pub log_stream: String,
    /// CloudWatch's event id.
    pub event_id: String,
    /// The whole record, for tools.
    pub record: Value,
}

/// The entry for `event` when it is a JSON record of `trace` (its `trace_id`, or one of its
/// spans', is the trace id in either form); `None` otherwise. CloudWatch's filter pattern
/// should already have selected only such events, but an emulator may not filter, and a
/// pattern match on a key is not proof of the value's form: each event is checked here.
pub fn entry(event: &FoundEvent, trace: &TraceId) -> Option<Entry> {
    let record: Value = serde_json::from_str(&event.message).ok()?;
    let object = record.as_object()?;
    let spans = object.get(SPANS).and_then(Value::as_array);
    let carries = |o: &Map<String, Value>| {
        TRACE_ID_KEYS.iter().any(|key| {
            o.get(*key)
                .and_then(Value::as_str)
                .is_some_and(|v| trace.matches(v))
        })
    };
    let in_span = spans.is_some_and(|s| s.iter().filter_map(Value::as_object).any(carries));
    if !carries(object) && !in_span {
        return None;
    }
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let span_path = spans
        .map(|s| {
            s.iter()
                .filter_map(|span| span.get("name")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let fields = object
        .iter()
        .filter(|(key, value)| {
            !RESERVED_KEYS.contains(&key.as_str())
                && !TRACE_ID_KEYS.contains(&key.as_str())
                && !HIDDEN_KEYS.contains(&key.as_str())
                && !value.as_str().is_some_and(|v| trace.matches(v))
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Some(Entry {
        // Junk in a record's `timestamp` would otherwise stand in the time column.
        time: text(TIMESTAMP)
            .filter(|t| OffsetDateTime::parse(t, &Rfc3339).is_ok())
            .unwrap_or_else(|| format_millis(event.timestamp)),
        timestamp_ms: event.timestamp,
        service: text(SERVICE).unwrap_or_else(|| service_from_log_group(&event.log_group)),
        level: text(LEVEL).unwrap_or_else(|| "-".to_owned()),
        span_path,
        message: text(MESSAGE).unwrap_or_default(),
        fields,
        log_group: event.log_group.clone(),
        log_stream: event.log_stream.clone(),
        event_id: event.event_id.clone(),
        record,
    })
}

/// The trace's entries among `events`, each event once, in time order. Events of the same
/// millisecond keep the order they were read in (per log group, as CloudWatch returned
/// them), which within one stream is the order they were logged.
pub fn assemble(events: &[FoundEvent], trace: &TraceId) -> Vec<Entry> {
    let mut seen = std::collections::HashSet::new();
    let mut entries: Vec<Entry> = events
        .iter()
        .filter(|e| seen.insert((e.log_group.as_str(), e.event_id.as_str())))
        .filter_map(|e| entry(e, trace))
        .collect();
    entries.sort_by_key(|e| e.timestamp_ms);
    entries
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    fn trace() -> TraceId {
        TraceId::parse(TRACE).unwrap()
    }

    fn event(group: &str, id: &str, ts: i64, record: Value) -> FoundEvent {
        FoundEvent {
            log_group: group.into(),
            log_stream: "s".into(),
            event_id: id.into(),
            timestamp: ts,
            message: record.to_string(),
        }
    }

    fn layer_record(service: &str, message: &str, trace_id: &str) -> Value {
        json!({
            "timestamp": "2026-11-24T14:02:11.532Z", "level": "ERROR", "message": message,
            "service": service, "trace_id": trace_id, "span_id": "00f067aa0ba902b7",
            "xray_trace_id": format!("1-{}-{}", &trace_id[..8], &trace_id[8..]),
            "target": "demo_api::routes::charges", "version": "0.1.0", "order_id": 7,
            "spans": [{ "name": "request", "trace_id": trace_id, "route": "/charges" }],
        })
    }

    #[test]
    fn a_layer_record_becomes_an_entry_with_its_key_fields() {
        let e = entry(
            &event(
                "/demo/payments",
                "1",
                5,
                layer_record("payments", "charge failed", TRACE),
            ),
            &trace(),
        )
        .unwrap();
        assert_eq!(
            (
                e.time.as_str(),
                e.service.as_str(),
                e.level.as_str(),
                e.message.as_str()
            ),
            (
                "2026-11-24T14:02:11.532Z",
                "payments",
                "ERROR",
                "charge failed"
            )
        );
        assert_eq!(e.span_path, ["request"]);
        assert_eq!(
            Value::Object(e.fields),
            json!({ "version": "0.1.0", "order_id": 7 })
        );
        assert_eq!(e.record["target"], "demo_api::routes::charges");
    }

    #[test]
    fn other_traces_plain_text_and_other_json_are_left_out() {
        let other = layer_record("orders", "x", "0af7651916cd43dd8448eb211c80319c");
        let events = [
            event("/g", "1", 1, other),
            FoundEvent {
                message: format!("ERROR something {TRACE}"),
                ..event("/g", "2", 2, Value::Null)
            },
            event("/g", "3", 3, json!(["not", "an", "object"])),
            event("/g", "4", 4, json!({ "message": "no trace id" })),
        ];
        assert!(assemble(&events, &trace()).is_empty());
    }

    #[test]
    fn the_x_ray_form_and_span_fields_match_too() {
        let xray = json!({ "level": "INFO", "message": "powertools", "xray_trace_id": "1-4bf92f35-77b34da6a3ce929d0e0e4736" });
        let in_span = json!({ "level": "INFO", "message": "span only", "spans": [{ "name": "request", "trace_id": TRACE }] });
        let entries = assemble(
            &[
                event("/aws/lambda/fn", "1", 1, xray),
                event("/g", "2", 2, in_span),
            ],
            &trace(),
        );
        let messages: Vec<&str> = entries.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["powertools", "span only"]);
        // No `service` in the record: the log group names it; no `timestamp`: CloudWatch's.
        assert_eq!(entries[0].service, "fn");
        assert_eq!(entries[0].time, "1970-01-01T00:00:00.001Z");
    }

    #[test]
    fn a_record_timestamp_that_is_not_a_time_gives_way_to_cloudwatchs() {
        for junk in [
            json!("x"),
            json!(""),
            json!("2026-13-01T00:00:00Z"),
            json!(17),
        ] {
            let mut record = layer_record("payments", "charge failed", TRACE);
            record["timestamp"] = junk.clone();
            let e = entry(&event("/g", "1", 1_795_525_200_000, record), &trace()).unwrap();
            assert_eq!(e.time, "2026-11-24T13:00:00.000Z", "{junk}");
        }
    }

    #[test]
    fn entries_from_several_groups_are_merged_in_time_order_each_once() {
        let events = [
            event(
                "/demo/orders-api",
                "o1",
                10,
                layer_record("orders-api", "order created", TRACE),
            ),
            event(
                "/demo/orders-api",
                "o2",
                30,
                layer_record("orders-api", "payment failed", TRACE),
            ),
            event(
                "/demo/orders-api",
                "o3",
                30,
                layer_record("orders-api", "request completed", TRACE),
            ),
            event(
                "/demo/payments",
                "p1",
                20,
                layer_record("payments", "charge failed", TRACE),
            ),
            event(
                "/demo/payments",
                "p1",
                20,
                layer_record("payments", "charge failed", TRACE),
            ),
        ];
        let entries = assemble(&events, &trace());
        let order: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.service.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("orders-api", "order created"),
                ("payments", "charge failed"),
                ("orders-api", "payment failed"),
                ("orders-api", "request completed"),
            ]
        );
    }

    #[test]
    fn a_request_id_matches_only_itself() {
        let trace = TraceId::parse("my-trace-1").unwrap();
        let record = |trace_id: &str, message: &str| json!({ "level": "ERROR", "message": message, "trace_id": trace_id, "request_id": trace_id });
        let events = [
            event("/g", "1", 1, record("my-trace-1", "this one")),
            event("/g", "2", 2, record("my-trace-10", "a longer id")),
            event("/g", "3", 3, record("MY-TRACE-1", "another spelling")),
            event("/g", "4", 4, record(" my-trace-1", "with a space")),
            event(
                "/g",
                "5",
                5,
                json!({ "message": "in a span", "spans": [{ "name": "request", "trace_id": "my-trace-1" }] }),
            ),
        ];
        let entries = assemble(&events, &trace);
        let messages: Vec<&str> = entries.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["this one", "in a span"]);
        // A field holding the id says nothing the header does not.
        assert!(entries[0].fields.is_empty(), "{:?}", entries[0].fields);
    }
}

//! The pure half of `analyzer-lambda replay`: building the per-stream
//! payloads a subscription would have delivered from events read back with
//! `FilterLogEvents`. The loop that reads and feeds them lives in the binary; its time
//! arguments are parsed and checked by [`crate::window`].

use std::collections::BTreeMap;

use crate::payload::{DATA_MESSAGE, LogEvent, LogsPayload};

/// Events per payload. CloudWatch delivers batches of at most 10,000 events, the
/// `PutLogEvents` limit (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>).
pub const MAX_PAYLOAD_EVENTS: usize = 10_000;
/// Message bytes per payload, matching the 1 MiB of a `PutLogEvents` batch (same page).
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Bytes CloudWatch counts per event on top of its message (same page).
pub const EVENT_OVERHEAD_BYTES: usize = 26;
/// Name given to the "subscription filter" of replayed payloads.
pub const REPLAY_FILTER_NAME: &str = "analyzer-lambda-replay";

/// One event read back from CloudWatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its stream.
    pub log_stream: String,
    /// CloudWatch's event id (the same a subscription delivers).
    pub event_id: String,
    /// Epoch ms.
    pub timestamp: i64,
    /// The line.
    pub message: String,
}

/// Groups events into the payloads a subscription would deliver: one stream per payload, in
/// time order, cut at [`MAX_PAYLOAD_EVENTS`] events or [`MAX_PAYLOAD_BYTES`].
pub fn payloads(owner: &str, log_group: &str, events: Vec<StoredEvent>) -> Vec<LogsPayload> {
    let mut by_stream: BTreeMap<String, Vec<StoredEvent>> = BTreeMap::new();
    for event in events {
        by_stream
            .entry(event.log_stream.clone())
            .or_default()
            .push(event);
    }
    let mut payloads = Vec::new();
    for (stream, mut events) in by_stream {
        events.sort_by(|a, b| (a.timestamp, &a.event_id).cmp(&(b.timestamp, &b.event_id)));
        let mut current: Vec<LogEvent> = Vec::new();
        let mut bytes = 0;
        for event in events {
            let size = event.message.len() + EVENT_OVERHEAD_BYTES;
            if !current.is_empty()
                && (current.len() == MAX_PAYLOAD_EVENTS || bytes + size > MAX_PAYLOAD_BYTES)
            {
                payloads.push(payload(
                    owner,
                    log_group,
                    &stream,
                    std::mem::take(&mut current),
                ));
                bytes = 0;
            }
            bytes += size;
            current.push(LogEvent {
                id: event.event_id,
                timestamp: event.timestamp,
                message: event.message,
            });
        }
        if !current.is_empty() {
            payloads.push(payload(owner, log_group, &stream, current));
        }
    }
    payloads
}

fn payload(owner: &str, log_group: &str, stream: &str, log_events: Vec<LogEvent>) -> LogsPayload {
    LogsPayload {
        owner: owner.to_string(),
        log_group: log_group.to_string(),
        log_stream: stream.to_string(),
        subscription_filters: vec![REPLAY_FILTER_NAME.to_string()],
        message_type: DATA_MESSAGE.to_string(),
        log_events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(stream: &str, id: usize, ts: i64, len: usize) -> StoredEvent {
        StoredEvent {
            log_stream: stream.into(),
            event_id: id.to_string(),
            timestamp: ts,
            message: "x".repeat(len),
        }
    }

    #[test]
    fn one_payload_per_stream_in_time_order() {
        let events = vec![
            event("b", 1, 5, 1),
            event("a", 2, 9, 1),
            event("a", 3, 1, 1),
        ];
        let payloads = payloads("1", "/g", events);
        assert_eq!(payloads.len(), 2);
        assert_eq!(payloads[0].log_stream, "a");
        let ids: Vec<&str> = payloads[0]
            .log_events
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(ids, ["3", "2"]);
        assert_eq!(payloads[1].log_events.len(), 1);
    }

    #[test]
    fn payloads_respect_limits() {
        let many: Vec<StoredEvent> = (0..MAX_PAYLOAD_EVENTS + 1)
            .map(|i| event("s", i, 1, 1))
            .collect();
        assert_eq!(
            payloads("1", "/g", many)
                .iter()
                .map(|p| p.log_events.len())
                .collect::<Vec<_>>(),
            [MAX_PAYLOAD_EVENTS, 1]
        );
        let big: Vec<StoredEvent> = (0..3).map(|i| event("s", i, 1, 400 * 1024)).collect();
        assert_eq!(payloads("1", "/g", big).len(), 2);
    }
}

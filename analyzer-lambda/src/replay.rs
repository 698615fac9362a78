//! The pure half of `analyzer-lambda replay`: building the per-stream payloads a
//! subscription would have delivered from events read back with `FilterLogEvents`, and the
//! run's [`Totals`]. The loop that reads and feeds them lives in the binary; its time
//! arguments are parsed and checked by [`crate::window`].

use std::collections::{BTreeMap, HashSet};

use crate::handler::Summary;
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

/// What a replay run did: the handler's counts summed over its payloads, except
/// `fingerprints`, which counts distinct fingerprints across the run. One problem logged in
/// three streams is three payloads but one aggregate in the table, and one fingerprint here.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    summary: Summary,
    fingerprints: HashSet<String>,
}

impl Totals {
    /// Adds one payload's summary and the fingerprints of its incidents
    /// ([`crate::handler::Analyzer::handle_payload_fingerprints`]).
    pub fn add(&mut self, summary: &Summary, fingerprints: impl IntoIterator<Item = String>) {
        self.summary.add(summary);
        self.fingerprints.extend(fingerprints);
        self.summary.fingerprints = self.fingerprints.len() as u64;
    }

    /// The run's summary.
    pub fn summary(&self) -> &Summary {
        &self.summary
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

    #[test]
    fn totals_count_each_fingerprint_once_across_payloads() {
        let payload = |errors: u64| Summary {
            payloads: 1,
            errors_found: errors,
            incidents_written: errors,
            fingerprints: 2,
            ..Summary::default()
        };
        let mut totals = Totals::default();
        for stream in ["web/1", "web/2", "web/3"] {
            totals.add(&payload(2), ["fp-same".to_owned(), format!("fp-{stream}")]);
        }
        totals.add(
            &Summary {
                fingerprints: 0,
                ..payload(0)
            },
            [],
        );
        let summary = totals.summary();
        assert_eq!((summary.payloads, summary.incidents_written), (4, 6));
        // fp-same and one per stream, not the sum over payloads.
        assert_eq!(summary.fingerprints, 4);
    }
}

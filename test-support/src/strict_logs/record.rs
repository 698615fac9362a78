//! What the endpoint saw and did, for tests to assert on.

use super::faults::FaultKind;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One event the endpoint stored, in acceptance order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedEvent {
    /// Log group name (shared between the events of one request).
    pub group: Arc<str>,
    /// Log stream name (shared between the events of one request).
    pub stream: Arc<str>,
    /// Milliseconds since the epoch, as sent.
    pub timestamp: i64,
    /// The message, as sent.
    pub message: String,
}

/// How one `PutLogEvents` request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// HTTP 200: `stored` events kept, `rejected` refused by the time windows.
    Accepted {
        /// Events stored.
        stored: usize,
        /// Events listed in `rejectedLogEventsInfo`.
        rejected: usize,
    },
    /// An error answer with this `__type` (injected or real).
    Error(&'static str),
    /// The connection was closed without an answer, nothing stored.
    Reset,
    /// `stored` events were kept, then the connection was closed without an answer.
    ResetAfterAccept {
        /// Events stored.
        stored: usize,
    },
}

/// One `PutLogEvents` request that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutRecord {
    /// Log group name.
    pub group: Arc<str>,
    /// Log stream name.
    pub stream: Arc<str>,
    /// Events in the request.
    pub events: usize,
    /// Batch size as CloudWatch counts it (messages + 26 bytes per event).
    pub bytes: usize,
    /// The fault injected into it, if any.
    pub fault: Option<FaultKind>,
    /// What happened.
    pub outcome: PutOutcome,
}

/// Counters and logs of the endpoint since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrictStats {
    /// HTTP requests of any operation.
    pub requests: u64,
    /// `PutLogEvents` requests (including malformed ones).
    pub put_requests: u64,
    /// Events stored.
    pub accepted_events: u64,
    /// Client mistakes: every request refused for breaking a documented limit or for a
    /// malformed body, with the reason. A correct client leaves this empty.
    pub violations: Vec<String>,
    /// Injected faults by kind (outage refusals count as [`FaultKind::Outage`]).
    pub faults: BTreeMap<FaultKind, u64>,
    /// Most events seen in one `PutLogEvents` request.
    pub max_events_per_request: usize,
    /// Largest batch (CloudWatch-counted bytes) seen in one `PutLogEvents` request.
    pub max_bytes_per_request: usize,
    /// Most `PutLogEvents` requests for one stream being handled at the same time.
    pub max_in_flight_per_stream: usize,
    /// Events rejected as more than 14 days old.
    pub rejected_too_old: u64,
    /// Events rejected as more than 2 hours in the future.
    pub rejected_too_new: u64,
    /// Events rejected as older than the group's retention (and not already too old).
    pub rejected_expired: u64,
    /// Every parsed `PutLogEvents` request that finished, in the order they finished
    /// (a request the client abandoned during a [`Fault::Slow`](super::Fault::Slow) delay
    /// is counted in `put_requests` but has no record).
    pub puts: Vec<PutRecord>,
}

impl StrictStats {
    /// How many faults of `kind` were injected.
    pub fn fault_count(&self, kind: FaultKind) -> u64 {
        self.faults.get(&kind).copied().unwrap_or(0)
    }

    /// All injected faults.
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }

    pub(crate) fn count_fault(&mut self, kind: FaultKind) {
        *self.faults.entry(kind).or_default() += 1;
    }
}

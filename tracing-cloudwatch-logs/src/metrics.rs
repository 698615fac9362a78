//! The layer's own counters: what it accepted, delivered and could not deliver, and why.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Live counters shared by the layer and its worker.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) accepted: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) drop_reports_delivered: AtomicU64,
    pub(crate) truncated: AtomicU64,
    pub(crate) bytes_delivered: AtomicU64,
    pub(crate) requests: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) dropped_buffer_full: AtomicU64,
    pub(crate) dropped_too_old: AtomicU64,
    pub(crate) dropped_too_new: AtomicU64,
    pub(crate) dropped_expired: AtomicU64,
    pub(crate) dropped_retries_exhausted: AtomicU64,
    pub(crate) dropped_non_retryable: AtomicU64,
    pub(crate) dropped_shutdown: AtomicU64,
    /// Events refused at the door because the worker had shut down (never accepted).
    pub(crate) refused_after_shutdown: AtomicU64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Relaxed);
    }

    pub(crate) fn snapshot(&self, buffered_bytes: usize) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Relaxed);
        let refused = get(&self.refused_after_shutdown);
        MetricsSnapshot {
            emitted: get(&self.accepted) + get(&self.dropped_buffer_full) + refused,
            accepted: get(&self.accepted),
            delivered: get(&self.delivered),
            drop_reports_delivered: get(&self.drop_reports_delivered),
            truncated: get(&self.truncated),
            bytes_delivered: get(&self.bytes_delivered),
            requests: get(&self.requests),
            retries: get(&self.retries),
            throttled: get(&self.throttled),
            buffered_bytes: buffered_bytes as u64,
            dropped: Dropped {
                buffer_full: get(&self.dropped_buffer_full),
                too_old: get(&self.dropped_too_old),
                too_new: get(&self.dropped_too_new),
                expired: get(&self.dropped_expired),
                retries_exhausted: get(&self.dropped_retries_exhausted),
                non_retryable: get(&self.dropped_non_retryable),
                shutdown: get(&self.dropped_shutdown) + refused,
            },
        }
    }
}

/// A point-in-time copy of the layer's counters, from
/// [`WorkerGuard::metrics`](crate::WorkerGuard::metrics) or
/// [`CloudWatchHandle::metrics`](crate::CloudWatchHandle::metrics).
///
/// Reading it costs a handful of relaxed atomic loads. Counters only grow, except
/// `buffered_bytes`. Once the worker is idle (after a flush or shutdown),
/// `emitted == delivered + dropped.total()`.
///
/// `#[non_exhaustive]`: new counters may be added in minor versions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Every event the layer saw (after filters): accepted, or dropped before it was queued.
    /// Counted when the worker takes an event from the queue (off the application's hot
    /// path), so it lags the events still queued, which show in `buffered_bytes`.
    pub emitted: u64,
    /// Events the worker took from the queue (events still queued show in `buffered_bytes`).
    pub accepted: u64,
    /// Application events CloudWatch stored.
    pub delivered: u64,
    /// The layer's own "events were dropped" records that CloudWatch stored (not counted in
    /// `delivered`).
    pub drop_reports_delivered: u64,
    /// Events shortened to fit the per-event size limit (they are still delivered).
    pub truncated: u64,
    /// Bytes of delivered events, counted as CloudWatch counts them (message + 26).
    pub bytes_delivered: u64,
    /// `PutLogEvents` calls made, retries included.
    pub requests: u64,
    /// Calls that were attempts after a failure.
    pub retries: u64,
    /// Calls that the endpoint throttled.
    pub throttled: u64,
    /// Bytes held now: queued, in batches being built, sent or retried.
    pub buffered_bytes: u64,
    /// Events that will never be delivered, by reason.
    pub dropped: Dropped,
}

/// Events dropped, by reason. The reasons do not overlap.
///
/// `#[non_exhaustive]`: new reasons may be added in minor versions; [`Dropped::total`] will
/// count them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dropped {
    /// The buffer was full (policy `DropNewest`, or `Block` after its timeout).
    pub buffer_full: u64,
    /// Older than CloudWatch accepts (14 days): filtered before sending, or reported by
    /// CloudWatch in `rejectedLogEventsInfo.tooOldLogEventEndIndex`.
    pub too_old: u64,
    /// More than 2 hours in the future: filtered, or `tooNewLogEventStartIndex`.
    pub too_new: u64,
    /// Older than the group's retention: `expiredLogEventEndIndex`.
    pub expired: u64,
    /// Retried for `max_retry_duration` without success.
    pub retries_exhausted: u64,
    /// Refused for a reason retrying cannot fix (bad request, credentials, permissions), or
    /// lost to a `LogsClient` that panicked.
    pub non_retryable: u64,
    /// Still undelivered when the shutdown deadline passed, or emitted after shutdown.
    pub shutdown: u64,
}

impl Dropped {
    /// All dropped events.
    pub fn total(&self) -> u64 {
        self.buffer_full
            + self.too_old
            + self.too_new
            + self.expired
            + self.retries_exhausted
            + self.non_retryable
            + self.shutdown
    }
}

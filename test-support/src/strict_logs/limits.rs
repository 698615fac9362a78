//! The documented `PutLogEvents` limits as pure checks (no I/O, no clock).
//!
//! Source of every number:
//! <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>.

use serde::Deserialize;
use std::ops::Range;

/// Most events one `PutLogEvents` request may carry.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Largest batch: the sum over events of UTF-8 message bytes plus [`EVENT_OVERHEAD_BYTES`].
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Bytes CloudWatch adds to every event when it sizes a batch.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const EVENT_OVERHEAD_BYTES: usize = 26;
/// Default largest message of one event (1 MiB event minus the overhead). Some endpoints
/// still use 256 KiB events: configure `262_144 - 26` to mimic them.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const DEFAULT_MAX_EVENT_MESSAGE_BYTES: usize = MAX_BATCH_BYTES - EVENT_OVERHEAD_BYTES;
/// Longest time span (last minus first timestamp) one batch may cover.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_BATCH_SPAN_MS: i64 = 24 * HOUR_MS;
/// Events further in the past than this are rejected (`tooOldLogEventEndIndex`).
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_EVENT_AGE_MS: i64 = 14 * DAY_MS;
/// Events further in the future than this are rejected (`tooNewLogEventStartIndex`).
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_EVENT_FUTURE_MS: i64 = 2 * HOUR_MS;
/// The retention periods `PutRetentionPolicy` accepts.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html>
pub const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// Longest log group or log stream name.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>
pub const MAX_NAME_CHARS: usize = 512;

const HOUR_MS: i64 = 3_600_000;
/// One day in milliseconds (CloudWatch timestamps are epoch milliseconds).
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// One input event as the API sends it (`InputLogEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The raw message.
    pub message: String,
}

/// Why a whole request is refused with `InvalidParameterException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// `logEvents` was empty.
    #[error("logEvents is empty: a batch needs at least 1 event")]
    NoEvents,
    /// More than [`MAX_BATCH_EVENTS`].
    #[error("{0} events in one batch, more than {MAX_BATCH_EVENTS}")]
    TooManyEvents(usize),
    /// More than [`MAX_BATCH_BYTES`] counting [`EVENT_OVERHEAD_BYTES`] per event.
    #[error("batch of {0} bytes (messages + 26 per event), more than {MAX_BATCH_BYTES}")]
    BatchTooLarge(usize),
    /// One message longer than the configured maximum.
    #[error("event {index} has a {bytes}-byte message, more than {max}")]
    EventTooLarge {
        /// Position in the batch.
        index: usize,
        /// UTF-8 bytes of its message.
        bytes: usize,
        /// The configured maximum.
        max: usize,
    },
    /// An empty message (the API's minimum length is 1).
    #[error("event {0} has an empty message")]
    EmptyMessage(usize),
    /// A timestamp smaller than the one before it.
    #[error("event {0} is older than the event before it: batches must be chronological")]
    OutOfOrder(usize),
    /// Last minus first timestamp above [`MAX_BATCH_SPAN_MS`].
    #[error("batch spans {0} ms, more than 24 hours")]
    SpanTooLong(i64),
}

/// Checks every whole-batch limit; on success returns the batch size in bytes (with overhead).
pub fn validate_batch(events: &[LogEvent], max_message_bytes: usize) -> Result<usize, Violation> {
    if events.is_empty() {
        return Err(Violation::NoEvents);
    }
    if events.len() > MAX_BATCH_EVENTS {
        return Err(Violation::TooManyEvents(events.len()));
    }
    for (index, event) in events.iter().enumerate() {
        let bytes = event.message.len();
        if bytes == 0 {
            return Err(Violation::EmptyMessage(index));
        }
        if bytes > max_message_bytes {
            return Err(Violation::EventTooLarge {
                index,
                bytes,
                max: max_message_bytes,
            });
        }
    }
    let size = batch_bytes(events);
    if size > MAX_BATCH_BYTES {
        return Err(Violation::BatchTooLarge(size));
    }
    if let Some(index) = events
        .windows(2)
        .position(|pair| pair[1].timestamp < pair[0].timestamp)
    {
        return Err(Violation::OutOfOrder(index + 1));
    }
    // Ordered, so the span is last minus first.
    let span = events[events.len() - 1].timestamp - events[0].timestamp;
    if span > MAX_BATCH_SPAN_MS {
        return Err(Violation::SpanTooLong(span));
    }
    Ok(size)
}

/// Size of a batch as CloudWatch counts it.
pub fn batch_bytes(events: &[LogEvent]) -> usize {
    events
        .iter()
        .map(|e| e.message.len() + EVENT_OVERHEAD_BYTES)
        .sum()
}

/// Which events of a valid (chronological) batch fall outside the accepted time windows.
///
/// Follows the API's index conventions: `too_old_end` and `expired_end` are exclusive END
/// indexes (events `[0, end)` are rejected), `too_new_start` is a START index (events
/// `[start, len)` are rejected). A value of 0 (or `len` for `too_new_start`) means "none".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindows {
    /// Events before this index are more than 14 days old.
    pub too_old_end: usize,
    /// Events before this index are older than the group's retention.
    pub expired_end: usize,
    /// Events from this index on are more than 2 hours in the future.
    pub too_new_start: usize,
}

impl TimeWindows {
    /// Classifies the events of a chronological batch against `now_ms`.
    pub fn classify(events: &[LogEvent], now_ms: i64, retention_days: Option<u32>) -> Self {
        let oldest_allowed = now_ms - MAX_EVENT_AGE_MS;
        let newest_allowed = now_ms + MAX_EVENT_FUTURE_MS;
        let too_old_end = events.partition_point(|e| e.timestamp < oldest_allowed);
        let expired_end = retention_days.map_or(0, |days| {
            let cutoff = now_ms - i64::from(days) * DAY_MS;
            events.partition_point(|e| e.timestamp < cutoff)
        });
        let too_new_start = events.partition_point(|e| e.timestamp <= newest_allowed);
        TimeWindows {
            too_old_end,
            expired_end,
            too_new_start,
        }
    }

    /// The events that are stored.
    pub fn accepted(&self) -> Range<usize> {
        let start = self.too_old_end.max(self.expired_end);
        start..self.too_new_start.max(start)
    }

    /// Events rejected as too old (counted before expiry: an event can only be in one bucket).
    pub fn too_old_count(&self) -> usize {
        self.too_old_end
    }

    /// Events rejected by retention only (not already too old).
    pub fn expired_count(&self) -> usize {
        self.expired_end.saturating_sub(self.too_old_end)
    }

    /// Events rejected as too far in the future.
    pub fn too_new_count(&self, len: usize) -> usize {
        len - self.too_new_start
    }
}

/// Checks a log group name: 1 to 512 characters of `[.\-_/#A-Za-z0-9]`.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>
pub fn valid_group_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#'))
}

/// Checks a log stream name: 1 to 512 characters, no `:` and no `*`.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html>
pub fn valid_stream_name(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.contains([':', '*'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(timestamp: i64, message: &str) -> LogEvent {
        LogEvent {
            timestamp,
            message: message.to_string(),
        }
    }

    fn max() -> usize {
        DEFAULT_MAX_EVENT_MESSAGE_BYTES
    }

    #[test]
    fn accepts_a_normal_batch_and_counts_overhead() {
        let events = [ev(1, "abc"), ev(1, "héllo")];
        assert_eq!(validate_batch(&events, max()), Ok(3 + 6 + 2 * 26));
    }

    #[test]
    fn event_count_limits() {
        assert_eq!(validate_batch(&[], max()), Err(Violation::NoEvents));
        let events = vec![ev(1, "x"); MAX_BATCH_EVENTS];
        assert!(validate_batch(&events, max()).is_ok());
        let events = vec![ev(1, "x"); MAX_BATCH_EVENTS + 1];
        assert_eq!(
            validate_batch(&events, max()),
            Err(Violation::TooManyEvents(10_001))
        );
    }

    #[test]
    fn batch_size_limit_is_exact() {
        // Two events filling the batch exactly, then one byte more.
        let half = MAX_BATCH_BYTES / 2 - EVENT_OVERHEAD_BYTES;
        let exact = [ev(1, &"a".repeat(half)), ev(1, &"a".repeat(half))];
        assert_eq!(validate_batch(&exact, max()), Ok(MAX_BATCH_BYTES));
        let over = [ev(1, &"a".repeat(half)), ev(1, &"a".repeat(half + 1))];
        assert_eq!(
            validate_batch(&over, max()),
            Err(Violation::BatchTooLarge(MAX_BATCH_BYTES + 1))
        );
    }

    #[test]
    fn per_event_limit_is_configurable() {
        let small_max = 262_144 - EVENT_OVERHEAD_BYTES;
        let ok = [ev(1, &"a".repeat(small_max))];
        assert!(validate_batch(&ok, small_max).is_ok());
        let big = [ev(1, "a"), ev(1, &"a".repeat(small_max + 1))];
        assert_eq!(
            validate_batch(&big, small_max),
            Err(Violation::EventTooLarge {
                index: 1,
                bytes: small_max + 1,
                max: small_max
            })
        );
        let default_big = [ev(1, &"a".repeat(max() + 1))];
        assert!(matches!(
            validate_batch(&default_big, max()),
            Err(Violation::EventTooLarge { .. })
        ));
    }

    #[test]
    fn rejects_empty_messages() {
        assert_eq!(
            validate_batch(&[ev(1, "a"), ev(1, "")], max()),
            Err(Violation::EmptyMessage(1))
        );
    }

    #[test]
    fn order_and_span() {
        assert_eq!(
            validate_batch(&[ev(5, "a"), ev(5, "b"), ev(4, "c")], max()),
            Err(Violation::OutOfOrder(2))
        );
        let full_day = [ev(0, "a"), ev(MAX_BATCH_SPAN_MS, "b")];
        assert!(validate_batch(&full_day, max()).is_ok());
        let too_long = [ev(0, "a"), ev(MAX_BATCH_SPAN_MS + 1, "b")];
        assert_eq!(
            validate_batch(&too_long, max()),
            Err(Violation::SpanTooLong(MAX_BATCH_SPAN_MS + 1))
        );
    }

    #[test]
    fn time_windows_use_api_index_conventions() {
        let now = 100 * DAY_MS;
        let events = [
            ev(now - MAX_EVENT_AGE_MS - 1, "too old"),
            ev(now - MAX_EVENT_AGE_MS, "just inside 14 days"),
            ev(now - 2 * DAY_MS, "expired with 1-day retention"),
            ev(now, "now"),
            ev(now + MAX_EVENT_FUTURE_MS, "just inside 2 hours"),
            ev(now + MAX_EVENT_FUTURE_MS + 1, "too new"),
        ];
        let w = TimeWindows::classify(&events, now, None);
        assert_eq!(w.too_old_end, 1);
        assert_eq!(w.expired_end, 0);
        assert_eq!(w.too_new_start, 5);
        assert_eq!(w.accepted(), 1..5);

        let w = TimeWindows::classify(&events, now, Some(1));
        assert_eq!(w.too_old_end, 1);
        assert_eq!(w.expired_end, 3);
        assert_eq!(w.accepted(), 3..5);
        assert_eq!(
            (w.too_old_count(), w.expired_count(), w.too_new_count(6)),
            (1, 2, 1)
        );
    }

    #[test]
    fn everything_rejected_gives_an_empty_range() {
        let now = 100 * DAY_MS;
        let events = [ev(now - 20 * DAY_MS, "a"), ev(now - 20 * DAY_MS, "b")];
        let w = TimeWindows::classify(&events, now, None);
        assert_eq!(w.accepted(), 2..2);
        let future = [ev(now + DAY_MS, "a")];
        assert_eq!(TimeWindows::classify(&future, now, None).accepted(), 0..0);
    }

    #[test]
    fn names() {
        assert!(valid_group_name("/app/demo-api_1.x#y"));
        assert!(!valid_group_name(""));
        assert!(!valid_group_name("has space"));
        assert!(!valid_group_name(&"a".repeat(513)));
        assert!(valid_stream_name("host/2026 11 24"));
        assert!(!valid_stream_name("a:b"));
        assert!(!valid_stream_name("a*"));
    }
}

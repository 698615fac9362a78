//! The unit that travels from the application's thread to CloudWatch: one encoded record
//! and its timestamp. A leaf module, so the queue, the batches and the client can all name it.

use crate::limits::EVENT_OVERHEAD_BYTES;

/// What one held event costs in memory beyond its request bytes: the `LogEvent` in its
/// batch's `Vec` (32 bytes), the allocator's header and rounding of its `String` (up to 24),
/// and its entry in a chunk's index while it waits in a lane (16), less the 26 request bytes
/// already counted. Measured against peak RSS by `layer-tests/tests/memory_bound.rs`.
pub(crate) const HELD_OVERHEAD_BYTES: usize = 48;

/// One log event on its way to CloudWatch: a JSON record and when it happened.
///
/// A [`LogsClient`](crate::LogsClient) reads them from
/// [`PutLogEventsRequest::events`](crate::PutLogEventsRequest::events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Milliseconds since the Unix epoch, when the event happened.
    pub(crate) timestamp: i64,
    /// The JSON record.
    pub(crate) message: String,
}

impl LogEvent {
    /// When the event happened, in milliseconds since the Unix epoch (CloudWatch's
    /// `timestamp`).
    pub fn timestamp_millis(&self) -> i64 {
        self.timestamp
    }

    /// The record: one JSON object (see [`record`](crate::record)).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What this event counts for in a request: its UTF-8 bytes plus CloudWatch's
    /// [`EVENT_OVERHEAD_BYTES`].
    pub(crate) fn request_bytes(&self) -> usize {
        self.message.len() + EVENT_OVERHEAD_BYTES
    }
}

/// What an event of `message_len` bytes counts against the memory bound while the layer
/// holds it.
pub(crate) fn held_bytes(message_len: usize) -> usize {
    message_len + EVENT_OVERHEAD_BYTES + HELD_OVERHEAD_BYTES
}

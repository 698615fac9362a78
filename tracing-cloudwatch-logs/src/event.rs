//! The unit that travels from the application's thread to CloudWatch: one encoded record
//! and its timestamp. A leaf module, so the queue, the batches and the client can all name it.

use std::fmt::{self, Debug};
use std::sync::Arc;

use crate::limits::EVENT_OVERHEAD_BYTES;

/// What one held event costs in memory beyond its request bytes: the `LogEvent` in its
/// batch's `Vec` (40 bytes) and its entry in a chunk's index while it waits in a lane (16),
/// less the 26 request bytes already counted, plus its share of the unused end of its chunk.
/// Measured against peak RSS by `layer-tests/tests/memory_bound.rs`.
pub(crate) const HELD_OVERHEAD_BYTES: usize = 48;

/// One log event on its way to CloudWatch: a JSON record and when it happened.
///
/// A [`LogsClient`](crate::LogsClient) reads them from
/// [`PutLogEventsRequest::events`](crate::PutLogEventsRequest::events). A clone is cheap: it
/// shares the record with the original, and keeps alive the 64 KiB block of records the
/// application's thread wrote it into, so a client should copy what it keeps past the call.
#[derive(Clone)]
pub struct LogEvent {
    /// Milliseconds since the Unix epoch, when the event happened.
    pub(crate) timestamp: i64,
    text: Text,
}

/// Where an event's record is.
#[derive(Clone)]
enum Text {
    /// In a chunk application threads filled, shared with the chunk's other records: the
    /// worker hands records on without copying them, so each exists once in memory.
    InChunk {
        chunk: Arc<String>,
        start: usize,
        end: usize,
    },
    /// Made by the worker itself (drop reports), or by tests.
    Owned(String),
}

impl LogEvent {
    /// An event whose record is `chunk[start..end]`.
    pub(crate) fn in_chunk(timestamp: i64, chunk: Arc<String>, start: usize, end: usize) -> Self {
        LogEvent {
            timestamp,
            text: Text::InChunk { chunk, start, end },
        }
    }

    /// An event that owns its record.
    pub(crate) fn owned(timestamp: i64, message: String) -> Self {
        LogEvent {
            timestamp,
            text: Text::Owned(message),
        }
    }

    /// When the event happened, in milliseconds since the Unix epoch (CloudWatch's
    /// `timestamp`).
    pub fn timestamp_millis(&self) -> i64 {
        self.timestamp
    }

    /// The record: one JSON object (see [`record`](crate::record)).
    pub fn message(&self) -> &str {
        match &self.text {
            Text::InChunk { chunk, start, end } => &chunk[*start..*end],
            Text::Owned(message) => message,
        }
    }

    /// What this event counts for in a request: its UTF-8 bytes plus CloudWatch's
    /// [`EVENT_OVERHEAD_BYTES`].
    pub(crate) fn request_bytes(&self) -> usize {
        self.message().len() + EVENT_OVERHEAD_BYTES
    }
}

#[cfg(test)]
impl LogEvent {
    /// The capacity of the chunk the record is in, if it is in one.
    pub(crate) fn chunk_capacity(&self) -> Option<usize> {
        match &self.text {
            Text::InChunk { chunk, .. } => Some(chunk.capacity()),
            Text::Owned(_) => None,
        }
    }
}

impl PartialEq for LogEvent {
    fn eq(&self, other: &Self) -> bool {
        self.timestamp == other.timestamp && self.message() == other.message()
    }
}

impl Eq for LogEvent {}

impl Debug for LogEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogEvent")
            .field("timestamp", &self.timestamp)
            .field("message", &self.message())
            .finish()
    }
}

/// What an event of `message_len` bytes counts against the memory bound while the layer
/// holds it.
pub(crate) fn held_bytes(message_len: usize) -> usize {
    message_len + EVENT_OVERHEAD_BYTES + HELD_OVERHEAD_BYTES
}

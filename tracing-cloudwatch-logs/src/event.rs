//! The unit that travels from the application's thread to CloudWatch: one encoded record
//! and its timestamp. A leaf module, so the queue, the batches and the client can all name it.

use crate::limits::EVENT_OVERHEAD_BYTES;

/// One log event waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Milliseconds since the Unix epoch, when the event happened.
    pub timestamp: i64,
    /// The JSON record.
    pub message: String,
}

impl LogEvent {
    /// What this event counts for in a request: its UTF-8 bytes plus CloudWatch's overhead.
    pub fn request_bytes(&self) -> usize {
        self.message.len() + EVENT_OVERHEAD_BYTES
    }
}

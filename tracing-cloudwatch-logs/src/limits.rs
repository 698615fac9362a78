//! CloudWatch Logs limits that shape every `PutLogEvents` request.
//!
//! All from the API reference:
//! <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>

use std::time::Duration;

/// At most this many events in one `PutLogEvents` request.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_BATCH_EVENTS: usize = 10_000;

/// A request's size is the sum of its messages' UTF-8 bytes plus [`EVENT_OVERHEAD_BYTES`] per
/// event, and may not exceed this.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_BATCH_BYTES: usize = 1_048_576;

/// Bytes CloudWatch adds to each event's message when it sizes a request.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const EVENT_OVERHEAD_BYTES: usize = 26;

/// The largest message one event may carry: a lone event must fit in a request.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/logs/cloudwatch_limits_cwl.html>
pub const MAX_EVENT_BYTES: usize = MAX_BATCH_BYTES - EVENT_OVERHEAD_BYTES;

/// The events of one request may not span more than this.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_BATCH_SPAN: Duration = Duration::from_secs(24 * 60 * 60);

/// Events older than this are rejected (`tooOldLogEventEndIndex`).
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_EVENT_AGE: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// Events more than this far in the future are rejected (`tooNewLogEventStartIndex`).
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_EVENT_FUTURE: Duration = Duration::from_secs(2 * 60 * 60);

/// Log stream names are 1 to 512 characters, without `:` or `*`.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html>
pub const MAX_STREAM_NAME_CHARS: usize = 512;

/// Log group names are 1 to 512 characters of `[\.\-_/#A-Za-z0-9]`.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>
pub const MAX_GROUP_NAME_CHARS: usize = 512;

/// The retention periods, in days, that `PutRetentionPolicy` accepts.
///
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html>
pub const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

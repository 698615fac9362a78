//! The validated configuration the [`Builder`](crate::Builder) produces, and its defaults.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::budget::Backpressure;
use crate::limits::{
    EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_EVENT_BYTES, MAX_STREAM_NAME_CHARS,
};

/// Default for [`Builder::flush_interval`](crate::Builder::flush_interval).
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Default for [`Builder::buffer_bytes`](crate::Builder::buffer_bytes): 16 MiB.
pub const DEFAULT_BUFFER_BYTES: usize = 16 * 1024 * 1024;
/// Default for [`Builder::max_in_flight`](crate::Builder::max_in_flight).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;
/// Default for [`Builder::max_retry_duration`](crate::Builder::max_retry_duration).
pub const DEFAULT_MAX_RETRY_DURATION: Duration = Duration::from_secs(300);
/// Default for [`Builder::request_timeout`](crate::Builder::request_timeout).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::shutdown_timeout`](crate::Builder::shutdown_timeout).
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Default for [`Builder::max_event_bytes`](crate::Builder::max_event_bytes): the CloudWatch maximum.
pub const DEFAULT_MAX_EVENT_BYTES: usize = MAX_EVENT_BYTES;
const HOUR: Duration = Duration::from_secs(60 * 60);

/// Accepted [`Builder::flush_interval`](crate::Builder::flush_interval)s: longer would hold
/// events in memory for hours (and `Duration::MAX` overflowed the worker's clock).
pub const FLUSH_INTERVAL_RANGE: (Duration, Duration) = (Duration::from_millis(1), HOUR);
/// Accepted [`Builder::max_retry_duration`](crate::Builder::max_retry_duration)s: at least a
/// second, so that a missing stream can be created and the batch sent again; at most a day.
pub const MAX_RETRY_DURATION_RANGE: (Duration, Duration) =
    (Duration::from_secs(1), Duration::from_secs(24 * 60 * 60));
/// Accepted [`Builder::request_timeout`](crate::Builder::request_timeout)s: shorter than
/// 100 ms, calls time out before CloudWatch can answer.
pub const REQUEST_TIMEOUT_RANGE: (Duration, Duration) = (Duration::from_millis(100), HOUR);
/// Accepted [`Builder::shutdown_timeout`](crate::Builder::shutdown_timeout)s: zero (do not
/// wait) to an hour; the application's exit waits this long at most.
pub const SHUTDOWN_TIMEOUT_RANGE: (Duration, Duration) = (Duration::ZERO, HOUR);
/// First retry waits up to this long; each later one up to twice as long as the previous.
pub(crate) const RETRY_BASE_DELAY: Duration = Duration::from_millis(100);
/// No single retry waits longer than this.
pub(crate) const RETRY_MAX_DELAY: Duration = Duration::from_secs(10);

/// A validated configuration, made by the builder: every setting filled in and checked.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) log_group: String,
    pub(crate) log_stream: String,
    pub(crate) service: String,
    pub(crate) statics: Vec<(String, Value)>,
    pub(crate) flush_interval: Duration,
    pub(crate) buffer_bytes: usize,
    pub(crate) backpressure: Backpressure,
    pub(crate) max_event_bytes: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) max_retry_duration: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) create_log_group: bool,
    pub(crate) retention_days: Option<i32>,
}

/// `<service>/<host>/<pid>/<UTC start time>`, e.g. `orders-api/web-1/4242/2026-11-24T13-49-06Z`:
/// unique per process, sortable by start time, with no `:` or `*` (which stream names forbid).
pub fn default_stream_name(service: &str) -> String {
    let host = hostname();
    let pid = std::process::id();
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let mut time = String::new();
    crate::encode::write_rfc3339_millis(&mut time, started);
    // `2026-11-24T13:49:06.123Z` -> `2026-11-24T13-49-06Z`
    let time = format!("{}Z", &time[..19]).replace(':', "-");
    let name = format!("{service}/{host}/{pid}/{time}").replace([':', '*'], "_");
    name.chars().take(MAX_STREAM_NAME_CHARS).collect()
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

// Keep the batch limit in view: a lone event of the maximum size must fit in a request.
const _: () = assert!(MAX_EVENT_BYTES + EVENT_OVERHEAD_BYTES <= MAX_BATCH_BYTES);

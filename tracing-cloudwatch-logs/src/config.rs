//! The builder, its defaults, and the validated configuration it produces.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::budget::Backpressure;
use crate::client::LogsClient;
use crate::error::BuildError;
use crate::limits::{
    EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_EVENT_BYTES, MAX_GROUP_NAME_CHARS,
    MAX_STREAM_NAME_CHARS,
};
use crate::record::RESERVED_KEYS;
use crate::truncate::MIN_EVENT_BYTES;
use crate::{CloudWatchLayer, WorkerGuard};

/// Default for [`Builder::flush_interval`].
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Default for [`Builder::buffer_bytes`]: 16 MiB.
pub const DEFAULT_BUFFER_BYTES: usize = 16 * 1024 * 1024;
/// Default for [`Builder::max_in_flight`].
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;
/// Default for [`Builder::max_retry_duration`].
pub const DEFAULT_MAX_RETRY_DURATION: Duration = Duration::from_secs(300);
/// Default for [`Builder::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for [`Builder::shutdown_timeout`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Default for [`Builder::max_event_bytes`]: the CloudWatch maximum.
pub const DEFAULT_MAX_EVENT_BYTES: usize = MAX_EVENT_BYTES;
/// First retry waits up to this long; each later one up to twice as long as the previous.
pub const RETRY_BASE_DELAY: Duration = Duration::from_millis(100);
/// No single retry waits longer than this.
pub const RETRY_MAX_DELAY: Duration = Duration::from_secs(10);

/// Configures and builds a [`CloudWatchLayer`]; see the crate docs for the defaults.
///
/// ```
/// use std::time::Duration;
/// use tracing_cloudwatch_logs::Backpressure;
///
/// let builder = tracing_cloudwatch_logs::builder()
///     .log_group("/demo/orders-api")
///     .service("orders-api")
///     .static_field("env", "prod")
///     .flush_interval(Duration::from_millis(500))
///     .backpressure(Backpressure::Block { timeout: Duration::from_millis(5) });
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    log_group: Option<String>,
    log_stream: Option<String>,
    service: Option<String>,
    statics: Vec<(String, Value)>,
    flush_interval: Option<Duration>,
    buffer_bytes: Option<usize>,
    backpressure: Backpressure,
    max_event_bytes: Option<usize>,
    max_in_flight: Option<usize>,
    max_retry_duration: Option<Duration>,
    request_timeout: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    create_log_group: Option<bool>,
    retention_days: Option<i32>,
}

impl Builder {
    /// The log group to write to (required).
    pub fn log_group(mut self, name: impl Into<String>) -> Self {
        self.log_group = Some(name.into());
        self
    }

    /// The log stream to write to. Default: `<service>/<host>/<pid>/<start time>`, unique per
    /// process, see [`default_stream_name`].
    pub fn log_stream(mut self, name: impl Into<String>) -> Self {
        self.log_stream = Some(name.into());
        self
    }

    /// The service name written into every record (required).
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = Some(name.into());
        self
    }

    /// A field added to every record (e.g. `env`, `version`, `host`).
    pub fn static_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.statics.push((name.into(), value.into()));
        self
    }

    /// How long an event may wait for a batch to fill before it is sent anyway.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = Some(interval);
        self
    }

    /// The memory bound, in bytes of records held anywhere in the layer (queue, batches being
    /// built, sent or retried), counted as CloudWatch counts them (message + 26).
    pub fn buffer_bytes(mut self, bytes: usize) -> Self {
        self.buffer_bytes = Some(bytes);
        self
    }

    /// What the application thread does when the buffer is full.
    pub fn backpressure(mut self, policy: Backpressure) -> Self {
        self.backpressure = policy;
        self
    }

    /// Records longer than this are truncated (still valid JSON, marked `"truncated": true`).
    /// Lower it for endpoints that enforce an older, smaller per-event limit (256 KiB).
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = Some(bytes);
        self
    }

    /// How many `PutLogEvents` calls may be in flight at once (CloudWatch accepts parallel
    /// puts to one stream). Once the endpoint is seen enforcing sequence tokens, calls to the
    /// stream are made one at a time regardless.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = Some(requests);
        self
    }

    /// How long one batch is retried before its events are dropped (and counted).
    pub fn max_retry_duration(mut self, duration: Duration) -> Self {
        self.max_retry_duration = Some(duration);
        self
    }

    /// How long one call may take before it is abandoned and retried.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How long dropping the [`WorkerGuard`] (or `shutdown`) waits for delivery.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// Whether a missing log group is created (default `true`; the stream is always created).
    pub fn create_log_group(mut self, create: bool) -> Self {
        self.create_log_group = Some(create);
        self
    }

    /// Retention set on a log group the layer creates (default: never expire).
    pub fn retention_days(mut self, days: i32) -> Self {
        self.retention_days = Some(days);
        self
    }

    /// Checks the settings and fills in defaults.
    pub fn validate(self) -> Result<Config, BuildError> {
        let log_group = self.log_group.ok_or(BuildError::MissingLogGroup)?;
        if log_group.is_empty()
            || log_group.chars().count() > MAX_GROUP_NAME_CHARS
            || !log_group
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c))
        {
            return Err(BuildError::InvalidLogGroup(log_group));
        }
        let service = self.service.ok_or(BuildError::MissingService)?;
        let log_stream = self
            .log_stream
            .unwrap_or_else(|| default_stream_name(&service));
        if log_stream.is_empty()
            || log_stream.chars().count() > MAX_STREAM_NAME_CHARS
            || log_stream.contains([':', '*'])
        {
            return Err(BuildError::InvalidLogStream(log_stream));
        }
        for (name, _) in &self.statics {
            if RESERVED_KEYS.contains(&name.as_str()) {
                return Err(BuildError::ReservedStaticField(name.clone()));
            }
        }
        let max_event_bytes = self.max_event_bytes.unwrap_or(DEFAULT_MAX_EVENT_BYTES);
        if !(MIN_EVENT_BYTES..=MAX_EVENT_BYTES).contains(&max_event_bytes) {
            return Err(BuildError::InvalidMaxEventBytes(max_event_bytes));
        }
        let buffer_bytes = self.buffer_bytes.unwrap_or(DEFAULT_BUFFER_BYTES);
        // Room for at least one largest event, or nothing of that size could ever be queued.
        let min_buffer = max_event_bytes + EVENT_OVERHEAD_BYTES;
        if buffer_bytes < min_buffer {
            return Err(BuildError::BufferTooSmall {
                buffer_bytes,
                min: min_buffer,
            });
        }
        let max_in_flight = self.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
        if max_in_flight == 0 {
            return Err(BuildError::ZeroInFlight);
        }
        let flush_interval = self.flush_interval.unwrap_or(DEFAULT_FLUSH_INTERVAL);
        if flush_interval.is_zero() {
            return Err(BuildError::ZeroFlushInterval);
        }
        Ok(Config {
            log_group,
            log_stream,
            service,
            statics: self.statics,
            flush_interval,
            buffer_bytes,
            backpressure: self.backpressure,
            max_event_bytes,
            max_in_flight,
            max_retry_duration: self
                .max_retry_duration
                .unwrap_or(DEFAULT_MAX_RETRY_DURATION),
            request_timeout: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            shutdown_timeout: self.shutdown_timeout.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
            create_log_group: self.create_log_group.unwrap_or(true),
            retention_days: self.retention_days,
        })
    }

    /// Validates, starts the worker thread and returns the layer and its guard.
    ///
    /// Keep the guard alive for as long as the program logs: dropping it flushes and stops
    /// the worker. Binding it to `_` drops it at once, so nothing would be shipped.
    pub fn build(
        self,
        client: impl LogsClient,
    ) -> Result<(CloudWatchLayer, WorkerGuard), BuildError> {
        let config = self.validate()?;
        crate::layer::start(config, client)
    }
}

/// A validated configuration (see [`Builder::validate`]).
#[derive(Debug, Clone)]
pub struct Config {
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

impl Config {
    /// The log group events go to.
    pub fn log_group(&self) -> &str {
        &self.log_group
    }

    /// The log stream events go to.
    pub fn log_stream(&self) -> &str {
        &self.log_stream
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Builder {
        Builder::default()
            .log_group("/demo/orders")
            .service("orders-api")
    }

    #[test]
    fn defaults_are_filled_in() {
        let c = valid().validate().unwrap();
        assert_eq!(c.flush_interval, DEFAULT_FLUSH_INTERVAL);
        assert_eq!(c.buffer_bytes, DEFAULT_BUFFER_BYTES);
        assert_eq!(c.max_event_bytes, MAX_EVENT_BYTES);
        assert!(c.create_log_group);
        assert!(c.log_stream.starts_with("orders-api/"));
    }

    #[test]
    fn the_default_stream_name_is_valid_and_unique_per_process() {
        let name = default_stream_name("svc:a*b");
        assert!(!name.contains([':', '*']), "{name}");
        assert!(
            name.contains(&format!("/{}/", std::process::id())),
            "{name}"
        );
    }

    #[test]
    fn mistakes_are_named() {
        assert!(matches!(
            Builder::default().service("s").validate(),
            Err(BuildError::MissingLogGroup)
        ));
        assert!(matches!(
            Builder::default().log_group("/g").validate(),
            Err(BuildError::MissingService)
        ));
        assert!(matches!(
            valid().log_group("bad group!").validate(),
            Err(BuildError::InvalidLogGroup(_))
        ));
        assert!(matches!(
            valid().log_stream("a:b").validate(),
            Err(BuildError::InvalidLogStream(_))
        ));
        assert!(matches!(
            valid().static_field("level", "x").validate(),
            Err(BuildError::ReservedStaticField(_))
        ));
        assert!(matches!(
            valid().max_event_bytes(10).validate(),
            Err(BuildError::InvalidMaxEventBytes(10))
        ));
        assert!(matches!(
            valid().buffer_bytes(1000).validate(),
            Err(BuildError::BufferTooSmall { .. })
        ));
        assert!(matches!(
            valid().max_in_flight(0).validate(),
            Err(BuildError::ZeroInFlight)
        ));
    }
}

//! The builder: the one entry point that validates the settings, then wires the layer, the
//! worker thread and the guard together. It sits above every other module, so none of them
//! needs to know how the others are built.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::budget::Backpressure;
use crate::client::LogsClient;
use crate::config::{
    Config, DEFAULT_BUFFER_BYTES, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RETRY_DURATION, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SHUTDOWN_TIMEOUT, FLUSH_INTERVAL_RANGE, MAX_RETRY_DURATION_RANGE,
    REQUEST_TIMEOUT_RANGE, SHUTDOWN_TIMEOUT_RANGE, default_stream_name,
};
use crate::encode::RecordPrefix;
use crate::error::BuildError;
use crate::event::held_bytes;
use crate::guard::WorkerGuard;
use crate::layer::CloudWatchLayer;
use crate::limits::{MAX_EVENT_BYTES, MAX_GROUP_NAME_CHARS, MAX_STREAM_NAME_CHARS, RETENTION_DAYS};
use crate::record::RESERVED_KEYS;
use crate::shared::{REQUEST_SHARE_DIVISOR, Shared};
use crate::truncate::MIN_EVENT_BYTES;
use crate::worker;

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

    /// How long an event may wait for a batch to fill before it is sent anyway (1 ms to an
    /// hour, see [`FLUSH_INTERVAL_RANGE`](crate::FLUSH_INTERVAL_RANGE)).
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = Some(interval);
        self
    }

    /// The memory bound, in bytes of records held anywhere in the layer (queued, batches being
    /// built, sent or retried) and of the copies requests being sent make of them. Each held
    /// event counts its message plus 74 bytes of bookkeeping; a quarter of the bound is kept
    /// for request copies (a request waits for room there rather than exceed it).
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

    /// How long one batch is retried before its events are dropped (and counted): 1 s to a
    /// day, see [`MAX_RETRY_DURATION_RANGE`](crate::MAX_RETRY_DURATION_RANGE).
    pub fn max_retry_duration(mut self, duration: Duration) -> Self {
        self.max_retry_duration = Some(duration);
        self
    }

    /// How long one call may take before it is abandoned and retried: 100 ms to an hour,
    /// see [`REQUEST_TIMEOUT_RANGE`](crate::REQUEST_TIMEOUT_RANGE).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How long dropping the [`WorkerGuard`] (or `shutdown`) waits for delivery: zero (do
    /// not wait) to an hour, see [`SHUTDOWN_TIMEOUT_RANGE`](crate::SHUTDOWN_TIMEOUT_RANGE).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// Whether a missing log group is created (default `true`; the stream is always created).
    pub fn create_log_group(mut self, create: bool) -> Self {
        self.create_log_group = Some(create);
        self
    }

    /// Retention set on a log group the layer creates (default: never expire): one of the
    /// periods CloudWatch accepts, [`RETENTION_DAYS`](crate::limits::RETENTION_DAYS).
    pub fn retention_days(mut self, days: i32) -> Self {
        self.retention_days = Some(days);
        self
    }

    /// Checks the settings and fills in defaults.
    pub(crate) fn validate(self) -> Result<Config, BuildError> {
        let log_group = self.log_group.ok_or(BuildError::MissingLogGroup)?;
        if log_group.is_empty()
            || log_group.chars().count() > MAX_GROUP_NAME_CHARS
            || !log_group
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c))
        {
            return Err(BuildError::InvalidLogGroup(log_group));
        }
        let create_log_group = self.create_log_group.unwrap_or(true);
        // CreateLogGroup: "Log group names can't start with the string aws/"; AWS's own groups
        // of that name can still be written to, when they exist.
        // <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>
        if create_log_group && log_group.starts_with("aws/") {
            return Err(BuildError::ReservedLogGroup(log_group));
        }
        let service = self.service.ok_or(BuildError::MissingService)?;
        if service.trim().is_empty() {
            return Err(BuildError::EmptyService);
        }
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
        // Events get all but the request share of the buffer (see `shared`).
        let min_buffer = (held_bytes(max_event_bytes) * REQUEST_SHARE_DIVISOR)
            .div_ceil(REQUEST_SHARE_DIVISOR - 1);
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
        let max_retry_duration = self
            .max_retry_duration
            .unwrap_or(DEFAULT_MAX_RETRY_DURATION);
        let request_timeout = self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
        let shutdown_timeout = self.shutdown_timeout.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT);
        for (setting, value, (min, max)) in [
            ("flush_interval", flush_interval, FLUSH_INTERVAL_RANGE),
            (
                "max_retry_duration",
                max_retry_duration,
                MAX_RETRY_DURATION_RANGE,
            ),
            ("request_timeout", request_timeout, REQUEST_TIMEOUT_RANGE),
            ("shutdown_timeout", shutdown_timeout, SHUTDOWN_TIMEOUT_RANGE),
        ] {
            if !(min..=max).contains(&value) {
                return Err(BuildError::DurationOutOfRange {
                    setting,
                    value,
                    min,
                    max,
                });
            }
        }
        if let Some(days) = self.retention_days
            && !RETENTION_DAYS.contains(&days)
        {
            return Err(BuildError::InvalidRetentionDays(days));
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
            max_retry_duration,
            request_timeout,
            shutdown_timeout,
            create_log_group,
            retention_days: self.retention_days,
        })
    }

    /// Validates the settings, starts the worker thread and returns the layer and its guard.
    ///
    /// Keep the guard alive for as long as the program logs: dropping it flushes and stops
    /// the worker. Binding it to `_` drops it at once, so nothing would be shipped.
    ///
    /// Needs no async runtime: the worker runs its own. Fails with a [`BuildError`] that says
    /// which setting is wrong and how to fix it; nothing is started then.
    ///
    /// ```
    /// use tracing_subscriber::prelude::*;
    ///
    /// let client = tracing_cloudwatch_logs::MemoryClient::default();
    /// let (layer, guard) = tracing_cloudwatch_logs::builder()
    ///     .log_group("/demo/orders-api")
    ///     .service("orders-api")
    ///     .build(client.clone())?;
    /// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
    ///     tracing::info!(order_id = 42, "order created");
    /// });
    /// drop(guard); // delivers what is buffered
    /// assert_eq!(client.records()[0]["order_id"], 42);
    ///
    /// let err = tracing_cloudwatch_logs::builder().service("orders-api").build(client);
    /// assert!(err.unwrap_err().to_string().contains(".log_group("));
    /// # Ok::<(), tracing_cloudwatch_logs::BuildError>(())
    /// ```
    pub fn build(
        self,
        client: impl LogsClient,
    ) -> Result<(CloudWatchLayer, WorkerGuard), BuildError> {
        let config = self.validate()?;
        if let Some(problem) = client.configuration_problem() {
            return Err(BuildError::Client(problem));
        }
        start(config, client)
    }
}

/// Starts the worker thread for a validated configuration.
fn start(
    config: Config,
    client: impl LogsClient,
) -> Result<(CloudWatchLayer, WorkerGuard), BuildError> {
    let shared = Arc::new(Shared::new(config.buffer_bytes, config.backpressure));
    let prefix = RecordPrefix::new(&config.service, &config.statics);
    let (queue, inbox) = std::sync::mpsc::channel();
    let layer = CloudWatchLayer::new(Arc::clone(&shared), prefix.clone(), config.max_event_bytes);
    let shutdown_timeout = config.shutdown_timeout;
    let thread = worker::spawn(config, Arc::new(client), Arc::clone(&shared), prefix, inbox)
        .map_err(BuildError::Spawn)?;
    let guard = WorkerGuard::new(shared, queue, shutdown_timeout, thread);
    Ok((layer, guard))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_stream_name;

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
        assert!(matches!(
            valid().log_group("aws/mine").validate(),
            Err(BuildError::ReservedLogGroup(_))
        ));
        assert!(
            valid()
                .log_group("aws/existing")
                .create_log_group(false)
                .validate()
                .is_ok()
        );
        assert!(valid().log_group("/aws/lambda/mine").validate().is_ok());
        assert!(matches!(
            valid().service(" ").validate(),
            Err(BuildError::EmptyService)
        ));
        assert!(matches!(
            valid().retention_days(2).validate(),
            Err(BuildError::InvalidRetentionDays(2))
        ));
        assert!(valid().retention_days(14).validate().is_ok());
    }

    #[test]
    fn durations_the_worker_cannot_use_are_refused_with_their_range() {
        type Configure = fn(Builder) -> Builder;
        let cases: [(&str, Configure); 6] = [
            ("flush_interval", |b| b.flush_interval(Duration::MAX)),
            ("shutdown_timeout", |b| b.shutdown_timeout(Duration::MAX)),
            ("request_timeout", |b| b.request_timeout(Duration::ZERO)),
            ("request_timeout", |b| b.request_timeout(Duration::MAX)),
            ("max_retry_duration", |b| {
                b.max_retry_duration(Duration::ZERO)
            }),
            ("max_retry_duration", |b| {
                b.max_retry_duration(Duration::MAX)
            }),
        ];
        for (name, configure) in cases {
            match configure(valid()).validate() {
                Err(err @ BuildError::DurationOutOfRange { setting, .. }) => {
                    assert_eq!(setting, name);
                    assert!(err.to_string().starts_with(name), "{err}");
                    assert!(err.to_string().contains("choose between"), "{err}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // Not waiting at all on exit is a choice.
        assert!(valid().shutdown_timeout(Duration::ZERO).validate().is_ok());
    }
}

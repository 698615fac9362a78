//! The CloudWatch Logs calls the worker makes, behind a small trait.
//!
//! [`LogsClient`] is implemented for `aws_sdk_cloudwatchlogs::Client` (feature `aws-sdk`);
//! tests and other transports implement it too. Failures are reduced to a plain
//! [`ClientError`] so that the retry decision (`retry.rs`) is a pure function that tests can
//! feed fabricated errors.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::event::LogEvent;

/// A boxed future, so that [`LogsClient`] can be used as a trait object.
///
/// Implementations return `Box::pin(async move { ... })`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The CloudWatch Logs operations the worker needs.
///
/// Implemented for `aws_sdk_cloudwatchlogs::Client` with the `aws-sdk` feature (the default).
/// Implement it yourself to send through another transport, to add your own instrumentation,
/// or to build the layer without the AWS SDK (`default-features = false, features =
/// ["layer"]`).
///
/// Implementations must not retry on their own: the worker owns retries, backoff and their
/// time bound. (The implementation for the SDK client turns the SDK's retries off per call.)
/// They run on the worker's own multi-thread Tokio runtime (two threads, time enabled, I/O
/// enabled when Tokio's `net` feature is on in the build), never the application's.
///
/// ```
/// use tracing_cloudwatch_logs::{
///     BoxFuture, ClientError, LogsClient, PutLogEventsRequest, PutLogEventsResponse,
/// };
///
/// /// Writes each record to stderr instead of CloudWatch.
/// struct Stderr;
///
/// impl LogsClient for Stderr {
///     fn put_log_events<'a>(
///         &'a self,
///         request: PutLogEventsRequest<'a>,
///     ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>> {
///         Box::pin(async move {
///             for event in request.events() {
///                 eprintln!("{} {}", event.timestamp_millis(), event.message());
///             }
///             Ok(PutLogEventsResponse::default())
///         })
///     }
///     fn create_log_group<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
///         Box::pin(async { Ok(()) })
///     }
///     fn create_log_stream<'a>(
///         &'a self,
///         _: &'a str,
///         _: &'a str,
///     ) -> BoxFuture<'a, Result<(), ClientError>> {
///         Box::pin(async { Ok(()) })
///     }
///     fn put_retention_policy<'a>(
///         &'a self,
///         _: &'a str,
///         _: i32,
///     ) -> BoxFuture<'a, Result<(), ClientError>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// let (layer, guard) = tracing_cloudwatch_logs::builder()
///     .log_group("/demo/orders-api")
///     .service("orders-api")
///     .build(Stderr)?;
/// # Ok::<(), tracing_cloudwatch_logs::BuildError>(())
/// ```
pub trait LogsClient: Send + Sync + 'static {
    /// `PutLogEvents` with the request's events (already sorted and within every limit).
    ///
    /// Report events the endpoint did not store in [`PutLogEventsResponse::rejected`], and a
    /// missing group or stream as `ResourceNotFoundException` (the worker then creates it).
    fn put_log_events<'a>(
        &'a self,
        request: PutLogEventsRequest<'a>,
    ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>>;

    /// `CreateLogGroup`. "Already exists" must be reported as `ResourceAlreadyExistsException`.
    fn create_log_group<'a>(&'a self, group: &'a str) -> BoxFuture<'a, Result<(), ClientError>>;

    /// `CreateLogStream`. "Already exists" must be reported as `ResourceAlreadyExistsException`.
    fn create_log_stream<'a>(
        &'a self,
        group: &'a str,
        stream: &'a str,
    ) -> BoxFuture<'a, Result<(), ClientError>>;

    /// `PutRetentionPolicy`, called once after the layer created the group, when
    /// [`Builder::retention_days`](crate::Builder::retention_days) is set.
    fn put_retention_policy<'a>(
        &'a self,
        group: &'a str,
        days: i32,
    ) -> BoxFuture<'a, Result<(), ClientError>>;

    /// A problem with the client's own set-up that no retry could fix, in words that name
    /// the fix; [`Builder::build`](crate::Builder::build) refuses a client that has one. The
    /// AWS SDK's client reports a missing region here. Default: none.
    fn configuration_problem(&self) -> Option<String> {
        None
    }
}

/// One `PutLogEvents` call, as the worker asks a [`LogsClient`] to make it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PutLogEventsRequest<'a> {
    pub(crate) log_group: &'a str,
    pub(crate) log_stream: &'a str,
    pub(crate) events: &'a [LogEvent],
    pub(crate) sequence_token: Option<&'a str>,
}

impl<'a> PutLogEventsRequest<'a> {
    /// The log group name.
    pub fn log_group(&self) -> &'a str {
        self.log_group
    }

    /// The log stream name.
    pub fn log_stream(&self) -> &'a str {
        self.log_stream
    }

    /// The events, chronological and within every `PutLogEvents` limit.
    pub fn events(&self) -> &'a [LogEvent] {
        self.events
    }

    /// The stream's last `nextSequenceToken`, for endpoints that still enforce tokens
    /// (CloudWatch ignores it since 2023).
    pub fn sequence_token(&self) -> Option<&'a str> {
        self.sequence_token
    }
}

/// What a successful `PutLogEvents` returned.
///
/// `#[non_exhaustive]`: start from `PutLogEventsResponse::default()` and set the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutLogEventsResponse {
    /// The token to send next, if the endpoint returned one.
    pub next_sequence_token: Option<String>,
    /// Events the endpoint did not store.
    pub rejected: RejectedEvents,
}

/// `rejectedLogEventsInfo`: which events of an accepted request were not stored.
///
/// `#[non_exhaustive]`: start from `RejectedEvents::default()` (nothing rejected) and set the
/// fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RejectedEvents {
    /// Events at this index and after were too far in the future.
    pub too_new_start: Option<usize>,
    /// Events before this index were too old.
    pub too_old_end: Option<usize>,
    /// Events before this index were older than the group's retention.
    pub expired_end: Option<usize>,
}

/// Why a call failed, reduced to what the retry decision needs.
///
/// Build one with [`ClientError::service`] or [`ClientError::transport`] (with the `aws-sdk`
/// feature, `ClientError::from(sdk_error)` does it for any SDK error). Which errors are
/// retried: throttling, 5xx, timeouts and connection failures; `ResourceNotFoundException`
/// creates the group or stream; credential and permission errors and other 4xx are not.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientError {
    /// Where the call failed.
    pub kind: ErrorKind,
    /// The service's error code (`ThrottlingException`, ...), when it answered with one.
    pub code: Option<String>,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Human-readable detail.
    pub message: String,
    /// `expectedSequenceToken` of `InvalidSequenceTokenException` /
    /// `DataAlreadyAcceptedException`, for endpoints that still enforce sequence tokens.
    pub expected_sequence_token: Option<String>,
}

/// Where a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service answered with an error.
    Service,
    /// No answer in time.
    Timeout,
    /// The request could not be sent or the connection broke (refused, reset, TLS, ...).
    Dispatch,
    /// An answer came but could not be read.
    Response,
    /// The request could not be built (bad input, missing credentials or region).
    Construction,
}

impl ClientError {
    /// A service error with `code` and `status`, as tests and other clients fabricate them.
    ///
    /// ```
    /// let err = tracing_cloudwatch_logs::ClientError::service("ThrottlingException", 400, "slow down");
    /// assert_eq!(err.to_string(), "ThrottlingException (HTTP 400): slow down");
    /// ```
    pub fn service(code: &str, status: u16, message: impl Into<String>) -> Self {
        ClientError {
            kind: ErrorKind::Service,
            code: Some(code.to_owned()),
            status: Some(status),
            message: message.into(),
            expected_sequence_token: None,
        }
    }

    /// A failure with no service answer.
    pub fn transport(kind: ErrorKind, message: impl Into<String>) -> Self {
        ClientError {
            kind,
            code: None,
            status: None,
            message: message.into(),
            expected_sequence_token: None,
        }
    }

    /// Whether the service said the thing to create exists already.
    pub fn is_already_exists(&self) -> bool {
        self.code.as_deref() == Some("ResourceAlreadyExistsException")
    }

    /// Whether the service said the group or stream does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code.as_deref() == Some("ResourceNotFoundException")
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, self.status) {
            (Some(code), Some(status)) => write!(f, "{code} (HTTP {status}): {}", self.message),
            (Some(code), None) => write!(f, "{code}: {}", self.message),
            (None, Some(status)) => write!(f, "HTTP {status}: {}", self.message),
            (None, None) => write!(f, "{:?}: {}", self.kind, self.message),
        }
    }
}

impl std::error::Error for ClientError {}

//! The CloudWatch Logs calls the worker makes, behind a small trait.
//!
//! [`LogsClient`] is implemented for [`aws_sdk_cloudwatchlogs::Client`]; tests and other
//! transports implement it too. Failures are reduced to a plain [`ClientError`] so that the
//! retry decision ([`crate::retry`]) is a pure function that tests can feed fabricated errors.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsError;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_smithy_types::retry::RetryConfig;

use crate::event::LogEvent;

/// A boxed future, so that [`LogsClient`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The CloudWatch Logs operations the worker needs.
///
/// Implementations must not retry on their own: the worker owns retries, backoff and their
/// time bound. (The implementation for the SDK client turns the SDK's retries off per call.)
pub trait LogsClient: Send + Sync + 'static {
    /// `PutLogEvents` with `events` (already sorted and within limits).
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

    /// `PutRetentionPolicy`.
    fn put_retention_policy<'a>(
        &'a self,
        group: &'a str,
        days: i32,
    ) -> BoxFuture<'a, Result<(), ClientError>>;
}

/// One `PutLogEvents` call.
#[derive(Debug, Clone, Copy)]
pub struct PutLogEventsRequest<'a> {
    /// Log group name.
    pub log_group: &'a str,
    /// Log stream name.
    pub log_stream: &'a str,
    /// Chronological events within every limit.
    pub events: &'a [LogEvent],
    /// The stream's last `nextSequenceToken`, for endpoints that still enforce tokens.
    pub sequence_token: Option<&'a str>,
}

/// What a successful `PutLogEvents` returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutLogEventsResponse {
    /// The token to send next, if the endpoint returned one.
    pub next_sequence_token: Option<String>,
    /// Events the endpoint did not store.
    pub rejected: RejectedEvents,
}

/// `rejectedLogEventsInfo`: which events of an accepted request were not stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RejectedEvents {
    /// Events at this index and after were too far in the future.
    pub too_new_start: Option<usize>,
    /// Events before this index were too old.
    pub too_old_end: Option<usize>,
    /// Events before this index were older than the group's retention.
    pub expired_end: Option<usize>,
}

/// Why a call failed, reduced to what the retry decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    /// Where the call failed.
    pub kind: ErrorKind,
    /// The service's error code (`ThrottlingException`, ...), when it answered with one.
    pub code: Option<String>,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Human-readable detail.
    pub message: String,
    /// `expectedSequenceToken` of `InvalidSequenceTokenException` / `DataAlreadyAcceptedException`.
    pub expected_sequence_token: Option<String>,
}

/// Where a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl<E, R> From<SdkError<E, R>> for ClientError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug + HasStatus,
{
    fn from(err: SdkError<E, R>) -> Self {
        let detail = aws_smithy_types::error::display::DisplayErrorContext(&err).to_string();
        match &err {
            SdkError::ServiceError(service) => ClientError {
                kind: ErrorKind::Service,
                code: service.err().code().map(str::to_owned),
                status: Some(service.raw().status_code()),
                message: service.err().message().unwrap_or(&detail).to_owned(),
                expected_sequence_token: None,
            },
            SdkError::TimeoutError(_) => ClientError::transport(ErrorKind::Timeout, detail),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                ClientError::transport(ErrorKind::Timeout, detail)
            }
            SdkError::DispatchFailure(_) => ClientError::transport(ErrorKind::Dispatch, detail),
            SdkError::ResponseError(response) => ClientError {
                status: Some(response.raw().status_code()),
                ..ClientError::transport(ErrorKind::Response, detail)
            },
            _ => ClientError::transport(ErrorKind::Construction, detail),
        }
    }
}

/// The HTTP status of a raw response, whatever the response type.
pub trait HasStatus {
    /// The status code.
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

fn put_error(
    err: SdkError<PutLogEventsError, aws_smithy_runtime_api::http::Response>,
) -> ClientError {
    let expected = match &err {
        SdkError::ServiceError(service) => match service.err() {
            PutLogEventsError::InvalidSequenceTokenException(e) => e.expected_sequence_token(),
            PutLogEventsError::DataAlreadyAcceptedException(e) => e.expected_sequence_token(),
            _ => None,
        }
        .map(str::to_owned),
        _ => None,
    };
    ClientError {
        expected_sequence_token: expected,
        ..ClientError::from(err)
    }
}

fn no_sdk_retries() -> aws_sdk_cloudwatchlogs::config::Builder {
    aws_sdk_cloudwatchlogs::config::Builder::default().retry_config(RetryConfig::disabled())
}

impl LogsClient for aws_sdk_cloudwatchlogs::Client {
    fn put_log_events<'a>(
        &'a self,
        request: PutLogEventsRequest<'a>,
    ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>> {
        Box::pin(async move {
            // The SDK takes owned events, so each attempt copies the batch once.
            let events = request
                .events
                .iter()
                .map(|e| {
                    InputLogEvent::builder()
                        .timestamp(e.timestamp)
                        .message(e.message.clone())
                        .build()
                        .map_err(|b| ClientError::transport(ErrorKind::Construction, b.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .put_log_events()
                .log_group_name(request.log_group)
                .log_stream_name(request.log_stream)
                .set_log_events(Some(events))
                .set_sequence_token(request.sequence_token.map(str::to_owned))
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map_err(put_error)?;
            let rejected = output
                .rejected_log_events_info()
                .map(|info| RejectedEvents {
                    too_new_start: info.too_new_log_event_start_index().map(index),
                    too_old_end: info.too_old_log_event_end_index().map(index),
                    expired_end: info.expired_log_event_end_index().map(index),
                })
                .unwrap_or_default();
            Ok(PutLogEventsResponse {
                next_sequence_token: output.next_sequence_token().map(str::to_owned),
                rejected,
            })
        })
    }

    fn create_log_group<'a>(&'a self, group: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            self.create_log_group()
                .log_group_name(group)
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map(drop)
                .map_err(ClientError::from)
        })
    }

    fn create_log_stream<'a>(
        &'a self,
        group: &'a str,
        stream: &'a str,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            self.create_log_stream()
                .log_group_name(group)
                .log_stream_name(stream)
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .await
                .map(drop)
                .map_err(ClientError::from)
        })
    }

    fn put_retention_policy<'a>(
        &'a self,
        group: &'a str,
        days: i32,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            self.put_retention_policy()
                .log_group_name(group)
                .retention_in_days(days)
                .send()
                .await
                .map(drop)
                .map_err(ClientError::from)
        })
    }
}

fn index(i: i32) -> usize {
    usize::try_from(i).unwrap_or(0)
}

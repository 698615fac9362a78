//! [`LogsClient`] for the AWS SDK's CloudWatch Logs client (feature `aws-sdk`), and the
//! conversion of any SDK error into the worker's [`ClientError`].
//!
//! Kept apart from `client.rs` so that the Layer and the worker build without any AWS crate.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;

use crate::client::{
    BoxFuture, ClientError, ErrorKind, LogsClient, PutLogEventsRequest, PutLogEventsResponse,
    RejectedEvents,
};
use crate::put_body::put_log_events_body;

/// Reduces an SDK error to what the retry decision needs: the service's code and HTTP status,
/// or where the call failed when there was no answer. Useful to a [`LogsClient`] that wraps
/// the SDK client.
impl<E> From<SdkError<E, HttpResponse>> for ClientError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn from(err: SdkError<E, HttpResponse>) -> Self {
        let detail = causes(&err);
        match &err {
            SdkError::ServiceError(service) => ClientError {
                kind: ErrorKind::Service,
                code: service.err().code().map(str::to_owned),
                status: Some(service.raw().status().as_u16()),
                message: service.err().message().unwrap_or(&detail).to_owned(),
                expected_sequence_token: None,
            },
            SdkError::TimeoutError(_) => ClientError::transport(ErrorKind::Timeout, detail),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                ClientError::transport(ErrorKind::Timeout, detail)
            }
            SdkError::DispatchFailure(_) if missing_credentials(&err) => {
                ClientError::transport(ErrorKind::Construction, detail)
            }
            SdkError::DispatchFailure(_) => ClientError::transport(ErrorKind::Dispatch, detail),
            SdkError::ResponseError(response) => ClientError {
                status: Some(response.raw().status().as_u16()),
                ..ClientError::transport(ErrorKind::Response, detail)
            },
            _ => ClientError::transport(ErrorKind::Construction, detail),
        }
    }
}

/// Whether the call failed because no credentials could be found, which the SDK reports as
/// a failed dispatch: retrying cannot help until the environment changes, so the batch is
/// dropped and counted at once (with a line on stderr) instead of being retried for
/// `max_retry_duration`. A provider that timed out or failed for a reason of its own (an
/// instance metadata service that did not answer) may succeed later and is retried.
fn missing_credentials(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if let Some(credentials) = err.downcast_ref::<CredentialsError>() {
            return matches!(
                credentials,
                CredentialsError::CredentialsNotLoaded(_)
                    | CredentialsError::InvalidConfiguration(_)
            );
        }
        cause = err.source();
    }
    false
}

/// The error and its causes, `outer: cause: root`, on one line: the worker reports it in
/// its own events and metrics, where the debug representation `DisplayErrorContext`
/// appends (a page of nested structs) would bury it. A cause whose text its parent already
/// carries is left out.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = String::new();
    let mut cause = Some(err);
    while let Some(err) = cause {
        // Some causes (the default credentials chain's) span lines.
        let text = err
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() && !line.contains(text.as_str()) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        cause = err.source();
    }
    line
}

fn put_error(err: SdkError<PutLogEventsError, HttpResponse>) -> ClientError {
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
    fn configuration_problem(&self) -> Option<String> {
        // Every call is signed for a region: without one, each would fail the same way.
        self.config().region().is_none().then(|| {
            "the CloudWatch Logs client has no AWS region: set AWS_REGION (or a region in the \
             AWS profile), or give its config one with .region(..)"
                .to_owned()
        })
    }

    fn put_log_events<'a>(
        &'a self,
        request: PutLogEventsRequest<'a>,
    ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>> {
        Box::pin(async move {
            // The body is written here, not by the SDK (see `put_body`): the SDK is given no
            // events, and its body is replaced before the request is signed, so the
            // signature covers this one.
            let body = SdkBody::from(put_log_events_body(&request));
            let length = body.content_length().unwrap_or_default().to_string();
            let output = self
                .put_log_events()
                .log_group_name(request.log_group)
                .log_stream_name(request.log_stream)
                .set_log_events(Some(Vec::new()))
                .set_sequence_token(request.sequence_token.map(str::to_owned))
                .customize()
                .config_override(no_sdk_retries())
                .mutate_request(move |http| {
                    // In memory, so a clone shares the bytes.
                    if let Some(body) = body.try_clone() {
                        *http.body_mut() = body;
                        http.headers_mut().insert("content-length", length.clone());
                    }
                })
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    #[test]
    fn a_failed_call_is_described_by_its_causes_without_debug_output() {
        let refused: SdkError<PutLogEventsError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "Connection refused (os error 111)",
            ))));
        let error = ClientError::from(refused);
        assert_eq!(error.kind, ErrorKind::Dispatch);
        assert!(
            error.message.contains("Connection refused (os error 111)"),
            "{}",
            error.message
        );
        assert!(!error.message.contains('{'), "{}", error.message);
    }

    fn failed_dispatch(cause: CredentialsError) -> ClientError {
        let error: SdkError<PutLogEventsError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(cause), None));
        ClientError::from(error)
    }

    #[test]
    fn missing_credentials_are_not_retried_but_a_provider_that_timed_out_is() {
        let missing = failed_dispatch(CredentialsError::not_loaded(
            "no providers in chain provided credentials:\n  Environment: not set\n  Profile: none",
        ));
        assert_eq!(missing.kind, ErrorKind::Construction);
        assert!(!missing.message.contains('\n'), "{}", missing.message);
        let invalid = failed_dispatch(CredentialsError::invalid_configuration("bad profile"));
        assert_eq!(invalid.kind, ErrorKind::Construction);
        let slow = failed_dispatch(CredentialsError::provider_timed_out(
            std::time::Duration::from_secs(5),
        ));
        assert_eq!(slow.kind, ErrorKind::Dispatch);
    }

    #[test]
    fn a_client_without_a_region_is_refused_at_build() {
        let config = aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
            .build();
        let client = aws_sdk_cloudwatchlogs::Client::from_conf(config);
        let problem = client.configuration_problem().expect("no region");
        assert!(problem.contains("AWS_REGION"), "{problem}");
        let err = crate::builder()
            .log_group("/g")
            .service("s")
            .build(client)
            .unwrap_err();
        assert!(err.to_string().contains("AWS_REGION"), "{err}");
    }
}

//! Which AWS errors are worth retrying: the invocation fails on them so that Lambda retries
//! it, which is safe because every write is idempotent.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Error codes AWS uses for throttling and transient capacity problems
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>).
pub const TRANSIENT_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "KMSThrottlingException",
];

/// Whether `code` names a transient condition.
pub fn is_transient_code(code: &str) -> bool {
    TRANSIENT_CODES.contains(&code)
}

/// Throttling, 5xx, timeouts and connection failures are transient; a request the service
/// rejected for what it is (validation, access denied, missing table) is not.
pub fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            service.raw().status().is_server_error()
                || service.err().code().is_some_and(is_transient_code)
        }
        _ => false,
    }
}

/// One line for logs and error messages: the code and message when the service gave them,
/// else the error's chain of causes ([`logpipe_aws::describe_error`]: the SDK's own
/// `DisplayErrorContext` appends debug dumps of every layer).
pub fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E, HttpResponse>,
) -> String {
    match err {
        SdkError::ServiceError(service)
            if service.err().code().is_some() || service.err().message().is_some() =>
        {
            format!(
                "{}: {}",
                service.err().code().unwrap_or("unknown error"),
                service.err().message().unwrap_or("no message")
            )
        }
        // A reply the SDK could not read a code from (some emulators answer so): its status
        // is all there is to go on.
        SdkError::ServiceError(service) => format!(
            "{} (HTTP status {})",
            logpipe_aws::describe_error(err),
            service.raw().status().as_u16()
        ),
        other => logpipe_aws::describe_error(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: &str, status: u16) -> SdkError<PutItemError, HttpResponse> {
        let err = PutItemError::generic(ErrorMetadata::builder().code(code).message("m").build());
        let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(err, raw)
    }

    #[test]
    fn throttling_and_5xx_are_transient() {
        assert!(is_transient(&service_error("ThrottlingException", 400)));
        assert!(is_transient(&service_error(
            "ProvisionedThroughputExceededException",
            400
        )));
        assert!(is_transient(&service_error("Whatever", 503)));
        assert!(is_transient(
            &SdkError::<PutItemError, HttpResponse>::timeout_error("slow")
        ));
    }

    #[test]
    fn client_errors_are_not() {
        assert!(!is_transient(&service_error("ValidationException", 400)));
        assert!(!is_transient(&service_error(
            "ResourceNotFoundException",
            400
        )));
        assert!(!is_transient(&service_error("AccessDeniedException", 400)));
        assert!(!is_transient(
            &SdkError::<PutItemError, HttpResponse>::construction_failure("bad input")
        ));
    }

    #[test]
    fn describe_names_the_code() {
        assert_eq!(
            describe(&service_error("ThrottlingException", 400)),
            "ThrottlingException: m"
        );
    }

    #[test]
    fn describe_prints_causes_without_debug_dumps() {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err = SdkError::<PutItemError, HttpResponse>::dispatch_failure(ConnectorError::io(
            Box::new(refused),
        ));
        let text = describe(&err);
        assert!(text.starts_with("dispatch failure"), "{text}");
        assert!(text.contains("connection refused"), "{text}");
        assert!(
            !text.contains('{') && !text.contains("ConnectorError"),
            "{text}"
        );
    }

    #[test]
    fn describe_without_code_or_message_gives_the_status() {
        let err = PutItemError::generic(ErrorMetadata::builder().build());
        let raw = HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::empty());
        let text = describe(&SdkError::service_error(err, raw));
        assert!(!text.contains("unknown error: no message"), "{text}");
        assert!(text.contains("HTTP status 400"), "{text}");
    }
}

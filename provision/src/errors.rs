//! AWS errors as users should read them: which resource, what AWS said, what to do next.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What to do about an error code AWS returned (pure, so it can be tested without AWS).
pub fn hint(code: Option<&str>) -> &'static str {
    match code.unwrap_or_default() {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthorizationError" => {
            "the credentials in use lack this permission: grant it to them, or run with a profile \
             that has it (AWS_PROFILE=...)"
        }
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch" => {
            "the credentials are invalid or expired: refresh them (e.g. `aws sso login`) and run again"
        }
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded" => {
            "AWS is throttling requests: wait a minute and run again; finished steps are not repeated"
        }
        "ResourceConflictException" | "ResourceInUseException" | "OperationAbortedException" => {
            "the resource is busy with a previous change: wait a minute and run again"
        }
        "LimitExceeded" | "LimitExceededException" | "ServiceQuotaExceededException" => {
            "an account or resource quota is reached: free some capacity or ask for a quota \
             increase, then run again"
        }
        "InvalidParameterValueException"
        | "InvalidParameterException"
        | "ValidationException"
        | "ValidationError"
        | "MalformedPolicyDocument" => {
            "AWS rejected a value: check the options given to provision; if they look right, this \
             is a bug in provision"
        }
        _ => "fix the cause above and run again: finished steps are not repeated",
    }
}

/// Wraps an SDK error with the resource it concerns and a hint.
pub fn aws<E, R>(err: SdkError<E, R>, doing: impl std::fmt::Display) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let endpoint = endpoint();
    let message = match (&err, err.code()) {
        (_, Some(code)) => format!(
            "{code}: {}",
            sentence(err.message().unwrap_or("no message"))
        ),
        (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), None) => {
            return anyhow::anyhow!(
                "{doing}: could not reach AWS{endpoint} ({}). Check the network, the region \
                 and AWS_ENDPOINT_URL, then run again",
                logpipe_aws::describe_error(&err)
            );
        }
        (SdkError::ServiceError(_) | SdkError::ResponseError(_), None) => {
            return anyhow::anyhow!(
                "{doing}: the endpoint{endpoint} answered, but not as AWS does ({}). Check \
                 that AWS_ENDPOINT_URL points at AWS or at an emulator of this service",
                logpipe_aws::describe_error(&err)
            );
        }
        (_, None) => sentence(&logpipe_aws::describe_error(&err)).to_string(),
    };
    anyhow::anyhow!("{doing}: {message}. What to do: {}", hint(err.code()))
}

/// AWS's message without its final period (`... already exists.`), which the sentence that
/// follows it brings.
fn sentence(message: &str) -> &str {
    message.trim_end().trim_end_matches('.')
}

/// ` at <url>` when `AWS_ENDPOINT_URL` sends every call somewhere else than AWS.
fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .map(|url| format!(" at {url}"))
        .unwrap_or_default()
}

/// Like [`aws`], for the CloudWatch dashboard calls: `aws-sdk-cloudwatch` speaks Smithy's
/// RPC v2 CBOR protocol, which moto and other emulators do not serve. Their answer (an HTML
/// 404 page) cannot be decoded (`unexpected type 0x3c at position 0: expected map`), so an
/// answer without an error code becomes one line that says which flag avoids the call.
pub fn dashboard<E, R>(err: SdkError<E, R>, doing: impl std::fmt::Display) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let answered_unreadably = err.code().is_none()
        && matches!(err, SdkError::ServiceError(_) | SdkError::ResponseError(_));
    if !answered_unreadably {
        return aws(err, doing);
    }
    let endpoint = endpoint();
    anyhow::anyhow!(
        "{doing}: the endpoint{endpoint} did not answer in CloudWatch's dashboard protocol \
         (Smithy RPC v2 CBOR; moto does not serve it). Run again with --no-dashboard \
         (or LOGPIPE_NO_DASHBOARD=true) to leave the dashboard out"
    )
}

/// Whether an SDK error is the service saying the resource does not exist.
pub fn is_missing<E, R>(err: &SdkError<E, R>, missing: impl Fn(&E) -> bool) -> bool {
    err.as_service_error().is_some_and(missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::create_function::CreateFunctionError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: &str, message: &str) -> SdkError<CreateFunctionError, Response> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        SdkError::service_error(
            CreateFunctionError::generic(meta),
            Response::new(StatusCode::try_from(400).unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn errors_name_the_resource_and_the_remedy() {
        let err = aws(
            service_error("AccessDeniedException", "no lambda:CreateFunction"),
            "creating Lambda function logpipe-analyzer",
        );
        let text = err.to_string();
        assert!(text.starts_with("creating Lambda function logpipe-analyzer: AccessDeniedException: no lambda:CreateFunction."), "{text}");
        assert!(text.contains("AWS_PROFILE"), "{text}");
    }

    #[test]
    fn an_endpoint_without_the_dashboard_protocol_says_to_use_no_dashboard() {
        // What moto answers to GetDashboard: an HTML page the CBOR decoder cannot read.
        let unreadable: SdkError<CreateFunctionError, Response> = SdkError::service_error(
            CreateFunctionError::unhandled("unexpected type 0x3c at position 0: expected map"),
            Response::new(
                StatusCode::try_from(404).unwrap(),
                SdkBody::from("<!doctype html>"),
            ),
        );
        let text = dashboard(unreadable, "reading dashboard logpipe-incidents").to_string();
        assert!(text.contains("--no-dashboard"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        // A real service error keeps its code and the usual advice.
        let denied = dashboard(
            service_error("AccessDeniedException", "no cloudwatch:GetDashboard"),
            "reading dashboard logpipe-incidents",
        )
        .to_string();
        assert!(denied.contains("AccessDeniedException"), "{denied}");
        assert!(!denied.contains("--no-dashboard"), "{denied}");
    }

    #[test]
    fn a_message_ending_in_a_period_gets_no_second_one() {
        // What IAM answers to the CreateRole of a second `up` running at the same time.
        let err = aws(
            service_error(
                "EntityAlreadyExists",
                "Role with name logpipe-analyzer-role already exists. ",
            ),
            "creating IAM role logpipe-analyzer-role",
        );
        let text = err.to_string();
        assert!(!text.contains(".."), "{text}");
        assert!(
            text.contains("EntityAlreadyExists: Role with name logpipe-analyzer-role already exists. What to do: "),
            "{text}"
        );
    }

    #[test]
    fn every_code_gets_some_advice() {
        assert!(hint(Some("ExpiredToken")).contains("refresh"));
        assert!(hint(Some("ResourceConflictException")).contains("wait"));
        assert!(hint(None).contains("run again"));
    }

    #[test]
    fn unreachable_and_foreign_endpoints_are_one_plain_line() {
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let refused: SdkError<CreateFunctionError, Response> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "tcp connect error: Connection refused (os error 111)",
            ))));
        let text = aws(refused, "reading DynamoDB table logpipe-Incidents").to_string();
        assert!(text.contains("could not reach AWS"), "{text}");
        assert!(text.contains("Connection refused"), "{text}");
        assert!(
            !text.contains("DispatchFailure {") && !text.contains("ConnectorError {"),
            "{text}"
        );

        // A web server that is not AWS: an answer without an error code.
        let html: SdkError<CreateFunctionError, Response> = SdkError::service_error(
            CreateFunctionError::unhandled("unexpected token '<'"),
            Response::new(
                StatusCode::try_from(404).unwrap(),
                SdkBody::from("<!DOCTYPE HTML>"),
            ),
        );
        let text = aws(html, "reading SNS topic logpipe-alerts").to_string();
        assert!(text.contains("answered, but not as AWS does"), "{text}");
        assert!(text.contains("AWS_ENDPOINT_URL"), "{text}");
        assert!(
            !text.contains("finished steps") && !text.contains("SdkBody"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }
}

//! What to do after a failed `PutLogEvents`: a pure decision over the error, and the backoff.

use std::time::Duration;

use crate::client::{ClientError, ErrorKind};

/// What the worker does with a batch after a failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait (exponential backoff, full jitter) and send the same batch again.
    Retry {
        /// The endpoint asked us to slow down (counted apart in metrics).
        throttled: bool,
    },
    /// The group or stream is gone: create it, then send again.
    CreateAndRetry,
    /// A previous attempt of this batch was stored: done (adopting the token, if any).
    AlreadyAccepted,
    /// The endpoint enforces sequence tokens: send again at once with this one.
    AdoptToken(Option<String>),
    /// Sending again cannot succeed: count the events as dropped.
    GiveUp(GiveUpReason),
}

/// Why a batch is given up without retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUpReason {
    /// The request itself is wrong (`InvalidParameterException`, ...).
    Invalid,
    /// Credentials are missing, wrong or not allowed to write: a human must act.
    Unauthorized,
}

const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
];

const UNAVAILABLE_CODES: &[&str] = &[
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServerError",
    "RequestTimeout",
    "RequestTimeoutException",
];

const AUTH_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "ExpiredTokenException",
    "ExpiredToken",
    "IncompleteSignature",
    "IncompleteSignatureException",
];

/// Classifies a failed `PutLogEvents`.
pub(crate) fn classify(err: &ClientError) -> Decision {
    match err.kind {
        ErrorKind::Timeout | ErrorKind::Dispatch => return Decision::Retry { throttled: false },
        ErrorKind::Construction => return Decision::GiveUp(GiveUpReason::Invalid),
        ErrorKind::Response | ErrorKind::Service => {}
    }
    let code = err.code.as_deref().unwrap_or_default();
    if THROTTLING_CODES.contains(&code) || err.status == Some(429) {
        return Decision::Retry { throttled: true };
    }
    match code {
        "ResourceNotFoundException" => return Decision::CreateAndRetry,
        "DataAlreadyAcceptedException" => return Decision::AlreadyAccepted,
        "InvalidSequenceTokenException" => {
            return Decision::AdoptToken(err.expected_sequence_token.clone());
        }
        _ => {}
    }
    if AUTH_CODES.contains(&code) || matches!(err.status, Some(401 | 403)) {
        return Decision::GiveUp(GiveUpReason::Unauthorized);
    }
    if UNAVAILABLE_CODES.contains(&code) || err.status.is_some_and(|s| s >= 500) {
        return Decision::Retry { throttled: false };
    }
    if err.kind == ErrorKind::Response {
        // An unreadable answer without a 5xx status: a proxy or a truncated body. Retrying
        // is safe, the time bound keeps it finite.
        return Decision::Retry { throttled: false };
    }
    Decision::GiveUp(GiveUpReason::Invalid)
}

/// Backoff before retry number `attempt` (0 for the first retry): a uniformly random
/// duration between zero and `min(cap, base * 2^attempt)` ("full jitter", which spreads
/// retries of many clients best; see the AWS Architecture Blog, "Exponential Backoff And
/// Jitter"). `unit` is a random number in `[0, 1)`.
pub(crate) fn backoff(attempt: u32, base: Duration, cap: Duration, unit: f64) -> Duration {
    let ceiling = base
        .checked_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
        .unwrap_or(cap)
        .min(cap);
    ceiling.mul_f64(unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, status: u16) -> ClientError {
        ClientError::service(code, status, "fabricated")
    }

    #[test]
    fn throttling_and_server_errors_are_retried() {
        for (code, status, throttled) in [
            ("ThrottlingException", 400, true),
            ("", 429, true),
            ("ServiceUnavailableException", 503, false),
            ("InternalFailure", 500, false),
            ("SomethingNew", 502, false),
        ] {
            assert_eq!(
                classify(&service(code, status)),
                Decision::Retry { throttled },
                "{code}"
            );
        }
    }

    #[test]
    fn transport_failures_are_retried() {
        for kind in [ErrorKind::Timeout, ErrorKind::Dispatch, ErrorKind::Response] {
            let err = ClientError::transport(kind, "connection reset");
            assert_eq!(classify(&err), Decision::Retry { throttled: false });
        }
    }

    #[test]
    fn a_missing_stream_is_created() {
        assert_eq!(
            classify(&service("ResourceNotFoundException", 400)),
            Decision::CreateAndRetry
        );
    }

    #[test]
    fn already_accepted_is_success() {
        assert_eq!(
            classify(&service("DataAlreadyAcceptedException", 400)),
            Decision::AlreadyAccepted
        );
    }

    #[test]
    fn the_expected_token_is_adopted() {
        let err = ClientError {
            expected_sequence_token: Some("49590".into()),
            ..service("InvalidSequenceTokenException", 400)
        };
        assert_eq!(classify(&err), Decision::AdoptToken(Some("49590".into())));
    }

    #[test]
    fn bad_requests_and_credentials_are_not_retried() {
        assert_eq!(
            classify(&service("InvalidParameterException", 400)),
            Decision::GiveUp(GiveUpReason::Invalid)
        );
        // The JSON protocol's codes carry `Exception` (as the strict endpoint answers).
        for code in [
            "AccessDeniedException",
            "UnrecognizedClientException",
            "ExpiredTokenException",
            "InvalidSignatureException",
            "MissingAuthenticationTokenException",
            "IncompleteSignatureException",
        ] {
            assert_eq!(
                classify(&service(code, 400)),
                Decision::GiveUp(GiveUpReason::Unauthorized)
            );
        }
        assert_eq!(
            classify(&service("", 403)),
            Decision::GiveUp(GiveUpReason::Unauthorized)
        );
        let construction = ClientError::transport(ErrorKind::Construction, "no region");
        assert_eq!(
            classify(&construction),
            Decision::GiveUp(GiveUpReason::Invalid)
        );
    }

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(10);
        assert_eq!(
            backoff(0, base, cap, 0.999_999),
            Duration::from_millis(100).mul_f64(0.999_999)
        );
        assert_eq!(backoff(3, base, cap, 0.5), Duration::from_millis(400));
        assert_eq!(backoff(10, base, cap, 0.5), Duration::from_secs(5));
        assert_eq!(backoff(40, base, cap, 1.0), cap);
        assert_eq!(backoff(5, base, cap, 0.0), Duration::ZERO);
    }
}

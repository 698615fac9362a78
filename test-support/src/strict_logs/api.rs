//! The AWS JSON 1.1 wire format: operation names, request bodies, error and success bodies.
//!
//! Errors follow what the Rust SDK parses (`aws-sdk-cloudwatchlogs`' `json_errors.rs`): the
//! code from the `x-amzn-errortype` header or the body's `__type`, the text from `message`,
//! and modeled members such as `expectedSequenceToken` from the body.

use super::limits::LogEvent;
use serde::Deserialize;
use serde_json::{Value, json};

/// `X-Amz-Target` prefix of CloudWatch Logs.
pub(crate) const TARGET_PREFIX: &str = "Logs_20140328.";
/// Content type of every request and response.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The operations the endpoint knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    CreateLogGroup,
    CreateLogStream,
    PutRetentionPolicy,
    DeleteLogStream,
    DeleteLogGroup,
    DescribeLogStreams,
    PutLogEvents,
}

impl Operation {
    /// Parses an `X-Amz-Target` header value.
    pub(crate) fn from_target(target: &str) -> Option<Operation> {
        Some(match target.strip_prefix(TARGET_PREFIX)? {
            "CreateLogGroup" => Operation::CreateLogGroup,
            "CreateLogStream" => Operation::CreateLogStream,
            "PutRetentionPolicy" => Operation::PutRetentionPolicy,
            "DeleteLogStream" => Operation::DeleteLogStream,
            "DeleteLogGroup" => Operation::DeleteLogGroup,
            "DescribeLogStreams" => Operation::DescribeLogStreams,
            "PutLogEvents" => Operation::PutLogEvents,
            _ => return None,
        })
    }
}

/// `PutLogEvents` request (the optional `entity` member is ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PutLogEventsRequest {
    pub(crate) log_group_name: String,
    pub(crate) log_stream_name: String,
    pub(crate) log_events: Vec<LogEvent>,
    #[serde(default)]
    pub(crate) sequence_token: Option<String>,
}

/// Requests naming a group (`CreateLogGroup`, `DeleteLogGroup`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupRequest {
    pub(crate) log_group_name: String,
}

/// Requests naming a stream (`CreateLogStream`, `DeleteLogStream`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StreamRequest {
    pub(crate) log_group_name: String,
    pub(crate) log_stream_name: String,
}

/// `PutRetentionPolicy` request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RetentionRequest {
    pub(crate) log_group_name: String,
    pub(crate) retention_in_days: i64,
}

/// `DescribeLogStreams` request (ordering by `LastEventTime` is not modelled).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeLogStreamsRequest {
    #[serde(default)]
    pub(crate) log_group_name: Option<String>,
    #[serde(default)]
    pub(crate) log_group_identifier: Option<String>,
    #[serde(default)]
    pub(crate) log_stream_name_prefix: Option<String>,
    #[serde(default)]
    pub(crate) descending: Option<bool>,
    #[serde(default)]
    pub(crate) next_token: Option<String>,
    #[serde(default)]
    pub(crate) limit: Option<i64>,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// `expectedSequenceToken`, for the two token errors (omitted when `None`).
    pub(crate) expected_token: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            expected_token: None,
        }
    }

    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterException", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(400, "ResourceNotFoundException", message)
    }

    pub(crate) fn already_exists(message: impl Into<String>) -> Self {
        Self::new(400, "ResourceAlreadyExistsException", message)
    }

    pub(crate) fn serialization(message: impl Into<String>) -> Self {
        Self::new(400, "SerializationException", message)
    }

    pub(crate) fn unknown_operation(target: &str) -> Self {
        Self::new(
            400,
            "UnknownOperationException",
            format!("unknown operation {target:?}"),
        )
    }

    pub(crate) fn invalid_sequence_token(expected: Option<String>) -> Self {
        let message = format!(
            "The given sequenceToken is invalid. The next expected sequenceToken is: {}",
            expected.as_deref().unwrap_or("null")
        );
        ApiError {
            expected_token: expected,
            ..Self::new(400, "InvalidSequenceTokenException", message)
        }
    }

    pub(crate) fn data_already_accepted(expected: Option<String>) -> Self {
        let message = format!(
            "The given batch of log events has already been accepted. The next batch can be \
             sent with sequenceToken: {}",
            expected.as_deref().unwrap_or("null")
        );
        ApiError {
            expected_token: expected,
            ..Self::new(400, "DataAlreadyAcceptedException", message)
        }
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Vec<u8> {
        let mut body = json!({ "__type": self.code, "message": self.message });
        if let Some(token) = &self.expected_token {
            body["expectedSequenceToken"] = Value::String(token.clone());
        }
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// Parses a request body, mapping bad JSON to `SerializationException`.
pub(crate) fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::serialization(e.to_string()))
}

/// The success body of `PutLogEvents`.
pub(crate) fn put_log_events_body(
    next_token: &str,
    too_old_end: usize,
    expired_end: usize,
    too_new_start: Option<usize>,
) -> Value {
    let mut rejected = serde_json::Map::new();
    if too_old_end > 0 {
        rejected.insert("tooOldLogEventEndIndex".into(), too_old_end.into());
    }
    if expired_end > 0 {
        rejected.insert("expiredLogEventEndIndex".into(), expired_end.into());
    }
    if let Some(start) = too_new_start {
        rejected.insert("tooNewLogEventStartIndex".into(), start.into());
    }
    let mut body = json!({ "nextSequenceToken": next_token });
    if !rejected.is_empty() {
        body["rejectedLogEventsInfo"] = Value::Object(rejected);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Operation::from_target("Logs_20140328.PutLogEvents"),
            Some(Operation::PutLogEvents)
        );
        assert_eq!(Operation::from_target("Logs_20140328.GetLogEvents"), None);
        assert_eq!(Operation::from_target("PutLogEvents"), None);
    }

    #[test]
    fn error_bodies() {
        let body: Value =
            serde_json::from_slice(&ApiError::invalid_sequence_token(Some("42".into())).body())
                .unwrap();
        assert_eq!(body["__type"], "InvalidSequenceTokenException");
        assert_eq!(body["expectedSequenceToken"], "42");
        let body: Value = serde_json::from_slice(&ApiError::not_found("gone").body()).unwrap();
        assert_eq!(
            body,
            json!({"__type": "ResourceNotFoundException", "message": "gone"})
        );
    }

    #[test]
    fn parses_the_sdk_request_shape() {
        let req: PutLogEventsRequest = parse(
            br#"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}],"entity":{"keyAttributes":{}}}"#,
        )
        .unwrap();
        assert_eq!(req.log_events.len(), 1);
        assert_eq!(req.sequence_token, None);
        let err = parse::<PutLogEventsRequest>(b"{").unwrap_err();
        assert_eq!(err.code, "SerializationException");
    }

    #[test]
    fn put_body_only_names_rejections() {
        assert_eq!(
            put_log_events_body("7", 0, 0, None),
            json!({"nextSequenceToken": "7"})
        );
        assert_eq!(
            put_log_events_body("7", 2, 3, Some(5)),
            json!({"nextSequenceToken": "7", "rejectedLogEventsInfo": {
                "tooOldLogEventEndIndex": 2, "expiredLogEventEndIndex": 3, "tooNewLogEventStartIndex": 5}})
        );
    }
}

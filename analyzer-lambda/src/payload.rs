//! The CloudWatch Logs subscription payload: `{"awslogs":{"data":"<base64 of gzip of JSON>"}}`.
//!
//! Decoded here rather than by the runtime's deserializer so that a poisonous payload (bad
//! base64, bad or truncated gzip, a decompression bomb, not JSON) becomes a counted
//! [`DecodeError`] inside the handler instead of an error before it on every retry.
//! The types are our own because `aws_lambda_events`' `LogData` is `#[non_exhaustive]`:
//! replay and the tests need to build payloads, not only read them.
//!
//! Format: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#LambdaFunctionExample>

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

mod read;

/// Default cap on the decompressed payload. CloudWatch delivers at most 1 MiB of log events
/// per invocation (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html>),
/// plus JSON framing; anything much bigger is not a subscription delivery.
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 8 * 1024 * 1024;

/// `messageType` of a delivery carrying log events.
pub const DATA_MESSAGE: &str = "DATA_MESSAGE";
/// `messageType` CloudWatch sends to check that the destination is reachable; it carries one
/// event with an empty id and no application data.
pub const CONTROL_MESSAGE: &str = "CONTROL_MESSAGE";

/// The decoded `awslogs.data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsPayload {
    /// The AWS account that owns the log group.
    #[serde(default)]
    pub owner: String,
    /// The source log group.
    pub log_group: String,
    /// The source log stream.
    pub log_stream: String,
    /// The subscription filters that matched.
    #[serde(default)]
    pub subscription_filters: Vec<String>,
    /// [`DATA_MESSAGE`] or [`CONTROL_MESSAGE`].
    pub message_type: String,
    /// The log events, in the order CloudWatch put them.
    #[serde(default)]
    pub log_events: Vec<LogEvent>,
}

impl LogsPayload {
    /// Whether this is a [`CONTROL_MESSAGE`] to be skipped.
    pub fn is_control(&self) -> bool {
        self.message_type == CONTROL_MESSAGE
    }
}

/// One log event of a [`LogsPayload`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    /// CloudWatch's id of the event (empty in a [`CONTROL_MESSAGE`]).
    pub id: String,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The raw log line.
    pub message: String,
}

/// Why a payload could not be decoded. Each is counted as a parse failure, never retried.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The event is not `{"awslogs":{"data":"..."}}`.
    #[error("the event is not a CloudWatch Logs subscription payload (no awslogs.data string)")]
    NotSubscription,
    /// `awslogs.data` is not base64.
    #[error("awslogs.data is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// The bytes are not a complete gzip stream.
    #[error("awslogs.data is not valid gzip: {0}")]
    Gzip(#[source] std::io::Error),
    /// The decompressed data exceeds the configured cap.
    #[error("awslogs.data decompresses to more than {limit} bytes; refusing it")]
    TooLarge {
        /// The cap that was exceeded.
        limit: usize,
    },
    /// The decompressed data is not the expected JSON document.
    #[error("awslogs.data is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl DecodeError {
    /// A short stable name for summaries and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::NotSubscription => "not_subscription",
            DecodeError::Base64(_) => "base64",
            DecodeError::Gzip(_) => "gzip",
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Json(_) => "json",
        }
    }
}

/// Decodes a raw Lambda event, reading at most `max_decompressed` bytes out of the gzip stream.
pub fn decode_event(
    event: &serde_json::Value,
    max_decompressed: usize,
) -> Result<LogsPayload, DecodeError> {
    let data = event
        .get("awslogs")
        .and_then(|a| a.get("data"))
        .and_then(|d| d.as_str())
        .ok_or(DecodeError::NotSubscription)?;
    decode_data(data, max_decompressed)
}

/// Decodes `awslogs.data` (base64 of gzip of JSON) with a cap on the decompressed size.
pub fn decode_data(data: &str, max_decompressed: usize) -> Result<LogsPayload, DecodeError> {
    let compressed = STANDARD.decode(data.trim())?;
    // Sized once from the gzip trailer (ISIZE, the input's length mod 2^32, RFC 1952 §2.3.1)
    // rather than grown by doubling, which copied megabytes and churned the allocator; the
    // trailer is only a hint (anyone can write it), hence the cap.
    let hint = compressed
        .last_chunk::<4>()
        .map_or(0, |isize| u32::from_le_bytes(*isize) as usize);
    let mut json = Vec::with_capacity(hint.min(max_decompressed) + 1);
    // Reading one byte past the cap tells "exactly at the cap" from "over it" without ever
    // holding more than cap + 1 bytes of a bomb.
    let limit = u64::try_from(max_decompressed)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    GzDecoder::new(compressed.as_slice())
        .take(limit)
        .read_to_end(&mut json)
        .map_err(DecodeError::Gzip)?;
    if json.len() > max_decompressed {
        return Err(DecodeError::TooLarge {
            limit: max_decompressed,
        });
    }
    // The one-pass reader takes what CloudWatch writes; serde_json reads (or refuses)
    // everything else, so the result is always serde_json's.
    match read::read(&json) {
        Some(payload) => Ok(payload),
        None => Ok(serde_json::from_slice(&json)?),
    }
}

/// Encodes a payload the way CloudWatch delivers it: JSON, gzip, base64.
pub fn encode_data(payload: &LogsPayload) -> String {
    let json = serde_json::to_vec(payload).expect("a LogsPayload always serializes");
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&json)
        .and_then(|()| gz.finish())
        .map(|bytes| STANDARD.encode(bytes))
        .expect("writing to a Vec cannot fail")
}

/// The whole Lambda event for a payload: `{"awslogs":{"data":..}}`.
pub fn encode_event(payload: &LogsPayload) -> serde_json::Value {
    serde_json::json!({ "awslogs": { "data": encode_data(payload) } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LogsPayload {
        LogsPayload {
            owner: "123456789012".into(),
            log_group: "/app".into(),
            log_stream: "s1".into(),
            subscription_filters: vec!["f".into()],
            message_type: DATA_MESSAGE.into(),
            log_events: vec![LogEvent {
                id: "1".into(),
                timestamp: 1,
                message: "ERROR boom".into(),
            }],
        }
    }

    #[test]
    fn round_trip() {
        let payload = sample();
        let event = encode_event(&payload);
        assert_eq!(decode_event(&event, 1 << 20).unwrap(), payload);
    }

    #[test]
    fn cap_is_inclusive() {
        let payload = sample();
        let len = serde_json::to_vec(&payload).unwrap().len();
        let data = encode_data(&payload);
        assert!(decode_data(&data, len).is_ok());
        assert!(matches!(
            decode_data(&data, len - 1),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_lying_gzip_trailer_is_a_gzip_error() {
        // The trailer sizes the buffer (capped); a wrong one fails gzip's own length check.
        let mut gz = STANDARD.decode(encode_data(&sample())).unwrap();
        let n = gz.len();
        gz[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = decode_data(&STANDARD.encode(gz), 1 << 20).unwrap_err();
        assert_eq!(err.kind(), "gzip", "{err}");
    }

    #[test]
    fn not_a_subscription() {
        let err = decode_event(&serde_json::json!({"hello": 1}), 10).unwrap_err();
        assert_eq!(err.kind(), "not_subscription");
    }
}

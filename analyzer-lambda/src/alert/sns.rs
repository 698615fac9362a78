//! The SNS [`Alerter`]: `PublishBatch` to the alerts topic, per-entry failures reported.
//!
//! Each alert is one entry with `MessageStructure=json`: SNS delivers to each subscriber the
//! message of its protocol (<https://docs.aws.amazon.com/sns/latest/api/API_Publish.html>,
//! `MessageStructure`; the protocols are those of
//! <https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html>):
//!
//! | key | who receives it | message |
//! |---|---|---|
//! | `default`, `email` | e-mail, and any protocol not listed | the readable text ([`super::message`]) |
//! | `sms` | SMS | the subject line |
//! | `https` | AWS's chat integration, which subscribes as an HTTPS endpoint, and other HTTPS endpoints | the custom notification ([`super::chat`]), structured fields in `metadata.additionalContext` |
//! | `sqs`, `lambda`, `http`, `email-json`, `firehose` | programs | the structured alert ([`super::document`]) |

use aws_sdk_sns::Client;
use aws_sdk_sns::types::{MessageAttributeValue, PublishBatchRequestEntry};
use serde_json::json;

use super::chat::ChatNotification;
use super::document::AlertDocument;
use super::message::{MAX_SNS_MESSAGE_BYTES, attributes, body, subject};
use super::{Alert, AlertError, Alerter};
use crate::retry::{describe, is_transient, is_transient_code};

/// Entries per `PublishBatch` request
/// (<https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html>).
pub const MAX_BATCH_ENTRIES: usize = 10;
/// The `MessageStructure` that makes `Message` a JSON object of per-protocol messages.
pub const MESSAGE_STRUCTURE: &str = "json";

/// The per-protocol message of an alert: a JSON object whose `default` key (required by
/// SNS) and protocol keys hold each protocol's message as a string.
pub fn message(alert: &Alert) -> String {
    let text = body(alert);
    let structured = AlertDocument::new(alert).to_json();
    json!({
        "default": text,
        "email": text,
        "sms": subject(alert),
        "https": ChatNotification::new(alert).to_json(),
        "sqs": structured,
        "lambda": structured,
        "http": structured,
        "email-json": structured,
        "firehose": structured,
    })
    .to_string()
}

/// Publishes alerts to one SNS topic.
#[derive(Debug, Clone)]
pub struct SnsAlerter {
    client: Client,
    topic_arn: String,
}

impl SnsAlerter {
    /// An alerter for `topic_arn`.
    pub fn new(client: Client, topic_arn: impl Into<String>) -> SnsAlerter {
        SnsAlerter {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

fn entry(id: usize, alert: &Alert) -> Result<PublishBatchRequestEntry, AlertError> {
    let invalid = |e: aws_smithy_types::error::operation::BuildError| AlertError {
        message: e.to_string(),
        transient: false,
    };
    let mut builder = PublishBatchRequestEntry::builder()
        .id(id.to_string())
        .subject(subject(alert))
        .message_structure(MESSAGE_STRUCTURE)
        .message(message(alert));
    for (name, value) in attributes(alert) {
        let value = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()
            .map_err(invalid)?;
        builder = builder.message_attributes(name, value);
    }
    builder.build().map_err(invalid)
}

fn entry_bytes(entry: &PublishBatchRequestEntry) -> usize {
    entry.message().len()
        + entry.subject().map_or(0, str::len)
        + entry.message_attributes().map_or(0, |attrs| {
            attrs
                .iter()
                .map(|(k, v)| k.len() + v.data_type().len() + v.string_value().map_or(0, str::len))
                .sum()
        })
}

impl Alerter for SnsAlerter {
    async fn publish(&self, alerts: &[Alert]) -> Vec<Result<(), AlertError>> {
        let mut results: Vec<Result<(), AlertError>> = vec![Ok(()); alerts.len()];
        // Chunks of at most ten entries and 256 KiB in total.
        let mut chunks: Vec<Vec<(usize, PublishBatchRequestEntry)>> = Vec::new();
        let mut bytes = 0;
        for (i, alert) in alerts.iter().enumerate() {
            let entry = match entry(i, alert) {
                Ok(entry) => entry,
                Err(e) => {
                    results[i] = Err(e);
                    continue;
                }
            };
            let size = entry_bytes(&entry);
            let full = chunks.last().is_none_or(|c| {
                c.len() == MAX_BATCH_ENTRIES || bytes + size > MAX_SNS_MESSAGE_BYTES
            });
            if full {
                chunks.push(Vec::new());
                bytes = 0;
            }
            bytes += size;
            chunks.last_mut().expect("just pushed").push((i, entry));
        }
        for chunk in chunks {
            let indexes: Vec<usize> = chunk.iter().map(|(i, _)| *i).collect();
            let sent = self
                .client
                .publish_batch()
                .topic_arn(&self.topic_arn)
                .set_publish_batch_request_entries(Some(
                    chunk.into_iter().map(|(_, e)| e).collect(),
                ))
                .send()
                .await;
            match sent {
                Ok(output) => {
                    for failed in output.failed() {
                        if let Some(i) = failed
                            .id()
                            .parse::<usize>()
                            .ok()
                            .filter(|i| indexes.contains(i))
                        {
                            results[i] = Err(AlertError {
                                message: format!(
                                    "SNS topic {}: {}: {}",
                                    self.topic_arn,
                                    failed.code(),
                                    failed.message().unwrap_or("no message")
                                ),
                                transient: !failed.sender_fault()
                                    || is_transient_code(failed.code()),
                            });
                        }
                    }
                }
                Err(err) => {
                    let error = AlertError {
                        message: format!("SNS topic {}: {}", self.topic_arn, describe(&err)),
                        transient: is_transient(&err),
                    };
                    for i in indexes {
                        results[i] = Err(error.clone());
                    }
                }
            }
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::document::check;
    use crate::alert::document::tests::alert;
    use serde_json::Value;

    #[test]
    fn one_message_per_protocol() {
        let raw = message(&alert());
        let m: Value = serde_json::from_str(&raw).unwrap();
        // SNS requires a string `default`; every value is a string.
        assert!(m["default"].is_string());
        assert!(m.as_object().unwrap().values().all(Value::is_string));
        assert_eq!(m["default"], m["email"]);
        assert!(
            m["default"]
                .as_str()
                .unwrap()
                .contains("Service:     orders-api")
        );
        assert_eq!(
            m["sms"],
            "[CRITICAL] orders-api: payment <num> failed (escalated)"
        );
        let chat: Value = serde_json::from_str(m["https"].as_str().unwrap()).unwrap();
        assert_eq!(chat["source"], "custom");
        for key in ["sqs", "lambda", "http", "email-json", "firehose"] {
            let doc: Value = serde_json::from_str(m[key].as_str().unwrap()).unwrap();
            check(&doc).unwrap();
        }
        let entry = entry(0, &alert()).unwrap();
        assert_eq!(entry.message_structure(), Some("json"));
        assert!(entry_bytes(&entry) < MAX_SNS_MESSAGE_BYTES / MAX_BATCH_ENTRIES);
    }

    #[tokio::test]
    async fn a_failed_publish_names_the_topic() {
        use aws_sdk_sns::config::{BehaviorVersion, Credentials, Region, retry::RetryConfig};
        // Nothing listens on port 1: the call fails at once, without AWS.
        let config = aws_sdk_sns::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("a", "b", None, None, "test"))
            .endpoint_url("http://127.0.0.1:1")
            .http_client(logpipe_aws::https_client())
            .retry_config(RetryConfig::disabled())
            .build();
        let topic = "arn:aws:sns:us-east-1:123456789012:alerts";
        let alerter = SnsAlerter::new(Client::from_conf(config), topic);
        let results = alerter.publish(&[alert()]).await;
        let err = results[0].clone().unwrap_err().to_string();
        assert!(err.contains(&format!("SNS topic {topic}: ")), "{err}");
        assert!(!err.contains("ConnectorError"), "{err}");
    }
}

//! The JSON body of a `PutLogEvents` call, written straight from the batch.
//!
//! The AWS SDK takes each event as an owned `InputLogEvent` (a copy of its record) and
//! escapes every string one byte at a time into a fresh `String` when a record has anything
//! to escape, which every JSON record does (its quotes). In the end-to-end throughput bench,
//! `aws_smithy_json::escape::escape_string` alone was 21 % of the process's CPU samples
//! (`perf record`, BENCHMARKS.md, issue 16). The SDK client therefore sends an empty
//! `logEvents` list and this body replaces the SDK's before the request is signed.
//!
//! The shape is the request syntax of the API reference,
//! <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>:
//! `{"logGroupName":..,"logStreamName":..,"sequenceToken":..,"logEvents":[{"timestamp":..,"message":..}]}`.

use crate::client::PutLogEventsRequest;
use crate::encode::write_json_str;

/// The request's body (AWS JSON 1.1).
pub(crate) fn put_log_events_body(request: &PutLogEventsRequest<'_>) -> String {
    let records: usize = request.events.iter().map(|e| e.message().len()).sum();
    // A record grows by about an eighth when escaped (its quotes), and an event's
    // `{"timestamp":..,"message":..},` takes about 41 bytes: with a sixth and 44 reserved,
    // the body is one allocation in the common case.
    let mut body = String::with_capacity(
        128 + request.log_group.len()
            + request.log_stream.len()
            + request.sequence_token.map_or(0, str::len)
            + records
            + records / 6
            + request.events.len() * 44,
    );
    body.push_str("{\"logGroupName\":");
    write_json_str(&mut body, request.log_group);
    body.push_str(",\"logStreamName\":");
    write_json_str(&mut body, request.log_stream);
    if let Some(token) = request.sequence_token {
        body.push_str(",\"sequenceToken\":");
        write_json_str(&mut body, token);
    }
    body.push_str(",\"logEvents\":[");
    for (i, event) in request.events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str("{\"timestamp\":");
        body.push_str(itoa::Buffer::new().format(event.timestamp));
        body.push_str(",\"message\":");
        write_json_str(&mut body, event.message());
        body.push('}');
    }
    body.push_str("]}");
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{REQUEST_COPY_PER_EVENT, REQUEST_COPY_PER_RECORD_BYTE};
    use crate::event::LogEvent;
    use serde_json::{Value, json};

    fn body(events: &[LogEvent], token: Option<&str>) -> Value {
        let request = PutLogEventsRequest {
            log_group: "/app/\"quoted\"",
            log_stream: "stream\\1",
            events,
            sequence_token: token,
        };
        let text = put_log_events_body(&request);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn the_body_is_the_api_reference_request_with_every_string_escaped() {
        let messages = [
            r#"{"message":"say \"hi\"","path":"C:\\temp"}"#.to_owned(),
            "tab\tnewline\ncontrol\u{1}bell\u{7}".to_owned(),
            "é ✓ 😀 \u{2028}".to_owned(),
            String::new(),
            "x".repeat(10_000),
        ];
        let events: Vec<LogEvent> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| LogEvent::owned(1_700_000_000_000 + i as i64, m.clone()))
            .collect();
        let expected_events: Vec<Value> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"timestamp": 1_700_000_000_000_i64 + i as i64, "message": m}))
            .collect();
        assert_eq!(
            body(&events, Some("49039859")),
            json!({
                "logGroupName": "/app/\"quoted\"",
                "logStreamName": "stream\\1",
                "sequenceToken": "49039859",
                "logEvents": expected_events,
            })
        );
        assert_eq!(
            body(&events[..1], None),
            json!({
                "logGroupName": "/app/\"quoted\"",
                "logStreamName": "stream\\1",
                "logEvents": [expected_events[0]],
            })
        );
    }

    #[test]
    fn a_body_stays_within_its_accounted_size_even_when_every_byte_is_escaped() {
        let worst = r#"\"\"\"\""#.repeat(1000);
        let events: Vec<LogEvent> = (0..10)
            .map(|i| LogEvent::owned(i64::MAX - i, worst.clone()))
            .collect();
        let request = PutLogEventsRequest {
            log_group: "g",
            log_stream: "s",
            events: &events,
            sequence_token: None,
        };
        let text = put_log_events_body(&request);
        let accounted = 10 * (worst.len() * REQUEST_COPY_PER_RECORD_BYTE + REQUEST_COPY_PER_EVENT);
        assert!(text.len() <= accounted, "{} > {accounted}", text.len());
    }
}

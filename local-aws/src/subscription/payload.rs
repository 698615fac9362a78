//! The events a subscription filter delivers to a Lambda function, built as CloudWatch Logs
//! builds them (pure).
//!
//! Format (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#LambdaFunctionExample>):
//! the function receives `{"awslogs":{"data":"..."}}` where `data` is the base64 of the gzip of
//! a JSON document with `messageType` (`DATA_MESSAGE`), `owner` (the account of the log
//! group), `logGroup`, `logStream`, `subscriptionFilters` (the filter's name) and `logEvents`
//! (`id`, `timestamp`, `message`). One document holds the events of one log stream.
//!
//! Size: CloudWatch invokes the function asynchronously, and an asynchronous invocation's
//! payload is at most [`MAX_ASYNC_PAYLOAD_BYTES`]; batches are split until each fits.

use std::io::Write;

use base64::Engine;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use serde_json::{Value, json};

/// Largest asynchronous invocation payload: "Invocation payload (request and response): 6 MB
/// (synchronous), 256 KB (asynchronous)".
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_ASYNC_PAYLOAD_BYTES: usize = 256 * 1024;

/// Most events in one delivery: the most one `PutLogEvents` call can ingest
/// (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>).
pub const MAX_EVENTS_PER_DELIVERY: usize = 10_000;

/// `messageType` of deliveries carrying log events.
pub const DATA_MESSAGE: &str = "DATA_MESSAGE";

/// One log event as delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveredEvent {
    /// CloudWatch's event id.
    pub id: String,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The log line.
    pub message: String,
}

/// Where a batch comes from.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Account that owns the log group.
    pub owner: &'a str,
    /// The log group.
    pub log_group: &'a str,
    /// The log stream.
    pub log_stream: &'a str,
    /// The subscription filter's name.
    pub filter_name: &'a str,
}

/// A single event too large for any invocation: CloudWatch cannot deliver it to a Lambda.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "log event {id} of {log_stream} makes a {bytes}-byte invocation payload even alone, over \
     Lambda's {MAX_ASYNC_PAYLOAD_BYTES}-byte limit for asynchronous invocations; it cannot be \
     delivered to a function"
)]
pub struct Undeliverable {
    /// The event's id.
    pub id: String,
    /// Its stream.
    pub log_stream: String,
    /// Size of the payload holding it alone.
    pub bytes: usize,
}

/// The Lambda event for `events` of one stream: `{"awslogs":{"data":"<base64 gzip JSON>"}}`.
pub fn lambda_event(source: Source<'_>, events: &[DeliveredEvent]) -> Value {
    let document = json!({
        "messageType": DATA_MESSAGE,
        "owner": source.owner,
        "logGroup": source.log_group,
        "logStream": source.log_stream,
        "subscriptionFilters": [source.filter_name],
        "logEvents": events,
    });
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    gzip.write_all(document.to_string().as_bytes())
        .and_then(|()| gzip.try_finish())
        .expect("writing to a Vec cannot fail");
    let compressed = gzip.finish().expect("writing to a Vec cannot fail");
    let data = base64::engine::general_purpose::STANDARD.encode(compressed);
    json!({ "awslogs": { "data": data } })
}

/// The document inside a Lambda event built here (`awslogs.data`, gunzipped and parsed);
/// `None` when the event is not one.
pub fn decode(event: &Value) -> Option<Value> {
    use std::io::Read;
    let data = event["awslogs"]["data"].as_str()?;
    let gz = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .ok()?;
    serde_json::from_str(&text).ok()
}

/// The Lambda events delivering `events` (one stream, in order): as few as fit the limits.
/// Events too large to fit alone are returned apart, never dropped silently.
pub fn deliveries(
    source: Source<'_>,
    events: &[DeliveredEvent],
) -> (Vec<Value>, Vec<Undeliverable>) {
    let mut out = Vec::new();
    let mut undeliverable = Vec::new();
    for chunk in events.chunks(MAX_EVENTS_PER_DELIVERY) {
        split(source, chunk, &mut out, &mut undeliverable);
    }
    (out, undeliverable)
}

/// Halves `events` until each half's payload fits.
fn split(
    source: Source<'_>,
    events: &[DeliveredEvent],
    out: &mut Vec<Value>,
    undeliverable: &mut Vec<Undeliverable>,
) {
    if events.is_empty() {
        return;
    }
    let event = lambda_event(source, events);
    let bytes = event.to_string().len();
    if bytes <= MAX_ASYNC_PAYLOAD_BYTES {
        out.push(event);
    } else if let [only] = events {
        undeliverable.push(Undeliverable {
            id: only.id.clone(),
            log_stream: source.log_stream.to_string(),
            bytes,
        });
    } else {
        let (left, right) = events.split_at(events.len() / 2);
        split(source, left, out, undeliverable);
        split(source, right, out, undeliverable);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: Source<'static> = Source {
        owner: "123456789012",
        log_group: "/app/orders",
        log_stream: "web/1",
        filter_name: "logpipe-errors",
    };

    fn decode(event: &Value) -> Value {
        super::decode(event).expect("a delivery built here")
    }

    /// `len` hex digits from xorshift64: text gzip cannot shrink below half.
    fn noise(seed: u64, len: usize) -> String {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from_digit((x % 16) as u32, 16).unwrap()
            })
            .collect()
    }

    fn event(i: usize, message: String) -> DeliveredEvent {
        DeliveredEvent {
            id: format!("{i:056}"),
            timestamp: 1_795_525_200_000 + i as i64,
            message,
        }
    }

    #[test]
    fn the_document_has_cloudwatchs_fields() {
        let events = vec![
            event(1, "ERROR first".into()),
            event(2, "ERROR second".into()),
        ];
        let (out, undeliverable) = deliveries(SOURCE, &events);
        assert!(undeliverable.is_empty());
        assert_eq!(out.len(), 1);
        let document = decode(&out[0]);
        assert_eq!(
            document,
            json!({
                "messageType": "DATA_MESSAGE",
                "owner": "123456789012",
                "logGroup": "/app/orders",
                "logStream": "web/1",
                "subscriptionFilters": ["logpipe-errors"],
                "logEvents": [
                    {"id": format!("{:056}", 1), "timestamp": 1_795_525_200_001_i64, "message": "ERROR first"},
                    {"id": format!("{:056}", 2), "timestamp": 1_795_525_200_002_i64, "message": "ERROR second"},
                ],
            })
        );
    }

    #[test]
    fn large_batches_split_under_the_async_limit_in_order() {
        // 400 x 2 KiB of random hex is well over 256 KiB once compressed and encoded.
        let events: Vec<DeliveredEvent> = (0..400)
            .map(|i| event(i, format!("ERROR {}", noise(i as u64, 2048))))
            .collect();
        let (out, undeliverable) = deliveries(SOURCE, &events);
        assert!(undeliverable.is_empty());
        assert!(out.len() > 1, "split into {} deliveries", out.len());
        let mut ids = Vec::new();
        for delivery in &out {
            assert!(delivery.to_string().len() <= MAX_ASYNC_PAYLOAD_BYTES);
            for e in decode(delivery)["logEvents"].as_array().unwrap() {
                ids.push(e["id"].as_str().unwrap().to_string());
            }
        }
        let expected: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, expected, "every event once, in order");
    }

    #[test]
    fn an_event_too_large_alone_is_reported_not_dropped() {
        let events = vec![event(1, "ERROR small".into()), event(2, noise(2, 800_000))];
        let (out, undeliverable) = deliveries(SOURCE, &events);
        assert_eq!(out.len(), 1);
        assert_eq!(undeliverable.len(), 1);
        assert_eq!(undeliverable[0].id, format!("{:056}", 2));
        assert!(undeliverable[0].to_string().contains("cannot be delivered"));
    }
}

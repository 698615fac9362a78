//! Shared helpers.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use analyzer_lambda::alert::memory::MemoryAlerter;
use analyzer_lambda::config::Settings;
use analyzer_lambda::handler::Analyzer;
use analyzer_lambda::payload::{DATA_MESSAGE, LogEvent, LogsPayload, encode_event};
use analyzer_lambda::store::memory::MemoryStore;

/// A fixed "now" after every fixture's events.
pub const NOW_MS: i64 = 1_795_525_300_000;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A raw event fixture.
pub fn raw_fixture(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture_path(name)).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A decoded-payload fixture (`*.data.json`), encoded as CloudWatch delivers it.
pub fn data_fixture(name: &str) -> (LogsPayload, serde_json::Value) {
    let text = std::fs::read_to_string(fixture_path(name)).expect("fixture exists");
    let payload: LogsPayload = serde_json::from_str(&text).expect("fixture is a payload");
    let event = encode_event(&payload);
    (payload, event)
}

pub fn memory_analyzer() -> Analyzer<MemoryStore, MemoryAlerter> {
    Analyzer::new(
        MemoryStore::new(),
        MemoryAlerter::new(),
        Settings::default(),
    )
}

/// `n` events of one stream with the given messages, ids `<prefix><i>`.
pub fn payload(stream: &str, messages: impl IntoIterator<Item = String>) -> LogsPayload {
    LogsPayload {
        owner: "123456789012".into(),
        log_group: "/demo/orders-api".into(),
        log_stream: stream.into(),
        subscription_filters: vec!["errors".into()],
        message_type: DATA_MESSAGE.into(),
        log_events: messages
            .into_iter()
            .enumerate()
            .map(|(i, message)| LogEvent {
                id: format!("{stream}-{i:08}"),
                timestamp: NOW_MS - 60_000 + (i as i64 % 50_000),
                message,
            })
            .collect(),
    }
}

/// One of our layer's ERROR records, differing only in ids.
pub fn layer_error(i: usize) -> String {
    serde_json::json!({
        "timestamp": "2026-11-24T13:00:00.000Z",
        "level": "ERROR",
        "message": format!("payment failed for order {i}"),
        "service": "orders-api",
        "trace_id": format!("{i:032x}"),
        "target": "demo_api::payments",
        "order_id": i,
    })
    .to_string()
}

/// Log lines written while `work` runs on this thread, every level and target.
pub async fn capture_logs<F: std::future::Future>(work: F) -> (F::Output, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let output = work.await;
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    (output, text)
}

//! Every fixture through the handler (in memory).

use analyzer_lambda::classify::Severity;
use analyzer_lambda::payload::{DecodeError, decode_event};
use analyzer_lambda::severity::Level;

use crate::common::{NOW_MS, data_fixture, memory_analyzer, raw_fixture};

#[tokio::test]
async fn aws_docs_example() {
    let analyzer = memory_analyzer();
    let summary = analyzer
        .handle_event(&raw_fixture("aws_docs_subscription.json"), NOW_MS, None)
        .await
        .unwrap();
    assert_eq!(summary.events_seen, 2);
    assert_eq!(summary.errors_found, 2);
    assert_eq!(summary.incidents_written, 2);
    // "First test message" and "Second test message" are different problems.
    assert_eq!(summary.fingerprints, 2);
    let incidents = analyzer.store().incidents();
    assert!(
        incidents
            .iter()
            .all(|i| &*i.service == "testLogGroup" && i.level == Level::Error)
    );
}

#[tokio::test]
async fn control_message_is_skipped() {
    let analyzer = memory_analyzer();
    let summary = analyzer
        .handle_event(&raw_fixture("control_message.json"), NOW_MS, None)
        .await
        .unwrap();
    assert_eq!(summary.control_messages, 1);
    assert_eq!(summary.errors_found, 0);
    assert_eq!(analyzer.store().incident_count(), 0);
}

#[tokio::test]
async fn layer_records() {
    let analyzer = memory_analyzer();
    let (_, event) = data_fixture("layer_records.data.json");
    let summary = analyzer.handle_event(&event, NOW_MS, None).await.unwrap();
    assert_eq!(summary.events_seen, 5);
    assert_eq!(summary.errors_found, 4);
    // The two "payment failed for order N" lines group together.
    assert_eq!(summary.fingerprints, 3);
    assert_eq!(summary.alerts_sent, 3);
    let incidents = analyzer.store().incidents();
    assert!(incidents.iter().all(|i| &*i.service == "orders-api"));
    assert!(incidents.iter().all(|i| i.trace_id.is_some()));
    let warn = incidents.iter().find(|i| i.level == Level::Warn).unwrap();
    assert_eq!(warn.severity, Severity::Low);
}

#[tokio::test]
async fn powertools_records() {
    let analyzer = memory_analyzer();
    let (_, event) = data_fixture("powertools_records.data.json");
    let summary = analyzer.handle_event(&event, NOW_MS, None).await.unwrap();
    assert_eq!(summary.errors_found, 4);
    let incidents = analyzer.store().incidents();
    let value_error = incidents
        .iter()
        .find(|i| i.error_type.as_deref() == Some("ValueError"))
        .unwrap();
    assert_eq!(&*value_error.service, "payments");
    assert_eq!(
        value_error.trace_id.as_deref(),
        Some("1-5759e988-bd862e3fe1be46a994272794")
    );
    let critical = incidents.iter().find(|i| i.level == Level::Fatal).unwrap();
    assert_eq!(critical.severity, Severity::Critical);
    assert_eq!(&*critical.service, "cart");
    let warn = incidents.iter().find(|i| i.level == Level::Warn).unwrap();
    assert_eq!(
        warn.trace_id.as_deref(),
        Some("c0ffee00-1111-4222-8333-444455556666")
    );
}

#[tokio::test]
async fn lambda_text_lines() {
    let analyzer = memory_analyzer();
    let (_, event) = data_fixture("lambda_text_lines.data.json");
    let summary = analyzer.handle_event(&event, NOW_MS, None).await.unwrap();
    assert_eq!(summary.events_seen, 13);
    assert_eq!(summary.errors_found, 9);
    assert_eq!(summary.parse_failures, 1);
    let incidents = analyzer.store().incidents();
    let critical = incidents
        .iter()
        .filter(|i| i.severity == Severity::Critical)
        .count();
    // Task timeout, REPORT with timeout status, OOM, runtime exit, panic.
    assert_eq!(critical, 5);
    assert!(incidents.iter().all(|i| &*i.service == "orders-fn"));
    assert!(
        incidents
            .iter()
            .any(|i| i.error_type.as_deref() == Some("TypeError"))
    );
    assert!(
        incidents
            .iter()
            .any(|i| i.error_type.as_deref() == Some("out_of_memory"))
    );
}

#[tokio::test]
async fn malformed_payloads_are_counted_not_failed() {
    for (name, kind) in [
        ("malformed_bad_base64.json", "base64"),
        ("malformed_bad_gzip.json", "gzip"),
        ("malformed_truncated_gzip.json", "gzip"),
        ("malformed_not_json.json", "json"),
        ("malformed_not_subscription.json", "not_subscription"),
        ("malformed_decompression_bomb.json", "too_large"),
    ] {
        let event = raw_fixture(name);
        let err: DecodeError = decode_event(&event, 8 * 1024 * 1024).unwrap_err();
        assert_eq!(err.kind(), kind, "{name}");
        let analyzer = memory_analyzer();
        let summary = analyzer.handle_event(&event, NOW_MS, None).await.unwrap();
        assert_eq!(summary.parse_failures, 1, "{name}");
        assert_eq!(summary.errors_found, 0, "{name}");
        assert_eq!(analyzer.store().incident_count(), 0, "{name}");
    }
}

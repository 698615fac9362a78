//! The handler's idempotency and storm behaviour, in memory.

use analyzer_lambda::aggregate::EventType;
use analyzer_lambda::alert::memory::MemoryAlerter;
use analyzer_lambda::classify::Severity;
use analyzer_lambda::config::Settings;
use analyzer_lambda::handler::{Analyzer, Summary};
use analyzer_lambda::payload::encode_event;
use analyzer_lambda::store::memory::MemoryStore;

use crate::common::{NOW_MS, layer_error, memory_analyzer, payload};

#[tokio::test]
async fn ten_thousand_identical_errors_one_alert() {
    let analyzer = memory_analyzer();
    let storm = payload("web-1", (0..10_000).map(layer_error));
    let event = encode_event(&storm);

    let summary = analyzer.handle_event(&event, NOW_MS, None).await.unwrap();
    assert_eq!(summary.events_seen, 10_000);
    assert_eq!(summary.errors_found, 10_000);
    assert_eq!(summary.incidents_written, 10_000);
    assert_eq!(summary.fingerprints, 1);
    assert_eq!(summary.alerts_sent, 1);
    assert_eq!(analyzer.store().incident_count(), 10_000);
    let alerts = analyzer.alerter().sent();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].count, 10_000);
    assert_eq!(alerts[0].event_type, EventType::Opened);
    // 10,000 in a minute is far above the default rate: the storm is critical.
    assert_eq!(alerts[0].severity, Severity::Critical);
    assert_eq!(alerts[0].trace_ids.len(), 10);

    // Redelivery of the same payload: nothing new.
    let again = analyzer
        .handle_event(&event, NOW_MS + 5_000, None)
        .await
        .unwrap();
    assert_eq!(again.incidents_written, 0);
    assert_eq!(again.duplicates_skipped, 10_000);
    assert_eq!(again.alerts_sent, 0);
    assert_eq!(analyzer.store().incident_count(), 10_000);
    assert_eq!(analyzer.alerter().sent().len(), 1);
    let fingerprint = &alerts[0].fingerprint;
    assert_eq!(
        analyzer.store().aggregate(fingerprint).unwrap().count,
        10_000
    );
}

#[tokio::test]
async fn more_of_the_storm_in_later_payloads_is_suppressed_not_alerted() {
    // Rate escalation off: this test is about the count thresholds and the cooldown.
    let mut settings = Settings::default();
    settings.rules.critical_rate_per_minute = 0;
    let analyzer = Analyzer::new(MemoryStore::new(), MemoryAlerter::new(), settings);
    analyzer
        .handle_event(
            &encode_event(&payload("web-1", (0..50).map(layer_error))),
            NOW_MS,
            None,
        )
        .await
        .unwrap();
    // The next payloads cross the 100 threshold, but within the cooldown.
    let summary = analyzer
        .handle_event(
            &encode_event(&payload("web-2", (0..80).map(layer_error))),
            NOW_MS + 1_000,
            None,
        )
        .await
        .unwrap();
    assert_eq!(summary.alerts_sent, 0);
    assert_eq!(summary.alerts_suppressed, 1);
    assert_eq!(analyzer.alerter().sent().len(), 1);
    // After the cooldown the owed escalation goes out once.
    let later = NOW_MS + 16 * 60_000;
    let summary = analyzer
        .handle_event(
            &encode_event(&payload("web-3", (0..1).map(layer_error))),
            later,
            None,
        )
        .await
        .unwrap();
    assert_eq!(summary.alerts_sent, 1);
    let sent = analyzer.alerter().sent();
    assert_eq!(sent[1].event_type, EventType::Escalated);
    assert_eq!(sent[1].count, 131);
}

#[tokio::test]
async fn a_failed_publish_is_resent_by_the_retry_exactly_once() {
    let analyzer = memory_analyzer();
    let event = encode_event(&payload("web-1", (0..3).map(layer_error)));
    analyzer.alerter().fail_next(1);
    let err = analyzer
        .handle_event(&event, NOW_MS, None)
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert_eq!(analyzer.alerter().sent().len(), 0);
    // Lambda retries the same payload: rows exist, the aggregate has the batch, the alert is
    // still pending and goes out.
    let retry = analyzer
        .handle_event(&event, NOW_MS + 1_000, None)
        .await
        .unwrap();
    assert_eq!(retry.incidents_written, 0);
    assert_eq!(retry.alerts_sent, 1);
    // A third delivery sends nothing.
    let third = analyzer
        .handle_event(&event, NOW_MS + 2_000, None)
        .await
        .unwrap();
    assert_eq!(third.alerts_sent, 0);
    assert_eq!(analyzer.alerter().sent().len(), 1);
    let fingerprint = &analyzer.alerter().sent()[0].fingerprint;
    assert_eq!(analyzer.store().aggregate(fingerprint).unwrap().count, 3);
}

#[tokio::test]
async fn a_failed_invocation_reports_how_far_it_got() {
    let analyzer = memory_analyzer();
    let events = payload("web-1", (0..3).map(layer_error));
    analyzer.alerter().fail_next(1);
    let mut summary = Summary::default();
    let result = analyzer
        .handle_payload_counting(&events, NOW_MS, None, &mut summary)
        .await;
    assert!(result.is_err());
    // The rows were written and the problem counted before the publish failed: the failed
    // invocation's summary line says so, rather than zeros that read as "nothing found".
    assert_eq!(summary.errors_found, 3, "{summary:?}");
    assert_eq!(summary.incidents_written, 3, "{summary:?}");
    assert_eq!(summary.fingerprints, 1, "{summary:?}");
    assert_eq!(summary.alerts_sent, 0, "{summary:?}");
}

#[tokio::test]
async fn the_same_events_in_other_payloads_are_not_counted_again() {
    let analyzer = memory_analyzer();
    let whole = payload("web-1", (0..10).map(layer_error));
    analyzer.handle_payload(&whole, NOW_MS).await.unwrap();
    // Replay cuts the same events differently.
    let mut half = whole.clone();
    half.log_events.truncate(5);
    let summary = analyzer.handle_payload(&half, NOW_MS + 1).await.unwrap();
    assert_eq!(summary.incidents_written, 0);
    assert_eq!(summary.duplicates_skipped, 5);
    let fingerprint = analyzer.store().incidents()[0].fingerprint.clone();
    assert_eq!(analyzer.store().aggregate(&fingerprint).unwrap().count, 10);
}

#[tokio::test]
async fn an_event_repeated_inside_a_payload_is_one_incident() {
    let analyzer = memory_analyzer();
    let mut p = payload("web-1", (0..2).map(layer_error));
    p.log_events.push(p.log_events[0].clone());
    let summary = analyzer.handle_payload(&p, NOW_MS).await.unwrap();
    assert_eq!(summary.incidents_written, 2);
    assert_eq!(summary.duplicates_skipped, 1);
}

#[tokio::test]
async fn a_passed_deadline_fails_the_invocation_for_a_retry() {
    let analyzer = memory_analyzer();
    let event = encode_event(&payload("web-1", (0..10).map(layer_error)));
    let err = analyzer
        .handle_event(&event, NOW_MS, Some(std::time::Instant::now()))
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert!(err.to_string().contains("deadline"));
}

//! The layer against the strict local endpoint: every limit enforced, faults injected.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::strict_logs::{
    Fault, FaultKind, FaultRates, PutOutcome, StrictConfig, StrictLogs,
};
use tracing_cloudwatch_logs::{Backpressure, Builder, CloudWatchHandle, WorkerGuard};
use tracing_subscriber::prelude::*;

const GROUP: &str = "/strict/app";
const STREAM: &str = "app";

fn sdk_client(server: &StrictLogs) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::new(&test_support::sdk_config_blocking(&server.endpoint()))
}

fn start(
    server: &StrictLogs,
    configure: impl FnOnce(Builder) -> Builder,
) -> (tracing::Dispatch, WorkerGuard) {
    let builder = tracing_cloudwatch_logs::builder()
        .log_group(GROUP)
        .log_stream(STREAM)
        .service("strict");
    let (layer, guard) = configure(builder).build(sdk_client(server)).unwrap();
    (
        tracing::Dispatch::new(tracing_subscriber::registry().with(layer)),
        guard,
    )
}

/// Emits `n` events of about 200 bytes, each with its sequence number.
fn emit(dispatch: &tracing::Dispatch, range: std::ops::Range<u64>) {
    tracing::dispatcher::with_default(dispatch, || {
        for seq in range {
            tracing::info!(
                seq,
                detail = "an ordinary line of detail that brings the record to two hundred bytes",
                "work done"
            );
        }
    });
}

/// How many times each `seq` was stored.
fn seq_counts(server: &StrictLogs) -> HashMap<u64, usize> {
    let mut counts = HashMap::new();
    for e in server.accepted() {
        let record: Value = serde_json::from_str(&e.message).unwrap();
        if let Some(seq) = record["seq"].as_u64() {
            *counts.entry(seq).or_default() += 1;
        }
    }
    counts
}

fn assert_exactly_once(server: &StrictLogs, n: u64) {
    let counts = seq_counts(server);
    let missing: Vec<u64> = (0..n).filter(|s| !counts.contains_key(s)).take(5).collect();
    let twice: Vec<(&u64, &usize)> = counts.iter().filter(|(_, c)| **c > 1).take(5).collect();
    assert!(missing.is_empty(), "missing, e.g. {missing:?}");
    assert!(twice.is_empty(), "stored more than once, e.g. {twice:?}");
    assert_eq!(counts.len() as u64, n);
}

fn assert_no_violations(server: &StrictLogs) {
    let stats = server.stats();
    assert!(
        stats.violations.is_empty(),
        "limits broken: {:?}",
        &stats.violations[..stats.violations.len().min(5)]
    );
    assert!(stats.max_events_per_request <= 10_000);
    assert!(stats.max_bytes_per_request <= 1_048_576);
}

#[test]
fn everything_arrives_once_through_throttling_errors_and_resets() {
    const N: u64 = 100_000;
    let server = StrictLogs::start(StrictConfig::default());
    server.set_fault_rates(FaultRates {
        throttle: 0.30,
        unavailable: 0.05,
        reset: 0.05,
        seed: 7,
        ..Default::default()
    });
    let (dispatch, guard) = start(&server, |b| {
        b.backpressure(Backpressure::Block {
            timeout: Duration::from_secs(30),
        })
    });
    emit(&dispatch, 0..N);
    let handle = guard.handle();
    drop(guard_with_longer_deadline(guard, &handle));
    let m = handle.metrics();
    assert_eq!(m.delivered, N, "{m:?}");
    assert_eq!(m.dropped.total(), 0, "{m:?}");
    assert!(
        m.retries > 0 && m.throttled > 0,
        "faults were injected: {m:?}"
    );
    let stats = server.stats();
    assert!(
        stats.fault_count(FaultKind::Throttle) > 0
            && stats.fault_count(FaultKind::Unavailable) > 0
            && stats.fault_count(FaultKind::Reset) > 0
    );
    assert_exactly_once(&server, N);
    assert_no_violations(&server);
}

/// Flushes with a generous wait (retries under heavy fault rates take a while), then
/// returns the guard for an ordinary drop.
fn guard_with_longer_deadline(guard: WorkerGuard, handle: &CloudWatchHandle) -> WorkerGuard {
    assert!(
        handle.flush_blocking(Duration::from_secs(120)),
        "flush did not finish"
    );
    guard
}

#[test]
fn an_accepted_batch_whose_answer_is_lost_is_the_one_unavoidable_duplicate() {
    let server = StrictLogs::start(StrictConfig::default());
    server.create_group_and_stream(GROUP, STREAM);
    server.push_faults([Fault::ResetAfterAccept]);
    let (dispatch, guard) = start(&server, |b| b);
    emit(&dispatch, 0..100);
    drop(guard);
    // Without sequence tokens the client cannot tell a lost answer from a lost request.
    let counts = seq_counts(&server);
    assert_eq!(counts.len(), 100);
    assert!(
        counts.values().all(|c| *c == 2),
        "the whole batch, once more"
    );
}

#[test]
fn with_enforced_tokens_a_lost_answer_is_recognised_and_tokens_are_followed() {
    const N: u64 = 30_000;
    let server = StrictLogs::start(StrictConfig {
        enforce_sequence_tokens: true,
        ..Default::default()
    });
    server.create_group_and_stream(GROUP, STREAM);
    let (dispatch, guard) = start(&server, |b| b.max_in_flight(4));
    emit(&dispatch, 0..N / 2);
    guard.handle().flush_blocking(Duration::from_secs(60));
    // A stored batch whose answer is lost: the retry carries the same token and the endpoint
    // answers DataAlreadyAccepted, which is success. (An injected DataAlreadyAccepted for a
    // batch never stored would be the endpoint lying; see the next test.)
    // (A token error injected on that retry would make the endpoint contradict itself, so it
    // comes first.)
    server.push_faults([Fault::InvalidSequenceToken, Fault::ResetAfterAccept]);
    emit(&dispatch, N / 2..N);
    let handle = guard.handle();
    drop(guard);
    let m = handle.metrics();
    assert_eq!((m.delivered, m.dropped.total()), (N, 0), "{m:?}");
    assert_exactly_once(&server, N);
    assert_no_violations(&server);
    let refused_tokens = server
        .stats()
        .puts
        .iter()
        .filter(|p| matches!(p.outcome, PutOutcome::Error(code) if code == "InvalidSequenceTokenException" || code == "DataAlreadyAcceptedException"))
        .count();
    assert!(
        refused_tokens > 0,
        "the endpoint enforced tokens and the layer followed them"
    );
}

#[test]
fn data_already_accepted_is_success_and_not_sent_again() {
    let server = StrictLogs::start(StrictConfig::default());
    server.create_group_and_stream(GROUP, STREAM);
    server.push_faults([Fault::DataAlreadyAccepted]);
    let (dispatch, guard) = start(&server, |b| b);
    emit(&dispatch, 0..10);
    let handle = guard.handle();
    drop(guard);
    let m = handle.metrics();
    assert_eq!((m.delivered, m.retries, m.requests), (10, 0, 1), "{m:?}");
    assert_eq!(server.stats().put_requests, 1);
}

#[test]
fn an_outage_is_ridden_out_when_the_buffer_holds_it() {
    let server = StrictLogs::start(StrictConfig::default());
    server.set_down(true);
    let (dispatch, guard) = start(&server, |b| b.flush_interval(Duration::from_millis(100)));
    emit(&dispatch, 0..5_000);
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(server.accepted().is_empty());
    server.set_down(false);
    let handle = guard.handle();
    assert!(handle.flush_blocking(Duration::from_secs(60)));
    drop(guard);
    let m = handle.metrics();
    assert_eq!((m.delivered, m.dropped.total()), (5_000, 0), "{m:?}");
    assert_exactly_once(&server, 5_000);
    assert_no_violations(&server);
}

#[test]
fn a_small_buffer_drops_newest_without_blocking_and_says_so() {
    const N: u64 = 50_000;
    const BUFFER: usize = 1_100_000;
    let server = StrictLogs::start(StrictConfig::default());
    server.set_down(true);
    let (dispatch, guard) = start(&server, |b| {
        b.buffer_bytes(BUFFER)
            .max_event_bytes(16 * 1024)
            .flush_interval(Duration::from_millis(100))
    });
    let handle = guard.handle();
    let mut peak = 0;
    for chunk in 0..10 {
        emit(&dispatch, chunk * N / 10..(chunk + 1) * N / 10);
        peak = peak.max(handle.metrics().buffered_bytes);
    }
    // The application got through every event while the endpoint was still down: it never
    // waited for the layer.
    assert!(server.accepted().is_empty());
    assert!(peak <= BUFFER as u64, "peak {peak} over the bound");
    let during = handle.metrics();
    assert!(during.dropped.buffer_full > 0, "{during:?}");

    server.set_down(false);
    // Room comes back as the buffered batches land; the drop report follows.
    let until = Instant::now() + Duration::from_secs(60);
    while handle.metrics().drop_reports_delivered == 0 && Instant::now() < until {
        assert!(handle.flush_blocking(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(150));
    }
    drop(guard);
    let m = handle.metrics();
    assert_eq!(m.emitted, N);
    assert_eq!(m.delivered + m.dropped.total(), m.emitted, "{m:?}");
    assert!(m.drop_reports_delivered >= 1, "{m:?}");
    let report = server
        .accepted()
        .into_iter()
        .map(|e| serde_json::from_str::<Value>(&e.message).unwrap())
        .find(|r| r["target"] == "tracing_cloudwatch_logs")
        .expect("a drop report in CloudWatch");
    assert_eq!(report["level"], "WARN");
    assert!(report["buffer_full"].as_u64().unwrap() > 0);
    assert_eq!(report["dropped"], report["buffer_full"]);
    assert_no_violations(&server);
}

#[test]
fn a_deleted_stream_is_recreated_and_permanent_errors_are_not_retried() {
    let server = StrictLogs::start(StrictConfig::default());
    server.create_group_and_stream(GROUP, STREAM);
    server.push_faults([Fault::ResourceNotFound]);
    let (dispatch, guard) = start(&server, |b| b.flush_interval(Duration::from_millis(50)));
    let handle = guard.handle();
    emit(&dispatch, 0..10);
    assert!(handle.flush_blocking(Duration::from_secs(10)));
    server.push_faults([Fault::AccessDenied]);
    emit(&dispatch, 10..20);
    assert!(handle.flush_blocking(Duration::from_secs(10)));
    emit(&dispatch, 20..30);
    drop(guard);
    let m = handle.metrics();
    // First batch: not found, re-created, stored. Second: access denied, dropped at once.
    assert_eq!(m.delivered, 20, "{m:?}");
    assert_eq!(m.dropped.non_retryable, 10, "{m:?}");
    let counts = seq_counts(&server);
    assert!(
        (0..10).chain(20..30).all(|s| counts.get(&s) == Some(&1)),
        "{counts:?}"
    );
    assert!((10..20).all(|s| !counts.contains_key(&s)));
}

#[test]
fn the_sdk_s_own_trace_events_never_reach_cloudwatch() {
    let server = StrictLogs::start(StrictConfig::default());
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group(GROUP)
        .log_stream(STREAM)
        .service("strict")
        .build(sdk_client(&server))
        .unwrap();
    // RUST_LOG=trace for every target, the SDK, hyper and rustls included.
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("trace"))
        .with(layer);
    let dispatch = tracing::Dispatch::new(subscriber);
    emit(&dispatch, 0..50);
    let handle = guard.handle();
    assert!(handle.flush_blocking(Duration::from_secs(10)));
    emit(&dispatch, 50..100);
    drop(guard);
    let targets: Vec<String> = server
        .accepted()
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(&e.message).unwrap()["target"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(targets.len(), 100, "no amplification");
    assert!(
        targets.iter().all(|t| t == "strict"),
        "only the application's events: {:?}",
        targets.iter().find(|t| *t != "strict")
    );
    assert_eq!(handle.metrics().emitted, 100);
}

#[test]
fn shutdown_ends_once_everything_is_counted_even_when_nothing_can_be_stored() {
    // No group, and the layer may not create it: every batch, and the drop report that
    // follows, is refused at once. Shutdown used to wait out its whole timeout with that
    // report stuck in the batch being built.
    let server = StrictLogs::start(StrictConfig::default());
    let (dispatch, guard) = start(&server, |b| {
        b.create_log_group(false)
            .shutdown_timeout(Duration::from_secs(60))
    });
    let handle = guard.handle();
    emit(&dispatch, 0..3);
    let started = Instant::now();
    drop(guard);
    let took = started.elapsed();
    let m = handle.metrics();
    assert_eq!((m.emitted, m.dropped.non_retryable), (3, 3), "{m:?}");
    // Not a timing claim: the 60 s deadline is the failure, anything near a second is not.
    assert!(took < Duration::from_secs(30), "shutdown took {took:?}");
}

#[test]
fn drops_at_exit_are_reported_in_cloudwatch_before_shutdown_returns() {
    let server = StrictLogs::start(StrictConfig::default());
    let (dispatch, guard) = start(&server, |b| {
        b.buffer_bytes(65_536)
            .max_event_bytes(1_024)
            .shutdown_timeout(Duration::from_secs(60))
    });
    let handle = guard.handle();
    // A burst far larger than the buffer, then exit at once.
    emit(&dispatch, 0..20_000);
    let started = Instant::now();
    drop(guard);
    let took = started.elapsed();
    let m = handle.metrics();
    assert!(m.dropped.buffer_full > 0, "{m:?}");
    assert_eq!(m.delivered + m.dropped.total(), m.emitted, "{m:?}");
    assert!(m.drop_reports_delivered >= 1, "{m:?}");
    // The reports in CloudWatch account for every drop, the last of them written at exit.
    let reported: u64 = server
        .accepted()
        .into_iter()
        .map(|e| serde_json::from_str::<Value>(&e.message).unwrap())
        .filter(|r| r["target"] == "tracing_cloudwatch_logs")
        .map(|r| r["buffer_full"].as_u64().unwrap())
        .sum();
    assert_eq!(reported, m.dropped.buffer_full, "{m:?}");
    assert!(took < Duration::from_secs(30), "shutdown took {took:?}");
    assert_no_violations(&server);
}

#[test]
fn a_small_buffer_keeps_up_with_a_steady_rate() {
    // 5,000 events a second for three seconds, into a buffer that holds about 700 of them:
    // the worker must send as the buffer fills, not once per flush tick.
    let server = StrictLogs::start(StrictConfig::default());
    let (dispatch, guard) = start(&server, |b| b.buffer_bytes(262_144).max_event_bytes(1_024));
    let handle = guard.handle();
    for round in 0..60 {
        emit(&dispatch, round * 250..(round + 1) * 250);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(handle.flush_blocking(Duration::from_secs(30)));
    drop(guard);
    let m = handle.metrics();
    assert_eq!(m.emitted, 15_000);
    assert_eq!(m.delivered + m.dropped.total(), m.emitted, "{m:?}");
    // Before the worker sealed on a quarter of the buffer, 83 % were dropped (it sent once
    // per flush tick); on a quiet machine none are. The bound leaves room for a machine busy
    // with the other tests, and still fails the old behaviour.
    assert!(m.dropped.buffer_full < 7_500, "{m:?}");
    assert_no_violations(&server);
}

/// The layer writes the `PutLogEvents` body itself: every kind of text a record can carry
/// arrives as it was logged, signed, in a record larger than a chunk too.
#[test]
fn records_with_every_kind_of_text_arrive_as_logged() {
    let server = StrictLogs::start(StrictConfig::default());
    server.create_group_and_stream(GROUP, STREAM);
    let (dispatch, guard) = start(&server, |b| b);
    let texts = [
        r#"say "hi" to C:\temp\new"#.to_owned(),
        "tab\tnewline\nreturn\rbell\u{7}nul\u{0}unit\u{1f}".to_owned(),
        "é ✓ 😀 \u{2028}\u{2029} \u{7f}".to_owned(),
        String::new(),
        "\"\\".repeat(40_000),
    ];
    tracing::dispatcher::with_default(&dispatch, || {
        for (i, text) in texts.iter().enumerate() {
            tracing::info!(i, text = text.as_str(), "{text}");
        }
    });
    drop(guard);
    assert_no_violations(&server);
    let mut arrived: Vec<Value> = server
        .accepted()
        .iter()
        .map(|e| serde_json::from_str(&e.message).unwrap())
        .collect();
    arrived.sort_by_key(|r| r["i"].as_u64());
    assert_eq!(arrived.len(), texts.len());
    for (record, text) in arrived.iter().zip(&texts) {
        assert_eq!(record["message"], text.as_str());
        assert_eq!(record["text"], text.as_str());
    }
}

/// Credentials that sign wrongly (here a wrong secret key, which AWS answers with
/// `InvalidSignatureException`) are not retried: the batch is dropped and counted at once.
#[test]
fn a_wrong_secret_key_is_not_retried() {
    let server = StrictLogs::start(StrictConfig::default());
    server.create_group_and_stream(GROUP, STREAM);
    let sdk = test_support::sdk_config_blocking(&server.endpoint());
    let config = aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
        .credentials_provider(aws_sdk_cloudwatchlogs::config::Credentials::new(
            test_support::TEST_ACCESS_KEY,
            "not the secret key",
            None,
            None,
            "test",
        ))
        .build();
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group(GROUP)
        .log_stream(STREAM)
        .service("strict")
        .build(aws_sdk_cloudwatchlogs::Client::from_conf(config))
        .unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let handle = guard.handle();
    emit(&dispatch, 0..10);
    drop(guard);
    let m = handle.metrics();
    assert_eq!(m.dropped.non_retryable, 10, "{m:?}");
    // One request for the batch and one for the drop report that says it was lost (refused
    // too), neither sent again.
    assert_eq!((m.requests, m.retries), (2, 0), "{m:?}");
    assert!(server.accepted().is_empty());
}

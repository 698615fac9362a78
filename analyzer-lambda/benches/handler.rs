//! Handler CPU time for one 10,000-event subscription payload, with the in-memory store and
//! alerter (so no AWS call is timed): decode (base64 + gzip), parse, classify, fingerprint,
//! build rows, aggregate, alert. Two payloads: a realistic mix, and a storm of one problem
//! whose every event carries different ids.
//!
//! ```text
//! cargo bench -p analyzer-lambda --bench handler -- --warm-up-time 1 --measurement-time 3
//! ```

use analyzer_lambda::alert::memory::MemoryAlerter;
use analyzer_lambda::config::Settings;
use analyzer_lambda::handler::Analyzer;
use analyzer_lambda::payload::{DATA_MESSAGE, LogEvent, LogsPayload, encode_event};
use analyzer_lambda::store::memory::MemoryStore;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const EVENTS: usize = 10_000;
const T0: i64 = 1_795_525_200_000;

/// A realistic mix: our layer's records (errors with ids that parameterize away, warnings,
/// info), a Powertools line and Lambda text lines.
fn line(i: usize) -> String {
    match i % 10 {
        0..=5 => serde_json::json!({
            "timestamp": "2026-11-24T13:00:00.000Z",
            "level": "ERROR",
            "message": format!("payment failed for order {i} of customer {}", i * 7),
            "service": "orders-api",
            "trace_id": format!("{i:032x}"),
            "target": "demo_api::payments",
            "order_id": i,
            "error": {"message": "card declined", "sources": ["issuer said no"]},
            "spans": [{"name": "request", "trace_id": format!("{i:032x}"), "method": "POST"}],
        })
        .to_string(),
        6 => serde_json::json!({
            "timestamp": "2026-11-24T13:00:00.000Z",
            "level": "WARN",
            "message": format!("slow call to 10.0.{}.{}:5432 took {} ms", i % 255, i % 7, i % 900),
            "service": "orders-api",
            "target": "demo_api::db",
        })
        .to_string(),
        7 => serde_json::json!({
            "level": "ERROR",
            "message": format!("Failed to charge customer {i}"),
            "service": "payments",
            "xray_trace_id": format!("1-5759e988-{i:024x}"),
            "exception_name": "ValueError",
        })
        .to_string(),
        8 => format!(
            "2026-11-24T13:00:00.123Z\t6f9a1c1e-2d3b-4a5c-8e7f-{i:012x}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"x is undefined\"}}"
        ),
        _ => format!("INFO request {i} served in 3 ms"),
    }
}

/// One problem, every id different: Powertools records of a failing charge.
fn storm_line(i: usize) -> String {
    serde_json::json!({
        "level": "ERROR",
        "location": "charge:57",
        "message": format!("Failed to charge customer cus_{:014x} amount {}.{:02}", i * 7919 + 0xa1b2c3, i % 997, i % 100),
        "timestamp": "2026-11-24 13:00:00,123+0000",
        "service": "payments",
        "cold_start": false,
        "function_name": "payments",
        "function_memory_size": "512",
        "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:payments",
        "function_request_id": format!("6f9a1c1e-2d3b-4a5c-8e7f-{i:012x}"),
        "xray_trace_id": format!("1-5759e988-{i:024x}"),
    })
    .to_string()
}

fn payload() -> LogsPayload {
    payload_of(line)
}

fn payload_of(line: fn(usize) -> String) -> LogsPayload {
    LogsPayload {
        owner: "123456789012".into(),
        log_group: "/demo/orders-api".into(),
        log_stream: "web/1".into(),
        subscription_filters: vec!["errors".into()],
        message_type: DATA_MESSAGE.into(),
        log_events: (0..EVENTS)
            .map(|i| LogEvent {
                id: format!("{:056}", 37_000_000 + i),
                timestamp: T0 + i as i64,
                message: line(i),
            })
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let event = encode_event(&payload());
    let storm = encode_event(&payload_of(storm_line));
    let mut group = c.benchmark_group("handler");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.bench_function("10k_events_in_memory", |b| {
        b.iter_batched(
            || {
                Analyzer::new(
                    MemoryStore::new(),
                    MemoryAlerter::new(),
                    Settings::default(),
                )
            },
            |analyzer| {
                let summary = runtime
                    .block_on(analyzer.handle_event(&event, T0 + 60_000, None))
                    .expect("in memory never fails");
                assert_eq!(summary.events_seen, EVENTS as u64);
                assert_eq!(summary.errors_found, 9_000);
                assert_eq!(summary.fingerprints, 4);
                // Dropping the in-memory store's 9,000 rows is the bench's cost, not the
                // handler's: returned, so criterion drops it outside the timing.
                (analyzer, summary)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("10k_storm_one_problem_varying_ids", |b| {
        b.iter_batched(
            || {
                Analyzer::new(
                    MemoryStore::new(),
                    MemoryAlerter::new(),
                    Settings::default(),
                )
            },
            |analyzer| {
                let summary = runtime
                    .block_on(analyzer.handle_event(&storm, T0 + 60_000, None))
                    .expect("in memory never fails");
                assert_eq!(summary.errors_found, EVENTS as u64);
                assert_eq!(summary.fingerprints, 1);
                assert_eq!(summary.alerts_sent, 1);
                (analyzer, summary)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

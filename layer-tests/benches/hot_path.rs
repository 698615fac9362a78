//! Cost on the application's thread per event, side by side with
//! `tracing_subscriber::fmt().json()` writing through `tracing_appender::non_blocking`, and
//! with the floor: serialising the same record with `serde_json` into a reused buffer.
//!
//! `cargo bench -p tracing-cloudwatch-logs-tests --bench hot_path`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde::Serialize;
use tracing_cloudwatch_logs::{
    BoxFuture, ClientError, LogsClient, PutLogEventsRequest, PutLogEventsResponse,
};
use tracing_subscriber::prelude::*;

/// Accepts everything at once: the bench measures the application thread, not the network.
struct Discard;

impl LogsClient for Discard {
    fn put_log_events<'a>(
        &'a self,
        _request: PutLogEventsRequest<'a>,
    ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>> {
        Box::pin(async { Ok(PutLogEventsResponse::default()) })
    }
    fn create_log_group<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async { Ok(()) })
    }
    fn create_log_stream<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async { Ok(()) })
    }
    fn put_retention_policy<'a>(
        &'a self,
        _: &'a str,
        _: i32,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async { Ok(()) })
    }
}

fn emit_in_span() {
    tracing::info!(
        order_id = 42_u64,
        customer = "c-1138",
        amount = 19.99,
        "order created"
    );
}

/// Events emitted between two calls of `settle`: about 20 MB of records, far below the
/// buffer of the layer benched.
const SETTLE_EVERY: u64 = 50_000;

/// The time `body` takes `iters` times, run in runs of [`SETTLE_EVERY`] with `settle`
/// before each, outside the time measured: it lets a worker deliver what the last run
/// emitted. Without it the application thread, which has a core to itself here, outran the
/// worker that shares the other, and the buffer filled during criterion's warm-up (0.6-0.8 %
/// of events dropped in a run), so some samples measured dropped events, which cost less
/// than kept ones.
fn timed(iters: u64, settle: &dyn Fn(), mut body: impl FnMut()) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let run = left.min(SETTLE_EVERY);
        settle();
        let start = Instant::now();
        for _ in 0..run {
            body();
        }
        total += start.elapsed();
        left -= run;
    }
    total
}

/// Runs both workloads through `dispatch`, `settle` between runs (see [`timed`]).
fn workload(c: &mut Criterion, name: &str, dispatch: &tracing::Dispatch, settle: &dyn Fn()) {
    tracing::dispatcher::with_default(dispatch, || {
        let span = tracing::info_span!(
            "request",
            trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
            route = "/orders"
        );
        let _entered = span.enter();
        c.bench_function(&format!("{name}/event_in_span"), |b| {
            b.iter_custom(|iters| timed(iters, settle, emit_in_span))
        });
    });
    tracing::dispatcher::with_default(dispatch, || {
        c.bench_function(&format!("{name}/span_and_event"), |b| {
            b.iter_custom(|iters| {
                timed(iters, settle, || {
                    let span = tracing::info_span!(
                        "request",
                        trace_id = black_box("4bf92f3577b34da6a3ce929d0e0e4736"),
                        route = "/orders"
                    );
                    let _entered = span.enter();
                    emit_in_span();
                })
            })
        });
    });
}

/// The record the layer writes for `emit_in_span`, as plain serde structs.
#[derive(Serialize)]
struct Record<'a> {
    timestamp: &'a str,
    level: &'a str,
    message: &'a str,
    service: &'a str,
    trace_id: &'a str,
    xray_trace_id: &'a str,
    target: &'a str,
    order_id: u64,
    customer: &'a str,
    amount: f64,
    spans: [SpanFields<'a>; 1],
}

#[derive(Serialize)]
struct SpanFields<'a> {
    name: &'a str,
    trace_id: &'a str,
    route: &'a str,
}

fn span_fields() -> SpanFields<'static> {
    SpanFields {
        name: "request",
        trace_id: black_box("4bf92f3577b34da6a3ce929d0e0e4736"),
        route: "/orders",
    }
}

fn record(spans: [SpanFields<'_>; 1]) -> Record<'_> {
    Record {
        timestamp: black_box("2026-11-30T13:49:06.123Z"),
        level: "INFO",
        message: "order created",
        service: "bench",
        trace_id: black_box("4bf92f3577b34da6a3ce929d0e0e4736"),
        xray_trace_id: "1-4bf92f35-77b34da6a3ce929d0e0e4736",
        target: "hot_path",
        order_id: black_box(42),
        customer: "c-1138",
        amount: 19.99,
        spans,
    }
}

/// The floor: only making the JSON, into a buffer that is reused. For `span_and_event` the
/// span's fields are serialised once more, as a layer must when the span is created.
fn serde_floor(c: &mut Criterion) {
    let mut buffer = Vec::with_capacity(1024);
    c.bench_function("serde-json-floor/event_in_span", |b| {
        b.iter(|| {
            buffer.clear();
            serde_json::to_writer(&mut buffer, &record([span_fields()])).unwrap();
            black_box(&buffer);
        })
    });
    let mut span_buffer = Vec::with_capacity(256);
    c.bench_function("serde-json-floor/span_and_event", |b| {
        b.iter(|| {
            span_buffer.clear();
            serde_json::to_writer(&mut span_buffer, &span_fields()).unwrap();
            buffer.clear();
            serde_json::to_writer(&mut buffer, &record([span_fields()])).unwrap();
            black_box((&span_buffer, &buffer));
        })
    });
}

fn bench(c: &mut Criterion) {
    serde_floor(c);
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/bench/hot-path")
        .service("bench")
        .buffer_bytes(256 * 1024 * 1024)
        .flush_interval(Duration::from_millis(200))
        .build(Discard)
        .expect("valid configuration");
    let ours = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let handle = guard.handle();
    let delivered = || {
        assert!(
            handle.flush_blocking(Duration::from_secs(60)),
            "the worker did not deliver a sample's events within a minute"
        );
    };
    workload(c, "tracing-cloudwatch-logs", &ours, &delivered);
    let metrics = guard.metrics();
    drop(guard);
    // A bench that dropped events would measure less work than it claims.
    assert_eq!(
        metrics.dropped.buffer_full, 0,
        "the layer dropped events: {metrics:?}"
    );

    // What `tracing` itself costs (callsite, dispatch, span stack) with no layer at all: the
    // part of every subscriber's figure that no layer can remove.
    let registry_only = tracing::Dispatch::new(tracing_subscriber::registry());
    workload(c, "registry-only", &registry_only, &|| {});

    let (writer, _appender_guard) = tracing_appender::non_blocking(std::io::sink());
    let fmt_json = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().json().with_writer(writer)),
    );
    workload(c, "fmt-json-non-blocking", &fmt_json, &|| {});
}

criterion_group!(benches, bench);
criterion_main!(benches);

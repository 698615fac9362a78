//! Cost on the application's thread per event, side by side with
//! `tracing_subscriber::fmt().json()` writing through `tracing_appender::non_blocking`.
//!
//! `cargo bench -p tracing-cloudwatch-logs --bench hot_path`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
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

fn workload(c: &mut Criterion, name: &str, dispatch: &tracing::Dispatch) {
    tracing::dispatcher::with_default(dispatch, || {
        let span = tracing::info_span!(
            "request",
            trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
            route = "/orders"
        );
        let _entered = span.enter();
        c.bench_function(&format!("{name}/event_in_span"), |b| b.iter(emit_in_span));
    });
    tracing::dispatcher::with_default(dispatch, || {
        c.bench_function(&format!("{name}/span_and_event"), |b| {
            b.iter(|| {
                let span = tracing::info_span!(
                    "request",
                    trace_id = black_box("4bf92f3577b34da6a3ce929d0e0e4736"),
                    route = "/orders"
                );
                let _entered = span.enter();
                emit_in_span();
            })
        });
    });
}

fn bench(c: &mut Criterion) {
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/bench/hot-path")
        .service("bench")
        .buffer_bytes(256 * 1024 * 1024)
        .flush_interval(Duration::from_millis(200))
        .build(Discard)
        .expect("valid configuration");
    let ours = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    workload(c, "tracing-cloudwatch-logs", &ours);
    let metrics = guard.metrics();
    drop(guard);
    // A bench that dropped events would measure less work than it claims.
    assert_eq!(
        metrics.dropped.buffer_full, 0,
        "the layer dropped events: {metrics:?}"
    );

    let (writer, _appender_guard) = tracing_appender::non_blocking(std::io::sink());
    let fmt_json = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().json().with_writer(writer)),
    );
    workload(c, "fmt-json-non-blocking", &fmt_json);
}

criterion_group!(benches, bench);
criterion_main!(benches);

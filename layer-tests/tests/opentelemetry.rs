//! With `tracing-opentelemetry`, a record's `trace_id` and `span_id` are the OpenTelemetry
//! span context's (W3C hex), with the X-Ray form beside them; an explicit `trace_id` field
//! still wins (feature `opentelemetry`).

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use serde_json::Value;
use tracing_cloudwatch_logs::MemoryClient;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::prelude::*;

/// The records of what `f` logs, and the OpenTelemetry (trace id, span id) of the spans `f`
/// returns, read through `tracing-opentelemetry`'s own API; with or without an
/// OpenTelemetry layer in the subscriber.
fn capture_with(
    opentelemetry: bool,
    f: impl FnOnce() -> Vec<tracing::Span>,
) -> (Vec<Value>, Vec<(String, String)>) {
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let client = MemoryClient::default();
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/test/otel")
        .service("orders-api")
        .build(client.clone())
        .unwrap();
    let otel =
        opentelemetry.then(|| tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let subscriber = tracing_subscriber::registry().with(otel).with(layer);
    let ids = tracing::subscriber::with_default(subscriber, || {
        f().iter()
            .map(|span| {
                let cx = span.context();
                let otel = cx.span();
                let context = otel.span_context();
                (
                    context.trace_id().to_string(),
                    context.span_id().to_string(),
                )
            })
            .collect()
    });
    drop(guard);
    (client.records(), ids)
}

fn capture(f: impl FnOnce() -> Vec<tracing::Span>) -> (Vec<Value>, Vec<(String, String)>) {
    capture_with(true, f)
}

#[test]
fn records_carry_the_opentelemetry_trace_and_span_ids_and_the_xray_form() {
    let (records, ids) = capture(|| {
        let request = tracing::info_span!("request", method = "POST");
        let charge = request.in_scope(|| {
            tracing::info!("order received");
            let charge = tracing::info_span!("charge");
            charge.in_scope(|| tracing::error!("card declined"));
            charge
        });
        vec![request, charge]
    });
    let (trace_id, request_span_id) = &ids[0];
    let (charge_trace_id, charge_span_id) = &ids[1];
    assert_eq!(trace_id, charge_trace_id, "one trace: {ids:?}");
    assert_eq!(trace_id.len(), 32);
    assert_ne!(request_span_id, charge_span_id);
    let xray = format!("1-{}-{}", &trace_id[..8], &trace_id[8..]);

    assert_eq!(records.len(), 2, "{records:?}");
    for (record, span_id) in records.iter().zip([request_span_id, charge_span_id]) {
        assert_eq!(record["trace_id"], trace_id.as_str(), "{record}");
        assert_eq!(
            record["span_id"],
            span_id.as_str(),
            "the event's own span: {record}"
        );
        assert_eq!(record["xray_trace_id"], xray.as_str(), "{record}");
    }
}

#[test]
fn an_explicit_trace_id_field_wins_over_the_opentelemetry_context() {
    let (records, _) = capture(|| {
        let request = tracing::info_span!("request");
        request.in_scope(|| tracing::info!(trace_id = "req-42", "explicit"));
        let tagged = tracing::info_span!("tagged", trace_id = "4bf92f3577b34da6a3ce929d0e0e4736");
        tagged.in_scope(|| tracing::info!("from the span's field"));
        vec![request, tagged]
    });
    assert_eq!(records[0]["trace_id"], "req-42");
    assert!(
        records[0].get("span_id").is_none(),
        "an OpenTelemetry span id of another trace is not written: {}",
        records[0]
    );
    assert_eq!(records[1]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(
        records[1]["xray_trace_id"],
        "1-4bf92f35-77b34da6a3ce929d0e0e4736"
    );
}

#[test]
fn without_an_opentelemetry_layer_records_have_no_trace_context() {
    let (records, _) = capture_with(false, || {
        tracing::info_span!("request").in_scope(|| tracing::info!("no tracer"));
        Vec::new()
    });
    assert!(records[0].get("trace_id").is_none(), "{}", records[0]);
    assert!(records[0].get("span_id").is_none(), "{}", records[0]);
}

//! Records that carry OpenTelemetry's trace context: with the `opentelemetry` feature and a
//! `tracing-opentelemetry` layer in the subscriber, each record's `trace_id` and `span_id` are
//! those of the event's OpenTelemetry span, and `xray_trace_id` the trace id in X-Ray's form.
//!
//! ```sh
//! AWS_REGION=eu-west-1 cargo run -p tracing-cloudwatch-logs --features opentelemetry --example opentelemetry
//! ```
//!
//! Credentials and region come from the usual AWS chain; `AWS_ENDPOINT_URL` points it at a
//! local emulator. `LOG_GROUP` and `LOG_STREAM` choose where the records go. The tracer
//! provider here exports nothing; a real service adds its exporter (OTLP, X-Ray) to it.

use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config().await;
    let mut builder = tracing_cloudwatch_logs::builder()
        .log_group(std::env::var("LOG_GROUP").unwrap_or_else(|_| "/examples/opentelemetry".into()))
        .service("checkout");
    if let Ok(stream) = std::env::var("LOG_STREAM") {
        builder = builder.log_stream(stream);
    }
    let (cloudwatch, guard) = builder.build(aws_sdk_cloudwatchlogs::Client::new(&config))?;

    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("checkout")))
        .with(cloudwatch)
        .init();

    let span = tracing::info_span!("checkout", cart = 7);
    let _entered = span.enter();
    // What OpenTelemetry says this span is; the records below carry the same ids.
    let context = span.context();
    let ids = context.span().span_context().clone();
    eprintln!("trace {} span {}", ids.trace_id(), ids.span_id());
    tracing::warn!(retries = 2, "payment provider slow");
    tracing::error!("payment failed");

    let metrics = guard.shutdown().await;
    eprintln!(
        "log events: delivered {}, dropped {}",
        metrics.delivered,
        metrics.dropped.total()
    );
    provider.shutdown()?;
    if metrics.dropped.total() > 0 {
        return Err(format!("events were dropped: {:?}", metrics.dropped).into());
    }
    Ok(())
}

/// The standard AWS chain (see the `minimal` example for why the HTTP client is named).
async fn aws_config() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await
}

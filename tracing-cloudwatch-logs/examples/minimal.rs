//! The quick start: a few records to CloudWatch Logs, then shutdown with the final counters.
//!
//! ```sh
//! AWS_REGION=eu-west-1 cargo run -p tracing-cloudwatch-logs --example minimal
//! ```
//!
//! Credentials and region come from the usual AWS chain; `AWS_ENDPOINT_URL` points it at a
//! local emulator. `LOG_GROUP` and `LOG_STREAM` choose where the records go (defaults:
//! `/examples/minimal`, the per-process default stream).

use tracing_subscriber::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config().await;
    let mut builder = tracing_cloudwatch_logs::builder()
        .log_group(std::env::var("LOG_GROUP").unwrap_or_else(|_| "/examples/minimal".into()))
        .service("minimal-example")
        .static_field("env", "example");
    if let Ok(stream) = std::env::var("LOG_STREAM") {
        builder = builder.log_stream(stream);
    }
    let (cloudwatch, guard) = builder.build(aws_sdk_cloudwatchlogs::Client::new(&config))?;

    tracing_subscriber::registry()
        .with(cloudwatch)
        .with(tracing_subscriber::fmt::layer())
        .init();

    let span = tracing::info_span!("request", trace_id = "4bf92f3577b34da6a3ce929d0e0e4736");
    let _entered = span.enter();
    tracing::info!(order_id = 42, "order created");
    let err = std::io::Error::other("card declined");
    tracing::error!(
        order_id = 42,
        error = &err as &dyn std::error::Error,
        "payment declined"
    );

    // Delivers what is buffered, waiting at most the builder's shutdown_timeout (5 s).
    let metrics = guard.shutdown().await;
    eprintln!(
        "log events: delivered {}, dropped {}",
        metrics.delivered,
        metrics.dropped.total()
    );
    if metrics.dropped.total() > 0 {
        return Err(format!("events were dropped: {:?}", metrics.dropped).into());
    }
    Ok(())
}

/// The standard AWS chain. With `aws-config`'s default features this is just
/// `aws_config::load_defaults(BehaviorVersion::latest())`; this repository builds the SDK
/// without them, so it names its HTTP client (hyper + rustls with ring).
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

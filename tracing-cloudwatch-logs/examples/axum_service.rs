//! An axum service: a span per request (method, route, trace id) around every record its
//! handlers write, graceful shutdown on Ctrl-C or SIGTERM, then the final flush.
//!
//! ```sh
//! AWS_REGION=eu-west-1 cargo run -p tracing-cloudwatch-logs --example axum_service
//! curl -H 'x-trace-id: 4bf92f3577b34da6a3ce929d0e0e4736' localhost:3000/orders/7
//! ```
//!
//! `LISTEN_ADDR` (default `127.0.0.1:3000`), `LOG_GROUP` (default `/examples/axum`) and
//! `LOG_STREAM` (default: per process) configure it; the AWS chain does the rest.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{MatchedPath, Path};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tower_http::trace::TraceLayer;
use tracing_subscriber::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config().await;
    let mut builder = tracing_cloudwatch_logs::builder()
        .log_group(std::env::var("LOG_GROUP").unwrap_or_else(|_| "/examples/axum".into()))
        .service("axum-example");
    if let Ok(stream) = std::env::var("LOG_STREAM") {
        builder = builder.log_stream(stream);
    }
    let (cloudwatch, guard) = builder.build(aws_sdk_cloudwatchlogs::Client::new(&config))?;
    tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("info"))
        .with(cloudwatch)
        .with(tracing_subscriber::fmt::layer())
        .init();

    let addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    // The one line on stdout: scripts (and this crate's tests) read the bound address here.
    println!("listening on {}", listener.local_addr()?);

    let served = axum::serve(listener, app())
        .with_graceful_shutdown(shutdown_signal())
        .await;
    tracing::info!(clean = served.is_ok(), "server stopped");

    // After the last request: deliver everything, then report.
    let metrics = guard.shutdown().await;
    eprintln!(
        "log events: delivered {}, dropped {}",
        metrics.delivered,
        metrics.dropped.total()
    );
    Ok(served?)
}

fn app() -> Router {
    Router::new()
        .route("/orders/{id}", get(order))
        // Outermost: one `request` span per request, so every record a handler writes
        // carries the method, the route and the trace id (the layer lifts `trace_id` to the
        // record's top level).
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or(request.uri().path(), MatchedPath::as_str);
                let trace_id = request
                    .headers()
                    .get("x-trace-id")
                    .and_then(|v| v.to_str().ok())
                    .map_or_else(new_trace_id, str::to_owned);
                tracing::info_span!("request", method = %request.method(), route, trace_id)
            }),
        )
}

async fn order(Path(id): Path<u64>) -> Result<String, StatusCode> {
    if id == 0 {
        tracing::warn!(order_id = id, "no such order");
        return Err(StatusCode::NOT_FOUND);
    }
    tracing::info!(order_id = id, "order read");
    Ok(format!("order {id}\n"))
}

/// A fresh 32-hex-digit id for requests that come without one.
fn new_trace_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:032x}",
        nanos ^ u128::from(NEXT.fetch_add(1, Ordering::Relaxed))
    )
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, what orchestrators send before stopping a service.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
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

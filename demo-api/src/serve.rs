//! The services' life: bind, serve, drain on SIGINT/SIGTERM, flush the logs, report.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;
use tracing::info;

use crate::cli::{PaymentsArgs, ServeArgs};
use crate::payments::SimulatedProvider;
use crate::payments::http::HttpProvider;
use crate::state::{AppState, PaymentsState};
use crate::telemetry::TelemetrySettings;
use crate::{app, telemetry};

/// Runs the orders service until SIGINT or SIGTERM (see [`serve`]). It charges through the
/// payments service at `--payments-url`.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let deadline = Duration::from_millis(args.payment_deadline_ms);
    let provider = HttpProvider::new(&args.payments_url, deadline)
        .context("building the HTTP client for the payments service")?;
    let upstream = provider.url().to_owned();
    let state = AppState::new(Arc::new(provider), deadline);
    serve(
        args.listen,
        args.telemetry(),
        Some(&upstream),
        app::app(state),
    )
    .await
}

/// Runs the payments service until SIGINT or SIGTERM (see [`serve`]).
pub async fn run_payments(args: PaymentsArgs) -> anyhow::Result<()> {
    let state = PaymentsState {
        processor: Arc::new(SimulatedProvider::new(args.processor())),
        processor_deadline: Duration::from_millis(args.processor_deadline_ms),
    };
    serve(
        args.listen,
        args.telemetry(),
        None,
        app::payments_app(state),
    )
    .await
}

/// Serves `router` until SIGINT or SIGTERM, then stops accepting connections, lets
/// in-flight requests finish, ships the remaining logs (bounded by
/// `--log-shutdown-timeout-ms`) and prints `log events: delivered N, dropped M` to stderr.
async fn serve(
    listen: SocketAddr,
    mut settings: TelemetrySettings,
    upstream: Option<&str>,
    router: Router,
) -> anyhow::Result<()> {
    let log_stream = settings.resolve_log_stream().to_owned();
    let guard = telemetry::init(&settings)
        .await
        .context("setting up logging")?;
    crate::panics::install_hook();

    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen} (is another instance running?)"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    info!(
        listen = %local,
        log_group = %settings.log_group,
        log_stream,
        payments_url = upstream,
        "{} listening",
        settings.service
    );

    let served = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await;

    // Logged after the last request finished and before the final flush: the integration
    // test checks that this record reaches CloudWatch.
    info!(
        clean = served.is_ok(),
        "shutting down: server stopped, flushing logs"
    );
    let metrics = guard.shutdown().await;
    eprintln!(
        "log events: delivered {}, dropped {}",
        metrics.delivered,
        metrics.dropped.total()
    );
    served.context("serving HTTP")
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM (what orchestrators send).
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

    let signal = tokio::select! {
        () = ctrl_c => "SIGINT",
        () = terminate => "SIGTERM",
    };
    info!(signal, "shutdown requested: draining in-flight requests");
}

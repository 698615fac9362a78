//! The server's life: bind, serve, drain on SIGINT/SIGTERM, flush the logs, report.

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tracing::info;

use crate::cli::ServeArgs;
use crate::payments::SimulatedProvider;
use crate::state::AppState;
use crate::{app, telemetry};

/// Runs the service until SIGINT or SIGTERM, then stops accepting connections, lets
/// in-flight requests finish, ships the remaining logs (bounded by
/// `--log-shutdown-timeout-ms`) and prints `log events: delivered N, dropped M` to stderr.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let guard = telemetry::init(&args.telemetry())
        .await
        .context("setting up logging")?;

    crate::panics::install_hook();
    let provider = Arc::new(SimulatedProvider::new(args.payments()));
    let deadline = std::time::Duration::from_millis(args.payment_deadline_ms);
    let state = AppState::new(provider, deadline);

    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {} (is another instance running?)", args.listen))?;
    let local = listener.local_addr().context("reading the bound address")?;
    info!(
        listen = %local,
        log_group = %args.log_group,
        log_stream = args.log_stream.as_deref().unwrap_or("<default>"),
        "orders-api listening"
    );

    let served = axum::serve(listener, app(state))
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

//! Logging set-up: the one place to read to wire `tracing-cloudwatch-logs` into a service.
//!
//! One subscriber, three parts:
//! - an [`EnvFilter`] (the `RUST_LOG` syntax, e.g. `info,demo_api=debug`) applied to both
//!   outputs;
//! - the CloudWatch layer: every event as one JSON record, shipped in the background;
//! - optionally a human-readable `fmt` layer on stdout, for the terminal and `kubectl logs`.
//!
//! [`init`] installs it globally for the binary; [`subscriber`] builds the same thing around
//! any [`LogsClient`], which is how the tests capture records in memory.

use std::io::IsTerminal;
use std::time::Duration;

use tracing::Subscriber;
use tracing_cloudwatch_logs::{BuildError, LogsClient, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::prelude::*;

/// Filter used when none is given.
pub const DEFAULT_FILTER: &str = "info";

/// What the logging needs to know.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// The `service` field of every record.
    pub service: String,
    /// The CloudWatch log group.
    pub log_group: String,
    /// The log stream; `None` uses the layer's per-process default.
    pub log_stream: Option<String>,
    /// An `EnvFilter` directive string (`RUST_LOG` syntax).
    pub filter: String,
    /// Whether to also print human-readable logs to stdout.
    pub stdout: bool,
    /// How long the final flush may take at shutdown.
    pub shutdown_timeout: Duration,
}

impl TelemetrySettings {
    /// The log stream records go to: the one given, or else the layer's per-process default
    /// ([`tracing_cloudwatch_logs::default_stream_name`]), filled in here. The default holds
    /// the start time, so it is computed once and kept: the name printed at start-up is then
    /// the one the layer writes to.
    pub fn resolve_log_stream(&mut self) -> &str {
        self.log_stream
            .get_or_insert_with(|| tracing_cloudwatch_logs::default_stream_name(&self.service))
    }
}

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The filter string does not parse.
    #[error("invalid log filter {filter:?} (RUST_LOG syntax, e.g. `info,demo_api=debug`)")]
    Filter {
        /// The rejected filter.
        filter: String,
        /// The parser's complaint.
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
    /// The CloudWatch layer rejected its settings.
    #[error("invalid CloudWatch settings")]
    Layer(#[from] BuildError),
    /// An `AWS_ENDPOINT_URL*` variable the SDK cannot use.
    #[error(transparent)]
    Environment(#[from] logpipe_aws::EnvironmentError),
    /// Another global subscriber was installed first.
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled(#[from] tracing::subscriber::SetGlobalDefaultError),
}

/// Builds the subscriber around `client`, returning it with the layer's guard.
///
/// Keep the guard for the life of the program and call `guard.shutdown().await` at the end,
/// after the last record you want shipped (see `main`).
pub fn subscriber(
    settings: &TelemetrySettings,
    client: impl LogsClient,
) -> Result<(impl Subscriber + Send + Sync + 'static, WorkerGuard), TelemetryError> {
    let filter = EnvFilter::try_new(&settings.filter).map_err(|source| TelemetryError::Filter {
        filter: settings.filter.clone(),
        source,
    })?;
    let mut builder = tracing_cloudwatch_logs::builder()
        .log_group(&settings.log_group)
        .service(&settings.service)
        .static_field("version", env!("CARGO_PKG_VERSION"))
        .shutdown_timeout(settings.shutdown_timeout);
    if let Some(stream) = &settings.log_stream {
        builder = builder.log_stream(stream);
    }
    let (cloudwatch, guard) = builder.build(client)?;
    // Colours only for a terminal: piped into a log collector they are noise.
    let ansi = std::io::stdout().is_terminal();
    let stdout = settings
        .stdout
        .then(|| tracing_subscriber::fmt::layer().with_ansi(ansi));
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(cloudwatch)
        .with(stdout);
    Ok((subscriber, guard))
}

/// Loads the AWS configuration from the environment (region, credentials,
/// `AWS_ENDPOINT_URL`, profiles) and installs the subscriber globally.
pub async fn init(settings: &TelemetrySettings) -> Result<WorkerGuard, TelemetryError> {
    let client = aws_sdk_cloudwatchlogs::Client::new(&logpipe_aws::load_config().await?);
    let (subscriber, guard) = subscriber(settings, client)?;
    tracing::subscriber::set_global_default(subscriber)?;
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(log_stream: Option<&str>) -> TelemetrySettings {
        TelemetrySettings {
            service: "orders-api".into(),
            log_group: "/demo/orders-api".into(),
            log_stream: log_stream.map(str::to_owned),
            filter: DEFAULT_FILTER.into(),
            stdout: false,
            shutdown_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn the_default_log_stream_is_resolved_to_its_real_name_once() {
        let mut settings = settings(None);
        let name = settings.resolve_log_stream().to_owned();
        assert!(name.starts_with("orders-api/"), "{name}");
        assert!(!name.contains('<'), "{name}");
        // Kept: the layer is built with the very name that was printed.
        assert_eq!(settings.log_stream.as_deref(), Some(name.as_str()));
        assert_eq!(settings.resolve_log_stream(), name);
    }

    #[test]
    fn a_given_log_stream_is_kept() {
        assert_eq!(settings(Some("demo")).resolve_log_stream(), "demo");
    }
}

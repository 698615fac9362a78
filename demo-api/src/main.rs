//! `demo-api`: wiring only. See the library crate for everything else.

use std::process::ExitCode;

use demo_api::cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::try_parse_checked_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let result = match cli.into_command() {
        Command::Serve(args) => demo_api::serve::run(args).await,
        Command::Payments(args) => demo_api::serve::run_payments(args).await,
        Command::Traffic(args) => demo_api::traffic::run(args).await,
    };
    // One line of causes, not the `Debug` form returning the error from `main` would print
    // (with a backtrace when RUST_BACKTRACE is set).
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("demo-api: error: {err:#}");
            if is_usage_error(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Settings given on the command line or in the environment that cannot work (a log group
/// name CloudWatch would refuse, a filter that does not parse, an endpoint URL without a
/// scheme) exit with 2, as clap's own usage errors do; failures while running exit with 1.
fn is_usage_error(err: &anyhow::Error) -> bool {
    use demo_api::telemetry::TelemetryError;
    use tracing_cloudwatch_logs::BuildError;
    err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<TelemetryError>(),
            Some(
                TelemetryError::Filter { .. }
                    | TelemetryError::Environment(_)
                    | TelemetryError::Layer(
                        BuildError::InvalidLogGroup(_)
                            | BuildError::InvalidLogStream(_)
                            | BuildError::ReservedLogGroup(_)
                            | BuildError::MissingService
                            | BuildError::EmptyService
                            | BuildError::ReservedStaticField(_)
                            | BuildError::InvalidMaxEventBytes(_)
                            | BuildError::BufferTooSmall { .. }
                            | BuildError::DurationOutOfRange { .. }
                            | BuildError::InvalidRetentionDays(_)
                            | BuildError::Client(_)
                    )
            )
        )
    })
}

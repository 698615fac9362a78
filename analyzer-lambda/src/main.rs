//! `analyzer-lambda`: the Lambda function (no arguments, inside Lambda) or
//! `analyzer-lambda replay ...` (the same handler over events read back from CloudWatch), or
//! `analyzer-lambda trace <TRACE_ID> ...` (one trace's records across log groups).

mod cli;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        Some(cli::Command::Replay(replay)) => cli::replay::run(replay).await,
        Some(cli::Command::Trace(trace)) => return cli::trace::run(trace).await,
        None => cli::function::run().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("analyzer-lambda: {err:#}");
            exit_code(&err)
        }
    }
}

/// [`cli::EXIT_USAGE`] for an argument the user has to change, 128 + the signal's number for
/// a run a signal cut short, 1 for anything else.
fn exit_code(err: &anyhow::Error) -> ExitCode {
    if err.downcast_ref::<cli::UsageError>().is_some() {
        ExitCode::from(cli::EXIT_USAGE)
    } else if let Some(interrupted) = err.downcast_ref::<cli::signal::Interrupted>() {
        ExitCode::from(interrupted.stop.exit_code())
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_with_2() {
        let usage = anyhow::Error::new(cli::UsageError("--since: bad".into()));
        assert_eq!(exit_code(&usage), ExitCode::from(2));
        assert_eq!(
            exit_code(&anyhow::anyhow!("AWS said no")),
            ExitCode::FAILURE
        );
    }

    #[test]
    fn interrupted_runs_exit_with_128_plus_the_signal() {
        let interrupted = |stop| {
            anyhow::Error::new(cli::signal::Interrupted {
                stop,
                message: "replay interrupted".into(),
            })
        };
        assert_eq!(
            exit_code(&interrupted(cli::signal::Stop::Interrupt)),
            ExitCode::from(130)
        );
        assert_eq!(
            exit_code(&interrupted(cli::signal::Stop::Terminate)),
            ExitCode::from(143)
        );
    }
}

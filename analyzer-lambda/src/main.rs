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
            ExitCode::FAILURE
        }
    }
}

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
            ExitCode::FAILURE
        }
    }
}

//! `demo-api`: wiring only. See the library crate for everything else.

use clap::Parser;
use demo_api::cli::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().into_command() {
        Command::Serve(args) => demo_api::serve::run(args).await,
        Command::Payments(args) => demo_api::serve::run_payments(args).await,
        Command::Traffic(args) => demo_api::traffic::run(args).await,
    }
}

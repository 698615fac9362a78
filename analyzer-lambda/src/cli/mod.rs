//! Command line of the binary.

pub mod function;
pub mod replay;

use clap::{Args, Parser, Subcommand};

/// The analyzer of the log pipeline. Without a subcommand it runs as the Lambda function
/// (it needs `AWS_LAMBDA_RUNTIME_API`, which Lambda sets).
///
/// Both modes read the same environment: INCIDENTS_TABLE, ALERTS_TOPIC_ARN and the optional
/// thresholds documented in the README.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to run; none: the Lambda function.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read events back from a log group and run them through the handler, as the
    /// subscription would have (backfill after an outage, or local stand-in for it).
    Replay(ReplayArgs),
}

/// `replay` options.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The log group to read.
    #[arg(long)]
    pub log_group: String,
    /// Start: a duration ago (30s, 30m, 2h, 1d) or an RFC 3339 time.
    #[arg(long, default_value = "30m")]
    pub since: String,
    /// End: a duration ago or an RFC 3339 time (default: now).
    #[arg(long)]
    pub until: Option<String>,
    /// Keep polling for new events until Ctrl-C or SIGTERM.
    #[arg(long, conflicts_with = "until")]
    pub follow: bool,
    /// Seconds between two polls with --follow.
    #[arg(long, default_value_t = 2)]
    pub interval: u64,
}

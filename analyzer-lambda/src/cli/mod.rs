//! Command line of the binary.

pub mod function;
pub mod replay;
pub mod signal;
pub mod trace;

use analyzer_lambda::trace::id::TraceId;
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
    #[command(after_help = replay::EXIT_CODES_HELP)]
    Replay(ReplayArgs),
    /// Show every record of one trace across log groups as one timeline, then the incidents
    /// recorded for it.
    #[command(after_help = trace::EXIT_CODES_HELP)]
    Trace(TraceArgs),
}

/// An argument the user has to change: `main` exits with [`EXIT_USAGE`], as clap does for
/// the arguments it rejects itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Exit code of invalid arguments (clap's own code for usage errors).
pub const EXIT_USAGE: u8 = 2;

/// `replay` options.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The log group to read.
    #[arg(long)]
    pub log_group: String,
    /// Start: a duration ago (30s, 30m, 2h, 1d) or an RFC 3339 time (default: 30m).
    // No clap default: the window's advice must know whether the user gave --since.
    #[arg(long)]
    pub since: Option<String>,
    /// End: a duration ago or an RFC 3339 time (default: now).
    #[arg(long)]
    pub until: Option<String>,
    /// Keep polling for new events until Ctrl-C or SIGTERM (then exit 0; without --follow
    /// either signal stops the run between payloads, with exit code 130 / 143).
    #[arg(long, conflicts_with = "until")]
    pub follow: bool,
    /// Seconds between two polls with --follow.
    #[arg(long, default_value_t = 2)]
    pub interval: u64,
}

/// `trace` options.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The trace id: 32 hex digits (W3C / OpenTelemetry) or an X-Ray trace id
    /// (`1-5759e988-bd862e3fe1be46a994272793`), either finding records logged in either form;
    /// or a request id logged as the trace id (`my-trace-1`, from an `x-request-id` header:
    /// up to 128 letters, digits, `.`, `_`, `:`, `-`), found exactly as given.
    #[arg(value_name = "TRACE_ID", value_parser = clap::value_parser!(TraceId))]
    pub trace_id: TraceId,
    /// A log group to search (repeatable; comma-separated in the environment, as
    /// `provision` takes them).
    #[arg(
        long = "log-group",
        value_name = "GROUP",
        env = "LOGPIPE_LOG_GROUPS",
        value_delimiter = ',',
        required = true
    )]
    pub log_groups: Vec<String>,
    /// Start of the window: a duration ago (30s, 30m, 2h, 1d) or an RFC 3339 time
    /// (default: 1h).
    // No clap default: the window's advice must know whether the user gave --since.
    #[arg(long, conflicts_with = "start")]
    pub since: Option<String>,
    /// Start of the window, RFC 3339 (instead of --since).
    #[arg(long, value_name = "RFC3339")]
    pub start: Option<String>,
    /// End of the window, RFC 3339 (default: now).
    #[arg(long, value_name = "RFC3339")]
    pub end: Option<String>,
    /// The incidents table, whose `by_trace_id` index gives the trace's incidents.
    #[arg(long, env = "INCIDENTS_TABLE")]
    pub incidents_table: Option<String>,
    /// Print the report as one JSON object (for tools) instead of text.
    #[arg(long)]
    pub json: bool,
}

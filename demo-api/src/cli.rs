//! Flags and their environment variables.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::payments::SimulatedSettings;
use crate::telemetry::{DEFAULT_FILTER, TelemetrySettings};

const AWS_HELP: &str = "\
AWS configuration comes from the standard chain: AWS_REGION / AWS_DEFAULT_REGION,
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and the shared
config files, instance and container roles, and AWS_ENDPOINT_URL (or
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS) to point at a local emulator.";

/// The orders demo service for tracing-cloudwatch-logs, and a traffic generator for it.
///
/// With no subcommand, `serve` runs.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true, after_help = AWS_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Flags of `serve`, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the orders service (the default).
    #[command(after_help = AWS_HELP)]
    Serve(ServeArgs),
    /// Send a mix of good and failing requests to a running instance.
    Traffic(TrafficArgs),
}

impl Cli {
    /// The subcommand to run, `serve` when none was given.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

/// `demo-api serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Service name, written into every record.
    #[arg(long, env = "SERVICE_NAME", default_value = "orders-api")]
    pub service: String,
    /// CloudWatch log group (created if missing).
    #[arg(long, env = "LOG_GROUP", default_value = "/demo/orders-api")]
    pub log_group: String,
    /// CloudWatch log stream (default: `<service>/<host>/<pid>/<start time>`).
    #[arg(long, env = "LOG_STREAM")]
    pub log_stream: Option<String>,
    /// Log filter, `RUST_LOG` syntax (e.g. `info,demo_api=debug`).
    #[arg(long, env = "RUST_LOG", default_value = DEFAULT_FILTER)]
    pub log_filter: String,
    /// Do not print human-readable logs to stdout (CloudWatch only). The variable takes
    /// true/false, 1/0, yes/no or on/off.
    #[arg(long, env = "NO_STDOUT_LOGS", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_stdout_logs: bool,
    /// Longest wait for the last logs to be delivered at shutdown, in milliseconds.
    #[arg(long, env = "LOG_SHUTDOWN_TIMEOUT_MS", default_value_t = 5_000)]
    pub log_shutdown_timeout_ms: u64,
    /// Share of payments the simulated provider declines at random (0 to 1).
    #[arg(long, env = "PAYMENT_DECLINE_RATE", default_value_t = 0.1)]
    pub payment_decline_rate: f64,
    /// Share of payments the simulated provider never answers at random (0 to 1).
    #[arg(long, env = "PAYMENT_TIMEOUT_RATE", default_value_t = 0.02)]
    pub payment_timeout_rate: f64,
    /// Latency of a normal provider answer, in milliseconds.
    #[arg(long, env = "PAYMENT_LATENCY_MS", default_value_t = 80)]
    pub payment_latency_ms: u64,
    /// Deadline of a provider call, in milliseconds; past it the request answers 504.
    #[arg(long, env = "PAYMENT_DEADLINE_MS", default_value_t = 2_000)]
    pub payment_deadline_ms: u64,
    /// Seed for the provider's random failures (reproducible demos).
    #[arg(long, env = "PAYMENT_SEED")]
    pub payment_seed: Option<u64>,
}

impl ServeArgs {
    /// The logging settings these flags describe.
    pub fn telemetry(&self) -> TelemetrySettings {
        TelemetrySettings {
            service: self.service.clone(),
            log_group: self.log_group.clone(),
            log_stream: self.log_stream.clone(),
            filter: self.log_filter.clone(),
            stdout: !self.no_stdout_logs,
            shutdown_timeout: Duration::from_millis(self.log_shutdown_timeout_ms),
        }
    }

    /// The simulated payment provider these flags describe.
    pub fn payments(&self) -> SimulatedSettings {
        SimulatedSettings {
            latency: Duration::from_millis(self.payment_latency_ms),
            decline_rate: self.payment_decline_rate,
            timeout_rate: self.payment_timeout_rate,
            seed: self.payment_seed,
        }
    }
}

/// `demo-api traffic`.
#[derive(Debug, Clone, Args)]
pub struct TrafficArgs {
    /// Base URL of the running service (http only).
    #[arg(long, env = "TRAFFIC_TARGET", default_value = "http://127.0.0.1:3000")]
    pub target: String,
    /// How many requests to send.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// How many requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Share of requests that fail on purpose (bad bodies, unknown orders, declined and
    /// timed-out payments, panics), 0 to 1.
    #[arg(long, default_value_t = 0.3)]
    pub failure_mix: f64,
    /// Per-request timeout, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve() {
        let cli = Cli::try_parse_from(["demo-api", "--listen", "127.0.0.1:9"]).unwrap();
        let Command::Serve(args) = cli.into_command() else {
            panic!("not serve")
        };
        assert_eq!(args.listen.port(), 9);
    }

    #[test]
    fn the_stdout_switch_is_a_plain_flag() {
        let cli = Cli::try_parse_from(["demo-api", "serve", "--no-stdout-logs"]).unwrap();
        let Command::Serve(args) = cli.into_command() else {
            panic!("not serve")
        };
        assert!(!args.telemetry().stdout);
    }

    #[test]
    fn traffic_parses() {
        let cli = Cli::try_parse_from([
            "demo-api",
            "traffic",
            "--requests",
            "5",
            "--concurrency",
            "2",
        ])
        .unwrap();
        let Command::Traffic(args) = cli.into_command() else {
            panic!("not traffic")
        };
        assert_eq!((args.requests, args.concurrency), (5, 2));
    }
}

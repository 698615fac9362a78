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

/// The demo services for tracing-cloudwatch-logs (`orders`, which calls `payments` over
/// HTTP), and a traffic generator for them.
///
/// With no subcommand, `serve` (the orders service) runs.
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
    /// Run the orders service (the default); it charges through the payments service.
    #[command(after_help = AWS_HELP)]
    Serve(ServeArgs),
    /// Run the payments service, which charges a simulated card processor.
    #[command(after_help = AWS_HELP)]
    Payments(PaymentsArgs),
    /// Send a mix of good and failing requests to a running orders service.
    Traffic(TrafficArgs),
}

impl Cli {
    /// Parses the arguments and checks what no single flag's parser can: the combinations.
    /// Errors are usage errors (`error.exit()` prints them with the usage line, exit code 2).
    pub fn try_parse_checked_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let cli = Cli::try_parse_from(args)?;
        if let Some(Command::Payments(payments)) = &cli.command {
            payments.check_rates().map_err(|message| {
                use clap::CommandFactory;
                // Built, so that the usage line printed is `demo-api payments ...`.
                let mut command = Cli::command();
                command.build();
                let kind = clap::error::ErrorKind::ValueValidation;
                match command.find_subcommand_mut("payments") {
                    Some(payments) => payments.error(kind, message),
                    None => command.error(kind, message),
                }
            })?;
        }
        Ok(cli)
    }

    /// The subcommand to run, `serve` when none was given.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

/// Logging flags both services take.
#[derive(Debug, Clone, Args)]
pub struct LoggingArgs {
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
    /// Longest wait for the last logs to be delivered at shutdown, in milliseconds (at
    /// least 1).
    #[arg(long, env = "LOG_SHUTDOWN_TIMEOUT_MS", default_value_t = 5_000, value_parser = parse_millis)]
    pub log_shutdown_timeout_ms: u64,
}

impl LoggingArgs {
    fn telemetry(&self, service: &str, log_group: &str) -> TelemetrySettings {
        TelemetrySettings {
            service: service.to_owned(),
            log_group: log_group.to_owned(),
            log_stream: self.log_stream.clone(),
            filter: self.log_filter.clone(),
            stdout: !self.no_stdout_logs,
            shutdown_timeout: Duration::from_millis(self.log_shutdown_timeout_ms),
        }
    }
}

/// `demo-api serve`: the orders service.
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
    /// Logging.
    #[command(flatten)]
    pub logging: LoggingArgs,
    /// Base URL of the payments service (`demo-api payments`), http only.
    #[arg(long, env = "PAYMENTS_URL", default_value = "http://127.0.0.1:3001", value_parser = parse_http_url)]
    pub payments_url: String,
    /// Deadline of a call to the payments service, in milliseconds (at least 1); past it the
    /// request answers 504.
    #[arg(long, env = "PAYMENT_DEADLINE_MS", default_value_t = 2_000, value_parser = parse_millis)]
    pub payment_deadline_ms: u64,
}

impl ServeArgs {
    /// The logging settings these flags describe.
    pub fn telemetry(&self) -> TelemetrySettings {
        self.logging.telemetry(&self.service, &self.log_group)
    }
}

/// `demo-api payments`: the payments service.
#[derive(Debug, Clone, Args)]
pub struct PaymentsArgs {
    /// Address to listen on.
    #[arg(long, env = "PAYMENTS_LISTEN_ADDR", default_value = "127.0.0.1:3001")]
    pub listen: SocketAddr,
    /// Service name, written into every record.
    #[arg(long, env = "PAYMENTS_SERVICE_NAME", default_value = "payments")]
    pub service: String,
    /// CloudWatch log group (created if missing).
    #[arg(long, env = "PAYMENTS_LOG_GROUP", default_value = "/demo/payments")]
    pub log_group: String,
    /// Logging.
    #[command(flatten)]
    pub logging: LoggingArgs,
    /// Share of charges the simulated card processor declines at random (0 to 1; with
    /// --payment-timeout-rate, at most 1 in all).
    #[arg(long, env = "PAYMENT_DECLINE_RATE", default_value_t = 0.1, value_parser = parse_share)]
    pub payment_decline_rate: f64,
    /// Share of charges the simulated card processor never answers at random (0 to 1; with
    /// --payment-decline-rate, at most 1 in all).
    #[arg(long, env = "PAYMENT_TIMEOUT_RATE", default_value_t = 0.02, value_parser = parse_share)]
    pub payment_timeout_rate: f64,
    /// Latency of a normal card processor answer, in milliseconds (0: answer at once).
    #[arg(long, env = "PAYMENT_LATENCY_MS", default_value_t = 80)]
    pub payment_latency_ms: u64,
    /// Deadline of a card processor call, in milliseconds (at least 1); past it the charge
    /// answers 504. Keep it below the orders service's --payment-deadline-ms, so that the
    /// payments service reports the timeout itself.
    #[arg(long, env = "PROCESSOR_DEADLINE_MS", default_value_t = 1_500, value_parser = parse_millis)]
    pub processor_deadline_ms: u64,
    /// Seed for the card processor's random failures (reproducible demos).
    #[arg(long, env = "PAYMENT_SEED")]
    pub payment_seed: Option<u64>,
}

impl PaymentsArgs {
    /// The two random failures share one roll: rates adding up to more than 1 would silently
    /// leave timeouts rarer than asked.
    fn check_rates(&self) -> Result<(), String> {
        let total = self.payment_decline_rate + self.payment_timeout_rate;
        // The tolerance lets shares that add up to 1 in decimal (0.7 + 0.3) through.
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "--payment-decline-rate {} and --payment-timeout-rate {} add up to {total}, more \
                 than every charge: lower one of them so that they add up to 1 at most",
                self.payment_decline_rate, self.payment_timeout_rate
            ));
        }
        Ok(())
    }

    /// The logging settings these flags describe.
    pub fn telemetry(&self) -> TelemetrySettings {
        self.logging.telemetry(&self.service, &self.log_group)
    }

    /// The simulated card processor these flags describe.
    pub fn processor(&self) -> SimulatedSettings {
        SimulatedSettings {
            latency: Duration::from_millis(self.payment_latency_ms),
            decline_rate: self.payment_decline_rate,
            timeout_rate: self.payment_timeout_rate,
            seed: self.payment_seed,
        }
    }
}

/// An `http://` URL (the HTTP client is built without TLS: the services talk on a private
/// network or loopback). Checked up front: an https URL would otherwise only fail at the
/// first request, looking like a service that is down.
fn parse_http_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text)
        .map_err(|e| format!("not a URL ({e}): use an http://host:port URL"))?;
    if url.scheme() != "http" || url.host_str().is_none() {
        return Err(
            "use an http://host:port URL: demo-api speaks plain HTTP only (no TLS)".to_owned(),
        );
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// `demo-api traffic`.
#[derive(Debug, Clone, Args)]
pub struct TrafficArgs {
    /// Base URL of the running service (http only).
    #[arg(long, env = "TRAFFIC_TARGET", default_value = "http://127.0.0.1:3000", value_parser = parse_http_url)]
    pub target: String,
    /// How many requests to send (at least 1).
    #[arg(long, default_value_t = 200, value_parser = parse_count)]
    pub requests: usize,
    /// How many requests in flight at once (at least 1).
    #[arg(long, default_value_t = 8, value_parser = parse_concurrency)]
    pub concurrency: u16,
    /// Share of requests that fail on purpose (bad bodies, unknown orders, declined and
    /// timed-out payments, panics), 0 to 1.
    #[arg(long, default_value_t = 0.3, value_parser = parse_share)]
    pub failure_mix: f64,
    /// Per-request timeout, in milliseconds (at least 1). Keep it above the orders service's
    /// --payment-deadline-ms, or timed-out payments show up as "no response" instead of 504.
    #[arg(long, default_value_t = 10_000, value_parser = parse_millis)]
    pub timeout_ms: u64,
}

/// A duration in milliseconds, at least 1: 0 would make every deadline expire at once (every
/// call a timeout, every final flush skipped), which no one asks for on purpose.
fn parse_millis(text: &str) -> Result<u64, String> {
    parse_at_least(text, 1, "milliseconds")
}

/// A number of requests, at least 1.
fn parse_count(text: &str) -> Result<usize, String> {
    parse_at_least(text, 1, "requests")
}

/// A number of requests in flight, at least 1 (0 would never send anything).
fn parse_concurrency(text: &str) -> Result<u16, String> {
    parse_at_least(text, 1, "requests in flight")
}

/// A whole number from `min` on, with a message that says so (clap's ranged parsers print
/// the type's maximum, `1..18446744073709551615`).
fn parse_at_least<T>(text: &str, min: T, unit: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let value: T = text
        .trim()
        .parse()
        .map_err(|_| format!("not a whole number: give {unit}, {min} or more"))?;
    if value < min {
        return Err(format!("{value} is too small: give {min} {unit} or more"));
    }
    Ok(value)
}

/// A share between 0 and 1 inclusive. NaN is refused by name: it compares false with
/// everything, so a rate of NaN would silently mean 0.
fn parse_share(text: &str) -> Result<f64, String> {
    let share: f64 = text
        .trim()
        .parse()
        .map_err(|_| "not a number: use a share from 0 to 1, e.g. 0.25".to_owned())?;
    if !(0.0..=1.0).contains(&share) {
        return Err(format!(
            "{share} is out of range: use a share from 0 to 1, e.g. 0.25"
        ));
    }
    Ok(share)
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
    fn payments_has_its_own_defaults_and_the_shared_logging_flags() {
        let cli = Cli::try_parse_from(["demo-api", "payments", "--log-stream", "s1"]).unwrap();
        let Command::Payments(args) = cli.into_command() else {
            panic!("not payments")
        };
        let telemetry = args.telemetry();
        assert_eq!(
            (telemetry.service.as_str(), telemetry.log_group.as_str()),
            ("payments", "/demo/payments")
        );
        assert_eq!(telemetry.log_stream.as_deref(), Some("s1"));
        assert_eq!(args.listen.port(), 3001);
    }

    #[test]
    fn the_payments_url_must_be_http() {
        let parse = |url: &str| Cli::try_parse_from(["demo-api", "serve", "--payments-url", url]);
        let Command::Serve(args) = parse("http://127.0.0.1:9/").unwrap().into_command() else {
            panic!("not serve")
        };
        assert_eq!(args.payments_url, "http://127.0.0.1:9");
        assert!(parse("https://payments.internal").is_err());
        assert!(parse("127.0.0.1:9").is_err());
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

    fn usage_error(args: &[&str]) -> clap::Error {
        let mut argv = vec!["demo-api"];
        argv.extend_from_slice(args);
        let err = Cli::try_parse_checked_from(argv).expect_err(&args.join(" "));
        // Exit code 2: a usage error, not a run-time failure.
        assert_eq!(err.exit_code(), 2, "{}: {err}", args.join(" "));
        err
    }

    #[test]
    fn shares_outside_0_to_1_or_nan_are_usage_errors() {
        for flag in ["--payment-decline-rate", "--payment-timeout-rate"] {
            for bad in ["2", "-0.1", "NaN", "inf", "lots"] {
                usage_error(&["payments", flag, bad]);
            }
        }
        for bad in ["5", "-1", "NaN"] {
            usage_error(&["traffic", "--failure-mix", bad]);
        }
        let err = usage_error(&["payments", "--payment-decline-rate", "2"]);
        assert!(err.to_string().contains("from 0 to 1"), "{err}");

        let cli = Cli::try_parse_checked_from([
            "demo-api",
            "payments",
            "--payment-decline-rate",
            "1",
            "--payment-timeout-rate",
            "0",
        ])
        .unwrap();
        let Command::Payments(args) = cli.into_command() else {
            panic!("not payments")
        };
        assert_eq!(args.processor().decline_rate, 1.0);
        let cli = Cli::try_parse_checked_from(["demo-api", "traffic", "--failure-mix", "0"]);
        assert!(cli.is_ok());
    }

    #[test]
    fn rates_adding_up_to_more_than_one_are_usage_errors() {
        let err = usage_error(&[
            "payments",
            "--payment-decline-rate",
            "0.8",
            "--payment-timeout-rate",
            "0.5",
        ]);
        assert!(err.to_string().contains("add up to"), "{err}");
        let exactly_one = [
            "demo-api",
            "payments",
            "--payment-decline-rate",
            "0.7",
            "--payment-timeout-rate",
            "0.3",
        ];
        assert!(Cli::try_parse_checked_from(exactly_one).is_ok());
    }

    #[test]
    fn durations_of_zero_ms_are_usage_errors() {
        usage_error(&["serve", "--payment-deadline-ms", "0"]);
        usage_error(&["--payment-deadline-ms", "0"]);
        usage_error(&["serve", "--log-shutdown-timeout-ms", "0"]);
        usage_error(&["payments", "--processor-deadline-ms", "0"]);
        usage_error(&["payments", "--log-shutdown-timeout-ms", "0"]);
        usage_error(&["traffic", "--timeout-ms", "0"]);
        usage_error(&["traffic", "--requests", "0"]);
        usage_error(&["traffic", "--concurrency", "0"]);
        let err = usage_error(&["traffic", "--timeout-ms", "0"]);
        assert!(err.to_string().contains("1 milliseconds or more"), "{err}");
        usage_error(&["traffic", "--timeout-ms", "-5"]);
        usage_error(&["traffic", "--timeout-ms", "1.5"]);
        // A processor that answers at once is a valid simulation.
        assert!(
            Cli::try_parse_checked_from(["demo-api", "payments", "--payment-latency-ms", "0"])
                .is_ok()
        );
        assert!(Cli::try_parse_checked_from(["demo-api", "traffic", "--timeout-ms", "1"]).is_ok());
    }

    #[test]
    fn the_traffic_target_must_be_http() {
        let err = usage_error(&["traffic", "--target", "https://127.0.0.1:3100"]);
        assert!(err.to_string().contains("plain HTTP only"), "{err}");
        usage_error(&["traffic", "--target", "127.0.0.1:3100"]);
        let cli =
            Cli::try_parse_checked_from(["demo-api", "traffic", "--target", "http://127.0.0.1:9/"])
                .unwrap();
        let Command::Traffic(args) = cli.into_command() else {
            panic!("not traffic")
        };
        assert_eq!(args.target, "http://127.0.0.1:9");
    }

    #[test]
    fn the_defaults_pass_the_checks() {
        for sub in [&[][..], &["serve"], &["payments"], &["traffic"]] {
            let mut argv = vec!["demo-api"];
            argv.extend_from_slice(sub);
            Cli::try_parse_checked_from(argv).unwrap();
        }
    }
}

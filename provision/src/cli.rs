//! Command line: subcommands and options (flags with an environment fallback).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::architecture::Architecture;
use crate::desired::{
    DEFAULT_MEMORY_MB, DEFAULT_PREFIX, DEFAULT_RETENTION_DAYS, DEFAULT_TIMEOUT_SECS,
};

/// Plan, create and remove the logpipe pipeline (IAM role, DynamoDB table, SNS topic, SQS
/// dead-letter queue, analyzer Lambda, log groups, subscription filters, dashboard).
///
/// Exit codes: 0 success (for `plan`: nothing to do), 1 an AWS call or the build failed,
/// 2 invalid usage, 3 refused (the plan is blocked; nothing was changed), 4 `plan` found changes.
#[derive(Debug, Parser)]
#[command(name = "provision", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: Global,
}

/// Options every subcommand understands.
#[derive(Debug, Args)]
pub struct Global {
    /// Name prefix of every resource, so several stacks can coexist in one account.
    #[arg(long, env = "LOGPIPE_PREFIX", default_value = DEFAULT_PREFIX, global = true)]
    pub prefix: String,
    /// AWS region (overrides AWS_REGION / the profile's region).
    #[arg(long, env = "LOGPIPE_REGION", global = true)]
    pub region: Option<String>,
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Application log group of the stack (repeatable; comma-separated in the environment):
    /// `plan`/`up` subscribe it, `status` and `down` look at it (and find it by the
    /// function's permissions only while the function exists).
    #[arg(
        long = "log-group",
        env = "LOGPIPE_LOG_GROUPS",
        value_delimiter = ',',
        global = true
    )]
    pub log_groups: Vec<String>,
    /// Leave the CloudWatch dashboard alone: do not create, read or delete it (dashboards are
    /// billed per month, and need `cloudwatch:*Dashboard*` permissions).
    #[arg(long, env = "LOGPIPE_NO_DASHBOARD", global = true)]
    pub no_dashboard: bool,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the desired resources with what exists and print the steps; changes nothing
    /// in AWS. Builds the analyzer's zip to compare its code, unless --lambda-zip is given.
    Plan(StackArgs),
    /// Apply the plan, printing each step as it runs. Running it again finds nothing to do.
    Up(StackArgs),
    /// Remove what this tool created (by tag and name); anything else is left untouched, and
    /// so is every log group that holds log events unless --delete-log-groups-with-data.
    Down(DownArgs),
    /// Show what exists, in a table.
    Status,
    /// Build the analyzer's Lambda zip as `up` deploys it (release `cargo zigbuild` against
    /// glibc 2.34, checked against Lambda's limits) and print its path; needs no AWS.
    Package(PackageArgs),
}

/// Options of `down`.
#[derive(Debug, Args)]
pub struct DownArgs {
    /// Also delete the log groups provision created that hold log events, with their events
    /// (without it they are kept, and `down` says so).
    #[arg(long)]
    pub delete_log_groups_with_data: bool,
    /// Also delete the incidents table when it holds incidents, and the dead-letter queue
    /// when it holds events the analyzer failed on (without it they are kept, and `down`
    /// says so; a later `up` uses them again).
    #[arg(long)]
    pub delete_incidents: bool,
    /// Print what `down` would delete and keep; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `package`.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// CPU architecture to build for.
    #[arg(long, env = "LOGPIPE_ARCHITECTURE", value_enum, default_value_t = Architecture::X86_64)]
    pub architecture: Architecture,
    /// Where to write the zip (default: <target dir>/lambda/<architecture>/bootstrap.zip).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Settings of the stack, used by `plan` and `up`.
#[derive(Debug, Args)]
pub struct StackArgs {
    /// E-mail address to send alerts to (repeatable).
    #[arg(
        long = "alert-email",
        env = "LOGPIPE_ALERT_EMAILS",
        value_delimiter = ','
    )]
    pub alert_emails: Vec<String>,
    /// SQS queue ARN to send alerts to (repeatable).
    #[arg(long = "alert-sqs", env = "LOGPIPE_ALERT_SQS", value_delimiter = ',')]
    pub alert_sqs: Vec<String>,
    /// HTTPS endpoint to send alerts to (repeatable).
    #[arg(
        long = "alert-https",
        env = "LOGPIPE_ALERT_HTTPS",
        value_delimiter = ','
    )]
    pub alert_https: Vec<String>,
    /// Slack incoming-webhook URL to post each alert to. Stored in Secrets Manager, never
    /// shown; https:// only (http:// for 127.0.0.1 / localhost stand-ins).
    #[arg(long, env = "LOGPIPE_ALERT_SLACK_WEBHOOK", hide_env_values = true)]
    pub alert_slack_webhook: Option<String>,
    /// Microsoft Teams Workflows webhook URL to post each alert to (an Adaptive Card). Stored
    /// in Secrets Manager, never shown; same URL rules as --alert-slack-webhook.
    #[arg(long, env = "LOGPIPE_ALERT_TEAMS_WEBHOOK", hide_env_values = true)]
    pub alert_teams_webhook: Option<String>,
    /// Only deliver alerts of these incident severities (LOW, MEDIUM, CRITICAL; repeatable).
    /// Without it every alert is delivered.
    #[arg(
        long = "alert-severity",
        env = "LOGPIPE_ALERT_SEVERITIES",
        value_delimiter = ','
    )]
    pub alert_severities: Vec<String>,
    /// Retention of the log groups this tool creates, in days (a value CloudWatch accepts).
    #[arg(long, env = "LOGPIPE_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS)]
    pub retention_days: i32,
    /// Subscription filter pattern, checked with CloudWatch's syntax before any call (default:
    /// terms that match every line the analyzer makes an incident of, JSON or text; `plan`
    /// shows it).
    #[arg(long, env = "LOGPIPE_FILTER_PATTERN")]
    pub filter_pattern: Option<String>,
    /// Prebuilt Lambda zip holding `bootstrap` (e.g. from `provision package`); without it the
    /// analyzer is built with `cargo zigbuild` (minutes the first time).
    #[arg(long, env = "LOGPIPE_LAMBDA_ZIP")]
    pub lambda_zip: Option<PathBuf>,
    /// CPU architecture of the analyzer.
    #[arg(long, env = "LOGPIPE_ARCHITECTURE", value_enum, default_value_t = Architecture::X86_64)]
    pub architecture: Architecture,
    /// Extra environment variable of the analyzer, `KEY=VALUE` (repeatable), e.g.
    /// `SEVERITY_WARN=NONE`; `INCIDENTS_TABLE` and `ALERTS_TOPIC_ARN` are always set by provision.
    #[arg(long = "analyzer-env", env = "LOGPIPE_ANALYZER_ENV", value_delimiter = ',', value_parser = parse_env)]
    pub analyzer_env: Vec<(String, String)>,
    /// Analyzer memory, in MB.
    #[arg(long, env = "LOGPIPE_MEMORY_MB", default_value_t = DEFAULT_MEMORY_MB)]
    pub memory_mb: i32,
    /// Analyzer timeout, in seconds.
    #[arg(long, env = "LOGPIPE_TIMEOUT_SECS", default_value_t = DEFAULT_TIMEOUT_SECS)]
    pub timeout_secs: i32,
}

/// `KEY=VALUE` -> (`KEY`, `VALUE`).
fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn repeated_options_accumulate() {
        let cli = Cli::try_parse_from([
            "provision",
            "plan",
            "--log-group",
            "a",
            "--log-group",
            "b",
            "--alert-email",
            "x@example.com",
            "--prefix",
            "p1",
            "--analyzer-env",
            "SEVERITY_WARN=NONE",
        ])
        .unwrap();
        assert_eq!(cli.global.log_groups, ["a", "b"]);
        assert_eq!(cli.global.prefix, "p1");
        let Command::Plan(args) = cli.command else {
            panic!("plan expected")
        };
        assert_eq!(args.alert_emails, ["x@example.com"]);
        assert_eq!(args.retention_days, DEFAULT_RETENTION_DAYS);
        assert_eq!(
            args.analyzer_env,
            [("SEVERITY_WARN".to_string(), "NONE".to_string())]
        );
        assert!(Cli::try_parse_from(["provision", "up", "--analyzer-env", "NOEQUALS"]).is_err());
        let cli =
            Cli::try_parse_from(["provision", "down", "--delete-log-groups-with-data"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Down(DownArgs {
                delete_log_groups_with_data: true,
                delete_incidents: false,
                dry_run: false
            })
        ));
        let cli = Cli::try_parse_from(["provision", "package", "--architecture", "arm64"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Package(PackageArgs {
                architecture: Architecture::Arm64,
                output: None
            })
        ));
    }
}

//! Command line: subcommands and options (flags with an environment fallback).
//!
//! Options follow their subcommand (`provision status --prefix p`), each given once: the
//! stack's options belong to the subcommands that talk to AWS, so `package`, which needs no
//! AWS, has none of them.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::architecture::Architecture;
use crate::desired::{
    DEFAULT_MEMORY_MB, DEFAULT_PREFIX, DEFAULT_RETENTION_DAYS, DEFAULT_TIMEOUT_SECS,
};

/// Plan, create and remove the logpipe pipeline (IAM role, DynamoDB table, SNS topic, SQS
/// dead-letter queue, analyzer Lambda, log groups, subscription filters, dashboard).
///
/// Exit codes: 0 success (for `plan`: nothing to do; for `status`: nothing missing), 1 an AWS
/// call or the build failed, 2 invalid usage, 3 refused (the plan is blocked; nothing was
/// changed), 4 changes needed (`plan` found changes to make; `status` found a resource of the
/// stack missing).
#[derive(Debug, Parser)]
#[command(name = "provision", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses `args` (with the environment fallbacks), then trims every entry of a list
    /// option and drops the empty ones a trailing or doubled comma leaves
    /// (`LOGPIPE_LOG_GROUPS="/a,/b,"`), as analyzer-lambda's `trace` reads that variable.
    pub fn parse_from_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut cli = Cli::try_parse_from(args)?;
        match &mut cli.command {
            Command::Plan(args) | Command::Up(args) => {
                for list in [
                    &mut args.aws.log_groups,
                    &mut args.alert_emails,
                    &mut args.alert_sqs,
                    &mut args.alert_https,
                    &mut args.alert_severities,
                    &mut args.analyzer_env,
                ] {
                    tidy(list);
                }
            }
            Command::Down(args) => tidy(&mut args.aws.log_groups),
            Command::Status(aws) => tidy(&mut aws.log_groups),
            Command::Package(_) => {}
        }
        Ok(cli)
    }
}

/// Trims each entry and drops the empty ones.
fn tidy(entries: &mut Vec<String>) {
    for entry in entries.iter_mut() {
        if entry.trim().len() != entry.len() {
            *entry = entry.trim().to_string();
        }
    }
    entries.retain(|e| !e.is_empty());
}

/// The options of every subcommand that reads or changes the stack in AWS (all but
/// `package`).
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Name prefix of every resource, so several stacks can coexist in one account.
    #[arg(long, env = "LOGPIPE_PREFIX", default_value = DEFAULT_PREFIX)]
    pub prefix: String,
    /// AWS region (overrides AWS_REGION / the profile's region).
    #[arg(long, env = "LOGPIPE_REGION")]
    pub region: Option<String>,
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Application log group of the stack (repeatable; comma-separated in the environment,
    /// where empty entries are skipped): `plan`/`up` subscribe it, `status` and `down` look at
    /// it (and find it by the function's permissions only while the function exists).
    #[arg(long = "log-group", env = "LOGPIPE_LOG_GROUPS", value_delimiter = ',')]
    pub log_groups: Vec<String>,
    /// Leave the CloudWatch dashboard alone: do not create, read or delete it (dashboards are
    /// billed per month, and need `cloudwatch:*Dashboard*` permissions). In the environment:
    /// 1/true/yes/on or 0/false/no/off, any case; empty is off.
    #[arg(long, env = "LOGPIPE_NO_DASHBOARD", action = ArgAction::SetTrue, value_parser = flag)]
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
    /// Show every resource of the stack, present or missing, in a table (exit code 4 when one
    /// is missing).
    Status(AwsArgs),
    /// Build the analyzer's Lambda zip as `up` deploys it (release `cargo zigbuild` against
    /// glibc 2.34, checked against Lambda's limits) and print its path; needs no AWS.
    Package(PackageArgs),
}

/// Options of `down`.
#[derive(Debug, Args)]
pub struct DownArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
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
    /// Print a JSON report on stdout instead of the path.
    #[arg(long)]
    pub json: bool,
}

/// Settings of the stack, used by `plan` and `up`.
#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
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
    #[arg(long = "analyzer-env", env = "LOGPIPE_ANALYZER_ENV", value_delimiter = ',', value_parser = env_entry)]
    pub analyzer_env: Vec<String>,
    /// Analyzer memory, in MB.
    #[arg(long, env = "LOGPIPE_MEMORY_MB", default_value_t = DEFAULT_MEMORY_MB)]
    pub memory_mb: i32,
    /// Analyzer timeout, in seconds.
    #[arg(long, env = "LOGPIPE_TIMEOUT_SECS", default_value_t = DEFAULT_TIMEOUT_SECS)]
    pub timeout_secs: i32,
}

impl StackArgs {
    /// The `--analyzer-env` entries as (`KEY`, `VALUE`).
    pub fn extra_env(&self) -> Vec<(String, String)> {
        self.analyzer_env
            .iter()
            .filter_map(|e| split_env(e))
            .collect()
    }
}

/// `KEY=VALUE` -> (`KEY`, `VALUE`).
fn split_env(s: &str) -> Option<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Some((k.to_string(), v.to_string())),
        _ => None,
    }
}

/// One `--analyzer-env` entry, trimmed: `KEY=VALUE`, or empty (skipped, like a trailing
/// comma's).
fn env_entry(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || split_env(s).is_some() {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not KEY=VALUE"))
    }
}

/// The value of a flag read from the environment (on the command line the flag alone means
/// `true`): the words `BoolishValueParser` takes, any case, and empty for unset.
fn flag(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Ok(true),
        "" | "0" | "false" | "no" | "off" | "n" | "f" => Ok(false),
        _ => Err("expected 1, true, yes or on; 0, false, no or off; or empty for off".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::parse_from_args(std::iter::once("provision").chain(args.iter().copied()))
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn repeated_options_accumulate() {
        let cli = parse(&[
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
        let Command::Plan(args) = cli.command else {
            panic!("plan expected")
        };
        assert_eq!(args.aws.log_groups, ["a", "b"]);
        assert_eq!(args.aws.prefix, "p1");
        assert_eq!(args.alert_emails, ["x@example.com"]);
        assert_eq!(args.retention_days, DEFAULT_RETENTION_DAYS);
        assert_eq!(
            args.extra_env(),
            [("SEVERITY_WARN".to_string(), "NONE".to_string())]
        );
        assert!(parse(&["up", "--analyzer-env", "NOEQUALS"]).is_err());
        let cli = parse(&["down", "--delete-log-groups-with-data"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Down(DownArgs {
                delete_log_groups_with_data: true,
                delete_incidents: false,
                dry_run: false,
                ..
            })
        ));
        let cli = parse(&["package", "--architecture", "arm64", "--json"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Package(PackageArgs {
                architecture: Architecture::Arm64,
                output: None,
                json: true,
            })
        ));
    }

    #[test]
    fn list_entries_are_trimmed_and_empty_ones_skipped() {
        // The delimiter splits a command-line value as it splits the environment's.
        let cli = parse(&["status", "--log-group", "/a, /b,", "--log-group", " "]).unwrap();
        let Command::Status(aws) = cli.command else {
            panic!("status expected")
        };
        assert_eq!(aws.log_groups, ["/a", "/b"]);
        let cli = parse(&[
            "up",
            "--log-group",
            ",/a,,",
            "--alert-email",
            "x@example.com,",
            "--alert-severity",
            " CRITICAL ,",
            "--analyzer-env",
            "SEVERITY_WARN=NONE, ,",
        ])
        .unwrap();
        let Command::Up(args) = cli.command else {
            panic!("up expected")
        };
        assert_eq!(args.aws.log_groups, ["/a"]);
        assert_eq!(args.alert_emails, ["x@example.com"]);
        assert_eq!(args.alert_severities, ["CRITICAL"]);
        assert_eq!(
            args.extra_env(),
            [("SEVERITY_WARN".to_string(), "NONE".to_string())]
        );
        let cli = parse(&["down", "--log-group", "/a,"]).unwrap();
        let Command::Down(args) = cli.command else {
            panic!("down expected")
        };
        assert_eq!(args.aws.log_groups, ["/a"]);
    }

    #[test]
    fn flags_from_the_environment_take_the_usual_words() {
        for on in ["1", "true", "TRUE", "yes", "Yes", "on", "ON", " 1 "] {
            assert_eq!(flag(on), Ok(true), "{on:?}");
        }
        for off in ["0", "false", "False", "no", "NO", "off", "Off", "", "  "] {
            assert_eq!(flag(off), Ok(false), "{off:?}");
        }
        let err = flag("maybe").unwrap_err();
        assert!(err.contains("1, true") && !err.contains('\n'), "{err}");
        // On the command line the flag takes no value.
        let cli = parse(&["status", "--no-dashboard"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Status(AwsArgs {
                no_dashboard: true,
                ..
            })
        ));
        assert!(parse(&["status", "--no-dashboard=1"]).is_err());
    }

    #[test]
    fn options_follow_their_subcommand_once() {
        // Before the subcommand, or twice after it: the same kind of usage error, never a
        // silent choice of one value.
        for args in [
            &["--prefix", "a", "status", "--prefix", "b"][..],
            &["--prefix", "a", "status"],
            &["status", "--prefix", "a", "--prefix", "b"],
        ] {
            let err = parse(args).unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::UnknownArgument | ErrorKind::ArgumentConflict
                ),
                "{args:?}: {err}"
            );
        }
        let cli = parse(&["status", "--prefix", "b"]).unwrap();
        assert!(
            matches!(cli.command, Command::Status(AwsArgs { ref prefix, .. }) if prefix == "b")
        );
    }

    #[test]
    fn package_has_no_aws_options() {
        let mut cmd = Cli::command();
        cmd.build();
        let package = cmd.find_subcommand_mut("package").unwrap();
        let help = package.render_help().to_string();
        for option in ["--prefix", "--region", "--log-group", "--no-dashboard"] {
            assert!(!help.contains(option), "{option} in\n{help}");
            let err = parse(&["package", option, "x"]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnknownArgument, "{option}: {err}");
        }
        assert!(
            help.contains("--json") && help.contains("--architecture"),
            "{help}"
        );
        let status = cmd
            .find_subcommand_mut("status")
            .unwrap()
            .render_help()
            .to_string();
        assert!(
            status.contains("--prefix") && status.contains("--no-dashboard"),
            "{status}"
        );
    }
}

//! `local-lambda`: runs a deployed Lambda function locally and feeds it what its CloudWatch Logs
//! subscription filters would deliver. Progress on stderr; the final counts as JSON on stdout.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use local_aws::lambda::environment::FunctionConfig;
use local_aws::lambda::{InvokeStats, LocalFunction, StartError, StartOptions, read_config};
use local_aws::subscription::{Subscriptions, check_warnings};

/// Runs a Lambda function from its deployment zip behind a local Runtime API, and delivers to
/// it, as CloudWatch Logs would, the log events its subscription filters match.
///
/// The function's configuration (environment, timeout, memory) is read back from the Lambda
/// API at AWS_ENDPOINT_URL (moto), and again before every poll: after a change (`provision up`
/// with other settings) new invocations run in a fresh execution environment with it, as on
/// Lambda. The zip must be the one deployed (same CodeSha256); if the deployed code changes,
/// a warning says to restart with the new zip. The
/// function's output and Lambda's START/END/REPORT lines go to its log group
/// (/aws/lambda/<name>), as on Lambda, and to stderr. SIGTERM or Ctrl-C delivers what is
/// left, waits for the invocations, and exits.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The function's name or ARN.
    #[arg(long)]
    function: String,
    /// The deployment zip that was uploaded (e.g. the one given to `provision up --lambda-zip`).
    #[arg(long)]
    zip: PathBuf,
    /// Log groups to follow (repeatable); default: every log group, for filters sending to the
    /// function. A named group that does not exist or has no subscription filter to the
    /// function is a warning on stderr, not an error: filters are read again on every poll, so
    /// one created later (by `provision up`) is followed from then on.
    #[arg(long = "log-group")]
    log_groups: Vec<String>,
    /// Milliseconds between two reads of the log groups (at least 100).
    #[arg(long, default_value_t = 1000, value_parser = parse_poll_interval)]
    poll_interval_ms: u64,
    /// Seconds before the second and the third attempt of a failed invocation, two numbers
    /// separated by a comma (Lambda: 60,120).
    #[arg(long, default_value = "60,120", value_parser = parse_retry_delays)]
    retry_delays: [Duration; 2],
    /// Deliver what is there once, wait for the invocations, and exit.
    #[arg(long)]
    once: bool,
    /// On exit, the longest wait for outstanding invocations, in seconds (0: do not wait).
    #[arg(long, default_value_t = 60)]
    drain_timeout: u64,
}

/// At least 100 ms: each poll makes a few calls per log group, and a tighter loop would only
/// load the emulator. (Smaller values used to be raised to 100 silently.)
fn parse_poll_interval(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(ms) if ms >= 100 => Ok(ms),
        Ok(ms) => Err(format!("{ms} ms is too short: give 100 or more")),
        Err(_) => Err("not a whole number of milliseconds: give 100 or more".to_string()),
    }
}

/// `60,120`: the waits before the second and the third attempt, in seconds. Checked here so that
/// a wrong value is a usage error, and so that `Duration` never sees a negative, infinite or
/// NaN number (it panics on them).
fn parse_retry_delays(text: &str) -> Result<[Duration; 2], String> {
    let usage = "two numbers of seconds separated by a comma, like 60,120";
    let delays = text
        .split(',')
        .map(|part| {
            let seconds: f64 = part
                .trim()
                .parse()
                .map_err(|_| format!("{part:?} is not a number: give {usage}"))?;
            Duration::try_from_secs_f64(seconds)
                .map_err(|_| format!("{part:?} is not a number of seconds from 0 on: give {usage}"))
        })
        .collect::<Result<Vec<Duration>, String>>()?;
    <[Duration; 2]>::try_from(delays)
        .map_err(|d| format!("{} value(s) given: give {usage}", d.len()))
}

/// The error as the user sees it, with what to do when there is something to do.
fn start_hint(err: StartError) -> anyhow::Error {
    match err {
        StartError::FunctionNotFound { .. } => {
            anyhow::anyhow!("{err}: run `provision up` first, or check --function")
        }
        other => other.into(),
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// What the polls of a run could not deliver, for the final report.
#[derive(Debug, Default, serde::Serialize)]
struct Undelivered {
    /// Matched events larger than any invocation payload (each reported on stderr).
    too_large: u64,
    /// Polls in which a log group (or the list of groups) could not be read.
    failed_reads: u64,
}

/// Prints a failure line, but the same line at most once every [`REPEAT_EVERY`] (with how
/// often it came meanwhile): a stopped emulator would otherwise fill the terminal every poll.
#[derive(Debug, Default)]
struct FailureLines {
    last: Option<(String, Instant, u64)>,
}

const REPEAT_EVERY: Duration = Duration::from_secs(30);

impl FailureLines {
    fn print(&mut self, line: String) {
        if let Some(line) = self.next(line, Instant::now()) {
            eprintln!("local-lambda: {line}");
        }
    }

    /// The line to print for `line` at `now`, if any.
    fn next(&mut self, line: String, now: Instant) -> Option<String> {
        if let Some((last, since, repeats)) = &mut self.last
            && *last == line
            && now.duration_since(*since) < REPEAT_EVERY
        {
            *repeats += 1;
            return None;
        }
        let shown = match self.last.take() {
            Some((last, _, repeats)) if repeats > 0 && last == line => {
                format!("{line} (and {repeats} more time(s) in the last 30 s)")
            }
            _ => line.clone(),
        };
        self.last = Some((line, now, 0));
        Some(shown)
    }
}

/// How the deployed function differs from the one running locally.
#[derive(Debug, PartialEq, Eq)]
enum ConfigChange {
    None,
    /// Another zip was deployed: only `--zip` can be run here.
    Code,
    /// Settings a fresh execution environment picks up (named, for the line saying so).
    Settings(String),
}

fn config_change(running: &FunctionConfig, deployed: &FunctionConfig) -> ConfigChange {
    if deployed.code_sha256 != running.code_sha256 {
        return ConfigChange::Code;
    }
    let changed: Vec<&str> = [
        ("environment", running.variables != deployed.variables),
        ("memory size", running.memory_mb != deployed.memory_mb),
        ("timeout", running.timeout_secs != deployed.timeout_secs),
        ("handler", running.handler != deployed.handler),
        ("log group", running.log_group != deployed.log_group),
    ]
    .into_iter()
    .filter_map(|(what, changed)| changed.then_some(what))
    .collect();
    if changed.is_empty() {
        ConfigChange::None
    } else {
        ConfigChange::Settings(changed.join(", "))
    }
}

async fn deliver(
    subscriptions: &mut Subscriptions,
    function: &LocalFunction,
    undelivered: &mut Undelivered,
    failures: &mut FailureLines,
    retrying: &str,
) {
    let poll = match subscriptions.poll().await {
        Ok(poll) => poll,
        Err(err) => {
            undelivered.failed_reads += 1;
            failures.print(format!(
                "reading the subscribed log groups: {err}{retrying}"
            ));
            return;
        }
    };
    if !poll.failures.is_empty() {
        undelivered.failed_reads += 1;
    }
    for failure in &poll.failures {
        failures.print(format!("{failure}{retrying}"));
    }
    for warning in &poll.warnings {
        eprintln!("local-lambda: {warning}");
    }
    for undeliverable in &poll.undeliverable {
        undelivered.too_large += 1;
        eprintln!("local-lambda: NOT DELIVERED: {undeliverable}");
    }
    if poll.matched + poll.filtered_out > 0 {
        eprintln!(
            "local-lambda: {} new event(s): {} matched the filter pattern in {} delivery(ies), \
             {} filtered out",
            poll.matched + poll.filtered_out,
            poll.matched,
            poll.deliveries.len(),
            poll.filtered_out
        );
    }
    for delivery in poll.deliveries {
        let label = format!(
            "{} / {} ({} events)",
            delivery.log_group,
            delivery.log_stream,
            delivery.event_ids.len()
        );
        function.invoke_async(delivery.event, label);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // One line of causes and exit code 1, not the `Debug` form returning the error from `main`
    // would print (with a backtrace when RUST_BACKTRACE is set).
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("local-lambda: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    let sdk = logpipe_aws::load_config().await?;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let (config, mut retry) = read_config(&lambda, &args.function)
        .await
        .map_err(start_hint)?;
    retry.delays = args.retry_delays;
    let mut function = LocalFunction::start(
        &sdk,
        config.clone(),
        &args.zip,
        StartOptions {
            retry: retry.clone(),
        },
    )
    .await
    .context("starting the function locally")?;
    // Counts of execution environments replaced after a configuration change.
    let mut replaced = InvokeStats::default();
    let mut warned_code: Option<String> = None;
    eprintln!(
        "local-lambda: {} (CodeSha256 {}, {} MB, timeout {} s) from {}, behind a local Lambda \
         Runtime API; following {} for subscription filters to it",
        config.name,
        config.code_sha256,
        config.memory_mb,
        config.timeout_secs,
        args.zip.display(),
        if args.log_groups.is_empty() {
            "every log group".to_string()
        } else {
            args.log_groups.join(", ")
        }
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let mut subscriptions = Subscriptions::new(logs, &config.arn, args.log_groups.clone());
    // A failed check is not fatal: the first poll reports the same failure and retries.
    if let Ok(groups) = subscriptions.check().await {
        for warning in check_warnings(&config.arn, !args.log_groups.is_empty(), &groups) {
            eprintln!("local-lambda: warning: {warning}");
        }
    }
    let interval = Duration::from_millis(args.poll_interval_ms);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut undelivered = Undelivered::default();
    let mut failures = FailureLines::default();
    // `--once` reads once: a group it could not read is not retried, and the run fails.
    let retrying = if args.once {
        ""
    } else {
        "; retrying on the next poll"
    };
    loop {
        match read_config(&lambda, &args.function).await {
            Ok((deployed, _)) => match config_change(function.config(), &deployed) {
                ConfigChange::None => {}
                ConfigChange::Code => {
                    if warned_code.as_deref() != Some(deployed.code_sha256.as_str()) {
                        eprintln!(
                            "local-lambda: warning: the deployed code changed (CodeSha256 {});                              this run still executes {} (CodeSha256 {}): restart local-lambda                              with --zip <the new zip> to run it",
                            deployed.code_sha256,
                            args.zip.display(),
                            function.config().code_sha256
                        );
                        warned_code = Some(deployed.code_sha256.clone());
                    }
                }
                ConfigChange::Settings(what) => {
                    eprintln!(
                        "local-lambda: the function's {what} changed: new invocations run in a                          fresh execution environment with it, as on Lambda"
                    );
                    let next = LocalFunction::start(
                        &sdk,
                        deployed,
                        &args.zip,
                        StartOptions {
                            retry: retry.clone(),
                        },
                    )
                    .await
                    .context("starting the function again with its new configuration")?;
                    // The old environment finishes what it was given, then its counts carry on.
                    function.settle().await;
                    function.flush_logs().await;
                    replaced.add(&function.stats());
                    function = next;
                }
            },
            // Not fatal: the function keeps running with what it was started with.
            Err(err) => failures.print(format!("reading the function's configuration: {err}")),
        }
        deliver(
            &mut subscriptions,
            &function,
            &mut undelivered,
            &mut failures,
            retrying,
        )
        .await;
        if args.once {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => {
                // What arrived since the last read still gets delivered.
                deliver(&mut subscriptions, &function, &mut undelivered, &mut failures, "").await;
                break;
            }
        }
    }
    let drained = tokio::time::timeout(Duration::from_secs(args.drain_timeout), function.settle())
        .await
        .is_ok();
    if !drained {
        eprintln!(
            "local-lambda: {} event(s) still queued or waiting for a retry after {} s; stopping \
             without them (they are not delivered)",
            function.outstanding(),
            args.drain_timeout
        );
    }
    // The function's lines reach its log group before the program ends, unless CloudWatch
    // does not answer (they are on stderr all the same).
    if tokio::time::timeout(Duration::from_secs(10), function.flush_logs())
        .await
        .is_err()
    {
        eprintln!(
            "local-lambda: the function's last lines were not written to its log group within 10 s"
        );
    }
    let mut stats = replaced;
    stats.add(&function.stats());
    let report = Report { stats, undelivered };
    let json = serde_json::to_string(&report)?;
    eprintln!("local-lambda: done: {json}");
    println!("{json}");
    if args.once && report.undelivered.failed_reads > 0 {
        anyhow::bail!(
            "some subscribed log groups could not be read (see above): their events were not \
             delivered; run again once they can be"
        );
    }
    Ok(())
}

/// The final counts on stdout: the invocations', then what never reached the function.
#[derive(Debug, serde::Serialize)]
struct Report {
    #[serde(flatten)]
    stats: local_aws::lambda::InvokeStats,
    #[serde(flatten)]
    undelivered: Undelivered,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Result<Args, clap::Error> {
        let mut argv = vec!["local-lambda", "--function", "f", "--zip", "f.zip"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv)
    }

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }

    #[test]
    fn retry_delays_are_two_non_negative_numbers() {
        let secs = |a: f64, b: f64| [Duration::from_secs_f64(a), Duration::from_secs_f64(b)];
        assert_eq!(parse(&[]).unwrap().retry_delays, secs(60.0, 120.0));
        let args = parse(&["--retry-delays", "0.2,0.4"]).unwrap();
        assert_eq!(args.retry_delays, secs(0.2, 0.4));
        for bad in ["1", "1,2,3", "-1,2", "NaN,1", "inf,1", "a,b", ""] {
            let err = parse(&["--retry-delays", bad]).expect_err(bad);
            // A usage error (exit code 2), not a failure of the run.
            assert_eq!(err.exit_code(), 2, "{bad}: {err}");
        }
        let err = parse(&["--retry-delays", "1"]).unwrap_err().to_string();
        assert!(err.contains("like 60,120"), "{err}");
    }

    #[test]
    fn help_shows_the_retry_delays_default_as_it_is_typed() {
        use clap::CommandFactory;
        let help = Args::command().render_long_help().to_string();
        assert!(help.contains("[default: 60,120]"), "{help}");
    }

    #[test]
    fn a_poll_interval_under_100_ms_is_a_usage_error() {
        let err = parse(&["--poll-interval-ms", "10"]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        assert_eq!(
            parse(&["--poll-interval-ms", "100"])
                .unwrap()
                .poll_interval_ms,
            100
        );
    }

    #[test]
    fn a_missing_function_says_what_to_do_once() {
        let err = start_hint(StartError::FunctionNotFound {
            function: "f".into(),
            message: "ResourceNotFoundException: Function not found: arn:aws:lambda:f".into(),
        });
        let text = format!("{err:#}");
        assert_eq!(text.matches("Function not found").count(), 1, "{text}");
        assert!(
            text.ends_with("run `provision up` first, or check --function"),
            "{text}"
        );
    }

    #[test]
    fn a_changed_configuration_restarts_the_environment_and_changed_code_is_told() {
        let running = FunctionConfig {
            name: "f".into(),
            arn: "arn:aws:lambda:us-east-1:1:function:f".into(),
            memory_mb: 128,
            timeout_secs: 3,
            handler: None,
            code_sha256: "abc=".into(),
            variables: [("SEVERITY_ERROR".to_string(), "HIGH".to_string())].into(),
            log_group: "/aws/lambda/f".into(),
        };
        assert_eq!(
            config_change(&running, &running.clone()),
            ConfigChange::None
        );
        let mut deployed = running.clone();
        deployed
            .variables
            .insert("SEVERITY_ERROR".into(), "NONE".into());
        deployed.timeout_secs = 30;
        assert_eq!(
            config_change(&running, &deployed),
            ConfigChange::Settings("environment, timeout".into())
        );
        deployed.code_sha256 = "def=".into();
        assert_eq!(config_change(&running, &deployed), ConfigChange::Code);
    }

    #[test]
    fn a_repeated_failure_is_printed_once_every_30_seconds() {
        let mut lines = FailureLines::default();
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        let down = || "DescribeLogGroups failed; retrying on the next poll".to_string();
        assert_eq!(lines.next(down(), at(0)), Some(down()));
        assert_eq!(lines.next(down(), at(1)), None);
        assert_eq!(lines.next(down(), at(2)), None);
        assert_eq!(
            lines.next(down(), at(31)),
            Some(format!("{} (and 2 more time(s) in the last 30 s)", down()))
        );
        // Another failure is news at once.
        assert_eq!(lines.next("other".into(), at(32)), Some("other".into()));
    }
}

//! `local-lambda`: runs a deployed Lambda function locally and feeds it what its CloudWatch Logs
//! subscription filters would deliver. Progress on stderr; the final counts as JSON on stdout.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use local_aws::lambda::{LocalFunction, StartError, StartOptions, read_config};
use local_aws::subscription::{Subscriptions, check_warnings};

/// Runs a Lambda function from its deployment zip behind a local Runtime API, and delivers to
/// it, as CloudWatch Logs would, the log events its subscription filters match.
///
/// The function's configuration (environment, timeout, memory) is read back from the Lambda
/// API at AWS_ENDPOINT_URL (moto); the zip must be the one deployed (same CodeSha256). The
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

async fn deliver(subscriptions: &mut Subscriptions, function: &LocalFunction) -> Result<()> {
    let poll = subscriptions
        .poll()
        .await
        .context("reading the subscribed log groups")?;
    for warning in &poll.warnings {
        eprintln!("local-lambda: {warning}");
    }
    for undeliverable in &poll.undeliverable {
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
    Ok(())
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
    let function = LocalFunction::start(&sdk, config.clone(), &args.zip, StartOptions { retry })
        .await
        .context("starting the function locally")?;
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
    loop {
        if let Err(err) = deliver(&mut subscriptions, &function).await {
            eprintln!("local-lambda: {err:#}; retrying");
        }
        if args.once {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => {
                // What arrived since the last read still gets delivered.
                if let Err(err) = deliver(&mut subscriptions, &function).await {
                    eprintln!("local-lambda: {err:#}");
                }
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
    let stats = function.stats();
    eprintln!("local-lambda: done: {}", serde_json::to_string(&stats)?);
    println!("{}", serde_json::to_string(&stats)?);
    Ok(())
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
}

//! `local-lambda`: runs a deployed Lambda function locally and feeds it what its CloudWatch Logs
//! subscription filters would deliver. Progress on stderr; the final counts as JSON on stdout.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use local_aws::lambda::{LocalFunction, StartOptions, read_config};
use local_aws::subscription::Subscriptions;

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
    /// function.
    #[arg(long = "log-group")]
    log_groups: Vec<String>,
    /// Milliseconds between two reads of the log groups.
    #[arg(long, default_value_t = 1000)]
    poll_interval_ms: u64,
    /// Seconds before the second and the third attempt of a failed invocation (Lambda: 60,120).
    #[arg(long, value_delimiter = ',', default_values_t = [60.0, 120.0])]
    retry_delays: Vec<f64>,
    /// Deliver what is there once, wait for the invocations, and exit.
    #[arg(long)]
    once: bool,
    /// On exit, the longest wait for outstanding invocations, in seconds.
    #[arg(long, default_value_t = 60)]
    drain_timeout: u64,
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
async fn main() -> Result<()> {
    let args = Args::parse();
    let sdk = logpipe_aws::load_config().await?;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let (config, mut retry) = read_config(&lambda, &args.function).await?;
    if let [second, third] = args.retry_delays[..] {
        retry.delays = [
            Duration::from_secs_f64(second.max(0.0)),
            Duration::from_secs_f64(third.max(0.0)),
        ];
    } else {
        anyhow::bail!("--retry-delays takes two values (seconds), like 60,120");
    }
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
    let interval = Duration::from_millis(args.poll_interval_ms.max(100));
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

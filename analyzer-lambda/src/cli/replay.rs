//! `analyzer-lambda replay`: reads a log group back with `FilterLogEvents`, builds the
//! per-stream payloads a subscription delivers, and runs the same handler over them.
//! Progress and the final summary go to stderr.

use std::collections::HashMap;
use std::time::Duration;

use analyzer_lambda::config::Config;
use analyzer_lambda::handler::Summary;
use analyzer_lambda::replay::{StoredEvent, parse_time, payloads};
use analyzer_lambda::retry::describe;
use anyhow::{Context, bail};

use super::ReplayArgs;
use super::function::{build, now_ms};

/// With `--follow`, each poll reads again this far behind the newest event seen, because
/// events of several streams (and late batches) are not ingested in timestamp order. Events
/// already handled are remembered and skipped.
const FOLLOW_LOOKBACK_MS: i64 = 60_000;
/// Owner written into replayed payloads (the handler does not use it).
const REPLAY_OWNER: &str = "replay";

enum FetchError {
    MissingGroup,
    Other(String),
}

async fn fetch(
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    start: i64,
    end: Option<i64>,
) -> Result<Vec<StoredEvent>, FetchError> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let token_before = token.clone();
        let page = logs
            .filter_log_events()
            .log_group_name(log_group)
            .start_time(start)
            .set_end_time(end)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|err| {
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception())
                {
                    FetchError::MissingGroup
                } else {
                    FetchError::Other(describe(&err))
                }
            })?;
        events.extend(page.events().iter().filter_map(|e| {
            Some(StoredEvent {
                log_stream: e.log_stream_name()?.to_string(),
                event_id: e.event_id()?.to_string(),
                timestamp: e.timestamp()?,
                message: e.message()?.to_string(),
            })
        }));
        // Pages may be empty while more remain (the API scans in time slices): follow the
        // token until it is absent or stops changing.
        match page.next_token() {
            Some(next) if !next.is_empty() && token_before.as_deref() != Some(next) => {
                token = Some(next.to_string());
            }
            _ => return Ok(events),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Runs the replay.
pub async fn run(args: ReplayArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let config = Config::from_env().context("reading the configuration")?;
    let now = now_ms();
    let since = parse_time(&args.since, now).context("--since")?;
    let until = args
        .until
        .as_deref()
        .map(|u| parse_time(u, now))
        .transpose()
        .context("--until")?;
    let sdk = logpipe_aws::load_config().await?;
    let analyzer = build(&config, &sdk)?;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let interval = Duration::from_secs(args.interval.max(1));

    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut total = Summary::default();
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut start = since;
    let mut waiting_for_group = false;
    eprintln!(
        "replay: reading {}{}",
        args.log_group,
        if args.follow {
            " (following; Ctrl-C to stop)"
        } else {
            ""
        }
    );
    loop {
        let fetched = tokio::select! {
            fetched = fetch(&logs, &args.log_group, start, until) => fetched,
            () = &mut shutdown => break,
        };
        match fetched {
            Ok(events) => {
                if waiting_for_group {
                    eprintln!("replay: log group {} now exists", args.log_group);
                    waiting_for_group = false;
                }
                let fresh: Vec<StoredEvent> = events
                    .into_iter()
                    .filter(|e| !seen.contains_key(&e.event_id))
                    .collect();
                for payload in payloads(REPLAY_OWNER, &args.log_group, fresh) {
                    match analyzer.handle_payload(&payload, now_ms()).await {
                        Ok(summary) => {
                            total.add(&summary);
                            seen.extend(
                                payload.log_events.into_iter().map(|e| (e.id, e.timestamp)),
                            );
                            if summary.incidents_written > 0 || summary.alerts_sent > 0 {
                                eprintln!(
                                    "replay: {} new incident(s), {} alert(s) from {}",
                                    summary.incidents_written,
                                    summary.alerts_sent,
                                    payload.log_stream
                                );
                            }
                        }
                        Err(err) if args.follow => {
                            eprintln!("replay: {err}; will retry these events on the next poll");
                        }
                        Err(err) => {
                            print_total(&total);
                            return Err(err).context("handling a replayed payload");
                        }
                    }
                }
                if !args.follow {
                    break;
                }
                if let Some(newest) = seen.values().max().copied() {
                    start = start.max(newest - FOLLOW_LOOKBACK_MS);
                    seen.retain(|_, ts| *ts >= start);
                }
            }
            Err(FetchError::MissingGroup) if args.follow => {
                if !waiting_for_group {
                    eprintln!(
                        "replay: log group {} does not exist yet; waiting for it (retrying every {}s)",
                        args.log_group,
                        interval.as_secs()
                    );
                    waiting_for_group = true;
                }
            }
            Err(FetchError::MissingGroup) => {
                bail!(
                    "log group {} does not exist (check the name and region, or use --follow to wait for it)",
                    args.log_group
                )
            }
            Err(FetchError::Other(err)) if args.follow => {
                eprintln!("replay: reading {} failed: {err}; retrying", args.log_group);
            }
            Err(FetchError::Other(err)) => {
                bail!("reading {} failed: {err}", args.log_group)
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => break,
        }
    }
    print_total(&total);
    Ok(())
}

fn print_total(total: &Summary) {
    eprintln!(
        "replay summary: {}",
        serde_json::to_string(total).unwrap_or_default()
    );
}

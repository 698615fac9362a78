//! `analyzer-lambda replay`: reads a log group back with `FilterLogEvents`, builds the
//! per-stream payloads a subscription delivers, and runs the same handler over them.
//! Progress and the final summary go to stderr. Ctrl-C and SIGTERM stop it between pages
//! and payloads; a one-off run they cut short exits with 130 / 143 (see the README).

use std::collections::HashMap;
use std::time::Duration;

use analyzer_lambda::config::Config;
use analyzer_lambda::handler::{HandlerError, Summary};
use analyzer_lambda::incident::format_millis;
use analyzer_lambda::payload::LogsPayload;
use analyzer_lambda::replay::{StoredEvent, Totals, payloads};
use analyzer_lambda::retry::describe;
use analyzer_lambda::window::{Source, check_window, parse_time};
use anyhow::{Context, bail};

use super::function::{LiveAnalyzer, build, now_ms};
use super::signal::{Interrupted, Signals, Stop};
use super::{ReplayArgs, UsageError};

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

/// Default of `--since`.
pub const DEFAULT_SINCE: &str = "30m";

/// The exit codes, for `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes: 0 done (with --follow: stopped by Ctrl-C or SIGTERM); 1 a configuration or AWS error
(without --follow); 2 invalid arguments (an empty log group, a malformed or out-of-range time, a
window that does not start before it ends or starts in the future); 130 / 143 stopped by Ctrl-C
(SIGINT) / SIGTERM before the end of the window (re-running the same command is safe).";

/// The log group to read, trimmed (CloudWatch names hold no spaces).
fn log_group(args: &ReplayArgs) -> Result<&str, UsageError> {
    let group = args.log_group.trim();
    if group.is_empty() {
        return Err(UsageError(
            "--log-group is empty: give the name of the log group to read, such as \
             --log-group /demo/orders-api"
                .into(),
        ));
    }
    Ok(group)
}

/// The window, epoch ms: `--since` and `--until` (none with `--follow`: it stays open;
/// without either, now).
fn window(args: &ReplayArgs, now: i64) -> Result<(i64, Option<i64>), UsageError> {
    let time = |flag: &str, text: &str| {
        parse_time(text, now).map_err(|e| UsageError(format!("{flag}: {e}")))
    };
    let start = match &args.since {
        Some(since) => (time("--since", since)?, Source::Given("--since", since)),
        None => (
            time("--since", DEFAULT_SINCE)?,
            Source::Default("--since", DEFAULT_SINCE),
        ),
    };
    let until = match &args.until {
        Some(until) => Some((time("--until", until)?, Source::Given("--until", until))),
        None => None,
    };
    // Without --until the read is left open-ended (FilterLogEvents reads up to the newest
    // event); a one-off read still ends now, so it must start before now.
    let end = until.or((!args.follow).then_some((now, Source::Now)));
    check_window(start, end, now).map_err(|e| UsageError(e.to_string()))?;
    Ok((start.0, until.map(|(ms, _)| ms)))
}

/// Runs the replay.
pub async fn run(args: ReplayArgs) -> anyhow::Result<()> {
    // Arguments first: a typo should not wait for the configuration or the SDK.
    let group = log_group(&args)?.to_owned();
    let (since, until) = window(&args, now_ms())?;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let config = Config::from_env().context("reading the configuration")?;
    let sdk = logpipe_aws::load_config().await?;
    let analyzer = build(&config, &sdk)?;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let interval = Duration::from_secs(args.interval.max(1));

    // Caught from here on, with or without --follow: the run stops at its next safe point
    // (a page read, a payload handled) rather than wherever the signal finds it.
    let mut signals = Signals::listen().context("catching Ctrl-C and SIGTERM")?;
    let mut stop: Option<Stop> = None;
    // Payloads handled of the last batch read, and how many it had.
    let mut progress: Option<(usize, usize)> = None;
    let mut total = Totals::default();
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut start = since;
    let mut waiting_for_group = false;
    eprintln!(
        "replay: reading {}{}",
        group,
        if args.follow {
            " (following; Ctrl-C to stop)"
        } else {
            ""
        }
    );
    'run: loop {
        let fetched = tokio::select! {
            fetched = fetch(&logs, &group, start, until) => fetched,
            signal = signals.recv() => {
                stop = Some(signal);
                break;
            }
        };
        match fetched {
            Ok(events) => {
                if waiting_for_group {
                    eprintln!("replay: log group {} now exists", group);
                    waiting_for_group = false;
                }
                let fresh: Vec<StoredEvent> = events
                    .into_iter()
                    .filter(|e| !seen.contains_key(&e.event_id))
                    .collect();
                let batch = payloads(REPLAY_OWNER, &group, fresh);
                let of = batch.len();
                progress = Some((0, of));
                for (done, payload) in batch.into_iter().enumerate() {
                    stop = stop.or_else(|| signals.pending());
                    if stop.is_some() {
                        break 'run;
                    }
                    let Some(handled) = handle(&analyzer, &payload, &mut signals, &mut stop).await
                    else {
                        break 'run;
                    };
                    match handled {
                        Ok((summary, fingerprints)) => {
                            total.add(&summary, fingerprints);
                            progress = Some((done + 1, of));
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
                            print_total(total.summary());
                            return Err(err).context("handling a replayed payload");
                        }
                    }
                }
                if stop.is_some() || !args.follow {
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
                        group,
                        interval.as_secs()
                    );
                    waiting_for_group = true;
                }
            }
            Err(FetchError::MissingGroup) => {
                bail!(
                    "log group {} does not exist (check the name and region, or use --follow to wait for it)",
                    group
                )
            }
            Err(FetchError::Other(err)) if args.follow => {
                eprintln!("replay: reading {} failed: {err}; retrying", group);
            }
            Err(FetchError::Other(err)) => {
                bail!("reading {} failed: {err}", group)
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            signal = signals.recv() => {
                stop = Some(signal);
                break;
            }
        }
    }
    print_total(total.summary());
    match stop {
        // Following ends this way: the summary says what it did.
        Some(signal) if args.follow => {
            eprintln!("replay: stopped by {}", signal.name());
            Ok(())
        }
        // Too late to cut anything short: every payload of the window was handled.
        Some(signal) if progress.is_some_and(|(done, of)| done == of) => {
            eprintln!(
                "replay: {} came after the last payload; the window was replayed",
                signal.name()
            );
            Ok(())
        }
        Some(signal) => Err(interrupted(signal, &group, since, progress).into()),
        None => Ok(()),
    }
}

/// Handles one payload. A signal meanwhile lets it finish (the run stops after it); a second
/// one abandons it (`None`), which is safe: the handler is idempotent at every step (as when
/// Lambda retries an invocation that timed out), so a rerun completes it.
async fn handle(
    analyzer: &LiveAnalyzer,
    payload: &LogsPayload,
    signals: &mut Signals,
    stop: &mut Option<Stop>,
) -> Option<Result<(Summary, Vec<String>), HandlerError>> {
    // Boxed, as the function's invocation is: the handler's futures nest deep enough that
    // rustc's layout of the whole future overflowed its query depth in release builds.
    let mut handling = Box::pin(analyzer.handle_payload_fingerprints(payload, now_ms()));
    loop {
        tokio::select! {
            handled = &mut handling => return Some(handled),
            signal = signals.recv() => {
                if stop.is_some() {
                    return None;
                }
                eprintln!(
                    "replay: {} received; stopping once the payload in hand is handled \
                     (again to stop at once)",
                    signal.name()
                );
                *stop = Some(signal);
            }
        }
    }
}

/// The one line of a one-off run cut short: where it stopped, and that a rerun is safe.
fn interrupted(
    stop: Stop,
    group: &str,
    since: i64,
    progress: Option<(usize, usize)>,
) -> Interrupted {
    let when = match progress {
        None => format!("while reading {group}"),
        Some((done, of)) => format!("after {done} of the {of} payload(s) of {group}"),
    };
    Interrupted {
        stop,
        message: format!(
            "replay interrupted by {} {when}: re-running the same command is safe (what was \
             handled is skipped as duplicates); --since {} keeps this run's start",
            stop.name(),
            format_millis(since)
        ),
    }
}

fn print_total(total: &Summary) {
    eprintln!(
        "replay summary: {}",
        serde_json::to_string(total).unwrap_or_default()
    );
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    const NOW: i64 = 1_795_000_000_000;

    fn args(extra: &[&str]) -> ReplayArgs {
        let cli = Cli::try_parse_from(
            ["analyzer-lambda", "replay", "--log-group", "/g"]
                .into_iter()
                .chain(extra.iter().copied()),
        )
        .unwrap();
        match cli.command {
            Some(Command::Replay(args)) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_default_window_is_the_last_half_hour() {
        assert_eq!(window(&args(&[]), NOW).unwrap(), (NOW - 1_800_000, None));
        assert_eq!(
            window(&args(&["--since", "1h", "--until", "5m"]), NOW).unwrap(),
            (NOW - 3_600_000, Some(NOW - 300_000))
        );
        // Following may start now: the window stays open.
        assert_eq!(
            window(&args(&["--since", "0s", "--follow"]), NOW).unwrap(),
            (NOW, None)
        );
    }

    #[test]
    fn huge_durations_are_usage_errors_not_panics() {
        for since in [
            "999999999999999999d",
            "300000000000d",
            "9223372036854775807s",
        ] {
            let err = window(&args(&["--since", since]), NOW).unwrap_err();
            assert!(err.0.starts_with("--since: "), "{err}");
            assert!(err.0.contains("out of range"), "{err}");
        }
        let err = window(&args(&["--until", "9223372036854775807s"]), NOW).unwrap_err();
        assert!(err.0.starts_with("--until: "), "{err}");
    }

    #[test]
    fn reversed_empty_and_future_windows_are_usage_errors() {
        let err = window(&args(&["--since", "5m", "--until", "30m"]), NOW).unwrap_err();
        assert!(err.0.contains("swap --since and --until"), "{err}");
        assert!(window(&args(&["--since", "1h", "--until", "1h"]), NOW).is_err());
        let err = window(&args(&["--since", "2030-01-01T00:00:00Z"]), NOW).unwrap_err();
        assert!(err.0.contains("in the future"), "{err}");
        assert!(window(&args(&["--since", "2030-01-01T00:00:00Z", "--follow"]), NOW).is_err());
        // Nothing to read between now and now.
        assert!(window(&args(&["--since", "0s"]), NOW).is_err());
    }

    #[test]
    fn an_empty_log_group_is_a_usage_error() {
        let mut empty = args(&[]);
        for name in ["", "  "] {
            empty.log_group = name.into();
            let err = log_group(&empty).unwrap_err();
            assert!(err.0.contains("--log-group is empty"), "{err}");
        }
        empty.log_group = " /bb/app ".into();
        assert_eq!(log_group(&empty).unwrap(), "/bb/app");
    }
}

//! `analyzer-lambda trace <TRACE_ID> --log-group G [--log-group ...]`: every record of one
//! trace across log groups, found with CloudWatch's own filtering (`FilterLogEvents` with a
//! JSON filter pattern) and checked here (an emulator may not filter), as one timeline; then
//! the trace's incidents from the `by_trace_id` index. The report goes to stdout (text, or
//! JSON with `--json`); problems go to stderr with an exit code that says which.
//!
//! Logs Insights would search all groups in one query, but it is asynchronous (start, then
//! poll) and the local emulator implements only part of its language; `FilterLogEvents`
//! works the same in both places.

use std::collections::HashMap;
use std::process::ExitCode;

use analyzer_lambda::incident::format_millis;
use analyzer_lambda::retry::describe;
use analyzer_lambda::trace::id::TraceId;
use analyzer_lambda::trace::incident::{self, BY_TRACE_ID_INDEX};
use analyzer_lambda::trace::render::Report;
use analyzer_lambda::trace::timeline::{FoundEvent, assemble};
use analyzer_lambda::window::{Source, check_window, parse_time};
use aws_sdk_dynamodb::types::AttributeValue;

use super::TraceArgs;
use super::function::now_ms;

/// Exit code: an AWS call failed (or the output could not be written).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: invalid arguments, a malformed trace id or time among them (clap's own code
/// for usage errors).
pub const EXIT_USAGE: u8 = super::EXIT_USAGE;
/// Exit code: a log group does not exist.
pub const EXIT_UNKNOWN_GROUP: u8 = 3;
/// Exit code: nothing of this trace in the window, neither records nor incidents.
pub const EXIT_NOT_FOUND: u8 = 4;

/// The exit codes, for `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes: 0 found; 1 an AWS call failed (the records of the groups that could be read are
printed all the same); 2 invalid arguments (a malformed trace id, a
malformed or out-of-range time, a window that does not start before it ends or starts in the
future, no log group); 3 a log group does not exist; 4 nothing of this trace in the window.";

/// A failure with its exit code.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

/// Runs the command; prints the report or the problem, and returns the exit code.
pub async fn run(args: TraceArgs) -> ExitCode {
    match trace(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("analyzer-lambda trace: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Default of `--since`.
pub const DEFAULT_SINCE: &str = "1h";

/// The window, epoch ms, from `--since` / `--start` and `--end` (default: now).
fn window(args: &TraceArgs, now: i64) -> Result<(i64, i64), Failure> {
    let time = |flag: &str, text: &str| {
        parse_time(text, now).map_err(|e| Failure::new(EXIT_USAGE, format!("{flag}: {e}")))
    };
    let start = match (&args.start, &args.since) {
        (Some(start), _) => (time("--start", start)?, Source::Given("--start", start)),
        (None, Some(since)) => (time("--since", since)?, Source::Given("--since", since)),
        (None, None) => (
            time("--since", DEFAULT_SINCE)?,
            Source::Default("--since", DEFAULT_SINCE),
        ),
    };
    let end = match &args.end {
        Some(end) => (time("--end", end)?, Source::Given("--end", end)),
        None => (now, Source::Now),
    };
    check_window(start, Some(end), now).map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
    Ok((start.0, end.0))
}

/// The log groups to search: `--log-group` or `LOGPIPE_LOG_GROUPS`, trimmed, without the
/// empty entries a trailing or doubled comma leaves, each once.
fn log_groups(given: &[String]) -> Result<Vec<String>, Failure> {
    let mut groups: Vec<String> = Vec::new();
    for group in given.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        if !groups.iter().any(|g| g == group) {
            groups.push(group.to_owned());
        }
    }
    if groups.is_empty() {
        return Err(Failure::new(
            EXIT_USAGE,
            "no log group to search: --log-group (or LOGPIPE_LOG_GROUPS) is empty; give one or \
             more group names, such as --log-group /demo/orders-api",
        ));
    }
    Ok(groups)
}

async fn trace(args: TraceArgs) -> Result<(), Failure> {
    let groups = log_groups(&args.log_groups)?;
    let (start, end) = window(&args, now_ms())?;
    let sdk = logpipe_aws::load_config()
        .await
        .map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let trace = &args.trace_id;

    let mut events = Vec::new();
    let mut missing = Vec::new();
    // A group that cannot be read does not hide the others' records: they are shown, the
    // failure is said, and the exit code says the timeline is incomplete.
    let mut unreadable = Vec::new();
    for group in &groups {
        match fetch(&logs, group, trace, start, end).await {
            Ok(found) => events.extend(found),
            Err(FetchError::MissingGroup) => missing.push(group.as_str()),
            Err(FetchError::Other(err)) => {
                unreadable.push(format!("reading {group} failed: {err}"))
            }
        }
    }
    if unreadable.len() == groups.len() {
        return Err(Failure::new(EXIT_FAILED, unreadable.join("; ")));
    }
    if !missing.is_empty() {
        return Err(Failure::new(
            EXIT_UNKNOWN_GROUP,
            format!(
                "log group(s) {} do not exist in {}: check the names and the region \
                 (`provision status` lists the subscribed groups)",
                missing.join(", "),
                sdk.region()
                    .map_or("this region".to_owned(), |r| r.to_string())
            ),
        ));
    }

    let mut report = Report::new(trace, &groups, format_millis(start), format_millis(end));
    report.records = assemble(&events, trace);
    if let Some(table) = &args.incidents_table {
        let ddb = aws_sdk_dynamodb::Client::new(&sdk);
        let items = incidents(&ddb, table, trace).await.map_err(|err| {
            Failure::new(
                EXIT_FAILED,
                format!(
                    "reading the incidents of trace {trace} from {table} (index {BY_TRACE_ID_INDEX}) \
                     failed: {err}; check the table name (`provision status` shows it)"
                ),
            )
        })?;
        report.incidents_table = Some(table.clone());
        report.incidents = Some(incident::collect(&items));
    }

    if report.is_empty() && !unreadable.is_empty() {
        return Err(Failure::new(EXIT_FAILED, unreadable.join("; ")));
    }
    if report.is_empty() {
        return Err(Failure::new(
            EXIT_NOT_FOUND,
            format!(
                "no record of trace {trace}{} in {} between {} and {}: widen the window \
                 (--since 1d) or add the log groups of the other services",
                report
                    .xray_trace_id
                    .as_ref()
                    .map_or(String::new(), |xray| format!(" ({xray})")),
                groups.join(", "),
                report.start,
                report.end
            ),
        ));
    }
    let output = if args.json {
        serde_json::to_string_pretty(&report)
            .map(|json| json + "\n")
            .map_err(|e| Failure::new(EXIT_FAILED, format!("encoding the report: {e}")))?
    } else {
        report.to_string()
    };
    print!("{output}");
    if !unreadable.is_empty() {
        return Err(Failure::new(
            EXIT_FAILED,
            format!(
                "{}; the timeline above lacks that group's records",
                unreadable.join("; ")
            ),
        ));
    }
    Ok(())
}

enum FetchError {
    MissingGroup,
    Other(String),
}

/// The events of `group` in the window that CloudWatch's filter pattern selects for
/// `trace` (every event, with an emulator that does not filter).
async fn fetch(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    trace: &TraceId,
    start: i64,
    end: i64,
) -> Result<Vec<FoundEvent>, FetchError> {
    let pattern = trace.filter_pattern();
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let token_before = token.clone();
        let page = logs
            .filter_log_events()
            .log_group_name(group)
            .filter_pattern(&pattern)
            .start_time(start)
            .end_time(end)
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
            Some(FoundEvent {
                log_group: group.to_owned(),
                log_stream: e.log_stream_name()?.to_owned(),
                event_id: e.event_id()?.to_owned(),
                timestamp: e.timestamp()?,
                message: e.message()?.to_owned(),
            })
        }));
        // Pages may be empty while more remain (the API scans in time slices): follow the
        // token until it is absent or stops changing.
        match page.next_token() {
            Some(next) if !next.is_empty() && token_before.as_deref() != Some(next) => {
                token = Some(next.to_owned());
            }
            _ => return Ok(events),
        }
    }
}

/// The incident rows of `trace` under each form of its id, from the `by_trace_id` index. The
/// id is an expression attribute value, never query text: the index's key equals it exactly.
async fn incidents(
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
    trace: &TraceId,
) -> Result<Vec<HashMap<String, AttributeValue>>, String> {
    let mut items = Vec::new();
    for form in trace.forms() {
        let mut start_key = None;
        loop {
            let page = ddb
                .query()
                .table_name(table)
                .index_name(BY_TRACE_ID_INDEX)
                .key_condition_expression("trace_id = :t")
                .expression_attribute_values(":t", AttributeValue::S(form.clone()))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(|e| describe(&e))?;
            items.extend(page.items.unwrap_or_default());
            start_key = page.last_evaluated_key;
            if start_key.is_none() {
                break;
            }
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};
    use super::*;

    const NOW: i64 = 1_795_000_000_000;
    const ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    fn args(extra: &[&str]) -> TraceArgs {
        let cli = Cli::try_parse_from(
            ["analyzer-lambda", "trace", ID, "--log-group", "/g"]
                .into_iter()
                .chain(extra.iter().copied()),
        )
        .unwrap();
        match cli.command {
            Some(Command::Trace(args)) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_default_window_is_the_last_hour() {
        assert_eq!(window(&args(&[]), NOW).unwrap(), (NOW - 3_600_000, NOW));
    }

    #[test]
    fn a_past_end_without_start_does_not_mention_start() {
        let failure = window(&args(&["--end", "2026-11-01T00:00:00Z"]), NOW).unwrap_err();
        assert_eq!(failure.code, EXIT_USAGE);
        assert!(!failure.message.contains("--start"), "{}", failure.message);
        assert!(
            failure.message.contains("--since 1h, the default"),
            "{}",
            failure.message
        );
        let failure = window(
            &args(&["--since", "5m", "--end", "2020-01-01T00:00:00Z"]),
            NOW,
        )
        .unwrap_err();
        assert!(!failure.message.contains("--start"), "{}", failure.message);
        assert!(
            failure.message.contains("--since 5m"),
            "{}",
            failure.message
        );
        let failure = window(
            &args(&[
                "--start",
                "2026-11-10T10:00:00Z",
                "--end",
                "2026-11-10T09:00:00Z",
            ]),
            NOW,
        )
        .unwrap_err();
        assert!(failure.message.contains("swap --start and --end"));
    }

    #[test]
    fn huge_durations_are_usage_errors() {
        for since in [
            "999999999999999999d",
            "9223372036854775807s",
            "9223372036854s",
        ] {
            let failure = window(&args(&["--since", since]), NOW).unwrap_err();
            assert_eq!(failure.code, EXIT_USAGE);
            assert!(
                failure.message.starts_with("--since: ")
                    && failure.message.contains("out of range"),
                "{}",
                failure.message
            );
        }
    }

    #[test]
    fn empty_log_group_entries_are_skipped_and_none_left_is_an_error() {
        let given = |list: &[&str]| list.iter().map(|g| g.to_string()).collect::<Vec<_>>();
        assert_eq!(
            log_groups(&given(&["/bb/app", "", " "])).unwrap(),
            ["/bb/app"]
        );
        assert_eq!(
            log_groups(&given(&[" /a", "/b", "/a"])).unwrap(),
            ["/a", "/b"]
        );
        let failure = log_groups(&given(&[""])).unwrap_err();
        assert_eq!(failure.code, EXIT_USAGE);
        assert!(failure.message.contains("LOGPIPE_LOG_GROUPS"));
    }
}

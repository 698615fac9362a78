//! Where to look at a trace once an alert fires: for each sample trace id, the exact
//! `analyzer-lambda trace` command and a CloudWatch Logs Insights console link with the query
//! filled in, both over a fixed time window around the problem (so they still work hours
//! later). Pure: alerts, chat messages and incident rows all render these.
//!
//! ```
//! use analyzer_lambda::trace_link::{TraceWindow, link};
//!
//! let window = TraceWindow::around(1_795_000_000_000, 1_795_000_060_000);
//! let groups = vec!["/demo/orders".to_string(), "/demo/payments".to_string()];
//! let l = link("4bf92f3577b34da6a3ce929d0e0e4736", &groups, "eu-west-1", window);
//! assert_eq!(
//!     l.command.as_deref(),
//!     Some("analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736 --log-group /demo/orders \
//!           --log-group /demo/payments --start 2026-11-18T10:51:40Z --end 2026-11-18T11:22:40Z")
//! );
//! assert!(l.insights_url.starts_with("https://eu-west-1.console.aws.amazon.com/cloudwatch/home"));
//! ```

pub mod insights;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::trace::id::TraceId;

/// How far before the first and after the last event the window reaches: wide enough for a
/// request's other services and for clock skew between hosts.
pub const WINDOW_MARGIN_MS: i64 = 15 * 60_000;
/// Log groups one Logs Insights query may name
/// (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html>,
/// `logGroupNames`: "A StartQuery operation must include exactly one of the following
/// parameters: logGroupName, logGroupNames, or logGroupIdentifiers", at most 50 items).
pub const MAX_QUERY_LOG_GROUPS: usize = 50;
/// Name of the binary that runs the `trace` command.
pub const TRACE_BINARY: &str = "analyzer-lambda";

/// A time window in epoch milliseconds, whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceWindow {
    /// Start, epoch ms (a whole second).
    pub start_ms: i64,
    /// End, epoch ms (a whole second).
    pub end_ms: i64,
}

impl TraceWindow {
    /// [`WINDOW_MARGIN_MS`] before `first_ms` to [`WINDOW_MARGIN_MS`] after `last_ms`,
    /// widened to whole seconds.
    pub fn around(first_ms: i64, last_ms: i64) -> TraceWindow {
        let (first, last) = (first_ms.min(last_ms), first_ms.max(last_ms));
        TraceWindow {
            start_ms: (first - WINDOW_MARGIN_MS).div_euclid(1000) * 1000,
            end_ms: (last + WINDOW_MARGIN_MS + 999).div_euclid(1000) * 1000,
        }
    }
}

/// What to run and where to click for one trace id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceLink {
    /// The trace id as the logs carry it.
    pub trace_id: String,
    /// `analyzer-lambda trace ...`; `None` when the command would refuse the id (neither a
    /// W3C nor an X-Ray trace id nor a request id: see [`TraceId`]; the console link still
    /// works).
    pub command: Option<String>,
    /// The Logs Insights console page with the query filled in.
    pub insights_url: String,
}

/// The Logs Insights query for every record of one trace, oldest first.
pub fn trace_query(trace_id: &str) -> String {
    format!(
        "fields @timestamp, @log, @logStream, level, service, message\n\
         | filter trace_id = \"{}\"\n\
         | sort @timestamp asc\n\
         | limit 10000",
        trace_id.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// Log groups to search: `primary` first, then `others`, without repeats, at most
/// [`MAX_QUERY_LOG_GROUPS`].
pub fn trace_groups(primary: &str, others: &[String]) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for group in std::iter::once(primary).chain(others.iter().map(String::as_str)) {
        if !group.is_empty() && !groups.iter().any(|g| g == group) {
            groups.push(group.to_string());
        }
    }
    groups.truncate(MAX_QUERY_LOG_GROUPS);
    groups
}

/// RFC 3339 in UTC, whole seconds (`2026-11-24T13:49:06Z`).
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// Quotes a shell word when it needs it (POSIX single quotes).
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-:+=@%,".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `analyzer-lambda trace <id> --log-group <g>... --start <t> --end <t>`, or `None` when the
/// command would refuse `trace_id` (see [`TraceId::parse`]). W3C and X-Ray ids are given in
/// W3C form (unless spelled in upper case: then as logged), request ids as logged.
pub fn trace_command(trace_id: &str, groups: &[String], window: TraceWindow) -> Option<String> {
    let id = TraceId::parse(trace_id).ok()?;
    // Upper-case hex comes only from a request header logged as sent: the command searches
    // for the spelling it is given besides the normalised forms, so it gets that one.
    let word = if trace_id.bytes().any(|b| b.is_ascii_uppercase()) {
        trace_id.trim()
    } else {
        id.as_str()
    };
    let mut command = format!("{TRACE_BINARY} trace {}", shell_word(word));
    for group in groups {
        command.push_str(" --log-group ");
        command.push_str(&shell_word(group));
    }
    command.push_str(&format!(
        " --start {} --end {}",
        rfc3339(window.start_ms),
        rfc3339(window.end_ms)
    ));
    Some(command)
}

/// The command and the console link for one trace id.
pub fn link(trace_id: &str, groups: &[String], region: &str, window: TraceWindow) -> TraceLink {
    TraceLink {
        trace_id: trace_id.to_string(),
        command: trace_command(trace_id, groups, window),
        insights_url: insights::console_url(region, groups, &trace_query(trace_id), window),
    }
}

/// Where the links of one deployment point: its region, and the log groups a trace may
/// cross besides the event's own (the analyzer's `TRACE_LOG_GROUPS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTargets {
    /// Region of the console links.
    pub region: String,
    /// Other log groups to search.
    pub log_groups: Vec<String>,
}

/// The region of console links when none is configured (the analyzer's settings default too).
pub const DEFAULT_REGION: &str = "us-east-1";

impl Default for LinkTargets {
    fn default() -> LinkTargets {
        LinkTargets {
            region: DEFAULT_REGION.to_string(),
            log_groups: Vec::new(),
        }
    }
}

impl LinkTargets {
    /// The groups to search for a trace seen in `log_group`: it first, then the others.
    pub fn groups(&self, log_group: &str) -> Vec<String> {
        trace_groups(log_group, &self.log_groups)
    }

    /// The command and link for `trace_id`, seen in `log_group` between `first_ms` and
    /// `last_ms`.
    pub fn link(&self, trace_id: &str, log_group: &str, first_ms: i64, last_ms: i64) -> TraceLink {
        link(
            trace_id,
            &self.groups(log_group),
            &self.region,
            TraceWindow::around(first_ms, last_ms),
        )
    }
}

/// [`link`] for each id.
pub fn links(
    trace_ids: &[String],
    groups: &[String],
    region: &str,
    window: TraceWindow,
) -> Vec<TraceLink> {
    trace_ids
        .iter()
        .map(|id| link(id, groups, region, window))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_whole_seconds_around_the_events() {
        let w = TraceWindow::around(1_000_500, 2_000_001);
        assert_eq!(w.start_ms, 1_000_000 - WINDOW_MARGIN_MS);
        assert_eq!(w.end_ms, 2_001_000 + WINDOW_MARGIN_MS);
        assert_eq!(TraceWindow::around(2_000_001, 1_000_500), w);
    }

    #[test]
    fn command_has_the_agreed_shape() {
        let groups = trace_groups(
            "/aws/lambda/orders",
            &[
                "/demo/pay ments".to_string(),
                "/aws/lambda/orders".to_string(),
            ],
        );
        assert_eq!(groups.len(), 2);
        let window = TraceWindow {
            start_ms: 1_795_000_000_000,
            end_ms: 1_795_001_800_000,
        };
        let command = trace_command("1-5759e988-bd862e3fe1be46a994272793", &groups, window);
        assert_eq!(
            command.as_deref(),
            Some(
                "analyzer-lambda trace 5759e988bd862e3fe1be46a994272793 \
                 --log-group /aws/lambda/orders --log-group '/demo/pay ments' \
                 --start 2026-11-18T11:06:40Z --end 2026-11-18T11:36:40Z"
            )
        );
        // A request id logged as the trace id: the command takes it as it is.
        let command = trace_command("my-trace-1", &groups[..1], window);
        assert_eq!(
            command.as_deref(),
            Some(
                "analyzer-lambda trace my-trace-1 --log-group /aws/lambda/orders \
                 --start 2026-11-18T11:06:40Z --end 2026-11-18T11:36:40Z"
            )
        );
        let upper = trace_command("4BF92F3577B34DA6A3CE929D0E0E4736", &groups[..1], window);
        assert!(
            upper
                .unwrap()
                .starts_with("analyzer-lambda trace 4BF92F3577B34DA6A3CE929D0E0E4736 ")
        );
        // What the command would refuse gets the console link only.
        for refused in ["request 42", "a\"b", ""] {
            assert_eq!(trace_command(refused, &groups, window), None, "{refused}");
        }
    }

    #[test]
    fn query_filters_the_trace_and_escapes_quotes() {
        let q = trace_query("a\"b");
        assert!(q.contains("| filter trace_id = \"a\\\"b\"\n"), "{q}");
    }

    #[test]
    fn groups_are_capped() {
        let many: Vec<String> = (0..80).map(|i| format!("/g/{i}")).collect();
        let groups = trace_groups("/main", &many);
        assert_eq!(groups.len(), MAX_QUERY_LOG_GROUPS);
        assert_eq!(groups[0], "/main");
    }
}

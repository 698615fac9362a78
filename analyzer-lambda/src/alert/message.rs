//! The text of an alert, its subject, its SNS message attributes and the console link.
//!
//! ```text
//! [CRITICAL] orders-api: payment <num> failed (opened)
//!
//! Service:     orders-api
//! Severity:    CRITICAL
//! Event:       opened
//! Count:       10000 since first seen (10000 in total)
//! First seen:  2026-11-24T13:49:06.123Z
//! Last seen:   2026-11-24T13:49:58.004Z
//! Error type:  CardDeclined
//! Sample:      payment 42 failed
//! Pattern:     payment <num> failed
//! Trace ids:   4bf92f3577b34da6a3ce929d0e0e4736, 1-5759e988-bd862e3fe1be46a994272793
//! Log group:   /ecs/orders-api
//! Log stream:  orders-api/web/0f1e
//! Logs:        https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:...
//! Fingerprint: 6c0b7a0f2b8e4f0e9d1c2b3a4f5e6d7c
//!
//! Traces (each: the command to run, then the Logs Insights query in the console):
//!   4bf92f3577b34da6a3ce929d0e0e4736
//!     analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736 --log-group /ecs/orders-api --start 2026-11-24T13:34:06Z --end 2026-11-24T14:04:59Z
//!     https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights$3FqueryDetail$3D~(...)
//! ```

use std::fmt::Write;

use super::Alert;
use crate::incident::{format_millis, truncate};

/// SNS subjects must be under 100 ASCII characters without line breaks
/// (<https://docs.aws.amazon.com/sns/latest/api/API_Publish.html>).
pub const MAX_SUBJECT_CHARS: usize = 99;
/// Hard SNS limit on a message, attributes included: 256 KiB
/// (<https://docs.aws.amazon.com/sns/latest/api/API_Publish.html>). Alerts stay far below it
/// (see [`MAX_BODY_BYTES`]) so that ten of them fit one `PublishBatch`, whose total payload
/// has the same limit.
pub const MAX_SNS_MESSAGE_BYTES: usize = 256 * 1024;
/// Our cap on an alert body: a tenth of [`MAX_SNS_MESSAGE_BYTES`] minus room for attributes.
pub const MAX_BODY_BYTES: usize = 24 * 1024;
/// How much of the sample message an alert quotes.
pub const MAX_SAMPLE_BYTES: usize = 2 * 1024;
/// The console link shows the stream from this long before the last event...
const LINK_BEFORE_MS: i64 = 5 * 60_000;
/// ...to this long after it.
const LINK_AFTER_MS: i64 = 60_000;

/// The alert's subject line, e.g. `[CRITICAL] orders-api: payment <num> failed (opened)`.
pub fn subject(alert: &Alert) -> String {
    let raw = format!(
        "[{}] {}: {} ({})",
        alert.severity,
        alert.service,
        alert.pattern,
        alert.event_type.as_str()
    );
    let ascii: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    truncate(&ascii, MAX_SUBJECT_CHARS).to_string()
}

/// The alert's body.
pub fn body(alert: &Alert) -> String {
    let mut text = String::new();
    let count = if alert.count == alert.total_count {
        format!("{} since first seen", alert.count)
    } else {
        format!(
            "{} since it reopened ({} in total)",
            alert.count, alert.total_count
        )
    };
    // Writing to a String cannot fail.
    let _ = writeln!(text, "{}\n", subject(alert));
    let _ = writeln!(text, "Service:     {}", alert.service);
    let _ = writeln!(text, "Severity:    {}", alert.severity);
    let _ = writeln!(text, "Event:       {}", alert.event_type.as_str());
    let _ = writeln!(text, "Count:       {count}");
    let _ = writeln!(text, "First seen:  {}", format_millis(alert.first_seen_ms));
    let _ = writeln!(text, "Last seen:   {}", format_millis(alert.last_seen_ms));
    if let Some(error_type) = &alert.error_type {
        let _ = writeln!(text, "Error type:  {error_type}");
    }
    let sample = truncate(&alert.sample_message, MAX_SAMPLE_BYTES);
    let _ = writeln!(text, "Sample:      {sample}");
    let _ = writeln!(text, "Pattern:     {}", alert.pattern);
    let traces = if alert.trace_ids.is_empty() {
        "(none in the logs)".to_string()
    } else {
        alert.trace_ids.join(", ")
    };
    let _ = writeln!(text, "Trace ids:   {traces}");
    let _ = writeln!(text, "Log group:   {}", alert.log_group);
    let _ = writeln!(text, "Log stream:  {}", alert.log_stream);
    let _ = writeln!(text, "Logs:        {}", console_url(alert));
    let _ = write!(text, "Fingerprint: {}", alert.fingerprint);
    let links = alert.trace_links();
    if !links.is_empty() {
        let _ = write!(
            text,
            "\n\nTraces (each: the command to run, then the Logs Insights query in the console):"
        );
        for link in links {
            let _ = write!(text, "\n  {}", link.trace_id);
            if let Some(command) = &link.command {
                let _ = write!(text, "\n    {command}");
            }
            let _ = write!(text, "\n    {}", link.insights_url);
        }
    }
    truncate(&text, MAX_BODY_BYTES).to_string()
}

/// Message attributes, so subscribers can filter: `severity`, `service`, `event_type`.
pub fn attributes(alert: &Alert) -> [(&'static str, String); 3] {
    [
        ("severity", alert.severity.as_str().to_string()),
        ("service", alert.service.clone()),
        ("event_type", alert.event_type.as_str().to_string()),
    ]
}

/// The CloudWatch console page of the stream around the last event.
///
/// The console keeps its state in the URL fragment, where every `%` of a percent-encoded
/// value is itself written `$25` and `?`, `=`, `&` become `$3F`, `$3D`, `$26`.
pub fn console_url(alert: &Alert) -> String {
    let fragment_encode = |s: &str| percent_encode(s).replace('%', "$25");
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:log-groups/log-group/{group}/log-events/{stream}$3Fstart$3D{start}$26end$3D{end}",
        region = alert.region,
        group = fragment_encode(&alert.log_group),
        stream = fragment_encode(&alert.log_stream),
        start = alert.last_seen_ms - LINK_BEFORE_MS,
        end = alert.last_seen_ms + LINK_AFTER_MS,
    )
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::EventType;
    use crate::classify::Severity;

    fn alert() -> Alert {
        Alert {
            fingerprint: "fp".into(),
            token: "t".into(),
            event_type: EventType::Opened,
            severity: Severity::Critical,
            service: "orders-api".into(),
            count: 3,
            total_count: 3,
            first_seen_ms: 1_795_000_000_000,
            last_seen_ms: 1_795_000_060_000,
            sample_message: "payment 42 failed".into(),
            pattern: "payment <num> failed".into(),
            error_type: None,
            trace_ids: vec!["abc".into(), "def".into()],
            log_group: "/aws/lambda/orders".into(),
            log_stream: "2026/11/24/[$LATEST]0f".into(),
            region: "eu-west-1".into(),
            trace_log_groups: vec!["/aws/lambda/orders".into()],
        }
    }

    #[test]
    fn console_link_encodes_twice() {
        let url = console_url(&alert());
        assert!(url.starts_with(
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Forders/log-events/2026$252F11$252F24$252F$255B$2524LATEST$255D0f$3Fstart$3D"
        ), "{url}");
        assert!(url.ends_with("$26end$3D1795000120000"));
    }

    #[test]
    fn body_states_everything() {
        let text = body(&alert());
        for needle in [
            "Service:     orders-api",
            "Severity:    CRITICAL",
            "Event:       opened",
            "Count:       3 since first seen",
            "First seen:  ",
            "Last seen:   ",
            "Sample:      payment 42 failed",
            "Trace ids:   abc, def",
            "Logs:        https://eu-west-1.console.aws.amazon.com/",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }

    #[test]
    fn body_gives_each_trace_its_command_and_link() {
        let mut a = alert();
        a.trace_ids = vec![
            "4bf92f3577b34da6a3ce929d0e0e4736".into(),
            "req 7".into(),
            "req-8".into(),
        ];
        let text = body(&a);
        let traces = text.split_once("\n\nTraces").expect("a traces section").1;
        let lines: Vec<&str> = traces.lines().skip(1).map(str::trim).collect();
        assert_eq!(lines[0], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(
            lines[1],
            "analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736 --log-group /aws/lambda/orders \
             --start 2026-11-18T10:51:40Z --end 2026-11-18T11:22:40Z"
        );
        assert!(lines[2].contains("#logsV2:logs-insights$3FqueryDetail$3D"));
        // An id the command does not accept still gets its console link.
        assert_eq!(lines[3], "req 7");
        assert!(lines[4].starts_with("https://eu-west-1.console.aws.amazon.com/"));
        // A request id logged as the trace id gets both.
        assert_eq!(lines[5], "req-8");
        assert!(
            lines[6].starts_with("analyzer-lambda trace req-8 --log-group /aws/lambda/orders "),
            "{text}"
        );
        assert!(lines[7].starts_with("https://eu-west-1.console.aws.amazon.com/"));
    }

    #[test]
    fn huge_samples_and_subjects_are_cut() {
        let mut a = alert();
        a.sample_message = "é".repeat(200_000);
        a.pattern = "ü".repeat(500);
        assert!(body(&a).len() <= MAX_BODY_BYTES);
        let subject = subject(&a);
        assert!(subject.len() <= MAX_SUBJECT_CHARS && subject.is_ascii());
    }

    #[test]
    fn attributes_for_filters() {
        let attrs = attributes(&alert());
        assert_eq!(attrs[0], ("severity", "CRITICAL".to_string()));
        assert_eq!(attrs[2], ("event_type", "opened".to_string()));
    }
}

//! One log line in, one [`ParsedLine`] out, whatever wrote it. Never fails: a line nobody
//! can read is plain text without a level.
//!
//! Recognised, in this order:
//! 1. records of our layer (`tracing_cloudwatch_logs::record::LogRecord`);
//! 2. other JSON logs: level from `level`, `severity`, `levelname`, `log.level`, `status`
//!    (and OpenTelemetry's `severityText`/`severityNumber`), message from `msg`/`message`,
//!    Powertools' `service`, `xray_trace_id`, `correlation_id`; Lambda's JSON platform
//!    events (`platform.report` with a `timeout`/`error` status);
//! 3. Lambda's own text lines (`<ts>\t<request id>\tERROR\t...`, `[ERROR]\t<ts>\t...`,
//!    `Task timed out after`, out-of-memory and runtime-exit lines, `REPORT` lines);
//! 4. plain text with a level word (`ERROR ...`, `[warn] ...`, `level=error ...`).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde_json::Value;

use crate::severity::Level;

mod json;
mod members;
pub mod outcome;

/// What a line says happened, beyond its level. Anything but [`EventKind::Log`] is a crash
/// of some sort and classified on its own (see `classify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// An ordinary log line.
    Log,
    /// A Rust panic (`panicked at`) or a PANIC level.
    Panic,
    /// `Task timed out after ...` or a report with a timeout status.
    Timeout,
    /// The process ran out of memory.
    OutOfMemory,
    /// The runtime process exited (`Runtime exited with error`, `Runtime.ExitError`).
    RuntimeExit,
}

impl EventKind {
    /// A short stable name used as the error type when the line has none.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Log => "log",
            EventKind::Panic => "panic",
            EventKind::Timeout => "timeout",
            EventKind::OutOfMemory => "out_of_memory",
            EventKind::RuntimeExit => "runtime_exit",
        }
    }
}

/// Which reader understood the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A record of our `tracing-cloudwatch-logs` layer.
    Layer,
    /// Some other JSON object.
    Json,
    /// A line written by the Lambda service or a managed runtime.
    LambdaText,
    /// Anything else.
    PlainText,
}

/// What the analyzer needs from a line. The texts borrow from the line where they can:
/// every line is parsed, and copies of its message, service and trace id were three
/// allocations per event before the row that needs them was even built.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedLine<'a> {
    /// The normalized level, if the line has one.
    pub level: Option<Level>,
    /// The human message (the whole line when nothing better is known).
    pub message: Cow<'a, str>,
    /// The emitting service, if the line names it.
    pub service: Option<Cow<'a, str>>,
    /// A trace id to follow (trace id, X-Ray id or correlation id).
    pub trace_id: Option<Cow<'a, str>>,
    /// The error's type or class, if the line names one.
    pub error_type: Option<String>,
    /// Crash kinds.
    pub kind: EventKind,
    /// The reader that understood the line.
    pub format: Format,
    /// The line looked like JSON but was not valid JSON.
    pub malformed_json: bool,
    /// The line reports how a request or invocation ended (an access-log line, a
    /// `request completed` record with an HTTP status, a Lambda `REPORT`), not what went
    /// wrong: when its trace has a specific error, it belongs to that error's incident
    /// (see `correlate`).
    pub outcome: bool,
}

impl ParsedLine<'_> {
    /// The same line, owning its texts.
    pub fn into_owned(self) -> ParsedLine<'static> {
        ParsedLine {
            message: Cow::Owned(self.message.into_owned()),
            service: self.service.map(|s| Cow::Owned(s.into_owned())),
            trace_id: self.trace_id.map(|t| Cow::Owned(t.into_owned())),
            ..self
        }
    }
}

/// Parses one log line.
pub fn parse_line(line: &str) -> ParsedLine<'_> {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        if let Some(parsed) = json::parse(trimmed) {
            return parsed;
        }
        match serde_json::from_str::<Value>(trimmed) {
            // Valid, but not readable in one pass (a repeated key): the map keeps the last.
            Ok(object @ Value::Object(_)) => {
                if let Some(parsed) = json::parse(&object.to_string()) {
                    return parsed.into_owned();
                }
            }
            Ok(_) => {}
            Err(_) => {
                let mut parsed = parse_text(trimmed);
                parsed.malformed_json = true;
                return parsed;
            }
        }
    }
    parse_text(trimmed)
}

/// Crash kinds raise the level to at least ERROR: a timeout logged at INFO is still one.
fn bump_for_kind(level: Option<Level>, kind: EventKind) -> Option<Level> {
    match kind {
        EventKind::Log => level,
        EventKind::Panic => Some(Level::Fatal),
        _ => Some(level.map_or(Level::Error, |l| l.max(Level::Error))),
    }
}

/// The crash kinds a message or error type can name, searched in one pass (a storm of
/// ordinary errors would otherwise pay five searches per line); [`CRASH_ORDER`] says which
/// wins when several match.
static CRASHES: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        // Out of memory.
        r"(?i)Runtime\.OutOfMemory|out of memory|memory allocation of \d+ bytes failed|MemoryError|OutOfMemoryError",
        // The runtime process exited.
        r"Runtime exited with error|Runtime\.ExitError|Runtime exited without providing a reason",
        // Rust's own panic line (`thread 'x' panicked at ..`), Go's `panic: `, and records
        // that report a caught panic in words (tower-http's CatchPanic users write "handler
        // panicked").
        r"\bpanicked\b|^panic: ",
    ])
    .expect("valid regexes")
});
/// The kinds of [`CRASHES`], in its order, which is also their precedence.
const CRASH_ORDER: [EventKind; 3] = [
    EventKind::OutOfMemory,
    EventKind::RuntimeExit,
    EventKind::Panic,
];

/// Every pattern of [`CRASHES`] contains `memory` (any case), `Runtime` or `panic`: a line
/// with none of them (almost every line) skips the regex search, which cannot skip ahead on
/// literals for these patterns.
fn may_name_a_crash(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Jumping between `m`s (memchr) rather than testing every byte: this runs twice for
    // every line of a payload.
    text.contains("Runtime")
        || text.contains("panic")
        || memchr::memchr2_iter(b'm', b'M', bytes).any(|i| {
            bytes
                .get(i..i + 6)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"memory"))
        })
}

fn crash_kind(message: &str, error_type: &str) -> EventKind {
    if message.contains("Task timed out after") || message.contains("Status: timeout") {
        return EventKind::Timeout;
    }
    if !may_name_a_crash(message) && !may_name_a_crash(error_type) {
        return EventKind::Log;
    }
    let in_message = CRASHES.matches(message);
    let in_type = (!error_type.is_empty()).then(|| CRASHES.matches(error_type));
    CRASH_ORDER
        .iter()
        .enumerate()
        // The error type is read for the kinds a type names (`Runtime.OutOfMemory`,
        // `Runtime.ExitError`); a panic is recognised by its line, in the message.
        .find(|&(i, kind)| {
            in_message.matched(i)
                || (*kind != EventKind::Panic && in_type.as_ref().is_some_and(|m| m.matched(i)))
        })
        .map_or(EventKind::Log, |(_, kind)| *kind)
}

/// `2024-01-01T00:00:00.000Z\t<request id>\tERROR\tmessage` (Node.js, Java, .NET runtimes).
static LAMBDA_TSV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d\d-\d\dT[^\t ]+)\t([^\t]+)\t([A-Za-z]+)\t(?s)(.*)$")
        .expect("valid regex")
});
/// `[ERROR]\t2024-01-01T00:00:00.000Z\t<request id>\tmessage` (Python runtime).
static LAMBDA_PY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[([A-Za-z]+)\]\t(\d{4}-\d\d-\d\dT[^\t ]+)\t([^\t]+)\t(?s)(.*)$")
        .expect("valid regex")
});
/// `<ts> <request id> Task timed out after 3.00 seconds` and the Lambda platform lines;
/// captures the request id (1 or 3) and the line's kind (2).
static LAMBDA_PLATFORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\S+Z\s+)?(?:([0-9a-f]{8}-[0-9a-f-]{27})\s+)?(Task timed out after|START RequestId:|END RequestId:|REPORT RequestId:|INIT_START|INIT_REPORT|RequestId:)\s*([0-9a-f]{8}-[0-9a-f-]{27})?")
        .expect("valid regex")
});
/// Upper-case level words anywhere, or any-case ones at the start, in brackets or after
/// `level=`. Lower-case words mid-sentence ("no error found") are not levels.
static LEVEL_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:^|[\s\[(|:\x22'=])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC|SEVERE)(?:$|[\s\])|:,\x22'])
        | (?i:level=\x22?([a-z]+))
        | (?i:^\[?(trace|debug|info|notice|warn|warning|error|fatal|critical|panic)\]?[:\s])
        | (?i:\[(trace|debug|info|notice|warn|warning|error|fatal|critical|panic)\])",
    )
    .expect("valid regex")
});
/// X-Ray trace ids and `trace_id=...` in text.
static TEXT_TRACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(1-[0-9a-f]{8}-[0-9a-f]{24})|(?i:trace[_-]?id[=:]\s*\x22?([0-9a-zA-Z-]{8,64}))")
        .expect("valid regex")
});

fn text_trace_id(line: &str) -> Option<&str> {
    let caps = TEXT_TRACE.captures(line)?;
    caps.get(1).or_else(|| caps.get(2)).map(|m| m.as_str())
}

/// Group `i` of a match that has it.
fn group<'a>(caps: &regex::Captures<'a>, i: usize) -> &'a str {
    caps.get(i).map_or("", |m| m.as_str())
}

fn parse_text(line: &str) -> ParsedLine<'_> {
    let mut parsed = ParsedLine {
        level: None,
        message: Cow::Borrowed(line),
        service: None,
        trace_id: text_trace_id(line).map(Cow::Borrowed),
        error_type: None,
        kind: EventKind::Log,
        format: Format::PlainText,
        malformed_json: false,
        outcome: false,
    };
    let mut request_id = None;
    if let Some(caps) = LAMBDA_TSV.captures(line) {
        parsed.format = Format::LambdaText;
        parsed.level = Level::from_name(&caps[3]);
        parsed.message = Cow::Borrowed(group(&caps, 4).trim());
        parsed.error_type = lambda_error_type(&parsed.message);
        request_id = Some(group(&caps, 2));
    } else if let Some(caps) = LAMBDA_PY.captures(line) {
        parsed.format = Format::LambdaText;
        parsed.level = Level::from_name(&caps[1]);
        parsed.message = Cow::Borrowed(group(&caps, 4).trim());
        parsed.error_type = lambda_error_type(&parsed.message);
        request_id = Some(group(&caps, 3));
    } else if let Some(caps) = LAMBDA_PLATFORM.captures(line) {
        parsed.format = Format::LambdaText;
        parsed.level = Some(Level::Info);
        request_id = caps.get(1).or_else(|| caps.get(3)).map(|m| m.as_str());
        // `REPORT` closes an invocation: it is the outcome, `Task timed out` the cause.
        parsed.outcome = caps
            .get(2)
            .is_some_and(|m| m.as_str() == "REPORT RequestId:");
    } else if let Some(status) = outcome::access_log_status(line) {
        parsed.level = Some(if status >= 500 {
            Level::Error
        } else {
            Level::Info
        });
        parsed.outcome = true;
    } else {
        parsed.level = LEVEL_WORD.captures(line).and_then(|caps| {
            (1..=4)
                .find_map(|i| caps.get(i))
                .and_then(|m| Level::from_name(m.as_str()))
        });
        if let Some(error_type) = lambda_error_type(line).filter(|t| t.starts_with("Runtime.")) {
            parsed.error_type = Some(error_type);
        }
    }
    // Lambda's request id correlates the lines of one invocation when no trace id does.
    parsed.trace_id = parsed.trace_id.or(request_id.map(Cow::Borrowed));
    parsed.kind = crash_kind(line, parsed.error_type.as_deref().unwrap_or_default());
    if parsed.kind == EventKind::Timeout && !parsed.outcome {
        parsed.message = Cow::Borrowed(timeout_message(line));
    }
    parsed.level = bump_for_kind(parsed.level, parsed.kind);
    parsed
}

/// `Invoke Error \t{"errorType":"TypeError",...}` (Node.js) or `Runtime.ImportModuleError: ...`.
fn lambda_error_type(message: &str) -> Option<String> {
    if let Some(start) = message.find('{')
        && let Some(parsed) = json::parse(&message[start..])
    {
        return parsed.error_type;
    }
    let head = message
        .trim_start_matches("[ERROR] ")
        .split([':', ' ', '\t', '\n'])
        .next()
        .unwrap_or_default();
    let looks_like_type = head.len() > 3
        && (head.ends_with("Error") || head.ends_with("Exception") || head.starts_with("Runtime."));
    looks_like_type.then(|| head.to_string())
}

fn timeout_message(line: &str) -> &str {
    line.find("Task timed out after")
        .map_or("Task timed out", |at| line[at..].trim())
}

#[cfg(test)]
mod tests;

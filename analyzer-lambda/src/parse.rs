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

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};
use tracing_cloudwatch_logs::record::LogRecord;

use crate::severity::Level;

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

/// What the analyzer needs from a line.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedLine {
    /// The normalized level, if the line has one.
    pub level: Option<Level>,
    /// The human message (the whole line when nothing better is known).
    pub message: String,
    /// The emitting service, if the line names it.
    pub service: Option<String>,
    /// A trace id to follow (trace id, X-Ray id or correlation id).
    pub trace_id: Option<String>,
    /// The error's type or class, if the line names one.
    pub error_type: Option<String>,
    /// Crash kinds.
    pub kind: EventKind,
    /// The reader that understood the line.
    pub format: Format,
    /// The line looked like JSON but was not valid JSON.
    pub malformed_json: bool,
}

/// Parses one log line.
pub fn parse_line(line: &str) -> ParsedLine {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Object(object)) => return parse_json(object),
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

fn parse_json(object: Map<String, Value>) -> ParsedLine {
    let is_layer = object.contains_key(tracing_cloudwatch_logs::record::TARGET)
        || object.contains_key(tracing_cloudwatch_logs::record::SPANS);
    if is_layer {
        match serde_json::from_value::<LogRecord>(Value::Object(object.clone())) {
            Ok(record) => return from_layer_record(record),
            Err(_) => return from_json_object(&object),
        }
    }
    from_json_object(&object)
}

fn from_layer_record(record: LogRecord) -> ParsedLine {
    let trace_id = record.trace_id.clone().or_else(|| {
        record.spans.iter().rev().find_map(|span| {
            span.fields
                .get(tracing_cloudwatch_logs::record::TRACE_ID)
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    });
    let error_message = record
        .fields
        .get("error")
        .and_then(|e| e.get(tracing_cloudwatch_logs::record::ERROR_MESSAGE))
        .and_then(Value::as_str);
    let message = match (&record.message, error_message) {
        (Some(m), _) if !m.is_empty() => m.clone(),
        (_, Some(e)) => e.to_string(),
        _ => String::new(),
    };
    let kind = crash_kind(&message, error_message.unwrap_or_default());
    let level = Level::from_name(&record.level);
    ParsedLine {
        level: bump_for_kind(level, kind),
        message,
        service: record.service,
        trace_id,
        error_type: error_type_of(&record.fields),
        kind,
        format: Format::Layer,
        malformed_json: false,
    }
}

const LEVEL_KEYS: [&str; 9] = [
    "level",
    "severity",
    "levelname",
    "log.level",
    "status",
    "severityText",
    "severity_text",
    "severityNumber",
    "severity_number",
];
const MESSAGE_KEYS: [&str; 5] = ["msg", "message", "@message", "body", "error_message"];
const SERVICE_KEYS: [&str; 4] = ["service", "service.name", "service_name", "serviceName"];
const TRACE_KEYS: [&str; 9] = [
    "trace_id",
    "traceId",
    "xray_trace_id",
    "trace.id",
    "dd.trace_id",
    "traceid",
    "correlation_id",
    "correlationId",
    "requestId",
];
const ERROR_TYPE_KEYS: [&str; 8] = [
    "error_type",
    "errorType",
    "error.type",
    "error.kind",
    "exception_name",
    "exception.type",
    "exception_type",
    "err.type",
];

/// A key as written flat (`"log.level"`) or nested (`{"log":{"level":..}}`).
fn lookup<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if let Some(value) = object.get(key) {
        return Some(value);
    }
    let (head, rest) = key.split_once('.')?;
    match object.get(head)? {
        Value::Object(inner) => lookup(inner, rest),
        _ => None,
    }
}

fn first_string(object: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| match lookup(object, key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn error_type_of(object: &Map<String, Value>) -> Option<String> {
    first_string(object, &ERROR_TYPE_KEYS).or_else(|| match object.get("error") {
        Some(Value::Object(e)) => first_string(e, &["type", "kind", "name", "class"]),
        _ => None,
    })
}

fn from_json_object(object: &Map<String, Value>) -> ParsedLine {
    let level = LEVEL_KEYS
        .iter()
        .find_map(|key| lookup(object, key).and_then(Level::from_json));
    let message = MESSAGE_KEYS
        .iter()
        .find_map(|key| match lookup(object, key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
        .unwrap_or_else(|| Value::Object(object.clone()).to_string());
    let error_type = error_type_of(object);
    let mut kind = crash_kind(&message, error_type.as_deref().unwrap_or_default());
    let mut level = level;
    if let Some(platform) = platform_failure(object) {
        kind = platform;
        level = Some(Level::Error);
    }
    ParsedLine {
        level: bump_for_kind(level, kind),
        message,
        service: first_string(object, &SERVICE_KEYS),
        trace_id: first_string(object, &TRACE_KEYS),
        error_type,
        kind,
        format: Format::Json,
        malformed_json: false,
    }
}

/// Lambda's JSON log format reports timeouts and crashes as platform events.
/// <https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html>
fn platform_failure(object: &Map<String, Value>) -> Option<EventKind> {
    let kind = object.get("type")?.as_str()?;
    if kind != "platform.report" && kind != "platform.runtimeDone" {
        return None;
    }
    let record = object.get("record")?;
    let status = record.get("status")?.as_str()?;
    let error_type = record
        .get("errorType")
        .and_then(Value::as_str)
        .unwrap_or("");
    match status {
        "timeout" => Some(EventKind::Timeout),
        "error" | "failure" if error_type.contains("OutOfMemory") => Some(EventKind::OutOfMemory),
        "error" | "failure" => Some(EventKind::RuntimeExit),
        _ => None,
    }
}

/// Crash kinds raise the level to at least ERROR: a timeout logged at INFO is still one.
fn bump_for_kind(level: Option<Level>, kind: EventKind) -> Option<Level> {
    match kind {
        EventKind::Log => level,
        EventKind::Panic => Some(Level::Fatal),
        _ => Some(level.map_or(Level::Error, |l| l.max(Level::Error))),
    }
}

static OOM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)Runtime\.OutOfMemory|out of memory|memory allocation of \d+ bytes failed|MemoryError|OutOfMemoryError",
    )
    .expect("valid regex")
});
static EXIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"Runtime exited with error|Runtime\.ExitError|Runtime exited without providing a reason",
    )
    .expect("valid regex")
});
/// Rust's own panic line (`thread 'x' panicked at ..`), Go's `panic: `, and records that
/// report a caught panic in words (tower-http's CatchPanic users write "handler panicked").
static PANIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bpanicked\b|^panic: ").expect("valid regex"));

fn crash_kind(message: &str, error_type: &str) -> EventKind {
    if message.contains("Task timed out after") || message.contains("Status: timeout") {
        EventKind::Timeout
    } else if OOM.is_match(message) || OOM.is_match(error_type) {
        EventKind::OutOfMemory
    } else if EXIT.is_match(message) || EXIT.is_match(error_type) {
        EventKind::RuntimeExit
    } else if PANIC.is_match(message) {
        EventKind::Panic
    } else {
        EventKind::Log
    }
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
/// `<ts> <request id> Task timed out after 3.00 seconds` and the Lambda platform lines.
static LAMBDA_PLATFORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\S+Z\s+)?(?:[0-9a-f]{8}-[0-9a-f-]{27}\s+)?(Task timed out after|START RequestId:|END RequestId:|REPORT RequestId:|INIT_START|INIT_REPORT|RequestId: \S+ Error: )")
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

fn text_trace_id(line: &str) -> Option<String> {
    let caps = TEXT_TRACE.captures(line)?;
    caps.get(1)
        .or_else(|| caps.get(2))
        .map(|m| m.as_str().to_string())
}

fn parse_text(line: &str) -> ParsedLine {
    let mut parsed = ParsedLine {
        level: None,
        message: line.to_string(),
        service: None,
        trace_id: text_trace_id(line),
        error_type: None,
        kind: EventKind::Log,
        format: Format::PlainText,
        malformed_json: false,
    };
    if let Some(caps) = LAMBDA_TSV.captures(line) {
        parsed.format = Format::LambdaText;
        parsed.level = Level::from_name(&caps[3]);
        parsed.message = caps[4].trim().to_string();
        parsed.error_type = lambda_error_type(&parsed.message);
    } else if let Some(caps) = LAMBDA_PY.captures(line) {
        parsed.format = Format::LambdaText;
        parsed.level = Level::from_name(&caps[1]);
        parsed.message = caps[4].trim().to_string();
        parsed.error_type = lambda_error_type(&parsed.message);
    } else if LAMBDA_PLATFORM.is_match(line) {
        parsed.format = Format::LambdaText;
        parsed.level = Some(Level::Info);
    } else {
        parsed.level = LEVEL_WORD.captures(line).and_then(|caps| {
            (1..=4)
                .find_map(|i| caps.get(i))
                .and_then(|m| Level::from_name(m.as_str()))
        });
    }
    parsed.kind = crash_kind(line, parsed.error_type.as_deref().unwrap_or_default());
    if parsed.kind == EventKind::Timeout {
        parsed.message = timeout_message(line);
    }
    parsed.level = bump_for_kind(parsed.level, parsed.kind);
    parsed
}

/// `Invoke Error \t{"errorType":"TypeError",...}` (Node.js) or `Runtime.ImportModuleError: ...`.
fn lambda_error_type(message: &str) -> Option<String> {
    if let Some(start) = message.find('{')
        && let Ok(Value::Object(object)) = serde_json::from_str::<Value>(&message[start..])
    {
        return error_type_of(&object);
    }
    let head = message.split([':', ' ', '\t']).next().unwrap_or_default();
    let looks_like_type = head.len() > 3
        && (head.ends_with("Error") || head.ends_with("Exception") || head.starts_with("Runtime."));
    looks_like_type.then(|| head.to_string())
}

fn timeout_message(line: &str) -> String {
    line.find("Task timed out after")
        .map(|at| line[at..].trim().to_string())
        .unwrap_or_else(|| "Task timed out".to_string())
}

#[cfg(test)]
mod tests;

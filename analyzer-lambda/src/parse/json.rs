//! JSON lines in one pass: the keys the analyzer reads are borrowed from the line as raw
//! JSON text ([`members`]) and interpreted only when needed; every other key is skipped
//! without building a map (a record of our layer carries dozens of fields nobody groups on).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::members;
use super::{EventKind, Format, ParsedLine, bump_for_kind, crash_kind};
use crate::severity::Level;

/// A member's value as JSON text, valid (checked by [`members::read`]).
type Raw<'a> = Option<&'a str>;

/// The keys read, as written by our layer, Powertools (Python, TypeScript, Java, .NET),
/// pino, zap, logrus, structlog, OpenTelemetry, Lambda's JSON platform events, API
/// Gateway access logs, Kubernetes (Fluent Bit) and journald.
#[derive(Default)]
struct Keys<'a> {
    level: Raw<'a>,
    severity: Raw<'a>,
    levelname: Raw<'a>,
    log_level: Raw<'a>,
    severity_text_camel: Raw<'a>,
    severity_text: Raw<'a>,
    severity_number_camel: Raw<'a>,
    severity_number: Raw<'a>,
    /// journald's syslog priority (0 emerg .. 7 debug).
    priority: Raw<'a>,
    /// A level word, or an HTTP status in access logs.
    status: Raw<'a>,
    /// Fluent Bit's `log` (the line) or ECS's `log: {level}`.
    log: Raw<'a>,

    msg: Raw<'a>,
    message: Raw<'a>,
    at_message: Raw<'a>,
    body: Raw<'a>,
    error_message: Raw<'a>,
    journald_message: Raw<'a>,
    /// tracing-subscriber's JSON format nests the message in `fields`.
    fields: Raw<'a>,

    service: Raw<'a>,
    service_name_dotted: Raw<'a>,
    service_name: Raw<'a>,
    service_name_camel: Raw<'a>,

    trace_id: Raw<'a>,
    trace_id_camel: Raw<'a>,
    xray_trace_id: Raw<'a>,
    trace_id_dotted: Raw<'a>,
    dd_trace_id: Raw<'a>,
    traceid: Raw<'a>,
    correlation_id: Raw<'a>,
    correlation_id_camel: Raw<'a>,
    request_id_camel: Raw<'a>,
    function_request_id: Raw<'a>,

    error_type: Raw<'a>,
    error_type_camel: Raw<'a>,
    error_type_dotted: Raw<'a>,
    error_kind_dotted: Raw<'a>,
    exception_name: Raw<'a>,
    exception_type_dotted: Raw<'a>,
    exception_type: Raw<'a>,
    err_type_dotted: Raw<'a>,
    error: Raw<'a>,
    err: Raw<'a>,
    exception: Raw<'a>,

    target: Raw<'a>,
    spans: Raw<'a>,
    kind: Raw<'a>,
    record: Raw<'a>,

    method: Raw<'a>,
    http_method: Raw<'a>,
    route: Raw<'a>,
    resource_path: Raw<'a>,
    status_code_camel: Raw<'a>,
    status_code: Raw<'a>,
    integration_error: Raw<'a>,
}

impl<'a> Keys<'a> {
    /// Keeps a member this reader reads; `false` for one seen before (the line is then read
    /// by the caller's fallback, which keeps the last).
    fn member(&mut self, key: &str, value: &'a str) -> bool {
        let slot = match key {
            "level" => &mut self.level,
            "severity" => &mut self.severity,
            "levelname" => &mut self.levelname,
            "log.level" => &mut self.log_level,
            "severityText" => &mut self.severity_text_camel,
            "severity_text" => &mut self.severity_text,
            "severityNumber" => &mut self.severity_number_camel,
            "severity_number" => &mut self.severity_number,
            "PRIORITY" => &mut self.priority,
            "status" => &mut self.status,
            "log" => &mut self.log,
            "msg" => &mut self.msg,
            "message" => &mut self.message,
            "@message" => &mut self.at_message,
            "body" => &mut self.body,
            "error_message" => &mut self.error_message,
            "MESSAGE" => &mut self.journald_message,
            "fields" => &mut self.fields,
            "service" => &mut self.service,
            "service.name" => &mut self.service_name_dotted,
            "service_name" => &mut self.service_name,
            "serviceName" => &mut self.service_name_camel,
            "trace_id" => &mut self.trace_id,
            "traceId" => &mut self.trace_id_camel,
            "xray_trace_id" => &mut self.xray_trace_id,
            "trace.id" => &mut self.trace_id_dotted,
            "dd.trace_id" => &mut self.dd_trace_id,
            "traceid" => &mut self.traceid,
            "correlation_id" => &mut self.correlation_id,
            "correlationId" => &mut self.correlation_id_camel,
            "requestId" => &mut self.request_id_camel,
            "function_request_id" => &mut self.function_request_id,
            "error_type" => &mut self.error_type,
            "errorType" => &mut self.error_type_camel,
            "error.type" => &mut self.error_type_dotted,
            "error.kind" => &mut self.error_kind_dotted,
            "exception_name" => &mut self.exception_name,
            "exception.type" => &mut self.exception_type_dotted,
            "exception_type" => &mut self.exception_type,
            "err.type" => &mut self.err_type_dotted,
            "error" => &mut self.error,
            "err" => &mut self.err,
            "exception" => &mut self.exception,
            "target" => &mut self.target,
            "spans" => &mut self.spans,
            "type" => &mut self.kind,
            "record" => &mut self.record,
            "method" => &mut self.method,
            "httpMethod" => &mut self.http_method,
            "route" => &mut self.route,
            "resourcePath" => &mut self.resource_path,
            "statusCode" => &mut self.status_code_camel,
            "status_code" => &mut self.status_code,
            "integrationErrorMessage" => &mut self.integration_error,
            _ => return true,
        };
        slot.replace(value).is_none()
    }
}

/// An `error` / `err` / `exception` object, read once.
#[derive(Default)]
struct ErrorObject<'a> {
    kind: Raw<'a>,
    kind_: Raw<'a>,
    name: Raw<'a>,
    class: Raw<'a>,
    message: Raw<'a>,
}

impl<'a> ErrorObject<'a> {
    /// Keeps a member this reader reads; `false` for one seen before (such an object is not
    /// read at all, as before this reader existed: no grouping changes with it).
    fn member(&mut self, key: &str, value: &'a str) -> bool {
        let slot = match key {
            "type" => &mut self.kind,
            "kind" => &mut self.kind_,
            "name" => &mut self.name,
            "class" => &mut self.class,
            "message" => &mut self.message,
            _ => return true,
        };
        slot.replace(value).is_none()
    }
}

/// A string or number as text; `None` for null, booleans, objects and arrays.
fn text(raw: Raw<'_>) -> Option<Cow<'_, str>> {
    let raw = raw?;
    match raw.as_bytes().first()? {
        // Valid JSON: a string without a backslash is its own text between the quotes.
        b'"' if !raw.contains('\\') => Some(Cow::Borrowed(&raw[1..raw.len() - 1])),
        // Escapes need an owned copy.
        b'"' => serde_json::from_str::<String>(raw).ok().map(Cow::Owned),
        b'-' | b'0'..=b'9' => Some(Cow::Borrowed(raw)),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// A key of a nested object (`error.type` written as `{"error":{"type":..}}`); the last,
/// when the key repeats.
fn nested<'a>(raw: Raw<'a>, key: &str) -> Raw<'a> {
    let raw = raw?;
    if !raw.starts_with('{') {
        return None;
    }
    members::read(raw, |found: &mut Raw<'a>, k, value| {
        if k == key {
            *found = Some(value);
        }
        true
    })
    .flatten()
}

fn first<'a>(candidates: &[Raw<'a>]) -> Option<Cow<'a, str>> {
    candidates.iter().find_map(|raw| text(*raw))
}

fn level_of(raw: Raw<'_>) -> Option<Level> {
    let value = text(raw)?;
    Level::from_name(&value).or_else(|| value.trim().parse().ok().and_then(Level::from_number))
}

/// journald priorities are syslog's (RFC 5424 §6.2.1): 0-2 fatal, 3 error, 4 warning,
/// 5-6 info, 7 debug.
fn syslog_level(raw: Raw<'_>) -> Option<Level> {
    let priority: u8 = text(raw)?.trim().parse().ok()?;
    Some(match priority {
        0..=2 => Level::Fatal,
        3 => Level::Error,
        4 => Level::Warn,
        5 | 6 => Level::Info,
        _ => Level::Debug,
    })
}

/// Parses a JSON object line; `None` when the text is not a JSON object (or is one this
/// reader cannot take, such as one with a repeated key: the caller falls back).
pub(super) fn parse(line: &str) -> Option<ParsedLine<'_>> {
    let keys = members::read(line, Keys::member)?;
    Some(from_keys(&keys, line))
}

fn from_keys<'a>(k: &Keys<'a>, line: &'a str) -> ParsedLine<'a> {
    // An HTTP status in `status` is not a level: access logs are ERROR for 5xx only.
    let http_status: Option<u16> = first(&[k.status_code_camel, k.status_code, k.status])
        .and_then(|s| s.trim().parse().ok())
        .filter(|s| (100..600).contains(s));
    let mut level = [
        k.level,
        k.severity,
        k.levelname,
        k.log_level,
        nested(k.log, "level"),
        k.severity_text_camel,
        k.severity_text,
        k.severity_number_camel,
        k.severity_number,
    ]
    .into_iter()
    .find_map(level_of)
    .or_else(|| syslog_level(k.priority))
    .or_else(|| match http_status {
        Some(status) if status >= 500 => Some(Level::Error),
        Some(_) => Some(Level::Info),
        None => level_of(k.status),
    });

    let error_object: ErrorObject<'_> = [k.error, k.err, k.exception]
        .into_iter()
        .flatten()
        .find(|r| r.starts_with('{'))
        .and_then(|r| members::read(r, ErrorObject::member))
        .unwrap_or_default();
    let error_message = text(error_object.message);
    let mut message = first(&[
        k.msg,
        k.message,
        k.at_message,
        k.body,
        k.error_message,
        k.journald_message,
        nested(k.fields, "message"),
    ])
    .or_else(|| text(k.log).filter(|_| !k.log.is_some_and(|l| l.starts_with('{'))));
    let is_layer = k.target.is_some() || k.spans.is_some();
    if message.is_none() && is_layer {
        message = error_message.clone();
    }

    let error_type = first(&[
        k.error_type,
        k.error_type_camel,
        k.error_type_dotted,
        k.error_kind_dotted,
        k.exception_name,
        k.exception_type_dotted,
        k.exception_type,
        k.err_type_dotted,
    ])
    .or_else(|| {
        first(&[
            error_object.kind,
            error_object.kind_,
            error_object.name,
            error_object.class,
        ])
    })
    .map(Cow::into_owned);

    let trace_id = first(&[
        k.trace_id,
        k.trace_id_camel,
        k.xray_trace_id,
        k.trace_id_dotted,
        k.dd_trace_id,
        k.traceid,
    ])
    .or_else(|| span_trace_id(k.spans).map(Cow::Owned))
    .or_else(|| {
        first(&[
            k.correlation_id,
            k.correlation_id_camel,
            k.request_id_camel,
            k.function_request_id,
            nested(k.record, "requestId"),
        ])
    });

    let method = first(&[k.method, k.http_method]);
    let route = first(&[k.route, k.resource_path]);
    let outcome = http_status.is_some()
        && (message
            .as_deref()
            .is_none_or(super::outcome::is_completion_message)
            || (message.is_none() && method.is_some()));
    let mut message = message.unwrap_or(Cow::Borrowed(line));
    if outcome {
        message = Cow::Owned(super::outcome::describe(
            &message,
            method.as_deref(),
            route.as_deref(),
            http_status,
            text(k.integration_error).as_deref(),
            line,
        ));
    }

    let mut kind = crash_kind(&message, error_type.as_deref().unwrap_or_default());
    if let Some(platform) = platform_failure(k) {
        kind = platform;
        level = Some(Level::Error);
    }
    ParsedLine {
        level: bump_for_kind(level, kind),
        message,
        service: first(&[
            k.service,
            k.service_name_dotted,
            k.service_name,
            k.service_name_camel,
        ]),
        trace_id,
        error_type,
        kind,
        format: if is_layer {
            Format::Layer
        } else {
            Format::Json
        },
        malformed_json: false,
        // A platform report is the invocation's outcome, like an access-log line.
        outcome: outcome || (kind == EventKind::Timeout && k.record.is_some()),
    }
}

/// The trace id of the innermost span that has one.
fn span_trace_id(spans: Raw<'_>) -> Option<String> {
    #[derive(Deserialize)]
    struct Span<'a> {
        #[serde(borrow, default)]
        trace_id: Option<&'a RawValue>,
    }
    let spans: Vec<Span<'_>> = serde_json::from_str(spans?).ok()?;
    spans
        .iter()
        .rev()
        .find_map(|s| text(s.trace_id.map(RawValue::get)).map(Cow::into_owned))
}

/// Lambda's JSON log format reports timeouts and crashes as platform events.
/// <https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html>
fn platform_failure(k: &Keys<'_>) -> Option<EventKind> {
    let kind = text(k.kind)?;
    if kind != "platform.report" && kind != "platform.runtimeDone" {
        return None;
    }
    let status = text(nested(k.record, "status"))?;
    let error_type = text(nested(k.record, "errorType")).unwrap_or_default();
    match status.as_ref() {
        "timeout" => Some(EventKind::Timeout),
        "error" | "failure" if error_type.contains("OutOfMemory") => Some(EventKind::OutOfMemory),
        "error" | "failure" => Some(EventKind::RuntimeExit),
        _ => None,
    }
}

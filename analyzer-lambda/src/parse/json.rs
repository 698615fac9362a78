//! JSON lines in one pass: the keys the analyzer reads are borrowed from the line as raw
//! JSON ([`RawValue`]) and interpreted only when needed; every other key is skipped without
//! building a map (a record of our layer carries dozens of fields nobody groups on).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{EventKind, Format, ParsedLine, bump_for_kind, crash_kind};
use crate::severity::Level;

type Raw<'a> = Option<&'a RawValue>;

/// The keys read, as written by our layer, Powertools (Python, TypeScript, Java, .NET),
/// pino, zap, logrus, structlog, OpenTelemetry, Lambda's JSON platform events, API
/// Gateway access logs, Kubernetes (Fluent Bit) and journald.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Keys<'a> {
    #[serde(borrow)]
    level: Raw<'a>,
    #[serde(borrow)]
    severity: Raw<'a>,
    #[serde(borrow)]
    levelname: Raw<'a>,
    #[serde(borrow, rename = "log.level")]
    log_level: Raw<'a>,
    #[serde(borrow, rename = "severityText")]
    severity_text_camel: Raw<'a>,
    #[serde(borrow)]
    severity_text: Raw<'a>,
    #[serde(borrow, rename = "severityNumber")]
    severity_number_camel: Raw<'a>,
    #[serde(borrow)]
    severity_number: Raw<'a>,
    /// journald's syslog priority (0 emerg .. 7 debug).
    #[serde(borrow, rename = "PRIORITY")]
    priority: Raw<'a>,
    /// A level word, or an HTTP status in access logs.
    #[serde(borrow)]
    status: Raw<'a>,
    /// Fluent Bit's `log` (the line) or ECS's `log: {level}`.
    #[serde(borrow)]
    log: Raw<'a>,

    #[serde(borrow)]
    msg: Raw<'a>,
    #[serde(borrow)]
    message: Raw<'a>,
    #[serde(borrow, rename = "@message")]
    at_message: Raw<'a>,
    #[serde(borrow)]
    body: Raw<'a>,
    #[serde(borrow)]
    error_message: Raw<'a>,
    #[serde(borrow, rename = "MESSAGE")]
    journald_message: Raw<'a>,
    /// tracing-subscriber's JSON format nests the message in `fields`.
    #[serde(borrow)]
    fields: Raw<'a>,

    #[serde(borrow)]
    service: Raw<'a>,
    #[serde(borrow, rename = "service.name")]
    service_name_dotted: Raw<'a>,
    #[serde(borrow)]
    service_name: Raw<'a>,
    #[serde(borrow, rename = "serviceName")]
    service_name_camel: Raw<'a>,

    #[serde(borrow)]
    trace_id: Raw<'a>,
    #[serde(borrow, rename = "traceId")]
    trace_id_camel: Raw<'a>,
    #[serde(borrow)]
    xray_trace_id: Raw<'a>,
    #[serde(borrow, rename = "trace.id")]
    trace_id_dotted: Raw<'a>,
    #[serde(borrow, rename = "dd.trace_id")]
    dd_trace_id: Raw<'a>,
    #[serde(borrow)]
    traceid: Raw<'a>,
    #[serde(borrow)]
    correlation_id: Raw<'a>,
    #[serde(borrow, rename = "correlationId")]
    correlation_id_camel: Raw<'a>,
    #[serde(borrow, rename = "requestId")]
    request_id_camel: Raw<'a>,
    #[serde(borrow)]
    function_request_id: Raw<'a>,

    #[serde(borrow)]
    error_type: Raw<'a>,
    #[serde(borrow, rename = "errorType")]
    error_type_camel: Raw<'a>,
    #[serde(borrow, rename = "error.type")]
    error_type_dotted: Raw<'a>,
    #[serde(borrow, rename = "error.kind")]
    error_kind_dotted: Raw<'a>,
    #[serde(borrow)]
    exception_name: Raw<'a>,
    #[serde(borrow, rename = "exception.type")]
    exception_type_dotted: Raw<'a>,
    #[serde(borrow)]
    exception_type: Raw<'a>,
    #[serde(borrow, rename = "err.type")]
    err_type_dotted: Raw<'a>,
    #[serde(borrow)]
    error: Raw<'a>,
    #[serde(borrow)]
    err: Raw<'a>,
    #[serde(borrow)]
    exception: Raw<'a>,

    #[serde(borrow)]
    target: Raw<'a>,
    #[serde(borrow)]
    spans: Raw<'a>,
    #[serde(borrow, rename = "type")]
    kind: Raw<'a>,
    #[serde(borrow)]
    record: Raw<'a>,

    #[serde(borrow)]
    method: Raw<'a>,
    #[serde(borrow, rename = "httpMethod")]
    http_method: Raw<'a>,
    #[serde(borrow)]
    route: Raw<'a>,
    #[serde(borrow, rename = "resourcePath")]
    resource_path: Raw<'a>,
    #[serde(borrow, rename = "statusCode")]
    status_code_camel: Raw<'a>,
    #[serde(borrow)]
    status_code: Raw<'a>,
    #[serde(borrow, rename = "integrationErrorMessage")]
    integration_error: Raw<'a>,
}

/// An `error` / `err` / `exception` object, read once.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorObject<'a> {
    #[serde(borrow, rename = "type")]
    kind: Raw<'a>,
    #[serde(borrow, rename = "kind")]
    kind_: Raw<'a>,
    #[serde(borrow)]
    name: Raw<'a>,
    #[serde(borrow)]
    class: Raw<'a>,
    #[serde(borrow)]
    message: Raw<'a>,
}

/// A string or number as text; `None` for null, booleans, objects and arrays.
fn text(raw: Raw<'_>) -> Option<Cow<'_, str>> {
    let raw = raw?.get();
    match raw.as_bytes().first()? {
        b'"' => match serde_json::from_str::<&str>(raw) {
            Ok(s) => Some(Cow::Borrowed(s)),
            // Escapes need an owned copy.
            Err(_) => serde_json::from_str::<String>(raw).ok().map(Cow::Owned),
        }
        .filter(|s| !s.is_empty()),
        b'-' | b'0'..=b'9' => Some(Cow::Borrowed(raw)),
        _ => None,
    }
}

/// A key of a nested object (`error.type` written as `{"error":{"type":..}}`).
fn nested<'a>(raw: Raw<'a>, key: &str) -> Raw<'a> {
    let raw = raw?;
    if !raw.get().starts_with('{') {
        return None;
    }
    let object: HashMap<Cow<'a, str>, &'a RawValue> = serde_json::from_str(raw.get()).ok()?;
    object.get(key).copied()
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
pub(super) fn parse(line: &str) -> Option<ParsedLine> {
    let keys: Keys<'_> = serde_json::from_str(line).ok()?;
    Some(from_keys(&keys, line))
}

fn from_keys(k: &Keys<'_>, line: &str) -> ParsedLine {
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
        .find(|r| r.get().starts_with('{'))
        .and_then(|r| serde_json::from_str(r.get()).ok())
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
    .or_else(|| text(k.log).filter(|_| !k.log.is_some_and(|l| l.get().starts_with('{'))))
    .map(Cow::into_owned);
    let is_layer = k.target.is_some() || k.spans.is_some();
    if message.is_none() && is_layer {
        message = error_message.as_deref().map(str::to_string);
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
    .map(Cow::into_owned)
    .or_else(|| span_trace_id(k.spans))
    .or_else(|| {
        first(&[
            k.correlation_id,
            k.correlation_id_camel,
            k.request_id_camel,
            k.function_request_id,
            nested(k.record, "requestId"),
        ])
        .map(Cow::into_owned)
    });

    let method = first(&[k.method, k.http_method]);
    let route = first(&[k.route, k.resource_path]);
    let outcome = http_status.is_some()
        && (message
            .as_deref()
            .is_none_or(super::outcome::is_completion_message)
            || (message.is_none() && method.is_some()));
    let mut message = message.unwrap_or_else(|| line.to_string());
    if outcome {
        message = super::outcome::describe(
            &message,
            method.as_deref(),
            route.as_deref(),
            http_status,
            text(k.integration_error).as_deref(),
            line,
        );
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
        ])
        .map(Cow::into_owned),
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
        trace_id: Raw<'a>,
    }
    let spans: Vec<Span<'_>> = serde_json::from_str(spans?.get()).ok()?;
    spans
        .iter()
        .rev()
        .find_map(|s| text(s.trace_id).map(Cow::into_owned))
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

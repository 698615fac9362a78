//! One incident row per error event, built deterministically from the event, so that a
//! redelivered payload produces byte-identical rows with the same ids.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::classify::Severity;
use crate::fingerprint::Grouper;
use crate::parse::{EventKind, ParsedLine};
use crate::payload::{LogEvent, LogsPayload};
use crate::severity::Level;

/// Messages are stored up to this many bytes: DynamoDB items are limited to 400 KB
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html>)
/// and a CloudWatch event can be 256 KB; the head of a message is what a reader needs.
pub const MAX_STORED_MESSAGE_BYTES: usize = 4 * 1024;

/// One error event as stored in the `Incidents` table.
///
/// The texts that every row of a problem repeats (service, fingerprint, pattern, log group
/// and stream) are shared, not copied: a storm makes ten thousand rows of one problem per
/// payload, and five copies per row were fifty thousand allocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Deterministic: see [`incident_id`].
    pub incident_id: String,
    /// The emitting service (from the line, else from the log group name).
    pub service: Arc<str>,
    /// The message, cut to [`MAX_STORED_MESSAGE_BYTES`].
    pub message: String,
    /// The normalized level (stored as `WARN`, `ERROR`, `FATAL`).
    pub level: Level,
    /// When CloudWatch says the event happened, in milliseconds since the epoch (stored
    /// also as text: [`Incident::timestamp`]).
    pub timestamp_ms: i64,
    /// `LOW`, `MEDIUM` or `CRITICAL`.
    pub severity: Severity,
    /// The group this event belongs to.
    pub fingerprint: Arc<str>,
    /// The parameterized message the fingerprint was computed from.
    pub pattern: Arc<str>,
    /// The error type, when the line names one.
    pub error_type: Option<String>,
    /// A trace id to follow.
    pub trace_id: Option<String>,
    /// Source log group.
    pub log_group: Arc<str>,
    /// Source log stream.
    pub log_stream: Arc<str>,
    /// CloudWatch's event id.
    pub event_id: String,
    /// Expiry, seconds since the epoch (DynamoDB TTL), counted from the event's time so that
    /// the row stays deterministic.
    pub ttl: i64,
    /// The line reports a request's outcome (access log, `request completed`, `REPORT`).
    pub outcome: bool,
    /// For an outcome attached to its trace's specific error: that error's incident id.
    /// Such a row carries the error's fingerprint and pattern, is stored as
    /// `item_type = "attached"` and is not counted again in the aggregate.
    pub attached_to: Option<String>,
}

impl Incident {
    /// When the event happened, RFC 3339 UTC with milliseconds ([`format_millis`]): the
    /// stored `timestamp`, written when the row is, so a row holds one copy of its time.
    pub fn timestamp(&self) -> String {
        format_millis(self.timestamp_ms)
    }
}

/// `incident_id` of an event: 32 hex characters of SHA-256 over the log group and the
/// CloudWatch event id. The log group is included because event ids are only documented as
/// unique within a log group's stream of events.
pub fn incident_id(log_group: &str, event_id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(log_group.as_bytes());
    hasher.update([0u8]);
    hasher.update(event_id.as_bytes());
    crate::digest::short_hex(hasher)
}

/// The service a log group stands for when the line does not say: `/aws/lambda/orders` ->
/// `orders`, `/ecs/orders-api` -> `orders-api`.
pub fn service_from_log_group(log_group: &str) -> String {
    log_group
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(log_group)
        .to_string()
}

/// Formats milliseconds since the epoch as RFC 3339 UTC with exactly three fractional
/// digits (`2026-11-24T15:02:52.320Z`): fixed width, so the strings sort as the times do (the
/// `by_service` index sorts on them). Written digit by digit: once per incident, a format
/// description's interpreter cost more than the rest of the row. Years outside 0..=9999
/// (not a CloudWatch timestamp) give the number itself.
pub fn format_millis(ms: i64) -> String {
    let Ok(time) = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) else {
        return ms.to_string();
    };
    let Some(year) = u16::try_from(time.year()).ok().filter(|y| *y <= 9_999) else {
        return ms.to_string();
    };
    let millis = ms.rem_euclid(1000) as u16;
    let mut out = [0u8; 24];
    let mut put = |at: usize, value: u16, width: usize| {
        let mut value = value;
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, year, 4);
    put(5, u16::from(u8::from(time.month())), 2);
    put(8, u16::from(time.day()), 2);
    put(11, u16::from(time.hour()), 2);
    put(14, u16::from(time.minute()), 2);
    put(17, u16::from(time.second()), 2);
    put(20, millis, 3);
    for (at, separator) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        out[at] = separator;
    }
    String::from_utf8(out.to_vec()).expect("ASCII digits and separators")
}

/// Cuts a string to at most `max` bytes on a character boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Every Lambda timeout of a service is one problem, whether the line says `Task timed out
/// after 3.00 seconds`, `REPORT ... Status: timeout` or is a JSON `platform.report`.
pub const TIMEOUT_PATTERN: &str = "Task timed out after <num> seconds";

/// What groups a line: its service, error type, pattern and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKey {
    /// From the line, else the log group's name.
    pub service: Arc<str>,
    /// From the line, else the crash kind.
    pub error_type: Option<String>,
    /// The parameterized message.
    pub pattern: Arc<str>,
    /// The fingerprint of the three.
    pub fingerprint: Arc<str>,
}

/// The group of a parsed line read from `log_group`.
pub fn group_key(log_group: &str, line: &ParsedLine<'_>, grouper: &mut Grouper) -> GroupKey {
    let group_service = grouper.share(&service_from_log_group(log_group));
    key_of(line, &group_service, grouper)
}

/// The group of a line, `group_service` standing for a line that names no service.
fn key_of(line: &ParsedLine<'_>, group_service: &Arc<str>, grouper: &mut Grouper) -> GroupKey {
    let service = match line.service.as_deref() {
        Some(service) => grouper.share(service),
        None => group_service.clone(),
    };
    let pattern = match line.kind {
        EventKind::Timeout => grouper.share(TIMEOUT_PATTERN),
        _ => grouper.pattern(&line.message),
    };
    // A timeout's error type is the kind, whatever the line calls it, so the three shapes
    // of a timeout share one fingerprint.
    let error_type = match line.kind {
        EventKind::Timeout => Some(line.kind.as_str().to_string()),
        EventKind::Log => line.error_type.clone(),
        _ => line
            .error_type
            .clone()
            .or_else(|| Some(line.kind.as_str().to_string())),
    };
    let fingerprint = grouper.fingerprint(&service, error_type.as_deref(), &pattern);
    GroupKey {
        service,
        error_type,
        pattern,
        fingerprint,
    }
}

/// What every row of one payload shares: its log group and stream, and the service the log
/// group stands for. Made once per payload rather than looked up (or, for the service,
/// derived and copied) once per row.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The payload's log group.
    pub log_group: Arc<str>,
    /// The payload's log stream.
    pub log_stream: Arc<str>,
    /// [`service_from_log_group`] of the log group.
    pub group_service: Arc<str>,
}

impl Origin {
    /// The origin of a payload's rows, its texts shared through `grouper`.
    pub fn of(payload: &LogsPayload, grouper: &mut Grouper) -> Origin {
        Origin {
            log_group: grouper.share(&payload.log_group),
            log_stream: grouper.share(&payload.log_stream),
            group_service: grouper.share(&service_from_log_group(&payload.log_group)),
        }
    }
}

/// Builds the row for one classified event.
pub fn build(
    origin: &Origin,
    event: &LogEvent,
    line: &ParsedLine<'_>,
    severity: Severity,
    ttl_days: i64,
    grouper: &mut Grouper,
) -> Incident {
    let key = key_of(line, &origin.group_service, grouper);
    let level = line.level.unwrap_or(Level::Error);
    Incident {
        incident_id: incident_id(&origin.log_group, &event.id),
        fingerprint: key.fingerprint,
        service: key.service,
        message: truncate(&line.message, MAX_STORED_MESSAGE_BYTES).to_string(),
        level,
        timestamp_ms: event.timestamp,
        severity,
        pattern: key.pattern,
        error_type: key.error_type,
        trace_id: line.trace_id.as_deref().map(str::to_string),
        log_group: origin.log_group.clone(),
        log_stream: origin.log_stream.clone(),
        event_id: event.id.clone(),
        ttl: event.timestamp.div_euclid(1000) + ttl_days * 86_400,
        outcome: line.outcome,
        attached_to: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_line;
    use crate::payload::DATA_MESSAGE;

    fn payload() -> LogsPayload {
        LogsPayload {
            owner: "1".into(),
            log_group: "/aws/lambda/orders".into(),
            log_stream: "2026/11/24/[$LATEST]abc".into(),
            subscription_filters: vec![],
            message_type: DATA_MESSAGE.into(),
            log_events: vec![],
        }
    }

    #[test]
    fn timestamps_have_fixed_width() {
        assert_eq!(format_millis(1_795_532_572_320), "2026-11-24T15:02:52.320Z");
        assert_eq!(format_millis(1_795_532_572_000), "2026-11-24T15:02:52.000Z");
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_millis(951_782_400_007), "2000-02-29T00:00:00.007Z");
        assert_eq!(format_millis(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn rows_are_deterministic() {
        let event = LogEvent {
            id: "3719".into(),
            timestamp: 1_795_000_000_123,
            message: "ERROR order 42 failed".into(),
        };
        let line = parse_line(&event.message);
        let mut grouper = Grouper::new(crate::fingerprint::CURRENT_RULES);
        let origin = Origin::of(&payload(), &mut grouper);
        let a = build(&origin, &event, &line, Severity::Medium, 30, &mut grouper);
        let b = build(&origin, &event, &line, Severity::Medium, 30, &mut grouper);
        assert_eq!(a, b);
        assert_eq!(&*a.service, "orders");
        assert_eq!(a.level, Level::Error);
        assert_eq!(&*a.pattern, "ERROR order <num> failed");
        assert_eq!(a.ttl, 1_795_000_000 + 30 * 86_400);
        assert_eq!(a.timestamp(), "2026-11-18T11:06:40.123Z");
        assert_ne!(a.incident_id, incident_id("/other", "3719"));
    }

    #[test]
    fn helpers() {
        assert_eq!(service_from_log_group("/ecs/orders-api"), "orders-api");
        assert_eq!(service_from_log_group("plain"), "plain");
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("abc", 10), "abc");
    }
}

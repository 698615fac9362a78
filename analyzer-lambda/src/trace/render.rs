//! The report of one trace: text for people ([`fmt::Display`]), JSON for tools (`Serialize`).

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};
use tracing_cloudwatch_logs::record::{ERROR_MESSAGE, ERROR_SOURCES};

use super::id::TraceId;
use super::incident::TraceIncident;
use super::timeline::Entry;

/// Everything `trace` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// W3C form, or the request id.
    pub trace_id: String,
    /// X-Ray form of the same id; `null` for a request id (it has none).
    pub xray_trace_id: Option<String>,
    /// The groups searched.
    pub log_groups: Vec<String>,
    /// Start of the window searched (RFC 3339).
    pub start: String,
    /// End of the window searched (RFC 3339).
    pub end: String,
    /// The trace's records, in time order.
    pub records: Vec<Entry>,
    /// The incidents table read, if one was given.
    pub incidents_table: Option<String>,
    /// The trace's incidents, in time order; `None` when no table was given.
    pub incidents: Option<Vec<TraceIncident>>,
}

impl Report {
    /// A report of `trace` over `log_groups` between `start` and `end` (RFC 3339).
    pub fn new(trace: &TraceId, log_groups: &[String], start: String, end: String) -> Report {
        Report {
            trace_id: trace.as_str().to_owned(),
            xray_trace_id: trace.xray(),
            log_groups: log_groups.to_vec(),
            start,
            end,
            records: Vec::new(),
            incidents_table: None,
            incidents: None,
        }
    }

    /// Whether nothing at all was found.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.incidents.as_ref().is_none_or(Vec::is_empty)
    }

    /// How many distinct services the records come from.
    pub fn services(&self) -> usize {
        let mut services: Vec<&str> = self.records.iter().map(|e| e.service.as_str()).collect();
        services.sort_unstable();
        services.dedup();
        services.len()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.xray_trace_id {
            Some(xray) => writeln!(f, "trace {} (X-Ray {xray})", self.trace_id)?,
            None => writeln!(f, "trace {}", self.trace_id)?,
        }
        writeln!(
            f,
            "{} record(s) from {} service(s) in {}, {} to {}",
            self.records.len(),
            self.services(),
            self.log_groups.join(", "),
            self.start,
            self.end
        )?;
        if !self.records.is_empty() {
            writeln!(f)?;
            let rows: Vec<[String; 5]> = self
                .records
                .iter()
                .map(|e| {
                    let span = if e.span_path.is_empty() {
                        "-".to_owned()
                    } else {
                        e.span_path.join(">")
                    };
                    let fields = key_fields(&e.fields);
                    let message = if fields.is_empty() {
                        e.message.clone()
                    } else {
                        format!("{}  {fields}", e.message)
                    };
                    [
                        e.time.clone(),
                        e.service.clone(),
                        e.level.clone(),
                        span,
                        message,
                    ]
                })
                .collect();
            table(f, ["TIME", "SERVICE", "LEVEL", "SPAN", "MESSAGE"], &rows)?;
        }
        writeln!(f)?;
        match (&self.incidents, &self.incidents_table) {
            (Some(incidents), Some(table_name)) => {
                writeln!(f, "{} incident(s) in {table_name}", incidents.len())?;
                if !incidents.is_empty() {
                    let rows: Vec<[String; 6]> = incidents
                        .iter()
                        .map(|i| {
                            [
                                i.timestamp.clone(),
                                i.severity.clone(),
                                i.service.clone(),
                                i.message.clone(),
                                i.fingerprint.clone(),
                                i.incident_id.clone(),
                            ]
                        })
                        .collect();
                    table(
                        f,
                        [
                            "TIME",
                            "SEVERITY",
                            "SERVICE",
                            "MESSAGE",
                            "FINGERPRINT",
                            "INCIDENT",
                        ],
                        &rows,
                    )?;
                }
            }
            _ => writeln!(
                f,
                "incidents: not looked up (give --incidents-table or set INCIDENTS_TABLE)"
            )?,
        }
        Ok(())
    }
}

/// Left-aligned columns two spaces apart; the last column is not padded.
fn table<const N: usize>(
    f: &mut fmt::Formatter<'_>,
    header: [&str; N],
    rows: &[[String; N]],
) -> fmt::Result {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |f: &mut fmt::Formatter<'_>, cells: [&str; N]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        writeln!(f, "{}", text.trim_end())
    };
    line(f, header)?;
    for row in rows {
        line(f, row.each_ref().map(String::as_str))?;
    }
    Ok(())
}

/// `key=value` pairs; strings bare unless they need quotes; an error `{message, sources}`
/// as its chain `message: source: source`.
pub fn key_fields(fields: &Map<String, Value>) -> String {
    fields
        .iter()
        .map(|(key, value)| format!("{key}={}", field_value(value)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn field_value(value: &Value) -> String {
    match value {
        Value::String(s) => quote_if_needed(s),
        Value::Object(o) if o.contains_key(ERROR_MESSAGE) => {
            let mut chain: Vec<&str> = o
                .get(ERROR_MESSAGE)
                .and_then(Value::as_str)
                .into_iter()
                .collect();
            if let Some(sources) = o.get(ERROR_SOURCES).and_then(Value::as_array) {
                chain.extend(sources.iter().filter_map(Value::as_str));
            }
            quote_if_needed(&chain.join(": "))
        }
        other => other.to_string(),
    }
}

fn quote_if_needed(s: &str) -> String {
    let plain = !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '=' | '\\'));
    if plain {
        s.to_owned()
    } else {
        Value::String(s.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::trace::timeline::{FoundEvent, assemble};

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    fn report() -> Report {
        let trace = TraceId::parse(TRACE).unwrap();
        let record = |service: &str, message: &str, extra: Value| {
            let mut r = json!({
                "timestamp": "2026-11-24T14:02:11.532Z", "level": "ERROR", "message": message,
                "service": service, "trace_id": TRACE, "spans": [{ "name": "request" }],
            });
            r.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            r.to_string()
        };
        let events = [
            FoundEvent {
                log_group: "/demo/payments".into(),
                log_stream: "s".into(),
                event_id: "1".into(),
                timestamp: 1,
                message: record(
                    "payments",
                    "charge failed",
                    json!({ "reason": "do_not_honor", "error": { "message": "refused", "sources": ["card declined"] } }),
                ),
            },
            FoundEvent {
                log_group: "/demo/orders-api".into(),
                log_stream: "s".into(),
                event_id: "2".into(),
                timestamp: 2,
                message: record("orders-api", "payment failed", json!({ "order_id": 7 })),
            },
        ];
        let groups = ["/demo/orders-api".to_owned(), "/demo/payments".to_owned()];
        let mut report = Report::new(&trace, &groups, "a".into(), "b".into());
        report.records = assemble(&events, &trace);
        report
    }

    #[test]
    fn the_text_is_one_timeline_then_the_incidents() {
        let mut report = report();
        report.incidents_table = Some("demo-Incidents".into());
        report.incidents = Some(Vec::new());
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!("trace {TRACE} (X-Ray 1-4bf92f35-77b34da6a3ce929d0e0e4736)")
        );
        assert_eq!(
            lines[1],
            "2 record(s) from 2 service(s) in /demo/orders-api, /demo/payments, a to b"
        );
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["TIME", "SERVICE", "LEVEL", "SPAN", "MESSAGE"]
        );
        assert!(lines[4].contains("payments    ERROR  request  charge failed  reason=do_not_honor error=\"refused: card declined\""), "{text}");
        assert!(
            lines[5].contains("orders-api  ERROR  request  payment failed  order_id=7"),
            "{text}"
        );
        assert_eq!(lines[7], "0 incident(s) in demo-Incidents");
    }

    #[test]
    fn without_a_table_the_text_says_how_to_get_incidents() {
        let text = report().to_string();
        assert!(
            text.ends_with(
                "incidents: not looked up (give --incidents-table or set INCIDENTS_TABLE)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_json_carries_both_forms_and_the_whole_records() {
        let value = serde_json::to_value(report()).unwrap();
        assert_eq!(value["trace_id"], TRACE);
        assert_eq!(
            value["xray_trace_id"],
            "1-4bf92f35-77b34da6a3ce929d0e0e4736"
        );
        assert_eq!(value["records"][1]["record"]["order_id"], 7);
        assert_eq!(value["records"][0]["span_path"], json!(["request"]));
        assert_eq!(value["incidents"], Value::Null);
    }

    #[test]
    fn values_are_quoted_only_when_needed() {
        assert_eq!(quote_if_needed("abc"), "abc");
        assert_eq!(quote_if_needed("a b"), "\"a b\"");
        assert_eq!(quote_if_needed(""), "\"\"");
        assert_eq!(field_value(&json!(1.5)), "1.5");
        assert_eq!(field_value(&json!({ "k": 1 })), "{\"k\":1}");
    }

    #[test]
    fn a_request_id_has_no_x_ray_form() {
        let trace = TraceId::parse("my-trace-1").unwrap();
        let report = Report::new(&trace, &["/g".to_owned()], "a".into(), "b".into());
        assert!(report.to_string().starts_with("trace my-trace-1\n"));
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["trace_id"], "my-trace-1");
        assert_eq!(value["xray_trace_id"], Value::Null);
    }
}

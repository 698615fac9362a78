//! DynamoDB item encoding of incidents and aggregates (pure; see the schema in `store`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::aggregate_key;
use crate::aggregate::{Aggregate, EventType, PendingAlert};
use crate::classify::Severity;
use crate::correlate::Cause;
use crate::incident::{Incident, format_millis};
use crate::trace_link::LinkTargets;

/// `item_type` of incident rows.
pub const ITEM_TYPE_INCIDENT: &str = "incident";
/// `item_type` of outcome rows attached to their trace's specific error (see `correlate`).
pub const ITEM_TYPE_ATTACHED: &str = "attached";
/// `item_type` of aggregate items.
pub const ITEM_TYPE_AGGREGATE: &str = "aggregate";

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn list(values: &[String]) -> AttributeValue {
    AttributeValue::L(values.iter().map(|v| s(v.clone())).collect())
}

/// The item of an incident row. A traced incident also carries where to look at its trace
/// (`trace_command`, when the id is W3C or X-Ray shaped, and `trace_insights_url`), so that
/// whoever reads the row in the table finds the rest of the request without the alert.
pub fn incident_item(incident: &Incident, links: &LinkTargets) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        ("incident_id".to_string(), s(&incident.incident_id)),
        (
            "item_type".to_string(),
            s(if incident.attached_to.is_some() {
                ITEM_TYPE_ATTACHED
            } else {
                ITEM_TYPE_INCIDENT
            }),
        ),
        ("service".to_string(), s(&*incident.service)),
        ("message".to_string(), s(&incident.message)),
        ("level".to_string(), s(incident.level.as_str())),
        ("timestamp".to_string(), s(incident.timestamp())),
        ("severity".to_string(), s(incident.severity.as_str())),
        ("fingerprint".to_string(), s(&*incident.fingerprint)),
        ("pattern".to_string(), s(&*incident.pattern)),
        ("log_group".to_string(), s(&*incident.log_group)),
        ("log_stream".to_string(), s(&*incident.log_stream)),
        ("event_id".to_string(), s(&incident.event_id)),
        ("ttl".to_string(), n(incident.ttl)),
    ]);
    // Only set when known: an empty string is not a valid GSI key, and absent keys keep the
    // sparse `by_trace_id` index to traced incidents.
    if let Some(trace_id) = incident.trace_id.as_ref().filter(|t| !t.is_empty()) {
        item.insert("trace_id".to_string(), s(trace_id));
        let link = links.link(
            trace_id,
            &incident.log_group,
            incident.timestamp_ms,
            incident.timestamp_ms,
        );
        if let Some(command) = link.command {
            item.insert("trace_command".to_string(), s(command));
        }
        item.insert("trace_insights_url".to_string(), s(link.insights_url));
    }
    if let Some(error_type) = &incident.error_type {
        item.insert("error_type".to_string(), s(error_type));
    }
    if incident.outcome {
        item.insert("outcome".to_string(), AttributeValue::Bool(true));
    }
    if let Some(cause) = &incident.attached_to {
        item.insert("attached_to".to_string(), s(cause));
    }
    item
}

/// A stored incident as a possible cause of an outcome (see `correlate`); `None` for rows
/// that are outcomes or attached, or lack a field.
pub fn cause_from_item(item: &HashMap<String, AttributeValue>) -> Option<Cause> {
    if get_s(item, "item_type")? != ITEM_TYPE_INCIDENT || item.contains_key("outcome") {
        return None;
    }
    let timestamp = get_s(item, "timestamp")?;
    let time =
        time::OffsetDateTime::parse(&timestamp, &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(Cause {
        incident_id: get_s(item, "incident_id")?,
        service: get_s(item, "service")?,
        fingerprint: get_s(item, "fingerprint")?,
        pattern: get_s(item, "pattern")?,
        error_type: get_s(item, "error_type"),
        timestamp_ms: (time.unix_timestamp_nanos() / 1_000_000) as i64,
    })
}

/// The attributes an aggregate commit sets (`Some`) or removes (`None`); `count` and
/// `version` are not among them, the commit `ADD`s them.
pub fn aggregate_fields(a: &Aggregate) -> Vec<(&'static str, Option<AttributeValue>)> {
    vec![
        ("item_type", Some(s(ITEM_TYPE_AGGREGATE))),
        ("fingerprint", Some(s(&a.fingerprint))),
        ("service", Some(s(&a.service))),
        ("pattern", Some(s(&a.pattern))),
        ("message", Some(s(&a.sample_message))),
        ("error_type", a.error_type.as_ref().map(s)),
        ("severity", Some(s(a.severity.as_str()))),
        ("count_at_open", Some(n(a.count_at_open))),
        ("first_seen", Some(s(format_millis(a.first_seen_ms)))),
        ("first_seen_ms", Some(n(a.first_seen_ms))),
        ("opened_at", Some(s(format_millis(a.opened_at_ms)))),
        ("opened_at_ms", Some(n(a.opened_at_ms))),
        ("last_seen", Some(s(format_millis(a.last_seen_ms)))),
        ("last_seen_ms", Some(n(a.last_seen_ms))),
        ("window_start_ms", Some(n(a.window_start_ms))),
        ("window_count", Some(n(a.window_count))),
        ("trace_ids", Some(list(&a.trace_ids))),
        ("log_group", Some(s(&a.log_group))),
        ("log_stream", Some(s(&a.log_stream))),
        (
            "last_alerted_at",
            a.last_alerted_at_ms.map(|ms| s(format_millis(ms))),
        ),
        ("last_alerted_at_ms", a.last_alerted_at_ms.map(n)),
        (
            "alerted_severity",
            a.alerted_severity.map(|v| s(v.as_str())),
        ),
        ("alerted_count", Some(n(a.alerted_count))),
        ("recent_batches", Some(list(&a.recent_batches))),
        ("rules_version", Some(n(a.rules_version))),
        (
            "previous_fingerprints",
            Some(list(&a.previous_fingerprints)),
        ),
        (
            "pending_alert_token",
            a.pending_alert.as_ref().map(|p| s(&p.token)),
        ),
        (
            "pending_event_type",
            a.pending_alert.as_ref().map(|p| s(p.event_type.as_str())),
        ),
    ]
}

/// The key of a fingerprint's aggregate item.
pub fn aggregate_item_key(fingerprint: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([("incident_id".to_string(), s(aggregate_key(fingerprint)))])
}

fn get_s(item: &HashMap<String, AttributeValue>, key: &str) -> Option<String> {
    item.get(key)?.as_s().ok().cloned()
}

fn get_n<T: std::str::FromStr>(item: &HashMap<String, AttributeValue>, key: &str) -> Option<T> {
    item.get(key)?.as_n().ok()?.parse().ok()
}

fn get_list(item: &HashMap<String, AttributeValue>, key: &str) -> Vec<String> {
    item.get(key)
        .and_then(|v| v.as_l().ok())
        .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
        .unwrap_or_default()
}

/// Reads an aggregate item back; `None` when it lacks its fingerprint.
pub fn aggregate_from_item(item: &HashMap<String, AttributeValue>) -> Option<Aggregate> {
    let severity = |key| get_s(item, key).and_then(|v| v.parse::<Severity>().ok());
    let pending_alert = match (
        get_s(item, "pending_alert_token"),
        get_s(item, "pending_event_type").and_then(|e| EventType::parse(&e)),
    ) {
        (Some(token), Some(event_type)) => Some(PendingAlert { token, event_type }),
        _ => None,
    };
    Some(Aggregate {
        fingerprint: get_s(item, "fingerprint")?,
        service: get_s(item, "service").unwrap_or_default(),
        pattern: get_s(item, "pattern").unwrap_or_default(),
        sample_message: get_s(item, "message").unwrap_or_default(),
        error_type: get_s(item, "error_type"),
        severity: severity("severity").unwrap_or(Severity::Low),
        count: get_n(item, "count").unwrap_or(0),
        count_at_open: get_n(item, "count_at_open").unwrap_or(0),
        first_seen_ms: get_n(item, "first_seen_ms").unwrap_or(0),
        opened_at_ms: get_n(item, "opened_at_ms").unwrap_or(0),
        last_seen_ms: get_n(item, "last_seen_ms").unwrap_or(0),
        window_start_ms: get_n(item, "window_start_ms").unwrap_or(0),
        window_count: get_n(item, "window_count").unwrap_or(0),
        trace_ids: get_list(item, "trace_ids"),
        log_group: get_s(item, "log_group").unwrap_or_default(),
        log_stream: get_s(item, "log_stream").unwrap_or_default(),
        last_alerted_at_ms: get_n(item, "last_alerted_at_ms"),
        alerted_severity: severity("alerted_severity"),
        alerted_count: get_n(item, "alerted_count").unwrap_or(0),
        recent_batches: get_list(item, "recent_batches"),
        pending_alert,
        version: get_n(item, "version").unwrap_or(0),
        // Items from before rules were versioned were made by version 1.
        rules_version: get_n(item, "rules_version").unwrap_or(1),
        previous_fingerprints: get_list(item, "previous_fingerprints"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::PendingAlert;
    use crate::severity::Level;

    fn aggregate() -> Aggregate {
        Aggregate {
            fingerprint: "fp".into(),
            service: "orders".into(),
            pattern: "order <num> failed".into(),
            sample_message: "order 7 failed".into(),
            error_type: Some("TypeError".into()),
            severity: Severity::Critical,
            count: 10,
            count_at_open: 2,
            first_seen_ms: 1,
            opened_at_ms: 2,
            last_seen_ms: 3,
            window_start_ms: 60_000,
            window_count: 4,
            trace_ids: vec!["t1".into()],
            log_group: "/g".into(),
            log_stream: "s".into(),
            last_alerted_at_ms: Some(5),
            alerted_severity: Some(Severity::Medium),
            alerted_count: 6,
            recent_batches: vec!["b1".into(), "b2".into()],
            pending_alert: Some(PendingAlert {
                token: "b2".into(),
                event_type: EventType::Escalated,
            }),
            version: 7,
            rules_version: 2,
            previous_fingerprints: vec!["old".into()],
        }
    }

    #[test]
    fn aggregate_round_trip() {
        let a = aggregate();
        let mut item: HashMap<String, AttributeValue> = aggregate_fields(&a)
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v?)))
            .collect();
        item.insert("count".into(), n(a.count));
        item.insert("version".into(), n(a.version));
        assert_eq!(aggregate_from_item(&item), Some(a));
    }

    #[test]
    fn untraced_incidents_have_no_trace_id_attribute() {
        let incident = Incident {
            incident_id: "i".into(),
            service: "s".into(),
            message: "m".into(),
            level: Level::Error,
            timestamp_ms: 0,
            severity: Severity::Medium,
            fingerprint: "f".into(),
            pattern: "m".into(),
            error_type: None,
            trace_id: Some(String::new()),
            log_group: "g".into(),
            log_stream: "st".into(),
            event_id: "e".into(),
            ttl: 1,
            outcome: false,
            attached_to: None,
        };
        let item = incident_item(&incident, &LinkTargets::default());
        assert!(!item.contains_key("trace_id"));
        assert!(!item.contains_key("trace_command"));
        assert_eq!(item["item_type"].as_s().unwrap(), ITEM_TYPE_INCIDENT);
        assert_eq!(item["ttl"].as_n().unwrap(), "1");
    }

    #[test]
    fn traced_incidents_carry_the_trace_command_and_console_link() {
        let incident = Incident {
            incident_id: "i".into(),
            service: "orders-api".into(),
            message: "payment failed".into(),
            level: Level::Error,
            timestamp_ms: 1_795_000_060_000,
            severity: Severity::Medium,
            fingerprint: "f".into(),
            pattern: "payment failed".into(),
            error_type: None,
            trace_id: Some("1-4bf92f35-77b34da6a3ce929d0e0e4736".into()),
            log_group: "/demo/orders".into(),
            log_stream: "st".into(),
            event_id: "e".into(),
            ttl: 1,
            outcome: false,
            attached_to: None,
        };
        let links = LinkTargets {
            region: "eu-west-1".into(),
            log_groups: vec!["/demo/payments".into()],
        };
        let item = incident_item(&incident, &links);
        assert_eq!(
            item["trace_command"].as_s().unwrap(),
            "analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736 --log-group /demo/orders \
             --log-group /demo/payments --start 2026-11-18T10:52:40Z --end 2026-11-18T11:22:40Z"
        );
        let url = item["trace_insights_url"].as_s().unwrap();
        assert!(
            url.starts_with(
                "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
            ),
            "{url}"
        );
    }
}

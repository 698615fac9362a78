//! One incident per failing request: an *outcome* line (an access-log line, a `request
//! completed` record with a 5xx status, a Lambda `REPORT ... Status: timeout`) is attached
//! to the specific error its trace reported, instead of becoming a problem of its own.
//!
//! The *cause* of an outcome is an incident that is not itself an outcome, has the same
//! trace id (for Lambda lines without one, the request id) and happened within
//! [`ATTACH_WINDOW_MS`] of it; one of the same service is preferred, then the latest one
//! before the outcome. Causes are looked for in the same payload first ([`attach`], pure and
//! deterministic), then among the incidents already stored (the table's `by_trace_id` index,
//! see the handler) for outcomes still alone: a request's error and its access-log line can
//! be cut into two payloads, or come from two log streams (two services of one trace).
//!
//! An attached outcome keeps its own row (nothing is dropped; the trace still shows it) with
//! the cause's fingerprint, pattern and error type and `attached_to` = the cause's incident
//! id; it does not count again in the aggregate and never alerts. An outcome with no cause
//! in reach stays an incident of its own, described by method, route and status.

use std::collections::{HashMap, HashSet};

use crate::incident::Incident;

/// How far apart (either way) an outcome and its cause may be: a request's own error is
/// logged milliseconds before its access-log line; a minute covers slow requests and clock
/// skew between two services, while two different requests rarely share a trace id.
pub const ATTACH_WINDOW_MS: i64 = 60_000;

/// What an outcome needs from its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// The cause's incident id.
    pub incident_id: String,
    /// Its service.
    pub service: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Its pattern.
    pub pattern: String,
    /// Its error type.
    pub error_type: Option<String>,
    /// When it happened, epoch ms.
    pub timestamp_ms: i64,
}

impl Cause {
    /// The cause an incident would be.
    pub fn of(incident: &Incident) -> Cause {
        Cause {
            incident_id: incident.incident_id.clone(),
            service: incident.service.to_string(),
            fingerprint: incident.fingerprint.to_string(),
            pattern: incident.pattern.to_string(),
            error_type: incident.error_type.clone(),
            timestamp_ms: incident.timestamp_ms,
        }
    }
}

/// The best cause for an outcome among candidates of its trace.
fn best<'a>(outcome: &Incident, candidates: impl Iterator<Item = &'a Cause>) -> Option<&'a Cause> {
    candidates
        .filter(|c| (c.timestamp_ms - outcome.timestamp_ms).abs() <= ATTACH_WINDOW_MS)
        .max_by_key(|c| {
            (
                *c.service == *outcome.service,
                // Before the outcome beats after it; then the closest.
                c.timestamp_ms <= outcome.timestamp_ms,
                -(c.timestamp_ms - outcome.timestamp_ms).abs(),
                // Ties broken by id, so that the choice is deterministic.
                std::cmp::Reverse(c.incident_id.clone()),
            )
        })
}

fn attach_to(outcome: &mut Incident, cause: &Cause) {
    outcome.fingerprint = cause.fingerprint.as_str().into();
    outcome.pattern = cause.pattern.as_str().into();
    outcome.error_type = cause.error_type.clone();
    outcome.attached_to = Some(cause.incident_id.clone());
}

/// Attaches outcomes to causes in the same payload. Returns the trace ids of the outcomes
/// left alone (sorted, deduplicated), to look up in the store.
pub fn attach(incidents: &mut [Incident]) -> Vec<String> {
    // Only the traces of outcomes can need a cause; most payloads (a storm of one error)
    // have no outcome at all, and indexing their every error would cost a copy of each.
    let wanted: HashSet<&str> = incidents
        .iter()
        .filter(|i| i.outcome)
        .filter_map(|i| i.trace_id.as_deref())
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut causes: HashMap<&str, Vec<Cause>> = HashMap::new();
    for incident in incidents.iter().filter(|i| !i.outcome) {
        if let Some(trace) = incident.trace_id.as_deref().filter(|t| wanted.contains(t)) {
            causes.entry(trace).or_default().push(Cause::of(incident));
        }
    }
    let mut choices = Vec::new();
    for (i, incident) in incidents.iter().enumerate() {
        if !incident.outcome {
            continue;
        }
        let Some(trace) = incident.trace_id.as_deref() else {
            continue;
        };
        if let Some(cause) = causes.get(trace).and_then(|c| best(incident, c.iter())) {
            choices.push((i, cause.clone()));
        }
    }
    drop(causes);
    for (i, cause) in choices {
        attach_to(&mut incidents[i], &cause);
    }
    let mut lonely: Vec<String> = incidents
        .iter()
        .filter(|i| i.outcome && i.attached_to.is_none())
        .filter_map(|i| i.trace_id.clone())
        .collect();
    lonely.sort_unstable();
    lonely.dedup();
    lonely
}

/// Attaches the outcomes still alone to stored causes (by trace id).
pub fn attach_stored(incidents: &mut [Incident], stored: &HashMap<String, Vec<Cause>>) {
    for incident in incidents
        .iter_mut()
        .filter(|i| i.outcome && i.attached_to.is_none())
    {
        let Some(candidates) = incident.trace_id.as_ref().and_then(|t| stored.get(t)) else {
            continue;
        };
        if let Some(cause) = best(incident, candidates.iter()).cloned() {
            attach_to(incident, &cause);
        }
    }
}

#[cfg(test)]
mod tests;

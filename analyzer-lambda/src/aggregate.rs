//! The per-fingerprint aggregate and the decision to alert. Pure: the store reads and
//! commits aggregates, this module computes the next state.
//!
//! A fingerprint's life: it **opens** when first seen, or again when it comes back after
//! `quiet_period` without events; it **escalates** when its severity rises or its count
//! since opening crosses one of `count_thresholds`. Each opening and escalation is one
//! alert, unless the fingerprint was alerted less than `cooldown` ago: then the alert is
//! *suppressed* and stays owed, so it goes out with the first batch after the cooldown.
//! A rise in severity is never held back by the cooldown (it can only happen twice per
//! opening, so it cannot flood).
//!
//! Idempotency: each payload contributes one *batch* per fingerprint, identified by a token
//! (a hash of the fingerprint and of all the payload's event ids in it). The aggregate
//! remembers its last [`MAX_RECENT_BATCHES`] tokens; a redelivered payload finds its token
//! and changes nothing. An alert decided by a batch is recorded as pending with that token
//! until SNS confirms it, so a retry after a failed publish sends it again.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::classify::{Rules, Severity};
use crate::incident::Incident;

/// How many batch tokens an aggregate remembers (~35 bytes each, far below DynamoDB's
/// 400 KB item limit). Redeliveries arrive within minutes, long before a token ages out.
pub const MAX_RECENT_BATCHES: usize = 32;
/// How many recent trace ids an aggregate (and so an alert) carries.
pub const MAX_TRACE_IDS: usize = 10;
const MINUTE_MS: i64 = 60_000;

/// Why an alert is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// First seen, or back after a quiet period.
    Opened,
    /// Severity rose or the count crossed a threshold.
    Escalated,
}

impl EventType {
    /// `"opened"` or `"escalated"` (the SNS `event_type` attribute).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Opened => "opened",
            EventType::Escalated => "escalated",
        }
    }

    /// The inverse of [`EventType::as_str`].
    pub fn parse(s: &str) -> Option<EventType> {
        match s {
            "opened" => Some(EventType::Opened),
            "escalated" => Some(EventType::Escalated),
            _ => None,
        }
    }
}

/// An alert decided and committed, not yet confirmed sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAlert {
    /// The batch that decided it.
    pub token: String,
    /// Why.
    pub event_type: EventType,
}

/// The state of one fingerprint (`incident_id = "fingerprint#<fingerprint>"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// The fingerprint.
    pub fingerprint: String,
    /// Service of the events.
    pub service: String,
    /// Parameterized message.
    pub pattern: String,
    /// The latest message seen, as an example.
    pub sample_message: String,
    /// Error type, if any.
    pub error_type: Option<String>,
    /// Highest severity since the fingerprint last opened (rate included).
    pub severity: Severity,
    /// Events ever counted.
    pub count: u64,
    /// [`Aggregate::count`] when the fingerprint last opened.
    pub count_at_open: u64,
    /// First event ever, epoch ms.
    pub first_seen_ms: i64,
    /// First event of the current opening, epoch ms.
    pub opened_at_ms: i64,
    /// Latest event, epoch ms.
    pub last_seen_ms: i64,
    /// Start of the minute of the latest rate window, epoch ms.
    pub window_start_ms: i64,
    /// Events in that minute.
    pub window_count: u64,
    /// Recent trace ids, newest first.
    pub trace_ids: Vec<String>,
    /// Log group of the latest event.
    pub log_group: String,
    /// Log stream of the latest event.
    pub log_stream: String,
    /// When an alert was last decided (wall clock), epoch ms.
    pub last_alerted_at_ms: Option<i64>,
    /// Severity of that alert; `None` when nothing was alerted since opening.
    pub alerted_severity: Option<Severity>,
    /// [`Aggregate::count`] at that alert.
    pub alerted_count: u64,
    /// Tokens of the batches already applied, oldest first.
    pub recent_batches: Vec<String>,
    /// An alert not yet confirmed sent.
    pub pending_alert: Option<PendingAlert>,
    /// Optimistic-concurrency version, +1 per commit.
    pub version: u64,
    /// The grouping rules version that made [`Aggregate::fingerprint`] (1 for items
    /// written before rules were versioned).
    pub rules_version: u32,
    /// Fingerprints of earlier rules versions this aggregate took over (see [`inherit`]).
    pub previous_fingerprints: Vec<String>,
}

impl Aggregate {
    /// Events since the fingerprint last opened.
    pub fn open_count(&self) -> u64 {
        self.count.saturating_sub(self.count_at_open)
    }
}

/// The alerting knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPolicy {
    /// Minimum time between two alerts of one fingerprint, ms.
    pub cooldown_ms: i64,
    /// Silence after which a fingerprint opens again, ms.
    pub quiet_period_ms: i64,
    /// Counts since opening at which the fingerprint escalates, ascending.
    pub count_thresholds: Vec<u64>,
}

/// One payload's new events of one fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The fingerprint.
    pub fingerprint: String,
    /// Identifies the payload's contribution: see [`batch_token`].
    pub token: String,
    /// Events not stored before (the ones to count).
    pub new_count: u64,
    /// Highest severity among them.
    pub severity: Severity,
    /// Earliest and latest event times, epoch ms.
    pub first_ms: i64,
    /// See [`Batch::first_ms`].
    pub last_ms: i64,
    /// Events per minute (minute start, epoch ms).
    pub per_minute: BTreeMap<i64, u64>,
    /// The latest event (for service, message, group, stream).
    pub latest: Incident,
    /// Trace ids, newest first, deduplicated, at most [`MAX_TRACE_IDS`].
    pub trace_ids: Vec<String>,
    /// The grouping rules version that made the fingerprint.
    pub rules_version: u32,
}

/// The digest of a payload: SHA-256 over all its event ids (sorted). A redelivery has the
/// same events, so the same digest.
pub fn payload_digest<'a>(event_ids: impl IntoIterator<Item = &'a str>) -> [u8; 32] {
    let mut ids: Vec<&str> = event_ids.into_iter().collect();
    ids.sort_unstable();
    let mut hasher = Sha256::new();
    for id in ids {
        hasher.update(id.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().into()
}

/// The token of a payload's batch in one fingerprint: SHA-256 over the fingerprint and the
/// [`payload_digest`]. It depends on the payload, not on which of its events fell in this
/// fingerprint, so a redelivery recomputes the same token even if an outcome line is
/// attached differently the second time (the store's trace index may have caught up): each
/// aggregate applies each payload at most once.
pub fn batch_token(fingerprint: &str, payload_digest: &[u8; 32]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(fingerprint.as_bytes());
    hasher.update([0u8]);
    hasher.update(payload_digest);
    crate::digest::short_hex(hasher)
}

/// A new aggregate for `fingerprint` that continues `old`, an open problem whose
/// fingerprint an earlier rules version made: it keeps the opening, the alerted severity
/// and the cooldown (so the problem does not alert "opened" again), and starts counting
/// from zero (DynamoDB `ADD`s counts to the new item).
pub fn inherit(old: &Aggregate, latest: &Incident, rules_version: u32) -> Aggregate {
    Aggregate {
        fingerprint: latest.fingerprint.to_string(),
        service: latest.service.to_string(),
        pattern: latest.pattern.to_string(),
        error_type: latest.error_type.clone(),
        count: 0,
        count_at_open: 0,
        alerted_count: 0,
        recent_batches: Vec::new(),
        pending_alert: None,
        version: 0,
        rules_version,
        previous_fingerprints: vec![old.fingerprint.clone()],
        ..old.clone()
    }
}

/// Whether an aggregate is a problem still open at `at_ms`: alerted, and seen within the
/// quiet period.
pub fn is_open(aggregate: &Aggregate, policy: &AlertPolicy, at_ms: i64) -> bool {
    aggregate.alerted_severity.is_some() && at_ms - aggregate.last_seen_ms <= policy.quiet_period_ms
}

/// Builds the batch of a fingerprint from its new incidents (at least one).
pub fn batch(token: String, new: &[&Incident], rules_version: u32) -> Option<Batch> {
    let latest = new.iter().max_by_key(|i| (i.timestamp_ms, &i.event_id))?;
    let mut per_minute = BTreeMap::new();
    for incident in new {
        *per_minute
            .entry(incident.timestamp_ms.div_euclid(MINUTE_MS) * MINUTE_MS)
            .or_insert(0) += 1;
    }
    let mut by_time: Vec<&&Incident> = new.iter().collect();
    by_time.sort_by_key(|i| std::cmp::Reverse(i.timestamp_ms));
    let mut trace_ids = Vec::new();
    for id in by_time.iter().filter_map(|i| i.trace_id.as_ref()) {
        if trace_ids.len() == MAX_TRACE_IDS {
            break;
        }
        if !trace_ids.contains(id) {
            trace_ids.push(id.clone());
        }
    }
    Some(Batch {
        fingerprint: latest.fingerprint.to_string(),
        token,
        new_count: new.len() as u64,
        severity: new.iter().map(|i| i.severity).max()?,
        first_ms: new.iter().map(|i| i.timestamp_ms).min()?,
        last_ms: latest.timestamp_ms,
        per_minute,
        latest: (*latest).clone(),
        trace_ids,
        rules_version,
    })
}

/// What applying a batch decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The state to commit.
    pub next: Aggregate,
    /// An alert to send now.
    pub alert: Option<EventType>,
    /// An alert was due but the cooldown held it back.
    pub suppressed: bool,
}

fn tier(thresholds: &[u64], count: u64) -> usize {
    thresholds.iter().filter(|t| count >= **t).count()
}

/// Applies a batch not yet applied (the caller checks [`Aggregate::recent_batches`]).
pub fn apply(
    prev: Option<&Aggregate>,
    batch: &Batch,
    rules: &Rules,
    policy: &AlertPolicy,
    now_ms: i64,
) -> Outcome {
    let latest = &batch.latest;
    let reopened = prev.is_some_and(|p| batch.first_ms - p.last_seen_ms > policy.quiet_period_ms);
    let mut next = match prev {
        Some(p) => p.clone(),
        None => Aggregate {
            fingerprint: batch.fingerprint.clone(),
            service: latest.service.to_string(),
            pattern: latest.pattern.to_string(),
            sample_message: latest.message.clone(),
            error_type: latest.error_type.clone(),
            severity: batch.severity,
            count: 0,
            count_at_open: 0,
            first_seen_ms: batch.first_ms,
            opened_at_ms: batch.first_ms,
            last_seen_ms: batch.last_ms,
            window_start_ms: 0,
            window_count: 0,
            trace_ids: Vec::new(),
            log_group: latest.log_group.to_string(),
            log_stream: latest.log_stream.to_string(),
            last_alerted_at_ms: None,
            alerted_severity: None,
            alerted_count: 0,
            recent_batches: Vec::new(),
            pending_alert: None,
            version: 0,
            rules_version: batch.rules_version,
            previous_fingerprints: Vec::new(),
        },
    };
    next.rules_version = batch.rules_version;
    if reopened {
        next.count_at_open = next.count;
        next.opened_at_ms = batch.first_ms;
        next.severity = batch.severity;
        next.alerted_severity = None;
        next.alerted_count = next.count;
    }

    // Rate: events per minute, adding the stored window when the batch reaches into it.
    let mut busiest = 0;
    for (&minute, &n) in &batch.per_minute {
        let n = if minute == next.window_start_ms {
            n + next.window_count
        } else {
            n
        };
        busiest = busiest.max(n);
        if minute >= next.window_start_ms {
            next.window_start_ms = minute;
            next.window_count = n;
        }
    }
    next.severity = rules.with_rate(next.severity.max(batch.severity), busiest);

    next.count += batch.new_count;
    next.first_seen_ms = next.first_seen_ms.min(batch.first_ms);
    if batch.last_ms >= next.last_seen_ms || prev.is_none() {
        next.last_seen_ms = batch.last_ms;
        next.sample_message = latest.message.clone();
        next.log_group = latest.log_group.to_string();
        next.log_stream = latest.log_stream.to_string();
    }
    let mut traces = batch.trace_ids.clone();
    traces.extend(
        next.trace_ids
            .iter()
            .filter(|t| !batch.trace_ids.contains(t))
            .cloned(),
    );
    traces.truncate(MAX_TRACE_IDS);
    next.trace_ids = traces;
    next.recent_batches.push(batch.token.clone());
    if next.recent_batches.len() > MAX_RECENT_BATCHES {
        let excess = next.recent_batches.len() - MAX_RECENT_BATCHES;
        next.recent_batches.drain(..excess);
    }
    next.version += 1;

    let due = match next.alerted_severity {
        None => Some(EventType::Opened),
        Some(alerted) if next.severity > alerted => Some(EventType::Escalated),
        Some(_) => {
            let before = tier(
                &policy.count_thresholds,
                next.alerted_count - next.count_at_open,
            );
            (tier(&policy.count_thresholds, next.open_count()) > before)
                .then_some(EventType::Escalated)
        }
    };
    let severity_rose = next.alerted_severity.is_some_and(|a| next.severity > a);
    let cooling = next
        .last_alerted_at_ms
        .is_some_and(|at| now_ms - at < policy.cooldown_ms);
    let alert = due.filter(|_| !cooling || severity_rose);
    if let Some(event_type) = alert {
        next.last_alerted_at_ms = Some(now_ms);
        next.alerted_severity = Some(next.severity);
        next.alerted_count = next.count;
        next.pending_alert = Some(PendingAlert {
            token: batch.token.clone(),
            event_type,
        });
    }
    Outcome {
        next,
        alert,
        suppressed: due.is_some() && alert.is_none(),
    }
}

#[cfg(test)]
mod tests;

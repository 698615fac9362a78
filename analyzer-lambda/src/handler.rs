//! The invocation: payload -> incidents -> aggregates -> alerts, idempotently.
//!
//! Order matters for "never lose an error": aggregates are committed (with the batch token)
//! before the incident rows are written, and alerts are recorded as pending before they are
//! published. A retry after a failure at any step therefore finds the batch applied (its
//! token), writes the rows still missing, and resends a pending alert; it never counts a
//! batch twice. Bad input is counted, never an error; AWS errors fail the invocation so that
//! Lambda retries it (see README).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use serde::Serialize;

use crate::aggregate::{self, batch_token};
use crate::alert::{Alert, AlertError, Alerter};
use crate::config::Settings;
use crate::correlate;
use crate::fingerprint::{self, Grouper};
use crate::incident::{self, Incident};
use crate::parse::parse_line;
use crate::payload::{LogsPayload, decode_event};
use crate::store::{Commit, IncidentStore, StoreError};

/// Traces looked up per invocation for access-log lines whose error is not in the payload
/// (one `Query` each, 8 in flight): bounds the cost of a storm of lone 5xx lines.
pub const MAX_TRACE_LOOKUPS: usize = 100;
/// Events of a new fingerprint whose previous-rules fingerprint is computed to find an open
/// problem to continue after an upgrade.
const MAX_PREDECESSOR_SAMPLES: usize = 4;

/// Rounds of re-reading an aggregate after losing a commit race before giving up (and
/// failing the invocation, to be retried).
pub const MAX_COMMIT_ATTEMPTS: usize = 8;

/// What one invocation did; logged as one JSON line and returned as the function's result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Payloads handled (1 per invocation; more in replay totals).
    pub payloads: u64,
    /// `CONTROL_MESSAGE`s skipped.
    pub control_messages: u64,
    /// Log events in the payloads.
    pub events_seen: u64,
    /// Events classified as incidents.
    pub errors_found: u64,
    /// Incident rows written.
    pub incidents_written: u64,
    /// Incidents already stored (redelivery) or repeated within the payload.
    pub duplicates_skipped: u64,
    /// Distinct fingerprints among the incidents (in `replay`'s totals, distinct across the
    /// whole run: see [`crate::replay::Totals`]).
    pub fingerprints: u64,
    /// Alerts published.
    pub alerts_sent: u64,
    /// Alerts held back by the cooldown.
    pub alerts_suppressed: u64,
    /// Access-log style lines attached to their trace's specific error (see `correlate`).
    pub outcomes_attached: u64,
    /// Payloads that could not be decoded plus lines that looked like JSON but were not.
    pub parse_failures: u64,
    /// Alerts posted to chat webhooks (one per alert and webhook).
    pub webhook_posts: u64,
    /// Webhook posts given up (the alerts are on SNS all the same).
    pub webhook_failures: u64,
}

impl Summary {
    /// Adds another summary's counts to this one. `fingerprints` is summed too, which
    /// counts a problem once per summary it appears in; [`crate::replay::Totals`] counts
    /// distinct fingerprints.
    pub fn add(&mut self, other: &Summary) {
        self.payloads += other.payloads;
        self.control_messages += other.control_messages;
        self.events_seen += other.events_seen;
        self.errors_found += other.errors_found;
        self.incidents_written += other.incidents_written;
        self.duplicates_skipped += other.duplicates_skipped;
        self.fingerprints += other.fingerprints;
        self.alerts_sent += other.alerts_sent;
        self.alerts_suppressed += other.alerts_suppressed;
        self.outcomes_attached += other.outcomes_attached;
        self.parse_failures += other.parse_failures;
        self.webhook_posts += other.webhook_posts;
        self.webhook_failures += other.webhook_failures;
    }

    fn log(&self, outcome: &str) {
        tracing::info!(
            target: "analyzer_lambda::summary",
            outcome,
            payloads = self.payloads,
            control_messages = self.control_messages,
            events_seen = self.events_seen,
            errors_found = self.errors_found,
            incidents_written = self.incidents_written,
            duplicates_skipped = self.duplicates_skipped,
            fingerprints = self.fingerprints,
            alerts_sent = self.alerts_sent,
            alerts_suppressed = self.alerts_suppressed,
            outcomes_attached = self.outcomes_attached,
            parse_failures = self.parse_failures,
            webhook_posts = self.webhook_posts,
            webhook_failures = self.webhook_failures,
            "invocation summary"
        );
    }
}

/// Why an invocation fails (and is retried).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The incidents table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Some alerts could not be published; they stay pending and go out on the retry.
    #[error("{failed} alert(s) could not be published, first: {first}")]
    Alerts {
        /// How many.
        failed: usize,
        /// The first failure.
        first: AlertError,
    },
    /// Too many concurrent writers on one fingerprint.
    #[error("aggregate {0} kept changing under us; retry the invocation")]
    Contention(String),
    /// The invocation deadline came too close to start or finish the work.
    #[error(
        "stopped before the invocation deadline; the retry will finish (all writes are idempotent)"
    )]
    Deadline,
}

impl HandlerError {
    /// Whether a retry is expected to succeed without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            HandlerError::Store(e) => e.transient,
            HandlerError::Alerts { first, .. } => first.transient,
            HandlerError::Contention(_) | HandlerError::Deadline => true,
        }
    }
}

/// The analyzer: generic over where incidents and alerts go.
#[derive(Debug)]
pub struct Analyzer<S, A> {
    store: S,
    alerter: A,
    settings: Settings,
}

impl<S: IncidentStore, A: Alerter> Analyzer<S, A> {
    /// An analyzer over a store and an alerter.
    pub fn new(store: S, alerter: A, settings: Settings) -> Analyzer<S, A> {
        Analyzer {
            store,
            alerter,
            settings,
        }
    }

    /// The store (tests inspect it).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, giving the analyzer up (tests hand it to an analyzer of other settings).
    pub fn into_store(self) -> S {
        self.store
    }

    /// The alerter (tests inspect it).
    pub fn alerter(&self) -> &A {
        &self.alerter
    }

    /// Handles a raw Lambda event, stopping with [`HandlerError::Deadline`] at `deadline`.
    /// Logs the one-line summary either way.
    pub async fn handle_event(
        &self,
        event: &serde_json::Value,
        now_ms: i64,
        deadline: Option<Instant>,
    ) -> Result<Summary, HandlerError> {
        let payload = match decode_event(event, self.settings.max_decompressed_bytes) {
            Ok(payload) => payload,
            Err(err) => {
                tracing::warn!(kind = err.kind(), error = %err, "payload rejected");
                let summary = Summary {
                    payloads: 1,
                    parse_failures: 1,
                    ..Summary::default()
                };
                summary.log("rejected");
                return Ok(summary);
            }
        };
        if deadline.is_some_and(|d| d <= Instant::now()) {
            tracing::error!("no time left before the invocation deadline");
            return Err(HandlerError::Deadline);
        }
        let mut summary = Summary::default();
        let work = self.handle_payload_counting(&payload, now_ms, deadline, &mut summary);
        let result = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), work)
                .await
                .unwrap_or(Err(HandlerError::Deadline)),
            None => work.await,
        };
        match result {
            Ok(_) => {
                summary.log("ok");
                Ok(summary)
            }
            Err(err) => {
                tracing::error!(error = %err, transient = err.is_transient(), "invocation failed");
                // The counts reached before the failure: what was found, written or sent
                // before it, which the retry will find again and skip as duplicates.
                summary.log("error");
                Err(err)
            }
        }
    }

    /// Handles a decoded payload (the replay path enters here).
    pub async fn handle_payload(
        &self,
        payload: &LogsPayload,
        now_ms: i64,
    ) -> Result<Summary, HandlerError> {
        let mut summary = Summary::default();
        self.handle_payload_counting(payload, now_ms, None, &mut summary)
            .await?;
        Ok(summary)
    }

    /// [`Analyzer::handle_payload`], with the fingerprints of the payload's incidents (those
    /// [`Summary::fingerprints`] counts): a run over many payloads (`replay`) counts the
    /// distinct ones across them, since one problem seen in several streams is one aggregate.
    pub async fn handle_payload_fingerprints(
        &self,
        payload: &LogsPayload,
        now_ms: i64,
    ) -> Result<(Summary, Vec<String>), HandlerError> {
        let mut summary = Summary::default();
        let fingerprints = self
            .handle_payload_counting(payload, now_ms, None, &mut summary)
            .await?;
        Ok((summary, fingerprints))
    }

    /// [`Analyzer::handle_payload`], with the deadline that bounds webhook retries, counting
    /// into `summary` as it goes: after a failure, `summary` says how far the invocation got
    /// (what was found, written and sent before it), which is what the failed invocation's
    /// summary line reports. Returns the fingerprints of the payload's incidents.
    pub async fn handle_payload_counting(
        &self,
        payload: &LogsPayload,
        now_ms: i64,
        deadline: Option<Instant>,
        summary: &mut Summary,
    ) -> Result<Vec<String>, HandlerError> {
        *summary = Summary {
            payloads: 1,
            events_seen: payload.log_events.len() as u64,
            ..Summary::default()
        };
        if payload.is_control() {
            summary.control_messages = 1;
            return Ok(Vec::new());
        }
        let mut grouper = Grouper::new(self.settings.grouping);
        let mut incidents = self.classify(payload, summary, &mut grouper);
        summary.errors_found = incidents.len() as u64;
        self.correlate(&mut incidents).await;
        summary.outcomes_attached =
            incidents.iter().filter(|i| i.attached_to.is_some()).count() as u64;

        let ids: Vec<&str> = incidents.iter().map(|i| i.incident_id.as_str()).collect();
        let existing = self.store.existing_incidents(&ids).await?;
        let mut groups: BTreeMap<&str, Vec<&Incident>> = BTreeMap::new();
        // Attached outcomes belong to their cause's incident: stored, never counted again.
        for incident in incidents.iter().filter(|i| i.attached_to.is_none()) {
            groups
                .entry(&incident.fingerprint)
                .or_default()
                .push(incident);
        }
        summary.fingerprints = groups.len() as u64;
        let fingerprints: Vec<String> = groups.keys().map(|f| f.to_string()).collect();
        let mut aggregates = self.store.aggregates(&fingerprints).await?;
        let mut inherited = self.predecessors(&groups, &aggregates, &existing).await?;

        let digest = aggregate::payload_digest(payload.log_events.iter().map(|e| e.id.as_str()));
        let mut alerts = Vec::new();
        for (fingerprint, all) in &groups {
            let token = batch_token(fingerprint, &digest);
            let new: Vec<&Incident> = all
                .iter()
                .copied()
                .filter(|i| !existing.contains(&i.incident_id))
                .collect();
            let prev = aggregates.remove(*fingerprint);
            let seed = inherited.remove(*fingerprint);
            self.apply_batch(
                fingerprint,
                token,
                &new,
                (prev, seed),
                now_ms,
                &mut alerts,
                summary,
            )
            .await?;
        }

        let mut new = incidents;
        // In place, and not at all on a first delivery: a filter-and-collect moved every
        // row even when none was stored.
        if !existing.is_empty() {
            new.retain(|i| !existing.contains(&i.incident_id));
        }
        let written = new.len() as u64;
        self.store.put_incidents(new).await?;
        summary.incidents_written = written;
        summary.duplicates_skipped += existing.len() as u64;

        self.send(&alerts, summary, deadline).await?;
        Ok(fingerprints)
    }

    /// Parses and classifies, dropping events repeated within the payload.
    fn classify(
        &self,
        payload: &LogsPayload,
        summary: &mut Summary,
        grouper: &mut Grouper,
    ) -> Vec<Incident> {
        // Sized for a payload of errors (a storm): grown from empty, the set of ten thousand
        // ids was rehashed a dozen times.
        let mut seen: foldhash::HashSet<&str> =
            HashSet::with_capacity_and_hasher(payload.log_events.len(), Default::default());
        // Room for every event at once: a storm makes one row per event, and growing a vector
        // of rows this size copies megabytes.
        let mut incidents = Vec::with_capacity(payload.log_events.len());
        let origin = incident::Origin::of(payload, grouper);
        for event in &payload.log_events {
            let line = parse_line(&event.message);
            if line.malformed_json {
                summary.parse_failures += 1;
            }
            let Some(severity) = self.settings.rules.classify(&line) else {
                continue;
            };
            if !seen.insert(event.id.as_str()) {
                summary.duplicates_skipped += 1;
                continue;
            }
            incidents.push(incident::build(
                &origin,
                event,
                &line,
                severity,
                self.settings.ttl_days,
                grouper,
            ));
        }
        incidents
    }

    /// Attaches outcome lines to their trace's specific error: in the payload, then among
    /// stored incidents (see `correlate`). A failed lookup is logged, not fatal: the
    /// outcomes then stay incidents of their own.
    async fn correlate(&self, incidents: &mut [Incident]) {
        let mut lonely = correlate::attach(incidents);
        if lonely.is_empty() {
            return;
        }
        if lonely.len() > MAX_TRACE_LOOKUPS {
            tracing::warn!(
                traces = lonely.len(),
                looked_up = MAX_TRACE_LOOKUPS,
                "too many access-log lines without their error in the payload; the rest stay incidents of their own"
            );
            lonely.truncate(MAX_TRACE_LOOKUPS);
        }
        match self.store.causes(&lonely).await {
            Ok(stored) => correlate::attach_stored(incidents, &stored),
            Err(err) => {
                tracing::warn!(error = %err, "looking up the causes of access-log lines failed")
            }
        }
    }

    /// For fingerprints without an aggregate: an open aggregate of the previous grouping
    /// rules that the same events had, to continue instead of opening again (see
    /// `aggregate::inherit`). Events already stored are not looked at: their problem was
    /// decided when they were first seen.
    async fn predecessors(
        &self,
        groups: &BTreeMap<&str, Vec<&Incident>>,
        aggregates: &HashMap<String, aggregate::Aggregate>,
        existing: &HashSet<String>,
    ) -> Result<HashMap<String, aggregate::Aggregate>, HandlerError> {
        let Some(previous) = self.settings.grouping.previous() else {
            return Ok(HashMap::new());
        };
        let mut candidates: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (fingerprint, all) in groups {
            if aggregates.contains_key(*fingerprint) {
                continue;
            }
            let mut old = Vec::new();
            for incident in all
                .iter()
                .filter(|i| !existing.contains(&i.incident_id))
                .take(MAX_PREDECESSOR_SAMPLES)
            {
                let pattern = previous.parameterize(&incident.message);
                let f = fingerprint::fingerprint(
                    &incident.service,
                    incident.error_type.as_deref(),
                    &pattern,
                );
                if f != *fingerprint && !old.contains(&f) {
                    old.push(f);
                }
            }
            if !old.is_empty() {
                candidates.insert(fingerprint, old);
            }
        }
        if candidates.is_empty() {
            return Ok(HashMap::new());
        }
        let mut wanted: Vec<String> = candidates.values().flatten().cloned().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let found = self.store.aggregates(&wanted).await?;
        let current = self.settings.grouping.version();
        let mut seeds = HashMap::new();
        for (fingerprint, old) in candidates {
            let all = &groups[fingerprint];
            let first_ms = all.iter().map(|i| i.timestamp_ms).min().unwrap_or_default();
            let best = old
                .iter()
                .filter_map(|f| found.get(f))
                .filter(|a| a.rules_version < current)
                .filter(|a| aggregate::is_open(a, &self.settings.policy, first_ms))
                .max_by_key(|a| a.last_seen_ms);
            if let (Some(best), Some(latest)) = (best, all.last()) {
                tracing::info!(
                    fingerprint,
                    previous = best.fingerprint,
                    "continuing an open problem of the previous grouping rules"
                );
                seeds.insert(
                    fingerprint.to_string(),
                    aggregate::inherit(best, latest, current),
                );
            }
        }
        Ok(seeds)
    }

    #[allow(clippy::too_many_arguments)] // private step of handle_payload, all borrowed state
    async fn apply_batch(
        &self,
        fingerprint: &str,
        token: String,
        new: &[&Incident],
        (mut prev, mut seed): (Option<aggregate::Aggregate>, Option<aggregate::Aggregate>),
        now_ms: i64,
        alerts: &mut Vec<Alert>,
        summary: &mut Summary,
    ) -> Result<(), HandlerError> {
        let batch = aggregate::batch(token.clone(), new, self.settings.grouping.version());
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            if let Some(p) = prev.as_ref().filter(|p| p.recent_batches.contains(&token)) {
                // Applied by an earlier delivery; only an unconfirmed alert is left to do.
                if let Some(pending) = p.pending_alert.as_ref().filter(|a| a.token == token) {
                    alerts.push(Alert::new(p, pending.event_type, &token, &self.settings));
                }
                return Ok(());
            }
            let Some(batch) = &batch else {
                // Every event was stored by another grouping of the same events (replay).
                return Ok(());
            };
            // A seed (an open problem of the previous rules) stands in for a missing
            // aggregate; the commit still creates the item.
            let outcome = aggregate::apply(
                prev.as_ref().or(seed.as_ref()),
                batch,
                &self.settings.rules,
                &self.settings.policy,
                now_ms,
            );
            match self
                .store
                .commit_aggregate(prev.as_ref(), &outcome.next, batch.new_count)
                .await?
            {
                Commit::Done => {
                    if let Some(event_type) = outcome.alert {
                        alerts.push(Alert::new(
                            &outcome.next,
                            event_type,
                            &token,
                            &self.settings,
                        ));
                    }
                    summary.alerts_suppressed += u64::from(outcome.suppressed);
                    return Ok(());
                }
                Commit::Conflict => {
                    seed = None;
                    prev = self
                        .store
                        .aggregates(&[fingerprint.to_string()])
                        .await?
                        .remove(fingerprint);
                }
            }
        }
        Err(HandlerError::Contention(fingerprint.to_string()))
    }

    async fn send(
        &self,
        alerts: &[Alert],
        summary: &mut Summary,
        deadline: Option<Instant>,
    ) -> Result<(), HandlerError> {
        if alerts.is_empty() {
            return Ok(());
        }
        let results = self.alerter.publish(alerts).await;
        // Chat webhooks after SNS, for every alert decided here (their own record keeps them
        // from repeating if a failed publish below makes Lambda retry the invocation).
        let report = self.alerter.notify(alerts, deadline).await;
        summary.webhook_posts += report.posted;
        summary.webhook_failures += report.failed;
        let mut failures = Vec::new();
        for (alert, result) in alerts.iter().zip(results) {
            match result {
                Ok(()) => {
                    summary.alerts_sent += 1;
                    self.store
                        .clear_pending_alert(&alert.fingerprint, &alert.token)
                        .await?;
                }
                Err(err) => failures.push(err),
            }
        }
        match failures.into_iter().next() {
            None => Ok(()),
            Some(first) => Err(HandlerError::Alerts {
                failed: alerts.len() - summary.alerts_sent as usize,
                first,
            }),
        }
    }
}

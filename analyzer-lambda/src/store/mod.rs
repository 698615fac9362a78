//! Where incidents and aggregates live.
//!
//! # Table schema (agreed with the `provision` crate)
//!
//! | property          | value                                                        |
//! |-------------------|--------------------------------------------------------------|
//! | name              | `Incidents` (env `INCIDENTS_TABLE`)                          |
//! | partition key     | `incident_id` (S), no sort key                               |
//! | billing           | on demand (`PAY_PER_REQUEST`)                                |
//! | TTL attribute     | `ttl` (N, epoch seconds)                                     |
//! | GSI `by_service`  | PK `service` (S), SK `timestamp` (S), projection ALL         |
//! | GSI `by_trace_id` | PK `trace_id` (S), projection ALL                            |
//!
//! Two kinds of items, told apart by `item_type`:
//!
//! - `"incident"`: one per error event. `incident_id` (32 hex, from the log group and the
//!   CloudWatch event id), `service`, `message`, `level`, `timestamp` (RFC 3339),
//!   `severity` (`LOW`/`MEDIUM`/`CRITICAL`), `fingerprint`, `pattern`, `trace_id` (only when
//!   known, so the sparse GSI holds only traced incidents), `error_type` (when known),
//!   `log_group`, `log_stream`, `event_id`, `ttl`, `outcome` (BOOL, only on access-log
//!   style lines).
//! - `"attached"`: an outcome line attached to its trace's specific error (see
//!   `correlate`): the same attributes, with the cause's `fingerprint`/`pattern` and
//!   `attached_to` = the cause's `incident_id`.
//! - `"aggregate"`: one per fingerprint, `incident_id = "fingerprint#<fingerprint>"`:
//!   `fingerprint`, `service`, `pattern`, `message` (latest sample), `error_type`,
//!   `severity`, `count` (atomic `ADD`), `count_at_open`, `first_seen`, `opened_at`,
//!   `last_seen` (RFC 3339), `*_ms` twins in epoch ms, `window_start_ms`, `window_count`,
//!   `trace_ids` (L of S), `log_group`, `log_stream`, `last_alerted_at`, `alerted_severity`,
//!   `alerted_count`, `recent_batches` (L of S), `pending_alert_token`,
//!   `pending_event_type`, `version`, `rules_version` (N, the grouping rules that made the
//!   fingerprint; absent means 1), `previous_fingerprints` (L of S). Aggregates carry no `timestamp` nor `trace_id`, so
//!   they stay out of both GSIs, and no `ttl`: they hold the alert cooldown.
//!
//! # Writes
//!
//! Incident rows: `BatchGetItem` first (to count duplicates exactly), then `BatchWriteItem`
//! for the new ones, retrying unprocessed items. Conditional `PutItem`s would cost one
//! request per event (10,000 for a storm) instead of 100 + 400; `BatchWriteItem` has no
//! conditions, but a row is a pure function of its event, so a racing duplicate write
//! rewrites identical content and stays idempotent.
//!
//! Aggregates: `UpdateItem` with `ADD count` and a condition on `version` (optimistic
//! concurrency), re-read and recomputed on conflict, so the alert decision is made by
//! exactly one writer.

pub mod dynamodb;
pub mod item;
pub mod memory;

use std::collections::{HashMap, HashSet};
use std::future::Future;

use crate::aggregate::Aggregate;
use crate::correlate::Cause;
use crate::incident::Incident;

/// `incident_id` prefix of aggregate items.
pub const AGGREGATE_PREFIX: &str = "fingerprint#";

/// The `incident_id` of a fingerprint's aggregate item.
pub fn aggregate_key(fingerprint: &str) -> String {
    format!("{AGGREGATE_PREFIX}{fingerprint}")
}

/// Result of a conditional aggregate commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Written.
    Done,
    /// Someone else committed first: re-read and recompute.
    Conflict,
}

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
#[error("{operation} on the incidents table failed: {message}")]
pub struct StoreError {
    /// The API call (`BatchWriteItem`, ...).
    pub operation: &'static str,
    /// What went wrong.
    pub message: String,
    /// Throttling, 5xx, timeouts: retrying the invocation may succeed.
    pub transient: bool,
}

/// The incidents table, behind a trait so that the handler runs against memory in tests.
pub trait IncidentStore: Send + Sync {
    /// Which of these incident ids are already stored.
    fn existing_incidents(
        &self,
        ids: &[&str],
    ) -> impl Future<Output = Result<HashSet<String>, StoreError>> + Send;

    /// Writes incident rows (unconditionally: they are deterministic). Takes them: the
    /// handler is done with them, and a store may keep them without a copy.
    fn put_incidents(
        &self,
        incidents: Vec<Incident>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The aggregates of these fingerprints that exist, by fingerprint (consistent read).
    fn aggregates(
        &self,
        fingerprints: &[String],
    ) -> impl Future<Output = Result<HashMap<String, Aggregate>, StoreError>> + Send;

    /// Commits `next` if the stored aggregate is still `prev` (same version, or absent),
    /// adding `added` to the stored count.
    fn commit_aggregate(
        &self,
        prev: Option<&Aggregate>,
        next: &Aggregate,
        added: u64,
    ) -> impl Future<Output = Result<Commit, StoreError>> + Send;

    /// Stored incidents that can be the cause of an outcome line (see `correlate`), by trace
    /// id: rows of `item_type = "incident"` that are not outcomes. Read from the
    /// `by_trace_id` index, which is eventually consistent: a cause written a moment ago
    /// may be missed (the outcome then stays an incident of its own).
    fn causes(
        &self,
        trace_ids: &[String],
    ) -> impl Future<Output = Result<HashMap<String, Vec<Cause>>, StoreError>> + Send;

    /// Marks the pending alert of `token` as sent (no-op if another alert replaced it).
    fn clear_pending_alert(
        &self,
        fingerprint: &str,
        token: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

//! Alerts: what an on-call engineer receives, one per fingerprint opening or escalating.

pub mod memory;
pub mod message;
pub mod sns;

use std::future::Future;

use crate::aggregate::{Aggregate, EventType};
use crate::classify::Severity;

/// One alert about one fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The fingerprint alerted about.
    pub fingerprint: String,
    /// The batch that decided the alert (to confirm it sent).
    pub token: String,
    /// Opened or escalated.
    pub event_type: EventType,
    /// Current severity.
    pub severity: Severity,
    /// Service of the events.
    pub service: String,
    /// Events since the fingerprint (re)opened.
    pub count: u64,
    /// Events ever.
    pub total_count: u64,
    /// Start of the current opening, epoch ms.
    pub first_seen_ms: i64,
    /// Latest event, epoch ms.
    pub last_seen_ms: i64,
    /// A recent message.
    pub sample_message: String,
    /// Parameterized message.
    pub pattern: String,
    /// Error type, if any.
    pub error_type: Option<String>,
    /// Recent trace ids, newest first.
    pub trace_ids: Vec<String>,
    /// Log group of the latest event.
    pub log_group: String,
    /// Log stream of the latest event.
    pub log_stream: String,
    /// Region for the console link.
    pub region: String,
}

impl Alert {
    /// The alert for an aggregate's current state.
    pub fn new(aggregate: &Aggregate, event_type: EventType, token: &str, region: &str) -> Alert {
        Alert {
            fingerprint: aggregate.fingerprint.clone(),
            token: token.to_string(),
            event_type,
            severity: aggregate.severity,
            service: aggregate.service.clone(),
            count: aggregate.open_count(),
            total_count: aggregate.count,
            first_seen_ms: aggregate.opened_at_ms,
            last_seen_ms: aggregate.last_seen_ms,
            sample_message: aggregate.sample_message.clone(),
            pattern: aggregate.pattern.clone(),
            error_type: aggregate.error_type.clone(),
            trace_ids: aggregate.trace_ids.clone(),
            log_group: aggregate.log_group.clone(),
            log_stream: aggregate.log_stream.clone(),
            region: region.to_string(),
        }
    }
}

/// An alert could not be published.
#[derive(Debug, Clone, thiserror::Error)]
#[error("publishing the alert failed: {message}")]
pub struct AlertError {
    /// What went wrong.
    pub message: String,
    /// Whether retrying the invocation may succeed.
    pub transient: bool,
}

/// Where alerts go, behind a trait so that the handler runs against memory in tests.
pub trait Alerter: Send + Sync {
    /// Publishes the alerts; one result per alert, in order.
    fn publish(&self, alerts: &[Alert])
    -> impl Future<Output = Vec<Result<(), AlertError>>> + Send;
}

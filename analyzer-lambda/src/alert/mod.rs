//! Alerts: what an on-call engineer receives, one per fingerprint opening or escalating.
//!
//! One [`Alert`] is rendered several ways: the readable text of e-mail and SMS
//! ([`message`]), the custom notification of AWS's chat integration ([`chat`]) and the
//! structured JSON of programs ([`document`]); [`sns`] publishes them together as one
//! per-protocol SNS message. The direct Slack and Teams posts live in [`crate::webhook`].

pub mod chat;
pub mod document;
pub mod memory;
pub mod message;
pub mod sns;

use std::future::Future;
use std::time::Instant;

use crate::aggregate::{Aggregate, EventType};
use crate::classify::Severity;
use crate::config::Settings;
use crate::trace_link::{self, TraceLink, TraceWindow};

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
    /// Log groups the trace commands and links search: the latest event's group first, then
    /// the configured `TRACE_LOG_GROUPS`.
    pub trace_log_groups: Vec<String>,
}

impl Alert {
    /// The alert for an aggregate's current state.
    pub fn new(
        aggregate: &Aggregate,
        event_type: EventType,
        token: &str,
        settings: &Settings,
    ) -> Alert {
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
            region: settings.region.clone(),
            trace_log_groups: trace_link::trace_groups(
                &aggregate.log_group,
                &settings.trace_log_groups,
            ),
        }
    }

    /// Identifies this alert among all: the fingerprint and the batch that decided it. A
    /// resend of the same alert (after a failed publish) has the same id.
    pub fn id(&self) -> String {
        format!("{}-{}", self.fingerprint, self.token)
    }

    /// The window the trace commands and links cover.
    pub fn trace_window(&self) -> TraceWindow {
        TraceWindow::around(self.first_seen_ms, self.last_seen_ms)
    }

    /// For each sample trace id, the `trace` command and the Logs Insights link.
    pub fn trace_links(&self) -> Vec<TraceLink> {
        trace_link::links(
            &self.trace_ids,
            &self.trace_log_groups,
            &self.region,
            self.trace_window(),
        )
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

/// What the direct chat posts of some alerts did ([`Alerter::notify`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotifyReport {
    /// Posts delivered.
    pub posted: u64,
    /// Posts given up (the alert is still on SNS).
    pub failed: u64,
    /// Posts skipped because an earlier attempt already made them.
    pub already_posted: u64,
}

impl NotifyReport {
    /// Adds another report's counts.
    pub fn add(&mut self, other: &NotifyReport) {
        self.posted += other.posted;
        self.failed += other.failed;
        self.already_posted += other.already_posted;
    }
}

/// Where alerts go, behind a trait so that the handler runs against memory in tests.
pub trait Alerter: Send + Sync {
    /// Publishes the alerts; one result per alert, in order.
    fn publish(&self, alerts: &[Alert])
    -> impl Future<Output = Vec<Result<(), AlertError>>> + Send;

    /// Posts the alerts to direct chat webhooks, at most once each, giving up by `deadline`.
    /// Never fails the invocation: the alerts are on SNS already. Default: no webhooks.
    fn notify(
        &self,
        alerts: &[Alert],
        deadline: Option<Instant>,
    ) -> impl Future<Output = NotifyReport> + Send {
        let _ = (alerts, deadline);
        std::future::ready(NotifyReport::default())
    }
}

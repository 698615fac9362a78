//! Direct chat webhooks: each alert posted to a Slack incoming webhook ([`slack`]) and a
//! Microsoft Teams Workflows webhook ([`teams`]), for teams without AWS's chat integration.
//!
//! Delivery never loses nor repeats an alert:
//! - SNS is published first and carries every alert whatever happens here; a webhook that
//!   fails is counted in the invocation summary (`webhook_failures`) and logged once, with
//!   the reason and never the URL, and the invocation still succeeds.
//! - Timeouts, 429 (after `Retry-After`) and 5xx are retried ([`retry`]) until a deadline
//!   kept [`DEADLINE_RESERVE`] before the invocation's own.
//! - Each (alert, target) is claimed in the incidents table before posting ([`ledger`]), so
//!   a retried invocation, or a redelivered payload, never posts the same alert twice.
//! - URLs come from Secrets Manager ([`secret`]) and are redacted wherever shown ([`url`]).

pub mod ledger;
pub mod post;
pub mod retry;
pub mod secret;
pub mod slack;
pub mod teams;
pub mod url;

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::Value;

use crate::alert::{Alert, AlertError, Alerter, NotifyReport};
use ledger::{Claim, DeliveryKey, DeliveryLedger};
use post::Poster;
use secret::SecretUrls;
use url::WebhookUrl;

/// Default `WEBHOOK_TIMEOUT_MS`: one request's time limit.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 5_000;
/// Time kept before the invocation's deadline to record the outcomes.
pub const DEADLINE_RESERVE: Duration = Duration::from_secs(1);
/// Time the posts of one batch of alerts may take when there is no invocation deadline
/// (`replay`).
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

/// A webhook destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Slack incoming webhook.
    Slack,
    /// Microsoft Teams Workflows webhook.
    Teams,
}

impl Target {
    /// `slack` or `teams`.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Slack => "slack",
            Target::Teams => "teams",
        }
    }

    /// The message for an alert.
    pub fn message(self, alert: &Alert) -> Value {
        match self {
            Target::Slack => slack::message(alert),
            Target::Teams => teams::message(alert),
        }
    }
}

/// The configured webhook URLs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookUrls {
    /// Slack, if configured.
    pub slack: Option<WebhookUrl>,
    /// Teams, if configured.
    pub teams: Option<WebhookUrl>,
}

impl WebhookUrls {
    fn targets(&self) -> Vec<(Target, &WebhookUrl)> {
        [(Target::Slack, &self.slack), (Target::Teams, &self.teams)]
            .into_iter()
            .filter_map(|(t, u)| u.as_ref().map(|u| (t, u)))
            .collect()
    }
}

/// Where the URLs come from.
#[derive(Debug)]
pub enum UrlSource {
    /// Given directly (tests).
    Fixed(WebhookUrls),
    /// A Secrets Manager secret (the function).
    Secret(SecretUrls),
}

impl UrlSource {
    async fn urls(&self) -> Result<&WebhookUrls, String> {
        match self {
            UrlSource::Fixed(urls) => Ok(urls),
            UrlSource::Secret(secret) => secret.get().await,
        }
    }
}

/// Posts alerts to the configured webhooks, at most once each.
#[derive(Debug)]
pub struct Webhooks<L> {
    urls: UrlSource,
    ledger: L,
    poster: Poster,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl<L: DeliveryLedger> Webhooks<L> {
    /// Webhooks from `urls`, claims in `ledger`, posts through `poster`.
    pub fn new(urls: UrlSource, ledger: L, poster: Poster) -> Webhooks<L> {
        Webhooks {
            urls,
            ledger,
            poster,
        }
    }

    /// The ledger (tests inspect it).
    pub fn ledger(&self) -> &L {
        &self.ledger
    }

    async fn deliver_one(
        &self,
        target: Target,
        url: &WebhookUrl,
        alert: &Alert,
        until: Instant,
    ) -> NotifyReport {
        let key = DeliveryKey {
            target,
            alert_id: alert.id(),
            fingerprint: alert.fingerprint.clone(),
        };
        let failed = NotifyReport {
            failed: 1,
            ..NotifyReport::default()
        };
        match self.ledger.claim(&key, now_ms()).await {
            Ok(Claim::Taken) => {
                return NotifyReport {
                    already_posted: 1,
                    ..NotifyReport::default()
                };
            }
            Ok(Claim::Claimed) => {}
            Err(err) => {
                // Without a claim a post could repeat; SNS has the alert.
                tracing::warn!(target_name = target.as_str(), alert_id = %key.alert_id, error = %err, "webhook not posted: its delivery could not be claimed");
                return failed;
            }
        }
        let delivery = self
            .poster
            .deliver(url, &target.message(alert), until)
            .await;
        if let Err(err) = self
            .ledger
            .record(&key, delivery.attempts, &delivery.result)
            .await
        {
            tracing::warn!(target_name = target.as_str(), alert_id = %key.alert_id, error = %err, "recording a webhook delivery failed");
        }
        match delivery.result {
            Ok(()) => NotifyReport {
                posted: 1,
                ..NotifyReport::default()
            },
            Err(reason) => {
                tracing::warn!(
                    target_name = target.as_str(),
                    alert_id = %key.alert_id,
                    attempts = delivery.attempts,
                    reason = %reason,
                    "webhook post failed; the alert is still on SNS"
                );
                failed
            }
        }
    }

    /// Posts each alert to each target; targets in parallel, alerts in order per target.
    pub async fn notify(&self, alerts: &[Alert], deadline: Option<Instant>) -> NotifyReport {
        let until = match deadline {
            Some(deadline) => deadline
                .checked_sub(DEADLINE_RESERVE)
                .unwrap_or_else(Instant::now),
            None => Instant::now() + DEFAULT_BUDGET,
        };
        let urls = match self.urls.urls().await {
            Ok(urls) => urls,
            Err(err) => {
                tracing::warn!(error = %err, alerts = alerts.len(), "webhooks skipped; the alerts are still on SNS");
                return NotifyReport {
                    failed: alerts.len() as u64,
                    ..NotifyReport::default()
                };
            }
        };
        let per_target = urls.targets().into_iter().map(|(target, url)| async move {
            let mut report = NotifyReport::default();
            for alert in alerts {
                report.add(&self.deliver_one(target, url, alert, until).await);
            }
            report
        });
        let mut report = NotifyReport::default();
        for r in join_all(per_target).await {
            report.add(&r);
        }
        report
    }
}

/// An [`Alerter`] that publishes through `A` and then posts to the webhooks, if any.
#[derive(Debug)]
pub struct WithWebhooks<A, L> {
    alerter: A,
    webhooks: Option<Webhooks<L>>,
}

impl<A, L> WithWebhooks<A, L> {
    /// `alerter`, plus `webhooks` when configured.
    pub fn new(alerter: A, webhooks: Option<Webhooks<L>>) -> WithWebhooks<A, L> {
        WithWebhooks { alerter, webhooks }
    }

    /// The inner alerter.
    pub fn alerter(&self) -> &A {
        &self.alerter
    }

    /// The webhooks.
    pub fn webhooks(&self) -> Option<&Webhooks<L>> {
        self.webhooks.as_ref()
    }
}

impl<A: Alerter, L: DeliveryLedger> Alerter for WithWebhooks<A, L> {
    async fn publish(&self, alerts: &[Alert]) -> Vec<Result<(), AlertError>> {
        self.alerter.publish(alerts).await
    }

    async fn notify(&self, alerts: &[Alert], deadline: Option<Instant>) -> NotifyReport {
        match &self.webhooks {
            Some(webhooks) => webhooks.notify(alerts, deadline).await,
            None => NotifyReport::default(),
        }
    }
}

//! A simulated payment provider that fails the way real ones do: it declines cards and it
//! sometimes stops answering. The route puts a deadline on every call.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// A boxed future, so providers can sit behind `Arc<dyn PaymentProvider>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A failure asked for by the caller (`?fail=decline` / `?fail=timeout`), for demos and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForcedFailure {
    /// The issuer declines the card.
    Decline,
    /// The provider never answers (the route's deadline cuts the call).
    Timeout,
}

impl FromStr for ForcedFailure {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "decline" => Ok(ForcedFailure::Decline),
            "timeout" => Ok(ForcedFailure::Timeout),
            other => Err(format!("unknown failure {other:?}: use decline or timeout")),
        }
    }
}

/// What the provider said no with.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProviderError {
    /// The card issuer refused the charge.
    #[error("card declined by issuer: {reason}")]
    Declined {
        /// The issuer's reason code.
        reason: &'static str,
    },
}

/// Why paying an order failed, with the underlying cause as `source()`, so the ERROR record
/// shows the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider answered with a refusal.
    #[error("payment provider refused the charge of {amount_cents} cents for order {order_id}")]
    Refused {
        /// The order being paid.
        order_id: u64,
        /// The amount charged.
        amount_cents: u64,
        /// The provider's refusal.
        #[source]
        source: ProviderError,
    },
    /// The provider did not answer before the deadline.
    #[error("payment provider did not answer within {deadline_ms} ms")]
    TimedOut {
        /// The deadline that elapsed.
        deadline_ms: u128,
        /// Tokio's timeout error.
        #[source]
        source: tokio::time::error::Elapsed,
    },
}

/// A payment provider: charges an amount for an order and returns a payment id.
pub trait PaymentProvider: Send + Sync + 'static {
    /// Charges `amount_cents` for `order_id`. `forced` makes this call fail on purpose.
    fn charge(
        &self,
        order_id: u64,
        amount_cents: u64,
        forced: Option<ForcedFailure>,
    ) -> BoxFuture<'_, Result<String, ProviderError>>;
}

/// Issuer reasons the simulator picks from, as real acquirers report them.
const DECLINE_REASONS: [&str; 3] = ["insufficient_funds", "do_not_honor", "expired_card"];

/// How long a "hung" provider call sleeps: far past any sensible deadline.
const HANG: Duration = Duration::from_secs(3600);

/// Settings of [`SimulatedProvider`].
#[derive(Debug, Clone)]
pub struct SimulatedSettings {
    /// Latency of a normal answer.
    pub latency: Duration,
    /// Share of calls declined at random (0.0 to 1.0).
    pub decline_rate: f64,
    /// Share of calls that hang at random (0.0 to 1.0).
    pub timeout_rate: f64,
    /// Seed of the random choices; `None` seeds from the OS.
    pub seed: Option<u64>,
}

/// A provider that answers after `latency`, declines or hangs at the configured rates, and
/// always fails when asked to.
#[derive(Debug)]
pub struct SimulatedProvider {
    latency: Duration,
    decline_rate: f64,
    timeout_rate: f64,
    rng: Mutex<StdRng>,
}

impl SimulatedProvider {
    /// A provider with the given behaviour.
    pub fn new(settings: SimulatedSettings) -> Self {
        let rng = match settings.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        SimulatedProvider {
            latency: settings.latency,
            decline_rate: settings.decline_rate.clamp(0.0, 1.0),
            timeout_rate: settings.timeout_rate.clamp(0.0, 1.0),
            rng: Mutex::new(rng),
        }
    }

    /// What this call will do, decided up front so the lock is not held across an await.
    fn decide(&self, forced: Option<ForcedFailure>) -> Outcome {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let roll: f64 = rng.random();
        let reason = DECLINE_REASONS[rng.random_range(0..DECLINE_REASONS.len())];
        let payment = format!("pay_{:016x}", rng.random::<u64>());
        match forced {
            Some(ForcedFailure::Decline) => Outcome::Decline(reason),
            Some(ForcedFailure::Timeout) => Outcome::Hang,
            None if roll < self.decline_rate => Outcome::Decline(reason),
            None if roll < self.decline_rate + self.timeout_rate => Outcome::Hang,
            None => Outcome::Approve(payment),
        }
    }
}

enum Outcome {
    Approve(String),
    Decline(&'static str),
    Hang,
}

impl PaymentProvider for SimulatedProvider {
    fn charge(
        &self,
        _order_id: u64,
        _amount_cents: u64,
        forced: Option<ForcedFailure>,
    ) -> BoxFuture<'_, Result<String, ProviderError>> {
        let outcome = self.decide(forced);
        let latency = self.latency;
        Box::pin(async move {
            match outcome {
                Outcome::Approve(id) => {
                    tokio::time::sleep(latency).await;
                    Ok(id)
                }
                Outcome::Decline(reason) => {
                    tokio::time::sleep(latency).await;
                    Err(ProviderError::Declined { reason })
                }
                Outcome::Hang => {
                    tokio::time::sleep(HANG).await;
                    Err(ProviderError::Declined { reason: "hung_up" })
                }
            }
        })
    }
}

/// Charges through `provider`, giving up after `deadline`.
pub async fn pay(
    provider: &dyn PaymentProvider,
    order_id: u64,
    amount_cents: u64,
    forced: Option<ForcedFailure>,
    deadline: Duration,
) -> Result<String, PaymentError> {
    let call = provider.charge(order_id, amount_cents, forced);
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(payment_id)) => Ok(payment_id),
        Ok(Err(source)) => Err(PaymentError::Refused {
            order_id,
            amount_cents,
            source,
        }),
        Err(source) => Err(PaymentError::TimedOut {
            deadline_ms: deadline.as_millis(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(decline_rate: f64, timeout_rate: f64) -> SimulatedProvider {
        SimulatedProvider::new(SimulatedSettings {
            latency: Duration::ZERO,
            decline_rate,
            timeout_rate,
            seed: Some(7),
        })
    }

    #[tokio::test]
    async fn a_reliable_provider_approves() {
        let id = pay(&provider(0.0, 0.0), 1, 500, None, Duration::from_secs(1))
            .await
            .unwrap();
        assert!(id.starts_with("pay_"), "{id}");
    }

    #[tokio::test]
    async fn a_forced_decline_keeps_the_cause_as_source() {
        let err = pay(
            &provider(0.0, 0.0),
            1,
            500,
            Some(ForcedFailure::Decline),
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert!(matches!(
            err,
            PaymentError::Refused {
                order_id: 1,
                amount_cents: 500,
                ..
            }
        ));
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.starts_with("card declined by issuer: "), "{source}");
    }

    #[tokio::test]
    async fn a_forced_timeout_is_cut_by_the_deadline() {
        let err = pay(
            &provider(0.0, 0.0),
            1,
            500,
            Some(ForcedFailure::Timeout),
            Duration::from_millis(20),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                PaymentError::TimedOut {
                    deadline_ms: 20,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn random_failures_follow_the_rates() {
        let p = provider(0.3, 0.1);
        let (mut declines, mut hangs) = (0, 0);
        for _ in 0..10_000 {
            match p.decide(None) {
                Outcome::Decline(_) => declines += 1,
                Outcome::Hang => hangs += 1,
                Outcome::Approve(_) => {}
            }
        }
        assert!((2_700..3_300).contains(&declines), "{declines}");
        assert!((700..1_300).contains(&hangs), "{hangs}");
    }

    #[test]
    fn forced_failures_parse() {
        assert_eq!("timeout".parse(), Ok(ForcedFailure::Timeout));
        assert!("sometimes".parse::<ForcedFailure>().is_err());
    }
}

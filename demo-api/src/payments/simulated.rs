//! A simulated card processor that fails the way real ones do: it declines cards and it
//! sometimes stops answering. Callers put a deadline on every call ([`super::pay`]).

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{BoxFuture, Charge, ForcedFailure, PaymentProvider, ProviderError};
use crate::trace_context::TraceContext;

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
        charge: Charge,
        _trace: &TraceContext,
    ) -> BoxFuture<'_, Result<String, ProviderError>> {
        let outcome = self.decide(charge.fail);
        let latency = self.latency;
        Box::pin(async move {
            match outcome {
                Outcome::Approve(id) => {
                    tokio::time::sleep(latency).await;
                    Ok(id)
                }
                Outcome::Decline(reason) => {
                    tokio::time::sleep(latency).await;
                    Err(ProviderError::Declined {
                        reason: reason.to_owned(),
                    })
                }
                Outcome::Hang => {
                    tokio::time::sleep(HANG).await;
                    Err(ProviderError::Declined {
                        reason: "hung_up".to_owned(),
                    })
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_failures_follow_the_rates() {
        let p = SimulatedProvider::new(SimulatedSettings {
            latency: Duration::ZERO,
            decline_rate: 0.3,
            timeout_rate: 0.1,
            seed: Some(7),
        });
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
}

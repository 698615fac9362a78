//! Which fault, if any, the next request gets: a scripted queue first, then seeded random
//! rates, with an outage switch above both. Pure decisions; the server applies them.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::time::Duration;

/// A fault injected into one `PutLogEvents` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 400 `ThrottlingException`.
    Throttle,
    /// HTTP 429 `ThrottlingException`.
    TooManyRequests,
    /// HTTP 500 `InternalFailure`.
    Internal,
    /// HTTP 503 `ServiceUnavailableException`.
    Unavailable,
    /// Wait, then handle the request normally.
    Slow(Duration),
    /// Close the connection without answering; nothing is stored.
    Reset,
    /// Store the events, then close the connection without answering. The client cannot know
    /// the batch landed, so its retry stores it a second time unless sequence tokens are
    /// enforced (then the retry gets `DataAlreadyAcceptedException`). This duplicate is
    /// unavoidable in the protocol since CloudWatch stopped enforcing tokens. A batch the
    /// endpoint refuses (limits, missing stream, token) is answered normally instead.
    ResetAfterAccept,
    /// HTTP 400 `ResourceNotFoundException` (nothing is changed: the stream still exists).
    ResourceNotFound,
    /// HTTP 400 `InvalidSequenceTokenException` carrying the stream's real expected token.
    InvalidSequenceToken,
    /// HTTP 400 `DataAlreadyAcceptedException` carrying the stream's real expected token
    /// (nothing is stored).
    DataAlreadyAccepted,
    /// HTTP 400 `AccessDeniedException`.
    AccessDenied,
    /// HTTP 400 `InvalidParameterException` (not counted as a violation: it was injected).
    InvalidParameter,
}

/// A fault's kind, for counters (a [`Fault::Slow`] of any length is [`FaultKind::Slow`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// See [`Fault::Throttle`].
    Throttle,
    /// See [`Fault::TooManyRequests`].
    TooManyRequests,
    /// See [`Fault::Internal`].
    Internal,
    /// See [`Fault::Unavailable`].
    Unavailable,
    /// See [`Fault::Slow`].
    Slow,
    /// See [`Fault::Reset`].
    Reset,
    /// See [`Fault::ResetAfterAccept`].
    ResetAfterAccept,
    /// See [`Fault::ResourceNotFound`].
    ResourceNotFound,
    /// See [`Fault::InvalidSequenceToken`].
    InvalidSequenceToken,
    /// See [`Fault::DataAlreadyAccepted`].
    DataAlreadyAccepted,
    /// See [`Fault::AccessDenied`].
    AccessDenied,
    /// See [`Fault::InvalidParameter`].
    InvalidParameter,
    /// A request refused because the outage switch was on (any operation).
    Outage,
}

impl Fault {
    /// The counter this fault goes to.
    pub fn kind(self) -> FaultKind {
        match self {
            Fault::Throttle => FaultKind::Throttle,
            Fault::TooManyRequests => FaultKind::TooManyRequests,
            Fault::Internal => FaultKind::Internal,
            Fault::Unavailable => FaultKind::Unavailable,
            Fault::Slow(_) => FaultKind::Slow,
            Fault::Reset => FaultKind::Reset,
            Fault::ResetAfterAccept => FaultKind::ResetAfterAccept,
            Fault::ResourceNotFound => FaultKind::ResourceNotFound,
            Fault::InvalidSequenceToken => FaultKind::InvalidSequenceToken,
            Fault::DataAlreadyAccepted => FaultKind::DataAlreadyAccepted,
            Fault::AccessDenied => FaultKind::AccessDenied,
            Fault::InvalidParameter => FaultKind::InvalidParameter,
        }
    }
}

/// Default added latency of a random [`Fault::Slow`].
pub const DEFAULT_SLOW_DELAY: Duration = Duration::from_millis(200);

/// Probabilities (0.0..=1.0, summing to at most 1) that a `PutLogEvents` request without a
/// scripted fault gets a random one. One draw per request from a RNG seeded with `seed`, so
/// the same request sequence gets the same faults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultRates {
    /// [`Fault::Throttle`].
    pub throttle: f64,
    /// [`Fault::Unavailable`] (503).
    pub unavailable: f64,
    /// [`Fault::Internal`] (500).
    pub internal: f64,
    /// [`Fault::Reset`].
    pub reset: f64,
    /// [`Fault::ResetAfterAccept`].
    pub reset_after_accept: f64,
    /// [`Fault::Slow`] with [`FaultRates::slow_delay`].
    pub slow: f64,
    /// Delay of a random slow request ([`DEFAULT_SLOW_DELAY`]).
    pub slow_delay: Duration,
    /// RNG seed.
    pub seed: u64,
}

impl Default for FaultRates {
    fn default() -> Self {
        FaultRates {
            throttle: 0.0,
            unavailable: 0.0,
            internal: 0.0,
            reset: 0.0,
            reset_after_accept: 0.0,
            slow: 0.0,
            slow_delay: DEFAULT_SLOW_DELAY,
            seed: 0,
        }
    }
}

impl FaultRates {
    fn table(&self) -> [(f64, Fault); 6] {
        [
            (self.throttle, Fault::Throttle),
            (self.unavailable, Fault::Unavailable),
            (self.internal, Fault::Internal),
            (self.reset, Fault::Reset),
            (self.reset_after_accept, Fault::ResetAfterAccept),
            (self.slow, Fault::Slow(self.slow_delay)),
        ]
    }
}

/// How requests fail while the outage switch is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutageMode {
    /// Close the connection without answering.
    #[default]
    Reset,
    /// Answer HTTP 503 `ServiceUnavailableException`.
    Unavailable,
}

/// The fault decision state.
#[derive(Debug)]
pub(crate) struct FaultPlan {
    scripted: VecDeque<Fault>,
    rates: FaultRates,
    rng: StdRng,
    outage: Option<OutageMode>,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan {
            scripted: VecDeque::new(),
            rates: FaultRates::default(),
            rng: StdRng::seed_from_u64(0),
            outage: None,
        }
    }
}

impl FaultPlan {
    pub(crate) fn push(&mut self, faults: impl IntoIterator<Item = Fault>) {
        self.scripted.extend(faults);
    }

    /// Replaces the rates and reseeds the RNG.
    ///
    /// # Panics
    /// When a rate is outside 0..=1 or they sum above 1.
    pub(crate) fn set_rates(&mut self, rates: FaultRates) {
        let table = rates.table();
        assert!(
            table.iter().all(|(p, _)| (0.0..=1.0).contains(p)),
            "fault rates must be within 0..=1: {rates:?}"
        );
        let total: f64 = table.iter().map(|(p, _)| p).sum();
        assert!(total <= 1.0 + 1e-9, "fault rates sum to {total} > 1");
        self.rates = rates;
        self.rng = StdRng::seed_from_u64(rates.seed);
    }

    pub(crate) fn set_outage(&mut self, outage: Option<OutageMode>) {
        self.outage = outage;
    }

    pub(crate) fn outage(&self) -> Option<OutageMode> {
        self.outage
    }

    pub(crate) fn pending(&self) -> usize {
        self.scripted.len()
    }

    /// The fault for the next `PutLogEvents` request: scripted ones first (no random draw is
    /// spent on them, so scripts do not shift the random sequence), then one random draw.
    pub(crate) fn next_put(&mut self) -> Option<Fault> {
        if let Some(fault) = self.scripted.pop_front() {
            return Some(fault);
        }
        let table = self.rates.table();
        if table.iter().all(|(p, _)| *p == 0.0) {
            return None;
        }
        let draw: f64 = self.rng.random();
        let mut upper = 0.0;
        for (p, fault) in table {
            upper += p;
            if draw < upper {
                return Some(fault);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_faults_come_in_order_then_none() {
        let mut plan = FaultPlan::default();
        plan.push([Fault::Throttle, Fault::Reset]);
        assert_eq!(plan.next_put(), Some(Fault::Throttle));
        assert_eq!(plan.next_put(), Some(Fault::Reset));
        assert_eq!(plan.next_put(), None);
    }

    fn sequence(rates: FaultRates, n: usize) -> Vec<Option<Fault>> {
        let mut plan = FaultPlan::default();
        plan.set_rates(rates);
        (0..n).map(|_| plan.next_put()).collect()
    }

    #[test]
    fn seeded_rates_repeat_and_roughly_match() {
        let rates = FaultRates {
            throttle: 0.3,
            unavailable: 0.05,
            reset: 0.02,
            seed: 7,
            ..FaultRates::default()
        };
        let a = sequence(rates, 10_000);
        assert_eq!(a, sequence(rates, 10_000));
        let throttles = a.iter().filter(|f| **f == Some(Fault::Throttle)).count();
        assert!((2_500..3_500).contains(&throttles), "{throttles}");
        let other_seed = sequence(FaultRates { seed: 8, ..rates }, 10_000);
        assert_ne!(a, other_seed);
    }

    #[test]
    fn certain_rate_always_fires() {
        let rates = FaultRates {
            slow: 1.0,
            slow_delay: Duration::from_millis(3),
            ..FaultRates::default()
        };
        assert!(
            sequence(rates, 100)
                .iter()
                .all(|f| *f == Some(Fault::Slow(Duration::from_millis(3))))
        );
    }

    #[test]
    #[should_panic(expected = "sum")]
    fn rates_above_one_are_refused() {
        FaultPlan::default().set_rates(FaultRates {
            throttle: 0.7,
            reset: 0.7,
            ..FaultRates::default()
        });
    }
}

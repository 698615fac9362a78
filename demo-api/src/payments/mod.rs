//! Charging an order, behind the [`PaymentProvider`] trait, with a deadline on every call.
//!
//! Two providers:
//! - [`simulated::SimulatedProvider`]: a card processor that fails the way real ones do (it
//!   declines cards and sometimes stops answering). The `payments` service charges through it.
//! - [`http::HttpProvider`]: the `payments` service over HTTP, carrying the trace context
//!   on. The `orders` service charges through it.
//!
//! [`wire`] is the JSON both sides of that HTTP call agree on.

pub mod http;
pub mod simulated;
pub mod wire;

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use simulated::{SimulatedProvider, SimulatedSettings};

use crate::trace_context::TraceContext;

/// A boxed future, so providers can sit behind `Arc<dyn PaymentProvider>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A failure asked for by the caller (`?fail=decline` / `?fail=timeout`), for demos and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForcedFailure {
    /// The issuer declines the card.
    Decline,
    /// The card processor never answers (a deadline cuts the call).
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

/// One charge: what the orders service asks the payments service for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charge {
    /// The order being paid.
    pub order_id: u64,
    /// The amount, in cents.
    pub amount_cents: u64,
    /// A failure to force, for demos and tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<ForcedFailure>,
}

/// What the provider said no with.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The card issuer refused the charge.
    #[error("card declined by issuer: {reason}")]
    Declined {
        /// The issuer's reason code.
        reason: String,
    },
    /// The payments service answered that its card processor did not answer in time.
    #[error("payments service timed out: {message}")]
    UpstreamTimedOut {
        /// The payments service's own words.
        message: String,
    },
    /// The payments service answered something we cannot use (a 5xx, an unexpected status,
    /// a body that is not the agreed JSON).
    #[error("payments service answered {status}: {message}")]
    BadAnswer {
        /// The HTTP status.
        status: u16,
        /// Its error message, or what was wrong with the body.
        message: String,
    },
    /// The payments service could not be reached.
    #[error("payments service unreachable at {url}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
}

/// Why paying an order failed, with the underlying cause as `source()`, so the ERROR record
/// shows the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The card was declined.
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
    /// The payments service failed, or timed out on its own side, or was unreachable.
    #[error("payments service could not charge order {order_id}")]
    Failed {
        /// The order being paid.
        order_id: u64,
        /// What went wrong there.
        #[source]
        source: ProviderError,
    },
}

impl PaymentError {
    /// The status a service answers with for this failure: 402 for a declined card (the
    /// customer's problem), 504 when a deadline elapsed here or further down, 502 when the
    /// payments service failed or could not be reached.
    pub fn status(&self) -> ::http::StatusCode {
        match self {
            PaymentError::Refused { .. } => ::http::StatusCode::PAYMENT_REQUIRED,
            PaymentError::TimedOut { .. }
            | PaymentError::Failed {
                source: ProviderError::UpstreamTimedOut { .. },
                ..
            } => ::http::StatusCode::GATEWAY_TIMEOUT,
            PaymentError::Failed { .. } => ::http::StatusCode::BAD_GATEWAY,
        }
    }
}

/// A payment provider: charges an amount for an order and returns a payment id.
pub trait PaymentProvider: Send + Sync + 'static {
    /// Charges as `charge` says, within the trace `trace` (which a remote provider carries on).
    fn charge(
        &self,
        charge: Charge,
        trace: &TraceContext,
    ) -> BoxFuture<'_, Result<String, ProviderError>>;
}

/// Charges through `provider`, giving up after `deadline`.
pub async fn pay(
    provider: &dyn PaymentProvider,
    charge: Charge,
    trace: &TraceContext,
    deadline: Duration,
) -> Result<String, PaymentError> {
    let call = provider.charge(charge, trace);
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(payment_id)) => Ok(payment_id),
        Ok(Err(source @ ProviderError::Declined { .. })) => Err(PaymentError::Refused {
            order_id: charge.order_id,
            amount_cents: charge.amount_cents,
            source,
        }),
        Ok(Err(source)) => Err(PaymentError::Failed {
            order_id: charge.order_id,
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
    use ::http::StatusCode;

    use super::*;

    fn provider() -> SimulatedProvider {
        SimulatedProvider::new(SimulatedSettings {
            latency: Duration::ZERO,
            decline_rate: 0.0,
            timeout_rate: 0.0,
            seed: Some(7),
        })
    }

    fn charge(fail: Option<ForcedFailure>) -> Charge {
        Charge {
            order_id: 1,
            amount_cents: 500,
            fail,
        }
    }

    fn trace() -> TraceContext {
        TraceContext::from_headers(&::http::HeaderMap::new())
    }

    #[tokio::test]
    async fn a_reliable_provider_approves() {
        let id = pay(&provider(), charge(None), &trace(), Duration::from_secs(1))
            .await
            .unwrap();
        assert!(id.starts_with("pay_"), "{id}");
    }

    #[tokio::test]
    async fn a_forced_decline_keeps_the_cause_as_source() {
        let err = pay(
            &provider(),
            charge(Some(ForcedFailure::Decline)),
            &trace(),
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
        assert_eq!(err.status(), StatusCode::PAYMENT_REQUIRED);
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.starts_with("card declined by issuer: "), "{source}");
    }

    #[tokio::test]
    async fn a_forced_timeout_is_cut_by_the_deadline() {
        let err = pay(
            &provider(),
            charge(Some(ForcedFailure::Timeout)),
            &trace(),
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
        assert_eq!(err.status(), StatusCode::GATEWAY_TIMEOUT);
    }

    #[test]
    fn remote_failures_map_to_gateway_statuses() {
        let failed = |source| PaymentError::Failed {
            order_id: 1,
            source,
        };
        let timed_out = failed(ProviderError::UpstreamTimedOut {
            message: "slow".into(),
        });
        assert_eq!(timed_out.status(), StatusCode::GATEWAY_TIMEOUT);
        let broken = failed(ProviderError::BadAnswer {
            status: 500,
            message: "internal error".into(),
        });
        assert_eq!(broken.status(), StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn forced_failures_parse() {
        assert_eq!("timeout".parse(), Ok(ForcedFailure::Timeout));
        assert!("sometimes".parse::<ForcedFailure>().is_err());
    }
}

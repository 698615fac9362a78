//! What the layer, the worker and the guard share: the byte budget, the counters, the
//! worker's wake-up and the rate-limited diagnostics. A leaf, so that each of them can hold it
//! without importing the others.

use crate::budget::Budget;
use crate::diagnostic::Diagnostics;
use crate::metrics::Metrics;

/// State shared by the layer, the worker and the guard.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) budget: Budget,
    pub(crate) metrics: Metrics,
    pub(crate) wake: tokio::sync::Notify,
    pub(crate) diagnostics: Diagnostics,
}

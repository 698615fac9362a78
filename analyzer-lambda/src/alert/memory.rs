//! An in-memory [`Alerter`] for tests and benchmarks.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Alert, AlertError, Alerter};

/// Keeps every published alert; can be told to fail the next publishes.
#[derive(Debug, Default)]
pub struct MemoryAlerter {
    sent: Mutex<Vec<Alert>>,
    failures_left: AtomicUsize,
}

impl MemoryAlerter {
    /// An alerter that accepts everything.
    pub fn new() -> MemoryAlerter {
        MemoryAlerter::default()
    }

    /// Makes the next `n` alerts fail with a transient error.
    pub fn fail_next(&self, n: usize) {
        self.failures_left.store(n, Ordering::SeqCst);
    }

    /// The alerts published so far.
    pub fn sent(&self) -> Vec<Alert> {
        self.sent.lock().expect("not poisoned").clone()
    }
}

impl Alerter for MemoryAlerter {
    async fn publish(&self, alerts: &[Alert]) -> Vec<Result<(), AlertError>> {
        alerts
            .iter()
            .map(|alert| {
                let failed = self
                    .failures_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if failed {
                    return Err(AlertError {
                        message: "injected failure".into(),
                        transient: true,
                    });
                }
                self.sent.lock().expect("not poisoned").push(alert.clone());
                Ok(())
            })
            .collect()
    }
}

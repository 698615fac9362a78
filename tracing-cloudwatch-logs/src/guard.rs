//! The guard that keeps the worker alive, and a cloneable handle for flushes and metrics.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::metrics::MetricsSnapshot;
use crate::shared::Shared;
use crate::worker::{Completion, Message};

/// Flushes and stops the worker when dropped.
///
/// Dropping the guard delivers what is buffered, waiting at most the builder's
/// `shutdown_timeout` (default 5 s), and needs no async runtime: call it from `main`'s end,
/// from a signal handler's aftermath, or from inside a Tokio runtime alike. Every event
/// emitted before the drop returns is then either delivered or counted in
/// [`Dropped::shutdown`](crate::Dropped::shutdown); events emitted afterwards are counted
/// there too.
///
/// Bind it to a named variable (`let _guard = ...`): `let _ = ...` drops it at once, which
/// shuts the worker down before the first event.
#[must_use = "dropping the guard shuts the worker down: keep it alive while the program logs"]
#[derive(Debug)]
pub struct WorkerGuard {
    handle: CloudWatchHandle,
    shutdown_timeout: Duration,
    thread: Option<JoinHandle<()>>,
}

/// A cheap, cloneable handle to a running layer: metrics and flushes, without ownership of
/// the worker (for request middleware, Lambda handlers, health endpoints).
#[derive(Debug, Clone)]
pub struct CloudWatchHandle {
    shared: Arc<Shared>,
    queue: Sender<Message>,
}

impl WorkerGuard {
    pub(crate) fn new(
        shared: Arc<Shared>,
        queue: Sender<Message>,
        shutdown_timeout: Duration,
        thread: JoinHandle<()>,
    ) -> Self {
        WorkerGuard {
            handle: CloudWatchHandle { shared, queue },
            shutdown_timeout,
            thread: Some(thread),
        }
    }

    /// A handle that outlives nothing: metrics and flushes from anywhere.
    pub fn handle(&self) -> CloudWatchHandle {
        self.handle.clone()
    }

    /// The layer's counters now.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.handle.metrics()
    }

    /// Sends everything emitted so far and waits until it is delivered or dropped.
    pub async fn flush(&self) {
        self.handle.flush().await;
    }

    /// Flushes, stops the worker and waits for it (at most `shutdown_timeout`). Returns the
    /// final metrics. Dropping the guard afterwards does nothing more.
    pub async fn shutdown(mut self) -> MetricsSnapshot {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let deadline = Instant::now() + self.shutdown_timeout;
        if self.send_shutdown(deadline, Completion::Async(tx)) {
            let _ = rx.await;
        }
        self.thread.take();
        self.handle.metrics()
    }

    fn send_shutdown(&self, deadline: Instant, done: Completion) -> bool {
        self.handle.shared.wake.notify_one();
        let sent = self
            .handle
            .queue
            .send(Message::Shutdown { deadline, done })
            .is_ok();
        self.handle.shared.wake.notify_one();
        sent
    }
}

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let deadline = Instant::now() + self.shutdown_timeout;
        if self.send_shutdown(deadline, Completion::Blocking(tx)) {
            // The worker enforces the deadline itself; the margin covers its bookkeeping.
            let _ = rx.recv_timeout(self.shutdown_timeout + Duration::from_millis(500));
        }
        if thread.is_finished() {
            let _ = thread.join();
        }
    }
}

impl CloudWatchHandle {
    /// The layer's counters now.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.shared.metrics.snapshot(self.shared.budget.used())
    }

    /// Sends everything emitted so far and waits until it is delivered or dropped. Returns
    /// at once if the worker has stopped.
    ///
    /// With CloudWatch unreachable that is as long as a batch is retried
    /// ([`Builder::max_retry_duration`](crate::Builder::max_retry_duration), 5 minutes by
    /// default): bound it where time is short, as `examples/lambda.rs` does with the
    /// invocation's deadline (`tokio::time::timeout(left, handle.flush())`); what is not sent
    /// yet stays buffered.
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self
            .queue
            .send(Message::Flush(Completion::Async(tx)))
            .is_ok()
        {
            self.shared.wake.notify_one();
            let _ = rx.await;
        }
    }

    /// [`flush`](Self::flush) for code without an async runtime: blocks the calling thread
    /// for at most `timeout`. Returns whether the flush completed.
    pub fn flush_blocking(&self, timeout: Duration) -> bool {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        if self
            .queue
            .send(Message::Flush(Completion::Blocking(tx)))
            .is_err()
        {
            return true;
        }
        self.shared.wake.notify_one();
        rx.recv_timeout(timeout).is_ok()
    }
}

//! The memory bound: bytes held anywhere between the application thread and CloudWatch.
//!
//! One atomic word holds the bytes in use and a "closed" bit. Application threads reserve
//! bytes before they queue an event; the worker gives them back when the event's batch is
//! delivered or dropped. Closing makes every later reservation fail, which is how shutdown
//! knows no event can slip into the queue after its final drain.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

const CLOSED: u64 = 1 << 63;

/// What the application thread does when the buffer is full.
///
/// | policy | the application thread | cost |
/// |---|---|---|
/// | `DropNewest` (default) | never waits | events are dropped (and counted) while the buffer is full |
/// | `Block { timeout }` | waits up to `timeout` for room, then drops | a slow or unreachable endpoint slows the application down |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Backpressure {
    /// Drop the event that does not fit. The application never waits for the layer.
    #[default]
    DropNewest,
    /// Wait up to `timeout` for room, then drop the event.
    Block {
        /// The longest one event may wait.
        timeout: Duration,
    },
}

/// Why a reservation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No room (after waiting, with `Block`).
    Full,
    /// The worker has shut down.
    Closed,
}

#[derive(Debug)]
pub(crate) struct Budget {
    state: AtomicU64,
    limit: u64,
    policy: Backpressure,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    room: Condvar,
}

impl Budget {
    pub(crate) fn new(limit: usize, policy: Backpressure) -> Self {
        Budget {
            state: AtomicU64::new(0),
            limit: limit as u64,
            policy,
            waiters: AtomicUsize::new(0),
            lock: Mutex::new(()),
            room: Condvar::new(),
        }
    }

    /// Reserves `bytes`, following the policy when there is no room. Returns the bytes in
    /// use before the reservation.
    pub(crate) fn reserve(&self, bytes: usize) -> Result<usize, Refusal> {
        match self.try_reserve(bytes) {
            Err(Refusal::Full) => {}
            other => return other,
        }
        let Backpressure::Block { timeout } = self.policy else {
            return Err(Refusal::Full);
        };
        let deadline = Instant::now() + timeout;
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let result = self.wait_for_room(bytes, deadline);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        result
    }

    fn wait_for_room(&self, bytes: usize, deadline: Instant) -> Result<usize, Refusal> {
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match self.try_reserve(bytes) {
                Err(Refusal::Full) => {}
                other => return other,
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Refusal::Full);
            }
            guard = self
                .room
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn try_reserve(&self, bytes: usize) -> Result<usize, Refusal> {
        let bytes = bytes as u64;
        let mut current = self.state.load(Ordering::Relaxed);
        loop {
            if current & CLOSED != 0 {
                return Err(Refusal::Closed);
            }
            if current + bytes > self.limit {
                return Err(Refusal::Full);
            }
            match self.state.compare_exchange_weak(
                current,
                current + bytes,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(before) => return Ok(before as usize),
                Err(actual) => current = actual,
            }
        }
    }

    /// Reserves `bytes` even past the limit: for the layer's own small drop reports, which
    /// must not be lost to the condition they report.
    pub(crate) fn force_reserve(&self, bytes: usize) {
        self.state.fetch_add(bytes as u64, Ordering::AcqRel);
    }

    /// Gives `bytes` back and wakes blocked application threads.
    pub(crate) fn release(&self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        self.state.fetch_sub(bytes as u64, Ordering::AcqRel);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.room.notify_all();
        }
    }

    /// Bytes reserved now.
    pub(crate) fn used(&self) -> usize {
        (self.state.load(Ordering::Acquire) & !CLOSED) as usize
    }

    /// The bound.
    pub(crate) fn limit(&self) -> usize {
        self.limit as usize
    }

    /// Refuses every later reservation (and wakes blocked threads so they give up).
    pub(crate) fn close(&self) {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.room.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn reservations_stop_at_the_limit() {
        let b = Budget::new(100, Backpressure::DropNewest);
        assert_eq!(b.reserve(60), Ok(0));
        assert_eq!(b.reserve(41), Err(Refusal::Full));
        assert_eq!(b.reserve(40), Ok(60));
        b.release(50);
        assert_eq!(b.used(), 50);
    }

    #[test]
    fn closing_refuses_everything_after() {
        let b = Budget::new(100, Backpressure::DropNewest);
        b.reserve(10).unwrap();
        b.close();
        assert_eq!(b.reserve(1), Err(Refusal::Closed));
        assert_eq!(b.used(), 10);
        b.release(10);
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn blocking_waits_for_room_then_gives_up() {
        let b = Arc::new(Budget::new(
            100,
            Backpressure::Block {
                timeout: Duration::from_secs(10),
            },
        ));
        b.reserve(100).unwrap();
        let waiter = {
            let b = Arc::clone(&b);
            std::thread::spawn(move || b.reserve(30))
        };
        while b.waiters.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        b.release(50);
        assert_eq!(waiter.join().unwrap(), Ok(50));

        let quick = Budget::new(
            10,
            Backpressure::Block {
                timeout: Duration::from_millis(1),
            },
        );
        quick.reserve(10).unwrap();
        assert_eq!(quick.reserve(1), Err(Refusal::Full));
    }
}

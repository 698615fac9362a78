//! What the layer, the worker and the guard share: the byte budget, the lanes records wait
//! in, the counters, the worker's wake-up and the rate-limited diagnostics. A leaf, so that
//! each of them can hold it without importing the others.

use crate::budget::{Backpressure, Budget};
use crate::chunk::Lanes;
use crate::diagnostic::Diagnostics;
use crate::metrics::Metrics;

/// The share of `buffer_bytes` kept for the copies that requests being sent make of their
/// batch (the JSON body the SDK client writes, see `put_body`): one part in
/// `REQUEST_SHARE_DIVISOR`. Events held by the layer get the rest, so the two together stay
/// within the bound.
pub(crate) const REQUEST_SHARE_DIVISOR: usize = 4;

/// Threads of the worker's runtime that run deliveries (request serialisation, signing,
/// HTTP), while the worker's own thread batches.
///
/// Also the divisor of the requests' share among them: glibc's allocator keeps the memory a
/// thread freed in that thread's own arena, so after an outage each delivery thread can hold
/// as much as the copies it had alive at once. Giving the copies in flight only
/// `share / DELIVERY_THREADS` keeps what the threads can retain together within the share
/// (measured in BENCHMARKS.md: 1.55 x the bound at 16 MiB before, with one arena 1.16 x).
pub(crate) const DELIVERY_THREADS: usize = 2;

/// State shared by the layer, the worker and the guard.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Bytes of events held (in lanes, batches, in flight, awaiting retry).
    pub(crate) budget: Budget,
    /// KiB available to the copies of requests being sent, see [`REQUEST_SHARE_DIVISOR`]
    /// and [`DELIVERY_THREADS`].
    pub(crate) request_room: tokio::sync::Semaphore,
    /// The permits `request_room` started with.
    pub(crate) request_room_kib: u32,
    pub(crate) lanes: Lanes,
    pub(crate) metrics: Metrics,
    pub(crate) wake: tokio::sync::Notify,
    pub(crate) diagnostics: Diagnostics,
}

impl Shared {
    pub(crate) fn new(buffer_bytes: usize, backpressure: Backpressure) -> Self {
        let requests = buffer_bytes / REQUEST_SHARE_DIVISOR;
        let request_room_kib = u32::try_from(requests / DELIVERY_THREADS / 1024)
            .unwrap_or(u32::MAX)
            .max(1);
        Shared {
            budget: Budget::new(buffer_bytes - requests, backpressure),
            request_room: tokio::sync::Semaphore::new(request_room_kib as usize),
            request_room_kib,
            lanes: Lanes::new(),
            metrics: Metrics::default(),
            wake: tokio::sync::Notify::new(),
            diagnostics: Diagnostics::default(),
        }
    }
}

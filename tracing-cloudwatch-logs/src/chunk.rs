//! Where application threads leave encoded records for the worker: a few lanes, each a
//! mutex around one chunk of record text that grows in place.
//!
//! A record is appended to a chunk (one `memcpy` into capacity the chunk already has), so
//! the application thread allocates nothing per event once the chunks have grown to the
//! traffic; the worker swaps a full chunk for an emptied one it kept from before. Each
//! thread sticks to one lane and only tries the others when its own is busy, so threads
//! rarely meet on a lock and the worker holds one only for a pointer swap.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// Records appended by application threads, waiting for the worker.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    text: String,
    /// Per record: its timestamp and where its text ends in `text`.
    ends: Vec<(i64, usize)>,
}

impl Chunk {
    pub(crate) fn push(&mut self, timestamp: i64, record: &str) {
        self.text.push_str(record);
        self.ends.push((timestamp, self.text.len()));
    }

    /// The records, in the order they were appended.
    pub(crate) fn records(&self) -> impl Iterator<Item = (i64, &str)> {
        let mut start = 0;
        self.ends.iter().map(move |&(timestamp, end)| {
            let record = &self.text[start..end];
            start = end;
            (timestamp, record)
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Empties the chunk, keeping its capacity for the next round.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Heap bytes the chunk holds (its capacity, used or not).
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<(i64, usize)>()
    }
}

/// The lanes of one layer.
#[derive(Debug)]
pub(crate) struct Lanes {
    lanes: Box<[Mutex<Chunk>]>,
}

static NEXT_LANE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's lane number (modulo the number of lanes), assigned on first use.
    static LANE: Cell<usize> = const { Cell::new(usize::MAX) };
}

fn lane_of_this_thread() -> usize {
    LANE.with(|lane| {
        if lane.get() == usize::MAX {
            lane.set(NEXT_LANE.fetch_add(1, Ordering::Relaxed));
        }
        lane.get()
    })
}

impl Lanes {
    /// Two lanes per core (at least two, at most 16): enough that threads seldom share one.
    pub(crate) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let count = (2 * cores).clamp(2, 16);
        Lanes {
            lanes: (0..count).map(|_| Mutex::default()).collect(),
        }
    }

    /// Appends one record, to this thread's lane unless another thread holds it.
    pub(crate) fn push(&self, timestamp: i64, record: &str) {
        let n = self.lanes.len();
        let own = lane_of_this_thread() % n;
        for i in 0..n {
            match self.lanes[(own + i) % n].try_lock() {
                Ok(mut chunk) => return chunk.push(timestamp, record),
                Err(TryLockError::Poisoned(e)) => return e.into_inner().push(timestamp, record),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        // Every lane busy at this instant: each is held for an append or a swap only.
        lock(&self.lanes[own]).push(timestamp, record);
    }

    /// Takes every non-empty chunk, leaving an empty one from `spares` in its place.
    pub(crate) fn take_all(&self, spares: &mut Vec<Chunk>, taken: &mut Vec<Chunk>) {
        for lane in self.lanes.iter() {
            let mut chunk = lock(lane);
            if !chunk.is_empty() {
                let spare = spares.pop().unwrap_or_default();
                taken.push(std::mem::replace(&mut *chunk, spare));
            }
        }
    }
}

fn lock(lane: &Mutex<Chunk>) -> MutexGuard<'_, Chunk> {
    lane.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order_with_their_timestamps() {
        let lanes = Lanes::new();
        lanes.push(1, "{\"a\":1}");
        lanes.push(2, "{\"b\":\"é\"}");
        let (mut spares, mut taken) = (Vec::new(), Vec::new());
        lanes.take_all(&mut spares, &mut taken);
        let records: Vec<(i64, &str)> = taken.iter().flat_map(Chunk::records).collect();
        assert_eq!(records, [(1, "{\"a\":1}"), (2, "{\"b\":\"é\"}")]);
        let mut again = Vec::new();
        lanes.take_all(&mut spares, &mut again);
        assert!(again.is_empty(), "a taken chunk is not taken twice");
    }

    #[test]
    fn a_cleared_chunk_keeps_its_capacity() {
        let mut chunk = Chunk::default();
        chunk.push(1, &"x".repeat(1000));
        let capacity = chunk.capacity_bytes();
        chunk.clear();
        assert!(chunk.is_empty());
        assert_eq!(chunk.capacity_bytes(), capacity);
    }
}

//! Where application threads leave encoded records for the worker: a few lanes, each a
//! mutex around one chunk of record text of a fixed size.
//!
//! A record is appended to a chunk (one `memcpy` into capacity the chunk already has), so
//! the application thread allocates nothing per event. A chunk that has no room for the next
//! record is set aside for the worker, and the lane takes a spare the worker made (allocating
//! only when the worker has fallen so far behind that none is left). Each thread sticks to
//! one lane and only tries the others when its own is busy, so threads rarely meet on a lock
//! and the worker holds one only for a pointer swap.
//!
//! The worker does not copy records out of a chunk: it hands them on as events that share
//! the chunk ([`Chunk::hand_over`]), and the chunk is freed when its last event is delivered
//! or dropped. When the worker copied each record into an event of its own, a record existed
//! twice until its chunk was emptied, in two threads' allocator arenas; when the worker
//! lagged behind a burst, the application thread's arena grew by the records waiting (1.5 to
//! 5.7 MiB at the peak, in `/proc/self/smaps`), on top of the copies the bound counted, and
//! the release outage bench at 16 MiB peaked at 1.09-1.34 x the bound. Sharing the chunks
//! brought it to 0.99-1.05 x (BENCHMARKS.md, issue 16). Chunks of a fixed size keep what a
//! partly filled chunk wastes small.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use crate::event::LogEvent;

/// Bytes of record text a chunk holds. The memory not counted against the bound is at most
/// two chunks a lane: the spare, and the unused end of the one being filled (which is given
/// back to the allocator when the worker takes the chunk).
pub(crate) const CHUNK_BYTES: usize = 64 * 1024;

/// Records appended by application threads, waiting for the worker.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    text: String,
    /// Per record: its timestamp and where its text ends in `text`.
    ends: Vec<(i64, usize)>,
}

impl Chunk {
    /// Whether `record` fits in the capacity the chunk already has.
    fn has_room_for(&self, record: &str) -> bool {
        self.text.capacity() - self.text.len() >= record.len()
    }

    /// Appends `record`. A chunk without capacity yet gets [`CHUNK_BYTES`] (or the record's
    /// size, if larger) at once rather than by doubling.
    fn push(&mut self, timestamp: i64, record: &str) {
        if !self.has_room_for(record) {
            self.text.reserve_exact(CHUNK_BYTES.max(record.len()));
        }
        self.text.push_str(record);
        self.ends.push((timestamp, self.text.len()));
    }

    /// Hands every record to `receive`, in the order they were appended, as events that share
    /// the chunk's text (shrunk to what it holds): each record stays where the application
    /// thread wrote it until the last of them is delivered. The chunk keeps its emptied index,
    /// and no text.
    pub(crate) fn hand_over(&mut self, mut receive: impl FnMut(LogEvent)) {
        let mut text = std::mem::take(&mut self.text);
        text.shrink_to_fit();
        let text = Arc::new(text);
        let mut start = 0;
        for &(timestamp, end) in &self.ends {
            receive(LogEvent::in_chunk(timestamp, Arc::clone(&text), start, end));
            start = end;
        }
        self.ends.clear();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// The lanes of one layer, the chunks that filled up, and the spares lanes take in their place.
#[derive(Debug)]
pub(crate) struct Lanes {
    lanes: Box<[Mutex<Chunk>]>,
    /// Chunks that had no room for a record, in the order they filled.
    full: Mutex<Vec<Chunk>>,
    /// Chunks with room and no records, made by the worker: at most one a lane.
    spares: Mutex<Vec<Chunk>>,
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
            full: Mutex::default(),
            spares: Mutex::default(),
        }
    }

    /// Appends one record, to this thread's lane unless another thread holds it.
    pub(crate) fn push(&self, timestamp: i64, record: &str) {
        let n = self.lanes.len();
        let own = lane_of_this_thread() % n;
        for i in 0..n {
            match self.lanes[(own + i) % n].try_lock() {
                Ok(mut chunk) => return self.push_to(&mut chunk, timestamp, record),
                Err(TryLockError::Poisoned(e)) => {
                    return self.push_to(&mut e.into_inner(), timestamp, record);
                }
                Err(TryLockError::WouldBlock) => {}
            }
        }
        // Every lane busy at this instant: each is held for an append or a swap only.
        self.push_to(&mut lock(&self.lanes[own]), timestamp, record);
    }

    /// Appends to `chunk`, a lane's, whose lock the caller holds. A chunk without room is
    /// set aside for the worker (or, if it holds nothing yet, dropped) for a spare.
    fn push_to(&self, chunk: &mut Chunk, timestamp: i64, record: &str) {
        if !chunk.has_room_for(record) {
            let spare = lock(&self.spares).pop().unwrap_or_default();
            let filled = std::mem::replace(chunk, spare);
            if !filled.is_empty() {
                lock(&self.full).push(filled);
            }
        }
        chunk.push(timestamp, record);
    }

    /// Takes every non-empty chunk, each lane's filled ones before its current one, leaving
    /// a spare (or, if none is left, an empty chunk without room) in each lane it takes from.
    pub(crate) fn take_all(&self, taken: &mut Vec<Chunk>) {
        for lane in self.lanes.iter() {
            let mut chunk = lock(lane);
            // Under the lane's lock, as in `push_to`: a chunk this lane filled is either
            // already in `full`, and taken now before the lane's current one, or not yet.
            taken.append(&mut lock(&self.full));
            if !chunk.is_empty() {
                let spare = lock(&self.spares).pop().unwrap_or_default();
                taken.push(std::mem::replace(&mut *chunk, spare));
            }
        }
    }

    /// Keeps one spare chunk a lane ready, reusing the index of `emptied` (a chunk handed
    /// over), and allocating the text here, on the worker's thread: application threads then
    /// allocate nothing, unless they fill every spare before the worker comes round.
    pub(crate) fn restock(&self, emptied: impl IntoIterator<Item = Chunk>) {
        let mut emptied = emptied.into_iter();
        let mut spares = lock(&self.spares);
        while spares.len() < self.lanes.len() {
            let mut spare = emptied.next().unwrap_or_default();
            spare.text.reserve_exact(CHUNK_BYTES);
            spares.push(spare);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(lanes: &Lanes) -> Vec<(i64, String)> {
        let mut taken = Vec::new();
        lanes.take_all(&mut taken);
        let mut records = Vec::new();
        for chunk in &mut taken {
            chunk.hand_over(|e| records.push((e.timestamp, e.message().to_owned())));
        }
        lanes.restock(taken);
        records
    }

    #[test]
    fn records_come_back_in_order_with_their_timestamps() {
        let lanes = Lanes::new();
        lanes.push(1, "{\"a\":1}");
        lanes.push(2, "{\"b\":\"é\"}");
        assert_eq!(
            take(&lanes),
            [(1, "{\"a\":1}".to_owned()), (2, "{\"b\":\"é\"}".to_owned())]
        );
        assert!(take(&lanes).is_empty(), "a taken chunk is not taken twice");
    }

    #[test]
    fn chunks_stay_at_their_size_and_keep_the_order_across_them() {
        let lanes = Lanes::new();
        let record = "r".repeat(1000);
        let count = 5 * CHUNK_BYTES / record.len();
        for i in 0..count {
            lanes.push(i as i64, &record);
        }
        let mut taken = Vec::new();
        lanes.take_all(&mut taken);
        assert!(taken.len() >= 5, "{} chunks", taken.len());
        assert!(taken.iter().all(|c| c.text.capacity() == CHUNK_BYTES));
        let mut order = Vec::new();
        for chunk in &mut taken {
            chunk.hand_over(|e| order.push(e.timestamp));
        }
        assert_eq!(order, (0..count as i64).collect::<Vec<_>>());
    }

    #[test]
    fn handed_over_events_share_the_chunk_shrunk_to_its_records() {
        let lanes = Lanes::new();
        lanes.push(1, "first");
        lanes.push(2, "second");
        let mut taken = Vec::new();
        lanes.take_all(&mut taken);
        let mut events = Vec::new();
        taken[0].hand_over(|e| events.push(e));
        assert_eq!(events[0].message(), "first");
        assert_eq!(events[1].message(), "second");
        assert!(taken[0].is_empty() && taken[0].text.capacity() == 0);
        assert_eq!(events[0].chunk_capacity(), Some("firstsecond".len()));
    }

    #[test]
    fn spares_are_made_by_the_restocking_thread_one_a_lane() {
        let lanes = Lanes::new();
        lanes.restock([]);
        assert_eq!(lock(&lanes.spares).len(), lanes.lanes.len());
        assert!(
            lock(&lanes.spares)
                .iter()
                .all(|c| c.text.capacity() == CHUNK_BYTES)
        );
        // A lane takes a spare for its first record, and another when that one fills, rather
        // than allocating.
        let record = "r".repeat(1000);
        lanes.push(0, &record);
        assert_eq!(lock(&lanes.spares).len(), lanes.lanes.len() - 1);
        for _ in 0..(CHUNK_BYTES / record.len()) {
            lanes.push(0, &record);
        }
        assert_eq!(lock(&lanes.spares).len(), lanes.lanes.len() - 2);
        lanes.restock([]);
        assert_eq!(lock(&lanes.spares).len(), lanes.lanes.len());
    }

    #[test]
    fn a_record_larger_than_a_chunk_gets_a_chunk_of_its_own() {
        let lanes = Lanes::new();
        lanes.push(1, "small");
        let large = "L".repeat(3 * CHUNK_BYTES);
        lanes.push(2, &large);
        assert_eq!(take(&lanes), [(1, "small".to_owned()), (2, large)]);
    }
}

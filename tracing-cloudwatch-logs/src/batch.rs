//! Groups events into `PutLogEvents` batches that respect every CloudWatch limit.
//!
//! Pure: time is passed in, nothing here touches the network.

use std::mem;

use crate::client::RejectedEvents;
use crate::event::LogEvent;
use crate::limits::{
    MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_SPAN, MAX_EVENT_AGE, MAX_EVENT_FUTURE,
};

/// A batch ready to send: chronological, within every limit.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The events, sorted by timestamp (stable: equal timestamps keep arrival order).
    pub events: Vec<LogEvent>,
    /// How many of `events` are the layer's own drop reports rather than application events.
    pub synthetic: usize,
    /// Sum of [`LogEvent::request_bytes`].
    pub bytes: usize,
}

impl Batch {
    /// Number of events.
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// Splits the batch's events into delivered and rejected, per `rejectedLogEventsInfo`.
    ///
    /// `too_old` and `expired` are end indexes (events before them were refused) and may
    /// overlap: an event counts once, as too old first. `too_new` is a start index. The
    /// layer's own drop reports carry the worker's current time, so they are never among the
    /// rejected and are counted apart.
    pub(crate) fn tally(&self, rejected: &RejectedEvents) -> Tally {
        let n = self.events.len();
        let too_old = rejected.too_old_end.unwrap_or(0).min(n);
        let front = rejected.expired_end.unwrap_or(0).min(n).max(too_old);
        let too_new_start = rejected.too_new_start.unwrap_or(n).clamp(front, n);
        let bytes_delivered = self.events[front..too_new_start]
            .iter()
            .map(LogEvent::request_bytes)
            .sum();
        Tally {
            delivered: (too_new_start - front).saturating_sub(self.synthetic),
            drop_reports: self.synthetic.min(too_new_start - front),
            too_old,
            expired: front - too_old,
            too_new: n - too_new_start,
            bytes_delivered,
        }
    }
}

/// What happened to the events of a stored batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) delivered: usize,
    pub(crate) drop_reports: usize,
    pub(crate) too_old: usize,
    pub(crate) expired: usize,
    pub(crate) too_new: usize,
    pub(crate) bytes_delivered: usize,
}

/// Why an event was not added to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Older than [`MAX_EVENT_AGE`]: CloudWatch would reject it.
    TooOld,
    /// More than [`MAX_EVENT_FUTURE`] ahead: CloudWatch would reject it.
    TooNew,
}

/// Accumulates events and seals batches when a limit would be crossed.
#[derive(Debug, Default)]
pub struct BatchBuilder {
    current: Batch,
    min_ts: i64,
    max_ts: i64,
}

impl BatchBuilder {
    /// Adds `event`, returning the batch it sealed (if adding it would have crossed a limit)
    /// or why the event was refused. `now_ms` decides what is too old or too new.
    pub fn push(
        &mut self,
        event: LogEvent,
        synthetic: bool,
        now_ms: i64,
    ) -> Result<Option<Batch>, Refused> {
        if event.timestamp < now_ms - millis(MAX_EVENT_AGE) {
            return Err(Refused::TooOld);
        }
        if event.timestamp > now_ms + millis(MAX_EVENT_FUTURE) {
            return Err(Refused::TooNew);
        }
        let sealed = if self.would_overflow(&event) {
            self.seal()
        } else {
            None
        };
        if self.current.events.is_empty() {
            self.min_ts = event.timestamp;
            self.max_ts = event.timestamp;
        } else {
            self.min_ts = self.min_ts.min(event.timestamp);
            self.max_ts = self.max_ts.max(event.timestamp);
        }
        self.current.bytes += event.request_bytes();
        self.current.synthetic += usize::from(synthetic);
        self.current.events.push(event);
        Ok(sealed)
    }

    fn would_overflow(&self, event: &LogEvent) -> bool {
        let batch = &self.current;
        if batch.events.is_empty() {
            return false;
        }
        batch.events.len() >= MAX_BATCH_EVENTS
            || batch.bytes + event.request_bytes() > MAX_BATCH_BYTES
            || self.max_ts.max(event.timestamp) - self.min_ts.min(event.timestamp)
                > millis(MAX_BATCH_SPAN)
    }

    /// Seals what has been added so far, if anything.
    pub fn seal(&mut self) -> Option<Batch> {
        if self.current.events.is_empty() {
            return None;
        }
        let mut batch = mem::take(&mut self.current);
        // Threads stamp events before they queue them, so arrival order is only nearly
        // chronological; PutLogEvents requires it exactly. A stable sort keeps the order of
        // equal timestamps, and is linear on sorted input.
        batch.events.sort_by_key(|e| e.timestamp);
        Some(batch)
    }

    /// Events waiting in the batch being built.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.current.events.len()
    }

    /// Request bytes of the events waiting in the batch being built.
    pub fn bytes(&self) -> usize {
        self.current.bytes
    }

    /// Whether no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.current.events.is_empty()
    }
}

fn millis(d: std::time::Duration) -> i64 {
    d.as_millis() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::EVENT_OVERHEAD_BYTES;

    const NOW: i64 = 1_795_528_410_176;

    fn event(timestamp: i64, bytes: usize) -> LogEvent {
        LogEvent::owned(timestamp, "x".repeat(bytes))
    }

    fn push_all(b: &mut BatchBuilder, events: impl IntoIterator<Item = LogEvent>) -> Vec<Batch> {
        let mut out: Vec<Batch> = events
            .into_iter()
            .filter_map(|e| b.push(e, false, NOW).unwrap())
            .collect();
        out.extend(b.seal());
        out
    }

    #[test]
    fn at_most_ten_thousand_events() {
        let batches = push_all(
            &mut BatchBuilder::default(),
            (0..25_000).map(|_| event(NOW, 1)),
        );
        let sizes: Vec<usize> = batches.iter().map(Batch::len).collect();
        assert_eq!(sizes, [10_000, 10_000, 5_000]);
    }

    #[test]
    fn bytes_count_the_26_byte_overhead() {
        // 1,048,576 / (1_000 + 26) = 1022.0..: 1022 events fit, the 1023rd does not.
        let batches = push_all(
            &mut BatchBuilder::default(),
            (0..1023).map(|_| event(NOW, 1_000)),
        );
        assert_eq!(batches[0].len(), 1022);
        assert_eq!(batches[0].bytes, 1022 * 1026);
        assert_eq!(batches[1].len(), 1);
        for b in &batches {
            assert!(b.bytes <= MAX_BATCH_BYTES);
        }
    }

    #[test]
    fn an_exactly_full_batch_is_allowed() {
        // Two events that together make exactly 1,048,576 bytes.
        let half = MAX_BATCH_BYTES / 2 - EVENT_OVERHEAD_BYTES;
        let batches = push_all(
            &mut BatchBuilder::default(),
            [event(NOW, half), event(NOW, half)],
        );
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].bytes, MAX_BATCH_BYTES);
    }

    #[test]
    fn events_are_sorted_stably() {
        let events = [(NOW, "a"), (NOW - 5, "b"), (NOW, "c"), (NOW - 5, "d")]
            .map(|(t, m)| LogEvent::owned(t, m.into()));
        let batches = push_all(&mut BatchBuilder::default(), events);
        let order: Vec<&str> = batches[0].events.iter().map(LogEvent::message).collect();
        assert_eq!(order, ["b", "d", "a", "c"]);
    }

    #[test]
    fn no_batch_spans_more_than_24_hours() {
        let day = millis(MAX_BATCH_SPAN);
        let t0 = NOW - 3 * day;
        let events = [t0, t0 + day, t0 + day + 1, t0 + 2 * day, NOW].map(|t| event(t, 10));
        let batches = push_all(&mut BatchBuilder::default(), events);
        for b in &batches {
            let span = b.events.last().unwrap().timestamp - b.events[0].timestamp;
            assert!(span <= day, "span {span}");
        }
        assert_eq!(batches.iter().map(Batch::len).sum::<usize>(), 5);
        assert_eq!(batches[0].len(), 2, "exactly 24 hours is allowed");
    }

    #[test]
    fn the_span_counts_events_earlier_than_the_first() {
        let day = millis(MAX_BATCH_SPAN);
        let batches = push_all(
            &mut BatchBuilder::default(),
            [event(NOW, 1), event(NOW - day, 1), event(NOW - day - 1, 1)],
        );
        assert_eq!(batches.iter().map(Batch::len).collect::<Vec<_>>(), [2, 1]);
    }

    #[test]
    fn too_old_and_too_new_events_are_refused() {
        let mut b = BatchBuilder::default();
        let age = millis(MAX_EVENT_AGE);
        let future = millis(MAX_EVENT_FUTURE);
        assert_eq!(
            b.push(event(NOW - age - 1, 1), false, NOW),
            Err(Refused::TooOld)
        );
        assert_eq!(
            b.push(event(NOW + future + 1, 1), false, NOW),
            Err(Refused::TooNew)
        );
        assert_eq!(b.push(event(NOW - age, 1), false, NOW), Ok(None));
        assert_eq!(b.len(), 1);
        // Accepted, but more than 24 hours after the first: it starts a new batch.
        let sealed = b.push(event(NOW + future, 1), false, NOW).unwrap().unwrap();
        assert_eq!((sealed.len(), b.len()), (1, 1));
    }

    #[test]
    fn rejected_events_are_tallied_once() {
        let batch =
            push_all(&mut BatchBuilder::default(), (0..10).map(|_| event(NOW, 4))).remove(0);
        let t = batch.tally(&RejectedEvents {
            too_old_end: Some(2),
            expired_end: Some(3),
            too_new_start: Some(8),
        });
        assert_eq!((t.too_old, t.expired, t.delivered, t.too_new), (2, 1, 5, 2));
        assert_eq!(t.bytes_delivered, 5 * 30);
        let all = batch.tally(&RejectedEvents::default());
        assert_eq!((all.delivered, all.too_old, all.too_new), (10, 0, 0));
        let overlapping = batch.tally(&RejectedEvents {
            too_old_end: Some(6),
            expired_end: Some(4),
            too_new_start: Some(5),
        });
        assert_eq!(
            (
                overlapping.too_old,
                overlapping.expired,
                overlapping.delivered,
                overlapping.too_new
            ),
            (6, 0, 0, 4)
        );
    }

    #[test]
    fn synthetic_events_are_counted() {
        let mut b = BatchBuilder::default();
        b.push(event(NOW, 1), true, NOW).unwrap();
        b.push(event(NOW, 1), false, NOW).unwrap();
        assert_eq!(b.seal().unwrap().synthetic, 1);
        assert!(b.seal().is_none());
    }
}

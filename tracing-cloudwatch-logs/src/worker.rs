//! The background worker: a dedicated thread that drains the lanes into batches and keeps up
//! to `max_in_flight` deliveries going on its own small Tokio runtime, whose
//! [`DELIVERY_THREADS`] threads serialise and send requests in parallel (never on the
//! application's runtime).
//!
//! Its own thread and runtime make it work whether or not the application uses Tokio, and
//! keep it alive while the application's runtime shuts down. Every thread it runs on has
//! tracing's dispatcher set to none, so the AWS SDK's own events can never come back into
//! the layer.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::task::{Id, JoinSet};
use tracing::Dispatch;

use crate::batch::{Batch, BatchBuilder, Refused};
use crate::chunk::Chunk;
use crate::client::LogsClient;
use crate::clock::now_millis;
use crate::config::Config;
use crate::delivery::{self, Delivery, Destination, DropReason};
use crate::encode::{RecordHead, RecordPrefix, synthetic_record};
use crate::event::{HELD_OVERHEAD_BYTES, LogEvent, held_bytes};
use crate::metrics::{Dropped, Metrics};
use crate::shared::{DELIVERY_THREADS, Shared};

/// What the guard sends to the worker. Events travel through the lanes; before it applies a
/// message the worker takes everything from the lanes, so a flush covers every event
/// emitted before it.
pub(crate) enum Message {
    Flush(Completion),
    Shutdown { deadline: Instant, done: Completion },
}

/// Tells a waiting caller that its flush or shutdown is done.
pub(crate) enum Completion {
    Async(tokio::sync::oneshot::Sender<()>),
    Blocking(std::sync::mpsc::SyncSender<()>),
}

impl Completion {
    fn complete(self) {
        match self {
            Completion::Async(tx) => drop(tx.send(())),
            Completion::Blocking(tx) => drop(tx.try_send(())),
        }
    }
}

/// How long shutdown waits for application threads that reserved room but have not queued
/// their event yet (a few instructions apart, unless the thread was descheduled).
const STRAGGLER_WAIT: Duration = Duration::from_secs(1);

pub(crate) fn spawn(
    config: Config,
    client: Arc<dyn LogsClient>,
    shared: Arc<Shared>,
    prefix: RecordPrefix,
    inbox: Receiver<Message>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("tracing-cloudwatch-logs".into())
        .spawn(move || {
            let _no_tracing = tracing::dispatcher::set_default(&Dispatch::none());
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(DELIVERY_THREADS)
                .thread_name("tracing-cloudwatch-logs-delivery")
                .enable_all()
                // Deliveries and the SDK's blocking pool: silence those threads too.
                .on_thread_start(|| {
                    std::mem::forget(tracing::dispatcher::set_default(&Dispatch::none()));
                })
                .build();
            match runtime {
                Ok(runtime) => runtime.block_on(Worker::new(config, client, shared, prefix, inbox).run()),
                Err(e) => {
                    shared.budget.close();
                    eprintln!("tracing-cloudwatch-logs: could not start the worker's runtime ({e}); no logs will be shipped");
                }
            }
        })
}

/// Bookkeeping of one batch being delivered, kept outside the task so that an aborted task
/// is still accounted for.
struct InFlight {
    seq: u64,
    app_events: usize,
    bytes: usize,
}

struct Worker {
    config: Config,
    shared: Arc<Shared>,
    prefix: RecordPrefix,
    inbox: Receiver<Message>,
    destination: Arc<Destination>,
    builder: BatchBuilder,
    /// Reused by each collection of the lanes' chunks.
    taken: Vec<Chunk>,
    /// Bytes of events received from the queue and not yet released.
    held_bytes: usize,
    ready: VecDeque<(u64, Batch)>,
    in_flight: JoinSet<Delivery>,
    in_flight_meta: HashMap<Id, InFlight>,
    next_seq: u64,
    /// Flushes waiting for every batch numbered below theirs to finish.
    flush_waiters: Vec<(u64, Completion)>,
    shutdown: Option<(Instant, Vec<Completion>)>,
    reported_drops: Dropped,
    last_report: Option<Instant>,
}

impl Worker {
    fn new(
        config: Config,
        client: Arc<dyn LogsClient>,
        shared: Arc<Shared>,
        prefix: RecordPrefix,
        inbox: Receiver<Message>,
    ) -> Self {
        let destination = Arc::new(Destination {
            client,
            shared: Arc::clone(&shared),
            log_group: config.log_group.clone(),
            log_stream: config.log_stream.clone(),
            create_log_group: config.create_log_group,
            retention_days: config.retention_days,
            max_retry_duration: config.max_retry_duration,
            request_timeout: config.request_timeout,
            tokens: Default::default(),
        });
        Worker {
            config,
            shared,
            prefix,
            inbox,
            destination,
            builder: BatchBuilder::default(),
            taken: Vec::new(),
            held_bytes: 0,
            ready: VecDeque::new(),
            in_flight: JoinSet::new(),
            in_flight_meta: HashMap::new(),
            next_seq: 0,
            flush_waiters: Vec::new(),
            shutdown: None,
            reported_drops: Dropped::default(),
            last_report: None,
        }
    }

    async fn run(mut self) {
        self.shared.lanes.restock([]);
        let mut next_tick = tokio::time::Instant::now() + self.config.flush_interval;
        loop {
            self.drain().await;
            self.seal_if_buffer_bound();
            // The report before the seal: at shutdown nothing else would ever send it, and the
            // worker would wait out the whole deadline with it in the builder.
            self.report_drops();
            if self.shutdown.is_some() {
                self.seal();
            }
            self.dispatch();
            self.complete_flushes();
            if let Some((deadline, _)) = &self.shutdown {
                if self.is_idle() {
                    return self.finish();
                }
                let deadline = tokio::time::Instant::from_std(*deadline);
                tokio::select! {
                    Some(done) = self.in_flight.join_next_with_id() => self.account(done),
                    _ = tokio::time::sleep_until(deadline) => return self.abandon(),
                }
                continue;
            }
            tokio::select! {
                Some(done) = self.in_flight.join_next_with_id(), if !self.in_flight.is_empty() => {
                    self.account(done);
                }
                _ = self.shared.wake.notified() => {}
                _ = tokio::time::sleep_until(next_tick) => {
                    next_tick = tokio::time::Instant::now() + self.config.flush_interval;
                    self.drain().await;
                    self.seal();
                }
            }
        }
    }

    /// Moves everything queued into batches.
    async fn drain(&mut self) {
        loop {
            self.collect();
            match self.inbox.try_recv() {
                Ok(message) => {
                    if let Some((deadline, done)) = self.take(message) {
                        self.begin_shutdown(deadline, Some(done)).await;
                    }
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    // Only the guard and the layer send; both are gone.
                    let deadline = Instant::now() + self.config.shutdown_timeout;
                    self.begin_shutdown(deadline, None).await;
                    return;
                }
            }
        }
    }

    /// Applies an event or a flush; hands a shutdown request back to the caller.
    fn take(&mut self, message: Message) -> Option<(Instant, Completion)> {
        match message {
            Message::Flush(done) => {
                self.seal();
                self.flush_waiters.push((self.next_seq, done));
            }
            Message::Shutdown { deadline, done } => return Some((deadline, done)),
        }
        None
    }

    async fn begin_shutdown(&mut self, deadline: Instant, done: Option<Completion>) {
        if let Some((_, waiters)) = &mut self.shutdown {
            waiters.extend(done);
            return;
        }
        self.shutdown = Some((deadline, done.into_iter().collect()));
        self.shared.budget.close();
        // Application threads that reserved room before the close may not have queued their
        // event yet; once the bytes in use equal the bytes we hold, every one has.
        let give_up = Instant::now() + STRAGGLER_WAIT;
        while self.shared.budget.used() > self.held_bytes && Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(1)).await;
            self.collect();
            while let Ok(message) = self.inbox.try_recv() {
                if let Some((_, done)) = self.take(message)
                    && let Some((_, waiters)) = &mut self.shutdown
                {
                    waiters.push(done);
                }
            }
        }
    }

    /// Takes every record the application threads left in the lanes.
    fn collect(&mut self) {
        let shared = Arc::clone(&self.shared);
        let mut taken = std::mem::take(&mut self.taken);
        shared.lanes.take_all(&mut taken);
        for chunk in &mut taken {
            chunk.hand_over(|event| self.receive(event));
        }
        shared.lanes.restock(taken.drain(..));
        self.taken = taken;
    }

    /// Takes an application event from a lane. Counting it here rather than on the
    /// application thread keeps one shared counter off the hot path.
    fn receive(&mut self, event: LogEvent) {
        self.held_bytes += held_bytes(event.message().len());
        Metrics::add(&self.shared.metrics.accepted, 1);
        self.add(event, false);
    }

    fn add(&mut self, event: LogEvent, synthetic: bool) {
        let bytes = held_bytes(event.message().len());
        match self.builder.push(event, synthetic, now_millis()) {
            Ok(Some(batch)) => self.enqueue(batch),
            Ok(None) => {}
            Err(refused) => {
                self.release(bytes);
                let metrics = &self.shared.metrics;
                if !synthetic {
                    match refused {
                        Refused::TooOld => Metrics::add(&metrics.dropped_too_old, 1),
                        Refused::TooNew => Metrics::add(&metrics.dropped_too_new, 1),
                    }
                }
            }
        }
    }

    /// Seals the batch being built once it holds a quarter of the buffer. With the default
    /// buffer a batch reaches CloudWatch's request limit first; with a small one it never
    /// would, and its events waited for the flush tick while the buffer filled behind them
    /// (dropped under `DropNewest`, blocking the application under `Block`).
    fn seal_if_buffer_bound(&mut self) {
        if self.builder.bytes() >= self.shared.budget.limit() / 4 {
            self.seal();
        }
    }

    fn seal(&mut self) {
        if let Some(batch) = self.builder.seal() {
            self.enqueue(batch);
        }
    }

    fn enqueue(&mut self, batch: Batch) {
        self.ready.push_back((self.next_seq, batch));
        self.next_seq += 1;
    }

    fn dispatch(&mut self) {
        while self.in_flight.len() < self.config.max_in_flight {
            let Some((seq, batch)) = self.ready.pop_front() else {
                return;
            };
            let meta = InFlight {
                seq,
                app_events: batch.len() - batch.synthetic,
                bytes: held(&batch),
            };
            let task = delivery::deliver(Arc::clone(&self.destination), batch);
            let handle = self.in_flight.spawn(task);
            self.in_flight_meta.insert(handle.id(), meta);
        }
    }

    fn account(&mut self, done: Result<(Id, Delivery), tokio::task::JoinError>) {
        let (id, delivery) = match done {
            Ok((id, delivery)) => (id, Some(delivery)),
            // A `LogsClient` that panicked: a bug no retry fixes, not the shutdown deadline.
            Err(e) if e.is_panic() => {
                let id = e.id();
                if let Some(meta) = self.in_flight_meta.remove(&id) {
                    self.release(meta.bytes);
                    Metrics::add(&self.shared.metrics.dropped_non_retryable, meta.app_events);
                    self.shared.diagnostics.report("client_panic", || {
                        format!(
                            "the LogsClient panicked while sending a batch to log group {} \
                             (stream {}); its {} events are dropped and counted in \
                             dropped.non_retryable",
                            self.config.log_group, self.config.log_stream, meta.app_events
                        )
                    });
                }
                return;
            }
            Err(e) => (e.id(), None),
        };
        let Some(meta) = self.in_flight_meta.remove(&id) else {
            return;
        };
        self.release(meta.bytes);
        let m = &self.shared.metrics;
        match delivery {
            Some(Delivery::Stored(tally)) => {
                Metrics::add(&m.delivered, tally.delivered);
                Metrics::add(&m.drop_reports_delivered, tally.drop_reports);
                Metrics::add(&m.bytes_delivered, tally.bytes_delivered);
                Metrics::add(&m.dropped_too_old, tally.too_old);
                Metrics::add(&m.dropped_too_new, tally.too_new);
                Metrics::add(&m.dropped_expired, tally.expired);
            }
            Some(Delivery::Dropped(DropReason::RetriesExhausted)) => {
                Metrics::add(&m.dropped_retries_exhausted, meta.app_events);
            }
            Some(Delivery::Dropped(DropReason::NonRetryable)) => {
                Metrics::add(&m.dropped_non_retryable, meta.app_events);
            }
            // Aborted at the shutdown deadline.
            None => Metrics::add(&m.dropped_shutdown, meta.app_events),
        }
    }

    fn release(&mut self, bytes: usize) {
        self.held_bytes = self.held_bytes.saturating_sub(bytes);
        self.shared.budget.release(bytes);
    }

    /// The lowest batch number not finished yet.
    fn lowest_unfinished(&self) -> u64 {
        let queued = self.ready.front().map(|(seq, _)| *seq);
        let flying = self.in_flight_meta.values().map(|m| m.seq).min();
        queued
            .into_iter()
            .chain(flying)
            .min()
            .unwrap_or(self.next_seq)
    }

    fn complete_flushes(&mut self) {
        let lowest = self.lowest_unfinished();
        let (done, waiting) = std::mem::take(&mut self.flush_waiters)
            .into_iter()
            .partition(|(upto, _)| *upto <= lowest);
        self.flush_waiters = waiting;
        for (_, completion) in done {
            completion.complete();
        }
    }

    fn is_idle(&self) -> bool {
        self.builder.is_empty() && self.ready.is_empty() && self.in_flight.is_empty()
    }

    /// After drops, and once there is room again, writes one WARN record that says how many
    /// events were lost and why, so the loss shows in CloudWatch itself. During shutdown it
    /// neither waits for room (nothing new can take it) nor for the interval since the last
    /// report: it is the last chance to say what was lost.
    fn report_drops(&mut self) {
        let now = self.shared.metrics.snapshot(0).dropped;
        let shutting_down = self.shutdown.is_some();
        if now.total() == self.reported_drops.total()
            || (!shutting_down
                && (self.shared.budget.used() > self.shared.budget.limit() / 2
                    || self
                        .last_report
                        .is_some_and(|at| at.elapsed() < self.config.flush_interval)))
        {
            return;
        }
        let before = self.reported_drops;
        let fields = [
            ("dropped", now.total() - before.total()),
            ("buffer_full", now.buffer_full - before.buffer_full),
            ("too_old", now.too_old - before.too_old),
            ("too_new", now.too_new - before.too_new),
            ("expired", now.expired - before.expired),
            (
                "retries_exhausted",
                now.retries_exhausted - before.retries_exhausted,
            ),
            ("non_retryable", now.non_retryable - before.non_retryable),
            ("shutdown", now.shutdown - before.shutdown),
        ];
        let timestamp_ms = now_millis();
        let message = synthetic_record(
            &self.prefix,
            &RecordHead {
                timestamp_ms,
                level: &tracing::Level::WARN,
                target: env!("CARGO_CRATE_NAME"),
            },
            &format!(
                "tracing-cloudwatch-logs dropped {} events since its last report",
                fields[0].1
            ),
            &fields,
        );
        self.reported_drops = now;
        self.last_report = Some(Instant::now());
        let event = LogEvent::owned(timestamp_ms, message);
        let bytes = held_bytes(event.message().len());
        self.shared.budget.force_reserve(bytes);
        self.held_bytes += bytes;
        self.add(event, true);
    }

    fn finish(mut self) {
        self.complete_flushes();
        for (_, done) in self.flush_waiters.drain(..) {
            done.complete();
        }
        if let Some((_, waiters)) = self.shutdown.take() {
            for done in waiters {
                done.complete();
            }
        }
    }

    /// The shutdown deadline passed: count everything undelivered as dropped.
    fn abandon(mut self) {
        self.in_flight.abort_all();
        let ids: Vec<Id> = self.in_flight_meta.keys().copied().collect();
        for id in ids {
            if let Some(meta) = self.in_flight_meta.remove(&id) {
                self.release(meta.bytes);
                Metrics::add(&self.shared.metrics.dropped_shutdown, meta.app_events);
            }
        }
        self.seal();
        for (_, batch) in std::mem::take(&mut self.ready) {
            self.release(held(&batch));
            Metrics::add(
                &self.shared.metrics.dropped_shutdown,
                batch.len() - batch.synthetic,
            );
        }
        self.in_flight = JoinSet::new();
        self.finish();
    }
}

/// What a batch counts against the memory bound (see [`held_bytes`]).
fn held(batch: &Batch) -> usize {
    batch.bytes + batch.len() * HELD_OVERHEAD_BYTES
}

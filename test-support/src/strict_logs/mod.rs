//! A strict local CloudWatch Logs endpoint with fault injection.
//!
//! Stricter than moto: every documented `PutLogEvents` limit is enforced (and every breach is
//! recorded as a violation), the time windows answer with `rejectedLogEventsInfo`, sequence
//! tokens can be enforced, and faults can be scripted, drawn at seeded rates, or switched on
//! as an outage. It speaks AWS JSON 1.1 as the Rust SDK does, on `127.0.0.1`, in-process.
//!
//! | Operation | Behaviour |
//! |---|---|
//! | `CreateLogGroup` | `ResourceAlreadyExistsException` if it exists; name checked |
//! | `CreateLogStream` | `ResourceNotFoundException` without group, `ResourceAlreadyExistsException` if it exists |
//! | `PutRetentionPolicy` | only the documented day counts |
//! | `DeleteLogStream`, `DeleteLogGroup` | `ResourceNotFoundException` if missing |
//! | `DescribeLogStreams` | by name, prefix, `descending`, `limit` (<= 50), `nextToken` |
//! | `PutLogEvents` | limits, time windows, tokens, faults (see [`limits`], [`Fault`]) |
//! | anything else | HTTP 400 `UnknownOperationException` |
//!
//! Every request must carry a valid Signature Version 4 for the test credentials
//! ([`crate::TEST_ACCESS_KEY`]), over the body it sends, as CloudWatch requires (moto checks
//! none); a request that does not is answered as AWS answers it (HTTP 400
//! `InvalidSignatureException`, ...) and recorded as a violation.
//!
//! Defaults ([`StrictConfig::default`]):
//!
//! | Setting | Default |
//! |---|---|
//! | `max_event_message_bytes` | [`DEFAULT_MAX_EVENT_MESSAGE_BYTES`] (1 MiB - 26) |
//! | `enforce_sequence_tokens` | `false` (as CloudWatch since January 2023) |
//! | `outage_mode` | [`OutageMode::Reset`] |
//! | `record_accepted` | `true` |
//!
//! Scripted and random faults apply to `PutLogEvents` only; the outage switch applies to
//! every request. The server runs on its own thread and Tokio runtime, so it serves sync
//! and async tests alike and a busy test runtime cannot starve it; dropping the handle stops
//! it.
//!
//! ```
//! use test_support::strict_logs::{Fault, StrictConfig, StrictLogs};
//!
//! let server = StrictLogs::start(StrictConfig::default());
//! server.create_group_and_stream("g", "s");
//! server.push_faults([Fault::Throttle, Fault::Reset]);
//! // ... point a client at server.endpoint() ...
//! assert!(server.stats().violations.is_empty());
//! ```

mod api;
mod control;
mod faults;
pub mod limits;
mod record;
mod server;
mod sigv4;
mod state;

pub use faults::{DEFAULT_SLOW_DELAY, Fault, FaultKind, FaultRates, OutageMode};
pub use limits::DEFAULT_MAX_EVENT_MESSAGE_BYTES;
pub use record::{AcceptedEvent, PutOutcome, PutRecord, StrictStats};

use server::Shared;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Tokio worker threads of the endpoint: enough to overlap requests of several connections
/// (so in-flight counts mean something) without crowding a 2-core machine.
const WORKER_THREADS: usize = 2;

/// Settings fixed for the life of a [`StrictLogs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictConfig {
    /// Largest message (UTF-8 bytes, without the 26-byte overhead) of one event.
    pub max_event_message_bytes: usize,
    /// Refuse `PutLogEvents` whose `sequenceToken` is not the stream's current one; see
    /// [`StrictLogs`] for the exact rule.
    pub enforce_sequence_tokens: bool,
    /// How [`StrictLogs::set_down`] makes requests fail.
    pub outage_mode: OutageMode,
    /// Keep every accepted event for [`StrictLogs::accepted`]; turn off for long benchmarks
    /// (counters are kept either way).
    pub record_accepted: bool,
}

impl Default for StrictConfig {
    fn default() -> Self {
        StrictConfig {
            max_event_message_bytes: DEFAULT_MAX_EVENT_MESSAGE_BYTES,
            enforce_sequence_tokens: false,
            outage_mode: OutageMode::Reset,
            record_accepted: true,
        }
    }
}

/// A running strict endpoint on `127.0.0.1`; dropping it stops the server.
///
/// Sequence tokens: every accepted `PutLogEvents` returns a new `nextSequenceToken`. With
/// [`StrictConfig::enforce_sequence_tokens`], a stream expects no token until its first batch
/// is accepted, then the `nextSequenceToken` of its last accepted batch. A request carrying
/// the token the last accepted batch was sent with (no token for a stream's first batch) and
/// the same events is a repeat: `DataAlreadyAcceptedException` and nothing stored. Any other
/// mismatch is `InvalidSequenceTokenException`. Both carry `expectedSequenceToken` (omitted
/// while the stream expects no token).
#[derive(Debug)]
pub struct StrictLogs {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl StrictLogs {
    /// Binds a free loopback port and starts serving.
    ///
    /// # Panics
    /// When no loopback port or thread can be had.
    pub fn start(config: StrictConfig) -> StrictLogs {
        // Bound here, not in the thread, so the port is known and listening on return.
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("strict logs: could not bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("strict logs: could not make the listener non-blocking");
        let addr = listener
            .local_addr()
            .expect("strict logs: no local address");
        let shared = Arc::new(Shared::new(config));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name("strict-logs".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(WORKER_THREADS)
                    .thread_name("strict-logs-worker")
                    .enable_all()
                    .build()
                    .expect("strict logs: could not build a Tokio runtime");
                runtime.block_on(server::serve(listener, serving, stopped));
                // Drop open keep-alive connections now instead of waiting for clients.
                runtime.shutdown_background();
            })
            .expect("strict logs: could not spawn the server thread");
        StrictLogs {
            shared,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, for `test_support::sdk_config_for`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Creates a group and a stream in it, without error if either exists.
    pub fn create_group_and_stream(&self, group: &str, stream: &str) {
        let now = server::now_ms();
        let mut inner = self.shared.inner();
        let _ = inner.logs.create_group(group);
        let _ = inner.logs.create_stream(group, stream, now);
    }

    /// Sets a group's retention, as `PutRetentionPolicy` would.
    ///
    /// # Panics
    /// When the group does not exist.
    pub fn set_retention(&self, group: &str, days: u32) {
        self.shared
            .inner()
            .logs
            .put_retention(group, days)
            .unwrap_or_else(|e| panic!("set_retention({group:?}): {}", e.message));
    }

    /// Queues one-shot faults, consumed in order by the next `PutLogEvents` requests (before
    /// any random fault).
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.faults().push(faults);
    }

    /// Scripted faults not consumed yet.
    pub fn pending_faults(&self) -> usize {
        self.shared.faults().pending()
    }

    /// Sets random fault rates and reseeds the RNG with `rates.seed`.
    ///
    /// # Panics
    /// When a rate is outside 0..=1 or the rates sum above 1.
    pub fn set_fault_rates(&self, rates: FaultRates) {
        self.shared.faults().set_rates(rates);
    }

    /// An endpoint that is down from the start (as [`StrictConfig::outage_mode`] says) and
    /// keeps nothing it is sent: for measuring what a client holds while CloudWatch is
    /// unreachable.
    pub fn down() -> StrictLogs {
        let server = StrictLogs::start(StrictConfig {
            record_accepted: false,
            ..StrictConfig::default()
        });
        server.set_down(true);
        server
    }

    /// Outage switch: while down, every request fails as [`StrictConfig::outage_mode`] says.
    pub fn set_down(&self, down: bool) {
        let mode = down.then_some(self.shared.config.outage_mode);
        self.shared.faults().set_outage(mode);
    }

    /// Outage switch with an explicit mode (`None` = up).
    pub fn set_outage(&self, outage: Option<OutageMode>) {
        self.shared.faults().set_outage(outage);
    }

    /// Every stored event, in acceptance order (empty if `record_accepted` is off).
    pub fn accepted(&self) -> Vec<AcceptedEvent> {
        self.shared.inner().accepted.clone()
    }

    /// A snapshot of the counters and logs.
    pub fn stats(&self) -> StrictStats {
        self.shared.inner().stats.clone()
    }
}

impl Drop for StrictLogs {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

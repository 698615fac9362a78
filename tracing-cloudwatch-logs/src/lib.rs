//! A [`tracing`] layer that ships every event to AWS CloudWatch Logs as one structured JSON
//! record, from a bounded, non-blocking background worker.
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // The standard AWS configuration chain: env, profiles, AWS_ENDPOINT_URL, region.
//! let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
//! let client = aws_sdk_cloudwatchlogs::Client::new(&config);
//!
//! let (cloudwatch, guard) = tracing_cloudwatch_logs::builder()
//!     .log_group("/demo/orders-api")
//!     .service("orders-api")
//!     .static_field("env", "prod")
//!     .build(client)?;
//!
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::EnvFilter::new("info"))
//!     .with(cloudwatch)
//!     .with(tracing_subscriber::fmt::layer())
//!     .init();
//!
//! let span = tracing::info_span!("request", trace_id = "4bf92f3577b34da6a3ce929d0e0e4736");
//! let _entered = span.enter();
//! tracing::error!(order_id = 42, amount = 19.99, "payment declined");
//!
//! // At exit: deliver what is buffered (bounded by `shutdown_timeout`).
//! let metrics = guard.shutdown().await;
//! eprintln!("delivered {} events, dropped {}", metrics.delivered, metrics.dropped.total());
//! # Ok(()) }
//! ```
//!
//! (With the SDK crates built without default features, as this workspace does, give the
//! configuration an HTTP client; the `logpipe-aws` crate of the workspace shows how.)
//!
//! # What a record looks like
//! See [`record`]: `timestamp` (RFC 3339, milliseconds, UTC, when the event happened),
//! `level`, `message`, `service`, `trace_id` (the event's own field, else the nearest span's),
//! `target`, static fields, the event's fields at the top level, `spans` root to leaf.
//!
//! # How it behaves
//! - **Hot path.** On the application's thread: one record encoded into a reused buffer,
//!   one allocation for the queued copy, a compare-and-swap on the byte budget and a
//!   lock-free push. No blocking (unless you choose [`Backpressure::Block`]), no panics, no
//!   logging through `tracing`.
//! - **Memory.** Bounded in bytes across queue, batches being built, sent and retried
//!   ([`Builder::buffer_bytes`]); on top, each request in flight holds a copy of its batch
//!   (≤ 1 MiB) while the SDK serialises it.
//! - **Batching.** Every `PutLogEvents` limit ([`limits`]): ≤ 10,000 events, ≤ 1,048,576
//!   bytes counting 26 bytes per event, chronological, ≤ 24 hours apart; events older than 14
//!   days or more than 2 hours ahead are counted and not sent. Records over
//!   [`Builder::max_event_bytes`] are truncated into valid JSON marked `"truncated": true`.
//! - **Delivery.** Throttling, 5xx, timeouts and connection errors are retried with capped
//!   exponential backoff and full jitter for up to [`Builder::max_retry_duration`]; a deleted
//!   group or stream is re-created; sequence tokens are followed when an endpoint enforces
//!   them; bad requests and credential errors are not retried (one clear, rate-limited line
//!   on stderr says what to fix). Everything not delivered is counted by reason
//!   ([`MetricsSnapshot`]), and a WARN record reports drops in CloudWatch itself.
//!
//! # Defaults
//! | setting | default |
//! |---|---|
//! | [`Builder::log_stream`] | `<service>/<host>/<pid>/<start time>` ([`default_stream_name`]) |
//! | [`Builder::flush_interval`] | 1 s ([`DEFAULT_FLUSH_INTERVAL`]) |
//! | [`Builder::buffer_bytes`] | 16 MiB ([`DEFAULT_BUFFER_BYTES`]) |
//! | [`Builder::backpressure`] | [`Backpressure::DropNewest`] |
//! | [`Builder::max_event_bytes`] | 1,048,550 ([`DEFAULT_MAX_EVENT_BYTES`]) |
//! | [`Builder::max_in_flight`] | 4 ([`DEFAULT_MAX_IN_FLIGHT`]) |
//! | [`Builder::max_retry_duration`] | 5 min ([`DEFAULT_MAX_RETRY_DURATION`]) |
//! | [`Builder::request_timeout`] | 30 s ([`DEFAULT_REQUEST_TIMEOUT`]) |
//! | [`Builder::shutdown_timeout`] | 5 s ([`DEFAULT_SHUTDOWN_TIMEOUT`]) |
//! | [`Builder::create_log_group`] | `true` |
//! | [`Builder::retention_days`] | none (never expire) |
//!
//! # Features
//! - `client` (default): the layer, its worker and the CloudWatch Logs client. Without it,
//!   only [`record`] is compiled, for programs that read the records back.
//! - `test-util`: [`MemoryClient`], an in-memory [`LogsClient`] for tests.

#![warn(missing_docs)]

#[cfg(test)]
mod layer_tests;
pub mod record;

#[cfg(feature = "client")]
mod batch;
#[cfg(feature = "client")]
mod budget;
#[cfg(feature = "client")]
mod builder;
#[cfg(feature = "client")]
mod chunk;
#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod clock;
#[cfg(feature = "client")]
mod config;
#[cfg(feature = "client")]
mod delivery;
#[cfg(feature = "client")]
mod diagnostic;
#[cfg(feature = "client")]
mod encode;
#[cfg(feature = "client")]
mod error;
#[cfg(feature = "client")]
mod event;
#[cfg(feature = "client")]
mod guard;
#[cfg(feature = "client")]
mod layer;
#[cfg(feature = "client")]
pub mod limits;
#[cfg(feature = "test-util")]
mod memory;
#[cfg(feature = "client")]
mod metrics;
#[cfg(feature = "client")]
mod retry;
#[cfg(feature = "client")]
mod shared;
#[cfg(feature = "client")]
mod truncate;
#[cfg(feature = "client")]
mod worker;

#[cfg(feature = "client")]
pub use budget::Backpressure;
#[cfg(feature = "client")]
pub use builder::Builder;
#[cfg(feature = "client")]
pub use client::{
    BoxFuture, ClientError, ErrorKind, HasStatus, LogsClient, PutLogEventsRequest,
    PutLogEventsResponse, RejectedEvents,
};
#[cfg(feature = "client")]
pub use config::{
    Config, DEFAULT_BUFFER_BYTES, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RETRY_DURATION, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SHUTDOWN_TIMEOUT, default_stream_name,
};
#[cfg(feature = "client")]
pub use error::BuildError;
#[cfg(feature = "client")]
pub use event::LogEvent;
#[cfg(feature = "client")]
pub use guard::{CloudWatchHandle, WorkerGuard};
#[cfg(feature = "client")]
pub use layer::CloudWatchLayer;
#[cfg(feature = "test-util")]
pub use memory::MemoryClient;
#[cfg(feature = "client")]
pub use metrics::{Dropped, MetricsSnapshot};

/// Starts configuring a layer. See [`Builder`].
///
/// ```
/// let builder = tracing_cloudwatch_logs::builder()
///     .log_group("/demo/orders-api")
///     .service("orders-api");
/// ```
#[cfg(feature = "client")]
pub fn builder() -> Builder {
    Builder::default()
}

/// The README's code blocks, compiled as doc tests so the quick start stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

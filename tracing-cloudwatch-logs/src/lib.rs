//! A [`tracing`] [`Layer`](tracing_subscriber::Layer) that ships every event to AWS
//! CloudWatch Logs as one structured JSON record, from a bounded, non-blocking background
//! worker.
//!
//! - One JSON object per event ([`record`]), with the service name, static fields, the
//!   event's fields, its spans and a `trace_id`.
//! - Batches within every `PutLogEvents` limit ([`limits`]), retried with backoff, in bounded
//!   memory; the application thread never waits unless you ask it to.
//! - Nothing is lost silently: every event not delivered is counted by reason
//!   ([`MetricsSnapshot`]) and reported in CloudWatch itself.
//!
//! # Quick start
//!
//! ```sh
//! cargo add tracing-cloudwatch-logs tracing tracing-subscriber aws-config aws-sdk-cloudwatchlogs
//! cargo add tokio --features macros,rt-multi-thread
//! ```
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // The standard AWS configuration chain: env, profiles, AWS_ENDPOINT_URL, region.
//!     let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
//!     let client = aws_sdk_cloudwatchlogs::Client::new(&config);
//!
//!     let (cloudwatch, guard) = tracing_cloudwatch_logs::builder()
//!         .log_group("/prod/orders-api")
//!         .service("orders-api")
//!         .static_field("env", "prod")
//!         .build(client)?;
//!
//!     tracing_subscriber::registry()
//!         .with(cloudwatch)                       // JSON records to CloudWatch
//!         .with(tracing_subscriber::fmt::layer()) // and human-readable to stdout
//!         .init();
//!
//!     let span = tracing::info_span!("request", trace_id = "4bf92f3577b34da6a3ce929d0e0e4736");
//!     let _entered = span.enter();
//!     tracing::error!(order_id = 42, amount = 19.99, "payment declined");
//!
//!     // At exit: deliver what is buffered (bounded by `shutdown_timeout`).
//!     let metrics = guard.shutdown().await;
//!     eprintln!("delivered {}, dropped {}", metrics.delivered, metrics.dropped.total());
//!     Ok(())
//! }
//! ```
//!
//! Run it with credentials and a region (`AWS_PROFILE`, `AWS_REGION`, or a role) and the
//! record is in the log group `/prod/orders-api`, in a stream named
//! `orders-api/<host>/<pid>/<start time>`, within a second. The identity needs
//! `logs:PutLogEvents` and `logs:CreateLogStream`, and `logs:CreateLogGroup` unless the group
//! exists and you call [`Builder::create_log_group`]`(false)`. Set `AWS_ENDPOINT_URL` to
//! point the SDK at a local emulator.
//!
//! `aws-config` with its default features brings an HTTP client and TLS; if you build the SDK
//! without default features, give the configuration an `http_client`.
//!
//! More in `examples/`: `minimal` (the above), `axum_service` (request spans, graceful
//! shutdown), `custom_client` (your own [`LogsClient`], no AWS SDK), `lambda` (a flush at
//! the end of each invocation) and `opentelemetry` (records with OpenTelemetry's trace and span
//! ids).
//!
//! # What a record looks like
//!
//! ```json
//! {"timestamp":"2026-11-24T13:49:06.123Z","level":"ERROR","message":"payment declined",
//!  "service":"orders-api","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
//!  "target":"orders_api","env":"prod","order_id":42,"amount":19.99,
//!  "spans":[{"name":"request","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}]}
//! ```
//!
//! `timestamp` is RFC 3339 UTC with milliseconds, when the event happened (also the
//! CloudWatch event's timestamp); `trace_id` is the event's own field, else the nearest
//! span's, else (feature `opentelemetry`) the OpenTelemetry trace id of the event's span, with
//! its span id as `span_id`. A W3C trace id is also written in X-Ray's form as
//! `xray_trace_id`, the key AWS documents for finding a record's X-Ray trace (see
//! [`record::XRAY_TRACE_ID`]). A field that would overwrite a reserved key is kept as `field.<name>`; errors
//! recorded as `&dyn Error` keep their `source()` chain. [`record`] documents the format and
//! reads it back ([`record::LogRecord`]).
//!
//! # Guarantees
//!
//! ## Limits
//! Every request respects `PutLogEvents`' limits ([`limits`]): at most 10,000 events and
//! 1,048,576 bytes counting 26 bytes per event, chronological, spanning at most 24 hours.
//! Events older than 14 days or more than 2 hours ahead are counted
//! ([`Dropped::too_old`], [`Dropped::too_new`]) and not sent. A record longer than
//! [`Builder::max_event_bytes`] is truncated into valid JSON marked `"truncated": true`
//! (counted in [`MetricsSnapshot::truncated`]), never split or dropped.
//!
//! ## Retries
//! Throttling, 5xx answers, timeouts ([`Builder::request_timeout`]) and connection errors are
//! retried with capped exponential backoff and full jitter for up to
//! [`Builder::max_retry_duration`]; then the batch is dropped and counted
//! ([`Dropped::retries_exhausted`]). A deleted group or stream is re-created;
//! `DataAlreadyAcceptedException` is success; sequence tokens are followed when an endpoint
//! enforces them. Bad requests and credential or permission errors are not retried: they are
//! counted ([`Dropped::non_retryable`]) and one rate-limited line on stderr says what to fix.
//! The SDK's own retries are turned off for these calls, so the bound is the layer's.
//!
//! ## The AWS SDK client
//! With `aws_sdk_cloudwatchlogs::Client`, the layer writes each `PutLogEvents` body itself and
//! the SDK signs and sends it: the SDK's own serialisation escaped every record one byte at a
//! time, a fifth of the CPU at a million events a second. The SDK is given an empty
//! `logEvents` list, and the body is put in place before signing (in `modify_before_signing`),
//! so an interceptor of yours finds the events in the signed request's HTTP body (from
//! `read_after_signing` on), not in the operation's input.
//!
//! ## Backpressure and memory
//! Records held anywhere in the layer (queued, in batches being built, sent or retried) are
//! bounded by [`Builder::buffer_bytes`] (16 MiB by default), counted as CloudWatch counts
//! them plus what holding them costs; a quarter of it is kept for the bodies of the requests
//! in flight. When the buffer is full, [`Backpressure::DropNewest`] (the default) drops the
//! new event and counts it ([`Dropped::buffer_full`]); [`Backpressure::Block`] makes the
//! application thread wait up to its timeout first. On the application thread an event costs
//! one encoding into a reused buffer and a lock-free push: no I/O, no lock held while
//! waiting, no panic, no logging through `tracing`.
//!
//! ## Shutdown and flushing
//! [`Builder::build`] returns the layer and a [`WorkerGuard`]. Dropping the guard delivers
//! what is buffered, waiting at most [`Builder::shutdown_timeout`], and needs no async
//! runtime; [`WorkerGuard::shutdown`] does the same from async code and returns the final
//! counters. Bind the guard to a name (`let _guard = ...`): `let _ = ...` drops it at once.
//! [`WorkerGuard::handle`] gives a cloneable [`CloudWatchHandle`] whose
//! [`flush`](CloudWatchHandle::flush) waits until everything emitted so far is delivered or
//! dropped; an AWS Lambda function calls it at the end of each invocation, because the
//! execution environment is frozen between invocations (see `examples/lambda.rs`).
//!
//! ## What is never lost silently
//! Every event the layer sees is delivered or counted in exactly one [`Dropped`] reason; once
//! the worker is idle, `emitted == delivered + dropped.total()`. Read the counters with
//! [`WorkerGuard::metrics`] or [`CloudWatchHandle::metrics`]. After drops, the layer writes a
//! WARN record into the log stream itself saying how many events were dropped and why, so a
//! reader of the logs sees the gap.
//!
//! ## Isolation
//! The worker runs on its own thread with its own small Tokio runtime (two threads that
//! send requests while the worker's thread batches), never the application's, with
//! `tracing`'s dispatcher set to none on all three: it works with or without Tokio in the
//! application, and the SDK's own events never loop back into the layer.
//!
//! # Defaults
//!
//! | setting | default |
//! |---|---|
//! | [`Builder::log_group`] | required |
//! | [`Builder::service`] | required |
//! | [`Builder::log_stream`] | `<service>/<host>/<pid>/<start time>` ([`default_stream_name`]) |
//! | [`Builder::static_field`] | none |
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
//!
//! | feature | default | what it adds | dependencies it brings |
//! |---|---|---|---|
//! | `aws-sdk` | yes | `LogsClient` for `aws_sdk_cloudwatchlogs::Client`, `ClientError: From<SdkError>`; enables `layer` | `aws-sdk-cloudwatchlogs`, `aws-smithy-types`, `aws-smithy-runtime-api` |
//! | `layer` | via `aws-sdk` | the Layer, the worker, the guard, the [`LogsClient`] trait, metrics | `tracing`, `tracing-subscriber` (`registry` only), `tokio` (`rt`, `sync`, `time`, `macros`), `thiserror`, `rand` |
//! | `opentelemetry` | no | records take their `trace_id` and `span_id` from the span context of `tracing-opentelemetry` 0.34 (the version your application must use too); enables `layer` | `opentelemetry` (`trace`), `tracing-opentelemetry` |
//! | `test-util` | no | `MemoryClient`, an in-memory [`LogsClient`] for tests; enables `layer` | none |
//!
//! Without any feature (`default-features = false`) only [`record`] and [`limits`] are
//! compiled, with `serde` and `serde_json`: what a program that reads the records back needs.
//! With `default-features = false, features = ["layer"]` the layer builds without any AWS
//! crate, for a client of your own (`examples/custom_client.rs`).

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(test)]
mod layer_tests;
pub mod limits;
pub mod record;

#[cfg(feature = "layer")]
mod batch;
#[cfg(feature = "layer")]
mod budget;
#[cfg(feature = "layer")]
mod builder;
#[cfg(feature = "layer")]
mod chunk;
#[cfg(feature = "layer")]
mod client;
#[cfg(feature = "layer")]
mod clock;
#[cfg(feature = "layer")]
mod config;
#[cfg(feature = "layer")]
mod delivery;
#[cfg(feature = "layer")]
mod diagnostic;
#[cfg(feature = "layer")]
mod encode;
#[cfg(feature = "layer")]
mod error;
#[cfg(feature = "layer")]
mod event;
#[cfg(feature = "layer")]
mod guard;
#[cfg(feature = "layer")]
mod layer;
#[cfg(feature = "test-util")]
mod memory;
#[cfg(feature = "layer")]
mod metrics;
#[cfg(feature = "opentelemetry")]
mod otel;
#[cfg(feature = "aws-sdk")]
mod put_body;
#[cfg(feature = "layer")]
mod retry;
#[cfg(feature = "aws-sdk")]
mod sdk;
#[cfg(feature = "layer")]
mod shared;
#[cfg(feature = "layer")]
mod truncate;
#[cfg(feature = "layer")]
mod worker;

#[cfg(feature = "layer")]
pub use budget::Backpressure;
#[cfg(feature = "layer")]
pub use builder::Builder;
#[cfg(feature = "layer")]
pub use client::{
    BoxFuture, ClientError, ErrorKind, LogsClient, PutLogEventsRequest, PutLogEventsResponse,
    RejectedEvents,
};
#[cfg(feature = "layer")]
pub use config::{
    DEFAULT_BUFFER_BYTES, DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_RETRY_DURATION, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT,
    FLUSH_INTERVAL_RANGE, MAX_RETRY_DURATION_RANGE, REQUEST_TIMEOUT_RANGE, SHUTDOWN_TIMEOUT_RANGE,
    default_stream_name,
};
#[cfg(feature = "layer")]
pub use error::BuildError;
#[cfg(feature = "layer")]
pub use event::LogEvent;
#[cfg(feature = "layer")]
pub use guard::{CloudWatchHandle, WorkerGuard};
#[cfg(feature = "layer")]
pub use layer::CloudWatchLayer;
#[cfg(feature = "test-util")]
pub use memory::MemoryClient;
#[cfg(feature = "layer")]
pub use metrics::{Dropped, MetricsSnapshot};

/// Starts configuring a layer: the crate's entry point. See [`Builder`] for every setting and
/// [`Builder::build`] for what it returns.
///
/// ```
/// let builder = tracing_cloudwatch_logs::builder()
///     .log_group("/demo/orders-api")
///     .service("orders-api");
/// ```
#[cfg(feature = "layer")]
pub fn builder() -> Builder {
    Builder::default()
}

/// The crate README's code blocks, compiled as doc tests so its quick start stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

//! `demo-api`: two small services that log to CloudWatch through `tracing-cloudwatch-logs`
//! the way production services would: `orders` charges through `payments` over HTTP, carrying
//! the W3C trace context, so one request's records share one trace id in both log groups.
//! See the crate README for the routes, the record conventions and how to run them.
//!
//! - [`telemetry`]: the logging set-up (CloudWatch layer + stdout + filter).
//! - [`mod@app`]: both routers and their middleware (request span, trace ids, completion log,
//!   panics).
//! - [`panics`]: where a caught panic happened.
//! - [`trace_context`]: which trace id a request runs under, and how it travels on.
//! - [`routes`], [`state`], [`payments`]: the services themselves.
//! - [`serve`]: the servers with graceful shutdown; [`traffic`]: the demo traffic generator.
//! - [`cli`]: flags and environment variables.
//!
//! The binary calls [`serve::run`] (orders) or [`serve::run_payments`]. Tests (and this example) build the same router and the
//! same logging wiring around an in-memory client:
//!
//! ```
//! use std::{sync::Arc, time::Duration};
//!
//! use demo_api::payments::{SimulatedProvider, SimulatedSettings};
//! use demo_api::telemetry::{self, TelemetrySettings};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let settings = TelemetrySettings {
//!     service: "orders-api".into(),
//!     log_group: "/demo/orders-api".into(),
//!     log_stream: None,
//!     filter: "info".into(),
//!     stdout: false,
//!     shutdown_timeout: Duration::from_secs(5),
//! };
//! let client = tracing_cloudwatch_logs::MemoryClient::default();
//! let (subscriber, guard) = telemetry::subscriber(&settings, client.clone()).unwrap();
//! let _default = tracing::subscriber::set_default(subscriber);
//!
//! let provider = SimulatedProvider::new(SimulatedSettings {
//!     latency: Duration::ZERO,
//!     decline_rate: 0.0,
//!     timeout_rate: 0.0,
//!     seed: Some(1),
//! });
//! let app = demo_api::app(demo_api::AppState::new(Arc::new(provider), Duration::from_secs(1)));
//! let request = http::Request::get("/health")
//!     .header("x-request-id", "req-1")
//!     .body(axum::body::Body::empty())
//!     .unwrap();
//! let response = app.oneshot(request).await.unwrap();
//! assert_eq!(response.headers()["x-trace-id"], "req-1");
//!
//! guard.flush().await;
//! let record = &client.records()[0];
//! assert_eq!(record["message"], "request completed");
//! assert_eq!(record["trace_id"], "req-1");
//! assert_eq!(record["status"], 200);
//! # }
//! ```

#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod panics;
pub mod payments;
pub mod routes;
pub mod serve;
pub mod state;
pub mod telemetry;
pub mod trace_context;
pub mod traffic;

pub use app::app;
pub use state::AppState;

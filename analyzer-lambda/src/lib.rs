//! The analyzer: from a CloudWatch Logs subscription to incidents (DynamoDB) and alerts (SNS),
//! idempotently.
//!
//! A payload is decoded with a size cap ([`payload`]), each line parsed whatever wrote it
//! ([`parse`]), levels normalized ([`severity`]), error lines classified `LOW` / `MEDIUM` /
//! `CRITICAL` ([`classify`]) and grouped by fingerprint ([`fingerprint`]). Each error becomes
//! one row with a deterministic id ([`incident`]); each fingerprint one aggregate that decides
//! when to alert ([`aggregate`]). [`handler::Analyzer`] ties them together over an
//! [`store::IncidentStore`] and an [`alert::Alerter`].
//!
//! ```
//! use analyzer_lambda::alert::memory::MemoryAlerter;
//! use analyzer_lambda::config::Settings;
//! use analyzer_lambda::handler::Analyzer;
//! use analyzer_lambda::payload::{LogEvent, LogsPayload, encode_event, DATA_MESSAGE};
//! use analyzer_lambda::store::memory::MemoryStore;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let analyzer = Analyzer::new(MemoryStore::new(), MemoryAlerter::new(), Settings::default());
//! let payload = LogsPayload {
//!     owner: "123456789012".into(),
//!     log_group: "/ecs/orders-api".into(),
//!     log_stream: "web/1".into(),
//!     subscription_filters: vec!["errors".into()],
//!     message_type: DATA_MESSAGE.into(),
//!     log_events: (0..3)
//!         .map(|i| LogEvent {
//!             id: format!("{i}"),
//!             timestamp: 1_795_000_000_000 + i,
//!             message: format!("ERROR payment {i} failed"),
//!         })
//!         .collect(),
//! };
//! let event = encode_event(&payload);
//! let summary = analyzer.handle_event(&event, 1_795_000_001_000, None).await.unwrap();
//! assert_eq!((summary.incidents_written, summary.alerts_sent), (3, 1));
//! // Redelivery: nothing new.
//! let again = analyzer.handle_event(&event, 1_795_000_002_000, None).await.unwrap();
//! assert_eq!((again.incidents_written, again.duplicates_skipped, again.alerts_sent), (0, 3, 0));
//! # });
//! ```

#![warn(missing_docs)]

pub mod aggregate;
pub mod alert;
pub mod classify;
pub mod config;
pub mod correlate;
mod digest;
pub mod fingerprint;
pub mod handler;
pub mod incident;
mod json_bytes;
pub mod parse;
pub mod payload;
pub mod permissions;
pub mod replay;
pub mod retry;
pub mod severity;
pub mod store;
pub mod trace;
pub mod trace_link;
pub mod webhook;
pub mod window;

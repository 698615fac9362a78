//! The pure half of `analyzer-lambda trace`: one trace's records across services, as one
//! timeline, with the incidents recorded for it.
//!
//! - [`id`]: a trace id in W3C (OpenTelemetry) or X-Ray form, both forms of it, and the
//!   CloudWatch filter pattern that finds its records;
//! - [`timeline`]: which events read back belong to the trace, and their order;
//! - [`incident`]: incident rows of the trace, read from the `by_trace_id` index;
//! - [`render`]: the report, as text for people and JSON for tools.
//!
//! The binary's `cli/trace.rs` does the I/O: `FilterLogEvents` per log group, then a
//! `Query` of the incidents table.

pub mod id;
pub mod incident;
pub mod render;
pub mod timeline;

//! Local stand-ins for the parts of AWS that moto stores but never runs, so that what would be
//! deployed runs here as it would there:
//!
//! - [`subscription`]: a CloudWatch Logs subscription filter. It follows the log groups
//!   subscribed to a function, applies the pattern installed on each filter (read back with
//!   `DescribeSubscriptionFilters`, evaluated by [`logpipe_filter_pattern`]) and builds the
//!   per-stream, gzip + base64 `{"awslogs":{"data":...}}` events CloudWatch sends.
//! - [`lambda`]: the function itself. Its configuration comes from `GetFunctionConfiguration`,
//!   its code from the zip that was uploaded (checked against `CodeSha256`); `bootstrap` runs
//!   behind a local Lambda Runtime API with exactly the function's environment, and events are
//!   invoked asynchronously and retried as Lambda retries them.
//!
//! The `local-lambda` binary ties both together for `scripts/demo`; tests use the library.
//! This crate is a test and demo tool: nothing deployed depends on it.

#![warn(missing_docs)]

pub mod lambda;
pub mod subscription;

//! The crate's one integration test binary.
//!
//! - `routes`: every route through `app(state).oneshot(..)`, asserting on the response and
//!   on the records the CloudWatch layer produced (captured by an in-memory client).
//! - `propagation`: which trace id a request runs under, and that every record carries it.
//! - `two_services`: the orders service calling a real payments service over HTTP.
//! - `moto`: the real binaries against the moto emulator, including SIGTERM.
//! - `traffic`: the traffic generator's exit code, against a stand-in service.
//! - `usage`: settings that cannot work exit with 2.

mod moto;
mod propagation;
mod routes;
mod support;
mod traffic;
mod two_services;
mod usage;

//! The tests (`tests/`) and benchmarks (`benches/`) of
//! [`tracing-cloudwatch-logs`](../tracing-cloudwatch-logs) that need this workspace: moto,
//! the strict PutLogEvents endpoint of `test-support`, child processes, the examples built with
//! cargo. They live in this unpublished crate so the published package holds only what its
//! users build (`cargo package` then has nothing to leave out, and says nothing about it).
//! They use the layer through its public API only, as its users do.

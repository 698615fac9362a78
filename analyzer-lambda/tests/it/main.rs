//! The analyzer's integration tests: fixtures through the handler (in memory), the DynamoDB
//! and SNS implementations against moto, `replay`, and the real binary behind a local Lambda
//! Runtime API.

mod aws;
mod common;
mod corpus;
mod fixtures;
mod grouping;
mod handler;
mod replay_cli;
mod runtime_api;
mod setup;
mod trace_cli;
mod webhooks;

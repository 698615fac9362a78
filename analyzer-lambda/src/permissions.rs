//! The AWS actions the analyzer calls, exactly, for a least-privilege policy (read by
//! `provision`).

/// DynamoDB actions on the incidents table: `BatchGetItem` (which incidents exist, read
/// aggregates), `BatchWriteItem` (new incident rows), `UpdateItem` (aggregates, conditional
/// on their version). No index is queried by the function.
pub const DYNAMODB_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:UpdateItem",
];

/// SNS actions on the alerts topic (`PublishBatch` is authorised by `sns:Publish`).
pub const SNS_ACTIONS: &[&str] = &["sns:Publish"];

/// CloudWatch Logs actions used by `analyzer-lambda replay` (not by the function).
pub const REPLAY_LOGS_ACTIONS: &[&str] = &["logs:FilterLogEvents"];

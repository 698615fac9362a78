//! The AWS actions the analyzer calls, exactly, for a least-privilege policy (read by
//! `provision`).

/// DynamoDB actions on the incidents table: `BatchGetItem` (which incidents exist, read
/// aggregates), `BatchWriteItem` (new incident rows), `UpdateItem` (aggregates, conditional
/// on their version; webhook delivery claims, conditional on their absence).
pub const DYNAMODB_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:UpdateItem",
];

/// DynamoDB actions on the table's `by_trace_id` index (`<table ARN>/index/by_trace_id`):
/// `Query`, to find the specific error an access-log line belongs to when it came in an
/// earlier payload (see `correlate`). Without it the analyzer still works: the lookup
/// failure is logged and such lines stay incidents of their own.
pub const DYNAMODB_INDEX_ACTIONS: &[&str] = &["dynamodb:Query"];

/// SNS actions on the alerts topic (`PublishBatch` is authorised by `sns:Publish`).
pub const SNS_ACTIONS: &[&str] = &["sns:Publish"];

/// Secrets Manager action on the alert webhooks' secret (only when webhooks are configured).
pub const SECRETS_ACTIONS: &[&str] = &["secretsmanager:GetSecretValue"];

/// CloudWatch Logs actions used by `analyzer-lambda replay` (not by the function).
pub const REPLAY_LOGS_ACTIONS: &[&str] = &["logs:FilterLogEvents"];

//! The AWS actions the analyzer calls, exactly, for a least-privilege policy (read by
//! `provision`).

/// DynamoDB actions on the incidents table: `BatchGetItem` (which incidents exist, read
/// aggregates), `BatchWriteItem` (new incident rows), `UpdateItem` (aggregates, conditional
/// on their version; webhook delivery claims, conditional on their absence). No index is
/// queried by the function.
pub const DYNAMODB_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:UpdateItem",
];

/// SNS actions on the alerts topic (`PublishBatch` is authorised by `sns:Publish`).
pub const SNS_ACTIONS: &[&str] = &["sns:Publish"];

/// Secrets Manager action on the alert webhooks' secret (only when webhooks are configured).
pub const SECRETS_ACTIONS: &[&str] = &["secretsmanager:GetSecretValue"];

/// CloudWatch Logs actions used by `analyzer-lambda replay` (not by the function).
pub const REPLAY_LOGS_ACTIONS: &[&str] = &["logs:FilterLogEvents"];

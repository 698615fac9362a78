//! What exists in the account (plain data, read by `current`, compared by `plan`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::names::Tags;

/// The IAM role, if it exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoleState {
    /// Tags.
    pub tags: Tags,
    /// Trust policy.
    pub trust_policy: Option<Value>,
    /// Our inline policy, if attached.
    pub policy: Option<Value>,
    /// Names of every inline policy (`down` removes them before the role).
    pub inline_policies: Vec<String>,
}

/// The DynamoDB table, if it exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TableState {
    /// Tags.
    pub tags: Tags,
    /// Partition key name.
    pub hash_key: String,
    /// Whether billing is PAY_PER_REQUEST.
    pub on_demand: bool,
    /// Names of the global secondary indexes.
    pub indexes: Vec<String>,
    /// The TTL attribute, when TTL is enabled (or being enabled).
    pub ttl_attribute: Option<String>,
    /// Whether it holds incidents; `None` when not looked at (only a table of this stack is)
    /// or when the answer could not be read.
    pub holds_items: Option<bool>,
}

/// The SQS queue, if it exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueueState {
    /// Queue URL.
    pub url: String,
    /// Tags.
    pub tags: Tags,
    /// Whether it holds messages (events the analyzer failed on); `None` when not looked at
    /// (only a queue of this stack is) or when the answer could not be read.
    pub holds_messages: Option<bool>,
}

/// One subscription of the topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubscriptionState {
    /// ARN, or `PendingConfirmation` for unconfirmed e-mail subscriptions.
    pub arn: String,
    /// Protocol.
    pub protocol: String,
    /// Endpoint.
    pub endpoint: String,
    /// Filter policy, if any.
    pub filter_policy: Option<Value>,
}

impl SubscriptionState {
    /// Whether the subscription can be changed (confirmed: it has a real ARN).
    pub fn is_confirmed(&self) -> bool {
        self.arn.starts_with("arn:")
    }
}

/// The SNS topic, if it exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TopicState {
    /// Tags.
    pub tags: Tags,
    /// Subscriptions.
    pub subscriptions: Vec<SubscriptionState>,
}

/// A statement of the function's resource policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PermissionState {
    /// Statement id.
    pub sid: String,
    /// Principal service.
    pub principal: String,
    /// `AWS:SourceArn` condition.
    pub source_arn: Option<String>,
    /// `AWS:SourceAccount` condition.
    pub source_account: Option<String>,
}

/// The function, if it exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FunctionState {
    /// Tags.
    pub tags: Tags,
    /// Runtime.
    pub runtime: String,
    /// Handler.
    pub handler: String,
    /// Role ARN.
    pub role_arn: String,
    /// Memory (MB).
    pub memory_mb: i32,
    /// Timeout (s).
    pub timeout_secs: i32,
    /// Architecture.
    pub architecture: String,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
    /// CodeSha256.
    pub code_sha256: String,
    /// Retries of failed asynchronous invocations, when an invoke config exists.
    pub max_retry_attempts: Option<i32>,
    /// On-failure destination, when configured.
    pub on_failure_arn: Option<String>,
    /// Resource policy statements.
    pub permissions: Vec<PermissionState>,
}

/// A subscription filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilterState {
    /// Filter name.
    pub name: String,
    /// Pattern.
    pub pattern: String,
    /// Destination ARN.
    pub destination_arn: String,
}

/// A log group that exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LogGroupState {
    /// Tags.
    pub tags: Tags,
    /// Retention (days), `None` for "never expire".
    pub retention_days: Option<i32>,
    /// Log group class (`STANDARD`, `INFREQUENT_ACCESS`, ...) when reported.
    pub class: Option<String>,
    /// Subscription filters.
    pub filters: Vec<FilterState>,
    /// Whether it holds log events; `None` when not looked at (only groups provision created,
    /// the ones `down` could delete, are looked at) or when that could not be confirmed.
    pub holds_events: Option<bool>,
}

/// The dashboard, if it exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DashboardState {
    /// Parsed body.
    pub body: Value,
}

/// Everything of the stack that exists (`None`: absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Current {
    /// Role.
    pub role: Option<RoleState>,
    /// Table.
    pub table: Option<TableState>,
    /// Dead-letter queue.
    pub queue: Option<QueueState>,
    /// Topic.
    pub topic: Option<TopicState>,
    /// Function.
    pub function: Option<FunctionState>,
    /// Log groups that were looked at and exist, by name.
    pub log_groups: BTreeMap<String, LogGroupState>,
    /// Dashboard.
    pub dashboard: Option<DashboardState>,
    /// The alert webhooks' secret (read by `up` and `down` only).
    pub webhook_secret: Option<crate::webhooks::SecretState>,
}

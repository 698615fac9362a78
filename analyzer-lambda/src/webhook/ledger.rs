//! The record of webhook posts that makes them happen at most once per alert and target,
//! even when the invocation is retried or runs twice at once.
//!
//! Before posting, a delivery is *claimed* with a conditional write (`UpdateItem` with
//! `attribute_not_exists`): only the writer that creates the item posts. After the post
//! the item records how it went. A crash between claim and post leaves the claim: that post
//! is skipped rather than risk a second one (the alert still reached SNS).
//!
//! Items live in the incidents table beside incidents and aggregates:
//! `incident_id = "webhook#<target>#<alert id>"`, `item_type = "webhook_delivery"`,
//! `target`, `alert_id`, `fingerprint`, `state` (`claimed` / `delivered` / `failed`),
//! `attempts`, `reason` (why it failed, never the URL), `ttl` (epoch seconds,
//! [`LEDGER_TTL_DAYS`] after the claim). They carry no `timestamp` nor `trace_id`, so they
//! stay out of both indexes.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use super::Target;
use crate::retry::{describe, is_transient};
use crate::store::StoreError;

/// `item_type` of delivery records.
pub const ITEM_TYPE_DELIVERY: &str = "webhook_delivery";
/// How long delivery records are kept: far longer than any redelivery of a payload.
pub const LEDGER_TTL_DAYS: i64 = 7;

/// One post: an alert to a target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    /// Slack or Teams.
    pub target: Target,
    /// [`crate::alert::Alert::id`].
    pub alert_id: String,
    /// The alert's fingerprint.
    pub fingerprint: String,
}

impl DeliveryKey {
    /// The item's `incident_id`.
    pub fn item_id(&self) -> String {
        format!("webhook#{}#{}", self.target.as_str(), self.alert_id)
    }
}

/// The result of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours: post it.
    Claimed,
    /// Someone claimed it before (an earlier attempt of this invocation's payload).
    Taken,
}

/// Where delivery claims are kept.
pub trait DeliveryLedger: Send + Sync {
    /// Claims a delivery; exactly one caller ever gets [`Claim::Claimed`] for a key.
    fn claim(
        &self,
        key: &DeliveryKey,
        now_ms: i64,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Records how a claimed delivery went (`Err` holds the reason).
    fn record(
        &self,
        key: &DeliveryKey,
        attempts: u32,
        result: &Result<(), String>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The ledger in the incidents table.
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: Client,
    table: String,
}

impl DynamoLedger {
    /// A ledger in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> DynamoLedger {
        DynamoLedger {
            client,
            table: table.into(),
        }
    }
}

fn key_attr(key: &DeliveryKey) -> HashMap<String, AttributeValue> {
    HashMap::from([("incident_id".to_string(), AttributeValue::S(key.item_id()))])
}

impl DeliveryLedger for DynamoLedger {
    async fn claim(&self, key: &DeliveryKey, now_ms: i64) -> Result<Claim, StoreError> {
        let s = |v: &str| AttributeValue::S(v.to_string());
        // UpdateItem creates the item when absent, and the role already has it (no PutItem).
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attr(key)))
            .update_expression(
                "SET #type = :type, #target = :target, #alert = :alert, \
                 #fingerprint = :fingerprint, #state = :state, #ttl = :ttl",
            )
            .condition_expression("attribute_not_exists(incident_id)")
            // Names through placeholders: several are DynamoDB reserved words.
            .expression_attribute_names("#type", "item_type")
            .expression_attribute_names("#target", "target")
            .expression_attribute_names("#alert", "alert_id")
            .expression_attribute_names("#fingerprint", "fingerprint")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":type", s(ITEM_TYPE_DELIVERY))
            .expression_attribute_values(":target", s(key.target.as_str()))
            .expression_attribute_values(":alert", s(&key.alert_id))
            .expression_attribute_values(":fingerprint", s(&key.fingerprint))
            .expression_attribute_values(":state", s("claimed"))
            .expression_attribute_values(
                ":ttl",
                AttributeValue::N((now_ms / 1000 + LEDGER_TTL_DAYS * 86_400).to_string()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Claim::Taken)
            }
            Err(err) => Err(StoreError {
                operation: "UpdateItem",
                transient: is_transient(&err),
                message: describe(&err),
            }),
        }
    }

    async fn record(
        &self,
        key: &DeliveryKey,
        attempts: u32,
        result: &Result<(), String>,
    ) -> Result<(), StoreError> {
        let (state, reason) = match result {
            Ok(()) => ("delivered", String::new()),
            Err(reason) => ("failed", reason.clone()),
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attr(key)))
            .update_expression("SET #state = :state, #attempts = :attempts, #reason = :reason")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_names("#reason", "reason")
            .expression_attribute_values(":state", AttributeValue::S(state.into()))
            .expression_attribute_values(":attempts", AttributeValue::N(attempts.to_string()))
            .expression_attribute_values(":reason", AttributeValue::S(reason))
            .send()
            .await
            .map(|_| ())
            .map_err(|err| StoreError {
                operation: "UpdateItem",
                transient: is_transient(&err),
                message: describe(&err),
            })
    }
}

/// How a delivery went: attempts, and the outcome once recorded (`None` while only claimed).
type Record = (u32, Option<Result<(), String>>);

/// An in-memory ledger for tests and benchmarks.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    records: Mutex<HashMap<DeliveryKey, Record>>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> MemoryLedger {
        MemoryLedger::default()
    }

    /// Every claim with its recorded outcome (`None` while only claimed).
    pub fn records(&self) -> Vec<(DeliveryKey, Option<Result<(), String>>)> {
        self.records
            .lock()
            .expect("not poisoned")
            .iter()
            .map(|(k, (_, r))| (k.clone(), r.clone()))
            .collect()
    }
}

impl DeliveryLedger for MemoryLedger {
    async fn claim(&self, key: &DeliveryKey, _now_ms: i64) -> Result<Claim, StoreError> {
        let mut records = self.records.lock().expect("not poisoned");
        if records.contains_key(key) {
            return Ok(Claim::Taken);
        }
        records.insert(key.clone(), (0, None));
        Ok(Claim::Claimed)
    }

    async fn record(
        &self,
        key: &DeliveryKey,
        attempts: u32,
        result: &Result<(), String>,
    ) -> Result<(), StoreError> {
        self.records
            .lock()
            .expect("not poisoned")
            .insert(key.clone(), (attempts, Some(result.clone())));
        Ok(())
    }
}

//! The DynamoDB [`IncidentStore`]: the schema and write strategy are described in `store`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, PutRequest, WriteRequest};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::{StreamExt, TryStreamExt, stream};

use super::item::{
    aggregate_fields, aggregate_from_item, aggregate_item_key, cause_from_item, incident_item,
};
use super::{AGGREGATE_PREFIX, Commit, IncidentStore, StoreError};
use crate::aggregate::Aggregate;
use crate::correlate::Cause;
use crate::incident::Incident;
use crate::retry::{describe, is_transient};
use crate::trace_link::LinkTargets;

/// Keys per `BatchGetItem` request
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html>).
pub const MAX_BATCH_GET_KEYS: usize = 100;
/// Put requests per `BatchWriteItem` request
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html>).
pub const MAX_BATCH_WRITE_ITEMS: usize = 25;
/// Batch requests in flight at once: enough to write a 10,000-event storm in a few seconds
/// without one invocation eating a table's whole on-demand burst.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The global secondary index on `trace_id` (created by `provision`).
pub const TRACE_INDEX: &str = "by_trace_id";
/// Items read per trace when looking for an outcome's cause: a request logs a handful of
/// errors, and one page is enough to find one.
const MAX_CAUSES_PER_TRACE: i32 = 50;
/// Rounds of retrying unprocessed keys/items before giving up (and failing the invocation).
pub const MAX_UNPROCESSED_ROUNDS: u32 = 8;
/// First backoff for unprocessed items, doubled each round (AWS recommends exponential
/// backoff for them, see the `BatchWriteItem` page above).
const UNPROCESSED_BACKOFF: Duration = Duration::from_millis(50);

/// The incidents table in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    concurrency: usize,
    links: LinkTargets,
}

impl DynamoStore {
    /// A store writing to `table`.
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
            concurrency: DEFAULT_CONCURRENCY,
            links: LinkTargets::default(),
        }
    }

    /// Where the trace command and console link of traced incident rows point (by default:
    /// `us-east-1` links over the incident's own log group only).
    pub fn with_trace_links(mut self, links: LinkTargets) -> DynamoStore {
        self.links = links;
        self
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    async fn batch_get(
        &self,
        mut keys: Vec<HashMap<String, AttributeValue>>,
        projection: Option<&str>,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut found = Vec::new();
        for round in 0..=MAX_UNPROCESSED_ROUNDS {
            if keys.is_empty() {
                return Ok(found);
            }
            if round > 0 {
                tokio::time::sleep(UNPROCESSED_BACKOFF * 2u32.pow(round - 1)).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .consistent_read(true)
                .set_projection_expression(projection.map(str::to_string))
                .build()
                .map_err(|e| invalid("BatchGetItem", e))?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| sdk_error("BatchGetItem", e))?;
            if let Some(items) = output.responses().and_then(|r| r.get(&self.table)) {
                found.extend(items.iter().cloned());
            }
            keys = output
                .unprocessed_keys()
                .and_then(|u| u.get(&self.table))
                .map(|k| k.keys().to_vec())
                .unwrap_or_default();
        }
        Err(unprocessed("BatchGetItem", keys.len()))
    }

    async fn batch_write(&self, mut requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for round in 0..=MAX_UNPROCESSED_ROUNDS {
            if requests.is_empty() {
                return Ok(());
            }
            if round > 0 {
                tokio::time::sleep(UNPROCESSED_BACKOFF * 2u32.pow(round - 1)).await;
            }
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, std::mem::take(&mut requests))
                .send()
                .await
                .map_err(|e| sdk_error("BatchWriteItem", e))?;
            requests = output
                .unprocessed_items()
                .and_then(|u| u.get(&self.table))
                .cloned()
                .unwrap_or_default();
        }
        Err(unprocessed("BatchWriteItem", requests.len()))
    }
}

fn sdk_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    StoreError {
        operation,
        transient: is_transient(&err),
        message: describe(&err),
    }
}

fn invalid(operation: &'static str, err: impl std::fmt::Display) -> StoreError {
    StoreError {
        operation,
        message: err.to_string(),
        transient: false,
    }
}

fn unprocessed(operation: &'static str, left: usize) -> StoreError {
    StoreError {
        operation,
        message: format!(
            "{left} items still unprocessed after {MAX_UNPROCESSED_ROUNDS} retries (the table is throttling)"
        ),
        transient: true,
    }
}

impl IncidentStore for DynamoStore {
    async fn existing_incidents(&self, ids: &[&str]) -> Result<HashSet<String>, StoreError> {
        let unique: HashSet<&str> = ids.iter().copied().collect();
        let keys: Vec<HashMap<String, AttributeValue>> = unique
            .into_iter()
            .map(|id| {
                HashMap::from([("incident_id".to_string(), AttributeValue::S(id.to_string()))])
            })
            .collect();
        let chunks: Vec<Vec<HashMap<String, AttributeValue>>> =
            keys.chunks(MAX_BATCH_GET_KEYS).map(<[_]>::to_vec).collect();
        let found: Vec<Vec<HashMap<String, AttributeValue>>> = stream::iter(chunks)
            .map(|keys| self.batch_get(keys, Some("incident_id")))
            .buffer_unordered(self.concurrency)
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .flatten()
            .filter_map(|item| item.get("incident_id")?.as_s().ok().cloned())
            .collect())
    }

    async fn put_incidents(&self, incidents: Vec<Incident>) -> Result<(), StoreError> {
        let requests = incidents
            .iter()
            .map(|incident| {
                PutRequest::builder()
                    .set_item(Some(incident_item(incident, &self.links)))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build())
                    .map_err(|e| invalid("BatchWriteItem", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut chunks = Vec::new();
        let mut requests = requests.into_iter().peekable();
        while requests.peek().is_some() {
            chunks.push(requests.by_ref().take(MAX_BATCH_WRITE_ITEMS).collect());
        }
        stream::iter(chunks)
            .map(|chunk| self.batch_write(chunk))
            .buffer_unordered(self.concurrency)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn aggregates(
        &self,
        fingerprints: &[String],
    ) -> Result<HashMap<String, Aggregate>, StoreError> {
        let mut aggregates = HashMap::new();
        for chunk in fingerprints.chunks(MAX_BATCH_GET_KEYS) {
            let keys = chunk.iter().map(|f| aggregate_item_key(f)).collect();
            for item in self.batch_get(keys, None).await? {
                let is_aggregate = item
                    .get("incident_id")
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|id| id.starts_with(AGGREGATE_PREFIX));
                if let Some(aggregate) = is_aggregate.then(|| aggregate_from_item(&item)).flatten()
                {
                    aggregates.insert(aggregate.fingerprint.clone(), aggregate);
                }
            }
        }
        Ok(aggregates)
    }

    async fn commit_aggregate(
        &self,
        prev: Option<&Aggregate>,
        next: &Aggregate,
        added: u64,
    ) -> Result<Commit, StoreError> {
        let mut sets = Vec::new();
        let mut removes = Vec::new();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(aggregate_item_key(&next.fingerprint)));
        for (i, (name, value)) in aggregate_fields(next).into_iter().enumerate() {
            request = request.expression_attribute_names(format!("#a{i}"), name);
            match value {
                Some(value) => {
                    sets.push(format!("#a{i} = :v{i}"));
                    request = request.expression_attribute_values(format!(":v{i}"), value);
                }
                None => removes.push(format!("#a{i}")),
            }
        }
        let mut expression = format!("SET {} ADD #count :added, #version :one", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        request = request
            .update_expression(expression)
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":added", AttributeValue::N(added.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        request = match prev {
            None => request.condition_expression("attribute_not_exists(incident_id)"),
            Some(prev) => request
                .condition_expression("#version = :prev_version")
                .expression_attribute_values(
                    ":prev_version",
                    AttributeValue::N(prev.version.to_string()),
                ),
        };
        match request.send().await {
            Ok(_) => Ok(Commit::Done),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Commit::Conflict)
            }
            Err(err) => Err(sdk_error("UpdateItem", err)),
        }
    }

    async fn causes(
        &self,
        trace_ids: &[String],
    ) -> Result<HashMap<String, Vec<Cause>>, StoreError> {
        let found: Vec<(String, Vec<Cause>)> = stream::iter(trace_ids.iter().cloned())
            .map(|trace| async move {
                let output = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(TRACE_INDEX)
                    .key_condition_expression("trace_id = :trace")
                    .expression_attribute_values(":trace", AttributeValue::S(trace.clone()))
                    .limit(MAX_CAUSES_PER_TRACE)
                    .send()
                    .await
                    .map_err(|e| sdk_error("Query", e))?;
                let causes = output.items().iter().filter_map(cause_from_item).collect();
                Ok::<_, StoreError>((trace, causes))
            })
            .buffer_unordered(self.concurrency)
            .try_collect()
            .await?;
        Ok(found.into_iter().filter(|(_, c)| !c.is_empty()).collect())
    }

    async fn clear_pending_alert(&self, fingerprint: &str, token: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(aggregate_item_key(fingerprint)))
            // Bumping the version makes a writer that read the pending alert re-read it.
            .update_expression("REMOVE pending_alert_token, pending_event_type ADD #version :one")
            .condition_expression("pending_alert_token = :token")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":token", AttributeValue::S(token.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(err) => Err(sdk_error("UpdateItem", err)),
        }
    }
}

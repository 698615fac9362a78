//! Creating the resources the analyzer uses in moto, and reading them back.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

/// One DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Creates the table with the schema agreed with `provision` (see `store`).
pub async fn create_table(sdk: &SdkConfig, name: &str) {
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .unwrap()
    };
    let all = Projection::builder()
        .projection_type(ProjectionType::All)
        .build();
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("incident_id"))
        .attribute_definitions(attr("service"))
        .attribute_definitions(attr("timestamp"))
        .attribute_definitions(attr("trace_id"))
        .key_schema(key("incident_id", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_service")
                .key_schema(key("service", KeyType::Hash))
                .key_schema(key("timestamp", KeyType::Range))
                .projection(all.clone())
                .build()
                .unwrap(),
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_trace_id")
                .key_schema(key("trace_id", KeyType::Hash))
                .projection(all)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create table");
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("ttl")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("enable TTL");
}

/// An SNS topic with an SQS queue subscribed; returns (topic arn, queue url).
pub async fn create_topic_and_queue(sdk: &SdkConfig, name: &str) -> (String, String) {
    let sns = aws_sdk_sns::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let topic = sns
        .create_topic()
        .name(name)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("{name}-q"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .unwrap();
    (topic, queue_url)
}

/// Every SNS notification in the queue, as the parsed envelope.
pub async fn drain_queue(sdk: &SdkConfig, queue_url: &str) -> Vec<serde_json::Value> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    test_support::drain_queue(&sqs, queue_url)
        .await
        .iter()
        .map(|body| serde_json::from_str(body).unwrap())
        .collect()
}

/// Every item of a table.
pub async fn scan(sdk: &SdkConfig, table: &str) -> Vec<Item> {
    test_support::scan_table(&aws_sdk_dynamodb::Client::new(sdk), table).await
}

/// Creates the group (if needed) and the stream, and puts the lines, timestamped now.
pub async fn put_events(sdk: &SdkConfig, group: &str, stream: &str, messages: &[String]) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(sdk);
    let _ = logs.create_log_group().log_group_name(group).send().await;
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
    put_events_at(&logs, group, stream, messages.to_vec(), now_ms() - 10_000).await;
}

/// Puts lines into an existing stream, timestamped now.
pub async fn put_events_in(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    messages: Vec<String>,
) {
    put_events_at(logs, group, stream, messages, now_ms()).await;
}

/// Puts lines one millisecond apart from `start_ms`.
async fn put_events_at(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    messages: Vec<String>,
    start_ms: i64,
) {
    let events = messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(start_ms + i as i64)
                .message(m)
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
}

//! Test helpers for the workspace (not published, never a runtime dependency):
//!
//! - [`Moto`]: a `moto_server` per test on a free loopback port, killed on drop;
//! - [`sdk_config_for`] / [`env_for`]: point the SDK, or a child process, at a local endpoint
//!   with static test credentials, so no test can reach a real AWS account;
//! - [`StrictLogs`]: an in-process CloudWatch Logs endpoint stricter than moto (every
//!   `PutLogEvents` limit, time windows, sequence tokens) with fault injection;
//! - [`WebhookSink`]: a local stand-in for Slack and Teams webhooks that records posts and
//!   answers as scripted (429 with `Retry-After`, 5xx, down).

mod moto;
pub mod strict_logs;
pub mod webhook_sink;

pub use moto::{ACCOUNT_ID, Moto, REGION, free_port, moto_server_path, workspace_root};
pub use strict_logs::{
    AcceptedEvent, Fault, FaultKind, FaultRates, OutageMode, StrictConfig, StrictLogs, StrictStats,
};
pub use webhook_sink::{Answer, Received, WebhookSink};

use aws_config::Region;
use aws_credential_types::Credentials;

/// Static credentials for local endpoints; never valid anywhere else.
pub const TEST_ACCESS_KEY: &str = "testing";
/// See [`TEST_ACCESS_KEY`].
pub const TEST_SECRET_KEY: &str = "testing";

/// SDK configuration for a loopback endpoint: static credentials, [`REGION`], the workspace's
/// HTTP client. Panics if `endpoint` is not on loopback.
pub async fn sdk_config_for(endpoint: &str) -> aws_config::SdkConfig {
    assert_loopback(endpoint);
    logpipe_aws::config_loader()
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            TEST_ACCESS_KEY,
            TEST_SECRET_KEY,
            None,
            None,
            "test-support",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// [`sdk_config_for`] for code without an async runtime (sync tests, bench binaries).
pub fn sdk_config_blocking(endpoint: &str) -> aws_config::SdkConfig {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime for loading the SDK configuration")
        .block_on(sdk_config_for(endpoint))
}

/// Every event of a log stream, oldest first, as `(timestamp, message)`: GetLogEvents from
/// the head, following `nextForwardToken` until it stops changing.
pub async fn read_log_stream(
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
) -> Vec<(i64, String)> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(true)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetLogEvents {group}/{stream}: {e:?}"));
        for e in page.events() {
            events.push((
                e.timestamp().unwrap_or_default(),
                e.message().unwrap_or_default().to_owned(),
            ));
        }
        let next = page.next_forward_token().map(str::to_owned);
        if page.events().is_empty() || next.is_none() || next == token {
            return events;
        }
        token = next;
    }
}

/// Receives and deletes every message in an SQS queue until it answers empty; returns the
/// bodies (SNS notifications arrive as their JSON envelope).
pub async fn drain_queue(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let page = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ReceiveMessage {queue_url}: {e:?}"));
        if page.messages().is_empty() {
            return bodies;
        }
        for message in page.messages() {
            bodies.push(message.body().unwrap_or_default().to_owned());
            sqs.delete_message()
                .queue_url(queue_url)
                .set_receipt_handle(message.receipt_handle().map(str::to_owned))
                .send()
                .await
                .unwrap_or_else(|e| panic!("DeleteMessage {queue_url}: {e:?}"));
        }
    }
}

/// Every item of a DynamoDB table (Scan, following `LastEvaluatedKey`).
pub async fn scan_table(
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = ddb
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Scan {table}: {e:?}"));
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// A `/proc/self/status` figure in KiB (`VmRSS`, `VmHWM`...); 0 when unavailable.
pub fn proc_status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Environment variables that point a child process at a loopback endpoint.
pub fn env_for(endpoint: &str) -> Vec<(String, String)> {
    assert_loopback(endpoint);
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", TEST_SECRET_KEY),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn assert_loopback(endpoint: &str) {
    let host = endpoint
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    assert!(
        host == "127.0.0.1" || host == "localhost" || host.starts_with("127."),
        "tests may only talk to loopback, not {endpoint}"
    );
}

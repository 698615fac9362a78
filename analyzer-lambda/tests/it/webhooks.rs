//! Slack and Teams webhooks against local stand-ins, with the delivery ledger, SNS and the
//! secret in moto: one post per alert and target, retries, outages, redelivery, no URL in
//! the logs.

use std::time::{Duration, Instant};

use analyzer_lambda::alert::document;
use analyzer_lambda::alert::sns::SnsAlerter;
use analyzer_lambda::config::Settings;
use analyzer_lambda::handler::Analyzer;
use analyzer_lambda::payload::encode_event;
use analyzer_lambda::store::dynamodb::DynamoStore;
use analyzer_lambda::webhook::ledger::DynamoLedger;
use analyzer_lambda::webhook::post::Poster;
use analyzer_lambda::webhook::secret::SecretUrls;
use analyzer_lambda::webhook::{UrlSource, Webhooks, WithWebhooks, slack, teams};
use aws_config::SdkConfig;
use serde_json::Value;
use test_support::{Answer, Moto, WebhookSink};

use crate::common::{NOW_MS, capture_logs, layer_error, payload};
use crate::setup::{Item, create_table, create_topic_and_queue, drain_queue, scan};

/// The secret part of the stand-in URLs: must never be printed.
const SECRET_PATH: &str = "T0SECRET/B0SECRET/Xq9SeCrEtToKeN";

type Live = Analyzer<DynamoStore, WithWebhooks<SnsAlerter, DynamoLedger>>;

struct Stack {
    _moto: Moto,
    sdk: SdkConfig,
    queue: String,
    sink: WebhookSink,
    analyzer: Live,
}

fn slack_path() -> String {
    format!("/slack/{SECRET_PATH}")
}

fn teams_path() -> String {
    format!("/teams/{SECRET_PATH}")
}

/// moto with the table, the topic + queue and the webhook secret; the stand-in; the analyzer
/// reading the URLs from the secret as the function does.
async fn stack() -> Stack {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, queue) = create_topic_and_queue(&sdk, "alerts").await;
    let sink = WebhookSink::start();
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let value = serde_json::json!({
        "slack": sink.url(&slack_path()),
        "teams": sink.url(&teams_path()),
    });
    secrets
        .create_secret()
        .name("logpipe-alert-webhooks")
        .secret_string(value.to_string())
        .send()
        .await
        .expect("create the secret");
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let webhooks = Webhooks::new(
        UrlSource::Secret(SecretUrls::new(secrets, "logpipe-alert-webhooks")),
        DynamoLedger::new(dynamodb.clone(), "Incidents"),
        Poster::new(Duration::from_secs(2)).unwrap(),
    );
    let analyzer = Analyzer::new(
        DynamoStore::new(dynamodb, "Incidents"),
        WithWebhooks::new(
            SnsAlerter::new(aws_sdk_sns::Client::new(&sdk), topic),
            Some(webhooks),
        ),
        Settings::default(),
    );
    Stack {
        _moto: moto,
        sdk,
        queue,
        sink,
        analyzer,
    }
}

/// Three errors of one fingerprint: one new problem, one alert.
fn one_problem() -> Value {
    encode_event(&payload("web-1", (0..3).map(layer_error)))
}

fn of_type(items: &[Item], item_type: &str) -> Vec<Item> {
    items
        .iter()
        .filter(|i| {
            i.get("item_type")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                == Some(item_type)
        })
        .cloned()
        .collect()
}

fn s(item: &Item, key: &str) -> String {
    item.get(key)
        .and_then(|v| v.as_s().or_else(|_| v.as_n()).ok())
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_new_problem_posts_once_to_slack_and_to_teams_and_redelivery_posts_nothing() {
    let stack = stack().await;
    let event = one_problem();
    let ((first, again), logs) = capture_logs(async {
        let first = stack
            .analyzer
            .handle_event(&event, NOW_MS, None)
            .await
            .unwrap();
        let again = stack
            .analyzer
            .handle_event(&event, NOW_MS, None)
            .await
            .unwrap();
        (first, again)
    })
    .await;
    assert_eq!(
        (
            first.alerts_sent,
            first.webhook_posts,
            first.webhook_failures
        ),
        (1, 2, 0)
    );
    assert_eq!((again.alerts_sent, again.webhook_posts), (0, 0));

    let slack_posts = stack.sink.received(&slack_path());
    let teams_posts = stack.sink.received(&teams_path());
    assert_eq!((slack_posts.len(), teams_posts.len()), (1, 1));
    slack::check(&slack_posts[0].body).unwrap();
    teams::check(&teams_posts[0].body).unwrap();
    assert_eq!(slack_posts[0].body["attachments"][0]["color"], "#F9A825");
    let card = &teams_posts[0].body["attachments"][0]["content"];
    assert!(
        card["body"][0]["text"]
            .as_str()
            .unwrap()
            .contains("MEDIUM · orders-api")
    );

    // SQS subscribers get the structured alert, with the trace commands.
    let alerts = drain_queue(&stack.sdk, &stack.queue).await;
    assert_eq!(alerts.len(), 1);
    let doc: Value = serde_json::from_str(alerts[0]["Message"].as_str().unwrap()).unwrap();
    document::check(&doc).unwrap();
    assert_eq!(doc["count"], 3);
    let command = doc["traces"][0]["command"].as_str().unwrap();
    assert!(
        command.starts_with("analyzer-lambda trace 0000000000000000000000000000000"),
        "{command}"
    );
    assert!(command.contains("--log-group /demo/orders-api --start "));

    // The ledger says delivered, once per target.
    let items = scan(&stack.sdk, "Incidents").await;
    let deliveries = of_type(&items, "webhook_delivery");
    assert_eq!(deliveries.len(), 2);
    assert!(
        deliveries
            .iter()
            .all(|d| s(d, "state") == "delivered" && s(d, "attempts") == "1")
    );

    assert!(!logs.is_empty());
    assert!(
        !logs.contains("SECRET"),
        "a webhook URL leaked into the logs:\n{logs}"
    );
}

#[tokio::test]
async fn throttled_and_failing_webhooks_are_retried_then_delivered_once() {
    let stack = stack().await;
    stack.sink.script(
        &slack_path(),
        [
            Answer {
                status: 429,
                retry_after: Some("1".into()),
            },
            Answer::status(500),
        ],
    );
    stack
        .sink
        .script(&teams_path(), [Answer::status(503), Answer::status(502)]);
    let summary = stack
        .analyzer
        .handle_event(
            &one_problem(),
            NOW_MS,
            Some(Instant::now() + Duration::from_secs(30)),
        )
        .await
        .unwrap();
    assert_eq!((summary.webhook_posts, summary.webhook_failures), (2, 0));
    assert_eq!(stack.sink.received(&slack_path()).len(), 1);
    assert_eq!(stack.sink.received(&teams_path()).len(), 1);
    let items = scan(&stack.sdk, "Incidents").await;
    for d in of_type(&items, "webhook_delivery") {
        assert_eq!(
            (s(&d, "state"), s(&d, "attempts")),
            ("delivered".into(), "3".into())
        );
    }
}

#[tokio::test]
async fn a_webhook_down_for_the_whole_invocation_loses_nothing() {
    let stack = stack().await;
    stack.sink.down(&slack_path(), Some(503));
    let event = one_problem();
    let (summary, logs) = capture_logs(stack.analyzer.handle_event(
        &event,
        NOW_MS,
        Some(Instant::now() + Duration::from_secs(4)),
    ))
    .await;
    let summary = summary.expect("a webhook outage does not fail the invocation");
    assert_eq!(
        (
            summary.incidents_written,
            summary.alerts_sent,
            summary.webhook_posts,
            summary.webhook_failures
        ),
        (3, 1, 1, 1)
    );
    // SNS and DynamoDB have everything.
    assert_eq!(drain_queue(&stack.sdk, &stack.queue).await.len(), 1);
    let items = scan(&stack.sdk, "Incidents").await;
    assert_eq!(of_type(&items, "incident").len(), 3);
    assert_eq!(of_type(&items, "aggregate").len(), 1);
    let failed: Vec<Item> = of_type(&items, "webhook_delivery")
        .into_iter()
        .filter(|d| s(d, "target") == "slack")
        .collect();
    assert_eq!(s(&failed[0], "state"), "failed");
    assert!(s(&failed[0], "reason").contains("503"));
    // Logged once, without the URL.
    let failures = logs
        .lines()
        .filter(|l| l.contains("webhook post failed"))
        .count();
    assert_eq!(failures, 1, "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");

    // Slack is back; the same payload arrives again: nothing is posted twice, nor counted twice.
    stack.sink.down(&slack_path(), None);
    let again = stack
        .analyzer
        .handle_event(&event, NOW_MS, None)
        .await
        .unwrap();
    assert_eq!(
        (
            again.incidents_written,
            again.alerts_sent,
            again.webhook_posts
        ),
        (0, 0, 0)
    );
    assert_eq!(stack.sink.received(&teams_path()).len(), 1);
}

//! Against moto: DynamoDB rows, SNS alerts through an SQS queue, redelivery, and `replay`.

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use analyzer_lambda::alert::sns::SnsAlerter;
use analyzer_lambda::config::Settings;
use analyzer_lambda::handler::Analyzer;
use analyzer_lambda::payload::encode_event;
use analyzer_lambda::replay::{StoredEvent, payloads};
use analyzer_lambda::store::dynamodb::DynamoStore;
use aws_config::SdkConfig;
use test_support::Moto;

use crate::common::{data_fixture, layer_error, payload};
use crate::setup::{
    Item, create_table, create_topic_and_queue, drain_queue, now_ms, put_events, put_events_in,
    scan,
};

pub fn of_type<'a>(items: &'a [Item], item_type: &str) -> Vec<&'a Item> {
    items
        .iter()
        // moto applies an UpdateItem's actions one by one, so a Scan running beside a write
        // can see a new item with only its key (DynamoDB itself is atomic per item).
        .filter(|i| {
            i.get("item_type")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                == Some(item_type)
        })
        .collect()
}

fn analyzer(sdk: &SdkConfig, table: &str, topic: &str) -> Analyzer<DynamoStore, SnsAlerter> {
    Analyzer::new(
        DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table),
        SnsAlerter::new(aws_sdk_sns::Client::new(sdk), topic),
        Settings::default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_and_alerts_land_and_redelivery_is_idempotent() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, queue) = create_topic_and_queue(&sdk, "alerts").await;
    let analyzer = analyzer(&sdk, "Incidents", &topic);

    let (_, layer) = data_fixture("layer_records.data.json");
    // 300 identical errors: more than one BatchGetItem (100) and many BatchWriteItems (25).
    let storm = encode_event(&payload("web-1", (0..300).map(layer_error)));
    let now = crate::common::NOW_MS;
    let first = analyzer.handle_event(&layer, now, None).await.unwrap();
    let second = analyzer.handle_event(&storm, now, None).await.unwrap();
    assert_eq!(first.incidents_written, 4);
    assert_eq!(second.incidents_written, 300);
    assert_eq!(
        (first.alerts_sent, second.alerts_sent),
        (3, 1),
        "{second:?}"
    );

    let items = scan(&sdk, "Incidents").await;
    let incidents = of_type(&items, "incident");
    assert_eq!(incidents.len(), 304);
    let sample = incidents
        .iter()
        .find(|i| i["level"].as_s().unwrap() == "WARN")
        .unwrap();
    for field in [
        "incident_id",
        "service",
        "message",
        "level",
        "timestamp",
        "severity",
        "fingerprint",
        "trace_id",
        "log_group",
        "log_stream",
        "event_id",
        "ttl",
    ] {
        assert!(sample.contains_key(field), "{field} missing");
    }
    assert_eq!(sample["severity"].as_s().unwrap(), "LOW");
    let aggregates = of_type(&items, "aggregate");
    assert_eq!(aggregates.len(), 3);
    let storm_aggregate = aggregates
        .iter()
        .find(|a| a["count"].as_n().unwrap() == "302")
        .expect("the storm and the two layer 'payment failed' lines share a fingerprint");
    assert!(
        storm_aggregate["incident_id"]
            .as_s()
            .unwrap()
            .starts_with("fingerprint#")
    );
    assert!(storm_aggregate.contains_key("last_alerted_at"));

    // 3 fingerprints opened by the layer fixture, then the storm escalates one of them
    // (rate -> CRITICAL, which the cooldown does not hold back).
    let alerts = drain_queue(&sdk, &queue).await;
    assert_eq!(alerts.len(), 4, "{alerts:#?}");
    let attrs: Vec<BTreeMap<String, String>> = alerts
        .iter()
        .map(|a| {
            a["MessageAttributes"]
                .as_object()
                .expect("SNS envelope has MessageAttributes")
                .iter()
                .map(|(k, v)| (k.clone(), v["Value"].as_str().unwrap().to_string()))
                .collect()
        })
        .collect();
    assert!(attrs.iter().all(|a| a.contains_key("severity")
        && a.contains_key("service")
        && a.contains_key("event_type")));
    let escalation = alerts
        .iter()
        .zip(&attrs)
        .find(|(_, a)| a["event_type"] == "escalated")
        .unwrap();
    assert_eq!(escalation.1["severity"], "CRITICAL");
    assert_eq!(escalation.1["service"], "orders-api");
    // SQS subscribers receive the structured alert (the `sqs` message of the publish).
    let body: serde_json::Value =
        serde_json::from_str(escalation.0["Message"].as_str().unwrap()).unwrap();
    analyzer_lambda::alert::document::check(&body).unwrap();
    assert_eq!(body["count"], 302, "{body}");
    assert!(
        body["logs_url"]
            .as_str()
            .unwrap()
            .contains("#logsV2:log-groups/log-group/$252Fdemo$252Forders-api"),
        "{body}"
    );
    assert!(
        body["traces"][0]["insights_url"]
            .as_str()
            .unwrap()
            .contains("#logsV2:logs-insights$3FqueryDetail$3D"),
        "{body}"
    );

    // Redelivery of both payloads: nothing new anywhere.
    let again = analyzer
        .handle_event(&storm, now + 1000, None)
        .await
        .unwrap();
    assert_eq!(
        (
            again.incidents_written,
            again.duplicates_skipped,
            again.alerts_sent
        ),
        (0, 300, 0)
    );
    analyzer
        .handle_event(&layer, now + 1000, None)
        .await
        .unwrap();
    assert_eq!(
        of_type(&scan(&sdk, "Incidents").await, "incident").len(),
        304
    );
    assert!(drain_queue(&sdk, &queue).await.is_empty());
}

/// The binary against moto, with the analyzer's two required variables.
pub fn binary(moto: &Moto, table: &str, topic: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_analyzer-lambda"));
    command
        .envs(moto.env())
        .env("INCIDENTS_TABLE", table)
        .env("ALERTS_TOPIC_ARN", topic)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("AWS_PROFILE");
    command
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Incident rows, including the outcome lines attached to their error (the Lambda fixture's
/// `REPORT ... Status: timeout` joins its `Task timed out` line).
fn incident_rows(items: &[Item]) -> BTreeMap<String, BTreeMap<String, String>> {
    of_type(items, "incident")
        .into_iter()
        .chain(of_type(items, "attached"))
        .map(|item| {
            let fields = item
                .iter()
                .map(|(k, v)| (k.clone(), format!("{v:?}")))
                .collect();
            (item["incident_id"].as_s().unwrap().clone(), fields)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_produces_the_same_incidents_as_the_subscription() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "ViaSubscription").await;
    create_table(&sdk, "ViaReplay").await;
    let (topic, _queue) = create_topic_and_queue(&sdk, "alerts").await;
    let group = "/demo/orders-api";
    let (layer, _) = data_fixture("layer_records.data.json");
    let (text, _) = data_fixture("lambda_text_lines.data.json");
    let lines = |p: &analyzer_lambda::payload::LogsPayload| -> Vec<String> {
        p.log_events.iter().map(|e| e.message.clone()).collect()
    };
    put_events(&sdk, group, "web/1", &lines(&layer)).await;
    put_events(&sdk, group, "fn/2", &lines(&text)).await;
    let storm: Vec<String> = (0..120).map(layer_error).collect();
    put_events(&sdk, group, "web/3", &storm).await;

    // The subscription path: the payloads CloudWatch would deliver, built from the stored
    // events (FilterLogEvents gives the same event ids a subscription carries).
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let filtered = logs
        .filter_log_events()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    let stored: Vec<StoredEvent> = filtered
        .events()
        .iter()
        .map(|e| StoredEvent {
            log_stream: e.log_stream_name().unwrap().to_string(),
            event_id: e.event_id().unwrap().to_string(),
            timestamp: e.timestamp().unwrap(),
            message: e.message().unwrap().to_string(),
        })
        .collect();
    assert_eq!(stored.len(), 5 + 13 + 120);
    let subscription = analyzer(&sdk, "ViaSubscription", &topic);
    for payload in payloads("123456789012", group, stored) {
        subscription
            .handle_event(&encode_event(&payload), now_ms(), None)
            .await
            .unwrap();
    }

    // The replay binary over the same log group, into the other table.
    let output = binary(&moto, "ViaReplay", &topic)
        .args(["replay", "--log-group", group, "--since", "1h"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("\"incidents_written\":133"),
        "{}",
        stderr(&output)
    );

    let via_subscription = incident_rows(&scan(&sdk, "ViaSubscription").await);
    let via_replay = incident_rows(&scan(&sdk, "ViaReplay").await);
    assert_eq!(via_subscription.len(), 4 + 9 + 120);
    assert_eq!(via_subscription, via_replay);

    // Replaying over what the subscription already handled creates nothing.
    let output = binary(&moto, "ViaSubscription", &topic)
        .args(["replay", "--log-group", group, "--since", "1h"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("\"incidents_written\":0"), "{err}");
    assert!(err.contains("\"duplicates_skipped\":133"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_follow_waits_for_the_group_and_stops_on_sigterm() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, queue) = create_topic_and_queue(&sdk, "alerts").await;
    let group = "/demo/later";
    let child = binary(&moto, "Incidents", &topic)
        .args([
            "replay",
            "--log-group",
            group,
            "--since",
            "5m",
            "--follow",
            "--interval",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    put_events(
        &sdk,
        group,
        "web/1",
        &(0..5).map(layer_error).collect::<Vec<_>>(),
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(30);
    while of_type(&scan(&sdk, "Incidents").await, "incident").len() < 5 {
        assert!(
            Instant::now() < deadline,
            "replay --follow did not pick the events up"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // More events while following: picked up too, and each only once.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name("web/2")
        .send()
        .await
        .unwrap();
    put_events_in(&logs, group, "web/2", (5..8).map(layer_error).collect()).await;
    while of_type(&scan(&sdk, "Incidents").await, "incident").len() < 8 {
        assert!(
            Instant::now() < deadline,
            "replay --follow missed the later events"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("does not exist yet; waiting"), "{err}");
    assert!(err.contains("\"incidents_written\":8"), "{err}");
    assert_eq!(drain_queue(&sdk, &queue).await.len(), 1);
}

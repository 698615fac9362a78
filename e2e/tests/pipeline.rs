//! The whole pipeline against moto, with the real binaries:
//! `provision up` (the analyzer's release bootstrap, as deployed to AWS, in the zip) -> `demo-api` (orders -> payments; layer -> CloudWatch
//! Logs) -> `local-lambda` (the subscription filter's pattern applied, the bootstrap run as a
//! Lambda; moto runs neither) -> DynamoDB + SNS -> SQS.

use std::collections::{BTreeMap, BTreeSet};

use e2e::run;
use serde_json::Value;
use test_support::{ACCOUNT_ID, Moto, REGION};

const PREFIX: &str = "e2e";
const LOG_GROUP: &str = "/e2e/orders-api";
const PAYMENTS_LOG_GROUP: &str = "/e2e/payments";

/// Incident rows by trace id, and the number of rows.
async fn incidents(
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> (BTreeMap<String, Vec<String>>, usize) {
    let mut by_trace: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rows = 0;
    for item in test_support::scan_table(ddb, table).await {
        let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        if s("item_type").as_deref() != Some("incident") {
            continue;
        }
        rows += 1;
        if let (Some(trace), Some(fp)) = (s("trace_id"), s("fingerprint")) {
            by_trace.entry(trace).or_default().push(fp);
        }
    }
    (by_trace, rows)
}

/// Alert notifications delivered to the queue: (fingerprint, event_type, severity attribute).
async fn drain_alerts(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<(String, String, String)> {
    let mut alerts = Vec::new();
    for raw in test_support::drain_queue(sqs, queue_url).await {
        let body: Value = serde_json::from_str(&raw).unwrap();
        // SNS wraps the message in its notification envelope unless raw delivery is on.
        let (text, attributes) = match body.get("Message") {
            Some(message) => (
                message.as_str().unwrap().to_owned(),
                body["MessageAttributes"].clone(),
            ),
            None => (raw.clone(), Value::Null),
        };
        // SQS subscribers receive the structured alert (the `sqs` message of the SNS publish).
        let alert: Value = serde_json::from_str(&text).expect("the SQS message is the alert JSON");
        let fingerprint = alert["fingerprint"]
            .as_str()
            .expect("alert names its fingerprint")
            .to_owned();
        let attr = |k: &str| {
            attributes[k]["Value"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(attr("service"), "orders-api", "{body}");
        alerts.push((fingerprint, attr("event_type"), attr("severity")));
    }
    alerts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_requests_become_incidents_and_deduplicated_alerts() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let ddb = aws_sdk_dynamodb::Client::new(&config);

    // 1. The stack, with an SQS queue subscribed to the alerts.
    let queue_url = sqs
        .create_queue()
        .queue_name("e2e-alerts")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned();
    let queue_arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT_ID}:e2e-alerts");
    let zip = e2e::release_analyzer_zip();
    let provision_args = [
        "up",
        "--prefix",
        PREFIX,
        "--log-group",
        LOG_GROUP,
        "--alert-sqs",
        &queue_arn,
        "--lambda-zip",
        zip.to_str().unwrap(),
        // moto 5.2.5 does not speak the CBOR protocol of the CloudWatch (metrics) API the SDK
        // uses for dashboards; provision's own tests cover the dashboard body.
        "--no-dashboard",
    ];
    run(&moto, "provision", &provision_args, &[]);

    // 2. The services (orders in front of payments), and requests that fail in known ways.
    let api = e2e::DemoServices::start(&moto, LOG_GROUP, PAYMENTS_LOG_GROUP, "e2e").await;
    let base = api.orders_url.clone();
    let http = reqwest::Client::new();
    let mut failing: Vec<String> = Vec::new();
    for i in 0..6 {
        let order: Value = http
            .post(format!("{base}/orders"))
            .json(&serde_json::json!({"item": format!("book {i}"), "quantity": 1, "unit_price_cents": 1000 + i}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = order["id"].as_u64().expect("order id");
        let fail = if i % 2 == 0 { "decline" } else { "timeout" };
        let trace = format!("e2e-pay-{i}");
        let response = http
            .post(format!("{base}/orders/{id}/pay?fail={fail}"))
            .header("x-request-id", &trace)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_server_error() || response.status().as_u16() == 402,
            "{}",
            response.status()
        );
        failing.push(trace);
    }
    for i in 0..2 {
        let trace = format!("e2e-panic-{i}");
        let response = http
            .get(format!("{base}/panic"))
            .header("x-request-id", &trace)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 500);
        failing.push(trace);
    }
    // Graceful shutdown flushes the layer.
    api.terminate();

    // 3. The subscription delivers to the function, twice: a second delivery of the same
    //    events (a fresh local-lambda reads them all again) must change nothing.
    let table = format!("{PREFIX}-Incidents");
    let function = format!("{PREFIX}-analyzer");
    let deliver = [
        "--function",
        &function,
        "--zip",
        zip.to_str().unwrap(),
        "--once",
        "--retry-delays",
        "0.2,0.4",
    ];
    // Its own TMPDIR, to see that it leaves nothing behind (it unpacks the zip there).
    let tmp = tempfile::tempdir().unwrap();
    let tmp_env = [("TMPDIR", tmp.path().display().to_string())];
    let output = run(&moto, "local-lambda", &deliver, &tmp_env);
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "local-lambda left {left:?} behind");
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(stats["succeeded"].as_u64().unwrap() >= 1, "{stats}");
    assert_eq!(stats["failed_attempts"], 0, "{stats}");

    let (by_trace, rows) = incidents(&ddb, &table).await;
    for trace in &failing {
        assert!(
            by_trace.contains_key(trace),
            "no incident for failing request {trace}; incidents: {by_trace:?}"
        );
    }
    let fingerprints: BTreeSet<&String> = failing.iter().flat_map(|t| &by_trace[t]).collect();
    assert!(
        fingerprints.len() >= 2,
        "declines, timeouts and panics are different problems: {fingerprints:?}"
    );
    let alerts = drain_alerts(&sqs, &queue_url).await;
    let mut opened: BTreeMap<&str, usize> = BTreeMap::new();
    for (fp, event_type, severity) in &alerts {
        assert!(!severity.is_empty(), "severity attribute");
        if event_type == "opened" {
            *opened.entry(fp.as_str()).or_default() += 1;
        }
    }
    for fp in &fingerprints {
        assert_eq!(
            opened.get(fp.as_str()),
            Some(&1),
            "one opening alert per fingerprint: {alerts:?}"
        );
    }
    assert!(
        alerts.len() < failing.len(),
        "alerts are per fingerprint, not per event: {alerts:?}"
    );

    run(&moto, "local-lambda", &deliver, &[]);
    let (_, rows_again) = incidents(&ddb, &table).await;
    assert_eq!(rows_again, rows, "a second delivery writes nothing new");
    assert!(
        drain_alerts(&sqs, &queue_url).await.is_empty(),
        "and alerts nobody twice"
    );
}

//! The path to real AWS, locally: `provision up` deploys the analyzer (the release `bootstrap`
//! `provision package` builds for provided.al2023, the artifact users deploy) and installs its default filter pattern; a log group holds a mix of our
//! layer's records, Powertools JSON, Lambda's own text lines and INFO noise; the local
//! subscription delivery applies the installed pattern and invokes the bootstrap, running as a
//! Lambda behind the local Runtime API, asynchronously. Every error event becomes an incident
//! in DynamoDB; no INFO line is even delivered.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use local_aws::lambda::retry::RetryPolicy;
use local_aws::lambda::{LocalFunction, StartOptions, read_config};
use local_aws::subscription::Subscriptions;
use test_support::Moto;

const PREFIX: &str = "sub";
const LOG_GROUP: &str = "/sub/mixed";

/// (stream, message, is an error event the analyzer must make an incident of)
fn mixed_events() -> Vec<(&'static str, &'static str, bool)> {
    vec![
        // Our layer's records.
        (
            "orders/1",
            r#"{"timestamp":"2026-11-30T13:00:00.001Z","level":"INFO","message":"order created","service":"orders-api","target":"demo_api::orders","order_id":41,"spans":[]}"#,
            false,
        ),
        (
            "orders/1",
            r#"{"timestamp":"2026-11-30T13:00:00.002Z","level":"ERROR","message":"payment failed for order 42","service":"orders-api","trace_id":"4bf92f3577b34da6a3ce929d0e0e4702","target":"demo_api::payments","order_id":42,"spans":[]}"#,
            true,
        ),
        (
            "orders/1",
            r#"{"timestamp":"2026-11-30T13:00:00.003Z","level":"WARN","message":"slow downstream call took 1532 ms","service":"orders-api","target":"demo_api::payments","spans":[]}"#,
            true,
        ),
        (
            "orders/1",
            r#"{"timestamp":"2026-11-30T13:00:00.004Z","level":"INFO","message":"request completed","service":"orders-api","target":"tower_http::trace","status":200,"spans":[]}"#,
            false,
        ),
        // Powertools for AWS Lambda (Python).
        (
            "payments/1",
            r#"{"level": "INFO", "location": "handler:10", "message": "Collecting payment", "timestamp": "2026-11-30 13:00:00,100+0000", "service": "payments", "cold_start": true}"#,
            false,
        ),
        (
            "payments/1",
            r#"{"level": "ERROR", "location": "charge:42", "message": "Failed to charge card for customer 1881", "timestamp": "2026-11-30 13:00:00,200+0000", "service": "payments", "xray_trace_id": "1-5759e988-bd862e3fe1be46a994272793"}"#,
            true,
        ),
        (
            "payments/1",
            r#"{"level": "CRITICAL", "message": "Database unreachable", "service": "cart", "timestamp": "2026-11-30T13:00:00.400Z"}"#,
            true,
        ),
        // Lambda's own text lines and a runtime's ERROR line.
        (
            "lambda/1",
            "START RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334455 Version: $LATEST",
            false,
        ),
        (
            "lambda/1",
            "2026-11-30T13:00:00.123Z\t6f9a1c1e-2d3b-4a5c-8e7f-001122334455\tINFO\tprocessing order 42",
            false,
        ),
        (
            "lambda/1",
            "2026-11-30T13:00:00.124Z\t6f9a1c1e-2d3b-4a5c-8e7f-001122334455\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\"}",
            true,
        ),
        (
            "lambda/1",
            "2026-11-30T13:00:03.130Z 6f9a1c1e-2d3b-4a5c-8e7f-001122334455 Task timed out after 3.00 seconds",
            true,
        ),
        (
            "lambda/1",
            "END RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334455",
            false,
        ),
        (
            "lambda/1",
            "REPORT RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334455\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tStatus: timeout",
            true,
        ),
        (
            "lambda/1",
            "REPORT RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334456\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB",
            false,
        ),
        (
            "lambda/1",
            "RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334458 Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory",
            true,
        ),
        (
            "lambda/1",
            "thread 'main' panicked at src/main.rs:17:5:\ncalled `Option::unwrap()` on a `None` value",
            true,
        ),
        // INFO noise.
        ("lambda/1", "INFO cache warmed in 12 ms", false),
        (
            "orders/1",
            "10.0.0.7 - - [30/Nov/2026:13:00:00 +0000] \"GET /health HTTP/1.1\" 200 2",
            false,
        ),
    ]
}

async fn put_events(logs: &aws_sdk_cloudwatchlogs::Client, now_ms: i64) {
    let mut by_stream: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (stream, message, _) in mixed_events() {
        by_stream.entry(stream).or_default().push(message);
    }
    for (stream, messages) in by_stream {
        logs.create_log_stream()
            .log_group_name(LOG_GROUP)
            .log_stream_name(stream)
            .send()
            .await
            .unwrap();
        let events: Vec<InputLogEvent> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                InputLogEvent::builder()
                    .timestamp(now_ms + i as i64)
                    .message(*m)
                    .build()
                    .unwrap()
            })
            .collect();
        logs.put_log_events()
            .log_group_name(LOG_GROUP)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
    }
}

/// Event id of each message, read back as CloudWatch stores them.
async fn event_ids(logs: &aws_sdk_cloudwatchlogs::Client) -> BTreeMap<String, String> {
    let page = logs
        .filter_log_events()
        .log_group_name(LOG_GROUP)
        .send()
        .await
        .unwrap();
    page.events()
        .iter()
        .map(|e| {
            (
                e.message().unwrap().to_string(),
                e.event_id().unwrap().to_string(),
            )
        })
        .collect()
}

fn run_provision(moto: &Moto, args: &[&str]) {
    e2e::run(moto, "provision", args, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_installed_pattern_delivers_every_error_to_the_real_bootstrap() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let zip = e2e::release_analyzer_zip();

    run_provision(
        &moto,
        &[
            "up",
            "--prefix",
            PREFIX,
            "--log-group",
            LOG_GROUP,
            "--lambda-zip",
            zip.to_str().unwrap(),
            "--no-dashboard",
        ],
    );
    let function_name = format!("{PREFIX}-analyzer");
    let (config, _) = read_config(&lambda, &function_name).await.unwrap();
    assert!(
        config.variables.contains_key("INCIDENTS_TABLE"),
        "provision configured the function: {:?}",
        config.variables
    );
    let retry = RetryPolicy {
        delays: [Duration::from_millis(200), Duration::from_millis(400)],
        ..RetryPolicy::default()
    };
    let function = LocalFunction::start(&sdk, config.clone(), &zip, StartOptions { retry })
        .await
        .unwrap();

    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    put_events(&logs, now_ms).await;
    let ids = event_ids(&logs).await;
    let expected: BTreeSet<String> = mixed_events()
        .into_iter()
        .filter(|(_, _, error)| *error)
        .map(|(_, m, _)| ids[m].clone())
        .collect();

    let mut subscriptions = Subscriptions::new(logs.clone(), &config.arn, vec![LOG_GROUP.into()]);
    let poll = subscriptions.poll().await.unwrap();
    assert!(poll.warnings.is_empty(), "{:?}", poll.warnings);
    let delivered: BTreeSet<String> = poll
        .deliveries
        .iter()
        .flat_map(|d| d.event_ids.iter().cloned())
        .collect();
    assert_eq!(
        delivered, expected,
        "the installed pattern delivers exactly the error events"
    );
    assert_eq!(poll.filtered_out, mixed_events().len() - expected.len());
    let streams: BTreeSet<&str> = poll
        .deliveries
        .iter()
        .map(|d| d.log_stream.as_str())
        .collect();
    assert_eq!(
        streams.len(),
        poll.deliveries.len(),
        "one delivery per stream"
    );
    for delivery in poll.deliveries {
        function.invoke_async(delivery.event, delivery.log_stream);
    }
    tokio::time::timeout(Duration::from_secs(120), function.settle())
        .await
        .expect("the function handled its invocations within 2 minutes");
    let stats = function.stats();
    assert_eq!(stats.failed_attempts, 0, "{stats:?}");
    assert_eq!(stats.succeeded, stats.queued);
    assert_eq!(stats.cold_starts, 1, "one execution environment, reused");
    let written: u64 = function
        .responses()
        .iter()
        .map(|r| r["incidents_written"].as_u64().unwrap())
        .sum();
    assert_eq!(written as usize, expected.len());

    // The function's output and Lambda's own lines are in its log group, as on AWS: one
    // stream for the one execution environment, a START, END and REPORT per invocation and
    // the analyzer's summary of each.
    function.flush_logs().await;
    // (Read by name: moto writes streams of its own in the same group, with fractional
    // timestamps the SDK cannot read, when it tries to invoke the function itself.)
    let streams = function.log_streams();
    assert_eq!(streams.len(), 1, "{streams:?}");
    assert!(
        streams[0].contains("/[$LATEST]") && streams[0].len() == "2026/11/30/[$LATEST]".len() + 32,
        "{streams:?}"
    );
    let lines: Vec<String> = test_support::read_log_stream(&logs, &config.log_group, &streams[0])
        .await
        .into_iter()
        .map(|(_, message)| message)
        .collect();
    let invocations = stats.attempts as usize;
    for platform in ["START RequestId: ", "END RequestId: ", "REPORT RequestId: "] {
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(platform)).count(),
            invocations,
            "{platform}: {lines:#?}"
        );
    }
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("invocation summary"))
            .count(),
        invocations,
        "{lines:#?}"
    );
    assert!(lines[0].starts_with("INIT_START "), "{lines:#?}");
    let reports: Vec<&String> = lines.iter().filter(|l| l.starts_with("REPORT ")).collect();
    assert!(
        reports[0].contains("\tInit Duration: ") && reports[0].contains("\tMax Memory Used: "),
        "a cold start's REPORT: {}",
        reports[0]
    );
    assert!(!reports[1].contains("Init Duration"), "{}", reports[1]);
    // The function's own lines come before their invocation's END.
    for (i, line) in lines.iter().enumerate() {
        if line.contains("invocation summary") {
            assert!(lines[i + 1].starts_with("END RequestId: "), "{lines:#?}");
        }
    }

    let table = config.variables["INCIDENTS_TABLE"].clone();

    // Once in several runs moto's Scan has missed one row the function reported written (moto
    // applies writes non-atomically); read again a few times before judging.
    let mut incidents = BTreeSet::new();
    for _ in 0..20 {
        incidents = test_support::scan_table(&ddb, &table)
            .await
            .into_iter()
            .filter(|item| {
                // A REPORT line of a timed-out invocation is kept as an `attached` row of its
                // `Task timed out` incident: recorded, not a problem of its own.
                item.get("item_type")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    .is_some_and(|t| t == "incident" || t == "attached")
            })
            .filter_map(|item| item.get("event_id").and_then(|v| v.as_s().ok()).cloned())
            .collect();
        if incidents == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let by_id: BTreeMap<&String, &String> = ids.iter().map(|(m, id)| (id, m)).collect();
    let missing: Vec<&&String> = expected
        .difference(&incidents)
        .map(|id| &by_id[id])
        .collect();
    assert_eq!(
        incidents, expected,
        "every error event is an incident, nothing else; missing: {missing:?}"
    );

    // Nothing new: a second poll delivers nothing.
    let again = subscriptions.poll().await.unwrap();
    assert!(again.deliveries.is_empty() && again.matched == 0);

    // Delivered as ingested, whatever the timestamp, as CloudWatch does: an event from a host
    // whose clock runs an hour ahead (it used to hold back every later event of the group),
    // one sent an hour late into a new stream, and a current one after both.
    let put = |stream: &'static str, timestamp: i64, message: &'static str| {
        let logs = logs.clone();
        async move {
            let _ = logs
                .create_log_stream()
                .log_group_name(LOG_GROUP)
                .log_stream_name(stream)
                .send()
                .await;
            logs.put_log_events()
                .log_group_name(LOG_GROUP)
                .log_stream_name(stream)
                .log_events(
                    InputLogEvent::builder()
                        .timestamp(timestamp)
                        .message(message)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
    };
    put("skewed/1", now_ms + 3_600_000, "ERROR clock an hour ahead").await;
    let first = subscriptions.poll().await.unwrap();
    put("late/1", now_ms - 3_600_000, "ERROR sent an hour late").await;
    put("orders/1", now_ms, "ERROR current, after both").await;
    let second = subscriptions.poll().await.unwrap();
    let messages = |poll: &local_aws::subscription::Poll| -> BTreeSet<String> {
        poll.deliveries
            .iter()
            .flat_map(|d| decoded_messages(&d.event))
            .collect()
    };
    assert_eq!(
        messages(&first),
        BTreeSet::from(["ERROR clock an hour ahead".to_string()])
    );
    assert_eq!(
        messages(&second),
        BTreeSet::from([
            "ERROR sent an hour late".to_string(),
            "ERROR current, after both".to_string()
        ])
    );
    let third = subscriptions.poll().await.unwrap();
    assert!(third.deliveries.is_empty() && third.matched == 0);
}

/// The messages inside one delivery (`{"awslogs":{"data":…}}`).
fn decoded_messages(event: &serde_json::Value) -> Vec<String> {
    let document = local_aws::subscription::payload::decode(event).expect("a delivery");
    document["logEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_function_is_retried_twice_then_the_event_is_discarded() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let zip = e2e::release_analyzer_zip();
    run_provision(
        &moto,
        &[
            "up",
            "--prefix",
            PREFIX,
            "--log-group",
            LOG_GROUP,
            "--lambda-zip",
            zip.to_str().unwrap(),
            "--no-dashboard",
        ],
    );
    let (config, policy) = read_config(&lambda, &format!("{PREFIX}-analyzer"))
        .await
        .unwrap();
    assert_eq!(policy.max_retry_attempts, 2, "Lambda's default");
    // The analyzer fails an invocation whose writes fail, so that Lambda retries it.
    ddb.delete_table()
        .table_name(&config.variables["INCIDENTS_TABLE"])
        .send()
        .await
        .unwrap();
    let retry = RetryPolicy {
        delays: [Duration::from_millis(100), Duration::from_millis(200)],
        ..policy
    };
    let function = LocalFunction::start(&sdk, config, &zip, StartOptions { retry })
        .await
        .unwrap();
    let payload = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": LOG_GROUP,
        "logStream": "s", "subscriptionFilters": ["f"],
        "logEvents": [{"id": "1", "timestamp": 1_795_525_200_000_i64, "message": "ERROR boom"}],
    });
    let event = {
        use base64::Engine;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(payload.to_string().as_bytes()).unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        serde_json::json!({"awslogs": {"data": data}})
    };
    function.invoke_async(event, "one error");
    tokio::time::timeout(Duration::from_secs(60), function.settle())
        .await
        .expect("retries end within a minute");
    let stats = function.stats();
    assert_eq!(
        (
            stats.attempts,
            stats.failed_attempts,
            stats.discarded,
            stats.succeeded
        ),
        (3, 3, 1, 0),
        "{stats:?}"
    );
    // What someone looking into the failures finds in the function's log group: each attempt
    // with its START and REPORT, and the analyzer saying why it failed.
    function.flush_logs().await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let mut lines = Vec::new();
    for stream in function.log_streams() {
        let group = &function.config().log_group;
        lines.extend(
            test_support::read_log_stream(&logs, group, &stream)
                .await
                .into_iter()
                .map(|(_, message)| message),
        );
    }
    let count = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(count("START RequestId: "), 3, "{lines:#?}");
    assert_eq!(count("REPORT RequestId: "), 3, "{lines:#?}");
    assert_eq!(count("invocation failed"), 3, "{lines:#?}");
}

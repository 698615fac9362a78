//! `analyzer-lambda trace` against stand-ins on loopback: for CloudWatch Logs, answering for
//! one group and refusing the other; for CloudWatch Logs and DynamoDB, recording what they
//! are asked for a request id.

use std::process::Command;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// Serves `FilterLogEvents`: `/ok` holds one record of [`TRACE`], `/broken` is refused.
async fn logs_with_one_unreadable_group() -> String {
    let app = axum::Router::new().fallback(|headers: HeaderMap, body: String| async move {
        let target = headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let request: Value = serde_json::from_str(&body).unwrap_or_default();
        let group = request["logGroupName"].as_str().unwrap_or_default();
        if !target.ends_with("FilterLogEvents") || group == "/broken" {
            let refusal = json!({"__type": "InvalidParameterException", "message": "injected"});
            return (StatusCode::BAD_REQUEST, refusal.to_string());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let record = json!({
            "timestamp": "2026-12-01T00:00:00.000Z", "level": "ERROR",
            "message": "payment failed", "service": "orders-api", "trace_id": TRACE,
        });
        let page = json!({"events": [{
            "logStreamName": "s", "timestamp": now - 1000, "ingestionTime": now - 1000,
            "eventId": "1", "message": record.to_string(),
        }]});
        (StatusCode::OK, page.to_string())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    endpoint
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_that_cannot_be_read_hides_not_the_others_records() {
    let endpoint = logs_with_one_unreadable_group().await;
    let trace = |groups: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_analyzer-lambda"));
        command
            .args(["trace", TRACE, "--since", "10m"])
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_REGION", test_support::REGION)
            .env("AWS_ACCESS_KEY_ID", test_support::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", test_support::TEST_SECRET_KEY)
            .env_remove("AWS_PROFILE")
            .env_remove("LOGPIPE_LOG_GROUPS");
        for group in groups {
            command.args(["--log-group", group]);
        }
        command.output().unwrap()
    };

    let partial = trace(&["/ok", "/broken"]);
    let stdout = String::from_utf8_lossy(&partial.stdout);
    let stderr = String::from_utf8_lossy(&partial.stderr);
    assert_eq!(partial.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("payment failed"), "{stdout}");
    assert!(stderr.contains("reading /broken failed"), "{stderr}");
    assert!(stderr.contains("lacks that group's records"), "{stderr}");

    let none = trace(&["/broken"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(none.stdout.is_empty());
    assert!(String::from_utf8_lossy(&none.stderr).contains("reading /broken failed"));
}

/// What a stand-in for CloudWatch Logs and DynamoDB was asked: `(target, request body)`.
type Requests = std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>;

/// Serves `FilterLogEvents` without filtering (as the emulator does): records of the request
/// id `my-trace-1`, of another one that starts alike, and of the same id in upper case; and
/// `Query` of the `by_trace_id` index: one incident row of `my-trace-1`. Records every request.
async fn logs_and_incidents_of_a_request_id() -> (String, Requests) {
    let requests = Requests::default();
    let seen = requests.clone();
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
        let seen = seen.clone();
        async move {
            let target = headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let request: Value = serde_json::from_str(&body).unwrap_or_default();
            seen.lock().unwrap().push((target.clone(), request));
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64;
            if target.ends_with("FilterLogEvents") {
                let events: Vec<Value> = [
                    ("my-trace-1", "order created"),
                    ("my-trace-10", "another request"),
                    ("MY-TRACE-1", "another spelling"),
                    ("my-trace-1", "payment failed"),
                ]
                .iter()
                .enumerate()
                .map(|(i, (trace_id, message))| {
                    let record = json!({
                        "level": "ERROR", "message": message, "service": "orders-api",
                        "trace_id": trace_id,
                    });
                    json!({
                        "logStreamName": "s", "timestamp": now - 1000 + i as i64,
                        "ingestionTime": now, "eventId": i.to_string(),
                        "message": record.to_string(),
                    })
                })
                .collect();
                return (StatusCode::OK, json!({ "events": events }).to_string());
            }
            if target.ends_with("Query") {
                let s = |v: &str| json!({ "S": v });
                let row = json!({
                    "incident_id": s("inc-1"), "item_type": s("incident"),
                    "timestamp": s("2026-12-01T00:00:00.000Z"), "severity": s("MEDIUM"),
                    "service": s("orders-api"), "level": s("ERROR"),
                    "message": s("payment failed"), "fingerprint": s("fp"),
                    "trace_id": s("my-trace-1"), "log_group": s("/ok"), "log_stream": s("s"),
                });
                let page = json!({ "Items": [row], "Count": 1, "ScannedCount": 1 });
                return (StatusCode::OK, page.to_string());
            }
            let refusal = json!({"__type": "InvalidParameterException", "message": target});
            (StatusCode::BAD_REQUEST, refusal.to_string())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (endpoint, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_from_x_request_id_is_traced_exactly() {
    let (endpoint, shared) = logs_and_incidents_of_a_request_id().await;
    let trace = |id: &str| {
        Command::new(env!("CARGO_BIN_EXE_analyzer-lambda"))
            .args([
                "trace",
                id,
                "--log-group",
                "/ok",
                "--since",
                "10m",
                "--json",
            ])
            .args(["--incidents-table", "Incidents"])
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_REGION", test_support::REGION)
            .env("AWS_ACCESS_KEY_ID", test_support::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", test_support::TEST_SECRET_KEY)
            .env_remove("AWS_PROFILE")
            .env_remove("LOGPIPE_LOG_GROUPS")
            .output()
            .unwrap()
    };

    let output = trace("my-trace-1");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["trace_id"], "my-trace-1");
    assert_eq!(report["xray_trace_id"], Value::Null);
    let messages: Vec<&str> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["order created", "payment failed"]);
    assert_eq!(report["incidents"][0]["incident_id"], "inc-1");

    // CloudWatch and DynamoDB were asked for exactly this id, quoted in the pattern and as
    // an attribute value of the index query.
    let requests = shared.lock().unwrap().clone();
    let asked = |suffix: &str| -> Vec<Value> {
        requests
            .iter()
            .filter(|(target, _)| target.ends_with(suffix))
            .map(|(_, request)| request.clone())
            .collect()
    };
    let filters = asked("FilterLogEvents");
    assert_eq!(filters.len(), 1, "{requests:?}");
    assert_eq!(
        filters[0]["filterPattern"],
        r#"{ ($.trace_id = "my-trace-1") || ($.xray_trace_id = "my-trace-1") }"#
    );
    let queries = asked("Query");
    assert_eq!(queries.len(), 1, "{requests:?}");
    assert_eq!(queries[0]["IndexName"], "by_trace_id");
    assert_eq!(
        queries[0]["ExpressionAttributeValues"],
        json!({ ":t": { "S": "my-trace-1" } })
    );

    // What cannot be a trace id is still a usage error, on one line, before any request.
    let refused = trace("my trace");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.lines().next().unwrap_or_default().contains(
            "invalid value 'my trace' for '<TRACE_ID>': \"my trace\" is not a trace id (it holds whitespace)"
        ),
        "{stderr}"
    );
    assert_eq!(shared.lock().unwrap().len(), requests.len());
}

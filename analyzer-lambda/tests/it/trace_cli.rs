//! `analyzer-lambda trace` when one of its log groups cannot be read: a stand-in for
//! CloudWatch Logs on loopback that answers for one group and refuses the other.

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

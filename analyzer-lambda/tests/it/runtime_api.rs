//! The real binary behind a local Lambda Runtime API
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>): it polls for
//! invocations, handles them against moto, and posts its responses.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use test_support::Moto;
use tokio::sync::{Mutex, mpsc};

use crate::common::{data_fixture, raw_fixture};
use crate::setup::{create_table, create_topic_and_queue, drain_queue, scan};

/// What the function posted back.
#[derive(Debug)]
enum Outcome {
    Response(String, serde_json::Value),
    Error(String, serde_json::Value),
}

struct RuntimeApi {
    invocations: Mutex<mpsc::Receiver<(String, serde_json::Value)>>,
    outcomes: mpsc::Sender<Outcome>,
}

async fn next(State(api): State<Arc<RuntimeApi>>) -> (HeaderMap, String) {
    let (id, event) = api
        .invocations
        .lock()
        .await
        .recv()
        .await
        .expect("the test keeps the sender alive");
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(60);
    let mut headers = HeaderMap::new();
    let header = |v: String| HeaderValue::from_str(&v).unwrap();
    headers.insert("Lambda-Runtime-Aws-Request-Id", header(id));
    headers.insert(
        "Lambda-Runtime-Deadline-Ms",
        header(deadline.as_millis().to_string()),
    );
    headers.insert(
        "Lambda-Runtime-Invoked-Function-Arn",
        header("arn:aws:lambda:us-east-1:123456789012:function:analyzer".into()),
    );
    headers.insert(
        "Lambda-Runtime-Trace-Id",
        header("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1".into()),
    );
    (headers, event.to_string())
}

async fn response(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    api.outcomes
        .send(Outcome::Response(id, body))
        .await
        .unwrap();
    StatusCode::ACCEPTED
}

async fn error(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    api.outcomes.send(Outcome::Error(id, body)).await.unwrap();
    StatusCode::ACCEPTED
}

async fn init_error(State(api): State<Arc<RuntimeApi>>, body: Bytes) -> StatusCode {
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    api.outcomes
        .send(Outcome::Error("init".into(), body))
        .await
        .unwrap();
    StatusCode::ACCEPTED
}

/// Kills the function process when the test ends, whatever happens.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_handles_invocations_end_to_end() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, queue) = create_topic_and_queue(&sdk, "alerts").await;

    let (invoke, invocations) = mpsc::channel(8);
    let (outcomes_tx, mut outcomes) = mpsc::channel(8);
    let api = Arc::new(RuntimeApi {
        invocations: Mutex::new(invocations),
        outcomes: outcomes_tx,
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let _function = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_analyzer-lambda"))
            .envs(moto.env())
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "analyzer")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/24/[$LATEST]test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/analyzer")
            .env("INCIDENTS_TABLE", "Incidents")
            .env("ALERTS_TOPIC_ARN", &topic)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let mut run = async |id: &str, event: serde_json::Value| {
        invoke.send((id.to_string(), event)).await.unwrap();
        tokio::time::timeout(Duration::from_secs(30), outcomes.recv())
            .await
            .expect("the function answered within 30 s")
            .unwrap()
    };

    let (_, layer) = data_fixture("layer_records.data.json");
    match run("req-1", layer.clone()).await {
        Outcome::Response(id, summary) => {
            assert_eq!(id, "req-1");
            assert_eq!(summary["incidents_written"], 4);
            assert_eq!(summary["alerts_sent"], 3);
        }
        other => panic!("expected a response, got {other:?}"),
    }
    // Redelivery through the runtime: nothing new.
    match run("req-2", layer).await {
        Outcome::Response(_, summary) => {
            assert_eq!(summary["incidents_written"], 0);
            assert_eq!(summary["duplicates_skipped"], 4);
        }
        other => panic!("expected a response, got {other:?}"),
    }
    // A poisonous payload is a successful, counted invocation, not an error to retry.
    match run("req-3", raw_fixture("malformed_decompression_bomb.json")).await {
        Outcome::Response(_, summary) => assert_eq!(summary["parse_failures"], 1),
        other => panic!("expected a response, got {other:?}"),
    }
    match run("req-4", raw_fixture("control_message.json")).await {
        Outcome::Response(_, summary) => assert_eq!(summary["control_messages"], 1),
        other => panic!("expected a response, got {other:?}"),
    }

    let items = scan(&sdk, "Incidents").await;
    let incidents = items
        .iter()
        .filter(|i| i["item_type"].as_s().unwrap() == "incident")
        .count();
    assert_eq!(incidents, 4);
    assert_eq!(drain_queue(&sdk, &queue).await.len(), 3);

    // An AWS error (here: the table is gone) fails the invocation so that Lambda retries it.
    aws_sdk_dynamodb::Client::new(&sdk)
        .delete_table()
        .table_name("Incidents")
        .send()
        .await
        .unwrap();
    let (_, text) = data_fixture("lambda_text_lines.data.json");
    match run("req-5", text).await {
        Outcome::Error(id, body) => {
            assert_eq!(id, "req-5");
            assert_eq!(body["errorType"], "Analyzer.Failed");
            assert!(
                body["errorMessage"]
                    .as_str()
                    .unwrap()
                    .contains("ResourceNotFound"),
                "{body}"
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

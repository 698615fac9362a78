//! A local Lambda Runtime API: the HTTP interface a custom runtime's `bootstrap` polls for
//! invocations and posts results to.
//!
//! <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>:
//! - `GET /2018-06-01/runtime/invocation/next` blocks until there is an invocation, and answers
//!   with the event as body and the headers `Lambda-Runtime-Aws-Request-Id`,
//!   `Lambda-Runtime-Deadline-Ms`, `Lambda-Runtime-Invoked-Function-Arn` and
//!   `Lambda-Runtime-Trace-Id`;
//! - `POST /2018-06-01/runtime/invocation/{id}/response` and `.../{id}/error` answer
//!   `202 Accepted`; an unknown request id is `400` with an `errorType`;
//! - `POST /2018-06-01/runtime/init/error` reports a failed initialization (`202`).

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc, oneshot};

/// Response bodies larger than this are refused: "Invocation payload (request and response):
/// 6 MB (synchronous)". <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// One invocation handed to the runtime.
#[derive(Debug)]
pub struct Invocation {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// Epoch ms by which the function must answer.
    pub deadline_ms: i64,
    /// The event.
    pub event: Value,
    /// Where the runtime's answer goes.
    pub outcome: oneshot::Sender<Outcome>,
}

/// What the runtime posted for an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `/response` with this body (JSON, or the raw text as a string).
    Response(Value),
    /// `/error` with this body and `Lambda-Runtime-Function-Error-Type`.
    Error {
        /// The posted error document (`errorType`, `errorMessage`, ...).
        body: Value,
        /// The error type header, if any.
        error_type: Option<String>,
    },
}

struct Api {
    function_arn: String,
    first_poll: Arc<OnceLock<Instant>>,
    pending: Mutex<mpsc::Receiver<Invocation>>,
    current: Mutex<Option<(String, oneshot::Sender<Outcome>)>>,
    init_errors: mpsc::UnboundedSender<Value>,
}

/// The running API: where to reach it, and how to hand it invocations.
pub struct RuntimeApi {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    /// Invocations to hand to the runtime, in order.
    pub invocations: mpsc::Sender<Invocation>,
    /// Bodies of `/runtime/init/error` posts.
    pub init_errors: mpsc::UnboundedReceiver<Value>,
    /// When the runtime first asked for an invocation: the end of its initialization.
    pub first_poll: Arc<OnceLock<Instant>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn body_value(body: &Bytes) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn error_response(status: StatusCode, error_type: &str, message: String) -> Response {
    (
        status,
        axum::Json(json!({ "errorType": error_type, "errorMessage": message })),
    )
        .into_response()
}

async fn next(State(api): State<Arc<Api>>) -> Response {
    // The runtime's first poll ends its initialization (Lambda's `Init Duration`).
    let _ = api.first_poll.set(Instant::now());
    let Some(invocation) = api.pending.lock().await.recv().await else {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Runtime.Shutdown",
            "the execution environment is shutting down".into(),
        );
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set("Lambda-Runtime-Aws-Request-Id", &invocation.request_id);
    set(
        "Lambda-Runtime-Deadline-Ms",
        &invocation.deadline_ms.to_string(),
    );
    set("Lambda-Runtime-Invoked-Function-Arn", &api.function_arn);
    let trace = format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        invocation.deadline_ms / 1000,
        &uuid::Uuid::new_v4().simple().to_string()[..24],
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    set("Lambda-Runtime-Trace-Id", &trace);
    *api.current.lock().await = Some((invocation.request_id, invocation.outcome));
    (StatusCode::OK, headers, invocation.event.to_string()).into_response()
}

async fn finish(api: &Api, id: &str, outcome: Outcome) -> Response {
    let mut current = api.current.lock().await;
    match current.take() {
        Some((current_id, sender)) if current_id == id => {
            let _ = sender.send(outcome);
            (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
        }
        other => {
            *current = other;
            error_response(
                StatusCode::BAD_REQUEST,
                "InvalidRequestID",
                format!("{id} is not the invocation in progress"),
            )
        }
    }
}

async fn response(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> Response {
    if body.len() > MAX_RESPONSE_BYTES {
        let outcome = Outcome::Error {
            body: json!({
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": format!("Response payload size ({} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).", body.len()),
            }),
            error_type: Some("Function.ResponseSizeTooLarge".into()),
        };
        finish(&api, &id, outcome).await;
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "the response is larger than 6 MB".into(),
        );
    }
    finish(&api, &id, Outcome::Response(body_value(&body))).await
}

async fn error(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let error_type = headers
        .get("Lambda-Runtime-Function-Error-Type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let outcome = Outcome::Error {
        body: body_value(&body),
        error_type,
    };
    finish(&api, &id, outcome).await
}

async fn init_error(State(api): State<Arc<Api>>, body: Bytes) -> Response {
    let _ = api.init_errors.send(body_value(&body));
    (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
}

impl RuntimeApi {
    /// Serves the API on a free loopback port for the function `function_arn`.
    pub async fn start(function_arn: &str) -> std::io::Result<RuntimeApi> {
        let (invocations, pending) = mpsc::channel(1);
        let (init_tx, init_errors) = mpsc::unbounded_channel();
        let first_poll = Arc::new(OnceLock::new());
        let api = Arc::new(Api {
            function_arn: function_arn.to_string(),
            first_poll: Arc::clone(&first_poll),
            pending: Mutex::new(pending),
            current: Mutex::new(None),
            init_errors: init_tx,
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RuntimeApi {
            address,
            invocations,
            init_errors,
            first_poll,
            server,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn http(method: &str, address: &str, path: &str, body: &str) -> (u16, String, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {address}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head.to_string(), body.to_string())
    }

    #[tokio::test]
    async fn a_runtime_polls_and_answers() {
        let api = RuntimeApi::start("arn:aws:lambda:us-east-1:123456789012:function:f")
            .await
            .unwrap();
        let (tx, rx) = oneshot::channel();
        api.invocations
            .send(Invocation {
                request_id: "req-1".into(),
                deadline_ms: 1_795_525_260_000,
                event: json!({"awslogs": {"data": "x"}}),
                outcome: tx,
            })
            .await
            .unwrap();
        let (status, head, body) = http(
            "GET",
            &api.address,
            "/2018-06-01/runtime/invocation/next",
            "",
        )
        .await;
        assert_eq!(status, 200);
        let head = head.to_ascii_lowercase();
        assert!(
            head.contains("lambda-runtime-aws-request-id: req-1"),
            "{head}"
        );
        assert!(head.contains("lambda-runtime-deadline-ms: 1795525260000"));
        assert!(head.contains("lambda-runtime-invoked-function-arn: arn:aws:lambda:"));
        assert!(head.contains("lambda-runtime-trace-id: root=1-"));
        let event: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(event, json!({"awslogs": {"data": "x"}}));

        let (status, _, _) = http(
            "POST",
            &api.address,
            "/2018-06-01/runtime/invocation/other/response",
            "{}",
        )
        .await;
        assert_eq!(status, 400, "an unknown request id is refused");
        let (status, _, _) = http(
            "POST",
            &api.address,
            "/2018-06-01/runtime/invocation/req-1/response",
            r#"{"incidents_written":2}"#,
        )
        .await;
        assert_eq!(status, 202);
        assert_eq!(
            rx.await.unwrap(),
            Outcome::Response(json!({"incidents_written": 2}))
        );
    }

    #[tokio::test]
    async fn errors_and_init_errors_are_reported() {
        let mut api = RuntimeApi::start("arn:aws:lambda:us-east-1:123456789012:function:f")
            .await
            .unwrap();
        let (tx, rx) = oneshot::channel();
        api.invocations
            .send(Invocation {
                request_id: "req-2".into(),
                deadline_ms: 0,
                event: json!({}),
                outcome: tx,
            })
            .await
            .unwrap();
        http(
            "GET",
            &api.address,
            "/2018-06-01/runtime/invocation/next",
            "",
        )
        .await;
        let (status, _, _) = http(
            "POST",
            &api.address,
            "/2018-06-01/runtime/invocation/req-2/error",
            r#"{"errorType":"Analyzer.Failed","errorMessage":"table gone"}"#,
        )
        .await;
        assert_eq!(status, 202);
        match rx.await.unwrap() {
            Outcome::Error { body, .. } => assert_eq!(body["errorType"], "Analyzer.Failed"),
            other => panic!("expected an error, got {other:?}"),
        }
        let (status, _, _) = http(
            "POST",
            &api.address,
            "/2018-06-01/runtime/init/error",
            r#"{"errorType":"Runtime.Unknown","errorMessage":"INCIDENTS_TABLE is not set"}"#,
        )
        .await;
        assert_eq!(status, 202);
        let init = api.init_errors.recv().await.unwrap();
        assert_eq!(init["errorMessage"], "INCIDENTS_TABLE is not set");
    }
}

//! A test harness: the real router and the real telemetry wiring, records captured in memory.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use demo_api::payments::http::HttpProvider;
use demo_api::payments::{PaymentProvider, SimulatedProvider, SimulatedSettings};
use demo_api::state::PaymentsState;
use demo_api::telemetry::{self, TelemetrySettings};
use demo_api::{AppState, app};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use tracing::subscriber::DefaultGuard;
use tracing_cloudwatch_logs::{MemoryClient, WorkerGuard};

/// The `service` of every record in these tests.
pub const SERVICE: &str = "orders-api-test";
/// Short, so the timeout path is quick; the provider "hangs" for an hour.
pub const PAYMENT_DEADLINE: Duration = Duration::from_millis(50);
/// The orders service's deadline on calls to a payments service: generous, so that a loaded
/// machine never turns a loopback call into a timeout.
pub const REMOTE_PAYMENT_DEADLINE: Duration = Duration::from_secs(10);
/// The payments service's own deadline on the card processor (which "hangs" for an hour).
pub const PROCESSOR_DEADLINE: Duration = Duration::from_millis(100);

/// A card processor that never fails unless asked to.
pub fn reliable_processor() -> SimulatedProvider {
    SimulatedProvider::new(SimulatedSettings {
        latency: Duration::from_millis(1),
        decline_rate: 0.0,
        timeout_rate: 0.0,
        seed: Some(1),
    })
}

/// One app, with a subscriber installed for the current thread only (tests run in parallel,
/// each with its own records). Use from `#[tokio::test]` (current-thread runtime), so the
/// handlers run on this thread.
pub struct Harness {
    client: MemoryClient,
    guard: WorkerGuard,
    app: Router,
    _default: DefaultGuard,
}

/// A response, its body parsed as JSON (`Null` when empty or not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `x-trace-id` header.
    pub fn trace_id(&self) -> String {
        self.header("x-trace-id")
    }

    pub fn header(&self, name: &str) -> String {
        let value = self
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"));
        value.to_str().unwrap().to_owned()
    }
}

impl Harness {
    /// The orders service with an in-process provider that never fails unless asked to.
    pub fn new() -> Harness {
        Harness::with_provider(Arc::new(reliable_processor()), PAYMENT_DEADLINE)
    }

    /// The orders service charging through a real payments service over loopback HTTP. Both
    /// log into this harness's records (the server runs on this test's thread).
    pub async fn with_payments_service() -> Harness {
        let payments = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", payments.local_addr().unwrap());
        let provider = HttpProvider::new(&url, REMOTE_PAYMENT_DEADLINE).unwrap();
        let harness = Harness::with_provider(Arc::new(provider), REMOTE_PAYMENT_DEADLINE);
        let state = PaymentsState {
            processor: Arc::new(reliable_processor()),
            processor_deadline: PROCESSOR_DEADLINE,
        };
        tokio::spawn(async move {
            axum::serve(payments, demo_api::app::payments_app(state))
                .await
                .unwrap();
        });
        harness
    }

    /// The orders service charging through `provider` within `deadline`.
    pub fn with_provider(provider: Arc<dyn PaymentProvider>, deadline: Duration) -> Harness {
        let settings = TelemetrySettings {
            service: SERVICE.to_owned(),
            log_group: "/test/orders-api".to_owned(),
            log_stream: Some("test".to_owned()),
            filter: "info".to_owned(),
            stdout: false,
            shutdown_timeout: Duration::from_secs(5),
        };
        let client = MemoryClient::default();
        let (subscriber, guard) = telemetry::subscriber(&settings, client.clone()).unwrap();
        let default = tracing::subscriber::set_default(subscriber);
        demo_api::panics::install_hook();
        let state = AppState::new(provider, deadline);
        Harness {
            client,
            guard,
            app: app(state),
            _default: default,
        }
    }

    /// Sends one request through the router.
    pub async fn call(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.call(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_json(&self, uri: &str, body: &str) -> Reply {
        let request = Request::post(uri)
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.call(request).await
    }

    /// Creates an order for 2 x 1250 cents and returns its id.
    pub async fn create_order(&self) -> u64 {
        let reply = self
            .post_json(
                "/orders",
                r#"{"item":"grinder","quantity":2,"unit_price_cents":1250}"#,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_u64().unwrap()
    }

    /// Every record so far (after a flush), parsed.
    pub async fn records(&self) -> Vec<Value> {
        self.guard.flush().await;
        self.client.records()
    }

    /// The records of one request: those whose `trace_id` is `trace_id`.
    pub async fn records_of(&self, trace_id: &str) -> Vec<Value> {
        let records = self.records().await;
        records
            .into_iter()
            .filter(|r| r["trace_id"] == trace_id)
            .collect()
    }

    /// The one record of `trace_id` with this message.
    pub async fn record(&self, trace_id: &str, message: &str) -> Value {
        let records = self.records_of(trace_id).await;
        let matching: Vec<&Value> = records.iter().filter(|r| r["message"] == message).collect();
        assert_eq!(
            matching.len(),
            1,
            "want one {message:?} record, got: {records:#?}"
        );
        matching[0].clone()
    }
}

/// Asserts that `record` has every key of `expected` with an equal (parsed JSON) value.
pub fn assert_has(record: &Value, expected: Value) {
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&record[key], value, "field {key:?} of {record:#}");
    }
}

/// Asserts that `record` is the completion record of a request with this status.
pub fn assert_completion(record: &Value, level: &str, method: &str, route: &str, status: u16) {
    assert_has(
        record,
        serde_json::json!({
            "level": level, "message": "request completed", "service": SERVICE,
            "method": method, "route": route, "status": status,
        }),
    );
    assert!(record["latency_ms"].as_f64().unwrap() >= 0.0, "{record:#}");
    let span = &record["spans"][0];
    assert_has(
        span,
        serde_json::json!({ "name": "request", "method": method, "route": route, "trace_id": record["trace_id"] }),
    );
}

//! The real binaries against moto: the payments service and the orders service in front of
//! it; call orders over HTTP, SIGTERM it while a request is in flight, then read both log
//! groups back and find every request's records, under one trace id in both.

use std::collections::HashSet;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::{Moto, free_port};

const LOG_GROUP: &str = "/test/demo-api";
const PAYMENTS_LOG_GROUP: &str = "/test/demo-payments";
const LOG_STREAM: &str = "moto-integration";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Kills the server if the test fails before it exits on its own.
struct Server(Child);

/// Sends SIGTERM and waits for the exit; returns its stderr after asserting a clean exit.
async fn terminate(server: &mut Server, what: &str) -> String {
    let killed = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not exit within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{what}: exit {status}; stderr:\n{stderr}");
    assert!(stderr.contains(", dropped 0"), "{what}: stderr:\n{stderr}");
    stderr
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_until_healthy(http: &reqwest::Client, base: &str, server: &mut Server) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(reply) = http.get(format!("{base}/health")).send().await {
            assert!(reply.status().is_success());
            return;
        }
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!("demo-api exited before answering: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "demo-api did not answer /health within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends one request with its own `x-request-id`; returns the status and `x-trace-id`.
async fn call(request: reqwest::RequestBuilder, id: &str) -> (u16, String) {
    let reply = request.header("x-request-id", id).send().await.unwrap();
    let trace_id = reply.headers()["x-trace-id"].to_str().unwrap().to_owned();
    (reply.status().as_u16(), trace_id)
}

async fn read_stream(moto: &Moto, group: &str) -> Vec<Value> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk_config().await);
    test_support::read_log_stream(&logs, group, LOG_STREAM)
        .await
        .iter()
        .map(|(_, message)| serde_json::from_str(message).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_reaches_cloudwatch_including_those_logged_during_shutdown() {
    let moto = Moto::start();
    let payments_port = free_port();
    let payments = Command::new(env!("CARGO_BIN_EXE_demo-api"))
        .envs(moto.env())
        .env_remove("RUST_LOG")
        .args([
            "payments",
            "--listen",
            &format!("127.0.0.1:{payments_port}"),
        ])
        .args([
            "--log-group",
            PAYMENTS_LOG_GROUP,
            "--log-stream",
            LOG_STREAM,
        ])
        .args(["--payment-decline-rate", "0", "--payment-timeout-rate", "0"])
        // Longer than the time to SIGTERM the orders service below.
        .args(["--processor-deadline-ms", "3000"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut payments = Server(payments);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_demo-api"))
        .envs(moto.env())
        .env_remove("RUST_LOG")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args([
            "--service",
            "orders-api-it",
            "--log-group",
            LOG_GROUP,
            "--log-stream",
            LOG_STREAM,
        ])
        .args(["--log-filter", "info"])
        .args([
            "--payments-url",
            &format!("http://127.0.0.1:{payments_port}"),
        ])
        // Long enough to send SIGTERM while a timed-out payment is still in flight, with
        // room for a loaded machine.
        .args(["--payment-deadline-ms", "4000"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let http = reqwest::Client::new();
    let payments_base = format!("http://127.0.0.1:{payments_port}");
    wait_until_healthy(&http, &payments_base, &mut payments).await;
    wait_until_healthy(&http, &base, &mut server).await;

    let order = r#"{"item":"grinder","quantity":1,"unit_price_cents":9900}"#;
    let json = |path: &str, body: &str| {
        http.post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let mut expected = vec![
        (
            call(json("/orders", order), "it-create").await,
            201,
            "order created",
        ),
        (
            call(json("/orders", "{\"item\":"), "it-bad-body").await,
            400,
            "rejected order: invalid JSON body",
        ),
        (
            call(http.get(format!("{base}/orders/777")), "it-missing").await,
            404,
            "order not found",
        ),
        (
            call(json("/orders/1/pay?fail=decline", ""), "it-decline").await,
            402,
            "payment failed",
        ),
        (
            call(http.get(format!("{base}/panic")), "it-panic").await,
            500,
            "request handler panicked",
        ),
        (
            call(
                json("/orders/1/pay", "").header("traceparent", TRACEPARENT),
                "it-pay",
            )
            .await,
            200,
            "payment captured",
        ),
    ];
    let mut in_flight_order = json("/orders", order)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let in_flight_id = in_flight_order["id"].take();

    // A payment the card processor never answers: the payments service gives up after 3 s
    // (within the orders service's 4 s); SIGTERM reaches the orders service 1 s into it.
    let slow = tokio::spawn(call(
        json(&format!("/orders/{in_flight_id}/pay?fail=timeout"), ""),
        "it-in-flight",
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = terminate(&mut server, "the orders service").await;
    expected.push((slow.await.unwrap(), 504, "payment failed"));
    let _ = terminate(&mut payments, "the payments service").await;

    let records = read_stream(&moto, LOG_GROUP).await;
    for ((status, trace_id), want_status, message) in &expected {
        assert_eq!(status, want_status, "{trace_id}");
        let mine: Vec<&Value> = records
            .iter()
            .filter(|r| r["trace_id"] == *trace_id)
            .collect();
        let messages: HashSet<&str> = mine.iter().filter_map(|r| r["message"].as_str()).collect();
        assert!(
            messages.contains(message),
            "{trace_id}: no {message:?} in {mine:#?}"
        );
        let completion = mine.iter().find(|r| r["message"] == "request completed");
        let completion =
            completion.unwrap_or_else(|| panic!("{trace_id}: no completion in {mine:#?}"));
        assert_eq!(completion["status"], *want_status);
        assert_eq!(completion["service"], "orders-api-it");
        assert_eq!(completion["spans"][0]["trace_id"], *trace_id);
    }
    // The traceparent won over the x-request-id.
    assert_eq!(expected[5].0.1, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(expected[0].0.1, "it-create");

    let messages: Vec<&str> = records
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    let position = |m: &str| messages.iter().position(|x| *x == m);
    let signal =
        position("shutdown requested: draining in-flight requests").expect("signal record");
    let last = position("shutting down: server stopped, flushing logs").expect("shutdown record");
    assert_eq!(records[signal]["signal"], "SIGTERM");
    // The in-flight request finished between the signal and the final record.
    let in_flight = records
        .iter()
        .position(|r| r["trace_id"] == "it-in-flight" && r["message"] == "request completed")
        .unwrap();
    // CloudWatch orders events by their millisecond timestamp; events of one millisecond
    // logged on different threads have no defined order, so compare times, not positions.
    let at = |i: usize| {
        records[i]["timestamp"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        at(signal) <= at(in_flight) && at(in_flight) <= at(last),
        "{messages:?}"
    );

    // The payments service logged the charges under the callers' trace ids.
    let charges = read_stream(&moto, PAYMENTS_LOG_GROUP).await;
    let charge = |trace_id: &str| {
        charges
            .iter()
            .find(|r| r["trace_id"] == trace_id && r["message"] != "request completed")
            .unwrap_or_else(|| panic!("no charge record of {trace_id} in {charges:#?}"))
    };
    assert_eq!(charge("it-decline")["message"], "charge failed");
    assert_eq!(charge("it-decline")["service"], "payments");
    assert_eq!(
        charge("4bf92f3577b34da6a3ce929d0e0e4736")["message"],
        "charge captured"
    );
    assert_eq!(
        charge("4bf92f3577b34da6a3ce929d0e0e4736")["spans"][0]["trace_source"],
        "traceparent"
    );
}

//! The examples run as a user would run them: as processes, configured through the
//! environment, against a moto started for the test (or, for `custom_client`, no AWS at all).
//! What they wrote is read back and checked.
//!
//! The `lambda` example is only built (by `cargo test` and `cargo clippy --all-targets`): it
//! needs the Lambda runtime API, which moto does not provide.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;
use test_support::Moto;
use tracing_cloudwatch_logs::record::LogRecord;

/// Builds `name` (a no-op when it is fresh) and returns its executable. Built here rather
/// than assumed, so that `cargo test --test examples` never runs a stale example.
fn example(name: &str) -> PathBuf {
    example_with_features(name, "aws-sdk")
}

/// [`example`], with the crate features the example requires (comma-separated).
fn example_with_features(name: &str, features: &str) -> PathBuf {
    let output = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "tracing-cloudwatch-logs",
            "--features",
            features,
            "--example",
            name,
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("running cargo build for the example");
    assert!(output.status.success(), "building example {name} failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        // The example's own artifact: a dependency may have the same name (`opentelemetry`).
        .find(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"] == name
                && m["target"]["kind"]
                    .as_array()
                    .is_some_and(|k| k.contains(&"example".into()))
        })
        .and_then(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo did not report an executable for example {name}"))
}

async fn read_records(moto: &Moto, group: &str, stream: &str) -> Vec<LogRecord> {
    let client = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk_config().await);
    test_support::read_log_stream(&client, group, stream)
        .await
        .iter()
        .map(|(_, message)| serde_json::from_str(message).expect("records are JSON"))
        .collect()
}

/// Runs an example that writes to `group` (stream `run-1`) against `moto` and exits; checks
/// that it succeeded and delivered `records` records without a drop. Returns its stderr.
fn run_once(moto: &Moto, executable: PathBuf, group: &str, records: usize) -> String {
    let output = Command::new(executable)
        .envs(moto.env())
        .env("LOG_GROUP", group)
        .env("LOG_STREAM", "run-1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("log events: delivered {records}, dropped 0")),
        "{stderr}"
    );
    stderr
}

#[tokio::test]
async fn minimal_delivers_its_records_to_cloudwatch() {
    let moto = Moto::start();
    run_once(&moto, example("minimal"), "/examples/minimal", 2);

    let records = read_records(&moto, "/examples/minimal", "run-1").await;
    assert_eq!(records.len(), 2);
    let declined = &records[1];
    assert_eq!(declined.level, "ERROR");
    assert_eq!(declined.message.as_deref(), Some("payment declined"));
    assert_eq!(declined.service.as_deref(), Some("minimal-example"));
    assert_eq!(
        declined.trace_id.as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    assert_eq!(declined.fields["env"], "example");
    assert_eq!(declined.fields["order_id"], 42);
    assert_eq!(declined.fields["error"]["message"], "card declined");
    assert_eq!(declined.spans[0].name, "request");
}

#[tokio::test]
async fn opentelemetry_records_carry_the_ids_opentelemetry_gave_their_span() {
    let moto = Moto::start();
    let stderr = run_once(
        &moto,
        example_with_features("opentelemetry", "aws-sdk,opentelemetry"),
        "/examples/opentelemetry",
        2,
    );
    // `trace <32 hex> span <16 hex>`, as OpenTelemetry reported the span's context.
    let ids: Vec<&str> = stderr
        .lines()
        .find_map(|line| line.strip_prefix("trace "))
        .expect("the example prints its span's ids")
        .split(" span ")
        .collect();
    let (trace_id, span_id) = (ids[0], ids[1]);
    assert_eq!((trace_id.len(), span_id.len()), (32, 16), "{stderr}");

    let records = read_records(&moto, "/examples/opentelemetry", "run-1").await;
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record.trace_id.as_deref(), Some(trace_id));
        assert_eq!(record.span_id.as_deref(), Some(span_id));
        assert_eq!(
            record.xray_trace_id.as_deref(),
            Some(format!("1-{}-{}", &trace_id[..8], &trace_id[8..]).as_str())
        );
        assert_eq!(record.spans[0].name, "checkout");
        assert_eq!(record.spans[0].fields["cart"], 7);
    }
    assert_eq!(records[1].level, "ERROR");
}

#[tokio::test]
async fn axum_service_logs_each_request_in_its_span_and_flushes_on_sigterm() {
    let moto = Moto::start();
    let mut child = Command::new(example("axum_service"))
        .envs(moto.env())
        .env("LOG_GROUP", "/examples/axum")
        .env("LOG_STREAM", "run-1")
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut addr = String::new();
    // The example prints its bound address first; the fmt layer's lines follow.
    while !addr.starts_with("listening on ") {
        addr.clear();
        assert!(
            stdout.read_line(&mut addr).unwrap() > 0,
            "the example exited before listening"
        );
    }
    let addr = addr.trim().trim_start_matches("listening on ").to_owned();

    for (path, trace_id) in [
        ("/orders/7", "0af7651916cd43dd8448eb211c80319c"),
        ("/orders/0", "4bf92f3577b34da6a3ce929d0e0e4736"),
    ] {
        let mut conn = TcpStream::connect(&addr).unwrap();
        write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nx-trace-id: {trace_id}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 "), "{response}");
    }

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(exit.success(), "{stderr}");
    assert!(stderr.contains("dropped 0"), "{stderr}");

    let records = read_records(&moto, "/examples/axum", "run-1").await;
    let read = records
        .iter()
        .find(|r| r.message.as_deref() == Some("order read"))
        .expect("the handler's record");
    assert_eq!(
        read.trace_id.as_deref(),
        Some("0af7651916cd43dd8448eb211c80319c")
    );
    assert_eq!(read.fields["order_id"], 7);
    assert_eq!(read.spans[0].name, "request");
    assert_eq!(read.spans[0].fields["route"], "/orders/{id}");
    assert_eq!(read.spans[0].fields["method"], "GET");
    let missing = records
        .iter()
        .find(|r| r.message.as_deref() == Some("no such order"))
        .expect("the 404's record");
    assert_eq!(missing.level, "WARN");
    assert_eq!(
        missing.trace_id.as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    // Written after the server stopped, before the final flush: shutdown delivered it.
    assert!(
        records
            .iter()
            .any(|r| r.message.as_deref() == Some("server stopped"))
    );
}

#[test]
fn custom_client_receives_every_record() {
    let output = Command::new(example("custom_client")).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("log events: delivered 3, dropped 0"),
        "{stderr}"
    );
    let records: Vec<LogRecord> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON record per line"))
        .collect();
    assert_eq!(records.len(), 3);
    for (job, record) in records.iter().enumerate() {
        assert_eq!(record.message.as_deref(), Some("job done"));
        assert_eq!(record.service.as_deref(), Some("custom-client-example"));
        assert_eq!(record.spans[0].name, "job");
        assert_eq!(record.spans[0].fields["job"], job);
    }
}

/// The workspace README's quick start is the crate README's, which `lib.rs` compiles as a
/// doc test: so the one a visitor of the repository copies compiles too.
#[test]
fn the_workspace_readme_quick_start_is_the_crate_readmes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tracing-cloudwatch-logs");
    let code_blocks = |text: &str| -> Vec<String> {
        text.split("```")
            .skip(1)
            .step_by(2)
            .filter(|block| block.starts_with("rust") || block.starts_with("sh"))
            .map(str::to_owned)
            .collect()
    };
    let read = |path: PathBuf| std::fs::read_to_string(&path).unwrap();
    let crate_blocks = code_blocks(&read(root.join("README.md")));
    let workspace_blocks = code_blocks(&read(root.join("../README.md")));
    let quick_start = &crate_blocks[..2];
    assert!(quick_start[0].contains("cargo add tracing-cloudwatch-logs"));
    assert!(
        workspace_blocks.windows(2).any(|pair| pair == quick_start),
        "README.md's \"Add the layer\" section must show tracing-cloudwatch-logs/README.md's quick start unchanged"
    );
}

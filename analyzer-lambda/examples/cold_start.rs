//! Cold-start init time of the function binary: from spawning it to its first
//! `GET /2018-06-01/runtime/invocation/next` on a local Runtime API socket, which is the
//! point where Lambda's init phase ends and the first invocation could start.
//!
//! ```text
//! cargo build --release -p analyzer-lambda
//! cargo run --release -p analyzer-lambda --example cold_start -- [runs] [binary]
//! ```
//!
//! The binary defaults to `target/release/analyzer-lambda`. No AWS call happens during init
//! (clients are built, credentials resolve lazily), so nothing listens but this program.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args
        .next()
        .map_or(20, |r| r.parse().expect("runs is a number"));
    let binary = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/analyzer-lambda"),
        PathBuf::from,
    );
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build --release -p analyzer-lambda` first",
        binary.display()
    );
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        samples.push(one_run(&binary));
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "cold start ({runs} runs of {}): min {:.1} ms, median {:.1} ms, max {:.1} ms",
        binary.display(),
        ms(samples[0]),
        ms(samples[runs / 2]),
        ms(samples[runs - 1])
    );
}

fn one_run(binary: &PathBuf) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let addr = listener.local_addr().expect("bound");
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "analyzer")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("INCIDENTS_TABLE", "Incidents")
        .env(
            "ALERTS_TOPIC_ARN",
            "arn:aws:sns:us-east-1:123456789012:alerts",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the function");
    let (stream, _) = listener.accept().expect("the function connects");
    let mut request_line = String::new();
    BufReader::new(&stream)
        .read_line(&mut request_line)
        .expect("read the request line");
    let elapsed = started.elapsed();
    assert!(
        request_line.starts_with("GET /2018-06-01/runtime/invocation/next"),
        "unexpected first request: {request_line}"
    );
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

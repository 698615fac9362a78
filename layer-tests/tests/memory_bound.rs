//! With CloudWatch unreachable and far more events than fit, the process's peak RSS stays
//! within its baseline + 1.25 x `buffer_bytes` (issue 16), at 16 MiB and at 64 MiB.
//!
//! Each bound runs in a child process (this binary, with `--child <bytes>`), so that its
//! peak (`VmHWM`) is its own; the baseline is the child's RSS just before the layer starts.
//! Two outages, each bound in each: a loopback port nothing listens on (every request is
//! refused before its body is sent), and the strict endpoint down (it accepts each
//! connection and resets it, so every attempt builds, signs and sends its whole body, the
//! copies that must stay within the bound too).

use std::process::Command;
use std::time::{Duration, Instant};

use test_support::strict_logs::StrictLogs;
use tracing_subscriber::prelude::*;

const MIB: usize = 1024 * 1024;
/// The bound the issue sets: peak RSS <= baseline + this x `buffer_bytes`.
const ALLOWED: f64 = 1.25;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let bytes = args[i + 1]
            .parse()
            .expect("--child <buffer bytes> <outage>");
        return child(bytes, &args[i + 2]);
    }
    for (buffer, outage) in [
        (16 * MIB, "refused"),
        (16 * MIB, "reset"),
        (64 * MIB, "refused"),
        (64 * MIB, "reset"),
    ] {
        let output = Command::new(std::env::current_exe().unwrap())
            .args(["--child", &buffer.to_string(), outage])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "child for {buffer} bytes failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = stdout
            .lines()
            .find_map(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| panic!("no report from the child: {stdout}"));
        let baseline = report["baseline_kib"].as_u64().unwrap() as f64 * 1024.0;
        let peak = report["peak_kib"].as_u64().unwrap() as f64 * 1024.0;
        let limit = baseline + ALLOWED * buffer as f64;
        println!(
            "buffer {} MiB, endpoint {outage}: baseline {:.1} MiB, peak {:.1} MiB (+{:.1} MiB = {:.2} x buffer), {} events dropped as buffer full: {report}",
            buffer / MIB,
            baseline / MIB as f64,
            peak / MIB as f64,
            (peak - baseline) / MIB as f64,
            (peak - baseline) / buffer as f64,
            report["dropped_buffer_full"],
        );
        assert!(
            report["dropped_buffer_full"].as_u64().unwrap() > 0,
            "the run must fill the buffer: {report}"
        );
        assert!(
            peak <= limit,
            "peak RSS {peak} > baseline {baseline} + {ALLOWED} x {buffer}: {report}"
        );
    }
    println!("memory_bound: ok");
}

fn child(buffer_bytes: usize, outage: &str) {
    // Started before the baseline: the endpoint's own memory is not the layer's.
    let server = (outage == "reset").then(StrictLogs::down);
    let endpoint = match &server {
        Some(server) => server.endpoint(),
        None => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
        }
    };
    let config = test_support::sdk_config_blocking(&endpoint);
    let client = aws_sdk_cloudwatchlogs::Client::new(&config);
    let baseline = test_support::proc_status_kib("VmRSS");
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/test/memory-bound")
        .log_stream("s")
        .service("bench")
        .buffer_bytes(buffer_bytes)
        .shutdown_timeout(Duration::from_millis(100))
        .build(client)
        .unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let started = Instant::now();
    // ~3x what fits, and long enough for many rounds of refused requests and retries.
    let enough = 3 * buffer_bytes as u64 / 250;
    let mut emitted = 0_u64;
    tracing::dispatcher::with_default(&dispatch, || {
        while emitted < enough || started.elapsed() < Duration::from_secs(3) {
            for seq in 0..10_000_u64 {
                tracing::info!(
                    seq,
                    detail = "a line of detail that brings the record to about two hundred bytes",
                    "work done"
                );
            }
            emitted += 10_000;
        }
    });
    let metrics = guard.metrics();
    let peak = test_support::proc_status_kib("VmHWM");
    drop(guard);
    println!(
        "{}",
        serde_json::json!({
            "buffer_bytes": buffer_bytes,
            "emitted": emitted,
            "baseline_kib": baseline,
            "peak_kib": peak,
            "buffered_bytes": metrics.buffered_bytes,
            "dropped_buffer_full": metrics.dropped.buffer_full,
            "requests": metrics.requests,
        })
    );
}

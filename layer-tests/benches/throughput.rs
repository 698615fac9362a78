//! End-to-end throughput and memory, against the strict endpoint on loopback (in-process).
//!
//! `cargo bench -p tracing-cloudwatch-logs-tests --bench throughput`
//!
//! 1. Outage: the endpoint is down while the application emits 2 million events with a
//!    16 MiB and then a 64 MiB buffer and `DropNewest`, each in a child process of its own
//!    (this binary again, `--outage-child <bytes>`); prints the peak RSS against the baseline
//!    taken just before the layer starts.
//! 2. Throughput: the application emits ~200-byte events as fast as it can (backpressure
//!    `Block`, so nothing is dropped and the figure is what is delivered), until all are
//!    stored. Prints events/s, MB/s and the process's CPU time (the endpoint included).

use std::time::{Duration, Instant};

use test_support::strict_logs::{StrictConfig, StrictLogs};
use tracing_cloudwatch_logs::Backpressure;
use tracing_subscriber::prelude::*;

const EVENTS: u64 = 1_000_000;
const OUTAGE_EVENTS: u64 = 2_000_000;
const THROUGHPUT_BUFFER: usize = 64 << 20;

fn main() {
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) skips the run.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--outage-child") {
        return outage_memory(args[i + 1].parse().expect("--outage-child <bytes>"));
    }
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    for mib in [16, 64] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--outage-child", &(mib << 20).to_string()])
            .output()
            .unwrap();
        print!("{}", String::from_utf8_lossy(&out.stdout));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    throughput();
}

fn client(server: &StrictLogs) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::new(&test_support::sdk_config_blocking(&server.endpoint()))
}

fn emit(n: u64) {
    for seq in 0..n {
        tracing::info!(
            seq,
            detail = "a line of detail that brings the record to about two hundred bytes",
            "work done"
        );
    }
}

fn throughput() {
    let server = StrictLogs::start(StrictConfig {
        record_accepted: false,
        ..Default::default()
    });
    server.create_group_and_stream("/bench/throughput", "s");
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/bench/throughput")
        .log_stream("s")
        .service("bench")
        // Room for several requests' copies at once (a quarter of the bound, see `shared`).
        .buffer_bytes(THROUGHPUT_BUFFER)
        .backpressure(Backpressure::Block {
            timeout: Duration::from_secs(60),
        })
        .shutdown_timeout(Duration::from_secs(120))
        .build(client(&server))
        .unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    tracing::dispatcher::with_default(&dispatch, || emit(EVENTS));
    let handle = guard.handle();
    drop(guard);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let m = handle.metrics();
    assert_eq!(m.delivered, EVENTS, "{m:?}");
    let violations = server.stats().violations;
    assert!(violations.is_empty(), "{violations:?}");
    println!(
        "throughput (buffer {} MiB): {EVENTS} events ({:.1} MB as CloudWatch counts them) in {elapsed:.2} s = {:.0} events/s, {:.1} MB/s; \
         CPU {cpu:.2} s ({:.0}% of one core), {} requests",
        THROUGHPUT_BUFFER >> 20,
        m.bytes_delivered as f64 / 1e6,
        EVENTS as f64 / elapsed,
        m.bytes_delivered as f64 / 1e6 / elapsed,
        100.0 * cpu / elapsed,
        m.requests,
    );
}

fn outage_memory(buffer_bytes: usize) {
    let server = StrictLogs::down();
    let client = client(&server);
    let baseline = test_support::proc_status_kib("VmRSS");
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/bench/outage")
        .log_stream("s")
        .service("bench")
        .buffer_bytes(buffer_bytes)
        .shutdown_timeout(Duration::from_millis(200))
        .build(client)
        .unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let started = Instant::now();
    tracing::dispatcher::with_default(&dispatch, || emit(OUTAGE_EVENTS));
    let elapsed = started.elapsed().as_secs_f64();
    let m = guard.metrics();
    let peak = test_support::proc_status_kib("VmHWM");
    drop(guard);
    println!(
        "outage: {OUTAGE_EVENTS} events emitted in {elapsed:.2} s while the endpoint was down; buffer bound {} MiB; \
         peak buffered {:.1} MiB; dropped (buffer full) {}; RSS baseline {:.1} MiB, peak {:.1} MiB (+{:.1} MiB = {:.2} x the bound)",
        buffer_bytes >> 20,
        m.buffered_bytes as f64 / 1048576.0,
        m.dropped.buffer_full,
        baseline as f64 / 1024.0,
        peak as f64 / 1024.0,
        (peak - baseline) as f64 / 1024.0,
        (peak - baseline) as f64 * 1024.0 / buffer_bytes as f64,
    );
}

/// User + system CPU time of this process, from /proc/self/stat (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

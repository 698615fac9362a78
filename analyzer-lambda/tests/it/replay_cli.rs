//! `analyzer-lambda replay` as a user runs it, against moto: its summary, and what Ctrl-C or
//! SIGTERM does to a run that has not reached the end of its window.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::Moto;

use crate::aws::{binary, of_type, stderr};
use crate::common::layer_error;
use crate::setup::{create_table, create_topic_and_queue, put_events, scan};

/// The JSON of the `replay summary: {...}` line.
fn summary(output: &Output) -> Value {
    let err = stderr(output);
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("replay summary: "))
        .unwrap_or_else(|| panic!("no summary line in\n{err}"));
    serde_json::from_str(line).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_counts_a_problem_seen_in_several_streams_once() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, _queue) = create_topic_and_queue(&sdk, "alerts").await;
    let group = "/demo/orders-api";
    // One problem (`payment failed for order <num>`), in three streams: three payloads.
    for (stream, orders) in [("web/1", 0..2), ("web/2", 2..4), ("web/3", 4..6)] {
        put_events(
            &sdk,
            group,
            stream,
            &orders.map(layer_error).collect::<Vec<_>>(),
        )
        .await;
    }

    let output = binary(&moto, "Incidents", &topic)
        .args(["replay", "--log-group", group, "--since", "1h"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = summary(&output);
    assert_eq!(summary["payloads"], 3, "{summary}");
    assert_eq!(summary["incidents_written"], 6, "{summary}");
    let items = scan(&sdk, "Incidents").await;
    assert_eq!(of_type(&items, "aggregate").len(), 1);
    assert_eq!(summary["fingerprints"], 1, "{summary}");
}

/// Streams (one payload each) and events per stream: enough payloads that a run is still
/// busy when the test has seen its first rows and sent the signal.
const STREAMS: usize = 150;
const EVENTS_PER_STREAM: usize = 10;

/// Starts `replay` over `group`, waits until it has written more rows than `before`, sends
/// `signal` and returns what the run printed.
async fn interrupt(
    mut command: Command,
    sdk: &aws_config::SdkConfig,
    before: usize,
    signal: &str,
) -> Output {
    let child: Child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while of_type(&scan(sdk, "Incidents").await, "incident").len() <= before {
        assert!(Instant::now() < deadline, "replay wrote nothing in 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    // Not a timing assertion: a run that ignored the signal would take the whole window.
    eprintln!("stopped {:?} after {signal}", started.elapsed());
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_stops_a_replay_between_payloads_and_a_rerun_finishes_it() {
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    create_table(&sdk, "Incidents").await;
    let (topic, _queue) = create_topic_and_queue(&sdk, "alerts").await;
    let group = "/bb/rp";
    for stream in 0..STREAMS {
        let lines: Vec<String> = (0..EVENTS_PER_STREAM)
            .map(|i| layer_error(stream * EVENTS_PER_STREAM + i))
            .collect();
        put_events(&sdk, group, &format!("web/{stream:03}"), &lines).await;
    }
    let total = STREAMS * EVENTS_PER_STREAM;
    let replay = || {
        let mut command = binary(&moto, "Incidents", &topic);
        command.args(["replay", "--log-group", group, "--since", "1h"]);
        command
    };
    let rows = || async { of_type(&scan(&sdk, "Incidents").await, "incident").len() };

    let mut written = 0;
    for (signal, code) in [("-TERM", 143), ("-INT", 130)] {
        let output = interrupt(replay(), &sdk, written, signal).await;
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(code), "{err}");
        let name = format!("SIG{}", &signal[1..]);
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!(
                "analyzer-lambda: replay interrupted by {name} after "
            )) && last.contains("re-running the same command is safe"),
            "{err}"
        );
        // Stopped between payloads: what the summary says was written is all there is.
        let summary = summary(&output);
        let now = rows().await;
        assert_eq!(summary["incidents_written"], now - written, "{err}");
        assert!(now < total, "the run was not cut short: {err}");
        assert!(
            summary["payloads"].as_u64().unwrap() < STREAMS as u64,
            "{err}"
        );
        written = now;
    }

    // The same command again: the rest, and nothing twice.
    let output = replay().output().unwrap();
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    let summary = summary(&output);
    assert_eq!(summary["incidents_written"], total - written, "{err}");
    assert_eq!(summary["events_seen"], total, "{err}");
    assert_eq!(rows().await, total);
}

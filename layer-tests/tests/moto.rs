//! The layer against moto's CloudWatch Logs: what is emitted is what GetLogEvents returns.

use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use serde_json::Value;
use test_support::Moto;
use tracing_cloudwatch_logs::record::LogRecord;
use tracing_subscriber::prelude::*;

async fn setup(moto: &Moto) -> Client {
    let config = moto.sdk_config().await;
    Client::new(&config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_arrive_and_parse_and_the_group_and_stream_are_created() {
    let moto = Moto::start();
    let client = setup(&moto).await;
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/it/records")
        .log_stream("it-stream")
        .service("orders-api")
        .static_field("env", "it")
        .retention_days(7)
        .build(client.clone())
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("request", trace_id = "t-1", route = "/orders");
        let _e = span.enter();
        tracing::info!(order_id = 1, "created");
        tracing::error!(order_id = 1, reason = "declined", "payment failed");
    });
    guard.flush().await;
    let metrics = guard.metrics();
    assert_eq!(
        (metrics.delivered, metrics.dropped.total()),
        (2, 0),
        "{metrics:?}"
    );

    let groups = client
        .describe_log_groups()
        .log_group_name_prefix("/it/records")
        .send()
        .await
        .unwrap();
    let group = &groups.log_groups()[0];
    assert_eq!(group.log_group_name(), Some("/it/records"));
    assert_eq!(group.retention_in_days(), Some(7));

    let events = test_support::read_log_stream(&client, "/it/records", "it-stream").await;
    let records: Vec<LogRecord> = events
        .iter()
        .map(|(_, m)| serde_json::from_str(m).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].level, "ERROR");
    assert_eq!(records[1].message.as_deref(), Some("payment failed"));
    assert_eq!(records[1].service.as_deref(), Some("orders-api"));
    assert_eq!(records[1].trace_id.as_deref(), Some("t-1"));
    assert_eq!(records[1].fields["reason"], "declined");
    assert_eq!(records[1].fields["env"], "it");
    assert_eq!(records[1].spans[0].fields["route"], "/orders");
    // CloudWatch's event timestamp is the record's own.
    let parsed = time::OffsetDateTime::parse(
        &records[0].timestamp,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        (parsed.unix_timestamp_nanos() / 1_000_000) as i64,
        events[0].0
    );
    drop(guard);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_five_thousand_events_arrive_in_order_exactly_once() {
    const N: u64 = 25_000;
    let moto = Moto::start();
    let client = setup(&moto).await;
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/it/volume")
        .log_stream("volume")
        .service("volume")
        .build(client.clone())
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for seq in 0..N {
            tracing::info!(
                seq,
                padding = "a fairly ordinary amount of detail for a log line",
                "event"
            );
        }
    });
    let metrics = guard.shutdown().await;
    assert_eq!(metrics.delivered, N, "{metrics:?}");
    assert_eq!(metrics.dropped.total(), 0, "{metrics:?}");

    let events = test_support::read_log_stream(&client, "/it/volume", "volume").await;
    let seqs: Vec<u64> = events
        .iter()
        .map(|(_, m)| {
            serde_json::from_str::<Value>(m).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len() as u64, N, "every event exactly once");
    assert_eq!(sorted, (0..N).collect::<Vec<_>>());
    // Chronological as returned, and chronological order is emission order.
    assert!(events.windows(2).all(|w| w[0].0 <= w[1].0));
    let mut by_seq: Vec<(u64, i64)> = seqs
        .iter()
        .copied()
        .zip(events.iter().map(|e| e.0))
        .collect();
    by_seq.sort_unstable();
    assert!(by_seq.windows(2).all(|w| w[0].1 <= w[1].1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_guard_delivers_what_was_buffered() {
    let moto = Moto::start();
    let client = setup(&moto).await;
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/it/drop")
        .log_stream("drop")
        .service("drop")
        // Nothing would be sent for a minute but for the guard.
        .flush_interval(Duration::from_secs(60))
        .build(client.clone())
        .unwrap();
    let handle = guard.handle();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..100 {
            tracing::warn!(i, "buffered");
        }
    });
    // Dropped from inside a Tokio runtime: the guard must not need it.
    drop(guard);
    let metrics = handle.metrics();
    assert_eq!(
        (metrics.delivered, metrics.dropped.total()),
        (100, 0),
        "{metrics:?}"
    );
    assert_eq!(
        test_support::read_log_stream(&client, "/it/drop", "drop")
            .await
            .len(),
        100
    );
}

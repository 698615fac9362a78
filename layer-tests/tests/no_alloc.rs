//! The application thread allocates nothing per event once the layer's buffers have grown
//! to the traffic (issue 16). A binary of its own, because it replaces the global allocator
//! with one that counts.
//!
//! The count is process-wide, so the worker must be idle while events are emitted: the
//! flush timer is an hour away and each round stays below the bytes that wake the
//! worker; the rounds are handed over by explicit flushes, outside the counted region.

use std::alloc::System;
use std::time::Duration;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tracing_cloudwatch_logs::MemoryClient;
use tracing_subscriber::prelude::*;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUNDS: usize = 20;
/// About 150 KB of records: more than two of the lanes' chunks, so each round also takes
/// fresh chunks, and still below the bytes that wake the worker.
const EVENTS_PER_ROUND: u64 = 500;

fn emit(round: usize) {
    for seq in 0..EVENTS_PER_ROUND {
        tracing::info!(
            order_id = seq,
            customer = "c-1138",
            amount = 19.99,
            round,
            trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
            "order created"
        );
    }
}

#[test]
fn no_allocation_per_event_in_the_steady_state() {
    let client = MemoryClient::default();
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/test/no-alloc")
        .service("orders-api")
        .flush_interval(Duration::from_secs(3600))
        .build(client.clone())
        .unwrap();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let mut per_round = Vec::new();
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!("request", route = "/orders", attempt = 1);
        let _entered = span.enter();
        for round in 0..ROUNDS {
            let region = Region::new(GLOBAL);
            emit(round);
            let change = region.change();
            per_round.push(change.allocations + change.reallocations);
            assert!(guard.handle().flush_blocking(Duration::from_secs(30)));
            client.clear();
        }
    });
    eprintln!("allocations per round: {per_round:?}");
    let metrics = guard.metrics();
    assert_eq!(metrics.dropped.total(), 0, "{metrics:?}");
    // The first rounds grow the thread's buffers and the chunks' indexes; after that, none:
    // the chunks a round fills are replaced by spares the worker made between rounds.
    let steady = &per_round[ROUNDS / 2..];
    assert!(
        steady.iter().all(|&n| n == 0),
        "allocations per round of {EVENTS_PER_ROUND} events: {per_round:?}"
    );
}

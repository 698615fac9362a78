//! The layer end to end with an in-memory client: what records look like.

use serde_json::{Value, json};
use tracing_subscriber::prelude::*;

use crate::{MemoryClient, builder};

/// Runs `f` under a subscriber with only the layer, then flushes and returns the records.
fn capture(
    configure: impl FnOnce(crate::Builder) -> crate::Builder,
    f: impl FnOnce(),
) -> Vec<Value> {
    let client = MemoryClient::default();
    let (layer, guard) = configure(builder().log_group("/test/records").service("orders-api"))
        .build(client.clone())
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
    drop(guard);
    client.records()
}

#[derive(Debug)]
struct Outer(Inner);
#[derive(Debug)]
struct Inner;
impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("payment failed")
    }
}
impl std::fmt::Display for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}
impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}
impl std::error::Error for Inner {}

#[test]
fn a_record_has_every_documented_key() {
    let before = crate::clock::now_millis();
    let records = capture(
        |b| {
            b.static_field("env", "test")
                .static_field("version", json!(3))
        },
        || {
            let span = tracing::info_span!("request", trace_id = "abc123", method = "POST");
            let _e = span.enter();
            let inner = tracing::debug_span!("db", table = "orders");
            let _i = inner.enter();
            let err = Outer(Inner);
            tracing::error!(order_id = 42_u64, amount = 19.5, ok = false, note = ?Some(1), error = &err as &dyn std::error::Error, "payment {}", "failed");
        },
    );
    let after = crate::clock::now_millis();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    let ts = time::OffsetDateTime::parse(
        r["timestamp"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let ms = (ts.unix_timestamp_nanos() / 1_000_000) as i64;
    assert!((before..=after).contains(&ms));
    assert!(r["timestamp"].as_str().unwrap().ends_with('Z'));
    let mut without_ts = r.clone();
    without_ts.as_object_mut().unwrap().remove("timestamp");
    assert_eq!(
        without_ts,
        json!({
            "level": "ERROR",
            "message": "payment failed",
            "service": "orders-api",
            "trace_id": "abc123",
            "target": "tracing_cloudwatch_logs::layer_tests",
            "env": "test",
            "version": 3,
            "order_id": 42,
            "amount": 19.5,
            "ok": false,
            "note": "Some(1)",
            "error": {"message": "payment failed", "sources": ["card declined"]},
            "spans": [
                {"name": "request", "trace_id": "abc123", "method": "POST"},
                {"name": "db", "table": "orders"}
            ]
        })
    );
    let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    assert_eq!(
        &keys[..6],
        [
            "timestamp",
            "level",
            "message",
            "service",
            "trace_id",
            "target"
        ]
    );
}

#[test]
fn trace_id_comes_from_the_event_then_the_nearest_span() {
    let records = capture(
        |b| b,
        || {
            tracing::info!("no trace");
            let outer = tracing::info_span!("outer", trace_id = "outer-id");
            let _o = outer.enter();
            tracing::info!("outer only");
            let inner = tracing::info_span!("inner", trace_id = "inner-id");
            let _i = inner.enter();
            tracing::info!("nearest wins");
            tracing::info!(trace_id = "own-id", "own wins");
            let recorded = tracing::info_span!("late", trace_id = tracing::field::Empty);
            recorded.record("trace_id", "late-id");
            let _l = recorded.enter();
            tracing::info!("recorded later");
        },
    );
    let ids: Vec<&Value> = records.iter().map(|r| &r["trace_id"]).collect();
    assert_eq!(
        ids,
        [
            &Value::Null,
            &json!("outer-id"),
            &json!("inner-id"),
            &json!("own-id"),
            &json!("late-id")
        ]
    );
    assert!(records[0].get("trace_id").is_none(), "absent, not null");
}

#[test]
fn colliding_fields_are_kept_under_a_prefix() {
    let records = capture(
        |b| b.static_field("env", "prod"),
        || {
            tracing::warn!(
                level = "high",
                service = "other",
                timestamp = 5,
                target = "t",
                spans = 1,
                env = "dev",
                truncated = true,
                "collisions"
            );
        },
    );
    let r = &records[0];
    assert_eq!(r["level"], "WARN");
    assert_eq!(r["service"], "orders-api");
    assert_eq!(r["env"], "prod");
    assert_eq!(r["field.level"], "high");
    assert_eq!(r["field.service"], "other");
    assert_eq!(r["field.timestamp"], 5);
    assert_eq!(r["field.target"], "t");
    assert_eq!(r["field.spans"], 1);
    assert_eq!(r["field.env"], "dev");
    assert_eq!(r["field.truncated"], true);
}

#[test]
fn a_message_field_beside_the_message_is_kept_apart() {
    let records = capture(
        |b| b,
        || {
            tracing::info!(message = "field named message", "real message");
            tracing::info!(message = 7, "{}", "formatted");
        },
    );
    assert_eq!(records[0]["message"], "real message");
    assert_eq!(records[0]["field.message"], "field named message");
    assert_eq!(records[1]["message"], "formatted");
    assert_eq!(records[1]["field.message"], "7");
}

#[test]
fn oversize_records_are_truncated_into_valid_json() {
    let big = "é".repeat(3_000);
    let records = capture(
        |b| b.max_event_bytes(2_048),
        || {
            tracing::info!(blob = %big, small = 1, "big one");
        },
    );
    let r = &records[0];
    assert_eq!(r["truncated"], true);
    assert_eq!(r["small"], 1);
    assert_eq!(r["message"], "big one");
    assert!(r.to_string().len() <= 2_048);
}

#[test]
fn events_after_shutdown_are_counted_not_lost() {
    let client = MemoryClient::default();
    let (layer, guard) = builder()
        .log_group("/t")
        .service("s")
        .build(client.clone())
        .unwrap();
    let handle = guard.handle();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("before"));
    drop(guard);
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("after"));
    let m = handle.metrics();
    assert_eq!(m.emitted, 2, "{m:?}");
    assert_eq!(m.delivered, 1);
    assert_eq!(m.dropped.shutdown, 1);
    assert_eq!(client.records().len(), 1);
}

#[test]
fn a_w3c_trace_id_also_gets_its_xray_form_and_a_span_id_is_kept() {
    let records = capture(
        |b| b,
        || {
            let request =
                tracing::info_span!("request", trace_id = "4BF92F3577B34DA6A3CE929D0E0E4736");
            let _r = request.enter();
            tracing::info!(span_id = "00f067aa0ba902b7", "from the span");
            tracing::info!(trace_id = "req-42", "not a W3C id");
        },
    );
    let context = |r: &Value| {
        json!({
            "trace_id": r["trace_id"],
            "span_id": r["span_id"],
            "xray_trace_id": r["xray_trace_id"],
        })
    };
    assert_eq!(
        context(&records[0]),
        json!({
            "trace_id": "4BF92F3577B34DA6A3CE929D0E0E4736",
            "span_id": "00f067aa0ba902b7",
            "xray_trace_id": "1-4bf92f35-77b34da6a3ce929d0e0e4736",
        })
    );
    assert_eq!(
        context(&records[1]),
        json!({"trace_id": "req-42", "span_id": null, "xray_trace_id": null})
    );
    assert!(records[1].get("span_id").is_none() && records[1].get("field.span_id").is_none());
}

#[test]
fn spans_are_written_root_first_at_any_depth_with_values_recorded_later() {
    let records = capture(
        |b| b,
        || {
            let root = tracing::info_span!(
                "root",
                trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                status = tracing::field::Empty
            );
            let _r = root.enter();
            // Deeper than the layer walks by recursion, so both walks are exercised.
            // Each span is created inside the one before it.
            let entered: Vec<tracing::span::EnteredSpan> = (0..20)
                .map(|depth| tracing::info_span!("level", depth).entered())
                .collect();
            // A value recorded on an ancestor after its descendants exist.
            root.record("status", 503);
            tracing::info!("deep");
            drop(entered);
            tracing::info!("shallow");
        },
    );
    let deep = &records[0];
    let spans = deep["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 21);
    assert_eq!(
        spans[0],
        json!({"name": "root", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "status": 503})
    );
    for (depth, span) in spans[1..].iter().enumerate() {
        assert_eq!(span, &json!({"name": "level", "depth": depth}));
    }
    assert_eq!(deep["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(deep["xray_trace_id"], "1-4bf92f35-77b34da6a3ce929d0e0e4736");
    let shallow = &records[1];
    assert_eq!(shallow["spans"].as_array().unwrap().len(), 1);
    assert_eq!(
        shallow["xray_trace_id"],
        "1-4bf92f35-77b34da6a3ce929d0e0e4736"
    );
}

#[test]
fn a_span_field_recorded_again_is_written_once_with_its_last_value() {
    let client = MemoryClient::default();
    let (layer, guard) = builder()
        .log_group("/test/records")
        .service("orders-api")
        .build(client.clone())
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        let span = tracing::info_span!(
            "request",
            name = "first",
            // A value that looks like a later member must not be taken for one.
            note = r#","status":1,"#,
            status = 200,
            error = tracing::field::Empty,
            tail = true
        );
        let _e = span.enter();
        span.record("status", 503);
        span.record("name", "second");
        span.record("error", &Outer(Inner) as &dyn std::error::Error);
        span.record("error", "replaced");
        span.record("status", 504);
        tracing::info!("done");
    });
    drop(guard);
    let events = client.events();
    let line = events[0].message();
    let span = serde_json::from_str::<Value>(line).unwrap()["spans"][0].clone();
    assert_eq!(
        span,
        json!({"name": "request", "note": ",\"status\":1,", "tail": true,
               "field.name": "second", "error": "replaced", "status": 504})
    );
    // Each key once in the text itself, which is what a reader that keeps the first sees.
    for key in [",\"status\":", ",\"field.name\":", ",\"error\":"] {
        assert_eq!(line.matches(key).count(), 1, "{key} in {line}");
    }
    // The order of the object: untouched fields in place, replaced ones at the end.
    let keys: Vec<&String> = span.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["name", "note", "tail", "field.name", "error", "status"]
    );
}

#[test]
fn a_span_trace_id_follows_its_span_as_fields_around_it_are_recorded_again() {
    let records = capture(
        |b| b,
        || {
            let span = tracing::info_span!(
                "request",
                before = "x",
                trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                after = 1
            );
            let _e = span.enter();
            // Moves the member before the id to the end: the id moves back in the object.
            span.record("before", "a value longer than the first one");
            tracing::info!("moved");
            span.record("trace_id", "0AF7651916CD43DD8448EB211C80319C");
            tracing::info!("replaced");
            span.record("after", 2);
            tracing::info!("still there");
            // No longer a string: the span has no trace id to give.
            span.record("trace_id", 7);
            tracing::info!("a number");
        },
    );
    let ids: Vec<(&Value, &Value)> = records
        .iter()
        .map(|r| (&r["trace_id"], &r["xray_trace_id"]))
        .collect();
    assert_eq!(
        ids,
        [
            (
                &json!("4bf92f3577b34da6a3ce929d0e0e4736"),
                &json!("1-4bf92f35-77b34da6a3ce929d0e0e4736")
            ),
            (
                &json!("0AF7651916CD43DD8448EB211C80319C"),
                &json!("1-0af76519-16cd43dd8448eb211c80319c")
            ),
            (
                &json!("0AF7651916CD43DD8448EB211C80319C"),
                &json!("1-0af76519-16cd43dd8448eb211c80319c")
            ),
            (&Value::Null, &Value::Null),
        ]
    );
    assert_eq!(
        records[3]["spans"][0],
        json!({"name": "request", "before": "a value longer than the first one",
               "after": 2, "trace_id": 7})
    );
}

#[test]
fn a_span_trace_id_that_is_not_w3c_has_no_xray_form_and_an_event_id_wins() {
    let records = capture(
        |b| b,
        || {
            let span = tracing::info_span!("request", trace_id = "req \"42\"");
            let _e = span.enter();
            tracing::info!("from the span");
            tracing::info!(trace_id = "4bf92f3577b34da6a3ce929d0e0e4736", "own");
        },
    );
    assert_eq!(records[0]["trace_id"], "req \"42\"");
    assert!(records[0].get("xray_trace_id").is_none());
    assert_eq!(records[1]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(
        records[1]["xray_trace_id"],
        "1-4bf92f35-77b34da6a3ce929d0e0e4736"
    );
    assert_eq!(records[1]["spans"][0]["trace_id"], "req \"42\"");
}

#[test]
fn a_client_that_panics_loses_its_batch_as_non_retryable_not_as_shutdown() {
    use crate::{BoxFuture, ClientError, LogsClient, PutLogEventsRequest, PutLogEventsResponse};

    struct Panicking;
    impl LogsClient for Panicking {
        fn put_log_events<'a>(
            &'a self,
            _: PutLogEventsRequest<'a>,
        ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>> {
            Box::pin(async { panic!("a bug in the client") })
        }
        fn create_log_group<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
            Box::pin(async { Ok(()) })
        }
        fn create_log_stream<'a>(
            &'a self,
            _: &'a str,
            _: &'a str,
        ) -> BoxFuture<'a, Result<(), ClientError>> {
            Box::pin(async { Ok(()) })
        }
        fn put_retention_policy<'a>(
            &'a self,
            _: &'a str,
            _: i32,
        ) -> BoxFuture<'a, Result<(), ClientError>> {
            Box::pin(async { Ok(()) })
        }
    }

    let (layer, guard) = builder()
        .log_group("/test/panics")
        .service("orders-api")
        .shutdown_timeout(std::time::Duration::from_secs(30))
        .build(Panicking)
        .unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..3 {
            tracing::info!(i, "lost to the client");
        }
    });
    let handle = guard.handle();
    drop(guard);
    let m = handle.metrics();
    assert_eq!(m.emitted, 3, "{m:?}");
    assert_eq!(m.dropped.non_retryable, 3, "{m:?}");
    assert_eq!(m.dropped.shutdown, 0, "{m:?}");
}

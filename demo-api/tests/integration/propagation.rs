//! Trace ids: taken from `traceparent`, else `x-request-id`, else fresh; echoed in headers
//! and carried by every record of the request.

use axum::body::Body;
use http::Request;
use serde_json::Value;

use crate::support::{Harness, Reply};

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

async fn pay_declined_with(h: &Harness, headers: &[(&str, &str)]) -> Reply {
    let id = h.create_order().await;
    let mut request = Request::post(format!("/orders/{id}/pay?fail=decline"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    h.call(request.body(Body::empty()).unwrap()).await
}

/// The request's records: all three (decline ERROR, completion), each carrying `trace_id`
/// at the top level and in the request span.
async fn assert_every_record_carries(h: &Harness, trace_id: &str, source: &str) {
    let records = h.records_of(trace_id).await;
    let messages: Vec<&Value> = records.iter().map(|r| &r["message"]).collect();
    assert_eq!(
        messages,
        ["payment failed", "request completed"],
        "{records:#?}"
    );
    for record in &records {
        assert_eq!(record["spans"][0]["trace_id"], trace_id, "{record:#}");
        assert_eq!(record["spans"][0]["trace_source"], source, "{record:#}");
    }
}

#[tokio::test]
async fn a_traceparent_gives_the_trace_id() {
    let h = Harness::new();
    let reply = pay_declined_with(&h, &[("traceparent", TRACEPARENT)]).await;
    assert_eq!(reply.trace_id(), TRACE_ID);
    assert_eq!(reply.header("x-request-id"), TRACE_ID);
    assert_every_record_carries(&h, TRACE_ID, "traceparent").await;
}

#[tokio::test]
async fn a_traceparent_wins_and_the_request_id_is_echoed() {
    let h = Harness::new();
    let reply = pay_declined_with(
        &h,
        &[("traceparent", TRACEPARENT), ("x-request-id", "lb-77")],
    )
    .await;
    assert_eq!(reply.trace_id(), TRACE_ID);
    assert_eq!(reply.header("x-request-id"), "lb-77");
    assert_every_record_carries(&h, TRACE_ID, "traceparent").await;
}

#[tokio::test]
async fn an_x_request_id_is_the_trace_id_without_traceparent() {
    let h = Harness::new();
    let reply = pay_declined_with(&h, &[("x-request-id", "req-2026-11-24-0001")]).await;
    assert_eq!(reply.trace_id(), "req-2026-11-24-0001");
    assert_eq!(reply.header("x-request-id"), "req-2026-11-24-0001");
    assert_every_record_carries(&h, "req-2026-11-24-0001", "x-request-id").await;
}

#[tokio::test]
async fn an_invalid_traceparent_falls_back_to_the_request_id() {
    let h = Harness::new();
    let zero = "00-00000000000000000000000000000000-b7ad6b7169203331-01";
    let reply = pay_declined_with(&h, &[("traceparent", zero), ("x-request-id", "req-9")]).await;
    assert_eq!(reply.trace_id(), "req-9");
    assert_every_record_carries(&h, "req-9", "x-request-id").await;
}

#[tokio::test]
async fn no_header_gives_a_fresh_id_per_request() {
    let h = Harness::new();
    let first = pay_declined_with(&h, &[]).await;
    let second = pay_declined_with(&h, &[]).await;
    let (a, b) = (first.trace_id(), second.trace_id());
    assert_ne!(a, b);
    assert_eq!(a.len(), 32, "{a}");
    assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
    assert_eq!(first.header("x-request-id"), a);
    assert_every_record_carries(&h, &a, "generated").await;
    assert_every_record_carries(&h, &b, "generated").await;
}

//! The orders service calling a real payments service over loopback HTTP: the trace context
//! travels, so one request's records in both services share one trace id; the payments
//! service's failures map to the right status.

use http::StatusCode;
use serde_json::{Value, json};

use crate::support::{Harness, Reply, assert_has};

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const ORDERS_TARGET: &str = "demo_api::routes::payments";
const PAYMENTS_TARGET: &str = "demo_api::routes::charges";

async fn pay(h: &Harness, fail: &str, headers: &[(&str, &str)]) -> Reply {
    let id = h.create_order().await;
    let mut request = http::Request::post(format!("/orders/{id}/pay{fail}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    h.call(request.body(axum::body::Body::empty()).unwrap())
        .await
}

/// The records of `trace_id`, by the route of their request span.
async fn by_route(h: &Harness, trace_id: &str) -> (Vec<Value>, Vec<Value>) {
    let records = h.records_of(trace_id).await;
    let route = |r: &Value| {
        r["spans"][0]["route"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let orders = records
        .iter()
        .filter(|r| route(r) == "/orders/{id}/pay")
        .cloned()
        .collect();
    let payments = records
        .iter()
        .filter(|r| route(r) == "/charges")
        .cloned()
        .collect();
    (orders, payments)
}

fn messages(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect()
}

#[tokio::test]
async fn a_declined_charge_leaves_one_trace_id_in_both_services() {
    let h = Harness::with_payments_service().await;
    let reply = pay(&h, "?fail=decline", &[("traceparent", TRACEPARENT)]).await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    assert_eq!(reply.trace_id(), TRACE_ID);

    let (orders, payments) = by_route(&h, TRACE_ID).await;
    assert_eq!(messages(&payments), ["charge failed", "request completed"]);
    assert_eq!(messages(&orders), ["payment failed", "request completed"]);
    let charge = &payments[0];
    assert_has(
        charge,
        json!({ "level": "ERROR", "target": PAYMENTS_TARGET, "forced": true, "amount_cents": 2500 }),
    );
    assert!(charge["reason"].is_string(), "{charge:#}");
    // The payments service took the trace from the traceparent the orders service sent.
    assert_eq!(charge["spans"][0]["trace_source"], "traceparent");
    assert_eq!(payments[1]["status"], 402);
    let failed = &orders[0];
    assert_has(failed, json!({ "level": "ERROR", "target": ORDERS_TARGET }));
    let sources = failed["error"]["sources"].as_array().unwrap();
    let reason = charge["reason"].as_str().unwrap();
    assert_eq!(
        sources,
        &[json!(format!("card declined by issuer: {reason}"))]
    );
}

#[tokio::test]
async fn a_processor_timeout_in_payments_is_504_in_both() {
    let h = Harness::with_payments_service().await;
    let reply = pay(&h, "?fail=timeout", &[("traceparent", TRACEPARENT)]).await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{}", reply.body);
    let (orders, payments) = by_route(&h, TRACE_ID).await;
    assert_eq!(
        payments[0]["error"]["message"],
        "payment provider did not answer within 100 ms"
    );
    assert_eq!(payments[1]["status"], 504);
    assert_eq!(
        orders[0]["error"],
        json!({
            "message": format!("payments service could not charge order {}", orders[0]["order_id"]),
            "sources": ["payments service timed out: payment provider did not answer within 100 ms"],
        })
    );
    assert_eq!(
        (orders[1]["level"].as_str(), orders[1]["status"].as_u64()),
        (Some("ERROR"), Some(504))
    );
}

#[tokio::test]
async fn an_x_ray_header_from_a_load_balancer_starts_the_trace_of_both() {
    let h = Harness::with_payments_service().await;
    let xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let reply = pay(&h, "", &[("x-amzn-trace-id", xray)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let trace_id = "5759e988bd862e3fe1be46a994272793";
    assert_eq!(reply.trace_id(), trace_id);
    let (orders, payments) = by_route(&h, trace_id).await;
    assert_eq!(
        messages(&payments),
        ["charge captured", "request completed"]
    );
    assert_eq!(orders[0]["spans"][0]["trace_source"], "x-amzn-trace-id");
    assert_eq!(payments[0]["spans"][0]["trace_source"], "traceparent");
    assert_eq!(orders[0]["payment_id"], payments[0]["payment_id"]);
}

#[tokio::test]
async fn a_request_id_that_is_not_w3c_travels_as_a_request_id() {
    let h = Harness::with_payments_service().await;
    let reply = pay(&h, "?fail=decline", &[("x-request-id", "req-2026-7")]).await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
    let (orders, payments) = by_route(&h, "req-2026-7").await;
    assert_eq!(messages(&orders), ["payment failed", "request completed"]);
    assert_eq!(payments[0]["spans"][0]["trace_source"], "x-request-id");
}

#[tokio::test]
async fn an_unreachable_payments_service_is_502_naming_it() {
    // A port nothing listens on.
    let closed = test_support::free_port();
    let url = format!("http://127.0.0.1:{closed}");
    let provider =
        demo_api::payments::http::HttpProvider::new(&url, crate::support::REMOTE_PAYMENT_DEADLINE)
            .unwrap();
    let h = Harness::with_provider(
        std::sync::Arc::new(provider),
        crate::support::REMOTE_PAYMENT_DEADLINE,
    );
    let reply = pay(&h, "", &[]).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    let failed = h.record(&reply.trace_id(), "payment failed").await;
    assert_eq!(
        failed["error"]["sources"][0],
        format!("payments service unreachable at {url}/charges")
    );
}

//! Every route through `oneshot`: the response and the records it produced.

use http::StatusCode;
use serde_json::json;

use crate::support::{Harness, SERVICE, assert_completion, assert_has};

#[tokio::test]
async fn health_answers_ok_and_logs_completion() {
    let h = Harness::new();
    let reply = h.get("/health").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "status": "ok" }));

    let records = h.records_of(&reply.trace_id()).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_completion(&records[0], "INFO", "GET", "/health", 200);
    assert_has(&records[0], json!({ "version": env!("CARGO_PKG_VERSION") }));
}

#[tokio::test]
async fn creating_an_order_logs_its_fields() {
    let h = Harness::new();
    let reply = h
        .post_json(
            "/orders",
            r#"{"item":"ceramic cup","quantity":3,"unit_price_cents":450}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        reply.body,
        json!({ "id": 1, "item": "ceramic cup", "quantity": 3, "amount_cents": 1350, "status": "pending" })
    );

    let trace_id = reply.trace_id();
    let created = h.record(&trace_id, "order created").await;
    assert_has(
        &created,
        json!({
            "level": "INFO", "service": SERVICE, "trace_id": trace_id, "target": "demo_api::routes::orders",
            "order_id": 1, "item": "ceramic cup", "quantity": 3, "amount_cents": 1350,
        }),
    );
    assert_completion(
        &h.record(&trace_id, "request completed").await,
        "INFO",
        "POST",
        "/orders",
        201,
    );
}

#[tokio::test]
async fn a_malformed_body_is_400_with_a_warn_naming_the_problem() {
    let h = Harness::new();
    let reply = h
        .post_json("/orders", r#"{"item": "cup", "quantity": "#)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let problem = reply.body["error"].as_str().unwrap().to_owned();
    assert!(problem.contains("EOF"), "{problem}");

    let trace_id = reply.trace_id();
    let warn = h
        .record(&trace_id, "rejected order: invalid JSON body")
        .await;
    assert_has(
        &warn,
        json!({ "level": "WARN", "service": SERVICE, "problem": problem }),
    );
    assert_completion(
        &h.record(&trace_id, "request completed").await,
        "INFO",
        "POST",
        "/orders",
        400,
    );
}

#[tokio::test]
async fn a_missing_field_is_400_naming_the_field() {
    let h = Harness::new();
    let reply = h
        .post_json("/orders", r#"{"item":"cup","unit_price_cents":450}"#)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let warn = h
        .record(&reply.trace_id(), "rejected order: invalid JSON body")
        .await;
    let problem = warn["problem"].as_str().unwrap();
    assert!(problem.contains("missing field `quantity`"), "{problem}");
}

#[tokio::test]
async fn invalid_values_are_400_with_the_rule_broken() {
    let h = Harness::new();
    let reply = h
        .post_json(
            "/orders",
            r#"{"item":"cup","quantity":0,"unit_price_cents":450}"#,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, json!({ "error": "quantity must be 1 to 1000" }));
    let warn = h
        .record(&reply.trace_id(), "rejected order: invalid values")
        .await;
    assert_has(
        &warn,
        json!({ "level": "WARN", "problem": "quantity must be 1 to 1000", "item": "cup", "quantity": 0 }),
    );
}

#[tokio::test]
async fn reading_an_order_back() {
    let h = Harness::new();
    let id = h.create_order().await;
    let reply = h.get(&format!("/orders/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["amount_cents"], 2500);
    let records = h.records_of(&reply.trace_id()).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_completion(&records[0], "INFO", "GET", "/orders/{id}", 200);
}

#[tokio::test]
async fn an_unknown_order_is_404_logged_at_warn() {
    let h = Harness::new();
    let reply = h.get("/orders/999").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, json!({ "error": "order 999 not found" }));

    let trace_id = reply.trace_id();
    let warn = h.record(&trace_id, "order not found").await;
    assert_has(
        &warn,
        json!({ "level": "WARN", "order_id": 999, "trace_id": trace_id }),
    );
    assert_completion(
        &h.record(&trace_id, "request completed").await,
        "INFO",
        "GET",
        "/orders/{id}",
        404,
    );
}

#[tokio::test]
async fn a_non_numeric_order_id_is_400() {
    let h = Harness::new();
    let reply = h.get("/orders/abc").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let warn = h
        .record(&reply.trace_id(), "rejected request: invalid order id")
        .await;
    assert_eq!(warn["level"], "WARN");
}

#[tokio::test]
async fn an_unknown_route_is_404_with_an_unmatched_route() {
    let h = Harness::new();
    let reply = h.get("/nope").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let trace_id = reply.trace_id();
    assert_has(
        &h.record(&trace_id, "no such route").await,
        json!({ "level": "WARN", "path": "/nope" }),
    );
    assert_completion(
        &h.record(&trace_id, "request completed").await,
        "INFO",
        "GET",
        "<unmatched>",
        404,
    );
}

#[tokio::test]
async fn paying_an_order_captures_it_once() {
    let h = Harness::new();
    let id = h.create_order().await;
    let reply = h.post_json(&format!("/orders/{id}/pay"), "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "paid");
    let payment_id = reply.body["payment_id"].as_str().unwrap().to_owned();
    let captured = h.record(&reply.trace_id(), "payment captured").await;
    assert_has(
        &captured,
        json!({ "level": "INFO", "order_id": id, "amount_cents": 2500, "payment_id": payment_id }),
    );

    let again = h.post_json(&format!("/orders/{id}/pay"), "").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_has(
        &h.record(&again.trace_id(), "order already paid").await,
        json!({ "level": "WARN", "order_id": id }),
    );
}

#[tokio::test]
async fn a_declined_payment_is_402_logged_at_error_with_the_chain() {
    let h = Harness::new();
    let id = h.create_order().await;
    let reply = h
        .post_json(&format!("/orders/{id}/pay?fail=decline"), "")
        .await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED);
    let outer = format!("payment provider refused the charge of 2500 cents for order {id}");
    assert_eq!(reply.body, json!({ "error": outer }));

    let trace_id = reply.trace_id();
    let failed = h.record(&trace_id, "payment failed").await;
    assert_has(
        &failed,
        json!({
            "level": "ERROR", "service": SERVICE, "trace_id": trace_id, "target": "demo_api::routes::payments",
            "order_id": id, "amount_cents": 2500, "forced": true,
        }),
    );
    assert_eq!(failed["error"]["message"], outer);
    let sources = failed["error"]["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1, "{failed:#}");
    assert!(
        sources[0]
            .as_str()
            .unwrap()
            .starts_with("card declined by issuer: "),
        "{failed:#}"
    );
    // A decline is the customer's problem, not ours: the completion is INFO.
    assert_completion(
        &h.record(&trace_id, "request completed").await,
        "INFO",
        "POST",
        "/orders/{id}/pay",
        402,
    );
}

#[tokio::test]
async fn a_provider_timeout_is_504_logged_at_error() {
    let h = Harness::new();
    let id = h.create_order().await;
    let reply = h
        .post_json(&format!("/orders/{id}/pay?fail=timeout"), "")
        .await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT);

    let trace_id = reply.trace_id();
    let failed = h.record(&trace_id, "payment failed").await;
    assert_has(
        &failed,
        json!({ "level": "ERROR", "order_id": id, "amount_cents": 2500 }),
    );
    assert_eq!(
        failed["error"],
        json!({ "message": "payment provider did not answer within 50 ms", "sources": ["deadline has elapsed"] })
    );
    assert_completion(
        &h.record(&trace_id, "request completed").await,
        "ERROR",
        "POST",
        "/orders/{id}/pay",
        504,
    );
    // The order is still payable.
    assert_eq!(
        h.get(&format!("/orders/{id}")).await.body["status"],
        "pending"
    );
}

#[tokio::test]
async fn an_unknown_forced_failure_is_400() {
    let h = Harness::new();
    let id = h.create_order().await;
    let reply = h
        .post_json(&format!("/orders/{id}/pay?fail=sometimes"), "")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.record(&reply.trace_id(), "rejected payment: invalid query")
            .await["level"],
        "WARN"
    );
}

#[tokio::test]
async fn paying_an_unknown_order_is_404() {
    let h = Harness::new();
    let reply = h.post_json("/orders/42/pay", "").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_has(
        &h.record(&reply.trace_id(), "payment for unknown order")
            .await,
        json!({ "level": "WARN", "order_id": 42 }),
    );
}

#[tokio::test]
async fn a_panic_is_caught_answered_500_and_logged_with_the_trace_id() {
    let h = Harness::new();
    let reply = h.get("/panic").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.body, json!({ "error": "internal error" }));

    let trace_id = reply.trace_id();
    let panicked = h.record(&trace_id, "request handler panicked").await;
    assert_has(
        &panicked,
        json!({
            "level": "ERROR", "service": SERVICE, "trace_id": trace_id,
            "panic": demo_api::routes::panic::PANIC_MESSAGE,
        }),
    );
    assert_eq!(panicked["spans"][0]["route"], "/panic");
    let location = panicked["location"].as_str().unwrap();
    assert!(
        location.starts_with("demo-api/src/routes/panic.rs:"),
        "{location}"
    );
    assert_completion(
        &h.record(&trace_id, "request completed").await,
        "ERROR",
        "GET",
        "/panic",
        500,
    );
}

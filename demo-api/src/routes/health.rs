//! `GET /health`: liveness for load balancers and the integration test.

use axum::Json;
use serde_json::{Value, json};

/// Always `200 {"status": "ok"}` while the server accepts requests.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

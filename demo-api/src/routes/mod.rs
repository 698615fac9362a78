//! The handlers, one module per resource, and the JSON error body they share. `charges` is
//! the payments service's; the others are the orders service's.

pub mod charges;
pub mod health;
pub mod orders;
pub mod panic;
pub mod payments;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

/// An error answer: a status and a message for the caller, as `{"error": "..."}`.
///
/// Handlers log the failure themselves (at the level it deserves) before returning one;
/// the trace id travels in the `x-trace-id` header.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, for the caller.
    pub message: String,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

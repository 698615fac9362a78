//! `POST /orders/{id}/pay[?fail=decline|timeout]`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use http::StatusCode;
use serde::Deserialize;
use tracing::{error, info, warn};

use super::ApiError;
use super::orders::path_problem;
use crate::payments::{Charge, ForcedFailure, pay as charge};
use crate::state::{AppState, Order, OrderStatus};
use crate::trace_context::TraceContext;

/// The query string: `?fail=decline` or `?fail=timeout` forces that failure.
#[derive(Debug, Deserialize)]
pub struct PayQuery {
    /// The failure to force, if any.
    pub fail: Option<ForcedFailure>,
}

/// Pays an order. 200 with the paid order; 404 unknown order; 409 already paid; 402 when
/// the provider declines; 504 when it (or the card processor behind it) does not answer in
/// time; 502 when the payments service fails or cannot be reached (see
/// [`PaymentError::status`](crate::payments::PaymentError::status)). Provider failures are
/// logged at ERROR with the order id, the amount and the error chain.
pub async fn pay(
    State(state): State<AppState>,
    Extension(trace): Extension<TraceContext>,
    id: Result<Path<u64>, PathRejection>,
    query: Result<Query<PayQuery>, QueryRejection>,
) -> Result<Json<Order>, ApiError> {
    let Path(id) = id.map_err(path_problem)?;
    let Query(query) = query.map_err(|rejection| {
        let problem = rejection.body_text();
        warn!(problem = %problem, "rejected payment: invalid query");
        ApiError::new(StatusCode::BAD_REQUEST, problem)
    })?;
    let Some(order) = state.order(id) else {
        warn!(order_id = id, "payment for unknown order");
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("order {id} not found"),
        ));
    };
    if order.status == OrderStatus::Paid {
        warn!(order_id = id, "order already paid");
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("order {id} is already paid"),
        ));
    }

    let request = Charge {
        order_id: id,
        amount_cents: order.amount_cents,
        fail: query.fail,
    };
    let result = charge(
        state.payments.as_ref(),
        request,
        &trace,
        state.payment_deadline,
    )
    .await;
    match result {
        Ok(payment_id) => {
            info!(order_id = id, amount_cents = order.amount_cents, payment_id = %payment_id, "payment captured");
            let paid = state.mark_paid(id, payment_id).unwrap_or(order);
            Ok(Json(paid))
        }
        Err(err) => {
            let status = err.status();
            error!(
                order_id = id,
                amount_cents = order.amount_cents,
                forced = query.fail.is_some(),
                error = &err as &(dyn std::error::Error + 'static),
                "payment failed"
            );
            Err(ApiError::new(status, err.to_string()))
        }
    }
}

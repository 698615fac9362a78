//! `POST /charges`: the payments service's one endpoint (see [`crate::payments::wire`]).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use http::StatusCode;
use tracing::{error, info, warn};

use crate::payments::wire::{Approved, Refusal};
use crate::payments::{Charge, PaymentError, ProviderError, pay};
use crate::state::PaymentsState;
use crate::trace_context::TraceContext;

/// Charges through the card processor within the processor deadline: 201 with the payment
/// id (INFO `charge captured`), or 402 declined / 504 processor timeout, both logged at
/// ERROR `charge failed` with the order id, the amount, the issuer's `reason` when there
/// is one and the error chain; 400 for a body that is not a charge.
pub async fn charge(
    State(state): State<PaymentsState>,
    Extension(trace): Extension<TraceContext>,
    body: Result<Json<Charge>, JsonRejection>,
) -> Result<(StatusCode, Json<Approved>), (StatusCode, Json<Refusal>)> {
    let Json(request) = body.map_err(|rejection| {
        let problem = rejection.body_text();
        warn!(problem = %problem, "rejected charge: invalid JSON body");
        let refusal = Refusal {
            error: problem,
            reason: None,
        };
        (StatusCode::BAD_REQUEST, Json(refusal))
    })?;
    match pay(
        state.processor.as_ref(),
        request,
        &trace,
        state.processor_deadline,
    )
    .await
    {
        Ok(payment_id) => {
            info!(
                order_id = request.order_id,
                amount_cents = request.amount_cents,
                payment_id = %payment_id,
                "charge captured"
            );
            Ok((StatusCode::CREATED, Json(Approved { payment_id })))
        }
        Err(err) => {
            let reason = match &err {
                PaymentError::Refused {
                    source: ProviderError::Declined { reason },
                    ..
                } => Some(reason.clone()),
                _ => None,
            };
            error!(
                order_id = request.order_id,
                amount_cents = request.amount_cents,
                forced = request.fail.is_some(),
                reason = reason.as_deref(),
                error = &err as &(dyn std::error::Error + 'static),
                "charge failed"
            );
            let refusal = Refusal {
                error: err.to_string(),
                reason,
            };
            Err((err.status(), Json(refusal)))
        }
    }
}

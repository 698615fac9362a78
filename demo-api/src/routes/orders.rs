//! `POST /orders` and `GET /orders/{id}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use http::StatusCode;
use serde::Deserialize;
use tracing::{info, warn};

use super::ApiError;
use crate::state::{AppState, Order};

/// Most items one order may hold.
pub const MAX_QUANTITY: u32 = 1_000;
/// Longest item name accepted.
pub const MAX_ITEM_CHARS: usize = 200;

/// The body of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// What is ordered (1 to [`MAX_ITEM_CHARS`] characters).
    pub item: String,
    /// How many (1 to [`MAX_QUANTITY`]).
    pub quantity: u32,
    /// Price of one, in cents (more than 0).
    pub unit_price_cents: u64,
}

impl NewOrder {
    /// Checks the values; the error names the first problem found.
    pub fn validate(&self) -> Result<u64, String> {
        let item = self.item.trim();
        if item.is_empty() || item.chars().count() > MAX_ITEM_CHARS {
            return Err(format!("item must be 1 to {MAX_ITEM_CHARS} characters"));
        }
        if self.quantity == 0 || self.quantity > MAX_QUANTITY {
            return Err(format!("quantity must be 1 to {MAX_QUANTITY}"));
        }
        if self.unit_price_cents == 0 {
            return Err("unit_price_cents must be more than 0".to_owned());
        }
        u64::from(self.quantity)
            .checked_mul(self.unit_price_cents)
            .ok_or_else(|| "quantity * unit_price_cents is too large".to_owned())
    }
}

/// Creates an order: 201 with the order, or 400 naming what is wrong with the body.
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewOrder>, JsonRejection>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let Json(new) = body.map_err(|rejection| {
        // The rejection text names the problem precisely ("missing field `quantity` at
        // line 1 column 12"), which is what whoever reads this WARN needs.
        let problem = rejection.body_text();
        warn!(problem = %problem, "rejected order: invalid JSON body");
        // axum answers 422 for well-formed JSON of the wrong shape; to the caller both are
        // simply a bad body. A missing content type keeps its own 415.
        let status = match rejection {
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, problem)
    })?;
    let amount_cents = new.validate().map_err(|problem| {
        warn!(problem = %problem, item = %new.item, quantity = new.quantity, "rejected order: invalid values");
        ApiError::new(StatusCode::BAD_REQUEST, problem)
    })?;
    let order = state.create_order(new.item.trim().to_owned(), new.quantity, amount_cents);
    info!(
        order_id = order.id,
        item = %order.item,
        quantity = order.quantity,
        amount_cents = order.amount_cents,
        "order created"
    );
    Ok((StatusCode::CREATED, Json(order)))
}

/// Returns an order, or 404 (logged at WARN: a client asking for orders that do not exist
/// is worth noticing, but it is not our failure).
pub async fn get(
    State(state): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Json<Order>, ApiError> {
    let Path(id) = id.map_err(path_problem)?;
    match state.order(id) {
        Some(order) => Ok(Json(order)),
        None => {
            warn!(order_id = id, "order not found");
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("order {id} not found"),
            ))
        }
    }
}

/// The 400 for an order id that is not a number, logged at WARN.
pub fn path_problem(rejection: PathRejection) -> ApiError {
    let problem = rejection.body_text();
    warn!(problem = %problem, "rejected request: invalid order id");
    ApiError::new(StatusCode::BAD_REQUEST, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(item: &str, quantity: u32, unit_price_cents: u64) -> NewOrder {
        NewOrder {
            item: item.to_owned(),
            quantity,
            unit_price_cents,
        }
    }

    #[test]
    fn valid_orders_compute_their_amount() {
        assert_eq!(order("book", 3, 1250).validate(), Ok(3750));
    }

    #[test]
    fn each_problem_is_named() {
        assert!(order(" ", 1, 1).validate().unwrap_err().starts_with("item"));
        assert!(
            order("book", 0, 1)
                .validate()
                .unwrap_err()
                .starts_with("quantity")
        );
        assert!(
            order("book", MAX_QUANTITY + 1, 1)
                .validate()
                .unwrap_err()
                .starts_with("quantity")
        );
        assert!(
            order("book", 1, 0)
                .validate()
                .unwrap_err()
                .starts_with("unit_price_cents")
        );
        assert!(
            order("book", 2, u64::MAX)
                .validate()
                .unwrap_err()
                .contains("too large")
        );
    }
}

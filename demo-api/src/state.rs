//! The services' state: the orders service's in-memory orders and the payment provider it
//! charges through; the payments service's card processor.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::payments::PaymentProvider;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    orders: Arc<Mutex<HashMap<u64, Order>>>,
    next_id: Arc<AtomicU64>,
    /// The provider `POST /orders/{id}/pay` charges through.
    pub payments: Arc<dyn PaymentProvider>,
    /// How long a payment call may take before it is abandoned (answered 504).
    pub payment_deadline: Duration,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Created, not paid yet.
    Pending,
    /// Paid.
    Paid,
}

/// An order, as stored and as returned by the API.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    /// Assigned by the service, from 1.
    pub id: u64,
    /// What was ordered.
    pub item: String,
    /// How many.
    pub quantity: u32,
    /// `quantity * unit_price_cents`.
    pub amount_cents: u64,
    /// Pending or paid.
    pub status: OrderStatus,
    /// The provider's id once paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
}

impl AppState {
    /// Empty state charging through `payments` with the given deadline.
    pub fn new(payments: Arc<dyn PaymentProvider>, payment_deadline: Duration) -> Self {
        AppState {
            orders: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            payments,
            payment_deadline,
        }
    }

    /// Stores a new pending order and returns it.
    pub fn create_order(&self, item: String, quantity: u32, amount_cents: u64) -> Order {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let order = Order {
            id,
            item,
            quantity,
            amount_cents,
            status: OrderStatus::Pending,
            payment_id: None,
        };
        self.lock().insert(id, order.clone());
        order
    }

    /// The order with this id, if any.
    pub fn order(&self, id: u64) -> Option<Order> {
        self.lock().get(&id).cloned()
    }

    /// Marks an order paid; returns the updated order.
    pub fn mark_paid(&self, id: u64, payment_id: String) -> Option<Order> {
        let mut orders = self.lock();
        let order = orders.get_mut(&id)?;
        order.status = OrderStatus::Paid;
        order.payment_id = Some(payment_id);
        Some(order.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Order>> {
        // A panic elsewhere never leaves an order half-written, so a poisoned map is usable.
        self.orders.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The payments service's state; cheap to clone.
#[derive(Clone)]
pub struct PaymentsState {
    /// The card processor charges go to.
    pub processor: Arc<dyn PaymentProvider>,
    /// How long a processor call may take before it is abandoned (answered 504).
    pub processor_deadline: Duration,
}

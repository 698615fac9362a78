//! The routers of both services and the middleware they share: request span, trace-id
//! headers, completion log, panics.

use std::any::Any;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, StatusCode};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::{Instrument, error, info, info_span};

use crate::panics;
use crate::routes::{self, ApiError};
use crate::state::{AppState, PaymentsState};
use crate::trace_context::{TraceContext, X_REQUEST_ID, X_TRACE_ID};

/// The `route` logged for requests no route matched (they answer 404).
pub const UNMATCHED_ROUTE: &str = "<unmatched>";

/// The orders service: routes plus middleware, ready to serve or to `oneshot` in tests.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/health", get(routes::health::health))
        .route("/orders", post(routes::orders::create))
        .route("/orders/{id}", get(routes::orders::get))
        .route("/orders/{id}/pay", post(routes::payments::pay))
        .route("/panic", get(routes::panic::panic))
        .fallback(not_found)
        .with_state(state);
    observed(routes)
}

/// The payments service: `POST /charges` and `GET /health`, with the same middleware, so
/// its records carry the trace id the orders service sent in `traceparent`.
pub fn payments_app(state: PaymentsState) -> Router {
    let routes = Router::new()
        .route("/health", get(routes::health::health))
        .route(
            crate::payments::wire::CHARGES_PATH,
            post(routes::charges::charge),
        )
        .fallback(not_found)
        .with_state(state);
    observed(routes)
}

/// Wraps every route of `routes` in the middleware.
fn observed(routes: Router) -> Router {
    // `Router::layer` wraps every route (and the fallback) separately, after routing, so
    // the middleware sees `MatchedPath`. Within the `ServiceBuilder` the first layer is
    // the outermost:
    //   1. `request_context` opens the request span and wraps everything below in it;
    //      it also writes the completion log and the trace-id response headers, so they
    //      cover the 500 made from a panic too.
    //   2. `CatchPanicLayer` turns a handler panic into a 500. Being inside the span,
    //      its ERROR record carries the request's trace_id. (Put it outside and the
    //      panic would unwind through the span and be logged with no trace_id.)
    routes.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(request_context))
            .layer(CatchPanicLayer::custom(panic_response)),
    )
}

/// Runs the request inside a `request` span carrying `trace_id`, `method`, `route` and
/// `trace_source`; logs `request completed` with `status` and `latency_ms`; answers with the
/// trace id in `x-trace-id` and `x-request-id`.
///
/// The completion record is INFO for every status below 500 (a 4xx is the caller's mistake
/// and the handler has already logged WARN naming it) and ERROR for 5xx, so "ERROR records
/// with message `request completed`" counts exactly the requests we failed.
async fn request_context(mut request: Request, next: Next) -> Response {
    let context = TraceContext::from_headers(request.headers());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, |path| path.as_str())
        .to_owned();
    let span = info_span!(
        "request",
        trace_id = %context.trace_id,
        method = %method,
        route = %route,
        trace_source = context.source.as_str(),
    );
    request.extensions_mut().insert(context.clone());

    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    // Microsecond resolution, shown in milliseconds: fast requests do not all read 0.
    let latency_ms = started.elapsed().as_micros() as f64 / 1000.0;
    let status = response.status().as_u16();
    span.in_scope(|| {
        if status >= 500 {
            error!(method = %method, route = %route, status, latency_ms, "request completed");
        } else {
            info!(method = %method, route = %route, status, latency_ms, "request completed");
        }
    });

    let headers = response.headers_mut();
    // Both ids passed validation (or were generated), so they are valid header values.
    if let Ok(value) = HeaderValue::from_str(&context.trace_id) {
        headers.insert(X_TRACE_ID, value);
    }
    if let Ok(value) = HeaderValue::from_str(context.response_request_id()) {
        headers.insert(X_REQUEST_ID, value);
    }
    response
}

/// The 500 for a handler panic, logged at ERROR with the panic message and, when the hook
/// of [`panics::install_hook`] is installed, its location. Runs inside the request span (see
/// the layer order in [`app`]). The caller gets no details.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panics::message(panic.as_ref());
    let location = panics::take_location();
    error!(panic = %message, location, "request handler panicked");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

async fn not_found(request: Request) -> ApiError {
    tracing::warn!(path = %request.uri().path(), "no such route");
    ApiError::new(StatusCode::NOT_FOUND, "no such route")
}

//! Trace context from OpenTelemetry (feature `opentelemetry`): when the application traces
//! with `tracing-opentelemetry`, a span's OpenTelemetry trace id and span id become the
//! record's `trace_id` and `span_id` (W3C hex), unless the event or a span carries an
//! explicit `trace_id` field (see [`crate::record`], "Trace context").
//!
//! The ids are looked up once per span, at the first event in it, and kept in the span's
//! extensions as fixed-size hex, so events after the first cost one extension read.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TraceContextExt;
use tracing::span::Id;
use tracing_core::dispatcher::{Dispatch, WeakDispatch};

/// A span's OpenTelemetry ids in lower-case W3C hex, or `None` when the span has no valid
/// OpenTelemetry context (no `tracing-opentelemetry` layer, or a no-op tracer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OtelIds(pub(crate) Option<HexIds>);

/// A trace id (32 hex digits) and span id (16 hex digits).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HexIds {
    trace_id: [u8; 32],
    span_id: [u8; 16],
}

impl HexIds {
    pub(crate) fn trace_id(&self) -> &str {
        // Only ASCII hex digits are ever written into the arrays.
        std::str::from_utf8(&self.trace_id).unwrap_or_default()
    }

    pub(crate) fn span_id(&self) -> &str {
        std::str::from_utf8(&self.span_id).unwrap_or_default()
    }
}

/// The dispatcher the layer was registered with, kept weakly: looking a span's OpenTelemetry
/// context up needs it, and inside `on_event` `tracing::dispatcher::get_default` answers the
/// no-op dispatcher (tracing guards against re-entrance there).
#[derive(Debug, Default)]
pub(crate) struct OtelDispatch {
    dispatch: std::sync::OnceLock<WeakDispatch>,
    /// Set when a span was found without OpenTelemetry data: the subscriber has no
    /// `tracing-opentelemetry` layer, so no span will have any, and looking costs every new
    /// span a dispatcher round trip.
    absent: AtomicBool,
}

impl OtelDispatch {
    pub(crate) fn register(&self, dispatch: &Dispatch) {
        // A layer registered with several dispatchers keeps the first: spans of the others
        // simply find no context.
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    /// Whether looking spans up is known to be pointless.
    pub(crate) fn absent(&self) -> bool {
        self.absent.load(Ordering::Relaxed)
    }

    /// The span's ids. The caller must not hold the span's extensions: the OpenTelemetry
    /// layer locks them to build the span's context.
    pub(crate) fn lookup(&self, id: &Id) -> OtelIds {
        let Some(dispatch) = self.dispatch.get().and_then(WeakDispatch::upgrade) else {
            return OtelIds(None);
        };
        let Some(cx) = tracing_opentelemetry::get_otel_context(id, &dispatch) else {
            // The span exists (an event is in it) yet has no OpenTelemetry data: there is no
            // OpenTelemetry layer (or it filters spans out per layer, which this then treats
            // as no layer; see the `opentelemetry` feature's documentation).
            self.absent.store(true, Ordering::Relaxed);
            return OtelIds(None);
        };
        let span = cx.span();
        let context = span.span_context();
        if !context.is_valid() {
            return OtelIds(None);
        }
        let mut ids = HexIds {
            trace_id: [0; 32],
            span_id: [0; 16],
        };
        hex_into(&context.trace_id().to_bytes(), &mut ids.trace_id);
        hex_into(&context.span_id().to_bytes(), &mut ids.span_id);
        OtelIds(Some(ids))
    }
}

fn hex_into(bytes: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (byte, pair) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_case_w3c_hex() {
        let mut out = [0u8; 4];
        hex_into(&[0x0a, 0xf0], &mut out);
        assert_eq!(&out, b"0af0");
    }
}

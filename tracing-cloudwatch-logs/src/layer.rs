//! The `tracing_subscriber::Layer`: the part that runs on the application's threads.
//!
//! Per event it encodes one record into a thread-local buffer, reserves its bytes in the
//! budget and appends it to a lane's chunk (see [`crate::chunk`]): nothing is allocated per
//! event once the buffers have grown to the traffic. It wakes the worker only every
//! [`WAKE_EVERY_BYTES`] (an eighth of the buffer, if that is less); otherwise the worker picks
//! events up on its flush timer, so a busy application does not pay for a thread wake-up per
//! event. (Not when the buffer is full either: woken for every dropped event, the worker
//! took the lanes' chunks far more often, and the memory test's peak with CloudWatch
//! unreachable rose from 1.06 to 1.25 x the bound.)

use std::cell::RefCell;
use std::sync::Arc;

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::budget::Refusal;
use crate::clock::now_millis;
use crate::encode::{EventVisitor, RecordHead, RecordPrefix, Scratch, SpanFields};
use crate::event::held_bytes;
use crate::metrics::Metrics;
#[cfg(feature = "opentelemetry")]
use crate::otel::{OtelDispatch, OtelIds};
use crate::shared::Shared;
use crate::truncate::truncate_record;

/// The application wakes the worker each time this many more bytes are buffered (or an
/// eighth of the buffer, if less); below it, the worker's flush timer picks events up.
/// 1 MiB (one full request) was tried: the application thread of a span + event probe called
/// `futex` to wake the worker 376 times per million iterations instead of 1,045, and each
/// iteration cost 50-75 ns less, but the memory-bound test's peak at 16 MiB rose from
/// 1.08-1.12 to 1.19-1.28 x the bound (three runs each).
pub(crate) const WAKE_EVERY_BYTES: usize = 256 * 1024;

/// The wake-up stride of a buffer holding `limit` bytes of events, as a power of two's
/// exponent: with a small buffer a fixed stride was never reached, and the buffer filled
/// between two flush ticks. A shift, not a division, on the application's hot path.
pub(crate) fn wake_shift(limit: usize) -> u32 {
    WAKE_EVERY_BYTES.min(limit / 8).max(1).ilog2()
}

/// A [`Layer`](tracing_subscriber::Layer) that ships every event it sees to CloudWatch Logs
/// as one JSON record. Built by [`Builder::build`](crate::Builder::build).
#[derive(Debug)]
pub struct CloudWatchLayer {
    shared: Arc<Shared>,
    prefix: RecordPrefix,
    max_event_bytes: usize,
    /// See [`wake_shift`].
    wake_shift: u32,
    #[cfg(feature = "opentelemetry")]
    otel: OtelDispatch,
}

thread_local! {
    static BUFFERS: RefCell<(Scratch, String)> = RefCell::default();
}

impl CloudWatchLayer {
    pub(crate) fn new(shared: Arc<Shared>, prefix: RecordPrefix, max_event_bytes: usize) -> Self {
        CloudWatchLayer {
            wake_shift: wake_shift(shared.budget.limit()),
            shared,
            prefix,
            max_event_bytes,
            #[cfg(feature = "opentelemetry")]
            otel: OtelDispatch::default(),
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for CloudWatchLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    #[cfg(feature = "opentelemetry")]
    fn on_register_dispatch(&self, dispatch: &tracing::Dispatch) {
        self.otel.register(dispatch);
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = SpanFields::new(attrs.metadata().name());
        fields.record(attrs);
        span.extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(fields) = extensions.get_mut::<SpanFields>() {
            fields.record_later(values);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let timestamp_ms = now_millis();
        BUFFERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buffers) => {
                let (scratch, record) = &mut *buffers;
                self.ship(event, &ctx, timestamp_ms, scratch, record);
            }
            // Re-entered on this thread (a field's Debug impl logged): use fresh buffers
            // rather than fail.
            Err(_) => self.ship(
                event,
                &ctx,
                timestamp_ms,
                &mut Scratch::default(),
                &mut String::new(),
            ),
        });
    }
}

impl CloudWatchLayer {
    fn ship<S>(
        &self,
        event: &Event<'_>,
        ctx: &Context<'_, S>,
        timestamp_ms: i64,
        scratch: &mut Scratch,
        record: &mut String,
    ) where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        event.record(&mut EventVisitor::new(scratch, &self.prefix));
        if let Some(leaf) = ctx.event_span(event) {
            push_spans_from_root(&leaf, scratch, 0);
            #[cfg(feature = "opentelemetry")]
            self.push_otel_ids(&leaf, scratch);
        }
        let metadata = event.metadata();
        let head = RecordHead {
            timestamp_ms,
            level: metadata.level(),
            target: metadata.target(),
        };
        crate::encode::write_record(record, &self.prefix, &head, scratch);
        if record.len() > self.max_event_bytes {
            Metrics::add(&self.shared.metrics.truncated, 1);
            // Rare (records over the limit), so the allocation it makes does not matter.
            let shortened = truncate_record(record, self.max_event_bytes);
            self.enqueue(timestamp_ms, &shortened);
        } else {
            self.enqueue(timestamp_ms, record);
        }
    }

    /// The event's span's OpenTelemetry ids, looked up at its first event and kept.
    #[cfg(feature = "opentelemetry")]
    fn push_otel_ids<S>(
        &self,
        span: &tracing_subscriber::registry::SpanRef<'_, S>,
        scratch: &mut Scratch,
    ) where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        if self.otel.absent() {
            return;
        }
        let known = span.extensions().get::<OtelIds>().copied();
        let ids = match known {
            Some(ids) => ids,
            None => {
                // No extension may be held here: the OpenTelemetry layer locks them.
                let ids = self.otel.lookup(&span.id());
                // `replace`: another thread may have looked the same span up meanwhile.
                span.extensions_mut().replace(ids);
                ids
            }
        };
        if let OtelIds(Some(ids)) = ids {
            scratch.set_context(ids.trace_id(), ids.span_id());
        }
    }

    fn enqueue(&self, timestamp_ms: i64, record: &str) {
        let shared = &*self.shared;
        let cost = held_bytes(record.len());
        match shared.budget.reserve(cost) {
            Ok(before) => {
                shared.lanes.push(timestamp_ms, record);
                if (before + cost) >> self.wake_shift != before >> self.wake_shift {
                    shared.wake.notify_one();
                }
            }
            Err(Refusal::Full) => Metrics::add(&shared.metrics.dropped_buffer_full, 1),
            Err(Refusal::Closed) => {
                Metrics::add(&shared.metrics.refused_after_shutdown, 1);
                // Usually a guard dropped too early (`let (layer, _) = ...` drops it at once):
                // without this line the program would run and ship nothing, without a word.
                shared.diagnostics.report("after_shutdown", || {
                    "an event was logged after the worker shut down (its WorkerGuard was \
                     dropped), so it is not shipped; it is counted in dropped.shutdown. Keep the \
                     guard alive while the program logs: `let (layer, _guard) = ...`, not \
                     `let (layer, _) = ...`"
                        .to_owned()
                });
            }
        }
    }
}

/// Spans deeper than this are walked with the registry's own root-first iterator (which
/// collects them) instead of recursion.
const MAX_RECURSIVE_SPAN_DEPTH: usize = 16;

/// Appends `span` and its ancestors to `scratch`, root first: recursion up to the root
/// visits each span once, without collecting the chain first.
fn push_spans_from_root<S>(
    span: &tracing_subscriber::registry::SpanRef<'_, S>,
    scratch: &mut Scratch,
    depth: usize,
) where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if depth == MAX_RECURSIVE_SPAN_DEPTH {
        for span in span.scope().from_root() {
            push_span(&span, scratch);
        }
        return;
    }
    if let Some(parent) = span.parent() {
        push_spans_from_root(&parent, scratch, depth + 1);
    }
    push_span(span, scratch);
}

fn push_span<S>(span: &tracing_subscriber::registry::SpanRef<'_, S>, scratch: &mut Scratch)
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if let Some(fields) = span.extensions().get::<SpanFields>() {
        scratch.push_span(fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_is_woken_at_most_every_eighth_of_the_buffer() {
        // The default buffer (12 MiB for events): every 256 KiB.
        assert_eq!(1 << wake_shift(12 * 1024 * 1024), WAKE_EVERY_BYTES);
        // 192 KiB for events: 24 KiB, rounded down to a power of two.
        assert_eq!(1 << wake_shift(192 * 1024), 16 * 1024);
        assert_eq!(wake_shift(0), 0);
    }
}

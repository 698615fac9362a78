//! Turns a tracing event into one JSON record (see [`crate::record`]) on the caller's thread.
//!
//! This is the hot path: it writes straight into reused buffers instead of building a
//! `serde_json::Value`, and span fields are encoded once, when the span records them, so an
//! event only copies each span's ready-made JSON fragment.

use std::cell::Cell;
use std::error::Error;
use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing_core::Level;
use tracing_subscriber::field::RecordFields;

use crate::record::{
    COLLISION_PREFIX, ERROR_MESSAGE, ERROR_SOURCES, MESSAGE, RESERVED_KEYS, SPAN_ID, TRACE_ID,
    XRAY_TRACE_ID, XRAY_TRACE_ID_LEN, xray_trace_id_bytes,
};

/// What an event copies from each span, made when the span is created or records a value
/// rather than per event. Kept in the span's extensions.
#[derive(Debug)]
pub(crate) struct SpanFields {
    /// The span's whole JSON object, `{"name":..,"k":v,..}`, closed at all times: an event
    /// copies it as it is.
    object: String,
    /// The span's own `trace_id` field, if it has one, as it sits in `object`.
    trace_id: Option<SpanTraceId>,
}

/// Room for a span's name and a few fields before its object grows.
const SPAN_OBJECT_CAPACITY: usize = 128;

impl SpanFields {
    /// A span with no fields yet.
    pub(crate) fn new(name: &str) -> Self {
        let mut object = String::with_capacity(SPAN_OBJECT_CAPACITY);
        object.push_str("{\"name\":");
        write_json_str(&mut object, name);
        object.push('}');
        SpanFields {
            object,
            trace_id: None,
        }
    }

    /// Adds the values of a span's `Attributes` to its object.
    pub(crate) fn record(&mut self, values: &impl RecordFields) {
        self.visit(values, false);
    }

    /// Adds the values a span records after it was created (`Span::record`). A field
    /// recorded again replaces its earlier value, which moves to the end of the object: a
    /// key written twice is left to each JSON reader to resolve (RFC 8259 §4), and they do
    /// not agree. A span's own attributes never repeat a field, so only this path looks.
    pub(crate) fn record_later(&mut self, values: &impl RecordFields) {
        self.visit(values, true);
    }

    fn visit(&mut self, values: &impl RecordFields, replace: bool) {
        // Reopened for the new fields and closed again: events copy the object as it is.
        self.object.pop();
        values.record(&mut SpanVisitor::new(self, replace));
        self.object.push('}');
    }
}

/// Where the member of an object this module wrote with the JSON key `key` (quoted and
/// escaped) is, from its leading comma to the end of its value. The object may be open
/// (its closing brace popped). The first member, the span's name, is never matched: it
/// has no leading comma, and a field called `name` is written under another key.
fn find_member(object: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let bytes = object.as_bytes();
    let mut at = json_value_end(bytes, 1 + json_value_end(bytes, 1)?)?;
    while bytes.get(at) == Some(&b',') {
        let key_start = at + 1;
        let key_end = json_value_end(bytes, key_start)?;
        let value_end = json_value_end(bytes, key_end + 1)?;
        if &object[key_start..key_end] == key {
            return Some(at..value_end);
        }
        at = value_end;
    }
    None
}

/// The end of the JSON value that starts at `start` in text this module wrote (well
/// formed, no whitespace): a string, an object or array, or a number or literal.
fn json_value_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return Some(i),
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                b',' | b':' if depth == 0 => return Some(i),
                _ => {}
            }
        }
        i += 1;
    }
    (depth == 0 && !in_string && i > start).then_some(i)
}

/// Where a span's `trace_id` value is in the JSON text that holds it, and its X-Ray form:
/// both made once per span, so an event writes its trace ids by copying, without a buffer
/// of their own (a second allocation per span, and a copy per event, before).
#[derive(Debug, Clone, Copy)]
struct SpanTraceId {
    /// The value as a JSON string, quotes included: `text[start..end]`.
    start: usize,
    end: usize,
    /// `Some` when the id is a W3C trace id.
    xray: Option<[u8; XRAY_TRACE_ID_LEN]>,
}

impl SpanTraceId {
    /// The id whose JSON string was just written to `text[start..]`.
    fn new(text: &str, start: usize, id: &str) -> Self {
        SpanTraceId {
            start,
            end: text.len(),
            xray: xray_trace_id_bytes(id),
        }
    }

    /// The same id once `removed` is cut out of its text: moved if it came after, gone if
    /// it was part of it.
    fn after_removal(self, removed: &std::ops::Range<usize>) -> Option<Self> {
        if removed.end <= self.start {
            let shift = removed.end - removed.start;
            Some(SpanTraceId {
                start: self.start - shift,
                end: self.end - shift,
                ..self
            })
        } else if removed.start >= self.end {
            Some(self)
        } else {
            None
        }
    }

    /// The same id in a text where the one it was found in starts at `offset`.
    fn moved_by(self, offset: usize) -> Self {
        SpanTraceId {
            start: self.start + offset,
            end: self.end + offset,
            ..self
        }
    }

    /// The JSON string, quotes included.
    fn json<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }

    /// The JSON string without its quotes: the id itself unless it needed escaping (and an
    /// id that did is no hex id, so it compares unequal to one either way).
    fn escaped<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start + 1..self.end - 1]
    }
}

/// Scratch buffers reused across events on one thread.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(crate) message: String,
    /// A `message` was recorded: a second one (`info!(message = "x", "text")` records both)
    /// is a field of its own, `field.message`, not glued onto the first.
    has_message: bool,
    pub(crate) fields: String,
    /// The event's own `trace_id` field, valid when `has_trace_id`.
    pub(crate) trace_id: String,
    pub(crate) has_trace_id: bool,
    /// The span id when known (the event's `span_id` field), valid
    /// when `has_span_id`.
    pub(crate) span_id: String,
    pub(crate) has_span_id: bool,
    /// The spans' objects, comma-separated, root first (without the brackets).
    pub(crate) spans: String,
    /// The nearest span's `trace_id`, in `spans`.
    span_trace_id: Option<SpanTraceId>,
    /// The trace and span ids of the tracing system's own context (OpenTelemetry), used when
    /// no `trace_id` field is present; valid when `has_context`.
    pub(crate) context_trace_id: String,
    pub(crate) context_span_id: String,
    pub(crate) has_context: bool,
    second: SecondCache,
    debug: String,
}

impl Scratch {
    fn clear(&mut self) {
        self.message.clear();
        self.has_message = false;
        self.fields.clear();
        self.trace_id.clear();
        self.has_trace_id = false;
        self.span_id.clear();
        self.has_span_id = false;
        self.spans.clear();
        self.span_trace_id = None;
        self.context_trace_id.clear();
        self.context_span_id.clear();
        self.has_context = false;
    }

    /// Sets the trace context of the tracing system (OpenTelemetry's ids of the event's span).
    #[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
    pub(crate) fn set_context(&mut self, trace_id: &str, span_id: &str) {
        self.context_trace_id.clear();
        self.context_trace_id.push_str(trace_id);
        self.context_span_id.clear();
        self.context_span_id.push_str(span_id);
        self.has_context = true;
    }

    /// Appends one span (called root first, so the last `trace_id` seen is the nearest).
    pub(crate) fn push_span(&mut self, fields: &SpanFields) {
        if !self.spans.is_empty() {
            self.spans.push(',');
        }
        let at = self.spans.len();
        self.spans.push_str(&fields.object);
        if let Some(id) = fields.trace_id {
            self.span_trace_id = Some(id.moved_by(at));
        }
    }
}

/// What every record of one layer shares, encoded once when the layer is built.
#[derive(Debug, Clone)]
pub(crate) struct RecordPrefix {
    /// `,"service":"..."`
    service: String,
    /// `,"k":v` for each static field.
    statics: String,
    /// Names of the static fields: event fields with these names are collisions too.
    static_names: Vec<String>,
    /// The first bytes of every reserved and static name: most field names start with none
    /// of them and are known not to collide without a comparison.
    taken_first_bytes: [bool; 256],
}

impl RecordPrefix {
    pub(crate) fn new(service: &str, statics: &[(String, serde_json::Value)]) -> Self {
        let mut encoded_service = String::from(",\"service\":");
        write_json_str(&mut encoded_service, service);
        let mut encoded_statics = String::new();
        for (name, value) in statics {
            encoded_statics.push(',');
            write_json_str(&mut encoded_statics, name);
            encoded_statics.push(':');
            encoded_statics.push_str(&value.to_string());
        }
        let static_names: Vec<String> = statics.iter().map(|(n, _)| n.clone()).collect();
        let mut taken_first_bytes = [false; 256];
        for name in RESERVED_KEYS
            .iter()
            .copied()
            .chain(static_names.iter().map(String::as_str))
        {
            // An empty name has no first byte: it takes slot 0 (a name starting with NUL
            // then gets the full comparison, which is all the slot means).
            taken_first_bytes[usize::from(name.as_bytes().first().copied().unwrap_or(0))] = true;
        }
        RecordPrefix {
            service: encoded_service,
            statics: encoded_statics,
            static_names,
            taken_first_bytes,
        }
    }

    fn collides(&self, name: &str) -> bool {
        let first = name.as_bytes().first().copied().unwrap_or(0);
        self.taken_first_bytes[usize::from(first)]
            && (RESERVED_KEYS.contains(&name) || self.static_names.iter().any(|s| s == name))
    }
}

/// The parts of a record that do not come from the event's fields.
pub(crate) struct RecordHead<'a> {
    pub(crate) timestamp_ms: i64,
    pub(crate) level: &'a Level,
    pub(crate) target: &'a str,
}

/// Writes a whole record into `out` (cleared first) from the event's fields and spans
/// collected in `scratch`.
pub(crate) fn write_record(
    out: &mut String,
    prefix: &RecordPrefix,
    head: &RecordHead<'_>,
    scratch: &Scratch,
) {
    out.clear();
    out.push_str("{\"timestamp\":\"");
    write_rfc3339_millis_cached(out, head.timestamp_ms, &scratch.second);
    out.push_str("\",\"level\":\"");
    out.push_str(level_name(head.level));
    out.push_str("\",\"message\":");
    write_json_str(out, &scratch.message);
    out.push_str(&prefix.service);
    // First found wins, in the order `record` documents.
    let from_span = scratch.span_trace_id.filter(|_| !scratch.has_trace_id);
    let trace_id = if scratch.has_trace_id {
        Some(scratch.trace_id.as_str())
    } else if let Some(id) = from_span {
        Some(id.escaped(&scratch.spans))
    } else {
        scratch
            .has_context
            .then_some(scratch.context_trace_id.as_str())
    };
    if let Some(id) = from_span {
        // The span escaped its id once.
        out.push_str(",\"trace_id\":");
        out.push_str(id.json(&scratch.spans));
    } else if let Some(trace_id) = trace_id {
        out.push_str(",\"trace_id\":");
        write_json_str(out, trace_id);
    }
    // The context's span id only goes with the context's own trace id: a span id of one
    // trace next to the id of another would point nowhere.
    let span_id = if scratch.has_span_id {
        Some(scratch.span_id.as_str())
    } else {
        (scratch.has_context && trace_id == Some(scratch.context_trace_id.as_str()))
            .then_some(scratch.context_span_id.as_str())
    };
    if let Some(span_id) = span_id {
        out.push_str(",\"span_id\":");
        write_json_str(out, span_id);
    }
    let xray = match from_span {
        // The span made its X-Ray form once.
        Some(id) => id.xray,
        None => trace_id.and_then(xray_trace_id_bytes),
    };
    if let Some(xray) = xray {
        out.push_str(",\"");
        out.push_str(XRAY_TRACE_ID);
        out.push_str("\":\"");
        // ASCII only: made of the hex digits of a checked id.
        out.push_str(std::str::from_utf8(&xray).unwrap_or_default());
        out.push('"');
    }
    out.push_str(",\"target\":");
    write_json_str(out, head.target);
    out.push_str(&prefix.statics);
    out.push_str(&scratch.fields);
    if !scratch.spans.is_empty() {
        out.push_str(",\"spans\":[");
        out.push_str(&scratch.spans);
        out.push(']');
    }
    out.push('}');
}

/// A record the layer writes about itself (no tracing event behind it): `fields` are
/// counters, written as numbers.
pub(crate) fn synthetic_record(
    prefix: &RecordPrefix,
    head: &RecordHead<'_>,
    message: &str,
    fields: &[(&str, u64)],
) -> String {
    let mut scratch = Scratch::default();
    scratch.message.push_str(message);
    for (name, value) in fields {
        scratch.fields.push(',');
        write_json_str(&mut scratch.fields, name);
        let _ = write!(scratch.fields, ":{value}");
    }
    let mut out = String::new();
    write_record(&mut out, prefix, head, &scratch);
    out
}

/// `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`.
pub(crate) fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => "INFO",
        Level::WARN => "WARN",
        Level::ERROR => "ERROR",
    }
}

/// Collects an event's fields into [`Scratch`].
pub(crate) struct EventVisitor<'a> {
    pub(crate) scratch: &'a mut Scratch,
    pub(crate) prefix: &'a RecordPrefix,
}

impl<'a> EventVisitor<'a> {
    /// Starts a new event: clears everything `scratch` holds from the previous one.
    pub(crate) fn new(scratch: &'a mut Scratch, prefix: &'a RecordPrefix) -> Self {
        scratch.clear();
        EventVisitor { scratch, prefix }
    }

    fn key(&mut self, field: &Field) {
        let out = &mut self.scratch.fields;
        out.push(',');
        if self.prefix.collides(field.name()) {
            out.push('"');
            out.push_str(COLLISION_PREFIX);
            write_json_str_body(out, field.name());
            out.push('"');
        } else {
            write_json_str(out, field.name());
        }
        out.push(':');
    }
}

impl Visit for EventVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            MESSAGE if !self.scratch.has_message => {
                self.scratch.message.push_str(value);
                self.scratch.has_message = true;
            }
            TRACE_ID => {
                self.scratch.trace_id.push_str(value);
                self.scratch.has_trace_id = true;
            }
            SPAN_ID => {
                self.scratch.span_id.push_str(value);
                self.scratch.has_span_id = true;
            }
            _ => {
                self.key(field);
                write_json_str(&mut self.scratch.fields, value);
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            MESSAGE if !self.scratch.has_message => {
                let _ = write!(self.scratch.message, "{value:?}");
                self.scratch.has_message = true;
            }
            TRACE_ID => {
                let _ = write!(self.scratch.trace_id, "{value:?}");
                self.scratch.has_trace_id = true;
            }
            SPAN_ID => {
                let _ = write!(self.scratch.span_id, "{value:?}");
                self.scratch.has_span_id = true;
            }
            _ => {
                self.key(field);
                let scratch = &mut *self.scratch;
                scratch.debug.clear();
                let _ = write!(scratch.debug, "{value:?}");
                write_json_str(&mut scratch.fields, &scratch.debug);
            }
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_number(field, value, itoa::Buffer::new().format(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_number(field, value, itoa::Buffer::new().format(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.record_number(field, value, itoa::Buffer::new().format(value));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.record_number(field, value, itoa::Buffer::new().format(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            // ryu: the shortest form that reads back exactly, as serde_json writes floats.
            self.record_number(field, value, ryu::Buffer::new().format_finite(value));
        } else {
            // JSON has no NaN or infinity; keep the value readable rather than lose it.
            self.record_debug(field, &format_args!("{value}"));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if is_context_field(field.name()) {
            return self.record_debug(field, &value);
        }
        self.key(field);
        self.scratch
            .fields
            .push_str(if value { "true" } else { "false" });
    }

    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        if is_context_field(field.name()) {
            return self.record_debug(field, &format_args!("{value}"));
        }
        self.key(field);
        write_error(&mut self.scratch.fields, &mut self.scratch.debug, value);
    }
}

impl EventVisitor<'_> {
    /// A number field, `text` being its JSON form (a context field keeps it as a string).
    fn record_number(&mut self, field: &Field, value: impl fmt::Debug, text: &str) {
        if is_context_field(field.name()) {
            return self.record_debug(field, &value);
        }
        self.key(field);
        self.scratch.fields.push_str(text);
    }
}

/// Fields that fill a reserved key rather than appear as fields.
fn is_context_field(name: &str) -> bool {
    matches!(name, MESSAGE | TRACE_ID | SPAN_ID)
}

/// Collects a span's fields into its [`SpanFields`]; `name` is reserved there.
struct SpanVisitor<'a> {
    fields: &'a mut SpanFields,
    debug: String,
    /// Whether a field already in the object is replaced (see [`SpanFields::record_later`]).
    replace: bool,
}

impl<'a> SpanVisitor<'a> {
    fn new(fields: &'a mut SpanFields, replace: bool) -> Self {
        SpanVisitor {
            fields,
            debug: String::new(),
            replace,
        }
    }

    fn key(&mut self, field: &Field) {
        let out = &mut self.fields.object;
        out.push(',');
        let key_start = out.len();
        if field.name() == "name" {
            out.push('"');
            out.push_str(COLLISION_PREFIX);
            out.push_str("name\"");
        } else {
            write_json_str(out, field.name());
        }
        if self.replace
            && let Some(earlier) = find_member(&out[..key_start - 1], &out[key_start..])
        {
            out.replace_range(earlier.clone(), "");
            self.fields.trace_id = self
                .fields
                .trace_id
                .and_then(|id| id.after_removal(&earlier));
        }
        self.fields.object.push(':');
    }

    /// A string value, after its key; a `trace_id` is remembered where it was written.
    fn string(&mut self, field: &Field, value: &str) {
        let out = &mut self.fields.object;
        let start = out.len();
        write_json_str(out, value);
        if field.name() == TRACE_ID {
            self.fields.trace_id = Some(SpanTraceId::new(out, start, value));
        }
    }

    fn raw(&mut self, field: &Field, value: impl fmt::Display) {
        self.key(field);
        let _ = write!(self.fields.object, "{value}");
    }
}

impl Visit for SpanVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        self.string(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut debug = std::mem::take(&mut self.debug);
        debug.clear();
        let _ = write!(debug, "{value:?}");
        self.key(field);
        self.string(field, &debug);
        self.debug = debug;
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.raw(field, itoa::Buffer::new().format(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.raw(field, itoa::Buffer::new().format(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            // The same form as an event's floats (see `EventVisitor::record_f64`).
            self.raw(field, ryu::Buffer::new().format_finite(value));
        } else {
            self.record_debug(field, &format_args!("{value}"));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.raw(field, value);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        self.key(field);
        write_error(&mut self.fields.object, &mut self.debug, value);
    }
}

/// `{"message":"..","sources":[..]}`, the source chain outermost first.
fn write_error(out: &mut String, scratch: &mut String, error: &(dyn Error + 'static)) {
    out.push_str("{\"");
    out.push_str(ERROR_MESSAGE);
    out.push_str("\":");
    scratch.clear();
    let _ = write!(scratch, "{error}");
    write_json_str(out, scratch);
    out.push_str(",\"");
    out.push_str(ERROR_SOURCES);
    out.push_str("\":[");
    let mut source = error.source();
    let mut first = true;
    while let Some(cause) = source {
        if !first {
            out.push(',');
        }
        first = false;
        scratch.clear();
        let _ = write!(scratch, "{cause}");
        write_json_str(out, scratch);
        source = cause.source();
    }
    out.push_str("]}");
}

/// Writes `s` as a JSON string, quotes included.
pub(crate) fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    write_json_str_body(out, s);
    out.push('"');
}

/// The bytes JSON strings must escape: `"`, `\\` and the control characters (RFC 8259,
/// section 7). Looked up per byte only in the last bytes of a string, when [`escape_mask`]
/// flagged them.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// `0x01` in every byte of a word.
const EVERY_BYTE: u64 = u64::from_ne_bytes([1; 8]);
/// The high bit of every byte of a word.
const HIGH_BITS: u64 = EVERY_BYTE * 0x80;
/// The low seven bits of every byte of a word.
const LOW_BITS: u64 = EVERY_BYTE * 0x7F;

/// The high bit of every byte of `word` that [`NEEDS_ESCAPE`] lists (below 0x20, `"` or `\`),
/// and no other bit. Exact per byte, not only as a yes/no answer: the seven low bits of each
/// byte are added separately, so no carry crosses into the next byte (the "determine if a
/// word has a zero byte" variant of Sean Anderson's *Bit Twiddling Hacks* that does not
/// borrow). With the word read little-endian, byte `i` is bit `8 * i + 7`.
fn escape_mask(word: u64) -> u64 {
    // High bit set where the byte is 0x20 or more (or has its high bit set).
    let at_least_space = ((word & LOW_BITS) + EVERY_BYTE * 0x60) | word;
    // High bit set where the byte is not zero.
    let nonzero = |x: u64| ((x & LOW_BITS) + LOW_BITS) | x;
    let quote = nonzero(word ^ (EVERY_BYTE * u64::from(b'"')));
    let backslash = nonzero(word ^ (EVERY_BYTE * u64::from(b'\\')));
    !(at_least_space & quote & backslash) & HIGH_BITS
}

/// Writes `s` escaped for a JSON string, without the quotes.
fn write_json_str_body(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    // Eight bytes are tested at a time, and in a word that has something to escape only those
    // bytes are visited. JSON records, which the `PutLogEvents` body carries, have a quote
    // every few bytes: visiting all eight bytes of such a word made `escape_byte` 13 % of the
    // end-to-end bench's samples.
    while let Some(word) = bytes[i..].first_chunk::<8>() {
        let mut mask = escape_mask(u64::from_le_bytes(*word));
        while mask != 0 {
            let at = i + (mask.trailing_zeros() / 8) as usize;
            escape(out, s, &mut start, at);
            mask &= mask - 1;
        }
        i += 8;
    }
    if i < bytes.len() && escape_mask(last_word(bytes)) != 0 {
        for at in i..bytes.len() {
            if NEEDS_ESCAPE[usize::from(bytes[at])] {
                escape(out, s, &mut start, at);
            }
        }
    }
    out.push_str(&s[start..]);
}

/// The last bytes of `bytes` (not empty) as one word for [`word_needs_escape`]: its last
/// eight bytes when it has as many (some tested before: a yes/no test may see a byte twice),
/// else its bytes padded with spaces, which need no escaping. Read with overlapping loads, not
/// copied into a padded array: the copy was a `memcpy` call per string, where a test per
/// byte made `escape_byte` 11 % of a span-only probe's samples (field names and short
/// values often end in fewer than eight bytes).
fn last_word(bytes: &[u8]) -> u64 {
    const SPACES: u64 = EVERY_BYTE * 0x20;
    let n = bytes.len();
    let load2 = |at: usize| u64::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
    let load4 = |at: usize| {
        u64::from(u32::from_le_bytes([
            bytes[at],
            bytes[at + 1],
            bytes[at + 2],
            bytes[at + 3],
        ]))
    };
    match n {
        8.. => u64::from_le_bytes(bytes[n - 8..].try_into().unwrap_or([b' '; 8])),
        4..=7 => load4(0) | load4(n - 4) << 32,
        2..=3 => load2(0) | load2(n - 2) << 16 | (SPACES & !0xFFFF_FFFF),
        _ => bytes
            .first()
            .map_or(SPACES, |&b| u64::from(b) | (SPACES & !0xFF)),
    }
}

/// Escapes `s`'s byte `at`, one [`NEEDS_ESCAPE`] lists, first copying what precedes it since
/// `start`.
#[inline]
fn escape(out: &mut String, s: &str, start: &mut usize, at: usize) {
    let b = s.as_bytes()[at];
    // Every byte escaped is ASCII, so `at` is a char boundary.
    out.push_str(&s[*start..at]);
    match b {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{b:04x}");
        }
    }
    *start = at + 1;
}

/// Writes `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the Unix epoch.
pub(crate) fn write_rfc3339_millis(out: &mut String, millis: i64) {
    write_rfc3339_millis_cached(out, millis, &SecondCache::default());
}

/// The `YYYY-MM-DDTHH:MM:SS` of the last second written on this thread: events come many per
/// second, so most records copy 19 bytes instead of computing a calendar date.
#[derive(Debug)]
pub(crate) struct SecondCache(Cell<(i64, [u8; 19])>);

impl Default for SecondCache {
    fn default() -> Self {
        SecondCache(Cell::new((i64::MIN, [0; 19])))
    }
}

/// [`write_rfc3339_millis`] through a [`SecondCache`].
pub(crate) fn write_rfc3339_millis_cached(out: &mut String, millis: i64, cache: &SecondCache) {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000) as u32;
    let (cached_secs, mut prefix) = cache.0.get();
    if cached_secs != secs {
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        let Ok(year @ 0..=9999) = u32::try_from(year) else {
            // Outside RFC 3339's four-digit years: rare enough for the formatter.
            let _ = write!(
                out,
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{ms:03}Z",
                sod / 3600,
                (sod / 60) % 60,
                sod % 60
            );
            return;
        };
        prefix = *b"0000-00-00T00:00:00";
        put_digits(&mut prefix[0..4], year);
        put_digits(&mut prefix[5..7], month);
        put_digits(&mut prefix[8..10], day);
        put_digits(&mut prefix[11..13], sod / 3600);
        put_digits(&mut prefix[14..16], (sod / 60) % 60);
        put_digits(&mut prefix[17..19], sod % 60);
        cache.0.set((secs, prefix));
    }
    let mut tail = *b".000Z";
    put_digits(&mut tail[1..4], ms);
    // Only ASCII digits and separators are ever written into both arrays.
    out.push_str(std::str::from_utf8(&prefix).unwrap_or_default());
    out.push_str(std::str::from_utf8(&tail).unwrap_or_default());
}

/// Writes `value` as exactly `digits.len()` decimal digits, zero-padded (the caller keeps it
/// in range).
fn put_digits(digits: &mut [u8], mut value: u32) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm),
/// because formatting through a calendar library costs more than the rest of the record.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_found_by_its_key_past_strings_objects_and_arrays() {
        let object = concat!(
            r#"{"name":"a\\","s":"x\",\"k\":1","e":{"message":"m","sources":["k",{"k":2}]},"#,
            r#""k":true,"n":-1.5"#
        );
        assert_eq!(
            &object[find_member(object, r#""k""#).unwrap()],
            r#","k":true"#
        );
        assert_eq!(
            &object[find_member(object, r#""n""#).unwrap()],
            r#","n":-1.5"#
        );
        assert_eq!(
            &object[find_member(object, r#""e""#).unwrap()],
            r#","e":{"message":"m","sources":["k",{"k":2}]}"#
        );
        // The name is the first member and no field's key.
        assert_eq!(find_member(object, r#""name""#), None);
        assert_eq!(find_member(object, r#""message""#), None);
        assert_eq!(find_member(r#"{"name":"a""#, r#""k""#), None);
    }

    #[test]
    fn every_byte_that_needs_escaping_is_escaped_wherever_it_falls_in_a_word() {
        let specials: Vec<char> = (0u8..0x20)
            .map(char::from)
            .chain(['"', '\\', ' ', '~', '\u{7f}', 'é', '€', '😀'])
            .collect();
        for &special in &specials {
            for before in 0..17 {
                for after in 0..10 {
                    let text = format!("{}{special}{}", "a".repeat(before), "b".repeat(after));
                    let mut json = String::from('"');
                    write_json_str_body(&mut json, &text);
                    json.push('"');
                    let back: String = serde_json::from_str(&json).unwrap();
                    assert_eq!(back, text, "{json}");
                    // Only what must be escaped is: the rest is copied as it is.
                    let escaped = special < ' ' || special == '"' || special == '\\';
                    assert_eq!(json.len() == text.len() + 2, !escaped, "{json}");
                }
            }
        }
        // The word mask against the table, for every byte value at every position, next to
        // bytes that do and do not need escaping: exactly the bytes that need it are flagged.
        for filler in [b'a', 0xff, b' ', 0x80, b'"', 0x00, 0x1f, 0x21] {
            for b in 0..=255u8 {
                for at in 0..8 {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let expected = bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| NEEDS_ESCAPE[usize::from(**b)])
                        .fold(0, |mask, (i, _)| mask | 0x80 << (8 * i));
                    let word = u64::from_le_bytes(bytes);
                    assert_eq!(escape_mask(word), expected, "{bytes:?}");
                }
            }
        }
        // Several in one word, and words that are all escapes.
        for text in [
            r#"{"a":"b"}"#,
            r#""""""""""""""""""#,
            "\\\\\\\\\n\t",
            "x\"y\\z\u{1}é\"w\"v",
        ] {
            let mut json = String::from('"');
            write_json_str_body(&mut json, text);
            json.push('"');
            assert_eq!(
                serde_json::from_str::<String>(&json).unwrap(),
                text,
                "{json}"
            );
        }
    }

    #[test]
    fn timestamps_match_a_calendar_library() {
        for millis in [
            0_i64,
            951_782_400_123,     // 2000-02-29
            1_795_528_410_176,   // 2026-11-24
            4_102_444_799_999,   // 2099-12-31T23:59:59.999
            -1,                  // 1969-12-31T23:59:59.999
            253_402_300_799_000, // 9999-12-31T23:59:59
        ] {
            let mut ours = String::new();
            write_rfc3339_millis(&mut ours, millis);
            let theirs =
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                    .unwrap()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap();
            let parsed =
                time::OffsetDateTime::parse(&ours, &time::format_description::well_known::Rfc3339)
                    .unwrap();
            assert_eq!(
                parsed.unix_timestamp_nanos(),
                i128::from(millis) * 1_000_000,
                "{ours} vs {theirs}"
            );
            assert_eq!(ours.len(), 24, "{ours}");
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        for s in [
            "plain",
            "quote \" and \\ backslash",
            "ctl \u{1}\n\r\t",
            "é 日本 🦀",
            "",
        ] {
            let mut ours = String::new();
            write_json_str(&mut ours, s);
            let back: String = serde_json::from_str(&ours).unwrap();
            assert_eq!(back, s);
        }
    }
}

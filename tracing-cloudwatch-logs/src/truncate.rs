//! Shrinks a record that is larger than the per-event limit into one that fits and is still a
//! valid JSON object, marked `"truncated": true`.
//!
//! This is the rare path (a multi-hundred-kilobyte field), so it favours being obviously right
//! over being fast: parse, shorten the longest string, re-measure, repeat.

use serde_json::{Map, Value};

use crate::record::{RESERVED_KEYS, TRUNCATED};

/// Appended to a shortened string so a reader sees it was cut.
const ELLIPSIS: &str = "…";

/// A string shorter than this is not worth cutting: removing whole fields frees more.
const MIN_CUT_BYTES: usize = 64;

/// The smallest per-event limit the builder accepts: a record of only the reserved keys,
/// with a service name and target of ordinary length, must fit.
pub(crate) const MIN_EVENT_BYTES: usize = 1024;

/// Returns `record` if it is at most `max_bytes` long, else a shortened copy that is.
///
/// The result parses as a JSON object, is cut only on UTF-8 character boundaries and carries
/// `"truncated": true`. The reserved keys are kept; long strings are shortened first (the
/// longest first, wherever it is), then non-reserved fields are removed, largest first.
pub(crate) fn truncate_record(record: &str, max_bytes: usize) -> String {
    if record.len() <= max_bytes {
        return record.to_owned();
    }
    let mut value: Value = match serde_json::from_str(record) {
        Ok(Value::Object(map)) => Value::Object(map),
        // The encoder always writes an object; anything else is cut as plain text.
        _ => {
            let mut map = Map::new();
            map.insert("message".into(), Value::String(record.to_owned()));
            Value::Object(map)
        }
    };
    value[TRUNCATED] = Value::Bool(true);
    loop {
        let encoded = value.to_string();
        if encoded.len() <= max_bytes {
            return encoded;
        }
        let excess = encoded.len() - max_bytes;
        if !shorten_longest_string(&mut value, excess) && !remove_largest_field(&mut value) {
            // Only reserved keys with short values are left and it still does not fit: the
            // limit is below MIN_EVENT_BYTES, which the builder refuses. Keep the contract.
            let mut map = Map::new();
            map.insert(TRUNCATED.into(), Value::Bool(true));
            return Value::Object(map).to_string();
        }
    }
}

/// Cuts the longest string (at least [`MIN_CUT_BYTES`]) so that its JSON form is `excess`
/// bytes shorter, ellipsis included, keeping as much of it as fits. Returns false when no
/// string is long enough to be worth it.
fn shorten_longest_string(value: &mut Value, excess: usize) -> bool {
    let Some(longest) = longest_string(value) else {
        return false;
    };
    if longest.len() < MIN_CUT_BYTES {
        return false;
    }
    // Measured as written in JSON, character by character: a margin proportional to the
    // excess instead cut a 10 MB message to nothing under a 1 MB limit.
    let written: usize = longest.chars().map(escaped_len).sum();
    let budget = written.saturating_sub(excess + ELLIPSIS.len());
    let mut used = 0;
    let mut cut = 0;
    for (at, c) in longest.char_indices() {
        used += escaped_len(c);
        if used > budget {
            break;
        }
        cut = at + c.len_utf8();
    }
    longest.truncate(cut);
    longest.push_str(ELLIPSIS);
    true
}

/// The bytes a character takes inside a JSON string as `serde_json` writes it: two for the
/// short escapes, six for other control characters (`\u001f`), its UTF-8 length otherwise.
fn escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if u32::from(c) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

fn longest_string(value: &mut Value) -> Option<&mut String> {
    match value {
        Value::String(s) => Some(s),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(longest_string)
            .max_by_key(|s| s.len()),
        Value::Object(map) => map
            .values_mut()
            .filter_map(longest_string)
            .max_by_key(|s| s.len()),
        _ => None,
    }
}

/// Removes the largest top-level field that is not reserved (spans count as one field, and
/// go last of all). Returns false when there is none.
fn remove_largest_field(value: &mut Value) -> bool {
    let Value::Object(map) = value else {
        return false;
    };
    let largest = map
        .iter()
        .filter(|(k, _)| !RESERVED_KEYS.contains(&k.as_str()))
        .max_by_key(|(_, v)| v.to_string().len())
        .map(|(k, _)| k.clone())
        .or_else(|| map.contains_key("spans").then(|| "spans".to_owned()));
    match largest {
        Some(key) => map.shift_remove(&key).is_some(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record_with(message: &str, extra: Value) -> String {
        let mut v = json!({
            "timestamp": "2026-11-24T13:49:06.123Z",
            "level": "INFO",
            "message": message,
            "service": "orders-api",
            "target": "app",
        });
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        v.to_string()
    }

    fn check(out: &str, max: usize) -> Value {
        assert!(out.len() <= max, "{} > {max}", out.len());
        let v: Value = serde_json::from_str(out).expect("truncated record is valid JSON");
        assert_eq!(v[TRUNCATED], true);
        v
    }

    #[test]
    fn a_record_that_fits_is_untouched() {
        let r = record_with("short", json!({}));
        assert_eq!(truncate_record(&r, 10_000), r);
    }

    #[test]
    fn a_long_message_is_cut_and_marked() {
        let r = record_with(&"x".repeat(10_000), json!({"order_id": 7}));
        let out = truncate_record(&r, 2_000);
        let v = check(&out, 2_000);
        assert!(v["message"].as_str().unwrap().ends_with(ELLIPSIS));
        assert_eq!(v["order_id"], 7, "small fields survive");
        assert_eq!(v["service"], "orders-api");
    }

    #[test]
    fn multi_byte_characters_are_never_split() {
        for filler in ["é", "日本", "🦀", "a🦀"] {
            for max in [1_500, 1_501, 1_502, 1_503, 2_047] {
                let r = record_with(&filler.repeat(3_000), json!({}));
                let out = truncate_record(&r, max);
                let v = check(&out, max);
                let msg = v["message"].as_str().unwrap();
                let body = msg.trim_end_matches(ELLIPSIS);
                assert!(
                    body.chars().all(|c| filler.contains(c)),
                    "{filler} at {max}"
                );
            }
        }
    }

    #[test]
    fn escaped_characters_are_accounted_for() {
        let r = record_with(&"\"\\\n".repeat(5_000), json!({}));
        check(&truncate_record(&r, 1_024), 1_024);
    }

    #[test]
    fn a_string_keeps_as_much_as_fits_however_far_over_the_limit_it_is() {
        for (message_bytes, max) in [
            (300_000, 1_024),
            (3_000_000, 262_144),
            (10_000_000, 1_048_550),
            (2_000_000, 1_048_550),
        ] {
            let r = record_with(&"abcdefghij".repeat(message_bytes / 10), json!({}));
            let out = truncate_record(&r, max);
            let v = check(&out, max);
            let kept = v["message"].as_str().unwrap().len();
            // The other keys of the record take about 120 bytes.
            assert!(
                kept >= max - 200,
                "{message_bytes} bytes under a {max}-byte limit kept only {kept}"
            );
        }
        // Escapes count as written: a message of quotes keeps half as many characters.
        let r = record_with(&"\"".repeat(100_000), json!({}));
        let v = check(&truncate_record(&r, 10_000), 10_000);
        assert!(v["message"].as_str().unwrap().len() >= (10_000 - 200) / 2);
    }

    #[test]
    fn escaped_lengths_are_those_serde_json_writes() {
        for c in [
            'a', '"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', 'é', '日', '🦀',
        ] {
            let written = serde_json::to_string(&c.to_string()).unwrap().len() - 2;
            assert_eq!(escaped_len(c), written, "{c:?}");
        }
    }

    #[test]
    fn the_largest_field_is_cut_first() {
        let r = record_with(
            "keep me",
            json!({"blob": "y".repeat(50_000), "note": "z".repeat(500)}),
        );
        let v = check(&truncate_record(&r, 4_000), 4_000);
        assert_eq!(v["message"], "keep me");
        assert_eq!(v["note"], "z".repeat(500));
        assert!(v["blob"].as_str().unwrap().len() < 4_000);
    }

    #[test]
    fn fields_without_long_strings_are_removed() {
        let numbers: Vec<u32> = (0..2_000).collect();
        let r = record_with("m", json!({"numbers": numbers, "small": 1}));
        let v = check(&truncate_record(&r, 1_024), 1_024);
        assert!(v.get("numbers").is_none());
        assert_eq!(v["level"], "INFO");
    }
}

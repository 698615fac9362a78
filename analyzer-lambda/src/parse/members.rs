//! The members of a JSON object, each value borrowed as its raw JSON text, in one pass.
//!
//! Most lines are read by [`scan`], a strict reader written for this one job: it checks the
//! text against the JSON grammar (RFC 8259) as it goes and hands out slices, building
//! nothing. Whatever it is not sure of (an escaped key, a `\u` escape, deep nesting, any
//! error) is handed to `serde_json`, which then decides: so a line is accepted, rejected and
//! read exactly as `serde_json` reads it, and the fast reader only has to be right about
//! what it accepts. The tests check that on every JSON line of the labelled corpus and on
//! hand-made edge cases (whitespace, escapes, bad numbers and literals, trailing text, deep
//! nesting, repeated keys).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::json_bytes::{plain_run, skip_space};

/// Reads the JSON object `text` into a `T`, calling `member(&mut t, key, raw value)` for
/// every member in order, with the value's JSON text exactly as written (without surrounding
/// whitespace). `None` when the text is not one JSON object or `member` refuses one (returns
/// `false`, for a repeated key).
pub(super) fn read<'a, T: Default>(
    text: &'a str,
    mut member: impl FnMut(&mut T, &str, &'a str) -> bool,
) -> Option<T> {
    let mut target = T::default();
    match scan(text, &mut |key, value| member(&mut target, key, value)) {
        Ok(true) => Some(target),
        Ok(false) => None,
        // Started afresh: the members seen before the scanner gave up are seen again.
        Err(Unsure) => {
            let mut target = T::default();
            with_serde(text, &mut |key, value| member(&mut target, key, value)).then_some(target)
        }
    }
}

/// The scanner could not decide; `serde_json` will.
struct Unsure;

/// Nesting deeper than this is left to `serde_json` (which has its own limit, 128).
const MAX_DEPTH: usize = 64;

/// Reads `text` as one JSON object, calling `each` for its members; `Ok(false)` when `each`
/// refuses one, [`Unsure`] for anything but a plain valid object.
fn scan<'a>(line: &'a str, each: &mut impl FnMut(&str, &'a str) -> bool) -> Result<bool, Unsure> {
    let text = line.as_bytes();
    let mut at = skip_space(text, 0);
    if text.get(at) != Some(&b'{') {
        return Err(Unsure);
    }
    at = skip_space(text, at + 1);
    if text.get(at) == Some(&b'}') {
        return end(text, at + 1).map(|()| true);
    }
    loop {
        if text.get(at) != Some(&b'"') {
            return Err(Unsure);
        }
        let key_end = string_end(text, at)?;
        // Cut at ASCII delimiters: still UTF-8, and slicing a str only checks the boundary.
        let key = &line[at + 1..key_end - 1];
        if key.contains('\\') {
            return Err(Unsure);
        }
        at = skip_space(text, key_end);
        if text.get(at) != Some(&b':') {
            return Err(Unsure);
        }
        let start = skip_space(text, at + 1);
        let value_end = value_end(text, start, 1)?;
        if !each(key, &line[start..value_end]) {
            return Ok(false);
        }
        at = skip_space(text, value_end);
        match text.get(at) {
            Some(b',') => at = skip_space(text, at + 1),
            Some(b'}') => return end(text, at + 1).map(|()| true),
            _ => return Err(Unsure),
        }
    }
}

fn end(text: &[u8], at: usize) -> Result<(), Unsure> {
    if skip_space(text, at) == text.len() {
        Ok(())
    } else {
        Err(Unsure)
    }
}

/// Where the value starting at `at` ends.
fn value_end(text: &[u8], at: usize, depth: usize) -> Result<usize, Unsure> {
    match *text.get(at).ok_or(Unsure)? {
        b'"' => string_end(text, at),
        b'-' | b'0'..=b'9' => number_end(text, at),
        b't' => literal_end(text, at, b"true"),
        b'f' => literal_end(text, at, b"false"),
        b'n' => literal_end(text, at, b"null"),
        b'{' | b'[' if depth >= MAX_DEPTH => Err(Unsure),
        b'{' => {
            let mut at = skip_space(text, at + 1);
            if text.get(at) == Some(&b'}') {
                return Ok(at + 1);
            }
            loop {
                if text.get(at) != Some(&b'"') {
                    return Err(Unsure);
                }
                at = skip_space(text, string_end(text, at)?);
                if text.get(at) != Some(&b':') {
                    return Err(Unsure);
                }
                at = skip_space(text, value_end(text, skip_space(text, at + 1), depth + 1)?);
                match text.get(at) {
                    Some(b',') => at = skip_space(text, at + 1),
                    Some(b'}') => return Ok(at + 1),
                    _ => return Err(Unsure),
                }
            }
        }
        b'[' => {
            let mut at = skip_space(text, at + 1);
            if text.get(at) == Some(&b']') {
                return Ok(at + 1);
            }
            loop {
                at = skip_space(text, value_end(text, at, depth + 1)?);
                match text.get(at) {
                    Some(b',') => at = skip_space(text, at + 1),
                    Some(b']') => return Ok(at + 1),
                    _ => return Err(Unsure),
                }
            }
        }
        _ => Err(Unsure),
    }
}

fn literal_end(text: &[u8], at: usize, literal: &[u8]) -> Result<usize, Unsure> {
    if text[at..].starts_with(literal) {
        Ok(at + literal.len())
    } else {
        Err(Unsure)
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn number_end(text: &[u8], mut at: usize) -> Result<usize, Unsure> {
    let digits = |text: &[u8], mut at: usize| {
        let start = at;
        while text.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        (at > start).then_some(at)
    };
    if text.get(at) == Some(&b'-') {
        at += 1;
    }
    at = match text.get(at) {
        Some(b'0') => at + 1,
        Some(b'1'..=b'9') => digits(text, at).ok_or(Unsure)?,
        _ => return Err(Unsure),
    };
    if text.get(at) == Some(&b'.') {
        at = digits(text, at + 1).ok_or(Unsure)?;
    }
    if let Some(b'e' | b'E') = text.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = text.get(at) {
            at += 1;
        }
        at = digits(text, at).ok_or(Unsure)?;
    }
    // `01`, `1.5.2`, `2x`: whatever follows a number must end it.
    match text.get(at) {
        None | Some(b' ' | b'\n' | b'\t' | b'\r' | b',' | b'}' | b']') => Ok(at),
        _ => Err(Unsure),
    }
}

/// Where the string whose opening quote is at `at` ends (after its closing quote). Escapes
/// other than `\u` are checked here; a `\u` escape is left to `serde_json`.
fn string_end(text: &[u8], at: usize) -> Result<usize, Unsure> {
    let mut at = at + 1;
    loop {
        at += plain_run(&text[at..]);
        match *text.get(at).ok_or(Unsure)? {
            b'"' => return Ok(at + 1),
            b'\\' => match text.get(at + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => at += 2,
                _ => return Err(Unsure),
            },
            // A control character: JSON strings must escape them.
            _ => return Err(Unsure),
        }
    }
}

/// The reference reader: `serde_json` visiting the object, each value as a [`RawValue`];
/// `false` when the text is not one JSON object or `each` refused a member.
fn with_serde<'a>(text: &'a str, each: &mut impl FnMut(&str, &'a str) -> bool) -> bool {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Members(each)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .is_ok()
}

struct Members<'e, F>(&'e mut F);

impl<'de, F: FnMut(&str, &'de str) -> bool> DeserializeSeed<'de> for Members<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(&str, &'de str) -> bool> Visitor<'de> for Members<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value: &'de RawValue = map.next_value()?;
            if !(self.0)(&key, value.get()) {
                return Err(de::Error::custom("a member was refused"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Members = Vec<(String, String)>;

    fn collect(members: &mut Members, key: &str, value: &str) -> bool {
        members.push((key.to_string(), value.to_string()));
        true
    }

    fn with_scanner(text: &str) -> Option<Members> {
        let mut members = Members::new();
        let read = scan(text, &mut |k, v| collect(&mut members, k, v)).ok()?;
        assert!(read, "nothing refuses");
        Some(members)
    }

    fn with_reference(text: &str) -> Option<Members> {
        let mut members = Members::new();
        with_serde(text, &mut |k, v| collect(&mut members, k, v)).then_some(members)
    }

    /// Lines the scanner must read as `serde_json` does, or leave to it.
    pub(crate) fn edge_cases() -> Vec<String> {
        let mut lines: Vec<String> = [
            r#"{}"#,
            r#" { } "#,
            r#"{"a":1}"#,
            "{\n\t\"a\" :\r 1 , \"b\":[ 1 , {\"c\" : null} ] }\n",
            r#"{"a":"x\"y\\z\/\b\f\n\r\t"}"#,
            r#"{"a":"\u00e9\ud83d\ude00"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a\u0062":1}"#,
            r#"{"a":"é ü 漢字 😀"}"#,
            r#"{"a":-0,"b":0.5,"c":-12.75e+3,"d":1E9,"e":123456789012345678901234567890}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":+1}"#,
            r#"{"a":1x}"#,
            r#"{"a":tru}"#,
            r#"{"a":truex}"#,
            r#"{"a":nul}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[,1]}"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{a:1}"#,
            r#"{'a':1}"#,
            r#"{"a":1}}"#,
            r#"{"a":1} x"#,
            r#"{"a":1"#,
            r#"{"a":"unterminated}"#,
            r#"{"a":"bad \x escape"}"#,
            r#"[1,2]"#,
            r#""a""#,
            r#"{"a":1,"a":2}"#,
            r#"{"":""}"#,
            "{\"a\":\"tab\tinside\"}",
            "{\"a\":\"nul\u{0}inside\"}",
            "{\"a\":\"del\u{7f} is fine\"}",
            r#"{"message":"12345678\"12345678\\12345678","level":"ERROR"}"#,
        ]
        .into_iter()
        .map(str::to_string)
        .collect();
        lines.push(format!(r#"{{"a":{}1{}}}"#, "[".repeat(63), "]".repeat(63)));
        lines.push(format!(r#"{{"a":{}1{}}}"#, "[".repeat(64), "]".repeat(64)));
        lines.push(format!(
            r#"{{"a":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        ));
        lines
    }

    #[test]
    fn the_scanner_agrees_with_serde_json_or_defers() {
        for line in edge_cases() {
            let reference = with_reference(&line);
            match with_scanner(&line) {
                Some(members) => assert_eq!(Some(members), reference, "{line:?}"),
                // Deferring is always right; only that these common shapes are not deferred.
                None => assert!(!matches!(line.as_str(), r#"{"a":1}"# | r#"{}"#), "{line:?}"),
            }
        }
    }

    /// Every JSON object in the labelled corpus, and every object or array nested in one
    /// (the analyzer reads `error` objects and `spans` arrays too).
    #[test]
    fn the_scanner_reads_every_corpus_line_as_serde_json_does() {
        let corpus = include_str!("../../tests/corpus/grouping.jsonl");
        let mut objects = 0;
        for entry in corpus.lines() {
            let entry: serde_json::Value = serde_json::from_str(entry).unwrap();
            let line = entry["message"].as_str().unwrap().trim();
            let Some(members) = with_reference(line) else {
                continue;
            };
            objects += 1;
            assert_eq!(with_scanner(line).as_ref(), Some(&members), "{line}");
            for (_, value) in members.iter().filter(|(_, v)| v.starts_with('{')) {
                assert_eq!(with_scanner(value), with_reference(value), "{value}");
            }
        }
        assert!(objects > 100, "only {objects} JSON lines in the corpus");
    }

    #[test]
    fn plain_runs_stop_at_quotes_backslashes_and_control_characters() {
        for (text, expected) in [
            ("", 0),
            ("abc", 3),
            ("abcdefgh", 8),
            ("abcdefghij\"", 10),
            ("abcdefg\\h", 7),
            ("abcdefgh\u{1}", 8),
            ("\"", 0),
            ("é漢字😀 ~\u{7f}x\"", "é漢字😀 ~\u{7f}x".len()),
            ("ab\ncd", 2),
            ("abcdefgh ijklmno \u{1f}", 17),
        ] {
            assert_eq!(plain_run(text.as_bytes()), expected, "{text:?}");
        }
    }

    #[test]
    fn a_refused_member_fails_the_read_whichever_reader_runs() {
        let refuse_b = |_: &mut (), k: &str, _: &str| k != "b";
        assert_eq!(read(r#"{"a":1,"b":2}"#, refuse_b), None);
        // `\u` is left to serde_json.
        assert_eq!(read(r#"{"a":"\u00e9","b":2}"#, refuse_b), None);
        assert_eq!(read(r#"{"a":1,"b":2"#, refuse_b), None);
        assert_eq!(read(r#"{"a":1}"#, refuse_b), Some(()));
    }

    #[test]
    fn members_seen_before_the_scanner_defers_are_not_seen_twice() {
        let line = r#"{"a":1,"b":"\u00e9","c":[true]}"#;
        assert_eq!(with_scanner(line), None);
        assert_eq!(
            read(line, collect),
            Some(vec![
                ("a".into(), "1".into()),
                ("b".into(), r#""\u00e9""#.into()),
                ("c".into(), "[true]".into()),
            ])
        );
    }
}

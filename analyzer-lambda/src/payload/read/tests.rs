use super::*;

/// What `serde_json` makes of the document, as `decode_data` saw it before this reader.
fn reference(text: &str) -> Option<LogsPayload> {
    serde_json::from_str(text).ok()
}

/// The reader is right about everything it accepts; `deferred` says whether it may defer.
fn check(text: &str, deferred: bool) {
    match read(text.as_bytes()) {
        Some(payload) => assert_eq!(Some(payload), reference(text), "{text}"),
        None => assert!(deferred, "deferred a plain document: {text}"),
    }
}

fn document(events: &str) -> String {
    format!(
        r#"{{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/app","logStream":"s","subscriptionFilters":["f"],"logEvents":[{events}]}}"#
    )
}

#[test]
fn reads_what_cloudwatch_writes_as_serde_json_does() {
    for events in [
        "",
        r#"{"id":"1","timestamp":1,"message":"plain"}"#,
        r#"{"id":"1","timestamp":-7,"message":""},{"id":"2","timestamp":0,"message":"b"}"#,
        r#"{"message":"x","timestamp":9223372036854775807,"id":"z"}"#,
        r#"{"id":"1","timestamp":-9223372036854775808,"message":"x"}"#,
        r#"{"id":"1","timestamp":1,"message":"{\"level\":\"ERROR\",\"message\":\"a \\\"b\\\" c\"}"}"#,
        r#"{"id":"1","timestamp":1,"message":"\" \\ \/ \b \f \n \r \t"}"#,
        r#"{"id":"1","timestamp":1,"message":"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""}"#,
        r#"{"id":"1","timestamp":1,"message":"é漢字😀 and \"quoted\" text longer than a word"}"#,
        r#"{"id":"1","timestamp":1,"message":"ends on an escape\n"}"#,
        r#"{"id":"1","timestamp":1,"message":"\\"}"#,
        " { \"id\" : \"1\" ,\n\t\"timestamp\" : 1 , \"message\" : \"spaced\" } ",
    ] {
        check(&document(events), false);
    }
    check(
        r#"{"logGroup":"/g","logStream":"s","messageType":"CONTROL_MESSAGE"}"#,
        false,
    );
    check(
        " \n{\"logGroup\":\"/g\",\"logStream\":\"s\",\"messageType\":\"m\"}\n ",
        false,
    );
}

#[test]
fn defers_or_agrees_on_everything_else() {
    for events in [
        r#"{"id":"1","timestamp":1,"message":"\u00e9 \ud83d\ude00"}"#,
        r#"{"id":"1","timestamp":1,"message":"\x"}"#,
        "{\"id\":\"1\",\"timestamp\":1,\"message\":\"raw \n newline\"}",
        "{\"id\":\"1\",\"timestamp\":1,\"message\":\"raw \u{1} control in a long enough run\"}",
        r#"{"id":"1","timestamp":1.5,"message":"x"}"#,
        r#"{"id":"1","timestamp":1e3,"message":"x"}"#,
        r#"{"id":"1","timestamp":01,"message":"x"}"#,
        r#"{"id":"1","timestamp":-,"message":"x"}"#,
        r#"{"id":"1","timestamp":9223372036854775808,"message":"x"}"#,
        r#"{"id":"1","timestamp":"1","message":"x"}"#,
        r#"{"id":1,"timestamp":1,"message":"x"}"#,
        r#"{"id":"1","timestamp":1,"message":null}"#,
        r#"{"id":"1","timestamp":1}"#,
        r#"{"id":"1","timestamp":1,"message":"x","extra":true}"#,
        r#"{"id":"1","id":"2","timestamp":1,"message":"x"}"#,
        r#"{"id":"1","timestamp":1,"message":"x",}"#,
        r#"{"id":"1","timestamp":1,"message":"unterminated}]}"#,
        r#"{"id":"1","timestamp":1,"message":"x"}"#,
        r#"{"id":"1","timestamp":1,"message":"x"},"#,
        r#"{"i\u0064":"1","timestamp":1,"message":"x"}"#,
        "[]",
    ] {
        check(&document(events), true);
    }
    for text in [
        "",
        "{}",
        "null",
        r#"{"logGroup":"/g","logStream":"s"}"#,
        r#"{"logGroup":"/g","logStream":"s","messageType":"m","owner":null}"#,
        r#"{"logGroup":"/g","logStream":"s","messageType":"m","logGroup":"/h"}"#,
        r#"{"logGroup":"/g","logStream":"s","messageType":"m"} trailing"#,
        r#"{"logGroup":"/g","logStream":"s","messageType":"m","subscriptionFilters":[1]}"#,
        r#"{"logGroup":"/g","logStream":"s","messageType":"m","logEvents":{}}"#,
        r#"{"logGroup":"/g""logStream":"s","messageType":"m"}"#,
    ] {
        check(text, true);
    }
}

/// Every JSON string reads the same whatever falls at each position of a word: an escape,
/// a quote, a multi-byte character, around the eight-byte steps and the tail.
#[test]
fn unescaping_agrees_at_every_offset() {
    let pieces = [
        r#"\""#, r"\\", r"\/", r"\n", r"\t", "é", "😀", "a", r"\u0041",
    ];
    for piece in pieces {
        for before in 0..18 {
            for after in 0..10 {
                let message = format!("{}{piece}{}", "x".repeat(before), "y".repeat(after));
                let text = document(&format!(
                    r#"{{"id":"1","timestamp":1,"message":"{message}"}}"#
                ));
                check(&text, piece == r"\u0041");
            }
        }
    }
}

/// Payloads made of the labelled corpus's lines, as CloudWatch would deliver them.
#[test]
fn reads_the_corpus_as_serde_json_does() {
    let corpus = include_str!("../../../tests/corpus/grouping.jsonl");
    let events: Vec<LogEvent> = corpus
        .lines()
        .enumerate()
        .map(|(i, entry)| {
            let entry: serde_json::Value = serde_json::from_str(entry).unwrap();
            LogEvent {
                id: format!("{i:056}"),
                timestamp: 1_795_000_000_000 + i as i64,
                message: entry["message"].as_str().unwrap().to_string(),
            }
        })
        .collect();
    let payload = LogsPayload {
        owner: "123456789012".into(),
        log_group: "/aws/lambda/orders".into(),
        log_stream: "2026/11/24/[$LATEST]abc".into(),
        subscription_filters: vec!["errors".into()],
        message_type: "DATA_MESSAGE".into(),
        log_events: events,
    };
    let text = serde_json::to_string(&payload).unwrap();
    // A `\u` escape anywhere defers the whole payload; the corpus has none that serde_json
    // writes (it escapes only control characters that way).
    let read = read(text.as_bytes()).expect("the corpus has no \\u escape");
    assert_eq!(read, payload);
    assert!(read.log_events.len() > 300);
}

#[test]
fn invalid_utf8_anywhere_is_deferred() {
    let plain = document(r##"{"id":"1","timestamp":1,"message":"caf# plain"}"##);
    let escaped = document(r##"{"id":"1","timestamp":1,"message":"\"caf#\" escaped"}"##);
    let in_id = document(r##"{"id":"#","timestamp":1,"message":"x"}"##);
    let in_group = plain.replace("/app", "/ap#");
    for text in [plain, escaped, in_id, in_group] {
        // A lone continuation byte, a truncated sequence, an overlong encoding.
        for bad in [&[0x80u8][..], &[0xe6, 0xbc], &[0xc0, 0xaf]] {
            let at = text.find('#').expect("a marker");
            let mut bytes = text.as_bytes().to_vec();
            bytes.splice(at..at + 1, bad.iter().copied());
            assert!(read(&bytes).is_none(), "{bytes:?}");
            assert!(serde_json::from_slice::<LogsPayload>(&bytes).is_err());
        }
    }
}

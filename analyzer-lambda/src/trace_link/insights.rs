//! CloudWatch Logs Insights console links with the query filled in.
//!
//! The console keeps the query page's state in the URL fragment:
//! `#logsV2:logs-insights` then `?queryDetail=` written `$3FqueryDetail$3D` (the console
//! writes the `%` of a percent-escape as `$` inside its fragment), then the state object in
//! JSURL (<https://github.com/Sage/jsurl>): `~(key~value~...)` objects, `~(~a~b)` arrays,
//! `'`-prefixed strings whose characters outside `[A-Za-z0-9_.-]` become `*xx` (or `**xxxx`
//! above U+00FF, `!` for `$`). The keys are the ones the console's own "Share" links carry:
//! `end`, `start` (ISO 8601 with `timeType` `ABSOLUTE`), `tz`, `editorString` (the query),
//! `source` (log group names) and `lang` (`CWLI`: the Logs Insights query language, see
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData_LanguageSupport.html>).

use std::fmt::Write;

use super::TraceWindow;
use crate::incident::format_millis;

/// The Logs Insights query language's name in the console state.
pub const QUERY_LANGUAGE: &str = "CWLI";

/// Appends `s` as a JSURL string (`'` and the escaped characters).
fn jsurl_string(out: &mut String, s: &str) {
    out.push('\'');
    for unit in s.encode_utf16() {
        match unit {
            // ASCII letters, digits, `_`, `-`, `.` stand for themselves.
            u if u < 0x80
                && (u8::try_from(u).is_ok_and(|b| b.is_ascii_alphanumeric())
                    || [b'_', b'-', b'.'].contains(&(u as u8))) =>
            {
                out.push(char::from(u as u8));
            }
            u if u == u16::from(b'$') => out.push('!'),
            u if u < 0x100 => {
                let _ = write!(out, "*{u:02x}");
            }
            u => {
                let _ = write!(out, "**{u:04x}");
            }
        }
    }
}

/// The console URL of the Logs Insights page running `query` over `groups` in `window`.
pub fn console_url(region: &str, groups: &[String], query: &str, window: TraceWindow) -> String {
    let mut state = String::from("~(end~");
    jsurl_string(&mut state, &format_millis(window.end_ms));
    state.push_str("~start~");
    jsurl_string(&mut state, &format_millis(window.start_ms));
    state.push_str("~timeType~'ABSOLUTE~tz~'UTC~editorString~");
    jsurl_string(&mut state, query);
    state.push_str("~source~(");
    for group in groups {
        state.push('~');
        jsurl_string(&mut state, group);
    }
    state.push_str(")~lang~");
    jsurl_string(&mut state, QUERY_LANGUAGE);
    state.push(')');
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:logs-insights$3FqueryDetail$3D{state}"
    )
}

/// Decoding, for tests here and in other crates' tests: the inverse of [`console_url`]'s
/// state encoding.
pub mod decode {
    use serde_json::{Map, Value};

    /// The `queryDetail` state of a Logs Insights console URL, as JSON; `None` when the URL
    /// is not one or the state is not valid JSURL.
    pub fn query_detail(url: &str) -> Option<Value> {
        let (_, fragment) = url.split_once('#')?;
        let state = fragment.strip_prefix("logsV2:logs-insights$3FqueryDetail$3D")?;
        let mut parser = Parser {
            chars: state.chars().collect(),
            at: 0,
        };
        let value = parser.value()?;
        (parser.at == parser.chars.len()).then_some(value)
    }

    struct Parser {
        chars: Vec<char>,
        at: usize,
    }

    impl Parser {
        fn peek(&self) -> Option<char> {
            self.chars.get(self.at).copied()
        }

        fn eat(&mut self, c: char) -> Option<()> {
            (self.peek()? == c).then(|| self.at += 1)
        }

        fn value(&mut self) -> Option<Value> {
            self.eat('~')?;
            match self.peek()? {
                '(' => {
                    self.at += 1;
                    if self.peek()? == ')' {
                        self.at += 1;
                        return Some(Value::Array(Vec::new()));
                    }
                    if self.peek()? == '~' {
                        let mut items = Vec::new();
                        while self.peek()? == '~' {
                            items.push(self.value()?);
                        }
                        self.eat(')')?;
                        return Some(Value::Array(items));
                    }
                    let mut object = Map::new();
                    loop {
                        let key = self.raw_string()?;
                        object.insert(key, self.value()?);
                        match self.peek()? {
                            ')' => {
                                self.at += 1;
                                return Some(Value::Object(object));
                            }
                            '~' => self.at += 1,
                            _ => return None,
                        }
                    }
                }
                '\'' => {
                    self.at += 1;
                    Some(Value::String(self.raw_string()?))
                }
                _ => {
                    let word = self.raw_string()?;
                    match word.as_str() {
                        "true" => Some(Value::Bool(true)),
                        "false" => Some(Value::Bool(false)),
                        "null" => Some(Value::Null),
                        number => serde_json::from_str(number).ok(),
                    }
                }
            }
        }

        /// Characters up to the next `~`, `)` or end, unescaped.
        fn raw_string(&mut self) -> Option<String> {
            let mut units: Vec<u16> = Vec::new();
            while let Some(c) = self.peek() {
                match c {
                    '~' | ')' => break,
                    '!' => {
                        units.push(u16::from(b'$'));
                        self.at += 1;
                    }
                    '*' => {
                        self.at += 1;
                        let width = if self.peek()? == '*' {
                            self.at += 1;
                            4
                        } else {
                            2
                        };
                        let hex: String =
                            self.chars.get(self.at..self.at + width)?.iter().collect();
                        units.push(u16::from_str_radix(&hex, 16).ok()?);
                        self.at += width;
                    }
                    c if c.is_ascii_alphanumeric() || "_-.=:'".contains(c) => {
                        units.push(c as u16);
                        self.at += 1;
                    }
                    _ => return None,
                }
            }
            String::from_utf16(&units).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn window() -> TraceWindow {
        TraceWindow {
            start_ms: 1_795_000_000_000,
            end_ms: 1_795_001_800_000,
        }
    }

    #[test]
    fn the_link_decodes_back_to_the_query() {
        let groups = vec![
            "/demo/orders-api".to_string(),
            "/aws/lambda/pay#1".to_string(),
        ];
        let query = super::super::trace_query("4bf92f3577b34da6a3ce929d0e0e4736");
        let url = console_url("eu-west-1", &groups, &query, window());
        assert!(url.starts_with(
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights$3FqueryDetail$3D~(end~'"
        ));
        // Only characters that need no escaping in a URL fragment (RFC 3986, 3.5).
        let fragment = url.split_once('#').unwrap().1;
        assert!(
            fragment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "~()'*!-_.:$".contains(c)),
            "{fragment}"
        );
        let detail = decode::query_detail(&url).expect("decodes");
        assert_eq!(
            detail,
            json!({
                "end": "2026-11-18T11:36:40.000Z",
                "start": "2026-11-18T11:06:40.000Z",
                "timeType": "ABSOLUTE",
                "tz": "UTC",
                "editorString": query,
                "source": ["/demo/orders-api", "/aws/lambda/pay#1"],
                "lang": "CWLI",
            })
        );
        assert!(
            detail["editorString"]
                .as_str()
                .unwrap()
                .contains("| filter trace_id = \"4bf92f3577b34da6a3ce929d0e0e4736\"")
        );
    }

    #[test]
    fn escapes_follow_jsurl() {
        let mut s = String::new();
        jsurl_string(&mut s, "a b:@/\n$é€");
        assert_eq!(s, "'a*20b*3a*40*2f*0a!*e9**20ac");
        let url = console_url("us-east-1", &[], "fields é€ $x", window());
        assert_eq!(
            decode::query_detail(&url).unwrap()["editorString"],
            "fields é€ $x"
        );
    }

    #[test]
    fn matches_a_link_the_console_shares() {
        // The shape of a link copied from the console's "Share" menu (ABSOLUTE time, one
        // group): our encoder writes the same characters for the same state.
        let url = console_url(
            "us-west-2",
            &["prod-app".to_string()],
            "fields @timestamp, @message\n| sort @timestamp desc\n| limit 20",
            TraceWindow {
                start_ms: 1_748_577_600_000,
                end_ms: 1_748_581_200_000,
            },
        );
        assert!(url.ends_with(
            "#logsV2:logs-insights$3FqueryDetail$3D~(end~'2025-05-30T05*3a00*3a00.000Z~start~'2025-05-30T04*3a00*3a00.000Z~timeType~'ABSOLUTE~tz~'UTC~editorString~'fields*20*40timestamp*2c*20*40message*0a*7c*20sort*20*40timestamp*20desc*0a*7c*20limit*2020~source~(~'prod-app)~lang~'CWLI)"
        ), "{url}");
    }
}

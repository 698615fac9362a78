//! The decompressed subscription document, read in one pass.
//!
//! Every event's `message` is a string full of escapes (each `"` of a JSON log line is `\"`
//! in the payload: about fifty per line), and `serde_json` unescaped them through a scratch
//! buffer, a piece at a time, then copied the result: that was the most expensive step of a
//! payload. [`read`] unescapes each message straight into its own string, eight bytes at a
//! time. It takes only the document CloudWatch writes (the six keys of
//! [`LogsPayload`], the three of [`LogEvent`], integer timestamps, no `\u` escapes) and says
//! `None` for anything else (an unknown or repeated key, a `\u` escape, a number it does not
//! read, any error), and the caller then hands the text to `serde_json`: so a document is
//! accepted, refused and read exactly as `serde_json` reads it, and this reader only has to
//! be right about what it accepts. The tests compare the two on edge cases and on payloads
//! built from the labelled corpus.

use super::{LogEvent, LogsPayload};
use crate::json_bytes::{plain_run, skip_space, special_bytes};

/// The payload in `text`, or `None` when this reader is not sure (see the module docs).
///
/// `text` is not checked as UTF-8 as a whole: every string taken out of it is checked
/// (a payload is almost all strings), and the rest is matched against ASCII; so invalid
/// UTF-8 gives `None`, and each byte of a message is checked once, not twice.
pub(super) fn read(text: &[u8]) -> Option<LogsPayload> {
    let mut cursor = Cursor {
        text,
        at: 0,
        scratch: Vec::new(),
    };
    let payload = cursor.payload()?;
    (skip_space(cursor.text, cursor.at) == cursor.text.len()).then_some(payload)
}

/// What each simple escape (`\n`, ...) stands for (RFC 8259 §7), by the byte after the
/// backslash; 0 for `\u` and the invalid ones.
const UNESCAPED: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[b'/' as usize] = b'/';
    table[b'b' as usize] = 0x08;
    table[b'f' as usize] = 0x0c;
    table[b'n' as usize] = b'\n';
    table[b'r' as usize] = b'\r';
    table[b't' as usize] = b'\t';
    table
};

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
    /// Where an escaped string is unescaped before its exact-size copy is taken: one buffer
    /// for the whole payload, so unescaping never reallocates.
    scratch: Vec<u8>,
}

/// Which keys of an object were seen: a repeated key is `serde_json`'s to refuse.
#[derive(Default)]
struct Seen(u8);

impl Seen {
    fn first(&mut self, bit: u8) -> Option<()> {
        let new = self.0 & bit == 0;
        self.0 |= bit;
        new.then_some(())
    }
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Option<u8> {
        self.at = skip_space(self.text, self.at);
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.byte()? == byte).then(|| self.at += 1)
    }

    /// Calls `member` for each key of an object (the cursor then on its value); `None`
    /// from `member` gives up.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.byte()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.expect(b':')?;
            member(self, key)?;
            match self.byte()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Calls `item` for each element of an array.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.byte()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.byte()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A key without escapes (CloudWatch's keys have none).
    fn key(&mut self) -> Option<&'a [u8]> {
        if self.byte()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let end = start + plain_run(&self.text[start..]);
        if self.text.get(end) != Some(&b'"') {
            return None;
        }
        self.at = end + 1;
        let text: &'a [u8] = self.text;
        Some(&text[start..end])
    }

    /// A string value, unescaped.
    fn string(&mut self) -> Option<String> {
        if self.byte()? != b'"' {
            return None;
        }
        let text = self.text;
        let mut at = self.at + 1;
        let start = at;
        at += plain_run(&text[at..]);
        if text.get(at) == Some(&b'"') {
            self.at = at + 1;
            return String::from_utf8(text[start..at].to_vec()).ok();
        }
        // Words are written whole and the excess cut off, rather than runs copied by length
        // (a call to `memcpy` for every ten bytes between escapes).
        let out = &mut self.scratch;
        out.clear();
        out.extend_from_slice(&text[start..at]);
        loop {
            match *text.get(at)? {
                b'"' => break,
                b'\\' => {
                    // A table, not a `match`: the escapes' order is the data's, and a jump
                    // per escape mispredicted often enough to cost a fifth of this loop.
                    let byte = UNESCAPED[usize::from(*text.get(at + 1)?)];
                    if byte == 0 {
                        // `\u` (surrogate pairs and all) and invalid escapes: serde_json's.
                        return None;
                    }
                    out.push(byte);
                    at += 2;
                }
                // A raw control character: invalid JSON, which serde_json reports.
                _ => return None,
            }
            while let Some(chunk) = text.get(at..at + 8) {
                let word: [u8; 8] = chunk.try_into().expect("eight bytes");
                let special = special_bytes(u64::from_le_bytes(word));
                out.extend_from_slice(&word);
                if special != 0 {
                    let plain = (special.trailing_zeros() / 8) as usize;
                    out.truncate(out.len() - 8 + plain);
                    at += plain;
                    break;
                }
                at += 8;
            }
            if text.len() - at < 8 {
                let plain = plain_run(&text[at..]);
                out.extend_from_slice(&text[at..at + plain]);
                at += plain;
            }
        }
        self.at = at + 1;
        String::from_utf8(out.clone()).ok()
    }

    /// An integer that fits `i64`, written as `serde_json` reads one into an `i64`.
    fn integer(&mut self) -> Option<i64> {
        self.byte()?;
        let text = self.text;
        let mut at = self.at;
        let negative = text.get(at) == Some(&b'-');
        if negative {
            at += 1;
        }
        let start = at;
        while text.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        let digits = &text[start..at];
        // No digits, a leading zero, a fraction or an exponent: serde_json's to judge.
        if digits.is_empty()
            || (digits[0] == b'0' && digits.len() > 1)
            || matches!(text.get(at), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let mut value: i64 = 0;
        for &digit in digits {
            let digit = i64::from(digit - b'0');
            value = value.checked_mul(10)?;
            value = if negative {
                value.checked_sub(digit)?
            } else {
                value.checked_add(digit)?
            };
        }
        self.at = at;
        Some(value)
    }

    fn payload(&mut self) -> Option<LogsPayload> {
        let mut seen = Seen::default();
        let (mut owner, mut log_group, mut log_stream, mut message_type) =
            (String::new(), None, None, None);
        let mut subscription_filters = Vec::new();
        let mut log_events = Vec::new();
        self.object(|cursor, key| {
            match key {
                b"owner" => {
                    seen.first(1)?;
                    owner = cursor.string()?;
                }
                b"logGroup" => {
                    seen.first(2)?;
                    log_group = Some(cursor.string()?);
                }
                b"logStream" => {
                    seen.first(4)?;
                    log_stream = Some(cursor.string()?);
                }
                b"subscriptionFilters" => {
                    seen.first(8)?;
                    cursor.array(|cursor| {
                        subscription_filters.push(cursor.string()?);
                        Some(())
                    })?;
                }
                b"messageType" => {
                    seen.first(16)?;
                    message_type = Some(cursor.string()?);
                }
                b"logEvents" => {
                    seen.first(32)?;
                    // A delivery's events are about one line per 500 bytes; a guess saves
                    // the vector's regrowth copies.
                    log_events.reserve(cursor.text.len() / 512);
                    cursor.array(|cursor| {
                        log_events.push(cursor.event()?);
                        Some(())
                    })?;
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(LogsPayload {
            owner,
            log_group: log_group?,
            log_stream: log_stream?,
            subscription_filters,
            message_type: message_type?,
            log_events,
        })
    }

    fn event(&mut self) -> Option<LogEvent> {
        let mut seen = Seen::default();
        let (mut id, mut timestamp, mut message) = (None, None, None);
        self.object(|cursor, key| {
            match key {
                b"id" => {
                    seen.first(1)?;
                    id = Some(cursor.string()?);
                }
                b"timestamp" => {
                    seen.first(2)?;
                    timestamp = Some(cursor.integer()?);
                }
                b"message" => {
                    seen.first(4)?;
                    message = Some(cursor.string()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(LogEvent {
            id: id?,
            timestamp: timestamp?,
            message: message?,
        })
    }
}

#[cfg(test)]
mod tests;

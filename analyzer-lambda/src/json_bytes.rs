//! Byte-level helpers shared by the two one-pass JSON readers (a payload's events in
//! `payload`, a line's members in `parse`): both spend most of their time inside strings.

/// JSON's insignificant whitespace (RFC 8259 §2).
pub(crate) fn skip_space(text: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = text.get(at) {
        at += 1;
    }
    at
}

/// How many bytes from the start are neither `"`, `\` nor a control character, eight at a
/// time: strings are most of a payload and of a line, and a byte-by-byte loop was their cost.
pub(crate) fn plain_run(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let special = special_bytes(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
        if special != 0 {
            return at + (special.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(bytes.len() - at)
}

/// The high bit of each byte of `word` (little-endian) that is `"`, `\` or below 0x20; the
/// lowest set bit is exact (borrows only run upwards), which is the one callers use.
pub(crate) fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_byte_is_found_wherever_it_falls() {
        for byte in 0..=255u8 {
            let special = byte == b'"' || byte == b'\\' || byte < 0x20;
            for at in 0..20 {
                let mut text = vec![b'a'; 20];
                text[at] = byte;
                let expected = if special { at } else { 20 };
                assert_eq!(plain_run(&text), expected, "byte {byte:#x} at {at}");
            }
        }
        assert_eq!(plain_run(b""), 0);
        assert_eq!(skip_space(b" \t\r\n x", 0), 5);
    }
}

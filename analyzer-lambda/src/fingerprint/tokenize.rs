//! Grouping rules version 2: one pass over the message, token by token.
//!
//! The message is cut into *atoms* (runs of letters, digits and `. - _ @ ~`, and any
//! non-ASCII character) separated by whitespace and punctuation (`/ = : , ; ( ) [ ] { } < >
//! " ' | & ? # ! * % $ + \` and the backquote). Punctuation is copied through, whitespace
//! collapses to one space, and each atom is either kept or replaced by a placeholder:
//!
//! | atom                                                   | becomes                 |
//! |--------------------------------------------------------|-------------------------|
//! | `2026-11-24T13:49:06.123Z`, `13:49:06`, `24/Nov/2026:13:49:06` | `<ts>`          |
//! | `10.0.3.17`, `fe80::1ff:fe23:4567:890a`                | `<ip>`                  |
//! | `bob@example.com`                                      | `<email>`               |
//! | `3fa85f64-5717-4562-b3fc-2c963f66afa6`                 | `<uuid>`                |
//! | `42`, `42.00`, `-7`, `1,024`                           | `<num>`                 |
//! | `250ms`, `1.5s`, `512MB`                               | `<num>ms`, `<num>s`, ...|
//! | `5f2b9c0e7d1a`, `0xdeadbeef`                           | `<hex>`                 |
//! | `cus_4038aa27d8a3`, `blk_-1234`, `i-0abc12`, `req-7f3a` | `cus_<id>`, `blk_<id>`, `i-<id>`, `req-<id>` |
//! | `orders-api-7d9f8b6c5-x2x4z` (a pod)                   | `orders-api-<id>`       |
//! | `order42`, `worker_17`                                 | `order<id>`, `worker_<id>` |
//! | `AKIAZ3XK9PL2QW`, `eyJhbGciOi...` (long, with digits)  | `<id>`                  |
//!
//! What stays, because it names the problem rather than one occurrence of it:
//! - words, including identifiers with short version digits (`utf8`, `s3`, `ec2`, `http2`,
//!   `sha256`, `x86_64`, `k8s`), words of hex letters (`deadbeef`, `cafe`), error codes with
//!   an upper-case prefix (`ORA-00001`);
//! - a number right after a *code word* (`status`, `code`, `errno`, `exit`, `signal`,
//!   `sqlstate`, `http`, `error`, `err`, `rc`): `status=500`, `exit code 137`, `HTTP 503`,
//!   `Error 1062`; the status after a request line (`"GET /x HTTP/1.1" 500`);
//! - the line and column after a source file (`src/main.rs:42:5`, `app.py", line 10`):
//!   two panics in one file are two problems.
//!
//! Quoted values are not replaced as such: their atoms follow the rules above, so
//! `constraint "orders_pkey"` stays while `'cus_9Xa3'` becomes `'cus_<id>'`.

/// Parameterized messages are cut to this many characters: the start of a message names the
/// problem, and a long tail of data would only split groups.
pub const MAX_PATTERN_CHARS: usize = 300;

/// Words after which a number is a code that names the problem, not a value.
const CODE_WORDS: [&str; 16] = [
    "status",
    "code",
    "statuscode",
    "status_code",
    "http_status",
    "httpstatus",
    "errno",
    "exit",
    "exitcode",
    "exit_code",
    "signal",
    "sqlstate",
    "http",
    "error",
    "err",
    "rc",
];

/// Files whose `:line:col` (or `", line N`) is kept.
const SOURCE_EXTENSIONS: [&str; 17] = [
    ".rs", ".go", ".py", ".java", ".kt", ".js", ".mjs", ".cjs", ".ts", ".cs", ".rb", ".php", ".c",
    ".cc", ".cpp", ".scala", ".swift",
];

/// Digits glued to a word that are part of the word (`sha256`, `int64`, `x86_64`).
const WORD_NUMBERS: [&str; 7] = ["16", "32", "64", "128", "256", "384", "512"];

/// ASCII whitespace (as `u8::is_ascii_whitespace`): collapses to one space.
const SPACE: u16 = 1 << 8;
/// The punctuation that separates atoms (see the module docs): copied through.
const DELIMITER: u16 = 1 << 9;
/// What a byte inside an atom is; an atom's *shape* is the union over its bytes, which
/// answers "has it a digit, a letter, a separator, an `@`?" without scanning it again.
const DIGIT: u16 = 1;
const LOWER: u16 = 1 << 1;
const UPPER: u16 = 1 << 2;
const DOT: u16 = 1 << 3;
/// `-` or `_`.
const DASH: u16 = 1 << 4;
const AT: u16 = 1 << 5;
/// Any other byte of an atom (`~`, `^`, non-ASCII...).
const OTHER: u16 = 1 << 6;
const LETTER: u16 = LOWER | UPPER;
const SEPARATOR: u16 = DOT | DASH;

/// Each byte's class, indexed by byte value: one lookup per byte of every message tells
/// where an atom ends and what it is made of (the tests below it once took a scan each).
const BYTE_CLASS: [u16; 256] = {
    let mut table = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_uppercase() {
            UPPER
        } else {
            OTHER
        };
        b += 1;
    }
    table[b'.' as usize] = DOT;
    table[b'-' as usize] = DASH;
    table[b'_' as usize] = DASH;
    table[b'@' as usize] = AT;
    let delimiters = b"/=:,;()[]{}<>\"'`|&?#!*%$+\\";
    let mut i = 0;
    while i < delimiters.len() {
        table[delimiters[i] as usize] = DELIMITER;
        i += 1;
    }
    let spaces = b"\t\n\x0c\r ";
    let mut i = 0;
    while i < spaces.len() {
        table[spaces[i] as usize] = SPACE;
        i += 1;
    }
    table
};

fn class(b: u8) -> u16 {
    BYTE_CLASS[usize::from(b)]
}

/// The union of the classes of `bytes` (an atom's shape).
fn shape_of(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0, |shape, &b| shape | class(b))
}

/// What the previous atom says about the next number.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    None,
    /// After a code word: the next number is kept.
    Code,
    /// After `HTTP`: a version, then the status code.
    Http,
    /// After a source file: up to this many line/column numbers are kept.
    Source(u8),
}

/// The message with its variable parts replaced (see the module docs), whitespace collapsed,
/// cut to [`MAX_PATTERN_CHARS`] characters.
pub fn parameterize(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_PATTERN_CHARS + 16));
    parameterize_into(message, &mut out);
    out
}

/// [`parameterize`] into `out` (cleared first): a caller that only looks the pattern up
/// reuses one buffer instead of allocating a string per message.
pub fn parameterize_into(message: &str, out: &mut String) {
    out.clear();
    let bytes = message.as_bytes();
    let mut chars = 0usize;
    let mut space = false;
    let mut context = Context::None;
    let mut i = 0;
    while i < bytes.len() && chars < MAX_PATTERN_CHARS {
        let b = bytes[i];
        let kind = class(b);
        if kind == SPACE {
            space = !out.is_empty();
            i += 1;
            continue;
        }
        if kind == DELIMITER {
            push(out, &mut chars, &mut space, &message[i..i + 1]);
            // `status=500`, `code: 137`, `HTTP/1.1" 500` join a code word to its number;
            // `[error] 10#0` does not.
            let joins = match context {
                Context::Http => matches!(b, b'/' | b'"' | b':'),
                Context::Code => matches!(b, b'=' | b':' | b'"'),
                Context::Source(_) => matches!(b, b':' | b'"' | b','),
                Context::None => true,
            };
            if !joins {
                context = Context::None;
            }
            i += 1;
            continue;
        }
        if let Some((end, placeholder)) = special(bytes, i) {
            push(out, &mut chars, &mut space, placeholder);
            context = Context::None;
            i = end;
            continue;
        }
        let mut end = i;
        let mut shape = 0;
        while let Some(&b) = bytes.get(end) {
            let kind = class(b);
            if kind & (SPACE | DELIMITER) != 0 {
                break;
            }
            shape |= kind;
            end += 1;
        }
        // Sentence punctuation is not part of the value: `cus_42.` is `cus_42` + `.`.
        let mut atom_end = end;
        while atom_end > i + 1 && matches!(bytes[atom_end - 1], b'.' | b'-' | b'_') {
            atom_end -= 1;
        }
        if atom_end < end {
            shape = shape_of(&bytes[i..atom_end]);
        }
        let atom = &message[i..atom_end];
        let (piece, next) = classify(atom, shape, context);
        context = next;
        match piece {
            Piece::Keep => push(out, &mut chars, &mut space, atom),
            Piece::Placeholder(p) => push(out, &mut chars, &mut space, p),
            Piece::Id(prefix) => {
                push(out, &mut chars, &mut space, &atom[..prefix]);
                push(out, &mut chars, &mut space, "<id>");
            }
            Piece::NumberWithUnit(unit) => {
                push(out, &mut chars, &mut space, "<num>");
                push(out, &mut chars, &mut space, &atom[unit..]);
            }
        }
        push(out, &mut chars, &mut space, &message[atom_end..end]);
        i = end;
    }
    // `chars` counts what was pushed; only a pattern over the limit is walked to cut it.
    if chars > MAX_PATTERN_CHARS
        && let Some((cut, _)) = out.char_indices().nth(MAX_PATTERN_CHARS)
    {
        out.truncate(cut);
    }
}

fn push(out: &mut String, chars: &mut usize, space: &mut bool, text: &str) {
    if text.is_empty() {
        return;
    }
    if *space {
        out.push(' ');
        *chars += 1;
        *space = false;
    }
    out.push_str(text);
    *chars += if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
}

/// What one atom (or delimiter) becomes.
#[derive(Clone, Copy)]
enum Piece {
    /// Copied as written.
    Keep,
    /// Replaced.
    Placeholder(&'static str),
    /// The atom's first bytes (this many) are kept, the rest is `<id>`.
    Id(usize),
    /// `<num>` then the unit from this byte offset of the atom.
    NumberWithUnit(usize),
}

/// Shapes that span punctuation, tried where an atom starts: timestamps and IPv6.
fn special(bytes: &[u8], at: usize) -> Option<(usize, &'static str)> {
    let rest = &bytes[at..];
    let first = rest[0];
    if first.is_ascii_digit()
        && let Some(len) = iso_timestamp(rest)
            .or_else(|| clock(rest))
            .or_else(|| clf_date(rest))
    {
        return Some((at + len, "<ts>"));
    }
    if first.is_ascii_hexdigit()
        && let Some(len) = ipv6(rest)
    {
        return Some((at + len, "<ip>"));
    }
    None
}

fn digits(bytes: &[u8], from: usize, n: usize) -> bool {
    bytes.len() >= from + n && bytes[from..from + n].iter().all(u8::is_ascii_digit)
}

fn byte_is(bytes: &[u8], at: usize, set: &[u8]) -> bool {
    bytes.get(at).is_some_and(|b| set.contains(b))
}

/// `2026-11-24`, optionally `T13:49:06.123Z` / ` 13:49:06,123+0000`.
fn iso_timestamp(b: &[u8]) -> Option<usize> {
    if !(digits(b, 0, 4)
        && byte_is(b, 4, b"-")
        && digits(b, 5, 2)
        && byte_is(b, 7, b"-")
        && digits(b, 8, 2))
    {
        return None;
    }
    let mut end = 10;
    if byte_is(b, end, b"T ")
        && let Some(len) = clock(&b[end + 1..])
    {
        end += 1 + len;
        if byte_is(b, end, b"Z") {
            end += 1;
        } else if byte_is(b, end, b"+-") && digits(b, end + 1, 2) {
            end += 3;
            if byte_is(b, end, b":") && digits(b, end + 1, 2) {
                end += 3;
            } else if digits(b, end, 2) {
                end += 2;
            }
        }
    } else if byte_is(b, end, b"T")
        && let Some(len) = clock(&b[end + 1..])
    {
        end += 1 + len;
    }
    Some(end)
}

/// `13:49:06`, `13:49:06.123`: only with seconds, so that `key:42` is not a time.
fn clock(b: &[u8]) -> Option<usize> {
    if !(digits(b, 0, 2) && byte_is(b, 2, b":") && digits(b, 3, 2)) {
        return None;
    }
    if !(byte_is(b, 5, b":") && digits(b, 6, 2)) {
        return None;
    }
    let mut end = 8;
    if byte_is(b, end, b".,") && digits(b, end + 1, 1) {
        end += 1;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
    }
    Some(end)
}

/// The common log format's `24/Nov/2026:13:49:06`.
fn clf_date(b: &[u8]) -> Option<usize> {
    if digits(b, 0, 2)
        && byte_is(b, 2, b"/")
        && b.len() > 6
        && b[3..6].iter().all(u8::is_ascii_alphabetic)
        && byte_is(b, 6, b"/")
        && digits(b, 7, 4)
    {
        let mut end = 11;
        if byte_is(b, end, b":")
            && let Some(len) = clock(&b[end + 1..])
        {
            end += 1 + len;
        }
        return Some(end);
    }
    None
}

/// An IPv6 address: hex groups of up to four, separated by `:`, with `::` or at least
/// four groups (so `std::io` and `a:b` are not addresses), optionally `%zone`.
fn ipv6(b: &[u8]) -> Option<usize> {
    let mut groups = 0;
    let mut double = false;
    let mut digit = false;
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && i - start < 5 && b[i].is_ascii_hexdigit() {
            digit |= b[i].is_ascii_digit();
            i += 1;
        }
        let len = i - start;
        if len > 4 || (i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_')) {
            return None;
        }
        if len > 0 {
            groups += 1;
        }
        if byte_is(b, i, b":") {
            if byte_is(b, i + 1, b":") {
                if double {
                    return None;
                }
                double = true;
                i += 2;
            } else {
                i += 1;
            }
            if !b.get(i).is_some_and(u8::is_ascii_hexdigit) {
                // `host::` or a trailing colon: an address only if it already was one.
                let end = if double { i } else { i - 1 };
                return (digit && (groups >= 4 || (double && groups >= 1))).then_some(end);
            }
        } else {
            break;
        }
    }
    (digit && (groups >= 4 || (double && groups >= 2))).then_some(i)
}

/// Whether an atom can be one of [`CODE_WORDS`] (their lengths and first letters): most
/// words are rejected here, before sixteen comparisons.
fn maybe_code_word(bytes: &[u8]) -> bool {
    (2..=11).contains(&bytes.len()) && matches!(bytes[0] | 0x20, b's' | b'c' | b'h' | b'e' | b'r')
}

/// Classifies one atom of this shape ([`shape_of`]); returns what it becomes and the
/// context for the next atom.
fn classify(atom: &str, shape: u16, context: Context) -> (Piece, Context) {
    let bytes = atom.as_bytes();
    if shape & DIGIT == 0 {
        let next =
            if maybe_code_word(bytes) && CODE_WORDS.iter().any(|w| atom.eq_ignore_ascii_case(w)) {
                if atom.eq_ignore_ascii_case("http") {
                    Context::Http
                } else {
                    Context::Code
                }
            } else if shape & DOT != 0 && SOURCE_EXTENSIONS.iter().any(|e| atom.ends_with(e)) {
                Context::Source(2)
            } else if atom == "line" && matches!(context, Context::Source(_)) {
                context
            } else {
                Context::None
            };
        if shape & AT != 0 && is_email(atom) {
            return (Piece::Placeholder("<email>"), Context::None);
        }
        // Only an atom of letters of both cases can be random.
        if shape == LETTER && random_word(atom) {
            return (Piece::Placeholder("<id>"), Context::None);
        }
        // Without digits and separators the atom is one word, never a compound id.
        if shape & SEPARATOR != 0
            && let Some(prefix) = compound_id(atom)
        {
            return (Piece::Id(prefix), Context::None);
        }
        return (Piece::Keep, next);
    }
    // Only digits, dots and a sign can make a number.
    if shape & !(DIGIT | SEPARATOR) == 0
        && let Some(numeric) = number(bytes)
    {
        return match (numeric, context) {
            (Number::Integer, Context::Code) if bytes.len() <= 5 => (Piece::Keep, Context::None),
            (Number::Integer, Context::Source(n)) => (
                Piece::Keep,
                if n > 1 {
                    Context::Source(n - 1)
                } else {
                    Context::None
                },
            ),
            (Number::Ipv4, _) => (Piece::Placeholder("<ip>"), Context::None),
            // `HTTP/1.1` keeps its version; the status follows. `HTTP 503` is a status.
            (_, Context::Http) if bytes.len() <= 3 && bytes.contains(&b'.') => {
                (Piece::Keep, Context::Code)
            }
            (Number::Integer, Context::Http) if bytes.len() <= 3 => (Piece::Keep, Context::None),
            _ => (Piece::Placeholder("<num>"), Context::None),
        };
    }
    if let Context::Code = context
        && bytes.len() <= 5
        && bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        // SQLSTATE `42P01`, `0A000`.
        return (Piece::Keep, Context::None);
    }
    if shape & AT != 0 && is_email(atom) {
        return (Piece::Placeholder("<email>"), Context::None);
    }
    if is_uuid(bytes) {
        return (Piece::Placeholder("<uuid>"), Context::None);
    }
    if shape & LETTER != 0
        && let Some(unit) = number_with_unit(bytes)
    {
        return (Piece::NumberWithUnit(unit), Context::None);
    }
    if bytes.len() > 2
        && bytes[0] == b'0'
        && (bytes[1] | 0x20) == b'x'
        && bytes[2..].iter().all(u8::is_ascii_hexdigit)
    {
        return (Piece::Placeholder("<hex>"), Context::None);
    }
    if shape & SEPARATOR == 0 {
        return (single_with_digits(atom), Context::None);
    }
    if error_code(atom) || constant_compound(atom) {
        return (Piece::Keep, Context::None);
    }
    match compound_id(atom) {
        Some(prefix) => (Piece::Id(prefix), Context::None),
        None => (Piece::Keep, Context::None),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Number {
    Integer,
    Decimal,
    Ipv4,
}

/// `42`, `-7`, `42.00`, `1,024`, `1.2.3`, `10.0.3.17`.
fn number(bytes: &[u8]) -> Option<Number> {
    let body = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if body.is_empty() || !body[0].is_ascii_digit() || !body[body.len() - 1].is_ascii_digit() {
        return None;
    }
    let mut dots = 0;
    let mut commas = 0;
    let mut group = 0;
    let mut max_group = 0;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                group += 1;
                max_group = max_group.max(group);
            }
            b'.' => {
                dots += 1;
                group = 0;
            }
            b',' => {
                commas += 1;
                group = 0;
            }
            _ => return None,
        }
    }
    Some(match (dots, commas) {
        (0, 0) => Number::Integer,
        (3, 0) if max_group <= 3 && bytes.len() == body.len() => Number::Ipv4,
        _ => Number::Decimal,
    })
}

/// `250ms`, `1.5s`, `512MB`, `3x`: digits, then at most five letters. Returns where the
/// unit starts.
fn number_with_unit(bytes: &[u8]) -> Option<usize> {
    let digits_end = bytes
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))?;
    if digits_end == 0 || !bytes[0].is_ascii_digit() {
        return None;
    }
    let unit = &bytes[digits_end..];
    let is_unit = !unit.is_empty() && unit.len() <= 5 && unit.iter().all(u8::is_ascii_alphabetic);
    // `42ab`/`1e10` look like hex or exponents; long enough all-hex atoms are ids instead.
    let all_hex = bytes.iter().all(u8::is_ascii_hexdigit);
    (is_unit && !(all_hex && bytes.len() >= 6)).then_some(digits_end)
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_email(atom: &str) -> bool {
    let Some((local, domain)) = atom.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.contains('@')
}

/// Families of numbered error codes (Oracle, PL/SQL, TNS, generic `ERR-`): `ORA-00001` is
/// a problem; `INV-321581` or `PR-42` is an id of the same shape.
const ERROR_CODE_FAMILIES: [&str; 6] = ["ORA", "PLS", "TNS", "ERR", "ERROR", "SQL"];

/// `ORA-00001`, `ERR-1042`: a known family and a number are a code.
fn error_code(atom: &str) -> bool {
    let Some((family, number)) = atom.split_once('-') else {
        return false;
    };
    ERROR_CODE_FAMILIES.contains(&family)
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// An atom with digits and no separator.
fn single_with_digits(atom: &str) -> Piece {
    let bytes = atom.as_bytes();
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 {
        return Piece::Placeholder("<num>");
    }
    if bytes.len() >= 4 && bytes.iter().all(u8::is_ascii_hexdigit) {
        return Piece::Placeholder("<hex>");
    }
    // A word with a number glued on: `order42` is an id, `sha256` and `utf8` are words.
    let split = bytes
        .iter()
        .position(u8::is_ascii_digit)
        .unwrap_or(bytes.len());
    let suffix = &atom[split..];
    // `v64`: a build or model version, not the API's `v1`.
    if split == 1
        && bytes[0] == b'v'
        && suffix.len() >= 2
        && suffix.bytes().all(|b| b.is_ascii_digit())
    {
        return Piece::Id(1);
    }
    if split >= 2
        && bytes[..split].iter().all(u8::is_ascii_alphabetic)
        && suffix.bytes().all(|b| b.is_ascii_digit())
    {
        return if suffix.len() == 1 || WORD_NUMBERS.contains(&suffix) {
            Piece::Keep
        } else {
            Piece::Id(split)
        };
    }
    if bytes.len() >= 5 {
        Piece::Placeholder("<id>")
    } else {
        // `e2e`, `k8s`, `s3`, `v2`, `2fa`.
        Piece::Keep
    }
}

/// A separated atom (`cus_4038aa27`, `blk_-1234`, `orders-api-7d9f8b6c5-x2x4z`): the parts
/// before the first variable part are kept (with one separator), the rest is `<id>`.
/// Returns the length of the kept prefix within the atom, or `None` when nothing varies.
fn compound_id(atom: &str) -> Option<usize> {
    let bytes = atom.as_bytes();
    let mut start = 0;
    let mut kept_end: Option<usize> = None;
    let mut i = 0;
    while i <= bytes.len() {
        if i == bytes.len() || matches!(bytes[i], b'-' | b'_' | b'.') {
            let part = &atom[start..i];
            if !part.is_empty() {
                if variable_part(part, kept_end.is_some()) {
                    return Some(match kept_end {
                        // Keep the prefix and the separator that follows it.
                        Some(end) => end + 1,
                        None => 0,
                    });
                }
                kept_end = Some(i);
            }
            start = i + 1;
        }
        i += 1;
    }
    None
}

fn variable_part(part: &str, after_prefix: bool) -> bool {
    let bytes = part.as_bytes();
    if bytes.iter().any(u8::is_ascii_digit) {
        if !after_prefix {
            return !matches!(single_with_digits(part), Piece::Keep);
        }
        // After a prefix, digits are an id (`tenant-bxtwo4`, `partition-3`).
        return true;
    }
    after_prefix && random_word(part)
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`: an AWS region; `utf-8`, `utf-16`: an
/// encoding. Their digits name a place, not a value.
fn constant_compound(atom: &str) -> bool {
    // Without collecting the parts: every id with a separator comes through here.
    let region = atom.rsplit_once('-').is_some_and(|(words, number)| {
        let parts = words.split('-').count() + 1;
        (3..=4).contains(&parts)
            && words.find('-') == Some(2)
            && words
                .split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && number.len() == 1
            && number.bytes().all(|b| b.is_ascii_digit())
    });
    region || atom.eq_ignore_ascii_case("utf-8") || atom.eq_ignore_ascii_case("utf-16")
}

/// Letters only, yet random: long, mixed case, with short lower-case runs (`NffrFeUfNVHib`,
/// unlike `NullPointerException` or `getUserById`). Single-case letters are taken for words:
/// `THROTTLED` and `COZYQTJAZYD` cannot be told apart without a dictionary.
fn random_word(word: &str) -> bool {
    let bytes = word.as_bytes();
    if bytes.len() < 10 || !bytes.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let upper = bytes.iter().filter(|b| b.is_ascii_uppercase()).count();
    let lower = bytes.len() - upper;
    if upper < 3 || lower < 3 {
        return false;
    }
    let mut runs = 0;
    let mut in_run = false;
    for b in bytes {
        if b.is_ascii_lowercase() {
            if !in_run {
                runs += 1;
            }
            in_run = true;
        } else {
            in_run = false;
        }
    }
    // Average lower-case run shorter than two letters.
    lower < 2 * runs
}

#[cfg(test)]
mod tests;

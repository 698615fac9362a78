//! Grouping: the same problem with different ids gets the same fingerprint.
//!
//! A fingerprint is the SHA-256 of `service`, the error type (when the line has one) and the
//! message with its variable parts replaced by placeholders (the *pattern*), cut to 128 bits
//! of hex. How a message becomes a pattern is a versioned set of rules ([`GroupingRules`]):
//! version 2 ([`tokenize`]) is one pass over the message; version 1 ([`legacy`]) is kept so
//! that an upgrade recognises the problems version 1 opened (see [`crate::aggregate`]).
//! Nothing here depends on the container, the time or earlier events: the same line gives
//! the same fingerprint in every invocation, deployment and cold start.

pub mod legacy;
pub mod tokenize;

use foldhash::{HashMap, HashMapExt};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use tokenize::MAX_PATTERN_CHARS;

/// A version of the grouping rules. Aggregates record the version that made their
/// fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupingRules {
    /// Twelve regex passes: numbers, UUIDs, hex, IPs, e-mails, URLs, timestamps, trace ids.
    V1,
    /// The single-pass tokenizer: also prefixed and glued ids, units, codes, paths.
    V2,
}

/// The rules this build groups with.
pub const CURRENT_RULES: GroupingRules = GroupingRules::V2;

impl GroupingRules {
    /// The version number stored in aggregates (`rules_version`).
    pub fn version(self) -> u32 {
        match self {
            GroupingRules::V1 => 1,
            GroupingRules::V2 => 2,
        }
    }

    /// The rules of a stored version number; `None` for a version this build does not know.
    pub fn from_version(version: u32) -> Option<GroupingRules> {
        match version {
            1 => Some(GroupingRules::V1),
            2 => Some(GroupingRules::V2),
            _ => None,
        }
    }

    /// The version before this one, whose fingerprints an upgrade maps to this one's.
    pub fn previous(self) -> Option<GroupingRules> {
        match self {
            GroupingRules::V1 => None,
            GroupingRules::V2 => Some(GroupingRules::V1),
        }
    }

    /// The message's pattern under these rules.
    pub fn parameterize(self, message: &str) -> String {
        match self {
            GroupingRules::V1 => legacy::parameterize(message),
            GroupingRules::V2 => tokenize::parameterize(message),
        }
    }

    /// [`GroupingRules::parameterize`] into `out`, replacing what it held.
    pub fn parameterize_into(self, message: &str, out: &mut String) {
        match self {
            GroupingRules::V1 => *out = legacy::parameterize(message),
            GroupingRules::V2 => tokenize::parameterize_into(message, out),
        }
    }
}

impl fmt::Display for GroupingRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.version())
    }
}

/// Not a grouping rules version this build knows.
#[derive(Debug, thiserror::Error)]
#[error("unknown grouping rules version {0:?}: use 1 or 2")]
pub struct UnknownRules(String);

impl FromStr for GroupingRules {
    type Err = UnknownRules;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse()
            .ok()
            .and_then(GroupingRules::from_version)
            .ok_or_else(|| UnknownRules(s.to_string()))
    }
}

/// The current rules' pattern of a message.
pub fn parameterize(message: &str) -> String {
    CURRENT_RULES.parameterize(message)
}

/// The fingerprint of a parameterized message: 32 hex characters.
pub fn fingerprint(service: &str, error_type: Option<&str>, pattern: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [service, error_type.unwrap_or(""), pattern] {
        hasher.update(part.as_bytes());
        // A separator that cannot appear in the parts keeps ("ab","c") apart from ("a","bc").
        hasher.update([0u8]);
    }
    crate::digest::short_hex(hasher)
}

/// A fingerprint computed for a pattern: its service, error type and the fingerprint.
type KnownFingerprint = (String, Option<String>, Arc<str>);

/// Patterns and fingerprints computed once per invocation: a storm repeats the same message
/// (one tokenization) and the same pattern (one hash) thousands of times. The texts it hands
/// out are shared ([`Arc<str>`]): every row of a problem carries the same pattern,
/// fingerprint, service, log group and stream.
#[derive(Debug)]
pub struct Grouper {
    rules: GroupingRules,
    patterns: HashMap<String, Arc<str>>,
    /// Lookups in `patterns` and how many found the message.
    pattern_lookups: usize,
    pattern_hits: usize,
    /// By pattern, then (service, error type): lookups borrow, nothing is allocated.
    fingerprints: HashMap<String, Vec<KnownFingerprint>>,
    /// One copy of each text handed out by [`Grouper::share`].
    shared: HashMap<String, Arc<str>>,
    /// Where a pattern is made before it is looked up among the shared texts: in a storm
    /// every message differs but their patterns do not, so most are never copied.
    scratch: String,
    /// The last pattern and fingerprint handed out: a storm asks for the same ones row
    /// after row, and comparing with the last costs less than hashing the text again.
    last: Option<LastFingerprint>,
}

/// See [`Grouper::last`].
#[derive(Debug)]
struct LastFingerprint {
    service: Arc<str>,
    error_type: Option<String>,
    pattern: Arc<str>,
    fingerprint: Arc<str>,
}

/// Messages whose pattern a [`Grouper`] remembers: identical messages are usually few and
/// early in a payload; a storm of all-different messages should not pay for a big cache.
const MAX_CACHED_MESSAGES: usize = 1_024;
/// Once [`MAX_CACHED_MESSAGES`] are cached, the cache is only consulted while at least one
/// lookup in this many has found its message.
const MIN_PATTERN_HITS_PER: usize = 8;
/// Longer messages are not cached (they rarely repeat exactly).
const MAX_CACHED_MESSAGE_BYTES: usize = 512;
/// Distinct texts [`Grouper::share`] keeps; beyond, each call makes its own copy (a
/// payload's services, streams and patterns are few; its messages are not kept here).
const MAX_SHARED_TEXTS: usize = 4_096;

impl Grouper {
    /// An empty cache over these rules.
    pub fn new(rules: GroupingRules) -> Grouper {
        Grouper {
            rules,
            patterns: HashMap::new(),
            pattern_lookups: 0,
            pattern_hits: 0,
            fingerprints: HashMap::new(),
            shared: HashMap::new(),
            scratch: String::new(),
            last: None,
        }
    }

    /// The rules.
    pub fn rules(&self) -> GroupingRules {
        self.rules
    }

    /// The pattern of a message.
    pub fn pattern(&mut self, message: &str) -> Arc<str> {
        // Once the cache is full and has rarely been right (a storm of all-different
        // messages), hashing each message to look it up costs more than it saves.
        let worth_looking = self.patterns.len() < MAX_CACHED_MESSAGES
            || self.pattern_hits * MIN_PATTERN_HITS_PER >= self.pattern_lookups;
        if worth_looking {
            self.pattern_lookups += 1;
            if let Some(pattern) = self.patterns.get(message) {
                self.pattern_hits += 1;
                return pattern.clone();
            }
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        self.rules.parameterize_into(message, &mut scratch);
        let pattern = match &self.last {
            Some(last) if *last.pattern == *scratch => last.pattern.clone(),
            _ => self.share(&scratch),
        };
        self.scratch = scratch;
        if self.patterns.len() < MAX_CACHED_MESSAGES && message.len() <= MAX_CACHED_MESSAGE_BYTES {
            self.patterns.insert(message.to_string(), pattern.clone());
        }
        pattern
    }

    /// One shared copy of `text` for every caller of this invocation.
    pub fn share(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.shared.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        if self.shared.len() < MAX_SHARED_TEXTS {
            self.shared.insert(text.to_string(), shared.clone());
        }
        shared
    }

    /// The fingerprint of a pattern.
    pub fn fingerprint(
        &mut self,
        service: &Arc<str>,
        error_type: Option<&str>,
        pattern: &Arc<str>,
    ) -> Arc<str> {
        if let Some(last) = &self.last
            && Arc::ptr_eq(&last.pattern, pattern)
            && Arc::ptr_eq(&last.service, service)
            && last.error_type.as_deref() == error_type
        {
            return last.fingerprint.clone();
        }
        let fingerprint = self.fingerprint_of(service, error_type, pattern);
        self.last = Some(LastFingerprint {
            service: service.clone(),
            error_type: error_type.map(str::to_string),
            pattern: pattern.clone(),
            fingerprint: fingerprint.clone(),
        });
        fingerprint
    }

    fn fingerprint_of(
        &mut self,
        service: &str,
        error_type: Option<&str>,
        pattern: &str,
    ) -> Arc<str> {
        if let Some(known) = self.fingerprints.get(pattern).and_then(|v| {
            v.iter()
                .find(|(s, t, _)| s == service && t.as_deref() == error_type)
        }) {
            return known.2.clone();
        }
        let fingerprint: Arc<str> = Arc::from(fingerprint(service, error_type, pattern));
        self.fingerprints
            .entry(pattern.to_string())
            .or_default()
            .push((
                service.to_string(),
                error_type.map(str::to_string),
                fingerprint.clone(),
            ));
        fingerprint
    }
}

#[cfg(test)]
mod tests {
    use super::legacy::parameterize as parameterize_v1;
    use super::*;

    #[test]
    fn version_1_placeholders() {
        for (message, expected) in [
            ("order 42 failed", "order <num> failed"),
            (
                "user 3fa85f64-5717-4562-b3fc-2c963f66afa6 not found",
                "user <uuid> not found",
            ),
            ("object 5f2b9c0e7d1a not found", "object <hex> not found"),
            ("pointer 0xdeadbeef", "pointer <hex>"),
            (
                "connect to 10.0.3.17:5432 refused",
                "connect to <ip> refused",
            ),
            ("peer fe80::1ff:fe23:4567:890a down", "peer <ip> down"),
            ("mail to bob@example.com bounced", "mail to <email> bounced"),
            (
                "GET https://api.example.com/v1/orders/42?x=1 -> 503",
                "GET <url> -> <num>",
            ),
            (
                "at 2026-11-24T13:49:06.123Z deadline passed",
                "at <ts> deadline passed",
            ),
            ("at 13:49:06 retry", "at <ts> retry"),
            (
                "trace 1-5759e988-bd862e3fe1be46a994272793 slow",
                "trace <trace> slow",
            ),
            (
                "trace_id 4bf92f3577b34da6a3ce929d0e0e4736 slow",
                "trace_id <hex> slow",
            ),
            ("took 1.5s", "took <num>s"),
            (
                "std::io::Error in cache::add",
                "std::io::Error in cache::add",
            ),
            ("took 1.5 s", "took <num> s"),
            ("  many   spaces\n here ", "many spaces here"),
        ] {
            assert_eq!(parameterize_v1(message), expected, "{message}");
        }
    }

    #[test]
    fn version_1_words_are_not_hex() {
        assert_eq!(parameterize_v1("bad deadbeef cafe"), "bad deadbeef cafe");
        assert_eq!(parameterize_v1("a decade ago"), "a decade ago");
    }

    #[test]
    fn same_problem_same_fingerprint() {
        let a = parameterize("payment 17 for user 3fa85f64-5717-4562-b3fc-2c963f66afa6 failed");
        let b = parameterize("payment 9031 for user 0b6f1c1e-0000-4000-8000-00000000beef failed");
        assert_eq!(
            fingerprint("orders", None, &a),
            fingerprint("orders", None, &b)
        );
    }

    #[test]
    fn service_and_error_type_split_groups() {
        let p = parameterize("failed");
        let base = fingerprint("orders", None, &p);
        assert_ne!(base, fingerprint("billing", None, &p));
        assert_ne!(base, fingerprint("orders", Some("TimeoutError"), &p));
        assert_eq!(base.len(), 32);
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x ".repeat(1000);
        for rules in [GroupingRules::V1, GroupingRules::V2] {
            assert_eq!(rules.parameterize(&long).chars().count(), MAX_PATTERN_CHARS);
        }
    }

    #[test]
    fn rules_versions_round_trip() {
        for rules in [GroupingRules::V1, GroupingRules::V2] {
            assert_eq!(GroupingRules::from_version(rules.version()), Some(rules));
            assert_eq!(rules.to_string().parse::<GroupingRules>().unwrap(), rules);
        }
        assert_eq!(CURRENT_RULES.previous(), Some(GroupingRules::V1));
        assert!("3".parse::<GroupingRules>().is_err());
    }

    #[test]
    fn a_grouper_past_its_caches_gives_the_same_answers() {
        let mut grouper = Grouper::new(GroupingRules::V2);
        // All different (the message cache fills and stops being consulted), then repeated.
        let messages: Vec<String> = (0..3 * MAX_CACHED_MESSAGES)
            .map(|i| format!("charge cus_{i:012x} failed in step{}", i % 7))
            .chain((0..2_000).map(|i| format!("retry {} of job", i % 3)))
            .collect();
        for message in &messages {
            assert_eq!(
                *grouper.pattern(message),
                parameterize(message),
                "{message}"
            );
        }
        assert!(
            grouper.pattern_lookups < messages.len(),
            "the cache was skipped"
        );
    }

    #[test]
    fn grouper_caches_give_the_same_answers() {
        let mut grouper = Grouper::new(GroupingRules::V2);
        let a = grouper.pattern("charge cus_4038aa27d8a3 failed");
        let b = grouper.pattern("charge cus_4038aa27d8a3 failed");
        assert_eq!(a, b);
        assert!(Arc::ptr_eq(&a, &b), "one shared copy");
        assert_eq!(*a, parameterize("charge cus_4038aa27d8a3 failed"));
        let service: Arc<str> = Arc::from("s");
        assert_eq!(
            *grouper.fingerprint(&service, None, &a),
            fingerprint("s", None, &a)
        );
        // The same again, and another service with the same pattern after it.
        assert_eq!(
            *grouper.fingerprint(&service, None, &a),
            fingerprint("s", None, &a)
        );
        let other: Arc<str> = Arc::from("t");
        assert_eq!(
            *grouper.fingerprint(&other, Some("E"), &a),
            fingerprint("t", Some("E"), &a)
        );
        assert_eq!(
            *grouper.fingerprint(&service, Some("E"), &a),
            fingerprint("s", Some("E"), &a)
        );
    }
}

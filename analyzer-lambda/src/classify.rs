//! Which lines become incidents, and how severe they are.
//!
//! Default rules (each configurable, see `config`):
//!
//! | the line                                               | incident severity |
//! |--------------------------------------------------------|-------------------|
//! | below WARN, or no level                                | none (ignored)    |
//! | WARN                                                   | `LOW`             |
//! | ERROR                                                  | `MEDIUM`          |
//! | FATAL / CRITICAL / PANIC level                         | `CRITICAL`        |
//! | a panic, `Task timed out`, out of memory, runtime exit | `CRITICAL`        |
//!
//! On top of that, a fingerprint seen more than `CRITICAL_RATE_PER_MINUTE` times within one
//! minute is raised to `CRITICAL` (see `aggregate`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::parse::{EventKind, ParsedLine};
use crate::severity::Level;

/// An incident's severity, as the seed's `Incidents` table names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Worth a look (warnings).
    Low,
    /// Something failed (errors).
    Medium,
    /// Something is down or crashing, or an error storm.
    Critical,
}

impl Severity {
    /// `"LOW"`, `"MEDIUM"` or `"CRITICAL"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not `LOW`, `MEDIUM`, `CRITICAL` or `NONE`.
#[derive(Debug, thiserror::Error)]
#[error("unknown severity {0:?}: use LOW, MEDIUM, CRITICAL or NONE")]
pub struct UnknownSeverity(String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "LOW" => Ok(Severity::Low),
            "MEDIUM" => Ok(Severity::Medium),
            "CRITICAL" => Ok(Severity::Critical),
            _ => Err(UnknownSeverity(s.to_string())),
        }
    }
}

/// Parses a rule value: a severity, or `NONE` to ignore the level.
pub fn parse_rule(s: &str) -> Result<Option<Severity>, UnknownSeverity> {
    if s.trim().eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        s.parse().map(Some)
    }
}

/// The classification rules. `None` means "not an incident".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Severity of a WARN line.
    pub warn: Option<Severity>,
    /// Severity of an ERROR line.
    pub error: Option<Severity>,
    /// Severity of a FATAL (CRITICAL, PANIC, ...) line.
    pub fatal: Option<Severity>,
    /// Severity of a panic, timeout, out-of-memory or runtime-exit line, whatever its level.
    pub crash: Severity,
    /// Events of one fingerprint per minute from which the fingerprint is `CRITICAL`.
    pub critical_rate_per_minute: u64,
}

/// Default [`Rules::critical_rate_per_minute`].
pub const DEFAULT_CRITICAL_RATE_PER_MINUTE: u64 = 100;

impl Default for Rules {
    fn default() -> Self {
        Rules {
            warn: Some(Severity::Low),
            error: Some(Severity::Medium),
            fatal: Some(Severity::Critical),
            crash: Severity::Critical,
            critical_rate_per_minute: DEFAULT_CRITICAL_RATE_PER_MINUTE,
        }
    }
}

impl Rules {
    /// The severity of one line, or `None` when it is not an incident.
    pub fn classify(&self, line: &ParsedLine<'_>) -> Option<Severity> {
        if line.kind != EventKind::Log {
            return Some(self.crash);
        }
        match line.level? {
            Level::Trace | Level::Debug | Level::Info => None,
            Level::Warn => self.warn,
            Level::Error => self.error,
            Level::Fatal => self.fatal,
        }
    }

    /// The severity of `count` events of one fingerprint within one minute, at least `base`.
    pub fn with_rate(&self, base: Severity, count_in_a_minute: u64) -> Severity {
        if self.critical_rate_per_minute > 0 && count_in_a_minute >= self.critical_rate_per_minute {
            Severity::Critical
        } else {
            base
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_line;

    fn classify(line: &str) -> Option<Severity> {
        Rules::default().classify(&parse_line(line))
    }

    #[test]
    fn default_rules() {
        assert_eq!(classify("INFO all good"), None);
        assert_eq!(classify("DEBUG x"), None);
        assert_eq!(classify("no level at all"), None);
        assert_eq!(classify("WARN slow"), Some(Severity::Low));
        assert_eq!(classify("ERROR failed"), Some(Severity::Medium));
        assert_eq!(classify("FATAL gone"), Some(Severity::Critical));
        assert_eq!(
            classify(r#"{"levelname":"CRITICAL","msg":"db down"}"#),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn crashes_are_critical_whatever_the_level() {
        assert_eq!(
            classify("2026-11-24T13:49:06.123Z abc Task timed out after 3.00 seconds"),
            Some(Severity::Critical)
        );
        assert_eq!(
            classify("thread 'tokio-runtime-worker' panicked at src/lib.rs:1:1"),
            Some(Severity::Critical)
        );
        assert_eq!(
            classify(r#"{"level":"INFO","message":"memory allocation of 1024 bytes failed"}"#),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn rules_are_configurable() {
        let rules = Rules {
            warn: None,
            error: Some(Severity::Critical),
            ..Rules::default()
        };
        assert_eq!(rules.classify(&parse_line("WARN slow")), None);
        assert_eq!(
            rules.classify(&parse_line("ERROR x")),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn rate_raises_to_critical() {
        let rules = Rules::default();
        assert_eq!(rules.with_rate(Severity::Low, 99), Severity::Low);
        assert_eq!(rules.with_rate(Severity::Low, 100), Severity::Critical);
        let off = Rules {
            critical_rate_per_minute: 0,
            ..Rules::default()
        };
        assert_eq!(off.with_rate(Severity::Medium, 1_000_000), Severity::Medium);
    }

    #[test]
    fn rule_values() {
        assert_eq!(parse_rule("none").unwrap(), None);
        assert_eq!(parse_rule("critical").unwrap(), Some(Severity::Critical));
        assert!(parse_rule("huge").is_err());
        assert!(Severity::Low < Severity::Medium && Severity::Medium < Severity::Critical);
    }
}

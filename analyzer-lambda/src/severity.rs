//! Log levels as written by many loggers, normalized to OpenTelemetry's severity ranges.
//!
//! OpenTelemetry numbers severities 1..=24 in six ranges of four
//! (<https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber>):
//! TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A normalized log level, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// OpenTelemetry 1-4.
    Trace,
    /// OpenTelemetry 5-8.
    Debug,
    /// OpenTelemetry 9-12 (also syslog's NOTICE).
    Info,
    /// OpenTelemetry 13-16.
    Warn,
    /// OpenTelemetry 17-20.
    Error,
    /// OpenTelemetry 21-24 (also CRITICAL, PANIC, EMERGENCY, ALERT).
    Fatal,
}

impl Level {
    /// All levels, least severe first.
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The canonical upper-case name (`"WARN"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// The first OpenTelemetry severity number of this level's range.
    pub fn otel_number(self) -> u8 {
        match self {
            Level::Trace => 1,
            Level::Debug => 5,
            Level::Info => 9,
            Level::Warn => 13,
            Level::Error => 17,
            Level::Fatal => 21,
        }
    }

    /// A level from a name as loggers write it, ignoring case: `warning`, `err`, `CRITICAL`,
    /// `Information`, `E` ... `None` for anything else.
    pub fn from_name(name: &str) -> Option<Level> {
        // Lower-cased on the stack: every JSON line has a level, and the longest name
        // (`informational`) is 13 bytes.
        let name = name.trim().as_bytes();
        let mut buffer = [0u8; 13];
        let lower = buffer.get_mut(..name.len())?;
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        let level = match &*lower {
            b"trace" | b"trc" | b"t" | b"finest" | b"finer" => Level::Trace,
            b"debug" | b"dbg" | b"d" | b"fine" | b"verbose" => Level::Debug,
            b"info" | b"inf" | b"i" | b"information" | b"informational" | b"notice" | b"config" => {
                Level::Info
            }
            b"warn" | b"warning" | b"wrn" | b"w" => Level::Warn,
            b"error" | b"err" | b"e" | b"severe" => Level::Error,
            b"fatal" | b"critical" | b"crit" | b"panic" | b"emerg" | b"emergency" | b"alert"
            | b"f" => Level::Fatal,
            _ => return None,
        };
        Some(level)
    }

    /// A level from a number.
    ///
    /// 1..=24 are OpenTelemetry severity numbers. Larger numbers follow the convention of
    /// pino, bunyan and Python's `logging` (30 info, 40 warn, 50 error, 60 fatal), which
    /// does not overlap with OpenTelemetry's range above 24. 0 and negatives are unknown.
    pub fn from_number(number: i64) -> Option<Level> {
        let level = match number {
            1..=4 => Level::Trace,
            5..=8 => Level::Debug,
            9..=12 => Level::Info,
            13..=16 => Level::Warn,
            17..=20 => Level::Error,
            21..=24 => Level::Fatal,
            25..=39 => Level::Info,
            40..=49 => Level::Warn,
            50..=59 => Level::Error,
            60.. => Level::Fatal,
            _ => return None,
        };
        Some(level)
    }

    /// A level from a JSON value: a name, a number, or a numeric string.
    pub fn from_json(value: &serde_json::Value) -> Option<Level> {
        match value {
            serde_json::Value::String(s) => Level::from_name(s)
                .or_else(|| s.trim().parse::<i64>().ok().and_then(Level::from_number)),
            serde_json::Value::Number(n) => n.as_i64().and_then(Level::from_number),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not a level [`Level::from_name`] knows.
#[derive(Debug, thiserror::Error)]
#[error("unknown log level {0:?}: use TRACE, DEBUG, INFO, WARN, ERROR or FATAL")]
pub struct UnknownLevel(String);

impl FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::from_name(s).ok_or_else(|| UnknownLevel(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_of_common_loggers_normalize() {
        for (name, level) in [
            ("WARN", Level::Warn),
            ("warning", Level::Warn),
            ("Err", Level::Error),
            ("ERROR", Level::Error),
            ("SEVERE", Level::Error),
            ("CRITICAL", Level::Fatal),
            ("crit", Level::Fatal),
            ("panic", Level::Fatal),
            ("emerg", Level::Fatal),
            ("notice", Level::Info),
            (" info ", Level::Info),
            ("Debug", Level::Debug),
            ("trace", Level::Trace),
        ] {
            assert_eq!(Level::from_name(name), Some(level), "{name}");
        }
        assert_eq!(Level::from_name("loud"), None);
        assert_eq!(Level::from_name(""), None);
    }

    #[test]
    fn numbers_follow_opentelemetry_ranges() {
        let expected = [
            (1, Level::Trace),
            (4, Level::Trace),
            (5, Level::Debug),
            (9, Level::Info),
            (12, Level::Info),
            (13, Level::Warn),
            (16, Level::Warn),
            (17, Level::Error),
            (20, Level::Error),
            (21, Level::Fatal),
            (24, Level::Fatal),
        ];
        for (number, level) in expected {
            assert_eq!(Level::from_number(number), Some(level), "{number}");
        }
        for level in Level::ALL {
            assert_eq!(Level::from_number(level.otel_number().into()), Some(level));
        }
    }

    #[test]
    fn pino_numbers_above_the_otel_range() {
        assert_eq!(Level::from_number(30), Some(Level::Info));
        assert_eq!(Level::from_number(40), Some(Level::Warn));
        assert_eq!(Level::from_number(50), Some(Level::Error));
        assert_eq!(Level::from_number(60), Some(Level::Fatal));
        assert_eq!(Level::from_number(0), None);
        assert_eq!(Level::from_number(-3), None);
    }

    #[test]
    fn json_values() {
        assert_eq!(Level::from_json(&json!("error")), Some(Level::Error));
        assert_eq!(Level::from_json(&json!(17)), Some(Level::Error));
        assert_eq!(Level::from_json(&json!("50")), Some(Level::Error));
        assert_eq!(Level::from_json(&json!(true)), None);
        assert_eq!(Level::from_json(&json!(null)), None);
    }

    #[test]
    fn ordering_and_parsing() {
        assert!(Level::Warn < Level::Error && Level::Error < Level::Fatal);
        assert_eq!("warning".parse::<Level>().unwrap(), Level::Warn);
        assert!("nope".parse::<Level>().is_err());
    }
}

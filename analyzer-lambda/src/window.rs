//! Time arguments (`--since`, `--until`, `--start`, `--end`) and the window they make, shared
//! by `replay` and `trace`: parsing with checked arithmetic, and a check of the window whose
//! advice names the flags the user actually gave.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::incident::format_millis;

/// Earliest time an argument may name, epoch ms: the Unix epoch. CloudWatch timestamps are
/// milliseconds after it, so nothing can be found before it.
pub const EARLIEST_MS: i64 = 0;
/// Latest time an argument may name, epoch ms: 9999-12-31T23:59:59.999Z, the last time
/// RFC 3339 (four-digit years) can write.
pub const LATEST_MS: i64 = 253_402_300_799_999;

/// A time argument that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadTime {
    /// Neither a duration nor an RFC 3339 time.
    #[error(
        "{0:?} is neither a duration ago (30s, 30m, 2h, 1d) nor an RFC 3339 time (2026-11-24T13:00:00Z)"
    )]
    Malformed(String),
    /// A duration or time that lands before 1970 or after year 9999.
    #[error(
        "{0:?} is out of range: give a time between 1970-01-01T00:00:00Z and \
         9999-12-31T23:59:59Z, or a duration ago that does not reach back before 1970"
    )]
    OutOfRange(String),
}

/// Epoch ms of a time argument: a duration before `now_ms` (`45s`, `30m`, `2h`, `1d`) or an
/// RFC 3339 time, between [`EARLIEST_MS`] and [`LATEST_MS`].
pub fn parse_time(text: &str, now_ms: i64) -> Result<i64, BadTime> {
    let text = text.trim();
    let out_of_range = || BadTime::OutOfRange(text.to_string());
    let in_range = |ms: i64| {
        Some(ms)
            .filter(|ms| (EARLIEST_MS..=LATEST_MS).contains(ms))
            .ok_or_else(out_of_range)
    };
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        let ms = i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000))
            .map_err(|_| out_of_range())?;
        return in_range(ms);
    }
    let malformed = || BadTime::Malformed(text.to_string());
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .filter(|at| *at > 0)
        .ok_or_else(malformed)?;
    let (number, unit) = text.split_at(split);
    let unit_ms: i64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(malformed()),
    };
    // Only digits are left, so a failed parse means too many of them for an i64.
    let number: i64 = number.parse().map_err(|_| out_of_range())?;
    let ago = number.checked_mul(unit_ms).ok_or_else(out_of_range)?;
    in_range(now_ms.checked_sub(ago).ok_or_else(out_of_range)?)
}

/// Where one end of a window came from, so that advice names what the user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A flag the user gave, with its text: `Given("--start", "2026-11-24T13:00:00Z")`.
    Given(&'a str, &'a str),
    /// A flag the user left at its default: `Default("--since", "1h")`.
    Default(&'a str, &'a str),
    /// No flag: now.
    Now,
}

impl Source<'_> {
    fn flag(&self) -> Option<&str> {
        match self {
            Source::Given(flag, _) | Source::Default(flag, _) => Some(flag),
            Source::Now => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Source::Given(flag, text) => format!("{flag} {text}"),
            Source::Default(flag, text) => format!("{flag} {text}, the default"),
            Source::Now => "now".to_string(),
        }
    }
}

/// Flags that name the two ends of one window; only these are worth swapping.
const PAIRS: [(&str, &str); 2] = [("--start", "--end"), ("--since", "--until")];

/// A window that cannot hold anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// The start is after now.
    #[error("the window starts in the future, at {start}; now is {now}: {advice}")]
    StartsInFuture {
        /// The start and where it came from.
        start: String,
        /// Now.
        now: String,
        /// What to change.
        advice: String,
    },
    /// The start is not before the end.
    #[error("the window starts at {start}, which is not before its end at {end}: {advice}")]
    NotBeforeEnd {
        /// The start and where it came from.
        start: String,
        /// The end and where it came from.
        end: String,
        /// What to change.
        advice: String,
    },
}

/// Checks that a window starts no later than `now_ms` and strictly before its end. `end` is
/// `None` when the window stays open (`replay --follow`).
pub fn check_window(
    start: (i64, Source<'_>),
    end: Option<(i64, Source<'_>)>,
    now_ms: i64,
) -> Result<(), WindowError> {
    let (start_ms, start_from) = start;
    let at = |ms: i64, from: &Source<'_>| format!("{} ({})", format_millis(ms), from.describe());
    let start_flag = start_from.flag().unwrap_or("the start");
    let earlier_start = if start_flag == "--since" {
        "a duration ago (30m) or a past time".to_string()
    } else {
        "a past time".to_string()
    };
    if start_ms > now_ms {
        return Err(WindowError::StartsInFuture {
            start: at(start_ms, &start_from),
            now: format_millis(now_ms),
            advice: format!("give {start_flag} {earlier_start}"),
        });
    }
    let Some((end_ms, end_from)) = end else {
        return Ok(());
    };
    if start_ms < end_ms {
        return Ok(());
    }
    let advice = match (start_from, end_from.flag()) {
        (Source::Given(s, _), Some(e)) if start_ms > end_ms && PAIRS.contains(&(s, e)) => {
            format!("swap {s} and {e}")
        }
        (_, Some(e)) => format!(
            "give {e} a time after {}, or give {start_flag} a time before {}",
            format_millis(start_ms),
            format_millis(end_ms)
        ),
        (_, None) => format!("give {start_flag} {earlier_start}"),
    };
    Err(WindowError::NotBeforeEnd {
        start: at(start_ms, &start_from),
        end: at(end_ms, &end_from),
        advice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000;

    #[test]
    fn durations_and_times() {
        let now = 10_000_000_000;
        assert_eq!(parse_time("30m", now).unwrap(), now - 1_800_000);
        assert_eq!(parse_time("2h", now).unwrap(), now - 7_200_000);
        assert_eq!(parse_time("45s", now).unwrap(), now - 45_000);
        assert_eq!(parse_time("1d", now).unwrap(), now - 86_400_000);
        assert_eq!(parse_time("250ms", now).unwrap(), now - 250);
        assert_eq!(
            parse_time("2026-11-24T13:00:00Z", now).unwrap(),
            1_795_525_200_000
        );
        for malformed in ["soon", "5y", "", "d", "-5m", "5 m"] {
            assert!(
                matches!(parse_time(malformed, now), Err(BadTime::Malformed(_))),
                "{malformed}"
            );
        }
    }

    #[test]
    fn huge_durations_are_out_of_range_not_a_panic() {
        for huge in [
            "999999999999999999d",
            "300000000000d",
            "9223372036854775807s",
            "99999999999999999999999999ms",
            // Fits an i64, but lands before 1970.
            "9223372036854s",
            "21000d",
        ] {
            let err = parse_time(huge, NOW).unwrap_err();
            assert_eq!(err, BadTime::OutOfRange(huge.to_string()));
            assert!(err.to_string().contains("out of range"), "{err}");
        }
    }

    #[test]
    fn times_before_1970_are_out_of_range() {
        assert!(matches!(
            parse_time("1969-12-31T23:59:59Z", NOW),
            Err(BadTime::OutOfRange(_))
        ));
        assert_eq!(parse_time("1970-01-01T00:00:00Z", NOW), Ok(0));
        assert_eq!(parse_time("9999-12-31T23:59:59.999Z", NOW), Ok(LATEST_MS));
    }

    #[test]
    fn a_window_must_start_before_it_ends() {
        let since = |text| Source::Given("--since", text);
        assert_eq!(
            check_window((NOW - 60_000, since("1m")), Some((NOW, Source::Now)), NOW),
            Ok(())
        );
        // Reversed, equal, and in the future.
        let reversed = check_window(
            (NOW - 300_000, since("5m")),
            Some((NOW - 1_800_000, Source::Given("--until", "30m"))),
            NOW,
        )
        .unwrap_err();
        assert!(matches!(reversed, WindowError::NotBeforeEnd { .. }));
        assert!(reversed.to_string().contains("swap --since and --until"));
        let equal = check_window(
            (NOW - 3_600_000, since("1h")),
            Some((NOW - 3_600_000, Source::Given("--until", "1h"))),
            NOW,
        )
        .unwrap_err();
        assert!(
            equal.to_string().contains("give --until a time after"),
            "{equal}"
        );
        let future = check_window(
            (NOW + 1, since("2030-01-01T00:00:00Z")),
            Some((NOW, Source::Now)),
            NOW,
        )
        .unwrap_err();
        assert!(matches!(future, WindowError::StartsInFuture { .. }));
        assert!(future.to_string().contains("--since 2030-01-01T00:00:00Z"));
        // An open window (--follow) may start now.
        assert_eq!(check_window((NOW, since("0s")), None, NOW), Ok(()));
        // A closed one that starts now holds nothing.
        let empty = check_window((NOW, since("0s")), Some((NOW, Source::Now)), NOW).unwrap_err();
        assert!(
            empty.to_string().contains("give --since a duration ago"),
            "{empty}"
        );
    }

    #[test]
    fn advice_names_only_the_flags_given() {
        // `trace --end <past>` with --since left at its default.
        let err = check_window(
            (NOW - 3_600_000, Source::Default("--since", "1h")),
            Some((NOW - 7_200_000, Source::Given("--end", "2026-…"))),
            NOW,
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("--start") && !err.contains("swap"), "{err}");
        assert!(err.contains("--since 1h, the default"), "{err}");
        assert!(err.contains("give --end a time after"), "{err}");
        // `trace --since 5m --end 2020-01-01T00:00:00Z`.
        let err = check_window(
            (NOW - 300_000, Source::Given("--since", "5m")),
            Some((
                1_577_836_800_000,
                Source::Given("--end", "2020-01-01T00:00:00Z"),
            )),
            NOW,
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("--start") && !err.contains("swap"), "{err}");
        assert!(
            err.contains("give --since a time before 2020-01-01T00:00:00.000Z"),
            "{err}"
        );
        // `trace --start B --end A`: the two ends of one window, swapping fixes it.
        let err = check_window(
            (NOW - 60_000, Source::Given("--start", "B")),
            Some((NOW - 120_000, Source::Given("--end", "A"))),
            NOW,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("swap --start and --end"), "{err}");
    }
}

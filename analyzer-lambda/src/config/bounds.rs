//! The range each numeric setting accepts. A value outside it is a mistake (rows that expire
//! as they are written, an invocation that stops before it starts, a problem that reopens
//! with every delivery) or would overflow the arithmetic done with it.

use std::ops::RangeInclusive;

/// A numeric setting's accepted values, their unit, and why the ends are where they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The accepted values.
    pub range: RangeInclusive<i64>,
    /// The unit, for messages (`seconds`).
    pub unit: &'static str,
    /// Why, for messages.
    pub why: &'static str,
}

impl Limit {
    /// The value of `text`, or what is wrong with it and what is allowed.
    pub fn parse(&self, text: &str) -> Result<i64, String> {
        let (min, max) = (self.range.start(), self.range.end());
        let allowed = format!(
            "use a whole number from {min} to {max} ({}; {})",
            self.unit, self.why
        );
        match text.trim().parse::<i64>() {
            Ok(n) if self.range.contains(&n) => Ok(n),
            Ok(_) => Err(format!("{text:?} is out of range: {allowed}")),
            // Digits that do not fit an i64 are out of range too, not malformed.
            Err(_)
                if text.trim().chars().all(|c| c.is_ascii_digit()) && !text.trim().is_empty() =>
            {
                Err(format!("{text:?} is out of range: {allowed}"))
            }
            Err(_) => Err(format!("{text:?} is not a whole number: {allowed}")),
        }
    }
}

/// Thirty days, the longest span the alerting windows take.
const THIRTY_DAYS_SECONDS: i64 = 30 * 86_400;
/// Lambda's longest function timeout, 15 minutes
/// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html>).
pub const LAMBDA_MAX_TIMEOUT_MS: i64 = 15 * 60 * 1000;

/// `CRITICAL_RATE_PER_MINUTE`.
pub const CRITICAL_RATE_PER_MINUTE: Limit = Limit {
    range: 0..=1_000_000_000,
    unit: "events per minute",
    why: "0 turns the rate rule off",
};
/// `ALERT_COOLDOWN_SECONDS`.
pub const COOLDOWN_SECONDS: Limit = Limit {
    range: 0..=THIRTY_DAYS_SECONDS,
    unit: "seconds",
    why: "0 for no cooldown, at most 30 days",
};
/// `QUIET_PERIOD_SECONDS`.
pub const QUIET_PERIOD_SECONDS: Limit = Limit {
    range: 60..=THIRTY_DAYS_SECONDS,
    unit: "seconds",
    why: "under a minute, the gap between two deliveries would reopen a steady problem and \
          alert again; at most 30 days",
};
/// `INCIDENT_TTL_DAYS`.
pub const TTL_DAYS: Limit = Limit {
    range: 1..=3_650,
    unit: "days",
    why: "0 would let DynamoDB delete the rows as soon as they are written; at most 10 years",
};
/// `MAX_DECOMPRESSED_BYTES`.
pub const MAX_DECOMPRESSED_BYTES: Limit = Limit {
    range: 1024 * 1024..=1024 * 1024 * 1024,
    unit: "bytes",
    why: "CloudWatch delivers up to 1 MiB of events at once, so a smaller cap drops real \
          deliveries; at most 1 GiB",
};
/// `DEADLINE_MARGIN_MS`.
pub const DEADLINE_MARGIN_MS: Limit = Limit {
    range: 0..=LAMBDA_MAX_TIMEOUT_MS,
    unit: "milliseconds",
    why: "at most Lambda's longest timeout, 15 minutes",
};
/// `WEBHOOK_TIMEOUT_MS`.
pub const WEBHOOK_TIMEOUT_MS: Limit = Limit {
    range: 100..=LAMBDA_MAX_TIMEOUT_MS,
    unit: "milliseconds",
    why: "under 100 ms no webhook answers; at most Lambda's longest timeout, 15 minutes",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_inside_pass_and_outside_say_what_is_allowed() {
        assert_eq!(TTL_DAYS.parse(" 30 "), Ok(30));
        assert_eq!(TTL_DAYS.parse("1"), Ok(1));
        let zero = TTL_DAYS.parse("0").unwrap_err();
        assert!(
            zero.contains("out of range") && zero.contains("from 1 to 3650"),
            "{zero}"
        );
        let huge = COOLDOWN_SECONDS.parse("9223372036854775808").unwrap_err();
        assert!(huge.contains("out of range"), "{huge}");
        let word = COOLDOWN_SECONDS.parse("soon").unwrap_err();
        assert!(word.contains("not a whole number"), "{word}");
        assert!(
            COOLDOWN_SECONDS
                .parse("-1")
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn the_defaults_are_inside_their_ranges() {
        use crate::config::*;
        assert!(COOLDOWN_SECONDS.range.contains(&DEFAULT_COOLDOWN_SECONDS));
        assert!(
            QUIET_PERIOD_SECONDS
                .range
                .contains(&DEFAULT_QUIET_PERIOD_SECONDS)
        );
        assert!(TTL_DAYS.range.contains(&DEFAULT_TTL_DAYS));
        assert!(
            DEADLINE_MARGIN_MS
                .range
                .contains(&(DEFAULT_DEADLINE_MARGIN_MS as i64))
        );
        assert!(
            WEBHOOK_TIMEOUT_MS
                .range
                .contains(&(crate::webhook::DEFAULT_REQUEST_TIMEOUT_MS as i64))
        );
        assert!(
            MAX_DECOMPRESSED_BYTES
                .range
                .contains(&(crate::payload::DEFAULT_MAX_DECOMPRESSED_BYTES as i64))
        );
        assert!(
            CRITICAL_RATE_PER_MINUTE
                .range
                .contains(&(crate::classify::DEFAULT_CRITICAL_RATE_PER_MINUTE as i64))
        );
    }
}

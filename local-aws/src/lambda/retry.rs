//! Lambda's retries of an asynchronous invocation whose function failed (pure).
//!
//! "If the function returns an error, by default Lambda attempts to run it two more times, with
//! a one-minute wait between the first two attempts, and two minutes between the second and
//! third attempts. Function errors include errors returned by the function's code and errors
//! returned by the function's runtime, such as timeouts." `MaximumRetryAttempts` (0-2) and
//! `MaximumEventAgeInSeconds` (60-21600) change that per function; an event that runs out of
//! attempts or age is discarded (or sent to a dead-letter destination).
//! <https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>

use std::time::Duration;

/// Default `MaximumRetryAttempts`.
pub const DEFAULT_MAX_RETRY_ATTEMPTS: u32 = 2;
/// Default `MaximumEventAgeInSeconds`: six hours.
pub const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(21_600);
/// Wait before the second attempt, then before the third.
pub const DEFAULT_RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(60), Duration::from_secs(120)];

/// How a function's failed asynchronous invocations are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0-2).
    pub max_retry_attempts: u32,
    /// Oldest an event may be when an attempt starts.
    pub max_event_age: Duration,
    /// Waits before the second and third attempts. Lambda's are 1 and 2 minutes; tests and the
    /// demo shorten them (`local-lambda --retry-delays`).
    pub delays: [Duration; 2],
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retry_attempts: DEFAULT_MAX_RETRY_ATTEMPTS,
            max_event_age: DEFAULT_MAX_EVENT_AGE,
            delays: DEFAULT_RETRY_DELAYS,
        }
    }
}

impl RetryPolicy {
    /// After `attempts_made` failed attempts of an event queued `age` ago: the wait before the
    /// next attempt, or `None` when the event is discarded.
    pub fn next_delay(&self, attempts_made: u32, age: Duration) -> Option<Duration> {
        if attempts_made == 0 || attempts_made > self.max_retry_attempts.min(2) {
            return None;
        }
        let delay = self.delays[(attempts_made - 1) as usize];
        (age + delay <= self.max_event_age).then_some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_retries_after_one_then_two_minutes() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.next_delay(1, Duration::ZERO),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            policy.next_delay(2, Duration::from_secs(61)),
            Some(Duration::from_secs(120))
        );
        assert_eq!(policy.next_delay(3, Duration::from_secs(200)), None);
    }

    #[test]
    fn configured_attempts_and_age_are_honoured() {
        let none = RetryPolicy {
            max_retry_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(none.next_delay(1, Duration::ZERO), None);
        let short = RetryPolicy {
            max_event_age: Duration::from_secs(90),
            ..RetryPolicy::default()
        };
        assert_eq!(
            short.next_delay(1, Duration::from_secs(10)),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            short.next_delay(2, Duration::from_secs(70)),
            None,
            "too old"
        );
        let many = RetryPolicy {
            max_retry_attempts: 7,
            ..RetryPolicy::default()
        };
        assert_eq!(
            many.next_delay(3, Duration::ZERO),
            None,
            "Lambda caps it at 2"
        );
    }
}

//! When to post a webhook again (pure): 429 after its `Retry-After`, 5xx, 408, timeouts and
//! connection failures after a short backoff, everything else never; and never past the
//! time left in the invocation.
//!
//! Slack answers 429 with `Retry-After` in seconds
//! (<https://api.slack.com/apis/rate-limits>); HTTP also allows an HTTP-date there
//! (<https://www.rfc-editor.org/rfc/rfc9110#name-retry-after>).

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::macros::format_description;

/// Attempts per post at most (the first included).
pub const MAX_ATTEMPTS: u32 = 5;
/// Backoff before the second attempt; doubled each time, capped at [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Longest backoff between two attempts (not counting `Retry-After`).
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The endpoint answered.
    Status {
        /// HTTP status.
        code: u16,
        /// `Retry-After`, when given and understood.
        retry_after: Option<Duration>,
    },
    /// No answer within the request's time limit.
    Timeout,
    /// Connection refused, reset, DNS, TLS...
    Transport(String),
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Delivered.
    Done,
    /// Try again after this long.
    Retry(Duration),
    /// Stop; the reason, for the log line (never the URL).
    GiveUp(String),
}

/// The backoff before attempt `attempt + 1`, `attempt` counting from 1.
pub fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(MAX_BACKOFF)
}

/// Decides after attempt number `attempt` (from 1), with `left` before the deadline.
pub fn decide(outcome: &Attempt, attempt: u32, left: Duration) -> Decision {
    let (wait, what) = match outcome {
        Attempt::Status { code, .. } if (200..300).contains(code) => return Decision::Done,
        Attempt::Status {
            code: 429,
            retry_after,
        } => (
            retry_after.unwrap_or_else(|| backoff(attempt)),
            "rate limited (429)".to_string(),
        ),
        Attempt::Status { code, .. } if *code == 408 || (500..600).contains(code) => {
            (backoff(attempt), format!("answered {code}"))
        }
        Attempt::Status { code, .. } => {
            return Decision::GiveUp(format!(
                "refused the message with {code}; check that the webhook still exists (re-run `provision up` with a new URL if it was removed)"
            ));
        }
        Attempt::Timeout => (backoff(attempt), "timed out".to_string()),
        Attempt::Transport(error) => (backoff(attempt), format!("unreachable ({error})")),
    };
    if attempt >= MAX_ATTEMPTS {
        return Decision::GiveUp(format!("{what} on all {MAX_ATTEMPTS} attempts"));
    }
    if wait >= left {
        return Decision::GiveUp(format!(
            "{what}; waiting {:.1}s more would pass the invocation's deadline",
            wait.as_secs_f64()
        ));
    }
    Decision::Retry(wait)
}

/// Parses a `Retry-After` value: delay seconds or an HTTP-date (IMF-fixdate).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, format)
        .ok()?
        .assume_utc();
    let now = OffsetDateTime::from(now);
    Some(Duration::try_from(at - now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLENTY: Duration = Duration::from_secs(60);

    fn status(code: u16) -> Attempt {
        Attempt::Status {
            code,
            retry_after: None,
        }
    }

    #[test]
    fn success_is_done() {
        assert_eq!(decide(&status(200), 1, PLENTY), Decision::Done);
        assert_eq!(decide(&status(202), 1, PLENTY), Decision::Done);
    }

    #[test]
    fn honours_retry_after() {
        let limited = Attempt::Status {
            code: 429,
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            decide(&limited, 1, PLENTY),
            Decision::Retry(Duration::from_secs(3))
        );
        assert!(matches!(
            decide(&limited, 1, Duration::from_secs(2)),
            Decision::GiveUp(reason) if reason.contains("deadline")
        ));
    }

    #[test]
    fn server_errors_and_timeouts_back_off_then_give_up() {
        assert_eq!(
            decide(&status(500), 1, PLENTY),
            Decision::Retry(FIRST_BACKOFF)
        );
        assert_eq!(
            decide(&Attempt::Timeout, 2, PLENTY),
            Decision::Retry(FIRST_BACKOFF * 2)
        );
        assert_eq!(
            decide(&Attempt::Transport("refused".into()), 9, PLENTY),
            Decision::GiveUp("unreachable (refused) on all 5 attempts".into())
        );
        assert_eq!(backoff(30), MAX_BACKOFF);
    }

    #[test]
    fn client_errors_are_final() {
        for code in [400, 403, 404, 410] {
            assert!(matches!(
                decide(&status(code), 1, PLENTY),
                Decision::GiveUp(_)
            ));
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example date).
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}

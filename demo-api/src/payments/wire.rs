//! The HTTP contract between the orders service and the payments service (pure).
//!
//! `POST /charges` with a [`Charge`](super::Charge) body:
//!
//! | status | body | meaning |
//! |---|---|---|
//! | 201 | `{"payment_id": "pay_…"}` | captured |
//! | 402 | `{"error": "…", "reason": "insufficient_funds"}` | declined by the issuer |
//! | 504 | `{"error": "…"}` | the card processor did not answer in time |
//! | 400 | `{"error": "…"}` | a body the payments service does not accept |

use serde::{Deserialize, Serialize};

use super::ProviderError;

/// The path of the charge endpoint of the payments service.
pub const CHARGES_PATH: &str = "/charges";

/// Longest part of an unexpected body quoted in an error.
const MAX_QUOTED_BODY: usize = 200;

/// The 201 body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approved {
    /// The provider's id of the captured payment.
    pub payment_id: String,
}

/// The body of every failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// What went wrong, in words.
    pub error: String,
    /// The issuer's reason code, for a decline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What an answer of the payments service means to its caller.
pub fn interpret(status: u16, body: &[u8]) -> Result<String, ProviderError> {
    let refusal = || serde_json::from_slice::<Refusal>(body).ok();
    match status {
        200 | 201 => serde_json::from_slice::<Approved>(body)
            .map(|a| a.payment_id)
            .map_err(|_| ProviderError::BadAnswer {
                status,
                message: format!("not a payment_id: {}", quote(body)),
            }),
        402 => Err(ProviderError::Declined {
            reason: refusal()
                .and_then(|r| r.reason)
                .unwrap_or_else(|| "unknown".to_owned()),
        }),
        504 => Err(ProviderError::UpstreamTimedOut {
            message: refusal().map_or_else(|| quote(body), |r| r.error),
        }),
        _ => Err(ProviderError::BadAnswer {
            status,
            message: refusal().map_or_else(|| quote(body), |r| r.error),
        }),
    }
}

fn quote(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut end = text.len().min(MAX_QUOTED_BODY);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_gives_the_payment_id() {
        let body = serde_json::to_vec(&Approved {
            payment_id: "pay_1".into(),
        })
        .unwrap();
        assert_eq!(interpret(201, &body).unwrap(), "pay_1");
        assert!(matches!(
            interpret(201, b"{}"),
            Err(ProviderError::BadAnswer { status: 201, .. })
        ));
    }

    #[test]
    fn a_decline_keeps_the_reason() {
        let body = br#"{"error":"card declined by issuer: do_not_honor","reason":"do_not_honor"}"#;
        let Err(ProviderError::Declined { reason }) = interpret(402, body) else {
            panic!("not a decline")
        };
        assert_eq!(reason, "do_not_honor");
        let Err(ProviderError::Declined { reason }) = interpret(402, b"nope") else {
            panic!("not a decline")
        };
        assert_eq!(reason, "unknown");
    }

    #[test]
    fn timeouts_and_failures_keep_the_services_words() {
        let Err(ProviderError::UpstreamTimedOut { message }) = interpret(
            504,
            br#"{"error":"payment provider did not answer within 9 ms"}"#,
        ) else {
            panic!("not a timeout")
        };
        assert_eq!(message, "payment provider did not answer within 9 ms");
        let Err(ProviderError::BadAnswer { status, message }) = interpret(500, b"boom") else {
            panic!("not a failure")
        };
        assert_eq!((status, message.as_str()), (500, "\"boom\""));
        let long = "é".repeat(MAX_QUOTED_BODY);
        assert!(matches!(
            interpret(503, long.as_bytes()),
            Err(ProviderError::BadAnswer { status: 503, .. })
        ));
    }
}

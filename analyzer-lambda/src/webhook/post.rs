//! Posting one message to one webhook, retried as [`super::retry`] decides, until a
//! deadline. Errors are described without the URL (reqwest puts it in its messages).

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::retry::{Attempt, Decision, decide, parse_retry_after};
use super::url::WebhookUrl;

/// How a post ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Requests made.
    pub attempts: u32,
    /// `Ok` when delivered; the reason otherwise (no URL in it).
    pub result: Result<(), String>,
}

/// An HTTP client for webhooks: one per cold start (it keeps connections alive).
#[derive(Debug, Clone)]
pub struct Poster {
    client: reqwest::Client,
    request_timeout: Duration,
}

impl Poster {
    /// A poster whose requests each take at most `request_timeout`. Redirects are not
    /// followed: a webhook that redirects is misconfigured, and following could leave
    /// the host the user gave.
    pub fn new(request_timeout: Duration) -> Result<Poster, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("logpipe-analyzer/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                format!(
                    "building the webhook HTTP client failed: {}",
                    e.without_url()
                )
            })?;
        Ok(Poster {
            client,
            request_timeout,
        })
    }

    async fn attempt(&self, url: &WebhookUrl, body: &[u8], timeout: Duration) -> Attempt {
        let sent = self
            .client
            .post(url.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .timeout(timeout)
            .send()
            .await;
        match sent {
            Ok(response) => Attempt::Status {
                code: response.status().as_u16(),
                retry_after: response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now())),
            },
            Err(err) if err.is_timeout() => Attempt::Timeout,
            Err(err) => Attempt::Transport(describe(err)),
        }
    }

    /// Posts `message` to `url`, retrying until delivered, refused, or `until`.
    pub async fn deliver(&self, url: &WebhookUrl, message: &Value, until: Instant) -> Delivery {
        let body = message.to_string().into_bytes();
        let mut attempts = 0;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Delivery {
                    attempts,
                    result: Err("no time left before the invocation's deadline".into()),
                };
            }
            attempts += 1;
            let outcome = self
                .attempt(url, &body, self.request_timeout.min(left))
                .await;
            let left = until.saturating_duration_since(Instant::now());
            match decide(&outcome, attempts, left) {
                Decision::Done => {
                    return Delivery {
                        attempts,
                        result: Ok(()),
                    };
                }
                Decision::GiveUp(reason) => {
                    return Delivery {
                        attempts,
                        result: Err(reason),
                    };
                }
                Decision::Retry(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

/// A transport error in words, without the URL.
fn describe(err: reqwest::Error) -> String {
    let kind = if err.is_connect() {
        "connection failed"
    } else if err.is_request() {
        "request failed"
    } else if err.is_body() || err.is_decode() {
        "response broken"
    } else {
        "HTTP error"
    };
    let mut text = kind.to_string();
    let err = err.without_url();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

//! The webhook URLs, read from the Secrets Manager secret that `provision` writes.
//!
//! The secret's value is a JSON object: `{"slack": "<url>", "teams": "<url>"}` (either key may
//! be absent). The function's environment holds only the secret's ARN
//! (`ALERT_WEBHOOKS_SECRET`), and its role may read only that secret, so the URLs are in
//! neither the function's configuration nor its logs. They are read once, at the first alert
//! after a cold start; a failed read is retried at the next alert.

use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::WebhookUrls;
use super::url::WebhookUrl;

/// The secret's JSON value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretValue {
    /// Slack incoming-webhook URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<String>,
    /// Teams Workflows webhook URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<String>,
}

impl SecretValue {
    /// Parses and validates the secret string. Errors never quote the value.
    pub fn parse(raw: &str) -> Result<WebhookUrls, String> {
        let value: SecretValue = serde_json::from_str(raw).map_err(|_| {
            "is not a JSON object {\"slack\": url, \"teams\": url}; re-run `provision up` with the webhook flags".to_string()
        })?;
        let parse = |what, url: &Option<String>| {
            url.as_deref()
                .map(|u| WebhookUrl::parse(what, u))
                .transpose()
                .map_err(|e| e.to_string())
        };
        Ok(WebhookUrls {
            slack: parse("Slack", &value.slack)?,
            teams: parse("Teams", &value.teams)?,
        })
    }

    /// The secret string for these URLs.
    pub fn render(urls: &WebhookUrls) -> String {
        serde_json::to_string(&SecretValue {
            slack: urls.slack.as_ref().map(|u| u.expose().to_string()),
            teams: urls.teams.as_ref().map(|u| u.expose().to_string()),
        })
        .unwrap_or_default()
    }
}

/// The URLs behind a secret, fetched on first use.
#[derive(Debug)]
pub struct SecretUrls {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    urls: OnceCell<WebhookUrls>,
}

impl SecretUrls {
    /// URLs in the secret `secret_id` (ARN or name).
    pub fn new(client: aws_sdk_secretsmanager::Client, secret_id: impl Into<String>) -> SecretUrls {
        SecretUrls {
            client,
            secret_id: secret_id.into(),
            urls: OnceCell::new(),
        }
    }

    /// The URLs, read now if not yet read.
    pub async fn get(&self) -> Result<&WebhookUrls, String> {
        self.urls
            .get_or_try_init(|| async {
                let output = self
                    .client
                    .get_secret_value()
                    .secret_id(&self.secret_id)
                    .send()
                    .await
                    .map_err(|e| {
                        format!(
                            "reading the webhook secret {} failed: {}",
                            self.secret_id,
                            crate::retry::describe(&e)
                        )
                    })?;
                let raw = output.secret_string().ok_or_else(|| {
                    format!("the webhook secret {} has no string value", self.secret_id)
                })?;
                SecretValue::parse(raw)
                    .map_err(|e| format!("the webhook secret {} {e}", self.secret_id))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_validates() {
        let urls = SecretValue::parse(
            r#"{"slack": "https://hooks.slack.com/services/A/B/C", "teams": "http://127.0.0.1:9/t"}"#,
        )
        .unwrap();
        assert_eq!(
            urls.slack.as_ref().unwrap().expose(),
            "https://hooks.slack.com/services/A/B/C"
        );
        assert_eq!(
            SecretValue::parse(&SecretValue::render(&urls)).unwrap(),
            urls
        );
        assert_eq!(SecretValue::parse("{}").unwrap(), WebhookUrls::default());
        let err = SecretValue::parse(r#"{"slack": "http://evil.example/SECRETPATH"}"#).unwrap_err();
        assert!(
            err.contains("https://") && !err.contains("SECRETPATH"),
            "{err}"
        );
        assert!(
            !SecretValue::parse("SECRETPATH")
                .unwrap_err()
                .contains("SECRETPATH")
        );
    }
}

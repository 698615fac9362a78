//! A webhook URL: validated once, never shown. Its path is the secret (anyone holding it
//! can post to the channel), so `Debug` and `Display` print only the scheme and host.

use std::fmt;

/// Hosts over which plain `http://` is accepted: local stand-ins for Slack and Teams (the
/// demo and the tests). Everything else must be `https://`.
pub const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// A URL that is not acceptable as a webhook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUrl {
    /// Not a URL at all.
    #[error("the {0} webhook URL is not a valid URL; copy it again from the channel's settings")]
    Malformed(&'static str),
    /// Not https (and not a loopback http stand-in).
    #[error(
        "the {0} webhook URL must start with https:// (http:// is accepted only for 127.0.0.1 or localhost, for local stand-ins)"
    )]
    NotHttps(&'static str),
    /// Credentials in the URL.
    #[error("the {0} webhook URL must not contain a user name or password")]
    Credentials(&'static str),
}

/// A validated webhook URL. `Debug` / `Display` redact it; [`WebhookUrl::expose`] is the
/// only way to the full text, used by the HTTP client and by `provision` when storing it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: reqwest::Url,
}

impl WebhookUrl {
    /// Validates `raw` as the URL of the `what` webhook (`"Slack"`, `"Teams"`).
    pub fn parse(what: &'static str, raw: &str) -> Result<WebhookUrl, InvalidUrl> {
        let url = reqwest::Url::parse(raw.trim()).map_err(|_| InvalidUrl::Malformed(what))?;
        let host = url.host_str().ok_or(InvalidUrl::Malformed(what))?;
        match url.scheme() {
            "https" => {}
            "http" if LOOPBACK_HOSTS.contains(&host) => {}
            _ => return Err(InvalidUrl::NotHttps(what)),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidUrl::Credentials(what));
        }
        Ok(WebhookUrl { url })
    }

    /// The full URL, secret included: for the HTTP request and the secret store only.
    pub fn expose(&self) -> &str {
        self.url.as_str()
    }

    /// `https://hooks.slack.com/…`: safe to print.
    pub fn redacted(&self) -> String {
        format!(
            "{}://{}/…",
            self.url.scheme(),
            self.url.host_str().unwrap_or_default()
        )
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({})", self.redacted())
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLACK: &str = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";

    #[test]
    fn accepts_https_and_loopback_http() {
        assert_eq!(WebhookUrl::parse("Slack", SLACK).unwrap().expose(), SLACK);
        for local in [
            "http://127.0.0.1:8080/slack",
            "http://localhost:9/x",
            "http://[::1]:1/t",
        ] {
            assert!(WebhookUrl::parse("Teams", local).is_ok(), "{local}");
        }
    }

    #[test]
    fn refuses_the_rest_with_a_reason() {
        assert_eq!(
            WebhookUrl::parse("Slack", "http://hooks.slack.com/services/x"),
            Err(InvalidUrl::NotHttps("Slack"))
        );
        assert_eq!(
            WebhookUrl::parse("Slack", "hooks.slack.com/x"),
            Err(InvalidUrl::Malformed("Slack"))
        );
        assert_eq!(
            WebhookUrl::parse("Teams", "https://u:p@example.com/x"),
            Err(InvalidUrl::Credentials("Teams"))
        );
        assert_eq!(
            WebhookUrl::parse("Teams", "ftp://example.com/x"),
            Err(InvalidUrl::NotHttps("Teams"))
        );
    }

    #[test]
    fn never_shows_the_secret_part() {
        let url = WebhookUrl::parse("Slack", SLACK).unwrap();
        for shown in [format!("{url}"), format!("{url:?}"), url.redacted()] {
            assert!(
                !shown.contains("secret") && !shown.contains("T000"),
                "{shown}"
            );
            assert!(shown.contains("hooks.slack.com"));
        }
    }
}

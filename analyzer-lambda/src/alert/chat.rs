//! The custom notification of AWS's chat integration (AWS Chatbot, now "Amazon Q Developer in
//! chat applications"), which renders it in Slack, Microsoft Teams and Amazon Chime.
//!
//! Schema: <https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html>
//! (`version` must be `1.0`, `source` must be `custom`; `content.textType` only
//! `client-markdown`; `content.title` / `description` / `nextSteps` / `keywords`; `metadata`
//! with `threadId`, `summary`, `eventType`, `relatedResources` and the string map
//! `additionalContext`). Anything else the integration shows poorly or drops.
//!
//! - `metadata.threadId` is per fingerprint, so an escalation lands in the thread of the
//!   alert that opened it (when the channel allows threads).
//! - The integration subscribes to the topic as an **HTTPS** endpoint, so this is the `https`
//!   message of the SNS publish (see [`super::sns`]). Other HTTPS subscribers therefore
//!   receive this document too: every field of the structured alert
//!   ([`super::document`]) is also in `metadata.additionalContext`, as strings, so that they
//!   lose nothing (and chat custom actions can read them as variables).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::Alert;
use super::document::AlertDocument;
use super::message::{console_url, subject};
use crate::classify::Severity;
use crate::incident::{format_millis, truncate};

/// `version` the schema requires.
pub const VERSION: &str = "1.0";
/// `source` the schema requires.
pub const SOURCE: &str = "custom";
/// The only `textType` the integration supports.
pub const TEXT_TYPE: &str = "client-markdown";
/// `metadata.eventType` of our alerts (letters, digits and `-`, as custom actions' notification
/// types are; <https://docs.aws.amazon.com/chatbot/latest/APIReference/API_CustomActionAttachment.html>).
pub const EVENT_TYPE: &str = "logpipe-alert";
/// Our cap on the description: the sample message is the only unbounded part.
pub const MAX_DESCRIPTION_BYTES: usize = 4 * 1024;
/// How many trace ids get their own next step (the rest are in `additionalContext`).
pub const MAX_TRACE_STEPS: usize = 3;

/// `content` of the notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// [`TEXT_TYPE`].
    pub text_type: &'static str,
    /// Emoji, severity, service, pattern, event.
    pub title: String,
    /// The facts, in markdown.
    pub description: String,
    /// What to do: the `trace` commands, the console links.
    pub next_steps: Vec<String>,
    /// Severity, service, event type.
    pub keywords: Vec<String>,
}

/// `metadata` of the notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// One thread per fingerprint.
    pub thread_id: String,
    /// The subject line.
    pub summary: String,
    /// [`EVENT_TYPE`].
    pub event_type: &'static str,
    /// The log group of the latest event.
    pub related_resources: Vec<String>,
    /// Every field of the structured alert, as strings.
    pub additional_context: BTreeMap<String, String>,
}

/// The notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatNotification {
    /// [`VERSION`].
    pub version: &'static str,
    /// [`SOURCE`].
    pub source: &'static str,
    /// [`Alert::id`].
    pub id: String,
    /// What is shown.
    pub content: Content,
    /// Threading and context.
    pub metadata: Metadata,
}

/// The emoji that opens titles of this severity (Slack and Teams both render the shortcodes
/// in the integration's markdown).
pub fn severity_emoji(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => ":rotating_light:",
        Severity::Medium => ":warning:",
        Severity::Low => ":information_source:",
    }
}

/// The thread of a fingerprint's alerts.
pub fn thread_id(fingerprint: &str) -> String {
    format!("logpipe-{fingerprint}")
}

impl ChatNotification {
    /// The notification of an alert.
    pub fn new(alert: &Alert) -> ChatNotification {
        let count = if alert.count == alert.total_count {
            format!("{} since first seen", alert.count)
        } else {
            format!(
                "{} since it reopened ({} in total)",
                alert.count, alert.total_count
            )
        };
        let mut description = format!(
            "*Service:* {}\n*Severity:* {}\n*Event:* {}\n*Count:* {count}\n*First seen:* {}\n*Last seen:* {}\n",
            alert.service,
            alert.severity,
            alert.event_type.as_str(),
            format_millis(alert.first_seen_ms),
            format_millis(alert.last_seen_ms),
        );
        if let Some(error_type) = &alert.error_type {
            description.push_str(&format!("*Error type:* {error_type}\n"));
        }
        description.push_str(&format!(
            "*Log group:* {}\n*Fingerprint:* {}\n*Sample:*\n```\n{}\n```",
            alert.log_group,
            alert.fingerprint,
            truncate(&alert.sample_message, MAX_DESCRIPTION_BYTES / 2).replace("```", "'''"),
        ));
        let links = alert.trace_links();
        let mut next_steps = Vec::new();
        for link in links.iter().take(MAX_TRACE_STEPS) {
            match &link.command {
                Some(command) => next_steps.push(format!("Run `{command}`")),
                None => next_steps.push(format!("Search trace {}", link.trace_id)),
            }
            next_steps.push(format!(
                "Query trace {} in Logs Insights: {}",
                link.trace_id, link.insights_url
            ));
        }
        next_steps.push(format!("Open the log stream: {}", console_url(alert)));

        let document = serde_json::to_value(AlertDocument::new(alert)).unwrap_or_default();
        let additional_context = document
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (key.clone(), text)
            })
            .collect();
        ChatNotification {
            version: VERSION,
            source: SOURCE,
            id: alert.id(),
            content: Content {
                text_type: TEXT_TYPE,
                title: format!("{} {}", severity_emoji(alert.severity), subject(alert)),
                description: truncate(&description, MAX_DESCRIPTION_BYTES).to_string(),
                next_steps,
                keywords: vec![
                    alert.severity.as_str().to_string(),
                    alert.service.clone(),
                    alert.event_type.as_str().to_string(),
                ],
            },
            metadata: Metadata {
                thread_id: thread_id(&alert.fingerprint),
                summary: subject(alert),
                event_type: EVENT_TYPE,
                related_resources: vec![alert.log_group.clone()],
                additional_context,
            },
        }
    }

    /// As a JSON string.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The documented event schema: required `version` = `1.0` and `source` = `custom`;
/// optional `id`; `content` with `textType` (`client-markdown`), `title`, `description`
/// (strings), `nextSteps`, `keywords` (arrays of strings); `metadata` with `threadId`,
/// `summary`, `eventType` (strings), `relatedResources` (array of strings),
/// `additionalContext` (object of strings). No other keys.
/// <https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html>
pub fn check(n: &Value) -> Result<(), String> {
    let only = |v: &Value, keys: &[&str]| -> Result<(), String> {
        let object = v.as_object().ok_or(format!("{v} is not an object"))?;
        match object.keys().find(|k| !keys.contains(&k.as_str())) {
            Some(k) => Err(format!("undocumented key {k}")),
            None => Ok(()),
        }
    };
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    only(n, &["version", "source", "id", "content", "metadata"])?;
    if n["version"] != "1.0" || n["source"] != "custom" {
        return Err("version must be 1.0 and source custom".into());
    }
    if !n.get("id").is_none_or(Value::is_string) {
        return Err("id is not a string".into());
    }
    let c = &n["content"];
    only(
        c,
        &["textType", "title", "description", "nextSteps", "keywords"],
    )?;
    if c["textType"] != "client-markdown" {
        return Err("textType must be client-markdown".into());
    }
    if !c["description"].is_string() || !c.get("title").is_none_or(Value::is_string) {
        return Err("title/description are not strings".into());
    }
    if !c.get("nextSteps").is_none_or(strings) || !c.get("keywords").is_none_or(strings) {
        return Err("nextSteps/keywords are not arrays of strings".into());
    }
    let m = &n["metadata"];
    only(
        m,
        &[
            "threadId",
            "summary",
            "eventType",
            "relatedResources",
            "additionalContext",
        ],
    )?;
    for key in ["threadId", "summary", "eventType"] {
        if !m.get(key).is_none_or(Value::is_string) {
            return Err(format!("{key} is not a string"));
        }
    }
    if !m.get("relatedResources").is_none_or(strings) {
        return Err("relatedResources is not an array of strings".into());
    }
    if !m.get("additionalContext").is_none_or(|v| {
        v.as_object()
            .is_some_and(|o| o.values().all(Value::is_string))
    }) {
        return Err("additionalContext is not a map of strings".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::document::tests::alert;
    use serde_json::Value;

    #[test]
    fn follows_the_documented_schema() {
        let n: Value = serde_json::from_str(&ChatNotification::new(&alert()).to_json()).unwrap();
        check(&n).unwrap();
        assert_eq!(
            n["content"]["title"],
            ":rotating_light: [CRITICAL] orders-api: payment <num> failed (escalated)"
        );
        let steps: Vec<&str> = n["content"]["nextSteps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(steps[0].starts_with(
            "Run `analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736 --log-group /demo/orders-api"
        ));
        assert!(steps[1].contains("#logsV2:logs-insights$3FqueryDetail$3D"));
        assert!(steps[2].starts_with("Open the log stream: https://eu-west-1.console"));
    }

    #[test]
    fn escalations_share_the_thread_of_their_fingerprint() {
        let opened = {
            let mut a = alert();
            a.event_type = crate::aggregate::EventType::Opened;
            a.token = "another batch".into();
            ChatNotification::new(&a)
        };
        let escalated = ChatNotification::new(&alert());
        assert_eq!(opened.metadata.thread_id, escalated.metadata.thread_id);
        assert_ne!(opened.id, escalated.id);
    }

    #[test]
    fn https_consumers_find_every_structured_field_in_the_context() {
        let n = ChatNotification::new(&alert());
        let doc: Value = serde_json::to_value(AlertDocument::new(&alert())).unwrap();
        let context = &n.metadata.additional_context;
        for (key, value) in doc.as_object().unwrap() {
            let text = context.get(key).unwrap_or_else(|| panic!("{key} missing"));
            match value {
                Value::String(s) => assert_eq!(text, s),
                other => assert_eq!(serde_json::from_str::<Value>(text).unwrap(), *other),
            }
        }
    }
}

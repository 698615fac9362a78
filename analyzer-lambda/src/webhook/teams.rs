//! The Microsoft Teams message of an alert: an Adaptive Card in a message attachment, as a
//! Teams Workflows ("Post to a channel when a webhook request is received") webhook expects.
//!
//! - Message shape (`type: message`, one attachment of content type
//!   `application/vnd.microsoft.card.adaptive` whose `content` is the card):
//!   <https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook>
//!   and the Workflows template:
//!   <https://support.microsoft.com/en-us/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498>.
//! - Card schema 1.4 (`TextBlock`, `FactSet`, `Action.OpenUrl`): <https://adaptivecards.io/explorer/>;
//!   Teams renders 1.4 everywhere (<https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-reference#adaptive-card>).
//! - A Teams message is at most 28 KB:
//!   <https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#rate-limiting-for-connectors>.

use serde_json::{Value, json};

use crate::alert::Alert;
use crate::alert::message::{MAX_SAMPLE_BYTES, console_url, subject};
use crate::classify::Severity;
use crate::incident::{format_millis, truncate};

/// Adaptive Card schema version used.
pub const CARD_VERSION: &str = "1.4";
/// Content type of an Adaptive Card attachment.
pub const CARD_CONTENT_TYPE: &str = "application/vnd.microsoft.card.adaptive";
/// Largest Teams message, bytes.
pub const MAX_MESSAGE_BYTES: usize = 28 * 1024;
/// Trace ids that get their own "Logs Insights" button (Teams shows a handful of actions).
pub const MAX_TRACE_ACTIONS: usize = 3;

/// The emoji that opens the card title (plain Unicode: cards do not expand shortcodes).
pub fn severity_emoji(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🚨",
        Severity::Medium => "⚠️",
        Severity::Low => "ℹ️",
    }
}

/// The card colour of a severity (`Attention` red, `Warning` amber, `Accent` blue).
pub fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Attention",
        Severity::Medium => "Warning",
        Severity::Low => "Accent",
    }
}

fn text(text: &str) -> Value {
    json!({ "type": "TextBlock", "text": text, "wrap": true })
}

fn monospace(text: &str) -> Value {
    json!({ "type": "TextBlock", "text": text, "wrap": true, "fontType": "Monospace" })
}

fn heading(text: &str) -> Value {
    json!({ "type": "TextBlock", "text": text, "wrap": true, "weight": "Bolder", "spacing": "Medium" })
}

fn card(alert: &Alert, sample_bytes: usize, traces: usize) -> Value {
    let count = if alert.count == alert.total_count {
        format!("{} since first seen", alert.count)
    } else {
        format!(
            "{} since it reopened ({} in total)",
            alert.count, alert.total_count
        )
    };
    let mut facts = vec![
        ("Service", alert.service.clone()),
        ("Severity", alert.severity.as_str().to_string()),
        ("Event", alert.event_type.as_str().to_string()),
        ("Count", count),
        ("First seen", format_millis(alert.first_seen_ms)),
        ("Last seen", format_millis(alert.last_seen_ms)),
        ("Log group", alert.log_group.clone()),
    ];
    if let Some(error_type) = &alert.error_type {
        facts.push(("Error type", error_type.clone()));
    }
    let facts: Vec<Value> = facts
        .into_iter()
        .map(|(title, value)| json!({ "title": title, "value": value }))
        .collect();
    let links = alert.trace_links();
    let mut body = vec![
        json!({
            "type": "TextBlock",
            "text": format!("{} {} · {}", severity_emoji(alert.severity), alert.severity, alert.service),
            "wrap": true,
            "size": "Large",
            "weight": "Bolder",
            "color": colour(alert.severity),
        }),
        text(&format!(
            "{} ({})",
            alert.pattern,
            alert.event_type.as_str()
        )),
        json!({ "type": "FactSet", "facts": facts }),
        heading("Sample"),
        monospace(truncate(&alert.sample_message, sample_bytes)),
    ];
    if !links.is_empty() {
        let ids: Vec<&str> = links.iter().map(|l| l.trace_id.as_str()).collect();
        body.push(heading("Trace ids"));
        body.push(monospace(&ids.join(", ")));
    }
    let commands: Vec<&str> = links
        .iter()
        .take(traces)
        .filter_map(|l| l.command.as_deref())
        .collect();
    if !commands.is_empty() {
        body.push(heading("See the whole trace"));
        for command in commands {
            body.push(monospace(command));
        }
    }
    body.push(json!({
        "type": "TextBlock",
        "text": format!("fingerprint {} · logpipe", alert.fingerprint),
        "wrap": true,
        "isSubtle": true,
        "size": "Small",
    }));
    let mut actions = vec![json!({
        "type": "Action.OpenUrl",
        "title": "Open the log stream",
        "url": console_url(alert),
    })];
    for link in links.iter().take(traces) {
        let short: String = link.trace_id.chars().take(8).collect();
        actions.push(json!({
            "type": "Action.OpenUrl",
            "title": format!("Trace {short}… in Logs Insights"),
            "url": link.insights_url,
        }));
    }
    json!({
        "type": "message",
        "summary": subject(alert),
        "attachments": [{
            "contentType": CARD_CONTENT_TYPE,
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": CARD_VERSION,
                "msteams": { "width": "Full" },
                "body": body,
                "actions": actions,
            },
        }],
    })
}

/// The message posted for an alert, within [`MAX_MESSAGE_BYTES`] (the sample and the trace
/// details shrink first).
pub fn message(alert: &Alert) -> Value {
    let mut sample = MAX_SAMPLE_BYTES;
    let mut traces = MAX_TRACE_ACTIONS;
    loop {
        let message = card(alert, sample, traces);
        if message.to_string().len() <= MAX_MESSAGE_BYTES || (sample == 0 && traces == 0) {
            return message;
        }
        if traces > 0 {
            traces -= 1;
        } else {
            sample /= 4;
        }
    }
}

/// Checks a message against the documented shape (module docs): a `message` with one
/// Adaptive Card attachment, card 1.4, known element and action types.
pub fn check(m: &Value) -> Result<(), String> {
    if m["type"] != "message" {
        return Err("type must be message".into());
    }
    let attachments = m["attachments"].as_array().ok_or("no attachments")?;
    if attachments.len() != 1 || attachments[0]["contentType"] != CARD_CONTENT_TYPE {
        return Err("one Adaptive Card attachment expected".into());
    }
    let card = &attachments[0]["content"];
    if card["type"] != "AdaptiveCard" || card["version"] != CARD_VERSION {
        return Err("not an Adaptive Card 1.4".into());
    }
    for element in card["body"].as_array().ok_or("no body")? {
        match element["type"].as_str() {
            Some("TextBlock") if element["text"].is_string() => {}
            Some("FactSet") => {
                let facts = element["facts"].as_array().ok_or("facts")?;
                if !facts
                    .iter()
                    .all(|f| f["title"].is_string() && f["value"].is_string())
                {
                    return Err("fact without title/value".into());
                }
            }
            _ => return Err(format!("unexpected element {element}")),
        }
    }
    for action in card["actions"].as_array().ok_or("no actions")? {
        let url = action["url"].as_str().unwrap_or_default();
        if action["type"] != "Action.OpenUrl"
            || !action["title"].is_string()
            || !url.starts_with("https://")
        {
            return Err(format!("bad action {action}"));
        }
    }
    if m.to_string().len() > MAX_MESSAGE_BYTES {
        return Err("message over 28 KB".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::document::tests::alert;

    #[test]
    fn message_has_the_documented_shape_and_content() {
        let m = message(&alert());
        check(&m).unwrap();
        let card = &m["attachments"][0]["content"];
        assert_eq!(card["body"][0]["text"], "🚨 CRITICAL · orders-api");
        assert_eq!(card["body"][0]["color"], "Attention");
        let facts = card["body"][2]["facts"].as_array().unwrap();
        assert!(facts.contains(&json!({"title": "Service", "value": "orders-api"})));
        assert!(facts.contains(&json!({"title": "Error type", "value": "CardDeclined"})));
        let all = card.to_string();
        assert!(all.contains("analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736"));
        let actions = card["actions"].as_array().unwrap();
        assert_eq!(actions[0]["title"], "Open the log stream");
        assert_eq!(actions[1]["title"], "Trace 4bf92f35… in Logs Insights");
    }

    #[test]
    fn huge_alerts_fit_28_kb() {
        let mut a = alert();
        a.trace_ids = (1..=10).map(|i| format!("{i:032x}")).collect();
        a.sample_message = "x".repeat(100_000);
        a.log_group = "/g".repeat(200);
        check(&message(&a)).unwrap();
    }
}

//! The Slack incoming-webhook message of an alert: Block Kit blocks, with the severity's
//! colour on a secondary attachment.
//!
//! - Incoming webhooks take `text` (the notification and fallback text) and `blocks`:
//!   <https://api.slack.com/messaging/webhooks>.
//! - Block limits: <https://api.slack.com/reference/block-kit/blocks> (header text 150
//!   characters; section text 3,000; at most 10 fields of 2,000; 50 blocks a message).
//! - A colour bar exists only on attachments, which may carry blocks:
//!   <https://api.slack.com/reference/messaging/attachments>.
//! - mrkdwn needs `&`, `<`, `>` escaped: <https://api.slack.com/reference/surfaces/formatting#escaping>.
//!
//! Links to the console and to the trace are mrkdwn links (`<url|text>`), not buttons: a
//! button also sends an interaction to the app, which an incoming webhook has nowhere to
//! handle, so Slack would flag each click as failed.

use serde_json::{Value, json};

use crate::alert::Alert;
use crate::alert::chat::severity_emoji;
use crate::alert::message::{MAX_SAMPLE_BYTES, console_url, subject};
use crate::classify::Severity;
use crate::incident::{format_millis, truncate};

/// Longest header text.
pub const MAX_HEADER_CHARS: usize = 150;
/// Longest section text.
pub const MAX_SECTION_CHARS: usize = 3000;
/// Most fields in a section.
pub const MAX_FIELDS: usize = 10;
/// Longest field text.
pub const MAX_FIELD_CHARS: usize = 2000;
/// Most blocks in a message.
pub const MAX_BLOCKS: usize = 50;

/// The attachment colour of a severity.
pub fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#D32F2F",
        Severity::Medium => "#F9A825",
        Severity::Low => "#1E88E5",
    }
}

/// Escapes text for mrkdwn.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cut_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => {
            let mut cut: String = text[..end].chars().take(max.saturating_sub(1)).collect();
            cut.push('…');
            cut
        }
        None => text.to_string(),
    }
}

fn mrkdwn(text: &str, max: usize) -> Value {
    json!({ "type": "mrkdwn", "text": cut_chars(text, max) })
}

fn section(text: &str) -> Value {
    json!({ "type": "section", "text": mrkdwn(text, MAX_SECTION_CHARS) })
}

/// The message posted for an alert.
pub fn message(alert: &Alert) -> Value {
    let title = subject(alert);
    let header = format!(
        "{} {} · {}",
        severity_emoji(alert.severity),
        alert.severity,
        alert.service
    );
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
    let fields: Vec<Value> = facts
        .iter()
        .take(MAX_FIELDS)
        .map(|(name, value)| mrkdwn(&format!("*{name}*\n{}", escape(value)), MAX_FIELD_CHARS))
        .collect();
    let sample = truncate(&alert.sample_message, MAX_SAMPLE_BYTES).replace("```", "'''");

    let mut blocks = vec![
        json!({ "type": "section", "fields": fields }),
        section(&format!("*Sample*\n```{}```", escape(&sample))),
    ];
    let links = alert.trace_links();
    if !links.is_empty() {
        let ids: Vec<String> = links
            .iter()
            .map(|l| format!("`{}`", escape(&l.trace_id)))
            .collect();
        blocks.push(section(&format!("*Trace ids*\n{}", ids.join(", "))));
    }
    for link in &links {
        let mut text = format!(
            "*Trace* `{}` · <{}|Logs Insights query>",
            escape(&link.trace_id),
            link.insights_url
        );
        if let Some(command) = &link.command {
            text.push_str(&format!("\n```{}```", escape(command)));
        }
        blocks.push(section(&text));
    }
    blocks.push(section(&format!(
        "<{}|Open the log stream>",
        console_url(alert)
    )));
    blocks.push(json!({
        "type": "context",
        "elements": [mrkdwn(&format!("fingerprint `{}` · logpipe", alert.fingerprint), MAX_SECTION_CHARS)],
    }));
    // Two blocks go at the top level.
    blocks.truncate(MAX_BLOCKS - 2);

    json!({
        "text": format!("{} {}", severity_emoji(alert.severity), escape(&title)),
        "blocks": [
            {
                "type": "header",
                "text": { "type": "plain_text", "text": cut_chars(&header, MAX_HEADER_CHARS), "emoji": true },
            },
            section(&format!("*{}* ({})", escape(&alert.pattern), alert.event_type.as_str())),
        ],
        "attachments": [{ "color": colour(alert.severity), "blocks": blocks }],
    })
}

/// Checks a message against the documented shape and limits (module docs).
pub fn check(m: &Value) -> Result<(), String> {
    let text_len = |v: &Value| v["text"].as_str().map_or(usize::MAX, |t| t.chars().count());
    if !m["text"].is_string() {
        return Err("no fallback text".into());
    }
    let top = m["blocks"].as_array().ok_or("no blocks")?;
    let attachments = m["attachments"].as_array().ok_or("no attachments")?;
    let mut all: Vec<&Value> = top.iter().collect();
    for a in attachments {
        let color = a["color"].as_str().ok_or("attachment without colour")?;
        if !(color.len() == 7 && color.starts_with('#')) {
            return Err(format!("colour {color}"));
        }
        all.extend(a["blocks"].as_array().ok_or("attachment without blocks")?);
    }
    if all.len() > MAX_BLOCKS {
        return Err("too many blocks".into());
    }
    for block in all {
        match block["type"].as_str() {
            Some("header") => {
                if block["text"]["type"] != "plain_text"
                    || text_len(&block["text"]) > MAX_HEADER_CHARS
                {
                    return Err(format!("bad header {block}"));
                }
            }
            Some("section") => {
                if let Some(text) = block.get("text")
                    && (text["type"] != "mrkdwn" || text_len(text) > MAX_SECTION_CHARS)
                {
                    return Err(format!("bad section text {block}"));
                }
                if let Some(fields) = block.get("fields") {
                    let fields = fields.as_array().ok_or("fields not an array")?;
                    if fields.len() > MAX_FIELDS
                        || fields.iter().any(|f| text_len(f) > MAX_FIELD_CHARS)
                    {
                        return Err("bad fields".into());
                    }
                }
                if block.get("text").is_none() && block.get("fields").is_none() {
                    return Err("section without text or fields".into());
                }
            }
            Some("context") => {
                let elements = block["elements"].as_array().ok_or("context elements")?;
                if elements.is_empty() || elements.len() > 10 {
                    return Err("bad context".into());
                }
            }
            other => return Err(format!("unexpected block type {other:?}")),
        }
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
        assert_eq!(
            m["blocks"][0]["text"]["text"],
            ":rotating_light: CRITICAL · orders-api"
        );
        assert_eq!(m["attachments"][0]["color"], "#D32F2F");
        // `<num>` is escaped in mrkdwn.
        assert_eq!(
            m["blocks"][1]["text"]["text"],
            "*payment &lt;num&gt; failed* (escalated)"
        );
        let blocks = m["attachments"][0]["blocks"].as_array().unwrap();
        let fields: Vec<&str> = blocks[0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["text"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"*Count*\n120 since it reopened (130 in total)"));
        assert!(fields.iter().any(|f| f.starts_with("*First seen*\n2026-")));
        let all_text: String = blocks.iter().map(|b| b.to_string()).collect();
        assert!(all_text.contains("analyzer-lambda trace 4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(all_text.contains("|Logs Insights query>"));
        assert!(all_text.contains("|Open the log stream>"));
    }

    #[test]
    fn ten_traces_and_a_huge_sample_stay_within_limits() {
        let mut a = alert();
        a.trace_ids = (0..10).map(|i| format!("{i:032x}")).collect();
        a.sample_message = "<&>".repeat(5000);
        a.pattern = "p".repeat(400);
        check(&message(&a)).unwrap();
    }
}

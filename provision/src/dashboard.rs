//! The CloudWatch dashboard body (pure): Logs Insights widgets over the application log
//! groups.
//!
//! Body format: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>

use serde_json::{Value, json};

use crate::names::{MANAGED_BY_VALUE, Names};

/// Width of the dashboard grid.
const GRID_WIDTH: u32 = 24;

/// Logs Insights condition for error-level records, in any case.
const ERROR_LEVEL: &str = "level like /(?i)^(error|fatal|critical)$/";

/// The text of the first widget; `down` deletes a dashboard only if it carries it, since
/// dashboards take no tags at creation.
pub fn marker(names: &Names) -> String {
    format!(
        "Managed by {MANAGED_BY_VALUE} (prefix `{}`): `provision down` removes this dashboard.",
        names.prefix
    )
}

/// Whether a dashboard body was written by this stack.
pub fn is_ours(names: &Names, body: &Value) -> bool {
    body["widgets"].as_array().is_some_and(|ws| {
        ws.iter()
            .any(|w| w["properties"]["markdown"] == marker(names).as_str())
    })
}

/// `SOURCE 'a' | SOURCE 'b' | <query>`, the form dashboards store Logs Insights queries in.
fn query(groups: &[String], body: &str) -> String {
    let sources: Vec<String> = groups.iter().map(|g| format!("SOURCE '{g}'")).collect();
    format!("{} | {body}", sources.join(" | "))
}

fn log_widget(
    names: &Names,
    y: u32,
    title: &str,
    view: &str,
    groups: &[String],
    body: &str,
) -> Value {
    json!({
        "type": "log",
        "x": 0,
        "y": y,
        "width": GRID_WIDTH,
        "height": 6,
        "properties": {
            "title": title,
            "region": names.location.region,
            "view": view,
            "query": query(groups, body),
        }
    })
}

/// The dashboard for `app_groups` (errors per service, top fingerprints, latest trace ids).
pub fn body(names: &Names, app_groups: &[String]) -> Value {
    let mut widgets = vec![json!({
        "type": "text",
        "x": 0,
        "y": 0,
        "width": GRID_WIDTH,
        "height": 1,
        "properties": { "markdown": marker(names) }
    })];
    if !app_groups.is_empty() {
        widgets.push(log_widget(
            names,
            1,
            "Errors per service",
            "timeSeries",
            app_groups,
            &format!("filter {ERROR_LEVEL} | stats count(*) as errors by service, bin(5m)"),
        ));
        // The analyzer's fingerprints live in the incidents table, which Logs Insights cannot
        // read; grouping error lines by service and message is the closest the logs allow.
        widgets.push(log_widget(
            names,
            7,
            "Top errors (by service and message)",
            "table",
            app_groups,
            &format!(
                "filter {ERROR_LEVEL} | stats count(*) as occurrences by service, message \
                 | sort occurrences desc | limit 20"
            ),
        ));
        widgets.push(log_widget(
            names,
            13,
            "Latest error trace ids",
            "table",
            app_groups,
            &format!(
                "filter {ERROR_LEVEL} and ispresent(trace_id) | fields @timestamp, service, \
                 trace_id, message | sort @timestamp desc | limit 20"
            ),
        ));
    }
    json!({ "widgets": widgets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::test_names as names;

    #[test]
    fn body_queries_every_app_group_and_carries_the_marker() {
        let n = names();
        let groups = vec!["/app/a".to_string(), "/app/b".to_string()];
        let b = body(&n, &groups);
        assert!(is_ours(&n, &b));
        let widgets = b["widgets"].as_array().unwrap();
        assert_eq!(widgets.len(), 4);
        let errors = widgets[1]["properties"]["query"].as_str().unwrap();
        assert!(errors.starts_with("SOURCE '/app/a' | SOURCE '/app/b' | filter level like"));
        let top = widgets[2]["properties"]["query"].as_str().unwrap();
        assert!(top.contains("by service, message"), "{top}");
        assert_eq!(body(&n, &[])["widgets"].as_array().unwrap().len(), 1);
        let other = Names::new("other", n.location.clone());
        assert!(!is_ours(&other, &b));
        assert!(!is_ours(&n, &json!({"widgets": []})));
    }
}

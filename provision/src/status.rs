//! `status`: what exists, as rows of a table (pure).

use std::fmt;

use serde::Serialize;

use crate::names::{Names, Tags};
use crate::state::Current;

/// One resource of the stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Kind of resource.
    pub resource: &'static str,
    /// Name.
    pub name: String,
    /// `present` or `missing`.
    pub state: &'static str,
    /// `ours`, `foreign` or empty when missing.
    pub owner: &'static str,
    /// Extra facts.
    pub detail: String,
}

/// The status table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Rows, in dependency order.
    pub rows: Vec<Row>,
}

fn row(
    names: &Names,
    resource: &'static str,
    name: String,
    tags: Option<&Tags>,
    detail: String,
) -> Row {
    Row {
        resource,
        name,
        state: if tags.is_some() { "present" } else { "missing" },
        owner: match tags {
            None => "",
            Some(t) if names.is_ours(t) => "ours",
            Some(_) => "foreign",
        },
        detail,
    }
}

/// The status of `names`' stack.
pub fn status(names: &Names, current: &Current, with_dashboard: bool) -> Status {
    let mut rows = vec![
        row(
            names,
            "iam-role",
            names.role(),
            current.role.as_ref().map(|r| &r.tags),
            String::new(),
        ),
        row(
            names,
            "dynamodb-table",
            names.table(),
            current.table.as_ref().map(|t| &t.tags),
            current
                .table
                .as_ref()
                .map(|t| {
                    format!(
                        "indexes: {}; ttl: {}{}",
                        t.indexes.join(", "),
                        t.ttl_attribute.as_deref().unwrap_or("off"),
                        if t.holds_items == Some(true) {
                            "; holds incidents (`down` keeps it)"
                        } else {
                            ""
                        }
                    )
                })
                .unwrap_or_default(),
        ),
        row(
            names,
            "sqs-queue",
            names.queue(),
            current.queue.as_ref().map(|q| &q.tags),
            if current.queue.as_ref().and_then(|q| q.holds_messages) == Some(true) {
                "holds events the analyzer failed on (`down` keeps it)".to_string()
            } else {
                String::new()
            },
        ),
        row(
            names,
            "sns-topic",
            names.topic(),
            current.topic.as_ref().map(|t| &t.tags),
            current
                .topic
                .as_ref()
                .map(|t| format!("{} subscription(s)", t.subscriptions.len()))
                .unwrap_or_default(),
        ),
        row(
            names,
            "lambda-function",
            names.function(),
            current.function.as_ref().map(|f| &f.tags),
            current
                .function
                .as_ref()
                .map(|f| {
                    format!(
                        "{} {} MB {} s, code {}",
                        f.runtime, f.memory_mb, f.timeout_secs, f.code_sha256
                    )
                })
                .unwrap_or_default(),
        ),
    ];
    for (group, g) in &current.log_groups {
        let subscribed = g
            .filters
            .iter()
            .any(|f| f.name == names.filter() && f.destination_arn == names.function_arn());
        let retention = g
            .retention_days
            .map_or("never expires".to_string(), |d| format!("{d} days"));
        rows.push(row(
            names,
            "log-group",
            group.clone(),
            Some(&g.tags),
            format!(
                "retention {retention}; {} filter(s){}{}",
                g.filters.len(),
                if subscribed { ", subscribed" } else { "" },
                match g.holds_events {
                    Some(true) => "; holds log events (`down` keeps it)",
                    _ => "",
                }
            ),
        ));
    }
    let dashboard_owner = current.dashboard.as_ref().map(|d| {
        if crate::dashboard::is_ours(names, &d.body) {
            names.tags()
        } else {
            Tags::new()
        }
    });
    if with_dashboard {
        rows.push(row(
            names,
            "dashboard",
            names.dashboard(),
            dashboard_owner.as_ref(),
            String::new(),
        ));
    }
    Status { rows }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(0)
            .max(4);
        writeln!(
            f,
            "{:<16} {:<width$} {:<8} {:<8} DETAIL",
            "RESOURCE", "NAME", "STATE", "OWNER"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<16} {:<width$} {:<8} {:<8} {}",
                r.resource, r.name, r.state, r.owner, r.detail
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::Desired;
    use crate::desired::tests::{names, settings};
    use crate::plan::tests::matching;

    #[test]
    fn status_lists_every_resource() {
        let d = Desired::new(names(), &settings());
        let s = status(&d.names, &matching(&d), true);
        assert_eq!(s.rows.len(), 9);
        assert!(
            s.rows
                .iter()
                .all(|r| r.state == "present" && r.owner == "ours"),
            "{s}"
        );
        let empty = status(&d.names, &Current::default(), false);
        assert!(empty.rows.iter().all(|r| r.state == "missing"));
        assert!(empty.to_string().starts_with("RESOURCE"));
    }

    #[test]
    fn status_says_which_stores_hold_data_down_keeps() {
        let d = Desired::new(names(), &settings());
        let mut current = matching(&d);
        let text = status(&d.names, &current, true).to_string();
        assert!(
            !text.contains("holds incidents") && !text.contains("failed on"),
            "{text}"
        );
        current.table.as_mut().unwrap().holds_items = Some(true);
        current.queue.as_mut().unwrap().holds_messages = Some(true);
        let text = status(&d.names, &current, true).to_string();
        assert!(text.contains("holds incidents (`down` keeps it)"), "{text}");
        assert!(
            text.contains("holds events the analyzer failed on (`down` keeps it)"),
            "{text}"
        );
    }
}

//! `status`: every resource the stack needs, each present or missing, as rows of a table
//! (pure).
//!
//! The rows are the resources `plan` would create on an empty account (less the ones only
//! the options of `plan` / `up` name: alert subscriptions, the webhooks' secret): a missing
//! one is a row that says `missing`, never an absent row. The alert webhooks' secret is listed
//! when it exists.

use std::fmt;

use serde::Serialize;

use crate::names::{Names, Tags, group_of_source_arn};
use crate::plan::{LOGS_PRINCIPAL, grants_logs};
use crate::state::{Current, FunctionState, LogGroupState};

/// `state` of a resource that exists.
pub const PRESENT: &str = "present";
/// `state` of a resource the stack needs that does not exist (`up` creates it).
pub const MISSING: &str = "missing";

/// One resource of the stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Kind of resource (the same words as the plan's steps).
    pub resource: &'static str,
    /// Name (the same as in the plan's steps).
    pub name: String,
    /// [`PRESENT`] or [`MISSING`].
    pub state: &'static str,
    /// `ours`, `foreign` or empty when missing.
    pub owner: &'static str,
    /// Extra facts.
    pub detail: String,
}

/// The status table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// Rows, in creation order.
    pub rows: Vec<Row>,
}

impl Status {
    /// How many resources of the stack are missing.
    pub fn missing(&self) -> usize {
        self.rows.iter().filter(|r| r.state == MISSING).count()
    }
}

/// Who a resource that exists belongs to.
fn owner(names: &Names, tags: &Tags) -> &'static str {
    if names.is_ours(tags) {
        "ours"
    } else {
        "foreign"
    }
}

/// A row: present with `owner`, or missing when `owner` is `None`.
fn row(
    resource: &'static str,
    name: impl Into<String>,
    owner: Option<&'static str>,
    detail: impl Into<String>,
) -> Row {
    Row {
        resource,
        name: name.into(),
        state: if owner.is_some() { PRESENT } else { MISSING },
        owner: owner.unwrap_or_default(),
        detail: detail.into(),
    }
}

/// The application's log groups of the stack: the ones named (`--log-group`), the ones read
/// (which include those the function's permissions point at, see `current::read`), and the
/// ones those permissions point at that no longer exist.
fn app_log_groups(names: &Names, named: &[String], current: &Current) -> Vec<String> {
    let own = names.function_log_group();
    let granted = current
        .function
        .iter()
        .flat_map(|f| &f.permissions)
        .filter(|p| names.is_permission_statement(&p.sid))
        .filter_map(|p| p.source_arn.as_deref().and_then(group_of_source_arn));
    let mut groups: Vec<String> = named
        .iter()
        .cloned()
        .chain(current.log_groups.keys().cloned())
        .chain(granted)
        .filter(|g| *g != own)
        .collect();
    groups.sort();
    groups.dedup();
    groups
}

fn log_group_row(names: &Names, group: &str, state: Option<&LogGroupState>) -> Row {
    let detail = state.map(|g| {
        let subscribed = g
            .filters
            .iter()
            .any(|f| f.name == names.filter() && f.destination_arn == names.function_arn());
        let retention = g
            .retention_days
            .map_or("never expires".to_string(), |d| format!("{d} days"));
        format!(
            "retention {retention}; {} filter(s){}{}",
            g.filters.len(),
            if subscribed { ", subscribed" } else { "" },
            match g.holds_events {
                Some(true) => "; holds log events (`down` keeps it)",
                _ => "",
            }
        )
    });
    row(
        "log-group",
        group,
        state.map(|g| owner(names, &g.tags)),
        detail.unwrap_or_default(),
    )
}

fn permission_row(names: &Names, group: &str, function: Option<&FunctionState>) -> Row {
    let statement_id = names.permission_statement(group);
    let found = function.and_then(|f| {
        f.permissions
            .iter()
            .find(|p| p.sid == statement_id)
            .map(|p| (owner(names, &f.tags), p))
    });
    let source_arn = names.location.log_group_arn(group);
    let detail = match found {
        None => format!("{LOGS_PRINCIPAL} from {source_arn}"),
        Some((_, p)) if grants_logs(names, group, p) => {
            format!("{LOGS_PRINCIPAL} from {source_arn}")
        }
        Some((_, p)) => format!(
            "differs (`up` replaces it): {} from {} of account {}",
            p.principal,
            p.source_arn.as_deref().unwrap_or("any source"),
            p.source_account.as_deref().unwrap_or("any")
        ),
    };
    row(
        "lambda-permission",
        statement_id,
        found.map(|(owner, _)| owner),
        detail,
    )
}

fn filter_row(names: &Names, group: &str, state: Option<&LogGroupState>) -> Row {
    let ours = names.filter();
    let found = state.and_then(|g| g.filters.iter().find(|f| f.name == ours));
    let (owner, detail) = match found {
        None => (None, format!("-> {}", names.function())),
        Some(f) if f.destination_arn == names.function_arn() => {
            (Some("ours"), format!("-> {}", names.function()))
        }
        Some(f) => (Some("foreign"), format!("sends to {}", f.destination_arn)),
    };
    row(
        "subscription-filter",
        format!("{group}:{ours}"),
        owner,
        detail,
    )
}

/// The status of `names`' stack, with the application log groups `named` (`--log-group`)
/// and those `current` shows to be part of it.
pub fn status(names: &Names, named: &[String], current: &Current, with_dashboard: bool) -> Status {
    let role_owner = current.role.as_ref().map(|r| owner(names, &r.tags));
    let function = current.function.as_ref();
    let function_owner = function.map(|f| owner(names, &f.tags));
    let mut rows = vec![
        row("iam-role", names.role(), role_owner, ""),
        row(
            "iam-role-policy",
            names.role_policy(),
            current
                .role
                .as_ref()
                .filter(|r| r.policy.is_some())
                .and(role_owner),
            "",
        ),
        row(
            "dynamodb-table",
            names.table(),
            current.table.as_ref().map(|t| owner(names, &t.tags)),
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
            "sqs-queue",
            names.queue(),
            current.queue.as_ref().map(|q| owner(names, &q.tags)),
            if current.queue.as_ref().and_then(|q| q.holds_messages) == Some(true) {
                "holds events the analyzer failed on (`down` keeps it)"
            } else {
                ""
            },
        ),
        row(
            "sns-topic",
            names.topic(),
            current.topic.as_ref().map(|t| owner(names, &t.tags)),
            current
                .topic
                .as_ref()
                .map(|t| format!("{} subscription(s)", t.subscriptions.len()))
                .unwrap_or_default(),
        ),
    ];
    // Only with --alert-*-webhook does the stack need it: listed when it exists.
    if let Some(secret) = &current.webhook_secret {
        rows.push(row(
            "secret",
            crate::webhooks::secret_name(names),
            Some(owner(names, &secret.tags)),
            "the alert webhook URLs",
        ));
    }
    rows.push(row(
        "lambda-function",
        names.function(),
        function_owner,
        function
            .map(|f| {
                format!(
                    "{} {} MB {} s, code {}",
                    f.runtime, f.memory_mb, f.timeout_secs, f.code_sha256
                )
            })
            .unwrap_or_default(),
    ));
    // What `plan` reads as "no invoke config" (and creates) is what is shown as missing.
    let invoke_config = function.filter(|f| f.max_retry_attempts.is_some());
    rows.push(row(
        "lambda-invoke-config",
        names.function(),
        invoke_config.and(function_owner),
        invoke_config
            .map(|f| {
                format!(
                    "{} retries, then {}",
                    f.max_retry_attempts.unwrap_or_default(),
                    f.on_failure_arn
                        .as_deref()
                        .unwrap_or("no on-failure destination")
                )
            })
            .unwrap_or_default(),
    ));
    let own = names.function_log_group();
    let app_groups = app_log_groups(names, named, current);
    for group in std::iter::once(&own).chain(&app_groups) {
        rows.push(log_group_row(names, group, current.log_groups.get(group)));
    }
    for group in &app_groups {
        rows.push(permission_row(names, group, function));
    }
    for group in &app_groups {
        rows.push(filter_row(names, group, current.log_groups.get(group)));
    }
    if with_dashboard {
        let dashboard_owner = current.dashboard.as_ref().map(|d| {
            if crate::dashboard::is_ours(names, &d.body) {
                "ours"
            } else {
                "foreign"
            }
        });
        rows.push(row("dashboard", names.dashboard(), dashboard_owner, ""));
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
            "{:<20} {:<width$} {:<8} {:<8} DETAIL",
            "RESOURCE", "NAME", "STATE", "OWNER"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<20} {:<width$} {:<8} {:<8} {}",
                r.resource, r.name, r.state, r.owner, r.detail
            )?;
        }
        match self.missing() {
            0 => writeln!(f, "All {} resources of the stack exist.", self.rows.len()),
            missing => writeln!(
                f,
                "{missing} of {} resources of the stack are missing: `provision plan` with the \
                 stack's options shows what `up` would create.",
                self.rows.len()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::Desired;
    use crate::desired::tests::{names, settings};
    use crate::plan::tests::matching;
    use crate::step::Action;

    fn missing_rows(s: &Status) -> Vec<(&'static str, String)> {
        let mut rows: Vec<_> = s
            .rows
            .iter()
            .filter(|r| r.state == MISSING)
            .map(|r| (r.resource, r.name.clone()))
            .collect();
        rows.sort();
        rows
    }

    /// The black-box report: after `up`, the filter, the analyzer's log group, the role's
    /// policy, the invoke config and every permission deleted by hand.
    fn broken(d: &Desired) -> Current {
        let mut current = matching(d);
        current.log_groups.remove(&d.names.function_log_group());
        current
            .log_groups
            .get_mut("/app/orders")
            .unwrap()
            .filters
            .clear();
        current.role.as_mut().unwrap().policy = None;
        let function = current.function.as_mut().unwrap();
        function.max_retry_attempts = None;
        function.on_failure_arn = None;
        function.permissions.clear();
        current
    }

    #[test]
    fn status_lists_every_resource() {
        let d = Desired::new(names(), &settings());
        let s = status(&d.names, &d.app_log_groups, &matching(&d), true);
        // role + policy, table, queue, topic, function + invoke config, 3 log groups,
        // 2 permissions, 2 filters, dashboard.
        assert_eq!(s.rows.len(), 15, "{s}");
        assert!(
            s.rows
                .iter()
                .all(|r| r.state == PRESENT && r.owner == "ours"),
            "{s}"
        );
        assert_eq!(s.missing(), 0);
        assert!(
            s.to_string()
                .ends_with("All 15 resources of the stack exist.\n")
        );
        let empty = status(&d.names, &d.app_log_groups, &Current::default(), false);
        assert!(empty.rows.iter().all(|r| r.state == MISSING), "{empty}");
        assert_eq!(empty.missing(), 14);
        assert!(empty.to_string().starts_with("RESOURCE"));
    }

    #[test]
    fn a_broken_stack_shows_each_missing_resource() {
        let d = Desired::new(names(), &settings());
        let s = status(&d.names, &d.app_log_groups, &broken(&d), false);
        let n = &d.names;
        assert_eq!(
            missing_rows(&s),
            [
                ("iam-role-policy", n.role_policy()),
                ("lambda-invoke-config", n.function()),
                ("lambda-permission", n.permission_statement("/app/billing")),
                ("lambda-permission", n.permission_statement("/app/orders")),
                ("log-group", n.function_log_group()),
                ("subscription-filter", format!("/app/orders:{}", n.filter())),
            ],
            "{s}"
        );
        let text = s.to_string();
        assert!(
            text.ends_with(
                "6 of 14 resources of the stack are missing: `provision plan` with the stack's \
                 options shows what `up` would create.\n"
            ),
            "{text}"
        );
        // A named log group that does not exist: its row, its permission's and its filter's.
        let never = vec!["/app/never".to_string()];
        let s = status(n, &never, &Current::default(), false);
        for (resource, name) in [
            ("log-group", "/app/never".to_string()),
            ("lambda-permission", n.permission_statement("/app/never")),
            ("subscription-filter", format!("/app/never:{}", n.filter())),
        ] {
            assert!(
                s.rows
                    .iter()
                    .any(|r| r.resource == resource && r.name == name && r.state == MISSING),
                "{resource} {name}: {s}"
            );
        }
    }

    #[test]
    fn missing_rows_are_what_plan_would_create() {
        let d = Desired::new(names(), &settings());
        let mut gone = matching(&d);
        gone.table = None;
        gone.function = None;
        gone.dashboard = None;
        gone.log_groups.remove("/app/billing");
        let mut no_role = broken(&d);
        no_role.role = None;
        for current in [Current::default(), matching(&d), broken(&d), gone, no_role] {
            let plan = crate::plan::plan_up(&d, &current);
            // The table's TTL is a detail of the table's row; subscribers are options of
            // `plan` / `up` only.
            let mut creates: Vec<(&'static str, String)> = plan
                .steps
                .iter()
                .filter(|s| s.action == Action::Create)
                .filter(|s| !matches!(s.resource, "dynamodb-ttl" | "sns-subscription"))
                .map(|s| (s.resource, s.name.clone()))
                .collect();
            creates.sort();
            let s = status(&d.names, &d.app_log_groups, &current, true);
            assert_eq!(missing_rows(&s), creates, "{s}\n{plan}");
        }
    }

    #[test]
    fn groups_the_permissions_point_at_are_listed_without_being_named() {
        let d = Desired::new(names(), &settings());
        let mut current = matching(&d);
        current.log_groups.remove("/app/billing");
        let s = status(&d.names, &[], &current, false);
        let billing: Vec<_> = s
            .rows
            .iter()
            .filter(|r| r.name.starts_with("/app/billing"))
            .map(|r| (r.resource, r.state))
            .collect();
        assert_eq!(
            billing,
            [("log-group", MISSING), ("subscription-filter", MISSING)],
            "{s}"
        );
        assert!(
            s.rows
                .iter()
                .any(|r| r.name == "/app/orders" && r.state == PRESENT),
            "{s}"
        );
    }

    #[test]
    fn foreign_filters_and_drifted_permissions_are_said() {
        let d = Desired::new(names(), &settings());
        let mut current = matching(&d);
        let filter = &mut current.log_groups.get_mut("/app/orders").unwrap().filters[0];
        filter.destination_arn = "arn:aws:lambda:us-east-1:123456789012:function:other".into();
        current.function.as_mut().unwrap().permissions[0].source_account = None;
        let s = status(&d.names, &d.app_log_groups, &current, false);
        let row = |resource: &str, name: &str| {
            s.rows
                .iter()
                .find(|r| r.resource == resource && r.name == name)
                .unwrap()
                .clone()
        };
        let filter = row(
            "subscription-filter",
            &format!("/app/orders:{}", d.names.filter()),
        );
        assert_eq!((filter.state, filter.owner), (PRESENT, "foreign"));
        assert!(filter.detail.contains("function:other"), "{s}");
        let sid = &current.function.as_ref().unwrap().permissions[0].sid;
        assert!(
            row("lambda-permission", sid).detail.starts_with("differs"),
            "{s}"
        );
    }

    #[test]
    fn status_says_which_stores_hold_data_down_keeps() {
        let d = Desired::new(names(), &settings());
        let mut current = matching(&d);
        let text = status(&d.names, &d.app_log_groups, &current, true).to_string();
        assert!(
            !text.contains("holds incidents") && !text.contains("failed on"),
            "{text}"
        );
        current.table.as_mut().unwrap().holds_items = Some(true);
        current.queue.as_mut().unwrap().holds_messages = Some(true);
        let text = status(&d.names, &d.app_log_groups, &current, true).to_string();
        assert!(text.contains("holds incidents (`down` keeps it)"), "{text}");
        assert!(
            text.contains("holds events the analyzer failed on (`down` keeps it)"),
            "{text}"
        );
    }
}

//! The `down` planner (pure): delete what this stack created, in reverse dependency order,
//! and nothing else.

use crate::names::Names;
use crate::state::Current;
use crate::step::{Action, Op, Plan, Step};

/// What `down` is allowed to delete beyond the stack's own resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DownOptions {
    /// Delete the log groups provision created even when they hold log events.
    pub delete_log_groups_with_data: bool,
    /// Delete the incidents table even when it holds incidents, and the dead-letter queue
    /// even when it holds failed events.
    pub delete_incidents: bool,
}

/// The steps that remove every resource of `names`' stack found in `current`. What holds the
/// user's data is deleted only when it is known to be empty, or when `options` say to: a log
/// group provision created (the application's or the analyzer's logs), the incidents table
/// (the incident history) and the dead-letter queue (events the analyzer failed on, to
/// replay).
pub fn plan_down(names: &Names, current: &Current, options: DownOptions) -> Plan {
    let mut plan = Plan::default();
    let mut keep = |what: String| plan_note(&mut plan.notes, what);
    let function_arn = names.function_arn();

    let mut steps = Vec::new();
    if let Some(d) = &current.dashboard {
        if crate::dashboard::is_ours(names, &d.body) {
            steps.push(Step::new(
                Action::Delete,
                "dashboard",
                names.dashboard(),
                Op::DeleteDashboard,
            ));
        } else {
            keep(format!(
                "dashboard {} (not made by provision)",
                names.dashboard()
            ));
        }
    }
    for (group, state) in &current.log_groups {
        for f in state.filters.iter().filter(|f| f.name == names.filter()) {
            if f.destination_arn == function_arn {
                steps.push(Step::new(
                    Action::Delete,
                    "subscription-filter",
                    format!("{group}:{}", f.name),
                    Op::DeleteFilter {
                        group: group.clone(),
                    },
                ));
            } else {
                keep(format!(
                    "subscription filter {group}:{} (sends to {})",
                    f.name, f.destination_arn
                ));
            }
        }
    }
    if let Some(f) = &current.function {
        if names.is_ours(&f.tags) {
            steps.push(
                Step::new(
                    Action::Delete,
                    "lambda-function",
                    names.function(),
                    Op::DeleteFunction,
                )
                .detail("with its permissions and invoke config"),
            );
        } else {
            keep(format!(
                "Lambda function {} (not tagged as ours)",
                names.function()
            ));
        }
    }
    // After the function that reads it.
    if let Some(kept) =
        crate::webhooks::plan_down(names, current.webhook_secret.as_ref(), &mut steps)
    {
        keep(kept);
    }
    for (group, state) in &current.log_groups {
        let empty = state.holds_events == Some(false);
        if names.is_ours(&state.tags) && !empty && !options.delete_log_groups_with_data {
            // Once the function is gone, `down` finds an application's group only when it
            // is named again: the command to delete it names it.
            let name_it = if *group == names.function_log_group() {
                String::new()
            } else {
                format!(" --log-group {group}")
            };
            keep(format!(
                "log group {group} ({}; `provision down --delete-log-groups-with-data\
                 {name_it}` deletes it and its events, with every other log group of the stack \
                 that holds events: add --dry-run to see which)",
                if state.holds_events.is_some() {
                    "it holds log events"
                } else {
                    "it may hold log events: it could not be confirmed empty"
                }
            ));
        } else if names.is_ours(&state.tags) {
            steps.push(
                Step::new(
                    Action::Delete,
                    "log-group",
                    group,
                    Op::DeleteLogGroup {
                        group: group.clone(),
                    },
                )
                .detail(if empty {
                    "holds no log events"
                } else {
                    "and its log events (--delete-log-groups-with-data)"
                }),
            );
        } else {
            keep(format!("log group {group} (it existed before provision)"));
        }
    }
    if let Some(t) = &current.topic {
        if names.is_ours(&t.tags) {
            for s in t.subscriptions.iter().filter(|s| s.is_confirmed()) {
                steps.push(Step::new(
                    Action::Delete,
                    "sns-subscription",
                    format!("{}:{}", s.protocol, s.endpoint),
                    Op::Unsubscribe {
                        subscription_arn: s.arn.clone(),
                    },
                ));
            }
            steps.push(Step::new(
                Action::Delete,
                "sns-topic",
                names.topic(),
                Op::DeleteTopic,
            ));
        } else {
            keep(format!("SNS topic {} (not tagged as ours)", names.topic()));
        }
    }
    if let Some(q) = &current.queue {
        let empty = q.holds_messages == Some(false);
        if names.is_ours(&q.tags) && !empty && !options.delete_incidents {
            keep(format!(
                "SQS queue {} ({}; replay or read them; `provision down --delete-incidents` \
                 deletes it, with the incidents table and every incident in it: add --dry-run \
                 to see both)",
                names.queue(),
                if q.holds_messages.is_some() {
                    "it holds events the analyzer failed on"
                } else {
                    "it may hold events the analyzer failed on: it could not be confirmed empty"
                }
            ));
        } else if names.is_ours(&q.tags) {
            steps.push(Step::new(
                Action::Delete,
                "sqs-queue",
                names.queue(),
                Op::DeleteQueue { url: q.url.clone() },
            ));
        } else {
            keep(format!("SQS queue {} (not tagged as ours)", names.queue()));
        }
    }
    if let Some(t) = &current.table {
        let empty = t.holds_items == Some(false);
        if names.is_ours(&t.tags) && !empty && !options.delete_incidents {
            keep(format!(
                "DynamoDB table {} ({}; a later `up` uses it again; `provision down \
                 --delete-incidents` deletes it and its incidents, with the dead-letter queue \
                 and the events in it: add --dry-run to see both)",
                names.table(),
                if t.holds_items.is_some() {
                    "it holds incidents"
                } else {
                    "it may hold incidents: it could not be confirmed empty"
                }
            ));
        } else if names.is_ours(&t.tags) {
            steps.push(
                Step::new(
                    Action::Delete,
                    "dynamodb-table",
                    names.table(),
                    Op::DeleteTable,
                )
                .detail(if empty {
                    "holds no incident"
                } else {
                    "and every incident in it (--delete-incidents)"
                }),
            );
        } else {
            keep(format!(
                "DynamoDB table {} (not tagged as ours)",
                names.table()
            ));
        }
    }
    if let Some(r) = &current.role {
        if names.is_ours(&r.tags) {
            steps.push(Step::new(
                Action::Delete,
                "iam-role",
                names.role(),
                Op::DeleteRole {
                    inline_policies: r.inline_policies.clone(),
                },
            ));
        } else {
            keep(format!("IAM role {} (not tagged as ours)", names.role()));
        }
    }
    plan.steps = steps;
    plan
}

fn plan_note(notes: &mut Vec<String>, what: String) {
    notes.push(format!("left untouched: {what}"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::Desired;
    use crate::desired::tests::{names, settings};
    use crate::plan::tests::matching;
    use crate::state::{FilterState, LogGroupState};

    #[test]
    fn down_removes_ours_in_reverse_order_and_keeps_foreign() {
        let d = Desired::new(names(), &settings());
        let mut current = matching(&d);
        // The application owned /app/orders before us, and it has someone else's filter.
        let orders = current.log_groups.get_mut("/app/orders").unwrap();
        orders.tags.clear();
        orders.filters.push(FilterState {
            name: "siem".into(),
            pattern: String::new(),
            destination_arn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/siem".into(),
        });
        for group in current.log_groups.values_mut() {
            group.holds_events = Some(false);
        }
        let plan = plan_down(&d.names, &current, DownOptions::default());
        let kinds: Vec<&str> = plan.steps.iter().map(|s| s.resource).collect();
        assert_eq!(
            kinds,
            [
                "dashboard",
                "subscription-filter",
                "subscription-filter",
                "lambda-function",
                "log-group",
                "log-group",
                "sns-subscription",
                "sns-topic",
                "sqs-queue",
                "dynamodb-table",
                "iam-role",
            ]
        );
        let deleted_groups: Vec<&str> = plan
            .steps
            .iter()
            .filter_map(|s| match &s.op {
                Op::DeleteLogGroup { group } => Some(group.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            deleted_groups,
            ["/app/billing", "/aws/lambda/logpipe-analyzer"]
        );
        assert!(!plan.steps.iter().any(|s| s.name.contains("siem")));
        assert!(plan.notes.iter().any(|n| n.contains("/app/orders")));
    }

    #[test]
    fn down_of_nothing_is_empty() {
        let plan = plan_down(&names(), &Current::default(), DownOptions::default());
        assert!(plan.is_empty());
        let mut other = Current::default();
        other
            .log_groups
            .insert("/app/x".into(), LogGroupState::default());
        let plan = plan_down(&names(), &other, DownOptions::default());
        assert!(plan.is_empty());
        assert_eq!(plan.notes.len(), 1);
    }

    #[test]
    fn down_keeps_log_groups_with_events_unless_told() {
        let d = Desired::new(names(), &settings());
        let mut current = matching(&d);
        // /app/orders holds the application's events; /app/billing is empty; nobody looked
        // into the analyzer's own group.
        current
            .log_groups
            .get_mut("/app/orders")
            .unwrap()
            .holds_events = Some(true);
        current
            .log_groups
            .get_mut("/app/billing")
            .unwrap()
            .holds_events = Some(false);
        let deleted = |plan: &Plan| -> Vec<String> {
            plan.steps
                .iter()
                .filter_map(|s| match &s.op {
                    Op::DeleteLogGroup { group } => Some(group.clone()),
                    _ => None,
                })
                .collect()
        };
        let plan = plan_down(&d.names, &current, DownOptions::default());
        assert_eq!(deleted(&plan), ["/app/billing"]);
        let kept: Vec<&String> = plan
            .notes
            .iter()
            .filter(|n| n.contains("--delete-log-groups-with-data"))
            .collect();
        assert_eq!(kept.len(), 2, "{kept:?}");
        assert!(kept[0].contains("/app/orders") && kept[0].contains("holds log events"));
        // Once the function is gone, only `--log-group` makes `down` find an application's
        // group again: the advice names it. The analyzer's own group is found by name.
        assert!(
            kept[0].contains("--delete-log-groups-with-data --log-group /app/orders`")
                && kept[0].contains("with every other log group of the stack"),
            "{}",
            kept[0]
        );
        assert!(kept[1].contains("/aws/lambda/logpipe-analyzer") && kept[1].contains("may hold"));
        assert!(!kept[1].contains("--log-group"), "{}", kept[1]);
        // The filter still goes: the group stays, the subscription does not.
        assert!(
            plan.steps
                .iter()
                .any(|s| matches!(&s.op, Op::DeleteFilter { group } if group == "/app/orders"))
        );
        let told = DownOptions {
            delete_log_groups_with_data: true,
            ..DownOptions::default()
        };
        assert_eq!(
            deleted(&plan_down(&d.names, &current, told)),
            [
                "/app/billing",
                "/app/orders",
                "/aws/lambda/logpipe-analyzer"
            ]
        );
    }

    #[test]
    fn down_keeps_incidents_and_failed_events_unless_told() {
        let d = Desired::new(names(), &settings());
        let deletes =
            |plan: &Plan, resource: &str| plan.steps.iter().any(|s| s.resource == resource);
        let mut current = matching(&d);
        // Empty: both go, saying so.
        let plan = plan_down(&d.names, &current, DownOptions::default());
        assert!(deletes(&plan, "dynamodb-table") && deletes(&plan, "sqs-queue"));
        assert!(plan.steps.iter().any(|s| s.detail == "holds no incident"));

        for (items, messages) in [(Some(true), Some(true)), (None, None)] {
            current.table.as_mut().unwrap().holds_items = items;
            current.queue.as_mut().unwrap().holds_messages = messages;
            let plan = plan_down(&d.names, &current, DownOptions::default());
            assert!(!deletes(&plan, "dynamodb-table"), "{items:?}");
            assert!(!deletes(&plan, "sqs-queue"), "{messages:?}");
            let notes = plan.notes.join("\n");
            assert!(
                notes.contains("DynamoDB table logpipe-Incidents"),
                "{notes}"
            );
            assert!(notes.contains("SQS queue logpipe-analyzer-dlq"), "{notes}");
            assert_eq!(notes.matches("--delete-incidents").count(), 2, "{notes}");
            // Each says what else that command deletes.
            assert!(
                notes.contains("with the incidents table and every incident"),
                "{notes}"
            );
            assert!(notes.contains("with the dead-letter queue"), "{notes}");
            // Everything else still goes.
            assert!(deletes(&plan, "lambda-function") && deletes(&plan, "iam-role"));

            let told = DownOptions {
                delete_incidents: true,
                ..DownOptions::default()
            };
            let plan = plan_down(&d.names, &current, told);
            assert!(deletes(&plan, "dynamodb-table") && deletes(&plan, "sqs-queue"));
            assert!(
                plan.steps
                    .iter()
                    .any(|s| { s.detail == "and every incident in it (--delete-incidents)" })
            );
        }
    }
}

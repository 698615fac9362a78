//! Planning of the log side: log groups, Lambda permissions and subscription filters.

use super::{
    INFREQUENT_ACCESS_CLASS, LOGS_PRINCIPAL, MAX_SUBSCRIPTION_FILTERS_PER_GROUP, grants_logs,
};
use crate::desired::Desired;
use crate::state::{Current, LogGroupState};
use crate::step::{Action, Op, Plan, Refusal, Step};

pub(super) fn log_groups(desired: &Desired, current: &Current, plan: &mut Plan) {
    let own = desired.names.function_log_group();
    let groups = std::iter::once(&own).chain(&desired.app_log_groups);
    // The groups provision creates or created: what `down` would delete, were they empty.
    let mut ours = Vec::new();
    for group in groups {
        if current
            .log_groups
            .get(group)
            .is_none_or(|g| desired.names.is_ours(&g.tags))
        {
            ours.push(group.as_str());
        }
        let retention_days = desired.retention_days;
        match current.log_groups.get(group) {
            None => plan.steps.push(
                Step::new(
                    Action::Create,
                    "log-group",
                    group,
                    Op::CreateLogGroup {
                        group: group.clone(),
                        retention_days,
                    },
                )
                .detail(format!("retention {retention_days} days")),
            ),
            // Retention is enforced on groups we created and on the analyzer's own group (which
            // Lambda may have created before us); an application's group keeps its own policy.
            Some(g) if desired.names.is_ours(&g.tags) || *group == own => {
                if g.retention_days != Some(retention_days) {
                    plan.steps.push(
                        Step::new(
                            Action::Update,
                            "log-group",
                            group,
                            Op::SetRetention {
                                group: group.clone(),
                                retention_days,
                            },
                        )
                        .detail(format!(
                            "retention {:?} -> {retention_days} days",
                            g.retention_days
                        )),
                    );
                }
            }
            Some(_) => plan.notes.push(format!(
                "log group {group} existed before provision: its retention is left as it is and \
                 `down` will not delete it"
            )),
        }
    }
    if !ours.is_empty() {
        plan.notes.push(format!(
            "`down` keeps every log group that holds log events: of the groups provision \
             creates ({}), it deletes only those still empty (`down \
             --delete-log-groups-with-data` deletes them with their events)",
            ours.join(", ")
        ));
    }
}

/// Whether `group` can take our filter; a refusal otherwise.
fn subscribable(desired: &Desired, group: &str, state: Option<&LogGroupState>) -> Option<Refusal> {
    let state = state?;
    if state.class.as_deref() == Some(INFREQUENT_ACCESS_CLASS) {
        return Some(Refusal {
            resource: "log-group",
            name: group.into(),
            problem: "it is of the Infrequent Access class, which cannot have subscription filters".into(),
            fix: "Send the application's logs to a Standard-class log group and pass that one with --log-group".into(),
        });
    }
    let ours = desired.names.filter();
    if let Some(f) = state.filters.iter().find(|f| f.name == ours) {
        if f.destination_arn != desired.names.function_arn() {
            return Some(Refusal {
                resource: "subscription-filter",
                name: format!("{group}:{ours}"),
                problem: format!("a filter with our name sends to {}, not to the analyzer", f.destination_arn),
                fix: "It was not created by this stack: delete or rename it, or choose another --prefix".into(),
            });
        }
        return None;
    }
    let foreign: Vec<&str> = state.filters.iter().map(|f| f.name.as_str()).collect();
    (foreign.len() >= MAX_SUBSCRIPTION_FILTERS_PER_GROUP).then(|| Refusal {
        resource: "subscription-filter",
        name: format!("{group}:{ours}"),
        problem: format!(
            "the group already has {} subscription filters ({}), the most CloudWatch allows, and \
             provision never replaces a filter it did not create",
            foreign.len(),
            foreign.join(", ")
        ),
        fix: "Remove one of them, or leave this group out of --log-group".into(),
    })
}

pub(super) fn permissions(desired: &Desired, current: &Current, plan: &mut Plan) {
    let names = &desired.names;
    let existing = current
        .function
        .as_ref()
        .map(|f| &f.permissions[..])
        .unwrap_or_default();
    for group in &desired.app_log_groups {
        let statement_id = names.permission_statement(group);
        let source_arn = names.location.log_group_arn(group);
        let found = existing.iter().find(|p| p.sid == statement_id);
        let up_to_date = found.is_some_and(|p| grants_logs(names, group, p));
        if up_to_date {
            continue;
        }
        let replace = found.is_some();
        plan.steps.push(
            Step::new(
                if replace {
                    Action::Update
                } else {
                    Action::Create
                },
                "lambda-permission",
                &statement_id,
                Op::AddPermission {
                    group: group.clone(),
                    statement_id: statement_id.clone(),
                    replace,
                },
            )
            .detail(format!("{LOGS_PRINCIPAL} from {source_arn}")),
        );
    }
}

pub(super) fn filters(desired: &Desired, current: &Current, plan: &mut Plan) {
    let ours = desired.names.filter();
    let steps_before = plan.steps.len();
    for group in &desired.app_log_groups {
        let state = current.log_groups.get(group);
        if let Some(refusal) = subscribable(desired, group, state) {
            plan.refusals.push(refusal);
            continue;
        }
        let existing = state.and_then(|s| s.filters.iter().find(|f| f.name == ours));
        let step = |action| {
            Step::new(
                action,
                "subscription-filter",
                format!("{group}:{ours}"),
                Op::PutFilter {
                    group: group.clone(),
                },
            )
        };
        match existing {
            None => plan
                .steps
                .push(step(Action::Create).detail(format!("-> {}", desired.names.function()))),
            Some(f) if f.pattern != desired.filter_pattern => plan
                .steps
                .push(step(Action::Update).detail("filter pattern differs")),
            Some(_) => {}
        }
    }
    // Whoever installs a pattern should know which, and what it lets through.
    if plan.steps.len() > steps_before {
        plan.notes
            .push(crate::pattern::explain(&desired.filter_pattern));
    }
    // Groups subscribed by an earlier run but no longer listed: `up` leaves them (removing a
    // subscription is a decision `down` makes), and says so.
    for (group, state) in &current.log_groups {
        let subscribed = state
            .filters
            .iter()
            .any(|f| f.name == ours && f.destination_arn == desired.names.function_arn());
        if subscribed && !desired.app_log_groups.contains(group) {
            plan.notes.push(format!(
                "log group {group} is still subscribed from an earlier run but not given with \
                 --log-group; `provision down` removes its subscription"
            ));
        }
    }
}

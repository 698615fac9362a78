//! The planner (pure): desired state + current state -> steps, in dependency order.

use crate::desired::{Desired, INDEXES, TABLE_HASH_KEY, TTL_ATTRIBUTE};
use crate::names::{Names, Tags};
use crate::state::{Current, FunctionState, PermissionState};
use crate::step::{Action, Op, Plan, Refusal, Step};

/// Subscription filters a log group may have.
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html>
pub const MAX_SUBSCRIPTION_FILTERS_PER_GROUP: usize = 2;

/// The log group class that cannot have subscription filters.
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatch_Logs_Log_Classes.html>
pub const INFREQUENT_ACCESS_CLASS: &str = "INFREQUENT_ACCESS";

/// The principal that invokes the analyzer for subscription filters.
pub const LOGS_PRINCIPAL: &str = "logs.amazonaws.com";

/// Whether `permission` lets CloudWatch Logs invoke the analyzer for `group`, and only from
/// `group` of this account (what `up` adds; `status` reads it the same way).
pub fn grants_logs(names: &Names, group: &str, permission: &PermissionState) -> bool {
    permission.principal == LOGS_PRINCIPAL
        && permission.source_arn.as_deref() == Some(&names.location.log_group_arn(group))
        && permission.source_account.as_deref() == Some(&names.location.account)
}

/// The steps that take `current` to `desired`. Applying them and planning again gives an empty
/// plan.
pub fn plan_up(desired: &Desired, current: &Current) -> Plan {
    let mut plan = Plan::default();
    role(desired, current, &mut plan);
    table(desired, current, &mut plan);
    queue(desired, current, &mut plan);
    topic(desired, current, &mut plan);
    // Before the function, whose configuration names it.
    crate::webhooks::plan(
        &desired.names,
        desired.webhooks.as_ref(),
        current.webhook_secret.as_ref(),
        &mut plan,
    );
    function(desired, current, &mut plan);
    subscribe::log_groups(desired, current, &mut plan);
    subscribe::permissions(desired, current, &mut plan);
    subscribe::filters(desired, current, &mut plan);
    dashboard(desired, current, &mut plan);
    plan
}

/// Refuses to adopt a resource that has our name but not our tags.
fn foreign(
    desired: &Desired,
    tags: &Tags,
    resource: &'static str,
    name: String,
    plan: &mut Plan,
) -> bool {
    if desired.names.is_ours(tags) {
        return false;
    }
    plan.refusals.push(Refusal {
        resource,
        name,
        problem: format!(
            "it exists but was not created by provision for prefix {:?} (its tags do not say so)",
            desired.names.prefix
        ),
        fix: "Choose another --prefix, or remove that resource yourself if it is a leftover".into(),
    });
    true
}

fn role(desired: &Desired, current: &Current, plan: &mut Plan) {
    let name = desired.names.role();
    let Some(role) = &current.role else {
        plan.steps
            .push(Step::new(Action::Create, "iam-role", &name, Op::CreateRole));
        plan.steps.push(
            Step::new(
                Action::Create,
                "iam-role-policy",
                desired.names.role_policy(),
                Op::PutRolePolicy,
            )
            .detail("table, indexes, topic, queue and own log group ARNs"),
        );
        return;
    };
    if foreign(desired, &role.tags, "iam-role", name.clone(), plan) {
        return;
    }
    if role.trust_policy.as_ref() != Some(&desired.trust_policy) {
        plan.steps.push(
            Step::new(Action::Update, "iam-role", &name, Op::UpdateTrustPolicy)
                .detail("trust policy differs"),
        );
    }
    match &role.policy {
        None => plan.steps.push(Step::new(
            Action::Create,
            "iam-role-policy",
            desired.names.role_policy(),
            Op::PutRolePolicy,
        )),
        Some(p) if *p != desired.role_policy => plan.steps.push(
            Step::new(
                Action::Update,
                "iam-role-policy",
                desired.names.role_policy(),
                Op::PutRolePolicy,
            )
            .detail("policy document differs"),
        ),
        Some(_) => {}
    }
}

fn table(desired: &Desired, current: &Current, plan: &mut Plan) {
    let name = desired.names.table();
    let Some(table) = &current.table else {
        plan.steps.push(
            Step::new(Action::Create, "dynamodb-table", &name, Op::CreateTable)
                .detail("on demand, indexes by_service and by_trace_id"),
        );
        plan.steps.push(
            Step::new(Action::Create, "dynamodb-ttl", &name, Op::EnableTtl)
                .detail(format!("attribute {TTL_ATTRIBUTE}")),
        );
        return;
    };
    if foreign(desired, &table.tags, "dynamodb-table", name.clone(), plan) {
        return;
    }
    if table.hash_key != TABLE_HASH_KEY {
        plan.refusals.push(Refusal {
            resource: "dynamodb-table",
            name,
            problem: format!("its partition key is {:?}, not {TABLE_HASH_KEY:?}", table.hash_key),
            fix: "A key cannot be changed in place: run `provision down` (deletes the incidents) and `up` again".into(),
        });
        return;
    }
    if !table.on_demand {
        plan.steps.push(
            Step::new(Action::Update, "dynamodb-table", &name, Op::SetOnDemand)
                .detail("billing mode -> PAY_PER_REQUEST"),
        );
    }
    for index in INDEXES
        .iter()
        .filter(|i| !table.indexes.iter().any(|t| t == i.name))
    {
        plan.steps.push(
            Step::new(
                Action::Update,
                "dynamodb-table",
                &name,
                Op::AddIndex {
                    index: index.name.into(),
                },
            )
            .detail(format!("add index {}", index.name)),
        );
    }
    if table.ttl_attribute.as_deref() != Some(TTL_ATTRIBUTE) {
        plan.steps.push(
            Step::new(Action::Update, "dynamodb-ttl", &name, Op::EnableTtl)
                .detail(format!("attribute {TTL_ATTRIBUTE}")),
        );
    }
}

fn queue(desired: &Desired, current: &Current, plan: &mut Plan) {
    let name = desired.names.queue();
    match &current.queue {
        None => plan.steps.push(
            Step::new(Action::Create, "sqs-queue", &name, Op::CreateQueue)
                .detail("on-failure destination of the analyzer"),
        ),
        Some(q) => {
            foreign(desired, &q.tags, "sqs-queue", name, plan);
        }
    }
}

fn topic(desired: &Desired, current: &Current, plan: &mut Plan) {
    let name = desired.names.topic();
    let existing = match &current.topic {
        None => {
            plan.steps.push(Step::new(
                Action::Create,
                "sns-topic",
                &name,
                Op::CreateTopic,
            ));
            &[][..]
        }
        Some(t) if foreign(desired, &t.tags, "sns-topic", name.clone(), plan) => return,
        Some(t) => &t.subscriptions[..],
    };
    for (subscriber, filter_policy) in &desired.subscriptions {
        let label = format!("{}:{}", subscriber.protocol, subscriber.endpoint);
        let found = existing
            .iter()
            .find(|s| s.protocol == subscriber.protocol && s.endpoint == subscriber.endpoint);
        match found {
            None => plan.steps.push(
                Step::new(
                    Action::Create,
                    "sns-subscription",
                    label,
                    Op::Subscribe {
                        protocol: subscriber.protocol.clone(),
                        endpoint: subscriber.endpoint.clone(),
                        filter_policy: filter_policy.clone(),
                    },
                )
                .detail(filter_detail(filter_policy)),
            ),
            Some(s) if !s.is_confirmed() => plan.notes.push(format!(
                "subscription {label} is waiting for confirmation (check that mailbox); its filter \
                 policy can be set once it is confirmed"
            )),
            Some(s) if s.filter_policy != *filter_policy => plan.steps.push(
                Step::new(
                    Action::Update,
                    "sns-subscription",
                    label,
                    Op::SetFilterPolicy {
                        subscription_arn: s.arn.clone(),
                        filter_policy: filter_policy.clone(),
                    },
                )
                .detail(filter_detail(filter_policy)),
            ),
            Some(_) => {}
        }
    }
    // `up` adds subscribers and never removes one (an alert channel dropped by a forgotten
    // flag would go silent); it says which ones it leaves.
    for s in existing {
        let wanted = desired
            .subscriptions
            .iter()
            .any(|(d, _)| d.protocol == s.protocol && d.endpoint == s.endpoint);
        if !wanted {
            plan.notes.push(format!(
                "left untouched: subscription {}:{} of {name} (not among this command's \
                 --alert-* options; it keeps receiving alerts: unsubscribe it in SNS to stop it)",
                s.protocol, s.endpoint
            ));
        }
    }
}

fn filter_detail(filter_policy: &Option<serde_json::Value>) -> String {
    match filter_policy {
        Some(p) => format!("filter policy {p}"),
        None => "every alert".into(),
    }
}

/// The configuration fields of `f` that differ from the desired ones, as `what: old -> new`.
fn config_changes(desired: &Desired, f: &FunctionState) -> Vec<String> {
    let d = &desired.function;
    let mut changes = Vec::new();
    let mut check = |what: &str, old: String, new: String| {
        if old != new {
            changes.push(format!("{what}: {old} -> {new}"));
        }
    };
    check("runtime", f.runtime.clone(), d.runtime.clone());
    check("handler", f.handler.clone(), d.handler.clone());
    check("role", f.role_arn.clone(), d.role_arn.clone());
    check("memory", f.memory_mb.to_string(), d.memory_mb.to_string());
    check(
        "timeout",
        f.timeout_secs.to_string(),
        d.timeout_secs.to_string(),
    );
    check(
        "environment",
        format!("{:?}", f.env),
        format!("{:?}", d.env),
    );
    changes
}

fn function(desired: &Desired, current: &Current, plan: &mut Plan) {
    let name = desired.names.function();
    let d = &desired.function;
    let Some(f) = &current.function else {
        plan.steps.push(
            Step::new(Action::Create, "lambda-function", &name, Op::CreateFunction).detail(
                format!(
                    "{} {}, {} MB, {} s",
                    d.runtime, d.architecture, d.memory_mb, d.timeout_secs
                ),
            ),
        );
        plan.steps.push(
            Step::new(
                Action::Create,
                "lambda-invoke-config",
                &name,
                Op::PutInvokeConfig,
            )
            .detail(format!(
                "{} retries, then {}",
                d.max_retry_attempts,
                desired.names.queue()
            )),
        );
        return;
    };
    if foreign(desired, &f.tags, "lambda-function", name.clone(), plan) {
        return;
    }
    // Architecture changes ride with the code upload (UpdateFunctionCode takes it).
    if f.code_sha256 != d.code_sha256 || f.architecture != d.architecture {
        plan.steps.push(
            Step::new(Action::Update, "lambda-code", &name, Op::UpdateFunctionCode).detail(
                format!(
                    "sha256 {} -> {} ({})",
                    f.code_sha256, d.code_sha256, d.architecture
                ),
            ),
        );
    }
    let changes = config_changes(desired, f);
    if !changes.is_empty() {
        plan.steps.push(
            Step::new(
                Action::Update,
                "lambda-function",
                &name,
                Op::UpdateFunctionConfig,
            )
            .detail(changes.join("; ")),
        );
    }
    if f.max_retry_attempts != Some(d.max_retry_attempts)
        || f.on_failure_arn.as_deref() != Some(&d.on_failure_arn)
    {
        let action = if f.max_retry_attempts.is_none() {
            Action::Create
        } else {
            Action::Update
        };
        plan.steps.push(
            Step::new(action, "lambda-invoke-config", &name, Op::PutInvokeConfig).detail(format!(
                "{} retries, then {}",
                d.max_retry_attempts,
                desired.names.queue()
            )),
        );
    }
}

fn dashboard(desired: &Desired, current: &Current, plan: &mut Plan) {
    let name = desired.names.dashboard();
    let Some(body) = &desired.dashboard else {
        return;
    };
    match &current.dashboard {
        None => plan.steps.push(Step::new(
            Action::Create,
            "dashboard",
            name,
            Op::PutDashboard,
        )),
        Some(d) if !crate::dashboard::is_ours(&desired.names, &d.body) => {
            plan.refusals.push(Refusal {
                resource: "dashboard",
                name,
                problem: "a dashboard with this name exists and was not made by provision".into(),
                fix: "Choose another --prefix, or delete that dashboard".into(),
            })
        }
        Some(d) if d.body != *body => plan.steps.push(
            Step::new(Action::Update, "dashboard", name, Op::PutDashboard).detail("widgets differ"),
        ),
        Some(_) => {}
    }
}

mod subscribe;
#[cfg(test)]
pub(crate) mod tests;

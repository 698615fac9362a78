use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::desired::tests::{names, settings};
use crate::state::{
    DashboardState, FilterState, LogGroupState, PermissionState, QueueState, RoleState,
    SubscriptionState, TableState, TopicState,
};

/// The state an account is in right after `up` applied `desired`.
pub(crate) fn matching(desired: &Desired) -> Current {
    let n = &desired.names;
    let tags = n.tags();
    let d = &desired.function;
    let mut log_groups = BTreeMap::new();
    log_groups.insert(
        n.function_log_group(),
        LogGroupState {
            tags: tags.clone(),
            retention_days: Some(desired.retention_days),
            ..Default::default()
        },
    );
    for group in &desired.app_log_groups {
        log_groups.insert(
            group.clone(),
            LogGroupState {
                tags: tags.clone(),
                retention_days: Some(desired.retention_days),
                class: Some("STANDARD".into()),
                filters: vec![FilterState {
                    name: n.filter(),
                    pattern: desired.filter_pattern.clone(),
                    destination_arn: n.function_arn(),
                }],
                holds_events: None,
            },
        );
    }
    Current {
        role: Some(RoleState {
            tags: tags.clone(),
            trust_policy: Some(desired.trust_policy.clone()),
            policy: Some(desired.role_policy.clone()),
            inline_policies: vec![n.role_policy()],
        }),
        table: Some(TableState {
            tags: tags.clone(),
            hash_key: TABLE_HASH_KEY.into(),
            on_demand: true,
            indexes: INDEXES.iter().map(|i| i.name.to_string()).collect(),
            ttl_attribute: Some(TTL_ATTRIBUTE.into()),
            holds_items: Some(false),
        }),
        queue: Some(QueueState {
            url: "http://q".into(),
            tags: tags.clone(),
            holds_messages: Some(false),
        }),
        topic: Some(TopicState {
            tags: tags.clone(),
            subscriptions: desired
                .subscriptions
                .iter()
                .map(|(s, policy)| SubscriptionState {
                    arn: format!("{}:1", n.topic_arn()),
                    protocol: s.protocol.clone(),
                    endpoint: s.endpoint.clone(),
                    filter_policy: policy.clone(),
                })
                .collect(),
        }),
        function: Some(FunctionState {
            tags: tags.clone(),
            runtime: d.runtime.clone(),
            handler: d.handler.clone(),
            role_arn: d.role_arn.clone(),
            memory_mb: d.memory_mb,
            timeout_secs: d.timeout_secs,
            architecture: d.architecture.clone(),
            env: d.env.clone(),
            code_sha256: d.code_sha256.clone(),
            max_retry_attempts: Some(d.max_retry_attempts),
            on_failure_arn: Some(d.on_failure_arn.clone()),
            permissions: desired
                .app_log_groups
                .iter()
                .map(|g| PermissionState {
                    sid: n.permission_statement(g),
                    principal: LOGS_PRINCIPAL.into(),
                    source_arn: Some(n.location.log_group_arn(g)),
                    source_account: Some(n.location.account.clone()),
                })
                .collect(),
        }),
        log_groups,
        webhook_secret: desired
            .webhooks
            .as_ref()
            .map(|_| crate::webhooks::SecretState {
                tags: tags.clone(),
                value_matches: true,
            }),
        dashboard: desired
            .dashboard
            .clone()
            .map(|body| DashboardState { body }),
    }
}

fn desired() -> Desired {
    Desired::new(names(), &settings())
}

fn ops(plan: &Plan) -> Vec<(Action, &'static str)> {
    plan.steps.iter().map(|s| (s.action, s.resource)).collect()
}

#[test]
fn empty_account_creates_everything_in_dependency_order() {
    let plan = plan_up(&desired(), &Current::default());
    assert!(plan.refusals.is_empty());
    use Action::Create as C;
    assert_eq!(
        ops(&plan),
        [
            (C, "iam-role"),
            (C, "iam-role-policy"),
            (C, "dynamodb-table"),
            (C, "dynamodb-ttl"),
            (C, "sqs-queue"),
            (C, "sns-topic"),
            (C, "sns-subscription"),
            (C, "lambda-function"),
            (C, "lambda-invoke-config"),
            (C, "log-group"),
            (C, "log-group"),
            (C, "log-group"),
            (C, "lambda-permission"),
            (C, "lambda-permission"),
            (C, "subscription-filter"),
            (C, "subscription-filter"),
            (C, "dashboard"),
        ]
    );
    // Each group's permission comes before its filter.
    let position =
        |pred: &dyn Fn(&Op) -> bool| plan.steps.iter().position(|s| pred(&s.op)).unwrap();
    let permission =
        position(&|op| matches!(op, Op::AddPermission { group, .. } if group == "/app/orders"));
    let filter = position(&|op| matches!(op, Op::PutFilter { group } if group == "/app/orders"));
    assert!(permission < filter);
    assert_eq!(plan.steps[9].name, "/aws/lambda/logpipe-analyzer");
    assert!(
        plan.to_string()
            .ends_with("Plan: 17 to create, 0 to update, 0 to delete.\n")
    );
}

#[test]
fn everything_present_means_no_steps() {
    let d = desired();
    let plan = plan_up(&d, &matching(&d));
    assert!(plan.steps.is_empty() && plan.refusals.is_empty());
    // The one note says what `down` would keep.
    assert_eq!(plan.notes.len(), 1, "{:?}", plan.notes);
    assert!(plan.notes[0].contains("/app/billing, /app/orders"));
    assert!(plan.notes[0].contains("--delete-log-groups-with-data"));
    assert!(
        plan.to_string()
            .ends_with("Nothing to do: everything is up to date.\n")
    );
}

#[test]
fn drifted_settings_give_updates_only() {
    let d = desired();
    let mut current = matching(&d);
    let f = current.function.as_mut().unwrap();
    f.memory_mb = 128;
    f.code_sha256 = "old".into();
    f.env.remove("ALERTS_TOPIC_ARN");
    f.on_failure_arn = None;
    let orders = current.log_groups.get_mut("/app/orders").unwrap();
    orders.retention_days = Some(7);
    orders.filters[0].pattern = "ERROR".into();
    current
        .table
        .as_mut()
        .unwrap()
        .indexes
        .retain(|i| i != "by_trace_id");
    current.table.as_mut().unwrap().ttl_attribute = None;
    current.role.as_mut().unwrap().policy = Some(json!({"Version": "2012-10-17", "Statement": []}));
    current.topic.as_mut().unwrap().subscriptions[0].filter_policy = None;
    current.function.as_mut().unwrap().permissions[0].source_account = None;
    current.dashboard.as_mut().unwrap().body["widgets"][1]["properties"]["title"] = json!("old");

    let plan = plan_up(&d, &current);
    assert!(plan.refusals.is_empty());
    assert!(
        plan.steps.iter().all(|s| s.action == Action::Update),
        "{plan}"
    );
    let kinds: Vec<&str> = plan.steps.iter().map(|s| s.resource).collect();
    assert_eq!(
        kinds,
        [
            "iam-role-policy",
            "dynamodb-table",
            "dynamodb-ttl",
            "sns-subscription",
            "lambda-code",
            "lambda-function",
            "lambda-invoke-config",
            "log-group",
            "lambda-permission",
            "subscription-filter",
            "dashboard",
        ]
    );
    let config = plan
        .steps
        .iter()
        .find(|s| s.op == Op::UpdateFunctionConfig)
        .unwrap();
    assert!(
        config.detail.contains("memory: 128 -> 256"),
        "{}",
        config.detail
    );
    assert!(
        plan.steps.contains(
            &Step::new(
                Action::Update,
                "dynamodb-table",
                "logpipe-Incidents",
                Op::AddIndex {
                    index: "by_trace_id".into()
                }
            )
            .detail("add index by_trace_id")
        )
    );
}

#[test]
fn foreign_filters_at_the_limit_are_refused_and_never_replaced() {
    let d = desired();
    let mut current = matching(&d);
    let orders = current.log_groups.get_mut("/app/orders").unwrap();
    orders.filters = ["siem", "metrics"]
        .iter()
        .map(|name| FilterState {
            name: name.to_string(),
            pattern: String::new(),
            destination_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
        })
        .collect();
    let plan = plan_up(&d, &current);
    assert_eq!(plan.refusals.len(), 1);
    let refusal = &plan.refusals[0];
    assert_eq!(refusal.name, "/app/orders:logpipe-errors");
    assert!(
        refusal.problem.contains("siem, metrics"),
        "{}",
        refusal.problem
    );
    assert!(
        !plan
            .steps
            .iter()
            .any(|s| matches!(&s.op, Op::PutFilter { group } if group == "/app/orders"))
    );
    assert!(plan.is_refused());
    assert!(
        plan.to_string()
            .contains("1 refused (nothing will be applied)")
    );

    // One foreign filter leaves room for ours.
    current
        .log_groups
        .get_mut("/app/orders")
        .unwrap()
        .filters
        .truncate(1);
    let plan = plan_up(&d, &current);
    assert!(plan.refusals.is_empty());
    assert_eq!(ops(&plan), [(Action::Create, "subscription-filter")]);
}

#[test]
fn a_filter_with_our_name_but_another_destination_is_refused() {
    let d = desired();
    let mut current = matching(&d);
    current.log_groups.get_mut("/app/billing").unwrap().filters[0].destination_arn =
        "arn:aws:lambda:us-east-1:123456789012:function:someone-else".into();
    let plan = plan_up(&d, &current);
    assert_eq!(plan.refusals.len(), 1);
    assert!(plan.refusals[0].problem.contains("someone-else"));
}

#[test]
fn infrequent_access_groups_are_refused() {
    let d = desired();
    let mut current = matching(&d);
    let billing = current.log_groups.get_mut("/app/billing").unwrap();
    billing.class = Some(INFREQUENT_ACCESS_CLASS.into());
    billing.filters.clear();
    let plan = plan_up(&d, &current);
    assert_eq!(plan.refusals.len(), 1);
    assert!(plan.refusals[0].problem.contains("Infrequent Access"));
}

#[test]
fn resources_with_our_names_but_not_our_tags_are_not_adopted() {
    let d = desired();
    let mut current = matching(&d);
    current.table.as_mut().unwrap().tags.clear();
    current.table.as_mut().unwrap().ttl_attribute = None;
    let plan = plan_up(&d, &current);
    assert_eq!(plan.refusals.len(), 1);
    assert_eq!(plan.refusals[0].resource, "dynamodb-table");
    assert!(plan.steps.is_empty());
}

#[test]
fn existing_application_groups_keep_their_retention() {
    let d = desired();
    let mut current = matching(&d);
    let orders = current.log_groups.get_mut("/app/orders").unwrap();
    orders.tags.clear();
    orders.retention_days = None;
    let plan = plan_up(&d, &current);
    assert!(plan.is_empty());
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("/app/orders existed before provision"))
    );
}

#[test]
fn groups_dropped_from_the_options_are_noted_not_unsubscribed() {
    let mut d = desired();
    let current = matching(&d);
    d.app_log_groups.retain(|g| g != "/app/billing");
    let plan = plan_up(&d, &current);
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("/app/billing is still subscribed")),
        "{plan}"
    );
    assert!(!plan.steps.iter().any(|s| s.action == Action::Delete));
}

#[test]
fn subscribers_dropped_from_the_options_are_noted_not_unsubscribed() {
    let mut d = desired();
    let current = matching(&d);
    let dropped = d.subscriptions.remove(0).0;
    let plan = plan_up(&d, &current);
    assert!(plan.is_empty(), "{plan}");
    let label = format!("{}:{}", dropped.protocol, dropped.endpoint);
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains(&label) && n.contains("keeps receiving alerts")),
        "{plan}"
    );
    // The ones still asked for are not noted.
    let all = plan_up(&desired(), &current);
    assert!(
        !all.notes.iter().any(|n| n.contains("keeps receiving")),
        "{all}"
    );
}

#[test]
fn unconfirmed_subscriptions_are_noted_not_changed() {
    let d = desired();
    let mut current = matching(&d);
    let sub = &mut current.topic.as_mut().unwrap().subscriptions[0];
    sub.arn = "PendingConfirmation".into();
    sub.filter_policy = None;
    let plan = plan_up(&d, &current);
    assert!(plan.is_empty());
    assert!(plan.notes[0].contains("waiting for confirmation"));
}

#[test]
fn the_plan_states_the_filter_pattern_and_why() {
    let d = desired();
    let plan = plan_up(&d, &Current::default());
    let note = plan
        .notes
        .iter()
        .find(|n| n.starts_with("subscription filter pattern"))
        .unwrap_or_else(|| panic!("no pattern note in {plan}"));
    assert!(note.contains("the default"), "{note}");
    assert!(note.contains("Lambda timeouts"), "{note}");
    assert!(
        note.ends_with(&format!(
            "The pattern: {}",
            crate::pattern::error_filter_pattern()
        )),
        "{note}"
    );
    assert!(plan.to_string().contains("subscription filter pattern"));
}

#[test]
fn webhooks_are_stored_in_a_secret_the_role_may_read_and_never_shown() {
    let mut s = settings();
    s.webhooks = crate::webhooks::WebhookUrls {
        slack: Some("https://hooks.slack.com/services/T0/B0/SeCrEtPaTh".into()),
        teams: Some("https://prod-1.westus.logic.azure.com/workflows/SeCrEtPaTh".into()),
    };
    let desired = Desired::new(names(), &s);
    let plan = plan_up(&desired, &Current::default());
    let secret = plan
        .steps
        .iter()
        .position(|st| st.resource == "secret")
        .expect("a secret step");
    let function = plan
        .steps
        .iter()
        .position(|st| st.resource == "lambda-function")
        .unwrap();
    assert!(
        secret < function,
        "the secret exists before the function names it"
    );
    let shown = format!("{plan}{}", serde_json::to_string(&plan).unwrap());
    assert!(!shown.contains("SeCrEtPaTh"), "{shown}");
    assert!(shown.contains("Slack https://hooks.slack.com/…"));
    assert_eq!(
        desired.function.env["ALERT_WEBHOOKS_SECRET"],
        "logpipe-alert-webhooks"
    );
    assert!(
        desired
            .function
            .env
            .values()
            .all(|v| !v.contains("SeCrEtPaTh"))
    );
    let statements = desired.role_policy["Statement"].as_array().unwrap();
    assert!(statements.contains(&crate::webhooks::policy_statement(&desired.names)));
    // Converged: nothing to do.
    assert!(plan_up(&desired, &matching(&desired)).is_empty());
    // Without webhooks: no secret, no statement, no variable.
    let plain = Desired::new(names(), &settings());
    assert!(!plain.function.env.contains_key("ALERT_WEBHOOKS_SECRET"));
    assert!(!plain.role_policy.to_string().contains("secretsmanager"));
}

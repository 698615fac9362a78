//! Reads what exists (thin glue over the SDK; every absent resource is `None`).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use crate::aws::Clients;
use crate::errors::{aws, is_missing};
use crate::names::{Names, Tags, group_of_source_arn};
use crate::policy::parse_document;
use crate::state::*;

/// Reads the stack of `names`, looking at `groups` plus the analyzer's own log group and every
/// group the function's permissions point at (so `down` finds filters of earlier runs).
pub async fn read(
    c: &Clients,
    names: &Names,
    groups: &[String],
    with_dashboard: bool,
) -> Result<Current> {
    let function = function(c, names).await?;
    let mut to_read: Vec<String> = groups.to_vec();
    to_read.push(names.function_log_group());
    if let Some(f) = &function {
        to_read.extend(
            f.permissions
                .iter()
                .filter(|p| names.is_permission_statement(&p.sid))
                .filter_map(|p| p.source_arn.as_deref().and_then(group_of_source_arn)),
        );
    }
    to_read.sort();
    to_read.dedup();
    let mut log_groups = BTreeMap::new();
    for group in to_read {
        if let Some(state) = log_group(c, names, &group).await? {
            log_groups.insert(group, state);
        }
    }
    Ok(Current {
        role: role(c, names).await?,
        table: table(c, names).await?,
        queue: queue(c, names).await?,
        topic: topic(c, names).await?,
        function,
        log_groups,
        webhook_secret: None,
        dashboard: if with_dashboard {
            dashboard(c, names).await?
        } else {
            None
        },
    })
}

fn tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tags {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn role(c: &Clients, names: &Names) -> Result<Option<RoleState>> {
    let name = names.role();
    let out = match c.iam.get_role().role_name(&name).send().await {
        Ok(out) => out,
        Err(e) if is_missing(&e, |e| e.is_no_such_entity_exception()) => return Ok(None),
        Err(e) => return Err(aws(e, format!("reading IAM role {name}"))),
    };
    let role = out.role().context("GetRole returned no role")?;
    let trust_policy = role
        .assume_role_policy_document()
        .map(parse_document)
        .transpose()
        .with_context(|| format!("parsing the trust policy of IAM role {name}"))?;
    let inline_policies = c
        .iam
        .list_role_policies()
        .role_name(&name)
        .send()
        .await
        .map_err(|e| aws(e, format!("listing the inline policies of IAM role {name}")))?
        .policy_names()
        .to_vec();
    let policy = if inline_policies.contains(&names.role_policy()) {
        let out = c
            .iam
            .get_role_policy()
            .role_name(&name)
            .policy_name(names.role_policy())
            .send()
            .await
            .map_err(|e| {
                aws(
                    e,
                    format!("reading policy {} of IAM role {name}", names.role_policy()),
                )
            })?;
        Some(parse_document(out.policy_document()).context("parsing the role's inline policy")?)
    } else {
        None
    };
    Ok(Some(RoleState {
        tags: tags(role.tags().iter().map(|t| (t.key(), t.value()))),
        trust_policy,
        policy,
        inline_policies,
    }))
}

async fn table(c: &Clients, names: &Names) -> Result<Option<TableState>> {
    let name = names.table();
    let out = match c.dynamodb.describe_table().table_name(&name).send().await {
        Ok(out) => out,
        Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => return Ok(None),
        Err(e) => return Err(aws(e, format!("reading DynamoDB table {name}"))),
    };
    let t = out.table().context("DescribeTable returned no table")?;
    let hash_key = t
        .key_schema()
        .iter()
        .find(|k| k.key_type() == &aws_sdk_dynamodb::types::KeyType::Hash)
        .map(|k| k.attribute_name().to_string())
        .unwrap_or_default();
    let on_demand = t.billing_mode_summary().and_then(|b| b.billing_mode())
        == Some(&aws_sdk_dynamodb::types::BillingMode::PayPerRequest);
    let indexes = t
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name().map(str::to_string))
        .collect();
    let ttl = c
        .dynamodb
        .describe_time_to_live()
        .table_name(&name)
        .send()
        .await
        .map_err(|e| aws(e, format!("reading the TTL of DynamoDB table {name}")))?;
    use aws_sdk_dynamodb::types::TimeToLiveStatus as S;
    let ttl_attribute = ttl.time_to_live_description().and_then(|d| {
        matches!(d.time_to_live_status(), Some(S::Enabled | S::Enabling))
            .then(|| d.attribute_name().map(str::to_string))
            .flatten()
    });
    let arn = t
        .table_arn()
        .map(str::to_string)
        .unwrap_or_else(|| names.table_arn());
    let tag_list = c
        .dynamodb
        .list_tags_of_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws(e, format!("reading the tags of DynamoDB table {name}")))?;
    let tags = tags(tag_list.tags().iter().map(|t| (t.key(), t.value())));
    let holds_items = if names.is_ours(&tags) {
        holds_items(c, &name).await?
    } else {
        None
    };
    Ok(Some(TableState {
        tags,
        hash_key,
        on_demand,
        indexes,
        ttl_attribute,
        holds_items,
    }))
}

/// Whether a table holds at least one item: a `Scan` that stops after one item and returns
/// only the count. DescribeTable's `ItemCount` is refreshed about every six hours, so a
/// table written a minute ago could read as empty
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html>).
async fn holds_items(c: &Clients, table: &str) -> Result<Option<bool>> {
    match c
        .dynamodb
        .scan()
        .table_name(table)
        .limit(1)
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.count() > 0 || out.last_evaluated_key().is_some())),
        Err(e) if e.code().is_none() && e.as_service_error().is_some() => Ok(None),
        Err(e) => Err(aws(
            e,
            format!("looking for incidents in DynamoDB table {table}"),
        )),
    }
}

async fn queue(c: &Clients, names: &Names) -> Result<Option<QueueState>> {
    let name = names.queue();
    let out = match c.sqs.get_queue_url().queue_name(&name).send().await {
        Ok(out) => out,
        Err(e) if is_missing(&e, |e| e.is_queue_does_not_exist()) => return Ok(None),
        Err(e) => return Err(aws(e, format!("looking up SQS queue {name}"))),
    };
    let url = out
        .queue_url()
        .context("GetQueueUrl returned no URL")?
        .to_string();
    let out = c
        .sqs
        .list_queue_tags()
        .queue_url(&url)
        .send()
        .await
        .map_err(|e| aws(e, format!("reading the tags of SQS queue {name}")))?;
    let tags = out
        .tags()
        .map(|t| tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        .unwrap_or_default();
    let holds_messages = if names.is_ours(&tags) {
        holds_messages(c, &name, &url).await?
    } else {
        None
    };
    Ok(Some(QueueState {
        url,
        tags,
        holds_messages,
    }))
}

/// Whether a queue holds messages, visible or being received. The counts are approximate
/// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html>);
/// an answer without them leaves it unknown, and `down` then keeps the queue.
async fn holds_messages(c: &Clients, name: &str, url: &str) -> Result<Option<bool>> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = c
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(A::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .map_err(|e| aws(e, format!("counting the messages of SQS queue {name}")))?;
    let Some(attributes) = out.attributes() else {
        return Ok(None);
    };
    let mut total = 0u64;
    for name in [
        A::ApproximateNumberOfMessages,
        A::ApproximateNumberOfMessagesNotVisible,
        A::ApproximateNumberOfMessagesDelayed,
    ] {
        match attributes.get(&name).map(|n| n.parse::<u64>()) {
            Some(Ok(n)) => total += n,
            _ => return Ok(None),
        }
    }
    Ok(Some(total > 0))
}

/// A filter policy as stored: absent, empty or `{}` all mean "no filter".
fn filter_policy(raw: Option<&String>) -> Result<Option<Value>> {
    match raw.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let v: Value =
                serde_json::from_str(s).context("parsing a subscription filter policy")?;
            Ok((v != Value::Object(Default::default())).then_some(v))
        }
    }
}

async fn topic(c: &Clients, names: &Names) -> Result<Option<TopicState>> {
    let arn = names.topic_arn();
    match c.sns.get_topic_attributes().topic_arn(&arn).send().await {
        Ok(_) => {}
        Err(e) if is_missing(&e, |e| e.is_not_found_exception()) => return Ok(None),
        Err(e) => return Err(aws(e, format!("reading SNS topic {arn}"))),
    }
    let tag_list = c
        .sns
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws(e, format!("reading the tags of SNS topic {arn}")))?;
    let mut subscriptions = Vec::new();
    let mut token = None;
    loop {
        let out = c
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(&arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws(e, format!("listing the subscriptions of SNS topic {arn}")))?;
        for s in out.subscriptions() {
            let sub_arn = s.subscription_arn().unwrap_or_default().to_string();
            let mut state = SubscriptionState {
                protocol: s.protocol().unwrap_or_default().to_string(),
                endpoint: s.endpoint().unwrap_or_default().to_string(),
                arn: sub_arn.clone(),
                filter_policy: None,
            };
            if state.is_confirmed() {
                let attrs = c
                    .sns
                    .get_subscription_attributes()
                    .subscription_arn(&sub_arn)
                    .send()
                    .await
                    .map_err(|e| aws(e, format!("reading SNS subscription {sub_arn}")))?;
                state.filter_policy =
                    filter_policy(attrs.attributes().and_then(|a| a.get("FilterPolicy")))?;
            }
            subscriptions.push(state);
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(Some(TopicState {
        tags: tags(tag_list.tags().iter().map(|t| (t.key(), t.value()))),
        subscriptions,
    }))
}

/// The statements of a Lambda resource policy (as GetPolicy returns it).
pub fn permissions_of_policy(policy: &Value) -> Vec<PermissionState> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    policy["Statement"]
        .as_array()
        .map(|statements| {
            statements
                .iter()
                .map(|s| PermissionState {
                    sid: text(&s["Sid"]).unwrap_or_default(),
                    principal: text(&s["Principal"]["Service"]).unwrap_or_default(),
                    source_arn: text(&s["Condition"]["ArnLike"]["AWS:SourceArn"]),
                    source_account: text(&s["Condition"]["StringEquals"]["AWS:SourceAccount"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn function(c: &Clients, names: &Names) -> Result<Option<FunctionState>> {
    let name = names.function();
    let out = match c.lambda.get_function().function_name(&name).send().await {
        Ok(out) => out,
        Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => return Ok(None),
        Err(e) => return Err(aws(e, format!("reading Lambda function {name}"))),
    };
    let f = out
        .configuration()
        .context("GetFunction returned no configuration")?;
    let mut state = FunctionState {
        tags: out
            .tags()
            .map(|t| tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
            .unwrap_or_default(),
        runtime: f
            .runtime()
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        handler: f.handler().unwrap_or_default().to_string(),
        role_arn: f.role().unwrap_or_default().to_string(),
        memory_mb: f.memory_size().unwrap_or_default(),
        timeout_secs: f.timeout().unwrap_or_default(),
        // Lambda reports no architecture for functions created before arm64 existed: x86_64.
        architecture: f
            .architectures()
            .first()
            .map_or("x86_64", |a| a.as_str())
            .to_string(),
        env: f
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        code_sha256: f.code_sha256().unwrap_or_default().to_string(),
        ..FunctionState::default()
    };
    match c
        .lambda
        .get_function_event_invoke_config()
        .function_name(&name)
        .send()
        .await
    {
        Ok(out) => {
            state.max_retry_attempts = out.maximum_retry_attempts();
            state.on_failure_arn = out
                .destination_config()
                .and_then(|d| d.on_failure())
                .and_then(|o| o.destination())
                .map(str::to_string);
        }
        Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => {}
        Err(e) => {
            return Err(aws(
                e,
                format!("reading the invoke config of Lambda function {name}"),
            ));
        }
    }
    match c.lambda.get_policy().function_name(&name).send().await {
        Ok(out) => {
            let policy: Value =
                serde_json::from_str(out.policy().unwrap_or("{}")).with_context(|| {
                    format!("parsing the resource policy of Lambda function {name}")
                })?;
            state.permissions = permissions_of_policy(&policy);
        }
        // No policy yet: no permissions.
        Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => {}
        Err(e) => {
            return Err(aws(
                e,
                format!("reading the resource policy of Lambda function {name}"),
            ));
        }
    }
    Ok(Some(state))
}

async fn log_group(c: &Clients, names: &Names, group: &str) -> Result<Option<LogGroupState>> {
    let mut token = None;
    let found = loop {
        let out = c
            .logs
            .describe_log_groups()
            .log_group_name_prefix(group)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws(e, format!("reading log group {group}")))?;
        if let Some(g) = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group))
        {
            break Some(g.clone());
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break None;
        }
    };
    let Some(g) = found else { return Ok(None) };
    let arn = g
        .log_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| names.location.arn("logs", &format!("log-group:{group}")));
    let tag_map = c
        .logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws(e, format!("reading the tags of log group {group}")))?;
    let filters = c
        .logs
        .describe_subscription_filters()
        .log_group_name(group)
        .send()
        .await
        .map_err(|e| {
            aws(
                e,
                format!("reading the subscription filters of log group {group}"),
            )
        })?;
    let tags = tag_map
        .tags()
        .map(|t| tags(t.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        .unwrap_or_default();
    // Only a group `down` could delete needs to be looked into.
    let holds_events = if names.is_ours(&tags) {
        holds_events(c, group).await?
    } else {
        None
    };
    Ok(Some(LogGroupState {
        tags,
        holds_events,
        retention_days: g.retention_in_days(),
        class: g.log_group_class().map(|c| c.as_str().to_string()),
        filters: filters
            .subscription_filters()
            .iter()
            .map(|f| FilterState {
                name: f.filter_name().unwrap_or_default().to_string(),
                pattern: f.filter_pattern().unwrap_or_default().to_string(),
                destination_arn: f.destination_arn().unwrap_or_default().to_string(),
            })
            .collect(),
    }))
}

/// How many pages of FilterLogEvents to read looking for one event before giving up (on a big
/// group CloudWatch may answer pages without events while it searches).
const MAX_EVENT_PAGES: usize = 20;

/// Whether `group` holds at least one log event: `Some(false)` only when that is certain.
///
/// `storedBytes` of DescribeLogGroups is updated late on AWS and not at all by moto, so the
/// events themselves are looked for, with FilterLogEvents and a limit of one, followed for a
/// few pages (no stream, no event: an empty page without a next token). An answer that
/// cannot be read (moto reports the timestamps of its own Lambda log events as fractions)
/// leaves it unknown, and `down` then keeps the group.
async fn holds_events(c: &Clients, group: &str) -> Result<Option<bool>> {
    let mut token = None;
    for _ in 0..MAX_EVENT_PAGES {
        let out = match c
            .logs
            .filter_log_events()
            .log_group_name(group)
            .limit(1)
            .set_next_token(token)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.code().is_none() && e.as_service_error().is_some() => return Ok(None),
            Err(e) => {
                return Err(aws(
                    e,
                    format!("looking for log events in log group {group}"),
                ));
            }
        };
        if !out.events().is_empty() {
            return Ok(Some(true));
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(Some(false));
        }
    }
    Ok(None)
}

async fn dashboard(c: &Clients, names: &Names) -> Result<Option<DashboardState>> {
    let name = names.dashboard();
    let out = match c
        .cloudwatch
        .get_dashboard()
        .dashboard_name(&name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if is_missing(&e, |e| e.is_dashboard_not_found_error()) => return Ok(None),
        Err(e) => {
            return Err(crate::errors::dashboard(
                e,
                format!("reading dashboard {name}"),
            ));
        }
    };
    let body = serde_json::from_str(out.dashboard_body().unwrap_or("{}"))
        .with_context(|| format!("parsing the body of dashboard {name}"))?;
    Ok(Some(DashboardState { body }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_policy_statements_are_read() {
        let policy: Value =
            serde_json::from_str(include_str!("../tests/fixtures/lambda_policy.json")).unwrap();
        let permissions = permissions_of_policy(&policy);
        assert_eq!(
            permissions,
            [PermissionState {
                sid: "logpipe-logs-0123456789ab".into(),
                principal: "logs.amazonaws.com".into(),
                source_arn: Some(
                    "arn:aws:logs:us-east-1:123456789012:log-group:/app/orders:*".into()
                ),
                source_account: Some("123456789012".into()),
            }]
        );
        assert_eq!(
            group_of_source_arn(permissions[0].source_arn.as_deref().unwrap()).as_deref(),
            Some("/app/orders")
        );
    }

    #[test]
    fn empty_filter_policies_mean_none() {
        assert_eq!(filter_policy(None).unwrap(), None);
        assert_eq!(filter_policy(Some(&"{}".to_string())).unwrap(), None);
        assert_eq!(
            filter_policy(Some(&r#"{"severity":["CRITICAL"]}"#.to_string())).unwrap(),
            Some(serde_json::json!({"severity": ["CRITICAL"]}))
        );
    }
}

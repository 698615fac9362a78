//! Executes one step (thin glue: one or two SDK calls per step, plus the waits AWS needs).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::Clients;
use crate::desired::{Desired, INDEXES, TABLE_HASH_KEY};
use crate::errors::{aws, is_missing};
use crate::names::Names;
use crate::package::LambdaZip;
use crate::step::Op;

/// How often to poll while waiting for a table, an index or a function to settle.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How many polls before giving up (10 minutes: creating an index on a big table is slow).
const MAX_POLLS: u32 = 300;
/// How long a new IAM role may take to become assumable by Lambda.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>
pub(crate) const ROLE_PROPAGATION: Duration = Duration::from_secs(120);
/// Retention of dead letters: the most SQS allows (14 days), to leave time to look at them.
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html>
const DLQ_RETENTION_SECS: &str = "1209600";

/// What steps act on: the names always, the desired state and zip for `up`.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The stack's names.
    pub names: &'a Names,
    /// Desired state and package (`up` only).
    pub up: Option<(&'a Desired, &'a LambdaZip)>,
}

impl Target<'_> {
    pub(crate) fn desired(&self) -> Result<(&Desired, &LambdaZip)> {
        self.up
            .ok_or_else(|| anyhow!("internal error: a creating step ran without a desired state"))
    }
}

/// Whether a CreateFunction error means the new role has not reached Lambda yet.
pub fn is_role_not_ready(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("InvalidParameterValueException")
        && message.is_some_and(|m| {
            m.contains("cannot be assumed") || m.contains("role defined for the function")
        })
}

fn hash_map(map: &std::collections::BTreeMap<String, String>) -> HashMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Runs `op`.
pub async fn run(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
    let n = t.names;
    match op {
        Op::CreateRole | Op::UpdateTrustPolicy | Op::PutRolePolicy | Op::DeleteRole { .. } => {
            iam(c, t, op).await
        }
        Op::PutWebhookSecret { .. } | Op::DeleteWebhookSecret => {
            crate::webhooks::run(c, n, t.up.map(|(d, _)| d), op).await
        }
        Op::CreateTable
        | Op::SetOnDemand
        | Op::AddIndex { .. }
        | Op::EnableTtl
        | Op::DeleteTable => crate::apply_table::run(c, n, op).await,
        Op::CreateQueue => {
            c.sqs
                .create_queue()
                .queue_name(n.queue())
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::MessageRetentionPeriod,
                    DLQ_RETENTION_SECS,
                )
                .set_tags(Some(hash_map(&n.tags())))
                .send()
                .await
                .map_err(|e| aws(e, format!("creating SQS queue {}", n.queue())))?;
            Ok(())
        }
        Op::DeleteQueue { url } => match c.sqs.delete_queue().queue_url(url).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_missing(&e, |e| e.is_queue_does_not_exist()) => Ok(()),
            Err(e) => Err(aws(e, format!("deleting SQS queue {}", n.queue()))),
        },
        Op::CreateTopic
        | Op::Subscribe { .. }
        | Op::SetFilterPolicy { .. }
        | Op::Unsubscribe { .. }
        | Op::DeleteTopic => crate::apply_sns::run(c, n, op).await,
        Op::CreateFunction
        | Op::UpdateFunctionCode
        | Op::UpdateFunctionConfig
        | Op::PutInvokeConfig
        | Op::AddPermission { .. }
        | Op::DeleteFunction => crate::apply_lambda::run(c, n, t.up, op).await,
        Op::CreateLogGroup { .. }
        | Op::SetRetention { .. }
        | Op::PutFilter { .. }
        | Op::DeleteFilter { .. }
        | Op::DeleteLogGroup { .. } => logs(c, t, op).await,
        Op::PutDashboard => {
            let (d, _) = t.desired()?;
            let body = d
                .dashboard
                .as_ref()
                .ok_or_else(|| anyhow!("internal error: no dashboard body"))?;
            c.cloudwatch
                .put_dashboard()
                .dashboard_name(n.dashboard())
                .dashboard_body(body.to_string())
                .send()
                .await
                .map_err(|e| aws(e, format!("writing dashboard {}", n.dashboard())))?;
            Ok(())
        }
        Op::DeleteDashboard => {
            c.cloudwatch
                .delete_dashboards()
                .dashboard_names(n.dashboard())
                .send()
                .await
                .map_err(|e| aws(e, format!("deleting dashboard {}", n.dashboard())))?;
            Ok(())
        }
    }
}

async fn iam(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
    let n = t.names;
    let role = n.role();
    match op {
        Op::CreateRole => {
            let (d, _) = t.desired()?;
            let mut request = c
                .iam
                .create_role()
                .role_name(&role)
                .description("logpipe analyzer (managed by provision)")
                .assume_role_policy_document(d.trust_policy.to_string());
            for (k, v) in n.tags() {
                request = request.tags(aws_sdk_iam::types::Tag::builder().key(k).value(v).build()?);
            }
            request
                .send()
                .await
                .map_err(|e| aws(e, format!("creating IAM role {role}")))?;
        }
        Op::UpdateTrustPolicy => {
            let (d, _) = t.desired()?;
            c.iam
                .update_assume_role_policy()
                .role_name(&role)
                .policy_document(d.trust_policy.to_string())
                .send()
                .await
                .map_err(|e| aws(e, format!("updating the trust policy of IAM role {role}")))?;
        }
        Op::PutRolePolicy => {
            let (d, _) = t.desired()?;
            c.iam
                .put_role_policy()
                .role_name(&role)
                .policy_name(n.role_policy())
                .policy_document(d.role_policy.to_string())
                .send()
                .await
                .map_err(|e| {
                    aws(
                        e,
                        format!("writing policy {} of IAM role {role}", n.role_policy()),
                    )
                })?;
        }
        Op::DeleteRole { inline_policies } => {
            for policy in inline_policies {
                match c
                    .iam
                    .delete_role_policy()
                    .role_name(&role)
                    .policy_name(policy)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_missing(&e, |e| e.is_no_such_entity_exception()) => {}
                    Err(e) => {
                        return Err(aws(
                            e,
                            format!("deleting policy {policy} of IAM role {role}"),
                        ));
                    }
                }
            }
            match c.iam.delete_role().role_name(&role).send().await {
                Ok(_) => {}
                Err(e) if is_missing(&e, |e| e.is_no_such_entity_exception()) => {}
                Err(e) => return Err(aws(e, format!("deleting IAM role {role}"))),
            }
        }
        other => return Err(anyhow!("internal error: {other:?} is not an IAM step")),
    }
    Ok(())
}

async fn logs(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
    let n = t.names;
    match op {
        Op::CreateLogGroup {
            group,
            retention_days,
        } => {
            match c
                .logs
                .create_log_group()
                .log_group_name(group)
                .set_tags(Some(hash_map(&n.tags())))
                .send()
                .await
            {
                Ok(_) => {}
                // Lambda may create its own group between our read and this step.
                Err(e) if is_missing(&e, |e| e.is_resource_already_exists_exception()) => {}
                Err(e) => return Err(aws(e, format!("creating log group {group}"))),
            }
            set_retention(c, group, *retention_days).await?;
        }
        Op::SetRetention {
            group,
            retention_days,
        } => set_retention(c, group, *retention_days).await?,
        Op::PutFilter { group } => {
            let (d, _) = t.desired()?;
            c.logs
                .put_subscription_filter()
                .log_group_name(group)
                .filter_name(n.filter())
                .filter_pattern(&d.filter_pattern)
                .destination_arn(n.function_arn())
                .send()
                .await
                .map_err(|e| {
                    let limit = e.code() == Some("LimitExceededException");
                    let err = aws(e, format!("putting subscription filter {} on log group {group}", n.filter()));
                    if limit {
                        err.context("the group reached its subscription filter limit since the plan was made")
                    } else {
                        err
                    }
                })?;
        }
        Op::DeleteFilter { group } => {
            match c
                .logs
                .delete_subscription_filter()
                .log_group_name(group)
                .filter_name(n.filter())
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => {}
                Err(e) => {
                    return Err(aws(
                        e,
                        format!("deleting subscription filter {} of {group}", n.filter()),
                    ));
                }
            }
        }
        Op::DeleteLogGroup { group } => {
            match c.logs.delete_log_group().log_group_name(group).send().await {
                Ok(_) => {}
                Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => {}
                Err(e) => return Err(aws(e, format!("deleting log group {group}"))),
            }
        }
        other => return Err(anyhow!("internal error: {other:?} is not a logs step")),
    }
    Ok(())
}

async fn set_retention(c: &Clients, group: &str, days: i32) -> Result<()> {
    c.logs
        .put_retention_policy()
        .log_group_name(group)
        .retention_in_days(days)
        .send()
        .await
        .map_err(|e| {
            aws(
                e,
                format!("setting the retention of log group {group} to {days} days"),
            )
        })?;
    Ok(())
}

/// Polls `check` until it returns true, [`MAX_POLLS`] times at most.
pub async fn wait_until<F, Fut>(what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    for _ in 0..MAX_POLLS {
        if check().await? {
            return Ok(());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    Err(anyhow!(
        "gave up waiting for {what}; run the command again later to resume"
    ))
    .context(what.to_string())
}

/// The key attributes of the table and its indexes (all strings).
pub fn key_attributes() -> Vec<&'static str> {
    let mut keys = vec![TABLE_HASH_KEY];
    for index in &INDEXES {
        keys.push(index.hash_key);
        keys.extend(index.range_key);
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_propagation_errors_are_recognised() {
        assert!(is_role_not_ready(
            Some("InvalidParameterValueException"),
            Some("The role defined for the function cannot be assumed by Lambda.")
        ));
        assert!(!is_role_not_ready(
            Some("InvalidParameterValueException"),
            Some("Unzipped size must be smaller")
        ));
        assert!(!is_role_not_ready(
            Some("AccessDeniedException"),
            Some("cannot be assumed")
        ));
    }

    #[test]
    fn key_attributes_cover_table_and_indexes() {
        assert_eq!(
            key_attributes(),
            ["incident_id", "service", "timestamp", "trace_id"]
        );
    }
}

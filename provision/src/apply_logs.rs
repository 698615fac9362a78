//! CloudWatch Logs steps: log groups, their retention, and our subscription filters.

use std::collections::HashMap;

use anyhow::{Result, anyhow};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::Clients;
use crate::errors::{aws, is_missing};
use crate::step::Op;
use crate::target::Target;

/// Runs a CloudWatch Logs step.
pub async fn run(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
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
                .set_tags(Some(n.tags().into_iter().collect::<HashMap<_, _>>()))
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

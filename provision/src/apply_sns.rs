//! SNS steps: the alerts topic and its subscriptions.

use anyhow::{Result, anyhow};
use aws_sdk_sns::types::Tag;

use crate::aws::Clients;
use crate::errors::{aws, is_missing};
use crate::names::Names;
use crate::step::Op;

/// The subscription attribute holding the filter policy.
const FILTER_POLICY: &str = "FilterPolicy";

/// Runs an SNS step.
pub async fn run(c: &Clients, n: &Names, op: &Op) -> Result<()> {
    let topic = n.topic_arn();
    match op {
        Op::CreateTopic => {
            let mut request = c.sns.create_topic().name(n.topic());
            for (k, v) in n.tags() {
                request = request.tags(Tag::builder().key(k).value(v).build()?);
            }
            request
                .send()
                .await
                .map_err(|e| aws(e, format!("creating SNS topic {}", n.topic())))?;
        }
        Op::Subscribe {
            protocol,
            endpoint,
            filter_policy,
        } => {
            let mut request = c
                .sns
                .subscribe()
                .topic_arn(&topic)
                .protocol(protocol)
                .endpoint(endpoint)
                .return_subscription_arn(true);
            if let Some(policy) = filter_policy {
                request = request.attributes(FILTER_POLICY, policy.to_string());
            }
            request.send().await.map_err(|e| {
                aws(
                    e,
                    format!(
                        "subscribing {protocol}:{endpoint} to SNS topic {}",
                        n.topic()
                    ),
                )
            })?;
            if protocol == "email" {
                eprintln!(
                    "  {endpoint} must confirm the subscription from the e-mail AWS just sent"
                );
            }
        }
        Op::SetFilterPolicy {
            subscription_arn,
            filter_policy,
        } => {
            // `{}` is how SNS is told to drop a filter policy.
            let value = filter_policy
                .as_ref()
                .map_or_else(|| "{}".to_string(), |p| p.to_string());
            c.sns
                .set_subscription_attributes()
                .subscription_arn(subscription_arn)
                .attribute_name(FILTER_POLICY)
                .attribute_value(value)
                .send()
                .await
                .map_err(|e| {
                    aws(
                        e,
                        format!("setting the filter policy of SNS subscription {subscription_arn}"),
                    )
                })?;
        }
        Op::Unsubscribe { subscription_arn } => match c
            .sns
            .unsubscribe()
            .subscription_arn(subscription_arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_missing(&e, |e| e.is_not_found_exception()) => {}
            Err(e) => {
                return Err(aws(
                    e,
                    format!("removing SNS subscription {subscription_arn}"),
                ));
            }
        },
        Op::DeleteTopic => {
            // DeleteTopic succeeds for a topic that no longer exists.
            c.sns
                .delete_topic()
                .topic_arn(&topic)
                .send()
                .await
                .map_err(|e| aws(e, format!("deleting SNS topic {}", n.topic())))?;
        }
        other => return Err(anyhow!("internal error: {other:?} is not an SNS step")),
    }
    Ok(())
}

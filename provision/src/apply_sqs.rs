//! SQS steps: the analyzer's dead-letter queue (its on-failure destination).

use std::collections::HashMap;

use anyhow::{Result, anyhow};

use crate::aws::Clients;
use crate::errors::{aws, is_missing};
use crate::names::Names;
use crate::step::Op;

/// Retention of dead letters: the most SQS allows (14 days), to leave time to look at them.
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html>
const DLQ_RETENTION_SECS: &str = "1209600";

/// Runs an SQS step.
pub async fn run(c: &Clients, n: &Names, op: &Op) -> Result<()> {
    match op {
        Op::CreateQueue => {
            c.sqs
                .create_queue()
                .queue_name(n.queue())
                .attributes(
                    aws_sdk_sqs::types::QueueAttributeName::MessageRetentionPeriod,
                    DLQ_RETENTION_SECS,
                )
                .set_tags(Some(n.tags().into_iter().collect::<HashMap<_, _>>()))
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
        other => Err(anyhow!("internal error: {other:?} is not an SQS step")),
    }
}

//! Lambda steps: the analyzer function, its configuration, invoke config and permissions.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use aws_sdk_lambda::types::{
    Architecture, DestinationConfig, Environment, FunctionCode, LastUpdateStatus, OnFailure,
    Runtime, State,
};
use aws_smithy_types::Blob;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::Clients;
use crate::desired::Desired;
use crate::errors::{aws, is_missing};
use crate::names::Names;
use crate::package::LambdaZip;
use crate::plan::LOGS_PRINCIPAL;
use crate::step::Op;
use crate::target::Target;
use crate::wait::{POLL_INTERVAL, wait_until};

/// How long a new IAM role may take to become assumable by Lambda.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>
const ROLE_PROPAGATION: Duration = Duration::from_secs(120);

/// Whether a CreateFunction error means the new role has not reached Lambda yet.
pub fn is_role_not_ready(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("InvalidParameterValueException")
        && message.is_some_and(|m| {
            m.contains("cannot be assumed") || m.contains("role defined for the function")
        })
}

fn environment(d: &Desired) -> Environment {
    Environment::builder()
        .set_variables(Some(
            d.function
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        ))
        .build()
}

/// Runs a Lambda step.
pub async fn run(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
    let n = t.names;
    let name = n.function();
    match op {
        Op::CreateFunction => create(c, n, t.desired()?).await?,
        Op::UpdateFunctionCode => {
            let (d, zip) = t.desired()?;
            wait_ready(c, &name).await?;
            c.lambda
                .update_function_code()
                .function_name(&name)
                .zip_file(Blob::new(zip.bytes.clone()))
                .architectures(Architecture::from(d.function.architecture.as_str()))
                .customize()
                .config_override(upload_timeouts())
                .send()
                .await
                .map_err(|e| aws(e, format!("uploading new code to Lambda function {name}")))?;
        }
        Op::UpdateFunctionConfig => {
            let (d, _) = t.desired()?;
            let f = &d.function;
            // A configuration update is refused while a code update is still being applied.
            wait_ready(c, &name).await?;
            c.lambda
                .update_function_configuration()
                .function_name(&name)
                .runtime(Runtime::from(f.runtime.as_str()))
                .handler(&f.handler)
                .role(&f.role_arn)
                .memory_size(f.memory_mb)
                .timeout(f.timeout_secs)
                .environment(environment(d))
                .send()
                .await
                .map_err(|e| {
                    aws(
                        e,
                        format!("updating the configuration of Lambda function {name}"),
                    )
                })?;
        }
        Op::PutInvokeConfig => {
            let (d, _) = t.desired()?;
            wait_ready(c, &name).await?;
            c.lambda
                .put_function_event_invoke_config()
                .function_name(&name)
                .maximum_retry_attempts(d.function.max_retry_attempts)
                .destination_config(
                    DestinationConfig::builder()
                        .on_failure(
                            OnFailure::builder()
                                .destination(&d.function.on_failure_arn)
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    aws(
                        e,
                        format!("setting the on-failure destination of Lambda function {name}"),
                    )
                })?;
        }
        Op::AddPermission {
            group,
            statement_id,
            replace,
        } => {
            if *replace {
                match c
                    .lambda
                    .remove_permission()
                    .function_name(&name)
                    .statement_id(statement_id)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => {}
                    Err(e) => {
                        return Err(aws(
                            e,
                            format!("removing permission {statement_id} of {name}"),
                        ));
                    }
                }
            }
            c.lambda
                .add_permission()
                .function_name(&name)
                .statement_id(statement_id)
                .action("lambda:InvokeFunction")
                .principal(LOGS_PRINCIPAL)
                .source_arn(n.location.log_group_arn(group))
                .source_account(&n.location.account)
                .send()
                .await
                .map_err(|e| {
                    aws(
                        e,
                        format!("allowing log group {group} to invoke Lambda function {name}"),
                    )
                })?;
        }
        Op::DeleteFunction => match c.lambda.delete_function().function_name(&name).send().await {
            Ok(_) => {}
            Err(e) if is_missing(&e, |e| e.is_resource_not_found_exception()) => {}
            Err(e) => return Err(aws(e, format!("deleting Lambda function {name}"))),
        },
        other => return Err(anyhow!("internal error: {other:?} is not a Lambda step")),
    }
    Ok(())
}

/// Creates the function, retrying while IAM has not yet propagated a just-created role.
async fn create(c: &Clients, n: &Names, (d, zip): (&Desired, &LambdaZip)) -> Result<()> {
    let name = n.function();
    let f = &d.function;
    let started = Instant::now();
    loop {
        let result = c
            .lambda
            .create_function()
            .function_name(&name)
            .description(
                "logpipe analyzer: error logs -> incidents + alerts (managed by provision)",
            )
            .runtime(Runtime::from(f.runtime.as_str()))
            .handler(&f.handler)
            .role(&f.role_arn)
            .memory_size(f.memory_mb)
            .timeout(f.timeout_secs)
            .architectures(Architecture::from(f.architecture.as_str()))
            .environment(environment(d))
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip.bytes.clone()))
                    .build(),
            )
            .set_tags(Some(n.tags().into_iter().collect()))
            .customize()
            .config_override(upload_timeouts())
            .send()
            .await;
        match result {
            Ok(_) => break,
            Err(e)
                if is_role_not_ready(e.code(), e.message())
                    && started.elapsed() < ROLE_PROPAGATION =>
            {
                eprintln!(
                    "  waiting for IAM role {} to reach Lambda (IAM is eventually consistent)",
                    n.role()
                );
                tokio::time::sleep(POLL_INTERVAL).await;
            }
            Err(e) => return Err(aws(e, format!("creating Lambda function {name}"))),
        }
    }
    wait_ready(c, &name).await
}

/// Waits until the function is active and no update is in progress.
async fn wait_ready(c: &Clients, name: &str) -> Result<()> {
    wait_until(
        &format!("Lambda function {name} to become ready"),
        || async {
            let out = c
                .lambda
                .get_function_configuration()
                .function_name(name)
                .send()
                .await
                .map_err(|e| aws(e, format!("reading Lambda function {name}")))?;
            if out.state() == Some(&State::Failed) {
                return Err(anyhow!(
                    "{}",
                    out.state_reason().unwrap_or("no reason given")
                ))
                .with_context(|| format!("Lambda function {name} failed to become active"));
            }
            let busy = out.state() == Some(&State::Pending)
                || out.last_update_status() == Some(&LastUpdateStatus::InProgress);
            Ok(!busy)
        },
    )
    .await
}

/// The timeouts of the calls that upload the zip: the read timeout counts from when the
/// request starts, so a zip of megabytes over a slow link needs longer than the
/// [`logpipe_aws::READ_TIMEOUT`] every other call has.
fn upload_timeouts() -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::config::Builder::default().timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(logpipe_aws::CONNECT_TIMEOUT)
            .read_timeout(std::time::Duration::from_secs(300))
            .operation_timeout(std::time::Duration::from_secs(600))
            .build(),
    )
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
}

//! IAM steps: the analyzer's execution role, its trust policy and inline policy.

use anyhow::{Result, anyhow};

use crate::aws::Clients;
use crate::errors::{aws, is_missing};
use crate::step::Op;
use crate::target::Target;

/// Runs an IAM step.
pub async fn run(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
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

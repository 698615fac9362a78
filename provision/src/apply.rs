//! Executes one step: dispatches it to the module of its service (thin glue: one or two SDK
//! calls per step, plus the waits AWS needs).

use anyhow::Result;

use crate::aws::Clients;
use crate::step::Op;
use crate::target::Target;
use crate::{
    apply_dashboard, apply_iam, apply_lambda, apply_logs, apply_sns, apply_sqs, apply_table,
};

/// Runs `op`.
pub async fn run(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
    let n = t.names;
    match op {
        Op::CreateRole | Op::UpdateTrustPolicy | Op::PutRolePolicy | Op::DeleteRole { .. } => {
            apply_iam::run(c, t, op).await
        }
        Op::PutWebhookSecret { .. } | Op::DeleteWebhookSecret => {
            crate::webhooks::run(c, n, t.up.and_then(|(d, _)| d.webhooks.as_ref()), op).await
        }
        Op::CreateTable
        | Op::SetOnDemand
        | Op::AddIndex { .. }
        | Op::EnableTtl
        | Op::DeleteTable => apply_table::run(c, n, op).await,
        Op::CreateQueue | Op::DeleteQueue { .. } => apply_sqs::run(c, n, op).await,
        Op::CreateTopic
        | Op::Subscribe { .. }
        | Op::SetFilterPolicy { .. }
        | Op::Unsubscribe { .. }
        | Op::DeleteTopic => apply_sns::run(c, n, op).await,
        Op::CreateFunction
        | Op::UpdateFunctionCode
        | Op::UpdateFunctionConfig
        | Op::PutInvokeConfig
        | Op::AddPermission { .. }
        | Op::DeleteFunction => apply_lambda::run(c, t, op).await,
        Op::CreateLogGroup { .. }
        | Op::SetRetention { .. }
        | Op::PutFilter { .. }
        | Op::DeleteFilter { .. }
        | Op::DeleteLogGroup { .. } => apply_logs::run(c, t, op).await,
        Op::PutDashboard | Op::DeleteDashboard => apply_dashboard::run(c, t, op).await,
    }
}

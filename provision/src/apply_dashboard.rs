//! CloudWatch steps: the incidents dashboard.

use anyhow::{Result, anyhow};

use crate::aws::Clients;
use crate::errors;
use crate::step::Op;
use crate::target::Target;

/// Runs a dashboard step.
pub async fn run(c: &Clients, t: Target<'_>, op: &Op) -> Result<()> {
    let n = t.names;
    match op {
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
                .map_err(|e| {
                    errors::dashboard(e, format!("writing dashboard {}", n.dashboard()))
                })?;
        }
        Op::DeleteDashboard => {
            c.cloudwatch
                .delete_dashboards()
                .dashboard_names(n.dashboard())
                .send()
                .await
                .map_err(|e| {
                    errors::dashboard(e, format!("deleting dashboard {}", n.dashboard()))
                })?;
        }
        other => return Err(anyhow!("internal error: {other:?} is not a dashboard step")),
    }
    Ok(())
}

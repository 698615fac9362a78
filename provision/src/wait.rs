//! Polling until AWS reports that a change has settled (tables, indexes, functions).

use std::time::Duration;

use anyhow::{Context, Result, anyhow};

/// How often to poll while waiting for a table, an index or a function to settle.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How many polls before giving up (10 minutes: creating an index on a big table is slow).
const MAX_POLLS: u32 = 300;

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

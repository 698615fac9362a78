//! Problems a human must fix (wrong credentials, missing permissions), printed to stderr.
//!
//! Not through `tracing`: the worker's own logs would come back into the layer. Rate-limited,
//! so a broken configuration is obvious without flooding the terminal.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most one diagnostic of the same kind per this interval.
const REPEAT_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    last: Mutex<Vec<(&'static str, Instant)>>,
}

impl Diagnostics {
    /// Prints `message` unless a diagnostic of `kind` was printed less than a minute ago.
    pub(crate) fn report(&self, kind: &'static str, message: impl FnOnce() -> String) {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match last.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, at)) if now.duration_since(*at) < REPEAT_AFTER => return,
            Some((_, at)) => *at = now,
            None => last.push((kind, now)),
        }
        eprintln!("tracing-cloudwatch-logs: {}", message());
    }
}

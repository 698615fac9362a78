//! Your own [`LogsClient`]: here one that writes each record as a line on stdout (as a log
//! agent or a sidecar would pick it up), built without any AWS SDK crate:
//!
//! ```sh
//! cargo run -p tracing-cloudwatch-logs --no-default-features --features layer --example custom_client
//! ```
//!
//! ```toml
//! tracing-cloudwatch-logs = { version = "0.1", default-features = false, features = ["layer"] }
//! ```
//!
//! The worker still batches, retries (when the client returns a retryable [`ClientError`]),
//! bounds memory and counts; the client only moves bytes.

use std::io::Write;
use std::sync::Mutex;

use tracing_cloudwatch_logs::{
    BoxFuture, ClientError, ErrorKind, LogsClient, PutLogEventsRequest, PutLogEventsResponse,
};
use tracing_subscriber::prelude::*;

/// Writes every record to stdout, one JSON object per line.
struct StdoutClient {
    out: Mutex<std::io::Stdout>,
}

impl LogsClient for StdoutClient {
    fn put_log_events<'a>(
        &'a self,
        request: PutLogEventsRequest<'a>,
    ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>> {
        Box::pin(async move {
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            for event in request.events() {
                // A failed write is a transport failure: the worker retries it with backoff.
                writeln!(out, "{}", event.message())
                    .map_err(|e| ClientError::transport(ErrorKind::Dispatch, e.to_string()))?;
            }
            out.flush()
                .map_err(|e| ClientError::transport(ErrorKind::Dispatch, e.to_string()))?;
            Ok(PutLogEventsResponse::default())
        })
    }

    // Nothing to create for stdout; a real transport creates the group and the stream here
    // and reports "already exists" as `ResourceAlreadyExistsException`.
    fn create_log_group<'a>(&'a self, _group: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async { Ok(()) })
    }

    fn create_log_stream<'a>(
        &'a self,
        _group: &'a str,
        _stream: &'a str,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async { Ok(()) })
    }

    fn put_retention_policy<'a>(
        &'a self,
        _group: &'a str,
        _days: i32,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async { Ok(()) })
    }
}

// No async runtime in this program: the layer's worker brings its own.
fn main() -> Result<(), tracing_cloudwatch_logs::BuildError> {
    let client = StdoutClient {
        out: Mutex::new(std::io::stdout()),
    };
    let (layer, guard) = tracing_cloudwatch_logs::builder()
        .log_group("/examples/custom-client")
        .service("custom-client-example")
        .build(client)?;
    tracing_subscriber::registry().with(layer).init();

    for job in 0..3 {
        let span = tracing::info_span!("job", job);
        let _entered = span.enter();
        tracing::info!(attempt = 1, "job done");
    }

    // Dropping the guard delivers what is buffered (no runtime needed), then reports.
    let handle = guard.handle();
    drop(guard);
    let metrics = handle.metrics();
    eprintln!(
        "log events: delivered {}, dropped {}",
        metrics.delivered,
        metrics.dropped.total()
    );
    Ok(())
}

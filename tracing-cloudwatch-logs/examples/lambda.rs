//! Inside an AWS Lambda function: the layer is built once per execution environment, and each
//! invocation ends with a flush, because Lambda freezes the environment as soon as the handler
//! returns (a worker frozen with records in its buffer would send them only at the next
//! invocation, or never).
//!
//! Build it for Lambda with `cargo lambda build --release --example lambda`; the function
//! needs `logs:PutLogEvents` and `logs:CreateLogStream` on the group, and `LOG_GROUP` set
//! (default `/examples/lambda`). Lambda's own logging keeps working on stdout.

use std::time::{Duration, SystemTime};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};
use tracing_cloudwatch_logs::CloudWatchHandle;
use tracing_subscriber::prelude::*;

/// Time left for the response after the flush gives up.
const FLUSH_MARGIN: Duration = Duration::from_millis(200);

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config().await;
    let (cloudwatch, guard) = tracing_cloudwatch_logs::builder()
        .log_group(std::env::var("LOG_GROUP").unwrap_or_else(|_| "/examples/lambda".into()))
        .service(std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "lambda".into()))
        .build(aws_sdk_cloudwatchlogs::Client::new(&config))?;
    tracing_subscriber::registry().with(cloudwatch).init();

    // The guard lives as long as `main`; handlers get a cheap handle to flush through.
    let handle = guard.handle();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handle = handle.clone();
        async move { invocation(&handle, event).await }
    }))
    .await?;
    drop(guard);
    Ok(())
}

/// One invocation: the handler's work, then a flush before the response is returned.
async fn invocation(handle: &CloudWatchHandle, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let request_id = event.context.request_id.clone();
    let result = {
        let span = tracing::info_span!("invocation", request_id = %request_id);
        let _entered = span.enter();
        handle_event(&event.payload)
    };
    // Every record of this invocation is delivered (or counted as dropped) before Lambda can
    // freeze the environment. Bounded: with CloudWatch unreachable a flush waits as long as
    // the batch is retried (`max_retry_duration`), longer than an invocation may last; what
    // is not sent yet stays buffered and goes with the next invocation's flush.
    let left = event
        .context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    let _ = tokio::time::timeout(left.saturating_sub(FLUSH_MARGIN), handle.flush()).await;
    result
}

fn handle_event(payload: &Value) -> Result<Value, Error> {
    let Some(name) = payload.get("name").and_then(Value::as_str) else {
        tracing::warn!(%payload, "event without a name");
        return Err("the event needs a \"name\" string".into());
    };
    tracing::info!(name, "greeting");
    Ok(json!({ "message": format!("hello, {name}") }))
}

/// The standard AWS chain (see the `minimal` example for why the HTTP client is named).
async fn aws_config() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await
}

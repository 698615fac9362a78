//! The Lambda function: clients built once per cold start, one handler call per invocation.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use analyzer_lambda::alert::sns::SnsAlerter;
use analyzer_lambda::config::Config;
use analyzer_lambda::handler::{Analyzer, HandlerError, Summary};
use analyzer_lambda::store::dynamodb::DynamoStore;
use analyzer_lambda::trace_link::LinkTargets;
use analyzer_lambda::webhook::ledger::DynamoLedger;
use analyzer_lambda::webhook::post::Poster;
use analyzer_lambda::webhook::secret::SecretUrls;
use analyzer_lambda::webhook::{UrlSource, Webhooks, WithWebhooks};
use anyhow::{Context, bail};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};

/// The analyzer as the function runs it.
pub type LiveAnalyzer = Analyzer<DynamoStore, WithWebhooks<SnsAlerter, DynamoLedger>>;

/// Builds the analyzer from the configuration and the SDK configuration.
pub fn build(config: &Config, sdk: &aws_config::SdkConfig) -> anyhow::Result<LiveAnalyzer> {
    let mut settings = config.settings.clone();
    if std::env::var_os("AWS_REGION").is_none()
        && let Some(region) = sdk.region()
    {
        settings.region = region.to_string();
    }
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let webhooks = match &config.webhooks_secret {
        None => None,
        Some(secret) => Some(Webhooks::new(
            UrlSource::Secret(SecretUrls::new(
                aws_sdk_secretsmanager::Client::new(sdk),
                secret,
            )),
            DynamoLedger::new(dynamodb.clone(), &config.table),
            Poster::new(Duration::from_millis(config.webhook_timeout_ms))
                .map_err(anyhow::Error::msg)?,
        )),
    };
    let links = LinkTargets {
        region: settings.region.clone(),
        log_groups: settings.trace_log_groups.clone(),
    };
    Ok(Analyzer::new(
        DynamoStore::new(dynamodb, &config.table).with_trace_links(links),
        WithWebhooks::new(
            SnsAlerter::new(aws_sdk_sns::Client::new(sdk), &config.topic_arn),
            webhooks,
        ),
        settings,
    ))
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Runs the Lambda runtime loop.
pub async fn run() -> anyhow::Result<()> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        bail!(
            "not running inside Lambda (AWS_LAMBDA_RUNTIME_API is not set); \
             to process logs from here use `analyzer-lambda replay --log-group <group>`"
        );
    }
    // Lambda captures stdout; one JSON object per line, the summary's fields at top level.
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = Config::from_env().context("reading the configuration")?;
    let margin = Duration::from_millis(config.deadline_margin_ms);
    let sdk = logpipe_aws::load_config().await?;
    let analyzer = Arc::new(build(&config, &sdk)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let analyzer = Arc::clone(&analyzer);
        async move { invoke(&analyzer, event, margin).await }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
    .context("the Lambda runtime loop stopped")
}

async fn invoke(
    analyzer: &LiveAnalyzer,
    event: LambdaEvent<serde_json::Value>,
    margin: Duration,
) -> Result<Summary, Diagnostic> {
    let left = event
        .context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    let deadline = Instant::now() + left.saturating_sub(margin);
    analyzer
        .handle_event(&event.payload, now_ms(), Some(deadline))
        .await
        .map_err(|err: HandlerError| Diagnostic {
            error_type: if err.is_transient() {
                "Analyzer.Transient".into()
            } else {
                "Analyzer.Failed".into()
            },
            error_message: err.to_string(),
        })
}

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

/// Checks the variables `lambda_runtime` 1.5 reads with `expect` before it is called, so that
/// a missing one is one line instead of a panic: `AWS_LAMBDA_RUNTIME_API` (its API client),
/// then `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (parsed as an `i32`)
/// and `AWS_LAMBDA_FUNCTION_VERSION` (its `Config::from_env`). Lambda sets them all; only a
/// stand-in for the Runtime API can forget one.
pub fn check_lambda_environment(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    let Some(api) = lookup("AWS_LAMBDA_RUNTIME_API").filter(|v| !v.trim().is_empty()) else {
        bail!(
            "not running inside Lambda (AWS_LAMBDA_RUNTIME_API is not set); \
             to process logs from here use `analyzer-lambda replay --log-group <group>`"
        );
    };
    // The runtime's client converts it to a URI, as written, and panics if it cannot.
    if api.parse::<http::Uri>().is_err() {
        bail!(
            "AWS_LAMBDA_RUNTIME_API={api:?} is not an address of the Runtime API \
             (host:port, such as 127.0.0.1:9001)"
        );
    }
    let also = "Lambda sets it for every function; a stand-in for the Runtime API must set \
                AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE and \
                AWS_LAMBDA_FUNCTION_VERSION too";
    for name in [
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
    ] {
        let Some(value) = lookup(name) else {
            bail!("AWS_LAMBDA_RUNTIME_API is set but {name} is not: {also}");
        };
        // The runtime parses it untrimmed, as an i32.
        if name == "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" && value.parse::<i32>().is_err() {
            bail!("{name}={value:?} is not a number of megabytes (such as 128): {also}");
        }
    }
    Ok(())
}

/// Runs the Lambda runtime loop.
pub async fn run() -> anyhow::Result<()> {
    // std::env::var, as the runtime reads them: a value that is not UTF-8 counts as missing.
    check_lambda_environment(|name| std::env::var(name).ok())?;
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
) -> Result<Summary, InvocationError> {
    let left = event
        .context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    let deadline = Instant::now() + left.saturating_sub(margin);
    // Boxed: the handler's futures nest deep enough (store, alerter, webhooks, retries) that
    // rustc's layout of the runtime's whole future overflowed its query depth in release
    // builds; one allocation per invocation is nothing beside the work it does.
    Box::pin(analyzer.handle_event(&event.payload, now_ms(), Some(deadline)))
        .await
        .map_err(InvocationError::from)
}

/// A failed invocation, as the runtime reports it to Lambda. Its own type rather than
/// `Diagnostic` because the runtime logs a returned error with `{:?}`: this `Debug` is the
/// one line `Analyzer.Failed: <what went wrong>`, not a dump of the struct.
struct InvocationError {
    error_type: &'static str,
    message: String,
}

impl From<HandlerError> for InvocationError {
    fn from(err: HandlerError) -> Self {
        InvocationError {
            error_type: if err.is_transient() {
                "Analyzer.Transient"
            } else {
                "Analyzer.Failed"
            },
            message: err.to_string(),
        }
    }
}

impl std::fmt::Debug for InvocationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl From<InvocationError> for Diagnostic {
    fn from(err: InvocationError) -> Self {
        Diagnostic {
            error_type: err.error_type.into(),
            error_message: err.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn check(vars: &[(&str, &str)]) -> Result<(), String> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        check_lambda_environment(|name| map.get(name).map(|v| v.to_string()))
            .map_err(|e| e.to_string())
    }

    const LAMBDA: [(&str, &str); 4] = [
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:5999"),
        ("AWS_LAMBDA_FUNCTION_NAME", "analyzer"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ];

    #[test]
    fn what_lambda_sets_passes() {
        assert_eq!(check(&LAMBDA), Ok(()));
    }

    #[test]
    fn each_variable_the_runtime_needs_is_named_when_missing() {
        assert!(
            check(&[])
                .unwrap_err()
                .contains("not running inside Lambda")
        );
        for (missing, _) in &LAMBDA[1..] {
            let vars: Vec<_> = LAMBDA
                .iter()
                .filter(|(name, _)| name != missing)
                .copied()
                .collect();
            let err = check(&vars).unwrap_err();
            assert!(err.contains(&format!("but {missing} is not")), "{err}");
        }
    }

    #[test]
    fn the_memory_size_must_be_a_number() {
        for bad in ["", "256MB", " 256", "99999999999"] {
            let mut vars = LAMBDA.to_vec();
            vars[2].1 = bad;
            let err = check(&vars).unwrap_err();
            assert!(err.contains("is not a number of megabytes"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_runtime_api_must_be_an_address() {
        for bad in ["a^b", "127.0.0.1:9001 x", "http://"] {
            let mut vars = LAMBDA.to_vec();
            vars[0].1 = bad;
            let err = check(&vars).unwrap_err();
            assert!(
                err.contains("is not an address of the Runtime API"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_failed_invocation_is_one_line_in_the_log_and_a_diagnostic_for_lambda() {
        let err = InvocationError::from(HandlerError::Contention("abc".into()));
        let logged = format!("{err:?}");
        assert!(
            logged.starts_with("Analyzer.Transient: aggregate abc"),
            "{logged}"
        );
        assert!(!logged.contains('{'), "{logged}");
        let diagnostic = Diagnostic::from(err);
        assert_eq!(diagnostic.error_type, "Analyzer.Transient");
        assert!(diagnostic.error_message.contains("aggregate abc"));
    }
}

//! A Lambda function run locally from its deployment zip: the configuration read back from the
//! Lambda API (moto), the zip checked against `CodeSha256` and unpacked, `bootstrap` run
//! behind a local Runtime API with the function's environment, and asynchronous invocations
//! queued and retried as Lambda does.

pub mod environment;
pub mod execution;
pub mod function_logs;
pub mod package;
pub mod retry;
pub mod runtime_api;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationError;
use logpipe_aws::describe_error;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, mpsc};

use environment::{Credentials, FunctionConfig};
use execution::{ExecutionEnvironment, Failure, Launch};
use function_logs::FunctionLogs;
use retry::RetryPolicy;

/// Why a function cannot be run locally.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The function does not exist (`ResourceNotFoundException`).
    #[error("Lambda has no function {function} ({message})")]
    FunctionNotFound {
        /// The function, as asked for.
        function: String,
        /// What Lambda answered.
        message: String,
    },
    /// A Lambda API call failed.
    #[error("{call} for {function} failed: {message}")]
    Lambda {
        /// The call.
        call: &'static str,
        /// The function.
        function: String,
        /// The SDK error.
        message: String,
    },
    /// The SDK configuration has no credentials to give the function.
    #[error("no AWS credentials to give the function: {0}")]
    Credentials(String),
    /// The zip cannot be read.
    #[error("reading the deployment zip {path}: {source}")]
    ReadZip {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The zip is not the deployed one, or cannot run.
    #[error(transparent)]
    Package(#[from] package::PackageError),
    /// The task root cannot be created.
    #[error("creating a directory for the function's code: {0}")]
    TaskRoot(std::io::Error),
    /// The SDK points at AWS, not at a local emulator.
    #[error(
        "the AWS endpoint is {0:?}, not a local emulator: set AWS_ENDPOINT_URL to a loopback \
         address (moto); a function run here must not reach real AWS"
    )]
    NotLocal(String),
}

/// Whether `endpoint` is on the loopback interface.
fn is_loopback(endpoint: &str) -> bool {
    let rest = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))
        .unwrap_or(endpoint);
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    host == "localhost" || host.starts_with("127.") || rest.starts_with("[::1]")
}

/// `GetFunctionConfiguration`'s failure as a [`StartError`]: a missing function gets a variant
/// of its own, so that a caller can say what to do about it.
fn config_error(
    function: &str,
    err: aws_sdk_lambda::error::SdkError<GetFunctionConfigurationError>,
) -> StartError {
    if err
        .as_service_error()
        .is_some_and(|e| e.is_resource_not_found_exception())
    {
        return StartError::FunctionNotFound {
            function: function.to_string(),
            // The service error alone: the SDK error around it adds only "service error".
            message: describe_error(&err.into_service_error()),
        };
    }
    StartError::Lambda {
        call: "GetFunctionConfiguration",
        function: function.to_string(),
        message: describe_error(&err),
    }
}

/// Reads `function`'s configuration and asynchronous invocation settings.
pub async fn read_config(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
) -> Result<(FunctionConfig, RetryPolicy), StartError> {
    let out = lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .map_err(|e| config_error(function, e))?;
    let name = out.function_name().unwrap_or(function).to_string();
    let variables: BTreeMap<String, String> = out
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let config = FunctionConfig {
        arn: out.function_arn().unwrap_or_default().to_string(),
        memory_mb: out.memory_size().unwrap_or(128),
        timeout_secs: out.timeout().unwrap_or(3),
        handler: out.handler().map(str::to_string),
        code_sha256: out.code_sha256().unwrap_or_default().to_string(),
        variables,
        log_group: out
            .logging_config()
            .and_then(|l| l.log_group())
            .map(str::to_string)
            .unwrap_or_else(|| format!("/aws/lambda/{name}")),
        name,
    };
    let mut policy = RetryPolicy::default();
    // No event invoke configuration means Lambda's defaults.
    if let Ok(settings) = lambda
        .get_function_event_invoke_config()
        .function_name(function)
        .send()
        .await
    {
        if let Some(attempts) = settings.maximum_retry_attempts() {
            policy.max_retry_attempts = attempts.max(0) as u32;
        }
        if let Some(age) = settings.maximum_event_age_in_seconds() {
            policy.max_event_age = std::time::Duration::from_secs(age.max(0) as u64);
        }
    }
    Ok((config, policy))
}

/// Counts of a local function's asynchronous invocations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InvokeStats {
    /// Events accepted (each `invoke_async`).
    pub queued: u64,
    /// Attempts run.
    pub attempts: u64,
    /// Events the function handled.
    pub succeeded: u64,
    /// Failed attempts (function errors, timeouts, crashes).
    pub failed_attempts: u64,
    /// Events dropped after their last attempt failed, as Lambda drops them without a
    /// dead-letter destination (each is also reported on stderr).
    pub discarded: u64,
    /// Processes started (cold starts).
    pub cold_starts: u64,
}

impl InvokeStats {
    /// Adds another execution environment's counts (after a configuration change replaced it).
    pub fn add(&mut self, other: &InvokeStats) {
        self.queued += other.queued;
        self.attempts += other.attempts;
        self.succeeded += other.succeeded;
        self.failed_attempts += other.failed_attempts;
        self.discarded += other.discarded;
        self.cold_starts += other.cold_starts;
    }
}

struct Job {
    event: Value,
    label: String,
    attempts: u32,
    queued_at: Instant,
}

struct Shared {
    queue: mpsc::UnboundedSender<Job>,
    outstanding: AtomicUsize,
    idle: Notify,
    stats: Mutex<InvokeStats>,
    responses: Mutex<Vec<Value>>,
}

impl Shared {
    fn done(&self) {
        if self.outstanding.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    fn stats(&self) -> std::sync::MutexGuard<'_, InvokeStats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A function running locally, invoked asynchronously.
#[derive(Clone)]
pub struct LocalFunction {
    shared: Arc<Shared>,
    config: FunctionConfig,
    logs: FunctionLogs,
}

/// Options of [`LocalFunction::start`].
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// Retries of failed invocations.
    pub retry: RetryPolicy,
}

impl LocalFunction {
    /// Checks `zip_path` against the deployed function, unpacks it and readies the function.
    /// The process starts on the first invocation, as a cold start does.
    pub async fn start(
        sdk: &aws_config::SdkConfig,
        config: FunctionConfig,
        zip_path: &Path,
        options: StartOptions,
    ) -> Result<LocalFunction, StartError> {
        let endpoint = sdk.endpoint_url().unwrap_or_default();
        if !is_loopback(endpoint) {
            return Err(StartError::NotLocal(endpoint.to_string()));
        }
        let zip = std::fs::read(zip_path).map_err(|source| StartError::ReadZip {
            path: zip_path.display().to_string(),
            source,
        })?;
        package::verify(zip_path, &zip, &config.code_sha256)?;
        let dir = tempfile::Builder::new()
            .prefix("local-lambda-task-")
            .tempdir()
            .map_err(StartError::TaskRoot)?;
        let bootstrap = package::unpack(&zip, dir.path())?;
        let credentials = match sdk.credentials_provider() {
            Some(provider) => provider
                .provide_credentials()
                .await
                .map_err(|e| StartError::Credentials(describe_error(&e)))?,
            None => return Err(StartError::Credentials("none configured".into())),
        };
        let logs = FunctionLogs::start(
            aws_sdk_cloudwatchlogs::Client::new(sdk),
            config.log_group.clone(),
        );
        let launch = Launch {
            logs: logs.clone(),
            config: config.clone(),
            bootstrap,
            host_region: sdk
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
            endpoint_url: sdk.endpoint_url().map(str::to_string),
            credentials: Credentials {
                access_key_id: credentials.access_key_id().to_string(),
                secret_access_key: credentials.secret_access_key().to_string(),
                session_token: credentials.session_token().map(str::to_string),
            },
        };
        let (queue, jobs) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue,
            outstanding: AtomicUsize::new(0),
            idle: Notify::new(),
            stats: Mutex::new(InvokeStats::default()),
            responses: Mutex::new(Vec::new()),
        });
        tokio::spawn(worker(
            ExecutionEnvironment::new(launch),
            jobs,
            Arc::clone(&shared),
            options.retry,
            dir,
        ));
        Ok(LocalFunction {
            shared,
            config,
            logs,
        })
    }

    /// Waits until the lines written so far are in the function's log group.
    pub async fn flush_logs(&self) {
        self.logs.flush().await;
    }

    /// The streams of the function's log group its execution environments wrote.
    pub fn log_streams(&self) -> Vec<String> {
        self.logs.streams()
    }

    /// The function's configuration.
    pub fn config(&self) -> &FunctionConfig {
        &self.config
    }

    /// Queues an asynchronous invocation (`InvocationType=Event`): accepted at once, run in
    /// order, retried on failure.
    pub fn invoke_async(&self, event: Value, label: impl Into<String>) {
        self.shared.outstanding.fetch_add(1, Ordering::SeqCst);
        self.shared.stats().queued += 1;
        let job = Job {
            event,
            label: label.into(),
            attempts: 0,
            queued_at: Instant::now(),
        };
        if self.shared.queue.send(job).is_err() {
            self.shared.done();
        }
    }

    /// Waits until every queued event has succeeded or been discarded (retries included).
    pub async fn settle(&self) {
        loop {
            let notified = self.shared.idle.notified();
            if self.shared.outstanding.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Events queued or waiting for a retry.
    pub fn outstanding(&self) -> usize {
        self.shared.outstanding.load(Ordering::SeqCst)
    }

    /// The counts so far.
    pub fn stats(&self) -> InvokeStats {
        self.shared.stats().clone()
    }

    /// The function's successful responses so far, in order.
    pub fn responses(&self) -> Vec<Value> {
        self.shared
            .responses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

async fn worker(
    mut environment: ExecutionEnvironment,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    shared: Arc<Shared>,
    policy: RetryPolicy,
    // Owned by the worker so that the unpacked code goes away however the worker ends: here
    // when the queue closes, or when the runtime drops this future as the process exits (the
    // worker holds a sender of its own queue, so a clean end is not the usual one).
    task_root: tempfile::TempDir,
) {
    while let Some(mut job) = jobs.recv().await {
        job.attempts += 1;
        let starts_before = environment.starts();
        let result = environment.invoke(job.event.clone()).await;
        {
            let mut stats = shared.stats();
            stats.attempts += 1;
            stats.cold_starts += u64::from(environment.starts() - starts_before);
        }
        match result {
            Ok(response) => {
                shared.stats().succeeded += 1;
                shared
                    .responses
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(response);
                shared.done();
            }
            Err(failure) => {
                shared.stats().failed_attempts += 1;
                retry_or_discard(&shared, &policy, job, &failure);
            }
        }
    }
    environment.stop().await;
    drop(task_root);
}

fn retry_or_discard(shared: &Arc<Shared>, policy: &RetryPolicy, job: Job, failure: &Failure) {
    match policy.next_delay(job.attempts, job.queued_at.elapsed()) {
        Some(delay) => {
            eprintln!(
                "local-lambda: attempt {} of {} failed ({failure}); Lambda retries it in {}s",
                job.attempts,
                job.label,
                delay.as_secs_f64()
            );
            let shared = Arc::clone(shared);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if shared.queue.send(job).is_err() {
                    shared.done();
                }
            });
        }
        None => {
            shared.stats().discarded += 1;
            eprintln!(
                "local-lambda: DISCARDED {} after {} failed attempt(s) ({failure}): on AWS this \
                 event would go to the function's on-failure destination or dead-letter queue, \
                 or be lost without one",
                job.label, job.attempts
            );
            shared.done();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_endpoints_are_local() {
        assert!(is_loopback("http://127.0.0.1:5000"));
        assert!(is_loopback("http://localhost:5000/"));
        assert!(is_loopback("http://[::1]:5000"));
        assert!(!is_loopback(""));
        assert!(!is_loopback("https://logs.us-east-1.amazonaws.com"));
        assert!(!is_loopback("http://10.0.0.1:5000"));
    }

    fn sdk_error(
        err: GetFunctionConfigurationError,
        status: u16,
    ) -> aws_sdk_lambda::error::SdkError<GetFunctionConfigurationError> {
        let response = aws_sdk_lambda::config::http::HttpResponse::new(
            status.try_into().unwrap(),
            aws_smithy_types::body::SdkBody::empty(),
        );
        aws_sdk_lambda::error::SdkError::service_error(err, response)
    }

    #[test]
    fn a_missing_function_is_said_once() {
        use aws_sdk_lambda::types::error::ResourceNotFoundException;
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:nope";
        let missing = ResourceNotFoundException::builder()
            .message(format!("Function not found: {arn}"))
            .build();
        let err = config_error(
            "nope",
            sdk_error(
                GetFunctionConfigurationError::ResourceNotFoundException(missing),
                404,
            ),
        );
        assert!(
            matches!(&err, StartError::FunctionNotFound { function, .. } if function == "nope"),
            "{err:?}"
        );
        let text = err.to_string();
        assert_eq!(text.matches("Function not found").count(), 1, "{text}");
        assert!(text.contains(arn), "{text}");
    }

    #[test]
    fn other_lambda_failures_name_the_call_without_debug_output() {
        let err = config_error(
            "f",
            sdk_error(GetFunctionConfigurationError::unhandled("boom"), 500),
        );
        let text = err.to_string();
        assert!(
            text.starts_with("GetFunctionConfiguration for f failed: "),
            "{text}"
        );
        assert!(!text.contains("{"), "{text}");
    }
}

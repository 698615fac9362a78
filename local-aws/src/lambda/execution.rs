//! One execution environment: the `bootstrap` process behind its own Runtime API, started on
//! first use, reused across invocations, and replaced after a timeout or a crash, as Lambda
//! does ("Lambda execution environment lifecycle",
//! <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html>).
//!
//! It writes the lines Lambda writes around each invocation (`START`, `END`, `REPORT`, `Task
//! timed out after ...`) and the function's own output to the function's log group (see
//! [`super::function_logs`]), and to stderr prefixed with the function's name.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

use super::environment::{FunctionConfig, Host, environment};
use super::function_logs::{FunctionLogs, Line};
use super::runtime_api::{Invocation, Outcome, RuntimeApi};

/// Why an invocation failed: all are function errors, which Lambda retries.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Failure {
    /// The function posted an error.
    #[error("the function returned an error: {error_type}: {message}")]
    Function {
        /// `errorType`.
        error_type: String,
        /// `errorMessage`.
        message: String,
    },
    /// No answer before the function's timeout.
    #[error("Task timed out after {0:.2} seconds")]
    Timeout(f64),
    /// The process exited during the invocation (or before taking it).
    #[error("Runtime exited with error: {status}{init}")]
    RuntimeExit {
        /// The exit status.
        status: String,
        /// The runtime's `init/error` report, if it made one.
        init: String,
    },
    /// The process could not be started.
    #[error("the bootstrap could not be started: {0}")]
    Start(String),
}

/// What the environment needs to start a process.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The function.
    pub config: FunctionConfig,
    /// The unpacked `bootstrap`.
    pub bootstrap: PathBuf,
    /// The region the function runs in.
    pub host_region: String,
    /// The emulator's endpoint.
    pub endpoint_url: Option<String>,
    /// Credentials given to the function.
    pub credentials: super::environment::Credentials,
    /// The function's log group.
    pub logs: FunctionLogs,
}

/// The live environment.
pub struct ExecutionEnvironment {
    launch: Launch,
    live: Option<(Child, RuntimeApi)>,
    /// Where the live process's lines go (its own log stream).
    output: Option<Output>,
    /// When the live process was started, until its first invocation reports the init time.
    init_started: Option<Instant>,
    starts: u32,
}

/// Where one environment's lines go: stderr with the function's name, and its log stream.
#[derive(Clone)]
struct Output {
    prefix: String,
    stream: String,
    logs: FunctionLogs,
    /// Lines read from the process so far (see [`Output::catch_up`]).
    read: Arc<AtomicU64>,
}

impl Output {
    fn line(&self, line: &str) {
        eprintln!("{} {line}", self.prefix);
        self.logs.send(Line {
            stream: self.stream.clone(),
            timestamp_ms: now_ms(),
            message: line.to_string(),
        });
    }

    /// Waits until the process's output has been read: what the function printed before
    /// answering (or dying) is in its pipes already, and comes before `END` and `REPORT`, as
    /// on Lambda. The readers are done when a few milliseconds pass without a new line.
    async fn catch_up(&self) {
        const QUIET: Duration = Duration::from_millis(5);
        const AT_MOST: Duration = Duration::from_millis(500);
        let started = Instant::now();
        loop {
            let before = self.read.load(Ordering::SeqCst);
            tokio::time::sleep(QUIET).await;
            if self.read.load(Ordering::SeqCst) == before || started.elapsed() > AT_MOST {
                return;
            }
        }
    }
}

/// Copies the process's lines to `output`. Bytes that are not UTF-8 are replaced, not a
/// reason to stop reading (which would lose every later line).
fn forward<R: AsyncRead + Unpin + Send + 'static>(reader: R, output: Output) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line);
                    output.line(text.trim_end_matches(['\n', '\r']));
                    output.read.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    });
}

/// The process's peak resident memory in MB (Lambda's `Max Memory Used`), while it runs.
fn max_memory_used_mb(child: &Child) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()?)).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib.div_ceil(1024))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl ExecutionEnvironment {
    /// An environment that starts its process on first use.
    pub fn new(launch: Launch) -> ExecutionEnvironment {
        ExecutionEnvironment {
            launch,
            live: None,
            output: None,
            init_started: None,
            starts: 0,
        }
    }

    /// Processes started so far (cold starts).
    pub fn starts(&self) -> u32 {
        self.starts
    }

    async fn start(&mut self) -> Result<(), Failure> {
        let config = &self.launch.config;
        let api = RuntimeApi::start(&config.arn)
            .await
            .map_err(|e| Failure::Start(format!("serving the Runtime API: {e}")))?;
        let task_root = self
            .launch
            .bootstrap
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        let stream = format!("{}/[$LATEST]{}", today(), uuid::Uuid::new_v4().simple());
        let env: BTreeMap<String, String> = environment(
            config,
            Host {
                runtime_api: &api.address,
                region: &self.launch.host_region,
                task_root: &task_root,
                log_stream: &stream,
                endpoint_url: self.launch.endpoint_url.as_deref(),
                credentials: &self.launch.credentials,
            },
        );
        let mut child = Command::new(&self.launch.bootstrap)
            .env_clear()
            .envs(env)
            .current_dir(&task_root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Failure::Start(format!("{}: {e}", self.launch.bootstrap.display())))?;
        let output = Output {
            prefix: format!("[{}]", config.name),
            stream,
            logs: self.launch.logs.clone(),
            read: Arc::default(),
        };
        // Lambda's first line of an execution environment. The runtime's exact version and
        // ARN are Lambda's to know; the runtime family is the one provision deploys.
        output.line("INIT_START Runtime Version: provided:al2023");
        if let Some(out) = child.stdout.take() {
            forward(out, output.clone());
        }
        if let Some(err) = child.stderr.take() {
            forward(err, output.clone());
        }
        self.output = Some(output);
        self.init_started = Some(Instant::now());
        self.starts += 1;
        self.live = Some((child, api));
        Ok(())
    }

    /// Stops the process (the next invocation starts a fresh one).
    pub async fn stop(&mut self) {
        if let Some((mut child, _api)) = self.live.take() {
            let _ = child.kill().await;
        }
    }

    /// Runs one invocation to its end: the function's response, or why it failed.
    pub async fn invoke(&mut self, event: Value) -> Result<Value, Failure> {
        let alive = match &mut self.live {
            Some((child, _)) => matches!(child.try_wait(), Ok(None)),
            None => false,
        };
        if !alive {
            self.stop().await;
            self.start().await?;
        }
        let timeout = Duration::from_secs(self.launch.config.timeout_secs.max(1) as u64);
        let request_id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        let started = Instant::now();
        let (Some((child, api)), Some(output)) = (self.live.as_mut(), self.output.clone()) else {
            return Err(Failure::Start("no process".into()));
        };
        output.line(&format!("START RequestId: {request_id} Version: $LATEST"));
        let invocation = Invocation {
            request_id: request_id.clone(),
            deadline_ms: now_ms() + timeout.as_millis() as i64,
            event,
            outcome: tx,
        };
        let result = if api.invocations.send(invocation).await.is_err() {
            Err(Failure::Start("the Runtime API stopped".into()))
        } else {
            tokio::select! {
                outcome = rx => match outcome {
                    Ok(Outcome::Response(body)) => Ok(body),
                    Ok(Outcome::Error { body, error_type }) => Err(Failure::Function {
                        error_type: body["errorType"]
                            .as_str()
                            .map(str::to_string)
                            .or(error_type)
                            .unwrap_or_else(|| "Unhandled".into()),
                        message: body["errorMessage"].as_str().unwrap_or_default().to_string(),
                    }),
                    Err(_) => Err(Failure::Start("the Runtime API dropped the invocation".into())),
                },
                status = child.wait() => {
                    let init = api
                        .init_errors
                        .try_recv()
                        .map(|e| format!(" (init error: {e})"))
                        .unwrap_or_default();
                    Err(Failure::RuntimeExit {
                        status: status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                        init,
                    })
                },
                () = tokio::time::sleep(timeout) => Err(Failure::Timeout(timeout.as_secs_f64())),
            }
        };
        let elapsed = started.elapsed();
        let max_memory = max_memory_used_mb(child);
        // On a cold start, the time from the process's start to its first poll.
        let init = self
            .init_started
            .take()
            .and_then(|at| Some(api.first_poll.get()?.saturating_duration_since(at)));
        output.catch_up().await;
        if let Err(failure) = &result {
            // What Lambda itself writes about the failure; a function error is in the
            // function's own output.
            match failure {
                Failure::Timeout(_) => {
                    output.line(&format!("{} {request_id} {failure}", iso_now()))
                }
                Failure::RuntimeExit { .. } => {
                    output.line(&format!("RequestId: {request_id} Error: {failure}"));
                    output.line("Runtime.ExitError");
                }
                Failure::Function { .. } | Failure::Start(_) => {
                    eprintln!("{} {} {request_id} {failure}", output.prefix, iso_now());
                }
            }
            if !matches!(failure, Failure::Function { .. }) {
                // A timed-out or crashed environment is not reused; what it printed while
                // dying still comes before the invocation's END.
                self.stop().await;
                output.catch_up().await;
            }
        }
        output.line(&format!("END RequestId: {request_id}"));
        output.line(&report_line(
            &request_id,
            elapsed,
            self.launch.config.memory_mb,
            max_memory,
            init,
            &result,
        ));
        result
    }
}

/// Lambda's `REPORT` line ("Using CloudWatch Logs with Lambda",
/// <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html>): durations in
/// milliseconds, the billed duration rounded up to the next millisecond and, since August 2025,
/// including the init phase (<https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/>),
/// `Init Duration` on a cold start, `Status` when the invocation failed.
fn report_line(
    request_id: &str,
    elapsed: Duration,
    memory_mb: i32,
    max_memory_mb: Option<u64>,
    init: Option<Duration>,
    result: &Result<Value, Failure>,
) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let billed = (ms(elapsed) + init.map_or(0.0, ms)).ceil().max(1.0);
    let mut line = format!(
        "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {billed:.0} ms\tMemory Size: {memory_mb} MB",
        ms(elapsed)
    );
    if let Some(used) = max_memory_mb {
        line.push_str(&format!("\tMax Memory Used: {used} MB"));
    }
    if let Some(init) = init {
        line.push_str(&format!("\tInit Duration: {:.2} ms", ms(init)));
    }
    match result {
        Ok(_) => {}
        Err(Failure::Timeout(_)) => line.push_str("\tStatus: timeout"),
        Err(_) => line.push_str("\tStatus: error"),
    }
    line
}

/// Now as Lambda's platform lines write it: RFC 3339, UTC, milliseconds.
fn iso_now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// `YYYY/MM/DD` of today (UTC), as Lambda names its log streams.
fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}/{:02}/{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn output_that_is_not_utf8_does_not_stop_the_reading() {
        let (logs, mut lines) = FunctionLogs::capturing();
        let output = Output {
            prefix: "[f]".into(),
            stream: "s".into(),
            logs,
            read: Arc::default(),
        };
        let bytes = b"first\r\nbad \xff byte\nlast, without a newline".to_vec();
        forward(std::io::Cursor::new(bytes), output.clone());
        output.catch_up().await;
        let mut read = Vec::new();
        while let Ok(line) = lines.try_recv() {
            assert_eq!(line.stream, "s");
            read.push(line.message);
        }
        assert_eq!(
            read,
            ["first", "bad \u{fffd} byte", "last, without a newline"]
        );
        assert_eq!(output.read.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn report_lines_read_as_lambdas() {
        let warm = report_line(
            "r1",
            Duration::from_micros(102_250),
            256,
            Some(70),
            None,
            &Ok(Value::Null),
        );
        assert_eq!(
            warm,
            "REPORT RequestId: r1\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 256 MB\tMax Memory Used: 70 MB"
        );
        let cold_timeout = report_line(
            "r2",
            Duration::from_secs(3),
            128,
            None,
            Some(Duration::from_micros(120_770)),
            &Err(Failure::Timeout(3.0)),
        );
        assert_eq!(
            cold_timeout,
            "REPORT RequestId: r2\tDuration: 3000.00 ms\tBilled Duration: 3121 ms\tMemory Size: 128 MB\tInit Duration: 120.77 ms\tStatus: timeout"
        );
        let crashed = report_line(
            "r3",
            Duration::ZERO,
            128,
            None,
            None,
            &Err(Failure::Start("x".into())),
        );
        assert!(crashed.contains("Billed Duration: 1 ms") && crashed.ends_with("\tStatus: error"));
    }
}

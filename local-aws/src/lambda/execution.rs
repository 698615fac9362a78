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
    /// The function's log group, if its lines are to be written there.
    pub logs: Option<FunctionLogs>,
}

/// The live environment.
pub struct ExecutionEnvironment {
    launch: Launch,
    live: Option<(Child, RuntimeApi)>,
    /// The live process's log stream (`YYYY/MM/DD/[$LATEST]<id>`).
    stream: String,
    starts: u32,
}

/// Where one environment's lines go: stderr with the function's name, and its log stream.
#[derive(Clone)]
struct Output {
    prefix: String,
    stream: String,
    logs: Option<FunctionLogs>,
}

impl Output {
    fn line(&self, line: &str) {
        eprintln!("{} {line}", self.prefix);
        if let Some(logs) = &self.logs {
            logs.send(Line {
                stream: self.stream.clone(),
                timestamp_ms: now_ms(),
                message: line.to_string(),
            });
        }
    }
}

fn forward<R: AsyncRead + Unpin + Send + 'static>(reader: R, output: Output) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            output.line(&line);
        }
    });
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
            stream: String::new(),
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
            stream: stream.clone(),
            logs: self.launch.logs.clone(),
        };
        if let Some(out) = child.stdout.take() {
            forward(out, output.clone());
        }
        if let Some(err) = child.stderr.take() {
            forward(err, output);
        }
        self.stream = stream;
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

    /// A line Lambda itself writes (not the function).
    fn platform(&self, line: &str) -> Output {
        let output = Output {
            prefix: format!("[{}]", self.launch.config.name),
            stream: self.stream.clone(),
            logs: self.launch.logs.clone(),
        };
        output.line(line);
        output
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
        let output = self.platform(&format!("START RequestId: {request_id} Version: $LATEST"));
        let Some((child, api)) = self.live.as_mut() else {
            return Err(Failure::Start("no process".into()));
        };
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
                // A timed-out or crashed environment is not reused.
                self.stop().await;
            }
        }
        let status = match &result {
            Ok(_) => String::new(),
            Err(Failure::Timeout(_)) => "\tStatus: timeout".into(),
            Err(_) => "\tStatus: error".into(),
        };
        output.line(&format!("END RequestId: {request_id}"));
        output.line(&format!(
            "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB{status}",
            elapsed.as_secs_f64() * 1000.0,
            elapsed.as_millis().max(1),
            self.launch.config.memory_mb
        ));
        result
    }
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

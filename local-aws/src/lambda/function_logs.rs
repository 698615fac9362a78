//! The function's log group, written as Lambda writes it: every line the function prints on
//! stdout or stderr and the platform's `START`, `END`, `REPORT` and `Task timed out` lines
//! become events of the group the function's configuration names (`/aws/lambda/<name>`
//! unless its logging configuration says otherwise), one stream per execution environment
//! named `YYYY/MM/DD/[$LATEST]<id>`, the group and stream created when missing
//! ("Sending Lambda function logs to CloudWatch Logs",
//! <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html>).
//!
//! As on Lambda, a failure to write logs never fails an invocation: the first failure is
//! reported on stderr, and each flush reports how many lines could not be written so far; the
//! lines stay on this program's stderr, where they are also written.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata as _;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use logpipe_aws::describe_error;
use tokio::sync::{mpsc, oneshot};
use tracing_cloudwatch_logs::limits::{
    EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES,
};

/// One line for the function's log group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The execution environment's log stream.
    pub stream: String,
    /// When the line was written, milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// The line, without its newline.
    pub message: String,
}

#[derive(Debug)]
enum Command {
    Line(Line),
    Flush(oneshot::Sender<()>),
}

/// Where an execution environment sends its lines; cheap to clone.
#[derive(Clone, Debug)]
pub struct FunctionLogs {
    commands: mpsc::UnboundedSender<Command>,
    streams: Arc<Mutex<Vec<String>>>,
}

impl FunctionLogs {
    /// Starts the writer of `log_group`.
    pub fn start(client: aws_sdk_cloudwatchlogs::Client, log_group: String) -> FunctionLogs {
        let (commands, receiver) = mpsc::unbounded_channel();
        let streams = Arc::default();
        tokio::spawn(writer(client, log_group, receiver, Arc::clone(&streams)));
        FunctionLogs { commands, streams }
    }

    /// The log streams written so far, in the order they were created (one per execution
    /// environment).
    pub fn streams(&self) -> Vec<String> {
        self.streams
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Lines sent to it are handed to the receiver instead of CloudWatch (tests).
    #[cfg(test)]
    pub(crate) fn capturing() -> (FunctionLogs, mpsc::UnboundedReceiver<Line>) {
        let (commands, mut receiver) = mpsc::unbounded_channel();
        let (lines, captured) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(command) = receiver.recv().await {
                match command {
                    Command::Line(line) => {
                        let _ = lines.send(line);
                    }
                    Command::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        let logs = FunctionLogs {
            commands,
            streams: Arc::default(),
        };
        (logs, captured)
    }

    /// Queues one line (written in the background, in the order queued).
    pub fn send(&self, line: Line) {
        let _ = self.commands.send(Command::Line(line));
    }

    /// Waits until every line queued so far has been written (or given up). The lines of an
    /// invocation are all queued by the time its `REPORT` line is.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.commands.send(Command::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

async fn writer(
    client: aws_sdk_cloudwatchlogs::Client,
    log_group: String,
    mut commands: mpsc::UnboundedReceiver<Command>,
    streams: Arc<Mutex<Vec<String>>>,
) {
    let mut pending: Vec<Line> = Vec::new();
    let mut lost = 0usize;
    let mut reported = 0usize;
    while let Some(first) = commands.recv().await {
        // Whatever else is already queued goes in the same requests (a burst of lines is a
        // few requests, not one per line), up to a request's worth, so that a function that
        // never stops printing still gets its lines written and flushes answered.
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(command) = next {
            match command {
                Command::Line(line) => pending.push(line),
                Command::Flush(done) => flushes.push(done),
            }
            next = if pending.len() < MAX_BATCH_EVENTS {
                commands.try_recv().ok()
            } else {
                None
            };
        }
        for (stream, batch) in batches(std::mem::take(&mut pending)) {
            let count = batch.len();
            if let Err(err) = put(&client, &log_group, &stream, batch, &streams).await {
                if lost == 0 {
                    eprintln!(
                        "local-lambda: writing the function's logs to {log_group} failed: {err:#}; \
                         they stay on this program's stderr"
                    );
                }
                lost += count;
            }
        }
        if !flushes.is_empty() && lost > reported {
            eprintln!(
                "local-lambda: {lost} line(s) of the function could not be written to {log_group}"
            );
            reported = lost;
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Splits lines into `PutLogEvents` requests, per stream in the order written: at most
/// [`MAX_BATCH_EVENTS`] events and [`MAX_BATCH_BYTES`] (messages' UTF-8 bytes plus
/// [`EVENT_OVERHEAD_BYTES`] each) per request, and no message over [`MAX_EVENT_BYTES`] (a
/// longer one is cut on a character boundary, as Lambda truncates long lines). Timestamps never
/// go backwards within a stream (a request's events must be in chronological order).
pub fn batches(lines: Vec<Line>) -> Vec<(String, Vec<(i64, String)>)> {
    let mut by_stream: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for line in lines {
        let events = by_stream.entry(line.stream).or_default();
        let at = events
            .last()
            .map_or(line.timestamp_ms, |(last, _)| line.timestamp_ms.max(*last));
        let mut message = line.message;
        if message.len() > MAX_EVENT_BYTES {
            let mut end = MAX_EVENT_BYTES;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        // CloudWatch refuses empty messages; an empty line is still a line.
        if message.is_empty() {
            message.push(' ');
        }
        events.push((at, message));
    }
    let mut requests = Vec::new();
    for (stream, events) in by_stream {
        let mut batch = Vec::new();
        let mut bytes = 0;
        for (at, message) in events {
            let size = message.len() + EVENT_OVERHEAD_BYTES;
            if !batch.is_empty()
                && (batch.len() == MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)
            {
                requests.push((stream.clone(), std::mem::take(&mut batch)));
                bytes = 0;
            }
            bytes += size;
            batch.push((at, message));
        }
        if !batch.is_empty() {
            requests.push((stream, batch));
        }
    }
    requests
}

async fn put(
    client: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    stream: &str,
    batch: Vec<(i64, String)>,
    created: &Mutex<Vec<String>>,
) -> anyhow::Result<()> {
    // The streams created so far are the ones `FunctionLogs::streams` reports.
    let (none_yet, exists) = {
        let created = created.lock().unwrap_or_else(|p| p.into_inner());
        (created.is_empty(), created.iter().any(|s| s == stream))
    };
    if !exists {
        if none_yet {
            create_ignoring_existing(
                client
                    .create_log_group()
                    .log_group_name(log_group)
                    .send()
                    .await,
            )
            .context("CreateLogGroup")?;
        }
        create_ignoring_existing(
            client
                .create_log_stream()
                .log_group_name(log_group)
                .log_stream_name(stream)
                .send()
                .await,
        )
        .with_context(|| format!("CreateLogStream {stream}"))?;
        created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(stream.to_string());
    }
    let events = batch
        .into_iter()
        .map(|(at, message)| {
            InputLogEvent::builder()
                .timestamp(at)
                .message(message)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    client
        .put_log_events()
        .log_group_name(log_group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("PutLogEvents to {stream}: {}", describe_error(&e)))?;
    Ok(())
}

fn create_ignoring_existing<T, E>(
    result: Result<T, aws_sdk_cloudwatchlogs::error::SdkError<E>>,
) -> anyhow::Result<()>
where
    E: aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(err) if err.code() == Some("ResourceAlreadyExistsException") => Ok(()),
        Err(err) => Err(anyhow::anyhow!("{}", describe_error(&err))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(stream: &str, at: i64, message: &str) -> Line {
        Line {
            stream: stream.into(),
            timestamp_ms: at,
            message: message.into(),
        }
    }

    #[test]
    fn lines_are_grouped_by_stream_in_order_with_time_never_going_back() {
        let requests = batches(vec![
            line("b", 10, "one"),
            line("a", 5, "START"),
            line("b", 9, "two"),
            line("b", 12, ""),
        ]);
        assert_eq!(
            requests,
            [
                ("a".to_string(), vec![(5, "START".to_string())]),
                (
                    "b".to_string(),
                    vec![(10, "one".into()), (10, "two".into()), (12, " ".into())]
                ),
            ]
        );
    }

    #[test]
    fn requests_stay_within_the_put_log_events_limits() {
        let many: Vec<Line> = (0..MAX_BATCH_EVENTS + 1)
            .map(|i| line("s", i as i64, "x"))
            .collect();
        let counts: Vec<usize> = batches(many).iter().map(|(_, b)| b.len()).collect();
        assert_eq!(counts, [MAX_BATCH_EVENTS, 1]);

        let big = "é".repeat(MAX_EVENT_BYTES); // twice the limit in bytes
        let requests = batches(vec![line("s", 1, &big), line("s", 2, &big)]);
        assert_eq!(requests.len(), 2, "two full events cannot share a request");
        for (_, batch) in &requests {
            let bytes: usize = batch
                .iter()
                .map(|(_, m)| m.len() + EVENT_OVERHEAD_BYTES)
                .sum();
            assert!(bytes <= MAX_BATCH_BYTES);
            assert!(batch[0].1.len() <= MAX_EVENT_BYTES && batch[0].1.starts_with('é'));
        }
    }
}

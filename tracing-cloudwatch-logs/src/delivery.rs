//! Delivers one batch: calls `PutLogEvents` until it is stored, retrying, creating the
//! group and stream, and following sequence tokens as the endpoint requires.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::batch::{Batch, Tally};
use crate::client::{ClientError, ErrorKind, LogsClient, PutLogEventsRequest};
use crate::config::{RETRY_BASE_DELAY, RETRY_MAX_DELAY};
use crate::limits::EVENT_OVERHEAD_BYTES;
use crate::metrics::Metrics;
use crate::retry::{self, Decision, GiveUpReason};
use crate::shared::Shared;

/// What one attempt's copy of a batch costs in memory, per byte of its records, at most: the
/// JSON body the SDK client writes (see `put_body`). Records are JSON, so the only bytes
/// escaping them doubles are `"` and `\`, and none grows more than that.
pub(crate) const REQUEST_COPY_PER_RECORD_BYTE: usize = 2;
/// And per event: its `{"timestamp":..,"message":""},` in the body, and the body's head.
pub(crate) const REQUEST_COPY_PER_EVENT: usize = 64;

/// After this many failed attempts of one batch, one (rate-limited) line on stderr says why.
const RETRIES_BEFORE_DIAGNOSTIC: u32 = 5;

/// Everything a delivery task needs, shared by all of them.
pub(crate) struct Destination {
    pub(crate) client: Arc<dyn LogsClient>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) log_group: String,
    pub(crate) log_stream: String,
    pub(crate) create_log_group: bool,
    pub(crate) retention_days: Option<i32>,
    pub(crate) max_retry_duration: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) tokens: SequenceTokens,
}

/// The stream's sequence token, for endpoints that still enforce them.
#[derive(Default)]
pub(crate) struct SequenceTokens {
    next: Mutex<Option<String>>,
    /// Set once the endpoint answered `InvalidSequenceTokenException`: from then on calls
    /// are made one at a time, each with the token the previous one returned.
    enforced: AtomicBool,
    serial: tokio::sync::Mutex<()>,
}

impl SequenceTokens {
    fn current(&self) -> Option<String> {
        self.next.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, token: Option<String>) {
        *self.next.lock().unwrap_or_else(|e| e.into_inner()) = token;
    }
}

/// How a delivery ended.
#[derive(Debug)]
pub(crate) enum Delivery {
    /// Stored (possibly in part: see the tally).
    Stored(Tally),
    /// Not stored, and never will be.
    Dropped(DropReason),
}

/// Why a batch was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    RetriesExhausted,
    NonRetryable,
}

/// Sends `batch` until it is stored or given up.
pub(crate) async fn deliver(dest: Arc<Destination>, batch: Batch) -> Delivery {
    let metrics = &dest.shared.metrics;
    let started = Instant::now();
    let mut attempt: u32 = 0;
    // Held from the first attempt after tokens are seen enforced until this batch is done,
    // backoffs included: if another batch got in between a lost answer and its retry, the
    // retry would carry a newer token and be stored twice instead of being recognised as
    // `DataAlreadyAccepted`.
    let mut serial = None;
    loop {
        if serial.is_none() && dest.tokens.enforced.load(Ordering::Acquire) {
            serial = Some(dest.tokens.serial.lock().await);
        }
        let token = dest.tokens.current();
        Metrics::add(&metrics.requests, 1);
        if attempt > 0 {
            Metrics::add(&metrics.retries, 1);
        }
        let request = PutLogEventsRequest {
            log_group: &dest.log_group,
            log_stream: &dest.log_stream,
            events: &batch.events,
            sequence_token: token.as_deref(),
        };
        // Wait for room for this attempt's copies of the batch, so that they too stay within
        // the memory bound; a batch larger than the whole share goes alone.
        let copy_kib = request_copy_bytes(&batch).div_ceil(1024);
        let room = u32::try_from(copy_kib)
            .unwrap_or(u32::MAX)
            .min(dest.shared.request_room_kib);
        let _room = dest.shared.request_room.acquire_many(room).await;
        let result =
            tokio::time::timeout(dest.request_timeout, dest.client.put_log_events(request))
                .await
                .unwrap_or_else(|_| {
                    Err(ClientError::transport(
                        ErrorKind::Timeout,
                        format!(
                            "no answer within request_timeout ({:?})",
                            dest.request_timeout
                        ),
                    ))
                });
        let error = match result {
            Ok(response) => {
                if response.next_sequence_token.is_some() {
                    dest.tokens.set(response.next_sequence_token);
                }
                return Delivery::Stored(batch.tally(&response.rejected));
            }
            Err(error) => error,
        };
        let backoff = match retry::classify(&error) {
            Decision::Retry { throttled } => {
                if throttled {
                    Metrics::add(&metrics.throttled, 1);
                }
                true
            }
            Decision::CreateAndRetry => match create_stream(&dest).await {
                Ok(()) => false,
                Err(create_error) => match retry::classify(&create_error) {
                    Decision::GiveUp(reason) => return give_up(&dest, reason, &create_error),
                    _ => true,
                },
            },
            Decision::AlreadyAccepted => {
                if error.expected_sequence_token.is_some() {
                    dest.tokens.set(error.expected_sequence_token);
                }
                return Delivery::Stored(batch.tally(&Default::default()));
            }
            Decision::AdoptToken(expected) => {
                dest.tokens.enforced.store(true, Ordering::Release);
                dest.tokens.set(expected);
                false
            }
            Decision::GiveUp(reason) => return give_up(&dest, reason, &error),
        };
        if started.elapsed() >= dest.max_retry_duration {
            dest.shared.diagnostics.report("retries-exhausted", || {
                format!(
                    "gave up a batch of {} events for log group {} (stream {}) after retrying for {:?}; last error: {error}",
                    batch.len(),
                    dest.log_group,
                    dest.log_stream,
                    dest.max_retry_duration
                )
            });
            return Delivery::Dropped(DropReason::RetriesExhausted);
        }
        if attempt + 1 == RETRIES_BEFORE_DIAGNOSTIC {
            // Not fatal yet, but a human may need to know: an unreachable endpoint or
            // credentials that fail to load look exactly like this.
            dest.shared.diagnostics.report("still-failing", || {
                format!(
                    "still failing to deliver to log group {} (stream {}) after {} attempts, retrying for up to {:?}: {error}",
                    dest.log_group,
                    dest.log_stream,
                    attempt + 1,
                    dest.max_retry_duration
                )
            });
        }
        if backoff {
            let unit: f64 = rand::random();
            let wait = retry::backoff(attempt, RETRY_BASE_DELAY, RETRY_MAX_DELAY, unit);
            let left = dest.max_retry_duration.saturating_sub(started.elapsed());
            tokio::time::sleep(wait.min(left)).await;
        }
        attempt = attempt.saturating_add(1);
    }
}

fn give_up(dest: &Destination, reason: GiveUpReason, error: &ClientError) -> Delivery {
    let (kind, advice) = match reason {
        GiveUpReason::Unauthorized => (
            "unauthorized",
            "check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...) and that they allow \
             logs:PutLogEvents, logs:CreateLogStream and logs:CreateLogGroup on the group",
        ),
        GiveUpReason::Invalid => (
            "invalid",
            "this is a configuration problem or a bug; the events of this batch are dropped",
        ),
    };
    dest.shared.diagnostics.report(kind, || {
        format!(
            "CloudWatch Logs refused writes to log group {} (stream {}): {error}; {advice}",
            dest.log_group, dest.log_stream
        )
    });
    Delivery::Dropped(DropReason::NonRetryable)
}

/// Creates the stream, and the group first if it is missing and creation is enabled.
/// "Already exists" is success: other processes may race us.
async fn create_stream(dest: &Destination) -> Result<(), ClientError> {
    let client = &dest.client;
    match client
        .create_log_stream(&dest.log_group, &dest.log_stream)
        .await
    {
        Err(e) if e.is_not_found() && dest.create_log_group => {}
        Err(e) if e.is_not_found() => {
            return Err(ClientError {
                code: Some("InvalidParameterException".into()),
                message: format!(
                    "log group {} does not exist and create_log_group is off: create it (or turn creation on)",
                    dest.log_group
                ),
                ..e
            });
        }
        other => return ok_if_exists(other),
    }
    ok_if_exists(client.create_log_group(&dest.log_group).await)?;
    if let Some(days) = dest.retention_days
        && let Err(e) = client.put_retention_policy(&dest.log_group, days).await
    {
        dest.shared.diagnostics.report("retention", || {
            format!(
                "could not set {days}-day retention on {}: {e}",
                dest.log_group
            )
        });
    }
    ok_if_exists(
        client
            .create_log_stream(&dest.log_group, &dest.log_stream)
            .await,
    )
}

fn ok_if_exists(result: Result<(), ClientError>) -> Result<(), ClientError> {
    match result {
        Err(e) if e.is_already_exists() => Ok(()),
        other => other,
    }
}

/// See [`REQUEST_COPY_PER_RECORD_BYTE`].
fn request_copy_bytes(batch: &Batch) -> usize {
    let records = batch.bytes - batch.len() * EVENT_OVERHEAD_BYTES;
    records * REQUEST_COPY_PER_RECORD_BYTE + batch.len() * REQUEST_COPY_PER_EVENT
}

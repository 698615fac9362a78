//! The in-memory CloudWatch Logs model: groups, streams, retention and sequence tokens.
//! No I/O and no clock: callers pass `now_ms`.

use super::api::{ApiError, PutLogEventsRequest};
use super::limits::{LogEvent, TimeWindows};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

/// All log groups.
#[derive(Debug, Default)]
pub(crate) struct Logs {
    groups: HashMap<String, Group>,
    /// Source of sequence tokens: unique across the server, so a token from one stream is
    /// never valid on another.
    tokens_issued: u64,
}

#[derive(Debug)]
struct Group {
    retention_days: Option<u32>,
    streams: BTreeMap<String, Stream>,
}

/// What `DescribeLogStreams` reports about one stream.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stream {
    pub(crate) creation_time: i64,
    pub(crate) first_event: Option<i64>,
    pub(crate) last_event: Option<i64>,
    pub(crate) last_ingestion: Option<i64>,
    /// The token the next batch must carry when tokens are enforced (`None` until the first
    /// batch is accepted).
    pub(crate) upload_token: Option<String>,
    last_batch: Option<LastBatch>,
}

/// The last accepted batch, to recognise a repeat of it.
#[derive(Debug, Clone)]
struct LastBatch {
    /// The token it was sent with (`None` for the first batch of a stream).
    sent_with: Option<String>,
    digest: u64,
}

/// A successful `PutLogEvents`.
#[derive(Debug)]
pub(crate) struct PutAccepted {
    pub(crate) next_token: String,
    pub(crate) windows: TimeWindows,
}

/// Content fingerprint of a batch, to tell a repeat from a new batch with a stale token.
pub(crate) fn batch_digest(events: &[LogEvent]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for event in events {
        event.timestamp.hash(&mut hasher);
        event.message.hash(&mut hasher);
    }
    hasher.finish()
}

impl Logs {
    pub(crate) fn create_group(&mut self, name: &str) -> Result<(), ApiError> {
        if self.groups.contains_key(name) {
            return Err(ApiError::already_exists(
                "The specified log group already exists",
            ));
        }
        self.groups.insert(
            name.to_string(),
            Group {
                retention_days: None,
                streams: BTreeMap::new(),
            },
        );
        Ok(())
    }

    pub(crate) fn create_stream(
        &mut self,
        group: &str,
        stream: &str,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let group = self.group_mut(group)?;
        if group.streams.contains_key(stream) {
            return Err(ApiError::already_exists(
                "The specified log stream already exists",
            ));
        }
        group.streams.insert(
            stream.to_string(),
            Stream {
                creation_time: now_ms,
                ..Stream::default()
            },
        );
        Ok(())
    }

    pub(crate) fn delete_group(&mut self, group: &str) -> Result<(), ApiError> {
        self.groups
            .remove(group)
            .map(|_| ())
            .ok_or_else(missing_group)
    }

    pub(crate) fn delete_stream(&mut self, group: &str, stream: &str) -> Result<(), ApiError> {
        self.group_mut(group)?
            .streams
            .remove(stream)
            .map(|_| ())
            .ok_or_else(missing_stream)
    }

    pub(crate) fn put_retention(&mut self, group: &str, days: u32) -> Result<(), ApiError> {
        self.group_mut(group)?.retention_days = Some(days);
        Ok(())
    }

    /// Streams of `group` whose name starts with `prefix`, by name, after `after` (exclusive).
    pub(crate) fn streams(
        &self,
        group: &str,
        prefix: &str,
        after: Option<&str>,
    ) -> Result<Vec<(&str, &Stream)>, ApiError> {
        let group = self.groups.get(group).ok_or_else(missing_group)?;
        Ok(group
            .streams
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .filter(|(name, _)| after.is_none_or(|a| name.as_str() > a))
            .map(|(name, s)| (name.as_str(), s))
            .collect())
    }

    /// The token the stream expects next, for scripted token faults (`None` when the stream
    /// is missing or has had no batch yet).
    pub(crate) fn expected_token(&self, group: &str, stream: &str) -> Option<String> {
        self.groups
            .get(group)?
            .streams
            .get(stream)?
            .upload_token
            .clone()
    }

    /// Applies a valid batch: existence, tokens (when enforced), time windows, new token.
    ///
    /// Token rule when `enforce_tokens`: a stream expects `None` (no token) until its first
    /// batch is accepted, then the `nextSequenceToken` of its last accepted batch. A request
    /// whose token equals the one the last accepted batch was SENT with, and whose content is
    /// identical, is a repeat: `DataAlreadyAcceptedException`. Any other token mismatch is
    /// `InvalidSequenceTokenException`. Both carry the expected token. `digest` is only used
    /// when tokens are enforced.
    pub(crate) fn put(
        &mut self,
        req: &PutLogEventsRequest,
        digest: u64,
        enforce_tokens: bool,
        now_ms: i64,
    ) -> Result<PutAccepted, ApiError> {
        let (token, events) = (req.sequence_token.as_deref(), &req.log_events[..]);
        let group = self
            .groups
            .get_mut(&req.log_group_name)
            .ok_or_else(missing_group)?;
        let retention = group.retention_days;
        let s = group
            .streams
            .get_mut(&req.log_stream_name)
            .ok_or_else(missing_stream)?;
        if enforce_tokens {
            let repeat = s
                .last_batch
                .as_ref()
                .is_some_and(|last| last.sent_with.as_deref() == token && last.digest == digest);
            if repeat {
                return Err(ApiError::data_already_accepted(s.upload_token.clone()));
            }
            if s.upload_token.as_deref() != token {
                return Err(ApiError::invalid_sequence_token(s.upload_token.clone()));
            }
        }
        let windows = TimeWindows::classify(events, now_ms, retention);
        let accepted = &events[windows.accepted()];
        if let (Some(first), Some(last)) = (accepted.first(), accepted.last()) {
            s.first_event = Some(
                s.first_event
                    .map_or(first.timestamp, |t| t.min(first.timestamp)),
            );
            s.last_event = Some(
                s.last_event
                    .map_or(last.timestamp, |t| t.max(last.timestamp)),
            );
            s.last_ingestion = Some(now_ms);
        }
        self.tokens_issued += 1;
        // Real tokens are long decimal strings; the shape does not matter to clients.
        let next_token = format!("{:056}", self.tokens_issued);
        s.last_batch = Some(LastBatch {
            sent_with: token.map(str::to_string),
            digest,
        });
        s.upload_token = Some(next_token.clone());
        Ok(PutAccepted {
            next_token,
            windows,
        })
    }

    fn group_mut(&mut self, group: &str) -> Result<&mut Group, ApiError> {
        self.groups.get_mut(group).ok_or_else(missing_group)
    }
}

fn missing_group() -> ApiError {
    ApiError::not_found("The specified log group does not exist.")
}

fn missing_stream() -> ApiError {
    ApiError::not_found("The specified log stream does not exist.")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn batch(stream: &str, token: Option<&str>, msg: &str) -> PutLogEventsRequest {
        PutLogEventsRequest {
            log_group_name: "g".into(),
            log_stream_name: stream.into(),
            log_events: vec![LogEvent {
                timestamp: NOW,
                message: msg.to_string(),
            }],
            sequence_token: token.map(str::to_string),
        }
    }

    fn logs() -> Logs {
        let mut logs = Logs::default();
        logs.create_group("g").unwrap();
        logs.create_stream("g", "s", NOW).unwrap();
        logs
    }

    fn put(logs: &mut Logs, token: Option<&str>, msg: &str) -> Result<PutAccepted, ApiError> {
        let req = batch("s", token, msg);
        logs.put(&req, batch_digest(&req.log_events), true, NOW)
    }

    #[test]
    fn existence_errors() {
        let mut logs = logs();
        assert_eq!(
            logs.create_group("g").unwrap_err().code,
            "ResourceAlreadyExistsException"
        );
        assert_eq!(
            logs.create_stream("nope", "s", NOW).unwrap_err().code,
            "ResourceNotFoundException"
        );
        let err = logs.put(&batch("x", None, "a"), 0, false, NOW).unwrap_err();
        assert_eq!(err.code, "ResourceNotFoundException");
    }

    #[test]
    fn token_chain() {
        let mut logs = logs();
        let wrong = put(&mut logs, Some("123"), "a").unwrap_err();
        assert_eq!(wrong.code, "InvalidSequenceTokenException");
        assert_eq!(wrong.expected_token, None);

        let first = put(&mut logs, None, "a").unwrap().next_token;
        // The same first batch again, without token: a repeat.
        let again = put(&mut logs, None, "a").unwrap_err();
        assert_eq!(again.code, "DataAlreadyAcceptedException");
        assert_eq!(again.expected_token.as_deref(), Some(first.as_str()));
        // A different batch with the stale (absent) token: invalid.
        let stale = put(&mut logs, None, "b").unwrap_err();
        assert_eq!(stale.code, "InvalidSequenceTokenException");
        assert_eq!(stale.expected_token.as_deref(), Some(first.as_str()));

        let second = put(&mut logs, Some(&first), "b").unwrap().next_token;
        assert_ne!(first, second);
        assert_eq!(logs.expected_token("g", "s"), Some(second));
    }

    #[test]
    fn tokens_ignored_unless_enforced() {
        let mut logs = logs();
        for _ in 0..2 {
            logs.put(&batch("s", Some("junk"), "a"), 0, false, NOW)
                .unwrap();
        }
    }
}

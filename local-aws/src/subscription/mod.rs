//! The subscription filter's half of CloudWatch Logs, which moto stores but never applies:
//! follow the log groups subscribed to a function, apply each filter's pattern, and build the
//! deliveries CloudWatch would send.
//!
//! Faithful where it matters to the analyzer:
//! - the pattern is the one installed on the group, read back with
//!   `DescribeSubscriptionFilters` on every poll (so `provision up` changing it takes effect),
//!   and evaluated with [`logpipe_filter_pattern`];
//! - only events ingested after the filter was created are delivered ("After you create the
//!   subscription filter, CloudWatch Logs forwards all the incoming log events that match the
//!   filter pattern",
//!   <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html>);
//! - one delivery per log stream, split to fit an asynchronous invocation ([`payload`]).
//!
//! - every event is delivered once it is ingested, whatever its timestamp (CloudWatch
//!   forwards "incoming" events: an event from a host whose clock runs ahead, or one sent late
//!   with an old timestamp, is delivered like any other). Each poll asks
//!   `DescribeLogStreams` which streams ingested something since the last poll
//!   (`lastIngestionTime`) and reads those streams' events ingested since (their
//!   `ingestionTime`), never a window of timestamps.

pub mod payload;

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::SubscriptionFilter;
use logpipe_aws::describe_error;
use logpipe_filter_pattern::FilterPattern;
use serde_json::Value;

use payload::{DeliveredEvent, Source, Undeliverable};

/// Oldest event `PutLogEvents` accepts, so the oldest a stream can hold that was ingested
/// recently: "None of the log events in the batch can be older than 14 days".
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>
pub const MAX_EVENT_AGE_MS: i64 = 14 * 24 * 3_600_000;

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// A CloudWatch Logs call failed.
    #[error("{call} on {log_group} failed: {message}")]
    Logs {
        /// The API call.
        call: &'static str,
        /// The log group.
        log_group: String,
        /// The SDK's error, with its cause.
        message: String,
    },
}

/// What a followed log group holds for the function, as [`Subscriptions::check`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStatus {
    /// The group does not exist.
    Missing,
    /// The group exists; none of its subscription filters sends to the function.
    NotSubscribed,
    /// At least one of its subscription filters sends to the function.
    Subscribed,
}

/// The warnings worth printing before the first poll (pure). Warnings, not errors: filters are
/// read again on every poll, so a group or filter created later (by `provision up`, or a
/// service creating its group) is followed from then on.
///
/// `named` says whether the groups were named (`--log-group`), each of which should then be
/// subscribed; otherwise every group was looked at, and one subscribed group is enough.
pub fn check_warnings(
    function_arn: &str,
    named: bool,
    groups: &[(String, GroupStatus)],
) -> Vec<String> {
    if !named {
        if groups.iter().any(|(_, s)| *s == GroupStatus::Subscribed) {
            return Vec::new();
        }
        return vec![format!(
            "no log group has a subscription filter sending to {function_arn} yet: nothing is \
             delivered until one exists (run `provision up`, or check --function)"
        )];
    }
    groups
        .iter()
        .filter_map(|(group, status)| match status {
            GroupStatus::Missing => Some(format!(
                "log group {group} does not exist: check --log-group (it is polled all the same, \
                 in case it is created later)"
            )),
            GroupStatus::NotSubscribed => Some(format!(
                "log group {group} has no subscription filter sending to {function_arn}: nothing \
                 from it is delivered until one exists (run `provision up` with --log-group \
                 {group}, or check --log-group)"
            )),
            GroupStatus::Subscribed => None,
        })
        .collect()
}

/// One Lambda event to invoke the function with, and what it carries.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `{"awslogs":{"data":...}}`
    pub event: Value,
    /// The log group.
    pub log_group: String,
    /// The log stream.
    pub log_stream: String,
    /// Ids of the events inside.
    pub event_ids: Vec<String>,
}

/// What one poll found.
#[derive(Debug, Default)]
pub struct Poll {
    /// Deliveries to make, stream by stream.
    pub deliveries: Vec<Delivery>,
    /// New events the patterns matched.
    pub matched: usize,
    /// New events the patterns kept out.
    pub filtered_out: usize,
    /// Matched events too large for any invocation.
    pub undeliverable: Vec<Undeliverable>,
    /// Problems worth a line on stderr (an invalid stored pattern, a group that vanished).
    pub warnings: Vec<String>,
    /// Groups that could not be read this time. Their position is kept, so the next poll
    /// reads what they hold again; the other groups are delivered meanwhile.
    pub failures: Vec<PollError>,
}

#[derive(Debug)]
struct FilterState {
    pattern_text: String,
    pattern: Option<FilterPattern>,
    created_ms: i64,
    /// Per stream, the `lastIngestionTime` up to which everything has been read.
    read_up_to: HashMap<String, i64>,
    /// Events read that were ingested after their stream's `read_up_to` (ingested while the
    /// stream was being read), by id, with their stream and ingestion time: not read twice.
    seen: HashMap<String, (String, i64)>,
}

/// Follows the log groups subscribed to one function.
#[derive(Debug)]
pub struct Subscriptions {
    logs: Client,
    function_arn: String,
    owner: String,
    log_groups: Vec<String>,
    filters: HashMap<(String, String), FilterState>,
}

impl Subscriptions {
    /// Follows `log_groups` (every log group when empty) for filters sending to
    /// `function_arn`.
    pub fn new(logs: Client, function_arn: &str, log_groups: Vec<String>) -> Subscriptions {
        // arn:aws:lambda:<region>:<account>:function:<name>
        let owner = function_arn
            .split(':')
            .nth(4)
            .unwrap_or_default()
            .to_string();
        Subscriptions {
            logs,
            function_arn: function_arn.to_string(),
            owner,
            log_groups,
            filters: HashMap::new(),
        }
    }

    async fn groups(&self) -> Result<Vec<String>, PollError> {
        if !self.log_groups.is_empty() {
            return Ok(self.log_groups.clone());
        }
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .logs
                .describe_log_groups()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| PollError::Logs {
                    call: "DescribeLogGroups",
                    log_group: "*".into(),
                    message: describe_error(&e),
                })?;
            names.extend(
                page.log_groups()
                    .iter()
                    .filter_map(|g| g.log_group_name().map(str::to_string)),
            );
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(names),
            }
        }
    }

    /// The subscription filters of `group`; `None` when the group does not exist.
    async fn filters_of(&self, group: &str) -> Result<Option<Vec<SubscriptionFilter>>, PollError> {
        match self
            .logs
            .describe_subscription_filters()
            .log_group_name(group)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out.subscription_filters().to_vec())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(PollError::Logs {
                call: "DescribeSubscriptionFilters",
                log_group: group.to_string(),
                message: describe_error(&e),
            }),
        }
    }

    /// Looks once at what the followed groups hold for the function, for
    /// [`check_warnings`]: whether each exists and has a subscription filter sending to it.
    pub async fn check(&self) -> Result<Vec<(String, GroupStatus)>, PollError> {
        let mut statuses = Vec::new();
        for group in self.groups().await? {
            let status = match self.filters_of(&group).await? {
                None => GroupStatus::Missing,
                Some(filters)
                    if filters
                        .iter()
                        .any(|f| f.destination_arn() == Some(self.function_arn.as_str())) =>
                {
                    GroupStatus::Subscribed
                }
                Some(_) => GroupStatus::NotSubscribed,
            };
            statuses.push((group, status));
        }
        Ok(statuses)
    }

    /// Reads what is new in every followed group and returns the deliveries to make. Fails
    /// only when the groups to follow cannot be listed; a group that cannot be read is
    /// reported in [`Poll::failures`] and read again next time.
    pub async fn poll(&mut self) -> Result<Poll, PollError> {
        let mut poll = Poll::default();
        let mut live = HashSet::new();
        for group in self.groups().await? {
            let filters = match self.filters_of(&group).await {
                Ok(Some(filters)) => filters,
                Ok(None) => continue,
                Err(failure) => {
                    // One group failing must not hold back, or lose, the others' events;
                    // its filters keep their position for the next poll.
                    live.extend(
                        self.filters
                            .keys()
                            .filter(|(g, _)| *g == group)
                            .cloned()
                            .collect::<Vec<_>>(),
                    );
                    poll.failures.push(failure);
                    continue;
                }
            };
            for filter in filters {
                if filter.destination_arn() != Some(self.function_arn.as_str()) {
                    continue;
                }
                let name = filter.filter_name().unwrap_or_default().to_string();
                let pattern_text = filter.filter_pattern().unwrap_or_default().to_string();
                let created_ms = filter.creation_time().unwrap_or_default();
                let key = (group.clone(), name.clone());
                live.insert(key.clone());
                let state = self.filters.entry(key).or_insert_with(|| FilterState {
                    pattern_text: String::new(),
                    pattern: None,
                    created_ms,
                    read_up_to: HashMap::new(),
                    seen: HashMap::new(),
                });
                if state.pattern.is_none() || state.pattern_text != pattern_text {
                    state.pattern_text = pattern_text.clone();
                    state.pattern = match FilterPattern::parse(&pattern_text) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            poll.warnings.push(format!(
                                "subscription filter {name} on {group} has a pattern CloudWatch \
                                 would have refused ({e}); nothing is delivered through it"
                            ));
                            None
                        }
                    };
                }
                let Some(pattern) = state.pattern.clone() else {
                    continue;
                };
                // Nothing of the filter's state changes before every read succeeds: a failed
                // read is tried again from the same position on the next poll.
                let read = match read_new_events(&self.logs, &group, state).await {
                    Ok(read) => read,
                    Err(failure) => {
                        poll.failures.push(failure);
                        continue;
                    }
                };
                let mut by_stream: BTreeMap<String, Vec<DeliveredEvent>> = BTreeMap::new();
                for (stream, event, ingested) in read.events {
                    state
                        .seen
                        .insert(event.id.clone(), (stream.clone(), ingested));
                    if pattern.matches(&event.message) {
                        poll.matched += 1;
                        by_stream.entry(stream).or_default().push(event);
                    } else {
                        poll.filtered_out += 1;
                    }
                }
                state.read_up_to.extend(read.up_to);
                let read_up_to = &state.read_up_to;
                state.seen.retain(|_, (stream, ingested)| {
                    read_up_to
                        .get(stream)
                        .is_none_or(|up_to| *ingested > *up_to)
                });
                for (stream, events) in by_stream {
                    let source = Source {
                        owner: &self.owner,
                        log_group: &group,
                        log_stream: &stream,
                        filter_name: &name,
                    };
                    let (events_out, undeliverable) = payload::deliveries(source, &events);
                    poll.undeliverable.extend(undeliverable);
                    for event in events_out {
                        let event_ids = delivered_ids(&event);
                        poll.deliveries.push(Delivery {
                            event,
                            log_group: group.clone(),
                            log_stream: stream.clone(),
                            event_ids,
                        });
                    }
                }
            }
        }
        // A deleted filter stops delivering; a new one with the same name starts afresh.
        self.filters.retain(|key, _| live.contains(key));
        Ok(poll)
    }
}

/// Ids inside a built delivery (decoding it back keeps [`Delivery`] honest about its content).
fn delivered_ids(event: &Value) -> Vec<String> {
    payload::decode(event)
        .and_then(|document| {
            document["logEvents"].as_array().map(|events| {
                events
                    .iter()
                    .filter_map(|e| e["id"].as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// What [`read_new_events`] found.
struct NewEvents {
    /// (stream, event, ingestion time), oldest ingestion first within a stream.
    events: Vec<(String, DeliveredEvent, i64)>,
    /// Each stream read, with the `lastIngestionTime` it was read up to.
    up_to: Vec<(String, i64)>,
}

/// The events of `group` ingested since the last poll, after the filter was created and not
/// seen before: only the streams whose `lastIngestionTime` moved are read.
async fn read_new_events(
    logs: &Client,
    group: &str,
    state: &FilterState,
) -> Result<NewEvents, PollError> {
    let mut new = NewEvents {
        events: Vec::new(),
        up_to: Vec::new(),
    };
    for (stream, last_ingested) in ingested_streams(logs, group).await? {
        let read_up_to = state
            .read_up_to
            .get(&stream)
            .copied()
            .unwrap_or(state.created_ms - 1);
        if last_ingested <= read_up_to {
            continue;
        }
        // Whatever its timestamp: the oldest an event ingested now can carry is 14 days
        // before now, and nothing ingested before the filter existed is delivered.
        let oldest = (now_ms() - MAX_EVENT_AGE_MS).min(state.created_ms - MAX_EVENT_AGE_MS);
        for (event, ingested) in read_stream(logs, group, &stream, oldest).await? {
            if ingested > read_up_to
                && ingested >= state.created_ms
                && !state.seen.contains_key(&event.id)
            {
                new.events.push((stream.clone(), event, ingested));
            }
        }
        new.up_to.push((stream, last_ingested));
    }
    // Delivered in the order CloudWatch ingested them, then by timestamp, as it would.
    new.events
        .sort_by_key(|(stream, event, ingested)| (stream.clone(), *ingested, event.timestamp));
    Ok(new)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Every stream of `group` that ever ingested an event, with its `lastIngestionTime`.
async fn ingested_streams(logs: &Client, group: &str) -> Result<Vec<(String, i64)>, PollError> {
    let mut streams = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = logs
            .describe_log_streams()
            .log_group_name(group)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| PollError::Logs {
                call: "DescribeLogStreams",
                log_group: group.to_string(),
                message: describe_error(&e),
            })?;
        streams.extend(
            page.log_streams()
                .iter()
                .filter_map(|s| Some((s.log_stream_name()?.to_string(), s.last_ingestion_time()?))),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(streams),
        }
    }
}

/// Every event of one stream with a timestamp from `start_ms` on: (event, ingestion time).
async fn read_stream(
    logs: &Client,
    group: &str,
    stream: &str,
    start_ms: i64,
) -> Result<Vec<(DeliveredEvent, i64)>, PollError> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let before = token.clone();
        let page = logs
            .filter_log_events()
            .log_group_name(group)
            .log_stream_names(stream)
            .start_time(start_ms.max(0))
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| PollError::Logs {
                call: "FilterLogEvents",
                log_group: group.to_string(),
                message: describe_error(&e),
            })?;
        events.extend(page.events().iter().filter_map(|e| {
            Some((
                DeliveredEvent {
                    id: e.event_id()?.to_string(),
                    timestamp: e.timestamp()?,
                    message: e.message()?.to_string(),
                },
                e.ingestion_time().unwrap_or_default(),
            ))
        }));
        // Pages may be empty while more remain: follow the token until it is absent or repeats.
        match page.next_token() {
            Some(next) if !next.is_empty() && before.as_deref() != Some(next) => {
                token = Some(next.to_string());
            }
            _ => return Ok(events),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:analyzer";

    fn groups(statuses: &[(&str, GroupStatus)]) -> Vec<(String, GroupStatus)> {
        statuses.iter().map(|(g, s)| (g.to_string(), *s)).collect()
    }

    #[test]
    fn a_named_group_that_is_missing_or_not_subscribed_is_warned_about() {
        let warnings = check_warnings(
            ARN,
            true,
            &groups(&[
                ("/no/such", GroupStatus::Missing),
                ("/quiet", GroupStatus::NotSubscribed),
                ("/demo/orders-api", GroupStatus::Subscribed),
            ]),
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("/no/such does not exist"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("/quiet has no subscription filter"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains(ARN), "{warnings:?}");
    }

    #[test]
    fn every_group_needs_one_subscription_to_the_function() {
        let some = groups(&[
            ("/a", GroupStatus::NotSubscribed),
            ("/b", GroupStatus::Subscribed),
        ]);
        assert!(check_warnings(ARN, false, &some).is_empty());
        let none = groups(&[("/a", GroupStatus::NotSubscribed)]);
        let warnings = check_warnings(ARN, false, &none);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("provision up"), "{warnings:?}");
        assert_eq!(check_warnings(ARN, false, &[]).len(), 1);
    }

    /// A stand-in for CloudWatch Logs with two subscribed groups: `/ok` holds one event,
    /// `/broken` holds one too but refuses to be read while `broken` is set.
    async fn two_groups(broken: Arc<AtomicBool>) -> Client {
        use axum::http::{HeaderMap, StatusCode};
        let now = 1_795_000_000_000_i64;
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
            let broken = broken.clone();
            async move {
                let target = headers
                    .get("x-amz-target")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let request: Value = serde_json::from_str(&body).unwrap_or_default();
                let group = request["logGroupName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let answer = |status: StatusCode, body: Value| (status, body.to_string());
                if target.ends_with("DescribeLogStreams") {
                    return answer(
                        StatusCode::OK,
                        serde_json::json!({"logStreams": [{
                            "logStreamName": "s", "lastIngestionTime": now,
                        }]}),
                    );
                }
                if target.ends_with("DescribeSubscriptionFilters") {
                    return answer(
                        StatusCode::OK,
                        serde_json::json!({"subscriptionFilters": [{
                            "filterName": "errors", "logGroupName": group,
                            "filterPattern": "", "destinationArn": ARN,
                            "creationTime": now - 60_000,
                        }]}),
                    );
                }
                if group == "/broken" && broken.load(Ordering::SeqCst) {
                    return answer(
                        StatusCode::BAD_REQUEST,
                        serde_json::json!({"__type": "InvalidParameterException",
                                               "message": "injected"}),
                    );
                }
                answer(
                    StatusCode::OK,
                    serde_json::json!({"events": [{
                        "logStreamName": "s", "timestamp": now, "ingestionTime": now,
                        "message": format!("ERROR in {group}"), "eventId": format!("{group}-1"),
                    }]}),
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Client::new(&test_support::sdk_config_for(&endpoint).await)
    }

    #[tokio::test]
    async fn a_group_that_cannot_be_read_holds_back_no_other_and_is_read_again() {
        let broken = Arc::new(AtomicBool::new(true));
        let logs = two_groups(broken.clone()).await;
        let mut subscriptions = Subscriptions::new(logs, ARN, vec!["/ok".into(), "/broken".into()]);
        let groups_of = |poll: &Poll| -> Vec<String> {
            poll.deliveries
                .iter()
                .map(|d| d.log_group.clone())
                .collect()
        };

        let first = subscriptions
            .poll()
            .await
            .expect("listing the groups works");
        assert_eq!(groups_of(&first), ["/ok"]);
        assert_eq!(first.failures.len(), 1);
        assert!(
            first.failures[0].to_string().contains("/broken"),
            "{}",
            first.failures[0]
        );

        broken.store(false, Ordering::SeqCst);
        let second = subscriptions.poll().await.unwrap();
        assert_eq!(
            groups_of(&second),
            ["/broken"],
            "late, not lost; /ok not again"
        );
        assert!(second.failures.is_empty());
    }
}

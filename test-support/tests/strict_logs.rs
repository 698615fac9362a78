//! The strict CloudWatch Logs endpoint, driven by the real SDK client (retries disabled, so
//! every injected fault surfaces as the SDK's typed error).

use aws_config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::create_log_group::CreateLogGroupError;
use aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamError;
use aws_sdk_cloudwatchlogs::operation::put_log_events::{PutLogEventsError, PutLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use test_support::strict_logs::{PutOutcome, limits};
use test_support::{Fault, FaultKind, FaultRates, OutageMode, StrictConfig, StrictLogs};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

type PutResult = Result<PutLogEventsOutput, SdkError<PutLogEventsError>>;

async fn client(server: &StrictLogs) -> Client {
    let sdk = test_support::sdk_config_for(&server.endpoint()).await;
    let config = aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn event(timestamp: i64, message: &str) -> InputLogEvent {
    InputLogEvent::builder()
        .timestamp(timestamp)
        .message(message)
        .build()
        .unwrap()
}

async fn put(client: &Client, events: Vec<InputLogEvent>, token: Option<&str>) -> PutResult {
    client
        .put_log_events()
        .log_group_name("g")
        .log_stream_name("s")
        .set_log_events(Some(events))
        .set_sequence_token(token.map(str::to_string))
        .send()
        .await
}

async fn put_one(client: &Client, message: &str) -> PutResult {
    put(client, vec![event(now(), message)], None).await
}

fn service_error(result: PutResult) -> (u16, PutLogEventsError) {
    match result.expect_err("expected an error") {
        SdkError::ServiceError(e) => (e.raw().status().as_u16(), e.into_err()),
        other => panic!("expected a service error, got {other:?}"),
    }
}

fn is_dispatch_failure(result: &PutResult) -> bool {
    matches!(result, Err(SdkError::DispatchFailure(_)))
}

fn strict(config: StrictConfig) -> StrictLogs {
    let server = StrictLogs::start(config);
    server.create_group_and_stream("g", "s");
    server
}

#[tokio::test]
async fn happy_path_through_the_sdk() {
    let server = StrictLogs::start(StrictConfig::default());
    let client = client(&server).await;
    client
        .create_log_group()
        .log_group_name("app")
        .send()
        .await
        .unwrap();
    let again = client.create_log_group().log_group_name("app").send().await;
    assert!(matches!(
        again.unwrap_err().into_service_error(),
        CreateLogGroupError::ResourceAlreadyExistsException(_)
    ));
    let orphan = client
        .create_log_stream()
        .log_group_name("missing")
        .log_stream_name("s")
        .send()
        .await;
    assert!(matches!(
        orphan.unwrap_err().into_service_error(),
        CreateLogStreamError::ResourceNotFoundException(_)
    ));
    let missing = client
        .put_log_events()
        .log_group_name("app")
        .log_stream_name("host-1")
        .log_events(event(now(), "lost"))
        .send()
        .await;
    assert!(matches!(
        missing.unwrap_err().into_service_error(),
        PutLogEventsError::ResourceNotFoundException(_)
    ));
    client
        .create_log_stream()
        .log_group_name("app")
        .log_stream_name("host-1")
        .send()
        .await
        .unwrap();
    let t = now();
    let out = client
        .put_log_events()
        .log_group_name("app")
        .log_stream_name("host-1")
        .log_events(event(t, "one"))
        .log_events(event(t, "twö"))
        .log_events(event(t + 1, "three"))
        .send()
        .await
        .unwrap();
    assert!(out.next_sequence_token().is_some());
    assert!(out.rejected_log_events_info().is_none());

    let accepted = server.accepted();
    let seen: Vec<_> = accepted
        .iter()
        .map(|e| (&*e.group, &*e.stream, e.timestamp, e.message.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("app", "host-1", t, "one"),
            ("app", "host-1", t, "twö"),
            ("app", "host-1", t + 1, "three")
        ]
    );

    let described = client
        .describe_log_streams()
        .log_group_name("app")
        .log_stream_name_prefix("host-")
        .send()
        .await
        .unwrap();
    let streams = described.log_streams();
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0].log_stream_name(), Some("host-1"));
    assert_eq!(streams[0].last_event_timestamp(), Some(t + 1));

    let unknown = client.describe_log_groups().send().await.unwrap_err();
    assert_eq!(unknown.code(), Some("UnknownOperationException"));

    client
        .delete_log_stream()
        .log_group_name("app")
        .log_stream_name("host-1")
        .send()
        .await
        .unwrap();
    client
        .delete_log_group()
        .log_group_name("app")
        .send()
        .await
        .unwrap();

    let stats = server.stats();
    assert!(stats.violations.is_empty(), "{:?}", stats.violations);
    assert_eq!(stats.accepted_events, 3);
    assert_eq!(stats.put_requests, 2);
    assert_eq!(stats.max_events_per_request, 3);
    assert_eq!(stats.max_bytes_per_request, 3 + 4 + 5 + 3 * 26);
    assert_eq!(stats.max_in_flight_per_stream, 1);
}

/// Puts `events` and expects `InvalidParameterException` plus one new recorded violation.
async fn assert_violation(server: &StrictLogs, client: &Client, events: Vec<InputLogEvent>) {
    let before = server.stats().violations.len();
    let (status, err) = service_error(put(client, events, None).await);
    assert_eq!(status, 400);
    assert!(
        matches!(err, PutLogEventsError::InvalidParameterException(_)),
        "{err:?}"
    );
    assert_eq!(server.stats().violations.len(), before + 1);
}

#[tokio::test]
async fn every_limit_is_enforced_and_recorded() {
    let server = strict(StrictConfig::default());
    let client = client(&server).await;
    let t = now();

    let full = vec![event(t, "x"); limits::MAX_BATCH_EVENTS];
    put(&client, full, None).await.unwrap();
    assert_violation(&server, &client, vec![event(t, "x"); 10_001]).await;
    assert_violation(&server, &client, vec![]).await;

    // 1,048,577 bytes counting 26 per event; one byte less is fine.
    let half = limits::MAX_BATCH_BYTES / 2 - limits::EVENT_OVERHEAD_BYTES;
    let fits = vec![event(t, &"a".repeat(half)), event(t, &"b".repeat(half))];
    put(&client, fits, None).await.unwrap();
    let over = vec![event(t, &"a".repeat(half)), event(t, &"b".repeat(half + 1))];
    assert_violation(&server, &client, over).await;

    let oversize = "a".repeat(limits::DEFAULT_MAX_EVENT_MESSAGE_BYTES + 1);
    assert_violation(&server, &client, vec![event(t, &oversize)]).await;
    let unordered = vec![event(t, "a"), event(t - 1, "b")];
    assert_violation(&server, &client, unordered).await;
    let long_span = vec![event(t - DAY - 1, "a"), event(t, "b")];
    assert_violation(&server, &client, long_span).await;

    let stats = server.stats();
    assert_eq!(stats.violations.len(), 6, "{:#?}", stats.violations);
    assert_eq!(stats.accepted_events, 10_002);
    assert_eq!(server.accepted().len(), 10_002);
    assert_eq!(stats.max_events_per_request, 10_001);
}

#[tokio::test]
async fn per_event_limit_follows_the_config() {
    let max = 262_144 - limits::EVENT_OVERHEAD_BYTES;
    let server = strict(StrictConfig {
        max_event_message_bytes: max,
        ..StrictConfig::default()
    });
    let client = client(&server).await;
    put(&client, vec![event(now(), &"a".repeat(max))], None)
        .await
        .unwrap();
    let big = vec![event(now(), &"a".repeat(max + 1))];
    assert_violation(&server, &client, big).await;
}

#[tokio::test]
async fn time_windows_reject_with_api_indexes() {
    let server = strict(StrictConfig::default());
    let client = client(&server).await;
    let t = now();
    let old = vec![
        event(t - 14 * DAY - HOUR, "too old"),
        event(t - 14 * DAY + HOUR, "old but fine"),
    ];
    let out = put(&client, old, None).await.unwrap();
    let info = out.rejected_log_events_info().expect("rejections");
    assert_eq!(info.too_old_log_event_end_index(), Some(1));
    assert_eq!(info.too_new_log_event_start_index(), None);
    let new = vec![
        event(t, "now"),
        event(t + HOUR, "soon"),
        event(t + 3 * HOUR, "too new"),
    ];
    let out = put(&client, new, None).await.unwrap();
    let info = out.rejected_log_events_info().expect("rejections");
    assert_eq!(info.too_old_log_event_end_index(), None);
    assert_eq!(info.too_new_log_event_start_index(), Some(2));

    client
        .put_retention_policy()
        .log_group_name("g")
        .retention_in_days(1)
        .send()
        .await
        .unwrap();
    let expiring = vec![
        event(t - DAY - 30 * MINUTE, "expired"),
        event(t - DAY - 10 * MINUTE, "expired too"),
        event(t - HOUR, "kept"),
    ];
    let out = put(&client, expiring, None).await.unwrap();
    let info = out.rejected_log_events_info().expect("rejections");
    assert_eq!(info.expired_log_event_end_index(), Some(2));

    let kept: Vec<_> = server.accepted().into_iter().map(|e| e.message).collect();
    assert_eq!(kept, ["old but fine", "now", "soon", "kept"]);
    let stats = server.stats();
    assert_eq!(
        (
            stats.rejected_too_old,
            stats.rejected_too_new,
            stats.rejected_expired
        ),
        (1, 1, 2)
    );
    assert!(stats.violations.is_empty());
}

#[tokio::test]
async fn scripted_faults_surface_as_typed_sdk_errors() {
    let server = strict(StrictConfig::default());
    let client = client(&server).await;
    let token = put_one(&client, "first")
        .await
        .unwrap()
        .next_sequence_token()
        .unwrap()
        .to_string();

    server.push_faults([Fault::Throttle]);
    let (status, err) = service_error(put_one(&client, "t").await);
    assert_eq!((status, err.code()), (400, Some("ThrottlingException")));

    server.push_faults([Fault::TooManyRequests]);
    let (status, err) = service_error(put_one(&client, "t").await);
    assert_eq!((status, err.code()), (429, Some("ThrottlingException")));

    server.push_faults([Fault::Internal]);
    let (status, err) = service_error(put_one(&client, "i").await);
    assert_eq!((status, err.code()), (500, Some("InternalFailure")));

    server.push_faults([Fault::Unavailable]);
    let (status, err) = service_error(put_one(&client, "u").await);
    assert_eq!(status, 503);
    assert!(matches!(
        err,
        PutLogEventsError::ServiceUnavailableException(_)
    ));

    server.push_faults([Fault::ResourceNotFound]);
    let (_, err) = service_error(put_one(&client, "r").await);
    assert!(matches!(
        err,
        PutLogEventsError::ResourceNotFoundException(_)
    ));

    server.push_faults([Fault::InvalidSequenceToken]);
    let (_, err) = service_error(put_one(&client, "s").await);
    let PutLogEventsError::InvalidSequenceTokenException(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.expected_sequence_token(), Some(token.as_str()));

    server.push_faults([Fault::DataAlreadyAccepted]);
    let (_, err) = service_error(put_one(&client, "d").await);
    let PutLogEventsError::DataAlreadyAcceptedException(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.expected_sequence_token(), Some(token.as_str()));

    server.push_faults([Fault::AccessDenied]);
    let (_, err) = service_error(put_one(&client, "a").await);
    assert_eq!(err.code(), Some("AccessDeniedException"));

    server.push_faults([Fault::InvalidParameter]);
    let (_, err) = service_error(put_one(&client, "p").await);
    assert!(matches!(
        err,
        PutLogEventsError::InvalidParameterException(_)
    ));

    server.push_faults([Fault::Reset]);
    assert!(is_dispatch_failure(&put_one(&client, "reset").await));

    server.push_faults([Fault::ResetAfterAccept]);
    assert!(is_dispatch_failure(&put_one(&client, "landed").await));

    let delay = Duration::from_millis(300);
    server.push_faults([Fault::Slow(delay)]);
    let started = Instant::now();
    put_one(&client, "slow").await.unwrap();
    assert!(started.elapsed() >= delay);

    let kept: Vec<_> = server.accepted().into_iter().map(|e| e.message).collect();
    assert_eq!(kept, ["first", "landed", "slow"]);
    let stats = server.stats();
    assert!(stats.violations.is_empty(), "{:?}", stats.violations);
    assert_eq!(stats.total_faults(), 12);
    assert_eq!(stats.fault_count(FaultKind::Slow), 1);
    assert_eq!(stats.fault_count(FaultKind::ResetAfterAccept), 1);
    assert_eq!(server.pending_faults(), 0);
    let last = stats.puts.last().unwrap();
    assert_eq!(last.fault, Some(FaultKind::Slow));
    assert_eq!(
        last.outcome,
        PutOutcome::Accepted {
            stored: 1,
            rejected: 0
        }
    );
}

#[tokio::test]
async fn enforced_tokens_catch_stale_tokens_and_repeats() {
    let server = strict(StrictConfig {
        enforce_sequence_tokens: true,
        ..StrictConfig::default()
    });
    let client = client(&server).await;
    let t = now();
    let batch = |m: &str| vec![event(t, m)];

    let (_, err) = service_error(put(&client, batch("a"), Some("123")).await);
    let PutLogEventsError::InvalidSequenceTokenException(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.expected_sequence_token(), None);

    let first = put(&client, batch("a"), None).await.unwrap();
    let t1 = first.next_sequence_token().unwrap().to_string();
    let (_, err) = service_error(put(&client, batch("a"), None).await);
    let PutLogEventsError::DataAlreadyAcceptedException(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.expected_sequence_token(), Some(t1.as_str()));
    let (_, err) = service_error(put(&client, batch("b"), None).await);
    let PutLogEventsError::InvalidSequenceTokenException(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.expected_sequence_token(), Some(t1.as_str()));

    // The protocol's unavoidable duplicate, caught by tokens: the batch lands, the answer
    // is lost, the retry with the same token is recognised.
    server.push_faults([Fault::ResetAfterAccept]);
    assert!(is_dispatch_failure(
        &put(&client, batch("b"), Some(&t1)).await
    ));
    let (_, err) = service_error(put(&client, batch("b"), Some(&t1)).await);
    let PutLogEventsError::DataAlreadyAcceptedException(e) = err else {
        panic!("{err:?}")
    };
    let t2 = e.expected_sequence_token().unwrap().to_string();
    put(&client, batch("c"), Some(&t2)).await.unwrap();

    let kept: Vec<_> = server.accepted().into_iter().map(|e| e.message).collect();
    assert_eq!(kept, ["a", "b", "c"]);
}

#[tokio::test]
async fn without_enforcement_a_lost_answer_duplicates() {
    let server = strict(StrictConfig::default());
    let client = client(&server).await;
    server.push_faults([Fault::ResetAfterAccept]);
    let batch = vec![event(now(), "twice")];
    assert!(is_dispatch_failure(
        &put(&client, batch.clone(), None).await
    ));
    put(&client, batch, Some("ignored")).await.unwrap();
    assert_eq!(server.accepted().len(), 2);
}

#[tokio::test]
async fn outage_switch_fails_everything_until_back_up() {
    let server = strict(StrictConfig::default());
    let client = client(&server).await;
    server.set_down(true);
    assert!(is_dispatch_failure(&put_one(&client, "x").await));
    let create = client
        .create_log_group()
        .log_group_name("other")
        .send()
        .await;
    assert!(matches!(create, Err(SdkError::DispatchFailure(_))));

    server.set_outage(Some(OutageMode::Unavailable));
    let (status, err) = service_error(put_one(&client, "x").await);
    assert_eq!(status, 503);
    assert!(matches!(
        err,
        PutLogEventsError::ServiceUnavailableException(_)
    ));

    server.set_down(false);
    put_one(&client, "back").await.unwrap();
    assert_eq!(server.accepted().len(), 1);
    assert_eq!(server.stats().fault_count(FaultKind::Outage), 3);
}

async fn fault_sequence(rates: FaultRates) -> Vec<Option<FaultKind>> {
    let server = strict(StrictConfig::default());
    server.set_fault_rates(rates);
    let client = client(&server).await;
    for i in 0..60 {
        let _ = put_one(&client, &format!("m{i}")).await;
    }
    let stats = server.stats();
    assert_eq!(stats.puts.len(), 60);
    stats.puts.iter().map(|p| p.fault).collect()
}

#[tokio::test]
async fn seeded_rates_repeat() {
    let rates = FaultRates {
        throttle: 0.3,
        unavailable: 0.05,
        internal: 0.05,
        reset: 0.05,
        slow: 0.05,
        slow_delay: Duration::from_millis(5),
        seed: 7,
        ..FaultRates::default()
    };
    let first = fault_sequence(rates).await;
    assert_eq!(first, fault_sequence(rates).await);
    assert!(first.iter().any(Option::is_some));
    assert!(first.iter().any(Option::is_none));
}

#[tokio::test]
async fn concurrent_puts_to_one_stream_are_counted_in_flight() {
    let server = strict(StrictConfig::default());
    let client = client(&server).await;
    let delay = Duration::from_millis(300);
    server.push_faults([Fault::Slow(delay), Fault::Slow(delay)]);
    let (a, b) = tokio::join!(put_one(&client, "a"), put_one(&client, "b"));
    a.unwrap();
    b.unwrap();
    assert_eq!(server.stats().max_in_flight_per_stream, 2);
}

#[test]
fn serves_sync_callers_and_stops_on_drop() {
    let server = strict(StrictConfig::default());
    let addr = server.addr();
    assert!(server.endpoint().starts_with("http://127.0.0.1:"));
    std::net::TcpStream::connect(addr).unwrap();
    drop(server);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

/// Rewrites the body after the SDK signed it (same length, one byte changed).
#[derive(Debug)]
struct ChangeBodyAfterSigning;

impl aws_sdk_cloudwatchlogs::config::Intercept for ChangeBodyAfterSigning {
    fn name(&self) -> &'static str {
        "ChangeBodyAfterSigning"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _: &aws_sdk_cloudwatchlogs::config::RuntimeComponents,
        _: &mut aws_sdk_cloudwatchlogs::config::ConfigBag,
    ) -> Result<(), aws_sdk_cloudwatchlogs::error::BoxError> {
        let request = context.request_mut();
        let body = String::from_utf8(request.body().bytes().unwrap_or_default().to_vec())?;
        *request.body_mut() = body.replace("hello", "jello").into();
        Ok(())
    }
}

#[tokio::test]
async fn a_request_whose_body_is_not_the_one_signed_is_refused_as_aws_refuses_it() {
    let server = strict(StrictConfig::default());
    let tampering = client(&server)
        .await
        .put_log_events()
        .log_group_name("g")
        .log_stream_name("s")
        .log_events(event(now(), "hello"))
        .customize()
        .interceptor(ChangeBodyAfterSigning)
        .send()
        .await;
    let (status, error) = service_error(tampering);
    assert_eq!(
        (status, error.code()),
        (400, Some("InvalidSignatureException"))
    );

    let sdk = test_support::sdk_config_for(&server.endpoint()).await;
    let wrong_secret = aws_sdk_cloudwatchlogs::config::Builder::from(&sdk)
        .retry_config(RetryConfig::disabled())
        .credentials_provider(aws_credential_types::Credentials::new(
            test_support::TEST_ACCESS_KEY,
            "not the secret",
            None,
            None,
            "test",
        ))
        .build();
    let (status, error) = service_error(put_one(&Client::from_conf(wrong_secret), "hi").await);
    assert_eq!(
        (status, error.code()),
        (400, Some("InvalidSignatureException"))
    );

    let stats = server.stats();
    assert_eq!(stats.violations.len(), 2, "{:?}", stats.violations);
    assert!(server.accepted().is_empty());
    // The same put, signed as sent, is stored.
    put_one(&client(&server).await, "hello").await.unwrap();
}

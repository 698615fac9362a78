//! The HTTP side: a hyper 1 HTTP/1.1 server (keep-alive) on its own thread and Tokio
//! runtime, which applies faults and records what `PutLogEvents` did.

use super::StrictConfig;
use super::api::{self, ApiError, Operation, PutLogEventsRequest};
use super::control;
use super::faults::{Fault, FaultKind, FaultPlan, OutageMode};
use super::limits::{LogEvent, batch_bytes, validate_batch};
use super::record::{AcceptedEvent, PutOutcome, PutRecord, StrictStats};
use super::sigv4::{self, SignatureError, SignedRequest};
use super::state::{Logs, batch_digest};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Everything the handle and the request handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: StrictConfig,
    pub(crate) inner: Mutex<Inner>,
    pub(crate) faults: Mutex<FaultPlan>,
    request_ids: AtomicU64,
}

/// State behind one lock, so an accepted batch and its stats change together.
#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub(crate) logs: Logs,
    pub(crate) stats: StrictStats,
    pub(crate) accepted: Vec<AcceptedEvent>,
    in_flight: HashMap<(Arc<str>, Arc<str>), usize>,
}

impl Shared {
    pub(crate) fn new(config: StrictConfig) -> Self {
        Shared {
            config,
            inner: Mutex::default(),
            faults: Mutex::default(),
            request_ids: AtomicU64::new(0),
        }
    }

    /// Locks the state; a panicking test thread must not hide the records from the others.
    pub(crate) fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The service's error: hyper closes the connection without writing a response.
#[derive(Debug)]
struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ResetConnection {}

type Reply = Result<Response<Full<Bytes>>, ResetConnection>;

/// Accepts connections until `stop` fires.
pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener)
        .expect("strict logs: could not register the listener with Tokio");
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((tcp, _)) = accepted else {
            // Out of file descriptors or similar: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
            // Errors are resets (injected or by the client): nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Reply {
    shared.inner().stats.requests += 1;
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let outage = shared.faults().outage();
    if outage.is_some() {
        shared.inner().stats.count_fault(FaultKind::Outage);
    }
    if outage == Some(OutageMode::Reset) {
        // Before reading the body, as an unreachable service would: the endpoint shares the
        // process in the memory tests and benches, and a megabyte of body per attempt held in
        // its threads would be counted against the layer's bound.
        return Err(ResetConnection);
    }
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|_| ResetConnection)?
        .to_bytes();
    if let Err(e) = check_signature(&parts, &body) {
        shared
            .inner()
            .stats
            .violations
            .push(format!("{target}: {}", e.message));
        return Ok(error_response(&shared, &e));
    }
    if outage == Some(OutageMode::Unavailable) {
        return Ok(error_response(&shared, &unavailable()));
    }
    let Some(op) = Operation::from_target(&target) else {
        return Ok(error_response(
            &shared,
            &ApiError::unknown_operation(&target),
        ));
    };
    if op == Operation::PutLogEvents {
        return put_log_events(&shared, &body).await;
    }
    let result = {
        let mut inner = shared.inner();
        let result = control::handle(&mut inner.logs, op, &body, now_ms());
        if let Err(e) = &result
            && matches!(
                e.code,
                "SerializationException" | "InvalidParameterException"
            )
        {
            inner
                .stats
                .violations
                .push(format!("{op:?}: {}", e.message));
        }
        result
    };
    Ok(match result {
        Ok(value) => ok_response(&shared, serde_json::to_vec(&value).unwrap_or_default()),
        Err(e) => error_response(&shared, &e),
    })
}

async fn put_log_events(shared: &Shared, body: &[u8]) -> Reply {
    let mut req: PutLogEventsRequest = match api::parse(body) {
        Ok(req) => req,
        Err(e) => {
            let mut inner = shared.inner();
            inner.stats.put_requests += 1;
            inner
                .stats
                .violations
                .push(format!("PutLogEvents: malformed body: {}", e.message));
            return Ok(error_response(shared, &e));
        }
    };
    let group: Arc<str> = req.log_group_name.as_str().into();
    let stream: Arc<str> = req.log_stream_name.as_str().into();
    let mut record = PutRecord {
        group: group.clone(),
        stream: stream.clone(),
        events: req.log_events.len(),
        bytes: batch_bytes(&req.log_events),
        fault: None,
        outcome: PutOutcome::Reset,
    };
    let fault = shared.faults().next_put();
    record.fault = fault.map(Fault::kind);
    let _in_flight = InFlight::enter(shared, &record);

    if let Some(Fault::Slow(delay)) = fault {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::Reset) => {
            finish(shared, record, PutOutcome::Reset);
            return Err(ResetConnection);
        }
        Some(fault) => {
            if let Some(e) = injected_error(shared, fault, &req) {
                finish(shared, record, PutOutcome::Error(e.code));
                return Ok(error_response(shared, &e));
            }
        }
        None => {}
    }

    if let Err(violation) = validate_batch(&req.log_events, shared.config.max_event_message_bytes) {
        let e = ApiError::invalid_parameter(violation.to_string());
        let mut inner = shared.inner();
        inner
            .stats
            .violations
            .push(format!("PutLogEvents {group}/{stream}: {violation}"));
        drop(inner);
        finish(shared, record, PutOutcome::Error(e.code));
        return Ok(error_response(shared, &e));
    }
    let enforce = shared.config.enforce_sequence_tokens;
    let digest = if enforce {
        batch_digest(&req.log_events)
    } else {
        0
    };
    let mut inner = shared.inner();
    let put = match inner.logs.put(&req, digest, enforce, now_ms()) {
        Ok(put) => put,
        Err(e) => {
            drop(inner);
            finish(shared, record, PutOutcome::Error(e.code));
            return Ok(error_response(shared, &e));
        }
    };
    let n = req.log_events.len();
    let w = put.windows;
    let range = w.accepted();
    let stored = range.len();
    let stats = &mut inner.stats;
    stats.accepted_events += stored as u64;
    stats.rejected_too_old += w.too_old_count() as u64;
    stats.rejected_expired += w.expired_count() as u64;
    stats.rejected_too_new += w.too_new_count(n) as u64;
    if shared.config.record_accepted {
        let events = req
            .log_events
            .drain(range)
            .map(|LogEvent { timestamp, message }| AcceptedEvent {
                group: group.clone(),
                stream: stream.clone(),
                timestamp,
                message,
            });
        inner.accepted.extend(events);
    }
    drop(inner);
    if fault == Some(Fault::ResetAfterAccept) {
        finish(shared, record, PutOutcome::ResetAfterAccept { stored });
        return Err(ResetConnection);
    }
    let rejected = n - stored;
    finish(shared, record, PutOutcome::Accepted { stored, rejected });
    let too_new = (w.too_new_start < n).then_some(w.too_new_start);
    let body = api::put_log_events_body(&put.next_token, w.too_old_end, w.expired_end, too_new);
    Ok(ok_response(
        shared,
        serde_json::to_vec(&body).unwrap_or_default(),
    ))
}

/// The error answer of an injected fault; `None` for faults that are not an answer.
fn injected_error(shared: &Shared, fault: Fault, req: &PutLogEventsRequest) -> Option<ApiError> {
    let expected = || {
        shared
            .inner()
            .logs
            .expected_token(&req.log_group_name, &req.log_stream_name)
    };
    Some(match fault {
        Fault::Throttle => ApiError::new(400, "ThrottlingException", "Rate exceeded"),
        Fault::TooManyRequests => ApiError::new(429, "ThrottlingException", "Rate exceeded"),
        Fault::Internal => ApiError::new(500, "InternalFailure", "injected internal failure"),
        Fault::Unavailable => unavailable(),
        Fault::ResourceNotFound => {
            ApiError::not_found("The specified log stream does not exist. (injected)")
        }
        Fault::InvalidSequenceToken => ApiError::invalid_sequence_token(expected()),
        Fault::DataAlreadyAccepted => ApiError::data_already_accepted(expected()),
        Fault::AccessDenied => ApiError::new(
            400,
            "AccessDeniedException",
            "User is not authorized to perform: logs:PutLogEvents (injected)",
        ),
        Fault::InvalidParameter => ApiError::invalid_parameter("injected invalid parameter"),
        Fault::Slow(_) | Fault::Reset | Fault::ResetAfterAccept => return None,
    })
}

/// See [`sigv4`]: the request must be signed, over this body, with the test credentials.
fn check_signature(parts: &hyper::http::request::Parts, body: &[u8]) -> Result<(), ApiError> {
    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let request = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers,
        body,
    };
    sigv4::verify(&request, crate::TEST_ACCESS_KEY, crate::TEST_SECRET_KEY).map_err(|e| match e {
        SignatureError::Missing => ApiError::new(
            400,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
        SignatureError::UnknownKey(key) => ApiError::new(
            400,
            "UnrecognizedClientException",
            format!("The security token included in the request is invalid (access key {key})."),
        ),
        SignatureError::Incomplete(why) => ApiError::new(400, "IncompleteSignatureException", why),
        SignatureError::Mismatch => ApiError::new(
            400,
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        ),
    })
}

fn unavailable() -> ApiError {
    ApiError::new(
        503,
        "ServiceUnavailableException",
        "The service cannot complete the request.",
    )
}

/// Records a finished `PutLogEvents` request.
fn finish(shared: &Shared, mut record: PutRecord, outcome: PutOutcome) {
    record.outcome = outcome;
    shared.inner().stats.puts.push(record);
}

/// Counts a parsed `PutLogEvents` request (and its fault) on arrival, and as in flight for
/// its stream until dropped, also when the client hangs up and hyper drops the handler.
struct InFlight<'a> {
    shared: &'a Shared,
    key: (Arc<str>, Arc<str>),
}

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared, record: &PutRecord) -> Self {
        let key = (record.group.clone(), record.stream.clone());
        let mut inner = shared.inner();
        let count = inner.in_flight.entry(key.clone()).or_default();
        *count += 1;
        let count = *count;
        let stats = &mut inner.stats;
        stats.put_requests += 1;
        stats.max_events_per_request = stats.max_events_per_request.max(record.events);
        stats.max_bytes_per_request = stats.max_bytes_per_request.max(record.bytes);
        stats.max_in_flight_per_stream = stats.max_in_flight_per_stream.max(count);
        if let Some(kind) = record.fault {
            stats.count_fault(kind);
        }
        InFlight { shared, key }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut inner = self.shared.inner();
        if let Some(count) = inner.in_flight.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                inner.in_flight.remove(&self.key);
            }
        }
    }
}

fn ok_response(shared: &Shared, body: Vec<u8>) -> Response<Full<Bytes>> {
    response(shared, StatusCode::OK, body, None)
}

fn error_response(shared: &Shared, e: &ApiError) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    response(shared, status, e.body(), Some(e.code))
}

fn response(
    shared: &Shared,
    status: StatusCode,
    body: Vec<u8>,
    error_code: Option<&'static str>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(api::CONTENT_TYPE));
    let id = shared.request_ids.fetch_add(1, Ordering::Relaxed);
    if let Ok(id) = HeaderValue::from_str(&format!("strict-{id:012}")) {
        headers.insert("x-amzn-requestid", id);
    }
    if let Some(code) = error_code {
        headers.insert("x-amzn-errortype", HeaderValue::from_static(code));
    }
    response
}

/// The server's clock, in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

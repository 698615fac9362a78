//! A local stand-in for Slack and Teams webhooks: an HTTP/1.1 server on a loopback port, on
//! its own thread and Tokio runtime, that records every POST and answers as scripted
//! (200 by default; a queue of statuses with optional `Retry-After` per path; or "down").

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// One received POST.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request path (`/slack`, `/teams`, ...).
    pub path: String,
    /// The body, parsed as JSON (`Null` if it was not JSON).
    pub body: serde_json::Value,
    /// When it arrived.
    pub at: Instant,
}

/// A scripted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After` header value.
    pub retry_after: Option<String>,
}

impl Answer {
    /// An answer with this status and no `Retry-After`.
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            retry_after: None,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    script: HashMap<String, VecDeque<Answer>>,
    down: HashMap<String, u16>,
}

/// The running stand-in; stops when dropped.
#[derive(Debug)]
pub struct WebhookSink {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

async fn answer(
    state: Arc<Mutex<State>>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = request.uri().path().to_string();
    let body = request.into_body().collect().await?.to_bytes();
    let mut state = lock(&state);
    if let Some(status) = state.down.get(&path).copied() {
        return Ok(Response::builder()
            .status(status)
            .body(Full::new(Bytes::from_static(b"down")))
            .expect("valid response"));
    }
    let answer = state
        .script
        .get_mut(&path)
        .and_then(VecDeque::pop_front)
        .unwrap_or(Answer::status(200));
    if (200..300).contains(&answer.status) {
        state.received.push(Received {
            path,
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
            at: Instant::now(),
        });
    }
    let mut response = Response::builder().status(answer.status);
    if let Some(retry_after) = &answer.retry_after {
        response = response.header("retry-after", retry_after.as_str());
    }
    Ok(response
        .body(Full::new(Bytes::from_static(b"ok")))
        .expect("valid response"))
}

impl WebhookSink {
    /// Starts on a free loopback port.
    pub fn start() -> WebhookSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        listener.set_nonblocking(true).expect("non-blocking socket");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a Tokio runtime for the webhook sink");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                loop {
                    let (stream, _) = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok(accepted) => accepted,
                            Err(_) => continue,
                        },
                        _ = &mut stopped => return,
                    };
                    let state = Arc::clone(&shared);
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            answer(Arc::clone(&state), request)
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        WebhookSink {
            port,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The next POSTs to `path` get these answers, in order (then 200 again).
    pub fn script(&self, path: &str, answers: impl IntoIterator<Item = Answer>) {
        lock(&self.state)
            .script
            .entry(path.to_string())
            .or_default()
            .extend(answers);
    }

    /// Every POST to `path` gets `status` (`None`: back to normal).
    pub fn down(&self, path: &str, status: Option<u16>) {
        let mut state = lock(&self.state);
        match status {
            Some(status) => state.down.insert(path.to_string(), status),
            None => state.down.remove(path),
        };
    }

    /// Accepted (2xx) POSTs to `path`, oldest first.
    pub fn received(&self, path: &str) -> Vec<Received> {
        lock(&self.state)
            .received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

//! An in-memory [`LogsClient`] for tests: stores what it is sent, creates what it is asked to.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::client::{
    BoxFuture, ClientError, LogsClient, PutLogEventsRequest, PutLogEventsResponse,
};
use crate::event::LogEvent;

/// Stores every event it receives, per group and stream; a clone shares the same store.
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let client = tracing_cloudwatch_logs::MemoryClient::default();
/// let (layer, guard) = tracing_cloudwatch_logs::builder()
///     .log_group("/test")
///     .service("svc")
///     .build(client.clone())
///     .unwrap();
/// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
///     tracing::info!(answer = 42, "hello");
/// });
/// drop(guard); // flushes
/// let records = client.records();
/// assert_eq!(records[0]["message"], "hello");
/// assert_eq!(records[0]["answer"], 42);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryClient {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    groups: BTreeSet<String>,
    streams: BTreeMap<(String, String), Vec<LogEvent>>,
}

impl MemoryClient {
    /// Every event received, in the order received, across groups and streams.
    pub fn events(&self) -> Vec<LogEvent> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.streams.values().flatten().cloned().collect()
    }

    /// Every event received, parsed as JSON.
    pub fn records(&self) -> Vec<serde_json::Value> {
        self.events()
            .iter()
            .map(|e| serde_json::from_str(e.message()).expect("the layer writes JSON"))
            .collect()
    }

    /// Forgets every event received so far.
    pub fn clear(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.streams.values_mut().for_each(Vec::clear);
    }
}

fn not_found(what: &str) -> ClientError {
    ClientError::service(
        "ResourceNotFoundException",
        400,
        format!("{what} does not exist"),
    )
}

impl LogsClient for MemoryClient {
    fn put_log_events<'a>(
        &'a self,
        request: PutLogEventsRequest<'a>,
    ) -> BoxFuture<'a, Result<PutLogEventsResponse, ClientError>> {
        Box::pin(async move {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let key = (request.log_group.to_owned(), request.log_stream.to_owned());
            let stream = state
                .streams
                .get_mut(&key)
                .ok_or_else(|| not_found("log stream"))?;
            stream.extend_from_slice(request.events);
            Ok(PutLogEventsResponse::default())
        })
    }

    fn create_log_group<'a>(&'a self, group: &'a str) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.groups.insert(group.to_owned());
            Ok(())
        })
    }

    fn create_log_stream<'a>(
        &'a self,
        group: &'a str,
        stream: &'a str,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async move {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if !state.groups.contains(group) {
                return Err(not_found("log group"));
            }
            state
                .streams
                .entry((group.to_owned(), stream.to_owned()))
                .or_default();
            Ok(())
        })
    }

    fn put_retention_policy<'a>(
        &'a self,
        _group: &'a str,
        _days: i32,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        Box::pin(async { Ok(()) })
    }
}

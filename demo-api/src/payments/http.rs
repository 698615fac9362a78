//! The payments service over HTTP: what the orders service charges through.

use std::time::Duration;

use super::wire::{CHARGES_PATH, interpret};
use super::{BoxFuture, Charge, PaymentProvider, ProviderError};
use crate::trace_context::TraceContext;

/// Calls `POST {base}/charges` of a payments service, carrying the trace on in
/// `traceparent` and `x-request-id` (see [`TraceContext::outgoing_headers`]). The caller puts
/// the deadline on the call ([`super::pay`]).
#[derive(Debug, Clone)]
pub struct HttpProvider {
    client: reqwest::Client,
    url: String,
}

impl HttpProvider {
    /// A provider calling the payments service at `base_url` (`http://127.0.0.1:3001`).
    /// Connecting may take at most `connect_timeout`.
    pub fn new(base_url: &str, connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            // The payments service is a sibling on a known address: never route the call
            // through a proxy taken from the environment.
            .no_proxy()
            .build()?;
        Ok(HttpProvider {
            client,
            url: format!("{}{CHARGES_PATH}", base_url.trim_end_matches('/')),
        })
    }

    /// The URL charges are posted to.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl PaymentProvider for HttpProvider {
    fn charge(
        &self,
        charge: Charge,
        trace: &TraceContext,
    ) -> BoxFuture<'_, Result<String, ProviderError>> {
        let mut request = self.client.post(&self.url).json(&charge);
        for (name, value) in trace.outgoing_headers() {
            request = request.header(name, value);
        }
        Box::pin(async move {
            let unreachable = |source| ProviderError::Unreachable {
                url: self.url.clone(),
                source,
            };
            let response = request.send().await.map_err(unreachable)?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(unreachable)?;
            interpret(status, &body)
        })
    }
}

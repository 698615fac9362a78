//! Which trace id a request runs under: W3C `traceparent`, else `x-request-id`, else a new one.
//!
//! Pure functions over header values, so every rule is unit tested without a server.

use http::HeaderMap;

/// W3C Trace Context request header: `version-traceid-parentid-flags`.
/// <https://www.w3.org/TR/trace-context/#traceparent-header>
pub const TRACEPARENT: &str = "traceparent";
/// The de-facto request id header set by load balancers and proxies.
pub const X_REQUEST_ID: &str = "x-request-id";
/// Response header carrying the trace id the request was logged under.
pub const X_TRACE_ID: &str = "x-trace-id";

/// Longest `x-request-id` accepted as a trace id; longer values are replaced, so a client
/// cannot bloat every record of its request.
pub const MAX_REQUEST_ID_CHARS: usize = 128;

/// Length of a version-00 `traceparent`: `2 + 1 + 32 + 1 + 16 + 1 + 2`.
const TRACEPARENT_V00_LEN: usize = 55;

/// Where a request's trace id came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceSource {
    /// The trace-id part of a valid `traceparent` header.
    Traceparent,
    /// A valid `x-request-id` header, used verbatim.
    RequestId,
    /// Neither header was usable: a fresh random id.
    Generated,
}

impl TraceSource {
    /// The name logged in the request span's `trace_source` field.
    pub fn as_str(self) -> &'static str {
        match self {
            TraceSource::Traceparent => "traceparent",
            TraceSource::RequestId => "x-request-id",
            TraceSource::Generated => "generated",
        }
    }
}

/// The trace identity of one request, stored in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// The id every record of the request carries as `trace_id`.
    pub trace_id: String,
    /// Where `trace_id` came from.
    pub source: TraceSource,
    /// The caller's own `x-request-id`, when valid, echoed back unchanged.
    pub request_id: Option<String>,
}

impl TraceContext {
    /// Resolves the trace id from request headers (see the module docs for the precedence).
    pub fn from_headers(headers: &HeaderMap) -> TraceContext {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let request_id = header(X_REQUEST_ID).and_then(parse_request_id);
        let (trace_id, source) = if let Some(id) = header(TRACEPARENT).and_then(parse_traceparent) {
            (id, TraceSource::Traceparent)
        } else if let Some(id) = &request_id {
            (id.clone(), TraceSource::RequestId)
        } else {
            (new_trace_id(), TraceSource::Generated)
        };
        TraceContext {
            trace_id,
            source,
            request_id,
        }
    }

    /// The `x-request-id` to answer with: the caller's own, else the trace id.
    pub fn response_request_id(&self) -> &str {
        self.request_id.as_deref().unwrap_or(&self.trace_id)
    }
}

/// The trace-id of a valid `traceparent`, or `None`.
///
/// Follows the W3C rules a receiver must apply: lowercase hex only, version `ff` is invalid,
/// version `00` is exactly 55 characters, later versions may append `-`-separated data, and
/// all-zero trace or parent ids are invalid.
pub fn parse_traceparent(value: &str) -> Option<String> {
    let value = value.trim();
    let mut parts = value.splitn(5, '-');
    let version = parts.next()?;
    let trace_id = parts.next()?;
    let parent_id = parts.next()?;
    let flags = parts.next()?;
    let rest = parts.next();
    if !is_lower_hex(version, 2) || version == "ff" {
        return None;
    }
    if version == "00" && (value.len() != TRACEPARENT_V00_LEN || rest.is_some()) {
        return None;
    }
    if !is_lower_hex(trace_id, 32) || !is_lower_hex(parent_id, 16) || !is_lower_hex(flags, 2) {
        return None;
    }
    if is_all_zero(trace_id) || is_all_zero(parent_id) {
        return None;
    }
    Some(trace_id.to_owned())
}

/// A usable `x-request-id` (1 to [`MAX_REQUEST_ID_CHARS`] characters of `[A-Za-z0-9._:-]`),
/// or `None`. The charset keeps ids safe to echo in headers and to search for in logs.
pub fn parse_request_id(value: &str) -> Option<String> {
    let value = value.trim();
    let ok = !value.is_empty()
        && value.len() <= MAX_REQUEST_ID_CHARS
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    ok.then(|| value.to_owned())
}

/// A fresh trace id: a random UUID as 32 lowercase hex digits, the same shape as a W3C
/// trace-id, so generated and propagated ids look alike in the logs.
pub fn new_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_all_zero(s: &str) -> bool {
    s.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_gives_its_trace_id() {
        assert_eq!(parse_traceparent(VALID).as_deref(), Some(TRACE));
    }

    #[test]
    fn a_future_version_may_carry_more_fields() {
        let v = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra";
        assert_eq!(parse_traceparent(v).as_deref(), Some(TRACE));
    }

    #[test]
    fn invalid_traceparents_are_rejected() {
        for bad in [
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", // v00 has no extras
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // uppercase
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // short version
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",    // no flags
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // non-hex version
            "",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad}");
        }
    }

    #[test]
    fn request_ids_are_checked() {
        assert_eq!(
            parse_request_id(" req-42.a_b:c ").as_deref(),
            Some("req-42.a_b:c")
        );
        assert_eq!(parse_request_id(""), None);
        assert_eq!(parse_request_id("has space"), None);
        assert_eq!(parse_request_id("quote\""), None);
        assert_eq!(
            parse_request_id(&"a".repeat(MAX_REQUEST_ID_CHARS + 1)),
            None
        );
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn traceparent_wins_over_request_id_which_is_still_echoed() {
        let ctx =
            TraceContext::from_headers(&headers(&[(TRACEPARENT, VALID), (X_REQUEST_ID, "r-1")]));
        assert_eq!(ctx.trace_id, TRACE);
        assert_eq!(ctx.source, TraceSource::Traceparent);
        assert_eq!(ctx.response_request_id(), "r-1");
    }

    #[test]
    fn an_invalid_traceparent_falls_back_to_the_request_id() {
        let zero = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
        let ctx =
            TraceContext::from_headers(&headers(&[(TRACEPARENT, zero), (X_REQUEST_ID, "r-1")]));
        assert_eq!(
            (ctx.trace_id.as_str(), ctx.source),
            ("r-1", TraceSource::RequestId)
        );
    }

    #[test]
    fn no_headers_give_a_fresh_w3c_shaped_id() {
        let a = TraceContext::from_headers(&HeaderMap::new());
        let b = TraceContext::from_headers(&HeaderMap::new());
        assert_eq!(a.source, TraceSource::Generated);
        assert_ne!(a.trace_id, b.trace_id);
        assert!(is_lower_hex(&a.trace_id, 32), "{}", a.trace_id);
        assert_eq!(a.response_request_id(), a.trace_id);
    }
}

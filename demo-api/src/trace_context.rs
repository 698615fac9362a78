//! Which trace id a request runs under: W3C `traceparent`, else an AWS `X-Amzn-Trace-Id` (set
//! by load balancers), else `x-request-id`, else a new one; and the headers that carry it on
//! to the next service.
//!
//! Pure functions over header values, so every rule is unit tested without a server.

use http::HeaderMap;

/// W3C Trace Context request header: `version-traceid-parentid-flags`.
/// <https://www.w3.org/TR/trace-context/#traceparent-header>
pub const TRACEPARENT: &str = "traceparent";
/// The AWS X-Ray tracing header, added by Application Load Balancers, API Gateway and Lambda:
/// `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`.
/// <https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader>,
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html>
pub const X_AMZN_TRACE_ID: &str = "x-amzn-trace-id";
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
    /// The `Root` of a valid `X-Amzn-Trace-Id` header, in W3C form.
    XRay,
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
            TraceSource::XRay => "x-amzn-trace-id",
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
    /// The caller's sampling decision (`traceparent` flags, X-Ray `Sampled`); `true` when
    /// the caller did not decide.
    pub sampled: bool,
}

impl TraceContext {
    /// Resolves the trace id from request headers (see the module docs for the precedence).
    pub fn from_headers(headers: &HeaderMap) -> TraceContext {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let request_id = header(X_REQUEST_ID).and_then(parse_request_id);
        let (trace_id, source, sampled) =
            if let Some(parent) = header(TRACEPARENT).and_then(parse_traceparent_header) {
                (parent.trace_id, TraceSource::Traceparent, parent.sampled)
            } else if let Some(xray) = header(X_AMZN_TRACE_ID).and_then(parse_xray_header) {
                (
                    xray.trace_id,
                    TraceSource::XRay,
                    xray.sampled != Some(false),
                )
            } else if let Some(id) = &request_id {
                (id.clone(), TraceSource::RequestId, true)
            } else {
                (new_trace_id(), TraceSource::Generated, true)
            };
        TraceContext {
            trace_id,
            source,
            request_id,
            sampled,
        }
    }

    /// The headers that carry this trace to a service we call: a `traceparent` with a fresh
    /// parent id when the trace id is W3C-shaped, and `x-request-id` (the caller's, else the
    /// trace id), so that a trace id that is not W3C-shaped still reaches the next service.
    pub fn outgoing_headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::with_capacity(2);
        if is_w3c_trace_id(&self.trace_id) {
            let flags = if self.sampled { "01" } else { "00" };
            let parent = format!("{:016x}", rand::random::<u64>() | 1);
            headers.push((
                TRACEPARENT,
                format!("00-{}-{parent}-{flags}", self.trace_id),
            ));
        }
        headers.push((X_REQUEST_ID, self.response_request_id().to_owned()));
        headers
    }

    /// The `x-request-id` to answer with: the caller's own, else the trace id.
    pub fn response_request_id(&self) -> &str {
        self.request_id.as_deref().unwrap_or(&self.trace_id)
    }
}

/// A valid `traceparent`, as far as this service needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traceparent {
    /// The trace-id (32 lowercase hex digits).
    pub trace_id: String,
    /// The `sampled` bit of the trace flags.
    pub sampled: bool,
}

/// The trace-id of a valid `traceparent`, or `None` (see [`parse_traceparent_header`]).
pub fn parse_traceparent(value: &str) -> Option<String> {
    parse_traceparent_header(value).map(|t| t.trace_id)
}

/// A valid `traceparent`, or `None`.
///
/// Follows the W3C rules a receiver must apply: lowercase hex only, version `ff` is invalid,
/// version `00` is exactly 55 characters, later versions may append `-`-separated data, and
/// all-zero trace or parent ids are invalid.
pub fn parse_traceparent_header(value: &str) -> Option<Traceparent> {
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
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some(Traceparent {
        trace_id: trace_id.to_owned(),
        sampled: flags & 1 == 1,
    })
}

/// A valid `X-Amzn-Trace-Id`, as far as this service needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XRayHeader {
    /// The `Root` trace id converted to W3C form: its 8 + 24 hex digits, lowercase.
    pub trace_id: String,
    /// The `Parent` segment id, when present and valid (16 hex digits).
    pub parent: Option<String>,
    /// `Sampled=1` / `Sampled=0`; `None` when absent or `?` (not decided yet).
    pub sampled: Option<bool>,
}

/// A valid `X-Amzn-Trace-Id` header, or `None`.
///
/// The header is `;`-separated `Key=Value` pairs in any order; the trace id is `Root`,
/// `1-<8 hex: epoch seconds>-<24 hex: random>` (AWS documents version 1 only). Load balancers
/// may add `Self=` and other keys, which are ignored.
/// <https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader>,
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html>
pub fn parse_xray_header(value: &str) -> Option<XRayHeader> {
    let mut root = None;
    let mut parent = None;
    let mut sampled = None;
    for pair in value.split(';') {
        let Some((key, val)) = pair.split_once('=') else {
            continue;
        };
        match key.trim() {
            "Root" => root = xray_root_to_w3c(val.trim()),
            "Parent" => {
                let val = val.trim().to_ascii_lowercase();
                parent = is_lower_hex(&val, 16).then_some(val);
            }
            "Sampled" => {
                sampled = match val.trim() {
                    "1" => Some(true),
                    "0" => Some(false),
                    _ => None,
                }
            }
            _ => {}
        }
    }
    Some(XRayHeader {
        trace_id: root?,
        parent,
        sampled,
    })
}

/// `1-5759e988-bd862e3fe1be46a994272793` -> `5759e988bd862e3fe1be46a994272793`, or `None`
/// when it is not a version-1 X-Ray trace id (or is all zeros, which W3C forbids). The same
/// conversion the layer's records and the analyzer's `trace` command use.
pub fn xray_root_to_w3c(root: &str) -> Option<String> {
    tracing_cloudwatch_logs::record::w3c_trace_id_from_xray(root)
}

/// Whether `id` is a valid W3C trace-id: 32 lowercase hex digits, not all zero.
pub fn is_w3c_trace_id(id: &str) -> bool {
    is_lower_hex(id, 32) && !is_all_zero(id)
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
    fn the_sampled_flag_is_read() {
        let unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        assert!(parse_traceparent_header(VALID).unwrap().sampled);
        assert!(!parse_traceparent_header(unsampled).unwrap().sampled);
    }

    #[test]
    fn an_xray_header_gives_its_root_in_w3c_form() {
        // The example of the X-Ray documentation.
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert_eq!(
            parse_xray_header(header),
            Some(XRayHeader {
                trace_id: "5759e988bd862e3fe1be46a994272793".into(),
                parent: Some("53995c3f42cd8ad8".into()),
                sampled: Some(true),
            })
        );
        // An ALB's own form: `Self` first, keys in any order, spaces, upper case hex.
        let alb = "Self=1-67891234-12456789abcdef012345678;Root=1-67891233-ABCDEF012345678912345678; Sampled=?";
        let parsed = parse_xray_header(alb).unwrap();
        assert_eq!(parsed.trace_id, "67891233abcdef012345678912345678");
        assert_eq!((parsed.parent, parsed.sampled), (None, None));
    }

    #[test]
    fn invalid_xray_headers_are_rejected() {
        for bad in [
            "",
            "Parent=53995c3f42cd8ad8;Sampled=1",        // no root
            "Root=2-5759e988-bd862e3fe1be46a994272793", // unknown version
            "Root=1-5759e98-bd862e3fe1be46a994272793",  // short time
            "Root=1-5759e988-bd862e3fe1be46a99427279",  // short random part
            "Root=1-5759e988-bd862e3fe1be46a99427279z", // not hex
            "Root=1-00000000-000000000000000000000000", // all zero
            "Root=1-5759e988-bd862e3fe1be46a994272793-9", // extra part
        ] {
            assert_eq!(parse_xray_header(bad), None, "{bad}");
        }
    }

    #[test]
    fn outgoing_headers_carry_the_trace_on() {
        let ctx = TraceContext::from_headers(&headers(&[(TRACEPARENT, VALID)]));
        let out = ctx.outgoing_headers();
        let traceparent = &out.iter().find(|(n, _)| *n == TRACEPARENT).unwrap().1;
        let parsed = parse_traceparent_header(traceparent).unwrap();
        assert_eq!((parsed.trace_id.as_str(), parsed.sampled), (TRACE, true));
        // A new parent id: ours, not the caller's.
        assert!(!traceparent.contains("00f067aa0ba902b7"), "{traceparent}");
        assert!(out.contains(&(X_REQUEST_ID, TRACE.to_owned())));

        let unsampled = TraceContext::from_headers(&headers(&[(
            X_AMZN_TRACE_ID,
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0",
        )]));
        let out = unsampled.outgoing_headers();
        assert!(out[0].1.ends_with("-00"), "{out:?}");
        assert!(out[0].1.starts_with("00-5759e988bd862e3fe1be46a994272793-"));

        // A request id that is not W3C-shaped travels as a request id only.
        let by_id = TraceContext::from_headers(&headers(&[(X_REQUEST_ID, "req-7")]));
        assert_eq!(
            by_id.outgoing_headers(),
            [(X_REQUEST_ID, "req-7".to_owned())]
        );
    }

    #[test]
    fn precedence_is_traceparent_then_xray_then_request_id() {
        let xray = "Root=1-5759e988-bd862e3fe1be46a994272793";
        let both =
            TraceContext::from_headers(&headers(&[(TRACEPARENT, VALID), (X_AMZN_TRACE_ID, xray)]));
        assert_eq!(
            (both.trace_id.as_str(), both.source),
            (TRACE, TraceSource::Traceparent)
        );
        let lb =
            TraceContext::from_headers(&headers(&[(X_AMZN_TRACE_ID, xray), (X_REQUEST_ID, "r-1")]));
        assert_eq!(
            (lb.trace_id.as_str(), lb.source, lb.response_request_id()),
            ("5759e988bd862e3fe1be46a994272793", TraceSource::XRay, "r-1")
        );
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

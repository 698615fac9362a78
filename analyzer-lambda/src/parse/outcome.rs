//! Lines that report how a request ended rather than why it failed: access-log lines and
//! "request completed" records with an HTTP status. On their own they name no cause, so the
//! analyzer attaches them to their trace's specific error when there is one (`correlate`),
//! and otherwise describes them by method, route and status so the alert says at least
//! *which* requests fail.

/// Messages that frameworks write when a request completes (compared ignoring case).
const COMPLETION_MESSAGES: [&str; 18] = [
    "request completed",
    "request complete",
    "request finished",
    "finished request",
    "completed request",
    "request end",
    "request ended",
    "request processed",
    "request handled",
    "handled request",
    "request served",
    "served request",
    "response sent",
    "http request",
    "http request completed",
    "finished processing request",
    "access",
    "access log",
];

/// Whether a record's message is a completion message (`request completed`, .NET's
/// `Request finished HTTP/1.1 GET ...`, Rails' `Completed 500 Internal Server Error`).
pub fn is_completion_message(message: &str) -> bool {
    let message = message.trim();
    COMPLETION_MESSAGES
        .iter()
        .any(|m| message.eq_ignore_ascii_case(m))
        || starts_with_ignore_case(message, "request finished ")
        || starts_with_ignore_case(message, "completed 5")
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The message of an outcome record: `request completed: POST /orders/{id}/pay status=500`.
/// The route (a template) and the status say which requests fail; the tokenizer keeps the
/// status (it follows `status`), so a 502 and a 500 of one route are two problems.
pub fn describe(
    message: &str,
    method: Option<&str>,
    route: Option<&str>,
    status: Option<u16>,
    detail: Option<&str>,
    line: &str,
) -> String {
    let head = if message == line { "request" } else { message };
    let mut out = head.to_string();
    out.push(':');
    if let Some(method) = method {
        out.push(' ');
        out.push_str(method);
    }
    if let Some(route) = route {
        out.push(' ');
        out.push_str(route);
    }
    if let Some(status) = status {
        out.push_str(&format!(" status={status}"));
    }
    if let Some(detail) = detail {
        out.push_str(&format!(" ({detail})"));
    }
    out
}

/// The status of a common/combined log format line (nginx, Apache, many proxies):
/// `... "GET /x HTTP/1.1" 500 1234 ...`.
pub fn access_log_status(line: &str) -> Option<u16> {
    let at = line.find(" HTTP/")?;
    let rest = &line[at + 6..];
    let close = rest.find("\" ")?;
    // The version is short (`1.1`, `2.0`, `2`).
    if close > 4 {
        return None;
    }
    let status = rest.get(close + 2..close + 5)?;
    let after = rest.as_bytes().get(close + 5);
    if after.is_some_and(|b| !b.is_ascii_whitespace()) {
        return None;
    }
    status.parse().ok().filter(|s| (100..600).contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_messages() {
        assert!(is_completion_message("request completed"));
        assert!(is_completion_message("Request Completed "));
        assert!(is_completion_message(
            "Request finished HTTP/1.1 GET http://x/orders - 500 0 - 12.3ms"
        ));
        assert!(!is_completion_message("payment failed"));
        assert!(!is_completion_message("request completed with a twist"));
    }

    #[test]
    fn descriptions_name_route_and_status() {
        assert_eq!(
            describe(
                "request completed",
                Some("POST"),
                Some("/orders/{id}/pay"),
                Some(500),
                None,
                "{..}"
            ),
            "request completed: POST /orders/{id}/pay status=500"
        );
        assert_eq!(
            describe(
                "{..}",
                Some("GET"),
                None,
                Some(504),
                Some("timeout"),
                "{..}"
            ),
            "request: GET status=504 (timeout)"
        );
    }

    #[test]
    fn common_log_format() {
        assert_eq!(
            access_log_status(
                r#"10.0.0.1 - - [24/Nov/2026:13:49:06 +0000] "GET /a HTTP/1.1" 502 17 "-" "curl""#
            ),
            Some(502)
        );
        assert_eq!(access_log_status("GET /a HTTP/1.1 is a protocol"), None);
        assert_eq!(
            access_log_status(r#"request: "GET /api/orders/1 HTTP/1.1", upstream: "x""#),
            None
        );
    }
}

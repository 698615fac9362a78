use super::*;

#[test]
fn layer_record() {
    let line = r#"{"timestamp":"2026-11-24T13:49:06.123Z","level":"ERROR","message":"payment failed","service":"orders-api","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","target":"demo_api::payments","order_id":42,"error":{"message":"card declined","sources":[]},"spans":[{"name":"request","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}]}"#;
    let parsed = parse_line(line);
    assert_eq!(parsed.format, Format::Layer);
    assert_eq!(parsed.level, Some(Level::Error));
    assert_eq!(parsed.message, "payment failed");
    assert_eq!(parsed.service.as_deref(), Some("orders-api"));
    assert_eq!(
        parsed.trace_id.as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
    assert_eq!(parsed.kind, EventKind::Log);
}

#[test]
fn layer_record_takes_trace_id_from_spans() {
    let line = r#"{"timestamp":"t","level":"WARN","message":"slow","target":"x","spans":[{"name":"a","trace_id":"root"},{"name":"b","trace_id":"leaf"}]}"#;
    let parsed = parse_line(line);
    assert_eq!(parsed.trace_id.as_deref(), Some("leaf"));
    assert_eq!(parsed.level, Some(Level::Warn));
}

#[test]
fn powertools_python_record() {
    let line = r#"{"level":"ERROR","location":"handler:12","message":"Failed to charge","timestamp":"2026-11-24 13:49:06,123+0000","service":"payments","cold_start":true,"function_name":"pay","xray_trace_id":"1-5759e988-bd862e3fe1be46a994272793","exception":"Traceback ...","exception_name":"ValueError"}"#;
    let parsed = parse_line(line);
    assert_eq!(parsed.format, Format::Json);
    assert_eq!(parsed.level, Some(Level::Error));
    assert_eq!(parsed.service.as_deref(), Some("payments"));
    assert_eq!(
        parsed.trace_id.as_deref(),
        Some("1-5759e988-bd862e3fe1be46a994272793")
    );
    assert_eq!(parsed.error_type.as_deref(), Some("ValueError"));
}

#[test]
fn other_json_level_keys() {
    for (line, level) in [
        (r#"{"severity":"WARNING","msg":"a"}"#, Level::Warn),
        (r#"{"levelname":"CRITICAL","msg":"a"}"#, Level::Fatal),
        (r#"{"log.level":"error","message":"a"}"#, Level::Error),
        (r#"{"log":{"level":"error"},"message":"a"}"#, Level::Error),
        (r#"{"status":"error","message":"a"}"#, Level::Error),
        (r#"{"level":50,"msg":"pino"}"#, Level::Error),
        (r#"{"severityNumber":17,"body":"otel"}"#, Level::Error),
    ] {
        assert_eq!(parse_line(line).level, Some(level), "{line}");
    }
    assert_eq!(parse_line(r#"{"msg":"hello"}"#).level, None);
    assert_eq!(parse_line(r#"{"msg":"hello"}"#).message, "hello");
}

#[test]
fn powertools_typescript_correlation_id() {
    let line = r#"{"level":"ERROR","message":"boom","service":"cart","timestamp":"2026-11-24T13:49:06.123Z","correlation_id":"abc-123","error":{"name":"TypeError","message":"x is undefined"}}"#;
    let parsed = parse_line(line);
    assert_eq!(parsed.trace_id.as_deref(), Some("abc-123"));
    assert_eq!(parsed.error_type.as_deref(), Some("TypeError"));
}

#[test]
fn lambda_node_line() {
    let line = "2026-11-24T13:49:06.123Z\t6f9a1c1e-2d3b-4a5c-8e7f-001122334455\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"x is not a function\"}";
    let parsed = parse_line(line);
    assert_eq!(parsed.format, Format::LambdaText);
    assert_eq!(parsed.level, Some(Level::Error));
    assert_eq!(parsed.error_type.as_deref(), Some("TypeError"));
    assert!(parsed.message.starts_with("Invoke Error"));
}

#[test]
fn lambda_python_line() {
    let line =
        "[ERROR]\t2026-11-24T13:49:06.123Z\t6f9a1c1e-2d3b-4a5c-8e7f-001122334455\tKeyError: 'id'";
    let parsed = parse_line(line);
    assert_eq!(parsed.format, Format::LambdaText);
    assert_eq!(parsed.level, Some(Level::Error));
    assert_eq!(parsed.message, "KeyError: 'id'");
    assert_eq!(parsed.error_type.as_deref(), Some("KeyError"));
}

#[test]
fn lambda_timeout_and_crashes() {
    let timeout = parse_line(
        "2026-11-24T13:49:06.123Z 6f9a1c1e-2d3b-4a5c-8e7f-001122334455 Task timed out after 3.00 seconds",
    );
    assert_eq!(timeout.kind, EventKind::Timeout);
    assert_eq!(timeout.level, Some(Level::Error));
    assert_eq!(timeout.message, "Task timed out after 3.00 seconds");

    let oom = parse_line(
        "RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334455 Error: Runtime exited with error: signal: killed\nRuntime.OutOfMemory",
    );
    assert_eq!(oom.kind, EventKind::OutOfMemory);

    let exit = parse_line(
        "RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334455 Error: Runtime exited with error: exit status 1\nRuntime.ExitError",
    );
    assert_eq!(exit.kind, EventKind::RuntimeExit);
    assert_eq!(exit.level, Some(Level::Error));

    let panic = parse_line("thread 'main' panicked at src/main.rs:10:5:\nindex out of bounds");
    assert_eq!(panic.kind, EventKind::Panic);
    assert_eq!(panic.level, Some(Level::Fatal));

    // A caught panic reported by a service's middleware, as demo-api writes it.
    let caught = parse_line(
        r#"{"level":"ERROR","message":"request handler panicked","service":"orders-api"}"#,
    );
    assert_eq!(caught.kind, EventKind::Panic);

    let report = parse_line(
        "REPORT RequestId: 6f9a1c1e-2d3b-4a5c-8e7f-001122334455\tDuration: 3.00 ms\tBilled Duration: 4 ms",
    );
    assert_eq!(report.level, Some(Level::Info));
    assert_eq!(report.kind, EventKind::Log);
}

#[test]
fn lambda_json_platform_timeout() {
    let line = r#"{"time":"2026-11-24T13:49:06.123Z","type":"platform.report","record":{"requestId":"r","status":"timeout","metrics":{}}}"#;
    let parsed = parse_line(line);
    assert_eq!(parsed.kind, EventKind::Timeout);
    assert_eq!(parsed.level, Some(Level::Error));
}

#[test]
fn plain_text_level_words() {
    for (line, level) in [
        ("ERROR could not connect", Some(Level::Error)),
        ("2026-11-24 13:49:06 [warn] disk at 91%", Some(Level::Warn)),
        ("ts=1 level=error msg=boom", Some(Level::Error)),
        ("error: config missing", Some(Level::Error)),
        ("INFO retrying after ERROR", Some(Level::Info)),
        ("no error occurred here", None),
        ("", None),
    ] {
        assert_eq!(parse_line(line).level, level, "{line}");
    }
}

#[test]
fn malformed_json_is_text() {
    let parsed = parse_line(r#"{"level":"ERROR","message": "cut off"#);
    assert!(parsed.malformed_json);
    assert_eq!(parsed.format, Format::PlainText);
    assert_eq!(parsed.level, Some(Level::Error));
}

#[test]
fn text_trace_ids() {
    let parsed = parse_line("ERROR failed trace_id=4bf92f3577b34da6 while x");
    assert_eq!(parsed.trace_id.as_deref(), Some("4bf92f3577b34da6"));
    let parsed = parse_line("ERROR Root=1-5759e988-bd862e3fe1be46a994272793 failed");
    assert_eq!(
        parsed.trace_id.as_deref(),
        Some("1-5759e988-bd862e3fe1be46a994272793")
    );
}

#[test]
fn the_crash_prefilter_lets_every_crash_through() {
    for line in [
        "Runtime.OutOfMemory",
        "OUT OF MEMORY",
        "fatal: Out Of Memory",
        "memory allocation of 1024 bytes failed",
        "MemoryError",
        "java.lang.OutOfMemoryError: Java heap space",
        "Runtime exited with error: signal: killed",
        "Runtime.ExitError",
        "Runtime exited without providing a reason",
        "thread 'main' panicked at src/main.rs:2:5",
        "panic: runtime error: index out of range",
    ] {
        assert!(may_name_a_crash(line), "{line}");
        assert!(CRASHES.is_match(line), "{line}");
    }
    assert!(!may_name_a_crash(
        "Failed to charge customer cus_1 amount 4.00"
    ));
}

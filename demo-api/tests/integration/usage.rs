//! Settings that cannot work are usage errors (exit 2), checked on the real binary.

use std::process::{Command, Stdio};

#[test]
fn a_log_group_or_stream_cloudwatch_would_refuse_is_a_usage_error() {
    for args in [
        ["--log-group", "/bad:name"],
        ["--log-stream", "bad:stream"],
        ["--log-group", "aws/reserved"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_demo-api"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            // Never reached: the settings are refused before any call.
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(args[1]), "{args:?}: {stderr}");
    }
}

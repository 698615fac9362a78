//! `demo-api traffic`, the real binary, against a stand-in service on loopback.

use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

/// A service that answers its health check and then never answers anything else: every
/// request of the run times out on the client.
async fn hanging_service() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .fallback(|| async {
            tokio::time::sleep(Duration::from_secs(3_600)).await;
            "too late"
        });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test]
async fn requests_that_get_no_response_make_the_run_fail_after_the_report() {
    let target = hanging_service().await;
    // The stand-in runs on this test's runtime: the binary is waited for on another thread.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_demo-api"))
            .args(["traffic", "--target", &target])
            .args([
                "--requests",
                "3",
                "--concurrency",
                "3",
                "--timeout-ms",
                "200",
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("no response: 3"), "{stdout}");
    assert!(
        stderr.contains("3 of 3 request(s) got no response"),
        "{stderr}"
    );
}

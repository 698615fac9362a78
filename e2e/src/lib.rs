//! End-to-end tests of the pipeline live in `tests/`; this crate holds the helpers they
//! share: the workspace's binaries, run against a [`Moto`], and the two demo services.

#![warn(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use test_support::{Moto, free_port};

/// A workspace binary. They sit next to the test's `deps/` folder. `cargo test` builds a
/// package's binaries only for that package's own integration tests, so each package whose
/// binary runs here has one (`local-aws/tests/cli.rs` exists for that too).
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary sits in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo test --workspace` (or scripts/test), or `cargo build --workspace --bins`",
        path.display()
    );
    path
}

/// Runs a binary against `moto` with extra environment and returns its output, whatever
/// its exit status.
pub fn run_any(moto: &Moto, name: &str, args: &[&str], extra_env: &[(&str, String)]) -> Output {
    Command::new(binary(name))
        .args(args)
        .envs(moto.env())
        .envs(extra_env.iter().map(|(k, v)| (*k, v.clone())))
        .output()
        .unwrap_or_else(|e| panic!("running {name}: {e}"))
}

/// [`run_any`], asserting success.
pub fn run(moto: &Moto, name: &str, args: &[&str], extra_env: &[(&str, String)]) -> Output {
    let output = run_any(moto, name, args, extra_env);
    assert!(
        output.status.success(),
        "{name} {args:?} failed: {}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The analyzer's deployment zip exactly as `provision up` deploys it to AWS: the release
/// `bootstrap` that `provision package` builds (cargo zigbuild for glibc 2.34,
/// `provided.al2023`), so that the tests run the artifact users deploy. `scripts/test` builds
/// it before the tests, which makes this a no-op check of seconds; a first
/// `cargo test -p e2e` on a fresh checkout builds it (several minutes, said on stderr).
pub fn release_analyzer_zip() -> PathBuf {
    let output = Command::new(binary("provision"))
        .args(["package", "--json"])
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("running provision package: {e}"));
    assert!(
        output.status.success(),
        "`provision package` failed ({}): run scripts/install-tools if cargo-zigbuild or zig \
         is missing",
        output.status
    );
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("provision package --json prints a report");
    PathBuf::from(report["zip"].as_str().expect("the report names the zip"))
}

/// A Lambda zip whose code moto stores but never runs.
pub fn stand_in_zip(dir: &Path) -> PathBuf {
    let path = dir.join("analyzer.zip");
    let file = std::fs::File::create(&path).expect("creating the stand-in zip");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    zip.start_file("bootstrap", options).expect("zip entry");
    zip.write_all(b"#!/bin/sh\nexit 0\n").expect("zip content");
    zip.finish().expect("zip finish");
    path
}

/// One running `demo-api` process, killed on drop unless [`Service::terminate`]d.
pub struct Service {
    child: Child,
    what: &'static str,
}

impl Service {
    /// `demo-api <args>` against `moto`; waits until `/health` answers on `port`.
    pub async fn start(moto: &Moto, what: &'static str, port: u16, args: &[&str]) -> Service {
        let child = Command::new(binary("demo-api"))
            .args(args)
            .envs(moto.env())
            .env_remove("RUST_LOG")
            // The demo's `/panic` route panics on purpose: one line each, not a backtrace that
            // buries a failing test's own message in the output.
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        let mut service = Service { child, what };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let health = format!("http://127.0.0.1:{port}/health");
        while http.get(&health).send().await.is_err() {
            if let Ok(Some(status)) = service.child.try_wait() {
                panic!("{what} exited before answering: {status}");
            }
            assert!(Instant::now() < deadline, "{what} did not answer {health}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        service
    }

    /// SIGTERM, then waits for a clean exit (the service flushes its logs first).
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "{} exited with {status}", self.what);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not stop after SIGTERM",
                self.what
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The two demo services: `payments` (logging to `payments_group`) and `orders` in front of
/// it (logging to `orders_group`); the card processor fails only when asked to.
pub struct DemoServices {
    /// The orders service's base URL.
    pub orders_url: String,
    orders: Service,
    payments: Service,
}

impl DemoServices {
    /// Starts both, each with `--log-stream stream`, and waits until they answer.
    pub async fn start(
        moto: &Moto,
        orders_group: &str,
        payments_group: &str,
        stream: &str,
    ) -> DemoServices {
        let payments_port = free_port();
        let payments_listen = format!("127.0.0.1:{payments_port}");
        let payments = Service::start(
            moto,
            "demo-api payments",
            payments_port,
            &[
                "payments",
                "--listen",
                &payments_listen,
                "--log-group",
                payments_group,
                "--log-stream",
                stream,
                "--no-stdout-logs",
                "--payment-decline-rate",
                "0",
                "--payment-timeout-rate",
                "0",
                "--processor-deadline-ms",
                "200",
            ],
        )
        .await;
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let payments_url = format!("http://{payments_listen}");
        let orders = Service::start(
            moto,
            "demo-api serve",
            port,
            &[
                "serve",
                "--listen",
                &listen,
                "--log-group",
                orders_group,
                "--log-stream",
                stream,
                "--no-stdout-logs",
                "--payments-url",
                &payments_url,
                "--payment-deadline-ms",
                "5000",
            ],
        )
        .await;
        DemoServices {
            orders_url: format!("http://{listen}"),
            orders,
            payments,
        }
    }

    /// Stops orders, then payments (each drains and flushes its logs).
    pub fn terminate(self) {
        self.orders.terminate();
        self.payments.terminate();
    }
}

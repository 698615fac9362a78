//! A `moto_server` per test: started on a free loopback port, killed on drop.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account id moto answers with.
pub const ACCOUNT_ID: &str = "123456789012";
/// The region every test uses.
pub const REGION: &str = "us-east-1";

/// How long moto may take to answer its first request (a cold Python import is slow).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `moto_server` on 127.0.0.1. Dropping it kills the process.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    addr: SocketAddr,
}

impl Moto {
    /// Starts a fresh emulator (empty state) on a free port and waits until it answers.
    ///
    /// # Panics
    /// When `moto_server` is not installed (the message says to run `scripts/test` or
    /// `scripts/install-tools`), or when it does not come up.
    pub fn start() -> Moto {
        let program = moto_server_path();
        let mut last_error = String::new();
        // The port is free when we look at it, but another process may take it before moto
        // binds: try a few ports before giving up.
        for _ in 0..3 {
            let port = free_port();
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let mut child = Command::new(&program)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("could not start {}: {e}", program.display()));
            match wait_until_answering(addr, &mut child) {
                Ok(()) => return Moto { child, addr },
                Err(e) => {
                    last_error = e;
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        panic!("moto_server did not come up on 127.0.0.1: {last_error}");
    }

    /// `http://127.0.0.1:PORT`, the endpoint to give the SDK.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// SDK configuration that talks to this emulator only, with static test credentials.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        crate::sdk_config_for(&self.endpoint()).await
    }

    /// Environment variables that point a child process (one of our binaries) at this emulator.
    pub fn env(&self) -> Vec<(String, String)> {
        crate::env_for(&self.endpoint())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the project's pinned moto lives: `$MOTO_SERVER`, else `.tools/venv/bin/moto_server`.
///
/// A `moto_server` elsewhere on `PATH` is deliberately not used: the tests must run against
/// the version `scripts/install-tools` pins.
pub fn moto_server_path() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let path = workspace_root().join(".tools/venv/bin/moto_server");
    if !path.exists() {
        panic!(
            "moto_server is not installed at {}.\n\
             This test needs the local AWS emulator: run `scripts/test` (which installs it), \
             or `scripts/install-tools` and then cargo test; or set MOTO_SERVER to a moto_server binary.",
            path.display()
        );
    }
    path
}

/// The workspace root (the folder holding `scripts/` and `.tools/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support lives inside the workspace")
        .to_path_buf()
}

/// A port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

fn wait_until_answering(addr: SocketAddr, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("moto_server exited with {status}"));
        }
        if http_get_ok(addr) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("no answer within {STARTUP_TIMEOUT:?}"))
}

fn http_get_ok(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /moto-api/ HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

//! The Lambda zip `provision up` deploys, built as it builds it (`provision package`: release
//! `cargo zigbuild` for `x86_64-unknown-linux-gnu.2.34`), and checked independently of the
//! checks `provision` makes itself: the zip fits Lambda's direct-upload limits and holds an
//! executable `bootstrap` that needs no glibc newer than provided.al2023's 2.34.
//!
//! The build is a few minutes the first time (`scripts/test` runs `provision package` as its
//! own step before the tests, so this finds it up to date); later runs take seconds.

use std::io::{Cursor, Read};
use std::process::{Command, Stdio};

use serde_json::Value;

// The ELF reader of the binary crate, compiled into this test: a binary crate has no library
// to import it from.
#[path = "../src/glibc.rs"]
#[allow(dead_code)]
mod glibc;

/// Largest zip Lambda accepts in a direct upload: 50 MB zipped.
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
const DIRECT_UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;
/// Largest deployment package unzipped: 250 MB.
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
const UNZIPPED_LIMIT: u64 = 250 * 1024 * 1024;

#[test]
fn the_deployed_bootstrap_starts_on_al2023_and_fits_lambdas_limits() {
    let output = Command::new(env!("CARGO_BIN_EXE_provision"))
        .args(["package", "--json"])
        .stderr(Stdio::inherit())
        .output()
        .expect("provision runs");
    assert!(
        output.status.success(),
        "`provision package` failed ({}): run scripts/install-tools if cargo-zigbuild is missing",
        output.status
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let path = report["zip"].as_str().expect("the zip's path");
    assert!(path.ends_with("lambda/x86_64/bootstrap.zip"), "{path}");

    let zip_bytes = std::fs::read(path).expect("the zip is where provision says");
    let zipped = zip_bytes.len() as u64;
    assert!(zipped <= DIRECT_UPLOAD_LIMIT, "zip of {zipped} bytes");
    assert_eq!(report["zip_bytes"].as_u64(), Some(zipped));

    let mut archive = zip::ZipArchive::new(Cursor::new(&zip_bytes)).expect("a zip");
    assert_eq!(archive.len(), 1, "the zip holds bootstrap alone");
    let unzipped: u64 = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().size())
        .sum();
    assert!(unzipped <= UNZIPPED_LIMIT, "{unzipped} bytes unzipped");
    let mut file = archive.by_name("bootstrap").expect("bootstrap at the root");
    assert_eq!(file.unix_mode().map(|m| m & 0o777), Some(0o755));
    let mut bootstrap = Vec::new();
    file.read_to_end(&mut bootstrap).unwrap();
    assert_eq!(bootstrap.len() as u64, unzipped);

    let needs = glibc::requirements(&bootstrap).expect("bootstrap is an ELF binary");
    assert_eq!(needs.machine, "x86_64");
    let newest = needs
        .newest_glibc()
        .expect("a -gnu binary is linked against glibc");
    assert!(
        newest <= glibc::AL2023_GLIBC,
        "bootstrap needs glibc {newest}, newer than provided.al2023's {}; all: {:?}",
        glibc::AL2023_GLIBC,
        needs.glibc
    );
    assert_eq!(report["glibc_needed"], newest.to_string());
    eprintln!(
        "bootstrap: {} bytes, zip: {zipped} bytes, needs glibc {newest}",
        bootstrap.len()
    );
}

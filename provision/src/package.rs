//! The analyzer's deployment package: build (or take) the `bootstrap` binary, zip it
//! deterministically, and hash it the way Lambda reports `CodeSha256`.
//!
//! glibc: AL2023 ships glibc 2.34. A plain `cargo build` links against the build machine's
//! glibc, which may be newer, and then the function fails at start with
//! "GLIBC_2.xx not found". `cargo zigbuild --target x86_64-unknown-linux-gnu.2.34` links
//! against exactly 2.34 with zig as the linker, so it is what `provision` uses when installed
//! (`pip install ziglang && cargo install cargo-zigbuild`); otherwise it falls back to a plain
//! release build and warns. `--lambda-zip` skips building altogether.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::architecture::Architecture;

/// Largest zip Lambda accepts in a direct upload (larger ones must go through S3).
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_DIRECT_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// The package of the analyzer's crate.
const ANALYZER_PACKAGE: &str = "analyzer-lambda";

/// A zip ready to upload.
#[derive(Debug, Clone)]
pub struct LambdaZip {
    /// The zip's bytes.
    pub bytes: Vec<u8>,
    /// Base64 of the SHA-256 of the bytes: what Lambda reports as `CodeSha256`.
    pub sha256: String,
}

impl LambdaZip {
    /// Wraps zip bytes, checking Lambda's size limit.
    pub fn new(bytes: Vec<u8>) -> Result<LambdaZip> {
        if bytes.len() > MAX_DIRECT_UPLOAD_BYTES {
            bail!(
                "the Lambda zip is {} bytes, more than the {MAX_DIRECT_UPLOAD_BYTES} bytes Lambda \
                 accepts in a direct upload; build with the release profile (stripped) or shrink \
                 the binary",
                bytes.len()
            );
        }
        Ok(LambdaZip {
            sha256: code_sha256(&bytes),
            bytes,
        })
    }
}

/// `CodeSha256` of a zip: base64 (standard, padded) of its SHA-256.
pub fn code_sha256(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip))
}

/// A zip holding `binary` as `bootstrap` (mode 0755) with a fixed timestamp, so the same
/// binary always gives the same bytes, and so the same `CodeSha256`.
pub fn zip_bootstrap(binary: &[u8]) -> Result<Vec<u8>> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .last_modified_time(zip::DateTime::default());
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("bootstrap", options)
        .context("starting bootstrap in the zip")?;
    writer
        .write_all(binary)
        .context("writing bootstrap into the zip")?;
    Ok(writer.finish().context("finishing the zip")?.into_inner())
}

/// Reads a prebuilt zip.
pub fn load(path: &Path) -> Result<LambdaZip> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "reading the Lambda zip {} (check --lambda-zip)",
            path.display()
        )
    })?;
    LambdaZip::new(bytes)
}

/// Whether `cargo zigbuild` is installed.
fn has_zigbuild() -> bool {
    Command::new("cargo")
        .args(["zigbuild", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Builds the analyzer in release mode for `arch` from `workspace`, and zips it.
pub fn build(workspace: &Path, arch: Architecture) -> Result<LambdaZip> {
    let (args, binary): (Vec<&str>, PathBuf) = if has_zigbuild() {
        eprintln!(
            "building {ANALYZER_PACKAGE} with cargo zigbuild for {} (glibc 2.34, as on AL2023)",
            arch.zigbuild_target()
        );
        (
            vec![
                "zigbuild",
                "--release",
                "-p",
                ANALYZER_PACKAGE,
                "--target",
                arch.zigbuild_target(),
            ],
            PathBuf::from(format!(
                "target/{}/release/{ANALYZER_PACKAGE}",
                arch.target_dir_name()
            )),
        )
    } else {
        eprintln!(
            "warning: cargo-zigbuild is not installed; building {ANALYZER_PACKAGE} with plain cargo. \
             The binary links against this machine's glibc and may not start on AL2023 (glibc \
             2.34). Install it with `pip install ziglang && cargo install cargo-zigbuild`, or pass \
             --lambda-zip."
        );
        if !matches!(
            (std::env::consts::ARCH, arch),
            ("x86_64", Architecture::X86_64) | ("aarch64", Architecture::Arm64)
        ) {
            bail!(
                "cannot build for {} on this {} machine without cargo-zigbuild; install it or pass --lambda-zip",
                arch.as_str(),
                std::env::consts::ARCH
            );
        }
        (
            vec!["build", "--release", "-p", ANALYZER_PACKAGE],
            PathBuf::from(format!("target/release/{ANALYZER_PACKAGE}")),
        )
    };
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(workspace)
        .status()
        .context("running cargo (is it on PATH?)")?;
    if !status.success() {
        bail!(
            "`cargo {}` failed ({status}); fix the build or pass --lambda-zip",
            args.join(" ")
        );
    }
    let path = workspace.join(binary);
    let bytes = std::fs::read(&path)
        .with_context(|| format!("reading the built binary {}", path.display()))?;
    LambdaZip::new(zip_bootstrap(&bytes)?)
}

/// The workspace this binary was built from (where `build` runs cargo).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn zips_are_deterministic_and_executable() {
        let a = zip_bootstrap(b"#!/bin/sh\necho hi\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = zip_bootstrap(b"#!/bin/sh\necho hi\n").unwrap();
        assert_eq!(a, b);
        assert_ne!(
            code_sha256(&a),
            code_sha256(&zip_bootstrap(b"other").unwrap())
        );
        let mut archive = zip::ZipArchive::new(Cursor::new(a)).unwrap();
        let mut file = archive.by_name("bootstrap").unwrap();
        assert_eq!(file.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut content = String::new();
        file.read_to_string(&mut content).unwrap();
        assert_eq!(content, "#!/bin/sh\necho hi\n");
    }

    #[test]
    fn code_sha256_matches_lambdas_format() {
        // SHA-256 of "abc", base64: as Lambda would report it for a zip of those bytes.
        assert_eq!(
            code_sha256(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn oversized_zips_are_refused() {
        let err = LambdaZip::new(vec![0; MAX_DIRECT_UPLOAD_BYTES + 1]).unwrap_err();
        assert!(err.to_string().contains("direct upload"));
    }
}

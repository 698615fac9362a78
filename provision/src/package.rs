//! The analyzer's deployment package (pure, apart from reading a file): a zip holding the
//! `bootstrap` binary, made deterministically, checked against Lambda's size limits and
//! hashed the way Lambda reports `CodeSha256`. Building the binary is `lambda_build`'s job.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Largest zip Lambda accepts in a direct upload (50 MB zipped; larger ones go through S3).
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_DIRECT_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// Largest deployment package once unzipped (250 MB, layers included).
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

/// The file Lambda's custom runtimes (`provided.al2023`) start.
/// <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html>
pub const BOOTSTRAP: &str = "bootstrap";

/// A zip ready to upload.
#[derive(Debug, Clone)]
pub struct LambdaZip {
    /// The zip's bytes.
    pub bytes: Vec<u8>,
    /// Base64 of the SHA-256 of the bytes: what Lambda reports as `CodeSha256`.
    pub sha256: String,
}

impl LambdaZip {
    /// Wraps zip bytes, checking that they are a zip holding `bootstrap` within Lambda's
    /// zipped and unzipped size limits.
    pub fn new(bytes: Vec<u8>) -> Result<LambdaZip> {
        check_sizes(bytes.len(), 0)?;
        check_sizes(bytes.len(), unzipped_bytes(&bytes)?)?;
        Ok(LambdaZip {
            sha256: code_sha256(&bytes),
            bytes,
        })
    }

    /// The size of everything in the zip once unpacked.
    pub fn unzipped_bytes(&self) -> Result<u64> {
        unzipped_bytes(&self.bytes)
    }

    /// The `bootstrap` binary inside the zip.
    pub fn bootstrap(&self) -> Result<Vec<u8>> {
        let mut archive =
            zip::ZipArchive::new(Cursor::new(&self.bytes)).context("reading the Lambda zip")?;
        let mut file = archive.by_name(BOOTSTRAP).with_context(|| {
            format!("the Lambda zip has no {BOOTSTRAP} at its root, which provided.al2023 starts")
        })?;
        let mut binary = Vec::new();
        file.read_to_end(&mut binary)
            .context("unpacking bootstrap from the Lambda zip")?;
        Ok(binary)
    }
}

/// Checks a package's zipped and unzipped sizes against Lambda's limits.
pub fn check_sizes(zipped: usize, unzipped: u64) -> Result<()> {
    if zipped > MAX_DIRECT_UPLOAD_BYTES {
        bail!(
            "the Lambda zip is {zipped} bytes, more than the {MAX_DIRECT_UPLOAD_BYTES} bytes Lambda \
             accepts in a direct upload; build with the release profile (stripped) or shrink \
             the binary"
        );
    }
    if unzipped > MAX_UNZIPPED_BYTES {
        bail!(
            "the Lambda zip unpacks to {unzipped} bytes, more than the {MAX_UNZIPPED_BYTES} \
             bytes Lambda allows unzipped; shrink the binary"
        );
    }
    Ok(())
}

/// The unpacked size of a zip's entries, as its central directory states them.
fn unzipped_bytes(zip: &[u8]) -> Result<u64> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))
        .context("the Lambda package is not a readable zip file")?;
    let mut total = 0;
    for i in 0..archive.len() {
        total += archive
            .by_index_raw(i)
            .context("reading the Lambda zip")?
            .size();
    }
    Ok(total)
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
        .start_file(BOOTSTRAP, options)
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
        let err = check_sizes(1000, MAX_UNZIPPED_BYTES + 1).unwrap_err();
        assert!(err.to_string().contains("unzipped"), "{err}");
        assert!(check_sizes(MAX_DIRECT_UPLOAD_BYTES, MAX_UNZIPPED_BYTES).is_ok());
    }

    #[test]
    fn the_bootstrap_comes_back_out() {
        let zip = LambdaZip::new(zip_bootstrap(b"\x7fELF...").unwrap()).unwrap();
        assert_eq!(zip.bootstrap().unwrap(), b"\x7fELF...");
        assert_eq!(zip.unzipped_bytes().unwrap(), 7);
        assert!(LambdaZip::new(b"not a zip".to_vec()).is_err());
    }
}

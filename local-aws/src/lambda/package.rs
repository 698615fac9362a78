//! The deployment package: check that a zip is the one Lambda holds, and unpack it as Lambda
//! does into the task root.
//!
//! moto keeps the uploaded code but its `GetFunction` `Code.Location` names an AWS host, which
//! nothing here may reach; the zip is read from disk instead and must hash to the function's
//! `CodeSha256` (base64 of the SHA-256 of the zip,
//! <https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html>), so it is
//! byte for byte the zip that was uploaded.
//!
//! An OS-only runtime starts the executable `bootstrap` at the root of the package
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html>).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

/// Why a package cannot run.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The zip is not the deployed one.
    #[error(
        "{path} has CodeSha256 {actual}, but the deployed function has {deployed}: it is not the \
         zip that was uploaded (run `provision up` with this zip, or pass the zip it uploaded)"
    )]
    NotDeployed {
        /// The zip.
        path: String,
        /// Its hash.
        actual: String,
        /// The function's.
        deployed: String,
    },
    /// Not a readable zip.
    #[error("the deployment package is not a valid zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing the unpacked files failed.
    #[error("unpacking the deployment package into {dir} failed: {source}")]
    Io {
        /// The task root.
        dir: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No executable `bootstrap` at the root.
    #[error(
        "the deployment package has no executable `bootstrap` at its root ({0}); Lambda would \
         fail with Runtime.InvalidEntrypoint"
    )]
    NoBootstrap(String),
}

/// Base64 of the SHA-256 of `zip`, as Lambda reports `CodeSha256`.
pub fn code_sha256(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip))
}

/// Checks that `zip` (read from `path`) is the deployed package.
pub fn verify(path: &Path, zip: &[u8], deployed_sha256: &str) -> Result<(), PackageError> {
    let actual = code_sha256(zip);
    if actual == deployed_sha256 {
        Ok(())
    } else {
        Err(PackageError::NotDeployed {
            path: path.display().to_string(),
            actual,
            deployed: deployed_sha256.to_string(),
        })
    }
}

/// Unpacks `zip` into `dir` with the files' modes, and returns the path of `bootstrap`.
pub fn unpack(zip: &[u8], dir: &Path) -> Result<PathBuf, PackageError> {
    let io = |source| PackageError::Io {
        dir: dir.display().to_string(),
        source,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))?;
    archive.extract(dir)?;
    let bootstrap = dir.join("bootstrap");
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(&bootstrap) {
            Ok(meta) if meta.is_file() => meta.permissions().mode(),
            Ok(_) => return Err(PackageError::NoBootstrap("it is not a file".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PackageError::NoBootstrap("there is none".into()));
            }
            Err(e) => return Err(io(e)),
        }
    };
    if mode & 0o111 == 0 {
        return Err(PackageError::NoBootstrap(format!(
            "its mode is {:o}, not executable",
            mode & 0o777
        )));
    }
    Ok(bootstrap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(name: &str, mode: u32, content: &[u8]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
        writer.start_file(name, options).unwrap();
        writer.write_all(content).unwrap();
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn only_the_deployed_zip_is_accepted() {
        let zip = zip_with("bootstrap", 0o755, b"#!/bin/sh\n");
        let sha = code_sha256(&zip);
        assert!(verify(Path::new("a.zip"), &zip, &sha).is_ok());
        let err = verify(Path::new("a.zip"), &zip, "other=").unwrap_err();
        assert!(
            err.to_string().contains("not the zip that was uploaded"),
            "{err}"
        );
    }

    #[test]
    fn bootstrap_is_unpacked_executable() {
        let dir = tempfile::tempdir().unwrap();
        let path = unpack(&zip_with("bootstrap", 0o755, b"#!/bin/sh\n"), dir.path()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"#!/bin/sh\n");
    }

    #[test]
    fn a_missing_or_non_executable_bootstrap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = unpack(&zip_with("main", 0o755, b"x"), dir.path()).unwrap_err();
        assert!(matches!(err, PackageError::NoBootstrap(_)), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = unpack(&zip_with("bootstrap", 0o644, b"x"), dir.path()).unwrap_err();
        assert!(err.to_string().contains("not executable"), "{err}");
    }
}

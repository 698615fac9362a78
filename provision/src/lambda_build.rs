//! Builds the analyzer's Lambda `bootstrap` as it is deployed: a release build with
//! `cargo zigbuild` for `<arch>-unknown-linux-gnu.2.34`, so that it links against the glibc of
//! Lambda's `provided.al2023` runtime (2.34) whatever glibc the build machine has; checks the
//! binary (architecture, glibc versions) and zips it.
//!
//! A plain `cargo build` links against the build machine's glibc, which may be newer than
//! 2.34, and such a function fails at its first start with `GLIBC_2.xx not found`; so there is
//! no such fallback: without cargo-zigbuild the build stops and says how to install it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::architecture::Architecture;
use crate::glibc::{self, AL2023_GLIBC, GlibcVersion};
use crate::package::{self, LambdaZip};

/// The package of the analyzer's crate (its binary has the same name).
pub const ANALYZER_PACKAGE: &str = "analyzer-lambda";

/// Where `scripts/install-tools` puts cargo-zigbuild and zig, relative to the workspace.
pub const TOOLS_DIR: &str = ".tools/lambda-build/bin";

/// The README section on building the zip elsewhere (for an architecture this machine
/// cannot build).
pub const README_SECTION: &str = "provision/README.md, section \"Building for arm64\"";

/// A cold release build of the analyzer on this project's 2-core VM (see provision/README.md).
const COLD_BUILD_TIME: &str = "about 8 minutes";

/// A built and checked package.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The zip.
    pub zip: LambdaZip,
    /// Where the zip was written.
    pub path: PathBuf,
    /// What the bootstrap needs to start.
    pub requirements: glibc::Requirements,
}

/// What `provision package --json` prints.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The zip's path.
    pub zip: PathBuf,
    /// Lambda architecture.
    pub architecture: Architecture,
    /// Zip size.
    pub zip_bytes: usize,
    /// Unzipped size.
    pub unzipped_bytes: u64,
    /// Base64 SHA-256 of the zip, as Lambda reports it.
    pub code_sha256: String,
    /// ELF machine of the bootstrap.
    pub machine: String,
    /// The newest glibc version the bootstrap needs.
    pub glibc_needed: Option<String>,
    /// The glibc of `provided.al2023`.
    pub glibc_available: String,
}

impl Artifact {
    /// The report of this artifact.
    pub fn report(&self, architecture: Architecture) -> Result<Report> {
        Ok(Report {
            zip: self.path.clone(),
            architecture,
            zip_bytes: self.zip.bytes.len(),
            unzipped_bytes: self.zip.unzipped_bytes()?,
            code_sha256: self.zip.sha256.clone(),
            machine: self.requirements.machine.clone(),
            glibc_needed: self.requirements.newest_glibc().map(|v| v.to_string()),
            glibc_available: AL2023_GLIBC.to_string(),
        })
    }
}

/// The workspace this binary was built from (where the build runs).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The workspace's target directory as cargo resolves it (`CARGO_TARGET_DIR`, config, or
/// `<workspace>/target`).
pub fn target_dir(workspace: &Path) -> Result<PathBuf> {
    let out = Command::new("cargo")
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace)
        .output()
        .context("running `cargo metadata` to find the target directory (is cargo on PATH?)")?;
    if !out.status.success() {
        bail!(
            "`cargo metadata` failed in {}: {}",
            workspace.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parsing `cargo metadata` output")?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("`cargo metadata` did not name a target directory")
}

/// Where the zip for `arch` is written: `<target dir>/lambda/<arch>/bootstrap.zip`.
pub fn default_zip_path(target_dir: &Path, arch: Architecture) -> PathBuf {
    target_dir
        .join("lambda")
        .join(arch.as_str())
        .join("bootstrap.zip")
}

/// The command that runs `cargo zigbuild`: the pinned one in `.tools` first, then one on
/// PATH.
fn zigbuild(workspace: &Path) -> Result<Command> {
    let tools = workspace.join(TOOLS_DIR);
    let pinned = tools.join("cargo-zigbuild");
    if pinned.is_file() {
        let mut cmd = Command::new(pinned);
        // cargo-zigbuild runs zig as `python3 -m ziglang`; this python has PyPI's ziglang.
        cmd.arg("zigbuild")
            .env("CARGO_ZIGBUILD_PYTHON_PATH", tools.join("python3"));
        return Ok(cmd);
    }
    let on_path = Command::new("cargo")
        .args(["zigbuild", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if on_path {
        let mut cmd = Command::new("cargo");
        cmd.arg("zigbuild");
        return Ok(cmd);
    }
    bail!(
        "cargo-zigbuild is not installed, and it is what builds the Lambda bootstrap against \
         glibc 2.34 (the glibc of provided.al2023). Run scripts/install-tools (it puts the \
         pinned cargo-zigbuild and zig into {TOOLS_DIR}), or install them on PATH \
         (`pip install cargo-zigbuild ziglang`), or pass --lambda-zip with a zip built elsewhere"
    )
}

/// Whether the Rust standard library for `triple` is installed in rustc's sysroot.
fn has_std(triple: &str) -> Result<bool> {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .context("running `rustc --print sysroot` (is rustc on PATH?)")?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(sysroot
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .is_dir())
}

/// Refuses an architecture whose standard library this machine lacks, saying what to do.
fn check_target_installed(arch: Architecture) -> Result<()> {
    let triple = arch.target_dir_name();
    if has_std(triple)? {
        return Ok(());
    }
    bail!(
        "cannot build the analyzer for {} here: the Rust standard library for {triple} is not \
         installed on this machine (rustup installs it with `rustup target add {triple}` where \
         it can download it). Build the zip on a machine that has it, then pass it with \
         --lambda-zip; see {README_SECTION}",
        arch.as_str()
    )
}

/// The first bytes of every ELF file.
const ELF_MAGIC: &[u8] = b"\x7fELF";

/// Checks the `bootstrap` of a prebuilt zip: an ELF binary must suit `arch` and
/// provided.al2023's glibc; anything else (a custom runtime may be a script) is taken as is.
pub fn check_prebuilt(bootstrap: &[u8], arch: Architecture) -> Result<()> {
    if bootstrap.starts_with(ELF_MAGIC) {
        check_bootstrap(bootstrap, arch)?;
    }
    Ok(())
}

/// Checks that `binary` is a Linux binary for `arch` that provided.al2023 can start.
pub fn check_bootstrap(binary: &[u8], arch: Architecture) -> Result<glibc::Requirements> {
    let needs = glibc::requirements(binary).context("checking the built bootstrap")?;
    let machine = match arch {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "aarch64",
    };
    if needs.machine != machine {
        bail!(
            "the bootstrap is built for {}, not for the function's architecture {}",
            needs.machine,
            arch.as_str()
        );
    }
    let too_new: Vec<String> = needs
        .glibc
        .iter()
        .filter(|v| **v > AL2023_GLIBC)
        .map(GlibcVersion::to_string)
        .collect();
    if !too_new.is_empty() {
        bail!(
            "the bootstrap needs glibc {} but provided.al2023 has {AL2023_GLIBC}: it would fail \
             at its first start. Build it with `cargo zigbuild --target {}`",
            too_new.join(", "),
            arch.zigbuild_target()
        );
    }
    Ok(needs)
}

/// Builds the analyzer for `arch` from `workspace`, checks it, zips it and writes the zip to
/// `output` (default: [`default_zip_path`]).
pub fn build(workspace: &Path, arch: Architecture, output: Option<&Path>) -> Result<Artifact> {
    check_target_installed(arch)?;
    let mut cargo = zigbuild(workspace)?;
    let target_dir = target_dir(workspace)?;
    let target = arch.zigbuild_target();
    let args = [
        "--release",
        "--locked",
        "-p",
        ANALYZER_PACKAGE,
        "--target",
        target,
    ];
    eprintln!(
        "building the analyzer's Lambda bootstrap: `cargo zigbuild {}`\n  why: this is the \
         binary Lambda runs; a release build linked against glibc {AL2023_GLIBC}, the glibc of \
         provided.al2023 (pass --lambda-zip to use a zip built before)\n  the first build takes \
         {COLD_BUILD_TIME} on 2 cores; later ones reuse {}",
        args.join(" "),
        target_dir.display()
    );
    let started = Instant::now();
    let status = cargo
        .args(args)
        .current_dir(workspace)
        .status()
        .context("running cargo zigbuild")?;
    if !status.success() {
        bail!(
            "`cargo zigbuild {}` failed ({status}); fix the build, or pass --lambda-zip",
            args.join(" ")
        );
    }
    let binary_path = target_dir
        .join(arch.target_dir_name())
        .join("release")
        .join(ANALYZER_PACKAGE);
    let binary = std::fs::read(&binary_path)
        .with_context(|| format!("reading the built binary {}", binary_path.display()))?;
    let requirements = check_bootstrap(&binary, arch)?;
    let zip = LambdaZip::new(package::zip_bootstrap(&binary)?)?;
    let path = output.map_or_else(|| default_zip_path(&target_dir, arch), Path::to_path_buf);
    write_atomically(&path, &zip.bytes)?;
    eprintln!(
        "built in {:.0} s: {} ({} bytes, needs glibc {})",
        started.elapsed().as_secs_f64(),
        path.display(),
        zip.bytes.len(),
        requirements
            .newest_glibc()
            .map_or("none".to_string(), |v| v.to_string())
    );
    Ok(Artifact {
        zip,
        path,
        requirements,
    })
}

/// Writes `bytes` to `path` through a temporary file, so readers never see half a zip. The
/// temporary file is this process's own: two `provision` runs packaging at once (two
/// terminals, parallel tests) each rename a whole zip into place instead of one renaming the
/// other's half-written file, or finding it already gone.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = path.with_extension(format!("zip.{}.partial", std::process::id()));
    let written = std::fs::write(&partial, bytes)
        .with_context(|| format!("writing {}", partial.display()))
        .and_then(|()| {
            std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
        });
    if written.is_err() {
        // A failed attempt leaves nothing behind (each process has its own file name, so none
        // would be overwritten by the next run).
        let _ = std::fs::remove_file(&partial);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two processes packaging at once each rename their own temporary file (the e2e tests
    /// run `provision package` from parallel tests): it is named after the process.
    #[test]
    fn the_zip_is_written_through_a_temporary_file_of_this_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lambda/x86_64/bootstrap.zip");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["bootstrap.zip"], "no temporary file is left behind");
        // Another process's temporary file in the same directory is not this one's.
        let other = path.with_extension("zip.1.partial");
        std::fs::write(&other, b"half").unwrap();
        write_atomically(&path, b"third").unwrap();
        assert_eq!(std::fs::read(&other).unwrap(), b"half");
        assert_eq!(std::fs::read(&path).unwrap(), b"third");
    }

    #[test]
    fn zips_go_under_the_target_dir_by_architecture() {
        assert_eq!(
            default_zip_path(Path::new("/t"), Architecture::X86_64),
            Path::new("/t/lambda/x86_64/bootstrap.zip")
        );
        assert_eq!(
            default_zip_path(Path::new("/t"), Architecture::Arm64),
            Path::new("/t/lambda/arm64/bootstrap.zip")
        );
    }

    #[test]
    fn a_binary_for_another_machine_or_a_newer_glibc_is_refused() {
        // This test binary: the host's machine, linked against the host's glibc.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let other = match std::env::consts::ARCH {
            "x86_64" => Architecture::Arm64,
            _ => Architecture::X86_64,
        };
        let err = check_bootstrap(&me, other).unwrap_err().to_string();
        assert!(err.contains("not for the function's architecture"), "{err}");
        assert!(check_bootstrap(b"#!/bin/sh\n", Architecture::X86_64).is_err());
        // A prebuilt script bootstrap is taken as is; a prebuilt binary is checked.
        assert!(check_prebuilt(b"#!/bin/sh\n", Architecture::X86_64).is_ok());
        assert!(check_prebuilt(&me, other).is_err());
    }

    #[test]
    fn the_target_dir_is_cargos() {
        let dir = target_dir(&workspace_dir()).unwrap();
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(set) => assert_eq!(dir, workspace_dir().join(set)),
            None => assert_eq!(dir, workspace_dir().join("target")),
        }
    }
}

//! The glibc an ELF binary needs, read from its version-needed section (pure).
//!
//! A dynamically linked Linux binary lists, in `.gnu.version_r`, every symbol version it
//! needs from each shared library (`GLIBC_2.17`, `GLIBC_2.34`, ...). The dynamic loader
//! refuses to start it when the system's glibc lacks one of them
//! (`version 'GLIBC_2.38' not found`), so the newest `GLIBC_x.y` listed is the oldest glibc
//! that can run it. Lambda's `provided.al2023` runtime is Amazon Linux 2023, whose glibc is
//! 2.34: a bootstrap needing anything newer fails at its first cold start.

use std::fmt;

use object::Endianness;
use object::elf;
use object::read::elf::FileHeader;

/// The glibc of Lambda's `provided.al2023` runtime: Amazon Linux 2023's core glibc is 2.34,
/// kept for the release's five years of support
/// (<https://docs.aws.amazon.com/linux/al2023/ug/core-glibc.html>; the runtime's OS:
/// <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>).
pub const AL2023_GLIBC: GlibcVersion = GlibcVersion {
    major: 2,
    minor: 34,
    patch: 0,
};

/// A glibc symbol version, `GLIBC_<major>.<minor>[.<patch>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct GlibcVersion {
    /// Major (2).
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch (0 when absent, as in `GLIBC_2.34`).
    pub patch: u32,
}

impl GlibcVersion {
    /// Parses the version of a `GLIBC_2.34`-style name; `None` for other names
    /// (`GLIBC_PRIVATE`, `GCC_3.0`, ...).
    pub fn from_symbol_version(name: &str) -> Option<GlibcVersion> {
        let numbers: Vec<u32> = name
            .strip_prefix("GLIBC_")?
            .split('.')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        match numbers[..] {
            [major, minor] => Some(GlibcVersion {
                major,
                minor,
                patch: 0,
            }),
            [major, minor, patch] => Some(GlibcVersion {
                major,
                minor,
                patch,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.patch != 0 {
            write!(f, ".{}", self.patch)?;
        }
        Ok(())
    }
}

/// A binary that could not be read as a 64-bit ELF file.
#[derive(Debug, thiserror::Error)]
#[error("not a readable 64-bit ELF binary: {0}")]
pub struct NotElf(#[from] object::read::Error);

/// What the dynamic loader needs to start a binary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Requirements {
    /// The ELF machine (`x86_64`, `aarch64`, or the raw number).
    pub machine: String,
    /// Every glibc symbol version it needs, sorted, without duplicates.
    pub glibc: Vec<GlibcVersion>,
}

impl Requirements {
    /// The newest glibc version needed: the oldest glibc that runs the binary (`None`: the
    /// binary needs no glibc, e.g. a static build).
    pub fn newest_glibc(&self) -> Option<GlibcVersion> {
        self.glibc.last().copied()
    }
}

/// Reads the machine and the glibc versions a 64-bit ELF binary needs.
pub fn requirements(data: &[u8]) -> Result<Requirements, NotElf> {
    let header = elf::FileHeader64::<Endianness>::parse(data)?;
    let endian = header.endian()?;
    let machine = match header.e_machine(endian) {
        elf::EM_X86_64 => "x86_64".to_string(),
        elf::EM_AARCH64 => "aarch64".to_string(),
        other => format!("ELF machine {other}"),
    };
    let sections = header.sections(endian, data)?;
    let mut glibc = Vec::new();
    if let Some((mut needed, link)) = sections.gnu_verneed(endian, data)? {
        let strings = sections.strings(endian, data, link)?;
        while let Some((_library, mut versions)) = needed.next()? {
            while let Some(version) = versions.next()? {
                let name = String::from_utf8_lossy(version.name(endian, strings)?);
                glibc.extend(GlibcVersion::from_symbol_version(&name));
            }
        }
    }
    glibc.sort_unstable();
    glibc.dedup();
    Ok(Requirements { machine, glibc })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_versions_parse_and_order_numerically() {
        let v = |s| GlibcVersion::from_symbol_version(s).unwrap();
        assert_eq!(v("GLIBC_2.34"), AL2023_GLIBC);
        assert_eq!(
            v("GLIBC_2.2.5"),
            GlibcVersion {
                major: 2,
                minor: 2,
                patch: 5
            }
        );
        // Numerically, not as text: 2.9 < 2.17 < 2.34 < 2.38.
        assert!(v("GLIBC_2.9") < v("GLIBC_2.17"));
        assert!(v("GLIBC_2.17") < AL2023_GLIBC && AL2023_GLIBC < v("GLIBC_2.38"));
        assert_eq!(v("GLIBC_2.2.5").to_string(), "2.2.5");
        assert_eq!(AL2023_GLIBC.to_string(), "2.34");
        for other in ["GLIBC_PRIVATE", "GCC_3.0", "GLIBC_2", "GLIBC_2.x"] {
            assert_eq!(GlibcVersion::from_symbol_version(other), None, "{other}");
        }
    }

    #[test]
    fn reads_what_a_real_binary_needs() {
        // This test binary is a dynamically linked ELF of the host: it needs some glibc.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let needs = requirements(&me).unwrap();
        assert_eq!(needs.machine, std::env::consts::ARCH);
        let newest = needs.newest_glibc().expect("a gnu binary needs glibc");
        assert_eq!(newest.major, 2);
        assert!(needs.glibc.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn other_files_are_refused() {
        assert!(requirements(b"#!/bin/sh\necho not an ELF\n").is_err());
        assert!(requirements(&[]).is_err());
    }
}

//! Lambda's CPU architectures and the Rust targets that build for them (pure).

use clap::ValueEnum;

/// Lambda architectures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
pub enum Architecture {
    /// `x86_64`
    #[value(name = "x86_64")]
    #[serde(rename = "x86_64")]
    X86_64,
    /// `arm64` (Graviton)
    #[value(name = "arm64")]
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name Lambda uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// The Rust target triple, pinned to AL2023's glibc 2.34 for `cargo zigbuild`.
    pub fn zigbuild_target(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64-unknown-linux-gnu.2.34",
            Architecture::Arm64 => "aarch64-unknown-linux-gnu.2.34",
        }
    }

    /// The target triple without the glibc suffix (the folder cargo writes to).
    pub fn target_dir_name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64-unknown-linux-gnu",
            Architecture::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }
}

//! The `local-lambda` binary as a user starts it. Also what makes `cargo test --workspace`
//! build the binary, which the end-to-end tests run as a process: cargo builds a package's
//! binaries only for that package's own integration tests.

use std::process::Command;

#[test]
fn help_names_the_function_and_the_zip() {
    let output = Command::new(env!("CARGO_BIN_EXE_local-lambda"))
        .arg("--help")
        .output()
        .expect("local-lambda runs");
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("--function") && help.contains("--zip"),
        "{help}"
    );
}

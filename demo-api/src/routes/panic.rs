//! `GET /panic`: a handler bug on demand, to show the panic path end to end.

/// The panic message, asserted on by the tests.
pub const PANIC_MESSAGE: &str = "simulated handler bug: index out of range";

/// Panics. The catch-panic middleware answers 500 and logs it at ERROR.
pub async fn panic() -> &'static str {
    panic!("{PANIC_MESSAGE}");
}

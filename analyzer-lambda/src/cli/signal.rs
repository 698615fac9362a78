//! Ctrl-C (SIGINT) and SIGTERM for the long-running subcommand (`replay`): noticed from the
//! moment [`Signals::listen`] is called, whether or not anything is waiting for them at the
//! time, so a loop can check for them at its safe points.

/// A request to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT: Ctrl-C in a terminal.
    Interrupt,
    /// SIGTERM: what `kill`, systemd, containers and CI runners send.
    Terminate,
}

impl Stop {
    /// The signal's name.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        }
    }

    /// The exit code of a run this signal cut short: 128 + the signal's number, as shells
    /// report a process killed by it (130 for SIGINT, 143 for SIGTERM), so a script can tell
    /// an interrupted run from a finished one.
    pub fn exit_code(self) -> u8 {
        match self {
            Stop::Interrupt => 128 + 2,
            Stop::Terminate => 128 + 15,
        }
    }
}

/// A run cut short by a signal; `main` exits with [`Stop::exit_code`].
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Interrupted {
    /// The signal.
    pub stop: Stop,
    /// What was cut short and what to do next.
    pub message: String,
}

/// SIGINT and SIGTERM, caught from [`Signals::listen`] on (the default action, ending the
/// process at once, no longer applies).
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Starts catching both signals.
    pub fn listen() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal (one that came since the last call counts). Cancel-safe.
    pub async fn recv(&mut self) -> Stop {
        #[cfg(unix)]
        {
            // `recv` gives `None` only once the runtime shuts down: then nothing comes.
            tokio::select! {
                Some(()) = self.interrupt.recv() => Stop::Interrupt,
                Some(()) = self.terminate.recv() => Stop::Terminate,
                else => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            Stop::Interrupt
        }
    }

    /// A signal that came since the last call, if any, without waiting.
    pub fn pending(&mut self) -> Option<Stop> {
        futures::FutureExt::now_or_never(self.recv())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal_number() {
        assert_eq!(Stop::Interrupt.exit_code(), 130);
        assert_eq!(Stop::Terminate.exit_code(), 143);
        assert_eq!(Stop::Terminate.name(), "SIGTERM");
    }
}

//! Where a caught panic happened.
//!
//! `CatchPanicLayer` hands its handler only the panic payload (the message). The location
//! is known to the panic hook, which runs on the panicking thread just before unwinding;
//! `catch_unwind` then returns on that same thread, so a thread-local carries the location
//! from the hook to the handler.

use std::any::Any;
use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once per process) a panic hook that remembers each panic's `file:line:column`
/// for [`take_location`], then runs the previous hook (by default, the message on stderr).
pub fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(ToString::to_string);
            LAST_LOCATION.with(|last| *last.borrow_mut() = location);
            previous(info);
        }));
    });
}

/// The location of the last panic on this thread, if the hook saw one; clears it.
pub fn take_location() -> Option<String> {
    LAST_LOCATION.with(|last| last.borrow_mut().take())
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
pub fn message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hook_records_where_and_the_payload_says_what() {
        install_hook();
        let caught = std::panic::catch_unwind(|| panic!("boom {}", 42)).unwrap_err();
        assert_eq!(message(caught.as_ref()), "boom 42");
        let location = take_location().unwrap();
        assert!(
            location.starts_with("demo-api/src/panics.rs:"),
            "{location}"
        );
        assert_eq!(take_location(), None);
    }

    #[test]
    fn static_messages_are_read_too() {
        let caught = std::panic::catch_unwind(|| panic!("static")).unwrap_err();
        assert_eq!(message(caught.as_ref()), "static");
    }
}

//! The only place Dateline reads the system clock. Tests set a fixed time instead.

use jiff::Timestamp;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    /// A settable time for tests and benchmarks.
    Fixed(Arc<Mutex<Timestamp>>),
}

impl Clock {
    pub fn fixed(at: Timestamp) -> Self {
        Clock::Fixed(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            #[expect(clippy::disallowed_methods, reason = "this is the one clock")]
            Clock::System => Timestamp::now(),
            Clock::Fixed(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Move a fixed clock (no effect on the system clock).
    pub fn set(&self, at: Timestamp) {
        if let Clock::Fixed(t) = self {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = at;
        }
    }
}

//! Integration tests of the public API: snapshot tests of realistic article bodies (stored and
//! filled HTML) and property tests that no input, however hostile, yields active content.
//!
//! These tests must never depend on anything but the crate's public API.

mod props;
mod snapshots;
mod support;

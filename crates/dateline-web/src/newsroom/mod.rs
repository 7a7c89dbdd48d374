//! The newsroom: the editors' side at `/newsroom/`. Sign-in and sessions, then pages checked
//! against `dateline_core::permissions` route by route.
//!
//! Nothing here is ever page-cached.

pub mod credentials;

//! The `dateline` program as a library: configuration, the `serve`, `mount`, `schedule`, `user`,
//! `token`, `jobs`, `reindex`, `media`, `backup`, `restore`, `migrate`, `export` and `import` commands and the demo newsroom. `main.rs` only parses the command line
//! and calls in here, so the test suite can drive the very same start-up code.

pub mod backup;
pub mod config;
pub mod demo;
pub mod export;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod migrate;
pub mod mounts;
pub mod playlists;
pub mod providers;
pub mod redirects;
pub mod reindex;
pub mod schedule;
pub mod serve;
pub mod users;

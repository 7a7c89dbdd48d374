//! Photos as files: [`images`] recognises an upload and makes the served variants (blocking
//! code, for `spawn_blocking` and the demo's generator); the files are served by
//! `media_files`, and the newsroom's library pages are `newsroom::media`.

pub mod images;

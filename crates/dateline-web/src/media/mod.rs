//! Photos as files: [`images`] recognises an upload and makes the served variants (blocking
//! code, for `spawn_blocking` and the demo's generator), [`worker`] makes an upload's variants
//! in the background; the files are served by
//! `media_files`, and the newsroom's library pages are `newsroom::media`.

pub mod images;
pub mod worker;

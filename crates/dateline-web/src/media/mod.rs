//! Photos as files: [`store`] is where they live (a local folder or an S3-compatible bucket,
//! one handle for both), [`images`] recognises an upload and makes the served variants
//! (blocking code, for `spawn_blocking` and the demo's generator), [`worker`] makes an upload's
//! variants in the background; the files are served by `media_files`, and the newsroom's
//! library pages are `newsroom::media`.

pub mod images;
pub mod intake;
pub mod store;
pub mod worker;

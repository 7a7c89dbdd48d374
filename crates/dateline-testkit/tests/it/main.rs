//! The integration suite: the real application over HTTP, every test on SQLite and PostgreSQL
//! (`backend_test!`). One binary, modules by subject.

mod accounts;
mod accounts_store;
mod api;
mod api_gaps;
mod api_write;
mod article_page;
mod backups;
mod bad_input;
mod body;
mod bylines;
mod config;
mod demo;
mod discussion;
mod discussion_settings;
mod editor;
mod feed_safety;
mod feeds;
mod health;
mod http;
mod import;
mod import_ghost;
mod import_ghost_real;
mod import_media;
mod jobs;
mod listings;
mod live;
mod live_icecast;
mod live_playlist;
mod live_relay;
mod mail_events;
mod media_library;
mod media_store;
mod metrics;
mod moderation_desk;
mod newsletter_digests;
mod newsletters;
mod nodes;
mod page_cache;
mod photo_formats;
mod photo_pages;
mod presence;
mod reader_account;
mod reader_mail;
mod redirects;
mod related;
mod reply_mail;
mod review;
mod revisions;
mod search;
mod static_pages;
mod station_schedule;
mod theme;
mod urls;

pub use dateline_core::media::Credit;
pub use dateline_testkit::{Page, TestApp, backend_test};
pub use jiff::{SignedDuration, Timestamp};

/// A redirect's `Location` header, or "" when there is none.
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp literal")
}

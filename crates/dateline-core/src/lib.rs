//! Dateline's domain: the nouns (articles, sections, tags, people, photos), the rules that bind
//! them (slugs, short codes, pagination, related-article ranking, the permission table and the
//! publishing workflow), dateline formatting and HTML escaping of text.
//!
//! This crate does no I/O: no files, no network, no clock. Time arrives as a parameter (`now`).

pub mod account;
pub mod article;
pub mod dateline;
pub mod discussion;
pub mod html;
pub mod ids;
pub mod live;
pub mod mail;
pub mod media;
pub mod newsletter;
pub mod old_url;
pub mod page;
pub mod permissions;
pub mod person;
pub mod provider;
pub mod related;
pub mod schedule;
pub mod secret;
pub mod section;
pub mod short_code;
pub mod site;
pub mod slug;
pub mod static_page;
pub mod tag;
pub mod workflow;

pub use ids::{ArticleId, CommentId, MediaId, PageId, PersonId, ReaderId, SectionId, TagId};

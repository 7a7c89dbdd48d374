//! People: authors (with public pages at `/authors/{slug}/`) and, in later issues, newsroom
//! accounts and readers. Nothing here holds a password or a secret.

use crate::ids::{MediaId, PersonId};
use crate::slug::Slug;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub slug: Slug,
    pub name: String,
    /// Job title shown in bylines and on the author page ("Middle East correspondent").
    pub title: String,
    pub bio: String,
    pub photo_media_id: Option<MediaId>,
}

impl Person {
    pub fn path(&self) -> String {
        format!("/authors/{}/", self.slug)
    }
}

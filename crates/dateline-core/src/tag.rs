//! Tags: topics that cut across sections; each has a page at `/tags/{slug}/`.

use crate::ids::TagId;
use crate::slug::Slug;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    pub id: TagId,
    pub slug: Slug,
    pub name: String,
}

impl Tag {
    pub fn path(&self) -> String {
        format!("/tags/{}/", self.slug)
    }
}

//! Newtype ids for every stored noun, so an `ArticleId` can never be passed where a `TagId` is
//! expected. Ids are assigned by the store; nothing here invents them.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
    };
}

id_type!(
    /// A story.
    ArticleId
);
id_type!(
    /// A section (Middle East, Business…).
    SectionId
);
id_type!(
    /// A tag.
    TagId
);
id_type!(
    /// A person: author, editor, reader.
    PersonId
);
id_type!(
    /// A photo in the media library.
    MediaId
);
id_type!(
    /// A reader account (not staff: readers are never `people`).
    ReaderId
);
id_type!(
    /// A reader's comment.
    CommentId
);
id_type!(
    /// A static page (About us, Contact…).
    PageId
);

//! A stored story as a search result reads it back from the index's document store.

use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Field, OwnedValue};

/// A stored story as a result reads it: its fields as tantivy hands them over. tantivy's own
/// document copies every text once more into its arena, and a result only looks up four
/// fields, one of them the whole body.
pub(crate) struct Stored(Vec<(Field, OwnedValue)>);

impl DocumentDeserialize for Stored {
    fn deserialize<'de, D>(mut fields: D) -> Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut out = Vec::with_capacity(fields.size_hint());
        while let Some(field) = fields.next_field::<OwnedValue>()? {
            out.push(field);
        }
        Ok(Stored(out))
    }
}

impl Stored {
    pub(crate) fn text(&self, field: Field) -> Option<&str> {
        self.0.iter().find_map(|(f, v)| match v {
            OwnedValue::Str(s) if *f == field => Some(s.as_str()),
            _ => None,
        })
    }

    pub(crate) fn u64(&self, field: Field) -> Option<u64> {
        self.0.iter().find_map(|(f, v)| match v {
            OwnedValue::U64(n) if *f == field => Some(*n),
            _ => None,
        })
    }
}

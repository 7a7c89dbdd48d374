//! The store's one error type. Constraint violations become [`StoreError::Taken`] here, so no
//! other crate ever inspects a sqlx error.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is already used; the field name says which (`slug`, `email`…).
    #[error("{0} is already taken")]
    Taken(String),
    /// Someone saved the record since it was read.
    #[error("the record was changed by someone else since it was loaded")]
    StaleVersion,
    /// A value that should reference something does not (an unknown section id, say).
    #[error("invalid reference: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Backend(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A programme would share air time with these others in the weekly schedule (checked
    /// inside the writing transaction, with `dateline_core::schedule::overlapping`).
    #[error("it overlaps {}", dateline_core::schedule::describe_all(.0))]
    Overlaps(Vec<dateline_core::schedule::Programme>),
    /// A playlist cannot go while these programmes air from it or these mounts play it.
    #[error("the playlist is still used")]
    PlaylistInUse {
        programmes: Vec<dateline_core::schedule::Programme>,
        mounts: Vec<dateline_core::live::MountPath>,
    },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Taken(taken_field(db.constraint(), db.message()))
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Invalid(db.message().to_owned())
            }
            _ => StoreError::Backend(e),
        }
    }
}

/// The column a unique violation is about: PostgreSQL names the constraint
/// (`articles_slug_key`), SQLite says `UNIQUE constraint failed: articles.slug`.
fn taken_field(constraint: Option<&str>, message: &str) -> String {
    if let Some(c) = constraint {
        let trimmed = c.strip_suffix("_key").unwrap_or(c);
        return trimmed
            .split_once('_')
            .map(|(_, col)| col.to_owned())
            .unwrap_or_else(|| trimmed.to_owned());
    }
    message
        .rsplit_once('.')
        .map(|(_, col)| col.trim().to_owned())
        .unwrap_or_else(|| "value".to_owned())
}

#[cfg(test)]
mod tests {
    use super::taken_field;

    #[test]
    fn field_names_from_both_backends() {
        assert_eq!(taken_field(Some("articles_slug_key"), ""), "slug");
        assert_eq!(taken_field(Some("people_email_key"), ""), "email");
        assert_eq!(
            taken_field(None, "UNIQUE constraint failed: articles.slug"),
            "slug"
        );
    }
}

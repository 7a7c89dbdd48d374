//! The media store: where photo files live, behind one handle over the `object_store` crate.
//! A local folder (`DATA/media`, the default, through `object_store::local::LocalFileSystem`)
//! or an S3-compatible bucket (`s3://BUCKET/PREFIX`, through `AmazonS3Builder`), so uploads,
//! variants, deletions, serving and `dateline media move` take one code path whichever it is.
//!
//! The layout is the same in both: variants at `{hash}-{width}.{ext}` (the names `/media/…`
//! serves) and uploaded originals at `originals/{hash}.{ext}`, a name no route serves since
//! [`MediaStore::served_key`] admits no `/`. Writes are whole objects: `LocalFileSystem` writes
//! a staging file and renames it, and an S3 PUT is atomic, so a reader never sees half a file
//! under a served name.
//!
//! This module never reads the environment (credentials come in [`S3Settings`], from
//! `dateline::config`) and never logs a secret.

use bytes::Bytes;
use dateline_core::secret::Secret;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetResult, ObjectMeta, ObjectStore, ObjectStoreExt,
    RetryConfig,
};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long the start-up probe may take before the store is called unreachable.
const PROBE_LIMIT: Duration = Duration::from_secs(15);

/// Where a media store keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A folder on this node.
    Local(PathBuf),
    /// A bucket, with a key prefix ("" for the whole bucket; never a leading or trailing `/`).
    S3 { bucket: String, prefix: String },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Local(dir) => write!(f, "{}", dir.display()),
            Place::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Place::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl Place {
    /// Parse `s3://BUCKET/PREFIX`, `file:///folder` or a plain folder path; the sentence says
    /// what is wrong with anything else.
    pub fn parse(text: &str) -> Result<Place, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the media store is empty: give s3://BUCKET/PREFIX or a folder".into());
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!(
                    "the media store {text:?} names no bucket: write s3://BUCKET/PREFIX"
                ));
            }
            // S3's own rule for bucket names (3–63 of a-z 0-9 . -), so a typo is caught here
            // rather than as a signature or DNS error from the endpoint.
            let ok = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                })
                && bucket.as_bytes()[0].is_ascii_alphanumeric();
            if !ok {
                return Err(format!(
                    "the media store's bucket {bucket:?} is not a valid S3 bucket name (3 to 63 \
                     lower-case letters, digits, dots and hyphens)"
                ));
            }
            let prefix = prefix.trim_matches('/');
            if prefix
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
                && !prefix.is_empty()
            {
                return Err(format!(
                    "the media store's prefix {prefix:?} has an empty, `.` or `..` part"
                ));
            }
            return Ok(Place::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        if let Some(path) = text.strip_prefix("file://") {
            if path.is_empty() {
                return Err("the media store file:// names no folder".into());
            }
            return Ok(Place::Local(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "the media store {text:?} has the scheme {scheme}://, which Dateline does not \
                 know: write s3://BUCKET/PREFIX or a folder path"
            ));
        }
        Ok(Place::Local(PathBuf::from(text)))
    }
}

/// How to reach an S3-compatible store, as `dateline::config` gathered it from flags, the
/// `AWS_*` variables and the `[media_store]` table.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `http(s)://host:port` of an S3-compatible server; None for AWS itself.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret<String>>,
    pub session_token: Option<Secret<String>>,
    /// Whether a plain `http://` endpoint is allowed (a test server, a private network).
    pub allow_http: bool,
}

/// What went wrong with a media file.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("no such media file")]
    NotFound,
    /// The client's copy is current (a conditional GET).
    #[error("not modified")]
    NotModified,
    #[error("the media store at {place}: {source}")]
    Store {
        place: String,
        #[source]
        source: object_store::Error,
    },
}

/// The handle: cheap to clone (shared by `AppState`, the variant worker and the CLI).
#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<Inner>,
}

struct Inner {
    objects: Arc<dyn ObjectStore>,
    place: Place,
    /// Where readers fetch files directly (a CDN or the bucket's public URL), if anywhere.
    public_base_url: Option<String>,
}

impl fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaStore")
            .field("place", &self.inner.place)
            .finish_non_exhaustive()
    }
}

impl MediaStore {
    /// A store over a local folder, created if missing (blocking: for start-up only).
    pub fn local(dir: impl Into<PathBuf>) -> Result<Self, MediaError> {
        let dir = dir.into();
        let place = Place::Local(dir.clone());
        let failed = |source| MediaError::Store {
            place: place.to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(|e| {
            failed(object_store::Error::Generic {
                store: "LocalFileSystem",
                source: Box::new(e),
            })
        })?;
        let fs = LocalFileSystem::new_with_prefix(&dir).map_err(failed)?;
        Ok(Self::over(Arc::new(fs), place, None))
    }

    /// A store over an S3-compatible bucket. Nothing is sent yet: [`MediaStore::probe`] says
    /// whether it answers.
    fn s3(bucket: &str, prefix: &str, settings: &S3Settings) -> Result<Self, MediaError> {
        let place = Place::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        };
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(settings.region.as_deref().unwrap_or("us-east-1"))
            .with_allow_http(settings.allow_http)
            // Bounded: a store that does not answer fails a request within seconds (and
            // start-up with a sentence) instead of the crate's default three minutes of retries.
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(10),
            })
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(settings.allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            );
        if let Some(endpoint) = &settings.endpoint {
            b = b.with_endpoint(endpoint);
        }
        if let Some(id) = &settings.access_key_id {
            b = b.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            b = b.with_secret_access_key(secret.expose());
        }
        if let Some(token) = &settings.session_token {
            b = b.with_token(token.expose());
        }
        let failed = |source| MediaError::Store {
            place: place.to_string(),
            source,
        };
        let s3 = b.build().map_err(failed)?;
        let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Self::over(objects, place, None))
    }

    /// Open whatever `place` names.
    pub fn open(place: Place, s3: &S3Settings) -> Result<Self, MediaError> {
        match place {
            Place::Local(dir) => Self::local(dir),
            Place::S3 { bucket, prefix } => Self::s3(&bucket, &prefix, s3),
        }
    }

    fn over(objects: Arc<dyn ObjectStore>, place: Place, public: Option<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                objects,
                place,
                public_base_url: public,
            }),
        }
    }

    /// The same store, with readers sent to `base` (no trailing `/`) for files.
    pub fn with_public_base_url(self, base: Option<String>) -> Self {
        Self::over(
            self.inner.objects.clone(),
            self.inner.place.clone(),
            base.map(|b| b.trim_end_matches('/').to_owned()),
        )
    }

    pub fn place(&self) -> &Place {
        &self.inner.place
    }

    /// Where `/media/{name}` redirects to, when a public base URL is configured.
    pub fn public_url(&self, name: &str) -> Option<String> {
        self.inner
            .public_base_url
            .as_ref()
            .map(|base| format!("{base}/{name}"))
    }

    /// Check that the store answers and may be listed (before the port opens): a listing of
    /// the prefix, bounded in time.
    pub async fn probe(&self) -> Result<(), MediaError> {
        let listed =
            tokio::time::timeout(PROBE_LIMIT, self.inner.objects.list_with_delimiter(None)).await;
        match listed {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.failed(e)),
            Err(_) => Err(self.failed(object_store::Error::Generic {
                store: "S3",
                source: format!("no answer within {} s", PROBE_LIMIT.as_secs()).into(),
            })),
        }
    }

    /// The key of a public name, if the name is well formed (no path tricks possible: only
    /// `[0-9a-f]+-[0-9]+.(jpg|png|webp|gif|avif)` passes).
    pub fn served_key(name: &str) -> Option<Key> {
        let (stem, ext) = name.rsplit_once('.')?;
        let (hash, width) = stem.split_once('-')?;
        let ok = !hash.is_empty()
            && hash.len() <= 64
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
            && !width.is_empty()
            && width.len() <= 5
            && width.bytes().all(|b| b.is_ascii_digit())
            && matches!(ext, "jpg" | "png" | "webp" | "gif" | "avif");
        ok.then(|| Key::from(name))
    }

    /// A variant's key (and public name).
    pub fn variant_key(hash: &str, width: u32, ext: &str) -> Key {
        Key::from(format!("{hash}-{width}.{ext}"))
    }

    /// An uploaded original's key: under `originals/`, which no route serves.
    pub fn original_key(hash: &str, ext: &str) -> Key {
        Key::from_iter(["originals".to_owned(), format!("{hash}.{ext}")])
    }

    /// Write a whole object (replacing any under that key).
    pub async fn put(&self, key: &Key, bytes: Bytes) -> Result<(), MediaError> {
        self.inner
            .objects
            .put(key, bytes.into())
            .await
            .map(|_| ())
            .map_err(|e| self.failed(e))
    }

    /// Read a whole object (originals, for the variant worker).
    pub async fn read(&self, key: &Key) -> Result<Bytes, MediaError> {
        let got = self
            .inner
            .objects
            .get(key)
            .await
            .map_err(|e| self.failed(e))?;
        got.bytes().await.map_err(|e| self.failed(e))
    }

    /// Fetch an object for serving, conditionally: `NotModified` when the client's copy is
    /// current. The answer's body is read from [`GetResult`] by the caller, streamed.
    pub async fn get(&self, key: &Key, conditions: Conditions) -> Result<GetResult, MediaError> {
        let mut options = GetOptions::default();
        match conditions.if_none_match {
            Some(tags) => options.if_none_match = Some(self.tags_for_store(&tags)),
            None => options.if_modified_since = conditions.if_modified_since,
        }
        self.inner
            .objects
            .get_opts(key, options)
            .await
            .map_err(|e| self.failed(e))
    }

    /// An object's size and ETag, or `NotFound`.
    pub async fn head(&self, key: &Key) -> Result<ObjectMeta, MediaError> {
        self.inner
            .objects
            .head(key)
            .await
            .map_err(|e| self.failed(e))
    }

    /// Remove an object; one already gone is not an error.
    pub async fn delete(&self, key: &Key) -> Result<(), MediaError> {
        match self.inner.objects.delete(key).await {
            Ok(()) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Every object in the store (under its prefix), for `dateline media move`.
    pub fn list(&self) -> BoxStream<'static, Result<ObjectMeta, MediaError>> {
        let place = self.inner.place.to_string();
        self.inner
            .objects
            .list(None)
            .map(move |r| {
                r.map_err(|source| MediaError::Store {
                    place: place.clone(),
                    source,
                })
            })
            .boxed()
    }

    /// The ETag as HTTP carries it (quoted): S3 sends one quoted, `LocalFileSystem` makes one
    /// bare.
    pub fn http_etag(meta: &ObjectMeta) -> Option<String> {
        let tag = meta.e_tag.as_deref()?;
        Some(if tag.starts_with('"') || tag.starts_with("W/") {
            tag.to_owned()
        } else {
            format!("\"{tag}\"")
        })
    }

    /// A client's `If-None-Match` list as this store compares tags: S3 compares the quoted
    /// tags itself; `LocalFileSystem` compares its bare ones.
    fn tags_for_store(&self, header: &str) -> String {
        match self.inner.place {
            Place::S3 { .. } => header.to_owned(),
            Place::Local(_) => header
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn failed(&self, source: object_store::Error) -> MediaError {
        match source {
            object_store::Error::NotFound { .. } => MediaError::NotFound,
            object_store::Error::NotModified { .. } => MediaError::NotModified,
            source => MediaError::Store {
                place: self.inner.place.to_string(),
                source,
            },
        }
    }
}

/// The conditions of a conditional GET, from the request's headers.
#[derive(Debug, Default, Clone)]
pub struct Conditions {
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<chrono::DateTime<chrono::Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_parse_with_sentences() {
        assert_eq!(
            Place::parse("s3://news-media/site/a/"),
            Ok(Place::S3 {
                bucket: "news-media".into(),
                prefix: "site/a".into()
            })
        );
        assert_eq!(
            Place::parse("s3://news-media"),
            Ok(Place::S3 {
                bucket: "news-media".into(),
                prefix: String::new()
            })
        );
        assert_eq!(
            Place::parse("/srv/media"),
            Ok(Place::Local("/srv/media".into()))
        );
        assert_eq!(
            Place::parse("file:///srv/media"),
            Ok(Place::Local("/srv/media".into()))
        );
        for (bad, words) in [
            ("s3:///prefix", "names no bucket"),
            ("s3://", "names no bucket"),
            ("gs://bucket/x", "scheme gs://"),
            ("s3://Bad_Bucket/x", "not a valid S3 bucket name"),
            ("s3://bucket/a//b", "empty, `.` or `..` part"),
            ("s3://bucket/../b", "empty, `.` or `..` part"),
            ("", "empty"),
        ] {
            let e = Place::parse(bad).expect_err(bad);
            assert!(e.contains(words), "{bad}: {e}");
        }
    }

    #[test]
    fn only_variant_names_are_served() {
        assert!(MediaStore::served_key("c0ffee-320.jpg").is_some());
        for bad in [
            "c0ffee-320.exe",
            "zz-320.jpg",
            "../c0ffee-320.jpg",
            "originals/c0ffee.jpg",
            "c0ffee.jpg",
            "c0ffee-.jpg",
        ] {
            assert!(MediaStore::served_key(bad).is_none(), "{bad}");
        }
        assert_eq!(
            MediaStore::original_key("ab", "png").as_ref(),
            "originals/ab.png"
        );
    }
}

//! Where photo files live: `--media-store` / `DATELINE_MEDIA_STORE` / `media_store` in
//! `dateline.toml` (`s3://BUCKET/PREFIX` or a folder; the default is `DATA/media`), with the S3
//! endpoint, region and credentials from flags, the usual `AWS_*` variables
//! (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP`) and the `[media_store]` table, in that order. A part
//! of `config`, the one module that reads the environment. The secret key is a [`Secret`] from
//! the moment it is read: it never reaches a log or an error message.
//!
//! In the file, `media_store = "s3://…"` is short for a `[media_store]` table with only `url`.

use anyhow::{Context, bail};
use clap::Args;
use clap::builder::BoolishValueParser;
use dateline_core::secret::Secret;
use dateline_web::media::store::{MediaStore, Place, S3Settings};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use std::path::Path;

fn secret(s: &str) -> Result<Secret<String>, String> {
    Ok(Secret::new(s.to_owned()))
}

/// Flags and variables (each beats the file's key of the same name).
#[derive(Debug, Args, Default, Clone)]
pub struct MediaStoreArgs {
    /// Where photo files live: s3://BUCKET/PREFIX (an S3-compatible bucket) or a folder.
    /// [default: DATA/media]
    #[arg(long = "media-store", env = "DATELINE_MEDIA_STORE")]
    pub url: Option<String>,
    /// S3-compatible endpoint, e.g. https://s3.example.net or http://127.0.0.1:9000.
    /// [default: AWS itself]
    #[arg(long = "media-store-endpoint", env = "AWS_ENDPOINT_URL")]
    pub endpoint: Option<String>,
    /// S3 region. [default: us-east-1]
    #[arg(long = "media-store-region", env = "AWS_REGION")]
    pub region: Option<String>,
    /// S3 access key id. [default: the instance's role]
    #[arg(long = "media-store-access-key-id", env = "AWS_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    /// S3 secret access key. Prefer the variable or the file: a flag shows in the process list.
    #[arg(long = "media-store-secret-access-key", env = "AWS_SECRET_ACCESS_KEY",
          hide_env_values = true, value_parser = secret)]
    pub secret_access_key: Option<Secret<String>>,
    /// S3 session token, for temporary credentials.
    #[arg(long = "media-store-session-token", env = "AWS_SESSION_TOKEN",
          hide_env_values = true, value_parser = secret)]
    pub session_token: Option<Secret<String>>,
    /// Allow a plain http:// endpoint (a test server, a private network). [default: false]
    #[arg(long = "media-store-allow-http", env = "AWS_ALLOW_HTTP",
          value_parser = BoolishValueParser::new())]
    pub allow_http: Option<bool>,
    /// Public URL the files are read from (a CDN or the bucket's website): /media/… then
    /// redirects there. [default: served by Dateline]
    #[arg(long = "media-public-base-url", env = "DATELINE_MEDIA_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
}

/// The `[media_store]` table (or the plain `media_store = "…"` string, as its `url`).
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct MediaStoreFile {
    pub url: Option<String>,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret<String>>,
    pub allow_http: Option<bool>,
    pub public_base_url: Option<String>,
}

/// `media_store` in the file: a string or a table.
#[derive(Debug, Default, Clone)]
pub struct MediaStoreEntry(pub MediaStoreFile);

impl<'de> Deserialize<'de> for MediaStoreEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(d)? {
            toml::Value::String(url) => Ok(Self(MediaStoreFile {
                url: Some(url),
                ..MediaStoreFile::default()
            })),
            table @ toml::Value::Table(_) => MediaStoreFile::deserialize(table)
                .map(Self)
                .map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "media_store must be a string (s3://BUCKET/PREFIX or a folder) or a \
                 [media_store] table, not a {}",
                other.type_str()
            ))),
        }
    }
}

/// The checked media store settings.
#[derive(Debug, Clone)]
pub struct MediaStoreSettings {
    pub place: Place,
    pub s3: S3Settings,
    pub public_base_url: Option<String>,
}

impl MediaStoreSettings {
    /// Open the store and check that it answers: for `serve` (before the port opens) and
    /// `media move`.
    pub async fn open(&self) -> anyhow::Result<MediaStore> {
        open_place(self.place.clone(), &self.s3)
            .await
            .map(|m| m.with_public_base_url(self.public_base_url.clone()))
    }
}

/// Open `place` and probe it, with a sentence an operator can act on when it fails.
pub async fn open_place(place: Place, s3: &S3Settings) -> anyhow::Result<MediaStore> {
    let shown = place.to_string();
    let store =
        MediaStore::open(place, s3).with_context(|| format!("opening the media store {shown}"))?;
    store.probe().await.with_context(|| {
        format!(
            "the media store {shown} cannot be listed: check the bucket exists, the endpoint \
             is reachable and the credentials may list it"
        )
    })?;
    Ok(store)
}

/// Flags > variables > file > `DATA/media`.
pub fn resolve(
    args: MediaStoreArgs,
    file: Option<MediaStoreEntry>,
    data: &Path,
) -> anyhow::Result<MediaStoreSettings> {
    let file = file.map(|e| e.0).unwrap_or_default();
    let place = match args.url.or(file.url) {
        Some(url) => Place::parse(&url).map_err(|e| anyhow::anyhow!("--media-store: {e}"))?,
        None => Place::Local(data.join("media")),
    };
    let s3 = S3Settings {
        endpoint: args.endpoint.or(file.endpoint),
        region: args.region.or(file.region),
        access_key_id: args.access_key_id.or(file.access_key_id),
        secret_access_key: args.secret_access_key.or(file.secret_access_key),
        session_token: args.session_token,
        allow_http: args.allow_http.or(file.allow_http).unwrap_or(false),
    };
    let public_base_url = args
        .public_base_url
        .or(file.public_base_url)
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty());
    check_s3(&s3, &place)?;
    if let Some(u) = &public_base_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        bail!("media_store.public_base_url must start with https:// or http://, not {u:?}");
    }
    Ok(MediaStoreSettings {
        place,
        s3,
        public_base_url,
    })
}

/// The S3 settings make sense for an S3 place (a local one ignores them: `AWS_*` variables may
/// be set for other programs).
pub fn check_s3(s3: &S3Settings, place: &Place) -> anyhow::Result<()> {
    if !matches!(place, Place::S3 { .. }) {
        return Ok(());
    }
    if let Some(e) = &s3.endpoint {
        if !(e.starts_with("https://") || e.starts_with("http://")) {
            bail!(
                "the media store's endpoint (AWS_ENDPOINT_URL, media_store.endpoint) must \
                 start with https:// or http://, not {e:?}"
            );
        }
        if e.starts_with("http://") && !s3.allow_http {
            bail!(
                "the media store's endpoint {e} is plain http://: set AWS_ALLOW_HTTP=true (or \
                 media_store.allow_http = true) to use it unencrypted"
            );
        }
    }
    if s3.access_key_id.is_some() != s3.secret_access_key.is_some() {
        bail!(
            "the media store's access key id and secret access key go together \
             (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
        );
    }
    Ok(())
}

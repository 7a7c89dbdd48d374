//! A real S3-compatible server for the tests: moto in server mode (`moto_server`, installed
//! pinned from PyPI by `scripts/install-deps` into the workspace's `.venv-tools/`), started
//! per test on 127.0.0.1 on a free port and killed when the [`S3Server`] is dropped. Never a
//! mock: the site talks S3 over HTTP to it, and the tests look at the bucket through the S3 API
//! with plain HTTP requests, not through Dateline's code.
//!
//! Without moto the tests that need it fail with a sentence saying to run
//! `scripts/install-deps`; they never pass silently.

use anyhow::{Context, bail};
use dateline_core::secret::Secret;
use dateline_web::media::store::{Place, S3Settings};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The credentials the tests use (moto accepts any).
pub const ACCESS_KEY_ID: &str = "dateline-test";
pub const SECRET_ACCESS_KEY: &str = "dateline-test-secret";

/// What the helper's own requests carry: moto checks no signature, but answers an anonymous
/// GET of a private object 403, so the requests name the tests' access key as a signed one
/// would.
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=dateline-test/20260101/us-east-1/s3/\
                             aws4_request, SignedHeaders=host, Signature=0";

/// How long moto may take to start answering (a cold Python start on a busy machine).
const START_LIMIT: Duration = Duration::from_secs(60);

/// A running moto server.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    http: reqwest::Client,
    _child: tokio::process::Child,
}

/// Where `scripts/install-deps` puts moto's server.
pub fn moto_server_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv-tools/bin/moto_server")
}

impl S3Server {
    /// Start moto on a free port and wait until it answers.
    pub async fn start() -> anyhow::Result<Self> {
        let bin = moto_server_path();
        if !bin.exists() {
            bail!(
                "moto_server is not installed at {}: run scripts/install-deps (it installs \
                 moto[server] into .venv-tools/); the S3 media tests need a real S3-compatible \
                 server",
                bin.display()
            );
        }
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?.port()
        };
        let child = tokio::process::Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            reqwest::header::HeaderValue::from_static(AUTHORIZATION),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .build()?;
        let deadline = Instant::now() + START_LIMIT;
        let mut server = Self {
            endpoint,
            http,
            _child: child,
        };
        loop {
            if let Ok(res) = server.http.get(&server.endpoint).send().await
                && res.status().is_success()
            {
                return Ok(server);
            }
            if let Ok(Some(status)) = server._child.try_wait() {
                bail!("moto_server exited at start ({status})");
            }
            if Instant::now() > deadline {
                bail!(
                    "moto_server did not answer on {} within {} s",
                    server.endpoint,
                    START_LIMIT.as_secs()
                );
            }
            // Polling a process that gives no other sign of readiness, with a deadline.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The settings a site uses to reach this server.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".to_owned()),
            access_key_id: Some(ACCESS_KEY_ID.to_owned()),
            secret_access_key: Some(Secret::new(SECRET_ACCESS_KEY.to_owned())),
            session_token: None,
            allow_http: true,
        }
    }

    /// `s3://BUCKET/PREFIX` as a place.
    pub fn place(bucket: &str, prefix: &str) -> Place {
        Place::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        }
    }

    fn url(&self, bucket: &str, key: &str) -> String {
        if key.is_empty() {
            format!("{}/{bucket}", self.endpoint)
        } else {
            format!("{}/{bucket}/{key}", self.endpoint)
        }
    }

    /// Create a bucket.
    pub async fn create_bucket(&self, bucket: &str) -> anyhow::Result<()> {
        let res = self.http.put(self.url(bucket, "")).send().await?;
        anyhow::ensure!(
            res.status().is_success(),
            "creating bucket {bucket}: {}",
            res.status()
        );
        Ok(())
    }

    /// Every key in a bucket with its size, through the S3 API (ListObjectsV2), sorted.
    pub async fn objects(&self, bucket: &str) -> anyhow::Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .http
                .get(self.url(bucket, ""))
                .query(&[("list-type", "2")]);
            if let Some(t) = &token {
                req = req.query(&[("continuation-token", t.as_str())]);
            }
            let res = req.send().await?;
            let status = res.status();
            let xml = res.text().await?;
            anyhow::ensure!(status.is_success(), "listing {bucket}: {status}\n{xml}");
            for part in xml.split("<Contents>").skip(1) {
                let key = between(part, "<Key>", "</Key>").context("a listing without a key")?;
                let size = between(part, "<Size>", "</Size>")
                    .context("a listing without a size")?
                    .parse()?;
                out.push((key.to_owned(), size));
            }
            match between(&xml, "<NextContinuationToken>", "</NextContinuationToken>") {
                Some(t) => token = Some(t.to_owned()),
                None => break,
            }
        }
        out.sort();
        Ok(out)
    }

    /// The keys alone.
    pub async fn keys(&self, bucket: &str) -> anyhow::Result<Vec<String>> {
        Ok(self
            .objects(bucket)
            .await?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }

    /// Put an object directly (as another tool, or an earlier interrupted run, would have).
    pub async fn put_object(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let res = self
            .http
            .put(self.url(bucket, key))
            .body(bytes)
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "PUT {key}: {}", res.status());
        Ok(())
    }

    /// An object's bytes, through the S3 API.
    pub async fn object(&self, bucket: &str, key: &str) -> anyhow::Result<Vec<u8>> {
        let res = self.http.get(self.url(bucket, key)).send().await?;
        anyhow::ensure!(res.status().is_success(), "GET {key}: {}", res.status());
        Ok(res.bytes().await?.to_vec())
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

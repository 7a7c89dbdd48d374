//! Test helpers for the integration suite (`tests/it/`): [`TestApp`] runs the real application on
//! a free port over a fresh database, [`backend_test!`] runs one test body against SQLite and
//! PostgreSQL, small builders create sections, people, photos and stories, and [`Browser`]
//! with [`TestApp::login_as`] signs in to the newsroom with cookies and a form token.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (a role that may `CREATE DATABASE`); each test gets
//! its own database, so tests run in parallel. Without the variable the PostgreSQL half of every
//! test fails with a message saying how to get one: it never silently skips.

mod browser;
mod builders;
pub mod html;
pub mod mail;
pub mod s3;

pub use browser::{Browser, TEST_PASSWORD};
pub use builders::ArticleBuilder;
pub use html::Page;
pub use mail::{Mail, MailSink};
pub use s3::S3Server;

use anyhow::Context;
use axum::ServiceExt as _;
use dateline_core::media::Credit;
use dateline_core::site::SiteSettings;
use dateline_core::slug::Slug;
use dateline_store::{NewMedia, NewMount, NewPerson, NewSection, Store};
use dateline_web::{AppState, Clock, MediaStore, Options, Theme};
use jiff::Timestamp;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::task::JoinHandle;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// Run a test body once per backend: `backend_test!(name, |app| { … })` makes the tests
/// `name::sqlite` and `name::postgres`, each with a fresh [`TestApp`] bound to `app`.
#[macro_export]
macro_rules! backend_test {
    // The same, with the site sending mail to a real SMTP server ([`TestApp::start_with_mail`]).
    ($name:ident, with_mail, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> anyhow::Result<()> {
                let $app = $crate::TestApp::start_with_mail($crate::TestBackend::Sqlite).await?;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> anyhow::Result<()> {
                let $app = $crate::TestApp::start_with_mail($crate::TestBackend::Postgres).await?;
                $body
            }
        }
    };
    // The same, with the site started with these `Options` ([`TestApp::start_with_options`]).
    ($name:ident, options = $options:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> anyhow::Result<()> {
                let $app =
                    $crate::TestApp::start_with_options($crate::TestBackend::Sqlite, $options)
                        .await?;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> anyhow::Result<()> {
                let $app =
                    $crate::TestApp::start_with_options($crate::TestBackend::Postgres, $options)
                        .await?;
                $body
            }
        }
    };
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> anyhow::Result<()> {
                let $app = $crate::TestApp::start($crate::TestBackend::Sqlite).await?;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> anyhow::Result<()> {
                let $app = $crate::TestApp::start($crate::TestBackend::Postgres).await?;
                $body
            }
        }
    };
}

/// Options sending mail to plain SMTP on 127.0.0.1:`port`, where a test may start a
/// [`MailSink`].
pub fn smtp_options(port: u16) -> Options {
    let smtp = dateline_web::mail::SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        tls: dateline_web::mail::SmtpTls::None,
        username: None,
        password: None,
        from: "The Test Herald <news@herald.example>".to_owned(),
        dkim: None,
    };
    Options {
        smtp: Some(smtp),
        ..Options::default()
    }
}

/// The time every test starts at (tests move the clock explicitly).
pub fn start_time() -> Timestamp {
    "2026-03-10T12:00:00Z".parse().expect("valid literal")
}

/// The application running on 127.0.0.1 over its own database.
pub struct TestApp {
    pub store: Store,
    pub state: AppState,
    pub clock: Clock,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Follows no redirects, so tests see 301s; decompresses nothing it did not ask for.
    pub client: reqwest::Client,
    pub backend: TestBackend,
    /// The database's URL, for tests that open it again (a restarted server, raw SQL).
    pub database_url: String,
    /// The SMTP server the site sends to, when started with [`TestApp::start_with_mail`].
    pub mail: Option<MailSink>,
    /// The S3 server holding the media, when started with [`TestApp::start_on_s3`] (its bucket
    /// is [`TestApp::BUCKET`], the site's files under [`TestApp::PREFIX`]).
    pub s3: Option<S3Server>,
    /// Shared with the application started by [`TestApp::restart`].
    dir: Arc<tempfile::TempDir>,
    server: JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        // Close the listening connection too: a dropped node hears nothing more.
        self.state.stream.stop();
    }
}

/// What [`TestApp::start_at`] runs: a database and folder, and how this node joins the site.
struct Boot<'a> {
    backend: TestBackend,
    url: String,
    /// Shared with a restarted application.
    dir: Arc<tempfile::TempDir>,
    theme: Option<&'a std::path::Path>,
    options: Options,
    /// Write the test site's settings (a new site, or a restart on a new port); another node
    /// keeps the first node's.
    seed_settings: bool,
    /// The first node's clock, for another node; a fresh fixed clock otherwise.
    clock: Option<Clock>,
    /// The media store; the test folder's `media/` when none.
    media: Option<MediaStore>,
}

static DATABASES: AtomicU64 = AtomicU64::new(0);

impl TestApp {
    pub async fn start(backend: TestBackend) -> anyhow::Result<Self> {
        Self::start_with_theme(backend, None).await
    }

    /// Start with SMTP settings pointing at a fresh [`MailSink`] (plain SMTP on 127.0.0.1).
    pub async fn start_with_mail(backend: TestBackend) -> anyhow::Result<Self> {
        let sink = MailSink::start().await?;
        let mut app = Self::start_with_smtp_port(backend, sink.port).await?;
        app.mail = Some(sink);
        Ok(app)
    }

    /// [`TestApp::start_with_mail`] with the options `adjust` makes from the mail ones (DKIM,
    /// newsletter limits).
    pub async fn start_with_mail_and(
        backend: TestBackend,
        adjust: impl FnOnce(&mut Options),
    ) -> anyhow::Result<Self> {
        Self::start_with_sink_and(backend, MailSink::start().await?, adjust).await
    }

    /// [`TestApp::start_with_mail_and`] sending to `sink` (e.g. [`MailSink::start_picky`]).
    pub async fn start_with_sink_and(
        backend: TestBackend,
        sink: MailSink,
        adjust: impl FnOnce(&mut Options),
    ) -> anyhow::Result<Self> {
        let mut options = smtp_options(sink.port);
        adjust(&mut options);
        let mut app = Self::start_with(backend, None, options).await?;
        app.mail = Some(sink);
        Ok(app)
    }

    /// The messages sent to `to`, once the newsletter sender has had at least `n` messages
    /// accepted in all (waiting up to 10 seconds).
    pub async fn newsletter_mail_to(&self, to: &str, n: u64) -> anyhow::Result<Vec<Mail>> {
        let sink = self.mail.as_ref().context("started without mail")?;
        let sender = self
            .state
            .newsletters
            .as_ref()
            .context("the site has no newsletters")?;
        anyhow::ensure!(
            sender
                .delivered(n, std::time::Duration::from_secs(10))
                .await,
            "only {} of {n} newsletter messages were sent within 10 s",
            sender.sent()
        );
        sink.to(to).await
    }

    /// Start with SMTP settings pointing at 127.0.0.1:`port`, where a test may start a
    /// [`MailSink`] later (and set [`TestApp::mail`]).
    pub async fn start_with_smtp_port(backend: TestBackend, port: u16) -> anyhow::Result<Self> {
        Self::start_with(backend, None, smtp_options(port)).await
    }

    /// The messages the site has sent to `to`, once at least `n` messages in all were
    /// accepted by the SMTP server (waiting up to 10 seconds for the mail task).
    pub async fn mail_to(&self, to: &str, n: u64) -> anyhow::Result<Vec<Mail>> {
        let sink = self.mail.as_ref().context("started without mail")?;
        let mailer = self.state.mail.as_ref().context("the site has no mailer")?;
        anyhow::ensure!(
            mailer
                .delivered(n, std::time::Duration::from_secs(10))
                .await,
            "only {} of {n} messages were sent within 10 s",
            mailer.sent()
        );
        sink.to(to).await
    }

    /// The bucket [`TestApp::start_on_s3`] makes, and the prefix the site's files go under.
    pub const BUCKET: &'static str = "dateline-media";
    pub const PREFIX: &'static str = "site";

    /// Start with the media store on a fresh moto server (`s3://dateline-media/site`).
    pub async fn start_on_s3(backend: TestBackend) -> anyhow::Result<Self> {
        let server = S3Server::start().await?;
        server.create_bucket(Self::BUCKET).await?;
        let media = MediaStore::open(
            S3Server::place(Self::BUCKET, Self::PREFIX),
            &server.settings(),
        )?;
        media.probe().await?;
        let mut app = Self::start_full(backend, None, Options::default(), Some(media)).await?;
        app.s3 = Some(server);
        Ok(app)
    }

    /// Start with a theme folder overriding the default theme.
    pub async fn start_with_theme(
        backend: TestBackend,
        theme: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        Self::start_with(backend, theme, Options::default()).await
    }

    /// Start with these options (the search index is always kept in the test's folder).
    pub async fn start_with_options(
        backend: TestBackend,
        options: Options,
    ) -> anyhow::Result<Self> {
        Self::start_with(backend, None, options).await
    }

    /// Start another node ("B") on this app's PostgreSQL database with `options`, as a second
    /// `dateline serve` behind the same load balancer would run: its own port, data folder,
    /// search index, page cache, discussion cache and live hub; the same clock (so tests move
    /// both at once) and the same site settings (its pages link to the first node's base
    /// URL). Ready once it hears the other nodes' writes.
    pub async fn another_node_with(&self, options: Options) -> anyhow::Result<Self> {
        anyhow::ensure!(
            self.backend == TestBackend::Postgres,
            "several nodes need a shared PostgreSQL database"
        );
        let dir = tempfile::tempdir().context("creating a temporary folder")?;
        let url = self.database_url.clone();
        let clock = Some(self.clock.clone());
        Self::start_at(Boot {
            backend: self.backend,
            url,
            dir: Arc::new(dir),
            theme: None,
            options,
            seed_settings: false,
            clock,
            media: None,
        })
        .await
    }

    /// [`TestApp::another_node_with`] the default options.
    pub async fn another_node(&self) -> anyhow::Result<Self> {
        self.another_node_with(Options::default()).await
    }

    async fn start_with(
        backend: TestBackend,
        theme: Option<&std::path::Path>,
        options: Options,
    ) -> anyhow::Result<Self> {
        Self::start_full(backend, theme, options, None).await
    }

    /// Start; the media store is the test folder's `media/` unless one is given.
    async fn start_full(
        backend: TestBackend,
        theme: Option<&std::path::Path>,
        options: Options,
        media: Option<MediaStore>,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("creating a temporary folder")?;
        let url = match backend {
            TestBackend::Sqlite => dateline::config::sqlite_url(&dir.path().join("test.db")),
            TestBackend::Postgres => fresh_postgres_database().await?,
        };
        Self::start_at(Boot {
            backend,
            url,
            dir: Arc::new(dir),
            theme,
            options,
            seed_settings: true,
            clock: None,
            media,
        })
        .await
    }

    /// Stop this application (as a crash would: its server and background tasks aborted, no
    /// job given back) and start it again over the same database and folder, with `options`.
    /// The new one rebuilds its search index in a folder of its own: the aborted tasks let go
    /// of the old index's writer lock only as they are dropped, in the background.
    pub async fn restart(self, options: Options) -> anyhow::Result<Self> {
        let (backend, url, dir) = (self.backend, self.database_url.clone(), self.dir.clone());
        drop(self);
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let options = Options {
            search_dir: Some(dir.path().join(format!("search-restarted-{n}"))),
            ..options
        };
        Self::start_at(Boot {
            backend,
            url,
            dir,
            theme: None,
            options,
            seed_settings: true,
            clock: None,
            media: None,
        })
        .await
    }

    /// Run the application `boot` describes on a fresh port.
    async fn start_at(boot: Boot<'_>) -> anyhow::Result<Self> {
        let Boot {
            backend,
            url,
            dir,
            theme,
            mut options,
            seed_settings,
            clock,
            media,
        } = boot;
        let store = Store::open(&url)
            .await
            .context("opening the test database")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let settings = SiteSettings {
            name: "The Test Herald".to_owned(),
            time_zone: "Europe/London".to_owned(),
            language: "en-GB".to_owned(),
            base_url: base.clone(),
            ..SiteSettings::default()
        };
        if seed_settings {
            store.save_site_settings(&settings).await?;
        }
        // As `serve` derives it from a concrete listen address: other nodes relay from here.
        if options.live.node_url.is_none() {
            options.live.node_url = Some(base.clone());
        }
        let media_dir = dir.path().join("media");
        tokio::fs::create_dir_all(&media_dir).await?;
        let media = match media {
            Some(m) => m,
            None => MediaStore::local(media_dir)?,
        };
        let clock = clock.unwrap_or_else(|| Clock::fixed(start_time()));
        let state = AppState::new(
            store.clone(),
            Theme::load(theme)?,
            media,
            clock.clone(),
            Options {
                search_dir: options
                    .search_dir
                    .clone()
                    .or_else(|| Some(dateline::config::search_dir(dir.path()))),
                ..options
            },
        )
        .await?;
        // On PostgreSQL the page cache keeps nothing until the node hears the other nodes'
        // writes: wait for that, so tests of the cache see it as a running node has it.
        anyhow::ensure!(
            store.wait_in_step(std::time::Duration::from_secs(10)).await,
            "the node did not start listening to the change stream within 10 s"
        );
        let app = dateline_web::app(state.clone())
            .into_make_service_with_connect_info::<dateline_web::PeerAddr>();
        // As `serve` does: Icecast sources and listeners go to the live relay, the rest to axum.
        let door = dateline_web::live::FrontDoor::new(listener, state.clone())?;
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(door, app).await {
                panic!("test server failed: {e}");
            }
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_gzip()
            .no_brotli()
            .build()?;
        Ok(Self {
            store,
            state,
            clock,
            base,
            client,
            backend,
            database_url: url,
            mail: None,
            s3: None,
            dir,
            server,
        })
    }

    /// Wait until every change made so far is searchable (the indexer runs in the background,
    /// as in production). Fails after 10 seconds rather than hanging.
    pub async fn search_caught_up(&self) -> anyhow::Result<()> {
        let generation = self.store.generation();
        anyhow::ensure!(
            self.state
                .search
                .caught_up(generation, std::time::Duration::from_secs(10))
                .await,
            "the search index did not catch up with generation {generation} within 10 s"
        );
        Ok(())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// GET a path; the answer whatever its status.
    pub async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        self.client
            .get(self.url(path))
            .send()
            .await
            .with_context(|| format!("GET {path}"))
    }

    /// GET a path expecting `status`, parsed as HTML.
    pub async fn page(&self, path: &str, status: u16) -> anyhow::Result<Page> {
        Page::expect(self.get(path).await?, path, status).await
    }

    /// GET a path expecting `status`, parsed as JSON.
    pub async fn json(&self, path: &str, status: u16) -> anyhow::Result<serde_json::Value> {
        let res = self.get(path).await?;
        let got = res.status().as_u16();
        let body = res.text().await?;
        anyhow::ensure!(
            got == status,
            "GET {path}: expected {status}, got {got}\n{body}"
        );
        serde_json::from_str(&body).with_context(|| format!("GET {path}: not JSON: {body}"))
    }

    /// Change the site settings.
    pub async fn configure(&self, f: impl FnOnce(&mut SiteSettings)) -> anyhow::Result<()> {
        let mut s = self.store.site_settings().await?;
        f(&mut s);
        self.store.save_site_settings(&s).await?;
        Ok(())
    }

    pub async fn section(
        &self,
        slug: &str,
        name: &str,
    ) -> anyhow::Result<dateline_core::section::Section> {
        let position = self.store.sections().await?.len() as i64;
        Ok(self
            .store
            .create_section(NewSection {
                slug: Slug::parse(slug)?,
                name: name.to_owned(),
                description: format!("News about {name}."),
                position,
            })
            .await?)
    }

    pub async fn person(
        &self,
        slug: &str,
        name: &str,
    ) -> anyhow::Result<dateline_core::person::Person> {
        Ok(self
            .store
            .create_person(
                NewPerson {
                    slug: Slug::parse(slug)?,
                    name: name.to_owned(),
                    title: "Correspondent".to_owned(),
                    bio: format!("{name} reports for the Test Herald."),
                    photo_media_id: None,
                },
                self.clock.now(),
            )
            .await?)
    }

    /// A library photo record (1600×900, variants at every width). No file is written: pages
    /// only link to the files.
    pub async fn photo(
        &self,
        hash: &str,
        alt: &str,
        caption: &str,
        credit: Credit,
    ) -> anyhow::Result<dateline_core::media::Media> {
        Ok(self
            .store
            .create_media(
                NewMedia {
                    hash: hash.to_owned(),
                    mime: "image/jpeg".to_owned(),
                    width: 1600,
                    height: 900,
                    alt: alt.to_owned(),
                    caption: caption.to_owned(),
                    credit,
                    variants: vec![320, 640, 1024, 1600],
                    file_name: None,
                },
                self.clock.now(),
            )
            .await?)
    }

    /// Add a live mount at `path` (MP3, default sizes) whose source password is `password`;
    /// `adjust` changes the rest.
    pub async fn live_mount(
        &self,
        path: &str,
        password: &str,
        adjust: impl FnOnce(&mut NewMount),
    ) -> anyhow::Result<dateline_core::live::Mount> {
        use dateline_core::live::{
            AudioFormat, DEFAULT_BURST_BYTES, DEFAULT_QUEUE_BYTES, MountPath,
        };
        let password = password.to_owned();
        let hash =
            tokio::task::spawn_blocking(move || dateline_web::live::hash_password(&password))
                .await??;
        let mut new = NewMount {
            path: MountPath::parse(path)?,
            name: String::new(),
            format: AudioFormat::Mp3,
            source_password_hash: hash,
            max_listeners: None,
            fallback: None,
            burst_bytes: DEFAULT_BURST_BYTES,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            relay_from: None,
        };
        adjust(&mut new);
        Ok(self.store.create_live_mount(new, self.clock.now()).await?)
    }

    /// Start a story; see [`ArticleBuilder`].
    pub fn article(&self, headline: &str) -> ArticleBuilder<'_> {
        ArticleBuilder::new(self, headline)
    }

    /// Run one statement on the test database behind the store's back, as an operator with a
    /// SQL prompt would (to delete a row no page can delete, or to make a row look as an older
    /// version of Dateline left it). The number of rows it changed.
    pub async fn raw_sql(&self, sql: &str) -> anyhow::Result<u64> {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url)
            .await
            .context("connecting to the test database")?;
        let n = sqlx::query(sql)
            .execute(&pool)
            .await
            .with_context(|| format!("running {sql}"))?
            .rows_affected();
        pool.close().await;
        Ok(n)
    }

    /// Another empty database on this test's backend (migrated on first open), for tests
    /// that start the real `dateline serve` start-up on a site of their own.
    pub async fn fresh_database_url(&self) -> anyhow::Result<String> {
        match self.backend {
            TestBackend::Sqlite => Ok(dateline::config::sqlite_url(&self.dir.path().join(
                format!("fresh-{}.db", DATABASES.fetch_add(1, Ordering::Relaxed)),
            ))),
            TestBackend::Postgres => fresh_postgres_database().await,
        }
    }
}

/// A new, empty database on the PostgreSQL server named by `TEST_DATABASE_URL`.
async fn fresh_postgres_database() -> anyhow::Result<String> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the test harness reads its own variable"
    )]
    let admin = std::env::var("TEST_DATABASE_URL").map_err(|_| {
        anyhow::anyhow!(
            "TEST_DATABASE_URL is not set: run the suite with scripts/test (it starts a \
             throwaway PostgreSQL) or point the variable at a server where this role may \
             CREATE DATABASE"
        )
    })?;
    let name = format!(
        "dateline_test_{}_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .context("connecting to TEST_DATABASE_URL")?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .context("creating a test database")?;
    conn.close().await.ok();
    Ok(with_database(&admin, &name))
}

/// `admin` with its database name replaced by `name`.
fn with_database(admin: &str, name: &str) -> String {
    let (head, query) = match admin.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (admin, None),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(slash) => &head[..scheme_end + slash],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/postgres", "x"),
            "postgres://u@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    }
}

//! Configuration: flags > `DATELINE_*` environment variables > `dateline.toml` > defaults. This
//! is the only module that reads the environment. Everything is checked here, before a port is
//! opened, into one [`Settings`].

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use dateline_core::secret::Secret;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Seconds the port stays open after SIGTERM by default: long enough for a load balancer
/// probing every second or two to see `/readyz` fail and move away.
pub const DEFAULT_SHUTDOWN_GRACE: u64 = 5;
/// The longest grace accepted: orchestrators kill a process that takes much longer to stop
/// (Kubernetes after 30 s by default), so more is a typo.
const MAX_SHUTDOWN_GRACE: u64 = 300;
/// Seconds between the story editor's "who else has this open" pings by default.
pub const DEFAULT_PRESENCE_PING: u64 = 20;
/// The longest ping accepted: the store lists only those seen within the last minute, so a
/// slower ping would make people vanish from each other's banners between pings.
const MAX_PRESENCE_PING: u64 = 30;

#[derive(Debug, Parser)]
#[command(
    name = "dateline",
    version,
    about = "A news publishing platform in one binary"
)]
pub struct Cli {
    /// Log filter, e.g. `info` or `dateline=debug,tower_http=info`.
    #[arg(long, global = true, env = "DATELINE_LOG")]
    pub log: Option<String>,
    /// `text` (for people) or `json` (one JSON object a line, and a line per request, for a
    /// log collector). [default: text, or `[log] format` in the configuration file]
    #[arg(long, global = true, env = "DATELINE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the site.
    Serve(ServeArgs),
    /// Live audio mounts: add, list, remove.
    #[command(subcommand)]
    Mount(crate::mounts::MountCommand),
    /// A mount's playlist, played while no source is connected: add, list, remove, order.
    #[command(subcommand)]
    Playlist(crate::playlists::PlaylistCommand),
    /// The station's weekly programme schedule: add, list, remove.
    #[command(subcommand)]
    Schedule(crate::schedule::ScheduleCommand),
    /// OpenID Connect providers readers comment through: add, list, remove.
    #[command(subcommand)]
    Provider(crate::providers::ProviderCommand),
    /// Newsroom accounts: add, list, set-role, reset-password, disable, enable.
    #[command(subcommand)]
    User(crate::users::UserCommand),
    /// API tokens: create.
    #[command(subcommand)]
    Token(crate::users::TokenCommand),
    /// Returned mail (delivery reports, complaints, mailto unsubscribes): inbound.
    #[command(subcommand)]
    Mail(crate::mail::MailCommand),
    /// Rebuild the search index (DATA/search) from the database.
    Reindex(crate::reindex::ReindexArgs),
    /// The durable job queue: list, retry or delete failed jobs.
    #[command(subcommand)]
    Jobs(crate::jobs::JobsCommand),
    /// Photo files: move them to another media store (an S3 bucket, a folder).
    #[command(subcommand)]
    Media(crate::media::MediaCommand),
    /// Bring a whole site in from another system (WordPress, Ghost, a Dateline export).
    #[command(subcommand)]
    Import(crate::import::ImportCommand),
    /// Old URLs the site answers with a 301: export them for a front proxy.
    #[command(subcommand)]
    Redirects(crate::redirects::RedirectsCommand),
    /// Back the site up into one archive while it serves (--out FILE), or check an archive
    /// (--verify FILE).
    Backup(crate::backup::BackupArgs),
    /// Restore a backup into an empty data folder (and database), rebuilding the search index.
    Restore(crate::backup::RestoreArgs),
    /// Copy a SQLite site into an empty PostgreSQL database.
    Migrate(crate::migrate::MigrateArgs),
    /// Write the whole site into one documented archive (docs/export.md) that `dateline import
    /// dateline` reads back, or another program reads without Dateline; no secrets in it.
    Export(crate::export::ExportArgs),
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Lines for people, as `tracing` writes them.
    #[default]
    Text,
    /// One JSON object a line, fields at the top level; `serve` adds a line per request.
    Json,
}

/// Where the data lives; shared by every command that touches the database.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// Data folder: the SQLite database, media files and `dateline.toml`. [default: ./data]
    #[arg(long, env = "DATELINE_DATA")]
    pub data: Option<PathBuf>,
    /// Database URL (`postgres://…` or `sqlite://…`); the default is SQLite in the data folder.
    #[arg(long, env = "DATELINE_DATABASE")]
    pub database: Option<String>,
    /// Configuration file. [default: DATA/dateline.toml, if it exists]
    #[arg(long, env = "DATELINE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "DATELINE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Public origin for canonical URLs, feeds and short links. [default: http://LISTEN]
    #[arg(long, env = "DATELINE_BASE_URL")]
    pub base_url: Option<String>,
    /// Theme folder whose files override the built-in theme.
    #[arg(long, env = "DATELINE_THEME")]
    pub theme: Option<PathBuf>,
    /// Largest photo the media library accepts, in megabytes. [default: 25]
    #[arg(long, env = "DATELINE_MEDIA_MAX_MB")]
    pub media_max_mb: Option<u64>,
    /// Most pixels a photo may have, in megapixels (checked before decoding). [default: 50]
    #[arg(long, env = "DATELINE_MEDIA_MAX_MEGAPIXELS")]
    pub media_max_megapixels: Option<u32>,
    /// Formats photos are served in beside the upload's own, comma-separated: avif, webp, or
    /// none (AVIF takes seconds of CPU a photo: a small machine may leave it out).
    /// [default: avif,webp]
    #[arg(long, env = "DATELINE_MEDIA_FORMATS")]
    pub media_formats: Option<String>,
    /// Seconds between SIGTERM and closing the port, while `/readyz` answers 503 so load
    /// balancers move away; a second SIGTERM ends it at once. [default: 5]
    #[arg(long, env = "DATELINE_SHUTDOWN_GRACE")]
    pub shutdown_grace: Option<u64>,
    /// Seconds between the story editor's "Also open" pings (who else has a story open);
    /// from 1 to 30. [default: 20]
    #[arg(long, env = "DATELINE_PRESENCE_PING")]
    pub presence_ping: Option<u64>,
    /// This node's name in the job leases it holds (`dateline jobs list` shows it), when
    /// several nodes share one database. [default: node- and 8 random hex digits]
    #[arg(long, env = "DATELINE_NODE_NAME")]
    pub node_name: Option<String>,
    /// Load the demo newsroom when the site has no stories yet.
    #[arg(long, env = "DATELINE_DEMO")]
    pub demo: bool,
    /// Serve Prometheus metrics at `/metrics` on this address, a listener of its own (never
    /// the public port). [default: off]
    #[arg(long, env = "DATELINE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Do not count requests by route for `/metrics` (the other figures stay): only for
    /// measuring what the counting costs (docs/benchmarks.md).
    #[arg(long, hide = true)]
    pub no_request_metrics: bool,
    /// The front proxy's address: an `X-Request-Id` it sends is kept for the request's log
    /// line and answer. Repeat for several. [default: none; every request gets a new id]
    #[arg(
        long = "trusted-proxy",
        env = "DATELINE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<IpAddr>,
    /// This node's internal URL, where the site's other nodes relay its live sources from.
    /// [default: http://LISTEN when LISTEN is a concrete address; else this node's sources
    /// are not relayed]
    #[arg(long, env = "DATELINE_NODE_URL")]
    pub node_url: Option<String>,
    /// What nodes' live relays send as user `relay`; the same on every node. Without it this
    /// node serves no relays.
    #[arg(long, env = "DATELINE_RELAY_PASSWORD", hide_env_values = true)]
    pub relay_password: Option<String>,
    #[command(flatten)]
    pub smtp: smtp::SmtpArgs,
    /// Boxed: the S3 settings would make `serve` the one large variant of [`Command`].
    #[command(flatten)]
    pub media: Box<media_store::MediaStoreArgs>,
}

/// The file's shape. Unknown keys are an error, so a typo is caught at start.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub database: Option<String>,
    pub listen: Option<SocketAddr>,
    pub base_url: Option<String>,
    pub theme: Option<PathBuf>,
    /// Megabytes of rendered pages kept in memory.
    pub cache_mb: Option<u64>,
    /// Largest photo the media library accepts, in megabytes.
    pub media_max_mb: Option<u64>,
    /// Most pixels a photo may have, in megapixels.
    pub media_max_megapixels: Option<u32>,
    /// Formats photos are served in beside the upload's own: "avif,webp", "webp" or "none".
    pub media_formats: Option<String>,
    /// Seconds between SIGTERM and closing the port.
    pub shutdown_grace: Option<u64>,
    /// Seconds between the story editor's "Also open" pings.
    pub presence_ping: Option<u64>,
    /// This node's internal URL, for other nodes' live relays.
    pub node_url: Option<String>,
    /// The relay password shared by the site's nodes.
    pub relay_password: Option<Secret<String>>,
    /// This node's name in the job leases it holds.
    pub node_name: Option<String>,
    /// The front proxies whose `X-Request-Id` is kept.
    pub trusted_proxies: Option<Vec<IpAddr>>,
    /// How log lines are written.
    pub log: Option<LogFile>,
    /// Prometheus metrics on a listener of their own.
    pub metrics: Option<MetricsFile>,
    /// Per-site settings that seed the site: a key is written only while the store has no
    /// value for it (the first start); after that the settings page owns it.
    pub site: Option<SiteOverrides>,
    /// Mail to readers (verification, password reset); see `config/smtp.rs`.
    pub smtp: Option<smtp::SmtpFile>,
    /// DKIM signing of the site's mail; see `config/newsletters.rs`.
    pub mail: Option<newsletters::MailFile>,
    /// Newsletter sending limits; see `config/newsletters.rs`.
    pub newsletters: Option<newsletters::NewslettersFile>,
    /// Where photo files live (`"s3://BUCKET/PREFIX"`, a folder, or a table with the S3
    /// endpoint and credentials); see `config/media_store.rs`.
    pub media_store: Option<media_store::MediaStoreEntry>,
    /// Scheduled backups; without the table the server makes none.
    pub backup: Option<BackupFile>,
}

/// The `[backup]` table: `every = "6h"`, `keep = 28`, `dir = "…"`.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct BackupFile {
    /// How often: a duration such as "6h", "1d" or "30m". [default: 6h]
    pub every: Option<String>,
    /// How many of the newest archives to keep. [default: 28]
    pub keep: Option<u32>,
    /// Where the archives go. [default: DATA/backups]
    pub dir: Option<PathBuf>,
}

/// Scheduled backups, checked.
#[derive(Debug, Clone)]
pub struct BackupSettings {
    pub every: Duration,
    pub keep: u32,
    pub dir: PathBuf,
    /// The configuration file to put in each archive, when there is one.
    pub config_file: Option<PathBuf>,
}

/// `30m`, `6h`, `1d` (a whole number and one unit: minutes, hours or days).
fn parse_every(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let unit_secs = match unit.trim() {
        "m" | "min" | "minute" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return None,
    };
    n.checked_mul(unit_secs).map(Duration::from_secs)
}

/// The shortest period accepted: a backup reads the whole database, so more often is a typo.
const MIN_BACKUP_EVERY: Duration = Duration::from_secs(60);

fn backup_settings(
    file: Option<BackupFile>,
    data: &Path,
    config_file: Option<PathBuf>,
) -> anyhow::Result<Option<BackupSettings>> {
    let Some(b) = file else { return Ok(None) };
    let every_text = b.every.unwrap_or_else(|| "6h".to_owned());
    let every = parse_every(&every_text)
        .filter(|d| *d >= MIN_BACKUP_EVERY)
        .with_context(|| {
            format!(
                "backup.every must be a duration of a minute or more such as \"6h\" or \"1d\", \
                 not {every_text:?}"
            )
        })?;
    let keep = b.keep.unwrap_or(28);
    if keep == 0 {
        bail!("backup.keep must be 1 or more (how many archives to keep), not 0");
    }
    Ok(Some(BackupSettings {
        every,
        keep,
        dir: b.dir.unwrap_or_else(|| data.join("backups")),
        config_file,
    }))
}

/// The file's `[log]` table.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct LogFile {
    pub format: Option<LogFormat>,
}

/// The file's `[metrics]` table.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct MetricsFile {
    /// Where `/metrics` is served; absent: nowhere.
    pub listen: Option<SocketAddr>,
}

/// Site settings a configuration file may seed; what it leaves out stays as stored.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SiteOverrides {
    pub name: Option<String>,
    pub tagline: Option<String>,
    pub time_zone: Option<String>,
    pub language: Option<String>,
    pub community_standards: Option<String>,
    pub live_stream_url: Option<String>,
    pub live_stream_name: Option<String>,
    /// `"full"` (the whole body in feeds) or `"summary"` (the standfirst only).
    pub feed_content: Option<dateline_core::site::FeedContent>,
}

/// Everything `serve` needs, checked.
#[derive(Debug)]
pub struct Settings {
    pub data: PathBuf,
    pub database: String,
    pub listen: SocketAddr,
    pub base_url: String,
    pub theme: Option<PathBuf>,
    pub cache_bytes: u64,
    /// Largest photo upload, in bytes.
    pub media_max_bytes: u64,
    /// Most pixels a photo may have, in megapixels.
    pub media_max_megapixels: u32,
    /// The extra formats the variant worker makes for each photo.
    pub media_formats: Vec<dateline_core::media::Extra>,
    /// How long the port stays open after SIGTERM, answering `/readyz` with 503.
    pub shutdown_grace: Duration,
    /// How often the story editor says who else has the story open.
    pub presence_ping: Duration,
    /// This node's name in job leases; None: a random one per process.
    pub node_name: Option<String>,
    pub demo: bool,
    pub site: SiteOverrides,
    /// None: the site sends no mail.
    pub smtp: Option<dateline_web::mail::SmtpSettings>,
    /// Newsletter rate limits and batch size.
    pub newsletters: dateline_web::newsletters::NewsletterOptions,
    /// This node's internal URL as configured; None: derived from the address it listens
    /// on when that is concrete (see [`node_url_for`]).
    pub node_url: Option<String>,
    pub relay_password: Option<Secret<String>>,
    /// Where photo files live.
    pub media: media_store::MediaStoreSettings,
    /// Scheduled backups; None: none.
    pub backup: Option<BackupSettings>,
    /// Where `/metrics` is served; None: nowhere.
    pub metrics_listen: Option<SocketAddr>,
    /// How log lines are written (`json` also logs every request).
    pub log_format: LogFormat,
    /// The front proxies whose `X-Request-Id` is kept.
    pub trusted_proxies: Vec<IpAddr>,
    /// Count requests by route (false only with the benchmark's `--no-request-metrics`).
    pub request_metrics: bool,
}

impl Settings {
    /// The search index: a per-node folder, whichever database the site uses.
    pub fn search_dir(&self) -> PathBuf {
        search_dir(&self.data)
    }
}

/// `serve`'s settings; `log_format` is the global flag, which beats the file's `[log]`.
pub fn resolve(args: ServeArgs, log_format: Option<LogFormat>) -> anyhow::Result<Settings> {
    let file = load_file(&args.store)?;
    let (data, database) = locate_store(&args.store, &file)?;
    let listen = args
        .listen
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let base_url = args
        .base_url
        .or(file.base_url)
        .unwrap_or_else(|| format!("http://{listen}"));
    let base_url = base_url.trim_end_matches('/').to_owned();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        bail!("--base-url must start with http:// or https://, not {base_url:?}");
    }
    let site = file.site.unwrap_or_default();
    if let Some(tz) = &site.time_zone {
        dateline_core::dateline::time_zone(tz)
            .context("checking site.time_zone in the configuration")?;
    }
    let media_max_mb = args.media_max_mb.or(file.media_max_mb).unwrap_or(25);
    if !(1..=1024).contains(&media_max_mb) {
        bail!("media_max_mb must be from 1 to 1024 (megabytes), not {media_max_mb}");
    }
    let media_max_megapixels = args
        .media_max_megapixels
        .or(file.media_max_megapixels)
        .unwrap_or(dateline_web::media::images::DEFAULT_MAX_MEGAPIXELS);
    let most = dateline_web::media::images::MAX_MEGAPIXELS;
    if !(1..=most).contains(&media_max_megapixels) {
        bail!(
            "media_max_megapixels must be from 1 to {most} (megapixels), not {media_max_megapixels}"
        );
    }
    let media_formats = media_formats(
        args.media_formats
            .as_deref()
            .or(file.media_formats.as_deref())
            .unwrap_or("avif,webp"),
    )?;
    let shutdown_grace = args
        .shutdown_grace
        .or(file.shutdown_grace)
        .unwrap_or(DEFAULT_SHUTDOWN_GRACE);
    if shutdown_grace > MAX_SHUTDOWN_GRACE {
        bail!(
            "shutdown_grace must be from 0 to {MAX_SHUTDOWN_GRACE} (seconds), not {shutdown_grace}"
        );
    }
    let presence_ping = args
        .presence_ping
        .or(file.presence_ping)
        .unwrap_or(DEFAULT_PRESENCE_PING);
    if !(1..=MAX_PRESENCE_PING).contains(&presence_ping) {
        bail!("presence_ping must be from 1 to {MAX_PRESENCE_PING} (seconds), not {presence_ping}");
    }
    let node_name = args.node_name.or(file.node_name);
    if let Some(n) = &node_name
        && (n.is_empty() || n.len() > 100 || n.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        bail!("node_name must be 1 to 100 characters without spaces, not {n:?}");
    }
    let smtp = newsletters::resolve_mail(smtp::resolve(args.smtp, file.smtp)?, file.mail)?;
    let newsletters = newsletters::resolve_newsletters(file.newsletters)?;
    let media = media_store::resolve(*args.media, file.media_store, &data)?;
    let config_file = match &args.store.config {
        Some(p) => Some(p.clone()),
        None => Some(data.join("dateline.toml")).filter(|p| p.is_file()),
    };
    let backup = backup_settings(file.backup, &data, config_file)?;
    let node_url = args
        .node_url
        .or(file.node_url)
        .map(|u| check_node_url(&u))
        .transpose()?;
    let metrics_listen = args
        .metrics_listen
        .or(file.metrics.as_ref().and_then(|m| m.listen));
    // Port 0 asks for a free port each: two listeners, never the same one.
    if metrics_listen == Some(listen) && listen.port() != 0 {
        bail!(
            "metrics listen address {listen} is the public listen address: metrics need an \
             address of their own (e.g. 127.0.0.1:9187), so they are never public by accident"
        );
    }
    let log_format = log_format
        .or(file.log.as_ref().and_then(|l| l.format))
        .unwrap_or_default();
    let trusted_proxies = if args.trusted_proxies.is_empty() {
        file.trusted_proxies.unwrap_or_default()
    } else {
        args.trusted_proxies
    };
    let relay_password = args.relay_password.map(Secret::new).or(file.relay_password);
    if relay_password
        .as_ref()
        .is_some_and(|p| p.expose().is_empty())
    {
        bail!("relay_password must not be empty (leave it out to serve no relays)");
    }
    Ok(Settings {
        backup,
        request_metrics: !args.no_request_metrics,
        metrics_listen,
        log_format,
        trusted_proxies,
        node_url,
        relay_password,
        node_name,
        media,
        smtp,
        newsletters,
        data,
        database,
        listen,
        base_url,
        theme: args.theme.or(file.theme),
        cache_bytes: file.cache_mb.unwrap_or(64).max(1) * 1024 * 1024,
        media_max_bytes: media_max_mb * 1024 * 1024,
        media_max_megapixels,
        media_formats,
        shutdown_grace: Duration::from_secs(shutdown_grace),
        presence_ping: Duration::from_secs(presence_ping),
        demo: args.demo,
        site,
    })
}

/// The extra photo formats named in `media_formats`: "avif", "webp", both (comma-separated, in
/// any order) or "none".
fn media_formats(text: &str) -> anyhow::Result<Vec<dateline_core::media::Extra>> {
    use dateline_core::media::Extra;
    let mut out = Vec::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let extra = match word.to_ascii_lowercase().as_str() {
            "avif" => Extra::Avif,
            "webp" => Extra::Webp,
            "none" => continue,
            _ => bail!("media_formats takes avif, webp or none (comma-separated), not {word:?}"),
        };
        if !out.contains(&extra) {
            out.push(extra);
        }
    }
    // The order a <picture> offers them in, whatever order they were named in.
    out.sort();
    Ok(out)
}

/// A node URL as given: `http://HOST:PORT` (no path, no credentials), without a final `/`.
fn check_node_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let ok = dateline_core::live::Upstream::parse(url)
        .is_ok_and(|u| u.path == "/" && u.credentials().is_none());
    if !ok {
        bail!(
            "node_url must look like http://HOST:PORT (this node's internal address), not {url:?}"
        );
    }
    Ok(url.to_owned())
}

/// The node URL to use: the one configured, else `http://ADDR` for the address the port was
/// opened on when it is a concrete one (not 0.0.0.0 or ::, which other nodes cannot reach).
pub fn node_url_for(configured: Option<&str>, bound: SocketAddr) -> Option<String> {
    match configured {
        Some(u) => Some(u.to_owned()),
        None if bound.ip().is_unspecified() => None,
        None => Some(format!("http://{bound}")),
    }
}

/// The media store as `serve` would use it, for commands that work on the files.
pub fn media_location(
    store: &StoreArgs,
    args: media_store::MediaStoreArgs,
) -> anyhow::Result<media_store::MediaStoreSettings> {
    let file = load_file(store)?;
    let (data, _) = locate_store(store, &file)?;
    media_store::resolve(args, file.media_store, &data)
}

/// The `[newsletters]` settings, for commands that act on mail without the server.
pub fn newsletter_options(
    store: &StoreArgs,
) -> anyhow::Result<dateline_web::newsletters::NewsletterOptions> {
    newsletters::resolve_newsletters(load_file(store)?.newsletters)
}

/// The data folder and database URL, as every command that opens the store finds them.
pub fn store_location(store: &StoreArgs) -> anyhow::Result<(PathBuf, String)> {
    locate_store(store, &load_file(store)?)
}

fn locate_store(store: &StoreArgs, file: &FileConfig) -> anyhow::Result<(PathBuf, String)> {
    let data = store
        .data
        .clone()
        .or_else(|| file.data.clone())
        .unwrap_or_else(|| PathBuf::from("data"));
    let database = store
        .database
        .clone()
        .or_else(|| file.database.clone())
        .unwrap_or_else(|| sqlite_url(&data.join("dateline.db")));
    if !(database.starts_with("sqlite:") || database.starts_with("postgres")) {
        bail!("--database must be a postgres:// or sqlite:// URL, not {database:?}");
    }
    Ok((data, database))
}

fn load_file(store: &StoreArgs) -> anyhow::Result<FileConfig> {
    let (path, required) = match (&store.config, &store.data) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(d)) => (d.join("dateline.toml"), false),
        (None, None) => (PathBuf::from("data/dateline.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .with_context(|| format!("reading the configuration file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok(FileConfig::default())
        }
        Err(e) => {
            Err(e).with_context(|| format!("reading the configuration file {}", path.display()))
        }
    }
}

/// The search index's folder in a data folder.
pub fn search_dir(data: &Path) -> PathBuf {
    data.join("search")
}

/// A SQLite URL for a file path, creating the file if missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Log to standard error with `filter`, as text or as JSON lines.
///
/// JSON lines carry the event's own fields at the top level and no span fields: the request
/// spans (debug level) hold the raw URI, whose query may carry a reader's token.
pub fn init_logging(filter: Option<&str>, format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter.unwrap_or("info,sqlx=warn,tantivy=warn"))
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => fmt.init(),
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}

pub mod media_store;
pub mod newsletters;
pub mod smtp;

#[cfg(test)]
mod tests;

//! Application state shared by every handler: the store, the theme, the page cache, the clock,
//! the search index, and the site context (settings plus what is derived from them), reloaded
//! when the store's content generation moves.
//!
//! The site context also keeps what the search page shows beside its results (the author
//! filter's list, the latest stories when nothing matched), read from the store on first use
//! and then kept with the context, so a search reads no SQL until the content changes.

use crate::cache::PageCache;
use crate::clock::Clock;
use crate::media::store::MediaStore;
use crate::search::Search;
use crate::theme::Theme;
use dateline_core::page::PageRequest;
use dateline_core::person::Person;
use dateline_core::section::Section;
use dateline_core::site::SiteSettings;
use dateline_store::{ArticleSummary, Filter, Store, StoreError};
use jiff::tz::TimeZone;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// Per-node options for the web layer.
#[derive(Debug, Clone)]
pub struct Options {
    /// Bytes of rendered pages kept in memory.
    pub cache_bytes: u64,
    /// Largest photo file the media library accepts, in bytes.
    pub media_max_bytes: u64,
    /// Most pixels a photo may have, in megapixels (checked from its header before decoding).
    pub media_max_megapixels: u32,
    /// The formats photos are served in beside the upload's own (`media_formats`).
    pub media_formats: Vec<dateline_core::media::Extra>,
    /// How often the story editor's script pings "who else has this open"
    /// (`newsroom/stories/presence.rs`): [`crate::newsroom::PRESENCE_PING`].
    pub presence_ping: std::time::Duration,
    /// The search index's folder (`DATA/search`); None keeps it in memory.
    pub search_dir: Option<PathBuf>,
    /// Where to send mail to readers; None: the site says it cannot send mail.
    pub smtp: Option<crate::mail::SmtpSettings>,
    /// How often the search indexer catches up with writes it heard nothing of (another
    /// node's, on a shared PostgreSQL): [`crate::search::SWEEP_EVERY`].
    pub search_sweep_every: std::time::Duration,
    /// The live relay's per-node settings (timeouts, buffers, password checks).
    pub live: crate::live::LiveOptions,
    /// How often this node looks for playlist changes made elsewhere.
    pub playlist_check_every: std::time::Duration,
    /// This node's name in the job leases it holds; None: a random one
    /// ([`crate::jobs::random_node_name`]).
    pub node_name: Option<String>,
    /// How long a job claim holds unless renewed: [`crate::jobs::LEASE`].
    pub job_lease: std::time::Duration,
    /// How often the job runner looks for jobs it was not woken for: [`crate::jobs::POLL`].
    pub job_poll: std::time::Duration,
    /// Scheduled backups (`[backup]` in `dateline.toml`); None: none.
    pub backup: Option<crate::backups::Plan>,
    /// Rate limits and batch size of newsletter sending (`[newsletters]`).
    pub newsletters: crate::newsletters::NewsletterOptions,
    /// Write one log line per request (`--log-format json`).
    pub log_requests: bool,
    /// Count requests by route and status for `/metrics` (off only to measure what counting
    /// costs: `--no-request-metrics`).
    pub request_metrics: bool,
    /// Peers whose `X-Request-Id` is kept (the front proxy); others' requests get a new id.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            cache_bytes: 64 * 1024 * 1024,
            media_max_bytes: 25 * 1024 * 1024,
            media_max_megapixels: crate::media::images::DEFAULT_MAX_MEGAPIXELS,
            media_formats: dateline_core::media::Extra::ALL.to_vec(),
            presence_ping: crate::newsroom::PRESENCE_PING,
            search_dir: None,
            smtp: None,
            search_sweep_every: crate::search::SWEEP_EVERY,
            live: crate::live::LiveOptions::default(),
            playlist_check_every: crate::live::playlist::CHECK_EVERY,
            node_name: None,
            job_lease: crate::jobs::LEASE,
            job_poll: crate::jobs::POLL,
            backup: None,
            newsletters: crate::newsletters::NewsletterOptions::default(),
            log_requests: false,
            request_metrics: true,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Settings and what every page derives from them, swapped whole when they change.
#[derive(Debug)]
pub struct SiteContext {
    /// The store generation this was loaded at.
    pub generation: u64,
    pub settings: SiteSettings,
    pub tz: TimeZone,
    pub sections: Vec<Section>,
    /// The published static pages the footer lists, in the editors' order (a page's write
    /// announces a change, so the context is loaded again).
    pub footer: Vec<dateline_store::FooterLink>,
    /// The Content-Security-Policy, which names the live stream's origin when there is one.
    pub csp: String,
    /// The masthead logo, when the settings name a library photo that exists.
    pub logo: Option<dateline_core::media::Media>,
    /// The newsletters readers may subscribe to; empty when the site sends no mail.
    pub newsletters: Vec<dateline_store::Newsletter>,
    /// People with a published story, by name: see [`SiteContext::authors`].
    pub(crate) authors: tokio::sync::OnceCell<Vec<Person>>,
    /// The newest published stories: see [`SiteContext::latest`].
    pub(crate) latest: tokio::sync::OnceCell<Vec<ArticleSummary>>,
}

/// Stories [`SiteContext::latest`] keeps.
pub const LATEST: u32 = 5;

impl SiteContext {
    /// People who have at least one published story, by name (the search page's author
    /// filter): read from the store on the first call and kept with this context, which is
    /// replaced when the content changes.
    pub async fn authors(&self, store: &Store) -> Result<&[Person], StoreError> {
        let authors = self.authors.get_or_try_init(|| store.authors()).await?;
        Ok(authors)
    }

    /// The [`LATEST`] newest published stories (shown when a search finds nothing), kept like
    /// [`authors`](Self::authors).
    pub async fn latest(&self, store: &Store) -> Result<&[ArticleSummary], StoreError> {
        let latest = self
            .latest
            .get_or_try_init(|| async {
                Ok::<_, StoreError>(
                    store
                        .latest(Filter::All, PageRequest::first(LATEST))
                        .await?
                        .items,
                )
            })
            .await?;
        Ok(latest)
    }
}

/// The state every handler and middleware gets: one `Arc`, because axum clones it for every
/// request (once per `from_fn_with_state` layer) and a cache hit should cost a counter bump,
/// not a copy of every handle below.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub store: Store,
    pub theme: Arc<Theme>,
    pub cache: Arc<PageCache>,
    pub clock: Clock,
    /// Where photo files live: a local folder or an S3-compatible bucket.
    pub media: MediaStore,
    /// The live audio relay (mounts, sources, listeners).
    pub live: crate::live::Live,
    /// Plays each mount's playlist while no source is connected.
    pub playlists: crate::live::playlist::Playlists,
    /// Largest photo file the media library accepts, in bytes.
    pub media_max_bytes: u64,
    /// Most pixels a photo may have.
    pub media_max_pixels: u64,
    /// How often the story editor's script pings "who else has this open".
    pub presence_ping: std::time::Duration,
    /// Makes uploaded photos' variants off the request path.
    pub variants: crate::media::worker::VariantWorker,
    /// Runs this node's share of the durable jobs (variants, related lists, mail).
    pub jobs: crate::jobs::Jobs,
    /// The full-text index and its indexer.
    pub search: Search,
    /// Keeps each story's related list, off the request path.
    pub related: crate::related::RelatedLists,
    /// Publishes scheduled stories when their time comes.
    pub scheduler: crate::scheduler::Scheduler,
    /// What anonymous readers see of each discussion, dropped per article.
    pub discussion: Arc<crate::discussion::DiscussionCache>,
    /// Sends mail to readers off the request path; None without SMTP settings.
    pub mail: Option<crate::mail::Mailer>,
    /// Newsletters: confirmations and issues sent as jobs; None without SMTP settings.
    pub newsletters: Option<crate::newsletters::Newsletters>,
    /// Soft bounces that suppress an address (`[newsletters] soft_bounce_limit`): kept here
    /// since bounces are recorded even on a node that sends no mail.
    pub soft_bounce_limit: u32,
    /// Whether the node is shutting down (`/readyz` then answers 503).
    pub health: crate::health::Health,
    /// Hears the other nodes' writes (on PostgreSQL) and applies discussion changes.
    pub stream: Arc<crate::stream::Stream>,
    /// Scheduled backups, when configured.
    pub backups: Option<crate::backups::Backups>,
    /// Request counts and latencies, and the registry `/metrics` writes.
    pub metrics: Arc<crate::metrics::Metrics>,
    site: Arc<RwLock<Arc<SiteContext>>>,
}

impl AppState {
    pub async fn new(
        store: Store,
        theme: Theme,
        media: MediaStore,
        clock: Clock,
        options: Options,
    ) -> anyhow::Result<Self> {
        let site = load_site(&store, options.smtp.is_some()).await?;
        let metrics = Arc::new(crate::metrics::Metrics::new(
            options.log_requests,
            options.request_metrics,
            options.trusted_proxies.clone(),
        )?);
        store.observe_queries(metrics.store_observer());
        let live = crate::live::Live::load(&store, options.live.clone(), clock.now()).await?;
        let playlists = crate::live::playlist::Playlists::start(
            store.clone(),
            media.clone(),
            live.hub().clone(),
            clock.clone(),
            options.playlist_check_every,
        );
        let media_max_pixels = u64::from(options.media_max_megapixels) * 1_000_000;
        let queue = crate::jobs::JobQueue::new(store.clone(), clock.clone());
        let mut handlers = crate::jobs::Handlers::default();
        let variants = crate::media::worker::VariantWorker::new(
            queue.clone(),
            media.clone(),
            media_max_pixels,
            &options.media_formats,
            &mut handlers,
        );
        // Listen to the other nodes before the indexer's first step reads the database, so a
        // write committed between the two is heard rather than left to the next sweep; and the
        // first listen's gap then comes before that step instead of repeating it. Bounded: a
        // node whose database refuses the listening connection starts out of step.
        let discussion: Arc<crate::discussion::DiscussionCache> = Arc::default();
        let stream = Arc::new(crate::stream::Stream::start(&store, discussion.clone()));
        store.wait_in_step(std::time::Duration::from_secs(2)).await;
        let search = Search::start(
            &store,
            options.search_dir.clone(),
            &site.settings.language,
            options.search_sweep_every,
        )
        .await?;
        let scheduler = crate::scheduler::Scheduler::start(store.clone(), clock.clone()).await?;
        let related =
            crate::related::RelatedLists::start(queue.clone(), search.clone(), &mut handlers);
        let mail = options
            .smtp
            .as_ref()
            .map(|smtp| crate::mail::Mailer::start(smtp, queue.clone(), &mut handlers))
            .transpose()?;
        let backups = options
            .backup
            .clone()
            .map(|plan| crate::backups::Backups::start(queue.clone(), plan, &mut handlers));
        let newsletters = match &options.smtp {
            Some(smtp) => Some(
                crate::newsletters::Newsletters::start(
                    smtp,
                    options.newsletters.clone(),
                    queue.clone(),
                    &mut handlers,
                )
                .await?,
            ),
            None => None,
        };
        let jobs = crate::jobs::Jobs::start(
            queue,
            handlers,
            crate::jobs::RunnerOptions {
                node: options
                    .node_name
                    .clone()
                    .unwrap_or_else(crate::jobs::random_node_name),
                lease: options.job_lease,
                poll: options.job_poll,
            },
        );
        related.queue_sweep().await?;
        if let Some(b) = &backups {
            b.queue_first().await?;
        }
        Ok(Self(Arc::new(Shared {
            backups,
            stream,
            related,
            scheduler,
            variants,
            jobs,
            store,
            theme: Arc::new(theme),
            cache: Arc::new(PageCache::new(options.cache_bytes)),
            clock,
            media,
            live,
            playlists,
            media_max_bytes: options.media_max_bytes,
            media_max_pixels,
            presence_ping: options.presence_ping,
            search,
            discussion,
            mail,
            soft_bounce_limit: options.newsletters.soft_bounce_limit,
            newsletters,
            health: crate::health::Health::default(),
            metrics,
            site: Arc::new(RwLock::new(Arc::new(site))),
        })))
    }

    /// The current site context: one `Arc` clone, or a reload when content changed since it was
    /// loaded. The lock is never held across an await.
    pub async fn site(&self) -> anyhow::Result<Arc<SiteContext>> {
        let current = self.site.read().unwrap_or_else(|e| e.into_inner()).clone();
        // Out of step with the other nodes, a kept context may miss their changes: every
        // request reads it again until the change stream is back.
        if current.generation == self.store.generation() && self.store.in_step() {
            return Ok(current);
        }
        let fresh = Arc::new(load_site(&self.store, self.newsletters.is_some()).await?);
        *self.site.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        Ok(fresh)
    }
}

impl AppState {
    /// A story's discussion changed (`None`: every discussion): drop it from this node's
    /// discussion cache at once, and tell the other nodes. The write is done: a failure to
    /// tell them is logged, not answered (theirs then go with the next change there).
    pub async fn discussion_changed(&self, article: Option<dateline_core::ArticleId>) {
        match article {
            Some(id) => self.discussion.changed(id.0),
            None => self.discussion.clear(),
        }
        if let Err(e) = self.store.discussion_changed(article).await {
            tracing::warn!(error = %e, "telling the other nodes of a discussion change failed");
        }
    }
}

async fn load_site(store: &Store, mail: bool) -> anyhow::Result<SiteContext> {
    // Read the generation first: a change landing during the load leaves this context marked
    // old, so the next request loads again.
    let generation = store.generation();
    let settings = store.site_settings().await?;
    let tz = dateline_core::dateline::time_zone(&settings.time_zone).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "falling back to UTC");
        TimeZone::UTC
    });
    let sections = store.sections().await?;
    let footer = store.footer_links().await?;
    let csp = crate::http::content_security_policy(&settings);
    let logo = match settings.logo_media_id {
        Some(id) => store.media(id).await.ok(),
        None => None,
    };
    let newsletters = if mail {
        store.newsletters().await?
    } else {
        Vec::new()
    };
    Ok(SiteContext {
        newsletters,
        logo,
        generation,
        settings,
        tz,
        sections,
        footer,
        csp,
        authors: tokio::sync::OnceCell::new(),
        latest: tokio::sync::OnceCell::new(),
    })
}

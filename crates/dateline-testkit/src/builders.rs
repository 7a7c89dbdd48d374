//! Building stories for tests through the same path the newsroom and the demo use: the body is
//! rendered by the markup crate, saved by the store, and published with a path date in the
//! site's time zone.

use crate::TestApp;
use anyhow::Context;
use dateline_core::article::{Article, DiscussionMode, path_date};
use dateline_core::media::Media;
use dateline_core::person::Person;
use dateline_core::section::Section;
use dateline_core::slug::Slug;
use dateline_core::{ArticleId, SectionId};
use dateline_store::ArticleInput;
use jiff::Timestamp;

pub struct ArticleBuilder<'a> {
    app: &'a TestApp,
    headline: String,
    standfirst: String,
    slug: Option<String>,
    section: Option<SectionId>,
    authors: Vec<Person>,
    tags: Vec<String>,
    related: Vec<ArticleId>,
    body: String,
    lead: Option<Media>,
    at: Option<Timestamp>,
    seo_title: String,
}

impl<'a> ArticleBuilder<'a> {
    pub(crate) fn new(app: &'a TestApp, headline: &str) -> Self {
        Self {
            app,
            headline: headline.to_owned(),
            standfirst: format!("What happened: {headline}."),
            slug: None,
            section: None,
            authors: Vec::new(),
            tags: Vec::new(),
            related: Vec::new(),
            body: "First paragraph of the story.\n\nSecond paragraph.\n\nThird paragraph.\n"
                .to_owned(),
            lead: None,
            at: None,
            seo_title: String::new(),
        }
    }

    pub fn standfirst(mut self, s: &str) -> Self {
        self.standfirst = s.to_owned();
        self
    }
    pub fn slug(mut self, s: &str) -> Self {
        self.slug = Some(s.to_owned());
        self
    }
    pub fn section(mut self, s: &Section) -> Self {
        self.section = Some(s.id);
        self
    }
    pub fn author(mut self, p: &Person) -> Self {
        self.authors.push(p.clone());
        self
    }
    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        self
    }
    pub fn related(mut self, ids: &[ArticleId]) -> Self {
        self.related = ids.to_vec();
        self
    }
    pub fn body(mut self, b: &str) -> Self {
        self.body = b.to_owned();
        self
    }
    pub fn lead(mut self, m: &Media) -> Self {
        self.lead = Some(m.clone());
        self
    }
    /// Publication time (default: the clock's now).
    pub fn at(mut self, t: Timestamp) -> Self {
        self.at = Some(t);
        self
    }
    pub fn seo_title(mut self, t: &str) -> Self {
        self.seo_title = t.to_owned();
        self
    }

    async fn input(&self) -> anyhow::Result<ArticleInput> {
        let section = match self.section {
            Some(s) => s,
            None => match self.app.store.section_by_slug("world").await {
                Ok(s) => s.id,
                Err(_) => self.app.section("world", "World").await?.id,
            },
        };
        let mut tags = Vec::new();
        for t in &self.tags {
            tags.push(self.app.store.ensure_tag(t).await?.id);
        }
        let body = dateline_web::body::prepare(&self.body).map_err(|e| anyhow::anyhow!("{e}"))?;
        let slug = match &self.slug {
            Some(s) => Slug::parse(s)?,
            None => Slug::from_text(&self.headline)?,
        };
        Ok(ArticleInput {
            slug,
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            section_id: section,
            body_source: self.body.clone(),
            body_html: body.html,
            body_text: body.text,
            lead_media_id: self.lead.as_ref().map(|m| m.id),
            discussion_mode: DiscussionMode::Open,
            seo_title: self.seo_title.clone(),
            seo_description: String::new(),
            authors: self.authors.iter().map(|p| p.id).collect(),
            tags,
            related: self.related.clone(),
            links: body.links,
            media: body.media,
        })
    }

    /// Save as a draft.
    pub async fn draft(self) -> anyhow::Result<Article> {
        let input = self.input().await?;
        Ok(self
            .app
            .store
            .create_article(input, self.app.clock.now())
            .await?)
    }

    /// Save and publish.
    pub async fn publish(self) -> anyhow::Result<Article> {
        let at = self.at.unwrap_or_else(|| self.app.clock.now());
        let app = self.app;
        let draft = self.draft().await?;
        let tz = app.state.site().await?.tz.clone();
        app.store
            .publish_article(draft.id, at, path_date(at, &tz), at)
            .await
            .context("publishing")
    }
}

impl TestApp {
    /// Edit a story as an editor would: change its input, re-render the body, save. With
    /// `public_update` a published story shows an "Updated" time (the clock's now).
    pub async fn edit(
        &self,
        id: ArticleId,
        public_update: bool,
        change: impl FnOnce(&mut ArticleInput),
    ) -> anyhow::Result<Article> {
        let (article, mut input) = self.store.article_input(id).await?;
        change(&mut input);
        let body =
            dateline_web::body::prepare(&input.body_source).map_err(|e| anyhow::anyhow!("{e}"))?;
        input.body_html = body.html;
        input.body_text = body.text;
        input.links = body.links;
        input.media = body.media;
        Ok(self
            .store
            .update_article(id, article.version, input, self.clock.now(), public_update)
            .await?)
    }

    /// Canonical path of a published story.
    pub async fn path_of(&self, a: &Article) -> anyhow::Result<String> {
        let section = self.store.section(a.section_id).await?;
        a.canonical_path(section.slug.as_str())
            .context("the story has no public path")
    }
}

//! A theme folder overrides the built-in theme without recompiling.

use crate::*;
use dateline_testkit::TestBackend;

#[tokio::test]
async fn a_theme_folder_overrides_templates_and_assets() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("templates"))?;
    std::fs::create_dir_all(dir.path().join("assets"))?;
    std::fs::write(
        dir.path().join("templates/page.html"),
        "{% extends \"base.html\" %}{% block main %}<h1 class=\"custom\">Custom {{ heading }}</h1>{% endblock %}",
    )?;
    std::fs::write(
        dir.path().join("assets/site.css"),
        "body { color: rebeccapurple; }",
    )?;
    let app = TestApp::start_with_theme(TestBackend::Sqlite, Some(dir.path())).await?;
    let page = app.page("/community-standards/", 200).await?;
    assert_eq!(page.text("h1.custom"), "Custom Community standards");
    let css = page.attr("link[rel=stylesheet]", "href");
    assert_eq!(
        app.get(&css).await?.text().await?,
        "body { color: rebeccapurple; }"
    );
    // Templates it does not override still come from the default theme.
    app.page("/", 200).await?;
    Ok(())
}

#[tokio::test]
async fn a_theme_reorders_the_article_blocks_without_copying_them() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("templates"))?;
    // Related stories first, the tags above the body, no short URL: a dozen lines, none of
    // the blocks' own markup.
    std::fs::write(
        dir.path().join("templates/article.html"),
        r#"{% extends "base.html" %}{% block main %}
{% include "partials/article/related.html" %}
<article class="story">
  {% include "partials/article/section.html" %}
  {% include "partials/article/headline.html" %}
  {% include "partials/article/tags.html" %}
  {% include "partials/article/body.html" %}
</article>
{% endblock %}"#,
    )?;
    let app = TestApp::start_with_theme(TestBackend::Sqlite, Some(dir.path())).await?;
    let world = app.section("world", "World").await?;
    let first = app
        .article("Harbour reopens")
        .section(&world)
        .tags(&["Ports"])
        .body("Ships moved again at dawn.\n")
        .publish()
        .await?;
    let story = app
        .article("Pilots return to work")
        .section(&world)
        .tags(&["Ports"])
        .related(&[first.id])
        .body("The pilots' union ended its strike.\n")
        .publish()
        .await?;
    let path = app.path_of(&story).await?;
    let page = app.page(&path, 200).await?;
    assert_eq!(page.text("h1.story-headline"), "Pilots return to work");
    assert_eq!(page.text(".story-kicker a"), "World");
    assert!(page.all("details.short-url").is_empty());
    let at = |needle: &str| {
        page.source
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing from {path}"))
    };
    assert!(at("related-heading") < at("story-headline"));
    assert!(at("class=\"tags\"") < at("story-body"));
    assert!(page.text(".story-body").contains("ended its strike"));
    Ok(())
}

#[tokio::test]
async fn a_broken_theme_template_is_refused_at_start() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("templates"))?;
    std::fs::write(dir.path().join("templates/page.html"), "{% if %}")?;
    let err = match TestApp::start_with_theme(TestBackend::Sqlite, Some(dir.path())).await {
        Ok(_) => anyhow::bail!("a broken template must stop the start"),
        Err(e) => e,
    };
    assert!(format!("{err:#}").contains("page.html"), "{err:#}");
    Ok(())
}

#[tokio::test]
async fn a_server_error_shows_a_reference_and_no_internals() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("templates"))?;
    // Parses, but fails when rendered: the error must not reach the reader.
    std::fs::write(
        dir.path().join("templates/page.html"),
        "{% extends \"base.html\" %}{% block main %}{{ secret_internal_variable.field }}{% endblock %}",
    )?;
    let app = TestApp::start_with_theme(TestBackend::Sqlite, Some(dir.path())).await?;
    let page = app.page("/community-standards/", 500).await?;
    assert_eq!(page.text("h1"), "Something went wrong");
    let reference = page.text(".error-reference code");
    assert!(!reference.is_empty());
    assert!(!page.source.contains("secret_internal_variable"));
    assert!(!page.source.contains("page.html"));
    assert_eq!(
        app.get("/community-standards/").await?.headers()["cache-control"],
        "no-store"
    );
    // The rest of the site is unaffected.
    app.page("/", 200).await?;
    Ok(())
}

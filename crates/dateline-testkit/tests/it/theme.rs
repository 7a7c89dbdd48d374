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

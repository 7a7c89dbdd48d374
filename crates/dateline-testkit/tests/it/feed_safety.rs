//! Feeds against hostile text (issue 22): classic XSS vectors (`data/xss_vectors.txt`) in a
//! headline, standfirst, body, tag, person, section and the site's name, and C0 control
//! characters stored behind the input checks' back. Every RSS, Atom and sitemap answer must
//! parse in a real XML parser; every text a reader takes as HTML (RSS titles and descriptions,
//! Atom `type="html"`) must decode to text with no element in it, showing exactly what was
//! written; texts declared plain (Atom `type="text"`, JSON Feed `title` and `summary`) must be
//! exactly what was written; and the full-text bodies must hold no script, event handler or
//! `javascript:` address.

use crate::*;
use dateline_core::site::FeedContent;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

fn vectors() -> Vec<&'static str> {
    include_str!("data/xss_vectors.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("# "))
        .collect()
}

fn elements<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: Option<&str>,
    name: &str,
) -> Vec<roxmltree::Node<'a, 'i>> {
    node.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == ns)
        .collect()
}

fn text(node: roxmltree::Node<'_, '_>) -> String {
    node.text().unwrap_or("").to_owned()
}

/// A text a reader renders as HTML: no element may come out of it, and (when known) what it
/// shows is exactly `shows`.
fn inert(what: &str, html: &str, shows: Option<&str>) {
    let frag = scraper::Html::parse_fragment(html);
    let root = frag.root_element();
    let found: Vec<String> = root
        .descendants()
        .skip(1)
        .filter_map(|n| n.value().as_element().map(|e| e.name().to_owned()))
        .collect();
    assert!(
        found.is_empty(),
        "{what}: {html:?} makes elements {found:?}"
    );
    if let Some(shows) = shows {
        assert_eq!(root.text().collect::<String>(), shows, "{what}: {html:?}");
    }
}

/// A full-text body: HTML, but never active.
fn harmless(what: &str, html: &str) {
    let frag = scraper::Html::parse_fragment(html);
    for e in frag
        .root_element()
        .descendants()
        .filter_map(|n| n.value().as_element().map(|e| (n, e)))
    {
        let (_, e) = e;
        assert!(
            !matches!(
                e.name(),
                "script"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "base"
                    | "form"
                    | "meta"
                    | "link"
                    | "style"
                    | "svg"
                    | "math"
            ),
            "{what}: <{}> in {html:?}",
            e.name()
        );
        for (name, value) in e.attrs() {
            assert!(!name.starts_with("on"), "{what}: {name}= in {html:?}");
            let squeezed: String = value
                .chars()
                .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
                .collect::<String>()
                .to_ascii_lowercase();
            assert!(
                !(squeezed.starts_with("javascript:")
                    || squeezed.starts_with("vbscript:")
                    || squeezed.starts_with("data:")),
                "{what}: {name}={value:?} in {html:?}"
            );
            assert!(
                name != "srcdoc" && name != "style",
                "{what}: {name}= in {html:?}"
            );
        }
    }
}

/// What one story was written with.
struct Story {
    headline: String,
    standfirst: String,
    tag: String,
    person: String,
    section: String,
}

/// Check one RSS document: `stories` are the ones it must carry (by headline).
fn check_rss(what: &str, body: &str, site: &str, stories: &[&Story]) -> anyhow::Result<()> {
    let doc =
        roxmltree::Document::parse(body).map_err(|e| anyhow::anyhow!("{what} is not XML: {e}"))?;
    let channel = elements(doc.root_element(), None, "channel")[0];
    for n in channel
        .children()
        .filter(|n| n.is_element() && matches!(n.tag_name().name(), "title" | "description"))
    {
        inert(
            &format!("{what} channel {}", n.tag_name().name()),
            &text(n),
            None,
        );
        assert!(text(n).contains(&html_text(site)) || n.tag_name().name() == "description");
    }
    let items = elements(channel, None, "item");
    for s in stories {
        let item = items
            .iter()
            .find(|i| {
                let frag = scraper::Html::parse_fragment(&text(elements(**i, None, "title")[0]));
                frag.root_element().text().collect::<String>() == s.headline
            })
            .ok_or_else(|| anyhow::anyhow!("{what}: no item shows {:?}", s.headline))?;
        inert(
            &format!("{what} title"),
            &text(elements(*item, None, "title")[0]),
            Some(&s.headline),
        );
        inert(
            &format!("{what} description"),
            &text(elements(*item, None, "description")[0]),
            Some(&s.standfirst),
        );
        let categories: Vec<String> = elements(*item, None, "category")
            .into_iter()
            .map(text)
            .collect();
        assert!(
            categories.contains(&s.tag) && categories.contains(&s.section),
            "{what}"
        );
        let creators: Vec<String> = elements(*item, Some(DC_NS), "creator")
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(creators, vec![s.person.clone()], "{what}");
        for c in elements(*item, Some(CONTENT_NS), "encoded") {
            harmless(&format!("{what} content:encoded"), &text(c));
        }
    }
    Ok(())
}

fn check_atom(what: &str, body: &str, stories: &[&Story]) -> anyhow::Result<()> {
    let doc =
        roxmltree::Document::parse(body).map_err(|e| anyhow::anyhow!("{what} is not XML: {e}"))?;
    let root = doc.root_element();
    // Any text construct declared HTML must be inert; plain ones are shown as written.
    for name in ["title", "subtitle", "summary", "rights"] {
        for n in elements(root, Some(ATOM_NS), name) {
            match n.attribute("type").unwrap_or("text") {
                "text" => {}
                "html" => inert(&format!("{what} {name}"), &text(n), None),
                other => panic!("{what}: {name} of type {other}"),
            }
        }
    }
    for c in elements(root, Some(ATOM_NS), "content") {
        assert_eq!(c.attribute("type"), Some("html"), "{what}");
        harmless(&format!("{what} content"), &text(c));
    }
    let entries = elements(root, Some(ATOM_NS), "entry");
    for s in stories {
        let e = entries
            .iter()
            .find(|e| text(elements(**e, Some(ATOM_NS), "title")[0]) == s.headline)
            .ok_or_else(|| anyhow::anyhow!("{what}: no entry titled {:?}", s.headline))?;
        assert_eq!(
            text(elements(*e, Some(ATOM_NS), "summary")[0]),
            s.standfirst,
            "{what}"
        );
        let names: Vec<String> = elements(*e, Some(ATOM_NS), "name")
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(names, vec![s.person.clone()], "{what}");
        let labels: Vec<&str> = elements(*e, Some(ATOM_NS), "category")
            .into_iter()
            .filter_map(|c| c.attribute("label").or(c.attribute("term")))
            .collect();
        assert!(labels.contains(&s.tag.as_str()), "{what}: {labels:?}");
    }
    Ok(())
}

fn check_json(what: &str, body: &str, stories: &[&Story]) -> anyhow::Result<()> {
    let feed: serde_json::Value = serde_json::from_str(body)?;
    let items = feed["items"].as_array().cloned().unwrap_or_default();
    for i in &items {
        if let Some(html) = i["content_html"].as_str() {
            harmless(&format!("{what} content_html"), html);
        }
    }
    for s in stories {
        let i = items
            .iter()
            .find(|i| i["title"] == s.headline.as_str())
            .ok_or_else(|| anyhow::anyhow!("{what}: no item titled {:?}", s.headline))?;
        assert_eq!(i["summary"], s.standfirst.as_str(), "{what}");
        assert_eq!(i["authors"][0]["name"], s.person.as_str(), "{what}");
        let tags: Vec<&str> = i["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        assert!(tags.contains(&s.tag.as_str()), "{what}: {tags:?}");
    }
    Ok(())
}

/// `s` as HTML text, as the RSS writer puts it.
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

backend_test!(issue_22_feeds_carry_xss_vectors_as_inert_text, |app| {
    let site = "Herald <script>alert(1)</script> & <img src=x onerror=alert(1)>";
    app.configure(|s| {
        s.name = site.to_owned();
        s.tagline = "<svg onload=alert(1)>".to_owned();
        s.feed_content = FeedContent::Full;
    })
    .await?;
    let mut stories = Vec::new();
    for (i, v) in vectors().into_iter().enumerate() {
        let s = Story {
            headline: format!("{v} {i}"),
            standfirst: format!("Standfirst {v}"),
            tag: format!("{v} tag {i}"),
            person: format!("{v} person {i}"),
            section: format!("{v} section {i}"),
        };
        let section = app.section(&format!("s-{i}"), &s.section).await?;
        let person = app.person(&format!("p-{i}"), &s.person).await?;
        app.article(&s.headline)
            .slug(&format!("story-{i}"))
            .standfirst(&s.standfirst)
            .body(&format!(
                "{v}\n\n[a link](javascript:alert({i})) and *words*."
            ))
            .section(&section)
            .author(&person)
            .tags(&[&s.tag])
            .publish()
            .await?;
        let tag = app.store.tag_by_slug(&slug_of(&s.tag)?).await?;
        for (scope, path) in [
            ("section", format!("/s-{i}/")),
            ("tag", format!("/tags/{}/", tag.slug)),
            ("author", format!("/authors/p-{i}/")),
        ] {
            let what = format!("vector {i} ({v}), {scope}");
            let rss = app.get(&format!("{path}feed.xml")).await?.text().await?;
            check_rss(&format!("{what} RSS"), &rss, site, &[&s])?;
            let atom = app.get(&format!("{path}atom.xml")).await?.text().await?;
            check_atom(&format!("{what} Atom"), &atom, &[&s])?;
            let json = app.get(&format!("{path}feed.json")).await?.text().await?;
            check_json(&format!("{what} JSON Feed"), &json, &[&s])?;
        }
        stories.push(s);
    }
    // The site's feeds: the newest thirty stories.
    let newest: Vec<&Story> = stories.iter().rev().take(30).collect();
    check_rss(
        "site RSS",
        &app.get("/feed.xml").await?.text().await?,
        site,
        &newest,
    )?;
    check_atom(
        "site Atom",
        &app.get("/atom.xml").await?.text().await?,
        &newest,
    )?;
    check_json(
        "site JSON Feed",
        &app.get("/feed.json").await?.text().await?,
        &newest,
    )?;
    Ok(())
});

fn slug_of(name: &str) -> anyhow::Result<String> {
    Ok(dateline_core::slug::Slug::from_text(name)?
        .as_str()
        .to_owned())
}

backend_test!(
    issue_22_feeds_and_sitemaps_stay_xml_with_c0_controls,
    |app| {
        // PostgreSQL cannot store NUL in text at all; SQLite can, so it gets one too.
        let nul = if app.database_url.starts_with("sqlite") {
            "\u{0}"
        } else {
            ""
        };
        let controls = format!("\u{1}\u{8}\u{b}\u{c}\u{1b}\u{1f}{nul}");
        app.configure(|s| s.name = format!("Herald{controls}"))
            .await?;
        let section = app.section("world", &format!("World{controls}")).await?;
        let person = app
            .person("amira-haddad", &format!("Amira{controls} Haddad"))
            .await?;
        // Straight through the store, as if an older version (or another node) had let it in.
        app.article(&format!("Harbour{controls} reopens"))
            .slug("harbour-reopens")
            .standfirst(&format!("The{controls} harbour"))
            .section(&section)
            .author(&person)
            .tags(&[&format!("Tide{controls}s")])
            .publish()
            .await?;
        let tag = app
            .store
            .tag_by_slug(&slug_of(&format!("Tide{controls}s"))?)
            .await?;
        let mut paths = vec!["/sitemap.xml".to_owned(), "/news-sitemap.xml".to_owned()];
        for listing in [
            "/",
            "/world/",
            &format!("/tags/{}/", tag.slug),
            "/authors/amira-haddad/",
        ] {
            paths.push(format!("{listing}feed.xml"));
            paths.push(format!("{listing}atom.xml"));
        }
        let index = app.get("/sitemap.xml").await?.text().await?;
        let doc = roxmltree::Document::parse(&index)?;
        for loc in doc.descendants().filter(|n| n.tag_name().name() == "loc") {
            let url = text(loc);
            paths.push(
                url.strip_prefix(&app.base)
                    .unwrap_or(url.as_str())
                    .to_owned(),
            );
        }
        for path in paths {
            let res = app.get(&path).await?;
            assert_eq!(res.status(), 200, "{path}");
            let body = res.text().await?;
            let doc = roxmltree::Document::parse(&body)
                .map_err(|e| anyhow::anyhow!("{path} is not XML: {e}\n{body:?}"))?;
            assert!(
                !body
                    .chars()
                    .any(|c| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')),
                "{path}"
            );
            let all: String = doc.descendants().filter_map(|n| n.text()).collect();
            if path.ends_with("feed.xml") || path.ends_with("atom.xml") {
                assert!(all.contains("Harbour reopens"), "{path}: {all}");
            }
            if path == "/news-sitemap.xml" {
                assert!(
                    all.contains("Harbour reopens") && all.contains("Herald"),
                    "{path}"
                );
            }
        }
        Ok(())
    }
);

//! Moving in from WordPress (issue 16): `dateline import wordpress` over an export written here
//! in WordPress's own format (WXR 1.2 with the `wp:` namespaces, Gutenberg block comments,
//! `[caption]`, `[gallery]`, nested categories, comments, `_wp_old_slug`), run as `main` runs
//! it; then the site over HTTP: stories at their original dates, every old URL one 301 to a
//! page that answers 200 (a page's `?page_id=` and permalink included), a re-run that adds nothing, a dry run that writes nothing, and bad
//! files refused with a sentence naming the line.

use crate::*;
use anyhow::Context;
use dateline_core::article::Status;
use dateline_core::discussion::CommentStatus;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>The Old Gazette</title>
	<link>https://old.example</link>
	<description>News from the harbour</description>
	<language>en-GB</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://old.example</wp:base_site_url>
	<wp:base_blog_url>https://old.example</wp:base_blog_url>
	<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_email><![CDATA[Ann@Old.Example]]></wp:author_email><wp:author_display_name><![CDATA[Ann Lee]]></wp:author_display_name><wp:author_first_name><![CDATA[Ann]]></wp:author_first_name><wp:author_last_name><![CDATA[Lee]]></wp:author_last_name></wp:author>
	<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[news]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[News]]></wp:cat_name></wp:category>
	<wp:category><wp:term_id>4</wp:term_id><wp:category_nicename><![CDATA[harbour]]></wp:category_nicename><wp:category_parent><![CDATA[news]]></wp:category_parent><wp:cat_name><![CDATA[Harbour]]></wp:cat_name></wp:category>
	<wp:tag><wp:term_id>9</wp:term_id><wp:tag_slug><![CDATA[boats]]></wp:tag_slug><wp:tag_name><![CDATA[Boats]]></wp:tag_name></wp:tag>
	<generator>https://wordpress.org/?v=6.4.2</generator>
"#;

const ITEMS: &str = r#"
	<item>
		<title><![CDATA[Ferry returns to the harbour]]></title>
		<link>https://old.example/2019/03/11/ferry-returns/</link>
		<pubDate>Mon, 11 Mar 2019 09:30:00 +0000</pubDate>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<guid isPermaLink="false">https://old.example/?p=10</guid>
		<description></description>
		<content:encoded><![CDATA[<!-- wp:paragraph -->
<p>The ferry is <strong>back</strong> after <a href="https://example.org/report">the storm</a>.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2>What changed</h2>
<!-- /wp:heading -->

<!-- wp:list -->
<ul><li>New timetable</li><li>New pier</li></ul>
<!-- /wp:list -->

[caption id="attachment_20" align="alignnone" width="800"]<img src="https://old.example/wp-content/uploads/2019/03/ferry.jpg" alt="The ferry at the pier" width="800" height="600" /> The ferry at dawn © REUTERS / Ann Lee[/caption]

[gallery ids="20,21"]

<!-- wp:jetpack/map {"points":[]} -->
<div class="wp-block-jetpack-map">Map</div>
<!-- /wp:jetpack/map -->]]></content:encoded>
		<excerpt:encoded><![CDATA[After months away, the <em>Harbour Queen</em> sails again.]]></excerpt:encoded>
		<wp:post_id>10</wp:post_id>
		<wp:post_date><![CDATA[2019-03-11 09:30:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2019-03-11 09:30:00]]></wp:post_date_gmt>
		<wp:post_modified><![CDATA[2019-03-12 10:00:00]]></wp:post_modified>
		<wp:post_modified_gmt><![CDATA[2019-03-12 10:00:00]]></wp:post_modified_gmt>
		<wp:comment_status><![CDATA[open]]></wp:comment_status>
		<wp:post_name><![CDATA[ferry-returns]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<category domain="category" nicename="harbour"><![CDATA[Harbour]]></category>
		<category domain="post_tag" nicename="boats"><![CDATA[Boats]]></category>
		<wp:postmeta><wp:meta_key><![CDATA[_wp_old_slug]]></wp:meta_key><wp:meta_value><![CDATA[ferry-back]]></wp:meta_value></wp:postmeta>
		<wp:comment>
			<wp:comment_id>5</wp:comment_id>
			<wp:comment_author><![CDATA[Sam]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[sam@readers.example]]></wp:comment_author_email>
			<wp:comment_date_gmt><![CDATA[2019-03-11 12:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Great news &amp; about time.]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>6</wp:comment_id>
			<wp:comment_author><![CDATA[Ann Lee]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[]]></wp:comment_author_email>
			<wp:comment_date_gmt><![CDATA[2019-03-11 13:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Thanks, Sam!]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>5</wp:comment_parent>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>7</wp:comment_id>
			<wp:comment_author><![CDATA[Pat]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[pat@readers.example]]></wp:comment_author_email>
			<wp:comment_date_gmt><![CDATA[2019-03-11 14:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Waiting for a moderator.]]></wp:comment_content>
			<wp:comment_approved><![CDATA[0]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
		</wp:comment>
		<wp:comment>
			<wp:comment_id>8</wp:comment_id>
			<wp:comment_author><![CDATA[Spammer]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[spam@spam.example]]></wp:comment_author_email>
			<wp:comment_date_gmt><![CDATA[2019-03-11 15:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Cheap pills]]></wp:comment_content>
			<wp:comment_approved><![CDATA[spam]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
		</wp:comment>
	</item>
	<item>
		<title><![CDATA[The ferry, pictured]]></title>
		<link>https://old.example/2019/03/11/ferry-returns/ferry/</link>
		<wp:post_id>20</wp:post_id>
		<wp:post_date_gmt><![CDATA[2019-03-11 09:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[ferry]]></wp:post_name>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>10</wp:post_parent>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:attachment_url><![CDATA[https://old.example/wp-content/uploads/2019/03/ferry.jpg]]></wp:attachment_url>
	</item>
	<item>
		<title><![CDATA[Classic post from 2012]]></title>
		<link>https://old.example/2012/07/01/classic/</link>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<content:encoded><![CDATA[First paragraph with <em>emphasis</em>.

Second paragraph.
<blockquote>A quote.</blockquote>]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>11</wp:post_id>
		<wp:post_date_gmt><![CDATA[2012-07-01 08:00:00]]></wp:post_date_gmt>
		<wp:post_modified_gmt><![CDATA[2012-07-01 08:00:00]]></wp:post_modified_gmt>
		<wp:comment_status><![CDATA[closed]]></wp:comment_status>
		<wp:post_name><![CDATA[classic]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<category domain="category" nicename="news"><![CDATA[News]]></category>
	</item>
	<item>
		<title><![CDATA[Unfinished draft]]></title>
		<link>https://old.example/?p=12</link>
		<content:encoded><![CDATA[Not yet.]]></content:encoded>
		<wp:post_id>12</wp:post_id>
		<wp:post_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:post_date_gmt>
		<wp:post_date><![CDATA[2020-01-01 10:00:00]]></wp:post_date>
		<wp:post_name><![CDATA[]]></wp:post_name>
		<wp:status><![CDATA[draft]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
	</item>
	<item>
		<title><![CDATA[About the Gazette]]></title>
		<link>https://old.example/company/about/</link>
		<content:encoded><![CDATA[<!-- wp:paragraph -->
<p>The Gazette has covered the <em>harbour</em> since 1921.</p>
<!-- /wp:paragraph -->]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>30</wp:post_id>
		<wp:post_date_gmt><![CDATA[2015-05-01 12:00:00]]></wp:post_date_gmt>
		<wp:post_modified_gmt><![CDATA[2018-02-01 12:00:00]]></wp:post_modified_gmt>
		<wp:post_name><![CDATA[about]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>29</wp:post_parent>
		<wp:post_type><![CDATA[page]]></wp:post_type>
	</item>
	<item>
		<title><![CDATA[Binned]]></title>
		<wp:post_id>13</wp:post_id>
		<wp:status><![CDATA[trash]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
	</item>
"#;

const TAIL: &str = "</channel>\n</rss>\n";

fn wxr() -> String {
    format!("{HEAD}{ITEMS}{TAIL}")
}

/// `dateline import wordpress FILE --database … [--dry-run]` as `main` runs it: the report, or
/// the error `main` would print (exit 1).
async fn import(app: &TestApp, file: &std::path::Path, dry: bool) -> anyhow::Result<String> {
    use clap::Parser;
    use dateline::config::{Cli, Command as Cmd};
    let data = app.data_dir().to_str().context("utf-8 path")?.to_owned();
    let mut argv = vec![
        "dateline".to_owned(),
        "import".to_owned(),
        "wordpress".to_owned(),
        file.to_str().context("utf-8 path")?.to_owned(),
        "--data".to_owned(),
        data,
        "--database".to_owned(),
        app.database_url.clone(),
    ];
    if dry {
        argv.push("--dry-run".to_owned());
    }
    let cli = Cli::try_parse_from(argv)?;
    let Cmd::Import(dateline::import::ImportCommand::Wordpress(args)) = cli.command else {
        anyhow::bail!("not the import command");
    };
    let report = dateline::import::wordpress(&args).await?;
    Ok(report.render(dry))
}

async fn counts(app: &TestApp) -> anyhow::Result<(usize, usize)> {
    let ids = app.store.article_ids().await?;
    let mut comments = 0;
    for id in &ids {
        comments += app.store.comments_of(*id, None).await?.len();
    }
    Ok((ids.len(), comments))
}

backend_test!(
    issue_16_wordpress_import_keeps_stories_and_old_urls,
    |app| {
        let file = app.data_dir().join("export.xml");
        std::fs::write(&file, wxr())?;

        // A dry run reports everything and writes nothing.
        let report = import(&app, &file, true).await?;
        assert!(report.contains("would import 3 posts"), "{report}");
        assert!(report.contains("wp:jetpack/map"), "{report}");
        // The gallery's attachments: no files asked for, so listed as missing.
        assert!(
            report.contains("attachment 21 (its file was not imported)"),
            "{report}"
        );
        assert!(report.contains("skipped 1: posts in the trash"), "{report}");
        assert!(
            report
                .contains("static pages: would import 1 (1 new, 0 updated; 1 published, 0 drafts)"),
            "{report}"
        );
        assert!(
            report.contains("skipped 1: comments marked as spam"),
            "{report}"
        );
        assert_eq!(counts(&app).await?, (0, 0));
        assert!(app.store.section_by_slug("news").await.is_err());

        let report = import(&app, &file, false).await?;
        assert!(
            report.contains("imported 3 posts (3 new, 0 updated"),
            "{report}"
        );
        // The running site hears of the import's writes on PostgreSQL; on SQLite a restart is what
        // an operator would do.
        let app = app.restart(dateline_web::Options::default()).await?;

        let ferry = app.store.article_by_slug("ferry-returns").await?;
        assert_eq!(ferry.status, Status::Published);
        assert_eq!(
            ferry.published_at,
            Some("2019-03-11T09:30:00Z".parse().context("time")?)
        );
        assert_eq!(
            ferry.modified_at,
            "2019-03-12T10:00:00Z".parse::<Timestamp>()?
        );
        assert_eq!(
            ferry.standfirst,
            "After months away, the Harbour Queen sails again."
        );
        assert!(
            ferry
                .body_source
                .contains("The ferry is **back** after [the storm](https://example.org/report).")
        );
        assert!(ferry.body_source.contains("# What changed"));
        assert!(ferry.body_source.contains("- New timetable"));
        assert!(
            ferry
                .body_source
                .contains("caption: The ferry at dawn\nagency: REUTERS")
        );
        // The nested category's top is the section; the child is a tag beside the post's tags.
        let news = app.store.section_by_slug("news").await?;
        assert_eq!(ferry.section_id, news.id);
        let (_, input) = app.store.article_input(ferry.id).await?;
        let harbour = app.store.tag_by_slug("harbour").await?;
        let boats = app.store.tag_by_slug("boats").await?;
        assert_eq!(input.tags, vec![harbour.id, boats.id]);
        // The author is a person without a password, found by byline.
        let ann = app.store.person_by_slug("ann").await?;
        assert_eq!(input.authors, vec![ann.id]);
        let path = "/news/2019/03/11/ferry-returns/";
        let page = app.page(path, 200).await?;
        assert!(
            page.text("h1").contains("Ferry returns"),
            "{}",
            page.text("h1")
        );
        // Comments: the approved ones published, threaded; the pending one held; spam skipped.
        let comments = app.store.comments_of(ferry.id, None).await?;
        assert_eq!(comments.len(), 2, "{comments:?}");
        assert_eq!(comments[0].body, "Great news & about time.");
        assert_eq!(comments[1].parent_id, Some(comments[0].id));
        let queue = app.store.moderation_queue().await?;
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].comment.status, CommentStatus::Pending);
        // The classic post: paragraphs from blank lines; discussion closed as it was.
        let classic = app.store.article_by_slug("classic").await?;
        assert!(
            classic
                .body_source
                .starts_with("First paragraph with *emphasis*.\n\nSecond paragraph."),
            "{}",
            classic.body_source
        );
        // The page is a static page at its slug, with its words and dates.
        let about = app.store.page_by_slug("about").await?;
        assert_eq!(about.title, "About the Gazette");
        assert_eq!(
            about.body_source.trim(),
            "The Gazette has covered the *harbour* since 1921."
        );
        assert_eq!(
            about.updated_at,
            "2018-02-01T12:00:00Z".parse::<Timestamp>()?
        );
        let page = app.page("/about/", 200).await?;
        assert_eq!(page.text("h1"), "About the Gazette");
        // The draft stays a draft, never published by surprise.
        let draft = app.store.article_by_slug("unfinished-draft").await?;
        assert_eq!(draft.status, Status::Draft);

        // Every old URL: one 301 to a page that answers 200.
        let crawl = [
            ("/2019/03/11/ferry-returns/", path.to_owned()),
            ("/2019/03/11/ferry-returns", path.to_owned()),
            ("/?p=10", path.to_owned()),
            ("/2019/03/11/ferry-back/", path.to_owned()),
            ("/?attachment_id=20", path.to_owned()),
            ("/2019/03/11/ferry-returns/ferry/", path.to_owned()),
            (
                "/2012/07/01/classic/",
                "/news/2012/07/01/classic/".to_owned(),
            ),
            ("/category/news/", "/news/".to_owned()),
            ("/?cat=3", "/news/".to_owned()),
            ("/category/news/feed/", "/news/feed.xml".to_owned()),
            ("/category/news/harbour/", "/tags/harbour/".to_owned()),
            ("/tag/boats/", "/tags/boats/".to_owned()),
            ("/tag/boats/feed/", "/tags/boats/feed.xml".to_owned()),
            ("/?tag=boats", "/tags/boats/".to_owned()),
            ("/author/ann/", "/authors/ann/".to_owned()),
            ("/author/ann/feed/", "/authors/ann/feed.xml".to_owned()),
            ("/?author=2", "/authors/ann/".to_owned()),
            ("/feed/", "/feed.xml".to_owned()),
            // The page: its `?page_id=` and its (nested) permalink.
            ("/?page_id=30", "/about/".to_owned()),
            ("/company/about/", "/about/".to_owned()),
        ];
        for (old, new) in &crawl {
            let res = app.get(old).await?;
            assert_eq!(res.status(), 301, "{old}");
            assert_eq!(location(&res), *new, "{old}");
            let res = app.get(new).await?;
            assert_eq!(res.status(), 200, "{old} → {new}");
        }
        // The draft's old URL leads nowhere public.
        assert_eq!(
            app.get("/?p=12").await?.status(),
            200,
            "the front page, not the draft"
        );

        // The same import again: updated in place, nothing added.
        let before = counts(&app).await?;
        let report = import(&app, &file, false).await?;
        assert!(
            report.contains("imported 3 posts (0 new, 3 updated"),
            "{report}"
        );
        assert_eq!(counts(&app).await?, before);
        assert_eq!(app.store.moderation_queue().await?.len(), 1);
        assert!(
            report.contains("static pages: imported 1 (0 new, 1 updated"),
            "{report}"
        );
        assert_eq!(app.store.pages().await?.len(), 1);

        // `dateline redirects export` names each old URL with its new one.
        let csv = dateline::redirects::export(&app.store, dateline::redirects::Format::Csv).await?;
        assert!(csv.starts_with("from,to\n"), "{csv}");
        assert!(csv.contains(&format!("/?p=10,{path}\n")), "{csv}");
        let nginx =
            dateline::redirects::export(&app.store, dateline::redirects::Format::Nginx).await?;
        assert!(
            nginx.contains("    \"/category/news/\" \"/news/\";\n"),
            "{nginx}"
        );
        Ok(())
    }
);

backend_test!(issue_16_bad_exports_are_refused_whole, |app| {
    let cases = [
        (
            "not-wxr.xml",
            "<?xml version=\"1.0\"?>\n<feed><title>x</title></feed>\n".to_owned(),
            "not a WordPress export",
        ),
        (
            "old.xml",
            wxr().replace(
                "<wp:wxr_version>1.2</wp:wxr_version>",
                "<wp:wxr_version>0.9</wp:wxr_version>",
            ),
            "WXR version 0.9 is not supported",
        ),
        (
            "cut.xml",
            wxr()[..wxr()
                .find("<title><![CDATA[Classic")
                .context("the classic post")?]
                .to_owned(),
            "truncated",
        ),
        (
            "broken.xml",
            wxr().replace("</wp:post_type>", "</wp:post_typ>"),
            "line",
        ),
    ];
    for (name, text, why) in cases {
        let file = app.data_dir().join(name);
        std::fs::write(&file, text)?;
        for dry in [true, false] {
            let err = match import(&app, &file, dry).await {
                Ok(r) => anyhow::bail!("{name} was imported: {r}"),
                Err(e) => format!("{e:#}"),
            };
            assert!(err.contains(why), "{name}: {err}");
            assert!(err.contains("line "), "{name}: {err}");
            assert_eq!(counts(&app).await?, (0, 0), "{name}");
        }
    }
    Ok(())
});

backend_test!(
    issue_16_an_imported_commenter_claims_their_reader_by_email,
    with_mail,
    |app| {
        let file = app.data_dir().join("export.xml");
        std::fs::write(&file, wxr())?;
        import(&app, &file, false).await?;

        // Imported without a password: no password lets them in.
        let res = app
            .browser()
            .sign_in_reader("sam@readers.example", dateline_testkit::TEST_PASSWORD)
            .await?;
        assert_eq!(res.status(), 401);

        // The forgotten-password mail to the comments' address claims the reader.
        let b = app.browser();
        let form = b.page("/readers/forgot", 200).await?;
        let token = form.attr("input[name=form_token]", "value");
        let res = b
            .post(
                "/readers/forgot",
                &[("email", "Sam@Readers.example"), ("form_token", &token)],
            )
            .await?;
        assert_eq!(res.status(), 200);
        let mails = app.mail_to("sam@readers.example", 1).await?;
        let prefix = format!("{}/readers/reset?token=", app.base);
        let link = mails
            .first()
            .and_then(|m| m.link(&prefix))
            .context("a reset link")?;
        let link = link
            .strip_prefix(&app.base)
            .context("a link to the site")?
            .to_owned();
        let reset = link
            .rsplit_once('=')
            .map(|(_, t)| t.to_owned())
            .unwrap_or_default();
        let d = app.browser();
        let form = d.page(&link, 200).await?;
        let form_token = form.attr("input[name=form_token]", "value");
        let res = d
            .post(
                "/readers/reset",
                &[
                    ("token", reset.as_str()),
                    ("password", "a brand new password"),
                    ("form_token", &form_token),
                ],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let res = app
            .browser()
            .sign_in_reader("sam@readers.example", "a brand new password")
            .await?;
        assert_eq!(res.status(), 303);
        Ok(())
    }
);

//! `dateline import wordpress` stopped the hard way (issue 16): the binary killed with SIGKILL
//! in the middle of an export leaves only whole stories (a batch is one transaction), and the
//! same command run again finishes the rest, updating what was there and adding no duplicate.

use crate::{dateline, ok, store};
use anyhow::Context;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// A WordPress export (WXR 1.2) of `n` posts, each with three comments (the third a reply to
/// the first) from a pool of 97 readers and two old URLs (its permalink and `/?p=ID`), in the
/// shape `scripts/gen-wxr` writes for the benchmark.
fn export(n: usize) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench</title><link>https://bench.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>
<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename><![CDATA[news]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[News]]></wp:cat_name></wp:category>
"#,
    );
    for i in 1..=n {
        let day = 1 + i % 28;
        s += &format!(
            r#"<item><title><![CDATA[Story {i}]]></title>
<link>https://bench.example/2020/01/{day:02}/story-{i}/</link>
<content:encoded><![CDATA[<p>The text of story {i}.</p>]]></content:encoded>
<wp:post_id>{i}</wp:post_id><wp:post_date_gmt><![CDATA[2020-01-{day:02} 09:00:00]]></wp:post_date_gmt>
<wp:post_name><![CDATA[story-{i}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status>
<wp:post_type><![CDATA[post]]></wp:post_type>
<category domain="category" nicename="news"><![CDATA[News]]></category>
"#
        );
        for c in 0..3 {
            let id = i * 3 + c;
            let parent = if c == 2 { i * 3 } else { 0 };
            let r = id % 97;
            s += &format!(
                "<wp:comment><wp:comment_id>{id}</wp:comment_id>\
                 <wp:comment_author><![CDATA[Reader {r}]]></wp:comment_author>\
                 <wp:comment_author_email><![CDATA[reader{r}@bench.example]]></wp:comment_author_email>\
                 <wp:comment_date_gmt><![CDATA[2020-01-{day:02} 12:00:00]]></wp:comment_date_gmt>\
                 <wp:comment_content><![CDATA[Comment {id}.]]></wp:comment_content>\
                 <wp:comment_approved><![CDATA[1]]></wp:comment_approved>\
                 <wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
            );
        }
        s += "</item>\n";
    }
    s += "</channel>\n</rss>\n";
    s
}

/// Every story holds its three comments (the reply under its parent) and its two old URLs.
async fn whole_stories(d: &std::path::Path) -> anyhow::Result<usize> {
    let s = store(d).await?;
    let ids = s.article_ids().await?;
    for id in &ids {
        let comments = s.comments_of(*id, None).await?;
        assert_eq!(comments.len(), 3, "story {id}: {comments:?}");
        let replies = comments.iter().filter(|c| c.parent_id.is_some()).count();
        assert_eq!(replies, 1, "story {id}: {comments:?}");
    }
    let old = s.old_urls().await?;
    assert_eq!(
        old.iter().filter(|o| o.kind == "article").count(),
        2 * ids.len()
    );
    s.close().await;
    Ok(ids.len())
}

#[tokio::test]
async fn issue_16_an_import_killed_mid_way_is_finished_by_the_next_run() -> anyhow::Result<()> {
    const POSTS: usize = 1500;
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let file = d.join("export.xml");
    std::fs::write(&file, export(POSTS))?;
    let path = file.to_str().context("utf-8 path")?;

    let mut child = Command::new(env!("CARGO_BIN_EXE_dateline"))
        .args(["import", "wordpress", path, "--data"])
        .arg(d)
        .env("DATELINE_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    // Killed as soon as the progress line says a thousand posts were handled: at most one
    // batch of them is not written yet, and 500 are still to come.
    let stderr = child.stderr.take().context("the import's stderr")?;
    let mut said = String::new();
    let mut reached = false;
    for line in BufReader::new(stderr).lines() {
        let line = line?;
        said += &line;
        said.push('\n');
        if line.contains(&format!("1000/{POSTS} posts")) {
            reached = true;
            break;
        }
    }
    child.kill()?;
    let status = child.wait()?;
    anyhow::ensure!(
        reached,
        "the import ended without progress ({status}): {said}"
    );
    anyhow::ensure!(
        !status.success(),
        "the import finished before it was killed"
    );

    let written = whole_stories(d).await?;
    assert!((900..POSTS).contains(&written), "{written} stories written");

    let out = ok(&dateline(d, &["import", "wordpress", path], "")?)?;
    assert!(
        out.contains(&format!(
            "imported {POSTS} posts ({} new, {written} updated",
            POSTS - written
        )),
        "{out}"
    );
    assert_eq!(whole_stories(d).await?, POSTS);
    Ok(())
}

//! HTTP behaviour: compression, validators and 304s, cache invalidation across every page that
//! shows a headline, security headers, HEAD, media and asset files.

use crate::*;
use anyhow::Context;
use std::io::Read;

backend_test!(pages_are_compressed_with_gzip_and_brotli, |app| {
    let a = app.article("Compressed story").publish().await?;
    let path = app.path_of(&a).await?;
    let plain = app.get(&path).await?;
    assert!(plain.headers().get("content-encoding").is_none());
    let identity = plain.bytes().await?;
    for (accept, expected) in [("gzip", "gzip"), ("br", "br"), ("gzip, deflate, br", "br")] {
        let res = app
            .client
            .get(app.url(&path))
            .header("accept-encoding", accept)
            .send()
            .await?;
        assert_eq!(res.headers()["content-encoding"], expected);
        assert_eq!(res.headers()["vary"], "accept-encoding");
        let body = res.bytes().await?;
        assert!(
            body.len() < identity.len() / 2,
            "{accept}: {} vs {}",
            body.len(),
            identity.len()
        );
        let mut out = Vec::new();
        if expected == "gzip" {
            flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out)?;
        } else {
            brotli::Decompressor::new(&body[..], 4096).read_to_end(&mut out)?;
        }
        assert_eq!(out, identity, "{accept}");
    }
    Ok(())
});

backend_test!(
    a_first_answer_is_kept_quick_and_a_page_read_again_is_compressed_better,
    |app| {
        let a = app
            .article("Compressed on its first view")
            .publish()
            .await?;
        let path = app.path_of(&a).await?;
        let get = |accept: &'static str| {
            app.client
                .get(app.url(&path))
                .header("accept-encoding", accept)
                .send()
        };
        let decode = |encoding: &str, body: &[u8]| -> anyhow::Result<Vec<u8>> {
            let mut out = Vec::new();
            match encoding {
                "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut out)?,
                "br" => brotli::Decompressor::new(body, 4096).read_to_end(&mut out)?,
                other => anyhow::bail!("unexpected encoding {other}"),
            };
            Ok(out)
        };
        let browser = "gzip, deflate, br";
        // The miss: rendered, kept, and answered with quick gzip, even to a brotli client.
        let first = get(browser).await?;
        assert_eq!(first.headers()["content-encoding"], "gzip");
        let gz_etag = first.headers()["etag"].clone();
        let quick = first.bytes().await?;
        // The next reader gets the kept quick form at once, byte for byte; being read again,
        // the page is then made in the best form that reader takes (brotli) in the background,
        // and later hits get that: another encoding, the same page.
        let hit = get(browser).await?;
        assert_eq!(hit.headers()["etag"], gz_etag);
        assert_eq!(hit.bytes().await?, quick);
        let mut brotli = None;
        for _ in 0..100 {
            let hit = get(browser).await?;
            if hit.headers()["content-encoding"] == "br" {
                assert_ne!(hit.headers()["etag"], gz_etag);
                brotli = Some(hit.bytes().await?);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let brotli = brotli.context("the brotli form was never made")?;
        // A gzip-only reader gets the quick gzip, then gzip at the better level.
        let mut better = quick.clone();
        for _ in 0..100 {
            let hit = get("gzip").await?;
            assert_eq!(hit.headers()["etag"], gz_etag);
            better = hit.bytes().await?;
            if better != quick {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_ne!(better, quick, "the better gzip form was never made");
        let identity = app.get(&path).await?.bytes().await?;
        assert_eq!(decode("gzip", &quick)?, identity);
        assert_eq!(decode("br", &brotli)?, identity);
        assert_eq!(decode("gzip", &better)?, identity);
        // A client that takes brotli only is never sent gzip, on a miss or a hit.
        let b = app
            .article("Read by a brotli-only client")
            .publish()
            .await?;
        let b_path = app.path_of(&b).await?;
        for _ in 0..2 {
            let res = app
                .client
                .get(app.url(&b_path))
                .header("accept-encoding", "br")
                .send()
                .await?;
            assert_eq!(res.headers()["content-encoding"], "br");
            let body = res.bytes().await?;
            assert_eq!(decode("br", &body)?, app.get(&b_path).await?.bytes().await?);
        }
        let res = get("br").await?;
        assert_eq!(res.headers()["content-encoding"], "br");
        Ok(())
    }
);

backend_test!(etags_and_last_modified_answer_304, |app| {
    let a = app.article("Validated story").publish().await?;
    let path = app.path_of(&a).await?;
    let first = app.get(&path).await?;
    let etag = first.headers()["etag"].to_str()?.to_owned();
    let last_modified = first.headers()["last-modified"].to_str()?.to_owned();
    assert_eq!(first.headers()["cache-control"], "public, max-age=60");
    let res = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &etag)
        .send()
        .await?;
    assert_eq!(res.status(), 304);
    assert!(res.bytes().await?.is_empty());
    let res = app
        .client
        .get(app.url(&path))
        .header("if-modified-since", &last_modified)
        .send()
        .await?;
    assert_eq!(res.status(), 304);
    // A change gives a new validator and a full answer.
    app.edit(a.id, true, |i| {
        i.headline = "Validated story, revised".into()
    })
    .await?;
    let res = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &etag)
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers()["etag"].to_str()?, etag);
    Ok(())
});

backend_test!(
    a_changed_headline_shows_on_every_page_that_shows_it,
    |app| {
        let world = app.section("world", "World").await?;
        let amira = app.person("amira-haddad", "Amira Haddad").await?;
        let a = app
            .article("Old headline here")
            .standfirst("A summary.")
            .section(&world)
            .author(&amira)
            .tags(&["Gulf"])
            .publish()
            .await?;
        let other = app
            .article("A neighbour")
            .section(&world)
            .tags(&["Gulf"])
            .body(&format!("Text.\n\nREAD MORE: #{}\n", a.id))
            .publish()
            .await?;
        let other_path = app.path_of(&other).await?;
        let pages = [
            "/",
            "/world/",
            "/tags/gulf/",
            "/authors/amira-haddad/",
            other_path.as_str(),
        ];
        for p in pages {
            assert!(
                app.page(p, 200).await?.source.contains("Old headline here"),
                "{p}"
            );
        }
        app.edit(a.id, true, |i| i.headline = "New headline there".into())
            .await?;
        for p in pages {
            let page = app.page(p, 200).await?;
            assert!(page.source.contains("New headline there"), "{p}");
            assert!(!page.source.contains("Old headline here"), "{p}");
        }
        let (entries, bytes) = app.state.cache.usage();
        assert!(entries >= 1 && bytes > 0);
        Ok(())
    }
);

backend_test!(security_headers_on_every_answer, |app| {
    let a = app.article("Secure story").publish().await?;
    for p in [
        "/".to_owned(),
        app.path_of(&a).await?,
        "/nope/".to_owned(),
        "/api/v1/articles".to_owned(),
    ] {
        let res = app.get(&p).await?;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str()?;
        assert!(
            csp.contains("script-src 'self'") && csp.contains("object-src 'none'"),
            "{p}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{p}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{p}");
        assert_eq!(
            h["referrer-policy"], "strict-origin-when-cross-origin",
            "{p}"
        );
    }
    Ok(())
});

backend_test!(
    a_cache_hit_answers_with_the_same_headers_as_the_miss,
    |app| {
        let a = app.article("Cached story").publish().await?;
        let path = app.path_of(&a).await?;
        let miss = app.get(&path).await?;
        assert_eq!(miss.status(), 200);
        let miss_headers = miss.headers().clone();
        let miss_body = miss.bytes().await?;
        let hit = app.get(&path).await?;
        assert_eq!(hit.status(), 200);
        let hit_headers = hit.headers().clone();
        assert_eq!(hit.bytes().await?, miss_body);
        // Every header but the date and the request's own id is the same, security headers
        // and ETag included.
        for (name, value) in &miss_headers {
            if name != "date" && name != "x-request-id" {
                assert_eq!(hit_headers.get(name), Some(value), "{name}");
            }
        }
        assert_ne!(
            hit_headers.get("x-request-id"),
            miss_headers.get("x-request-id"),
            "each answer names its own request"
        );
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
            "permissions-policy",
            "etag",
            "last-modified",
            "vary",
        ] {
            assert!(hit_headers.contains_key(name), "{name}");
        }
        // A conditional request on the hit path answers 304 with the validators.
        let etag = hit_headers["etag"].to_str()?.to_owned();
        let res = app
            .client
            .get(app.url(&path))
            .header("if-none-match", &etag)
            .send()
            .await?;
        assert_eq!(res.status(), 304);
        assert_eq!(res.headers()["etag"], etag.as_str());
        // A settings change (a new live stream origin in the CSP) is never answered from the cache.
        let mut settings = app.store.site_settings().await?;
        settings.live_stream_url = "https://radio.example/stream".into();
        app.store.save_site_settings(&settings).await?;
        let res = app.get(&path).await?;
        assert!(
            res.headers()["content-security-policy"]
                .to_str()?
                .contains("https://radio.example"),
            "the policy follows the settings"
        );
        Ok(())
    }
);

backend_test!(head_requests_and_assets_and_media, |app| {
    let res = app.client.head(app.url("/")).send().await?;
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await?.is_empty());
    let front = app.page("/", 200).await?;
    let css = front.attr("link[rel=stylesheet]", "href");
    assert!(css.starts_with("/assets/") && css.ends_with("/site.css"));
    let res = app.get(&css).await?;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    app.page("/assets/abc/nothing.css", 404).await?;

    tokio::fs::write(
        app.data_dir().join("media/c0ffee-320.jpg"),
        b"\xff\xd8\xff fake jpeg",
    )
    .await?;
    let res = app.get("/media/c0ffee-320.jpg").await?;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    for bad in [
        "/media/c0ffee-999.jpg",
        "/media/..%2Ftest.db",
        "/media/zz-320.jpg",
        "/media/c0ffee-320.exe",
    ] {
        assert_eq!(app.get(bad).await?.status(), 404, "{bad}");
    }
    Ok(())
});

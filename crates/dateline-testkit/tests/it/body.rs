//! The body on the reader's page: READ MORE blocks that follow their target, photos with
//! caption and credit, asterisk footnotes, and editors' raw HTML never trusted.

use crate::*;

backend_test!(
    read_more_shows_the_targets_current_headline_and_disappears_when_withdrawn,
    |app| {
        let target = app
            .article("Tanker struck in Velmora Strait")
            .publish()
            .await?;
        let target_path = app.path_of(&target).await?;
        let by_id = app
            .article("Insurers raise premiums")
            .body(&format!(
                "First paragraph.\n\nREAD MORE: #{}\n\nLast paragraph.\n",
                target.id
            ))
            .publish()
            .await?;
        let by_url = app
            .article("Convoys resume")
            .body(&format!("Para.\n\nREAD MORE: {}\n", app.url(&target_path)))
            .publish()
            .await?;
        let by_short = app
            .article("Ceasefire holds")
            .body(&format!(
                "Para.\n\nREAD MORE: {}\n",
                app.url(&format!("/s/{}", target.short_code))
            ))
            .publish()
            .await?;
        for a in [&by_id, &by_url, &by_short] {
            let page = app.page(&app.path_of(a).await?, 200).await?;
            assert_eq!(
                page.text("aside.read-more a"),
                "READ MORE: Tanker struck in Velmora Strait",
                "{}",
                a.headline
            );
            assert_eq!(page.attr("aside.read-more a", "href"), target_path);
        }
        // The pages were cached above; a new headline shows everywhere at once.
        app.edit(target.id, true, |i| {
            i.headline = "Tanker hit by drone in Velmora Strait".into()
        })
        .await?;
        for a in [&by_id, &by_url, &by_short] {
            let page = app.page(&app.path_of(a).await?, 200).await?;
            assert_eq!(
                page.text("aside.read-more a"),
                "READ MORE: Tanker hit by drone in Velmora Strait"
            );
        }
        app.store
            .withdraw_article(target.id, "Legal reasons.", app.clock.now())
            .await?;
        for a in [&by_id, &by_url, &by_short] {
            let page = app.page(&app.path_of(a).await?, 200).await?;
            assert!(!page.has("aside.read-more"), "{}", a.headline);
            assert_eq!(
                page.all(".story-body p").len(),
                if a.id == by_id.id { 2 } else { 1 }
            );
        }
        // A reference to a story that never existed shows nothing either.
        let missing = app
            .article("Dangling")
            .body("Para.\n\nREAD MORE: #99999\n")
            .publish()
            .await?;
        let page = app.page(&app.path_of(&missing).await?, 200).await?;
        assert!(!page.has("aside.read-more"));
        Ok(())
    }
);

backend_test!(photos_render_as_figures_with_caption_and_credit, |app| {
    let photo = app
        .photo(
            "feed01",
            "Crown prince greets envoy",
            "The envoy arrives in Riyadh.",
            Credit::new("Reuters", "Bandar Algaloud", "Saudi Royal Court"),
        )
        .await?;
    let body = format!(
        "Intro.\n\n::: photo {}\n:::\n\nMiddle.\n\n::: photo {}\ncaption: An override caption.\nalt: Override alt\n:::\n\n\
         ::: photo https://images.example.org/x.jpg\nalt: A file photo\ncaption: From elsewhere\nagency: AFP\nsize: 1200x800\n:::\n",
        photo.id, photo.id
    );
    let a = app.article("Envoy visits").body(&body).publish().await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    let figures = page.all(".story-body figure.photo");
    assert_eq!(figures.len(), 3);
    let img = page.one(".story-body figure.photo img");
    assert_eq!(img.value().attr("alt"), Some("Crown prince greets envoy"));
    assert_eq!(img.value().attr("width"), Some("1024"));
    assert_eq!(img.value().attr("height"), Some("576"));
    assert!(
        img.value()
            .attr("srcset")
            .unwrap_or_default()
            .contains("/media/feed01-320.jpg 320w")
    );
    let captions = page.texts(".story-body figcaption .caption");
    assert_eq!(
        captions,
        [
            "The envoy arrives in Riyadh.",
            "An override caption.",
            "From elsewhere"
        ]
    );
    let credits = page.texts(".story-body figcaption .credit");
    assert_eq!(
        credits,
        [
            "© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court",
            "© REUTERS / Bandar Algaloud / Courtesy of Saudi Royal Court",
            "© AFP"
        ]
    );
    assert_eq!(
        page.attrs(".story-body figure.photo img", "alt")[1],
        "Override alt"
    );
    assert_eq!(
        page.attrs(".story-body figure.photo img", "src")[2],
        "https://images.example.org/x.jpg"
    );
    assert_eq!(
        page.attrs(".story-body figure.photo img", "height")[2],
        "800"
    );
    Ok(())
});

backend_test!(footnotes_are_asterisks_linked_both_ways, |app| {
    let a = app
        .article("Group claims attack")
        .body(
            "Daesh[^daesh] claimed the attack. Figures[^figures] vary.\n\n\
             [^daesh]: Daesh (IS) is a terrorist group banned in many countries\n\
             [^figures]: Figures are provisional.\n",
        )
        .publish()
        .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(page.texts("sup.fn-ref a"), ["*", "**"]);
    let href = page.attr("sup.fn-ref a", "href");
    let note_id = href.trim_start_matches('#');
    let note = page.one(&format!("p.footnote#{note_id}"));
    let note_text: String = note.text().collect();
    assert!(
        note_text.starts_with("*Daesh (IS) is a terrorist group banned in many countries"),
        "{note_text}"
    );
    let back = note
        .select(&scraper::Selector::parse("a.fn-back").expect("selector"))
        .next()
        .expect("back link");
    let back_target = back
        .value()
        .attr("href")
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_owned();
    assert!(page.has(&format!("sup.fn-ref a#{back_target}")));
    assert_eq!(
        page.attr(".footnotes", "aria-labelledby"),
        "footnotes-label"
    );
    Ok(())
});

backend_test!(raw_html_from_editors_is_shown_as_text, |app| {
    let a = app
        .article("Hostile body")
        .body(
            "<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> and \
             [a link](javascript:alert(1)) and <b>bold</b>.\n",
        )
        .publish()
        .await?;
    let page = app.page(&app.path_of(&a).await?, 200).await?;
    assert_eq!(page.all("script").len(), 2, "only the site's own scripts");
    assert!(!page.has(".story-body img"));
    assert!(!page.has(".story-body b"));
    assert!(
        page.text(".story-body")
            .contains("<script>alert(1)</script>")
    );
    for href in page.attrs(".story-body a", "href") {
        assert!(!href.to_ascii_lowercase().contains("javascript"), "{href}");
    }
    Ok(())
});

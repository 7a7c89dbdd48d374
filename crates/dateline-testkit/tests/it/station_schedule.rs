//! The Station page's schedule editor and playlist deletion (issue 23): programmes added,
//! edited and deleted through the newsroom's forms, with the same refusals as `dateline
//! schedule` (mistakes, overlaps), and a named playlist deleted unless a programme airs from
//! it or a mount plays it. Every test runs on both backends, so the store's overlap and
//! in-use checks run on SQLite and PostgreSQL alike.

use crate::backend_test;
use crate::live::{PASSWORD, mount};
use dateline_core::live::{AudioFormat, PlaylistName};
use dateline_core::permissions::Role;
use dateline_core::schedule::{Days, parse_time};
use dateline_store::{NewProgramme, StoreError};
use dateline_testkit::Page;

/// The add form's fields for a programme, every day checkbox named in `days`.
fn programme<'a>(
    title: &'a str,
    days: &[&'a str],
    starts: &'a str,
    ends: &'a str,
    playlist: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("title", title),
        ("starts", starts),
        ("ends", ends),
        ("playlist", playlist),
        ("presenter", ""),
        ("description", ""),
    ];
    form.extend(days.iter().map(|d| (*d, "on")));
    form
}

const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

backend_test!(
    issue_23_the_station_page_adds_edits_and_deletes_programmes,
    |app| {
        let b = app.login_as(Role::Editor).await?;
        let page = b.page("/newsroom/station", 200).await?;
        assert!(
            page.has("#programmes form[action='/newsroom/station/programmes'] input[name=csrf]")
        );
        assert!(page.has("#programme-day-mon[type=checkbox]"));
        assert!(
            page.text("#programme-starts-hint")
                .contains("Europe/London")
        );

        let res = b
            .submit(
                "/newsroom/station/programmes",
                &programme("The Breakfast Show", &WEEKDAYS, "07:00", "10:00", ""),
            )
            .await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        let stored = app.store.programmes().await?;
        assert_eq!(stored.len(), 1);
        let breakfast = stored[0].id;
        assert_eq!(
            crate::location(&res),
            format!("/newsroom/station?done=programme-added#programme-{breakfast}")
        );
        assert_eq!(stored[0].days.to_string(), "mon-fri");
        let page = b
            .page("/newsroom/station?done=programme-added", 200)
            .await?;
        assert_eq!(
            page.text(&format!("#programme-{breakfast} .nr-headline")),
            "The Breakfast Show"
        );
        assert!(
            page.text(".nr-notice")
                .contains("Programme added to the weekly schedule")
        );

        // Mistakes: each named in the summary and above its field, what was typed kept,
        // nothing stored.
        let res = b
            .submit(
                "/newsroom/station/programmes",
                &programme(" ", &[], "25:00", "08:00", "nope"),
            )
            .await?;
        assert_eq!(res.status(), 422);
        let refused = Page::parse(&res.text().await?);
        assert_eq!(
            refused.attrs(".nr-error-summary a", "href"),
            [
                "#programme-title",
                "#programme-day-mon",
                "#programme-starts",
                "#programme-playlist"
            ]
        );
        assert_eq!(
            refused.text("#programme-starts-error"),
            "Error: Enter the time it starts as a 24-hour time with minutes, such as 07:00 or \
             18:30."
        );
        assert!(refused.has("#programme-starts[aria-invalid=true][value='25:00']"));
        assert!(
            refused
                .text("#programme-playlist-error")
                .contains("There is no playlist called \"nope\"")
        );
        let res = b
            .submit(
                "/newsroom/station/programmes",
                &programme("Loop", &["sun"], "08:00", "08:00", ""),
            )
            .await?;
        assert_eq!(res.status(), 422);
        assert!(
            Page::parse(&res.text().await?)
                .text("#programme-ends-error")
                .contains("The end must differ from the start")
        );

        // An overlap is refused naming the programme in the way; back to back is fine.
        let res = b
            .submit(
                "/newsroom/station/programmes",
                &programme("News", &["wed"], "09:30", "10:30", ""),
            )
            .await?;
        assert_eq!(res.status(), 409);
        let refused = Page::parse(&res.text().await?);
        assert_eq!(
            refused.text(".nr-error-summary a[href='#programme-starts']"),
            "It overlaps The Breakfast Show (mon-fri 07:00–10:00). One programme airs at a \
             time: change its days or times, or those of the other."
        );
        assert!(refused.has("#programme-day-wed[checked]"));
        assert!(refused.has("#programme-title[value='News']"));
        assert_eq!(app.store.programmes().await?.len(), 1);
        let res = b
            .submit(
                "/newsroom/station/programmes",
                &programme("Morning Talk", &["wed"], "10:00", "11:00", ""),
            )
            .await?;
        assert_eq!(res.status(), 303);
        let talk = app
            .store
            .programmes()
            .await?
            .into_iter()
            .find(|p| p.title == "Morning Talk")
            .map(|p| p.id)
            .expect("stored");

        // Editing: its own page, filled in.
        let tape = app
            .store
            .create_playlist(
                &PlaylistName::parse("breakfast-tape")?,
                AudioFormat::Mp3,
                app.clock.now(),
            )
            .await?;
        let edit = format!("/newsroom/station/programmes/{breakfast}");
        let page = b.page(&edit, 200).await?;
        assert_eq!(page.attr("#programme-title", "value"), "The Breakfast Show");
        assert!(
            page.has("#programme-day-fri[checked]") && !page.has("#programme-day-sat[checked]")
        );
        assert_eq!(page.attr("#programme-ends", "value"), "10:00");
        assert!(page.has("#programme-playlist option[value='breakfast-tape']"));
        // Stretched over Morning Talk: refused, unchanged.
        let res = b
            .submit(
                &edit,
                &programme("The Breakfast Show", &WEEKDAYS, "07:00", "10:30", ""),
            )
            .await?;
        assert_eq!(res.status(), 409);
        assert!(
            Page::parse(&res.text().await?)
                .text(".nr-error-summary")
                .contains("It overlaps Morning Talk (wed 10:00–11:00)")
        );
        assert_eq!(
            app.store.programme(breakfast).await?.ends,
            parse_time("10:00")?
        );
        let res = b
            .submit(
                &edit,
                &programme(
                    "Breakfast",
                    &["mon", "tue", "sat"],
                    "06:30",
                    "09:30",
                    "breakfast-tape",
                ),
            )
            .await?;
        assert_eq!(res.status(), 303, "{}", res.text().await?);
        assert_eq!(
            crate::location(&res),
            format!("/newsroom/station?done=programme-saved#programme-{breakfast}")
        );
        let saved = app.store.programme(breakfast).await?;
        assert_eq!(saved.title, "Breakfast");
        assert_eq!(saved.days, Days::parse("mon,tue,sat")?);
        assert_eq!(
            (saved.starts, saved.ends),
            (parse_time("06:30")?, parse_time("09:30")?)
        );
        assert_eq!(saved.playlist.as_ref(), Some(&tape.name));
        assert_eq!(
            b.get("/newsroom/station/programmes/999").await?.status(),
            404
        );

        // Deleting asks first, then deletes.
        let delete = format!("/newsroom/station/programmes/{talk}/delete");
        let res = b.submit(&delete, &[]).await?;
        assert_eq!(res.status(), 200);
        let confirm = Page::parse(&res.text().await?);
        assert!(confirm.has("form input[name=confirm][value='1']"));
        assert!(
            confirm
                .text("form p")
                .contains("Morning Talk (wed 10:00–11:00)")
        );
        assert!(confirm.has("button.nr-danger"));
        assert_eq!(app.store.programmes().await?.len(), 2);
        let res = b.submit(&delete, &[("confirm", "1")]).await?;
        assert_eq!(res.status(), 303);
        assert_eq!(
            crate::location(&res),
            "/newsroom/station?done=programme-deleted#programmes"
        );
        assert!(matches!(
            app.store.programme(talk).await,
            Err(StoreError::NotFound)
        ));
        let res = b.submit(&delete, &[("confirm", "1")]).await?;
        assert_eq!(res.status(), 400);

        // Forged forms and writers: refused, nothing changed.
        let mut forged = programme("Forged", &["sun"], "12:00", "13:00", "");
        forged.push(("csrf", "forged"));
        assert_eq!(
            b.post("/newsroom/station/programmes", &forged)
                .await?
                .status(),
            403
        );
        assert_eq!(b.post(&edit, &forged).await?.status(), 403);
        assert_eq!(
            b.post(
                &format!("/newsroom/station/programmes/{breakfast}/delete"),
                &[("csrf", "forged"), ("confirm", "1")]
            )
            .await?
            .status(),
            403
        );
        let author = app.login_as(Role::Author).await?;
        assert_eq!(author.get(&edit).await?.status(), 403);
        let res = author
            .submit(
                "/newsroom/station/programmes",
                &programme("Writer's Hour", &["sun"], "12:00", "13:00", ""),
            )
            .await?;
        assert_eq!(res.status(), 403);
        assert_eq!(app.store.programmes().await?.len(), 1);
        Ok(())
    }
);

backend_test!(
    issue_23_the_store_refuses_overlapping_programmes_on_both_backends,
    |app| {
        let new = |title: &str, days: &str, s: &str, e: &str| -> anyhow::Result<NewProgramme> {
            Ok(NewProgramme {
                title: title.into(),
                presenter: String::new(),
                description: String::new(),
                days: Days::parse(days)?,
                starts: parse_time(s)?,
                ends: parse_time(e)?,
                playlist_id: None,
            })
        };
        let now = app.clock.now();
        let late = app
            .store
            .create_programme(new("Late", "sat", "22:00", "01:00")?, now)
            .await?;
        let early = app
            .store
            .create_programme(new("Early", "sun", "01:00", "02:00")?, now)
            .await?;
        match app
            .store
            .create_programme(new("Night", "sun", "00:30", "01:30")?, now)
            .await
        {
            Err(StoreError::Overlaps(others)) => {
                let ids: Vec<i64> = others.iter().map(|p| p.id).collect();
                // Both, by start time: Early (01:00), then Late (22:00).
                assert_eq!(ids, [early.id, late.id]);
            }
            other => anyhow::bail!("expected an overlap, got {other:?}"),
        }
        // Editing may keep its own times; not take another's.
        app.store
            .update_programme(late.id, new("Late Show", "sat", "22:00", "01:00")?)
            .await?;
        assert!(matches!(
            app.store
                .update_programme(late.id, new("Late Show", "sat", "22:00", "01:30")?)
                .await,
            Err(StoreError::Overlaps(o)) if o.len() == 1 && o[0].id == early.id
        ));
        assert!(matches!(
            app.store
                .update_programme(999, new("Gone", "mon", "12:00", "13:00")?)
                .await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(app.store.programme(late.id).await?.title, "Late Show");
        Ok(())
    }
);

backend_test!(
    issue_23_a_playlist_is_deleted_only_when_nothing_airs_from_it,
    |app| {
        let path = mount("/live/radio.mp3");
        app.live_mount("/live/radio.mp3", PASSWORD, |_| {}).await?;
        let own = app.store.own_mount_playlist(&path, app.clock.now()).await?;
        let morning = PlaylistName::parse("morning-tape")?;
        let tape = app
            .store
            .create_playlist(&morning, AudioFormat::Mp3, app.clock.now())
            .await?;
        let spare = PlaylistName::parse("spare-tape")?;
        app.store
            .create_playlist(&spare, AudioFormat::Mp3, app.clock.now())
            .await?;
        let file = crate::live_playlist::tagged_mp3(440, 1, "Ident", "Dateline").await?;
        let item = dateline_web::live::playlist::add_file_to_playlist(
            &app.store,
            &app.state.media,
            &tape,
            "ident.mp3",
            file,
            app.clock.now(),
        )
        .await?;
        let show = app
            .store
            .create_programme(
                NewProgramme {
                    title: "Morning Tape".into(),
                    presenter: String::new(),
                    description: String::new(),
                    days: Days::parse("mon-fri")?,
                    starts: parse_time("07:00")?,
                    ends: parse_time("08:00")?,
                    playlist_id: Some(tape.id),
                },
                app.clock.now(),
            )
            .await?;

        let b = app.login_as(Role::Editor).await?;
        let page = b.page("/newsroom/station", 200).await?;
        assert_eq!(
            page.texts("#playlists .nr-headline"),
            ["morning-tape", own.name.as_str(), "spare-tape"]
        );
        assert!(
            page.text("#playlist-morning-tape")
                .contains("Airs in Morning Tape (mon-fri 07:00–08:00)")
        );
        assert!(page.has("#playlist-morning-tape button.nr-danger"));
        // A mount's own playlist is managed with the mount: no delete button.
        let own_row = format!("[id='playlist-{}']", own.name);
        assert!(page.text(&own_row).contains("Plays on /live/radio.mp3"));
        assert!(!page.has(&format!("{own_row} button")));

        // Aired by a programme: refused, before and at the confirmation, naming it.
        let sentence = "The playlist morning-tape cannot be deleted: the programme Morning Tape \
                        (mon-fri 07:00–08:00) airs from it. Choose another playlist for that \
                        programme (or none, to air it live) first, or delete the programme.";
        for form in [
            vec![("name", "morning-tape")],
            vec![("name", "morning-tape"), ("confirm", "1")],
        ] {
            let res = b
                .submit("/newsroom/station/playlists/delete", &form)
                .await?;
            assert_eq!(res.status(), 409);
            let refused = Page::parse(&res.text().await?);
            assert_eq!(
                refused.text(".nr-error-summary a[href='#playlist-morning-tape']"),
                sentence
            );
        }
        assert!(app.store.playlist_named(&morning).await.is_ok());
        // The store says the same on both backends.
        match app.store.delete_playlist(&morning).await {
            Err(StoreError::PlaylistInUse { programmes, mounts }) => {
                assert_eq!(programmes.len(), 1);
                assert_eq!(programmes[0].id, show.id);
                assert!(mounts.is_empty());
            }
            other => anyhow::bail!("expected in use, got {other:?}"),
        }
        let res = b
            .submit(
                "/newsroom/station/playlists/delete",
                &[("name", own.name.as_str()), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 409);
        assert!(
            res.text()
                .await?
                .contains("the mount /live/radio.mp3 plays it while no one is live")
        );

        // Unused: a confirmation, then gone.
        let res = b
            .submit(
                "/newsroom/station/playlists/delete",
                &[("name", "spare-tape")],
            )
            .await?;
        assert_eq!(res.status(), 200);
        let confirm = Page::parse(&res.text().await?);
        assert!(confirm.has("form input[name=confirm][value='1']"));
        assert!(confirm.has("button.nr-danger"));
        assert!(app.store.playlist_named(&spare).await.is_ok());
        let res = b
            .submit(
                "/newsroom/station/playlists/delete",
                &[("name", "spare-tape"), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        assert_eq!(
            crate::location(&res),
            "/newsroom/station?done=playlist-deleted#playlists"
        );
        assert!(matches!(
            app.store.playlist_named(&spare).await,
            Err(StoreError::NotFound)
        ));

        // Once the programme airs live, its playlist may go; the audio file stays.
        let res = b
            .submit(
                "/newsroom/station/programme",
                &[("id", &show.id.to_string()), ("playlist", "")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        let res = b
            .submit(
                "/newsroom/station/playlists/delete",
                &[("name", "morning-tape"), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 303);
        assert!(
            app.store
                .playlists()
                .await?
                .iter()
                .all(|p| p.name != morning)
        );
        assert!(
            !app.state
                .media
                .read(&item.media_key.as_str().into())
                .await?
                .is_empty()
        );

        // Unknown names, forged forms and writers: refused.
        let res = b
            .submit(
                "/newsroom/station/playlists/delete",
                &[("name", "nope"), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 400);
        assert_eq!(
            b.post(
                "/newsroom/station/playlists/delete",
                &[("name", own.name.as_str()), ("csrf", "forged")]
            )
            .await?
            .status(),
            403
        );
        let author = app.login_as(Role::Author).await?;
        let res = author
            .submit(
                "/newsroom/station/playlists/delete",
                &[("name", own.name.as_str()), ("confirm", "1")],
            )
            .await?;
        assert_eq!(res.status(), 403);
        assert!(app.store.playlist_named(&own.name).await.is_ok());
        Ok(())
    }
);

//! The station's named playlists and the schedule that names them (issue 23), as an operator
//! runs them: `dateline playlist add|list --playlist NAME` and `dateline schedule
//! add|set-playlist … --playlist NAME`, checking exit codes, the sentences printed and what
//! the database holds afterwards. The audio file is made by a real ffmpeg.

use super::{dateline, failed, ok, store};
use anyhow::{Context, ensure};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One second of a tone as MP3, written into `dir`.
fn mp3(dir: &Path) -> anyhow::Result<PathBuf> {
    let file = dir.join("interview.mp3");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050"])
        .args(["-t", "1", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k"])
        .arg(&file)
        .stdin(Stdio::null())
        .status()
        .context("running ffmpeg (scripts/install-deps installs it)")?;
    ensure!(status.success(), "ffmpeg failed");
    Ok(file)
}

#[tokio::test]
async fn issue_23_a_programme_airs_from_a_playlist_named_on_the_command_line() -> anyhow::Result<()>
{
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let file = mp3(d)?;
    let f = file.to_str().context("utf-8 path")?;
    fn add(playlist: &str) -> Vec<&str> {
        [
            "schedule",
            "add",
            "--title",
            "Morning Tape",
            "--days",
            "mon-fri",
            "--start",
            "07:00",
            "--end",
            "08:00",
            "--playlist",
        ]
        .into_iter()
        .chain([playlist])
        .collect()
    }
    // A playlist that does not exist, or a name that cannot be one: a sentence, exit 1,
    // nothing stored.
    let err = failed(&dateline(d, &add("morning-tape"), "")?)?;
    assert!(
        err.contains(
            "there is no playlist called morning-tape; `dateline playlist list` shows them"
        ),
        "{err}"
    );
    let err = failed(&dateline(d, &add("Morning Tape!"), "")?)?;
    assert!(err.contains("a playlist name is 1–64 letters"), "{err}");
    let s = store(d).await?;
    assert!(s.programmes().await?.is_empty());
    s.close().await;

    // A named playlist is made by its first file, with its format.
    let err = failed(&dateline(
        d,
        &["playlist", "add", "--playlist", "morning-tape", f],
        "",
    )?)?;
    assert!(err.contains("add --format mp3"), "{err}");
    let out = ok(&dateline(
        d,
        &[
            "playlist",
            "add",
            "--playlist",
            "morning-tape",
            "--format",
            "mp3",
            f,
        ],
        "",
    )?)?;
    assert!(
        out.contains("made the playlist morning-tape (mp3)"),
        "{out}"
    );
    assert!(
        out.contains("added interview.mp3 to the playlist morning-tape as number"),
        "{out}"
    );
    let err = failed(&dateline(
        d,
        &[
            "playlist",
            "add",
            "--playlist",
            "morning-tape",
            "--format",
            "ogg",
            f,
        ],
        "",
    )?)?;
    assert!(
        err.contains("the playlist morning-tape holds mp3 files, not ogg"),
        "{err}"
    );
    let listed = ok(&dateline(d, &["playlist", "list"], "")?)?;
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("morning-tape") && l.contains("mp3")),
        "{listed}"
    );
    let listed = ok(&dateline(
        d,
        &["playlist", "list", "--playlist", "morning-tape"],
        "",
    )?)?;
    assert!(
        listed.contains("the playlist morning-tape plays 1 files in order"),
        "{listed}"
    );

    // The programme names it.
    let out = ok(&dateline(d, &add("morning-tape"), "")?)?;
    assert!(
        out.contains("Morning Tape, from the playlist morning-tape"),
        "{out}"
    );
    let listed = ok(&dateline(d, &["schedule", "list"], "")?)?;
    assert!(
        listed
            .lines()
            .any(|l| l.contains("morning-tape") && l.ends_with("Morning Tape")),
        "{listed}"
    );
    let s = store(d).await?;
    let programmes = s.programmes().await?;
    s.close().await;
    assert_eq!(
        programmes[0].playlist.as_ref().map(|n| n.as_str()),
        Some("morning-tape")
    );
    let id = programmes[0].id.to_string();

    // set-playlist: to none, to an unknown one (refused), for an unknown programme.
    let out = ok(&dateline(
        d,
        &["schedule", "set-playlist", "--id", &id, "--none"],
        "",
    )?)?;
    assert!(out.contains("airs from no playlist"), "{out}");
    let err = failed(&dateline(
        d,
        &[
            "schedule",
            "set-playlist",
            "--id",
            &id,
            "--playlist",
            "nope",
        ],
        "",
    )?)?;
    assert!(err.contains("there is no playlist called nope"), "{err}");
    let err = failed(&dateline(
        d,
        &[
            "schedule",
            "set-playlist",
            "--id",
            "999",
            "--playlist",
            "morning-tape",
        ],
        "",
    )?)?;
    assert!(err.contains("there is no programme 999"), "{err}");
    let out = ok(&dateline(
        d,
        &[
            "schedule",
            "set-playlist",
            "--id",
            &id,
            "--playlist",
            "morning-tape",
        ],
        "",
    )?)?;
    assert!(out.contains("airs from the playlist morning-tape"), "{out}");
    Ok(())
}

#[tokio::test]
async fn issue_23_playlists_are_deleted_and_programmes_edited_on_the_command_line()
-> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let file = mp3(d)?;
    let f = file.to_str().context("utf-8 path")?;
    ok(&dateline(
        d,
        &[
            "playlist",
            "add",
            "--playlist",
            "tape",
            "--format",
            "mp3",
            f,
        ],
        "",
    )?)?;
    let add = |title: &'static str, days: &'static str, start: &'static str, end: &'static str| {
        vec![
            "schedule", "add", "--title", title, "--days", days, "--start", start, "--end", end,
        ]
    };
    let mut with_tape = add("Morning Tape", "mon-fri", "07:00", "08:00");
    with_tape.extend(["--playlist", "tape"]);
    ok(&dateline(d, &with_tape, "")?)?;
    let s = store(d).await?;
    let id = s.programmes().await?[0].id.to_string();
    s.close().await;

    // An overlapping programme is refused, naming the one in the way; nothing is stored.
    let err = failed(&dateline(d, &add("News", "mon", "07:30", "08:30"), "")?)?;
    assert!(
        err.contains(
            "the programme is not saved: it overlaps Morning Tape (mon-fri 07:00–08:00); one \
             programme airs at a time"
        ),
        "{err}"
    );
    ok(&dateline(d, &add("News", "mon", "08:00", "09:00"), "")?)?;

    // A playlist a programme airs from is not deleted; the sentence names the programme.
    let err = failed(&dateline(
        d,
        &["playlist", "delete", "--playlist", "tape"],
        "",
    )?)?;
    assert!(
        err.contains(&format!(
            "the playlist tape is not deleted: the programme Morning Tape (mon-fri \
             07:00–08:00) airs from it; give programme {id} another playlist first"
        )),
        "{err}"
    );
    let err = failed(&dateline(
        d,
        &["playlist", "delete", "--playlist", "nope"],
        "",
    )?)?;
    assert!(err.contains("there is no playlist called nope"), "{err}");

    // edit: only what is given changes; an overlap is refused there too.
    let out = ok(&dateline(
        d,
        &[
            "schedule",
            "edit",
            "--id",
            &id,
            "--title",
            "Early Tape",
            "--start",
            "06:30",
        ],
        "",
    )?)?;
    assert!(
        out.contains(&format!(
            "saved programme {id}: mon-fri 06:30–08:00 Early Tape"
        )),
        "{out}"
    );
    let err = failed(&dateline(
        d,
        &["schedule", "edit", "--id", &id, "--end", "08:30"],
        "",
    )?)?;
    assert!(err.contains("it overlaps News (mon 08:00–09:00)"), "{err}");
    let err = failed(&dateline(
        d,
        &["schedule", "edit", "--id", "999", "--end", "08:30"],
        "",
    )?)?;
    assert!(err.contains("there is no programme 999"), "{err}");
    let err = failed(&dateline(
        d,
        &["schedule", "edit", "--id", &id, "--days", "funday"],
        "",
    )?)?;
    assert!(err.contains("not a list of days"), "{err}");
    let s = store(d).await?;
    let p = s.programme(id.parse()?).await?;
    s.close().await;
    assert_eq!(
        (
            p.title.as_str(),
            p.days.to_string(),
            p.playlist.map(|n| n.to_string())
        ),
        ("Early Tape", "mon-fri".to_owned(), Some("tape".to_owned()))
    );

    // Once the programme airs live, the playlist goes; its audio file stays on disk.
    ok(&dateline(
        d,
        &["schedule", "set-playlist", "--id", &id, "--none"],
        "",
    )?)?;
    let out = ok(&dateline(
        d,
        &["playlist", "delete", "--playlist", "tape"],
        "",
    )?)?;
    assert!(
        out.contains("deleted the playlist tape (1 file; the audio files stay in the media store)"),
        "{out}"
    );
    let listed = ok(&dateline(d, &["playlist", "list"], "")?)?;
    assert!(listed.contains("no playlists"), "{listed}");
    let audio = std::fs::read_dir(d.join("media").join("audio"))
        .context("the media store's audio folder")?
        .count();
    assert_eq!(audio, 1);
    Ok(())
}

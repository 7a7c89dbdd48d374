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

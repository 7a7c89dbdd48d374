//! Mount paths, formats and the mount checks.

use super::*;

#[test]
fn mount_paths_are_one_segment_under_live() {
    assert_eq!(
        MountPath::parse("/live/radio.mp3").map(|p| p.name().to_owned()),
        Ok("radio.mp3".to_owned())
    );
    for bad in [
        "/live/",
        "/live/a/b",
        "/radio.mp3",
        "/live/.hidden",
        "/live/a b",
        "live/x",
        "/live/ä",
    ] {
        assert!(MountPath::parse(bad).is_err(), "{bad} accepted");
    }
    assert!(MountPath::parse(&format!("/live/{}", "a".repeat(65))).is_err());
}

#[test]
fn formats_parse_and_know_their_content_types() {
    assert_eq!("MP3".parse::<AudioFormat>(), Ok(AudioFormat::Mp3));
    assert_eq!("opus".parse::<AudioFormat>(), Ok(AudioFormat::Ogg));
    assert_eq!("adts".parse::<AudioFormat>(), Ok(AudioFormat::Aac));
    assert!("wav".parse::<AudioFormat>().is_err());
    assert!(AudioFormat::Mp3.accepts_content_type("audio/mpeg"));
    assert!(AudioFormat::Ogg.accepts_content_type("audio/ogg; codecs=opus"));
    assert!(!AudioFormat::Mp3.accepts_content_type("audio/ogg"));
    assert!(!AudioFormat::Ogg.supports_icy());
}

#[test]
fn mount_checks() {
    let p = MountPath::parse("/live/a.mp3").expect("valid");
    assert_eq!(
        check_mount(&p, None, None, DEFAULT_BURST_BYTES, DEFAULT_QUEUE_BYTES),
        Ok(())
    );
    assert_eq!(
        check_mount(&p, None, Some(&p), 0, MIN_QUEUE_BYTES),
        Err(MountError::FallbackToSelf)
    );
    assert!(check_mount(&p, None, None, 70_000, 65_536).is_err());
    assert!(check_mount(&p, None, None, 0, 1024).is_err());
    assert!(check_mount(&p, Some(0), None, 0, MIN_QUEUE_BYTES).is_err());
}

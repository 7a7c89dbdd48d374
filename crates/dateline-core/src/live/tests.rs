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

#[test]
fn upstreams_parse_and_never_show_their_password() {
    let u = Upstream::parse("http://relay:s3cret@127.0.0.1:8000/stream").expect("valid");
    assert_eq!(u.authority(), "127.0.0.1:8000");
    assert_eq!(u.path, "/stream");
    assert_eq!(u.credentials(), Some(("relay", "s3cret")));
    assert_eq!(u.to_string(), "http://***@127.0.0.1:8000/stream");
    assert!(!format!("{u:?}").contains("s3cret"));
    assert_eq!(u.as_stored(), "http://relay:s3cret@127.0.0.1:8000/stream");
    let plain = Upstream::parse("http://radio.example").expect("valid");
    assert_eq!((plain.port, plain.path.as_str()), (80, "/"));
    assert_eq!(plain.credentials(), None);
    let v6 = Upstream::parse("http://[::1]:8001/a.mp3").expect("valid");
    assert_eq!(v6.authority(), "[::1]:8001");
    for bad in [
        "https://x/s",
        "ftp://x",
        "http:///s",
        "http://x:port/s",
        "http://x/a b",
        "http://[::1/s",
    ] {
        assert!(Upstream::parse(bad).is_err(), "{bad} was accepted");
    }
}

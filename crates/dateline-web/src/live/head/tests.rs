//! Heads, credentials, source descriptions and the answers' shapes.

use super::*;

#[test]
fn heads_parse_and_know_their_framing() {
    let raw = b"PUT /live/a.mp3?x=1 HTTP/1.1\r\nExpect: 100-continue\r\nIce-Name: Test FM\r\n\
                ice-audio-info: samplerate=44100;bitrate=128\r\nContent-Type: audio/mpeg\r\n\r\nAUDIO";
    let Parsed::Complete(head, len) = parse(raw) else {
        panic!("complete head expected");
    };
    assert_eq!(&raw[len..], b"AUDIO");
    assert_eq!(head.method, "PUT");
    assert_eq!(head.path(), "/live/a.mp3");
    assert_eq!(head.header("expect"), Some("100-continue"));
    assert!(!head.has_framed_body());
    let info = head.source_info();
    assert_eq!(info.name.as_deref(), Some("Test FM"));
    assert_eq!(info.bitrate, Some(128));
    assert_eq!(info.content_type.as_deref(), Some("audio/mpeg"));
    assert!(matches!(
        parse(b"GET / HTTP/1.1\r\nHost: x"),
        Parsed::Partial
    ));
    assert!(matches!(
        parse(b"\x16\x03\x01garbage\r\n\r\n"),
        Parsed::Invalid
    ));
    let Parsed::Complete(framed, _) =
        parse(b"PUT /live/a.mp3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    else {
        panic!("complete head expected");
    };
    assert!(framed.has_framed_body());
}

#[test]
fn basic_credentials_decode() {
    // "source:hackme"
    assert_eq!(
        basic_credentials("Basic c291cmNlOmhhY2ttZQ=="),
        Some(("source".to_owned(), "hackme".to_owned()))
    );
    // Passwords may contain colons; only the first one separates.
    // "source:a:b"
    assert_eq!(
        basic_credentials("basic c291cmNlOmE6Yg=="),
        Some(("source".to_owned(), "a:b".to_owned()))
    );
    assert_eq!(basic_credentials("Bearer abc"), None);
    assert_eq!(basic_credentials("Basic !!!"), None);
}

#[test]
fn header_values_from_sources_cannot_split_a_response() {
    let info = source_info(|n| (n == "ice-name").then(|| "Evil\r\nSet-Cookie: x=1".to_owned()));
    let h = StreamHeaders {
        content_type: "audio/mpeg".to_owned(),
        name: info.name.clone().unwrap_or_default(),
        info,
        metaint: Some(16000),
    };
    let raw = h.raw();
    assert!(raw.starts_with("HTTP/1.0 200 OK\r\n"));
    assert!(raw.contains("icy-name: Evil  Set-Cookie: x=1\r\n"));
    assert!(raw.contains("icy-metaint: 16000\r\n"));
    assert!(raw.ends_with("\r\n\r\n"));
}

#[test]
fn refusals_are_iceresponse_xml() {
    let r = Refusal::unauthorized("Wrong <user> or password.");
    let raw = r.raw();
    assert!(raw.starts_with("HTTP/1.0 401 Unauthorized\r\n"));
    assert!(raw.contains("WWW-Authenticate: Basic realm=\"Dateline live\"\r\n"));
    assert!(raw.contains("<message>Wrong &lt;user&gt; or password.</message><return>0</return>"));
    let in_use = Refusal::from(LiveError::MountInUse);
    assert_eq!(in_use.status, StatusCode::FORBIDDEN);
    assert!(in_use.body().contains("Mountpoint in use"));
}

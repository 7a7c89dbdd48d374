//! The framer: chunks start on frames, are big enough, and put together are the input.

use super::*;
use crate::testing::{adts_frame, id3, mp3_frame, mp3_stream, ogg_page};

/// Feed `input` in pieces of the given sizes (cycled), then finish.
fn frame_all(format: AudioFormat, min: usize, input: &[u8], pieces: &[usize]) -> Vec<Cut> {
    let mut f = Framer::new(format, min);
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < input.len() {
        let n = pieces[i % pieces.len()].min(input.len() - at);
        f.extend(&input[at..at + n]);
        f.cut(&mut out);
        at += n;
        i += 1;
    }
    f.finish(&mut out);
    out
}

fn joined(cuts: &[Cut]) -> Vec<u8> {
    cuts.iter().flat_map(|c| c.data.iter().copied()).collect()
}

fn starts_with_mp3_frame(b: &[u8]) -> bool {
    b.len() >= 4 && mp3_frame_len([b[0], b[1], b[2], b[3]]).is_some()
}

#[test]
fn mp3_frame_lengths() {
    assert_eq!(mp3_frame_len([0xFF, 0xFB, 0x90, 0x64]), Some(417));
    assert_eq!(mp3_frame_len([0xFF, 0xFB, 0x92, 0x64]), Some(418));
    // MPEG-2 layer III, 64 kbit/s, 22.05 kHz: 72 * 64000 / 22050 = 208.
    assert_eq!(mp3_frame_len([0xFF, 0xF3, 0x80, 0xC4]), Some(208));
    // Layer II, 192 kbit/s, 48 kHz: 144 * 192000 / 48000 = 576.
    assert_eq!(mp3_frame_len([0xFF, 0xFD, 0xA4, 0x00]), Some(576));
    // Free format, bad bitrate, reserved rate, reserved version: no frame.
    assert_eq!(mp3_frame_len([0xFF, 0xFB, 0x00, 0x64]), None);
    assert_eq!(mp3_frame_len([0xFF, 0xFB, 0xF0, 0x64]), None);
    assert_eq!(mp3_frame_len([0xFF, 0xFB, 0x9C, 0x64]), None);
    assert_eq!(mp3_frame_len([0xFF, 0xEB, 0x90, 0x64]), None);
    assert_eq!(mp3_frame_len([0x00, 0xFB, 0x90, 0x64]), None);
}

#[test]
fn mp3_chunks_start_on_frames_and_rejoin_to_the_input() {
    let (stream, starts) = mp3_stream(200, 1);
    for pieces in [&[1usize][..], &[7, 300, 1, 4096], &[417], &[100_000]] {
        let cuts = frame_all(AudioFormat::Mp3, 4096, &stream, pieces);
        assert_eq!(joined(&cuts), stream, "pieces {pieces:?}");
        let mut offset = 0;
        for (i, c) in cuts.iter().enumerate() {
            assert!(
                starts.contains(&offset),
                "chunk {i} starts mid-frame at {offset}"
            );
            assert!(starts_with_mp3_frame(&c.data));
            if i + 1 < cuts.len() {
                assert!(c.data.len() >= 4096, "chunk {i} is small: {}", c.data.len());
            }
            assert!(!c.headers);
            offset += c.data.len();
        }
    }
}

#[test]
fn whole_frames_are_cut_at_once() {
    // A source that writes whole frames (ffmpeg does) gets them broadcast without waiting for
    // the next read.
    let (stream, _) = mp3_stream(10, 2);
    let mut f = Framer::new(AudioFormat::Mp3, 1000);
    let mut out = Vec::new();
    f.extend(&stream);
    f.cut(&mut out);
    assert_eq!(joined(&out), stream);
}

#[test]
fn an_id3_tag_and_leading_junk_stay_in_the_first_chunk() {
    let (frames, _) = mp3_stream(40, 3);
    let mut stream = id3(300);
    stream.extend(&frames);
    let cuts = frame_all(AudioFormat::Mp3, 2000, &stream, &[333]);
    assert_eq!(joined(&cuts), stream);
    assert!(cuts[0].data.starts_with(b"ID3"));
    assert!(cuts[1..].iter().all(|c| starts_with_mp3_frame(&c.data)));

    let mut junk = b"not audio at all, \xFF\x00 really".to_vec();
    junk.extend(&frames);
    let cuts = frame_all(AudioFormat::Mp3, 2000, &junk, &[50]);
    assert_eq!(joined(&cuts), junk);
    assert!(cuts[1..].iter().all(|c| starts_with_mp3_frame(&c.data)));
}

#[test]
fn corruption_mid_stream_is_passed_on_and_resynced() {
    let (a, _) = mp3_stream(30, 4);
    let (b, _) = mp3_stream(30, 5);
    let mut stream = a.clone();
    stream.extend([0xFF, 0x00, 0x12, 0xFF, 0xFB]); // a torn header
    stream.extend(&b);
    let cuts = frame_all(AudioFormat::Mp3, 1500, &stream, &[200, 5, 900]);
    assert_eq!(joined(&cuts), stream);
    // Every chunk but the one carrying the junk starts on a frame.
    let bad = cuts
        .iter()
        .filter(|c| !starts_with_mp3_frame(&c.data))
        .count();
    assert!(bad <= 1, "{bad} chunks start off a frame");
}

#[test]
fn a_stream_that_never_syncs_is_still_passed_through() {
    let noise: Vec<u8> = (0..(MAX_PENDING + 5000)).map(|i| (i % 200) as u8).collect();
    let mut f = Framer::new(AudioFormat::Mp3, 4096);
    let mut out = Vec::new();
    for piece in noise.chunks(8192) {
        f.extend(piece);
        f.cut(&mut out);
    }
    assert!(!out.is_empty(), "nothing was passed on before the end");
    f.finish(&mut out);
    assert_eq!(joined(&out), noise);
}

#[test]
fn adts_chunks_start_on_frames() {
    let mut stream = Vec::new();
    let mut starts = Vec::new();
    for i in 0..100 {
        starts.push(stream.len());
        stream.extend(adts_frame(300 + i % 50, 0x11));
    }
    let cuts = frame_all(AudioFormat::Aac, 3000, &stream, &[123, 4000]);
    assert_eq!(joined(&cuts), stream);
    let mut offset = 0;
    for c in &cuts {
        assert!(starts.contains(&offset));
        assert!(adts_frame_len(&c.data).is_some());
        offset += c.data.len();
    }
    assert_eq!(adts_frame_len(&adts_frame(371, 1)), Some(371));
}

#[test]
fn ogg_header_pages_are_a_chunk_of_their_own() {
    let head = ogg_page(true, 0, 0, b"OpusHead........");
    let tags = ogg_page(false, 0, 1, &[b'x'; 600]);
    let mut stream = head.clone();
    stream.extend(&tags);
    let mut starts = vec![0, head.len()];
    for i in 0..60u32 {
        starts.push(stream.len());
        stream.extend(ogg_page(false, 960 * u64::from(i + 1), i + 2, &[b'a'; 400]));
    }
    let cuts = frame_all(AudioFormat::Ogg, 2000, &stream, &[77, 1000]);
    assert_eq!(joined(&cuts), stream);
    assert!(cuts[0].headers);
    assert_eq!(cuts[0].data.len(), head.len() + tags.len());
    assert!(
        cuts[1..]
            .iter()
            .all(|c| !c.headers && c.data.starts_with(b"OggS"))
    );

    // A chained stream: a second BOS starts a new header chunk.
    let mut chained = stream.clone();
    let head2 = ogg_page(true, 0, 0, b"OpusHead2.......");
    chained.extend(&head2);
    chained.extend(ogg_page(false, 960, 1, &[b'b'; 400]));
    let cuts = frame_all(AudioFormat::Ogg, 2000, &chained, &[500]);
    assert_eq!(joined(&cuts), chained);
    let headers: Vec<&Cut> = cuts.iter().filter(|c| c.headers).collect();
    assert_eq!(headers.len(), 2);
    assert_eq!(headers[1].data.as_ref(), head2.as_slice());
}

#[test]
fn probes_say_when_they_need_more() {
    let frame = mp3_frame(false, 7);
    assert_eq!(probe(AudioFormat::Mp3, &frame[..2]), Probe::Short);
    assert_eq!(probe(AudioFormat::Mp3, &[0x12, 0x34]), Probe::No);
    assert_eq!(probe(AudioFormat::Mp3, b"ID"), Probe::Short);
    assert_eq!(probe(AudioFormat::Ogg, b"Ogg"), Probe::Short);
    assert_eq!(probe(AudioFormat::Ogg, b"OgX"), Probe::No);
}

//! ICY blocks: encoding, limits, and interleaving at exact intervals.

use super::*;
use crate::testing::deinterleave;

#[test]
fn blocks_are_padded_to_sixteen_bytes() {
    let b = encode_block("Hello");
    // "StreamTitle='Hello';" is 20 bytes: two units.
    assert_eq!(b[0], 2);
    assert_eq!(b.len(), 33);
    assert_eq!(&b[1..21], b"StreamTitle='Hello';");
    assert!(b[21..].iter().all(|&x| x == 0));
    let empty = encode_block("");
    assert_eq!(&empty[1..16], b"StreamTitle='';");
    assert_eq!(empty[0], 1);
}

#[test]
fn long_titles_are_cut_on_a_character_boundary() {
    let title = "é".repeat(5000);
    let b = encode_block(&title);
    assert_eq!(b[0], 255);
    assert_eq!(b.len(), 1 + 255 * 16);
    let text = std::str::from_utf8(&b[1..]).expect("cut on a char boundary");
    assert!(text.trim_end_matches('\0').ends_with("é';"));
}

#[test]
fn control_characters_cannot_end_a_block() {
    let b = encode_block("a\0b\nc");
    assert_eq!(&b[1..23], b"StreamTitle='a b c';\0\0");
}

#[test]
fn blocks_come_every_metaint_bytes_and_titles_change_once() {
    let audio: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let mut icy = IcyState::new(100);
    let first = encode_block("One");
    let second = encode_block("Two");
    let mut out = Vec::new();
    // Uneven chunks, split across calls; the title changes half way.
    let chunks: Vec<Bytes> = audio.chunks(37).map(Bytes::copy_from_slice).collect();
    let (a, b) = chunks.split_at(chunks.len() / 2);
    icy.interleave(a.iter().cloned(), ((1, 0), &first), &mut out);
    icy.interleave(b.iter().cloned(), ((1, 1), &second), &mut out);
    let stream: Vec<u8> = out.iter().flat_map(|b| b.iter().copied()).collect();
    let (got, titles) = deinterleave(&stream, 100);
    assert_eq!(got, audio);
    assert_eq!(titles, vec!["One".to_owned(), "Two".to_owned()]);
    // 1000 bytes at 100 per block: 9 blocks (none after the last byte), two with a title and
    // seven one-byte "no change".
    let blocks = stream.len() - audio.len();
    assert_eq!(blocks, first.len() + second.len() + 7);
}

#[test]
fn a_reader_gets_back_the_audio_and_the_titles_whatever_the_read_sizes() {
    let audio: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let mut icy = IcyState::new(1000);
    let mut out = Vec::new();
    let first = encode_block("First 'quoted' title");
    icy.interleave(
        [Bytes::from(audio[..4000].to_vec())],
        ((1, 1), &first),
        &mut out,
    );
    let second = encode_block("Second");
    icy.interleave(
        [Bytes::from(audio[4000..].to_vec())],
        ((1, 2), &second),
        &mut out,
    );
    let wire: Vec<u8> = out.iter().flat_map(|b| b.iter().copied()).collect();
    for read in [1, 7, 999, 1000, 1001, 4096, wire.len()] {
        let mut reader = IcyReader::new(1000);
        let mut got = Vec::new();
        let mut titles = Vec::new();
        for piece in wire.chunks(read) {
            if let Some(t) = reader.feed(piece, &mut got) {
                titles.push(t);
            }
        }
        assert_eq!(got, audio, "reads of {read}");
        // A read holding both blocks reports the newer title only: the one now playing.
        assert_eq!(
            titles.last().map(String::as_str),
            Some("Second"),
            "reads of {read}"
        );
        if read <= 1001 {
            assert_eq!(
                titles,
                ["First 'quoted' title", "Second"],
                "reads of {read}"
            );
        }
    }
}

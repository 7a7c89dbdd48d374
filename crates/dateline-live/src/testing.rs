//! Synthetic streams for the unit tests: MP3 and ADTS frames and Ogg pages with real headers
//! and filler bodies that never contain a sync byte, so frame boundaries are known exactly.

/// An MPEG-1 layer III frame at 128 kbit/s, 44.1 kHz: 417 bytes, or 418 with padding. The
/// body is `fill` (never 0xFF).
pub(crate) fn mp3_frame(padding: bool, fill: u8) -> Vec<u8> {
    assert_ne!(fill, 0xFF);
    let mut f = vec![0xFF, 0xFB, if padding { 0x92 } else { 0x90 }, 0x64];
    let len = if padding { 418 } else { 417 };
    f.resize(len, fill);
    f
}

/// `n` frames, every third padded, bodies numbered so streams can be told apart.
pub(crate) fn mp3_stream(n: usize, seed: u8) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    for i in 0..n {
        starts.push(out.len());
        let fill = ((usize::from(seed) * 31 + i) % 250) as u8 + 1;
        out.extend(mp3_frame(i % 3 == 0, fill));
    }
    (out, starts)
}

/// An ID3v2.4 tag of `body` bytes.
pub(crate) fn id3(body: usize) -> Vec<u8> {
    let mut t = b"ID3\x04\x00\x00".to_vec();
    let s = body as u32;
    t.extend([
        (s >> 21) as u8 & 0x7F,
        (s >> 14) as u8 & 0x7F,
        (s >> 7) as u8 & 0x7F,
        s as u8 & 0x7F,
    ]);
    t.resize(10 + body, 0);
    t
}

/// An ADTS frame of `len` bytes (no CRC).
pub(crate) fn adts_frame(len: usize, fill: u8) -> Vec<u8> {
    assert_ne!(fill, 0xFF);
    let l = len as u32;
    let mut f = vec![
        0xFF,
        0xF1,
        0x50,
        0x80 | ((l >> 11) & 3) as u8,
        ((l >> 3) & 0xFF) as u8,
        (((l & 7) << 5) as u8) | 0x1F,
        0xFC,
    ];
    f.resize(len, fill);
    f
}

/// An Ogg page with one segment table entry per 255 bytes of `body`.
pub(crate) fn ogg_page(bos: bool, granule: u64, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut p = b"OggS\x00".to_vec();
    p.push(if bos { 0x02 } else { 0x00 });
    p.extend(granule.to_le_bytes());
    p.extend(7u32.to_le_bytes()); // serial
    p.extend(seq.to_le_bytes());
    p.extend([0, 0, 0, 0]); // CRC: not checked by the relay
    let mut segs = Vec::new();
    let mut left = body.len();
    loop {
        let s = left.min(255);
        segs.push(s as u8);
        left -= s;
        if s < 255 {
            break;
        }
    }
    p.push(segs.len() as u8);
    p.extend(segs);
    p.extend(body);
    p
}

/// Split an ICY stream into its audio and the titles of its non-empty blocks.
pub(crate) fn deinterleave(stream: &[u8], metaint: usize) -> (Vec<u8>, Vec<String>) {
    let mut audio = Vec::new();
    let mut titles = Vec::new();
    let mut at = 0;
    loop {
        let n = metaint.min(stream.len() - at);
        audio.extend(&stream[at..at + n]);
        at += n;
        if at >= stream.len() {
            break;
        }
        let len = usize::from(stream[at]) * 16;
        let block = &stream[at + 1..at + 1 + len];
        at += 1 + len;
        if len > 0 {
            let text = String::from_utf8(block.to_vec()).expect("utf-8");
            let text = text.trim_end_matches('\0');
            let title = text
                .strip_prefix("StreamTitle='")
                .and_then(|t| t.strip_suffix("';"))
                .expect("StreamTitle block");
            titles.push(title.to_owned());
        }
    }
    (audio, titles)
}

/// An Ogg page of whole packets with a right CRC, as an encoder writes it.
pub(crate) fn ogg_page_crc(
    flags: u8,
    granule: u64,
    serial: u32,
    seq: u32,
    packets: &[&[u8]],
) -> Vec<u8> {
    let mut p = b"OggS\x00".to_vec();
    p.push(flags);
    p.extend(granule.to_le_bytes());
    p.extend(serial.to_le_bytes());
    p.extend(seq.to_le_bytes());
    p.extend([0, 0, 0, 0]);
    let mut table = Vec::new();
    for packet in packets {
        table.extend(std::iter::repeat_n(255u8, packet.len() / 255));
        table.push((packet.len() % 255) as u8);
    }
    p.push(table.len() as u8);
    p.extend(table);
    for packet in packets {
        p.extend(*packet);
    }
    let crc = crate::ogg::page_crc(&p);
    p[22..26].copy_from_slice(&crc.to_le_bytes());
    p
}

/// An Ogg Opus file: its two header pages (title tag `title`, pre-skip 312), then `pages`
/// audio pages of 100 ms each (five 20 ms packets filled with `fill`).
pub(crate) fn opus_file(serial: u32, pages: u32, fill: u8, title: &str) -> Vec<u8> {
    let mut head = b"OpusHead\x01\x01".to_vec();
    head.extend(312u16.to_le_bytes());
    head.extend(48_000u32.to_le_bytes());
    head.extend([0, 0, 0]);
    let mut tags = b"OpusTags".to_vec();
    tags.extend(4u32.to_le_bytes());
    tags.extend(b"test");
    let comment = format!("TITLE={title}");
    tags.extend(1u32.to_le_bytes());
    tags.extend((comment.len() as u32).to_le_bytes());
    tags.extend(comment.as_bytes());
    let mut f = ogg_page_crc(0x02, 0, serial, 0, &[&head]);
    f.extend(ogg_page_crc(0, 0, serial, 1, &[&tags]));
    let packet = vec![fill; 60];
    for n in 1..=pages {
        let flags = if n == pages { 0x04 } else { 0 };
        let granule = 312 + u64::from(n) * 4800;
        f.extend(ogg_page_crc(
            flags,
            granule,
            serial,
            n + 1,
            &[packet.as_slice(); 5],
        ));
    }
    f
}

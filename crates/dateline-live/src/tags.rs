//! The title and artist of an audio file from its ID3v2 tag (versions 2.2, 2.3 and 2.4), for
//! a playlist's now-playing text. Reads only the text frames it needs and never fails: a tag
//! it cannot read gives no title.

/// A file's title and artist, as tagged.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
}

impl Tags {
    /// "Artist - Title", the way sources send ICY titles; whichever exists alone otherwise.
    pub fn now_playing(&self) -> String {
        match (&self.artist, &self.title) {
            (Some(a), Some(t)) => format!("{a} - {t}"),
            (Some(x), None) | (None, Some(x)) => x.clone(),
            (None, None) => String::new(),
        }
    }
}

/// The tags of the ID3v2 tag at the start of `data`, if any.
pub fn read_id3(data: &[u8]) -> Tags {
    let mut tags = Tags::default();
    if data.len() < 10 || &data[..3] != b"ID3" {
        return tags;
    }
    let version = data[3];
    let flags = data[5];
    let size = data[6..10]
        .iter()
        .fold(0usize, |acc, &x| (acc << 7) | usize::from(x & 0x7F));
    let end = (10 + size).min(data.len());
    let mut at = 10;
    if flags & 0x40 != 0 && version >= 3 {
        // An extended header: skip it (its size counts itself in 2.4, not in 2.3).
        let Some(h) = data.get(10..14) else {
            return tags;
        };
        let n = if version == 4 { syncsafe(h) } else { be(h) + 4 };
        at += n;
    }
    let (id_len, header_len) = if version == 2 { (3, 6) } else { (4, 10) };
    while at + header_len <= end {
        let id = &data[at..at + id_len];
        if id[0] == 0 {
            break; // padding
        }
        let len = match version {
            2 => be(&data[at + 3..at + 6]),
            3 => be(&data[at + 4..at + 8]),
            _ => syncsafe(&data[at + 4..at + 8]),
        };
        let body_start = at + header_len;
        let body_end = body_start.saturating_add(len).min(end);
        let body = &data[body_start..body_end];
        match id {
            b"TIT2" | b"TT2" => tags.title = text(body),
            b"TPE1" | b"TP1" => tags.artist = text(body),
            _ => {}
        }
        at = body_end;
        if len == 0 {
            at += 1;
        }
    }
    tags
}

fn be(b: &[u8]) -> usize {
    b.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x))
}

fn syncsafe(b: &[u8]) -> usize {
    b.iter()
        .fold(0usize, |acc, &x| (acc << 7) | usize::from(x & 0x7F))
}

/// A text frame's first string, trimmed; None when empty.
fn text(body: &[u8]) -> Option<String> {
    let (&encoding, rest) = body.split_first()?;
    let s = match encoding {
        0 => rest.iter().map(|&b| char::from(b)).collect::<String>(),
        1 | 2 => {
            let mut units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            let mut little = false;
            match units.first() {
                Some(0xFFFE) => {
                    little = true;
                    units.remove(0);
                }
                Some(0xFEFF) => {
                    units.remove(0);
                }
                _ => {}
            }
            if little {
                for u in &mut units {
                    *u = u.swap_bytes();
                }
            }
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(rest).into_owned(),
    };
    // Several strings are separated by NUL: the first is the one shown.
    let first = s.split('\0').next().unwrap_or("").trim();
    (!first.is_empty()).then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(id: &[u8; 4], encoding: u8, text: &[u8]) -> Vec<u8> {
        let mut f = id.to_vec();
        f.extend(((text.len() + 1) as u32).to_be_bytes());
        f.extend([0, 0, encoding]);
        f.extend(text);
        f
    }

    fn tag(frames: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = frames.concat();
        let mut t = b"ID3\x03\x00\x00".to_vec();
        let s = body.len() as u32;
        t.extend([
            (s >> 21) as u8 & 0x7F,
            (s >> 14) as u8 & 0x7F,
            (s >> 7) as u8 & 0x7F,
            s as u8 & 0x7F,
        ]);
        t.extend(body);
        t
    }

    #[test]
    fn title_and_artist_become_now_playing() {
        let t = tag(&[
            frame(b"TIT2", 3, "Station identification".as_bytes()),
            frame(b"TPE1", 0, b"Dateline"),
        ]);
        let tags = read_id3(&t);
        assert_eq!(tags.now_playing(), "Dateline - Station identification");
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read() {
        let mut text = vec![0xFF, 0xFE];
        for u in "Café".encode_utf16() {
            text.extend(u.to_le_bytes());
        }
        let t = tag(&[frame(b"TIT2", 1, &text)]);
        assert_eq!(read_id3(&t).now_playing(), "Café");
    }

    #[test]
    fn no_tag_and_broken_tags_give_no_title() {
        assert_eq!(read_id3(b"\xFF\xFB\x90\x64").now_playing(), "");
        assert_eq!(
            read_id3(b"ID3\x03\x00\x00\x7F\x7F\x7F\x7FTIT2").now_playing(),
            ""
        );
    }
}

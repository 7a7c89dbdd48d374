//! Ogg pages for playlists (RFC 3533): reading a file's pages and checking their CRCs,
//! putting the codec headers of Vorbis and Opus back together to learn a stream's clock and
//! its tags, and giving a page a new serial number (with its CRC made again) so that every
//! file played starts a logical stream of its own in the chain listeners hear.
//!
//! Never touches an audio packet: a restamped page differs from the file's only in its serial
//! number field and its CRC.

use crate::tags::Tags;

/// CRC-32 of Ogg pages: polynomial 0x04C11DB7, not reflected, no initial or final XOR.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            r = if r & 0x8000_0000 != 0 {
                (r << 1) ^ 0x04C1_1DB7
            } else {
                r << 1
            };
            bit += 1;
        }
        table[i] = r;
        i += 1;
    }
    table
};

/// The page's CRC, computed with its own CRC field taken as zero.
pub fn page_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for (i, &b) in page.iter().enumerate() {
        let b = if (22..26).contains(&i) { 0 } else { b };
        crc = (crc << 8) ^ CRC_TABLE[usize::from(((crc >> 24) as u8) ^ b)];
    }
    crc
}

/// One page of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub start: usize,
    pub len: usize,
    pub bos: bool,
    pub eos: bool,
    /// `u64::MAX` (-1) when no packet ends on the page.
    pub granule: u64,
    pub serial: u32,
    /// Where its segment table and its body are, relative to `start`.
    header_len: usize,
}

impl Page {
    /// The page at the start of `b`, whole and with a valid CRC; `None` otherwise.
    pub fn parse(b: &[u8], start: usize) -> Option<Page> {
        let b = b.get(start..)?;
        if b.len() < 27 || &b[..4] != b"OggS" || b[4] != 0 {
            return None;
        }
        let segments = usize::from(b[26]);
        let table = b.get(27..27 + segments)?;
        let body: usize = table.iter().map(|&s| usize::from(s)).sum();
        let len = 27 + segments + body;
        let page = b.get(..len)?;
        let stored = u32::from_le_bytes([page[22], page[23], page[24], page[25]]);
        if page_crc(page) != stored {
            return None;
        }
        let mut granule = [0u8; 8];
        granule.copy_from_slice(&page[6..14]);
        Some(Page {
            start,
            len,
            bos: page[5] & 0x02 != 0,
            eos: page[5] & 0x04 != 0,
            granule: u64::from_le_bytes(granule),
            serial: u32::from_le_bytes([page[14], page[15], page[16], page[17]]),
            header_len: 27 + segments,
        })
    }

    /// The page's packets' pieces: each is (bytes, whether the packet ends there).
    fn pieces<'a>(&self, data: &'a [u8]) -> Vec<(&'a [u8], bool)> {
        let page = &data[self.start..self.start + self.len];
        let table = &page[27..self.header_len];
        let mut out = Vec::new();
        let mut at = self.header_len;
        let mut from = at;
        for &s in table {
            at += usize::from(s);
            if s < 255 {
                out.push((&page[from..at], true));
                from = at;
            }
        }
        if from < at {
            out.push((&page[from..at], false));
        }
        out
    }
}

/// Every page of `data` from its start, in order; `Err` with the byte offset of the first
/// place that is not a whole page with a valid CRC.
pub fn pages(data: &[u8]) -> Result<Vec<Page>, usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let page = Page::parse(data, at).ok_or(at)?;
        at += page.len;
        out.push(page);
    }
    Ok(out)
}

/// The codec of a logical stream and what its headers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHeaders {
    pub codec: Codec,
    /// Granule positions count samples at this rate (Opus: always 48 kHz).
    pub rate: u32,
    /// Opus: samples at the start that are decoded but not played (the granule counts them).
    pub pre_skip: u64,
    pub tags: Tags,
    /// How many pages (from the stream's first) hold the headers.
    pub header_pages: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Vorbis,
    Opus,
}

/// Read the headers of the logical stream whose first page is `pages[0]`: the identification
/// header, then the comment header (Vorbis has a third, the setup header). `None` when the
/// stream is neither Vorbis nor Opus, or its headers are cut short.
pub fn stream_headers(data: &[u8], pages: &[Page]) -> Option<StreamHeaders> {
    let serial = pages.first()?.serial;
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let mut needed = 2;
    for (n, page) in pages.iter().enumerate() {
        if page.serial != serial {
            return None;
        }
        for (piece, ends) in page.pieces(data) {
            partial.extend_from_slice(piece);
            if ends {
                packets.push(std::mem::take(&mut partial));
                if packets.len() == 1 {
                    needed = match codec_of(&packets[0])? {
                        Codec::Vorbis => 3,
                        Codec::Opus => 2,
                    };
                }
            }
        }
        if packets.len() >= needed {
            let id = &packets[0];
            let codec = codec_of(id)?;
            let (rate, pre_skip, comments) = match codec {
                Codec::Vorbis => {
                    // "\x01vorbis", version (4), channels (1), sample rate (4, LE).
                    let rate = u32::from_le_bytes(id.get(12..16)?.try_into().ok()?);
                    let c = &packets[1];
                    (rate, 0, c.strip_prefix(b"\x03vorbis")?)
                }
                Codec::Opus => {
                    // "OpusHead", version (1), channels (1), pre-skip (2, LE).
                    let pre_skip = u16::from_le_bytes(id.get(10..12)?.try_into().ok()?);
                    let c = &packets[1];
                    (48_000, u64::from(pre_skip), c.strip_prefix(b"OpusTags")?)
                }
            };
            if rate == 0 {
                return None;
            }
            return Some(StreamHeaders {
                codec,
                rate,
                pre_skip,
                tags: comments_tags(comments),
                header_pages: n + 1,
            });
        }
    }
    None
}

fn codec_of(id: &[u8]) -> Option<Codec> {
    if id.starts_with(b"\x01vorbis") && id.len() >= 30 {
        Some(Codec::Vorbis)
    } else if id.starts_with(b"OpusHead") && id.len() >= 19 {
        Some(Codec::Opus)
    } else {
        None
    }
}

/// TITLE and ARTIST from a Vorbis comment block (the same layout in OpusTags): a vendor
/// string, then `KEY=value` strings, each after its length (32-bit little-endian).
fn comments_tags(b: &[u8]) -> Tags {
    let mut tags = Tags::default();
    let read_len = |at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let Some(vendor) = read_len(0) else {
        return tags;
    };
    let mut at = 4usize.saturating_add(vendor);
    let Some(count) = read_len(at) else {
        return tags;
    };
    at += 4;
    for _ in 0..count.min(10_000) {
        let Some(len) = read_len(at) else { break };
        let Some(text) = b.get(at + 4..(at + 4).saturating_add(len)) else {
            break;
        };
        at += 4 + len;
        let text = String::from_utf8_lossy(text);
        let Some((key, value)) = text.split_once('=') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if key.eq_ignore_ascii_case("TITLE") && tags.title.is_none() {
            tags.title = Some(value.to_owned());
        } else if key.eq_ignore_ascii_case("ARTIST") && tags.artist.is_none() {
            tags.artist = Some(value.to_owned());
        }
    }
    tags
}

/// Copy `pages` (whole pages, one after another) with every serial number set to `serial`
/// and each CRC made again.
pub fn restamp(pages: &[u8], serial: u32) -> Vec<u8> {
    let mut out = pages.to_vec();
    let mut at = 0;
    while at + 27 <= out.len() {
        let segments = usize::from(out[at + 26]);
        let Some(table) = out.get(at + 27..at + 27 + segments) else {
            break;
        };
        let len = 27 + segments + table.iter().map(|&s| usize::from(s)).sum::<usize>();
        let Some(page) = out.get_mut(at..at + len) else {
            break;
        };
        page[14..18].copy_from_slice(&serial.to_le_bytes());
        let crc = page_crc(page);
        page[22..26].copy_from_slice(&crc.to_le_bytes());
        at += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of one packet, with a right CRC.
    fn page(flags: u8, granule: u64, serial: u32, packet: &[u8]) -> Vec<u8> {
        let mut p = b"OggS\x00".to_vec();
        p.push(flags);
        p.extend(granule.to_le_bytes());
        p.extend(serial.to_le_bytes());
        p.extend(0u32.to_le_bytes());
        p.extend([0; 4]);
        let mut table = vec![255u8; packet.len() / 255];
        table.push((packet.len() % 255) as u8);
        p.push(table.len() as u8);
        p.extend(table);
        p.extend(packet);
        let crc = page_crc(&p);
        p[22..26].copy_from_slice(&crc.to_le_bytes());
        p
    }

    fn opus_file() -> Vec<u8> {
        let mut head = b"OpusHead\x01\x02".to_vec();
        head.extend(312u16.to_le_bytes());
        head.extend(48_000u32.to_le_bytes());
        head.extend([0, 0, 0]);
        let mut tags = b"OpusTags".to_vec();
        tags.extend(6u32.to_le_bytes());
        tags.extend(b"vendor");
        tags.extend(2u32.to_le_bytes());
        for c in ["title=Ident", "ARTIST=Dateline"] {
            tags.extend((c.len() as u32).to_le_bytes());
            tags.extend(c.as_bytes());
        }
        let mut f = page(2, 0, 7, &head);
        f.extend(page(0, 0, 7, &tags));
        f.extend(page(0, 48_312, 7, &[0xFC; 300]));
        f.extend(page(4, 96_312, 7, &[0xFC; 20]));
        f
    }

    #[test]
    fn opus_headers_give_the_clock_the_pre_skip_and_the_tags() {
        let f = opus_file();
        let pages = pages(&f).expect("whole pages");
        assert_eq!(pages.len(), 4);
        let h = stream_headers(&f, &pages).expect("Opus");
        assert_eq!(h.codec, Codec::Opus);
        assert_eq!((h.rate, h.pre_skip, h.header_pages), (48_000, 312, 2));
        assert_eq!(h.tags.now_playing(), "Dateline - Ident");
    }

    #[test]
    fn a_damaged_page_is_found_and_restamping_keeps_crcs_right() {
        let mut f = opus_file();
        let again = restamp(&f, 99);
        let restamped = pages(&again).expect("CRCs made again");
        assert!(restamped.iter().all(|p| p.serial == 99));
        assert_eq!(again.len(), f.len());
        let second = pages(&f).expect("whole")[1].start;
        f[second + 30] ^= 1;
        assert_eq!(pages(&f), Err(second));
    }
}

//! Recognising an uploaded photo and making the files that are served for it. An upload is
//! accepted only when its first bytes say it is a JPEG, PNG, WebP or GIF, its name and declared
//! type agree with that, its structure is complete, its header's dimensions are within
//! [`MAX_SIDE`] pixels a side and the site's megapixel limit, and it decodes as that format
//! within the memory that limit allows ([`alloc_limit`]). A decompression bomb (a small file
//! whose header claims a huge picture) is refused from its header, before any pixel is
//! allocated or decoded.
//!
//! Served variants are re-encoded from decoded pixels, so no EXIF (location, camera) or other
//! metadata of the original ever reaches a reader. Each width is also made in AVIF and lossy
//! WebP ([`Extra`]), which phones take at a fraction of the JPEG's bytes; AVIF is the slow one
//! (a second or more a photo even optimised), which is why variants are made by the worker and
//! never while an upload waits. Everything here is CPU work and blocks: call
//! it from `spawn_blocking` (or a thread), never on the async threads. Nothing here touches
//! the disk.

use dateline_core::media::{Extra, VARIANT_WIDTHS};
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// Widest and tallest photo accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// The default limit on a photo's pixels (`--media-max-megapixels`): a 50-megapixel camera's
/// full frame. Its decoded pixels take 150 MB (8-bit RGB) to 400 MB (16-bit RGBA).
pub const DEFAULT_MAX_MEGAPIXELS: u32 = 50;
/// The largest megapixel limit a site may set: [`MAX_SIDE`] squared, rounded down.
pub const MAX_MEGAPIXELS: u32 = 144;

/// Most memory one decode of a photo of at most `max_pixels` may allocate: 8 bytes a pixel
/// (16-bit RGBA, the widest layout a decoder produces) plus room for the decoder's own
/// buffers.
pub fn alloc_limit(max_pixels: u64) -> u64 {
    max_pixels
        .saturating_mul(8)
        .saturating_add(64 * 1024 * 1024)
}
/// JPEG quality of the served variants.
const JPEG_QUALITY: u8 = 80;
/// libwebp's quality (0–100) of the served WebP variants: about JPEG 80's look in fewer bytes.
const WEBP_QUALITY: f32 = 78.0;
/// ravif's quality (1–100) of the served AVIF variants: ravif's default. 70 was chosen on the
/// demo's generated photos, but on camera photos it smeared fine texture (a treeline's bare
/// branches, petals' streaks) visibly, with SSIM 0.004–0.023 under JPEG q80's; 80 keeps
/// that texture close to the JPEG's for a quarter to a third of its bytes
/// (`scripts/bench-photo-quality`, docs/benchmarks.md).
pub const AVIF_QUALITY: f32 = 80.0;
/// ravif's speed (1 slowest … 10 fastest): 7 costs a little size against 4 but encodes several
/// times faster, which matters on a two-core node making every upload's variants.
pub const AVIF_SPEED: u8 = 7;

/// The photo formats the library takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl Format {
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::WebP => "image/webp",
            Format::Gif => "image/gif",
        }
    }

    /// The extension of served files (the one `Media::extension` gives for [`Format::mime`]).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Gif => "gif",
        }
    }

    /// The name people know it by, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
            Format::Gif => "GIF",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::WebP => ImageFormat::WebP,
            Format::Gif => ImageFormat::Gif,
        }
    }

    /// The format stored as `mime` (see [`Format::mime`]).
    pub fn of_mime(mime: &str) -> Option<Format> {
        Format::from_mime(mime).flatten()
    }

    /// The format the file's first bytes announce.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Format::WebP)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else {
            None
        }
    }

    /// The format a file name's extension claims; `None` for no extension, `Some(None)` for
    /// an extension that is none of the four.
    fn from_name(name: &str) -> Option<Option<Format>> {
        let (_, ext) = name.rsplit_once('.')?;
        Some(match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" | "jpe" | "jfif" => Some(Format::Jpeg),
            "png" => Some(Format::Png),
            "webp" => Some(Format::WebP),
            "gif" => Some(Format::Gif),
            _ => None,
        })
    }

    /// The format a declared `Content-Type` claims; `None` when it claims nothing useful
    /// (absent, or the generic `application/octet-stream` some clients send).
    fn from_mime(mime: &str) -> Option<Option<Format>> {
        let mime = mime
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Some(match mime.as_str() {
            "" | "application/octet-stream" => return None,
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Format::Jpeg),
            "image/png" => Some(Format::Png),
            "image/webp" => Some(Format::WebP),
            "image/gif" => Some(Format::Gif),
            _ => None,
        })
    }
}

/// Why an upload was refused; the text is shown to the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is larger than the limit of {0} MB.")]
    TooBig(u64),
    #[error("The file is not a JPEG, PNG, WebP or GIF image.")]
    NotAnImage,
    #[error(
        "The file is a {actual} image but says it is {claimed}: give it the right extension \
         and upload it again."
    )]
    Mismatch {
        claimed: &'static str,
        actual: &'static str,
    },
    #[error("The {0} image is incomplete or damaged, so it could not be read.")]
    Damaged(&'static str),
    #[error("The image is too large: at most {MAX_SIDE} pixels on each side are accepted.")]
    TooManyPixels,
    #[error(
        "This image is {} × {} pixels ({} megapixels); the largest this site accepts is {}.",
        thousands(u64::from(*width)),
        thousands(u64::from(*height)),
        megapixels(u64::from(*width) * u64::from(*height)),
        megapixels_limit(*max_pixels)
    )]
    TooManyMegapixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
}

/// `11900` as `11,900`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Pixels as megapixels to one decimal, rounded (`141,610,000` as `141.6`).
fn megapixels(pixels: u64) -> String {
    let tenths = (pixels + 50_000) / 100_000;
    format!("{}.{}", thousands(tenths / 10), tenths % 10)
}

/// The limit as people say it: `50 megapixels`, `1 megapixel`.
fn megapixels_limit(max_pixels: u64) -> String {
    let mp = max_pixels / 1_000_000;
    if !max_pixels.is_multiple_of(1_000_000) {
        format!("{} megapixels", megapixels(max_pixels))
    } else if mp == 1 {
        "1 megapixel".to_owned()
    } else {
        format!("{} megapixels", thousands(mp))
    }
}

impl Refusal {
    /// The HTTP status of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::TooBig(_) | Refusal::TooManyPixels | Refusal::TooManyMegapixels { .. } => 413,
            Refusal::NotAnImage | Refusal::Mismatch { .. } => 415,
            Refusal::Empty | Refusal::Damaged(_) => 422,
        }
    }
}

/// An accepted photo: its format and its pixels, turned upright by its EXIF orientation.
pub struct Checked {
    pub format: Format,
    pub image: DynamicImage,
}

/// [`check_within`] the default megapixel limit (tests, the demo's own photos).
pub fn check(
    bytes: &[u8],
    declared_type: Option<&str>,
    file_name: Option<&str>,
) -> Result<Checked, Refusal> {
    check_within(
        bytes,
        declared_type,
        file_name,
        u64::from(DEFAULT_MAX_MEGAPIXELS) * 1_000_000,
    )
}

/// Check an upload: the rule is that the first bytes decide the format, which must be one of
/// the four, and that the file name's extension and the declared type, when given, must name
/// the same format (a PNG named `.jpg` is refused); then the file must be complete, its header
/// must claim at most `max_pixels` pixels, and it must decode.
pub fn check_within(
    bytes: &[u8],
    declared_type: Option<&str>,
    file_name: Option<&str>,
    max_pixels: u64,
) -> Result<Checked, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    let format = Format::sniff(bytes).ok_or(Refusal::NotAnImage)?;
    let claims = [
        file_name.and_then(Format::from_name),
        declared_type.and_then(Format::from_mime),
    ];
    for claim in claims.into_iter().flatten() {
        match claim {
            Some(c) if c == format => {}
            Some(c) => {
                return Err(Refusal::Mismatch {
                    claimed: c.name(),
                    actual: format.name(),
                });
            }
            None => {
                return Err(Refusal::Mismatch {
                    claimed: "something else",
                    actual: format.name(),
                });
            }
        }
    }
    if !complete(bytes, format) {
        return Err(Refusal::Damaged(format.name()));
    }
    let image = decode(bytes, format, max_pixels)?;
    Ok(Checked { format, image })
}

/// The dimensions the file's header claims, read without decoding any pixel; refused when they
/// are over [`MAX_SIDE`] or `max_pixels`.
pub fn check_dimensions(
    bytes: &[u8],
    format: Format,
    max_pixels: u64,
) -> Result<(u32, u32), Refusal> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    // The header alone: no pixel is allocated here whatever it claims.
    reader.limits(header_limits());
    let (width, height) = reader.into_dimensions().map_err(|e| refusal(e, format))?;
    within(width, height, format, max_pixels)
}

/// Whether a picture of `width` × `height` may be decoded: both sides within [`MAX_SIDE`], the
/// area within `max_pixels`, neither side zero.
fn within(width: u32, height: u32, format: Format, max_pixels: u64) -> Result<(u32, u32), Refusal> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Refusal::TooManyPixels);
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Refusal::TooManyMegapixels {
            width,
            height,
            max_pixels,
        });
    }
    if width == 0 || height == 0 {
        return Err(Refusal::Damaged(format.name()));
    }
    Ok((width, height))
}

/// Limits for reading a header: no side limit (so the answer can say how large the picture
/// claims to be), and little memory.
fn header_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(16 * 1024 * 1024);
    limits
}

/// Whether the file's structure is whole: decoders are lenient with missing data (a truncated
/// JPEG decodes with a grey bottom), so the end of each format is checked here.
fn complete(bytes: &[u8], format: Format) -> bool {
    match format {
        // After the last start-of-scan there must be an end-of-image marker: inside
        // entropy-coded data 0xFF is always followed by 0x00 or a restart marker.
        Format::Jpeg => {
            let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
            match last_scan {
                Some(at) => bytes[at + 2..].windows(2).any(|w| w == [0xFF, 0xD9]),
                None => false,
            }
        }
        Format::Png => bytes.windows(4).rev().take(64).any(|w| w == b"IEND"),
        Format::WebP => {
            let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            u64::from(declared) + 8 <= bytes.len() as u64
        }
        Format::Gif => bytes.iter().rev().take(16).any(|b| *b == 0x3B),
    }
}

fn decode(bytes: &[u8], format: Format, max_pixels: u64) -> Result<DynamicImage, Refusal> {
    let damaged = || Refusal::Damaged(format.name());
    check_dimensions(bytes, format, max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(alloc_limit(max_pixels));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| refusal(e, format))?;
    // The decoder's own reading of the header must agree with the check above.
    let (width, height) = decoder.dimensions();
    within(width, height, format, max_pixels)?;
    let orientation = decoder.orientation().map_err(|_| damaged())?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| refusal(e, format))?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn refusal(e: image::ImageError, format: Format) -> Refusal {
    match e {
        image::ImageError::Limits(_) => Refusal::TooManyPixels,
        _ => Refusal::Damaged(format.name()),
    }
}

/// One served file of a photo.
#[derive(Debug, Clone)]
pub struct Variant {
    pub width: u32,
    /// `jpg`, `png`, `webp`, `gif` or `avif`.
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

/// The widths a photo `width` pixels wide is offered at: every standard width it reaches
/// (never upscaled), or its own width when it is narrower than all of them.
pub fn widths_for(width: u32) -> Vec<u32> {
    let mut out: Vec<u32> = VARIANT_WIDTHS
        .iter()
        .copied()
        .filter(|w| *w <= width)
        .collect();
    if out.is_empty() {
        out.push(width.max(1));
    }
    out
}

/// The height of a `width`-wide copy of a `w`×`h` photo (aspect ratio kept, rounded).
pub fn height_for(w: u32, h: u32, width: u32) -> u32 {
    let w = w.max(1);
    (((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w)) as u32).max(1)
}

/// The photo resampled to exactly `width`×`height` (a copy when it is that size already).
pub fn scaled_to(image: &DynamicImage, width: u32, height: u32) -> DynamicImage {
    image.resize_exact(width, height, FilterType::Triangle)
}

/// Encode pixels as `format` (metadata-free by construction). WebP is lossy (libwebp), as
/// served WebP variants are.
pub fn encode(image: &DynamicImage, format: Format) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&image.to_rgb8())?
        }
        Format::Png => image.write_with_encoder(PngEncoder::new(&mut out))?,
        Format::WebP => out = encode_webp(image),
        // The first frame only: served GIFs are still images.
        Format::Gif => {
            let mut enc = GifEncoder::new_with_speed(&mut out, 10);
            enc.encode_frame(image::Frame::new(image.to_rgba8()))?;
        }
    }
    Ok(out)
}

/// Encode pixels in an extra served format.
pub fn encode_extra(image: &DynamicImage, extra: Extra) -> anyhow::Result<Vec<u8>> {
    match extra {
        Extra::Webp => Ok(encode_webp(image)),
        Extra::Avif => encode_avif(image),
    }
}

/// Lossy WebP through libwebp (the alpha channel kept, when the picture has one).
fn encode_webp(image: &DynamicImage) -> Vec<u8> {
    let (w, h) = (image.width(), image.height());
    if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        webp::Encoder::from_rgba(rgba.as_raw(), w, h)
            .encode(WEBP_QUALITY)
            .to_vec()
    } else {
        let rgb = image.to_rgb8();
        webp::Encoder::from_rgb(rgb.as_raw(), w, h)
            .encode(WEBP_QUALITY)
            .to_vec()
    }
}

/// AVIF through ravif (rav1e); an opaque picture is written without an alpha plane.
fn encode_avif(image: &DynamicImage) -> anyhow::Result<Vec<u8>> {
    encode_avif_at(image, AVIF_QUALITY, AVIF_SPEED)
}

/// AVIF at a given ravif quality (1–100) and speed (1–10): the served variants use
/// [`AVIF_QUALITY`] and [`AVIF_SPEED`]; `dateline-bench photo-quality` tries others.
pub fn encode_avif_at(image: &DynamicImage, quality: f32, speed: u8) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let encoder = ravif::Encoder::new()
        .with_quality(quality)
        .with_alpha_quality(quality)
        .with_speed(speed)
        // 8-bit like every source here: ravif's default of 10 bits costs rav1e's slower
        // high-bit-depth paths (pure Rust here, no asm) for no gain a reader sees.
        .with_bit_depth(ravif::BitDepth::Eight)
        // One thread: the worker makes one photo at a time so the node keeps a core for
        // readers rather than rayon taking every one.
        .with_num_threads(Some(1));
    // Always `encode_rgba` (it leaves the alpha plane out of an opaque picture): it is not
    // generic and not `#[inline]`, so rav1e's generic encoder is compiled inside ravif with
    // ravif's opt-level. `encode_rgb` is `#[inline]` and generic over its pixel iterator, so
    // rav1e would be monomorphised here, unoptimised in a debug build (8× the CPU time
    // measured on the unit tests).
    let pixels: Vec<ravif::RGBA8> = image
        .to_rgba8()
        .pixels()
        .map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3]))
        .collect();
    let encoded = encoder.encode_rgba(ravif::Img::new(&pixels[..], w, h))?;
    Ok(encoded.avif_file)
}

/// Every served file of a photo: each width of [`widths_for`] in its own format and in each
/// of `extras` ([`Extra::ALL`] for a new photo; the missing ones for an old photo's backfill),
/// except WebP for a WebP upload, whose own files are WebP already. `own` false leaves out
/// the upload's own format (a backfill: those files exist).
pub fn variants(
    image: &DynamicImage,
    format: Format,
    own: bool,
    extras: &[Extra],
) -> anyhow::Result<Vec<Variant>> {
    let mut out = Vec::new();
    for width in widths_for(image.width()) {
        let img = scaled_to(
            image,
            width,
            height_for(image.width(), image.height(), width),
        );
        if own {
            out.push(Variant {
                width,
                extension: format.extension(),
                bytes: encode(&img, format)?,
            });
        }
        for &extra in extras {
            if extra.extension() == format.extension() {
                continue;
            }
            out.push(Variant {
                width,
                extension: extra.extension(),
                bytes: encode_extra(&img, extra)?,
            });
        }
    }
    Ok(out)
}

/// The name part every file of a photo shares: the first 16 hex digits of a SHA-256.
pub fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests;

//! Generated stand-in photos for the demo: abstract landscapes (a two-colour sky, soft light
//! spots, layered hills) drawn from the colours in `photos.toml`, encoded as JPEG at every
//! variant width by `dateline_web::media::images`, exactly as uploads are. Deterministic: the same entry always gives the same bytes and so the same hash.

use super::PhotoEntry;
use anyhow::{Context, anyhow};
use dateline_web::media::images;
use image::{DynamicImage, Rgb, RgbImage};

pub(crate) struct Generated {
    pub(crate) hash: String,
    /// (width, JPEG bytes), narrowest first.
    pub(crate) variants: Vec<(u32, Vec<u8>)>,
}

fn parse_colour(hex: &str) -> anyhow::Result<[f32; 3]> {
    let h = hex.trim_start_matches('#');
    if h.len() != 6 {
        return Err(anyhow!("colour {hex:?} is not #rrggbb"));
    }
    let c = |i: usize| -> anyhow::Result<f32> {
        Ok(f32::from(
            u8::from_str_radix(&h[i..i + 2], 16).with_context(|| format!("colour {hex:?}"))?,
        ))
    };
    Ok([c(0)?, c(2)?, c(4)?])
}

/// A tiny deterministic generator (xorshift), seeded from the photo's key.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 10_000) as f32 / 10_000.0
    }
}

/// Render every photo, spread over the machine's cores (scoped threads: no pool to own).
pub(crate) fn render_all(entries: &[PhotoEntry]) -> anyhow::Result<Vec<Generated>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let chunk = entries.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(render).collect::<anyhow::Result<Vec<_>>>())
            })
            .collect();
        let mut out = Vec::with_capacity(entries.len());
        for h in handles {
            out.extend(h.join().map_err(|_| anyhow!("a photo worker panicked"))??);
        }
        Ok(out)
    })
}

fn render(entry: &PhotoEntry) -> anyhow::Result<Generated> {
    let a = parse_colour(&entry.colors[0])?;
    let b = parse_colour(&entry.colors[1])?;
    let (w, h) = (entry.width.max(16), entry.height.max(16));
    // The art is smooth gradients: drawn at a quarter of the size and scaled up, it looks the
    // same and costs a sixteenth (debug builds and tests load the demo too).
    let (dw, dh) = ((w / 4).max(4), (h / 4).max(4));
    let seed = entry.key.bytes().fold(0x9E37_79B9_7F4A_7C15u64, |s, c| {
        (s ^ u64::from(c)).wrapping_mul(0x100_0000_01B3)
    });
    let mut rng = Rng(seed | 1);
    let spots: Vec<(f32, f32, f32, f32)> = (0..7)
        .map(|_| {
            (
                rng.next(),
                rng.next() * 0.6,
                0.05 + rng.next() * 0.12,
                0.15 + rng.next() * 0.25,
            )
        })
        .collect();
    let hills: Vec<(f32, f32, f32)> = (0..3)
        .map(|i| {
            (
                0.55 + 0.12 * i as f32 + rng.next() * 0.05,
                2.0 + rng.next() * 5.0,
                rng.next() * std::f32::consts::TAU,
            )
        })
        .collect();
    let mut img = RgbImage::new(dw, dh);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let fx = x as f32 / dw as f32;
        let fy = y as f32 / dh as f32;
        let t = (fy * 0.8 + fx * 0.2).clamp(0.0, 1.0);
        let mut c = [0.0f32; 3];
        for i in 0..3 {
            c[i] = a[i] * (1.0 - t) + b[i] * t;
        }
        for (sx, sy, r, strength) in &spots {
            let d = ((fx - sx).powi(2) + ((fy - sy) * h as f32 / w as f32).powi(2)).sqrt();
            if d < *r {
                let k = (1.0 - d / r).powi(2) * strength;
                for v in &mut c {
                    *v += (255.0 - *v) * k;
                }
            }
        }
        for (i, (base, freq, phase)) in hills.iter().enumerate() {
            let ridge = base + 0.04 * (fx * freq + phase).sin();
            // A soft edge a few pixels wide, so the ridge stays smooth when scaled up.
            let cover = ((fy - ridge) * dh as f32 / 1.5).clamp(0.0, 1.0);
            if cover > 0.0 {
                let shade = 0.55 - 0.12 * i as f32;
                for (j, v) in c.iter_mut().enumerate() {
                    let shaded = *v * shade + a[j] * (1.0 - shade) * 0.35;
                    *v = *v * (1.0 - cover) + shaded * cover;
                }
            }
        }
        *px = Rgb([
            c[0].clamp(0.0, 255.0) as u8,
            c[1].clamp(0.0, 255.0) as u8,
            c[2].clamp(0.0, 255.0) as u8,
        ]);
    }
    // The same resampling and encoding as uploads to the media library.
    let img = DynamicImage::ImageRgb8(img);
    let mut variants = Vec::new();
    for vw in images::widths_for(w) {
        let vh = images::height_for(w, h, vw);
        let bytes = images::encode(&images::scaled_to(&img, vw, vh), images::Format::Jpeg)
            .context("encoding a demo photo")?;
        variants.push((vw, bytes));
    }
    let original = variants
        .last()
        .map(|(_, b)| b.as_slice())
        .ok_or_else(|| anyhow!("photo {} is narrower than every variant", entry.key))?;
    let hash = images::content_hash(original);
    Ok(Generated { hash, variants })
}

//! `photo-quality --out DIR FILE…`: the served variants of camera photos, written out so their
//! loss can be measured (`scripts/bench-photo-quality` runs ffmpeg's SSIM on them). Each photo
//! is checked and decoded as an upload is, resampled to each variant width and encoded as the
//! worker does (JPEG, lossy WebP, AVIF; AVIF at another quality or speed when asked, to tune
//! it), one photo at a time on one thread. Beside each width's files goes the encoders' input
//! as a lossless PNG, so encoder loss can be told from resampling. Reads the photos, writes
//! only under DIR.

use anyhow::Context;
use dateline_core::media::Extra;
use dateline_web::media::images::{self, Format};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One file written.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The photo's file stem (`lake`).
    pub photo: String,
    pub width: u32,
    /// `jpg`, `webp` or `avif`.
    pub format: &'static str,
    pub bytes: usize,
    pub encode_ms: f64,
    pub path: PathBuf,
}

/// Encode every photo of `files` into `out`, AVIF at `avif_quality` and `avif_speed`.
pub fn run(
    files: &[PathBuf],
    out: &Path,
    avif_quality: f32,
    avif_speed: u8,
) -> anyhow::Result<Vec<Encoded>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut done = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .with_context(|| format!("{} has no file name", path.display()))?
            .to_owned();
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let checked = images::check(&bytes, None, None)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let img = checked.image;
        for width in images::widths_for(img.width()) {
            let scaled = images::scaled_to(
                &img,
                width,
                images::height_for(img.width(), img.height(), width),
            );
            let input = out.join(format!("{stem}-{width}-input.png"));
            std::fs::write(&input, images::encode(&scaled, Format::Png)?)
                .with_context(|| format!("writing {}", input.display()))?;
            for format in ["jpg", "webp", "avif"] {
                let started = Instant::now();
                let encoded = match format {
                    "jpg" => images::encode(&scaled, Format::Jpeg)?,
                    "webp" => images::encode_extra(&scaled, Extra::Webp)?,
                    _ => images::encode_avif_at(&scaled, avif_quality, avif_speed)?,
                };
                let encode_ms = started.elapsed().as_secs_f64() * 1000.0;
                let file = out.join(format!("{stem}-{width}.{format}"));
                std::fs::write(&file, &encoded)
                    .with_context(|| format!("writing {}", file.display()))?;
                done.push(Encoded {
                    photo: stem.clone(),
                    width,
                    format,
                    bytes: encoded.len(),
                    encode_ms,
                    path: file,
                });
            }
        }
        eprintln!("photo-quality: {}", path.display());
    }
    Ok(done)
}

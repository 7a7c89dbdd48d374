//! `photos --media DIR`: encode time and bytes of each served format (JPEG, WebP, AVIF) at each
//! variant width, for the demo's photos. The widest JPEG variant of each photo in a demo data
//! folder's media store (`DIR/*-1600.jpg`) stands in for its original, as the worker's
//! backfill of the demo does; each width is resampled once and encoded in every format with
//! the functions the worker uses, one photo at a time on one thread, so the figures are the
//! worker's own. Reads files only; writes nothing.

use anyhow::Context;
use dateline_core::media::Extra;
use dateline_web::media::images::{self, Format};
use std::path::Path;
use std::time::Instant;

/// One format at one width, summed over the photos.
#[derive(Debug, Default, Clone)]
pub struct Figure {
    pub width: u32,
    pub format: &'static str,
    pub photos: usize,
    pub bytes: u64,
    pub encode_ms: f64,
}

/// Measure up to `limit` photos of `media`; the figures in (width, JPEG/WebP/AVIF) order.
pub fn run(media: &Path, limit: usize) -> anyhow::Result<Vec<Figure>> {
    let mut files: Vec<_> = std::fs::read_dir(media)
        .with_context(|| format!("reading {}", media.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("-1600.jpg"))
        })
        .collect();
    files.sort();
    files.truncate(limit);
    anyhow::ensure!(
        !files.is_empty(),
        "no *-1600.jpg photo in {}: run `dateline serve --demo` on it first",
        media.display()
    );
    let mut out: Vec<Figure> = Vec::new();
    for (i, path) in files.iter().enumerate() {
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
            for format in ["jpeg", "webp", "avif"] {
                let started = Instant::now();
                let encoded = match format {
                    "jpeg" => images::encode(&scaled, Format::Jpeg)?,
                    "webp" => images::encode_extra(&scaled, Extra::Webp)?,
                    _ => images::encode_extra(&scaled, Extra::Avif)?,
                };
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let at = match out
                    .iter()
                    .position(|f| f.width == width && f.format == format)
                {
                    Some(at) => at,
                    None => {
                        out.push(Figure {
                            width,
                            format,
                            ..Figure::default()
                        });
                        out.len() - 1
                    }
                };
                let f = &mut out[at];
                f.photos += 1;
                f.bytes += encoded.len() as u64;
                f.encode_ms += ms;
            }
        }
        eprintln!("photos: {}/{} {}", i + 1, files.len(), path.display());
    }
    Ok(out)
}

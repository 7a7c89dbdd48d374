//! The theme: Jinja templates and static assets. The default theme is embedded in the binary;
//! a theme folder given at start overrides any of its files by name (`templates/article.html`,
//! `assets/site.css`), so a site changes its look without recompiling.
//!
//! Everything is read once, at start: rendering never touches the disk. Assets are served at
//! `/assets/{hash}/{name}`, so their URLs change with their content and can be cached forever.

use anyhow::Context;
use bytes::Bytes;
use minijinja::{AutoEscape, Environment};
use rust_embed::RustEmbed;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

#[derive(RustEmbed)]
#[folder = "../../themes/default/"]
struct DefaultTheme;

#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub hash: String,
}

pub struct Theme {
    env: Environment<'static>,
    assets: Arc<HashMap<String, Asset>>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("assets", &self.assets.len())
            .finish_non_exhaustive()
    }
}

impl Theme {
    /// The default theme, with files from `dir` (if given) taking precedence.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut files: HashMap<String, Vec<u8>> = HashMap::new();
        for name in DefaultTheme::iter() {
            if let Some(f) = DefaultTheme::get(&name) {
                files.insert(name.to_string(), f.data.into_owned());
            }
        }
        if let Some(dir) = dir {
            read_dir_into(dir, dir, &mut files)
                .with_context(|| format!("reading theme folder {}", dir.display()))?;
        }
        let mut assets = HashMap::new();
        let mut templates = Vec::new();
        for (name, data) in files {
            if let Some(t) = name.strip_prefix("templates/") {
                let source = String::from_utf8(data)
                    .with_context(|| format!("template {name} is not UTF-8"))?;
                templates.push((t.to_owned(), source));
            } else if let Some(a) = name.strip_prefix("assets/") {
                let hash: String = Sha256::digest(&data)[..6]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assets.insert(
                    a.to_owned(),
                    Asset {
                        content_type: content_type(a),
                        bytes: Bytes::from(data),
                        hash,
                    },
                );
            }
        }
        let assets = Arc::new(assets);
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".xml") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // minijinja's HTML escaping also escapes `/`, turning every URL into `&#x2f;`-soup; the
        // five characters below are all that HTML text and quoted attributes need.
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Html)
                && !value.is_safe()
                && let Some(s) = value.as_str()
            {
                return dateline_core::html::escape_into(out, s).map_err(|_| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "output")
                });
            }
            minijinja::escape_formatter(out, state, value)
        });
        let for_fn = assets.clone();
        env.add_function(
            "asset",
            move |name: &str| -> Result<String, minijinja::Error> {
                for_fn
                    .get(name)
                    .map(|a| format!("/assets/{}/{}", a.hash, name))
                    .ok_or_else(|| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("the theme has no asset {name}"),
                        )
                    })
            },
        );
        for (name, source) in templates {
            env.add_template_owned(name.clone(), source)
                .with_context(|| format!("template {name} does not parse"))?;
        }
        Ok(Self { env, assets })
    }

    /// Render a template to a string.
    pub fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }

    pub fn asset(&self, name: &str) -> Option<&Asset> {
        self.assets.get(name)
    }
}

fn read_dir_into(
    root: &Path,
    dir: &Path,
    files: &mut HashMap<String, Vec<u8>>,
) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            read_dir_into(root, &path, files)?;
        } else {
            let rel = path
                .strip_prefix(root)?
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, std::fs::read(&path)?);
        }
    }
    Ok(())
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

//! HTTP as the scenarios speak it: a client with a small cookie jar (a browser's session moving
//! from node to node through nginx), the write API with a bearer token, form scraping, and the
//! bounded poll every cross-node check uses instead of a sleep.

use anyhow::{Context, bail};
use scraper::{Html, Selector};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A reqwest client that follows no redirects (the scenarios look at each 303 and 301).
pub fn http() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()?)
}

/// An answer read whole: status, the node nginx chose (when through nginx), body.
pub struct Answer {
    pub status: u16,
    pub upstream: Option<String>,
    pub body: String,
}

impl Answer {
    async fn read(res: reqwest::Response) -> anyhow::Result<Self> {
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let upstream = header("x-dateline-upstream");
        Ok(Self {
            status: res.status().as_u16(),
            upstream,
            body: res.text().await?,
        })
    }
}

/// A browser: cookies kept across requests to one origin (nginx's, or a node's).
pub struct Browser {
    http: reqwest::Client,
    base: String,
    jar: Mutex<BTreeMap<String, String>>,
    /// Every node nginx sent this browser's requests to, in order.
    pub upstreams: Mutex<Vec<String>>,
}

impl Browser {
    pub fn new(http: &reqwest::Client, base: &str) -> Self {
        Self {
            http: http.clone(),
            base: base.trim_end_matches('/').to_owned(),
            jar: Mutex::new(BTreeMap::new()),
            upstreams: Mutex::new(Vec::new()),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Answer> {
        let cookies = {
            let jar = self.jar.lock().unwrap_or_else(|e| e.into_inner());
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let req = if cookies.is_empty() {
            req
        } else {
            req.header(reqwest::header::COOKIE, cookies)
        };
        let res = req.send().await.with_context(|| what.to_owned())?;
        {
            let mut jar = self.jar.lock().unwrap_or_else(|e| e.into_inner());
            for c in res.headers().get_all(reqwest::header::SET_COOKIE) {
                let Ok(c) = c.to_str() else { continue };
                let first = c.split(';').next().unwrap_or("");
                let Some((name, value)) = first.split_once('=') else {
                    continue;
                };
                let gone = value.is_empty()
                    || c.split(';')
                        .any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
                if gone {
                    jar.remove(name.trim());
                } else {
                    jar.insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
        }
        let answer = Answer::read(res).await?;
        if let Some(u) = &answer.upstream {
            self.upstreams
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(u.clone());
        }
        Ok(answer)
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Answer> {
        self.send(
            self.http.get(format!("{}{path}", self.base)),
            &format!("GET {path}"),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(String, String)]) -> anyhow::Result<Answer> {
        self.send(
            self.http.post(format!("{}{path}", self.base)).form(form),
            &format!("POST {path}"),
        )
        .await
    }
}

/// The fields a browser would send for the form `form_css` on `html`: text inputs and hidden
/// ones, checked boxes, text areas, each select's chosen option (or its first); no buttons.
pub fn form_fields(html: &str, form_css: &str) -> anyhow::Result<Vec<(String, String)>> {
    let doc = Html::parse_document(html);
    let sel = |css: &str| Selector::parse(css).map_err(|e| anyhow::anyhow!("selector {css}: {e}"));
    let form = doc
        .select(&sel(form_css)?)
        .next()
        .with_context(|| format!("no {form_css} on the page"))?;
    let mut out = Vec::new();
    for el in form.select(&sel("input[name], textarea[name], select[name]")?) {
        let v = el.value();
        let name = v.attr("name").unwrap_or_default().to_owned();
        match v.name() {
            "input" => {
                let kind = v.attr("type").unwrap_or("text");
                if matches!(kind, "submit" | "button" | "image" | "file") {
                    continue;
                }
                if matches!(kind, "checkbox" | "radio") && v.attr("checked").is_none() {
                    continue;
                }
                out.push((name, v.attr("value").unwrap_or_default().to_owned()));
            }
            "textarea" => out.push((name, el.text().collect())),
            _ => {
                let options: Vec<_> = el.select(&sel("option")?).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first());
                if let Some(o) = chosen {
                    let value = o
                        .value()
                        .attr("value")
                        .map(str::to_owned)
                        .unwrap_or_else(|| o.text().collect());
                    out.push((name, value));
                }
            }
        }
    }
    Ok(out)
}

/// The `value` of the first element matching `css`.
pub fn attr(html: &str, css: &str, name: &str) -> anyhow::Result<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(css).map_err(|e| anyhow::anyhow!("selector {css}: {e}"))?;
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name))
        .map(str::to_owned)
        .with_context(|| format!("no {css}[{name}] on the page"))
}

/// Set `name` to `value` in `fields` (added if missing).
pub fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

/// A call to the JSON API with the editor's token: status and body (JSON, or the text as a
/// JSON string).
pub async fn api(
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: &str,
    body: Option<serde_json::Value>,
) -> anyhow::Result<(u16, serde_json::Value)> {
    let mut req = http
        .request(method.clone(), url)
        .header("authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req
        .send()
        .await
        .with_context(|| format!("{method} {url}"))?;
    let status = res.status().as_u16();
    let text = res.text().await?;
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Ok((status, value))
}

/// `api`, insisting on a 2xx.
pub async fn api_ok(
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: &str,
    body: Option<serde_json::Value>,
) -> anyhow::Result<serde_json::Value> {
    let (status, value) = api(http, token, method.clone(), url, body).await?;
    if !(200..300).contains(&status) {
        bail!("{method} {url}: {status} {value}");
    }
    Ok(value)
}

/// Ask `check` again every 50 ms until it says yes (`Ok(None)` means "not yet", with the
/// latest reason kept) or `within` passes; then fail with `what` and that reason.
pub async fn eventually<F, Fut>(what: &str, within: Duration, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<String>>>,
{
    let deadline = Instant::now() + within;
    loop {
        let last = match check().await {
            Ok(None) => return Ok(()),
            Ok(Some(why)) => why,
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() > deadline {
            bail!("{what}: still not so after {within:?}: {last}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

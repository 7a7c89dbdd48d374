//! The key an old site's URL is kept under (issue 16): its path with a trailing slash, or, for
//! WordPress's query forms (`/?p=12`, `/?cat=3`, `/?feed=rss2`…), the path and that one
//! parameter. The importer stores keys made here and the site looks requests up by the same
//! function, so the two can never disagree on a slash or an order of parameters.

/// Query parameters that name a thing on a WordPress site, in the order they are tried.
const NAMING: &[&str] = &[
    "p",
    "page_id",
    "attachment_id",
    "cat",
    "tag",
    "author",
    "feed",
];

/// The key for `path` and its raw query, or None when nothing could be kept under it (a path
/// with no room for a redirect: not starting with `/`).
pub fn key(path: &str, query: Option<&str>) -> Option<String> {
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    if let Some(q) = query {
        for name in NAMING {
            for pair in q.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if k == *name && !v.is_empty() {
                    return Some(format!("{path}?{k}={v}"));
                }
            }
        }
    }
    let last = path.rsplit('/').next().unwrap_or("");
    if path.ends_with('/') || last.contains('.') {
        Some(path.to_owned())
    } else {
        Some(format!("{path}/"))
    }
}

/// The key of an absolute URL of the old site (`https://old.example/2019/03/x/`).
pub fn key_of_url(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or("");
    let path_start = rest.find(['/', '?']).unwrap_or(rest.len());
    let tail = &rest[path_start..];
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    key(path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_paths_with_a_slash_or_one_naming_parameter() {
        assert_eq!(key("/2019/03/x", None).as_deref(), Some("/2019/03/x/"));
        assert_eq!(key("/feed/", Some("utm=1")).as_deref(), Some("/feed/"));
        assert_eq!(key("/", Some("utm=1&p=12")).as_deref(), Some("/?p=12"));
        assert_eq!(key("/a.jpg", None).as_deref(), Some("/a.jpg"));
        assert_eq!(key("//evil", None), None);
        assert_eq!(
            key_of_url("https://old.example/2019/03/x/").as_deref(),
            Some("/2019/03/x/")
        );
        assert_eq!(
            key_of_url("http://old.example/?p=12").as_deref(),
            Some("/?p=12")
        );
        assert_eq!(key_of_url("https://old.example").as_deref(), Some("/"));
    }
}

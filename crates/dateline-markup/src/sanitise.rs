//! Defence in depth: the renderer already escapes everything an editor types, and this allow-list
//! sanitiser then re-parses its output and keeps exactly the elements, attributes, classes and
//! attribute values the renderer emits. If a renderer bug ever let markup through, it stops here.
//!
//! This list must never grow to accept something the renderer does not produce, and must never
//! accept `style`, event handlers, or a URL scheme other than http, https and mailto.

use crate::html::mentions_script_scheme;
use ammonia::Builder;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

static SANITISER: LazyLock<Builder<'static>> = LazyLock::new(build);

/// The HTML as the allow-list sees it; unchanged for anything the renderer produces.
pub(crate) fn sanitise(html: &str) -> String {
    SANITISER.clean(html).to_string()
}

fn build() -> Builder<'static> {
    let tags: HashSet<&str> = [
        "p",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "blockquote",
        "a",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "hr",
        "br",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "sup",
        "aside",
        "figure",
        "figcaption",
        "img",
        "span",
        "dateline-readmore",
        "dateline-photo",
    ]
    .into_iter()
    .collect();

    let attrs = |list: &[&'static str]| list.iter().copied().collect::<HashSet<&'static str>>();
    let tag_attributes: HashMap<&str, HashSet<&str>> = [
        (
            "a",
            attrs(&["href", "rel", "id", "aria-describedby", "aria-label"]),
        ),
        ("ol", attrs(&["start"])),
        ("th", attrs(&["align"])),
        ("td", attrs(&["align"])),
        ("aside", attrs(&["aria-labelledby"])),
        ("h2", attrs(&["id"])),
        ("p", attrs(&["id"])),
        (
            "img",
            attrs(&["src", "width", "height", "alt", "loading", "decoding"]),
        ),
        ("dateline-readmore", attrs(&["data-ref"])),
        (
            "dateline-photo",
            attrs(&["data-media", "data-alt", "data-caption"]),
        ),
    ]
    .into_iter()
    .collect();

    let classes: HashMap<&str, HashSet<&str>> = [
        ("sup", attrs(&["fn-ref"])),
        ("a", attrs(&["fn-back"])),
        ("aside", attrs(&["footnotes"])),
        ("h2", attrs(&["visually-hidden"])),
        ("p", attrs(&["footnote"])),
        ("span", attrs(&["fn-mark", "caption", "credit"])),
        ("figure", attrs(&["photo"])),
    ]
    .into_iter()
    .collect();

    let mut b = Builder::empty();
    b.tags(tags)
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .allowed_classes(classes)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        // The renderer decides `rel` itself (only absolute links get `noopener`).
        .link_rel(None)
        .strip_comments(true)
        .attribute_filter(filter_value);
    b
}

/// Checks the values of attributes whose meaning depends on their content; anything else the
/// allow-list admitted passes as is (URLs are checked by the scheme list).
fn filter_value<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let ok = match (element, attribute) {
        ("a", "id") => is_id_with_prefix(value, "fnref-"),
        ("p", "id") => is_id_with_prefix(value, "fn-"),
        ("h2", "id") | (_, "aria-describedby" | "aria-labelledby") => value == "footnotes-label",
        (_, "aria-label") => value == "Back to text",
        (_, "rel") => value == "noopener",
        (_, "loading") => value == "lazy",
        (_, "decoding") => value == "async",
        (_, "align") => matches!(value, "left" | "center" | "right"),
        (_, "width" | "height" | "start" | "data-media") => is_number(value),
        ("dateline-readmore", "data-ref") => crate::readmore::from_data_ref(value).is_some(),
        // The scheme list only looks at the start of a URL; the renderer also refuses script
        // schemes further in (see `html::is_safe_link`).
        (_, "href" | "src") => !mentions_script_scheme(value),
        _ => true,
    };
    ok.then_some(Cow::Borrowed(value))
}

fn is_id_with_prefix(value: &str, prefix: &str) -> bool {
    value.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

fn is_number(value: &str) -> bool {
    !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;

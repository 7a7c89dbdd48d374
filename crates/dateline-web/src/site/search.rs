//! The search page: `/search?q=…` with section, author and date filters, two orders and
//! pagination. Results show the headline, the dateline, the section and a snippet with the
//! matched words marked; no results show what to try next and the latest stories.
//!
//! A search matching more than `dateline_search::EXACT_COUNT_UP_TO` stories has an estimated
//! total: the page says "about 71,000", and a page past the real end (the estimate was high) is
//! a normal page saying there are no more results, never an error.
//!
//! Search pages are never put in the page cache: the cache follows the store's generation, but
//! the index follows the store a fraction of a second later, so a page cached in between would
//! stay stale until the next write. A search is cheap next to that risk; the answer carries
//! `Cache-Control: no-cache` so browsers and proxies revalidate too.

use crate::AppError;
use crate::search::{Checked, SearchParams, check, query_string};
use crate::state::AppState;
use crate::views::{CardView, Meta, SiteView};
use axum::extract::{Query, State};
use axum::http::header::{self, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use dateline_search::Sort;
use minijinja::Value;
use serde::Serialize;

/// Results per page.
const PER_PAGE: u32 = 10;

#[derive(Serialize)]
struct SearchPage {
    site: SiteView,
    meta: Meta,
    /// What the reader typed, for the form.
    q: String,
    /// Whether there was anything to search for (words, or at least a filter).
    searched: bool,
    results: Vec<ResultView>,
    total: u64,
    /// `1–10 of 42`, `11–20 of about 71,000`
    showing: String,
    /// A page past the last result of an estimated total: "no more results".
    past_end: bool,
    /// The first page of this search (from a page past the end).
    first_page: String,
    filters: FilterView,
    sections: Vec<Choice>,
    authors: Vec<Choice>,
    pager: SearchPager,
    /// Shown when nothing matched (and on an empty search).
    latest: Vec<CardView>,
}

#[derive(Serialize)]
struct ResultView {
    card: CardView,
    /// Safe: escaped by the search crate, with only `<mark>` added.
    snippet: Value,
}

#[derive(Serialize)]
struct FilterView {
    section: String,
    author: String,
    from: String,
    to: String,
    sort: &'static str,
    any: bool,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    name: String,
    selected: bool,
}

#[derive(Serialize)]
struct SearchPager {
    page: u32,
    pages: u32,
    /// Whether `pages` comes from an estimated total.
    about: bool,
    /// `pages` for reading: `7,100`.
    pages_text: String,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn show_search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let site = state.site().await?;
    // The page has a fixed page size; `per_page` is the API's.
    let params = SearchParams {
        per_page: None,
        ..params
    };
    let checked = check(&state.store, &site, &params, PER_PAGE, PER_PAGE).await?;
    let found = state
        .search
        .find(&state.store, &site, checked.request.clone())
        .await?;
    let results = found.results;
    let total = results.total as u64;
    let about = results.total_is_estimate;
    let pages = total.div_ceil(u64::from(PER_PAGE)).min(u64::from(u32::MAX)) as u32;
    // An estimate may be a little low: a full page past it still counts as a page.
    let pages = if about && !results.hits.is_empty() {
        pages.max(checked.page.page)
    } else {
        pages
    };
    let past_end = results.hits.is_empty() && checked.page.page > 1 && total > 0;
    if past_end && !about {
        return Err(AppError::BadRequest(format!(
            "There is no page {} of these results: there are {pages} page(s).",
            checked.page.page
        )));
    }
    let summaries = found.stories;
    let views: Vec<ResultView> = results
        .hits
        .iter()
        .filter_map(|h| {
            let s = summaries.iter().find(|s| s.id == h.id)?;
            Some(ResultView {
                card: CardView::new(s, &site),
                snippet: Value::from_safe_string(h.snippet.clone()),
            })
        })
        .collect();
    let searched = !results.parsed.is_empty() || filters_given(&checked);
    let latest = if views.is_empty() && !past_end {
        site.latest(&state.store)
            .await?
            .iter()
            .map(|s| CardView::new(s, &site))
            .collect()
    } else {
        Vec::new()
    };
    let first = checked.page.offset() + 1;
    let showing = if views.is_empty() {
        String::new()
    } else {
        format!(
            "{first}–{} of {}{}",
            checked.page.offset() + views.len() as i64,
            if about { "about " } else { "" },
            grouped(total)
        )
    };
    let link = |page: u32| format!("/search?{}", pairs(&checked, page));
    let pager = SearchPager {
        page: checked.page.page,
        pages,
        about,
        pages_text: grouped(u64::from(pages)),
        prev: (checked.page.page > 1).then(|| link(checked.page.page - 1)),
        // Past an estimate's last page, a full page may have more after it.
        next: if about {
            results.hits.len() >= PER_PAGE as usize
        } else {
            checked.page.page < pages
        }
        .then(|| link(checked.page.page + 1)),
    };
    let first_page = link(1);
    let authors = site.authors(&state.store).await?;
    let view = SiteView::new(&site, None, state.clock.now());
    let title = if checked.text.trim().is_empty() {
        format!("Search | {}", site.settings.name)
    } else {
        format!("Search: {} | {}", checked.text.trim(), site.settings.name)
    };
    let meta = Meta {
        title,
        description: format!("Search the stories of {}", site.settings.name),
        og_type: "website".to_owned(),
        // Result pages are for readers, not for search engines' indexes.
        noindex: true,
        feeds: crate::feeds::alternates(&view, None),
        ..Meta::default()
    };
    let filters = FilterView {
        section: checked
            .section
            .as_ref()
            .map(|s| s.slug.to_string())
            .unwrap_or_default(),
        author: checked
            .author
            .as_ref()
            .map(|a| a.slug.to_string())
            .unwrap_or_default(),
        from: checked.from.map(|d| d.to_string()).unwrap_or_default(),
        to: checked.to.map(|d| d.to_string()).unwrap_or_default(),
        sort: sort_name(checked.sort),
        any: filters_given(&checked),
    };
    let sections = site
        .sections
        .iter()
        .map(|s| Choice {
            value: s.slug.to_string(),
            name: s.name.clone(),
            selected: filters.section == s.slug.as_str(),
        })
        .collect();
    let authors = authors
        .iter()
        .map(|p| Choice {
            value: p.slug.to_string(),
            name: p.name.clone(),
            selected: filters.author == p.slug.as_str(),
        })
        .collect();
    let page = SearchPage {
        site: view,
        meta,
        q: checked.text.clone(),
        searched,
        results: views,
        total,
        showing,
        past_end,
        first_page,
        filters,
        sections,
        authors,
        pager,
        latest,
    };
    let body = state.theme.render("search.html", page)?;
    let mut res = Html(body).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}

/// `n` with its thousands grouped: `71,000`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn filters_given(c: &Checked) -> bool {
    c.section.is_some() || c.author.is_some() || c.from.is_some() || c.to.is_some()
}

pub(crate) fn sort_name(sort: Sort) -> &'static str {
    match sort {
        Sort::Relevance => "relevance",
        Sort::Newest => "newest",
    }
}

/// The query string of this search at `page`.
fn pairs(c: &Checked, page: u32) -> String {
    let section = c
        .section
        .as_ref()
        .map(|s| s.slug.to_string())
        .unwrap_or_default();
    let author = c
        .author
        .as_ref()
        .map(|a| a.slug.to_string())
        .unwrap_or_default();
    let from = c.from.map(|d| d.to_string()).unwrap_or_default();
    let to = c.to.map(|d| d.to_string()).unwrap_or_default();
    let sort = if c.sort == Sort::Newest { "newest" } else { "" };
    let page = if page > 1 {
        page.to_string()
    } else {
        String::new()
    };
    query_string(&[
        ("q", c.text.as_str()),
        ("section", &section),
        ("author", &author),
        ("from", &from),
        ("to", &to),
        ("sort", sort),
        ("page", &page),
    ])
}

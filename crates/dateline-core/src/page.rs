//! Pagination of listings: page numbers from readers' query strings are checked here, so a
//! `?page=abc` or `?page=99999999999` becomes a clear error, never a panic or a huge OFFSET.

use serde::Serialize;

/// The deepest page any listing offers.
pub const MAX_PAGE: u32 = 10_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PageError {
    #[error("page must be a whole number from 1 to {MAX_PAGE}")]
    Page,
    #[error("per_page must be a whole number from 1 to {0}")]
    PerPage(u32),
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    /// Parse the optional raw `page` and `per_page` query values.
    pub fn parse(
        page: Option<&str>,
        per_page: Option<&str>,
        default_per_page: u32,
        max_per_page: u32,
    ) -> Result<Self, PageError> {
        let page = match page.map(str::trim) {
            None | Some("") => 1,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or(PageError::Page)?,
        };
        let per_page = match per_page.map(str::trim) {
            None | Some("") => default_per_page,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max_per_page).contains(n))
                .ok_or(PageError::PerPage(max_per_page))?,
        };
        Ok(Self { page, per_page })
    }

    pub fn first(per_page: u32) -> Self {
        Self { page: 1, per_page }
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

/// One page of a listing plus what the page links need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> u32 {
        let per = u64::from(self.per_page.max(1));
        u32::try_from(self.total.div_ceil(per))
            .unwrap_or(u32::MAX)
            .max(1)
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests;

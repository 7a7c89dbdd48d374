//! Short links: `/s/{code}` answers 301 to the story's canonical URL; unknown codes get the 404
//! page.

use crate::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use dateline_core::article::Status;
use dateline_core::short_code::ShortCode;

pub async fn follow_short_link(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = ShortCode::parse(&code).map_err(|_| AppError::NotFound)?;
    let id = code.article().ok_or(AppError::NotFound)?;
    let article = state.store.article(id).await?;
    // Several spellings decode to one id ("abc" and "2222abc"); only the issued one is a link.
    if article.short_code != code.as_str()
        || !matches!(article.status, Status::Published | Status::Withdrawn)
    {
        return Err(AppError::NotFound);
    }
    let site = state.site().await?;
    let section = site
        .sections
        .iter()
        .find(|s| s.id == article.section_id)
        .ok_or(AppError::NotFound)?;
    let path = article
        .canonical_path(section.slug.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(super::moved_permanently(&path))
}

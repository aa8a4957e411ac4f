//! `GET /media/{name}` and `GET /media/720/{name}`: the pictures of questions and options
//! (issue #19), by their content hash, so they are cached for a year and never change.
//!
//! They are public: a name is the SHA-256 of the picture, which nobody can guess before a
//! page has shown it, and the same picture has the same address in every attempt, so the
//! address says nothing about whether an option is right.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::banks::media::is_stored_name;
use crate::banks::media_store;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// The picture itself.
pub async fn serve(state: web::Data<AppState>, name: web::Path<String>) -> Result<HttpResponse> {
    respond(&state, &name, false).await
}

/// The picture's phone variant (720 px wide), or the picture itself when it is no wider.
pub async fn serve_small(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    respond(&state, &name, true).await
}

async fn respond(state: &AppState, name: &str, small: bool) -> Result<HttpResponse> {
    if !is_stored_name(name) {
        return Err(AppError::NotFound);
    }
    let (content_type, bytes) = media_store::read(&state.db.read, name, small)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{name}\"")))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

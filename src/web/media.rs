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

/// Pictures served lately, by name and variant, up to [`MEDIA_CACHE_BYTES`] in all (the
/// least used leave first): a start burst of picture questions sends every participant's
/// browser for the same few pictures, which then come from memory instead of a database
/// read each. A stored picture never changes (its name is its hash), so nothing is ever
/// stale; a name not found is not kept.
pub struct MediaCache(moka::future::Cache<(String, bool), (String, web::Bytes)>);

/// The bytes of pictures [`MediaCache`] keeps at most.
pub const MEDIA_CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl MediaCache {
    /// An empty cache holding at most `max_bytes` of pictures.
    pub fn new(max_bytes: u64) -> Self {
        MediaCache(
            moka::future::Cache::builder()
                .weigher(
                    |(name, _): &(String, bool), (_, bytes): &(String, web::Bytes)| {
                        u32::try_from(bytes.len() + name.len()).unwrap_or(u32::MAX)
                    },
                )
                .max_capacity(max_bytes)
                .build(),
        )
    }
}

async fn respond(state: &AppState, name: &str, small: bool) -> Result<HttpResponse> {
    if !is_stored_name(name) {
        return Err(AppError::NotFound);
    }
    let key = (name.to_owned(), small);
    let (content_type, bytes) = match state.media.0.get(&key).await {
        Some(hit) => hit,
        None => {
            let (content_type, bytes) = media_store::read(&state.db.read, name, small)
                .await?
                .ok_or(AppError::NotFound)?;
            let entry = (content_type, web::Bytes::from(bytes));
            state.media.0.insert(key, entry.clone()).await;
            entry
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{name}\"")))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

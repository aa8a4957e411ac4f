//! A contest's documents (issue #15): organisers attach and remove them; everyone who may
//! see the contest lists and downloads them (a draft's, staff only: 404 for the public).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::contest::documents::{self, DocumentInfo};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Organiser, PublicCaller};
use crate::web::upload;

/// The path of one document.
#[derive(Debug, Deserialize)]
pub struct DocumentPath {
    pub id: i64,
    pub doc_id: i64,
}

/// Reads an uploaded document (a multipart form's file, or the raw body) bounded by
/// [`documents::MAX_BYTES`]: its name (when the form gave one) and bytes.
pub async fn read_document(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(upload::Upload, Option<String>, Vec<u8>)> {
    let mut upload = upload::read_limited(req, payload, documents::MAX_BYTES).await?;
    let (name, bytes) = upload.file.take().ok_or_else(|| {
        AppError::bad_request("invalid_upload", "Biểu mẫu không có tệp tài liệu.")
    })?;
    Ok((upload, name, bytes))
}

#[utoipa::path(
    post, path = "/api/v1/contests/{id}/documents", tag = "contests",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    request_body(
        description = "The document: a multipart form with one file field (its file name \
            is kept, cleaned), or the raw file. PDF, DOCX, XLSX, PNG or JPEG by content, \
            at most 10 MiB",
        content(
            (crate::web::openapi::FileUpload = "multipart/form-data"),
            (String = "application/octet-stream"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Attached (audited)", body = DocumentInfo),
        (status = 400, description = "No file (`invalid_upload`)", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 409, description = "The contest has the most documents it may (`too_many_documents`)", body = crate::error::ErrorBody),
        (status = 413, description = "Over 10 MiB (`payload_too_large`); nothing stored", body = crate::error::ErrorBody),
        (status = 422, description = "Not a PDF, DOCX, XLSX, PNG or JPEG by its content, or a name saying another type (`unsupported_document`); nothing stored", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/contests/{id}/documents` — attaches a document → 201.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), contest.id = *path))]
pub async fn upload(
    organiser: Organiser,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let contest_id = path.into_inner();
    // An unknown contest is 404 before its upload is read.
    crate::contest::load_contest(&state.db.read, contest_id).await?;
    let (_, name, bytes) = read_document(&req, payload).await?;
    let info = documents::add(
        &state.db.write,
        contest_id,
        name.as_deref(),
        bytes,
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!(document.id = info.id, size = info.size, "document attached");
    Ok(HttpResponse::Created().json(info))
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/documents", tag = "contests",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    responses(
        (status = 200, description = "The contest's documents, oldest first (public; a draft's for staff only)", body = Vec<DocumentInfo>),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/documents` — `[{id, filename, content_type, size, sha256, url}]`.
pub async fn list(
    caller: PublicCaller,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let c = crate::contest::load_contest(&state.db.read, path.into_inner()).await?;
    caller.ensure_sees(&c).await?;
    Ok(HttpResponse::Ok().json(documents::list(&state.db.read, c.id).await?))
}

#[utoipa::path(
    delete, path = "/api/v1/contests/{id}/documents/{doc_id}", tag = "contests",
    params(
        ("id" = i64, Path, example = 1, description = "Contest id"),
        ("doc_id" = i64, Path, example = 1, description = "Document id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed (audited)"),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `DELETE /api/v1/contests/{id}/documents/{doc_id}` → 204.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id(), contest.id = path.id, document.id = path.doc_id))]
pub async fn delete(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<DocumentPath>,
) -> Result<HttpResponse> {
    documents::remove(
        &state.db.write,
        path.id,
        path.doc_id,
        Some(organiser.0.id()),
    )
    .await?;
    tracing::info!("document removed");
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /contests/{id}/documents/{doc_id}` — the download, for whoever may see the
/// contest: always an attachment, with the type detected at upload, `nosniff`, and the
/// SHA-256 as a strong ETag (304 when the client has it).
pub async fn download(
    caller: PublicCaller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<DocumentPath>,
) -> std::result::Result<HttpResponse, crate::web::pages::PageError> {
    let c = crate::contest::load_contest(&state.db.read, path.id).await?;
    caller.ensure_sees(&c).await?;
    let d = documents::get(&state.db.read, c.id, path.doc_id).await?;
    let etag = format!("\"{}\"", d.sha256);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        // A contest may go back to draft: caches ask again (cheap with the ETag).
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if fresh {
        return Ok(response.finish());
    }
    Ok(response
        .insert_header((header::CONTENT_TYPE, d.content_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            documents::content_disposition(&d.filename),
        ))
        .body(d.data))
}

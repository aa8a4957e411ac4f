//! Reading uploads: a multipart form (text fields and one file), or a raw request body,
//! with the size limit for files.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::TryStreamExt;

use crate::error::{AppError, Result};
use crate::web::FILE_LIMIT;

/// A read upload.
#[derive(Debug, Default)]
pub struct Upload {
    /// Text fields of a multipart form.
    pub fields: HashMap<String, String>,
    /// The file: its name (when the form gave one) and bytes.
    pub file: Option<(Option<String>, Vec<u8>)>,
}

fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::bad_request(
        "invalid_upload",
        format!("Không đọc được dữ liệu tải lên: {e}"),
    )
}

/// Whether the request is a multipart form.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

async fn collect<S, E>(mut stream: S, limit: usize) -> Result<Vec<u8>>
where
    S: futures_util::Stream<Item = std::result::Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut data = Vec::new();
    while let Some(chunk) = stream.try_next().await.map_err(unreadable)? {
        if data.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        data.extend_from_slice(&chunk);
    }
    Ok(data)
}

/// Reads the request: every field of a multipart form (the first file field is the
/// file), or the whole body as the file.
pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Upload> {
    read_limited(req, payload, FILE_LIMIT).await
}

/// [`read`], with a file of at most `limit` bytes (413 past it, before more is read).
pub async fn read_limited(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Upload> {
    if !is_multipart(req) {
        let data = collect(payload, limit).await?;
        return Ok(Upload {
            fields: HashMap::new(),
            file: Some((None, data)),
        });
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut upload = Upload::default();
    while let Some(field) = form.try_next().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_owned));
        if file_name.is_some() && upload.file.is_none() {
            let data = collect(field, limit).await?;
            upload.file = Some((file_name.filter(|n| !n.is_empty()), data));
        } else {
            let data = collect(field, 64 * 1024).await?;
            upload
                .fields
                .insert(name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    Ok(upload)
}

//! Question banks: import (raw body or multipart upload), check, list, detail, export.
//! Organisers change banks; judges and admins may read them; participants never reach them.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::json;

use crate::banks::{self, BankMeta, Format, Parsed, store};
use crate::error::{AppError, LineProblem, Result};
use crate::state::AppState;
use crate::web::FILE_LIMIT;
use crate::web::extract::{Organiser, Staff};

/// Query of the import and check endpoints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `toml|gift|aiken|csv|xlsx`; for multipart uploads, defaults from the file name.
    pub format: Option<String>,
    /// Bank code for formats that carry none (GIFT, Aiken, CSV, XLSX).
    pub code: Option<String>,
    /// Bank title (defaults to the code).
    pub title: Option<String>,
}

/// Reads the uploaded file: the first file field of a multipart form, or the raw body.
async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    query: &UploadQuery,
) -> Result<(Format, Vec<u8>)> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let (bytes, file_name) = if is_multipart {
        let mut form = Multipart::new(req.headers(), payload);
        let mut found = None;
        while let Some(mut field) = form.try_next().await.map_err(|e| {
            AppError::bad_request("invalid_upload", format!("Tệp tải lên không đọc được: {e}"))
        })? {
            let name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename().map(str::to_owned));
            let mut data = Vec::new();
            while let Some(chunk) = field.try_next().await.map_err(|e| {
                AppError::bad_request("invalid_upload", format!("Tệp tải lên không đọc được: {e}"))
            })? {
                if data.len() + chunk.len() > FILE_LIMIT {
                    return Err(AppError::PayloadTooLarge);
                }
                data.extend_from_slice(&chunk);
            }
            if name.is_some() {
                found = Some((data, name));
                break;
            }
        }
        found.ok_or_else(|| {
            AppError::bad_request("invalid_upload", "Biểu mẫu không có tệp ngân hàng câu hỏi.")
        })?
    } else {
        let mut data = Vec::new();
        let mut payload = payload;
        while let Some(chunk) = payload.try_next().await.map_err(|e| {
            AppError::bad_request(
                "invalid_upload",
                format!("Không đọc được dữ liệu gửi lên: {e}"),
            )
        })? {
            if data.len() + chunk.len() > FILE_LIMIT {
                return Err(AppError::PayloadTooLarge);
            }
            data.extend_from_slice(&chunk);
        }
        (data, None)
    };
    let format = match (&query.format, &file_name) {
        (Some(f), _) => Format::from_name(f),
        (None, Some(name)) => Format::from_file_name(name),
        (None, None) => None,
    }
    .ok_or_else(|| {
        AppError::bad_request(
            "unknown_format",
            "Định dạng tệp không được hỗ trợ; dùng format=toml, gift, aiken, csv hoặc xlsx.",
        )
    })?;
    Ok((format, bytes))
}

/// Parses and validates off the async threads (a large bank takes a while).
async fn parse(format: Format, bytes: Vec<u8>, meta: BankMeta) -> Result<Parsed> {
    let parsed = tokio::task::spawn_blocking(move || banks::parse(format, &bytes, &meta))
        .await
        .map_err(anyhow::Error::from)?;
    parsed.map_err(|problems| AppError::InvalidFile {
        code: "invalid_bank",
        message: format!(
            "Ngân hàng câu hỏi có {} lỗi; chưa có câu hỏi nào được lưu.",
            problems.len()
        ),
        problems: problems
            .into_iter()
            .map(|p| LineProblem {
                line: p.line,
                message: p.message,
            })
            .collect(),
    })
}

fn meta(query: &UploadQuery) -> BankMeta {
    BankMeta {
        code: query.code.clone(),
        title: query.title.clone(),
    }
}

/// `POST /api/v1/banks` — imports a bank file (all or nothing) → 201.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn import(
    organiser: Organiser,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (format, bytes) = read_upload(&req, payload, &query).await?;
    let parsed = parse(format, bytes, meta(&query)).await?;
    let outcome = store::import(&state.db.write, &parsed).await?;
    tracing::info!(
        bank.id = outcome.id,
        bank.code = %outcome.code,
        created = outcome.created,
        revised = outcome.revised,
        retired = outcome.retired,
        "bank imported"
    );
    Ok(HttpResponse::Created().json(json!({
        "id": outcome.id,
        "code": outcome.code,
        "questions": outcome.questions,
        "created": outcome.created,
        "revised": outcome.revised,
        "unchanged": outcome.unchanged,
        "retired": outcome.retired,
        "skipped": parsed.skipped,
    })))
}

/// `POST /api/v1/banks/check` — validates a bank file and stores nothing.
pub async fn check(
    _organiser: Organiser,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (format, bytes) = read_upload(&req, payload, &query).await?;
    let parsed = parse(format, bytes, meta(&query)).await?;
    Ok(HttpResponse::Ok().json(json!({
        "code": parsed.bank.code,
        "questions": parsed.bank.questions.len(),
        "skipped": parsed.skipped,
    })))
}

/// `GET /api/v1/banks` — `[{id, code, title, questions, topics}]`.
pub async fn list(_staff: Staff, state: web::Data<AppState>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(store::list(&state.db.read).await?))
}

/// `GET /api/v1/banks/{id}` — with counts per topic × difficulty (and kind).
pub async fn detail(
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(store::detail(&state.db.read, path.into_inner()).await?))
}

/// Query of the export endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    pub format: Option<String>,
}

/// `GET /api/v1/banks/{id}/export?format=toml|gift`.
pub async fn export(
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse> {
    let format = match query.format.as_deref().unwrap_or("toml") {
        "toml" => Format::Toml,
        "gift" => Format::Gift,
        _ => {
            return Err(AppError::bad_request(
                "unknown_format",
                "Chỉ xuất được định dạng toml hoặc gift.",
            ));
        }
    };
    let bank = store::load_bank(&state.db.read, path.into_inner()).await?;
    let (text, extension) = match format {
        Format::Gift => (banks::to_gift(&bank), "gift"),
        _ => (banks::to_toml(&bank), "toml"),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.{extension}\"", bank.code),
        ))
        .body(text))
}

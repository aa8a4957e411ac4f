//! Question banks: import (raw body or multipart upload), check, list, detail, export.
//! Organisers change banks; judges and admins may read them; participants never reach them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::banks::upload::parse_upload;
use crate::banks::{self, BankMeta, store};
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Organiser, Staff};
use crate::web::upload;

/// What importing a bank did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BankImported {
    pub id: i64,
    pub code: String,
    /// Questions now current in the bank.
    pub questions: usize,
    pub created: usize,
    pub revised: usize,
    pub unchanged: usize,
    pub retired: usize,
    /// Entries of the file that were skipped (e.g. essay questions in GIFT), by line.
    pub skipped: Vec<banks::Skipped>,
    /// Things to check that did not stop the import (the same question text twice, a
    /// repeated Moodle question name made unique, partial credit scored as wrong), by line.
    pub warnings: Vec<banks::Warning>,
}

/// What checking a bank found: it would import.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BankChecked {
    pub code: String,
    pub questions: usize,
    /// Entries of the file that would be skipped, by line.
    pub skipped: Vec<banks::Skipped>,
    /// Things to check that would not stop the import, by line.
    pub warnings: Vec<banks::Warning>,
}

/// Query of the import and check endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `toml|gift|aiken|csv|xlsx|moodlexml`; for multipart uploads, defaults from the file name.
    pub format: Option<String>,
    /// Bank code for formats that carry none (GIFT, Aiken, CSV, XLSX).
    pub code: Option<String>,
    /// Bank title (defaults to the code).
    pub title: Option<String>,
}

/// Reads the uploaded file (multipart or raw body) and its format: the query's `format`,
/// else the file name's extension.
async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    query: &UploadQuery,
) -> Result<banks::Parsed> {
    let upload = upload::read(req, payload).await?;
    let (file_name, bytes) = upload.file.ok_or_else(|| {
        AppError::bad_request("invalid_upload", "Biểu mẫu không có tệp ngân hàng câu hỏi.")
    })?;
    parse_upload(
        query.format.as_deref(),
        file_name.as_deref(),
        bytes,
        meta(query),
    )
    .await
}

fn meta(query: &UploadQuery) -> BankMeta {
    BankMeta {
        code: query.code.clone(),
        title: query.title.clone(),
    }
}

#[utoipa::path(
    post, path = "/api/v1/banks", tag = "banks",
    params(UploadQuery),
    request_body(
        description = "The bank file: a multipart form with one file field, or the raw file",
        content(
            (crate::web::openapi::FileUpload = "multipart/form-data"),
            (String = "text/plain"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Imported (all or nothing)", body = BankImported),
        (status = 400, description = "No file, unknown format or bad query", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        (status = 413, description = "File too large", body = crate::error::ErrorBody),
        (status = 422, description = "The bank has problems; nothing was stored", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/banks` — imports a bank file (all or nothing) → 201.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn import(
    organiser: Organiser,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let parsed = read_upload(&req, payload, &query).await?;
    let outcome = store::import(&state.db.write, &parsed, Some(organiser.0.id())).await?;
    // Draws and checks on this instance read the new revision at once (others within
    // the pool's re-check interval).
    state.engine.pools.invalidate_bank(outcome.id);
    tracing::info!(
        bank.id = outcome.id,
        bank.code = %outcome.code,
        created = outcome.created,
        revised = outcome.revised,
        retired = outcome.retired,
        "bank imported"
    );
    Ok(HttpResponse::Created().json(BankImported {
        id: outcome.id,
        code: outcome.code,
        questions: outcome.questions,
        created: outcome.created,
        revised: outcome.revised,
        unchanged: outcome.unchanged,
        retired: outcome.retired,
        skipped: parsed.skipped,
        warnings: parsed.warnings,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/banks/check", tag = "banks",
    params(UploadQuery),
    request_body(
        description = "The bank file: a multipart form with one file field, or the raw file",
        content(
            (crate::web::openapi::FileUpload = "multipart/form-data"),
            (String = "text/plain"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bank would import", body = BankChecked),
        (status = 400, description = "No file, unknown format or bad query", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        (status = 413, description = "File too large", body = crate::error::ErrorBody),
        (status = 422, description = "The bank has problems", body = crate::error::ErrorBody),
    )
)]
/// `POST /api/v1/banks/check` — validates a bank file and stores nothing.
pub async fn check(
    _organiser: Organiser,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let parsed = read_upload(&req, payload, &query).await?;
    Ok(HttpResponse::Ok().json(BankChecked {
        questions: parsed.bank.questions.len(),
        code: parsed.bank.code,
        skipped: parsed.skipped,
        warnings: parsed.warnings,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/banks", tag = "banks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every bank", body = Vec<crate::banks::store::BankSummary>),
        crate::error::AuthErrors,
    )
)]
/// `GET /api/v1/banks` — `[{id, code, title, questions, topics}]`.
pub async fn list(_staff: Staff, state: web::Data<AppState>) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(store::list(&state.db.read).await?))
}

#[utoipa::path(
    get, path = "/api/v1/banks/{id}", tag = "banks",
    params(("id" = i64, Path, example = 1, description = "Bank id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bank with its counts", body = crate::banks::store::BankDetail),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/banks/{id}` — with counts per topic × difficulty (and kind).
pub async fn detail(
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(store::detail(&state.db.read, path.into_inner()).await?))
}

/// Query of the export endpoint.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `toml` (the default), `gift`, `moodlexml`, `csv`, `xlsx`, `aiken` (single-answer
    /// questions only) or `zip` (TOML and its pictures).
    pub format: Option<String>,
}

/// The stored pictures a bank's questions and options show, by name.
async fn picture_files(
    state: &AppState,
    bank: &banks::Bank,
) -> Result<std::collections::HashMap<String, Vec<u8>>> {
    let mut names: Vec<String> = bank
        .questions
        .iter()
        .flat_map(|q| {
            q.images
                .iter()
                .chain(q.choices.iter().flat_map(|c| c.images.iter()))
        })
        .map(|i| i.file.clone())
        .collect();
    names.sort();
    names.dedup();
    Ok(crate::banks::media_store::read_many(&state.db.read, &names)
        .await?
        .into_iter()
        .collect())
}

#[utoipa::path(
    get, path = "/api/v1/banks/{id}/export", tag = "banks",
    params(("id" = i64, Path, example = 1, description = "Bank id"), ExportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bank as a file", content_type = "text/plain", body = String),
        (status = 400, description = "Unknown format", body = crate::error::ErrorBody),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/banks/{id}/export?format=toml|gift|moodlexml|csv|xlsx|aiken|zip`.
///
/// CSV and XLSX have no place for per-option feedback; Aiken holds the single-answer
/// questions only (`X-Questions-Left-Out` counts the others); `zip` is the TOML with the
/// pictures its questions show, a bundle that imports back as the same bank.
pub async fn export(
    _staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse> {
    let format = query.format.as_deref().unwrap_or("toml");
    if !["toml", "gift", "moodlexml", "csv", "xlsx", "aiken", "zip"].contains(&format) {
        return Err(AppError::bad_request(
            "unknown_format",
            "Chỉ xuất được định dạng toml, gift, moodlexml, csv, xlsx, aiken hoặc zip.",
        ));
    }
    let bank = store::load_bank(&state.db.read, path.into_inner()).await?;
    let text = "text/plain; charset=utf-8";
    let mut left_out = 0;
    let (body, extension, content_type) = match format {
        "gift" => (banks::to_gift(&bank).into_bytes(), "gift", text),
        "moodlexml" => (
            banks::to_moodle_xml_with(&bank, &picture_files(&state, &bank).await?).into_bytes(),
            "xml",
            "application/xml; charset=utf-8",
        ),
        "csv" => (banks::to_csv(&bank)?, "csv", "text/csv; charset=utf-8"),
        "xlsx" => (
            banks::to_xlsx(&bank)?,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "zip" => (
            crate::banks::bundle::write_bundle(
                &format!("{}.toml", bank.code),
                banks::to_toml(&bank).as_bytes(),
                picture_files(&state, &bank).await?,
            )?,
            "zip",
            "application/zip",
        ),
        "aiken" => {
            let (aiken, skipped) = banks::to_aiken(&bank);
            left_out = skipped;
            (aiken.into_bytes(), "aiken.txt", text)
        }
        _ => (banks::to_toml(&bank).into_bytes(), "toml", text),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.{extension}\"", bank.code),
        ))
        .insert_header(("X-Questions-Left-Out", left_out.to_string()))
        .body(body))
}

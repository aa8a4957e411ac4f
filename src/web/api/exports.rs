//! Downloads: round and contest results and unit statistics for judges and organisers,
//! and the item analysis of a round for organisers.
//!
//! Results carry name, unit, category and results. Contact data (birth date, phone, email,
//! CCCD) goes into a file only when an organiser names the fields (`?contact=…`); the audit
//! entry lists them (issue #13: least privilege).
//!
//! A download is written to a temporary file, hashed, recorded through
//! [`exports::record_hook`], then streamed with its size and `X-Content-SHA256`. Since
//! recording writes to the audit trail, a download authenticated by the login cookie must
//! come from this site ([`check_same_origin_download`]).

use actix_web::body::SizedStream;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use anyhow::Context;
use futures_util::future::{Ready, ready};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use tokio::io::AsyncReadExt;

use crate::accounts::Role;
use crate::contest::items;
use crate::error::{AppError, Result};
use crate::exports::{self, ContactFields, ExportKind, ExportRecord, Format, Produced};
use crate::state::AppState;
use crate::web::extract::{AuthUser, Organiser, Staff};
use crate::web::security::check_same_origin_download;

/// The query of a results download.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Contact data to include, organisers only: a comma-separated list of `birth_date`,
    /// `phone`, `email`, `national_id`, or `all`. Without it the file carries name, unit,
    /// category and results only. The audit entry lists the fields included.
    #[param(example = "phone,email")]
    pub contact: Option<String>,
}

impl ResultsQuery {
    /// The contact fields asked for, checked against the caller's role: only organisers
    /// may take contact data out of the system.
    pub fn contact_for(&self, caller: &AuthUser) -> Result<ContactFields> {
        let fields = ContactFields::parse(self.contact.as_deref().unwrap_or_default())
            .map_err(|message| AppError::field("contact", message))?;
        if !fields.is_empty() && caller.role != Role::Organiser {
            return Err(AppError::refused(
                "forbidden",
                "Chỉ Ban Tổ chức được xuất thông tin liên hệ của thí sinh \
                 (ngày sinh, số điện thoại, email, CCCD).",
            ));
        }
        Ok(fields)
    }
}

/// The format of a download, named by the extension of its path: `results.xlsx`,
/// `units.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// A spreadsheet.
    Xlsx,
    /// Comma-separated values, UTF-8 with a BOM.
    Csv,
}

impl From<ExportFormat> for Format {
    fn from(format: ExportFormat) -> Self {
        match format {
            ExportFormat::Xlsx => Format::Xlsx,
            ExportFormat::Csv => Format::Csv,
        }
    }
}

/// Handlers take the format first, before the caller is authenticated: an unknown extension
/// (`results.pdf`) is a path the API does not have, so it answers 404 `not_found` to
/// everyone, as any unmatched path does, rather than asking an anonymous caller to sign in.
/// Names are matched exactly, as the literal paths they replace were (`results.XLSX` is 404).
impl FromRequest for ExportFormat {
    type Error = AppError;
    type Future = Ready<Result<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let name = req.match_info().get("format").unwrap_or_default();
        let format = ExportFormat::deserialize(name.into_deserializer())
            .map_err(|_: serde::de::value::Error| AppError::NotFound);
        ready(format)
    }
}

/// The subject of a download: the round or contest of `{id}` in its path. The format is
/// the [`ExportFormat`] extractor's.
#[derive(Debug, Deserialize)]
pub struct Subject {
    pub id: i64,
}

/// The response header carrying the SHA-256 of the body.
pub const SHA256_HEADER: &str = "x-content-sha256";

/// Streams a produced file with its size, name and hash.
pub fn send(produced: Produced, file_name: &str, format: Format) -> HttpResponse {
    let len = produced.len;
    let sha256 = produced.sha256;
    let file = tokio::fs::File::from_std(produced.file);
    let body = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(web::Bytes::from(buf)), Some(file)))
            }
            // End the stream after reporting the error once.
            Err(e) => Some((Err(e), None)),
        }
    });
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((SHA256_HEADER, sha256))
        // Results carry personal data: no cache keeps a copy.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(SizedStream::new(len, body))
}

/// Produces an export into a temporary file, records it, and streams it.
async fn download(
    req: &HttpRequest,
    state: &AppState,
    caller: &AuthUser,
    kind: ExportKind,
    id: i64,
    format: Format,
    contact: ContactFields,
) -> Result<HttpResponse> {
    check_same_origin_download(req)?;
    let file = tempfile::tempfile().context("Failed to create a temporary file")?;
    let produced = exports::produce(
        &state.db.read,
        &state.engine.boards,
        exports::ExportSpec {
            kind,
            id,
            format,
            contact,
            item_min_sample: state.settings.item_min_sample,
        },
        file,
    )
    .await?;
    exports::record_hook(
        &state.db.write,
        &ExportRecord {
            kind,
            subject_id: id,
            format,
            actor: Some(caller.id()),
            contact,
            sha256: produced.sha256.clone(),
            bytes: produced.len,
        },
    )
    .await?;
    Ok(send(produced, &kind.file_name(id, format), format))
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/results.{format}", tag = "exports",
    params(
        ("id" = i64, Path, example = 1, description = "Round id"),
        ("format" = inline(ExportFormat), Path, description = "`xlsx` (a sheet per category) or `csv`"),
        ResultsQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Round results", content(
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 403, description = "Wrong role (`forbidden`; contact data is for organisers only), or a cross-site download by cookie (`csrf`)", body = crate::error::ErrorBody),
        (status = 422, description = "An unknown contact field (`invalid`)", body = crate::error::ErrorBody),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/rounds/{id}/results.xlsx` and `…/results.csv`.
pub async fn round_results(
    format: ExportFormat,
    req: HttpRequest,
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<Subject>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse> {
    let contact = query.contact_for(&staff.0)?;
    download(
        &req,
        &state,
        &staff.0,
        ExportKind::RoundResults,
        path.id,
        format.into(),
        contact,
    )
    .await
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/results.{format}", tag = "exports",
    params(
        ("id" = i64, Path, example = 1, description = "Contest id"),
        ("format" = inline(ExportFormat), Path, description = "`xlsx` (a sheet per category) or `csv`"),
        ResultsQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Contest results", content(
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 403, description = "Wrong role (`forbidden`; contact data is for organisers only), or a cross-site download by cookie (`csrf`)", body = crate::error::ErrorBody),
        (status = 422, description = "An unknown contact field (`invalid`)", body = crate::error::ErrorBody),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/results.xlsx` and `…/results.csv`.
pub async fn contest_results(
    format: ExportFormat,
    req: HttpRequest,
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<Subject>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse> {
    let contact = query.contact_for(&staff.0)?;
    download(
        &req,
        &state,
        &staff.0,
        ExportKind::ContestResults,
        path.id,
        format.into(),
        contact,
    )
    .await
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/units.{format}", tag = "exports",
    params(
        ("id" = i64, Path, example = 1, description = "Contest id"),
        ("format" = inline(ExportFormat), Path, description = "`xlsx` or `csv`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Unit statistics", content(
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 403, description = "Wrong role (`forbidden`), or a cross-site download by cookie (`csrf`)", body = crate::error::ErrorBody),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/units.xlsx` and `…/units.csv`.
pub async fn contest_units(
    format: ExportFormat,
    req: HttpRequest,
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<Subject>,
) -> Result<HttpResponse> {
    download(
        &req,
        &state,
        &staff.0,
        ExportKind::ContestUnits,
        path.id,
        format.into(),
        ContactFields::NONE,
    )
    .await
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/items", tag = "exports",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The item analysis", body = Vec<crate::contest::items::ItemReport>),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/rounds/{id}/items` — the item analysis: per question, times drawn,
/// facility, discrimination, choices per option, flags.
#[tracing::instrument(skip_all, fields(user.id = organiser.0.id()))]
pub async fn round_items(
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let reports = items::load(
        &state.db.read,
        &state.engine.pools,
        path.into_inner(),
        state.settings.item_min_sample,
    )
    .await?;
    Ok(HttpResponse::Ok().json(reports))
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/items.csv", tag = "exports",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Item analysis (CSV)", content_type = "text/csv", body = String),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 403, description = "Wrong role (`forbidden`), or a cross-site download by cookie (`csrf`)", body = crate::error::ErrorBody),
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/rounds/{id}/items.csv`.
pub async fn round_items_csv(
    req: HttpRequest,
    organiser: Organiser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    download(
        &req,
        &state,
        &organiser.0,
        ExportKind::RoundItems,
        path.into_inner(),
        Format::Csv,
        ContactFields::NONE,
    )
    .await
}

//! Award downloads (issue #17): a certificate's PDF (its winner, or staff), every
//! certificate of a published list as one ZIP streamed as it is written (organisers), and
//! the winners list as XLSX or CSV with a BOM (staff; contact data for organisers only).

use std::io::Write;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use anyhow::Context;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::Role;
use crate::awards::workflow::{self, Scope};
use crate::awards::{certificate, export};
use crate::error::{AppError, Result};
use crate::exports::{self, Format, Table};
use crate::state::AppState;
use crate::web::api::exports::{ExportFormat, ResultsQuery, Subject, send};
use crate::web::extract::{Organiser, SignedIn, Staff};
use crate::web::pages::awards::public_base;
use crate::web::security::check_same_origin_download;

/// `{code}` of `/certificates/{code}.pdf`.
#[derive(Debug, Deserialize)]
pub struct CodePath {
    pub code: String,
}

fn pdf_name(code: &str) -> String {
    format!("giay-chung-nhan-{code}.pdf")
}

#[utoipa::path(
    get, path = "/api/v1/certificates/{code}.pdf", tag = "awards",
    params(("code" = String, Path, example = "K7QX-M2PD", description = "The certificate's verification code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The certificate, A4 landscape", content((String = "application/pdf"))),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/certificates/{code}.pdf` — for the winner, or staff.
#[tracing::instrument(skip_all, fields(user.id = caller.0.id()))]
pub async fn pdf(
    caller: SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<CodePath>,
) -> Result<HttpResponse> {
    let cert = workflow::certificate(&state.db.read, &path.code).await?;
    if !cert.valid {
        return Err(AppError::NotFound);
    }
    let staff = matches!(caller.0.role, Role::Judge | Role::Organiser);
    if !staff && caller.0.id() != cert.participant_id {
        return Err(AppError::Forbidden);
    }
    let base = public_base(&req, &state);
    let code = cert.code.clone();
    let bytes = tokio::task::spawn_blocking(move || certificate::render(&cert, &base))
        .await
        .context("the certificate task failed")??;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", pdf_name(&code)),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// Bytes handed to the response as they are written: the ZIP writer runs on a blocking
/// thread and sends 64 KiB chunks through a bounded channel, so memory stays flat however
/// many certificates the file holds, and a client that goes away stops the writing.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<web::Bytes>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = web::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Writes every certificate into a ZIP stream (blocking).
fn write_zip(
    certs: Vec<workflow::CertificateView>,
    base: &str,
    out: ChannelWriter,
) -> anyhow::Result<()> {
    let mut zip = zip::ZipWriter::new_stream(out);
    // PDFs are compressed already: stored, not deflated again.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (i, cert) in certs.iter().enumerate() {
        let pdf = certificate::render(cert, base).map_err(|e| anyhow::anyhow!("{e}"))?;
        zip.start_file(format!("{:05}-{}", i + 1, pdf_name(&cert.code)), options)?;
        zip.write_all(&pdf)?;
    }
    zip.finish()?.into_inner().flush()?;
    Ok(())
}

async fn zip_response(
    req: &HttpRequest,
    state: &AppState,
    scope: Scope,
    actor: i64,
) -> Result<HttpResponse> {
    check_same_origin_download(req)?;
    let certs = workflow::published_certificates(&state.db.read, &scope).await?;
    crate::audit::record(
        &state.db.write,
        Some(actor),
        "awards.certificates_zip",
        Some(scope.subject()),
        json!({ "certificates": certs.len() }),
    )
    .await?;
    let base = public_base(req, state);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let subject = scope.subject();
    tokio::task::spawn_blocking(move || {
        let out = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = write_zip(certs, &base, out) {
            tracing::warn!(subject = ?subject, error = %e, "a certificates ZIP stopped");
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let (kind, id) = scope.subject();
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"giay-chung-nhan-{kind}-{id}.zip\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/certificates.zip", tag = "awards",
    params(("id" = i64, Path, example = 1, description = "Round id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every certificate of the published list, streamed", content((String = "application/zip"))),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/rounds/{id}/certificates.zip` — organisers.
pub async fn round_zip(
    organiser: Organiser,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let scope = Scope::of_round(&state.db.read, path.into_inner()).await?;
    zip_response(&req, &state, scope, organiser.0.id()).await
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/certificates.zip", tag = "awards",
    params(("id" = i64, Path, example = 1, description = "Contest id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every certificate of the published list, streamed", content((String = "application/zip"))),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
    )
)]
/// `GET /api/v1/contests/{id}/certificates.zip` — organisers.
pub async fn contest_zip(
    organiser: Organiser,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse> {
    let scope = Scope::of_contest(&state.db.read, path.into_inner()).await?;
    zip_response(&req, &state, scope, organiser.0.id()).await
}

async fn list_export(
    req: &HttpRequest,
    state: &AppState,
    staff: &Staff,
    scope: Scope,
    format: Format,
    query: &ResultsQuery,
) -> Result<HttpResponse> {
    let fields = query.contact_for(&staff.0)?;
    check_same_origin_download(req)?;
    let list = workflow::current(&state.db.read, &state.engine, &scope, None).await?;
    let ids: Vec<i64> = list.entries.iter().map(|e| e.participant_id).collect();
    let contacts = exports::contacts(&state.db.read, &ids, fields).await?;
    let file = tempfile::tempfile().context("Failed to create a temporary file")?;
    let produced = tokio::task::spawn_blocking(move || {
        let (headers, widths) = export::columns(fields);
        let table = Table {
            sheet: "Danh sách giải",
            headers: &headers,
            widths: &widths,
        };
        exports::write_table(
            &table,
            export::rows(&list.entries, &contacts, fields),
            format,
            file,
        )
    })
    .await
    .context("the export task failed")??;
    let (kind, id) = scope.subject();
    crate::audit::record(
        &state.db.write,
        Some(staff.0.id()),
        "export",
        Some((kind, id)),
        json!({
            "kind": format!("{kind}_awards"),
            "format": format.extension(),
            "contact": fields.names(),
            "sha256": produced.sha256,
            "bytes": produced.len,
        }),
    )
    .await?;
    let name = format!("danh-sach-giai-{kind}-{id}.{}", format.extension());
    Ok(send(produced, &name, format))
}

#[utoipa::path(
    get, path = "/api/v1/rounds/{id}/awards.{format}", tag = "awards",
    params(
        ("id" = i64, Path, example = 1, description = "Round id"),
        ("format" = inline(ExportFormat), Path, description = "`xlsx` or `csv`"),
        ResultsQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The winners list", content(
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 422, description = "An unknown contact field (`invalid`)", body = crate::error::ErrorBody),
    )
)]
/// `GET /api/v1/rounds/{id}/awards.xlsx` and `…/awards.csv`.
pub async fn round_export(
    format: ExportFormat,
    req: HttpRequest,
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<Subject>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse> {
    let scope = Scope::of_round(&state.db.read, path.id).await?;
    list_export(&req, &state, &staff, scope, format.into(), &query).await
}

#[utoipa::path(
    get, path = "/api/v1/contests/{id}/awards.{format}", tag = "awards",
    params(
        ("id" = i64, Path, example = 1, description = "Contest id"),
        ("format" = inline(ExportFormat), Path, description = "`xlsx` or `csv`"),
        ResultsQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The winners list", content(
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
        crate::error::AuthErrors,
        crate::error::NotFoundError,
        (status = 422, description = "An unknown contact field (`invalid`)", body = crate::error::ErrorBody),
    )
)]
/// `GET /api/v1/contests/{id}/awards.xlsx` and `…/awards.csv`.
pub async fn contest_export(
    format: ExportFormat,
    req: HttpRequest,
    staff: Staff,
    state: web::Data<AppState>,
    path: web::Path<Subject>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse> {
    let scope = Scope::of_contest(&state.db.read, path.id).await?;
    list_export(&req, &state, &staff, scope, format.into(), &query).await
}

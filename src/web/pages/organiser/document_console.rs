//! A contest's attached documents on the organiser's contest console: the list with its
//! delete buttons, the upload form, and their handlers.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, web};
use maud::{Markup, html};

use crate::contest::documents::{self, DocumentInfo, Kind};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::form::FormOutcome;
use crate::views::format::file_size;
use crate::views::layout::csrf_field;
use crate::web::api::documents::{DocumentPath, read_document};
use crate::web::extract::Organiser;
use crate::web::pages::auth::CsrfOnly;
use crate::web::pages::{PageCtx, PageResult, see_other};

use super::contest_console::contest_page;

/// The contest's documents, each with its delete button, and the upload form.
pub(super) fn documents_section(
    viewer: &crate::views::layout::Viewer,
    contest_id: i64,
    docs: &[DocumentInfo],
) -> Markup {
    html! {
        section #contest-documents .card aria-labelledby="contest-documents-title" {
            h2 #contest-documents-title { "Tài liệu" }
            @if docs.is_empty() {
                p.muted { "Chưa có tài liệu nào." }
            } @else {
                ul.documents { @for d in docs {
                    li {
                        a href=(d.url) { (d.filename) }
                        span.muted { (Kind::of_content_type(&d.content_type).map_or("", Kind::name)) " · " (file_size(d.size)) }
                        form method="post" action={ "/organiser/contests/" (contest_id) "/documents/" (d.id) "/delete" } {
                            (csrf_field(viewer))
                            button.secondary type="submit" aria-label={ "Xóa tài liệu " (d.filename) } { "Xóa" }
                        }
                    }
                } }
            }
            form #document-upload method="post" enctype="multipart/form-data" action={ "/organiser/contests/" (contest_id) "/documents" } {
                (csrf_field(viewer))
                label for="document-file" { "Thêm tài liệu" }
                input #document-file type="file" name="file" required
                    accept=".pdf,.docx,.xlsx,.png,.jpg,.jpeg" aria-describedby="document-file-hint";
                p #document-file-hint .muted {
                    "PDF, Word (.docx), Excel (.xlsx), ảnh PNG hoặc JPEG, tối đa "
                    (documents::MAX_BYTES / 1024 / 1024) " MB; tối đa " (documents::MAX_PER_CONTEST) " tài liệu mỗi cuộc thi."
                }
                div.actions { button type="submit" { "Tải lên" } }
            }
        }
    }
}

/// The console again, with why an upload was refused (nothing was stored).
async fn refused_upload(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    contest_id: i64,
    e: AppError,
) -> PageResult {
    let outcome = FormOutcome::refused(e)?;
    contest_page(ctx, state, contest_id, &BTreeMap::new(), outcome).await
}

/// `POST /organiser/contests/{id}/documents` — attaches the uploaded document
/// (`contest::documents::add`, as the API).
pub async fn upload_document(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
    payload: web::Payload,
) -> PageResult {
    let contest_id = path.into_inner();
    crate::contest::load_contest(&state.db.read, contest_id).await?;
    let (upload, name, bytes) = match read_document(&req, payload).await {
        Ok(read) => read,
        // Nothing was stored: the page shows why (too large, no file).
        Err(e) => return refused_upload(&ctx, &state, contest_id, e).await,
    };
    ctx.check_csrf(
        upload
            .fields
            .get("csrf")
            .map(String::as_str)
            .unwrap_or_default(),
    )?;
    match documents::add(
        &state.db.write,
        contest_id,
        name.as_deref(),
        bytes,
        Some(ctx.user.id()),
    )
    .await
    {
        Ok(d) => {
            tracing::info!(
                contest.id = contest_id,
                document.id = d.id,
                "document attached from the console"
            );
            Ok(see_other(&format!(
                "/organiser/contests/{contest_id}#contest-documents"
            )))
        }
        Err(e) => refused_upload(&ctx, &state, contest_id, e).await,
    }
}

/// `POST /organiser/contests/{id}/documents/{doc_id}/delete` — removes a document (audited).
pub async fn delete_document(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<DocumentPath>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    documents::remove(&state.db.write, path.id, path.doc_id, Some(ctx.user.id())).await?;
    tracing::info!(
        contest.id = path.id,
        document.id = path.doc_id,
        "document removed from the console"
    );
    Ok(see_other(&format!(
        "/organiser/contests/{}#contest-documents",
        path.id
    )))
}

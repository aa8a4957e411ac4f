//! The banks console: the list, an upload with its problems by line, one bank's counts.

use actix_web::{HttpRequest, web};
use maud::{Markup, html};

use crate::banks::upload::parse_upload;
use crate::banks::{BankMeta, Difficulty, store};
use crate::contest::difficulty_vi;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::console;
use crate::views::form::FormOutcome;
use crate::views::format::capitalised;
use crate::views::layout::csrf_field;
use crate::web::extract::Organiser;
use crate::web::pages::{PageCtx, PageResult};

/// `GET /organiser/banks/mau-ngan-hang.xlsx` — the XLSX template with its Vietnamese headers.
pub async fn template(_ctx: PageCtx<Organiser>) -> Result<actix_web::HttpResponse, AppError> {
    let bytes = crate::banks::template::template_xlsx()?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"mau-ngan-hang.xlsx\"",
        ))
        .body(bytes))
}

async fn banks_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    outcome: FormOutcome,
) -> PageResult {
    let banks = store::list(&state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(outcome.status, console::organiser(viewer, "Ngân hàng câu hỏi", html! {
        (outcome)
        form #bank-upload .card method="post" action="/organiser/banks" enctype="multipart/form-data" {
            h2 { "Tải lên ngân hàng câu hỏi" }
            (csrf_field(viewer))
            label for="bank-file" { "Tệp (.toml, .gift, .txt, .aiken.txt, .csv, .xlsx, .xml của Moodle, hoặc .zip kèm ảnh)" }
            input #bank-file type="file" name="file" required;
            p.hint { a href="/organiser/banks/mau-ngan-hang.xlsx" download { "Tải bảng tính mẫu (.xlsx)" } }
            label for="bank-format" { "Định dạng" }
            select #bank-format name="format" {
                option value="" { "Theo đuôi tệp" }
                @for f in ["toml", "gift", "aiken", "csv", "xlsx", "moodlexml"] { option value=(f) { (f) } }
            }
            label for="bank-code" { "Mã ngân hàng (cho GIFT, Aiken, CSV, XLSX)" }
            input #bank-code type="text" name="code";
            label for="bank-title" { "Tên ngân hàng" }
            input #bank-title type="text" name="title";
            div.actions {
                button type="submit" name="action" value="check" .secondary { "Kiểm tra" }
                button type="submit" name="action" value="import" { "Tải lên" }
            }
        }
        div.table-wrap { table #banks {
            thead { tr { th scope="col" { "Mã" } th scope="col" { "Tên" } th.num scope="col" { "Số câu" } th.num scope="col" { "Chủ đề" } } }
            tbody { @for b in &banks { tr {
                td { a href={ "/organiser/banks/" (b.id) } { (b.code) } }
                td { (b.title) } td.num { (b.questions) } td.num { (b.topics) }
            } } }
        } }
    })))
}

/// `GET /organiser/banks`.
pub async fn banks(ctx: PageCtx<Organiser>, state: web::Data<AppState>) -> PageResult {
    banks_page(&ctx, &state, FormOutcome::none()).await
}

/// `POST /organiser/banks` — check or import an uploaded bank; problems are listed by line.
pub async fn upload_bank(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let user = &ctx.user;
    let upload = ctx.read_upload(&req, payload).await?;
    let result: Result<Markup, AppError> = async {
        let (file_name, bytes) = upload
            .file
            .filter(|(_, b)| !b.is_empty())
            .ok_or_else(|| AppError::bad_request("invalid_upload", "Chưa chọn tệp."))?;
        let meta = BankMeta {
            code: upload.fields.get("code").cloned().filter(|c| !c.trim().is_empty()),
            title: upload.fields.get("title").cloned().filter(|c| !c.trim().is_empty()),
        };
        let parsed = parse_upload(upload.fields.get("format").map(String::as_str), file_name.as_deref(), bytes, meta).await?;
        if upload.fields.get("action").map(String::as_str) == Some("check") {
            return Ok(html! { div.notice role="status" {
                "Tệp hợp lệ: " (parsed.bank.questions.len()) " câu hỏi, " (parsed.skipped.len()) " câu bị bỏ qua. Chưa lưu gì."
                @if !parsed.skipped.is_empty() { ul { @for s in &parsed.skipped { li { "Dòng " (s.line) ": " (s.reason) } } } }
                (warning_list(&parsed.warnings))
            } });
        }
        let outcome = store::import(&state.db.write, &parsed, Some(user.id())).await?;
        state.engine.pools.invalidate_bank(outcome.id);
        tracing::info!(bank.id = outcome.id, created = outcome.created, revised = outcome.revised, "bank imported from the console");
        Ok(html! { div.notice role="status" {
            "Đã lưu ngân hàng " strong { (outcome.code) } ": " (outcome.questions) " câu hỏi ("
            (outcome.created) " mới, " (outcome.revised) " sửa đổi, " (outcome.unchanged) " giữ nguyên, " (outcome.retired) " ngừng dùng)."
            @if !parsed.skipped.is_empty() { ul { @for s in &parsed.skipped { li { "Bỏ qua dòng " (s.line) ": " (s.reason) } } } }
            (warning_list(&parsed.warnings))
        } })
    }
    .await;
    let outcome = match result {
        Ok(notice) => FormOutcome::done(notice),
        Err(e) => FormOutcome::refused(e)?,
    };
    banks_page(&ctx, &state, outcome).await
}

/// `GET /organiser/banks/{id}` — counts per topic × difficulty.
pub async fn bank(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let detail = store::detail(&state.db.read, path.into_inner()).await?;
    Ok(ctx.ok(console::organiser(&ctx.viewer, &format!("Ngân hàng {}", detail.code), html! {
        p { (detail.title) " — " (detail.questions) " câu hỏi, phiên bản " (detail.version) "." }
        p { a href={ "/api/v1/banks/" (detail.id) "/export?format=toml" } { "Tải về (TOML)" } " · "
            a href={ "/api/v1/banks/" (detail.id) "/export?format=gift" } { "Tải về (GIFT)" } }
        div.table-wrap { table #bank-topics {
            thead { tr {
                th scope="col" { "Chủ đề" } th.num scope="col" { "Tổng" }
                @for d in [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard] { th.num scope="col" { (capitalised(difficulty_vi(d))) } }
                th.num scope="col" { "Một đáp án" } th.num scope="col" { "Nhiều đáp án" } th.num scope="col" { "Đúng/Sai" }
            } }
            tbody { @for t in &detail.topics { tr {
                td { (t.topic) } td.num { (t.total) } td.num { (t.easy) } td.num { (t.medium) } td.num { (t.hard) }
                td.num { (t.single) } td.num { (t.multiple) } td.num { (t.true_false) }
            } } }
        } }
    })))
}

/// The warnings of an accepted bank file (imported anyway), by line.
fn warning_list(warnings: &[crate::banks::Warning]) -> Markup {
    html! {
        @if !warnings.is_empty() {
            p { "Cần xem lại (" (warnings.len()) "):" }
            ul.warnings { @for w in warnings { li { "Dòng " (w.line) ": " (w.message) } } }
        }
    }
}

//! The banks console: the list, an upload with its problems by line, one bank's counts.

use actix_web::{HttpRequest, web};
use maud::{Markup, html};

use crate::banks::pending::{self, Kept};
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

/// What the upload form shows again: the values typed, and the file kept after "Kiểm tra".
#[derive(Default)]
struct BankForm {
    format: String,
    code: String,
    title: String,
    kept: Option<Kept>,
}

impl BankForm {
    fn typed(fields: &std::collections::HashMap<String, String>) -> Self {
        let field = |k: &str| {
            fields
                .get(k)
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        BankForm {
            format: field("format"),
            code: field("code"),
            title: field("title"),
            kept: None,
        }
    }
}

async fn banks_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    outcome: FormOutcome,
    form: &BankForm,
) -> PageResult {
    let banks = store::list(&state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(outcome.status, console::organiser(viewer, "Ngân hàng câu hỏi", html! {
        (outcome)
        form #bank-upload .card method="post" action="/organiser/banks" enctype="multipart/form-data" {
            h2 { "Tải lên ngân hàng câu hỏi" }
            (csrf_field(viewer))
            @if let Some(kept) = &form.kept {
                input type="hidden" name="pending" value=(kept.token);
                p #bank-kept .notice {
                    "Tệp đã kiểm tra: " strong { (kept.file_name) } " (" (kept.questions) " câu hỏi). "
                    "Bấm “Tải lên” để lưu tệp này (giữ trong 1 giờ), hoặc chọn tệp khác."
                }
            }
            label for="bank-file" { "Tệp (.toml, .gift, .txt, .aiken.txt, .csv, .xlsx, .xml của Moodle, hoặc .zip kèm ảnh)" }
            input #bank-file type="file" name="file" required[form.kept.is_none()];
            p.hint { a href="/organiser/banks/mau-ngan-hang.xlsx" download { "Tải bảng tính mẫu (.xlsx)" } }
            label for="bank-format" { "Định dạng" }
            select #bank-format name="format" {
                option value="" { "Theo đuôi tệp" }
                @for f in ["toml", "gift", "aiken", "csv", "xlsx", "moodlexml", "zip"] {
                    option value=(f) selected[form.format == f] { (f) }
                }
            }
            label for="bank-code" { "Mã ngân hàng (cho GIFT, Aiken, CSV, XLSX)" }
            input #bank-code type="text" name="code" value=(form.code);
            label for="bank-title" { "Tên ngân hàng" }
            input #bank-title type="text" name="title" value=(form.title);
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
    banks_page(&ctx, &state, FormOutcome::none(), &BankForm::default()).await
}

/// `POST /organiser/banks` — check or import an uploaded bank; problems are listed by line.
/// A file that passed "Kiểm tra" is kept ([`pending`]) and imported by "Tải lên" when no
/// other file is chosen; the form keeps what was typed whatever the outcome.
pub async fn upload_bank(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let user_id = ctx.user.id();
    let upload = ctx.read_upload(&req, payload).await?;
    let mut form = BankForm::typed(&upload.fields);
    let token = upload
        .fields
        .get("pending")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let checking = upload.fields.get("action").map(String::as_str) == Some("check");
    let now = state.engine.now();
    let result: Result<Markup, AppError> = async {
        let (file_name, bytes, from_kept) = match upload.file.filter(|(_, b)| !b.is_empty()) {
            Some((name, bytes)) => (name.unwrap_or_default(), bytes, false),
            None => {
                let token = token
                    .as_deref()
                    .ok_or_else(|| AppError::bad_request("invalid_upload", "Chưa chọn tệp."))?;
                let kept = pending::find(&state.db.read, user_id, token, now).await?.ok_or_else(|| {
                    AppError::bad_request(
                        "upload_expired",
                        "Tệp đã kiểm tra không còn được giữ (quá 1 giờ hoặc đã tải lên); hãy chọn lại tệp.",
                    )
                })?;
                form.kept = Some(Kept {
                    token: kept.token,
                    file_name: kept.file_name.clone(),
                    questions: usize::try_from(kept.questions).unwrap_or_default(),
                });
                (kept.file_name, kept.bytes, true)
            }
        };
        let meta = BankMeta {
            code: Some(form.code.clone()).filter(|c| !c.is_empty()),
            title: Some(form.title.clone()).filter(|c| !c.is_empty()),
        };
        // A failed check must not leave an earlier file to be imported by mistake.
        if checking { form.kept = None; }
        let named = Some(form.format.as_str());
        let to_keep = checking.then(|| bytes.clone());
        let parsed = parse_upload(named, Some(file_name.as_str()), bytes, meta).await?;
        if let Some(bytes) = to_keep {
            let kept = pending::keep(&state.db.write, user_id, &file_name, bytes, parsed.bank.questions.len(), now).await?;
            form.kept = Some(kept);
            return Ok(html! { div.notice role="status" {
                "Tệp hợp lệ: " (parsed.bank.questions.len()) " câu hỏi, " (parsed.skipped.len()) " câu bị bỏ qua. Chưa lưu gì."
                @if !parsed.skipped.is_empty() { ul { @for s in &parsed.skipped { li { "Dòng " (s.line) ": " (s.reason) } } } }
                (warning_list(&parsed.warnings))
            } });
        }
        let outcome = store::import(&state.db.write, &parsed, Some(user_id)).await?;
        state.engine.pools.invalidate_bank(outcome.id);
        tracing::info!(bank.id = outcome.id, created = outcome.created, revised = outcome.revised, from_kept, "bank imported from the console");
        if let Some(token) = &token {
            pending::discard(&state.db.write, user_id, token).await?;
        }
        form = BankForm::default();
        Ok(html! { div.notice role="status" {
            "Đã lưu ngân hàng " strong { (outcome.code) } @if !file_name.is_empty() { " từ tệp " (file_name) } ": " (outcome.questions) " câu hỏi ("
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
    banks_page(&ctx, &state, outcome, &form).await
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
        p { "Tải về: "
            @for (i, (format, label)) in [("toml", "TOML"), ("gift", "GIFT"), ("moodlexml", "Moodle XML"), ("xlsx", "Excel"), ("csv", "CSV"), ("zip", "ZIP kèm ảnh")].iter().enumerate() {
                @if i > 0 { " · " }
                a href={ "/api/v1/banks/" (detail.id) "/export?format=" (format) } download { (label) }
            }
        }
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

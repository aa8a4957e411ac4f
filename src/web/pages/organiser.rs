//! The organisers' console (Ban Tổ chức): banks, contests and rounds, units, participants.

use crate::db::OneByKey;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use maud::{Markup, html};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use super::public::vn_time;
use super::{PageCtx, PageError, PageResult, see_other};
use crate::accounts::Role;
use crate::banks::upload::{detect_format, parse};
use crate::banks::{BankMeta, Difficulty, store};
use crate::contest::{self, ContestSpec, PredictionAnswer, PredictionSpec, QuotaSpec, RoundSpec};
use crate::entities::contest as contest_entity;
use crate::entities::round::ScoreShown;
use crate::error::{AppError, Problems};
use crate::state::AppState;
use crate::views::layout::{Viewer, csrf_field, page};
use crate::web::upload;

/// Lets organisers through; others get 403 (or the login page).
pub fn organiser(ctx: &PageCtx) -> Result<&crate::web::extract::AuthUser, PageError> {
    let user = ctx.require_user()?;
    if user.role != Role::Organiser {
        return Err(AppError::Forbidden.into());
    }
    Ok(user)
}

fn console_nav() -> Markup {
    html! {
        nav aria-label="Ban Tổ chức" {
            div.actions {
                a.button.secondary href="/organiser/banks" { "Ngân hàng câu hỏi" }
                a.button.secondary href="/organiser/contests" { "Cuộc thi và vòng thi" }
                a.button.secondary href="/organiser/units" { "Đơn vị" }
                a.button.secondary href="/organiser/participants" { "Thí sinh" }
                a.button.secondary href="/organiser/duplicates" { "Tài khoản trùng" }
                a.button.secondary href="/judge" { "Kết quả" }
            }
        }
    }
}

fn console(viewer: &Viewer, title: &str, body: Markup) -> Markup {
    page(
        viewer,
        title,
        &[],
        html! { (console_nav()) h1 { (title) } (body) },
    )
}

fn problems_box(message: &str, problems: &Problems) -> Markup {
    html! {
        div.error role="alert" {
            p { (message) }
            @if !problems.is_empty() {
                ul { @for p in &problems.rendered() {
                    li { @if p.line > 0 { "Dòng " (p.line) ": " } (p.message) }
                } }
            }
        }
    }
}

fn error_box(e: &AppError) -> Markup {
    match e {
        AppError::InvalidFile {
            message, problems, ..
        } => problems_box(message, problems),
        AppError::Validation { fields } => html! {
            div.error role="alert" { p { (e.message()) } ul { @for (k, v) in fields { li { (k) ": " (v) } } } }
        },
        other => html! { div.error role="alert" { p { (other.message()) } } },
    }
}

/// `GET /organiser`.
pub async fn dashboard(ctx: PageCtx) -> PageResult {
    organiser(&ctx)?;
    Ok(ctx.ok(console(
        &ctx.viewer,
        "Ban Tổ chức",
        html! {
            p { "Chọn một mục ở trên để quản lý cuộc thi." }
        },
    )))
}

async fn banks_page(
    ctx: &PageCtx,
    state: &AppState,
    outcome: Option<Markup>,
    status: StatusCode,
) -> PageResult {
    let banks = store::list(&state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(status, console(viewer, "Ngân hàng câu hỏi", html! {
        @if let Some(o) = outcome { (o) }
        form #bank-upload .card method="post" action="/organiser/banks" enctype="multipart/form-data" {
            h2 { "Tải lên ngân hàng câu hỏi" }
            (csrf_field(viewer))
            label for="bank-file" { "Tệp (.toml, .gift, .txt, .aiken.txt, .csv, .xlsx)" }
            input #bank-file type="file" name="file" required;
            label for="bank-format" { "Định dạng" }
            select #bank-format name="format" {
                option value="" { "Theo đuôi tệp" }
                @for f in ["toml", "gift", "aiken", "csv", "xlsx"] { option value=(f) { (f) } }
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
pub async fn banks(ctx: PageCtx, state: web::Data<AppState>) -> PageResult {
    organiser(&ctx)?;
    banks_page(&ctx, &state, None, StatusCode::OK).await
}

/// `POST /organiser/banks` — check or import an uploaded bank; problems are listed by line.
pub async fn upload_bank(
    ctx: PageCtx,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let user = organiser(&ctx)?;
    let upload = upload::read(&req, payload).await?;
    ctx.check_csrf(
        upload
            .fields
            .get("csrf")
            .map(String::as_str)
            .unwrap_or_default(),
    )?;
    let result: Result<Markup, AppError> = async {
        let (file_name, bytes) = upload
            .file
            .filter(|(_, b)| !b.is_empty())
            .ok_or_else(|| AppError::bad_request("invalid_upload", "Chưa chọn tệp."))?;
        let format = detect_format(upload.fields.get("format").map(String::as_str), file_name.as_deref())?;
        let meta = BankMeta {
            code: upload.fields.get("code").cloned().filter(|c| !c.trim().is_empty()),
            title: upload.fields.get("title").cloned().filter(|c| !c.trim().is_empty()),
        };
        let parsed = parse(format, bytes, meta).await?;
        if upload.fields.get("action").map(String::as_str) == Some("check") {
            return Ok(html! { div.notice role="status" {
                "Tệp hợp lệ: " (parsed.bank.questions.len()) " câu hỏi, " (parsed.skipped.len()) " câu bị bỏ qua. Chưa lưu gì."
                @if !parsed.skipped.is_empty() { ul { @for s in &parsed.skipped { li { "Dòng " (s.line) ": " (s.reason) } } } }
            } });
        }
        let outcome = store::import(&state.db.write, &parsed, Some(user.id())).await?;
        tracing::info!(bank.id = outcome.id, created = outcome.created, revised = outcome.revised, "bank imported from the console");
        Ok(html! { div.notice role="status" {
            "Đã lưu ngân hàng " strong { (outcome.code) } ": " (outcome.questions) " câu hỏi ("
            (outcome.created) " mới, " (outcome.revised) " sửa đổi, " (outcome.unchanged) " giữ nguyên, " (outcome.retired) " ngừng dùng)."
            @if !parsed.skipped.is_empty() { ul { @for s in &parsed.skipped { li { "Bỏ qua dòng " (s.line) ": " (s.reason) } } } }
        } })
    }
    .await;
    match result {
        Ok(notice) => banks_page(&ctx, &state, Some(notice), StatusCode::OK).await,
        Err(e) if e.status_code_is_client() => {
            let status = actix_web::ResponseError::status_code(&e);
            banks_page(&ctx, &state, Some(error_box(&e)), status).await
        }
        Err(e) => Err(e.into()),
    }
}

fn difficulty_vi(d: &str) -> &'static str {
    match d {
        "easy" => "Dễ",
        "medium" => "Trung bình",
        _ => "Khó",
    }
}

/// `GET /organiser/banks/{id}` — counts per topic × difficulty.
pub async fn bank(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> PageResult {
    organiser(&ctx)?;
    let detail = store::detail(&state.db.read, path.into_inner()).await?;
    Ok(ctx.ok(console(&ctx.viewer, &format!("Ngân hàng {}", detail.code), html! {
        p { (detail.title) " — " (detail.questions) " câu hỏi, phiên bản " (detail.version) "." }
        p { a href={ "/api/v1/banks/" (detail.id) "/export?format=toml" } { "Tải về (TOML)" } " · "
            a href={ "/api/v1/banks/" (detail.id) "/export?format=gift" } { "Tải về (GIFT)" } }
        div.table-wrap { table #bank-topics {
            thead { tr {
                th scope="col" { "Chủ đề" } th.num scope="col" { "Tổng" }
                th.num scope="col" { (difficulty_vi("easy")) } th.num scope="col" { (difficulty_vi("medium")) } th.num scope="col" { (difficulty_vi("hard")) }
                th.num scope="col" { "Một đáp án" } th.num scope="col" { "Nhiều đáp án" } th.num scope="col" { "Đúng/Sai" }
            } }
            tbody { @for t in &detail.topics { tr {
                td { (t.topic) } td.num { (t.total) } td.num { (t.easy) } td.num { (t.medium) } td.num { (t.hard) }
                td.num { (t.single) } td.num { (t.multiple) } td.num { (t.true_false) }
            } } }
        } }
    })))
}

/// `GET /organiser/contests`.
pub async fn contests(ctx: PageCtx, state: web::Data<AppState>) -> PageResult {
    organiser(&ctx)?;
    contests_page(&ctx, &state, None, StatusCode::OK).await
}

async fn contests_page(
    ctx: &PageCtx,
    state: &AppState,
    outcome: Option<Markup>,
    status: StatusCode,
) -> PageResult {
    let list = contest_entity::Entity::find()
        .order_by_desc(contest_entity::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let categories = crate::accounts::categories(&state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(status, console(viewer, "Cuộc thi", html! {
        @if let Some(o) = outcome { (o) }
        ul.card { @for c in &list { li { a href={ "/organiser/contests/" (c.id) } { (c.title) } " (" (c.code) ")" } } }
        form #contest-create .card method="post" action="/organiser/contests" {
            h2 { "Tạo cuộc thi" }
            (csrf_field(viewer))
            label for="contest-code" { "Mã cuộc thi" }
            input #contest-code type="text" name="code" required;
            label for="contest-title" { "Tên cuộc thi" }
            input #contest-title type="text" name="title" required;
            label for="contest-description" { "Mô tả" }
            textarea #contest-description name="description" rows="2" {}
            label for="contest-rules" { "Thể lệ" }
            textarea #contest-rules name="rules" rows="5" {}
            fieldset {
                legend { "Đối tượng dự thi" }
                @for c in &categories {
                    label.option { input type="checkbox" name="categories" value=(c.code) checked; span { (c.name) } }
                }
            }
            div.actions { button type="submit" { "Tạo cuộc thi" } }
        }
    })))
}

/// `POST /organiser/contests`.
pub async fn create_contest(
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let user = organiser(&ctx)?;
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    ctx.check_csrf(&get("csrf").unwrap_or_default())?;
    let spec = ContestSpec {
        code: get("code").unwrap_or_default(),
        title: get("title").unwrap_or_default(),
        description: get("description"),
        rules: get("rules"),
        categories: form
            .iter()
            .filter(|(k, _)| k == "categories")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    match contest::create_contest(&state.db.write, spec, Some(user.id())).await {
        Ok(c) => {
            tracing::info!(contest.id = c.id, "contest created from the console");
            Ok(see_other(&format!("/organiser/contests/{}", c.id)))
        }
        Err(e) if e.status_code_is_client() => {
            let status = actix_web::ResponseError::status_code(&e);
            contests_page(&ctx, &state, Some(error_box(&e)), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Parses a `datetime-local` value, read as Vietnam time.
fn parse_local(value: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    let offset = FixedOffset::east_opt(7 * 3600)?;
    naive
        .and_local_timezone(offset)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A `datetime-local` value in Vietnam time.
fn local_value(t: DateTime<Utc>) -> String {
    FixedOffset::east_opt(7 * 3600)
        .map(|o| t.with_timezone(&o).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

const QUOTA_ROWS: usize = 3;

async fn contest_page(
    ctx: &PageCtx,
    state: &AppState,
    contest_id: i64,
    form: &BTreeMap<String, String>,
    outcome: Option<Markup>,
    status: StatusCode,
) -> PageResult {
    let c = contest_entity::Entity::find_by_id(contest_id)
        .one_by_key(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let rounds = contest::rounds_of(&state.db.read, c.id).await?;
    let banks = store::list(&state.db.read).await?;
    let now = state.engine.now();
    let value = |k: &str, default: String| form.get(k).cloned().unwrap_or(default);
    let viewer = &ctx.viewer;
    Ok(ctx.html(status, console(viewer, &c.title, html! {
        @if let Some(o) = outcome { (o) }
        h2 { "Các vòng thi" }
        div #rounds {
            @for r in &rounds {
                div.card {
                    h3 { (r.title) @if r.practice { " (thi thử)" } }
                    p.muted { (contest::round_status(r, now)) " · " (vn_time(r.opens_at)) " → " (vn_time(contest::effective_close(r))) }
                    div.actions {
                        a.button.secondary href={ "/judge/rounds/" (r.id) } { "Kết quả" }
                        a.button.secondary href={ "/organiser/rounds/" (r.id) "/items" } { "Phân tích câu hỏi" }
                        @if contest::round_status(r, now) != "closed" {
                            form method="post" action={ "/organiser/rounds/" (r.id) "/close" } {
                                (csrf_field(viewer))
                                button.secondary type="submit" { "Đóng vòng thi ngay" }
                            }
                        }
                    }
                }
            }
        }
        form #round-create .card method="post" action={ "/organiser/contests/" (c.id) "/rounds" } {
            h2 { "Tạo vòng thi" }
            (csrf_field(viewer))
            label for="round-title" { "Tên vòng thi" }
            input #round-title type="text" name="title" value=(value("title", String::new())) required;
            label for="round-opens" { "Mở lúc (giờ Việt Nam)" }
            input #round-opens type="datetime-local" name="opens_at" value=(value("opens_at", local_value(now))) required;
            label for="round-closes" { "Đóng lúc (giờ Việt Nam)" }
            input #round-closes type="datetime-local" name="closes_at" value=(value("closes_at", local_value(now + chrono::Duration::days(7)))) required;
            label for="round-minutes" { "Thời gian làm bài (phút)" }
            input #round-minutes type="number" name="minutes" min="1" max="360" value=(value("minutes", "20".into())) required;
            label for="round-attempts" { "Số lượt thi (0 = không giới hạn)" }
            input #round-attempts type="number" name="max_attempts" min="0" max="1000" value=(value("max_attempts", "3".into())) required;
            label.option { input #round-practice type="checkbox" name="practice" value="1" checked[form.contains_key("practice")]; span { "Thi thử (không xếp hạng)" } }
            label.option { input #round-allow-overlap type="checkbox" name="allow_overlap" value="1" aria-describedby="round-allow-overlap-hint" checked[form.contains_key("allow_overlap")]; span { "Cho phép trùng câu hỏi giữa vòng thi thử và vòng thi chính thức đang mở hoặc sắp mở" } }
            p #round-allow-overlap-hint .muted { "Nguy hiểm: vòng thi thử cho làm nhiều lần và báo điểm; nếu rút cùng câu hỏi với vòng thi chính thức, thí sinh có thể làm thử từng câu để dò ra đáp án rồi đạt điểm tối đa ở vòng chính thức. Nếu không đánh dấu, hệ thống từ chối tạo vòng thi có câu hỏi trùng." }
            label for="round-score-shown" { "Cho thí sinh xem điểm" }
            select #round-score-shown name="score_shown" aria-describedby="round-score-shown-hint" {
                option value="on_submit" selected[form.get("score_shown").is_none_or(|v| v == "on_submit")] { "Ngay khi nộp bài" }
                option value="after_close" selected[form.get("score_shown").is_some_and(|v| v == "after_close")] { "Khi vòng thi kết thúc" }
            }
            p #round-score-shown-hint .muted { "Xem điểm ngay thì thí sinh biết kết quả tức thì, nhưng mỗi lần nộp bài cho biết số câu đúng: làm nhiều lượt hoặc nhiều tài khoản có thể dò ra đáp án. Công bố khi vòng thi kết thúc thì an toàn hơn: thí sinh chỉ thấy «Đã nộp bài», bảng xếp hạng công bố sau khi vòng thi kết thúc." }
            label for="round-order" { "Thứ tự câu hỏi" }
            select #round-order name="order" {
                option value="by_difficulty" selected[form.get("order").is_none_or(|o| o == "by_difficulty")] { "Từ dễ đến khó" }
                option value="shuffled" selected[form.get("order").is_some_and(|o| o == "shuffled")] { "Ngẫu nhiên" }
            }
            label for="round-prediction" { "Câu hỏi dự đoán (để trống nếu không dùng)" }
            input #round-prediction type="text" name="prediction"
                value=(value("prediction", "Theo bạn, vòng thi này có bao nhiêu người trả lời đúng tất cả các câu hỏi?".into()));
            fieldset {
                legend { "Nhóm câu hỏi (để trống số câu nếu không dùng)" }
                @for i in 0..QUOTA_ROWS {
                    div.card {
                        label for={ "quota-" (i) "-bank" } { "Ngân hàng" }
                        select id={ "quota-" (i) "-bank" } name={ "quota-" (i) "-bank" } {
                            @for b in &banks {
                                option value=(b.code) selected[form.get(&format!("quota-{i}-bank")) == Some(&b.code)] { (b.code) " — " (b.questions) " câu" }
                            }
                        }
                        label for={ "quota-" (i) "-topic" } { "Chủ đề (để trống: mọi chủ đề)" }
                        input id={ "quota-" (i) "-topic" } type="text" name={ "quota-" (i) "-topic" } value=(value(&format!("quota-{i}-topic"), String::new()));
                        label for={ "quota-" (i) "-difficulty" } { "Mức độ" }
                        select id={ "quota-" (i) "-difficulty" } name={ "quota-" (i) "-difficulty" } {
                            @for (v, name) in [("", "Mọi mức độ"), ("easy", "Dễ"), ("medium", "Trung bình"), ("hard", "Khó")] {
                                option value=(v) selected[form.get(&format!("quota-{i}-difficulty")).map(String::as_str).unwrap_or("") == v] { (name) }
                            }
                        }
                        label for={ "quota-" (i) "-count" } { "Số câu" }
                        input id={ "quota-" (i) "-count" } type="number" name={ "quota-" (i) "-count" } min="0" max="200"
                            value=(value(&format!("quota-{i}-count"), if i == 0 { "20".into() } else { String::new() }));
                    }
                }
            }
            div.actions {
                button.secondary type="submit" name="action" value="check" { "Kiểm tra đủ câu hỏi" }
                button type="submit" name="action" value="create" { "Tạo vòng thi" }
            }
        }
    })))
}

/// `GET /organiser/contests/{id}` — rounds, and the form to create one.
pub async fn contest_detail(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    organiser(&ctx)?;
    contest_page(
        &ctx,
        &state,
        path.into_inner(),
        &BTreeMap::new(),
        None,
        StatusCode::OK,
    )
    .await
}

fn round_spec_of(form: &BTreeMap<String, String>) -> Result<RoundSpec, AppError> {
    let mut fields = BTreeMap::new();
    let opens_at = parse_local(form.get("opens_at").map(String::as_str).unwrap_or_default());
    let closes_at = parse_local(
        form.get("closes_at")
            .map(String::as_str)
            .unwrap_or_default(),
    );
    if opens_at.is_none() {
        fields.insert(
            "opens_at".to_owned(),
            "Thời điểm mở không hợp lệ.".to_owned(),
        );
    }
    if closes_at.is_none() {
        fields.insert(
            "closes_at".to_owned(),
            "Thời điểm đóng không hợp lệ.".to_owned(),
        );
    }
    let number = |k: &str| form.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    let minutes = number("minutes");
    let max_attempts = number("max_attempts");
    if minutes.is_none() {
        fields.insert(
            "minutes".to_owned(),
            "Thời gian làm bài phải là số phút.".to_owned(),
        );
    }
    if max_attempts.is_none() {
        fields.insert(
            "max_attempts".to_owned(),
            "Số lượt thi phải là số.".to_owned(),
        );
    }
    let mut draw = Vec::new();
    for i in 0..QUOTA_ROWS {
        let Some(count) = number(&format!("quota-{i}-count")).filter(|c| *c > 0) else {
            continue;
        };
        let difficulty = match form
            .get(&format!("quota-{i}-difficulty"))
            .map(String::as_str)
            .unwrap_or("")
        {
            "" => None,
            d => Difficulty::from_name(d),
        };
        draw.push(QuotaSpec {
            bank: json!(
                form.get(&format!("quota-{i}-bank"))
                    .cloned()
                    .unwrap_or_default()
            ),
            topic: form
                .get(&format!("quota-{i}-topic"))
                .cloned()
                .filter(|t| !t.trim().is_empty()),
            difficulty,
            count,
        });
    }
    match (opens_at, closes_at, minutes, max_attempts) {
        (Some(opens_at), Some(closes_at), Some(minutes), Some(max_attempts))
            if fields.is_empty() =>
        {
            Ok(RoundSpec {
                title: form.get("title").cloned().unwrap_or_default(),
                opens_at,
                closes_at,
                time_limit_secs: minutes.saturating_mul(60),
                max_attempts,
                practice: form.contains_key("practice"),
                score_shown: if form.get("score_shown").map(String::as_str) == Some("after_close") {
                    ScoreShown::AfterClose
                } else {
                    ScoreShown::OnSubmit
                },
                allow_overlap: form.contains_key("allow_overlap"),
                draw,
                draw_by_category: None,
                order: Some(
                    if form.get("order").map(String::as_str) == Some("shuffled") {
                        contest::draw::Order::Shuffled
                    } else {
                        contest::draw::Order::ByDifficulty
                    },
                ),
                prediction: form
                    .get("prediction")
                    .filter(|p| !p.trim().is_empty())
                    .map(|q| PredictionSpec {
                        question: q.clone(),
                        answer: PredictionAnswer::PerfectScores,
                    }),
            })
        }
        _ => Err(AppError::Validation { fields }),
    }
}

/// `POST /organiser/contests/{id}/rounds` — check the quotas, or create the round.
pub async fn create_round(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = organiser(&ctx)?;
    ctx.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let contest_id = path.into_inner();
    let form = form.into_inner();
    let check_only = form.get("action").map(String::as_str) == Some("check");
    let result: Result<Option<crate::entities::round::Model>, AppError> = async {
        let spec = round_spec_of(&form)?;
        if check_only {
            contest::check_round(&state.db.read, &state.engine, contest_id, &spec).await?;
            return Ok(None);
        }
        contest::create_round(
            &state.db.write,
            &state.engine,
            contest_id,
            spec,
            Some(user.id()),
        )
        .await
        .map(Some)
    }
    .await;
    match result {
        Ok(Some(r)) => {
            tracing::info!(round.id = r.id, "round created from the console");
            Ok(see_other(&format!("/organiser/contests/{contest_id}")))
        }
        Ok(None) => {
            let notice = html! { div.notice role="status" { "Ngân hàng đủ câu hỏi cho mọi nhóm câu hỏi đã nhập." } };
            contest_page(
                &ctx,
                &state,
                contest_id,
                &form,
                Some(notice),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if e.status_code_is_client() => {
            let status = actix_web::ResponseError::status_code(&e);
            contest_page(&ctx, &state, contest_id, &form, Some(error_box(&e)), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /organiser/rounds/{id}/close`.
pub async fn close_round(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<super::auth::CsrfOnly>,
) -> PageResult {
    let user = organiser(&ctx)?;
    ctx.check_csrf(&form.csrf)?;
    let r = contest::close_round(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        Some(user.id()),
    )
    .await?;
    tracing::info!(round.id = r.id, "round closed from the console");
    Ok(see_other(&format!("/organiser/contests/{}", r.contest_id)))
}

async fn units_page(
    ctx: &PageCtx,
    state: &AppState,
    outcome: Option<Markup>,
    status: StatusCode,
) -> PageResult {
    let units = crate::units::list(&state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(status, console(viewer, "Đơn vị", html! {
        @if let Some(o) = outcome { (o) }
        form #units-import .card method="post" action="/organiser/units" enctype="multipart/form-data" {
            h2 { "Nhập danh sách đơn vị (CSV)" }
            p.muted { "Dòng tiêu đề: code,name,parent_code,kind,block,headcount. Tệp có lỗi sẽ không được nhập dòng nào." }
            (csrf_field(viewer))
            label for="units-file" { "Tệp CSV" }
            input #units-file type="file" name="file" accept=".csv,text/csv" required;
            div.actions { button type="submit" { "Nhập" } }
        }
        div.table-wrap { table #units {
            thead { tr { th scope="col" { "Mã" } th scope="col" { "Tên" } th scope="col" { "Loại" } th scope="col" { "Khối" } th.num scope="col" { "Biên chế" } } }
            tbody { @for u in &units { tr {
                td { (u.code) }
                td { @for _ in 0..u.depth { "\u{00a0}\u{00a0}\u{00a0}" } (u.name) }
                td { (u.kind) } td { (u.block.clone().unwrap_or_default()) } td.num { (u.headcount) }
            } } }
        } }
    })))
}

/// `GET /organiser/units`.
pub async fn units(ctx: PageCtx, state: web::Data<AppState>) -> PageResult {
    organiser(&ctx)?;
    units_page(&ctx, &state, None, StatusCode::OK).await
}

/// `POST /organiser/units` — imports a unit CSV (all or nothing).
pub async fn import_units(
    ctx: PageCtx,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let user = organiser(&ctx)?;
    let upload = upload::read(&req, payload).await?;
    ctx.check_csrf(
        upload
            .fields
            .get("csrf")
            .map(String::as_str)
            .unwrap_or_default(),
    )?;
    let bytes = upload.file.map(|(_, b)| b).unwrap_or_default();
    match crate::units::import_csv(&state.db.write, &bytes, Some(user.id())).await {
        Ok(summary) => {
            let notice = html! { div.notice role="status" { "Đã nhập " (summary.total) " đơn vị (" (summary.created) " mới, " (summary.updated) " cập nhật)." } };
            units_page(&ctx, &state, Some(notice), StatusCode::OK).await
        }
        Err(e) if e.status_code_is_client() => {
            let status = actix_web::ResponseError::status_code(&e);
            units_page(&ctx, &state, Some(error_box(&e)), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Query of the participant search.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub query: Option<String>,
}

/// `GET /organiser/participants?query=` — search, void and restore.
pub async fn participants(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> PageResult {
    organiser(&ctx)?;
    let q = query.query.clone().unwrap_or_default();
    let found = crate::accounts::participants::search(&state, &q, 200).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.ok(console(viewer, "Thí sinh", html! {
        form.card method="get" action="/organiser/participants" role="search" {
            label for="participant-query" { "Tìm theo họ tên, số điện thoại hoặc mã đơn vị" }
            input #participant-query type="search" name="query" value=(q);
            div.actions { button type="submit" { "Tìm" } }
        }
        div.table-wrap { table #participants {
            thead { tr { th scope="col" { "Họ và tên" } th scope="col" { "Điện thoại" } th scope="col" { "Đơn vị" } th scope="col" { "Trạng thái" } } }
            tbody { @for p in &found { tr {
                td { (p["full_name"].as_str().unwrap_or_default()) }
                td { (p["phone"].as_str().unwrap_or_default()) }
                td { (p["unit_name"].as_str().unwrap_or_default()) }
                td {
                    @let id = p["id"].as_i64().unwrap_or(0);
                    @if p["voided"] == true {
                        "Đã huỷ: " (p["void_reason"].as_str().unwrap_or_default())
                        form method="post" action={ "/organiser/participants/" (id) "/unvoid" } {
                            (csrf_field(viewer))
                            button.secondary type="submit" { "Khôi phục" }
                        }
                    } @else {
                        form method="post" action={ "/organiser/participants/" (id) "/void" } {
                            (csrf_field(viewer))
                            label for={ "reason-" (id) } { "Lý do huỷ" }
                            input id={ "reason-" (id) } type="text" name="reason" required;
                            button.secondary type="submit" { "Huỷ kết quả" }
                        }
                    }
                }
            } } }
        } }
    })))
}

/// The void form.
#[derive(Debug, Deserialize)]
pub struct VoidForm {
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /organiser/participants/{id}/void` and `/unvoid`.
pub async fn set_void(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: web::Form<VoidForm>,
) -> PageResult {
    let user = organiser(&ctx)?;
    ctx.check_csrf(&form.csrf)?;
    let (id, action) = path.into_inner();
    let reason = match action.as_str() {
        "void" => Some(crate::accounts::participants::void_reason(&form.reason)?),
        "unvoid" => None,
        _ => return Err(AppError::NotFound.into()),
    };
    crate::accounts::participants::set_voided(&state, id, reason, Some(user.id())).await?;
    tracing::info!(
        user.id = user.id(),
        participant.id = id,
        action,
        "participant status changed from the console"
    );
    Ok(see_other("/organiser/participants"))
}

/// `GET /organiser/duplicates`.
pub async fn duplicates(ctx: PageCtx, state: web::Data<AppState>) -> PageResult {
    organiser(&ctx)?;
    let groups = crate::accounts::participants::duplicate_groups(&state).await?;
    Ok(ctx.ok(console(&ctx.viewer, "Tài khoản nghi trùng", html! {
        p.muted { "Các tài khoản cùng họ tên, ngày sinh và đơn vị, hoặc khai cùng số CCCD hay email khi đăng ký. Kiểm tra và huỷ tài khoản trùng tại mục Thí sinh." }
        @if groups.is_empty() { p.card { "Không có tài khoản nghi trùng." } }
        @for g in &groups {
            div.card {
                p { (match g["reason"].as_str() {
                    Some("same_national_id") => "Cùng số CCCD",
                    Some("same_email") => "Cùng email",
                    _ => "Cùng họ tên, ngày sinh và đơn vị",
                }) }
                ul { @for p in g["participants"].as_array().into_iter().flatten() {
                li { (p["full_name"].as_str().unwrap_or_default()) " — " (p["phone"].as_str().unwrap_or_default())
                     " — " (p["birth_date"].as_str().unwrap_or_default()) " — " (p["unit_name"].as_str().unwrap_or_default()) }
            } } }
        }
    })))
}

//! The contests console: contests, their rounds, the round form (with the overlap and
//! score settings) and the season form; editing and closing a round: `round_console`.

use std::collections::BTreeMap;

use actix_web::web;
use maud::{Markup, html};
use sea_orm::{ActiveEnum, EntityTrait, QueryOrder};
use serde_json::json;

use crate::banks::{Difficulty, store};
use crate::contest::documents::{self};
use crate::contest::lifecycle::{self, ContestChange};
use crate::contest::{self, ContestSpec, PredictionAnswer, PredictionSpec, QuotaSpec, RoundSpec};
use crate::entities::contest::{self as contest_entity, Status as ContestStatus};
use crate::entities::round::ScoreShown;
use crate::error::AppError;
use crate::state::AppState;
use crate::text::markdown::markdown;
use crate::views::console;
use crate::views::form::FormOutcome;
use crate::views::layout::csrf_field;
use crate::vn_time;
use crate::web::extract::Organiser;
use crate::web::pages::{PageCtx, PageResult, see_other};

/// `GET /organiser/contests`.
pub async fn contests(ctx: PageCtx<Organiser>, state: web::Data<AppState>) -> PageResult {
    contests_page(&ctx, &state, &[], FormOutcome::none()).await
}

/// The contests page; `typed` is the creation form as sent, shown again in its fields
/// when it was refused (empty: a fresh form, every category ticked).
async fn contests_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    typed: &[(String, String)],
    outcome: FormOutcome,
) -> PageResult {
    let typed_value = |k: &str| {
        typed
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ticked =
        |code: &str| typed.is_empty() || typed.iter().any(|(n, v)| n == "categories" && v == code);
    let list = contest_entity::Entity::find()
        .order_by_desc(contest_entity::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let categories = state.categories().await?.to_vec();
    let viewer = &ctx.viewer;
    Ok(ctx.html(outcome.status, console::organiser(viewer, "Cuộc thi", html! {
        (outcome)
        ul.card { @for c in &list { li { a href={ "/organiser/contests/" (c.id) } { (c.title) } " (" (c.code) ") · " (lifecycle::status_vi(c.status)) } } }
        form #contest-create .card method="post" action="/organiser/contests" {
            h2 { "Tạo cuộc thi" }
            (csrf_field(viewer))
            label for="contest-code" { "Mã cuộc thi" }
            input #contest-code type="text" name="code" value=(typed_value("code")) required;
            label for="contest-title" { "Tên cuộc thi" }
            input #contest-title type="text" name="title" value=(typed_value("title")) required;
            label for="contest-description" { "Mô tả" }
            textarea #contest-description name="description" rows="2" { (typed_value("description")) }
            label for="contest-rules" { "Thể lệ" }
            textarea #contest-rules name="rules" rows="5" aria-describedby="contest-format-hint" { (typed_value("rules")) }
            p #contest-format-hint .muted { (FORMAT_HINT) }
            fieldset {
                legend { "Đối tượng dự thi" }
                @for c in &categories {
                    label.option { input type="checkbox" name="categories" value=(c.code) checked[ticked(&c.code)]; span { (c.name) } }
                }
            }
            label.option { input #contest-draft type="checkbox" name="draft" value="1" checked[!typed_value("draft").is_empty()]; span { "Lưu dưới dạng bản nháp (chỉ cán bộ xem được; công bố sau)" } }
            div.actions { button type="submit" { "Tạo cuộc thi" } }
        }
    })))
}

/// `POST /organiser/contests`.
pub async fn create_contest(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let user = &ctx.user;
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
        status: get("draft").map(|_| ContestStatus::Draft),
    };
    match contest::create_contest(&state.db.write, spec, Some(user.id())).await {
        Ok(c) => {
            tracing::info!(contest.id = c.id, "contest created from the console");
            Ok(see_other(&format!(
                "/organiser/contests/{}?ok=created",
                c.id
            )))
        }
        Err(e) => contests_page(&ctx, &state, &form, FormOutcome::refused(e)?).await,
    }
}

pub(super) const QUOTA_ROWS: usize = 3;

/// How descriptions and rules are formatted, under their fields.
const FORMAT_HINT: &str = "Mô tả và thể lệ viết theo định dạng Markdown: **chữ đậm**, *chữ nghiêng*, \
                           dòng bắt đầu bằng «- » là một mục danh sách, «1. » là danh sách đánh số, \
                           «# » là tiêu đề, [tên liên kết](https://…). Mã HTML được hiển thị nguyên văn.";

/// The description and rules as the contest page shows them.
fn preview(c: &contest_entity::Model) -> Markup {
    html! {
        @if c.description.is_some() || c.rules.is_some() {
            section #contest-preview .card aria-labelledby="contest-preview-title" {
                h2 #contest-preview-title { "Xem trước mô tả và thể lệ" }
                @if let Some(d) = &c.description { div.prose { (markdown(d)) } }
                @if let Some(rules) = &c.rules {
                    p { strong { "Thể lệ:" } }
                    div.prose { (markdown(rules)) }
                }
            }
        }
    }
}

/// The button that moves a contest to `to`.
fn transition_label(to: ContestStatus) -> &'static str {
    match to {
        ContestStatus::Draft => "Chuyển về bản nháp",
        ContestStatus::Published => "Công bố cuộc thi",
        ContestStatus::Finished => "Kết thúc cuộc thi",
        ContestStatus::Archived => "Lưu trữ",
    }
}

pub(super) async fn contest_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    contest_id: i64,
    form: &BTreeMap<String, String>,
    outcome: FormOutcome,
) -> PageResult {
    let c = crate::contest::load_contest(&state.db.read, contest_id).await?;
    let rounds = contest::rounds_of(&state.db.read, c.id).await?;
    let chosen = c.categories()?;
    let categories = state.categories().await?.to_vec();
    let frozen = matches!(c.status, ContestStatus::Finished | ContestStatus::Archived);
    let banks = store::list(&state.db.read).await?;
    let topics = store::topics(&state.db.read).await?;
    let docs = documents::list(&state.db.read, c.id).await?;
    let now = state.engine.now();
    let value = |k: &str, default: String| form.get(k).cloned().unwrap_or(default);
    let viewer = &ctx.viewer;
    Ok(ctx.html(outcome.status, console::organiser(viewer, &c.title, html! {
        (outcome)
        section #contest-status .card aria-labelledby="contest-status-title" {
            h2 #contest-status-title { "Trạng thái: " (lifecycle::status_vi(c.status)) }
            div.actions {
                @for to in lifecycle::next_statuses(c.status) {
                    form method="post" action={ "/organiser/contests/" (c.id) } {
                        (csrf_field(viewer))
                        input type="hidden" name="status" value=(to.to_value());
                        button.secondary type="submit" { (transition_label(*to)) }
                    }
                }
            }
        }
        @if frozen {
            p.muted { "Cuộc thi đã kết thúc: tên, mô tả, thể lệ và đối tượng dự thi không thể sửa." }
        } @else {
            form #contest-edit .card method="post" action={ "/organiser/contests/" (c.id) } {
                h2 { "Sửa cuộc thi" }
                (csrf_field(viewer))
                label for="edit-title" { "Tên cuộc thi" }
                input #edit-title type="text" name="title" value=(value("edit.title", c.title.clone())) required;
                label for="edit-description" { "Mô tả" }
                textarea #edit-description name="description" rows="2" { (value("edit.description", c.description.clone().unwrap_or_default())) }
                label for="edit-rules" { "Thể lệ" }
                textarea #edit-rules name="rules" rows="5" aria-describedby="edit-format-hint" { (value("edit.rules", c.rules.clone().unwrap_or_default())) }
                p #edit-format-hint .muted { (FORMAT_HINT) }
                fieldset aria-describedby="edit-categories-hint" {
                    legend { "Đối tượng dự thi" }
                    @for k in &categories {
                        label.option { input type="checkbox" name="categories" value=(k.code) checked[chosen.contains(&k.code)]; span { (k.name) } }
                    }
                }
                p #edit-categories-hint .muted { "Chỉ đổi được đối tượng dự thi khi chưa có thí sinh nào dự thi." }
                div.actions { button type="submit" { "Lưu thay đổi" } }
            }
        }
        (preview(&c))
        (retention_section(viewer, &c))
        (super::document_console::documents_section(viewer, c.id, &docs))
        h2 { "Các vòng thi" }
        div #rounds {
            @for r in &rounds {
                div.card {
                    h3 { (r.title) @if r.practice { " (thi thử)" } }
                    p.muted { (contest::round_status(r, now).name_vi()) " · " (vn_time::display(r.opens_at)) " → " (vn_time::display(contest::effective_close(r))) }
                    div.actions {
                        a.button.secondary href={ "/judge/rounds/" (r.id) } { "Kết quả" }
                        a.button.secondary href={ "/organiser/rounds/" (r.id) "/items" } { "Phân tích câu hỏi" }
                        a.button.secondary href={ "/organiser/rounds/" (r.id) } { "Sửa vòng thi" }
                        @if contest::round_status(r, now) == contest::RoundStatus::Open {
                            a.button.secondary href={ "/organiser/rounds/" (r.id) "/close" } { "Đóng vòng thi sớm…" }
                        }
                    }
                }
            }
        }
        @if !frozen {
            (super::season_console::season_form(viewer, c.id, form, now, &banks))
            form #round-create .card method="post" action={ "/organiser/contests/" (c.id) "/rounds" } {
                h2 { "Tạo vòng thi" }
                (csrf_field(viewer))
                label for="round-title" { "Tên vòng thi" }
                input #round-title type="text" name="title" value=(value("title", String::new())) required;
                label for="round-opens" { "Mở lúc (giờ Việt Nam)" }
                input #round-opens type="datetime-local" name="opens_at" value=(value("opens_at", vn_time::input_value(now))) required;
                label for="round-closes" { "Đóng lúc (giờ Việt Nam)" }
                input #round-closes type="datetime-local" name="closes_at" value=(value("closes_at", vn_time::input_value(now + chrono::Duration::days(7)))) required;
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
                (super::quota_fields::quota_fields(form, &banks, &topics))
                div.actions {
                    button.secondary type="submit" name="action" value="check" { "Kiểm tra đủ câu hỏi" }
                    button type="submit" name="action" value="create" { "Tạo vòng thi" }
                }
            }
        }
    })))
}

/// What the last form of a console did, after its redirect (`?ok=created`): the page
/// then says so above its forms.
#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    pub ok: Option<String>,
}

/// The success message of `ok` (unknown values say nothing).
pub(super) fn done_notice(ok: Option<&str>) -> FormOutcome {
    let text = match ok {
        Some("created") => "Đã tạo cuộc thi.",
        Some("updated") => "Đã lưu thay đổi của cuộc thi.",
        Some("round") => "Đã tạo vòng thi.",
        Some("season") => "Đã tạo chuỗi vòng thi.",
        Some("closed") => "Đã đóng vòng thi.",
        Some("saved") => "Đã lưu thay đổi của vòng thi.",
        _ => return FormOutcome::none(),
    };
    FormOutcome::done(html! { p.notice #done-notice role="status" { (text) } })
}

/// `GET /organiser/contests/{id}` — rounds, and the form to create one.
pub async fn contest_detail(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<DoneQuery>,
) -> PageResult {
    contest_page(
        &ctx,
        &state,
        path.into_inner(),
        &BTreeMap::new(),
        done_notice(query.ok.as_deref()),
    )
    .await
}

/// The retention of participants' personal data (Decree 13/2023, #16): the period, when
/// it runs out, and whether the contest was anonymised; the period stays settable after
/// the contest finished.
fn retention_section(viewer: &crate::views::layout::Viewer, c: &contest_entity::Model) -> Markup {
    let ends = crate::accounts::anonymise::retention_ends(c);
    html! {
        section #contest-retention .card aria-labelledby="contest-retention-title" {
            h2 #contest-retention-title { "Lưu trữ dữ liệu cá nhân" }
            p.muted {
                "Sau thời hạn này, số điện thoại, email, số CCCD và ngày sinh của thí sinh được thay bằng giá trị ẩn danh không khôi phục được; kết quả, họ tên và đơn vị đã công bố được giữ lại (Nghị định 13/2023/NĐ-CP)."
            }
            @if let Some(at) = c.anonymised_at {
                p #retention-state { strong { "Đã ẩn danh lúc " (vn_time::display(at)) "." } }
            } @else if let Some(end) = ends {
                p #retention-state { "Kết thúc lúc " (vn_time::display(c.finished_at.unwrap_or(end))) "; dữ liệu cá nhân được ẩn danh từ " strong { (vn_time::display(end)) } "." }
            } @else {
                p #retention-state { "Thời hạn được tính từ khi cuộc thi kết thúc." }
            }
            @if c.anonymised_at.is_none() {
                form method="post" action={ "/organiser/contests/" (c.id) } {
                    (csrf_field(viewer))
                    label for="retention-months" { "Thời hạn lưu trữ (tháng sau khi kết thúc, 1–120)" }
                    input #retention-months type="number" name="retention_months" min="1" max="120" value=(c.retention_months) required;
                    div.actions { button.secondary type="submit" { "Lưu thời hạn" } }
                }
            }
        }
    }
}

/// What a post to `/organiser/contests/{id}` asks: a status button moves the contest; the
/// retention form sets the retention period; the edit form sends every field (unchanged
/// ones change nothing).
fn contest_change_of(form: &[(String, String)]) -> ContestChange {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(status) = get("status") {
        return ContestChange {
            // An unknown status is refused as no change at all.
            status: ContestStatus::try_from_value(&status).ok(),
            ..ContestChange::default()
        };
    }
    if let Some(months) = get("retention_months") {
        return ContestChange {
            // Not a number: out of range, so the API's rule answers it.
            retention_months: Some(months.trim().parse().unwrap_or(0)),
            ..ContestChange::default()
        };
    }
    ContestChange {
        title: get("title"),
        description: Some(get("description").unwrap_or_default()),
        rules: Some(get("rules").unwrap_or_default()),
        categories: Some(
            form.iter()
                .filter(|(k, _)| k == "categories")
                .map(|(_, v)| v.clone())
                .collect(),
        ),
        status: None,
        retention_months: None,
    }
}

/// `POST /organiser/contests/{id}` — edit the contest or move it through its life cycle,
/// with the API's rules (`lifecycle::update_contest`).
pub async fn update_contest(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let user = &ctx.user;
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    ctx.check_csrf(csrf.unwrap_or_default())?;
    let contest_id = path.into_inner();
    let change = contest_change_of(&form);
    match lifecycle::update_contest(
        &state.db.write,
        &state.engine,
        contest_id,
        change,
        Some(user.id()),
    )
    .await
    {
        Ok(c) => {
            tracing::info!(contest.id = c.id, contest.status = ?c.status, "contest updated from the console");
            Ok(see_other(&format!(
                "/organiser/contests/{contest_id}?ok=updated"
            )))
        }
        Err(e) => {
            let outcome = FormOutcome::refused(e)?;
            // The edit form shows again what was typed, under `edit.` keys (the round
            // form below uses the plain names).
            let typed: BTreeMap<String, String> = form
                .iter()
                .filter(|(k, _)| matches!(k.as_str(), "title" | "description" | "rules"))
                .map(|(k, v)| (format!("edit.{k}"), v.clone()))
                .collect();
            contest_page(&ctx, &state, contest_id, &typed, outcome).await
        }
    }
}

pub(super) fn round_spec_of(form: &BTreeMap<String, String>) -> Result<RoundSpec, AppError> {
    let mut fields = BTreeMap::new();
    let opens_at =
        vn_time::parse_input(form.get("opens_at").map(String::as_str).unwrap_or_default());
    let closes_at = vn_time::parse_input(
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
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<BTreeMap<String, String>>,
) -> PageResult {
    let user = &ctx.user;
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
            Ok(see_other(&format!(
                "/organiser/contests/{contest_id}?ok=round"
            )))
        }
        Ok(None) => {
            let notice = html! { div.notice role="status" { "Ngân hàng đủ câu hỏi cho mọi nhóm câu hỏi đã nhập." } };
            contest_page(&ctx, &state, contest_id, &form, FormOutcome::done(notice)).await
        }
        Err(e) => contest_page(&ctx, &state, contest_id, &form, FormOutcome::refused(e)?).await,
    }
}

//! The announcements console: post an announcement for a contest or the whole site, see
//! every one with where it stands, withdraw one.

use actix_web::web;
use chrono::{DateTime, Utc};
use maud::html;
use sea_orm::{EntityTrait, QueryOrder};
use std::collections::HashMap;

use crate::contest::announcements::{self, AnnouncementSpec};
use crate::entities::contest as contest_entity;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::announcements::plain_text;
use crate::views::console;
use crate::views::form::FormOutcome;
use crate::views::layout::csrf_field;
use crate::vn_time;
use crate::web::extract::Organiser;
use crate::web::pages::auth::CsrfOnly;
use crate::web::pages::{PageCtx, PageResult, see_other};

/// `GET /organiser/announcements`.
pub async fn announcements(ctx: PageCtx<Organiser>, state: web::Data<AppState>) -> PageResult {
    announcements_page(&ctx, &state, FormOutcome::none()).await
}

async fn announcements_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    outcome: FormOutcome,
) -> PageResult {
    let contests = contest_entity::Entity::find()
        .order_by_desc(contest_entity::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let titles: HashMap<i64, &str> = contests.iter().map(|c| (c.id, c.title.as_str())).collect();
    let list = announcements::all(&state.db.read).await?;
    let now = state.engine.now();
    let viewer = &ctx.viewer;
    Ok(ctx.html(outcome.status, console::organiser(viewer, "Thông báo", html! {
        (outcome)
        form #announcement-create .card method="post" action="/organiser/announcements" {
            h2 { "Đăng thông báo" }
            (csrf_field(viewer))
            label for="announcement-contest" { "Thuộc" }
            select #announcement-contest name="contest_id" {
                option value="" { "Toàn trang (trang chủ)" }
                @for c in &contests { option value=(c.id) { (c.title) } }
            }
            label for="announcement-title" { "Tiêu đề (tối đa 200 ký tự)" }
            input #announcement-title type="text" name="title" maxlength="200" required;
            label for="announcement-body" { "Nội dung (tối đa 5.000 ký tự)" }
            textarea #announcement-body name="body" rows="5" maxlength="5000" required {}
            label for="announcement-publish" { "Đăng lúc (giờ Việt Nam; để trống: ngay bây giờ)" }
            input #announcement-publish type="datetime-local" name="publish_at";
            label for="announcement-expires" { "Hết hạn lúc (không bắt buộc)" }
            input #announcement-expires type="datetime-local" name="expires_at";
            div.actions { button type="submit" { "Đăng thông báo" } }
        }
        h2 { "Các thông báo" }
        @if list.is_empty() { p.card { "Chưa có thông báo nào." } }
        @for a in &list {
            div.card {
                h3 { (a.title) }
                p.muted {
                    (a.contest_id.map_or("Toàn trang", |id| titles.get(&id).copied().unwrap_or("?")))
                    " · đăng " (vn_time::display(a.publish_at))
                    @if let Some(e) = a.expires_at { " · hết hạn " (vn_time::display(e)) }
                    " · " strong { (announcements::state_vi(a, now)) }
                }
                p { (plain_text(&a.body)) }
                @if a.withdrawn_at.is_none() {
                    form method="post" action={ "/organiser/announcements/" (a.id) "/withdraw" } {
                        (csrf_field(viewer))
                        button.secondary type="submit" { "Thu hồi" }
                    }
                }
            }
        }
    })))
}

/// A `datetime-local` field read as Vietnam time: `None` when blank, a 422 on the field
/// when it is not a time.
fn time_field(form: &[(String, String)], name: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    match form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()) {
        None | Some("") => Ok(None),
        Some(v) => vn_time::parse_input(v)
            .map(Some)
            .ok_or_else(|| AppError::field(name, "Thời điểm không hợp lệ.")),
    }
}

/// `POST /organiser/announcements`.
pub async fn create_announcement(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    ctx.check_csrf(&get("csrf").unwrap_or_default())?;
    let spec = (|| {
        Ok::<_, AppError>(AnnouncementSpec {
            contest_id: match get("contest_id").as_deref().map(str::trim) {
                None | Some("") => None,
                Some(v) => Some(
                    v.parse()
                        .map_err(|_| AppError::field("contest_id", "Không tìm thấy cuộc thi."))?,
                ),
            },
            title: get("title").unwrap_or_default(),
            body: get("body").unwrap_or_default(),
            publish_at: time_field(&form, "publish_at")?,
            expires_at: time_field(&form, "expires_at")?,
        })
    })();
    let created = match spec {
        Ok(spec) => {
            announcements::create(&state.db.write, &state.engine, spec, Some(ctx.user.id())).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(a) => {
            tracing::info!(
                announcement.id = a.id,
                "announcement posted from the console"
            );
            Ok(see_other("/organiser/announcements"))
        }
        Err(e) => announcements_page(&ctx, &state, FormOutcome::refused(e)?).await,
    }
}

/// `POST /organiser/announcements/{id}/withdraw`.
pub async fn withdraw_announcement(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    ctx.check_csrf(&form.csrf)?;
    let a = announcements::withdraw(
        &state.db.write,
        &state.engine,
        path.into_inner(),
        Some(ctx.user.id()),
    )
    .await?;
    tracing::info!(
        announcement.id = a.id,
        "announcement withdrawn from the console"
    );
    Ok(see_other("/organiser/announcements"))
}

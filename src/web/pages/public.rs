//! Public pages: the home page, a contest's rules, a round's leaderboards and unit table.

use actix_web::{HttpRequest, web};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use super::{PageCtx, PageResult};
use crate::accounts::Role;
use crate::contest::{self, announcements, boards, documents, lifecycle};
use crate::entities::{category, contest as contest_entity, round};
use crate::error::AppError;
use crate::state::AppState;
use crate::text::markdown::markdown;
use crate::views::boards::{UnitOrder, UnitView, unit_filters, units_table_as};
use crate::views::format::{duration, file_size, number};
use crate::views::layout::{Viewer, page};
use crate::views::{announcements as announcement_views, countdown};
use crate::vn_time;
use crate::web::cached::{BoardPage, PageCache};

/// A participant's attempts of one round: how many, and the one in progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct MyRound {
    pub used: usize,
    pub running: Option<i64>,
}

/// The signed-in participant's attempts per round (one query), empty for anyone else.
async fn my_rounds(
    ctx: &PageCtx,
    db: &sea_orm::DatabaseConnection,
) -> Result<HashMap<i64, MyRound>, AppError> {
    let Some(user) = ctx.user.as_ref().filter(|u| u.role == Role::Participant) else {
        return Ok(HashMap::new());
    };
    let mine = crate::entities::attempt::Entity::find()
        .filter(crate::entities::attempt::Column::UserId.eq(user.id()))
        .all(db)
        .await?;
    let mut out: HashMap<i64, MyRound> = HashMap::new();
    for a in mine {
        let entry = out.entry(a.round_id).or_default();
        entry.used += 1;
        if a.status == contest::attempts::Status::InProgress {
            entry.running = Some(a.id);
        }
    }
    Ok(out)
}

fn round_card(
    viewer: &Viewer,
    r: &round::Model,
    now: DateTime<Utc>,
    notices: &[contest::round_edit::RoundNotice],
    mine: MyRound,
) -> Markup {
    let status = contest::round_status(r, now);
    let left = super::results::attempts_left(r, mine.used);
    html! {
        div.card {
            h3 { (r.title) @if r.practice && !r.title.to_lowercase().contains("thi thử") { " (thi thử)" } }
            (crate::web::pages::organiser::notices_list(notices))
            p.muted {
                (status.name_vi()) " · từ " (vn_time::display(r.opens_at)) " đến " (vn_time::display(contest::effective_close(r)))
                " · " (r.time_limit_secs / 60) " phút"
                @if r.max_attempts > 0 { " · tối đa " (r.max_attempts) " lượt" } @else { " · không giới hạn lượt" }
            }
            @if mine.used > 0 { p.attempts-used { (super::results::attempts_used_text(r, mine.used)) } }
            (countdown::round_timing(r, now))
            div.actions {
                @if status == contest::RoundStatus::Open {
                    @match viewer.role() {
                        Some(Role::Participant) => {
                            @if let Some(id) = mine.running {
                                a.button href={ "/attempts/" (id) } { "Làm tiếp" }
                            } @else if left == Some(0) {
                                span.muted { "Bạn đã dùng hết lượt thi." }
                            } @else {
                                a.button href={ "/rounds/" (r.id) "/vao-thi" } { "Vào thi" }
                            }
                        }
                        None => { a.button href="/login" { "Đăng nhập để dự thi" } }
                        _ => {}
                    }
                }
                @if !r.practice {
                    a.button.secondary href={ "/rounds/" (r.id) "/leaderboard" } { "Bảng xếp hạng" }
                }
            }
        }
    }
}

/// The top of the home page: the site-wide announcements, and the countdown to the next
/// round to open among the listed contests.
fn site_notices(
    notices: &[crate::entities::announcement::Model],
    contests: &[contest_entity::Model],
    rounds: &[round::Model],
    now: DateTime<Utc>,
) -> Markup {
    let site: Vec<_> = notices.iter().filter(|a| a.contest_id.is_none()).collect();
    let next = rounds
        .iter()
        .filter(|r| contest::round_status(r, now) == contest::RoundStatus::Upcoming)
        .filter_map(|r| Some((r, contests.iter().find(|c| c.id == r.contest_id)?)))
        .min_by_key(|(r, _)| (r.opens_at, r.id));
    html! {
        @if !site.is_empty() {
            section aria-labelledby="site-notices" {
                h2 #site-notices { "Thông báo" }
                (announcement_views::list(&site))
            }
        }
        @if let Some((r, c)) = next {
            p.notice #next-round {
                "Vòng thi «" (r.title) "» của " a href={ "/contests/" (c.id) } { (c.title) }
                " mở sau " (countdown::countdown(r.opens_at, now))
            }
        }
    }
}

/// `GET /` — the published and finished contests and their rounds (drafts and archived
/// ones are reached by their address, drafts by staff only), the live announcements (the
/// site's on top, a contest's beside it) and the countdown to the next round.
pub async fn home(ctx: PageCtx, state: web::Data<AppState>) -> PageResult {
    let now = state.engine.now();
    let contests: Vec<_> = contest_entity::Entity::find()
        .order_by_desc(contest_entity::Column::CreatedAt)
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter(|c| lifecycle::listed(c.status))
        .collect();
    let rounds = round::Entity::find()
        .order_by_asc(round::Column::OpensAt)
        .all(&state.db.read)
        .await?;
    let notices =
        announcements::live(&state.db.read, announcements::Scope::Everywhere, now).await?;
    let mine = my_rounds(&ctx, &state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.ok(page(
        viewer,
        "Trang chủ",
        &["countdown.js"],
        html! {
            h1 { "Các cuộc thi trực tuyến" }
            (site_notices(&notices, &contests, &rounds, now))
            @if contests.is_empty() { p.card { "Chưa có cuộc thi nào." } }
            @for c in &contests {
                section aria-labelledby={ "contest-" (c.id) } {
                    h2 id={ "contest-" (c.id) } { a href={ "/contests/" (c.id) } { (c.title) } }
                    @if let Some(d) = &c.description { div.prose { (markdown(d)) } }
                    (announcement_views::list(&notices.iter().filter(|a| a.contest_id == Some(c.id)).collect::<Vec<_>>()))
                    @for r in rounds.iter().filter(|r| r.contest_id == c.id) { (round_card(viewer, r, now, &[], mine.get(&r.id).copied().unwrap_or_default())) }
                }
            }
        },
    )))
}

/// `GET /contests/{id}` — rules and rounds.
pub async fn contest_page(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> PageResult {
    let c = crate::contest::load_contest(&state.db.read, path.into_inner()).await?;
    lifecycle::ensure_visible(&c, ctx.user.as_ref().map(|u| u.role))?;
    let rounds = contest::rounds_of(&state.db.read, c.id).await?;
    let ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let notices = contest::round_edit::notices_of(&state.db.read, &ids).await?;
    let docs = contest::documents::list(&state.db.read, c.id).await?;
    let now = state.engine.now();
    let announced =
        announcements::live(&state.db.read, announcements::Scope::Contest(c.id), now).await?;
    let mine = my_rounds(&ctx, &state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.ok(page(
        viewer,
        &c.title,
        &["countdown.js"],
        html! {
            h1 { (c.title) }
            @if !announced.is_empty() {
                h2 { "Thông báo" }
                (announcement_views::list(&announced.iter().collect::<Vec<_>>()))
            }
            // Description and rules are Markdown, cleaned (`text::markdown`).
            @if let Some(d) = &c.description { div.prose #contest-description { (markdown(d)) } }
            @if let Some(rules) = &c.rules {
                h2 { "Thể lệ" }
                div.card.prose #contest-rules { (markdown(rules)) }
            }
            @if !docs.is_empty() {
                section aria-labelledby="contest-documents-title" {
                    h2 #contest-documents-title { "Tài liệu" }
                    ul.card.documents #contest-documents { @for d in &docs {
                        li {
                            a href=(d.url) download { (d.filename) }
                            span.muted { (documents::Kind::of_content_type(&d.content_type).map_or("", documents::Kind::name)) " · " (file_size(d.size)) }
                        }
                    } }
                }
            }
            h2 { "Các vòng thi" }
            @for r in &rounds { (round_card(viewer, r, now, notices.get(&r.id).map_or(&[][..], Vec::as_slice), mine.get(&r.id).copied().unwrap_or_default())) }
            p { a href={ "/contests/" (c.id) "/leaderboard" } { "Bảng xếp hạng toàn cuộc thi" } }
        },
    )))
}

/// Query of the leaderboard page: the category, and the page of the ranking (from 1).
#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    pub category: Option<String>,
    pub trang: Option<usize>,
    /// The units table's order (`ty-le`, `so-nguoi`, `ten`), block and level.
    #[serde(rename = "sap-xep")]
    pub order: Option<String>,
    pub khoi: Option<String>,
    pub cap: Option<String>,
}

impl BoardQuery {
    fn unit_view(&self) -> UnitView {
        let kept = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        UnitView {
            order: UnitOrder::parse(self.order.as_deref()),
            block: kept(&self.khoi),
            kind: kept(&self.cap),
        }
    }
}

/// The units section of a board: its heading, the order and filter form, the table.
fn units_section(
    units: &[boards::UnitStats],
    query: &BoardQuery,
    category: &str,
    scores: bool,
) -> Markup {
    let view = query.unit_view();
    html! {
        h2 #theo-don-vi { "Theo đơn vị" }
        (unit_filters(units, &view, &[("category", category)]))
        (units_table_as(units, &view, scores))
    }
}

/// Rows of a leaderboard page.
pub const BOARD_PAGE: usize = 50;

/// The links to the previous and next pages of a ranking of `total` rows.
fn pager(category: &str, page: usize, total: usize) -> Markup {
    let pages = total.div_ceil(BOARD_PAGE).max(1);
    html! {
        @if pages > 1 {
            nav.pager aria-label="Trang của bảng xếp hạng" {
                @if page > 1 { a.button.secondary rel="prev" href={ "?category=" (category) "&trang=" (page - 1) } { "‹ Trang trước" } }
                span { "Trang " (page) "/" (pages) }
                @if page < pages { a.button.secondary rel="next" href={ "?category=" (category) "&trang=" (page + 1) } { "Trang sau ›" } }
            }
        }
    }
}

/// The category a board shows: the one asked for if it exists, else the first.
fn chosen_category(categories: &[category::Model], asked: Option<&str>) -> String {
    asked
        .filter(|c| categories.iter().any(|k| k.code == *c))
        .or_else(|| categories.first().map(|k| k.code.as_str()))
        .unwrap_or_default()
        .to_owned()
}

/// The links between a board's categories, the shown one marked.
fn category_nav(categories: &[category::Model], shown: &str) -> Markup {
    html! {
        nav aria-label="Đối tượng" {
            div.actions {
                @for k in categories {
                    @if k.code == shown {
                        span.button aria-current="page" { (k.name) }
                    } @else {
                        a.button.secondary href={ "?category=" (k.code) } { (k.name) }
                    }
                }
            }
        }
    }
}

/// The part of a board's query a cached page depends on besides the category: the page
/// of the ranking and the units table's order and filters, as a cache-key fragment.
fn view_key(query: &BoardQuery) -> String {
    let view = query.unit_view();
    format!(
        "p{} {:?} {:?} {:?}",
        query.trang.unwrap_or(1).max(1),
        view.order,
        view.block,
        view.kind
    )
}

/// `GET /rounds/{id}/leaderboard` — per category, and the units table; rendered once per
/// snapshot, category, page and units view (`web::cached`).
pub async fn leaderboard(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<BoardQuery>,
) -> PageResult {
    let r =
        contest::attempts::cached_round(&state.engine, &state.db.read, path.into_inner()).await?;
    let c = contest::attempts::cached_contest(&state.engine, &state.db.read, r.contest_id).await?;
    lifecycle::ensure_visible(&c, ctx.user.as_ref().map(|u| u.role))?;
    if r.practice {
        return Err(AppError::NotFound.into());
    }
    let categories = state.categories().await?;
    let category = chosen_category(&categories, query.category.as_deref());
    let snapshot = state.engine.boards.published(&state.db.read, &r).await?;
    let closed = contest::round_status(&r, state.engine.now()) == contest::RoundStatus::Closed;
    let visible = contest::fairness::scores_visible(&r);
    let key = PageCache::key(
        &format!(
            "round {} {category} {closed} {visible} {}",
            r.id,
            view_key(&query)
        ),
        &[&snapshot],
    );
    let cached = state
        .pages
        .get_or_render(key, &[&snapshot], ctx.viewer.site.clone(), || async {
            Ok(round_board(
                &r,
                &categories,
                &category,
                &snapshot,
                closed,
                &query,
            ))
        })
        .await?;
    Ok(PageCache::respond(&ctx, &req, &cached))
}

/// The round's leaderboard page from its snapshot: a page of the category's ranking and
/// the units table — or the units' participation alone while scores are held back.
pub fn round_board(
    r: &round::Model,
    categories: &[category::Model],
    category: &str,
    snapshot: &boards::Snapshot,
    closed: bool,
    query: &BoardQuery,
) -> BoardPage {
    let title = format!("Bảng xếp hạng — {}", r.title);
    if !contest::fairness::scores_visible(r) {
        return BoardPage {
            body: html! {
                h1 { (title) }
                p.notice role="status" { "Bảng xếp hạng được công bố khi vòng thi kết thúc và mọi bài thi đã được chấm." }
                (units_section(&snapshot.units, query, category, false))
            },
            title,
            scripts: &[],
        };
    }
    let page_no = query.trang.unwrap_or(1).max(1);
    let (total, entries) = boards::page(
        snapshot,
        Some(category),
        BOARD_PAGE,
        (page_no - 1).saturating_mul(BOARD_PAGE),
    );
    BoardPage {
        body: html! {
            h1 { (title) }
            (category_nav(categories, category))
            p.muted {
                (number(total as i64)) " người dự thi trong đối tượng này. "
                @if closed {
                    @if let Some(actual) = snapshot.actual { "Đáp án câu hỏi dự đoán: " (number(actual)) "." }
                } @else {
                    "Vòng thi chưa kết thúc: xếp hạng theo điểm rồi thời gian; câu hỏi dự đoán được xét khi vòng thi kết thúc."
                }
            }
            div.table-wrap {
                table.stack.board {
                    thead { tr {
                        th scope="col" { "Hạng · Họ và tên" }
                        th scope="col" { "Đơn vị" }
                        th.num scope="col" { "Điểm" }
                        th.num scope="col" { "Thời gian" }
                        @if closed { th.num scope="col" { "Dự đoán" } th.num scope="col" { "Chênh lệch" } }
                    } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td.lead { span.rank { (e.rank) "." } " " (e.name) }
                                td data-label="Đơn vị" { (e.unit_name.clone().unwrap_or_default()) }
                                td.num data-label="Điểm" { (e.score) "/" (e.max_score) }
                                td.num data-label="Thời gian" { (duration(e.time_taken_ms)) }
                                @if closed {
                                    td.num data-label="Dự đoán" { (e.prediction.map_or_else(|| "—".into(), number)) }
                                    td.num data-label="Chênh lệch" { (e.prediction_diff.map_or_else(|| "—".into(), number)) }
                                }
                            }
                        }
                    }
                }
            }
            (pager(category, page_no, total))
            (units_section(&snapshot.units, query, category, true))
            // --- Charts (issue #6): drawn on the server. ---
            (crate::views::charts::round_figures(snapshot, &[]))
        },
        title,
        scripts: &[],
    }
}

/// `GET /contests/{id}/leaderboard` — the contest ranking per category (each round's best
/// attempt summed, then the time taken summed; rounds holding scores back count once
/// settled), and participation per unit over the contest; rendered once per set of
/// snapshots, category, page and units view (`web::cached`).
pub async fn contest_leaderboard(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<BoardQuery>,
) -> PageResult {
    let c = crate::contest::load_contest(&state.db.read, path.into_inner()).await?;
    lifecycle::ensure_visible(&c, ctx.user.as_ref().map(|u| u.role))?;
    let categories = state.categories().await?;
    let category = chosen_category(&categories, query.category.as_deref());
    let snapshots = state
        .engine
        .boards
        .contest_public(&state.db.read, c.id)
        .await?;
    let snaps: Vec<&boards::Snapshot> = snapshots.iter().map(|s| &**s).collect();
    let key = PageCache::key(
        &format!("contest {} {category} {}", c.id, view_key(&query)),
        &snaps,
    );
    let cached = state
        .pages
        .get_or_render(key, &snaps, ctx.viewer.site.clone(), || async {
            let units = crate::entities::unit::Entity::find()
                .all(&state.db.read)
                .await?;
            Ok(contest_board(
                &c,
                &categories,
                &category,
                &snapshots,
                &units,
                &query,
            ))
        })
        .await?;
    Ok(PageCache::respond(&ctx, &req, &cached))
}

/// The contest's leaderboard page from its rounds' snapshots.
pub fn contest_board(
    c: &contest_entity::Model,
    categories: &[category::Model],
    category: &str,
    snapshots: &[std::sync::Arc<boards::Snapshot>],
    units: &[crate::entities::unit::Model],
    query: &BoardQuery,
) -> BoardPage {
    let ranking = boards::contest_ranking(snapshots, Some(category));
    let page_no = query.trang.unwrap_or(1).max(1);
    let unit_stats = boards::contest_unit_stats(units, snapshots);
    let title = format!("Bảng xếp hạng toàn cuộc thi — {}", c.title);
    BoardPage {
        body: html! {
            h1 { (title) }
            p { a href={ "/contests/" (c.id) } { "Thể lệ và các vòng thi" } }
            (category_nav(categories, category))
            p.muted {
                (number(ranking.len() as i64)) " người dự thi, " (snapshots.len()) " vòng thi được tính. "
                "Xếp hạng theo tổng điểm cao nhất của từng vòng, rồi tổng thời gian làm bài."
            }
            div.table-wrap {
                table.stack.board {
                    thead { tr {
                        th scope="col" { "Hạng · Họ và tên" }
                        th scope="col" { "Đơn vị" }
                        th.num scope="col" { "Điểm" }
                        th.num scope="col" { "Số vòng" }
                        th.num scope="col" { "Thời gian" }
                    } }
                    tbody {
                        @for e in ranking.iter().skip((page_no - 1).saturating_mul(BOARD_PAGE)).take(BOARD_PAGE) {
                            tr {
                                td.lead { span.rank { (e.rank) "." } " " (e.name) }
                                td data-label="Đơn vị" { (e.unit_name.clone().unwrap_or_default()) }
                                td.num data-label="Điểm" { (e.score) "/" (e.max_score) }
                                td.num data-label="Số vòng" { (e.rounds) }
                                td.num data-label="Thời gian" { (duration(e.time_taken_ms)) }
                            }
                        }
                    }
                }
            }
            (pager(category, page_no, ranking.len()))
            (units_section(&unit_stats, query, category, true))
        },
        title,
        scripts: &[],
    }
}

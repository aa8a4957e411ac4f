//! The units console: the unit tree and its CSV import.

use actix_web::{HttpRequest, web};
use maud::html;

use crate::state::AppState;
use crate::views::console;
use crate::views::form::FormOutcome;
use crate::views::layout::csrf_field;
use crate::web::extract::Organiser;
use crate::web::pages::{PageCtx, PageResult};

async fn units_page(
    ctx: &PageCtx<Organiser>,
    state: &AppState,
    outcome: FormOutcome,
) -> PageResult {
    let units = crate::units::list(&state.db.read).await?;
    let viewer = &ctx.viewer;
    Ok(ctx.html(outcome.status, console::organiser(viewer, "Đơn vị", html! {
        (outcome)
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
                td { (crate::units::kind_name(&u.kind)) } td { (u.block.clone().unwrap_or_default()) } td.num { (u.headcount) }
            } } }
        } }
    })))
}

/// `GET /organiser/units`.
pub async fn units(ctx: PageCtx<Organiser>, state: web::Data<AppState>) -> PageResult {
    units_page(&ctx, &state, FormOutcome::none()).await
}

/// `POST /organiser/units` — imports a unit CSV (all or nothing).
pub async fn import_units(
    ctx: PageCtx<Organiser>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let user = &ctx.user;
    let upload = ctx.read_upload(&req, payload).await?;
    let bytes = upload.file.map(|(_, b)| b).unwrap_or_default();
    let outcome = match crate::units::import_csv(&state.db.write, &bytes, Some(user.id())).await {
        Ok(summary) => FormOutcome::done(
            html! { div.notice role="status" { "Đã nhập " (summary.total) " đơn vị (" (summary.created) " mới, " (summary.updated) " cập nhật)." } },
        ),
        Err(e) => FormOutcome::refused(e)?,
    };
    units_page(&ctx, &state, outcome).await
}
